/* casella-test-mailserver.h — a private Cyrus IMAP or Courier (IMAP and
 * POP3, implicit TLS) beside the Dovecot, from Debian's packages unpacked
 * by ./dev test (they conflict with Dovecot as installed packages)
 *
 * Each runs in a mount namespace of its own, where the unpacked packages
 * are laid over /usr (and Courier's configuration over /etc), so they
 * find their files where they were built to look; nothing of the
 * machine changes. That needs root (as CI runs); elsewhere start() says
 * so and fails.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-test-dovecot.h"

G_BEGIN_DECLS

typedef enum {
  CASELLA_TEST_CYRUS,     /* Cyrus IMAP 3.6: INBOX. namespace, SPECIAL-USE, MOVE, QRESYNC */
  CASELLA_TEST_COURIER,   /* Courier 5.0: INBOX. namespace, no SPECIAL-USE, no MOVE; POP3 with UTF8 */
} CasellaTestServerKind;

typedef struct _CasellaTestMailServer CasellaTestMailServer;

CasellaTestMailServer *casella_test_mail_server_new      (CasellaTestServerKind   kind);
void                   casella_test_mail_server_add_user (CasellaTestMailServer  *self,
                                                          const char             *user,
                                                          const char             *password);
gboolean               casella_test_mail_server_start    (CasellaTestMailServer  *self,
                                                          GError                **error);
void                   casella_test_mail_server_free     (CasellaTestMailServer  *self);
/* CASELLA_TEST_IMAPS or CASELLA_TEST_POP3S. */
guint16                casella_test_mail_server_get_port (CasellaTestMailServer  *self,
                                                          CasellaTestService      service);
const char            *casella_test_mail_server_get_name (CasellaTestMailServer  *self);
/* Courier only: a message straight into the user's Maildir (as a
 * delivery agent would; 8-bit headers as they are). */
gboolean               casella_test_mail_server_deliver  (CasellaTestMailServer  *self,
                                                          const char             *user,
                                                          const char             *message,
                                                          GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaTestMailServer, casella_test_mail_server_free)

G_END_DECLS
