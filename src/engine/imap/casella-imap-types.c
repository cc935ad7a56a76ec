/* casella-imap-types.c — what IMAP commands return, as C structures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "casella-imap-types.h"
#include "casella-imap-utf7.h"

#define V_ATOMISH(v) ((v) && ((v)->type == CASELLA_IMAP_VALUE_ATOM || (v)->type == CASELLA_IMAP_VALUE_NUMBER))
#define V_STRINGISH(v) (V_ATOMISH (v) || ((v) && (v)->type == CASELLA_IMAP_VALUE_STRING))

/* Whether text is valid UTF-8 without NUL, as g_utf8_validate_len()
 * says. Header text is mostly ASCII: that part is checked eight bytes
 * at a time, and only what follows the first other byte goes through
 * the full check (a fetch of 100,000 envelopes spent a sixth of its
 * time validating). */
static gboolean
text_is_valid (const char *data,
               gsize       length)
{
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  const guint64 highs = G_GUINT64_CONSTANT (0x8080808080808080);
  gsize i = 0;

  for (; i + 8 <= length; i += 8)
    {
      guint64 word;

      memcpy (&word, data + i, sizeof word);
      /* A byte >= 0x80, or a zero byte. */
      if ((word & highs) != 0 || ((word - ones) & ~word & highs) != 0)
        break;
    }
  for (; i < length; i++)
    if ((guchar) data[i] >= 0x80 || data[i] == '\0')
      return g_utf8_validate_len (data + i, length - i, NULL);
  return TRUE;
}

/* A valid UTF-8 copy of a string value, or NULL for NIL and lists. */
static char *
dup_text (const CasellaImapValue *value)
{
  if (!V_STRINGISH (value))
    return NULL;
  if (text_is_valid (value->data, value->length))
    return g_strndup (value->data, value->length);
  return g_utf8_make_valid (value->data, value->length);
}

static char *
dup_lower (const CasellaImapValue *value)
{
  g_autofree char *text = dup_text (value);

  return text ? g_ascii_strdown (text, -1) : NULL;
}

/* ---- flags ---- */

static const struct {
  const char       *name;
  CasellaImapFlags  flag;
} flag_names[] = {
  { "\\Seen", CASELLA_IMAP_FLAG_SEEN },
  { "\\Answered", CASELLA_IMAP_FLAG_ANSWERED },
  { "\\Flagged", CASELLA_IMAP_FLAG_FLAGGED },
  { "\\Deleted", CASELLA_IMAP_FLAG_DELETED },
  { "\\Draft", CASELLA_IMAP_FLAG_DRAFT },
  { "\\Recent", CASELLA_IMAP_FLAG_RECENT },
  { "$Forwarded", CASELLA_IMAP_FLAG_FORWARDED },
  { "$Junk", CASELLA_IMAP_FLAG_JUNK },
  { "\\*", CASELLA_IMAP_FLAG_WILDCARD },
};

CasellaImapFlags
casella_imap_flags_from_value (const CasellaImapValue *list,
                               GStrv                  *keywords)
{
  CasellaImapFlags flags = 0;
  GPtrArray *others = NULL;

  if (keywords)
    *keywords = NULL;
  if (list == NULL || list->type != CASELLA_IMAP_VALUE_LIST)
    return 0;

  for (const CasellaImapValue *item = list->first; item; item = item->next)
    {
      gboolean known = FALSE;

      if (!V_ATOMISH (item))
        continue;
      for (guint i = 0; i < G_N_ELEMENTS (flag_names); i++)
        if (casella_imap_token_is (item->data, item->length, flag_names[i].name))
          {
            flags |= flag_names[i].flag;
            known = TRUE;
            break;
          }
      if (!known && keywords)
        {
          if (others == NULL)
            others = g_ptr_array_new ();
          g_ptr_array_add (others, g_strndup (item->data, item->length));
        }
    }

  if (others != NULL)
    {
      g_ptr_array_add (others, NULL);
      *keywords = (GStrv) g_ptr_array_free (others, FALSE);
    }
  return flags;
}

/* "\Seen \Flagged keyword": for STORE and APPEND (without parentheses). */
char *
casella_imap_flags_to_string (CasellaImapFlags    flags,
                              const char * const *keywords)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (flag_names); i++)
    if ((flags & flag_names[i].flag) &&
        flag_names[i].flag != CASELLA_IMAP_FLAG_RECENT &&
        flag_names[i].flag != CASELLA_IMAP_FLAG_WILDCARD)
      g_string_append_printf (out, "%s%s", out->len ? " " : "", flag_names[i].name);
  for (guint i = 0; keywords && keywords[i]; i++)
    g_string_append_printf (out, "%s%s", out->len ? " " : "", keywords[i]);
  return g_string_free (out, FALSE);
}

