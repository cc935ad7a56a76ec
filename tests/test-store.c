/* test-store.c — the SQLite store on its own: migrations, folders,
 * messages, bodies, search, pending work, the outbox, the POP3 record,
 * the text of a message, and a disk that fills up mid-write
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE   /* unshare () */
#include <errno.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <sys/mount.h>

#include "casella-engine.h"
#include "casella-folder-list.h"
#include "casella-message-list.h"
#include "casella-gmime.h"
#include "casella-message-compose.h"
#include "casella-message-text.h"
#include "casella-export.h"
#include "casella-merged-list.h"
#include "casella-store.h"
#include "casella-store-actions.h"
#include "casella-store-private.h"
#include "casella-store-queue.h"
#include "casella-test-util.h"

typedef struct {
  char         *dir;
  CasellaStore *store;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  fixture->dir = casella_test_make_tmpdir ("casella-store");
  path = g_build_filename (fixture->dir, "account", "mail.db", NULL);
  fixture->store = casella_store_open (path, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->store);
  casella_test_rm_rf (fixture->dir);
  g_free (fixture->dir);
}

static gint64
add_folder (CasellaStore      *store,
            const char        *path,
            CasellaFolderRole  role)
{
  CasellaStoreFolder folder = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 id;

  folder.path = (char *) path;
  folder.separator = '/';
  folder.role = role;
  folder.subscribed = TRUE;
  folder.uidvalidity = 7;
  id = casella_store_save_folder (store, &folder, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static gint64
add_message (CasellaStore *store,
             gint64        folder_id,
             guint32       uid,
             gint64        date,
             const char   *subject,
             const char   *from)
{
  CasellaMessageInfo info = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 id;

  info.folder_id = folder_id;
  info.uid = uid;
  info.date = date;
  info.subject = (char *) subject;
  info.from_name = (char *) from;
  info.from_address = (char *) "someone@example.test";
  info.size = 1000;
  id = casella_store_add_message (store, &info, &error);
  g_assert_no_error (error);
  return id;
}

/* ---- schema ---- */

static void
test_migrations (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = g_strdup (casella_store_get_path (fixture->store));
  g_autoptr(GError) error = NULL;
  CasellaStore *again;
  sqlite3 *db;

  g_assert_cmpint (casella_store_get_version (fixture->store), ==, 6);
  g_assert_true (casella_store_check_integrity (fixture->store, &error));
  g_clear_object (&fixture->store);

  /* Opening again changes nothing. */
  again = casella_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (casella_store_get_version (again), ==, 6);
  g_object_unref (again);

  /* A store of version 1 (its date index without the flags, none of
   * version 3), with what older versions could leave behind: a POP3
   * message stored twice by two syncs at once, and an IMAP row that an
   * unsolicited FETCH left without its envelope. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP INDEX messages_by_date;"
                                     "CREATE INDEX messages_by_date ON messages (folder_id, date DESC, id DESC);"
                                     "DROP INDEX messages_by_uidl;"
                                     "ALTER TABLE outbox DROP COLUMN state;"
                                     "ALTER TABLE outbox DROP COLUMN hold;"
                                     "ALTER TABLE outbox DROP COLUMN next_attempt;"
                                     "ALTER TABLE outbox DROP COLUMN copy_started;"
                                     "DROP TABLE contacts;"
                                     "DROP TABLE pec;"
                                     "DROP INDEX messages_by_thread;"
                                     "DROP INDEX messages_by_message_id;"
                                     "DROP INDEX messages_by_parent;"
                                     "DROP INDEX messages_by_subject;"
                                     "DROP INDEX messages_by_gm_thread;"
                                     "ALTER TABLE messages DROP COLUMN thread;"
                                     "ALTER TABLE messages DROP COLUMN gm_thread;"
                                     "DELETE FROM meta WHERE key IN ('contacts', 'threads');"
                                     "INSERT INTO folders (id, path, name, flags) VALUES (1, 'INBOX', 'INBOX', 4);"
                                     "INSERT INTO folders (id, path, name, flags) VALUES (2, 'Work', 'Work', 0);"
                                     "INSERT INTO messages (folder_id, uid, uidl, date, subject, size)"
                                     "  VALUES (1, 1, 'u1', 100, 'once', 10), (1, 2, 'u1', 100, 'once', 10),"
                                     "         (1, 3, 'u2', 200, 'two', 10);"
                                     "INSERT INTO messages (folder_id, uid, date, subject, size)"
                                     "  VALUES (2, 7, 300, 'whole', 10);"
                                     "INSERT INTO messages (folder_id, uid, flags) VALUES (2, 8, 1);"
                                     "PRAGMA user_version = 1", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  again = casella_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (casella_store_get_version (again), ==, 6);
  g_assert_true (casella_store_check_integrity (again, &error));
  {
    g_autoptr(GArray) pop3 = casella_store_list_uids (again, 1, &error);
    g_autoptr(GArray) imap = casella_store_list_uids (again, 2, &error);
    g_autoptr(CasellaStoreFolder) inbox = casella_store_get_folder (again, 1);

    g_assert_cmpuint (pop3->len, ==, 2);          /* u1 once, u2 */
    g_assert_cmpuint (imap->len, ==, 1);          /* the blank row went: the next sync fetches it whole */
    g_assert_cmpuint (g_array_index (imap, guint32, 0), ==, 7);
    g_assert_cmpuint (inbox->total, ==, 2);
    /* The mail already there is placed in conversations, once. */
    g_autoptr(CasellaMessageInfo) whole = NULL;
    g_autoptr(GArray) listed = NULL;
    g_assert_true (casella_store_build_threads (again, &error));
    g_assert_no_error (error);
    listed = casella_store_list_message_ids (again, 2, NULL, &error);
    whole = casella_store_get_message (again, g_array_index (listed, gint64, 0));
    g_assert_cmpint (whole->thread, >, 0);
  }
  g_object_unref (again);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  {
    sqlite3_stmt *statement = NULL;
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT sql FROM sqlite_master WHERE name = 'messages_by_date'", -1,
                                         &statement, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (statement), ==, SQLITE_ROW);
    g_assert_nonnull (strstr ((const char *) sqlite3_column_text (statement, 0), "flags"));
    sqlite3_finalize (statement);
    /* A second copy of a POP3 message cannot be stored, whatever asks. */
    g_assert_cmpint (sqlite3_exec (db, "INSERT INTO messages (folder_id, uid, uidl) VALUES (1, 9, 'u2')",
                                   NULL, NULL, NULL), ==, SQLITE_CONSTRAINT);
  }
  sqlite3_close (db);

  /* A store from a newer Casella is refused, not damaged. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_null (casella_store_open (path, &error));
  g_assert_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_TOO_NEW);
}

/* ---- conversations ---- */

static gint64
add_linked (CasellaStore *store,
            gint64        folder_id,
            guint32       uid,
            gint64        date,
            const char   *subject,
            const char   *from,
            const char   *message_id,
            const char   *in_reply_to,
            const char   *references,
            gboolean      seen)
{
  CasellaMessageInfo info = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 id;

  info.folder_id = folder_id;
  info.uid = uid;
  info.date = date;
  info.subject = (char *) subject;
  info.from_name = (char *) from;
  info.from_address = (char *) "someone@example.test";
  info.message_id = (char *) message_id;
  info.in_reply_to = (char *) in_reply_to;
  info.references = (char *) references;
  info.flags = seen ? CASELLA_MESSAGE_SEEN : 0;
  info.size = 1000;
  id = casella_store_add_message (store, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static gint64
thread_of_message (CasellaStore *store,
                   gint64        id)
{
  g_autoptr(CasellaMessageInfo) info = casella_store_get_message (store, id);

  g_assert_nonnull (info);
  return info->thread;
}

#define DAY (24 * 3600)

/* A conversation of 12 messages over Inbox, Sent and Archive, added out
 * of order (answers before what they answer), one answer linked by its
 * subject only, a copy of one message in a second folder; beside it a
 * conversation partly in the bin, and look-alikes that must stay apart. */
static void
test_conversations (Fixture       *fixture,
                    gconstpointer  data)
{
  CasellaStore *store = fixture->store;
  gint64 inbox = add_folder (store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  gint64 sent = add_folder (store, "Sent", CASELLA_FOLDER_ROLE_SENT);
  gint64 archive = add_folder (store, "Archive", CASELLA_FOLDER_ROLE_ARCHIVE);
  gint64 trash = add_folder (store, "Trash", CASELLA_FOLDER_ROLE_TRASH);
  const gint64 folders[3] = { inbox, sent, archive };
  const char *const people[4] = { "Anna", NULL, "Marco", "Luca" };
  const guint order[12] = { 0, 2, 1, 5, 4, 3, 6, 8, 7, 9, 11, 10 };
  gint64 ids[12], copy, b1, b2, b3, alike, late, thread;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = NULL, threads = NULL, in_inbox = NULL;
  g_autoptr(GHashTable) summaries = NULL;
  g_autoptr(GPtrArray) stacked = NULL;
  CasellaThreadSummary *summary;
  guint32 uid = 1;

  /* Each answers the one before; the folder goes Inbox, Sent, Archive. */
  for (guint k = 0; k < 12; k++)
    {
      guint i = order[k];
      g_autofree char *id = g_strdup_printf ("cena-%u@example.test", i);
      g_autofree char *parent = i > 0 ? g_strdup_printf ("<cena-%u@example.test>", i - 1) : NULL;
      g_autoptr(GString) refs = g_string_new (NULL);

      for (guint j = 0; j < i; j++)
        g_string_append_printf (refs, "%s<cena-%u@example.test>", j ? " " : "", j);
      /* Number 10 comes from a client that keeps only the subject. */
      ids[i] = add_linked (store, folders[i % 3], uid++, 1000 * DAY + i * 3600,
                           i == 0 ? "Cena di venerdì" : i == 10 ? "R: Cena di venerdì" : "Re: Cena di venerdì",
                           folders[i % 3] == sent ? "Io" : people[i % 4] ? people[i % 4] : "Anna", id,
                           i == 10 ? NULL : parent, i == 10 ? NULL : refs->str, i < 9);
    }
  copy = add_linked (store, archive, uid++, 1000 * DAY, "Cena di venerdì", "Anna", "cena-0@example.test", NULL, NULL, TRUE);

  thread = thread_of_message (store, ids[0]);
  for (guint i = 0; i < 12; i++)
    g_assert_cmpint (thread_of_message (store, ids[i]), ==, thread);
  g_assert_cmpint (thread_of_message (store, copy), ==, thread);

  b1 = add_linked (store, inbox, uid++, 1001 * DAY, "Preventivo", "Ditta", "prev-1@example.test", NULL, NULL, TRUE);
  b2 = add_linked (store, sent, uid++, 1001 * DAY + 60, "Re: Preventivo", "Io", "prev-2@example.test",
                   "<prev-1@example.test>", "<prev-1@example.test>", TRUE);
  b3 = add_linked (store, trash, uid++, 1001 * DAY + 120, "Re: Preventivo", "Ditta", "prev-3@example.test",
                   "<prev-2@example.test>", "<prev-1@example.test> <prev-2@example.test>", TRUE);
  g_assert_cmpint (thread_of_message (store, b3), ==, thread_of_message (store, b1));
  g_assert_cmpint (thread_of_message (store, b1), !=, thread);
  /* The same subject without "Re:", and "Re:" half a year later: apart. */
  alike = add_linked (store, inbox, uid++, 1000 * DAY + 7200, "Cena di venerdì", "Zia", "zia@example.test",
                      NULL, NULL, TRUE);
  late = add_linked (store, inbox, uid++, 1200 * DAY, "Re: Cena di venerdì", "Zia", "zia-2@example.test",
                     NULL, NULL, TRUE);
  g_assert_cmpint (thread_of_message (store, alike), !=, thread);
  g_assert_cmpint (thread_of_message (store, late), !=, thread);
  g_assert_cmpint (thread_of_message (store, late), !=, thread_of_message (store, alike));
  /* Gmail says which conversation: no header needed. */
  {
    CasellaMessageInfo info = { .folder_id = sent, .uid = uid++, .date = 1300 * DAY, .subject = (char *) "Biglietti",
                                .message_id = (char *) "gm-1@example.test", .gm_thread = 777 };
    gint64 first = casella_store_add_message (store, &info, &error), second;

    info.uid = uid++;
    info.subject = (char *) "Ecco i biglietti";
    info.message_id = (char *) "gm-2@example.test";
    second = casella_store_add_message (store, &info, &error);
    g_assert_no_error (error);
    g_assert_cmpint (thread_of_message (store, first), ==, thread_of_message (store, second));
    g_assert_cmpint (thread_of_message (store, first), !=, thread);
  }

  /* A draft answer is part of its conversation in Drafts only. */
  {
    gint64 drafts = add_folder (store, "Drafts", CASELLA_FOLDER_ROLE_DRAFTS);
    gint64 draft = add_linked (store, drafts, uid++, 1001 * DAY + 300, "Re: Preventivo", "Io", "prev-4@example.test",
                               "<prev-2@example.test>", "<prev-1@example.test> <prev-2@example.test>", TRUE);
    gint64 in_drafts = thread_of_message (store, draft);

    g_assert_true (casella_store_set_flags (store, draft, CASELLA_MESSAGE_SEEN | CASELLA_MESSAGE_DRAFT, 0, &error));
    g_assert_cmpint (in_drafts, ==, thread_of_message (store, b1));
    stacked = casella_store_list_thread (store, in_drafts, drafts, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (stacked->len, ==, 3);
    g_assert_cmpint (((CasellaMessageInfo *) stacked->pdata[2])->id, ==, draft);
    g_clear_pointer (&stacked, g_ptr_array_unref);
    stacked = casella_store_list_thread (store, in_drafts, inbox, &error);
    g_assert_cmpuint (stacked->len, ==, 2);
    g_clear_pointer (&stacked, g_ptr_array_unref);
  }

  /* The Inbox: one row a conversation, by its newest message there. */
  rows = casella_store_list_conversation_ids (store, inbox, NULL, &threads, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 4);
  g_assert_cmpint (g_array_index (rows, gint64, 0), ==, late);
  g_assert_cmpint (g_array_index (rows, gint64, 1), ==, b1);
  g_assert_cmpint (g_array_index (rows, gint64, 2), ==, ids[9]);
  g_assert_cmpint (g_array_index (rows, gint64, 3), ==, alike);
  g_assert_cmpint (g_array_index (threads, gint64, 2), ==, thread);

  summaries = casella_store_get_thread_summaries (store, (gint64 *) threads->data, threads->len, inbox, &error);
  g_assert_no_error (error);
  summary = g_hash_table_lookup (summaries, &thread);
  g_assert_cmpuint (summary->count, ==, 12);     /* the copy is the same message */
  g_assert_cmpuint (summary->unread, ==, 3);
  g_assert_cmpint (summary->newest, ==, 1000 * DAY + 11 * 3600);
  g_assert_cmpuint (g_strv_length (summary->people), ==, 4);
  g_assert_cmpstr (summary->people[0], ==, "Anna");
  g_assert_cmpstr (summary->people[1], ==, "");   /* the account itself, from Sent */
  g_assert_cmpstr (summary->people[2], ==, "Marco");
  g_assert_cmpstr (summary->people[3], ==, "Luca");
  /* What is in the bin is not part of the conversation in the Inbox. */
  summary = g_hash_table_lookup (summaries, &g_array_index (threads, gint64, 1));
  g_assert_cmpuint (summary->count, ==, 2);
  g_clear_pointer (&summaries, g_hash_table_unref);
  {
    gint64 in_bin = thread_of_message (store, b3);
    summaries = casella_store_get_thread_summaries (store, &in_bin, 1, trash, &error);
    g_assert_cmpuint (((CasellaThreadSummary *) g_hash_table_lookup (summaries, &in_bin))->count, ==, 3);
  }

  /* The reader's stack: oldest first, each message once, the copy here. */
  stacked = casella_store_list_thread (store, thread, inbox, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stacked->len, ==, 12);
  for (guint i = 0; i < 12; i++)
    g_assert_cmpint (((CasellaMessageInfo *) stacked->pdata[i])->id, ==, ids[i]);
  g_clear_pointer (&stacked, g_ptr_array_unref);
  stacked = casella_store_list_thread (store, thread, archive, &error);
  g_assert_cmpint (((CasellaMessageInfo *) stacked->pdata[0])->id, ==, copy);

  /* The list of conversations, as the window shows it. */
  {
    g_autoptr(CasellaMessageList) list = casella_message_list_new (store, inbox, NULL);
    g_autoptr(CasellaMessageItem) item = NULL;
    g_autoptr(GArray) row = g_array_new (FALSE, FALSE, sizeof (gint64));
    g_autoptr(GArray) taken = NULL;

    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 7);
    casella_message_list_set_conversations (list, TRUE);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 4);
    item = g_list_model_get_item (G_LIST_MODEL (list), 2);
    g_assert_cmpint (casella_message_item_get_id (item), ==, ids[9]);
    g_assert_cmpuint (casella_message_item_get_count (item), ==, 12);
    g_assert_cmpstr (casella_message_item_get_people (item)[2], ==, "Marco");
    g_assert_true (casella_message_item_get_unread (item));
    g_clear_object (&item);
    item = g_list_model_get_item (G_LIST_MODEL (list), 3);
    g_assert_cmpuint (casella_message_item_get_count (item), ==, 1);
    /* A message of the conversation finds its row; the row stands for
     * all of the conversation's messages here. */
    g_assert_cmpint (casella_message_list_find (list, ids[3]), ==, 2);
    g_array_append_val (row, ids[9]);
    taken = casella_message_list_expand (list, row);
    g_assert_cmpuint (taken->len, ==, 4);
    casella_message_list_hide (list, taken);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
    casella_message_list_unhide (list, taken);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 4);
    casella_message_list_set_conversations (list, FALSE);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 7);
  }

  /* Acting on the conversation in the Inbox takes its 4 messages there. */
  in_inbox = casella_store_list_thread_ids (store, inbox, &thread, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (in_inbox->len, ==, 4);
  for (guint i = 0; i < in_inbox->len; i++)
    g_assert_true (casella_store_move_message (store, g_array_index (in_inbox, gint64, i), archive, 0, &error));
  g_clear_pointer (&rows, g_array_unref);
  rows = casella_store_list_conversation_ids (store, inbox, NULL, NULL, 0, NULL, &error);
  g_assert_cmpuint (rows->len, ==, 3);
  g_clear_pointer (&rows, g_array_unref);
  rows = casella_store_list_conversation_ids (store, archive, NULL, NULL, 0, NULL, &error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (g_array_index (rows, gint64, 0), ==, ids[11]);
  g_assert_cmpint (b2, >, 0);
}

static void
test_thread_subjects (void)
{
  const struct { const char *subject; const char *stripped; } cases[] = {
    { "Re: Cena", "Cena" }, { "RE: R: Fwd: Cena", "Cena" }, { "Re[2]: Cena", "Cena" }, { "R: I: Cena", "Cena" },
    { "Rif: Cena ", "Cena" }, { "AW: WG: Cena", "Cena" }, { "Cena", NULL }, { "Recipe: pasta", NULL },
    { "Iscrizione: corso", NULL }, { "Re:", "" }, { "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *stripped = casella_store_thread_subject (cases[i].subject);
      g_assert_cmpstr (stripped, ==, cases[i].stripped);
    }
}

/* ---- folders and messages ---- */

static void
test_folders (Fixture       *fixture,
              gconstpointer  data)
{
  CasellaStore *store = fixture->store;
  gint64 inbox = add_folder (store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  gint64 work = add_folder (store, "Lavoro/Progetti", CASELLA_FOLDER_ROLE_NONE);
  g_autoptr(CasellaStoreFolder) found = NULL, renamed = NULL, by_role = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  CasellaStoreFolder update = { 0 };

  found = casella_store_find_folder (store, "Lavoro/Progetti");
  g_assert_nonnull (found);
  g_assert_cmpstr (found->name, ==, "Progetti");
  g_assert_cmpint (found->uidvalidity, ==, 7);
  by_role = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
  g_assert_cmpint (by_role->id, ==, inbox);

  /* Saving by path updates the same row. */
  update = *found;
  update.uidvalidity = 8;
  update.name = NULL;
  g_assert_cmpint (casella_store_save_folder (store, &update, &error), ==, work);

  g_assert_true (casella_store_rename_folder (store, work, "Lavoro/Clienti", &error));
  renamed = casella_store_get_folder (store, work);
  g_assert_cmpstr (renamed->path, ==, "Lavoro/Clienti");
  g_assert_cmpstr (renamed->name, ==, "Clienti");

  /* Deleting a folder takes its messages and their index entries along. */
  add_message (store, work, 1, 100, "Preventivo", "Anna");
  g_assert_true (casella_store_delete_folder (store, work, &error));
  folders = casella_store_list_folders (store, &error);
  g_assert_cmpuint (folders->len, ==, 1);
  ids = casella_store_search (store, 0, "Preventivo", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 0);
}

static void
test_messages (Fixture       *fixture,
               gconstpointer  data)
{
  CasellaStore *store = fixture->store;
  gint64 inbox = add_folder (store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  gint64 a = add_message (store, inbox, 10, 1000, "Old", "Anna");
  gint64 b = add_message (store, inbox, 11, 3000, "New", "Bruno");
  gint64 c = add_message (store, inbox, 12, 2000, "Middle", "Carla");
  g_autoptr(GArray) ids = NULL, uids = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(CasellaStoreFolder) folder = NULL;
  g_autoptr(GError) error = NULL;
  gint64 order[3];

  /* The same UID again is the same message. */
  g_assert_cmpint (add_message (store, inbox, 11, 3000, "New", "Bruno"), ==, b);

  ids = casella_store_list_message_ids (store, inbox, NULL, &error);
  g_assert_cmpuint (ids->len, ==, 3);
  g_assert_cmpint (g_array_index (ids, gint64, 0), ==, b);   /* newest first */
  g_assert_cmpint (g_array_index (ids, gint64, 1), ==, c);
  g_assert_cmpint (g_array_index (ids, gint64, 2), ==, a);

  order[0] = a, order[1] = c, order[2] = b;
  rows = casella_store_get_messages (store, order, 3, &error);
  g_assert_cmpuint (rows->len, ==, 3);
  g_assert_cmpstr (((CasellaMessageInfo *) rows->pdata[0])->subject, ==, "Old");
  g_assert_cmpstr (((CasellaMessageInfo *) rows->pdata[2])->subject, ==, "New");

  g_assert_true (casella_store_set_flags (store, a, CASELLA_MESSAGE_SEEN, 5, &error));
  g_assert_true (casella_store_update_counts (store, inbox, &error));
  folder = casella_store_get_folder (store, inbox);
  g_assert_cmpuint (folder->total, ==, 3);
  g_assert_cmpuint (folder->unread, ==, 2);

  /* A message marked for deletion is no longer listed. */
  g_assert_true (casella_store_set_flags (store, c, CASELLA_MESSAGE_DELETED, 0, &error));
  g_clear_pointer (&ids, g_array_unref);
  ids = casella_store_list_message_ids (store, inbox, NULL, &error);
  g_assert_cmpuint (ids->len, ==, 2);

  uids = casella_store_list_uids (store, inbox, &error);
  g_assert_cmpuint (uids->len, ==, 3);
  g_assert_cmpuint (casella_store_get_max_uid (store, inbox), ==, 12);
  g_assert_true (casella_store_delete_uids (store, inbox, (guint32[]) { 10, 12 }, 2, &error));
  g_assert_null (casella_store_get_message (store, a));
  g_assert_nonnull (casella_store_get_message (store, b));
}

static const char multipart[] =
  "From: Anna Bianchi <anna@example.test>\r\n"
  "To: Bruno <bruno@example.test>\r\n"
  "Subject: =?UTF-8?Q?Perch=C3=A9_no=3F?=\r\n"
  "Date: Tue, 24 Nov 2026 10:00:00 +0100\r\n"
  "Message-ID: <m1@example.test>\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: multipart/mixed; boundary=XX\r\n"
  "\r\n"
  "--XX\r\n"
  "Content-Type: text/plain; charset=ISO-8859-1\r\n"
  "Content-Transfer-Encoding: quoted-printable\r\n"
  "\r\n"
  "Ciao Bruno,\r\n"
  "il preventivo =E8 pronto.\r\n"
  "\r\n"
  "> vecchio testo\r\n"
  "-- \r\n"
  "Anna\r\n"
  "--XX\r\n"
  "Content-Type: application/pdf; name=preventivo.pdf\r\n"
  "Content-Disposition: attachment; filename=preventivo.pdf\r\n"
  "Content-Transfer-Encoding: base64\r\n"
  "\r\n"
  "JVBERi0xLjQK\r\n"
  "--XX--\r\n";

static void
test_bodies_and_search (Fixture       *fixture,
                        gconstpointer  data)
{
  CasellaStore *store = fixture->store;
  gint64 inbox = add_folder (store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  g_autoptr(GBytes) raw = g_bytes_new_static (multipart, sizeof multipart - 1);
  g_autoptr(CasellaMessageInfo) parsed = casella_message_info_from_bytes (raw);
  g_autoptr(CasellaMessageInfo) stored = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GArray) hits = NULL, none = NULL, prefix = NULL, accents = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;

  g_assert_cmpstr (parsed->subject, ==, "Perché no?");
  g_assert_cmpstr (parsed->from_name, ==, "Anna Bianchi");
  g_assert_cmpstr (parsed->from_address, ==, "anna@example.test");
  g_assert_cmpstr (parsed->message_id, ==, "m1@example.test");
  g_assert_cmpint (parsed->date, ==, 1795510800);   /* 09:00 UTC */
  parsed->folder_id = inbox;
  parsed->uid = 1;
  id = casella_store_add_message (store, parsed, &error);
  g_assert_no_error (error);

  g_assert_null (casella_store_get_body (store, id, &error));
  g_assert_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (casella_store_set_body (store, id, raw, &error));
  back = casella_store_get_body (store, id, &error);
  g_assert_true (g_bytes_equal (back, raw));

  stored = casella_store_get_message (store, id);
  g_assert_true (stored->has_body);
  g_assert_true (stored->has_attachment);
  /* The preview leaves out the quote and the signature. */
  g_assert_cmpstr (stored->preview, ==, "Ciao Bruno, il preventivo è pronto.");

  hits = casella_store_search (store, inbox, "preventivo pronto", &error);
  g_assert_cmpuint (hits->len, ==, 1);
  prefix = casella_store_search (store, 0, "prevent", &error);   /* while typing */
  g_assert_cmpuint (prefix->len, ==, 1);
  accents = casella_store_search (store, 0, "perche", &error);   /* without the accent */
  g_assert_cmpuint (accents->len, ==, 1);
  none = casella_store_search (store, 0, "\"unbalanced", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_pending_outbox_pop3 (Fixture       *fixture,
                          gconstpointer  data)
{
  CasellaStore *store = fixture->store;
  gint64 inbox = add_folder (store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  g_autoptr(GBytes) raw = g_bytes_new_static (multipart, sizeof multipart - 1);
  g_autoptr(GPtrArray) ops = NULL, old = NULL, here = NULL;
  g_autoptr(GArray) queued = NULL;
  g_autoptr(GHashTable) on_server = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaOutboxEntry) entry = NULL;
  gint64 op, sent, first, second;

  op = casella_store_queue_op (store, CASELLA_PENDING_FLAGS, inbox, 1, "1 0", "0", &error);
  g_assert_cmpint (op, >, 0);
  ops = casella_store_list_ops (store, &error);
  g_assert_cmpuint (ops->len, ==, 1);
  g_assert_cmpstr (((CasellaPendingOp *) ops->pdata[0])->arg, ==, "1 0");
  g_assert_true (casella_store_remove_op (store, op, &error));

  sent = casella_store_outbox_add (store, raw, &error);
  g_assert_no_error (error);
  queued = casella_store_outbox_list (store, &error);
  g_assert_cmpuint (queued->len, ==, 1);
  g_assert_true (casella_store_outbox_hold (store, sent, CASELLA_OUTBOX_HOLD_REFUSED, "550 no such user", &error));
  entry = casella_store_outbox_get (store, sent);
  g_assert_cmpint (entry->state, ==, CASELLA_OUTBOX_HELD);
  g_assert_cmpint (entry->hold, ==, CASELLA_OUTBOX_HOLD_REFUSED);
  g_assert_cmpstr (entry->last_error, ==, "550 no such user");
  g_assert_cmpuint (entry->attempts, ==, 1);
  g_assert_true (casella_store_outbox_release (store, sent, &error));
  g_clear_pointer (&entry, casella_outbox_entry_free);
  entry = casella_store_outbox_get (store, sent);
  g_assert_cmpint (entry->state, ==, CASELLA_OUTBOX_QUEUED);
  g_assert_cmpint (entry->next_attempt, ==, 0);
  g_assert_true (casella_store_outbox_sent (store, sent, &error));
  g_assert_null (casella_store_outbox_get (store, sent));
  g_assert_null (casella_store_get_message (store, sent));

  first = casella_store_pop3_add (store, inbox, "uidl-1", raw, 1000, &error);
  second = casella_store_pop3_add (store, inbox, "uidl-2", raw, 5000, &error);
  g_assert_no_error (error);
  g_assert_cmpint (casella_store_get_message (store, second)->uid, ==, casella_store_get_message (store, first)->uid + 1);
  g_assert_true (casella_store_pop3_is_known (store, "uidl-1"));
  g_assert_false (casella_store_pop3_is_known (store, "uidl-3"));
  old = casella_store_pop3_deletable (store, 2000, FALSE, &error);
  g_assert_cmpuint (old->len, ==, 1);
  g_assert_cmpstr (old->pdata[0], ==, "uidl-1");
  g_assert_true (casella_store_pop3_deleted_here (store, "uidl-2", &error));
  here = casella_store_pop3_deletable (store, 0, TRUE, &error);
  g_assert_cmpuint (here->len, ==, 1);
  g_assert_cmpstr (here->pdata[0], ==, "uidl-2");
  g_hash_table_add (on_server, (gpointer) "uidl-2");
  g_assert_true (casella_store_pop3_keep_only (store, on_server, &error));
  g_assert_false (casella_store_pop3_is_known (store, "uidl-1"));
  g_assert_true (casella_store_pop3_is_known (store, "uidl-2"));
}

/* The statement cache keeps its own copy of each text: a statement built
 * in a buffer (address completion builds its own) is found again by
 * its text after the buffer is gone or used for something else. */
static void
test_statement_cache (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  char *built = g_strdup ("SELECT 1");
  sqlite3_stmt *first = casella_store_prepare (fixture->store, built, &error);

  g_assert_no_error (error);
  g_assert_nonnull (first);
  memcpy (built, "SELECT 2", 8);
  g_assert_true (casella_store_prepare (fixture->store, "SELECT 1", &error) == first);
  g_free (built);
  g_assert_true (casella_store_prepare (fixture->store, "SELECT 1", &error) == first);
}

/* ---- models ---- */

typedef struct {
  guint position, removed, added, calls;
} Change;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Change     *change)
{
  change->position = position;
  change->removed = removed;
  change->added = added;
  change->calls++;
}

static gboolean
list_complete (gpointer list)
{
  return casella_message_list_is_complete (list);
}

static void
on_complete (GObject    *list,
             GParamSpec *pspec,
             guint      *notified)
{
  (*notified)++;
}

/* A folder of 900 messages in 450 conversations (Gmail's number makes
 * the pairs). */
static gint64
fill_conversations (CasellaStore *store)
{
  gint64 inbox = add_folder (store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  g_autoptr(GError) error = NULL;

  g_assert_true (casella_store_begin_bulk (store, &error));
  for (guint i = 0; i < 900; i++)
    {
      g_autofree char *subject = g_strdup_printf ("Ordine %u", i / 2);
      g_autofree char *message_id = g_strdup_printf ("ordine-%u@example.test", i);
      CasellaMessageInfo info = { .folder_id = inbox, .uid = i + 1, .date = 1000000 + i * 60,
                                  .subject = subject, .message_id = message_id, .gm_thread = i / 2 + 1 };

      g_assert_cmpint (casella_store_add_message (store, &info, &error), >, 0);
    }
  g_assert_true (casella_store_commit (store, &error));
  return inbox;
}

static void
assert_rows_are (CasellaMessageList *list,
                 GArray             *ids)
{
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, ids->len);
  for (guint i = 0; i < ids->len; i++)
    g_assert_cmpint (casella_message_list_get_id (list, i), ==, g_array_index (ids, gint64, i));
}

/* A big folder's first conversations come at once, in their final
 * places; the rest are added at the end once the main loop is idle, or
 * at once when a row is looked for or the folder changes. */
static void
test_conversations_first (Fixture       *fixture,
                          gconstpointer  data)
{
  CasellaStore *store = fixture->store;
  gint64 inbox = fill_conversations (store);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) all = casella_store_list_conversation_ids (store, inbox, NULL, NULL, 0, NULL, &error);
  g_autoptr(GArray) first = NULL;
  gboolean more = FALSE;
  guint notified = 0;
  Change change = { 0 };

  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 450);
  first = casella_store_list_conversation_ids (store, inbox, NULL, NULL, 256, &more, &error);
  g_assert_true (more);
  g_assert_cmpuint (first->len, ==, 256);
  g_clear_pointer (&first, g_array_unref);
  first = casella_store_list_conversation_ids (store, inbox, NULL, NULL, 450, &more, &error);
  g_assert_false (more);   /* exactly as many as asked: none left out */

  {
    g_autoptr(CasellaMessageList) list = casella_message_list_new_full (store, inbox, NULL, TRUE);
    g_autoptr(GArray) head = g_array_new (FALSE, FALSE, sizeof (gint64));

    g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), &change);
    g_signal_connect (list, "notify::complete", G_CALLBACK (on_complete), &notified);
    g_assert_false (casella_message_list_is_complete (list));
    g_array_append_vals (head, all->data, 256);
    assert_rows_are (list, head);
    g_assert_true (casella_test_wait_until (list_complete, list, 5000));
    assert_rows_are (list, all);
    g_assert_cmpuint (change.calls, ==, 1);
    g_assert_cmpuint (change.position, ==, 256);
    g_assert_cmpuint (change.removed, ==, 0);
    g_assert_cmpuint (change.added, ==, 450 - 256);
    g_assert_cmpuint (notified, ==, 1);
  }
  {
    g_autoptr(CasellaMessageList) list = casella_message_list_new_full (store, inbox, NULL, TRUE);
    g_autoptr(CasellaMessageInfo) oldest = casella_store_find_message (store, inbox, 1);

    /* The oldest conversation is among the rest: looking for it reads them. */
    g_assert_cmpint (casella_message_list_find (list, oldest->id), ==, 449);
    g_assert_true (casella_message_list_is_complete (list));
    assert_rows_are (list, all);
  }
  {
    g_autoptr(CasellaMessageList) list = casella_message_list_new_full (store, inbox, NULL, TRUE);
    CasellaMessageInfo info = { .folder_id = inbox, .uid = 901, .date = 2000000, .subject = (char *) "Nuovo" };
    gint64 added = casella_store_add_message (store, &info, &error);

    /* The folder changed before the rest came: all of it is read. */
    g_assert_true (casella_message_list_is_complete (list));
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 451);
    g_assert_cmpint (casella_message_list_get_id (list, 0), ==, added);
  }
  {
    /* All Inboxes follows: the rest joins it when it comes. */
    g_autoptr(CasellaMessageList) list = casella_message_list_new_full (store, inbox, NULL, TRUE);
    g_autoptr(CasellaMergedList) merged = casella_merged_list_new ();
    g_autoptr(GArray) now = casella_store_list_conversation_ids (store, inbox, NULL, NULL, 0, NULL, &error);

    casella_merged_list_add (merged, list);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (merged)), ==, 256);
    g_assert_true (casella_test_wait_until (list_complete, list, 5000));
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (merged)), ==, now->len);
  }
  {
    /* A list let go before the rest came leaves nothing behind. */
    CasellaMessageList *list = casella_message_list_new_full (store, inbox, NULL, TRUE);

    g_assert_false (casella_message_list_is_complete (list));
    g_object_unref (list);
    g_assert_false (g_main_context_pending (NULL));
  }
  {
    /* Not grouped: the newest 256 messages first in the same way. */
    g_autoptr(CasellaMessageList) list = casella_message_list_new_full (store, inbox, NULL, FALSE);

    g_assert_false (casella_message_list_is_complete (list));
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 256);
    g_assert_true (casella_test_wait_until (list_complete, list, 5000));
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 901);
  }
}

