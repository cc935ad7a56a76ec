/* casella-message-text.c — a message's readable text
 *
 * The HTML reader is deliberately small: it turns markup into text and
 * nothing else (no fetching, no scripts), in one pass, for any input.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-gmime.h"
#include "casella-message-compose.h"
#include "casella-message-text.h"

/* ---- HTML ---- */

typedef struct {
  GString *out;
  gboolean space;      /* a space is owed before the next word */
  int      newlines;   /* newlines at the end of out */
  int      pre;        /* inside <pre> */
} Html;

static void
put_newline (Html *html,
             int   count)
{
  /* A blank line at most, and none at the very start. */
  while (html->out->len > 0 && html->newlines < MIN (count, 2))
    {
      g_string_append_c (html->out, '\n');
      html->newlines++;
    }
  html->space = FALSE;
}

static void
put_text (Html       *html,
          const char *text,
          gsize       length)
{
  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];

      if (html->pre == 0 && g_ascii_isspace (c))
        {
          html->space = html->out->len > 0 && html->newlines == 0;
          continue;
        }
      if (c == '\n')
        {
          g_string_append_c (html->out, '\n');
          html->newlines++;
          continue;
        }
      if (html->space)
        g_string_append_c (html->out, ' ');
      html->space = FALSE;
      g_string_append_c (html->out, c);
      html->newlines = 0;
    }
}

static const struct { const char *name; const char *text; } entities[] = {
  { "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" }, { "apos", "'" }, { "nbsp", " " },
  { "hellip", "…" }, { "mdash", "—" }, { "ndash", "–" }, { "laquo", "«" }, { "raquo", "»" },
  { "lsquo", "‘" }, { "rsquo", "’" }, { "ldquo", "“" }, { "rdquo", "”" }, { "euro", "€" },
  { "copy", "©" }, { "reg", "®" }, { "trade", "™" }, { "middot", "·" }, { "bull", "•" },
  { "agrave", "à" }, { "egrave", "è" }, { "eacute", "é" }, { "igrave", "ì" }, { "ograve", "ò" },
  { "ugrave", "ù" }, { "Agrave", "À" }, { "Egrave", "È" }, { "Eacute", "É" }, { "ccedil", "ç" },
  { "auml", "ä" }, { "ouml", "ö" }, { "uuml", "ü" }, { "szlig", "ß" }, { "deg", "°" },
};

