/* test-oauth2.c — OAuth2 sign-in against the tests' own authorization
 * server and a real Dovecot whose oauth2 passdb checks every token: the
 * flow (PKCE, state, one redirect, denial, cancel), the token answers,
 * SASL XOAUTH2/OAUTHBEARER on IMAP, POP3 and submission, renewal, an
 * ended sign-in, and no token in any file.
 *
 * Runs inside a private Secret Service session (casella-test-session).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

#include "casella-account-sync.h"
#include "casella-credentials.h"
#include "casella-engine.h"
#include "casella-imap-client.h"
#include "casella-mail-error.h"
#include "casella-oauth2-flow.h"
#include "casella-pop3-client.h"
#include "casella-secret.h"
#include "casella-sign-in.h"
#include "casella-smtp-client.h"
#include "casella-test-cli.h"
#include "casella-test-dovecot.h"
#include "casella-test-https.h"
#include "casella-test-oauth2.h"
#include "casella-test-pki.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"

static CasellaTestOAuth2World *world;
static CasellaTestOAuth2 *server;
static CasellaTestDovecot *dovecot;
static CasellaTestSmtp *sink;
static char *providers_arg;
static char *ispdb_url;
static CasellaTestHttps *ispdb;

#define CLI_SOURCES "--sources", "ispdb", "--ispdb-url", ispdb_url, "--tls-ca-file", casella_test_pki_get ()->ca_file, \
                    providers_arg

static CasellaOAuth2Provider *
test_provider (void)
{
  CasellaOAuth2Provider *provider = casella_oauth2_provider_lookup ("testauth");

  g_assert_nonnull (provider);
  return provider;
}

/* ---- pieces ---- */

static void
test_pkce (void)
{
  g_autofree char *verifier = casella_oauth2_pkce_verifier ();
  g_autofree char *other = casella_oauth2_pkce_verifier ();
  /* RFC 7636 appendix B. */
  g_autofree char *challenge = casella_oauth2_pkce_challenge ("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");

  g_assert_cmpstr (challenge, ==, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  g_assert_cmpuint (strlen (verifier), ==, 43);
  g_assert_cmpstr (verifier, !=, other);
  for (const char *p = verifier; *p; p++)
    g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');
}

static char *
decoded (const char *b64)
{
  gsize length;
  guchar *data = g_base64_decode (b64, &length);
  char *text = g_strndup ((char *) data, length);

  g_free (data);
  return text;
}

static void
test_sasl (void)
{
  g_autoptr(CasellaSecret) x = casella_sasl_xoauth2 ("a@b.test", "tok");
  g_autoptr(CasellaSecret) o = casella_sasl_oauthbearer ("we,ird=@b.test", "tok");
  g_autofree char *xs = decoded (x);
  g_autofree char *os = decoded (o);

  g_assert_cmpstr (xs, ==, "user=a@b.test\001auth=Bearer tok\001\001");
  g_assert_cmpstr (os, ==, "n,a=we=2Cird=3D@b.test,\001auth=Bearer tok\001\001");
}

static CasellaOAuth2Tokens *
parse (guint status, const char *json, GError **error)
{
  return casella_oauth2_parse_token_response (status, json, strlen (json), error);
}

static void
test_token_response (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaOAuth2Tokens) good = parse (200, "{\"access_token\":\"at1\",\"token_type\":\"Bearer\","
                                                    "\"expires_in\":3599,\"refresh_token\":\"rt1\"}", &error);
  g_autoptr(CasellaOAuth2Tokens) text_expiry = NULL;
  gint64 now = g_get_real_time ();

  g_assert_no_error (error);
  g_assert_cmpstr (good->access_token, ==, "at1");
  g_assert_cmpstr (good->refresh_token, ==, "rt1");
  g_assert_cmpint (good->expires_at, >, now + (gint64) 3500 * G_USEC_PER_SEC);
  /* Some providers send the number as a string. */
  text_expiry = parse (200, "{\"access_token\":\"at2\",\"expires_in\":\"60\"}", &error);
  g_assert_no_error (error);
  g_assert_null (text_expiry->refresh_token);
  g_assert_cmpint (text_expiry->expires_at, >, now);

  struct { guint status; const char *json; int code; } bad[] = {
    { 400, "{\"error\":\"invalid_grant\",\"error_description\":\"Token has been expired or revoked.\"}",
      CASELLA_OAUTH2_ERROR_INVALID_GRANT },
    { 400, "{\"error\":\"invalid_client\"}", CASELLA_OAUTH2_ERROR_CLIENT_REJECTED },
    { 400, "{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS65001: The user or administrator has not "
           "consented\"}", CASELLA_OAUTH2_ERROR_ADMIN_CONSENT },
    { 200, "{\"access_token\":\"line\\r\\nA1 LOGOUT\"}", CASELLA_OAUTH2_ERROR_BAD_RESPONSE },
    { 200, "{\"access_token\":\"x\",\"token_type\":\"mac\"}", CASELLA_OAUTH2_ERROR_BAD_RESPONSE },
    { 200, "{\"token_type\":\"Bearer\"}", CASELLA_OAUTH2_ERROR_BAD_RESPONSE },
    { 200, "[1,2]", CASELLA_OAUTH2_ERROR_BAD_RESPONSE },
    { 200, "<html>", CASELLA_OAUTH2_ERROR_BAD_RESPONSE },
    { 502, "<html>Bad gateway</html>", CASELLA_OAUTH2_ERROR_FAILED },
    { 500, "{\"access_token\":\"x\"}", CASELLA_OAUTH2_ERROR_FAILED },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) e = NULL;
      g_autoptr(CasellaOAuth2Tokens) none = parse (bad[i].status, bad[i].json, &e);

      g_assert_null (none);
      g_assert_error (e, CASELLA_OAUTH2_ERROR, bad[i].code);
    }
}

