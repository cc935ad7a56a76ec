/* test-protocol-faults.c — what real servers will not do, scripted:
 * fragments, interleaving, BYE mid-command, garbage, refused STARTTLS,
 * injection before TLS, silence, huge literals
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "casella-engine.h"
#include "casella-imap-client.h"
#include "casella-mail-error.h"
#include "casella-pop3-client.h"
#include "casella-pop3-sync.h"
#include "casella-smtp-client.h"
#include "casella-test-pki.h"
#include "casella-test-script.h"
#include "casella-test-util.h"

#define IMAP_GREETING "> * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] fake ready\n"

static CasellaTestScript *
start_script (const char *script,
              gboolean    implicit_tls)
{
  CasellaTestScript *server = casella_test_script_new (script, implicit_tls);
  g_autoptr(GError) error = NULL;

  casella_test_script_start (server, &error);
  g_assert_no_error (error);
  return server;
}

static void
assert_script_done (CasellaTestScript *server)
{
  g_autofree char *failure = casella_test_script_finish (server);

  if (failure != NULL)
    g_error ("The fake server's script failed: %s", failure);
}

static CasellaNetConfig *
config_for (CasellaTestScript *server,
            CasellaSecurity    security,
            guint              io_timeout_ms)
{
  CasellaNetConfig *config = casella_net_config_new ("localhost", casella_test_script_get_port (server), security);

  casella_net_config_set_tls_database (config, casella_test_pki_get ()->database);
  casella_net_config_set_timeouts (config, 5000, io_timeout_ms);
  return config;
}

/* ---- IMAP ---- */

static CasellaImapClient *
imap_connect (CasellaTestScript *server,
              CasellaSecurity    security,
              guint              io_timeout_ms,
              GError           **error)
{
  g_autoptr(CasellaNetConfig) config = config_for (server, security, io_timeout_ms);
  CasellaImapClient *client = casella_imap_client_new (config);
  g_autoptr(GAsyncResult) result = NULL;

  casella_imap_client_connect_async (client, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  casella_imap_client_connect_finish (client, result, error);
  return client;
}

static GPtrArray *
imap_fetch (CasellaImapClient *client,
            GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  casella_imap_client_uid_fetch_async (client, "1:*", "(UID BODY.PEEK[])", 0, NULL, NULL, NULL,
                                       casella_test_store_result, &result);
  casella_test_await (&result);
  return casella_imap_client_uid_fetch_finish (client, result, error);
}

/* Every byte in a write of its own, literal and all. */
static void
test_imap_fragmented (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    "slow\n"
    IMAP_GREETING
    "<T UID FETCH 1:* (UID BODY.PEEK[])\n"
    "> * 1 FETCH (UID 7 FLAGS (\\Seen) BODY[] {24}\n"
    ">> Subject: hi\\r\\n\\r\\n{5}\\r\\nbody)\\r\\n\n"
    "> $TAG OK done\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapClient) client = imap_connect (server, CASELLA_SECURITY_NONE, 0, &error);
  g_autoptr(GPtrArray) fetched = NULL;
  GBytes *body;

  g_assert_no_error (error);
  fetched = imap_fetch (client, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetched->len, ==, 1);
  body = casella_imap_fetch_get_section (fetched->pdata[0], "BODY[]");
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "Subject: hi\r\n\r\n{5}\r\nbody", 24);
  assert_script_done (server);
}

static void
count_fetch (CasellaImapClient *client,
             CasellaImapFetch  *fetch,
             guint             *unsolicited)
{
  (*unsolicited)++;
}

/* Another client changes flags while we fetch headers: under QRESYNC
 * the server's news carries UIDs, even UIDs we asked for. Only full
 * answers for the set asked for are the reply; the rest is news. (They
 * had been stored as blank rows dated 1970, never filled again.) */
