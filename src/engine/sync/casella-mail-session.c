/* casella-mail-session.c — an account's two worker threads
 *
 * The sync thread: a full round (replay, folders, headers, bodies within
 * the budget), then IDLE on the INBOX until news, a request or the next
 * round; on a network error it waits and tries again, longer each time.
 * The request thread: bodies, searches and the outbox, one at a time,
 * so sending is never done twice at once; the body on screen first.
 * The writer thread: the UI's changes to the store (marks, moves,
 * drafts, the outbox), in the order made, so the UI never writes.
 *
 * Stopping never waits: the threads end on their own, each one's end is
 * heard on the UI's context, and "running" turns FALSE after the last.
 *
 * What the threads change reaches the UI as store notices, delivered on
 * the UI's main context.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-account-sync.h"
#include "casella-mail-error.h"
#include "casella-mail-session-private.h"
#include "casella-secret.h"
#include "casella-session-credentials.h"
#include "casella-store-queue.h"

#define BACKOFF_FIRST_S 15
#define BACKOFF_MAX_S   300

typedef enum { REQUEST_BODY, REQUEST_SEARCH, REQUEST_OUTBOX, REQUEST_QUIT } RequestKind;

typedef struct {
  RequestKind  kind;
  gint64       id;
  char        *text;
  GTask       *task;
} Request;

/* One change to the store for the writer thread; func NULL: quit. */
typedef struct {
  CasellaStoreJob  func;
  GTask           *task;
} Write;

enum { THREAD_SYNC, THREAD_REQUESTS, THREAD_WRITER, N_THREADS };

struct _CasellaMailSession
{
  GObject              parent_instance;

  CasellaAccount      *account;
  CasellaStore        *store;           /* the UI's connection */
  CasellaStoreRebuildReport rebuilt;    /* when the store was found damaged */
  char                *path;
  CasellaSessionCredentials *credentials;  /* the passwords, and whether they were refused */
  CasellaTokenSource  *tokens;
  GTlsDatabase        *tls_database;
  guint                poll_seconds;    /* 0: as the account says */
  guint64              body_budget;     /* 0: as the account says */
  GMainContext        *ui_context;
  CasellaSessionState  state;
  GError              *error;

  GMutex               lock;            /* guards the flags below */
  GCond                wake;
  gboolean             quit;
  gboolean             refresh_wanted;
  gboolean             replay_wanted;
  GMainContext        *sync_context;
  CasellaImapSync     *sync_imap;       /* lives on the sync thread */
  GThread             *threads[N_THREADS];
  guint                running;         /* threads not yet heard to end */
  GAsyncQueue         *requests;
  GAsyncQueue         *writes;
  guint                pending_writes;  /* asked, their answer not yet heard */
  GCancellable        *cancellable;     /* cancelled on stop: every network call ends at once */
};

G_DEFINE_FINAL_TYPE (CasellaMailSession, casella_mail_session, G_TYPE_OBJECT)

enum { PROP_0, PROP_STATE, PROP_RUNNING, PROP_PENDING_WRITES, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_NEW_MAIL, SIGNAL_REPLAY_FAILED, SIGNAL_SENT, SIGNAL_SEND_FAILED, SIGNAL_THREAD_ENDED, N_SIGNALS
};
static guint signals[N_SIGNALS];

static void
request_free (Request *request)
{
  g_free (request->text);
  g_clear_object (&request->task);
  g_free (request);
}

static void
write_free (Write *write)
{
  g_clear_object (&write->task);
  g_free (write);
}

static gboolean
is_imap (CasellaMailSession *self)
{
  return casella_account_get_incoming (self->account)->protocol == CASELLA_PROTOCOL_IMAP;
}

/* The account's settings, read anew each round: changed in the window,
 * they hold from the next one. */
static guint
poll_seconds (CasellaMailSession *self)
{
  return self->poll_seconds ? self->poll_seconds : casella_account_get_check_minutes (self->account) * 60;
}

static guint64
body_budget (CasellaMailSession *self)
{
  if (self->body_budget != 0)
    return self->body_budget;
  switch (casella_account_get_download_ahead (self->account))
    {
    case CASELLA_DOWNLOAD_ALL:
      return CASELLA_SYNC_BODIES_ALL;
    case CASELLA_DOWNLOAD_NONE:
      return CASELLA_SYNC_BODIES_NONE;
    default:
      return 32 * 1024 * 1024;
    }
}

CasellaAccountSyncOptions
casella_mail_session_get_sync_options (CasellaMailSession *self)
{
  CasellaAccountSyncOptions options = { 0 };

  casella_session_credentials_get (self->credentials, &options.password, &options.smtp_password);
  options.tokens = self->tokens;
  options.tls_database = self->tls_database;
  options.body_budget = body_budget (self);
  return options;
}

/* ---- news for the UI thread ---- */

typedef struct {
  CasellaMailSession  *self;
  GArray              *folders;          /* gint64 */
  gboolean             folders_changed;
  gboolean             has_state;
  CasellaSessionState  state;
  GError              *error;
  gint64               new_mail_folder;
  guint                new_mail_count;
  gint64               newest;
  gint64               message_id;
  char                *reason;
  int                  hold;             /* CasellaOutboxHold */
  guint                sent;
  guint                thread;           /* for SIGNAL_THREAD_ENDED */
  guint                signal;           /* which one, for the simple ones */
} Notice;