static void
test_folder_list (Fixture       *fixture,
                  gconstpointer  data)
{
  CasellaStore *store = fixture->store;
  g_autoptr(CasellaFolderList) list = NULL;
  const char *expected[] = { "INBOX", "Sent", "Trash", "Clienti", "Clienti/Anna", "Clienti/Bruno", "Clienti-vecchi", NULL };
  guint depths[] = { 0, 0, 0, 0, 1, 1, 0 };
  g_autoptr(GError) error = NULL;
  Change change = { 0 };
  gint64 trash;

  add_folder (store, "Clienti-vecchi", CASELLA_FOLDER_ROLE_NONE);
  add_folder (store, "Clienti/Bruno", CASELLA_FOLDER_ROLE_NONE);
  trash = add_folder (store, "Trash", CASELLA_FOLDER_ROLE_TRASH);
  add_folder (store, "Clienti", CASELLA_FOLDER_ROLE_NONE);
  add_folder (store, "Sent", CASELLA_FOLDER_ROLE_SENT);
  add_folder (store, "Clienti/Anna", CASELLA_FOLDER_ROLE_NONE);
  add_folder (store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  g_assert_nonnull (casella_store_ensure_outbox (store, &error));   /* empty: not listed */

  list = casella_folder_list_new (store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 7);
  for (guint i = 0; expected[i]; i++)
    {
      g_autoptr(CasellaFolderItem) item = g_list_model_get_item (G_LIST_MODEL (list), i);
      g_assert_cmpstr (casella_folder_item_get_folder (item)->path, ==, expected[i]);
      g_assert_cmpuint (casella_folder_item_get_depth (item), ==, depths[i]);
    }

  /* A change of counts is a notice on the row, not a new list. */
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), &change);
  add_message (store, trash, 1, 10, "x", "y");
  g_assert_true (casella_store_update_counts (store, trash, &error));
  g_assert_cmpuint (change.calls, ==, 0);
  {
    g_autoptr(CasellaFolderItem) item = g_list_model_get_item (G_LIST_MODEL (list), 2);
    g_assert_cmpuint (casella_folder_item_get_unread (item), ==, 1);
  }
  add_folder (store, "Zeta", CASELLA_FOLDER_ROLE_NONE);
  g_assert_cmpuint (change.calls, ==, 1);
  g_assert_cmpuint (change.position, ==, 7);
  g_assert_cmpuint (change.added, ==, 1);
}

