/* casella-store-queue.h — what waits in the store: changes made here
 * that the server has not seen yet, mail waiting to be sent, and the
 * POP3 messages already downloaded
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gmime/gmime.h>

#include "casella-store.h"

G_BEGIN_DECLS

/* A change made here first, replayed to the server later. */
typedef enum {
  CASELLA_PENDING_FLAGS,           /* arg: "ADD REMOVE" flag bits; undo: the old flags */
  CASELLA_PENDING_MOVE,            /* to folder_id; undo: "OLD_FOLDER_ID OLD_UID" */
  CASELLA_PENDING_EXPUNGE,         /* delete for good; undo: the old flags */
  CASELLA_PENDING_CREATE_FOLDER,   /* folder_id */
  CASELLA_PENDING_RENAME_FOLDER,   /* folder_id; undo: the old path */
  CASELLA_PENDING_DELETE_FOLDER,   /* arg: the path; undo: the folder's separator */
  CASELLA_PENDING_SUBSCRIBE,       /* folder_id; arg: "1" or "0" */
} CasellaPendingKind;

typedef struct {
  gint64              id;
  CasellaPendingKind  kind;
  gint64              folder_id;
  gint64              message_id;
  char               *arg;
  char               *undo;
} CasellaPendingOp;

gint64      casella_store_queue_op          (CasellaStore        *self,
                                             CasellaPendingKind   kind,
                                             gint64               folder_id,
                                             gint64               message_id,
                                             const char          *arg,
                                             const char          *undo,
                                             GError             **error);
GPtrArray  *casella_store_list_ops          (CasellaStore        *self,
                                             GError             **error);
gboolean    casella_store_remove_op         (CasellaStore        *self,
                                             gint64               op_id,
                                             GError             **error);
/* TRUE if it was still waiting (and is now gone). */
gboolean    casella_store_remove_op_if_pending (CasellaStore     *self,
                                             gint64               op_id);
void        casella_pending_op_free         (CasellaPendingOp    *op);
/* A move's origin, from its undo: the folder, and the UID there (0: the
 * message never was on the server). FALSE for other changes. */
gboolean    casella_pending_op_moved_from   (const CasellaPendingOp *op,
                                             gint64                 *folder_id,
                                             guint32                *uid);

/* Header facts of a whole message, for a row (folder_id and uid unset). */
CasellaMessageInfo *casella_message_info_from_mime (GMimeMessage  *message,
                                                    gsize          size);
CasellaMessageInfo *casella_message_info_from_bytes (GBytes       *raw);
/* The same read from the header alone, without building a message (a
 * sync of whole messages, thousands at a time); date 0 when it has none.
 * Addresses are shown as an IMAP ENVELOPE's would be. */
CasellaMessageInfo *casella_message_info_from_header (const char   *raw,
                                                     gsize         length);

/* ---- outbox ---- */

/* How far a message got. Only one process sends at a time (the outbox
 * lock), so a message found SENDING by the next one was cut off between
 * the server's "354" and its answer: it may have been delivered. */
typedef enum {
  CASELLA_OUTBOX_QUEUED,     /* waits its turn (next_attempt) */
  CASELLA_OUTBOX_SENDING,    /* the server is taking it; its fate comes with the reply */
  CASELLA_OUTBOX_SENT,       /* accepted; the copy in Sent is still to be filed */
  CASELLA_OUTBOX_HELD,       /* waits for the user (see CasellaOutboxHold) */
} CasellaOutboxState;

typedef enum {
  CASELLA_OUTBOX_HOLD_NONE,
  CASELLA_OUTBOX_HOLD_REFUSED,      /* the server refused it for good (5xx): last_error says why */
  CASELLA_OUTBOX_HOLD_INTERRUPTED,  /* cut off while the server took it: it may have been delivered */
  CASELLA_OUTBOX_HOLD_UNREADABLE,   /* its stored copy cannot be read as a message */
} CasellaOutboxHold;

typedef struct {
  gint64              message_id;
  CasellaOutboxState  state;
  CasellaOutboxHold   hold;
  guint               attempts;
  gint64              next_attempt;   /* unix time; 0: at once */
  gboolean            copy_started;   /* the copy in Sent may be there already */
  char               *last_error;     /* the server's words */
} CasellaOutboxEntry;

