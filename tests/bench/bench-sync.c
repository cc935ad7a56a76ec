/* bench-sync.c — how fast mail gets here, and how fast it opens
 *
 * 1. Full offline sync of 10,000 messages from the private Dovecot,
 *    Casella beside mbsync (isync) syncing the same mailbox to a
 *    Maildir, alternating, in the same run (target: Casella ≤ mbsync).
 * 2. Headers-only sync of 100,000 messages, in a process of its own:
 *    time and peak memory.
 * 3. That 100,000-message folder opened from the store: the first page
 *    of the message list (target under 50 ms), and a search over it
 *    (target under 50 ms).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

#include "casella-engine.h"
#include "casella-imap-sync.h"
#include "casella-message-list.h"
#include "casella-test-dovecot.h"
#include "casella-test-pki.h"
#include "casella-test-util.h"

#define PASSWORD "benchpw"

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof (double), compare_double);
  return values[n / 2];
}

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static guint64
peak_kb (void)
{
  g_autofree char *status = NULL;
  const char *peak;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) || !(peak = strstr (status, "VmHWM:")))
    return 0;
  return g_ascii_strtoull (peak + 6, NULL, 10);
}

/* ---- Casella ---- */

static double
casella_sync_with (guint16       port,
                   const char   *user,
                   const char   *path,
                   guint64       budget,
                   GTlsDatabase *database)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaStore) store = casella_store_open (path, &error);
  g_autoptr(CasellaNetConfig) config = casella_net_config_new ("localhost", port, CASELLA_SECURITY_TLS);
  g_autoptr(CasellaImapSync) sync = NULL;
  double start;

  g_assert_no_error (error);
  casella_net_config_set_tls_database (config, database);
  sync = casella_imap_sync_new (store, config, user, PASSWORD);
  casella_imap_sync_set_body_budget (sync, budget);
  start = now_ms ();
  casella_imap_sync_run (sync, NULL, &error);
  g_assert_no_error (error);
  return now_ms () - start;
}

static double
casella_sync (guint16     port,
              const char *user,
              const char *path,
              guint64     budget)
{
  return casella_sync_with (port, user, path, budget, casella_test_pki_get ()->database);
}

/* ---- mbsync ---- */

static char *
mbsync_config (const char *dir,
               guint16     port,
               const char *user,
               gboolean    fsync)
{
  g_autofree char *path = g_build_filename (dir, "mbsyncrc", NULL);
  g_autofree char *maildir = g_build_filename (dir, "mail", NULL);
  g_autofree char *text = g_strdup_printf (
    "FSync %s\n\n"
    "IMAPAccount bench\nHost localhost\nPort %u\nUser %s\nPass %s\nSSLType IMAPS\nCertificateFile %s\n\n"
    "IMAPStore remote\nAccount bench\n\n"
    "MaildirStore local\nPath %s/mail/\nInbox %s/mail/INBOX\n\n"
    "Channel bench\nFar :remote:\nNear :local:\nPatterns INBOX\nCreate Near\nSync Pull\nSyncState *\n",
    fsync ? "yes" : "no", port, user, PASSWORD, casella_test_pki_get ()->ca_file, dir, dir);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_cmpint (g_mkdir (maildir, 0700), ==, 0);
  return g_steal_pointer (&path);
}

static double
mbsync_sync (guint16     port,
             const char *user,
             gboolean    fsync)
{
  g_autofree char *dir = casella_test_make_tmpdir ("bench-mbsync");
  g_autofree char *config = mbsync_config (dir, port, user, fsync);
  const char *argv[] = { "mbsync", "-q", "-c", config, "-a", NULL };
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  double start = now_ms (), elapsed;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (process, NULL, &error));
  elapsed = now_ms () - start;
  casella_test_rm_rf (dir);
  return elapsed;
}

static void
bench_full_sync (CasellaTestDovecot *dovecot)
{
  guint16 port = casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS);
  double ours[5], theirs[5], theirs_nofsync[5];
  g_autoptr(GError) error = NULL;
  g_autofree char *warm = casella_test_make_tmpdir ("bench-warm");
  g_autofree char *warm_path = g_build_filename (warm, "mail.db", NULL);

  g_assert_true (casella_test_dovecot_fill (dovecot, "ten@example.test", "INBOX", 10000, &error));
  /* Dovecot builds its index and cache once, before anything is timed. */
  casella_sync (port, "ten@example.test", warm_path, CASELLA_SYNC_BODIES_ALL);
  casella_test_rm_rf (warm);
  for (guint i = 0; i < G_N_ELEMENTS (ours); i++)
    {
      g_autofree char *dir = casella_test_make_tmpdir ("bench-casella");
      g_autofree char *path = g_build_filename (dir, "mail.db", NULL);

      theirs[i] = mbsync_sync (port, "ten@example.test", TRUE);
      ours[i] = casella_sync (port, "ten@example.test", path, CASELLA_SYNC_BODIES_ALL);
      theirs_nofsync[i] = mbsync_sync (port, "ten@example.test", FALSE);
      casella_test_rm_rf (dir);
    }
  g_print ("Full offline sync of 10,000 messages (IMAPS, private Dovecot), %u runs each, alternating:\n"
           "  Casella  median %.0f ms (best %.0f)\n"
           "  mbsync   median %.0f ms (best %.0f), FSync yes (its default)\n"
           "  mbsync   median %.0f ms (best %.0f), FSync no\n"
           "  Casella / mbsync = %.2f   (target: at most 1)\n",
           (guint) G_N_ELEMENTS (ours), median (ours, G_N_ELEMENTS (ours)), ours[0],
           median (theirs, G_N_ELEMENTS (theirs)), theirs[0],
           median (theirs_nofsync, G_N_ELEMENTS (theirs_nofsync)), theirs_nofsync[0],
           median (ours, G_N_ELEMENTS (ours)) / median (theirs, G_N_ELEMENTS (theirs)));
}

