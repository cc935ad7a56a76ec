/* casella-folder-view.c — the folder sidebar
 *
 * A list, not a tree widget: the model already puts children right
 * under their parent, and a row is indented by its depth. Folders that
 * only hold folders are shown dimmed and cannot be selected. A context
 * menu (right click, long press, Menu or Shift+F10) offers new folder,
 * rename, delete and subscribe; the window carries out those actions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-folder-view.h"
#include "casella-message-list.h"
#include "casella-ui.h"

struct _CasellaFolderView
{
  GtkWidget           parent_instance;

  GtkWidget          *scroller;
  GtkListView        *list;
  GtkSingleSelection *selection;
  GtkWidget          *menu;
};

G_DEFINE_FINAL_TYPE (CasellaFolderView, casella_folder_view, GTK_TYPE_WIDGET)

enum { SIGNAL_FOLDER_SELECTED, SIGNAL_MESSAGE_DROPPED, N_SIGNALS };
static guint signals[N_SIGNALS];

const char *
casella_folder_role_icon (CasellaFolderRole role)
{
  switch (role)
    {
    case CASELLA_FOLDER_ROLE_INBOX:
      return "casella-inbox-symbolic";
    case CASELLA_FOLDER_ROLE_OUTBOX:
      return "casella-outbox-symbolic";
    case CASELLA_FOLDER_ROLE_DRAFTS:
      return "document-edit-symbolic";
    case CASELLA_FOLDER_ROLE_SENT:
      return "mail-send-symbolic";
    case CASELLA_FOLDER_ROLE_ARCHIVE:
    case CASELLA_FOLDER_ROLE_ALL:
      return "casella-archive-symbolic";
    case CASELLA_FOLDER_ROLE_FLAGGED:
      return "starred-symbolic";
    case CASELLA_FOLDER_ROLE_JUNK:
      return "mail-mark-junk-symbolic";
    case CASELLA_FOLDER_ROLE_TRASH:
      return "user-trash-symbolic";
    default:
      return "folder-symbolic";
    }
}

const char *
casella_folder_display_name (const CasellaStoreFolder *folder)
{
  switch (folder->role)
    {
    case CASELLA_FOLDER_ROLE_INBOX:
      return _("Inbox");
    case CASELLA_FOLDER_ROLE_OUTBOX:
      return _("Outbox");
    case CASELLA_FOLDER_ROLE_DRAFTS:
      return _("Drafts");
    case CASELLA_FOLDER_ROLE_SENT:
      return _("Sent");
    case CASELLA_FOLDER_ROLE_ARCHIVE:
      return _("Archive");
    case CASELLA_FOLDER_ROLE_ALL:
      return _("All Mail");
    case CASELLA_FOLDER_ROLE_FLAGGED:
      return _("Starred");
    case CASELLA_FOLDER_ROLE_JUNK:
      return _("Junk");
    case CASELLA_FOLDER_ROLE_TRASH:
      return _("Trash");
    default:
      return folder->name;
    }
}

/* ---- rows ---- */

typedef struct {
  GtkWidget         *box;
  GtkImage          *icon;
  GtkLabel          *name;
  GtkLabel          *unread;
  gint64             folder_id;   /* the folder shown, 0: none mail can go to */
} Row;

/* A message dragged from the list onto a folder: it (or the selection it
 * is in) moves there. */
