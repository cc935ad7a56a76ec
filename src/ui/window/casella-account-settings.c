/* casella-account-settings.c — an account's settings, saved as changed
 *
 * The account file is written on a worker, one write at a time, the
 * newest settings last. Removing the account says plainly what stays
 * (the mail on the server) and what would be lost (mail only here),
 * with a copy one click away.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-account-settings.h"
#include "casella-application.h"
#include "casella-servers-dialog.h"
#include "casella-ui.h"
#include "casella-window-private.h"

#define SAVE_DELAY_MS 300

/* "Time to undo a send" choices, in seconds. */
static const guint undo_seconds[] = { 0, 5, 10, 30 };

/* "Look for new mail" choices, in minutes. */
static const guint check_minutes[] = { 5, 15, 30, 60 };

struct _CasellaAccountSettings
{
  AdwPreferencesWindow  parent_instance;

  CasellaAccountStore  *accounts;
  CasellaAccount       *account;
  CasellaMailSession   *session;
  guint                 save_source;
  gboolean              saving;
  gboolean              dirty;          /* changed again while saving */
  gboolean              loading;
  GCancellable         *cancellable;    /* a copy being saved */
  char                 *copy_name;      /* the copy saved before removing */

  AdwEntryRow          *name_row;
  AdwActionRow         *address_row;
  AdwEntryRow          *reply_to_row;
  AdwPreferencesGroup  *addresses_group;
  GPtrArray            *address_rows;   /* the rows shown in addresses_group */
  GtkTextView          *signature_view;
  AdwPreferencesGroup  *receiving_group;
  AdwComboRow          *check_row;
  AdwComboRow          *download_row;
  AdwExpanderRow       *offline_row;
  GPtrArray            *offline_rows;   /* the rows shown in offline_row */
  AdwComboRow          *undo_row;
  GtkSwitch            *pec_switch;
  GtkSwitch            *receipts_switch;
  AdwComboRow          *copies_row;
  AdwActionRow         *days_row;
  GtkSpinButton        *days_spin;
  AdwActionRow         *incoming_row;
  AdwActionRow         *outgoing_row;
  GtkWidget            *change_servers_row;
};

G_DEFINE_FINAL_TYPE (CasellaAccountSettings, casella_account_settings, ADW_TYPE_PREFERENCES_WINDOW)

static void
toast (CasellaAccountSettings *self,
       const char             *text)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), casella_toast_new (text));
}

/* ---- saving ---- */

static void save (CasellaAccountSettings *self);

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(CasellaAccountSettings) self = user_data;
  g_autoptr(GError) error = NULL;

  self->saving = FALSE;
  if (!casella_account_store_save_finish (CASELLA_ACCOUNT_STORE (source), result, &error))
    toast (self, _("The settings couldn’t be saved. Check that the disk isn’t full."));
  if (self->dirty)
    save (self);
}

static void
save (CasellaAccountSettings *self)
{
  g_clear_handle_id (&self->save_source, g_source_remove);
  self->dirty = self->saving;
  if (self->saving)
    return;
  self->saving = TRUE;
  casella_account_store_save_async (self->accounts, NULL, on_saved, g_object_ref (self));
}

static gboolean
save_now (gpointer data)
{
  CasellaAccountSettings *self = data;

  self->save_source = 0;
  save (self);
  return G_SOURCE_REMOVE;
}

/* The composer adds the "-- " line: one typed here is not doubled. */
static char *
signature_text (CasellaAccountSettings *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->signature_view);
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  const char *body;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  body = text;
  if (g_str_has_prefix (body, "-- \n") || g_str_has_prefix (body, "--\n"))
    body = strchr (body, '\n') + 1;
  return *g_strstrip ((char *) body) != '\0' ? g_strdup (body) : NULL;
}

