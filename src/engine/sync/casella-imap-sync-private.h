/* casella-imap-sync-private.h — shared by the IMAP sync's files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-await.h"
#include "casella-imap-client.h"
#include "casella-imap-sync.h"
#include "casella-token-source.h"

G_BEGIN_DECLS

struct _CasellaImapSync
{
  GObject            parent_instance;

  CasellaStore      *store;
  CasellaNetConfig  *config;
  char              *username;
  char              *password;
  CasellaTokenSource *tokens;        /* OAuth2 instead of the password */
  CasellaImapClient *client;
  gboolean           qresync;       /* ENABLEd: SELECT brings what changed */
  gboolean           condstore;
  gboolean           gmail;          /* X-GM-EXT-1: Gmail's conversations come with the headers */
  gboolean           uidplus;
  guint64            body_budget;
  CasellaImapSyncOfflineFunc offline_func; /* NULL: every folder's mail ahead */
  gpointer           offline_data;
  GDestroyNotify     offline_destroy;
  guint              batch_size;
  gboolean           interrupted;   /* a wake for the IDLE wait, on the sync's thread */
  char              *personal_prefix; /* NAMESPACE's personal prefix ("" or "INBOX."), once known */
};

enum { SIGNAL_PROGRESS, SIGNAL_REPLAY_FAILED, SIGNAL_FOLDER_SYNCED, N_SYNC_SIGNALS };
extern guint casella_imap_sync_signals[N_SYNC_SIGNALS];

/* casella-imap-sync.c */
gboolean casella_imap_sync_ensure_connected (CasellaImapSync     *self,
                                             GCancellable        *cancellable,
                                             GError             **error);
/* SELECT (with CONDSTORE or QRESYNC as known); NULL on failure. */
CasellaImapSelectInfo *casella_imap_sync_select (CasellaImapSync          *self,
                                                 const CasellaStoreFolder *folder,
                                                 gboolean                  qresync,
                                                 GCancellable             *cancellable,
                                                 GError                  **error);
/* A folder's role: SPECIAL-USE, else its name under the personal
 * namespace, in English or Italian (Sent, Posta inviata, Elementi
 * inviati…). */
CasellaFolderRole casella_imap_sync_role_of (const CasellaImapMailbox *mailbox,
                                             const char               *personal_prefix);
/* Whether a folder's mail is downloaded ahead (the user's choice). */
gboolean casella_imap_sync_keeps_offline    (CasellaImapSync     *self,
                                             const char          *path);
/* A connection error makes the next call reconnect. */
void     casella_imap_sync_note_error       (CasellaImapSync     *self,
                                             const GError        *error);
void     casella_imap_sync_progress         (CasellaImapSync     *self,
                                             const char          *folder,
                                             const char          *stage,
                                             guint                done,
                                             guint                total);

/* casella-imap-sync-folder.c */
gboolean casella_imap_sync_folder_headers   (CasellaImapSync     *self,
                                             CasellaStoreFolder  *folder,
                                             GCancellable        *cancellable,
                                             GError             **error);
gboolean casella_imap_sync_folder_bodies    (CasellaImapSync     *self,
                                             CasellaStoreFolder  *folder,
                                             guint64             *budget,
                                             GCancellable        *cancellable,
                                             GError             **error);
gboolean casella_imap_sync_fetch_headers    (CasellaImapSync     *self,
                                             const CasellaStoreFolder *folder,
                                             GArray              *uids,
                                             GCancellable        *cancellable,
                                             GError             **error);
gboolean casella_imap_sync_fetch_bodies     (CasellaImapSync     *self,
                                             const CasellaStoreFolder *folder,
                                             const guint32       *uids,
                                             guint                n_uids,
                                             GCancellable        *cancellable,
                                             GError             **error);

G_END_DECLS