/* ---- LIST / LSUB ---- */

static const struct {
  const char              *name;
  CasellaImapMailboxFlags  flag;
} mailbox_attributes[] = {
  { "\\Noselect", CASELLA_IMAP_MAILBOX_NOSELECT },
  { "\\Noinferiors", CASELLA_IMAP_MAILBOX_NOINFERIORS },
  { "\\HasChildren", CASELLA_IMAP_MAILBOX_HAS_CHILDREN },
  { "\\HasNoChildren", CASELLA_IMAP_MAILBOX_HAS_NO_CHILDREN },
  { "\\Marked", CASELLA_IMAP_MAILBOX_MARKED },
  { "\\Unmarked", CASELLA_IMAP_MAILBOX_UNMARKED },
  { "\\NonExistent", CASELLA_IMAP_MAILBOX_NONEXISTENT | CASELLA_IMAP_MAILBOX_NOSELECT },
  { "\\Subscribed", CASELLA_IMAP_MAILBOX_SUBSCRIBED },
  { "\\All", CASELLA_IMAP_MAILBOX_ALL },
  { "\\Archive", CASELLA_IMAP_MAILBOX_ARCHIVE },
  { "\\Drafts", CASELLA_IMAP_MAILBOX_DRAFTS },
  { "\\Flagged", CASELLA_IMAP_MAILBOX_FLAGGED },
  { "\\Junk", CASELLA_IMAP_MAILBOX_JUNK },
  { "\\Sent", CASELLA_IMAP_MAILBOX_SENT },
  { "\\Trash", CASELLA_IMAP_MAILBOX_TRASH },
};

CasellaImapMailbox *
casella_imap_mailbox_from_response (const CasellaImapResponse *response,
                                    gboolean                   utf8)
{
  const CasellaImapValue *attrs = response->values;
  const CasellaImapValue *delim = attrs ? attrs->next : NULL;
  const CasellaImapValue *name = delim ? delim->next : NULL;
  CasellaImapMailbox *mailbox;

  if (attrs == NULL || attrs->type != CASELLA_IMAP_VALUE_LIST || delim == NULL || !V_STRINGISH (name))
    return NULL;
  if (delim->type != CASELLA_IMAP_VALUE_NIL && (!V_STRINGISH (delim) || delim->length != 1))
    return NULL;

  mailbox = g_new0 (CasellaImapMailbox, 1);
  mailbox->separator = delim->type == CASELLA_IMAP_VALUE_NIL ? '\0' : delim->data[0];
  mailbox->raw_name = g_strndup (name->data, name->length);

  for (const CasellaImapValue *a = attrs->first; a; a = a->next)
    for (guint i = 0; i < G_N_ELEMENTS (mailbox_attributes); i++)
      if (V_ATOMISH (a) && casella_imap_token_is (a->data, a->length, mailbox_attributes[i].name))
        mailbox->flags |= mailbox_attributes[i].flag;

  if (g_ascii_strcasecmp (mailbox->raw_name, "INBOX") == 0)
    {
      mailbox->flags |= CASELLA_IMAP_MAILBOX_INBOX;
      mailbox->name = g_strdup ("INBOX");
    }
  else
    {
      mailbox->name = utf8 ? NULL : casella_imap_utf7_decode (mailbox->raw_name, -1);
      /* Not modified UTF-7 (a server sending UTF-8): show what we can. */
      if (mailbox->name == NULL)
        mailbox->name = g_utf8_make_valid (mailbox->raw_name, -1);
    }
  return mailbox;
}

void
casella_imap_mailbox_free (CasellaImapMailbox *mailbox)
{
  if (mailbox == NULL)
    return;
  g_free (mailbox->name);
  g_free (mailbox->raw_name);
  g_free (mailbox);
}

/* ---- STATUS ---- */

