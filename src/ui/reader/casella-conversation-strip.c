/* casella-conversation-strip.c — a conversation's other messages, folded
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-conversation-strip.h"
#include "casella-message-view.h"

/* More than this many, and the middle ones fold into one row. */
#define MAX_ROWS 4

struct _CasellaConversationStrip
{
  GtkWidget   parent_instance;

  GtkListBox *list;
  GPtrArray  *messages;   /* CasellaMessageInfo */
  guint       n_messages;
};

G_DEFINE_FINAL_TYPE (CasellaConversationStrip, casella_conversation_strip, GTK_TYPE_WIDGET)

enum { SIGNAL_OPEN, N_SIGNALS };
static guint signals[N_SIGNALS];

static GtkWidget *
label_new (const char *text,
           gboolean    bold,
           gboolean    dim)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (bold)
    gtk_widget_add_css_class (label, "heading");
  if (dim)
    gtk_widget_add_css_class (label, "dim-label");
  return label;
}

/* Messages of one conversation are often hours apart on one day. */
static char *
date_and_time (gint64 date)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (date);
  g_autofree char *day = casella_format_date_short (date);
  g_autofree char *time = when ? g_date_time_format (when, "%H:%M") : NULL;

  if (time == NULL || g_str_equal (day, time))
    return g_steal_pointer (&day);
  /* Translators: when a message in a conversation came: a day (as in the message list), then its time */
  return g_strdup_printf (C_("conversation", "%s, %s"), day, time);
}

/* "8 more messages": the middle of a long conversation, folded once more. */
static GtkWidget *
more_row_new (guint n)
{
  GtkWidget *row = gtk_list_box_row_new ();
  /* Translators: a row in the middle of a long conversation; activating it shows them */
  g_autofree char *text = g_strdup_printf (ngettext ("%u more message", "%u more messages", n), n);
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_top (label, 8);
  gtk_widget_set_margin_bottom (label, 8);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
  g_object_set_data (G_OBJECT (row), "more", GINT_TO_POINTER (TRUE));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, text,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, _("Shows them"), -1);
  return row;
}

/* Who, the start of the text, when; the whole line for screen readers. */
static GtkWidget *
row_new (const CasellaMessageInfo *info)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  const char *who = info->from_name && info->from_name[0] ? info->from_name
                  : info->from_address ? info->from_address : _("Unknown sender");
  g_autofree char *date = date_and_time (info->date);
  const char *preview = info->preview ? info->preview : "";
  gboolean unread = !(info->flags & CASELLA_MESSAGE_SEEN);
  GtkWidget *sender = label_new (who, unread, FALSE);
  GtkWidget *text = label_new (preview, FALSE, TRUE);
  g_autofree char *description = NULL;

  gtk_label_set_max_width_chars (GTK_LABEL (sender), 24);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_widget_set_margin_top (box, 10);
  gtk_widget_set_margin_bottom (box, 10);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_box_append (GTK_BOX (box), sender);
  gtk_box_append (GTK_BOX (box), text);
  gtk_box_append (GTK_BOX (box), label_new (date, FALSE, TRUE));
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), "message", g_memdup2 (&info->id, sizeof info->id), g_free);
  /* Translators: for screen readers, a folded message in a conversation: "Anna Rossi, 12 Nov, Ciao a tutti…" */
  description = g_strdup_printf (_("%s%s, %s, %s"), unread ? _("Unread, ") : "", who, date, preview);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, description,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, _("Opens this message"), -1);
  return row;
}

static void
fill (CasellaConversationStrip *self,
      gboolean                  whole)
{
  GtkWidget *child;
  gboolean fold = !whole && self->n_messages > MAX_ROWS;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  for (guint i = 0; i < self->n_messages; i++)
    {
      /* The first, then how many more, then the last two. */
      if (fold && i == 1)
        {
          gtk_list_box_append (self->list, more_row_new (self->n_messages - 3));
          i = self->n_messages - 3;
          continue;
        }
      gtk_list_box_append (self->list, row_new (self->messages->pdata[i]));
    }
  gtk_widget_set_visible (GTK_WIDGET (self), self->n_messages > 0);
}

static void
on_row_activated (CasellaConversationStrip *self,
                  GtkListBoxRow            *row)
{
  gint64 *id = g_object_get_data (G_OBJECT (row), "message");
  int at = gtk_list_box_row_get_index (row);

  if (g_object_get_data (G_OBJECT (row), "more") != NULL)
    {
      fill (self, TRUE);
      /* The keyboard stays where it was: on the first of those shown. */
      row = gtk_list_box_get_row_at_index (self->list, at);
      if (row != NULL)
        gtk_widget_grab_focus (GTK_WIDGET (row));
      return;
    }
  if (id != NULL)
    g_signal_emit (self, signals[SIGNAL_OPEN], 0, *id);
}

void
casella_conversation_strip_set_messages (CasellaConversationStrip *self,
                                         GPtrArray                *messages)
{
  g_return_if_fail (CASELLA_IS_CONVERSATION_STRIP (self));

  g_clear_pointer (&self->messages, g_ptr_array_unref);
  self->messages = messages ? g_ptr_array_ref (messages) : NULL;
  self->n_messages = messages ? messages->len : 0;
  fill (self, FALSE);
}

guint
casella_conversation_strip_get_n_messages (CasellaConversationStrip *self)
{
  return self->n_messages;
}

static void
casella_conversation_strip_dispose (GObject *object)
{
  g_clear_pointer (&CASELLA_CONVERSATION_STRIP (object)->messages, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (object), CASELLA_TYPE_CONVERSATION_STRIP);
  G_OBJECT_CLASS (casella_conversation_strip_parent_class)->dispose (object);
}

static void
casella_conversation_strip_class_init (CasellaConversationStripClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = casella_conversation_strip_dispose;
  /* A folded message was activated: its id. */
  signals[SIGNAL_OPEN] = g_signal_new ("open-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/casellamail/Casella/reader/casella-conversation-strip.ui");
  gtk_widget_class_bind_template_child (widget_class, CasellaConversationStrip, list);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
}

static void
casella_conversation_strip_init (CasellaConversationStrip *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
