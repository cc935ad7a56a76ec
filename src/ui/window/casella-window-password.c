/* casella-window-password.c — an account whose server refused the saved
 * password (changed in webmail, expired, an app password cancelled):
 * the banner says so in plain words, and "Enter the New Password" checks
 * the new one with the server before it replaces the saved one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-mail-error.h"
#include "casella-password-dialog.h"
#include "casella-provider-db.h"
#include "casella-setup-problem.h"
#include "casella-ui.h"
#include "casella-window-private.h"

static const char *
provider_of (CasellaAccount *account,
             char          **domain)
{
  const char *address = casella_account_get_address (account);

  *domain = g_strdup (strchr (address, '@') ? strchr (address, '@') + 1 : address);
  return casella_account_get_provider_name (account) ? casella_account_get_provider_name (account) : *domain;
}

static gboolean
needs_app_password (CasellaAccount *account)
{
  g_autoptr(CasellaMailConfig) provider = NULL;

  if (casella_account_get_provider_id (account) == NULL)
    return FALSE;
  provider = casella_provider_db_lookup_id (casella_provider_db_get_default (), casella_account_get_provider_id (account));
  return provider != NULL && (provider->needs & (CASELLA_NEEDS_APP_PASSWORD | CASELLA_NEEDS_APP_PASSWORD_WITH_2FA));
}

static void
offer (CasellaWindow *self,
       const char    *label,
       const char    *action)
{
  gtk_button_set_label (GTK_BUTTON (self->status_button), label);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->status_button), action);
}

gboolean
casella_window_password_explain (CasellaWindow  *self,
                                 const GError   *error,
                                 char          **text)
{
  CasellaAccount *account = self->session ? casella_mail_session_get_account (self->session) : NULL;
  g_autofree char *domain = NULL;
  const char *provider;
  const char *address;

  if (account == NULL || error == NULL || error->domain != CASELLA_MAIL_ERROR ||
      casella_account_get_oauth2_provider (account) != NULL)
    return FALSE;
  provider = provider_of (account, &domain);
  address = casella_account_get_address (account);
  switch (error->code)
    {
    case CASELLA_MAIL_ERROR_AUTH_FAILED:
      if (needs_app_password (account))
        /* Gmail and others cancel their app passwords when the main one changes. */
        *text = g_strdup_printf (_("Casella can’t sign in to %s: the password was refused. If you changed your %s "
                                   "password, its app passwords stopped working: create a new one and enter it here. "
                                   "Your mail here is safe."), address, provider);
      else
        *text = g_strdup_printf (_("Casella can’t sign in to %s: the password was refused. If you changed it, "
                                   "enter the new one. Your mail here is safe."), address);
      break;
    case CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED:
      *text = g_strdup_printf (_("Casella can’t sign in to %s: %s now asks for an app password, a separate "
                                 "password you create on its website. Your mail here is safe."), address, provider);
      break;
    case CASELLA_MAIL_ERROR_PASSWORD_EXPIRED:
      *text = g_strdup_printf (_("Casella can’t sign in to %s: the password has expired. Choose a new one on %s’s "
                                 "website, then enter it here. Your mail here is safe."), address, provider);
      break;
    case CASELLA_MAIL_ERROR_PROTOCOL_DISABLED:
      *text = g_strdup_printf (_("Casella can’t get your mail: %s has switched off access for mail apps. Switch it "
                                 "on in your %s settings on the web (it may be called IMAP or POP3), then try "
                                 "again."), provider, provider);
      offer (self, _("_Try Again"), "win.retry-sign-in");
      return TRUE;
    default:
      return FALSE;
    }
  offer (self, _("_Enter the New Password"), "win.enter-password");
  return TRUE;
}

/* Any other problem, in the assistant's plain words, never the engine's
 * English. */
char *
casella_window_password_describe (CasellaWindow *self,
                                  const GError  *error)
{
  CasellaAccount *account = self->session ? casella_mail_session_get_account (self->session) : NULL;
  g_autoptr(CasellaMailConfig) provider = NULL;
  g_autoptr(CasellaSetupProblem) problem = NULL;

  if (account == NULL || error == NULL)
    return g_strdup (_("Casella can’t get your mail right now. Your mail here is safe."));
  if (casella_account_get_provider_id (account) != NULL)
    provider = casella_provider_db_lookup_id (casella_provider_db_get_default (),
                                              casella_account_get_provider_id (account));
  problem = casella_setup_problem_new (error, NULL, provider, casella_account_get_address (account));
  /* Translators: %s says what went wrong, in a sentence or two */
  return g_strdup_printf (_("Casella can’t get your mail. %s"), problem->description);
}

static void
on_saved (CasellaPasswordDialog *dialog,
          CasellaWindow         *self)
{
  const char *address = g_object_get_data (G_OBJECT (dialog), "casella-address");
  /* Translators: %s is an email address */
  g_autofree char *text = g_strdup_printf (_("The new password for %s works and is saved in your keyring. Getting "
                                             "your mail…"), address);

  casella_window_show_toast (self, casella_toast_new (text));
}

static void
enter_password_action (GtkWidget  *widget,
                       const char *action,
                       GVariant   *parameter)
{
  CasellaWindow *self = CASELLA_WINDOW (widget);
  CasellaPasswordDialog *dialog;

  if (self->session == NULL)
    return;
  dialog = casella_password_dialog_new (GTK_WINDOW (self), self->session, casella_mail_session_get_error (self->session));
  g_object_set_data_full (G_OBJECT (dialog), "casella-address",
                          g_strdup (casella_account_get_address (casella_mail_session_get_account (self->session))), g_free);
  g_signal_connect_object (dialog, "saved", G_CALLBACK (on_saved), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The user switched access on in the provider's settings: one try. */
static void
retry_sign_in_action (GtkWidget  *widget,
                      const char *action,
                      GVariant   *parameter)
{
  CasellaWindow *self = CASELLA_WINDOW (widget);

  if (self->session != NULL)
    casella_mail_session_network_changed (self->session);
}

void
casella_window_password_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.enter-password", NULL, enter_password_action);
  gtk_widget_class_install_action (widget_class, "win.retry-sign-in", NULL, retry_sign_in_action);
}