CasellaImapStatusInfo *
casella_imap_status_from_response (const CasellaImapResponse *response)
{
  const CasellaImapValue *name = response->values;
  const CasellaImapValue *items = name ? name->next : NULL;
  CasellaImapStatusInfo *info;

  if (!V_STRINGISH (name) || items == NULL || items->type != CASELLA_IMAP_VALUE_LIST)
    return NULL;

  info = g_new0 (CasellaImapStatusInfo, 1);
  info->mailbox = g_strndup (name->data, name->length);
  for (const CasellaImapValue *key = items->first; key && key->next; key = key->next->next)
    {
      const CasellaImapValue *val = key->next;

      if (casella_imap_value_is (key, "MESSAGES") && casella_imap_value_get_uint32 (val, &info->messages))
        info->present |= CASELLA_IMAP_STATUS_MESSAGES;
      else if (casella_imap_value_is (key, "RECENT") && casella_imap_value_get_uint32 (val, &info->recent))
        info->present |= CASELLA_IMAP_STATUS_RECENT;
      else if (casella_imap_value_is (key, "UIDNEXT") && casella_imap_value_get_uint32 (val, &info->uidnext))
        info->present |= CASELLA_IMAP_STATUS_UIDNEXT;
      else if (casella_imap_value_is (key, "UIDVALIDITY") && casella_imap_value_get_uint32 (val, &info->uidvalidity))
        info->present |= CASELLA_IMAP_STATUS_UIDVALIDITY;
      else if (casella_imap_value_is (key, "UNSEEN") && casella_imap_value_get_uint32 (val, &info->unseen))
        info->present |= CASELLA_IMAP_STATUS_UNSEEN;
      else if (casella_imap_value_is (key, "HIGHESTMODSEQ") && casella_imap_value_get_uint64 (val, &info->highestmodseq))
        info->present |= CASELLA_IMAP_STATUS_HIGHESTMODSEQ;
    }
  return info;
}

void
casella_imap_status_info_free (CasellaImapStatusInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->mailbox);
  g_free (info);
}

/* ---- ENVELOPE ---- */

/* The envelope is built in two passes over the values: the first sizes
 * one block, the second fills it. Strings that are not valid UTF-8 (rare)
 * are repaired into a side list during the first pass. */
typedef struct {
  gsize      size;         /* bytes the block needs */
  GPtrArray *repaired;     /* made-valid copies, in order of use */
  guint      next_repair;
  char      *cursor;       /* filling: where the next string goes */
} EnvelopeBuild;

/* An address item is (name adl mailbox host); the parts are read in one
 * walk. Group markers (host NIL) are not addresses. */
static gboolean
address_parts (const CasellaImapValue  *item,
               const CasellaImapValue **name,
               const CasellaImapValue **mailbox,
               const CasellaImapValue **host)
{
  const CasellaImapValue *adl;

  if (item->type != CASELLA_IMAP_VALUE_LIST || (*name = item->first) == NULL || (adl = (*name)->next) == NULL ||
      (*mailbox = adl->next) == NULL || (*host = (*mailbox)->next) == NULL)
    return FALSE;
  return V_STRINGISH (*mailbox) && V_STRINGISH (*host);
}

static void
size_string (EnvelopeBuild          *build,
             const CasellaImapValue *value)
{
  if (!V_STRINGISH (value))
    return;
  if (text_is_valid (value->data, value->length))
    build->size += value->length + 1;
  else
    {
      char *valid = g_utf8_make_valid (value->data, value->length);

      if (build->repaired == NULL)
        build->repaired = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (build->repaired, valid);
      build->size += strlen (valid) + 1;
    }
}

static const char *
put_string (EnvelopeBuild          *build,
            const CasellaImapValue *value)
{
  char *out = build->cursor;

  if (!V_STRINGISH (value))
    return NULL;
  /* Nothing repaired in the first pass: every string is valid as it is. */
  if (build->repaired == NULL || text_is_valid (value->data, value->length))
    {
      memcpy (out, value->data, value->length);
      out[value->length] = '\0';
      build->cursor += value->length + 1;
    }
  else
    {
      const char *valid = build->repaired->pdata[build->next_repair++];
      gsize n = strlen (valid) + 1;

      memcpy (out, valid, n);
      build->cursor += n;
    }
  return out;
}

static guint
size_addresses (EnvelopeBuild          *build,
                const CasellaImapValue *list)
{
  guint n = 0;

  if (list == NULL || list->type != CASELLA_IMAP_VALUE_LIST)
    return 0;
  for (const CasellaImapValue *item = list->first; item; item = item->next)
    {
      const CasellaImapValue *name, *mailbox, *host;

      if (address_parts (item, &name, &mailbox, &host))
        {
          size_string (build, name);
        /* "mailbox@host": one string, both parts validated with it below. */
          size_string (build, mailbox);
          size_string (build, host);
          n++;
        }
    }
  build->size += n * sizeof (CasellaImapAddress);
  return n;
}

