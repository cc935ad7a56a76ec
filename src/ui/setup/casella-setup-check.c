/* casella-setup-check.c — the checking page: sign in to both servers,
 * explain what went wrong and offer the fix right there, then keep the
 * password in the keyring and save the account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "casella-credentials.h"
#include "casella-mail-error.h"
#include "casella-secret.h"
#include "casella-setup-window-private.h"
#include "casella-ui.h"

/* ---- the two steps: receiving and sending ---- */

typedef enum { STEP_RUNNING, STEP_OK, STEP_FAILED, STEP_NOT_CHECKED } StepState;

static AdwActionRow *
step_row_new (const char *title)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  GtkWidget *suffix = gtk_stack_new ();
  GtkWidget *spinner = gtk_spinner_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_spinner_start (GTK_SPINNER (spinner));
  gtk_stack_add_named (GTK_STACK (suffix), spinner, "spinner");
  gtk_stack_add_named (GTK_STACK (suffix), gtk_image_new (), "icon");
  gtk_widget_set_valign (suffix, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (row, suffix);
  g_object_set_data (G_OBJECT (row), "suffix", suffix);
  return row;
}

static void
step_set (CasellaSetupWindow *self,
          int                 role,
          StepState           state)
{
  AdwActionRow *row = self->step_rows[role];
  GtkStack *suffix = g_object_get_data (G_OBJECT (row), "suffix");
  GtkImage *icon = GTK_IMAGE (gtk_stack_get_child_by_name (suffix, "icon"));
  const CasellaServerConfig *server = self->servers[role];
  g_autofree char *subtitle = NULL;
  const char *words[] = { N_("Checking…"), N_("Works"), N_("Didn’t work"), N_("Not checked yet") };
  const char *icons[] = { NULL, "object-select-symbolic", "dialog-warning-symbolic", "content-loading-symbolic" };

  subtitle = g_strdup_printf ("%s · %s", server ? server->host : "", _(words[state]));
  adw_action_row_set_subtitle (row, subtitle);
  gtk_stack_set_visible_child_name (suffix, state == STEP_RUNNING ? "spinner" : "icon");
  if (icons[state])
    gtk_image_set_from_icon_name (icon, icons[state]);
}

static void
clear_fixes (CasellaSetupWindow *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->fix_box))))
    gtk_box_remove (self->fix_box, child);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->fix_buttons))))
    gtk_box_remove (self->fix_buttons, child);
  self->fix_password = NULL;
}

static void
show_checking (CasellaSetupWindow *self)
{
  if (self->step_rows[ROLE_INCOMING] == NULL)
    {
      self->step_rows[ROLE_INCOMING] = step_row_new (_("Receiving mail"));
      self->step_rows[ROLE_OUTGOING] = step_row_new (_("Sending mail"));
      gtk_list_box_append (self->steps_list, GTK_WIDGET (self->step_rows[ROLE_INCOMING]));
      gtk_list_box_append (self->steps_list, GTK_WIDGET (self->step_rows[ROLE_OUTGOING]));
    }
  clear_fixes (self);
  gtk_label_set_text (self->checking_title, _("Checking Your Account…"));
  gtk_label_set_text (self->checking_description,
                      _("Casella is signing in to your mail servers to see that receiving and sending work."));
  gtk_widget_set_visible (GTK_WIDGET (self->checking_description), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->problem_icon), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->checking_spinner), TRUE);
  gtk_spinner_start (self->checking_spinner);
  step_set (self, ROLE_INCOMING, STEP_RUNNING);
  step_set (self, ROLE_OUTGOING, STEP_RUNNING);
}

/* ---- fixes offered with a problem ---- */

static GtkWidget *
fix_button (CasellaSetupWindow *self,
            const char         *label,
            const char         *action,
            const char         *style)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_widget_add_css_class (button, "pill");
  if (style != NULL)
    gtk_widget_add_css_class (button, style);
  /* The suggested way on top, the others below it. */
  if (g_strcmp0 (style, "suggested-action") == 0)
    gtk_box_prepend (self->fix_buttons, button);
  else
    gtk_box_append (self->fix_buttons, button);
  return button;
}

static void
add_password_field (CasellaSetupWindow *self,
                    const char         *title)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *row = adw_password_entry_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (row), TRUE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  casella_ui_label_entry_rows (row);
  gtk_box_append (self->fix_box, group);
  self->fix_password = ADW_PASSWORD_ENTRY_ROW (row);
}

