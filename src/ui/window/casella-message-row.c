/* casella-message-row.c — one message in the list
 *
 * A folder's list holds some 200 rows at once and shows perhaps 15, so a
 * row is one widget that draws its own text: no child labels to style
 * and shape while it is off screen. Its height comes from the font's
 * metrics; the text is laid out only when the row is drawn, and kept
 * until the row's item, marks, width or style change.
 *
 * A row follows its item: the marks that change while it is shown (read,
 * starred, a preview that arrived) come through a signal group on the
 * item, so a recycled row lets go of the old item by itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "casella-message-row.h"
#include "casella-message-view.h"

#define COLUMN_SPACING 8
#define ROW_SPACING    2
#define ICON_SIZE      16
#define ICON_SPACING   4
#define NATURAL_WIDTH  380   /* a stable pane, whatever the subjects */
#define DIM_ALPHA      0.55  /* libadwaita's .dim-label */

typedef enum { TEXT_SENDER, TEXT_DATE, TEXT_SUBJECT, TEXT_PREVIEW, TEXT_ORIGIN, TEXT_COUNT, N_TEXTS } Text;

struct _CasellaMessageRow
{
  GtkWidget           parent_instance;

  CasellaMessageItem *item;
  GSignalGroup       *signals;
  char               *date;
  char               *people;             /* a conversation's, else NULL */
  char               *count;
  gboolean            unread, flagged, attachment, certified;
  PangoLayout        *layouts[N_TEXTS];   /* made when drawn */
  PangoLayout        *dot;
  int                 line_height;        /* 0: to be measured */
  gboolean            drawn;
};

G_DEFINE_FINAL_TYPE (CasellaMessageRow, casella_message_row, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_ITEM, PROP_DRAWN, N_PROPS };
static GParamSpec *props[N_PROPS];

/* ---- what is shown ---- */

static const char *
text_of (CasellaMessageRow *self,
         Text               text)
{
  const char *subject;

  switch (text)
    {
    case TEXT_SENDER:
      return self->people ? self->people : casella_message_item_get_sender (self->item);
    case TEXT_COUNT:
      return self->count;
    case TEXT_DATE:
      return self->date;
    case TEXT_SUBJECT:
      subject = casella_message_item_get_subject (self->item);
      return subject[0] ? subject : _("(No subject)");
    case TEXT_ORIGIN:
      return casella_message_item_get_origin_label (self->item);
    case TEXT_PREVIEW:
    default:
      return casella_message_item_get_preview (self->item);
    }
}

static gboolean
has_preview (CasellaMessageRow *self)
{
  return self->item != NULL && casella_message_item_get_preview (self->item)[0] != '\0';
}

static void
forget_layouts (CasellaMessageRow *self)
{
  for (guint i = 0; i < N_TEXTS; i++)
    g_clear_object (&self->layouts[i]);
  g_clear_object (&self->dot);
}

/* One sentence for screen readers, as the row cannot be read piece by piece. */
static void
describe (CasellaMessageRow *self)
{
  const char *subject = casella_message_item_get_subject (self->item);
  g_autofree char *description = NULL;

  const char *origin = casella_message_item_get_origin_label (self->item);
  g_autofree char *to = NULL;

  if (origin != NULL)
    /* Translators: for screen readers, after a message in All Inboxes: which account it came to */
    to = g_strdup_printf (_(", to %s"), origin);
  /* Translators: a message in the list, for screen readers: "Unread, Anna Rossi, Dinner on Saturday, 14:05" */
  description = g_strdup_printf (_("%s%s, %s, %s%s%s"), self->unread ? _("Unread, ") : "",
                                 text_of (self, TEXT_SENDER), subject[0] ? subject : _("No subject"),
                                 self->date, self->flagged ? _(", starred") : "",
                                 self->attachment ? _(", with attachments") : "");
  if (self->count != NULL)
    {
      guint n = casella_message_item_get_count (self->item);
      /* Translators: for screen readers, after a conversation in the list */
      g_autofree char *count = g_strdup_printf (ngettext (", %u message", ", %u messages", n), n);
      char *whole = g_strconcat (description, count, NULL);
      g_free (description);
      description = whole;
    }
  if (self->certified)
    {
      /* Translators: for screen readers, after a message that came by PEC */
      char *whole = g_strconcat (description, _(", certified email"), NULL);
      g_free (description);
      description = whole;
    }
  if (to != NULL)
    {
      char *whole = g_strconcat (description, to, NULL);
      g_free (description);
      description = whole;
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, description, -1);
}

