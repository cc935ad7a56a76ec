/* casella-pop3-parser.c — POP3 replies and multi-line bodies; no I/O
 *
 * A status line, then for multi-line replies (only after +OK) lines up
 * to a lone ".", with a leading "." removed from lines that had one added
 * (dot-stuffing). Lines are processed as they complete, so a body costs
 * one pass however it is split across reads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-line-buffer.h"
#include "casella-mail-error.h"
#include "casella-pop3-parser.h"

#define MAX_STATUS_LINE 8192
#define DEFAULT_MAX_BODY (256 * 1024 * 1024)

struct _CasellaPop3Parser
{
  CasellaLineBuffer input;
  gsize             max_body;
  CasellaPop3Reply *partial;     /* status read, body in progress */
  GByteArray       *body;
};

CasellaPop3Parser *
casella_pop3_parser_new (void)
{
  CasellaPop3Parser *parser = g_new0 (CasellaPop3Parser, 1);

  casella_line_buffer_init (&parser->input, 4096);
  parser->max_body = DEFAULT_MAX_BODY;
  return parser;
}

void
casella_pop3_reply_free (CasellaPop3Reply *reply)
{
  if (reply == NULL)
    return;
  g_free (reply->text);
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_free (reply);
}

void
casella_pop3_parser_reset (CasellaPop3Parser *parser)
{
  casella_line_buffer_reset (&parser->input);
  g_clear_pointer (&parser->partial, casella_pop3_reply_free);
  g_clear_pointer (&parser->body, g_byte_array_unref);
}

void
casella_pop3_parser_free (CasellaPop3Parser *parser)
{
  if (parser == NULL)
    return;
  casella_pop3_parser_reset (parser);
  casella_line_buffer_clear (&parser->input);
  g_free (parser);
}

void
casella_pop3_parser_set_max_size (CasellaPop3Parser *parser,
                                  gsize              max_body_size)
{
  parser->max_body = max_body_size;
}

gsize
casella_pop3_parser_get_pending (CasellaPop3Parser *parser)
{
  return casella_line_buffer_pending (&parser->input);
}

void
casella_pop3_parser_feed (CasellaPop3Parser *parser,
                          const guint8      *data,
                          gsize              length)
{
  casella_line_buffer_feed (&parser->input, data, length);
}

static CasellaPop3ParseResult
fail (GError     **error,
      const char  *what)
{
  g_set_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PROTOCOL_ERROR, "Malformed POP3 reply: %s", what);
  return CASELLA_POP3_PARSE_ERROR;
}

static CasellaPop3ParseResult
parse_status (CasellaPop3Parser  *parser,
              CasellaPop3Reply  **reply,
              GError            **error)
{
  const char *line;
  gsize length;
  CasellaPop3Reply *r;

  if (!casella_line_buffer_take_line (&parser->input, &line, &length))
    {
      if (casella_line_buffer_pending (&parser->input) > MAX_STATUS_LINE)
        return fail (error, "status line too long");
      return CASELLA_POP3_PARSE_NEED_MORE;
    }

  r = g_new0 (CasellaPop3Reply, 1);
  if (length >= 3 && memcmp (line, "+OK", 3) == 0)
    {
      r->ok = TRUE;
      line += 3, length -= 3;
    }
  else if (length >= 4 && memcmp (line, "-ERR", 4) == 0)
    line += 4, length -= 4;
  else if (length >= 1 && line[0] == '+' && (length == 1 || line[1] == ' '))
    {
      r->ok = r->continuation = TRUE;
      line += 1, length -= 1;
    }
  else
    {
      casella_pop3_reply_free (r);
      return fail (error, "neither +OK nor -ERR");
    }
  if (length > 0 && line[0] == ' ')
    line++, length--;
  r->text = g_utf8_make_valid (line, length);
  *reply = r;
  return CASELLA_POP3_PARSE_REPLY;
}

static CasellaPop3ParseResult
parse_body (CasellaPop3Parser  *parser,
            CasellaPop3Reply  **reply,
            GError            **error)
{
  const char *line;
  gsize length;

  while (casella_line_buffer_take_line (&parser->input, &line, &length))
    {
      if (length == 1 && line[0] == '.')
        {
          parser->partial->body = g_byte_array_free_to_bytes (g_steal_pointer (&parser->body));
          *reply = g_steal_pointer (&parser->partial);
          return CASELLA_POP3_PARSE_REPLY;
        }
      if (length > 0 && line[0] == '.')
        line++, length--;
      if (parser->body->len + length + 2 > parser->max_body)
        return fail (error, "message larger than allowed");
      g_byte_array_append (parser->body, (const guint8 *) line, length);
      g_byte_array_append (parser->body, (const guint8 *) "\r\n", 2);
    }
  if (casella_line_buffer_pending (&parser->input) > parser->max_body)
    return fail (error, "line larger than allowed");
  return CASELLA_POP3_PARSE_NEED_MORE;
}

/* multiline: the command's reply has a body when it is +OK (LIST, UIDL,
 * RETR, TOP, CAPA). -ERR never has one. */
CasellaPop3ParseResult
casella_pop3_parser_next (CasellaPop3Parser  *parser,
                          gboolean            multiline,
                          CasellaPop3Reply  **reply,
                          GError            **error)
{
  if (parser->partial == NULL)
    {
      CasellaPop3Reply *status = NULL;
      CasellaPop3ParseResult result = parse_status (parser, &status, error);

      if (result != CASELLA_POP3_PARSE_REPLY)
        return result;
      if (!multiline || !status->ok || status->continuation)
        {
          *reply = status;
          return CASELLA_POP3_PARSE_REPLY;
        }
      parser->partial = status;
      parser->body = g_byte_array_new ();
    }
  return parse_body (parser, reply, error);
}