static void
add_link (CasellaSetupWindow        *self,
          const CasellaSetupProblem *problem)
{
  GtkWidget *link;

  if (problem->link == NULL)
    return;
  link = gtk_link_button_new_with_label (problem->link, problem->link_label);
  gtk_widget_set_tooltip_text (link, problem->link);
  gtk_widget_set_halign (link, GTK_ALIGN_CENTER);
  gtk_box_append (self->fix_box, link);
}

/* A title over a value that can be selected and copied (a fingerprint
 * is compared by reading it out), wrapping on a narrow screen. */
static GtkWidget *
info_row (const char *title,
          const char *value)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *heading = gtk_label_new (title);
  GtkWidget *text = gtk_label_new (value);

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_margin_top (box, 9);
  gtk_widget_set_margin_bottom (box, 9);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "caption");
  gtk_widget_add_css_class (heading, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (text), 0);
  gtk_label_set_wrap (GTK_LABEL (text), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (text), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (text), TRUE);
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), text);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (text), GTK_ACCESSIBLE_RELATION_LABELLED_BY, heading, NULL, -1);
  return row;
}

static void
add_certificate (CasellaSetupWindow *self)
{
  const CasellaVerifyFailure *failure = &self->failure;
  g_autoptr(CasellaCertificateInfo) info = NULL;
  g_autofree char *validity = NULL;
  GtkWidget *group, *reason, *list;

  if (failure->certificate == NULL)
    return;
  info = casella_certificate_info_new (failure->certificate, failure->certificate_errors, failure->host);
  /* Translators: a certificate's validity, e.g. "From 01/02/2026 to 01/02/2027" */
  validity = g_strdup_printf (_("From %s to %s"), info->valid_from, info->valid_until);

  reason = gtk_label_new (info->reason);
  gtk_label_set_wrap (GTK_LABEL (reason), TRUE);
  gtk_label_set_xalign (GTK_LABEL (reason), 0);
  gtk_box_append (self->fix_box, reason);

  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("The Server’s Certificate"));
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_list_box_append (GTK_LIST_BOX (list), info_row (_("Issued to"), info->issued_to));
  gtk_list_box_append (GTK_LIST_BOX (list), info_row (_("Issued by"), info->issued_by));
  gtk_list_box_append (GTK_LIST_BOX (list), info_row (_("Valid"), validity));
  gtk_list_box_append (GTK_LIST_BOX (list), info_row (_("Fingerprint (SHA-256)"), info->fingerprint));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), list);
  gtk_box_append (self->fix_box, group);
}

static void
add_details (CasellaSetupWindow        *self,
             const CasellaSetupProblem *problem)
{
  GtkWidget *group, *expander;

  if (problem->details == NULL || problem->details[0] == '\0')
    return;
  group = adw_preferences_group_new ();
  expander = adw_expander_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), _("Advanced"));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), _("What the server said"));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), info_row (_("Details"), problem->details));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), expander);
  gtk_box_append (self->fix_box, group);
}

static GtkWidget *
add_fixes (CasellaSetupWindow        *self,
           const CasellaSetupProblem *problem)
{
  switch (problem->fix)
    {
    case CASELLA_SETUP_FIX_PASSWORD:
      add_password_field (self, _("Password"));
      fix_button (self, _("C_hange Settings"), "setup.manual", NULL);
      return fix_button (self, _("_Try Again"), "setup.retry", "suggested-action");
    case CASELLA_SETUP_FIX_APP_PASSWORD:
      add_link (self, problem);
      add_password_field (self, _("App password"));
      fix_button (self, _("C_hange Settings"), "setup.manual", NULL);
      return fix_button (self, _("_Try Again"), "setup.retry", "suggested-action");
    case CASELLA_SETUP_FIX_ENABLE_ACCESS:
      add_link (self, problem);
      fix_button (self, _("C_hange Settings"), "setup.manual", NULL);
      return fix_button (self, _("_Try Again"), "setup.retry", "suggested-action");
    case CASELLA_SETUP_FIX_CERTIFICATE:
      add_certificate (self);
      fix_button (self, _("C_hange Settings"), "setup.manual", "suggested-action");
      fix_button (self, _("T_rust This Certificate"), "setup.trust-certificate", "destructive-action");
      return NULL;   /* trusting is never what Enter does */
    case CASELLA_SETUP_FIX_APPROVE_HOST:
      fix_button (self, _("C_hange Settings"), "setup.manual", NULL);
      fix_button (self, _("_Send It There"), "setup.approve-host", "destructive-action");
      return NULL;
    case CASELLA_SETUP_FIX_RETRY:
      fix_button (self, _("Set Up _Manually"), "setup.manual", NULL);
      return fix_button (self, _("_Try Again"), "setup.retry", "suggested-action");
    case CASELLA_SETUP_FIX_KEYRING:
      return fix_button (self, _("_Try Again"), "setup.retry-save", "suggested-action");
    case CASELLA_SETUP_FIX_SIGN_IN:
      return fix_button (self, _("_Sign In Again"), "setup.signin", "suggested-action");
    case CASELLA_SETUP_FIX_UNSUPPORTED:
      add_link (self, problem);
      return fix_button (self, _("_Close"), "window.close", NULL);
    default:
      fix_button (self, _("_Try Again"), "setup.retry", NULL);
      return fix_button (self, _("C_hange Settings"), "setup.manual", "suggested-action");
    }
}