static void
put_addresses (EnvelopeBuild          *build,
               const CasellaImapValue *list,
               CasellaImapAddressList *out,
               CasellaImapAddress    **slots)
{
  out->items = *slots;
  out->n = 0;
  if (list == NULL || list->type != CASELLA_IMAP_VALUE_LIST)
    return;
  for (const CasellaImapValue *item = list->first; item; item = item->next)
    {
      const CasellaImapValue *name, *mailbox, *host;
      CasellaImapAddress *address;
      char *at;

      if (!address_parts (item, &name, &mailbox, &host))
        continue;
      address = &out->items[out->n++];
      address->name = put_string (build, name);
      /* mailbox and host land side by side: join them with "@". */
      address->address = put_string (build, mailbox);
      at = build->cursor - 1;
      put_string (build, host);
      *at = '@';
    }
  *slots += out->n;
}

CasellaImapEnvelope *
casella_imap_envelope_from_value (const CasellaImapValue *value)
{
  const CasellaImapValue *v[10] = { NULL };
  EnvelopeBuild build = { sizeof (CasellaImapEnvelope) };
  CasellaImapEnvelope *envelope;
  CasellaImapAddress *slots;
  guint i = 0, n_addresses = 0;

  if (value == NULL || value->type != CASELLA_IMAP_VALUE_LIST || value->length < 10)
    return NULL;
  for (const CasellaImapValue *item = value->first; item && i < 10; item = item->next)
    v[i++] = item;

  size_string (&build, v[0]);
  size_string (&build, v[1]);
  for (i = 2; i <= 7; i++)
    n_addresses += size_addresses (&build, v[i]);
  size_string (&build, v[8]);
  size_string (&build, v[9]);

  /* Every field and slot is written below; only the struct is cleared
   * (the strings after it need no zeroing). */
  envelope = g_malloc (build.size);
  *envelope = (CasellaImapEnvelope) { 0 };
  slots = (CasellaImapAddress *) (envelope + 1);
  build.cursor = (char *) (slots + n_addresses);

  envelope->date = put_string (&build, v[0]);
  envelope->subject = put_string (&build, v[1]);
  put_addresses (&build, v[2], &envelope->from, &slots);
  put_addresses (&build, v[3], &envelope->sender, &slots);
  put_addresses (&build, v[4], &envelope->reply_to, &slots);
  put_addresses (&build, v[5], &envelope->to, &slots);
  put_addresses (&build, v[6], &envelope->cc, &slots);
  put_addresses (&build, v[7], &envelope->bcc, &slots);
  envelope->in_reply_to = put_string (&build, v[8]);
  envelope->message_id = put_string (&build, v[9]);

  g_clear_pointer (&build.repaired, g_ptr_array_unref);
  return envelope;
}

void
casella_imap_envelope_free (CasellaImapEnvelope *envelope)
{
  g_free (envelope);
}

/* ---- BODYSTRUCTURE ---- */

static GStrv
params_from_value (const CasellaImapValue *list)
{
  GPtrArray *out;

  if (list == NULL || list->type != CASELLA_IMAP_VALUE_LIST)
    return NULL;

  out = g_ptr_array_new ();
  for (const CasellaImapValue *key = list->first; key && key->next; key = key->next->next)
    {
      char *name = dup_lower (key);
      char *val = dup_text (key->next);

      if (name == NULL || val == NULL)
        {
          g_free (name);
          g_free (val);
          continue;
        }
      g_ptr_array_add (out, name);
      g_ptr_array_add (out, val);
    }
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (out, FALSE);
}

static void
parse_disposition (CasellaImapBodyPart    *part,
                   const CasellaImapValue *value)
{
  if (value == NULL || value->type != CASELLA_IMAP_VALUE_LIST)
    return;
  part->disposition = dup_lower (value->first);
  if (value->first)
    part->disposition_params = params_from_value (value->first->next);
}

static char *
child_section (const char *parent,
               guint       index)
{
  return parent[0] ? g_strdup_printf ("%s.%u", parent, index) : g_strdup_printf ("%u", index);
}

static CasellaImapBodyPart *body_from_value (const CasellaImapValue *value, const char *section);

static CasellaImapBodyPart *
multipart_from_value (const CasellaImapValue *value,
                      const char             *section)
{
  CasellaImapBodyPart *part = g_new0 (CasellaImapBodyPart, 1);
  const CasellaImapValue *item = value->first;
  guint index = 1;

  part->section = g_strdup (section);
  part->type = g_strdup ("multipart");
  part->children = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_imap_body_part_free);

  for (; item && item->type == CASELLA_IMAP_VALUE_LIST; item = item->next)
    {
      g_autofree char *child_name = child_section (section, index++);
      CasellaImapBodyPart *child = body_from_value (item, child_name);

      if (child)
        g_ptr_array_add (part->children, child);
    }

  part->subtype = dup_lower (item);
  if (part->subtype == NULL)
    part->subtype = g_strdup ("mixed");
  if (item && (item = item->next))
    {
      part->params = params_from_value (item);
      if ((item = item->next))
        parse_disposition (part, item);
    }
  return part;
}

