/* casella-window-export.c — "Save a Copy…" of a folder: an mbox file any
 * mail app imports, for mail that lives only here (POP3, drafts) or a
 * move to another app. It runs while the window goes on, its progress
 * in a toast with "Stop".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-ui.h"
#include "casella-window-private.h"

typedef struct {
  CasellaWindow *window;
  AdwToast      *toast;       /* the progress, while it shows */
  char          *folder;      /* its name, for the words */
  GFile         *file;
} Saving;

static void
saving_free (Saving *saving)
{
  g_clear_object (&saving->toast);
  g_object_unref (saving->window);
  g_free (saving->folder);
  g_object_unref (saving->file);
  g_free (saving);
}

static void
on_progress (guint    done,
             guint    total,
             gpointer user_data)
{
  Saving *saving = user_data;
  g_autofree char *title = NULL;
  g_autofree char *escaped = NULL;

  /* Translators: "Saving a copy of “Inbox”: 120 of 10000 messages…" */
  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Saving a copy of “%s”: %u of %u message…",
                                        "Saving a copy of “%s”: %u of %u messages…", total),
                           saving->folder, done, total);
  escaped = g_markup_escape_text (title, -1);
  adw_toast_set_title (saving->toast, escaped);
}

/* The reason in plain words; the engine's own behind it. */
static char *
why (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    return g_strdup (_("the disk is full"));
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY))
    return g_strdup (_("Casella may not write in that folder"));
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return g_strdup (_("that folder no longer exists"));
  return g_strdup (_("some messages could not be read; try again when you are online"));
}

static void
on_exported (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Saving *saving = user_data;
  CasellaWindow *self = saving->window;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (saving->file);
  g_autofree char *text = NULL;
  gint64 written = casella_mail_session_export_finish (CASELLA_MAIL_SESSION (source), result, &error);

  casella_window_dismiss_toast (self, saving->toast);
  g_clear_object (&self->export_cancellable);
  if (written >= 0)
    /* Translators: "A copy of “Inbox” is saved: 120 messages in Inbox.mbox" */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "A copy of “%s” is saved: %d message in %s",
                                         "A copy of “%s” is saved: %d messages in %s", (gulong) written),
                            saving->folder, (int) written, name);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    text = g_strdup (_("Stopped. Nothing was saved."));
  else
    {
      g_autofree char *reason = why (error);
      g_debug ("Export failed: %s", error->message);
      /* Translators: %s is a folder's name, then why */
      text = g_strdup_printf (_("The copy of “%s” wasn’t saved: %s. Nothing was changed."), saving->folder, reason);
    }
  if (!gtk_widget_in_destruction (GTK_WIDGET (self)))
    casella_window_show_toast (self, casella_toast_new (text));
  saving_free (saving);
}

void
casella_window_export_folder (CasellaWindow *self,
                              gint64         folder_id,
                              GFile         *file)
{
  g_autoptr(CasellaStoreFolder) folder = NULL;
  Saving *saving;

  if (self->session == NULL ||
      (folder = casella_store_get_folder (casella_mail_session_get_store (self->session), folder_id)) == NULL)
    return;
  if (self->export_cancellable != NULL)
    {
      casella_window_show_toast (self, casella_toast_new (_("A copy is being saved already. Wait for it, or stop it "
                                                            "first.")));
      return;
    }
  saving = g_new0 (Saving, 1);
  saving->window = g_object_ref (self);
  saving->folder = g_strdup (folder->role == CASELLA_FOLDER_ROLE_INBOX ? _("Inbox") : folder->name);
  saving->file = g_object_ref (file);
  saving->toast = g_object_ref_sink (casella_toast_new (""));
  adw_toast_set_timeout (saving->toast, 0);
  adw_toast_set_button_label (saving->toast, _("_Stop"));
  adw_toast_set_action_name (saving->toast, "win.export-stop");
  on_progress (0, folder->total, saving);
  casella_window_show_toast (self, saving->toast);
  self->export_cancellable = g_cancellable_new ();
  casella_mail_session_export_async (self->session, folder_id, file, on_progress, saving, self->export_cancellable,
                                     on_exported, saving);
}

typedef struct {
  CasellaWindow *window;
  gint64         folder_id;
} Choosing;

static void
on_chosen (GtkNativeDialog *dialog,
           int              response,
           Choosing        *choosing)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT && (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) != NULL)
    casella_window_export_folder (choosing->window, choosing->folder_id, file);
  g_object_unref (choosing->window);
  g_free (choosing);
  g_object_unref (dialog);
}

static void
export_folder_action (GtkWidget  *widget,
                      const char *action,
                      GVariant   *parameter)
{
  CasellaWindow *self = CASELLA_WINDOW (widget);
  gint64 folder_id = g_variant_get_int64 (parameter);
  g_autoptr(CasellaStoreFolder) folder = NULL;
  const char *documents = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);
  GtkFileChooserNative *dialog;
  g_autofree char *name = NULL;
  Choosing *choosing;

  if (self->session == NULL ||
      (folder = casella_store_get_folder (casella_mail_session_get_store (self->session), folder_id)) == NULL)
    return;
  dialog = gtk_file_chooser_native_new (_("Save a Copy of the Folder"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"), _("_Cancel"));
  /* Documents: a backup is kept, not downloaded. */
  if (documents != NULL && g_file_test (documents, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GFile) start = g_file_new_for_path (documents);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), start, NULL);
    }
  /* Translators: the suggested file name, %s is the folder's name */
  name = g_strdup_printf (_("%s.mbox"), folder->role == CASELLA_FOLDER_ROLE_INBOX ? _("Inbox") : folder->name);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  choosing = g_new0 (Choosing, 1);
  choosing->window = g_object_ref (self);
  choosing->folder_id = folder_id;
  g_signal_connect (dialog, "response", G_CALLBACK (on_chosen), choosing);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
export_stop_action (GtkWidget  *widget,
                    const char *action,
                    GVariant   *parameter)
{
  CasellaWindow *self = CASELLA_WINDOW (widget);

  if (self->export_cancellable != NULL)
    g_cancellable_cancel (self->export_cancellable);
}

void
casella_window_export_dispose (CasellaWindow *self)
{
  export_stop_action (GTK_WIDGET (self), NULL, NULL);
}

void
casella_window_export_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.export-folder", "x", export_folder_action);
  gtk_widget_class_install_action (widget_class, "win.export-stop", NULL, export_stop_action);
}
