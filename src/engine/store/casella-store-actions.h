/* casella-store-actions.h — what a person does to their mail, done here
 * at once and queued for the server (IMAP), or done here only (POP3)
 *
 * Each action is one transaction: the change and its queue entry land
 * together. The sync replays the queue; a refusal undoes the change.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-store.h"

G_BEGIN_DECLS

gboolean casella_store_local_mark          (CasellaStore         *self,
                                            const gint64         *ids,
                                            guint                 n_ids,
                                            CasellaMessageFlags   add,
                                            CasellaMessageFlags   remove,
                                            GError              **error);
gboolean casella_store_local_move          (CasellaStore         *self,
                                            const gint64         *ids,
                                            guint                 n_ids,
                                            gint64                folder_id,
                                            GError              **error);
/* To the Trash; from the Trash (or with none), deleted for good. */
gboolean casella_store_local_trash         (CasellaStore         *self,
                                            const gint64         *ids,
                                            guint                 n_ids,
                                            GError              **error);
gint64   casella_store_local_create_folder (CasellaStore         *self,
                                            const char           *path,
                                            char                  separator,
                                            GError              **error);
gboolean casella_store_local_rename_folder (CasellaStore         *self,
                                            gint64                folder_id,
                                            const char           *path,
                                            GError              **error);
gboolean casella_store_local_delete_folder (CasellaStore         *self,
                                            gint64                folder_id,
                                            GError              **error);
gboolean casella_store_is_pop3             (CasellaStore         *self);

G_END_DECLS
