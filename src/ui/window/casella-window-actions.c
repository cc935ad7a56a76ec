/* casella-window-actions.c — what can be done to mail from the window
 *
 * Every change goes to the store at once, on the session's writer
 * thread; what follows (the next row selected, a toast) comes when it is
 * written. Moves and deletes show a toast with Undo, and reach the
 * server only when that toast is gone, so an undo never has to chase the
 * server. Other changes go at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-composer.h"
#include "casella-gmime.h"
#include "casella-mail-session-writes.h"
#include "casella-message-compose.h"
#include "casella-store-actions.h"
#include "casella-ui.h"
#include "casella-account-settings.h"
#include "casella-window-private.h"

void
casella_window_changes_made (CasellaWindow *self)
{
  g_autoptr(GPtrArray) sessions = casella_window_sessions_on_show (self);

  for (guint i = 0; i < sessions->len; i++)
    casella_mail_session_changes_made (sessions->pdata[i]);
}

/* A change written: the server hears soon; a failure is said. */
static void
on_changed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CasellaWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (casella_mail_session_write_finish (CASELLA_MAIL_SESSION (source), result, &error) == 0)
    casella_window_add_toast (self, error->message);
  else
    casella_mail_session_changes_made (CASELLA_MAIL_SESSION (source));
}

void
casella_window_mark (CasellaWindow       *self,
                     CasellaMailSession  *session,
                     GArray              *ids,
                     CasellaMessageFlags  add,
                     CasellaMessageFlags  remove)
{
  casella_mail_session_mark_async (session, ids, add, remove, on_changed, g_object_ref (self));
}