/* "Anna, me, Marco": first names when there are several. */
static char *
people_of (CasellaMessageItem *item)
{
  const char * const *people = casella_message_item_get_people (item);
  guint n = people ? g_strv_length ((char **) people) : 0;
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      const char *who = people[i][0] ? people[i] : C_("conversation", "me");
      const char *space = n > 1 && people[i][0] && strchr (who, '@') == NULL ? strchr (who, ' ') : NULL;

      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append_len (text, who, space ? space - who : (gssize) -1);
    }
  return g_string_free (text, text->len == 0);
}

static void
read_conversation (CasellaMessageRow *self)
{
  guint count = casella_message_item_get_count (self->item);

  g_clear_pointer (&self->people, g_free);
  g_clear_pointer (&self->count, g_free);
  if (count < 2)
    return;
  self->people = people_of (self->item);
  self->count = g_strdup_printf ("%u", count);
}

static void
read_marks (CasellaMessageRow *self)
{
  read_conversation (self);
  self->unread = casella_message_item_get_unread (self->item);
  self->flagged = casella_message_item_get_flagged (self->item);
  self->attachment = casella_message_item_get_has_attachment (self->item);
  self->certified = casella_message_item_get_certified (self->item);
  describe (self);
}

static void
on_item_notify (CasellaMessageRow *self)
{
  gboolean had_preview = self->layouts[TEXT_PREVIEW] != NULL;

  read_marks (self);
  forget_layouts (self);
  /* A preview that arrives (or goes) changes the height. */
  if (had_preview != has_preview (self))
    gtk_widget_queue_resize (GTK_WIDGET (self));
  else
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- sizes ---- */

static int
line_height (CasellaMessageRow *self)
{
  if (self->line_height == 0)
    {
      PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));
      PangoFontMetrics *metrics = pango_context_get_metrics (context, NULL, NULL);

      self->line_height = PANGO_PIXELS_CEIL (pango_font_metrics_get_height (metrics));
      if (self->line_height <= 0)
        self->line_height = PANGO_PIXELS_CEIL (pango_font_metrics_get_ascent (metrics) +
                                               pango_font_metrics_get_descent (metrics));
      pango_font_metrics_unref (metrics);
    }
  return self->line_height;
}

static int
lines (CasellaMessageRow *self)
{
  return has_preview (self) ? 3 : 2;
}

static void
casella_message_row_measure (GtkWidget      *widget,
                             GtkOrientation  orientation,
                             int             for_size,
                             int            *minimum,
                             int            *natural,
                             int            *minimum_baseline,
                             int            *natural_baseline)
{
  CasellaMessageRow *self = CASELLA_MESSAGE_ROW (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 12 * line_height (self);
      *natural = MAX (*minimum, NATURAL_WIDTH);
      return;
    }
  *minimum = *natural = lines (self) * line_height (self) + (lines (self) - 1) * ROW_SPACING;
}

/* ---- drawing ---- */

static PangoLayout *
make_layout (CasellaMessageRow *self,
             const char        *text,
             gboolean           bold,
             gboolean           caption)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  PangoAttrList *attrs = pango_attr_list_new ();

  if (bold)
    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  if (caption)
    {
      pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
      pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
    }
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  return layout;
}

