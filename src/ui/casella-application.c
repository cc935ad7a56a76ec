/* casella-application.c — the GUI application object
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-application.h"
#include "casella-ui.h"
#include "casella-window.h"

struct _CasellaApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (CasellaApplication, casella_application, ADW_TYPE_APPLICATION)

static CasellaWindow *
casella_application_get_main_window (CasellaApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (CASELLA_IS_WINDOW (window))
    return CASELLA_WINDOW (window);

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    if (CASELLA_IS_WINDOW (l->data))
      return l->data;

  return NULL;
}

static void
casella_application_activate (GApplication *app)
{
  CasellaApplication *self = CASELLA_APPLICATION (app);
  CasellaWindow *window = casella_application_get_main_window (self);

  if (window == NULL)
    window = casella_window_new (ADW_APPLICATION (self));

  gtk_window_present (GTK_WINDOW (window));
}

static void
casella_application_about_action (GSimpleAction *action,
                                  GVariant      *parameter,
                                  gpointer       user_data)
{
  CasellaApplication *self = user_data;
  static const char *developers[] = { "The Casella developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", casella_application_get_main_window (self),
                        "application-name", _("Casella"),
                        "application-icon", APP_ID,
                        "developer-name", _("The Casella developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Set up your email and read it, without the technical bits."),
                        "website", "https://github.com/casellamail/casella",
                        "issue-url", "https://github.com/casellamail/casella/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "developers", developers,
                        /* Translators: put your name here, it is shown in the About window */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
casella_application_add_account_action (GSimpleAction *action,
                                        GVariant      *parameter,
                                        gpointer       user_data)
{
  CasellaApplication *self = user_data;
  CasellaWindow *window = casella_application_get_main_window (self);

  if (window == NULL)
    return;

  /* The setup assistant arrives with its own issue; until then, say so. */
  casella_window_add_toast (window, _("Account setup is coming soon"));
}

static void
casella_application_quit_action (GSimpleAction *action,
                                 GVariant      *parameter,
                                 gpointer       user_data)
{
  CasellaApplication *self = user_data;

  /* Close windows first so each can save its state. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; )
    {
      GList *next = l->next;
      gtk_window_close (l->data);
      l = next;
    }
  g_application_quit (G_APPLICATION (self));
}

static const GActionEntry app_actions[] = {
  { "about", casella_application_about_action },
  { "add-account", casella_application_add_account_action },
  { "quit", casella_application_quit_action },
};

static void
casella_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (casella_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
}

/* mailto: links arrive here; the composer that will take them comes later,
 * so for now the window is brought up rather than the link being refused. */
static void
casella_application_open (GApplication  *app,
                          GFile        **files,
                          int            n_files,
                          const char    *hint)
{
  g_application_activate (app);
}

static void
casella_application_class_init (CasellaApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = casella_application_activate;
  app_class->startup = casella_application_startup;
  app_class->open = casella_application_open;

  /* Before startup, so GtkApplication finds gtk/help-overlay.ui. */
  casella_ui_init ();
}

static void
casella_application_init (CasellaApplication *self)
{
}

CasellaApplication *
casella_application_new (void)
{
  return g_object_new (CASELLA_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", "/io/github/casellamail/Casella",
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       NULL);
}