static void
test_providers (void)
{
  const char *mail_ids[] = { "googlemail.com", "hotmail.com", "office365.com", "yahoo.com", "aol.com",
                             "yandex.ru", "mail.ru" };
  const char *ids[] = { "google", "microsoft", "microsoft", "yahoo", "yahoo", "yandex", "mailru" };
  g_autoptr(CasellaOAuth2Provider) microsoft = casella_oauth2_provider_lookup ("microsoft");
  g_autoptr(CasellaOAuth2Provider) none = casella_oauth2_provider_for_mail_provider ("libero.it");
  CasellaProtocol both[] = { CASELLA_PROTOCOL_IMAP, CASELLA_PROTOCOL_SMTP };
  g_autofree char *scope = casella_oauth2_provider_dup_scope (microsoft, both, 2);

  for (guint i = 0; i < G_N_ELEMENTS (mail_ids); i++)
    {
      g_autoptr(CasellaOAuth2Provider) provider = casella_oauth2_provider_for_mail_provider (mail_ids[i]);

      g_assert_nonnull (provider);
      g_assert_cmpstr (provider->id, ==, ids[i]);
      g_assert_true (g_str_has_prefix (provider->authorize_url, "https://"));
      g_assert_true (g_str_has_prefix (provider->token_url, "https://"));
    }
  g_assert_null (none);
  /* The suite's build has no client IDs: nobody's ID is borrowed. */
  g_assert_false (casella_oauth2_provider_is_usable (microsoft));
  g_assert_false (microsoft->app_passwords);
  g_assert_cmpstr (scope, ==, "https://outlook.office.com/IMAP.AccessAsUser.All offline_access "
                              "https://outlook.office.com/SMTP.Send");
  {
    g_autoptr(CasellaOAuth2Provider) test = test_provider ();
    g_autoptr(CasellaOAuth2Flow) flow = casella_oauth2_flow_new (microsoft, scope, NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true (casella_oauth2_provider_is_usable (test));
    g_assert_false (casella_oauth2_flow_start (flow, &error));
    g_assert_error (error, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_NOT_CONFIGURED);
  }
}

/* ---- the flow ---- */

static CasellaOAuth2Flow *
start_flow (const char *user)
{
  g_autoptr(CasellaOAuth2Provider) provider = test_provider ();
  CasellaOAuth2Flow *flow = casella_oauth2_flow_new (provider, "mail.read offline", user);
  g_autoptr(GError) error = NULL;

  casella_oauth2_flow_set_tls_database (flow, casella_test_pki_get ()->database);
  g_assert_true (casella_oauth2_flow_start (flow, &error));
  g_assert_no_error (error);
  return flow;
}

static CasellaOAuth2Tokens *
sign_in (const char *user,
         GError    **error)
{
  g_autoptr(CasellaOAuth2Flow) flow = start_flow (user);
  g_autoptr(GAsyncResult) result = NULL;

  casella_oauth2_flow_wait_async (flow, 60, NULL, casella_test_store_result, &result);
  casella_test_oauth2_consent_in_thread (server, casella_oauth2_flow_get_uri (flow), TRUE);
  casella_test_await (&result);
  return casella_oauth2_flow_wait_finish (flow, result, error);
}

static void
on_redirected (CasellaOAuth2Flow *flow,
               gboolean          *redirected)
{
  *redirected = TRUE;
}

static void
test_flow (void)
{
  g_autoptr(CasellaOAuth2Flow) flow = start_flow ("alice@example.test");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaOAuth2Tokens) tokens = NULL;
  g_autoptr(GUri) uri = g_uri_parse (casella_oauth2_flow_get_uri (flow), G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_autoptr(GHashTable) query = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);
  gboolean redirected = FALSE;
  g_autofree char *challenge = NULL;
  g_autofree char *hint = NULL;

  g_signal_connect (flow, "redirected", G_CALLBACK (on_redirected), &redirected);
  g_assert_true (g_str_has_prefix (g_hash_table_lookup (query, "redirect_uri"), "http://127.0.0.1:"));
  g_assert_cmpstr (g_hash_table_lookup (query, "code_challenge_method"), ==, "S256");
  g_assert_cmpuint (strlen (g_hash_table_lookup (query, "state")), >=, 32);
  g_assert_cmpstr (g_hash_table_lookup (query, "access_type"), ==, "offline");
  g_assert_cmpstr (g_hash_table_lookup (query, "scope"), ==, "mail.read offline");

  casella_oauth2_flow_wait_async (flow, 60, NULL, casella_test_store_result, &result);
  casella_test_oauth2_consent_in_thread (server, casella_oauth2_flow_get_uri (flow), TRUE);
  casella_test_await (&result);
  tokens = casella_oauth2_flow_wait_finish (flow, result, &error);
  g_assert_no_error (error);
  g_assert_true (redirected);
  g_assert_true (g_str_has_prefix (tokens->access_token, "access-"));
  g_assert_true (g_str_has_prefix (tokens->refresh_token, "refresh-"));
  hint = casella_test_oauth2_dup_last_param (server, "login_hint");
  g_assert_cmpstr (hint, ==, "alice@example.test");
  challenge = casella_test_oauth2_dup_last_param (server, "code_challenge");
  g_assert_cmpuint (strlen (challenge), ==, 43);
}