static void
ensure_layouts (CasellaMessageRow *self)
{
  if (self->layouts[TEXT_SENDER] != NULL)
    return;
  self->layouts[TEXT_SENDER] = make_layout (self, text_of (self, TEXT_SENDER), self->unread, FALSE);
  self->layouts[TEXT_DATE] = make_layout (self, text_of (self, TEXT_DATE), FALSE, TRUE);
  self->layouts[TEXT_SUBJECT] = make_layout (self, text_of (self, TEXT_SUBJECT), self->unread, FALSE);
  self->layouts[TEXT_PREVIEW] = has_preview (self) ? make_layout (self, text_of (self, TEXT_PREVIEW), FALSE, FALSE)
                                                   : NULL;
  self->layouts[TEXT_ORIGIN] = text_of (self, TEXT_ORIGIN) ? make_layout (self, text_of (self, TEXT_ORIGIN), FALSE, TRUE)
                                                           : NULL;
  self->layouts[TEXT_COUNT] = self->count ? make_layout (self, self->count, FALSE, TRUE) : NULL;
  self->dot = gtk_widget_create_pango_layout (GTK_WIDGET (self), "●");
}

static int
layout_width (PangoLayout *layout)
{
  int width;

  pango_layout_set_width (layout, -1);
  pango_layout_get_pixel_size (layout, &width, NULL);
  return width;
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS   /* gtk_widget_get_color () is 4.10 */
static void
colors (CasellaMessageRow *self,
        GdkRGBA           *text,
        GdkRGBA           *accent)
{
  GtkStyleContext *style = gtk_widget_get_style_context (GTK_WIDGET (self));

  gtk_style_context_get_color (style, text);
  if (!gtk_style_context_lookup_color (style, "accent_color", accent))
    *accent = *text;
}
G_GNUC_END_IGNORE_DEPRECATIONS

/* x of a box [x, x + width) in a row of row_width, mirrored right to left. */
static int
place (CasellaMessageRow *self,
       int                x,
       int                width,
       int                row_width)
{
  return gtk_widget_get_direction (GTK_WIDGET (self)) == GTK_TEXT_DIR_RTL ? row_width - x - width : x;
}

static void
draw_text (CasellaMessageRow *self,
           GtkSnapshot       *snapshot,
           PangoLayout       *layout,
           int                x,
           int                y,
           int                width,
           int                height,
           const GdkRGBA     *color)
{
  int text_height;

  if (width <= 0)
    return;
  pango_layout_set_width (layout, width * PANGO_SCALE);
  pango_layout_get_pixel_size (layout, NULL, &text_height);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (place (self, x, width, gtk_widget_get_width (GTK_WIDGET (self))),
                                                          y + (height - text_height) / 2));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
draw_icon (CasellaMessageRow *self,
           GtkSnapshot       *snapshot,
           const char        *name,
           int                x,
           int                y,
           const GdkRGBA     *color)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (self)));
  g_autoptr(GtkIconPaintable) icon = gtk_icon_theme_lookup_icon (theme, name, NULL, ICON_SIZE,
                                                                 gtk_widget_get_scale_factor (GTK_WIDGET (self)),
                                                                 gtk_widget_get_direction (GTK_WIDGET (self)), 0);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (place (self, x, ICON_SIZE, gtk_widget_get_width (GTK_WIDGET (self))), y));
  gtk_symbolic_paintable_snapshot_symbolic (GTK_SYMBOLIC_PAINTABLE (icon), snapshot, ICON_SIZE, ICON_SIZE, color, 1);
  gtk_snapshot_restore (snapshot);
}

