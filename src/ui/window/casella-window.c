/* casella-window.c — the main window
 *
 * Three panes in an AdwLeaflet (folders | messages | message) that fold
 * to one on a narrow screen. The window shows one account at a time,
 * through its session: the models read the session's store, changes are
 * made there first and the session sends them on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-application.h"
#include "casella-composer.h"
#include "casella-gmime.h"
#include "casella-message-compose.h"
#include "casella-store-actions.h"
#include "casella-store-queue.h"
#include "casella-ui.h"
#include "casella-window-private.h"

G_DEFINE_FINAL_TYPE (CasellaWindow, casella_window, ADW_TYPE_APPLICATION_WINDOW)

CasellaStore *
casella_window_get_store (CasellaWindow *self)
{
  return self->session ? casella_mail_session_get_store (self->session) : NULL;
}

gint64
casella_window_folder_by_role (CasellaWindow     *self,
                               CasellaFolderRole  role)
{
  g_autoptr(CasellaStoreFolder) folder = NULL;
  CasellaStore *store = casella_window_get_store (self);

  if (store == NULL)
    return 0;
  folder = casella_store_find_folder_by_role (store, role);
  return folder ? folder->id : 0;
}

/* ---- the account's state ---- */

void
casella_window_show_state (CasellaWindow *self)
{
  CasellaSessionState state = self->session ? casella_mail_session_get_state (self->session)
                                            : CASELLA_SESSION_CONNECTING;
  const GError *error = self->session ? casella_mail_session_get_error (self->session) : NULL;
  g_autofree char *text = NULL;

  gtk_button_set_label (GTK_BUTTON (self->status_button), _("_Try Again"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->status_button), "win.refresh");
  switch (state)
    {
    case CASELLA_SESSION_OFFLINE:
      text = g_strdup (_("Working offline. Your mail here is still readable, and Casella will try again soon."));
      adw_window_title_set_subtitle (self->account_title, _("Offline"));
      break;
    case CASELLA_SESSION_FAILED:
      if (!casella_window_signin_explain (self, error, &text) && !casella_window_password_explain (self, error, &text) &&
          !casella_window_certificate_explain (self, error, &text))
        text = casella_window_password_describe (self, error);
      adw_window_title_set_subtitle (self->account_title, _("Needs attention"));
      break;
    case CASELLA_SESSION_SYNCING:
    case CASELLA_SESSION_CONNECTING:
      adw_window_title_set_subtitle (self->account_title, _("Updating…"));
      break;
    default:
      adw_window_title_set_subtitle (self->account_title, "");
    }
  /* All Inboxes is no one account: the banner names whose problem it is. */
  if (self->inboxes != NULL)
    adw_window_title_set_subtitle (self->account_title, "");
  if (text != NULL)
    gtk_label_set_text (self->status_label, text);
  gtk_revealer_set_reveal_child (self->status_revealer, text != NULL);
}

static void
on_state_changed (CasellaMailSession *session,
                  GParamSpec         *pspec,
                  CasellaWindow      *self)
{
  casella_window_show_state (self);
}

static void
on_send_failed (CasellaMailSession *session,
                gint64              message_id,
                int                 hold,
                const char         *reason,
                CasellaWindow      *self)
{
  g_autoptr(CasellaMessageInfo) info = casella_store_get_message (casella_mail_session_get_store (session), message_id);
  const char *subject = info && info->subject ? info->subject : _("(No subject)");
  g_autofree char *text = NULL;
  AdwToast *toast;

  if (hold == CASELLA_OUTBOX_HOLD_INTERRUPTED)
    /* Translators: sending was cut off; the message stays in the Outbox */
    text = g_strdup_printf (_("Sending “%s” was interrupted, so it may have been delivered. Look in Sent before "
                              "sending it again from the Outbox."), subject);
  else if (hold == CASELLA_OUTBOX_HOLD_UNREADABLE)
    /* Translators: a message in the Outbox that cannot be read */
    text = g_strdup_printf (_("“%s” cannot be sent: its copy on this computer is damaged. It waits in the Outbox."),
                            subject);
  else
    /* Translators: a message the server refused; it stays in the Outbox */
    text = g_strdup_printf (_("“%s” was not sent: %s. It waits in the Outbox."), subject,
                            reason ? reason : _("the server refused it"));
  toast = casella_toast_new (text);

  adw_toast_set_timeout (toast, 0);
  casella_window_show_toast (self, toast);
}

