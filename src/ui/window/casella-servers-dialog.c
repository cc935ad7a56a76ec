/* casella-servers-dialog.c — servers changed by hand, through the same
 * check as the assistant's: both must take the sign-in first. A host
 * outside the address's domain, a certificate no authority vouches for
 * or a connection without encryption each needs the user's explicit yes,
 * asked in plain words; until the check passes the old servers stay.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-account-verify.h"
#include "casella-mail-error.h"
#include "casella-mail-session-private.h"
#include "casella-servers-dialog.h"
#include "casella-setup-problem.h"
#include "casella-ui.h"

typedef enum { CONSENT_NONE, CONSENT_HOST, CONSENT_CERTIFICATE, CONSENT_PLAINTEXT } Consent;

struct _CasellaServersDialog
{
  AdwWindow            parent_instance;

  CasellaAccountStore *accounts;
  CasellaAccount      *account;
  CasellaMailSession  *session;
  GCancellable        *cancellable;
  gboolean             busy;
  GPtrArray           *approved;        /* hosts the user agreed to send the password to */
  gboolean             plaintext;       /* agreed to a server without encryption */
  GBytes              *pinned[2];       /* certificates trusted here: receiving, sending */
  Consent              consent;         /* what the consent button agrees to */
  CasellaVerifyFailure failure;

  AdwPreferencesGroup *incoming_group;
  AdwEntryRow         *in_host_row, *in_port_row, *in_user_row;
  AdwComboRow         *in_security_row;
  AdwEntryRow         *out_host_row, *out_port_row, *out_user_row;
  AdwComboRow         *out_security_row;
  GtkLabel            *problem_label;
  GtkWidget           *consent_button;
};

G_DEFINE_FINAL_TYPE (CasellaServersDialog, casella_servers_dialog, ADW_TYPE_WINDOW)

enum { PROP_0, PROP_BUSY, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
set_busy (CasellaServersDialog *self,
          gboolean              busy)
{
  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "servers.save", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "servers.consent", !busy);
}

static void
show_problem (CasellaServersDialog *self,
              const char           *text,
              Consent               consent,
              const char           *consent_label)
{
  set_busy (self, FALSE);
  self->consent = consent;
  gtk_label_set_text (self->problem_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), TRUE);
  gtk_widget_set_visible (self->consent_button, consent != CONSENT_NONE);
  if (consent_label != NULL)
    gtk_button_set_label (GTK_BUTTON (self->consent_button), consent_label);
}

/* ---- the rows ---- */

static void
show_server (const CasellaServerConfig *server,
             AdwEntryRow               *host,
             AdwEntryRow               *port,
             AdwComboRow               *security,
             AdwEntryRow               *user)
{
  g_autofree char *number = g_strdup_printf ("%u", server->port);

  gtk_editable_set_text (GTK_EDITABLE (host), server->host);
  gtk_editable_set_text (GTK_EDITABLE (port), number);
  adw_combo_row_set_selected (security, server->security);
  gtk_editable_set_text (GTK_EDITABLE (user), server->username ? server->username : "");
}

/* NULL when a field is not right (the row named in problem). */
static CasellaServerConfig *
read_server (CasellaProtocol   protocol,
             AdwEntryRow      *host,
             AdwEntryRow      *port,
             AdwComboRow      *security,
             AdwEntryRow      *user,
             char            **problem)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (host))));
  guint64 number = 0;
  CasellaServerConfig *server;

  if (*name == '\0' || strpbrk (name, " /@:") != NULL)
    {
      *problem = g_strdup (_("A server’s name looks like mail.example.com, without spaces."));
      return NULL;
    }
  if (!g_ascii_string_to_unsigned (gtk_editable_get_text (GTK_EDITABLE (port)), 10, 1, 65535, &number, NULL))
    {
      *problem = g_strdup (_("A port is a number between 1 and 65535, for example 993."));
      return NULL;
    }
  server = casella_server_config_new (protocol, name, (guint16) number, adw_combo_row_get_selected (security));
  if (*gtk_editable_get_text (GTK_EDITABLE (user)) != '\0')
    server->username = g_strdup (gtk_editable_get_text (GTK_EDITABLE (user)));
  return server;
}

static gboolean
same_place (const CasellaServerConfig *a,
            const CasellaServerConfig *b)
{
  return a != NULL && b != NULL && g_ascii_strcasecmp (a->host, b->host) == 0 && a->port == b->port;
}

/* ---- checking, then saving ---- */

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(CasellaServersDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!casella_account_store_save_finish (CASELLA_ACCOUNT_STORE (source), result, &error))
    {
      show_problem (self, _("The settings couldn’t be saved. Check that the disk isn’t full."), CONSENT_NONE, NULL);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_SAVED], 0);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
