/* casella-store.c — the SQLite file: opening, migrations, transactions
 *
 * WAL, synchronous=NORMAL (a commit survives the app being killed; only
 * a power cut can take the last ones, and casella_store_flush() closes
 * that window where it matters), foreign keys, a busy timeout so the UI
 * and the sync can share the file, numbered migrations by user_version.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "casella-store-private.h"

G_DEFINE_QUARK (casella-store-error-quark, casella_store_error)
G_DEFINE_FINAL_TYPE (CasellaStore, casella_store, G_TYPE_OBJECT)

enum { SIGNAL_FOLDERS_CHANGED, SIGNAL_FOLDER_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* Each entry moves the schema one version up; never edit a released one. */
static const char *const migrations[] = {
  /* 1: folders, messages, bodies, search, pending work, outbox, POP3 */
  "CREATE TABLE folders ("
  "  id INTEGER PRIMARY KEY,"
  "  path TEXT NOT NULL UNIQUE,"
  "  name TEXT NOT NULL,"
  "  separator INTEGER NOT NULL DEFAULT 0,"
  "  role INTEGER NOT NULL DEFAULT 0,"
  "  flags INTEGER NOT NULL DEFAULT 0,"
  "  subscribed INTEGER NOT NULL DEFAULT 1,"
  "  uidvalidity INTEGER NOT NULL DEFAULT 0,"
  "  uidnext INTEGER NOT NULL DEFAULT 0,"
  "  highestmodseq INTEGER NOT NULL DEFAULT 0,"
  "  total INTEGER NOT NULL DEFAULT 0,"
  "  unread INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE messages ("
  "  id INTEGER PRIMARY KEY,"
  "  folder_id INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,"
  "  uid INTEGER,"                     /* NULL: not on the server (yet) */
  "  uidl TEXT,"
  "  flags INTEGER NOT NULL DEFAULT 0,"
  "  date INTEGER NOT NULL DEFAULT 0,"
  "  from_name TEXT, from_address TEXT, recipients TEXT, cc TEXT,"
  "  subject TEXT, message_id TEXT, in_reply_to TEXT, refs TEXT,"
  "  size INTEGER NOT NULL DEFAULT 0,"
  "  has_attachment INTEGER NOT NULL DEFAULT 0,"
  "  preview TEXT,"
  "  has_body INTEGER NOT NULL DEFAULT 0,"
  "  modseq INTEGER NOT NULL DEFAULT 0,"
  "  UNIQUE (folder_id, uid));"
  "CREATE INDEX messages_by_date ON messages (folder_id, date DESC, id DESC);"
  "CREATE TABLE bodies ("
  "  message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,"
  "  raw BLOB NOT NULL);"
  "CREATE VIRTUAL TABLE search USING fts5 (subject, addresses, body,"
  "  tokenize = 'unicode61 remove_diacritics 2');"
  "CREATE TRIGGER messages_unindex AFTER DELETE ON messages BEGIN"
  "  DELETE FROM search WHERE rowid = old.id;"
  "END;"
  "CREATE TABLE pending ("
  "  id INTEGER PRIMARY KEY,"
  "  kind INTEGER NOT NULL,"
  "  folder_id INTEGER,"
  "  message_id INTEGER,"
  "  arg TEXT,"
  "  undo TEXT,"
  "  created INTEGER NOT NULL);"
  "CREATE TABLE outbox ("
  "  message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  last_error TEXT,"
  "  queued INTEGER NOT NULL);"
  "CREATE TABLE pop3_seen ("
  "  uidl TEXT PRIMARY KEY,"
  "  downloaded INTEGER NOT NULL,"
  "  deleted_here INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE meta ("
  "  key TEXT PRIMARY KEY,"
  "  value TEXT);",
  /* 2: the flags in the date index, so a folder's list (which leaves out
   * what is deleted) is read from the index alone, not 100,000 rows */
  "DROP INDEX messages_by_date;"
  "CREATE INDEX messages_by_date ON messages (folder_id, date DESC, id DESC, flags);",
  /* 3: the outbox remembers how far each message got (never sent twice);
   * a POP3 message is here once whatever the timing (the duplicates two
   * syncs at once could leave go); rows that an unsolicited FETCH left
   * without an envelope go too, so the next sync fetches them whole */
  "ALTER TABLE outbox ADD COLUMN state INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE outbox ADD COLUMN hold INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE outbox ADD COLUMN next_attempt INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE outbox ADD COLUMN copy_started INTEGER NOT NULL DEFAULT 0;"
  "DELETE FROM messages WHERE uidl IS NOT NULL AND id NOT IN"
  "  (SELECT min(id) FROM messages WHERE uidl IS NOT NULL GROUP BY folder_id, uidl);"
  "CREATE UNIQUE INDEX messages_by_uidl ON messages (folder_id, uidl) WHERE uidl IS NOT NULL;"
  "DELETE FROM messages WHERE uid IS NOT NULL AND uidl IS NULL AND date = 0 AND size = 0"
  "  AND subject IS NULL AND from_name IS NULL AND from_address IS NULL AND message_id IS NULL"
  "  AND folder_id IN (SELECT id FROM folders WHERE (flags & 4) = 0);"
  "UPDATE folders SET"
  "  total = (SELECT count(*) FROM messages WHERE folder_id = folders.id AND (flags & 8) = 0),"
  "  unread = (SELECT count(*) FROM messages WHERE folder_id = folders.id AND (flags & 9) = 0);",
  /* 4: the people in the mail, for completing addresses (filled from the
   * mail already here by casella_store_build_contacts) */
  "CREATE TABLE contacts ("
  "  address TEXT PRIMARY KEY COLLATE NOCASE,"
  "  name TEXT NOT NULL DEFAULT '',"
  "  words TEXT NOT NULL,"
  "  sent INTEGER NOT NULL DEFAULT 0,"
  "  received INTEGER NOT NULL DEFAULT 0,"
  "  last INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
  "INSERT INTO meta (key, value) SELECT 'contacts', '1' WHERE NOT EXISTS (SELECT 1 FROM messages);",
  /* 5: certified mail (PEC): what the provider says about a message,
   * and what its row said before it showed the message inside */
  "CREATE TABLE pec ("
  "  message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,"
  "  kind INTEGER NOT NULL,"
  "  ref TEXT, identifier TEXT, provider TEXT,"
  "  certified INTEGER NOT NULL DEFAULT 0, zone TEXT,"
  "  recipients TEXT, delivered_to TEXT, error TEXT, error_detail TEXT, receipt_type TEXT,"
  "  signed INTEGER NOT NULL DEFAULT 0,"
  "  envelope_from_name TEXT, envelope_from_address TEXT, envelope_subject TEXT);"
  "CREATE INDEX pec_by_ref ON pec (ref) WHERE ref IS NOT NULL;",
  /* 6: conversations (casella-store-threads.c): the number in the date
   * index, so a folder's conversations come from the index alone; the
   * links a new message is placed by, Gmail's own conversation among
   * them, indexed (a store with mail is
   * placed once by casella_store_build_threads) */
  "ALTER TABLE messages ADD COLUMN thread INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE messages ADD COLUMN gm_thread INTEGER;"
  "CREATE INDEX messages_by_gm_thread ON messages (gm_thread) WHERE gm_thread IS NOT NULL;"
  "DROP INDEX messages_by_date;"
  "CREATE INDEX messages_by_date ON messages (folder_id, date DESC, id DESC, flags, thread);"
  "CREATE INDEX messages_by_thread ON messages (thread);"
  "CREATE INDEX messages_by_message_id ON messages (message_id) WHERE message_id IS NOT NULL;"
  "CREATE INDEX messages_by_parent ON messages (in_reply_to) WHERE in_reply_to IS NOT NULL;"
  "CREATE INDEX messages_by_subject ON messages (subject, date) WHERE in_reply_to IS NULL;"
  "INSERT INTO meta (key, value) SELECT 'threads', '1' WHERE NOT EXISTS (SELECT 1 FROM messages);",
};

