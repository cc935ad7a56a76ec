/* casella-store-messages.c — message rows, bodies and the search index
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-gmime.h"
#include "casella-message-text.h"
#include "casella-search-query.h"
#include "casella-store-queue.h"
#include "casella-store-private.h"


/* Rows fetched per statement when loading by id (the list's page size). */
#define ID_CHUNK 64

CasellaMessageInfo *
casella_message_info_copy (const CasellaMessageInfo *info)
{
  CasellaMessageInfo *copy = g_memdup2 (info, sizeof *info);

  copy->uidl = g_strdup (info->uidl);
  copy->from_name = g_strdup (info->from_name);
  copy->from_address = g_strdup (info->from_address);
  copy->to = g_strdup (info->to);
  copy->cc = g_strdup (info->cc);
  copy->subject = g_strdup (info->subject);
  copy->message_id = g_strdup (info->message_id);
  copy->in_reply_to = g_strdup (info->in_reply_to);
  copy->references = g_strdup (info->references);
  copy->preview = g_strdup (info->preview);
  return copy;
}

void
casella_message_info_free (CasellaMessageInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->uidl);
  g_free (info->from_name);
  g_free (info->from_address);
  g_free (info->to);
  g_free (info->cc);
  g_free (info->subject);
  g_free (info->message_id);
  g_free (info->in_reply_to);
  g_free (info->references);
  g_free (info->preview);
  g_free (info);
}

CasellaMessageInfo *
casella_store_message_from_row (sqlite3_stmt *statement)
{
  CasellaMessageInfo *info = g_new0 (CasellaMessageInfo, 1);

  info->id = sqlite3_column_int64 (statement, 0);
  info->folder_id = sqlite3_column_int64 (statement, 1);
  info->uid = (guint32) sqlite3_column_int64 (statement, 2);
  info->uidl = casella_store_column_text (statement, 3);
  info->flags = sqlite3_column_int (statement, 4);
  info->date = sqlite3_column_int64 (statement, 5);
  info->from_name = casella_store_column_text (statement, 6);
  info->from_address = casella_store_column_text (statement, 7);
  info->to = casella_store_column_text (statement, 8);
  info->cc = casella_store_column_text (statement, 9);
  info->subject = casella_store_column_text (statement, 10);
  info->message_id = casella_store_column_text (statement, 11);
  info->in_reply_to = casella_store_column_text (statement, 12);
  info->references = casella_store_column_text (statement, 13);
  info->size = (guint64) sqlite3_column_int64 (statement, 14);
  info->has_attachment = sqlite3_column_int (statement, 15);
  info->preview = casella_store_column_text (statement, 16);
  info->has_body = sqlite3_column_int (statement, 17);
  info->modseq = (guint64) sqlite3_column_int64 (statement, 18);
  return info;
}

static CasellaMessageInfo *
one_message (sqlite3_stmt *statement)
{
  CasellaMessageInfo *info = NULL;

  if (statement != NULL && sqlite3_step (statement) == SQLITE_ROW)
    {
      info = casella_store_message_from_row (statement);
      /* Asked for with its conversation (after the usual columns). */
      if (sqlite3_column_count (statement) > 19)
        info->thread = sqlite3_column_int64 (statement, 19);
    }
  if (statement != NULL)
    sqlite3_reset (statement);
  return info;
}

/* Names and addresses together, for finding mail by who sent it. */
static char *
search_addresses (const CasellaMessageInfo *info)
{
  return g_strjoin (" ", info->from_name ? info->from_name : "", info->from_address ? info->from_address : "",
                    info->to ? info->to : "", info->cc ? info->cc : "", NULL);
}

/* ---- the search index ---- */

typedef struct {
  gint64  rowid;
  gboolean is_new;
  char    *subject;
  char    *addresses;
  char    *body;   /* NULL: unchanged (a new row gets '') */
} IndexWrite;

void
casella_store_index_write_free (gpointer data)
{
  IndexWrite *write = data;

  g_free (write->subject);
  g_free (write->addresses);
  g_free (write->body);
  g_free (write);
}

static gboolean
index_now (CasellaStore      *self,
           const IndexWrite  *write,
           GError           **error)
{
  sqlite3_stmt *statement;

  if (write->is_new)
    {
      /* REPLACE: a row id used again after a delete never fails. */
      statement = casella_store_prepare (self,
        "INSERT OR REPLACE INTO search (rowid, subject, addresses, body) VALUES (?, ?, ?, ?)", error);
      if (statement == NULL)
        return FALSE;
      sqlite3_bind_int64 (statement, 1, write->rowid);
      casella_store_bind_text (statement, 2, write->subject);
      casella_store_bind_text (statement, 3, write->addresses);
      casella_store_bind_text (statement, 4, write->body ? write->body : "");
      return casella_store_run (self, statement, error);
    }
  if (write->body == NULL)
    return TRUE;
  statement = casella_store_prepare (self, "UPDATE search SET body = ? WHERE rowid = ?", error);
  if (statement == NULL)
    return FALSE;
  casella_store_bind_text (statement, 1, write->body);
  sqlite3_bind_int64 (statement, 2, write->rowid);
  return casella_store_run (self, statement, error);
}