static void
show_problem (CasellaSetupWindow  *self,
              CasellaSetupProblem *problem)
{
  GtkWidget *default_button;
  int failed = self->failure.protocol == CASELLA_PROTOCOL_SMTP ? ROLE_OUTGOING : ROLE_INCOMING;

  g_clear_pointer (&self->problem, casella_setup_problem_free);
  self->problem = problem;
  clear_fixes (self);
  gtk_spinner_stop (self->checking_spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->checking_spinner), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->problem_icon), TRUE);
  gtk_label_set_text (self->checking_title, problem->title);
  gtk_label_set_text (self->checking_description, problem->description);
  if (problem->fix != CASELLA_SETUP_FIX_KEYRING)
    {
      step_set (self, failed, STEP_FAILED);
      step_set (self, !failed, failed == ROLE_OUTGOING ? STEP_OK : STEP_NOT_CHECKED);
    }

  default_button = add_fixes (self, problem);
  add_details (self, problem);
  gtk_window_set_default_widget (GTK_WINDOW (self), default_button);
  if (self->fix_password != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->fix_password));
  else if (default_button != NULL)
    gtk_widget_grab_focus (default_button);
  else
    gtk_widget_grab_focus (gtk_widget_get_first_child (GTK_WIDGET (self->fix_buttons)));
}

/* ---- saving: keyring first, then the settings ---- */

static CasellaAccount *
account_from_check (CasellaSetupWindow *self)
{
  const char *address = casella_setup_window_get_address (self);
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  /* A sign-in's tokens are already kept under its account's id. */
  CasellaAccount *account = self->use_oauth2 && self->signin_account ? g_object_ref (self->signin_account)
                                                                      : casella_account_new (address);
  CasellaServerConfig *incoming = self->verified->incoming;

  casella_account_set_display_name (account, name[0] ? name : NULL);
  casella_account_set_oauth2_provider (account, self->use_oauth2 ? self->oauth2->id : NULL);
  if (self->config != NULL)
    casella_account_set_provider (account, self->config->provider_id, self->config->provider_name);
  casella_account_set_incoming (account, incoming);
  casella_account_set_outgoing (account, self->verified->outgoing);
  casella_account_set_pinned_certificate (account, incoming->protocol, self->pinned[ROLE_INCOMING]);
  casella_account_set_pinned_certificate (account, CASELLA_PROTOCOL_SMTP, self->pinned[ROLE_OUTGOING]);
  if (incoming->protocol == CASELLA_PROTOCOL_POP3)
    {
      guint days = (guint) gtk_spin_button_get_value_as_int (self->delete_days);

      /* Copies off: delete once it is safely here (after 0 days). */
      if (!gtk_switch_get_active (self->keep_switch))
        casella_account_set_pop3_policy (account, CASELLA_POP3_DELETE_AFTER_DAYS, 0);
      else if (gtk_switch_get_active (self->delete_after_switch))
        casella_account_set_pop3_policy (account, CASELLA_POP3_DELETE_AFTER_DAYS, days);
      else
        casella_account_set_pop3_policy (account, CASELLA_POP3_KEEP, days);
    }
  return account;
}

static void
on_account_added (CasellaSetupWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaAccount) account = g_steal_pointer (&self->pending);

  if (!casella_account_store_add (self->store, account, &error))
    {
      /* The settings could not be written: take the passwords back out. */
      casella_credentials_clear_async (casella_account_get_id (account), NULL, NULL, NULL);
      show_problem (self, casella_setup_problem_new_keyring (error));
      g_free (self->problem->title);
      self->problem->title = g_strdup (_("Couldn’t Save the Account"));
      gtk_label_set_text (self->checking_title, self->problem->title);
      return;
    }
  /* The password lives in the keyring now; the form forgets it. */
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  casella_setup_window_account_saved (self, account);
}