/* ---- errors ---- */

/* Damage seen by any reader is remembered beside the file (not in it:
 * it may not take a write), so the next opener or sync checks it all. */
static char *
damage_note_path (CasellaStore *self)
{
  return g_strconcat (self->path, ".damaged", NULL);
}

static void
note_damage (CasellaStore *self)
{
  g_autofree char *note = self->path ? damage_note_path (self) : NULL;

  if (note != NULL)
    g_file_set_contents (note, "", 0, NULL);
}

static gboolean
damage_noted (CasellaStore *self)
{
  g_autofree char *note = damage_note_path (self);

  return g_file_test (note, G_FILE_TEST_EXISTS);
}

void
casella_store_set_error (CasellaStore  *self,
                         int            code,
                         GError       **error)
{
  const char *message = self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (code);

  switch (code & 0xff)
    {
    case SQLITE_FULL:
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_FULL,
                   "The disk is full: %s", message);
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      note_damage (self);
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_CORRUPT,
                   "The mail store is damaged: %s", message);
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_BUSY,
                   "The mail store is busy: %s", message);
      break;
    default:
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_FAILED,
                   "The mail store failed: %s", message);
    }
}

/* ---- statements ---- */

sqlite3_stmt *
casella_store_prepare (CasellaStore  *self,
                       const char    *sql,
                       GError       **error)
{
  sqlite3_stmt *statement = g_hash_table_lookup (self->statements, sql);
  int rc;

  if (statement != NULL)
    {
      sqlite3_reset (statement);
      sqlite3_clear_bindings (statement);
      return statement;
    }
  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, NULL);
  if (rc != SQLITE_OK)
    {
      casella_store_set_error (self, rc, error);
      return NULL;
    }
  /* Its own copy: some texts are built in a buffer that does not last. */
  g_hash_table_insert (self->statements, g_strdup (sql), statement);
  return statement;
}

