/* casella-message-compose.h — messages made here: new ones, replies,
 * forwards, and the attachments of received ones
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gmime/gmime.h>

G_BEGIN_DECLS

typedef struct {
  char   *filename;
  char   *content_type;   /* "application/pdf" */
  GBytes *data;           /* decoded */
  char   *content_id;     /* NULL, or what an HTML body shows as cid: */
} CasellaAttachment;

/* What a composer holds; every string may be NULL. */
typedef struct {
  char      *from_name;
  char      *from_address;
  char      *to;            /* as typed: "Anna <a@b>, c@d" */
  char      *cc;
  char      *bcc;
  char      *reply_to;      /* where replies should go, or NULL */
  char      *subject;
  char      *body;          /* plain text */
  char      *in_reply_to;   /* without angle brackets */
  char      *references;    /* "<a> <b>" */
  char      *pec_receipt;   /* PEC: the delivery receipt asked for ("breve", "sintetica"); NULL: complete */
  GPtrArray *attachments;   /* CasellaAttachment */
} CasellaDraft;

CasellaDraft      *casella_draft_new              (void);
void               casella_draft_free             (CasellaDraft        *draft);
/* A reply (to the sender, or to all but me) with the original quoted
 * after intro ("On …, Anna wrote:", worded by the caller); my_address is
 * left out of reply-all. A forward: intro (the forwarded headers, worded
 * by the caller), the text, and the original's attachments. */
CasellaDraft      *casella_draft_new_reply        (GMimeMessage        *original,
                                                   const char          *my_address,
                                                   gboolean             all,
                                                   const char          *intro);
CasellaDraft      *casella_draft_new_forward      (GMimeMessage        *original,
                                                   const char          *intro);
/* A draft as saved earlier (a message in Drafts). */
CasellaDraft      *casella_draft_new_from_message (GMimeMessage        *message);
/* Every address in text is whole (name@domain.tld); empty is fine only
 * when may_be_empty. */
gboolean           casella_address_list_is_valid  (const char          *text,
                                                   gboolean             may_be_empty);
GMimeMessage      *casella_draft_to_message       (const CasellaDraft  *draft);
/* RFC 5322 bytes, ready for the outbox or Drafts. */
GBytes            *casella_draft_to_bytes         (const CasellaDraft  *draft);
/* Whether what was written (not quoted text, not the signature) says a
 * file is attached: "in allegato", "ti allego", "attached"… */
gboolean           casella_draft_mentions_attachment (const char       *body);

CasellaAttachment *casella_attachment_new         (const char          *filename,
                                                   const char          *content_type,
                                                   GBytes              *data);
void               casella_attachment_free        (CasellaAttachment   *attachment);
/* The parts of a message meant to be saved (CasellaAttachment). */
GPtrArray         *casella_message_get_attachments (GMimeMessage       *message);
GMimeMessage      *casella_message_parse          (GBytes              *raw);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaDraft, casella_draft_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaAttachment, casella_attachment_free)

G_END_DECLS
