/* casella-mbox.h — messages as an mbox file (mboxrd), the format every
 * mail client imports
 *
 * Each message is written as it came from the server, byte for byte,
 * after a "From " line; lines that begin with "From " (after any number
 * of ">") get one more ">" in front, which a reader takes away again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* sender: the envelope's address (NULL or unusable: MAILER-DAEMON);
 * date: seconds since the epoch. */
gboolean casella_mbox_write_message (GOutputStream  *out,
                                     const char     *sender,
                                     gint64          date,
                                     GBytes         *raw,
                                     GCancellable   *cancellable,
                                     GError        **error);

G_END_DECLS