static void
notice_free (Notice *notice)
{
  g_clear_pointer (&notice->folders, g_array_unref);
  g_clear_error (&notice->error);
  g_free (notice->reason);
  g_object_unref (notice->self);
  g_free (notice);
}

/* The thread has returned or is about to: the join is at once. */
static void
thread_ended (CasellaMailSession *self,
              guint               thread)
{
  if (self->threads[thread] == NULL)
    return;   /* joined already, by casella_mail_session_wait() */
  g_thread_join (g_steal_pointer (&self->threads[thread]));
  if (--self->running == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_object_unref (self);   /* the thread's */
}

static gboolean
deliver (gpointer data)
{
  Notice *notice = data;
  CasellaMailSession *self = notice->self;

  for (guint i = 0; notice->folders && i < notice->folders->len; i++)
    casella_store_notify_folder_changed (self->store, g_array_index (notice->folders, gint64, i));
  if (notice->folders_changed)
    casella_store_notify_folders_changed (self->store);
  if (notice->has_state)
    {
      self->state = notice->state;
      g_clear_error (&self->error);
      self->error = g_steal_pointer (&notice->error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (notice->new_mail_count > 0)
    g_signal_emit (self, signals[SIGNAL_NEW_MAIL], 0, notice->new_mail_folder, notice->new_mail_count, notice->newest);
  if (notice->signal == SIGNAL_REPLAY_FAILED)
    g_signal_emit (self, signals[SIGNAL_REPLAY_FAILED], 0, notice->message_id, notice->error);
  if (notice->signal == SIGNAL_SENT)
    g_signal_emit (self, signals[SIGNAL_SENT], 0, notice->sent);
  if (notice->signal == SIGNAL_SEND_FAILED)
    g_signal_emit (self, signals[SIGNAL_SEND_FAILED], 0, notice->message_id, notice->hold, notice->reason);
  if (notice->signal == SIGNAL_THREAD_ENDED)
    thread_ended (self, notice->thread);
  return G_SOURCE_REMOVE;
}

static Notice *
notice_new (CasellaMailSession *self)
{
  Notice *notice = g_new0 (Notice, 1);

  notice->self = g_object_ref (self);
  notice->signal = N_SIGNALS;   /* none of the simple ones */
  return notice;
}

/* Always a source on the UI's context, never invoked in place: a
 * context nobody holds at the moment would run it on this thread. */
static void
post (Notice *notice)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, deliver, notice, (GDestroyNotify) notice_free);
  g_source_set_static_name (source, "[casella] session notice");
  g_source_attach (source, notice->self->ui_context);
}

/* A thread's last word, after every notice it posted. */
static void
post_thread_ended (CasellaMailSession *self,
                   guint               thread)
{
  Notice *notice = notice_new (self);

  notice->signal = SIGNAL_THREAD_ENDED;
  notice->thread = thread;
  post (notice);
}

/* A worker's store changes, gathered and handed over in one notice. */
typedef struct {
  CasellaMailSession *self;
  GHashTable         *folders;
  gboolean            folders_changed;
  gint64              flushed_at;   /* monotonic µs */
} Changes;

/* How often a long sync hands over what it has written so far. */
#define CHANGES_INTERVAL_US (500 * 1000)

static void
on_worker_folder_changed (CasellaStore *store,
                          gint64        folder_id,
                          Changes      *changes)
{
  g_hash_table_add (changes->folders, g_memdup2 (&folder_id, sizeof folder_id));
}

static void
on_worker_folders_changed (CasellaStore *store,
                           Changes      *changes)
{
  changes->folders_changed = TRUE;
}

static void
changes_init (Changes            *changes,
              CasellaMailSession *self,
              CasellaStore       *store)
{
  changes->self = self;
  changes->folders = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  changes->folders_changed = FALSE;
  changes->flushed_at = 0;
  g_signal_connect (store, "folder-changed", G_CALLBACK (on_worker_folder_changed), changes);
  g_signal_connect (store, "folders-changed", G_CALLBACK (on_worker_folders_changed), changes);
}

static void
changes_flush (Changes *changes)
{
  Notice *notice;
  GHashTableIter iter;
  gpointer key;

  if (g_hash_table_size (changes->folders) == 0 && !changes->folders_changed)
    return;
  notice = notice_new (changes->self);
  notice->folders = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_hash_table_iter_init (&iter, changes->folders);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_array_append_val (notice->folders, *(gint64 *) key);
  notice->folders_changed = changes->folders_changed;
  g_hash_table_remove_all (changes->folders);
  changes->folders_changed = FALSE;
  changes->flushed_at = g_get_monotonic_time ();
  post (notice);
}

/* A batch is written (the sync's thread, the writer joined): a first
 * sync of a big folder shows its newest rows at once, then more every
 * half second, not all at the end. */
static void
on_sync_progress (CasellaImapSync *imap,
                  const char      *folder,
                  const char      *stage,
                  guint            done,
                  guint            total,
                  Changes         *changes)
{
  if (g_get_monotonic_time () - changes->flushed_at >= CHANGES_INTERVAL_US)
    changes_flush (changes);
}

static void
post_state (CasellaMailSession  *self,
            CasellaSessionState  state,
            const GError        *error)
{
  Notice *notice = notice_new (self);

  notice->has_state = TRUE;
  notice->state = state;
  notice->error = error ? g_error_copy (error) : NULL;
  post (notice);
}

/* ---- the sync thread ---- */

static gboolean
is_network_error (const GError *error)
{
  /* A token refresh that could not reach the provider, or found it
   * failing, is tried again later; an ended sign-in waits for the user. */
  if (error != NULL && (error->domain == G_RESOLVER_ERROR ||
                        g_error_matches (error, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_FAILED)))
    return TRUE;
  if (error != NULL && error->domain == G_IO_ERROR)
    return error->code == G_IO_ERROR_TIMED_OUT || error->code == G_IO_ERROR_NETWORK_UNREACHABLE ||
           error->code == G_IO_ERROR_HOST_UNREACHABLE || error->code == G_IO_ERROR_CONNECTION_REFUSED ||
           error->code == G_IO_ERROR_CONNECTION_CLOSED || error->code == G_IO_ERROR_BROKEN_PIPE;
  return error != NULL && error->domain == CASELLA_MAIL_ERROR &&
         (error->code == CASELLA_MAIL_ERROR_CONNECTION_REFUSED || error->code == CASELLA_MAIL_ERROR_HOST_NOT_FOUND ||
          error->code == CASELLA_MAIL_ERROR_TIMEOUT || error->code == CASELLA_MAIL_ERROR_CONNECTION_LOST ||
          error->code == CASELLA_MAIL_ERROR_NOT_CONNECTED);
}

static gboolean
take_flag (CasellaMailSession *self,
           gboolean           *flag)
{
  gboolean value;

  g_mutex_lock (&self->lock);
  value = *flag;
  *flag = FALSE;
  g_mutex_unlock (&self->lock);
  return value;
}

static gboolean
quitting (CasellaMailSession *self)
{
  gboolean quit;

  g_mutex_lock (&self->lock);
  quit = self->quit;
  g_mutex_unlock (&self->lock);
  return quit;
}

/* New and unread in the INBOX since max_uid: a notice for a notification. */
static void
note_new_mail (CasellaMailSession *self,
               CasellaStore       *store,
               gint64              inbox,
               guint32             max_uid)
{
  g_autoptr(GArray) uids = casella_store_list_uids (store, inbox, NULL);
  gboolean receipts_hidden = casella_store_hides_receipts (store);
  Notice *notice;
  guint count = 0;
  gint64 newest = 0;

  for (guint i = 0; uids && i < uids->len; i++)
    {
      g_autoptr(CasellaMessageInfo) info = NULL;

      if (g_array_index (uids, guint32, i) <= max_uid)
        continue;
      info = casella_store_find_message (store, inbox, g_array_index (uids, guint32, i));
      /* A PEC receipt is the status of what was sent, not news. */
      if (info != NULL && !(info->flags & CASELLA_MESSAGE_SEEN) &&
          !(receipts_hidden && CASELLA_PEC_KIND_IS_RECEIPT (casella_store_get_pec_kind (store, info->id))))
        count++, newest = info->id;
    }
  if (count == 0)
    return;
  notice = notice_new (self);
  notice->new_mail_folder = inbox;
  notice->new_mail_count = count;
  notice->newest = newest;
  post (notice);
}

static void
on_replay_failed (CasellaImapSync    *sync,
                  gint64              message_id,
                  const GError       *error,
                  CasellaMailSession *self)
{
  Notice *notice = notice_new (self);

  notice->signal = SIGNAL_REPLAY_FAILED;
  notice->message_id = message_id;
  notice->error = g_error_copy (error);
  post (notice);
}

static gint64
inbox_id (CasellaStore *store,
          guint32      *max_uid)
{
  g_autoptr(CasellaStoreFolder) inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);

  *max_uid = inbox ? casella_store_get_max_uid (store, inbox->id) : 0;
  return inbox ? inbox->id : 0;
}

