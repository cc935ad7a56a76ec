/* casella-store-threads.c — conversations: which messages belong together
 *
 * A conversation is a number in messages.thread, never reused. A message
 * joins the conversation of its own copy in another folder (the same
 * Message-ID), else of the message it answers (In-Reply-To, then
 * References from the nearest); it takes in the answers that came before
 * it (their In-Reply-To is its Message-ID), and when two conversations
 * meet they become the older (smaller) one. A message with no such link
 * whose subject says "Re:" (or "R:", "Fwd:", "I:"…) joins the latest
 * message within 90 days whose subject is its own without the prefix: a
 * reply from a client that drops References. Gmail says itself which
 * conversation a message is in (X-GM-THRID): that comes first. 0 is
 * "not placed yet" (a
 * store from before conversations, until casella_store_build_threads).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-store-private.h"

#define SUBJECT_WINDOW (90 * 24 * 3600)
#define BUILD_CHUNK 2000

/* ---- what a header names ---- */

/* The ids in "<a@b> <c@d>" without their brackets, in order (a bare id
 * when there are no brackets). */
GPtrArray *
casella_store_header_ids (const char *text)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  const char *p = text;

  if (text == NULL)
    return ids;
  while ((p = strchr (p, '<')) != NULL)
    {
      const char *end = strchr (p + 1, '>');

      if (end == NULL)
        break;
      if (end > p + 1)
        g_ptr_array_add (ids, g_strndup (p + 1, end - p - 1));
      p = end + 1;
    }
  /* A bare id (no brackets at all): some clients write one so. */
  if (ids->len == 0 && strpbrk (text, "<>") == NULL)
    {
      g_autofree char *bare = g_strstrip (g_strdup (text));

      if (bare[0] != '\0' && strchr (bare, ' ') == NULL)
        g_ptr_array_add (ids, g_steal_pointer (&bare));
    }
  return ids;
}

static const char *const reply_prefixes[] = {
  "re", "r", "rif", "fwd", "fw", "i", "inoltro", "aw", "wg", "sv", "vs", "tr", "rv", "enc", "antw", NULL
};

/* The subject without "Re: ", "R: ", "Fwd: ", "Re[2]: "… in front (all
 * of them), or NULL when it has none. */
char *
casella_store_thread_subject (const char *subject)
{
  const char *p = subject;
  gboolean stripped = FALSE, again = TRUE;

  if (subject == NULL)
    return NULL;
  while (again)
    {
      again = FALSE;
      while (*p == ' ' || *p == '\t')
        p++;
      for (guint i = 0; reply_prefixes[i] != NULL; i++)
        {
          gsize n = strlen (reply_prefixes[i]);
          const char *q = p + n;

          if (g_ascii_strncasecmp (p, reply_prefixes[i], n) != 0)
            continue;
          if (*q == '[')
            {
              q++;
              while (g_ascii_isdigit (*q))
                q++;
              if (*q++ != ']')
                continue;
            }
          while (*q == ' ')
            q++;
          if (*q != ':')
            continue;
          p = q + 1;
          stripped = again = TRUE;
          break;
        }
    }
  if (!stripped)
    return NULL;
  return g_strstrip (g_strdup (p));
}

/* ---- lookups ---- */

static gint64
thread_of (CasellaStore  *self,
           sqlite3_stmt  *statement,
           GError       **error)
{
  gint64 thread = 0;
  int rc;

  if (statement == NULL)
    return -1;
  rc = sqlite3_step (statement);
  if (rc == SQLITE_ROW)
    thread = sqlite3_column_int64 (statement, 0);
  sqlite3_reset (statement);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      return -1;
    }
  return thread;
}

