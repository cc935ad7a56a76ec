/* casella-certificate-dialog.c — a changed certificate, compared
 *
 * The receiving server is looked at first, then the sending one. A
 * certificate the system now trusts ends the pin without a question; an
 * expired one is explained as such; any other is the user's choice,
 * with what was trusted before beside it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-account-certificate.h"
#include "casella-certificate-dialog.h"
#include "casella-setup-problem.h"
#include "casella-ui.h"

struct _CasellaCertificateDialog
{
  AdwWindow            parent_instance;

  CasellaAccountStore *accounts;
  CasellaAccount      *account;
  GTlsDatabase        *tls_database;
  GCancellable        *cancellable;
  CasellaProtocol      protocol;       /* the server being looked at */
  GTlsCertificate     *shown;          /* what it shows, when asked about */
  gboolean             pins_changed;

  GtkStack            *stack;
  GtkLabel            *heading_label;
  GtkLabel            *body_label;
  AdwPreferencesGroup *old_group;
  AdwPreferencesGroup *new_group;
  GtkWidget           *trust_button;
  GtkWidget           *close_button;
};

G_DEFINE_FINAL_TYPE (CasellaCertificateDialog, casella_certificate_dialog, ADW_TYPE_WINDOW)

enum { SIGNAL_TRUSTED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const char *
host_of (CasellaCertificateDialog *self)
{
  CasellaServerConfig *server = self->protocol == CASELLA_PROTOCOL_SMTP ? casella_account_get_outgoing (self->account)
                                                                        : casella_account_get_incoming (self->account);
  return server->host;
}

static void
add_row (AdwPreferencesGroup *group,
         const char          *title,
         const char          *value)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value ? value : "");
  gtk_widget_add_css_class (row, "property");
  adw_preferences_group_add (group, row);
}

static void
describe (AdwPreferencesGroup  *group,
          GTlsCertificate      *certificate,
          GTlsCertificateFlags  errors,
          const char           *host)
{
  g_autoptr(CasellaCertificateInfo) info = casella_certificate_info_new (certificate, errors, host);
  /* Translators: a certificate's validity, "from 1 March 2026 to 1 June 2026" */
  g_autofree char *valid = g_strdup_printf (_("from %s to %s"), info->valid_from, info->valid_until);

  add_row (group, _("Issued to"), info->issued_to);
  add_row (group, _("Issued by"), info->issued_by);
  add_row (group, _("Valid"), valid);
  add_row (group, _("Fingerprint (SHA-256)"), info->fingerprint);
}

static void
show (CasellaCertificateDialog *self,
      const char               *heading,
      const char               *body,
      gboolean                  can_trust)
{
  gtk_label_set_text (self->heading_label, heading);
  gtk_label_set_text (self->body_label, body);
  gtk_widget_set_visible (self->trust_button, can_trust);
  if (!can_trust)
    gtk_button_set_label (GTK_BUTTON (self->close_button), _("_Close"));
  gtk_stack_set_visible_child_name (self->stack, "shown");
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(CasellaCertificateDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!casella_account_store_save_finish (CASELLA_ACCOUNT_STORE (source), result, &error))
    {
      show (self, _("Couldn’t Save Your Choice"),
            _("Casella couldn’t write its settings. Check that the disk isn’t full, then try again."), FALSE);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_TRUSTED], 0);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
set_pin (CasellaCertificateDialog *self,
         CasellaProtocol           protocol,
         GTlsCertificate          *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GBytes) pin = NULL;

  if (certificate != NULL)
    {
      g_object_get (certificate, "certificate", &der, NULL);
      pin = g_bytes_new (der->data, der->len);
    }
  casella_account_set_pinned_certificate (self->account, protocol, pin);
  self->pins_changed = TRUE;
}

static void
save_pins (CasellaCertificateDialog *self)
{
  casella_account_store_changed (self->accounts, self->account);
  casella_account_store_save_async (self->accounts, NULL, on_saved, g_object_ref (self));
}

static void check_next (CasellaCertificateDialog *self);

