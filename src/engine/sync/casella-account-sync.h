/* casella-account-sync.h — an account's store and sync, by its settings:
 * IMAP or POP3 for receiving, SMTP for the outbox
 *
 * Blocking, on the calling thread's default main context.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-account.h"
#include "casella-imap-sync.h"
#include "casella-outbox.h"
#include "casella-pop3-sync.h"
#include "casella-store.h"

G_BEGIN_DECLS

typedef struct {
  const char              *password;          /* for receiving */
  const char              *smtp_password;     /* NULL: the same */
  GTlsDatabase            *tls_database;      /* NULL: the system's */
  guint64                  body_budget;       /* IMAP: bodies downloaded ahead */
  CasellaSyncProgressFunc  progress;
  gpointer                 progress_data;
  CasellaTokenSource      *tokens;            /* OAuth2 accounts: instead of passwords */
} CasellaAccountSyncOptions;

/* The account's certified-mail (PEC) setting into its store: the mail
 * there is read again when it changed. A sync does it first. */
gboolean         casella_account_apply_pec      (CasellaAccount                  *account,
                                                 CasellaStore                    *store,
                                                 GError                         **error);
CasellaStore    *casella_account_open_store     (CasellaAccount                  *account,
                                                 GError                         **error);
/* The account's store, damaged, kept aside and made anew (see
 * casella_store_rebuild); the next sync brings back the server's mail. */
CasellaStore    *casella_account_rebuild_store  (CasellaAccount                  *account,
                                                 CasellaStoreRebuildReport       *report,
                                                 GError                         **error);
CasellaImapSync *casella_account_new_imap_sync  (CasellaAccount                  *account,
                                                 CasellaStore                    *store,
                                                 const CasellaAccountSyncOptions *options);
/* Receives (IMAP or POP3), then sends what waits in the outbox. Once a
 * day it checks the store first (CASELLA_STORE_ERROR_CORRUPT: rebuild). */
gboolean         casella_account_sync           (CasellaAccount                  *account,
                                                 CasellaStore                    *store,
                                                 const CasellaAccountSyncOptions *options,
                                                 GCancellable                    *cancellable,
                                                 GError                         **error);
/* imap may be NULL (POP3, or no Sent copy wanted). */
gboolean         casella_account_send_outbox    (CasellaAccount                  *account,
                                                 CasellaStore                    *store,
                                                 const CasellaAccountSyncOptions *options,
                                                 CasellaImapSync                 *imap,
                                                 CasellaOutboxResult             *result,
                                                 GCancellable                    *cancellable,
                                                 GError                         **error);

G_END_DECLS
