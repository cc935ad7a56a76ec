/* casella-test-https.c — an HTTPS (and plain HTTP) file server on loopback
 *
 * A libsoup server with the test CA's certificate, running in a thread of
 * its own with its own main context, so a test can talk to it with
 * blocking or asynchronous clients alike. It serves files from a
 * temporary root and remembers every request line it saw.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-test-https.h"
#include "casella-test-pki.h"
#include "casella-test-util.h"

#include <libsoup/soup.h>

struct _CasellaTestHttps
{
  char         *root;
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  GMutex        mutex;
  GCond         cond;
  gboolean      ready;
  GError       *error;
  GPtrArray    *requests;
  GHashTable   *hang;        /* paths that never answer */
  GHashTable   *redirects;   /* path -> Location */
  GHashTable   *delays;      /* path -> milliseconds before answering */
  GPtrArray    *paused;      /* messages held forever */
  guint16       port;
  guint16       http_port;
};

CasellaTestHttps *
casella_test_https_new (void)
{
  CasellaTestHttps *self = g_new0 (CasellaTestHttps, 1);

  self->root = casella_test_make_tmpdir ("casella-https");
  self->requests = g_ptr_array_new_with_free_func (g_free);
  self->hang = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->redirects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->delays = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->paused = g_ptr_array_new_with_free_func (g_object_unref);
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  return self;
}

void
casella_test_https_add_file (CasellaTestHttps *self,
                             const char       *path,
                             const char       *contents)
{
  g_autofree char *file = g_build_filename (self->root, path, NULL);
  g_autofree char *dir = g_path_get_dirname (file);

  g_mkdir_with_parents (dir, 0755);
  g_assert_true (g_file_set_contents (file, contents, -1, NULL));
}

/* Requests for path are held and never answered (a hanging server). */
void
casella_test_https_add_hang (CasellaTestHttps *self,
                             const char       *path)
{
  g_hash_table_add (self->hang, g_strdup (path));
}

/* Requests for path are answered after delay_ms (a slow server). */
void
casella_test_https_add_delay (CasellaTestHttps *self,
                              const char       *path,
                              guint             delay_ms)
{
  g_hash_table_replace (self->delays, g_strdup (path), GUINT_TO_POINTER (delay_ms));
}

static gboolean
unpause_later (gpointer data)
{
  soup_server_message_unpause (data);
  return G_SOURCE_REMOVE;
}

void
casella_test_https_add_redirect (CasellaTestHttps *self,
                                 const char       *path,
                                 const char       *location)
{
  g_hash_table_replace (self->redirects, g_strdup (path), g_strdup (location));
}

static void
casella_test_https_handle (SoupServer        *server,
                           SoupServerMessage *msg,
                           const char        *path,
                           GHashTable        *query,
                           gpointer           user_data)
{
  CasellaTestHttps *self = user_data;
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *file = NULL;
  char *contents;
  gsize length;
  /* Asked as a proxy (a tunnel to a host elsewhere): which host. */
  gboolean tunnel = g_str_equal (soup_server_message_get_method (msg), "CONNECT");

  g_mutex_lock (&self->mutex);
  if (tunnel)
    g_ptr_array_add (self->requests, g_strdup_printf ("CONNECT %s", g_uri_get_host (uri)));
  else
    g_ptr_array_add (self->requests,
                     g_strdup_printf ("%s %s %s%s%s", soup_server_message_get_method (msg),
                                      g_uri_get_scheme (uri), path,
                                      g_uri_get_query (uri) ? "?" : "",
                                      g_uri_get_query (uri) ? g_uri_get_query (uri) : ""));
  g_mutex_unlock (&self->mutex);

  if (g_hash_table_contains (self->hang, path))
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (self->paused, g_object_ref (msg));
      return;
    }
  if (g_hash_table_contains (self->delays, path) && g_object_get_data (G_OBJECT (msg), "delayed") == NULL)
    {
      g_autoptr(GSource) timer = g_timeout_source_new (GPOINTER_TO_UINT (g_hash_table_lookup (self->delays, path)));

      g_object_set_data (G_OBJECT (msg), "delayed", GINT_TO_POINTER (1));
      soup_server_message_pause (msg);
      g_source_set_callback (timer, unpause_later, g_object_ref (msg), g_object_unref);
      g_source_attach (timer, self->context);
    }
  if (g_hash_table_contains (self->redirects, path))
    {
      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, g_hash_table_lookup (self->redirects, path));
      return;
    }

  if (strstr (path, "..") != NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
      return;
    }

  file = g_build_filename (self->root, path, NULL);
  if (!g_file_test (file, G_FILE_TEST_IS_REGULAR) || !g_file_get_contents (file, &contents, &length, NULL))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg,
                                    g_str_has_suffix (path, ".xml") ? "application/xml" : "text/plain",
                                    SOUP_MEMORY_TAKE, contents, length);
}

