/* casella-pop3-sync.h — download a POP3 mailbox into the store, and
 * delete on the server only what is safely here and only as the
 * account says
 *
 * Blocking, on the calling thread's default main context (see
 * casella-await.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-account.h"
#include "casella-net-config.h"
#include "casella-store.h"

#include "casella-token-source.h"

G_BEGIN_DECLS

/* (folder, stage, done, total) as the work goes. */
typedef void (*CasellaSyncProgressFunc) (const char *folder,
                                         const char *stage,
                                         guint       done,
                                         guint       total,
                                         gpointer    user_data);

typedef struct {
  guint  downloaded;
  guint  deleted_on_server;
  gint64 next_allowed;   /* LOGIN-DELAY: no sign-in before this (unix time); 0: any time */
  gboolean skipped;      /* too early for the server's LOGIN-DELAY: nothing done */
} CasellaPop3SyncResult;

gboolean casella_pop3_sync_run (CasellaStore             *store,
                                CasellaNetConfig         *config,
                                const char               *username,
                                const char               *password,
                                CasellaTokenSource       *tokens,    /* NULL: the password */
                                CasellaPop3Policy         policy,
                                guint                     days,
                                CasellaSyncProgressFunc   progress,
                                gpointer                  progress_data,
                                CasellaPop3SyncResult    *result,
                                GCancellable             *cancellable,
                                GError                  **error);

/* The INBOX of a POP3 store, made if needed. */
CasellaStoreFolder *casella_pop3_sync_ensure_inbox (CasellaStore  *store,
                                                    GError       **error);

G_END_DECLS
