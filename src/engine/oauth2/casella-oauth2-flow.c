/* casella-oauth2-flow.c — one sign-in in the system browser (RFC 8252)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <string.h>
#include <errno.h>
#include <sys/random.h>

#include "casella-oauth2-flow.h"
#include "casella-secret.h"

struct _CasellaOAuth2Flow
{
  GObject                parent_instance;
  CasellaOAuth2Provider *provider;
  char                  *scope;
  char                  *login_hint;
  GTlsDatabase          *tls_database;
  SoupServer            *server;
  char                  *redirect_uri;
  char                  *uri;
  char                  *state;
  char                  *verifier;
  GTask                 *task;           /* the wait, while it lasts */
  GSource               *timeout;
  gulong                 cancel_id;
  gboolean               answered;       /* a redirect was taken: no other */
  GThread               *thread;         /* the one that waits */
};

enum { SIGNAL_REDIRECTED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CasellaOAuth2Flow, casella_oauth2_flow, G_TYPE_OBJECT)

/* ---- PKCE and state ---- */

static char *
base64url (const guint8 *data,
           gsize         length)
{
  char *text = g_base64_encode (data, length);

  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  if (strchr (text, '=') != NULL)
    *strchr (text, '=') = '\0';
  return text;
}

static char *
random_text (gsize n_bytes)
{
  guint8 bytes[64];
  gsize got = 0;

  g_assert (n_bytes <= sizeof bytes);
  while (got < n_bytes)
    {
      ssize_t n = getrandom (bytes + got, n_bytes - got, 0);

      if (n > 0)
        got += (gsize) n;
      else
        g_assert (errno == EINTR);
    }
  return base64url (bytes, n_bytes);
}

char *
casella_oauth2_pkce_verifier (void)
{
  return random_text (32);   /* 43 characters */
}

