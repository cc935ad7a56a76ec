/* casella-oauth2-provider.c — who signs people in with OAuth2, and how
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-oauth2-provider.h"

G_DEFINE_BOXED_TYPE (CasellaOAuth2Provider, casella_oauth2_provider, casella_oauth2_provider_ref,
                     casella_oauth2_provider_unref)

static const char *protocol_keys[] = { "Scopes-imap", "Scopes-pop3", "Scopes-smtp" };

/* What this build was given (meson -Doauth-…); empty when nothing. */
static const struct {
  const char *id, *client_id, *client_secret;
} build_clients[] = {
  { "google", OAUTH_GOOGLE_CLIENT_ID, OAUTH_GOOGLE_CLIENT_SECRET },
  { "microsoft", OAUTH_MICROSOFT_CLIENT_ID, "" },
  { "yahoo", OAUTH_YAHOO_CLIENT_ID, OAUTH_YAHOO_CLIENT_SECRET },
  { "yandex", OAUTH_YANDEX_CLIENT_ID, OAUTH_YANDEX_CLIENT_SECRET },
  { "mailru", OAUTH_MAILRU_CLIENT_ID, OAUTH_MAILRU_CLIENT_SECRET },
};

static GMutex lock;
static GPtrArray *providers;   /* CasellaOAuth2Provider, the first that matches wins */

CasellaOAuth2Provider *
casella_oauth2_provider_ref (CasellaOAuth2Provider *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
casella_oauth2_provider_unref (CasellaOAuth2Provider *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->id);
  g_free (self->name);
  g_strfreev (self->providers);
  g_free (self->authorize_url);
  g_free (self->token_url);
  g_free (self->revoke_url);
  for (guint i = 0; i < G_N_ELEMENTS (self->scopes); i++)
    g_strfreev (self->scopes[i]);
  g_strfreev (self->params);
  g_array_unref (self->mechanisms);
  g_free (self->client_id);
  g_free (self->client_secret);
  g_clear_object (&self->tls_database);
  g_free (self);
}

static char *
dup_optional (GKeyFile   *file,
              const char *group,
              const char *key)
{
  g_autofree char *value = g_key_file_get_string (file, group, key, NULL);

  return value != NULL && value[0] != '\0' ? g_steal_pointer (&value) : NULL;
}

static GStrv
dup_list (GKeyFile   *file,
          const char *group,
          const char *key)
{
  GStrv list = g_key_file_get_string_list (file, group, key, NULL, NULL);

  return list != NULL ? list : g_new0 (char *, 1);
}

static void
fill_client (CasellaOAuth2Provider *self,
             GKeyFile              *file,
             const char            *group)
{
  self->client_id = dup_optional (file, group, "ClientId");
  self->client_secret = dup_optional (file, group, "ClientSecret");
  for (guint i = 0; self->client_id == NULL && i < G_N_ELEMENTS (build_clients); i++)
    if (g_str_equal (build_clients[i].id, group))
      {
        self->client_id = g_strdup (build_clients[i].client_id);
        g_free (self->client_secret);
        self->client_secret = g_strdup (build_clients[i].client_secret);
      }
  if (self->client_id == NULL)
    self->client_id = g_strdup ("");
  if (self->client_secret == NULL)
    self->client_secret = g_strdup ("");
}

