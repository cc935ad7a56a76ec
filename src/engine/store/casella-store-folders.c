/* casella-store-folders.c — the folder table
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-store-private.h"

#define FOLDER_COLUMNS \
  "id, path, name, separator, role, flags, subscribed, uidvalidity, uidnext, highestmodseq, total, unread"

CasellaStoreFolder *
casella_store_folder_copy (const CasellaStoreFolder *folder)
{
  CasellaStoreFolder *copy = g_memdup2 (folder, sizeof *folder);

  copy->path = g_strdup (folder->path);
  copy->name = g_strdup (folder->name);
  return copy;
}

void
casella_store_folder_free (CasellaStoreFolder *folder)
{
  if (folder == NULL)
    return;
  g_free (folder->path);
  g_free (folder->name);
  g_free (folder);
}

const char *
casella_folder_role_to_string (CasellaFolderRole role)
{
  static const char *const names[] = { "", "inbox", "drafts", "sent", "archive", "junk", "trash", "all",
                                       "flagged", "outbox" };

  return role < G_N_ELEMENTS (names) ? names[role] : "";
}

static CasellaStoreFolder *
folder_from_row (sqlite3_stmt *statement)
{
  CasellaStoreFolder *folder = g_new0 (CasellaStoreFolder, 1);

  folder->id = sqlite3_column_int64 (statement, 0);
  folder->path = casella_store_column_text (statement, 1);
  folder->name = casella_store_column_text (statement, 2);
  folder->separator = (char) sqlite3_column_int (statement, 3);
  folder->role = sqlite3_column_int (statement, 4);
  folder->flags = sqlite3_column_int (statement, 5);
  folder->subscribed = sqlite3_column_int (statement, 6);
  folder->uidvalidity = (guint32) sqlite3_column_int64 (statement, 7);
  folder->uidnext = (guint32) sqlite3_column_int64 (statement, 8);
  folder->highestmodseq = (guint64) sqlite3_column_int64 (statement, 9);
  folder->total = sqlite3_column_int (statement, 10);
  folder->unread = sqlite3_column_int (statement, 11);
  return folder;
}

static CasellaStoreFolder *
one_folder (CasellaStore *self,
            sqlite3_stmt *statement)
{
  CasellaStoreFolder *folder = NULL;

  if (statement != NULL && sqlite3_step (statement) == SQLITE_ROW)
    folder = folder_from_row (statement);
  if (statement != NULL)
    sqlite3_reset (statement);
  return folder;
}

GPtrArray *
casella_store_list_folders (CasellaStore  *self,
                            GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "SELECT " FOLDER_COLUMNS " FROM folders ORDER BY path", error);
  GPtrArray *folders;
  int rc;

  if (statement == NULL)
    return NULL;
  folders = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_store_folder_free);
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    g_ptr_array_add (folders, folder_from_row (statement));
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      g_ptr_array_unref (folders);
      return NULL;
    }
  return folders;
}

CasellaStoreFolder *
casella_store_get_folder (CasellaStore *self,
                          gint64        id)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "SELECT " FOLDER_COLUMNS " FROM folders WHERE id = ?", NULL);

  if (statement == NULL)
    return NULL;
  sqlite3_bind_int64 (statement, 1, id);
  return one_folder (self, statement);
}

CasellaStoreFolder *
casella_store_find_folder (CasellaStore *self,
                           const char   *path)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "SELECT " FOLDER_COLUMNS " FROM folders WHERE path = ?", NULL);

  if (statement == NULL)
    return NULL;
  casella_store_bind_text (statement, 1, path);
  return one_folder (self, statement);
}

CasellaStoreFolder *
casella_store_find_folder_by_role (CasellaStore      *self,
                                   CasellaFolderRole  role)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT " FOLDER_COLUMNS " FROM folders WHERE role = ? ORDER BY id LIMIT 1", NULL);

  if (statement == NULL)
    return NULL;
  sqlite3_bind_int (statement, 1, role);
  return one_folder (self, statement);
}

/* The last part of a path, by its separator. */
static char *
display_name (const char *path,
              char        separator)
{
  const char *last = separator ? strrchr (path, separator) : NULL;

  return g_strdup (last && last[1] ? last + 1 : path);
}

gint64
casella_store_save_folder (CasellaStore              *self,
                           const CasellaStoreFolder  *folder,
                           GError                   **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "INSERT INTO folders (path, name, separator, role, flags, subscribed, uidvalidity, uidnext, highestmodseq)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    " ON CONFLICT (path) DO UPDATE SET name = ?2, separator = ?3, role = ?4, flags = ?5, subscribed = ?6,"
    "  uidvalidity = ?7, uidnext = ?8, highestmodseq = ?9"
    " RETURNING id", error);
  g_autofree char *name = folder->name ? g_strdup (folder->name) : display_name (folder->path, folder->separator);
  gint64 id = 0;
  int rc;

  if (statement == NULL)
    return 0;
  casella_store_bind_text (statement, 1, folder->path);
  casella_store_bind_text (statement, 2, name);
  sqlite3_bind_int (statement, 3, folder->separator);
  sqlite3_bind_int (statement, 4, folder->role);
  sqlite3_bind_int (statement, 5, folder->flags);
  sqlite3_bind_int (statement, 6, folder->subscribed);
  sqlite3_bind_int64 (statement, 7, folder->uidvalidity);
  sqlite3_bind_int64 (statement, 8, folder->uidnext);
  sqlite3_bind_int64 (statement, 9, (gint64) folder->highestmodseq);
  rc = sqlite3_step (statement);
  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64 (statement, 0);
  else
    casella_store_set_error (self, rc, error);
  sqlite3_reset (statement);
  if (id != 0)
    {
      casella_store_mark_folders_changed (self);
      casella_store_emit_changes (self);
    }
  return id;
}

