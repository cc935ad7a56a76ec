/* casella-imap-utf7.h — IMAP's modified UTF-7 for mailbox names (RFC 3501 5.1.3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *casella_imap_utf7_encode (const char *utf8);
char *casella_imap_utf7_decode (const char *mutf7,
                                gssize      length);

G_END_DECLS
