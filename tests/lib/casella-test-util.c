/* casella-test-util.c — small helpers shared by the test fixtures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE   /* unshare() */
#include "casella-test-util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

/* A socket bound to port 0 on loopback, never listened on; *port is
 * what the kernel chose. */
static GSocket *
bind_loopback (guint16 *port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return socket;
}

/* Bind port 0 on loopback and hand back what the kernel chose. Another
 * process could take it before the server binds; fixtures retry then. */
guint16
casella_test_free_port (void)
{
  guint16 port;
  g_autoptr(GSocket) socket = bind_loopback (&port);

  return port;
}

/* A port nobody answers on, for as long as the test runs: bound and
 * never listened on, so a connection is refused and no other process
 * (another test's server picking a free port) can take it. The socket
 * is kept until the process ends. */
guint16
casella_test_closed_port (void)
{
  static GPtrArray *held;
  guint16 port;

  if (held == NULL)
    held = g_ptr_array_new ();
  g_ptr_array_add (held, bind_loopback (&port));
  return port;
}

gboolean
casella_test_wait_for_port (guint16   port,
                            guint     timeout_ms,
                            GError  **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GSocketClient) client = g_socket_client_new ();
      g_autoptr(GSocketConnection) conn = NULL;

      conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
      if (conn != NULL)
        return TRUE;
      g_usleep (10 * 1000);
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
               "Nothing listens on 127.0.0.1:%u after %u ms", port, timeout_ms);
  return FALSE;
}

/* Dovecot's auth and mail processes run as other users when the tests run
 * as root, so the directory must be traversable (0755) and must not sit
 * under root's private home. */
char *
casella_test_make_tmpdir (const char *prefix)
{
  g_autofree char *tmpl = g_strdup_printf ("%s-XXXXXX", prefix);
  g_autofree char *path = NULL;
  const char *base = getuid () == 0 ? "/tmp" : g_get_tmp_dir ();
  g_autofree char *full = g_build_filename (base, tmpl, NULL);

  path = g_mkdtemp_full (full, 0755) ? g_steal_pointer (&full) : NULL;
  g_assert_nonnull (path);
  g_chmod (path, 0755);

  return g_steal_pointer (&path);
}

void
casella_test_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    return;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_unlink (path);
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      casella_test_rm_rf (child);
    }
  g_rmdir (path);
}

gboolean
casella_test_run (const char * const  *argv,
                  GError             **error)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *err_text = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  if (process == NULL)
    return FALSE;
  if (!g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err_text, error))
    return FALSE;
  if (!g_subprocess_get_successful (process))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s failed: %s", argv[0],
                   err_text ? err_text : "");
      return FALSE;
    }
  return TRUE;
}

/* Where the harness scripts live (set by tests/meson.build). */
const char *
casella_test_lib_dir (void)
{
  const char *dir = g_getenv ("CASELLA_TEST_LIB_DIR");

  g_assert_nonnull (dir);
  return dir;
}

/* Iterate the thread-default main context until check() says yes. */
gboolean
casella_test_wait_until (GSourceFunc check,
                         gpointer    data,
                         guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  GMainContext *context = g_main_context_get_thread_default ();

  while (!check (data))
    {
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      if (!g_main_context_iteration (context, FALSE))
        g_usleep (2 * 1000);
    }
  return TRUE;
}

/* SIGTERM, then SIGKILL if it is still there after timeout_ms. GLib's
 * worker thread reaps the child, which clears the identifier. */