char *
casella_oauth2_pkce_challenge (const char *verifier)
{
  g_autoptr(GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;

  g_checksum_update (sha, (const guchar *) verifier, (gssize) strlen (verifier));
  g_checksum_get_digest (sha, digest, &length);
  return base64url (digest, length);
}

/* ---- the object ---- */

static void
close_listener (CasellaOAuth2Flow *self)
{
  if (self->server != NULL)
    {
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
    }
}

static void
casella_oauth2_flow_dispose (GObject *object)
{
  CasellaOAuth2Flow *self = CASELLA_OAUTH2_FLOW (object);

  g_assert (self->task == NULL);
  close_listener (self);
  g_clear_object (&self->tls_database);
  G_OBJECT_CLASS (casella_oauth2_flow_parent_class)->dispose (object);
}

static void
casella_oauth2_flow_finalize (GObject *object)
{
  CasellaOAuth2Flow *self = CASELLA_OAUTH2_FLOW (object);

  casella_oauth2_provider_unref (self->provider);
  g_free (self->scope);
  g_free (self->login_hint);
  g_free (self->redirect_uri);
  g_free (self->uri);
  casella_secret_free (self->state);
  casella_secret_free (self->verifier);
  G_OBJECT_CLASS (casella_oauth2_flow_parent_class)->finalize (object);
}

static void
casella_oauth2_flow_class_init (CasellaOAuth2FlowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = casella_oauth2_flow_dispose;
  object_class->finalize = casella_oauth2_flow_finalize;

  /* The browser came back with a code: the tokens follow shortly. */
  signals[SIGNAL_REDIRECTED] = g_signal_new ("redirected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                             NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
casella_oauth2_flow_init (CasellaOAuth2Flow *self)
{
}

CasellaOAuth2Flow *
casella_oauth2_flow_new (CasellaOAuth2Provider *provider,
                         const char            *scope,
                         const char            *login_hint)
{
  CasellaOAuth2Flow *self = g_object_new (CASELLA_TYPE_OAUTH2_FLOW, NULL);

  self->provider = casella_oauth2_provider_ref (provider);
  self->scope = g_strdup (scope);
  self->login_hint = g_strdup (login_hint);
  return self;
}

void
casella_oauth2_flow_set_tls_database (CasellaOAuth2Flow *self,
                                      GTlsDatabase      *database)
{
  g_set_object (&self->tls_database, database);
}

const char *
casella_oauth2_flow_get_uri (CasellaOAuth2Flow *self)
{
  return self->uri;
}

CasellaOAuth2Provider *
casella_oauth2_flow_get_provider (CasellaOAuth2Flow *self)
{
  return self->provider;
}

/* ---- the page the browser shows at the end ---- */

static void
answer_page (SoupServerMessage *message,
             guint              status,
             const char        *title,
             const char        *text)
{
  g_autofree char *escaped_title = g_markup_escape_text (title, -1);
  g_autofree char *escaped_text = g_markup_escape_text (text, -1);
  g_autofree char *page = g_strdup_printf (
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width\"><title>%s</title>"
    "<style>body{font-family:system-ui,sans-serif;max-width:32em;margin:4em auto;padding:0 1em;"
    "color:#222;background:#fafafa}@media(prefers-color-scheme:dark){body{color:#eee;background:#242424}}"
    "</style></head><body><h1>%s</h1><p>%s</p></body></html>",
    escaped_title, escaped_title, escaped_text);
  gsize length = strlen (page);

  soup_server_message_set_status (message, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (message), "Cache-Control", "no-store");
  soup_server_message_set_response (message, "text/html; charset=utf-8", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&page), length);
}

/* ---- waiting ---- */

static void
stop_waiting (CasellaOAuth2Flow *self)
{
  if (self->timeout != NULL)
    {
      g_source_destroy (self->timeout);
      g_clear_pointer (&self->timeout, g_source_unref);
    }
  if (self->cancel_id != 0)
    {
      g_cancellable_disconnect (g_task_get_cancellable (self->task), self->cancel_id);
      self->cancel_id = 0;
    }
}

static void
fail (CasellaOAuth2Flow *self,
      GError            *error)
{
  g_autoptr(GTask) task = NULL;

  stop_waiting (self);
  task = g_steal_pointer (&self->task);
  close_listener (self);
  g_task_return_error (task, error);
}

static void
exchange_in_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  CasellaOAuth2Flow *self = source;
  GError *error = NULL;
  CasellaOAuth2Tokens *tokens = casella_oauth2_exchange_code_sync (self->provider, task_data, self->verifier,
                                                                   self->redirect_uri, self->tls_database,
                                                                   cancellable, &error);

  if (tokens == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, tokens, (GDestroyNotify) casella_oauth2_tokens_free);
}

static gboolean
close_server_idle (gpointer data)
{
  soup_server_disconnect (data);
  return G_SOURCE_REMOVE;
}

/* Outside the server's own signal: it may be finishing the connection. */
static void
on_answer_sent (SoupServerMessage *message,
                SoupServer        *server)
{
  g_autoptr(GSource) idle = g_idle_source_new ();

  g_source_set_callback (idle, close_server_idle, server, g_object_unref);
  g_source_attach (idle, g_main_context_get_thread_default ());
}

/* The listener closes once the page went out; until then it refuses
 * any other redirect. It holds itself alive meanwhile: the flow may go
 * as soon as its wait returns. */
static void
close_after_answer (CasellaOAuth2Flow *self,
                    SoupServerMessage *message)
{
  g_signal_connect (message, "finished", G_CALLBACK (on_answer_sent), g_steal_pointer (&self->server));
}

/* The code, the state, and whatever else the provider put in the query. */
static void
on_request (SoupServer        *server,
            SoupServerMessage *message,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  CasellaOAuth2Flow *self = user_data;
  const char *state = query ? g_hash_table_lookup (query, "state") : NULL;
  const char *code = query ? g_hash_table_lookup (query, "code") : NULL;
  const char *error = query ? g_hash_table_lookup (query, "error") : NULL;
  GTask *task;

  if (!g_str_equal (path, "/") || self->answered || self->task == NULL ||
      state == NULL || !g_str_equal (state, self->state) || (code == NULL && error == NULL))
    {
      /* Not the redirect of this sign-in (an old tab, another program). */
      g_debug ("OAuth2: a request to the listener that is not this sign-in's redirect was refused");
      answer_page (message, SOUP_STATUS_BAD_REQUEST, _("This is not Casella’s sign-in"),
                   _("This page does not belong to the sign-in Casella is waiting for. You can close this tab."));
      return;
    }
  self->answered = TRUE;
  close_after_answer (self, message);
  if (error != NULL)
    {
      answer_page (message, SOUP_STATUS_OK, _("Sign-in did not finish"),
                   _("You can close this tab and go back to Casella."));
      fail (self, casella_oauth2_error_from_provider (error, query ? g_hash_table_lookup (query, "error_description")
                                                                   : NULL));
      return;
    }
  answer_page (message, SOUP_STATUS_OK, _("Signed in"), _("You can close this tab and go back to Casella."));
  stop_waiting (self);
  g_signal_emit (self, signals[SIGNAL_REDIRECTED], 0);
  task = g_steal_pointer (&self->task);
  g_task_set_task_data (task, g_strdup (code), (GDestroyNotify) casella_secret_free);
  g_task_run_in_thread (task, exchange_in_thread);
  g_object_unref (task);
}

gboolean
casella_oauth2_flow_start (CasellaOAuth2Flow  *self,
                           GError            **error)
{
  g_autoptr(GString) uri = g_string_new (self->provider->authorize_url);
  g_autofree char *challenge = NULL;
  GSList *uris;
  guint port;

  g_return_val_if_fail (self->server == NULL && self->uri == NULL, FALSE);
  if (!casella_oauth2_provider_is_usable (self->provider))
    {
      g_set_error (error, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_NOT_CONFIGURED,
                   "This build of Casella has no client ID for %s", self->provider->name);
      return FALSE;
    }
  self->server = soup_server_new ("server-header", NULL, NULL);
  soup_server_add_handler (self->server, NULL, on_request, self, NULL);
  /* The address 127.0.0.1, not the name localhost (RFC 8252 §7.3). */
  if (!soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, error))
    {
      g_clear_object (&self->server);
      return FALSE;
    }
  uris = soup_server_get_uris (self->server);
  port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  self->redirect_uri = g_strdup_printf ("http://127.0.0.1:%u/", port);
  self->state = random_text (24);
  self->verifier = casella_oauth2_pkce_verifier ();
  challenge = casella_oauth2_pkce_challenge (self->verifier);

  g_string_append_c (uri, strchr (uri->str, '?') ? '&' : '?');
  g_string_append (uri, "response_type=code&client_id=");
  g_string_append_uri_escaped (uri, self->provider->client_id, NULL, FALSE);
  g_string_append (uri, "&redirect_uri=");
  g_string_append_uri_escaped (uri, self->redirect_uri, NULL, FALSE);
  g_string_append (uri, "&scope=");
  g_string_append_uri_escaped (uri, self->scope, NULL, FALSE);
  g_string_append_printf (uri, "&state=%s&code_challenge=%s&code_challenge_method=S256", self->state, challenge);
  if (self->login_hint != NULL)
    {
      g_string_append (uri, "&login_hint=");
      g_string_append_uri_escaped (uri, self->login_hint, NULL, FALSE);
    }
  for (char **p = self->provider->params; *p != NULL; p++)
    {
      g_auto(GStrv) pair = g_strsplit (*p, "=", 2);

      g_string_append_c (uri, '&');
      g_string_append_uri_escaped (uri, pair[0], NULL, FALSE);
      g_string_append_c (uri, '=');
      g_string_append_uri_escaped (uri, pair[1] ? pair[1] : "", NULL, FALSE);
    }
  self->uri = g_string_free (g_steal_pointer (&uri), FALSE);
  return TRUE;
}

