/* casella-account.c — one mail account's settings (never its password)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-account.h"
#include "casella-provider-db.h"

struct _CasellaAccount
{
  GObject              parent_instance;

  char                *id;
  char                *address;
  char                *display_name;
  char                *signature;
  char                *oauth2_provider;   /* NULL: signs in with a password */
  char                *provider_id;
  char                *provider_name;
  CasellaServerConfig *incoming;
  CasellaServerConfig *outgoing;
  GBytes              *pinned_incoming;
  GBytes              *pinned_outgoing;
  GPtrArray           *identities;        /* CasellaIdentity: other addresses it sends from */
  char                *reply_to;
  CasellaPop3Policy    pop3_policy;
  guint                pop3_days;
  int                  download_ahead;    /* CasellaDownloadAhead, atomic */
  int                  check_minutes;     /* atomic */
  guint                undo_seconds;
  int                  pec;               /* -1: as the provider database says */
  gboolean             show_pec_receipts;
  GHashTable          *not_offline;       /* folder paths whose mail is only fetched when opened */
  GMutex               not_offline_lock;  /* read by the session's threads */
};

G_DEFINE_FINAL_TYPE (CasellaAccount, casella_account, G_TYPE_OBJECT)

static void
casella_account_finalize (GObject *object)
{
  CasellaAccount *self = CASELLA_ACCOUNT (object);

  g_free (self->id);
  g_free (self->address);
  g_free (self->display_name);
  g_free (self->signature);
  g_free (self->oauth2_provider);
  g_free (self->provider_id);
  g_free (self->provider_name);
  casella_server_config_free (self->incoming);
  casella_server_config_free (self->outgoing);
  g_clear_pointer (&self->pinned_incoming, g_bytes_unref);
  g_clear_pointer (&self->pinned_outgoing, g_bytes_unref);
  g_ptr_array_unref (self->identities);
  g_free (self->reply_to);
  g_hash_table_unref (self->not_offline);
  g_mutex_clear (&self->not_offline_lock);
  G_OBJECT_CLASS (casella_account_parent_class)->finalize (object);
}

static void
casella_account_class_init (CasellaAccountClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = casella_account_finalize;
}

static void
casella_account_init (CasellaAccount *self)
{
  self->pop3_policy = CASELLA_POP3_KEEP;
  self->pop3_days = 30;
  self->check_minutes = 5;
  self->undo_seconds = 5;
  self->pec = -1;
  self->identities = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_identity_free);
  self->not_offline = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&self->not_offline_lock);
}

/* ---- other addresses it sends from ---- */

CasellaIdentity *
casella_identity_new (const char *address,
                      const char *name,
                      const char *signature)
{
  CasellaIdentity *identity = g_new0 (CasellaIdentity, 1);

  identity->address = g_strdup (address);
  identity->name = name && name[0] ? g_strdup (name) : NULL;
  identity->signature = signature && signature[0] ? g_strdup (signature) : NULL;
  return identity;
}

void
casella_identity_free (CasellaIdentity *identity)
{
  if (identity == NULL)
    return;
  g_free (identity->address);
  g_free (identity->name);
  g_free (identity->signature);
  g_free (identity);
}

GPtrArray *
casella_account_get_identities (CasellaAccount *self)
{
  return self->identities;
}

void
casella_account_add_identity (CasellaAccount *self,
                              const char     *address,
                              const char     *name,
                              const char     *signature)
{
  g_return_if_fail (address != NULL && strchr (address, '@') != NULL);
  casella_account_remove_identity (self, address);
  g_ptr_array_add (self->identities, casella_identity_new (address, name, signature));
}

void
casella_account_remove_identity (CasellaAccount *self,
                                 const char     *address)
{
  for (guint i = 0; i < self->identities->len; i++)
    if (g_ascii_strcasecmp (((CasellaIdentity *) self->identities->pdata[i])->address, address) == 0)
      g_ptr_array_remove_index (self->identities, i--);
}

