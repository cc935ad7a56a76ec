/* casella-pec.c — reading certified mail: envelopes, receipts, daticert.xml
 *
 * Parts are found by name and type, never by position: providers order
 * them differently. daticert.xml is read with GMarkup, which expands no
 * entities but the five XML ones and loads nothing: a hostile file can
 * only fail to parse.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "casella-gmime.h"
#include "casella-pec.h"

G_DEFINE_QUARK (casella-pec-error-quark, casella_pec_error)

/* Far more than any real file (a few KiB): the rest is refused. */
#define MAX_DATICERT (1024 * 1024)
#define MAX_FIELD 4096
#define MAX_RECIPIENTS 1000
#define MAX_DEPTH 16

static const struct {
  const char     *name;
  CasellaPecKind  kind;
} kind_names[] = {
  { "posta-certificata", CASELLA_PEC_MESSAGE },
  { "errore", CASELLA_PEC_ANOMALY },
  { "accettazione", CASELLA_PEC_ACCEPTANCE },
  { "non-accettazione", CASELLA_PEC_NON_ACCEPTANCE },
  { "presa-in-carico", CASELLA_PEC_TAKEN_IN_CHARGE },
  { "avvenuta-consegna", CASELLA_PEC_DELIVERY },
  { "errore-consegna", CASELLA_PEC_DELIVERY_ERROR },
  { "preavviso-errore-consegna", CASELLA_PEC_DELIVERY_WARNING },
  { "rilevazione-virus", CASELLA_PEC_VIRUS },
};

CasellaPecKind
casella_pec_kind_from_string (const char *name)
{
  g_autofree char *trimmed = name ? g_strstrip (g_ascii_strdown (name, -1)) : NULL;

  for (guint i = 0; trimmed && i < G_N_ELEMENTS (kind_names); i++)
    if (g_str_equal (trimmed, kind_names[i].name))
      return kind_names[i].kind;
  return CASELLA_PEC_NONE;
}

const char *
casella_pec_kind_to_string (CasellaPecKind kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (kind_names[i].kind == kind)
      return kind_names[i].name;
  return "none";
}

/* ---- daticert.xml ---- */

static void
recipient_free (CasellaPecRecipient *recipient)
{
  g_free (recipient->address);
  g_free (recipient);
}

void
casella_daticert_free (CasellaDaticert *daticert)
{
  if (daticert == NULL)
    return;
  g_free (daticert->error);
  g_free (daticert->sender);
  g_ptr_array_unref (daticert->recipients);
  g_free (daticert->reply_to);
  g_free (daticert->subject);
  g_free (daticert->provider);
  g_free (daticert->zone);
  g_free (daticert->identifier);
  g_free (daticert->msgid);
  g_free (daticert->receipt_type);
  g_free (daticert->delivered_to);
  g_free (daticert->error_detail);
  g_free (daticert);
}

typedef struct {
  CasellaDaticert *daticert;
  GString         *text;
  guint            depth;
  gboolean         root_seen;
  gboolean         recipient_certified;
  char            *day;
  char            *time;
} Reader;

static const char *
attribute (const char **names,
           const char **values,
           const char  *name)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], name))
      return values[i];
  return NULL;
}

static char *
clean (const char *text)
{
  return text ? g_strstrip (g_strdup (text)) : NULL;
}

static void
on_start (GMarkupParseContext  *context,
          const char           *element,
          const char          **names,
          const char          **values,
          gpointer              user_data,
          GError              **error)
{
  Reader *reader = user_data;
  CasellaDaticert *d = reader->daticert;

  if (++reader->depth > MAX_DEPTH || (reader->depth == 1) != g_str_equal (element, "postacert") ||
      (reader->depth == 1 && reader->root_seen))
    {
      g_set_error (error, CASELLA_PEC_ERROR, CASELLA_PEC_ERROR_INVALID, "Not a daticert.xml (<%s>)", element);
      return;
    }
  g_string_truncate (reader->text, 0);
  if (g_str_equal (element, "postacert"))
    {
      const char *error_name = attribute (names, values, "errore");

      reader->root_seen = TRUE;
      d->kind = casella_pec_kind_from_string (attribute (names, values, "tipo"));
      if (error_name != NULL && g_ascii_strcasecmp (error_name, "nessuno") != 0)
        d->error = clean (error_name);
    }
  else if (g_str_equal (element, "destinatari"))
    reader->recipient_certified = g_strcmp0 (attribute (names, values, "tipo"), "esterno") != 0;
  else if (g_str_equal (element, "data"))
    {
      g_free (d->zone);
      d->zone = clean (attribute (names, values, "zona"));
    }
  else if (g_str_equal (element, "ricevuta"))
    {
      g_free (d->receipt_type);
      d->receipt_type = clean (attribute (names, values, "tipo"));
    }
}