/* text points after '&'; returns how much was used (0: not an entity). */
static gsize
put_entity (Html       *html,
            const char *text,
            gsize       length)
{
  gsize end = 0;
  char name[16];

  while (end < length && end < sizeof name - 1 && text[end] != ';' && (g_ascii_isalnum (text[end]) || text[end] == '#'))
    end++;
  if (end == 0 || end >= length || text[end] != ';')
    return 0;
  memcpy (name, text, end);
  name[end] = '\0';
  if (name[0] == '#')
    {
      gboolean hex = name[1] == 'x' || name[1] == 'X';
      guint64 code = g_ascii_strtoull (name + (hex ? 2 : 1), NULL, hex ? 16 : 10);
      char utf8[8];

      if (code == 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        code = 0xfffd;
      put_text (html, utf8, g_unichar_to_utf8 ((gunichar) code, utf8));
      return end + 1;
    }
  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    if (g_str_equal (name, entities[i].name))
      {
        put_text (html, entities[i].text, strlen (entities[i].text));
        return end + 1;
      }
  return 0;
}

static gboolean
tag_is (const char *tag,
        gsize       length,
        const char *name)
{
  return strlen (name) == length && g_ascii_strncasecmp (tag, name, length) == 0;
}

static gboolean
is_block (const char *tag,
          gsize       length)
{
  static const char *const blocks[] = { "p", "div", "br", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4",
                                        "h5", "h6", "blockquote", "hr", "section", "article", "header",
                                        "footer", "dl", "dt", "dd", "address", "center" };

  for (guint i = 0; i < G_N_ELEMENTS (blocks); i++)
    if (tag_is (tag, length, blocks[i]))
      return TRUE;
  return FALSE;
}

/* Skips to the end of an element whose content is never text
 * (</script>, </style>); returns where reading goes on. */
static gsize
skip_element (const char *text,
              gsize       length,
              gsize       from,
              const char *name)
{
  gsize name_length = strlen (name);

  for (gsize i = from; i + 2 + name_length <= length; i++)
    if (text[i] == '<' && text[i + 1] == '/' && g_ascii_strncasecmp (text + i + 2, name, name_length) == 0)
      {
        const char *close = memchr (text + i, '>', length - i);
        return close ? (gsize) (close - text) + 1 : length;
      }
  return length;
}

/* text[at] is '<'; returns where reading goes on. */
static gsize
handle_tag (Html       *html,
            const char *text,
            gsize       length,
            gsize       at)
{
  gsize i = at + 1, name_start, name_length, end;
  gboolean closing = FALSE;
  char quote = 0;

  if (i < length && text[i] == '/')
    closing = TRUE, i++;
  name_start = i;
  while (i < length && (g_ascii_isalnum (text[i]) || text[i] == '!' || text[i] == '-'))
    i++;
  name_length = i - name_start;
  /* The end of the tag, with quoted attribute values skipped over. */
  for (end = i; end < length; end++)
    {
      if (quote != 0)
        quote = text[end] == quote ? 0 : quote;
      else if (text[end] == '"' || text[end] == '\'')
        quote = text[end];
      else if (text[end] == '>')
        break;
    }
  if (name_length >= 3 && strncmp (text + name_start, "!--", 3) == 0)
    {
      const char *close = g_strstr_len (text + name_start, (gssize) (length - name_start), "-->");
      return close ? (gsize) (close - text) + 3 : length;
    }
  end = MIN (end + 1, length);
  if (!closing && (tag_is (text + name_start, name_length, "script") || tag_is (text + name_start, name_length, "style") ||
                   tag_is (text + name_start, name_length, "head") || tag_is (text + name_start, name_length, "title")))
    return skip_element (text, length, end, tag_is (text + name_start, name_length, "head") ? "head"
                                            : tag_is (text + name_start, name_length, "title") ? "title"
                                            : tag_is (text + name_start, name_length, "script") ? "script" : "style");
  if (tag_is (text + name_start, name_length, "pre"))
    html->pre = MAX (0, html->pre + (closing ? -1 : 1));
  if (tag_is (text + name_start, name_length, "li") && !closing)
    {
      put_newline (html, 1);
      put_text (html, "• ", strlen ("• "));
    }
  else if (tag_is (text + name_start, name_length, "br"))
    {
      g_string_append_c (html->out, '\n');
      html->newlines++;
      html->space = FALSE;
    }
  else if (tag_is (text + name_start, name_length, "td") || tag_is (text + name_start, name_length, "th"))
    html->space = html->out->len > 0 && html->newlines == 0;
  else if (is_block (text + name_start, name_length))
    put_newline (html, tag_is (text + name_start, name_length, "p") ? 2 : 1);
  return end;
}

char *
casella_html_to_text (const char *text,
                      gssize      length)
{
  Html html = { g_string_new (NULL), FALSE, 0, 0 };
  gsize n = length < 0 ? strlen (text) : (gsize) length;
  gsize i = 0;

  while (i < n)
    {
      gsize run;

      /* Only "<" before a letter, "/", "!" or "?" opens a tag (as an
       * HTML parser reads it); any other is text: "x < 3" stays. */
      if (text[i] == '<' && i + 1 < n &&
          (g_ascii_isalpha (text[i + 1]) || text[i + 1] == '/' || text[i + 1] == '!' || text[i + 1] == '?'))
        {
          i = handle_tag (&html, text, n, i);
          continue;
        }
      if (text[i] == '&')
        {
          gsize used = put_entity (&html, text + i + 1, n - i - 1);
          if (used > 0)
            {
              i += used + 1;
              continue;
            }
        }
      /* Plain text up to the next tag or entity. */
      run = i + 1;   /* a "<" here is text */
      while (run < n && text[run] != '<' && text[run] != '&')
        run++;
      put_text (&html, text + i, run - i);
      i = run;
    }
  while (html.out->len > 0 && g_ascii_isspace (html.out->str[html.out->len - 1]))
    g_string_truncate (html.out, html.out->len - 1);
  {
    char *valid = g_utf8_make_valid (html.out->str, (gssize) html.out->len);
    g_string_free (html.out, TRUE);
    return valid;
  }
}

/* ---- MIME ---- */

typedef struct {
  GMimeTextPart *plain;
  GMimeTextPart *html;
  gboolean       has_attachment;
} Walk;

/* "\r\n" and a lone "\r" become "\n", in place (the text only shrinks),
 * a span at a time: a sync runs this over every message it brings. */
static char *
unify_line_ends (char *text)
{
  char *read = strchr (text, '\r'), *write = read;

  while (read != NULL)
    {
      const char *next;
      gsize span;

      *write++ = '\n';
      read += read[1] == '\n' ? 2 : 1;
      next = strchr (read, '\r');
      span = next ? (gsize) (next - read) : strlen (read);
      memmove (write, read, span);
      write += span;
      read = (char *) next;
    }
  if (write != NULL)
    *write = '\0';
  return text;
}

/* Valid UTF-8 with "\n" line ends, whatever the part had. */
static char *
normalize_newlines (const char *text)
{
  return unify_line_ends (g_utf8_make_valid (text, -1));
}

static gboolean
is_attachment (GMimeObject *part)
{
  GMimeContentDisposition *disposition = g_mime_object_get_content_disposition (part);

  if (disposition != NULL && g_mime_content_disposition_is_attachment (disposition))
    return TRUE;
  return GMIME_IS_PART (part) && g_mime_part_get_filename (GMIME_PART (part)) != NULL &&
         !GMIME_IS_TEXT_PART (part);
}

static void
walk_part (GMimeObject *parent,
           GMimeObject *part,
           gpointer     user_data)
{
  Walk *walk = user_data;

  if (GMIME_IS_MULTIPART (part) || GMIME_IS_MESSAGE_PART (part))
    return;
  if (is_attachment (part))
    {
      walk->has_attachment = TRUE;
      return;
    }
  if (!GMIME_IS_TEXT_PART (part))
    return;
  if (walk->plain == NULL && g_mime_content_type_is_type (g_mime_object_get_content_type (part), "text", "plain"))
    walk->plain = GMIME_TEXT_PART (part);
  else if (walk->html == NULL && g_mime_content_type_is_type (g_mime_object_get_content_type (part), "text", "html"))
    walk->html = GMIME_TEXT_PART (part);
}

char *
casella_message_get_text (GMimeMessage *message,
                          gboolean     *has_attachment)
{
  Walk walk = { NULL, NULL, FALSE };
  g_autofree char *text = NULL;

  g_mime_message_foreach (message, walk_part, &walk);
  if (GMIME_IS_TEXT_PART (g_mime_message_get_mime_part (message)) && walk.plain == NULL && walk.html == NULL)
    walk.plain = GMIME_TEXT_PART (g_mime_message_get_mime_part (message));
  if (has_attachment != NULL)
    *has_attachment = walk.has_attachment;
  if (walk.plain != NULL)
    text = g_mime_text_part_get_text (walk.plain);
  else if (walk.html != NULL)
    {
      g_autofree char *html = g_mime_text_part_get_text (walk.html);
      return html ? casella_html_to_text (html, -1) : g_strdup ("");
    }
  if (text == NULL)
    return g_strdup ("");
  return normalize_newlines (text);
}

char *
casella_message_get_html (GMimeMessage *message)
{
  Walk walk = { NULL, NULL, FALSE };
  GMimeObject *top = g_mime_message_get_mime_part (message);
  g_autofree char *html = NULL;

  g_mime_message_foreach (message, walk_part, &walk);
  if (walk.html == NULL && GMIME_IS_TEXT_PART (top) &&
      g_mime_content_type_is_type (g_mime_object_get_content_type (top), "text", "html"))
    walk.html = GMIME_TEXT_PART (top);
  if (walk.html == NULL || (html = g_mime_text_part_get_text (walk.html)) == NULL)
    return NULL;
  return g_utf8_make_valid (html, -1);
}

typedef struct {
  const char  *content_id;
  GMimePart   *found;
} FindCid;

static void
find_cid (GMimeObject *parent,
          GMimeObject *part,
          gpointer     user_data)
{
  FindCid *find = user_data;
  const char *id = g_mime_object_get_content_id (part);

  if (find->found == NULL && GMIME_IS_PART (part) && id != NULL && g_str_equal (id, find->content_id))
    find->found = GMIME_PART (part);
}

GBytes *
casella_message_get_cid_part (GMimeMessage  *message,
                              const char    *content_id,
                              char         **content_type)
{
  FindCid find = { content_id, NULL };
  g_autoptr(GMimeStream) stream = NULL;
  GByteArray *bytes;

  g_mime_message_foreach (message, find_cid, &find);
  if (find.found == NULL || g_mime_part_get_content (find.found) == NULL)
    return NULL;
  stream = g_mime_stream_mem_new ();
  g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (find.found), stream);
  bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  if (content_type != NULL)
    *content_type = g_mime_content_type_get_mime_type (g_mime_object_get_content_type (GMIME_OBJECT (find.found)));
  return g_bytes_new (bytes->data, bytes->len);
}