static void
test_flow_denied (void)
{
  g_autoptr(CasellaOAuth2Flow) flow = start_flow ("alice@example.test");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaOAuth2Tokens) tokens = NULL;

  casella_oauth2_flow_wait_async (flow, 60, NULL, casella_test_store_result, &result);
  casella_test_oauth2_consent_in_thread (server, casella_oauth2_flow_get_uri (flow), FALSE);
  casella_test_await (&result);
  tokens = casella_oauth2_flow_wait_finish (flow, result, &error);
  g_assert_null (tokens);
  g_assert_error (error, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_DENIED);
}

typedef struct {
  char    *url;
  guint    status;
  gboolean refused;   /* nothing listens any more */
} Visit;

static gpointer
visit_thread (gpointer data)
{
  Visit *visit = data;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = soup_message_new ("GET", visit->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, message, NULL, &error);

  visit->refused = body == NULL;
  visit->status = soup_message_get_status (message);
  return NULL;
}

/* A GET to the listener from another thread, the flow's loop running. */
static void
visit (Visit *v)
{
  GThread *thread = g_thread_new ("visit", visit_thread, v);
  gboolean done = FALSE;

  while (!done)
    {
      g_main_context_iteration (NULL, FALSE);
      done = v->status != 0 || v->refused;
      g_usleep (1000);
    }
  g_thread_join (thread);
}

static char *
listener_url (CasellaOAuth2Flow *flow,
              const char        *query)
{
  g_autoptr(GUri) uri = g_uri_parse (casella_oauth2_flow_get_uri (flow), G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_autoptr(GHashTable) params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);

  return g_strdup_printf ("%s?%s", (char *) g_hash_table_lookup (params, "redirect_uri"), query);
}

static void
test_flow_wrong_state (void)
{
  g_autoptr(CasellaOAuth2Flow) flow = start_flow ("alice@example.test");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaOAuth2Tokens) tokens = NULL;
  g_autofree char *forged = listener_url (flow, "code=stolen&state=guessed");
  Visit wrong = { forged };
  g_autofree char *again = NULL;
  Visit second = { NULL };

  casella_oauth2_flow_wait_async (flow, 60, NULL, casella_test_store_result, &result);
  /* A redirect with another state is refused, and the flow waits on. */
  visit (&wrong);
  g_assert_cmpuint (wrong.status, ==, SOUP_STATUS_BAD_REQUEST);
  g_assert_null (result);
  casella_test_oauth2_consent_in_thread (server, casella_oauth2_flow_get_uri (flow), TRUE);
  casella_test_await (&result);
  tokens = casella_oauth2_flow_wait_finish (flow, result, &error);
  g_assert_no_error (error);
  /* A second redirect finds nobody listening. */
  again = listener_url (flow, "code=again&state=whatever");
  second.url = again;
  visit (&second);
  g_assert_true (second.refused);
}

