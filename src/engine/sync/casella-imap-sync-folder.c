/* casella-imap-sync-folder.c — one folder: what changed on the server
 * since last time, then what is new, then bodies
 *
 * Changes: with QRESYNC the SELECT itself says what vanished and which
 * flags changed; with CONDSTORE a FETCH CHANGEDSINCE gives the flags and
 * a UID SEARCH the expunges; without either, all flags and a UID SEARCH.
 * New messages come newest first, a batch per transaction, written once
 * the batch has arrived: no transaction waits on the network.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-address.h"
#include "casella-gmime.h"
#include "casella-imap-sync-private.h"
#include "casella-store-queue.h"

#define BODY_CHUNK 100

/* ---- a FETCH into a row ---- */

static char *
decode_text (const char *text)
{
  return text ? g_mime_utils_header_decode_text (NULL, text) : NULL;
}

static char *
address_display (const CasellaImapAddressList *list)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < list->n; i++)
    {
      g_autofree char *name = decode_text (list->items[i].name);
      const char *address = list->items[i].address;

      if (address == NULL && name == NULL)
        continue;   /* the end of an RFC 5322 group */
      casella_address_append_shown (out, name, address);
    }
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

static gint64
envelope_date (const CasellaImapFetch *fetch)
{
  g_autoptr(GDateTime) date = NULL;

  if (fetch->envelope != NULL && fetch->envelope->date != NULL)
    date = g_mime_utils_header_decode_date (fetch->envelope->date);
  if (date != NULL)
    return g_date_time_to_unix (date);
  return fetch->internaldate;
}

/* "References: <a>\r\n <b>" (folded) as "<a> <b>", as a whole
 * message's header is read (casella_message_info_from_header). */
static char *
references_of (const CasellaImapFetch *fetch)
{
  GBytes *header = casella_imap_fetch_get_section (fetch, "BODY[HEADER.FIELDS (REFERENCES)]");
  g_autoptr(CasellaMessageInfo) info = NULL;

  if (header == NULL)
    return NULL;
  info = casella_message_info_from_header (g_bytes_get_data (header, NULL), g_bytes_get_size (header));
  return g_steal_pointer (&info->references);
}

static char *
strip_angles (const char *id)
{
  return id ? g_mime_utils_decode_message_id (id) : NULL;
}

static CasellaMessageInfo *
info_from_fetch (const CasellaImapFetch *fetch,
                 gint64                  folder_id)
{
  CasellaMessageInfo *info = g_new0 (CasellaMessageInfo, 1);
  const CasellaImapEnvelope *envelope = fetch->envelope;

  info->folder_id = folder_id;
  info->uid = fetch->uid;
  info->flags = fetch->flags & CASELLA_MESSAGE_SERVER_FLAGS;
  info->size = fetch->size;
  info->modseq = fetch->modseq;
  info->date = envelope_date (fetch);
  info->has_attachment = fetch->body != NULL && casella_imap_body_has_attachment (fetch->body);
  info->references = references_of (fetch);
  info->gm_thread = fetch->gm_thrid;
  if (envelope == NULL)
    return info;
  info->subject = decode_text (envelope->subject);
  if (envelope->from.n > 0)
    {
      info->from_name = decode_text (envelope->from.items[0].name);
      info->from_address = g_strdup (envelope->from.items[0].address);
    }
  info->to = address_display (&envelope->to);
  info->cc = address_display (&envelope->cc);
  info->message_id = strip_angles (envelope->message_id);
  info->in_reply_to = g_strdup (envelope->in_reply_to);
  return info;
}

/* ---- what a FETCH brings, written after it, never during ---- */

/* The replies are gathered while the FETCH runs and handed, when it ends
 * (or when a lot has come), to a writer thread that writes them in one
 * short transaction while the next FETCH is already on the wire. The
 * store's write lock is never held while the network is waited on, so
 * the window's own writes never wait behind a slow server; and the sync's
 * thread touches the store only once the writer has ended. */
#define FLUSH_BYTES (8 * 1024 * 1024)

typedef struct _Batch Batch;
typedef gboolean (*BatchWrite) (Batch *batch, gpointer item, GError **error);

