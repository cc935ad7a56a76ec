/* casella-store-contacts.c — the people in an account's mail, for
 * completing addresses
 *
 * One row per address: how often it was written to (recipients of Sent
 * and Outbox mail) and wrote here, and when last, with its name and
 * address folded (lower case, no accents) into words for a prefix match:
 * "nico" finds "Nicolò", "rossi" finds mario.rossi@example.it. Kept as
 * mail is added; in a bulk transaction the counts gather per address and
 * are written once, at its commit. A store made before the table gets
 * its rows from the mail already there, once (casella_store_build_contacts).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-gmime.h"
#include <string.h>

#include "casella-store-private.h"

typedef struct {
  char   *address;
  char   *name;
  guint   sent;
  guint   received;
  gint64  last;
} Note;

static void
note_free (gpointer data)
{
  Note *note = data;

  g_free (note->address);
  g_free (note->name);
  g_free (note);
}

void
casella_contact_free (CasellaContact *contact)
{
  if (contact == NULL)
    return;
  g_free (contact->name);
  g_free (contact->address);
  g_free (contact);
}

/* ---- folding ---- */

char *
casella_store_fold (const char *text)
{
  g_autofree char *decomposed = NULL;
  g_autofree char *lower = NULL;
  GString *folded;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return g_strdup ("");
  decomposed = g_utf8_normalize (text, -1, G_NORMALIZE_NFD);
  lower = g_utf8_casefold (decomposed ? decomposed : text, -1);
  folded = g_string_sized_new (strlen (lower));
  for (const char *p = lower; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_type (c) != G_UNICODE_NON_SPACING_MARK)
        g_string_append_unichar (folded, c);
    }
  return g_string_free (folded, FALSE);
}

/* " nicolò bianchi nicolo.bianchi@example.it nicolo bianchi example it",
 * folded: every word starts after a space. */
static char *
contact_words (const char *name,
               const char *address)
{
  g_autofree char *joined = g_strdup_printf (" %s %s ", name ? name : "", address);
  g_autofree char *parts = g_strdup (address);

  g_strdelimit (parts, ".@_-+", ' ');
  {
    g_autofree char *all = g_strconcat (joined, parts, NULL);
    return casella_store_fold (all);
  }
}

/* ---- writing ---- */

static gboolean
write_note (CasellaStore  *self,
            const Note    *note,
            GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "INSERT INTO contacts (address, name, words, sent, received, last) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (address) DO UPDATE SET"
    "  name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END,"
    "  words = CASE WHEN excluded.name <> '' THEN excluded.words ELSE words END,"
    "  sent = sent + excluded.sent, received = received + excluded.received, last = max (last, excluded.last)",
    error);
  g_autofree char *words = NULL;

  if (statement == NULL)
    return FALSE;
  words = contact_words (note->name, note->address);
  casella_store_bind_text (statement, 1, note->address);
  casella_store_bind_text (statement, 2, note->name ? note->name : "");
  casella_store_bind_text (statement, 3, words);
  sqlite3_bind_int (statement, 4, (int) note->sent);
  sqlite3_bind_int (statement, 5, (int) note->received);
  sqlite3_bind_int64 (statement, 6, note->last);
  return casella_store_run (self, statement, error);
}

static gboolean
add_note (CasellaStore  *self,
          GHashTable    *gather,     /* NULL: written now */
          const char    *address,
          const char    *name,
          gboolean       sent,
          gint64         date,
          GError       **error)
{
  g_autofree char *key = NULL;
  Note *note;

  if (address == NULL || strchr (address, '@') == NULL || strlen (address) > 254)
    return TRUE;
  key = g_ascii_strdown (address, -1);
  if (gather == NULL)
    {
      Note now = { key, (char *) name, sent, !sent, date };
      return write_note (self, &now, error);
    }
  note = g_hash_table_lookup (gather, key);
  if (note == NULL)
    {
      note = g_new0 (Note, 1);
      note->address = g_steal_pointer (&key);
      g_hash_table_insert (gather, note->address, note);
    }
  if (name != NULL && name[0] != '\0' && date >= note->last)
    {
      g_free (note->name);
      note->name = g_strdup (name);
    }
  note->sent += sent;
  note->received += !sent;
  note->last = MAX (note->last, date);
  return TRUE;
}

static gboolean
add_list (CasellaStore  *self,
          GHashTable    *gather,
          const char    *text,
          gint64         date,
          GError       **error)
{
  g_autoptr(InternetAddressList) list = text ? internet_address_list_parse (NULL, text) : NULL;
  gboolean ok = TRUE;

  for (int i = 0; list != NULL && ok && i < internet_address_list_length (list); i++)
    {
      InternetAddress *each = internet_address_list_get_address (list, i);
      if (INTERNET_ADDRESS_IS_MAILBOX (each))
        ok = add_note (self, gather, internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (each)),
                       internet_address_get_name (each), TRUE, date, error);
    }
  return ok;
}

/* Mail sent counts its recipients; mail received its sender; drafts and
 * junk count for nobody. */
static gboolean
note_message (CasellaStore             *self,
              GHashTable               *gather,
              const CasellaMessageInfo *info,
              CasellaFolderRole         role,
              GError                  **error)
{
  switch (role)
    {
    case CASELLA_FOLDER_ROLE_SENT:
    case CASELLA_FOLDER_ROLE_OUTBOX:
      return add_list (self, gather, info->to, info->date, error) && add_list (self, gather, info->cc, info->date, error);
    case CASELLA_FOLDER_ROLE_DRAFTS:
    case CASELLA_FOLDER_ROLE_JUNK:
      return TRUE;
    default:
      return add_note (self, gather, info->from_address, info->from_name, FALSE, info->date, error);
    }
}

