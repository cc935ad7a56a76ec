/* casella-application.c — the GUI application object
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "casella-account-certificate.h"
#include "casella-account-store.h"
#include "casella-application.h"
#include "casella-composer.h"
#include "casella-credentials.h"
#include "casella-setup-window.h"
#include "casella-store.h"
#include "casella-store-queue.h"
#include "casella-mail-session-writes.h"
#include "casella-ui.h"
#include "casella-window.h"

struct _CasellaApplication
{
  AdwApplication       parent_instance;

  CasellaAccountStore *store;
  char                *added_account;   /* id of the account just set up */
  GHashTable          *sessions;        /* account id → CasellaMailSession */
  GPtrArray           *stopping;        /* sessions of removed accounts, until their threads end */
  GHashTable          *starting;        /* account ids whose passwords are being read */
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


/* ---- sessions: one per account, while the app runs ---- */

CasellaMailSession *
casella_application_get_session (CasellaApplication *self,
                                 const char         *account_id)
{
  g_return_val_if_fail (CASELLA_IS_APPLICATION (self), NULL);

  return account_id && self->sessions ? g_hash_table_lookup (self->sessions, account_id) : NULL;
}

static void
tell_windows (CasellaApplication *self,
              const char         *account_id)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    if (CASELLA_IS_WINDOW (l->data))
      casella_window_session_ready (l->data, account_id);
}

/* New mail while no Casella window has the focus: a notification. */
static void
on_new_mail (CasellaMailSession *session,
             gint64              folder_id,
             guint               count,
             gint64              newest,
             CasellaApplication *self)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));
  g_autoptr(CasellaMessageInfo) info = casella_store_get_message (casella_mail_session_get_store (session), newest);
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *notification_id = NULL;
  const char *id = casella_account_get_id (casella_mail_session_get_account (session));

  if ((active != NULL && gtk_window_is_active (active)) || info == NULL)
    return;
  if (count == 1)
    /* Translators: a notification's title, %s is who wrote */
    title = g_strdup_printf (_("New mail from %s"), info->from_name ? info->from_name : info->from_address);
  else
    title = g_strdup_printf (ngettext ("%u new message", "%u new messages", count), count);
  notification = g_notification_new (title);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->store)) > 1)
    {
      /* Several accounts: which one it came to. Translators: a subject, then an address */
      g_autofree char *body = g_strdup_printf (_("%s\nTo %s"), info->subject ? info->subject : "",
                                               casella_account_get_address (casella_mail_session_get_account (session)));
      g_notification_set_body (notification, body);
    }
  else
    g_notification_set_body (notification, info->subject ? info->subject : "");
  g_notification_set_default_action_and_target (notification, "app.show-message", "(sxx)", id, folder_id, newest);
  /* One per account: news from one never hides the other's. */
  notification_id = g_strdup_printf ("new-mail-%s", id);
  g_application_send_notification (G_APPLICATION (self), notification_id, notification);
}

/* ---- pins that are not needed any more ---- */

typedef struct {
  CasellaApplication *self;
  CasellaAccount     *account;
  CasellaProtocol     protocol;
} PinCheck;

static void
on_pins_saved (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!casella_account_store_save_finish (CASELLA_ACCOUNT_STORE (source), result, &error))
    g_warning ("Could not save the accounts: %s", error->message);
}

static void
on_pin_checked (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  PinCheck *check = user_data;
  g_autoptr(CasellaCertificateCheck) answer = casella_account_check_certificate_finish (result, NULL);

  /* The server has a certificate the system trusts now: the user's
   * earlier exception goes, without a question. */
  if (answer != NULL && answer->trusted &&
      casella_account_store_lookup (check->self->store, casella_account_get_id (check->account)) == check->account)
    {
      g_debug ("A trusted certificate now: the pin for %s goes", casella_account_get_address (check->account));
      casella_account_set_pinned_certificate (check->account, check->protocol, NULL);
      casella_account_store_save_async (check->self->store, NULL, on_pins_saved, NULL);
    }
  g_object_unref (check->self);
  g_object_unref (check->account);
  g_free (check);
}