static void
on_changed (CasellaAccountSettings *self)
{
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_row));
  g_autofree char *signature = NULL;
  CasellaPop3Policy policy = adw_combo_row_get_selected (self->copies_row);

  gtk_widget_set_visible (GTK_WIDGET (self->days_row), policy == CASELLA_POP3_DELETE_AFTER_DAYS &&
                          gtk_widget_get_visible (GTK_WIDGET (self->copies_row)));
  if (self->loading)
    return;
  signature = signature_text (self);
  casella_account_set_display_name (self->account, *name != '\0' ? name : NULL);
  casella_account_set_reply_to (self->account, gtk_editable_get_text (GTK_EDITABLE (self->reply_to_row)));
  casella_account_set_signature (self->account, signature);
  if (casella_account_get_incoming (self->account)->protocol == CASELLA_PROTOCOL_POP3)
    casella_account_set_pop3_policy (self->account, policy, (guint) gtk_spin_button_get_value_as_int (self->days_spin));
  casella_account_set_check_minutes (self->account, check_minutes[MIN (adw_combo_row_get_selected (self->check_row),
                                                                      G_N_ELEMENTS (check_minutes) - 1)]);
  casella_account_set_download_ahead (self->account, adw_combo_row_get_selected (self->download_row));
  casella_account_set_undo_seconds (self->account, undo_seconds[MIN (adw_combo_row_get_selected (self->undo_row),
                                                                     G_N_ELEMENTS (undo_seconds) - 1)]);
  if (casella_account_get_pec (self->account) != gtk_switch_get_active (self->pec_switch) ||
      casella_account_get_show_pec_receipts (self->account) != gtk_switch_get_active (self->receipts_switch))
    {
      casella_account_set_pec (self->account, gtk_switch_get_active (self->pec_switch));
      casella_account_set_show_pec_receipts (self->account, gtk_switch_get_active (self->receipts_switch));
      /* The sync reads the mail again the PEC way (or back). */
      if (self->session != NULL)
        casella_mail_session_refresh (self->session);
    }
  casella_account_store_changed (self->accounts, self->account);
  g_clear_handle_id (&self->save_source, g_source_remove);
  self->save_source = g_timeout_add (SAVE_DELAY_MS, save_now, self);
}

/* ---- folders for reading offline ---- */

static void on_changed (CasellaAccountSettings *self);

static void
on_offline_toggled (GtkSwitch              *button,
                    GParamSpec             *pspec,
                    CasellaAccountSettings *self)
{
  casella_account_set_folder_offline (self->account, g_object_get_data (G_OBJECT (button), "casella-path"),
                                      gtk_switch_get_active (button));
  on_changed (self);
}

static GtkWidget *
offline_folder_row (CasellaAccountSettings   *self,
                    const CasellaStoreFolder *folder)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_switch_new ();
  const char *name = casella_folder_display_name (folder);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_switch_set_active (GTK_SWITCH (button), casella_account_get_folder_offline (self->account, folder->path));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  g_object_set_data_full (G_OBJECT (button), "casella-path", g_strdup (folder->path), g_free);
  g_signal_connect (button, "notify::active", G_CALLBACK (on_offline_toggled), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
  return row;
}

/* The Inbox first, as in the window. */
static int
inbox_first (gconstpointer a,
             gconstpointer b)
{
  const CasellaStoreFolder *x = *(CasellaStoreFolder * const *) a, *y = *(CasellaStoreFolder * const *) b;

  if ((x->role == CASELLA_FOLDER_ROLE_INBOX) != (y->role == CASELLA_FOLDER_ROLE_INBOX))
    return x->role == CASELLA_FOLDER_ROLE_INBOX ? -1 : 1;
  return g_utf8_collate (casella_folder_display_name (x), casella_folder_display_name (y));
}

/* The server's folders that can be opened; the Outbox lives only here. */
static void
show_offline_folders (CasellaAccountSettings *self)
{
  CasellaStore *store = self->session ? casella_mail_session_get_store (self->session) : NULL;
  g_autoptr(GPtrArray) folders = store ? casella_store_list_folders (store, NULL) : NULL;

  for (guint i = 0; i < self->offline_rows->len; i++)
    adw_expander_row_remove (self->offline_row, self->offline_rows->pdata[i]);
  g_ptr_array_set_size (self->offline_rows, 0);
  if (folders != NULL)
    g_ptr_array_sort (folders, inbox_first);
  for (guint i = 0; folders != NULL && i < folders->len; i++)
    {
      const CasellaStoreFolder *folder = folders->pdata[i];
      GtkWidget *row;

      if (folder->flags & (CASELLA_FOLDER_LOCAL | CASELLA_FOLDER_NOSELECT))
        continue;
      row = offline_folder_row (self, folder);
      adw_expander_row_add_row (self->offline_row, row);
      g_ptr_array_add (self->offline_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->offline_row),
                          casella_account_get_incoming (self->account)->protocol == CASELLA_PROTOCOL_IMAP &&
                          self->offline_rows->len > 0);
}

