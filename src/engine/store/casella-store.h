/* casella-store.h — one account's mail on this computer: folders,
 * message summaries, bodies, the search index, work waiting for the
 * server, the outbox, and what POP3 has already downloaded
 *
 * One SQLite file per account (WAL). A CasellaStore is one connection,
 * used from one thread; the UI and the sync each open their own.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-file-lock.h"
#include "casella-pec.h"

G_BEGIN_DECLS

#define CASELLA_STORE_ERROR (casella_store_error_quark ())

typedef enum {
  CASELLA_STORE_ERROR_FAILED,
  CASELLA_STORE_ERROR_FULL,        /* the disk is full: nothing was half-written */
  CASELLA_STORE_ERROR_CORRUPT,
  CASELLA_STORE_ERROR_BUSY,
  CASELLA_STORE_ERROR_NOT_FOUND,
  CASELLA_STORE_ERROR_TOO_NEW,     /* made by a newer Casella */
  CASELLA_STORE_ERROR_INVALID,     /* not something that can be kept (a message that is no message) */
} CasellaStoreError;

/* What a folder is for (IMAP special use, or Casella's own). */
typedef enum {
  CASELLA_FOLDER_ROLE_NONE,
  CASELLA_FOLDER_ROLE_INBOX,
  CASELLA_FOLDER_ROLE_DRAFTS,
  CASELLA_FOLDER_ROLE_SENT,
  CASELLA_FOLDER_ROLE_ARCHIVE,
  CASELLA_FOLDER_ROLE_JUNK,
  CASELLA_FOLDER_ROLE_TRASH,
  CASELLA_FOLDER_ROLE_ALL,
  CASELLA_FOLDER_ROLE_FLAGGED,
  CASELLA_FOLDER_ROLE_OUTBOX,      /* local only: mail waiting to be sent */
} CasellaFolderRole;

typedef enum {
  CASELLA_FOLDER_NOSELECT    = 1 << 0,   /* holds only folders */
  CASELLA_FOLDER_NOINFERIORS = 1 << 1,
  CASELLA_FOLDER_LOCAL       = 1 << 2,   /* not on the server */
} CasellaFolderFlags;

/* Message flags, bit for bit as CasellaImapFlags. */
typedef enum {
  CASELLA_MESSAGE_SEEN      = 1 << 0,
  CASELLA_MESSAGE_ANSWERED  = 1 << 1,
  CASELLA_MESSAGE_FLAGGED   = 1 << 2,
  CASELLA_MESSAGE_DELETED   = 1 << 3,
  CASELLA_MESSAGE_DRAFT     = 1 << 4,
  CASELLA_MESSAGE_FORWARDED = 1 << 6,
  CASELLA_MESSAGE_JUNK      = 1 << 7,
} CasellaMessageFlags;

#define CASELLA_MESSAGE_SERVER_FLAGS 0xdf

typedef struct {
  gint64             id;
  char              *path;          /* the server's name, UTF-8 */
  char              *name;          /* last part of the path, for display */
  char               separator;     /* 0: flat */
  CasellaFolderRole  role;
  CasellaFolderFlags flags;
  gboolean           subscribed;
  guint32            uidvalidity;
  guint32            uidnext;
  guint64            highestmodseq;
  guint              total;
  guint              unread;
} CasellaStoreFolder;

typedef struct _CasellaMessageInfo {
  gint64               id;
  gint64               folder_id;
  guint32              uid;          /* IMAP UID; for POP3 a local number */
  char                *uidl;         /* POP3 unique id, else NULL */
  CasellaMessageFlags  flags;
  gint64               date;         /* seconds since the epoch */
  char                *from_name;
  char                *from_address;
  char                *to;           /* "Name <a@b>, c@d" */
  char                *cc;
  char                *subject;
  char                *message_id;
  char                *in_reply_to;
  char                *references;
  guint64              size;
  gboolean             has_attachment;
  char                *preview;      /* a line of the text, once the body is here */
  gboolean             has_body;
  guint64              modseq;
  CasellaPecKind       pec_kind;     /* what a PEC provider says it is (read for the lists only) */
  gint64               thread;       /* its conversation (read, never written: the store places it); 0: not yet */
  guint64              gm_thread;    /* Gmail's own conversation (X-GM-THRID), 0: none */
} CasellaMessageInfo;

