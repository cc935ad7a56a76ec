/* casella-store-rebuild.c — a damaged store is kept aside, never deleted,
 * and a new one made; what lived only here is carried over
 *
 * What the server has (an IMAP account's folders and mail) comes back
 * with the next sync. What it does not have is read from the damaged
 * copy, row by row, as far as its pages allow: messages waiting in the
 * outbox (with how far they got, so nothing is sent twice), drafts not
 * on the server, and mail in local folders (a POP3 account's). What
 * cannot be read is counted, so the user can be told.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "casella-store-private.h"
#include "casella-store-queue.h"

void
casella_store_rebuild_report_clear (CasellaStoreRebuildReport *report)
{
  g_clear_pointer (&report->kept_as, g_free);
}

/* mail.db and its WAL (which holds the latest commits) move together. */
static gboolean
keep_aside (const char  *path,
            const char  *kept,
            GError     **error)
{
  static const char *const suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from = g_strconcat (path, suffixes[i], NULL);
      g_autofree char *to = g_strconcat (kept, suffixes[i], NULL);

      if (g_rename (from, to) != 0 && errno != ENOENT)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot keep %s aside: %s", from,
                       g_strerror (saved));
          return FALSE;
        }
    }
  return TRUE;
}

typedef struct {
  sqlite3                   *old;
  CasellaStore              *store;
  GHashTable                *folders;   /* old folder id → new id (gint64 *) */
  GHashTable                *messages;  /* old message id → new id */
  CasellaStoreRebuildReport *report;
} Rebuild;

static gint64
map_id (GHashTable *map,
        gint64      old)
{
  gint64 *found = g_hash_table_lookup (map, &old);

  return found ? *found : 0;
}

static void
remember (GHashTable *map,
          gint64      old,
          gint64      now)
{
  g_hash_table_insert (map, g_memdup2 (&old, sizeof old), g_memdup2 (&now, sizeof now));
}

/* The folder as it was, made again here (the sync merges it by path). */
static gint64
carry_folder (Rebuild  *rebuild,
              gint64    old_id,
              GError  **error)
{
  gint64 id = map_id (rebuild->folders, old_id);
  sqlite3_stmt *statement = NULL;
  CasellaStoreFolder folder = { 0 };

  if (id != 0)
    return id;
  if (sqlite3_prepare_v2 (rebuild->old, "SELECT path, name, separator, role, flags, subscribed FROM folders "
                                        "WHERE id = ?", -1, &statement, NULL) != SQLITE_OK)
    return 0;
  sqlite3_bind_int64 (statement, 1, old_id);
  if (sqlite3_step (statement) == SQLITE_ROW)
    {
      folder.path = (char *) sqlite3_column_text (statement, 0);
      folder.name = (char *) sqlite3_column_text (statement, 1);
      folder.separator = (char) sqlite3_column_int (statement, 2);
      folder.role = sqlite3_column_int (statement, 3);
      folder.flags = sqlite3_column_int (statement, 4);
      folder.subscribed = sqlite3_column_int (statement, 5);
      id = folder.path ? casella_store_save_folder (rebuild->store, &folder, error) : 0;
    }
  sqlite3_finalize (statement);
  if (id != 0)
    remember (rebuild->folders, old_id, id);
  return id;
}