/* ---- other addresses ---- */

static void on_changed (CasellaAccountSettings *self);
static void show_addresses (CasellaAccountSettings *self);

static void
on_remove_address (GtkButton              *button,
                   CasellaAccountSettings *self)
{
  casella_account_remove_identity (self->account, g_object_get_data (G_OBJECT (button), "casella-address"));
  show_addresses (self);
  on_changed (self);
}

static void
show_addresses (CasellaAccountSettings *self)
{
  GPtrArray *identities = casella_account_get_identities (self->account);

  for (guint i = 0; i < self->address_rows->len; i++)
    adw_preferences_group_remove (self->addresses_group, self->address_rows->pdata[i]);
  g_ptr_array_set_size (self->address_rows, 0);
  for (guint i = 0; i < identities->len; i++)
    {
      CasellaIdentity *identity = identities->pdata[i];
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
      /* Translators: a button's name for screen readers, %s is an address */
      g_autofree char *label = g_strdup_printf (_("Remove %s"), identity->address);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), identity->address);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), identity->name ? identity->name : "");
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_tooltip_text (remove, _("Remove"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      g_object_set_data_full (G_OBJECT (remove), "casella-address", g_strdup (identity->address), g_free);
      g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_address), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
      adw_preferences_group_add (self->addresses_group, row);
      g_ptr_array_add (self->address_rows, row);
    }
}

static gboolean
looks_like_address (const char *text)
{
  const char *at = strchr (text, '@');

  return at != NULL && at > text && strchr (at + 1, '.') != NULL && strpbrk (text, " ,;<>") == NULL;
}

static void
on_new_address_changed (GtkEditable      *entry,
                        AdwMessageDialog *dialog)
{
  adw_message_dialog_set_response_enabled (dialog, "add", looks_like_address (gtk_editable_get_text (entry)));
}

static void
on_add_response (AdwMessageDialog       *dialog,
                 const char             *response,
                 CasellaAccountSettings *self)
{
  GtkEditable *address = g_object_get_data (G_OBJECT (dialog), "casella-address");
  GtkEditable *name = g_object_get_data (G_OBJECT (dialog), "casella-name");
  GtkEditable *signature = g_object_get_data (G_OBJECT (dialog), "casella-signature");
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (address)));

  if (!g_str_equal (response, "add") || !looks_like_address (text))
    return;
  casella_account_add_identity (self->account, text, gtk_editable_get_text (name), gtk_editable_get_text (signature));
  show_addresses (self);
  on_changed (self);
}