static CasellaImapBodyPart *
single_part_from_value (const CasellaImapValue *value,
                        const char             *section)
{
  const CasellaImapValue *v[7] = { NULL }, *item = value->first, *ext;
  CasellaImapBodyPart *part;
  guint i = 0;

  for (; item && i < 7; item = item->next)
    v[i++] = item;
  if (i < 7)
    return NULL;

  part = g_new0 (CasellaImapBodyPart, 1);
  part->section = g_strdup (section[0] ? section : "1");
  part->type = dup_lower (v[0]);
  part->subtype = dup_lower (v[1]);
  if (part->type == NULL)
    part->type = g_strdup ("application");
  if (part->subtype == NULL)
    part->subtype = g_strdup ("octet-stream");
  part->params = params_from_value (v[2]);
  part->id = dup_text (v[3]);
  part->description = dup_text (v[4]);
  part->encoding = dup_lower (v[5]);
  casella_imap_value_get_uint64 (v[6], &part->size);

  ext = item;   /* the value after size */
  if (g_str_equal (part->type, "text") && ext)
    {
      casella_imap_value_get_uint32 (ext, &part->lines);
      ext = ext->next;
    }
  else if (g_str_equal (part->type, "message") && g_strcmp0 (part->subtype, "rfc822") == 0 &&
           ext && ext->next && ext->next->next)
    {
      /* envelope, body, lines: keep the body as the only child. */
      CasellaImapBodyPart *inner;
      const char *inner_section = part->section;
      g_autofree char *single = NULL;

      if (ext->next->type == CASELLA_IMAP_VALUE_LIST && ext->next->first &&
          ext->next->first->type != CASELLA_IMAP_VALUE_LIST)
        inner_section = single = g_strdup_printf ("%s.1", part->section);
      inner = body_from_value (ext->next, inner_section);
      part->children = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_imap_body_part_free);
      if (inner)
        g_ptr_array_add (part->children, inner);
      casella_imap_value_get_uint32 (ext->next->next, &part->lines);
      ext = ext->next->next->next;
    }

  /* Extension data: md5, disposition, language, location. */
  if (ext && (ext = ext->next))
    parse_disposition (part, ext);
  return part;
}

static CasellaImapBodyPart *
body_from_value (const CasellaImapValue *value,
                 const char             *section)
{
  if (value == NULL || value->type != CASELLA_IMAP_VALUE_LIST || value->first == NULL)
    return NULL;
  if (value->first->type == CASELLA_IMAP_VALUE_LIST)
    return multipart_from_value (value, section);
  return single_part_from_value (value, section);
}

CasellaImapBodyPart *
casella_imap_body_from_value (const CasellaImapValue *value)
{
  return body_from_value (value, "");
}

void
casella_imap_body_part_free (CasellaImapBodyPart *part)
{
  if (part == NULL)
    return;
  g_free (part->section);
  g_free (part->type);
  g_free (part->subtype);
  g_strfreev (part->params);
  g_free (part->id);
  g_free (part->description);
  g_free (part->encoding);
  g_free (part->disposition);
  g_strfreev (part->disposition_params);
  g_clear_pointer (&part->children, g_ptr_array_unref);
  g_free (part);
}

static const char *
lookup_param (GStrv       params,
              const char *name)
{
  for (guint i = 0; params && params[i] && params[i + 1]; i += 2)
    if (g_ascii_strcasecmp (params[i], name) == 0)
      return params[i + 1];
  return NULL;
}

const char *
casella_imap_body_part_get_param (const CasellaImapBodyPart *part,
                                  const char                *name)
{
  return lookup_param (part->params, name);
}

/* What a user would call an attachment: declared so, or a named file that
 * is not text shown in the message. */
gboolean
casella_imap_body_has_attachment (const CasellaImapBodyPart *part)
{
  if (part == NULL)
    return FALSE;

  if (part->children != NULL && g_str_equal (part->type, "multipart"))
    {
      for (guint i = 0; i < part->children->len; i++)
        if (casella_imap_body_has_attachment (part->children->pdata[i]))
          return TRUE;
      return FALSE;
    }

  if (g_strcmp0 (part->disposition, "attachment") == 0)
    return TRUE;
  if (g_str_equal (part->type, "text") || g_str_equal (part->type, "multipart"))
    return FALSE;
  return lookup_param (part->disposition_params, "filename") != NULL ||
         lookup_param (part->params, "name") != NULL ||
         g_str_equal (part->type, "application");
}

/* ---- FETCH ---- */

