/* casella-test-window.c — driving the mail window in a test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>

#include "casella-account-store.h"
#include "casella-engine.h"
#include "casella-test-account.h"
#include "casella-test-gtk.h"
#include "casella-test-util.h"
#include "casella-test-window.h"
#include "casella-ui.h"

void
casella_test_window_init_gtk (int    *argc,
                              char ***argv)
{
  g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (argc, argv, NULL);
  adw_init ();
  casella_i18n_init ();
  casella_engine_init ();
}

void
casella_test_window_add_account (CasellaAccount *account,
                                 const char     *password)
{
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (casella_test_account_store_password (account, password, &error));
  g_assert_true (casella_account_store_load (accounts, &error));
  g_assert_true (casella_account_store_add (accounts, account, &error));
}

CasellaWindow *
casella_test_window_start (CasellaApplication *app)
{
  g_autoptr(GError) error = NULL;
  CasellaWindow *window;

  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  window = CASELLA_WINDOW (casella_test_gtk_wait_for_window (CASELLA_TYPE_WINDOW, 5000));
  g_assert_nonnull (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  casella_test_gtk_wait_mapped (GTK_WIDGET (window));
  g_assert_true (casella_test_window_wait_state (window, CASELLA_SESSION_UP_TO_DATE, 30000));
  return window;
}

gint64
casella_test_window_find (CasellaWindow *window,
                          const char    *subject)
{
  GListModel *list = casella_message_view_get_model (window->message_view);

  for (guint i = 0; list && i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(CasellaMessageItem) item = g_list_model_get_item (list, i);
      if (g_strcmp0 (casella_message_item_get_subject (item), subject) == 0)
        return casella_message_item_get_id (item);
    }
  return 0;
}

typedef struct {
  CasellaWindow *window;
  const char    *subject;
  gboolean       present;
} Wanted;

static gboolean
listed_as_wanted (gpointer data)
{
  Wanted *wanted = data;

  return (casella_test_window_find (wanted->window, wanted->subject) != 0) == wanted->present;
}

static void
dump_list (CasellaWindow *window)
{
  GListModel *list = casella_message_view_get_model (window->message_view);

  g_test_message ("folder %" G_GINT64_FORMAT ", %u rows", window->folder_id, list ? g_list_model_get_n_items (list) : 0);
  for (guint i = 0; list && i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(CasellaMessageItem) item = g_list_model_get_item (list, i);
      g_test_message ("  %s", casella_message_item_get_subject (item));
    }
}

gboolean
casella_test_window_wait_for (CasellaWindow *window,
                              const char    *subject,
                              gboolean       present,
                              guint          timeout_ms)
{
  Wanted wanted = { window, subject, present };

  if (casella_test_wait_until (listed_as_wanted, &wanted, timeout_ms))
    return TRUE;
  dump_list (window);
  return FALSE;
}

gboolean
casella_test_window_state_is (CasellaWindow       *window,
                              CasellaSessionState  state)
{
  return window->session != NULL && casella_mail_session_get_state (window->session) == state;
}

static gboolean
state_reached (gpointer data)
{
  return casella_test_window_state_is (g_object_get_data (data, "casella-test-window"),
                                       GPOINTER_TO_INT (g_object_get_data (data, "casella-test-state")));
}

static void
note_state (CasellaMailSession *session,
            GParamSpec         *pspec,
            GString            *states)
{
  const GError *error = casella_mail_session_get_error (session);

  g_string_append_printf (states, " %d%s%s%s", casella_mail_session_get_state (session), error ? " (" : "",
                          error ? error->message : "", error ? ")" : "");
}

/* On a timeout it says which states the session went through. */
gboolean
casella_test_window_wait_state (CasellaWindow      *window,
                                CasellaSessionState state,
                                guint               timeout_ms)
{
  g_autoptr(GObject) marker = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GString) states = g_string_new (NULL);
  g_autoptr(CasellaMailSession) session = window->session ? g_object_ref (window->session) : NULL;
  gulong handler = session ? g_signal_connect (session, "notify::state", G_CALLBACK (note_state), states) : 0;
  gboolean reached;

  g_object_set_data (marker, "casella-test-window", window);
  g_object_set_data (marker, "casella-test-state", GINT_TO_POINTER (state));
  reached = casella_test_wait_until (state_reached, marker, timeout_ms);
  if (handler != 0)
    g_signal_handler_disconnect (session, handler);
  if (!reached)
    g_test_message ("state %d not reached; went through:%s; now %d", state, states->str,
                    window->session ? (int) casella_mail_session_get_state (window->session) : -1);
  return reached;
}

