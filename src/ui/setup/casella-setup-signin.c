/* casella-setup-signin.c — "Sign In With Google": the provider's own page
 * in the system browser, back to Casella, then the usual check
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-provider-db.h"
#include "casella-setup-window-private.h"

/* Long enough to find a password or a phone; Cancel is always there. */
#define SIGN_IN_TIMEOUT_SECONDS 900

/* The usable sign-in page for a provider database entry, or NULL. */
static CasellaOAuth2Provider *
usable_for (const char *mail_provider_id)
{
  g_autoptr(CasellaOAuth2Provider) provider = casella_oauth2_provider_for_mail_provider (mail_provider_id);

  return casella_oauth2_provider_is_usable (provider) ? g_steal_pointer (&provider) : NULL;
}

/* Known from the address alone (Gmail, Outlook.com…), before any lookup:
 * then no password is asked for. */
CasellaOAuth2Provider *
casella_setup_signin_for_address (const char *address)
{
  const char *at = address ? strrchr (address, '@') : NULL;
  g_autoptr(CasellaMailConfig) config = NULL;

  if (at == NULL || at[1] == '\0')
    return NULL;
  config = casella_provider_db_lookup (casella_provider_db_get_default (), at + 1);
  return config != NULL ? usable_for (config->provider_id) : NULL;
}

/* The found page: "Sign In With …" first where it works, the password
 * path kept where the provider still takes app passwords. */
static gboolean
servers_take (GPtrArray          *servers,
              CasellaAuthMethods  method)
{
  for (guint i = 0; i < servers->len; i++)
    if (((CasellaServerConfig *) servers->pdata[i])->auth & method)
      return TRUE;
  return FALSE;
}

void
casella_setup_signin_found (CasellaSetupWindow *self)
{
  g_autofree char *label = NULL;

  g_clear_pointer (&self->oauth2, casella_oauth2_provider_unref);
  /* The provider signs in on its page, and these servers take it. */
  if (self->config != NULL && servers_take (self->config->incoming, CASELLA_AUTH_OAUTH2) &&
      servers_take (self->config->outgoing, CASELLA_AUTH_OAUTH2))
    self->oauth2 = usable_for (self->config->provider_id);
  gtk_widget_set_visible (self->signin_button, self->oauth2 != NULL);
  if (self->oauth2 == NULL)
    {
      gtk_button_set_label (GTK_BUTTON (self->accept_button), _("_Continue"));
      gtk_widget_add_css_class (self->accept_button, "suggested-action");
      gtk_widget_set_visible (self->accept_button, TRUE);
      return;
    }
  /* Translators: %s is a company, e.g. "Sign In With Google" */
  label = g_strdup_printf (_("_Sign In With %s"), self->oauth2->name);
  gtk_button_set_label (GTK_BUTTON (self->signin_button), label);
  gtk_button_set_label (GTK_BUTTON (self->accept_button), _("Use an _App Password Instead"));
  gtk_widget_remove_css_class (self->accept_button, "suggested-action");
  gtk_widget_set_visible (self->accept_button, self->oauth2->app_passwords);
}

void
casella_setup_signin_reset (CasellaSetupWindow *self)
{
  g_clear_object (&self->flow);
  g_clear_object (&self->tokens);
}

/* ---- the page ---- */

static void
show_waiting (CasellaSetupWindow *self,
              gboolean            browser_opened)
{
  g_autofree char *title = g_strdup_printf (_("Sign In With %s"), self->oauth2->name);
  g_autofree char *text = NULL;

  if (browser_opened)
    text = g_strdup_printf (_("Your web browser shows %s’s page. Sign in there and allow Casella to use your "
                              "mail, then come back here."), self->oauth2->name);
  else
    text = g_strdup_printf (_("Your web browser didn’t open. Copy the link, open it in a web browser, sign in "
                              "to %s and allow Casella to use your mail."), self->oauth2->name);
  adw_status_page_set_title (self->signin_page, title);
  adw_status_page_set_description (self->signin_page, text);
  gtk_widget_set_visible (GTK_WIDGET (self->signin_spinner), TRUE);
  gtk_spinner_start (self->signin_spinner);
  gtk_widget_set_visible (self->signin_retry_button, FALSE);
  gtk_widget_set_visible (self->signin_open_button, TRUE);
  gtk_widget_set_visible (self->signin_copy_button, TRUE);
  gtk_window_set_default_widget (GTK_WINDOW (self), browser_opened ? self->signin_open_button
                                                                   : self->signin_copy_button);
}

static char *
failure_text (CasellaSetupWindow *self,
              const GError       *error)
{
  const char *name = self->oauth2->name;

  if (error->domain == CASELLA_OAUTH2_ERROR)
    switch (error->code)
      {
      case CASELLA_OAUTH2_ERROR_DENIED:
        return g_strdup_printf (_("You didn’t allow Casella to use your %s account. To add it, sign in again "
                                  "and choose Allow."), name);
      case CASELLA_OAUTH2_ERROR_ADMIN_CONSENT:
        return g_strdup (_("Your organisation must allow Casella first. Ask the person who looks after email at "
                           "your work or school to approve Casella, then try again."));
      case CASELLA_OAUTH2_ERROR_TIMEOUT:
        return g_strdup_printf (_("Casella waited, but the sign-in on %s’s page didn’t finish."), name);
      case CASELLA_OAUTH2_ERROR_NOT_CONFIGURED:
      case CASELLA_OAUTH2_ERROR_CLIENT_REJECTED:
        return g_strdup_printf (_("%s doesn’t accept this copy of Casella. Whoever made it available to you "
                                  "did not register it with %s."), name, name);
      default:
        break;
      }
  return g_strdup_printf (_("%s’s sign-in page didn’t work just now. Try again in a moment."), name);
}

