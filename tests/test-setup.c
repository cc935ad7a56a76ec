/* test-setup.c — the setup assistant driven like a person would, under
 * Xvfb, against the private Dovecot, the SMTP sink, a libsoup HTTPS
 * server serving autoconfig files, an in-process DNS and the keyring
 *
 * Runs once in English and once in Italian (LANGUAGE=it): the checks do
 * not depend on the words, and each run saves a screenshot of every page
 * in its language under tests/screenshots/ in the build folder.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>

#include "casella-account-store.h"
#include "casella-application.h"
#include "casella-credentials.h"
#include "casella-engine.h"
#include "casella-oauth2-provider.h"
#include "casella-setup-problem.h"
#include "casella-setup-window.h"
#include "casella-test-dovecot.h"
#include "casella-test-gtk.h"
#include "casella-test-https.h"
#include "casella-test-oauth2.h"
#include "casella-test-pki.h"
#include "casella-test-resolver.h"
#include "casella-test-script.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"
#include "casella-test-window.h"

#define BIT(source) (1u << (source))
#define T(text) g_dgettext ("casella", text)

static CasellaTestResolver *resolver;
static CasellaTestDovecot *dovecot;
static CasellaTestSmtp *sink;
static CasellaApplication *app;
static CasellaTestOAuth2World *oauth2_world;
static CasellaTestOAuth2 *oauth2;
static CasellaTestDovecot *oauth2_dovecot;

/* ---- autoconfig files ---- */

static char *
server_xml (const char *kind,
            const char *type,
            const char *host,
            guint16     port,
            const char *socket_type)
{
  return g_strdup_printf ("<%sServer type=\"%s\"><hostname>%s</hostname><port>%u</port>"
                          "<socketType>%s</socketType><username>%%EMAILADDRESS%%</username>"
                          "<authentication>password-cleartext</authentication></%sServer>",
                          kind, type, host, port, socket_type, kind);
}

static char *
config_xml (const char *incoming,
            const char *incoming2,
            const char *outgoing)
{
  return g_strdup_printf ("<?xml version=\"1.0\"?>\n<clientConfig version=\"1.1\">"
                          "<emailProvider id=\"example.test\"><domain>example.test</domain>"
                          "<displayName>Example Mail</displayName><displayShortName>Example</displayShortName>"
                          "%s%s%s<documentation url=\"https://help.example.test/mail\"><descr>Help</descr></documentation>"
                          "</emailProvider></clientConfig>\n",
                          incoming, incoming2 ? incoming2 : "", outgoing);
}

static char *
imap_xml (const char *host, guint16 port)
{
  return server_xml ("incoming", "imap", host, port, "SSL");
}

static char *
pop3_xml (void)
{
  return server_xml ("incoming", "pop3", "mail.example.test",
                     casella_test_dovecot_get_port (dovecot, CASELLA_TEST_POP3S), "SSL");
}

static char *
smtp_xml (void)
{
  return server_xml ("outgoing", "smtp", "mail.example.test",
                     casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_STARTTLS), "STARTTLS");
}

/* The usual settings: Dovecot over IMAPS (and POP3S) plus the sink. */
static char *
dovecot_xml (gboolean with_pop3)
{
  g_autofree char *imap = imap_xml ("mail.example.test", casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS));
  g_autofree char *pop3 = with_pop3 ? pop3_xml () : NULL;
  g_autofree char *smtp = smtp_xml ();

  return config_xml (imap, pop3, smtp);
}

static CasellaTestHttps *
https_serving (const char *xml)
{
  CasellaTestHttps *https = casella_test_https_new ();
  g_autoptr(GError) error = NULL;

  if (xml != NULL)
    casella_test_https_add_file (https, "mail/config-v1.1.xml", xml);
  casella_test_https_start (https, &error);
  g_assert_no_error (error);
  return https;
}

static CasellaAutodetectOptions *
options_for (CasellaTestHttps *https,
             guint             disabled)
{
  CasellaAutodetectOptions *options = casella_autodetect_options_new ();

  options->tls_database = g_object_ref (casella_test_pki_get ()->database);
  g_free (options->ispdb_base_url);
  options->ispdb_base_url = g_strdup_printf ("https://localhost:%u/ispdb/", casella_test_https_get_port (https));
  options->https_port = casella_test_https_get_port (https);
  options->http_port = casella_test_https_get_http_port (https);
  options->deadline_ms = 5000;
  options->request_timeout_ms = 2000;
  for (guint i = 0; i < G_N_ELEMENTS (options->probe_ports); i++)
    options->probe_ports[i] = casella_test_closed_port ();   /* nothing answers a guess */
  options->disabled = disabled;
  return options;
}

/* ---- driving the assistant ---- */

typedef struct {
  CasellaSetupWindow  *window;
  CasellaAccountStore *store;
  char                *dir;
  CasellaAccount      *added;
} Setup;

static void
on_added (CasellaSetupWindow *window,
          CasellaAccount     *account,
          Setup              *setup)
{
  g_set_object (&setup->added, account);
}

static Setup *
setup_open (CasellaTestHttps *https,
            guint             disabled)
{
  Setup *setup = g_new0 (Setup, 1);
  g_autoptr(CasellaAutodetectOptions) options = options_for (https, disabled);

  setup->dir = casella_test_make_tmpdir ("casella-setup");
  setup->store = casella_account_store_new (setup->dir);
  /* Held here: the window may close itself (Open Your Mail). */
  setup->window = g_object_ref (casella_setup_window_new (GTK_APPLICATION (app), setup->store));
  casella_setup_window_set_autodetect_options (setup->window, options);
  casella_setup_window_set_tls_database (setup->window, casella_test_pki_get ()->database);
  g_signal_connect (setup->window, "account-added", G_CALLBACK (on_added), setup);
  gtk_window_present (GTK_WINDOW (setup->window));
  casella_test_gtk_wait_mapped (GTK_WIDGET (setup->window));
  return setup;
}

