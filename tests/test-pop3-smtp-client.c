/* test-pop3-smtp-client.c — POP3 against a real Dovecot, SMTP against the
 * submission sink
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-engine.h"
#include "casella-gmime.h"
#include "casella-mail-error.h"
#include "casella-pop3-client.h"
#include "casella-smtp-client.h"
#include "casella-test-dovecot.h"
#include "casella-test-pki.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"

static CasellaTestDovecot *dovecot;
static CasellaTestSmtp *sink;

static CasellaNetConfig *
config_for (guint16 port, CasellaSecurity security)
{
  CasellaNetConfig *config = casella_net_config_new ("localhost", port, security);

  casella_net_config_set_tls_database (config, casella_test_pki_get ()->database);
  return config;
}

/* ---- POP3 ---- */

static CasellaPop3Client *
pop3_connect (CasellaTestService service,
              CasellaSecurity    security)
{
  g_autoptr(CasellaNetConfig) config = config_for (casella_test_dovecot_get_port (dovecot, service), security);
  CasellaPop3Client *client = casella_pop3_client_new (config);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  casella_pop3_client_connect_async (client, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_true (casella_pop3_client_connect_finish (client, result, &error));
  g_assert_no_error (error);
  return client;
}

static void
pop3_login (CasellaPop3Client *client, const char *user, const char *password)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  casella_pop3_client_login_async (client, user, password, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_true (casella_pop3_client_login_finish (client, result, &error));
  g_assert_no_error (error);
}

static void
pop3_simple (CasellaPop3Client *client,
             void (*start) (CasellaPop3Client *, GCancellable *, GAsyncReadyCallback, gpointer))
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  start (client, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_true (casella_pop3_client_simple_finish (client, result, &error));
  g_assert_no_error (error);
}

static void
pop3_stat (CasellaPop3Client *client, guint *count, guint64 *size)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  casella_pop3_client_stat_async (client, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_true (casella_pop3_client_stat_finish (client, result, count, size, &error));
  g_assert_no_error (error);
}

static const char dotted[] =
  "From: Bob <bob@example.test>\r\n"
  "To: Carol <carol@example.test>\r\n"
  "Subject: Dots\r\n"
  "\r\n"
  "First line\r\n"
  ".A line that starts with a dot\r\n"
  "..and two\r\n"
  ".\r\n"
  "Last line\r\n";

static void
test_pop3s_session (void)
{
  g_autoptr(CasellaPop3Client) client = pop3_connect (CASELLA_TEST_POP3S, CASELLA_SECURITY_TLS);
  g_autoptr(GAsyncResult) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) list = NULL;
  g_autoptr(GPtrArray) uidl = NULL;
  g_autoptr(GBytes) message = NULL, top = NULL;
  g_autoptr(CasellaPop3Client) again = NULL;
  guint count = 0;
  guint64 size = 0;

  casella_test_dovecot_deliver (dovecot, "carol@example.test", NULL, dotted, -1, NULL, &error);
  g_assert_no_error (error);
  casella_test_dovecot_deliver (dovecot, "carol@example.test", NULL, "Subject: two\r\n\r\nsecond\r\n", -1, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (casella_pop3_client_has_capability (client, "UIDL"));
  g_assert_true (casella_pop3_client_has_capability (client, "TOP"));
  pop3_login (client, "carol@example.test", "carolpw");

  pop3_stat (client, &count, &size);
  g_assert_cmpuint (count, ==, 2);
  g_assert_cmpuint (size, ==, strlen (dotted) + strlen ("Subject: two\r\n\r\nsecond\r\n"));

  casella_pop3_client_list_async (client, 0, NULL, casella_test_store_result, &r1);
  casella_test_await (&r1);
  list = casella_pop3_client_list_finish (client, r1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpuint (g_array_index (list, CasellaPop3ListItem, 0).size, ==, strlen (dotted));

  casella_pop3_client_uidl_async (client, 0, NULL, casella_test_store_result, &r2);
  casella_test_await (&r2);
  uidl = casella_pop3_client_uidl_finish (client, r2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uidl->len, ==, 2);
  g_assert_cmpstr (((CasellaPop3UidItem *) uidl->pdata[0])->uid, !=, ((CasellaPop3UidItem *) uidl->pdata[1])->uid);

  /* RETR comes back byte for byte, dots and all. */
  casella_pop3_client_retr_async (client, 1, NULL, casella_test_store_result, &r3);
  casella_test_await (&r3);
  message = casella_pop3_client_message_finish (client, r3, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (message, NULL), g_bytes_get_size (message), dotted, strlen (dotted));

  casella_pop3_client_top_async (client, 1, 0, NULL, casella_test_store_result, &r4);
  casella_test_await (&r4);
  top = casella_pop3_client_message_finish (client, r4, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (g_strndup (g_bytes_get_data (top, NULL), g_bytes_get_size (top)), "Subject: Dots\r\n\r\n"));

  /* DELE then RSET keeps it; DELE then QUIT removes it. */
  casella_pop3_client_dele_async (client, 2, NULL, casella_test_store_result, &r5);
  casella_test_await (&r5);
  g_assert_true (casella_pop3_client_simple_finish (client, r5, &error));
  pop3_simple (client, casella_pop3_client_rset_async);
  pop3_simple (client, casella_pop3_client_noop_async);
  g_clear_object (&r5);
  casella_pop3_client_dele_async (client, 2, NULL, casella_test_store_result, &r5);
  casella_test_await (&r5);
  g_assert_true (casella_pop3_client_simple_finish (client, r5, &error));
  pop3_simple (client, casella_pop3_client_quit_async);
  g_assert_false (casella_line_client_is_connected (CASELLA_LINE_CLIENT (client)));

  again = pop3_connect (CASELLA_TEST_POP3S, CASELLA_SECURITY_TLS);
  pop3_login (again, "carol@example.test", "carolpw");
  pop3_stat (again, &count, NULL);
  g_assert_cmpuint (count, ==, 1);

  /* A missing message is the server's refusal. */
  {
    g_autoptr(GAsyncResult) r6 = NULL;
    casella_pop3_client_retr_async (again, 9, NULL, casella_test_store_result, &r6);
    casella_test_await (&r6);
    g_assert_null (casella_pop3_client_message_finish (again, r6, &error));
    g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_SERVER_ERROR);
  }
}

static void
test_pop3_stls_and_wrong_password (void)
{
  g_autoptr(CasellaPop3Client) client = pop3_connect (CASELLA_TEST_POP3, CASELLA_SECURITY_STARTTLS);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (casella_line_client_is_encrypted (CASELLA_LINE_CLIENT (client)));
  /* CAPA was asked again over TLS: no more STLS on offer. */
  g_assert_false (casella_pop3_client_has_capability (client, "STLS"));
  g_assert_true (casella_pop3_client_has_capability (client, "UIDL"));

  casella_pop3_client_login_async (client, "carol@example.test", "nope", NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_false (casella_pop3_client_login_finish (client, result, &error));
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_AUTH_FAILED);
  g_test_message ("wrong password: %s", error->message);
}

/* ---- SMTP ---- */

static CasellaSmtpClient *
smtp_connect (CasellaTestSmtpPort port,
              CasellaSecurity     security)
{
  g_autoptr(CasellaNetConfig) config = config_for (casella_test_smtp_get_port (sink, port), security);
  CasellaSmtpClient *client = casella_smtp_client_new (config);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  casella_smtp_client_connect_async (client, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_true (casella_smtp_client_connect_finish (client, result, &error));
  g_assert_no_error (error);
  return client;
}

static gboolean
smtp_login (CasellaSmtpClient *client, const char *user, const char *password, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  casella_smtp_client_login_async (client, user, password, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  return casella_smtp_client_login_finish (client, result, error);
}

static GMimeMessage *
make_message (const char *subject, const char *text)
{
  GMimeMessage *message = g_mime_message_new (TRUE);
  g_autoptr(GMimeTextPart) body = g_mime_text_part_new_with_subtype ("plain");

  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, "Alice", "alice@example.test");
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, "Bob", "bob@example.test");
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_CC, "Carol", "carol@example.test");
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_BCC, "Dave", "dave@example.test");
  g_mime_message_set_subject (message, subject, "utf-8");
  g_mime_text_part_set_text (body, text);
  g_mime_message_set_mime_part (message, GMIME_OBJECT (body));
  return message;
}

