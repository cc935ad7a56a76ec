/* casella-store-queue.c — pending changes, the outbox, the POP3 record
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "casella-address.h"
#include "casella-gmime.h"
#include "casella-message-text.h"
#include "casella-store-private.h"
#include "casella-store-queue.h"

/* ---- pending changes ---- */

void
casella_pending_op_free (CasellaPendingOp *op)
{
  if (op == NULL)
    return;
  g_free (op->arg);
  g_free (op->undo);
  g_free (op);
}

gboolean
casella_pending_op_moved_from (const CasellaPendingOp *op,
                               gint64                 *folder_id,
                               guint32                *uid)
{
  gint64 folder = 0;
  guint old = 0;

  if (op->kind != CASELLA_PENDING_MOVE || op->undo == NULL ||
      sscanf (op->undo, "%" G_GINT64_FORMAT " %u", &folder, &old) != 2)
    return FALSE;
  *folder_id = folder;
  *uid = old;
  return TRUE;
}

gint64
casella_store_queue_op (CasellaStore        *self,
                        CasellaPendingKind   kind,
                        gint64               folder_id,
                        gint64               message_id,
                        const char          *arg,
                        const char          *undo,
                        GError             **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "INSERT INTO pending (kind, folder_id, message_id, arg, undo, created) VALUES (?, ?, ?, ?, ?, ?)", error);

  if (statement == NULL)
    return 0;
  sqlite3_bind_int (statement, 1, kind);
  sqlite3_bind_int64 (statement, 2, folder_id);
  sqlite3_bind_int64 (statement, 3, message_id);
  casella_store_bind_text (statement, 4, arg);
  casella_store_bind_text (statement, 5, undo);
  sqlite3_bind_int64 (statement, 6, g_get_real_time () / G_USEC_PER_SEC);
  if (!casella_store_run (self, statement, error))
    return 0;
  return sqlite3_last_insert_rowid (self->db);
}

GPtrArray *
casella_store_list_ops (CasellaStore  *self,
                        GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT id, kind, folder_id, message_id, arg, undo FROM pending ORDER BY id", error);
  GPtrArray *ops;
  int rc;

  if (statement == NULL)
    return NULL;
  ops = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_pending_op_free);
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    {
      CasellaPendingOp *op = g_new0 (CasellaPendingOp, 1);

      op->id = sqlite3_column_int64 (statement, 0);
      op->kind = sqlite3_column_int (statement, 1);
      op->folder_id = sqlite3_column_int64 (statement, 2);
      op->message_id = sqlite3_column_int64 (statement, 3);
      op->arg = casella_store_column_text (statement, 4);
      op->undo = casella_store_column_text (statement, 5);
      g_ptr_array_add (ops, op);
    }
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      g_ptr_array_unref (ops);
      return NULL;
    }
  return ops;
}

gboolean
casella_store_remove_op_if_pending (CasellaStore *self,
                                    gint64        op_id)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "DELETE FROM pending WHERE id = ?", NULL);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, op_id);
  return casella_store_run (self, statement, NULL) && sqlite3_changes (self->db) > 0;
}

gboolean
casella_store_remove_op (CasellaStore  *self,
                         gint64         op_id,
                         GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "DELETE FROM pending WHERE id = ?", error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, op_id);
  return casella_store_run (self, statement, error);
}

/* ---- header facts ---- */

static void
set_sender (CasellaMessageInfo *info,
            GMimeMessage       *message)
{
  InternetAddressList *from = g_mime_message_get_from (message);
  InternetAddress *first;

  if (from == NULL || internet_address_list_length (from) == 0)
    return;
  first = internet_address_list_get_address (from, 0);
  info->from_name = g_strdup (internet_address_get_name (first));
  if (INTERNET_ADDRESS_IS_MAILBOX (first))
    info->from_address = g_strdup (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (first)));
  if (info->from_name != NULL && info->from_name[0] == '\0')
    g_clear_pointer (&info->from_name, g_free);
}

