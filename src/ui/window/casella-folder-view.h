/* casella-folder-view.h — an account's folders, in a sidebar
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "casella-folder-list.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_FOLDER_VIEW (casella_folder_view_get_type ())
G_DECLARE_FINAL_TYPE (CasellaFolderView, casella_folder_view, CASELLA, FOLDER_VIEW, GtkWidget)

GtkWidget         *casella_folder_view_new          (void);
void               casella_folder_view_set_model    (CasellaFolderView *self,
                                                     CasellaFolderList *folders);
/* The folder on show (0: none). */
gint64             casella_folder_view_get_selected (CasellaFolderView *self);
void               casella_folder_view_select       (CasellaFolderView *self,
                                                     gint64             folder_id);
/* None selected (the window shows every Inbox). */
void               casella_folder_view_unselect     (CasellaFolderView *self);
void               casella_folder_view_select_role  (CasellaFolderView *self,
                                                     CasellaFolderRole  role);
const char        *casella_folder_role_icon         (CasellaFolderRole  role);
/* The name a person sees: "Inbox", "Sent"… for the special ones. */
const char        *casella_folder_display_name      (const CasellaStoreFolder *folder);

G_END_DECLS
