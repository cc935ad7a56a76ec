/* test-accounts.c — verification (real Dovecot and SMTP sink; scripted
 * servers for counting attempts), the account store, the keyring, and
 * no password in any file Casella writes
 *
 * Runs inside a private Secret Service session (casella-test-session).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>

#include "casella-account-store.h"
#include "casella-account-verify.h"
#include "casella-credentials.h"
#include "casella-engine.h"
#include "casella-mail-error.h"
#include "casella-test-dovecot.h"
#include "casella-test-pki.h"
#include "casella-test-script.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"

static CasellaTestDovecot *dovecot;
static CasellaTestSmtp *sink;

#define PASSWORD "alicepw"

static CasellaServerConfig *
dovecot_server (CasellaProtocol protocol, const char *username)
{
  CasellaServerConfig *server = casella_server_config_new (protocol, "localhost",
                                                           casella_test_dovecot_get_port (dovecot, protocol == CASELLA_PROTOCOL_IMAP
                                                                                                   ? CASELLA_TEST_IMAPS : CASELLA_TEST_POP3S),
                                                           CASELLA_SECURITY_TLS);
  server->username = g_strdup (username);
  return server;
}

static CasellaServerConfig *
sink_server (void)
{
  CasellaServerConfig *server = casella_server_config_new (CASELLA_PROTOCOL_SMTP, "localhost",
                                                           casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_STARTTLS),
                                                           CASELLA_SECURITY_STARTTLS);
  server->username = g_strdup ("alice@example.test");
  return server;
}

/* Settings a trusted source gave: the servers count as the provider's. */
static CasellaMailConfig *
trusted_config (CasellaServerConfig *incoming, CasellaServerConfig *outgoing)
{
  CasellaMailConfig *config = casella_mail_config_new (CASELLA_SOURCE_AUTOCONFIG);

  g_ptr_array_add (config->incoming, casella_server_config_copy (incoming));
  g_ptr_array_add (config->outgoing, casella_server_config_copy (outgoing));
  return config;
}