CasellaMessageInfo *
casella_message_info_from_mime (GMimeMessage *message,
                                gsize         size)
{
  CasellaMessageInfo *info = g_new0 (CasellaMessageInfo, 1);
  GDateTime *date = g_mime_message_get_date (message);
  GMimeObject *object = GMIME_OBJECT (message);

  set_sender (info, message);
  info->to = casella_address_list_display (g_mime_message_get_to (message));
  info->cc = casella_address_list_display (g_mime_message_get_cc (message));
  info->subject = g_strdup (g_mime_message_get_subject (message));
  info->date = date ? g_date_time_to_unix (date) : g_get_real_time () / G_USEC_PER_SEC;
  info->message_id = g_strdup (g_mime_message_get_message_id (message));
  info->in_reply_to = g_strdup (g_mime_object_get_header (object, "In-Reply-To"));
  info->references = g_strdup (g_mime_object_get_header (object, "References"));
  info->size = size;
  return info;
}

CasellaMessageInfo *
casella_message_info_from_bytes (GBytes *raw)
{
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL),
                                                                     g_bytes_get_size (raw));
  g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  g_autoptr(GMimeMessage) message = g_mime_parser_construct_message (parser, NULL);

  if (message == NULL)
    {
      CasellaMessageInfo *info = g_new0 (CasellaMessageInfo, 1);
      info->date = g_get_real_time () / G_USEC_PER_SEC;
      info->size = g_bytes_get_size (raw);
      return info;
    }
  return casella_message_info_from_mime (message, g_bytes_get_size (raw));
}

/* ---- header facts without a GMimeMessage ---- */

enum { FIELD_SUBJECT, FIELD_FROM, FIELD_TO, FIELD_CC, FIELD_DATE, FIELD_MESSAGE_ID, FIELD_IN_REPLY_TO,
       FIELD_REFERENCES, N_FIELDS };

static const char *const field_names[N_FIELDS] = {
  "Subject", "From", "To", "Cc", "Date", "Message-ID", "In-Reply-To", "References",
};

static const char *
line_end (const char *line,
          const char *end)
{
  const char *newline = memchr (line, '\n', (gsize) (end - line));

  return newline ? newline + 1 : end;
}

/* Which of the fields a row needs this line names, or -1. */
static int
field_of (const char *line,
          const char *colon)
{
  gsize length = (gsize) (colon - line);

  /* "Subject :" (the old syntax) is not a Subject for a server either. */
  for (int i = 0; i < N_FIELDS; i++)
    if (strlen (field_names[i]) == length && g_ascii_strncasecmp (line, field_names[i], length) == 0)
      return i;
  return -1;
}

/* The value from the colon to the field's end, each fold (the line
 * break and the blanks after it) one space, as an ENVELOPE has it. */
static char *
field_value (const char *colon,
             const char *end)
{
  GString *value = g_string_sized_new ((gsize) (end - colon));

  for (const char *c = colon + 1; c < end; c++)
    if (*c == '\n')
      {
        while (c + 1 < end && (c[1] == ' ' || c[1] == '\t'))
          c++;
        if (c + 1 < end)
          g_string_append_c (value, ' ');
      }
    else if (*c != '\r' && *c != '\0')
      g_string_append_c (value, *c);
  g_strstrip (value->str);
  return g_string_free (value, FALSE);
}

/* Each of the fields a row needs, the first of its name (as an IMAP
 * ENVELOPE has it), read as far as the blank line that ends the header. */
static void
read_fields (const char *raw,
             gsize       length,
             char       *values[N_FIELDS])
{
  const char *end = raw + length;

  for (const char *line = raw; line < end;)
    {
      const char *next = line_end (line, end), *colon;
      int field;

      if (*line == '\n' || (*line == '\r' && line + 1 < end && line[1] == '\n'))
        return;
      /* Folded lines belong to the field above. */
      while (next < end && (*next == ' ' || *next == '\t'))
        next = line_end (next, end);
      colon = memchr (line, ':', (gsize) (line_end (line, end) - line));
      if (colon != NULL && (field = field_of (line, colon)) >= 0 && values[field] == NULL)
        values[field] = field_value (colon, next);
      line = next;
    }
}