static CasellaFolderRole
folder_role (CasellaStore *self,
             gint64        folder_id)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "SELECT role FROM folders WHERE id = ?", NULL);
  CasellaFolderRole role = CASELLA_FOLDER_ROLE_NONE;

  if (statement == NULL)
    return role;
  sqlite3_bind_int64 (statement, 1, folder_id);
  if (sqlite3_step (statement) == SQLITE_ROW)
    role = sqlite3_column_int (statement, 0);
  sqlite3_reset (statement);
  return role;
}

gboolean
casella_store_note_contacts (CasellaStore              *self,
                             const CasellaMessageInfo  *info,
                             GError                   **error)
{
  if (self->bulk && self->contact_notes == NULL)
    self->contact_notes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, note_free);
  return note_message (self, self->bulk ? self->contact_notes : NULL, info, folder_role (self, info->folder_id), error);
}

gboolean
casella_store_contacts_flush (CasellaStore  *self,
                              GError       **error)
{
  GHashTableIter iter;
  gpointer note;
  gboolean ok = TRUE;

  if (self->contact_notes == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, self->contact_notes);
  while (ok && g_hash_table_iter_next (&iter, NULL, &note))
    ok = write_note (self, note, error);
  casella_store_contacts_forget (self);
  return ok;
}

void
casella_store_contacts_forget (CasellaStore *self)
{
  g_clear_pointer (&self->contact_notes, g_hash_table_unref);
}

/* ---- the mail already here ---- */

gboolean
casella_store_build_contacts (CasellaStore  *self,
                              GError       **error)
{
  g_autofree char *built = casella_store_get_meta (self, "contacts");
  g_autoptr(GHashTable) gather = NULL;
  sqlite3_stmt *statement;
  GHashTableIter iter;
  gpointer note;
  gboolean ok = TRUE;
  int rc;

  if (built != NULL)
    return TRUE;
  statement = casella_store_prepare (self,
    "SELECT m.from_name, m.from_address, m.recipients, m.cc, m.date, f.role"
    " FROM messages m JOIN folders f ON f.id = m.folder_id", error);
  if (statement == NULL)
    return FALSE;
  gather = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, note_free);
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    {
      CasellaMessageInfo info = { 0 };

      info.from_name = (char *) sqlite3_column_text (statement, 0);
      info.from_address = (char *) sqlite3_column_text (statement, 1);
      info.to = (char *) sqlite3_column_text (statement, 2);
      info.cc = (char *) sqlite3_column_text (statement, 3);
      info.date = sqlite3_column_int64 (statement, 4);
      note_message (self, gather, &info, sqlite3_column_int (statement, 5), NULL);
    }
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      return FALSE;
    }
  if (!casella_store_begin (self, error))
    return FALSE;
  /* Counted anew: rows written by mail added meanwhile are replaced. */
  ok = casella_store_exec (self, "DELETE FROM contacts", error);
  g_hash_table_iter_init (&iter, gather);
  while (ok && g_hash_table_iter_next (&iter, NULL, &note))
    ok = write_note (self, note, error);
  if (ok)
    ok = casella_store_set_meta (self, "contacts", "1", error);
  if (!ok)
    {
      casella_store_rollback (self);
      return FALSE;
    }
  return casella_store_commit (self, error);
}

/* ---- finding ---- */

/* "%word%" after a space, its own % and _ taken literally. */
static char *
word_pattern (const char *word)
{
  GString *pattern = g_string_new ("% ");

  for (const char *p = word; *p; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *p);
    }
  g_string_append_c (pattern, '%');
  return g_string_free (pattern, FALSE);
}

#define MAX_WORDS 4

GPtrArray *
casella_store_find_contacts (CasellaStore  *self,
                             const char    *typed,
                             guint          limit,
                             GError       **error)
{
  g_autofree char *folded = casella_store_fold (typed);
  g_auto(GStrv) words = g_strsplit_set (g_strstrip (folded), " \t", -1);
  g_autoptr(GString) sql = g_string_new ("SELECT name, address FROM contacts WHERE 1");
  g_autoptr(GPtrArray) patterns = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_contact_free);
  sqlite3_stmt *statement;
  int rc;

  for (guint i = 0; words[i] != NULL && patterns->len < MAX_WORDS; i++)
    if (words[i][0] != '\0')
      {
        g_ptr_array_add (patterns, word_pattern (words[i]));
        g_string_append (sql, " AND words LIKE ? ESCAPE '\\'");
      }
  if (patterns->len == 0)
    return found;
  /* People written to first, then the most recent. */
  g_string_append (sql, " ORDER BY sent > 0 DESC, last DESC LIMIT ?");
  statement = casella_store_prepare (self, sql->str, error);
  if (statement == NULL)
    {
      g_ptr_array_unref (found);
      return NULL;
    }
  for (guint i = 0; i < patterns->len; i++)
    casella_store_bind_text (statement, (int) i + 1, patterns->pdata[i]);
  sqlite3_bind_int (statement, (int) patterns->len + 1, (int) limit);
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    {
      CasellaContact *contact = g_new0 (CasellaContact, 1);

      contact->name = casella_store_column_text (statement, 0);
      contact->address = casella_store_column_text (statement, 1);
      g_ptr_array_add (found, contact);
    }
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      g_ptr_array_unref (found);
      return NULL;
    }
  return found;
}
