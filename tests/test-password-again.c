/* test-password-again.c — an account whose password was changed on the
 * provider's side, in the mail window: the banner says so in plain
 * words, the refused password is not tried again on its own, and "Enter
 * the New Password" checks the new one with the server before it
 * replaces the saved one; then sync resumes with nothing lost
 *
 * Runs in English and Italian under Xvfb, with a private Dovecot (IMAP
 * and submission, both checking the same password file).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>

#include "casella-account-store.h"
#include "casella-application.h"
#include "casella-credentials.h"
#include "casella-engine.h"
#include "casella-mail-error.h"
#include "casella-password-dialog.h"
#include "casella-test-account.h"
#include "casella-test-dovecot.h"
#include "casella-test-gtk.h"
#include "casella-test-script.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"
#include "casella-test-window.h"
#include "casella-window-private.h"

#define T(text) g_dgettext ("casella", text)
#define ADDRESS "carla@example.test"
#define OLD_PASSWORD "vecchia-parola"
#define NEW_PASSWORD "nuova-parola-2026"

static CasellaTestDovecot *dovecot;
static CasellaTestSmtp *sink;
static CasellaApplication *app;
static CasellaWindow *window;
static char *account_id;
static guint state_notices;    /* every state the session reported */
static guint rounds_tried;     /* of them, rounds that went to the server */

static void
shot (GtkWidget  *widget,
      const char *name)
{
  g_autofree char *file = g_strdup_printf ("password-again-%s-%s.png", name, casella_test_language ());
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "screenshots", file, NULL);

  g_assert_true (casella_test_gtk_screenshot (widget, path));
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
  g_autoptr(GError) error = NULL;

  smtp->username = g_strdup (ADDRESS);
  casella_account_set_outgoing (account, smtp);
  /* Both, as the assistant saves them. */
  g_assert_true (casella_test_account_store_password (account, OLD_PASSWORD, &error));
  g_assert_true (casella_account_store_load (accounts, &error));
  g_assert_true (casella_account_store_add (accounts, account, &error));
  account_id = g_strdup (casella_account_get_id (account));
}

static char *
keyring_password (CasellaCredentialRole role)
{
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (casella_account_store_load (accounts, &error));
  return casella_credentials_lookup_sync (casella_account_store_lookup (accounts, account_id), role, NULL, &error);
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

static gboolean
notices_reach (gpointer count)
{
  return state_notices >= GPOINTER_TO_UINT (count);
}

static gboolean
rounds_reach (gpointer count)
{
  return rounds_tried >= GPOINTER_TO_UINT (count);
}

static gboolean
refused_reach (gpointer count)
{
  return casella_test_dovecot_count_refused (dovecot) >= GPOINTER_TO_UINT (count);
}

static gboolean
widget_visible (gpointer widget)
{
  return gtk_widget_get_visible (widget);
}

static gboolean
no_dialog (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static void
on_state (CasellaMailSession *session,
          GParamSpec         *pspec,
          gpointer            data)
{
  state_notices++;
  if (casella_mail_session_get_state (session) == CASELLA_SESSION_SYNCING)
    rounds_tried++;
}

/* A refresh while refused: the state is said again, nothing tried. */
static void
refresh_and_wait (void)
{
  guint notices = state_notices;
  guint tried = rounds_tried;

  gtk_widget_activate_action (GTK_WIDGET (window), "win.refresh", NULL);
  g_assert_true (casella_test_wait_until (notices_reach, GUINT_TO_POINTER (notices + 1), 20000));
  g_assert_cmpuint (rounds_tried, ==, tried);
  g_assert_true (casella_test_window_state_is (window, CASELLA_SESSION_FAILED));
}

/* A server search (what the search bar asks for what is not here). */
static void
search_is_refused (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;

  casella_mail_session_search_async (window->session, window->folder_id, "Prima", NULL, casella_test_store_result,
                                     &result);
  casella_test_await (&result);
  ids = casella_mail_session_search_finish (window->session, result, &error);
  g_assert_null (ids);
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_AUTH_FAILED);
}

/* One network change, one try. */
static void
network_change_tries_once (void)
{
  guint tried = rounds_tried;
  guint refused = casella_test_dovecot_count_refused (dovecot);

  g_signal_emit_by_name (g_network_monitor_get_default (), "network-changed", TRUE);
  g_assert_true (casella_test_wait_until (refused_reach, GUINT_TO_POINTER (refused + 1), 20000));
  g_assert_true (casella_test_window_wait_state (window, CASELLA_SESSION_FAILED, 20000));
  g_assert_cmpuint (rounds_tried, ==, tried + 1);
  g_assert_cmpuint (casella_test_dovecot_count_refused (dovecot), ==, refused + 1);
}

static void
password_refused (void)
{
  g_autofree char *words = NULL;
  g_autoptr(GError) error = NULL;
  guint refused;

  g_assert_true (casella_test_dovecot_set_password (dovecot, ADDRESS, NEW_PASSWORD, &error));
  g_assert_no_error (error);
  deliver ("Dopo");
  /* The server drops its connections too: Casella must sign in anew. */
  g_assert_true (casella_test_dovecot_doveadm (dovecot, (const char *[]) { "kick", ADDRESS, NULL }, NULL, NULL));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.refresh", NULL);
  g_assert_true (casella_test_window_wait_state (window, CASELLA_SESSION_FAILED, 20000));
  words = g_strdup_printf (T ("Casella can’t sign in to %s: the password was refused. If you changed it, enter the "
                              "new one. Your mail here is safe."), ADDRESS);
  g_assert_cmpstr (gtk_label_get_text (window->status_label), ==, words);
  g_assert_true (gtk_revealer_get_reveal_child (window->status_revealer));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (window->status_button)), ==, T ("_Enter the New Password"));
  g_assert_true ((casella_test_window_find (window, "Prima") != 0));
  shot (GTK_WIDGET (window), "banner");

  /* Never again on its own: not on Refresh, not for a search. */
  g_assert_true (casella_test_wait_until (refused_reach, GUINT_TO_POINTER (1), 20000));
  refused = casella_test_dovecot_count_refused (dovecot);
  for (guint i = 0; i < 3; i++)
    refresh_and_wait ();
  search_is_refused ();
  g_assert_cmpuint (casella_test_dovecot_count_refused (dovecot), ==, refused);
  /* Once per network change. */
  network_change_tries_once ();
  network_change_tries_once ();
}

