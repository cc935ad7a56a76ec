/* casella-net-connection.c — one TCP connection to a mail server
 *
 * Certificates are always verified against the configured (or system)
 * trust store. The only exception is a certificate the user pinned for
 * this server, and only that exact certificate. Nothing here ever falls
 * back from TLS to plaintext.
 *
 * Reading is a loop the protocol client drives: each chunk goes to its
 * read function, which may pause the loop (STARTTLS needs the plain
 * stream quiet before the handshake). While a reply is expected, a
 * watchdog fails the connection if the server stays silent too long.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "casella-engine-util.h"
#include "casella-mail-error.h"
#include "casella-net-connection.h"

#define READ_CHUNK 65536
/* At most this much is read per wake-up before the main loop gets a turn. */
#define READ_BURST (1024 * 1024)

struct _CasellaNetConnection
{
  GObject               parent_instance;

  CasellaNetConfig     *config;
  GSocketConnection    *socket_connection;
  GIOStream            *stream;          /* the socket, or TLS over it */
  GCancellable         *cancellable;     /* cancelled by close() */

  CasellaNetReadFunc    read_func;
  CasellaNetErrorFunc   error_func;
  gpointer              handler_data;

  GQueue                write_queue;     /* GBytes */
  GBytes               *writing;
  GSList               *drain_waiters;   /* GTask, waiting for an empty queue */

  GTlsCertificate      *peer_certificate;
  GTlsCertificateFlags  peer_errors;

  guint                 watchdog_id;
  gint64                last_activity;   /* monotonic µs of the last bytes read */
  GSource              *read_source;     /* the socket is readable: drain without blocking */
  guint                 burst_id;        /* an idle that continues a capped burst */
  guint8               *read_buffer;
  guint                 reading : 1;
  guint                 expecting : 1;
  guint                 closed : 1;
  guint                 encrypted : 1;
};

G_DEFINE_FINAL_TYPE (CasellaNetConnection, casella_net_connection, G_TYPE_OBJECT)

/* ---- deadlines: a cancellable that a timer can cancel too ---- */

typedef struct {
  GCancellable *cancellable;
  GCancellable *parent;
  gulong        parent_handler;
  guint         timeout_id;
  gboolean      timed_out;
} Deadline;

static gboolean
deadline_expired (gpointer data)
{
  Deadline *deadline = data;

  deadline->timed_out = TRUE;
  deadline->timeout_id = 0;
  g_cancellable_cancel (deadline->cancellable);
  return G_SOURCE_REMOVE;
}

static void
deadline_parent_cancelled (GCancellable *parent,
                           gpointer      data)
{
  g_cancellable_cancel (((Deadline *) data)->cancellable);
}

static Deadline *
deadline_new (GCancellable *parent,
              guint         timeout_ms)
{
  Deadline *deadline = g_new0 (Deadline, 1);

  deadline->cancellable = g_cancellable_new ();
  if (parent != NULL)
    {
      deadline->parent = g_object_ref (parent);
      deadline->parent_handler = g_cancellable_connect (parent, G_CALLBACK (deadline_parent_cancelled),
                                                        deadline, NULL);
    }
  deadline->timeout_id = casella_timeout_add (timeout_ms, deadline_expired, deadline);
  return deadline;
}

static void
deadline_free (Deadline *deadline)
{
  g_clear_handle_id (&deadline->timeout_id, casella_source_remove);
  if (deadline->parent != NULL)
    g_cancellable_disconnect (deadline->parent, deadline->parent_handler);
  g_clear_object (&deadline->parent);
  g_clear_object (&deadline->cancellable);
  g_free (deadline);
}

/* A cancellation caused by the timer becomes a timeout. */
static GError *
deadline_error (Deadline    *deadline,
                GError      *error,
                const char  *what)
{
  if (deadline->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (error);
      return g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_TIMEOUT, "%s took too long", what);
    }
  return error;
}

/* ---- object ---- */

static void casella_net_connection_stop_read_source (CasellaNetConnection *self);

static void
casella_net_connection_finalize (GObject *object)
{
  CasellaNetConnection *self = CASELLA_NET_CONNECTION (object);

  casella_net_connection_close (self);
  casella_net_connection_stop_read_source (self);
  g_free (self->read_buffer);
  g_queue_clear_full (&self->write_queue, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&self->writing, g_bytes_unref);
  g_clear_object (&self->stream);
  g_clear_object (&self->socket_connection);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->peer_certificate);
  casella_net_config_unref (self->config);

  G_OBJECT_CLASS (casella_net_connection_parent_class)->finalize (object);
}

