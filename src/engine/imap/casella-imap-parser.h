/* casella-imap-parser.h — IMAP4rev1 responses from bytes; no I/O
 *
 * Feed bytes as they arrive, then take complete responses out. Values
 * point into the parser's buffer: a response stays valid until the next
 * call to casella_imap_parser_feed() or casella_imap_parser_next().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  CASELLA_IMAP_VALUE_NIL,
  CASELLA_IMAP_VALUE_ATOM,
  CASELLA_IMAP_VALUE_NUMBER,   /* an atom of digits: data/length hold the digits too */
  CASELLA_IMAP_VALUE_STRING,   /* quoted (unescaped) or literal */
  CASELLA_IMAP_VALUE_LIST,
} CasellaImapValueType;

typedef struct _CasellaImapValue CasellaImapValue;
struct _CasellaImapValue
{
  CasellaImapValueType  type;
  guint32               length;    /* bytes of data; children of a list */
  const char           *data;      /* not NUL-terminated */
  guint64               number;
  CasellaImapValue     *first;     /* a list's first child */
  CasellaImapValue     *next;      /* the next sibling */
};

typedef enum {
  CASELLA_IMAP_RESPONSE_TAGGED,
  CASELLA_IMAP_RESPONSE_UNTAGGED,
  CASELLA_IMAP_RESPONSE_CONTINUATION,
} CasellaImapResponseKind;

typedef enum {
  CASELLA_IMAP_STATUS_NONE,    /* untagged data: "* 3 EXISTS", "* LIST ..." */
  CASELLA_IMAP_STATUS_OK,
  CASELLA_IMAP_STATUS_NO,
  CASELLA_IMAP_STATUS_BAD,
  CASELLA_IMAP_STATUS_PREAUTH,
  CASELLA_IMAP_STATUS_BYE,
} CasellaImapStatus;

typedef struct {
  CasellaImapResponseKind  kind;
  const char              *tag;
  guint                    tag_length;
  CasellaImapStatus        status;
  const char              *code;         /* response code atom: "UIDNEXT" */
  guint                    code_length;
  CasellaImapValue        *code_args;    /* what follows the code atom */
  const char              *text;         /* human-readable text */
  guint                    text_length;
  gboolean                 has_number;   /* "* 23 EXISTS" */
  guint32                  number;
  const char              *keyword;      /* "EXISTS", "FETCH", "LIST", "CAPABILITY"… */
  guint                    keyword_length;
  CasellaImapValue        *values;       /* data after the keyword */
} CasellaImapResponse;

typedef enum {
  CASELLA_IMAP_PARSE_NEED_MORE,
  CASELLA_IMAP_PARSE_RESPONSE,
  CASELLA_IMAP_PARSE_GARBAGE,    /* a malformed response was skipped; see error */
  CASELLA_IMAP_PARSE_FATAL,      /* the stream cannot be followed any more */
} CasellaImapParseResult;

typedef struct _CasellaImapParser CasellaImapParser;

CasellaImapParser     *casella_imap_parser_new           (void);
void                   casella_imap_parser_free          (CasellaImapParser    *parser);
void                   casella_imap_parser_set_max_size  (CasellaImapParser    *parser,
                                                          gsize                 max_response_size);
void                   casella_imap_parser_feed          (CasellaImapParser    *parser,
                                                          const guint8         *data,
                                                          gsize                 length);
CasellaImapParseResult casella_imap_parser_next          (CasellaImapParser    *parser,
                                                          CasellaImapResponse **response,
                                                          GError              **error);
gsize                  casella_imap_parser_get_pending   (CasellaImapParser    *parser);
void                   casella_imap_parser_reset         (CasellaImapParser    *parser);

gboolean  casella_imap_value_is          (const CasellaImapValue *value,
                                          const char             *atom);
gboolean  casella_imap_token_is          (const char             *data,
                                          gsize                   length,
                                          const char             *atom);
char     *casella_imap_value_dup         (const CasellaImapValue *value);
gboolean  casella_imap_value_get_uint32  (const CasellaImapValue *value,
                                          guint32                *out);
gboolean  casella_imap_value_get_uint64  (const CasellaImapValue *value,
                                          guint64                *out);
CasellaImapValue *casella_imap_value_nth (const CasellaImapValue *list,
                                          guint                   n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaImapParser, casella_imap_parser_free)

G_END_DECLS
