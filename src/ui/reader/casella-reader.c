/* casella-reader.c — the message reader
 *
 * An HTML message is shown as its sender made it in the HTML view
 * (WebKit, loaded the first time one is shown), with nothing from the
 * network until the user allows images; its text is kept for replies,
 * for "Show HTML Mail as Plain Text" and when WebKit is missing. In text,
 * links are found and opened on a click or Enter; e-mail addresses open
 * the composer (through the "compose-to" signal).
 *
 * The text view is the scrolled widget itself, the headers above it: so
 * it lays out only the lines on screen. Inside a scrolled box it would
 * lay out (and keep) every line: a 1 MB message took 0.6 s and 100 MB.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <adwaita.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "casella-gmime.h"
#include "casella-html-view.h"
#include "casella-message-compose.h"
#include "casella-message-text.h"
#include "casella-pec-banner.h"
#include "casella-conversation-strip.h"
#include "casella-reader.h"
#include "casella-store-queue.h"
#include "casella-ui.h"

/* What a long message shows at first, in characters (some thirty pages):
 * more takes GTK long to lay out, and nobody reads it at once. */
#define MAX_SHOWN_CHARS 100000

struct _CasellaReader
{
  GtkWidget           parent_instance;

  GtkStack           *stack;
  AdwStatusPage      *nothing;
  GtkLabel           *subject;
  GtkLabel           *from;
  GtkLabel           *to;
  GtkLabel           *cc;
  GtkLabel           *date;
  GtkWidget          *star;
  GtkTextView        *text;
  GtkWidget          *loading;
  GtkWidget          *problem;
  GtkLabel           *problem_text;
  GtkWidget          *outbox_bar;
  GtkLabel           *outbox_text;
  CasellaPecBanner   *pec_banner;
  gboolean            pec_account;  /* the message on show is in a PEC account */
  guint               pec_level;    /* forwarded certified messages opened, one inside the other */
  gboolean            pec_status;   /* the banner says where a sent message got to */
  GSignalGroup       *store_signals; /* on the store of the message on show */
  GtkListBox         *attachments;
  GtkWidget          *attachments_scroller;

  CasellaMailSession *session;
  gint64              message_id;
  GBytes             *raw;
  GPtrArray          *parts;        /* CasellaAttachment on show */
  CasellaPreparedMessage *prepared; /* the message on show, its whole text */
  GtkWidget          *long_bar;
  GArray             *links;        /* CasellaLink in the text */
  GCancellable       *cancellable;
  GtkWidget          *text_scroller;
  GtkWidget          *html_box;
  GtkWidget          *html_scroller;
  GtkWidget          *page;         /* the headers' place above the text, */
  GtkWidget          *headers;      /* which move into html_box with HTML */
  GtkWidget          *remote_bar;
  GtkLabel           *remote_label;
  GtkWidget          *show_images_button;
  GtkWidget          *always_button;
  GtkWidget          *stop_button;
  GtkWidget          *html_view;    /* made the first time HTML is shown */
  gboolean            html_wanted;  /* the message on show is shown as HTML */
  char               *from_address; /* of the message on show */
  GSettings          *settings;
  GSettings          *account_settings; /* of the session's account, */
  char               *account_settings_id; /* this one */
  CasellaConversationStrip *earlier; /* a conversation's messages folded */
  CasellaConversationStrip *later;   /* before and after the open one */
  GPtrArray          *conversation; /* CasellaMessageInfo, oldest first; NULL: a message alone */
  gint64              thread;       /* the conversation's, */
  gint64              thread_folder; /* as seen from this folder */
  int                 fitted_width; /* the header lines were fitted for */
  gboolean            fit_again;    /* after the next layout: one had no width yet, or the star came or went */
  guint               refit;        /* an idle fitting them to a new width */
};

G_DEFINE_FINAL_TYPE (CasellaReader, casella_reader, GTK_TYPE_WIDGET)

enum { SIGNAL_COMPOSE_TO, SIGNAL_LOADED, SIGNAL_NOTICE, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- links ---- */

static void
link_clear (gpointer data)
{
  g_free (((CasellaLink *) data)->uri);
}

static const char link_pattern[] =
  "(?:https?://|www\\.)[^\\s<>\"']+|mailto:[^\\s<>\"']+|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}";

/* Sentence punctuation after a link is not part of it; nor is a closing
 * bracket that opened before the link. */
static gsize
trim_link (const char *start,
           gsize       length)
{
  while (length > 0 && strchr (".,;:!?'\"", start[length - 1]))
    length--;
  if (length > 0 && start[length - 1] == ')' && memchr (start, '(', length) == NULL)
    length--;
  return length;
}

static char *
link_uri (const char *text,
          gsize       length)
{
  g_autofree char *raw = g_strndup (text, length);

  if (g_str_has_prefix (raw, "www."))
    return g_strconcat ("https://", raw, NULL);
  if (!g_str_has_prefix (raw, "http") && !g_str_has_prefix (raw, "mailto:"))
    return g_strconcat ("mailto:", raw, NULL);
  return g_steal_pointer (&raw);
}

GArray *
casella_find_links (const char *text)
{
  static GRegex *regex;
  GArray *links = g_array_new (FALSE, FALSE, sizeof (CasellaLink));
  g_autoptr(GMatchInfo) match = NULL;
  int counted = 0, offset = 0;   /* characters before byte `counted`, kept going: no rescan from the start */

  g_array_set_clear_func (links, link_clear);
  if (g_once_init_enter (&regex))
    g_once_init_leave (&regex, g_regex_new (link_pattern, G_REGEX_OPTIMIZE, 0, NULL));
  for (g_regex_match (regex, text, 0, &match); g_match_info_matches (match); g_match_info_next (match, NULL))
    {
      int start, end;
      CasellaLink link;
      gsize length;

      g_match_info_fetch_pos (match, 0, &start, &end);
      length = trim_link (text + start, (gsize) (end - start));
      if (length == 0)
        continue;
      offset += (int) g_utf8_strlen (text + counted, start - counted);
      counted = start;
      link.start = offset;
      link.end = link.start + (int) g_utf8_strlen (text + start, (gssize) length);
      link.uri = link_uri (text + start, length);
      g_array_append_val (links, link);
    }
  return links;
}

/* Links are in text order and never overlap: a binary search. */
static const CasellaLink *
link_at (CasellaReader     *self,
         const GtkTextIter *iter)
{
  int offset = gtk_text_iter_get_offset (iter);
  guint low = 0, high = self->links ? self->links->len : 0;

  while (low < high)
    {
      guint middle = low + (high - low) / 2;
      const CasellaLink *link = &g_array_index (self->links, CasellaLink, middle);

      if (offset < link->start)
        high = middle;
      else if (offset >= link->end)
        low = middle + 1;
      else
        return link;
    }
  return NULL;
}

static void
open_link (CasellaReader     *self,
           const CasellaLink *link)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (g_str_has_prefix (link->uri, "mailto:"))
    g_signal_emit (self, signals[SIGNAL_COMPOSE_TO], 0, link->uri + strlen ("mailto:"));
  else
    gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, link->uri, GDK_CURRENT_TIME);
}