/* ---- the plain message, without GMime ---- */

typedef struct {
  GString *type;        /* Content-Type, unfolded */
  GString *encoding;    /* Content-Transfer-Encoding */
  guint    n_type, n_encoding;
} PlainHeaders;

/* "Content-Type " counts too: a parser forgives the space. */
static gboolean
header_is (const char *line,
           gsize       name_length,
           const char *name)
{
  while (name_length > 0 && (line[name_length - 1] == ' ' || line[name_length - 1] == '\t'))
    name_length--;
  return name_length == strlen (name) && g_ascii_strncasecmp (line, name, name_length) == 0;
}

/* RFC 5322 field names: printable ASCII but ':' (spaces before the
 * colon forgiven). */
static gboolean
is_field_name (const char *name,
               gsize       length)
{
  while (length > 0 && (name[length - 1] == ' ' || name[length - 1] == '\t'))
    length--;
  if (length == 0)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (name[i] < 0x21 || name[i] > 0x7e)
      return FALSE;
  return TRUE;
}

/* Reads the header block up to its blank line; *body after it. FALSE
 * when a line is no header, or a header says more than text/plain. */
static gboolean
read_plain_headers (const char   *raw,
                    const char   *end,
                    PlainHeaders *headers,
                    const char  **body)
{
  GString *current = NULL;
  gboolean any = FALSE;

  for (const char *line = raw; line < end;)
    {
      const char *eol = memchr (line, '\n', (gsize) (end - line));
      const char *next = eol ? eol + 1 : end;
      gsize length = (gsize) ((eol ? eol : end) - line);
      const char *colon;

      if (length > 0 && line[length - 1] == '\r')
        length--;
      if (length == 0)
        {
          *body = next;
          return eol != NULL;
        }
      if (line[0] == ' ' || line[0] == '\t')
        {
          if (!any)
            return FALSE;   /* folded onto nothing */
          if (current != NULL)
            g_string_append_len (current, line, (gssize) length);
        }
      else if ((colon = memchr (line, ':', length)) == NULL || !is_field_name (line, (gsize) (colon - line)))
        return FALSE;
      else if (header_is (line, (gsize) (colon - line), "Content-Disposition"))
        return FALSE;
      else if (header_is (line, (gsize) (colon - line), "Content-Type"))
        {
          current = headers->type;
          headers->n_type++;
          g_string_append_len (current, colon + 1, (gssize) (line + length - colon - 1));
        }
      else if (header_is (line, (gsize) (colon - line), "Content-Transfer-Encoding"))
        {
          current = headers->encoding;
          headers->n_encoding++;
          g_string_append_len (current, colon + 1, (gssize) (line + length - colon - 1));
        }
      else
        current = NULL;
      any = TRUE;
      line = next;
    }
  return FALSE;
}

