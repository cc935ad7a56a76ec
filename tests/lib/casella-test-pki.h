/* casella-test-pki.h — a test certificate authority made once per test run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  char            *dir;
  char            *ca_file;          /* the CA certificate (PEM) */
  char            *cert_file;        /* server certificate + CA chain (PEM) */
  char            *key_file;         /* server key (PEM) */
  char            *self_signed_cert; /* a server certificate no CA vouches for */
  char            *self_signed_key;
  GTlsDatabase    *database;         /* trusts ca_file and nothing else */
  GTlsCertificate *server_certificate;
} CasellaTestPki;

const CasellaTestPki *casella_test_pki_get (void);
/* A server certificate (PEM) and key from the test CA, expired long ago. */
void                  casella_test_pki_make_expired (char **cert_file,
                                                     char **key_file);

G_END_DECLS
