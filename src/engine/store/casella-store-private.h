/* casella-store-private.h — shared by the store's files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "casella-file-lock.h"
#include "casella-store.h"

G_BEGIN_DECLS

struct _CasellaStore
{
  GObject      parent_instance;

  char        *path;
  sqlite3     *db;
  GHashTable  *statements;      /* SQL text → sqlite3_stmt, prepared once */
  int          depth;           /* nested begin/commit */
  gboolean     bulk;            /* casella_store_begin_bulk(): no savepoints inside */
  gboolean     bulk_spoiled;    /* an inner step of it failed */
  gboolean     bulk_wal;        /* this connection checkpoints seldom: it writes in bulk */
  GPtrArray   *index_writes;    /* bulk: search index rows, written just before the commit */
  GHashTable  *index_by_row;    /* bulk: rowid → its entry in index_writes */
  GHashTable  *changed;         /* folder ids changed in this transaction */
  gboolean     folders_changed;
  CasellaFileLock *open_lock;   /* shared while open; exclusive while the first opener sets up */
  gboolean     checked;         /* quick_check ran at open (after an unclean shutdown) */
  GHashTable  *contact_notes;   /* bulk: address → counts, written at its commit */
  gboolean     pec_mode;        /* the account is certified mail (meta "pec") */
  gint64       busy_since;      /* µs: when the lock was first found taken */
};

/* The columns casella_store_message_from_row() reads, in its order. */
#define MESSAGE_COLUMNS \
  "id, folder_id, uid, uidl, flags, date, from_name, from_address, recipients, cc, subject, message_id," \
  " in_reply_to, refs, size, has_attachment, preview, has_body, modseq"

CasellaMessageInfo *casella_store_message_from_row (sqlite3_stmt *statement);

sqlite3_stmt *casella_store_prepare      (CasellaStore  *self,
                                          const char    *sql,
                                          GError       **error);
/* Steps a prepared statement to the end (no rows expected). */
gboolean      casella_store_run          (CasellaStore  *self,
                                          sqlite3_stmt  *statement,
                                          GError       **error);
gboolean      casella_store_exec         (CasellaStore  *self,
                                          const char    *sql,
                                          GError       **error);
void          casella_store_set_error    (CasellaStore  *self,
                                          int            code,
                                          GError       **error);
void          casella_store_mark_changed (CasellaStore  *self,
                                          gint64         folder_id);
void          casella_store_mark_folders_changed (CasellaStore *self);
/* Emits what changed when no transaction is open. */
void          casella_store_emit_changes (CasellaStore  *self);

/* The search index: a new row (subject, addresses, body) or a body for
 * a row already there (subject and addresses NULL). In a bulk
 * transaction they wait for its commit, merged per row: FTS5 writes out
 * what it holds at every statement savepoint, so index writes scattered
 * through a batch cost many small writes. */
gboolean      casella_store_index        (CasellaStore  *self,
                                          gint64         rowid,
                                          gboolean       is_new,
                                          const char    *subject,
                                          const char    *addresses,
                                          const char    *body,
                                          GError       **error);
gboolean      casella_store_index_flush  (CasellaStore  *self,
                                          GError       **error);
void          casella_store_index_forget (CasellaStore  *self);
void          casella_store_index_write_free (gpointer   write);

/* The first column of every row the statement gives, as gint64 ids
 * (the statement reset); NULL with error on a failure. */
GArray       *casella_store_collect_ids           (CasellaStore             *self,
                                                   sqlite3_stmt             *statement,
                                                   GError                  **error);

/* casella-store-pec.c: a PEC envelope's row shows the message inside
 * (NULL: the row is as it came), and what the provider says is kept. */
CasellaMessageInfo *casella_store_pec_headers     (CasellaStore             *self,
                                                   const CasellaMessageInfo *info,
                                                   CasellaPecKind           *kind);
gboolean      casella_store_pec_note_headers      (CasellaStore             *self,
                                                   gint64                    id,
                                                   CasellaPecKind            kind,
                                                   const CasellaMessageInfo *envelope,
                                                   GError                  **error);
gboolean      casella_store_pec_note_body         (CasellaStore             *self,
                                                   gint64                    id,
                                                   const CasellaBodyFacts   *facts,
                                                   GError                  **error);

/* casella-store-contacts.c: the people in the mail a message adds. */
gboolean      casella_store_note_contacts (CasellaStore             *self,
                                           const CasellaMessageInfo *info,
                                           GError                  **error);
gboolean      casella_store_contacts_flush (CasellaStore *self,
                                            GError      **error);
void          casella_store_contacts_forget (CasellaStore *self);
/* casella-store-threads.c: the conversation a message joins (-1: an
 * error), and the answers that came before it joining it too. */
gint64        casella_store_find_thread   (CasellaStore             *self,
                                           const CasellaMessageInfo *info,
                                           gint64                    except,
                                           GError                  **error);
gboolean      casella_store_adopt_thread  (CasellaStore  *self,
                                           gint64         id,
                                           const char    *message_id,
                                           gint64         thread,
                                           GError       **error);

/* Binding helpers: NULL text binds NULL. */
void          casella_store_bind_text    (sqlite3_stmt  *statement,
                                          int            index,
                                          const char    *text);
char         *casella_store_column_text  (sqlite3_stmt  *statement,
                                          int            column);

G_END_DECLS
