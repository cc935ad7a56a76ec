/* casella-application.c — the GUI application object
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "casella-account-store.h"
#include "casella-application.h"
#include "casella-setup-window.h"
#include "casella-ui.h"
#include "casella-window.h"

struct _CasellaApplication
{
  AdwApplication       parent_instance;

  CasellaAccountStore *store;
  char                *added_account;   /* id of the account just set up */
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

static CasellaSetupWindow *
casella_application_get_setup_window (CasellaApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    if (CASELLA_IS_SETUP_WINDOW (l->data))
      return l->data;
  return NULL;
}

/* For the start-up benchmark (tests/bench/bench-startup.c): once the
 * first window has drawn its first frame, report the peak memory so far
 * and quit. Nothing else reads this variable. */
static void
on_first_frame (GdkFrameClock *clock,
                GtkWidget     *window)
{
  g_autofree char *status = NULL;
  const char *peak;

  g_signal_handlers_disconnect_by_func (clock, on_first_frame, window);
  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL) && (peak = strstr (status, "VmHWM:")))
    g_print ("first-frame %.*s\n", (int) strcspn (peak, "\n"), peak);
  else
    g_print ("first-frame\n");
  g_application_quit (G_APPLICATION (gtk_window_get_application (GTK_WINDOW (window))));
}

static void
on_mapped_for_benchmark (GtkWidget *window)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (window), "after-paint",
                           G_CALLBACK (on_first_frame), window, 0);
}

static void
casella_application_watch_first_frame (GtkWindow *window)
{
  static gboolean watched;

  if (watched || g_getenv ("CASELLA_BENCH_FIRST_FRAME") == NULL)
    return;
  watched = TRUE;
  g_signal_connect (window, "map", G_CALLBACK (on_mapped_for_benchmark), NULL);
}

static CasellaWindow *
casella_application_open_main_window (CasellaApplication *self)
{
  CasellaWindow *window = casella_application_get_main_window (self);

  if (window == NULL)
    window = casella_window_new (ADW_APPLICATION (self), self->store);
  if (self->added_account != NULL)
    casella_window_show_account (window, self->added_account);
  g_clear_pointer (&self->added_account, g_free);
  casella_application_watch_first_frame (GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
on_account_added (CasellaSetupWindow *setup,
                  CasellaAccount     *account,
                  CasellaApplication *self)
{
  g_free (self->added_account);
  self->added_account = g_strdup (casella_account_get_id (account));
}

/* The assistant closed: the mail window takes over when there is mail
 * to show; otherwise, on a first start, Casella simply ends. */
static void
on_setup_destroyed (CasellaApplication *self)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->store)) > 0 || casella_application_get_main_window (self))
    casella_application_open_main_window (self);
}

static void
casella_application_open_setup (CasellaApplication *self)
{
  CasellaSetupWindow *setup = casella_application_get_setup_window (self);
  CasellaWindow *main_window = casella_application_get_main_window (self);

  if (setup == NULL)
    {
      setup = casella_setup_window_new (GTK_APPLICATION (self), self->store);
      g_signal_connect_object (setup, "account-added", G_CALLBACK (on_account_added), self, 0);
      g_signal_connect_object (setup, "destroy", G_CALLBACK (on_setup_destroyed), self, G_CONNECT_SWAPPED);
      if (main_window != NULL)
        {
          gtk_window_set_transient_for (GTK_WINDOW (setup), GTK_WINDOW (main_window));
          gtk_window_set_modal (GTK_WINDOW (setup), TRUE);
        }
    }
  casella_application_watch_first_frame (GTK_WINDOW (setup));
  gtk_window_present (GTK_WINDOW (setup));
}

/* A first start (no account yet) goes straight to the assistant. */
static void
casella_application_activate (GApplication *app)
{
  CasellaApplication *self = CASELLA_APPLICATION (app);

  if (casella_application_get_setup_window (self) != NULL)
    casella_application_open_setup (self);
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->store)) == 0 && !casella_application_get_main_window (self))
    casella_application_open_setup (self);
  else
    casella_application_open_main_window (self);
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
                        "transient-for", gtk_application_get_active_window (GTK_APPLICATION (self)),
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
  casella_application_open_setup (CASELLA_APPLICATION (user_data));
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

  CasellaApplication *self = CASELLA_APPLICATION (app);
  g_autoptr(GError) error = NULL;

  G_APPLICATION_CLASS (casella_application_parent_class)->startup (app);

  /* An unreadable file is set aside by the store; starting empty beats
   * not starting at all. */
  self->store = casella_account_store_new (NULL);
  if (!casella_account_store_load (self->store, &error))
    g_warning ("Could not read the accounts: %s", error->message);

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
casella_application_finalize (GObject *object)
{
  CasellaApplication *self = CASELLA_APPLICATION (object);

  g_clear_object (&self->store);
  g_free (self->added_account);

  G_OBJECT_CLASS (casella_application_parent_class)->finalize (object);
}

static void
casella_application_class_init (CasellaApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = casella_application_finalize;

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