static void
test_imap_news_during_fetch (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    IMAP_GREETING
    "<T UID FETCH 5:6 (UID FLAGS ENVELOPE)\n"
    "> * 3 FETCH (UID 5 FLAGS (\\Seen) MODSEQ (90))\n"
    "> * 3 FETCH (UID 5 FLAGS (\\Seen) ENVELOPE (NIL \"Cinque\" NIL NIL NIL NIL NIL NIL NIL \"<5@x>\"))\n"
    "> * 9 FETCH (UID 77 FLAGS (\\Flagged) MODSEQ (91))\n"
    "> * 4 FETCH (UID 6 FLAGS () ENVELOPE (NIL \"Sei\" NIL NIL NIL NIL NIL NIL NIL \"<6@x>\"))\n"
    "> $TAG OK done\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapClient) client = imap_connect (server, CASELLA_SECURITY_NONE, 0, &error);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) fetched = NULL;
  guint unsolicited = 0;

  g_assert_no_error (error);
  g_signal_connect (client, "fetch", G_CALLBACK (count_fetch), &unsolicited);
  casella_imap_client_uid_fetch_async (client, "5:6", "(UID FLAGS ENVELOPE)", 0, NULL, NULL, NULL,
                                       casella_test_store_result, &result);
  casella_test_await (&result);
  fetched = casella_imap_client_uid_fetch_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetched->len, ==, 2);
  for (guint i = 0; i < fetched->len; i++)
    g_assert_nonnull (((CasellaImapFetch *) fetched->pdata[i])->envelope);
  g_assert_cmpuint (unsolicited, ==, 2);
  assert_script_done (server);
}

static gboolean
move_without_uidplus (const char *found_deleted,
                      const char *then)
{
  g_autofree char *script = g_strdup_printf (
    "> * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] old server\n"
    "<T UID COPY 5 \"Trash\"\n> $TAG OK copied\n"
    "<T UID STORE 5 +FLAGS\n> * 3 FETCH (UID 5 FLAGS (\\Deleted))\n> $TAG OK stored\n"
    "<T UID SEARCH DELETED\n> * SEARCH %s\n> $TAG OK searched\n%s", found_deleted, then);
  g_autoptr(CasellaTestScript) server = start_script (script, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapClient) client = imap_connect (server, CASELLA_SECURITY_NONE, 0, &error);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(CasellaImapCopyUid) copy = NULL;

  g_assert_no_error (error);
  casella_imap_client_uid_move_async (client, "5", "Trash", NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  copy = casella_imap_client_uid_copy_finish (client, result, &error);
  casella_imap_client_disconnect (client);
  assert_script_done (server);
  g_assert_no_error (error);
  return TRUE;
}

/* A move on a server without MOVE or UIDPLUS is COPY, \Deleted, then
 * EXPUNGE, which takes every message marked deleted, others' too: the
 * EXPUNGE is sent only when the deleted ones are all ours. */
static void
test_imap_move_never_expunges_blindly (void)
{
  g_assert_true (move_without_uidplus ("5 9", "eof\n"));
  g_assert_true (move_without_uidplus ("5", "<T EXPUNGE\n> * 3 EXPUNGE\n> $TAG OK expunged\n"));
}

typedef struct {
  guint exists;
  guint expunged;
  guint disconnected;
  char *bye;
} Seen;

static void on_exists (CasellaImapClient *c, guint n, Seen *seen) { seen->exists = n; }
static void on_expunge (CasellaImapClient *c, guint n, Seen *seen) { seen->expunged = n; }
static void
on_disconnected (CasellaImapClient *c, const GError *error, Seen *seen)
{
  seen->disconnected++;
}

/* Two commands in flight, news interleaved with both replies. */
static void
test_imap_interleaved (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    IMAP_GREETING
    "<T NOOP\n"
    "<T STATUS INBOX\n"
    "> * 3 EXISTS\n"
    "> $TAG1 OK noop done\n"
    "> * STATUS INBOX (MESSAGES 3 UIDNEXT 9)\n"
    "> * 2 EXPUNGE\n"
    "> $TAG2 OK status done\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapClient) client = imap_connect (server, CASELLA_SECURITY_NONE, 0, &error);
  g_autoptr(GAsyncResult) noop = NULL, status = NULL;
  g_autoptr(CasellaImapStatusInfo) info = NULL;
  Seen seen = { 0 };

  g_assert_no_error (error);
  g_signal_connect (client, "exists", G_CALLBACK (on_exists), &seen);
  g_signal_connect (client, "expunge", G_CALLBACK (on_expunge), &seen);
  casella_imap_client_noop_async (client, NULL, casella_test_store_result, &noop);
  casella_imap_client_status_async (client, "INBOX", NULL, NULL, casella_test_store_result, &status);
  casella_test_await (&noop);
  casella_test_await (&status);
  g_assert_true (casella_imap_client_noop_finish (client, noop, &error));
  info = casella_imap_client_status_finish (client, status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (info->messages, ==, 3);
  g_assert_cmpuint (info->uidnext, ==, 9);
  g_assert_cmpuint (seen.exists, ==, 3);
  g_assert_cmpuint (seen.expunged, ==, 2);
  assert_script_done (server);
}

static void
test_imap_bye_mid_command (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    IMAP_GREETING
    "<T UID FETCH\n"
    "> * 1 FETCH (UID 1 BODY[] {3}\n"
    ">> abc)\\r\\n\n"
    "> * BYE Server shutting down for maintenance\n"
    "close\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapClient) client = imap_connect (server, CASELLA_SECURITY_NONE, 0, &error);
  g_autoptr(GPtrArray) fetched = NULL;
  Seen seen = { 0 };

  g_assert_no_error (error);
  g_signal_connect (client, "disconnected", G_CALLBACK (on_disconnected), &seen);
  fetched = imap_fetch (client, &error);
  g_assert_null (fetched);
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CONNECTION_LOST);
  g_assert_nonnull (strstr (error->message, "shutting down for maintenance"));
  g_assert_cmpuint (seen.disconnected, ==, 1);
  g_assert_false (casella_imap_client_is_connected (client));
  assert_script_done (server);
}

static void
test_imap_garbage_lines (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    IMAP_GREETING
    "<T UID FETCH\n"
    "> this is not IMAP at all\n"
    "> * 1 FETCH (((UID 1\n"
    "> * 1 FETCH (UID 4 BODY[] \"ok\")\n"
    "> )))\n"
    "> $TAG OK done anyway\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapClient) client = imap_connect (server, CASELLA_SECURITY_NONE, 0, &error);
  g_autoptr(GPtrArray) fetched = NULL;

  g_assert_no_error (error);
  fetched = imap_fetch (client, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetched->len, ==, 1);
  g_assert_cmpuint (((CasellaImapFetch *) fetched->pdata[0])->uid, ==, 4);
  assert_script_done (server);
}

/* Offered, then refused: an error, and not one more byte in plaintext. */
static void
test_imap_starttls_refused (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    "> * OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] fake\n"
    "<T STARTTLS\n"
    "> $TAG NO [UNAVAILABLE] TLS is broken today\n"
    "eof\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapClient) client = imap_connect (server, CASELLA_SECURITY_STARTTLS, 0, &error);

  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_FAILED);
  g_assert_false (casella_imap_client_is_connected (client));
  assert_script_done (server);
}

