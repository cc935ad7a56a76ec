/* casella-smtp-parser.c — SMTP replies (multi-line, enhanced codes); no I/O
 *
 * "250-first" lines continue, "250 last" (or a bare "250") ends a reply;
 * every line must carry the same code. An RFC 3463 enhanced code
 * ("2.1.0 ") at the start of the text is taken apart.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-line-buffer.h"
#include "casella-mail-error.h"
#include "casella-smtp-parser.h"

#define MAX_LINE 8192
#define MAX_LINES 1000

struct _CasellaSmtpParser
{
  CasellaLineBuffer input;
  GPtrArray  *lines;      /* texts of the reply being read */
  guint       code;
};

CasellaSmtpParser *
casella_smtp_parser_new (void)
{
  CasellaSmtpParser *parser = g_new0 (CasellaSmtpParser, 1);

  casella_line_buffer_init (&parser->input, 4096);
  parser->lines = g_ptr_array_new_with_free_func (g_free);
  return parser;
}

void
casella_smtp_parser_reset (CasellaSmtpParser *parser)
{
  casella_line_buffer_reset (&parser->input);
  g_ptr_array_set_size (parser->lines, 0);
  parser->code = 0;
}

void
casella_smtp_parser_free (CasellaSmtpParser *parser)
{
  if (parser == NULL)
    return;
  casella_line_buffer_clear (&parser->input);
  g_ptr_array_unref (parser->lines);
  g_free (parser);
}

void
casella_smtp_reply_free (CasellaSmtpReply *reply)
{
  if (reply == NULL)
    return;
  g_strfreev (reply->lines);
  g_free (reply->text);
  g_free (reply);
}

gsize
casella_smtp_parser_get_pending (CasellaSmtpParser *parser)
{
  return casella_line_buffer_pending (&parser->input);
}

void
casella_smtp_parser_feed (CasellaSmtpParser *parser,
                          const guint8      *data,
                          gsize              length)
{
  casella_line_buffer_feed (&parser->input, data, length);
}

static CasellaSmtpParseResult
fail (CasellaSmtpParser  *parser,
      GError            **error,
      const char         *what)
{
  g_ptr_array_set_size (parser->lines, 0);
  parser->code = 0;
  g_set_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PROTOCOL_ERROR, "Malformed SMTP reply: %s", what);
  return CASELLA_SMTP_PARSE_ERROR;
}

/* "5.7.8 " at the start of text: taken off into enhanced. */
static const char *
take_enhanced (const char *text,
               guint       enhanced[3],
               gboolean   *found)
{
  const char *p = text;

  *found = FALSE;
  if (*p < '2' || *p > '5' || p[1] != '.')
    return text;
  for (int part = 0; part < 3; part++)
    {
      guint value = 0, digits = 0;

      while (g_ascii_isdigit (*p) && digits < 3)
        value = value * 10 + (guint) (*p++ - '0'), digits++;
      if (digits == 0 || (part < 2 && *p != '.'))
        return text;
      enhanced[part] = value;
      if (part < 2)
        p++;
    }
  if (*p != ' ' && *p != '\0')
    return text;
  *found = TRUE;
  return *p == ' ' ? p + 1 : p;
}

static CasellaSmtpReply *
finish_reply (CasellaSmtpParser *parser)
{
  CasellaSmtpReply *reply = g_new0 (CasellaSmtpReply, 1);

  reply->code = parser->code;
  for (guint i = 0; i < parser->lines->len; i++)
    {
      gboolean found;
      guint enhanced[3];
      const char *rest = take_enhanced (parser->lines->pdata[i], enhanced, &found);

      if (found)
        {
          if (!reply->has_enhanced)
            memcpy (reply->enhanced, enhanced, sizeof enhanced);
          reply->has_enhanced = TRUE;
          memmove (parser->lines->pdata[i], rest, strlen (rest) + 1);
        }
    }
  g_ptr_array_add (parser->lines, NULL);
  reply->lines = (GStrv) g_ptr_array_steal (parser->lines, NULL);
  reply->text = g_strjoinv ("\n", reply->lines);
  parser->code = 0;
  return reply;
}

CasellaSmtpParseResult
casella_smtp_parser_next (CasellaSmtpParser  *parser,
                          CasellaSmtpReply  **reply,
                          GError            **error)
{
  for (;;)
    {
      const char *begin;
      gsize length;
      guint code;
      gboolean last;

      if (!casella_line_buffer_take_line (&parser->input, &begin, &length))
        return casella_line_buffer_pending (&parser->input) > MAX_LINE ? fail (parser, error, "line too long")
                                                                       : CASELLA_SMTP_PARSE_NEED_MORE;

      if (length < 3 || !g_ascii_isdigit (begin[0]) || !g_ascii_isdigit (begin[1]) ||
          !g_ascii_isdigit (begin[2]) || begin[0] < '2' || begin[0] > '5' ||
          (length > 3 && begin[3] != ' ' && begin[3] != '-'))
        return fail (parser, error, "a line without a reply code");

      code = (guint) ((begin[0] - '0') * 100 + (begin[1] - '0') * 10 + (begin[2] - '0'));
      if (parser->code != 0 && code != parser->code)
        return fail (parser, error, "reply code changed within a reply");
      if (parser->lines->len >= MAX_LINES)
        return fail (parser, error, "too many lines");

      parser->code = code;
      last = length == 3 || begin[3] == ' ';
      g_ptr_array_add (parser->lines, length > 4 ? g_utf8_make_valid (begin + 4, length - 4) : g_strdup (""));
      if (last)
        {
          *reply = finish_reply (parser);
          return CASELLA_SMTP_PARSE_REPLY;
        }
    }
}

/* "535 5.7.8 Username and Password not accepted" for error messages. */
char *
casella_smtp_reply_describe (const CasellaSmtpReply *reply)
{
  g_autofree char *oneline = g_strjoinv (" ", reply->lines);

  if (reply->has_enhanced)
    return g_strdup_printf ("%u %u.%u.%u %s", reply->code, reply->enhanced[0], reply->enhanced[1],
                            reply->enhanced[2], oneline);
  return g_strdup_printf ("%u %s", reply->code, oneline);
}
