/* casella-token-source.h — an OAuth2 account's access tokens, fresh
 *
 * The refresh token lives in the keyring (CASELLA_CREDENTIAL_OAUTH2), the
 * access token only here, in memory. Any thread may ask; one refresh at
 * a time, and the newest refresh token the provider sends (Microsoft
 * rotates them) replaces the stored one before it is used.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-account.h"
#include "casella-oauth2-provider.h"
#include "casella-oauth2-token.h"

G_BEGIN_DECLS

/* Refresh this long before the provider's expiry. */
#define CASELLA_TOKEN_EARLY_SECONDS 30

#define CASELLA_TYPE_TOKEN_SOURCE (casella_token_source_get_type ())
G_DECLARE_FINAL_TYPE (CasellaTokenSource, casella_token_source, CASELLA, TOKEN_SOURCE, GObject)

CasellaTokenSource *casella_token_source_new          (CasellaAccount         *account,
                                                       CasellaOAuth2Provider  *provider,
                                                       const char             *refresh_token,
                                                       GTlsDatabase           *tls_database);
/* The tokens a sign-in just brought: no refresh needed at first. */
void                casella_token_source_seed         (CasellaTokenSource     *self,
                                                       const CasellaOAuth2Tokens *tokens);
CasellaOAuth2Provider *casella_token_source_get_provider (CasellaTokenSource  *self);
/* A valid access token (free with casella_secret_free); renew: the
 * server refused the one we had. Blocks: for worker threads. An ended
 * sign-in is CASELLA_OAUTH2_ERROR_INVALID_GRANT, and the source then
 * stays refused until signed in again: it never asks in a loop. */
char               *casella_token_source_get_sync     (CasellaTokenSource     *self,
                                                       gboolean                renew,
                                                       GCancellable           *cancellable,
                                                       GError                **error);
void                casella_token_source_get_async    (CasellaTokenSource     *self,
                                                       gboolean                renew,
                                                       GCancellable           *cancellable,
                                                       GAsyncReadyCallback     callback,
                                                       gpointer                user_data);
char               *casella_token_source_get_finish   (CasellaTokenSource     *self,
                                                       GAsyncResult           *result,
                                                       GError                **error);
/* The newest refresh token (free with casella_secret_free). */
char               *casella_token_source_dup_refresh_token (CasellaTokenSource *self);
/* How many refreshes went to the provider (for tests and logs). */
guint               casella_token_source_get_n_refreshes (CasellaTokenSource  *self);

G_END_DECLS
