/* casella-net-config.h — where and how to reach one server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The largest message a client takes from a server: the biggest limit a
 * provider sets (Microsoft 365: 150 MB) with room to spare. A reply
 * larger than this is refused, not held in memory. */
#define CASELLA_MAX_MESSAGE_SIZE ((gsize) 160 * 1024 * 1024)
/* Replies of a check or a probe carry no mail. */
#define CASELLA_MAX_PROBE_REPLY_SIZE ((gsize) 1024 * 1024)

typedef enum {
  CASELLA_SECURITY_TLS,       /* encrypted from the first byte (993, 995, 465) */
  CASELLA_SECURITY_STARTTLS,  /* plain greeting, then upgraded; never continues unencrypted */
  CASELLA_SECURITY_NONE,      /* unencrypted: only when the user chose it after a warning */
} CasellaSecurity;

#define CASELLA_TYPE_NET_CONFIG (casella_net_config_get_type ())

typedef struct _CasellaNetConfig CasellaNetConfig;

GType             casella_net_config_get_type               (void) G_GNUC_CONST;
CasellaNetConfig *casella_net_config_new                    (const char       *host,
                                                             guint16           port,
                                                             CasellaSecurity   security);
CasellaNetConfig *casella_net_config_copy                   (const CasellaNetConfig *self);
CasellaNetConfig *casella_net_config_ref                    (CasellaNetConfig *self);
void              casella_net_config_unref                  (CasellaNetConfig *self);

const char       *casella_net_config_get_host               (const CasellaNetConfig *self);
guint16           casella_net_config_get_port               (const CasellaNetConfig *self);
CasellaSecurity   casella_net_config_get_security           (const CasellaNetConfig *self);
GTlsDatabase     *casella_net_config_get_tls_database       (const CasellaNetConfig *self);
void              casella_net_config_set_tls_database       (CasellaNetConfig *self,
                                                             GTlsDatabase     *database);
GBytes           *casella_net_config_get_pinned_certificate (const CasellaNetConfig *self);
void              casella_net_config_set_pinned_certificate (CasellaNetConfig *self,
                                                             GBytes           *der);
guint             casella_net_config_get_connect_timeout    (const CasellaNetConfig *self);
guint             casella_net_config_get_io_timeout         (const CasellaNetConfig *self);
void              casella_net_config_set_timeouts           (CasellaNetConfig *self,
                                                             guint             connect_timeout_ms,
                                                             guint             io_timeout_ms);

/* With no security set, a password is sent only when this was given
 * (the user agreed, after a warning). */
void              casella_net_config_set_plaintext_allowed  (CasellaNetConfig *self,
                                                             gboolean          allowed);
/* NULL when a password may be sent on this connection, else why not. */
GError           *casella_net_config_check_password         (const CasellaNetConfig *self,
                                                             gboolean                encrypted);

const char       *casella_security_to_string                (CasellaSecurity   security);
gboolean          casella_security_from_string              (const char       *text,
                                                             CasellaSecurity  *security);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaNetConfig, casella_net_config_unref)

G_END_DECLS