static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         Row           *row)
{
  CasellaMessageItem *message = g_value_get_object (value);
  GtkWidget *view = gtk_widget_get_ancestor (row->box, CASELLA_TYPE_FOLDER_VIEW);

  if (row->folder_id == 0 || message == NULL || view == NULL)
    return FALSE;
  g_signal_emit (view, signals[SIGNAL_MESSAGE_DROPPED], 0, row->folder_id, message);
  return TRUE;
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  Row *row = g_new0 (Row, 1);

  row->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  row->icon = GTK_IMAGE (gtk_image_new ());
  row->name = GTK_LABEL (gtk_label_new (NULL));
  row->unread = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_margin_top (row->box, 6);
  gtk_widget_set_margin_bottom (row->box, 6);
  gtk_widget_set_margin_end (row->box, 6);
  gtk_label_set_xalign (row->name, 0);
  gtk_label_set_ellipsize (row->name, PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (GTK_WIDGET (row->name), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (row->unread), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (row->unread), "numeric");
  gtk_box_append (GTK_BOX (row->box), GTK_WIDGET (row->icon));
  gtk_box_append (GTK_BOX (row->box), GTK_WIDGET (row->name));
  gtk_box_append (GTK_BOX (row->box), GTK_WIDGET (row->unread));
  {
    GtkDropTarget *drop = gtk_drop_target_new (CASELLA_TYPE_MESSAGE_ITEM, GDK_ACTION_MOVE);

    g_signal_connect (drop, "drop", G_CALLBACK (on_drop), row);
    gtk_widget_add_controller (row->box, GTK_EVENT_CONTROLLER (drop));
  }
  g_object_set_data_full (G_OBJECT (item), "casella-row", row, g_free);
  gtk_list_item_set_child (item, row->box);
}

/* Name and unread count: they change while the row is on show (a
 * rename, new mail), and the screen reader's label with them. */
static void
show_folder (Row               *row,
             CasellaFolderItem *folder)
{
  const char *name = casella_folder_display_name (casella_folder_item_get_folder (folder));
  guint unread = casella_folder_item_get_unread (folder);
  g_autofree char *count = unread ? g_strdup_printf ("%u", unread) : g_strdup ("");
  g_autofree char *description = NULL;

  gtk_label_set_text (row->name, name);
  gtk_label_set_text (row->unread, count);
  if (unread)
    gtk_widget_add_css_class (GTK_WIDGET (row->name), "heading");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (row->name), "heading");
  /* Translators: a folder in the sidebar, for screen readers: "Inbox, 3 unread" */
  description = unread ? g_strdup_printf (ngettext ("%s, %u unread", "%s, %u unread", unread), name, unread)
                       : g_strdup (name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->box), GTK_ACCESSIBLE_PROPERTY_LABEL, description, -1);
}

static void
on_folder_changed (CasellaFolderItem *folder,
                   GParamSpec        *pspec,
                   Row               *row)
{
  show_folder (row, folder);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  Row *row = g_object_get_data (G_OBJECT (item), "casella-row");
  CasellaFolderItem *folder = gtk_list_item_get_item (item);
  const CasellaStoreFolder *info = casella_folder_item_get_folder (folder);
  gboolean selectable = casella_folder_item_get_selectable (folder);

  gtk_widget_set_margin_start (row->box, 12 + 18 * (int) casella_folder_item_get_depth (folder));
  gtk_image_set_from_icon_name (row->icon, casella_folder_role_icon (info->role));
  gtk_widget_set_sensitive (row->box, selectable);
  gtk_list_item_set_selectable (item, selectable);
  gtk_list_item_set_activatable (item, selectable);
  row->folder_id = selectable && info->role != CASELLA_FOLDER_ROLE_OUTBOX ? info->id : 0;
  show_folder (row, folder);
  g_signal_connect (folder, "notify", G_CALLBACK (on_folder_changed), row);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  user_data)
{
  Row *row = g_object_get_data (G_OBJECT (item), "casella-row");
  CasellaFolderItem *folder = gtk_list_item_get_item (item);

  if (folder != NULL)
    g_signal_handlers_disconnect_by_data (folder, row);
}

/* ---- selection and the context menu ---- */

static CasellaFolderItem *
selected_item (CasellaFolderView *self)
{
  return self->selection ? gtk_single_selection_get_selected_item (self->selection) : NULL;
}

gint64
casella_folder_view_get_selected (CasellaFolderView *self)
{
  CasellaFolderItem *item = selected_item (self);

  return item ? casella_folder_item_get_id (item) : 0;
}

static void
on_selected (GtkSingleSelection *selection,
             GParamSpec         *pspec,
             CasellaFolderView  *self)
{
  CasellaFolderItem *item = selected_item (self);

  if (item != NULL && casella_folder_item_get_selectable (item))
    g_signal_emit (self, signals[SIGNAL_FOLDER_SELECTED], 0, casella_folder_item_get_id (item));
}