static void
section_free (CasellaImapSection *section)
{
  g_free (section->name);
  g_clear_pointer (&section->data, g_bytes_unref);
  g_free (section);
}

static gboolean
is_section_item (const CasellaImapValue *key)
{
  static const char *prefixes[] = { "BODY[", "BINARY[", "BODY.PEEK[", NULL };

  if (casella_imap_value_is (key, "RFC822") || casella_imap_value_is (key, "RFC822.HEADER") ||
      casella_imap_value_is (key, "RFC822.TEXT"))
    return TRUE;
  for (guint i = 0; prefixes[i]; i++)
    if (key->length > strlen (prefixes[i]) &&
        g_ascii_strncasecmp (key->data, prefixes[i], strlen (prefixes[i])) == 0)
      return TRUE;
  return FALSE;
}

static void
fetch_add_section (CasellaImapFetch       *fetch,
                   const CasellaImapValue *key,
                   const CasellaImapValue *val)
{
  CasellaImapSection *section = g_new0 (CasellaImapSection, 1);

  section->name = g_ascii_strup (key->data, key->length);
  if (val->type == CASELLA_IMAP_VALUE_STRING || V_ATOMISH (val))
    section->data = g_bytes_new (val->data, val->length);
  if (fetch->sections == NULL)
    fetch->sections = g_ptr_array_new_with_free_func ((GDestroyNotify) section_free);
  g_ptr_array_add (fetch->sections, section);
}

/* Dispatch on the first letter before comparing names: this runs for
 * every item of every message in a large fetch. */
static void
fetch_add_item (CasellaImapFetch       *fetch,
                const CasellaImapValue *key,
                const CasellaImapValue *val)
{
  switch (g_ascii_toupper (key->data[0]))
    {
    case 'U':
      if (casella_imap_value_is (key, "UID"))
        casella_imap_value_get_uint32 (val, &fetch->uid);
      break;
    case 'F':
      if (casella_imap_value_is (key, "FLAGS"))
        {
          fetch->has_flags = TRUE;
          g_strfreev (fetch->keywords);
          fetch->flags = casella_imap_flags_from_value (val, &fetch->keywords);
        }
      break;
    case 'I':
      if (casella_imap_value_is (key, "INTERNALDATE") && V_STRINGISH (val))
        fetch->internaldate = casella_imap_parse_internaldate (val->data, val->length);
      break;
    case 'M':
      if (casella_imap_value_is (key, "MODSEQ") && val->type == CASELLA_IMAP_VALUE_LIST)
        casella_imap_value_get_uint64 (val->first, &fetch->modseq);
      break;
    case 'X':
      if (casella_imap_value_is (key, "X-GM-THRID"))
        casella_imap_value_get_uint64 (val, &fetch->gm_thrid);
      break;
    case 'E':
      if (casella_imap_value_is (key, "ENVELOPE") && fetch->envelope == NULL)
        fetch->envelope = casella_imap_envelope_from_value (val);
      break;
    case 'R':
      if (casella_imap_value_is (key, "RFC822.SIZE"))
        casella_imap_value_get_uint64 (val, &fetch->size);
      else if (is_section_item (key))
        fetch_add_section (fetch, key, val);
      break;
    case 'B':
      if ((casella_imap_value_is (key, "BODYSTRUCTURE") || casella_imap_value_is (key, "BODY")) &&
          val->type == CASELLA_IMAP_VALUE_LIST)
        {
          if (fetch->body == NULL)
            fetch->body = casella_imap_body_from_value (val);
        }
      else if (is_section_item (key))
        fetch_add_section (fetch, key, val);
      break;
    default:
      break;
    }
}

CasellaImapFetch *
casella_imap_fetch_from_response (const CasellaImapResponse *response)
{
  const CasellaImapValue *items = response->values;
  CasellaImapFetch *fetch;

  if (!response->has_number || items == NULL || items->type != CASELLA_IMAP_VALUE_LIST)
    return NULL;

  fetch = g_new0 (CasellaImapFetch, 1);
  fetch->seq = response->number;
  for (const CasellaImapValue *key = items->first; key && key->next; key = key->next->next)
    if (V_ATOMISH (key))
      fetch_add_item (fetch, key, key->next);
  return fetch;
}

void
casella_imap_fetch_free (CasellaImapFetch *fetch)
{
  if (fetch == NULL)
    return;
  g_strfreev (fetch->keywords);
  casella_imap_envelope_free (fetch->envelope);
  casella_imap_body_part_free (fetch->body);
  g_clear_pointer (&fetch->sections, g_ptr_array_unref);
  g_free (fetch);
}

/* name as sent in the FETCH ("BODY[]", "BODY[HEADER]"); case does not
 * matter. Servers answer BODY.PEEK[x] as BODY[x]. */