gboolean
casella_store_index (CasellaStore  *self,
                     gint64         rowid,
                     gboolean       is_new,
                     const char    *subject,
                     const char    *addresses,
                     const char    *body,
                     GError       **error)
{
  IndexWrite *write;

  if (!self->bulk)
    {
      IndexWrite now = { rowid, is_new, (char *) subject, (char *) addresses, (char *) body };
      return index_now (self, &now, error);
    }
  write = g_hash_table_lookup (self->index_by_row, &rowid);
  if (write != NULL && !is_new)
    {
      g_free (write->body);
      write->body = g_strdup (body);
      return TRUE;
    }
  write = g_new0 (IndexWrite, 1);
  write->rowid = rowid;
  write->is_new = is_new;
  write->subject = g_strdup (subject);
  write->addresses = g_strdup (addresses);
  write->body = g_strdup (body);
  g_ptr_array_add (self->index_writes, write);
  g_hash_table_replace (self->index_by_row, &write->rowid, write);
  return TRUE;
}

gboolean
casella_store_index_flush (CasellaStore  *self,
                           GError       **error)
{
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < self->index_writes->len; i++)
    ok = index_now (self, self->index_writes->pdata[i], error);
  casella_store_index_forget (self);
  return ok;
}

void
casella_store_index_forget (CasellaStore *self)
{
  g_hash_table_remove_all (self->index_by_row);
  g_ptr_array_set_size (self->index_writes, 0);
}

static gboolean
index_message (CasellaStore              *self,
               gint64                     id,
               const CasellaMessageInfo  *info,
               const char                *body,
               GError                   **error)
{
  g_autofree char *addresses = search_addresses (info);

  return casella_store_index (self, id, TRUE, info->subject, addresses, body, error);
}

static void
bind_message (sqlite3_stmt             *statement,
              const CasellaMessageInfo *info)
{
  sqlite3_bind_int64 (statement, 1, info->folder_id);
  /* No UID yet (a message only here, or moved and not yet replayed). */
  if (info->uid == 0)
    sqlite3_bind_null (statement, 2);
  else
    sqlite3_bind_int64 (statement, 2, info->uid);
  casella_store_bind_text (statement, 3, info->uidl);
  sqlite3_bind_int (statement, 4, info->flags);
  sqlite3_bind_int64 (statement, 5, info->date);
  casella_store_bind_text (statement, 6, info->from_name);
  casella_store_bind_text (statement, 7, info->from_address);
  casella_store_bind_text (statement, 8, info->to);
  casella_store_bind_text (statement, 9, info->cc);
  casella_store_bind_text (statement, 10, info->subject);
  casella_store_bind_text (statement, 11, info->message_id);
  casella_store_bind_text (statement, 12, info->in_reply_to);
  casella_store_bind_text (statement, 13, info->references);
  sqlite3_bind_int64 (statement, 14, (gint64) info->size);
  sqlite3_bind_int (statement, 15, info->has_attachment);
  casella_store_bind_text (statement, 16, info->preview);
  sqlite3_bind_int64 (statement, 17, (gint64) info->modseq);
}

static gint64 insert_message (CasellaStore *self, const CasellaMessageInfo *info, const char *body,
                              gboolean *existed, GError **error);
static gboolean store_body_row (CasellaStore *self, gint64 message_id, GBytes *raw, GError **error);

/* A message already there (same folder and UID) is left as it is. */
gint64
casella_store_add_message (CasellaStore              *self,
                           const CasellaMessageInfo  *info,
                           GError                   **error)
{
  return insert_message (self, info, NULL, NULL, error);
}

/* Headers and body in one go (a sync that downloads everything): the
 * row, the body and the index entry are written once each. A message
 * already there keeps its row and gets the body if it lacked it. */
