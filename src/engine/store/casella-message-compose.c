/* casella-message-compose.c — messages made here
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-address.h"
#include "casella-gmime.h"
#include "casella-message-compose.h"
#include "casella-message-text.h"

/* ---- attachments ---- */

CasellaAttachment *
casella_attachment_new (const char *filename,
                        const char *content_type,
                        GBytes     *data)
{
  CasellaAttachment *attachment = g_new0 (CasellaAttachment, 1);

  attachment->filename = g_strdup (filename ? filename : "attachment");
  attachment->content_type = g_strdup (content_type ? content_type : "application/octet-stream");
  attachment->data = g_bytes_ref (data);
  return attachment;
}

void
casella_attachment_free (CasellaAttachment *attachment)
{
  if (attachment == NULL)
    return;
  g_free (attachment->filename);
  g_free (attachment->content_type);
  g_free (attachment->content_id);
  g_bytes_unref (attachment->data);
  g_free (attachment);
}

static GBytes *
part_data (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  g_autoptr(GMimeStream) out = g_mime_stream_mem_new ();
  GByteArray *array;

  if (content == NULL)
    return g_bytes_new (NULL, 0);
  g_mime_data_wrapper_write_to_stream (content, out);
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
  return g_bytes_new (array->data, array->len);
}

static void
collect_attachment (GMimeObject *parent,
                    GMimeObject *part,
                    gpointer     user_data)
{
  GPtrArray *attachments = user_data;
  GMimeContentDisposition *disposition;
  g_autoptr(GBytes) data = NULL;
  g_autofree char *type = NULL;
  CasellaAttachment *attachment;

  if (!GMIME_IS_PART (part))
    return;
  disposition = g_mime_object_get_content_disposition (part);
  if (!(disposition && g_mime_content_disposition_is_attachment (disposition)) &&
      (g_mime_part_get_filename (GMIME_PART (part)) == NULL || GMIME_IS_TEXT_PART (part)))
    return;
  data = part_data (GMIME_PART (part));
  type = g_mime_content_type_get_mime_type (g_mime_object_get_content_type (part));
  attachment = casella_attachment_new (g_mime_part_get_filename (GMIME_PART (part)), type, data);
  attachment->content_id = g_strdup (g_mime_object_get_content_id (part));
  g_ptr_array_add (attachments, attachment);
}

GPtrArray *
casella_message_get_attachments (GMimeMessage *message)
{
  GPtrArray *attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_attachment_free);

  g_mime_message_foreach (message, collect_attachment, attachments);
  return attachments;
}

GMimeMessage *
casella_message_parse (GBytes *raw)
{
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL),
                                                                     g_bytes_get_size (raw));
  g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);

  return g_mime_parser_construct_message (parser, NULL);
}

/* ---- drafts ---- */

CasellaDraft *
casella_draft_new (void)
{
  CasellaDraft *draft = g_new0 (CasellaDraft, 1);

  draft->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_attachment_free);
  return draft;
}

void
casella_draft_free (CasellaDraft *draft)
{
  if (draft == NULL)
    return;
  g_free (draft->from_name);
  g_free (draft->from_address);
  g_free (draft->to);
  g_free (draft->cc);
  g_free (draft->bcc);
  g_free (draft->reply_to);
  g_free (draft->subject);
  g_free (draft->body);
  g_free (draft->in_reply_to);
  g_free (draft->references);
  g_free (draft->pec_receipt);
  g_ptr_array_unref (draft->attachments);
  g_free (draft);
}

static char *
list_text (InternetAddressList *list)
{
  return casella_address_list_display (list);
}

static char *
with_prefix (const char *subject,
             const char *prefix)
{
  if (subject != NULL && g_ascii_strncasecmp (subject, prefix, strlen (prefix)) == 0)
    return g_strdup (subject);
  return g_strconcat (prefix, " ", subject ? subject : "", NULL);
}

