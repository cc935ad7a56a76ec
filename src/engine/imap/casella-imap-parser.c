/* casella-imap-parser.c — IMAP4rev1 responses from bytes; no I/O
 *
 * Two steps. Framing finds where a response ends: at a line end that is
 * not a literal announcement "{n}", following announced literals by
 * their size without looking at their bytes (so a literal split over many
 * reads, or ten megabytes of one, costs nothing extra). Parsing then walks
 * the complete response once, building values in an arena that is reused
 * for every response; strings are unescaped in place.
 *
 * Nothing from the server is trusted: sizes are bounded, nesting is
 * bounded, every literal is checked against the bytes that are there.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-imap-parser.h"
#include "casella-line-buffer.h"
#include "casella-mail-error.h"

#define DEFAULT_MAX_RESPONSE (256 * 1024 * 1024)
#define MAX_DEPTH 64
#define ARENA_BLOCK 512

typedef struct _ArenaBlock ArenaBlock;
struct _ArenaBlock
{
  ArenaBlock       *next;
  CasellaImapValue  values[ARENA_BLOCK];
};

struct _CasellaImapParser
{
  CasellaLineBuffer    input;         /* its start: the unfinished response's first byte */
  gsize                scan;          /* where the search for a line end resumes */
  gsize                line_begin;    /* where the line being scanned begins */
  gsize                literal_left;  /* announced literal bytes not yet seen */
  gsize                max_size;

  ArenaBlock          *blocks;
  ArenaBlock          *current;
  guint                used;          /* values used in current */

  CasellaImapResponse  response;
};

typedef struct {
  CasellaImapParser *parser;
  char              *p;
  char              *end;             /* one past the response's last byte */
  int                depth;
  const char        *error;
} Cursor;

static void init_char_classes (void);

/* ---- arena ---- */

static inline CasellaImapValue *
arena_new_value (CasellaImapParser *parser)
{
  CasellaImapValue *value;

  if (parser->used == ARENA_BLOCK)
    {
      if (parser->current->next == NULL)
        parser->current->next = g_new0 (ArenaBlock, 1);
      parser->current = parser->current->next;
      parser->used = 0;
    }
  value = &parser->current->values[parser->used++];
  *value = (CasellaImapValue) { 0 };
  return value;
}

static void
arena_reset (CasellaImapParser *parser)
{
  parser->current = parser->blocks;
  parser->used = 0;
}

/* ---- life cycle ---- */

CasellaImapParser *
casella_imap_parser_new (void)
{
  static gsize classes_ready = 0;
  CasellaImapParser *parser = g_new0 (CasellaImapParser, 1);

  if (g_once_init_enter (&classes_ready))
    {
      init_char_classes ();
      g_once_init_leave (&classes_ready, 1);
    }
  casella_line_buffer_init (&parser->input, 65536);
  parser->max_size = DEFAULT_MAX_RESPONSE;
  parser->blocks = g_new0 (ArenaBlock, 1);
  parser->current = parser->blocks;
  return parser;
}

void
casella_imap_parser_free (CasellaImapParser *parser)
{
  if (parser == NULL)
    return;

  for (ArenaBlock *block = parser->blocks, *next; block; block = next)
    {
      next = block->next;
      g_free (block);
    }
  casella_line_buffer_clear (&parser->input);
  g_free (parser);
}

void
casella_imap_parser_set_max_size (CasellaImapParser *parser,
                                  gsize              max_response_size)
{
  parser->max_size = max_response_size;
}

void
casella_imap_parser_reset (CasellaImapParser *parser)
{
  casella_line_buffer_reset (&parser->input);
  parser->scan = parser->line_begin = parser->literal_left = 0;
  arena_reset (parser);
}

/* Bytes received but not yet part of a returned response. After a
 * STARTTLS reply this must be zero: anything else was injected before
 * encryption began. */
gsize
casella_imap_parser_get_pending (CasellaImapParser *parser)
{
  return casella_line_buffer_pending (&parser->input);
}