gint64
casella_store_add_message_whole (CasellaStore              *self,
                                 const CasellaMessageInfo  *info,
                                 GBytes                    *raw,
                                 const CasellaBodyFacts    *facts,
                                 GError                   **error)
{
  g_autoptr(CasellaMessageInfo) row = casella_message_info_copy (info);
  gboolean existed = FALSE;
  gint64 id;

  if (facts->parsed)
    {
      g_free (row->preview);
      row->preview = g_strdup (facts->preview);
      row->has_attachment = facts->has_attachment;
    }
  if (!casella_store_begin (self, error))
    return 0;
  id = insert_message (self, row, facts->text ? facts->text : "", &existed, error);
  if (id == 0 || (existed ? !casella_store_set_body_read (self, id, raw, facts, error)
                          : !store_body_row (self, id, raw, error) ||
                            !casella_store_pec_note_body (self, id, facts, error)))
    {
      casella_store_rollback (self);
      return 0;
    }
  return casella_store_commit (self, error) ? id : 0;
}

static gint64
insert_message (CasellaStore              *self,
                const CasellaMessageInfo  *info,
                const char                *body,
                gboolean                  *existed,
                GError                   **error)
{
  CasellaPecKind pec_kind;
  g_autoptr(CasellaMessageInfo) shown = casella_store_pec_headers (self, info, &pec_kind);
  const CasellaMessageInfo *envelope = info;
  sqlite3_stmt *statement;
  gint64 id = 0, thread;
  int rc;

  if (shown != NULL)
    info = shown;
  thread = casella_store_find_thread (self, info, 0, error);
  if (thread < 0)
    return 0;
  statement = casella_store_prepare (self,
    "INSERT INTO messages (folder_id, uid, uidl, flags, date, from_name, from_address, recipients, cc, subject,"
    " message_id, in_reply_to, refs, size, has_attachment, preview, modseq, has_body, thread, gm_thread)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (folder_id, uid) DO NOTHING", error);
  if (statement == NULL)
    return 0;
  bind_message (statement, info);
  sqlite3_bind_int (statement, 18, body != NULL);   /* a body comes with it */
  sqlite3_bind_int64 (statement, 19, thread);
  if (info->gm_thread != 0)
    sqlite3_bind_int64 (statement, 20, (gint64) info->gm_thread);
  else
    sqlite3_bind_null (statement, 20);
  /* Its id from the connection, not RETURNING: that makes SQLite open a
   * table of its own for every row (a fifth of the insert's time in a
   * sync). No row added: the same folder and UID were there. */
  rc = sqlite3_step (statement);
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      return 0;
    }
  if (sqlite3_changes (self->db) == 0)
    {
      g_autoptr(CasellaMessageInfo) existing = casella_store_find_message (self, info->folder_id, info->uid);

      if (existed != NULL)
        *existed = TRUE;
      return existing ? existing->id : 0;
    }
  id = sqlite3_last_insert_rowid (self->db);
  if (!index_message (self, id, info, body, error) || !casella_store_note_contacts (self, info, error) ||
      !casella_store_adopt_thread (self, id, info->message_id, thread, error) ||
      !casella_store_pec_note_headers (self, id, pec_kind, envelope, error))
    return 0;
  casella_store_mark_changed (self, info->folder_id);
  casella_store_emit_changes (self);
  return id;
}

CasellaMessageInfo *
casella_store_get_message (CasellaStore *self,
                           gint64        id)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT " MESSAGE_COLUMNS ", thread FROM messages WHERE id = ?", NULL);

  if (statement == NULL)
    return NULL;
  sqlite3_bind_int64 (statement, 1, id);
  return one_message (statement);
}

CasellaMessageInfo *
casella_store_find_message (CasellaStore *self,
                            gint64        folder_id,
                            guint32       uid)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT " MESSAGE_COLUMNS " FROM messages WHERE folder_id = ? AND uid = ?", NULL);

  if (statement == NULL)
    return NULL;
  sqlite3_bind_int64 (statement, 1, folder_id);
  sqlite3_bind_int64 (statement, 2, uid);
  return one_message (statement);
}

