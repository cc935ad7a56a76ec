/* casella-mail-config.c — a complete set of mail settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-address.h"
#include "casella-mail-config.h"

G_DEFINE_BOXED_TYPE (CasellaServerConfig, casella_server_config, casella_server_config_copy,
                     casella_server_config_free)
G_DEFINE_BOXED_TYPE (CasellaMailConfig, casella_mail_config, casella_mail_config_ref, casella_mail_config_unref)

/* ---- names ---- */

const char *
casella_protocol_to_string (CasellaProtocol protocol)
{
  switch (protocol)
    {
    case CASELLA_PROTOCOL_IMAP:
      return "imap";
    case CASELLA_PROTOCOL_POP3:
      return "pop3";
    case CASELLA_PROTOCOL_SMTP:
    default:
      return "smtp";
    }
}

gboolean
casella_protocol_from_string (const char      *text,
                              CasellaProtocol *protocol)
{
  if (g_strcmp0 (text, "imap") == 0)
    *protocol = CASELLA_PROTOCOL_IMAP;
  else if (g_strcmp0 (text, "pop3") == 0)
    *protocol = CASELLA_PROTOCOL_POP3;
  else if (g_strcmp0 (text, "smtp") == 0)
    *protocol = CASELLA_PROTOCOL_SMTP;
  else
    return FALSE;
  return TRUE;
}

const char *
casella_config_source_to_string (CasellaConfigSource source)
{
  static const char *names[] = { "bundled", "autoconfig", "ispdb", "mx", "srv", "probe", "http" };

  G_STATIC_ASSERT (G_N_ELEMENTS (names) == CASELLA_N_SOURCES);
  return (guint) source < G_N_ELEMENTS (names) ? names[source] : "unknown";
}

const char *
casella_config_trust_to_string (CasellaConfigTrust trust)
{
  static const char *names[] = { "bundled", "provider-https", "ispdb", "dns", "probed", "untrusted-http" };

  return (guint) trust < G_N_ELEMENTS (names) ? names[trust] : "unknown";
}

CasellaConfigTrust
casella_config_source_trust (CasellaConfigSource source)
{
  switch (source)
    {
    case CASELLA_SOURCE_BUNDLED:
      return CASELLA_TRUST_BUNDLED;
    case CASELLA_SOURCE_AUTOCONFIG:
      return CASELLA_TRUST_PROVIDER;
    case CASELLA_SOURCE_ISPDB:
      return CASELLA_TRUST_ISPDB;
    case CASELLA_SOURCE_MX:
    case CASELLA_SOURCE_SRV:
      return CASELLA_TRUST_DNS;
    case CASELLA_SOURCE_PROBE:
      return CASELLA_TRUST_PROBED;
    case CASELLA_SOURCE_HTTP:
    default:
      return CASELLA_TRUST_UNTRUSTED;
    }
}

static const struct {
  const char         *name;
  CasellaAuthMethods  method;
} auth_names[] = {
  { "password-cleartext", CASELLA_AUTH_PASSWORD },
  { "plain", CASELLA_AUTH_PASSWORD },
  { "password-encrypted", CASELLA_AUTH_PASSWORD_HASH },
  { "secure", CASELLA_AUTH_PASSWORD_HASH },
  { "OAuth2", CASELLA_AUTH_OAUTH2 },
  { "none", CASELLA_AUTH_NONE },
  { "client-IP-address", CASELLA_AUTH_CLIENT_ADDRESS },
};

CasellaAuthMethods
casella_auth_methods_from_strings (const char * const *names)
{
  CasellaAuthMethods methods = 0;

  for (guint i = 0; names && names[i]; i++)
    for (guint j = 0; j < G_N_ELEMENTS (auth_names); j++)
      if (g_ascii_strcasecmp (names[i], auth_names[j].name) == 0)
        methods |= auth_names[j].method;
  return methods;
}

static const char *
auth_method_name (CasellaAuthMethods method)
{
  for (guint j = 0; j < G_N_ELEMENTS (auth_names); j++)
    if (auth_names[j].method == method)
      return auth_names[j].name;
  return NULL;
}

static const struct {
  const char           *name;
  CasellaProviderNeeds  need;
} need_names[] = {
  { "app-password", CASELLA_NEEDS_APP_PASSWORD },
  { "app-password-with-2fa", CASELLA_NEEDS_APP_PASSWORD_WITH_2FA },
  { "enable-access", CASELLA_NEEDS_ENABLE_ACCESS },
  { "oauth2-only", CASELLA_NEEDS_OAUTH2_ONLY },
  { "username-is-user-id", CASELLA_NEEDS_USERNAME_IS_USER_ID },
  { "password-expires", CASELLA_NEEDS_PASSWORD_EXPIRES },
  { "bridge-password", CASELLA_NEEDS_BRIDGE_PASSWORD },
  { "pec", CASELLA_NEEDS_PEC },
  { "files-sent", CASELLA_NEEDS_FILES_SENT },
};

