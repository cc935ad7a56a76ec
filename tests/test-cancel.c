/* test-cancel.c — cancel means at once: every step of every protocol
 * against a server that has gone silent returns within 100 ms of the
 * cancel, with G_IO_ERROR_CANCELLED
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-gmime.h"
#include "casella-engine.h"
#include "casella-imap-client.h"
#include "casella-pop3-client.h"
#include "casella-smtp-client.h"
#include "casella-test-pki.h"
#include "casella-test-script.h"
#include "casella-test-util.h"

#define AT_ONCE_US (100 * 1000)

#define IMAP_GREETING "> * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR UIDPLUS] silent soon\n"
#define IMAP_LOGGED_IN IMAP_GREETING "<T AUTHENTICATE PLAIN\n> $TAG OK [CAPABILITY IMAP4rev1 UIDPLUS] in\n"

static CasellaTestScript *
silent_after (const char *script)
{
  g_autofree char *full = g_strconcat (script, "hang\n", NULL);
  CasellaTestScript *server = casella_test_script_new (full, FALSE);
  g_autoptr(GError) error = NULL;

  g_assert_true (casella_test_script_start (server, &error));
  return server;
}

static CasellaNetConfig *
config_for (CasellaTestScript *server)
{
  CasellaNetConfig *config = casella_net_config_new ("localhost", casella_test_script_get_port (server),
                                                     CASELLA_SECURITY_NONE);

  /* Timeouts far away: only the cancel may end what follows. */
  casella_net_config_set_timeouts (config, 30000, 30000);
  casella_net_config_set_plaintext_allowed (config, TRUE);
  return config;
}

static gboolean
is_hanging (gpointer server)
{
  return casella_test_script_is_hanging (server);
}

/* Waits for result, the call having been started with cancellable:
 * cancelled once the server has read it and gone silent, it must be
 * back within 100 ms. */
static void
assert_cancelled_at_once (CasellaTestScript *server,
                          GCancellable      *cancellable,
                          GAsyncResult     **result,
                          const char        *what)
{
  gint64 cancelled_at;

  g_assert_true (casella_test_wait_until (is_hanging, server, 5000));
  g_assert_null (*result);
  cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  casella_test_await_timeout (result, 2000);
  g_test_message ("%s: back %" G_GINT64_FORMAT " ms after the cancel", what,
                  (g_get_monotonic_time () - cancelled_at) / 1000);
  g_assert_cmpint (g_get_monotonic_time () - cancelled_at, <, AT_ONCE_US);
}

/* ---- IMAP ---- */

static CasellaImapClient *
imap_logged_in (CasellaTestScript *server)
{
  g_autoptr(CasellaNetConfig) config = config_for (server);
  CasellaImapClient *client = casella_imap_client_new (config);
  g_autoptr(GAsyncResult) connected = NULL, logged_in = NULL;
  g_autoptr(GError) error = NULL;

  casella_imap_client_connect_async (client, NULL, casella_test_store_result, &connected);
  casella_test_await (&connected);
  g_assert_true (casella_imap_client_connect_finish (client, connected, &error));
  casella_imap_client_login_async (client, "bob", "pw", NULL, casella_test_store_result, &logged_in);
  casella_test_await (&logged_in);
  casella_imap_client_login_finish (client, logged_in, &error);
  g_assert_no_error (error);
  return client;
}

