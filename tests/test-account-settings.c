/* test-account-settings.c — an account's settings in the mail window:
 * the name and signature saved as typed, and removing the account with
 * a draft that lives only here: named, saved as a copy first, then the
 * password, the settings and the mail on this computer gone, the mail
 * on the server untouched
 *
 * Runs in English and Italian under Xvfb, with a private Dovecot and
 * the SMTP sink.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>

#include "casella-account-settings.h"
#include "casella-account-store.h"
#include "casella-application.h"
#include "casella-composer.h"
#include "casella-credentials.h"
#include "casella-engine.h"
#include "casella-store-queue.h"
#include "casella-servers-dialog.h"
#include "casella-test-account.h"
#include "casella-test-dovecot.h"
#include "casella-test-gtk.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"
#include "casella-test-window.h"
#include "casella-ui.h"
#include "casella-window-private.h"

#define T(text) g_dgettext ("casella", text)
#define ADDRESS "dora@example.test"
#define PASSWORD "dora-password"

static CasellaTestDovecot *dovecot;
static CasellaTestSmtp *sink;
static CasellaApplication *app;
static CasellaWindow *window;
static char *account_id;
static CasellaAccount *account;   /* as set up: its id finds the keyring's entries */

static void
shot (GtkWidget  *widget,
      const char *name)
{
  g_autofree char *file = g_strdup_printf ("account-settings-%s-%s.png", name, casella_test_language ());
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "screenshots", file, NULL);

  g_assert_true (casella_test_gtk_screenshot (widget, path));
}

static void
set_up_account (void)
{
  account = casella_test_account_new (ADDRESS, NULL, casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS),
                                      casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_SMTPS));
  casella_test_window_add_account (account, PASSWORD);
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

/* The account as the file on disk has it now. */
static gboolean
saved_as (gpointer data)
{
  const char **expected = data;
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  CasellaAccount *saved;

  if (!casella_account_store_load (accounts, NULL) || (saved = casella_account_store_lookup (accounts, ADDRESS)) == NULL)
    return FALSE;
  return g_strcmp0 (casella_account_get_display_name (saved), expected[0]) == 0 &&
         g_strcmp0 (casella_account_get_signature (saved), expected[1]) == 0;
}

/* The receiving choices as the file on disk has them. */
static gboolean
receives_as_chosen (gpointer data)
{
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  CasellaAccount *saved;

  return casella_account_store_load (accounts, NULL) && (saved = casella_account_store_lookup (accounts, ADDRESS)) &&
         casella_account_get_check_minutes (saved) == 15 &&
         casella_account_get_download_ahead (saved) == CASELLA_DOWNLOAD_ALL;
}

/* The first row of a type with this title. */
static GtkWidget *
row_titled (GtkWidget  *root,
            GType       type,
            const char *title)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = row_titled (child, type, title);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static AdwComboRow *
combo_titled (GtkWidget  *root,
              const char *title)
{
  return ADW_COMBO_ROW (row_titled (root, ADW_TYPE_COMBO_ROW, title));
}

static gboolean
title_is (gpointer title)
{
  return g_strcmp0 (adw_window_title_get_title (window->account_title), title) == 0;
}

/* A message dialog whose words hold text, once one shows. */
static AdwMessageDialog *
wait_for_dialog (const char *text)
{
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      GListModel *windows = gtk_window_get_toplevels ();

      for (guint i = 0; i < g_list_model_get_n_items (windows); i++)
        {
          g_autoptr(GtkWindow) each = g_list_model_get_item (windows, i);
          if (ADW_IS_MESSAGE_DIALOG (each) && gtk_widget_get_visible (GTK_WIDGET (each)) &&
              strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (each)), text) != NULL)
            return ADW_MESSAGE_DIALOG (each);
        }
      g_main_context_iteration (NULL, TRUE);
    }
  return NULL;
}