const CasellaIdentity *
casella_account_find_identity (CasellaAccount     *self,
                               const char * const *addresses)
{
  for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++)
    for (guint j = 0; j < self->identities->len; j++)
      {
        CasellaIdentity *identity = self->identities->pdata[j];
        if (g_ascii_strcasecmp (identity->address, addresses[i]) == 0)
          return identity;
      }
  return NULL;
}

/* ---- folders kept for reading offline ---- */

gboolean
casella_account_get_folder_offline (CasellaAccount *self,
                                    const char     *path)
{
  gboolean offline;

  g_return_val_if_fail (CASELLA_IS_ACCOUNT (self), TRUE);

  g_mutex_lock (&self->not_offline_lock);
  offline = path == NULL || !g_hash_table_contains (self->not_offline, path);
  g_mutex_unlock (&self->not_offline_lock);
  return offline;
}

void
casella_account_set_folder_offline (CasellaAccount *self,
                                    const char     *path,
                                    gboolean        offline)
{
  g_return_if_fail (CASELLA_IS_ACCOUNT (self));
  g_return_if_fail (path != NULL);

  g_mutex_lock (&self->not_offline_lock);
  if (offline)
    g_hash_table_remove (self->not_offline, path);
  else
    g_hash_table_add (self->not_offline, g_strdup (path));
  g_mutex_unlock (&self->not_offline_lock);
}