/* The elements that hold text, and where it goes. */
static char **
field_for (Reader     *reader,
           const char *element)
{
  CasellaDaticert *d = reader->daticert;
  struct { const char *name; char **field; } fields[] = {
    { "mittente", &d->sender }, { "risposte", &d->reply_to }, { "oggetto", &d->subject },
    { "gestore-emittente", &d->provider }, { "identificativo", &d->identifier }, { "msgid", &d->msgid },
    { "consegna", &d->delivered_to }, { "errore-esteso", &d->error_detail },
    { "giorno", &reader->day }, { "ora", &reader->time },
  };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (g_str_equal (element, fields[i].name))
      return fields[i].field;
  return NULL;
}

static void
on_end (GMarkupParseContext  *context,
        const char           *element,
        gpointer              user_data,
        GError              **error)
{
  Reader *reader = user_data;
  char **field = field_for (reader, element);

  reader->depth--;
  if (g_str_equal (element, "destinatari") && reader->text->len > 0)
    {
      CasellaPecRecipient *recipient = g_new0 (CasellaPecRecipient, 1);

      if (reader->daticert->recipients->len >= MAX_RECIPIENTS)
        {
          g_free (recipient);
          g_set_error (error, CASELLA_PEC_ERROR, CASELLA_PEC_ERROR_INVALID, "Too many recipients");
          return;
        }
      recipient->address = clean (reader->text->str);
      recipient->certified = reader->recipient_certified;
      g_ptr_array_add (reader->daticert->recipients, recipient);
    }
  else if (field != NULL)
    {
      g_free (*field);
      *field = clean (reader->text->str);
    }
  g_string_truncate (reader->text, 0);
}

static void
on_text (GMarkupParseContext  *context,
         const char           *text,
         gsize                 length,
         gpointer              user_data,
         GError              **error)
{
  Reader *reader = user_data;

  if (reader->text->len + length > MAX_FIELD)
    {
      g_set_error (error, CASELLA_PEC_ERROR, CASELLA_PEC_ERROR_INVALID, "A field is too long");
      return;
    }
  g_string_append_len (reader->text, text, (gssize) length);
}

/* "05/12/2024" "00:02:10" "+0100" to seconds since the epoch; 0: not a time. */
static gint64
certified_time (const char *day,
                const char *time,
                const char *zone)
{
  int d, mo, y, h, mi, s, zh = 0, zm = 0;
  char sign = '+', end;
  g_autoptr(GDateTime) utc = NULL;

  if (day == NULL || time == NULL || sscanf (day, "%2d/%2d/%4d%c", &d, &mo, &y, &end) != 3 ||
      sscanf (time, "%2d:%2d:%2d%c", &h, &mi, &s, &end) != 3)
    return 0;
  if (zone != NULL && zone[0] != '\0' &&
      (sscanf (zone, "%c%2d%2d%c", &sign, &zh, &zm, &end) != 3 || (sign != '+' && sign != '-') || zh > 14 ||
       zm > 59 || zh < 0 || zm < 0))
    return 0;
  if (y < 1970 || y > 9999)
    return 0;
  utc = g_date_time_new_utc (y, mo, d, h, mi, s);
  if (utc == NULL)
    return 0;
  return g_date_time_to_unix (utc) - (sign == '-' ? -1 : 1) * (zh * 3600 + zm * 60);
}