static void
test_flow_cancel (void)
{
  g_autoptr(CasellaOAuth2Flow) flow = start_flow ("alice@example.test");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = listener_url (flow, "code=late&state=x");
  Visit late = { url };
  gint64 start;

  casella_oauth2_flow_wait_async (flow, 60, cancellable, casella_test_store_result, &result);
  start = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  casella_test_await (&result);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_assert_null (casella_oauth2_flow_wait_finish (flow, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* The listener is gone with the cancel. */
  visit (&late);
  g_assert_true (late.refused);
}

static void
test_flow_timeout (void)
{
  g_autoptr(CasellaOAuth2Flow) flow = start_flow ("alice@example.test");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  casella_oauth2_flow_wait_async (flow, 1, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_null (casella_oauth2_flow_wait_finish (flow, result, &error));
  g_assert_error (error, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_TIMEOUT);
}

/* ---- signing in to real servers ---- */

static GObject *
connected_client (CasellaProtocol protocol)
{
  g_autoptr(CasellaNetConfig) config = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GObject *client;
  gboolean ok;

  if (protocol == CASELLA_PROTOCOL_IMAP)
    config = casella_net_config_new ("localhost", casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS),
                                     CASELLA_SECURITY_TLS);
  else if (protocol == CASELLA_PROTOCOL_POP3)
    config = casella_net_config_new ("localhost", casella_test_dovecot_get_port (dovecot, CASELLA_TEST_POP3),
                                     CASELLA_SECURITY_STARTTLS);
  else
    config = casella_net_config_new ("localhost", casella_test_dovecot_get_submission_port (dovecot),
                                     CASELLA_SECURITY_STARTTLS);
  casella_net_config_set_tls_database (config, casella_test_pki_get ()->database);
  casella_net_config_set_timeouts (config, 10000, 10000);
  if (protocol == CASELLA_PROTOCOL_IMAP)
    {
      client = G_OBJECT (casella_imap_client_new (config));
      casella_imap_client_connect_async (CASELLA_IMAP_CLIENT (client), NULL, casella_test_store_result, &result);
      casella_test_await (&result);
      ok = casella_imap_client_connect_finish (CASELLA_IMAP_CLIENT (client), result, &error);
    }
  else if (protocol == CASELLA_PROTOCOL_POP3)
    {
      client = G_OBJECT (casella_pop3_client_new (config));
      casella_pop3_client_connect_async (CASELLA_POP3_CLIENT (client), NULL, casella_test_store_result, &result);
      casella_test_await (&result);
      ok = casella_pop3_client_connect_finish (CASELLA_POP3_CLIENT (client), result, &error);
    }
  else
    {
      client = G_OBJECT (casella_smtp_client_new (config));
      casella_smtp_client_connect_async (CASELLA_SMTP_CLIENT (client), NULL, casella_test_store_result, &result);
      casella_test_await (&result);
      ok = casella_smtp_client_connect_finish (CASELLA_SMTP_CLIENT (client), result, &error);
    }
  g_assert_no_error (error);
  g_assert_true (ok);
  return client;
}

static gboolean
sign_in_with (GObject            *client,
              CasellaTokenSource *tokens,
              GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  casella_sign_in_async (client, "alice@example.test", NULL, tokens, NULL, casella_test_store_result, &result);
  casella_test_await_timeout (&result, 20000);
  return casella_sign_in_finish (result, error);
}

static CasellaTokenSource *
token_source (CasellaAccount *account)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaOAuth2Tokens) tokens = sign_in (casella_account_get_address (account), &error);
  g_autoptr(CasellaOAuth2Provider) provider = test_provider ();
  CasellaTokenSource *source;

  g_assert_no_error (error);
  g_assert_true (casella_credentials_store_sync (account, CASELLA_CREDENTIAL_OAUTH2, tokens->refresh_token, NULL,
                                                 &error));
  source = casella_token_source_new (account, provider, tokens->refresh_token, casella_test_pki_get ()->database);
  casella_token_source_seed (source, tokens);
  return source;
}

/* An OAuth2 account on the test Dovecot (IMAPS, submission). */
static CasellaAccount *
casella_test_oauth2_account (const char *address)
{
  CasellaAccount *account = casella_account_new (address);
  g_autoptr(CasellaServerConfig) imap = casella_server_config_new (CASELLA_PROTOCOL_IMAP, "localhost",
                                                                   casella_test_dovecot_get_port (dovecot,
                                                                                                  CASELLA_TEST_IMAPS),
                                                                   CASELLA_SECURITY_TLS);
  g_autoptr(CasellaServerConfig) smtp = casella_server_config_new (CASELLA_PROTOCOL_SMTP, "localhost",
                                                                   casella_test_dovecot_get_submission_port (dovecot),
                                                                   CASELLA_SECURITY_STARTTLS);

  imap->username = g_strdup (address);
  smtp->username = g_strdup (address);
  casella_account_set_incoming (account, imap);
  casella_account_set_outgoing (account, smtp);
  casella_account_set_oauth2_provider (account, "testauth");
  return account;
}

