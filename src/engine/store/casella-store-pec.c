/* casella-store-pec.c — certified mail (PEC) in the store
 *
 * On a store whose account is PEC, an envelope's row shows the message
 * inside (its sender, subject, text in the index), and receipts are kept
 * in the pec table by the Message-ID they are about, left out of the
 * lists unless asked for. The mail itself is never changed: the body is
 * the provider's, byte for byte (it is the proof), and what the row said
 * before is kept, so turning PEC off puts everything back.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "casella-gmime.h"
#include "casella-pec.h"
#include "casella-store-private.h"

#define RECEIPTS "(SELECT message_id FROM pec WHERE kind >= 3)"

gboolean
casella_store_get_pec_mode (CasellaStore *self)
{
  g_autofree char *pec = casella_store_get_meta (self, "pec");

  self->pec_mode = g_strcmp0 (pec, "1") == 0;
  return self->pec_mode;
}

gboolean
casella_store_get_pec_receipts_shown (CasellaStore *self)
{
  g_autofree char *shown = casella_store_get_meta (self, "pec-receipts");

  return g_strcmp0 (shown, "1") == 0;
}

/* Whether the lists leave receipts out: read each time, another
 * connection may have changed it. */
gboolean
casella_store_hides_receipts (CasellaStore *self)
{
  return casella_store_get_pec_mode (self) && !casella_store_get_pec_receipts_shown (self);
}

/* ---- before the body is here: what the provider's headers say ---- */

CasellaMessageInfo *
casella_store_pec_headers (CasellaStore             *self,
                           const CasellaMessageInfo *info,
                           CasellaPecKind           *kind)
{
  const char *subject = NULL;
  CasellaMessageInfo *shown;
  char *sender;

  *kind = CASELLA_PEC_NONE;
  if (!self->pec_mode || !casella_pec_is_provider_address (info->from_address))
    return NULL;
  *kind = casella_pec_kind_from_subject (info->subject, &subject);
  if (*kind != CASELLA_PEC_MESSAGE && *kind != CASELLA_PEC_ANOMALY)
    return NULL;
  shown = casella_message_info_copy (info);
  g_free (shown->subject);
  shown->subject = g_strdup (subject);
  if ((sender = casella_pec_on_behalf_of (info->from_name)) != NULL)
    {
      g_free (shown->from_address);
      shown->from_address = sender;
      g_clear_pointer (&shown->from_name, g_free);
    }
  return shown;
}

gboolean
casella_store_pec_note_headers (CasellaStore              *self,
                                gint64                     id,
                                CasellaPecKind             kind,
                                const CasellaMessageInfo  *envelope,
                                GError                   **error)
{
  sqlite3_stmt *statement;

  if (kind == CASELLA_PEC_NONE)
    return TRUE;
  statement = casella_store_prepare (self,
    "INSERT OR REPLACE INTO pec (message_id, kind, envelope_from_name, envelope_from_address, envelope_subject)"
    " VALUES (?, ?, ?, ?, ?)", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, id);
  sqlite3_bind_int (statement, 2, kind);
  casella_store_bind_text (statement, 3, envelope->from_name);
  casella_store_bind_text (statement, 4, envelope->from_address);
  casella_store_bind_text (statement, 5, envelope->subject);
  return casella_store_run (self, statement, error);
}

/* ---- once the body is here: the daticert.xml and the message inside ---- */

static gboolean
keep_envelope (CasellaStore  *self,
               gint64         id,
               GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "INSERT INTO pec (message_id, kind, envelope_from_name, envelope_from_address, envelope_subject)"
    " SELECT id, 0, from_name, from_address, subject FROM messages WHERE id = ?"
    " ON CONFLICT (message_id) DO NOTHING", error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, id);
  return casella_store_run (self, statement, error);
}