static void
on_text_released (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  CasellaReader   *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text);
  GtkTextIter start, end, at;
  int bx, by;
  const CasellaLink *link;

  /* A drag that selected text is not a click on a link. */
  if (gtk_text_buffer_get_selection_bounds (buffer, &start, &end))
    return;
  gtk_text_view_window_to_buffer_coords (self->text, GTK_TEXT_WINDOW_WIDGET, (int) x, (int) y, &bx, &by);
  if (!gtk_text_view_get_iter_at_location (self->text, &at, bx, by))
    return;
  if ((link = link_at (self, &at)) != NULL)
    open_link (self, link);
}

static gboolean
on_text_key (GtkEventControllerKey *controller,
             guint                  keyval,
             guint                  keycode,
             GdkModifierType        state,
             CasellaReader         *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text);
  GtkTextIter cursor;
  const CasellaLink *link;

  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter)
    return FALSE;
  gtk_text_buffer_get_iter_at_mark (buffer, &cursor, gtk_text_buffer_get_insert (buffer));
  if ((link = link_at (self, &cursor)) == NULL)
    return FALSE;
  open_link (self, link);
  return TRUE;
}

static void
on_motion (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           CasellaReader            *self)
{
  GtkTextIter at;
  int bx, by;
  gboolean over = FALSE;

  gtk_text_view_window_to_buffer_coords (self->text, GTK_TEXT_WINDOW_WIDGET, (int) x, (int) y, &bx, &by);
  if (gtk_text_view_get_iter_at_location (self->text, &at, bx, by))
    over = link_at (self, &at) != NULL;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self->text), over ? "pointer" : "text");
}

/* ---- the text ---- */

/* Dims quoted lines (">") so the new words stand out, and marks links. */
static void
style_text (CasellaReader *self,
            const char    *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text);
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  GtkTextIter start, end;

  g_object_set (gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), "link"),
                "foreground", dark ? "#78aeed" : "#1c71d8", NULL);
  gtk_text_buffer_get_start_iter (buffer, &start);
  for (const char *p = text; *p; )
    {
      const char *eol = strchr (p, '\n');
      if (*p == '>')
        {
          end = start;
          gtk_text_iter_forward_to_line_end (&end);
          gtk_text_buffer_apply_tag_by_name (buffer, "quote", &start, &end);
        }
      if (eol == NULL || !gtk_text_iter_forward_line (&start))
        break;
      p = eol + 1;
    }
  g_clear_pointer (&self->links, g_array_unref);
  self->links = casella_find_links (text);
  for (guint i = 0; i < self->links->len; i++)
    {
      const CasellaLink *link = &g_array_index (self->links, CasellaLink, i);
      gtk_text_buffer_get_iter_at_offset (buffer, &start, link->start);
      gtk_text_buffer_get_iter_at_offset (buffer, &end, link->end);
      gtk_text_buffer_apply_tag_by_name (buffer, "link", &start, &end);
    }
}

/* ---- attachments ---- */

/* What a save needs, kept apart from the reader's parts: the person may
 * open another message while the file chooser is up. */
typedef struct
{
  CasellaReader *self;
  GBytes        *data;
  char          *name;
} SaveJob;

static void
save_job_free (SaveJob *job)
{
  g_object_unref (job->self);
  g_bytes_unref (job->data);
  g_free (job->name);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveJob, save_job_free)

static void
notice (CasellaReader *self,
        char          *text)
{
  g_signal_emit (self, signals[SIGNAL_NOTICE], 0, text);
  g_free (text);
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(SaveJob) job = user_data;
  g_autoptr(GError) error = NULL;

  if (g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    /* Translators: a notice, %s is a file name */
    notice (job->self, g_strdup_printf (_("Saved %s"), job->name));
  else
    /* Translators: a notice, the first %s is a file name, the second why */
    notice (job->self, g_strdup_printf (_("Could not save %s: %s"), job->name, error->message));
}

static void
on_save_response (GtkNativeDialog *dialog,
                  int              response,
                  SaveJob         *job)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) != NULL)
    g_file_replace_contents_bytes_async (file, job->data, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                         NULL, on_saved, job);
  else
    save_job_free (job);
  g_object_unref (dialog);
}

/* Asks where, then saves data there as it is. */
static void
save_bytes (CasellaReader *self,
            const char    *title,
            GBytes        *data,
            const char    *name)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (title, GTK_WINDOW (root),
                                                              GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  const char *downloads = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
  SaveJob *job = g_new0 (SaveJob, 1);

  job->self = g_object_ref (self);
  job->data = g_bytes_ref (data);
  job->name = g_strdup (name);

  /* Downloads is where people look for what they saved; not wherever
   * Casella was started from. */
  if (downloads && g_file_test (downloads, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GFile) folder = g_file_new_for_path (downloads);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), folder, NULL);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_response), job);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
save_attachment (GtkButton     *button,
                 CasellaReader *self)
{
  CasellaAttachment *attachment = g_object_get_data (G_OBJECT (button), "casella-attachment");

  save_bytes (self, _("Save Attachment"), attachment->data, attachment->filename);
}

/* The message byte for byte as it came (for PEC, the legal proof). */
static char *
original_name (CasellaReader *self)
{
  const char *subject = gtk_label_get_text (self->subject);
  g_autofree char *name = g_strndup (subject && subject[0] ? subject : "message", 80);

  g_strdelimit (name, "/\\:*?\"<>|", '_');
  return g_strconcat (name, ".eml", NULL);
}

static void
save_original (GtkWidget  *widget,
               const char *action,
               GVariant   *parameter)
{
  CasellaReader *self = CASELLA_READER (widget);
  g_autofree char *name = NULL;

  if (self->raw == NULL)
    return;
  name = original_name (self);
  save_bytes (self, _("Save the Original Message"), self->raw, name);
}

static void
on_shown (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(SaveJob) job = user_data;
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    /* Translators: a notice, the first %s is a file name, the second why */
    notice (job->self, g_strdup_printf (_("Could not open %s: %s"), job->name, error->message));
}