CasellaProviderNeeds
casella_provider_needs_from_strings (const char * const *names)
{
  CasellaProviderNeeds needs = 0;

  for (guint i = 0; names && names[i]; i++)
    for (guint j = 0; j < G_N_ELEMENTS (need_names); j++)
      if (g_str_equal (names[i], need_names[j].name))
        needs |= need_names[j].need;
  return needs;
}

GStrv
casella_provider_needs_to_strings (CasellaProviderNeeds needs)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint j = 0; j < G_N_ELEMENTS (need_names); j++)
    if (needs & need_names[j].need)
      g_strv_builder_add (builder, need_names[j].name);
  return g_strv_builder_end (builder);
}

/* ---- addresses ---- */

static char *
replace_all (char       *text,
             const char *token,
             const char *value)
{
  g_auto(GStrv) parts = g_strsplit (text, token, -1);

  g_free (text);
  return g_strjoinv (value, parts);
}

/* %EMAILADDRESS%, %EMAILLOCALPART%, %EMAILDOMAIN% — and the unclosed
 * "%EMAILADDRESS" some real files have. */
char *
casella_substitute_placeholders (const char *text,
                                 const char *address)
{
  g_autofree char *local = casella_address_get_local_part (address);
  g_autofree char *domain = casella_address_get_domain (address);
  char *result;

  if (text == NULL)
    return NULL;
  result = g_strdup (text);
  result = replace_all (result, "%EMAILADDRESS%", address);
  result = replace_all (result, "%EMAILLOCALPART%", local ? local : "");
  result = replace_all (result, "%EMAILDOMAIN%", domain ? domain : "");
  result = replace_all (result, "%EMAILADDRESS", address);
  return result;
}

/* ---- servers ---- */

CasellaServerConfig *
casella_server_config_new (CasellaProtocol  protocol,
                           const char      *host,
                           guint16          port,
                           CasellaSecurity  security)
{
  CasellaServerConfig *server = g_new0 (CasellaServerConfig, 1);

  server->protocol = protocol;
  server->host = g_strdup (host);
  server->port = port;
  server->security = security;
  server->auth = CASELLA_AUTH_PASSWORD;
  return server;
}

CasellaServerConfig *
casella_server_config_copy (const CasellaServerConfig *server)
{
  CasellaServerConfig *copy = g_memdup2 (server, sizeof *server);

  copy->host = g_strdup (server->host);
  copy->username = g_strdup (server->username);
  return copy;
}

void
casella_server_config_free (CasellaServerConfig *server)
{
  if (server == NULL)
    return;
  g_free (server->host);
  g_free (server->username);
  g_free (server);
}

gboolean
casella_server_config_equal (const CasellaServerConfig *a,
                             const CasellaServerConfig *b)
{
  return a->protocol == b->protocol && a->port == b->port && a->security == b->security &&
         g_ascii_strcasecmp (a->host, b->host) == 0;
}

CasellaNetConfig *
casella_server_config_to_net (const CasellaServerConfig *server)
{
  return casella_net_config_new (server->host, server->port, server->security);
}

/* "host|port|security|username|auth,auth", the provider database's form. */
char *
casella_server_config_to_string (const CasellaServerConfig *server)
{
  g_autoptr(GString) auth = g_string_new (NULL);

  for (CasellaAuthMethods m = 1; m <= CASELLA_AUTH_CLIENT_ADDRESS; m <<= 1)
    if (server->auth & m)
      g_string_append_printf (auth, "%s%s", auth->len ? "," : "", auth_method_name (m));
  return g_strdup_printf ("%s|%u|%s|%s|%s", server->host, server->port,
                          casella_security_to_string (server->security),
                          server->username ? server->username : "", auth->str);
}

CasellaServerConfig *
casella_server_config_from_string (const char      *text,
                                   CasellaProtocol  protocol)
{
  g_auto(GStrv) fields = g_strsplit (text, "|", 5);
  g_auto(GStrv) auth = NULL;
  CasellaServerConfig *server;
  CasellaSecurity security;
  guint64 port;

  if (g_strv_length (fields) < 3 || fields[0][0] == '\0' ||
      !g_ascii_string_to_unsigned (fields[1], 10, 1, 65535, &port, NULL) ||
      !casella_security_from_string (fields[2], &security))
    return NULL;

  server = casella_server_config_new (protocol, fields[0], (guint16) port, security);
  if (fields[3] != NULL && fields[3][0] != '\0')
    server->username = g_strdup (fields[3]);
  if (fields[3] != NULL && fields[4] != NULL && fields[4][0] != '\0')
    {
      auth = g_strsplit (fields[4], ",", -1);
      server->auth = casella_auth_methods_from_strings ((const char * const *) auth);
    }
  return server;
}

/* ---- configurations ---- */