guint16
casella_test_https_listen_loopback (SoupServer              *server,
                                    SoupServerListenOptions  options,
                                    GError                 **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) bound = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL || !g_socket_bind (socket, address, TRUE, error) ||
      !g_socket_listen (socket, error) || !soup_server_listen_socket (server, socket, options, error))
    return 0;
  bound = g_socket_get_local_address (socket, error);
  return bound ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)) : 0;
}

static gpointer
casella_test_https_thread (gpointer data)
{
  CasellaTestHttps *self = data;
  g_autoptr(SoupServer) server = NULL;
  GError *error = NULL;

  g_main_context_push_thread_default (self->context);

  server = soup_server_new ("tls-certificate", casella_test_pki_get ()->server_certificate, NULL);
  soup_server_add_handler (server, NULL, casella_test_https_handle, self, NULL);
  self->port = casella_test_https_listen_loopback (server, SOUP_SERVER_LISTEN_HTTPS, &error);
  if (error == NULL)
    self->http_port = casella_test_https_listen_loopback (server, 0, &error);

  g_mutex_lock (&self->mutex);
  self->error = error;
  self->ready = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);

  if (error == NULL)
    g_main_loop_run (self->loop);

  soup_server_disconnect (server);
  g_ptr_array_set_size (self->paused, 0);
  g_clear_object (&server);
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

gboolean
casella_test_https_start (CasellaTestHttps  *self,
                          GError           **error)
{
  casella_test_pki_get ();   /* made here, not racing in the thread */

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("casella-test-https", casella_test_https_thread, self);

  g_mutex_lock (&self->mutex);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  if (self->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->error));
      return FALSE;
    }
  return TRUE;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
casella_test_https_free (CasellaTestHttps *self)
{
  if (self == NULL)
    return;

  if (self->thread != NULL)
    {
      g_main_context_invoke (self->context, quit_loop, self->loop);
      g_thread_join (self->thread);
    }
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  casella_test_rm_rf (self->root);
  g_free (self->root);
  g_ptr_array_unref (self->requests);
  g_hash_table_unref (self->hang);
  g_hash_table_unref (self->redirects);
  g_hash_table_unref (self->delays);
  g_ptr_array_unref (self->paused);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self);
}

guint16
casella_test_https_get_port (CasellaTestHttps *self)
{
  return self->port;
}

guint16
casella_test_https_get_http_port (CasellaTestHttps *self)
{
  return self->http_port;
}

char *
casella_test_https_get_url (CasellaTestHttps *self,
                            const char       *path)
{
  return g_strdup_printf ("https://localhost:%u%s", self->port, path);
}

/* Each request seen, as "GET https /path?query". */
GStrv
casella_test_https_get_requests (CasellaTestHttps *self)
{
  GStrv copy;

  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->requests, NULL);
  copy = g_strdupv ((char **) self->requests->pdata);
  g_ptr_array_remove_index (self->requests, self->requests->len - 1);
  g_mutex_unlock (&self->mutex);
  return copy;
}