/* ---- 100,000 headers, in a process of its own ---- */

static int
headers_child (const char *port,
               const char *path,
               const char *ca_file)
{
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new (ca_file, NULL);
  double elapsed = casella_sync_with ((guint16) atoi (port), "huge@example.test", path, CASELLA_SYNC_BODIES_NONE,
                                      database);

  printf ("%.0f %" G_GUINT64_FORMAT "\n", elapsed, peak_kb ());
  return 0;
}

static void
bench_headers (CasellaTestDovecot *dovecot,
               const char         *self_path,
               const char         *store_path)
{
  g_autofree char *port = g_strdup_printf ("%u", casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS));
  const char *argv[] = { self_path, "--headers-child", port, store_path, casella_test_pki_get ()->ca_file, NULL };
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  double elapsed;
  guint64 kb;

  g_assert_true (casella_test_dovecot_fill (dovecot, "huge@example.test", "INBOX", 100000, &error));
  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error));
  g_assert_true (sscanf (out, "%lf %" G_GUINT64_FORMAT, &elapsed, &kb) == 2);
  g_print ("Headers-only sync of 100,000 messages, in a fresh process:\n"
           "  %.1f s (%.0f messages/s), peak memory (VmHWM) %.1f MB\n",
           elapsed / 1000, 100000 / (elapsed / 1000), kb / 1024.0);
}

/* ---- opening and searching ---- */

static void
bench_open_and_search (const char *store_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaStore) store = casella_store_open (store_path, &error);
  g_autoptr(CasellaStoreFolder) inbox = NULL;
  double first_page[20], search[20], cold;
  guint hits = 0;

  g_assert_no_error (error);
  inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
  g_assert_nonnull (inbox);
  for (guint i = 0; i < G_N_ELEMENTS (first_page); i++)
    {
      double start = now_ms ();
      g_autoptr(CasellaMessageList) list = casella_message_list_new (store, inbox->id, NULL);

      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 100000);
      for (guint row = 0; row < 40; row++)
        g_object_unref (g_list_model_get_item (G_LIST_MODEL (list), row));
      first_page[i] = now_ms () - start;
    }
  cold = first_page[0];
  for (guint i = 0; i < G_N_ELEMENTS (search); i++)
    {
      double start = now_ms ();
      g_autoptr(CasellaMessageList) list = casella_message_list_new (store, inbox->id, i % 2 ? "fattura" : "Bianchi");

      hits = g_list_model_get_n_items (G_LIST_MODEL (list));
      for (guint row = 0; row < MIN (40u, hits); row++)
        g_object_unref (g_list_model_get_item (G_LIST_MODEL (list), row));
      search[i] = now_ms () - start;
    }
  g_print ("A 100,000-message folder opened from the store (ids for all, summaries for the first 40 rows):\n"
           "  first page: median %.1f ms, first time %.1f ms   (target: under 50 ms)\n"
           "  search (\"fattura\", \"Bianchi\"; %u hits for the last) with its first page: median %.1f ms"
           "   (target: under 50 ms)\n",
           median (first_page, G_N_ELEMENTS (first_page)), cold, hits, median (search, G_N_ELEMENTS (search)));
}

int
main (int argc, char **argv)
{
  g_autoptr(CasellaTestDovecot) dovecot = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *store_path = NULL;

  casella_engine_init ();
  if (argc == 5 && g_str_equal (argv[1], "--headers-child"))
    return headers_child (argv[2], argv[3], argv[4]);

  dovecot = casella_test_dovecot_new ();
  casella_test_dovecot_add_user (dovecot, "ten@example.test", PASSWORD);
  casella_test_dovecot_add_user (dovecot, "huge@example.test", PASSWORD);
  g_assert_true (casella_test_dovecot_start (dovecot, &error));

  /* --only big: skips the comparison with mbsync. */
  if (!(argc == 3 && g_str_equal (argv[1], "--only") && g_str_equal (argv[2], "big")))
    bench_full_sync (dovecot);
  dir = casella_test_make_tmpdir ("bench-huge");
  store_path = g_build_filename (dir, "mail.db", NULL);
  bench_headers (dovecot, argv[0], store_path);
  bench_open_and_search (store_path);
  casella_test_rm_rf (dir);
  return 0;
}