void
casella_test_stop_subprocess (GSubprocess *process,
                              guint        timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  if (process == NULL)
    return;

  g_subprocess_send_signal (process, SIGTERM);
  while (g_subprocess_get_identifier (process) != NULL && g_get_monotonic_time () < deadline)
    g_usleep (5 * 1000);
  if (g_subprocess_get_identifier (process) != NULL)
    g_subprocess_force_exit (process);
  g_subprocess_wait (process, NULL, NULL);
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* A server for a test: it dies with the test process (so a crashed test
 * leaves nothing behind), and its output goes to log_path rather than to
 * the test's stdout, which meson waits on. */
GSubprocess *
casella_test_spawn (const char * const  *argv,
                    const char          *log_path,
                    gboolean             pipe_stdout,
                    GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;

  launcher = g_subprocess_launcher_new (pipe_stdout ? G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                    : G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  if (!pipe_stdout)
    g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, log_path);

  return g_subprocess_launcher_spawnv (launcher, argv, error);
}

void
casella_test_store_result (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

static gboolean
on_await_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
casella_test_await_timeout (GAsyncResult **slot,
                            guint          timeout_ms)
{
  GMainContext *context = g_main_context_get_thread_default ();
  g_autoptr(GSource) timer = g_timeout_source_new (timeout_ms);
  gboolean timed_out = FALSE;

  g_source_set_callback (timer, on_await_timeout, &timed_out, NULL);
  g_source_attach (timer, context);
  while (*slot == NULL && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timer);
  if (*slot == NULL)
    g_error ("An asynchronous operation did not finish within %u ms", timeout_ms);
}

void
casella_test_await (GAsyncResult **slot)
{
  casella_test_await_timeout (slot, 30000);
}

/* Every file under dir, read whole: none holds secret, plain or in
 * base64 (as an AUTH PLAIN line would carry it). */
void
casella_test_assert_no_file_holds (const char *dir,
                                   const char *secret)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  g_autofree char *b64 = g_base64_encode ((const guchar *) secret, strlen (secret));
  const char *name;

  while (listing && (name = g_dir_read_name (listing)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *data = NULL;
      gsize length;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        casella_test_assert_no_file_holds (path, secret);
      else if (g_file_get_contents (path, &data, &length, NULL))
        {
          g_test_message ("scanned %s (%" G_GSIZE_FORMAT " bytes)", path, length);
          g_assert_null (g_strstr_len (data, length, secret));
          g_assert_null (g_strstr_len (data, length, b64));
        }
    }
}

const char *
casella_test_language (void)
{
  const char *lang = g_getenv ("LANGUAGE");

  return lang != NULL && g_str_has_prefix (lang, "it") ? "it" : "en";
}

static const char *
date_name (const char * const (*names)[2][2], guint n, guint index, gboolean abbreviated)
{
  gboolean italian = g_str_equal (casella_test_language (), "it");

  g_assert_true (index >= 1 && index <= n);
  return names[index - 1][italian][!abbreviated];
}

const char *
casella_test_month_name (guint    month,
                         gboolean abbreviated)
{
  /* { { English short, long }, { Italian short, long } } */
  static const char * const months[12][2][2] = {
    { { "Jan", "January" }, { "gen", "gennaio" } },   { { "Feb", "February" }, { "feb", "febbraio" } },
    { { "Mar", "March" }, { "mar", "marzo" } },       { { "Apr", "April" }, { "apr", "aprile" } },
    { { "May", "May" }, { "mag", "maggio" } },        { { "Jun", "June" }, { "giu", "giugno" } },
    { { "Jul", "July" }, { "lug", "luglio" } },       { { "Aug", "August" }, { "ago", "agosto" } },
    { { "Sep", "September" }, { "set", "settembre" } }, { { "Oct", "October" }, { "ott", "ottobre" } },
    { { "Nov", "November" }, { "nov", "novembre" } }, { { "Dec", "December" }, { "dic", "dicembre" } },
  };

  return date_name (months, 12, month, abbreviated);
}

const char *
casella_test_weekday_name (guint    weekday,
                           gboolean abbreviated)
{
  static const char * const days[7][2][2] = {
    { { "Mon", "Monday" }, { "lun", "lunedì" } },     { { "Tue", "Tuesday" }, { "mar", "martedì" } },
    { { "Wed", "Wednesday" }, { "mer", "mercoledì" } }, { { "Thu", "Thursday" }, { "gio", "giovedì" } },
    { { "Fri", "Friday" }, { "ven", "venerdì" } },    { { "Sat", "Saturday" }, { "sab", "sabato" } },
    { { "Sun", "Sunday" }, { "dom", "domenica" } },
  };

  return date_name (days, 7, weekday, abbreviated);
}

char *
casella_test_date_header (gint64 when)
{
  static const char * const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char * const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_local (when);
  g_autofree char *rest = g_date_time_format (date, "%Y %H:%M:%S %z");

  return g_strdup_printf ("%s, %02d %s %s", days[g_date_time_get_day_of_week (date) - 1],
                          g_date_time_get_day_of_month (date), months[g_date_time_get_month (date) - 1], rest);
}

static gboolean
write_file (const char *path,
            const char *text)
{
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_NONE, 0644, NULL);
}

/* A user namespace makes us root of our own mounts, with any uid, and
 * its mount namespace never propagates mounts back to the machine's. */
static gboolean
enter_user_namespace (void)
{
  g_autofree char *uid_map = g_strdup_printf ("0 %u 1\n", (guint) getuid ());
  g_autofree char *gid_map = g_strdup_printf ("0 %u 1\n", (guint) getgid ());

  return unshare (CLONE_NEWUSER | CLONE_NEWNS) == 0 && write_file ("/proc/self/setgroups", "deny") &&
         write_file ("/proc/self/uid_map", uid_map) && write_file ("/proc/self/gid_map", gid_map);
}

void
casella_test_small_disk (const char *dir,
                         guint       size_mb)
{
  g_autofree char *options = g_strdup_printf ("size=%um", size_mb);
  int user_errno = 0;

  if (!enter_user_namespace ())
    {
      /* Root without user namespaces: a private copy of the mounts. */
      user_errno = errno;
      if (unshare (CLONE_NEWNS) != 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        g_error ("cannot make a small disk: no user namespace (%s), no mount namespace (%s)",
                 g_strerror (user_errno), g_strerror (errno));
    }
  if (mount ("tmpfs", dir, "tmpfs", 0, options) != 0)
    g_error ("cannot mount a %u MiB tmpfs on %s: %s", size_mb, dir, g_strerror (errno));
}

void
casella_test_damage_table (const char *path,
                           const char *table)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *statement = NULL;
  gint64 root = 0, page_size = 0;
  FILE *file;
  char garbage[512];

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT rootpage FROM sqlite_master WHERE name = ?", -1, &statement,
                                       NULL), ==, SQLITE_OK);
  sqlite3_bind_text (statement, 1, table, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (statement), ==, SQLITE_ROW);
  root = sqlite3_column_int64 (statement, 0);
  sqlite3_finalize (statement);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA page_size", -1, &statement, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (statement), ==, SQLITE_ROW);
  page_size = sqlite3_column_int64 (statement, 0);
  sqlite3_finalize (statement);
  sqlite3_close (db);

  memset (garbage, 0x5a, sizeof garbage);
  file = fopen (path, "r+b");
  g_assert_nonnull (file);
  g_assert_cmpint (fseek (file, (root - 1) * page_size, SEEK_SET), ==, 0);
  g_assert_cmpuint (fwrite (garbage, 1, sizeof garbage, file), ==, sizeof garbage);
  fclose (file);
}
