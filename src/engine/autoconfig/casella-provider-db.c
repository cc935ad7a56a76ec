/* casella-provider-db.c — the provider database bundled with Casella
 *
 * data/providers/providers.ini (generated from the ISPDB and our own
 * additions) is compiled into the engine as a resource. It is read once,
 * on first use, into a table from domain to provider; lookups are then a
 * hash lookup, with no network and no waiting.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-provider-db.h"

#define RESOURCE "/io/github/casellamail/Casella/engine/providers.ini"

struct _CasellaProviderDb
{
  GHashTable *by_domain;   /* domain -> CasellaMailConfig (template) */
  GHashTable *by_id;       /* provider id -> CasellaMailConfig */
};

static void
add_servers (CasellaMailConfig *config,
             GKeyFile          *file,
             const char        *group,
             const char        *key,
             CasellaProtocol    protocol)
{
  g_auto(GStrv) entries = g_key_file_get_string_list (file, group, key, NULL, NULL);
  GPtrArray *into = protocol == CASELLA_PROTOCOL_SMTP ? config->outgoing : config->incoming;

  for (guint i = 0; entries && entries[i]; i++)
    {
      CasellaServerConfig *server = casella_server_config_from_string (entries[i], protocol);
      if (server != NULL)
        g_ptr_array_add (into, server);
    }
}

static CasellaMailConfig *
read_provider (GKeyFile   *file,
               const char *group)
{
  CasellaMailConfig *config = casella_mail_config_new (CASELLA_SOURCE_BUNDLED);
  g_auto(GStrv) needs = g_key_file_get_string_list (file, group, "Needs", NULL, NULL);
  g_auto(GStrv) hints = g_key_file_get_string_list (file, group, "Hints", NULL, NULL);

  config->provider_id = g_strdup (group);
  config->provider_name = g_key_file_get_string (file, group, "Name", NULL);
  config->provider_short_name = g_key_file_get_string (file, group, "ShortName", NULL);
  config->provider_domains = g_key_file_get_string_list (file, group, "Domains", NULL, NULL);
  config->documentation_url = g_key_file_get_string (file, group, "Documentation", NULL);
  config->enable_url = g_key_file_get_string (file, group, "EnableUrl", NULL);
  config->app_password_url = g_key_file_get_string (file, group, "AppPasswordUrl", NULL);
  config->needs = casella_provider_needs_from_strings ((const char * const *) needs) |
                  casella_provider_needs_from_strings ((const char * const *) hints);
  config->provenance = g_strdup_printf ("Casella provider database: %s", group);

  /* IMAP before POP3: the order the ranking offers them in. */
  add_servers (config, file, group, "Imap", CASELLA_PROTOCOL_IMAP);
  add_servers (config, file, group, "Pop3", CASELLA_PROTOCOL_POP3);
  add_servers (config, file, group, "Smtp", CASELLA_PROTOCOL_SMTP);
  if (config->provider_name == NULL)
    config->provider_name = g_strdup (group);
  return config;
}

CasellaProviderDb *
casella_provider_db_new_from_data (const char  *data,
                                   gsize        length,
                                   GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_auto(GStrv) groups = NULL;
  CasellaProviderDb *db;

  if (!g_key_file_load_from_data (file, data, length, G_KEY_FILE_NONE, error))
    return NULL;

  db = g_new0 (CasellaProviderDb, 1);
  db->by_domain = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) casella_mail_config_unref);
  db->by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) casella_mail_config_unref);

  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i]; i++)
    {
      CasellaMailConfig *config = read_provider (file, groups[i]);

      g_hash_table_replace (db->by_id, g_strdup (groups[i]), config);
      for (guint d = 0; config->provider_domains && config->provider_domains[d]; d++)
        g_hash_table_replace (db->by_domain, g_ascii_strdown (config->provider_domains[d], -1),
                              casella_mail_config_ref (config));
    }
  return db;
}

void
casella_provider_db_free (CasellaProviderDb *db)
{
  if (db == NULL)
    return;
  g_hash_table_unref (db->by_domain);
  g_hash_table_unref (db->by_id);
  g_free (db);
}

CasellaProviderDb *
casella_provider_db_get_default (void)
{
  static CasellaProviderDb *db;
  static gsize loaded_once;

  if (g_once_init_enter (&loaded_once))
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      CasellaProviderDb *loaded;

      bytes = g_resources_lookup_data (RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
      g_assert_no_error (error);   /* built in: missing means a broken build */
      loaded = casella_provider_db_new_from_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
      g_assert_no_error (error);
      db = loaded;
      g_once_init_leave (&loaded_once, 1);
    }
  return db;
}

/* A new reference to the provider's template (placeholders unresolved). */
CasellaMailConfig *
casella_provider_db_lookup (CasellaProviderDb *db,
                            const char        *domain)
{
  g_autofree char *lower = g_utf8_strdown (domain, -1);
  CasellaMailConfig *config = g_hash_table_lookup (db->by_domain, lower);

  return config ? casella_mail_config_ref (config) : NULL;
}

CasellaMailConfig *
casella_provider_db_lookup_id (CasellaProviderDb *db,
                               const char        *provider_id)
{
  CasellaMailConfig *config = g_hash_table_lookup (db->by_id, provider_id);

  return config ? casella_mail_config_ref (config) : NULL;
}

guint
casella_provider_db_get_n_domains (CasellaProviderDb *db)
{
  return g_hash_table_size (db->by_domain);
}

GStrv
casella_provider_db_dup_domains (CasellaProviderDb *db)
{
  g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array (db->by_domain, NULL);

  return g_strdupv ((char **) keys);
}
