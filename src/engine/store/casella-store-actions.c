/* casella-store-actions.c — local-first changes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-store-actions.h"
#include "casella-store-private.h"
#include "casella-store-queue.h"

gboolean
casella_store_is_pop3 (CasellaStore *self)
{
  g_autofree char *protocol = casella_store_get_meta (self, "protocol");

  return g_strcmp0 (protocol, "pop3") == 0;
}

/* Runs step for each message inside one transaction. */
typedef gboolean (*MessageStep) (CasellaStore             *self,
                                 const CasellaMessageInfo *message,
                                 gpointer                  data,
                                 GError                  **error);

static gboolean
for_each_message (CasellaStore  *self,
                  const gint64  *ids,
                  guint          n_ids,
                  MessageStep    step,
                  gpointer       data,
                  GError       **error)
{
  g_autoptr(GHashTable) folders = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key;

  if (!casella_store_begin (self, error))
    return FALSE;
  for (guint i = 0; i < n_ids; i++)
    {
      g_autoptr(CasellaMessageInfo) message = casella_store_get_message (self, ids[i]);

      if (message == NULL)
        continue;
      g_hash_table_add (folders, g_memdup2 (&message->folder_id, sizeof (gint64)));
      if (!step (self, message, data, error))
        {
          casella_store_rollback (self);
          return FALSE;
        }
    }
  g_hash_table_iter_init (&iter, folders);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!casella_store_update_counts (self, *(gint64 *) key, error))
      {
        casella_store_rollback (self);
        return FALSE;
      }
  return casella_store_commit (self, error);
}

/* ---- flags ---- */

typedef struct {
  CasellaMessageFlags add;
  CasellaMessageFlags remove;
  gboolean            remote;
} Mark;

static gboolean
mark_one (CasellaStore             *self,
          const CasellaMessageInfo *message,
          gpointer                  data,
          GError                  **error)
{
  Mark *mark = data;
  CasellaMessageFlags flags = (message->flags | mark->add) & ~mark->remove;
  g_autofree char *arg = g_strdup_printf ("%u %u", mark->add, mark->remove);
  g_autofree char *undo = g_strdup_printf ("%u", message->flags);

  if (flags == message->flags)
    return TRUE;
  if (!casella_store_set_flags (self, message->id, flags, 0, error))
    return FALSE;
  return !mark->remote ||
         casella_store_queue_op (self, CASELLA_PENDING_FLAGS, message->folder_id, message->id, arg, undo, error) != 0;
}

gboolean
casella_store_local_mark (CasellaStore         *self,
                          const gint64         *ids,
                          guint                 n_ids,
                          CasellaMessageFlags   add,
                          CasellaMessageFlags   remove,
                          GError              **error)
{
  Mark mark = { add, remove, !casella_store_is_pop3 (self) };

  return for_each_message (self, ids, n_ids, mark_one, &mark, error);
}

/* ---- moving and deleting ---- */

typedef struct {
  gint64   folder_id;
  gboolean remote;
  GArray  *undo;
} Move;

static void
note_undo (GArray                   *undo,
           const CasellaMessageInfo *message,
           gint64                    op_id)
{
  CasellaUndoStep step = { message->id, message->folder_id, message->uid, message->flags, op_id };

  if (undo != NULL)
    g_array_append_val (undo, step);
}

static gboolean
move_one (CasellaStore             *self,
          const CasellaMessageInfo *message,
          gpointer                  data,
          GError                  **error)
{
  Move *move = data;
  g_autofree char *undo = g_strdup_printf ("%" G_GINT64_FORMAT " %u", message->folder_id, message->uid);
  /* POP3 folders are all here: a local number in the new folder. */
  guint32 uid = move->remote ? 0 : casella_store_get_max_uid (self, move->folder_id) + 1;

  gint64 op = 0;

  if (message->folder_id == move->folder_id)
    return TRUE;
  casella_store_mark_changed (self, message->folder_id);
  if (!casella_store_move_message (self, message->id, move->folder_id, uid, error))
    return FALSE;
  if (move->remote &&
      (op = casella_store_queue_op (self, CASELLA_PENDING_MOVE, move->folder_id, message->id, NULL, undo, error)) == 0)
    return FALSE;
  note_undo (move->undo, message, op);
  return TRUE;
}

