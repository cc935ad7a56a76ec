/* test-harness.c — the test harness's own servers really work
 *
 * These talk to the servers with bare GIO streams, so a failure here is a
 * harness failure, not an engine one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <libsoup/soup.h>

#include "casella-test-dovecot.h"
#include "casella-test-https.h"
#include "casella-test-pki.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"

typedef struct {
  GIOStream        *stream;
  GDataInputStream *in;
  GOutputStream    *out;
} LineClient;

static const char test_message[] =
  "From: Bob <bob@example.test>\r\n"
  "To: Alice <alice@example.test>\r\n"
  "Subject: Harness check\r\n"
  "Message-ID: <harness-1@example.test>\r\n"
  "Date: Thu, 26 Nov 2026 10:00:00 +0100\r\n"
  "\r\n"
  "The harness delivered this.\r\n";

static void
line_client_attach (LineClient *client,
                    GIOStream  *stream)
{
  g_clear_object (&client->in);
  g_set_object (&client->stream, stream);
  client->in = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  g_data_input_stream_set_newline_type (client->in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  /* A STARTTLS upgrade replaces this reader; the socket must stay open. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (client->in), FALSE);
  client->out = g_io_stream_get_output_stream (stream);
}

static void
line_client_clear (LineClient *client)
{
  g_clear_object (&client->in);
  g_clear_object (&client->stream);
}

static char *
line_client_read (LineClient *client)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line (client->in, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  return line;
}

static void
line_client_send (LineClient *client,
                  const char *line)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *with_crlf = g_strconcat (line, "\r\n", NULL);

  g_output_stream_write_all (client->out, with_crlf, strlen (with_crlf), NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Reads lines until one starts with prefix; returns everything read. */
static char *
line_client_read_until (LineClient *client,
                        const char *prefix)
{
  GString *all = g_string_new (NULL);

  for (;;)
    {
      g_autofree char *line = line_client_read (client);
      g_string_append_printf (all, "%s\n", line);
      if (g_str_has_prefix (line, prefix))
        break;
    }
  return g_string_free (all, FALSE);
}

static void
line_client_connect (LineClient *client,
                     guint16     port,
                     gboolean    tls)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_client_connect_to_host (socket_client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);

  if (tls)
    {
      g_autoptr(GSocketConnectable) identity = g_network_address_new ("localhost", port);
      g_autoptr(GIOStream) tls_stream = g_tls_client_connection_new (G_IO_STREAM (connection), identity, &error);

      g_assert_no_error (error);
      g_tls_connection_set_database (G_TLS_CONNECTION (tls_stream), casella_test_pki_get ()->database);
      g_tls_connection_handshake (G_TLS_CONNECTION (tls_stream), NULL, &error);
      g_assert_no_error (error);
      line_client_attach (client, tls_stream);
    }
  else
    line_client_attach (client, G_IO_STREAM (connection));
}

/* Upgrades the current plain connection in place, as STARTTLS does. */
static void
line_client_starttls (LineClient *client,
                      guint16     port)
{
  g_autoptr(GSocketConnectable) identity = g_network_address_new ("localhost", port);
  g_autoptr(GIOStream) tls_stream = NULL;
  g_autoptr(GError) error = NULL;

  /* Nothing may be buffered past the STARTTLS reply. */
  g_assert_cmpuint (g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (client->in)), ==, 0);

  tls_stream = g_tls_client_connection_new (client->stream, identity, &error);
  g_assert_no_error (error);
  g_tls_connection_set_database (G_TLS_CONNECTION (tls_stream), casella_test_pki_get ()->database);
  g_tls_connection_handshake (G_TLS_CONNECTION (tls_stream), NULL, &error);
  g_assert_no_error (error);
  line_client_attach (client, tls_stream);
}

static CasellaTestDovecot *
start_dovecot_with_message (void)
{
  g_autoptr(GError) error = NULL;
  CasellaTestDovecot *dovecot = casella_test_dovecot_new ();

  casella_test_dovecot_start (dovecot, &error);
  g_assert_no_error (error);
  casella_test_dovecot_deliver (dovecot, "alice@example.test", NULL, test_message, -1, NULL, &error);
  g_assert_no_error (error);
  return dovecot;
}

static void
imap_login_and_read (LineClient *client)
{
  g_autofree char *select = NULL, *fetch = NULL, *login = NULL;

  line_client_send (client, "a1 LOGIN alice@example.test alicepw");
  login = line_client_read_until (client, "a1 ");
  g_assert_true (strstr (login, "a1 OK") != NULL);

  line_client_send (client, "a2 SELECT INBOX");
  select = line_client_read_until (client, "a2 ");
  g_assert_true (strstr (select, "* 1 EXISTS") != NULL);
  g_assert_true (strstr (select, "a2 OK") != NULL);

  line_client_send (client, "a3 FETCH 1 BODY[]");
  fetch = line_client_read_until (client, "a3 ");
  g_assert_true (strstr (fetch, "Subject: Harness check") != NULL);
  g_assert_true (strstr (fetch, "The harness delivered this.") != NULL);
  g_assert_true (strstr (fetch, "a3 OK") != NULL);

  line_client_send (client, "a4 LOGOUT");
  g_free (line_client_read_until (client, "a4 "));
}

