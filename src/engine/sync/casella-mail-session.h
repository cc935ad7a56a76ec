/* casella-mail-session.h — one account at work while the app runs
 *
 * Two threads of its own, so the UI never waits on the network: one
 * keeps the store in step (sync, then IDLE on the INBOX, a full round
 * every few minutes, sooner when asked), the other answers requests
 * (a body to read, a server search, the outbox). Each has its own
 * connection to the server and to the store; the UI reads its own
 * store connection and hears about changes through it.
 *
 * Everything here is called, and every signal emitted, on the thread
 * that made the session (the UI's).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-account.h"
#include "casella-store.h"

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
  guint         poll_seconds;     /* a full round this often (default 300) */
  guint64       body_budget;      /* bodies fetched ahead each round (default 32 MiB) */
} CasellaMailSessionOptions;

CasellaMailSession  *casella_mail_session_new            (CasellaAccount                   *account,
                                                          const CasellaMailSessionOptions  *options,
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
/* Stops both threads and waits for them (at most a few seconds). */
void                 casella_mail_session_stop           (CasellaMailSession  *self);
/* A full round now (the Refresh button, the network came back). */
void                 casella_mail_session_refresh        (CasellaMailSession  *self);
/* Changes were made here: send them soon. */
void                 casella_mail_session_changes_made   (CasellaMailSession  *self);
/* A message went into the outbox: send it. */
void                 casella_mail_session_send_outbox    (CasellaMailSession  *self);
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

G_END_DECLS