/* Told once per session: the store was damaged and has been made anew. */
static void
say_if_rebuilt (CasellaWindow      *self,
                CasellaMailSession *session)
{
  const CasellaStoreRebuildReport *report = casella_mail_session_get_rebuild_report (session);
  g_autofree char *text = NULL;
  AdwToast *toast;

  if (report == NULL || g_object_get_data (G_OBJECT (session), "casella-rebuild-told") != NULL)
    return;
  g_object_set_data (G_OBJECT (session), "casella-rebuild-told", GINT_TO_POINTER (1));
  if (report->lost > 0 || report->incomplete || report->changes_lost > 0)
    /* Translators: the mail on this computer was damaged; %s is a file */
    text = g_strdup_printf (_("The mail on this computer was damaged. Casella is bringing it back from the server; "
                              "some messages or changes that were only here could not be kept. The damaged copy is "
                              "kept in %s."), report->kept_as);
  else
    /* Translators: the mail on this computer was damaged; %s is a file */
    text = g_strdup_printf (_("The mail on this computer was damaged. Casella is bringing it back from the server, "
                              "and nothing that was only here was lost. The damaged copy is kept in %s."),
                            report->kept_as);
  toast = casella_toast_new (text);
  adw_toast_set_timeout (toast, 0);
  casella_window_show_toast (self, toast);
}

static void
on_sent (CasellaMailSession *session,
         guint               count,
         CasellaWindow      *self)
{
  casella_window_add_toast (self, ngettext ("Message sent", "Messages sent", count));
}

static void
on_replay_failed (CasellaMailSession *session,
                  gint64              message_id,
                  const GError       *error,
                  CasellaWindow      *self)
{
  g_autofree char *text = g_strdup_printf (_("The server refused a change, so it was undone: %s"),
                                           error ? error->message : "");

  casella_window_add_toast (self, text);
}

/* The account's name, or "All Inboxes" while they are on show. */
static void
update_title (CasellaWindow *self)
{
  CasellaAccount *account = self->account_id ? casella_account_store_lookup (self->accounts, self->account_id) : NULL;

  if (self->inboxes != NULL || account == NULL)
    return;
  adw_window_title_set_title (self->account_title, casella_account_get_display_name (account)
                                                     ? casella_account_get_display_name (account)
                                                     : casella_account_get_address (account));
  casella_window_show_state (self);
}

/* ---- folders and messages ---- */

/* A search of another folder, or of other words, must not land here. */
static void
cancel_server_search (CasellaWindow *self)
{
  g_clear_handle_id (&self->search_source, g_source_remove);
  if (self->search_cancellable != NULL)
    g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
}

void
casella_window_open_folder (CasellaWindow *self,
                            gint64         folder_id)
{
  CasellaStore *store = casella_window_get_store (self);
  g_autoptr(CasellaStoreFolder) folder = store ? casella_store_get_folder (store, folder_id) : NULL;
  g_autoptr(CasellaMessageList) messages = NULL;

  if (folder == NULL)
    return;
  cancel_server_search (self);
  if (self->inboxes != NULL)
    {
      casella_window_leave_all_inboxes (self);
      update_title (self);
    }
  self->folder_id = folder_id;
  messages = casella_message_list_new_full (store, folder_id, NULL,
                                            g_settings_get_boolean (self->settings, "conversations"));
  casella_message_list_set_origin (messages, G_OBJECT (self->session), NULL);
  casella_message_view_set_model (self->message_view, G_LIST_MODEL (messages));
  adw_window_title_set_title (self->folder_title, casella_folder_display_name (folder));
  casella_reader_show_nothing (self->reader, 0);
  if (self->pending_message != 0)
    {
      casella_window_select_message (self, self->session, self->pending_message);
      self->pending_message = 0;
    }
  casella_window_update_actions (self);
}

