/* test-autodetect.c — every detection source on its own and together,
 * against a libsoup HTTPS server, an in-process DNS, a private Dovecot and
 * the SMTP sink
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-autodetect.h"
#include "casella-engine.h"
#include "casella-test-dovecot.h"
#include "casella-test-https.h"
#include "casella-test-pki.h"
#include "casella-test-resolver.h"
#include "casella-test-script.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"

static CasellaTestResolver *resolver;
static CasellaTestDovecot *dovecot;
static CasellaTestSmtp *sink;

#define ALL_BUT(...) (0x7f & ~(__VA_ARGS__))
#define BIT(source) (1u << (source))

static const char config_xml[] =
  "<?xml version=\"1.0\"?>\n<clientConfig version=\"1.1\"><emailProvider id=\"%s\">"
  "<domain>%s</domain><displayName>%s</displayName>"
  "<incomingServer type=\"imap\"><hostname>imap.%s</hostname><port>993</port><socketType>SSL</socketType>"
  "<username>%%EMAILADDRESS%%</username><authentication>password-cleartext</authentication></incomingServer>"
  "<outgoingServer type=\"smtp\"><hostname>smtp.%s</hostname><port>465</port><socketType>SSL</socketType>"
  "<username>%%EMAILADDRESS%%</username><authentication>password-cleartext</authentication></outgoingServer>"
  "</emailProvider></clientConfig>\n";

static char *
xml_for (const char *domain,
         const char *name)
{
  return g_strdup_printf (config_xml, domain, domain, name, domain, domain);
}

static CasellaAutodetectOptions *
options_for (CasellaTestHttps *https,
             guint             disabled)
{
  CasellaAutodetectOptions *options = casella_autodetect_options_new ();
  guint16 closed = casella_test_closed_port ();

  options->tls_database = g_object_ref (casella_test_pki_get ()->database);
  g_free (options->ispdb_base_url);
  options->ispdb_base_url = https ? g_strdup_printf ("https://localhost:%u/ispdb/", casella_test_https_get_port (https))
                                  : NULL;
  options->https_port = https ? casella_test_https_get_port (https) : closed;
  options->http_port = https ? casella_test_https_get_http_port (https) : closed;
  options->deadline_ms = 5000;
  options->request_timeout_ms = 2000;
  options->probe_ports[CASELLA_PROBE_IMAPS] = casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS);
  options->probe_ports[CASELLA_PROBE_IMAP] = casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAP);
  options->probe_ports[CASELLA_PROBE_POP3S] = casella_test_dovecot_get_port (dovecot, CASELLA_TEST_POP3S);
  options->probe_ports[CASELLA_PROBE_POP3] = casella_test_dovecot_get_port (dovecot, CASELLA_TEST_POP3);
  options->probe_ports[CASELLA_PROBE_SMTPS] = casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_SMTPS);
  options->probe_ports[CASELLA_PROBE_SUBMISSION] = casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_STARTTLS);
  options->disabled = disabled;
  return options;
}

static CasellaAutodetectResult *
detect (const char                     *address,
        const CasellaAutodetectOptions *options,
        CasellaAutodetect             **out)
{
  g_autoptr(CasellaAutodetect) detector = casella_autodetect_new (address, options);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  CasellaAutodetectResult *found;

  casella_autodetect_run_async (detector, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  found = casella_autodetect_run_finish (detector, result, &error);
  g_assert_no_error (error);
  for (guint s = 0; s < CASELLA_N_SOURCES; s++)
    g_test_message ("  %-10s %-10s %5u ms  %s", casella_config_source_to_string (s),
                    casella_source_state_to_string (found->reports[s].state), found->reports[s].elapsed_ms,
                    found->reports[s].detail ? found->reports[s].detail : "");
  if (out)
    *out = g_steal_pointer (&detector);
  return found;
}

static CasellaMailConfig *
best (CasellaAutodetectResult *result)
{
  g_assert_cmpuint (result->configs->len, >, 0);
  return result->configs->pdata[0];
}

static GStrv
requests_seen (CasellaTestHttps *https)
{
  return casella_test_https_get_requests (https);
}

/* ---- one source at a time ---- */

