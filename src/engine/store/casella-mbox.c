/* casella-mbox.c — writing mboxrd
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-mbox.h"

/* The "From " line's date, asctime()'s form in UTC whatever the locale. */
static char *
envelope_date (gint64 date)
{
  static const char *days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (MAX (date, 0));

  if (time == NULL)
    time = g_date_time_new_from_unix_utc (0);
  return g_strdup_printf ("%s %s %2d %02d:%02d:%02d %d", days[g_date_time_get_day_of_week (time) - 1],
                          months[g_date_time_get_month (time) - 1], g_date_time_get_day_of_month (time),
                          g_date_time_get_hour (time), g_date_time_get_minute (time), g_date_time_get_second (time),
                          g_date_time_get_year (time));
}

/* One word of printable ASCII without spaces, else the traditional stand-in. */
static const char *
envelope_sender (const char *sender)
{
  if (sender == NULL || *sender == '\0' || strlen (sender) > 254)
    return "MAILER-DAEMON";
  for (const char *c = sender; *c != '\0'; c++)
    if (*c <= ' ' || *c >= 0x7f)
      return "MAILER-DAEMON";
  return sender;
}

/* ">"* then "From ": the line mboxrd quotes. */
static gboolean
needs_quote (const char *line,
             gsize       length)
{
  gsize i = 0;

  while (i < length && line[i] == '>')
    i++;
  return length - i >= 5 && memcmp (line + i, "From ", 5) == 0;
}

gboolean
casella_mbox_write_message (GOutputStream  *out,
                            const char     *sender,
                            gint64          date,
                            GBytes         *raw,
                            GCancellable   *cancellable,
                            GError        **error)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (raw, &size);
  const char *end = data + size;
  const char *line = data;
  g_autofree char *when = envelope_date (date);
  g_autofree char *from = g_strdup_printf ("From %s %s\n", envelope_sender (sender), when);

  if (!g_output_stream_write_all (out, from, strlen (from), NULL, cancellable, error))
    return FALSE;
  /* Whole stretches between quoted lines, so a message costs a few writes. */
  while (line < end)
    {
      const char *stretch = line;

      while (line < end && !needs_quote (line, (gsize) (end - line)))
        {
          const char *newline = memchr (line, '\n', (gsize) (end - line));
          line = newline != NULL ? newline + 1 : end;
        }
      if (line > stretch && !g_output_stream_write_all (out, stretch, (gsize) (line - stretch), NULL, cancellable, error))
        return FALSE;
      if (line < end && !g_output_stream_write_all (out, ">", 1, NULL, cancellable, error))
        return FALSE;
      if (line < end)
        {
          const char *newline = memchr (line, '\n', (gsize) (end - line));
          const char *next = newline != NULL ? newline + 1 : end;
          if (!g_output_stream_write_all (out, line, (gsize) (next - line), NULL, cancellable, error))
            return FALSE;
          line = next;
        }
    }
  /* A line end if the message has none, then the blank line between. */
  if ((size == 0 || data[size - 1] != '\n') && !g_output_stream_write_all (out, "\n", 1, NULL, cancellable, error))
    return FALSE;
  return g_output_stream_write_all (out, "\n", 1, NULL, cancellable, error);
}