gboolean
casella_store_run (CasellaStore  *self,
                   sqlite3_stmt  *statement,
                   GError       **error)
{
  int rc;

  if (statement == NULL)
    return FALSE;
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    ;
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

gboolean
casella_store_exec (CasellaStore  *self,
                    const char    *sql,
                    GError       **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      casella_store_set_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

void
casella_store_bind_text (sqlite3_stmt *statement,
                         int           index,
                         const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (statement, index);
  else
    sqlite3_bind_text (statement, index, text, -1, SQLITE_TRANSIENT);
}

char *
casella_store_column_text (sqlite3_stmt *statement,
                           int           column)
{
  const unsigned char *text = sqlite3_column_text (statement, column);

  return text ? g_strdup ((const char *) text) : NULL;
}

/* ---- transactions and change notices ---- */

void
casella_store_mark_changed (CasellaStore *self,
                            gint64        folder_id)
{
  g_hash_table_add (self->changed, g_memdup2 (&folder_id, sizeof folder_id));
}

void
casella_store_mark_folders_changed (CasellaStore *self)
{
  self->folders_changed = TRUE;
}

void
casella_store_emit_changes (CasellaStore *self)
{
  g_autoptr(GList) ids = NULL;
  gboolean folders = self->folders_changed;

  if (self->depth > 0)
    return;
  ids = g_hash_table_get_keys (self->changed);
  self->folders_changed = FALSE;
  g_hash_table_steal_all (self->changed);
  for (GList *l = ids; l; l = l->next)
    {
      g_signal_emit (self, signals[SIGNAL_FOLDER_CHANGED], 0, *(gint64 *) l->data);
      g_free (l->data);
    }
  if (folders)
    g_signal_emit (self, signals[SIGNAL_FOLDERS_CHANGED], 0);
}

/* Another connection (the sync, on its thread) changed the file: tell
 * this one's listeners. */
void
casella_store_notify_folder_changed (CasellaStore *self,
                                     gint64        folder_id)
{
  g_return_if_fail (CASELLA_IS_STORE (self));

  casella_store_mark_changed (self, folder_id);
  casella_store_emit_changes (self);
}

void
casella_store_notify_folders_changed (CasellaStore *self)
{
  g_return_if_fail (CASELLA_IS_STORE (self));

  casella_store_mark_folders_changed (self);
  casella_store_emit_changes (self);
}

/* The outermost level is a transaction, each inner one a savepoint: an
 * inner step that fails undoes only itself. */
gboolean
casella_store_begin (CasellaStore  *self,
                     GError       **error)
{
  g_autofree char *savepoint = NULL;

  g_return_val_if_fail (CASELLA_IS_STORE (self), FALSE);

  /* Inside a bulk transaction the inner levels are counted only. */
  if (self->depth > 0 && self->bulk)
    {
      self->depth++;
      return TRUE;
    }
  /* IMMEDIATE: take the write lock now, not halfway through. */
  savepoint = self->depth > 0 ? g_strdup_printf ("SAVEPOINT level%d", self->depth) : NULL;
  if (!casella_store_exec (self, savepoint ? savepoint : "BEGIN IMMEDIATE", error))
    return FALSE;
  self->depth++;
  return TRUE;
}

/* Each SAVEPOINT and RELEASE makes the search index write out what it
 * holds (FTS5's xSavepoint): thousands of small writes in a big batch.
 * A bulk transaction has no savepoints; a step that fails spoils the
 * whole of it, and its commit then rolls everything back. */
gboolean
casella_store_begin_bulk (CasellaStore  *self,
                          GError       **error)
{
  g_return_val_if_fail (CASELLA_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->depth == 0, FALSE);

  /* Each checkpoint syncs the WAL and the file to disk: every 4 MB (the
   * default) a sync of 10,000 messages waited on some twenty of them.
   * A connection that writes in bulk lets the WAL grow to 64 MB first,
   * and leaves it when it closes: the checkpoint on close cost a sync
   * about 40% of its CPU (the kernel writing back in fdatasync), and
   * the next writer's checkpoint does it in the background. Nothing is
   * risked: the WAL alone keeps the file whole, and what a power cut
   * could take back is mail still on the server (POP3 flushes before it
   * deletes, casella_store_flush). */
  if (!self->bulk_wal && (!casella_store_exec (self, "PRAGMA wal_autocheckpoint = 16384", error) ||
                          sqlite3_db_config (self->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL) != SQLITE_OK))
    return FALSE;
  self->bulk_wal = TRUE;
  if (!casella_store_begin (self, error))
    return FALSE;
  self->bulk = TRUE;
  self->bulk_spoiled = FALSE;
  return TRUE;
}

static void
forget_changes (CasellaStore *self)
{
  g_hash_table_remove_all (self->changed);
  self->folders_changed = FALSE;
}

gboolean
casella_store_commit (CasellaStore  *self,
                      GError       **error)
{
  g_return_val_if_fail (CASELLA_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->depth > 0, FALSE);

  if (self->depth > 1 && self->bulk)
    {
      self->depth--;
      return TRUE;
    }
  if (self->depth > 1)
    {
      g_autofree char *release = g_strdup_printf ("RELEASE level%d", self->depth - 1);

      if (!casella_store_exec (self, release, error))
        return FALSE;
      self->depth--;
      return TRUE;
    }
  if (self->bulk && self->bulk_spoiled)
    {
      casella_store_rollback_all (self);
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_FAILED, "A step of the batch failed: nothing kept");
      return FALSE;
    }
  if (self->bulk && (!casella_store_index_flush (self, error) || !casella_store_contacts_flush (self, error)))
    {
      casella_store_rollback_all (self);
      return FALSE;
    }
  self->depth = 0;
  self->bulk = FALSE;
  if (!casella_store_exec (self, "COMMIT", error))
    {
      casella_store_exec (self, "ROLLBACK", NULL);
      forget_changes (self);
      return FALSE;
    }
  casella_store_emit_changes (self);
  return TRUE;
}

void
casella_store_rollback (CasellaStore *self)
{
  g_return_if_fail (CASELLA_IS_STORE (self));

  if (self->depth == 0)
    return;
  if (self->depth > 1 && self->bulk)
    {
      self->bulk_spoiled = TRUE;
      self->depth--;
      return;
    }
  if (self->depth > 1)
    {
      /* Notices already marked stay: one too many is harmless. */
      g_autofree char *undo = g_strdup_printf ("ROLLBACK TO level%d; RELEASE level%d", self->depth - 1,
                                               self->depth - 1);
      self->depth--;
      casella_store_exec (self, undo, NULL);
      return;
    }
  casella_store_rollback_all (self);
}

void
casella_store_rollback_all (CasellaStore *self)
{
  g_return_if_fail (CASELLA_IS_STORE (self));

  if (self->depth == 0)
    return;
  self->depth = 0;
  self->bulk = FALSE;
  casella_store_index_forget (self);
  casella_store_contacts_forget (self);
  casella_store_exec (self, "ROLLBACK", NULL);
  forget_changes (self);
}

/* A full checkpoint writes the WAL into the database and syncs it. */
gboolean
casella_store_flush (CasellaStore  *self,
                     GError       **error)
{
  int rc = sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_FULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      casella_store_set_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

gboolean
casella_store_check_integrity (CasellaStore  *self,
                               GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "PRAGMA integrity_check", error);
  g_autofree char *answer = NULL;

  if (statement == NULL)
    return FALSE;
  if (sqlite3_step (statement) == SQLITE_ROW)
    answer = casella_store_column_text (statement, 0);
  sqlite3_reset (statement);
  if (g_strcmp0 (answer, "ok") != 0)
    {
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_CORRUPT,
                   "The mail store is damaged: %s", answer ? answer : "no answer");
      return FALSE;
    }
  return TRUE;
}