/* A message dropped on a folder of the account on show: it moves, with
 * the rest of the selection when it is part of it. */
static void
on_message_dropped (CasellaFolderView  *view,
                    gint64              folder_id,
                    CasellaMessageItem *item,
                    CasellaWindow      *self)
{
  CasellaMailSession *session = casella_message_item_get_origin (item);
  g_autoptr(GPtrArray) items = casella_message_view_get_selected_items (self->message_view);
  gboolean in_selection = FALSE;

  if (session == NULL || session != self->session || folder_id == self->folder_id)
    return;
  for (guint i = 0; i < items->len; i++)
    in_selection |= items->pdata[i] == (gpointer) item;
  if (!in_selection)
    casella_window_select_message (self, session, casella_message_item_get_id (item));
  gtk_widget_activate_action (GTK_WIDGET (self), "win.move-to", "x", folder_id);
}

static void
on_folder_selected (CasellaFolderView *view,
                    gint64             folder_id,
                    CasellaWindow     *self)
{
  casella_window_open_folder (self, folder_id);
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child_name (self->leaflet, "messages");
}

static void
mark_read_on_open (CasellaWindow      *self,
                   CasellaMailSession *session,
                   gint64              message_id)
{
  g_autoptr(CasellaMessageInfo) info = casella_store_get_message (casella_mail_session_get_store (session), message_id);

  g_autoptr(GArray) ids = NULL;

  if (info == NULL || (info->flags & CASELLA_MESSAGE_SEEN) || !g_settings_get_boolean (self->settings, "mark-read-on-open"))
    return;
  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_array_append_val (ids, message_id);
  casella_window_mark (self, session, ids, CASELLA_MESSAGE_SEEN, 0);
}

/* A row that is a conversation: it opens whole, its newest message here
 * (the one the row shows) open, and what is unread in it is read (the
 * row showed it as one). */
static gboolean
show_conversation (CasellaWindow     *self,
                   CasellaWindowPart *part,
                   gint64             id)
{
  int position = casella_message_list_find (part->list, id);
  g_autoptr(CasellaMessageItem) item = position >= 0 ? g_list_model_get_item (G_LIST_MODEL (part->list), position) : NULL;
  g_autoptr(GArray) unread = g_array_new (FALSE, FALSE, sizeof (gint64));
  GPtrArray *messages;

  /* Even a conversation of one so far: an answer may come while it is open. */
  if (item == NULL || casella_message_item_get_thread (item) == 0 ||
      !casella_message_list_get_conversations (part->list))
    return FALSE;
  casella_reader_show_conversation (self->reader, part->session, casella_message_item_get_thread (item),
                                    casella_message_list_get_folder (part->list), id);
  messages = casella_reader_get_conversation (self->reader);
  for (guint i = 0; messages != NULL && i < messages->len; i++)
    if (!(((CasellaMessageInfo *) messages->pdata[i])->flags & CASELLA_MESSAGE_SEEN))
      g_array_append_val (unread, ((CasellaMessageInfo *) messages->pdata[i])->id);
  if (unread->len > 0 && g_settings_get_boolean (self->settings, "mark-read-on-open"))
    casella_window_mark (self, part->session, unread, CASELLA_MESSAGE_SEEN, 0);
  return TRUE;
}

