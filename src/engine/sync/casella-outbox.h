/* casella-outbox.h — sends what waits in the outbox, each message once
 *
 * A message to send is first stored (casella_store_outbox_add), then
 * sent here over SMTP by one process at a time (the outbox lock). Each
 * step is on disk before the next: "sending" once the server says 354,
 * "sent" the moment it says 250, then the copy in Sent is filed (once:
 * after a crash it is looked for by Message-ID first) and the message
 * leaves the outbox. A message cut off between 354 and the answer may
 * have been delivered, so it is never sent again by itself: it waits
 * for the user, as does one the server refused for good (5xx). A
 * temporary refusal (4xx) or a network failure is tried again later,
 * after a growing pause.
 *
 * Blocking, on the calling thread's default main context.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-imap-sync.h"
#include "casella-net-config.h"
#include "casella-store.h"
#include "casella-store-queue.h"

#include "casella-token-source.h"

G_BEGIN_DECLS

typedef enum {
  CASELLA_OUTBOX_FATE_SENT,    /* the server has it (and the copy is filed, if any) */
  CASELLA_OUTBOX_FATE_LATER,   /* not yet: tried again by itself */
  CASELLA_OUTBOX_FATE_HELD,    /* waits for the user: hold says why */
} CasellaOutboxFate;

typedef struct {
  gint64             message_id;
  CasellaOutboxFate  fate;
  CasellaOutboxHold  hold;       /* for HELD */
  gboolean           attempted;  /* this run tried it (or found it cut off) */
  char              *reason;     /* the server's words, or NULL */
} CasellaOutboxReport;

typedef struct {
  guint      sent;
  guint      later;
  guint      held;
  GPtrArray *reports;   /* CasellaOutboxReport: each message the outbox held */
} CasellaOutboxResult;

void     casella_outbox_result_clear      (CasellaOutboxResult  *result);
/* The report on one message, or NULL when this run did not see it. */
const CasellaOutboxReport *casella_outbox_result_find (const CasellaOutboxResult *result,
                                                       gint64                     message_id);

/* imap: NULL for a POP3 account (no Sent copy on a server). FALSE only
 * when the account cannot send at all (no connection, sign-in refused,
 * the store failing); the result says what became of each message
 * either way. result may be NULL. */
gboolean casella_outbox_send              (CasellaStore         *store,
                                           CasellaNetConfig     *smtp,
                                           const char           *username,
                                           const char           *password,
                                           CasellaTokenSource   *tokens,    /* NULL: the password */
                                           CasellaImapSync      *imap,
                                           gboolean              provider_files_sent,
                                           CasellaOutboxResult  *result,
                                           GCancellable         *cancellable,
                                           GError              **error);
/* Providers that put what their SMTP server sends into Sent by themselves. */
gboolean casella_provider_files_sent      (const char           *provider_id);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CasellaOutboxResult, casella_outbox_result_clear)

G_END_DECLS