static char *
quote (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i]; i++)
    {
      if (lines[i + 1] == NULL && lines[i][0] == '\0')
        break;
      g_string_append_printf (out, ">%s%s\n", lines[i][0] == '>' || lines[i][0] == '\0' ? "" : " ", lines[i]);
    }
  return g_string_free (out, FALSE);
}

/* Addresses in list that are neither mine nor already in skip. */
static void
add_others (GString             *out,
            InternetAddressList *list,
            const char          *mine,
            GHashTable          *skip)
{
  for (int i = 0; list && i < internet_address_list_length (list); i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, i);
      const char *addr;
      g_autofree char *text = NULL, *key = NULL;

      if (!INTERNET_ADDRESS_IS_MAILBOX (address))
        continue;
      addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));
      key = g_ascii_strdown (addr, -1);
      if ((mine && g_ascii_strcasecmp (addr, mine) == 0) || g_hash_table_contains (skip, key))
        continue;
      g_hash_table_add (skip, g_steal_pointer (&key));
      text = internet_address_to_string (address, NULL, FALSE);
      g_string_append_printf (out, "%s%s", out->len ? ", " : "", text);
    }
}

static char *
references_for (GMimeMessage *original)
{
  const char *refs = g_mime_object_get_header (GMIME_OBJECT (original), "References");
  const char *id = g_mime_message_get_message_id (original);

  if (id == NULL)
    return g_strdup (refs);
  return g_strdup_printf ("%s%s<%s>", refs ? refs : "", refs ? " " : "", id);
}

CasellaDraft *
casella_draft_new_reply (GMimeMessage *original,
                         const char   *my_address,
                         gboolean      all,
                         const char   *intro)
{
  CasellaDraft *draft = casella_draft_new ();
  InternetAddressList *reply_to = g_mime_message_get_reply_to (original);
  InternetAddressList *to = reply_to && internet_address_list_length (reply_to) > 0 ? reply_to
                                                                                      : g_mime_message_get_from (original);
  g_autoptr(GHashTable) skip = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GString *to_text = g_string_new (NULL), *cc_text = g_string_new (NULL);
  g_autofree char *text = casella_message_get_text (original, NULL);
  g_autofree char *quoted = quote (text);

  add_others (to_text, to, NULL, skip);
  if (all)
    {
      add_others (cc_text, g_mime_message_get_to (original), my_address, skip);
      add_others (cc_text, g_mime_message_get_cc (original), my_address, skip);
    }
  draft->to = g_string_free (to_text, FALSE);
  draft->cc = cc_text->len ? g_string_free (cc_text, FALSE) : (g_string_free (cc_text, TRUE), NULL);
  draft->subject = with_prefix (g_mime_message_get_subject (original), "Re:");
  draft->in_reply_to = g_strdup (g_mime_message_get_message_id (original));
  draft->references = references_for (original);
  draft->body = g_strdup_printf ("\n\n%s\n%s", intro ? intro : "", quoted);
  return draft;
}

CasellaDraft *
casella_draft_new_forward (GMimeMessage *original,
                           const char   *intro)
{
  CasellaDraft *draft = casella_draft_new ();
  g_autofree char *text = casella_message_get_text (original, NULL);
  g_autoptr(GPtrArray) attachments = casella_message_get_attachments (original);

  draft->subject = with_prefix (g_mime_message_get_subject (original), "Fwd:");
  draft->body = g_strdup_printf ("\n\n%s\n\n%s", intro ? intro : "", text);
  for (guint i = 0; i < attachments->len; i++)
    g_ptr_array_add (draft->attachments, g_ptr_array_steal_index (attachments, i--));
  return draft;
}

