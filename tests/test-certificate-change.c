/* test-certificate-change.c — the server of an account whose
 * certificate the user trusted by hand shows another one: the banner
 * says so in plain words, "Look at the Certificate…" shows the old and
 * the new side by side, and trusting the new one brings the mail back
 *
 * Runs in English and Italian under Xvfb, with a private Dovecot whose
 * certificate is replaced while it runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>

#include "casella-account-certificate.h"
#include "casella-account-store.h"
#include "casella-application.h"
#include "casella-certificate-dialog.h"
#include "casella-engine.h"
#include "casella-mail-error.h"
#include "casella-setup-problem.h"
#include "casella-test-account.h"
#include "casella-test-dovecot.h"
#include "casella-test-gtk.h"
#include "casella-test-pki.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"
#include "casella-test-window.h"
#include "casella-window-private.h"

#define T(text) g_dgettext ("casella", text)
#define ADDRESS "elia@example.test"
#define PASSWORD "elia-password"

static CasellaTestDovecot *dovecot;
static CasellaTestSmtp *sink;
static CasellaApplication *app;
static CasellaWindow *window;
static char *account_id;
static CasellaAccount *account;   /* as set up: pinned to the test CA's server certificate */

static void
shot (GtkWidget  *widget,
      const char *name)
{
  g_autofree char *file = g_strdup_printf ("certificate-%s-%s.png", name, casella_test_language ());
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "screenshots", file, NULL);

  g_assert_true (casella_test_gtk_screenshot (widget, path));
}

static void
set_up_account (void)
{
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  g_autoptr(GError) error = NULL;

  account = casella_test_account_new (ADDRESS, "Elia", casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS),
                                      casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_SMTPS));
  g_assert_true (casella_test_account_store_password (account, PASSWORD, &error));
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

/* Dovecot shows the certificate no CA vouches for to new connections. */
static gboolean
server_shows_new_certificate (gpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(CasellaCertificateCheck) check = NULL;

  casella_account_check_certificate_async (account, CASELLA_PROTOCOL_IMAP, NULL, NULL, casella_test_store_result,
                                           &result);
  casella_test_await (&result);
  check = casella_account_check_certificate_finish (result, NULL);
  return check != NULL && !check->trusted && !check->pinned;
}

static gboolean
dialog_answered (gpointer dialog)
{
  GtkStack *stack = GTK_STACK (casella_test_gtk_find_by_type (dialog, GTK_TYPE_STACK));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), "shown") == 0;
}

