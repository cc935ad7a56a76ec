/* casella-test-oauth2.c — the tests' own OAuth2 authorization server
 *
 * A libsoup server in a thread of its own (like casella-test-https.c),
 * so a test can drive it with blocking and asynchronous clients alike.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-test-https.h"
#include "casella-test-oauth2.h"
#include "casella-test-pki.h"
#include "casella-test-util.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

typedef struct {
  char *redirect_uri, *state, *challenge, *user;
} Request;

typedef struct {
  char    *user;
  gboolean refresh;
  gint64   expires_at;   /* monotonic µs; 0: never */
  gboolean dead;
} Token;

struct _CasellaTestOAuth2
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  GMutex        mutex;
  GCond         cond;
  gboolean      ready;
  GError       *error;
  guint16       port, http_port;
  guint         access_lifetime;
  gboolean      rotate;
  CasellaTestConsent consent;
  guint         serial;
  GHashTable   *requests;    /* id -> Request */
  GHashTable   *codes;       /* code -> Request (the user filled in) */
  GHashTable   *tokens;      /* token -> Token */
  GHashTable   *grants;      /* grant_type -> count */
  GHashTable   *last_params; /* of the last /authorize */
  GPtrArray    *helpers;     /* consent threads */
  GSocketService *introspect;
  guint         revoked;
};

static void
request_free (Request *request)
{
  g_free (request->redirect_uri);
  g_free (request->state);
  g_free (request->challenge);
  g_free (request->user);
  g_free (request);
}

static void
token_free (Token *token)
{
  g_free (token->user);
  g_free (token);
}

CasellaTestOAuth2 *
casella_test_oauth2_new (void)
{
  CasellaTestOAuth2 *self = g_new0 (CasellaTestOAuth2, 1);

  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->access_lifetime = 600;
  self->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) request_free);
  self->codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) request_free);
  self->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) token_free);
  self->grants = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->helpers = g_ptr_array_new ();
  return self;
}

void
casella_test_oauth2_set_access_lifetime (CasellaTestOAuth2 *self,
                                         guint              seconds)
{
  g_mutex_lock (&self->mutex);
  self->access_lifetime = seconds;
  g_mutex_unlock (&self->mutex);
}

void
casella_test_oauth2_set_rotate (CasellaTestOAuth2 *self,
                                gboolean           rotate)
{
  self->rotate = rotate;
}

void
casella_test_oauth2_set_consent (CasellaTestOAuth2  *self,
                                 CasellaTestConsent  consent)
{
  g_mutex_lock (&self->mutex);
  self->consent = consent;
  g_mutex_unlock (&self->mutex);
}

/* ---- answers ---- */