static CasellaOAuth2Provider *
provider_from_group (GKeyFile    *file,
                     const char  *group,
                     gboolean     bundled,
                     GError     **error)
{
  g_autoptr(CasellaOAuth2Provider) self = g_new0 (CasellaOAuth2Provider, 1);
  g_auto(GStrv) mechanisms = dup_list (file, group, "Mechanisms");

  g_atomic_ref_count_init (&self->ref_count);
  self->id = g_strdup (group);
  self->name = dup_optional (file, group, "Name");
  self->providers = dup_list (file, group, "Providers");
  self->authorize_url = dup_optional (file, group, "AuthorizeUrl");
  self->token_url = dup_optional (file, group, "TokenUrl");
  self->revoke_url = dup_optional (file, group, "RevokeUrl");
  for (guint i = 0; i < G_N_ELEMENTS (protocol_keys); i++)
    self->scopes[i] = dup_list (file, group, protocol_keys[i]);
  self->params = dup_list (file, group, "Params");
  self->mechanisms = g_array_new (FALSE, FALSE, sizeof (CasellaSaslMechanism));
  for (guint i = 0; mechanisms[i] != NULL; i++)
    {
      CasellaSaslMechanism mechanism = g_str_equal (mechanisms[i], "OAUTHBEARER") ? CASELLA_SASL_OAUTHBEARER
                                                                                  : CASELLA_SASL_XOAUTH2;
      g_array_append_val (self->mechanisms, mechanism);
    }
  self->app_passwords = g_key_file_get_boolean (file, group, "AppPasswords", NULL);
  fill_client (self, file, group);
  if (!bundled)
    {
      g_autofree char *ca_file = dup_optional (file, group, "CaFile");

      if (ca_file != NULL && (self->tls_database = g_tls_file_database_new (ca_file, error)) == NULL)
        return NULL;
    }

  if (self->name == NULL || self->authorize_url == NULL || self->token_url == NULL ||
      self->mechanisms->len == 0)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                   "OAuth2 provider %s lacks Name, AuthorizeUrl, TokenUrl or Mechanisms", group);
      return NULL;
    }
  return g_steal_pointer (&self);
}

static gboolean
add_from_key_file (GKeyFile  *file,
                   gboolean   first,
                   GError   **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups (file, NULL);
  guint at = 0;

  for (guint i = 0; groups[i] != NULL; i++)
    {
      CasellaOAuth2Provider *provider = provider_from_group (file, groups[i], !first, error);

      if (provider == NULL)
        return FALSE;
      if (first)
        g_ptr_array_insert (providers, at++, provider);
      else
        g_ptr_array_add (providers, provider);
    }
  return TRUE;
}

/* Called with the lock held. */
static void
ensure_loaded (void)
{
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  if (providers != NULL)
    return;
  providers = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_oauth2_provider_unref);
  data = g_resources_lookup_data ("/io/github/casellamail/Casella/engine/oauth2.ini", 0, &error);
  if (data == NULL ||
      !g_key_file_load_from_bytes (file, data, G_KEY_FILE_NONE, &error) ||
      !add_from_key_file (file, FALSE, &error))
    g_critical ("The bundled OAuth2 providers cannot be read: %s", error->message);
}

gboolean
casella_oauth2_provider_add_from_file (const char  *path,
                                       GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&lock);

  ensure_loaded ();
  return g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, error) &&
         add_from_key_file (file, TRUE, error);
}

CasellaOAuth2Provider *
casella_oauth2_provider_lookup (const char *id)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&lock);

  ensure_loaded ();
  for (guint i = 0; id != NULL && i < providers->len; i++)
    {
      CasellaOAuth2Provider *provider = providers->pdata[i];

      if (g_str_equal (provider->id, id))
        return casella_oauth2_provider_ref (provider);
    }
  return NULL;
}

CasellaOAuth2Provider *
casella_oauth2_provider_for_mail_provider (const char *mail_provider_id)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&lock);

  ensure_loaded ();
  for (guint i = 0; mail_provider_id != NULL && i < providers->len; i++)
    {
      CasellaOAuth2Provider *provider = providers->pdata[i];

      if (g_strv_contains ((const char * const *) provider->providers, mail_provider_id))
        return casella_oauth2_provider_ref (provider);
    }
  return NULL;
}

gboolean
casella_oauth2_provider_is_usable (const CasellaOAuth2Provider *self)
{
  return self != NULL && self->client_id[0] != '\0';
}

char *
casella_oauth2_provider_dup_scope (const CasellaOAuth2Provider *self,
                                   const CasellaProtocol       *protocols,
                                   guint                        n_protocols)
{
  g_autoptr(GPtrArray) seen = g_ptr_array_new ();
  GString *scope = g_string_new (NULL);

  for (guint i = 0; i < n_protocols; i++)
    for (char **s = self->scopes[protocols[i]]; *s != NULL; s++)
      if (!g_ptr_array_find_with_equal_func (seen, *s, g_str_equal, NULL))
        {
          g_ptr_array_add (seen, *s);
          g_string_append_printf (scope, "%s%s", scope->len > 0 ? " " : "", *s);
        }
  return g_string_free (scope, FALSE);
}