static void
test_dovecot_imaps (void)
{
  g_autoptr(CasellaTestDovecot) dovecot = start_dovecot_with_message ();
  LineClient client = { 0 };
  g_autofree char *greeting = NULL;

  line_client_connect (&client, casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS), TRUE);
  greeting = line_client_read (&client);
  g_assert_true (g_str_has_prefix (greeting, "* OK"));
  imap_login_and_read (&client);
  line_client_clear (&client);
}

static void
test_dovecot_imap_starttls (void)
{
  g_autoptr(CasellaTestDovecot) dovecot = start_dovecot_with_message ();
  guint16 port = casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAP);
  LineClient client = { 0 };
  g_autofree char *greeting = NULL, *reply = NULL;

  line_client_connect (&client, port, FALSE);
  greeting = line_client_read (&client);
  g_assert_true (strstr (greeting, "STARTTLS") != NULL);
  line_client_send (&client, "s1 STARTTLS");
  reply = line_client_read_until (&client, "s1 ");
  g_assert_true (g_str_has_prefix (reply, "s1 OK"));
  line_client_starttls (&client, port);
  imap_login_and_read (&client);
  line_client_clear (&client);
}

static void
pop3_login_and_read (LineClient *client)
{
  g_autofree char *user = NULL, *pass = NULL, *stat = NULL, *retr = NULL;

  line_client_send (client, "USER alice@example.test");
  user = line_client_read (client);
  g_assert_true (g_str_has_prefix (user, "+OK"));
  line_client_send (client, "PASS alicepw");
  pass = line_client_read (client);
  g_assert_true (g_str_has_prefix (pass, "+OK"));
  line_client_send (client, "STAT");
  stat = line_client_read (client);
  g_assert_true (g_str_has_prefix (stat, "+OK 1 "));
  line_client_send (client, "RETR 1");
  retr = line_client_read_until (client, ".");
  g_assert_true (g_str_has_prefix (retr, "+OK"));
  g_assert_true (strstr (retr, "Subject: Harness check") != NULL);
  line_client_send (client, "QUIT");
  g_free (line_client_read (client));
}

static void
test_dovecot_pop3s (void)
{
  g_autoptr(CasellaTestDovecot) dovecot = start_dovecot_with_message ();
  LineClient client = { 0 };
  g_autofree char *greeting = NULL;

  line_client_connect (&client, casella_test_dovecot_get_port (dovecot, CASELLA_TEST_POP3S), TRUE);
  greeting = line_client_read (&client);
  g_assert_true (g_str_has_prefix (greeting, "+OK"));
  pop3_login_and_read (&client);
  line_client_clear (&client);
}

static void
test_dovecot_pop3_stls (void)
{
  g_autoptr(CasellaTestDovecot) dovecot = start_dovecot_with_message ();
  guint16 port = casella_test_dovecot_get_port (dovecot, CASELLA_TEST_POP3);
  LineClient client = { 0 };
  g_autofree char *greeting = NULL, *reply = NULL;

  line_client_connect (&client, port, FALSE);
  greeting = line_client_read (&client);
  g_assert_true (g_str_has_prefix (greeting, "+OK"));
  line_client_send (&client, "STLS");
  reply = line_client_read (&client);
  g_assert_true (g_str_has_prefix (reply, "+OK"));
  line_client_starttls (&client, port);
  pop3_login_and_read (&client);
  line_client_clear (&client);
}

static void
smtp_expect (LineClient *client,
             const char *code)
{
  g_autofree char *line = NULL;

  /* Multi-line replies use "250-"; the last line has a space. */
  do
    {
      g_free (line);
      line = line_client_read (client);
      g_assert_true (g_str_has_prefix (line, code));
    }
  while (line[3] == '-');
}

static void
smtp_send_message (LineClient *client)
{
  g_autofree char *auth = NULL;
  g_autofree char *plain = NULL;
  const char credentials[] = "\0alice@example.test\0alicepw";

  plain = g_base64_encode ((const guchar *) credentials, sizeof credentials - 1);
  auth = g_strconcat ("AUTH PLAIN ", plain, NULL);
  line_client_send (client, "EHLO client.example.test");
  smtp_expect (client, "250");
  line_client_send (client, auth);
  smtp_expect (client, "235");
  line_client_send (client, "MAIL FROM:<alice@example.test>");
  smtp_expect (client, "250");
  line_client_send (client, "RCPT TO:<bob@example.test>");
  smtp_expect (client, "250");
  line_client_send (client, "DATA");
  smtp_expect (client, "354");
  line_client_send (client, "Subject: Sink check\r\n\r\nSent through the sink.\r\n.");
  smtp_expect (client, "250");
  line_client_send (client, "QUIT");
  smtp_expect (client, "221");
}