static gint64
thread_by_message_id (CasellaStore  *self,
                      const char    *message_id,
                      gint64         except,
                      GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT thread FROM messages WHERE message_id = ? AND thread != 0 AND id != ? LIMIT 1", error);

  if (statement != NULL)
    {
      sqlite3_bind_text (statement, 1, message_id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (statement, 2, except);
    }
  return thread_of (self, statement, error);
}

static gint64
thread_by_subject (CasellaStore  *self,
                   const char    *subject,
                   gint64         date,
                   gint64         except,
                   GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT thread FROM messages WHERE subject = ? AND in_reply_to IS NULL AND date BETWEEN ? AND ?"
    " AND thread != 0 AND id != ? ORDER BY date DESC LIMIT 1", error);

  if (statement != NULL)
    {
      sqlite3_bind_text (statement, 1, subject, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (statement, 2, date - SUBJECT_WINDOW);
      sqlite3_bind_int64 (statement, 3, date + 24 * 3600);
      sqlite3_bind_int64 (statement, 4, except);
    }
  return thread_of (self, statement, error);
}

static gint64
thread_by_gmail (CasellaStore  *self,
                 guint64        gm_thread,
                 gint64         except,
                 GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT thread FROM messages WHERE gm_thread = ? AND thread != 0 AND id != ? LIMIT 1", error);

  if (statement != NULL)
    {
      sqlite3_bind_int64 (statement, 1, (gint64) gm_thread);
      sqlite3_bind_int64 (statement, 2, except);
    }
  return thread_of (self, statement, error);
}

/* A number no conversation has had (ids are never below it either). */
static gint64
new_thread (CasellaStore  *self,
            GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT max(coalesce((SELECT max(id) FROM messages), 0), coalesce((SELECT max(thread) FROM messages), 0)) + 1",
    error);

  return thread_of (self, statement, error);
}

/* The conversation a message belongs to (by its links), or a new one;
 * except: its own row, when it is already in the store. -1: an error. */
gint64
casella_store_find_thread (CasellaStore              *self,
                           const CasellaMessageInfo  *info,
                           gint64                     except,
                           GError                   **error)
{
  g_autoptr(GPtrArray) parents = casella_store_header_ids (info->in_reply_to);
  g_autoptr(GPtrArray) references = casella_store_header_ids (info->references);
  g_autofree char *subject = NULL;
  gint64 thread = 0;

  if (info->gm_thread != 0)
    thread = thread_by_gmail (self, info->gm_thread, except, error);
  if (thread == 0 && info->message_id != NULL && info->message_id[0] != '\0')
    thread = thread_by_message_id (self, info->message_id, except, error);
  for (guint i = 0; thread == 0 && i < parents->len; i++)
    thread = thread_by_message_id (self, parents->pdata[i], except, error);
  for (guint i = references->len; thread == 0 && i > 0; i--)
    thread = thread_by_message_id (self, references->pdata[i - 1], except, error);
  if (thread == 0 && (subject = casella_store_thread_subject (info->subject)) != NULL && subject[0] != '\0')
    thread = thread_by_subject (self, subject, info->date, except, error);
  if (thread == 0)
    thread = new_thread (self, error);
  return thread;
}

/* The answers that came before their message join its conversation
 * (and any other conversation that meets this one). */
gboolean
casella_store_adopt_thread (CasellaStore  *self,
                            gint64         id,
                            const char    *message_id,
                            gint64         thread,
                            GError       **error)
{
  g_autofree char *bracketed = NULL;
  sqlite3_stmt *statement;
  g_autoptr(GArray) others = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 keep = thread;
  int rc;

  if (message_id == NULL || message_id[0] == '\0')
    return TRUE;
  bracketed = g_strdup_printf ("<%s>", message_id);
  /* Not DISTINCT, which opens a table of its own for each message
   * placed: the few answers are told apart here. */
  statement = casella_store_prepare (self,
    "SELECT thread FROM messages WHERE in_reply_to = ? AND thread != 0 AND thread != ? AND id != ?", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, bracketed, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 2, thread);
  sqlite3_bind_int64 (statement, 3, id);
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    {
      gint64 other = sqlite3_column_int64 (statement, 0);
      gboolean seen = FALSE;

      for (guint i = 0; i < others->len && !seen; i++)
        seen = g_array_index (others, gint64, i) == other;
      if (seen)
        continue;
      g_array_append_val (others, other);
      keep = MIN (keep, other);
    }
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      return FALSE;
    }
  if (others->len == 0)
    return TRUE;
  g_array_append_val (others, thread);
  statement = casella_store_prepare (self, "UPDATE messages SET thread = ? WHERE thread = ?", error);
  for (guint i = 0; statement != NULL && i < others->len; i++)
    {
      if (g_array_index (others, gint64, i) == keep)
        continue;
      sqlite3_bind_int64 (statement, 1, keep);
      sqlite3_bind_int64 (statement, 2, g_array_index (others, gint64, i));
      if (!casella_store_run (self, statement, error))
        return FALSE;
    }
  return statement != NULL;
}

