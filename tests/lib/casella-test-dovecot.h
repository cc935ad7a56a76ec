/* casella-test-dovecot.h — a private Dovecot (IMAP, POP3, both TLS modes)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  CASELLA_TEST_IMAP,   /* 143-style: plain greeting, STARTTLS offered */
  CASELLA_TEST_IMAPS,  /* 993-style: implicit TLS */
  CASELLA_TEST_POP3,   /* 110-style: plain greeting, STLS offered */
  CASELLA_TEST_POP3S,  /* 995-style: implicit TLS */
  CASELLA_TEST_N_SERVICES
} CasellaTestService;

typedef struct _CasellaTestDovecot CasellaTestDovecot;

/* Users alice@example.test / alicepw and bob@example.test / bobpw exist. */
CasellaTestDovecot *casella_test_dovecot_new             (void);
void                casella_test_dovecot_set_certificate (CasellaTestDovecot  *self,
                                                          const char          *cert_file,
                                                          const char          *key_file);
void                casella_test_dovecot_add_user        (CasellaTestDovecot  *self,
                                                          const char          *user,
                                                          const char          *password);
gboolean            casella_test_dovecot_set_password    (CasellaTestDovecot  *self,
                                                          const char          *user,
                                                          const char          *password,
                                                          GError             **error);
guint               casella_test_dovecot_count_refused   (CasellaTestDovecot  *self);
/* Messages in a user's folder, as the server counts them. */
guint               casella_test_dovecot_count_messages  (CasellaTestDovecot  *self,
                                                          const char          *user,
                                                          const char          *folder);
void                casella_test_dovecot_add_config      (CasellaTestDovecot  *self,
                                                          const char          *lines);
void                casella_test_dovecot_enable_oauth2   (CasellaTestDovecot  *self,
                                                          const char          *introspect_url);
void                casella_test_dovecot_enable_submission (CasellaTestDovecot *self,
                                                          guint16              relay_port);
/* SMTP submission, 587-style (STARTTLS), when enabled. */
guint16             casella_test_dovecot_get_submission_port (CasellaTestDovecot *self);
gboolean            casella_test_dovecot_replace_certificate (CasellaTestDovecot *self,
                                                              const char         *cert_file,
                                                              const char         *key_file,
                                                              GError            **error);
gboolean            casella_test_dovecot_start           (CasellaTestDovecot  *self,
                                                          GError             **error);
void                casella_test_dovecot_free            (CasellaTestDovecot  *self);

guint16             casella_test_dovecot_get_port        (CasellaTestDovecot  *self,
                                                          CasellaTestService   service);
const char         *casella_test_dovecot_get_dir         (CasellaTestDovecot  *self);
const char         *casella_test_dovecot_get_config      (CasellaTestDovecot  *self);
char               *casella_test_dovecot_get_maildir     (CasellaTestDovecot  *self,
                                                          const char          *user,
                                                          const char          *folder);
gboolean            casella_test_dovecot_deliver         (CasellaTestDovecot  *self,
                                                          const char          *user,
                                                          const char          *folder,
                                                          const char          *message,
                                                          gssize               length,
                                                          const char          *flags,
                                                          GError             **error);
gboolean            casella_test_dovecot_fill            (CasellaTestDovecot  *self,
                                                          const char          *user,
                                                          const char          *folder,
                                                          guint                n_messages,
                                                          GError             **error);
gboolean            casella_test_dovecot_doveadm         (CasellaTestDovecot  *self,
                                                          const char * const  *args,
                                                          char               **output,
                                                          GError             **error);
/* The user has a folder of that name on the server. */
gboolean            casella_test_dovecot_has_folder      (CasellaTestDovecot  *self,
                                                          const char          *user,
                                                          const char          *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaTestDovecot, casella_test_dovecot_free)

G_END_DECLS