static void
test_imap_starttls_missing (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    "> * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] no tls here\n"
    "eof\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapClient) client = imap_connect (server, CASELLA_SECURITY_STARTTLS, 0, &error);

  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_MISSING);
  assert_script_done (server);
}

/* Bytes sent right behind the OK, before TLS: refused. */
static void
test_imap_starttls_injection (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    "> * OK [CAPABILITY IMAP4rev1 STARTTLS] fake\n"
    "<T STARTTLS\n"
    ">> $TAG OK Begin TLS\\r\\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\\r\\n\n"
    "eof\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapClient) client = imap_connect (server, CASELLA_SECURITY_STARTTLS, 0, &error);

  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_FAILED);
  g_assert_nonnull (strstr (error->message, "before encryption"));
  assert_script_done (server);
}

static void
test_imap_starttls_works (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    "> * OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] fake\n"
    "<T STARTTLS\n"
    "> $TAG OK Begin TLS\n"
    "starttls\n"
    "<T CAPABILITY\n"
    "> * CAPABILITY IMAP4rev1 AUTH=PLAIN\n"
    "> $TAG OK\n"
    "<T AUTHENTICATE PLAIN\n"
    "> +\n"
    "< AHVzZXIAcGFzcw==\n"
    /* The OK carries the new capabilities: they are not asked again. */
    "> $TAG OK [CAPABILITY IMAP4rev1 IDLE] in\n"
    "eof\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapClient) client = imap_connect (server, CASELLA_SECURITY_STARTTLS, 0, &error);
  g_autoptr(GAsyncResult) result = NULL;

  g_assert_no_error (error);
  g_assert_true (casella_imap_client_is_encrypted (client));
  g_assert_false (casella_imap_client_has_capability (client, "LOGINDISABLED"));
  /* No SASL-IR: the credentials follow the "+". */
  casella_imap_client_login_async (client, "user", "pass", NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_true (casella_imap_client_login_finish (client, result, &error));
  g_assert_no_error (error);
  g_assert_true (casella_imap_client_has_capability (client, "IDLE"));
  casella_imap_client_disconnect (client);
  assert_script_done (server);
}

static void
test_imap_preauth_before_starttls (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    "> * PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] logged in already\n"
    "eof\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapClient) client = imap_connect (server, CASELLA_SECURITY_STARTTLS, 0, &error);

  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_FAILED);
  assert_script_done (server);
}