/* Grouped or not: every list on show reads its rows again. */
static void
on_conversations_changed (CasellaWindow *self)
{
  gboolean on = g_settings_get_boolean (self->settings, "conversations");
  GListModel *model = casella_message_view_get_model (self->message_view);

  if (CASELLA_IS_MESSAGE_LIST (model))
    casella_message_list_set_conversations (CASELLA_MESSAGE_LIST (model), on);
  for (guint i = 0; self->inboxes != NULL && i < casella_merged_list_get_n_lists (self->inboxes); i++)
    casella_message_list_set_conversations (casella_merged_list_get_list (self->inboxes, i), on);
}

/* The message to open for a row: the one asked for by id when it is part
 * of the row's conversation, else the row's own. */
static gint64
message_to_open (CasellaWindow     *self,
                 CasellaWindowPart *part,
                 gint64             id)
{
  gint64 wanted = self->wanted_message;

  self->wanted_message = 0;
  if (wanted == 0 || wanted == id ||
      casella_message_list_find (part->list, wanted) != casella_message_list_find (part->list, id))
    return id;
  return wanted;
}

/* One message shown, from its own account. */
void
casella_window_show_selected (CasellaWindow *self)
{
  g_autoptr(GPtrArray) parts = casella_window_selected_parts (self);
  CasellaWindowPart *part = parts->len == 1 ? parts->pdata[0] : NULL;
  gint64 id;

  casella_window_update_actions (self);
  if (part == NULL || part->ids->len != 1)
    {
      self->wanted_message = 0;
      casella_reader_show_nothing (self->reader, part ? part->ids->len : parts->len);
      return;
    }
  id = message_to_open (self, part, g_array_index (part->ids, gint64, 0));
  if (casella_reader_get_message (self->reader) == id && casella_reader_get_session (self->reader) == part->session)
    return;
  if (show_conversation (self, part, id))
    return;
  casella_reader_show (self->reader, part->session, id);
  mark_read_on_open (self, part->session, id);
}

static void
on_message_selection (CasellaMessageView *view,
                      CasellaWindow      *self)
{
  casella_window_show_selected (self);
}

/* A saved draft opens in the composer; anything else in the reader. */
static void
on_message_activated (CasellaMessageView *view,
                      gint64              message_id,
                      CasellaWindow      *self)
{
  g_autoptr(GPtrArray) parts = casella_window_selected_parts (self);
  CasellaMailSession *session = parts->len == 1 ? ((CasellaWindowPart *) parts->pdata[0])->session : self->session;
  CasellaStore *store = session ? casella_mail_session_get_store (session) : NULL;
  g_autoptr(CasellaMessageInfo) info = store ? casella_store_get_message (store, message_id) : NULL;

  /* A draft, written here or on another device, opens to be finished
   * (one not downloaded yet shows in the reader, which fetches it). */
  if (info != NULL && (info->flags & CASELLA_MESSAGE_DRAFT) && info->has_body)
    {
      g_autoptr(GBytes) raw = casella_store_get_body (store, message_id, NULL);
      g_autoptr(GMimeMessage) message = raw ? casella_message_parse (raw) : NULL;
      g_autoptr(CasellaDraft) draft = message ? casella_draft_new_from_message (message) : NULL;

      if (draft != NULL)
        gtk_window_present (GTK_WINDOW (casella_composer_new (gtk_window_get_application (GTK_WINDOW (self)),
                                                              session, draft, message_id)));
      return;
    }
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child_name (self->leaflet, "reader");
}

/* Results from the server join the local ones, for what is not here. */
static void
on_server_results (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  CasellaWindow *self = user_data;
  g_autoptr(GArray) ids = casella_mail_session_search_finish (CASELLA_MAIL_SESSION (source), result, NULL);
  GListModel *messages = casella_message_view_get_model (self->message_view);

  if (ids != NULL && ids->len > 0 && CASELLA_IS_MESSAGE_LIST (messages))
    casella_message_list_add_ids (CASELLA_MESSAGE_LIST (messages), ids);
  self->server_searches++;
  g_object_unref (self);
}

