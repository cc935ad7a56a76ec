/* casella-outbox.h — sends what waits in the outbox
 *
 * A message to send is first stored (casella_store_outbox_add), then
 * sent here over SMTP. Sent: an IMAP account gets a copy in its Sent
 * folder (unless the provider files one itself) and the message leaves
 * the outbox. Refused: it stays, with the server's reason.
 *
 * Blocking, on the calling thread's default main context.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-imap-sync.h"
#include "casella-net-config.h"
#include "casella-store.h"

G_BEGIN_DECLS

typedef struct {
  guint sent;
  guint failed;
} CasellaOutboxResult;

/* imap: NULL for a POP3 account (no Sent copy on a server). */
gboolean casella_outbox_send              (CasellaStore         *store,
                                           CasellaNetConfig     *smtp,
                                           const char           *username,
                                           const char           *password,
                                           CasellaImapSync      *imap,
                                           gboolean              provider_files_sent,
                                           CasellaOutboxResult  *result,
                                           GCancellable         *cancellable,
                                           GError              **error);
/* Providers that put what their SMTP server sends into Sent by themselves. */
gboolean casella_provider_files_sent      (const char           *provider_id);

G_END_DECLS
