/* casella-oauth2-token.c — tokens from a provider's token endpoint
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "casella-oauth2-token.h"
#include "casella-secret.h"

/* Microsoft's access tokens run to a few KB; nothing honest is larger. */
#define MAX_TOKEN_LENGTH 16384
#define MAX_RESPONSE_SIZE (256 * 1024)

G_DEFINE_QUARK (casella-oauth2-error-quark, casella_oauth2_error)

void
casella_oauth2_tokens_free (CasellaOAuth2Tokens *tokens)
{
  if (tokens == NULL)
    return;
  casella_secret_free (tokens->access_token);
  casella_secret_free (tokens->refresh_token);
  g_free (tokens->scope);
  g_free (tokens);
}

GError *
casella_oauth2_error_from_provider (const char *code,
                                    const char *description)
{
  CasellaOAuth2Error ours = CASELLA_OAUTH2_ERROR_FAILED;

  if (code == NULL)
    code = "unknown";
  if (description == NULL)
    description = "";
  if (g_str_equal (code, "access_denied") && strstr (description, "AADSTS65001") == NULL)
    ours = CASELLA_OAUTH2_ERROR_DENIED;
  /* Google: admin_policy_enforced; Microsoft: consent_required, or
   * AADSTS65001/90094 (admin approval needed) inside the description. */
  else if (g_str_equal (code, "admin_policy_enforced") || g_str_equal (code, "consent_required") ||
           strstr (description, "AADSTS65001") != NULL || strstr (description, "AADSTS90094") != NULL)
    ours = CASELLA_OAUTH2_ERROR_ADMIN_CONSENT;
  else if (g_str_equal (code, "invalid_grant"))
    ours = CASELLA_OAUTH2_ERROR_INVALID_GRANT;
  else if (g_str_equal (code, "invalid_client") || g_str_equal (code, "unauthorized_client"))
    ours = CASELLA_OAUTH2_ERROR_CLIENT_REJECTED;
  return g_error_new (CASELLA_OAUTH2_ERROR, ours, "The provider said %s%s%s", code,
                      description[0] ? ": " : "", description);
}

/* What goes into a SASL line: visible ASCII only, of a sane length. */
static gboolean
token_is_sane (const char *token)
{
  gsize length = token != NULL ? strlen (token) : 0;

  if (length == 0 || length > MAX_TOKEN_LENGTH)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if ((guchar) token[i] < 0x20 || (guchar) token[i] > 0x7e)
      return FALSE;
  return TRUE;
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* expires_in is a number, or with some providers a string of digits. */
static gint64
member_seconds (JsonObject *object,
                const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *text;
  guint64 value = 0;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return CLAMP (json_node_get_int (node), 0, G_MAXINT32);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (gint64) CLAMP (json_node_get_double (node), 0, G_MAXINT32);
  if ((text = member_string (object, name)) != NULL &&
      g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT32, &value, NULL))
    return (gint64) value;
  return 0;
}

static GError *
bad_response (const char *why)
{
  return g_error_new (CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_BAD_RESPONSE,
                      "The provider's token answer %s", why);
}