static gboolean
search_server (gpointer user_data)
{
  CasellaWindow *self = user_data;
  GListModel *messages = casella_message_view_get_model (self->message_view);
  const char *query = CASELLA_IS_MESSAGE_LIST (messages) ? casella_message_list_get_query (CASELLA_MESSAGE_LIST (messages))
                                                         : NULL;

  self->search_source = 0;
  if (query == NULL || g_utf8_strlen (query, -1) < 3 || self->session == NULL)
    return G_SOURCE_REMOVE;
  self->search_cancellable = g_cancellable_new ();
  casella_mail_session_search_async (self->session, self->folder_id, query, self->search_cancellable,
                                     on_server_results, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static void
on_search_changed (CasellaMessageView *view,
                   const char         *text,
                   CasellaWindow      *self)
{
  cancel_server_search (self);
  /* All Inboxes finds what is here only. */
  if (self->session != NULL && self->inboxes == NULL &&
      casella_account_get_incoming (casella_mail_session_get_account (self->session))->protocol == CASELLA_PROTOCOL_IMAP)
    self->search_source = g_timeout_add (600, search_server, self);
}

static void
on_reader_notice (CasellaReader *reader,
                  const char    *text,
                  CasellaWindow *self)
{
  casella_window_add_toast (self, text);
}

static void
on_compose_to (CasellaReader *reader,
               const char    *address,
               CasellaWindow *self)
{
  g_autoptr(CasellaDraft) draft = casella_draft_new ();

  if (self->session == NULL)
    return;
  draft->to = g_strdup (address);
  gtk_window_present (GTK_WINDOW (casella_composer_new (gtk_window_get_application (GTK_WINDOW (self)),
                                                        self->session, draft, 0)));
}

/* ---- accounts ---- */

/* "anna@example.com (3 unread)": its Inbox's count, once its session runs. */
static char *
account_label (CasellaWindow  *self,
               CasellaAccount *account)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  CasellaMailSession *session = CASELLA_IS_APPLICATION (app)
    ? casella_application_get_session (CASELLA_APPLICATION (app), casella_account_get_id (account)) : NULL;
  g_autoptr(CasellaStoreFolder) inbox =
    session ? casella_store_find_folder_by_role (casella_mail_session_get_store (session), CASELLA_FOLDER_ROLE_INBOX)
            : NULL;

  if (inbox == NULL || inbox->unread == 0)
    return g_strdup (casella_account_get_address (account));
  /* Translators: an address and how many messages in its Inbox are unread */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s (%u unread)", "%s (%u unread)", inbox->unread),
                          casella_account_get_address (account), inbox->unread);
}

static void
update_accounts_menu (CasellaWindow *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) accounts = g_menu_new ();
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->accounts));

  g_menu_append (menu, _("All Inboxes"), "win.all-inboxes");
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CasellaAccount) account = g_list_model_get_item (G_LIST_MODEL (self->accounts), i);
      g_autofree char *label = account_label (self, account);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target_value (item, "win.switch-account",
                                               g_variant_new_string (casella_account_get_id (account)));
      g_menu_append_item (accounts, item);
    }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (accounts));
  gtk_menu_button_set_menu_model (self->accounts_button, G_MENU_MODEL (menu));
  gtk_widget_set_visible (GTK_WIDGET (self->accounts_button), n > 1);
}

/* The counts as they are when the menu opens. */
static void
on_accounts_popup (GtkMenuButton *button,
                   gpointer       user_data)
{
  update_accounts_menu (user_data);
}

static void
detach_session (CasellaWindow *self)
{
  if (self->session_signals != NULL)
    g_signal_group_set_target (self->session_signals, NULL);
  g_clear_object (&self->session);
  g_clear_object (&self->folders);
  casella_folder_view_set_model (self->folder_view, NULL);
  casella_message_view_set_model (self->message_view, NULL);
  casella_reader_show_nothing (self->reader, 0);
  self->folder_id = 0;
}

