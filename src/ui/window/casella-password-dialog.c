/* casella-password-dialog.c — a new password, checked with the server
 * before it replaces the saved one
 *
 * The keyring keeps the old password until the new one has signed in to
 * both servers: a mistyped one costs nothing. Only then is it saved and
 * handed to the session.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-account-verify.h"
#include "casella-credentials.h"
#include "casella-mail-error.h"
#include "casella-password-dialog.h"
#include "casella-provider-db.h"
#include "casella-secret.h"
#include "casella-setup-problem.h"
#include "casella-ui.h"

struct _CasellaPasswordDialog
{
  AdwWindow           parent_instance;

  CasellaMailSession *session;
  CasellaMailConfig  *provider;     /* the provider's known needs, or NULL */
  GCancellable       *cancellable;  /* the check or the save under way */
  gboolean            busy;

  GtkLabel           *intro_label;
  GtkLinkButton      *link_button;
  AdwEntryRow        *password_row;
  GtkLabel           *error_label;
};

G_DEFINE_FINAL_TYPE (CasellaPasswordDialog, casella_password_dialog, ADW_TYPE_WINDOW)

enum { PROP_0, PROP_BUSY, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static CasellaAccount *
account_of (CasellaPasswordDialog *self)
{
  return casella_mail_session_get_account (self->session);
}

static void
set_busy (CasellaPasswordDialog *self,
          gboolean               busy)
{
  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "password.save",
                                 !busy && *gtk_editable_get_text (GTK_EDITABLE (self->password_row)) != '\0');
}

static void
show_error (CasellaPasswordDialog *self,
            const char            *text)
{
  set_busy (self, FALSE);
  gtk_label_set_text (self->error_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

typedef struct {
  CasellaPasswordDialog *self;
  char                  *password;
  gboolean               for_sending;   /* sending uses it too: saved for both */
} Saving;

static void
saving_free (Saving *saving)
{
  g_object_unref (saving->self);
  casella_secret_free (saving->password);
  g_free (saving);
}

static void
on_stored (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Saving *saving = user_data;
  CasellaPasswordDialog *self = saving->self;
  g_autoptr(GError) error = NULL;

  if (casella_credentials_store_finish (result, &error) && saving->for_sending)
    {
      saving->for_sending = FALSE;
      casella_credentials_store_async (account_of (self), CASELLA_CREDENTIAL_OUTGOING, saving->password,
                                       self->cancellable, on_stored, saving);
      return;
    }
  if (error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autoptr(CasellaSetupProblem) problem = casella_setup_problem_new_keyring (error);
          show_error (self, problem->description);
        }
      saving_free (saving);
      return;
    }
  casella_mail_session_set_password (self->session, saving->password);
  set_busy (self, FALSE);
  g_signal_emit (self, signals[SIGNAL_SAVED], 0);
  gtk_window_destroy (GTK_WINDOW (self));
  saving_free (saving);
}

static void
on_checked (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Saving *saving = user_data;
  CasellaPasswordDialog *self = saving->self;
  g_auto(CasellaVerifyFailure) failure = { 0 };
  g_autoptr(CasellaVerifyResult) verified = NULL;
  g_autoptr(GError) error = NULL;

  verified = casella_account_verify_finish (result, &failure, &error);
  if (verified == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autoptr(CasellaSetupProblem) problem =
            casella_setup_problem_new (error, &failure, self->provider, casella_account_get_address (account_of (self)));
          show_error (self, problem->description);
        }
      saving_free (saving);
      return;
    }
  /* Works with both servers: now it may replace the saved one. */
  casella_credentials_store_async (account_of (self), CASELLA_CREDENTIAL_INCOMING, saving->password,
                                   self->cancellable, on_stored, saving);
}

static void
save_action (GtkWidget  *widget,
             const char *action,
             GVariant   *parameter)
{
  CasellaPasswordDialog *self = CASELLA_PASSWORD_DIALOG (widget);
  g_autoptr(CasellaVerifyRequest) request = NULL;
  Saving *saving;

  if (self->busy || *gtk_editable_get_text (GTK_EDITABLE (self->password_row)) == '\0')
    return;
  saving = g_new0 (Saving, 1);
  saving->self = g_object_ref (self);
  saving->password = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
  request = casella_verify_request_new_for_account (account_of (self), saving->password);
  request->smtp_password = g_strdup (casella_mail_session_get_smtp_password (self->session));
  saving->for_sending = request->smtp_password == NULL;
  if (casella_mail_session_get_tls_database (self->session) != NULL)
    request->tls_database = g_object_ref (casella_mail_session_get_tls_database (self->session));
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  set_busy (self, TRUE);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  casella_account_verify_async (request, self->cancellable, on_checked, saving);
}