static void
on_unread (CasellaMessageItem *item,
           GParamSpec         *pspec,
           guint              *notices)
{
  (*notices)++;
}

static void
test_message_list (Fixture       *fixture,
                   gconstpointer  data)
{
  CasellaStore *store = fixture->store;
  gint64 inbox = add_folder (store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  g_autoptr(CasellaMessageList) list = NULL;
  g_autoptr(CasellaMessageItem) first = NULL, last = NULL, newest = NULL;
  g_autoptr(GError) error = NULL;
  Change change = { 0 };
  guint notices = 0;
  gint64 id;

  g_assert_true (casella_store_begin (store, &error));
  for (guint i = 1; i <= 1000; i++)
    {
      g_autofree char *subject = g_strdup_printf ("Messaggio %u", i);
      add_message (store, inbox, i, 1000 + i, subject, i % 2 ? "Anna" : "Bruno");
    }
  g_assert_true (casella_store_commit (store, &error));

  /* The newest 256 at once, the rest once the main loop is idle. */
  list = casella_message_list_new (store, inbox, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 256);
  g_assert_false (casella_message_list_is_complete (list));
  g_assert_true (casella_test_wait_until (list_complete, list, 5000));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1000);
  {
    g_autoptr(CasellaMessageList) again = casella_message_list_new (store, inbox, NULL);
    g_autoptr(CasellaMessageInfo) oldest = casella_store_find_message (store, inbox, 1);

    /* The oldest is among the rest: looking for it reads them. */
    g_assert_cmpint (casella_message_list_find (again, oldest->id), ==, 999);
    g_assert_true (casella_message_list_is_complete (again));
  }
  first = g_list_model_get_item (G_LIST_MODEL (list), 0);
  last = g_list_model_get_item (G_LIST_MODEL (list), 999);
  g_assert_cmpstr (casella_message_item_get_subject (first), ==, "Messaggio 1000");
  g_assert_cmpstr (casella_message_item_get_subject (last), ==, "Messaggio 1");
  g_assert_true (casella_message_item_get_unread (first));

  /* Read elsewhere in the app: the row says so, the list stays. */
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), &change);
  g_signal_connect (first, "notify::unread", G_CALLBACK (on_unread), &notices);
  id = casella_message_item_get_id (first);
  g_assert_true (casella_store_local_mark (store, &id, 1, CASELLA_MESSAGE_SEEN, 0, &error));
  g_assert_false (casella_message_item_get_unread (first));
  g_assert_cmpuint (notices, ==, 1);
  g_assert_cmpuint (change.calls, ==, 0);

  /* New mail goes on top: one row added there, nothing else moves. */
  add_message (store, inbox, 1001, 5000, "Nuovo", "Carla");
  g_assert_cmpuint (change.calls, ==, 1);
  g_assert_cmpuint (change.position, ==, 0);
  g_assert_cmpuint (change.removed, ==, 0);
  g_assert_cmpuint (change.added, ==, 1);
  newest = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_cmpstr (casella_message_item_get_subject (newest), ==, "Nuovo");

  casella_message_list_set_query (list, "Bruno");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 500);
  g_assert_cmpint (casella_message_list_find (list, id), ==, 0);
}