/* A server that stops answering: the timeout is honoured, promptly. */
static void
test_imap_silence (void)
{
  g_autoptr(CasellaTestScript) server = start_script (IMAP_GREETING "<T NOOP\n" "hang\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapClient) client = imap_connect (server, CASELLA_SECURITY_NONE, 400, &error);
  g_autoptr(GAsyncResult) result = NULL;
  gint64 start;
  double elapsed;

  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  casella_imap_client_noop_async (client, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_false (casella_imap_client_noop_finish (client, result, &error));
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_TIMEOUT);
  elapsed = (g_get_monotonic_time () - start) / 1000.0;
  g_test_message ("timed out after %.0f ms (limit 400 ms)", elapsed);
  g_assert_cmpfloat (elapsed, >=, 350);
  g_assert_cmpfloat (elapsed, <, 3000);
  assert_script_done (server);
}

static void
test_imap_no_greeting (void)
{
  g_autoptr(CasellaTestScript) server = start_script ("hang\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapClient) client = imap_connect (server, CASELLA_SECURITY_NONE, 400, &error);

  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_TIMEOUT);
  assert_script_done (server);
}

static void
test_imap_ten_megabyte_literal (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    IMAP_GREETING
    "<T UID FETCH\n"
    "literal 10485760\n"
    "> $TAG OK done\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapClient) client = imap_connect (server, CASELLA_SECURITY_NONE, 0, &error);
  g_autoptr(GPtrArray) fetched = NULL;
  GBytes *body;
  const guint8 *data;

  g_assert_no_error (error);
  fetched = imap_fetch (client, &error);
  g_assert_no_error (error);
  body = casella_imap_fetch_get_section (fetched->pdata[0], "BODY[]");
  g_assert_cmpuint (g_bytes_get_size (body), ==, 10485760);
  data = g_bytes_get_data (body, NULL);
  g_assert_cmpint (data[0], ==, '0');
  g_assert_cmpint (data[10485759], ==, "0123456789\r\n"[10485759 % 12]);
  assert_script_done (server);
}

/* Without LITERAL+, the literal waits for "+". */
static void
test_imap_synchronizing_literal (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    IMAP_GREETING
    "<T APPEND INBOX {11}\n"
    "> + go ahead\n"
    "read 11\n"
    "<\n"
    "> $TAG OK [APPENDUID 5 42] stored\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapClient) client = imap_connect (server, CASELLA_SECURITY_NONE, 0, &error);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) message = g_bytes_new_static ("Subject: x\n", 11);
  guint32 uid;

  g_assert_no_error (error);
  casella_imap_client_append_async (client, "INBOX", message, 0, NULL, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  uid = casella_imap_client_append_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uid, ==, 42);
  assert_script_done (server);
}

static void
test_imap_untrusted_certificate (void)
{
  g_autoptr(CasellaTestScript) server = start_script (IMAP_GREETING, TRUE);
  g_autoptr(CasellaNetConfig) config = casella_net_config_new ("localhost", casella_test_script_get_port (server),
                                                               CASELLA_SECURITY_TLS);
  g_autoptr(CasellaImapClient) client = casella_imap_client_new (config);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  /* The system's trust store does not know the test CA. */
  casella_imap_client_connect_async (client, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_false (casella_imap_client_connect_finish (client, result, &error));
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CERTIFICATE_UNTRUSTED);
  g_assert_nonnull (casella_imap_client_get_peer_certificate (client));
  g_free (casella_test_script_finish (server));
}

/* ---- POP3 ---- */

static CasellaPop3Client *
pop3_connect (CasellaTestScript *server,
              CasellaSecurity    security,
              GError           **error)
{
  g_autoptr(CasellaNetConfig) config = config_for (server, security, 2000);
  CasellaPop3Client *client = casella_pop3_client_new (config);
  g_autoptr(GAsyncResult) result = NULL;

  casella_pop3_client_connect_async (client, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  casella_pop3_client_connect_finish (client, result, error);
  return client;
}

static void
test_pop3_stls_refused (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    "> +OK fake\n< CAPA\n> +OK\n> STLS\n> USER\n> .\n< STLS\n> -ERR not today\neof\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaPop3Client) client = pop3_connect (server, CASELLA_SECURITY_STARTTLS, &error);

  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_FAILED);
  assert_script_done (server);
}

static void
test_pop3_stls_missing (void)
{
  g_autoptr(CasellaTestScript) server = start_script ("> +OK fake\n< CAPA\n> -ERR what is CAPA\neof\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaPop3Client) client = pop3_connect (server, CASELLA_SECURITY_STARTTLS, &error);

  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_MISSING);
  assert_script_done (server);
}

/* No SASL: USER, then PASS only after USER is accepted. */
static void
test_pop3_user_pass_and_drop (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    "> +OK fake\n< CAPA\n> +OK\n> USER\n> .\n"
    "< USER bob\n> +OK\n< PASS s3cret\n> +OK in\n"
    "< RETR 1\n> +OK\n> Subject: cut\n> \n> half a mess\nclose\n", TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaPop3Client) client = pop3_connect (server, CASELLA_SECURITY_TLS, &error);
  g_autoptr(GAsyncResult) login = NULL, retr = NULL;
  g_autoptr(GBytes) message = NULL;

  g_assert_no_error (error);
  casella_pop3_client_login_async (client, "bob", "s3cret", NULL, casella_test_store_result, &login);
  casella_test_await (&login);
  g_assert_true (casella_pop3_client_login_finish (client, login, &error));
  casella_pop3_client_retr_async (client, 1, NULL, casella_test_store_result, &retr);
  casella_test_await (&retr);
  message = casella_pop3_client_message_finish (client, retr, &error);
  g_assert_null (message);
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CONNECTION_LOST);
  assert_script_done (server);
}

