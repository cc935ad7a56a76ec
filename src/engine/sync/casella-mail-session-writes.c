/* casella-mail-session-writes.c — what the UI changes, written on the
 * session's writer thread
 *
 * Each call packs its arguments for one CasellaStoreJob; the answer
 * comes back on the UI's context after the store notices it caused.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-mail-session-writes.h"
#include "casella-store-actions.h"
#include "casella-store-queue.h"

/* ---- a draft's id, shared by the calls that save and send it ---- */

/* The id is written on the writer thread only, and read there by later
 * jobs or on the UI's context in their callbacks: the hand-over through
 * the main context orders it, no lock is needed. */
struct _CasellaDraftRef
{
  gatomicrefcount ref_count;
  gint64          id;
};

CasellaDraftRef *
casella_draft_ref_new (gint64 id)
{
  CasellaDraftRef *self = g_new0 (CasellaDraftRef, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->id = id;
  return self;
}

CasellaDraftRef *
casella_draft_ref_ref (CasellaDraftRef *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
casella_draft_ref_unref (CasellaDraftRef *self)
{
  if (self != NULL && g_atomic_ref_count_dec (&self->ref_count))
    g_free (self);
}

gint64
casella_draft_ref_get_id (CasellaDraftRef *self)
{
  return self->id;
}

/* ---- marks and moves ---- */

typedef struct {
  GArray              *ids;
  CasellaMessageFlags  add;
  CasellaMessageFlags  remove;
  gint64               folder_id;   /* moves: where to; 0: the Trash */
  GArray              *undo;        /* moves: filled by the job */
} MessagesJob;

static void
messages_job_free (MessagesJob *job)
{
  g_array_unref (job->ids);
  g_clear_pointer (&job->undo, g_array_unref);
  g_free (job);
}

static MessagesJob *
messages_job_new (GArray *ids)
{
  MessagesJob *job = g_new0 (MessagesJob, 1);

  job->ids = g_array_ref (ids);
  job->undo = g_array_new (FALSE, FALSE, sizeof (CasellaUndoStep));
  return job;
}

static gint64
run_mark (CasellaStore  *store,
          gpointer       data,
          GError       **error)
{
  MessagesJob *job = data;

  return casella_store_local_mark (store, (gint64 *) job->ids->data, job->ids->len, job->add, job->remove, error);
}

void
casella_mail_session_mark_async (CasellaMailSession  *self,
                                 GArray              *ids,
                                 CasellaMessageFlags  add,
                                 CasellaMessageFlags  remove,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  MessagesJob *job = messages_job_new (ids);

  job->add = add;
  job->remove = remove;
  casella_mail_session_write_async (self, run_mark, job, (GDestroyNotify) messages_job_free, callback, user_data);
}

static gint64
run_move (CasellaStore  *store,
          gpointer       data,
          GError       **error)
{
  MessagesJob *job = data;

  if (job->folder_id == 0)
    return casella_store_local_trash (store, (gint64 *) job->ids->data, job->ids->len, job->undo, error);
  return casella_store_local_move (store, (gint64 *) job->ids->data, job->ids->len, job->folder_id, job->undo,
                                   error);
}

void
casella_mail_session_move_async (CasellaMailSession  *self,
                                 GArray              *ids,
                                 gint64               folder_id,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  MessagesJob *job = messages_job_new (ids);

  job->folder_id = folder_id;
  casella_mail_session_write_async (self, run_move, job, (GDestroyNotify) messages_job_free, callback, user_data);
}

GArray *
casella_mail_session_move_finish (CasellaMailSession  *self,
                                  GAsyncResult        *result,
                                  GError             **error)
{
  MessagesJob *job;

  if (casella_mail_session_write_finish (self, result, error) == 0)
    return NULL;
  job = casella_mail_session_write_get_data (result);
  return g_steal_pointer (&job->undo);
}

/* Never while the changes are being sent: a move listed by a replay
 * under way would reach the server after this took it back, and the
 * next sync would find the message gone from where it came back to.
 * Waiting for the replay's end, a move it sent is moved back like any
 * change already sent. */
static gint64
run_undo (CasellaStore  *store,
          gpointer       data,
          GError       **error)
{
  g_autoptr(CasellaFileLock) replaying = casella_store_lock (store, "replay", TRUE, NULL, error);

  return replaying != NULL && casella_store_local_undo (store, data, error);
}

void
casella_mail_session_undo_async (CasellaMailSession  *self,
                                 GArray              *undo,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  casella_mail_session_write_async (self, run_undo, g_array_ref (undo), (GDestroyNotify) g_array_unref,
                                    callback, user_data);
}

/* ---- folders ---- */

typedef struct {
  CasellaFolderChange  change;
  gint64               folder_id;
  char                *path;
  char                 separator;
  gboolean             subscribed;
} FolderJob;

static void
folder_job_free (FolderJob *job)
{
  g_free (job->path);
  g_free (job);
}

static gint64
run_folder (CasellaStore  *store,
            gpointer       data,
            GError       **error)
{
  FolderJob *job = data;

  switch (job->change)
    {
    case CASELLA_FOLDER_CREATE:
      return casella_store_local_create_folder (store, job->path, job->separator, error);
    case CASELLA_FOLDER_RENAME:
      return casella_store_local_rename_folder (store, job->folder_id, job->path, error);
    case CASELLA_FOLDER_DELETE:
      return casella_store_local_delete_folder (store, job->folder_id, error);
    case CASELLA_FOLDER_SUBSCRIBE:
    default:
      return casella_store_local_subscribe (store, job->folder_id, job->subscribed, error);
    }
}

void
casella_mail_session_change_folder_async (CasellaMailSession  *self,
                                          CasellaFolderChange  change,
                                          gint64               folder_id,
                                          const char          *path,
                                          char                 separator,
                                          gboolean             subscribed,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  FolderJob *job = g_new0 (FolderJob, 1);

  job->change = change;
  job->folder_id = folder_id;
  job->path = g_strdup (path);
  job->separator = separator;
  job->subscribed = subscribed;
  casella_mail_session_write_async (self, run_folder, job, (GDestroyNotify) folder_job_free, callback, user_data);
}

gboolean
casella_mail_session_write_get_subscribed (GAsyncResult *result)
{
  FolderJob *job = casella_mail_session_write_get_data (result);

  return job->subscribed;
}

/* ---- drafts and the outbox ---- */

typedef struct {
  CasellaDraftRef *draft;
  GBytes          *raw;
  guint            delay;   /* seconds before it may be sent (the time to undo) */
} DraftJob;

static void
draft_job_free (DraftJob *job)
{
  casella_draft_ref_unref (job->draft);
  g_bytes_unref (job->raw);
  g_free (job);
}

static DraftJob *
draft_job_new (CasellaDraftRef *draft,
               GBytes          *raw)
{
  DraftJob *job = g_new0 (DraftJob, 1);

  job->draft = casella_draft_ref_ref (draft);
  job->raw = g_bytes_ref (raw);
  return job;
}

/* The id it replaces is read here, on the writer thread, after every
 * earlier save of the same draft: never two copies in Drafts. */
static gint64
run_save_draft (CasellaStore  *store,
                gpointer       data,
                GError       **error)
{
  DraftJob *job = data;
  gint64 id = casella_store_save_draft (store, job->draft->id, job->raw, error);

  if (id != 0)
    job->draft->id = id;
  return id;
}

void
casella_mail_session_save_draft_async (CasellaMailSession  *self,
                                       CasellaDraftRef     *draft,
                                       GBytes              *raw,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  casella_mail_session_write_async (self, run_save_draft, draft_job_new (draft, raw), (GDestroyNotify) draft_job_free,
                                    callback, user_data);
}

/* In the outbox first, then the draft goes: the message is never in
 * neither place. */
static gint64
run_queue (CasellaStore  *store,
           gpointer       data,
           GError       **error)
{
  DraftJob *job = data;
  gint64 id = casella_store_outbox_add (store, job->raw, error);

  /* Right after: the sender never sees it undelayed. A failure here only
   * loses the time to undo, never the message. */
  if (id != 0 && job->delay > 0)
    casella_store_outbox_delay (store, id, g_get_real_time () / G_USEC_PER_SEC + job->delay, NULL);
  if (id != 0 && job->draft->id != 0)
    {
      casella_store_discard_draft (store, job->draft->id, NULL);
      job->draft->id = 0;
    }
  return id;
}

void
casella_mail_session_queue_message_async (CasellaMailSession  *self,
                                          CasellaDraftRef     *draft,
                                          GBytes              *raw,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  casella_mail_session_queue_delayed_async (self, draft, raw, 0, callback, user_data);
}

void
casella_mail_session_queue_delayed_async (CasellaMailSession  *self,
                                          CasellaDraftRef     *draft,
                                          GBytes              *raw,
                                          guint                seconds,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  DraftJob *job = draft_job_new (draft, raw);

  job->delay = seconds;
  casella_mail_session_write_async (self, run_queue, job, (GDestroyNotify) draft_job_free, callback, user_data);
}

/* ---- undo send ---- */

typedef struct {
  gint64  message_id;
  GBytes *raw;        /* what was taken back */
} TakeBack;

static void
take_back_free (TakeBack *take)
{
  g_clear_pointer (&take->raw, g_bytes_unref);
  g_free (take);
}

static gint64
run_take_back (CasellaStore  *store,
               gpointer       data,
               GError       **error)
{
  TakeBack *take = data;

  take->raw = casella_store_outbox_take_back (store, take->message_id, g_get_real_time () / G_USEC_PER_SEC, error);
  return take->raw != NULL ? take->message_id : 0;
}

void
casella_mail_session_take_back_async (CasellaMailSession  *self,
                                      gint64               message_id,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  TakeBack *take = g_new0 (TakeBack, 1);

  take->message_id = message_id;
  casella_mail_session_write_async (self, run_take_back, take, (GDestroyNotify) take_back_free, callback, user_data);
}

GBytes *
casella_mail_session_take_back_get_raw (GAsyncResult *result)
{
  TakeBack *take = casella_mail_session_write_get_data (result);

  return take->raw;
}

static gint64
run_send_delayed_now (CasellaStore  *store,
                      gpointer       data,
                      GError       **error)
{
  return casella_store_outbox_send_delayed_now (store, error);
}

void
casella_mail_session_send_delayed_now_async (CasellaMailSession  *self,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  casella_mail_session_write_async (self, run_send_delayed_now, NULL, NULL, callback, user_data);
}
