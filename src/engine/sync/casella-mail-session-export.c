/* casella-mail-session-export.c — a folder saved as an mbox file while
 * the window goes on: on a thread of its own, with its own connections
 * to the store and the server, progress told on the UI's context
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-export.h"
#include "casella-mail-session-private.h"

#define PROGRESS_STEPS 200   /* news at most this often over a whole export */

typedef struct {
  CasellaMailSession    *session;
  char                  *path;
  gint64                 folder_id;
  GFile                 *file;
  CasellaExportProgress  progress;
  gpointer               progress_data;
  GMainContext          *ui_context;
  guint                  told;          /* the last done told */
} Export;

static void
export_free (Export *export)
{
  g_object_unref (export->session);
  g_free (export->path);
  g_object_unref (export->file);
  g_main_context_unref (export->ui_context);
  g_free (export);
}

typedef struct {
  GTask *task;
  guint  done;
  guint  total;
} News;

static gboolean
tell (gpointer data)
{
  News *news = data;
  Export *export = g_task_get_task_data (news->task);

  /* Not after a stop: the caller may be gone. */
  if (!g_cancellable_is_cancelled (g_task_get_cancellable (news->task)))
    export->progress (news->done, news->total, export->progress_data);
  g_object_unref (news->task);
  g_free (news);
  return G_SOURCE_REMOVE;
}

static void
on_progress (guint    done,
             guint    total,
             gpointer user_data)
{
  GTask *task = user_data;
  Export *export = g_task_get_task_data (task);
  News *news;

  if (export->progress == NULL || (done != total && done - export->told < MAX (total / PROGRESS_STEPS, 1)))
    return;
  export->told = done;
  news = g_new0 (News, 1);
  news->task = g_object_ref (task);
  news->done = done;
  news->total = total;
  g_main_context_invoke (export->ui_context, tell, news);
}

static void
export_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Export *export = task_data;
  CasellaAccount *account = casella_mail_session_get_account (export->session);
  CasellaAccountSyncOptions options = casella_mail_session_get_sync_options (export->session);
  g_autoptr(CasellaImapSync) imap = NULL;
  g_autoptr(CasellaStore) store = NULL;
  GError *error = NULL;
  gint64 written;

  if ((store = casella_store_open (export->path, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (casella_account_get_incoming (account)->protocol == CASELLA_PROTOCOL_IMAP)
    imap = casella_account_new_imap_sync (account, store, &options);
  written = casella_export_mbox (store, imap, export->folder_id, export->file, on_progress, task, cancellable,
                                 &error);
  if (imap != NULL)
    casella_imap_sync_disconnect (imap);
  if (written < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, written);
}

void
casella_mail_session_export_async (CasellaMailSession    *self,
                                   gint64                 folder_id,
                                   GFile                 *file,
                                   CasellaExportProgress  progress,
                                   gpointer               progress_data,
                                   GCancellable          *cancellable,
                                   GAsyncReadyCallback    callback,
                                   gpointer               user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Export *export = g_new0 (Export, 1);

  export->session = g_object_ref (self);
  export->path = g_strdup (casella_store_get_path (casella_mail_session_get_store (self)));
  export->folder_id = folder_id;
  export->file = g_object_ref (file);
  export->progress = progress;
  export->progress_data = progress_data;
  export->ui_context = g_main_context_ref_thread_default ();
  g_task_set_source_tag (task, casella_mail_session_export_async);
  g_task_set_task_data (task, export, (GDestroyNotify) export_free);
  g_task_run_in_thread (task, export_thread);
}

gint64
casella_mail_session_export_finish (CasellaMailSession  *self,
                                    GAsyncResult        *result,
                                    GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return g_task_propagate_int (G_TASK (result), error);
}