static void
on_folders_appeared (CasellaWindow *self)
{
  if (self->folder_id == 0 && self->folders != NULL && self->inboxes == NULL)
    casella_folder_view_select_role (self->folder_view, CASELLA_FOLDER_ROLE_INBOX);
}

static void
attach_session (CasellaWindow      *self,
                CasellaMailSession *session)
{
  detach_session (self);
  self->session = g_object_ref (session);
  g_signal_group_set_target (self->session_signals, session);
  say_if_rebuilt (self, session);
  self->folders = casella_folder_list_new (casella_mail_session_get_store (session));
  casella_folder_view_set_model (self->folder_view, self->folders);
  casella_folder_view_select_role (self->folder_view, CASELLA_FOLDER_ROLE_INBOX);
  g_signal_connect_object (self->folders, "items-changed", G_CALLBACK (on_folders_appeared), self,
                           G_CONNECT_SWAPPED);
  /* The first sync makes the INBOX: open it when it comes. */
  casella_window_show_state (self);
}

static void
update_account (CasellaWindow *self)
{
  g_autoptr(CasellaAccount) first = NULL;
  CasellaAccount *account = NULL;
  CasellaMailSession *session;
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (self->account_id != NULL)
    account = casella_account_store_lookup (self->accounts, self->account_id);
  if (account == NULL && g_list_model_get_n_items (G_LIST_MODEL (self->accounts)) > 0)
    account = first = g_list_model_get_item (G_LIST_MODEL (self->accounts), 0);
  update_accounts_menu (self);
  if (account == NULL)
    {
      detach_session (self);
      gtk_stack_set_visible_child_name (self->content_stack, "empty");
      return;
    }
  g_free (self->account_id);
  self->account_id = g_strdup (casella_account_get_id (account));
  update_title (self);
  gtk_stack_set_visible_child_name (self->content_stack, "mail");
  session = CASELLA_IS_APPLICATION (app) ? casella_application_get_session (CASELLA_APPLICATION (app), self->account_id)
                                         : NULL;
  if (session != NULL && session != self->session)
    attach_session (self, session);
  else if (session == NULL)
    {
      detach_session (self);
      casella_window_show_state (self);
    }
}

void
casella_window_show_account (CasellaWindow *self,
                             const char    *account_id)
{
  g_return_if_fail (CASELLA_IS_WINDOW (self));

  if (self->inboxes != NULL)
    {
      casella_window_leave_all_inboxes (self);
      if (g_strcmp0 (self->account_id, account_id) == 0 && self->session != NULL)
        {
          update_title (self);
          casella_folder_view_select_role (self->folder_view, CASELLA_FOLDER_ROLE_INBOX);
          return;
        }
    }
  if (g_strcmp0 (self->account_id, account_id) == 0 && self->session != NULL)
    return;
  g_free (self->account_id);
  self->account_id = g_strdup (account_id);
  update_account (self);
}

const char *
casella_window_get_account (CasellaWindow *self)
{
  return self->account_id;
}

void
casella_window_session_ready (CasellaWindow *self,
                              const char    *account_id)
{
  if (self->account_id == NULL || g_strcmp0 (self->account_id, account_id) == 0)
    update_account (self);
  else
    casella_window_inboxes_update (self);
}

void
casella_window_show_message (CasellaWindow *self,
                             gint64         folder_id,
                             gint64         message_id)
{
  self->pending_message = message_id;
  casella_folder_view_select (self->folder_view, folder_id);
  if (self->folder_id == folder_id)
    {
      casella_window_select_message (self, self->session, message_id);
      self->pending_message = 0;
    }
}

/* libadwaita 1.2 forgets a toast when its 300 ms hide animation ends, but
 * a toast that replaced another slides in for 500 ms and writes to that
 * memory when it arrives: a toast is never dismissed younger than this. */
#define TOAST_SAFE_AGE_US (600 * G_TIME_SPAN_MILLISECOND)

