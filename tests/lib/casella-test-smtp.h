/* casella-test-smtp.h — an SMTP submission sink that keeps what it receives
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  CASELLA_TEST_SMTP_STARTTLS,  /* 587-style: STARTTLS required before AUTH */
  CASELLA_TEST_SMTP_SMTPS,     /* 465-style: implicit TLS */
  CASELLA_TEST_SMTP_RELAY,     /* plain, no sign-in: for a relaying server in front */
} CasellaTestSmtpPort;

typedef struct _CasellaTestSmtp CasellaTestSmtp;

/* Users alice@example.test / alicepw and bob@example.test / bobpw exist. */
CasellaTestSmtp *casella_test_smtp_new              (void);
/* Before start: another user the sink accepts (alice and bob always). */
void             casella_test_smtp_add_user         (CasellaTestSmtp      *self,
                                                     const char           *user,
                                                     const char           *password);
void             casella_test_smtp_reject_recipient (CasellaTestSmtp      *self,
                                                     const char           *address);
/* Before start: RCPT TO for address gets 451 (a temporary refusal). */
void             casella_test_smtp_tempfail_recipient (CasellaTestSmtp    *self,
                                                     const char           *address);
/* How many times RCPT TO for address was refused so far. */
guint            casella_test_smtp_count_refusals   (CasellaTestSmtp      *self,
                                                     const char           *address);
gboolean         casella_test_smtp_start            (CasellaTestSmtp      *self,
                                                     GError              **error);
void             casella_test_smtp_free             (CasellaTestSmtp      *self);
guint16          casella_test_smtp_get_port         (CasellaTestSmtp      *self,
                                                     CasellaTestSmtpPort   port);
const char      *casella_test_smtp_get_dir          (CasellaTestSmtp      *self);
GPtrArray       *casella_test_smtp_get_messages     (CasellaTestSmtp      *self);
char            *casella_test_smtp_get_envelope     (CasellaTestSmtp      *self,
                                                     guint                 index);
gboolean         casella_test_smtp_wait_for         (CasellaTestSmtp      *self,
                                                     guint                 n_messages,
                                                     guint                 timeout_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaTestSmtp, casella_test_smtp_free)

G_END_DECLS