void
casella_imap_parser_feed (CasellaImapParser *parser,
                          const guint8      *data,
                          gsize              length)
{
  /* What earlier responses used is dropped: the scan moves with it. */
  gsize dropped = parser->input.start;

  casella_line_buffer_feed (&parser->input, data, length);
  parser->scan -= dropped;
  parser->line_begin -= dropped;
}

/* ---- framing ---- */

/* If the line ending at eol (the '\n') announces a literal, its size. */
static gboolean
line_announces_literal (const guint8 *buf,
                        gsize         line_start,
                        gsize         eol,
                        guint64      *size)
{
  gsize i = eol;
  guint64 n = 0, scale = 1;
  guint digits = 0;

  if (i > line_start && buf[i - 1] == '\r')
    i--;
  if (i == line_start || buf[i - 1] != '}')
    return FALSE;
  i--;
  if (i > line_start && buf[i - 1] == '+')   /* LITERAL+ form, seen in echoes */
    i--;
  while (i > line_start && g_ascii_isdigit (buf[i - 1]) && digits < 19)
    {
      n += (guint64) (buf[i - 1] - '0') * scale;
      scale *= 10;
      digits++;
      i--;
    }
  if (digits == 0 || i == line_start || buf[i - 1] != '{')
    return FALSE;
  *size = n;
  return TRUE;
}

/* ---- tokens ---- */

static inline gboolean
at_end (Cursor *c)
{
  return c->p >= c->end || *c->p == '\r' || *c->p == '\n';
}

static inline void
skip_spaces (Cursor *c)
{
  while (c->p < c->end && *c->p == ' ')
    c->p++;
}

/* What each byte can be, looked up once per byte instead of a chain of
 * comparisons: the scanners below run over every byte of a big fetch. */
enum {
  CLASS_ATOM         = 1 << 0,   /* in an atom */
  CLASS_ATOM_IN_CODE = 1 << 1,   /* in an atom inside a response code "[…]" */
  CLASS_DIGIT        = 1 << 2,
  CLASS_QUOTED_STOP  = 1 << 3,   /* ends the plain run of a quoted string */
};

static guint8 char_class[256];

static void
init_char_classes (void)
{
  for (guint ch = 0x20; ch < 0x7f; ch++)
    char_class[ch] = CLASS_ATOM | CLASS_ATOM_IN_CODE;
  for (guint ch = 0x80; ch < 0x100; ch++)
    char_class[ch] = CLASS_ATOM | CLASS_ATOM_IN_CODE;
  for (const char *stop = " (){\""; *stop; stop++)
    char_class[(guchar) *stop] = 0;
  for (guint ch = '0'; ch <= '9'; ch++)
    char_class[ch] |= CLASS_DIGIT;
  /* "[" opens a section (handled apart) outside codes; "]" closes a code. */
  char_class['['] = CLASS_ATOM_IN_CODE;
  char_class[']'] = CLASS_ATOM;
  for (const char *stop = "\"\\\r\n"; *stop; stop++)
    char_class[(guchar) *stop] |= CLASS_QUOTED_STOP;
}

static gboolean parse_value (Cursor *c, CasellaImapValue *value, gboolean in_code);

/* Whether any of the eight bytes at p is one that ends a quoted run: a
 * byte equal to b makes (x ^ b…b) have a zero byte, found with the usual
 * (v - 0x01…) & ~v & 0x80… test. */
static inline gboolean
word_has_quoted_stop (const char *p)
{
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  const guint64 highs = G_GUINT64_CONSTANT (0x8080808080808080);
  guint64 x, quote, backslash, cr, lf, zeros;

  memcpy (&x, p, sizeof x);
  quote = x ^ (ones * '"');
  backslash = x ^ (ones * '\\');
  cr = x ^ (ones * '\r');
  lf = x ^ (ones * '\n');
  zeros = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | ((cr - ones) & ~cr) | ((lf - ones) & ~lf);
  return (zeros & highs) != 0;
}