static void
new_password (void)
{
  g_autoptr(GPtrArray) unlabelled = g_ptr_array_new ();
  g_autofree char *refusal = g_strdup_printf (T ("%s didn’t accept this email address and password. Type the "
                                                 "password again, and check that Caps Lock is off."), "example.test");
  g_autofree char *kept = NULL;
  GtkWindow *dialog;
  GtkWidget *error_label;

  g_signal_emit_by_name (window->status_button, "clicked");
  dialog = casella_test_gtk_wait_for_window (CASELLA_TYPE_PASSWORD_DIALOG, 5000);
  g_assert_nonnull (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  casella_test_gtk_wait_mapped (GTK_WIDGET (dialog));
  casella_test_gtk_collect_unlabelled (GTK_WIDGET (dialog), unlabelled);
  g_assert_cmpuint (unlabelled->len, ==, 0);
  g_assert_nonnull (casella_test_gtk_find_button (GTK_WIDGET (dialog), T ("_Check and Save")));
  shot (GTK_WIDGET (dialog), "dialog");

  /* A wrong one is refused by the server and replaces nothing. */
  gtk_editable_set_text (GTK_EDITABLE (casella_test_gtk_find_by_type (GTK_WIDGET (dialog), ADW_TYPE_PASSWORD_ENTRY_ROW)),
                         "sbagliata");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "password.save", NULL);
  g_assert_true (casella_test_gtk_wait_for_label (GTK_WIDGET (dialog), refusal, 20000));
  error_label = casella_test_gtk_find_label (GTK_WIDGET (dialog), refusal);
  g_assert_true (casella_test_wait_until (widget_visible, error_label, 1000));
  kept = keyring_password (CASELLA_CREDENTIAL_INCOMING);
  g_assert_cmpstr (kept, ==, OLD_PASSWORD);
  g_assert_true (casella_test_window_state_is (window, CASELLA_SESSION_FAILED));
  shot (GTK_WIDGET (dialog), "refused");

  /* The right one: checked, kept for both servers, and mail comes. */
  gtk_editable_set_text (GTK_EDITABLE (casella_test_gtk_find_by_type (GTK_WIDGET (dialog), ADW_TYPE_PASSWORD_ENTRY_ROW)),
                         NEW_PASSWORD);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "password.save", NULL);
  g_assert_true (casella_test_wait_until (no_dialog, &dialog, 20000));
  g_free (kept);
  kept = keyring_password (CASELLA_CREDENTIAL_INCOMING);
  g_assert_cmpstr (kept, ==, NEW_PASSWORD);
  g_free (kept);
  kept = keyring_password (CASELLA_CREDENTIAL_OUTGOING);
  g_assert_cmpstr (kept, ==, NEW_PASSWORD);
  g_assert_true (casella_test_window_wait_for (window, "Dopo", TRUE, 30000));
  g_assert_true (casella_test_wait_until (banner_hidden, NULL, 10000));
  g_assert_true ((casella_test_window_find (window, "Prima") != 0));
  shot (GTK_WIDGET (window), "resumed");
}

