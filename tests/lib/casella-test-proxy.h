/* casella-test-proxy.h — a TCP relay on a free loopback port that can
 * cut the connection after the server has sent a given number of bytes:
 * a network that drops at any moment, on demand, or stalls mid-reply
 *
 * Runs on the thread-default main context it was started on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _CasellaTestProxy CasellaTestProxy;

CasellaTestProxy *casella_test_proxy_new        (guint16           target_port);
gboolean          casella_test_proxy_start      (CasellaTestProxy *self,
                                                 GError          **error);
guint16           casella_test_proxy_get_port   (CasellaTestProxy *self);
/* Cut every connection once the server has sent this many bytes in
 * total from now on (G_MAXUINT64: never). */
void              casella_test_proxy_cut_after  (CasellaTestProxy *self,
                                                 guint64           bytes);
/* Bytes the server sent through the relay since the last cut_after(). */
guint64           casella_test_proxy_get_bytes  (CasellaTestProxy *self);
/* Of those, what the server's last reply brought (its last read). */
guint64           casella_test_proxy_get_last_read (CasellaTestProxy *self);
gboolean          casella_test_proxy_was_cut    (CasellaTestProxy *self);
/* A server gone slow mid-reply: once it has sent this many more bytes,
 * the rest is held (connections stay open) until released. */
void              casella_test_proxy_stall_after (CasellaTestProxy *self,
                                                  guint64           bytes);
/* A slow line: what the server sends comes at most bytes at a time,
 * interval_ms apart (bytes 0: at full speed again). */
void              casella_test_proxy_trickle    (CasellaTestProxy *self,
                                                 gsize             bytes,
                                                 guint             interval_ms);
gboolean          casella_test_proxy_is_stalled (CasellaTestProxy *self);
void              casella_test_proxy_release    (CasellaTestProxy *self);
void              casella_test_proxy_free       (CasellaTestProxy *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaTestProxy, casella_test_proxy_free)

G_END_DECLS