static gboolean
parse_quoted (Cursor           *c,
              CasellaImapValue *value)
{
  char *in = ++c->p, *out;

  value->type = CASELLA_IMAP_VALUE_STRING;
  value->data = in;

  /* Most strings have no escapes: find the end without copying, eight
   * bytes at a time while none of them is '"', '\\', CR or LF. */
  while (in + 8 <= c->end && !word_has_quoted_stop (in))
    in += 8;
  while (in < c->end && !(char_class[(guchar) *in] & CLASS_QUOTED_STOP))
    in++;
  out = in;

  /* From the first escape on, unescape in place (the result is shorter). */
  while (in < c->end && *in != '"' && *in != '\r' && *in != '\n')
    {
      if (*in == '\\' && in + 1 < c->end && in[1] != '\r' && in[1] != '\n')
        in++;
      *out++ = *in++;
    }
  if (in >= c->end || *in != '"')
    {
      c->error = "unterminated quoted string";
      return FALSE;
    }
  value->length = out - value->data;
  c->p = in + 1;
  return TRUE;
}

static gboolean
parse_literal (Cursor           *c,
               CasellaImapValue *value)
{
  guint64 size = 0;
  guint digits = 0;

  c->p++;   /* '{' */
  while (c->p < c->end && g_ascii_isdigit (*c->p) && digits < 19)
    {
      size = size * 10 + (guint64) (*c->p - '0');
      c->p++;
      digits++;
    }
  if (c->p < c->end && *c->p == '+')
    c->p++;
  if (digits == 0 || c->p >= c->end || *c->p != '}')
    {
      c->error = "malformed literal";
      return FALSE;
    }
  c->p++;
  if (c->p < c->end && *c->p == '\r')
    c->p++;
  if (c->p >= c->end || *c->p != '\n')
    {
      c->error = "literal not followed by a line end";
      return FALSE;
    }
  c->p++;
  if (size > (guint64) (c->end - c->p))
    {
      c->error = "literal longer than the response";
      return FALSE;
    }
  value->type = CASELLA_IMAP_VALUE_STRING;
  value->data = c->p;
  value->length = (guint32) MIN (size, G_MAXUINT32);
  c->p += size;
  return TRUE;
}

static gboolean
parse_list (Cursor           *c,
            CasellaImapValue *value,
            gboolean          in_code)
{
  CasellaImapValue **tail = &value->first;

  if (++c->depth > MAX_DEPTH)
    {
      c->error = "lists nested too deeply";
      return FALSE;
    }
  c->p++;   /* '(' */
  value->type = CASELLA_IMAP_VALUE_LIST;

  for (;;)
    {
      CasellaImapValue *child;

      skip_spaces (c);
      if (c->p < c->end && *c->p == ')')
        {
          c->p++;
          c->depth--;
          return TRUE;
        }
      if (at_end (c))
        {
          c->error = "unterminated list";
          return FALSE;
        }
      child = arena_new_value (c->parser);
      if (!parse_value (c, child, in_code))
        return FALSE;
      *tail = child;
      tail = &child->next;
      value->length++;
    }
}

