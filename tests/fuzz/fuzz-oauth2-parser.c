/* fuzz-oauth2-parser.c — a token endpoint's answer, whatever it holds
 *
 * The first byte picks the HTTP status the answer came with. Whatever
 * is accepted must be safe to put in a SASL line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-oauth2-token.h"
#include "fuzz.h"

static void
assert_sane (const char *token)
{
  if (token == NULL)
    return;
  for (const char *p = token; *p; p++)
    if ((guchar) *p < 0x20 || (guchar) *p > 0x7e)
      abort ();
}

int
LLVMFuzzerTestOneInput (const unsigned char *data, size_t size)
{
  static const guint statuses[] = { 200, 400, 401, 500 };
  CasellaOAuth2Tokens *tokens;
  GError *error = NULL;

  if (size == 0)
    return 0;
  tokens = casella_oauth2_parse_token_response (statuses[data[0] % G_N_ELEMENTS (statuses)],
                                                (const char *) data + 1, size - 1, &error);
  if ((tokens == NULL) == (error == NULL))
    abort ();
  if (tokens != NULL)
    {
      if (tokens->access_token == NULL)
        abort ();
      assert_sane (tokens->access_token);
      assert_sane (tokens->refresh_token);
    }
  else if (error->domain != CASELLA_OAUTH2_ERROR)
    abort ();
  casella_oauth2_tokens_free (tokens);
  g_clear_error (&error);
  return 0;
}