/* An empty mailbox (a new account, or all taken after downloading):
 * Courier answers UIDL and LIST with no lines at all. That crashed. */
static void
test_pop3_empty_mailbox (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    "> +OK fake\n< CAPA\n> +OK\n> USER\n> UIDL\n> .\n"
    "< USER bob\n> +OK\n< PASS s3cret\n> +OK in\n"
    "< UIDL\n> +OK\n> .\n< LIST\n> +OK\n> .\n", TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaPop3Client) client = pop3_connect (server, CASELLA_SECURITY_TLS, &error);
  g_autoptr(GAsyncResult) login = NULL, uidl = NULL, list = NULL;
  g_autoptr(GPtrArray) uids = NULL;
  g_autoptr(GArray) sizes = NULL;

  g_assert_no_error (error);
  casella_pop3_client_login_async (client, "bob", "s3cret", NULL, casella_test_store_result, &login);
  casella_test_await (&login);
  g_assert_true (casella_pop3_client_login_finish (client, login, &error));
  casella_pop3_client_uidl_async (client, 0, NULL, casella_test_store_result, &uidl);
  casella_test_await (&uidl);
  uids = casella_pop3_client_uidl_finish (client, uidl, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uids->len, ==, 0);
  casella_pop3_client_list_async (client, 0, NULL, casella_test_store_result, &list);
  casella_test_await (&list);
  sizes = casella_pop3_client_list_finish (client, list, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sizes->len, ==, 0);
  casella_line_client_disconnect (CASELLA_LINE_CLIENT (client));
  assert_script_done (server);
}

/* A server that asks for UTF8 (RFC 6856) gets it before the sign-in,
 * and one that takes a sign-in only every 15 minutes (LOGIN-DELAY,
 * RFC 2449) is not asked again before: the next sync does nothing. */