static char *
strip_angles (char *id)
{
  gsize length;

  if (id == NULL)
    return NULL;
  g_strstrip (id);
  length = strlen (id);
  if (length >= 2 && id[0] == '<' && id[length - 1] == '>')
    {
      memmove (id, id + 1, length - 2);
      id[length - 2] = '\0';
    }
  if (id[0] == '\0')
    g_clear_pointer (&id, g_free);
  return id;
}

CasellaDaticert *
casella_daticert_parse (const char  *xml,
                        gsize        length,
                        GError     **error)
{
  static const GMarkupParser parser = { on_start, on_end, on_text, NULL, NULL };
  g_autoptr(CasellaDaticert) daticert = g_new0 (CasellaDaticert, 1);
  g_autofree char *converted = NULL;
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  Reader reader = { daticert, text, 0, FALSE, TRUE, NULL, NULL };
  gboolean ok;

  daticert->recipients = g_ptr_array_new_with_free_func ((GDestroyNotify) recipient_free);
  if (xml == NULL || length == 0 || length > MAX_DATICERT || memchr (xml, '\0', length) != NULL)
    {
      g_set_error (error, CASELLA_PEC_ERROR, CASELLA_PEC_ERROR_INVALID, "Not a daticert.xml");
      return NULL;
    }
  /* Some providers declare ISO-8859-1; GMarkup reads only UTF-8. */
  if (!g_utf8_validate (xml, (gssize) length, NULL))
    {
      converted = g_convert (xml, (gssize) length, "UTF-8", "ISO-8859-1", NULL, &length, NULL);
      if (converted == NULL)
        {
          g_set_error (error, CASELLA_PEC_ERROR, CASELLA_PEC_ERROR_INVALID, "Not a daticert.xml");
          return NULL;
        }
      xml = converted;
    }
  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &reader, NULL);
  ok = g_markup_parse_context_parse (context, xml, (gssize) length, error) &&
       g_markup_parse_context_end_parse (context, error);
  daticert->date = certified_time (reader.day, reader.time, daticert->zone);
  g_free (reader.day);
  g_free (reader.time);
  if (!ok)
    return NULL;
  if (!reader.root_seen)
    {
      g_set_error (error, CASELLA_PEC_ERROR, CASELLA_PEC_ERROR_INVALID, "Not a daticert.xml");
      return NULL;
    }
  daticert->msgid = strip_angles (daticert->msgid);
  return g_steal_pointer (&daticert);
}

/* ---- the message ---- */

gboolean
casella_pec_is_provider_address (const char *address)
{
  const char *at = address ? strrchr (address, '@') : NULL;

  return at != NULL && at[1] != '\0' && (gsize) (at - address) == strlen ("posta-certificata") &&
         g_ascii_strncasecmp (address, "posta-certificata", (gsize) (at - address)) == 0;
}

gboolean
casella_pec_address_looks_certified (const char *address)
{
  /* The providers' own domains, and the words their customers' use. */
  static const char *const labels[] = { "pec", "legalmail", "postacert", "sicurezzapostale", "postecert",
                                        "postecertifica", "cert", "certmail", "gigapec", "arubapec", NULL };
  const char *at = address ? strrchr (address, '@') : NULL;
  g_auto(GStrv) parts = NULL;

  if (at == NULL)
    return FALSE;
  parts = g_strsplit (at + 1, ".", -1);
  for (guint i = 0; parts[i] && parts[i + 1]; i++)   /* the last is the country */
    {
      g_autofree char *label = g_ascii_strdown (parts[i], -1);

      if (g_strv_contains (labels, label) || g_str_has_prefix (label, "pec") || g_str_has_suffix (label, "pec"))
        return TRUE;
    }
  return FALSE;
}

char *
casella_pec_on_behalf_of (const char *name)
{
  static const char prefix[] = "Per conto di:";
  g_autofree char *address = NULL;

  if (name == NULL || g_ascii_strncasecmp (name, prefix, strlen (prefix)) != 0)
    return NULL;
  address = g_strstrip (g_strdup (name + strlen (prefix)));
  return strchr (address, '@') != NULL && strchr (address, ' ') == NULL ? g_steal_pointer (&address) : NULL;
}