static char *
send_message (CasellaSmtpClient *client, GMimeMessage *message, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  casella_smtp_client_send_message_async (client, message, NULL, NULL, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  return casella_smtp_client_send_message_finish (client, result, error);
}

static void
assert_received (guint index, const char *listener, const char *needle, const char *absent)
{
  g_autoptr(GPtrArray) messages = casella_test_smtp_get_messages (sink);
  g_autofree char *envelope = casella_test_smtp_get_envelope (sink, index);
  g_autofree char *expected_listener = g_strdup_printf ("\"listener\": \"%s\"", listener);
  g_autofree char *text = NULL;

  g_assert_cmpuint (messages->len, >, index);
  text = g_strndup (g_bytes_get_data (messages->pdata[index], NULL), g_bytes_get_size (messages->pdata[index]));
  g_assert_nonnull (strstr (text, needle));
  if (absent)
    g_assert_null (strstr (text, absent));
  g_assert_nonnull (strstr (envelope, expected_listener));
  g_assert_nonnull (strstr (envelope, "\"auth_user\": \"alice@example.test\""));
  g_assert_nonnull (strstr (envelope, "dave@example.test"));   /* Bcc got it… */
  g_assert_nonnull (strstr (envelope, "\"tls\": true"));
}

static void
test_smtps_send (void)
{
  g_autoptr(CasellaSmtpClient) client = smtp_connect (CASELLA_TEST_SMTP_SMTPS, CASELLA_SECURITY_TLS);
  g_autoptr(GMimeMessage) message = make_message ("Caffè alle 10?", "Ciao Bob,\n.una riga col punto\nA dopo – Alice\n");
  g_autoptr(GError) error = NULL;
  g_autofree char *accepted = NULL;
  guint before = casella_test_smtp_get_messages (sink)->len;

  g_assert_true (casella_smtp_client_has_auth (client, "PLAIN"));
  g_assert_true (smtp_login (client, "alice@example.test", "alicepw", &error));
  g_assert_no_error (error);
  accepted = send_message (client, message, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (accepted, "250"));

  g_assert_true (casella_test_smtp_wait_for (sink, before + 1, 5000));
  /* …but never saw the Bcc header; the dotted line arrives intact. */
  assert_received (before, "smtps", "\r\n.una riga col punto\r\n", "dave@");
}

static void
test_starttls_send_twice (void)
{
  g_autoptr(CasellaSmtpClient) client = smtp_connect (CASELLA_TEST_SMTP_STARTTLS, CASELLA_SECURITY_STARTTLS);
  g_autoptr(GMimeMessage) first = make_message ("First", "one\n");
  g_autoptr(GMimeMessage) second = make_message ("Second", "two\n");
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL, *b = NULL;
  guint before = casella_test_smtp_get_messages (sink)->len;

  g_assert_true (casella_line_client_is_encrypted (CASELLA_LINE_CLIENT (client)));
  /* EHLO again after TLS: now AUTH is offered, STARTTLS no more. */
  g_assert_true (casella_smtp_client_has_extension (client, "AUTH"));
  g_assert_false (casella_smtp_client_has_extension (client, "STARTTLS"));
  g_assert_true (smtp_login (client, "alice@example.test", "alicepw", &error));

  a = send_message (client, first, &error);
  g_assert_no_error (error);
  b = send_message (client, second, &error);
  g_assert_no_error (error);
  g_assert_true (casella_test_smtp_wait_for (sink, before + 2, 5000));
  assert_received (before, "starttls", "Subject: First", NULL);
  assert_received (before + 1, "starttls", "Subject: Second", NULL);
}

static void
test_smtp_wrong_password (void)
{
  g_autoptr(CasellaSmtpClient) client = smtp_connect (CASELLA_TEST_SMTP_SMTPS, CASELLA_SECURITY_TLS);
  g_autoptr(GError) error = NULL;

  g_assert_false (smtp_login (client, "alice@example.test", "bad", &error));
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_AUTH_FAILED);
  g_test_message ("wrong password: %s", error->message);
}

