/* casella-choice-box.h — choices side by side when they fit, stacked
 * when they do not
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CASELLA_TYPE_CHOICE_BOX (casella_choice_box_get_type ())
G_DECLARE_FINAL_TYPE (CasellaChoiceBox, casella_choice_box, CASELLA, CHOICE_BOX, GtkWidget)

G_END_DECLS