/* As an ENVELOPE shows them: "Name <address>", groups by their members. */
static void
append_addresses (GString             *out,
                  InternetAddressList *list)
{
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, i);
      const char *name = internet_address_get_name (address), *mailbox;

      if (INTERNET_ADDRESS_IS_GROUP (address))
        {
          append_addresses (out, internet_address_group_get_members (INTERNET_ADDRESS_GROUP (address)));
          continue;
        }
      mailbox = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));
      casella_address_append_shown (out, name, mailbox);
    }
}

static char *
addresses_display (const char *value)
{
  g_autoptr(InternetAddressList) list = value ? internet_address_list_parse (NULL, value) : NULL;
  GString *out = g_string_new (NULL);

  append_addresses (out, list);
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

static void
sender_from (CasellaMessageInfo *info,
             const char         *value)
{
  g_autoptr(InternetAddressList) list = value ? internet_address_list_parse (NULL, value) : NULL;
  InternetAddress *first;

  if (list == NULL || internet_address_list_length (list) == 0)
    return;
  first = internet_address_list_get_address (list, 0);
  if (!INTERNET_ADDRESS_IS_MAILBOX (first))
    return;
  if (internet_address_get_name (first) != NULL && internet_address_get_name (first)[0] != '\0')
    info->from_name = g_strdup (internet_address_get_name (first));
  info->from_address = g_strdup (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (first)));
}

/* What the server sent may be any bytes; the store holds UTF-8. */
static void
make_valid (char **text)
{
  char *valid;

  if (*text == NULL || g_utf8_validate (*text, -1, NULL))
    return;
  valid = g_utf8_make_valid (*text, -1);
  g_free (*text);
  *text = valid;
}

CasellaMessageInfo *
casella_message_info_from_header (const char *raw,
                                  gsize       length)
{
  CasellaMessageInfo *info = g_new0 (CasellaMessageInfo, 1);
  char *values[N_FIELDS] = { NULL };
  g_autoptr(GDateTime) date = NULL;

  read_fields (raw, length, values);
  info->subject = values[FIELD_SUBJECT] ? g_mime_utils_header_decode_text (NULL, values[FIELD_SUBJECT]) : NULL;
  sender_from (info, values[FIELD_FROM]);
  info->to = addresses_display (values[FIELD_TO]);
  info->cc = addresses_display (values[FIELD_CC]);
  date = values[FIELD_DATE] ? g_mime_utils_header_decode_date (values[FIELD_DATE]) : NULL;
  info->date = date ? g_date_time_to_unix (date) : 0;
  info->message_id = values[FIELD_MESSAGE_ID] ? g_mime_utils_decode_message_id (values[FIELD_MESSAGE_ID]) : NULL;
  info->in_reply_to = g_steal_pointer (&values[FIELD_IN_REPLY_TO]);
  info->references = g_steal_pointer (&values[FIELD_REFERENCES]);
  info->size = length;
  for (int i = 0; i < N_FIELDS; i++)
    g_free (values[i]);
  {
    char **texts[] = { &info->subject, &info->from_name, &info->from_address, &info->to, &info->cc,
                       &info->message_id, &info->in_reply_to, &info->references };

    for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
      make_valid (texts[i]);
  }
  return info;
}

/* ---- outbox ---- */

CasellaStoreFolder *
casella_store_ensure_outbox (CasellaStore  *self,
                             GError       **error)
{
  CasellaStoreFolder folder = { 0 };
  CasellaStoreFolder *outbox = casella_store_find_folder_by_role (self, CASELLA_FOLDER_ROLE_OUTBOX);

  if (outbox != NULL)
    return outbox;
  /* A name no IMAP server hands out: it is never confused with one. */
  folder.path = (char *) "\x01Outbox";
  folder.name = (char *) "Outbox";
  folder.role = CASELLA_FOLDER_ROLE_OUTBOX;
  folder.flags = CASELLA_FOLDER_LOCAL;
  folder.subscribed = TRUE;
  if (casella_store_save_folder (self, &folder, error) == 0)
    return NULL;
  return casella_store_find_folder_by_role (self, CASELLA_FOLDER_ROLE_OUTBOX);
}