static gboolean quick_check (CasellaStore *self, GError **error);

gboolean
casella_store_check_if_due (CasellaStore  *self,
                            GError       **error)
{
  g_autofree char *last = casella_store_get_meta (self, "checked");
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *stamp = g_strdup_printf ("%" G_GINT64_FORMAT, now);

  if (last != NULL && now - g_ascii_strtoll (last, NULL, 10) < 86400 && !damage_noted (self))
    return TRUE;
  return quick_check (self, error) && casella_store_set_meta (self, "checked", stamp, error);
}

/* ---- small facts about the store ---- */

char *
casella_store_get_meta (CasellaStore *self,
                        const char   *key)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "SELECT value FROM meta WHERE key = ?", NULL);
  char *value = NULL;

  if (statement == NULL)
    return NULL;
  casella_store_bind_text (statement, 1, key);
  if (sqlite3_step (statement) == SQLITE_ROW)
    value = casella_store_column_text (statement, 0);
  sqlite3_reset (statement);
  return value;
}

gboolean
casella_store_set_meta (CasellaStore  *self,
                        const char    *key,
                        const char    *value,
                        GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                                   error);

  if (statement == NULL)
    return FALSE;
  casella_store_bind_text (statement, 1, key);
  casella_store_bind_text (statement, 2, value);
  return casella_store_run (self, statement, error);
}