/* Three lines: sender and date; subject and marks; the preview. */
static void
casella_message_row_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot)
{
  CasellaMessageRow *self = CASELLA_MESSAGE_ROW (widget);
  int width = gtk_widget_get_width (widget);
  int h = line_height (self);
  int dot_width, text_x, date_width, icons_width, right, origin_width = 0, sender_width;
  GdkRGBA text, dim, accent;
  const char *icons[3];
  const GdkRGBA *icon_colors[3];
  guint n_icons;

  if (self->item == NULL)
    return;
  ensure_layouts (self);
  colors (self, &text, &accent);
  dim = text;
  dim.alpha *= DIM_ALPHA;

  dot_width = layout_width (self->dot);
  text_x = dot_width + COLUMN_SPACING;
  date_width = layout_width (self->layouts[TEXT_DATE]);
  /* The marks, right to left: starred, attachments, certified. */
  n_icons = 0;
  if (self->flagged)
    icons[n_icons] = "starred-symbolic", icon_colors[n_icons++] = &accent;
  if (self->attachment)
    icons[n_icons] = "mail-attachment-symbolic", icon_colors[n_icons++] = &dim;
  if (self->certified)
    icons[n_icons] = "mail-mark-important-symbolic", icon_colors[n_icons++] = &dim;
  icons_width = n_icons ? (int) n_icons * ICON_SIZE + (int) (n_icons - 1) * ICON_SPACING : 0;
  right = MAX (date_width, icons_width);
  /* All Inboxes: the address it came to, before the date, at most a
   * third of the row. */
  if (self->layouts[TEXT_ORIGIN] != NULL)
    origin_width = MIN (layout_width (self->layouts[TEXT_ORIGIN]), (width - text_x) / 3);

  if (self->unread)
    draw_text (self, snapshot, self->dot, 0, 0, dot_width, h, &accent);
  sender_width = width - right - COLUMN_SPACING - text_x - (origin_width ? origin_width + COLUMN_SPACING : 0);
  /* A conversation: how many messages, just after the people. */
  if (self->layouts[TEXT_COUNT] != NULL)
    {
      int count_width = layout_width (self->layouts[TEXT_COUNT]);

      sender_width = MIN (sender_width - count_width - COLUMN_SPACING, layout_width (self->layouts[TEXT_SENDER]));
      draw_text (self, snapshot, self->layouts[TEXT_COUNT], text_x + MAX (sender_width, 0) + COLUMN_SPACING, 0,
                 count_width, h, &dim);
    }
  draw_text (self, snapshot, self->layouts[TEXT_SENDER], text_x, 0, sender_width, h, &text);
  if (origin_width > 0)
    draw_text (self, snapshot, self->layouts[TEXT_ORIGIN], width - date_width - COLUMN_SPACING - origin_width, 0,
               origin_width, h, &dim);
  draw_text (self, snapshot, self->layouts[TEXT_DATE], width - date_width, 0, date_width, h, &dim);
  draw_text (self, snapshot, self->layouts[TEXT_SUBJECT], text_x, h + ROW_SPACING,
             width - (icons_width ? right + COLUMN_SPACING : 0) - text_x, h, &text);
  for (guint i = 0; i < n_icons; i++)
    draw_icon (self, snapshot, icons[i], width - (int) (i + 1) * ICON_SIZE - (int) i * ICON_SPACING,
               h + ROW_SPACING + (h - ICON_SIZE) / 2, icon_colors[i]);
  if (self->layouts[TEXT_PREVIEW] != NULL)
    draw_text (self, snapshot, self->layouts[TEXT_PREVIEW], text_x, 2 * (h + ROW_SPACING), width - text_x, h, &dim);

  if (!self->drawn)
    {
      self->drawn = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DRAWN]);
    }
}

static void
casella_message_row_css_changed (GtkWidget         *widget,
                                 GtkCssStyleChange *change)
{
  CasellaMessageRow *self = CASELLA_MESSAGE_ROW (widget);

  GTK_WIDGET_CLASS (casella_message_row_parent_class)->css_changed (widget, change);
  /* The font may have changed with the style: measure and lay out again. */
  self->line_height = 0;
  forget_layouts (self);
  gtk_widget_queue_resize (widget);
}