/* A private copy in the cache opens in the app that handles its type. */
static void
open_attachment (GtkButton     *button,
                 CasellaReader *self)
{
  CasellaAttachment *attachment = g_object_get_data (G_OBJECT (button), "casella-attachment");
  g_autofree char *base = g_build_filename (g_get_user_cache_dir (), "casella", "attachments", NULL);
  g_autofree char *dir = NULL, *name = g_path_get_basename (attachment->filename);
  g_autofree char *path = NULL, *uri = NULL;
  g_autoptr(GError) error = NULL;
  SaveJob *job;

  g_mkdir_with_parents (base, 0700);
  dir = g_build_filename (base, "XXXXXX", NULL);
  if (g_mkdtemp_full (dir, 0700) == NULL)
    {
      notice (self, g_strdup_printf (_("Could not open %s: %s"), attachment->filename, g_strerror (errno)));
      return;
    }
  path = g_build_filename (dir, name[0] && !g_str_equal (name, ".") && !g_str_equal (name, "..") ? name : "attachment",
                           NULL);
  if (!g_file_set_contents_full (path, g_bytes_get_data (attachment->data, NULL), (gssize) g_bytes_get_size (attachment->data),
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    {
      notice (self, g_strdup_printf (_("Could not open %s: %s"), attachment->filename, error->message));
      return;
    }
  job = g_new0 (SaveJob, 1);
  job->self = g_object_ref (self);
  job->name = g_strdup (attachment->filename);
  job->data = g_bytes_ref (attachment->data);
  uri = g_filename_to_uri (path, NULL, NULL);
  gtk_show_uri_full (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), uri, GDK_CURRENT_TIME, NULL, on_shown, job);
}

static GtkWidget *
attachment_button (CasellaReader     *self,
                   CasellaAttachment *attachment,
                   const char        *icon,
                   char              *label,
                   GCallback          callback)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_object_set_data (G_OBJECT (button), "casella-attachment", attachment);
  g_signal_connect (button, "clicked", callback, self);
  g_free (label);
  return button;
}

/* parts: CasellaAttachment (taken). */
static void
show_attachments (CasellaReader *self,
                  GPtrArray     *parts)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->attachments))))
    gtk_list_box_remove (self->attachments, child);
  g_clear_pointer (&self->parts, g_ptr_array_unref);
  self->parts = parts;
  for (guint i = 0; i < self->parts->len; i++)
    {
      CasellaAttachment *attachment = self->parts->pdata[i];
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *size = g_format_size (g_bytes_get_size (attachment->data));
      g_autoptr(GIcon) icon = g_content_type_get_symbolic_icon (attachment->content_type);

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), attachment->filename);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), size);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_gicon (icon));
      /* Translators: a button's description, %s is a file name */
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 attachment_button (self, attachment, "document-open-symbolic",
                                                    g_strdup_printf (_("Open %s"), attachment->filename),
                                                    G_CALLBACK (open_attachment)));
      /* Translators: a button's description, %s is a file name */
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 attachment_button (self, attachment, "document-save-symbolic",
                                                    g_strdup_printf (_("Save %s"), attachment->filename),
                                                    G_CALLBACK (save_attachment)));
      g_object_set_data (G_OBJECT (row), "casella-attachment", attachment);
      gtk_list_box_append (self->attachments, row);
    }
  gtk_widget_set_visible (self->attachments_scroller, self->parts->len > 0);
}

/* An image the HTML shows in its place (a logo, a QR code) is part of
 * the message, not a file sent with it; as text, every part is listed. */
static void
list_attachments_for (CasellaReader *self,
                      const char    *html)
{
  gboolean any = FALSE;

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->attachments)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      CasellaAttachment *attachment = g_object_get_data (G_OBJECT (row), "casella-attachment");
      g_autofree char *cid = attachment && attachment->content_id ? g_strconcat ("cid:", attachment->content_id, NULL)
                                                                  : NULL;
      gboolean shown_inline = html != NULL && cid != NULL && strstr (html, cid) != NULL;

      gtk_widget_set_visible (row, !shown_inline);
      any |= !shown_inline;
    }
  gtk_widget_set_visible (self->attachments_scroller, any);
}

/* ---- showing a message ---- */

/* text: NULL hides the line (takes it). */
static void
set_line (GtkLabel *label,
          char     *text)
{
  gtk_label_set_text (label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL);
  g_free (text);
}

/* A wrapping label is measured over and over as the window lays out,
 * shaping its text anew each time: the reader's header lines were most
 * of every click's frame. A line that fits its width is set on one line
 * (measured once); only one that does not fit wraps. One on one line
 * shows its whole text as a tooltip when the reader narrows. */
static gboolean
fit_line (GtkLabel *label)
{
  int width = gtk_widget_get_width (GTK_WIDGET (label));
  gboolean fits = FALSE;

  if (width > 0)
    {
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (label), gtk_label_get_text (label));
      int text_width = 0;

      pango_layout_get_pixel_size (layout, &text_width, NULL);
      fits = text_width <= width;
    }
  gtk_label_set_ellipsize (label, fits ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
  gtk_label_set_wrap (label, !fits);
  return width > 0 || !gtk_widget_get_visible (GTK_WIDGET (label));
}

/* A line not laid out yet (its width unknown) wraps, and is fitted
 * again once it has been. */
static void
fit_headers (CasellaReader *self)
{
  GtkLabel *lines[] = { self->subject, self->from, self->to, self->cc };

  self->fit_again = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    self->fit_again |= !fit_line (lines[i]);
}

static gboolean
refit_headers (gpointer data)
{
  CasellaReader *self = data;

  self->refit = 0;
  fit_headers (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_line_tooltip (GtkWidget  *widget,
                 int         x,
                 int         y,
                 gboolean    keyboard,
                 GtkTooltip *tooltip)
{
  if (!pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (widget))))
    return FALSE;
  gtk_tooltip_set_text (tooltip, gtk_label_get_text (GTK_LABEL (widget)));
  return TRUE;
}

static void
offer_whole_lines (CasellaReader *self)
{
  GtkLabel *lines[] = { self->subject, self->from, self->to, self->cc };

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      gtk_widget_set_has_tooltip (GTK_WIDGET (lines[i]), TRUE);
      g_signal_connect (lines[i], "query-tooltip", G_CALLBACK (on_line_tooltip), NULL);
    }
}

/* The star shares the subject's line: the subject is fitted again to
 * the room it leaves. */
static void
show_star (CasellaReader *self,
           gboolean       starred)
{
  if (gtk_widget_get_visible (self->star) == starred)
    return;
  gtk_widget_set_visible (self->star, starred);
  self->fit_again = TRUE;
}

static void
show_headers (CasellaReader            *self,
              const CasellaMessageInfo *info)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (info->date);
  g_autofree char *date = when ? g_date_time_format (when, _("%A %-d %B %Y, %H:%M")) : NULL;
  g_autofree char *from = info->from_name && info->from_address
                            ? g_strdup_printf ("%s <%s>", info->from_name, info->from_address)
                            : g_strdup (info->from_address ? info->from_address : info->from_name);

  gtk_label_set_text (self->subject, info->subject && info->subject[0] ? info->subject : _("(No subject)"));
  /* Translators: a header line in the reader */
  set_line (self->from, from ? g_strdup_printf (_("From: %s"), from) : NULL);
  /* Translators: a header line in the reader */
  set_line (self->to, info->to && info->to[0] ? g_strdup_printf (_("To: %s"), info->to) : NULL);
  /* Translators: a header line in the reader */
  set_line (self->cc, info->cc && info->cc[0] ? g_strdup_printf (_("Cc: %s"), info->cc) : NULL);
  set_line (self->date, g_strdup (date));
  fit_headers (self);
  show_star (self, (info->flags & CASELLA_MESSAGE_FLAGGED) != 0);
}

/* The text on show: all of it, or its beginning with the long bar. */
static void
show_text (CasellaReader *self,
           const char    *text,
           gsize          length)
{
  g_autofree char *shown = g_strndup (text, length);

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text), shown, -1);
  style_text (self, shown);
  gtk_widget_set_visible (self->long_bar, text[length] != '\0');
}