static gboolean
no_dialog (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static char *
fingerprint_of_file (const char *file)
{
  g_autoptr(GTlsCertificate) certificate = g_tls_certificate_new_from_file (file, NULL);

  return casella_certificate_fingerprint (certificate);
}

/* The pin the account file has now for receiving mail. */
static gboolean
pinned_to (gpointer file)
{
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  g_autoptr(GTlsCertificate) expected = g_tls_certificate_new_from_file (file, NULL);
  g_autoptr(GTlsCertificate) pinned = NULL;
  CasellaAccount *saved;
  GBytes *der;

  if (!casella_account_store_load (accounts, NULL) || (saved = casella_account_store_lookup (accounts, ADDRESS)) == NULL ||
      (der = casella_account_get_pinned_certificate (saved, CASELLA_PROTOCOL_IMAP)) == NULL)
    return FALSE;
  pinned = casella_certificate_new_from_der (der, NULL);
  return pinned != NULL && g_tls_certificate_is_same (pinned, expected);
}

static void
test_certificate_changed (void)
{
  const CasellaTestPki *pki = casella_test_pki_get ();
  g_autofree char *old_print = casella_certificate_fingerprint (pki->server_certificate);
  g_autofree char *new_print = fingerprint_of_file (pki->self_signed_cert);
  g_autoptr(GPtrArray) unlabelled = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GtkWindow *dialog;

  deliver ("Prima");
  g_application_activate (G_APPLICATION (app));
  window = CASELLA_WINDOW (casella_test_gtk_wait_for_window (CASELLA_TYPE_WINDOW, 5000));
  g_assert_nonnull (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  casella_test_gtk_wait_mapped (GTK_WIDGET (window));
  g_assert_true (casella_test_window_wait_for (window, "Prima", TRUE, 30000));
  g_assert_true (casella_test_window_wait_state (window, CASELLA_SESSION_UP_TO_DATE, 30000));

  /* Another certificate on the server, which cut every connection made
   * before it, and a sign-in anew. */
  g_assert_true (casella_test_dovecot_replace_certificate (dovecot, pki->self_signed_cert, pki->self_signed_key,
                                                           &error));
  g_assert_no_error (error);
  g_assert_true (casella_test_wait_until (server_shows_new_certificate, NULL, 20000));
  deliver ("Dopo");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.refresh", NULL);
  g_assert_true (casella_test_window_wait_state (window, CASELLA_SESSION_FAILED, 20000));
  g_assert_cmpstr (gtk_label_get_text (window->status_label), ==,
                   T ("Casella stopped connecting to your mail server: it shows an identity card (certificate) that "
                      "isn’t the one trusted before. Your mail here is safe."));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (window->status_button)), ==, T ("_Look at the Certificate…"));
  g_assert_true ((casella_test_window_find (window, "Prima") != 0));
  shot (GTK_WIDGET (window), "banner");

  /* The old and the new, side by side. */
  g_signal_emit_by_name (window->status_button, "clicked");
  dialog = casella_test_gtk_wait_for_window (CASELLA_TYPE_CERTIFICATE_DIALOG, 5000);
  g_assert_nonnull (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  casella_test_gtk_wait_mapped (GTK_WIDGET (dialog));
  g_assert_true (casella_test_wait_until (dialog_answered, dialog, 20000));
  g_assert_nonnull (casella_test_gtk_find_label (GTK_WIDGET (dialog), T ("The Server’s Certificate Has Changed")));
  g_assert_nonnull (casella_test_gtk_find_label (GTK_WIDGET (dialog), old_print));
  g_assert_nonnull (casella_test_gtk_find_label (GTK_WIDGET (dialog), new_print));
  g_assert_nonnull (casella_test_gtk_find_label (GTK_WIDGET (dialog), "selfsigned.example.test"));
  g_assert_nonnull (casella_test_gtk_find_button (GTK_WIDGET (dialog), T ("_Trust the New Certificate")));
  casella_test_gtk_collect_unlabelled (GTK_WIDGET (dialog), unlabelled);
  g_assert_cmpuint (unlabelled->len, ==, 0);
  /* Until the user says so, the old pin stands. */
  g_assert_true (pinned_to (pki->cert_file));
  shot (GTK_WIDGET (dialog), "compare");

  /* Trusted: kept in the account, the session made anew, mail comes. */
  gtk_widget_activate_action (GTK_WIDGET (dialog), "certificate.trust", NULL);
  g_assert_true (casella_test_wait_until (no_dialog, &dialog, 10000));
  g_assert_true (pinned_to (pki->self_signed_cert));
  g_assert_true (casella_test_window_wait_for (window, "Dopo", TRUE, 30000));
  g_assert_true (casella_test_wait_until (banner_hidden, NULL, 10000));
  g_assert_true ((casella_test_window_find (window, "Prima") != 0));
  shot (GTK_WIDGET (window), "trusted");
}

/* A server whose certificate (from an authority, not trusted by hand)
 * has expired: explained as such, and nothing to trust. */
static void
test_certificate_expired (void)
{
  g_autofree char *cert = NULL, *key = NULL;
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  g_autoptr(CasellaAccount) unpinned = NULL;
  g_autoptr(GTlsCertificate) expired = NULL;
  g_autoptr(CasellaCertificateInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *trust;
  GtkWindow *dialog;

  casella_test_pki_make_expired (&cert, &key);
  expired = g_tls_certificate_new_from_file (cert, &error);
  g_assert_no_error (error);
  info = casella_certificate_info_new (expired, G_TLS_CERTIFICATE_EXPIRED, "localhost");
  g_assert_true (casella_test_dovecot_replace_certificate (dovecot, cert, key, &error));
  g_assert_no_error (error);

  unpinned = casella_test_account_new ("fabio@example.test", "Fabio",
                                       casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS),
                                       casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_SMTPS));
  casella_account_set_pinned_certificate (unpinned, CASELLA_PROTOCOL_IMAP, NULL);
  casella_account_set_pinned_certificate (unpinned, CASELLA_PROTOCOL_SMTP, NULL);
  g_assert_true (casella_test_account_store_password (unpinned, PASSWORD, &error));
  g_assert_true (casella_account_store_load (accounts, &error));
  g_assert_true (casella_account_store_add (accounts, unpinned, &error));
  g_assert_true (casella_account_store_load (window->accounts, &error));
  casella_window_show_account (window, casella_account_get_id (unpinned));
  g_assert_true (casella_test_window_wait_state (window, CASELLA_SESSION_FAILED, 20000));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (window->status_button)), ==, T ("_Look at the Certificate…"));

  g_signal_emit_by_name (window->status_button, "clicked");
  dialog = casella_test_gtk_wait_for_window (CASELLA_TYPE_CERTIFICATE_DIALOG, 5000);
  g_assert_nonnull (dialog);
  casella_test_gtk_wait_mapped (GTK_WIDGET (dialog));
  g_assert_true (casella_test_wait_until (dialog_answered, dialog, 20000));
  g_assert_nonnull (casella_test_gtk_find_label (GTK_WIDGET (dialog), T ("The Server’s Certificate Has Expired")));
  g_assert_nonnull (casella_test_gtk_find_label_containing (GTK_WIDGET (dialog), info->valid_until));
  /* Nothing to trust, nothing to compare with. */
  trust = casella_test_gtk_find_button (GTK_WIDGET (dialog), T ("_Trust the New Certificate"));
  g_assert_true (trust == NULL || !gtk_widget_get_visible (trust));
  g_assert_nonnull (casella_test_gtk_find_button (GTK_WIDGET (dialog), T ("_Close")));
  shot (GTK_WIDGET (dialog), "expired");
  gtk_window_close (dialog);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  casella_test_window_init_gtk (&argc, &argv);

  casella_test_gtk_serve_notifications ();
  sink = casella_test_smtp_new ();
  casella_test_smtp_add_user (sink, ADDRESS, PASSWORD);
  casella_test_smtp_add_user (sink, "fabio@example.test", PASSWORD);
  g_assert_true (casella_test_smtp_start (sink, &error));
  dovecot = casella_test_dovecot_new ();
  casella_test_dovecot_add_user (dovecot, ADDRESS, PASSWORD);
  casella_test_dovecot_add_user (dovecot, "fabio@example.test", PASSWORD);
  g_assert_true (casella_test_dovecot_start (dovecot, &error));
  set_up_account ();

  app = casella_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_test_add_func ("/ui/certificate-changed", test_certificate_changed);
  g_test_add_func ("/ui/certificate-expired", test_certificate_expired);
  status = g_test_run ();

  casella_test_dovecot_free (dovecot);
  casella_test_smtp_free (sink);
  return status;
}