CasellaMailConfig *
casella_mail_config_new (CasellaConfigSource source)
{
  CasellaMailConfig *config = g_new0 (CasellaMailConfig, 1);

  g_atomic_ref_count_init (&config->ref_count);
  config->incoming = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_server_config_free);
  config->outgoing = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_server_config_free);
  config->source = source;
  config->trust = casella_config_source_trust (source);
  return config;
}

CasellaMailConfig *
casella_mail_config_ref (CasellaMailConfig *config)
{
  g_atomic_ref_count_inc (&config->ref_count);
  return config;
}

void
casella_mail_config_unref (CasellaMailConfig *config)
{
  if (!g_atomic_ref_count_dec (&config->ref_count))
    return;
  g_free (config->provider_id);
  g_free (config->provider_name);
  g_free (config->provider_short_name);
  g_strfreev (config->provider_domains);
  g_ptr_array_unref (config->incoming);
  g_ptr_array_unref (config->outgoing);
  g_free (config->provenance);
  g_free (config->documentation_url);
  g_free (config->enable_url);
  g_free (config->app_password_url);
  g_free (config);
}

static void
resolve_servers (GPtrArray  *into,
                 GPtrArray  *from,
                 const char *address)
{
  for (guint i = 0; i < from->len; i++)
    {
      CasellaServerConfig *server = casella_server_config_copy (from->pdata[i]);
      char *host = casella_substitute_placeholders (server->host, address);
      char *username = casella_substitute_placeholders (server->username, address);

      g_free (server->host);
      g_free (server->username);
      server->host = host;
      server->username = username;
      g_ptr_array_add (into, server);
    }
}

/* The settings for one address: placeholders filled in everywhere. */
CasellaMailConfig *
casella_mail_config_resolve (const CasellaMailConfig *templ,
                             const char              *address)
{
  CasellaMailConfig *config = casella_mail_config_new (templ->source);

  config->trust = templ->trust;
  config->provider_id = g_strdup (templ->provider_id);
  config->provider_name = casella_substitute_placeholders (templ->provider_name, address);
  config->provider_short_name = casella_substitute_placeholders (templ->provider_short_name, address);
  config->provider_domains = g_strdupv (templ->provider_domains);
  resolve_servers (config->incoming, templ->incoming, address);
  resolve_servers (config->outgoing, templ->outgoing, address);
  config->provenance = g_strdup (templ->provenance);
  config->needs = templ->needs;
  config->documentation_url = g_strdup (templ->documentation_url);
  config->enable_url = g_strdup (templ->enable_url);
  config->app_password_url = g_strdup (templ->app_password_url);
  return config;
}

gboolean
casella_mail_config_is_complete (const CasellaMailConfig *config)
{
  return config->incoming->len > 0 && config->outgoing->len > 0;
}

CasellaServerConfig *
casella_mail_config_get_incoming (const CasellaMailConfig *config,
                                  CasellaProtocol          protocol)
{
  for (guint i = 0; i < config->incoming->len; i++)
    if (((CasellaServerConfig *) config->incoming->pdata[i])->protocol == protocol)
      return config->incoming->pdata[i];
  return NULL;
}

CasellaServerConfig *
casella_mail_config_get_outgoing (const CasellaMailConfig *config)
{
  return config->outgoing->len ? config->outgoing->pdata[0] : NULL;
}

static gboolean
host_in_domain (const char *host,
                const char *domain)
{
  gsize hl = strlen (host), dl = strlen (domain);

  if (dl == 0 || hl < dl)
    return FALSE;
  return g_ascii_strcasecmp (host + hl - dl, domain) == 0 && (hl == dl || host[hl - dl - 1] == '.');
}

/* May this host have the password without asking? Yes when it belongs to
 * the address's domain. Otherwise only when a trusted source (our
 * database, the domain's own HTTPS autoconfig, the ISPDB) named the
 * provider: then its own domains and the hosts it lists count too.
 * Guesses (MX and SRV are unsigned DNS, probing, plain HTTP) that lead
 * elsewhere need the user's approval. */
gboolean
casella_mail_config_host_is_own (const CasellaMailConfig *config,
                                 const char              *address,
                                 const char              *host)
{
  g_autofree char *domain = casella_address_get_domain (address);

  if (domain && host_in_domain (host, domain))
    return TRUE;
  if (config->trust != CASELLA_TRUST_BUNDLED && config->trust != CASELLA_TRUST_PROVIDER &&
      config->trust != CASELLA_TRUST_ISPDB)
    return FALSE;

  for (guint i = 0; config->provider_domains && config->provider_domains[i]; i++)
    if (host_in_domain (host, config->provider_domains[i]))
      return TRUE;
  for (guint i = 0; i < config->incoming->len; i++)
    if (g_ascii_strcasecmp (((CasellaServerConfig *) config->incoming->pdata[i])->host, host) == 0)
      return TRUE;
  for (guint i = 0; i < config->outgoing->len; i++)
    if (g_ascii_strcasecmp (((CasellaServerConfig *) config->outgoing->pdata[i])->host, host) == 0)
      return TRUE;
  return FALSE;
}
