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

static char *
wrapped_base64 (const char *prefix,
                const char *username,
                const char *middle,
                const char *token)
{
  char *plain = g_strconcat (prefix, username, middle, token, "\001\001", NULL);
  gsize length = strlen (plain);
  char *b64 = g_base64_encode ((const guchar *) plain, length);

  explicit_bzero (plain, length);
  g_free (plain);
  return b64;
}

char *
casella_sasl_xoauth2 (const char *username,
                      const char *token)
{
  return wrapped_base64 ("user=", username, "\001auth=Bearer ", token);
}

/* The GS2 header names the user; a comma or "=" in it is escaped
 * (RFC 5801 §4). */
char *
casella_sasl_oauthbearer (const char *username,
                          const char *token)
{
  g_autoptr(GString) escaped = g_string_new (NULL);

  for (const char *p = username; *p; p++)
    if (*p == ',')
      g_string_append (escaped, "=2C");
    else if (*p == '=')
      g_string_append (escaped, "=3D");
    else
      g_string_append_c (escaped, *p);
  return wrapped_base64 ("n,a=", escaped->str, ",\001auth=Bearer ", token);
}

gboolean
casella_protocol_text_is_safe (const char *text)
{
  return text == NULL || strpbrk (text, "\r\n") == NULL;
}