static gboolean
note_facts (CasellaStore      *self,
            gint64             id,
            const CasellaPec  *pec,
            GError           **error)
{
  const CasellaDaticert *d = pec->daticert;
  g_autofree char *recipients = d ? casella_pec_recipients_to_string (d->recipients) : NULL;
  sqlite3_stmt *statement = casella_store_prepare (self,
    "UPDATE pec SET kind = ?, ref = ?, identifier = ?, provider = ?, certified = ?, zone = ?, recipients = ?,"
    " delivered_to = ?, error = ?, error_detail = ?, receipt_type = ?, signed = ? WHERE message_id = ?", error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int (statement, 1, pec->kind);
  casella_store_bind_text (statement, 2, pec->reference);
  casella_store_bind_text (statement, 3, d ? d->identifier : NULL);
  casella_store_bind_text (statement, 4, d ? d->provider : NULL);
  sqlite3_bind_int64 (statement, 5, d ? d->date : 0);
  casella_store_bind_text (statement, 6, d ? d->zone : NULL);
  casella_store_bind_text (statement, 7, recipients && recipients[0] ? recipients : NULL);
  casella_store_bind_text (statement, 8, d ? d->delivered_to : NULL);
  casella_store_bind_text (statement, 9, d ? d->error : NULL);
  casella_store_bind_text (statement, 10, d ? d->error_detail : NULL);
  casella_store_bind_text (statement, 11, d ? d->receipt_type : NULL);
  sqlite3_bind_int (statement, 12, pec->signed_envelope);
  sqlite3_bind_int64 (statement, 13, id);
  return casella_store_run (self, statement, error);
}

/* The row shows the message inside; the index finds its words. */
static gboolean
show_inner (CasellaStore            *self,
            gint64                   id,
            const CasellaBodyFacts  *facts,
            GError                 **error)
{
  const CasellaMessageInfo *inner = facts->pec_inner;
  g_autofree char *addresses = g_strjoin (" ", inner->from_name ? inner->from_name : "",
                                          inner->from_address ? inner->from_address : "",
                                          inner->to ? inner->to : "", inner->cc ? inner->cc : "", NULL);
  sqlite3_stmt *statement = casella_store_prepare (self,
    "UPDATE messages SET from_name = ?, from_address = ?, subject = ?, recipients = coalesce (?, recipients),"
    " cc = coalesce (?, cc), preview = ?, has_attachment = ? WHERE id = ?", error);

  if (statement == NULL)
    return FALSE;
  casella_store_bind_text (statement, 1, inner->from_name);
  casella_store_bind_text (statement, 2, inner->from_address);
  casella_store_bind_text (statement, 3, inner->subject);
  casella_store_bind_text (statement, 4, inner->to);
  casella_store_bind_text (statement, 5, inner->cc);
  casella_store_bind_text (statement, 6, facts->pec_preview);
  sqlite3_bind_int (statement, 7, facts->pec_has_attachment);
  sqlite3_bind_int64 (statement, 8, id);
  return casella_store_run (self, statement, error) &&
         casella_store_index (self, id, TRUE, inner->subject, addresses, facts->pec_text ? facts->pec_text : "",
                              error);
}

gboolean
casella_store_pec_note_body (CasellaStore            *self,
                             gint64                   id,
                             const CasellaBodyFacts  *facts,
                             GError                 **error)
{
  if (!self->pec_mode || facts->pec == NULL)
    return TRUE;
  if (!keep_envelope (self, id, error) || !note_facts (self, id, facts->pec, error))
    return FALSE;
  if (facts->pec_inner != NULL && facts->pec->kind == CASELLA_PEC_MESSAGE)
    return show_inner (self, id, facts, error);
  return TRUE;
}

/* ---- turning it on and off ---- */

static GArray *
ids_for (CasellaStore  *self,
         const char    *sql,
         GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self, sql, error);

  return statement ? casella_store_collect_ids (self, statement, error) : NULL;
}

static gboolean
update_row (CasellaStore              *self,
            const CasellaMessageInfo  *info,
            GError                   **error)
{
  g_autofree char *addresses = g_strjoin (" ", info->from_name ? info->from_name : "",
                                          info->from_address ? info->from_address : "",
                                          info->to ? info->to : "", info->cc ? info->cc : "", NULL);
  sqlite3_stmt *statement = casella_store_prepare (self,
    "UPDATE messages SET from_name = ?, from_address = ?, subject = ? WHERE id = ?", error);

  if (statement == NULL)
    return FALSE;
  casella_store_bind_text (statement, 1, info->from_name);
  casella_store_bind_text (statement, 2, info->from_address);
  casella_store_bind_text (statement, 3, info->subject);
  sqlite3_bind_int64 (statement, 4, info->id);
  return casella_store_run (self, statement, error) &&
         casella_store_index (self, info->id, TRUE, info->subject, addresses, NULL, error);
}

