/* bench-detect.c — how fast settings are found
 *
 * 1. casella-cli detect for a domain in the bundled database: the whole
 *    process, start to exit (target: under 20 ms).
 * 2. A domain only probing can answer, while the provider's autoconfig
 *    and the ISPDB hang: the time to the answer beside the sum of the
 *    sources' own times, which is what asking them one after the other
 *    would cost.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-autodetect.h"
#include "casella-engine.h"
#include "casella-test-dovecot.h"
#include "casella-test-https.h"
#include "casella-test-pki.h"
#include "casella-test-resolver.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static void
bench_cli_bundled (void)
{
  const char *argv[] = { g_getenv ("CASELLA_CLI"), "detect", "mario.rossi@libero.it", NULL };
  double times[50];

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();

      process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
      g_assert_no_error (error);
      g_subprocess_wait_check (process, NULL, &error);
      g_assert_no_error (error);
      times[i] = (g_get_monotonic_time () - start) / 1000.0;
    }
  qsort (times, G_N_ELEMENTS (times), sizeof (double), compare_double);
  g_print ("casella-cli detect mario.rossi@libero.it (bundled), whole process, %u runs:\n"
           "  median %.1f ms, 90th percentile %.1f ms, best %.1f ms  (target: under 20 ms)\n",
           (guint) G_N_ELEMENTS (times), times[G_N_ELEMENTS (times) / 2], times[G_N_ELEMENTS (times) * 9 / 10], times[0]);
}

static void
bench_probe_with_hanging_sources (void)
{
  g_autoptr(CasellaTestDovecot) dovecot = casella_test_dovecot_new ();
  g_autoptr(CasellaTestSmtp) sink = casella_test_smtp_new ();
  g_autoptr(CasellaTestHttps) https = casella_test_https_new ();
  g_autoptr(CasellaTestResolver) resolver = casella_test_resolver_install ();
  g_autoptr(CasellaAutodetectOptions) options = casella_autodetect_options_new ();
  g_autoptr(CasellaAutodetect) detector = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(CasellaAutodetectResult) found = NULL;
  g_autoptr(GError) error = NULL;
  static const char *names[] = { "autoconfig.probe.test", "probe.test", "imap.probe.test", "pop.probe.test",
                                 "smtp.probe.test", "mail.probe.test", NULL };
  guint sum = 0;

  casella_test_dovecot_start (dovecot, &error);
  g_assert_no_error (error);
  casella_test_smtp_start (sink, &error);
  g_assert_no_error (error);
  casella_test_https_add_hang (https, "/mail/config-v1.1.xml");
  casella_test_https_add_hang (https, "/.well-known/autoconfig/mail/config-v1.1.xml");
  casella_test_https_add_hang (https, "/ispdb/probe.test");
  casella_test_https_start (https, &error);
  g_assert_no_error (error);
  for (guint i = 0; names[i]; i++)
    casella_test_resolver_add_host (resolver, names[i], "127.0.0.1");

  /* The real defaults: 10 s deadline, 4 s per request. */
  options->tls_database = g_object_ref (casella_test_pki_get ()->database);
  g_free (options->ispdb_base_url);
  options->ispdb_base_url = g_strdup_printf ("https://localhost:%u/ispdb/", casella_test_https_get_port (https));
  options->https_port = casella_test_https_get_port (https);
  options->http_port = casella_test_free_port ();
  options->probe_ports[CASELLA_PROBE_IMAPS] = casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS);
  options->probe_ports[CASELLA_PROBE_IMAP] = casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAP);
  options->probe_ports[CASELLA_PROBE_POP3S] = casella_test_dovecot_get_port (dovecot, CASELLA_TEST_POP3S);
  options->probe_ports[CASELLA_PROBE_POP3] = casella_test_dovecot_get_port (dovecot, CASELLA_TEST_POP3);
  options->probe_ports[CASELLA_PROBE_SMTPS] = casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_SMTPS);
  options->probe_ports[CASELLA_PROBE_SUBMISSION] = casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_STARTTLS);

  detector = casella_autodetect_new ("alice@probe.test", options);
  casella_autodetect_run_async (detector, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  found = casella_autodetect_run_finish (detector, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->configs->len, >, 0);
  g_assert_cmpint (((CasellaMailConfig *) found->configs->pdata[0])->source, ==, CASELLA_SOURCE_PROBE);

  g_print ("\nalice@probe.test: only probing answers; autoconfig and the ISPDB hang (deadline %u ms, %u ms per request):\n",
           options->deadline_ms, options->request_timeout_ms);
  for (guint s = 0; s < CASELLA_N_SOURCES; s++)
    {
      g_print ("  %-10s %-10s %5u ms\n", casella_config_source_to_string (s),
               casella_source_state_to_string (found->reports[s].state), found->reports[s].elapsed_ms);
      sum += found->reports[s].elapsed_ms;
    }
  g_print ("  answer after %u ms (within the %u ms deadline: %s); the sources one after another: %u ms\n",
           found->elapsed_ms, options->deadline_ms, found->elapsed_ms <= options->deadline_ms ? "yes" : "NO", sum);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  casella_engine_init ();

  bench_cli_bundled ();
  bench_probe_with_hanging_sources ();
  return 0;
}