/* ---- the mail already here ---- */

static gboolean
place_one (CasellaStore  *self,
           sqlite3_stmt  *row,
           GError       **error)
{
  CasellaMessageInfo info = { 0 };
  sqlite3_stmt *update;
  gint64 thread;

  info.id = sqlite3_column_int64 (row, 0);
  info.message_id = (char *) sqlite3_column_text (row, 1);
  info.in_reply_to = (char *) sqlite3_column_text (row, 2);
  info.references = (char *) sqlite3_column_text (row, 3);
  info.subject = (char *) sqlite3_column_text (row, 4);
  info.date = sqlite3_column_int64 (row, 5);
  info.gm_thread = (guint64) sqlite3_column_int64 (row, 6);
  thread = casella_store_find_thread (self, &info, info.id, error);
  if (thread < 0)
    return FALSE;
  update = casella_store_prepare (self, "UPDATE messages SET thread = ? WHERE id = ?", error);
  if (update == NULL)
    return FALSE;
  sqlite3_bind_int64 (update, 1, thread);
  sqlite3_bind_int64 (update, 2, info.id);
  return casella_store_run (self, update, error) &&
         casella_store_adopt_thread (self, info.id, info.message_id, thread, error);
}

/* One chunk, its own transaction; FALSE in *more when none was left. */
static gboolean
build_chunk (CasellaStore  *self,
             gint64        *after,
             gboolean      *more,
             GError       **error)
{
  g_autoptr(GArray) ids = NULL;
  sqlite3_stmt *list = casella_store_prepare (self,
    "SELECT id FROM messages WHERE id > ? AND thread = 0 ORDER BY id LIMIT " G_STRINGIFY (BUILD_CHUNK), error);
  sqlite3_stmt *row;

  if (list == NULL)
    return FALSE;
  sqlite3_bind_int64 (list, 1, *after);
  ids = casella_store_collect_ids (self, list, error);
  if (ids == NULL)
    return FALSE;
  *more = ids->len > 0;
  if (ids->len == 0 || !casella_store_begin (self, error))
    return ids->len == 0;
  for (guint i = 0; i < ids->len; i++)
    {
      row = casella_store_prepare (self,
        "SELECT id, message_id, in_reply_to, refs, subject, date, gm_thread FROM messages WHERE id = ? AND thread = 0",
        error);
      if (row == NULL)
        goto failed;
      sqlite3_bind_int64 (row, 1, g_array_index (ids, gint64, i));
      if (sqlite3_step (row) == SQLITE_ROW && !place_one (self, row, error))
        {
          sqlite3_reset (row);
          goto failed;
        }
      sqlite3_reset (row);
    }
  *after = g_array_index (ids, gint64, ids->len - 1);
  return casella_store_commit (self, error);

failed:
  casella_store_rollback (self);
  return FALSE;
}

gboolean
casella_store_build_threads (CasellaStore  *self,
                             GError       **error)
{
  g_autofree char *built = casella_store_get_meta (self, "threads");
  gboolean more = TRUE;
  gint64 after = 0;

  if (built != NULL)
    return TRUE;
  /* Chunk by chunk (a cut pass goes on from where it got next time). */
  while (more)
    if (!build_chunk (self, &after, &more, error))
      return FALSE;
  if (!casella_store_set_meta (self, "threads", "1", error))
    return FALSE;
  casella_store_mark_folders_changed (self);
  casella_store_emit_changes (self);
  return TRUE;
}

/* ---- reading ---- */

void
casella_thread_summary_free (CasellaThreadSummary *summary)
{
  if (summary == NULL)
    return;
  g_strfreev (summary->people);
  g_free (summary);
}

/* Mail in the bin or junk, and drafts, are part of a conversation only in
 * their own folder (a draft opens from Drafts to be finished). */
#define IN_CONVERSATION \
  "(m.flags & 8) = 0 AND (((m.flags & 16) = 0 AND f.role NOT IN (5, 6)) OR m.folder_id = ?)"