/* Two accounts' Inboxes as one list: newest first whichever account,
 * each row telling whose it is; new mail in one account adds one row
 * where it belongs and moves nothing else. */
static void
test_merged_list (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *other_path = g_build_filename (fixture->dir, "other", "mail.db", NULL);
  g_autoptr(CasellaStore) other = casella_store_open (other_path, NULL);
  g_autoptr(GObject) anna = g_object_new (G_TYPE_OBJECT, NULL), bruno = g_object_new (G_TYPE_OBJECT, NULL);
  gint64 inbox_a = add_folder (fixture->store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  gint64 inbox_b = add_folder (other, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  g_autoptr(CasellaMessageList) list_a = casella_message_list_new (fixture->store, inbox_a, NULL);
  g_autoptr(CasellaMessageList) list_b = casella_message_list_new (other, inbox_b, NULL);
  g_autoptr(CasellaMergedList) merged = casella_merged_list_new ();
  const char *expected[] = { "b6", "a5", "b4", "a3", "b2", "a1" };
  Change change = { 0 };
  gint64 late;

  for (guint i = 1; i <= 6; i++)
    {
      g_autofree char *subject = g_strdup_printf ("%c%u", i % 2 ? 'a' : 'b', i);
      add_message (i % 2 ? fixture->store : other, i % 2 ? inbox_a : inbox_b, i, 1000 + i, subject, "Carla");
    }
  casella_message_list_set_origin (list_a, anna, "anna@example.test");
  casella_message_list_set_origin (list_b, bruno, "bruno@example.test");
  casella_merged_list_add (merged, list_a);
  casella_merged_list_add (merged, list_b);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (merged)), ==, 6);
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(CasellaMessageItem) item = g_list_model_get_item (G_LIST_MODEL (merged), i);
      gboolean from_b = expected[i][0] == 'b';

      g_assert_cmpstr (casella_message_item_get_subject (item), ==, expected[i]);
      g_assert_true (casella_message_item_get_origin (item) == (gpointer) (from_b ? bruno : anna));
      g_assert_cmpstr (casella_message_item_get_origin_label (item), ==,
                       from_b ? "bruno@example.test" : "anna@example.test");
      g_assert_cmpint (casella_merged_list_find (merged, from_b ? bruno : anna, casella_message_item_get_id (item)),
                       ==, (int) i);
    }
  g_assert_true (casella_merged_list_find_list (merged, bruno) == list_b);
  /* The same id in the other account is another message. */
  g_assert_cmpint (casella_merged_list_find (merged, anna, 99), ==, -1);

  g_signal_connect (merged, "items-changed", G_CALLBACK (on_items_changed), &change);
  /* As old as a3: after it (the first account's rows first). */
  late = add_message (other, inbox_b, 7, 1003, "b-late", "Carla");
  g_assert_cmpint (late, >, 0);
  g_assert_cmpuint (change.calls, ==, 1);
  g_assert_cmpuint (change.position, ==, 4);
  g_assert_cmpuint (change.removed, ==, 0);
  g_assert_cmpuint (change.added, ==, 1);
  {
    g_autoptr(CasellaMessageItem) item = g_list_model_get_item (G_LIST_MODEL (merged), 4);
    g_assert_cmpstr (casella_message_item_get_subject (item), ==, "b-late");
  }

  casella_merged_list_set_query (merged, "b4");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (merged)), ==, 1);
  casella_merged_list_set_query (merged, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (merged)), ==, 7);
}