static void
test_bundled_first_and_alone (void)
{
  g_autoptr(CasellaAutodetectOptions) options = options_for (NULL, 0);
  g_autoptr(CasellaAutodetectResult) result = detect ("mario.rossi@libero.it", options, NULL);
  CasellaMailConfig *config = best (result);

  g_assert_cmpint (config->source, ==, CASELLA_SOURCE_BUNDLED);
  g_assert_cmpstr (config->provider_name, ==, "Libero Mail");
  g_assert_cmpint (result->reports[CASELLA_SOURCE_BUNDLED].state, ==, CASELLA_SOURCE_STATE_FOUND);
  /* Nothing else was even asked: no network for a known provider. */
  for (guint s = CASELLA_SOURCE_AUTOCONFIG; s < CASELLA_N_SOURCES; s++)
    g_assert_cmpint (result->reports[s].state, ==, CASELLA_SOURCE_STATE_NOT_NEEDED);
  g_assert_cmpuint (casella_test_resolver_count (resolver, "libero.it"), ==, 0);
  g_assert_cmpuint (casella_test_resolver_count (resolver, "autoconfig.libero.it"), ==, 0);
  /* How fast: tests/bench/bench-detect.c measures it. */
}

static void
test_https_autoconfig (void)
{
  g_autoptr(CasellaTestHttps) https = casella_test_https_new ();
  g_autofree char *xml = xml_for ("example.test", "Example Mail");
  g_autoptr(CasellaAutodetectOptions) options = NULL;
  g_autoptr(CasellaAutodetectResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) requests = NULL;
  CasellaMailConfig *config;

  casella_test_https_add_file (https, "mail/config-v1.1.xml", xml);
  casella_test_https_start (https, &error);
  g_assert_no_error (error);
  options = options_for (https, BIT (CASELLA_SOURCE_PROBE));

  result = detect ("alice@example.test", options, NULL);
  config = best (result);
  g_assert_cmpint (config->source, ==, CASELLA_SOURCE_AUTOCONFIG);
  g_assert_cmpint (config->trust, ==, CASELLA_TRUST_PROVIDER);
  g_assert_cmpstr (config->provider_name, ==, "Example Mail");
  g_assert_true (g_str_has_prefix (config->provenance, "https://autoconfig.example.test:"));
  g_assert_cmpstr (((CasellaServerConfig *) config->incoming->pdata[0])->username, ==, "alice@example.test");
  g_assert_cmpstr (((CasellaServerConfig *) config->incoming->pdata[0])->host, ==, "imap.example.test");

  /* Over HTTPS, the address may go in the query (the spec asks for it). */
  requests = requests_seen (https);
  g_assert_true (g_strv_contains ((const char * const *) requests,
                                  "GET https /mail/config-v1.1.xml?emailaddress=alice%40example.test"));
}

static void
test_well_known (void)
{
  g_autoptr(CasellaTestHttps) https = casella_test_https_new ();
  g_autofree char *xml = xml_for ("example.test", "Well Known");
  g_autoptr(CasellaAutodetectOptions) options = NULL;
  g_autoptr(CasellaAutodetectResult) result = NULL;
  g_autoptr(GError) error = NULL;

  casella_test_https_add_file (https, ".well-known/autoconfig/mail/config-v1.1.xml", xml);
  casella_test_https_start (https, &error);
  g_assert_no_error (error);
  options = options_for (https, BIT (CASELLA_SOURCE_PROBE));

  result = detect ("bob@example.test", options, NULL);
  g_assert_cmpint (best (result)->source, ==, CASELLA_SOURCE_AUTOCONFIG);
  g_assert_cmpstr (best (result)->provider_name, ==, "Well Known");
  g_assert_true (g_str_has_suffix (best (result)->provenance, "/.well-known/autoconfig/mail/config-v1.1.xml"));
}

