/* casella-token-source.c — an OAuth2 account's access tokens, fresh
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-credentials.h"
#include "casella-secret.h"
#include "casella-token-source.h"

struct _CasellaTokenSource
{
  GObject                parent_instance;
  GMutex                 lock;        /* held across a refresh: one at a time */
  CasellaAccount        *account;
  CasellaOAuth2Provider *provider;
  GTlsDatabase          *tls_database;
  char                  *refresh_token;
  char                  *access_token;
  gint64                 expires_at;  /* real time, µs; 0: unknown, refresh first */
  gint64                 renewed_at;  /* monotonic, µs */
  GError                *ended;       /* invalid_grant: needs the user */
  guint                  n_refreshes;
};

G_DEFINE_FINAL_TYPE (CasellaTokenSource, casella_token_source, G_TYPE_OBJECT)

static void
casella_token_source_finalize (GObject *object)
{
  CasellaTokenSource *self = CASELLA_TOKEN_SOURCE (object);

  g_mutex_clear (&self->lock);
  g_object_unref (self->account);
  casella_oauth2_provider_unref (self->provider);
  g_clear_object (&self->tls_database);
  casella_secret_free (self->refresh_token);
  casella_secret_free (self->access_token);
  g_clear_error (&self->ended);
  G_OBJECT_CLASS (casella_token_source_parent_class)->finalize (object);
}

static void
casella_token_source_class_init (CasellaTokenSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = casella_token_source_finalize;
}

static void
casella_token_source_init (CasellaTokenSource *self)
{
  g_mutex_init (&self->lock);
}

CasellaTokenSource *
casella_token_source_new (CasellaAccount        *account,
                          CasellaOAuth2Provider *provider,
                          const char            *refresh_token,
                          GTlsDatabase          *tls_database)
{
  CasellaTokenSource *self = g_object_new (CASELLA_TYPE_TOKEN_SOURCE, NULL);

  self->account = g_object_ref (account);
  self->provider = casella_oauth2_provider_ref (provider);
  self->refresh_token = g_strdup (refresh_token);
  if (tls_database != NULL)
    self->tls_database = g_object_ref (tls_database);
  return self;
}

CasellaOAuth2Provider *
casella_token_source_get_provider (CasellaTokenSource *self)
{
  return self->provider;
}

char *
casella_token_source_dup_refresh_token (CasellaTokenSource *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return g_strdup (self->refresh_token);
}

guint
casella_token_source_get_n_refreshes (CasellaTokenSource *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return self->n_refreshes;
}

/* Called with the lock held. */
static void
take_tokens (CasellaTokenSource        *self,
             const CasellaOAuth2Tokens *tokens)
{
  casella_secret_free (self->access_token);
  self->access_token = g_strdup (tokens->access_token);
  self->expires_at = tokens->expires_at;
  if (tokens->refresh_token != NULL && g_strcmp0 (tokens->refresh_token, self->refresh_token) != 0)
    {
      casella_secret_free (self->refresh_token);
      self->refresh_token = g_strdup (tokens->refresh_token);
    }
}

void
casella_token_source_seed (CasellaTokenSource        *self,
                           const CasellaOAuth2Tokens *tokens)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  take_tokens (self, tokens);
  g_clear_error (&self->ended);
}

static gboolean
still_fresh (CasellaTokenSource *self)
{
  return self->access_token != NULL &&
         (self->expires_at == 0 ||
          self->expires_at - CASELLA_TOKEN_EARLY_SECONDS * G_USEC_PER_SEC > g_get_real_time ());
}

/* Called with the lock held. */
static gboolean
refresh (CasellaTokenSource  *self,
         GCancellable        *cancellable,
         GError             **error)
{
  g_autoptr(CasellaOAuth2Tokens) tokens = NULL;
  g_autofree char *previous = g_strdup (self->refresh_token);
  g_autoptr(GError) local = NULL;

  if (self->refresh_token == NULL)
    {
      g_set_error (error, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_INVALID_GRANT,
                   "No sign-in is saved for %s", casella_account_get_address (self->account));
      return FALSE;
    }
  self->n_refreshes++;
  tokens = casella_oauth2_refresh_sync (self->provider, self->refresh_token, self->tls_database, cancellable,
                                        &local);
  if (tokens == NULL)
    {
      if (g_error_matches (local, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_INVALID_GRANT))
        self->ended = g_error_copy (local);
      g_propagate_error (error, g_steal_pointer (&local));
      casella_secret_free (g_steal_pointer (&previous));
      return FALSE;
    }
  take_tokens (self, tokens);
  self->renewed_at = g_get_monotonic_time ();
  /* The old one may be dead already: the new one must be saved first. */
  if (g_strcmp0 (previous, self->refresh_token) != 0 &&
      !casella_credentials_store_sync (self->account, CASELLA_CREDENTIAL_OAUTH2, self->refresh_token, NULL, &local))
    g_warning ("The renewed sign-in of %s could not be saved in the keyring: %s",
               casella_account_get_address (self->account), local->message);
  casella_secret_free (g_steal_pointer (&previous));
  g_debug ("OAuth2: access token for %s renewed", casella_account_get_address (self->account));
  return TRUE;
}

char *
casella_token_source_get_sync (CasellaTokenSource  *self,
                               gboolean             renew,
                               GCancellable        *cancellable,
                               GError             **error)
{
  gint64 asked_at = g_get_monotonic_time ();
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  if (self->ended != NULL)
    {
      g_propagate_error (error, g_error_copy (self->ended));
      return NULL;
    }
  /* Another thread renewed it while this one waited for the lock. */
  if (renew && self->renewed_at >= asked_at)
    renew = FALSE;
  if ((renew || !still_fresh (self)) && !refresh (self, cancellable, error))
    return NULL;
  return g_strdup (self->access_token);
}

static void
get_in_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  char *token = casella_token_source_get_sync (source, GPOINTER_TO_INT (task_data), cancellable, &error);

  if (token == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, token, (GDestroyNotify) casella_secret_free);
}

void
casella_token_source_get_async (CasellaTokenSource  *self,
                                gboolean             renew,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, casella_token_source_get_async);
  g_task_set_task_data (task, GINT_TO_POINTER (renew), NULL);
  g_task_run_in_thread (task, get_in_thread);
}

char *
casella_token_source_get_finish (CasellaTokenSource  *self,
                                 GAsyncResult        *result,
                                 GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self) &&
                        g_async_result_is_tagged (result, casella_token_source_get_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