static void
answer (SoupServerMessage *msg,
        guint              status,
        const char        *type,
        char              *body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
answer_json_error (SoupServerMessage *msg,
                   const char        *error)
{
  answer (msg, SOUP_STATUS_BAD_REQUEST, "application/json",
          g_strdup_printf ("{\"error\": \"%s\", \"error_description\": \"test server: %s\"}", error, error));
}

static char *
new_name (CasellaTestOAuth2 *self,
          const char        *prefix)
{
  return g_strdup_printf ("%s-%u-%08x", prefix, ++self->serial, g_random_int ());
}

static char *
issue (CasellaTestOAuth2 *self,
       const char        *user,
       gboolean           refresh)
{
  Token *token = g_new0 (Token, 1);
  char *name = new_name (self, refresh ? "refresh" : "access");

  token->user = g_strdup (user);
  token->refresh = refresh;
  if (!refresh)
    token->expires_at = g_get_monotonic_time () + (gint64) self->access_lifetime * G_USEC_PER_SEC;
  g_hash_table_insert (self->tokens, g_strdup (name), token);
  return name;
}

static char *
token_answer (CasellaTestOAuth2 *self,
              const char        *user,
              const char        *refresh)
{
  g_autofree char *access = issue (self, user, FALSE);

  return g_strdup_printf ("{\"access_token\": \"%s\", \"token_type\": \"Bearer\", \"expires_in\": %u%s%s%s}",
                          access, self->access_lifetime, refresh ? ", \"refresh_token\": \"" : "",
                          refresh ? refresh : "", refresh ? "\"" : "");
}

/* ---- endpoints ---- */

static const char *
param (GHashTable *query,
       const char *name)
{
  return query ? g_hash_table_lookup (query, name) : NULL;
}

static void
handle_authorize (CasellaTestOAuth2 *self,
                  SoupServerMessage *msg,
                  GHashTable        *query)
{
  const char *redirect = param (query, "redirect_uri");
  const char *decisions[] = { "allow", "deny", "wait" };
  Request *request;
  g_autofree char *id = NULL;
  g_autofree char *user = NULL;

  g_clear_pointer (&self->last_params, g_hash_table_unref);
  if (query != NULL)
    self->last_params = g_hash_table_ref (query);
  if (g_strcmp0 (param (query, "client_id"), CASELLA_TEST_OAUTH2_CLIENT_ID) != 0 ||
      g_strcmp0 (param (query, "response_type"), "code") != 0 ||
      g_strcmp0 (param (query, "code_challenge_method"), "S256") != 0 || param (query, "code_challenge") == NULL ||
      param (query, "state") == NULL || redirect == NULL || !g_str_has_prefix (redirect, "http://127.0.0.1:"))
    {
      answer (msg, SOUP_STATUS_BAD_REQUEST, "text/plain", g_strdup ("bad authorization request"));
      return;
    }
  request = g_new0 (Request, 1);
  request->redirect_uri = g_strdup (redirect);
  request->state = g_strdup (param (query, "state"));
  request->challenge = g_strdup (param (query, "code_challenge"));
  request->user = g_strdup (param (query, "login_hint") ? param (query, "login_hint") : "alice@example.test");
  user = g_markup_escape_text (request->user, -1);
  id = new_name (self, "request");
  g_hash_table_insert (self->requests, g_strdup (id), request);
  answer (msg, SOUP_STATUS_OK, "text/html; charset=utf-8", g_strdup_printf (
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Test sign-in</title></head><body>"
    "<p>Casella (test) wants to read and send mail as %s.</p>"
    "<form id=\"consent\" method=\"post\" action=\"/consent\">"
    "<input type=\"hidden\" name=\"request\" value=\"%s\">"
    "<button id=\"allow\" name=\"decision\" value=\"allow\">Allow</button>"
    "<button id=\"deny\" name=\"decision\" value=\"deny\">Deny</button></form>"
    /* The test's user, in a real browser: clicks what the test chose. */
    "<script>var d = \"%s\"; if (d !== \"wait\") document.getElementById(d).click();</script>"
    "</body></html>", user, id, decisions[self->consent]));
}

static void
handle_consent (CasellaTestOAuth2 *self,
                SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(GHashTable) form = soup_form_decode (text);
  const char *id = g_hash_table_lookup (form, "request");
  Request *request = id ? g_hash_table_lookup (self->requests, id) : NULL;
  g_autofree char *location = NULL;
  g_autofree char *code = NULL;

  if (request == NULL)
    {
      answer (msg, SOUP_STATUS_BAD_REQUEST, "text/plain", g_strdup ("no such request"));
      return;
    }
  g_hash_table_steal (self->requests, id);
  if (g_strcmp0 (g_hash_table_lookup (form, "decision"), "allow") == 0)
    {
      code = new_name (self, "code");
      location = g_strdup_printf ("%s?code=%s&state=%s", request->redirect_uri, code, request->state);
      g_hash_table_insert (self->codes, g_strdup (code), request);
    }
  else
    {
      location = g_strdup_printf ("%s?error=access_denied&error_description=The+user+said+no&state=%s",
                                  request->redirect_uri, request->state);
      request_free (request);
    }
  soup_server_message_set_redirect (msg, SOUP_STATUS_SEE_OTHER, location);
}

static char *
s256 (const char *verifier)
{
  g_autoptr(GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;
  char *text;

  g_checksum_update (sha, (const guchar *) verifier, -1);
  g_checksum_get_digest (sha, digest, &length);
  text = g_base64_encode (digest, length);
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  if (strchr (text, '='))
    *strchr (text, '=') = '\0';
  return text;
}

static void
count_grant (CasellaTestOAuth2 *self,
             const char        *grant)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->grants, grant));

  g_hash_table_replace (self->grants, g_strdup (grant), GUINT_TO_POINTER (n + 1));
}