static void
request (CasellaMailSession *self,
         RequestKind         kind,
         gint64              id,
         const char         *text,
         GTask              *task)
{
  Request *request = g_new0 (Request, 1);

  request->kind = kind;
  request->id = id;
  request->text = g_strdup (text);
  request->task = task;
  g_async_queue_push (self->requests, request);
}

/* The message on screen goes before the ones arrowed past. */
static void
request_first (CasellaMailSession *self,
               RequestKind         kind,
               gint64              id,
               GTask              *task)
{
  Request *request = g_new0 (Request, 1);

  request->kind = kind;
  request->id = id;
  request->task = task;
  g_async_queue_push_front (self->requests, request);
}

static gboolean
full_round (CasellaMailSession *self,
            CasellaStore       *store,
            CasellaImapSync    *imap,
            GError            **error)
{
  CasellaAccountSyncOptions options = casella_mail_session_get_sync_options (self);
  g_autoptr(CasellaNetConfig) config = NULL;
  g_autoptr(GArray) outbox = NULL;
  guint32 max_uid = 0;
  gint64 inbox = inbox_id (store, &max_uid);
  guint days = 0;
  CasellaPop3Policy policy = casella_account_get_pop3_policy (self->account, &days);
  gboolean ok;

  if (!casella_account_apply_pec (self->account, store, error))
    return FALSE;
  if (imap != NULL)
    ok = casella_imap_sync_run (imap, self->cancellable, error);
  else
    {
      CasellaServerConfig *incoming = casella_account_get_incoming (self->account);
      config = casella_account_dup_net_config (self->account, CASELLA_PROTOCOL_POP3, self->tls_database);
      ok = casella_pop3_sync_run (store, config, incoming->username ? incoming->username
                                                                    : casella_account_get_address (self->account),
                                  options.password, options.tokens, policy, days, NULL, NULL, NULL, self->cancellable, error);
    }
  if (ok && inbox != 0)
    note_new_mail (self, store, inbox, max_uid);
  outbox = casella_store_outbox_list (store, NULL);
  if (outbox != NULL && outbox->len > 0)
    request (self, REQUEST_OUTBOX, 0, NULL, NULL);
  return ok;
}

