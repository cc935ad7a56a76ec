/* casella-secret.c — handling passwords and tokens in memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-secret.h"

void
casella_secret_wipe (char *secret)
{
  if (secret != NULL)
    explicit_bzero (secret, strlen (secret));
}

void
casella_secret_free (char *secret)
{
  casella_secret_wipe (secret);
  g_free (secret);
}

char *
casella_sasl_plain (const char *username,
                    const char *password)
{
  gsize ulen = strlen (username), plen = strlen (password);
  char *plain = g_malloc0 (ulen + plen + 2);
  char *b64;

  /* authzid (empty) NUL authcid NUL password */
  memcpy (plain + 1, username, ulen);
  memcpy (plain + ulen + 2, password, plen);
  b64 = g_base64_encode ((const guchar *) plain, ulen + plen + 2);
  explicit_bzero (plain, ulen + plen + 2);
  g_free (plain);
  return b64;
}

gboolean
casella_protocol_text_is_safe (const char *text)
{
  return text == NULL || strpbrk (text, "\r\n") == NULL;
}