CasellaDraft *
casella_draft_new_from_message (GMimeMessage *message)
{
  CasellaDraft *draft = casella_draft_new ();
  g_autoptr(GPtrArray) attachments = casella_message_get_attachments (message);
  const char *in_reply_to = g_mime_object_get_header (GMIME_OBJECT (message), "In-Reply-To");
  InternetAddressList *from = g_mime_message_get_from (message);
  InternetAddress *sender = from && internet_address_list_length (from) > 0 ? internet_address_list_get_address (from, 0)
                                                                            : NULL;

  /* Written from one of the other addresses: it stays so. */
  if (INTERNET_ADDRESS_IS_MAILBOX (sender))
    {
      draft->from_name = g_strdup (internet_address_get_name (sender));
      draft->from_address = g_strdup (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (sender)));
    }
  draft->to = list_text (g_mime_message_get_to (message));
  draft->cc = list_text (g_mime_message_get_cc (message));
  draft->bcc = list_text (g_mime_message_get_bcc (message));
  draft->reply_to = list_text (g_mime_message_get_reply_to (message));
  draft->subject = g_strdup (g_mime_message_get_subject (message));
  draft->body = casella_message_get_text (message, NULL);
  draft->in_reply_to = in_reply_to ? g_mime_utils_decode_message_id (in_reply_to) : NULL;
  draft->references = g_strdup (g_mime_object_get_header (GMIME_OBJECT (message), "References"));
  draft->pec_receipt = g_strdup (g_mime_object_get_header (GMIME_OBJECT (message), "X-TipoRicevuta"));
  for (guint i = 0; i < attachments->len; i++)
    g_ptr_array_add (draft->attachments, g_ptr_array_steal_index (attachments, i--));
  return draft;
}

/* ---- checking and building ---- */

gboolean
casella_address_list_is_valid (const char *text,
                               gboolean    may_be_empty)
{
  g_autoptr(InternetAddressList) list = NULL;
  g_autofree char *trimmed = g_strstrip (g_strdup (text ? text : ""));

  if (trimmed[0] == '\0')
    return may_be_empty;
  list = internet_address_list_parse (NULL, trimmed);
  if (list == NULL || internet_address_list_length (list) == 0)
    return FALSE;
  for (int i = 0; i < internet_address_list_length (list); i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, i);
      if (!INTERNET_ADDRESS_IS_MAILBOX (address) ||
          !casella_address_is_valid (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address))))
        return FALSE;
    }
  return TRUE;
}

static void
add_addresses (GMimeMessage     *message,
               GMimeAddressType  type,
               const char       *text)
{
  g_autoptr(InternetAddressList) list = NULL;

  if (text == NULL || text[0] == '\0')
    return;
  list = internet_address_list_parse (NULL, text);
  if (list != NULL)
    internet_address_list_append (g_mime_message_get_addresses (message, type), list);
}

static GMimeObject *
text_part (const char *body)
{
  GMimeTextPart *part = g_mime_text_part_new_with_subtype ("plain");

  g_mime_text_part_set_text (part, body ? body : "");
  return GMIME_OBJECT (part);
}

static GMimeObject *
attachment_part (const CasellaAttachment *attachment)
{
  g_autoptr(GMimeContentType) type = g_mime_content_type_parse (NULL, attachment->content_type);
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (attachment->data, NULL),
                                                                     g_bytes_get_size (attachment->data));
  g_autoptr(GMimeDataWrapper) content = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
  GMimePart *part = g_mime_part_new_with_type (g_mime_content_type_get_media_type (type),
                                               g_mime_content_type_get_media_subtype (type));

  g_mime_part_set_content (part, content);
  g_mime_part_set_filename (part, attachment->filename);
  g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_BASE64);
  g_mime_object_set_disposition (GMIME_OBJECT (part), GMIME_DISPOSITION_ATTACHMENT);
  return GMIME_OBJECT (part);
}

static void
set_thread_headers (GMimeMessage       *message,
                    const CasellaDraft *draft)
{
  if (draft->in_reply_to != NULL)
    {
      g_autofree char *value = g_strdup_printf ("<%s>", draft->in_reply_to);
      g_mime_object_set_header (GMIME_OBJECT (message), "In-Reply-To", value, NULL);
    }
  if (draft->references != NULL)
    g_mime_object_set_header (GMIME_OBJECT (message), "References", draft->references, NULL);
  /* The provider reads it; only the three kinds it knows go out. */
  if (g_strcmp0 (draft->pec_receipt, "breve") == 0 || g_strcmp0 (draft->pec_receipt, "sintetica") == 0)
    g_mime_object_set_header (GMIME_OBJECT (message), "X-TipoRicevuta", draft->pec_receipt, NULL);
}

