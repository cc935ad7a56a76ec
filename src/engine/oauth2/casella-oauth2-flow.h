/* casella-oauth2-flow.h — one sign-in in the system browser (RFC 8252)
 *
 * Authorization code with PKCE (S256) and a state; the browser comes
 * back to a listener on 127.0.0.1 at a port of its own, which takes
 * exactly one redirect carrying the right state, answers with a short
 * page in the user's language and closes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-oauth2-provider.h"
#include "casella-oauth2-token.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_OAUTH2_FLOW (casella_oauth2_flow_get_type ())
G_DECLARE_FINAL_TYPE (CasellaOAuth2Flow, casella_oauth2_flow, CASELLA, OAUTH2_FLOW, GObject)

/* scope: as casella_oauth2_provider_dup_scope() makes it; login_hint:
 * the address, so the provider's page starts with it. */
CasellaOAuth2Flow     *casella_oauth2_flow_new              (CasellaOAuth2Provider  *provider,
                                                             const char             *scope,
                                                             const char             *login_hint);
void                   casella_oauth2_flow_set_tls_database (CasellaOAuth2Flow      *self,
                                                             GTlsDatabase           *database);
/* Opens the listener and makes the address for the browser. */
gboolean               casella_oauth2_flow_start            (CasellaOAuth2Flow      *self,
                                                             GError                **error);
/* What to open in the browser (or to copy), once started. */
const char            *casella_oauth2_flow_get_uri          (CasellaOAuth2Flow      *self);
CasellaOAuth2Provider *casella_oauth2_flow_get_provider     (CasellaOAuth2Flow      *self);
/* Waits for the browser to come back, then trades the code for tokens.
 * "redirected" is emitted the moment the browser comes back with a
 * code; timeout_seconds 0 waits until cancelled. Cancelling closes the
 * listener at once. */
void                   casella_oauth2_flow_wait_async       (CasellaOAuth2Flow      *self,
                                                             guint                   timeout_seconds,
                                                             GCancellable           *cancellable,
                                                             GAsyncReadyCallback     callback,
                                                             gpointer                user_data);
CasellaOAuth2Tokens   *casella_oauth2_flow_wait_finish      (CasellaOAuth2Flow      *self,
                                                             GAsyncResult           *result,
                                                             GError                **error);

/* PKCE (RFC 7636): a verifier of 43 unreserved characters and its S256
 * challenge. Exposed for tests. */
char                  *casella_oauth2_pkce_verifier         (void);
char                  *casella_oauth2_pkce_challenge        (const char             *verifier);

G_END_DECLS