GBytes *
casella_imap_fetch_get_section (const CasellaImapFetch *fetch,
                                const char             *name)
{
  for (guint i = 0; fetch->sections && i < fetch->sections->len; i++)
    {
      CasellaImapSection *section = fetch->sections->pdata[i];
      const char *have = section->name;
      gsize n = strlen (name);

      /* "BODY[]<0>": the origin is not part of the name. */
      if (g_ascii_strncasecmp (have, name, n) == 0 && (have[n] == '\0' || have[n] == '<'))
        return section->data;
    }
  return NULL;
}

/* ---- NAMESPACE ---- */

static void
namespace_free (CasellaImapNamespace *ns)
{
  g_free (ns->prefix);
  g_free (ns);
}

static GPtrArray *
namespace_list (const CasellaImapValue *value)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) namespace_free);

  if (value == NULL || value->type != CASELLA_IMAP_VALUE_LIST)
    return out;
  for (const CasellaImapValue *item = value->first; item; item = item->next)
    {
      const CasellaImapValue *prefix = casella_imap_value_nth (item, 0);
      const CasellaImapValue *delim = casella_imap_value_nth (item, 1);
      CasellaImapNamespace *ns;

      if (!V_STRINGISH (prefix))
        continue;
      ns = g_new0 (CasellaImapNamespace, 1);
      ns->prefix = dup_text (prefix);
      ns->separator = V_STRINGISH (delim) && delim->length == 1 ? delim->data[0] : '\0';
      g_ptr_array_add (out, ns);
    }
  return out;
}

CasellaImapNamespaces *
casella_imap_namespaces_from_response (const CasellaImapResponse *response)
{
  const CasellaImapValue *v = response->values;
  CasellaImapNamespaces *namespaces;

  if (v == NULL || v->next == NULL || v->next->next == NULL)
    return NULL;

  namespaces = g_new0 (CasellaImapNamespaces, 1);
  namespaces->personal = namespace_list (v);
  namespaces->other = namespace_list (v->next);
  namespaces->shared = namespace_list (v->next->next);
  return namespaces;
}

void
casella_imap_namespaces_free (CasellaImapNamespaces *namespaces)
{
  if (namespaces == NULL)
    return;
  g_ptr_array_unref (namespaces->personal);
  g_ptr_array_unref (namespaces->other);
  g_ptr_array_unref (namespaces->shared);
  g_free (namespaces);
}

void
casella_imap_select_info_free (CasellaImapSelectInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->mailbox);
  g_free (info->vanished);
  g_clear_pointer (&info->changed, g_ptr_array_unref);
  g_free (info);
}

void
casella_imap_copy_uid_free (CasellaImapCopyUid *copy)
{
  if (copy == NULL)
    return;
  g_free (copy->source_uids);
  g_free (copy->dest_uids);
  g_free (copy);
}

/* ---- helpers ---- */