GMimeMessage *
casella_draft_to_message (const CasellaDraft *draft)
{
  GMimeMessage *message = g_mime_message_new (TRUE);
  const char *at = draft->from_address ? strrchr (draft->from_address, '@') : NULL;
  g_autofree char *id = g_mime_utils_generate_message_id (at ? at + 1 : "casella.invalid");
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  GMimeObject *body = text_part (draft->body);

  if (draft->from_address != NULL)
    internet_address_list_add (g_mime_message_get_from (message),
                               internet_address_mailbox_new (draft->from_name, draft->from_address));
  add_addresses (message, GMIME_ADDRESS_TYPE_TO, draft->to);
  add_addresses (message, GMIME_ADDRESS_TYPE_CC, draft->cc);
  add_addresses (message, GMIME_ADDRESS_TYPE_BCC, draft->bcc);
  add_addresses (message, GMIME_ADDRESS_TYPE_REPLY_TO, draft->reply_to);
  g_mime_message_set_subject (message, draft->subject ? draft->subject : "", "utf-8");
  g_mime_message_set_date (message, now);
  g_mime_message_set_message_id (message, id);
  set_thread_headers (message, draft);
  if (draft->attachments->len > 0)
    {
      GMimeMultipart *mixed = g_mime_multipart_new_with_subtype ("mixed");

      g_mime_multipart_add (mixed, body);
      g_object_unref (body);
      for (guint i = 0; i < draft->attachments->len; i++)
        {
          g_autoptr(GMimeObject) part = attachment_part (draft->attachments->pdata[i]);
          g_mime_multipart_add (mixed, part);
        }
      body = GMIME_OBJECT (mixed);
    }
  g_mime_message_set_mime_part (message, body);
  g_object_unref (body);
  return message;
}

GBytes *
casella_draft_to_bytes (const CasellaDraft *draft)
{
  g_autoptr(GMimeMessage) message = casella_draft_to_message (draft);
  g_autoptr(GMimeFormatOptions) options = g_mime_format_options_new ();
  char *text;

  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  text = g_mime_object_to_string (GMIME_OBJECT (message), options);
  return g_bytes_new_take (text, strlen (text));
}

/* ---- a forgotten attachment ---- */

/* Beginnings of words that say a file comes with the message, folded
 * (lower case, no accents): English and Italian. "alleg" alone would
 * also find "allegro" and "allegria". */
static const char *attachment_words[] = {
  "attach", "enclos",
  "allegat", "allego", "alleghi", "allegare", "allegand", "alleghiamo",
};

static gboolean
line_mentions_attachment (const char *line)
{
  g_autofree char *folded = g_utf8_normalize (line, -1, G_NORMALIZE_NFD);
  g_autofree char *lower = folded ? g_utf8_strdown (folded, -1) : NULL;

  if (lower == NULL)
    return FALSE;
  for (const char *at = lower; *at != '\0'; at = g_utf8_next_char (at))
    {
      /* Only where a word begins. */
      if (at != lower && g_unichar_isalnum (g_utf8_get_char (g_utf8_prev_char (at))))
        continue;
      for (guint i = 0; i < G_N_ELEMENTS (attachment_words); i++)
        if (g_str_has_prefix (at, attachment_words[i]))
          return TRUE;
    }
  return FALSE;
}

gboolean
casella_draft_mentions_attachment (const char *body)
{
  g_auto(GStrv) lines = g_strsplit (body ? body : "", "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strchomp (lines[i]);
      /* The signature and what follows it are not what was written now. */
      if (g_str_equal (lines[i], "--"))
        break;
      /* Quoted: what someone else wrote. */
      if (lines[i][0] == '>')
        continue;
      if (line_mentions_attachment (lines[i]))
        return TRUE;
    }
  return FALSE;
}
