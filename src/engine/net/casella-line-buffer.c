/* casella-line-buffer.c — what a server sent and its parser has not yet
 * taken, line by line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-line-buffer.h"

void
casella_line_buffer_init (CasellaLineBuffer *self,
                          gsize              reserve)
{
  self->bytes = g_byte_array_sized_new (reserve);   /* never NULL: no arithmetic on NULL */
  self->start = 0;
}

void
casella_line_buffer_clear (CasellaLineBuffer *self)
{
  g_clear_pointer (&self->bytes, g_byte_array_unref);
  self->start = 0;
}

void
casella_line_buffer_reset (CasellaLineBuffer *self)
{
  g_byte_array_set_size (self->bytes, 0);
  self->start = 0;
}

void
casella_line_buffer_feed (CasellaLineBuffer *self,
                          const guint8      *data,
                          gsize              length)
{
  if (self->start > 0)
    {
      gsize rest = self->bytes->len - self->start;

      memmove (self->bytes->data, self->bytes->data + self->start, rest);
      g_byte_array_set_size (self->bytes, rest);
      self->start = 0;
    }
  g_byte_array_append (self->bytes, data, length);
}

gsize
casella_line_buffer_pending (const CasellaLineBuffer *self)
{
  return self->bytes->len - self->start;
}

gboolean
casella_line_buffer_take_line (CasellaLineBuffer  *self,
                               const char        **line,
                               gsize              *length)
{
  const guint8 *begin = self->bytes->data + self->start;
  gsize avail = self->bytes->len - self->start;
  const guint8 *newline = avail > 0 ? memchr (begin, '\n', avail) : NULL;

  if (newline == NULL)
    return FALSE;
  *line = (const char *) begin;
  *length = newline - begin;
  self->start += *length + 1;
  if (*length > 0 && begin[*length - 1] == '\r')
    (*length)--;
  return TRUE;
}