static gint64
add_addressed (CasellaStore *store,
               gint64        folder_id,
               guint32       uid,
               gint64        date,
               const char   *from_name,
               const char   *from_address,
               const char   *to)
{
  CasellaMessageInfo info = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 id;

  info.folder_id = folder_id;
  info.uid = uid;
  info.date = date;
  info.subject = (char *) "Ciao";
  info.from_name = (char *) from_name;
  info.from_address = (char *) from_address;
  info.to = (char *) to;
  id = casella_store_add_message (store, &info, &error);
  g_assert_no_error (error);
  return id;
}

/* The addresses found for what is typed, joined: "a@b,c@d". */
static char *
contacts_found (CasellaStore *store,
                const char   *typed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) contacts = casella_store_find_contacts (store, typed, 8, &error);
  GString *text = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < contacts->len; i++)
    g_string_append_printf (text, "%s%s", i ? "," : "", ((CasellaContact *) contacts->pdata[i])->address);
  return g_string_free (text, FALSE);
}

#define ASSERT_FOUND(store, typed, expected) \
  G_STMT_START { g_autofree char *got = contacts_found (store, typed); g_assert_cmpstr (got, ==, expected); } G_STMT_END

static void
assert_nico_ranking (CasellaStore *store)
{
  /* Written to, then the most recent of those who wrote; junk never. */
  ASSERT_FOUND (store, "nico", "nico.rossi@example.it,nicola@example.it,nicolo.bianchi@example.it");
  ASSERT_FOUND (store, "NICOLÒ", "nicolo.bianchi@example.it");
  ASSERT_FOUND (store, "bianchi", "nicolo.bianchi@example.it");
  ASSERT_FOUND (store, "rossi example", "nico.rossi@example.it");
  ASSERT_FOUND (store, "carla", "carla@example.it");
  ASSERT_FOUND (store, "spam", "");
  ASSERT_FOUND (store, "%", "");
  ASSERT_FOUND (store, "  ", "");
}

/* Completion: names and addresses, accents and case aside, people
 * written to first; counted as mail comes, in a bulk batch at its
 * commit, and from the mail already there in a store made before. */
