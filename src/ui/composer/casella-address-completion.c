/* casella-address-completion.c — suggestions under an address field
 *
 * Each change of the text asks the store for the address being typed
 * (a read of a few milliseconds, see bench-completion); the suggestions
 * show in a popover under the field that never takes the focus, so
 * typing goes on. Down and Up choose, Enter or Tab take the chosen one,
 * Escape closes; a click takes one too. What is taken replaces the
 * address being typed with "Name <address>, ", ready for the next.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "casella-address-completion.h"
#include "casella-gmime.h"

#define SUGGESTIONS 6

struct _CasellaAddressCompletion
{
  GObject       parent_instance;

  AdwEntryRow  *row;        /* not owned: it owns this */
  CasellaStore *store;
  char         *own;
  GtkWidget    *popover;
  GtkListBox   *list;
  gboolean      taking;     /* the text is being set from a suggestion */
};

G_DEFINE_FINAL_TYPE (CasellaAddressCompletion, casella_address_completion, G_TYPE_OBJECT)

/* Where the address being typed begins: after the last comma. */
static const char *
current_start (const char *text)
{
  const char *comma = strrchr (text, ',');

  return comma ? comma + 1 : text;
}

static void
close_suggestions (CasellaAddressCompletion *self)
{
  if (gtk_widget_get_visible (self->popover))
    gtk_popover_popdown (GTK_POPOVER (self->popover));
}

/* "Nicolò Bianchi <nicolo@example.it>", quoted where the name needs it. */
static char *
contact_text (const CasellaContact *contact)
{
  g_autoptr(InternetAddress) address = internet_address_mailbox_new (contact->name, contact->address);

  return internet_address_to_string (address, NULL, FALSE);
}

static void
take (CasellaAddressCompletion *self,
      GtkListBoxRow            *row)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->row));
  const char *start = current_start (text);
  const char *chosen = g_object_get_data (G_OBJECT (row), "casella-address");
  g_autofree char *before = g_strndup (text, (gsize) (start - text));
  g_autofree char *joined = NULL;

  g_strchomp (before);
  joined = g_strdup_printf ("%s%s%s, ", before, before[0] ? " " : "", chosen);
  self->taking = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->row), joined);
  gtk_editable_set_position (GTK_EDITABLE (self->row), -1);
  self->taking = FALSE;
  close_suggestions (self);
}

static GtkWidget *
suggestion_row (const CasellaContact *contact)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *name = gtk_label_new (contact->name[0] ? contact->name : contact->address);
  GtkWidget *address = gtk_label_new (contact->address);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (address), 0);
  gtk_label_set_ellipsize (GTK_LABEL (address), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (address, "dim-label");
  gtk_widget_add_css_class (address, "caption");
  gtk_box_append (GTK_BOX (box), name);
  if (contact->name[0])
    gtk_box_append (GTK_BOX (box), address);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), "casella-address", contact_text (contact), g_free);
  return row;
}

static void
on_text_changed (CasellaAddressCompletion *self)
{
  const char *start = current_start (gtk_editable_get_text (GTK_EDITABLE (self->row)));
  g_autofree char *typed = g_strstrip (g_strdup (start));
  g_autoptr(GPtrArray) found = NULL;
  GtkWidget *child;
  guint shown = 0;

  if (self->taking)
    return;
  /* Text set by the composer (a reply's recipients) is not being typed. */
  if (!(gtk_widget_get_state_flags (GTK_WIDGET (self->row)) & GTK_STATE_FLAG_FOCUS_WITHIN))
    {
      close_suggestions (self);
      return;
    }
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  /* Nothing typed, or a whole address written out: nothing to suggest. */
  if (typed[0] != '\0' && strchr (typed, '<') == NULL)
    found = casella_store_find_contacts (self->store, typed, SUGGESTIONS + 1, NULL);
  for (guint i = 0; found != NULL && i < found->len && shown < SUGGESTIONS; i++)
    {
      CasellaContact *contact = found->pdata[i];

      if (self->own != NULL && g_ascii_strcasecmp (contact->address, self->own) == 0)
        continue;
      gtk_list_box_append (self->list, suggestion_row (contact));
      shown++;
    }
  if (shown == 0)
    {
      close_suggestions (self);
      return;
    }
  gtk_list_box_select_row (self->list, gtk_list_box_get_row_at_index (self->list, 0));
  gtk_popover_popup (GTK_POPOVER (self->popover));
}

/* Down and Up move the choice, keeping it in view. */
static void
move_choice (CasellaAddressCompletion *self,
             int                       step)
{
  GtkListBoxRow *selected = gtk_list_box_get_selected_row (self->list);
  int index = selected ? gtk_list_box_row_get_index (selected) + step : 0;
  GtkListBoxRow *next = gtk_list_box_get_row_at_index (self->list, MAX (index, 0));

  if (next != NULL)
    gtk_list_box_select_row (self->list, next);
}

