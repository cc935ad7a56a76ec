/* bench-pec.c — what reading a certified (PEC) message costs
 *
 * An envelope as providers send it (a letter with a 1 MB attachment,
 * signed with SHA-1 by a test provider certificate): parsing it and
 * reading what it certifies (daticert.xml, the message inside), and
 * checking its signature with OpenSSL against one CA file and against
 * the system's whole bundle (what the reader does, on a worker thread,
 * each time a PEC message is opened).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "casella-engine.h"
#include "casella-gmime.h"
#include "casella-message-compose.h"
#include "casella-pec.h"
#include "casella-test-pec.h"
#include "casella-test-pki.h"

#define RUNS 30

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static void
report (const char *what,
        double     *ms)
{
  qsort (ms, RUNS, sizeof (double), compare_double);
  g_print ("%-44s median %7.2f ms   p90 %7.2f ms   worst %7.2f ms\n", what, ms[RUNS / 2], ms[RUNS * 9 / 10],
           ms[RUNS - 1]);
}

static char *
letter_with_attachment (void)
{
  g_autofree char *data = g_malloc (768 * 1024);
  g_autofree char *encoded = NULL;

  for (gsize i = 0; i < 768 * 1024; i++)
    data[i] = (char) (g_random_int () & 0xff);
  encoded = g_base64_encode ((const guchar *) data, 768 * 1024);
  return g_strdup_printf ("From: mario.rossi@pec.example.test\nTo: ufficio@pec.comune.example.test\n"
                          "Subject: Documenti\nDate: Thu, 05 Dec 2024 10:01:58 +0100\nMessage-ID: <b-1@pec.example.test>\n"
                          "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n"
                          "Content-Type: text/plain; charset=utf-8\n\nIn allegato i documenti.\n--b\n"
                          "Content-Type: application/pdf; name=\"documenti.pdf\"\nContent-Transfer-Encoding: base64\n"
                          "Content-Disposition: attachment; filename=\"documenti.pdf\"\n\n%s\n--b--\n", encoded);
}

int
main (int argc, char **argv)
{
  g_autofree char *letter = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GBytes) raw = NULL;
  const char *ca = NULL;
  double read_ms[RUNS], ca_ms[RUNS], system_ms[RUNS];

  casella_engine_init ();
  ca = casella_test_pki_get ()->ca_file;
  letter = letter_with_attachment ();
  {
    CasellaTestPec spec = { .kind = "posta-certificata", .provider = "pec.example.test",
                            .sender = "mario.rossi@pec.example.test",
                            .certified = (const char *[]) { "ufficio@pec.comune.example.test", NULL },
                            .subject = "Documenti", .msgid = "b-1@pec.example.test", .original = letter };
    text = casella_test_pec_build (&spec);
  }
  raw = g_bytes_new (text, strlen (text));
  g_print ("A PEC envelope of %zu KB\n", g_bytes_get_size (raw) / 1024);
  for (guint i = 0; i < RUNS; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GMimeMessage) message = casella_message_parse (raw);
      g_autoptr(CasellaPec) pec = casella_pec_read (message);
      g_autoptr(GMimeMessage) inner = casella_pec_get_inner (message);
      CasellaPecSignature with_ca, with_system;

      g_assert_true (pec != NULL && inner != NULL);
      read_ms[i] = (g_get_monotonic_time () - start) / 1e3;
      start = g_get_monotonic_time ();
      with_ca = casella_pec_verify (raw, pec->provider_address, ca, NULL);
      ca_ms[i] = (g_get_monotonic_time () - start) / 1e3;
      start = g_get_monotonic_time ();
      with_system = casella_pec_verify (raw, pec->provider_address, NULL, NULL);
      system_ms[i] = (g_get_monotonic_time () - start) / 1e3;
      g_assert_cmpint (with_ca, ==, CASELLA_PEC_SIGNATURE_VERIFIED);
      g_assert_cmpint (with_system, ==, CASELLA_PEC_SIGNATURE_UNTRUSTED);
    }
  report ("parse, read daticert.xml, find the letter", read_ms);
  report ("signature, one CA file", ca_ms);
  report ("signature, the system's CA bundle", system_ms);
  return 0;
}
