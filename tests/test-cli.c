/* test-cli.c — casella-cli detect, add, accounts and remove, run as a
 * user would, against a private Dovecot, the SMTP sink and a local
 * HTTPS provider database; exit codes checked
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-test-dovecot.h"
#include "casella-test-https.h"
#include "casella-test-pki.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"

static CasellaTestDovecot *dovecot;
static CasellaTestSmtp *sink;
static CasellaTestHttps *https;
static char *ispdb_url;

typedef struct {
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* casella-cli with the given arguments (NULL-terminated), stdin text. */
static Run
cli (const char *input,
     ...)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  Run run = { 0 };
  va_list args;
  const char *arg;

  g_strv_builder_add (builder, g_getenv ("CASELLA_CLI"));
  va_start (args, input);
  while ((arg = va_arg (args, const char *)))
    g_strv_builder_add (builder, arg);
  va_end (args);
  argv = g_strv_builder_end (builder);

  /* The test's own folders: GLib's isolation does not reach children. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "HOME", g_get_home_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", g_get_user_cache_dir (), TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, &run.out, &run.err, &error);
  g_assert_no_error (error);
  run.status = g_subprocess_get_exit_status (process);
  g_test_message ("casella-cli %s → %d\n%s%s", argv[1], run.status, run.out, run.err);
  return run;
}

#define LOCAL_SOURCES "--sources", "ispdb", "--ispdb-url", ispdb_url, "--tls-ca-file", casella_test_pki_get ()->ca_file

static void
test_usage_and_not_found (void)
{
  g_auto(Run) nothing = cli (NULL, NULL);
  g_auto(Run) unknown = cli (NULL, "frobnicate", NULL);
  g_auto(Run) bad_address = cli (NULL, "detect", "not-an-address", NULL);
  g_auto(Run) bad_source = cli (NULL, "detect", "--sources", "crystal-ball", "a@b.test", NULL);
  g_auto(Run) none = cli (NULL, "detect", "--sources", "bundled", "who@nowhere.test", NULL);
  g_auto(Run) bundled = cli (NULL, "detect", "--json", "mario@libero.it", NULL);

  g_assert_cmpint (nothing.status, ==, 0);
  g_assert_nonnull (strstr (nothing.out, "detect"));
  g_assert_cmpint (unknown.status, ==, 2);
  g_assert_cmpint (bad_address.status, ==, 2);
  g_assert_cmpint (bad_source.status, ==, 2);
  g_assert_cmpint (none.status, ==, 3);
  g_assert_cmpint (bundled.status, ==, 0);
  g_assert_nonnull (strstr (bundled.out, "\"host\": \"imapmail.libero.it\""));
  g_assert_nonnull (strstr (bundled.out, "\"source\": \"bundled\""));
}

static void
test_detect_from_ispdb (void)
{
  g_auto(Run) run = cli (NULL, "detect", LOCAL_SOURCES, "alice@example.test", NULL);

  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Example Test Mail"));
  g_assert_nonnull (strstr (run.out, "ispdb      found"));
}

static void
test_add_list_remove (void)
{
  g_auto(Run) wrong = cli ("wrong-password\n", "add", "--password-stdin", LOCAL_SOURCES, "alice@example.test", NULL);
  g_auto(Run) empty = cli (NULL, "accounts", NULL);
  g_auto(Run) added = cli ("alicepw\n", "add", "--password-stdin", "--name", "Alice", LOCAL_SOURCES,
                           "alice@example.test", NULL);
  g_auto(Run) listed = cli (NULL, "accounts", "--json", NULL);
  g_auto(Run) removed = cli (NULL, "remove", "alice@example.test", NULL);
  g_auto(Run) gone = cli (NULL, "accounts", NULL);
  g_auto(Run) again = cli (NULL, "remove", "alice@example.test", NULL);
  g_autofree char *config = g_build_filename (g_get_user_config_dir (), "casella", "accounts.ini", NULL);
  g_autofree char *settings = NULL;

  g_assert_cmpint (wrong.status, ==, 4);
  g_assert_nonnull (strstr (wrong.err, "Not added"));
  g_assert_nonnull (strstr (empty.out, "No accounts yet"));

  g_assert_cmpint (added.status, ==, 0);
  g_assert_nonnull (strstr (added.out, "Added alice@example.test"));
  g_assert_true (g_file_get_contents (config, &settings, NULL, NULL));
  g_assert_null (strstr (settings, "alicepw"));

  g_assert_cmpint (listed.status, ==, 0);
  g_assert_nonnull (strstr (listed.out, "\"address\": \"alice@example.test\""));
  g_assert_nonnull (strstr (listed.out, "\"name\": \"Alice\""));

  g_assert_cmpint (removed.status, ==, 0);
  g_assert_nonnull (strstr (gone.out, "No accounts yet"));
  g_assert_cmpint (again.status, ==, 3);
}

static void
test_pop3_choice (void)
{
  g_auto(Run) added = cli ("alicepw\n", "add", "--password-stdin", "--protocol", "pop3", LOCAL_SOURCES,
                           "alice@example.test", NULL);
  g_auto(Run) listed = cli (NULL, "accounts", "--json", NULL);
  g_auto(Run) removed = cli (NULL, "remove", "alice@example.test", NULL);

  g_assert_cmpint (added.status, ==, 0);
  g_assert_nonnull (strstr (listed.out, "\"protocol\": \"pop3\""));
  g_assert_cmpint (removed.status, ==, 0);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  dovecot = casella_test_dovecot_new ();
  casella_test_dovecot_start (dovecot, &error);
  g_assert_no_error (error);
  sink = casella_test_smtp_new ();
  casella_test_smtp_start (sink, &error);
  g_assert_no_error (error);

  /* The provider database says example.test's mail is on these servers. */
  xml = g_strdup_printf (
    "<clientConfig version=\"1.1\"><emailProvider id=\"example.test\"><domain>example.test</domain>"
    "<displayName>Example Test Mail</displayName>"
    "<incomingServer type=\"imap\"><hostname>localhost</hostname><port>%u</port><socketType>SSL</socketType>"
    "<username>%%EMAILADDRESS%%</username><authentication>password-cleartext</authentication></incomingServer>"
    "<incomingServer type=\"pop3\"><hostname>localhost</hostname><port>%u</port><socketType>SSL</socketType>"
    "<username>%%EMAILADDRESS%%</username><authentication>password-cleartext</authentication></incomingServer>"
    "<outgoingServer type=\"smtp\"><hostname>localhost</hostname><port>%u</port><socketType>STARTTLS</socketType>"
    "<username>%%EMAILADDRESS%%</username><authentication>password-cleartext</authentication></outgoingServer>"
    "</emailProvider></clientConfig>",
    casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS), casella_test_dovecot_get_port (dovecot, CASELLA_TEST_POP3S),
    casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_STARTTLS));
  https = casella_test_https_new ();
  casella_test_https_add_file (https, "ispdb/example.test", xml);
  casella_test_https_start (https, &error);
  g_assert_no_error (error);
  ispdb_url = g_strdup_printf ("https://localhost:%u/ispdb/", casella_test_https_get_port (https));

  g_test_add_func ("/cli/usage-and-not-found", test_usage_and_not_found);
  g_test_add_func ("/cli/detect-from-ispdb", test_detect_from_ispdb);
  g_test_add_func ("/cli/add-list-remove", test_add_list_remove);
  g_test_add_func ("/cli/pop3-choice", test_pop3_choice);

  status = g_test_run ();
  casella_test_https_free (https);
  casella_test_smtp_free (sink);
  casella_test_dovecot_free (dovecot);
  return status;
}