static gboolean
is_hidden (gpointer widget)
{
  return !gtk_widget_get_visible (widget);
}

static gboolean
is_narrow (gpointer widget)
{
  return gtk_widget_get_width (widget) > 0 && gtk_widget_get_width (widget) <= 360;
}

static void
setup_free (Setup *setup)
{
  gtk_window_destroy (GTK_WINDOW (setup->window));
  casella_test_gtk_drain ();
  g_object_unref (setup->window);
  g_clear_object (&setup->added);
  g_object_unref (setup->store);
  casella_test_rm_rf (setup->dir);
  g_free (setup->dir);
  g_free (setup);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Setup, setup_free)

/* A screenshot of the page on show, named after it and the language. */
static void
shot (Setup      *setup,
      const char *name)
{
  g_autofree char *file = g_strdup_printf ("setup-%s-%s.png", name, casella_test_language ());
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "screenshots", file, NULL);

  g_assert_true (casella_test_gtk_screenshot (GTK_WIDGET (setup->window), path));
}

static GtkWidget *
visible_page (Setup *setup)
{
  GtkWidget *stack = casella_test_gtk_find_by_type (GTK_WIDGET (setup->window), GTK_TYPE_STACK);

  g_assert_nonnull (stack);
  return gtk_stack_get_visible_child (GTK_STACK (stack));
}

static void
wait_page (Setup      *setup,
           const char *name,
           guint       timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_strcmp0 (casella_setup_window_get_page (setup->window), name) != 0 && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (casella_setup_window_get_page (setup->window), ==, name);
}

/* Presses a button of the page on show, as a mouse would ("activate",
 * the keyboard's way, waits a quarter second to show the press). */
static void
click (Setup      *setup,
       const char *label)
{
  GtkWidget *button = casella_test_gtk_find_button (visible_page (setup), T (label));

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_true (gtk_widget_get_mapped (button));
  g_signal_emit_by_name (button, "clicked");
}

static GtkWidget *
find_row (Setup      *setup,
          const char *title)
{
  GtkWidget *page = visible_page (setup);
  GtkWidget *label = casella_test_gtk_find_label (page, T (title));

  g_assert_nonnull (label);
  return gtk_widget_get_ancestor (label, ADW_TYPE_PREFERENCES_ROW);
}

/* Enter presses this button on the page on show. */
static void
assert_default (Setup      *setup,
                const char *label)
{
  GtkWidget *button = gtk_window_get_default_widget (GTK_WINDOW (setup->window));

  g_assert_nonnull (button);
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, T (label));
  g_assert_true (gtk_widget_is_ancestor (button, visible_page (setup)));
}

