/* casella-composer.c — the composer window
 *
 * Nothing written is lost: a few seconds after each change, and when the
 * window closes, the message is saved to Drafts in the store (on this
 * computer, at once). Sending puts it in the outbox first, then asks the
 * session to send; if the server refuses, it stays there and the main
 * window says so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-address-completion.h"
#include "casella-composer.h"
#include "casella-gmime.h"
#include "casella-window.h"
#include "casella-mail-session-writes.h"
#include "casella-ui.h"

#define SAVE_DELAY_MS 3000

struct _CasellaComposer
{
  AdwWindow           parent_instance;

  CasellaMailSession *session;
  GPtrArray          *attachments;   /* CasellaAttachment */
  char               *in_reply_to;
  char               *references;
  CasellaDraftRef    *draft;          /* its id in Drafts, kept by the writer thread */
  guint               save_source;
  gboolean            sending;        /* handed to the outbox, or being */
  gboolean            changed;
  gboolean            without_attachment;   /* the user said: send it without one */
  char               *from_name;      /* who it is from: the account, or one of its other addresses */
  char               *from_address;
  char               *signature;      /* theirs, as put in the text */

  AdwToastOverlay    *toasts;
  AdwActionRow       *from_row;
  GtkDropDown        *from_choice;
  AdwEntryRow        *to_row;
  AdwEntryRow        *cc_row;
  AdwEntryRow        *bcc_row;
  AdwEntryRow        *subject_row;
  GtkToggleButton    *more_button;
  GtkLabel           *address_hint;
  GtkLabel           *pec_hint;
  GtkWidget          *pec_advanced;
  GtkDropDown        *pec_receipt;
  gboolean            pec;            /* from a certified email (PEC) account */
  GtkTextView        *body;
  GtkListBox         *attachments_list;
};

G_DEFINE_FINAL_TYPE (CasellaComposer, casella_composer, ADW_TYPE_WINDOW)

enum { SIGNAL_QUEUED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The PEC delivery receipts, as the receipt choice lists them. */
static const char *const receipt_kinds[] = { NULL, "breve", "sintetica" };

static const char *
text_of (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static char *
body_text (CasellaComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static char *
nonempty (const char *text)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text ? text : ""));

  return trimmed[0] ? g_steal_pointer (&trimmed) : NULL;
}

CasellaDraft *
casella_composer_get_draft (CasellaComposer *self)
{
  CasellaAccount *account = casella_mail_session_get_account (self->session);
  CasellaDraft *draft = casella_draft_new ();

  draft->from_name = g_strdup (self->from_name);
  draft->from_address = g_strdup (self->from_address);
  draft->reply_to = g_strdup (casella_account_get_reply_to (account));
  draft->to = nonempty (text_of (self->to_row));
  draft->cc = nonempty (text_of (self->cc_row));
  draft->bcc = self->pec ? NULL : nonempty (text_of (self->bcc_row));
  if (self->pec)
    draft->pec_receipt = g_strdup (receipt_kinds[gtk_drop_down_get_selected (self->pec_receipt) == 1 ? 1
                                                 : gtk_drop_down_get_selected (self->pec_receipt) == 2 ? 2 : 0]);
  draft->subject = g_strdup (text_of (self->subject_row));
  draft->body = body_text (self);
  draft->in_reply_to = g_strdup (self->in_reply_to);
  draft->references = g_strdup (self->references);
  for (guint i = 0; i < self->attachments->len; i++)
    {
      CasellaAttachment *a = self->attachments->pdata[i];
      g_ptr_array_add (draft->attachments, casella_attachment_new (a->filename, a->content_type, a->data));
    }
  return draft;
}

/* ---- drafts ---- */

/* Nothing worth a draft: no one to write to, no subject, no words. */
static gboolean
is_blank (CasellaComposer *self)
{
  g_autofree char *body = body_text (self);

  return text_of (self->to_row)[0] == '\0' && text_of (self->subject_row)[0] == '\0' &&
         g_strstrip (body)[0] == '\0' && self->attachments->len == 0;
}

