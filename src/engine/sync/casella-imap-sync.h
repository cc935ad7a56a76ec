/* casella-imap-sync.h — keeps an account's store and its IMAP server in
 * step: folders, new mail (newest first, headers before bodies), flags,
 * expunges, UIDVALIDITY changes, and the changes made here replayed
 *
 * Blocking calls, in order, on the calling thread's default main
 * context (see casella-await.h): run them on a thread of their own, or
 * in a command-line tool's main loop. The store passed in must belong to
 * that thread too.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-net-config.h"
#include "casella-store.h"
#include "casella-token-source.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_IMAP_SYNC (casella_imap_sync_get_type ())
G_DECLARE_FINAL_TYPE (CasellaImapSync, casella_imap_sync, CASELLA, IMAP_SYNC, GObject)

/* Body budget: how many bytes of bodies one run downloads ahead of need. */
#define CASELLA_SYNC_BODIES_NONE 0
#define CASELLA_SYNC_BODIES_ALL  G_MAXUINT64

CasellaImapSync *casella_imap_sync_new              (CasellaStore     *store,
                                                     CasellaNetConfig *config,
                                                     const char       *username,
                                                     const char       *password);
/* The next sign-in uses this password (the user entered a new one). */
void             casella_imap_sync_set_password     (CasellaImapSync  *self,
                                                     const char       *password);
/* Signs in with OAuth2 tokens from here instead of the password. */
void             casella_imap_sync_set_tokens       (CasellaImapSync  *self,
                                                     CasellaTokenSource *tokens);
void             casella_imap_sync_set_body_budget  (CasellaImapSync  *self,
                                                     guint64           bytes);
/* Says whether a folder (by path) keeps its mail for reading offline;
 * called on the sync's thread each time bodies would be downloaded. */
typedef gboolean (*CasellaImapSyncOfflineFunc) (const char *path,
                                                gpointer    user_data);
void             casella_imap_sync_set_offline_func (CasellaImapSync  *self,
                                                     CasellaImapSyncOfflineFunc func,
                                                     gpointer          user_data,
                                                     GDestroyNotify    destroy);
void             casella_imap_sync_set_batch_size   (CasellaImapSync  *self,
                                                     guint             messages);
CasellaStore    *casella_imap_sync_get_store        (CasellaImapSync  *self);

/* Connects if needed, replays pending changes, then syncs every folder. */
gboolean         casella_imap_sync_run              (CasellaImapSync  *self,
                                                     GCancellable     *cancellable,
                                                     GError          **error);
/* One folder only (by store id). */
gboolean         casella_imap_sync_folder           (CasellaImapSync  *self,
                                                     gint64            folder_id,
                                                     GCancellable     *cancellable,
                                                     GError          **error);
/* Sends the changes made here; a change the server refuses is undone
 * here and reported with the "replay-failed" signal. */
gboolean         casella_imap_sync_replay           (CasellaImapSync  *self,
                                                     GCancellable     *cancellable,
                                                     GError          **error);
/* Downloads one body now (it is stored too). */
GBytes          *casella_imap_sync_fetch_body       (CasellaImapSync  *self,
                                                     gint64            message_id,
                                                     GCancellable     *cancellable,
                                                     GError          **error);
/* The server's search (UID SEARCH TEXT) in one folder; headers of
 * messages not yet here are fetched. Returns message ids. */
GArray          *casella_imap_sync_search           (CasellaImapSync  *self,
                                                     gint64            folder_id,
                                                     const char       *text,
                                                     GCancellable     *cancellable,
                                                     GError          **error);
/* Whether a folder on the server holds a message with this Message-ID
 * (without its angle brackets): a copy filed before a crash. */
/* The UID of the newest message with this Message-ID in the folder on
 * the server (0: none). */
gboolean         casella_imap_sync_find_message_id  (CasellaImapSync  *self,
                                                     gint64            folder_id,
                                                     const char       *message_id,
                                                     guint32          *uid,
                                                     GCancellable     *cancellable,
                                                     GError          **error);
/* flags: CasellaImapFlags; uid: what the server gave it (0: it did not say). */
gboolean         casella_imap_sync_append_flagged   (CasellaImapSync  *self,
                                                     gint64            folder_id,
                                                     GBytes           *raw,
                                                     guint             flags,
                                                     guint32          *uid,
                                                     GCancellable     *cancellable,
                                                     GError          **error);
gboolean         casella_imap_sync_has_message_id   (CasellaImapSync  *self,
                                                     gint64            folder_id,
                                                     const char       *message_id,
                                                     gboolean         *found,
                                                     GCancellable     *cancellable,
                                                     GError          **error);
/* Appends a message to a folder (the Sent copy). */
gboolean         casella_imap_sync_append           (CasellaImapSync  *self,
                                                     gint64            folder_id,
                                                     GBytes           *raw,
                                                     GCancellable     *cancellable,
                                                     GError          **error);
/* IDLE on a folder until the server reports a change (TRUE), timeout_ms
 * passes or the cancellable fires (FALSE, no error). */
gboolean         casella_imap_sync_wait_for_change  (CasellaImapSync  *self,
                                                     gint64            folder_id,
                                                     guint             timeout_ms,
                                                     GCancellable     *cancellable,
                                                     GError          **error);
/* Ends a wait_for_change() early (call on the sync's own thread). */
void             casella_imap_sync_interrupt        (CasellaImapSync  *self);
void             casella_imap_sync_disconnect       (CasellaImapSync  *self);

G_END_DECLS