/* Waits for news, a request or the deadline. IMAP waits in IDLE. */
static void
wait_phase (CasellaMailSession *self,
            CasellaStore       *store,
            CasellaImapSync    *imap,
            gboolean            online,
            gint64              deadline,
            Changes            *changes)
{
  while (!quitting (self))
    {
      gint64 now = g_get_monotonic_time ();
      guint32 max_uid = 0;
      gint64 inbox = inbox_id (store, &max_uid);
      g_autoptr(GError) error = NULL;

      if (now >= deadline)
        return;
      g_mutex_lock (&self->lock);
      if (self->refresh_wanted)
        {
          g_mutex_unlock (&self->lock);
          return;
        }
      g_mutex_unlock (&self->lock);
      if (take_flag (self, &self->replay_wanted) && imap != NULL && online)
        {
          casella_imap_sync_replay (imap, self->cancellable, NULL);
          changes_flush (changes);
          continue;
        }
      if (imap == NULL || !online || inbox == 0)
        {
          g_mutex_lock (&self->lock);
          if (!self->quit && !self->refresh_wanted && !self->replay_wanted)
            g_cond_wait_until (&self->wake, &self->lock, deadline);
          g_mutex_unlock (&self->lock);
          continue;
        }
      /* The session's cancellable: a stop that comes just before the wait
       * begins still ends it at once. */
      if (casella_imap_sync_wait_for_change (imap, inbox, (guint) MIN ((deadline - now) / 1000, G_MAXUINT),
                                             self->cancellable, &error))
        {
          casella_imap_sync_set_body_budget (imap, body_budget (self));
          if (casella_imap_sync_folder (imap, inbox, self->cancellable, &error))
            note_new_mail (self, store, inbox, max_uid);
        }
      changes_flush (changes);
      if (error != NULL)
        return;   /* the line broke: a new round finds out how */
    }
}

static gboolean
interrupt_wait (gpointer data)
{
  CasellaMailSession *self = data;

  if (self->sync_imap != NULL)
    casella_imap_sync_interrupt (self->sync_imap);
  return G_SOURCE_REMOVE;
}

static void
wake_sync_thread (CasellaMailSession *self)
{
  g_cond_broadcast (&self->wake);
  if (self->sync_context != NULL)
    g_main_context_invoke (self->sync_context, interrupt_wait, self);
}

static CasellaSessionState
state_after (const GError *error)
{
  if (error == NULL)
    return CASELLA_SESSION_UP_TO_DATE;
  return is_network_error (error) ? CASELLA_SESSION_OFFLINE : CASELLA_SESSION_FAILED;
}

/* A thread's IMAP sync signs in next with the newest password. */
static void
follow_password (CasellaMailSession *self,
                 CasellaImapSync    *imap,
                 guint              *generation)
{
  const char *password = NULL;
  guint now = casella_session_credentials_get (self->credentials, &password, NULL);

  if (imap != NULL && now != *generation)
    casella_imap_sync_set_password (imap, password);
  *generation = now;
}

/* Heard from a server on any thread: a refusal stops every thread's
 * sign-ins and says so. */
static void
note_refusal (CasellaMailSession *self,
              const GError       *error)
{
  if (casella_session_credentials_refuse (self->credentials, error))
    post_state (self, CASELLA_SESSION_FAILED, error);
}