static void
on_draft_saved (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CasellaComposer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (casella_mail_session_write_finish (CASELLA_MAIL_SESSION (source), result, &error) != 0)
    return;
  /* Still in the window (when it is still open): the person can try
   * again or copy it out. */
  self->changed = TRUE;
  if (self->toasts == NULL)
    {
      g_warning ("A draft could not be saved: %s", error->message);
      return;
    }
  text = g_strdup_printf (_("Could not save the draft: %s"), error->message);
  adw_toast_overlay_add_toast (self->toasts, casella_toast_new (text));
}

void
casella_composer_save_draft (CasellaComposer *self)
{
  g_autoptr(CasellaDraft) draft = NULL;
  g_autoptr(GBytes) raw = NULL;

  g_clear_handle_id (&self->save_source, g_source_remove);
  if (self->sending || !self->changed)
    return;
  draft = casella_composer_get_draft (self);
  raw = casella_draft_to_bytes (draft);
  self->changed = FALSE;
  casella_mail_session_save_draft_async (self->session, self->draft, raw, on_draft_saved, g_object_ref (self));
}

static gboolean
save_later (gpointer user_data)
{
  CasellaComposer *self = user_data;

  self->save_source = 0;
  casella_composer_save_draft (self);
  return G_SOURCE_REMOVE;
}

static void
changed (CasellaComposer *self)
{
  self->changed = TRUE;
  g_clear_handle_id (&self->save_source, g_source_remove);
  self->save_source = g_timeout_add (SAVE_DELAY_MS, save_later, self);
}

/* ---- addresses ---- */

static gboolean
check_row (AdwEntryRow *row,
           gboolean     may_be_empty,
           gboolean     strict)
{
  const char *text = text_of (row);
  /* While typing, only a finished-looking entry is judged (the focus is
   * in the row's text, never on the row itself). */
  gboolean typing = (gtk_widget_get_state_flags (GTK_WIDGET (row)) & GTK_STATE_FLAG_FOCUS_WITHIN) != 0;
  gboolean judge = strict || strchr (text, ',') != NULL || !typing;
  gboolean valid = casella_address_list_is_valid (text, may_be_empty) || (!strict && text[0] == '\0');

  if (judge && !valid)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  return valid;
}

static gboolean
check_addresses (CasellaComposer *self,
                 gboolean         strict)
{
  gboolean ok = check_row (self->to_row, FALSE, strict);

  ok = check_row (self->cc_row, TRUE, strict) && ok;
  ok = check_row (self->bcc_row, TRUE, strict) && ok;
  gtk_widget_set_visible (GTK_WIDGET (self->address_hint),
                          gtk_widget_has_css_class (GTK_WIDGET (self->to_row), "error") ||
                          gtk_widget_has_css_class (GTK_WIDGET (self->cc_row), "error") ||
                          gtk_widget_has_css_class (GTK_WIDGET (self->bcc_row), "error"));
  return ok;
}

/* ---- certified email (PEC) ---- */

/* The first recipient that does not look like a PEC address, or NULL. */
static char *
ordinary_recipient (CasellaComposer *self)
{
  AdwEntryRow *rows[] = { self->to_row, self->cc_row };

  for (guint r = 0; r < G_N_ELEMENTS (rows); r++)
    {
      g_autoptr(InternetAddressList) list = internet_address_list_parse (NULL, text_of (rows[r]));

      for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
        {
          InternetAddress *address = internet_address_list_get_address (list, i);
          const char *addr = INTERNET_ADDRESS_IS_MAILBOX (address)
                               ? internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address)) : NULL;

          if (addr != NULL && !casella_pec_address_looks_certified (addr))
            return g_strdup (addr);
        }
    }
  return NULL;
}