static void
handle_code (CasellaTestOAuth2 *self,
             SoupServerMessage *msg,
             GHashTable        *form)
{
  const char *code = g_hash_table_lookup (form, "code");
  const char *verifier = g_hash_table_lookup (form, "code_verifier");
  Request *request = code ? g_hash_table_lookup (self->codes, code) : NULL;
  g_autofree char *challenge = verifier ? s256 (verifier) : NULL;
  g_autofree char *refresh = NULL;

  /* A code is good once, for the redirect it was made for, with the
   * verifier whose challenge came with it. */
  if (request == NULL || g_strcmp0 (challenge, request->challenge) != 0 ||
      g_strcmp0 (g_hash_table_lookup (form, "redirect_uri"), request->redirect_uri) != 0)
    {
      if (code != NULL)
        g_hash_table_remove (self->codes, code);
      answer_json_error (msg, "invalid_grant");
      return;
    }
  refresh = issue (self, request->user, TRUE);
  answer (msg, SOUP_STATUS_OK, "application/json", token_answer (self, request->user, refresh));
  g_hash_table_remove (self->codes, code);
}

static void
handle_refresh (CasellaTestOAuth2 *self,
                SoupServerMessage *msg,
                GHashTable        *form)
{
  const char *name = g_hash_table_lookup (form, "refresh_token");
  Token *token = name ? g_hash_table_lookup (self->tokens, name) : NULL;
  g_autofree char *rotated = NULL;

  if (token == NULL || !token->refresh || token->dead)
    {
      answer_json_error (msg, "invalid_grant");
      return;
    }
  if (self->rotate)
    {
      token->dead = TRUE;
      rotated = issue (self, token->user, TRUE);
    }
  answer (msg, SOUP_STATUS_OK, "application/json", token_answer (self, token->user, rotated));
}

static void
handle_token (CasellaTestOAuth2 *self,
              SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(GHashTable) form = soup_form_decode (text);
  const char *grant = g_hash_table_lookup (form, "grant_type");

  if (g_strcmp0 (g_hash_table_lookup (form, "client_id"), CASELLA_TEST_OAUTH2_CLIENT_ID) != 0)
    {
      answer_json_error (msg, "invalid_client");
      return;
    }
  count_grant (self, grant ? grant : "none");
  if (g_strcmp0 (grant, "authorization_code") == 0)
    handle_code (self, msg, form);
  else if (g_strcmp0 (grant, "refresh_token") == 0)
    handle_refresh (self, msg, form);
  else
    answer_json_error (msg, "unsupported_grant_type");
}

static Token *
token_from_form (CasellaTestOAuth2 *self,
                 SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(GHashTable) form = soup_form_decode (text);
  const char *name = g_hash_table_lookup (form, "token");

  return name ? g_hash_table_lookup (self->tokens, name) : NULL;
}

static char *
introspect_answer (CasellaTestOAuth2 *self,
                   const char        *form_text)
{
  g_autoptr(GHashTable) form = soup_form_decode (form_text);
  const char *name = g_hash_table_lookup (form, "token");
  Token *token;
  char *body;

  g_mutex_lock (&self->mutex);
  token = name ? g_hash_table_lookup (self->tokens, name) : NULL;
  if (token == NULL || token->refresh || token->dead || g_get_monotonic_time () >= token->expires_at)
    body = g_strdup ("{\"active\": \"false\"}");   /* RFC 7662 §2.2: still a 200 */
  else
    body = g_strdup_printf ("{\"active\": \"true\", \"username\": \"%s\"}", token->user);
  g_mutex_unlock (&self->mutex);
  return body;
}