static void
test_servers_take_tokens (void)
{
  g_autoptr(CasellaAccount) account = casella_account_new ("alice@example.test");
  g_autoptr(CasellaTokenSource) tokens = token_source (account);
  CasellaProtocol protocols[] = { CASELLA_PROTOCOL_IMAP, CASELLA_PROTOCOL_POP3, CASELLA_PROTOCOL_SMTP };

  for (guint i = 0; i < G_N_ELEMENTS (protocols); i++)
    {
      g_autoptr(GObject) client = connected_client (protocols[i]);
      g_autoptr(GError) error = NULL;

      g_assert_true (sign_in_with (client, tokens, &error));
      g_assert_no_error (error);
    }
  /* The seeded token was good for all three: no refresh needed. */
  g_assert_cmpuint (casella_token_source_get_n_refreshes (tokens), ==, 0);
}

/* A refused token gets the challenge answered, so the server says NO
 * rather than waiting for us; the connection is still good after. */
static void
test_refused_token_answers_challenge (void)
{
  CasellaProtocol protocols[] = { CASELLA_PROTOCOL_IMAP, CASELLA_PROTOCOL_POP3, CASELLA_PROTOCOL_SMTP };

  for (guint i = 0; i < G_N_ELEMENTS (protocols); i++)
    {
      g_autoptr(GObject) client = connected_client (protocols[i]);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      gboolean ok;

      if (protocols[i] == CASELLA_PROTOCOL_IMAP)
        casella_imap_client_login_oauth2_async (CASELLA_IMAP_CLIENT (client), "alice@example.test", "forged",
                                                NULL, casella_test_store_result, &result);
      else if (protocols[i] == CASELLA_PROTOCOL_POP3)
        casella_pop3_client_login_oauth2_async (CASELLA_POP3_CLIENT (client), "alice@example.test", "forged",
                                                NULL, casella_test_store_result, &result);
      else
        casella_smtp_client_login_oauth2_async (CASELLA_SMTP_CLIENT (client), "alice@example.test", "forged",
                                                NULL, casella_test_store_result, &result);
      casella_test_await_timeout (&result, 8000);
      if (protocols[i] == CASELLA_PROTOCOL_IMAP)
        ok = casella_imap_client_login_finish (CASELLA_IMAP_CLIENT (client), result, &error);
      else if (protocols[i] == CASELLA_PROTOCOL_POP3)
        ok = casella_pop3_client_login_finish (CASELLA_POP3_CLIENT (client), result, &error);
      else
        ok = casella_smtp_client_login_finish (CASELLA_SMTP_CLIENT (client), result, &error);
      g_assert_false (ok);
      g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_AUTH_FAILED);
    }
}

/* The server refuses a token the source thought good: renewed once,
 * signed in; and Microsoft-style rotation saves the new refresh token. */
