/* casella-message-view.h — the messages of a folder, with search
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "casella-message-list.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_MESSAGE_VIEW (casella_message_view_get_type ())
G_DECLARE_FINAL_TYPE (CasellaMessageView, casella_message_view, CASELLA, MESSAGE_VIEW, GtkWidget)

GtkWidget  *casella_message_view_new            (void);
/* messages: a CasellaMessageList or a CasellaMergedList. */
void        casella_message_view_set_model      (CasellaMessageView *self,
                                                 GListModel         *messages);
GListModel *casella_message_view_get_model      (CasellaMessageView *self);
/* Selected message ids, in list order (of one account's list). */
GArray     *casella_message_view_get_selected   (CasellaMessageView *self);
/* The selected CasellaMessageItems, in list order. */
GPtrArray  *casella_message_view_get_selected_items (CasellaMessageView *self);
void        casella_message_view_select_position (CasellaMessageView *self,
                                                 guint               position);
void        casella_message_view_scroll_to      (CasellaMessageView *self,
                                                 guint               position);
gboolean    casella_message_view_get_search_mode (CasellaMessageView *self);
void        casella_message_view_set_search_mode (CasellaMessageView *self,
                                                 gboolean            search);
void        casella_message_view_set_empty_text (CasellaMessageView *self,
                                                 const char         *title,
                                                 const char         *description);
/* "14:05", "Tue", "24 Nov", "24 Nov 2025": as short as is clear. */
char       *casella_format_date_short           (gint64              date);

G_END_DECLS
