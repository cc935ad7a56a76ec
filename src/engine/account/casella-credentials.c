/* casella-credentials.c — passwords in the Secret Service, and nowhere else
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libsecret/secret.h>

#include "casella-credentials.h"

static const SecretSchema schema = {
  "io.github.casellamail.Casella.Account", SECRET_SCHEMA_NONE,
  {
    { "account-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "role", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "address", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

static const char *
role_name (CasellaCredentialRole role)
{
  const char *names[] = { "incoming", "outgoing", "oauth2-refresh" };

  return names[role];
}

static char *
role_label (CasellaAccount        *account,
            CasellaCredentialRole  role)
{
  /* What people see in Passwords and Keys. */
  const char *what[] = { "receiving mail", "sending mail", "sign-in" };

  return g_strdup_printf ("Casella: %s (%s)", casella_account_get_address (account), what[role]);
}

static void
on_stored (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
casella_credentials_store_async (CasellaAccount         *account,
                                 CasellaCredentialRole   role,
                                 const char             *password,
                                 GCancellable           *cancellable,
                                 GAsyncReadyCallback     callback,
                                 gpointer                user_data)
{
  GTask *task = g_task_new (account, cancellable, callback, user_data);
  g_autofree char *label = role_label (account, role);

  g_task_set_source_tag (task, casella_credentials_store_async);

  secret_password_store (&schema, SECRET_COLLECTION_DEFAULT, label, password, cancellable, on_stored, task,
                         "account-id", casella_account_get_id (account), "role", role_name (role),
                         "address", casella_account_get_address (account), NULL);
}

gboolean
casella_credentials_store_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, casella_credentials_store_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_looked_up (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *password = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, password, (GDestroyNotify) secret_password_free);
}

void
casella_credentials_lookup_async (CasellaAccount         *account,
                                  CasellaCredentialRole   role,
                                  GCancellable           *cancellable,
                                  GAsyncReadyCallback     callback,
                                  gpointer                user_data)
{
  GTask *task = g_task_new (account, cancellable, callback, user_data);

  g_task_set_source_tag (task, casella_credentials_lookup_async);
  secret_password_lookup (&schema, cancellable, on_looked_up, task,
                          "account-id", casella_account_get_id (account), "role", role_name (role), NULL);
}

char *
casella_credentials_lookup_finish (GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, casella_credentials_lookup_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_cleared (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
casella_credentials_clear_async (const char          *account_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, casella_credentials_clear_async);
  secret_password_clear (&schema, cancellable, on_cleared, task, "account-id", account_id, NULL);
}

gboolean
casella_credentials_clear_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL) &&
                        g_async_result_is_tagged (result, casella_credentials_clear_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
casella_credentials_store_sync (CasellaAccount         *account,
                                CasellaCredentialRole   role,
                                const char             *secret,
                                GCancellable           *cancellable,
                                GError                **error)
{
  g_autofree char *label = role_label (account, role);

  return secret_password_store_sync (&schema, SECRET_COLLECTION_DEFAULT, label, secret, cancellable, error,
                                     "account-id", casella_account_get_id (account), "role", role_name (role),
                                     "address", casella_account_get_address (account), NULL);
}

char *
casella_credentials_lookup_sync (CasellaAccount         *account,
                                 CasellaCredentialRole   role,
                                 GCancellable           *cancellable,
                                 GError                **error)
{
  return secret_password_lookup_sync (&schema, cancellable, error, "account-id", casella_account_get_id (account),
                                      "role", role_name (role), NULL);
}

/* Passwords from the keyring are wiped when freed. */
void
casella_credentials_free (char *password)
{
  secret_password_free (password);
}