/* The bare domain's DNS never answers: autoconfig.<domain>, the preferred
 * place, is final the moment it answers. */
static void
test_autoconfig_answers_at_once (void)
{
  g_autoptr(CasellaTestHttps) https = casella_test_https_new ();
  g_autofree char *xml = xml_for ("slowdns.test", "Slow DNS Mail");
  g_autoptr(CasellaAutodetectOptions) options = NULL;
  g_autoptr(CasellaAutodetectResult) result = NULL;
  g_autoptr(GError) error = NULL;

  casella_test_https_add_file (https, "mail/config-v1.1.xml", xml);
  casella_test_https_start (https, &error);
  g_assert_no_error (error);
  casella_test_resolver_add_host (resolver, "autoconfig.slowdns.test", "127.0.0.1");
  casella_test_resolver_add_hang (resolver, "slowdns.test");
  options = options_for (https, BIT (CASELLA_SOURCE_PROBE));
  options->request_timeout_ms = 20000;
  options->deadline_ms = 20000;

  result = detect ("erin@slowdns.test", options, NULL);
  g_assert_cmpint (best (result)->source, ==, CASELLA_SOURCE_AUTOCONFIG);
  g_assert_cmpstr (best (result)->provider_name, ==, "Slow DNS Mail");
  g_assert_cmpint (result->reports[CASELLA_SOURCE_AUTOCONFIG].state, ==, CASELLA_SOURCE_STATE_FOUND);
  /* Long before any timeout could have ended the other lookup. */
  g_assert_cmpuint (result->elapsed_ms, <, 10000);
}

static void
test_ispdb (void)
{
  g_autoptr(CasellaTestHttps) https = casella_test_https_new ();
  g_autofree char *xml = xml_for ("ispdb.test", "From the ISPDB");
  g_autoptr(CasellaAutodetectOptions) options = NULL;
  g_autoptr(CasellaAutodetectResult) result = NULL;
  g_autoptr(GError) error = NULL;

  casella_test_https_add_file (https, "ispdb/ispdb.test", xml);
  casella_test_https_start (https, &error);
  g_assert_no_error (error);
  options = options_for (https, BIT (CASELLA_SOURCE_PROBE));

  result = detect ("carol@ispdb.test", options, NULL);
  g_assert_cmpint (best (result)->source, ==, CASELLA_SOURCE_ISPDB);
  g_assert_cmpint (best (result)->trust, ==, CASELLA_TRUST_ISPDB);
}

static void
test_mx_to_provider (void)
{
  g_autoptr(CasellaAutodetectOptions) options = options_for (NULL, BIT (CASELLA_SOURCE_PROBE));
  g_autoptr(CasellaAutodetectResult) result = NULL;
  CasellaMailConfig *config;

  /* A custom domain whose mail Fastmail handles. */
  casella_test_resolver_add_mx (resolver, "custom.test", 20, "backup.example.net");
  casella_test_resolver_add_mx (resolver, "custom.test", 10, "in1-smtp.messagingengine.com");
  result = detect ("dan@custom.test", options, NULL);
  config = best (result);
  g_assert_cmpint (config->source, ==, CASELLA_SOURCE_MX);
  g_assert_cmpint (config->trust, ==, CASELLA_TRUST_DNS);
  g_assert_cmpstr (config->provider_id, ==, "messagingengine.com");
  g_assert_nonnull (strstr (config->provenance, "in1-smtp.messagingengine.com"));
  /* Fastmail's servers are outside custom.test: the password needs consent. */
  g_assert_false (casella_mail_config_host_is_own (config, "dan@custom.test",
                                                   ((CasellaServerConfig *) config->incoming->pdata[0])->host));
}

/* A shop's domain whose mail a hosting company handles, one neither our
 * database nor the central one knows: the company's own autoconfig host
 * says where its servers are, and never learns the user's address. */
