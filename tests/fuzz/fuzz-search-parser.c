/* fuzz-search-parser.c — whatever is typed or pasted in the search
 * field (the CLI's search takes it from anywhere), through the parser
 * and into the store's SQL and the server's keys' values
 *
 * What comes out must be valid UTF-8 (it is bound to SQL and sent as
 * IMAP strings) and never hold a NUL inside.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "casella-search-query.h"
#include "fuzz.h"

static void
assert_values (GPtrArray *values)
{
  for (guint i = 0; i < values->len; i++)
    if (!g_utf8_validate (values->pdata[i], -1, NULL) || *(const char *) values->pdata[i] == '\0')
      abort ();
}

int
LLVMFuzzerTestOneInput (const unsigned char *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  CasellaSearchQuery *query = casella_search_query_parse (text);

  assert_values (query->words);
  assert_values (query->from);
  assert_values (query->to);
  assert_values (query->subject);
  if (query->before < 0 || query->after < 0)
    abort ();
  casella_search_query_free (query);
  return 0;
}
