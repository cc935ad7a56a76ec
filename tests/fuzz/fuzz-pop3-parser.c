/* fuzz-pop3-parser.c — POP3 replies and multi-line bodies
 *
 * The first byte's bits say which replies are expected to be multi-line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-pop3-parser.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const unsigned char *data, size_t size)
{
  CasellaPop3Parser *parser;
  guint8 pattern;
  guint n = 0;

  if (size < 2)
    return 0;

  parser = casella_pop3_parser_new ();
  casella_pop3_parser_set_max_size (parser, 1 << 20);
  pattern = data[0];
  casella_pop3_parser_feed (parser, data + 1, (size - 1) / 2);
  casella_pop3_parser_feed (parser, data + 1 + (size - 1) / 2, size - 1 - (size - 1) / 2);

  for (;;)
    {
      CasellaPop3Reply *reply = NULL;
      GError *error = NULL;
      CasellaPop3ParseResult result = casella_pop3_parser_next (parser, (pattern >> (n++ % 8)) & 1, &reply, &error);

      casella_pop3_reply_free (reply);
      g_clear_error (&error);
      if (result != CASELLA_POP3_PARSE_REPLY)
        break;
    }
  casella_pop3_parser_free (parser);
  return 0;
}