static CasellaVerifyResult *
run_verify (CasellaVerifyRequest  *request,
            CasellaVerifyFailure  *failure,
            GError               **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  casella_account_verify_async (request, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  return casella_account_verify_finish (result, failure, error);
}

static CasellaVerifyRequest *
request_for (const char          *address,
             const char          *password,
             CasellaServerConfig *incoming,
             CasellaServerConfig *outgoing)
{
  g_autoptr(CasellaMailConfig) config = trusted_config (incoming, outgoing);
  CasellaVerifyRequest *request = casella_verify_request_new (address, password, config, incoming, outgoing);

  request->tls_database = g_object_ref (casella_test_pki_get ()->database);
  request->timeout_ms = 5000;
  return request;
}

static void
test_verify_imap_and_smtp (void)
{
  g_autoptr(CasellaServerConfig) imap = dovecot_server (CASELLA_PROTOCOL_IMAP, "alice@example.test");
  g_autoptr(CasellaServerConfig) smtp = sink_server ();
  g_autoptr(CasellaVerifyRequest) request = request_for ("alice@example.test", PASSWORD, imap, smtp);
  g_autoptr(CasellaVerifyResult) result = NULL;
  g_autoptr(GError) error = NULL;

  result = run_verify (request, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result->incoming->username, ==, "alice@example.test");
  g_assert_cmpstr (result->outgoing->username, ==, "alice@example.test");
  g_assert_cmpuint (result->attempts, ==, 2);
  g_assert_false (result->outgoing_unchecked);
}

/* A sending server that asks for no password (it trusts its network):
 * verification passes, but says the password was not checked. */
static void
test_verify_smtp_without_auth (void)
{
  g_autoptr(CasellaTestScript) open_relay = casella_test_script_new (
    "> 220 relay ready\n< EHLO\n> 250-relay\n> 250 8BITMIME\n< QUIT\n> 221 bye\n", TRUE);
  g_autoptr(CasellaServerConfig) imap = dovecot_server (CASELLA_PROTOCOL_IMAP, "alice@example.test");
  g_autoptr(CasellaServerConfig) smtp = NULL;
  g_autoptr(CasellaVerifyRequest) request = NULL;
  g_autoptr(CasellaVerifyResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (casella_test_script_start (open_relay, &error));
  smtp = casella_server_config_new (CASELLA_PROTOCOL_SMTP, "localhost", casella_test_script_get_port (open_relay),
                                    CASELLA_SECURITY_TLS);
  smtp->username = g_strdup ("alice@example.test");
  request = request_for ("alice@example.test", PASSWORD, imap, smtp);
  result = run_verify (request, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (result->outgoing_unchecked);
}

static void
test_verify_pop3_local_part (void)
{
  /* frank exists as a bare user name: the second form is what works. */
  g_autoptr(CasellaServerConfig) pop3 = dovecot_server (CASELLA_PROTOCOL_POP3, NULL);
  g_autoptr(CasellaServerConfig) smtp = sink_server ();
  g_autoptr(CasellaVerifyRequest) request = request_for ("frank@example.test", "frankpw", pop3, smtp);
  g_autoptr(CasellaVerifyResult) result = NULL;
  g_autoptr(GError) error = NULL;

  request->smtp_password = g_strdup (PASSWORD);
  g_free (request->outgoing->username);
  request->outgoing->username = g_strdup ("alice@example.test");
  result = run_verify (request, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result->incoming->username, ==, "frank");
  g_assert_cmpuint (result->attempts, ==, 3);
}

static void
test_verify_wrong_password (void)
{
  g_autoptr(CasellaServerConfig) imap = dovecot_server (CASELLA_PROTOCOL_IMAP, NULL);
  g_autoptr(CasellaServerConfig) smtp = sink_server ();
  g_autoptr(CasellaVerifyRequest) request = request_for ("alice@example.test", "wrong", imap, smtp);
  g_auto(CasellaVerifyFailure) failure = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_null (run_verify (request, &failure, &error));
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_AUTH_FAILED);
  g_assert_cmpint (failure.protocol, ==, CASELLA_PROTOCOL_IMAP);
  g_assert_cmpstr (failure.host, ==, "localhost");
}

static CasellaServerConfig *
script_server (CasellaTestScript *script)
{
  return casella_server_config_new (CASELLA_PROTOCOL_IMAP, "localhost", casella_test_script_get_port (script),
                                    CASELLA_SECURITY_TLS);
}

#define GREETING "> * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\n"

/* Two forms, and never a third: the address, then the local part, each
 * on its own connection; a third try would meet a closed port. */
static void
test_verify_stops_after_two (void)
{
  g_autoptr(CasellaTestScript) script = casella_test_script_new (
    GREETING "<T AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAB3cm9uZw==\n> $TAG NO [AUTHENTICATIONFAILED] no\neof\n"
    "accept\n"
    GREETING "<T AUTHENTICATE PLAIN AGFsaWNlAHdyb25n\n> $TAG NO [AUTHENTICATIONFAILED] no\neof\n", TRUE);
  g_autoptr(CasellaServerConfig) imap = NULL;
  g_autoptr(CasellaServerConfig) smtp = sink_server ();
  g_autoptr(CasellaVerifyRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *failure = NULL;

  casella_test_script_start (script, &error);
  g_assert_no_error (error);
  imap = script_server (script);
  request = request_for ("alice@example.test", "wrong", imap, smtp);
  g_assert_null (run_verify (request, NULL, &error));
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_AUTH_FAILED);
  failure = casella_test_script_finish (script);
  g_assert_null (failure);
}

/* A refusal that is not "wrong password" stops at once: one attempt. */
static void
test_verify_app_password_stops_at_once (void)
{
  g_autoptr(CasellaTestScript) script = casella_test_script_new (
    GREETING "<T AUTHENTICATE PLAIN\n> $TAG NO [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833\neof\n",
    TRUE);
  g_autoptr(CasellaServerConfig) imap = NULL;
  g_autoptr(CasellaServerConfig) smtp = sink_server ();
  g_autoptr(CasellaVerifyRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *failure = NULL;

  casella_test_script_start (script, &error);
  g_assert_no_error (error);
  imap = script_server (script);
  request = request_for ("someone@example.test", "normal-password", imap, smtp);
  g_assert_null (run_verify (request, NULL, &error));
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED);
  failure = casella_test_script_finish (script);
  g_assert_null (failure);
}

/* Settings from DNS pointing at another domain: nothing is sent until
 * the user agrees, and then it is. */
static void
test_verify_needs_consent (void)
{
  g_autoptr(CasellaServerConfig) imap = dovecot_server (CASELLA_PROTOCOL_IMAP, "alice@example.test");
  g_autoptr(CasellaServerConfig) smtp = sink_server ();
  g_autoptr(CasellaMailConfig) guess = casella_mail_config_new (CASELLA_SOURCE_MX);
  g_autoptr(CasellaVerifyRequest) request = NULL;
  g_autoptr(CasellaVerifyResult) result = NULL;
  g_auto(CasellaVerifyFailure) failure = { 0 };
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (guess->incoming, casella_server_config_copy (imap));
  g_ptr_array_add (guess->outgoing, casella_server_config_copy (smtp));
  request = casella_verify_request_new ("alice@example.test", PASSWORD, guess, imap, smtp);
  request->tls_database = g_object_ref (casella_test_pki_get ()->database);

  g_assert_null (run_verify (request, &failure, &error));
  g_assert_error (error, CASELLA_VERIFY_ERROR, CASELLA_VERIFY_ERROR_APPROVAL_REQUIRED);
  g_assert_cmpstr (failure.host, ==, "localhost");
  g_clear_error (&error);

  request->approved_hosts = g_strsplit ("localhost", " ", -1);
  result = run_verify (request, NULL, &error);
  g_assert_no_error (error);
}

static void
test_verify_untrusted_certificate (void)
{
  const CasellaTestPki *pki = casella_test_pki_get ();
  g_autoptr(CasellaTestDovecot) self_signed = casella_test_dovecot_new ();
  g_autoptr(CasellaServerConfig) imap = NULL;
  g_autoptr(CasellaServerConfig) smtp = sink_server ();
  g_autoptr(CasellaVerifyRequest) request = NULL;
  g_autoptr(CasellaVerifyResult) result = NULL;
  g_auto(CasellaVerifyFailure) failure = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) der = NULL;

  casella_test_dovecot_set_certificate (self_signed, pki->self_signed_cert, pki->self_signed_key);
  casella_test_dovecot_start (self_signed, &error);
  g_assert_no_error (error);
  imap = casella_server_config_new (CASELLA_PROTOCOL_IMAP, "localhost",
                                    casella_test_dovecot_get_port (self_signed, CASELLA_TEST_IMAPS), CASELLA_SECURITY_TLS);
  request = request_for ("alice@example.test", PASSWORD, imap, smtp);

  g_assert_null (run_verify (request, &failure, &error));
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CERTIFICATE_UNTRUSTED);
  g_assert_nonnull (failure.certificate);
  g_assert_true (failure.certificate_errors & G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_clear_error (&error);

  /* The user looked at it and trusts it: it is pinned, and works. */
  g_object_get (failure.certificate, "certificate", &der, NULL);
  request->pinned_incoming = g_bytes_new (der->data, der->len);
  result = run_verify (request, NULL, &error);
  g_assert_no_error (error);
}

/* ---- the store and the keyring ---- */

static CasellaAccount *
make_account (const char *address)
{
  g_autoptr(CasellaServerConfig) imap = dovecot_server (CASELLA_PROTOCOL_IMAP, address);
  g_autoptr(CasellaServerConfig) smtp = sink_server ();
  CasellaAccount *account = casella_account_new (address);

  casella_account_set_display_name (account, "Alice Àlbero");
  casella_account_set_provider (account, "example.test", "Example Mail");
  casella_account_set_incoming (account, imap);
  casella_account_set_outgoing (account, smtp);
  casella_account_set_pop3_policy (account, CASELLA_POP3_DELETE_AFTER_DAYS, 14);
  return account;
}

static void
test_store_round_trip (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "casella-store", NULL);
  g_autoptr(CasellaAccountStore) store = casella_account_store_new (dir);
  g_autoptr(CasellaAccountStore) again = casella_account_store_new (dir);
  g_autoptr(CasellaAccount) first = make_account ("alice@example.test");
  g_autoptr(CasellaAccount) second = make_account ("bob@example.test");
  g_autoptr(GBytes) pin = g_bytes_new_static ("\x30\x82\x01\x00", 4);
  g_autoptr(GError) error = NULL;
  GStatBuf info;
  CasellaAccount *loaded;
  guint days;

  casella_account_set_pinned_certificate (second, CASELLA_PROTOCOL_SMTP, pin);
  /* Other addresses, with names and signatures that need quoting. */
  casella_account_add_identity (second, "ufficio@example.test", "Bob; Ufficio", "Bob\nUfficio acquisti; 2° piano");
  casella_account_add_identity (second, "bob@alias.test", NULL, NULL);
  casella_account_set_reply_to (second, "risposte@example.test");
  casella_account_set_folder_offline (second, "Archivio; 2025", FALSE);
  casella_account_set_folder_offline (second, "Spam", FALSE);
  casella_account_set_folder_offline (second, "Spam", TRUE);
  g_assert_true (casella_account_store_load (store, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  g_assert_true (casella_account_store_add (store, first, &error));
  g_assert_true (casella_account_store_add (store, second, &error));
  g_assert_no_error (error);

  g_assert_cmpint (g_stat (casella_account_store_get_path (store), &info), ==, 0);
  g_assert_cmpint (info.st_mode & 0777, ==, 0600);

  g_assert_true (casella_account_store_load (again, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (again)), ==, 2);
  loaded = casella_account_store_lookup (again, "bob@example.test");
  g_assert_nonnull (loaded);
  g_assert_cmpstr (casella_account_get_id (loaded), ==, casella_account_get_id (second));
  g_assert_cmpstr (casella_account_get_display_name (loaded), ==, "Alice Àlbero");
  g_assert_cmpstr (casella_account_get_incoming (loaded)->host, ==, "localhost");
  g_assert_cmpint (casella_account_get_outgoing (loaded)->security, ==, CASELLA_SECURITY_STARTTLS);
  g_assert_cmpint (casella_account_get_pop3_policy (loaded, &days), ==, CASELLA_POP3_DELETE_AFTER_DAYS);
  g_assert_cmpuint (days, ==, 14);
  g_assert_true (g_bytes_equal (casella_account_get_pinned_certificate (loaded, CASELLA_PROTOCOL_SMTP), pin));
  g_assert_cmpuint (casella_account_get_identities (loaded)->len, ==, 2);
  {
    const char *to_alias[] = { "someone@example.test", "UFFICIO@example.test", NULL };
    const char *to_me[] = { "bob@example.test", NULL };
    const CasellaIdentity *identity = casella_account_find_identity (loaded, to_alias);

    g_assert_nonnull (identity);
    g_assert_cmpstr (identity->address, ==, "ufficio@example.test");
    g_assert_cmpstr (identity->name, ==, "Bob; Ufficio");
    g_assert_cmpstr (identity->signature, ==, "Bob\nUfficio acquisti; 2° piano");
    g_assert_null (casella_account_find_identity (loaded, to_me));
    g_assert_null (((CasellaIdentity *) casella_account_get_identities (loaded)->pdata[1])->name);
  }
  g_assert_cmpstr (casella_account_get_reply_to (loaded), ==, "risposte@example.test");
  g_assert_false (casella_account_get_folder_offline (loaded, "Archivio; 2025"));
  g_assert_true (casella_account_get_folder_offline (loaded, "Spam"));
  g_assert_true (casella_account_get_folder_offline (loaded, "INBOX"));

  g_assert_true (casella_account_store_remove (again, casella_account_get_id (first), &error));
  g_assert_true (casella_account_store_load (store, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
}

static void
test_store_unreadable_file_kept (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "casella-broken", NULL);
  g_autoptr(CasellaAccountStore) store = casella_account_store_new (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) listing = NULL;
  const char *name;
  gboolean kept = FALSE;

  g_mkdir_with_parents (dir, 0700);
  g_file_set_contents (casella_account_store_get_path (store), "[Account x\nthis is not a key file\n", -1, NULL);
  g_assert_false (casella_account_store_load (store, &error));
  g_assert_nonnull (error);
  listing = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (listing)))
    kept |= g_str_has_prefix (name, "accounts.ini.unreadable-");
  g_assert_true (kept);
}

static void
test_keyring_round_trip (void)
{
  g_autoptr(CasellaAccount) account = make_account ("alice@example.test");
  g_autoptr(GAsyncResult) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL;
  g_autoptr(GError) error = NULL;
  char *password;

  casella_credentials_store_async (account, CASELLA_CREDENTIAL_INCOMING, "in-sëcret", NULL, casella_test_store_result, &r1);
  casella_test_await (&r1);
  g_assert_true (casella_credentials_store_finish (r1, &error));
  casella_credentials_store_async (account, CASELLA_CREDENTIAL_OUTGOING, "out-secret", NULL, casella_test_store_result, &r2);
  casella_test_await (&r2);
  g_assert_true (casella_credentials_store_finish (r2, &error));

  casella_credentials_lookup_async (account, CASELLA_CREDENTIAL_INCOMING, NULL, casella_test_store_result, &r3);
  casella_test_await (&r3);
  password = casella_credentials_lookup_finish (r3, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, "in-sëcret");
  casella_credentials_free (password);

  casella_credentials_clear_async (casella_account_get_id (account), NULL, casella_test_store_result, &r4);
  casella_test_await (&r4);
  g_assert_true (casella_credentials_clear_finish (r4, &error));

  casella_credentials_lookup_async (account, CASELLA_CREDENTIAL_OUTGOING, NULL, casella_test_store_result, &r5);
  casella_test_await (&r5);
  g_assert_null (casella_credentials_lookup_finish (r5, &error));
  g_assert_no_error (error);
}

static void
test_no_password_in_files (void)
{
  const char *secret = "Zq8-unique-password-Xy4";
  g_autoptr(CasellaAccountStore) store = casella_account_store_new (NULL);
  g_autoptr(CasellaAccount) account = make_account ("alice@example.test");
  g_autoptr(GAsyncResult) stored = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (casella_account_store_add (store, account, &error));
  casella_credentials_store_async (account, CASELLA_CREDENTIAL_INCOMING, secret, NULL, casella_test_store_result, &stored);
  casella_test_await (&stored);
  g_assert_true (casella_credentials_store_finish (stored, &error));
  g_assert_true (g_file_test (casella_account_store_get_path (store), G_FILE_TEST_EXISTS));

  casella_test_assert_no_file_holds (g_get_user_config_dir (), secret);
  casella_test_assert_no_file_holds (g_get_user_data_dir (), secret);
  casella_test_assert_no_file_holds (g_get_user_cache_dir (), secret);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  casella_engine_init ();

  dovecot = casella_test_dovecot_new ();
  casella_test_dovecot_add_user (dovecot, "frank", "frankpw");
  casella_test_dovecot_start (dovecot, &error);
  g_assert_no_error (error);
  sink = casella_test_smtp_new ();
  casella_test_smtp_start (sink, &error);
  g_assert_no_error (error);

  g_test_add_func ("/accounts/verify/imap-and-smtp", test_verify_imap_and_smtp);
  g_test_add_func ("/accounts/verify/pop3-local-part", test_verify_pop3_local_part);
  g_test_add_func ("/accounts/verify/smtp-without-auth", test_verify_smtp_without_auth);
  g_test_add_func ("/accounts/verify/wrong-password", test_verify_wrong_password);
  g_test_add_func ("/accounts/verify/stops-after-two", test_verify_stops_after_two);
  g_test_add_func ("/accounts/verify/app-password-stops-at-once", test_verify_app_password_stops_at_once);
  g_test_add_func ("/accounts/verify/needs-consent", test_verify_needs_consent);
  g_test_add_func ("/accounts/verify/untrusted-certificate", test_verify_untrusted_certificate);
  g_test_add_func ("/accounts/store/round-trip", test_store_round_trip);
  g_test_add_func ("/accounts/store/unreadable-file-kept", test_store_unreadable_file_kept);
  g_test_add_func ("/accounts/keyring/round-trip", test_keyring_round_trip);
  g_test_add_func ("/accounts/no-password-in-files", test_no_password_in_files);

  status = g_test_run ();
  casella_test_smtp_free (sink);
  casella_test_dovecot_free (dovecot);
  return status;
}