static void
show_pec_hint (CasellaComposer *self)
{
  g_autofree char *ordinary = self->pec ? ordinary_recipient (self) : NULL;
  g_autofree char *text = NULL;

  if (!self->pec)
    return;
  if (ordinary != NULL)
    /* Translators: %s is an e-mail address */
    text = g_strdup_printf (_("%s does not look like a PEC address: if it is not, it gets your message as ordinary "
                              "email and no delivery receipt will come for it."), ordinary);
  gtk_label_set_text (self->pec_hint, text ? text
                                           : _("Certified email: you will get an acceptance receipt, and a delivery "
                                               "receipt from each PEC address."));
  gtk_widget_set_visible (GTK_WIDGET (self->pec_hint), TRUE);
}

static void
on_more_toggled (CasellaComposer *self)
{
  /* PEC has no Bcc: every recipient is certified to the others. */
  gtk_widget_set_visible (GTK_WIDGET (self->bcc_row), !self->pec && gtk_toggle_button_get_active (self->more_button));
}

static void
set_up_pec (CasellaComposer *self)
{
  self->pec = casella_account_get_pec (casella_mail_session_get_account (self->session));
  gtk_widget_set_visible (self->pec_advanced, self->pec);
  if (self->pec)
    {
      gtk_button_set_label (GTK_BUTTON (self->more_button), _("Cc"));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->more_button), _("Add Cc"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->more_button), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Add Cc"),
                                      -1);
    }
  on_more_toggled (self);
  show_pec_hint (self);
}

/* Providers refuse more than 30 MB in all (size times recipients): said
 * before it goes, not after a refusal. */
static gboolean
too_big_for_pec (CasellaComposer *self,
                 GBytes          *raw,
                 guint            n_recipients)
{
  g_autofree char *size = NULL;
  g_autofree char *text = NULL;

  if (!self->pec || (guint64) g_bytes_get_size (raw) * MAX (n_recipients, 1) <= CASELLA_PEC_MAX_TOTAL_SIZE)
    return FALSE;
  size = g_format_size ((guint64) g_bytes_get_size (raw) * MAX (n_recipients, 1));
  /* Translators: %s is a size ("42 MB"); %u how many recipients */
  text = g_strdup_printf (ngettext ("Too big for certified email: %s in all for %u recipient, and providers take at "
                                    "most 30 MB. Attach less, or send it to fewer people at a time.",
                                    "Too big for certified email: %s in all for %u recipients, and providers take at "
                                    "most 30 MB. Attach less, or send it to fewer people at a time.", n_recipients),
                          size, n_recipients);
  adw_toast_overlay_add_toast (self->toasts, casella_toast_new (text));
  return TRUE;
}

static guint
count_recipients (const CasellaDraft *draft)
{
  const char *lists[] = { draft->to, draft->cc, draft->bcc };
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      g_autoptr(InternetAddressList) list = lists[i] ? internet_address_list_parse (NULL, lists[i]) : NULL;
      n += list ? (guint) internet_address_list_length (list) : 0;
    }
  return n;
}

static void
on_address_changed (CasellaComposer *self)
{
  check_addresses (self, FALSE);
  show_pec_hint (self);
  changed (self);
}

/* ---- attachments ---- */

static void
remove_attachment (GtkButton       *button,
                   CasellaComposer *self)
{
  CasellaAttachment *attachment = g_object_get_data (G_OBJECT (button), "casella-attachment");
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_LIST_BOX_ROW);

  gtk_list_box_remove (self->attachments_list, row);
  g_ptr_array_remove (self->attachments, attachment);
  gtk_widget_set_visible (GTK_WIDGET (self->attachments_list), self->attachments->len > 0);
  changed (self);
}