static const struct {
  const char     *prefix;
  CasellaPecKind  kind;
} subject_prefixes[] = {
  { "POSTA CERTIFICATA: ", CASELLA_PEC_MESSAGE },
  { "ANOMALIA MESSAGGIO: ", CASELLA_PEC_ANOMALY },
  { "ACCETTAZIONE: ", CASELLA_PEC_ACCEPTANCE },
  { "AVVISO DI NON ACCETTAZIONE PER VIRUS: ", CASELLA_PEC_NON_ACCEPTANCE },
  { "AVVISO DI NON ACCETTAZIONE: ", CASELLA_PEC_NON_ACCEPTANCE },
  { "PRESA IN CARICO: ", CASELLA_PEC_TAKEN_IN_CHARGE },
  { "CONSEGNA: ", CASELLA_PEC_DELIVERY },
  /* The 12-hour warning and the 24-hour failure share it: the
   * daticert.xml tells them apart once the body is here. */
  { "AVVISO DI MANCATA CONSEGNA PER SUP. TEMPO MASSIMO: ", CASELLA_PEC_DELIVERY_WARNING },
  { "AVVISO DI MANCATA CONSEGNA PER VIRUS: ", CASELLA_PEC_DELIVERY_ERROR },
  { "AVVISO DI MANCATA CONSEGNA: ", CASELLA_PEC_DELIVERY_ERROR },
  { "AVVISO DI RILEVAZIONE VIRUS: ", CASELLA_PEC_VIRUS },
  { "REM Dispatch: ", CASELLA_PEC_MESSAGE },
  { "REM SubmissionAcceptance: ", CASELLA_PEC_ACCEPTANCE },
  { "REM SubmissionRejection: ", CASELLA_PEC_NON_ACCEPTANCE },
  { "REM RelayAcceptance: ", CASELLA_PEC_TAKEN_IN_CHARGE },
  { "REM ContentConsignment: ", CASELLA_PEC_DELIVERY },
  { "REM ContentConsignmentFailure: ", CASELLA_PEC_DELIVERY_ERROR },
  { "REM RelayFailure: ", CASELLA_PEC_DELIVERY_ERROR },
  { "EXTERNAL: ", CASELLA_PEC_ANOMALY },
};

CasellaPecKind
casella_pec_kind_from_subject (const char  *subject,
                               const char **stripped)
{
  for (guint i = 0; subject && i < G_N_ELEMENTS (subject_prefixes); i++)
    if (g_ascii_strncasecmp (subject, subject_prefixes[i].prefix, strlen (subject_prefixes[i].prefix)) == 0)
      {
        if (stripped != NULL)
          *stripped = subject + strlen (subject_prefixes[i].prefix);
        return subject_prefixes[i].kind;
      }
  if (stripped != NULL)
    *stripped = subject;
  return CASELLA_PEC_NONE;
}

/* REM-MessageType values (ETSI EN 319 532-4). */
static CasellaPecKind
rem_kind (const char *type)
{
  static const struct { const char *name; CasellaPecKind kind; } types[] = {
    { "Dispatch", CASELLA_PEC_MESSAGE },
    { "SubmissionAcceptance", CASELLA_PEC_ACCEPTANCE },
    { "SubmissionRejection", CASELLA_PEC_NON_ACCEPTANCE },
    { "RelayAcceptance", CASELLA_PEC_TAKEN_IN_CHARGE },
    { "ContentConsignment", CASELLA_PEC_DELIVERY },
    { "ContentConsignmentFailure", CASELLA_PEC_DELIVERY_ERROR },
    { "RelayFailure", CASELLA_PEC_DELIVERY_ERROR },
    { "ReceivedFromNonERDS", CASELLA_PEC_ANOMALY },
  };
  g_autofree char *trimmed = type ? g_strstrip (g_strdup (type)) : NULL;

  for (guint i = 0; trimmed && i < G_N_ELEMENTS (types); i++)
    if (g_ascii_strcasecmp (trimmed, types[i].name) == 0)
      return types[i].kind;
  return CASELLA_PEC_NONE;
}