/* ---- opening ---- */

int
casella_store_get_version (CasellaStore *self)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "PRAGMA user_version", NULL);
  int version = 0;

  if (statement != NULL && sqlite3_step (statement) == SQLITE_ROW)
    version = sqlite3_column_int (statement, 0);
  if (statement != NULL)
    sqlite3_reset (statement);
  return version;
}

static gboolean
migrate_locked (CasellaStore  *self,
                GError       **error)
{
  int version = casella_store_get_version (self);

  if (version > (int) G_N_ELEMENTS (migrations))
    {
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_TOO_NEW,
                   "The mail store was made by a newer Casella (version %d)", version);
      return FALSE;
    }
  g_debug ("Store %s: from version %d to %d", self->path, version, (int) G_N_ELEMENTS (migrations));
  for (int v = version; v < (int) G_N_ELEMENTS (migrations); v++)
    {
      g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d", v + 1);

      if (!casella_store_exec (self, migrations[v], error) || !casella_store_exec (self, bump, error))
        return FALSE;
    }
  return TRUE;
}

/* The version is read with the write lock held: of two processes opening
 * a new store at once, the second waits and then finds it made. The
 * steps and their version numbers land together, or none of them. */
static gboolean
migrate (CasellaStore  *self,
         GError       **error)
{
  if (casella_store_get_version (self) == (int) G_N_ELEMENTS (migrations))
    return TRUE;
  if (!casella_store_begin (self, error))
    return FALSE;
  if (!migrate_locked (self, error))
    {
      casella_store_rollback (self);
      return FALSE;
    }
  return casella_store_commit (self, error);
}