/* An atom; "BODY[HEADER.FIELDS (A B)]<0>" is one atom, brackets and all. */
static gboolean
parse_atom (Cursor           *c,
            CasellaImapValue *value,
            gboolean          in_code)
{
  char *start = c->p;
  guint8 atom = in_code ? CLASS_ATOM_IN_CODE : CLASS_ATOM;
  guint8 all = CLASS_DIGIT;   /* the classes every byte had: digits only? */

  while (c->p < c->end)
    {
      guint8 class = char_class[(guchar) *c->p];

      if (class & atom)
        {
          all &= class;
          c->p++;
          continue;
        }
      if (*c->p == '[' && !in_code)
        {
          char *close = memchr (c->p, ']', c->end - c->p);
          char *eol = memchr (c->p, '\n', c->end - c->p);

          if (close == NULL || (eol != NULL && eol < close))
            {
              c->error = "unterminated section";
              return FALSE;
            }
          c->p = close + 1;
          all = 0;
          continue;
        }
      break;
    }

  if (c->p == start)
    {
      c->error = "unexpected character";
      return FALSE;
    }

  value->data = start;
  value->length = c->p - start;
  /* NIL, in any case (| 0x20 lowers a letter; no other byte maps to these). */
  if (value->length == 3 && (start[0] | 0x20) == 'n' && (start[1] | 0x20) == 'i' && (start[2] | 0x20) == 'l')
    value->type = CASELLA_IMAP_VALUE_NIL;
  else if ((all & CLASS_DIGIT) && value->length <= 19)
    {
      /* At most 19 digits: no overflow. */
      value->type = CASELLA_IMAP_VALUE_NUMBER;
      value->number = 0;
      for (const char *d = start; d < c->p; d++)
        value->number = value->number * 10 + (guint64) (*d - '0');
    }
  else
    value->type = CASELLA_IMAP_VALUE_ATOM;
  return TRUE;
}

static gboolean
parse_value (Cursor           *c,
             CasellaImapValue *value,
             gboolean          in_code)
{
  switch (*c->p)
    {
    case '(':
      return parse_list (c, value, in_code);
    case '"':
      return parse_quoted (c, value);
    case '{':
      return parse_literal (c, value);
    case '~':   /* literal8 (RFC 3516) */
      if (c->p + 1 < c->end && c->p[1] == '{')
        {
          c->p++;
          return parse_literal (c, value);
        }
      return parse_atom (c, value, in_code);
    default:
      return parse_atom (c, value, in_code);
    }
}

/* Values up to the end of the line (or a ']' inside a response code). */
static gboolean
parse_values (Cursor             *c,
              CasellaImapValue  **first,
              gboolean            in_code)
{
  CasellaImapValue **tail = first;

  for (;;)
    {
      CasellaImapValue *value;

      skip_spaces (c);
      if (at_end (c) || (in_code && *c->p == ']'))
        return TRUE;
      if (*c->p == ')')
        {
          c->error = "unbalanced parenthesis";
          return FALSE;
        }
      value = arena_new_value (c->parser);
      if (!parse_value (c, value, in_code))
        return FALSE;
      *tail = value;
      tail = &value->next;
    }
}

/* ---- responses ---- */

static const char *
read_word (Cursor *c,
           guint  *length)
{
  char *start = c->p;

  while (c->p < c->end && (char_class[(guchar) *c->p] & CLASS_ATOM_IN_CODE) && *c->p != '[')
    c->p++;
  *length = c->p - start;
  return start;
}

static CasellaImapStatus
status_from_word (const char *word,
                  guint       length)
{
  if (casella_imap_token_is (word, length, "OK"))
    return CASELLA_IMAP_STATUS_OK;
  if (casella_imap_token_is (word, length, "NO"))
    return CASELLA_IMAP_STATUS_NO;
  if (casella_imap_token_is (word, length, "BAD"))
    return CASELLA_IMAP_STATUS_BAD;
  if (casella_imap_token_is (word, length, "PREAUTH"))
    return CASELLA_IMAP_STATUS_PREAUTH;
  if (casella_imap_token_is (word, length, "BYE"))
    return CASELLA_IMAP_STATUS_BYE;
  return CASELLA_IMAP_STATUS_NONE;
}

static void
take_text (Cursor              *c,
           CasellaImapResponse *r)
{
  char *eol = c->p;

  while (eol < c->end && *eol != '\r' && *eol != '\n')
    eol++;
  r->text = c->p;
  r->text_length = eol - c->p;
  c->p = eol;
}

/* resp-text: ["[" code [SP args] "]" SP] text. A code whose arguments do
 * not parse keeps its atom; the rest counts as text. */