typedef struct
{
  gint64   shown_at;    /* monotonic, when it starts to slide in */
  gboolean gone;
} ToastState;

static ToastState *
toast_state (AdwToast *toast)
{
  return g_object_get_data (G_OBJECT (toast), "casella-toast");
}

static void
on_toast_gone (AdwToast      *toast,
               CasellaWindow *self)
{
  toast_state (toast)->gone = TRUE;
  if (self->last_toast == toast)
    self->last_toast = NULL;
}

static gboolean
dismiss_when_safe (gpointer toast)
{
  if (!toast_state (toast)->gone)
    adw_toast_dismiss (toast);
  return G_SOURCE_REMOVE;
}

/* Dismisses @toast now or, if it is still sliding in, as soon as it is
 * safe; returns when that is (monotonic). */
static gint64
dismiss_toast (AdwToast *toast)
{
  ToastState *state = toast_state (toast);
  gint64 now = g_get_monotonic_time ();
  gint64 safe = state->shown_at + TOAST_SAFE_AGE_US;

  if (state->gone)
    return now;
  if (safe <= now)
    {
      adw_toast_dismiss (toast);
      return now;
    }
  g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) ((safe - now) / G_TIME_SPAN_MILLISECOND) + 1,
                      dismiss_when_safe, g_object_ref (toast), g_object_unref);
  return safe;
}

void
casella_window_dismiss_toast (CasellaWindow *self,
                              AdwToast      *toast)
{
  g_return_if_fail (CASELLA_IS_WINDOW (self));

  if (toast != NULL && toast_state (toast) != NULL)
    dismiss_toast (toast);
}

gboolean
casella_window_toast_settled (CasellaWindow *self)
{
  ToastState *state = self->last_toast ? toast_state (self->last_toast) : NULL;

  return state == NULL || state->gone || state->shown_at + TOAST_SAFE_AGE_US <= g_get_monotonic_time ();
}

/* One notice at a time, the newest: the one on show makes way for it
 * (libadwaita would queue it behind). */