static void
test_pop3_utf8_and_login_delay (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    "> +OK fake\n< CAPA\n> +OK\n> USER\n> UIDL\n> UTF8\n> LOGIN-DELAY 900\n> .\n"
    "< UTF8\n> +OK UTF8 enabled\n< USER bob\n> +OK\n< PASS s3cret\n> +OK in\n"
    "< UIDL\n> +OK\n> .\n< QUIT\n> +OK bye\n", TRUE);
  g_autoptr(CasellaNetConfig) config = config_for (server, CASELLA_SECURITY_TLS, 2000);
  g_autofree char *dir = casella_test_make_tmpdir ("casella-login-delay");
  g_autofree char *path = g_build_filename (dir, "mail.db", NULL);
  g_autoptr(CasellaStore) store = casella_store_open (path, NULL);
  g_autoptr(GError) error = NULL;
  CasellaPop3SyncResult result = { 0 };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_true (casella_pop3_sync_run (store, config, "bob", "s3cret", NULL, CASELLA_POP3_KEEP, 0, NULL, NULL, &result,
                                        NULL, &error));
  g_assert_no_error (error);
  g_assert_false (result.skipped);
  g_assert_cmpint (result.next_allowed, >=, now + 900);
  assert_script_done (server);
  /* The script is over: another sign-in would find nobody listening. */
  g_assert_true (casella_pop3_sync_run (store, config, "bob", "s3cret", NULL, CASELLA_POP3_KEEP, 0, NULL, NULL, &result,
                                        NULL, &error));
  g_assert_no_error (error);
  g_assert_true (result.skipped);
  g_clear_object (&store);
  casella_test_rm_rf (dir);
}

/* A user name with a line break would end USER and send a command of
 * its own (here DELE 1): nothing of it is written. */
static void
test_pop3_no_line_breaks (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    "> +OK fake\n< CAPA\n> +OK\n> USER\n> .\neof\n", TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaPop3Client) client = pop3_connect (server, CASELLA_SECURITY_TLS, &error);
  g_autoptr(GAsyncResult) login = NULL;

  g_assert_no_error (error);
  casella_pop3_client_login_async (client, "bob\r\nDELE 1", "s3cret", NULL, casella_test_store_result, &login);
  casella_test_await (&login);
  g_assert_false (casella_pop3_client_login_finish (client, login, &error));
  g_assert_nonnull (strstr (error->message, "line break"));
  casella_line_client_disconnect (CASELLA_LINE_CLIENT (client));
  assert_script_done (server);
}

static void
test_pop3_wrong_user_stops (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    "> +OK fake\n< CAPA\n> +OK\n> USER\n> .\n< USER nobody\n> -ERR no such user\neof\n", TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaPop3Client) client = pop3_connect (server, CASELLA_SECURITY_TLS, &error);
  g_autoptr(GAsyncResult) login = NULL;

  g_assert_no_error (error);
  casella_pop3_client_login_async (client, "nobody", "secret", NULL, casella_test_store_result, &login);
  casella_test_await (&login);
  g_assert_false (casella_pop3_client_login_finish (client, login, &error));
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_AUTH_FAILED);
  /* The password was never sent: the script saw only the client leave. */
  casella_line_client_disconnect (CASELLA_LINE_CLIENT (client));
  assert_script_done (server);
}

/* ---- SMTP ---- */

static CasellaSmtpClient *
smtp_connect (CasellaTestScript *server,
              CasellaSecurity    security,
              GError           **error)
{
  g_autoptr(CasellaNetConfig) config = config_for (server, security, 2000);
  CasellaSmtpClient *client = casella_smtp_client_new (config);
  g_autoptr(GAsyncResult) result = NULL;

  casella_smtp_client_connect_async (client, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  casella_smtp_client_connect_finish (client, result, error);
  return client;
}

static void
test_smtp_helo_fallback (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    "> 220 old.example.test\n< EHLO [127.0.0.1]\n> 500 5.5.1 What?\n< HELO [127.0.0.1]\n> 250 hello\n", TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaSmtpClient) client = smtp_connect (server, CASELLA_SECURITY_TLS, &error);

  g_assert_no_error (error);
  g_assert_false (casella_smtp_client_has_extension (client, "AUTH"));
  assert_script_done (server);
}

