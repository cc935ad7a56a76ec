/* casella-mail-session.h — one account at work while the app runs
 *
 * Three threads of its own, so the UI never waits on the network or on
 * a write: one keeps the store in step (sync, then IDLE on the INBOX, a
 * full round every few minutes, sooner when asked), one answers requests
 * (a body to read, a server search, the outbox), one writes the UI's
 * changes to the store. Each has its own connection to the server and to
 * the store; the UI only reads its own store connection and hears about
 * changes through it.
 *
 * Everything here is called, and every signal and notify emitted, on the
 * thread that made the session (the UI's).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-account.h"
#include "casella-export.h"
#include "casella-store.h"
#include "casella-token-source.h"

G_BEGIN_DECLS

typedef enum {
  CASELLA_SESSION_CONNECTING,
  CASELLA_SESSION_SYNCING,
  CASELLA_SESSION_UP_TO_DATE,
  CASELLA_SESSION_OFFLINE,     /* the network or the server is not there; retrying */
  CASELLA_SESSION_FAILED,      /* the server refused us (password, certificate): needs the user */
} CasellaSessionState;

#define CASELLA_TYPE_MAIL_SESSION (casella_mail_session_get_type ())
G_DECLARE_FINAL_TYPE (CasellaMailSession, casella_mail_session, CASELLA, MAIL_SESSION, GObject)

typedef struct {
  const char   *password;
  const char   *smtp_password;    /* NULL: the same */
  GTlsDatabase *tls_database;     /* NULL: the system's */
  guint         poll_seconds;     /* a full round this often (0: the account's check interval) */
  guint64       body_budget;      /* bodies fetched ahead each round (0: as the account says) */
  CasellaTokenSource *tokens;     /* OAuth2 accounts: signs in with these instead */
} CasellaMailSessionOptions;

CasellaMailSession  *casella_mail_session_new            (CasellaAccount                   *account,
                                                          const CasellaMailSessionOptions  *options,
                                                          GError                          **error);
/* The same with the store opened on a worker (a migration, a check after
 * a crash or a rebuild can take seconds): for the app's main thread. */
void                 casella_mail_session_new_async      (CasellaAccount                   *account,
                                                          const CasellaMailSessionOptions  *options,
                                                          GCancellable                     *cancellable,
                                                          GAsyncReadyCallback               callback,
                                                          gpointer                          user_data);
CasellaMailSession  *casella_mail_session_new_finish     (GAsyncResult                     *result,
                                                          GError                          **error);
CasellaAccount      *casella_mail_session_get_account    (CasellaMailSession  *self);
/* The UI's connection: for the models and for changes made here. */
CasellaStore        *casella_mail_session_get_store      (CasellaMailSession  *self);
/* When the store was found damaged and made anew at start: what became
 * of it (say so once); else NULL. */
const CasellaStoreRebuildReport *casella_mail_session_get_rebuild_report (CasellaMailSession *self);
CasellaSessionState  casella_mail_session_get_state      (CasellaMailSession  *self);
const GError        *casella_mail_session_get_error      (CasellaMailSession  *self);

void                 casella_mail_session_start          (CasellaMailSession  *self);
/* Asks the threads to end and returns at once: network calls are
 * cancelled, changes already asked for are still written. The
 * "running" property turns FALSE when the last thread has ended. */
void                 casella_mail_session_stop           (CasellaMailSession  *self);
/* Stops and waits for the threads to end: for the app's exit and for
 * tools, never while a window is on screen. */
void                 casella_mail_session_wait           (CasellaMailSession  *self);
gboolean             casella_mail_session_is_running     (CasellaMailSession  *self);
/* Changes asked for whose answer has not come yet ("pending-writes"). */
guint                casella_mail_session_get_pending_writes (CasellaMailSession *self);
/* A full round now (the Refresh button, the network came back). */
void                 casella_mail_session_refresh        (CasellaMailSession  *self);
/* An OAuth2 account signed in again (its sign-in had ended: the state
 * was FAILED with CASELLA_OAUTH2_ERROR_INVALID_GRANT): the new tokens,
 * their refresh token already in the keyring; sync resumes now. */
