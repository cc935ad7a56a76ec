/* casella-mail-session-writes.h — the UI's changes to the store, made on
 * the session's writer thread (see casella_mail_session_write_async())
 *
 * Finish each with casella_mail_session_write_finish() (0 and an error
 * when it failed), moves with casella_mail_session_move_finish().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-mail-session.h"
#include "casella-store-actions.h"

G_BEGIN_DECLS

/* A draft's id in Drafts (0: not saved yet), kept up to date by the
 * saves and the send made with it, in the order they were asked. */
typedef struct _CasellaDraftRef CasellaDraftRef;

CasellaDraftRef *casella_draft_ref_new    (gint64           id);
CasellaDraftRef *casella_draft_ref_ref    (CasellaDraftRef *self);
void             casella_draft_ref_unref  (CasellaDraftRef *self);
gint64           casella_draft_ref_get_id (CasellaDraftRef *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaDraftRef, casella_draft_ref_unref)

typedef enum {
  CASELLA_FOLDER_CREATE,      /* path, separator; finishes with the new id */
  CASELLA_FOLDER_RENAME,      /* folder_id, path */
  CASELLA_FOLDER_DELETE,      /* folder_id */
  CASELLA_FOLDER_SUBSCRIBE,   /* folder_id, subscribed */
} CasellaFolderChange;

void    casella_mail_session_mark_async          (CasellaMailSession  *self,
                                                  GArray              *ids,
                                                  CasellaMessageFlags  add,
                                                  CasellaMessageFlags  remove,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/* folder_id 0: to the Trash (from the Trash: deleted for good). */
void    casella_mail_session_move_async          (CasellaMailSession  *self,
                                                  GArray              *ids,
                                                  gint64               folder_id,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/* The CasellaUndoStep list that takes it back; NULL on failure. */
GArray *casella_mail_session_move_finish         (CasellaMailSession  *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
void    casella_mail_session_undo_async          (CasellaMailSession  *self,
                                                  GArray              *undo,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
void    casella_mail_session_change_folder_async (CasellaMailSession  *self,
                                                  CasellaFolderChange  change,
                                                  gint64               folder_id,
                                                  const char          *path,
                                                  char                 separator,
                                                  gboolean             subscribed,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/* For a CASELLA_FOLDER_SUBSCRIBE result: what was asked. */
gboolean casella_mail_session_write_get_subscribed (GAsyncResult       *result);
/* Saves raw as the draft, replacing its last save. */
void    casella_mail_session_save_draft_async    (CasellaMailSession  *self,
                                                  CasellaDraftRef     *draft,
                                                  GBytes              *raw,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/* Into the outbox, and the draft out of Drafts; finishes with the
 * outbox id. Then casella_mail_session_send_outbox(). */
void    casella_mail_session_queue_message_async (CasellaMailSession  *self,
                                                  CasellaDraftRef     *draft,
                                                  GBytes              *raw,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/* The same, not sent before seconds have passed: the time to undo. The
 * session sends it then (casella_mail_session_send_outbox_later()). */
void    casella_mail_session_queue_delayed_async (CasellaMailSession  *self,
                                                  CasellaDraftRef     *draft,
                                                  GBytes              *raw,
                                                  guint                seconds,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/* Undo: out of the outbox while it still waits for its time; finishes
 * with its id (0 and an error when too late), its raw form from
 * casella_mail_session_take_back_get_raw(). */
void    casella_mail_session_take_back_async     (CasellaMailSession  *self,
                                                  gint64               message_id,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
GBytes *casella_mail_session_take_back_get_raw   (GAsyncResult        *result);
/* What waits for its time is due now (the app is quitting: it goes). */
void    casella_mail_session_send_delayed_now_async (CasellaMailSession *self,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);

G_END_DECLS