static void
add_address_action (GtkWidget  *widget,
                    const char *action,
                    GVariant   *parameter)
{
  CasellaAccountSettings *self = CASELLA_ACCOUNT_SETTINGS (widget);
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Add an Address"),
    _("Another address of this account that you send from, such as an alias your provider gives you.")));
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *address = adw_entry_row_new ();
  GtkWidget *name = adw_entry_row_new ();
  GtkWidget *signature = adw_entry_row_new ();

  gtk_widget_add_css_class (list, "boxed-list");
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (address), _("Email address"));
  adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (address), GTK_INPUT_PURPOSE_EMAIL);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (name), _("Name people see (optional)"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (signature), _("Its signature (optional: else the account’s)"));
  gtk_list_box_append (GTK_LIST_BOX (list), address);
  gtk_list_box_append (GTK_LIST_BOX (list), name);
  gtk_list_box_append (GTK_LIST_BOX (list), signature);
  casella_ui_label_entry_rows (list);
  adw_message_dialog_set_extra_child (dialog, list);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "add", _("_Add"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "add", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (dialog, "add", FALSE);
  adw_message_dialog_set_default_response (dialog, "add");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data (G_OBJECT (dialog), "casella-address", address);
  g_object_set_data (G_OBJECT (dialog), "casella-name", name);
  g_object_set_data (G_OBJECT (dialog), "casella-signature", signature);
  g_signal_connect (address, "changed", G_CALLBACK (on_new_address_changed), dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_add_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- showing ---- */

static char *
describe_server (const CasellaServerConfig *server)
{
  const char *security = server->security == CASELLA_SECURITY_TLS ? _("SSL/TLS")
                         : server->security == CASELLA_SECURITY_STARTTLS ? _("STARTTLS") : _("no encryption");

  /* Translators: "imap.example.com, port 993, SSL/TLS (IMAP)" */
  return g_strdup_printf (_("%s, port %u, %s (%s)"), server->host, server->port, security,
                          server->protocol == CASELLA_PROTOCOL_IMAP ? "IMAP"
                          : server->protocol == CASELLA_PROTOCOL_POP3 ? "POP3" : "SMTP");
}

/* The choice nearest to value (set elsewhere, it may be another). */
static guint
nearest (const guint *choices,
         guint        n_choices,
         guint        value)
{
  guint best = 0;

  for (guint i = 1; i < n_choices; i++)
    if (ABS ((int) choices[i] - (int) value) < ABS ((int) choices[best] - (int) value))
      best = i;
  return best;
}

static void
load (CasellaAccountSettings *self)
{
  CasellaServerConfig *incoming = casella_account_get_incoming (self->account);
  CasellaServerConfig *outgoing = casella_account_get_outgoing (self->account);
  const char *name = casella_account_get_display_name (self->account);
  const char *signature = casella_account_get_signature (self->account);
  g_autofree char *in = describe_server (incoming);
  g_autofree char *out = outgoing ? describe_server (outgoing) : NULL;
  guint days = 30;
  CasellaPop3Policy policy = casella_account_get_pop3_policy (self->account, &days);

  self->loading = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name ? name : "");
  gtk_editable_set_text (GTK_EDITABLE (self->reply_to_row),
                         casella_account_get_reply_to (self->account) ? casella_account_get_reply_to (self->account) : "");
  show_addresses (self);
  adw_action_row_set_subtitle (self->address_row, casella_account_get_address (self->account));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->signature_view), signature ? signature : "", -1);
  gtk_widget_set_visible (GTK_WIDGET (self->copies_row), incoming->protocol == CASELLA_PROTOCOL_POP3);
  gtk_widget_set_visible (GTK_WIDGET (self->download_row), incoming->protocol == CASELLA_PROTOCOL_IMAP);
  show_offline_folders (self);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->check_row), incoming->protocol == CASELLA_PROTOCOL_IMAP
                              ? _("New mail in the Inbox comes at once when the server allows it; the rest is looked "
                                  "at this often.") : "");
  adw_combo_row_set_selected (self->check_row, nearest (check_minutes, G_N_ELEMENTS (check_minutes),
                                                        casella_account_get_check_minutes (self->account)));
  adw_combo_row_set_selected (self->download_row, casella_account_get_download_ahead (self->account));
  adw_combo_row_set_selected (self->undo_row, nearest (undo_seconds, G_N_ELEMENTS (undo_seconds),
                                                       casella_account_get_undo_seconds (self->account)));
  gtk_switch_set_active (self->pec_switch, casella_account_get_pec (self->account));
  gtk_switch_set_active (self->receipts_switch, casella_account_get_show_pec_receipts (self->account));
  adw_combo_row_set_selected (self->copies_row, policy);
  gtk_spin_button_set_value (self->days_spin, days > 0 ? days : 30);
  adw_action_row_set_subtitle (self->incoming_row, in);
  adw_action_row_set_subtitle (self->outgoing_row, out ? out : "");
  /* Signed in through the provider's page: its servers are the provider's. */
  gtk_widget_set_visible (self->change_servers_row, casella_account_get_oauth2_provider (self->account) == NULL);
  on_changed (self);
  self->loading = FALSE;
}

/* ---- the servers ---- */

static void
on_servers_saved (CasellaServersDialog   *dialog,
                  CasellaAccountSettings *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  /* The session's connections were made to the old ones. */
  if (CASELLA_IS_APPLICATION (app))
    casella_application_restart_session (CASELLA_APPLICATION (app), casella_account_get_id (self->account));
  load (self);
  toast (self, _("The new server settings work and are saved."));
}

