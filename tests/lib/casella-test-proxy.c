/* casella-test-proxy.c — a TCP relay that can cut the line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-test-proxy.h"
#include "casella-test-util.h"

#define BUFFER 16384

struct _CasellaTestProxy
{
  guint16            target_port;
  guint16            port;
  GSocketService    *service;
  GPtrArray         *pairs;
  guint64            cut_after;
  guint64            bytes;
  guint64            last_read;  /* what the server's last read brought */
  gboolean           cut;
  guint64            stall_at;   /* hold what the server sends past this */
  GPtrArray         *stalled;    /* Pair, each holding a ref, waiting for release */
  gsize              trickle_bytes;  /* 0: as fast as the server sends */
  guint              trickle_ms;
};

typedef struct {
  CasellaTestProxy  *proxy;
  GSocketConnection *client;
  GSocketConnection *server;
  guint8             up[BUFFER];      /* client → server */
  guint8             down[BUFFER];    /* server → client */
  gboolean           closed;
  int                refs;
} Pair;

static void
pair_close (Pair *pair)
{
  if (pair->closed)
    return;
  pair->closed = TRUE;
  g_io_stream_close (G_IO_STREAM (pair->client), NULL, NULL);
  if (pair->server != NULL)
    g_io_stream_close (G_IO_STREAM (pair->server), NULL, NULL);
}

static void
pair_unref (Pair *pair)
{
  if (--pair->refs > 0)
    return;
  g_clear_object (&pair->client);
  g_clear_object (&pair->server);
  g_free (pair);
}

static void pump (Pair *pair, gboolean downwards);

static gboolean
pump_down_later (gpointer data)
{
  Pair *pair = data;

  if (!pair->closed)
    pump (pair, TRUE);
  pair_unref (pair);
  return G_SOURCE_REMOVE;
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Pair *pair = user_data;
  gboolean downwards = source == G_OBJECT (g_io_stream_get_output_stream (G_IO_STREAM (pair->client)));

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL) || pair->closed)
    pair_close (pair);
  else if (downwards && pair->proxy->bytes >= pair->proxy->cut_after)
    {
      pair->proxy->cut = TRUE;
      pair_close (pair);
    }
  else if (downwards && pair->proxy->bytes >= pair->proxy->stall_at)
    {
      pair->refs++;
      g_ptr_array_add (pair->proxy->stalled, pair);
    }
  else if (downwards && pair->proxy->trickle_bytes > 0)
    {
      GSource *later = g_timeout_source_new (pair->proxy->trickle_ms);

      pair->refs++;
      g_source_set_callback (later, pump_down_later, pair, NULL);
      g_source_attach (later, g_main_context_get_thread_default ());
      g_source_unref (later);
    }
  else
    pump (pair, downwards);
  pair_unref (pair);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Pair *pair = user_data;
  gboolean downwards = source == G_OBJECT (g_io_stream_get_input_stream (G_IO_STREAM (pair->server)));
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  GIOStream *to = G_IO_STREAM (downwards ? pair->client : pair->server);

  if (n <= 0 || pair->closed)
    {
      pair_close (pair);
      pair_unref (pair);
      return;
    }
  if (downwards)
    {
      guint64 room = pair->proxy->cut_after - pair->proxy->bytes;
      n = (gssize) MIN ((guint64) n, room);
      pair->proxy->bytes += (guint64) n;
      pair->proxy->last_read = (guint64) n;
    }
  pair->refs++;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (to), downwards ? pair->down : pair->up, (gsize) n,
                                   G_PRIORITY_DEFAULT, NULL, on_written, pair);
  pair_unref (pair);
}

static void
pump (Pair     *pair,
      gboolean  downwards)
{
  GIOStream *from = G_IO_STREAM (downwards ? pair->server : pair->client);
  gsize size = downwards && pair->proxy->trickle_bytes > 0 ? MIN (BUFFER, pair->proxy->trickle_bytes) : BUFFER;

  pair->refs++;
  g_input_stream_read_async (g_io_stream_get_input_stream (from), downwards ? pair->down : pair->up, size,
                             G_PRIORITY_DEFAULT, NULL, on_read, pair);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pair *pair = user_data;

  pair->server = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, NULL);
  if (pair->server == NULL || pair->proxy->cut)
    pair_close (pair);
  else
    {
      pump (pair, TRUE);
      pump (pair, FALSE);
    }
  pair_unref (pair);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             gpointer           user_data)
{
  CasellaTestProxy *self = user_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  Pair *pair = g_new0 (Pair, 1);

  pair->proxy = self;
  pair->client = g_object_ref (connection);
  pair->refs = 1;
  g_socket_client_connect_to_host_async (client, "127.0.0.1", self->target_port, NULL, on_connected, pair);
  return TRUE;
}

CasellaTestProxy *
casella_test_proxy_new (guint16 target_port)
{
  CasellaTestProxy *self = g_new0 (CasellaTestProxy, 1);

  self->target_port = target_port;
  self->cut_after = G_MAXUINT64;
  self->stall_at = G_MAXUINT64;
  self->stalled = g_ptr_array_new ();
  return self;
}

gboolean
casella_test_proxy_start (CasellaTestProxy  *self,
                          GError           **error)
{
  self->service = g_socket_service_new ();
  self->port = casella_test_free_port ();
  if (!g_socket_listener_add_inet_port (G_SOCKET_LISTENER (self->service), self->port, NULL, error))
    return FALSE;
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (self->service);
  return TRUE;
}

guint16
casella_test_proxy_get_port (CasellaTestProxy *self)
{
  return self->port;
}

void
casella_test_proxy_cut_after (CasellaTestProxy *self,
                              guint64           bytes)
{
  self->cut_after = bytes;
  self->bytes = 0;
  self->cut = FALSE;
}

guint64
casella_test_proxy_get_bytes (CasellaTestProxy *self)
{
  return self->bytes;
}

guint64
casella_test_proxy_get_last_read (CasellaTestProxy *self)
{
  return self->last_read;
}

void
casella_test_proxy_stall_after (CasellaTestProxy *self,
                                guint64           bytes)
{
  self->stall_at = self->bytes + bytes;
}

void
casella_test_proxy_trickle (CasellaTestProxy *self,
                            gsize             bytes,
                            guint             interval_ms)
{
  self->trickle_ms = interval_ms;
  self->trickle_bytes = bytes;
}

gboolean
casella_test_proxy_is_stalled (CasellaTestProxy *self)
{
  return self->stalled->len > 0;
}

void
casella_test_proxy_release (CasellaTestProxy *self)
{
  g_autoptr(GPtrArray) stalled = g_steal_pointer (&self->stalled);

  self->stall_at = G_MAXUINT64;
  self->stalled = g_ptr_array_new ();
  for (guint i = 0; i < stalled->len; i++)
    {
      Pair *pair = stalled->pdata[i];

      if (!pair->closed)
        pump (pair, TRUE);
      pair_unref (pair);
    }
}

gboolean
casella_test_proxy_was_cut (CasellaTestProxy *self)
{
  return self->cut;
}

void
casella_test_proxy_free (CasellaTestProxy *self)
{
  if (self == NULL)
    return;
  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_object_unref (self->service);
    }
  for (guint i = 0; i < self->stalled->len; i++)
    {
      pair_close (self->stalled->pdata[i]);
      pair_unref (self->stalled->pdata[i]);
    }
  g_ptr_array_unref (self->stalled);
  g_free (self);
}