gboolean
casella_store_local_move (CasellaStore  *self,
                          const gint64  *ids,
                          guint          n_ids,
                          gint64         folder_id,
                          GArray        *undo,
                          GError       **error)
{
  Move move = { folder_id, !casella_store_is_pop3 (self), undo };

  return for_each_message (self, ids, n_ids, move_one, &move, error);
}

static gboolean
delete_one (CasellaStore             *self,
            const CasellaMessageInfo *message,
            gpointer                  data,
            GError                  **error)
{
  g_autofree char *undo = g_strdup_printf ("%u", message->flags);
  gint64 op;

  if (casella_store_is_pop3 (self))
    {
      /* Remembered, so the next download does not bring it back. */
      if (message->uidl != NULL && !casella_store_pop3_deleted_here (self, message->uidl, error))
        return FALSE;
      return casella_store_delete_message (self, message->id, error);
    }
  if (message->uid == 0)
    return casella_store_delete_message (self, message->id, error);
  /* Hidden at once; gone for good when the server has expunged it. */
  if (!casella_store_set_flags (self, message->id, message->flags | CASELLA_MESSAGE_DELETED, 0, error))
    return FALSE;
  op = casella_store_queue_op (self, CASELLA_PENDING_EXPUNGE, message->folder_id, message->id, NULL, undo, error);
  note_undo (data, message, op);
  return op != 0;
}

/* POP3 keeps its Trash here only: it is made when first needed. */
static CasellaStoreFolder *
find_trash (CasellaStore  *self,
            GError       **error)
{
  CasellaStoreFolder folder = { 0 };
  CasellaStoreFolder *trash = casella_store_find_folder_by_role (self, CASELLA_FOLDER_ROLE_TRASH);

  if (trash != NULL || !casella_store_is_pop3 (self))
    return trash;
  folder.path = (char *) "Trash";
  folder.role = CASELLA_FOLDER_ROLE_TRASH;
  folder.flags = CASELLA_FOLDER_LOCAL;
  folder.subscribed = TRUE;
  if (casella_store_save_folder (self, &folder, error) == 0)
    return NULL;
  return casella_store_find_folder_by_role (self, CASELLA_FOLDER_ROLE_TRASH);
}

gboolean
casella_store_local_trash (CasellaStore  *self,
                           const gint64  *ids,
                           guint          n_ids,
                           GArray        *undo,
                           GError       **error)
{
  g_autoptr(CasellaStoreFolder) trash = NULL;
  g_autoptr(GArray) to_trash = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) to_delete = g_array_new (FALSE, FALSE, sizeof (gint64));
  Move move = { 0, !casella_store_is_pop3 (self), undo };

  if (!casella_store_begin (self, error))
    return FALSE;
  trash = find_trash (self, error);
  move.folder_id = trash ? trash->id : 0;
  for (guint i = 0; i < n_ids; i++)
    {
      g_autoptr(CasellaMessageInfo) message = casella_store_get_message (self, ids[i]);
      if (message != NULL && trash != NULL && message->folder_id != trash->id)
        g_array_append_val (to_trash, ids[i]);
      else if (message != NULL)
        g_array_append_val (to_delete, ids[i]);
    }
  if (!for_each_message (self, (gint64 *) to_trash->data, to_trash->len, move_one, &move, error) ||
      !for_each_message (self, (gint64 *) to_delete->data, to_delete->len, delete_one, undo, error))
    {
      casella_store_rollback (self);
      return FALSE;
    }
  return casella_store_commit (self, error);
}