static void
casella_net_connection_class_init (CasellaNetConnectionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = casella_net_connection_finalize;
}

static void
casella_net_connection_init (CasellaNetConnection *self)
{
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->write_queue);
}

CasellaNetConnection *
casella_net_connection_new (CasellaNetConfig *config)
{
  CasellaNetConnection *self;

  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (CASELLA_TYPE_NET_CONNECTION, NULL);
  self->config = casella_net_config_ref (config);
  return self;
}

CasellaNetConfig *
casella_net_connection_get_config (CasellaNetConnection *self)
{
  return self->config;
}

/* ---- TLS ---- */

static gboolean
on_accept_certificate (GTlsConnection       *tls,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  CasellaNetConnection *self = user_data;
  GBytes *pinned = casella_net_config_get_pinned_certificate (self->config);
  g_autoptr(GByteArray) der = NULL;

  g_set_object (&self->peer_certificate, certificate);
  self->peer_errors = errors;

  if (pinned == NULL)
    return FALSE;

  g_object_get (certificate, "certificate", &der, NULL);
  return der != NULL &&
         der->len == g_bytes_get_size (pinned) &&
         memcmp (der->data, g_bytes_get_data (pinned, NULL), der->len) == 0;
}

static GIOStream *
casella_net_connection_wrap_tls (CasellaNetConnection  *self,
                                 GIOStream             *base,
                                 GError               **error)
{
  g_autoptr(GSocketConnectable) identity = NULL;
  GIOStream *tls;
  GTlsDatabase *database = casella_net_config_get_tls_database (self->config);

  identity = g_network_address_new (casella_net_config_get_host (self->config),
                                    casella_net_config_get_port (self->config));
  /* A database of our own is given as the connection is made: set later,
   * the system's would have been loaded first (the backend reads it while
   * the connection is made), for nothing. */
  if (database != NULL)
    tls = g_initable_new (g_tls_backend_get_client_connection_type (g_tls_backend_get_default ()), NULL, error,
                          "base-io-stream", base, "server-identity", identity, "database", database, NULL);
  else
    tls = g_tls_client_connection_new (base, identity, error);
  if (tls == NULL)
    return NULL;
  /* Many servers close without a TLS close_notify; that is not an attack
   * on a protocol whose replies say when they are complete. */
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
  g_signal_connect_object (tls, "accept-certificate", G_CALLBACK (on_accept_certificate), self, 0);
  return tls;
}

static char *
describe_certificate_errors (GTlsCertificateFlags flags)
{
  GString *text = g_string_new (NULL);
  static const struct { GTlsCertificateFlags flag; const char *what; } reasons[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "issuer not trusted" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "made out to another name" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "not valid yet" },
    { G_TLS_CERTIFICATE_EXPIRED, "expired" },
    { G_TLS_CERTIFICATE_REVOKED, "revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "insecure algorithm" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    if (flags & reasons[i].flag)
      g_string_append_printf (text, "%s%s", text->len ? ", " : "", reasons[i].what);
  if (text->len == 0)
    g_string_append (text, "could not be verified");
  return g_string_free (text, FALSE);
}

static GError *
casella_net_connection_tls_error (CasellaNetConnection *self,
                                  GError               *error,
                                  CasellaMailError      code)
{
  GError *mapped;

  if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    {
      g_autofree char *reasons = describe_certificate_errors (self->peer_errors);
      mapped = g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CERTIFICATE_UNTRUSTED,
                            "The certificate of %s is not trusted (%s)",
                            casella_net_config_get_host (self->config), reasons);
    }
  else if (error->domain == CASELLA_MAIL_ERROR ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;
  else
    mapped = g_error_new (CASELLA_MAIL_ERROR, code, "Secure connection to %s failed: %s",
                          casella_net_config_get_host (self->config), error->message);
  g_error_free (error);
  return mapped;
}

static void
on_handshake_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CasellaNetConnection *self = g_task_get_source_object (task);
  Deadline *deadline = g_task_get_task_data (task);
  GError *error = NULL;
  CasellaMailError code = g_task_get_source_tag (task) == casella_net_connection_starttls_async
                          ? CASELLA_MAIL_ERROR_STARTTLS_FAILED : CASELLA_MAIL_ERROR_TLS_FAILED;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      error = deadline_error (deadline, error, "The secure handshake");
      g_debug ("%s:%u: handshake failed: %s", casella_net_config_get_host (self->config),
               casella_net_config_get_port (self->config), error->message);
      g_task_return_error (task, casella_net_connection_tls_error (self, error, code));
      return;
    }

  g_set_object (&self->stream, G_IO_STREAM (source));
  g_set_object (&self->peer_certificate, g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (source)));
  self->peer_errors = g_tls_connection_get_peer_certificate_errors (G_TLS_CONNECTION (source));
  self->encrypted = TRUE;
  g_debug ("%s:%u: encrypted (%s%s)", casella_net_config_get_host (self->config),
           casella_net_config_get_port (self->config),
           g_tls_connection_get_ciphersuite_name (G_TLS_CONNECTION (source)),
           self->peer_errors ? ", certificate pinned by the user" : "");
  g_task_return_boolean (task, TRUE);
}

