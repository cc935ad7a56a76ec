/* test-signin-again.c — an OAuth2 account whose sign-in the provider
 * ended, in the mail window: the banner says so in plain words, "Sign In
 * Again" opens the browser (Debian's chromium), and sync resumes with
 * nothing lost and nothing asked twice
 *
 * Runs in English and Italian under Xvfb, with the tests' authorization
 * server and a Dovecot that checks every token.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>

#include "casella-account-store.h"
#include "casella-application.h"
#include "casella-credentials.h"
#include "casella-engine.h"
#include "casella-oauth2-flow.h"
#include "casella-test-account.h"
#include "casella-test-dovecot.h"
#include "casella-test-gtk.h"
#include "casella-test-oauth2.h"
#include "casella-test-pki.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"
#include "casella-test-window.h"
#include "casella-window-private.h"

#define T(text) g_dgettext ("casella", text)
#define ADDRESS "alice@example.test"

static CasellaTestOAuth2World *world;
static CasellaTestOAuth2 *server;
static CasellaTestDovecot *dovecot;
static CasellaApplication *app;
static CasellaWindow *window;
static char *account_id;

static void
shot (const char *name)
{
  g_autofree char *file = g_strdup_printf ("signin-again-%s-%s.png", name, casella_test_language ());
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "screenshots", file, NULL);

  g_assert_true (casella_test_gtk_screenshot (GTK_WIDGET (window), path));
}

/* The first sign-in, as the assistant does it (its own test covers it). */
static CasellaOAuth2Tokens *
first_sign_in (void)
{
  g_autoptr(CasellaOAuth2Provider) provider = casella_oauth2_provider_lookup ("testauth");
  g_autoptr(CasellaOAuth2Flow) flow = casella_oauth2_flow_new (provider, "mail.read offline mail.send", ADDRESS);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  CasellaOAuth2Tokens *tokens;

  g_assert_true (casella_oauth2_flow_start (flow, &error));
  casella_oauth2_flow_wait_async (flow, 60, NULL, casella_test_store_result, &result);
  casella_test_oauth2_consent_in_thread (server, casella_oauth2_flow_get_uri (flow), TRUE);
  casella_test_await (&result);
  tokens = casella_oauth2_flow_wait_finish (flow, result, &error);
  g_assert_no_error (error);
  return tokens;
}

static void
set_up_account (void)
{
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  g_autoptr(CasellaAccount) account =
    casella_test_account_new (ADDRESS, "Alice", casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS), 0);
  g_autoptr(CasellaServerConfig) smtp =
    casella_server_config_new (CASELLA_PROTOCOL_SMTP, "localhost", casella_test_dovecot_get_submission_port (dovecot),
                               CASELLA_SECURITY_STARTTLS);
  g_autoptr(CasellaOAuth2Tokens) tokens = first_sign_in ();
  g_autoptr(GError) error = NULL;

  smtp->username = g_strdup (ADDRESS);
  casella_account_set_outgoing (account, smtp);
  casella_account_set_oauth2_provider (account, "testauth");
  g_assert_true (casella_credentials_store_sync (account, CASELLA_CREDENTIAL_OAUTH2, tokens->refresh_token, NULL,
                                                 &error));
  g_assert_true (casella_account_store_load (accounts, &error));
  g_assert_true (casella_account_store_add (accounts, account, &error));
  account_id = g_strdup (casella_account_get_id (account));
}

static void
deliver (const char *subject)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = g_strdup_printf ("From: Bob <bob@example.test>\r\nTo: %s\r\nSubject: %s\r\n"
                                              "Date: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <%s@example.test>"
                                              "\r\n\r\nCiao.\r\n", ADDRESS, subject, subject);

  g_assert_true (casella_test_dovecot_deliver (dovecot, ADDRESS, "INBOX", message, -1, NULL, &error));
}

static gboolean
banner_hidden (gpointer data)
{
  return !gtk_revealer_get_reveal_child (window->status_revealer);
}

static char *
keyring_refresh (void)
{
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (casella_account_store_load (accounts, &error));
  return casella_credentials_lookup_sync (casella_account_store_lookup (accounts, account_id),
                                          CASELLA_CREDENTIAL_OAUTH2, NULL, &error);
}

static void
test_sign_in_again (void)
{
  g_autofree char *before = keyring_refresh ();
  g_autofree char *after = NULL;
  g_autofree char *words = NULL;
  guint grants;

  deliver ("Prima");
  g_application_activate (G_APPLICATION (app));
  window = CASELLA_WINDOW (casella_test_gtk_wait_for_window (CASELLA_TYPE_WINDOW, 5000));
  g_assert_nonnull (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  casella_test_gtk_wait_mapped (GTK_WIDGET (window));
  g_assert_true (casella_test_window_wait_for (window, "Prima", TRUE, 30000));
  g_assert_true (casella_test_window_wait_state (window, CASELLA_SESSION_UP_TO_DATE, 30000));

  /* The provider ends the sign-in (the user changed the password). */
  casella_test_oauth2_revoke_user (server, ADDRESS);
  casella_test_oauth2_expire_access (server);
  deliver ("Dopo");
  /* The server drops its connections too: Casella must sign in anew. */
  g_assert_true (casella_test_dovecot_doveadm (dovecot, (const char *[]) { "kick", ADDRESS, NULL }, NULL, NULL));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.refresh", NULL);
  g_assert_true (casella_test_window_wait_state (window, CASELLA_SESSION_FAILED, 20000));
  words = g_strdup_printf (T ("Sign in again to %s: %s ended Casella’s sign-in, for example after a password "
                              "change. Your mail here is safe."), ADDRESS, "Testauth");
  g_assert_cmpstr (gtk_label_get_text (window->status_label), ==, words);
  g_assert_true (gtk_revealer_get_reveal_child (window->status_revealer));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (window->status_button)), ==, T ("_Sign In Again"));
  /* The mail already here stays readable. */
  g_assert_true ((casella_test_window_find (window, "Prima") != 0));
  shot ("banner");
  /* An ended sign-in is not asked about again and again. */
  grants = casella_test_oauth2_count_grants (server, "refresh_token");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.refresh", NULL);
  g_assert_true (casella_test_window_wait_state (window, CASELLA_SESSION_FAILED, 20000));
  g_assert_cmpuint (casella_test_oauth2_count_grants (server, "refresh_token"), ==, grants);

  /* Sign In Again: the browser, Allow, and the new mail arrives. */
  casella_test_oauth2_set_consent (server, CASELLA_TEST_CONSENT_ALLOW);
  g_signal_emit_by_name (window->status_button, "clicked");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (window->status_button)), ==, T ("_Cancel"));
  g_assert_true (casella_test_window_wait_for (window, "Dopo", TRUE, 60000));
  g_assert_true (casella_test_wait_until (banner_hidden, NULL, 10000));
  g_assert_cmpuint (casella_test_stop_browsers (), >=, 1);
  g_assert_true ((casella_test_window_find (window, "Prima") != 0));
  after = keyring_refresh ();
  g_assert_nonnull (after);
  g_assert_cmpstr (before, !=, after);
  shot ("resumed");
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  casella_test_window_init_gtk (&argc, &argv);

  world = casella_test_oauth2_world_new ();
  server = world->server;
  dovecot = world->dovecot;
  g_assert_true (casella_oauth2_provider_add_from_file (world->providers, &error));
  casella_test_install_browser ();
  set_up_account ();

  app = casella_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_test_add_func ("/ui/signin-again", test_sign_in_again);
  status = g_test_run ();

  casella_test_stop_browsers ();
  casella_test_oauth2_world_free (world);
  return status;
}
