/* casella-message-view.c — the message list
 *
 * A GtkListView over a CasellaMessageList (a folder) or a
 * CasellaMergedList (every Inbox): rows (CasellaMessageRow, from a
 * builder factory) are recycled, summaries are read a page at a time, so
 * 100,000 messages scroll like 100.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "casella-merged-list.h"
#include "casella-message-row.h"
#include "casella-message-view.h"
#include "casella-ui.h"

struct _CasellaMessageView
{
  GtkWidget          parent_instance;

  GtkWidget         *box;
  GtkWidget         *search_bar;
  GtkWidget         *search_entry;
  GtkStack          *stack;
  GtkListView       *list;
  GtkMultiSelection *selection;
  AdwStatusPage     *empty;
  GListModel        *messages;   /* CasellaMessageList or CasellaMergedList */
};

G_DEFINE_FINAL_TYPE (CasellaMessageView, casella_message_view, GTK_TYPE_WIDGET)

#define RESOURCE "/io/github/casellamail/Casella"

enum { SIGNAL_SELECTION_CHANGED, SIGNAL_ACTIVATED, SIGNAL_SEARCH_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

char *
casella_format_date_short (gint64 date)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (date);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  gint64 days;

  if (when == NULL)
    return g_strdup ("");
  days = (g_date_time_to_unix (now) - date) / 86400;
  if (g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (now) &&
      g_date_time_get_year (when) == g_date_time_get_year (now))
    return g_date_time_format (when, "%H:%M");
  if (days >= 0 && days < 6)
    return g_date_time_format (when, "%a");
  if (g_date_time_get_year (when) == g_date_time_get_year (now))
    /* Translators: a date in this year in the message list; see strftime */
    return g_date_time_format (when, _("%e %b"));
  /* Translators: a date in another year in the message list; see strftime */
  return g_date_time_format (when, _("%e %b %Y"));
}

/* ---- selection and search ---- */

GArray *
casella_message_view_get_selected (CasellaMessageView *self)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GtkBitset) selected = NULL;
  GtkBitsetIter iter;
  guint position;

  if (self->selection == NULL)
    return ids;
  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean more = gtk_bitset_iter_init_first (&iter, selected, &position); more;
       more = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(CasellaMessageItem) message = g_list_model_get_item (G_LIST_MODEL (self->selection), position);
      gint64 id = message ? casella_message_item_get_id (message) : 0;
      if (id != 0)
        g_array_append_val (ids, id);
    }
  return ids;
}

void
casella_message_view_select_position (CasellaMessageView *self,
                                      guint               position)
{
  if (self->selection == NULL || position >= g_list_model_get_n_items (G_LIST_MODEL (self->selection)))
    return;
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, TRUE);
  casella_message_view_scroll_to (self, position);
}

GPtrArray *
casella_message_view_get_selected_items (CasellaMessageView *self)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GtkBitset) selected = NULL;
  GtkBitsetIter iter;
  guint position;

  if (self->selection == NULL)
    return items;
  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean more = gtk_bitset_iter_init_first (&iter, selected, &position); more;
       more = gtk_bitset_iter_next (&iter, &position))
    {
      CasellaMessageItem *item = g_list_model_get_item (G_LIST_MODEL (self->selection), position);
      if (item != NULL)
        g_ptr_array_add (items, item);
    }
  return items;
}

void
casella_message_view_scroll_to (CasellaMessageView *self,
                                guint               position)
{
  /* GTK 4.8 has no gtk_list_view_scroll_to (): move the focus there. */
  gtk_widget_activate_action (GTK_WIDGET (self->list), "list.scroll-to-item", "u", position);
}

static void
on_selection_changed (GtkSelectionModel  *model,
                      guint               position,
                      guint               n_items,
                      CasellaMessageView *self)
{
  g_signal_emit (self, signals[SIGNAL_SELECTION_CHANGED], 0);
}

static void
on_activate (GtkListView        *list,
             guint               position,
             CasellaMessageView *self)
{
  g_autoptr(CasellaMessageItem) message = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (message != NULL)
    g_signal_emit (self, signals[SIGNAL_ACTIVATED], 0, casella_message_item_get_id (message));
}

/* A row dragged (to a folder): its item travels, in this process only. */
static GdkContentProvider *
on_drag_prepare (GtkDragSource      *source,
                 double              x,
                 double              y,
                 CasellaMessageView *self)
{
  GtkWidget *picked = gtk_widget_pick (GTK_WIDGET (self->list), x, y, GTK_PICK_DEFAULT);
  GtkWidget *row = picked ? gtk_widget_get_ancestor (picked, CASELLA_TYPE_MESSAGE_ROW) : NULL;
  CasellaMessageItem *item = row ? casella_message_row_get_item (CASELLA_MESSAGE_ROW (row)) : NULL;

  if (item == NULL)
    return NULL;
  gtk_drag_source_set_icon (source, NULL, 0, 0);
  return gdk_content_provider_new_typed (CASELLA_TYPE_MESSAGE_ITEM, item);
}

static void
update_empty (CasellaMessageView *self)
{
  gboolean empty = self->messages == NULL || g_list_model_get_n_items (self->messages) == 0;
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (query[0] != '\0')
    casella_message_view_set_empty_text (self, _("Nothing Found"), _("No message here has these words."));
  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "list");
}

static void
on_items_changed (GListModel         *model,
                  guint               position,
                  guint               removed,
                  guint               added,
                  CasellaMessageView *self)
{
  update_empty (self);
}

