/* fuzz-message-parser.c — a message as a server hands it over: header
 * facts (with GMime and without), the readable text, HTML read as text,
 * the preview line; and the same bytes as an IMAP uid-set (VANISHED,
 * COPYUID), as a References header and as a subject a conversation is
 * found by. Where the plain message's short path takes them, it must
 * read what GMime reads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "casella-engine.h"
#include "casella-gmime.h"
#include "casella-imap-types.h"
#include "casella-message-text.h"
#include "casella-store-queue.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const unsigned char *data, size_t size)
{
  static gsize initialized;
  g_autoptr(GBytes) raw = NULL;
  g_autofree char *text = NULL, *html = NULL, *preview = NULL, *copy = NULL, *plain = NULL;
  g_autoptr(GArray) ranges = NULL;
  CasellaMessageInfo *info;

  if (g_once_init_enter (&initialized))
    {
      casella_engine_init ();
      g_once_init_leave (&initialized, 1);
    }
  raw = g_bytes_new (data, size);
  info = casella_message_info_from_bytes (raw);
  casella_message_info_free (info);

  /* The header read without GMime (a sync of whole messages): text the
   * store can hold, whatever the bytes. */
  info = casella_message_info_from_header ((const char *) data, size);
  {
    const char *fields[] = { info->subject, info->from_name, info->from_address, info->to, info->cc,
                             info->message_id, info->in_reply_to, info->references };

    for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
      if (fields[i] != NULL && !g_utf8_validate (fields[i], -1, NULL))
        abort ();
  }
  casella_message_info_free (info);

  html = casella_html_to_text ((const char *) data, (gssize) size);
  preview = casella_text_preview (html, 160);

  copy = g_strndup ((const char *) data, size);
  {
    g_autoptr(GPtrArray) ids = casella_store_header_ids (copy);
    g_autofree char *subject = casella_store_thread_subject (copy);

    for (guint i = 0; i < ids->len; i++)
      if (((char *) ids->pdata[i])[0] == '\0' || strchr (ids->pdata[i], '>') != NULL)
        abort ();
    /* What is left of a subject is shorter than it. */
    if (subject != NULL && strlen (subject) >= strlen (copy))
      abort ();
  }
  ranges = casella_imap_uid_set_parse (copy);
  if (ranges != NULL)
    casella_imap_uid_ranges_contain (ranges, 42);

  {
    g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer ((const char *) data, size);
    g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);
    g_autoptr(GMimeMessage) message = g_mime_parser_construct_message (parser, NULL);
    gboolean attachment;

    if (message != NULL)
      {
        g_autofree char *body_html = NULL;
        g_autofree char *type = NULL;
        g_autoptr(GBytes) part = NULL;

        text = casella_message_get_text (message, &attachment);
        /* What the HTML view takes: the HTML part, valid UTF-8, and a cid: part. */
        body_html = casella_message_get_html (message);
        if (body_html != NULL && !g_utf8_validate (body_html, -1, NULL))
          abort ();
        part = casella_message_get_cid_part (message, "logo@casella.test", &type);
        if (part != NULL && type == NULL)
          abort ();
      }
    if (casella_message_get_plain_text ((const char *) data, size, &plain) &&
        (text == NULL || strcmp (plain, text) != 0 || attachment))
      {
        g_printerr ("The plain path read otherwise than GMime:\n[%s]\n[%s]\n", plain, text ? text : "(none)");
        abort ();
      }
  }
  return 0;
}
