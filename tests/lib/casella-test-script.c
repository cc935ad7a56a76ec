/* casella-test-script.c — a scripted fake server (see the header)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "casella-test-pki.h"
#include "casella-test-script.h"

struct _CasellaTestScript
{
  GStrv            steps;
  gboolean         implicit_tls;
  GSocketListener *listener;
  guint16          port;
  GThread         *thread;
  GCancellable    *cancellable;
  char            *failure;
  gint             hanging;   /* reached a "hang" step */
};

typedef struct {
  CasellaTestScript *script;
  GIOStream         *stream;
  GDataInputStream  *in;
  gboolean           slow;
  GPtrArray         *tags;   /* every tag read, in order */
} Run;

CasellaTestScript *
casella_test_script_new (const char *script,
                         gboolean    implicit_tls)
{
  CasellaTestScript *self = g_new0 (CasellaTestScript, 1);

  self->steps = g_strsplit (script, "\n", -1);
  self->implicit_tls = implicit_tls;
  self->cancellable = g_cancellable_new ();
  return self;
}

static char *
unescape (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    {
      if (*p == '\\' && p[1])
        {
          p++;
          g_string_append_c (out, *p == 'r' ? '\r' : *p == 'n' ? '\n' : *p);
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static gboolean
run_send (Run         *run,
          const char  *data,
          gsize        length,
          GError     **error)
{
  GOutputStream *out = g_io_stream_get_output_stream (run->stream);

  if (!run->slow)
    return g_output_stream_write_all (out, data, length, NULL, run->script->cancellable, error);

  for (gsize i = 0; i < length; i++)
    {
      if (!g_output_stream_write_all (out, data + i, 1, NULL, run->script->cancellable, error) ||
          !g_output_stream_flush (out, run->script->cancellable, error))
        return FALSE;
      g_usleep (300);   /* let the client read each byte on its own */
    }
  return TRUE;
}

static void
run_attach (Run       *run,
            GIOStream *stream)
{
  g_clear_object (&run->in);
  g_set_object (&run->stream, stream);
  run->in = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  g_data_input_stream_set_newline_type (run->in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (run->in), FALSE);
}

static gboolean
run_starttls (Run     *run,
              GError **error)
{
  g_autoptr(GIOStream) tls = NULL;

  tls = g_tls_server_connection_new (run->stream, casella_test_pki_get ()->server_certificate, error);
  if (tls != NULL)
    /* Clients that hang up without close_notify simply hang up. */
    g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
  if (tls == NULL || !g_tls_connection_handshake (G_TLS_CONNECTION (tls), run->script->cancellable, error))
    return FALSE;
  run_attach (run, tls);
  return TRUE;
}

static char *
run_read_line (Run     *run,
               GError **error)
{
  char *line = g_data_input_stream_read_line (run->in, NULL, run->script->cancellable, error);

  if (line == NULL && error && *error == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the client closed the connection");
  return line;
}

/* $TAG1, $TAG2…: the tags read so far; $TAG: the last one. */
static char *
substitute_tags (Run        *run,
                 const char *text)
{
  char *result = g_strdup (text);

  for (guint i = run->tags->len; i > 0; i--)
    {
      g_autofree char *name = g_strdup_printf ("$TAG%u", i);
      g_auto(GStrv) parts = g_strsplit (result, name, -1);

      g_free (result);
      result = g_strjoinv (run->tags->pdata[i - 1], parts);
    }
  {
    g_auto(GStrv) parts = g_strsplit (result, "$TAG", -1);
    g_free (result);
    result = g_strjoinv (run->tags->len ? run->tags->pdata[run->tags->len - 1] : "*", parts);
  }
  return result;
}

static gboolean
run_step (Run         *run,
          const char  *step,
          GError     **error)
{
  if (g_str_has_prefix (step, ">> "))
    {
      g_autofree char *tagged = substitute_tags (run, step + 3);
      g_autofree char *data = unescape (tagged);
      return run_send (run, data, strlen (data), error);
    }
  if (g_str_has_prefix (step, "> ") || g_str_equal (step, ">"))
    {
      g_autofree char *text = substitute_tags (run, step[1] ? step + 2 : "");
      g_autofree char *line = g_strconcat (text, "\r\n", NULL);
      return run_send (run, line, strlen (line), error);
    }
  if (g_str_has_prefix (step, "<T "))
    {
      g_autofree char *line = run_read_line (run, error);
      char *space;

      if (line == NULL)
        return FALSE;
      space = strchr (line, ' ');
      if (space == NULL || !g_str_has_prefix (space + 1, step + 3))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "expected “%s”, got “%s”", step + 3, line);
          return FALSE;
        }
      g_ptr_array_add (run->tags, g_strndup (line, space - line));
      return TRUE;
    }
  if (g_str_equal (step, "<"))
    {
      g_autofree char *line = run_read_line (run, error);
      return line != NULL;
    }
  if (g_str_has_prefix (step, "< "))
    {
      g_autofree char *line = run_read_line (run, error);

      if (line == NULL)
        return FALSE;
      if (!g_str_has_prefix (line, step + 2))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "expected “%s”, got “%s”", step + 2, line);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_has_prefix (step, "read "))
    {
      gsize want = g_ascii_strtoull (step + 5, NULL, 10);
      g_autofree char *buffer = g_malloc (want + 1);
      gsize got = 0;

      return g_input_stream_read_all (G_INPUT_STREAM (run->in), buffer, want, &got,
                                      run->script->cancellable, error) && got == want;
    }
  if (g_str_equal (step, "slow") || g_str_equal (step, "fast"))
    {
      run->slow = g_str_equal (step, "slow");
      return TRUE;
    }
  if (g_str_equal (step, "starttls"))
    return run_starttls (run, error);
  if (g_str_has_prefix (step, "literal "))
    {
      gsize size = g_ascii_strtoull (step + 8, NULL, 10);
      g_autofree char *head = g_strdup_printf ("* 1 FETCH (UID 1 BODY[] {%" G_GSIZE_FORMAT "}\r\n", size);
      g_autofree char *body = g_malloc (size);

      for (gsize i = 0; i < size; i++)
        body[i] = "0123456789\r\n"[i % 12];
      return run_send (run, head, strlen (head), error) && run_send (run, body, size, error) &&
             run_send (run, ")\r\n", 3, error);
    }
  if (g_str_has_prefix (step, "sleep "))
    {
      g_usleep (g_ascii_strtoull (step + 6, NULL, 10) * 1000);
      return TRUE;
    }
  if (g_str_equal (step, "hang"))
    {
      char byte;

      g_atomic_int_set (&run->script->hanging, TRUE);
      /* Swallow whatever comes until the client gives up. */
      while (g_input_stream_read (G_INPUT_STREAM (run->in), &byte, 1, run->script->cancellable, NULL) > 0)
        ;
      return TRUE;
    }
  if (g_str_equal (step, "eof"))
    {
      char byte;
      gssize got = g_input_stream_read (G_INPUT_STREAM (run->in), &byte, 1, run->script->cancellable, error);

      if (got > 0)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the client sent more, starting with “%c”", byte);
      return got == 0;
    }
  if (g_str_equal (step, "accept"))
    {
      g_autoptr(GSocketConnection) next = NULL;

      g_io_stream_close (run->stream, NULL, NULL);
      next = g_socket_listener_accept (run->script->listener, NULL, run->script->cancellable, error);
      if (next == NULL)
        return FALSE;
      run_attach (run, G_IO_STREAM (next));
      return !run->script->implicit_tls || run_starttls (run, error);
    }
  if (g_str_equal (step, "close"))
    return g_io_stream_close (run->stream, NULL, error);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown script step “%s”", step);
  return FALSE;
}

static gpointer
script_thread (gpointer data)
{
  CasellaTestScript *self = data;
  Run run = { self };
  g_autoptr(GSocketConnection) connection = NULL;
  GError *error = NULL;

  run.tags = g_ptr_array_new_with_free_func (g_free);
  connection = g_socket_listener_accept (self->listener, NULL, self->cancellable, &error);
  if (connection == NULL)
    goto out;
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  run_attach (&run, G_IO_STREAM (connection));
  if (self->implicit_tls && !run_starttls (&run, &error))
    goto out;

  for (guint i = 0; self->steps[i]; i++)
    {
      const char *step = g_strstrip (self->steps[i]);

      if (step[0] == '\0' || step[0] == '#')
        continue;
      if (!run_step (&run, step, &error))
        {
          g_prefix_error (&error, "step %u (%s): ", i + 1, step);
          goto out;
        }
    }

out:
  /* Whoever connects after the script's end is refused. */
  g_socket_listener_close (self->listener);
  if (error != NULL)
    self->failure = g_strdup (error->message);
  g_clear_error (&error);
  if (run.stream)
    g_io_stream_close (run.stream, NULL, NULL);
  g_clear_object (&run.in);
  g_clear_object (&run.stream);
  g_ptr_array_unref (run.tags);
  return NULL;
}

gboolean
casella_test_script_start (CasellaTestScript  *self,
                           GError            **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  casella_test_pki_get ();
  self->listener = g_socket_listener_new ();
  if (!g_socket_listener_add_address (self->listener, address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &bound, error))
    return FALSE;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  self->thread = g_thread_new ("casella-test-script", script_thread, self);
  return TRUE;
}

gboolean
casella_test_script_is_hanging (CasellaTestScript *self)
{
  return g_atomic_int_get (&self->hanging);
}

guint16
casella_test_script_get_port (CasellaTestScript *self)
{
  return self->port;
}

char *
casella_test_script_finish (CasellaTestScript *self)
{
  if (self->thread != NULL)
    {
      g_thread_join (self->thread);
      self->thread = NULL;
    }
  return g_steal_pointer (&self->failure);
}

void
casella_test_script_free (CasellaTestScript *self)
{
  if (self == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  if (self->thread != NULL)
    g_thread_join (self->thread);
  if (self->listener)
    g_socket_listener_close (self->listener);
  g_clear_object (&self->listener);
  g_clear_object (&self->cancellable);
  g_free (self->failure);
  g_strfreev (self->steps);
  g_free (self);
}