static gboolean
stored_ok (GAsyncResult       *result,
           CasellaSetupWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (casella_credentials_store_finish (result, &error))
    return self->pending != NULL;
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_problem (self, casella_setup_problem_new_keyring (error));
  return FALSE;
}

static void
on_stored_outgoing (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(CasellaSetupWindow) self = user_data;

  if (stored_ok (result, self))
    on_account_added (self);
}

static void
on_stored_incoming (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(CasellaSetupWindow) self = user_data;

  if (!stored_ok (result, self))
    return;
  casella_credentials_store_async (self->pending, CASELLA_CREDENTIAL_OUTGOING,
                                   gtk_editable_get_text (GTK_EDITABLE (self->password_row)),
                                   self->cancellable, on_stored_outgoing, g_object_ref (self));
}

/* The password goes to the keyring only now, after both servers took it. */
static void
save_account (CasellaSetupWindow *self)
{
  if (self->pending == NULL)
    self->pending = account_from_check (self);
  gtk_label_set_text (self->checking_title, _("Saving Your Account…"));
  if (self->use_oauth2)
    {
      /* One keyring entry, the sign-in's, for receiving and sending. */
      g_autofree char *refresh = casella_token_source_dup_refresh_token (self->tokens);

      casella_credentials_store_async (self->pending, CASELLA_CREDENTIAL_OAUTH2, refresh, self->cancellable,
                                       on_stored_outgoing, g_object_ref (self));
      casella_secret_wipe (refresh);
      return;
    }
  casella_credentials_store_async (self->pending, CASELLA_CREDENTIAL_INCOMING,
                                   gtk_editable_get_text (GTK_EDITABLE (self->password_row)),
                                   self->cancellable, on_stored_incoming, g_object_ref (self));
}

/* ---- checking ---- */