static gpointer
sync_main (gpointer data)
{
  CasellaMailSession *self = data;
  g_autoptr(CasellaStore) store = NULL;
  g_autoptr(CasellaImapSync) imap = NULL;
  CasellaAccountSyncOptions options = casella_mail_session_get_sync_options (self);
  Changes changes;
  guint backoff = BACKOFF_FIRST_S;
  guint generation = 0;

  g_main_context_push_thread_default (self->sync_context);
  store = casella_store_open (self->path, NULL);
  if (store == NULL)
    {
      g_main_context_pop_thread_default (self->sync_context);
      post_thread_ended (self, THREAD_SYNC);
      return NULL;
    }
  changes_init (&changes, self, store);
  if (is_imap (self))
    {
      imap = casella_account_new_imap_sync (self->account, store, &options);
      g_signal_connect (imap, "replay-failed", G_CALLBACK (on_replay_failed), self);
      g_signal_connect (imap, "progress", G_CALLBACK (on_sync_progress), &changes);
      self->sync_imap = imap;
    }
  while (!quitting (self))
    {
      g_autoptr(GError) error = NULL;
      gboolean ok;
      CasellaSessionState state;

      take_flag (self, &self->refresh_wanted);
      follow_password (self, imap, &generation);
      if (imap != NULL)
        casella_imap_sync_set_body_budget (imap, body_budget (self));
      /* Refused credentials are not tried again on their own: providers
       * lock an account after a few wrong sign-ins. */
      if (casella_session_credentials_refused (self->credentials, &error))
        ok = FALSE;
      else
        {
          post_state (self, CASELLA_SESSION_SYNCING, NULL);
          ok = full_round (self, store, imap, &error);
          casella_session_credentials_refuse (self->credentials, error);
        }
      changes_flush (&changes);
      state = state_after (error);
      post_state (self, state, error);
      if (state == CASELLA_SESSION_OFFLINE)
        backoff = MIN (backoff * 2, BACKOFF_MAX_S);
      else
        backoff = BACKOFF_FIRST_S;
      /* Refused (a password, a certificate): only the user can change that. */
      wait_phase (self, store, imap, ok,
                  state == CASELLA_SESSION_FAILED ? G_MAXINT64
                  : g_get_monotonic_time () + (gint64) (ok ? poll_seconds (self) : backoff) * G_USEC_PER_SEC,
                  &changes);
    }
  self->sync_imap = NULL;
  g_clear_object (&imap);
  g_signal_handlers_disconnect_by_data (store, &changes);
  g_hash_table_unref (changes.folders);
  g_clear_object (&store);
  g_main_context_pop_thread_default (self->sync_context);
  post_thread_ended (self, THREAD_SYNC);
  return NULL;
}

/* ---- the request thread ---- */

static void
send_outbox (CasellaMailSession *self,
             CasellaStore       *store,
             CasellaImapSync    *imap)
{
  CasellaAccountSyncOptions options = casella_mail_session_get_sync_options (self);
  g_auto(CasellaOutboxResult) result = { 0 };
  g_autoptr(GError) error = NULL;
  guint sent = 0;

  casella_account_send_outbox (self->account, store, &options, imap, &result, self->cancellable, &error);
  note_refusal (self, error);
  /* Said once, when it happens: what waits from before is not news. */
  for (guint i = 0; result.reports != NULL && i < result.reports->len; i++)
    {
      CasellaOutboxReport *report = result.reports->pdata[i];
      Notice *notice;

      if (!report->attempted)
        continue;
      if (report->fate == CASELLA_OUTBOX_FATE_SENT)
        sent++;
      if (report->fate != CASELLA_OUTBOX_FATE_HELD)
        continue;
      notice = notice_new (self);
      notice->signal = SIGNAL_SEND_FAILED;
      notice->message_id = report->message_id;
      notice->hold = report->hold;
      notice->reason = g_strdup (report->reason);
      post (notice);
    }
  if (sent > 0)
    {
      Notice *notice = notice_new (self);
      notice->signal = SIGNAL_SENT;
      notice->sent = sent;
      post (notice);
    }
}

/* The refusal rather than the request's own error, while refused. */
static GError *
refusal_instead (CasellaMailSession *self,
                 GError             *error)
{
  GError *refusal = NULL;

  if (!casella_session_credentials_refused (self->credentials, &refusal))
    return error;
  g_clear_error (&error);
  return refusal;
}

static void
answer (CasellaMailSession *self,
        Request            *request,
        CasellaStore       *store,
        CasellaImapSync    *imap)
{
  GError *error = NULL;
  /* While refused, nothing signs in: what is here is still served. */
  gboolean refused = casella_session_credentials_refused (self->credentials, NULL);

  switch (request->kind)
    {
    case REQUEST_BODY:
      {
        GBytes *body = imap && !refused ? casella_imap_sync_fetch_body (imap, request->id, self->cancellable, &error)
                                        : casella_store_get_body (store, request->id, &error);
        if (body != NULL)
          {
            g_task_return_pointer (request->task, body, (GDestroyNotify) g_bytes_unref);
            break;
          }
        if (refused)
          error = refusal_instead (self, error);
        note_refusal (self, error);
        g_task_return_error (request->task, error);
        break;
      }
    case REQUEST_SEARCH:
      {
        GArray *ids = NULL;

        if (refused)
          error = refusal_instead (self, g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_NOT_CONNECTED,
                                                      "Not signed in"));
        else
          ids = imap ? casella_imap_sync_search (imap, request->id, request->text, self->cancellable, &error)
                     : g_array_new (FALSE, FALSE, sizeof (gint64));
        if (ids != NULL)
          g_task_return_pointer (request->task, ids, (GDestroyNotify) g_array_unref);
        else
          {
            note_refusal (self, error);
            g_task_return_error (request->task, error);
          }
        break;
      }
    case REQUEST_OUTBOX:
      if (refused)
        break;   /* it waits; the round after a new password sends it */
      /* With an id: the user asked to send that one again. */
      if (request->id != 0)
        casella_store_outbox_release (store, request->id, NULL);
      send_outbox (self, store, imap);
      break;
    default:
      break;
    }
}

