/* fuzz-imap-parser.c — the IMAP parser and the typed readers over it
 *
 * The first byte picks where the input is split in two feeds, so the
 * incremental framing is exercised as well as the parsing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-imap-parser.h"
#include "casella-imap-types.h"
#include "casella-imap-utf7.h"
#include "fuzz.h"

static void
interpret (const CasellaImapResponse *r)
{
  if (r->keyword == NULL)
    return;
  if (casella_imap_token_is (r->keyword, r->keyword_length, "FETCH"))
    {
      CasellaImapFetch *fetch = casella_imap_fetch_from_response (r);

      if (fetch && fetch->body)
        (void) casella_imap_body_has_attachment (fetch->body);
      casella_imap_fetch_free (fetch);
    }
  else if (casella_imap_token_is (r->keyword, r->keyword_length, "LIST"))
    casella_imap_mailbox_free (casella_imap_mailbox_from_response (r, FALSE));
  else if (casella_imap_token_is (r->keyword, r->keyword_length, "STATUS"))
    casella_imap_status_info_free (casella_imap_status_from_response (r));
  else if (casella_imap_token_is (r->keyword, r->keyword_length, "NAMESPACE"))
    casella_imap_namespaces_free (casella_imap_namespaces_from_response (r));
  else if (casella_imap_token_is (r->keyword, r->keyword_length, "FLAGS"))
    {
      GStrv keywords = NULL;
      casella_imap_flags_from_value (r->values, &keywords);
      g_strfreev (keywords);
    }
}

int
LLVMFuzzerTestOneInput (const unsigned char *data, size_t size)
{
  CasellaImapParser *parser;
  size_t split;

  if (size == 0)
    return 0;

  parser = casella_imap_parser_new ();
  casella_imap_parser_set_max_size (parser, 1 << 20);
  split = data[0] % size;
  data++, size--;
  split = MIN (split, size);

  casella_imap_parser_feed (parser, data, split);
  for (int round = 0; round < 2; round++)
    {
      CasellaImapResponse *response;
      GError *error = NULL;
      CasellaImapParseResult result;

      while ((result = casella_imap_parser_next (parser, &response, &error)) != CASELLA_IMAP_PARSE_NEED_MORE)
        {
          if (result == CASELLA_IMAP_PARSE_RESPONSE)
            interpret (response);
          g_clear_error (&error);
          if (result == CASELLA_IMAP_PARSE_FATAL)
            break;
        }
      if (round == 0)
        casella_imap_parser_feed (parser, data + split, size - split);
    }

  /* Mailbox names: decode whatever came, re-encode what decoded. */
  {
    char *decoded = casella_imap_utf7_decode ((const char *) data, strnlen ((const char *) data, size));

    if (decoded)
      g_free (casella_imap_utf7_encode (decoded));
    g_free (decoded);
  }

  casella_imap_parser_free (parser);
  return 0;
}