void
casella_outbox_entry_free (CasellaOutboxEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->last_error);
  g_free (entry);
}

static gboolean
outbox_row (CasellaStore  *self,
            gint64         message_id,
            GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "INSERT INTO outbox (message_id, queued) VALUES (?, ?)", error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, message_id);
  sqlite3_bind_int64 (statement, 2, g_get_real_time () / G_USEC_PER_SEC);
  return casella_store_run (self, statement, error);
}

static gboolean
refuse (GError     **error,
        const char  *why)
{
  g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_INVALID, "This cannot be sent: %s", why);
  return FALSE;
}

/* Refused before it is kept: the outbox only holds what can be sent. */
static gboolean
check_sendable (GBytes        *raw,
                GMimeMessage **parsed,
                GError       **error)
{
  gsize size;
  const char *data = g_bytes_get_data (raw, &size);
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(InternetAddressList) recipients = NULL;
  InternetAddressList *from;

  if (size == 0)
    return refuse (error, "it is empty");
  if (memchr (data, '\0', size) != NULL)
    return refuse (error, "it contains NUL bytes, so it is not a message");
  stream = g_mime_stream_mem_new_with_buffer (data, size);
  parser = g_mime_parser_new_with_stream (stream);
  *parsed = g_mime_parser_construct_message (parser, NULL);
  if (*parsed == NULL || g_mime_header_list_get_count (g_mime_object_get_header_list (GMIME_OBJECT (*parsed))) == 0)
    return refuse (error, "it has no headers");
  from = g_mime_message_get_from (*parsed);
  if (from == NULL || internet_address_list_length (from) == 0)
    return refuse (error, "it has no sender (From)");
  recipients = g_mime_message_get_all_recipients (*parsed);
  if (recipients == NULL || internet_address_list_length (recipients) == 0)
    return refuse (error, "it has no recipient (To, Cc or Bcc)");
  return TRUE;
}

/* A Message-ID lets a copy in Sent be recognised (and replies be
 * threaded); a Date is what every reader shows. Added in front, in the
 * message's own line ends. */
static GBytes *
complete_headers (GBytes       *raw,
                  GMimeMessage *message)
{
  gsize size;
  const char *data = g_bytes_get_data (raw, &size);
  const char *eol = g_strstr_len (data, MIN (size, 4096), "\r\n") ? "\r\n" : "\n";
  GString *out = g_string_sized_new (size + 160);

  if (g_mime_message_get_message_id (message) == NULL)
    {
      InternetAddress *sender = internet_address_list_get_address (g_mime_message_get_from (message), 0);
      const char *addr = INTERNET_ADDRESS_IS_MAILBOX (sender)
                         ? internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (sender)) : NULL;
      const char *domain = addr && strchr (addr, '@') ? strchr (addr, '@') + 1 : "casella.invalid";
      g_autofree char *id = g_mime_utils_generate_message_id (domain);

      g_string_append_printf (out, "Message-ID: <%s>%s", id, eol);
    }
  if (g_mime_object_get_header (GMIME_OBJECT (message), "Date") == NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *date = g_mime_utils_header_format_date (now);

      g_string_append_printf (out, "Date: %s%s", date, eol);
    }
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return g_bytes_ref (raw);
    }
  g_string_append_len (out, data, size);
  return g_string_free_to_bytes (out);
}