struct _Batch {
  CasellaImapSync *self;
  gint64           folder_id;
  BatchWrite       write;
  GDestroyNotify   item_free;
  GPtrArray       *pending;   /* gathered on the sync's thread */
  gsize            pending_bytes;
  GThread         *writer;
  GPtrArray       *writing;   /* the writer's, until it is joined */
  GError          *writing_error;
  GError          *error;     /* the store's: nothing more is written */
  guint            count;
  guint64          bytes;
  /* progress: what is reached once the batch under way is written */
  const char      *path;
  const char      *stage;
  guint            done;
  guint            writing_done;
  guint            reported;
  guint            total;
};

static void
batch_init (Batch           *batch,
            CasellaImapSync *self,
            gint64           folder_id,
            BatchWrite       write,
            GDestroyNotify   item_free)
{
  *batch = (Batch) { .self = self, .folder_id = folder_id, .write = write, .item_free = item_free,
                     .pending = g_ptr_array_new_with_free_func (item_free) };
}

static gpointer
batch_write_thread (gpointer data)
{
  Batch *batch = data;
  CasellaStore *store = batch->self->store;

  if (casella_store_begin_bulk (store, &batch->writing_error))
    {
      /* A folder deleted here meanwhile takes nothing more: the rest of
       * its FETCH goes by unwritten. */
      g_autoptr(CasellaStoreFolder) folder = casella_store_get_folder (store, batch->folder_id);

      for (guint i = 0; folder != NULL && i < batch->writing->len && batch->writing_error == NULL; i++)
        batch->write (batch, batch->writing->pdata[i], &batch->writing_error);
      if (batch->writing_error != NULL || !casella_store_commit (store, &batch->writing_error))
        casella_store_rollback (store);
    }
  return NULL;
}

static void
batch_report (Batch *batch,
              guint  done)
{
  if (batch->stage == NULL || done <= batch->reported)
    return;
  batch->reported = done;
  casella_imap_sync_progress (batch->self, batch->path, batch->stage, done, batch->total);
}

/* Joins the writer; FALSE with the store's error (kept for later calls).
 * Only the sync's thread reads or sets batch->error. */
static gboolean
batch_wait (Batch   *batch,
            GError **error)
{
  if (batch->writer != NULL)
    {
      g_thread_join (g_steal_pointer (&batch->writer));
      g_clear_pointer (&batch->writing, g_ptr_array_unref);
      batch->error = g_steal_pointer (&batch->writing_error);
      if (batch->error == NULL)
        batch_report (batch, batch->writing_done);
    }
  if (batch->error != NULL)
    {
      if (error != NULL)
        *error = g_error_copy (batch->error);
      return FALSE;
    }
  return TRUE;
}

/* Hands what was gathered to the writer, once the previous write ended. */
static void
batch_flush (Batch *batch)
{
  if (!batch_wait (batch, NULL) || batch->pending->len == 0)
    {
      g_ptr_array_set_size (batch->pending, 0);
      batch->pending_bytes = 0;
      return;
    }
  batch->writing = g_steal_pointer (&batch->pending);
  batch->writing_done = batch->done;
  batch->pending = g_ptr_array_new_with_free_func (batch->item_free);
  batch->pending_bytes = 0;
  batch->writer = g_thread_new ("casella-sync-write", batch_write_thread, batch);
}

/* Waits for the last write; after a failed FETCH (ok FALSE, error set
 * already) nothing more is said. */
static gboolean
batch_finish (Batch     *batch,
              gboolean   ok,
              GError   **error)
{
  ok = batch_wait (batch, ok ? error : NULL) && ok;
  if (ok)
    batch_report (batch, batch->done);
  g_clear_pointer (&batch->pending, g_ptr_array_unref);
  g_clear_error (&batch->error);
  return ok;
}

static void
batch_add (Batch    *batch,
           gpointer  item,
           gsize     size)
{
  g_ptr_array_add (batch->pending, item);
  batch->pending_bytes += size;
  if (batch->pending_bytes >= FLUSH_BYTES)
    batch_flush (batch);
}

/* ---- flags ---- */

typedef struct {
  guint32 uid;
  guint32 flags;
  guint64 modseq;
} FlagsItem;

static gboolean
write_flags (Batch     *batch,
             gpointer   item,
             GError   **error)
{
  FlagsItem *f = item;

  return casella_store_update_server_flags (batch->self->store, batch->folder_id, f->uid, f->flags, f->modseq,
                                            error);
}