/* Once per session, when it first is up to date. */
static void
on_session_state (CasellaMailSession *session,
                  GParamSpec         *pspec,
                  CasellaApplication *self)
{
  CasellaAccount *account = casella_mail_session_get_account (session);
  CasellaProtocol protocols[] = { casella_account_get_incoming (account)->protocol, CASELLA_PROTOCOL_SMTP };

  if (casella_mail_session_get_state (session) != CASELLA_SESSION_UP_TO_DATE)
    return;
  g_signal_handlers_disconnect_by_func (session, on_session_state, self);
  for (guint i = 0; i < G_N_ELEMENTS (protocols); i++)
    if (casella_account_get_pinned_certificate (account, protocols[i]) != NULL)
      {
        PinCheck *check = g_new0 (PinCheck, 1);

        check->self = g_object_ref (self);
        check->account = g_object_ref (account);
        check->protocol = protocols[i];
        casella_account_check_certificate_async (account, protocols[i], casella_mail_session_get_tls_database (session),
                                                 NULL, on_pin_checked, check);
      }
}

typedef struct {
  CasellaApplication *self;
  CasellaAccount     *account;
  char               *password;
  CasellaTokenSource *tokens;    /* OAuth2 accounts, instead of the password */
} Starting;

static void starting_free (Starting *starting);

static void
on_session_opened (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Starting *starting = user_data;
  CasellaApplication *self = starting->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaMailSession) session = casella_mail_session_new_finish (result, &error);
  const char *id = casella_account_get_id (starting->account);

  g_hash_table_remove (self->starting, id);
  if (session == NULL)
    g_warning ("Cannot open the mail of %s: %s", casella_account_get_address (starting->account), error->message);
  /* Gone while its store was being opened? Then no session. */
  else if (casella_account_store_lookup (self->store, id) != NULL)
    {
      g_signal_connect (session, "new-mail", G_CALLBACK (on_new_mail), self);
      g_signal_connect_object (session, "notify::state", G_CALLBACK (on_session_state), self, 0);
      casella_mail_session_start (session);
      g_hash_table_replace (self->sessions, g_strdup (id), g_steal_pointer (&session));
      tell_windows (self, id);
    }
  starting_free (starting);
}

/* The store opens on a worker: a migration or a check after a crash
 * never holds up the window. */
static void
start_session (Starting   *starting,
               const char *smtp_password)
{
  CasellaMailSessionOptions options = { starting->password, smtp_password, NULL, 0, 0, starting->tokens };

  casella_mail_session_new_async (starting->account, &options, NULL, on_session_opened, starting);
}

static void
starting_free (Starting *starting)
{
  g_object_unref (starting->self);
  g_object_unref (starting->account);
  casella_credentials_free (starting->password);
  g_clear_object (&starting->tokens);
  g_free (starting);
}

static void
on_smtp_password (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Starting *starting = user_data;
  g_autofree char *smtp = casella_credentials_lookup_finish (result, NULL);

  start_session (starting, smtp);   /* which frees starting, later */
  if (smtp != NULL)
    memset (smtp, 0, strlen (smtp));
}

static void
on_password (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Starting *starting = user_data;
  g_autoptr(GError) error = NULL;

  starting->password = casella_credentials_lookup_finish (result, &error);
  if (starting->password != NULL && casella_account_get_oauth2_provider (starting->account) != NULL)
    {
      /* The keyring's entry is the sign-in's refresh token. */
      g_autoptr(CasellaOAuth2Provider) provider =
        casella_oauth2_provider_lookup (casella_account_get_oauth2_provider (starting->account));

      if (provider != NULL)
        starting->tokens = casella_token_source_new (starting->account, provider, starting->password, NULL);
      g_clear_pointer (&starting->password, casella_credentials_free);
      if (starting->tokens != NULL)
        {
          start_session (starting, NULL);
          return;
        }
      g_set_error (&error, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_NOT_CONFIGURED, "Unknown sign-in provider");
    }
  if (starting->password == NULL)
    {
      g_warning ("No password in the keyring for %s%s%s", casella_account_get_address (starting->account),
                 error ? ": " : "", error ? error->message : "");
      g_hash_table_remove (starting->self->starting, casella_account_get_id (starting->account));
      starting_free (starting);
      return;
    }
  casella_credentials_lookup_async (starting->account, CASELLA_CREDENTIAL_OUTGOING, NULL, on_smtp_password, starting);
}