void
casella_window_show_toast (CasellaWindow *self,
                           AdwToast      *toast)
{
  ToastState *state = g_new0 (ToastState, 1);

  state->shown_at = g_get_monotonic_time ();
  if (self->last_toast != NULL)
    state->shown_at = dismiss_toast (self->last_toast);   /* queued until then */
  g_object_set_data_full (G_OBJECT (toast), "casella-toast", state, g_free);
  self->last_toast = toast;
  g_signal_connect (toast, "dismissed", G_CALLBACK (on_toast_gone), self);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
casella_window_add_toast (CasellaWindow *self,
                          const char    *title)
{
  g_return_if_fail (CASELLA_IS_WINDOW (self));

  casella_window_show_toast (self, casella_toast_new (title));
}

/* ---- the window ---- */

static void
casella_window_save_size (CasellaWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
casella_window_close_request (GtkWindow *window)
{
  CasellaWindow *self = CASELLA_WINDOW (window);

  casella_window_save_size (self);
  /* Changes waiting for their undo toast go out now. */
  casella_window_changes_made (self);
  return GTK_WINDOW_CLASS (casella_window_parent_class)->close_request (window);
}

static void
casella_window_dispose (GObject *object)
{
  CasellaWindow *self = CASELLA_WINDOW (object);

  cancel_server_search (self);
  casella_window_signin_dispose (self);
  casella_window_export_dispose (self);
  casella_window_undo_send_dispose (self);
  if (self->accounts != NULL)
    g_signal_handlers_disconnect_by_data (self->accounts, self);
  /* Closed while Undo was offered: the change stands and the server
   * hears of it now (the toast, dismissed later, finds no window). */
  if (self->undo_toast != NULL)
    {
      g_signal_handlers_disconnect_by_data (g_steal_pointer (&self->undo_toast), self);
      casella_window_changes_made (self);
    }
  detach_session (self);
  casella_window_leave_all_inboxes (self);
  g_clear_object (&self->session_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), CASELLA_TYPE_WINDOW);
  g_clear_object (&self->settings);
  g_clear_object (&self->accounts);
  g_clear_pointer (&self->account_id, g_free);
  g_clear_pointer (&self->undo, g_ptr_array_unref);

  G_OBJECT_CLASS (casella_window_parent_class)->dispose (object);
}

static void
casella_window_class_init (CasellaWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = casella_window_dispose;
  window_class->close_request = casella_window_close_request;

  casella_ui_init ();
  g_type_ensure (CASELLA_TYPE_FOLDER_VIEW);
  g_type_ensure (CASELLA_TYPE_MESSAGE_VIEW);
  g_type_ensure (CASELLA_TYPE_READER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/casellamail/Casella/window/casella-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CasellaWindow, name)
  BIND (toast_overlay); BIND (content_stack); BIND (leaflet); BIND (account_title); BIND (accounts_button);
  BIND (status_revealer); BIND (status_label); BIND (status_button); BIND (folder_view); BIND (folder_title);
  casella_window_signin_class_init (widget_class);
  casella_window_password_class_init (widget_class);
  casella_window_export_class_init (widget_class);
  casella_window_certificate_class_init (widget_class);
  casella_window_undo_send_class_init (widget_class);
  BIND (message_view); BIND (search_button); BIND (reader);
#undef BIND
}

static void
casella_window_init (CasellaWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  {
    g_autoptr(GAction) plain = g_settings_create_action (self->settings, "prefer-plain-text");
    g_autoptr(GAction) conversations = g_settings_create_action (self->settings, "conversations");

    g_action_map_add_action (G_ACTION_MAP (self), plain);
    g_action_map_add_action (G_ACTION_MAP (self), conversations);
  }
  g_signal_connect_swapped (self->settings, "changed::conversations", G_CALLBACK (on_conversations_changed), self);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  gtk_menu_button_set_create_popup_func (self->accounts_button, on_accounts_popup, self, NULL);
  self->session_signals = g_signal_group_new (CASELLA_TYPE_MAIL_SESSION);
  g_signal_group_connect (self->session_signals, "notify::state", G_CALLBACK (on_state_changed), self);
  g_signal_group_connect (self->session_signals, "send-failed", G_CALLBACK (on_send_failed), self);
  g_signal_group_connect (self->session_signals, "sent", G_CALLBACK (on_sent), self);
  g_signal_group_connect (self->session_signals, "replay-failed", G_CALLBACK (on_replay_failed), self);
  g_signal_connect (self->folder_view, "folder-selected", G_CALLBACK (on_folder_selected), self);
  g_signal_connect (self->folder_view, "message-dropped", G_CALLBACK (on_message_dropped), self);
  g_signal_connect (self->message_view, "selection-changed", G_CALLBACK (on_message_selection), self);
  g_signal_connect (self->message_view, "activated", G_CALLBACK (on_message_activated), self);
  g_signal_connect (self->message_view, "search-changed", G_CALLBACK (on_search_changed), self);
  g_signal_connect (self->reader, "compose-to", G_CALLBACK (on_compose_to), self);
  g_signal_connect (self->reader, "notice", G_CALLBACK (on_reader_notice), self);
  casella_window_actions_init (self);
}

CasellaWindow *
casella_window_new (AdwApplication      *application,
                    CasellaAccountStore *store)
{
  CasellaWindow *self;

  g_return_val_if_fail (ADW_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (CASELLA_IS_ACCOUNT_STORE (store), NULL);

  self = g_object_new (CASELLA_TYPE_WINDOW, "application", application, NULL);
  self->accounts = g_object_ref (store);
  g_signal_connect_object (store, "items-changed", G_CALLBACK (update_account), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (store, "items-changed", G_CALLBACK (casella_window_inboxes_update), self, G_CONNECT_SWAPPED);
  update_account (self);
  return self;
}