static void
enable (CasellaWindow *self,
        const char    *name,
        gboolean       enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  if (action != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static gint64
folder_by_role (CasellaMailSession *session,
                CasellaFolderRole   role)
{
  g_autoptr(CasellaStoreFolder) folder = casella_store_find_folder_by_role (casella_mail_session_get_store (session),
                                                                            role);
  return folder ? folder->id : 0;
}

/* Every account in the selection has a folder for the role, and the
 * messages are not in it already. */
static gboolean
can_move_to_role (CasellaWindow     *self,
                  GPtrArray         *parts,
                  CasellaFolderRole  role)
{
  for (guint i = 0; i < parts->len; i++)
    {
      gint64 target = folder_by_role (((CasellaWindowPart *) parts->pdata[i])->session, role);
      if (target == 0 || (self->inboxes == NULL && target == self->folder_id))
        return FALSE;
    }
  return parts->len > 0;
}

void
casella_window_update_actions (CasellaWindow *self)
{
  g_autoptr(GPtrArray) parts = casella_window_selected_parts (self);
  gboolean some = parts->len > 0;
  gboolean one = parts->len == 1 && ((CasellaWindowPart *) parts->pdata[0])->ids->len == 1;

  enable (self, "compose", self->session != NULL);
  enable (self, "refresh", self->session != NULL);
  enable (self, "reply", one);
  enable (self, "reply-all", one);
  enable (self, "forward", one);
  enable (self, "print", one);
  enable (self, "delete", some);
  /* The folders offered are one account's. */
  enable (self, "move", parts->len == 1);
  enable (self, "toggle-read", some);
  enable (self, "toggle-star", some);
  enable (self, "archive", can_move_to_role (self, parts, CASELLA_FOLDER_ROLE_ARCHIVE));
  enable (self, "junk", can_move_to_role (self, parts, CASELLA_FOLDER_ROLE_JUNK));
  enable (self, "undo", self->undo != NULL);
  enable (self, "all-inboxes", self->accounts != NULL && g_list_model_get_n_items (G_LIST_MODEL (self->accounts)) > 1);
}

/* ---- moving, with undo ---- */

static void
undo_free (CasellaWindowUndo *undo)
{
  g_object_unref (undo->session);
  g_array_unref (undo->steps);
  g_free (undo);
}

static void
on_undo_toast_gone (AdwToast      *toast,
                    CasellaWindow *self)
{
  if (self->undo_toast == toast)
    {
      self->undo_toast = NULL;
      g_clear_pointer (&self->undo, g_ptr_array_unref);
      casella_window_update_actions (self);
    }
  casella_window_changes_made (self);
}

static void
offer_undo (CasellaWindow *self,
            GPtrArray     *undo,
            const char    *text)
{
  AdwToast *toast = casella_toast_new (text);

  /* An earlier move is final now: its toast goes. */
  casella_window_dismiss_toast (self, self->undo_toast);
  g_clear_pointer (&self->undo, g_ptr_array_unref);
  self->undo = g_ptr_array_ref (undo);
  self->undo_toast = toast;
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "win.undo");
  g_signal_connect (toast, "dismissed", G_CALLBACK (on_undo_toast_gone), self);
  /* Shown at once, ahead of any other notice: undo is now or never. */
  casella_window_show_toast (self, toast);
  casella_window_update_actions (self);
}

/* After the selected rows leave, the next one is selected. */
static guint
first_selected_position (CasellaWindow *self,
                         GPtrArray     *parts)
{
  CasellaWindowPart *part = parts->len ? parts->pdata[0] : NULL;
  int position = part ? casella_window_find_message (self, part->session, g_array_index (part->ids, gint64, 0)) : -1;

  return position < 0 ? 0 : (guint) position;
}

static void
after_removal (CasellaWindow *self,
               guint          position)
{
  GListModel *messages = casella_message_view_get_model (self->message_view);
  guint n = messages ? g_list_model_get_n_items (messages) : 0;

  if (n > 0)
    casella_message_view_select_position (self->message_view, MIN (position, n - 1));
}

/* One move of the selection: a part per account, one toast when all
 * are written. */
typedef struct {
  CasellaWindow *self;
  GPtrArray     *parts;       /* CasellaWindowPart */
  GPtrArray     *undo;        /* CasellaWindowUndo, as they are written */
  guint          waiting;
  GError        *error;       /* the first failure */
  char          *done_text;
} Moving;

static void
moving_free (Moving *moving)
{
  g_object_unref (moving->self);
  g_ptr_array_unref (moving->parts);
  g_ptr_array_unref (moving->undo);
  g_clear_error (&moving->error);
  g_free (moving->done_text);
  g_free (moving);
}

static void
on_moved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Moving *moving = user_data;
  GError *error = NULL;
  GArray *steps = casella_mail_session_move_finish (CASELLA_MAIL_SESSION (source), result, &error);

  for (guint i = 0; i < moving->parts->len; i++)
    {
      CasellaWindowPart *part = moving->parts->pdata[i];

      if (part->session != CASELLA_MAIL_SESSION (source))
        continue;
      /* Failed: the rows come back. */
      casella_message_list_unhide (part->list, part->ids);
      if (steps != NULL)
        {
          CasellaWindowUndo *undo = g_new0 (CasellaWindowUndo, 1);
          undo->session = g_object_ref (part->session);
          undo->steps = g_steal_pointer (&steps);
          g_ptr_array_add (moving->undo, undo);
        }
      break;
    }
  g_clear_pointer (&steps, g_array_unref);
  if (error != NULL && moving->error == NULL)
    moving->error = error;
  else
    g_clear_error (&error);
  if (--moving->waiting > 0)
    return;
  if (moving->error != NULL)
    casella_window_add_toast (moving->self, moving->error->message);
  if (moving->undo->len > 0)
    offer_undo (moving->self, moving->undo, moving->done_text);
  moving_free (moving);
}

/* Into a folder of one account (folder_id), or each account's folder for
 * the role (the Trash when none). */