static void
ensure_session (CasellaApplication *self,
                CasellaAccount     *account)
{
  const char *id = casella_account_get_id (account);
  Starting *starting;

  if (g_hash_table_contains (self->sessions, id) || g_hash_table_contains (self->starting, id))
    return;
  g_hash_table_add (self->starting, g_strdup (id));
  starting = g_new0 (Starting, 1);
  starting->self = g_object_ref (self);
  starting->account = g_object_ref (account);
  casella_credentials_lookup_async (account, casella_account_get_oauth2_provider (account) != NULL
                                             ? CASELLA_CREDENTIAL_OAUTH2 : CASELLA_CREDENTIAL_INCOMING,
                                    NULL, on_password, starting);
}

static void
on_session_ended (CasellaMailSession *session,
                  GParamSpec         *pspec,
                  CasellaApplication *self)
{
  if (!casella_mail_session_is_running (session))
    g_ptr_array_remove (self->stopping, session);
}

/* Accounts added get a session; removed ones lose theirs. */
static void
sync_sessions (CasellaApplication *self)
{
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->store)); i++)
    {
      g_autoptr(CasellaAccount) account = g_list_model_get_item (G_LIST_MODEL (self->store), i);
      ensure_session (self, account);
    }
  /* Stopping returns at once; the threads end on their own. */
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (casella_account_store_lookup (self->store, key) == NULL)
      {
        casella_mail_session_stop (value);
        g_ptr_array_add (self->stopping, g_object_ref (value));
        g_signal_connect_object (value, "notify::running", G_CALLBACK (on_session_ended), self, 0);
        g_hash_table_iter_remove (&iter);
      }
}

/* ---- a session made anew (the account's certificates changed) ---- */

void
casella_application_restart_session (CasellaApplication *self,
                                     const char         *account_id)
{
  CasellaMailSession *session = casella_application_get_session (self, account_id);
  CasellaAccount *account = casella_account_store_lookup (self->store, account_id);

  if (session == NULL || account == NULL)
    return;
  /* The old one ends on its own, writing what it was asked to. */
  casella_mail_session_stop (session);
  g_ptr_array_add (self->stopping, g_object_ref (session));
  g_signal_connect_object (session, "notify::running", G_CALLBACK (on_session_ended), self, 0);
  g_hash_table_remove (self->sessions, account_id);
  ensure_session (self, account);
}

/* ---- removing an account for good ---- */