static void
test_mx_to_hosting_company (void)
{
  g_autoptr(CasellaTestHttps) https = casella_test_https_new ();
  g_autofree char *xml = xml_for ("hoster.test", "Hoster Mail");
  g_autoptr(CasellaAutodetectOptions) options = NULL;
  g_autoptr(CasellaAutodetectResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) requests = NULL;
  CasellaMailConfig *config;

  casella_test_https_add_file (https, "mail/config-v1.1.xml", xml);
  casella_test_https_start (https, &error);
  g_assert_no_error (error);
  casella_test_resolver_add_mx (resolver, "myshop.test", 10, "mx1.hoster.test.");
  casella_test_resolver_add_host (resolver, "autoconfig.hoster.test", "127.0.0.1");
  options = options_for (https, BIT (CASELLA_SOURCE_PROBE));

  result = detect ("frank@myshop.test", options, NULL);
  config = best (result);
  g_assert_cmpint (config->source, ==, CASELLA_SOURCE_MX);
  g_assert_cmpint (config->trust, ==, CASELLA_TRUST_DNS);
  g_assert_cmpstr (((CasellaServerConfig *) config->incoming->pdata[0])->host, ==, "imap.hoster.test");
  g_assert_cmpstr (((CasellaServerConfig *) config->incoming->pdata[0])->username, ==, "frank@myshop.test");
  g_assert_nonnull (strstr (config->provenance, "https://autoconfig.hoster.test"));
  g_assert_false (casella_mail_config_host_is_own (config, "frank@myshop.test", "imap.hoster.test"));

  requests = requests_seen (https);
  for (guint i = 0; requests[i]; i++)
    g_assert_null (strstr (requests[i], "frank"));
  g_assert_true (g_strv_contains ((const char * const *) requests, "GET https /ispdb/hoster.test"));
}

static void
test_srv (void)
{
  g_autoptr(CasellaAutodetectOptions) options = options_for (NULL, BIT (CASELLA_SOURCE_PROBE));
  g_autoptr(CasellaAutodetectResult) result = NULL;
  CasellaMailConfig *config;

  casella_test_resolver_add_srv (resolver, "_imaps._tcp.srv.test", 0, 1, 993, "imap.srv.test.");
  casella_test_resolver_add_srv (resolver, "_imap._tcp.srv.test", 10, 1, 143, "imap.srv.test.");
  casella_test_resolver_add_srv (resolver, "_pop3s._tcp.srv.test", 0, 0, 0, ".");   /* not offered */
  casella_test_resolver_add_srv (resolver, "_submission._tcp.srv.test", 0, 1, 587, "smtp.srv.test.");
  result = detect ("erin@srv.test", options, NULL);
  config = best (result);
  g_assert_cmpint (config->source, ==, CASELLA_SOURCE_SRV);
  g_assert_cmpuint (config->incoming->len, ==, 1);
  g_assert_cmpstr (((CasellaServerConfig *) config->incoming->pdata[0])->host, ==, "imap.srv.test");
  g_assert_cmpint (((CasellaServerConfig *) config->incoming->pdata[0])->security, ==, CASELLA_SECURITY_TLS);
  g_assert_cmpint (((CasellaServerConfig *) config->outgoing->pdata[0])->security, ==, CASELLA_SECURITY_STARTTLS);
  g_assert_cmpstr (((CasellaServerConfig *) config->outgoing->pdata[0])->username, ==, "erin@srv.test");
}