static void
move_selected (CasellaWindow     *self,
               CasellaFolderRole  role,
               gint64             folder_id,
               const char        *done_text)
{
  g_autoptr(GPtrArray) parts = casella_window_selected_parts (self);
  Moving *moving;
  guint position;

  if (parts->len == 0 || (folder_id != 0 && parts->len != 1))
    return;
  moving = g_new0 (Moving, 1);
  moving->self = g_object_ref (self);
  moving->parts = g_ptr_array_ref (parts);
  moving->undo = g_ptr_array_new_with_free_func ((GDestroyNotify) undo_free);
  moving->waiting = parts->len;
  moving->done_text = g_strdup (done_text);
  /* The rows go at once and the next message opens; the store follows
   * on the session's writer, which may wait behind a sync's batch. */
  position = first_selected_position (self, parts);
  /* A conversation's row moves all of its messages in this folder. */
  for (guint i = 0; i < parts->len; i++)
    {
      CasellaWindowPart *part = parts->pdata[i];
      GArray *all = casella_message_list_expand (part->list, part->ids);

      g_array_unref (part->ids);
      part->ids = all;
    }
  for (guint i = 0; i < parts->len; i++)
    casella_message_list_hide (((CasellaWindowPart *) parts->pdata[i])->list, ((CasellaWindowPart *) parts->pdata[i])->ids);
  after_removal (self, position);
  for (guint i = 0; i < parts->len; i++)
    {
      CasellaWindowPart *part = parts->pdata[i];
      gint64 target = folder_id != 0 ? folder_id : role != CASELLA_FOLDER_ROLE_TRASH ? folder_by_role (part->session, role) : 0;

      casella_mail_session_move_async (part->session, part->ids, target, on_moved, moving);
    }
}

static guint
count_selected (GPtrArray *parts)
{
  guint n = 0;

  for (guint i = 0; i < parts->len; i++)
    n += ((CasellaWindowPart *) parts->pdata[i])->ids->len;
  return n;
}

static void
delete_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  CasellaWindow *self = user_data;
  g_autoptr(GPtrArray) parts = casella_window_selected_parts (self);
  guint n = count_selected (parts);
  gboolean in_trash = self->inboxes == NULL && self->folder_id != 0 &&
                      self->folder_id == casella_window_folder_by_role (self, CASELLA_FOLDER_ROLE_TRASH);

  move_selected (self, CASELLA_FOLDER_ROLE_TRASH, 0, in_trash ? ngettext ("Message deleted", "Messages deleted", n)
                                                              : ngettext ("Moved to the Trash", "Moved to the Trash", n));
}

static void
archive_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CasellaWindow *self = user_data;
  g_autoptr(GPtrArray) parts = casella_window_selected_parts (self);

  if (can_move_to_role (self, parts, CASELLA_FOLDER_ROLE_ARCHIVE))
    move_selected (self, CASELLA_FOLDER_ROLE_ARCHIVE, 0, _("Archived"));
}

static void
junk_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  CasellaWindow *self = user_data;
  g_autoptr(GPtrArray) parts = casella_window_selected_parts (self);

  if (can_move_to_role (self, parts, CASELLA_FOLDER_ROLE_JUNK))
    move_selected (self, CASELLA_FOLDER_ROLE_JUNK, 0, _("Moved to Junk"));
}

static void
on_undone (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(CasellaWindow) self = user_data;
  GArray *undo = casella_mail_session_write_get_data (result);
  g_autoptr(GError) error = NULL;

  if (casella_mail_session_write_finish (CASELLA_MAIL_SESSION (source), result, &error) == 0)
    casella_window_add_toast (self, error->message);
  else if (undo->len > 0)
    casella_window_select_message (self, CASELLA_MAIL_SESSION (source),
                                   g_array_index (undo, CasellaUndoStep, 0).message_id);
}

static void
undo_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  CasellaWindow *self = user_data;
  g_autoptr(GPtrArray) undo = g_steal_pointer (&self->undo);

  if (undo == NULL)
    return;
  for (guint i = 0; i < undo->len; i++)
    {
      CasellaWindowUndo *each = undo->pdata[i];
      casella_mail_session_undo_async (each->session, each->steps, on_undone, g_object_ref (self));
    }
  casella_window_dismiss_toast (self, self->undo_toast);
  casella_window_update_actions (self);
}

/* ---- Move to Folder… ---- */

static gboolean
destroy_later (gpointer window)
{
  gtk_window_destroy (window);
  return G_SOURCE_REMOVE;
}

