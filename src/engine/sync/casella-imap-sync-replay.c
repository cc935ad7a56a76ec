/* casella-imap-sync-replay.c — changes made here, sent to the server in
 * the order they were made
 *
 * A refusal (NO/BAD) undoes the change here and is reported; a broken
 * connection leaves it queued for the next run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-imap-sync-private.h"
#include "casella-mail-error.h"
#include "casella-store-actions.h"
#include "casella-store-queue.h"

typedef enum {
  REPLAY_DONE,      /* sent: forget the change */
  REPLAY_REFUSED,   /* the server said no: undo it here */
  REPLAY_LATER,     /* not now (connection): keep it */
} ReplayResult;

static gboolean
is_refusal (const GError *error)
{
  return error->domain == CASELLA_MAIL_ERROR && error->code == CASELLA_MAIL_ERROR_SERVER_ERROR;
}

/* The error, if any, goes to *refusal either way; the result says
 * whether it was a refusal or a broken connection. */
static ReplayResult
outcome (GError **local,
         GError **refusal)
{
  gboolean refused;

  if (*local == NULL)
    return REPLAY_DONE;
  refused = is_refusal (*local);
  g_propagate_error (refusal, g_steal_pointer (local));
  return refused ? REPLAY_REFUSED : REPLAY_LATER;
}

static gboolean
select_folder (CasellaImapSync  *self,
               gint64            folder_id,
               GCancellable     *cancellable,
               GError          **error)
{
  g_autoptr(CasellaStoreFolder) folder = casella_store_get_folder (self->store, folder_id);
  g_autoptr(CasellaImapSelectInfo) info = NULL;

  if (folder == NULL)
    {
      g_set_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_SERVER_ERROR, "The folder is gone");
      return FALSE;
    }
  if (g_strcmp0 (casella_imap_client_get_selected (self->client), folder->path) == 0)
    return TRUE;
  info = casella_imap_sync_select (self, folder, FALSE, cancellable, error);
  return info != NULL;
}

static gboolean
store_flags (CasellaImapSync     *self,
             guint32              uid,
             const char          *action,
             CasellaMessageFlags  flags,
             GCancellable        *cancellable,
             GError             **error)
{
  g_auto(CasellaAwait) await = { 0 };
  g_autofree char *set = g_strdup_printf ("%u", uid);

  if (flags == 0)
    return TRUE;
  casella_await_init (&await);
  casella_imap_client_uid_store_async (self->client, set, action, (CasellaImapFlags) flags, NULL, cancellable,
                                       casella_await_done, &await);
  return casella_imap_client_uid_store_finish (self->client, casella_await (&await), error);
}

/* ---- each kind of change ---- */

static ReplayResult
replay_flags (CasellaImapSync         *self,
              const CasellaPendingOp  *op,
              GCancellable            *cancellable,
              GError                 **refusal)
{
  g_autoptr(CasellaMessageInfo) message = casella_store_get_message (self->store, op->message_id);
  guint add = 0, remove = 0;
  GError *local = NULL;

  if (message == NULL || message->uid == 0)
    return REPLAY_DONE;   /* gone, or only here: nothing to tell the server */
  if (op->arg == NULL || sscanf (op->arg, "%u %u", &add, &remove) != 2)
    return REPLAY_DONE;
  if (select_folder (self, message->folder_id, cancellable, &local) &&
      store_flags (self, message->uid, "+FLAGS", add, cancellable, &local))
    store_flags (self, message->uid, "-FLAGS", remove, cancellable, &local);
  return outcome (&local, refusal);
}

static void
undo_flags (CasellaImapSync        *self,
            const CasellaPendingOp *op)
{
  if (op->undo != NULL)
    casella_store_set_flags (self->store, op->message_id, (CasellaMessageFlags) g_ascii_strtoull (op->undo, NULL, 10),
                             0, NULL);
}