static void
on_text_changed (CasellaPasswordDialog *self)
{
  set_busy (self, self->busy);
}

static void
on_entry_activated (CasellaPasswordDialog *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "password.save", NULL);
}

/* The words fit what the server said, and the provider's known ways. */
static void
explain (CasellaPasswordDialog *self,
         const GError          *refusal)
{
  CasellaAccount *account = account_of (self);
  const char *address = casella_account_get_address (account);
  const char *name = casella_account_get_provider_name (account);
  g_autofree char *domain = strchr (address, '@') ? g_strdup (strchr (address, '@') + 1) : g_strdup (address);
  const char *provider = name != NULL ? name : domain;
  gboolean app_passwords = self->provider != NULL &&
                           (self->provider->needs & (CASELLA_NEEDS_APP_PASSWORD | CASELLA_NEEDS_APP_PASSWORD_WITH_2FA));
  const char *link = NULL;
  g_autofree char *text = NULL;

  if (g_error_matches (refusal, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PASSWORD_EXPIRED))
    text = g_strdup_printf (_("The password for %s has expired. Choose a new one on %s’s website, then type it "
                              "here."), address, provider);
  else if (app_passwords || g_error_matches (refusal, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED))
    text = g_strdup_printf (_("%s lets mail apps in only with an app password: a separate password you create on "
                              "its website. An app password stops working when your main password changes. "
                              "Create a new one, then type it here."), provider);
  else
    text = g_strdup_printf (_("%s didn’t accept the password saved for %s. If you changed it, for example on the "
                              "provider’s website, type the new one here."), provider, address);
  gtk_label_set_text (self->intro_label, text);

  if (self->provider != NULL && app_passwords && self->provider->app_password_url != NULL)
    {
      link = self->provider->app_password_url;
      gtk_button_set_label (GTK_BUTTON (self->link_button), _("Create an App Password"));
    }
  else if (self->provider != NULL && self->provider->documentation_url != NULL)
    {
      link = self->provider->documentation_url;
      gtk_button_set_label (GTK_BUTTON (self->link_button), _("Read the Help Page"));
    }
  if (link != NULL && g_str_has_prefix (link, "https://"))
    {
      gtk_link_button_set_uri (self->link_button, link);
      gtk_widget_set_visible (GTK_WIDGET (self->link_button), TRUE);
    }
}

static void
casella_password_dialog_dispose (GObject *object)
{
  CasellaPasswordDialog *self = CASELLA_PASSWORD_DIALOG (object);

  /* Closed while checking: the check ends, nothing is saved. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_pointer (&self->provider, casella_mail_config_unref);
  G_OBJECT_CLASS (casella_password_dialog_parent_class)->dispose (object);
}

static void
casella_password_dialog_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  CasellaPasswordDialog *self = CASELLA_PASSWORD_DIALOG (object);

  if (prop_id == PROP_BUSY)
    g_value_set_boolean (value, self->busy);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
casella_password_dialog_class_init (CasellaPasswordDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = casella_password_dialog_dispose;
  object_class->get_property = casella_password_dialog_get_property;

  /* A check with the server is under way. */
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  signals[SIGNAL_SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 0);

  casella_ui_init ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/casellamail/Casella/window/casella-password-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CasellaPasswordDialog, intro_label);
  gtk_widget_class_bind_template_child (widget_class, CasellaPasswordDialog, link_button);
  gtk_widget_class_bind_template_child (widget_class, CasellaPasswordDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, CasellaPasswordDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_text_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activated);
  gtk_widget_class_install_action (widget_class, "password.save", NULL, save_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
casella_password_dialog_init (CasellaPasswordDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  casella_ui_label_entry_rows (GTK_WIDGET (self->password_row));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "password.save", FALSE);
}

CasellaPasswordDialog *
casella_password_dialog_new (GtkWindow          *parent,
                             CasellaMailSession *session,
                             const GError       *refusal)
{
  /* The app's own window: while it is in front, new mail is no news. */
  CasellaPasswordDialog *self = g_object_new (CASELLA_TYPE_PASSWORD_DIALOG, "transient-for", parent,
                                              "application", gtk_window_get_application (parent), NULL);
  const char *provider_id = casella_account_get_provider_id (casella_mail_session_get_account (session));

  self->session = g_object_ref (session);
  if (provider_id != NULL)
    self->provider = casella_provider_db_lookup_id (casella_provider_db_get_default (), provider_id);
  explain (self, refusal);
  gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
  return self;
}