static gboolean
load_chunk (CasellaStore  *self,
            const gint64  *ids,
            guint          n,
            GHashTable    *found,
            GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT " MESSAGE_COLUMNS ", (SELECT kind FROM pec WHERE pec.message_id = messages.id), thread FROM messages"
    " WHERE id IN (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
    "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", error);
  int rc;

  G_STATIC_ASSERT (ID_CHUNK == 64);
  if (statement == NULL)
    return FALSE;
  for (guint i = 0; i < ID_CHUNK; i++)
    sqlite3_bind_int64 (statement, (int) i + 1, i < n ? ids[i] : -1);
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    {
      CasellaMessageInfo *info = casella_store_message_from_row (statement);

      info->pec_kind = (CasellaPecKind) sqlite3_column_int (statement, 19);
      info->thread = sqlite3_column_int64 (statement, 20);
      g_hash_table_insert (found, &info->id, info);
    }
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
casella_store_get_messages (CasellaStore  *self,
                            const gint64  *ids,
                            guint          n_ids,
                            GError       **error)
{
  g_autoptr(GHashTable) found = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                                       (GDestroyNotify) casella_message_info_free);
  GPtrArray *messages;

  for (guint i = 0; i < n_ids; i += ID_CHUNK)
    if (!load_chunk (self, ids + i, MIN (ID_CHUNK, n_ids - i), found, error))
      return NULL;
  messages = g_ptr_array_new_full (n_ids, (GDestroyNotify) casella_message_info_free);
  for (guint i = 0; i < n_ids; i++)
    {
      CasellaMessageInfo *info = g_hash_table_lookup (found, &ids[i]);
      if (info != NULL && g_hash_table_steal (found, &ids[i]))
        g_ptr_array_add (messages, info);
    }
  return messages;
}

/* Words as typed become an FTS5 query: each word must appear, the last
 * may be the start of a word (so results come while typing). */
static char *
fts_query (const char *text)
{
  g_auto(GStrv) words = g_strsplit_set (text, " \t\n", -1);
  GString *query = g_string_new (NULL);
  guint last = 0;

  for (guint i = 0; words[i]; i++)
    if (words[i][0])
      last = i;
  for (guint i = 0; words[i]; i++)
    {
      if (!words[i][0])
        continue;
      if (query->len > 0)
        g_string_append_c (query, ' ');
      g_string_append_c (query, '"');
      for (const char *p = words[i]; *p; p++)
        {
          if (*p == '"')
            g_string_append_c (query, '"');
          g_string_append_c (query, *p);
        }
      g_string_append_c (query, '"');
      if (i == last)
        g_string_append_c (query, '*');
    }
  return g_string_free (query, FALSE);
}

GArray *
casella_store_collect_ids (CasellaStore  *self,
             sqlite3_stmt  *statement,
             GError       **error)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (statement, 0);
      g_array_append_val (ids, id);
    }
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      g_array_unref (ids);
      return NULL;
    }
  return ids;
}

GArray *
casella_store_list_message_ids (CasellaStore  *self,
                                gint64         folder_id,
                                const char    *query,
                                GError       **error)
{
  if (query != NULL && query[0] != '\0')
    return casella_store_search (self, folder_id, query, error);
  return casella_store_list_newest_ids (self, folder_id, 0, NULL, error);
}

GArray *
casella_store_list_newest_ids (CasellaStore  *self,
                               gint64         folder_id,
                               guint          limit,
                               gboolean      *more,
                               GError       **error)
{
  sqlite3_stmt *statement = casella_store_hides_receipts (self)
    ? casella_store_prepare (self,
        "SELECT id FROM messages WHERE folder_id = ? AND (flags & 8) = 0"
        " AND id NOT IN (SELECT message_id FROM pec WHERE kind >= 3) ORDER BY date DESC, id DESC LIMIT ?", error)
    : casella_store_prepare (self,
        "SELECT id FROM messages WHERE folder_id = ? AND (flags & 8) = 0 ORDER BY date DESC, id DESC LIMIT ?", error);
  GArray *ids;

  if (more != NULL)
    *more = FALSE;
  if (statement == NULL)
    return NULL;
  sqlite3_bind_int64 (statement, 1, folder_id);
  /* One more than asked for tells whether there are more. */
  sqlite3_bind_int64 (statement, 2, limit == 0 ? -1 : (gint64) limit + 1);
  ids = casella_store_collect_ids (self, statement, error);
  if (ids != NULL && limit != 0 && ids->len > limit)
    {
      g_array_set_size (ids, limit);
      if (more != NULL)
        *more = TRUE;
    }
  return ids;
}

GArray *
casella_store_list_dates (CasellaStore  *self,
                          gint64         folder_id,
                          GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT id, date FROM messages WHERE folder_id = ? ORDER BY id", error);
  GArray *dates;
  int rc;

  if (statement == NULL)
    return NULL;
  dates = g_array_new (FALSE, FALSE, sizeof (CasellaIdDate));
  sqlite3_bind_int64 (statement, 1, folder_id);
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    {
      CasellaIdDate pair = { sqlite3_column_int64 (statement, 0), sqlite3_column_int64 (statement, 1) };
      g_array_append_val (dates, pair);
    }
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      g_array_unref (dates);
      return NULL;
    }
  return dates;
}

/* ---- search with operators ---- */

/* "%text%" for LIKE, its own % and _ taken literally. */
static char *
like_pattern (const char *text)
{
  GString *pattern = g_string_new ("%");

  for (const char *p = text; *p; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *p);
    }
  g_string_append_c (pattern, '%');
  return g_string_free (pattern, FALSE);
}