static void
test_smtp_recipient_refused (void)
{
  g_autoptr(CasellaSmtpClient) client = smtp_connect (CASELLA_TEST_SMTP_SMTPS, CASELLA_SECURITY_TLS);
  g_autoptr(GMimeMessage) bad = make_message ("To nobody", "x\n");
  g_autoptr(GMimeMessage) good = make_message ("Fine", "y\n");
  g_autoptr(GError) error = NULL;
  g_autofree char *none = NULL, *sent = NULL;
  guint before;

  g_mime_message_add_mailbox (bad, GMIME_ADDRESS_TYPE_TO, "Nobody", "nobody@example.test");
  g_assert_true (smtp_login (client, "alice@example.test", "alicepw", &error));
  before = casella_test_smtp_get_messages (sink)->len;
  none = send_message (client, bad, &error);
  g_assert_null (none);
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_RECIPIENT_REFUSED);
  g_assert_nonnull (strstr (error->message, "nobody@example.test"));
  g_clear_error (&error);

  /* Nothing was delivered, and the same connection sends the next one. */
  sent = send_message (client, good, &error);
  g_assert_no_error (error);
  g_assert_true (casella_test_smtp_wait_for (sink, before + 1, 5000));
  assert_received (before, "smtps", "Subject: Fine", NULL);
  g_assert_cmpuint (casella_test_smtp_get_messages (sink)->len, ==, before + 1);
}

