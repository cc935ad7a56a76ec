/* casella-pop3-parser.h — POP3 replies and multi-line bodies; no I/O
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gboolean  ok;            /* "+OK"; FALSE for "-ERR" */
  gboolean  continuation;  /* "+ ": a SASL challenge */
  char     *text;          /* the status line after the indicator */
  GBytes   *body;          /* multi-line replies: dot-unstuffed, CRLF line ends */
} CasellaPop3Reply;

typedef enum {
  CASELLA_POP3_PARSE_NEED_MORE,
  CASELLA_POP3_PARSE_REPLY,
  CASELLA_POP3_PARSE_ERROR,   /* the stream cannot be followed any more */
} CasellaPop3ParseResult;

typedef struct _CasellaPop3Parser CasellaPop3Parser;

CasellaPop3Parser     *casella_pop3_parser_new          (void);
void                   casella_pop3_parser_free         (CasellaPop3Parser  *parser);
void                   casella_pop3_parser_set_max_size (CasellaPop3Parser  *parser,
                                                         gsize               max_body_size);
void                   casella_pop3_parser_feed         (CasellaPop3Parser  *parser,
                                                         const guint8       *data,
                                                         gsize               length);
CasellaPop3ParseResult casella_pop3_parser_next         (CasellaPop3Parser  *parser,
                                                         gboolean            multiline,
                                                         CasellaPop3Reply  **reply,
                                                         GError            **error);
gsize                  casella_pop3_parser_get_pending  (CasellaPop3Parser  *parser);
void                   casella_pop3_parser_reset        (CasellaPop3Parser  *parser);
void                   casella_pop3_reply_free          (CasellaPop3Reply   *reply);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaPop3Parser, casella_pop3_parser_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaPop3Reply, casella_pop3_reply_free)

G_END_DECLS