/* The words, and each subject word as a column filter. */
static char *
fts_match (const CasellaSearchQuery *query)
{
  g_autoptr(GString) match = g_string_new (NULL);

  for (guint i = 0; i < query->words->len; i++)
    {
      g_autofree char *part = fts_query (query->words->pdata[i]);
      g_string_append_printf (match, "%s%s", match->len ? " " : "", part);
    }
  for (guint i = 0; i < query->subject->len; i++)
    {
      g_auto(GStrv) words = g_strsplit_set (query->subject->pdata[i], " \t", -1);

      for (guint j = 0; words[j] != NULL; j++)
        {
          g_autofree char *part = words[j][0] ? fts_query (words[j]) : NULL;
          if (part != NULL)
            g_string_append_printf (match, "%ssubject : %s", match->len ? " " : "", part);
        }
    }
  return match->len > 0 ? g_string_free (g_steal_pointer (&match), FALSE) : NULL;
}

static GArray *
search_with_operators (CasellaStore             *self,
                       gint64                    folder_id,
                       const CasellaSearchQuery *query,
                       GError                  **error)
{
  g_autofree char *match = fts_match (query);
  g_autoptr(GString) sql = g_string_new ("SELECT m.id FROM messages m");
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);   /* bound as ?2, ?3… */
  sqlite3_stmt *statement = NULL;
  GArray *ids;
  int rc;

  if (match != NULL)
    g_string_append (sql, " JOIN search ON search.rowid = m.id");
  g_string_append (sql, " WHERE (?1 = 0 OR m.folder_id = ?1) AND (m.flags & 8) = 0");
  if (match != NULL)
    {
      g_ptr_array_add (texts, g_steal_pointer (&match));
      g_string_append_printf (sql, " AND search MATCH ?%u", texts->len + 1);
    }
  for (guint i = 0; i < query->from->len; i++)
    {
      g_ptr_array_add (texts, like_pattern (query->from->pdata[i]));
      g_string_append_printf (sql, " AND (m.from_name LIKE ?%1$u ESCAPE '\\' OR m.from_address LIKE ?%1$u ESCAPE '\\')",
                              texts->len + 1);
    }
  for (guint i = 0; i < query->to->len; i++)
    {
      g_ptr_array_add (texts, like_pattern (query->to->pdata[i]));
      g_string_append_printf (sql, " AND (m.recipients LIKE ?%1$u ESCAPE '\\' OR m.cc LIKE ?%1$u ESCAPE '\\')",
                              texts->len + 1);
    }
  if (query->has_attachment)
    g_string_append (sql, " AND m.has_attachment = 1");
  if (query->unread != CASELLA_SEARCH_ANY)
    g_string_append_printf (sql, " AND (m.flags & %d) %s 0", CASELLA_MESSAGE_SEEN,
                            query->unread == CASELLA_SEARCH_YES ? "=" : "!=");
  if (query->starred)
    g_string_append_printf (sql, " AND (m.flags & %d) != 0", CASELLA_MESSAGE_FLAGGED);
  if (query->before != 0)
    g_string_append_printf (sql, " AND m.date < %" G_GINT64_FORMAT, query->before);
  if (query->after != 0)
    g_string_append_printf (sql, " AND m.date >= %" G_GINT64_FORMAT, query->after);
  g_string_append (sql, " ORDER BY m.date DESC, m.id DESC");

  /* Made for this query only: not kept among the store's statements. */
  rc = sqlite3_prepare_v2 (self->db, sql->str, -1, &statement, NULL);
  if (rc != SQLITE_OK)
    {
      casella_store_set_error (self, rc, error);
      return NULL;
    }
  sqlite3_bind_int64 (statement, 1, folder_id);
  for (guint i = 0; i < texts->len; i++)
    casella_store_bind_text (statement, (int) i + 2, texts->pdata[i]);
  ids = casella_store_collect_ids (self, statement, error);
  sqlite3_finalize (statement);
  return ids;
}

