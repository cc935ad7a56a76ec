/* casella-window-undo-send.c — "Sending…  Undo": a message just sent
 * waits in the outbox for the account's time to undo; Undo takes it back
 * into a composer, as it was
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-composer.h"
#include "casella-gmime.h"
#include "casella-mail-session-writes.h"
#include "casella-message-text.h"
#include "casella-ui.h"
#include "casella-window-private.h"

/* The message in the toast, and whose outbox it is in. */
typedef struct {
  CasellaWindow      *window;
  CasellaMailSession *session;
  gint64              message_id;
} Undo;

static void
undo_free (Undo *undo)
{
  g_object_unref (undo->window);
  g_object_unref (undo->session);
  g_free (undo);
}

static void
on_taken_back (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Undo *undo = user_data;
  CasellaMailSession *session = CASELLA_MAIL_SESSION (source);
  g_autoptr(GError) error = NULL;
  GBytes *raw;

  if (casella_mail_session_write_finish (session, result, &error) == 0 ||
      (raw = casella_mail_session_take_back_get_raw (result)) == NULL)
    casella_window_show_toast (undo->window, casella_toast_new (_("Too late to undo: the message was sent.")));
  else
    {
      g_autoptr(GMimeMessage) message = casella_message_parse (raw);
      g_autoptr(CasellaDraft) draft = message ? casella_draft_new_from_message (message) : NULL;

      /* Back as it was, to change or send again; not sent. */
      if (draft != NULL && !gtk_widget_in_destruction (GTK_WIDGET (undo->window)))
        gtk_window_present (GTK_WINDOW (casella_composer_new (gtk_window_get_application (GTK_WINDOW (undo->window)),
                                                              session, draft, 0)));
    }
  undo_free (undo);
}

static void
undo_send_action (GtkWidget  *widget,
                  const char *action,
                  GVariant   *parameter)
{
  CasellaWindow *self = CASELLA_WINDOW (widget);
  gint64 id = g_variant_get_int64 (parameter);
  CasellaMailSession *session = self->undo_sends ? g_hash_table_lookup (self->undo_sends, &id) : NULL;
  Undo *undo;

  if (session == NULL)
    return;
  undo = g_new0 (Undo, 1);
  undo->window = g_object_ref (self);
  undo->session = g_object_ref (session);
  undo->message_id = id;
  g_hash_table_remove (self->undo_sends, &id);
  casella_mail_session_take_back_async (session, id, on_taken_back, undo);
}

static void
on_undo_toast_gone (AdwToast *toast,
                    gpointer  user_data)
{
  CasellaWindow *self = CASELLA_WINDOW (user_data);
  gint64 id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (toast), "casella-message"));

  if (self->undo_sends != NULL)
    g_hash_table_remove (self->undo_sends, &id);
}

void
casella_window_offer_undo_send (CasellaWindow      *self,
                                CasellaMailSession *session,
                                gint64              message_id,
                                const char         *subject,
                                guint               seconds)
{
  /* Translators: a toast while a message waits to go; %s is its subject */
  g_autofree char *text = g_strdup_printf (_("Sending “%s”…"), subject && *subject ? subject : _("(No subject)"));
  AdwToast *toast = casella_toast_new (text);
  gint64 *key = g_new (gint64, 1);

  g_return_if_fail (CASELLA_IS_WINDOW (self));
  if (self->undo_sends == NULL)
    self->undo_sends = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  *key = message_id;
  g_hash_table_replace (self->undo_sends, key, g_object_ref (session));
  adw_toast_set_timeout (toast, seconds);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "win.undo-send");
  adw_toast_set_action_target_value (toast, g_variant_new_int64 (message_id));
  g_object_set_data (G_OBJECT (toast), "casella-message", GSIZE_TO_POINTER ((gsize) message_id));
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_undo_toast_gone), self, 0);
  casella_window_show_toast (self, toast);
}

void
casella_window_undo_send_dispose (CasellaWindow *self)
{
  g_clear_pointer (&self->undo_sends, g_hash_table_unref);
}

void
casella_window_undo_send_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.undo-send", "x", undo_send_action);
}