static void
type_into (Setup      *setup,
           const char *row_title,
           const char *text)
{
  GtkWidget *row = find_row (setup, row_title);

  g_assert_true (GTK_IS_EDITABLE (row));
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static void
give_details (Setup      *setup,
              const char *address,
              const char *password)
{
  wait_page (setup, "welcome", 1000);
  assert_default (setup, "_Get Started");
  shot (setup, "welcome");
  click (setup, "_Get Started");
  wait_page (setup, "details", 1000);
  /* Typing can start at once, and Enter in any field continues. */
  g_assert_true (gtk_widget_is_ancestor (gtk_window_get_focus (GTK_WINDOW (setup->window)), find_row (setup, "Email address")));
  assert_default (setup, "_Continue");
  type_into (setup, "Your name", "Alice Rossi");
  type_into (setup, "Email address", address);
  type_into (setup, "Password", password);
  shot (setup, "details");
  click (setup, "_Continue");
}

static gboolean
page_has_text (Setup      *setup,
               const char *text)
{
  return casella_test_gtk_find_label (visible_page (setup), text) != NULL;
}

static char *
keyring_password (CasellaAccount        *account,
                  CasellaCredentialRole  role)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *password;

  casella_credentials_lookup_async (account, role, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  password = casella_credentials_lookup_finish (result, &error);
  g_assert_no_error (error);
  return password;
}

/* Saved, with the password in the keyring for both servers, and in no file. */
static CasellaAccount *
assert_saved (Setup      *setup,
              const char *address,
              const char *password)
{
  CasellaAccount *account;
  g_autofree char *incoming = NULL, *outgoing = NULL;

  wait_page (setup, "done", 10000);
  g_assert_nonnull (setup->added);
  account = casella_account_store_lookup (setup->store, address);
  g_assert_nonnull (account);
  g_assert_true (account == setup->added);
  g_assert_cmpstr (casella_account_get_display_name (account), ==, "Alice Rossi");
  incoming = keyring_password (account, CASELLA_CREDENTIAL_INCOMING);
  outgoing = keyring_password (account, CASELLA_CREDENTIAL_OUTGOING);
  g_assert_cmpstr (incoming, ==, password);
  g_assert_cmpstr (outgoing, ==, password);
  casella_test_assert_no_file_holds (setup->dir, password);
  casella_test_assert_no_file_holds (g_get_user_config_dir (), password);
  casella_test_assert_no_file_holds (g_get_user_cache_dir (), password);
  return account;
}

/* ---- tests ---- */

/* No account yet: Casella opens the assistant at once. */
static void
test_first_start_opens_assistant (void)
{
  GtkWindow *window;

  g_application_activate (G_APPLICATION (app));
  window = casella_test_gtk_wait_for_window (CASELLA_TYPE_SETUP_WINDOW, 2000);
  g_assert_nonnull (window);
  g_assert_cmpstr (gtk_window_get_title (window), ==, T ("Add Mail Account"));
  casella_test_gtk_wait_mapped (GTK_WIDGET (window));
  g_assert_cmpstr (casella_setup_window_get_page (CASELLA_SETUP_WINDOW (window)), ==, "welcome");
  gtk_window_destroy (window);
  casella_test_gtk_drain ();
}

static void
test_address_checked_as_typed (void)
{
  g_autoptr(CasellaTestHttps) https = https_serving (NULL);
  g_autoptr(Setup) setup = setup_open (https, 0);
  GtkWidget *address, *find;

  click (setup, "_Get Started");
  wait_page (setup, "details", 1000);
  address = find_row (setup, "Email address");
  find = casella_test_gtk_find_button (visible_page (setup), T ("_Continue"));

  /* Half-typed is not wrong yet; "@" with nothing sensible after it is. */
  type_into (setup, "Email address", "alice");
  g_assert_false (gtk_widget_has_css_class (address, "error"));
  type_into (setup, "Email address", "alice@");
  g_assert_true (gtk_widget_has_css_class (address, "error"));
  g_assert_true (page_has_text (setup, T ("This doesn’t look like an email address yet. It should look like "
                                          "name@example.com.")));
  shot (setup, "details-invalid");
  g_assert_false (gtk_widget_is_sensitive (find));

  type_into (setup, "Email address", "alice@example.test");
  g_assert_false (gtk_widget_has_css_class (address, "error"));
  g_assert_false (gtk_widget_is_sensitive (find));   /* no password yet */
  type_into (setup, "Password", "x");
  g_assert_true (gtk_widget_is_sensitive (find));
}

static void
assert_found_page (Setup *setup)
{
  wait_page (setup, "found", 8000);
  g_assert_true (page_has_text (setup, "Example Mail"));
  g_assert_nonnull (casella_test_gtk_find_label (visible_page (setup), T ("Your provider’s website, over a secure connection")));
}

static void
test_imap_from_address_to_account (void)
{
  g_autofree char *xml = dovecot_xml (TRUE);
  g_autoptr(CasellaTestHttps) https = https_serving (xml);
  g_autoptr(Setup) setup = setup_open (https, 0);
  g_autofree char *secure = g_strdup_printf ("mail.example.test · %s", T ("Secure (SSL/TLS)"));
  g_autofree char *incoming_text = g_strdup_printf ("IMAP: %s\nPOP3: %s", secure, secure);
  g_autofree char *outgoing_text = g_strdup_printf ("mail.example.test · %s", T ("Secure (STARTTLS)"));
  CasellaAccount *account;
  CasellaServerConfig *incoming;
  guint days;

  give_details (setup, "alice@example.test", "alicepw");
  wait_page (setup, "finding", 1000);
  assert_found_page (setup);
  /* Receiving (IMAP and POP3) and sending, each with how it is secured. */
  g_assert_nonnull (casella_test_gtk_find_label (visible_page (setup), incoming_text));
  g_assert_nonnull (casella_test_gtk_find_label (visible_page (setup), outgoing_text));
  assert_default (setup, "_Continue");
  shot (setup, "found");
  click (setup, "_Continue");

  /* IMAP and POP3 both offered: the choice, IMAP already picked. */
  wait_page (setup, "choose", 1000);
  assert_default (setup, "_Continue");
  shot (setup, "choose");
  click (setup, "_Continue");
  wait_page (setup, "checking", 1000);
  shot (setup, "checking");
  account = assert_saved (setup, "alice@example.test", "alicepw");
  assert_default (setup, "_Open Your Mail");
  shot (setup, "done");

  incoming = casella_account_get_incoming (account);
  g_assert_cmpint (incoming->protocol, ==, CASELLA_PROTOCOL_IMAP);
  g_assert_cmpstr (incoming->host, ==, "mail.example.test");
  g_assert_cmpint (incoming->security, ==, CASELLA_SECURITY_TLS);
  g_assert_cmpstr (incoming->username, ==, "alice@example.test");
  g_assert_cmpint (casella_account_get_outgoing (account)->security, ==, CASELLA_SECURITY_STARTTLS);
  g_assert_cmpstr (casella_account_get_provider_name (account), ==, "Example Mail");
  g_assert_cmpint (casella_account_get_pop3_policy (account, &days), ==, CASELLA_POP3_KEEP);

  click (setup, "_Open Your Mail");
  g_assert_true (casella_test_wait_until (is_hidden, setup->window, 5000));
}

static void
test_pop3_keeps_copies_by_default (void)
{
  g_autofree char *xml = dovecot_xml (TRUE);
  g_autoptr(CasellaTestHttps) https = https_serving (xml);
  g_autoptr(Setup) setup = setup_open (https, 0);
  GtkWidget *pop3, *keep, *delete_after;
  CasellaAccount *account;
  guint days = 0;

  give_details (setup, "bob@example.test", "bobpw");
  assert_found_page (setup);
  click (setup, "_Continue");
  wait_page (setup, "choose", 1000);

  pop3 = casella_test_gtk_find_label (visible_page (setup), T ("Download to This Computer"));
  pop3 = gtk_widget_get_ancestor (pop3, GTK_TYPE_TOGGLE_BUTTON);
  g_signal_emit_by_name (pop3, "clicked");
  casella_test_gtk_drain ();
  keep = casella_test_gtk_find_by_type (find_row (setup, "Keep copies on the server"), GTK_TYPE_SWITCH);
  delete_after = casella_test_gtk_find_by_type (find_row (setup, "Delete from server after some days"), GTK_TYPE_SWITCH);
  g_assert_true (gtk_widget_get_mapped (keep));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (keep)));           /* the safe default */
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (delete_after)));
  gtk_switch_set_active (GTK_SWITCH (delete_after), TRUE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (casella_test_gtk_find_by_type (visible_page (setup), GTK_TYPE_SPIN_BUTTON)), 14);
  shot (setup, "choose-pop3");
  click (setup, "_Continue");

  account = assert_saved (setup, "bob@example.test", "bobpw");
  g_assert_cmpint (casella_account_get_incoming (account)->protocol, ==, CASELLA_PROTOCOL_POP3);
  g_assert_cmpint (casella_account_get_pop3_policy (account, &days), ==, CASELLA_POP3_DELETE_AFTER_DAYS);
  g_assert_cmpuint (days, ==, 14);
}