static GMenuModel *
folder_menu (gint64 folder_id)
{
  GMenu *menu = g_menu_new ();
  GMenu *section = g_menu_new ();
  struct { const char *label, *action; } items[] = {
    { N_("_New Folder…"), "win.new-folder" },
    { N_("_Rename…"), "win.rename-folder" },
    { N_("_Delete…"), "win.delete-folder" },
    { N_("_Show on Other Devices"), "win.toggle-subscription" },
    { N_("Save a _Copy…"), "win.export-folder" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (_(items[i].label), NULL);
      g_menu_item_set_action_and_target_value (item, items[i].action, g_variant_new_int64 (folder_id));
      g_menu_append_item (i < 3 ? menu : section, item);
    }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  g_object_unref (section);
  return G_MENU_MODEL (menu);
}

static void
show_menu (CasellaFolderView *self,
           gint64             folder_id,
           double             x,
           double             y)
{
  g_autoptr(GMenuModel) model = folder_menu (folder_id);
  GdkRectangle at = { (int) x, (int) y, 1, 1 };

  if (self->menu == NULL)
    {
      self->menu = gtk_popover_menu_new_from_model (NULL);
      gtk_widget_set_parent (self->menu, GTK_WIDGET (self));
      gtk_popover_set_has_arrow (GTK_POPOVER (self->menu), FALSE);
      gtk_widget_set_halign (self->menu, GTK_ALIGN_START);
    }
  gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->menu), model);
  gtk_popover_set_pointing_to (GTK_POPOVER (self->menu), &at);
  gtk_popover_popup (GTK_POPOVER (self->menu));
}

/* The row under the pointer becomes the selected one: the menu is
 * about it. */
static void
select_at (CasellaFolderView *self,
           double             x,
           double             y)
{
  graphene_point_t point;
  GtkWidget *picked;

  if (!gtk_widget_compute_point (GTK_WIDGET (self), GTK_WIDGET (self->list), &GRAPHENE_POINT_INIT (x, y), &point))
    return;
  picked = gtk_widget_pick (GTK_WIDGET (self->list), point.x, point.y, GTK_PICK_DEFAULT);
  while (picked != NULL && g_strcmp0 (gtk_widget_get_css_name (picked), "row") != 0)
    picked = gtk_widget_get_parent (picked);
  if (picked != NULL)
    gtk_widget_activate_action (picked, "listitem.select", "(bb)", FALSE, FALSE);
}

static void
menu_at (CasellaFolderView *self,
         double             x,
         double             y)
{
  gint64 id;

  select_at (self, x, y);
  id = casella_folder_view_get_selected (self);
  if (id != 0)
    show_menu (self, id, x, y);
}

static void
on_secondary_click (GtkGestureClick   *gesture,
                    int                n_press,
                    double             x,
                    double             y,
                    CasellaFolderView *self)
{
  menu_at (self, x, y);
}

static void
on_long_press (GtkGestureLongPress *gesture,
               double               x,
               double               y,
               CasellaFolderView   *self)
{
  menu_at (self, x, y);
}

static gboolean
on_menu_key (GtkWidget *widget,
             GVariant  *args,
             gpointer   user_data)
{
  CasellaFolderView *self = CASELLA_FOLDER_VIEW (widget);
  gint64 id = casella_folder_view_get_selected (self);

  if (id == 0)
    return FALSE;
  show_menu (self, id, 24, 24);
  return TRUE;
}

/* ---- the widget ---- */

void
casella_folder_view_set_model (CasellaFolderView *self,
                               CasellaFolderList *folders)
{
  g_autoptr(GtkSingleSelection) selection = NULL;

  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  selection = gtk_single_selection_new (folders ? g_object_ref (G_LIST_MODEL (folders)) : NULL);
  gtk_single_selection_set_autoselect (selection, FALSE);
  gtk_single_selection_set_can_unselect (selection, TRUE);
  gtk_single_selection_set_selected (selection, GTK_INVALID_LIST_POSITION);
  g_set_object (&self->selection, selection);
  gtk_list_view_set_model (self->list, GTK_SELECTION_MODEL (selection));
  g_signal_connect (selection, "notify::selected-item", G_CALLBACK (on_selected), self);
}

