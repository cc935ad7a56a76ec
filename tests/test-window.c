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

/* Every icon the UI's templates name is in the icon theme, and the
 * icons (SVG) can be drawn at all: without gdk-pixbuf's SVG loader
 * (librsvg2-common) each one is a broken-image square. */
static void
assert_icons_drawable (GtkIconTheme *theme)
{
  const char *base = "/io/github/casellamail/Casella/";
  const char *folders[] = { "window/", "reader/", "composer/", "setup/", "gtk/" };
  g_autoptr(GRegex) icon_name = g_regex_new ("name=\"icon-name\">([^<]+)<", 0, 0, NULL);
  g_autoptr(GdkPixbuf) icon = NULL;
  g_autoptr(GError) error = NULL;
  guint checked = 0;

  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *folder = g_strconcat (base, folders[i], NULL);
      g_auto(GStrv) files = g_resources_enumerate_children (folder, 0, &error);

      g_assert_no_error (error);
      for (guint j = 0; files[j] != NULL; j++)
        {
          g_autofree char *path = g_strconcat (folder, files[j], NULL);
          g_autoptr(GBytes) ui = g_resources_lookup_data (path, 0, &error);
          g_autoptr(GMatchInfo) match = NULL;

          g_assert_no_error (error);
          g_regex_match (icon_name, g_bytes_get_data (ui, NULL), 0, &match);
          for (; g_match_info_matches (match); g_match_info_next (match, NULL), checked++)
            {
              g_autofree char *name = g_match_info_fetch (match, 1);
              if (!gtk_icon_theme_has_icon (theme, name))
                g_error ("%s names the icon %s, which the icon theme does not have", path, name);
            }
        }
    }
  g_assert_cmpuint (checked, >, 10);
  icon = gdk_pixbuf_new_from_resource_at_scale ("/io/github/casellamail/Casella/icons/scalable/apps/"
                                                "io.github.casellamail.Casella.svg", 64, 64, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (icon), ==, 64);
}

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
  assert_icons_drawable (theme);

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
  casella_test_gtk_drain ();

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  about = casella_test_gtk_wait_for_window (ADW_TYPE_ABOUT_WINDOW, 2000);
  g_assert_nonnull (about);
  g_assert_cmpstr (adw_about_window_get_application_name (ADW_ABOUT_WINDOW (about)), ==, "Casella");
  casella_test_gtk_wait_mapped (GTK_WIDGET (about));
  gtk_window_destroy (about);

  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  while (gtk_application_get_active_window (GTK_APPLICATION (app)) != NULL &&
         g_main_context_iteration (NULL, TRUE))
    ;
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