static void
change_servers_action (GtkWidget  *widget,
                       const char *action,
                       GVariant   *parameter)
{
  CasellaAccountSettings *self = CASELLA_ACCOUNT_SETTINGS (widget);
  CasellaServersDialog *dialog;

  if (self->session == NULL)
    return;
  dialog = casella_servers_dialog_new (GTK_WINDOW (self), self->accounts, self->account, self->session);
  g_signal_connect_object (dialog, "saved", G_CALLBACK (on_servers_saved), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- removing ---- */

static void ask_to_remove (CasellaAccountSettings *self);

static void
on_removed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CasellaAccountSettings) self = user_data;
  g_autoptr(GError) error = NULL;
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  if (!casella_application_remove_account_finish (CASELLA_APPLICATION (source), result, &error))
    {
      toast (self, _("The account wasn’t removed: the keyring didn’t answer. Unlock it, then try again."));
      return;
    }
  if (CASELLA_IS_WINDOW (parent))
    {
      /* Translators: %s is an email address */
      g_autofree char *text = g_strdup_printf (_("%s is removed from Casella. Its mail on the server is still "
                                                 "there."), casella_account_get_address (self->account));
      casella_window_show_toast (CASELLA_WINDOW (parent), casella_toast_new (text));
    }
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
remove_account (CasellaAccountSettings *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  g_return_if_fail (CASELLA_IS_APPLICATION (app));
  casella_application_remove_account_async (CASELLA_APPLICATION (app), casella_account_get_id (self->account),
                                            on_removed, g_object_ref (self));
}

static void
on_copy_saved (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CasellaAccountSettings) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 written = casella_mail_session_export_finish (CASELLA_MAIL_SESSION (source), result, &error);

  g_clear_object (&self->cancellable);
  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  if (written < 0)
    {
      g_clear_pointer (&self->copy_name, g_free);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, _("The copy wasn’t saved, so nothing was removed. Check that the disk isn’t full."));
      return;
    }
  ask_to_remove (self);
}

static void
on_copy_chosen (GtkNativeDialog        *dialog,
                int                     response,
                CasellaAccountSettings *self)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT && (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) != NULL &&
      self->session != NULL)
    {
      g_free (self->copy_name);
      self->copy_name = g_file_get_basename (file);
      self->cancellable = g_cancellable_new ();
      toast (self, _("Saving a copy of all the mail kept here…"));
      casella_mail_session_export_async (self->session, 0, file, NULL, NULL, self->cancellable, on_copy_saved,
                                         g_object_ref (self));
    }
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
save_copy_first (CasellaAccountSettings *self)
{
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (_("Save a Copy of the Mail"), GTK_WINDOW (self),
                                                              GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  const char *documents = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);
  g_autofree char *name = g_strdup_printf ("%s.mbox", casella_account_get_address (self->account));

  if (documents != NULL && g_file_test (documents, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GFile) start = g_file_new_for_path (documents);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), start, NULL);
    }
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (on_copy_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
on_remove_response (AdwMessageDialog       *dialog,
                    const char             *response,
                    CasellaAccountSettings *self)
{
  if (g_str_equal (response, "save"))
    save_copy_first (self);
  else if (g_str_equal (response, "remove"))
    remove_account (self);
}

/* "2 messages not sent yet, 1 draft": what only this computer has. */
static char *
describe_local (CasellaAccountSettings *self)
{
  CasellaStore *store = self->session ? casella_mail_session_get_store (self->session) : NULL;
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  CasellaLocalMail local;

  if (store == NULL ||
      !casella_store_count_local (store, casella_account_get_incoming (self->account)->protocol == CASELLA_PROTOCOL_POP3,
                                  &local, NULL))
    return NULL;
  if (local.unsent > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message not sent yet",
                                                          "%u messages not sent yet", local.unsent), local.unsent));
  if (local.drafts > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u draft", "%u drafts", local.drafts),
                                             local.drafts));
  if (local.other > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u other message",
                                                          "%u other messages", local.other), local.other));
  if (parts->len == 0)
    return NULL;
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (", ", (char **) parts->pdata);
}

