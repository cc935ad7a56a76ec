/* test-window.c — the main window opens, shows its empty state and About
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>
#include <glib/gstdio.h>

#include "casella-application.h"
#include "casella-setup-window.h"
#include "casella-test-gtk.h"
#include "casella-window.h"

/* With no account the main window shows the empty state; "Add account"
 * there opens the assistant over it. */
static void
test_window_empty_state_and_about (void)
{
  g_autoptr(CasellaApplication) app = casella_application_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("casella-window-XXXXXX", NULL);
  g_autoptr(CasellaAccountStore) store = casella_account_store_new (dir);
  GtkWindow *window, *about, *setup;
  GtkWidget *add_button;
  GtkIconTheme *theme;

  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  window = GTK_WINDOW (casella_window_new (ADW_APPLICATION (app), store));
  gtk_window_present (window);
  casella_test_gtk_wait_mapped (GTK_WIDGET (window));
  g_assert_cmpstr (gtk_window_get_title (window), ==, "Casella");

  /* The icons ship in the resources, so they resolve without installing. */
  theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (window)));
  g_assert_true (gtk_icon_theme_has_icon (theme, "io.github.casellamail.Casella"));
  g_assert_true (gtk_icon_theme_has_icon (theme, "io.github.casellamail.Casella-symbolic"));

  g_assert_nonnull (casella_test_gtk_find_label (GTK_WIDGET (window), "No accounts yet"));
  add_button = casella_test_gtk_find_button (GTK_WIDGET (window), "_Add account");
  g_assert_nonnull (add_button);
  g_assert_true (gtk_widget_get_mapped (add_button));

  g_signal_emit_by_name (add_button, "clicked");
  setup = casella_test_gtk_wait_for_window (CASELLA_TYPE_SETUP_WINDOW, 2000);
  g_assert_nonnull (setup);
  g_assert_true (gtk_window_get_transient_for (setup) == window);
  g_assert_true (gtk_window_get_modal (setup));
  gtk_window_destroy (setup);
  casella_test_gtk_iterate (50);

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  about = casella_test_gtk_wait_for_window (ADW_TYPE_ABOUT_WINDOW, 2000);
  g_assert_nonnull (about);
  g_assert_cmpstr (adw_about_window_get_application_name (ADW_ABOUT_WINDOW (about)), ==, "Casella");
  casella_test_gtk_wait_mapped (GTK_WIDGET (about));
  gtk_window_destroy (about);

  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  casella_test_gtk_iterate (100);
  g_assert_null (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui/window/empty-state-and-about", test_window_empty_state_and_about);

  return g_test_run ();
}