static void
show_failed (CasellaSetupWindow *self,
             const GError       *error)
{
  g_autofree char *text = failure_text (self, error);

  adw_status_page_set_title (self->signin_page, _("Sign-In Didn’t Finish"));
  adw_status_page_set_description (self->signin_page, text);
  gtk_spinner_stop (self->signin_spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->signin_spinner), FALSE);
  gtk_widget_set_visible (self->signin_retry_button, TRUE);
  gtk_widget_set_visible (self->signin_open_button, FALSE);
  gtk_widget_set_visible (self->signin_copy_button, FALSE);
  casella_setup_window_show_page (self, "signin", FALSE);
  gtk_window_set_default_widget (GTK_WINDOW (self), self->signin_retry_button);
  gtk_widget_grab_focus (self->signin_retry_button);
}

/* ---- the flow ---- */

static void
on_browser_shown (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(CasellaSetupWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error) || self->flow == NULL)
    return;
  g_debug ("No browser opened for the sign-in: %s", error->message);
  show_waiting (self, FALSE);
  gtk_widget_grab_focus (self->signin_copy_button);
}

static void
open_browser (CasellaSetupWindow *self)
{
  gtk_show_uri_full (GTK_WINDOW (self), casella_oauth2_flow_get_uri (self->flow), GDK_CURRENT_TIME,
                     self->cancellable, on_browser_shown, g_object_ref (self));
}

/* Back from the browser: the servers' check shows at once, while the
 * code becomes tokens. */
static void
on_redirected (CasellaOAuth2Flow  *flow,
               CasellaSetupWindow *self)
{
  gtk_window_present (GTK_WINDOW (self));
  casella_setup_check_show (self);
}

static void
on_tokens (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(CasellaSetupWindow) self = user_data;
  g_autoptr(CasellaOAuth2Tokens) tokens = NULL;
  g_autoptr(GError) error = NULL;

  tokens = casella_oauth2_flow_wait_finish (CASELLA_OAUTH2_FLOW (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || CASELLA_OAUTH2_FLOW (source) != self->flow)
    return;   /* the user went back: that page is in charge */
  g_clear_object (&self->flow);
  if (tokens != NULL && tokens->refresh_token == NULL)
    g_set_error (&error, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_BAD_RESPONSE, "No refresh token came");
  if (error != NULL)
    {
      show_failed (self, error);
      return;
    }
  if (self->signin_account == NULL)
    self->signin_account = casella_account_new (casella_setup_window_get_address (self));
  self->tokens = casella_token_source_new (self->signin_account, self->oauth2, tokens->refresh_token,
                                           self->tls_database);
  casella_token_source_seed (self->tokens, tokens);
  casella_setup_check_start (self);
}

void
casella_setup_signin_start (CasellaSetupWindow *self)
{
  CasellaProtocol protocols[] = { self->servers[ROLE_INCOMING]->protocol, CASELLA_PROTOCOL_SMTP };
  g_autofree char *scope = casella_oauth2_provider_dup_scope (self->oauth2, protocols, G_N_ELEMENTS (protocols));
  g_autoptr(GError) error = NULL;

  casella_setup_window_clear_work (self);
  casella_setup_signin_reset (self);
  self->cancellable = g_cancellable_new ();
  self->flow = casella_oauth2_flow_new (self->oauth2, scope, casella_setup_window_get_address (self));
  casella_oauth2_flow_set_tls_database (self->flow, self->tls_database);
  g_signal_connect_object (self->flow, "redirected", G_CALLBACK (on_redirected), self, 0);
  if (!casella_oauth2_flow_start (self->flow, &error))
    {
      g_clear_object (&self->flow);
      show_failed (self, error);
      return;
    }
  casella_setup_window_show_page (self, "signin", TRUE);
  show_waiting (self, TRUE);
  casella_oauth2_flow_wait_async (self->flow, SIGN_IN_TIMEOUT_SECONDS, self->cancellable, on_tokens,
                                  g_object_ref (self));
  open_browser (self);
}

/* ---- actions ---- */

static void
signin_action (GtkWidget  *widget,
               const char *action,
               GVariant   *parameter)
{
  CasellaSetupWindow *self = CASELLA_SETUP_WINDOW (widget);

  if (self->oauth2 == NULL)
    return;
  self->use_oauth2 = TRUE;
  casella_setup_signin_reset (self);
  casella_setup_window_accept (self);
}

static void
open_action (GtkWidget  *widget,
             const char *action,
             GVariant   *parameter)
{
  CasellaSetupWindow *self = CASELLA_SETUP_WINDOW (widget);

  if (self->flow != NULL)
    open_browser (self);
}

static void
copy_action (GtkWidget  *widget,
             const char *action,
             GVariant   *parameter)
{
  CasellaSetupWindow *self = CASELLA_SETUP_WINDOW (widget);

  if (self->flow == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), casella_oauth2_flow_get_uri (self->flow));
  adw_toast_overlay_add_toast (self->toast_overlay,
                               adw_toast_new (_("Link copied. Paste it into your web browser’s address bar.")));
}

void
casella_setup_signin_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "setup.signin", NULL, signin_action);
  gtk_widget_class_install_action (widget_class, "setup.signin-open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "setup.signin-copy", NULL, copy_action);
}