static void
casella_net_connection_handshake (CasellaNetConnection *self,
                                  GTask                *task)
{
  Deadline *deadline = g_task_get_task_data (task);
  g_autoptr(GIOStream) tls = NULL;
  GError *error = NULL;

  tls = casella_net_connection_wrap_tls (self, self->stream, &error);
  if (tls == NULL)
    {
      g_task_return_error (task, casella_net_connection_tls_error (self, error, CASELLA_MAIL_ERROR_TLS_FAILED));
      g_object_unref (task);
      return;
    }
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    deadline->cancellable, on_handshake_done, task);
}

/* ---- connect ---- */

static void
tune_socket (GSocketConnection *connection)
{
  GSocket *socket = g_socket_connection_get_socket (connection);

  /* Commands are written whole; Nagle plus delayed ACKs would add 40 ms
   * stalls between a reply and the next command. */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  g_socket_set_keepalive (socket, TRUE);
}

static void
on_socket_connected (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  CasellaNetConnection *self = g_task_get_source_object (task);
  Deadline *deadline = g_task_get_task_data (task);
  GError *error = NULL;

  self->socket_connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);
  if (self->socket_connection == NULL)
    {
      GError *mapped;

      error = deadline_error (deadline, error, "Connecting");
      g_debug ("%s:%u: %s", casella_net_config_get_host (self->config),
               casella_net_config_get_port (self->config), error->message);
      mapped = casella_mail_error_from_io_error (error);
      g_prefix_error (&mapped, "%s:%u: ", casella_net_config_get_host (self->config),
                      casella_net_config_get_port (self->config));
      g_error_free (error);
      g_task_return_error (task, mapped);
      g_object_unref (task);
      return;
    }

  tune_socket (self->socket_connection);
  self->stream = g_object_ref (G_IO_STREAM (self->socket_connection));

  if (casella_net_config_get_security (self->config) == CASELLA_SECURITY_TLS)
    {
      casella_net_connection_handshake (self, task);
      return;
    }

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
casella_net_connection_connect_async (CasellaNetConnection *self,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data)
{
  g_autoptr(GSocketClient) client = NULL;
  GTask *task;
  Deadline *deadline;

  g_return_if_fail (CASELLA_IS_NET_CONNECTION (self));
  g_return_if_fail (self->stream == NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, casella_net_connection_connect_async);
  deadline = deadline_new (cancellable, casella_net_config_get_connect_timeout (self->config));
  g_task_set_task_data (task, deadline, (GDestroyNotify) deadline_free);

  g_debug ("Connecting to %s:%u (%s)", casella_net_config_get_host (self->config),
           casella_net_config_get_port (self->config),
           casella_security_to_string (casella_net_config_get_security (self->config)));
  client = g_socket_client_new ();
  /* Mail goes straight to the server the user approved, not via a proxy
   * meant for web traffic. */
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_connect_to_host_async (client, casella_net_config_get_host (self->config),
                                         casella_net_config_get_port (self->config),
                                         deadline->cancellable, on_socket_connected, task);
}