typedef struct {
  GMimePart        *daticert;
  GMimeMessagePart *inner;        /* the best candidate so far */
  int               inner_rank;   /* 3: postacert.eml, 2: REM's original, 1: any message */
} Parts;

static gboolean
has_name (GMimeObject *object,
          const char  *name)
{
  const char *filename = GMIME_IS_PART (object) ? g_mime_part_get_filename (GMIME_PART (object))
                                                : g_mime_object_get_content_disposition_parameter (object, "filename");

  if (filename == NULL)
    filename = g_mime_object_get_content_type_parameter (object, "name");
  return filename != NULL && g_ascii_strcasecmp (filename, name) == 0;
}

/* Through the multiparts only: a message inside is someone else's. */
static void
find_parts (GMimeObject *object,
            Parts       *parts,
            guint        depth)
{
  if (depth > 8)
    return;
  if (GMIME_IS_MULTIPART (object))
    {
      int n = g_mime_multipart_get_count (GMIME_MULTIPART (object));

      for (int i = 0; i < n; i++)
        find_parts (g_mime_multipart_get_part (GMIME_MULTIPART (object), i), parts, depth + 1);
    }
  else if (GMIME_IS_MESSAGE_PART (object))
    {
      const char *section = g_mime_object_get_header (object, "REM-Section-Type");
      int rank = has_name (object, "postacert.eml") ? 3
               : section && strstr (section, "rem_message/original") ? 2 : 1;

      if (rank > parts->inner_rank && g_mime_message_part_get_message (GMIME_MESSAGE_PART (object)) != NULL)
        parts->inner = GMIME_MESSAGE_PART (object), parts->inner_rank = rank;
    }
  else if (GMIME_IS_PART (object) && parts->daticert == NULL && has_name (object, "daticert.xml"))
    parts->daticert = GMIME_PART (object);
}

static CasellaDaticert *
read_daticert (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  g_autoptr(GMimeStream) stream = NULL;
  GByteArray *bytes;

  if (content == NULL)
    return NULL;
  stream = g_mime_stream_mem_new ();
  if (g_mime_data_wrapper_write_to_stream (content, stream) < 0)
    return NULL;
  bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  return casella_daticert_parse ((const char *) bytes->data, bytes->len, NULL);
}

static char *
header_message_id (GMimeMessage *message,
                   const char   *name)
{
  const char *value = g_mime_object_get_header (GMIME_OBJECT (message), name);

  return value ? strip_angles (g_mime_utils_decode_message_id (value)) : NULL;
}

static char *
real_sender (GMimeMessage *message,
             const char   *from_name)
{
  InternetAddressList *reply_to = g_mime_message_get_reply_to (message);
  InternetAddress *first = reply_to && internet_address_list_length (reply_to) > 0
                             ? internet_address_list_get_address (reply_to, 0) : NULL;
  char *address = casella_pec_on_behalf_of (from_name);

  if (address == NULL && first != NULL && INTERNET_ADDRESS_IS_MAILBOX (first))
    address = g_strdup (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (first)));
  return address;
}

