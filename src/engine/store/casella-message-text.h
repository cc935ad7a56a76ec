/* casella-message-text.h — the readable text of a message: for the
 * search index, the preview line and the reader
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gmime/gmime.h>

#include "casella-pec.h"

G_BEGIN_DECLS

/* The text a person would read: the first plain-text part, else the
 * first HTML part as plain text. has_attachment: any part meant to be
 * saved rather than read. */
char *casella_message_get_text     (GMimeMessage *message,
                                    gboolean     *has_attachment);
/* The same for the commonest message, read without a MIME parser (which
 * costs more than all the rest of a sync): a single text/plain part in
 * UTF-8 or ASCII, 7bit or 8bit, no disposition, with headers plain
 * enough to be sure. FALSE, text untouched: anything else, for GMime. */
gboolean casella_message_get_plain_text (const char *raw,
                                         gsize       length,
                                         char      **text);
/* The message's HTML part (the one a multipart/alternative prefers), as
 * valid UTF-8, or NULL. */
char   *casella_message_get_html     (GMimeMessage *message);
/* The part whose Content-ID is content_id (without the <>), decoded; its
 * MIME type in content_type. NULL when there is none. */
GBytes *casella_message_get_cid_part (GMimeMessage *message,
                                      const char   *content_id,
                                      char        **content_type);
/* HTML to plain text: tags dropped, blocks on their own lines, entities
 * decoded, scripts and styles left out. Never loads anything. */
char *casella_html_to_text         (const char   *html,
                                    gssize        length);
/* A short line from the text for a message list: quotes and signature
 * left out, spaces collapsed, at most max_chars characters. */
char *casella_text_preview         (const char   *text,
                                    guint         max_chars);
/* A message made ready to read, away from the UI's thread: parsed, its
 * text found and made valid UTF-8, its attachments listed. */
typedef struct {
  GBytes       *raw;           /* what was prepared */
  GMimeMessage *message;       /* NULL: not MIME; the text is the raw bytes */
  CasellaPec   *pec;           /* what a certified mail provider says (PEC accounts only) */
  gboolean      inner;         /* message is the one inside a PEC envelope */
  CasellaPecSignature signature;   /* of the provider, checked against the system's authorities */
  char         *signature_detail;
  guint         pec_level;     /* how many forwarded certified messages deep the one shown is */
  gboolean      pec_forwarded; /* the message shown has a forwarded certified message inside */
  char         *text;          /* all of it */
  char         *html;          /* the HTML part, valid UTF-8; NULL: none */
  gsize         shown_length;  /* bytes of text to show at first (all, or a capped beginning) */
  GPtrArray    *attachments;   /* CasellaAttachment */
} CasellaPreparedMessage;

/* max_shown: characters shown at first; longer texts are cut at a line
 * end near there (the rest on request). With pec_level 0 or more (an
 * account that is PEC), a provider's envelope is read for what it
 * certifies and the message inside is the one prepared; pec_level n
 * goes n forwarded certified messages deeper. */
void                    casella_message_prepare_async  (GBytes               *raw,
                                                        guint                 max_shown,
                                                        int                   pec_level,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
CasellaPreparedMessage *casella_message_prepare_finish (GAsyncResult         *result,
                                                        GError              **error);
void                    casella_prepared_message_free  (CasellaPreparedMessage *prepared);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaPreparedMessage, casella_prepared_message_free)

/* "Name <a@b>, c@d" for display, names decoded. */
char *casella_address_list_display (InternetAddressList *list);

G_END_DECLS