/* The introspection endpoint is plain HTTP/1.0, one request per
 * connection, the whole request read before the answer: Dovecot's HTTP
 * client then never finds a half-closed keep-alive connection. */
static gboolean
on_introspect_connection (GThreadedSocketService *service,
                          GSocketConnection      *connection,
                          GObject                *source,
                          gpointer                data)
{
  CasellaTestOAuth2 *self = data;
  g_autoptr(GDataInputStream) in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autofree char *request_line = NULL;
  g_autofree char *body = NULL;
  g_autofree char *form = NULL;
  g_autofree char *response = NULL;
  guint64 length = 0;
  gsize got = 0;

  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  request_line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);

      if (line == NULL || line[0] == '\0')
        break;
      if (g_ascii_strncasecmp (line, "Content-Length:", 15) == 0)
        length = g_ascii_strtoull (line + 15, NULL, 10);
    }
  form = g_malloc0 (MIN (length, 65536) + 1);
  if (request_line == NULL || !g_str_has_prefix (request_line, "POST /introspect ") ||
      !g_input_stream_read_all (G_INPUT_STREAM (in), form, MIN (length, 65536), &got, NULL, NULL))
    return TRUE;
  body = introspect_answer (self, form);
  response = g_strdup_printf ("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                              "Connection: close\r\n\r\n%s", strlen (body), body);
  g_output_stream_write_all (out, response, strlen (response), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static void
handle (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           data)
{
  CasellaTestOAuth2 *self = data;
  const char *method = soup_server_message_get_method (msg);
  gboolean https = g_str_equal (g_uri_get_scheme (soup_server_message_get_uri (msg)), "https");

  g_mutex_lock (&self->mutex);
  if (!https)
    answer (msg, SOUP_STATUS_NOT_FOUND, "text/plain", g_strdup ("https only"));
  else if (g_str_equal (path, "/authorize") && g_str_equal (method, "GET"))
    handle_authorize (self, msg, query);
  else if (g_str_equal (path, "/consent") && g_str_equal (method, "POST"))
    handle_consent (self, msg);
  else if (g_str_equal (path, "/token") && g_str_equal (method, "POST"))
    handle_token (self, msg);
  else if (g_str_equal (path, "/revoke") && g_str_equal (method, "POST"))
    {
      Token *token = token_from_form (self, msg);

      if (token != NULL && !token->dead)
        self->revoked++;
      if (token != NULL)
        token->dead = TRUE;
      answer (msg, SOUP_STATUS_OK, "text/plain", g_strdup (""));
    }
  else
    answer (msg, SOUP_STATUS_NOT_FOUND, "text/plain", g_strdup ("not found"));
  g_mutex_unlock (&self->mutex);
}

/* ---- the server's thread ---- */

static gpointer
server_thread (gpointer data)
{
  CasellaTestOAuth2 *self = data;
  g_autoptr(SoupServer) server = NULL;
  GError *error = NULL;

  g_main_context_push_thread_default (self->context);
  server = soup_server_new ("tls-certificate", casella_test_pki_get ()->server_certificate, NULL);
  soup_server_add_handler (server, NULL, handle, self, NULL);
  self->port = casella_test_https_listen_loopback (server, SOUP_SERVER_LISTEN_HTTPS, &error);
  if (error == NULL)
    {
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
      g_autoptr(GSocketAddress) bound = NULL;

      self->introspect = g_threaded_socket_service_new (4);
      if (g_socket_listener_add_address (G_SOCKET_LISTENER (self->introspect), any_port, G_SOCKET_TYPE_STREAM,
                                         G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error))
        self->http_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
      g_signal_connect (self->introspect, "run", G_CALLBACK (on_introspect_connection), self);
      g_socket_service_start (self->introspect);
    }

  g_mutex_lock (&self->mutex);
  self->error = error;
  self->ready = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);

  if (error == NULL)
    g_main_loop_run (self->loop);
  soup_server_disconnect (server);
  g_clear_object (&server);
  if (self->introspect != NULL)
    {
      g_socket_service_stop (self->introspect);
      g_socket_listener_close (G_SOCKET_LISTENER (self->introspect));
      g_clear_object (&self->introspect);
    }
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

gboolean
casella_test_oauth2_start (CasellaTestOAuth2  *self,
                           GError            **error)
{
  casella_test_pki_get ();
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("casella-test-oauth2", server_thread, self);
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
casella_test_oauth2_free (CasellaTestOAuth2 *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->helpers->len; i++)
    g_thread_join (self->helpers->pdata[i]);
  g_ptr_array_unref (self->helpers);
  if (self->thread != NULL)
    {
      g_main_context_invoke (self->context, quit_loop, self->loop);
      g_thread_join (self->thread);
    }
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_hash_table_unref (self->requests);
  g_hash_table_unref (self->codes);
  g_hash_table_unref (self->tokens);
  g_hash_table_unref (self->grants);
  g_clear_pointer (&self->last_params, g_hash_table_unref);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self);
}

/* ---- for the tests ---- */

char *
casella_test_oauth2_get_url (CasellaTestOAuth2 *self,
                             const char        *path)
{
  return g_strdup_printf ("https://localhost:%u%s", self->port, path);
}

char *
casella_test_oauth2_get_introspect_url (CasellaTestOAuth2 *self)
{
  return g_strdup_printf ("http://127.0.0.1:%u/introspect", self->http_port);
}

char *
casella_test_oauth2_write_providers (CasellaTestOAuth2 *self,
                                     const char        *dir,
                                     const char        *mail_provider_ids)
{
  g_autofree char *authorize = casella_test_oauth2_get_url (self, "/authorize");
  g_autofree char *token = casella_test_oauth2_get_url (self, "/token");
  g_autofree char *revoke = casella_test_oauth2_get_url (self, "/revoke");
  g_autofree char *text = g_strdup_printf (
    "[testauth]\nName=Testauth\nProviders=%s;\nAuthorizeUrl=%s\nTokenUrl=%s\nRevokeUrl=%s\n"
    "Scopes-imap=mail.read;offline;\nScopes-pop3=mail.read;offline;\nScopes-smtp=mail.send;offline;\n"
    "Params=access_type=offline;\nMechanisms=OAUTHBEARER;XOAUTH2;\nAppPasswords=true\nClientId=%s\nCaFile=%s\n",
    mail_provider_ids, authorize, token, revoke, CASELLA_TEST_OAUTH2_CLIENT_ID, casella_test_pki_get ()->ca_file);
  char *path = g_build_filename (dir, "oauth2-test.ini", NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

typedef struct {
  char    *uri;
  gboolean allow;
} Consent;

char *
casella_test_oauth2_consent (const char *uri,
                             gboolean    allow,
                             gboolean    follow)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) page = soup_message_new ("GET", uri);
  g_autoptr(SoupMessage) post = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) landed = NULL;
  g_autoptr(GError) error = NULL;
  const char *marker = "name=\"request\" value=\"";
  const char *at;
  g_autofree char *id = NULL;
  g_autofree char *action = NULL;

  soup_session_set_tls_database (session, casella_test_pki_get ()->database);
  body = soup_session_send_and_read (session, page, NULL, &error);
  g_assert_no_error (error);
  at = strstr (g_bytes_get_data (body, NULL), marker);
  g_assert_nonnull (at);
  id = g_strndup (at + strlen (marker), strcspn (at + strlen (marker), "\""));
  action = g_strdup_printf ("https://localhost:%u/consent", g_uri_get_port (soup_message_get_uri (page)));
  post = soup_message_new_from_encoded_form ("POST", action,
                                             soup_form_encode ("request", id, "decision", allow ? "allow" : "deny",
                                                               NULL));
  if (!follow)
    soup_message_add_flags (post, SOUP_MESSAGE_NO_REDIRECT);
  landed = soup_session_send_and_read (session, post, NULL, &error);
  /* Followed: the app's listener answered (or had closed, for a test
   * that cancels). Not followed: where the browser would go next. */
  if (error != NULL)
    g_test_message ("the consent's redirect ended in: %s", error->message);
  if (follow)
    return NULL;
  g_assert_cmpuint (soup_message_get_status (post), ==, SOUP_STATUS_SEE_OTHER);
  return g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (post), "Location"));
}