static gboolean
on_key (GtkEventControllerKey    *keys,
        guint                     keyval,
        guint                     keycode,
        GdkModifierType           state,
        CasellaAddressCompletion *self)
{
  GtkListBoxRow *selected;

  if (!gtk_widget_get_visible (self->popover) || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)))
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      move_choice (self, 1);
      return TRUE;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      move_choice (self, -1);
      return TRUE;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
    case GDK_KEY_Tab:
      selected = gtk_list_box_get_selected_row (self->list);
      if (selected == NULL)
        return FALSE;
      take (self, selected);
      return TRUE;
    case GDK_KEY_Escape:
      close_suggestions (self);
      return TRUE;
    default:
      return FALSE;
    }
}

static void
on_row_activated (GtkListBox               *list,
                  GtkListBoxRow            *row,
                  CasellaAddressCompletion *self)
{
  take (self, row);
  gtk_widget_grab_focus (GTK_WIDGET (self->row));
}

static void
on_focus_leave (CasellaAddressCompletion *self)
{
  close_suggestions (self);
}

/* ---- the object ---- */

static void
casella_address_completion_finalize (GObject *object)
{
  CasellaAddressCompletion *self = CASELLA_ADDRESS_COMPLETION (object);

  g_clear_object (&self->store);
  g_free (self->own);
  G_OBJECT_CLASS (casella_address_completion_parent_class)->finalize (object);
}

static void
casella_address_completion_class_init (CasellaAddressCompletionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = casella_address_completion_finalize;
}

static void
casella_address_completion_init (CasellaAddressCompletion *self)
{
}

/* The popover goes with the row: unparented as the row is destroyed. */
static void
on_row_destroy (GtkWidget                *row,
                CasellaAddressCompletion *self)
{
  g_clear_pointer (&self->popover, gtk_widget_unparent);
}

CasellaAddressCompletion *
casella_address_completion_attach (AdwEntryRow  *row,
                                   CasellaStore *store,
                                   const char   *own)
{
  CasellaAddressCompletion *self;
  GtkEventController *keys;
  GtkWidget *scroller;

  g_return_val_if_fail (ADW_IS_ENTRY_ROW (row), NULL);
  g_return_val_if_fail (CASELLA_IS_STORE (store), NULL);

  self = g_object_new (CASELLA_TYPE_ADDRESS_COMPLETION, NULL);
  self->row = row;
  self->store = g_object_ref (store);
  self->own = g_strdup (own);
  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_activate_on_single_click (self->list, TRUE);
  /* A click takes a suggestion without taking the focus from the field. */
  gtk_widget_set_can_focus (GTK_WIDGET (self->list), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Suggested addresses"), -1);
  g_signal_connect (self->list, "row-activated", G_CALLBACK (on_row_activated), self);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 320);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->list));
  self->popover = gtk_popover_new ();
  gtk_popover_set_child (GTK_POPOVER (self->popover), scroller);
  /* Typing goes on in the field: the popover never takes the focus. */
  gtk_popover_set_autohide (GTK_POPOVER (self->popover), FALSE);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->popover), FALSE);
  gtk_popover_set_position (GTK_POPOVER (self->popover), GTK_POS_BOTTOM);
  gtk_widget_set_halign (self->popover, GTK_ALIGN_START);
  gtk_widget_set_size_request (scroller, 320, -1);
  gtk_widget_set_parent (self->popover, GTK_WIDGET (row));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_AUTOCOMPLETE,
                                  GTK_ACCESSIBLE_AUTOCOMPLETE_LIST, -1);

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key), self);
  gtk_widget_add_controller (GTK_WIDGET (row), keys);
  g_signal_connect_swapped (row, "changed", G_CALLBACK (on_text_changed), self);
  {
    GtkEventController *focus = gtk_event_controller_focus_new ();

    g_signal_connect_swapped (focus, "leave", G_CALLBACK (on_focus_leave), self);
    gtk_widget_add_controller (GTK_WIDGET (row), focus);
  }
  g_signal_connect (row, "destroy", G_CALLBACK (on_row_destroy), self);
  g_object_set_data_full (G_OBJECT (row), "casella-address-completion", self, g_object_unref);
  return self;
}

GtkWidget *
casella_address_completion_get_list (CasellaAddressCompletion *self)
{
  return GTK_WIDGET (self->list);
}

gboolean
casella_address_completion_is_open (CasellaAddressCompletion *self)
{
  return self->popover != NULL && gtk_widget_get_visible (self->popover);
}