static void
test_smtp_starttls_refused (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    "> 220 fake\n< EHLO\n> 250-fake\n> 250 STARTTLS\n< STARTTLS\n> 454 4.7.0 TLS not available\neof\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaSmtpClient) client = smtp_connect (server, CASELLA_SECURITY_STARTTLS, &error);

  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_FAILED);
  assert_script_done (server);
}

static void
test_smtp_starttls_injection (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    "> 220 fake\n< EHLO\n> 250-fake\n> 250 STARTTLS\n< STARTTLS\n"
    ">> 220 go ahead\\r\\n250 AUTH PLAIN\\r\\n\neof\n", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaSmtpClient) client = smtp_connect (server, CASELLA_SECURITY_STARTTLS, &error);

  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_FAILED);
  assert_script_done (server);
}

static void
test_smtp_auth_login (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    "> 220 fake\n< EHLO\n> 250-fake\n> 250 AUTH LOGIN\n"
    "< AUTH LOGIN\n> 334 VXNlcm5hbWU6\n< Ym9iQGV4YW1wbGUudGVzdA==\n> 334 UGFzc3dvcmQ6\n< cMOkc3M=\n"
    "> 235 2.7.0 Authentication successful\n", TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaSmtpClient) client = smtp_connect (server, CASELLA_SECURITY_TLS, &error);
  g_autoptr(GAsyncResult) result = NULL;

  g_assert_no_error (error);
  casella_smtp_client_login_async (client, "bob@example.test", "päss", NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_true (casella_smtp_client_login_finish (client, result, &error));
  g_assert_no_error (error);
  assert_script_done (server);
}

static void
test_smtp_oauth_only (void)
{
  g_autoptr(CasellaTestScript) server = start_script (
    "> 220 fake\n< EHLO\n> 250-fake\n> 250 AUTH XOAUTH2 OAUTHBEARER\neof\n", TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaSmtpClient) client = smtp_connect (server, CASELLA_SECURITY_TLS, &error);
  g_autoptr(GAsyncResult) result = NULL;

  g_assert_no_error (error);
  casella_smtp_client_login_async (client, "bob", "pw", NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_false (casella_smtp_client_login_finish (client, result, &error));
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_OAUTH_REQUIRED);
  casella_line_client_disconnect (CASELLA_LINE_CLIENT (client));
  assert_script_done (server);
}