static gpointer
consent_thread (gpointer data)
{
  Consent *consent = data;

  casella_test_oauth2_consent (consent->uri, consent->allow, TRUE);
  g_free (consent->uri);
  g_free (consent);
  return NULL;
}

void
casella_test_oauth2_consent_in_thread (CasellaTestOAuth2 *self,
                                       const char        *uri,
                                       gboolean           allow)
{
  Consent *consent = g_new0 (Consent, 1);

  consent->uri = g_strdup (uri);
  consent->allow = allow;
  g_ptr_array_add (self->helpers, g_thread_new ("casella-test-consent", consent_thread, consent));
}

void
casella_test_oauth2_revoke_user (CasellaTestOAuth2 *self,
                                 const char        *user)
{
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->tokens);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_str_equal (((Token *) value)->user, user))
      ((Token *) value)->dead = TRUE;
  g_mutex_unlock (&self->mutex);
}

void
casella_test_oauth2_expire_access (CasellaTestOAuth2 *self)
{
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->tokens);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!((Token *) value)->refresh)
      ((Token *) value)->dead = TRUE;
  g_mutex_unlock (&self->mutex);
}

guint
casella_test_oauth2_count_grants (CasellaTestOAuth2 *self,
                                  const char        *grant_type)
{
  guint n;

  g_mutex_lock (&self->mutex);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->grants, grant_type));
  g_mutex_unlock (&self->mutex);
  return n;
}