static gpointer
request_main (gpointer data)
{
  CasellaMailSession *self = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(CasellaStore) store = NULL;
  g_autoptr(CasellaImapSync) imap = NULL;
  CasellaAccountSyncOptions options = casella_mail_session_get_sync_options (self);
  Changes changes;
  Request *next;
  guint generation = 0;

  g_main_context_push_thread_default (context);
  store = casella_store_open (self->path, NULL);
  if (store != NULL)
    {
      changes_init (&changes, self, store);
      if (is_imap (self))
        imap = casella_account_new_imap_sync (self->account, store, &options);
    }
  while ((next = g_async_queue_pop (self->requests))->kind != REQUEST_QUIT)
    {
      if (next->task != NULL && g_task_return_error_if_cancelled (next->task))
        ;   /* the reader moved on: no work for it */
      else if (store != NULL)
        {
          follow_password (self, imap, &generation);
          answer (self, next, store, imap);
        }
      else if (next->task != NULL)
        g_task_return_new_error (next->task, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_FAILED, "No mail store");
      if (store != NULL)
        changes_flush (&changes);
      request_free (next);
    }
  request_free (next);
  g_clear_object (&imap);
  if (store != NULL)
    {
      g_signal_handlers_disconnect_by_data (store, &changes);
      g_hash_table_unref (changes.folders);
    }
  g_clear_object (&store);
  g_main_context_pop_thread_default (context);
  post_thread_ended (self, THREAD_REQUESTS);
  return NULL;
}

/* ---- the writer thread ---- */

static gpointer
writer_main (gpointer data)
{
  CasellaMailSession *self = data;
  g_autoptr(GError) open_error = NULL;
  g_autoptr(CasellaStore) store = casella_store_open (self->path, &open_error);
  Changes changes;
  Write *next;

  if (store != NULL)
    changes_init (&changes, self, store);
  /* Everything asked before the stop is written: drafts are not lost. */
  while ((next = g_async_queue_pop (self->writes))->func != NULL)
    {
      GError *error = NULL;
      gint64 value = store ? next->func (store, g_task_get_task_data (next->task), &error) : 0;

      if (store == NULL)
        error = g_error_copy (open_error);
      if (store != NULL)
        changes_flush (&changes);   /* the lists change before the caller hears */
      if (error != NULL)
        g_task_return_error (next->task, error);
      else
        g_task_return_int (next->task, (gssize) value);
      write_free (next);
    }
  write_free (next);
  if (store != NULL)
    {
      g_signal_handlers_disconnect_by_data (store, &changes);
      g_hash_table_unref (changes.folders);
    }
  g_clear_object (&store);
  post_thread_ended (self, THREAD_WRITER);
  return NULL;
}

/* ---- the object ---- */