CasellaPec *
casella_pec_read (GMimeMessage *message)
{
  InternetAddressList *from = g_mime_message_get_from (message);
  InternetAddress *sender = from && internet_address_list_length (from) > 0
                              ? internet_address_list_get_address (from, 0) : NULL;
  GMimeObject *top = g_mime_message_get_mime_part (message);
  const char *transport = g_mime_object_get_header (GMIME_OBJECT (message), "X-Trasporto");
  const char *receipt = g_mime_object_get_header (GMIME_OBJECT (message), "X-Ricevuta");
  const char *rem_type = g_mime_object_get_header (GMIME_OBJECT (message), "REM-MessageType");
  const char *check = g_mime_object_get_header (GMIME_OBJECT (message), "X-VerificaSicurezza");
  Parts parts = { NULL, NULL, 0 };
  g_autoptr(CasellaPec) pec = NULL;

  if (sender == NULL || !INTERNET_ADDRESS_IS_MAILBOX (sender) ||
      !casella_pec_is_provider_address (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (sender))))
    return NULL;
  pec = g_new0 (CasellaPec, 1);
  pec->kind = receipt ? casella_pec_kind_from_string (receipt)
            : transport ? casella_pec_kind_from_string (transport)
            : CASELLA_PEC_NONE;
  if (rem_type != NULL && pec->kind == CASELLA_PEC_NONE)
    pec->kind = rem_kind (rem_type), pec->rem = TRUE;
  if (top != NULL)
    find_parts (top, &parts, 0);
  if (parts.daticert != NULL)
    pec->daticert = read_daticert (parts.daticert);
  if (pec->kind == CASELLA_PEC_NONE && pec->daticert != NULL)
    pec->kind = pec->daticert->kind;
  if (pec->kind == CASELLA_PEC_NONE)
    return NULL;
  /* Aruba and Namirial send the 12-hour notice with 5.4.1 as the final word. */
  if (pec->kind == CASELLA_PEC_DELIVERY_WARNING && pec->daticert && pec->daticert->error_detail &&
      g_str_has_prefix (pec->daticert->error_detail, "5.4.1"))
    pec->kind = CASELLA_PEC_DELIVERY_ERROR;
  pec->signed_envelope = GMIME_IS_MULTIPART_SIGNED (top);
  while (check != NULL && g_ascii_isspace (*check))
    check++;
  pec->security_error = check != NULL && g_ascii_strncasecmp (check, "errore", 6) == 0;
  pec->reference = header_message_id (message, pec->rem ? "REM-UAMessageIdentifier" : "X-Riferimento-Message-ID");
  if (pec->reference == NULL && pec->daticert != NULL)
    pec->reference = g_strdup (pec->daticert->msgid);
  pec->on_behalf_of = real_sender (message, internet_address_get_name (sender));
  pec->provider_address = g_strdup (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (sender)));
  return g_steal_pointer (&pec);
}

void
casella_pec_free (CasellaPec *pec)
{
  if (pec == NULL)
    return;
  g_free (pec->reference);
  g_free (pec->on_behalf_of);
  g_free (pec->provider_address);
  casella_daticert_free (pec->daticert);
  g_free (pec);
}

GMimeMessage *
casella_pec_get_inner (GMimeMessage *message)
{
  Parts parts = { NULL, NULL, 0 };
  GMimeObject *top = g_mime_message_get_mime_part (message);

  if (top != NULL)
    find_parts (top, &parts, 0);
  return parts.inner ? g_object_ref (g_mime_message_part_get_message (parts.inner)) : NULL;
}

/* ---- where a sent message got to ---- */

void
casella_pec_receipt_free (CasellaPecReceipt *receipt)
{
  if (receipt == NULL)
    return;
  g_free (receipt->identifier);
  g_free (receipt->zone);
  g_free (receipt->delivered_to);
  g_free (receipt->recipients);
  g_free (receipt->error);
  g_free (receipt->error_detail);
  g_free (receipt);
}

char *
casella_pec_recipients_to_string (GPtrArray *recipients)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; recipients && i < recipients->len; i++)
    {
      CasellaPecRecipient *recipient = g_ptr_array_index (recipients, i);
      g_string_append_printf (out, "%s%s:%s", out->len ? "\n" : "", recipient->certified ? "c" : "e",
                              recipient->address);
    }
  return g_string_free (out, FALSE);
}

static void
delivery_free (CasellaPecDelivery *delivery)
{
  g_free (delivery->address);
  g_free (delivery->detail);
  g_free (delivery);
}

void
casella_pec_status_free (CasellaPecStatus *status)
{
  if (status == NULL)
    return;
  g_free (status->identifier);
  g_free (status->detail);
  g_ptr_array_unref (status->recipients);
  g_free (status);
}

