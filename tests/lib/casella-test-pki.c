/* casella-test-pki.c — a test certificate authority made once per test run
 *
 * The server certificate names localhost, 127.0.0.1 and the test domains,
 * so every loopback server (Dovecot, SMTP sink, HTTPS) can share it and a
 * client needs to trust just the one CA.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-test-pki.h"
#include "casella-test-util.h"

#include <stdlib.h>

static CasellaTestPki *pki;

/* The names test servers answer for: one domain per detection scenario. */
static const char server_ext[] =
  "subjectAltName=DNS:localhost,IP:127.0.0.1,"
  "DNS:example.test,DNS:*.example.test,DNS:probe.test,DNS:*.probe.test,"
  "DNS:liar.test,DNS:*.liar.test,DNS:ispdb.test,DNS:*.ispdb.test,"
  "DNS:srv.test,DNS:*.srv.test,DNS:custom.test,DNS:*.custom.test,DNS:demo.test,DNS:*.demo.test,"
  "DNS:slowdns.test,DNS:*.slowdns.test,DNS:hoster.test,DNS:*.hoster.test\n"
  "basicConstraints=CA:FALSE\n"
  "extendedKeyUsage=serverAuth\n";

static void
casella_test_pki_cleanup (void)
{
  if (pki != NULL)
    casella_test_rm_rf (pki->dir);
}

static void
openssl (const char * const *argv)
{
  g_autoptr(GError) error = NULL;

  if (!casella_test_run (argv, &error))
    g_error ("Could not make the test CA: %s", error->message);
}

static void
casella_test_pki_generate (CasellaTestPki *p)
{
  g_autofree char *ca_key = g_build_filename (p->dir, "ca.key", NULL);
  g_autofree char *csr = g_build_filename (p->dir, "server.csr", NULL);
  g_autofree char *leaf = g_build_filename (p->dir, "server-leaf.pem", NULL);
  g_autofree char *ext = g_build_filename (p->dir, "server.ext", NULL);
  g_autofree char *leaf_pem = NULL, *ca_pem = NULL, *chain = NULL;

  g_file_set_contents (ext, server_ext, -1, NULL);

  openssl ((const char *[]) { "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                              "-days", "30", "-subj", "/CN=Casella Test CA",
                              "-addext", "basicConstraints=critical,CA:TRUE",
                              "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                              "-keyout", ca_key, "-out", p->ca_file, NULL });
  openssl ((const char *[]) { "openssl", "req", "-newkey", "rsa:2048", "-nodes",
                              "-subj", "/CN=localhost", "-keyout", p->key_file,
                              "-out", csr, NULL });
  openssl ((const char *[]) { "openssl", "x509", "-req", "-in", csr, "-CA", p->ca_file,
                              "-CAkey", ca_key, "-CAcreateserial", "-days", "30",
                              "-extfile", ext, "-out", leaf, NULL });
  /* A certificate that no CA signed, as a user's own server might have. */
  openssl ((const char *[]) { "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                              "-days", "30", "-subj", "/CN=selfsigned.example.test",
                              "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                              "-keyout", p->self_signed_key, "-out", p->self_signed_cert, NULL });

  g_file_get_contents (leaf, &leaf_pem, NULL, NULL);
  g_file_get_contents (p->ca_file, &ca_pem, NULL, NULL);
  chain = g_strconcat (leaf_pem, ca_pem, NULL);
  g_file_set_contents (p->cert_file, chain, -1, NULL);
}

/* openssl ca: the only one of its commands that sets both dates. */
static const char expired_ca_conf[] =
  "[ca]\ndefault_ca = test\n[test]\ndatabase = %1$s/index.txt\nserial = %1$s/serial\nnew_certs_dir = %1$s\n"
  "default_md = sha256\npolicy = any\ncopy_extensions = copy\n[any]\ncommonName = supplied\n";

/* A server certificate from the test CA that expired in 2020. */
void
casella_test_pki_make_expired (char **cert_file,
                               char **key_file)
{
  const CasellaTestPki *p = casella_test_pki_get ();
  g_autofree char *dir = g_build_filename (p->dir, "expired", NULL);
  g_autofree char *conf = g_build_filename (dir, "ca.cnf", NULL);
  g_autofree char *conf_text = g_strdup_printf (expired_ca_conf, dir);
  g_autofree char *index = g_build_filename (dir, "index.txt", NULL);
  g_autofree char *serial = g_build_filename (dir, "serial", NULL);
  g_autofree char *csr = g_build_filename (dir, "expired.csr", NULL);
  g_autofree char *ca_key = g_build_filename (p->dir, "ca.key", NULL);

  *cert_file = g_build_filename (dir, "expired.pem", NULL);
  *key_file = g_build_filename (dir, "expired.key", NULL);
  if (g_file_test (*cert_file, G_FILE_TEST_EXISTS))
    return;
  g_mkdir_with_parents (dir, 0700);
  g_file_set_contents (conf, conf_text, -1, NULL);
  g_file_set_contents (index, "", -1, NULL);
  g_file_set_contents (serial, "1000\n", -1, NULL);
  openssl ((const char *[]) { "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                              "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                              "-keyout", *key_file, "-out", csr, NULL });
  openssl ((const char *[]) { "openssl", "ca", "-batch", "-config", conf, "-cert", p->ca_file, "-keyfile", ca_key,
                              "-in", csr, "-out", *cert_file, "-notext",
                              "-startdate", "20200101000000Z", "-enddate", "20200201000000Z", NULL });
}

const CasellaTestPki *
casella_test_pki_get (void)
{
  g_autoptr(GError) error = NULL;

  if (pki != NULL)
    return pki;

  pki = g_new0 (CasellaTestPki, 1);
  pki->dir = casella_test_make_tmpdir ("casella-pki");
  pki->ca_file = g_build_filename (pki->dir, "ca.pem", NULL);
  pki->cert_file = g_build_filename (pki->dir, "server.pem", NULL);
  pki->key_file = g_build_filename (pki->dir, "server.key", NULL);
  pki->self_signed_cert = g_build_filename (pki->dir, "selfsigned.pem", NULL);
  pki->self_signed_key = g_build_filename (pki->dir, "selfsigned.key", NULL);
  atexit (casella_test_pki_cleanup);

  casella_test_pki_generate (pki);

  /* GTlsFileDatabase insists on an absolute path; dir is absolute. */
  pki->database = g_tls_file_database_new (pki->ca_file, &error);
  g_assert_no_error (error);
  pki->server_certificate = g_tls_certificate_new_from_files (pki->cert_file, pki->key_file, &error);
  g_assert_no_error (error);

  return pki;
}