static void
show_attachment (CasellaComposer   *self,
                 CasellaAttachment *attachment)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("edit-delete-symbolic");
  g_autofree char *size = g_format_size (g_bytes_get_size (attachment->data));
  /* Translators: a button's description, %s is a file name */
  g_autofree char *label = g_strdup_printf (_("Remove %s"), attachment->filename);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), attachment->filename);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), size);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (remove, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_object_set_data (G_OBJECT (remove), "casella-attachment", attachment);
  g_signal_connect (remove, "clicked", G_CALLBACK (remove_attachment), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  gtk_list_box_append (self->attachments_list, row);
  gtk_widget_set_visible (GTK_WIDGET (self->attachments_list), TRUE);
}

static void
add_attachment (CasellaComposer   *self,
                CasellaAttachment *attachment)
{
  g_ptr_array_add (self->attachments, attachment);
  show_attachment (self, attachment);
}

typedef struct {
  CasellaComposer *self;
  GFile           *file;
} Loading;

static void
on_file_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Loading *loading = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *etag = NULL, *name = g_file_get_basename (loading->file);
  g_autoptr(GBytes) data = g_file_load_bytes_finish (G_FILE (source), result, &etag, &error);

  if (data != NULL)
    {
      g_autofree char *type = g_content_type_guess (name, g_bytes_get_data (data, NULL), g_bytes_get_size (data), NULL);
      g_autofree char *mime = g_content_type_get_mime_type (type);
      add_attachment (loading->self, casella_attachment_new (name, mime, data));
      changed (loading->self);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (_("Could not attach %s: %s"), name, error->message);
      adw_toast_overlay_add_toast (loading->self->toasts, casella_toast_new (text));
    }
  g_object_unref (loading->self);
  g_object_unref (loading->file);
  g_free (loading);
}

/* Read off the UI thread; attached when it is here. */
static void
attach_file (CasellaComposer *self,
             GFile           *file)
{
  Loading *loading = g_new0 (Loading, 1);

  loading->self = g_object_ref (self);
  loading->file = g_object_ref (file);
  g_file_load_bytes_async (loading->file, NULL, on_file_loaded, loading);
}

static void
on_files_chosen (GtkNativeDialog *dialog,
                 int              response,
                 CasellaComposer *self)
{
  g_autoptr(GListModel) files = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
  for (guint i = 0; files && i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr(GFile) file = g_list_model_get_item (files, i);
      attach_file (self, file);
    }
  g_object_unref (dialog);
}

/* Files dropped on the window (from Files, the desktop…) are attached. */
static gboolean
on_files_dropped (GtkDropTarget   *target,
                  const GValue    *value,
                  double           x,
                  double           y,
                  CasellaComposer *self)
{
  GSList *files = g_value_get_boxed (value);

  for (GSList *l = files; l != NULL; l = l->next)
    attach_file (self, l->data);
  return files != NULL;
}

static void
attach_action (GtkWidget  *widget,
               const char *action,
               GVariant   *parameter)
{
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (_("Attach Files"), GTK_WINDOW (widget),
                                                              GTK_FILE_CHOOSER_ACTION_OPEN, _("_Attach"),
                                                              _("_Cancel"));

  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (on_files_chosen), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ---- sending ---- */

/* Held for the account's time to undo (the window offers Undo), then sent. */
static void
offer_undo (CasellaComposer *self,
            gint64           id)
{
  guint seconds = casella_account_get_undo_seconds (casella_mail_session_get_account (self->session));
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  g_autofree char *subject = g_strdup (text_of (self->subject_row));

  if (seconds == 0)
    {
      casella_mail_session_send_outbox (self->session);
      return;
    }
  casella_mail_session_send_outbox_later (self->session, seconds);
  for (GList *l = app ? gtk_application_get_windows (app) : NULL; l != NULL; l = l->next)
    if (CASELLA_IS_WINDOW (l->data))
      {
        casella_window_offer_undo_send (l->data, self->session, id, subject, seconds);
        break;
      }
}

static void
on_queued (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(CasellaComposer) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 id = casella_mail_session_write_finish (CASELLA_MAIL_SESSION (source), result, &error);

  if (id == 0)
    {
      g_autofree char *text = g_strdup_printf (_("Could not send: %s"), error->message);

      self->sending = FALSE;
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.send", TRUE);
      adw_toast_overlay_add_toast (self->toasts, casella_toast_new (text));
      return;
    }
  offer_undo (self, id);
  g_signal_emit (self, signals[SIGNAL_QUEUED], 0, id);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_attachment_answer (AdwMessageDialog *dialog,
                      const char       *response,
                      CasellaComposer  *self)
{
  if (g_str_equal (response, "attach"))
    gtk_widget_activate_action (GTK_WIDGET (self), "composer.attach", NULL);
  else if (g_str_equal (response, "send"))
    {
      self->without_attachment = TRUE;
      gtk_widget_activate_action (GTK_WIDGET (self), "composer.send", NULL);
    }
}

/* "In allegato…" and nothing attached: asked once before it goes. */
static gboolean
attachment_forgotten (CasellaComposer *self)
{
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;

  if (self->without_attachment || self->attachments->len > 0)
    return FALSE;
  body = body_text (self);
  if (!casella_draft_mentions_attachment (body))
    return FALSE;
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Send Without an Attachment?"),
                                                       _("Your message says a file is attached, but there is none.")));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "send", _("_Send Anyway"),
                                    "attach", _("_Attach a File…"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "attach", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "attach");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_attachment_answer), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