typedef enum { CHARSET_NONE, CHARSET_ASCII, CHARSET_UTF8, CHARSET_OTHER } Charset;

/* "text/plain; charset=utf-8; format=flowed": the charset, or OTHER for
 * anything a parser would have to think about (comments, RFC 2231,
 * unknown parameters). */
static Charset
plain_charset (const char *value)
{
  g_auto(GStrv) parts = NULL;
  Charset charset = CHARSET_NONE;

  if (strpbrk (value, "(\\*") != NULL)
    return CHARSET_OTHER;
  parts = g_strsplit (value, ";", -1);
  if (parts[0] == NULL || g_ascii_strcasecmp (g_strstrip (parts[0]), "text/plain") != 0)
    return CHARSET_OTHER;
  for (guint i = 1; parts[i] != NULL; i++)
    {
      char *parameter = g_strstrip (parts[i]);
      char *equals = strchr (parameter, '=');
      char *name, *setting;
      gsize setting_length;

      if (*parameter == '\0' && parts[i + 1] == NULL)
        continue;   /* a trailing ";" */
      if (equals == NULL)
        return CHARSET_OTHER;
      *equals = '\0';
      name = g_strstrip (parameter);
      setting = g_strstrip (equals + 1);
      setting_length = strlen (setting);
      if (setting_length >= 2 && setting[0] == '"' && setting[setting_length - 1] == '"')
        {
          setting[setting_length - 1] = '\0';
          setting++;
        }
      if (strchr (setting, '"') != NULL)
        return CHARSET_OTHER;
      if (g_ascii_strcasecmp (name, "charset") == 0 && charset == CHARSET_NONE)
        charset = g_ascii_strcasecmp (setting, "utf-8") == 0 ? CHARSET_UTF8
                  : g_ascii_strcasecmp (setting, "us-ascii") == 0 ? CHARSET_ASCII : CHARSET_OTHER;
      else if (g_ascii_strcasecmp (name, "format") != 0 && g_ascii_strcasecmp (name, "delsp") != 0)
        return CHARSET_OTHER;
      if (charset == CHARSET_OTHER)
        return CHARSET_OTHER;
    }
  return charset;
}