guint
casella_test_oauth2_count_revoked (CasellaTestOAuth2 *self)
{
  guint n;

  g_mutex_lock (&self->mutex);
  n = self->revoked;
  g_mutex_unlock (&self->mutex);
  return n;
}

GStrv
casella_test_oauth2_dup_tokens (CasellaTestOAuth2 *self)
{
  GStrv names;

  g_mutex_lock (&self->mutex);
  names = (GStrv) g_hash_table_get_keys_as_array (self->tokens, NULL);
  for (guint i = 0; names[i] != NULL; i++)
    names[i] = g_strdup (names[i]);
  g_mutex_unlock (&self->mutex);
  return names;
}

char *
casella_test_oauth2_dup_last_param (CasellaTestOAuth2 *self,
                                    const char        *name)
{
  char *value;

  g_mutex_lock (&self->mutex);
  value = self->last_params ? g_strdup (g_hash_table_lookup (self->last_params, name)) : NULL;
  g_mutex_unlock (&self->mutex);
  return value;
}

/* ---- the browser ---- */

static char *
browser_pids_file (void)
{
  return g_build_filename (g_get_user_runtime_dir (), "casella-test-browser.pids", NULL);
}

void
casella_test_install_browser (void)
{
  g_autofree char *apps = g_build_filename (g_get_user_data_dir (), "applications", NULL);
  g_autofree char *desktop = g_build_filename (apps, "casella-test-browser.desktop", NULL);
  g_autofree char *mimeapps = g_build_filename (g_get_user_config_dir (), "mimeapps.list", NULL);
  g_autofree char *wrapper = g_build_filename (casella_test_lib_dir (), "casella-test-browser", NULL);
  g_autofree char *entry = g_strdup_printf ("[Desktop Entry]\nType=Application\nName=Test browser\nExec=%s %%u\n"
                                            "MimeType=x-scheme-handler/http;x-scheme-handler/https;\n", wrapper);
  g_autofree char *command = g_strdup_printf (
    "sh -c \"openssl x509 -in '%s' -pubkey -noout | openssl pkey -pubin -outform der"
    " | openssl dgst -sha256 -binary | base64\"", casella_test_pki_get ()->cert_file);
  g_autofree char *spki = NULL;
  g_autofree char *pids = browser_pids_file ();
  int status = 0;

  g_mkdir_with_parents (apps, 0700);
  g_mkdir_with_parents (g_get_user_config_dir (), 0700);
  g_assert_true (g_file_set_contents (desktop, entry, -1, NULL));
  g_assert_true (g_file_set_contents (mimeapps, "[Default Applications]\n"
                                      "x-scheme-handler/http=casella-test-browser.desktop\n"
                                      "x-scheme-handler/https=casella-test-browser.desktop\n", -1, NULL));
  g_assert_true (g_spawn_command_line_sync (command, &spki, NULL, &status, NULL));
  g_assert_cmpint (status, ==, 0);
  g_setenv ("CASELLA_TEST_BROWSER_SPKI", g_strstrip (spki), TRUE);
  g_setenv ("CASELLA_TEST_BROWSER_PIDS", pids, TRUE);
}