gboolean
casella_store_set_folder_state (CasellaStore  *self,
                                gint64         id,
                                guint32        uidvalidity,
                                guint32        uidnext,
                                guint64        highestmodseq,
                                GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "UPDATE folders SET uidvalidity = ?, uidnext = ?, highestmodseq = ? WHERE id = ?", error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, uidvalidity);
  sqlite3_bind_int64 (statement, 2, uidnext);
  sqlite3_bind_int64 (statement, 3, (gint64) highestmodseq);
  sqlite3_bind_int64 (statement, 4, id);
  if (!casella_store_run (self, statement, error))
    return FALSE;
  if (sqlite3_changes (self->db) > 0)
    {
      casella_store_mark_folders_changed (self);
      casella_store_emit_changes (self);
    }
  return TRUE;
}

gboolean
casella_store_delete_folder (CasellaStore  *self,
                             gint64         id,
                             GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "DELETE FROM folders WHERE id = ?", error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, id);
  if (!casella_store_run (self, statement, error))
    return FALSE;
  casella_store_mark_folders_changed (self);
  casella_store_emit_changes (self);
  return TRUE;
}

gboolean
casella_store_rename_folder (CasellaStore  *self,
                             gint64         id,
                             const char    *path,
                             GError       **error)
{
  g_autoptr(CasellaStoreFolder) folder = casella_store_get_folder (self, id);
  sqlite3_stmt *statement;
  g_autofree char *name = NULL;

  if (folder == NULL)
    {
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_NOT_FOUND, "No such folder");
      return FALSE;
    }
  statement = casella_store_prepare (self, "UPDATE folders SET path = ?, name = ? WHERE id = ?", error);
  if (statement == NULL)
    return FALSE;
  name = display_name (path, folder->separator);
  casella_store_bind_text (statement, 1, path);
  casella_store_bind_text (statement, 2, name);
  sqlite3_bind_int64 (statement, 3, id);
  if (!casella_store_run (self, statement, error))
    return FALSE;
  casella_store_mark_folders_changed (self);
  casella_store_emit_changes (self);
  return TRUE;
}

gboolean
casella_store_reset_folder (CasellaStore  *self,
                            gint64         id,
                            guint32        uidvalidity,
                            GError       **error)
{
  sqlite3_stmt *drop, *update;

  if (!casella_store_begin (self, error))
    return FALSE;
  drop = casella_store_prepare (self, "DELETE FROM messages WHERE folder_id = ?", error);
  if (drop != NULL)
    sqlite3_bind_int64 (drop, 1, id);
  if (!casella_store_run (self, drop, error))
    goto failed;
  update = casella_store_prepare (self,
    "UPDATE folders SET uidvalidity = ?, uidnext = 0, highestmodseq = 0, total = 0, unread = 0 WHERE id = ?", error);
  if (update != NULL)
    {
      sqlite3_bind_int64 (update, 1, uidvalidity);
      sqlite3_bind_int64 (update, 2, id);
    }
  if (!casella_store_run (self, update, error))
    goto failed;
  casella_store_mark_changed (self, id);
  return casella_store_commit (self, error);

failed:
  casella_store_rollback (self);
  return FALSE;
}

gboolean
casella_store_update_counts (CasellaStore  *self,
                             gint64         folder_id,
                             GError       **error)
{
  /* Receipts left out of the list are left out of its counts. */
  sqlite3_stmt *statement = casella_store_hides_receipts (self)
    ? casella_store_prepare (self,
        "UPDATE folders SET"
        " total = (SELECT count(*) FROM messages WHERE folder_id = ?1 AND (flags & 8) = 0"
        "   AND id NOT IN (SELECT message_id FROM pec WHERE kind >= 3)),"
        " unread = (SELECT count(*) FROM messages WHERE folder_id = ?1 AND (flags & 9) = 0"
        "   AND id NOT IN (SELECT message_id FROM pec WHERE kind >= 3))"
        " WHERE id = ?1", error)
    : casella_store_prepare (self,
        "UPDATE folders SET"
        " total = (SELECT count(*) FROM messages WHERE folder_id = ?1 AND (flags & 8) = 0),"
        " unread = (SELECT count(*) FROM messages WHERE folder_id = ?1 AND (flags & 9) = 0)"
        " WHERE id = ?1", error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, folder_id);
  if (!casella_store_run (self, statement, error))
    return FALSE;
  casella_store_mark_changed (self, folder_id);
  casella_store_emit_changes (self);
  return TRUE;
}