/* Nothing found: the form, filled with the usual names; the user types
 * the real ones, and Check saves the account. */
static void
test_manual_setup (void)
{
  g_autoptr(CasellaTestHttps) https = https_serving (NULL);
  g_autoptr(Setup) setup = setup_open (https, 0);
  AdwComboRow *security;
  GtkWidget *warning;
  GtkWindow *dialog;
  CasellaAccount *account;

  give_details (setup, "alice@example.test", "alicepw");
  wait_page (setup, "manual", 8000);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_row (setup, "Server"))), ==, "imap.example.test");
  shot (setup, "manual");

  /* No encryption: a warning on the form, and a question before sending. */
  security = ADW_COMBO_ROW (gtk_widget_get_ancestor (casella_test_gtk_find_label (visible_page (setup), T ("Security")),
                                                      ADW_TYPE_COMBO_ROW));
  adw_combo_row_set_selected (security, 2);
  warning = casella_test_gtk_find_label (visible_page (setup),
                                         T ("Without encryption, your password and your mail can be read by anyone on "
                                            "the network between you and the server."));
  g_assert_true (gtk_widget_get_visible (warning));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (casella_test_gtk_find_by_type (visible_page (setup), GTK_TYPE_SPIN_BUTTON))), ==, 143);
  shot (setup, "manual-unencrypted");
  click (setup, "C_heck");
  dialog = casella_test_gtk_wait_for_window (ADW_TYPE_MESSAGE_DIALOG, 2000);
  g_assert_nonnull (dialog);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  casella_test_gtk_drain ();
  g_assert_cmpstr (casella_setup_window_get_page (setup->window), ==, "manual");
  adw_combo_row_set_selected (security, 0);
  g_assert_false (gtk_widget_get_visible (warning));

  /* The real servers, as a provider's help page would list them. */
  type_into (setup, "Server", "localhost");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (casella_test_gtk_find_by_type (visible_page (setup), GTK_TYPE_SPIN_BUTTON)),
                             casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS));
  {
    GtkWidget *page = visible_page (setup);
    GtkWidget *groups[2] = { NULL, NULL };
    GtkWidget *out_host, *out_port, *out_security;
    guint n = 0;

    /* The second group holds the sending server. */
    for (GtkWidget *w = casella_test_gtk_find_by_type (page, ADW_TYPE_PREFERENCES_GROUP); w && n < 2;
         w = gtk_widget_get_next_sibling (w))
      if (ADW_IS_PREFERENCES_GROUP (w))
        groups[n++] = w;
    g_assert_nonnull (groups[1]);
    out_host = casella_test_gtk_find_by_type (groups[1], ADW_TYPE_ENTRY_ROW);
    out_port = casella_test_gtk_find_by_type (groups[1], GTK_TYPE_SPIN_BUTTON);
    out_security = casella_test_gtk_find_by_type (groups[1], ADW_TYPE_COMBO_ROW);
    gtk_editable_set_text (GTK_EDITABLE (out_host), "localhost");
    adw_combo_row_set_selected (ADW_COMBO_ROW (out_security), 1);
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (out_port), casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_STARTTLS));
  }
  click (setup, "C_heck");

  /* "localhost" is outside example.test, but the user typed it: no question. */
  account = assert_saved (setup, "alice@example.test", "alicepw");
  g_assert_cmpstr (casella_account_get_incoming (account)->host, ==, "localhost");
  g_assert_cmpint (casella_account_get_outgoing (account)->security, ==, CASELLA_SECURITY_STARTTLS);
}

static GtkWidget *
fix_password_row (Setup *setup)
{
  GtkWidget *row = casella_test_gtk_find_by_type (visible_page (setup), ADW_TYPE_PASSWORD_ENTRY_ROW);

  g_assert_nonnull (row);
  g_assert_true (gtk_widget_get_mapped (row));
  return row;
}

static void
assert_problem (Setup      *setup,
                const char *title)
{
  wait_page (setup, "checking", 1000);
  g_assert_true (casella_test_gtk_wait_for_label (visible_page (setup), T (title), 10000));
}

static void
test_wrong_password_fixed_in_place (void)
{
  g_autofree char *xml = dovecot_xml (FALSE);
  g_autoptr(CasellaTestHttps) https = https_serving (xml);
  g_autoptr(Setup) setup = setup_open (https, 0);

  give_details (setup, "alice@example.test", "not-the-password");
  assert_found_page (setup);
  click (setup, "_Continue");   /* only IMAP offered: no choice page */
  assert_problem (setup, "The Password Didn’t Work");
  shot (setup, "wrong-password");

  /* The fix is typed right there; Enter tries again. */
  g_assert_true (gtk_widget_is_ancestor (gtk_window_get_focus (GTK_WINDOW (setup->window)), fix_password_row (setup)));
  assert_default (setup, "_Try Again");
  gtk_editable_set_text (GTK_EDITABLE (fix_password_row (setup)), "alicepw");
  click (setup, "_Try Again");
  assert_saved (setup, "alice@example.test", "alicepw");
}