GStrv
casella_test_browser_urls (void)
{
  g_autofree char *pids = browser_pids_file ();
  g_autofree char *path = g_strconcat (pids, ".urls", NULL);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_new0 (char *, 1);
  return g_strsplit (g_strstrip (text), "\n", -1);
}

guint
casella_test_stop_browsers (void)
{
  g_autofree char *pids = browser_pids_file ();
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  if (!g_file_get_contents (pids, &text, NULL, NULL))
    return 0;
  lines = g_strsplit (g_strstrip (text), "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      pid_t pid = (pid_t) g_ascii_strtoll (lines[i], NULL, 10);

      /* Counted whether it still runs or not: it was started. */
      if (pid > 1)
        {
          kill (pid, SIGTERM);
          n++;
        }
    }
  g_unlink (pids);
  return n;
}

/* ---- the whole world ---- */

CasellaTestOAuth2World *
casella_test_oauth2_world_new (void)
{
  CasellaTestOAuth2World *world = g_new0 (CasellaTestOAuth2World, 1);
  g_autofree char *introspect = NULL;
  g_autoptr(GError) error = NULL;

  world->server = casella_test_oauth2_new ();
  g_assert_true (casella_test_oauth2_start (world->server, &error));
  world->dir = casella_test_make_tmpdir ("casella-oauth2-world");
  world->providers = casella_test_oauth2_write_providers (world->server, world->dir, "example.test");
  world->sink = casella_test_smtp_new ();
  g_assert_true (casella_test_smtp_start (world->sink, &error));
  world->dovecot = casella_test_dovecot_new ();
  introspect = casella_test_oauth2_get_introspect_url (world->server);
  casella_test_dovecot_enable_oauth2 (world->dovecot, introspect);
  casella_test_dovecot_enable_submission (world->dovecot,
                                          casella_test_smtp_get_port (world->sink, CASELLA_TEST_SMTP_RELAY));
  casella_test_dovecot_add_config (world->dovecot,
                                   "service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}");
  g_assert_true (casella_test_dovecot_start (world->dovecot, &error));
  return world;
}

void
casella_test_oauth2_world_free (CasellaTestOAuth2World *world)
{
  if (world == NULL)
    return;
  casella_test_dovecot_free (world->dovecot);
  casella_test_smtp_free (world->sink);
  casella_test_oauth2_free (world->server);
  casella_test_rm_rf (world->dir);
  g_free (world->dir);
  g_free (world->providers);
  g_free (world);
}