gint64
casella_store_outbox_add (CasellaStore  *self,
                          GBytes        *raw,
                          GError       **error)
{
  g_autoptr(CasellaStoreFolder) outbox = NULL;
  g_autoptr(CasellaMessageInfo) info = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GBytes) complete = NULL;
  gint64 id;

  if (!check_sendable (raw, &message, error))
    return 0;
  complete = complete_headers (raw, message);
  info = casella_message_info_from_bytes (complete);
  if (!casella_store_begin (self, error))
    return 0;
  outbox = casella_store_ensure_outbox (self, error);
  if (outbox == NULL)
    goto failed;
  info->folder_id = outbox->id;
  info->flags = CASELLA_MESSAGE_SEEN;
  id = casella_store_add_message (self, info, error);
  if (id == 0 || !casella_store_set_body (self, id, complete, error) || !outbox_row (self, id, error) ||
      !casella_store_update_counts (self, outbox->id, error))
    goto failed;
  if (!casella_store_commit (self, error))
    return 0;
  return id;

failed:
  casella_store_rollback (self);
  return 0;
}

GArray *
casella_store_outbox_list (CasellaStore  *self,
                           GError       **error)
{
  g_autoptr(GPtrArray) entries = casella_store_outbox_entries (self, error);
  GArray *ids;

  if (entries == NULL)
    return NULL;
  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), entries->len);
  for (guint i = 0; i < entries->len; i++)
    g_array_append_val (ids, ((CasellaOutboxEntry *) entries->pdata[i])->message_id);
  return ids;
}

#define ENTRY_COLUMNS "message_id, state, hold, attempts, next_attempt, copy_started, last_error"

static CasellaOutboxEntry *
entry_from_row (sqlite3_stmt *statement)
{
  CasellaOutboxEntry *entry = g_new0 (CasellaOutboxEntry, 1);

  entry->message_id = sqlite3_column_int64 (statement, 0);
  entry->state = sqlite3_column_int (statement, 1);
  entry->hold = sqlite3_column_int (statement, 2);
  entry->attempts = sqlite3_column_int (statement, 3);
  entry->next_attempt = sqlite3_column_int64 (statement, 4);
  entry->copy_started = sqlite3_column_int (statement, 5);
  entry->last_error = casella_store_column_text (statement, 6);
  return entry;
}

GPtrArray *
casella_store_outbox_entries (CasellaStore  *self,
                              GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT " ENTRY_COLUMNS " FROM outbox ORDER BY queued, message_id", error);
  GPtrArray *entries;
  int rc;

  if (statement == NULL)
    return NULL;
  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_outbox_entry_free);
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    g_ptr_array_add (entries, entry_from_row (statement));
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      g_ptr_array_unref (entries);
      return NULL;
    }
  return entries;
}

CasellaOutboxEntry *
casella_store_outbox_get (CasellaStore *self,
                          gint64        message_id)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT " ENTRY_COLUMNS " FROM outbox WHERE message_id = ?", NULL);
  CasellaOutboxEntry *entry = NULL;

  if (statement == NULL)
    return NULL;
  sqlite3_bind_int64 (statement, 1, message_id);
  if (sqlite3_step (statement) == SQLITE_ROW)
    entry = entry_from_row (statement);
  sqlite3_reset (statement);
  return entry;
}

/* One UPDATE of a row; FALSE with NOT_FOUND when it is not there. */
static gboolean
update_entry (CasellaStore  *self,
              const char    *sql,
              gint64         message_id,
              gint64         a,
              gint64         b,
              const char    *text,
              GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self, sql, error);

  if (statement == NULL)
    return FALSE;
  /* ?1 the message, then ?2 ?3 numbers and ?4 text, as far as used. */
  sqlite3_bind_int64 (statement, 1, message_id);
  if (sqlite3_bind_parameter_count (statement) >= 2)
    sqlite3_bind_int64 (statement, 2, a);
  if (sqlite3_bind_parameter_count (statement) >= 3)
    sqlite3_bind_int64 (statement, 3, b);
  if (sqlite3_bind_parameter_count (statement) >= 4)
    casella_store_bind_text (statement, 4, text);
  if (!casella_store_run (self, statement, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_NOT_FOUND, "The message is not in the outbox");
      return FALSE;
    }
  return TRUE;
}

gboolean
casella_store_outbox_set_state (CasellaStore        *self,
                                gint64               message_id,
                                CasellaOutboxState   state,
                                GError             **error)
{
  return update_entry (self, "UPDATE outbox SET state = ?2 WHERE message_id = ?1",
                       message_id, state, 0, NULL, error);
}