#define BUSY_TIMEOUT_US (5 * G_USEC_PER_SEC)

/* The lock is another connection's (a sync's batch): try again every
 * millisecond. SQLite's own wait sleeps longer each time, up to 100 ms,
 * so a write from the window missed the short gaps between batches and
 * waited behind batch after batch (bench store-wait: 230 ms median). */
static int
on_busy (void *data,
         int   tries)
{
  CasellaStore *self = data;
  gint64 now = g_get_monotonic_time ();

  if (tries == 0)
    self->busy_since = now;
  if (now - self->busy_since >= BUSY_TIMEOUT_US)
    return 0;
  g_usleep (1000);
  return 1;
}

static gboolean
configure (CasellaStore  *self,
           GError       **error)
{
  sqlite3_busy_handler (self->db, on_busy, self);
  /* synchronous first: a new file's switch to WAL is written under it. */
  return casella_store_exec (self,
                             "PRAGMA synchronous = NORMAL;"
                             "PRAGMA journal_mode = WAL;"
                             "PRAGMA foreign_keys = ON;"
                             "PRAGMA temp_store = MEMORY;", error);
}

/* After a clean close the last connection removes the WAL; one left
 * with frames in it, found by the only opener, means a crash, unless a
 * bulk writer left it on purpose and nothing wrote to it since (the note
 * beside it holds the WAL's size and time as it was left). */
static char *
wal_note (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  GStatBuf st;

  if (g_stat (wal, &st) != 0 || st.st_size == 0)
    return NULL;
  return g_strdup_printf ("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT ".%09ld", (gint64) st.st_size,
                          (gint64) st.st_mtim.tv_sec, (long) st.st_mtim.tv_nsec);
}

static gboolean
left_unclean (const char *path)
{
  g_autofree char *kept = g_strconcat (path, ".wal-kept", NULL);
  g_autofree char *now = wal_note (path);
  g_autofree char *then = NULL;
  gboolean unclean = now != NULL && !(g_file_get_contents (kept, &then, NULL, NULL) && g_str_equal (then, now));

  g_unlink (kept);
  return unclean;
}

static void
note_wal_kept (const char *path)
{
  g_autofree char *kept = g_strconcat (path, ".wal-kept", NULL);
  g_autofree char *now = wal_note (path);

  if (now != NULL)
    g_file_set_contents (kept, now, -1, NULL);
}

static gboolean
quick_check (CasellaStore  *self,
             GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "PRAGMA quick_check", error);
  g_autofree char *answer = NULL;
  int rc;

  if (statement == NULL)
    return FALSE;
  rc = sqlite3_step (statement);
  if (rc == SQLITE_ROW)
    answer = casella_store_column_text (statement, 0);
  sqlite3_reset (statement);
  self->checked = TRUE;
  if (rc != SQLITE_ROW)
    {
      casella_store_set_error (self, rc, error);
      return FALSE;
    }
  if (g_strcmp0 (answer, "ok") != 0)
    {
      note_damage (self);
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_CORRUPT, "The mail store is damaged: %s", answer);
      return FALSE;
    }
  {
    /* Checked whole and sound: what was noted is done with. */
    g_autofree char *note = damage_note_path (self);
    g_unlink (note);
  }
  return TRUE;
}

/* SQLite counts every allocation under a global mutex by default; the
 * counts are never read here, and the locking was 6% of a sync's CPU. */
static void
configure_sqlite (void)
{
  static gsize configured;

  if (g_once_init_enter (&configured))
    {
      sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);   /* too late once initialised: then it stays */
      g_once_init_leave (&configured, 1);
    }
}

/* The first opener (alone on the open lock) sets the file up, and looks
 * for damage after a crash; the others wait for it, then share. */