static void
send_action (GtkWidget  *widget,
             const char *action,
             GVariant   *parameter)
{
  CasellaComposer *self = CASELLA_COMPOSER (widget);
  g_autoptr(CasellaDraft) draft = NULL;
  g_autoptr(GBytes) raw = NULL;

  if (self->sending)
    return;
  if (!check_addresses (self, TRUE))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->to_row));
      return;
    }
  if (attachment_forgotten (self))
    return;
  draft = casella_composer_get_draft (self);
  raw = casella_draft_to_bytes (draft);
  if (too_big_for_pec (self, raw, count_recipients (draft)))
    return;
  /* In the outbox first: from there on the message cannot be lost. Once
   * asked, never asked twice: a second click waits for the first. */
  self->sending = TRUE;
  gtk_widget_action_set_enabled (widget, "composer.send", FALSE);
  g_clear_handle_id (&self->save_source, g_source_remove);
  casella_mail_session_queue_delayed_async (self->session, self->draft, raw,
                                            casella_account_get_undo_seconds (casella_mail_session_get_account (self->session)),
                                            on_queued, g_object_ref (self));
}

static gboolean
casella_composer_close_request (GtkWindow *window)
{
  CasellaComposer *self = CASELLA_COMPOSER (window);

  /* Closed without sending: whatever was written goes to Drafts (the
   * writer thread finishes it, even after the window is gone). */
  if (!self->sending && self->changed && !is_blank (self))
    casella_composer_save_draft (self);
  return GTK_WINDOW_CLASS (casella_composer_parent_class)->close_request (window);
}

/* ---- who it is from ---- */

static void on_from_chosen (CasellaComposer *self);

/* "Name <address>", as the From row shows it. */
static char *
mailbox_text (const char *name,
              const char *address)
{
  return name ? g_strdup_printf ("%s <%s>", name, address) : g_strdup (address);
}

/* The account itself (index 0), or its other address at index. */
static void
set_from (CasellaComposer *self,
          guint            index)
{
  CasellaAccount *account = casella_mail_session_get_account (self->session);
  GPtrArray *identities = casella_account_get_identities (account);
  CasellaIdentity *identity = index > 0 && index <= identities->len ? identities->pdata[index - 1] : NULL;
  g_autofree char *shown = NULL;

  g_free (self->from_name);
  g_free (self->from_address);
  g_free (self->signature);
  /* An address of its own, with the account's name when it has none. */
  self->from_name = g_strdup (identity && identity->name ? identity->name : casella_account_get_display_name (account));
  self->from_address = g_strdup (identity ? identity->address : casella_account_get_address (account));
  self->signature = g_strdup (identity && identity->signature ? identity->signature
                                                              : casella_account_get_signature (account));
  shown = mailbox_text (self->from_name, self->from_address);
  adw_action_row_set_subtitle (self->from_row, gtk_widget_get_visible (GTK_WIDGET (self->from_choice)) ? "" : shown);
}