void
casella_mail_session_start (CasellaMailSession *self)
{
  static const GThreadFunc mains[N_THREADS] = { sync_main, request_main, writer_main };
  static const char *const names[N_THREADS] = { "casella-sync", "casella-requests", "casella-writer" };

  g_return_if_fail (CASELLA_IS_MAIL_SESSION (self));

  if (self->running > 0)
    return;
  self->quit = FALSE;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  for (guint i = 0; i < N_THREADS; i++)
    {
      self->threads[i] = g_thread_new (names[i], mains[i], g_object_ref (self));
      self->running++;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

void
casella_mail_session_stop (CasellaMailSession *self)
{
  Write *quit;

  g_return_if_fail (CASELLA_IS_MAIL_SESSION (self));

  g_mutex_lock (&self->lock);
  if (self->quit || self->running == 0)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->quit = TRUE;
  g_mutex_unlock (&self->lock);
  g_cancellable_cancel (self->cancellable);
  wake_sync_thread (self);
  request (self, REQUEST_QUIT, 0, NULL, NULL);
  quit = g_new0 (Write, 1);
  g_async_queue_push (self->writes, quit);
}

void
casella_mail_session_wait (CasellaMailSession *self)
{
  g_return_if_fail (CASELLA_IS_MAIL_SESSION (self));

  casella_mail_session_stop (self);
  g_object_ref (self);
  for (guint i = 0; i < N_THREADS; i++)
    if (self->threads[i] != NULL)
      {
        g_thread_join (g_steal_pointer (&self->threads[i]));
        self->running--;
        g_object_unref (self);   /* the thread's */
      }
  /* What the threads said last (their changes, their ends) is heard now. */
  while (g_main_context_iteration (self->ui_context, FALSE))
    ;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_object_unref (self);
}

gboolean
casella_mail_session_is_running (CasellaMailSession *self)
{
  return self->running > 0;
}

guint
casella_mail_session_get_pending_writes (CasellaMailSession *self)
{
  return self->pending_writes;
}

void
casella_mail_session_refresh (CasellaMailSession *self)
{
  g_mutex_lock (&self->lock);
  self->refresh_wanted = TRUE;
  g_mutex_unlock (&self->lock);
  wake_sync_thread (self);
}

void
casella_mail_session_signed_in (CasellaMailSession        *self,
                                const CasellaOAuth2Tokens *tokens)
{
  g_return_if_fail (self->tokens != NULL);
  casella_token_source_seed (self->tokens, tokens);
  casella_session_credentials_allow_retry (self->credentials);
  casella_mail_session_refresh (self);
}

void
casella_mail_session_set_password (CasellaMailSession *self,
                                   const char         *password)
{
  g_return_if_fail (password != NULL);
  casella_session_credentials_set_password (self->credentials, password);
  casella_mail_session_refresh (self);
}

void
casella_mail_session_network_changed (CasellaMailSession *self)
{
  casella_session_credentials_allow_retry (self->credentials);
  casella_mail_session_refresh (self);
}

const char *
casella_mail_session_get_smtp_password (CasellaMailSession *self)
{
  const char *smtp_password = NULL;

  casella_session_credentials_get (self->credentials, NULL, &smtp_password);
  return smtp_password;
}

GTlsDatabase *
casella_mail_session_get_tls_database (CasellaMailSession *self)
{
  return self->tls_database;
}

void
casella_mail_session_changes_made (CasellaMailSession *self)
{
  g_mutex_lock (&self->lock);
  self->replay_wanted = TRUE;
  g_mutex_unlock (&self->lock);
  wake_sync_thread (self);
}

void
casella_mail_session_send_outbox (CasellaMailSession *self)
{
  request (self, REQUEST_OUTBOX, 0, NULL, NULL);
}

static gboolean
send_when_due (gpointer data)
{
  casella_mail_session_send_outbox (data);
  return G_SOURCE_REMOVE;
}

void
casella_mail_session_send_outbox_later (CasellaMailSession *self,
                                        guint               seconds)
{
  /* A second past its time: the outbox skips what is not due yet. */
  g_timeout_add_full (G_PRIORITY_DEFAULT, (seconds + 1) * 1000, send_when_due, g_object_ref (self), g_object_unref);
}

void
casella_mail_session_send_again (CasellaMailSession *self,
                                 gint64              message_id)
{
  request (self, REQUEST_OUTBOX, message_id, NULL, NULL);
}

void
casella_mail_session_fetch_body_async (CasellaMailSession  *self,
                                       gint64               message_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GBytes) stored = casella_store_get_body (self->store, message_id, NULL);

  g_task_set_source_tag (task, casella_mail_session_fetch_body_async);
  /* Already here: no need to bother a thread. */
  if (stored != NULL)
    {
      g_task_return_pointer (task, g_bytes_ref (stored), (GDestroyNotify) g_bytes_unref);
      g_object_unref (task);
      return;
    }
  request_first (self, REQUEST_BODY, message_id, task);
}

GBytes *
casella_mail_session_fetch_body_finish (CasellaMailSession  *self,
                                        GAsyncResult        *result,
                                        GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
casella_mail_session_search_async (CasellaMailSession  *self,
                                   gint64               folder_id,
                                   const char          *text,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, casella_mail_session_search_async);
  request (self, REQUEST_SEARCH, folder_id, text, task);
}

GArray *
casella_mail_session_search_finish (CasellaMailSession  *self,
                                    GAsyncResult        *result,
                                    GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  GAsyncReadyCallback callback;
  gpointer            user_data;
} WriteAnswer;

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  CasellaMailSession *self = CASELLA_MAIL_SESSION (source);
  WriteAnswer answer = *(WriteAnswer *) user_data;

  g_free (user_data);
  if (--self->pending_writes == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_WRITES]);
  if (answer.callback != NULL)
    answer.callback (source, result, answer.user_data);
}

void
casella_mail_session_write_async (CasellaMailSession  *self,
                                  CasellaStoreJob      job,
                                  gpointer             data,
                                  GDestroyNotify       data_free,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  WriteAnswer *answer = g_new (WriteAnswer, 1);
  GTask *task;
  Write *write;

  *answer = (WriteAnswer) { callback, user_data };
  if (self->pending_writes++ == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_WRITES]);
  task = g_task_new (self, NULL, on_written, answer);

  g_task_set_source_tag (task, casella_mail_session_write_async);
  g_task_set_task_data (task, data, data_free);
  if (self->quit || self->running == 0)
    {
      g_task_return_new_error (task, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_FAILED,
                               "The account is not open");
      g_object_unref (task);
      return;
    }
  write = g_new0 (Write, 1);
  write->func = job;
  write->task = task;
  g_async_queue_push (self->writes, write);
}

gint64
casella_mail_session_write_finish (CasellaMailSession  *self,
                                   GAsyncResult        *result,
                                   GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == casella_mail_session_write_async, 0);

  return (gint64) g_task_propagate_int (G_TASK (result), error);
}

gpointer
casella_mail_session_write_get_data (GAsyncResult *result)
{
  return g_task_get_task_data (G_TASK (result));
}

CasellaAccount *
casella_mail_session_get_account (CasellaMailSession *self)
{
  return self->account;
}

CasellaStore *
casella_mail_session_get_store (CasellaMailSession *self)
{
  return self->store;
}

CasellaSessionState
casella_mail_session_get_state (CasellaMailSession *self)
{
  return self->state;
}

const GError *
casella_mail_session_get_error (CasellaMailSession *self)
{
  return self->error;
}

static void
casella_mail_session_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  CasellaMailSession *self = CASELLA_MAIL_SESSION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running > 0);
      break;
    case PROP_PENDING_WRITES:
      g_value_set_uint (value, self->pending_writes);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
