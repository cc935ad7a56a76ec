/* bench-conversations.c — a 100,000-message folder shown as conversations
 *
 * The store as a busy Inbox leaves it: 100,000 messages, a third of them
 * answers in conversations of 2 to 30 messages (In-Reply-To and
 * References, some by subject only), the rest on their own. Measured,
 * interleaved in the same run: opening the folder flat and as
 * conversations (the first 40 rows made, as the window asks, then every
 * row's id: grouped, the first conversations come before the rest),
 * adding the messages with their conversations placed, and
 * placing them all at once as a store from before conversations does on
 * its first sync.
 *
 * Target (issue 17): conversations at the flat list's speed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sqlite3.h>

#include "casella-engine.h"
#include "casella-message-list.h"
#include "casella-store.h"
#include "casella-test-util.h"

#define MESSAGES 100000
#define RUNS 20

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1e3;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof *values, compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

typedef struct {
  guint root, last, length;
} Going;

/* A third of the messages answer the last message of one of the 50
 * conversations still going; the rest start one. */
static void
fill (CasellaStore *store,
      gint64        inbox)
{
  g_autoptr(GError) error = NULL;
  Going going[50] = { { 0 } };
  guint32 seed = 17;

  for (guint i = 0; i < MESSAGES; i++)
    {
      CasellaMessageInfo info = { 0 };
      g_autofree char *id = g_strdup_printf ("m%u@bench.example", i);
      g_autofree char *subject = NULL, *reply_to = NULL, *references = NULL;
      Going *answered = NULL;

      seed = seed * 1103515245 + 12345;
      if (i >= 50 && (seed >> 16) % 3 == 0)
        answered = &going[(seed >> 8) % 50];
      if (answered != NULL && answered->length < 30)
        {
          subject = g_strdup_printf ("Re: Pratica %u", answered->root);
          /* One in ten from a client that keeps only the subject. */
          if ((seed >> 4) % 10 != 0)
            {
              reply_to = g_strdup_printf ("<m%u@bench.example>", answered->last);
              references = g_strdup_printf ("<m%u@bench.example> <m%u@bench.example>", answered->root, answered->last);
            }
          answered->last = i;
          answered->length++;
        }
      else
        {
          subject = g_strdup_printf ("Pratica %u", i);
          going[i % 50] = (Going) { i, i, 1 };
        }
      info.folder_id = inbox;
      info.uid = i + 1;
      info.date = 1700000000 + (gint64) i * 300;
      info.subject = subject;
      info.from_name = (char *) "Mario Rossi";
      info.from_address = (char *) "mario@bench.example";
      info.message_id = id;
      info.in_reply_to = reply_to;
      info.references = references;
      info.flags = CASELLA_MESSAGE_SEEN;
      info.size = 2000;
      if (i % 1000 == 0)
        g_assert_true (casella_store_begin_bulk (store, &error));
      g_assert_cmpint (casella_store_add_message (store, &info, &error), >, 0);
      if (i % 1000 == 999)
        g_assert_true (casella_store_commit (store, &error));
    }
  g_assert_no_error (error);
}

/* The first 40 rows made, as the window asks; whole: then every row
 * read (grouped, the rest of the conversations come after the first). */
static double
open_once (CasellaStore *store,
           gint64        inbox,
           gboolean      conversations,
           double       *whole,
           guint        *rows)
{
  double start = now_ms (), first;
  g_autoptr(CasellaMessageList) list = casella_message_list_new_full (store, inbox, NULL, conversations);

  for (guint row = 0; row < 40; row++)
    g_object_unref (g_list_model_get_item (G_LIST_MODEL (list), row));
  first = now_ms () - start;
  casella_message_list_complete (list);
  *whole = now_ms () - start;
  *rows = g_list_model_get_n_items (G_LIST_MODEL (list));
  return first;
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = casella_test_make_tmpdir ("casella-bench-conversations");
  g_autofree char *path = g_build_filename (dir, "store.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaStore) store = NULL;
  CasellaStoreFolder folder = { .path = (char *) "INBOX", .role = CASELLA_FOLDER_ROLE_INBOX, .subscribed = TRUE };
  double flat[RUNS], flat_whole[RUNS], grouped[RUNS], grouped_whole[RUNS], fill_ms, build_ms;
  guint flat_rows = 0, grouped_rows = 0;
  gint64 inbox;
  sqlite3 *db;

  casella_engine_init ();
  store = casella_store_open (path, &error);
  g_assert_no_error (error);
  inbox = casella_store_save_folder (store, &folder, &error);
  g_assert_no_error (error);
  fill_ms = now_ms ();
  fill (store, inbox);
  fill_ms = now_ms () - fill_ms;

  for (guint i = 0; i < RUNS; i++)
    {
      flat[i] = open_once (store, inbox, FALSE, &flat_whole[i], &flat_rows);
      grouped[i] = open_once (store, inbox, TRUE, &grouped_whole[i], &grouped_rows);
    }
  g_print ("A 100,000-message folder (%u of its messages answers in a conversation) opened: its first 40 rows\n"
           "made, then every row's id read; interleaved %u times:\n"
           "  flat:          %u rows, first 40 median %.1f ms, all rows %.1f ms\n"
           "  conversations: %u rows, first 40 median %.1f ms, all rows %.1f ms"
           "   (target: the flat list's speed)\n",
           flat_rows - grouped_rows, RUNS, flat_rows, median (flat, RUNS), median (flat_whole, RUNS), grouped_rows,
           median (grouped, RUNS), median (grouped_whole, RUNS));

  /* A store from before conversations: every message placed at once. */
  g_clear_object (&store);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE messages SET thread = 0; DELETE FROM meta WHERE key = 'threads'",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  store = casella_store_open (path, &error);
  g_assert_no_error (error);
  build_ms = now_ms ();
  g_assert_true (casella_store_build_threads (store, &error));
  build_ms = now_ms () - build_ms;
  g_assert_no_error (error);
  {
    guint again = 0;
    double whole;
    open_once (store, inbox, TRUE, &whole, &again);
    g_assert_cmpuint (again, ==, grouped_rows);
  }
  g_print ("Adding the 100,000 messages (bulk transactions of 1,000), conversations placed as they come: %.0f ms\n"
           "Placing them all in a store from before conversations (its first sync): %.0f ms\n",
           fill_ms, build_ms);
  casella_test_rm_rf (dir);
  return 0;
}