static ReplayResult
replay_move (CasellaImapSync         *self,
             const CasellaPendingOp  *op,
             GCancellable            *cancellable,
             GError                 **refusal)
{
  g_autoptr(CasellaStoreFolder) target = casella_store_get_folder (self->store, op->folder_id);
  g_autoptr(CasellaImapCopyUid) copy = NULL;
  g_auto(CasellaAwait) await = { 0 };
  gint64 old_folder = 0;
  guint32 old_uid = 0;
  g_autofree char *set = NULL;
  GError *local = NULL;

  if (target == NULL || !casella_pending_op_moved_from (op, &old_folder, &old_uid))
    return REPLAY_DONE;
  if (old_uid == 0)
    return REPLAY_DONE;   /* it never was on the server */
  if (!select_folder (self, old_folder, cancellable, &local))
    return outcome (&local, refusal);
  set = g_strdup_printf ("%u", old_uid);
  casella_await_init (&await);
  casella_imap_client_uid_move_async (self->client, set, target->path, cancellable, casella_await_done, &await);
  copy = casella_imap_client_uid_copy_finish (self->client, casella_await (&await), &local);
  if (local == NULL)
    {
      g_autoptr(GArray) dest = copy ? casella_imap_uid_set_parse (copy->dest_uids) : NULL;

      /* With the new UID the row stays; without, the next sync brings it. */
      if (dest != NULL && dest->len == 1 &&
          g_array_index (dest, CasellaImapUidRange, 0).first == g_array_index (dest, CasellaImapUidRange, 0).last)
        casella_store_set_uid (self->store, op->message_id, g_array_index (dest, CasellaImapUidRange, 0).first, NULL);
      else
        casella_store_delete_message (self->store, op->message_id, NULL);
    }
  return outcome (&local, refusal);
}

static void
undo_move (CasellaImapSync        *self,
           const CasellaPendingOp *op)
{
  gint64 old_folder = 0;
  guint32 old_uid = 0;

  if (casella_pending_op_moved_from (op, &old_folder, &old_uid))
    casella_store_move_message (self->store, op->message_id, old_folder, old_uid, NULL);
}

static ReplayResult
replay_expunge (CasellaImapSync         *self,
                const CasellaPendingOp  *op,
                GCancellable            *cancellable,
                GError                 **refusal)
{
  g_autoptr(CasellaMessageInfo) message = casella_store_get_message (self->store, op->message_id);
  g_auto(CasellaAwait) await = { 0 };
  GError *local = NULL;

  if (message == NULL)
    return REPLAY_DONE;
  if (message->uid != 0 &&
      select_folder (self, message->folder_id, cancellable, &local) &&
      store_flags (self, message->uid, "+FLAGS", CASELLA_MESSAGE_DELETED, cancellable, &local))
    {
      /* Only flagged messages go; others marked by other clients too, as IMAP has it. */
      casella_await_init (&await);
      casella_imap_client_expunge_async (self->client, cancellable, casella_await_done, &await);
      casella_imap_client_expunge_finish (self->client, casella_await (&await), &local);
    }
  if (local == NULL)
    casella_store_delete_message (self->store, op->message_id, NULL);
  return outcome (&local, refusal);
}

/* A server may hang up on a client whose selected folder it deletes
 * (Dovecot: "Selected mailbox was deleted"): that folder is closed
 * first. CLOSE expunges, which does not matter for a folder going. */
static gboolean
close_selected (CasellaImapSync  *self,
                GCancellable     *cancellable,
                GError          **error)
{
  g_auto(CasellaAwait) await = { 0 };

  casella_await_init (&await);
  casella_imap_client_close_async (self->client, cancellable, casella_await_done, &await);
  return casella_imap_client_close_finish (self->client, casella_await (&await), error);
}

static ReplayResult
mailbox_command (CasellaImapSync  *self,
                 const char       *command,
                 const char       *a,
                 const char       *b,
                 GCancellable     *cancellable,
                 GError          **refusal)
{
  g_auto(CasellaAwait) await = { 0 };
  GError *local = NULL;

  if (g_str_equal (command, "DELETE") && g_strcmp0 (casella_imap_client_get_selected (self->client), a) == 0 &&
      !close_selected (self, cancellable, &local))
    return outcome (&local, refusal);
  casella_await_init (&await);
  if (g_str_equal (command, "CREATE"))
    casella_imap_client_create_async (self->client, a, cancellable, casella_await_done, &await);
  else if (g_str_equal (command, "SUBSCRIBE"))
    casella_imap_client_subscribe_async (self->client, a, cancellable, casella_await_done, &await);
  else if (g_str_equal (command, "UNSUBSCRIBE"))
    casella_imap_client_unsubscribe_async (self->client, a, cancellable, casella_await_done, &await);
  else if (g_str_equal (command, "RENAME"))
    casella_imap_client_rename_async (self->client, a, b, cancellable, casella_await_done, &await);
  else
    casella_imap_client_delete_async (self->client, a, cancellable, casella_await_done, &await);
  casella_imap_client_mailbox_command_finish (self->client, casella_await (&await), &local);
  return outcome (&local, refusal);
}