/* A conversation, as its row in a list shows it. */
typedef struct {
  gint64  thread;
  guint   count;     /* its messages, each once (a copy in another folder is the same) */
  guint   unread;
  gint64  newest;    /* the newest message's date */
  GStrv   people;    /* who wrote, in the order they first did; "" is the account itself */
} CasellaThreadSummary;

#define CASELLA_TYPE_STORE (casella_store_get_type ())
G_DECLARE_FINAL_TYPE (CasellaStore, casella_store, CASELLA, STORE, GObject)

GQuark              casella_store_error_quark       (void);
char               *casella_store_path_for_account  (const char          *account_id);
gboolean            casella_store_delete_for_account (const char         *account_id,
                                                     GError             **error);

CasellaStore       *casella_store_open              (const char          *path,
                                                     GError             **error);
const char         *casella_store_get_path          (CasellaStore        *self);
/* An exclusive lock named name, beside the store, for work only one
 * process may do at a time (sending the outbox, a sync pass). */
CasellaFileLock    *casella_store_lock              (CasellaStore        *self,
                                                     const char          *name,
                                                     gboolean             wait,
                                                     GCancellable        *cancellable,
                                                     GError             **error);
/* Whether opening ran a quick check (the last run ended in a crash). */
gboolean            casella_store_was_checked       (CasellaStore        *self);
int                 casella_store_get_version       (CasellaStore        *self);
/* Another connection changed the file: emit the notices here too. */
void                casella_store_notify_folder_changed  (CasellaStore   *self,
                                                          gint64          folder_id);
void                casella_store_notify_folders_changed (CasellaStore   *self);
gboolean            casella_store_begin             (CasellaStore        *self,
                                                     GError             **error);
/* A transaction for many writes at once (a sync batch): the inner
 * begin/commit pairs of the calls made in it cost nothing, and a failed
 * one spoils it all (its commit then rolls back and fails). */
gboolean            casella_store_begin_bulk        (CasellaStore        *self,
                                                     GError             **error);
gboolean            casella_store_commit            (CasellaStore        *self,
                                                     GError             **error);
/* Undoes the innermost begin (a savepoint inside an outer one). */
void                casella_store_rollback          (CasellaStore        *self);
/* Undoes everything still open: the safety net after a failed run. */
void                casella_store_rollback_all      (CasellaStore        *self);
/* Everything committed so far is on disk (before POP3 deletes on the server). */
gboolean            casella_store_flush             (CasellaStore        *self,
                                                     GError             **error);
gboolean            casella_store_check_integrity   (CasellaStore        *self,
                                                     GError             **error);
/* PRAGMA quick_check when the last one is a day old or more (a sync
 * calls it): CASELLA_STORE_ERROR_CORRUPT when the file is damaged. */
gboolean            casella_store_check_if_due      (CasellaStore        *self,
                                                     GError             **error);

/* What rebuilding a damaged store did. */
typedef struct {
  char     *kept_as;        /* the damaged file, kept beside the new one */
  guint     carried;        /* messages that lived only here, carried over */
  guint     outbox;         /* of them, waiting to be sent */
  guint     lost;           /* messages that lived only here and could not be read */
  gboolean  incomplete;     /* the damage hid how many: maybe more were lost */
  guint     changes_lost;   /* changes made here that the server had not seen */
} CasellaStoreRebuildReport;

/* The damaged store at path is kept aside (never deleted) and a new one
 * made there, with what lived only here carried over (the outbox, drafts
 * not on the server, local folders' mail); the rest comes back from the
 * server with the next sync. Refused while another Casella has it open. */
CasellaStore       *casella_store_rebuild           (const char                 *path,
                                                     CasellaStoreRebuildReport  *report,
                                                     GError                    **error);
void                casella_store_rebuild_report_clear (CasellaStoreRebuildReport *report);
/* Small facts kept with the mail ("protocol": "imap" or "pop3"). */
char               *casella_store_get_meta          (CasellaStore        *self,
                                                     const char          *key);
gboolean            casella_store_set_meta          (CasellaStore        *self,
                                                     const char          *key,
                                                     const char          *value,
                                                     GError             **error);

/* ---- folders ---- */
GPtrArray          *casella_store_list_folders      (CasellaStore        *self,
                                                     GError             **error);
