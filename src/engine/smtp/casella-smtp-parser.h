/* casella-smtp-parser.h — SMTP replies (multi-line, enhanced codes); no I/O
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint     code;          /* 250 */
  gboolean  has_enhanced;  /* RFC 3463 code present */
  guint     enhanced[3];   /* 2.1.0 */
  GStrv     lines;         /* each line's text, codes removed */
  char     *text;          /* the lines joined by "\n" */
} CasellaSmtpReply;

typedef enum {
  CASELLA_SMTP_PARSE_NEED_MORE,
  CASELLA_SMTP_PARSE_REPLY,
  CASELLA_SMTP_PARSE_ERROR,
} CasellaSmtpParseResult;

typedef struct _CasellaSmtpParser CasellaSmtpParser;

CasellaSmtpParser     *casella_smtp_parser_new         (void);
void                   casella_smtp_parser_free        (CasellaSmtpParser  *parser);
void                   casella_smtp_parser_feed        (CasellaSmtpParser  *parser,
                                                        const guint8       *data,
                                                        gsize               length);
CasellaSmtpParseResult casella_smtp_parser_next        (CasellaSmtpParser  *parser,
                                                        CasellaSmtpReply  **reply,
                                                        GError            **error);
gsize                  casella_smtp_parser_get_pending (CasellaSmtpParser  *parser);
void                   casella_smtp_parser_reset       (CasellaSmtpParser  *parser);
void                   casella_smtp_reply_free         (CasellaSmtpReply   *reply);
char                  *casella_smtp_reply_describe     (const CasellaSmtpReply *reply);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaSmtpParser, casella_smtp_parser_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaSmtpReply, casella_smtp_reply_free)

G_END_DECLS
