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
/* What it takes to put a message back where it was. */
typedef struct {
  gint64              message_id;
  gint64              folder_id;
  guint32             uid;
  CasellaMessageFlags flags;
  gint64              op_id;      /* the queued change, while not yet sent */
} CasellaUndoStep;

/* undo (CasellaUndoStep, may be NULL) gets what casella_store_local_undo()
 * needs to take it back. */
gboolean casella_store_local_move          (CasellaStore         *self,
                                            const gint64         *ids,
                                            guint                 n_ids,
                                            gint64                folder_id,
                                            GArray               *undo,
                                            GError              **error);
/* To the Trash; from the Trash, deleted for good. */
gboolean casella_store_local_trash         (CasellaStore         *self,
                                            const gint64         *ids,
                                            guint                 n_ids,
                                            GArray               *undo,
                                            GError              **error);
/* Puts messages back; a change not yet sent is simply dropped. */
gboolean casella_store_local_undo          (CasellaStore         *self,
                                            GArray               *undo,
                                            GError              **error);
/* A draft (RFC 5322) into Drafts, replacing the one it updates (0: none);
 * drafts stay here until sent. Returns its id. */
gint64   casella_store_save_draft          (CasellaStore         *self,
                                            gint64                replaces,
                                            GBytes               *raw,
                                            GError              **error);
/* A draft that is done with (sent, or thrown away): gone here at once,
 * and from the server's Drafts at the next replay. */
gboolean casella_store_discard_draft       (CasellaStore         *self,
                                            gint64                id,
                                            GError              **error);
/* Drafts written here and not on the server yet, oldest first. */
GArray  *casella_store_list_drafts_to_upload (CasellaStore       *self,
                                            gint64                folder_id,
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
gboolean casella_store_local_subscribe     (CasellaStore         *self,
                                            gint64                folder_id,
                                            gboolean              subscribed,
                                            GError              **error);
gboolean casella_store_is_pop3             (CasellaStore         *self);

G_END_DECLS
