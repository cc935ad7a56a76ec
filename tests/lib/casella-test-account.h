/* casella-test-account.h — accounts for the window tests, the demo and
 * the benchmarks: servers on loopback trusted by pinning, passwords in
 * the session's keyring, and stores already full of mail
 *
 * Needs the engine (unlike the rest of the harness).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-account.h"
#include "casella-credentials.h"

G_BEGIN_DECLS

/* An IMAP + SMTP account on localhost over TLS; the test CA belongs to
 * nobody, so its server certificate is pinned for this account only. */
CasellaAccount *casella_test_account_new            (const char      *address,
                                                     const char      *display_name,
                                                     guint16          imap_port,
                                                     guint16          smtp_port);
/* Both passwords (receiving and sending) into the keyring. */
gboolean        casella_test_account_store_password (CasellaAccount  *account,
                                                     const char      *password,
                                                     GError         **error);
/* Adds a folder holding count messages to the account's store, as if
 * synced long ago: "<prefix> 1" is the oldest, ten minutes apart, all
 * read. Returns the folder's id, or 0. */
gint64          casella_test_account_fill_store     (const char      *account_id,
                                                     const char      *folder,
                                                     const char      *subject_prefix,
                                                     guint            count,
                                                     GError         **error);

G_END_DECLS