static gboolean
on_timeout (gpointer user_data)
{
  CasellaOAuth2Flow *self = user_data;

  g_clear_pointer (&self->timeout, g_source_unref);
  fail (self, g_error_new (CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_TIMEOUT,
                           "Nobody came back from the browser in time"));
  return G_SOURCE_REMOVE;
}

static gboolean
on_cancelled_idle (gpointer user_data)
{
  CasellaOAuth2Flow *self = user_data;

  if (self->task != NULL)
    fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Sign-in cancelled"));
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable      *cancellable,
              CasellaOAuth2Flow *self)
{
  /* The handler may run inside g_cancellable_connect or on another
   * thread: finish on the flow's own context. */
  g_autoptr(GSource) idle = g_idle_source_new ();

  /* On the flow's own thread the listener closes now: nothing may
   * still come back once Cancel was pressed. */
  if (g_thread_self () == self->thread)
    close_listener (self);
  g_source_set_callback (idle, on_cancelled_idle, g_object_ref (self), g_object_unref);
  g_source_set_priority (idle, G_PRIORITY_HIGH);
  g_source_attach (idle, g_task_get_context (self->task));
}

void
casella_oauth2_flow_wait_async (CasellaOAuth2Flow   *self,
                                guint                timeout_seconds,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (self->server != NULL && self->task == NULL && !self->answered);
  self->task = g_task_new (self, cancellable, callback, user_data);
  self->thread = g_thread_self ();
  g_task_set_source_tag (self->task, casella_oauth2_flow_wait_async);
  if (timeout_seconds > 0)
    {
      self->timeout = g_timeout_source_new_seconds (timeout_seconds);
      g_source_set_callback (self->timeout, on_timeout, self, NULL);
      g_source_attach (self->timeout, g_task_get_context (self->task));
    }
  if (cancellable != NULL)
    self->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), self, NULL);
}

CasellaOAuth2Tokens *
casella_oauth2_flow_wait_finish (CasellaOAuth2Flow  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self) &&
                        g_async_result_is_tagged (result, casella_oauth2_flow_wait_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