static int
compare_paths (const void *a,
               const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* Sorted, so that the file stays the same when nothing changed. */
static GStrv
not_offline_paths (CasellaAccount *self)
{
  GStrv paths;

  g_mutex_lock (&self->not_offline_lock);
  paths = (GStrv) g_hash_table_get_keys_as_array (self->not_offline, NULL);
  for (guint i = 0; paths[i] != NULL; i++)
    paths[i] = g_strdup (paths[i]);
  g_mutex_unlock (&self->not_offline_lock);
  qsort (paths, g_strv_length (paths), sizeof (char *), compare_paths);
  return paths;
}

CasellaDownloadAhead
casella_account_get_download_ahead (CasellaAccount *self)
{
  return (CasellaDownloadAhead) g_atomic_int_get (&self->download_ahead);
}

void
casella_account_set_download_ahead (CasellaAccount       *self,
                                    CasellaDownloadAhead  download)
{
  g_atomic_int_set (&self->download_ahead, CLAMP ((int) download, CASELLA_DOWNLOAD_RECENT, CASELLA_DOWNLOAD_NONE));
}

guint
casella_account_get_check_minutes (CasellaAccount *self)
{
  return (guint) g_atomic_int_get (&self->check_minutes);
}

void
casella_account_set_check_minutes (CasellaAccount *self,
                                   guint           minutes)
{
  g_atomic_int_set (&self->check_minutes, (int) CLAMP (minutes, 1, 24 * 60));
}

guint
casella_account_get_undo_seconds (CasellaAccount *self)
{
  return self->undo_seconds;
}

void
casella_account_set_undo_seconds (CasellaAccount *self,
                                  guint           seconds)
{
  self->undo_seconds = MIN (seconds, 60);
}

gboolean
casella_account_get_pec (CasellaAccount *self)
{
  CasellaMailConfig *provider;

  if (self->pec >= 0)
    return self->pec;
  provider = self->provider_id ? casella_provider_db_lookup_id (casella_provider_db_get_default (), self->provider_id)
                               : NULL;
  return provider != NULL && (provider->needs & CASELLA_NEEDS_PEC) != 0;
}

void
casella_account_set_pec (CasellaAccount *self,
                         gboolean        pec)
{
  self->pec = pec ? 1 : 0;
}

gboolean
casella_account_get_show_pec_receipts (CasellaAccount *self)
{
  return self->show_pec_receipts;
}

void
casella_account_set_show_pec_receipts (CasellaAccount *self,
                                       gboolean        show)
{
  self->show_pec_receipts = show;
}

const char *
casella_account_get_reply_to (CasellaAccount *self)
{
  return self->reply_to;
}

void
casella_account_set_reply_to (CasellaAccount *self,
                              const char     *address)
{
  g_free (self->reply_to);
  self->reply_to = address && address[0] ? g_strdup (address) : NULL;
}

/* A new account gets an id that never changes, even if the address does. */
CasellaAccount *
casella_account_new (const char *address)
{
  CasellaAccount *self = g_object_new (CASELLA_TYPE_ACCOUNT, NULL);
  g_autofree char *uuid = g_uuid_string_random ();

  self->id = g_strndup (uuid, 8);
  self->address = g_strdup (address);
  return self;
}

const char *
casella_account_get_id (CasellaAccount *self)
{
  return self->id;
}

const char *
casella_account_get_address (CasellaAccount *self)
{
  return self->address;
}

const char *
casella_account_get_display_name (CasellaAccount *self)
{
  return self->display_name;
}

void
casella_account_set_display_name (CasellaAccount *self,
                                  const char     *name)
{
  g_free (self->display_name);
  self->display_name = g_strdup (name);
}

const char *
casella_account_get_oauth2_provider (CasellaAccount *self)
{
  return self->oauth2_provider;
}

void
casella_account_set_oauth2_provider (CasellaAccount *self,
                                     const char     *provider_id)
{
  g_free (self->oauth2_provider);
  self->oauth2_provider = provider_id && provider_id[0] ? g_strdup (provider_id) : NULL;
}

const char *
casella_account_get_signature (CasellaAccount *self)
{
  return self->signature;
}

void
casella_account_set_signature (CasellaAccount *self,
                               const char     *signature)
{
  g_free (self->signature);
  self->signature = signature && signature[0] ? g_strdup (signature) : NULL;
}

const char *
casella_account_get_provider_name (CasellaAccount *self)
{
  return self->provider_name;
}

const char *
casella_account_get_provider_id (CasellaAccount *self)
{
  return self->provider_id;
}

void
casella_account_set_provider (CasellaAccount *self,
                              const char     *id,
                              const char     *name)
{
  g_free (self->provider_id);
  g_free (self->provider_name);
  self->provider_id = g_strdup (id);
  self->provider_name = g_strdup (name);
}

CasellaServerConfig *
casella_account_get_incoming (CasellaAccount *self)
{
  return self->incoming;
}

void
casella_account_set_incoming (CasellaAccount            *self,
                              const CasellaServerConfig *server)
{
  casella_server_config_free (self->incoming);
  self->incoming = server ? casella_server_config_copy (server) : NULL;
}

CasellaServerConfig *
casella_account_get_outgoing (CasellaAccount *self)
{
  return self->outgoing;
}

void
casella_account_set_outgoing (CasellaAccount            *self,
                              const CasellaServerConfig *server)
{
  casella_server_config_free (self->outgoing);
  self->outgoing = server ? casella_server_config_copy (server) : NULL;
}

GBytes *
casella_account_get_pinned_certificate (CasellaAccount  *self,
                                        CasellaProtocol  protocol)
{
  return protocol == CASELLA_PROTOCOL_SMTP ? self->pinned_outgoing : self->pinned_incoming;
}

/* A session's threads read the pins when they connect while the window
 * may change them (a certificate trusted anew). */
static GMutex pins_lock;

/* The user's explicit, remembered "trust this certificate" for a server. */
void
casella_account_set_pinned_certificate (CasellaAccount  *self,
                                        CasellaProtocol  protocol,
                                        GBytes          *der)
{
  GBytes **slot = protocol == CASELLA_PROTOCOL_SMTP ? &self->pinned_outgoing : &self->pinned_incoming;
  GBytes *old;

  g_mutex_lock (&pins_lock);
  old = g_steal_pointer (slot);
  if (der != NULL)
    *slot = g_bytes_ref (der);
  g_mutex_unlock (&pins_lock);
  g_clear_pointer (&old, g_bytes_unref);
}

CasellaPop3Policy
casella_account_get_pop3_policy (CasellaAccount *self,
                                 guint          *days)
{
  if (days)
    *days = self->pop3_days;
  return self->pop3_policy;
}

void
casella_account_set_pop3_policy (CasellaAccount    *self,
                                 CasellaPop3Policy  policy,
                                 guint              days)
{
  self->pop3_policy = policy;
  self->pop3_days = days ? days : 30;
}

CasellaNetConfig *
casella_account_dup_net_config (CasellaAccount  *self,
                                CasellaProtocol  protocol,
                                GTlsDatabase    *tls_database)
{
  CasellaServerConfig *server = protocol == CASELLA_PROTOCOL_SMTP ? self->outgoing : self->incoming;
  CasellaNetConfig *config;

  g_return_val_if_fail (server != NULL, NULL);
  config = casella_server_config_to_net (server);
  casella_net_config_set_tls_database (config, tls_database);
  g_mutex_lock (&pins_lock);
  casella_net_config_set_pinned_certificate (config, casella_account_get_pinned_certificate (self, protocol));
  g_mutex_unlock (&pins_lock);
  /* Saved without encryption only after the user agreed to it (the
   * verification would not pass otherwise). */
  casella_net_config_set_plaintext_allowed (config, server->security == CASELLA_SECURITY_NONE);
  return config;
}

/* ---- key file ---- */

static void
save_server (GKeyFile            *file,
             const char          *group,
             const char          *prefix,
             CasellaServerConfig *server,
             GBytes              *pinned)
{
  g_autofree char *k_protocol = g_strconcat (prefix, "Protocol", NULL);
  g_autofree char *k_host = g_strconcat (prefix, "Host", NULL);
  g_autofree char *k_port = g_strconcat (prefix, "Port", NULL);
  g_autofree char *k_security = g_strconcat (prefix, "Security", NULL);
  g_autofree char *k_username = g_strconcat (prefix, "Username", NULL);
  g_autofree char *k_pinned = g_strconcat (prefix, "TrustedCertificate", NULL);

  if (server == NULL)
    return;
  g_key_file_set_string (file, group, k_protocol, casella_protocol_to_string (server->protocol));
  g_key_file_set_string (file, group, k_host, server->host);
  g_key_file_set_integer (file, group, k_port, server->port);
  g_key_file_set_string (file, group, k_security, casella_security_to_string (server->security));
  if (server->username)
    g_key_file_set_string (file, group, k_username, server->username);
  if (pinned != NULL)
    {
      /* A certificate is public: its bytes are no secret. */
      g_autofree char *b64 = g_base64_encode (g_bytes_get_data (pinned, NULL), g_bytes_get_size (pinned));
      g_key_file_set_string (file, group, k_pinned, b64);
    }
}

/* Three lists of one length; a missing name or signature is "". */
static void
save_identities (CasellaAccount *self,
                 GKeyFile       *file,
                 const char     *group)
{
  g_autoptr(GStrvBuilder) addresses = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) signatures = g_strv_builder_new ();
  g_auto(GStrv) a = NULL, n = NULL, s = NULL;

  if (self->identities->len == 0)
    return;
  for (guint i = 0; i < self->identities->len; i++)
    {
      CasellaIdentity *identity = self->identities->pdata[i];
      g_strv_builder_add (addresses, identity->address);
      g_strv_builder_add (names, identity->name ? identity->name : "");
      g_strv_builder_add (signatures, identity->signature ? identity->signature : "");
    }
  a = g_strv_builder_end (addresses);
  n = g_strv_builder_end (names);
  s = g_strv_builder_end (signatures);
  g_key_file_set_string_list (file, group, "OtherAddresses", (const char * const *) a, self->identities->len);
  g_key_file_set_string_list (file, group, "OtherNames", (const char * const *) n, self->identities->len);
  g_key_file_set_string_list (file, group, "OtherSignatures", (const char * const *) s, self->identities->len);
}

