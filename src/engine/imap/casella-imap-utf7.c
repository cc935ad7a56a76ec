/* casella-imap-utf7.c — IMAP's modified UTF-7 for mailbox names
 *
 * Printable ASCII stands for itself, "&" is "&-", everything else is
 * UTF-16 in base64 (with "," for "/") between "&" and "-".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-imap-utf7.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static void
flush_utf16 (GString      *out,
             const guint8 *bytes,
             gsize         n)
{
  guint32 bits = 0;
  int nbits = 0;

  g_string_append_c (out, '&');
  for (gsize i = 0; i < n; i++)
    {
      bits = (bits << 8) | bytes[i];
      nbits += 8;
      while (nbits >= 6)
        {
          nbits -= 6;
          g_string_append_c (out, b64[(bits >> nbits) & 0x3f]);
        }
    }
  if (nbits > 0)
    g_string_append_c (out, b64[(bits << (6 - nbits)) & 0x3f]);
  g_string_append_c (out, '-');
}

char *
casella_imap_utf7_encode (const char *utf8)
{
  GString *out;
  GByteArray *pending;

  g_return_val_if_fail (utf8 != NULL, NULL);
  if (!g_utf8_validate (utf8, -1, NULL))
    return NULL;

  out = g_string_new (NULL);
  pending = g_byte_array_new ();

  for (const char *p = utf8; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c >= 0x20 && c <= 0x7e)
        {
          if (pending->len > 0)
            {
              flush_utf16 (out, pending->data, pending->len);
              g_byte_array_set_size (pending, 0);
            }
          if (c == '&')
            g_string_append (out, "&-");
          else
            g_string_append_c (out, (char) c);
          continue;
        }

      if (c >= 0x10000)
        {
          gunichar v = c - 0x10000;
          guint16 hi = 0xd800 | (v >> 10), lo = 0xdc00 | (v & 0x3ff);
          guint8 units[4] = { hi >> 8, hi & 0xff, lo >> 8, lo & 0xff };
          g_byte_array_append (pending, units, 4);
        }
      else
        {
          guint8 unit[2] = { c >> 8, c & 0xff };
          g_byte_array_append (pending, unit, 2);
        }
    }
  if (pending->len > 0)
    flush_utf16 (out, pending->data, pending->len);

  g_byte_array_unref (pending);
  return g_string_free (out, FALSE);
}

static int
b64_value (char c)
{
  const char *at = c ? strchr (b64, c) : NULL;

  return at ? (int) (at - b64) : -1;
}

/* Decodes one "&...-" run of base64 UTF-16 into out. */
static gboolean
decode_run (const char *p,
            const char *end,
            GString    *out)
{
  guint32 bits = 0;
  int nbits = 0;
  gunichar high = 0;

  for (; p < end; p++)
    {
      int v = b64_value (*p);

      if (v < 0)
        return FALSE;
      bits = (bits << 6) | (guint32) v;
      nbits += 6;
      if (nbits < 16)
        continue;

      nbits -= 16;
      {
        gunichar unit = (bits >> nbits) & 0xffff;

        if (unit >= 0xd800 && unit < 0xdc00)
          {
            if (high != 0)
              return FALSE;
            high = unit;
            continue;
          }
        if (unit >= 0xdc00 && unit < 0xe000)
          {
            if (high == 0)
              return FALSE;
            unit = 0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00);
            high = 0;
          }
        else if (high != 0)
          return FALSE;
        /* Printable ASCII must not hide in base64. */
        if (unit >= 0x20 && unit <= 0x7e)
          return FALSE;
        g_string_append_unichar (out, unit);
      }
    }
  /* Leftover bits must be zero padding, and no surrogate left open. */
  return high == 0 && nbits < 6 && (bits & ((1u << nbits) - 1)) == 0;
}

/* NULL if the name is not valid modified UTF-7. */
char *
casella_imap_utf7_decode (const char *mutf7,
                          gssize      length)
{
  const char *p, *end;
  GString *out;

  g_return_val_if_fail (mutf7 != NULL, NULL);
  end = mutf7 + (length < 0 ? (gssize) strlen (mutf7) : length);
  out = g_string_sized_new (end - mutf7);

  for (p = mutf7; p < end; p++)
    {
      const char *dash;

      if (*p != '&')
        {
          if ((guchar) *p < 0x20 || (guchar) *p > 0x7e)
            goto invalid;
          g_string_append_c (out, *p);
          continue;
        }
      dash = memchr (p + 1, '-', end - (p + 1));
      if (dash == NULL)
        goto invalid;
      if (dash == p + 1)
        g_string_append_c (out, '&');
      else if (!decode_run (p + 1, dash, out))
        goto invalid;
      p = dash;
    }
  return g_string_free (out, FALSE);

invalid:
  g_string_free (out, TRUE);
  return NULL;
}
