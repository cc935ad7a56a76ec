/* casella-sign-in.h — signing in to an IMAP, POP3 or SMTP server with
 * whatever the account uses: a password or an OAuth2 token
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-token-source.h"

G_BEGIN_DECLS

/* client: a connected CasellaImapClient, CasellaPop3Client or
 * CasellaSmtpClient. With tokens, signs in with a fresh access token and,
 * when the server refuses it, renews it and tries once more; else with
 * the password. */
void     casella_sign_in_async  (GObject             *client,
                                 const char          *username,
                                 const char          *password,
                                 CasellaTokenSource  *tokens,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);
gboolean casella_sign_in_finish (GAsyncResult        *result,
                                 GError             **error);

G_END_DECLS