static void
on_show_all (CasellaReader *self)
{
  if (self->prepared != NULL)
    show_text (self, self->prepared->text, strlen (self->prepared->text));
}

/* ---- HTML ---- */

/* "Always for This Sender" is the account's: a sender trusted in one
 * account is not in another (a shared computer, a work account). */
static GSettings *
account_settings (CasellaReader *self)
{
  const char *id = casella_account_get_id (casella_mail_session_get_account (self->session));

  if (g_strcmp0 (id, self->account_settings_id) != 0)
    {
      g_clear_object (&self->account_settings);
      g_free (self->account_settings_id);
      self->account_settings_id = g_strdup (id);
      self->account_settings = casella_ui_account_settings (id);
    }
  return self->account_settings;
}

static gboolean
sender_trusted (CasellaReader *self)
{
  g_auto(GStrv) senders = g_settings_get_strv (account_settings (self), "remote-images-from");

  return self->from_address != NULL && g_strv_contains ((const char * const *) senders, self->from_address);
}

static void
on_disguised_response (AdwMessageDialog *dialog,
                       const char       *response,
                       gpointer          user_data)
{
  const char *uri = g_object_get_data (G_OBJECT (dialog), "casella-uri");

  if (g_str_equal (response, "open"))
    gtk_show_uri (gtk_window_get_transient_for (GTK_WINDOW (dialog)), uri, GDK_CURRENT_TIME);
}

/* A click in an HTML message: the composer for an address, the browser
 * for the rest, after a warning when the link shows another site. */
static void
on_html_link (GtkWidget       *view,
              const char      *uri,
              const char      *text,
              CasellaReader   *self)
{
  GtkWindow *window = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
  g_autofree char *shown = NULL;
  g_autofree char *real = NULL;
  AdwMessageDialog *dialog;

  if (g_str_has_prefix (uri, "mailto:"))
    {
      const char *query = strchr (uri + 7, '?');
      g_autofree char *address = g_uri_unescape_segment (uri + 7, query, NULL);

      g_signal_emit (self, signals[SIGNAL_COMPOSE_TO], 0, address);
      return;
    }
  if (!g_str_has_prefix (uri, "http://") && !g_str_has_prefix (uri, "https://"))
    return;   /* javascript:, file:, data:… never */
  if ((shown = casella_link_disguised_host (uri, text)) == NULL)
    {
      gtk_show_uri (window, uri, GDK_CURRENT_TIME);
      return;
    }
  {
    g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);

    real = g_strdup (parsed ? g_uri_get_host (parsed) : uri);
  }
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window, _("This Link Goes Somewhere Else"), NULL));
  /* Translators: a link in a message shows one site but leads to another */
  adw_message_dialog_format_body (dialog, _("The link shows %s, but it leads to %s. Messages that pretend to come "
                                            "from a bank or a shop do this to steal passwords. Open it only if "
                                            "you trust the message."), shown, real);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "open", _("_Open Anyway"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "open", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "casella-uri", g_strdup (uri), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (on_disguised_response), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* With HTML the headers scroll away with the message, as in a browser;
 * the text view scrolls by itself (it lays out only what is on screen),
 * so with text they stay above it. */
static void
place_headers (CasellaReader *self,
               gboolean       with_html)
{
  GtkWidget *parent = with_html ? self->html_box : self->page;

  if (gtk_widget_get_parent (self->headers) == parent)
    return;
  g_object_ref (self->headers);
  gtk_box_remove (GTK_BOX (gtk_widget_get_parent (self->headers)), self->headers);
  gtk_box_prepend (GTK_BOX (parent), self->headers);
  g_object_unref (self->headers);
}

static void
hide_html (CasellaReader *self)
{
  self->html_wanted = FALSE;
  gtk_widget_set_visible (self->html_scroller, FALSE);
  place_headers (self, FALSE);
}

/* The view appears once it holds this message: never the previous one
 * under this one's headers. It stays mapped meanwhile (transparent), so
 * WebKit draws at once. */
static void
on_html_drawn (CasellaReader *self)
{
  if (!self->html_wanted || !casella_html_view_is_loaded (self->html_view))
    return;
  gtk_widget_set_visible (self->loading, FALSE);
  gtk_widget_set_opacity (self->html_view, 1);
}

static void
prepare_html_page (CasellaReader *self)
{
  GtkAdjustment *scroll = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->html_scroller));

  gtk_widget_set_opacity (self->html_view, 0);
  place_headers (self, TRUE);
  gtk_adjustment_set_value (scroll, 0);
  gtk_widget_set_visible (self->html_scroller, TRUE);
  gtk_widget_set_visible (self->loading, TRUE);
  self->html_wanted = TRUE;
}

/* A mouse wheel over a message as tall as itself scrolls the reader at
 * once: WebKit would ask its page first and hand back what the page did
 * not use, a round trip that a busy web process makes late or loses.
 * Smooth (touchpad) scrolling still goes through WebKit, for its
 * momentum; so does Ctrl+wheel. */
static gboolean
on_html_wheel (GtkEventControllerScroll *controller,
               double                    dx,
               double                    dy,
               CasellaReader            *self)
{
  GtkAdjustment *scroll = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->html_scroller));
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  gboolean follows = FALSE;

  if (self->html_view == NULL || dy == 0 || (state & GDK_CONTROL_MASK) ||
      gtk_event_controller_scroll_get_unit (controller) != GDK_SCROLL_UNIT_WHEEL)
    return GDK_EVENT_PROPAGATE;
  g_object_get (self->html_view, "follows-content", &follows, NULL);
  if (!follows)
    return GDK_EVENT_PROPAGATE;
  /* The step GTK's own scrolled windows take for a wheel click. */
  gtk_adjustment_set_value (scroll, gtk_adjustment_get_value (scroll) +
                                    dy * pow (gtk_adjustment_get_page_size (scroll), 2.0 / 3.0));
  return GDK_EVENT_STOP;
}

/* WebKit is loaded the first time an HTML message is shown, not before. */
static GtkWidget *
ensure_html_view (CasellaReader *self)
{
  g_autoptr(GError) error = NULL;

  if (self->html_view == NULL && (self->html_view = casella_html_view_new (&error)) == NULL)
    {
      g_warning ("HTML mail is shown as text: %s", error->message);
      return NULL;
    }
  if (gtk_widget_get_parent (self->html_view) == NULL)
    {
      gtk_widget_set_hexpand (GTK_WIDGET (self->html_view), TRUE);
      gtk_widget_set_vexpand (GTK_WIDGET (self->html_view), TRUE);
      g_signal_connect (self->html_view, "link-activated", G_CALLBACK (on_html_link), self);
      g_signal_connect_swapped (self->html_view, "notify::loaded", G_CALLBACK (on_html_drawn), self);
      gtk_box_append (GTK_BOX (self->html_box), GTK_WIDGET (self->html_view));
    }
  return self->html_view;
}

