/* casella-window-signin.c — "Sign in again": an OAuth2 account whose
 * sign-in the provider ended (a changed password, access withdrawn)
 * signs in again from the window's banner; its mail stays, and sync
 * resumes the moment the browser comes back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-credentials.h"
#include "casella-secret.h"
#include "casella-ui.h"
#include "casella-window-private.h"

#define SIGN_IN_TIMEOUT_SECONDS 900

static CasellaOAuth2Provider *
account_provider (CasellaWindow *self)
{
  CasellaAccount *account = self->session ? casella_mail_session_get_account (self->session) : NULL;

  return account ? casella_oauth2_provider_lookup (casella_account_get_oauth2_provider (account)) : NULL;
}

gboolean
casella_window_signin_explain (CasellaWindow  *self,
                               const GError   *error,
                               char          **text)
{
  g_autoptr(CasellaOAuth2Provider) provider = account_provider (self);
  CasellaAccount *account = self->session ? casella_mail_session_get_account (self->session) : NULL;

  if (provider == NULL || account == NULL)
    return FALSE;
  if (self->signin_flow != NULL)
    {
      *text = g_strdup_printf (_("Sign in on %s’s page in your web browser, then come back here."), provider->name);
      gtk_button_set_label (GTK_BUTTON (self->status_button), _("_Cancel"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->status_button), "win.sign-in-cancel");
      return TRUE;
    }
  if (!g_error_matches (error, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_INVALID_GRANT))
    return FALSE;
  *text = g_strdup_printf (_("Sign in again to %s: %s ended Casella’s sign-in, for example after a password change. "
                             "Your mail here is safe."), casella_account_get_address (account), provider->name);
  gtk_button_set_label (GTK_BUTTON (self->status_button), _("_Sign In Again"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->status_button), "win.sign-in-again");
  return TRUE;
}

static void
stop (CasellaWindow *self)
{
  if (self->signin_cancellable != NULL)
    g_cancellable_cancel (self->signin_cancellable);
  g_clear_object (&self->signin_cancellable);
  g_clear_object (&self->signin_flow);
}

void
casella_window_signin_dispose (CasellaWindow *self)
{
  stop (self);
}

typedef struct {
  CasellaWindow       *window;
  CasellaMailSession  *session;
  CasellaOAuth2Tokens *tokens;
} Kept;

static void
kept_free (Kept *kept)
{
  g_object_unref (kept->window);
  g_object_unref (kept->session);
  casella_oauth2_tokens_free (kept->tokens);
  g_free (kept);
}

static void
on_kept (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Kept *kept = user_data;
  g_autoptr(GError) error = NULL;

  if (casella_credentials_store_finish (result, &error))
    casella_mail_session_signed_in (kept->session, kept->tokens);
  else
    casella_window_show_toast (kept->window, casella_toast_new (_("The new sign-in could not be kept in your "
                                                                   "keyring. Unlock it, then sign in again.")));
  kept_free (kept);
}

static void
on_signed_in (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CasellaWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  CasellaOAuth2Tokens *tokens = casella_oauth2_flow_wait_finish (CASELLA_OAUTH2_FLOW (source), result, &error);
  Kept *kept;

  if (CASELLA_OAUTH2_FLOW (source) != self->signin_flow)
    {
      casella_oauth2_tokens_free (tokens);
      return;   /* an older one, cancelled */
    }
  g_clear_object (&self->signin_flow);
  g_clear_object (&self->signin_cancellable);
  casella_window_show_state (self);
  if (tokens == NULL || tokens->refresh_token == NULL || self->session == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        casella_window_show_toast (self, casella_toast_new (_("Sign-in didn’t finish. Your mail here is safe; "
                                                              "sign in again when you’re ready.")));
      casella_oauth2_tokens_free (tokens);
      return;
    }
  /* Kept before it is used: the old one is dead already. */
  kept = g_new0 (Kept, 1);
  kept->window = g_object_ref (self);
  kept->session = g_object_ref (self->session);
  kept->tokens = tokens;
  casella_credentials_store_async (casella_mail_session_get_account (self->session), CASELLA_CREDENTIAL_OAUTH2,
                                   tokens->refresh_token, NULL, on_kept, kept);
}

static void
on_shown (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(CasellaWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error) && self->signin_flow != NULL)
    {
      /* No browser: the link goes where the user can paste it. */
      gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)),
                              casella_oauth2_flow_get_uri (self->signin_flow));
      casella_window_show_toast (self, casella_toast_new (_("Your web browser didn’t open. The sign-in link is "
                                                            "copied: paste it into a browser.")));
    }
}

static void
sign_in_again_action (GtkWidget  *widget,
                      const char *action,
                      GVariant   *parameter)
{
  CasellaWindow *self = CASELLA_WINDOW (widget);
  g_autoptr(CasellaOAuth2Provider) provider = account_provider (self);
  CasellaAccount *account = self->session ? casella_mail_session_get_account (self->session) : NULL;
  CasellaProtocol protocols[] = { CASELLA_PROTOCOL_IMAP, CASELLA_PROTOCOL_SMTP };
  g_autofree char *scope = NULL;
  g_autoptr(GError) error = NULL;

  if (provider == NULL || account == NULL)
    return;
  stop (self);
  protocols[0] = casella_account_get_incoming (account)->protocol;
  scope = casella_oauth2_provider_dup_scope (provider, protocols, G_N_ELEMENTS (protocols));
  self->signin_flow = casella_oauth2_flow_new (provider, scope, casella_account_get_address (account));
  if (!casella_oauth2_flow_start (self->signin_flow, &error))
    {
      g_clear_object (&self->signin_flow);
      casella_window_show_toast (self, casella_toast_new (error->message));
      return;
    }
  self->signin_cancellable = g_cancellable_new ();
  casella_oauth2_flow_wait_async (self->signin_flow, SIGN_IN_TIMEOUT_SECONDS, self->signin_cancellable,
                                  on_signed_in, g_object_ref (self));
  gtk_show_uri_full (GTK_WINDOW (self), casella_oauth2_flow_get_uri (self->signin_flow), GDK_CURRENT_TIME,
                     self->signin_cancellable, on_shown, g_object_ref (self));
  casella_window_show_state (self);
}

static void
sign_in_cancel_action (GtkWidget  *widget,
                       const char *action,
                       GVariant   *parameter)
{
  CasellaWindow *self = CASELLA_WINDOW (widget);

  stop (self);
  casella_window_show_state (self);
}

void
casella_window_signin_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.sign-in-again", NULL, sign_in_again_action);
  gtk_widget_class_install_action (widget_class, "win.sign-in-cancel", NULL, sign_in_cancel_action);
}