static void
on_move_target (GtkListBox    *list,
                GtkListBoxRow *row,
                CasellaWindow *self)
{
  gint64 folder_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (row), "casella-folder"));
  CasellaMailSession *session = g_object_get_data (G_OBJECT (list), "casella-session");
  g_autoptr(CasellaStoreFolder) folder = casella_store_get_folder (casella_mail_session_get_store (session), folder_id);
  /* Translators: a toast after moving mail, %s is a folder */
  g_autofree char *text = g_strdup_printf (_("Moved to %s"), folder ? casella_folder_display_name (folder) : "");

  GtkWindow *dialog = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (list)));

  /* Not destroyed inside its own list's signal: hidden now, gone later. */
  gtk_widget_set_visible (GTK_WIDGET (dialog), FALSE);
  g_idle_add_full (G_PRIORITY_DEFAULT, destroy_later, g_object_ref (dialog), g_object_unref);
  move_selected (self, CASELLA_FOLDER_ROLE_NONE, folder_id, text);
}

/* The folders of the account the selection is in. */
/* The selection into a folder of the account on show (a drop). */
static void
move_to_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CasellaWindow *self = user_data;
  g_autoptr(GPtrArray) parts = casella_window_selected_parts (self);
  g_autoptr(CasellaStoreFolder) folder = self->session ? casella_store_get_folder (
    casella_mail_session_get_store (self->session), g_variant_get_int64 (parameter)) : NULL;
  g_autofree char *text = NULL;

  if (folder == NULL || parts->len != 1 || ((CasellaWindowPart *) parts->pdata[0])->session != self->session)
    return;
  /* Translators: a toast after moving mail, %s is a folder */
  text = g_strdup_printf (_("Moved to %s"), casella_folder_display_name (folder));
  move_selected (self, CASELLA_FOLDER_ROLE_NONE, folder->id, text);
}

static GtkWidget *
folder_choices (CasellaWindow      *self,
                CasellaMailSession *session)
{
  GtkWidget *list = gtk_list_box_new ();
  g_autoptr(CasellaFolderList) own = session != self->session || self->folders == NULL
    ? casella_folder_list_new (casella_mail_session_get_store (session)) : NULL;
  GListModel *folders = G_LIST_MODEL (own ? own : self->folders);
  gint64 current = self->inboxes ? folder_by_role (session, CASELLA_FOLDER_ROLE_INBOX) : self->folder_id;

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Folders"), -1);
  for (guint i = 0; folders && i < g_list_model_get_n_items (folders); i++)
    {
      g_autoptr(CasellaFolderItem) item = g_list_model_get_item (folders, i);
      const CasellaStoreFolder *folder = casella_folder_item_get_folder (item);
      GtkWidget *row;

      if (!casella_folder_item_get_selectable (item) || folder->id == current ||
          folder->role == CASELLA_FOLDER_ROLE_OUTBOX)
        continue;
      row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), casella_folder_display_name (folder));
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name (casella_folder_role_icon (folder->role)));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data (G_OBJECT (row), "casella-folder", GSIZE_TO_POINTER ((gsize) folder->id));
      gtk_list_box_append (GTK_LIST_BOX (list), row);
    }
  g_object_set_data_full (G_OBJECT (list), "casella-session", g_object_ref (session), g_object_unref);
  g_signal_connect (list, "row-activated", G_CALLBACK (on_move_target), self);
  return list;
}

static void
move_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  CasellaWindow *self = user_data;
  g_autoptr(GPtrArray) parts = casella_window_selected_parts (self);
  GtkWidget *dialog, *box, *scroller, *clamp, *list;
  GtkEventController *keys;

  if (parts->len != 1)
    return;
  dialog = adw_window_new ();
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  scroller = gtk_scrolled_window_new ();
  clamp = adw_clamp_new ();
  list = folder_choices (self, ((CasellaWindowPart *) parts->pdata[0])->session);
  keys = gtk_shortcut_controller_new ();

  gtk_window_set_title (GTK_WINDOW (dialog), _("Move to Folder"));
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  gtk_window_set_default_size (GTK_WINDOW (dialog), 360, 480);
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_widget_set_margin_top (list, 12);
  gtk_widget_set_margin_bottom (list, 12);
  gtk_widget_set_margin_start (list, 12);
  gtk_widget_set_margin_end (list, 12);
  adw_clamp_set_child (ADW_CLAMP (clamp), list);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), clamp);
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (box), scroller);
  adw_window_set_content (ADW_WINDOW (dialog), box);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (dialog, keys);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (list);
}

