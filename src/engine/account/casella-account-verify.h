/* casella-account-verify.h — do these settings really work? Sign in to
 * the incoming and the outgoing server before anything is saved
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-account.h"
#include "casella-mail-config.h"
#include "casella-token-source.h"

G_BEGIN_DECLS

#define CASELLA_VERIFY_ERROR (casella_verify_error_quark ())

typedef enum {
  /* The server is outside the address's domain: the caller must ask
   * the user before the password goes there (see the failure's host). */
  CASELLA_VERIFY_ERROR_APPROVAL_REQUIRED,
  CASELLA_VERIFY_ERROR_INCOMPLETE,   /* no incoming or no outgoing server given */
} CasellaVerifyError;

typedef struct {
  char                *address;
  char                *password;         /* wiped when the request is freed */
  char                *smtp_password;    /* NULL: the same password */
  CasellaTokenSource  *tokens;           /* signs in with OAuth2 instead of the password */
  CasellaMailConfig   *config;           /* where the servers came from (trust, provider) */
  CasellaServerConfig *incoming;
  CasellaServerConfig *outgoing;
  GTlsDatabase        *tls_database;     /* NULL: the system's */
  GBytes              *pinned_incoming;  /* certificates the user chose to trust */
  GBytes              *pinned_outgoing;
  GStrv                approved_hosts;   /* hosts the user agreed to send the password to */
  gboolean             allow_plaintext;  /* the user agreed to a password without encryption */
  guint                timeout_ms;
} CasellaVerifyRequest;

typedef struct {
  CasellaServerConfig *incoming;   /* with the user name that worked */
  CasellaServerConfig *outgoing;
  guint                attempts;   /* sign-ins tried, for both servers */
  gboolean             outgoing_unchecked;  /* the sending server asked for no password, so none was checked */
} CasellaVerifyResult;

/* Where and why verification stopped: enough for a UI to explain it. */
typedef struct {
  CasellaProtocol      protocol;
  char                *host;
  GTlsCertificate     *certificate;      /* set when the certificate was not trusted */
  GTlsCertificateFlags certificate_errors;
} CasellaVerifyFailure;

GQuark                casella_verify_error_quark     (void);
CasellaVerifyRequest *casella_verify_request_new     (const char                 *address,
                                                      const char                 *password,
                                                      CasellaMailConfig          *config,
                                                      const CasellaServerConfig  *incoming,
                                                      const CasellaServerConfig  *outgoing);
/* The account's own servers, as saved (hosts the user agreed to, their
 * trusted certificates), with a new password to check. */
CasellaVerifyRequest *casella_verify_request_new_for_account (CasellaAccount *account,
                                                              const char     *password);
void                  casella_verify_request_free    (CasellaVerifyRequest       *request);

void                  casella_account_verify_async   (const CasellaVerifyRequest *request,
                                                      GCancellable               *cancellable,
                                                      GAsyncReadyCallback         callback,
                                                      gpointer                    user_data);
CasellaVerifyResult  *casella_account_verify_finish  (GAsyncResult               *result,
                                                      CasellaVerifyFailure       *failure,
                                                      GError                    **error);
void                  casella_verify_result_free     (CasellaVerifyResult        *result);
void                  casella_verify_failure_clear   (CasellaVerifyFailure       *failure);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaVerifyRequest, casella_verify_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaVerifyResult, casella_verify_result_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CasellaVerifyFailure, casella_verify_failure_clear)

G_END_DECLS