CasellaStoreFolder *casella_store_get_folder        (CasellaStore        *self,
                                                     gint64               id);
CasellaStoreFolder *casella_store_find_folder       (CasellaStore        *self,
                                                     const char          *path);
CasellaStoreFolder *casella_store_find_folder_by_role (CasellaStore      *self,
                                                     CasellaFolderRole    role);
/* Adds the folder, or updates the one with the same path; returns its id. */
gint64              casella_store_save_folder       (CasellaStore        *self,
                                                     const CasellaStoreFolder *folder,
                                                     GError             **error);
/* What a sync learnt of a folder, by id: one renamed here meanwhile
 * keeps its new name, one deleted stays gone. */
gboolean            casella_store_set_folder_state  (CasellaStore        *self,
                                                     gint64               id,
                                                     guint32              uidvalidity,
                                                     guint32              uidnext,
                                                     guint64              highestmodseq,
                                                     GError             **error);
gboolean            casella_store_delete_folder     (CasellaStore        *self,
                                                     gint64               id,
                                                     GError             **error);
gboolean            casella_store_rename_folder     (CasellaStore        *self,
                                                     gint64               id,
                                                     const char          *path,
                                                     GError             **error);
/* Forgets the folder's messages: its UIDVALIDITY changed. */
gboolean            casella_store_reset_folder      (CasellaStore        *self,
                                                     gint64               id,
                                                     guint32              uidvalidity,
                                                     GError             **error);
/* Messages of the folder whose body is here but whose text is not in
 * the search index: 0 when the index is complete. */
guint               casella_store_count_unindexed   (CasellaStore        *self,
                                                     gint64               folder_id,
                                                     GError             **error);
gboolean            casella_store_update_counts     (CasellaStore        *self,
                                                     gint64               folder_id,
                                                     GError             **error);

CasellaStoreFolder *casella_store_folder_copy       (const CasellaStoreFolder *folder);
void                casella_store_folder_free       (CasellaStoreFolder  *folder);
const char         *casella_folder_role_to_string   (CasellaFolderRole    role);

/* ---- messages ---- */
gint64              casella_store_add_message       (CasellaStore        *self,
                                                     const CasellaMessageInfo *info,
                                                     GError             **error);
CasellaMessageInfo *casella_store_get_message       (CasellaStore        *self,
                                                     gint64               id);
CasellaMessageInfo *casella_store_find_message      (CasellaStore        *self,
                                                     gint64               folder_id,
                                                     guint32              uid);
/* Rows in ids order; ids not found are left out. */
GPtrArray          *casella_store_get_messages      (CasellaStore        *self,
                                                     const gint64        *ids,
                                                     guint                n_ids,
                                                     GError             **error);
/* The folder's messages newest first; query (words to find) may be NULL. */
GArray             *casella_store_list_message_ids  (CasellaStore        *self,
                                                     gint64               folder_id,
                                                     const char          *query,
                                                     GError             **error);
/* The first limit of them (0: all) without a query; more: whether there
 * are others. */
GArray             *casella_store_list_newest_ids   (CasellaStore        *self,
                                                     gint64               folder_id,
                                                     guint                limit,
                                                     gboolean            *more,
                                                     GError             **error);
/* Someone in the account's mail, for completing addresses. */
typedef struct {
  char *name;      /* "" when none is known */
  char *address;
} CasellaContact;

void                casella_contact_free            (CasellaContact      *contact);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaContact, casella_contact_free)
/* Lower case, without accents: "Nicolò" is "nicolo". */
char               *casella_store_fold              (const char          *text);
/* Who the typed words (each the start of a word of a name or address,
 * accents and case aside) can be: people written to first, then the
 * most recent; at most limit. */
GPtrArray          *casella_store_find_contacts     (CasellaStore        *self,
                                                     const char          *typed,
                                                     guint                limit,
                                                     GError             **error);
/* Counts the people in the mail already here, once per store (one made
 * before completion existed); after that, mail added counts as it comes. */
gboolean            casella_store_build_contacts    (CasellaStore        *self,
                                                     GError             **error);
/* Each message's date in a folder: CasellaIdDate, in id order (for a
 * binary search). */