static void
test_contacts (Fixture       *fixture,
               gconstpointer  data)
{
  CasellaStore *store = fixture->store;
  g_autofree char *path = g_strdup (casella_store_get_path (store));
  gint64 inbox = add_folder (store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  gint64 sent = add_folder (store, "Sent", CASELLA_FOLDER_ROLE_SENT);
  gint64 junk = add_folder (store, "Junk", CASELLA_FOLDER_ROLE_JUNK);
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  add_addressed (store, inbox, 1, 100, "Nicolò Bianchi", "Nicolo.Bianchi@example.it", "me@example.it");
  add_addressed (store, inbox, 2, 500, "Nicola Verdi", "nicola@example.it", "me@example.it");
  add_addressed (store, sent, 1, 50, "Me", "me@example.it", "Nico Rossi <nico.rossi@example.it>, carla@example.it");
  add_addressed (store, junk, 1, 900, "Nicky Spam", "nicky@spam.test", "me@example.it");
  assert_nico_ranking (store);

  /* A batch counts at its commit; one rolled back, not at all. */
  g_assert_true (casella_store_begin_bulk (store, &error));
  add_addressed (store, inbox, 3, 600, "Dario Neri", "dario@example.it", "me@example.it");
  ASSERT_FOUND (store, "dario", "");
  g_assert_true (casella_store_commit (store, &error));
  ASSERT_FOUND (store, "dario", "dario@example.it");
  g_assert_true (casella_store_begin_bulk (store, &error));
  add_addressed (store, inbox, 4, 700, "Elena Blu", "elena@example.it", "me@example.it");
  casella_store_rollback (store);
  ASSERT_FOUND (store, "elena", "");

  /* A store from before: built once from its mail. */
  g_clear_object (&fixture->store);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM contacts; DELETE FROM meta WHERE key = 'contacts'", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);
  fixture->store = store = casella_store_open (path, &error);
  g_assert_no_error (error);
  ASSERT_FOUND (store, "nico", "");
  g_assert_true (casella_store_build_contacts (store, &error));
  g_assert_no_error (error);
  assert_nico_ranking (store);
  ASSERT_FOUND (store, "dario", "dario@example.it");
}

/* ---- undo and drafts ---- */

static void
test_undo_and_drafts (Fixture       *fixture,
                      gconstpointer  data)
{
  CasellaStore *store = fixture->store;
  gint64 inbox = add_folder (store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  gint64 work = add_folder (store, "Lavoro", CASELLA_FOLDER_ROLE_NONE);
  gint64 trash = add_folder (store, "Trash", CASELLA_FOLDER_ROLE_TRASH);
  gint64 a = add_message (store, inbox, 1, 100, "uno", "Anna");
  gint64 b = add_message (store, inbox, 2, 200, "due", "Anna");
  g_autoptr(GArray) undo = g_array_new (FALSE, FALSE, sizeof (CasellaUndoStep));
  g_autoptr(GArray) undo2 = g_array_new (FALSE, FALSE, sizeof (CasellaUndoStep));
  g_autoptr(GPtrArray) ops = NULL;
  g_autoptr(GBytes) raw = g_bytes_new_static (multipart, sizeof multipart - 1);
  g_autoptr(GError) error = NULL;
  gint64 draft, again;

  /* Moved and undone before it was sent: as if nothing happened. */
  g_assert_true (casella_store_local_move (store, &a, 1, work, undo, &error));
  g_assert_cmpint (casella_store_get_message (store, a)->folder_id, ==, work);
  g_assert_true (casella_store_local_undo (store, undo, &error));
  g_assert_cmpint (casella_store_get_message (store, a)->folder_id, ==, inbox);
  g_assert_cmpuint (casella_store_get_message (store, a)->uid, ==, 1);
  ops = casella_store_list_ops (store, NULL);
  g_assert_cmpuint (ops->len, ==, 0);

  /* Trashed, the change already sent: undoing is a move of its own. */
  g_assert_true (casella_store_local_trash (store, &b, 1, undo2, &error));
  g_assert_cmpint (casella_store_get_message (store, b)->folder_id, ==, trash);
  g_clear_pointer (&ops, g_ptr_array_unref);
  ops = casella_store_list_ops (store, NULL);
  g_assert_true (casella_store_remove_op (store, ((CasellaPendingOp *) ops->pdata[0])->id, &error));
  g_assert_true (casella_store_local_undo (store, undo2, &error));
  g_assert_cmpint (casella_store_get_message (store, b)->folder_id, ==, inbox);
  g_clear_pointer (&ops, g_ptr_array_unref);
  ops = casella_store_list_ops (store, NULL);
  g_assert_cmpuint (ops->len, ==, 1);
  g_assert_cmpint (((CasellaPendingOp *) ops->pdata[0])->kind, ==, CASELLA_PENDING_MOVE);

  /* A draft saved twice is one draft. */
  draft = casella_store_save_draft (store, 0, raw, &error);
  again = casella_store_save_draft (store, draft, raw, &error);
  g_assert_no_error (error);
  g_assert_cmpint (draft, >, 0);
  g_assert_cmpuint (casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_DRAFTS)->total, ==, 1);
  g_assert_nonnull (casella_store_get_message (store, again));
  g_assert_cmpuint (casella_store_get_message (store, again)->flags & CASELLA_MESSAGE_DRAFT, !=, 0);
}

/* Search operators, English and Italian, against a known mailbox. */
static gint64
add_known (CasellaStore        *store,
           gint64               folder,
           guint32              uid,
           const char          *subject,
           const char          *from_name,
           const char          *from_address,
           const char          *to,
           gint64               date,
           CasellaMessageFlags  flags,
           gboolean             attachment)
{
  CasellaMessageInfo info = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 id;

  info.folder_id = folder;
  info.uid = uid;
  info.subject = (char *) subject;
  info.from_name = (char *) from_name;
  info.from_address = (char *) from_address;
  info.to = (char *) to;
  info.date = date;
  info.flags = flags;
  info.has_attachment = attachment;
  id = casella_store_add_message (store, &info, &error);
  g_assert_no_error (error);
  return id;
}

static guint
found (CasellaStore *store,
       gint64        folder,
       const char   *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = casella_store_search (store, folder, text, &error);

  g_assert_no_error (error);
  g_test_message ("%s: %u", text, ids->len);
  return ids->len;
}

static void
test_search_operators (Fixture       *fixture,
                       gconstpointer  data)
{
  CasellaStore *store = fixture->store;
  gint64 inbox = add_folder (store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  gint64 other = add_folder (store, "Lavoro", CASELLA_FOLDER_ROLE_NONE);
  g_autoptr(GDateTime) nov = g_date_time_new_local (2026, 11, 10, 12, 0, 0);
  g_autoptr(GDateTime) dec = g_date_time_new_local (2026, 12, 1, 9, 0, 0);

  add_known (store, inbox, 1, "Cena sabato", "Nicolò Bianchi", "nico@example.test", "marco@example.test",
             g_date_time_to_unix (nov), CASELLA_MESSAGE_SEEN, FALSE);
  add_known (store, inbox, 2, "Fattura di novembre", "Banca Demo", "estratti@banca.test", "marco@example.test",
             g_date_time_to_unix (dec), 0, TRUE);
  add_known (store, inbox, 3, "Progetto 100%_fatto", "Anna Rossi", "anna@example.test", "ufficio@example.test",
             g_date_time_to_unix (dec), CASELLA_MESSAGE_SEEN | CASELLA_MESSAGE_FLAGGED, TRUE);
  add_known (store, other, 1, "Riunione", "Anna Rossi", "anna@example.test", "marco@example.test",
             g_date_time_to_unix (nov), 0, FALSE);

  g_assert_cmpuint (found (store, inbox, "from:anna"), ==, 1);
  g_assert_cmpuint (found (store, 0, "from:anna"), ==, 2);                 /* every folder */
  g_assert_cmpuint (found (store, inbox, "da:nico"), ==, 1);               /* the address, or the name */
  g_assert_cmpuint (found (store, inbox, "from:\"Anna Rossi\""), ==, 1);
  g_assert_cmpuint (found (store, inbox, "to:ufficio"), ==, 1);
  g_assert_cmpuint (found (store, inbox, "a:marco@example.test"), ==, 2);
  g_assert_cmpuint (found (store, inbox, "subject:fattura"), ==, 1);
  g_assert_cmpuint (found (store, inbox, "oggetto:cen"), ==, 1);           /* the start of a word, while typing */
  g_assert_cmpuint (found (store, inbox, "has:attachment"), ==, 2);
  g_assert_cmpuint (found (store, inbox, "ha:allegato"), ==, 2);
  g_assert_cmpuint (found (store, inbox, "is:unread"), ==, 1);
  g_assert_cmpuint (found (store, inbox, "non-letto"), ==, 1);
  g_assert_cmpuint (found (store, inbox, "è:letto"), ==, 2);
  g_assert_cmpuint (found (store, inbox, "is:starred"), ==, 1);
  g_assert_cmpuint (found (store, inbox, "con-stella"), ==, 1);
  g_assert_cmpuint (found (store, inbox, "before:2026-11-30"), ==, 1);
  g_assert_cmpuint (found (store, inbox, "dopo:30/11/2026"), ==, 2);
  g_assert_cmpuint (found (store, inbox, "prima:1.12.2026 da:nico"), ==, 1);
  g_assert_cmpuint (found (store, inbox, "has:attachment is:unread"), ==, 1);
  g_assert_cmpuint (found (store, inbox, "from:anna subject:progetto has:attachment is:starred"), ==, 1);
  /* %, _ and \ are themselves, not patterns. */
  g_assert_cmpuint (found (store, inbox, "from:%"), ==, 0);
  g_assert_cmpuint (found (store, inbox, "subject:100%_fatto"), ==, 1);
  /* Words with operators, and what is not an operator stays words. */
  g_assert_cmpuint (found (store, inbox, "from:banca fattura"), ==, 1);
  g_assert_cmpuint (found (store, inbox, "cena"), ==, 1);
  g_assert_cmpuint (found (store, inbox, "before:someday"), ==, 0);
  g_assert_cmpuint (found (store, inbox, "from:nessuno"), ==, 0);
}

/* Words that say a file is attached, in both languages, only in what
 * was written now. */
static void
test_mentions_attachment (void)
{
  static const struct { const char *body; gboolean mentions; } cases[] = {
    { "Ti mando in allegato il preventivo.", TRUE },
    { "Ti allego la fattura di novembre", TRUE },
    { "Vi alleghiamo il programma", TRUE },
    { "L'ALLEGATO è il contratto", TRUE },
    { "Please find the report attached.", TRUE },
    { "See the attachment", TRUE },
    { "Enclosed you will find the invoice", TRUE },
    { "Un ritmo allegro, che allegria!", FALSE },
    { "Ci vediamo sabato.", FALSE },
    { "Ci vediamo sabato.\n\n> Ti mando in allegato il menù", FALSE },
    { "A domani.\n\n-- \nMarco\nDocumenti in allegato solo su richiesta", FALSE },
    { "Reattach the cable", FALSE },
    { "", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].body);
      g_assert_cmpint (casella_draft_mentions_attachment (cases[i].body), ==, cases[i].mentions);
    }
  g_assert_false (casella_draft_mentions_attachment (NULL));
}

static void
test_compose (void)
{
  static const char original_text[] =
    "From: Anna <anna@example.test>\r\nTo: Me <me@example.test>, Bruno <bruno@example.test>\r\n"
    "Cc: carla@example.test, ME@example.test\r\nSubject: Cena\r\nMessage-ID: <cena@example.test>\r\n"
    "References: <prima@example.test>\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=Z\r\n\r\n--Z\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    "Ci vediamo alle 8?\r\n> prima\r\n--Z\r\nContent-Type: image/png\r\n"
    "Content-Disposition: attachment; filename=mappa.png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "iVBORw0KGgo=\r\n--Z--\r\n";
  g_autoptr(GBytes) raw = g_bytes_new_static (original_text, sizeof original_text - 1);
  g_autoptr(GMimeMessage) original = casella_message_parse (raw);
  g_autoptr(CasellaDraft) reply = casella_draft_new_reply (original, "me@example.test", FALSE, "Anna wrote:");
  g_autoptr(CasellaDraft) all = casella_draft_new_reply (original, "me@example.test", TRUE, "Anna wrote:");
  g_autoptr(CasellaDraft) forward = casella_draft_new_forward (original, "Forwarded:");
  g_autoptr(CasellaDraft) back = NULL;
  g_autoptr(GMimeMessage) sent = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_assert_cmpstr (reply->to, ==, "Anna <anna@example.test>");
  g_assert_null (reply->cc);
  g_assert_cmpstr (reply->subject, ==, "Re: Cena");
  g_assert_cmpstr (reply->in_reply_to, ==, "cena@example.test");
  g_assert_cmpstr (reply->references, ==, "<prima@example.test> <cena@example.test>");
  g_assert_nonnull (strstr (reply->body, "Anna wrote:\n> Ci vediamo alle 8?\n>> prima\n"));
  /* Everyone but me (in any case), each once. */
  g_assert_cmpstr (all->cc, ==, "Bruno <bruno@example.test>, carla@example.test");

  g_assert_cmpstr (forward->subject, ==, "Fwd: Cena");
  g_assert_cmpuint (forward->attachments->len, ==, 1);
  g_assert_cmpstr (((CasellaAttachment *) forward->attachments->pdata[0])->filename, ==, "mappa.png");

  forward->from_name = g_strdup ("Me");
  forward->from_address = g_strdup ("me@example.test");
  forward->to = g_strdup ("Dario <dario@example.test>");
  forward->bcc = g_strdup ("segreto@example.test");
  bytes = casella_draft_to_bytes (forward);
  sent = casella_message_parse (bytes);
  back = casella_draft_new_from_message (sent);
  g_assert_cmpstr (back->to, ==, "Dario <dario@example.test>");
  g_assert_cmpstr (back->bcc, ==, "segreto@example.test");
  g_assert_cmpstr (back->subject, ==, "Fwd: Cena");
  g_assert_cmpuint (back->attachments->len, ==, 1);
  g_assert_true (g_bytes_equal (((CasellaAttachment *) back->attachments->pdata[0])->data,
                                ((CasellaAttachment *) forward->attachments->pdata[0])->data));
  g_assert_nonnull (g_mime_message_get_message_id (sent));

  g_assert_true (casella_address_list_is_valid ("Anna <anna@example.test>, b@example.it", FALSE));
  g_assert_false (casella_address_list_is_valid ("anna@", FALSE));
  g_assert_false (casella_address_list_is_valid ("Anna, b@example.it", FALSE));
  g_assert_false (casella_address_list_is_valid ("", FALSE));
  g_assert_true (casella_address_list_is_valid ("  ", TRUE));
}

/* ---- text ---- */

static void
test_html_to_text (void)
{
  struct { const char *html, *text; } cases[] = {
    { "<p>Ciao <b>Anna</b>,</p><p>a presto&hellip;</p>", "Ciao Anna,\n\na presto…" },
    { "<html><head><title>x</title><style>p{}</style></head><body>Uno<br>Due</body></html>", "Uno\nDue" },
    { "<script>alert('no')</script>Testo &amp; altro &#233;&#x20AC;", "Testo & altro é€" },
    { "<ul><li>uno</li><li>due</li></ul>", "• uno\n• due" },
    { "a <!-- commento <p> --> b", "a b" },
    { "<a href=\"x>y\">link</a> &bogus; &", "link &bogus; &" },
    { "<pre>  due\n  righe</pre>", "  due\n  righe" },
    { "<", "<" },
    /* A "<" that opens no tag is text, not the start of one (issue 15). */
    { "<p>Se x < 3 e y <= 5, allora 3 > 2</p><p>fine</p>", "Se x < 3 e y <= 5, allora 3 > 2\n\nfine" },
    { "1 <2 and a << b", "1 <2 and a << b" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = casella_html_to_text (cases[i].html, -1);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_preview (void)
{
  g_autofree char *preview = casella_text_preview ("Ciao,\n\n  come   stai?\nOn Monday Anna wrote:\n> x\n-- \nfirma", 100);
  g_autofree char *cut = casella_text_preview ("abcdefghij", 4);

  g_assert_cmpstr (preview, ==, "Ciao, come stai?");
  g_assert_cmpstr (cut, ==, "abcd");
}

/* The plain message's short path takes what it can be sure of, and
 * reads it as GMime does; the rest it leaves to GMime. */
static void
test_plain_text_path (void)
{
  static const struct { const char *raw; gboolean plain; } cases[] = {
    { "Subject: a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCiao, è qui.\r\nRiga due\r\n", TRUE },
    { "Subject: a\nContent-Type: text/plain;\n  charset=\"US-ASCII\"; format=flowed\n\nOne \r\ntwo\rthree\n", TRUE },
    { "Subject: bare\r\n\r\nonly ascii\r\n\r\n", TRUE },
    { "Subject: x\r\nContent-Transfer-Encoding: 8BIT\r\n\r\nplain\r\n", TRUE },
    { "Content-Type : text/html\r\n\r\n<b>no</b>\r\n", FALSE },
    { "Content-Type: text/plain; charset=iso-8859-1\r\n\r\ncaf\xe9\r\n", FALSE },
    { "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=C3=A8\r\n", FALSE },
    { "Content-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nx\r\n", FALSE },
    { "Content-Type: text/plain (comment)\r\n\r\nx\r\n", FALSE },
    { "Content-Type: text/plain; name*=utf-8''a.txt\r\n\r\nx\r\n", FALSE },
    { "Content-Type: text/plain\r\nContent-Type: text/html\r\n\r\nx\r\n", FALSE },
    { "Subject: no charset, 8-bit\r\n\r\ncaff\xc3\xa8\r\n", FALSE },
    { "Content-Type: text/plain; charset=utf-8\r\n\r\nbad \xff utf-8\r\n", FALSE },
    { "From someone else\r\nSubject: mbox\r\n\r\nx\r\n", FALSE },
    { "Subject: only headers\r\n", FALSE },
    { "Content-Type:\r\n\r\nx\r\n", FALSE },
    { "\tfolded: onto nothing\r\n\r\nx\r\n", FALSE },
    { "\x02" "Content-Type : text/html\r\n\r\nx\r\n", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize length = strlen (cases[i].raw);
      g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (cases[i].raw, length);
      g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);
      g_autoptr(GMimeMessage) message = g_mime_parser_construct_message (parser, NULL);
      g_autofree char *plain = NULL, *text = NULL;
      gboolean attachment = TRUE;

      g_test_message ("case %u", i);
      g_assert_cmpint (casella_message_get_plain_text (cases[i].raw, length, &plain), ==, cases[i].plain);
      if (!cases[i].plain)
        continue;
      g_assert_nonnull (message);
      text = casella_message_get_text (message, &attachment);
      g_assert_cmpstr (plain, ==, text);
      g_assert_false (attachment);
    }
}

/* ---- transactions ---- */

/* An inner step that fails undoes itself only: the outer batch keeps
 * what it did, and commits it. */
static void
test_nested_rollback (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 inbox = add_folder (fixture->store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  g_autoptr(GArray) uids = NULL;

  g_assert_true (casella_store_begin (fixture->store, &error));
  add_message (fixture->store, inbox, 1, 1000, "outer", "Anna");
  g_assert_true (casella_store_begin (fixture->store, &error));
  add_message (fixture->store, inbox, 2, 1000, "inner", "Bruno");
  casella_store_rollback (fixture->store);
  add_message (fixture->store, inbox, 3, 1000, "after", "Carla");
  g_assert_true (casella_store_commit (fixture->store, &error));
  g_assert_no_error (error);

  uids = casella_store_list_uids (fixture->store, inbox, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uids->len, ==, 2);
  g_assert_cmpuint (g_array_index (uids, guint32, 0) + g_array_index (uids, guint32, 1), ==, 1 + 3);

  /* And the safety net undoes everything that is open. */
  g_assert_true (casella_store_begin (fixture->store, &error));
  g_assert_true (casella_store_begin (fixture->store, &error));
  add_message (fixture->store, inbox, 4, 1000, "lost", "Dario");
  casella_store_rollback_all (fixture->store);
  g_clear_pointer (&uids, g_array_unref);
  uids = casella_store_list_uids (fixture->store, inbox, &error);
  g_assert_cmpuint (uids->len, ==, 2);
  g_assert_true (casella_store_begin (fixture->store, &error));
  g_assert_true (casella_store_commit (fixture->store, &error));
}

/* Several connections opening a new store at once (two syncs, the app
 * and casella-cli): each finds it made, none fails on the schema. */
typedef struct {
  const char *path;
  gint       *ready;
  GError     *error;
  int         version;
} Opener;

static gpointer
open_at_once (gpointer data)
{
  Opener *opener = data;
  g_autoptr(CasellaStore) store = NULL;

  g_atomic_int_inc (opener->ready);
  while (g_atomic_int_get (opener->ready) < 4)
    ;
  store = casella_store_open (opener->path, &opener->error);
  opener->version = store ? casella_store_get_version (store) : -1;
  return NULL;
}

static void
test_opened_at_once (Fixture       *fixture,
                     gconstpointer  data)
{
  int latest = casella_store_get_version (fixture->store);

  for (guint round = 0; round < 25; round++)
    {
      g_autofree char *path = g_strdup_printf ("%s/race-%u/mail.db", fixture->dir, round);
      Opener openers[4] = { { 0 } };
      GThread *threads[4];
      gint ready = 0;

      for (guint i = 0; i < 4; i++)
        {
          openers[i].path = path;
          openers[i].ready = &ready;
          threads[i] = g_thread_new ("opener", open_at_once, &openers[i]);
        }
      for (guint i = 0; i < 4; i++)
        {
          g_thread_join (threads[i]);
          g_assert_no_error (openers[i].error);
          g_assert_cmpint (openers[i].version, ==, latest);
        }
    }
}

/* ---- damage ---- */

/* A store that crashed: its file and its WAL as a kill -9 leaves them.
 * Opened by the first process after, it is checked; a clean one opens. */
static void
test_checked_after_a_crash (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *copy_dir = g_build_filename (fixture->dir, "crashed", NULL);
  g_autofree char *copy = g_build_filename (copy_dir, "mail.db", NULL);
  g_autofree char *wal = g_strconcat (copy, "-wal", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(CasellaStore) reopened = NULL;
  g_autoptr(GError) error = NULL;
  gint64 inbox = add_folder (fixture->store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  gsize length;

  add_message (fixture->store, inbox, 1, 1000, "in the WAL", "Anna");
  g_assert_cmpint (g_mkdir_with_parents (copy_dir, 0700), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *from = g_strconcat (casella_store_get_path (fixture->store), i ? "-wal" : "", NULL);
      g_autofree char *to = g_strconcat (copy, i ? "-wal" : "", NULL);
      g_assert_true (g_file_get_contents (from, &contents, &length, NULL));
      g_assert_true (g_file_set_contents (to, contents, length, NULL));
      g_clear_pointer (&contents, g_free);
    }
  reopened = casella_store_open (copy, &error);
  g_assert_no_error (error);
  g_assert_true (casella_store_was_checked (reopened));
  g_assert_nonnull (casella_store_find_message (reopened, casella_store_find_folder (reopened, "INBOX")->id, 1));
  g_clear_object (&reopened);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));   /* closed cleanly this time */
  reopened = casella_store_open (copy, &error);
  g_assert_false (casella_store_was_checked (reopened));
  g_clear_object (&reopened);

  /* Damaged, and left by a crash: found at once, not at some later read. */
  casella_test_damage_table (copy, "messages");
  g_assert_true (g_file_set_contents (wal, "not a write-ahead log, just what a crash left", -1, NULL));
  g_assert_null (casella_store_open (copy, &error));
  g_assert_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_CORRUPT);
}

/* A sync's bulk writer leaves its WAL on purpose (its checkpoint's sync
 * cost it dearly): the next opener does not take that for a crash, but
 * a WAL written after it again is. */
static void
copy_store (const char *from,
            const char *to)
{
  static const char *const suffixes[] = { "", "-wal", ".wal-kept" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *source = g_strconcat (from, suffixes[i], NULL);
      g_autofree char *target = g_strconcat (to, suffixes[i], NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (g_file_get_contents (source, &contents, &length, NULL))
        g_assert_true (g_file_set_contents (target, contents, length, NULL));
    }
}

static void
test_bulk_wal_kept (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *path = g_strdup (casella_store_get_path (fixture->store));
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *kept = g_strconcat (path, ".wal-kept", NULL);
  g_autofree char *copy_dir = g_build_filename (fixture->dir, "crashed-later", NULL);
  g_autofree char *copy = g_build_filename (copy_dir, "mail.db", NULL);
  g_autoptr(CasellaStore) window = NULL;
  g_autoptr(CasellaStore) reopened = NULL;
  g_autoptr(CasellaStore) crashed = NULL;
  g_autoptr(GError) error = NULL;
  gint64 inbox = add_folder (fixture->store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);

  g_assert_true (casella_store_begin_bulk (fixture->store, &error));
  for (guint uid = 1; uid <= 50; uid++)
    add_message (fixture->store, inbox, uid, 1000 + uid, "in bulk", "Anna");
  g_assert_true (casella_store_commit (fixture->store, &error));
  g_clear_object (&fixture->store);
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (kept, G_FILE_TEST_EXISTS));

  /* Left on purpose: the next opener does not check it all. */
  reopened = casella_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_false (casella_store_was_checked (reopened));
  g_assert_false (g_file_test (kept, G_FILE_TEST_EXISTS));
  g_assert_nonnull (casella_store_find_message (reopened, inbox, 50));

  /* A bulk writer closes while another connection (the window) stays;
   * that one writes after, and is killed: the WAL is not as it was left. */
  window = casella_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (casella_store_begin_bulk (reopened, &error));
  add_message (reopened, inbox, 51, 2000, "in bulk again", "Bruno");
  g_assert_true (casella_store_commit (reopened, &error));
  g_clear_object (&reopened);
  g_assert_true (g_file_test (kept, G_FILE_TEST_EXISTS));
  add_message (window, inbox, 52, 3000, "after", "Carla");
  g_assert_cmpint (g_mkdir_with_parents (copy_dir, 0700), ==, 0);
  copy_store (path, copy);
  crashed = casella_store_open (copy, &error);
  g_assert_no_error (error);
  g_assert_true (casella_store_was_checked (crashed));
  g_assert_nonnull (casella_store_find_message (crashed, inbox, 52));
}

static gint64
add_raw (CasellaStore *store,
         const char   *text,
         gboolean      outbox)
{
  g_autoptr(GBytes) raw = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;
  gint64 id = outbox ? casella_store_outbox_add (store, raw, &error) : casella_store_save_draft (store, 0, raw, &error);

  g_assert_no_error (error);
  return id;
}

/* A damaged store is kept aside and made anew; what lived only here
 * comes along (the outbox with how far each message got, a draft, a
 * POP3 folder and what POP3 downloaded), the server's mail does not
 * (the next sync brings it), and changes not yet replayed are counted. */
static void
test_rebuilt_when_damaged (Fixture       *fixture,
                           gconstpointer  data)
{
  static const char letter[] = "From: a@example.test\r\nTo: b@example.test\r\nSubject: %s\r\n\r\nCiao.\r\n";
  g_autofree char *path = g_strdup (casella_store_get_path (fixture->store));
  g_autofree char *first = g_strdup_printf (letter, "prima"), *second = g_strdup_printf (letter, "seconda");
  g_autofree char *draft = g_strdup_printf (letter, "bozza");
  g_auto(CasellaStoreRebuildReport) report = { 0 };
  g_autoptr(CasellaStore) rebuilt = NULL;
  g_autoptr(CasellaStoreFolder) pop3 = NULL, work = NULL, drafts = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GBytes) raw = g_bytes_new_static (multipart, sizeof multipart - 1);
  g_autoptr(GError) error = NULL;
  CasellaStoreFolder local = { 0 };
  gint64 inbox, held;

  local.path = (char *) "INBOX";
  local.role = CASELLA_FOLDER_ROLE_INBOX;
  local.flags = CASELLA_FOLDER_LOCAL;
  inbox = casella_store_save_folder (fixture->store, &local, &error);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *uidl = g_strdup_printf ("uidl-%u", i);
      g_assert_cmpint (casella_store_pop3_add (fixture->store, inbox, uidl, raw, 1000, &error), >, 0);
    }
  add_message (fixture->store, add_folder (fixture->store, "Work", CASELLA_FOLDER_ROLE_NONE), 7, 1000, "server", "Bruno");
  add_raw (fixture->store, first, TRUE);
  held = add_raw (fixture->store, second, TRUE);
  g_assert_true (casella_store_outbox_hold (fixture->store, held, CASELLA_OUTBOX_HOLD_INTERRUPTED, NULL, &error));
  add_raw (fixture->store, draft, FALSE);
  g_assert_cmpint (casella_store_queue_op (fixture->store, CASELLA_PENDING_FLAGS, 1, 1, "1 0", "0", &error), >, 0);
  g_clear_object (&fixture->store);

  casella_test_damage_table (path, "search_data");
  rebuilt = casella_store_rebuild (path, &report, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (report.kept_as, G_FILE_TEST_EXISTS));
  g_assert_true (casella_store_check_integrity (rebuilt, &error));
  g_assert_cmpuint (report.carried, ==, 3 + 2 + 1);
  g_assert_cmpuint (report.outbox, ==, 2);
  g_assert_cmpuint (report.lost, ==, 0);
  g_assert_false (report.incomplete);
  g_assert_cmpuint (report.changes_lost, ==, 1);

  pop3 = casella_store_find_folder (rebuilt, "INBOX");
  g_assert_cmpuint (pop3->total, ==, 3);
  g_assert_true (casella_store_pop3_is_known (rebuilt, "uidl-2"));
  g_assert_nonnull (casella_store_get_body (rebuilt, casella_store_find_message (rebuilt, pop3->id, 1)->id, &error));
  work = casella_store_find_folder (rebuilt, "Work");
  g_assert_null (work);                                   /* the server's: the sync brings it back */
  drafts = casella_store_find_folder_by_role (rebuilt, CASELLA_FOLDER_ROLE_DRAFTS);
  g_assert_cmpuint (drafts->total, ==, 1);
  entries = casella_store_outbox_entries (rebuilt, &error);
  g_assert_cmpuint (entries->len, ==, 2);
  g_assert_cmpint (((CasellaOutboxEntry *) entries->pdata[1])->hold, ==, CASELLA_OUTBOX_HOLD_INTERRUPTED);

  /* A damage that hides the messages themselves is said to be so. */
  g_clear_object (&rebuilt);
  casella_store_rebuild_report_clear (&report);
  casella_test_damage_table (path, "messages");
  rebuilt = casella_store_rebuild (path, &report, &error);
  g_assert_no_error (error);
  g_assert_true (report.incomplete || report.lost > 0);
}

/* ---- a full disk ---- */

static char *
fill_disk (const char *dir)
{
  g_autofree char *filler = g_build_filename (dir, "filler", NULL);
  static char block[4096];
  FILE *file = fopen (filler, "w");

  g_assert_nonnull (file);
  while (fwrite (block, 1, sizeof block, file) == sizeof block && fflush (file) == 0)
    ;
  fclose (file);
  return g_steal_pointer (&filler);
}

/* Runs in a child with its own mount namespace: a 4 MiB tmpfs is the
 * disk (casella_test_small_disk, as root or not). A body that does not
 * fit fails with a clear error, and the store stays as it was. */
static void
disk_full_child (void)
{
  g_autofree char *dir = casella_test_make_tmpdir ("casella-full");
  g_autofree char *path = g_build_filename (dir, "mail.db", NULL);
  g_autoptr(CasellaStore) store = NULL;
  g_autoptr(CasellaMessageInfo) info = NULL;
  g_autoptr(GBytes) big = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *filler = NULL;
  GString *body = g_string_new ("Subject: big\r\n\r\n");
  gint64 inbox, id;

  casella_test_small_disk (dir, 4);

  store = casella_store_open (path, &error);
  g_assert_no_error (error);
  inbox = add_folder (store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  id = add_message (store, inbox, 1, 1000, "big", "Anna");
  filler = fill_disk (dir);

  while (body->len < 512 * 1024)
    g_string_append (body, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n");
  big = g_string_free_to_bytes (body);
  g_assert_false (casella_store_set_body (store, id, big, &error));
  g_assert_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_FULL);
  g_clear_error (&error);

  /* Nothing half-written: the row says no body, and there is none. */
  info = casella_store_get_message (store, id);
  g_assert_nonnull (info);
  g_assert_false (info->has_body);
  g_assert_null (casella_store_get_body (store, id, &error));
  g_assert_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Room again: the same write now works. */
  g_unlink (filler);
  casella_store_set_body (store, id, big, &error);
  g_assert_no_error (error);
  g_assert_true (casella_store_check_integrity (store, &error));
  g_clear_object (&store);
  umount (dir);
}

static void
test_disk_full (void)
{
  if (g_test_subprocess ())
    {
      disk_full_child ();
      return;
    }
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* An export that does not fit: a clear error, and neither the file nor
 * a part of it is left behind; a smaller one then fits. */
static void
export_disk_full_child (void)
{
  g_autofree char *dir = casella_test_make_tmpdir ("casella-export-store");
  g_autofree char *disk = casella_test_make_tmpdir ("casella-export-disk");
  g_autofree char *path = g_build_filename (dir, "mail.db", NULL);
  g_autofree char *target = g_build_filename (disk, "backup.mbox", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (target);
  g_autoptr(CasellaStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) left = NULL;
  GString *body = g_string_new ("Subject: big\r\n\r\n");
  g_autoptr(GBytes) big = NULL;
  gint64 inbox, small;

  casella_test_small_disk (disk, 4);
  store = casella_store_open (path, &error);
  g_assert_no_error (error);
  inbox = add_folder (store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  small = add_folder (store, "Small", CASELLA_FOLDER_ROLE_NONE);
  while (body->len < 512 * 1024)
    g_string_append (body, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n");
  big = g_string_free_to_bytes (body);
  for (guint uid = 1; uid <= 12; uid++)
    {
      g_assert_true (casella_store_set_body (store, add_message (store, inbox, uid, 1000 + uid, "big", "Anna"), big,
                                             &error));
      g_assert_no_error (error);
    }
  g_assert_true (casella_store_set_body (store, add_message (store, small, 1, 1000, "small", "Bea"), big, &error));

  g_assert_cmpint (casella_export_mbox (store, NULL, inbox, file, NULL, NULL, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_clear_error (&error);
  left = g_dir_open (disk, 0, &error);
  g_assert_no_error (error);
  g_assert_null (g_dir_read_name (left));

  g_assert_cmpint (casella_export_mbox (store, NULL, small, file, NULL, NULL, NULL, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_true (g_file_test (target, G_FILE_TEST_IS_REGULAR));
  g_clear_object (&store);
  umount (disk);
  casella_test_rm_rf (dir);
}

static void
test_export_disk_full (void)
{
  if (g_test_subprocess ())
    {
      export_disk_full_child ();
      return;
    }
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  casella_engine_init ();

  g_test_add ("/store/migrations", Fixture, NULL, fixture_setup, test_migrations, fixture_teardown);
  g_test_add ("/store/statement-cache", Fixture, NULL, fixture_setup, test_statement_cache, fixture_teardown);
  g_test_add ("/store/folders", Fixture, NULL, fixture_setup, test_folders, fixture_teardown);
  g_test_add ("/store/messages", Fixture, NULL, fixture_setup, test_messages, fixture_teardown);
  g_test_add ("/store/bodies-and-search", Fixture, NULL, fixture_setup, test_bodies_and_search, fixture_teardown);
  g_test_add ("/store/pending-outbox-pop3", Fixture, NULL, fixture_setup, test_pending_outbox_pop3, fixture_teardown);
  g_test_add ("/store/model/folder-list", Fixture, NULL, fixture_setup, test_folder_list, fixture_teardown);
  g_test_add ("/store/model/message-list", Fixture, NULL, fixture_setup, test_message_list, fixture_teardown);
  g_test_add ("/store/contacts", Fixture, NULL, fixture_setup, test_contacts, fixture_teardown);
  g_test_add ("/store/conversations", Fixture, NULL, fixture_setup, test_conversations, fixture_teardown);
  g_test_add ("/store/model/conversations-first", Fixture, NULL, fixture_setup, test_conversations_first,
              fixture_teardown);
  g_test_add_func ("/store/thread-subjects", test_thread_subjects);
  g_test_add ("/store/model/merged-list", Fixture, NULL, fixture_setup, test_merged_list, fixture_teardown);
  g_test_add ("/store/undo-and-drafts", Fixture, NULL, fixture_setup, test_undo_and_drafts, fixture_teardown);
  g_test_add ("/store/opened-at-once", Fixture, NULL, fixture_setup, test_opened_at_once, fixture_teardown);
  g_test_add ("/store/checked-after-a-crash", Fixture, NULL, fixture_setup, test_checked_after_a_crash, fixture_teardown);
  g_test_add ("/store/bulk-wal-kept", Fixture, NULL, fixture_setup, test_bulk_wal_kept, fixture_teardown);
  g_test_add ("/store/rebuilt-when-damaged", Fixture, NULL, fixture_setup, test_rebuilt_when_damaged, fixture_teardown);
  g_test_add ("/store/nested-rollback", Fixture, NULL, fixture_setup, test_nested_rollback, fixture_teardown);
  g_test_add_func ("/store/compose", test_compose);
  g_test_add_func ("/store/mentions-attachment", test_mentions_attachment);
  g_test_add ("/store/search-operators", Fixture, NULL, fixture_setup, test_search_operators, fixture_teardown);
  g_test_add_func ("/store/html-to-text", test_html_to_text);
  g_test_add_func ("/store/preview", test_preview);
  g_test_add_func ("/store/plain-text-path", test_plain_text_path);
  g_test_add_func ("/store/disk-full", test_disk_full);
  g_test_add_func ("/store/export-disk-full", test_export_disk_full);

  return g_test_run ();
}