GHashTable *
casella_store_get_thread_summaries (CasellaStore  *self,
                                    const gint64  *threads,
                                    guint          n_threads,
                                    gint64         folder_id,
                                    GError       **error)
{
  GHashTable *summaries = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                                 (GDestroyNotify) casella_thread_summary_free);
  g_autoptr(GHashTable) people = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                                        (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT m.thread, m.from_name, m.from_address, m.flags, m.date, coalesce(m.message_id, m.id), f.role"
    " FROM messages m JOIN folders f ON f.id = m.folder_id"
    " WHERE m.thread = ? AND " IN_CONVERSATION " ORDER BY m.date, m.id", error);
  GHashTableIter iter;
  gpointer key, value;

  if (statement == NULL)
    {
      g_hash_table_unref (summaries);
      return NULL;
    }
  for (guint i = 0; i < n_threads; i++)
    {
      CasellaThreadSummary *summary;
      GPtrArray *names;
      int rc;

      if (threads[i] == 0 || g_hash_table_contains (summaries, &threads[i]))
        continue;
      summary = g_new0 (CasellaThreadSummary, 1);
      summary->thread = threads[i];
      names = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (summaries, &summary->thread, summary);
      g_hash_table_insert (people, &summary->thread, names);
      sqlite3_bind_int64 (statement, 1, threads[i]);
      sqlite3_bind_int64 (statement, 2, folder_id);
      while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
        {
          const char *name = (const char *) sqlite3_column_text (statement, 1);
          const char *address = (const char *) sqlite3_column_text (statement, 2);
          gboolean mine = sqlite3_column_int (statement, 6) == CASELLA_FOLDER_ROLE_SENT ||
                          sqlite3_column_int (statement, 6) == CASELLA_FOLDER_ROLE_OUTBOX;
          g_autofree char *copy = g_strdup_printf ("%" G_GINT64_FORMAT ":%s", threads[i],
                                                   (const char *) sqlite3_column_text (statement, 5));
          const char *who = mine ? "" : (name && name[0] ? name : address ? address : "");

          /* The same message in two folders (Inbox and All Mail) is one. */
          if (!g_hash_table_add (seen, g_steal_pointer (&copy)))
            continue;
          summary->count++;
          if (!(sqlite3_column_int (statement, 3) & CASELLA_MESSAGE_SEEN))
            summary->unread++;
          summary->newest = MAX (summary->newest, sqlite3_column_int64 (statement, 4));
          if (!g_ptr_array_find_with_equal_func (names, who, g_str_equal, NULL))
            g_ptr_array_add (names, g_strdup (who));
        }
      sqlite3_reset (statement);
      if (rc != SQLITE_DONE)
        {
          casella_store_set_error (self, rc, error);
          g_hash_table_unref (summaries);
          return NULL;
        }
    }
  g_hash_table_iter_init (&iter, people);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      CasellaThreadSummary *summary = g_hash_table_lookup (summaries, key);
      GPtrArray *names = value;

      g_ptr_array_add (names, NULL);
      summary->people = (GStrv) g_ptr_array_steal (names, NULL);
    }
  return summaries;
}

GPtrArray *
casella_store_list_thread (CasellaStore  *self,
                           gint64         thread,
                           gint64         folder_id,
                           GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT m.id, m.message_id, m.folder_id FROM messages m JOIN folders f ON f.id = m.folder_id"
    " WHERE m.thread = ? AND " IN_CONVERSATION " ORDER BY m.date, m.id", error);
  g_autoptr(GHashTable) copies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  if (statement == NULL)
    return NULL;
  sqlite3_bind_int64 (statement, 1, thread);
  sqlite3_bind_int64 (statement, 2, folder_id);
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (statement, 0);
      const char *message_id = (const char *) sqlite3_column_text (statement, 1);
      gboolean here = sqlite3_column_int64 (statement, 2) == folder_id;
      gpointer at = NULL;

      /* One copy of a message: the one in this folder, else the first. */
      if (message_id != NULL && g_hash_table_lookup_extended (copies, message_id, NULL, &at))
        {
          if (here)
            g_array_index (ids, gint64, GPOINTER_TO_UINT (at)) = id;
          continue;
        }
      if (message_id != NULL)
        g_hash_table_insert (copies, g_strdup (message_id), GUINT_TO_POINTER (ids->len));
      g_array_append_val (ids, id);
    }
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      return NULL;
    }
  return casella_store_get_messages (self, (gint64 *) ids->data, ids->len, error);
}