static gboolean
is_ascii (const char *text,
          gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if ((guchar) text[i] >= 0x80 || text[i] == '\0')
      return FALSE;
  return TRUE;
}

gboolean
casella_message_get_plain_text (const char  *raw,
                                gsize        length,
                                char       **text)
{
  g_autoptr(GString) type = g_string_new (NULL);
  g_autoptr(GString) encoding = g_string_new (NULL);
  PlainHeaders headers = { type, encoding, 0, 0 };
  const char *body = NULL, *end;
  Charset charset = CHARSET_NONE;

  /* An empty body may come without any bytes behind it (NULL). */
  if (raw == NULL || length == 0)
    return FALSE;
  end = raw + length;
  if (memchr (raw, '\0', length) != NULL || !read_plain_headers (raw, end, &headers, &body) ||
      headers.n_type > 1 || headers.n_encoding > 1)
    return FALSE;
  if (headers.n_encoding == 1)
    {
      const char *cte = g_strstrip (encoding->str);
      if (g_ascii_strcasecmp (cte, "7bit") != 0 && g_ascii_strcasecmp (cte, "8bit") != 0)
        return FALSE;
    }
  if (headers.n_type == 1 && (charset = plain_charset (type->str)) == CHARSET_OTHER)
    return FALSE;
  /* UTF-8 passes through GMime as it is; anything else it converts. */
  if (charset == CHARSET_UTF8 ? !g_utf8_validate (body, end - body, NULL) : !is_ascii (body, (gsize) (end - body)))
    return FALSE;
  /* Valid already (or ASCII): only the line ends change. */
  *text = unify_line_ends (g_strndup (body, (gsize) (end - body)));
  return TRUE;
}