static void
parse_resp_text (Cursor              *c,
                 CasellaImapResponse *r)
{
  skip_spaces (c);
  if (c->p < c->end && *c->p == '[')
    {
      char *saved;

      c->p++;
      r->code = read_word (c, &r->code_length);
      saved = c->p;
      if (!parse_values (c, &r->code_args, TRUE) || c->p >= c->end || *c->p != ']')
        {
          char *close = memchr (saved, ']', c->end - saved);
          r->code_args = NULL;
          c->error = NULL;
          c->p = close ? close : saved;
        }
      if (c->p < c->end && *c->p == ']')
        c->p++;
      skip_spaces (c);
    }
  take_text (c, r);
}

static gboolean
parse_untagged (Cursor              *c,
                CasellaImapResponse *r)
{
  const char *word;
  guint length;

  r->kind = CASELLA_IMAP_RESPONSE_UNTAGGED;
  skip_spaces (c);
  word = read_word (c, &length);
  if (length == 0)
    {
      c->error = "untagged response without a keyword";
      return FALSE;
    }

  r->status = status_from_word (word, length);
  if (r->status != CASELLA_IMAP_STATUS_NONE)
    {
      parse_resp_text (c, r);
      return TRUE;
    }

  if (g_ascii_isdigit (*word))
    {
      guint64 n = 0;

      for (guint i = 0; i < length; i++)
        {
          if (!g_ascii_isdigit (word[i]) || n > G_MAXUINT32)
            {
              c->error = "bad message number";
              return FALSE;
            }
          n = n * 10 + (guint) (word[i] - '0');
        }
      if (n > G_MAXUINT32)
        {
          c->error = "bad message number";
          return FALSE;
        }
      r->has_number = TRUE;
      r->number = (guint32) n;
      skip_spaces (c);
      word = read_word (c, &length);
      if (length == 0)
        {
          c->error = "message number without a keyword";
          return FALSE;
        }
    }

  r->keyword = word;
  r->keyword_length = length;
  return parse_values (c, &r->values, FALSE);
}

static gboolean
parse_response (Cursor              *c,
                CasellaImapResponse *r)
{
  memset (r, 0, sizeof *r);

  if (*c->p == '+')
    {
      r->kind = CASELLA_IMAP_RESPONSE_CONTINUATION;
      c->p++;
      if (c->p < c->end && *c->p == ' ')
        c->p++;
      take_text (c, r);
      return TRUE;
    }

  if (*c->p == '*')
    {
      c->p++;
      if (c->p >= c->end || *c->p != ' ')
        {
          c->error = "'*' not followed by a space";
          return FALSE;
        }
      return parse_untagged (c, r);
    }

  r->kind = CASELLA_IMAP_RESPONSE_TAGGED;
  r->tag = read_word (c, &r->tag_length);
  if (r->tag_length == 0 || c->p >= c->end || *c->p != ' ')
    {
      c->error = "not an IMAP response";
      return FALSE;
    }
  skip_spaces (c);
  {
    guint length;
    const char *word = read_word (c, &length);

    r->status = status_from_word (word, length);
  }
  if (r->status == CASELLA_IMAP_STATUS_NONE || r->status == CASELLA_IMAP_STATUS_PREAUTH)
    {
      c->error = "tagged response without OK, NO or BAD";
      return FALSE;
    }
  parse_resp_text (c, r);
  return TRUE;
}

