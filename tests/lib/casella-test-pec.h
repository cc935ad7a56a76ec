/* casella-test-pec.h — certified mail (PEC, REM) as a provider sends it,
 * built from the rules in ../shared/design/PEC.md, signed by a test
 * provider certificate under the test CA
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  const char        *kind;          /* daticert tipo: "posta-certificata", "accettazione", "avvenuta-consegna",
                                       "errore-consegna", "preavviso-errore-consegna", "non-accettazione";
                                       "errore": an anomaly envelope; with rem, a REM-MessageType */
  gboolean           rem;
  const char        *provider;      /* its domain: From posta-certificata@provider */
  const char        *provider_name; /* NULL: "Test PEC S.p.A." */
  const char        *sender;
  const char *const *certified;     /* PEC recipients */
  const char *const *external;      /* ordinary addresses */
  const char        *subject;       /* the original subject */
  const char        *msgid;         /* the sender's Message-ID, without <> */
  const char        *identifier;    /* the provider's; NULL: made from msgid */
  const char        *delivered_to;  /* what a delivery receipt or failure is about */
  const char        *error;         /* postacert@errore; NULL: "nessuno" */
  const char        *error_detail;  /* errore-esteso */
  const char        *receipt_type;  /* NULL: "completa" */
  const char        *day;           /* "05/12/2024"; NULL: 05/12/2024 */
  const char        *time;          /* "10:02:03"; NULL: 10:02:03 */
  const char        *original;      /* the message inside (RFC 5322) */
  const char        *forged_from;   /* a From that is no provider's */
  gboolean           not_signed;
  gboolean           tampered;      /* signed, then changed */
} CasellaTestPec;

/* The whole message, LF line ends. */
char *casella_test_pec_build     (const CasellaTestPec *pec);
/* An ordinary message, as the sender wrote it. */
char *casella_test_pec_original  (const char           *from,
                                  const char           *to,
                                  const char           *subject,
                                  const char           *msgid,
                                  const char           *text);
/* The test provider's certificate (PEM), under the test CA. */
const char *casella_test_pec_provider_cert (const char *provider);

G_END_DECLS