/* The server says an app password is needed: the page says so, links to
 * the provider's help, and takes the app password right there. */
static void
test_app_password_guidance (void)
{
  g_autoptr(CasellaTestScript) script = casella_test_script_new (
    "> * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\n"
    "<T AUTHENTICATE PLAIN\n"
    "> $TAG NO [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833\n"
    "eof\n", TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *imap = NULL, *smtp = smtp_xml (), *xml = NULL;
  g_autoptr(CasellaTestHttps) https = NULL;
  g_autoptr(Setup) setup = NULL;
  g_autofree char *failure = NULL;
  GtkWidget *link;

  casella_test_script_start (script, &error);
  g_assert_no_error (error);
  imap = imap_xml ("mail.example.test", casella_test_script_get_port (script));
  xml = config_xml (imap, NULL, smtp);
  https = https_serving (xml);
  setup = setup_open (https, 0);

  give_details (setup, "alice@example.test", "usual-password");
  assert_found_page (setup);
  click (setup, "_Continue");
  assert_problem (setup, "An App Password Is Needed");
  link = casella_test_gtk_find_by_type (visible_page (setup), GTK_TYPE_LINK_BUTTON);
  g_assert_nonnull (link);
  g_assert_cmpstr (gtk_link_button_get_uri (GTK_LINK_BUTTON (link)), ==, "https://help.example.test/mail");
  g_assert_nonnull (fix_password_row (setup));
  g_assert_nonnull (casella_test_gtk_find_label (visible_page (setup), T ("App password")));
  shot (setup, "app-password");
  failure = casella_test_script_finish (script);
  g_assert_null (failure);
  g_assert_null (casella_account_store_lookup (setup->store, "alice@example.test"));
}

/* What a provider needs is said before any sign-in: an app password
 * (Gmail), or, honestly, that sign-in through its page is not possible
 * yet (Outlook.com): then there is no Continue. */
static void
test_provider_needs_on_found_page (void)
{
  g_autoptr(CasellaTestHttps) https = https_serving (NULL);
  g_autoptr(Setup) setup = setup_open (https, ~BIT (CASELLA_SOURCE_BUNDLED) & 0x7f);
  GtkWidget *link, *accept;

  give_details (setup, "mario.rossi@gmail.com", "x");
  wait_page (setup, "found", 5000);
  g_assert_true (page_has_text (setup, "Google Mail"));
  link = casella_test_gtk_find_by_type (visible_page (setup), GTK_TYPE_LINK_BUTTON);
  g_assert_nonnull (link);
  g_assert_true (g_str_has_prefix (gtk_link_button_get_uri (GTK_LINK_BUTTON (link)), "https://"));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (link)), ==, T ("Create an App Password"));
  accept = casella_test_gtk_find_button (visible_page (setup), T ("_Continue"));
  g_assert_true (gtk_widget_is_sensitive (accept));
  shot (setup, "found-app-password");

  gtk_widget_activate_action (GTK_WIDGET (setup->window), "setup.back", NULL);
  wait_page (setup, "details", 1000);
  type_into (setup, "Email address", "mario.rossi@outlook.com");
  click (setup, "_Continue");
  wait_page (setup, "found", 5000);
  accept = casella_test_gtk_find_button (visible_page (setup), T ("_Continue"));
  g_assert_false (gtk_widget_is_sensitive (accept));
  g_assert_nonnull (casella_test_gtk_find_button (visible_page (setup), T ("Read the Help Page")));
  shot (setup, "found-oauth-only");
}

/* ---- signing in on the provider's page ---- */

/* example.test signs in on its own page (the tests' authorization
 * server), its Dovecot checks each token; chromium is the browser. */
static CasellaTestHttps *
https_serving_oauth2 (void)
{
  g_autofree char *imap = g_strdup_printf (
    "<incomingServer type=\"imap\"><hostname>mail.example.test</hostname><port>%u</port><socketType>SSL</socketType>"
    "<username>%%EMAILADDRESS%%</username><authentication>OAuth2</authentication>"
    "<authentication>password-cleartext</authentication></incomingServer>",
    casella_test_dovecot_get_port (oauth2_dovecot, CASELLA_TEST_IMAPS));
  g_autofree char *smtp = g_strdup_printf (
    "<outgoingServer type=\"smtp\"><hostname>mail.example.test</hostname><port>%u</port>"
    "<socketType>STARTTLS</socketType><username>%%EMAILADDRESS%%</username><authentication>OAuth2</authentication>"
    "<authentication>password-cleartext</authentication></outgoingServer>",
    casella_test_dovecot_get_submission_port (oauth2_dovecot));
  g_autofree char *xml = config_xml (imap, NULL, smtp);

  return https_serving (xml);
}

static void
open_signin (Setup              *setup,
             CasellaTestConsent  consent)
{
  /* Translated here: click() and assert_default() pass it through. */
  g_autofree char *sign_in = g_strdup_printf (T ("_Sign In With %s"), "Testauth");

  casella_test_oauth2_set_consent (oauth2, consent);
  give_details (setup, "alice@example.test", "typed-but-unused");
  assert_found_page (setup);
  assert_default (setup, sign_in);
  g_assert_nonnull (casella_test_gtk_find_button (visible_page (setup), T ("Use an _App Password Instead")));
  shot (setup, "found-signin");
  click (setup, sign_in);
  wait_page (setup, "signin", 2000);
}

/* From the address to a saved account through the browser: the
 * refresh token in the keyring and nowhere else, no password kept. */