gboolean
casella_store_outbox_hold (CasellaStore       *self,
                           gint64              message_id,
                           CasellaOutboxHold   hold,
                           const char         *reason,
                           GError            **error)
{
  return update_entry (self, "UPDATE outbox SET state = ?2, hold = ?3, last_error = ?4,"
                             " attempts = attempts + 1 WHERE message_id = ?1",
                       message_id, CASELLA_OUTBOX_HELD, hold, reason, error);
}

gboolean
casella_store_outbox_retry_later (CasellaStore  *self,
                                  gint64         message_id,
                                  const char    *reason,
                                  gint64         next_attempt,
                                  GError       **error)
{
  return update_entry (self, "UPDATE outbox SET state = ?2, hold = 0, next_attempt = ?3, last_error = ?4,"
                             " attempts = attempts + 1 WHERE message_id = ?1",
                       message_id, CASELLA_OUTBOX_QUEUED, next_attempt, reason, error);
}

gboolean
casella_store_outbox_copy_started (CasellaStore  *self,
                                   gint64         message_id,
                                   GError       **error)
{
  return update_entry (self, "UPDATE outbox SET copy_started = 1 WHERE message_id = ?1", message_id, 0, 0, NULL, error);
}

gboolean
casella_store_outbox_release (CasellaStore  *self,
                              gint64         message_id,
                              GError       **error)
{
  return update_entry (self, "UPDATE outbox SET state = ?2, hold = 0, next_attempt = ?3 WHERE message_id = ?1", message_id, CASELLA_OUTBOX_QUEUED, 0, NULL, error);
}

gboolean
casella_store_outbox_delay (CasellaStore  *self,
                            gint64         message_id,
                            gint64         not_before,
                            GError       **error)
{
  return update_entry (self, "UPDATE outbox SET next_attempt = ?2 WHERE message_id = ?1 AND state = 0 AND attempts = 0",
                       message_id, not_before, 0, NULL, error);
}

gboolean
casella_store_outbox_send_delayed_now (CasellaStore  *self,
                                       GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "UPDATE outbox SET next_attempt = 0 WHERE state = 0 AND attempts = 0 AND next_attempt > 0", error);

  return statement != NULL && casella_store_run (self, statement, error);
}

GBytes *
casella_store_outbox_take_back (CasellaStore  *self,
                                gint64         message_id,
                                gint64         now,
                                GError       **error)
{
  g_autoptr(CasellaOutboxEntry) entry = casella_store_outbox_get (self, message_id);
  GBytes *raw;

  /* Only while it still waits for its time: the sender leaves it alone. */
  if (entry == NULL || entry->state != CASELLA_OUTBOX_QUEUED || entry->attempts > 0 || entry->next_attempt <= now)
    {
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_NOT_FOUND, "Sent already");
      return NULL;
    }
  if ((raw = casella_store_get_body (self, message_id, error)) == NULL)
    return NULL;
  if (!casella_store_outbox_sent (self, message_id, error))
    {
      g_bytes_unref (raw);
      return NULL;
    }
  return raw;
}

gboolean
casella_store_outbox_sent (CasellaStore  *self,
                           gint64         message_id,
                           GError       **error)
{
  g_autoptr(CasellaStoreFolder) outbox = casella_store_find_folder_by_role (self, CASELLA_FOLDER_ROLE_OUTBOX);

  if (!casella_store_begin (self, error))
    return FALSE;
  if (!casella_store_delete_message (self, message_id, error) ||
      (outbox != NULL && !casella_store_update_counts (self, outbox->id, error)))
    {
      casella_store_rollback (self);
      return FALSE;
    }
  return casella_store_commit (self, error);
}

/* ---- POP3 ---- */

gboolean
casella_store_pop3_is_known (CasellaStore *self,
                             const char   *uidl)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "SELECT 1 FROM pop3_seen WHERE uidl = ?", NULL);
  gboolean known;

  if (statement == NULL)
    return FALSE;
  casella_store_bind_text (statement, 1, uidl);
  known = sqlite3_step (statement) == SQLITE_ROW;
  sqlite3_reset (statement);
  return known;
}

