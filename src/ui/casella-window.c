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
  CasellaAccountStore  *store;
  char                 *account_id;   /* the account on show */

  AdwToastOverlay      *toast_overlay;
  GtkStack             *content_stack;
  AdwStatusPage        *empty_page;
  AdwStatusPage        *account_page;
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
  g_clear_object (&self->store);
  g_clear_pointer (&self->account_id, g_free);

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
  gtk_widget_class_bind_template_child (widget_class, CasellaWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, CasellaWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, CasellaWindow, account_page);
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

/* The account on show, or the first one; the empty state without any. */
static void
casella_window_update (CasellaWindow *self)
{
  g_autoptr(CasellaAccount) first = NULL;
  CasellaAccount *account = NULL;

  if (self->account_id != NULL)
    account = casella_account_store_lookup (self->store, self->account_id);
  if (account == NULL && g_list_model_get_n_items (G_LIST_MODEL (self->store)) > 0)
    account = first = g_list_model_get_item (G_LIST_MODEL (self->store), 0);
  if (account == NULL)
    {
      gtk_stack_set_visible_child_name (self->content_stack, "empty");
      return;
    }
  adw_status_page_set_title (self->account_page, casella_account_get_address (account));
  gtk_stack_set_visible_child_name (self->content_stack, "account");
}

CasellaWindow *
casella_window_new (AdwApplication      *application,
                    CasellaAccountStore *store)
{
  CasellaWindow *self;

  g_return_val_if_fail (ADW_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (CASELLA_IS_ACCOUNT_STORE (store), NULL);

  self = g_object_new (CASELLA_TYPE_WINDOW, "application", application, NULL);
  self->store = g_object_ref (store);
  g_signal_connect_object (store, "items-changed", G_CALLBACK (casella_window_update), self, G_CONNECT_SWAPPED);
  casella_window_update (self);
  return self;
}

void
casella_window_show_account (CasellaWindow *self,
                             const char    *account_id)
{
  g_return_if_fail (CASELLA_IS_WINDOW (self));

  g_free (self->account_id);
  self->account_id = g_strdup (account_id);
  casella_window_update (self);
}

void
casella_window_add_toast (CasellaWindow *self,
                          const char    *title)
{
  g_return_if_fail (CASELLA_IS_WINDOW (self));

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
}
