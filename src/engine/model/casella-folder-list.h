/* casella-folder-list.h — an account's folders as a GListModel: the
 * special ones first (Inbox, Drafts, Sent, Archive, Junk, Trash), then
 * the others as the server's tree, each with its depth
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-store.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_FOLDER_ITEM (casella_folder_item_get_type ())
G_DECLARE_FINAL_TYPE (CasellaFolderItem, casella_folder_item, CASELLA, FOLDER_ITEM, GObject)

gint64                    casella_folder_item_get_id        (CasellaFolderItem *self);
const CasellaStoreFolder *casella_folder_item_get_folder    (CasellaFolderItem *self);
const char               *casella_folder_item_get_name      (CasellaFolderItem *self);
CasellaFolderRole         casella_folder_item_get_role      (CasellaFolderItem *self);
guint                     casella_folder_item_get_depth     (CasellaFolderItem *self);
guint                     casella_folder_item_get_unread    (CasellaFolderItem *self);
/* FALSE for a folder that only holds folders. */
gboolean                  casella_folder_item_get_selectable (CasellaFolderItem *self);

#define CASELLA_TYPE_FOLDER_LIST (casella_folder_list_get_type ())
G_DECLARE_FINAL_TYPE (CasellaFolderList, casella_folder_list, CASELLA, FOLDER_LIST, GObject)

CasellaFolderList *casella_folder_list_new    (CasellaStore      *store);
void               casella_folder_list_reload (CasellaFolderList *self);
int                casella_folder_list_find   (CasellaFolderList *self,
                                               gint64             folder_id);

G_END_DECLS