static void
test_smtp_must_authenticate (void)
{
  g_autoptr(CasellaSmtpClient) client = smtp_connect (CASELLA_TEST_SMTP_SMTPS, CASELLA_SECURITY_TLS);
  g_autoptr(GMimeMessage) message = make_message ("No login", "z\n");
  g_autoptr(GError) error = NULL;
  g_autofree char *sent = send_message (client, message, &error);

  g_assert_null (sent);
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_AUTH_FAILED);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  casella_engine_init ();

  dovecot = casella_test_dovecot_new ();
  casella_test_dovecot_add_user (dovecot, "carol@example.test", "carolpw");
  casella_test_dovecot_start (dovecot, &error);
  g_assert_no_error (error);
  sink = casella_test_smtp_new ();
  casella_test_smtp_reject_recipient (sink, "nobody@example.test");
  casella_test_smtp_start (sink, &error);
  g_assert_no_error (error);

  g_test_add_func ("/pop3/client/pop3s-session", test_pop3s_session);
  g_test_add_func ("/pop3/client/stls-and-wrong-password", test_pop3_stls_and_wrong_password);
  g_test_add_func ("/smtp/client/smtps-send", test_smtps_send);
  g_test_add_func ("/smtp/client/starttls-send-twice", test_starttls_send_twice);
  g_test_add_func ("/smtp/client/wrong-password", test_smtp_wrong_password);
  g_test_add_func ("/smtp/client/recipient-refused", test_smtp_recipient_refused);
  g_test_add_func ("/smtp/client/must-authenticate", test_smtp_must_authenticate);

  status = g_test_run ();
  casella_test_smtp_free (sink);
  casella_test_dovecot_free (dovecot);
  return status;
}