static void
show_html (CasellaReader *self,
           gboolean       remote)
{
  GtkWidget *view = ensure_html_view (self);

  if (view == NULL)
    {
      /* Without the module the text is there: the message still reads. */
      hide_html (self);
      gtk_widget_set_visible (self->loading, FALSE);
      gtk_widget_set_visible (self->text_scroller, TRUE);
      list_attachments_for (self, NULL);
      return;
    }
  gboolean always;

  if (!self->html_wanted)
    prepare_html_page (self);
  casella_html_view_show (view, self->prepared->html, self->prepared->message, remote);
  /* Hidden images: the choice. Shown because of "Always": the way back. */
  always = remote && sender_trusted (self);
  gtk_widget_set_visible (self->remote_bar, casella_html_view_has_remote (view) && (!remote || always));
  gtk_widget_set_visible (self->show_images_button, !always);
  gtk_widget_set_visible (self->always_button, !always);
  gtk_widget_set_visible (self->stop_button, always);
  if (always)
    {
      /* Translators: %s is an e-mail address */
      g_autofree char *text = g_strdup_printf (_("Images from the internet are always shown for %s."),
                                               self->from_address);

      gtk_label_set_text (self->remote_label, text);
    }
  else
    gtk_label_set_text (self->remote_label, _("Images from the internet are hidden to protect your privacy."));
  gtk_widget_set_visible (self->long_bar, FALSE);
}

static void
on_show_images (CasellaReader *self)
{
  if (self->prepared != NULL && self->prepared->html != NULL)
    show_html (self, TRUE);
}

static void
on_stop_images (CasellaReader *self)
{
  g_auto(GStrv) senders = g_settings_get_strv (account_settings (self), "remote-images-from");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) updated = NULL;

  for (guint i = 0; senders[i] != NULL; i++)
    if (g_strcmp0 (senders[i], self->from_address) != 0)
      g_strv_builder_add (builder, senders[i]);
  updated = g_strv_builder_end (builder);
  g_settings_set_strv (account_settings (self), "remote-images-from", (const char * const *) updated);
  if (self->prepared != NULL && self->prepared->html != NULL)
    show_html (self, FALSE);
}

static void
on_always_images (CasellaReader *self)
{
  g_auto(GStrv) senders = g_settings_get_strv (account_settings (self), "remote-images-from");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) updated = NULL;

  if (self->from_address == NULL)
    return;
  g_strv_builder_addv (builder, (const char **) senders);
  if (!g_strv_contains ((const char * const *) senders, self->from_address))
    g_strv_builder_add (builder, self->from_address);
  updated = g_strv_builder_end (builder);
  g_settings_set_strv (account_settings (self), "remote-images-from", (const char * const *) updated);
  on_show_images (self);
}

/* HTML as its sender made it, unless the user prefers plain text. */
static void
show_as_html_or_text (CasellaReader *self)
{
  gboolean html = self->prepared != NULL && self->prepared->html != NULL &&
                  !g_settings_get_boolean (self->settings, "prefer-plain-text");

  if (!html)
    hide_html (self);
  gtk_widget_set_visible (self->text_scroller, !html);
  gtk_widget_set_visible (self->remote_bar, FALSE);
  list_attachments_for (self, html ? self->prepared->html : NULL);
  if (html)
    show_html (self, sender_trusted (self));
}

static void
on_prefer_plain_changed (CasellaReader *self)
{
  if (self->prepared != NULL)
    show_as_html_or_text (self);
}

/* ---- certified mail ---- */

typedef struct {
  CasellaReader *self;
  GPtrArray     *files;     /* CasellaPecProofFile */
  char          *summary;
  char          *dir;
} ProofJob;

static void
proof_job_free (ProofJob *job)
{
  g_object_unref (job->self);
  g_ptr_array_unref (job->files);
  g_free (job->summary);
  g_free (job->dir);
  g_free (job);
}