static void
test_oauth2_sign_in (void)
{
  g_autoptr(CasellaTestHttps) https = https_serving_oauth2 ();
  g_autoptr(Setup) setup = setup_open (https, 0);
  g_auto(GStrv) tokens = NULL;
  CasellaAccount *account;
  g_autofree char *refresh = NULL;
  g_autofree char *password = NULL;

  open_signin (setup, CASELLA_TEST_CONSENT_ALLOW);
  g_assert_nonnull (casella_test_gtk_find_button (visible_page (setup), T ("_Copy Link")));
  shot (setup, "signin");
  wait_page (setup, "done", 30000);
  {
    g_autofree char *ready = g_strdup_printf (T ("%s is ready. Your sign-in is kept safe in your keyring; Casella "
                                                 "never saw your password."), "alice@example.test");
    g_assert_true (page_has_text (setup, ready));
  }
  shot (setup, "signin-done");
  g_assert_cmpuint (casella_test_stop_browsers (), >=, 1);
  account = casella_account_store_lookup (setup->store, "alice@example.test");
  g_assert_nonnull (account);
  g_assert_cmpstr (casella_account_get_oauth2_provider (account), ==, "testauth");
  refresh = keyring_password (account, CASELLA_CREDENTIAL_OAUTH2);
  g_assert_true (g_str_has_prefix (refresh, "refresh-"));
  password = keyring_password (account, CASELLA_CREDENTIAL_INCOMING);
  g_assert_null (password);
  tokens = casella_test_oauth2_dup_tokens (oauth2);
  for (guint i = 0; tokens[i] != NULL; i++)
    {
      casella_test_assert_no_file_holds (setup->dir, tokens[i]);
      casella_test_assert_no_file_holds (g_get_home_dir (), tokens[i]);
    }
  casella_test_assert_no_file_holds (setup->dir, "typed-but-unused");
}

/* "Deny" on the provider's page: said plainly, with Try Again; Back
 * returns to what was found. */
static void
test_oauth2_denied (void)
{
  g_autoptr(CasellaTestHttps) https = https_serving_oauth2 ();
  g_autoptr(Setup) setup = setup_open (https, 0);

  open_signin (setup, CASELLA_TEST_CONSENT_DENY);
  g_assert_true (casella_test_gtk_wait_for_label (visible_page (setup), T ("Sign-In Didn’t Finish"), 30000));
  casella_test_stop_browsers ();
  assert_default (setup, "_Try Again");
  shot (setup, "signin-denied");
  gtk_widget_activate_action (GTK_WIDGET (setup->window), "setup.back", NULL);
  wait_page (setup, "found", 1000);
  g_assert_null (casella_account_store_lookup (setup->store, "alice@example.test"));
}

static void
on_clipboard_text (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  char **text = user_data;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
}

/* Nobody signs in: Copy Link gives the page's address; Back closes the
 * listener at once. */
static void
test_oauth2_copy_link_and_cancel (void)
{
  g_autoptr(CasellaTestHttps) https = https_serving_oauth2 ();
  g_autoptr(Setup) setup = setup_open (https, 0);
  g_autofree char *copied = NULL;
  g_autofree char *redirect = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = NULL;

  open_signin (setup, CASELLA_TEST_CONSENT_WAIT);
  click (setup, "_Copy Link");
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (setup->window)), NULL, on_clipboard_text,
                                 &copied);
  while (copied == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_str_has_prefix (copied, "https://localhost:"));
  g_assert_nonnull (strstr (copied, "code_challenge_method=S256"));
  shot (setup, "signin-copied");
  redirect = casella_test_oauth2_dup_last_param (oauth2, "redirect_uri");
  casella_test_stop_browsers ();
  click (setup, "C_ancel");
  wait_page (setup, "found", 1000);
  uri = g_uri_parse (redirect, G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (uri);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) g_uri_get_port (uri), NULL, &error);
  g_assert_null (connection);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

/* Known by the address alone: no password is asked for at all. */
static void
test_oauth2_no_password_field (void)
{
  g_autoptr(CasellaTestHttps) https = https_serving (NULL);
  g_autoptr(Setup) setup = setup_open (https, 0);
  g_autofree char *file = g_build_filename (setup->dir, "google-test.ini", NULL);
  g_autofree char *authorize = casella_test_oauth2_get_url (oauth2, "/authorize");
  g_autofree char *token = casella_test_oauth2_get_url (oauth2, "/token");
  g_autofree char *text = g_strdup_printf ("[google]\nName=Google\nProviders=googlemail.com;\nAuthorizeUrl=%s\n"
                                           "TokenUrl=%s\nMechanisms=XOAUTH2;\nClientId=test\nAppPasswords=true\n",
                                           authorize, token);
  g_autoptr(GError) error = NULL;
  GtkWidget *password;

  /* A build with a client ID for Google (this test's own endpoints). */
  g_assert_true (g_file_set_contents (file, text, -1, NULL));
  g_assert_true (casella_oauth2_provider_add_from_file (file, &error));
  wait_page (setup, "welcome", 1000);
  click (setup, "_Get Started");
  wait_page (setup, "details", 1000);
  password = find_row (setup, "Password");
  type_into (setup, "Email address", "mario.rossi@gmail.com");
  g_assert_false (gtk_widget_get_visible (password));
  g_assert_true (gtk_widget_is_sensitive (casella_test_gtk_find_button (visible_page (setup), T ("_Continue"))));
  shot (setup, "details-signin");
  type_into (setup, "Email address", "mario.rossi@libero.it");
  g_assert_true (gtk_widget_get_visible (password));
  g_assert_false (gtk_widget_is_sensitive (casella_test_gtk_find_button (visible_page (setup), T ("_Continue"))));
}

static CasellaTestDovecot *
self_signed_dovecot (void)
{
  const CasellaTestPki *pki = casella_test_pki_get ();
  CasellaTestDovecot *server = casella_test_dovecot_new ();
  g_autoptr(GError) error = NULL;

  casella_test_dovecot_set_certificate (server, pki->self_signed_cert, pki->self_signed_key);
  casella_test_dovecot_start (server, &error);
  g_assert_no_error (error);
  return server;
}

