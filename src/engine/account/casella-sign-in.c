/* casella-sign-in.c — signing in with a password or an OAuth2 token
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-imap-client.h"
#include "casella-mail-error.h"
#include "casella-pop3-client.h"
#include "casella-secret.h"
#include "casella-sign-in.h"
#include "casella-smtp-client.h"

typedef struct {
  GObject            *client;
  char               *username;
  CasellaTokenSource *tokens;
  gboolean            renewed;
} SignIn;

static void
sign_in_free (SignIn *sign_in)
{
  g_object_unref (sign_in->client);
  g_free (sign_in->username);
  g_clear_object (&sign_in->tokens);
  g_free (sign_in);
}

static void
login_with (GObject             *client,
            const char          *username,
            const char          *secret,
            gboolean             token,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  if (CASELLA_IS_IMAP_CLIENT (client))
    (token ? casella_imap_client_login_oauth2_async : casella_imap_client_login_async)
      (CASELLA_IMAP_CLIENT (client), username, secret, cancellable, callback, user_data);
  else if (CASELLA_IS_POP3_CLIENT (client))
    (token ? casella_pop3_client_login_oauth2_async : casella_pop3_client_login_async)
      (CASELLA_POP3_CLIENT (client), username, secret, cancellable, callback, user_data);
  else
    (token ? casella_smtp_client_login_oauth2_async : casella_smtp_client_login_async)
      (CASELLA_SMTP_CLIENT (client), username, secret, cancellable, callback, user_data);
}

static gboolean
login_finish (GObject       *client,
              GAsyncResult  *result,
              GError       **error)
{
  if (CASELLA_IS_IMAP_CLIENT (client))
    return casella_imap_client_login_finish (CASELLA_IMAP_CLIENT (client), result, error);
  if (CASELLA_IS_POP3_CLIENT (client))
    return casella_pop3_client_login_finish (CASELLA_POP3_CLIENT (client), result, error);
  return casella_smtp_client_login_finish (CASELLA_SMTP_CLIENT (client), result, error);
}

static void on_token (GObject *source, GAsyncResult *result, gpointer user_data);

static void
on_logged_in (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SignIn *sign_in = g_task_get_task_data (task);
  GError *error = NULL;

  if (login_finish (source, result, &error))
    g_task_return_boolean (task, TRUE);
  else if (sign_in->tokens != NULL && !sign_in->renewed &&
           g_error_matches (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_AUTH_FAILED))
    {
      /* Revoked or expired early: one new token, one more try. */
      g_debug ("OAuth2: the server refused the access token; renewing it once");
      GCancellable *cancellable = g_task_get_cancellable (task);

      g_error_free (error);
      sign_in->renewed = TRUE;
      casella_token_source_get_async (sign_in->tokens, TRUE, cancellable, on_token, g_steal_pointer (&task));
    }
  else
    g_task_return_error (task, error);
}

static void
on_token (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SignIn *sign_in = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(CasellaSecret) token = casella_token_source_get_finish (CASELLA_TOKEN_SOURCE (source), result, &error);

  if (token == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  login_with (sign_in->client, sign_in->username, token, TRUE, g_task_get_cancellable (task), on_logged_in,
              g_object_ref (task));
}

void
casella_sign_in_async (GObject             *client,
                       const char          *username,
                       const char          *password,
                       CasellaTokenSource  *tokens,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);
  SignIn *sign_in = g_new0 (SignIn, 1);

  g_task_set_source_tag (task, casella_sign_in_async);
  sign_in->client = g_object_ref (client);
  sign_in->username = g_strdup (username);
  sign_in->tokens = tokens != NULL ? g_object_ref (tokens) : NULL;
  g_task_set_task_data (task, sign_in, (GDestroyNotify) sign_in_free);
  if (tokens != NULL)
    casella_token_source_get_async (tokens, FALSE, cancellable, on_token, task);
  else
    login_with (client, username, password != NULL ? password : "", FALSE, cancellable, on_logged_in, task);
}

gboolean
casella_sign_in_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result) &&
                        g_async_result_is_tagged (result, casella_sign_in_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