void
casella_folder_view_select (CasellaFolderView *self,
                            gint64             folder_id)
{
  GListModel *model = self->selection ? gtk_single_selection_get_model (self->selection) : NULL;

  for (guint i = 0; model && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(CasellaFolderItem) item = g_list_model_get_item (model, i);
      if (casella_folder_item_get_id (item) == folder_id)
        {
          gtk_single_selection_set_selected (self->selection, i);
          return;
        }
    }
}

void
casella_folder_view_unselect (CasellaFolderView *self)
{
  if (self->selection != NULL)
    gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
}

void
casella_folder_view_select_role (CasellaFolderView *self,
                                 CasellaFolderRole  role)
{
  GListModel *model = self->selection ? gtk_single_selection_get_model (self->selection) : NULL;

  for (guint i = 0; model && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(CasellaFolderItem) item = g_list_model_get_item (model, i);
      if (casella_folder_item_get_role (item) == role)
        {
          gtk_single_selection_set_selected (self->selection, i);
          return;
        }
    }
}

static void
casella_folder_view_dispose (GObject *object)
{
  CasellaFolderView *self = CASELLA_FOLDER_VIEW (object);

  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);
  g_clear_pointer (&self->menu, gtk_widget_unparent);
  g_clear_pointer (&self->scroller, gtk_widget_unparent);

  G_OBJECT_CLASS (casella_folder_view_parent_class)->dispose (object);
}

static void
casella_folder_view_size_allocate (GtkWidget *widget,
                                   int        width,
                                   int        height,
                                   int        baseline)
{
  CasellaFolderView *self = CASELLA_FOLDER_VIEW (widget);

  gtk_widget_size_allocate (self->scroller, &(GtkAllocation) { 0, 0, width, height }, baseline);
  if (self->menu != NULL)
    gtk_popover_present (GTK_POPOVER (self->menu));
}

static void
casella_folder_view_measure (GtkWidget      *widget,
                             GtkOrientation  orientation,
                             int             for_size,
                             int            *minimum,
                             int            *natural,
                             int            *minimum_baseline,
                             int            *natural_baseline)
{
  gtk_widget_measure (CASELLA_FOLDER_VIEW (widget)->scroller, orientation, for_size, minimum, natural,
                      minimum_baseline, natural_baseline);
}

static void
casella_folder_view_class_init (CasellaFolderViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = casella_folder_view_dispose;
  widget_class->size_allocate = casella_folder_view_size_allocate;
  widget_class->measure = casella_folder_view_measure;

  /* A selectable folder was chosen (gint64 id). */
  signals[SIGNAL_FOLDER_SELECTED] = g_signal_new ("folder-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  /* A message dropped on a folder: the folder's id and the message's item. */
  signals[SIGNAL_MESSAGE_DROPPED] = g_signal_new ("message-dropped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64,
                                                  CASELLA_TYPE_MESSAGE_ITEM);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, on_menu_key, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Menu, 0, on_menu_key, NULL);
  gtk_widget_class_set_css_name (widget_class, "casella-folder-view");
}

static void
casella_folder_view_init (CasellaFolderView *self)
{
  g_autoptr(GtkListItemFactory) factory = casella_ui_row_factory_new (G_CALLBACK (setup_row), G_CALLBACK (bind_row),
                                                                           G_CALLBACK (unbind_row));
  GtkGesture *click = gtk_gesture_click_new ();
  GtkGesture *press = gtk_gesture_long_press_new ();

  self->list = GTK_LIST_VIEW (gtk_list_view_new (NULL, g_object_ref (factory)));
  gtk_list_view_set_single_click_activate (self->list, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "navigation-sidebar");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Folders"), -1);
  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), GTK_WIDGET (self->list));
  gtk_widget_set_parent (self->scroller, GTK_WIDGET (self));

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_secondary_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (press), TRUE);
  g_signal_connect (press, "pressed", G_CALLBACK (on_long_press), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (press));
}

GtkWidget *
casella_folder_view_new (void)
{
  return g_object_new (CASELLA_TYPE_FOLDER_VIEW, NULL);
}
