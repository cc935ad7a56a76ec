/* casella-choice-box.c — choices side by side when they fit, one above
 * the other when they do not (a phone held upright)
 *
 * GTK 4.8 has no breakpoints, and a GtkFlowBox sizes its lines from the
 * children's natural widths, which wrapping text makes as wide as the
 * window; this box decides from the minimum widths instead.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-choice-box.h"

#define SPACING 12

struct _CasellaChoiceBox
{
  GtkWidget parent_instance;
};

G_DEFINE_FINAL_TYPE (CasellaChoiceBox, casella_choice_box, GTK_TYPE_WIDGET)

static guint
count_children (GtkWidget *self)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (self); child; child = gtk_widget_get_next_sibling (child))
    if (gtk_widget_should_layout (child))
      n++;
  return n;
}

/* Side by side needs each child's minimum width in an equal share. */
static gboolean
fits_in_a_row (GtkWidget *self,
               int        width)
{
  guint n = count_children (self);
  int widest = 0;

  if (n < 2)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (self); child; child = gtk_widget_get_next_sibling (child))
    if (gtk_widget_should_layout (child))
      {
        int minimum;
        gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
        widest = MAX (widest, minimum);
      }
  return width >= (int) n * widest + (int) (n - 1) * SPACING;
}

static int
share (GtkWidget *self,
       int        width)
{
  guint n = count_children (self);

  return n ? (width - (int) (n - 1) * SPACING) / (int) n : width;
}

static void
measure_width (GtkWidget *self,
               int       *minimum,
               int       *natural)
{
  guint n = 0;

  *minimum = *natural = 0;
  for (GtkWidget *child = gtk_widget_get_first_child (self); child; child = gtk_widget_get_next_sibling (child))
    if (gtk_widget_should_layout (child))
      {
        int child_min, child_nat;
        gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &child_min, &child_nat, NULL, NULL);
        *minimum = MAX (*minimum, child_min);
        *natural = MAX (*natural, child_nat);
        n++;
      }
  if (n > 1)
    *natural = (int) n * *natural + (int) (n - 1) * SPACING;
}

static void
measure_height (GtkWidget *self,
                int        width,
                int       *minimum,
                int       *natural)
{
  gboolean row = width >= 0 && fits_in_a_row (self, width);
  int child_width = row ? share (self, width) : width;
  guint n = 0;

  *minimum = *natural = 0;
  for (GtkWidget *child = gtk_widget_get_first_child (self); child; child = gtk_widget_get_next_sibling (child))
    if (gtk_widget_should_layout (child))
      {
        int child_min, child_nat;
        gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, child_width, &child_min, &child_nat, NULL, NULL);
        if (row)
          {
            *minimum = MAX (*minimum, child_min);
            *natural = MAX (*natural, child_nat);
          }
        else
          {
            *minimum += child_min + (n ? SPACING : 0);
            *natural += child_nat + (n ? SPACING : 0);
          }
        n++;
      }
}

static void
casella_choice_box_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    measure_width (widget, minimum, natural);
  else
    measure_height (widget, for_size, minimum, natural);
}

static void
casella_choice_box_size_allocate (GtkWidget *widget,
                                  int        width,
                                  int        height,
                                  int        baseline)
{
  gboolean row = fits_in_a_row (widget, width);
  int child_width = row ? share (widget, width) : width;
  int x = 0, y = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      int child_height;

      if (!gtk_widget_should_layout (child))
        continue;
      if (row)
        child_height = height;
      else
        gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, child_width, NULL, &child_height, NULL, NULL);
      gtk_widget_size_allocate (child, &(GtkAllocation) { x, y, child_width, child_height }, -1);
      if (row)
        x += child_width + SPACING;
      else
        y += child_height + SPACING;
    }
}

static GtkSizeRequestMode
casella_choice_box_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
casella_choice_box_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (casella_choice_box_parent_class)->dispose (object);
}

static void
casella_choice_box_class_init (CasellaChoiceBoxClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = casella_choice_box_dispose;
  widget_class->measure = casella_choice_box_measure;
  widget_class->size_allocate = casella_choice_box_size_allocate;
  widget_class->get_request_mode = casella_choice_box_get_request_mode;
}

static void
casella_choice_box_init (CasellaChoiceBox *self)
{
}
