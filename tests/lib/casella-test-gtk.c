/* casella-test-gtk.c — helpers for driving GTK widgets in tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>
#include <string.h>

#include "casella-engine.h"
#include "casella-message-row.h"
#include "casella-test-gtk.h"

/* Runs the main context for about ms milliseconds. */
void
casella_test_gtk_iterate (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

void
casella_test_gtk_drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

void
casella_test_gtk_wait_mapped (GtkWidget *widget)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (!gtk_widget_get_mapped (widget) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (gtk_widget_get_mapped (widget));
}

typedef gboolean (*Match) (GtkWidget *widget, gconstpointer data);

static GtkWidget *
find_widget (GtkWidget     *root,
             Match          match,
             gconstpointer  data)
{
  if (match (root, data))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, match, data);
      if (found)
        return found;
    }
  return NULL;
}

static gboolean
match_label (GtkWidget *widget, gconstpointer text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0;
}

static gboolean
match_label_containing (GtkWidget *widget, gconstpointer text)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_visible (widget) &&
         strstr (gtk_label_get_label (GTK_LABEL (widget)), text) != NULL;
}

static gboolean
match_button (GtkWidget *widget, gconstpointer label)
{
  /* An icon-only button goes by its tooltip, which names what it does. */
  return GTK_IS_BUTTON (widget) && (g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0 ||
                                    g_strcmp0 (gtk_widget_get_tooltip_text (widget), label) == 0);
}

static gboolean
match_type (GtkWidget *widget, gconstpointer type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (type));
}

GtkWidget *
casella_test_gtk_find_label (GtkWidget  *root,
                             const char *text)
{
  return find_widget (root, match_label, text);
}

GtkWidget *
casella_test_gtk_find_label_containing (GtkWidget  *root,
                                        const char *text)
{
  return find_widget (root, match_label_containing, text);
}

GtkWidget *
casella_test_gtk_find_button (GtkWidget  *root,
                              const char *label)
{
  return find_widget (root, match_button, label);
}

static gboolean
match_message_row (GtkWidget *widget, gconstpointer subject)
{
  CasellaMessageItem *item = CASELLA_IS_MESSAGE_ROW (widget) ? casella_message_row_get_item (CASELLA_MESSAGE_ROW (widget))
                                                             : NULL;

  return item != NULL && g_strcmp0 (casella_message_item_get_subject (item), subject) == 0;
}

GtkWidget *
casella_test_gtk_find_message_row (GtkWidget  *root,
                                   const char *subject)
{
  return find_widget (root, match_message_row, subject);
}

GtkWidget *
casella_test_gtk_find_by_type (GtkWidget *root,
                               GType      type)
{
  return find_widget (root, match_type, GSIZE_TO_POINTER (type));
}

gboolean
casella_test_gtk_wait_for_label (GtkWidget  *root,
                                 const char *text,
                                 guint       timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      if (casella_test_gtk_find_label (root, text))
        return TRUE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  return casella_test_gtk_find_label (root, text) != NULL;
}

GtkWindow *
casella_test_gtk_wait_for_window (GType type,
                                  guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  do
    {
      GListModel *windows = gtk_window_get_toplevels ();

      for (guint i = 0; i < g_list_model_get_n_items (windows); i++)
        {
          g_autoptr(GtkWindow) window = g_list_model_get_item (windows, i);
          if (G_TYPE_CHECK_INSTANCE_TYPE (window, type))
            return window;
        }
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  while (g_get_monotonic_time () < end);

  return NULL;
}

/* Renders what the window shows now into a PNG: a test artifact a person
 * looks at (pages, both languages). */
gboolean
casella_test_gtk_screenshot (GtkWidget  *window,
                             const char *path)
{
  return casella_test_gtk_screenshot_with (window, NULL, path);
}

/* Where a popover's content is, in its window's coordinates: the popup
 * is placed relative to the window's surface, and each surface holds its
 * widget at an offset (shadows, margins). */
static void
popover_origin (GtkWidget *window,
                GtkWidget *popover,
                double    *x,
                double    *y)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (popover));
  double window_x, window_y, popover_x, popover_y;

  gtk_native_get_surface_transform (GTK_NATIVE (window), &window_x, &window_y);
  gtk_native_get_surface_transform (GTK_NATIVE (popover), &popover_x, &popover_y);
  *x = gdk_popup_get_position_x (GDK_POPUP (surface)) + popover_x - window_x;
  *y = gdk_popup_get_position_y (GDK_POPUP (surface)) + popover_y - window_y;
}

gboolean
casella_test_gtk_screenshot_with (GtkWidget  *window,
                                  GtkWidget  *popover,
                                  const char *path)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GdkPaintable) popup = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  GskRenderer *renderer;
  int width = 0, height = 0;

  /* Let pending layout and drawing settle; a window that has not drawn
   * its first frame yet has nothing to show, so give it a moment. */
  paintable = gtk_widget_paintable_new (window);
  popup = popover ? gtk_widget_paintable_new (popover) : NULL;
  for (int tries = 0; node == NULL && tries < 20; tries++)
    {
      casella_test_gtk_iterate (tries == 0 ? 400 : 100);   /* past a page transition */
      width = gtk_widget_get_width (window);
      height = gtk_widget_get_height (window);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      if (popup != NULL && gtk_widget_get_mapped (popover))
        {
          double x, y;

          popover_origin (window, popover, &x, &y);
          gtk_snapshot_save (snapshot);
          gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((float) x, (float) y));
          gdk_paintable_snapshot (popup, snapshot, gtk_widget_get_width (popover), gtk_widget_get_height (popover));
          gtk_snapshot_restore (snapshot);
        }
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
    }
  renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  if (node == NULL || renderer == NULL)
    return FALSE;
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_mkdir_with_parents (dir, 0755);
  return gdk_texture_save_to_png (texture, path);
}