static void
write_proof (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  ProofJob *job = data;
  GError *error = NULL;

  if (casella_pec_proof_write (job->files, job->summary, job->dir, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_proof_written (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ProofJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_path_get_basename (job->dir);

  if (g_task_propagate_boolean (G_TASK (result), &error))
    /* Translators: a notice, %s is a folder's name */
    notice (job->self, g_strdup_printf (_("Saved the proof in %s"), name));
  else
    notice (job->self, g_strdup_printf (_("Could not save %s: %s"), name, error->message));
}

/* What summary.txt says: the status as the banner shows it, then the files. */
static char *
proof_summary (CasellaReader *self,
               GPtrArray     *files,
               guint          missing)
{
  g_autofree char *status = casella_pec_banner_get_text (self->pec_banner);
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "%s\n\n%s\n%s\n\n", _("Certified email: proof of sending"),
                          gtk_label_get_text (self->subject), status);
  g_string_append_printf (text, "%s\n", _("The files beside this one are the originals as the providers sent them. "
                                         "Keep them unchanged: they are the proof."));
  for (guint i = 0; i < files->len; i++)
    g_string_append_printf (text, "  %s\n", ((CasellaPecProofFile *) g_ptr_array_index (files, i))->name);
  if (missing > 0)
    g_string_append_printf (text, ngettext ("%u receipt is not downloaded yet: save the proof again once it is.\n",
                                            "%u receipts are not downloaded yet: save the proof again once they are.\n",
                                            missing), missing);
  return g_string_free (text, FALSE);
}

static void
on_proof_folder (GtkNativeDialog *dialog,
                 int              response,
                 ProofJob        *job)
{
  g_autoptr(GFile) folder = NULL;
  g_autoptr(GTask) task = NULL;
  g_autofree char *base = NULL;
  g_autofree char *name = NULL;

  if (response != GTK_RESPONSE_ACCEPT || (folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) == NULL)
    {
      proof_job_free (job);
      g_object_unref (dialog);
      return;
    }
  base = g_file_get_path (folder);
  name = g_strndup (gtk_label_get_text (job->self->subject), 80);
  g_strdelimit (name, "/\\:*?\"<>|", '_');
  {
    /* Translators: the folder a PEC proof is saved in, %s is the subject */
    g_autofree char *folder_name = g_strdup_printf (_("%s (PEC proof)"), name);
    g_free (job->dir), job->dir = g_build_filename (base, folder_name, NULL);
  }
  task = g_task_new (NULL, NULL, on_proof_written, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) proof_job_free);
  g_task_run_in_thread (task, write_proof);
  g_object_unref (dialog);
}

static void
save_proof (GtkWidget  *widget,
            const char *action,
            GVariant   *parameter)
{
  CasellaReader *self = CASELLA_READER (widget);
  g_autoptr(GError) error = NULL;
  GtkFileChooserNative *dialog;
  ProofJob *job;
  GPtrArray *files;
  guint missing = 0;

  if (self->session == NULL || self->message_id == 0)
    return;
  files = casella_store_get_pec_proof (casella_mail_session_get_store (self->session), self->message_id, &missing,
                                       &error);
  if (files == NULL)
    {
      /* Translators: %s is why */
      notice (self, g_strdup_printf (_("Could not read the proof: %s"), error->message));
      return;
    }
  job = g_new0 (ProofJob, 1);
  job->self = g_object_ref (self);
  job->files = files;
  job->summary = proof_summary (self, files, missing);
  dialog = gtk_file_chooser_native_new (_("Save the Proof in a Folder"), GTK_WINDOW (gtk_widget_get_root (widget)),
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (on_proof_folder), job);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* A message sent from a PEC account says where it got to. */
static void
show_pec_status (CasellaReader *self)
{
  CasellaStore *store = casella_mail_session_get_store (self->session);
  g_autoptr(CasellaMessageInfo) info = casella_store_get_message (store, self->message_id);
  g_autoptr(CasellaStoreFolder) folder = info ? casella_store_get_folder (store, info->folder_id) : NULL;
  g_autoptr(GPtrArray) receipts = NULL;
  g_autoptr(CasellaPecStatus) status = NULL;

  if (folder == NULL || (receipts = casella_store_list_pec_receipts (store, self->message_id, NULL)) == NULL ||
      (folder->role != CASELLA_FOLDER_ROLE_SENT && receipts->len == 0))
    return;
  status = casella_store_get_pec_status (store, self->message_id, NULL);
  if (status != NULL)
    casella_pec_banner_show_status (self->pec_banner, status);
  self->pec_status = status != NULL;
}

/* A receipt that arrives while the message is on show updates it. */
static void refresh_conversation (CasellaReader *self);

static void
on_store_changed (CasellaReader *self)
{
  g_autoptr(CasellaMessageInfo) info = NULL;

  if (self->message_id == 0 || self->session == NULL)
    return;
  /* A star given or taken (here, or on another device). */
  info = casella_store_get_message (casella_mail_session_get_store (self->session), self->message_id);
  if (info != NULL)
    show_star (self, (info->flags & CASELLA_MESSAGE_FLAGGED) != 0);
  if (self->conversation != NULL)
    refresh_conversation (self);
  if (self->pec_status)
    show_pec_status (self);
}

/* What the provider certifies, and the headers of the message shown
 * (the one inside the envelope, or the envelope itself). */
static void
show_pec (CasellaReader          *self,
          CasellaPreparedMessage *prepared)
{
  if (!self->pec_account)
    return;
  if (prepared->pec != NULL)
    {
      g_autoptr(GMimeMessage) inner = prepared->inner ? NULL : casella_pec_get_inner (prepared->message);
      const char *subject = prepared->pec->daticert && prepared->pec->daticert->subject
                              ? prepared->pec->daticert->subject
                              : inner ? g_mime_message_get_subject (inner) : NULL;

      casella_pec_banner_show_certified (self->pec_banner, prepared->pec, subject, prepared->signature,
                                         prepared->signature_detail);
      casella_pec_banner_set_levels (self->pec_banner, prepared->pec_forwarded, prepared->pec_level > 0);
    }
  else if (!casella_pec_banner_get_envelope_shown (self->pec_banner))
    show_pec_status (self);
  if (prepared->message != NULL && (prepared->inner || casella_pec_banner_get_envelope_shown (self->pec_banner)))
    {
      g_autoptr(CasellaMessageInfo) shown = casella_message_info_from_mime (prepared->message, 0);
      g_autoptr(CasellaMessageInfo) row = casella_store_get_message (casella_mail_session_get_store (self->session),
                                                                     self->message_id);

      shown->flags = row ? row->flags : 0;
      show_headers (self, shown);
    }
}

static void show_body (CasellaReader *self, GBytes *raw);

static void on_envelope_shown (CasellaReader *self);

static void
pec_level_action (GtkWidget  *widget,
                  const char *action,
                  GVariant   *parameter)
{
  CasellaReader *self = CASELLA_READER (widget);

  if (g_str_equal (action, "reader.pec-deeper"))
    self->pec_level++;
  else if (self->pec_level > 0)
    self->pec_level--;
  on_envelope_shown (self);
}

static void
on_envelope_shown (CasellaReader *self)
{
  if (self->raw == NULL || self->message_id == 0)
    return;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  show_body (self, self->raw);
}

static void
on_prepared (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  CasellaReader *self = user_data;
  g_autoptr(GError) error = NULL;
  CasellaPreparedMessage *prepared = casella_message_prepare_finish (result, &error);

  if (prepared == NULL)
    return;   /* cancelled: another message is on its way */
  g_clear_pointer (&self->prepared, casella_prepared_message_free);
  self->prepared = prepared;
  g_clear_pointer (&self->raw, g_bytes_unref);
  self->raw = g_bytes_ref (prepared->raw);
  show_pec (self, prepared);
  /* The text is kept even for HTML: replies quote it, tests read it. */
  show_text (self, prepared->text, prepared->shown_length);
  show_attachments (self, g_steal_pointer (&prepared->attachments));
  gtk_widget_set_visible (self->loading, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->text), TRUE);
  show_as_html_or_text (self);
  g_signal_emit (self, signals[SIGNAL_LOADED], 0);
}

/* Parsing, the HTML made text and the search for attachments happen on
 * a worker: a big or tangled message never holds up the window. */
static void
show_body (CasellaReader *self,
           GBytes        *raw)
{
  int level = self->pec_account && !casella_pec_banner_get_envelope_shown (self->pec_banner) ? (int) self->pec_level
                                                                                            : -1;

  casella_message_prepare_async (raw, MAX_SHOWN_CHARS, level, self->cancellable, on_prepared, self);
}

static void
on_body (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  CasellaReader *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = casella_mail_session_fetch_body_finish (CASELLA_MAIL_SESSION (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (raw == NULL)
    {
      gtk_widget_set_visible (self->loading, FALSE);
      gtk_label_set_text (self->problem_text,
                          _("This message is not downloaded yet, and Casella can’t reach the server right now. It "
                            "will appear when the connection is back."));
      gtk_widget_set_visible (self->problem, TRUE);
      return;
    }
  show_body (self, raw);
}

/* A message in the Outbox that waits for the user says why, with the
 * way out; the words for each reason are the UI's, the reason the engine's. */
static void
show_outbox_state (CasellaReader *self,
                   CasellaStore  *store,
                   gint64         message_id)
{
  g_autoptr(CasellaOutboxEntry) entry = casella_store_outbox_get (store, message_id);
  g_autofree char *text = NULL;

  gtk_widget_set_visible (self->outbox_bar, entry != NULL && entry->state == CASELLA_OUTBOX_HELD);
  if (entry == NULL || entry->state != CASELLA_OUTBOX_HELD)
    return;
  if (entry->hold == CASELLA_OUTBOX_HOLD_INTERRUPTED)
    text = g_strdup (_("Sending this message was interrupted, so it may have been delivered. Look in Sent before "
                       "you send it again."));
  else if (entry->hold == CASELLA_OUTBOX_HOLD_UNREADABLE)
    text = g_strdup (_("This message can’t be sent: its copy on this computer is damaged."));
  else
    /* Translators: %s is the server's reason */
    text = g_strdup_printf (_("This message was not sent. The server answered: %s"),
                            entry->last_error ? entry->last_error : _("no reason given"));
  gtk_label_set_text (self->outbox_text, text);
}

static void
on_send_again (CasellaReader *self)
{
  if (self->session == NULL || self->message_id == 0)
    return;
  casella_mail_session_send_again (self->session, self->message_id);
  gtk_widget_set_visible (self->outbox_bar, FALSE);
}

/* The conversation's other messages, folded around the open one. */
static void
fold_conversation (CasellaReader *self)
{
  g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_message_info_free);
  g_autoptr(GPtrArray) after = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_message_info_free);
  gboolean past = FALSE;

  for (guint i = 0; self->conversation != NULL && i < self->conversation->len; i++)
    {
      CasellaMessageInfo *info = self->conversation->pdata[i];

      if (info->id == self->message_id)
        past = TRUE;
      else
        g_ptr_array_add (past ? after : before, casella_message_info_copy (info));
    }
  casella_conversation_strip_set_messages (self->earlier, before);
  casella_conversation_strip_set_messages (self->later, after);
}

static void show_message (CasellaReader *self, CasellaMailSession *session, gint64 message_id);

/* An answer filed (or one gone) while the conversation is open: folded
 * in where it belongs. */
static void
refresh_conversation (CasellaReader *self)
{
  g_autoptr(GPtrArray) now = casella_store_list_thread (casella_mail_session_get_store (self->session), self->thread,
                                                        self->thread_folder, NULL);
  gboolean same = now != NULL && now->len == self->conversation->len;

  for (guint i = 0; same && i < now->len; i++)
    same = ((CasellaMessageInfo *) now->pdata[i])->id == ((CasellaMessageInfo *) self->conversation->pdata[i])->id &&
           ((CasellaMessageInfo *) now->pdata[i])->flags == ((CasellaMessageInfo *) self->conversation->pdata[i])->flags &&
           g_strcmp0 (((CasellaMessageInfo *) now->pdata[i])->preview,
                      ((CasellaMessageInfo *) self->conversation->pdata[i])->preview) == 0;
  if (now == NULL || same)
    return;
  g_ptr_array_unref (self->conversation);
  self->conversation = g_steal_pointer (&now);
  fold_conversation (self);
}

static void
on_open_in_conversation (CasellaReader *self,
                         gint64         message_id)
{
  if (self->session != NULL)
    show_message (self, self->session, message_id);
}

void
casella_reader_show (CasellaReader      *self,
                     CasellaMailSession *session,
                     gint64              message_id)
{
  g_return_if_fail (CASELLA_IS_READER (self));

  g_clear_pointer (&self->conversation, g_ptr_array_unref);
  show_message (self, session, message_id);
}

void
casella_reader_show_conversation (CasellaReader      *self,
                                  CasellaMailSession *session,
                                  gint64              thread,
                                  gint64              folder_id,
                                  gint64              open_id)
{
  g_autoptr(GPtrArray) messages = casella_store_list_thread (casella_mail_session_get_store (session), thread,
                                                             folder_id, NULL);

  g_return_if_fail (CASELLA_IS_READER (self));

  if (messages == NULL || messages->len == 0)
    {
      casella_reader_show_nothing (self, 0);
      return;
    }
  g_clear_pointer (&self->conversation, g_ptr_array_unref);
  self->conversation = g_ptr_array_ref (messages);
  self->thread = thread;
  self->thread_folder = folder_id;
  show_message (self, session, open_id != 0 ? open_id : ((CasellaMessageInfo *) messages->pdata[messages->len - 1])->id);
}

GPtrArray *
casella_reader_get_conversation (CasellaReader *self)
{
  return self->conversation;
}

static void
show_message (CasellaReader      *self,
              CasellaMailSession *session,
              gint64              message_id)
{
  g_autoptr(CasellaMessageInfo) info = casella_store_get_message (casella_mail_session_get_store (session), message_id);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->raw, g_bytes_unref);
  g_clear_pointer (&self->prepared, casella_prepared_message_free);
  g_set_object (&self->session, session);
  self->message_id = message_id;
  if (info == NULL)
    {
      casella_reader_show_nothing (self, 0);
      return;
    }
  show_headers (self, info);
  fold_conversation (self);
  self->pec_account = casella_account_get_pec (casella_mail_session_get_account (session));
  self->pec_level = 0;
  self->pec_status = FALSE;
  g_signal_group_set_target (self->store_signals, casella_mail_session_get_store (session));
  self->message_id = 0;   /* the banner's notice is not about this message */
  casella_pec_banner_clear (self->pec_banner);
  self->message_id = message_id;
  g_free (self->from_address);
  self->from_address = info->from_address ? g_ascii_strdown (info->from_address, -1) : NULL;
  gtk_widget_set_visible (self->remote_bar, FALSE);
  /* The previous message stays where it is, out of sight, until this
   * one is ready: no jump from HTML to text and back. */
  self->html_wanted = FALSE;
  if (self->html_view != NULL)
    gtk_widget_set_opacity (self->html_view, 0);
  show_outbox_state (self, casella_mail_session_get_store (session), message_id);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text), "", -1);
  gtk_widget_set_visible (GTK_WIDGET (self->text), FALSE);
  gtk_widget_set_visible (self->attachments_scroller, FALSE);
  gtk_widget_set_visible (self->long_bar, FALSE);
  gtk_widget_set_visible (self->problem, FALSE);
  gtk_widget_set_visible (self->loading, TRUE);
  gtk_stack_set_visible_child_name (self->stack, "message");
  self->cancellable = g_cancellable_new ();
  casella_mail_session_fetch_body_async (session, message_id, self->cancellable, on_body, self);
}