typedef struct {
  gint64 id;
  gint64 date;
} CasellaIdDate;
GArray             *casella_store_list_dates        (CasellaStore        *self,
                                                     gint64               folder_id,
                                                     GError             **error);
/* Every folder when folder_id is 0. */
GArray             *casella_store_search            (CasellaStore        *self,
                                                     gint64               folder_id,
                                                     const char          *query,
                                                     GError             **error);
GArray             *casella_store_list_uids         (CasellaStore        *self,
                                                     gint64               folder_id,
                                                     GError             **error);
guint32             casella_store_get_max_uid       (CasellaStore        *self,
                                                     gint64               folder_id);
gboolean            casella_store_set_flags         (CasellaStore        *self,
                                                     gint64               message_id,
                                                     CasellaMessageFlags  flags,
                                                     guint64              modseq,
                                                     GError             **error);
gboolean            casella_store_update_server_flags (CasellaStore      *self,
                                                     gint64               folder_id,
                                                     guint32              uid,
                                                     CasellaMessageFlags  flags,
                                                     guint64              modseq,
                                                     GError             **error);
gboolean            casella_store_move_message      (CasellaStore        *self,
                                                     gint64               message_id,
                                                     gint64               folder_id,
                                                     guint32              uid,
                                                     GError             **error);
gboolean            casella_store_set_uid           (CasellaStore        *self,
                                                     gint64               message_id,
                                                     guint32              uid,
                                                     GError             **error);
gboolean            casella_store_delete_message    (CasellaStore        *self,
                                                     gint64               message_id,
                                                     GError             **error);
gboolean            casella_store_delete_uids       (CasellaStore        *self,
                                                     gint64               folder_id,
                                                     const guint32       *uids,
                                                     guint                n_uids,
                                                     GError             **error);
/* What a body says for the list and the index, read once (parsing is
 * the slow part: do it before taking the write lock). */
typedef struct {
  char     *text;            /* the readable text, for the index */
  char     *preview;
  gboolean  has_attachment;
  gboolean  parsed;          /* FALSE: not MIME, the fields are empty */
  /* From a certified mail provider (used only on a PEC store): */
  CasellaPec         *pec;
  struct _CasellaMessageInfo *pec_inner;   /* the message in the envelope */
  char               *pec_text;
  char               *pec_preview;
  gboolean            pec_has_attachment;
} CasellaBodyFacts;

void                casella_body_facts_read         (GBytes              *raw,
                                                     CasellaBodyFacts    *facts);
void                casella_body_facts_clear        (CasellaBodyFacts    *facts);

/* The body, whole (RFC 5322), stored with the row in one transaction;
 * the preview, attachment mark and search text come from it. */
gboolean            casella_store_set_body          (CasellaStore        *self,
                                                     gint64               message_id,
                                                     GBytes              *raw,
                                                     GError             **error);
/* The same with facts already read from raw. */
gboolean            casella_store_set_body_read     (CasellaStore        *self,
                                                     gint64               message_id,
                                                     GBytes              *raw,
                                                     const CasellaBodyFacts *facts,
                                                     GError             **error);
/* A new message with its body (see casella_store_add_message). */
gint64              casella_store_add_message_whole (CasellaStore        *self,
                                                     const CasellaMessageInfo *info,
                                                     GBytes              *raw,
                                                     const CasellaBodyFacts *facts,
                                                     GError             **error);
/* Mail that lives only here: waiting to be sent, drafts and changes not
 * on the server; with all_here (POP3, whose server may delete what it
 * gave), every message. */
typedef struct {
  guint unsent;
  guint drafts;
  guint other;
} CasellaLocalMail;

gboolean            casella_store_count_local       (CasellaStore        *self,
                                                     gboolean             all_here,
                                                     CasellaLocalMail    *counts,
                                                     GError             **error);
GBytes             *casella_store_get_body          (CasellaStore        *self,
                                                     gint64               message_id,
                                                     GError             **error);
/* UIDs of messages without a body, newest first, up to budget bytes. */
GArray             *casella_store_list_missing_bodies (CasellaStore      *self,
                                                     gint64               folder_id,
                                                     guint64              budget,
                                                     GError             **error);

/* ---- certified mail (PEC) ---- */
/* Whether the account is PEC: its envelopes then show the message
 * inside and its receipts become the status of what was sent (hidden
 * from the lists unless show_receipts). Changing it reads again the mail
 * already here. */
