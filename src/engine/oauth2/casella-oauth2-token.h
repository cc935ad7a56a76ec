/* casella-oauth2-token.h — tokens from a provider's token endpoint
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-oauth2-provider.h"

G_BEGIN_DECLS

#define CASELLA_OAUTH2_ERROR (casella_oauth2_error_quark ())

typedef enum {
  CASELLA_OAUTH2_ERROR_FAILED,           /* the provider's page or server failed */
  CASELLA_OAUTH2_ERROR_DENIED,           /* the user said no */
  CASELLA_OAUTH2_ERROR_ADMIN_CONSENT,    /* the organisation must allow Casella first */
  CASELLA_OAUTH2_ERROR_INVALID_GRANT,    /* the sign-in ended (revoked, expired): sign in again */
  CASELLA_OAUTH2_ERROR_CLIENT_REJECTED,  /* the provider refuses this build's client ID */
  CASELLA_OAUTH2_ERROR_NOT_CONFIGURED,   /* this build has no client ID for the provider */
  CASELLA_OAUTH2_ERROR_TIMEOUT,          /* nobody came back from the browser */
  CASELLA_OAUTH2_ERROR_BAD_RESPONSE,     /* the provider's answer made no sense */
} CasellaOAuth2Error;

typedef struct {
  char   *access_token;
  char   *refresh_token;   /* NULL when the answer carried none: keep the old one */
  gint64  expires_at;      /* g_get_real_time() microseconds; 0: not said */
  char   *scope;
} CasellaOAuth2Tokens;

GQuark               casella_oauth2_error_quark            (void);
/* Wipes the tokens as it frees them. */
void                 casella_oauth2_tokens_free            (CasellaOAuth2Tokens *tokens);
/* Reads a token endpoint's answer (RFC 6749 §5.1 and §5.2): the tokens,
 * or the provider's error in CASELLA_OAUTH2_ERROR. */
CasellaOAuth2Tokens *casella_oauth2_parse_token_response   (guint                http_status,
                                                            const char          *body,
                                                            gsize                length,
                                                            GError             **error);
/* An error= from the provider (the redirect's or the token endpoint's)
 * in our own codes. */
GError              *casella_oauth2_error_from_provider    (const char          *code,
                                                            const char          *description);
/* Blocking: for worker threads. */
CasellaOAuth2Tokens *casella_oauth2_exchange_code_sync     (const CasellaOAuth2Provider *provider,
                                                            const char          *code,
                                                            const char          *verifier,
                                                            const char          *redirect_uri,
                                                            GTlsDatabase        *tls_database,
                                                            GCancellable        *cancellable,
                                                            GError             **error);
CasellaOAuth2Tokens *casella_oauth2_refresh_sync           (const CasellaOAuth2Provider *provider,
                                                            const char          *refresh_token,
                                                            GTlsDatabase        *tls_database,
                                                            GCancellable        *cancellable,
                                                            GError             **error);
/* Tells the provider to forget a refresh token; best effort. */
gboolean             casella_oauth2_revoke_sync            (const CasellaOAuth2Provider *provider,
                                                            const char          *refresh_token,
                                                            GTlsDatabase        *tls_database,
                                                            GCancellable        *cancellable,
                                                            GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaOAuth2Tokens, casella_oauth2_tokens_free)

G_END_DECLS