static void
test_probe (void)
{
  g_autoptr(CasellaAutodetectOptions) options = options_for (NULL, 0);
  g_autoptr(CasellaAutodetectResult) result = NULL;
  CasellaMailConfig *config;

  result = detect ("alice@probe.test", options, NULL);
  config = best (result);
  g_assert_cmpint (config->source, ==, CASELLA_SOURCE_PROBE);
  g_assert_cmpint (config->trust, ==, CASELLA_TRUST_PROBED);
  /* Implicit TLS preferred; IMAP before POP3; both offered. */
  g_assert_cmpuint (config->incoming->len, ==, 2);
  g_assert_cmpint (((CasellaServerConfig *) config->incoming->pdata[0])->protocol, ==, CASELLA_PROTOCOL_IMAP);
  g_assert_cmpstr (((CasellaServerConfig *) config->incoming->pdata[0])->host, ==, "imap.probe.test");
  g_assert_cmpint (((CasellaServerConfig *) config->incoming->pdata[0])->security, ==, CASELLA_SECURITY_TLS);
  g_assert_cmpint (((CasellaServerConfig *) config->incoming->pdata[1])->protocol, ==, CASELLA_PROTOCOL_POP3);
  g_assert_cmpstr (((CasellaServerConfig *) config->outgoing->pdata[0])->host, ==, "smtp.probe.test");
  g_assert_cmpint (((CasellaServerConfig *) config->outgoing->pdata[0])->security, ==, CASELLA_SECURITY_TLS);
}

/* Only STARTTLS ports answer: the upgrade is really made, and used. */
static void
test_probe_starttls_only (void)
{
  g_autoptr(CasellaAutodetectOptions) options = options_for (NULL, 0);
  g_autoptr(CasellaAutodetectResult) result = NULL;
  CasellaMailConfig *config;

  options->probe_ports[CASELLA_PROBE_IMAPS] = casella_test_closed_port ();
  options->probe_ports[CASELLA_PROBE_POP3S] = casella_test_closed_port ();
  options->probe_ports[CASELLA_PROBE_SMTPS] = casella_test_closed_port ();
  result = detect ("alice@probe.test", options, NULL);
  config = best (result);
  g_assert_cmpint (((CasellaServerConfig *) config->incoming->pdata[0])->security, ==, CASELLA_SECURITY_STARTTLS);
  g_assert_cmpint (((CasellaServerConfig *) config->outgoing->pdata[0])->security, ==, CASELLA_SECURITY_STARTTLS);
}

