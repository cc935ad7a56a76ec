/* casella-ui.c — set-up shared by every widget of the UI library
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "casella-ui.h"
#include "casella-ui-resources.h"

/* The resources are registered by hand: in a static library nothing
 * references the generated object, so a constructor in it would be
 * dropped by the linker. Widgets call this before loading templates. */
void
casella_ui_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      casella_ui_register_resource ();
      g_once_init_leave (&initialized, 1);
    }
}

/* libadwaita 1.2 leaves the text inside an entry row, and the eye button
 * of a password row, without a name for screen readers: give them the
 * row's title and "Show password". */
static void
label_icon_buttons (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_BUTTON (child) && gtk_button_get_label (GTK_BUTTON (child)) == NULL)
        gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Show password"), -1);
      label_icon_buttons (child);
    }
}

void
casella_ui_label_entry_rows (GtkWidget *root)
{
  if (ADW_IS_ENTRY_ROW (root))
    {
      GtkEditable *text = gtk_editable_get_delegate (GTK_EDITABLE (root));
      const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root));

      if (text != NULL)
        gtk_accessible_update_property (GTK_ACCESSIBLE (text), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
      if (ADW_IS_PASSWORD_ENTRY_ROW (root))
        label_icon_buttons (root);
      return;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    casella_ui_label_entry_rows (child);
}

GtkListItemFactory *
casella_ui_row_factory_new (GCallback setup,
                            GCallback bind,
                            GCallback unbind)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", setup, NULL);
  g_signal_connect (factory, "bind", bind, NULL);
  g_signal_connect (factory, "unbind", unbind, NULL);
  return factory;
}

AdwToast *
casella_toast_new (const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  return adw_toast_new (escaped);
}

GSettings *
casella_ui_account_settings (const char *account_id)
{
  g_autofree char *path = g_strdup_printf ("/io/github/casellamail/Casella/accounts/%s/", account_id);

  return g_settings_new_with_path (APP_ID ".Account", path);
}