/* ---- flags ---- */

static gboolean
any_without (GPtrArray           *parts,
             CasellaMessageFlags  flag)
{
  for (guint p = 0; p < parts->len; p++)
    {
      CasellaWindowPart *part = parts->pdata[p];
      CasellaStore *store = casella_mail_session_get_store (part->session);

      for (guint i = 0; i < part->ids->len; i++)
        {
          g_autoptr(CasellaMessageInfo) info = casella_store_get_message (store, g_array_index (part->ids, gint64, i));
          if (info != NULL && !(info->flags & flag))
            return TRUE;
        }
    }
  return FALSE;
}

/* Stars and read marks are a message's: with one conversation open, the
 * message open in the reader's. */
static void
flag_open_message (CasellaWindow *self,
                   GPtrArray     *parts)
{
  CasellaWindowPart *part = parts->len == 1 ? parts->pdata[0] : NULL;
  GPtrArray *conversation = casella_reader_get_conversation (self->reader);
  gint64 open = casella_reader_get_message (self->reader);
  gboolean shown = FALSE;

  if (part == NULL || part->ids->len != 1 || conversation == NULL || open == 0 ||
      casella_reader_get_session (self->reader) != part->session)
    return;
  for (guint i = 0; i < conversation->len; i++)
    shown |= ((CasellaMessageInfo *) conversation->pdata[i])->id == g_array_index (part->ids, gint64, 0);
  if (shown)
    g_array_index (part->ids, gint64, 0) = open;
}

/* Any selected message without the flag gets it; else all lose it. */
static void
toggle_flag (CasellaWindow       *self,
             CasellaMessageFlags  flag)
{
  g_autoptr(GPtrArray) parts = casella_window_selected_parts (self);
  gboolean add;

  flag_open_message (self, parts);
  add = any_without (parts, flag);

  for (guint i = 0; i < parts->len; i++)
    casella_window_mark (self, ((CasellaWindowPart *) parts->pdata[i])->session,
                         ((CasellaWindowPart *) parts->pdata[i])->ids, add ? flag : 0, add ? 0 : flag);
}

static void
toggle_read_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  toggle_flag (user_data, CASELLA_MESSAGE_SEEN);
}

static void
toggle_star_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  toggle_flag (user_data, CASELLA_MESSAGE_FLAGGED);
}

/* ---- writing ---- */

static void
open_composer (CasellaWindow      *self,
               CasellaMailSession *session,
               const CasellaDraft *draft)
{
  if (session == NULL)
    return;
  gtk_window_present (GTK_WINDOW (casella_composer_new (gtk_window_get_application (GTK_WINDOW (self)),
                                                        session, draft, 0)));
}

static void
compose_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CasellaWindow *self = user_data;

  open_composer (self, self->session, NULL);
}

static char *
sender_of (GMimeMessage *message)
{
  InternetAddressList *from = g_mime_message_get_from (message);
  InternetAddress *first = from && internet_address_list_length (from) ? internet_address_list_get_address (from, 0)
                                                                        : NULL;
  const char *name = first ? internet_address_get_name (first) : NULL;

  if (name != NULL && name[0] != '\0')
    return g_strdup (name);
  return first && INTERNET_ADDRESS_IS_MAILBOX (first)
           ? g_strdup (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (first)))
           : g_strdup (_("someone"));
}

static char *
date_of (GMimeMessage *message)
{
  GDateTime *date = g_mime_message_get_date (message);
  g_autoptr(GDateTime) local = date ? g_date_time_to_local (date) : NULL;

  /* Translators: a date in a reply's "On …, … wrote:" line; see strftime */
  return local ? g_date_time_format (local, _("%-d %B %Y at %H:%M")) : g_strdup ("");
}

/* Parsed already, on the reader's worker: nothing is parsed here. */
static GMimeMessage *
current_message (CasellaWindow *self)
{
  GBytes *raw = casella_reader_get_raw (self->reader);
  GMimeMessage *parsed = casella_reader_get_parsed (self->reader);

  if (raw == NULL)
    {
      casella_window_add_toast (self, _("The message is still loading"));
      return NULL;
    }
  /* Not MIME at all: read as it is, as the reader shows it. */
  return parsed != NULL ? g_object_ref (parsed) : casella_message_parse (raw);
}