static void
add_local_draft (void)
{
  g_autofree char *path = casella_store_path_for_account (account_id);
  g_autoptr(CasellaStore) store = casella_store_open (path, NULL);
  g_autoptr(CasellaStoreFolder) drafts = NULL;
  g_autoptr(GBytes) raw = g_bytes_new_static ("From: dora@example.test\r\nSubject: Bozza importante\r\n\r\nDa finire.\r\n",
                                              strlen ("From: dora@example.test\r\nSubject: Bozza importante\r\n\r\n"
                                                      "Da finire.\r\n"));
  CasellaBodyFacts facts = { 0 };
  CasellaMessageInfo info = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 id;

  g_assert_nonnull (store);
  drafts = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_DRAFTS);
  g_assert_nonnull (drafts);
  info.folder_id = drafts->id;
  info.subject = (char *) "Bozza importante";
  info.date = g_get_real_time () / G_USEC_PER_SEC;
  casella_body_facts_read (raw, &facts);
  id = casella_store_add_message_whole (store, &info, raw, &facts, &error);
  casella_body_facts_clear (&facts);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
}

static gboolean
account_gone (gpointer data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (window->accounts)) == 0;
}

static gboolean
file_gone (gpointer path)
{
  return !g_file_test (path, G_FILE_TEST_EXISTS);
}

static CasellaAccountSettings *
open_settings (void)
{
  g_autoptr(GPtrArray) unlabelled = g_ptr_array_new ();
  CasellaAccountSettings *settings;

  g_action_group_activate_action (G_ACTION_GROUP (window), "account-settings", NULL);
  settings = CASELLA_ACCOUNT_SETTINGS (casella_test_gtk_wait_for_window (CASELLA_TYPE_ACCOUNT_SETTINGS, 5000));
  g_assert_nonnull (settings);
  gtk_window_set_default_size (GTK_WINDOW (settings), 560, 760);
  casella_test_gtk_wait_mapped (GTK_WIDGET (settings));
  casella_test_gtk_collect_unlabelled (GTK_WIDGET (settings), unlabelled);
  g_assert_cmpuint (unlabelled->len, ==, 0);
  return settings;
}

static void
test_name_and_signature (void)
{
  const char *expected[] = { "Dora Rossi", "Dora Rossi\nUfficio acquisti" };
  AdwComboRow *copies;
  CasellaAccountSettings *settings = open_settings ();
  GtkWidget *name = casella_test_gtk_find_by_type (GTK_WIDGET (settings), ADW_TYPE_ENTRY_ROW);
  GtkWidget *signature = casella_test_gtk_find_by_type (GTK_WIDGET (settings), GTK_TYPE_TEXT_VIEW);

  g_assert_nonnull (casella_test_gtk_find_label (GTK_WIDGET (settings), ADDRESS));
  gtk_editable_set_text (GTK_EDITABLE (name), "Dora Rossi");
  /* The "-- " line is the composer's: typed here, it is not doubled. */
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (signature)), "-- \nDora Rossi\nUfficio acquisti",
                            -1);
  g_assert_true (casella_test_wait_until (title_is, "Dora Rossi", 5000));
  g_assert_true (casella_test_wait_until (saved_as, expected, 5000));
  /* IMAP: how often, and how much ahead; no POP3 choices. */
  copies = combo_titled (GTK_WIDGET (settings), T ("Copies on the server"));
  g_assert_true (copies != NULL && !gtk_widget_get_visible (GTK_WIDGET (copies)));
  adw_combo_row_set_selected (combo_titled (GTK_WIDGET (settings), T ("Look for new mail")), 1);
  adw_combo_row_set_selected (combo_titled (GTK_WIDGET (settings), T ("Download messages ahead")), 1);
  g_assert_true (casella_test_wait_until (receives_as_chosen, NULL, 5000));
  shot (GTK_WIDGET (settings), "page");
  gtk_window_close (GTK_WINDOW (settings));
}

static gboolean
archive_not_offline (gpointer data)
{
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  CasellaAccount *saved;

  return casella_account_store_load (accounts, NULL) && (saved = casella_account_store_lookup (accounts, ADDRESS)) &&
         !casella_account_get_folder_offline (saved, "Clienti") && casella_account_get_folder_offline (saved, "INBOX");
}

/* Each of the server's folders can be left out of reading offline; the
 * Outbox, which lives only here, is not offered. */