static gboolean
undo_one (CasellaStore           *self,
          const CasellaUndoStep  *step,
          GError                **error)
{
  g_autoptr(CasellaMessageInfo) now = casella_store_get_message (self, step->message_id);
  gboolean pending = step->op_id != 0 && casella_store_remove_op_if_pending (self, step->op_id);

  if (now == NULL)
    return TRUE;   /* gone for good already */
  if (step->op_id != 0 && !pending)
    {
      /* Already sent: moving it back is a change of its own. */
      gint64 id = step->message_id;
      return casella_store_set_flags (self, id, now->flags & ~CASELLA_MESSAGE_DELETED, 0, error) &&
             (now->folder_id == step->folder_id || casella_store_local_move (self, &id, 1, step->folder_id, NULL, error));
    }
  casella_store_mark_changed (self, now->folder_id);
  return casella_store_move_message (self, step->message_id, step->folder_id, step->uid, error) &&
         casella_store_set_flags (self, step->message_id, step->flags, 0, error) &&
         casella_store_update_counts (self, now->folder_id, error) &&
         casella_store_update_counts (self, step->folder_id, error);
}

gboolean
casella_store_local_undo (CasellaStore  *self,
                          GArray        *undo,
                          GError       **error)
{
  if (!casella_store_begin (self, error))
    return FALSE;
  for (guint i = undo->len; i > 0; i--)
    if (!undo_one (self, &g_array_index (undo, CasellaUndoStep, i - 1), error))
      {
        casella_store_rollback (self);
        return FALSE;
      }
  return casella_store_commit (self, error);
}

/* ---- drafts ---- */

static CasellaStoreFolder *
find_drafts (CasellaStore  *self,
             GError       **error)
{
  CasellaStoreFolder folder = { 0 };
  CasellaStoreFolder *drafts = casella_store_find_folder_by_role (self, CASELLA_FOLDER_ROLE_DRAFTS);

  if (drafts != NULL)
    return drafts;
  folder.path = (char *) "\x01Drafts";
  folder.name = (char *) "Drafts";
  folder.role = CASELLA_FOLDER_ROLE_DRAFTS;
  folder.flags = CASELLA_FOLDER_LOCAL;
  folder.subscribed = TRUE;
  if (casella_store_save_folder (self, &folder, error) == 0)
    return NULL;
  return casella_store_find_folder_by_role (self, CASELLA_FOLDER_ROLE_DRAFTS);
}

gint64
casella_store_save_draft (CasellaStore  *self,
                          gint64         replaces,
                          GBytes        *raw,
                          GError       **error)
{
  g_autoptr(CasellaStoreFolder) drafts = NULL;
  g_autoptr(CasellaMessageInfo) info = casella_message_info_from_bytes (raw);
  g_autoptr(CasellaMessageInfo) old = NULL;
  gint64 id;

  if (!casella_store_begin (self, error))
    return 0;
  /* Read inside the transaction: an upload noting its UID meanwhile is
   * either seen here (the server copy is then removed by the replay) or
   * finds the row gone (and removes its copy itself). */
  old = replaces ? casella_store_get_message (self, replaces) : NULL;
  drafts = find_drafts (self, error);
  if (drafts == NULL)
    goto failed;
  /* The version it replaces goes; one already on the server goes there
   * too, once the new one is up (the upload comes first in a replay). */
  if (old != NULL && (old->flags & CASELLA_MESSAGE_DRAFT) && !delete_one (self, old, NULL, error))
    goto failed;
  info->folder_id = drafts->id;
  info->flags = CASELLA_MESSAGE_SEEN | CASELLA_MESSAGE_DRAFT;
  id = casella_store_add_message (self, info, error);
  if (id == 0 || !casella_store_set_body (self, id, raw, error) || !casella_store_update_counts (self, drafts->id, error))
    goto failed;
  return casella_store_commit (self, error) ? id : 0;

failed:
  casella_store_rollback (self);
  return 0;
}

gboolean
casella_store_discard_draft (CasellaStore  *self,
                             gint64         id,
                             GError       **error)
{
  g_autoptr(CasellaMessageInfo) draft = NULL;

  if (!casella_store_begin (self, error))
    return FALSE;
  if ((draft = casella_store_get_message (self, id)) == NULL)
    return casella_store_commit (self, error);
  if (!delete_one (self, draft, NULL, error) || !casella_store_update_counts (self, draft->folder_id, error))
    {
      casella_store_rollback (self);
      return FALSE;
    }
  return casella_store_commit (self, error);
}