static gboolean
open_locked (CasellaStore  *self,
             GError       **error)
{
  g_autofree char *lock_path = g_strconcat (self->path, ".lock", NULL);
  gboolean first;
  int rc;

  self->open_lock = casella_file_lock_acquire (lock_path, TRUE, FALSE, NULL, NULL);
  first = self->open_lock != NULL;
  if (!first && (self->open_lock = casella_file_lock_acquire (lock_path, FALSE, TRUE, NULL, error)) == NULL)
    return FALSE;
  configure_sqlite ();
  rc = sqlite3_open_v2 (self->path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      casella_store_set_error (self, rc, error);
      return FALSE;
    }
  sqlite3_extended_result_codes (self->db, 1);
  if ((first && (left_unclean (self->path) || damage_noted (self)) && !quick_check (self, error)) ||
      !configure (self, error) || !migrate (self, error))
    return FALSE;
  if (first)
    casella_file_lock_downgrade (self->open_lock);
  g_debug ("Store %s: open%s%s", self->path, first ? ", the first" : "", self->checked ? ", checked after a crash" : "");
  return TRUE;
}

CasellaStore *
casella_store_open (const char  *path,
                    GError     **error)
{
  g_autoptr(CasellaStore) self = g_object_new (CASELLA_TYPE_STORE, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_return_val_if_fail (path != NULL, NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot create %s: %s", dir, g_strerror (saved));
      return NULL;
    }
  self->path = g_strdup (path);
  if (!open_locked (self, error))
    return NULL;
  casella_store_get_pec_mode (self);
  return g_steal_pointer (&self);
}

CasellaFileLock *
casella_store_lock (CasellaStore  *self,
                    const char    *name,
                    gboolean       wait,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autofree char *file = g_strconcat (name, ".lock", NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);

  return casella_file_lock_acquire (path, TRUE, wait, cancellable, error);
}

gboolean
casella_store_was_checked (CasellaStore *self)
{
  return self->checked;
}

const char *
casella_store_get_path (CasellaStore *self)
{
  g_return_val_if_fail (CASELLA_IS_STORE (self), NULL);

  return self->path;
}

char *
casella_store_path_for_account (const char *account_id)
{
  return g_build_filename (g_get_user_data_dir (), "casella", account_id, "mail.db", NULL);
}

/* An account removed: its mail goes too (the file and WAL beside it). */
gboolean
casella_store_delete_for_account (const char  *account_id,
                                  GError     **error)
{
  g_autofree char *path = casella_store_path_for_account (account_id);
  g_autofree char *dir = g_path_get_dirname (path);
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal", ".lock", ".damaged", ".wal-kept" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
      if (g_unlink (file) != 0 && errno != ENOENT)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot delete %s: %s", file,
                       g_strerror (saved));
          return FALSE;
        }
    }
  g_rmdir (dir);
  return TRUE;
}

static void
casella_store_finalize (GObject *object)
{
  CasellaStore *self = CASELLA_STORE (object);

  g_hash_table_unref (self->statements);   /* finalizes the statements */
  if (self->db != NULL && sqlite3_close (self->db) == SQLITE_OK && self->bulk_wal)
    note_wal_kept (self->path);
  casella_file_lock_release (self->open_lock);
  g_hash_table_unref (self->changed);
  g_ptr_array_unref (self->index_writes);
  casella_store_contacts_forget (self);
  g_hash_table_unref (self->index_by_row);
  g_free (self->path);

  G_OBJECT_CLASS (casella_store_parent_class)->finalize (object);
}

static void
casella_store_class_init (CasellaStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = casella_store_finalize;

  /* Folders were added, removed or renamed. */
  signals[SIGNAL_FOLDERS_CHANGED] = g_signal_new ("folders-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A folder's messages or counts changed (gint64 folder id). */
  signals[SIGNAL_FOLDER_CHANGED] = g_signal_new ("folder-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
finalize_statement (gpointer statement)
{
  sqlite3_finalize (statement);
}

static void
casella_store_init (CasellaStore *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_statement);
  self->changed = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->index_writes = g_ptr_array_new_with_free_func (casella_store_index_write_free);
  self->index_by_row = g_hash_table_new (g_int64_hash, g_int64_equal);
}