static void
test_folders_offline (void)
{
  CasellaAccountSettings *settings = open_settings ();
  GtkWidget *expander = row_titled (GTK_WIDGET (settings), ADW_TYPE_EXPANDER_ROW, T ("Folders for reading offline"));
  GtkWidget *archive, *button;

  g_assert_nonnull (expander);
  g_assert_true (gtk_widget_get_visible (expander));
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander), TRUE);
  g_assert_null (row_titled (expander, ADW_TYPE_ACTION_ROW, T ("Outbox")));
  g_assert_nonnull (row_titled (expander, ADW_TYPE_ACTION_ROW, T ("Inbox")));
  archive = row_titled (expander, ADW_TYPE_ACTION_ROW, "Clienti");
  g_assert_nonnull (archive);
  button = casella_test_gtk_find_by_type (archive, GTK_TYPE_SWITCH);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (button)));
  gtk_switch_set_active (GTK_SWITCH (button), FALSE);
  g_assert_true (casella_test_wait_until (archive_not_offline, NULL, 5000));
  g_assert_false (casella_account_get_folder_offline (casella_account_store_lookup (window->accounts, ADDRESS),
                                                      "Clienti"));
  /* The page scrolls to the row with the focus. */
  {
    GtkWidget *viewport = gtk_widget_get_ancestor (archive, GTK_TYPE_VIEWPORT);

    g_assert_nonnull (viewport);
    gtk_viewport_set_scroll_to_focus (GTK_VIEWPORT (viewport), TRUE);
    gtk_widget_grab_focus (button);
  }
  casella_test_gtk_wait_mapped (archive);
  shot (GTK_WIDGET (settings), "offline-folders");
  gtk_window_close (GTK_WINDOW (settings));
}