GArray *
casella_store_search (CasellaStore  *self,
                      gint64         folder_id,
                      const char    *query,
                      GError       **error)
{
  g_autoptr(CasellaSearchQuery) parsed = casella_search_query_parse (query);
  g_autofree char *match = NULL;

  if (parsed->from->len > 0 || parsed->to->len > 0 || parsed->subject->len > 0 || parsed->has_attachment ||
      parsed->unread != CASELLA_SEARCH_ANY || parsed->starred || parsed->before != 0 || parsed->after != 0)
    return search_with_operators (self, folder_id, parsed, error);
  match = fts_query (query);
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT m.id FROM search JOIN messages m ON m.id = search.rowid"
    " WHERE search MATCH ?1 AND (?2 = 0 OR m.folder_id = ?2) AND (m.flags & 8) = 0"
    " ORDER BY m.date DESC, m.id DESC", error);

  if (statement == NULL)
    return NULL;
  if (match[0] == '\0')
    return g_array_new (FALSE, FALSE, sizeof (gint64));
  casella_store_bind_text (statement, 1, match);
  sqlite3_bind_int64 (statement, 2, folder_id);
  return casella_store_collect_ids (self, statement, error);
}

GArray *
casella_store_list_uids (CasellaStore  *self,
                         gint64         folder_id,
                         GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT uid FROM messages WHERE folder_id = ? AND uid IS NOT NULL ORDER BY uid", error);
  GArray *uids;
  int rc;

  if (statement == NULL)
    return NULL;
  sqlite3_bind_int64 (statement, 1, folder_id);
  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    {
      guint32 uid = (guint32) sqlite3_column_int64 (statement, 0);
      g_array_append_val (uids, uid);
    }
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      g_array_unref (uids);
      return NULL;
    }
  return uids;
}

guint32
casella_store_get_max_uid (CasellaStore *self,
                           gint64        folder_id)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT max(uid) FROM messages WHERE folder_id = ?", NULL);
  guint32 uid = 0;

  if (statement == NULL)
    return 0;
  sqlite3_bind_int64 (statement, 1, folder_id);
  if (sqlite3_step (statement) == SQLITE_ROW)
    uid = (guint32) sqlite3_column_int64 (statement, 0);
  sqlite3_reset (statement);
  return uid;
}

/* Runs a one-message statement and notes the folder as changed. */
static gboolean
change_message (CasellaStore  *self,
                sqlite3_stmt  *statement,
                gint64         message_id,
                GError       **error)
{
  g_autoptr(CasellaMessageInfo) before = casella_store_get_message (self, message_id);

  if (statement == NULL || !casella_store_run (self, statement, error))
    return FALSE;
  if (before != NULL)
    casella_store_mark_changed (self, before->folder_id);
  casella_store_emit_changes (self);
  return TRUE;
}

gboolean
casella_store_set_flags (CasellaStore         *self,
                         gint64                message_id,
                         CasellaMessageFlags   flags,
                         guint64               modseq,
                         GError              **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "UPDATE messages SET flags = ?, modseq = max(modseq, ?) WHERE id = ?", error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int (statement, 1, flags);
  sqlite3_bind_int64 (statement, 2, (gint64) modseq);
  sqlite3_bind_int64 (statement, 3, message_id);
  return change_message (self, statement, message_id, error);
}

/* What the server says, unless a change made here still waits to be
 * sent for this message: that one wins until it is replayed. */
gboolean
casella_store_update_server_flags (CasellaStore         *self,
                                   gint64                folder_id,
                                   guint32               uid,
                                   CasellaMessageFlags   flags,
                                   guint64               modseq,
                                   GError              **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "UPDATE messages SET flags = ?1, modseq = max(modseq, ?2) WHERE folder_id = ?3 AND uid = ?4 AND flags != ?1"
    " AND NOT EXISTS (SELECT 1 FROM pending WHERE pending.message_id = messages.id)", error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int (statement, 1, flags);
  sqlite3_bind_int64 (statement, 2, (gint64) modseq);
  sqlite3_bind_int64 (statement, 3, folder_id);
  sqlite3_bind_int64 (statement, 4, uid);
  if (!casella_store_run (self, statement, error))
    return FALSE;
  if (sqlite3_changes (self->db) > 0)
    {
      casella_store_mark_changed (self, folder_id);
      casella_store_emit_changes (self);
    }
  return TRUE;
}

gboolean
casella_store_move_message (CasellaStore  *self,
                            gint64         message_id,
                            gint64         folder_id,
                            guint32        uid,
                            GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "UPDATE messages SET folder_id = ?, uid = ? WHERE id = ?", error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, folder_id);
  if (uid == 0)
    sqlite3_bind_null (statement, 2);
  else
    sqlite3_bind_int64 (statement, 2, uid);
  sqlite3_bind_int64 (statement, 3, message_id);
  casella_store_mark_changed (self, folder_id);
  return change_message (self, statement, message_id, error);
}

gboolean
casella_store_set_uid (CasellaStore  *self,
                       gint64         message_id,
                       guint32        uid,
                       GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "UPDATE messages SET uid = ? WHERE id = ?", error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, uid);
  sqlite3_bind_int64 (statement, 2, message_id);
  return change_message (self, statement, message_id, error);
}