/* ---- preview ---- */

static gboolean
is_quote_intro (const char *line)
{
  gsize length = strlen (line);

  while (length > 0 && g_ascii_isspace (line[length - 1]))
    length--;
  return length > 0 && line[length - 1] == ':' &&
         (g_strstr_len (line, (gssize) length, "wrote") || g_strstr_len (line, (gssize) length, "scritto"));
}

char *
casella_text_preview (const char *text,
                      guint       max_chars)
{
  GString *out = g_string_new (NULL);
  guint chars = 0;

  /* Line by line, only as far as the preview goes: a long message is not
   * split whole for its first 160 characters. */
  for (const char *start = text ? text : ""; start != NULL && *start && chars < max_chars;)
    {
      const char *end = strchr (start, '\n');
      g_autofree char *line = end ? g_strndup (start, (gsize) (end - start)) : g_strdup (start);

      start = end ? end + 1 : NULL;
      if (g_str_equal (line, "-- ") || g_str_equal (line, "--"))
        break;   /* the signature */
      if (line[0] == '>' || is_quote_intro (line))
        continue;
      for (const char *p = line; *p && chars < max_chars; p = g_utf8_next_char (p))
        {
          /* ASCII, most of any text, without decoding it. */
          gboolean ascii = (guchar) *p < 0x80;
          gunichar c = ascii ? (gunichar) *p : g_utf8_get_char (p);

          if (ascii ? g_ascii_isspace (*p) : g_unichar_isspace (c))
            {
              if (out->len > 0 && out->str[out->len - 1] != ' ')
                g_string_append_c (out, ' '), chars++;
              continue;
            }
          if (ascii)
            g_string_append_c (out, *p);
          else
            g_string_append_len (out, p, g_utf8_next_char (p) - p);
          chars++;
        }
      if (out->len > 0 && out->str[out->len - 1] != ' ')
        g_string_append_c (out, ' '), chars++;
    }
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}

char *
casella_address_list_display (InternetAddressList *list)
{
  if (list == NULL || internet_address_list_length (list) == 0)
    return NULL;
  return internet_address_list_to_string (list, NULL, FALSE);
}

/* ---- a message made ready to read ---- */

typedef struct {
  GBytes  *raw;
  guint    max_shown;
  int      pec_level;
} Prepare;

static void
prepare_free (Prepare *prepare)
{
  g_bytes_unref (prepare->raw);
  g_free (prepare);
}

void
casella_prepared_message_free (CasellaPreparedMessage *prepared)
{
  if (prepared == NULL)
    return;
  g_clear_pointer (&prepared->raw, g_bytes_unref);
  g_clear_object (&prepared->message);
  g_clear_pointer (&prepared->pec, casella_pec_free);
  g_free (prepared->signature_detail);
  g_free (prepared->text);
  g_free (prepared->html);
  g_clear_pointer (&prepared->attachments, g_ptr_array_unref);
  g_free (prepared);
}

/* Where to cut a long text: at most max_chars characters, at the last
 * line end in the final quarter if there is one. */
static gsize
shown_length (const char *text,
              guint       max_chars)
{
  const char *cut = text;
  const char *line_end;

  for (guint n = 0; n < max_chars && *cut; n++)
    cut = g_utf8_next_char (cut);
  if (*cut == '\0')
    return (gsize) (cut - text);
  line_end = g_strrstr_len (text, cut - text, "\n");
  if (line_end != NULL && (gsize) (line_end - text) > (gsize) (cut - text) * 3 / 4)
    return (gsize) (line_end - text) + 1;
  return (gsize) (cut - text);
}

/* The envelope a message carries as an attachment (a forwarded PEC),
 * and the letter inside it; FALSE: there is none. */