/* A certificate nobody vouches for: shown in full, trusted only when the
 * user says so, and remembered with the account. */
static void
test_untrusted_certificate (void)
{
  g_autoptr(CasellaTestDovecot) untrusted = self_signed_dovecot ();
  g_autofree char *imap = imap_xml ("localhost", casella_test_dovecot_get_port (untrusted, CASELLA_TEST_IMAPS));
  g_autofree char *smtp = smtp_xml ();
  g_autofree char *xml = config_xml (imap, NULL, smtp);
  g_autoptr(CasellaTestHttps) https = https_serving (xml);
  g_autoptr(Setup) setup = setup_open (https, 0);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *fingerprint = NULL;
  g_autoptr(GBytes) der = NULL;
  GBytes *pinned;
  CasellaAccount *account;

  certificate = g_tls_certificate_new_from_file (casella_test_pki_get ()->self_signed_cert, &error);
  g_assert_no_error (error);
  fingerprint = casella_certificate_fingerprint (certificate);
  der = casella_certificate_get_der (certificate);

  give_details (setup, "alice@example.test", "alicepw");
  assert_found_page (setup);
  click (setup, "_Continue");
  assert_problem (setup, "Is This the Right Server?");
  g_assert_nonnull (casella_test_gtk_find_label (visible_page (setup), fingerprint));
  g_assert_nonnull (casella_test_gtk_find_label (visible_page (setup), T ("Issued by")));
  /* Its validity in the user's language, the month in words. */
  {
    g_autoptr(GDateTime) from = g_tls_certificate_get_not_valid_before (certificate);
    g_autoptr(GDateTime) local = g_date_time_to_local (from);
    g_assert_nonnull (casella_test_gtk_find_label_containing (
      visible_page (setup), casella_test_month_name (g_date_time_get_month (local), FALSE)));
  }
  /* Enter never trusts: the default is to change the settings. */
  g_assert_true (gtk_window_get_default_widget (GTK_WINDOW (setup->window)) == NULL);
  shot (setup, "certificate");

  click (setup, "T_rust This Certificate");
  account = assert_saved (setup, "alice@example.test", "alicepw");
  pinned = casella_account_get_pinned_certificate (account, CASELLA_PROTOCOL_IMAP);
  g_assert_nonnull (pinned);
  g_assert_true (g_bytes_equal (pinned, der));
  g_assert_null (casella_account_get_pinned_certificate (account, CASELLA_PROTOCOL_SMTP));

  /* Remembered: the saved settings carry it. */
  {
    g_autoptr(CasellaAccountStore) reread = casella_account_store_new (setup->dir);
    g_assert_true (casella_account_store_load (reread, &error));
    g_assert_true (g_bytes_equal (casella_account_get_pinned_certificate (
                                    casella_account_store_lookup (reread, "alice@example.test"), CASELLA_PROTOCOL_IMAP), der));
  }
}

/* Nobody answers: say so plainly, offer to try again or to edit. */
static void
test_unreachable_server (void)
{
  guint16 closed = casella_test_closed_port ();
  g_autofree char *imap = imap_xml ("mail.example.test", closed);
  g_autofree char *smtp = smtp_xml ();
  g_autofree char *xml = config_xml (imap, NULL, smtp);
  g_autoptr(CasellaTestHttps) https = https_serving (xml);
  g_autoptr(Setup) setup = setup_open (https, 0);

  give_details (setup, "alice@example.test", "alicepw");
  assert_found_page (setup);
  click (setup, "_Continue");
  assert_problem (setup, "Can’t Reach the Server");
  g_assert_nonnull (casella_test_gtk_find_button (visible_page (setup), T ("_Try Again")));
  shot (setup, "unreachable");

  click (setup, "_Try Again");
  assert_problem (setup, "Can’t Reach the Server");
  click (setup, "Set Up _Manually");
  wait_page (setup, "manual", 1000);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_row (setup, "Server"))), ==, "mail.example.test");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (casella_test_gtk_find_by_type (visible_page (setup), GTK_TYPE_SPIN_BUTTON))), ==, closed);
}

static gboolean
page_settled (gpointer data)
{
  GtkWidget *stack = casella_test_gtk_find_by_type (GTK_WIDGET (((Setup *) data)->window), GTK_TYPE_STACK);

  return !gtk_stack_get_transition_running (GTK_STACK (stack));
}

static void
change_nothing (gpointer data)
{
}

/* Until the page has slid in and a frame shows it. */
static void
wait_page_settled (Setup *setup)
{
  g_assert_cmpfloat (casella_test_gtk_time_until_drawn (GTK_WIDGET (setup->window), change_nothing, NULL,
                                                        page_settled, setup, 5000), >=, 0);
}