static void
load_identities (CasellaAccount *self,
                 GKeyFile       *file,
                 const char     *group)
{
  gsize n_addresses = 0, n_names = 0, n_signatures = 0;
  g_auto(GStrv) addresses = g_key_file_get_string_list (file, group, "OtherAddresses", &n_addresses, NULL);
  g_auto(GStrv) names = g_key_file_get_string_list (file, group, "OtherNames", &n_names, NULL);
  g_auto(GStrv) signatures = g_key_file_get_string_list (file, group, "OtherSignatures", &n_signatures, NULL);

  for (gsize i = 0; i < n_addresses; i++)
    if (strchr (addresses[i], '@') != NULL)
      casella_account_add_identity (self, addresses[i], i < n_names ? names[i] : NULL,
                                    i < n_signatures ? signatures[i] : NULL);
}

void
casella_account_save_to_key_file (CasellaAccount *self,
                                  GKeyFile       *file)
{
  g_autofree char *group = g_strconcat ("Account ", self->id, NULL);
  static const char *policies[] = { "keep", "delete-after-days", "delete-when-deleted" };
  static const char *downloads[] = { "recent", "all", "none" };

  g_key_file_remove_group (file, group, NULL);
  g_key_file_set_string (file, group, "Address", self->address);
  if (self->display_name)
    g_key_file_set_string (file, group, "Name", self->display_name);
  if (self->signature)
    g_key_file_set_string (file, group, "Signature", self->signature);
  if (self->oauth2_provider)
    g_key_file_set_string (file, group, "OAuth2Provider", self->oauth2_provider);
  if (self->provider_id)
    g_key_file_set_string (file, group, "ProviderId", self->provider_id);
  if (self->provider_name)
    g_key_file_set_string (file, group, "ProviderName", self->provider_name);
  save_server (file, group, "Incoming", self->incoming, self->pinned_incoming);
  save_server (file, group, "Outgoing", self->outgoing, self->pinned_outgoing);
  g_key_file_set_string (file, group, "Pop3Policy", policies[self->pop3_policy]);
  g_key_file_set_integer (file, group, "Pop3DeleteAfterDays", self->pop3_days);
  if (self->reply_to)
    g_key_file_set_string (file, group, "ReplyTo", self->reply_to);
  g_key_file_set_string (file, group, "DownloadAhead", downloads[casella_account_get_download_ahead (self)]);
  g_key_file_set_integer (file, group, "CheckEveryMinutes", (int) casella_account_get_check_minutes (self));
  g_key_file_set_integer (file, group, "UndoSendSeconds", (int) self->undo_seconds);
  if (self->pec >= 0)
    g_key_file_set_boolean (file, group, "Pec", self->pec);
  if (self->show_pec_receipts)
    g_key_file_set_boolean (file, group, "ShowPecReceipts", TRUE);
  save_identities (self, file, group);
  {
    g_auto(GStrv) paths = not_offline_paths (self);

    if (paths[0] != NULL)
      g_key_file_set_string_list (file, group, "FoldersNotOffline", (const char * const *) paths,
                                  g_strv_length (paths));
  }
}