static void
test_renewal (void)
{
  g_autoptr(CasellaAccount) account = casella_account_new ("alice@example.test");
  g_autoptr(CasellaTokenSource) tokens = token_source (account);
  g_autoptr(GObject) imap = connected_client (CASELLA_PROTOCOL_IMAP);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = casella_credentials_lookup_sync (account, CASELLA_CREDENTIAL_OAUTH2, NULL, &error);
  g_autofree char *after = NULL;
  guint refreshes = casella_test_oauth2_count_grants (server, "refresh_token");

  casella_test_oauth2_set_rotate (server, TRUE);
  casella_test_oauth2_expire_access (server);
  g_assert_true (sign_in_with (imap, tokens, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (casella_token_source_get_n_refreshes (tokens), ==, 1);
  g_assert_cmpuint (casella_test_oauth2_count_grants (server, "refresh_token"), ==, refreshes + 1);
  after = casella_credentials_lookup_sync (account, CASELLA_CREDENTIAL_OAUTH2, NULL, &error);
  g_assert_nonnull (before);
  g_assert_nonnull (after);
  g_assert_cmpstr (before, !=, after);
  casella_test_oauth2_set_rotate (server, FALSE);
}

/* Revoked at the provider: invalid_grant once, then no more asking. */
static void
test_ended_sign_in (void)
{
  g_autoptr(CasellaAccount) account = casella_account_new ("bob@example.test");
  g_autoptr(CasellaTokenSource) tokens = token_source (account);
  guint refreshes = 0;

  casella_test_oauth2_revoke_user (server, "bob@example.test");
  for (guint attempt = 0; attempt < 3; attempt++)
    {
      g_autoptr(GObject) imap = connected_client (CASELLA_PROTOCOL_IMAP);
      g_autoptr(GError) error = NULL;

      if (attempt == 1)
        refreshes = casella_test_oauth2_count_grants (server, "refresh_token");
      g_assert_false (sign_in_with (imap, tokens, &error));
      g_assert_error (error, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_INVALID_GRANT);
    }
  g_assert_cmpuint (casella_test_oauth2_count_grants (server, "refresh_token"), ==, refreshes);
  g_assert_cmpuint (casella_token_source_get_n_refreshes (tokens), ==, 1);
}

/* Tokens live a short time: each ask past the early margin refreshes. */
static void
test_expiry (void)
{
  g_autoptr(CasellaAccount) account = casella_account_new ("alice@example.test");
  g_autoptr(CasellaTokenSource) tokens = NULL;
  g_autoptr(GObject) imap = connected_client (CASELLA_PROTOCOL_IMAP);
  g_autoptr(GError) error = NULL;

  /* Tokens that live 20 s, less than the 30 s margin: stale at once. */
  casella_test_oauth2_set_access_lifetime (server, 20);
  tokens = token_source (account);
  g_assert_true (sign_in_with (imap, tokens, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (casella_token_source_get_n_refreshes (tokens), ==, 1);
  casella_test_oauth2_set_access_lifetime (server, 600);
}

/* A long sync whose token expires on the way, the server dropping the
 * connection as Microsoft's does: the next round renews the token and
 * goes on from where it was, nothing lost, nothing twice. */
typedef struct {
  gboolean cut;
} Cut;

static void
cut_midway (const char *folder,
            const char *stage,
            guint       done,
            guint       total,
            gpointer    user_data)
{
  Cut *cut = user_data;

  if (cut->cut || g_strcmp0 (folder, "INBOX") != 0 || done < 500)
    return;
  cut->cut = TRUE;
  casella_test_oauth2_expire_access (server);
  g_assert_true (casella_test_dovecot_doveadm (dovecot, (const char *[]) { "kick", "carol@example.test", NULL },
                                               NULL, NULL));
}

static void
test_token_expires_during_sync (void)
{
  g_autoptr(CasellaAccount) account = casella_test_oauth2_account ("carol@example.test");
  g_autoptr(CasellaTokenSource) tokens = token_source (account);
  g_autoptr(CasellaStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) cut_error = NULL;
  CasellaAccountSyncOptions options = { 0 };
  Cut cut = { FALSE };
  guint refreshes = casella_token_source_get_n_refreshes (tokens);
  g_autoptr(GPtrArray) folders = NULL;
  guint inbox_total = 0;

  g_assert_true (casella_test_dovecot_fill (dovecot, "carol@example.test", "INBOX", 3000, &error));
  store = casella_account_open_store (account, &error);
  g_assert_no_error (error);
  options.tokens = tokens;
  options.tls_database = casella_test_pki_get ()->database;
  options.body_budget = CASELLA_SYNC_BODIES_ALL;
  options.progress = cut_midway;
  options.progress_data = &cut;
  g_assert_false (casella_account_sync (account, store, &options, NULL, &cut_error));
  g_assert_true (cut.cut);
  g_assert_nonnull (cut_error);
  g_assert_true (casella_account_sync (account, store, &options, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (casella_token_source_get_n_refreshes (tokens), ==, refreshes + 1);
  folders = casella_store_list_folders (store, NULL);
  for (guint i = 0; i < folders->len; i++)
    if (g_str_equal (((CasellaStoreFolder *) folders->pdata[i])->path, "INBOX"))
      inbox_total = ((CasellaStoreFolder *) folders->pdata[i])->total;
  g_assert_cmpuint (inbox_total, ==, 3000);
}

/* ---- casella-cli ---- */

/* Reads the link casella-cli prints, then acts as the user on it. */
static CasellaTestRun
cli_sign_in (const char         *address,
             gboolean            allow,
             const char * const *extra)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *fixed[] = { "add", "--oauth", "--no-browser", CLI_SOURCES, NULL };
  g_autoptr(GSubprocess) cli = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *link = NULL;
  g_autofree char *rest = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  CasellaTestRun run = { 0 };

  for (guint i = 0; fixed[i] != NULL; i++)
    g_ptr_array_add (args, (char *) fixed[i]);
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (args, (char *) extra[i]);
  g_ptr_array_add (args, (char *) address);
  g_ptr_array_add (args, NULL);
  cli = casella_test_cli_spawn ("none", (const char * const *) args->pdata);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (cli));
  link = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);
  g_assert_true (g_str_has_prefix (link, "https://localhost:"));
  casella_test_oauth2_consent_in_thread (server, link, allow);
  g_assert_true (g_subprocess_communicate_utf8 (cli, NULL, NULL, &rest, &err, &error));
  g_assert_no_error (error);
  run.status = g_subprocess_get_if_exited (cli) ? g_subprocess_get_exit_status (cli)
                                                : 128 + g_subprocess_get_term_sig (cli);
  run.out = g_strconcat (link, "\n", rest ? rest : "", NULL);
  run.err = g_steal_pointer (&err);
  g_test_message ("casella-cli add --oauth → %d\n%s%s", run.status, run.out, run.err);
  return run;
}

static void
test_cli_add_sync_send (void)
{
  g_auto(CasellaTestRun) added = cli_sign_in ("alice@example.test", TRUE, NULL);
  g_auto(CasellaTestRun) listed = casella_test_cli (NULL, NULL, "accounts", "--json", NULL);
  g_auto(CasellaTestRun) synced = { 0 };
  g_auto(CasellaTestRun) sent = { 0 };
  g_auto(CasellaTestRun) removed = { 0 };
  g_autoptr(GError) error = NULL;
  const char *letter = "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: Via OAuth2\r\n"
                       "Message-ID: <oauth2-cli@example.test>\r\n\r\nSpedita con un token.\r\n";

  g_assert_cmpint (added.status, ==, 0);
  g_assert_nonnull (strstr (added.out, "Added alice@example.test"));
  g_assert_nonnull (strstr (listed.out, "alice@example.test"));
  g_assert_true (casella_test_dovecot_fill (dovecot, "alice@example.test", "INBOX", 5, &error));
  /* A new process: the refresh token from the keyring, a new access token. */
  casella_test_oauth2_expire_access (server);
  {
    g_auto(CasellaTestRun) run = casella_test_cli (NULL, NULL, "sync", "--tls-ca-file",
                                                   casella_test_pki_get ()->ca_file, providers_arg,
                                                   "alice@example.test", NULL);
    synced = run;
    run = (CasellaTestRun) { 0 };
  }
  g_assert_cmpint (synced.status, ==, 0);
  {
    g_auto(CasellaTestRun) run = casella_test_cli (NULL, letter, "send", "--tls-ca-file",
                                                   casella_test_pki_get ()->ca_file, providers_arg,
                                                   "alice@example.test", NULL);
    sent = run;
    run = (CasellaTestRun) { 0 };
  }
  g_assert_cmpint (sent.status, ==, 0);
  g_assert_true (casella_test_smtp_wait_for (sink, 1, 10000));
  {
    g_auto(CasellaTestRun) run = casella_test_cli (NULL, NULL, "remove", providers_arg, "alice@example.test", NULL);
    removed = run;
    run = (CasellaTestRun) { 0 };
  }
  g_assert_cmpint (removed.status, ==, 0);
  /* Removing told the provider: that sign-in is dead there too. */
  g_assert_cmpuint (casella_test_oauth2_count_revoked (server), >=, 1);
}

static void
test_cli_denied (void)
{
  g_auto(CasellaTestRun) denied = cli_sign_in ("alice@example.test", FALSE, NULL);
  g_auto(CasellaTestRun) listed = casella_test_cli (NULL, NULL, "accounts", "--json", NULL);

  g_assert_cmpint (denied.status, ==, 5);
  g_assert_nonnull (strstr (denied.err, "did not allow"));
  g_assert_null (strstr (listed.out, "alice@example.test"));
}

/* Revoked at the provider: sync says sign in again (exit 4); signing in
 * again keeps the account and its mail, and sync goes on. */
static void
test_cli_revoked (void)
{
  g_auto(CasellaTestRun) added = cli_sign_in ("bob@example.test", TRUE, NULL);
  g_auto(CasellaTestRun) removed = { 0 };

  g_assert_cmpint (added.status, ==, 0);
  casella_test_oauth2_revoke_user (server, "bob@example.test");
  casella_test_oauth2_expire_access (server);
  {
    g_auto(CasellaTestRun) synced = casella_test_cli (NULL, NULL, "sync", "--tls-ca-file",
                                                      casella_test_pki_get ()->ca_file, providers_arg,
                                                      "bob@example.test", NULL);
    g_assert_cmpint (synced.status, ==, 4);
    g_assert_nonnull (strstr (synced.err, "Sign in again to bob@example.test"));
  }
  {
    g_auto(CasellaTestRun) again = cli_sign_in ("bob@example.test", TRUE, NULL);
    g_auto(CasellaTestRun) synced = casella_test_cli (NULL, NULL, "sync", "--tls-ca-file",
                                                      casella_test_pki_get ()->ca_file, providers_arg,
                                                      "bob@example.test", NULL);
    g_auto(CasellaTestRun) listed = casella_test_cli (NULL, NULL, "accounts", "--json", NULL);
    const char *one = "\"address\": \"bob@example.test\"";

    g_assert_cmpint (again.status, ==, 0);
    g_assert_nonnull (strstr (again.out, "Signed in again to bob@example.test"));
    g_assert_cmpint (synced.status, ==, 0);
    /* One account, not two. */
    g_assert_nonnull (strstr (listed.out, one));
    g_assert_null (strstr (strstr (listed.out, one) + 1, one));
  }
  {
    g_auto(CasellaTestRun) run = casella_test_cli (NULL, NULL, "remove", "bob@example.test", NULL);
    removed = run;
    run = (CasellaTestRun) { 0 };
  }
  g_assert_cmpint (removed.status, ==, 0);
}

/* casella-cli opens the desktop's browser, Debian's chromium here, which
 * loads the consent page, clicks Allow and lands on the listener. */
static void
test_cli_real_browser (void)
{
  g_auto(CasellaTestRun) added = { 0 };

  casella_test_oauth2_set_consent (server, CASELLA_TEST_CONSENT_ALLOW);
  {
    g_auto(CasellaTestRun) run = casella_test_cli (NULL, NULL, "add", "--oauth", CLI_SOURCES, "alice@example.test",
                                                   NULL);
    added = run;
    run = (CasellaTestRun) { 0 };
  }
  g_assert_cmpint (added.status, ==, 0);
  g_assert_nonnull (strstr (added.err, "Your browser shows the sign-in page"));
  g_assert_nonnull (strstr (added.out, "Added alice@example.test"));
  /* The browser was the one that came back. */
  g_assert_cmpuint (casella_test_stop_browsers (), >=, 1);
  {
    g_auto(CasellaTestRun) run = casella_test_cli (NULL, NULL, "remove", "alice@example.test", NULL);
    g_assert_cmpint (run.status, ==, 0);
  }
}

static void
test_no_token_in_files (void)
{
  g_auto(GStrv) issued = casella_test_oauth2_dup_tokens (server);

  g_assert_cmpuint (g_strv_length (issued), >, 4);
  for (guint i = 0; issued[i] != NULL; i++)
    {
      casella_test_assert_no_file_holds (g_get_home_dir (), issued[i]);
      casella_test_assert_no_file_holds (g_get_user_data_dir (), issued[i]);
      casella_test_assert_no_file_holds (g_get_user_config_dir (), issued[i]);
      casella_test_assert_no_file_holds (g_get_user_cache_dir (), issued[i]);
    }
}

/* The provider database says example.test signs in on its own page. */
static void
start_ispdb (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = g_strdup_printf (
    "<clientConfig version=\"1.1\"><emailProvider id=\"example.test\"><domain>example.test</domain>"
    "<displayName>Example Test Mail</displayName>"
    "<incomingServer type=\"imap\"><hostname>localhost</hostname><port>%u</port><socketType>SSL</socketType>"
    "<username>%%EMAILADDRESS%%</username><authentication>OAuth2</authentication></incomingServer>"
    "<outgoingServer type=\"smtp\"><hostname>localhost</hostname><port>%u</port><socketType>STARTTLS</socketType>"
    "<username>%%EMAILADDRESS%%</username><authentication>OAuth2</authentication></outgoingServer>"
    "</emailProvider></clientConfig>",
    casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS), casella_test_dovecot_get_submission_port (dovecot));

  ispdb = casella_test_https_new ();
  casella_test_https_add_file (ispdb, "ispdb/example.test", xml);
  g_assert_true (casella_test_https_start (ispdb, &error));
  ispdb_url = g_strdup_printf ("https://localhost:%u/ispdb/", casella_test_https_get_port (ispdb));
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  casella_engine_init ();
  world = casella_test_oauth2_world_new ();
  server = world->server;
  sink = world->sink;
  dovecot = world->dovecot;
  g_assert_true (casella_oauth2_provider_add_from_file (world->providers, &error));
  providers_arg = g_strconcat ("--oauth2-providers=", world->providers, NULL);
  start_ispdb ();
  casella_test_install_browser ();

  g_test_add_func ("/oauth2/pkce", test_pkce);
  g_test_add_func ("/oauth2/sasl", test_sasl);
  g_test_add_func ("/oauth2/token-response", test_token_response);
  g_test_add_func ("/oauth2/providers", test_providers);
  g_test_add_func ("/oauth2/flow", test_flow);
  g_test_add_func ("/oauth2/flow-denied", test_flow_denied);
  g_test_add_func ("/oauth2/flow-wrong-state", test_flow_wrong_state);
  g_test_add_func ("/oauth2/flow-cancel", test_flow_cancel);
  g_test_add_func ("/oauth2/flow-timeout", test_flow_timeout);
  g_test_add_func ("/oauth2/servers-take-tokens", test_servers_take_tokens);
  g_test_add_func ("/oauth2/refused-token", test_refused_token_answers_challenge);
  g_test_add_func ("/oauth2/renewal", test_renewal);
  g_test_add_func ("/oauth2/ended-sign-in", test_ended_sign_in);
  g_test_add_func ("/oauth2/expiry", test_expiry);
  g_test_add_func ("/oauth2/token-expires-during-sync", test_token_expires_during_sync);
  g_test_add_func ("/oauth2/cli-add-sync-send", test_cli_add_sync_send);
  g_test_add_func ("/oauth2/cli-denied", test_cli_denied);
  g_test_add_func ("/oauth2/cli-revoked", test_cli_revoked);
  g_test_add_func ("/oauth2/cli-real-browser", test_cli_real_browser);
  g_test_add_func ("/oauth2/no-token-in-files", test_no_token_in_files);
  status = g_test_run ();

  casella_test_https_free (ispdb);
  casella_test_oauth2_world_free (world);
  return status;
}