static void
ask_to_remove (CasellaAccountSettings *self)
{
  const char *address = casella_account_get_address (self->account);
  g_autofree char *heading = g_strdup_printf (_("Remove %s?"), address);
  g_autofree char *local = describe_local (self);
  g_autoptr(GString) body = g_string_new (_("Your mail on the server stays there, and you can add this account "
                                            "again later. Casella forgets the password and deletes its copy of the "
                                            "mail on this computer."));
  AdwMessageDialog *dialog;

  g_string_append (body, "\n\n");
  if (local != NULL && self->copy_name != NULL)
    /* Translators: %s is a file's name */
    g_string_append_printf (body, _("A copy of the mail kept here is saved in %s."), self->copy_name);
  else if (local != NULL)
    /* Translators: %s lists mail, e.g. "2 messages not sent yet, 1 draft" */
    g_string_append_printf (body, _("Only this computer has some of it, and it would be lost: %s."), local);
  g_strchomp (body->str);
  g_string_set_size (body, strlen (body->str));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, body->str));
  adw_message_dialog_add_response (dialog, "cancel", _("_Cancel"));
  if (local != NULL && self->copy_name == NULL)
    adw_message_dialog_add_response (dialog, "save", _("_Save a Copy First"));
  adw_message_dialog_add_response (dialog, "remove", _("_Remove"));
  adw_message_dialog_set_response_appearance (dialog, "remove", ADW_RESPONSE_DESTRUCTIVE);
  if (local != NULL && self->copy_name == NULL)
    adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
remove_action (GtkWidget  *widget,
               const char *action,
               GVariant   *parameter)
{
  ask_to_remove (CASELLA_ACCOUNT_SETTINGS (widget));
}

/* ---- the object ---- */

static gboolean
casella_account_settings_close_request (GtkWindow *window)
{
  CasellaAccountSettings *self = CASELLA_ACCOUNT_SETTINGS (window);

  /* What was typed last is not lost to the delay. */
  if (self->save_source != 0)
    save (self);
  /* The text loses the focus before its window goes (GTK 4.8 warns of a
   * blinking cursor left without one). */
  gtk_window_set_focus (window, NULL);
  return GTK_WINDOW_CLASS (casella_account_settings_parent_class)->close_request (window);
}

static void
casella_account_settings_dispose (GObject *object)
{
  CasellaAccountSettings *self = CASELLA_ACCOUNT_SETTINGS (object);

  if (self->save_source != 0)
    save (self);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->accounts);
  g_clear_object (&self->account);
  g_clear_object (&self->session);
  g_clear_pointer (&self->copy_name, g_free);
  g_clear_pointer (&self->address_rows, g_ptr_array_unref);
  g_clear_pointer (&self->offline_rows, g_ptr_array_unref);
  G_OBJECT_CLASS (casella_account_settings_parent_class)->dispose (object);
}

static void
casella_account_settings_class_init (CasellaAccountSettingsClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = casella_account_settings_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = casella_account_settings_close_request;
  casella_ui_init ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/casellamail/Casella/window/casella-account-settings.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CasellaAccountSettings, name)
  BIND (name_row); BIND (address_row); BIND (reply_to_row); BIND (addresses_group); BIND (signature_view); BIND (receiving_group); BIND (check_row); BIND (download_row); BIND (offline_row); BIND (undo_row);
  BIND (copies_row); BIND (pec_switch); BIND (receipts_switch);
  BIND (days_row); BIND (days_spin); BIND (incoming_row); BIND (outgoing_row);
  BIND (change_servers_row);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_install_action (widget_class, "settings.remove", NULL, remove_action);
  gtk_widget_class_install_action (widget_class, "settings.add-address", NULL, add_address_action);
  gtk_widget_class_install_action (widget_class, "settings.change-servers", NULL, change_servers_action);
}

static void
casella_account_settings_init (CasellaAccountSettings *self)
{
  self->loading = TRUE;
  self->address_rows = g_ptr_array_new ();
  self->offline_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  casella_ui_label_entry_rows (GTK_WIDGET (self->name_row));
  casella_ui_label_entry_rows (GTK_WIDGET (self->reply_to_row));
}

CasellaAccountSettings *
casella_account_settings_new (GtkWindow           *parent,
                              CasellaAccountStore *accounts,
                              CasellaAccount      *account,
                              CasellaMailSession  *session)
{
  CasellaAccountSettings *self = g_object_new (CASELLA_TYPE_ACCOUNT_SETTINGS, "transient-for", parent,
                                               "application", gtk_window_get_application (parent), NULL);

  self->accounts = g_object_ref (accounts);
  self->account = g_object_ref (account);
  self->session = session ? g_object_ref (session) : NULL;
  load (self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->signature_view), "changed", G_CALLBACK (on_changed), self);
  return self;
}
