/* casella-setup-problem.h — why an account could not be added, in plain
 * words, and what the user can do about it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-account-verify.h"

G_BEGIN_DECLS

/* What the checking page offers, besides going back. */
typedef enum {
  CASELLA_SETUP_FIX_PASSWORD,       /* type the password again */
  CASELLA_SETUP_FIX_APP_PASSWORD,   /* make an app password (link), type it */
  CASELLA_SETUP_FIX_ENABLE_ACCESS,  /* switch on access in web settings (link), retry */
  CASELLA_SETUP_FIX_CERTIFICATE,    /* look at the certificate; trust it or not */
  CASELLA_SETUP_FIX_APPROVE_HOST,   /* agree to send the password to another domain */
  CASELLA_SETUP_FIX_RETRY,          /* could not reach the server: retry or edit */
  CASELLA_SETUP_FIX_SETTINGS,       /* the settings look wrong: edit them */
  CASELLA_SETUP_FIX_UNSUPPORTED,    /* nothing Casella can do yet */
  CASELLA_SETUP_FIX_KEYRING,        /* the password could not be kept: retry */
  CASELLA_SETUP_FIX_SIGN_IN,        /* the provider's sign-in did not let us in: sign in again */
} CasellaSetupFix;

typedef struct {
  CasellaSetupFix  fix;
  char            *title;
  char            *description;
  char            *link;          /* a page that helps, or NULL */
  char            *link_label;
  char            *details;       /* the server's own words, for "Advanced" */
} CasellaSetupProblem;

/* A certificate as a person can read it. */
typedef struct {
  char *issued_to;
  char *issued_by;
  char *valid_from;
  char *valid_until;
  char *fingerprint;   /* SHA-256, colon-separated hex */
  char *reason;        /* why it was not trusted */
} CasellaCertificateInfo;

CasellaSetupProblem    *casella_setup_problem_new      (const GError               *error,
                                                        const CasellaVerifyFailure *failure,
                                                        const CasellaMailConfig    *config,
                                                        const char                 *address);
CasellaSetupProblem    *casella_setup_problem_new_keyring (const GError            *error);
/* The servers refused what the provider's sign-in gave (another account
 * chosen in the browser, access withdrawn). */
CasellaSetupProblem    *casella_setup_problem_new_sign_in (const GError            *error,
                                                           const char              *provider,
                                                           const char              *address);
void                    casella_setup_problem_free     (CasellaSetupProblem        *problem);

CasellaCertificateInfo *casella_certificate_info_new   (GTlsCertificate            *certificate,
                                                        GTlsCertificateFlags        errors,
                                                        const char                 *host);
void                    casella_certificate_info_free  (CasellaCertificateInfo     *info);
char                   *casella_certificate_fingerprint (GTlsCertificate           *certificate);
GBytes                 *casella_certificate_get_der    (GTlsCertificate            *certificate);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaSetupProblem, casella_setup_problem_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaCertificateInfo, casella_certificate_info_free)

G_END_DECLS