/* What the body says, again: for the index, the preview, and PEC. */
static gboolean
read_body_again (CasellaStore  *self,
                 gint64         id,
                 GError       **error)
{
  g_autoptr(GBytes) raw = casella_store_get_body (self, id, NULL);
  g_auto(CasellaBodyFacts) facts = { 0 };

  if (raw == NULL)
    return TRUE;
  casella_body_facts_read (raw, &facts);
  return casella_store_set_body_read (self, id, raw, &facts, error);
}

/* Mail already here is read again in chunks, each its own transaction:
 * a big PEC mailbox never holds the store for long, and the meta key
 * "pec-rescan" (the last id done) lets an interrupted pass go on. */
#define RESCAN_CHUNK 200

static gboolean
turn_on_chunk (CasellaStore  *self,
               gboolean      *done,
               GError       **error)
{
  g_autofree char *cursor = casella_store_get_meta (self, "pec-rescan");
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT id FROM messages WHERE from_address LIKE 'posta-certificata@%' AND id > ? ORDER BY id LIMIT ?", error);
  g_autoptr(GArray) ids = NULL;
  g_autofree char *last = NULL;

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, cursor ? g_ascii_strtoll (cursor, NULL, 10) : 0);
  sqlite3_bind_int (statement, 2, RESCAN_CHUNK);
  if ((ids = casella_store_collect_ids (self, statement, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      g_autoptr(CasellaMessageInfo) envelope = casella_store_get_message (self, id);
      g_autoptr(CasellaMessageInfo) shown = NULL;
      CasellaPecKind kind;

      if (envelope == NULL)
        continue;
      shown = casella_store_pec_headers (self, envelope, &kind);
      if ((shown != NULL && !update_row (self, shown, error)) ||
          !casella_store_pec_note_headers (self, id, kind, envelope, error) ||
          (envelope->has_body && !read_body_again (self, id, error)))
        return FALSE;
    }
  *done = ids->len < RESCAN_CHUNK;
  last = g_strdup_printf ("%" G_GINT64_FORMAT, ids->len ? g_array_index (ids, gint64, ids->len - 1) : 0);
  return casella_store_set_meta (self, "pec-rescan", *done ? "" : last, error);
}

static gboolean
turn_off_chunk (CasellaStore  *self,
                gboolean      *done,
                GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT message_id, envelope_from_name, envelope_from_address, envelope_subject FROM pec"
    " ORDER BY message_id LIMIT ?", error);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_message_info_free);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int (statement, 1, RESCAN_CHUNK);
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (statement, 0);
      CasellaMessageInfo *row = casella_store_get_message (self, id);

      g_array_append_val (ids, id);
      if (row == NULL)
        continue;
      g_free (row->from_name), row->from_name = casella_store_column_text (statement, 1);
      g_free (row->from_address), row->from_address = casella_store_column_text (statement, 2);
      g_free (row->subject), row->subject = casella_store_column_text (statement, 3);
      g_ptr_array_add (rows, row);
    }
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      return FALSE;
    }
  for (guint i = 0; i < ids->len; i++)
    {
      sqlite3_stmt *forget = casella_store_prepare (self, "DELETE FROM pec WHERE message_id = ?", error);

      if (forget == NULL)
        return FALSE;
      sqlite3_bind_int64 (forget, 1, g_array_index (ids, gint64, i));
      if (!casella_store_run (self, forget, error))
        return FALSE;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      CasellaMessageInfo *row = g_ptr_array_index (rows, i);

      if (!update_row (self, row, error) || (row->has_body && !read_body_again (self, row->id, error)))
        return FALSE;
    }
  *done = ids->len < RESCAN_CHUNK;
  return !*done || casella_store_set_meta (self, "pec-rescan", "", error);
}

static gboolean
rescan_pending (CasellaStore *self)
{
  g_autofree char *cursor = casella_store_get_meta (self, "pec-rescan");

  return cursor != NULL && cursor[0] != '\0';
}