static CasellaServerConfig *
load_server (GKeyFile    *file,
             const char  *group,
             const char  *prefix,
             GBytes     **pinned,
             GError     **error)
{
  g_autofree char *k_protocol = g_strconcat (prefix, "Protocol", NULL);
  g_autofree char *k_host = g_strconcat (prefix, "Host", NULL);
  g_autofree char *k_port = g_strconcat (prefix, "Port", NULL);
  g_autofree char *k_security = g_strconcat (prefix, "Security", NULL);
  g_autofree char *k_username = g_strconcat (prefix, "Username", NULL);
  g_autofree char *k_pinned = g_strconcat (prefix, "TrustedCertificate", NULL);
  g_autofree char *protocol_name = g_key_file_get_string (file, group, k_protocol, NULL);
  g_autofree char *host = g_key_file_get_string (file, group, k_host, NULL);
  g_autofree char *security_name = g_key_file_get_string (file, group, k_security, NULL);
  g_autofree char *pinned_b64 = g_key_file_get_string (file, group, k_pinned, NULL);
  int port = g_key_file_get_integer (file, group, k_port, NULL);
  CasellaProtocol protocol;
  CasellaSecurity security;
  CasellaServerConfig *server;

  if (!casella_protocol_from_string (protocol_name, &protocol) || host == NULL || host[0] == '\0' ||
      port <= 0 || port > 65535 || !casella_security_from_string (security_name, &security))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s] has no usable %s server", group, prefix);
      return NULL;
    }
  server = casella_server_config_new (protocol, host, (guint16) port, security);
  server->username = g_key_file_get_string (file, group, k_username, NULL);
  if (pinned_b64 != NULL)
    {
      gsize length;
      guchar *der = g_base64_decode (pinned_b64, &length);
      *pinned = g_bytes_new_take (der, length);
    }
  return server;
}

