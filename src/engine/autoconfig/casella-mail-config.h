/* casella-mail-config.h — a complete set of mail settings, with where
 * they came from and how far to trust them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-address.h"
#include "casella-net-config.h"

G_BEGIN_DECLS

typedef enum {
  CASELLA_PROTOCOL_IMAP,
  CASELLA_PROTOCOL_POP3,
  CASELLA_PROTOCOL_SMTP,
} CasellaProtocol;

typedef enum {
  CASELLA_AUTH_PASSWORD       = 1 << 0,   /* PLAIN/LOGIN, over TLS */
  CASELLA_AUTH_PASSWORD_HASH  = 1 << 1,   /* CRAM-MD5 and the like */
  CASELLA_AUTH_OAUTH2         = 1 << 2,
  CASELLA_AUTH_NONE           = 1 << 3,
  CASELLA_AUTH_CLIENT_ADDRESS = 1 << 4,   /* the server trusts the network */
} CasellaAuthMethods;

/* Where settings came from, best first: the order of the ranking. */
typedef enum {
  CASELLA_SOURCE_BUNDLED,      /* Casella's own provider database */
  CASELLA_SOURCE_AUTOCONFIG,   /* https://autoconfig.<domain>/… or /.well-known/ */
  CASELLA_SOURCE_ISPDB,        /* the central database (Thunderbird's) */
  CASELLA_SOURCE_MX,           /* the domain's MX points at a known provider */
  CASELLA_SOURCE_SRV,          /* DNS SRV records (RFC 6186 / 8314) */
  CASELLA_SOURCE_PROBE,        /* servers that answered at the usual names */
  CASELLA_SOURCE_HTTP,         /* plain-HTTP autoconfig: anyone on the way could change it */
  CASELLA_N_SOURCES
} CasellaConfigSource;

typedef enum {
  CASELLA_TRUST_BUNDLED,       /* checked by us */
  CASELLA_TRUST_PROVIDER,      /* the provider said so over HTTPS */
  CASELLA_TRUST_ISPDB,         /* a curated public database */
  CASELLA_TRUST_DNS,           /* DNS said so (not signed) */
  CASELLA_TRUST_PROBED,        /* a server answered; a guess that works */
  CASELLA_TRUST_UNTRUSTED,     /* plain HTTP */
} CasellaConfigTrust;

/* What the user must do or know before signing in. */
typedef enum {
  CASELLA_NEEDS_APP_PASSWORD          = 1 << 0,
  CASELLA_NEEDS_APP_PASSWORD_WITH_2FA = 1 << 1,
  CASELLA_NEEDS_ENABLE_ACCESS         = 1 << 2,
  CASELLA_NEEDS_OAUTH2_ONLY           = 1 << 3,
  CASELLA_NEEDS_USERNAME_IS_USER_ID   = 1 << 4,
  CASELLA_NEEDS_PASSWORD_EXPIRES      = 1 << 5,
  CASELLA_NEEDS_BRIDGE_PASSWORD       = 1 << 6,
  CASELLA_NEEDS_PEC                   = 1 << 7,   /* certified mail: envelopes and receipts */
  CASELLA_NEEDS_FILES_SENT            = 1 << 8,   /* its SMTP files a copy in Sent itself */
} CasellaProviderNeeds;

#define CASELLA_TYPE_SERVER_CONFIG (casella_server_config_get_type ())
#define CASELLA_TYPE_MAIL_CONFIG (casella_mail_config_get_type ())

typedef struct {
  CasellaProtocol     protocol;
  char               *host;
  guint16             port;
  CasellaSecurity     security;
  char               *username;     /* for this address; NULL: the user must say */
  CasellaAuthMethods  auth;
} CasellaServerConfig;

typedef struct _CasellaMailConfig CasellaMailConfig;
struct _CasellaMailConfig
{
  gatomicrefcount       ref_count;
  char                 *provider_id;
  char                 *provider_name;
  char                 *provider_short_name;
  GStrv                 provider_domains;   /* the provider's own domains */
  GPtrArray            *incoming;           /* CasellaServerConfig, IMAP and POP3, preferred first */
  GPtrArray            *outgoing;           /* CasellaServerConfig, SMTP, preferred first */
  CasellaConfigSource   source;
  CasellaConfigTrust    trust;
  char                 *provenance;         /* the URL or record it came from */
  CasellaProviderNeeds  needs;
  char                 *documentation_url;
  char                 *enable_url;
  char                 *app_password_url;
};

GType                casella_server_config_get_type   (void) G_GNUC_CONST;
CasellaServerConfig *casella_server_config_new        (CasellaProtocol            protocol,
                                                       const char                *host,
                                                       guint16                    port,
                                                       CasellaSecurity            security);
CasellaServerConfig *casella_server_config_copy       (const CasellaServerConfig *server);
void                 casella_server_config_free       (CasellaServerConfig       *server);
CasellaNetConfig    *casella_server_config_to_net     (const CasellaServerConfig *server);
char                *casella_server_config_to_string  (const CasellaServerConfig *server);
CasellaServerConfig *casella_server_config_from_string (const char               *text,
                                                        CasellaProtocol           protocol);
gboolean             casella_server_config_equal      (const CasellaServerConfig *a,
                                                       const CasellaServerConfig *b);

GType                casella_mail_config_get_type     (void) G_GNUC_CONST;
CasellaMailConfig   *casella_mail_config_new          (CasellaConfigSource        source);
CasellaMailConfig   *casella_mail_config_ref          (CasellaMailConfig         *config);
void                 casella_mail_config_unref        (CasellaMailConfig         *config);
CasellaMailConfig   *casella_mail_config_resolve      (const CasellaMailConfig   *templ,
                                                       const char                *address);
gboolean             casella_mail_config_is_complete  (const CasellaMailConfig   *config);
CasellaServerConfig *casella_mail_config_get_incoming (const CasellaMailConfig   *config,
                                                       CasellaProtocol            protocol);
CasellaServerConfig *casella_mail_config_get_outgoing (const CasellaMailConfig   *config);
gboolean             casella_mail_config_host_is_own  (const CasellaMailConfig   *config,
                                                       const char                *address,
                                                       const char                *host);

const char          *casella_protocol_to_string       (CasellaProtocol            protocol);
gboolean             casella_protocol_from_string     (const char                *text,
                                                       CasellaProtocol           *protocol);
const char          *casella_config_source_to_string  (CasellaConfigSource        source);
const char          *casella_config_trust_to_string   (CasellaConfigTrust         trust);
CasellaConfigTrust   casella_config_source_trust      (CasellaConfigSource        source);
CasellaAuthMethods   casella_auth_methods_from_strings (const char * const       *names);
CasellaProviderNeeds casella_provider_needs_from_strings (const char * const     *names);
GStrv                casella_provider_needs_to_strings (CasellaProviderNeeds      needs);

char                *casella_substitute_placeholders  (const char                *text,
                                                       const char                *address);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaServerConfig, casella_server_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaMailConfig, casella_mail_config_unref)

G_END_DECLS