void
casella_reader_show_nothing (CasellaReader *self,
                             guint          n_selected)
{
  g_autofree char *title = NULL;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  self->message_id = 0;
  g_clear_pointer (&self->conversation, g_ptr_array_unref);
  if (n_selected > 1)
    /* Translators: the reader when several messages are selected */
    title = g_strdup_printf (ngettext ("%u Message Selected", "%u Messages Selected", n_selected), n_selected);
  adw_status_page_set_title (self->nothing, title ? title : _("No Message Selected"));
  gtk_stack_set_visible_child_name (self->stack, "nothing");
}

static void
print_when_loaded (GtkWidget     *view,
                   GParamSpec    *pspec,
                   CasellaReader *self)
{
  if (!casella_html_view_is_loaded (view))
    return;
  g_signal_handlers_disconnect_by_func (view, print_when_loaded, self);
  casella_html_view_print (view, GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), NULL, NULL, NULL);
}

void
casella_reader_print (CasellaReader *self)
{
  GtkWidget *view;
  g_autofree char *escaped = NULL;
  g_autofree char *page = NULL;

  if (self->prepared == NULL || (view = ensure_html_view (self)) == NULL)
    return;
  if (casella_reader_html_loaded (self))
    {
      casella_html_view_print (view, GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), NULL, NULL, NULL);
      return;
    }
  /* A text message: its text, laid out by the same view, off screen. */
  escaped = g_markup_escape_text (self->prepared->text, -1);
  page = g_strdup_printf ("<html><body><pre style=\"white-space:pre-wrap;font-family:sans-serif\">%s</pre>"
                          "</body></html>", escaped);
  g_signal_connect (view, "notify::loaded", G_CALLBACK (print_when_loaded), self);
  casella_html_view_show (view, page, NULL, FALSE);
}