CasellaAccount *
casella_account_load_from_key_file (GKeyFile    *file,
                                    const char  *group,
                                    GError     **error)
{
  g_autoptr(CasellaAccount) self = NULL;
  g_autofree char *address = g_key_file_get_string (file, group, "Address", error);
  g_autofree char *policy = NULL;
  g_autofree char *download = NULL;

  if (address == NULL)
    return NULL;
  if (!g_str_has_prefix (group, "Account ") || group[8] == '\0')
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND, "[%s] is not an account", group);
      return NULL;
    }

  self = g_object_new (CASELLA_TYPE_ACCOUNT, NULL);
  self->id = g_strdup (group + 8);
  self->address = g_steal_pointer (&address);
  self->display_name = g_key_file_get_string (file, group, "Name", NULL);
  self->signature = g_key_file_get_string (file, group, "Signature", NULL);
  self->oauth2_provider = g_key_file_get_string (file, group, "OAuth2Provider", NULL);
  self->provider_id = g_key_file_get_string (file, group, "ProviderId", NULL);
  self->provider_name = g_key_file_get_string (file, group, "ProviderName", NULL);
  self->incoming = load_server (file, group, "Incoming", &self->pinned_incoming, error);
  if (self->incoming == NULL)
    return NULL;
  self->outgoing = load_server (file, group, "Outgoing", &self->pinned_outgoing, error);
  if (self->outgoing == NULL)
    return NULL;

  policy = g_key_file_get_string (file, group, "Pop3Policy", NULL);
  if (g_strcmp0 (policy, "delete-after-days") == 0)
    self->pop3_policy = CASELLA_POP3_DELETE_AFTER_DAYS;
  else if (g_strcmp0 (policy, "delete-when-deleted") == 0)
    self->pop3_policy = CASELLA_POP3_DELETE_WHEN_DELETED;
  self->reply_to = g_key_file_get_string (file, group, "ReplyTo", NULL);
  download = g_key_file_get_string (file, group, "DownloadAhead", NULL);
  casella_account_set_download_ahead (self, g_strcmp0 (download, "all") == 0 ? CASELLA_DOWNLOAD_ALL
                                            : g_strcmp0 (download, "none") == 0 ? CASELLA_DOWNLOAD_NONE
                                            : CASELLA_DOWNLOAD_RECENT);
  if (g_key_file_has_key (file, group, "UndoSendSeconds", NULL))
    casella_account_set_undo_seconds (self, (guint) MAX (g_key_file_get_integer (file, group, "UndoSendSeconds", NULL),
                                                         0));
  if (g_key_file_has_key (file, group, "CheckEveryMinutes", NULL))
    casella_account_set_check_minutes (self, (guint) MAX (g_key_file_get_integer (file, group, "CheckEveryMinutes",
                                                                                  NULL), 1));
  if (g_key_file_has_key (file, group, "Pec", NULL))
    self->pec = g_key_file_get_boolean (file, group, "Pec", NULL) ? 1 : 0;
  self->show_pec_receipts = g_key_file_get_boolean (file, group, "ShowPecReceipts", NULL);
  load_identities (self, file, group);
  {
    g_auto(GStrv) paths = g_key_file_get_string_list (file, group, "FoldersNotOffline", NULL, NULL);

    for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
      casella_account_set_folder_offline (self, paths[i], FALSE);
  }
  if (g_key_file_has_key (file, group, "Pop3DeleteAfterDays", NULL))
    self->pop3_days = (guint) CLAMP (g_key_file_get_integer (file, group, "Pop3DeleteAfterDays", NULL), 1, 3650);
  return g_steal_pointer (&self);
}
