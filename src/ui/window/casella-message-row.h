/* casella-message-row.h — one message in the list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "casella-message-list.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_MESSAGE_ROW (casella_message_row_get_type ())
G_DECLARE_FINAL_TYPE (CasellaMessageRow, casella_message_row, CASELLA, MESSAGE_ROW, GtkWidget)

CasellaMessageItem *casella_message_row_get_item (CasellaMessageRow  *self);
void                casella_message_row_set_item (CasellaMessageRow  *self,
                                                  CasellaMessageItem *item);
/* TRUE once its text was drawn on screen (the "drawn" property). */
gboolean            casella_message_row_get_drawn (CasellaMessageRow  *self);

G_END_DECLS
