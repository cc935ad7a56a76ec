/* casella-credentials.h — passwords in the Secret Service, and nowhere else
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-account.h"

G_BEGIN_DECLS

/* Which server a password is for: they may differ (an app password). */
typedef enum {
  CASELLA_CREDENTIAL_INCOMING,
  CASELLA_CREDENTIAL_OUTGOING,
  CASELLA_CREDENTIAL_OAUTH2,     /* an OAuth2 refresh token, for both */
} CasellaCredentialRole;

void     casella_credentials_store_async   (CasellaAccount         *account,
                                            CasellaCredentialRole   role,
                                            const char             *password,
                                            GCancellable           *cancellable,
                                            GAsyncReadyCallback     callback,
                                            gpointer                user_data);
gboolean casella_credentials_store_finish  (GAsyncResult           *result,
                                            GError                **error);
void     casella_credentials_lookup_async  (CasellaAccount         *account,
                                            CasellaCredentialRole   role,
                                            GCancellable           *cancellable,
                                            GAsyncReadyCallback     callback,
                                            gpointer                user_data);
/* The password (free with casella_credentials_free), or NULL if none. */
char    *casella_credentials_lookup_finish (GAsyncResult           *result,
                                            GError                **error);
/* Forgets every password of the account. */
void     casella_credentials_clear_async   (const char             *account_id,
                                            GCancellable           *cancellable,
                                            GAsyncReadyCallback     callback,
                                            gpointer                user_data);
gboolean casella_credentials_clear_finish  (GAsyncResult           *result,
                                            GError                **error);
/* Blocking forms, for worker threads (a token refresh stores the newest
 * refresh token as it comes). */
gboolean casella_credentials_store_sync    (CasellaAccount         *account,
                                            CasellaCredentialRole   role,
                                            const char             *secret,
                                            GCancellable           *cancellable,
                                            GError                **error);
char    *casella_credentials_lookup_sync   (CasellaAccount         *account,
                                            CasellaCredentialRole   role,
                                            GCancellable           *cancellable,
                                            GError                **error);
void     casella_credentials_free          (char                   *password);

G_END_DECLS
