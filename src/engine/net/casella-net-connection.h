/* casella-net-connection.h — one TCP connection to a mail server, with
 * strict TLS, a read loop, a write queue and a reply watchdog
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-net-config.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_NET_CONNECTION (casella_net_connection_get_type ())
G_DECLARE_FINAL_TYPE (CasellaNetConnection, casella_net_connection, CASELLA, NET_CONNECTION, GObject)

/* Bytes as they arrive; return FALSE to pause reading (before STARTTLS). */
typedef gboolean (*CasellaNetReadFunc)  (gpointer      user_data,
                                         const guint8 *data,
                                         gsize         length);
/* The connection failed (dropped, timed out, write error); it is closed. */
typedef void     (*CasellaNetErrorFunc) (gpointer      user_data,
                                         const GError *error);

CasellaNetConnection *casella_net_connection_new              (CasellaNetConfig      *config);
CasellaNetConfig     *casella_net_connection_get_config       (CasellaNetConnection  *self);

void                  casella_net_connection_connect_async    (CasellaNetConnection  *self,
                                                               GCancellable          *cancellable,
                                                               GAsyncReadyCallback    callback,
                                                               gpointer               user_data);
gboolean              casella_net_connection_connect_finish   (CasellaNetConnection  *self,
                                                               GAsyncResult          *result,
                                                               GError               **error);
void                  casella_net_connection_starttls_async   (CasellaNetConnection  *self,
                                                               GCancellable          *cancellable,
                                                               GAsyncReadyCallback    callback,
                                                               gpointer               user_data);
gboolean              casella_net_connection_starttls_finish  (CasellaNetConnection  *self,
                                                               GAsyncResult          *result,
                                                               GError               **error);

void                  casella_net_connection_set_handlers     (CasellaNetConnection  *self,
                                                               CasellaNetReadFunc     read_func,
                                                               CasellaNetErrorFunc    error_func,
                                                               gpointer               user_data);
void                  casella_net_connection_resume_reading   (CasellaNetConnection  *self);
void                  casella_net_connection_write            (CasellaNetConnection  *self,
                                                               GBytes                *data);
void                  casella_net_connection_write_text       (CasellaNetConnection  *self,
                                                               const char            *text);
void                  casella_net_connection_expect_reply     (CasellaNetConnection  *self,
                                                               gboolean               expecting);
void                  casella_net_connection_close            (CasellaNetConnection  *self);

gboolean              casella_net_connection_is_connected     (CasellaNetConnection  *self);
gboolean              casella_net_connection_is_encrypted     (CasellaNetConnection  *self);
char                 *casella_net_connection_dup_local_literal (CasellaNetConnection *self);
GTlsCertificate      *casella_net_connection_get_peer_certificate (CasellaNetConnection *self);
GTlsCertificateFlags  casella_net_connection_get_peer_certificate_errors (CasellaNetConnection *self);

G_END_DECLS
