/* casella-test-https.h — an HTTPS (and plain HTTP) file server on loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _CasellaTestHttps CasellaTestHttps;

CasellaTestHttps *casella_test_https_new          (void);
void              casella_test_https_add_file     (CasellaTestHttps  *self,
                                                   const char        *path,
                                                   const char        *contents);
void              casella_test_https_add_hang     (CasellaTestHttps  *self,
                                                   const char        *path);
void              casella_test_https_add_delay    (CasellaTestHttps  *self,
                                                   const char        *path,
                                                   guint              delay_ms);
void              casella_test_https_add_redirect (CasellaTestHttps  *self,
                                                   const char        *path,
                                                   const char        *location);
gboolean          casella_test_https_start        (CasellaTestHttps  *self,
                                                   GError           **error);
void              casella_test_https_free         (CasellaTestHttps  *self);
guint16           casella_test_https_get_port     (CasellaTestHttps  *self);
guint16           casella_test_https_get_http_port (CasellaTestHttps *self);
char             *casella_test_https_get_url      (CasellaTestHttps  *self,
                                                   const char        *path);
GStrv             casella_test_https_get_requests (CasellaTestHttps  *self);

/* Makes server listen on 127.0.0.1 at a free port (HTTPS with
 * SOUP_SERVER_LISTEN_HTTPS): the port, or 0 with error. */
guint16           casella_test_https_listen_loopback (SoupServer              *server,
                                                      SoupServerListenOptions  options,
                                                      GError                 **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaTestHttps, casella_test_https_free)

G_END_DECLS