static void
on_flags (CasellaImapFetch *fetch,
          gpointer          user_data)
{
  Batch *batch = user_data;
  FlagsItem *item;

  if (!fetch->has_flags)
    return;
  item = g_new (FlagsItem, 1);
  *item = (FlagsItem) { fetch->uid, fetch->flags & CASELLA_MESSAGE_SERVER_FLAGS, fetch->modseq };
  batch_add (batch, item, sizeof *item);
}

/* After the FETCHes: the store's error first (the writer waited for),
 * else the FETCH's (taken); what arrived complete is kept either way. */
static gboolean
fetch_outcome (Batch   *batch,
               GError  *fetch_error,
               GError **error)
{
  if (fetch_error == NULL && batch->error == NULL)
    return TRUE;
  if (!batch_wait (batch, error))
    {
      g_clear_error (&fetch_error);
      return FALSE;
    }
  g_propagate_error (error, fetch_error);
  return FALSE;
}

/* What arrived is handed to the writer, which may still be writing when
 * this returns; the store's error first, else the FETCH's. What arrived
 * complete is kept even when the rest did not come. */
static gboolean
fetch_into_store (CasellaImapSync       *self,
                  const char            *set,
                  const char            *items,
                  guint64                changed_since,
                  CasellaImapFetchFunc   func,
                  Batch                 *batch,
                  GCancellable          *cancellable,
                  GError               **error)
{
  g_auto(CasellaAwait) await = { 0 };
  GError *fetch_error = NULL;

  casella_await_init (&await);
  casella_imap_client_uid_fetch_async (self->client, set, items, changed_since, func, batch, cancellable,
                                       casella_await_done, &await);
  casella_imap_client_uid_fetch_finish (self->client, casella_await (&await), &fetch_error);
  batch_flush (batch);
  return fetch_outcome (batch, fetch_error, error);
}

/* Many FETCHes, FETCHES_IN_FLIGHT on the wire at once: the server
 * prepares the next while this one is read, parsed and handed to the
 * writer. Each is handed over as it ends, with its progress; every one
 * sent is waited for before returning, whatever failed. */
#define FETCHES_IN_FLIGHT 2
/* The first is short: the writer (and the window) start on the newest
 * messages while the next, full-sized FETCH is still coming. */
#define FIRST_FETCH 50

typedef struct {
  CasellaAwait await;
  guint        done;   /* progress once it has come */
} Flight;

static gboolean
fetch_all_into_store (CasellaImapSync       *self,
                      const guint32         *uids,
                      guint                  n_uids,
                      guint                  chunk,
                      const char            *items,
                      CasellaImapFetchFunc   func,
                      Batch                 *batch,
                      GCancellable          *cancellable,
                      GError               **error)
{
  Flight flights[FETCHES_IN_FLIGHT];
  guint next = 0, head = 0, flying = 0;
  GError *fetch_error = NULL;

  for (guint i = 0; i < FETCHES_IN_FLIGHT; i++)
    casella_await_init (&flights[i].await);
  for (;;)
    {
      Flight *landed;
      GError *local = NULL;

      while (fetch_error == NULL && batch->error == NULL && next < n_uids && flying < FETCHES_IN_FLIGHT)
        {
          Flight *flight = &flights[(head + flying++) % FETCHES_IN_FLIGHT];
          guint n = MIN (next == 0 ? MIN (chunk, FIRST_FETCH) : chunk, n_uids - next);
          g_autofree char *set = casella_imap_uid_set_from_array (uids + next, n);

          next += n;
          flight->done = next;
          casella_imap_client_uid_fetch_async (self->client, set, items, 0, func, batch, cancellable,
                                               casella_await_done, &flight->await);
        }
      if (flying == 0)
        break;
      landed = &flights[head];
      head = (head + 1) % FETCHES_IN_FLIGHT;
      flying--;
      casella_imap_client_uid_fetch_finish (self->client, casella_await (&landed->await), &local);
      g_clear_object (&landed->await.result);
      if (local != NULL && fetch_error == NULL)
        fetch_error = local;
      else
        g_clear_error (&local);
      if (fetch_error == NULL)
        batch->done = landed->done;
      batch_flush (batch);   /* what arrived complete is kept */
    }
  for (guint i = 0; i < FETCHES_IN_FLIGHT; i++)
    casella_await_clear (&flights[i].await);
  return fetch_outcome (batch, fetch_error, error);
}