/* address: the one a reply or a draft was from, if one of ours. */
static void
choose_from (CasellaComposer *self,
             const char      *address)
{
  CasellaAccount *account = casella_mail_session_get_account (self->session);
  GPtrArray *identities = casella_account_get_identities (account);
  g_autoptr(GtkStringList) choices = gtk_string_list_new (NULL);
  guint chosen = 0;
  g_autofree char *own = mailbox_text (casella_account_get_display_name (account), casella_account_get_address (account));

  gtk_string_list_append (choices, own);
  for (guint i = 0; i < identities->len; i++)
    {
      CasellaIdentity *identity = identities->pdata[i];
      g_autofree char *text = mailbox_text (identity->name ? identity->name : casella_account_get_display_name (account),
                                            identity->address);

      gtk_string_list_append (choices, text);
      if (address != NULL && g_ascii_strcasecmp (address, identity->address) == 0)
        chosen = i + 1;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->from_choice), identities->len > 0);
  g_signal_handlers_block_by_func (self->from_choice, on_from_chosen, self);
  gtk_drop_down_set_model (self->from_choice, G_LIST_MODEL (choices));
  gtk_drop_down_set_selected (self->from_choice, chosen);
  g_signal_handlers_unblock_by_func (self->from_choice, on_from_chosen, self);
  set_from (self, chosen);
}

/* Another address chosen: its signature replaces the one in the text. */
static void
on_from_chosen (CasellaComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body);
  g_autofree char *old = self->signature ? g_strdup_printf ("-- \n%s", self->signature) : NULL;
  g_autofree char *text = body_text (self);
  char *at;

  set_from (self, gtk_drop_down_get_selected (self->from_choice));
  if (old != NULL && (at = strstr (text, old)) != NULL)
    {
      g_autofree char *now = self->signature ? g_strdup_printf ("-- \n%s", self->signature) : g_strdup ("");
      g_autoptr(GString) body = g_string_new_len (text, at - text);

      g_string_append (body, now);
      g_string_append (body, at + strlen (old));
      gtk_text_buffer_set_text (buffer, body->str, -1);
    }
  self->changed = TRUE;
}

/* ---- the window ---- */

static void
fill (CasellaComposer    *self,
      const CasellaDraft *draft,
      gboolean            fresh)
{
  const char *signature;
  g_autofree char *body = NULL;

  choose_from (self, draft ? draft->from_address : NULL);
  signature = self->signature;
  if (draft != NULL)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->to_row), draft->to ? draft->to : "");
      gtk_editable_set_text (GTK_EDITABLE (self->cc_row), draft->cc ? draft->cc : "");
      for (guint i = 1; i < G_N_ELEMENTS (receipt_kinds); i++)
        if (g_strcmp0 (draft->pec_receipt, receipt_kinds[i]) == 0)
          gtk_drop_down_set_selected (self->pec_receipt, i);
      gtk_editable_set_text (GTK_EDITABLE (self->bcc_row), draft->bcc ? draft->bcc : "");
      gtk_editable_set_text (GTK_EDITABLE (self->subject_row), draft->subject ? draft->subject : "");
      self->in_reply_to = g_strdup (draft->in_reply_to);
      self->references = g_strdup (draft->references);
      for (guint i = 0; i < draft->attachments->len; i++)
        {
          CasellaAttachment *a = draft->attachments->pdata[i];
          add_attachment (self, casella_attachment_new (a->filename, a->content_type, a->data));
        }
      gtk_toggle_button_set_active (self->more_button, (draft->cc && draft->cc[0]) || (draft->bcc && draft->bcc[0]));
    }
  /* The signature goes above a quote, where a reply is written. */
  body = fresh && signature ? g_strdup_printf ("\n\n-- \n%s%s", signature, draft && draft->body ? draft->body : "")
                            : g_strdup (draft && draft->body ? draft->body : "");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body), body, -1);
  {
    GtkTextIter start;
    gtk_text_buffer_get_start_iter (gtk_text_view_get_buffer (self->body), &start);
    gtk_text_buffer_place_cursor (gtk_text_view_get_buffer (self->body), &start);
  }
  self->changed = FALSE;
}