/* The account's other address the message was sent to, if any. */
static const CasellaIdentity *
identity_for (CasellaAccount *account,
              GMimeMessage   *message)
{
  GMimeAddressType types[] = { GMIME_ADDRESS_TYPE_TO, GMIME_ADDRESS_TYPE_CC };
  g_autoptr(GPtrArray) addresses = g_ptr_array_new ();
  const char *delivered = g_mime_object_get_header (GMIME_OBJECT (message), "Delivered-To");

  if (delivered != NULL)
    g_ptr_array_add (addresses, (gpointer) delivered);
  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    {
      InternetAddressList *list = g_mime_message_get_addresses (message, types[t]);

      for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
        {
          InternetAddress *address = internet_address_list_get_address (list, i);
          if (INTERNET_ADDRESS_IS_MAILBOX (address))
            g_ptr_array_add (addresses, (gpointer) internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address)));
        }
    }
  g_ptr_array_add (addresses, NULL);
  return casella_account_find_identity (account, (const char * const *) addresses->pdata);
}

static void
reply (CasellaWindow *self,
       gboolean       all)
{
  g_autoptr(GMimeMessage) message = current_message (self);
  CasellaMailSession *session = casella_reader_get_session (self->reader);
  g_autofree char *sender = NULL, *date = NULL, *intro = NULL;
  g_autoptr(CasellaDraft) draft = NULL;
  const CasellaIdentity *identity;
  CasellaAccount *account;

  if (message == NULL || session == NULL)
    return;
  sender = sender_of (message);
  date = date_of (message);
  if (*date != '\0')
    /* Translators: the line above a quoted reply: "On 26 November 2026 at 10:00, Anna wrote:" */
    intro = g_strdup_printf (_("On %s, %s wrote:"), date, sender);
  else
    /* Translators: the line above a quoted reply whose message has no date: "Anna wrote:" */
    intro = g_strdup_printf (_("%s wrote:"), sender);
  /* From the account the message came to. */
  account = casella_mail_session_get_account (session);
  identity = identity_for (account, message);
  draft = casella_draft_new_reply (message, identity ? identity->address : casella_account_get_address (account),
                                   all, intro);
  /* Sent to one of the other addresses: the reply goes out from it. */
  if (identity != NULL)
    draft->from_address = g_strdup (identity->address);
  open_composer (self, session, draft);
}

static void
reply_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  reply (user_data, FALSE);
}

static void
reply_all_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  reply (user_data, TRUE);
}

static void
forward_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CasellaWindow *self = user_data;
  g_autoptr(GMimeMessage) message = current_message (self);
  g_autofree char *from = NULL, *to = NULL, *date = NULL, *intro = NULL;
  g_autoptr(CasellaDraft) draft = NULL;

  if (message == NULL)
    return;
  from = internet_address_list_to_string (g_mime_message_get_from (message), NULL, FALSE);
  to = internet_address_list_to_string (g_mime_message_get_to (message), NULL, FALSE);
  date = date_of (message);
  intro = g_strdup_printf ("%s\n%s %s\n%s %s\n%s %s\n%s %s", _("-------- Forwarded Message --------"),
                           _("From:"), from ? from : "", _("Date:"), date, _("Subject:"),
                           g_mime_message_get_subject (message) ? g_mime_message_get_subject (message) : "",
                           _("To:"), to ? to : "");
  draft = casella_draft_new_forward (message, intro);
  open_composer (self, casella_reader_get_session (self->reader), draft);
}

/* ---- navigation and the rest ---- */

static void
refresh_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CasellaWindow *self = user_data;
  g_autoptr(GPtrArray) sessions = casella_window_sessions_on_show (self);

  for (guint i = 0; i < sessions->len; i++)
    casella_mail_session_refresh (sessions->pdata[i]);
}