static gboolean
rescan (CasellaStore  *self,
        GError       **error)
{
  gboolean done = FALSE;

  while (!done)
    {
      if (!casella_store_begin (self, error))
        return FALSE;
      if (!(self->pec_mode ? turn_on_chunk (self, &done, error) : turn_off_chunk (self, &done, error)))
        {
          casella_store_rollback (self);
          return FALSE;
        }
      if (!casella_store_commit (self, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
recount (CasellaStore  *self,
         GError       **error)
{
  g_autoptr(GArray) folders = NULL;

  if (!casella_store_begin (self, error))
    return FALSE;
  if ((folders = ids_for (self, "SELECT id FROM folders", error)) == NULL)
    {
      casella_store_rollback (self);
      return FALSE;
    }
  for (guint i = 0; i < folders->len; i++)
    if (!casella_store_update_counts (self, g_array_index (folders, gint64, i), error))
      {
        casella_store_rollback (self);
        return FALSE;
      }
  casella_store_mark_folders_changed (self);
  return casella_store_commit (self, error);
}

gboolean
casella_store_set_pec_mode (CasellaStore  *self,
                            gboolean       pec,
                            gboolean       show_receipts,
                            GError       **error)
{
  gboolean was = casella_store_get_pec_mode (self);
  gboolean shown = casella_store_get_pec_receipts_shown (self);

  if (was == pec && shown == show_receipts && !rescan_pending (self))
    return TRUE;
  if (was != pec || shown != show_receipts)
    {
      if (!casella_store_begin (self, error))
        return FALSE;
      if (!casella_store_set_meta (self, "pec", pec ? "1" : "0", error) ||
          !casella_store_set_meta (self, "pec-receipts", show_receipts ? "1" : "0", error) ||
          (pec != was && !casella_store_set_meta (self, "pec-rescan", "0", error)))
        {
          casella_store_rollback (self);
          return FALSE;
        }
      if (!casella_store_commit (self, error))
        return FALSE;
      self->pec_mode = pec;
    }
  return (!rescan_pending (self) || rescan (self, error)) && recount (self, error);
}

/* ---- what a message's receipts say ---- */

CasellaPecKind
casella_store_get_pec_kind (CasellaStore *self,
                            gint64        message_id)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "SELECT kind FROM pec WHERE message_id = ?", NULL);
  CasellaPecKind kind = CASELLA_PEC_NONE;

  if (statement == NULL)
    return kind;
  sqlite3_bind_int64 (statement, 1, message_id);
  if (sqlite3_step (statement) == SQLITE_ROW)
    kind = (CasellaPecKind) sqlite3_column_int (statement, 0);
  sqlite3_reset (statement);
  return kind;
}

GPtrArray *
casella_store_list_pec_receipts (CasellaStore  *self,
                                 gint64         message_id,
                                 GError       **error)
{
  g_autoptr(CasellaMessageInfo) info = casella_store_get_message (self, message_id);
  sqlite3_stmt *statement;
  GPtrArray *receipts;
  int rc;

  if (info == NULL)
    {
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_NOT_FOUND, "No such message");
      return NULL;
    }
  receipts = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_pec_receipt_free);
  if (info->message_id == NULL || info->message_id[0] == '\0')
    return receipts;
  statement = casella_store_prepare (self,
    "SELECT message_id, kind, identifier, certified, zone, delivered_to, recipients, error, error_detail FROM pec"
    " WHERE ref = ? AND kind >= 3 ORDER BY certified, message_id", error);
  if (statement == NULL)
    {
      g_ptr_array_unref (receipts);
      return NULL;
    }
  casella_store_bind_text (statement, 1, info->message_id);
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    {
      CasellaPecReceipt *receipt = g_new0 (CasellaPecReceipt, 1);

      receipt->message_id = sqlite3_column_int64 (statement, 0);
      receipt->kind = (CasellaPecKind) sqlite3_column_int (statement, 1);
      receipt->identifier = casella_store_column_text (statement, 2);
      receipt->date = sqlite3_column_int64 (statement, 3);
      receipt->zone = casella_store_column_text (statement, 4);
      receipt->delivered_to = casella_store_column_text (statement, 5);
      receipt->recipients = casella_store_column_text (statement, 6);
      receipt->error = casella_store_column_text (statement, 7);
      receipt->error_detail = casella_store_column_text (statement, 8);
      g_ptr_array_add (receipts, receipt);
    }
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      g_ptr_array_unref (receipts);
      return NULL;
    }
  return receipts;
}