void        casella_outbox_entry_free       (CasellaOutboxEntry  *entry);

CasellaStoreFolder *casella_store_ensure_outbox     (CasellaStore        *self,
                                                     GError             **error);
/* Checks that raw is a message that can be sent (headers, a sender, a
 * recipient, no NUL bytes; else CASELLA_STORE_ERROR_INVALID), adds a
 * Message-ID and a Date when it has none, and keeps it: it is on disk
 * before this returns. Its row id. */
gint64      casella_store_outbox_add        (CasellaStore        *self,
                                             GBytes              *raw,
                                             GError             **error);
/* Ids of every message in the outbox, whatever its state. */
GArray     *casella_store_outbox_list       (CasellaStore        *self,
                                             GError             **error);
GPtrArray  *casella_store_outbox_entries    (CasellaStore        *self,
                                             GError             **error);
CasellaOutboxEntry *casella_store_outbox_get (CasellaStore       *self,
                                             gint64               message_id);
/* Each change is its own transaction: on disk when it returns. */
gboolean    casella_store_outbox_set_state  (CasellaStore        *self,
                                             gint64               message_id,
                                             CasellaOutboxState   state,
                                             GError             **error);
gboolean    casella_store_outbox_hold       (CasellaStore        *self,
                                             gint64               message_id,
                                             CasellaOutboxHold    hold,
                                             const char          *reason,
                                             GError             **error);
/* A temporary failure: queued again, to be tried at next_attempt. */
gboolean    casella_store_outbox_retry_later (CasellaStore       *self,
                                             gint64               message_id,
                                             const char          *reason,
                                             gint64               next_attempt,
                                             GError             **error);
gboolean    casella_store_outbox_copy_started (CasellaStore      *self,
                                             gint64               message_id,
                                             GError             **error);
/* The user asks to send it again: queued, due at once. */
gboolean    casella_store_outbox_release    (CasellaStore        *self,
                                             gint64               message_id,
                                             GError             **error);
/* Just queued, to be sent at not_before and not earlier (the time to
 * undo a send). */
gboolean    casella_store_outbox_delay      (CasellaStore        *self,
                                             gint64               message_id,
                                             gint64               not_before,
                                             GError             **error);
/* Every message waiting for its time is due now (the app is quitting). */
gboolean    casella_store_outbox_send_delayed_now (CasellaStore  *self,
                                             GError             **error);
/* Undo: taken out of the outbox while it still waits for its time (now:
 * unix time); its raw form, to write it again. NULL when too late. */
GBytes     *casella_store_outbox_take_back  (CasellaStore        *self,
                                             gint64               message_id,
                                             gint64               now,
                                             GError             **error);
/* Done with (sent and filed, or deleted by the user): it leaves. */
gboolean    casella_store_outbox_sent       (CasellaStore        *self,
                                             gint64               message_id,
                                             GError             **error);

/* ---- POP3 ---- */
gboolean    casella_store_pop3_is_known     (CasellaStore        *self,
                                             const char          *uidl);
/* Row, body and "downloaded" note in one transaction. A UIDL already
 * noted (another sync stored it first) adds nothing: -1. Else the new
 * row's id, or 0 with error set. */
gint64      casella_store_pop3_add          (CasellaStore        *self,
                                             gint64               folder_id,
                                             const char          *uidl,
                                             GBytes              *raw,
                                             gint64               now,
                                             GError             **error);
/* UIDLs that may go from the server: downloaded before older_than (0:
 * none by age), or deleted here when deleted_here is set. */
GPtrArray  *casella_store_pop3_deletable    (CasellaStore        *self,
                                             gint64               older_than,
                                             gboolean             deleted_here,
                                             GError             **error);
gboolean    casella_store_pop3_forget       (CasellaStore        *self,
                                             const char          *uidl,
                                             GError             **error);
/* Forgets every UIDL not in on_server (gone from the server). */
gboolean    casella_store_pop3_keep_only    (CasellaStore        *self,
                                             GHashTable          *on_server,
                                             GError             **error);
/* Deleting a downloaded message here remembers not to fetch it again. */
gboolean    casella_store_pop3_deleted_here (CasellaStore        *self,
                                             const char          *uidl,
                                             GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaPendingOp, casella_pending_op_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaOutboxEntry, casella_outbox_entry_free)

G_END_DECLS