static GBytes *
old_body (Rebuild *rebuild,
          gint64   old_id)
{
  sqlite3_stmt *statement = NULL;
  GBytes *raw = NULL;

  if (sqlite3_prepare_v2 (rebuild->old, "SELECT raw FROM bodies WHERE message_id = ?", -1, &statement,
                          NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_int64 (statement, 1, old_id);
  if (sqlite3_step (statement) == SQLITE_ROW)
    raw = g_bytes_new (sqlite3_column_blob (statement, 0), sqlite3_column_bytes (statement, 0));
  sqlite3_finalize (statement);
  return raw;
}

/* One message that lived only here: its row and its body, or nothing. */
static gboolean
carry_message (Rebuild            *rebuild,
               CasellaMessageInfo *info,
               GError            **error)
{
  gint64 old_id = info->id;
  g_autoptr(GBytes) raw = info->has_body ? old_body (rebuild, old_id) : NULL;
  gint64 id;

  info->folder_id = carry_folder (rebuild, info->folder_id, error);
  if (info->folder_id == 0 || (info->has_body && raw == NULL))
    return FALSE;
  id = casella_store_add_message (rebuild->store, info, error);
  if (id <= 0 || (raw != NULL && !casella_store_set_body (rebuild->store, id, raw, error)))
    return FALSE;
  remember (rebuild->messages, old_id, id);
  return TRUE;
}

static guint
old_count (Rebuild    *rebuild,
           const char *sql)
{
  sqlite3_stmt *statement = NULL;
  guint count = 0;

  if (sqlite3_prepare_v2 (rebuild->old, sql, -1, &statement, NULL) == SQLITE_OK &&
      sqlite3_step (statement) == SQLITE_ROW)
    count = sqlite3_column_int (statement, 0);
  sqlite3_finalize (statement);
  return count;
}

#define LOCAL_ONLY "(m.uid IS NULL OR m.folder_id IN (SELECT id FROM folders WHERE (flags & 4) != 0))"

static gboolean
carry_messages (Rebuild  *rebuild,
                GError  **error)
{
  sqlite3_stmt *statement = NULL;
  guint expected = old_count (rebuild, "SELECT count(*) FROM messages m WHERE " LOCAL_ONLY);
  int rc = SQLITE_ERROR;

  if (sqlite3_prepare_v2 (rebuild->old, "SELECT " MESSAGE_COLUMNS " FROM messages m WHERE " LOCAL_ONLY
                                        " ORDER BY id", -1, &statement, NULL) == SQLITE_OK)
    while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
      {
        g_autoptr(CasellaMessageInfo) info = casella_store_message_from_row (statement);
        GError *local = NULL;

        if (carry_message (rebuild, info, &local))
          rebuild->report->carried++;
        else if (local != NULL && local->domain == CASELLA_STORE_ERROR && local->code == CASELLA_STORE_ERROR_FULL)
          {
            /* The new store cannot take it: stop, say so, keep the copy. */
            sqlite3_finalize (statement);
            g_propagate_error (error, local);
            return FALSE;
          }
        else
          g_clear_error (&local);
      }
  sqlite3_finalize (statement);
  /* A damaged page hides what is behind it; the count may be hidden too. */
  rebuild->report->lost = expected > rebuild->report->carried ? expected - rebuild->report->carried : 0;
  rebuild->report->incomplete = rc != SQLITE_DONE;
  return TRUE;
}

/* How far each message in the outbox got comes along: a message the
 * server may have taken is not sent again. */
static void
carry_outbox (Rebuild *rebuild)
{
  sqlite3_stmt *statement = NULL;
  sqlite3_stmt *insert = NULL;

  if (sqlite3_prepare_v2 (rebuild->old, "SELECT message_id, state, hold, attempts, next_attempt, copy_started,"
                                        " last_error, queued FROM outbox", -1, &statement, NULL) != SQLITE_OK ||
      (insert = casella_store_prepare (rebuild->store,
         "INSERT OR REPLACE INTO outbox (message_id, state, hold, attempts, next_attempt, copy_started, last_error,"
         " queued) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", NULL)) == NULL)
    {
      sqlite3_finalize (statement);
      return;
    }
  while (sqlite3_step (statement) == SQLITE_ROW)
    {
      gint64 id = map_id (rebuild->messages, sqlite3_column_int64 (statement, 0));

      if (id == 0)
        continue;
      sqlite3_bind_int64 (insert, 1, id);
      for (int column = 1; column < 8; column++)
        sqlite3_bind_value (insert, column + 1, sqlite3_column_value (statement, column));
      if (casella_store_run (rebuild->store, insert, NULL))
        rebuild->report->outbox++;
    }
  sqlite3_finalize (statement);
}

/* What POP3 already downloaded, for what came along (or was deleted
 * here on purpose): anything else is fetched again if still there. */
static void
carry_pop3_record (Rebuild *rebuild)
{
  sqlite3_stmt *statement = NULL;
  sqlite3_stmt *insert = casella_store_prepare (rebuild->store,
    "INSERT OR IGNORE INTO pop3_seen (uidl, downloaded, deleted_here) SELECT ?1, ?2, ?3"
    " WHERE ?3 != 0 OR EXISTS (SELECT 1 FROM messages WHERE uidl = ?1)", NULL);

  if (insert == NULL || sqlite3_prepare_v2 (rebuild->old, "SELECT uidl, downloaded, deleted_here FROM pop3_seen",
                                            -1, &statement, NULL) != SQLITE_OK)
    {
      sqlite3_finalize (statement);
      return;
    }
  while (sqlite3_step (statement) == SQLITE_ROW)
    {
      for (int column = 0; column < 3; column++)
        sqlite3_bind_value (insert, column + 1, sqlite3_column_value (statement, column));
      casella_store_run (rebuild->store, insert, NULL);
    }
  sqlite3_finalize (statement);
  {
    g_autofree char *protocol = NULL;
    if (sqlite3_prepare_v2 (rebuild->old, "SELECT value FROM meta WHERE key = 'protocol'", -1, &statement,
                            NULL) == SQLITE_OK && sqlite3_step (statement) == SQLITE_ROW)
      protocol = g_strdup ((const char *) sqlite3_column_text (statement, 0));
    sqlite3_finalize (statement);
    if (protocol != NULL)
      casella_store_set_meta (rebuild->store, "protocol", protocol, NULL);
  }
}

static gboolean
carry_over (Rebuild  *rebuild,
            GError  **error)
{
  GHashTableIter iter;
  gpointer value;

  rebuild->report->changes_lost = old_count (rebuild, "SELECT count(*) FROM pending");
  if (!casella_store_begin (rebuild->store, error))
    return FALSE;
  if (!carry_messages (rebuild, error))
    {
      casella_store_rollback (rebuild->store);
      return FALSE;
    }
  carry_outbox (rebuild);
  carry_pop3_record (rebuild);
  g_hash_table_iter_init (&iter, rebuild->folders);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    casella_store_update_counts (rebuild->store, *(gint64 *) value, NULL);
  return casella_store_commit (rebuild->store, error);
}

CasellaStore *
casella_store_rebuild (const char                 *path,
                       CasellaStoreRebuildReport  *report,
                       GError                    **error)
{
  g_autofree char *lock_path = g_strconcat (path, ".lock", NULL);
  g_autoptr(CasellaFileLock) lock = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autoptr(CasellaStore) store = NULL;
  Rebuild rebuild = { NULL };

  memset (report, 0, sizeof *report);
  /* Alone, or not at all: another Casella may be reading it. */
  lock = casella_file_lock_acquire (lock_path, TRUE, FALSE, NULL, NULL);
  if (lock == NULL)
    {
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_BUSY,
                   "The mail store is damaged, and another Casella has it open: close it, then try again");
      return NULL;
    }
  report->kept_as = g_strconcat (path, ".damaged-", stamp, NULL);
  if (!keep_aside (path, report->kept_as, error))
    return NULL;
  {
    /* The note was about the file now kept aside. */
    g_autofree char *note = g_strconcat (path, ".damaged", NULL);
    g_unlink (note);
  }
  g_clear_pointer (&lock, casella_file_lock_release);

  store = casella_store_open (path, error);
  if (store == NULL)
    return NULL;
  if (sqlite3_open_v2 (report->kept_as, &rebuild.old, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    {
      /* Nothing of it can be read: the new store stays empty. */
      report->incomplete = TRUE;
      sqlite3_close (rebuild.old);
      return g_steal_pointer (&store);
    }
  rebuild.store = store;
  rebuild.report = report;
  rebuild.folders = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  rebuild.messages = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  if (!carry_over (&rebuild, error))
    g_clear_object (&store);
  g_hash_table_unref (rebuild.folders);
  g_hash_table_unref (rebuild.messages);
  sqlite3_close (rebuild.old);
  g_debug ("Store %s rebuilt: %u carried over, %u lost%s, %u changes lost; the damaged one is %s", path,
           report->carried, report->lost, report->incomplete ? " (or more)" : "", report->changes_lost,
           report->kept_as);
  return g_steal_pointer (&store);
}