GtkWidget *
casella_reader_get_html_view (CasellaReader *self)
{
  return self->html_view;
}

gboolean
casella_reader_html_loaded (CasellaReader *self)
{
  return self->html_view != NULL && self->html_wanted && gtk_widget_get_opacity (self->html_view) > 0 &&
         casella_html_view_is_loaded (self->html_view);
}

gint64
casella_reader_get_message (CasellaReader *self)
{
  return self->message_id;
}

CasellaMailSession *
casella_reader_get_session (CasellaReader *self)
{
  return self->message_id != 0 ? self->session : NULL;
}

GBytes *
casella_reader_get_raw (CasellaReader *self)
{
  return self->raw;
}

GMimeMessage *
casella_reader_get_parsed (CasellaReader *self)
{
  return self->prepared != NULL ? self->prepared->message : NULL;
}

char *
casella_reader_get_text (CasellaReader *self)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (self->text), &start, &end);
  return gtk_text_iter_get_text (&start, &end);
}

/* ---- the widget ---- */

static void
casella_reader_dispose (GObject *object)
{
  CasellaReader *self = CASELLA_READER (object);

  g_clear_handle_id (&self->refit, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_object (&self->store_signals);
  g_clear_pointer (&self->raw, g_bytes_unref);
  g_clear_pointer (&self->parts, g_ptr_array_unref);
  g_clear_pointer (&self->prepared, casella_prepared_message_free);
  g_clear_pointer (&self->links, g_array_unref);
  g_clear_pointer (&self->from_address, g_free);
  g_clear_object (&self->settings);
  g_clear_object (&self->account_settings);
  g_clear_pointer (&self->account_settings_id, g_free);
  g_clear_pointer (&self->conversation, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), CASELLA_TYPE_READER);

  G_OBJECT_CLASS (casella_reader_parent_class)->dispose (object);
}

/* Laid out as a bin around its stack; a new width fits the header lines
 * to it again, after this frame. */
static GtkSizeRequestMode
casella_reader_get_request_mode (GtkWidget *widget)
{
  return gtk_widget_get_request_mode (GTK_WIDGET (CASELLA_READER (widget)->stack));
}

static void
casella_reader_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  gtk_widget_measure (GTK_WIDGET (CASELLA_READER (widget)->stack), orientation, for_size, minimum, natural,
                      minimum_baseline, natural_baseline);
}

static void
casella_reader_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  CasellaReader *self = CASELLA_READER (widget);

  gtk_widget_allocate (GTK_WIDGET (self->stack), width, height, baseline, NULL);
  if ((self->fit_again || (width != self->fitted_width && self->fitted_width != 0)) && self->refit == 0)
    self->refit = g_idle_add (refit_headers, self);
  self->fitted_width = width;
}

static void
casella_reader_class_init (CasellaReaderClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = casella_reader_dispose;
  widget_class->get_request_mode = casella_reader_get_request_mode;
  widget_class->measure = casella_reader_measure;
  widget_class->size_allocate = casella_reader_size_allocate;

  /* An e-mail address in the text was clicked: write to it. */
  signals[SIGNAL_COMPOSE_TO] = g_signal_new ("compose-to", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* The body is on show. */
  signals[SIGNAL_LOADED] = g_signal_new ("loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* Something the person should know (an attachment saved, or not). */
  signals[SIGNAL_NOTICE] = g_signal_new ("notice", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (CASELLA_TYPE_PEC_BANNER);
  g_type_ensure (CASELLA_TYPE_CONVERSATION_STRIP);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/casellamail/Casella/reader/casella-reader.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CasellaReader, name)
  BIND (stack); BIND (nothing); BIND (subject); BIND (from); BIND (to); BIND (cc); BIND (date); BIND (star);
  BIND (text); BIND (loading); BIND (problem); BIND (problem_text); BIND (attachments); BIND (attachments_scroller);
  BIND (outbox_bar); BIND (outbox_text); BIND (pec_banner); BIND (long_bar); BIND (text_scroller); BIND (html_box); BIND (remote_bar);
  BIND (html_scroller); BIND (page); BIND (headers); BIND (earlier); BIND (later);
  BIND (remote_label); BIND (show_images_button); BIND (always_button); BIND (stop_button);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_show_images);
  gtk_widget_class_bind_template_callback (widget_class, on_always_images);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_images);
  gtk_widget_class_bind_template_callback (widget_class, on_send_again);
  gtk_widget_class_bind_template_callback (widget_class, on_show_all);
  gtk_widget_class_bind_template_callback (widget_class, on_envelope_shown);
  gtk_widget_class_install_action (widget_class, "reader.save-original", NULL, save_original);
  gtk_widget_class_install_action (widget_class, "reader.save-proof", NULL, save_proof);
  gtk_widget_class_install_action (widget_class, "reader.pec-deeper", NULL, pec_level_action);
  gtk_widget_class_install_action (widget_class, "reader.pec-up", NULL, pec_level_action);
}

static void
casella_reader_init (CasellaReader *self)
{
  GtkTextBuffer *buffer;
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkEventController *wheel = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->store_signals = g_signal_group_new (CASELLA_TYPE_STORE);
  g_signal_group_connect_swapped (self->store_signals, "folder-changed", G_CALLBACK (on_store_changed), self);
  g_signal_group_connect_swapped (self->store_signals, "folders-changed", G_CALLBACK (on_store_changed), self);
  self->settings = g_settings_new (APP_ID);
  g_signal_connect_swapped (self->settings, "changed::prefer-plain-text", G_CALLBACK (on_prefer_plain_changed), self);
  buffer = gtk_text_view_get_buffer (self->text);
  gtk_text_buffer_create_tag (buffer, "quote", "foreground-rgba", &(GdkRGBA) { 0.5, 0.5, 0.5, 1 }, NULL);
  gtk_text_buffer_create_tag (buffer, "link", "underline", PANGO_UNDERLINE_SINGLE, NULL);
  g_signal_connect (click, "released", G_CALLBACK (on_text_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text), GTK_EVENT_CONTROLLER (click));
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_text_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text), key);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text), motion);
  g_signal_connect (wheel, "scroll", G_CALLBACK (on_html_wheel), self);
  gtk_event_controller_set_propagation_phase (wheel, GTK_PHASE_CAPTURE);
  gtk_widget_add_controller (self->html_scroller, wheel);
  offer_whole_lines (self);
  g_signal_connect_swapped (self->earlier, "open-message", G_CALLBACK (on_open_in_conversation), self);
  g_signal_connect_swapped (self->later, "open-message", G_CALLBACK (on_open_in_conversation), self);
  casella_reader_show_nothing (self, 0);
}

GtkWidget *
casella_reader_new (void)
{
  return g_object_new (CASELLA_TYPE_READER, NULL);
}
