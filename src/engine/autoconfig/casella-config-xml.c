/* casella-config-xml.c — the autoconfig format (config-v1.1 XML) read
 * into settings
 *
 * What a web server sends us is not trusted: the document is bounded in
 * size and nesting, a server entry with a bad port or an unknown
 * security mode is dropped (not guessed at), and a document with no
 * usable server at all is an error. GMarkup expands no entities and
 * reads no DTDs, so there is nothing to blow up.
 *
 * Real files vary (see ispdb-quirks.md): <enable> may sit outside
 * <emailProvider>, one file says <displayNameShort>, a server may lack
 * <username>, placeholders appear in host names. All handled here or when
 * the placeholders are filled in.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-config-xml.h"

#define MAX_DEPTH 32
#define MAX_TEXT 4096

G_DEFINE_QUARK (casella-config-xml-error-quark, casella_config_xml_error)

typedef struct {
  CasellaMailConfig *config;
  GPtrArray         *stack;        /* element names, outermost first */
  GString           *text;
  GPtrArray         *domains;
  GPtrArray         *needs;
  /* the server being read */
  gboolean           in_server;
  gboolean           server_usable;
  CasellaProtocol    protocol;
  char              *host;
  char              *port;
  char              *socket_type;
  char              *username;
  GPtrArray         *auth;
  gboolean           saw_client_config;
} Reader;

static const char *
parent_name (Reader *reader,
             guint   up)
{
  guint len = reader->stack->len;

  return len > up ? reader->stack->pdata[len - 1 - up] : "";
}

static const char *
attribute (const char **names,
           const char **values,
           const char  *wanted)
{
  for (guint i = 0; names[i]; i++)
    if (g_str_equal (names[i], wanted))
      return values[i];
  return NULL;
}

static void
reset_server (Reader *reader)
{
  g_clear_pointer (&reader->host, g_free);
  g_clear_pointer (&reader->port, g_free);
  g_clear_pointer (&reader->socket_type, g_free);
  g_clear_pointer (&reader->username, g_free);
  g_ptr_array_set_size (reader->auth, 0);
  reader->in_server = FALSE;
}

static void
on_start (GMarkupParseContext  *context,
          const char           *name,
          const char          **attr_names,
          const char          **attr_values,
          gpointer              user_data,
          GError              **error)
{
  Reader *reader = user_data;
  const char *parent = parent_name (reader, 0);

  if (reader->stack->len >= MAX_DEPTH)
    {
      g_set_error (error, CASELLA_CONFIG_XML_ERROR, CASELLA_CONFIG_XML_ERROR_TOO_DEEP,
                   "Elements nested more than %d deep", MAX_DEPTH);
      return;
    }
  if (reader->stack->len == 0 && !g_str_equal (name, "clientConfig"))
    {
      g_set_error (error, CASELLA_CONFIG_XML_ERROR, CASELLA_CONFIG_XML_ERROR_NOT_AUTOCONFIG,
                   "Not an autoconfig document (it starts with <%s>)", name);
      return;
    }
  reader->saw_client_config = TRUE;
  g_ptr_array_add (reader->stack, g_strdup (name));
  g_string_truncate (reader->text, 0);

  if (g_str_equal (name, "emailProvider") && g_str_equal (parent, "clientConfig"))
    {
      const char *id = attribute (attr_names, attr_values, "id");
      if (id && reader->config->provider_id == NULL)
        reader->config->provider_id = g_strdup (id);
    }
  else if ((g_str_equal (name, "incomingServer") || g_str_equal (name, "outgoingServer")) &&
           g_str_equal (parent, "emailProvider"))
    {
      const char *type = attribute (attr_names, attr_values, "type");

      reset_server (reader);
      reader->in_server = TRUE;
      reader->server_usable = TRUE;
      if (g_strcmp0 (type, "imap") == 0 && g_str_equal (name, "incomingServer"))
        reader->protocol = CASELLA_PROTOCOL_IMAP;
      else if (g_strcmp0 (type, "pop3") == 0 && g_str_equal (name, "incomingServer"))
        reader->protocol = CASELLA_PROTOCOL_POP3;
      else if (g_strcmp0 (type, "smtp") == 0 && g_str_equal (name, "outgoingServer"))
        reader->protocol = CASELLA_PROTOCOL_SMTP;
      else
        reader->server_usable = FALSE;   /* Exchange, EWS and the like */
    }
  else if ((g_str_equal (name, "documentation") || g_str_equal (name, "instruction")) &&
           g_str_equal (parent, "emailProvider") && reader->config->documentation_url == NULL)
    reader->config->documentation_url = g_strdup (attribute (attr_names, attr_values, "url"));
  else if (g_str_equal (name, "enable") &&
           (g_str_equal (parent, "emailProvider") || g_str_equal (parent, "clientConfig")))
    {
      const char *url = attribute (attr_names, attr_values, "visiturl");
      if (url != NULL && reader->config->enable_url == NULL)
        {
          reader->config->enable_url = g_strdup (url);
          reader->config->needs |= CASELLA_NEEDS_ENABLE_ACCESS;
        }
    }
}