/* Everything a keyboard can reach must say what it is: a button's own
 * label, an accessible label, or a label it points to. */
static gboolean
has_accessible_name (GtkWidget *widget)
{
  GtkAccessible *accessible = GTK_ACCESSIBLE (widget);

  if (gtk_test_accessible_has_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL) ||
      gtk_test_accessible_has_relation (accessible, GTK_ACCESSIBLE_RELATION_LABELLED_BY))
    return TRUE;
  if (GTK_IS_BUTTON (widget) && !GTK_IS_LINK_BUTTON (widget))
    {
      const char *label = gtk_button_get_label (GTK_BUTTON (widget));
      if (label != NULL && label[0] != '\0' && !gtk_button_get_icon_name (GTK_BUTTON (widget)))
        return TRUE;
    }
  if (GTK_IS_LINK_BUTTON (widget))
    return gtk_button_get_label (GTK_BUTTON (widget)) != NULL;
  return FALSE;
}

static gboolean
is_control (GtkWidget *widget)
{
  return GTK_IS_BUTTON (widget) || GTK_IS_SWITCH (widget) || GTK_IS_SPIN_BUTTON (widget) ||
         GTK_IS_TEXT (widget) || GTK_IS_CHECK_BUTTON (widget) || GTK_IS_DROP_DOWN (widget);
}

void
casella_test_gtk_collect_unlabelled (GtkWidget *root,
                                     GPtrArray *unlabelled)
{
  /* Not shown: hidden, or a revealer's child while it is closed (the
   * search of a preferences window without search). */
  if (!gtk_widget_get_visible (root) || !gtk_widget_get_child_visible (root))
    return;
  /* A spin button's text is part of it: the spin button carries the name. */
  if (is_control (root) && gtk_widget_get_focusable (root) && !has_accessible_name (root) &&
      !(GTK_IS_TEXT (root) && gtk_widget_get_ancestor (root, GTK_TYPE_SPIN_BUTTON)))
    g_ptr_array_add (unlabelled, root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    casella_test_gtk_collect_unlabelled (child, unlabelled);
}

typedef struct {
  CasellaTestGtkDrawn drawn;
  gpointer            data;
  gint64              at;
} Watch;

static void
on_after_paint (GdkFrameClock *clock,
                Watch         *watch)
{
  if (watch->at == 0 && watch->drawn (watch->data))
    watch->at = g_get_monotonic_time ();
}

double
casella_test_gtk_time_until_drawn (GtkWidget           *widget,
                                   CasellaTestGtkChange change,
                                   gpointer             change_data,
                                   CasellaTestGtkDrawn  drawn,
                                   gpointer             drawn_data,
                                   guint                timeout_ms)
{
  Watch watch = { drawn, drawn_data, 0 };
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gulong handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &watch);
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64) timeout_ms * 1000;

  change (change_data);
  /* A change that draws nothing new still gets its frame. */
  gtk_widget_queue_draw (widget);
  while (watch.at == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (clock, handler);
  return watch.at == 0 ? -1 : (watch.at - start) / 1000.0;
}

void
casella_test_gtk_init_bench (int    *argc,
                             char ***argv)
{
  g_setenv ("GTK_A11Y", "none", TRUE);
  gtk_test_init (argc, argv, NULL);
  adw_init ();
  casella_i18n_init ();
  casella_engine_init ();
}

/* ---- the desktop's notification service, on the private bus ---- */

static char *notified;        /* the last notification's summary */
static char *notified_body;   /* and its body */

static const char notifications_xml[] =
  "<node><interface name='org.freedesktop.Notifications'>"
  "<method name='Notify'><arg type='s' direction='in'/><arg type='u' direction='in'/><arg type='s' direction='in'/>"
  "<arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "<arg type='a{sv}' direction='in'/><arg type='i' direction='in'/><arg type='u' direction='out'/></method>"
  "<method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "<method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "<method name='GetServerInformation'><arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "<arg type='s' direction='out'/><arg type='s' direction='out'/></method>"
  "</interface></node>";

static void
on_notification_call (GDBusConnection       *connection,
                      const char            *sender,
                      const char            *path,
                      const char            *interface,
                      const char            *method,
                      GVariant              *parameters,
                      GDBusMethodInvocation *invocation,
                      gpointer               user_data)
{
  if (g_str_equal (method, "Notify"))
    {
      g_free (notified);
      g_free (notified_body);
      g_variant_get_child (parameters, 3, "s", &notified);
      g_variant_get_child (parameters, 4, "s", &notified_body);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", 1));
    }
  else if (g_str_equal (method, "GetCapabilities"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new_parsed ("(@as ['body', 'actions'],)"));
  else if (g_str_equal (method, "GetServerInformation"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ssss)", "test", "casella", "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

/* Mail notifications go somewhere, and the test can see them. */
void
casella_test_gtk_serve_notifications (void)
{
  static const GDBusInterfaceVTable vtable = { on_notification_call };
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (notifications_xml, NULL);
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;

  g_assert_nonnull (bus);
  g_dbus_connection_register_object (bus, "/org/freedesktop/Notifications", info->interfaces[0], &vtable, NULL, NULL,
                                     NULL);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "RequestName", g_variant_new ("(su)", "org.freedesktop.Notifications", 4),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  g_assert_nonnull (reply);
}

const char *
casella_test_gtk_get_notified (void)
{
  return notified;
}

const char *
casella_test_gtk_get_notified_body (void)
{
  return notified_body;
}