static gint64
message_with_subject (const char *subject)
{
  GListModel *list = casella_message_view_get_model (window->message_view);

  for (guint i = 0; list && i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
    {
      g_autoptr(CasellaMessageItem) item = g_list_model_get_item (G_LIST_MODEL (list), i);
      if (g_strcmp0 (casella_message_item_get_subject (item), subject) == 0)
        return casella_message_item_get_id (item);
    }
  return 0;
}

static gboolean
reader_shows (gpointer id)
{
  return casella_reader_get_raw (window->reader) != NULL &&
         casella_reader_get_message (window->reader) == *(gint64 *) id;
}

static gboolean
composer_open (gpointer data)
{
  return casella_test_gtk_wait_for_window (CASELLA_TYPE_COMPOSER, 0) != NULL;
}

static gboolean
has_identity (gpointer address)
{
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  CasellaAccount *saved;
  const char *addresses[] = { address, NULL };

  return casella_account_store_load (accounts, NULL) && (saved = casella_account_store_lookup (accounts, ADDRESS)) &&
         casella_account_find_identity (saved, addresses) != NULL &&
         g_strcmp0 (casella_account_get_reply_to (saved), "risposte@example.test") == 0;
}

/* An alias added in the settings: mail sent to it is answered from it. */
static void
test_alias_replies (void)
{
  CasellaAccountSettings *settings = open_settings ();
  GtkWidget *reply_to = NULL;
  AdwMessageDialog *dialog;
  GtkWidget *address, *name;
  CasellaComposer *composer;
  g_autoptr(CasellaDraft) draft = NULL;
  g_autoptr(GPtrArray) sent = NULL;
  guint before = casella_test_smtp_get_messages (sink)->len;
  GBytes *raw;
  gint64 id;

  /* "Replies go to" is the entry row after the name. */
  for (GtkWidget *row = casella_test_gtk_find_by_type (GTK_WIDGET (settings), ADW_TYPE_ENTRY_ROW); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (ADW_IS_ENTRY_ROW (row) && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                                             T ("Replies go to (if not to this address)")) == 0)
      reply_to = row;
  g_assert_nonnull (reply_to);
  gtk_editable_set_text (GTK_EDITABLE (reply_to), "risposte@example.test");
  gtk_widget_activate_action (GTK_WIDGET (settings), "settings.add-address", NULL);
  dialog = wait_for_dialog (T ("Another address of this account that you send from, such as an alias your "
                               "provider gives you."));
  g_assert_nonnull (dialog);
  address = casella_test_gtk_find_by_type (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW);
  name = gtk_widget_get_next_sibling (address);
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "add"));
  gtk_editable_set_text (GTK_EDITABLE (address), "dora.ufficio@example.test");
  gtk_editable_set_text (GTK_EDITABLE (name), "Dora Ufficio");
  gtk_editable_set_text (GTK_EDITABLE (gtk_widget_get_next_sibling (name)), "Ufficio acquisti, interno 12");
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "add"));
  casella_test_gtk_wait_mapped (GTK_WIDGET (dialog));
  shot (GTK_WIDGET (dialog), "add-address");
  adw_message_dialog_response (dialog, "add");
  g_assert_true (casella_test_wait_until (has_identity, "dora.ufficio@example.test", 5000));
  g_assert_nonnull (casella_test_gtk_find_label (GTK_WIDGET (settings), "dora.ufficio@example.test"));
  shot (GTK_WIDGET (settings), "addresses");
  gtk_window_close (GTK_WINDOW (settings));

  /* Mail to the alias, answered: from the alias, replies to where asked. */
  {
    g_autoptr(GError) error = NULL;
    static const char letter[] = "From: Bob <bob@example.test>\r\nTo: dora.ufficio@example.test\r\n"
                                 "Subject: Per l'ufficio\r\nMessage-ID: <ufficio@example.test>\r\n\r\nUn preventivo?\r\n";
    g_assert_true (casella_test_dovecot_deliver (dovecot, ADDRESS, "INBOX", letter, -1, NULL, &error));
  }
  gtk_widget_activate_action (GTK_WIDGET (window), "win.refresh", NULL);
  g_assert_true (casella_test_window_wait_for (window, "Per l'ufficio", TRUE, 30000));
  id = message_with_subject ("Per l'ufficio");
  casella_window_select_message (window, window->session, id);
  g_assert_true (casella_test_wait_until (reader_shows, &id, 10000));
  g_action_group_activate_action (G_ACTION_GROUP (window), "reply", NULL);
  g_assert_true (casella_test_wait_until (composer_open, NULL, 5000));
  composer = CASELLA_COMPOSER (casella_test_gtk_wait_for_window (CASELLA_TYPE_COMPOSER, 0));
  draft = casella_composer_get_draft (composer);
  g_assert_cmpstr (draft->from_address, ==, "dora.ufficio@example.test");
  g_assert_cmpstr (draft->from_name, ==, "Dora Ufficio");
  /* The alias's own signature, not the account's. */
  g_assert_nonnull (strstr (draft->body, "-- \nUfficio acquisti, interno 12"));
  g_assert_null (strstr (draft->body, "Dora Rossi\nUfficio acquisti"));
  /* No Date in the original: no empty "On , Bob wrote:". */
  {
    g_autofree char *wrote = g_strdup_printf (T ("%s wrote:"), "Bob");
    g_assert_nonnull (strstr (draft->body, wrote));
    g_assert_null (strstr (draft->body, "On ,"));
  }
  casella_test_gtk_wait_mapped (GTK_WIDGET (composer));
  shot (GTK_WIDGET (composer), "reply-from-alias");
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_true (casella_test_smtp_wait_for (sink, before + 1, 15000));
  sent = casella_test_smtp_get_messages (sink);
  raw = sent->pdata[before];
  {
    g_autofree char *text = g_strndup (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
    g_assert_nonnull (strstr (text, "From: Dora Ufficio <dora.ufficio@example.test>"));
    g_assert_nonnull (strstr (text, "Reply-To: risposte@example.test"));
    g_assert_nonnull (strstr (text, "To: Bob <bob@example.test>"));
  }
}

static gboolean
undo_offered (gpointer data)
{
  return window->undo_sends != NULL && g_hash_table_size (window->undo_sends) == 1;
}

static gboolean
outbox_empty (gpointer data)
{
  g_autoptr(GPtrArray) entries = casella_store_outbox_entries (casella_window_get_store (window), NULL);

  return entries != NULL && entries->len == 0;
}

static GtkEditable *
entry_titled (GtkWidget  *root,
              const char *title)
{
  GtkWidget *row = row_titled (root, ADW_TYPE_PREFERENCES_ROW, title);

  return row != NULL && GTK_IS_EDITABLE (row) ? GTK_EDITABLE (row) : NULL;
}

/* Sent, then Undo within the time: nothing reached the server, and the
 * message is back in a composer; sent again, exactly one arrives. */
