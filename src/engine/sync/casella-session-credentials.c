/* casella-session-credentials.c — a session's passwords and their refusal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-mail-error.h"
#include "casella-oauth2-token.h"
#include "casella-secret.h"
#include "casella-session-credentials.h"

struct _CasellaSessionCredentials
{
  GMutex     lock;
  char      *password;
  char      *smtp_password;
  GPtrArray *retired;       /* replaced passwords: a thread may still read one */
  guint      generation;
  GError    *refusal;       /* set while the server refuses them */
};

CasellaSessionCredentials *
casella_session_credentials_new (const char *password,
                                 const char *smtp_password)
{
  CasellaSessionCredentials *self = g_new0 (CasellaSessionCredentials, 1);

  g_mutex_init (&self->lock);
  self->password = g_strdup (password);
  /* The same for both (as the assistant saves them): one to change. */
  if (g_strcmp0 (smtp_password, password) != 0)
    self->smtp_password = g_strdup (smtp_password);
  self->retired = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_secret_free);
  return self;
}

void
casella_session_credentials_free (CasellaSessionCredentials *self)
{
  if (self == NULL)
    return;
  casella_secret_free (self->password);
  casella_secret_free (self->smtp_password);
  g_ptr_array_unref (self->retired);
  g_clear_error (&self->refusal);
  g_mutex_clear (&self->lock);
  g_free (self);
}

guint
casella_session_credentials_get (CasellaSessionCredentials  *self,
                                 const char                **password,
                                 const char                **smtp_password)
{
  guint generation;

  g_mutex_lock (&self->lock);
  if (password != NULL)
    *password = self->password;
  if (smtp_password != NULL)
    *smtp_password = self->smtp_password;
  generation = self->generation;
  g_mutex_unlock (&self->lock);
  return generation;
}

void
casella_session_credentials_set_password (CasellaSessionCredentials *self,
                                          const char                *password)
{
  g_mutex_lock (&self->lock);
  if (self->password != NULL)
    g_ptr_array_add (self->retired, self->password);
  self->password = g_strdup (password);
  self->generation++;
  g_clear_error (&self->refusal);
  g_mutex_unlock (&self->lock);
}

gboolean
casella_session_credentials_is_refusal (const GError *error)
{
  if (error == NULL)
    return FALSE;
  if (error->domain == CASELLA_MAIL_ERROR)
    return error->code == CASELLA_MAIL_ERROR_AUTH_FAILED || error->code == CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED ||
           error->code == CASELLA_MAIL_ERROR_PASSWORD_EXPIRED || error->code == CASELLA_MAIL_ERROR_PROTOCOL_DISABLED ||
           error->code == CASELLA_MAIL_ERROR_OAUTH_REQUIRED;
  return g_error_matches (error, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_INVALID_GRANT);
}

gboolean
casella_session_credentials_refuse (CasellaSessionCredentials *self,
                                    const GError              *error)
{
  if (!casella_session_credentials_is_refusal (error))
    return FALSE;
  g_mutex_lock (&self->lock);
  g_clear_error (&self->refusal);
  self->refusal = g_error_copy (error);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

gboolean
casella_session_credentials_refused (CasellaSessionCredentials  *self,
                                     GError                    **error)
{
  gboolean refused;

  g_mutex_lock (&self->lock);
  refused = self->refusal != NULL;
  if (refused && error != NULL)
    *error = g_error_copy (self->refusal);
  g_mutex_unlock (&self->lock);
  return refused;
}

void
casella_session_credentials_allow_retry (CasellaSessionCredentials *self)
{
  g_mutex_lock (&self->lock);
  g_clear_error (&self->refusal);
  g_mutex_unlock (&self->lock);
}
