/* fuzz-smtp-parser.c — SMTP replies, and dot-stuffing of any bytes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-smtp-client.h"
#include "casella-smtp-parser.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const unsigned char *data, size_t size)
{
  CasellaSmtpParser *parser = casella_smtp_parser_new ();
  GBytes *stuffed;

  casella_smtp_parser_feed (parser, data, size / 3);
  casella_smtp_parser_feed (parser, data + size / 3, size - size / 3);
  for (;;)
    {
      CasellaSmtpReply *reply = NULL;
      GError *error = NULL;
      CasellaSmtpParseResult result = casella_smtp_parser_next (parser, &reply, &error);

      if (reply)
        g_free (casella_smtp_reply_describe (reply));
      casella_smtp_reply_free (reply);
      g_clear_error (&error);
      if (result == CASELLA_SMTP_PARSE_NEED_MORE)
        break;
    }
  casella_smtp_parser_free (parser);

  /* Whatever goes in, the result never holds a bare CR or LF and ends
   * with the terminating dot line. */
  stuffed = casella_smtp_dot_stuff (data, size);
  {
    gsize n;
    const guint8 *out = g_bytes_get_data (stuffed, &n);

    for (gsize i = 0; i < n; i++)
      if ((out[i] == '\n' && (i == 0 || out[i - 1] != '\r')) ||
          (out[i] == '\r' && (i + 1 >= n || out[i + 1] != '\n')))
        abort ();
    if (n < 3 || memcmp (out + n - 3, ".\r\n", 3) != 0)
      abort ();
  }
  g_bytes_unref (stuffed);
  return 0;
}