/* A folder made here is one the person wants to see everywhere: it is
 * subscribed too. That second step is a courtesy; if it fails, the
 * folder still exists and the next folder sync says it is not shown. */
static ReplayResult
create_folder (CasellaImapSync  *self,
               const char       *path,
               GCancellable     *cancellable,
               GError          **refusal)
{
  g_autoptr(GError) ignored = NULL;
  ReplayResult result = mailbox_command (self, "CREATE", path, NULL, cancellable, refusal);

  if (result == REPLAY_DONE)
    mailbox_command (self, "SUBSCRIBE", path, NULL, cancellable, &ignored);
  return result;
}

static ReplayResult
replay_folder (CasellaImapSync         *self,
               const CasellaPendingOp  *op,
               GCancellable            *cancellable,
               GError                 **refusal)
{
  g_autoptr(CasellaStoreFolder) folder = casella_store_get_folder (self->store, op->folder_id);

  switch (op->kind)
    {
    case CASELLA_PENDING_CREATE_FOLDER:
      return folder ? create_folder (self, folder->path, cancellable, refusal) : REPLAY_DONE;
    case CASELLA_PENDING_RENAME_FOLDER:
      return folder && op->undo ? mailbox_command (self, "RENAME", op->undo, folder->path, cancellable, refusal)
                                : REPLAY_DONE;
    case CASELLA_PENDING_SUBSCRIBE:
      return folder ? mailbox_command (self, g_strcmp0 (op->arg, "1") == 0 ? "SUBSCRIBE" : "UNSUBSCRIBE",
                                       folder->path, NULL, cancellable, refusal)
                    : REPLAY_DONE;
    default:
      return op->arg ? mailbox_command (self, "DELETE", op->arg, NULL, cancellable, refusal) : REPLAY_DONE;
    }
}

static void
undo_folder (CasellaImapSync        *self,
             const CasellaPendingOp *op)
{
  CasellaStoreFolder folder = { 0 };

  switch (op->kind)
    {
    case CASELLA_PENDING_CREATE_FOLDER:
      casella_store_delete_folder (self->store, op->folder_id, NULL);
      break;
    case CASELLA_PENDING_RENAME_FOLDER:
      casella_store_rename_folder (self->store, op->folder_id, op->undo, NULL);
      break;
    case CASELLA_PENDING_SUBSCRIBE:
      {
        g_autoptr(CasellaStoreFolder) back = casella_store_get_folder (self->store, op->folder_id);
        if (back != NULL)
          {
            back->subscribed = g_strcmp0 (op->arg, "1") != 0;
            casella_store_save_folder (self->store, back, NULL);
          }
      }
      break;
    default:
      /* Back as it was; its messages come again with the next sync. */
      folder.path = op->arg;
      folder.separator = op->undo ? op->undo[0] : 0;
      folder.subscribed = TRUE;
      casella_store_save_folder (self->store, &folder, NULL);
    }
}

/* ---- the queue ---- */

static ReplayResult
replay_one (CasellaImapSync         *self,
            const CasellaPendingOp  *op,
            GCancellable            *cancellable,
            GError                 **refusal)
{
  switch (op->kind)
    {
    case CASELLA_PENDING_FLAGS:
      return replay_flags (self, op, cancellable, refusal);
    case CASELLA_PENDING_MOVE:
      return replay_move (self, op, cancellable, refusal);
    case CASELLA_PENDING_EXPUNGE:
      return replay_expunge (self, op, cancellable, refusal);
    default:
      return replay_folder (self, op, cancellable, refusal);
    }
}

static void
undo_one (CasellaImapSync        *self,
          const CasellaPendingOp *op)
{
  switch (op->kind)
    {
    case CASELLA_PENDING_FLAGS:
    case CASELLA_PENDING_EXPUNGE:
      undo_flags (self, op);
      break;
    case CASELLA_PENDING_MOVE:
      undo_move (self, op);
      break;
    default:
      undo_folder (self, op);
    }
}

/* Drafts written here go up to the server's Drafts (so the phone sees
 * them); one already there from an interrupted upload is found by its
 * Message-ID, never sent up twice. Before the queue: a replaced
 * version is removed only once the new one is up. */