GArray *
casella_store_list_drafts_to_upload (CasellaStore  *self,
                                     gint64         folder_id,
                                     GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT id FROM messages WHERE folder_id = ? AND uid IS NULL AND has_body = 1 AND (flags & ?) = ? ORDER BY id",
    error);

  if (statement == NULL)
    return NULL;
  sqlite3_bind_int64 (statement, 1, folder_id);
  sqlite3_bind_int (statement, 2, CASELLA_MESSAGE_DRAFT | CASELLA_MESSAGE_DELETED);
  sqlite3_bind_int (statement, 3, CASELLA_MESSAGE_DRAFT);
  return casella_store_collect_ids (self, statement, error);
}

/* ---- folders ---- */

gint64
casella_store_local_create_folder (CasellaStore  *self,
                                   const char    *path,
                                   char           separator,
                                   GError       **error)
{
  CasellaStoreFolder folder = { 0 };
  gint64 id;

  folder.path = (char *) path;
  folder.separator = separator;
  folder.subscribed = TRUE;
  folder.flags = casella_store_is_pop3 (self) ? CASELLA_FOLDER_LOCAL : 0;
  if (!casella_store_begin (self, error))
    return 0;
  id = casella_store_save_folder (self, &folder, error);
  if (id == 0 || (!(folder.flags & CASELLA_FOLDER_LOCAL) &&
                  casella_store_queue_op (self, CASELLA_PENDING_CREATE_FOLDER, id, 0, NULL, NULL, error) == 0))
    {
      casella_store_rollback (self);
      return 0;
    }
  return casella_store_commit (self, error) ? id : 0;
}

gboolean
casella_store_local_rename_folder (CasellaStore  *self,
                                   gint64         folder_id,
                                   const char    *path,
                                   GError       **error)
{
  g_autoptr(CasellaStoreFolder) folder = casella_store_get_folder (self, folder_id);

  if (folder == NULL)
    {
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_NOT_FOUND, "No such folder");
      return FALSE;
    }
  if (!casella_store_begin (self, error))
    return FALSE;
  if (!casella_store_rename_folder (self, folder_id, path, error) ||
      (!(folder->flags & CASELLA_FOLDER_LOCAL) &&
       casella_store_queue_op (self, CASELLA_PENDING_RENAME_FOLDER, folder_id, 0, NULL, folder->path, error) == 0))
    {
      casella_store_rollback (self);
      return FALSE;
    }
  return casella_store_commit (self, error);
}

gboolean
casella_store_local_delete_folder (CasellaStore  *self,
                                   gint64         folder_id,
                                   GError       **error)
{
  g_autoptr(CasellaStoreFolder) folder = casella_store_get_folder (self, folder_id);
  char separator[2] = { 0, 0 };

  if (folder == NULL)
    {
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_NOT_FOUND, "No such folder");
      return FALSE;
    }
  separator[0] = folder->separator;
  if (!casella_store_begin (self, error))
    return FALSE;
  if (!casella_store_delete_folder (self, folder_id, error) ||
      (!(folder->flags & CASELLA_FOLDER_LOCAL) &&
       casella_store_queue_op (self, CASELLA_PENDING_DELETE_FOLDER, folder_id, 0, folder->path, separator, error) == 0))
    {
      casella_store_rollback (self);
      return FALSE;
    }
  return casella_store_commit (self, error);
}

gboolean
casella_store_local_subscribe (CasellaStore  *self,
                               gint64         folder_id,
                               gboolean       subscribed,
                               GError       **error)
{
  g_autoptr(CasellaStoreFolder) folder = casella_store_get_folder (self, folder_id);

  if (folder == NULL)
    {
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_NOT_FOUND, "No such folder");
      return FALSE;
    }
  if (folder->subscribed == subscribed)
    return TRUE;
  folder->subscribed = subscribed;
  if (!casella_store_begin (self, error))
    return FALSE;
  if (casella_store_save_folder (self, folder, error) == 0 ||
      (!(folder->flags & CASELLA_FOLDER_LOCAL) &&
       casella_store_queue_op (self, CASELLA_PENDING_SUBSCRIBE, folder_id, 0, subscribed ? "1" : "0", NULL, error) == 0))
    {
      casella_store_rollback (self);
      return FALSE;
    }
  return casella_store_commit (self, error);
}