static void
on_search_changed (GtkSearchEntry     *entry,
                   CasellaMessageView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));

  if (CASELLA_IS_MERGED_LIST (self->messages))
    casella_merged_list_set_query (CASELLA_MERGED_LIST (self->messages), text[0] ? text : NULL);
  else if (self->messages != NULL)
    casella_message_list_set_query (CASELLA_MESSAGE_LIST (self->messages), text[0] ? text : NULL);
  update_empty (self);
  g_signal_emit (self, signals[SIGNAL_SEARCH_CHANGED], 0, text);
}

void
casella_message_view_set_model (CasellaMessageView *self,
                                GListModel         *messages)
{
  g_return_if_fail (messages == NULL || CASELLA_IS_MESSAGE_LIST (messages) || CASELLA_IS_MERGED_LIST (messages));

  if (self->messages != NULL)
    g_signal_handlers_disconnect_by_data (self->messages, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_set_object (&self->messages, messages);
  g_clear_object (&self->selection);
  self->selection = gtk_multi_selection_new (messages ? g_object_ref (messages) : NULL);
  gtk_list_view_set_model (self->list, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect (self->selection, "selection-changed", G_CALLBACK (on_selection_changed), self);
  if (messages != NULL)
    g_signal_connect (messages, "items-changed", G_CALLBACK (on_items_changed), self);
  /* A new folder starts without a search. */
  g_signal_handlers_block_by_func (self->search_entry, on_search_changed, self);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  g_signal_handlers_unblock_by_func (self->search_entry, on_search_changed, self);
  casella_message_view_set_empty_text (self, _("No Messages"), _("This folder is empty."));
  update_empty (self);
  g_signal_emit (self, signals[SIGNAL_SELECTION_CHANGED], 0);
}

GListModel *
casella_message_view_get_model (CasellaMessageView *self)
{
  return self->messages;
}

gboolean
casella_message_view_get_search_mode (CasellaMessageView *self)
{
  return gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (self->search_bar));
}

void
casella_message_view_set_search_mode (CasellaMessageView *self,
                                      gboolean            search)
{
  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (self->search_bar), search);
  if (search)
    gtk_widget_grab_focus (self->search_entry);
}

void
casella_message_view_set_empty_text (CasellaMessageView *self,
                                     const char         *title,
                                     const char         *description)
{
  adw_status_page_set_title (self->empty, title);
  adw_status_page_set_description (self->empty, description);
}

/* ---- the widget ---- */

static void
casella_message_view_dispose (GObject *object)
{
  CasellaMessageView *self = CASELLA_MESSAGE_VIEW (object);

  if (self->messages != NULL)
    g_signal_handlers_disconnect_by_data (self->messages, self);
  g_clear_object (&self->messages);
  g_clear_object (&self->selection);
  g_clear_pointer (&self->box, gtk_widget_unparent);

  G_OBJECT_CLASS (casella_message_view_parent_class)->dispose (object);
}

static void
casella_message_view_class_init (CasellaMessageViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = casella_message_view_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "casella-message-view");

  signals[SIGNAL_SELECTION_CHANGED] = g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass),
                                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A message was opened (Enter, double click): its id. */
  signals[SIGNAL_ACTIVATED] = g_signal_new ("activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  /* The search words changed (the local results are already shown). */
  signals[SIGNAL_SEARCH_CHANGED] = g_signal_new ("search-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
casella_message_view_init (CasellaMessageView *self)
{
  g_autoptr(GtkListItemFactory) factory = NULL;
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();

  g_type_ensure (CASELLA_TYPE_MESSAGE_ROW);
  factory = gtk_builder_list_item_factory_new_from_resource (NULL, RESOURCE "/window/casella-message-row-item.ui");
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->search_entry = gtk_search_entry_new ();
  g_object_set (self->search_entry, "placeholder-text", _("Search mail"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Search mail"),
                                  -1);
  gtk_widget_set_hexpand (self->search_entry, TRUE);
  adw_clamp_set_child (ADW_CLAMP (clamp), self->search_entry);
  self->search_bar = gtk_search_bar_new ();
  gtk_search_bar_set_child (GTK_SEARCH_BAR (self->search_bar), clamp);
  gtk_search_bar_connect_entry (GTK_SEARCH_BAR (self->search_bar), GTK_EDITABLE (self->search_entry));
  g_signal_connect (self->search_entry, "search-changed", G_CALLBACK (on_search_changed), self);
  gtk_box_append (GTK_BOX (self->box), self->search_bar);

  self->list = GTK_LIST_VIEW (gtk_list_view_new (NULL, g_object_ref (factory)));
  gtk_list_view_set_enable_rubberband (self->list, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "casella-message-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Messages"), -1);
  g_signal_connect (self->list, "activate", G_CALLBACK (on_activate), self);
  {
    GtkDragSource *drag = gtk_drag_source_new ();

    gtk_drag_source_set_actions (drag, GDK_ACTION_MOVE);
    g_signal_connect (drag, "prepare", G_CALLBACK (on_drag_prepare), self);
    gtk_widget_add_controller (GTK_WIDGET (self->list), GTK_EVENT_CONTROLLER (drag));
  }
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->list));

  self->empty = ADW_STATUS_PAGE (adw_status_page_new ());
  adw_status_page_set_icon_name (self->empty, "mail-read-symbolic");
  gtk_widget_add_css_class (GTK_WIDGET (self->empty), "compact");
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_stack_add_named (self->stack, scroller, "list");
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->empty), "empty");
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->stack));
  casella_message_view_set_model (self, NULL);
}

GtkWidget *
casella_message_view_new (void)
{
  return g_object_new (CASELLA_TYPE_MESSAGE_VIEW, NULL);
}
