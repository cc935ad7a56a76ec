/* casella-net-config.c — where and how to reach one server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-mail-error.h"
#include "casella-net-config.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 15000
#define DEFAULT_IO_TIMEOUT_MS 60000

struct _CasellaNetConfig
{
  gatomicrefcount  ref_count;
  char            *host;
  guint16          port;
  CasellaSecurity  security;
  GTlsDatabase    *tls_database;
  GBytes          *pinned_certificate;
  guint            connect_timeout_ms;
  guint            io_timeout_ms;
  gboolean         plaintext_allowed;  /* the user agreed to a password without encryption */
};

G_DEFINE_BOXED_TYPE (CasellaNetConfig, casella_net_config, casella_net_config_ref, casella_net_config_unref)

CasellaNetConfig *
casella_net_config_new (const char      *host,
                        guint16          port,
                        CasellaSecurity  security)
{
  CasellaNetConfig *self;

  g_return_val_if_fail (host != NULL, NULL);

  self = g_new0 (CasellaNetConfig, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->host = g_strdup (host);
  self->port = port;
  self->security = security;
  self->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
  self->io_timeout_ms = DEFAULT_IO_TIMEOUT_MS;
  return self;
}

CasellaNetConfig *
casella_net_config_copy (const CasellaNetConfig *self)
{
  CasellaNetConfig *copy = casella_net_config_new (self->host, self->port, self->security);

  casella_net_config_set_tls_database (copy, self->tls_database);
  casella_net_config_set_pinned_certificate (copy, self->pinned_certificate);
  casella_net_config_set_timeouts (copy, self->connect_timeout_ms, self->io_timeout_ms);
  copy->plaintext_allowed = self->plaintext_allowed;
  return copy;
}

CasellaNetConfig *
casella_net_config_ref (CasellaNetConfig *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
casella_net_config_unref (CasellaNetConfig *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->host);
  g_clear_object (&self->tls_database);
  g_clear_pointer (&self->pinned_certificate, g_bytes_unref);
  g_free (self);
}

const char *
casella_net_config_get_host (const CasellaNetConfig *self)
{
  return self->host;
}

guint16
casella_net_config_get_port (const CasellaNetConfig *self)
{
  return self->port;
}

CasellaSecurity
casella_net_config_get_security (const CasellaNetConfig *self)
{
  return self->security;
}

GTlsDatabase *
casella_net_config_get_tls_database (const CasellaNetConfig *self)
{
  return self->tls_database;
}

/* NULL means the system's trust store. Tests give one that trusts their CA. */
void
casella_net_config_set_tls_database (CasellaNetConfig *self,
                                     GTlsDatabase     *database)
{
  g_set_object (&self->tls_database, database);
}

GBytes *
casella_net_config_get_pinned_certificate (const CasellaNetConfig *self)
{
  return self->pinned_certificate;
}

/* The DER bytes of a certificate the user chose to trust for this server.
 * Only that exact certificate is accepted despite failing verification. */
void
casella_net_config_set_pinned_certificate (CasellaNetConfig *self,
                                           GBytes           *der)
{
  g_clear_pointer (&self->pinned_certificate, g_bytes_unref);
  if (der != NULL)
    self->pinned_certificate = g_bytes_ref (der);
}

guint
casella_net_config_get_connect_timeout (const CasellaNetConfig *self)
{
  return self->connect_timeout_ms;
}

guint
casella_net_config_get_io_timeout (const CasellaNetConfig *self)
{
  return self->io_timeout_ms;
}

void
casella_net_config_set_timeouts (CasellaNetConfig *self,
                                 guint             connect_timeout_ms,
                                 guint             io_timeout_ms)
{
  self->connect_timeout_ms = connect_timeout_ms ? connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
  self->io_timeout_ms = io_timeout_ms ? io_timeout_ms : DEFAULT_IO_TIMEOUT_MS;
}

void
casella_net_config_set_plaintext_allowed (CasellaNetConfig *self,
                                          gboolean          allowed)
{
  self->plaintext_allowed = allowed;
}

/* The one rule for every client: a password goes unencrypted only to a
 * server set to no security, and only with the user's agreement. */
GError *
casella_net_config_check_password (const CasellaNetConfig *self,
                                   gboolean                encrypted)
{
  if (encrypted)
    return NULL;
  if (self->security != CASELLA_SECURITY_NONE)
    return g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_MISSING,
                        "Refusing to send a password without encryption");
  if (!self->plaintext_allowed)
    return g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PLAINTEXT_REFUSED,
                        "%s does not encrypt the connection: the password would travel readable by anyone on "
                        "the way, and that needs the user's agreement", self->host);
  return NULL;
}

const char *
casella_security_to_string (CasellaSecurity security)
{
  switch (security)
    {
    case CASELLA_SECURITY_TLS:
      return "tls";
    case CASELLA_SECURITY_STARTTLS:
      return "starttls";
    case CASELLA_SECURITY_NONE:
    default:
      return "none";
    }
}

gboolean
casella_security_from_string (const char      *text,
                              CasellaSecurity *security)
{
  if (g_strcmp0 (text, "tls") == 0 || g_strcmp0 (text, "SSL") == 0)
    *security = CASELLA_SECURITY_TLS;
  else if (g_strcmp0 (text, "starttls") == 0 || g_strcmp0 (text, "STARTTLS") == 0)
    *security = CASELLA_SECURITY_STARTTLS;
  else if (g_strcmp0 (text, "none") == 0 || g_strcmp0 (text, "plain") == 0)
    *security = CASELLA_SECURITY_NONE;
  else
    return FALSE;
  return TRUE;
}