static GStrv
addresses_of (const CasellaMessageInfo *info)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char *lists[] = { info->to, info->cc };

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      g_autoptr(InternetAddressList) list = lists[i] ? internet_address_list_parse (NULL, lists[i]) : NULL;

      for (int j = 0; list != NULL && j < internet_address_list_length (list); j++)
        {
          InternetAddress *address = internet_address_list_get_address (list, j);

          if (INTERNET_ADDRESS_IS_MAILBOX (address))
            g_strv_builder_add (builder, internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address)));
        }
    }
  return g_strv_builder_end (builder);
}

CasellaPecStatus *
casella_store_get_pec_status (CasellaStore  *self,
                              gint64         message_id,
                              GError       **error)
{
  g_autoptr(CasellaMessageInfo) info = casella_store_get_message (self, message_id);
  g_autoptr(GPtrArray) receipts = NULL;
  g_auto(GStrv) sent_to = NULL;

  if (info == NULL)
    {
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_NOT_FOUND, "No such message");
      return NULL;
    }
  if ((receipts = casella_store_list_pec_receipts (self, message_id, error)) == NULL)
    return NULL;
  sent_to = addresses_of (info);
  return casella_pec_status_new (receipts, (const char * const *) sent_to);
}

/* ---- proof ---- */

void
casella_pec_proof_file_free (CasellaPecProofFile *file)
{
  if (file == NULL)
    return;
  g_free (file->name);
  g_bytes_unref (file->data);
  g_free (file);
}

static void
add_file (GPtrArray  *files,
          GBytes     *data,
          const char *kind,
          const char *about)
{
  CasellaPecProofFile *file = g_new0 (CasellaPecProofFile, 1);
  g_autofree char *safe = about ? g_strdup (about) : NULL;

  if (safe != NULL)
    g_strdelimit (safe, "/\\:*?\"<>| ", '_');
  file->name = safe ? g_strdup_printf ("%02u-%s-%s.eml", files->len + 1, kind, safe)
                    : g_strdup_printf ("%02u-%s.eml", files->len + 1, kind);
  file->data = g_bytes_ref (data);
  g_ptr_array_add (files, file);
}

GPtrArray *
casella_store_get_pec_proof (CasellaStore  *self,
                             gint64         message_id,
                             guint         *missing,
                             GError       **error)
{
  g_autoptr(GBytes) sent = casella_store_get_body (self, message_id, error);
  g_autoptr(GPtrArray) receipts = NULL;
  g_autoptr(GPtrArray) files = NULL;

  *missing = 0;
  if (sent == NULL || (receipts = casella_store_list_pec_receipts (self, message_id, error)) == NULL)
    return NULL;
  files = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_pec_proof_file_free);
  add_file (files, sent, "messaggio", NULL);
  for (guint i = 0; i < receipts->len; i++)
    {
      CasellaPecReceipt *receipt = g_ptr_array_index (receipts, i);
      g_autoptr(GBytes) body = casella_store_get_body (self, receipt->message_id, NULL);

      if (body == NULL)
        (*missing)++;
      else
        add_file (files, body, casella_pec_kind_to_string (receipt->kind), receipt->delivered_to);
    }
  return g_steal_pointer (&files);
}

static gboolean
write_new (const char  *dir,
           const char  *name,
           const void  *data,
           gsize        length,
           GError     **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "%s is already there", path);
      return FALSE;
    }
  return g_file_set_contents_full (path, data, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

gboolean
casella_pec_proof_write (GPtrArray   *files,
                         const char  *summary,
                         const char  *dir,
                         GError     **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot create %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  for (guint i = 0; i < files->len; i++)
    {
      CasellaPecProofFile *file = g_ptr_array_index (files, i);
      gsize length;
      const void *data = g_bytes_get_data (file->data, &length);

      if (!write_new (dir, file->name, data, length, error))
        return FALSE;
    }
  return summary == NULL || write_new (dir, "summary.txt", summary, strlen (summary), error);
}
