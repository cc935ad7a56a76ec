/* casella-test-demo.h — a mailbox full of believable mail, in Italian
 * and English: threads with quotes, attachments, HTML-only newsletters,
 * folders and subfolders, read and unread, starred
 *
 * For `./dev run --demo` and for the window tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-test-dovecot.h"

G_BEGIN_DECLS

#define CASELLA_DEMO_ADDRESS  "marco@demo.test"
#define CASELLA_DEMO_NAME     "Marco Esposito"
#define CASELLA_DEMO_PASSWORD "demo-password"

/* Fills user's mailbox; returns how many messages went in. */
guint casella_test_demo_fill (CasellaTestDovecot  *dovecot,
                              const char          *user,
                              GError             **error);

G_END_DECLS