void                 casella_mail_session_signed_in      (CasellaMailSession  *self,
                                                          const CasellaOAuth2Tokens *tokens);
/* The user entered a new password for receiving (and for sending, when
 * that has none of its own), checked against the server and kept in the
 * keyring already: the threads sign in with it from now on. */
void                 casella_mail_session_set_password   (CasellaMailSession  *self,
                                                          const char          *password);
/* The network came back or changed: a full round now, and a password
 * the server refused is tried once more (never on a timer: providers
 * lock accounts after a few wrong sign-ins). */
void                 casella_mail_session_network_changed (CasellaMailSession *self);
/* For checking a new password as the session would use it. The SMTP
 * password is NULL when sending uses the receiving one. */
const char          *casella_mail_session_get_smtp_password (CasellaMailSession *self);
GTlsDatabase        *casella_mail_session_get_tls_database (CasellaMailSession *self);
/* Changes were made here: send them soon. */
void                 casella_mail_session_changes_made   (CasellaMailSession  *self);
/* A message went into the outbox: send it. */
void                 casella_mail_session_send_outbox    (CasellaMailSession  *self);
/* The outbox again once seconds have passed (a message held for the
 * time to undo it), on this thread's main context. */
void                 casella_mail_session_send_outbox_later (CasellaMailSession *self,
                                                          guint               seconds);
/* A message that waits in the outbox for the user (refused, or cut off)
 * is queued again and sent now, on the session's thread. */
void                casella_mail_session_send_again  (CasellaMailSession *self,
                                                      gint64              message_id);

void                 casella_mail_session_fetch_body_async  (CasellaMailSession  *self,
                                                             gint64               message_id,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
GBytes              *casella_mail_session_fetch_body_finish (CasellaMailSession  *self,
                                                             GAsyncResult        *result,
                                                             GError             **error);
/* Message ids the server finds in a folder (headers fetched as needed). */
void                 casella_mail_session_search_async      (CasellaMailSession  *self,
                                                             gint64               folder_id,
                                                             const char          *text,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
GArray              *casella_mail_session_search_finish     (CasellaMailSession  *self,
                                                             GAsyncResult        *result,
                                                             GError             **error);

/* A copy of a folder (of every folder when folder_id is 0) as an mbox
 * file, on a thread of its own: the reader's requests never wait behind
 * it. progress (may be NULL) comes on this thread, now and then and at
 * the end, never after a cancel; progress_data must live until the
 * callback. Finishes with how many messages were saved, -1 on error. */
void                 casella_mail_session_export_async      (CasellaMailSession    *self,
                                                             gint64                 folder_id,
                                                             GFile                 *file,
                                                             CasellaExportProgress  progress,
                                                             gpointer               progress_data,
                                                             GCancellable          *cancellable,
                                                             GAsyncReadyCallback    callback,
                                                             gpointer               user_data);
gint64               casella_mail_session_export_finish     (CasellaMailSession    *self,
                                                             GAsyncResult          *result,
                                                             GError               **error);

/* A change to the store, run on the session's writer thread with its
 * own connection, in the order asked. Returns what it made (an id, or
 * TRUE), 0 with error set on failure. */
typedef gint64 (*CasellaStoreJob) (CasellaStore  *store,
                                   gpointer       data,
                                   GError       **error);

/* data (freed with data_free once the call is done) stays readable
 * from the result with casella_mail_session_write_get_data(): a job can
 * leave what it found there (an undo list). The callback comes after
 * the store notices of what the job changed. */
void                 casella_mail_session_write_async       (CasellaMailSession  *self,
                                                             CasellaStoreJob      job,
                                                             gpointer             data,
                                                             GDestroyNotify       data_free,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
gint64               casella_mail_session_write_finish      (CasellaMailSession  *self,
                                                             GAsyncResult        *result,
                                                             GError             **error);
gpointer             casella_mail_session_write_get_data    (GAsyncResult        *result);

G_END_DECLS