static void
on_text (GMarkupParseContext  *context,
         const char           *text,
         gsize                 length,
         gpointer              user_data,
         GError              **error)
{
  Reader *reader = user_data;

  if (reader->text->len + length > MAX_TEXT)
    length = MAX_TEXT > reader->text->len ? MAX_TEXT - reader->text->len : 0;
  g_string_append_len (reader->text, text, length);
}

static void
finish_server (Reader *reader)
{
  CasellaServerConfig *server;
  CasellaSecurity security;
  guint64 port;

  if (!reader->server_usable || reader->host == NULL || reader->host[0] == '\0' || reader->port == NULL ||
      !g_ascii_string_to_unsigned (reader->port, 10, 1, 65535, &port, NULL))
    return;

  if (g_strcmp0 (reader->socket_type, "SSL") == 0 || g_strcmp0 (reader->socket_type, "TLS") == 0)
    security = CASELLA_SECURITY_TLS;
  else if (g_strcmp0 (reader->socket_type, "STARTTLS") == 0)
    security = CASELLA_SECURITY_STARTTLS;
  else if (g_strcmp0 (reader->socket_type, "plain") == 0)
    security = CASELLA_SECURITY_NONE;
  else
    return;

  server = casella_server_config_new (reader->protocol, reader->host, (guint16) port, security);
  server->username = g_steal_pointer (&reader->username);
  if (reader->auth->len > 0)
    {
      g_ptr_array_add (reader->auth, NULL);
      server->auth = casella_auth_methods_from_strings ((const char * const *) reader->auth->pdata);
      g_ptr_array_remove_index (reader->auth, reader->auth->len - 1);
    }
  g_ptr_array_add (reader->protocol == CASELLA_PROTOCOL_SMTP ? reader->config->outgoing : reader->config->incoming,
                   server);
}

static void
take_text (char   **field,
           Reader  *reader)
{
  g_free (*field);
  *field = g_strstrip (g_strdup (reader->text->str));
}

static void
on_end (GMarkupParseContext  *context,
        const char           *name,
        gpointer              user_data,
        GError              **error)
{
  Reader *reader = user_data;
  const char *parent = parent_name (reader, 1);

  if (reader->in_server && (g_str_equal (parent, "incomingServer") || g_str_equal (parent, "outgoingServer")))
    {
      if (g_str_equal (name, "hostname"))
        take_text (&reader->host, reader);
      else if (g_str_equal (name, "port"))
        take_text (&reader->port, reader);
      else if (g_str_equal (name, "socketType"))
        take_text (&reader->socket_type, reader);
      else if (g_str_equal (name, "username"))
        take_text (&reader->username, reader);
      else if (g_str_equal (name, "authentication"))
        g_ptr_array_add (reader->auth, g_strstrip (g_strdup (reader->text->str)));
    }
  else if (g_str_equal (parent, "emailProvider"))
    {
      if (g_str_equal (name, "domain"))
        g_ptr_array_add (reader->domains, g_ascii_strdown (g_strstrip (reader->text->str), -1));
      else if (g_str_equal (name, "displayName"))
        take_text (&reader->config->provider_name, reader);
      else if (g_str_equal (name, "displayShortName") || g_str_equal (name, "displayNameShort"))
        take_text (&reader->config->provider_short_name, reader);
      else if (g_str_equal (name, "incomingServer") || g_str_equal (name, "outgoingServer"))
        {
          finish_server (reader);
          reset_server (reader);
        }
    }

  g_string_truncate (reader->text, 0);
  if (reader->stack->len > 0)
    g_ptr_array_remove_index (reader->stack, reader->stack->len - 1);
}