CasellaImapParseResult
casella_imap_parser_next (CasellaImapParser    *parser,
                          CasellaImapResponse **response,
                          GError              **error)
{
  guint8 *buf;
  gsize len;

  for (;;)
    {
      guint8 *newline;
      gsize eol;
      guint64 literal;

      buf = parser->input.bytes->data;
      len = parser->input.bytes->len;

      if (parser->literal_left > 0)
        {
          gsize avail = len - parser->scan;

          if (avail < parser->literal_left)
            {
              parser->literal_left -= avail;
              parser->scan = len;
              return CASELLA_IMAP_PARSE_NEED_MORE;
            }
          parser->scan += parser->literal_left;
          parser->line_begin = parser->scan;
          parser->literal_left = 0;
        }

      newline = parser->scan < len ? memchr (buf + parser->scan, '\n', len - parser->scan) : NULL;
      if (newline == NULL)
        {
          parser->scan = len;
          if (len - parser->input.start > parser->max_size)
            goto too_big;
          return CASELLA_IMAP_PARSE_NEED_MORE;
        }

      eol = newline - buf;
      if (line_announces_literal (buf, parser->line_begin, eol, &literal))
        {
          if (literal > parser->max_size || eol + 1 - parser->input.start + literal > parser->max_size)
            goto too_big;
          parser->literal_left = literal;
          parser->scan = parser->line_begin = eol + 1;
          continue;
        }

      /* A complete response: [start, eol]. */
      {
        Cursor cursor = { parser, (char *) buf + parser->input.start, (char *) buf + eol + 1, 0, NULL };
        gboolean ok;

        arena_reset (parser);
        ok = parse_response (&cursor, &parser->response);
        if (ok)
          {
            skip_spaces (&cursor);
            if (!at_end (&cursor))
              {
                cursor.error = "unexpected data at the end of the response";
                ok = FALSE;
              }
          }
        parser->input.start = parser->scan = parser->line_begin = eol + 1;

        if (!ok)
          {
            g_set_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PROTOCOL_ERROR,
                         "Malformed IMAP response: %s", cursor.error);
            return CASELLA_IMAP_PARSE_GARBAGE;
          }
        *response = &parser->response;
        return CASELLA_IMAP_PARSE_RESPONSE;
      }
    }

too_big:
  g_set_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PROTOCOL_ERROR,
               "IMAP response larger than %" G_GSIZE_FORMAT " bytes", parser->max_size);
  return CASELLA_IMAP_PARSE_FATAL;
}

/* ---- value helpers ---- */

gboolean
casella_imap_token_is (const char *data,
                       gsize       length,
                       const char *atom)
{
  /* Called for every item of every message of a big fetch. Servers send
   * atoms in capitals, as we write them: an exact match is the quick
   * path, case-blind comparison the fallback. */
  if (data == NULL || length != strlen (atom))
    return FALSE;
  if (memcmp (data, atom, length) == 0)
    return TRUE;
  return g_ascii_strncasecmp (data, atom, length) == 0;
}

gboolean
casella_imap_value_is (const CasellaImapValue *value,
                       const char             *atom)
{
  return value != NULL &&
         (value->type == CASELLA_IMAP_VALUE_ATOM || value->type == CASELLA_IMAP_VALUE_NUMBER) &&
         casella_imap_token_is (value->data, value->length, atom);
}

/* A NUL-terminated copy; NULL for NIL and lists. */
char *
casella_imap_value_dup (const CasellaImapValue *value)
{
  if (value == NULL || value->type == CASELLA_IMAP_VALUE_NIL || value->type == CASELLA_IMAP_VALUE_LIST)
    return NULL;
  return g_strndup (value->data, value->length);
}

gboolean
casella_imap_value_get_uint64 (const CasellaImapValue *value,
                               guint64                *out)
{
  if (value == NULL || value->type != CASELLA_IMAP_VALUE_NUMBER)
    return FALSE;
  *out = value->number;
  return TRUE;
}

gboolean
casella_imap_value_get_uint32 (const CasellaImapValue *value,
                               guint32                *out)
{
  guint64 n;

  if (!casella_imap_value_get_uint64 (value, &n) || n > G_MAXUINT32)
    return FALSE;
  *out = (guint32) n;
  return TRUE;
}

CasellaImapValue *
casella_imap_value_nth (const CasellaImapValue *list,
                        guint                   n)
{
  CasellaImapValue *item;

  if (list == NULL || list->type != CASELLA_IMAP_VALUE_LIST)
    return NULL;
  for (item = list->first; item && n > 0; item = item->next)
    n--;
  return item;
}