static void
casella_composer_dispose (GObject *object)
{
  CasellaComposer *self = CASELLA_COMPOSER (object);

  g_clear_handle_id (&self->save_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), CASELLA_TYPE_COMPOSER);
  g_clear_object (&self->session);
  g_clear_pointer (&self->draft, casella_draft_ref_unref);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_clear_pointer (&self->in_reply_to, g_free);
  g_clear_pointer (&self->from_name, g_free);
  g_clear_pointer (&self->from_address, g_free);
  g_clear_pointer (&self->signature, g_free);
  g_clear_pointer (&self->references, g_free);

  G_OBJECT_CLASS (casella_composer_parent_class)->dispose (object);
}

static void
casella_composer_class_init (CasellaComposerClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = casella_composer_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = casella_composer_close_request;

  /* The message is in the outbox (its id). */
  signals[SIGNAL_QUEUED] = g_signal_new ("queued", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  casella_ui_init ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/casellamail/Casella/composer/casella-composer.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CasellaComposer, name)
  BIND (pec_hint); BIND (pec_advanced); BIND (pec_receipt); BIND (toasts); BIND (from_row); BIND (from_choice); BIND (to_row); BIND (cc_row); BIND (bcc_row);
  BIND (subject_row); BIND (more_button); BIND (address_hint); BIND (body);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_from_chosen);
  gtk_widget_class_bind_template_child_full (widget_class, "attachments", FALSE,
                                             G_STRUCT_OFFSET (CasellaComposer, attachments_list));
  gtk_widget_class_install_action (widget_class, "composer.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "composer.attach", NULL, attach_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "composer.send", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
casella_composer_init (CasellaComposer *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  {
    GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

    g_signal_connect (drop, "drop", G_CALLBACK (on_files_dropped), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  }
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_attachment_free);
  casella_ui_label_entry_rows (GTK_WIDGET (self));
  g_signal_connect_swapped (self->to_row, "changed", G_CALLBACK (on_address_changed), self);
  g_signal_connect_swapped (self->cc_row, "changed", G_CALLBACK (on_address_changed), self);
  g_signal_connect_swapped (self->bcc_row, "changed", G_CALLBACK (on_address_changed), self);
  g_signal_connect_swapped (self->more_button, "notify::active", G_CALLBACK (on_more_toggled), self);
  g_signal_connect_swapped (self->pec_receipt, "notify::selected", G_CALLBACK (changed), self);
  g_signal_connect_swapped (self->subject_row, "changed", G_CALLBACK (changed), self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->body), "changed", G_CALLBACK (changed), self);
}

CasellaComposer *
casella_composer_new (GtkApplication     *application,
                      CasellaMailSession *session,
                      const CasellaDraft *draft,
                      gint64              draft_id)
{
  CasellaComposer *self = g_object_new (CASELLA_TYPE_COMPOSER, "application", application, NULL);

  self->session = g_object_ref (session);
  self->draft = casella_draft_ref_new (draft_id);
  {
    AdwEntryRow *rows[] = { self->to_row, self->cc_row, self->bcc_row };
    const char *own = casella_account_get_address (casella_mail_session_get_account (session));

    for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
      casella_address_completion_attach (rows[i], casella_mail_session_get_store (session), own);
  }
  fill (self, draft, draft_id == 0);
  set_up_pec (self);
  if (draft == NULL || draft->to == NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->to_row));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->body));
  return self;
}