static void
reader_clear (Reader *reader)
{
  reset_server (reader);
  g_ptr_array_unref (reader->stack);
  g_ptr_array_unref (reader->domains);
  g_ptr_array_unref (reader->needs);
  g_ptr_array_unref (reader->auth);
  g_string_free (reader->text, TRUE);
}

CasellaMailConfig *
casella_config_xml_parse (const char           *data,
                          gsize                 length,
                          CasellaConfigSource   source,
                          GError              **error)
{
  static const GMarkupParser parser = { on_start, on_end, on_text, NULL, NULL };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(CasellaMailConfig) config = NULL;
  Reader reader = { 0 };
  gboolean ok;

  if (length > CASELLA_CONFIG_XML_MAX_SIZE)
    {
      g_set_error (error, CASELLA_CONFIG_XML_ERROR, CASELLA_CONFIG_XML_ERROR_TOO_LARGE,
                   "The settings file is too large (%" G_GSIZE_FORMAT " bytes)", length);
      return NULL;
    }

  /* A UTF-8 byte order mark is not XML to GMarkup. */
  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    data += 3, length -= 3;

  config = casella_mail_config_new (source);
  reader.config = config;
  reader.stack = g_ptr_array_new_with_free_func (g_free);
  reader.domains = g_ptr_array_new_with_free_func (g_free);
  reader.needs = g_ptr_array_new ();
  reader.auth = g_ptr_array_new_with_free_func (g_free);
  reader.text = g_string_new (NULL);

  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &reader, NULL);
  ok = g_markup_parse_context_parse (context, data, length, error) &&
       g_markup_parse_context_end_parse (context, error);

  if (ok)
    {
      g_ptr_array_add (reader.domains, NULL);
      config->provider_domains = g_strdupv ((char **) reader.domains->pdata);
    }
  reader_clear (&reader);

  if (!ok)
    {
      if (error && *error && (*error)->domain == G_MARKUP_ERROR)
        {
          GError *wrapped = g_error_new (CASELLA_CONFIG_XML_ERROR, CASELLA_CONFIG_XML_ERROR_MALFORMED,
                                         "The settings file is not valid XML: %s", (*error)->message);
          g_clear_error (error);
          g_propagate_error (error, wrapped);
        }
      return NULL;
    }

  if (config->incoming->len == 0 && config->outgoing->len == 0)
    {
      g_set_error (error, CASELLA_CONFIG_XML_ERROR, CASELLA_CONFIG_XML_ERROR_NO_SERVERS,
                   "The settings file names no usable mail server");
      return NULL;
    }

  /* Only OAuth2 sign-in offered anywhere: a password will not do. */
  {
    gboolean any_password = FALSE, any_oauth = FALSE;
    GPtrArray *lists[] = { config->incoming, config->outgoing };

    for (guint l = 0; l < 2; l++)
      for (guint i = 0; i < lists[l]->len; i++)
        {
          CasellaServerConfig *server = lists[l]->pdata[i];
          any_oauth |= (server->auth & CASELLA_AUTH_OAUTH2) != 0;
          any_password |= (server->auth & ~CASELLA_AUTH_OAUTH2) != 0;
        }
    if (any_oauth && !any_password)
      config->needs |= CASELLA_NEEDS_OAUTH2_ONLY;
  }

  if (config->provider_name == NULL)
    config->provider_name = g_strdup (config->provider_id);
  return g_steal_pointer (&config);
}