static int
compare_uids (gconstpointer a,
              gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

/* "1:5,7,9:12" from any order, duplicates dropped. */
char *
casella_imap_uid_set_from_array (const guint32 *uids,
                                 guint          n_uids)
{
  g_autofree guint32 *sorted = g_memdup2 (uids, n_uids * sizeof (guint32));
  GString *out = g_string_new (NULL);
  guint i = 0;

  qsort (sorted, n_uids, sizeof (guint32), compare_uids);
  while (i < n_uids)
    {
      guint32 first = sorted[i], last = first;

      while (i + 1 < n_uids && (sorted[i + 1] == last || sorted[i + 1] == last + 1))
        last = sorted[++i];
      i++;
      if (out->len)
        g_string_append_c (out, ',');
      if (first == last)
        g_string_append_printf (out, "%u", first);
      else
        g_string_append_printf (out, "%u:%u", first, last);
    }
  return g_string_free (out, FALSE);
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static gint64
days_from_civil (gint64 y,
                 int    m,
                 int    d)
{
  gint64 era, yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static gboolean
take_number (const char **p,
             const char  *end,
             guint        digits,
             int         *out)
{
  int value = 0;

  for (guint i = 0; i < digits; i++, (*p)++)
    {
      if (*p >= end || !g_ascii_isdigit (**p))
        return FALSE;
      value = value * 10 + (**p - '0');
    }
  *out = value;
  return TRUE;
}

static gboolean
take_char (const char **p,
           const char  *end,
           char         c)
{
  if (*p >= end || **p != c)
    return FALSE;
  (*p)++;
  return TRUE;
}

/* INTERNALDATE: "17-Jul-1996 02:44:25 -0700" (day may have a leading
 * space). Parsed by hand rather than with sscanf or GTimeZone: this runs
 * once per message of a large fetch. */
gint64
casella_imap_parse_internaldate (const char *text,
                                 gsize       length)
{
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const char *p = text, *end = text + length;
  int day = 0, year, hour, min, sec, zh, zm, month = -1, offset;
  char sign;

  while (p < end && *p == ' ')
    p++;
  if (p + 2 <= end && g_ascii_isdigit (p[0]) && g_ascii_isdigit (p[1]))
    take_number (&p, end, 2, &day);
  else if (!take_number (&p, end, 1, &day))
    return 0;
  if (!take_char (&p, end, '-') || p + 3 > end)
    return 0;
  for (int i = 0; i < 12; i++)
    if (g_ascii_toupper (p[0]) == months[3 * i] && g_ascii_strncasecmp (p, months + 3 * i, 3) == 0)
      {
        month = i + 1;
        break;
      }
  p += 3;
  if (month < 0 || !take_char (&p, end, '-') || !take_number (&p, end, 4, &year) ||
      !take_char (&p, end, ' ') || !take_number (&p, end, 2, &hour) || !take_char (&p, end, ':') ||
      !take_number (&p, end, 2, &min) || !take_char (&p, end, ':') || !take_number (&p, end, 2, &sec) ||
      !take_char (&p, end, ' ') || p >= end)
    return 0;
  sign = *p++;
  if ((sign != '+' && sign != '-') || !take_number (&p, end, 2, &zh) || !take_number (&p, end, 2, &zm) ||
      day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60 || zm > 59)
    return 0;

  offset = zh * 3600 + zm * 60;
  if (sign == '-')
    offset = -offset;
  return days_from_civil (year, month, day) * 86400 + hour * 3600 + min * 60 + sec - offset;
}

static int
compare_ranges (gconstpointer a,
                gconstpointer b)
{
  const CasellaImapUidRange *x = a, *y = b;

  return x->first < y->first ? -1 : x->first > y->first;
}

/* Sorted and merged, so a lookup is a binary search however many
 * pieces a server sends. */
static void
merge_ranges (GArray *ranges)
{
  guint out = 0;

  g_array_sort (ranges, compare_ranges);
  for (guint i = 0; i < ranges->len; i++)
    {
      CasellaImapUidRange *range = &g_array_index (ranges, CasellaImapUidRange, i);
      CasellaImapUidRange *last = out ? &g_array_index (ranges, CasellaImapUidRange, out - 1) : NULL;

      if (last != NULL && (guint64) range->first <= (guint64) last->last + 1)
        last->last = MAX (last->last, range->last);
      else
        g_array_index (ranges, CasellaImapUidRange, out++) = *range;
    }
  g_array_set_size (ranges, out);
}

/* "1:3,7,9:*" as ranges; "*" is the highest UID there can be. NULL when
 * the set is not one. */
GArray *
casella_imap_uid_set_parse (const char *set)
{
  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (CasellaImapUidRange));
  const char *p = set;

  if (set == NULL || *set == '\0')
    return NULL;
  while (*p)
    {
      CasellaImapUidRange range;
      guint64 first, last;
      char *end;

      if (*p == '*')
        first = G_MAXUINT32, end = (char *) p + 1;
      else if (g_ascii_isdigit (*p))
        first = g_ascii_strtoull (p, &end, 10);
      else
        return NULL;
      last = first;
      if (*end == ':')
        {
          p = end + 1;
          if (*p == '*')
            last = G_MAXUINT32, end = (char *) p + 1;
          else if (g_ascii_isdigit (*p))
            last = g_ascii_strtoull (p, &end, 10);
          else
            return NULL;
        }
      if (first == 0 || last == 0 || first > G_MAXUINT32 || last > G_MAXUINT32)
        return NULL;
      range.first = (guint32) MIN (first, last);
      range.last = (guint32) MAX (first, last);
      g_array_append_val (ranges, range);
      if (*end == ',')
        end++;
      else if (*end != '\0')
        return NULL;
      p = end;
    }
  merge_ranges (ranges);
  return g_steal_pointer (&ranges);
}

gboolean
casella_imap_uid_ranges_contain (GArray  *ranges,
                                 guint32  uid)
{
  guint low = 0, high = ranges ? ranges->len : 0;

  while (low < high)
    {
      guint middle = low + (high - low) / 2;
      CasellaImapUidRange *range = &g_array_index (ranges, CasellaImapUidRange, middle);

      if (uid < range->first)
        high = middle;
      else if (uid > range->last)
        low = middle + 1;
      else
        return TRUE;
    }
  return FALSE;
}