casella_mail_session_finalize (GObject *object)
{
  CasellaMailSession *self = CASELLA_MAIL_SESSION (object);

  g_clear_object (&self->account);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);
  casella_store_rebuild_report_clear (&self->rebuilt);
  g_clear_object (&self->tls_database);
  g_free (self->path);
  casella_session_credentials_free (self->credentials);
  g_clear_object (&self->tokens);
  g_clear_error (&self->error);
  g_main_context_unref (self->ui_context);
  g_main_context_unref (self->sync_context);
  g_async_queue_unref (self->requests);
  g_async_queue_unref (self->writes);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->wake);

  G_OBJECT_CLASS (casella_mail_session_parent_class)->finalize (object);
}

static void
casella_mail_session_class_init (CasellaMailSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = casella_mail_session_get_property;
  object_class->finalize = casella_mail_session_finalize;

  /* A CasellaSessionState; with it, casella_mail_session_get_error(). */
  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, CASELLA_SESSION_CONNECTING, CASELLA_SESSION_FAILED,
                                             CASELLA_SESSION_CONNECTING,
                                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Its threads are at work (FALSE again once all have ended after a stop). */
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Changes asked for and not yet answered (notified on 0 ↔ some). */
  properties[PROP_PENDING_WRITES] = g_param_spec_uint ("pending-writes", NULL, NULL, 0, G_MAXUINT, 0,
                                                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                       G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* New unread mail: (folder id, how many, the newest one's id). */
  signals[SIGNAL_NEW_MAIL] = g_signal_new ("new-mail", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_INT64, G_TYPE_UINT,
                                           G_TYPE_INT64);
  /* A change made here was refused by the server and undone. */
  signals[SIGNAL_REPLAY_FAILED] = g_signal_new ("replay-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_ERROR);
  /* Messages left the outbox: (how many). */
  signals[SIGNAL_SENT] = g_signal_new ("sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* A message waits in the outbox for the user: (its id, why as a
   * CasellaOutboxHold, the server's words or NULL). */
  signals[SIGNAL_SEND_FAILED] = g_signal_new ("send-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                              0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_INT64, G_TYPE_INT,
                                              G_TYPE_STRING);
}

static void
casella_mail_session_init (CasellaMailSession *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->wake);
  self->requests = g_async_queue_new ();
  self->writes = g_async_queue_new ();
  self->sync_context = g_main_context_new ();
  self->ui_context = g_main_context_ref_thread_default ();
  self->state = CASELLA_SESSION_CONNECTING;
}

/* The object, on the caller's thread (its notices go to that thread's
 * context); the store not open yet. */
static CasellaMailSession *
session_prepare (CasellaAccount                  *account,
                 const CasellaMailSessionOptions *options)
{
  CasellaMailSession *self = g_object_new (CASELLA_TYPE_MAIL_SESSION, NULL);

  self->account = g_object_ref (account);
  self->path = casella_store_path_for_account (casella_account_get_id (account));
  self->credentials = casella_session_credentials_new (options->password, options->smtp_password);
  if (options->tokens != NULL)
    self->tokens = g_object_ref (options->tokens);
  self->tls_database = options->tls_database ? g_object_ref (options->tls_database) : NULL;
  self->poll_seconds = options->poll_seconds;
  self->body_budget = options->body_budget;
  return self;
}

/* Opening may migrate, check after a crash or rebuild a damaged store:
 * seconds on a big one, so the app does it on a worker. */
static gboolean
session_open_store (CasellaMailSession  *self,
                    GError             **error)
{
  GError *local = NULL;

  self->store = casella_store_open (self->path, &local);
  /* Damaged: kept aside, made anew; the sync brings the server's mail. */
  if (self->store == NULL && g_error_matches (local, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_CORRUPT))
    {
      g_clear_error (&local);
      self->store = casella_store_rebuild (self->path, &self->rebuilt, &local);
    }
  if (self->store == NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  return TRUE;
}

CasellaMailSession *
casella_mail_session_new (CasellaAccount                   *account,
                          const CasellaMailSessionOptions  *options,
                          GError                          **error)
{
  g_autoptr(CasellaMailSession) self = NULL;

  g_return_val_if_fail (CASELLA_IS_ACCOUNT (account), NULL);

  self = session_prepare (account, options);
  if (!session_open_store (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

static void
open_store_in_thread (GTask        *task,
                      gpointer      source,
                      gpointer      data,
                      GCancellable *cancellable)
{
  CasellaMailSession *self = data;
  GError *error = NULL;

  if (session_open_store (self, &error))
    g_task_return_pointer (task, g_object_ref (self), g_object_unref);
  else
    g_task_return_error (task, error);
}

void
casella_mail_session_new_async (CasellaAccount                   *account,
                                const CasellaMailSessionOptions  *options,
                                GCancellable                     *cancellable,
                                GAsyncReadyCallback               callback,
                                gpointer                          user_data)
{
  GTask *task;

  g_return_if_fail (CASELLA_IS_ACCOUNT (account));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, casella_mail_session_new_async);
  g_task_set_task_data (task, session_prepare (account, options), g_object_unref);
  g_task_run_in_thread (task, open_store_in_thread);
  g_object_unref (task);
}

CasellaMailSession *
casella_mail_session_new_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL) &&
                        g_async_result_is_tagged (result, casella_mail_session_new_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

const CasellaStoreRebuildReport *
casella_mail_session_get_rebuild_report (CasellaMailSession *self)
{
  return self->rebuilt.kept_as != NULL ? &self->rebuilt : NULL;
}