static void
on_verified (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CasellaSetupWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(CasellaVerifyFailure) failure = { 0 };
  CasellaVerifyResult *verified;

  verified = casella_account_verify_finish (result, &failure, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* the user left this page; that page is in charge now */
  casella_verify_failure_clear (&self->failure);
  if (verified == NULL)
    {
      self->failure = failure;
      memset (&failure, 0, sizeof failure);
      if (self->use_oauth2 && (error->domain == CASELLA_OAUTH2_ERROR ||
                               g_error_matches (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_AUTH_FAILED)))
        show_problem (self, casella_setup_problem_new_sign_in (error, self->oauth2->name,
                                                               casella_setup_window_get_address (self)));
      else
        show_problem (self, casella_setup_problem_new (error, &self->failure, self->config,
                                                       casella_setup_window_get_address (self)));
      return;
    }
  g_clear_pointer (&self->verified, casella_verify_result_free);
  self->verified = verified;
  step_set (self, ROLE_INCOMING, STEP_OK);
  step_set (self, ROLE_OUTGOING, STEP_OK);
  g_clear_object (&self->pending);
  save_account (self);
}

static CasellaVerifyRequest *
request_new (CasellaSetupWindow *self)
{
  CasellaVerifyRequest *request =
    casella_verify_request_new (casella_setup_window_get_address (self),
                                gtk_editable_get_text (GTK_EDITABLE (self->password_row)),
                                self->config, self->servers[ROLE_INCOMING], self->servers[ROLE_OUTGOING]);

  request->tls_database = self->tls_database ? g_object_ref (self->tls_database) : NULL;
  request->pinned_incoming = self->pinned[ROLE_INCOMING] ? g_bytes_ref (self->pinned[ROLE_INCOMING]) : NULL;
  request->pinned_outgoing = self->pinned[ROLE_OUTGOING] ? g_bytes_ref (self->pinned[ROLE_OUTGOING]) : NULL;
  request->allow_plaintext = self->plaintext_agreed;
  request->tokens = self->use_oauth2 && self->tokens ? g_object_ref (self->tokens) : NULL;
  g_ptr_array_add (self->approved_hosts, NULL);
  request->approved_hosts = g_strdupv ((char **) self->approved_hosts->pdata);
  g_ptr_array_remove_index (self->approved_hosts, self->approved_hosts->len - 1);
  return request;
}

static gboolean
uses_plaintext (CasellaSetupWindow *self)
{
  for (int r = 0; r < N_ROLES; r++)
    if (self->servers[r] != NULL && self->servers[r]->security == CASELLA_SECURITY_NONE)
      return TRUE;
  return FALSE;
}

static void
on_plaintext_response (AdwMessageDialog   *dialog,
                       const char         *response,
                       CasellaSetupWindow *self)
{
  if (g_str_equal (response, "send"))
    {
      self->plaintext_agreed = TRUE;
      casella_setup_check_start (self);
    }
}

/* A password without encryption is never sent without asking. */
static void
ask_plaintext (CasellaSetupWindow *self)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (
    adw_message_dialog_new (GTK_WINDOW (self), _("Send Your Password Unencrypted?"),
                            _("This server doesn’t encrypt the connection. Anyone on the network between you and "
                              "the server could read your password and your mail. Do this only on a network you "
                              "trust, such as for a server in your own home or office.")));

  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "send", _("_Send Unencrypted"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "send", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_plaintext_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
casella_setup_check_show (CasellaSetupWindow *self)
{
  show_checking (self);
  casella_setup_window_show_page (self, "checking", TRUE);
}

void
casella_setup_check_start (CasellaSetupWindow *self)
{
  g_autoptr(CasellaVerifyRequest) request = NULL;

  if (self->servers[ROLE_INCOMING] == NULL || self->servers[ROLE_OUTGOING] == NULL)
    return;
  /* The sign-in page first; it calls back here with the tokens. */
  if (self->use_oauth2 && self->tokens == NULL)
    {
      casella_setup_signin_start (self);
      return;
    }
  if (uses_plaintext (self) && !self->plaintext_agreed)
    {
      ask_plaintext (self);
      return;
    }
  casella_setup_window_clear_work (self);
  self->cancellable = g_cancellable_new ();
  request = request_new (self);
  show_checking (self);
  casella_setup_window_show_page (self, "checking", TRUE);
  casella_account_verify_async (request, self->cancellable, on_verified, g_object_ref (self));
}

/* ---- the fixes' actions ---- */

static void
retry_action (GtkWidget  *widget,
              const char *action,
              GVariant   *parameter)
{
  CasellaSetupWindow *self = CASELLA_SETUP_WINDOW (widget);

  if (self->fix_password != NULL)
    {
      const char *typed = gtk_editable_get_text (GTK_EDITABLE (self->fix_password));
      if (typed[0] == '\0')
        {
          gtk_widget_grab_focus (GTK_WIDGET (self->fix_password));
          return;
        }
      gtk_editable_set_text (GTK_EDITABLE (self->password_row), typed);
    }
  casella_setup_check_start (self);
}

static int
failed_role (CasellaSetupWindow *self)
{
  return self->failure.protocol == CASELLA_PROTOCOL_SMTP ? ROLE_OUTGOING : ROLE_INCOMING;
}

/* The user looked at the certificate and chose to trust it: remembered
 * with the account, for this server only. */
static void
trust_certificate_action (GtkWidget  *widget,
                          const char *action,
                          GVariant   *parameter)
{
  CasellaSetupWindow *self = CASELLA_SETUP_WINDOW (widget);
  int role = failed_role (self);

  if (self->failure.certificate == NULL)
    return;
  g_clear_pointer (&self->pinned[role], g_bytes_unref);
  self->pinned[role] = casella_certificate_get_der (self->failure.certificate);
  casella_setup_check_start (self);
}

static void
approve_host_action (GtkWidget  *widget,
                     const char *action,
                     GVariant   *parameter)
{
  CasellaSetupWindow *self = CASELLA_SETUP_WINDOW (widget);

  if (self->failure.host == NULL)
    return;
  g_ptr_array_add (self->approved_hosts, g_strdup (self->failure.host));
  casella_setup_check_start (self);
}

static void
retry_save_action (GtkWidget  *widget,
                   const char *action,
                   GVariant   *parameter)
{
  CasellaSetupWindow *self = CASELLA_SETUP_WINDOW (widget);

  if (self->verified == NULL)
    return;
  show_checking (self);
  step_set (self, ROLE_INCOMING, STEP_OK);
  step_set (self, ROLE_OUTGOING, STEP_OK);
  casella_setup_window_clear_work (self);
  self->cancellable = g_cancellable_new ();
  save_account (self);
}

void
casella_setup_check_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "setup.retry", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "setup.trust-certificate", NULL, trust_certificate_action);
  gtk_widget_class_install_action (widget_class, "setup.approve-host", NULL, approve_host_action);
  gtk_widget_class_install_action (widget_class, "setup.retry-save", NULL, retry_save_action);
}