static gboolean
forwarded_inside (GMimeMessage  *message,
                  CasellaPec   **pec,
                  GMimeMessage **letter)
{
  g_autoptr(GMimeMessage) attached = casella_pec_get_inner (message);
  g_autoptr(CasellaPec) facts = attached ? casella_pec_read (attached) : NULL;

  if (facts == NULL || facts->kind != CASELLA_PEC_MESSAGE || (*letter = casella_pec_get_inner (attached)) == NULL)
    return FALSE;
  *pec = g_steal_pointer (&facts);
  return TRUE;
}

/* Forwarded certified messages open level by level; their signatures
 * were made over bytes this copy need not keep, so they are not checked. */
static void
open_forwarded (CasellaPreparedMessage *prepared,
                guint                   levels)
{
  CasellaPec *pec = NULL;
  GMimeMessage *letter = NULL;

  while (prepared->pec_level < levels && forwarded_inside (prepared->message, &pec, &letter))
    {
      casella_pec_free (prepared->pec);
      prepared->pec = pec;
      g_object_unref (prepared->message);
      prepared->message = letter;
      prepared->signature = CASELLA_PEC_SIGNATURE_FORWARDED;
      g_clear_pointer (&prepared->signature_detail, g_free);
      prepared->pec_level++;
    }
  if (forwarded_inside (prepared->message, &pec, &letter))
    {
      prepared->pec_forwarded = TRUE;
      casella_pec_free (pec);
      g_object_unref (letter);
    }
}

static void
prepare_in_thread (GTask        *task,
                   gpointer      source,
                   gpointer      data,
                   GCancellable *cancellable)
{
  Prepare *prepare = data;
  CasellaPreparedMessage *prepared = g_new0 (CasellaPreparedMessage, 1);
  g_autofree char *text = NULL;

  prepared->raw = g_bytes_ref (prepare->raw);
  prepared->message = casella_message_parse (prepare->raw);
  if (prepare->pec_level >= 0 && prepared->message != NULL &&
      (prepared->pec = casella_pec_read (prepared->message)) != NULL)
    prepared->signature = casella_pec_verify (prepare->raw, prepared->pec->provider_address, NULL,
                                              &prepared->signature_detail);
  if (prepared->pec != NULL && prepared->pec->kind == CASELLA_PEC_MESSAGE)
    {
      GMimeMessage *inner = casella_pec_get_inner (prepared->message);

      if (inner != NULL)
        {
          g_object_unref (prepared->message);
          prepared->message = inner;
          prepared->inner = TRUE;
          open_forwarded (prepared, (guint) prepare->pec_level);
        }
    }
  if (prepared->message != NULL)
    {
      text = casella_message_get_text (prepared->message, NULL);
      prepared->html = casella_message_get_html (prepared->message);
      prepared->attachments = casella_message_get_attachments (prepared->message);
    }
  else
    {
      text = g_strndup (g_bytes_get_data (prepare->raw, NULL), g_bytes_get_size (prepare->raw));
      prepared->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_attachment_free);
    }
  prepared->text = g_utf8_make_valid (text ? text : "", -1);
  prepared->shown_length = shown_length (prepared->text, prepare->max_shown);
  if (g_task_return_error_if_cancelled (task))
    casella_prepared_message_free (prepared);
  else
    g_task_return_pointer (task, prepared, (GDestroyNotify) casella_prepared_message_free);
}

void
casella_message_prepare_async (GBytes              *raw,
                               guint                max_shown,
                               int                  pec_level,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Prepare *prepare = g_new0 (Prepare, 1);

  g_task_set_source_tag (task, casella_message_prepare_async);
  prepare->raw = g_bytes_ref (raw);
  prepare->max_shown = max_shown;
  prepare->pec_level = pec_level;
  g_task_set_task_data (task, prepare, (GDestroyNotify) prepare_free);
  g_task_run_in_thread (task, prepare_in_thread);
}

CasellaPreparedMessage *
casella_message_prepare_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == casella_message_prepare_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
