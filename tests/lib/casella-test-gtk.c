/* casella-test-gtk.c — helpers for driving GTK widgets in tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
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
match_button (GtkWidget *widget, gconstpointer label)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
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
casella_test_gtk_find_button (GtkWidget  *root,
                              const char *label)
{
  return find_widget (root, match_button, label);
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