static gboolean
folder_open (gpointer data)
{
  CasellaWindow *window = g_object_get_data (data, "casella-test-window");

  return window->folder_id == (gint64) GPOINTER_TO_SIZE (g_object_get_data (data, "casella-test-folder"));
}

void
casella_test_window_open_folder (CasellaWindow *window,
                                 const char    *path)
{
  g_autoptr(CasellaStoreFolder) folder = casella_store_find_folder (casella_window_get_store (window), path);
  g_autoptr(GObject) marker = g_object_new (G_TYPE_OBJECT, NULL);

  g_assert_nonnull (folder);
  g_object_set_data (marker, "casella-test-window", window);
  g_object_set_data (marker, "casella-test-folder", GSIZE_TO_POINTER ((gsize) folder->id));
  casella_folder_view_select (window->folder_view, folder->id);
  g_assert_true (casella_test_wait_until (folder_open, marker, 5000));
}

static gboolean
reader_shows (gpointer data)
{
  CasellaWindow *window = g_object_get_data (data, "casella-test-window");
  gint64 id = *(gint64 *) g_object_get_data (data, "casella-test-id");

  return casella_reader_get_raw (window->reader) != NULL && casella_reader_get_message (window->reader) == id;
}

void
casella_test_window_read (CasellaWindow *window,
                          const char    *subject)
{
  g_autoptr(GObject) marker = g_object_new (G_TYPE_OBJECT, NULL);
  gint64 id;

  g_assert_true (casella_test_window_wait_for (window, subject, TRUE, 10000));
  id = casella_test_window_find (window, subject);
  g_object_set_data (marker, "casella-test-window", window);
  g_object_set_data (marker, "casella-test-id", &id);
  casella_window_select_message (window, window->session, id);
  g_assert_true (casella_test_wait_until (reader_shows, marker, 10000));
}

static gboolean
chooser_shows (gpointer chooser)
{
  g_autoptr(GFile) shown = gtk_file_chooser_get_current_folder (chooser);
  GFile *wanted = g_object_get_data (chooser, "casella-test-folder");

  return shown != NULL && (wanted == NULL || g_file_equal (shown, wanted));
}

/* The chooser sets its own folder once mapped: wait for that first. */
void
casella_test_window_choose_file (const char *dir)
{
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  GtkWindow *chooser = casella_test_gtk_wait_for_window (GTK_TYPE_FILE_CHOOSER_DIALOG, 5000);

  g_assert_nonnull (chooser);
  casella_test_gtk_wait_mapped (GTK_WIDGET (chooser));
  /* Choosing a folder, it may show none at first. */
  if (gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser)) != GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER)
    g_assert_true (casella_test_wait_until (chooser_shows, chooser, 5000));
  g_assert_true (gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL));
  g_object_set_data_full (G_OBJECT (chooser), "casella-test-folder", g_object_ref (folder), g_object_unref);
  g_assert_true (casella_test_wait_until (chooser_shows, chooser, 5000));
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
}

void
casella_test_window_shot (GtkWidget  *widget,
                          const char *test,
                          const char *name)
{
  g_autofree char *file = g_strdup_printf ("%s-%s-%s.png", test, name, casella_test_language ());
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "screenshots", file, NULL);

  g_assert_true (casella_test_gtk_screenshot (widget, path));
}
