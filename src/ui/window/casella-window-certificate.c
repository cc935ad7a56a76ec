/* casella-window-certificate.c — a server that shows another certificate
 * than the one trusted: the banner says so, "Look at the Certificate…"
 * compares, and a new choice restarts the account's session with it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-application.h"
#include "casella-certificate-dialog.h"
#include "casella-mail-error.h"
#include "casella-ui.h"
#include "casella-window-private.h"

gboolean
casella_window_certificate_explain (CasellaWindow  *self,
                                    const GError   *error,
                                    char          **text)
{
  if (self->session == NULL || !g_error_matches (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CERTIFICATE_UNTRUSTED))
    return FALSE;
  *text = g_strdup (_("Casella stopped connecting to your mail server: it shows an identity card (certificate) that "
                      "isn’t the one trusted before. Your mail here is safe."));
  gtk_button_set_label (GTK_BUTTON (self->status_button), _("_Look at the Certificate…"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->status_button), "win.check-certificate");
  return TRUE;
}

static void
on_trusted (CasellaCertificateDialog *dialog,
            CasellaWindow            *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  /* The session's connections were made with the old choice. */
  if (CASELLA_IS_APPLICATION (app) && self->account_id != NULL)
    casella_application_restart_session (CASELLA_APPLICATION (app), self->account_id);
  casella_window_show_toast (self, casella_toast_new (_("Your choice is saved. Getting your mail…")));
}

static void
check_certificate_action (GtkWidget  *widget,
                          const char *action,
                          GVariant   *parameter)
{
  CasellaWindow *self = CASELLA_WINDOW (widget);
  CasellaAccount *account = self->session ? casella_mail_session_get_account (self->session) : NULL;
  CasellaCertificateDialog *dialog;

  if (account == NULL)
    return;
  dialog = casella_certificate_dialog_new (GTK_WINDOW (self), self->accounts, account,
                                           casella_mail_session_get_tls_database (self->session));
  g_signal_connect_object (dialog, "trusted", G_CALLBACK (on_trusted), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
casella_window_certificate_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.check-certificate", NULL, check_certificate_action);
}
