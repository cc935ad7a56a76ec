/* casella-window-inboxes.c — every account's Inbox in one list
 *
 * Chosen from the account switcher. Each account's Inbox is its own
 * CasellaMessageList, with its session as origin; the merged list puts
 * them newest first, and each row says which address it came to. What
 * is done to the selection goes to each message's own account. The
 * folders beside stay the last account's: choosing one leaves.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-application.h"
#include "casella-window-private.h"

/* The sessions running now, in the switcher's order. */
static GPtrArray *
running_sessions (CasellaWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  GPtrArray *sessions = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->accounts));

  for (guint i = 0; CASELLA_IS_APPLICATION (app) && i < n; i++)
    {
      g_autoptr(CasellaAccount) account = g_list_model_get_item (G_LIST_MODEL (self->accounts), i);
      CasellaMailSession *session = casella_application_get_session (CASELLA_APPLICATION (app),
                                                                     casella_account_get_id (account));
      if (session != NULL)
        g_ptr_array_add (sessions, g_object_ref (session));
    }
  return sessions;
}

static CasellaMergedList *
make_inboxes (GPtrArray *sessions,
              gboolean   conversations)
{
  CasellaMergedList *inboxes = casella_merged_list_new ();

  for (guint i = 0; i < sessions->len; i++)
    {
      CasellaMailSession *session = sessions->pdata[i];
      CasellaStore *store = casella_mail_session_get_store (session);
      g_autoptr(CasellaStoreFolder) inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
      g_autoptr(CasellaMessageList) list = NULL;

      /* Not synced yet: it joins when the accounts next change. */
      if (inbox == NULL)
        continue;
      list = casella_message_list_new_full (store, inbox->id, NULL, conversations);
      casella_message_list_set_origin (list, G_OBJECT (session),
                                       casella_account_get_address (casella_mail_session_get_account (session)));
      casella_merged_list_add (inboxes, list);
    }
  return inboxes;
}

void
casella_window_show_all_inboxes (CasellaWindow *self)
{
  g_autoptr(GPtrArray) sessions = running_sessions (self);
  g_autoptr(CasellaMergedList) inboxes = make_inboxes (sessions, g_settings_get_boolean (self->settings, "conversations"));

  g_set_object (&self->inboxes, inboxes);
  self->folder_id = 0;
  casella_folder_view_unselect (self->folder_view);
  casella_message_view_set_model (self->message_view, G_LIST_MODEL (inboxes));
  casella_message_view_set_empty_text (self->message_view, _("No Messages"), _("Every Inbox is empty."));
  adw_window_title_set_title (self->account_title, _("All Inboxes"));
  adw_window_title_set_subtitle (self->account_title, "");
  adw_window_title_set_title (self->folder_title, _("All Inboxes"));
  casella_reader_show_nothing (self->reader, 0);
  casella_window_update_actions (self);
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child_name (self->leaflet, "messages");
}

void
casella_window_leave_all_inboxes (CasellaWindow *self)
{
  g_clear_object (&self->inboxes);
}

void
casella_window_inboxes_update (CasellaWindow *self)
{
  if (self->inboxes == NULL)
    return;
  if (g_list_model_get_n_items (G_LIST_MODEL (self->accounts)) < 2)
    casella_window_leave_all_inboxes (self);
  else
    casella_window_show_all_inboxes (self);
}

GPtrArray *
casella_window_sessions_on_show (CasellaWindow *self)
{
  GPtrArray *sessions = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->inboxes == NULL)
    {
      if (self->session != NULL)
        g_ptr_array_add (sessions, g_object_ref (self->session));
      return sessions;
    }
  for (guint i = 0; i < casella_merged_list_get_n_lists (self->inboxes); i++)
    g_ptr_array_add (sessions,
                     g_object_ref (casella_message_list_get_origin (casella_merged_list_get_list (self->inboxes, i))));
  return sessions;
}

/* ---- the selection, account by account ---- */

static void
part_free (CasellaWindowPart *part)
{
  g_object_unref (part->session);
  g_object_unref (part->list);
  g_array_unref (part->ids);
  g_free (part);
}

/* The list the rows of an account are in. */
static CasellaMessageList *
list_of (CasellaWindow      *self,
         CasellaMailSession *session)
{
  GListModel *model = casella_message_view_get_model (self->message_view);

  if (self->inboxes != NULL)
    return casella_merged_list_find_list (self->inboxes, session);
  return CASELLA_IS_MESSAGE_LIST (model) ? CASELLA_MESSAGE_LIST (model) : NULL;
}

GPtrArray *
casella_window_selected_parts (CasellaWindow *self)
{
  g_autoptr(GPtrArray) items = casella_message_view_get_selected_items (self->message_view);
  GPtrArray *parts = g_ptr_array_new_with_free_func ((GDestroyNotify) part_free);

  for (guint i = 0; i < items->len; i++)
    {
      CasellaMailSession *session = casella_message_item_get_origin (items->pdata[i]);
      CasellaMessageList *list = session ? list_of (self, session) : NULL;
      CasellaWindowPart *part = NULL;
      gint64 id = casella_message_item_get_id (items->pdata[i]);

      if (list == NULL || id == 0)
        continue;
      for (guint j = 0; part == NULL && j < parts->len; j++)
        if (((CasellaWindowPart *) parts->pdata[j])->session == session)
          part = parts->pdata[j];
      if (part == NULL)
        {
          part = g_new0 (CasellaWindowPart, 1);
          part->session = g_object_ref (session);
          part->list = g_object_ref (list);
          part->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
          g_ptr_array_add (parts, part);
        }
      g_array_append_val (part->ids, id);
    }
  return parts;
}

int
casella_window_find_message (CasellaWindow      *self,
                             CasellaMailSession *session,
                             gint64              message_id)
{
  CasellaMessageList *list = list_of (self, session);

  if (self->inboxes != NULL)
    return casella_merged_list_find (self->inboxes, session, message_id);
  return list ? casella_message_list_find (list, message_id) : -1;
}

void
casella_window_select_message (CasellaWindow      *self,
                               CasellaMailSession *session,
                               gint64              message_id)
{
  int position = casella_window_find_message (self, session, message_id);

  if (position < 0)
    return;
  self->wanted_message = message_id;
  casella_message_view_select_position (self->message_view, (guint) position);
  /* The row was selected already: no change told the reader. */
  if (self->wanted_message != 0)
    casella_window_show_selected (self);
}