CasellaOAuth2Tokens *
casella_oauth2_parse_token_response (guint        http_status,
                                     const char  *body,
                                     gsize        length,
                                     GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(CasellaOAuth2Tokens) tokens = NULL;
  JsonObject *object;
  const char *type, *refresh;
  gint64 expires_in;

  if (length > MAX_RESPONSE_SIZE)
    return g_propagate_error (error, bad_response ("is too large")), NULL;
  if (!json_parser_load_from_data (parser, body, (gssize) length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_propagate_error (error, http_status >= 400
                         ? g_error_new (CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_FAILED,
                                        "The provider's token endpoint failed (HTTP %u)", http_status)
                         : bad_response ("is not JSON"));
      return NULL;
    }
  object = json_node_get_object (json_parser_get_root (parser));
  if (member_string (object, "error") != NULL)
    {
      g_propagate_error (error, casella_oauth2_error_from_provider (member_string (object, "error"),
                                                                    member_string (object, "error_description")));
      return NULL;
    }
  if (http_status < 200 || http_status >= 300)
    {
      g_set_error (error, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_FAILED,
                   "The provider's token endpoint failed (HTTP %u)", http_status);
      return NULL;
    }
  if (!token_is_sane (member_string (object, "access_token")))
    return g_propagate_error (error, bad_response ("has no usable access token")), NULL;
  type = member_string (object, "token_type");
  if (type != NULL && g_ascii_strcasecmp (type, "bearer") != 0)
    return g_propagate_error (error, bad_response ("is not a bearer token")), NULL;
  refresh = member_string (object, "refresh_token");
  if (refresh != NULL && !token_is_sane (refresh))
    return g_propagate_error (error, bad_response ("has an unusable refresh token")), NULL;

  tokens = g_new0 (CasellaOAuth2Tokens, 1);
  tokens->access_token = g_strdup (member_string (object, "access_token"));
  tokens->refresh_token = g_strdup (refresh);
  tokens->scope = g_strdup (member_string (object, "scope"));
  expires_in = member_seconds (object, "expires_in");
  if (expires_in > 0)
    tokens->expires_at = g_get_real_time () + expires_in * G_USEC_PER_SEC;
  return g_steal_pointer (&tokens);
}

/* ---- requests ---- */

static SoupSession *
new_session (GTlsDatabase *tls_database)
{
  SoupSession *session = soup_session_new_with_options ("timeout", 30, "idle-timeout", 30,
                                                        "user-agent", "Casella/" PACKAGE_VERSION, NULL);

  if (tls_database != NULL)
    soup_session_set_tls_database (session, tls_database);
  return session;
}

/* At most MAX_RESPONSE_SIZE + 1 bytes: more is refused by the parser. */
static GBytes *
read_capped (GInputStream  *stream,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autofree char *buffer = g_malloc (MAX_RESPONSE_SIZE + 1);
  gsize got = 0;

  if (!g_input_stream_read_all (stream, buffer, MAX_RESPONSE_SIZE + 1, &got, cancellable, error))
    return NULL;
  return g_bytes_new_take (g_realloc (g_steal_pointer (&buffer), got + 1), got);
}

/* POSTs the form; secrets in it are wiped after. */
static CasellaOAuth2Tokens *
post_form (const char    *url,
           GHashTable    *form,
           GTlsDatabase  *tls_database,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  char *encoded;

  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "https") != 0)
    {
      g_set_error (error, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_FAILED,
                   "The provider's token endpoint is not an https:// address");
      return NULL;
    }
  session = new_session (tls_database);
  encoded = soup_form_encode_hash (form);
  message = soup_message_new_from_encoded_form ("POST", url, encoded);   /* takes encoded */
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept", "application/json");
  stream = soup_session_send (session, message, cancellable, error);
  if (stream == NULL || (body = read_capped (stream, cancellable, error)) == NULL)
    return NULL;
  return casella_oauth2_parse_token_response (soup_message_get_status (message),
                                              g_bytes_get_data (body, NULL), g_bytes_get_size (body), error);
}

static GHashTable *
client_form (const CasellaOAuth2Provider *provider,
             const char                  *grant_type)
{
  GHashTable *form = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (form, "grant_type", (char *) grant_type);
  g_hash_table_insert (form, "client_id", provider->client_id);
  if (provider->client_secret[0] != '\0')
    g_hash_table_insert (form, "client_secret", provider->client_secret);
  return form;
}

static GError *
not_configured (const CasellaOAuth2Provider *provider)
{
  return g_error_new (CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_NOT_CONFIGURED,
                      "This build of Casella has no client ID for %s", provider->name);
}

CasellaOAuth2Tokens *
casella_oauth2_exchange_code_sync (const CasellaOAuth2Provider *provider,
                                   const char                  *code,
                                   const char                  *verifier,
                                   const char                  *redirect_uri,
                                   GTlsDatabase                *tls_database,
                                   GCancellable                *cancellable,
                                   GError                     **error)
{
  g_autoptr(GHashTable) form = NULL;

  if (!casella_oauth2_provider_is_usable (provider))
    return g_propagate_error (error, not_configured (provider)), NULL;
  form = client_form (provider, "authorization_code");
  g_hash_table_insert (form, "code", (char *) code);
  g_hash_table_insert (form, "code_verifier", (char *) verifier);
  g_hash_table_insert (form, "redirect_uri", (char *) redirect_uri);
  return post_form (provider->token_url, form, tls_database ? tls_database : provider->tls_database, cancellable,
                    error);
}

CasellaOAuth2Tokens *
casella_oauth2_refresh_sync (const CasellaOAuth2Provider *provider,
                             const char                  *refresh_token,
                             GTlsDatabase                *tls_database,
                             GCancellable                *cancellable,
                             GError                     **error)
{
  g_autoptr(GHashTable) form = NULL;

  if (!casella_oauth2_provider_is_usable (provider))
    return g_propagate_error (error, not_configured (provider)), NULL;
  form = client_form (provider, "refresh_token");
  g_hash_table_insert (form, "refresh_token", (char *) refresh_token);
  return post_form (provider->token_url, form, tls_database ? tls_database : provider->tls_database, cancellable,
                    error);
}

gboolean
casella_oauth2_revoke_sync (const CasellaOAuth2Provider *provider,
                            const char                  *refresh_token,
                            GTlsDatabase                *tls_database,
                            GCancellable                *cancellable,
                            GError                     **error)
{
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);

  if (provider->revoke_url == NULL || !g_str_has_prefix (provider->revoke_url, "https://"))
    return TRUE;   /* nothing to tell; the token dies with its keyring entry */
  session = new_session (tls_database ? tls_database : provider->tls_database);
  g_hash_table_insert (form, "token", (char *) refresh_token);
  g_hash_table_insert (form, "client_id", provider->client_id);
  message = soup_message_new_from_encoded_form ("POST", provider->revoke_url, soup_form_encode_hash (form));
  body = soup_session_send_and_read (session, message, cancellable, error);
  return body != NULL;
}