keep (CasellaServersDialog *self,
      CasellaVerifyResult  *verified)
{
  CasellaServerConfig *old[] = { casella_account_get_incoming (self->account),
                                 casella_account_get_outgoing (self->account) };
  CasellaServerConfig *now[] = { verified->incoming, verified->outgoing };
  CasellaProtocol protocols[] = { old[0]->protocol, CASELLA_PROTOCOL_SMTP };

  /* A pin belongs to a server: a new place keeps only what was trusted here. */
  for (guint i = 0; i < 2; i++)
    if (!same_place (old[i], now[i]) || self->pinned[i] != NULL)
      casella_account_set_pinned_certificate (self->account, protocols[i], self->pinned[i]);
  casella_account_set_incoming (self->account, verified->incoming);
  casella_account_set_outgoing (self->account, verified->outgoing);
  casella_account_store_changed (self->accounts, self->account);
  casella_account_store_save_async (self->accounts, NULL, on_saved, g_object_ref (self));
}

static void
on_checked (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CasellaServersDialog) self = user_data;
  g_autoptr(CasellaVerifyResult) verified = NULL;
  g_autoptr(CasellaSetupProblem) problem = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;

  casella_verify_failure_clear (&self->failure);
  verified = casella_account_verify_finish (result, &self->failure, &error);
  if (verified != NULL)
    {
      keep (self, verified);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_error_matches (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PLAINTEXT_REFUSED))
    {
      label = g_strdup_printf (_("%s doesn’t encrypt the connection: your password and your mail would travel "
                                 "readable by anyone on the way. Agree only on a network you trust."),
                               self->failure.host ? self->failure.host : "");
      show_problem (self, label, CONSENT_PLAINTEXT, _("_Send It Without Encryption"));
      return;
    }
  problem = casella_setup_problem_new (error, &self->failure, NULL, casella_account_get_address (self->account));
  if (problem->fix == CASELLA_SETUP_FIX_APPROVE_HOST)
    label = g_strdup_printf (_("_Send the Password to %s"), self->failure.host);
  show_problem (self, problem->description,
                problem->fix == CASELLA_SETUP_FIX_APPROVE_HOST ? CONSENT_HOST
                : problem->fix == CASELLA_SETUP_FIX_CERTIFICATE && self->failure.certificate ? CONSENT_CERTIFICATE
                : CONSENT_NONE,
                problem->fix == CASELLA_SETUP_FIX_APPROVE_HOST ? label : _("_Trust This Certificate"));
}

static void
save_action (GtkWidget  *widget,
             const char *action,
             GVariant   *parameter)
{
  CasellaServersDialog *self = CASELLA_SERVERS_DIALOG (widget);
  CasellaAccountSyncOptions options = casella_mail_session_get_sync_options (self->session);
  g_autofree char *problem = NULL;
  g_autoptr(CasellaServerConfig) incoming = read_server (casella_account_get_incoming (self->account)->protocol,
                                                         self->in_host_row, self->in_port_row, self->in_security_row,
                                                         self->in_user_row, &problem);
  g_autoptr(CasellaServerConfig) outgoing = incoming ? read_server (CASELLA_PROTOCOL_SMTP, self->out_host_row,
                                                                    self->out_port_row, self->out_security_row,
                                                                    self->out_user_row, &problem) : NULL;
  g_autoptr(CasellaVerifyRequest) request = NULL;
  g_autoptr(GStrvBuilder) hosts = g_strv_builder_new ();

  if (outgoing == NULL)
    {
      show_problem (self, problem, CONSENT_NONE, NULL);
      return;
    }
  request = casella_verify_request_new_for_account (self->account, options.password);
  g_clear_pointer (&request->incoming, casella_server_config_free);
  g_clear_pointer (&request->outgoing, casella_server_config_free);
  request->incoming = g_steal_pointer (&incoming);
  request->outgoing = g_steal_pointer (&outgoing);
  request->smtp_password = g_strdup (options.smtp_password);
  request->tls_database = options.tls_database ? g_object_ref (options.tls_database) : NULL;
  /* The saved places keep their pins; new ones only what was trusted here. */
  for (guint i = 0; i < 2; i++)
    {
      GBytes **pin = i == 0 ? &request->pinned_incoming : &request->pinned_outgoing;
      CasellaServerConfig *asked = i == 0 ? request->incoming : request->outgoing;
      CasellaServerConfig *saved = i == 0 ? casella_account_get_incoming (self->account)
                                          : casella_account_get_outgoing (self->account);
      if (self->pinned[i] != NULL || !same_place (asked, saved))
        {
          g_clear_pointer (pin, g_bytes_unref);
          *pin = self->pinned[i] ? g_bytes_ref (self->pinned[i]) : NULL;
        }
    }
  g_strv_builder_addv (hosts, (const char **) request->approved_hosts);
  for (guint i = 0; i < self->approved->len; i++)
    g_strv_builder_add (hosts, self->approved->pdata[i]);
  g_strfreev (request->approved_hosts);
  request->approved_hosts = g_strv_builder_end (hosts);
  request->allow_plaintext = self->plaintext ||
                             (request->allow_plaintext && request->incoming->security != CASELLA_SECURITY_NONE &&
                              request->outgoing->security != CASELLA_SECURITY_NONE);
  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), FALSE);
  gtk_widget_set_visible (self->consent_button, FALSE);
  set_busy (self, TRUE);
  casella_account_verify_async (request, self->cancellable, on_checked, g_object_ref (self));
}