static void
delete_store_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  GError *error = NULL;

  if (casella_store_delete_for_account (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
delete_store (GTask *task)
{
  g_task_run_in_thread (task, delete_store_thread);
  g_object_unref (task);
}

/* Its files go once its threads have closed them. */
static void
on_removed_session_ended (CasellaMailSession *session,
                          GParamSpec         *pspec,
                          GTask              *task)
{
  if (casella_mail_session_is_running (session))
    return;
  g_signal_handlers_disconnect_by_data (session, task);
  delete_store (task);
}

static void
on_credentials_cleared (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GTask *task = user_data;
  CasellaApplication *self = g_task_get_source_object (task);
  const char *id = g_task_get_task_data (task);
  CasellaMailSession *session = casella_application_get_session (self, id);
  GError *error = NULL;

  if (!casella_credentials_clear_finish (result, &error) || !casella_account_store_remove (self->store, id, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  /* Removed from the list: sync_sessions() has stopped its session. */
  casella_account_forget_settings (id);
  if (session != NULL && g_ptr_array_find (self->stopping, session, NULL) && casella_mail_session_is_running (session))
    g_signal_connect (session, "notify::running", G_CALLBACK (on_removed_session_ended), task);
  else
    delete_store (task);
}

void
casella_application_remove_account_async (CasellaApplication  *self,
                                          const char          *account_id,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, casella_application_remove_account_async);
  g_task_set_task_data (task, g_strdup (account_id), g_free);
  /* The password first: never an account gone and its password kept. */
  casella_credentials_clear_async (account_id, NULL, on_credentials_cleared, task);
}

gboolean
casella_application_remove_account_finish (CasellaApplication  *self,
                                           GAsyncResult        *result,
                                           GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_network_changed (GNetworkMonitor    *monitor,
                    gboolean            available,
                    CasellaApplication *self)
{
  GHashTableIter iter;
  gpointer value;

  if (!available)
    return;
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    casella_mail_session_network_changed (value);
}

static void
show_message_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  CasellaApplication *self = user_data;
  const char *id;
  gint64 folder, message;
  CasellaWindow *window;

  g_variant_get (parameter, "(&sxx)", &id, &folder, &message);
  window = casella_application_open_main_window (self);
  casella_window_show_account (window, id);
  casella_window_show_message (window, folder, message);
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
  { "show-message", show_message_action, "(sxx)" },
};

static void
casella_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const struct { const char *action, *accel, *other; } window_accels[] = {
    { "win.compose", "<Control>n", NULL }, { "win.reply", "<Control>r", NULL },
    { "win.reply-all", "<Control><Shift>r", NULL }, { "win.forward", "<Control>l", NULL },
    { "win.refresh", "F5", NULL }, { "win.search", "<Control>f", NULL },
    { "win.toggle-read", "<Control>u", NULL }, { "win.toggle-star", "<Control>d", NULL },
    { "win.delete", "Delete", "KP_Delete" }, { "win.archive", "<Control>e", NULL },
    { "win.move", "<Control>m", NULL }, { "win.junk", "<Control>j", NULL }, { "win.undo", "<Control>z", NULL },
    { "win.print", "<Control>p", NULL },
  };

  CasellaApplication *self = CASELLA_APPLICATION (app);
  g_autoptr(GError) error = NULL;

  G_APPLICATION_CLASS (casella_application_parent_class)->startup (app);

  /* An unreadable file is set aside by the store; starting empty beats
   * not starting at all. */
  self->store = casella_account_store_new (NULL);
  if (!casella_account_store_load (self->store, &error))
    g_warning ("Could not read the accounts: %s", error->message);
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->stopping = g_ptr_array_new_with_free_func (g_object_unref);
  self->starting = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect_object (self->store, "items-changed", G_CALLBACK (sync_sessions), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (g_network_monitor_get_default (), "network-changed", G_CALLBACK (on_network_changed), self, 0);
  sync_sessions (self);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  for (guint i = 0; i < G_N_ELEMENTS (window_accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), window_accels[i].action,
                                           (const char *[]) { window_accels[i].accel, window_accels[i].other, NULL });
}

/* "mailto:anna@example.com?subject=Ciao&body=…" as a draft. */
static CasellaDraft *
draft_from_mailto (const char *uri)
{
  const char *rest = uri + strlen ("mailto:");
  const char *query = strchr (rest, '?');
  g_autofree char *to = g_uri_unescape_segment (rest, query, NULL);
  g_autoptr(GHashTable) params = query ? g_uri_parse_params (query + 1, -1, "&", G_URI_PARAMS_CASE_INSENSITIVE, NULL)
                                       : NULL;
  CasellaDraft *draft = casella_draft_new ();

  draft->to = g_steal_pointer (&to);
  if (params != NULL)
    {
      draft->subject = g_strdup (g_hash_table_lookup (params, "subject"));
      draft->body = g_strdup (g_hash_table_lookup (params, "body"));
      draft->cc = g_strdup (g_hash_table_lookup (params, "cc"));
    }
  return draft;
}

/* mailto: links open the composer on the account on show (or the
 * first); with no account yet, the assistant comes first. */
static void
casella_application_open (GApplication  *app,
                          GFile        **files,
                          int            n_files,
                          const char    *hint)
{
  CasellaApplication *self = CASELLA_APPLICATION (app);
  CasellaWindow *window;
  CasellaMailSession *session;

  g_application_activate (app);
  window = casella_application_get_main_window (self);
  session = window ? casella_application_get_session (self, casella_window_get_account (window)) : NULL;
  for (int i = 0; session != NULL && i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);
      g_autoptr(CasellaDraft) draft = NULL;

      if (!g_str_has_prefix (uri, "mailto:"))
        continue;
      draft = draft_from_mailto (uri);
      gtk_window_present (GTK_WINDOW (casella_composer_new (GTK_APPLICATION (app), session, draft, 0)));
    }
}

/* ---- quitting while a message waits for its time to undo ---- */

#define QUIT_SEND_TIMEOUT_US (30 * G_USEC_PER_SEC)

/* Messages in session's outbox not sent yet, nor held for the user. */
static guint
waiting_to_go (CasellaMailSession *session)
{
  g_autoptr(GPtrArray) entries = casella_store_outbox_entries (casella_mail_session_get_store (session), NULL);
  guint waiting = 0;

  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      CasellaOutboxEntry *entry = entries->pdata[i];
      /* Being sent counts too: a stop now would cut it off mid-way. */
      waiting += (entry->state == CASELLA_OUTBOX_QUEUED && entry->attempts == 0) ||
                 entry->state == CASELLA_OUTBOX_SENDING;
    }
  return waiting;
}

static void
on_released (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  guint *pending = user_data;

  casella_mail_session_write_finish (CASELLA_MAIL_SESSION (source), result, NULL);
  casella_mail_session_send_outbox (CASELLA_MAIL_SESSION (source));
  (*pending)--;
}

/* What was sent just before quitting goes now rather than at the next
 * start: its time to undo ends with the app. Waited for (the windows are
 * gone), up to a limit for a server that does not answer. */
static void
send_before_quitting (GPtrArray *sessions)
{
  gint64 deadline = g_get_monotonic_time () + QUIT_SEND_TIMEOUT_US;
  guint pending = 0;
  gboolean waiting = TRUE;

  for (guint i = 0; i < sessions->len; i++)
    if (casella_mail_session_is_running (sessions->pdata[i]) && waiting_to_go (sessions->pdata[i]) > 0)
      {
        pending++;
        casella_mail_session_send_delayed_now_async (sessions->pdata[i], on_released, &pending);
      }
  while (pending > 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  while (waiting && g_get_monotonic_time () < deadline)
    {
      waiting = FALSE;
      for (guint i = 0; i < sessions->len; i++)
        waiting |= casella_mail_session_is_running (sessions->pdata[i]) && waiting_to_go (sessions->pdata[i]) > 0;
      if (waiting && !g_main_context_iteration (NULL, FALSE))
        g_usleep (20000);
    }
}

/* Every session's threads end before the app does (the windows are
 * gone: what is left is writing what was asked, drafts included). All
 * are asked first, so they end together. */
static void
casella_application_shutdown (GApplication *app)
{
  CasellaApplication *self = CASELLA_APPLICATION (app);
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  /* Gathered first: waiting hears the threads' last notices, and a
   * notice must not meet a table being walked. */
  if (self->sessions != NULL)
    {
      g_hash_table_iter_init (&iter, self->sessions);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_ptr_array_add (all, g_object_ref (value));
    }
  for (guint i = 0; self->stopping && i < self->stopping->len; i++)
    g_ptr_array_add (all, g_object_ref (self->stopping->pdata[i]));
  send_before_quitting (all);
  for (guint i = 0; i < all->len; i++)
    casella_mail_session_stop (all->pdata[i]);
  for (guint i = 0; i < all->len; i++)
    casella_mail_session_wait (all->pdata[i]);
  G_APPLICATION_CLASS (casella_application_parent_class)->shutdown (app);
}

static void
casella_application_finalize (GObject *object)
{
  CasellaApplication *self = CASELLA_APPLICATION (object);

  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_pointer (&self->stopping, g_ptr_array_unref);
  g_clear_pointer (&self->starting, g_hash_table_unref);
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
  app_class->shutdown = casella_application_shutdown;
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