/* Every source hangs: Cancel and "Set up manually" work at once. */
static void
test_cancel_during_detection (void)
{
  g_autoptr(CasellaTestHttps) https = casella_test_https_new ();
  g_autoptr(Setup) setup = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  casella_test_https_add_hang (https, "mail/config-v1.1.xml");
  casella_test_https_add_hang (https, ".well-known/autoconfig/mail/config-v1.1.xml");
  casella_test_https_add_hang (https, "ispdb/hang.test");
  casella_test_https_start (https, &error);
  g_assert_no_error (error);
  casella_test_resolver_add_hang (resolver, "hang.test");
  casella_test_resolver_add_host (resolver, "autoconfig.hang.test", "127.0.0.1");
  setup = setup_open (https, 0);

  give_details (setup, "alice@hang.test", "alicepw");
  wait_page (setup, "finding", 1000);
  wait_page_settled (setup);
  shot (setup, "finding");
  start = g_get_monotonic_time ();
  click (setup, "C_ancel");
  g_assert_cmpstr (casella_setup_window_get_page (setup->window), ==, "details");
  g_test_message ("cancel: back on the details page after %" G_GINT64_FORMAT " µs",
                  g_get_monotonic_time () - start);
  /* What was typed is still there. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_row (setup, "Email address"))), ==, "alice@hang.test");
  /* Nothing the cancelled search had under way moves the page later. */
  casella_test_gtk_drain ();
  g_assert_cmpstr (casella_setup_window_get_page (setup->window), ==, "details");

  click (setup, "_Continue");
  wait_page (setup, "finding", 1000);
  click (setup, "Set Up _Manually");
  g_assert_cmpstr (casella_setup_window_get_page (setup->window), ==, "manual");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_row (setup, "Server"))), ==, "imap.hang.test");
  casella_test_gtk_drain ();
  g_assert_cmpstr (casella_setup_window_get_page (setup->window), ==, "manual");
}

/* Every control on every page says what it is, and the window fits a
 * phone (360 px) without cutting anything off. */
static void
test_accessible_and_narrow (void)
{
  g_autofree char *xml = dovecot_xml (TRUE);
  g_autoptr(CasellaTestHttps) https = https_serving (xml);
  g_autoptr(Setup) setup = setup_open (https, 0);
  const char *pages[] = { "welcome", "details", "found", "choose", "manual", NULL };
  GtkWidget *stack;

  give_details (setup, "alice@example.test", "alicepw");
  assert_found_page (setup);
  stack = gtk_widget_get_parent (visible_page (setup));
  for (guint i = 0; pages[i]; i++)
    {
      g_autoptr(GPtrArray) unlabelled = g_ptr_array_new ();
      GtkWidget *page = gtk_stack_get_child_by_name (GTK_STACK (stack), pages[i]);
      int minimum;

      casella_test_gtk_collect_unlabelled (page, unlabelled);
      for (guint u = 0; u < unlabelled->len; u++)
        g_test_message ("page %s: %s has no accessible name", pages[i], G_OBJECT_TYPE_NAME (unlabelled->pdata[u]));
      g_assert_cmpuint (unlabelled->len, ==, 0);

      gtk_widget_measure (page, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
      g_assert_cmpint (minimum, <=, 360);
    }
  gtk_window_set_default_size (GTK_WINDOW (setup->window), 360, 640);
  g_assert_true (casella_test_wait_until (is_narrow, setup->window, 5000));
  click (setup, "_Continue");
  wait_page (setup, "choose", 1000);
  shot (setup, "choose-narrow");

  /* Dark style comes from libadwaita's colours: nothing is hard-coded. */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  shot (setup, "choose-narrow-dark");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  const char *names[] = { "localhost", "example.test", "autoconfig.example.test", "mail.example.test", NULL };
  int status;

  /* GTK's own test accessibility back end: it keeps what each widget
   * tells a screen reader, so the test can read it back. */
  casella_test_window_init_gtk (&argc, &argv);

  resolver = casella_test_resolver_install ();
  for (guint i = 0; names[i]; i++)
    casella_test_resolver_add_host (resolver, names[i], "127.0.0.1");
  dovecot = casella_test_dovecot_new ();
  casella_test_dovecot_start (dovecot, &error);
  g_assert_no_error (error);
  sink = casella_test_smtp_new ();
  casella_test_smtp_start (sink, &error);
  g_assert_no_error (error);

  /* The OAuth2 world: authorization server, a Dovecot taking its
   * tokens (IMAP and submission), chromium as the browser. */
  oauth2_world = casella_test_oauth2_world_new ();
  oauth2 = oauth2_world->server;
  oauth2_dovecot = oauth2_world->dovecot;
  g_assert_true (casella_oauth2_provider_add_from_file (oauth2_world->providers, &error));
  casella_test_install_browser ();

  /* One application for every window: it loads the style sheet. */
  app = casella_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/ui/setup/first-start", test_first_start_opens_assistant);
  g_test_add_func ("/ui/setup/address-checked-as-typed", test_address_checked_as_typed);
  g_test_add_func ("/ui/setup/imap", test_imap_from_address_to_account);
  g_test_add_func ("/ui/setup/pop3", test_pop3_keeps_copies_by_default);
  g_test_add_func ("/ui/setup/manual", test_manual_setup);
  g_test_add_func ("/ui/setup/wrong-password", test_wrong_password_fixed_in_place);
  g_test_add_func ("/ui/setup/app-password", test_app_password_guidance);
  g_test_add_func ("/ui/setup/provider-needs", test_provider_needs_on_found_page);
  g_test_add_func ("/ui/setup/untrusted-certificate", test_untrusted_certificate);
  g_test_add_func ("/ui/setup/unreachable", test_unreachable_server);
  g_test_add_func ("/ui/setup/cancel", test_cancel_during_detection);
  g_test_add_func ("/ui/setup/accessible-and-narrow", test_accessible_and_narrow);
  g_test_add_func ("/ui/setup/oauth2-sign-in", test_oauth2_sign_in);
  g_test_add_func ("/ui/setup/oauth2-denied", test_oauth2_denied);
  g_test_add_func ("/ui/setup/oauth2-copy-link-and-cancel", test_oauth2_copy_link_and_cancel);
  g_test_add_func ("/ui/setup/oauth2-no-password-field", test_oauth2_no_password_field);

  status = g_test_run ();

  g_clear_object (&app);
  casella_test_oauth2_world_free (oauth2_world);
  casella_test_smtp_free (sink);
  casella_test_dovecot_free (dovecot);
  return status;
}