static void
test_undo_send (void)
{
  guint before = casella_test_smtp_get_messages (sink)->len;
  g_autoptr(CasellaDraft) back = NULL;
  g_autoptr(GPtrArray) sent = NULL;
  CasellaComposer *composer;
  GHashTableIter iter;
  gpointer key = NULL;

  g_assert_cmpuint (casella_account_get_undo_seconds (casella_mail_session_get_account (window->session)), ==, 5);
  g_action_group_activate_action (G_ACTION_GROUP (window), "compose", NULL);
  g_assert_true (casella_test_wait_until (composer_open, NULL, 5000));
  composer = CASELLA_COMPOSER (casella_test_gtk_wait_for_window (CASELLA_TYPE_COMPOSER, 0));
  gtk_editable_set_text (entry_titled (GTK_WIDGET (composer), T ("To")), "bob@example.test");
  gtk_editable_set_text (entry_titled (GTK_WIDGET (composer), T ("Subject")), "Da annullare");
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_true (casella_test_wait_until (undo_offered, NULL, 5000));
  shot (GTK_WIDGET (window), "undo-send");
  g_assert_cmpuint (casella_test_smtp_get_messages (sink)->len, ==, before);

  g_hash_table_iter_init (&iter, window->undo_sends);
  g_assert_true (g_hash_table_iter_next (&iter, &key, NULL));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.undo-send", "x", *(gint64 *) key);
  g_assert_true (casella_test_wait_until (composer_open, NULL, 5000));
  composer = CASELLA_COMPOSER (casella_test_gtk_wait_for_window (CASELLA_TYPE_COMPOSER, 0));
  back = casella_composer_get_draft (composer);
  g_assert_cmpstr (back->subject, ==, "Da annullare");
  g_assert_cmpstr (back->to, ==, "bob@example.test");
  g_assert_true (casella_test_wait_until (outbox_empty, NULL, 5000));

  /* Sent again and left alone: after its time, exactly one. */
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_true (casella_test_smtp_wait_for (sink, before + 1, 20000));
  g_assert_true (casella_test_wait_until (outbox_empty, NULL, 10000));
  sent = casella_test_smtp_get_messages (sink);
  g_assert_cmpuint (sent->len, ==, before + 1);
  {
    GBytes *raw = sent->pdata[before];
    g_autofree char *text = g_strndup (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
    g_assert_nonnull (strstr (text, "Subject: Da annullare"));
  }
}

/* The account file's receiving server now. */
static gboolean
receives_at (gpointer port)
{
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  CasellaAccount *saved;

  return casella_account_store_load (accounts, NULL) && (saved = casella_account_store_lookup (accounts, ADDRESS)) &&
         casella_account_get_incoming (saved)->port == GPOINTER_TO_UINT (port);
}

static gboolean
widget_shown (gpointer widget)
{
  return gtk_widget_get_visible (widget);
}

/* The dialog says why, in the error style. */
static gboolean
problem_shown (gpointer dialog)
{
  GtkWidget *error = casella_test_gtk_find_label_containing (dialog, "localhost");

  return error != NULL && gtk_widget_has_css_class (error, "error") && gtk_widget_get_visible (error);
}

static gboolean
gone (gpointer pointer)
{
  return *(gpointer *) pointer == NULL;
}


/* Servers changed by hand: a wrong port is refused and nothing saved;
 * STARTTLS on the other port, its certificate trusted when asked, is
 * saved, and the session starts anew on it. */
static void
test_servers_changed (void)
{
  guint16 old_port = casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS);
  guint16 new_port = casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAP);
  g_autofree char *new_number = g_strdup_printf ("%u", new_port);
  g_autoptr(GPtrArray) unlabelled = g_ptr_array_new ();
  CasellaAccountSettings *settings = open_settings ();
  GtkWindow *dialog;
  GtkWidget *incoming, *port, *consent;

  gtk_widget_activate_action (GTK_WIDGET (settings), "settings.change-servers", NULL);
  dialog = casella_test_gtk_wait_for_window (CASELLA_TYPE_SERVERS_DIALOG, 5000);
  g_assert_nonnull (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  casella_test_gtk_wait_mapped (GTK_WIDGET (dialog));
  casella_test_gtk_collect_unlabelled (GTK_WIDGET (dialog), unlabelled);
  g_assert_cmpuint (unlabelled->len, ==, 0);
  incoming = casella_test_gtk_find_by_type (GTK_WIDGET (dialog), ADW_TYPE_PREFERENCES_GROUP);
  port = row_titled (incoming, ADW_TYPE_PREFERENCES_ROW, T ("Port"));
  g_assert_nonnull (port);
  shot (GTK_WIDGET (dialog), "servers");

  /* Nothing listens there: refused, and the saved servers stay. */
  gtk_editable_set_text (GTK_EDITABLE (port), "1");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "servers.save", NULL);
  g_assert_true (casella_test_wait_until (problem_shown, dialog, 20000));
  g_assert_true (receives_at (GUINT_TO_POINTER (old_port)));
  shot (GTK_WIDGET (dialog), "servers-refused");

  /* STARTTLS on the plain port: the certificate is asked about first. */
  gtk_editable_set_text (GTK_EDITABLE (port), new_number);
  adw_combo_row_set_selected (ADW_COMBO_ROW (row_titled (incoming, ADW_TYPE_PREFERENCES_ROW, T ("Encryption"))), CASELLA_SECURITY_STARTTLS);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "servers.save", NULL);
  consent = casella_test_gtk_find_button (GTK_WIDGET (dialog), T ("_Trust This Certificate"));
  g_assert_nonnull (consent);
  g_assert_true (casella_test_wait_until (widget_shown, consent, 20000));
  g_assert_true (receives_at (GUINT_TO_POINTER (old_port)));
  shot (GTK_WIDGET (dialog), "servers-certificate");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "servers.consent", NULL);
  g_assert_true (casella_test_wait_until (gone, &dialog, 20000));
  g_assert_true (casella_test_wait_until (receives_at, GUINT_TO_POINTER (new_port), 5000));
  g_assert_cmpint (casella_account_get_incoming (casella_account_store_lookup (window->accounts, ADDRESS))->security, ==,
                   CASELLA_SECURITY_STARTTLS);
  /* A new session, on the new server. */
  g_assert_true (casella_test_window_wait_state (window, CASELLA_SESSION_UP_TO_DATE, 30000));
  g_assert_cmpuint (casella_account_get_incoming (casella_mail_session_get_account (window->session))->port, ==,
                    new_port);
  gtk_window_close (GTK_WINDOW (settings));
}