/* A server that offers STARTTLS and then refuses it is never used. */
static void
test_probe_refused_starttls_never_used (void)
{
  g_autoptr(CasellaAutodetectOptions) options = options_for (NULL, 0);
  g_autoptr(CasellaAutodetectResult) result = NULL;
  g_autoptr(CasellaTestScript) liar = casella_test_script_new (
    "> * OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] liar\n<T STARTTLS\n> $TAG NO not really\neof\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *failure = NULL;

  casella_test_script_start (liar, &error);
  g_assert_no_error (error);
  /* Only the liar listens for IMAP; POP3 and SMTP work normally. */
  options->probe_ports[CASELLA_PROBE_IMAPS] = casella_test_closed_port ();
  options->probe_ports[CASELLA_PROBE_IMAP] = casella_test_script_get_port (liar);
  casella_test_resolver_add_host (resolver, "imap.liar.test", "127.0.0.1");
  casella_test_resolver_add_host (resolver, "pop.liar.test", "127.0.0.1");
  casella_test_resolver_add_host (resolver, "smtp.liar.test", "127.0.0.1");

  result = detect ("alice@liar.test", options, NULL);
  g_assert_cmpuint (best (result)->incoming->len, ==, 1);
  g_assert_cmpint (((CasellaServerConfig *) best (result)->incoming->pdata[0])->protocol, ==, CASELLA_PROTOCOL_POP3);
  g_assert_nonnull (strstr (result->reports[CASELLA_SOURCE_PROBE].detail, "STARTTLS"));
  failure = casella_test_script_finish (liar);
  g_assert_null (failure);   /* it saw no LOGIN in plaintext, only the client leaving */
}

/* Plain HTTP: last, untrusted, and without the address in the URL. */
static void
test_http_untrusted (void)
{
  g_autoptr(CasellaTestHttps) https = casella_test_https_new ();
  g_autofree char *xml = xml_for ("example.test", "Plain HTTP");
  g_autoptr(CasellaAutodetectOptions) options = NULL;
  g_autoptr(CasellaAutodetectResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) requests = NULL;

  casella_test_https_add_file (https, "mail/config-v1.1.xml", xml);
  casella_test_https_start (https, &error);
  g_assert_no_error (error);
  options = options_for (https, BIT (CASELLA_SOURCE_PROBE));
  options->https_port = casella_test_closed_port ();   /* no HTTPS answers */

  result = detect ("frank@example.test", options, NULL);
  g_assert_cmpint (best (result)->source, ==, CASELLA_SOURCE_HTTP);
  g_assert_cmpint (best (result)->trust, ==, CASELLA_TRUST_UNTRUSTED);

  requests = requests_seen (https);
  for (guint i = 0; requests[i]; i++)
    if (g_str_has_prefix (requests[i], "GET http "))
      {
        g_assert_null (strstr (requests[i], "frank"));
        g_assert_null (strstr (requests[i], "%40"));
        g_assert_null (strstr (requests[i], "?"));
      }
}

/* A redirect to another domain is not followed; one within it is. */
static void
test_redirects (void)
{
  g_autoptr(CasellaTestHttps) https = casella_test_https_new ();
  g_autofree char *xml = xml_for ("example.test", "Redirected");
  g_autofree char *away = NULL, *within = NULL;
  g_autoptr(CasellaAutodetectOptions) options = NULL;
  g_autoptr(CasellaAutodetectResult) refused = NULL, followed = NULL;
  g_autoptr(GError) error = NULL;

  casella_test_https_add_file (https, "real/config.xml", xml);
  casella_test_https_start (https, &error);
  g_assert_no_error (error);
  away = g_strdup_printf ("https://localhost:%u/real/config.xml", casella_test_https_get_port (https));
  casella_test_https_add_redirect (https, "/mail/config-v1.1.xml", away);
  options = options_for (https, BIT (CASELLA_SOURCE_PROBE) | BIT (CASELLA_SOURCE_HTTP));

  /* The refused redirect is what is said, even when the other place's
   * plain 404 comes first (under load it did, and the 404 was said). */
  casella_test_https_add_delay (https, "/mail/config-v1.1.xml", 300);
  refused = detect ("gina@example.test", options, NULL);
  g_assert_cmpuint (refused->configs->len, ==, 0);
  g_assert_cmpint (refused->reports[CASELLA_SOURCE_AUTOCONFIG].state, ==, CASELLA_SOURCE_STATE_FAILED);
  g_assert_nonnull (strstr (refused->reports[CASELLA_SOURCE_AUTOCONFIG].detail, "not followed"));

  within = g_strdup_printf ("https://mail.example.test:%u/real/config.xml", casella_test_https_get_port (https));
  casella_test_https_add_redirect (https, "/mail/config-v1.1.xml", within);
  followed = detect ("gina@example.test", options, NULL);
  g_assert_cmpint (best (followed)->source, ==, CASELLA_SOURCE_AUTOCONFIG);
  g_assert_true (g_str_has_prefix (best (followed)->provenance, "https://mail.example.test:"));
}

/* ---- together ---- */

/* Probing answers fast, the provider's autoconfig slower: the better one
 * is waited for, and wins. */
static void
test_ranking_waits_for_better (void)
{
  g_autoptr(CasellaTestHttps) https = casella_test_https_new ();
  g_autofree char *xml = xml_for ("probe.test", "Provider Says");
  g_autoptr(CasellaAutodetectOptions) options = NULL;
  g_autoptr(CasellaAutodetectResult) result = NULL;
  g_autoptr(GError) error = NULL;

  casella_test_https_add_file (https, "ispdb/probe.test", xml);
  casella_test_https_add_delay (https, "/ispdb/probe.test", 800);
  casella_test_https_start (https, &error);
  g_assert_no_error (error);
  options = options_for (https, 0);

  result = detect ("alice@probe.test", options, NULL);
  g_assert_cmpint (best (result)->source, ==, CASELLA_SOURCE_ISPDB);
  g_assert_cmpint (result->reports[CASELLA_SOURCE_ISPDB].state, ==, CASELLA_SOURCE_STATE_FOUND);
  /* Probing had its answer long before, and was kept waiting behind it. */
  g_assert_cmpint (result->reports[CASELLA_SOURCE_PROBE].state, ==, CASELLA_SOURCE_STATE_FOUND);
  g_assert_cmpuint (result->reports[CASELLA_SOURCE_PROBE].elapsed_ms, <, result->reports[CASELLA_SOURCE_ISPDB].elapsed_ms);
  g_assert_cmpuint (result->reports[CASELLA_SOURCE_ISPDB].elapsed_ms, >=, 750);
  /* Both are in the answer, best first. */
  g_assert_cmpuint (result->configs->len, ==, 2);
  g_assert_cmpint (((CasellaMailConfig *) result->configs->pdata[1])->source, ==, CASELLA_SOURCE_PROBE);
}

/* The provider's autoconfig hangs: the answer still comes by the deadline
 * with what probing found, and the hanging source is said to have timed out. */
static void
test_hanging_source_and_deadline (void)
{
  g_autoptr(CasellaTestHttps) https = casella_test_https_new ();
  g_autoptr(CasellaAutodetectOptions) options = NULL;
  g_autoptr(CasellaAutodetectResult) result = NULL;
  g_autoptr(GError) error = NULL;

  casella_test_https_add_hang (https, "/mail/config-v1.1.xml");
  casella_test_https_add_hang (https, "/.well-known/autoconfig/mail/config-v1.1.xml");
  casella_test_https_start (https, &error);
  g_assert_no_error (error);
  options = options_for (https, 0);
  options->deadline_ms = 1500;
  options->request_timeout_ms = 30000;   /* only the deadline can end it */

  result = detect ("alice@probe.test", options, NULL);
  g_assert_cmpint (best (result)->source, ==, CASELLA_SOURCE_PROBE);
  g_assert_cmpint (result->reports[CASELLA_SOURCE_AUTOCONFIG].state, ==, CASELLA_SOURCE_STATE_TIMED_OUT);
  g_assert_cmpuint (result->elapsed_ms, >=, 1400);
  g_assert_cmpuint (result->elapsed_ms, <, 2500);
}

static void
test_nothing_found (void)
{
  g_autoptr(CasellaAutodetectOptions) options = options_for (NULL, 0);
  g_autoptr(CasellaAutodetectResult) result = detect ("who@nowhere.test", options, NULL);

  g_assert_cmpuint (result->configs->len, ==, 0);
  for (guint s = 0; s < CASELLA_N_SOURCES; s++)
    g_assert_cmpint (result->reports[s].state, !=, CASELLA_SOURCE_STATE_FOUND);
}

static void
on_cancel_timer (GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

static gboolean
cancel_later (gpointer data)
{
  on_cancel_timer (data);
  return G_SOURCE_REMOVE;
}

/* Cancel while everything hangs: the answer comes within 100 ms. */
static void
test_cancel_is_prompt (void)
{
  g_autoptr(CasellaTestHttps) https = casella_test_https_new ();
  g_autoptr(CasellaAutodetectOptions) options = NULL;
  g_autoptr(CasellaAutodetect) detector = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 cancelled_at;
  double waited;

  casella_test_https_add_hang (https, "/mail/config-v1.1.xml");
  casella_test_https_add_hang (https, "/ispdb/hang.test");
  casella_test_https_start (https, &error);
  g_assert_no_error (error);
  casella_test_resolver_add_hang (resolver, "hang.test");
  options = options_for (https, 0);
  options->request_timeout_ms = 30000;
  options->deadline_ms = 30000;

  detector = casella_autodetect_new ("someone@hang.test", options);
  casella_autodetect_run_async (detector, cancellable, casella_test_store_result, &result);
  g_timeout_add (300, cancel_later, cancellable);
  while (!g_cancellable_is_cancelled (cancellable))
    g_main_context_iteration (NULL, TRUE);
  cancelled_at = g_get_monotonic_time ();
  casella_test_await (&result);
  waited = (g_get_monotonic_time () - cancelled_at) / 1000.0;
  g_assert_null (casella_autodetect_run_finish (detector, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_test_message ("answered %.1f ms after the cancel", waited);
  g_assert_cmpfloat (waited, <, 100);
}

typedef struct {
  guint running;
  guint finished;
} Progress;

static void
on_progress (CasellaAutodetect *detector, guint source, guint state, Progress *progress)
{
  if (state == CASELLA_SOURCE_STATE_RUNNING)
    progress->running++;
  else
    progress->finished++;
}

static void
test_progress_signals (void)
{
  g_autoptr(CasellaAutodetectOptions) options = options_for (NULL, 0);
  g_autoptr(CasellaAutodetect) detector = casella_autodetect_new ("who@nowhere.test", options);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(CasellaAutodetectResult) found = NULL;
  Progress progress = { 0 };

  g_signal_connect (detector, "progress", G_CALLBACK (on_progress), &progress);
  casella_autodetect_run_async (detector, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  found = casella_autodetect_run_finish (detector, result, NULL);
  g_assert_cmpuint (progress.running, ==, CASELLA_N_SOURCES);
  g_assert_cmpuint (progress.finished, ==, CASELLA_N_SOURCES);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  static const char *names[] = { "example.test", "autoconfig.example.test", "mail.example.test",
                                 "imap.probe.test", "pop.probe.test", "smtp.probe.test", "mail.probe.test",
                                 "autoconfig.probe.test", "probe.test", "autoconfig.ispdb.test", "ispdb.test",
                                 "autoconfig.srv.test", NULL };
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  casella_engine_init ();

  resolver = casella_test_resolver_install ();
  for (guint i = 0; names[i]; i++)
    casella_test_resolver_add_host (resolver, names[i], "127.0.0.1");

  dovecot = casella_test_dovecot_new ();
  casella_test_dovecot_start (dovecot, &error);
  g_assert_no_error (error);
  sink = casella_test_smtp_new ();
  casella_test_smtp_start (sink, &error);
  g_assert_no_error (error);

  g_test_add_func ("/autodetect/bundled-first-and-alone", test_bundled_first_and_alone);
  g_test_add_func ("/autodetect/https-autoconfig", test_https_autoconfig);
  g_test_add_func ("/autodetect/well-known", test_well_known);
  g_test_add_func ("/autodetect/autoconfig-answers-at-once", test_autoconfig_answers_at_once);
  g_test_add_func ("/autodetect/ispdb", test_ispdb);
  g_test_add_func ("/autodetect/mx-to-provider", test_mx_to_provider);
  g_test_add_func ("/autodetect/mx-to-hosting-company", test_mx_to_hosting_company);
  g_test_add_func ("/autodetect/srv", test_srv);
  g_test_add_func ("/autodetect/probe", test_probe);
  g_test_add_func ("/autodetect/probe-starttls-only", test_probe_starttls_only);
  g_test_add_func ("/autodetect/probe-refused-starttls-never-used", test_probe_refused_starttls_never_used);
  g_test_add_func ("/autodetect/http-untrusted", test_http_untrusted);
  g_test_add_func ("/autodetect/redirects", test_redirects);
  g_test_add_func ("/autodetect/ranking-waits-for-better", test_ranking_waits_for_better);
  g_test_add_func ("/autodetect/hanging-source-and-deadline", test_hanging_source_and_deadline);
  g_test_add_func ("/autodetect/nothing-found", test_nothing_found);
  g_test_add_func ("/autodetect/cancel-is-prompt", test_cancel_is_prompt);
  g_test_add_func ("/autodetect/progress-signals", test_progress_signals);

  status = g_test_run ();
  casella_test_smtp_free (sink);
  casella_test_dovecot_free (dovecot);
  return status;
}