gboolean
casella_net_connection_connect_finish (CasellaNetConnection  *self,
                                       GAsyncResult          *result,
                                       GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- STARTTLS ---- */

static void
casella_net_connection_start_handshake_when_drained (CasellaNetConnection *self,
                                                     GTask                *task)
{
  if (self->writing != NULL || !g_queue_is_empty (&self->write_queue))
    {
      self->drain_waiters = g_slist_append (self->drain_waiters, task);
      return;
    }
  casella_net_connection_handshake (self, task);
}

void
casella_net_connection_starttls_async (CasellaNetConnection *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data)
{
  GTask *task;

  g_return_if_fail (CASELLA_IS_NET_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, casella_net_connection_starttls_async);
  g_task_set_task_data (task, deadline_new (cancellable, casella_net_config_get_connect_timeout (self->config)),
                        (GDestroyNotify) deadline_free);

  /* The reply that agreed to STARTTLS may be handled inside a read burst:
   * no more plaintext is read from here on. */
  if (self->reading)
    {
      self->reading = FALSE;
      casella_net_connection_stop_read_source (self);
    }

  if (self->closed || self->stream == NULL || self->encrypted)
    {
      g_task_return_new_error (task, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_FAILED,
                               "The connection cannot be upgraded now");
      g_object_unref (task);
      return;
    }

  casella_net_connection_start_handshake_when_drained (self, task);
}

gboolean
casella_net_connection_starttls_finish (CasellaNetConnection  *self,
                                        GAsyncResult          *result,
                                        GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- failures ---- */

static void
casella_net_connection_fail (CasellaNetConnection *self,
                             GError               *error)
{
  if (self->closed)
    {
      g_error_free (error);
      return;
    }

  g_object_ref (self);
  casella_net_connection_close (self);
  if (self->error_func != NULL)
    self->error_func (self->handler_data, error);
  g_error_free (error);
  g_object_unref (self);
}

/* ---- watchdog ---- */

/* One timer per wait rather than one per chunk: each chunk only notes the
 * time, and the timer, when it fires, sleeps again for what is left. */
static gboolean
on_watchdog (gpointer user_data)
{
  CasellaNetConnection *self = user_data;
  gint64 timeout = (gint64) casella_net_config_get_io_timeout (self->config) * 1000;
  gint64 idle = g_get_monotonic_time () - self->last_activity;

  self->watchdog_id = 0;
  if (idle < timeout)
    {
      self->watchdog_id = casella_timeout_add ((guint) ((timeout - idle) / 1000) + 1, on_watchdog, self);
      return G_SOURCE_REMOVE;
    }
  casella_net_connection_fail (self, g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_TIMEOUT,
                                                  "%s did not answer in time",
                                                  casella_net_config_get_host (self->config)));
  return G_SOURCE_REMOVE;
}

/* While a reply is expected, silence longer than the I/O timeout fails
 * the connection. IDLE and other waits turn this off. */
void
casella_net_connection_expect_reply (CasellaNetConnection *self,
                                     gboolean              expecting)
{
  if (self->expecting == !!expecting)
    return;
  self->expecting = !!expecting;
  g_clear_handle_id (&self->watchdog_id, casella_source_remove);
  if (self->expecting && !self->closed)
    {
      self->last_activity = g_get_monotonic_time ();
      self->watchdog_id = casella_timeout_add (casella_net_config_get_io_timeout (self->config), on_watchdog, self);
    }
}

/* ---- reading ---- */

void
casella_net_connection_set_handlers (CasellaNetConnection *self,
                                     CasellaNetReadFunc    read_func,
                                     CasellaNetErrorFunc   error_func,
                                     gpointer              user_data)
{
  self->read_func = read_func;
  self->error_func = error_func;
  self->handler_data = user_data;
}

static void
casella_net_connection_stop_read_source (CasellaNetConnection *self)
{
  g_clear_handle_id (&self->burst_id, casella_source_remove);
  if (self->read_source != NULL)
    {
      g_source_destroy (self->read_source);
      g_clear_pointer (&self->read_source, g_source_unref);
    }
}

/* Delivers a chunk; FALSE when reading should stop (paused or closed). */
static gboolean
casella_net_connection_deliver (CasellaNetConnection *self,
                                const guint8         *data,
                                gsize                 length)
{
  self->last_activity = g_get_monotonic_time ();
  if (self->read_func != NULL && !self->read_func (self->handler_data, data, length))
    return FALSE;
  return !self->closed;
}

static void
casella_net_connection_read_failed (CasellaNetConnection *self,
                                    GError               *error)
{
  if (error == NULL)
    casella_net_connection_fail (self, g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CONNECTION_LOST,
                                                    "%s closed the connection",
                                                    casella_net_config_get_host (self->config)));
  else if (!self->closed)
    {
      GError *mapped = casella_mail_error_from_io_error (error);
      g_prefix_error (&mapped, "Reading from %s: ", casella_net_config_get_host (self->config));
      casella_net_connection_fail (self, mapped);
    }
  g_clear_error (&error);
}