static void
casella_message_row_direction_changed (GtkWidget        *widget,
                                       GtkTextDirection  previous)
{
  forget_layouts (CASELLA_MESSAGE_ROW (widget));
  gtk_widget_queue_draw (widget);
}

/* ---- the item ---- */

CasellaMessageItem *
casella_message_row_get_item (CasellaMessageRow *self)
{
  g_return_val_if_fail (CASELLA_IS_MESSAGE_ROW (self), NULL);

  return self->item;
}

void
casella_message_row_set_item (CasellaMessageRow  *self,
                              CasellaMessageItem *item)
{
  gboolean had_preview;

  g_return_if_fail (CASELLA_IS_MESSAGE_ROW (self));

  had_preview = has_preview (self);
  if (!g_set_object (&self->item, item))
    return;
  g_signal_group_set_target (self->signals, item);
  forget_layouts (self);
  g_clear_pointer (&self->date, g_free);
  self->drawn = FALSE;
  if (item != NULL)
    {
      self->date = casella_format_date_short (casella_message_item_get_date (item));
      read_marks (self);
    }
  if (had_preview != has_preview (self))
    gtk_widget_queue_resize (GTK_WIDGET (self));
  else
    gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ITEM]);
}

gboolean
casella_message_row_get_drawn (CasellaMessageRow *self)
{
  g_return_val_if_fail (CASELLA_IS_MESSAGE_ROW (self), FALSE);

  return self->drawn;
}

/* ---- the object ---- */

static void
casella_message_row_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  CasellaMessageRow *self = CASELLA_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;
    case PROP_DRAWN:
      g_value_set_boolean (value, self->drawn);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
casella_message_row_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  CasellaMessageRow *self = CASELLA_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      casella_message_row_set_item (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
casella_message_row_dispose (GObject *object)
{
  CasellaMessageRow *self = CASELLA_MESSAGE_ROW (object);

  if (self->signals != NULL)
    g_signal_group_set_target (self->signals, NULL);
  g_clear_object (&self->signals);
  g_clear_object (&self->item);
  forget_layouts (self);

  G_OBJECT_CLASS (casella_message_row_parent_class)->dispose (object);
}

static void
casella_message_row_finalize (GObject *object)
{
  g_free (CASELLA_MESSAGE_ROW (object)->date);
  g_free (CASELLA_MESSAGE_ROW (object)->people);
  g_free (CASELLA_MESSAGE_ROW (object)->count);

  G_OBJECT_CLASS (casella_message_row_parent_class)->finalize (object);
}

static void
casella_message_row_class_init (CasellaMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = casella_message_row_get_property;
  object_class->set_property = casella_message_row_set_property;
  object_class->dispose = casella_message_row_dispose;
  object_class->finalize = casella_message_row_finalize;
  widget_class->measure = casella_message_row_measure;
  widget_class->snapshot = casella_message_row_snapshot;
  widget_class->css_changed = casella_message_row_css_changed;
  widget_class->direction_changed = casella_message_row_direction_changed;

  props[PROP_ITEM] = g_param_spec_object ("item", NULL, NULL, CASELLA_TYPE_MESSAGE_ITEM,
                                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* TRUE once the row's text has been drawn on screen. */
  props[PROP_DRAWN] = g_param_spec_boolean ("drawn", NULL, NULL, FALSE,
                                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  gtk_widget_class_set_css_name (widget_class, "casella-message-row");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
casella_message_row_init (CasellaMessageRow *self)
{
  gtk_widget_set_margin_top (GTK_WIDGET (self), 8);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self), 8);
  gtk_widget_set_margin_start (GTK_WIDGET (self), 6);
  gtk_widget_set_margin_end (GTK_WIDGET (self), 12);
  self->signals = g_signal_group_new (CASELLA_TYPE_MESSAGE_ITEM);
  g_signal_group_connect_swapped (self->signals, "notify", G_CALLBACK (on_item_notify), self);
}