gboolean
casella_store_delete_message (CasellaStore  *self,
                              gint64         message_id,
                              GError       **error)
{
  g_autoptr(CasellaMessageInfo) before = casella_store_get_message (self, message_id);
  sqlite3_stmt *statement = casella_store_prepare (self, "DELETE FROM messages WHERE id = ?", error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, message_id);
  if (!casella_store_run (self, statement, error))
    return FALSE;
  if (before != NULL)
    casella_store_mark_changed (self, before->folder_id);
  casella_store_emit_changes (self);
  return TRUE;
}

gboolean
casella_store_delete_uids (CasellaStore   *self,
                           gint64          folder_id,
                           const guint32  *uids,
                           guint           n_uids,
                           GError        **error)
{
  sqlite3_stmt *statement;

  if (n_uids == 0)
    return TRUE;
  if (!casella_store_begin (self, error))
    return FALSE;
  statement = casella_store_prepare (self, "DELETE FROM messages WHERE folder_id = ? AND uid = ?", error);
  for (guint i = 0; statement != NULL && i < n_uids; i++)
    {
      sqlite3_bind_int64 (statement, 1, folder_id);
      sqlite3_bind_int64 (statement, 2, uids[i]);
      if (!casella_store_run (self, statement, error))
        {
          casella_store_rollback (self);
          return FALSE;
        }
    }
  if (statement == NULL)
    {
      casella_store_rollback (self);
      return FALSE;
    }
  casella_store_mark_changed (self, folder_id);
  return casella_store_commit (self, error);
}

/* ---- bodies ---- */

/* What a certified mail provider says, and the message in its envelope;
 * whether to believe it is the store's to decide (only on PEC accounts). */
static void
read_pec (GMimeMessage     *message,
          CasellaBodyFacts *facts)
{
  g_autoptr(GMimeMessage) inner = NULL;

  facts->pec = casella_pec_read (message);
  if (facts->pec == NULL || facts->pec->kind != CASELLA_PEC_MESSAGE ||
      (inner = casella_pec_get_inner (message)) == NULL)
    return;
  facts->pec_inner = casella_message_info_from_mime (inner, 0);
  facts->pec_text = casella_message_get_text (inner, &facts->pec_has_attachment);
  facts->pec_preview = casella_text_preview (facts->pec_text, 160);
}

void
casella_body_facts_read (GBytes           *raw,
                         CasellaBodyFacts *facts)
{
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) message = NULL;

  *facts = (CasellaBodyFacts) { 0 };
  if (!casella_message_get_plain_text (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), &facts->text))
    {
      stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
      parser = g_mime_parser_new_with_stream (stream);
      message = g_mime_parser_construct_message (parser, NULL);
      if (message == NULL)
        return;
      facts->text = casella_message_get_text (message, &facts->has_attachment);
      read_pec (message, facts);
    }
  facts->preview = casella_text_preview (facts->text, 160);
  facts->parsed = TRUE;
}

void
casella_body_facts_clear (CasellaBodyFacts *facts)
{
  g_clear_pointer (&facts->text, g_free);
  g_clear_pointer (&facts->preview, g_free);
  g_clear_pointer (&facts->pec, casella_pec_free);
  g_clear_pointer (&facts->pec_inner, casella_message_info_free);
  g_clear_pointer (&facts->pec_text, g_free);
  g_clear_pointer (&facts->pec_preview, g_free);
}

static gboolean
store_body_row (CasellaStore  *self,
                gint64         message_id,
                GBytes        *raw,
                GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "INSERT OR REPLACE INTO bodies (message_id, raw) VALUES (?, ?)", error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, message_id);
  sqlite3_bind_blob64 (statement, 2, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), SQLITE_STATIC);
  return casella_store_run (self, statement, error);
}

static gboolean
note_body (CasellaStore           *self,
           gint64                  message_id,
           const CasellaBodyFacts *facts,
           GError                **error)
{
  sqlite3_stmt *row = casella_store_prepare (self,
    "UPDATE messages SET has_body = 1, preview = coalesce (?, preview),"
    " has_attachment = CASE WHEN ? THEN ? ELSE has_attachment END WHERE id = ?", error);

  if (row == NULL)
    return FALSE;
  casella_store_bind_text (row, 1, facts->preview);
  sqlite3_bind_int (row, 2, facts->parsed);
  sqlite3_bind_int (row, 3, facts->has_attachment);
  sqlite3_bind_int64 (row, 4, message_id);
  if (!casella_store_run (self, row, error))
    return FALSE;
  return casella_store_index (self, message_id, FALSE, NULL, NULL, facts->text ? facts->text : "", error) &&
         casella_store_pec_note_body (self, message_id, facts, error);
}

