/* casella-line-buffer.h — what a server sent and its parser has not yet
 * taken (IMAP, POP3, SMTP), line by line where the protocol is
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  GByteArray *bytes;   /* never NULL between init and clear */
  gsize       start;   /* the first byte not yet taken */
} CasellaLineBuffer;

void     casella_line_buffer_init      (CasellaLineBuffer  *self,
                                        gsize               reserve);
void     casella_line_buffer_clear     (CasellaLineBuffer  *self);
void     casella_line_buffer_reset     (CasellaLineBuffer  *self);
/* Appends, dropping what was taken first: the buffer holds at most the
 * unfinished reply and what just arrived. */
void     casella_line_buffer_feed      (CasellaLineBuffer  *self,
                                        const guint8       *data,
                                        gsize               length);
gsize    casella_line_buffer_pending   (const CasellaLineBuffer *self);
/* The next complete line, without its CRLF or LF, taken; FALSE while no
 * line end has come. */
gboolean casella_line_buffer_take_line (CasellaLineBuffer  *self,
                                        const char        **line,
                                        gsize              *length);

G_END_DECLS