/* Another account, on a scripted server that answers the sign-in with
 * reply (once per connection, connections times): shown in the window. */
static char *
scripted_account (const char         *address,
                  CasellaTestScript **script,
                  const char         *reply,
                  guint               connections,
                  const char         *provider_id,
                  const char         *provider_name)
{
  g_autoptr(GString) steps = g_string_new (NULL);
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  g_autoptr(CasellaAccount) account = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < connections; i++)
    g_string_append_printf (steps, "%s> * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\n"
                                   "<T AUTHENTICATE PLAIN\n> $TAG NO %s\neof\n", i > 0 ? "accept\n" : "", reply);
  *script = casella_test_script_new (steps->str, TRUE);
  g_assert_true (casella_test_script_start (*script, &error));
  account = casella_test_account_new (address, NULL, casella_test_script_get_port (*script),
                                      casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_SMTPS));
  if (provider_id != NULL)
    casella_account_set_provider (account, provider_id, provider_name);
  g_assert_true (casella_test_account_store_password (account, OLD_PASSWORD, &error));
  /* Added as the assistant would: the running app hears of it. */
  g_assert_true (casella_account_store_load (accounts, &error));
  g_assert_true (casella_account_store_add (accounts, account, &error));
  g_assert_true (casella_account_store_load (window->accounts, &error));
  casella_window_show_account (window, casella_account_get_id (account));
  g_assert_true (casella_test_window_wait_state (window, CASELLA_SESSION_FAILED, 20000));
  return g_strdup (casella_account_get_id (account));
}

/* Aruba PEC's client passwords expire every three months: said so, with
 * where to make a new one, not "wrong password". */
static void
test_password_expired (void)
{
  g_autoptr(CasellaTestScript) script = NULL;
  g_autofree char *id = scripted_account ("dario@example.test", &script, "[EXPIRED] Password expired", 1, NULL, NULL);
  g_autofree char *words = g_strdup_printf (T ("Casella can’t sign in to %s: the password has expired. Choose a new one "
                                               "on %s’s website, then enter it here. Your mail here is safe."),
                                            "dario@example.test", "example.test");
  g_autofree char *intro = g_strdup_printf (T ("The password for %s has expired. Choose a new one on %s’s website, then "
                                               "type it here."), "dario@example.test", "example.test");
  g_autofree char *failure = NULL;
  GtkWindow *dialog;

  g_assert_cmpstr (gtk_label_get_text (window->status_label), ==, words);
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (window->status_button)), ==, T ("_Enter the New Password"));
  shot (GTK_WIDGET (window), "expired");
  g_signal_emit_by_name (window->status_button, "clicked");
  dialog = casella_test_gtk_wait_for_window (CASELLA_TYPE_PASSWORD_DIALOG, 5000);
  g_assert_nonnull (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_assert_nonnull (casella_test_gtk_find_label (GTK_WIDGET (dialog), intro));
  gtk_window_close (dialog);
  g_assert_true (casella_test_wait_until (no_dialog, &dialog, 5000));
  /* One sign-in, not a loop of them. */
  failure = casella_test_script_finish (script);
  g_assert_null (failure);
}

/* Access switched off in the provider's settings: "Try Again" is the
 * user's, and makes exactly one more attempt. */
static void
test_access_switched_off (void)
{
  g_autoptr(CasellaTestScript) script = NULL;
  g_autofree char *id = scripted_account ("elena@example.test", &script, "IMAP access is disabled for this account", 2,
                                        NULL, NULL);
  g_autofree char *words = g_strdup_printf (T ("Casella can’t get your mail: %s has switched off access for mail apps. "
                                               "Switch it on in your %s settings on the web (it may be called IMAP or "
                                               "POP3), then try again."), "example.test", "example.test");
  g_autofree char *failure = NULL;
  guint tried;

  g_signal_connect (window->session, "notify::state", G_CALLBACK (on_state), NULL);
  tried = rounds_tried;
  g_assert_cmpstr (gtk_label_get_text (window->status_label), ==, words);
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (window->status_button)), ==, T ("_Try Again"));
  g_signal_emit_by_name (window->status_button, "clicked");
  failure = casella_test_script_finish (script);
  g_assert_null (failure);
  g_assert_true (casella_test_wait_until (rounds_reach, GUINT_TO_POINTER (tried + 1), 20000));
  g_assert_true (casella_test_window_wait_state (window, CASELLA_SESSION_FAILED, 20000));
  g_assert_cmpuint (rounds_tried, ==, tried + 1);
}

/* Gmail cancels its app passwords when the Google password changes: the
 * words say so, and the dialog links to where a new one is made. */