static gboolean on_readable (GObject *stream, gpointer user_data);

static gboolean
on_burst_continue (gpointer user_data)
{
  CasellaNetConnection *self = user_data;

  self->burst_id = 0;
  if (self->reading && self->read_source != NULL)
    on_readable (G_OBJECT (g_io_stream_get_input_stream (self->stream)), self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_socket_readable (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  CasellaNetConnection *self = user_data;

  return on_readable (G_OBJECT (g_io_stream_get_input_stream (self->stream)), self);
}

/* The socket is readable: read until the stream would block, into one
 * reused buffer, so a fast server costs one wake-up per burst rather
 * than one per TLS record. Reading to "would block" also empties what TLS
 * has decrypted but not handed out, which the socket cannot show. */
static gboolean
on_readable (GObject  *stream,
             gpointer  user_data)
{
  g_autoptr(CasellaNetConnection) self = g_object_ref (user_data);
  GSource *me = self->read_source;
  gsize burst = 0;

  while (burst < READ_BURST)
    {
      GError *error = NULL;
      gssize got = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream), self->read_buffer,
                                                              READ_CHUNK, NULL, &error);

      if (got < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_error_free (error);
          return G_SOURCE_CONTINUE;
        }
      if (got <= 0)
        {
          self->reading = FALSE;
          g_clear_pointer (&self->read_source, g_source_unref);
          casella_net_connection_read_failed (self, error);
          return G_SOURCE_REMOVE;
        }
      burst += got;
      if (!casella_net_connection_deliver (self, self->read_buffer, got))
        {
          /* Paused, or STARTTLS already took the source away. */
          if (self->read_source == me)
            {
              self->reading = FALSE;
              g_clear_pointer (&self->read_source, g_source_unref);
            }
          return G_SOURCE_REMOVE;
        }
      if (self->read_source != me)
        return G_SOURCE_REMOVE;
    }

  /* The burst limit was reached with data perhaps still decrypted inside
   * TLS, which the socket's readiness would not show: come back soon. */
  if (self->burst_id == 0)
    self->burst_id = casella_idle_add (on_burst_continue, self);
  return G_SOURCE_CONTINUE;
}

void
casella_net_connection_resume_reading (CasellaNetConnection *self)
{
  GInputStream *input;

  if (self->reading || self->closed || self->stream == NULL)
    return;

  input = g_io_stream_get_input_stream (self->stream);
  g_return_if_fail (G_IS_POLLABLE_INPUT_STREAM (input) &&
                    g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (input)));

  if (self->read_buffer == NULL)
    self->read_buffer = g_malloc (READ_CHUNK);
  self->reading = TRUE;
  /* Watch the socket itself: a TLS stream's own source makes
   * glib-networking signal an eventfd on every read (about six writes
   * per read, 33,000 in a 100,000-message fetch). */
  self->read_source = g_socket_create_source (g_socket_connection_get_socket (self->socket_connection),
                                              G_IO_IN | G_IO_HUP | G_IO_ERR, self->cancellable);
  g_source_set_callback (self->read_source, (GSourceFunc) (GCallback) on_socket_readable, self, NULL);
  g_source_attach (self->read_source, g_main_context_get_thread_default ());

  /* Something may already wait inside TLS (bytes that came with the
   * handshake's last record): read at once rather than wait for more. */
  if (self->burst_id == 0)
    self->burst_id = casella_idle_add (on_burst_continue, self);
}

/* ---- writing ---- */

static void casella_net_connection_write_next (CasellaNetConnection *self);