static void
ask (CasellaCertificateDialog *self,
     CasellaCertificateCheck  *check)
{
  GBytes *pinned = casella_account_get_pinned_certificate (self->account, self->protocol);
  g_autoptr(GTlsCertificate) old = pinned ? casella_certificate_new_from_der (pinned, NULL) : NULL;
  g_autoptr(CasellaCertificateInfo) info = casella_certificate_info_new (check->certificate, check->errors,
                                                                         host_of (self));
  g_autofree char *body = NULL;

  g_set_object (&self->shown, check->certificate);
  describe (self->new_group, check->certificate, check->errors, host_of (self));
  gtk_widget_set_visible (GTK_WIDGET (self->old_group), old != NULL);
  if (old != NULL)
    describe (self->old_group, old, 0, host_of (self));
  if (old == NULL && (check->errors & G_TLS_CERTIFICATE_EXPIRED))
    {
      body = g_strdup_printf (_("The certificate of %s expired on %s. Your provider has to renew it. Until then "
                                "Casella won’t connect there, so that your password stays safe."),
                              host_of (self), info->valid_until);
      show (self, _("The Server’s Certificate Has Expired"), body, FALSE);
    }
  else if (old != NULL)
    {
      body = g_strdup_printf (_("%s shows a different identity card (certificate) from the one you trusted. %s "
                                "Servers renew theirs from time to time: if your provider told you about a new "
                                "one, or it comes from the same issuer and begins about when the old one ends, you "
                                "can trust it. If not, someone may be pretending to be your server."),
                              host_of (self), info->reason);
      show (self, _("The Server’s Certificate Has Changed"), body, TRUE);
    }
  else
    {
      body = g_strdup_printf (_("%s shows an identity card (certificate) your computer can’t confirm. %s Trust it "
                                "only if you know this server, for example because your company runs it."),
                              host_of (self), info->reason);
      show (self, _("Is This the Right Server?"), body, TRUE);
    }
}

static void
on_checked (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CasellaCertificateDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaCertificateCheck) check = casella_account_check_certificate_finish (result, &error);
  g_autofree char *body = NULL;

  if (check == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      body = g_strdup_printf (_("Casella couldn’t reach %s to look at its certificate. Try again when you are "
                                "online."), host_of (self));
      show (self, _("Can’t Reach the Server"), body, FALSE);
      return;
    }
  /* Trusted by the system now: the old choice is not needed. */
  if (check->trusted && casella_account_get_pinned_certificate (self->account, self->protocol) != NULL)
    set_pin (self, self->protocol, NULL);
  if (check->trusted || check->pinned)
    {
      check_next (self);
      return;
    }
  ask (self, check);
}

/* Receiving first, then sending; when both are fine, what changed is kept. */
static void
check_next (CasellaCertificateDialog *self)
{
  if (self->protocol != CASELLA_PROTOCOL_SMTP && casella_account_get_outgoing (self->account) != NULL)
    {
      self->protocol = CASELLA_PROTOCOL_SMTP;
      casella_account_check_certificate_async (self->account, CASELLA_PROTOCOL_SMTP, self->tls_database,
                                               self->cancellable, on_checked, g_object_ref (self));
      return;
    }
  if (self->pins_changed)
    {
      save_pins (self);
      return;
    }
  show (self, _("The Certificates Are the Ones You Trusted"),
        _("Both servers show the certificates you trusted, so the problem was something else. Try again in a "
          "moment."), FALSE);
}

static void
trust_action (GtkWidget  *widget,
              const char *action,
              GVariant   *parameter)
{
  CasellaCertificateDialog *self = CASELLA_CERTIFICATE_DIALOG (widget);

  if (self->shown == NULL)
    return;
  gtk_widget_set_visible (self->trust_button, FALSE);
  set_pin (self, self->protocol, self->shown);
  save_pins (self);
}

static void
casella_certificate_dialog_dispose (GObject *object)
{
  CasellaCertificateDialog *self = CASELLA_CERTIFICATE_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->accounts);
  g_clear_object (&self->account);
  g_clear_object (&self->tls_database);
  g_clear_object (&self->shown);
  G_OBJECT_CLASS (casella_certificate_dialog_parent_class)->dispose (object);
}

static void
casella_certificate_dialog_class_init (CasellaCertificateDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = casella_certificate_dialog_dispose;
  signals[SIGNAL_TRUSTED] = g_signal_new ("trusted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 0);
  casella_ui_init ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/casellamail/Casella/window/casella-certificate-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CasellaCertificateDialog, name)
  BIND (stack); BIND (heading_label); BIND (body_label); BIND (old_group); BIND (new_group); BIND (trust_button);
  BIND (close_button);
#undef BIND
  gtk_widget_class_install_action (widget_class, "certificate.trust", NULL, trust_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
casella_certificate_dialog_init (CasellaCertificateDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

CasellaCertificateDialog *
casella_certificate_dialog_new (GtkWindow           *parent,
                                CasellaAccountStore *accounts,
                                CasellaAccount      *account,
                                GTlsDatabase        *tls_database)
{
  CasellaCertificateDialog *self = g_object_new (CASELLA_TYPE_CERTIFICATE_DIALOG, "transient-for", parent,
                                                 "application", gtk_window_get_application (parent), NULL);

  self->accounts = g_object_ref (accounts);
  self->account = g_object_ref (account);
  self->tls_database = tls_database ? g_object_ref (tls_database) : NULL;
  self->cancellable = g_cancellable_new ();
  self->protocol = casella_account_get_incoming (account)->protocol;
  casella_account_check_certificate_async (account, self->protocol, tls_database, self->cancellable, on_checked,
                                           g_object_ref (self));
  return self;
}