/* The user's explicit yes to what the check stopped at, then again. */
static void
consent_action (GtkWidget  *widget,
                const char *action,
                GVariant   *parameter)
{
  CasellaServersDialog *self = CASELLA_SERVERS_DIALOG (widget);

  if (self->consent == CONSENT_HOST && self->failure.host != NULL)
    g_ptr_array_add (self->approved, g_strdup (self->failure.host));
  else if (self->consent == CONSENT_PLAINTEXT)
    self->plaintext = TRUE;
  else if (self->consent == CONSENT_CERTIFICATE && self->failure.certificate != NULL)
    {
      guint i = self->failure.protocol == CASELLA_PROTOCOL_SMTP;
      g_clear_pointer (&self->pinned[i], g_bytes_unref);
      self->pinned[i] = casella_certificate_get_der (self->failure.certificate);
    }
  else
    return;
  save_action (widget, NULL, NULL);
}

/* ---- the object ---- */

static void
casella_servers_dialog_dispose (GObject *object)
{
  CasellaServersDialog *self = CASELLA_SERVERS_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->accounts);
  g_clear_object (&self->account);
  g_clear_object (&self->session);
  g_clear_pointer (&self->approved, g_ptr_array_unref);
  g_clear_pointer (&self->pinned[0], g_bytes_unref);
  g_clear_pointer (&self->pinned[1], g_bytes_unref);
  casella_verify_failure_clear (&self->failure);
  G_OBJECT_CLASS (casella_servers_dialog_parent_class)->dispose (object);
}

static void
casella_servers_dialog_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  if (prop_id == PROP_BUSY)
    g_value_set_boolean (value, CASELLA_SERVERS_DIALOG (object)->busy);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
casella_servers_dialog_class_init (CasellaServersDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = casella_servers_dialog_dispose;
  object_class->get_property = casella_servers_dialog_get_property;
  /* The servers are being checked. */
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  signals[SIGNAL_SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 0);
  casella_ui_init ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/casellamail/Casella/window/casella-servers-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CasellaServersDialog, name)
  BIND (incoming_group); BIND (in_host_row); BIND (in_port_row); BIND (in_security_row); BIND (in_user_row);
  BIND (out_host_row); BIND (out_port_row); BIND (out_security_row); BIND (out_user_row); BIND (problem_label);
  BIND (consent_button);
#undef BIND
  gtk_widget_class_install_action (widget_class, "servers.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "servers.consent", NULL, consent_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
casella_servers_dialog_init (CasellaServersDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->approved = g_ptr_array_new_with_free_func (g_free);
  self->cancellable = g_cancellable_new ();
  casella_ui_label_entry_rows (GTK_WIDGET (self));
}

CasellaServersDialog *
casella_servers_dialog_new (GtkWindow           *parent,
                            CasellaAccountStore *accounts,
                            CasellaAccount      *account,
                            CasellaMailSession  *session)
{
  CasellaServersDialog *self = g_object_new (CASELLA_TYPE_SERVERS_DIALOG, "transient-for", parent,
                                             "application", gtk_window_get_application (parent), NULL);
  CasellaServerConfig *incoming = casella_account_get_incoming (account);

  self->accounts = g_object_ref (accounts);
  self->account = g_object_ref (account);
  self->session = g_object_ref (session);
  adw_preferences_group_set_title (self->incoming_group, incoming->protocol == CASELLA_PROTOCOL_POP3
                                                         ? _("Receiving (POP3)") : _("Receiving (IMAP)"));
  show_server (incoming, self->in_host_row, self->in_port_row, self->in_security_row, self->in_user_row);
  if (casella_account_get_outgoing (account) != NULL)
    show_server (casella_account_get_outgoing (account), self->out_host_row, self->out_port_row,
                 self->out_security_row, self->out_user_row);
  return self;
}