/* The body and the row that says it is here land in one transaction:
 * never a row pointing at a body that is not there. */
gboolean
casella_store_set_body_read (CasellaStore           *self,
                             gint64                  message_id,
                             GBytes                 *raw,
                             const CasellaBodyFacts *facts,
                             GError                **error)
{
  g_autoptr(CasellaMessageInfo) info = NULL;

  if (!casella_store_begin (self, error))
    return FALSE;
  if (!store_body_row (self, message_id, raw, error) || !note_body (self, message_id, facts, error))
    {
      casella_store_rollback (self);
      return FALSE;
    }
  info = casella_store_get_message (self, message_id);
  if (info != NULL)
    casella_store_mark_changed (self, info->folder_id);
  return casella_store_commit (self, error);
}

gboolean
casella_store_set_body (CasellaStore  *self,
                        gint64         message_id,
                        GBytes        *raw,
                        GError       **error)
{
  CasellaBodyFacts facts;
  gboolean ok;

  casella_body_facts_read (raw, &facts);
  ok = casella_store_set_body_read (self, message_id, raw, &facts, error);
  casella_body_facts_clear (&facts);
  return ok;
}

guint
casella_store_count_unindexed (CasellaStore  *self,
                               gint64         folder_id,
                               GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT count(*) FROM messages m LEFT JOIN search s ON s.rowid = m.id"
    " WHERE m.folder_id = ? AND m.has_body = 1 AND coalesce (s.body, '') = ''", error);
  guint count = 0;
  int rc;

  if (statement == NULL)
    return 0;
  sqlite3_bind_int64 (statement, 1, folder_id);
  rc = sqlite3_step (statement);
  if (rc == SQLITE_ROW)
    count = (guint) sqlite3_column_int64 (statement, 0);
  else
    casella_store_set_error (self, rc, error);
  sqlite3_reset (statement);
  return count;
}

gboolean
casella_store_count_local (CasellaStore     *self,
                           gboolean          all_here,
                           CasellaLocalMail *counts,
                           GError          **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT f.role, count (*) FROM messages m JOIN folders f ON f.id = m.folder_id"
    " WHERE ?1 OR m.uid IS NULL OR f.role = ?2 GROUP BY f.role", error);
  int rc;

  memset (counts, 0, sizeof *counts);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int (statement, 1, all_here);
  sqlite3_bind_int (statement, 2, CASELLA_FOLDER_ROLE_OUTBOX);
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    {
      guint count = (guint) sqlite3_column_int64 (statement, 1);

      switch (sqlite3_column_int (statement, 0))
        {
        case CASELLA_FOLDER_ROLE_OUTBOX:
          counts->unsent += count;
          break;
        case CASELLA_FOLDER_ROLE_DRAFTS:
          counts->drafts += count;
          break;
        default:
          counts->other += count;
        }
    }
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

GBytes *
casella_store_get_body (CasellaStore  *self,
                        gint64         message_id,
                        GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "SELECT raw FROM bodies WHERE message_id = ?", error);
  GBytes *body = NULL;
  int rc;

  if (statement == NULL)
    return NULL;
  sqlite3_bind_int64 (statement, 1, message_id);
  rc = sqlite3_step (statement);
  if (rc == SQLITE_ROW)
    body = g_bytes_new (sqlite3_column_blob (statement, 0), (gsize) sqlite3_column_bytes (statement, 0));
  sqlite3_reset (statement);
  if (rc == SQLITE_DONE)
    g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_NOT_FOUND, "The message is not downloaded");
  else if (rc != SQLITE_ROW)
    casella_store_set_error (self, rc, error);
  return body;
}

GArray *
casella_store_list_missing_bodies (CasellaStore  *self,
                                   gint64         folder_id,
                                   guint64        budget,
                                   GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT uid, size FROM messages WHERE folder_id = ? AND has_body = 0 AND uid IS NOT NULL"
    " ORDER BY date DESC, id DESC", error);
  GArray *uids;
  guint64 total = 0;
  int rc;

  if (statement == NULL)
    return NULL;
  sqlite3_bind_int64 (statement, 1, folder_id);
  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    {
      guint32 uid = (guint32) sqlite3_column_int64 (statement, 0);
      guint64 size = (guint64) sqlite3_column_int64 (statement, 1);

      if (uids->len > 0 && total + size > budget)
        break;
      total += size;
      g_array_append_val (uids, uid);
    }
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      casella_store_set_error (self, rc, error);
      g_array_unref (uids);
      return NULL;
    }
  return uids;
}