static void
search_action (GSimpleAction *action,
               GVariant      *state,
               gpointer       user_data)
{
  CasellaWindow *self = user_data;

  g_simple_action_set_state (action, state);
  casella_message_view_set_search_mode (self->message_view, g_variant_get_boolean (state));
  if (g_variant_get_boolean (state) && adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child_name (self->leaflet, "messages");
}

static void
show_folders_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  adw_leaflet_set_visible_child_name (CASELLA_WINDOW (user_data)->leaflet, "folders");
}

static void
show_list_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  adw_leaflet_set_visible_child_name (CASELLA_WINDOW (user_data)->leaflet, "messages");
}

static void
all_inboxes_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  casella_window_show_all_inboxes (user_data);
}

static void
switch_account_action (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  casella_window_show_account (user_data, g_variant_get_string (parameter, NULL));
}

/* ---- folders ---- */

typedef struct {
  CasellaWindow *self;
  gint64         folder_id;
  GtkEditable   *entry;
} FolderDialog;

static void
folder_dialog_free (gpointer  data,
                    GClosure *closure)
{
  FolderDialog *dialog = data;

  g_object_unref (dialog->self);
  g_free (dialog);
}

/* Where a new folder goes: inside the chosen one when it can hold
 * folders and is not a special one, else at the top. */
static char *
new_folder_path (CasellaStore *store,
                 gint64        parent_id,
                 const char   *name,
                 char         *separator)
{
  g_autoptr(CasellaStoreFolder) parent = casella_store_get_folder (store, parent_id);

  *separator = parent && parent->separator ? parent->separator : '/';
  if (parent == NULL || parent->role != CASELLA_FOLDER_ROLE_NONE || (parent->flags & CASELLA_FOLDER_NOINFERIORS))
    return g_strdup (name);
  return g_strdup_printf ("%s%c%s", parent->path, *separator, name);
}

static void
on_folder_dialog (AdwMessageDialog *message_dialog,
                  const char       *response,
                  FolderDialog     *dialog)
{
  CasellaWindow *self = dialog->self;
  CasellaStore *store = casella_window_get_store (self);
  g_autofree char *name = dialog->entry ? g_strstrip (g_strdup (gtk_editable_get_text (dialog->entry))) : NULL;
  g_autofree char *path = NULL;
  char separator = 0;
  CasellaFolderChange change;

  if (store == NULL || self->session == NULL || g_str_equal (response, "cancel"))
    return;
  if (g_str_equal (response, "create") && name && name[0])
    {
      change = CASELLA_FOLDER_CREATE;
      path = new_folder_path (store, dialog->folder_id, name, &separator);
    }
  else if (g_str_equal (response, "rename") && name && name[0])
    {
      g_autoptr(CasellaStoreFolder) folder = casella_store_get_folder (store, dialog->folder_id);
      const char *last = folder && folder->separator ? strrchr (folder->path, folder->separator) : NULL;

      change = CASELLA_FOLDER_RENAME;
      path = last ? g_strdup_printf ("%.*s%s", (int) (last - folder->path + 1), folder->path, name) : g_strdup (name);
    }
  else if (g_str_equal (response, "delete"))
    change = CASELLA_FOLDER_DELETE;
  else
    return;
  casella_mail_session_change_folder_async (self->session, change, dialog->folder_id, path, separator, FALSE,
                                            on_changed, g_object_ref (self));
}

static void
folder_dialog (CasellaWindow *self,
               gint64         folder_id,
               const char    *heading,
               const char    *body,
               const char    *response,
               const char    *response_label,
               const char    *initial)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, body));
  FolderDialog *data = g_new0 (FolderDialog, 1);

  data->self = g_object_ref (self);
  data->folder_id = folder_id;
  if (initial != NULL)
    {
      GtkWidget *entry = gtk_entry_new ();
      gtk_editable_set_text (GTK_EDITABLE (entry), initial);
      gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Folder name"), -1);
      adw_message_dialog_set_extra_child (dialog, entry);
      data->entry = GTK_EDITABLE (entry);
    }
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), response, response_label, NULL);
  adw_message_dialog_set_response_appearance (dialog, response, g_str_equal (response, "delete")
                                                                  ? ADW_RESPONSE_DESTRUCTIVE : ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, g_str_equal (response, "delete") ? "cancel" : response);
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_folder_dialog), data, folder_dialog_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
new_folder_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  folder_dialog (user_data, g_variant_get_int64 (parameter), _("New Folder"), NULL, "create", _("C_reate"), "");
}

