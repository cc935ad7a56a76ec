/* casella-await.h — an asynchronous call, waited for in order
 *
 * The sync runs on its own thread (or in casella-cli's main loop) and
 * reads best as a sequence of steps. Each step starts a GIO-style async
 * call with casella_await_done() and waits with casella_await(), which
 * runs the thread-default main context until the call ends:
 *
 *   casella_imap_client_noop_async (client, cancellable, casella_await_done, &await);
 *   ok = casella_imap_client_noop_finish (client, casella_await (&await), error);
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  GMainContext *context;
  GAsyncResult *result;     /* the call that ended, until the next one */
  gboolean      done;
} CasellaAwait;

void          casella_await_init  (CasellaAwait *await);
void          casella_await_clear (CasellaAwait *await);
void          casella_await_done  (GObject      *source,
                                   GAsyncResult *result,
                                   gpointer      user_data);
GAsyncResult *casella_await       (CasellaAwait *await);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CasellaAwait, casella_await_clear)

G_END_DECLS