static gboolean
refresh_flags (CasellaImapSync           *self,
               const CasellaStoreFolder  *folder,
               const char                *set,
               guint64                    changed_since,
               GCancellable              *cancellable,
               GError                   **error)
{
  Batch batch;
  gboolean ok;

  batch_init (&batch, self, folder->id, write_flags, g_free);
  ok = fetch_into_store (self, set, self->condstore ? "(UID FLAGS MODSEQ)" : "(UID FLAGS)", changed_since,
                         on_flags, &batch, cancellable, error);
  return batch_finish (&batch, ok, error);
}

/* QRESYNC: the SELECT already carried what vanished and what changed. */
static gboolean
apply_qresync (CasellaImapSync              *self,
               const CasellaStoreFolder     *folder,
               const CasellaImapSelectInfo  *info,
               GError                      **error)
{
  g_autoptr(GArray) vanished = casella_imap_uid_set_parse (info->vanished);
  g_autoptr(GArray) local = NULL;
  g_autoptr(GArray) gone = g_array_new (FALSE, FALSE, sizeof (guint32));

  if (vanished != NULL)
    {
      local = casella_store_list_uids (self->store, folder->id, error);
      if (local == NULL)
        return FALSE;
      for (guint i = 0; i < local->len; i++)
        if (casella_imap_uid_ranges_contain (vanished, g_array_index (local, guint32, i)))
          g_array_append_val (gone, g_array_index (local, guint32, i));
      if (!casella_store_delete_uids (self->store, folder->id, (guint32 *) gone->data, gone->len, error))
        return FALSE;
    }
  for (guint i = 0; info->changed && i < info->changed->len; i++)
    {
      CasellaImapFetch *fetch = info->changed->pdata[i];
      if (fetch->has_flags &&
          !casella_store_update_server_flags (self->store, folder->id, fetch->uid,
                                              fetch->flags & CASELLA_MESSAGE_SERVER_FLAGS, fetch->modseq, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- new and gone ---- */

static GArray *
server_uids (CasellaImapSync  *self,
             GCancellable     *cancellable,
             GError          **error)
{
  g_auto(CasellaAwait) await = { 0 };

  casella_await_init (&await);
  casella_imap_client_uid_search_async (self->client, "ALL", cancellable, casella_await_done, &await);
  return casella_imap_client_uid_search_finish (self->client, casella_await (&await), error);
}

static int
compare_uids_descending (gconstpointer a,
                         gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x > y ? -1 : x < y;
}

/* Both sorted ascending: what only one side has. */
static void
diff_uids (GArray *server,
           GArray *local,
           GArray *missing,
           GArray *gone)
{
  guint s = 0, l = 0;

  while (s < server->len || l < local->len)
    {
      guint32 a = s < server->len ? g_array_index (server, guint32, s) : G_MAXUINT32;
      guint32 b = l < local->len ? g_array_index (local, guint32, l) : G_MAXUINT32;

      if (s < server->len && (l >= local->len || a < b))
        g_array_append_val (missing, a), s++;
      else if (l < local->len && (s >= server->len || b < a))
        g_array_append_val (gone, b), l++;
      else
        s++, l++;
    }
}

static int
compare_uids (gconstpointer a,
              gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

/* Messages moved from this folder here, the server not told yet: it
 * still has them in this folder, and they are not to be fetched back
 * into it. */
static gboolean
drop_moved_away (CasellaImapSync  *self,
                 gint64            folder_id,
                 GArray           *missing,
                 GError          **error)
{
  g_autoptr(GPtrArray) ops = casella_store_list_ops (self->store, error);
  g_autoptr(GHashTable) moved = g_hash_table_new (NULL, NULL);

  if (ops == NULL)
    return FALSE;
  for (guint i = 0; i < ops->len; i++)
    {
      gint64 from = 0;
      guint32 uid = 0;

      if (casella_pending_op_moved_from (ops->pdata[i], &from, &uid) && from == folder_id && uid != 0)
        g_hash_table_add (moved, GUINT_TO_POINTER (uid));
    }
  for (guint i = 0; g_hash_table_size (moved) > 0 && i < missing->len; i++)
    if (g_hash_table_contains (moved, GUINT_TO_POINTER (g_array_index (missing, guint32, i))))
      g_array_remove_index (missing, i--);
  return TRUE;
}

static gboolean
find_new_and_gone (CasellaImapSync           *self,
                   const CasellaStoreFolder  *folder,
                   GArray                    *missing,
                   GCancellable              *cancellable,
                   GError                   **error)
{
  g_autoptr(GArray) server = server_uids (self, cancellable, error);
  g_autoptr(GArray) local = server ? casella_store_list_uids (self->store, folder->id, error) : NULL;
  g_autoptr(GArray) gone = g_array_new (FALSE, FALSE, sizeof (guint32));

  if (local == NULL)
    return FALSE;
  g_array_sort (server, compare_uids);
  diff_uids (server, local, missing, gone);
  if (!drop_moved_away (self, folder->id, missing, error))
    return FALSE;
  g_array_sort (missing, compare_uids_descending);
  return casella_store_delete_uids (self->store, folder->id, (guint32 *) gone->data, gone->len, error);
}

static gboolean
write_header (Batch     *batch,
              gpointer   item,
              GError   **error)
{
  if (casella_store_add_message (batch->self->store, item, error) == 0)
    return FALSE;
  batch->count++;
  return TRUE;
}

static void
on_header (CasellaImapFetch *fetch,
           gpointer          user_data)
{
  Batch *batch = user_data;

  /* No row without its envelope: it would stay blank for good. */
  if (fetch->envelope == NULL)
    return;
  batch_add (batch, info_from_fetch (fetch, batch->folder_id), 512);
}

/* Everything is wanted here: each message comes whole with its
 * headers, in one pass, and is written once. */
typedef struct {
  CasellaMessageInfo *info;
  GBytes             *raw;
  CasellaBodyFacts    facts;
} WholeItem;

static void
whole_item_free (WholeItem *item)
{
  casella_message_info_free (item->info);
  g_bytes_unref (item->raw);
  casella_body_facts_clear (&item->facts);
  g_free (item);
}

static gboolean
write_whole (Batch     *batch,
             gpointer   data,
             GError   **error)
{
  WholeItem *item = data;

  if (casella_store_add_message_whole (batch->self->store, item->info, item->raw, &item->facts, error) == 0)
    return FALSE;
  batch->count++;
  batch->bytes += g_bytes_get_size (item->raw);
  return TRUE;
}

/* A whole message's row: its own header says what an ENVELOPE would. */
static CasellaMessageInfo *
info_from_whole (const CasellaImapFetch *fetch,
                 GBytes                 *raw,
                 gint64                  folder_id)
{
  gsize size;
  const char *data = g_bytes_get_data (raw, &size);
  CasellaMessageInfo *info = casella_message_info_from_header (data, size);

  info->folder_id = folder_id;
  info->uid = fetch->uid;
  info->flags = fetch->flags & CASELLA_MESSAGE_SERVER_FLAGS;
  info->modseq = fetch->modseq;
  info->gm_thread = fetch->gm_thrid;
  if (info->date == 0)
    info->date = fetch->internaldate;
  return info;
}

/* Read as it arrives, on the sync's thread, before any lock is taken. */
static void
on_whole (CasellaImapFetch *fetch,
          gpointer          user_data)
{
  Batch *batch = user_data;
  GBytes *raw = casella_imap_fetch_get_section (fetch, "BODY[]");
  WholeItem *item;

  if (raw == NULL)
    return;
  item = g_new0 (WholeItem, 1);
  item->info = info_from_whole (fetch, raw, batch->folder_id);
  item->raw = g_bytes_ref (raw);
  casella_body_facts_read (raw, &item->facts);
  batch_add (batch, item, g_bytes_get_size (raw));
}

static gboolean
wants_whole (CasellaImapSync          *self,
             const CasellaStoreFolder *folder)
{
  return self->body_budget == CASELLA_SYNC_BODIES_ALL && casella_imap_sync_keeps_offline (self, folder->path);
}

/* With the whole message coming, its header and structure are read here
 * (the row from its header, the body facts say whether it has
 * attachments): no ENVELOPE, BODYSTRUCTURE or size for the server to
 * make and send. Building the ENVELOPEs was about a third of Dovecot's
 * work in a full sync, on a machine whose two cores it shares with us. */
static char *
header_items (CasellaImapSync          *self,
              const CasellaStoreFolder *folder)
{
  const char *modseq = self->condstore ? " MODSEQ" : "", *thread = self->gmail ? " X-GM-THRID" : "";

  if (wants_whole (self, folder))
    return g_strdup_printf ("(UID FLAGS INTERNALDATE%s%s BODY.PEEK[])", modseq, thread);
  return g_strdup_printf ("(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE%s%s"
                          " BODY.PEEK[HEADER.FIELDS (REFERENCES)])", modseq, thread);
}

/* uids newest first, in FETCHes of batch_size; each is written (and
 * reported) while the next ones are on the wire. */
gboolean
casella_imap_sync_fetch_headers (CasellaImapSync           *self,
                                 const CasellaStoreFolder  *folder,
                                 GArray                    *uids,
                                 GCancellable              *cancellable,
                                 GError                   **error)
{
  g_autofree char *items = header_items (self, folder);
  gboolean ok = TRUE;
  Batch batch;

  if (wants_whole (self, folder))
    batch_init (&batch, self, folder->id, write_whole, (GDestroyNotify) whole_item_free);
  else
    batch_init (&batch, self, folder->id, write_header, (GDestroyNotify) casella_message_info_free);
  batch.path = folder->path;
  batch.stage = "headers";
  batch.total = uids->len;
  ok = fetch_all_into_store (self, (guint32 *) uids->data, uids->len, self->batch_size, items,
                             wants_whole (self, folder) ? on_whole : on_header, &batch, cancellable, error);
  return batch_finish (&batch, ok, error);
}

/* ---- the folder ---- */

static gboolean
sync_changes (CasellaImapSync              *self,
              CasellaStoreFolder           *folder,
              const CasellaImapSelectInfo  *info,
              gboolean                      qresync_used,
              GCancellable                 *cancellable,
              GError                      **error)
{
  guint32 max_uid = casella_store_get_max_uid (self->store, folder->id);
  g_autofree char *all = g_strdup_printf ("1:%u", max_uid);

  if (qresync_used)
    return apply_qresync (self, folder, info, error);
  if (self->condstore && folder->highestmodseq != 0 && !info->nomodseq)
    return refresh_flags (self, folder, "1:*", folder->highestmodseq, cancellable, error);
  if (max_uid == 0)
    return TRUE;
  return refresh_flags (self, folder, all, 0, cancellable, error);
}

static gboolean
save_state (CasellaImapSync              *self,
            CasellaStoreFolder           *folder,
            const CasellaImapSelectInfo  *info,
            GError                      **error)
{
  folder->uidvalidity = info->uidvalidity;
  folder->uidnext = info->uidnext;
  folder->highestmodseq = info->nomodseq ? 0 : info->highestmodseq;
  /* By id, not as the whole folder it was when the sync began: renamed or
   * deleted here meanwhile, it stays so. */
  return casella_store_set_folder_state (self->store, folder->id, folder->uidvalidity, folder->uidnext,
                                         folder->highestmodseq, error) &&
         casella_store_update_counts (self->store, folder->id, error);
}

gboolean
casella_imap_sync_folder_headers (CasellaImapSync     *self,
                                  CasellaStoreFolder  *folder,
                                  GCancellable        *cancellable,
                                  GError             **error)
{
  g_autoptr(CasellaImapSelectInfo) info = casella_imap_sync_select (self, folder, TRUE, cancellable, error);
  g_autoptr(GArray) missing = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) local = NULL;
  g_autoptr(CasellaStoreFolder) still = NULL;
  gboolean qresync_used;

  if (info == NULL)
    return FALSE;
  /* Deleted here while it was being selected: nothing to bring. */
  if ((still = casella_store_get_folder (self->store, folder->id)) == NULL)
    return TRUE;
  /* A new UIDVALIDITY: every UID we have means another message now. */
  if (folder->uidvalidity != 0 && info->uidvalidity != folder->uidvalidity)
    {
      if (!casella_store_reset_folder (self->store, folder->id, info->uidvalidity, error))
        return FALSE;
      folder->highestmodseq = 0;
    }
  qresync_used = self->qresync && folder->uidvalidity == info->uidvalidity && folder->highestmodseq != 0;
  if (!sync_changes (self, folder, info, qresync_used, cancellable, error))
    return FALSE;

  local = casella_store_list_uids (self->store, folder->id, error);
  if (local == NULL)
    return FALSE;
  /* After QRESYNC, as many messages here as there: nothing new or gone. */
  if (!(qresync_used && local->len == info->exists) &&
      !find_new_and_gone (self, folder, missing, cancellable, error))
    return FALSE;
  g_debug ("Sync %s: %u on the server, %u here, %u to fetch%s", folder->path, info->exists, local->len,
           missing->len, qresync_used ? " (QRESYNC)" : "");
  if (!casella_imap_sync_fetch_headers (self, folder, missing, cancellable, error) ||
      !save_state (self, folder, info, error))
    return FALSE;
  g_signal_emit (self, casella_imap_sync_signals[SIGNAL_FOLDER_SYNCED], 0, folder->id);
  return TRUE;
}

/* ---- bodies ---- */

typedef struct {
  guint32           uid;
  GBytes           *raw;
  CasellaBodyFacts  facts;
} BodyItem;

static void
body_item_free (BodyItem *item)
{
  g_bytes_unref (item->raw);
  casella_body_facts_clear (&item->facts);
  g_free (item);
}

static gboolean
write_body (Batch     *batch,
            gpointer   item,
            GError   **error)
{
  BodyItem *body = item;
  g_autoptr(CasellaMessageInfo) info = casella_store_find_message (batch->self->store, batch->folder_id, body->uid);

  if (info == NULL)
    return TRUE;   /* deleted here meanwhile */
  if (!casella_store_set_body_read (batch->self->store, info->id, body->raw, &body->facts, error))
    return FALSE;
  batch->count++;
  batch->bytes += g_bytes_get_size (body->raw);
  return TRUE;
}

static void
on_body (CasellaImapFetch *fetch,
         gpointer          user_data)
{
  Batch *batch = user_data;
  GBytes *raw = casella_imap_fetch_get_section (fetch, "BODY[]");
  BodyItem *item;

  if (raw == NULL)
    return;
  item = g_new0 (BodyItem, 1);
  item->uid = fetch->uid;
  item->raw = g_bytes_ref (raw);
  casella_body_facts_read (raw, &item->facts);
  batch_add (batch, item, g_bytes_get_size (raw));
}

static gboolean
fetch_bodies_counted (CasellaImapSync           *self,
                      const CasellaStoreFolder  *folder,
                      const guint32             *uids,
                      guint                      n_uids,
                      guint64                   *bytes,
                      GCancellable              *cancellable,
                      GError                   **error)
{
  gboolean ok;
  Batch batch;

  batch_init (&batch, self, folder->id, write_body, (GDestroyNotify) body_item_free);
  batch.path = folder->path;
  batch.stage = "bodies";
  batch.total = n_uids;
  ok = fetch_all_into_store (self, uids, n_uids, BODY_CHUNK, "(UID BODY.PEEK[])", on_body, &batch, cancellable,
                             error);
  ok = batch_finish (&batch, ok, error);
  *bytes += batch.bytes;
  return ok;
}

gboolean
casella_imap_sync_fetch_bodies (CasellaImapSync           *self,
                                const CasellaStoreFolder  *folder,
                                const guint32             *uids,
                                guint                      n_uids,
                                GCancellable              *cancellable,
                                GError                   **error)
{
  guint64 bytes = 0;

  return fetch_bodies_counted (self, folder, uids, n_uids, &bytes, cancellable, error);
}

gboolean
casella_imap_sync_folder_bodies (CasellaImapSync     *self,
                                 CasellaStoreFolder  *folder,
                                 guint64             *budget,
                                 GCancellable        *cancellable,
                                 GError             **error)
{
  g_autoptr(GArray) missing = NULL;
  g_autoptr(CasellaImapSelectInfo) info = NULL;
  guint64 bytes = 0;
  gboolean ok;

  if (!casella_imap_sync_keeps_offline (self, folder->path))
    return TRUE;
  missing = casella_store_list_missing_bodies (self->store, folder->id, *budget, error);
  if (missing == NULL)
    return FALSE;
  if (missing->len == 0)
    return TRUE;
  if (g_strcmp0 (casella_imap_client_get_selected (self->client), folder->path) != 0)
    {
      info = casella_imap_sync_select (self, folder, FALSE, cancellable, error);
      if (info == NULL)
        return FALSE;
    }
  ok = fetch_bodies_counted (self, folder, (guint32 *) missing->data, missing->len, &bytes, cancellable, error);
  g_debug ("Sync %s: %u bodies, %" G_GUINT64_FORMAT " bytes", folder->path, missing->len, bytes);
  *budget = bytes >= *budget ? 0 : *budget - bytes;
  return ok;
}