static void
test_remove_with_a_local_draft (void)
{
  g_autofree char *dir = casella_test_make_tmpdir ("casella-remove");
  g_autofree char *copy = g_strdup_printf ("%s.mbox", ADDRESS);
  g_autofree char *copy_path = g_build_filename (dir, copy, NULL);
  g_autofree char *store_path = casella_store_path_for_account (account_id);
  g_autofree char *lost = g_strdup_printf (g_dngettext ("casella", "%u draft", "%u drafts", 1), 1);
  g_autofree char *kept = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GSettings) account_settings = casella_ui_account_settings (account_id);
  g_auto(GStrv) senders = NULL;
  g_autoptr(GError) error = NULL;
  CasellaAccountSettings *settings;
  AdwMessageDialog *dialog;
  guint on_server;

  add_local_draft ();
  g_settings_set_strv (account_settings, "remote-images-from", (const char *[]) { "bob@example.test", NULL });
  on_server = casella_test_dovecot_count_messages (dovecot, ADDRESS, "INBOX");
  settings = open_settings ();
  gtk_widget_activate_action (GTK_WIDGET (settings), "settings.remove", NULL);

  /* What stays and what would be lost, in plain words. */
  dialog = wait_for_dialog (lost);
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), T ("Your mail on the server stays there, and you can add this account "
                                                                        "again later. Casella forgets the password and "
                                                                        "deletes its copy of the mail on this computer.")));
  g_assert_true (adw_message_dialog_has_response (dialog, "save"));
  casella_test_gtk_wait_mapped (GTK_WIDGET (dialog));
  shot (GTK_WIDGET (dialog), "remove");
  adw_message_dialog_response (dialog, "save");
  casella_test_window_choose_file (dir);

  /* Saved first, then asked again. */
  dialog = wait_for_dialog (copy);
  g_assert_nonnull (dialog);
  g_assert_false (adw_message_dialog_has_response (dialog, "save"));
  g_assert_true (g_file_get_contents (copy_path, &text, NULL, &error));
  g_assert_nonnull (strstr (text, "Subject: Bozza importante"));
  g_assert_nonnull (strstr (text, "Subject: Benvenuta"));
  casella_test_gtk_wait_mapped (GTK_WIDGET (dialog));
  shot (GTK_WIDGET (dialog), "remove-saved");
  adw_message_dialog_response (dialog, "remove");

  g_assert_true (casella_test_wait_until (account_gone, NULL, 10000));
  g_assert_true (casella_test_wait_until (file_gone, store_path, 20000));
  kept = casella_credentials_lookup_sync (account, CASELLA_CREDENTIAL_INCOMING, NULL, NULL);
  g_assert_null (kept);
  {
    g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
    g_assert_true (casella_account_store_load (accounts, &error));
    g_assert_null (casella_account_store_lookup (accounts, ADDRESS));
  }
  senders = g_settings_get_strv (account_settings, "remote-images-from");
  g_assert_cmpuint (g_strv_length (senders), ==, 0);
  /* The server's mail is untouched. */
  g_assert_cmpuint (casella_test_dovecot_count_messages (dovecot, ADDRESS, "INBOX"), ==, on_server);
  shot (GTK_WIDGET (window), "removed");
  casella_test_rm_rf (dir);
}

