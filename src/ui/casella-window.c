/* casella-window.c — the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-ui.h"
#include "casella-window.h"

struct _CasellaWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;

  AdwToastOverlay      *toast_overlay;
  AdwStatusPage        *empty_page;
};

G_DEFINE_FINAL_TYPE (CasellaWindow, casella_window, ADW_TYPE_APPLICATION_WINDOW)

static void
casella_window_save_size (CasellaWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
casella_window_close_request (GtkWindow *window)
{
  casella_window_save_size (CASELLA_WINDOW (window));

  return GTK_WINDOW_CLASS (casella_window_parent_class)->close_request (window);
}

static void
casella_window_dispose (GObject *object)
{
  CasellaWindow *self = CASELLA_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CASELLA_TYPE_WINDOW);
  g_clear_object (&self->settings);

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
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/casellamail/Casella/casella-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CasellaWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CasellaWindow, empty_page);
}

static void
casella_window_init (CasellaWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

CasellaWindow *
casella_window_new (AdwApplication *application)
{
  g_return_val_if_fail (ADW_IS_APPLICATION (application), NULL);

  return g_object_new (CASELLA_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

void
casella_window_add_toast (CasellaWindow *self,
                          const char    *title)
{
  g_return_if_fail (CASELLA_IS_WINDOW (self));

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
}