/* Real replies from providers, through the whole client. */
static void
test_smtp_provider_replies (void)
{
  static const struct { const char *reply; int code; } cases[] = {
    { "534-5.7.9 Application-specific password required. Learn more at\n> 534 5.7.9 https://support.google.com/mail/?p=InvalidSecondFactor",
      CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED },
    { "535 5.7.0 NEOBHODIM parol prilozheniya https://help.mail.ru/mail/security/protection/external / Application password is REQUIRED",
      CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED },
    { "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
      CASELLA_MAIL_ERROR_PROTOCOL_DISABLED },
    { "535-5.7.8 Username and Password not accepted.\n> 535 5.7.8 Learn more", CASELLA_MAIL_ERROR_AUTH_FAILED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *script = g_strdup_printf ("> 220 fake\n< EHLO\n> 250-fake\n> 250 AUTH PLAIN\n< AUTH PLAIN\n> %s\n",
                                                 cases[i].reply);
      g_autoptr(CasellaTestScript) server = start_script (script, TRUE);
      g_autoptr(GError) error = NULL;
      g_autoptr(CasellaSmtpClient) client = smtp_connect (server, CASELLA_SECURITY_TLS, &error);
      g_autoptr(GAsyncResult) result = NULL;

      g_assert_no_error (error);
      casella_smtp_client_login_async (client, "me", "pw", NULL, casella_test_store_result, &result);
      casella_test_await (&result);
      g_assert_false (casella_smtp_client_login_finish (client, result, &error));
      g_assert_error (error, CASELLA_MAIL_ERROR, cases[i].code);
      assert_script_done (server);
    }
}

static void
test_imap_provider_replies (void)
{
  static const struct { const char *reply; int code; } cases[] = {
    { "NO [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)",
      CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED },
    { "NO Basic authentication is disabled.", CASELLA_MAIL_ERROR_OAUTH_REQUIRED },
    { "NO [AUTHENTICATIONFAILED] LOGIN invalid credentials or IMAP is disabled", CASELLA_MAIL_ERROR_AUTH_FAILED },
    { "NO LOGIN failed.", CASELLA_MAIL_ERROR_AUTH_FAILED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *script = g_strdup_printf (IMAP_GREETING "<T AUTHENTICATE PLAIN\n> $TAG %s\n", cases[i].reply);
      g_autoptr(CasellaTestScript) server = start_script (script, TRUE);
      g_autoptr(GError) error = NULL;
      g_autoptr(CasellaImapClient) client = imap_connect (server, CASELLA_SECURITY_TLS, 0, &error);
      g_autoptr(GAsyncResult) result = NULL;

      g_assert_no_error (error);
      casella_imap_client_login_async (client, "me", "pw", NULL, casella_test_store_result, &result);
      casella_test_await (&result);
      g_assert_false (casella_imap_client_login_finish (client, result, &error));
      g_assert_error (error, CASELLA_MAIL_ERROR, cases[i].code);
      assert_script_done (server);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  casella_engine_init ();

  g_test_add_func ("/faults/imap/move-never-expunges-blindly", test_imap_move_never_expunges_blindly);
  g_test_add_func ("/faults/imap/news-during-fetch", test_imap_news_during_fetch);
  g_test_add_func ("/faults/imap/fragmented", test_imap_fragmented);
  g_test_add_func ("/faults/imap/interleaved", test_imap_interleaved);
  g_test_add_func ("/faults/imap/bye-mid-command", test_imap_bye_mid_command);
  g_test_add_func ("/faults/imap/garbage-lines", test_imap_garbage_lines);
  g_test_add_func ("/faults/imap/starttls-refused", test_imap_starttls_refused);
  g_test_add_func ("/faults/imap/starttls-missing", test_imap_starttls_missing);
  g_test_add_func ("/faults/imap/starttls-injection", test_imap_starttls_injection);
  g_test_add_func ("/faults/imap/starttls-works", test_imap_starttls_works);
  g_test_add_func ("/faults/imap/preauth-before-starttls", test_imap_preauth_before_starttls);
  g_test_add_func ("/faults/imap/silence", test_imap_silence);
  g_test_add_func ("/faults/imap/no-greeting", test_imap_no_greeting);
  g_test_add_func ("/faults/imap/ten-megabyte-literal", test_imap_ten_megabyte_literal);
  g_test_add_func ("/faults/imap/synchronizing-literal", test_imap_synchronizing_literal);
  g_test_add_func ("/faults/imap/untrusted-certificate", test_imap_untrusted_certificate);
  g_test_add_func ("/faults/imap/provider-replies", test_imap_provider_replies);
  g_test_add_func ("/faults/pop3/utf8-and-login-delay", test_pop3_utf8_and_login_delay);
  g_test_add_func ("/faults/pop3/no-line-breaks", test_pop3_no_line_breaks);
  g_test_add_func ("/faults/pop3/empty-mailbox", test_pop3_empty_mailbox);
  g_test_add_func ("/faults/pop3/stls-refused", test_pop3_stls_refused);
  g_test_add_func ("/faults/pop3/stls-missing", test_pop3_stls_missing);
  g_test_add_func ("/faults/pop3/user-pass-and-drop", test_pop3_user_pass_and_drop);
  g_test_add_func ("/faults/pop3/wrong-user-stops", test_pop3_wrong_user_stops);
  g_test_add_func ("/faults/smtp/helo-fallback", test_smtp_helo_fallback);
  g_test_add_func ("/faults/smtp/starttls-refused", test_smtp_starttls_refused);
  g_test_add_func ("/faults/smtp/starttls-injection", test_smtp_starttls_injection);
  g_test_add_func ("/faults/smtp/auth-login", test_smtp_auth_login);
  g_test_add_func ("/faults/smtp/oauth-only", test_smtp_oauth_only);
  g_test_add_func ("/faults/smtp/provider-replies", test_smtp_provider_replies);

  return g_test_run ();
}