static gboolean
composer_with_subject (gpointer subject)
{
  GtkWindow *composer = casella_test_gtk_wait_for_window (CASELLA_TYPE_COMPOSER, 0);
  g_autoptr(CasellaDraft) draft = composer ? casella_composer_get_draft (CASELLA_COMPOSER (composer)) : NULL;

  return draft != NULL && g_strcmp0 (draft->subject, subject) == 0;
}

/* A draft written on the phone opens here to be finished. */
static void
test_draft_from_another_device (void)
{
  g_autoptr(GError) error = NULL;
  const char phone[] = "From: " ADDRESS "\r\nTo: bob@example.test\r\nSubject: Scritta sul telefono\r\n"
                       "Message-ID: <phone-draft@example.test>\r\n\r\nDa finire a casa.\r\n";
  GtkWindow *composer;
  gint64 id;

  g_assert_true (casella_test_dovecot_deliver (dovecot, ADDRESS, "Drafts", phone, -1, "SD", &error));
  casella_mail_session_refresh (window->session);
  casella_test_window_open_folder (window, "Drafts");
  casella_test_window_read (window, "Scritta sul telefono");
  id = casella_test_window_find (window, "Scritta sul telefono");
  g_signal_emit_by_name (window->message_view, "activated", id);
  g_assert_true (casella_test_wait_until (composer_with_subject, "Scritta sul telefono", 5000));
  composer = casella_test_gtk_wait_for_window (CASELLA_TYPE_COMPOSER, 0);
  {
    g_autoptr(CasellaDraft) draft = casella_composer_get_draft (CASELLA_COMPOSER (composer));
    g_assert_nonnull (strstr (draft->body, "Da finire a casa."));
    g_assert_nonnull (strstr (draft->to, "bob@example.test"));
  }
  gtk_window_destroy (composer);
  casella_test_window_open_folder (window, "INBOX");
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
  g_assert_true (casella_test_smtp_start (sink, &error));
  dovecot = casella_test_dovecot_new ();
  casella_test_dovecot_add_user (dovecot, ADDRESS, PASSWORD);
  g_assert_true (casella_test_dovecot_start (dovecot, &error));
  set_up_account ();
  deliver ("Benvenuta");
  casella_test_dovecot_fill (dovecot, ADDRESS, "Clienti", 2, &error);
  g_assert_no_error (error);

  app = casella_application_new ();
  window = casella_test_window_start (app);

  g_test_add_func ("/ui/account-settings/name-and-signature", test_name_and_signature);
  g_test_add_func ("/ui/account-settings/folders-offline", test_folders_offline);
  g_test_add_func ("/ui/account-settings/alias-replies", test_alias_replies);
  g_test_add_func ("/ui/account-settings/undo-send", test_undo_send);
  g_test_add_func ("/ui/account-settings/draft-from-another-device", test_draft_from_another_device);
  g_test_add_func ("/ui/account-settings/servers-changed", test_servers_changed);
  g_test_add_func ("/ui/account-settings/remove-with-a-local-draft", test_remove_with_a_local_draft);
  status = g_test_run ();

  casella_test_dovecot_free (dovecot);
  casella_test_smtp_free (sink);
  return status;
}