static void
rename_folder_action (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  CasellaWindow *self = user_data;
  g_autoptr(CasellaStoreFolder) folder = casella_store_get_folder (casella_window_get_store (self),
                                                                    g_variant_get_int64 (parameter));

  if (folder == NULL || folder->role != CASELLA_FOLDER_ROLE_NONE)
    {
      casella_window_add_toast (self, _("This folder has a special job and keeps its name"));
      return;
    }
  folder_dialog (self, folder->id, _("Rename Folder"), NULL, "rename", _("_Rename"), folder->name);
}

static void
delete_folder_action (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  CasellaWindow *self = user_data;
  g_autoptr(CasellaStoreFolder) folder = casella_store_get_folder (casella_window_get_store (self),
                                                                    g_variant_get_int64 (parameter));
  g_autofree char *heading = NULL;

  if (folder == NULL || folder->role != CASELLA_FOLDER_ROLE_NONE)
    {
      casella_window_add_toast (self, _("This folder has a special job and can’t be deleted"));
      return;
    }
  /* Translators: %s is a folder's name */
  heading = g_strdup_printf (_("Delete “%s”?"), folder->name);
  folder_dialog (self, folder->id, heading, _("The folder and all the mail in it will be deleted, here and on the "
                                              "server. This can’t be undone."), "delete", _("_Delete"), NULL);
}

static void
on_subscribed (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CasellaWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (casella_mail_session_write_finish (CASELLA_MAIL_SESSION (source), result, &error) == 0)
    {
      casella_window_add_toast (self, error->message);
      return;
    }
  /* The value asked for, as the job has it; the store has it now too. */
  casella_window_add_toast (self, casella_mail_session_write_get_subscribed (result)
                                    ? _("Other mail apps will show this folder")
                                    : _("Other mail apps will no longer show this folder"));
  casella_window_changes_made (self);
}

static void
toggle_subscription_action (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  CasellaWindow *self = user_data;
  CasellaStore *store = casella_window_get_store (self);
  g_autoptr(CasellaStoreFolder) folder = store ? casella_store_get_folder (store, g_variant_get_int64 (parameter)) : NULL;

  if (folder == NULL || self->session == NULL)
    return;
  casella_mail_session_change_folder_async (self->session, CASELLA_FOLDER_SUBSCRIBE, folder->id, NULL, 0,
                                            !folder->subscribed, on_subscribed, g_object_ref (self));
}

static void
print_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  CasellaWindow *self = user_data;

  if (casella_reader_get_message (self->reader) != 0)
    casella_reader_print (self->reader);
}

static void
account_settings_action (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  CasellaWindow *self = user_data;
  CasellaAccount *account = self->account_id ? casella_account_store_lookup (self->accounts, self->account_id) : NULL;

  if (account != NULL)
    gtk_window_present (GTK_WINDOW (casella_account_settings_new (GTK_WINDOW (self), self->accounts, account,
                                                                  self->session)));
}

static const GActionEntry entries[] = {
  { "account-settings", account_settings_action },
  { "compose", compose_action },
  { "print", print_action },
  { "reply", reply_action },
  { "reply-all", reply_all_action },
  { "forward", forward_action },
  { "delete", delete_action },
  { "archive", archive_action },
  { "junk", junk_action },
  { "move", move_action },
  { "toggle-read", toggle_read_action },
  { "toggle-star", toggle_star_action },
  { "refresh", refresh_action },
  { "undo", undo_action },
  { "search", NULL, NULL, "false", search_action },
  { "show-folders", show_folders_action },
  { "show-list", show_list_action },
  { "switch-account", switch_account_action, "s" },
  { "all-inboxes", all_inboxes_action },
  { "move-to", move_to_action, "x" },
  { "new-folder", new_folder_action, "x" },
  { "rename-folder", rename_folder_action, "x" },
  { "delete-folder", delete_folder_action, "x" },
  { "toggle-subscription", toggle_subscription_action, "x" },
};

void
casella_window_actions_init (CasellaWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  casella_window_update_actions (self);
}