static CasellaPecDelivery *
delivery_for (CasellaPecStatus *status,
              const char       *address,
              gboolean          certified)
{
  CasellaPecDelivery *delivery;

  for (guint i = 0; i < status->recipients->len; i++)
    {
      delivery = g_ptr_array_index (status->recipients, i);
      if (g_ascii_strcasecmp (delivery->address, address) == 0)
        return delivery;
    }
  delivery = g_new0 (CasellaPecDelivery, 1);
  delivery->address = g_strdup (address);
  delivery->certified = certified;
  delivery->state = certified ? CASELLA_PEC_STATE_WAITING : CASELLA_PEC_STATE_NO_RECEIPT;
  g_ptr_array_add (status->recipients, delivery);
  return delivery;
}

static void
take_acceptance (CasellaPecStatus        *status,
                 const CasellaPecReceipt *receipt)
{
  g_auto(GStrv) lines = g_strsplit (receipt->recipients ? receipt->recipients : "", "\n", -1);

  status->state = CASELLA_PEC_STATE_ACCEPTED;
  status->date = receipt->date;
  status->receipt = receipt->message_id;
  g_free (status->identifier);
  status->identifier = g_strdup (receipt->identifier);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strlen (lines[i]) > 2 && lines[i][1] == ':')
      {
        CasellaPecDelivery *delivery = delivery_for (status, lines[i] + 2, lines[i][0] == 'c');

        /* The acceptance is the provider's word on who is PEC. */
        delivery->certified = lines[i][0] == 'c';
        if (!delivery->certified)
          delivery->state = CASELLA_PEC_STATE_NO_RECEIPT;
      }
}

static void
take_delivery (CasellaPecStatus        *status,
               const CasellaPecReceipt *receipt,
               CasellaPecState          state)
{
  CasellaPecDelivery *delivery;

  if (receipt->delivered_to == NULL)
    return;
  delivery = delivery_for (status, receipt->delivered_to, TRUE);
  /* Delivered is final; a failure outranks a warning. */
  if (delivery->state == CASELLA_PEC_STATE_DELIVERED ||
      (delivery->state == CASELLA_PEC_STATE_NOT_DELIVERED && state == CASELLA_PEC_STATE_DELAYED))
    return;
  delivery->state = state;
  delivery->date = receipt->date;
  delivery->receipt = receipt->message_id;
  g_free (delivery->detail);
  delivery->detail = g_strdup (receipt->error_detail);
}

CasellaPecStatus *
casella_pec_status_new (GPtrArray         *receipts,
                        const char *const *sent_to)
{
  CasellaPecStatus *status = g_new0 (CasellaPecStatus, 1);

  status->recipients = g_ptr_array_new_with_free_func ((GDestroyNotify) delivery_free);
  for (guint i = 0; sent_to && sent_to[i]; i++)
    delivery_for (status, sent_to[i], TRUE);
  for (guint i = 0; receipts && i < receipts->len; i++)
    {
      const CasellaPecReceipt *receipt = g_ptr_array_index (receipts, i);

      switch (receipt->kind)
        {
        case CASELLA_PEC_ACCEPTANCE:
          if (status->state != CASELLA_PEC_STATE_NOT_ACCEPTED)
            take_acceptance (status, receipt);
          break;
        case CASELLA_PEC_NON_ACCEPTANCE:
          status->state = CASELLA_PEC_STATE_NOT_ACCEPTED;
          status->date = receipt->date;
          status->receipt = receipt->message_id;
          g_free (status->detail);
          status->detail = g_strdup (receipt->error_detail ? receipt->error_detail : receipt->error);
          break;
        case CASELLA_PEC_DELIVERY:
          take_delivery (status, receipt, CASELLA_PEC_STATE_DELIVERED);
          break;
        case CASELLA_PEC_DELIVERY_ERROR:
        case CASELLA_PEC_VIRUS:
          take_delivery (status, receipt, CASELLA_PEC_STATE_NOT_DELIVERED);
          break;
        case CASELLA_PEC_DELIVERY_WARNING:
          take_delivery (status, receipt, CASELLA_PEC_STATE_DELAYED);
          break;
        default:
          break;
        }
    }
  return status;
}