static gboolean
pop3_note (CasellaStore  *self,
           const char    *uidl,
           gint64         now,
           GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "INSERT OR IGNORE INTO pop3_seen (uidl, downloaded) VALUES (?, ?)", error);

  if (statement == NULL)
    return FALSE;
  casella_store_bind_text (statement, 1, uidl);
  sqlite3_bind_int64 (statement, 2, now);
  return casella_store_run (self, statement, error);
}

gint64
casella_store_pop3_add (CasellaStore  *self,
                        gint64         folder_id,
                        const char    *uidl,
                        GBytes        *raw,
                        gint64         now,
                        GError       **error)
{
  g_autoptr(CasellaMessageInfo) info = casella_message_info_from_bytes (raw);
  gint64 id;

  if (!casella_store_begin (self, error))
    return 0;
  /* Asked again with the write lock held: two syncs at once cannot both
   * see it missing (and the unique index on the UIDL backs this up). */
  if (casella_store_pop3_is_known (self, uidl))
    {
      casella_store_rollback (self);
      return -1;
    }
  info->folder_id = folder_id;
  info->uid = casella_store_get_max_uid (self, folder_id) + 1;
  info->uidl = g_strdup (uidl);
  id = casella_store_add_message (self, info, error);
  if (id == 0 || !casella_store_set_body (self, id, raw, error) || !pop3_note (self, uidl, now, error))
    {
      casella_store_rollback (self);
      return 0;
    }
  if (!casella_store_commit (self, error))
    return 0;
  return id;
}

GPtrArray *
casella_store_pop3_deletable (CasellaStore  *self,
                              gint64         older_than,
                              gboolean       deleted_here,
                              GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self,
    "SELECT uidl FROM pop3_seen WHERE (?1 > 0 AND downloaded < ?1) OR (?2 AND deleted_here)", error);
  GPtrArray *uidls;
  int rc;

  if (statement == NULL)
    return NULL;
  sqlite3_bind_int64 (statement, 1, older_than);
  sqlite3_bind_int (statement, 2, deleted_here);
  uidls = g_ptr_array_new_with_free_func (g_free);
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    g_ptr_array_add (uidls, casella_store_column_text (statement, 0));
  sqlite3_reset (statement);
  if (rc != SQLITE_DONE)
    {
      casella_store_set_error (self, rc, error);
      g_ptr_array_unref (uidls);
      return NULL;
    }
  return uidls;
}

gboolean
casella_store_pop3_forget (CasellaStore  *self,
                           const char    *uidl,
                           GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "DELETE FROM pop3_seen WHERE uidl = ?", error);

  if (statement == NULL)
    return FALSE;
  casella_store_bind_text (statement, 1, uidl);
  return casella_store_run (self, statement, error);
}

gboolean
casella_store_pop3_keep_only (CasellaStore  *self,
                              GHashTable    *on_server,
                              GError       **error)
{
  g_autoptr(GPtrArray) all = casella_store_pop3_deletable (self, G_MAXINT64, FALSE, error);

  if (all == NULL || !casella_store_begin (self, error))
    return FALSE;
  for (guint i = 0; i < all->len; i++)
    if (!g_hash_table_contains (on_server, all->pdata[i]) && !casella_store_pop3_forget (self, all->pdata[i], error))
      {
        casella_store_rollback (self);
        return FALSE;
      }
  return casella_store_commit (self, error);
}

gboolean
casella_store_pop3_deleted_here (CasellaStore  *self,
                                 const char    *uidl,
                                 GError       **error)
{
  sqlite3_stmt *statement = casella_store_prepare (self, "UPDATE pop3_seen SET deleted_here = 1 WHERE uidl = ?",
                                                   error);

  if (statement == NULL)
    return FALSE;
  casella_store_bind_text (statement, 1, uidl);
  return casella_store_run (self, statement, error);
}