static void
test_imap_connect (void)
{
  g_autoptr(CasellaTestScript) server = silent_after ("");   /* no greeting at all */
  g_autoptr(CasellaNetConfig) config = config_for (server);
  g_autoptr(CasellaImapClient) client = casella_imap_client_new (config);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  casella_imap_client_connect_async (client, cancellable, casella_test_store_result, &result);
  assert_cancelled_at_once (server, cancellable, &result, "IMAP greeting");
  g_assert_false (casella_imap_client_connect_finish (client, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_imap_login (void)
{
  g_autoptr(CasellaTestScript) server = silent_after (IMAP_GREETING);
  g_autoptr(CasellaNetConfig) config = config_for (server);
  g_autoptr(CasellaImapClient) client = casella_imap_client_new (config);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) connected = NULL, result = NULL;
  g_autoptr(GError) error = NULL;

  casella_imap_client_connect_async (client, NULL, casella_test_store_result, &connected);
  casella_test_await (&connected);
  g_assert_true (casella_imap_client_connect_finish (client, connected, &error));
  casella_imap_client_login_async (client, "bob", "pw", cancellable, casella_test_store_result, &result);
  assert_cancelled_at_once (server, cancellable, &result, "IMAP login");
  g_assert_false (casella_imap_client_login_finish (client, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

typedef enum { SELECT, FETCH, SEARCH, APPEND } ImapStep;

static void
imap_step (gconstpointer data)
{
  ImapStep step = GPOINTER_TO_INT (data);
  g_autoptr(CasellaTestScript) server = silent_after (IMAP_LOGGED_IN);
  g_autoptr(CasellaImapClient) client = imap_logged_in (server);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) message = g_bytes_new_static ("Subject: x\r\n\r\ny\r\n", 17);
  g_autoptr(GError) error = NULL;
  static const char *const names[] = { "IMAP select", "IMAP fetch", "IMAP search", "IMAP append" };

  switch (step)
    {
    case SELECT:
      casella_imap_client_select_async (client, "INBOX", NULL, cancellable, casella_test_store_result, &result);
      break;
    case FETCH:
      casella_imap_client_uid_fetch_async (client, "1:*", "(UID FLAGS)", 0, NULL, NULL, cancellable,
                                           casella_test_store_result, &result);
      break;
    case SEARCH:
      casella_imap_client_uid_search_text_async (client, "fattura", cancellable, casella_test_store_result, &result);
      break;
    case APPEND:
    default:
      casella_imap_client_append_async (client, "Sent", message, 0, NULL, cancellable, casella_test_store_result,
                                        &result);
      break;
    }
  assert_cancelled_at_once (server, cancellable, &result, names[step]);
  g_assert_true (g_task_had_error (G_TASK (result)));
  g_task_propagate_pointer (G_TASK (result), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* ---- POP3 and SMTP ---- */

static void
test_pop3_connect (void)
{
  g_autoptr(CasellaTestScript) server = silent_after ("> +OK hello\n");   /* then silent on CAPA */
  g_autoptr(CasellaNetConfig) config = config_for (server);
  g_autoptr(CasellaPop3Client) client = casella_pop3_client_new (config);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  casella_pop3_client_connect_async (client, cancellable, casella_test_store_result, &result);
  assert_cancelled_at_once (server, cancellable, &result, "POP3 connect");
  g_assert_false (casella_pop3_client_connect_finish (client, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_smtp_send (void)
{
  g_autoptr(CasellaTestScript) server = silent_after ("> 220 hello\n< EHLO\n> 250 fake\n");
  g_autoptr(CasellaNetConfig) config = config_for (server);
  g_autoptr(CasellaSmtpClient) client = casella_smtp_client_new (config);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) connected = NULL, result = NULL;
  g_autoptr(GError) error = NULL;
  static const char text[] = "From: a@example.test\r\nTo: b@example.test\r\nSubject: x\r\n\r\ny\r\n";
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (text, sizeof text - 1);
  g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  g_autoptr(GMimeMessage) message = g_mime_parser_construct_message (parser, NULL);

  casella_smtp_client_connect_async (client, NULL, casella_test_store_result, &connected);
  casella_test_await (&connected);
  g_assert_true (casella_smtp_client_connect_finish (client, connected, &error));
  casella_smtp_client_send_message_async (client, message, NULL, NULL, cancellable, casella_test_store_result,
                                          &result);
  assert_cancelled_at_once (server, cancellable, &result, "SMTP send");
  g_assert_null (casella_smtp_client_send_message_finish (client, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  casella_engine_init ();

  g_test_add_func ("/cancel/imap/connect", test_imap_connect);
  g_test_add_func ("/cancel/imap/login", test_imap_login);
  g_test_add_data_func ("/cancel/imap/select", GINT_TO_POINTER (SELECT), imap_step);
  g_test_add_data_func ("/cancel/imap/fetch", GINT_TO_POINTER (FETCH), imap_step);
  g_test_add_data_func ("/cancel/imap/search", GINT_TO_POINTER (SEARCH), imap_step);
  g_test_add_data_func ("/cancel/imap/append", GINT_TO_POINTER (APPEND), imap_step);
  g_test_add_func ("/cancel/pop3/connect", test_pop3_connect);
  g_test_add_func ("/cancel/smtp/send", test_smtp_send);
  return g_test_run ();
}