static void
casella_net_connection_release_drain_waiters (CasellaNetConnection *self)
{
  GSList *waiters = g_steal_pointer (&self->drain_waiters);

  for (GSList *l = waiters; l; l = l->next)
    casella_net_connection_handshake (self, l->data);
  g_slist_free (waiters);
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  CasellaNetConnection *self = user_data;
  GError *error = NULL;

  g_clear_pointer (&self->writing, g_bytes_unref);
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (!self->closed)
        {
          GError *mapped = casella_mail_error_from_io_error (error);
          g_prefix_error (&mapped, "Writing to %s: ", casella_net_config_get_host (self->config));
          casella_net_connection_fail (self, mapped);
        }
      g_error_free (error);
    }
  else
    casella_net_connection_write_next (self);

  g_object_unref (self);
}

static void
casella_net_connection_write_next (CasellaNetConnection *self)
{
  if (self->writing != NULL || self->closed)
    return;

  self->writing = g_queue_pop_head (&self->write_queue);
  if (self->writing == NULL)
    {
      casella_net_connection_release_drain_waiters (self);
      return;
    }

  g_output_stream_write_all_async (g_io_stream_get_output_stream (self->stream),
                                   g_bytes_get_data (self->writing, NULL),
                                   g_bytes_get_size (self->writing),
                                   G_PRIORITY_DEFAULT, self->cancellable, on_written,
                                   g_object_ref (self));
}

/* Queued and written in order; a failure reaches the error function. */
void
casella_net_connection_write (CasellaNetConnection *self,
                              GBytes               *data)
{
  g_return_if_fail (CASELLA_IS_NET_CONNECTION (self));

  if (self->closed || self->stream == NULL)
    return;

  g_queue_push_tail (&self->write_queue, g_bytes_ref (data));
  casella_net_connection_write_next (self);
}

void
casella_net_connection_write_text (CasellaNetConnection *self,
                                   const char           *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

  casella_net_connection_write (self, bytes);
}

/* ---- closing and state ---- */

void
casella_net_connection_close (CasellaNetConnection *self)
{
  GSList *waiters;

  if (self->closed)
    return;

  self->closed = TRUE;
  self->reading = FALSE;
  g_debug ("%s:%u: closed", casella_net_config_get_host (self->config), casella_net_config_get_port (self->config));
  casella_net_connection_stop_read_source (self);
  g_clear_handle_id (&self->watchdog_id, casella_source_remove);
  g_cancellable_cancel (self->cancellable);

  waiters = g_steal_pointer (&self->drain_waiters);
  for (GSList *l = waiters; l; l = l->next)
    {
      g_task_return_new_error (l->data, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CONNECTION_LOST,
                               "The connection was closed");
      g_object_unref (l->data);
    }
  g_slist_free (waiters);

  /* Close the socket itself: pending operations fail at once, and no TLS
   * close_notify is waited for on a connection we are abandoning. */
  if (self->socket_connection != NULL)
    g_socket_close (g_socket_connection_get_socket (self->socket_connection), NULL);
}

gboolean
casella_net_connection_is_connected (CasellaNetConnection *self)
{
  return self->stream != NULL && !self->closed;
}

gboolean
casella_net_connection_is_encrypted (CasellaNetConnection *self)
{
  return self->encrypted;
}

/* The certificate the server presented, also after a failed handshake,
 * so a UI can show the user what they would be trusting. */
GTlsCertificate *
casella_net_connection_get_peer_certificate (CasellaNetConnection *self)
{
  return self->peer_certificate;
}

GTlsCertificateFlags
casella_net_connection_get_peer_certificate_errors (CasellaNetConnection *self)
{
  return self->peer_errors;
}

/* "[192.0.2.1]" or "[IPv6:2001:db8::1]": how SMTP names the client in
 * EHLO without revealing the machine's host name. */
char *
casella_net_connection_dup_local_literal (CasellaNetConnection *self)
{
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree char *ip = NULL;
  GInetAddress *address;

  if (self->socket_connection == NULL)
    return g_strdup ("[127.0.0.1]");
  local = g_socket_connection_get_local_address (self->socket_connection, NULL);
  if (!G_IS_INET_SOCKET_ADDRESS (local))
    return g_strdup ("[127.0.0.1]");
  address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
  ip = g_inet_address_to_string (address);
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[IPv6:%s]", ip);
  return g_strdup_printf ("[%s]", ip);
}
