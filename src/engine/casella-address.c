/* casella-address.c — email addresses as people type them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-address.h"

char *
casella_address_get_domain (const char *address)
{
  const char *at = address ? strrchr (address, '@') : NULL;

  return at && at[1] ? g_utf8_strdown (at + 1, -1) : NULL;
}

char *
casella_address_get_local_part (const char *address)
{
  const char *at = address ? strrchr (address, '@') : NULL;

  return at ? g_strndup (address, at - address) : NULL;
}

static gboolean
is_valid_label (const char *label,
                gsize       length)
{
  if (length == 0 || length > 63 || label[0] == '-' || label[length - 1] == '-')
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (label[i]) && label[i] != '-')
      return FALSE;
  return TRUE;
}

/* What people type as an email address: name@domain.tld, accented
 * domains allowed (checked in their ASCII form). */
gboolean
casella_address_is_valid (const char *address)
{
  const char *at;
  g_autofree char *ascii = NULL;
  g_auto(GStrv) labels = NULL;
  guint n;

  if (address == NULL || !g_utf8_validate (address, -1, NULL) || strlen (address) > 254)
    return FALSE;
  at = strrchr (address, '@');
  if (at == NULL || at == address || at - address > 64 || at[1] == '\0')
    return FALSE;
  for (const char *p = address; p < at; p++)
    if (g_ascii_isspace (*p) || *p == '@' || (guchar) *p < 0x20 || *p == '<' || *p == '>' || *p == ',')
      return FALSE;
  if (address[0] == '.' || at[-1] == '.' || strstr (address, "..") != NULL)
    return FALSE;

  ascii = g_hostname_to_ascii (at + 1);
  if (ascii == NULL)
    return FALSE;
  labels = g_strsplit (ascii, ".", -1);
  n = g_strv_length (labels);
  if (n < 2)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (!is_valid_label (labels[i], strlen (labels[i])))
      return FALSE;
  /* The top-level domain is letters (or punycode). */
  return g_ascii_isalpha (labels[n - 1][0]);
}

void
casella_address_append_shown (GString    *out,
                              const char *name,
                              const char *address)
{
  if (out->len > 0)
    g_string_append (out, ", ");
  if (name != NULL && name[0] != '\0')
    g_string_append_printf (out, "%s <%s>", name, address ? address : "");
  else
    g_string_append (out, address ? address : "");
}