static void
test_app_password_cancelled (void)
{
  g_autoptr(CasellaTestScript) script = NULL;
  g_autofree char *id = scripted_account ("nadia@example.test", &script,
                                          "[AUTHENTICATIONFAILED] Invalid credentials (Failure)", 1,
                                          "googlemail.com", "Google Mail");
  g_autofree char *words = g_strdup_printf (T ("Casella can’t sign in to %s: the password was refused. If you changed "
                                               "your %s password, its app passwords stopped working: create a new one "
                                               "and enter it here. Your mail here is safe."),
                                            "nadia@example.test", "Google Mail");
  g_autofree char *failure = NULL;
  GtkWindow *dialog;
  GtkWidget *link;

  g_assert_cmpstr (gtk_label_get_text (window->status_label), ==, words);
  g_signal_emit_by_name (window->status_button, "clicked");
  dialog = casella_test_gtk_wait_for_window (CASELLA_TYPE_PASSWORD_DIALOG, 5000);
  g_assert_nonnull (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  link = casella_test_gtk_find_by_type (GTK_WIDGET (dialog), GTK_TYPE_LINK_BUTTON);
  g_assert_nonnull (link);
  g_assert_true (gtk_widget_get_visible (link));
  g_assert_cmpstr (gtk_link_button_get_uri (GTK_LINK_BUTTON (link)), ==, "https://myaccount.google.com/apppasswords");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (link)), ==, T ("Create an App Password"));
  casella_test_gtk_wait_mapped (GTK_WIDGET (dialog));
  shot (GTK_WIDGET (dialog), "app-password");
  gtk_window_close (dialog);
  g_assert_true (casella_test_wait_until (no_dialog, &dialog, 5000));
  failure = casella_test_script_finish (script);
  g_assert_null (failure);
}

/* mail.ru asks for an app password in Russian and English. */
static void
test_app_password_required (void)
{
  g_autoptr(CasellaTestScript) script = NULL;
  g_autofree char *id = scripted_account ("oleg@example.test", &script,
                                          "[AUTHENTICATIONFAILED] NEOBHODIM parol prilozheniya "
                                          "https://help.mail.ru/mail/security/protection/external / Application "
                                          "password is REQUIRED", 1, "mail.ru", "mail.ru");
  g_autofree char *words = g_strdup_printf (T ("Casella can’t sign in to %s: %s now asks for an app password, a "
                                               "separate password you create on its website. Your mail here is safe."),
                                            "oleg@example.test", "mail.ru");
  g_autofree char *failure = NULL;

  g_assert_cmpstr (gtk_label_get_text (window->status_label), ==, words);
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (window->status_button)), ==, T ("_Enter the New Password"));
  failure = casella_test_script_finish (script);
  g_assert_null (failure);
}

static void
test_password_again (void)
{
  deliver ("Prima");
  g_application_activate (G_APPLICATION (app));
  window = CASELLA_WINDOW (casella_test_gtk_wait_for_window (CASELLA_TYPE_WINDOW, 5000));
  g_assert_nonnull (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  casella_test_gtk_wait_mapped (GTK_WIDGET (window));
  g_assert_true (casella_test_window_wait_for (window, "Prima", TRUE, 30000));
  g_assert_true (casella_test_window_wait_state (window, CASELLA_SESSION_UP_TO_DATE, 30000));
  g_signal_connect (window->session, "notify::state", G_CALLBACK (on_state), NULL);
  g_assert_cmpuint (casella_test_dovecot_count_refused (dovecot), ==, 0);

  password_refused ();
  new_password ();
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  casella_test_window_init_gtk (&argc, &argv);

  casella_test_gtk_serve_notifications ();
  sink = casella_test_smtp_new ();
  g_assert_true (casella_test_smtp_start (sink, &error));
  dovecot = casella_test_dovecot_new ();
  casella_test_dovecot_add_user (dovecot, ADDRESS, OLD_PASSWORD);
  casella_test_dovecot_enable_submission (dovecot, casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_RELAY));
  /* Every refused sign-in in the log, and none slowed down. */
  casella_test_dovecot_add_config (dovecot, "auth_verbose = yes\n"
                                            "service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}");
  g_assert_true (casella_test_dovecot_start (dovecot, &error));
  set_up_account ();

  app = casella_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_test_add_func ("/ui/password-again", test_password_again);
  g_test_add_func ("/ui/password-expired", test_password_expired);
  g_test_add_func ("/ui/access-switched-off", test_access_switched_off);
  g_test_add_func ("/ui/app-password-cancelled", test_app_password_cancelled);
  g_test_add_func ("/ui/app-password-required", test_app_password_required);
  status = g_test_run ();

  casella_test_dovecot_free (dovecot);
  casella_test_smtp_free (sink);
  return status;
}