gboolean            casella_store_set_pec_mode      (CasellaStore        *self,
                                                     gboolean             pec,
                                                     gboolean             show_receipts,
                                                     GError             **error);
gboolean            casella_store_get_pec_mode      (CasellaStore        *self);
gboolean            casella_store_get_pec_receipts_shown (CasellaStore   *self);
/* Whether the lists leave PEC receipts out now. */
gboolean            casella_store_hides_receipts    (CasellaStore        *self);
/* What the provider said the message is (NONE: not PEC, or not known). */
CasellaPecKind      casella_store_get_pec_kind      (CasellaStore        *self,
                                                     gint64               message_id);
/* The receipts about a message sent from here (CasellaPecReceipt), by time. */
GPtrArray          *casella_store_list_pec_receipts (CasellaStore        *self,
                                                     gint64               message_id,
                                                     GError             **error);
/* Where a sent message got to, recipient by recipient. */
CasellaPecStatus   *casella_store_get_pec_status    (CasellaStore        *self,
                                                     gint64               message_id,
                                                     GError             **error);

/* The proof of a sent PEC message: the message and each receipt about
 * it, byte for byte as they came (CasellaPecProofFile, the message
 * first, receipts by time); missing: receipts whose body is not here. */
typedef struct {
  char   *name;       /* "02-accettazione.eml" */
  GBytes *data;
} CasellaPecProofFile;

GPtrArray          *casella_store_get_pec_proof     (CasellaStore        *self,
                                                     gint64               message_id,
                                                     guint               *missing,
                                                     GError             **error);
void                casella_pec_proof_file_free     (CasellaPecProofFile *file);
/* Writes the files and summary.txt into dir (made if need be), each
 * whole or not at all; never over a file already there. */
gboolean            casella_pec_proof_write         (GPtrArray           *files,
                                                     const char          *summary,
                                                     const char          *dir,
                                                     GError             **error);

/* Conversations: a folder's, each by its newest message there, newest
 * first, leaving out skip's ids (gint64 keys; NULL: none; threads:
 * each row's, or NULL), the first limit of them (0: all; more: whether
 * there are others); what their rows show (thread →
 * CasellaThreadSummary, over every folder but the bin and junk, and
 * folder_id's own); one conversation's messages oldest first (a copy in
 * two folders once, this folder's); the ids of some conversations'
 * messages in a folder (to move them all). */
GArray             *casella_store_list_conversation_ids (CasellaStore   *self,
                                                     gint64               folder_id,
                                                     GHashTable          *skip,
                                                     GArray             **threads,
                                                     guint                limit,
                                                     gboolean            *more,
                                                     GError             **error);
GHashTable         *casella_store_get_thread_summaries (CasellaStore    *self,
                                                     const gint64        *threads,
                                                     guint                n_threads,
                                                     gint64               folder_id,
                                                     GError             **error);
GPtrArray          *casella_store_list_thread       (CasellaStore        *self,
                                                     gint64               thread,
                                                     gint64               folder_id,
                                                     GError             **error);
GArray             *casella_store_list_thread_ids   (CasellaStore        *self,
                                                     gint64               folder_id,
                                                     const gint64        *threads,
                                                     guint                n_threads,
                                                     GError             **error);
/* Places the mail of a store from before conversations, once. */
gboolean            casella_store_build_threads     (CasellaStore        *self,
                                                     GError             **error);
/* The ids in an In-Reply-To or References header, without brackets. */
GPtrArray          *casella_store_header_ids        (const char          *text);
/* "Re: R: Cena" → "Cena"; NULL when the subject has no such prefix. */
char               *casella_store_thread_subject    (const char          *subject);
void                casella_thread_summary_free     (CasellaThreadSummary *summary);

CasellaMessageInfo *casella_message_info_copy       (const CasellaMessageInfo *info);
void                casella_message_info_free       (CasellaMessageInfo  *info);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CasellaStoreRebuildReport, casella_store_rebuild_report_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CasellaBodyFacts, casella_body_facts_clear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaStoreFolder, casella_store_folder_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaMessageInfo, casella_message_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaThreadSummary, casella_thread_summary_free)

G_END_DECLS