static void
assert_sink_received (CasellaTestSmtp *smtp,
                      const char      *listener)
{
  g_autoptr(GPtrArray) messages = NULL;
  g_autofree char *envelope = NULL;
  g_autofree char *expected = g_strdup_printf ("\"listener\": \"%s\"", listener);

  g_assert_true (casella_test_smtp_wait_for (smtp, 1, 5000));
  messages = casella_test_smtp_get_messages (smtp);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (messages->pdata[0], NULL),
                                  g_bytes_get_size (messages->pdata[0]), "Sent through the sink."));
  envelope = casella_test_smtp_get_envelope (smtp, 0);
  g_assert_nonnull (strstr (envelope, "\"auth_user\": \"alice@example.test\""));
  g_assert_nonnull (strstr (envelope, "bob@example.test"));
  g_assert_nonnull (strstr (envelope, expected));
}

static void
test_smtp_smtps (void)
{
  g_autoptr(CasellaTestSmtp) smtp = casella_test_smtp_new ();
  g_autoptr(GError) error = NULL;
  LineClient client = { 0 };

  casella_test_smtp_start (smtp, &error);
  g_assert_no_error (error);
  line_client_connect (&client, casella_test_smtp_get_port (smtp, CASELLA_TEST_SMTP_SMTPS), TRUE);
  smtp_expect (&client, "220");
  smtp_send_message (&client);
  line_client_clear (&client);
  assert_sink_received (smtp, "smtps");
}

static void
test_smtp_starttls (void)
{
  g_autoptr(CasellaTestSmtp) smtp = casella_test_smtp_new ();
  g_autoptr(GError) error = NULL;
  guint16 port;
  LineClient client = { 0 };

  casella_test_smtp_start (smtp, &error);
  g_assert_no_error (error);
  port = casella_test_smtp_get_port (smtp, CASELLA_TEST_SMTP_STARTTLS);
  line_client_connect (&client, port, FALSE);
  smtp_expect (&client, "220");
  line_client_send (&client, "EHLO client.example.test");
  smtp_expect (&client, "250");
  /* The sink insists on TLS before mail. */
  line_client_send (&client, "MAIL FROM:<alice@example.test>");
  smtp_expect (&client, "530");
  line_client_send (&client, "STARTTLS");
  smtp_expect (&client, "220");
  line_client_starttls (&client, port);
  smtp_send_message (&client);
  line_client_clear (&client);
  assert_sink_received (smtp, "starttls");
}

static void
test_https_files (void)
{
  g_autoptr(CasellaTestHttps) https = casella_test_https_new ();
  g_autoptr(SoupSession) trusting = NULL, default_trust = NULL;
  g_autoptr(SoupMessage) msg = NULL, untrusted_msg = NULL, missing = NULL;
  g_autoptr(GBytes) body = NULL, other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL, *missing_url = NULL;
  g_auto(GStrv) requests = NULL;

  casella_test_https_add_file (https, "mail/config-v1.1.xml", "<clientConfig version=\"1.1\"/>");
  casella_test_https_start (https, &error);
  g_assert_no_error (error);

  trusting = soup_session_new_with_options ("tls-database", casella_test_pki_get ()->database, NULL);
  url = casella_test_https_get_url (https, "/mail/config-v1.1.xml?emailaddress=x");
  msg = soup_message_new ("GET", url);
  body = soup_session_send_and_read (trusting, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_cmpstr (g_bytes_get_data (body, NULL), ==, "<clientConfig version=\"1.1\"/>");

  missing_url = casella_test_https_get_url (https, "/nothing-here");
  missing = soup_message_new ("GET", missing_url);
  g_bytes_unref (soup_session_send_and_read (trusting, missing, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (missing), ==, 404);

  /* The system's trust store does not know the test CA. */
  default_trust = soup_session_new ();
  untrusted_msg = soup_message_new ("GET", url);
  other = soup_session_send_and_read (default_trust, untrusted_msg, NULL, &error);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);

  requests = casella_test_https_get_requests (https);
  g_assert_cmpstr (requests[0], ==, "GET https /mail/config-v1.1.xml?emailaddress=x");
  g_assert_cmpstr (requests[1], ==, "GET https /nothing-here");
}

/* A port the tests count on nobody answering stays so while they run:
 * a server of another test, picking a free port as they all do, must
 * not land on it (the setup test once waited on such a server's
 * silence instead of "Can't reach the server"). */
static void
test_closed_port_stays_closed (void)
{
  guint16 port = casella_test_closed_port ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GSocket) server = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  /* As a server binds (SO_REUSEADDR): refused. */
  g_assert_false (g_socket_bind (server, address, TRUE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);
  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/harness/dovecot/imaps", test_dovecot_imaps);
  g_test_add_func ("/harness/dovecot/imap-starttls", test_dovecot_imap_starttls);
  g_test_add_func ("/harness/dovecot/pop3s", test_dovecot_pop3s);
  g_test_add_func ("/harness/dovecot/pop3-stls", test_dovecot_pop3_stls);
  g_test_add_func ("/harness/smtp/smtps", test_smtp_smtps);
  g_test_add_func ("/harness/smtp/starttls", test_smtp_starttls);
  g_test_add_func ("/harness/https/files", test_https_files);
  g_test_add_func ("/harness/closed-port-stays-closed", test_closed_port_stays_closed);

  return g_test_run ();
}