GArray *
casella_store_list_thread_ids (CasellaStore  *self,
                               gint64         folder_id,
                               const gint64  *threads,
                               guint          n_threads,
                               GError       **error)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < n_threads; i++)
    {
      sqlite3_stmt *statement = casella_store_prepare (self,
        "SELECT id FROM messages WHERE thread = ? AND folder_id = ? AND (flags & 8) = 0 ORDER BY date DESC, id DESC",
        error);
      g_autoptr(GArray) some = NULL;

      if (statement == NULL)
        {
          g_array_unref (ids);
          return NULL;
        }
      sqlite3_bind_int64 (statement, 1, threads[i]);
      sqlite3_bind_int64 (statement, 2, folder_id);
      some = casella_store_collect_ids (self, statement, error);
      if (some == NULL)
        {
          g_array_unref (ids);
          return NULL;
        }
      g_array_append_vals (ids, some->data, some->len);
    }
  return ids;
}

/* A set of conversation numbers (never 0). They are numbered as messages
 * are, so they are dense: a bit each (12 KB for 100,000) stays in the
 * cache where a hash table would miss it on every row of a big folder. */
typedef struct {
  guint8 *bits;
  gsize   size;    /* bytes */
} ThreadSet;

/* TRUE when it was not there yet. */
static gboolean
thread_set_add (ThreadSet *set,
                gint64     thread)
{
  gsize byte = (gsize) ((guint64) thread >> 3);
  guint8 bit = (guint8) (1u << (thread & 7));

  if (byte >= set->size)
    {
      gsize size = MAX (byte + 1, set->size * 2);

      set->bits = g_realloc (set->bits, size);
      memset (set->bits + set->size, 0, size - set->size);
      set->size = size;
    }
  if (set->bits[byte] & bit)
    return FALSE;
  set->bits[byte] |= bit;
  return TRUE;
}

/* The folder's conversations newest first, each by its newest message
 * here: one pass over the date index (thread is in it). The first
 * limit of them (0: all) are the first of the whole list: a conversation
 * takes its place from its newest message, the first of it the pass
 * meets. */
GArray *
casella_store_list_conversation_ids (CasellaStore  *self,
                                     gint64         folder_id,
                                     GHashTable    *skip,
                                     GArray       **threads,
                                     guint          limit,
                                     gboolean      *more,
                                     GError       **error)
{
  sqlite3_stmt *statement = casella_store_hides_receipts (self)
    ? casella_store_prepare (self,
        "SELECT id, thread FROM messages WHERE folder_id = ? AND (flags & 8) = 0"
        " AND id NOT IN (SELECT message_id FROM pec WHERE kind >= 3) ORDER BY date DESC, id DESC", error)
    : casella_store_prepare (self,
        "SELECT id, thread FROM messages WHERE folder_id = ? AND (flags & 8) = 0 ORDER BY date DESC, id DESC", error);
  ThreadSet seen = { NULL, 0 };
  GArray *ids;
  int rc;

  if (statement == NULL)
    return NULL;
  sqlite3_bind_int64 (statement, 1, folder_id);
  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), 4096);
  if (threads != NULL)
    *threads = g_array_sized_new (FALSE, FALSE, sizeof (gint64), 4096);
  if (more != NULL)
    *more = FALSE;
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (statement, 0);
      gint64 thread = sqlite3_column_int64 (statement, 1);

      if (skip != NULL && g_hash_table_size (skip) > 0 && g_hash_table_contains (skip, &id))
        continue;
      if (thread != 0 && !thread_set_add (&seen, thread))
        continue;
      if (limit != 0 && ids->len == limit)
        {
          if (more != NULL)
            *more = TRUE;
          rc = SQLITE_DONE;
          break;
        }
      g_array_append_val (ids, id);
      if (threads != NULL)
        g_array_append_val (*threads, thread);
    }
  g_free (seen.bits);
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      g_array_unref (ids);
      if (threads != NULL)
        g_clear_pointer (threads, g_array_unref);
      return NULL;
    }
  return ids;
}