static gboolean
upload_draft (CasellaImapSync  *self,
              gint64            folder_id,
              gint64            id,
              GCancellable     *cancellable,
              GError          **error)
{
  g_autoptr(CasellaMessageInfo) info = casella_store_get_message (self->store, id);
  g_autoptr(GBytes) raw = casella_store_get_body (self->store, id, NULL);
  guint32 uid = 0;

  if (info == NULL || raw == NULL)
    return TRUE;
  if (info->message_id != NULL &&
      !casella_imap_sync_find_message_id (self, folder_id, info->message_id, &uid, cancellable, error))
    return FALSE;
  if (uid == 0 &&
      (!casella_imap_sync_append_flagged (self, folder_id, raw, CASELLA_IMAP_FLAG_SEEN | CASELLA_IMAP_FLAG_DRAFT, &uid,
                                          cancellable, error) ||
       (uid == 0 && info->message_id != NULL &&
        !casella_imap_sync_find_message_id (self, folder_id, info->message_id, &uid, cancellable, error))))
    return FALSE;
  if (uid == 0 || !casella_store_set_uid (self->store, id, uid, error))
    return uid == 0;
  /* Replaced or thrown away while it went up: its copy goes too. */
  {
    g_autoptr(CasellaMessageInfo) still = casella_store_get_message (self->store, id);
    GError *local = NULL;

    if (still != NULL)
      return TRUE;
    if (select_folder (self, folder_id, cancellable, &local) &&
        store_flags (self, uid, "+FLAGS", CASELLA_MESSAGE_DELETED, cancellable, &local))
      {
        g_auto(CasellaAwait) await = { 0 };

        casella_await_init (&await);
        casella_imap_client_expunge_async (self->client, cancellable, casella_await_done, &await);
        casella_imap_client_expunge_finish (self->client, casella_await (&await), &local);
      }
    if (local != NULL)
      g_propagate_error (error, local);
    return local == NULL;
  }
}

static gboolean
upload_drafts (CasellaImapSync  *self,
               GCancellable     *cancellable,
               GError          **error)
{
  g_autoptr(CasellaStoreFolder) drafts = casella_store_find_folder_by_role (self->store, CASELLA_FOLDER_ROLE_DRAFTS);
  g_autoptr(GArray) ids = NULL;

  if (drafts == NULL || (drafts->flags & CASELLA_FOLDER_LOCAL))
    return TRUE;
  if ((ids = casella_store_list_drafts_to_upload (self->store, drafts->id, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    if (!upload_draft (self, drafts->id, g_array_index (ids, gint64, i), cancellable, error))
      return FALSE;
  return TRUE;
}

gboolean
casella_imap_sync_replay (CasellaImapSync  *self,
                          GCancellable     *cancellable,
                          GError          **error)
{
  g_autoptr(GPtrArray) ops = NULL;
  g_autoptr(CasellaFileLock) lock = NULL;

  if (!casella_imap_sync_ensure_connected (self, cancellable, error))
    return FALSE;
  /* One replayer at a time (the app and casella-cli): a change sent
   * twice would fail the second time and be undone here by mistake. */
  lock = casella_store_lock (self->store, "replay", TRUE, cancellable, error);
  if (lock == NULL || !upload_drafts (self, cancellable, error))
    return FALSE;
  ops = casella_store_list_ops (self->store, error);
  if (ops == NULL)
    return FALSE;
  for (guint i = 0; i < ops->len; i++)
    {
      CasellaPendingOp *op = ops->pdata[i];
      g_autoptr(GError) refusal = NULL;
      ReplayResult result = replay_one (self, op, cancellable, &refusal);

      if (result == REPLAY_LATER)
        {
          casella_imap_sync_note_error (self, refusal);
          g_propagate_error (error, g_steal_pointer (&refusal));
          return FALSE;
        }
      if (result == REPLAY_REFUSED)
        {
          undo_one (self, op);
          g_signal_emit (self, casella_imap_sync_signals[SIGNAL_REPLAY_FAILED], 0, op->message_id, refusal);
        }
      casella_store_remove_op (self->store, op->id, NULL);
      if (op->message_id != 0)
        {
          g_autoptr(CasellaMessageInfo) message = casella_store_get_message (self->store, op->message_id);
          if (message != NULL)
            casella_store_update_counts (self->store, message->folder_id, NULL);
        }
    }
  return TRUE;
}
