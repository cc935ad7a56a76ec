/* casella-autodetect-sources.c — where settings can come from
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-autodetect-private.h"
#include "casella-config-xml.h"
#include "casella-engine-util.h"
#include "casella-imap-client.h"
#include "casella-mail-error.h"
#include "casella-pop3-client.h"
#include "casella-provider-db.h"
#include "casella-smtp-client.h"

#define MAX_REDIRECTS 3

static GPtrArray *
configs_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) casella_mail_config_unref);
}

/* ---- our own database ---- */

void
casella_source_bundled_start (CasellaAutodetect *self,
                              GCancellable      *cancellable)
{
  CasellaProviderDb *db = casella_provider_db_get_default ();
  const char *address = casella_autodetect_get_address (self);
  g_autofree char *typed = casella_address_get_domain (address);
  g_autoptr(CasellaMailConfig) templ = casella_provider_db_lookup (db, casella_autodetect_get_domain (self));
  g_autoptr(GPtrArray) configs = configs_new ();

  if (templ == NULL)
    templ = casella_provider_db_lookup (db, typed);
  if (templ != NULL)
    g_ptr_array_add (configs, casella_mail_config_resolve (templ, address));
  casella_autodetect_source_done (self, CASELLA_SOURCE_BUNDLED, configs,
                                  templ ? templ->provenance : "not in the database", NULL);
}

/* ---- fetching config-v1.1 over HTTP(S) ---- */

typedef struct {
  char                *url;
  CasellaConfigSource  source;
  guint                redirects;
  GCancellable        *cancellable;   /* the caller's, plus the request timeout */
  guint                timeout_id;
  gboolean             timed_out;
  gboolean             not_found;     /* HTTP 404 or 410: no file there */
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_clear_handle_id (&fetch->timeout_id, casella_source_remove);
  g_free (fetch->url);
  g_clear_object (&fetch->cancellable);
  g_free (fetch);
}

static gboolean
fetch_timed_out (gpointer data)
{
  Fetch *fetch = data;

  fetch->timeout_id = 0;
  fetch->timed_out = TRUE;
  g_cancellable_cancel (fetch->cancellable);
  return G_SOURCE_REMOVE;
}

static gboolean
host_in_domain (const char *host,
                const char *domain)
{
  gsize hl = strlen (host), dl = strlen (domain);

  return hl >= dl && g_ascii_strcasecmp (host + hl - dl, domain) == 0 && (hl == dl || host[hl - dl - 1] == '.');
}

static void fetch_send (GTask *task);

static void
fetch_fail (GTask      *task,
            const char *format,
            ...) G_GNUC_PRINTF (2, 3);

static void
fetch_fail (GTask      *task,
            const char *format,
            ...)
{
  Fetch *fetch = g_task_get_task_data (task);
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_task_return_new_error (task, G_IO_ERROR, fetch->not_found ? G_IO_ERROR_NOT_FOUND : G_IO_ERROR_FAILED, "%s: %s",
                           fetch->url, message);
  g_object_unref (task);
}

static void
on_body_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  CasellaAutodetect *self = g_task_get_source_object (task);
  Fetch *fetch = g_task_get_task_data (task);
  GMemoryOutputStream *sink = G_MEMORY_OUTPUT_STREAM (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaMailConfig) templ = NULL;

  if (g_output_stream_splice_finish (G_OUTPUT_STREAM (source), result, &error) < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
        fetch_fail (task, "larger than %d bytes, not read", CASELLA_CONFIG_XML_MAX_SIZE);
      else
        fetch_fail (task, "%s", fetch->timed_out ? "no answer in time" : error->message);
      return;
    }

  templ = casella_config_xml_parse (g_memory_output_stream_get_data (sink),
                                    g_memory_output_stream_get_data_size (sink), fetch->source, &error);
  if (templ == NULL)
    {
      fetch_fail (task, "%s", error->message);
      return;
    }
  g_free (templ->provenance);
  templ->provenance = g_strdup (fetch->url);
  g_task_return_pointer (task, casella_mail_config_resolve (templ, casella_autodetect_get_address (self)),
                         (GDestroyNotify) casella_mail_config_unref);
  g_object_unref (task);
}

/* Redirects are followed only over HTTPS and within the address's
 * domain: settings from anywhere else would not be the provider's. */
static gboolean
follow_redirect (GTask       *task,
                 SoupMessage *message)
{
  CasellaAutodetect *self = g_task_get_source_object (task);
  Fetch *fetch = g_task_get_task_data (task);
  const char *location = soup_message_headers_get_one (soup_message_get_response_headers (message), "Location");
  g_autoptr(GUri) target = NULL;

  if (location == NULL)
    return FALSE;
  target = g_uri_parse_relative (soup_message_get_uri (message), location, SOUP_HTTP_URI_FLAGS, NULL);
  if (target == NULL || g_strcmp0 (g_uri_get_scheme (target), "https") != 0 ||
      fetch->source == CASELLA_SOURCE_HTTP ||
      !host_in_domain (g_uri_get_host (target), casella_autodetect_get_domain (self)) ||
      ++fetch->redirects > MAX_REDIRECTS)
    {
      fetch_fail (task, "redirected to %s, which is not followed (another domain, or not HTTPS)", location);
      return TRUE;
    }
  g_free (fetch->url);
  fetch->url = g_uri_to_string (target);
  fetch_send (task);
  return TRUE;
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GInputStream) body = NULL;
  g_autoptr(GOutputStream) sink = NULL;
  g_autoptr(GError) error = NULL;
  guint status;

  body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (body == NULL)
    {
      fetch_fail (task, "%s", fetch->timed_out ? "no answer in time" : error->message);
      return;
    }
  status = soup_message_get_status (message);
  if (SOUP_STATUS_IS_REDIRECTION (status) && follow_redirect (task, message))
    return;
  if (status != SOUP_STATUS_OK)
    {
      fetch->not_found = status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE;
      fetch_fail (task, "HTTP %u", status);
      return;
    }

  /* A fixed-size sink: a body larger than the limit fails, unread. */
  sink = g_memory_output_stream_new (g_malloc (CASELLA_CONFIG_XML_MAX_SIZE + 1),
                                     CASELLA_CONFIG_XML_MAX_SIZE + 1, NULL, g_free);
  g_output_stream_splice_async (sink, body, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, fetch->cancellable, on_body_read, task);
}

static void
fetch_send (GTask *task)
{
  CasellaAutodetect *self = g_task_get_source_object (task);
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", fetch->url);

  if (message == NULL)
    {
      fetch_fail (task, "not a valid address");
      return;
    }
  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  soup_session_send_async (casella_autodetect_get_session (self), message, G_PRIORITY_DEFAULT,
                           fetch->cancellable, on_sent, task);
}

static void
on_parent_cancelled (GCancellable *parent,
                     GCancellable *child)
{
  g_cancellable_cancel (child);
}

void
casella_autodetect_fetch_async (CasellaAutodetect    *self,
                                const char           *url,
                                CasellaConfigSource   source,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Fetch *fetch = g_new0 (Fetch, 1);

  g_task_set_source_tag (task, casella_autodetect_fetch_async);
  fetch->url = g_strdup (url);
  fetch->source = source;
  fetch->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    g_cancellable_connect (cancellable, G_CALLBACK (on_parent_cancelled), g_object_ref (fetch->cancellable),
                           g_object_unref);
  fetch->timeout_id = casella_timeout_add (casella_autodetect_get_options (self)->request_timeout_ms,
                                           fetch_timed_out, fetch);
  g_task_set_task_data (task, fetch, (GDestroyNotify) fetch_free);
  fetch_send (task);
}

CasellaMailConfig *
casella_autodetect_fetch_finish (CasellaAutodetect  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static char *
web_url (CasellaAutodetect *self,
         const char        *scheme,
         const char        *host,
         const char        *path)
{
  const CasellaAutodetectOptions *options = casella_autodetect_get_options (self);
  guint16 port = g_str_equal (scheme, "https") ? options->https_port : options->http_port;
  guint16 standard = g_str_equal (scheme, "https") ? 443 : 80;

  if (port == standard)
    return g_strdup_printf ("%s://%s%s", scheme, host, path);
  return g_strdup_printf ("%s://%s:%u%s", scheme, host, port, path);
}

/* ---- one-URL sources: the ISPDB and plain HTTP ---- */

typedef struct {
  CasellaAutodetect   *self;
  CasellaConfigSource  source;
  char                *url;
} OneFetch;

static void
on_one_fetched (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  OneFetch *one = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaMailConfig) config = casella_autodetect_fetch_finish (one->self, result, &error);
  g_autoptr(GPtrArray) configs = configs_new ();

  if (config != NULL)
    g_ptr_array_add (configs, g_steal_pointer (&config));
  casella_autodetect_source_done (one->self, one->source, configs, one->url, error);
  g_object_unref (one->self);
  g_free (one->url);
  g_free (one);
}

static void
fetch_one (CasellaAutodetect   *self,
           CasellaConfigSource  source,
           char                *url,
           GCancellable        *cancellable)
{
  OneFetch *one = g_new0 (OneFetch, 1);

  one->self = g_object_ref (self);
  one->source = source;
  one->url = url;
  casella_autodetect_fetch_async (self, url, source, cancellable, on_one_fetched, one);
}

void
casella_source_ispdb_start (CasellaAutodetect *self,
                            GCancellable      *cancellable)
{
  const char *base = casella_autodetect_get_options (self)->ispdb_base_url;

  if (base == NULL || base[0] == '\0')
    {
      casella_autodetect_source_done (self, CASELLA_SOURCE_ISPDB, NULL, "no central database set", NULL);
      return;
    }
  fetch_one (self, CASELLA_SOURCE_ISPDB, g_strconcat (base, casella_autodetect_get_domain (self), NULL), cancellable);
}

/* Last resort, and untrusted: anyone on the way could change it. The
 * address is not in the URL, so it does not travel in plaintext. */
void
casella_source_http_start (CasellaAutodetect *self,
                           GCancellable      *cancellable)
{
  g_autofree char *host = g_strconcat ("autoconfig.", casella_autodetect_get_domain (self), NULL);

  fetch_one (self, CASELLA_SOURCE_HTTP, web_url (self, "http", host, "/mail/config-v1.1.xml"), cancellable);
}

/* ---- the provider's own HTTPS autoconfig ---- */

/* Two places, autoconfig.<domain> preferred: its answer is final the
 * moment it comes, however long the other lookup would still take. */
typedef struct {
  CasellaAutodetect *self;
  GCancellable      *cancellable;   /* ends the other lookup once one is final */
  gboolean           reported;
  guint              pending;
  gboolean           finished[2];
  CasellaMailConfig *results[2];    /* autoconfig.<domain>, then .well-known */
  char              *urls[2];
  GError            *errors[2];
} Autoconfig;

typedef struct {
  Autoconfig *ac;
  guint       index;
} AutoconfigPart;

static void
autoconfig_free (Autoconfig *ac)
{
  for (guint i = 0; i < 2; i++)
    {
      g_clear_pointer (&ac->results[i], casella_mail_config_unref);
      g_free (ac->urls[i]);
      g_clear_error (&ac->errors[i]);
    }
  g_object_unref (ac->cancellable);
  g_object_unref (ac->self);
  g_free (ac);
}

static gboolean
autoconfig_is_final (Autoconfig *ac)
{
  return ac->results[0] != NULL || (ac->finished[0] && ac->results[1] != NULL) || ac->pending == 0;
}

/* What went wrong, the same whichever lookup ended first: the preferred
 * place's, unless it simply has no file and the other says more (a
 * redirect refused, a certificate). */
static const GError *
autoconfig_error (Autoconfig *ac)
{
  if (ac->errors[0] == NULL || (g_error_matches (ac->errors[0], G_IO_ERROR, G_IO_ERROR_NOT_FOUND) &&
                                ac->errors[1] != NULL &&
                                !g_error_matches (ac->errors[1], G_IO_ERROR, G_IO_ERROR_NOT_FOUND)))
    return ac->errors[1];
  return ac->errors[0];
}

static void
autoconfig_report (Autoconfig *ac)
{
  g_autoptr(GPtrArray) configs = configs_new ();
  g_autofree char *detail = g_strjoin (" ", ac->urls[0], ac->urls[1], NULL);

  for (guint i = 0; i < 2; i++)
    if (ac->results[i] != NULL)
      g_ptr_array_add (configs, g_steal_pointer (&ac->results[i]));
  ac->reported = TRUE;
  casella_autodetect_source_done (ac->self, CASELLA_SOURCE_AUTOCONFIG, configs,
                                  configs->len ? ((CasellaMailConfig *) configs->pdata[0])->provenance : detail,
                                  configs->len ? NULL : autoconfig_error (ac));
  g_cancellable_cancel (ac->cancellable);
}

static void
on_autoconfig_fetched (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  AutoconfigPart *part = user_data;
  Autoconfig *ac = part->ac;
  g_autoptr(GError) error = NULL;

  ac->results[part->index] = casella_autodetect_fetch_finish (ac->self, result, &error);
  ac->finished[part->index] = TRUE;
  ac->pending--;
  if (!ac->reported)
    ac->errors[part->index] = g_steal_pointer (&error);
  g_free (part);

  if (!ac->reported && autoconfig_is_final (ac))
    autoconfig_report (ac);
  if (ac->pending == 0)
    autoconfig_free (ac);
}

void
casella_source_autoconfig_start (CasellaAutodetect *self,
                                 GCancellable      *cancellable)
{
  Autoconfig *ac = g_new0 (Autoconfig, 1);
  const char *domain = casella_autodetect_get_domain (self);
  g_autofree char *escaped = g_uri_escape_string (casella_autodetect_get_address (self), NULL, FALSE);
  g_autofree char *host = g_strconcat ("autoconfig.", domain, NULL);
  g_autofree char *path = g_strconcat ("/mail/config-v1.1.xml?emailaddress=", escaped, NULL);

  ac->self = g_object_ref (self);
  ac->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    g_cancellable_connect (cancellable, G_CALLBACK (on_parent_cancelled), g_object_ref (ac->cancellable),
                           g_object_unref);
  ac->pending = 2;
  ac->urls[0] = web_url (self, "https", host, path);
  ac->urls[1] = web_url (self, "https", domain, "/.well-known/autoconfig/mail/config-v1.1.xml");
  for (guint i = 0; i < 2; i++)
    {
      AutoconfigPart *part = g_new0 (AutoconfigPart, 1);

      part->ac = ac;
      part->index = i;
      casella_autodetect_fetch_async (self, ac->urls[i], CASELLA_SOURCE_AUTOCONFIG, ac->cancellable,
                                      on_autoconfig_fetched, part);
    }
}

/* ---- a cancellable that also fires after a timeout ---- */

typedef struct {
  GCancellable *cancellable;
  guint         timeout_id;
} Timed;

static gboolean
timed_expired (gpointer data)
{
  Timed *timed = data;

  timed->timeout_id = 0;
  g_cancellable_cancel (timed->cancellable);
  return G_SOURCE_REMOVE;
}

static void
timed_free (Timed *timed)
{
  g_clear_handle_id (&timed->timeout_id, casella_source_remove);
  g_free (timed);
}

/* Cancelled by parent, or by itself after ms. */
static GCancellable *
timed_cancellable_new (GCancellable *parent,
                       guint         ms)
{
  Timed *timed = g_new0 (Timed, 1);
  GCancellable *cancellable = g_cancellable_new ();

  timed->cancellable = cancellable;
  timed->timeout_id = casella_timeout_add (ms, timed_expired, timed);
  g_object_set_data_full (G_OBJECT (cancellable), "casella-timed", timed, (GDestroyNotify) timed_free);
  if (parent != NULL)
    g_cancellable_connect (parent, G_CALLBACK (on_parent_cancelled), g_object_ref (cancellable), g_object_unref);
  return cancellable;
}

/* ---- MX: whose servers receive this domain's mail ---- */

typedef struct {
  CasellaAutodetect *self;
  GCancellable      *cancellable;
  char              *mx_host;
  GPtrArray         *candidates;   /* provider domains to try, best first */
  guint              next;
  gboolean           asking_hosts;  /* the ISPDB knew none: each one's own autoconfig host */
} Mx;

static void
mx_free (Mx *mx)
{
  g_object_unref (mx->self);
  g_clear_object (&mx->cancellable);
  g_free (mx->mx_host);
  g_clear_pointer (&mx->candidates, g_ptr_array_unref);
  g_free (mx);
}

static void
mx_done (Mx           *mx,
         GPtrArray    *configs,
         const char   *detail,
         const GError *error)
{
  casella_autodetect_source_done (mx->self, CASELLA_SOURCE_MX, configs, detail, error);
  mx_free (mx);
}

/* The provider said where its servers are; DNS said the domain is theirs. */
static void
mx_found (Mx                *mx,
          CasellaMailConfig *config,
          const char        *via)
{
  g_autoptr(GPtrArray) configs = configs_new ();
  g_autofree char *detail = g_strdup_printf ("MX %s → %s", mx->mx_host, via);

  config->source = CASELLA_SOURCE_MX;
  config->trust = CASELLA_TRUST_DNS;
  g_free (config->provenance);
  config->provenance = g_strdup (detail);
  g_ptr_array_add (configs, config);
  mx_done (mx, configs, detail, NULL);
}

static void mx_try_next (Mx *mx);

static void
on_mx_fetched (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Mx *mx = user_data;
  CasellaMailConfig *config = casella_autodetect_fetch_finish (mx->self, result, NULL);

  if (config != NULL)
    {
      g_autofree char *via = g_strdup (config->provenance);
      mx_found (mx, config, via);
      return;
    }
  mx_try_next (mx);
}

/* Each candidate in the central database first, then, for a hosting
 * company it does not know, the company's own autoconfig host: the
 * user's address is not sent there, it is not the user's domain. */
static void
mx_try_next (Mx *mx)
{
  const char *base = casella_autodetect_get_options (mx->self)->ispdb_base_url;
  gboolean have_ispdb = base != NULL && base[0] != '\0';
  g_autofree char *url = NULL;

  if (!mx->asking_hosts && (!have_ispdb || mx->next >= mx->candidates->len))
    {
      mx->asking_hosts = TRUE;
      mx->next = 0;
    }
  if (mx->next >= mx->candidates->len)
    {
      g_autofree char *detail = g_strdup_printf ("MX %s: no known provider", mx->mx_host);
      mx_done (mx, NULL, detail, NULL);
      return;
    }
  if (mx->asking_hosts)
    {
      g_autofree char *host = g_strconcat ("autoconfig.", mx->candidates->pdata[mx->next++], NULL);
      url = web_url (mx->self, "https", host, "/mail/config-v1.1.xml");
    }
  else
    url = g_strconcat (base, mx->candidates->pdata[mx->next++], NULL);
  casella_autodetect_fetch_async (mx->self, url, CASELLA_SOURCE_MX, mx->cancellable, on_mx_fetched, mx);
}

static void
add_candidate (GPtrArray  *candidates,
               const char *domain,
               const char *own)
{
  if (domain == NULL || strchr (domain, '.') == NULL || g_ascii_strcasecmp (domain, own) == 0)
    return;
  for (guint i = 0; i < candidates->len; i++)
    if (g_ascii_strcasecmp (candidates->pdata[i], domain) == 0)
      return;
  g_ptr_array_add (candidates, g_ascii_strdown (domain, -1));
}

static void
on_mx_records (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Mx *mx = user_data;
  g_autoptr(GError) error = NULL;
  GList *records = g_resolver_lookup_records_finish (G_RESOLVER (source), result, &error);
  const char *domain = casella_autodetect_get_domain (mx->self);
  CasellaProviderDb *db = casella_provider_db_get_default ();
  guint16 best = G_MAXUINT16;
  const char *base;

  if (records == NULL)
    {
      mx_done (mx, NULL, NULL, error);
      return;
    }
  for (GList *l = records; l; l = l->next)
    {
      guint16 preference;
      const char *host;

      g_variant_get (l->data, "(q&s)", &preference, &host);
      if (preference < best || mx->mx_host == NULL)
        {
          best = preference;
          g_free (mx->mx_host);
          mx->mx_host = g_ascii_strdown (host, -1);
        }
    }
  g_list_free_full (records, (GDestroyNotify) g_variant_unref);
  if (g_str_has_suffix (mx->mx_host, "."))
    mx->mx_host[strlen (mx->mx_host) - 1] = '\0';

  /* The host minus its first label first (it tells Outlook.com from
   * Microsoft 365), then its registrable domain. */
  mx->candidates = g_ptr_array_new_with_free_func (g_free);
  if (strchr (mx->mx_host, '.'))
    add_candidate (mx->candidates, strchr (mx->mx_host, '.') + 1, domain);
  base = soup_tld_get_base_domain (mx->mx_host, NULL);
  add_candidate (mx->candidates, base, domain);

  for (guint i = 0; i < mx->candidates->len; i++)
    {
      g_autoptr(CasellaMailConfig) templ = casella_provider_db_lookup (db, mx->candidates->pdata[i]);
      if (templ != NULL)
        {
          g_autofree char *via = g_strdup_printf ("%s (Casella provider database)", templ->provider_id);
          mx_found (mx, casella_mail_config_resolve (templ, casella_autodetect_get_address (mx->self)), via);
          return;
        }
    }
  mx_try_next (mx);
}

void
casella_source_mx_start (CasellaAutodetect *self,
                         GCancellable      *cancellable)
{
  Mx *mx = g_new0 (Mx, 1);
  g_autoptr(GResolver) resolver = g_resolver_get_default ();
  g_autoptr(GCancellable) lookup = timed_cancellable_new (cancellable,
                                                          casella_autodetect_get_options (self)->request_timeout_ms);

  mx->self = g_object_ref (self);
  mx->cancellable = g_object_ref (cancellable);
  g_resolver_lookup_records_async (resolver, casella_autodetect_get_domain (self), G_RESOLVER_RECORD_MX,
                                   lookup, on_mx_records, mx);
}

/* ---- SRV (RFC 6186, RFC 8314) ---- */

static const struct {
  const char      *service;
  CasellaProtocol  protocol;
  CasellaSecurity  security;
} srv_services[] = {
  /* In order of preference: implicit TLS first (RFC 8314). */
  { "imaps", CASELLA_PROTOCOL_IMAP, CASELLA_SECURITY_TLS },
  { "imap", CASELLA_PROTOCOL_IMAP, CASELLA_SECURITY_STARTTLS },
  { "pop3s", CASELLA_PROTOCOL_POP3, CASELLA_SECURITY_TLS },
  { "pop3", CASELLA_PROTOCOL_POP3, CASELLA_SECURITY_STARTTLS },
  { "submissions", CASELLA_PROTOCOL_SMTP, CASELLA_SECURITY_TLS },
  { "submission", CASELLA_PROTOCOL_SMTP, CASELLA_SECURITY_STARTTLS },
};

typedef struct {
  CasellaAutodetect   *self;
  guint                pending;
  CasellaServerConfig *found[G_N_ELEMENTS (srv_services)];
} Srv;

typedef struct {
  Srv   *srv;
  guint  index;
} SrvPart;

static void
srv_finish (Srv *srv)
{
  g_autoptr(CasellaMailConfig) config = casella_mail_config_new (CASELLA_SOURCE_SRV);
  g_autoptr(GPtrArray) configs = configs_new ();
  GString *detail = g_string_new (NULL);
  gboolean have_imap = FALSE, have_pop3 = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (srv_services); i++)
    {
      CasellaServerConfig *server = g_steal_pointer (&srv->found[i]);
      gboolean *seen = server && server->protocol == CASELLA_PROTOCOL_IMAP ? &have_imap
                       : server && server->protocol == CASELLA_PROTOCOL_POP3 ? &have_pop3 : NULL;

      if (server == NULL)
        continue;
      g_string_append_printf (detail, "%s_%s._tcp → %s:%u", detail->len ? ", " : "",
                              srv_services[i].service, server->host, server->port);
      /* One per protocol: the better (TLS) record wins. */
      if ((seen && *seen) || (server->protocol == CASELLA_PROTOCOL_SMTP && config->outgoing->len > 0))
        {
          casella_server_config_free (server);
          continue;
        }
      if (seen)
        *seen = TRUE;
      g_ptr_array_add (server->protocol == CASELLA_PROTOCOL_SMTP ? config->outgoing : config->incoming, server);
    }
  config->provenance = g_strdup (detail->str);
  config->provider_name = g_strdup (casella_autodetect_get_domain (srv->self));
  g_ptr_array_add (configs, g_steal_pointer (&config));
  casella_autodetect_source_done (srv->self, CASELLA_SOURCE_SRV, configs,
                                  detail->len ? detail->str : "no SRV records", NULL);
  g_string_free (detail, TRUE);
  g_object_unref (srv->self);
  g_free (srv);
}

static void
on_srv (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  SrvPart *part = user_data;
  Srv *srv = part->srv;
  GList *targets = g_resolver_lookup_service_finish (G_RESOLVER (source), result, NULL);

  /* A target of "." says the service is not offered (RFC 2782). */
  if (targets != NULL && g_strcmp0 (g_srv_target_get_hostname (targets->data), ".") != 0 &&
      g_srv_target_get_port (targets->data) != 0)
    {
      CasellaServerConfig *server = casella_server_config_new (srv_services[part->index].protocol,
                                                               g_srv_target_get_hostname (targets->data),
                                                               g_srv_target_get_port (targets->data),
                                                               srv_services[part->index].security);
      if (g_str_has_suffix (server->host, "."))
        server->host[strlen (server->host) - 1] = '\0';
      /* RFC 6186: the user name is the address. */
      server->username = g_strdup (casella_autodetect_get_address (srv->self));
      srv->found[part->index] = server;
    }
  g_resolver_free_targets (targets);
  g_free (part);
  if (--srv->pending == 0)
    srv_finish (srv);
}

void
casella_source_srv_start (CasellaAutodetect *self,
                          GCancellable      *cancellable)
{
  Srv *srv = g_new0 (Srv, 1);
  g_autoptr(GResolver) resolver = g_resolver_get_default ();
  g_autoptr(GCancellable) lookup = timed_cancellable_new (cancellable,
                                                          casella_autodetect_get_options (self)->request_timeout_ms);

  srv->self = g_object_ref (self);
  srv->pending = G_N_ELEMENTS (srv_services);
  for (guint i = 0; i < G_N_ELEMENTS (srv_services); i++)
    {
      SrvPart *part = g_new0 (SrvPart, 1);

      part->srv = srv;
      part->index = i;
      g_resolver_lookup_service_async (resolver, srv_services[i].service, "tcp",
                                       casella_autodetect_get_domain (self), lookup, on_srv, part);
    }
}

/* ---- probing the usual names with real TLS ---- */

typedef struct {
  CasellaProtocol protocol;
  const char     *prefix;      /* "imap." … "" for the bare domain */
  int             port_index;  /* into options->probe_ports */
  CasellaSecurity security;
} ProbeSpec;

/* In order of preference: implicit TLS first, then STARTTLS; for each,
 * the protocol's own name, then mail., then the bare domain. */
static const ProbeSpec probe_specs[] = {
  { CASELLA_PROTOCOL_IMAP, "imap.", CASELLA_PROBE_IMAPS, CASELLA_SECURITY_TLS },
  { CASELLA_PROTOCOL_IMAP, "mail.", CASELLA_PROBE_IMAPS, CASELLA_SECURITY_TLS },
  { CASELLA_PROTOCOL_IMAP, "", CASELLA_PROBE_IMAPS, CASELLA_SECURITY_TLS },
  { CASELLA_PROTOCOL_IMAP, "imap.", CASELLA_PROBE_IMAP, CASELLA_SECURITY_STARTTLS },
  { CASELLA_PROTOCOL_IMAP, "mail.", CASELLA_PROBE_IMAP, CASELLA_SECURITY_STARTTLS },
  { CASELLA_PROTOCOL_IMAP, "", CASELLA_PROBE_IMAP, CASELLA_SECURITY_STARTTLS },
  { CASELLA_PROTOCOL_POP3, "pop.", CASELLA_PROBE_POP3S, CASELLA_SECURITY_TLS },
  { CASELLA_PROTOCOL_POP3, "pop3.", CASELLA_PROBE_POP3S, CASELLA_SECURITY_TLS },
  { CASELLA_PROTOCOL_POP3, "mail.", CASELLA_PROBE_POP3S, CASELLA_SECURITY_TLS },
  { CASELLA_PROTOCOL_POP3, "", CASELLA_PROBE_POP3S, CASELLA_SECURITY_TLS },
  { CASELLA_PROTOCOL_POP3, "pop.", CASELLA_PROBE_POP3, CASELLA_SECURITY_STARTTLS },
  { CASELLA_PROTOCOL_POP3, "pop3.", CASELLA_PROBE_POP3, CASELLA_SECURITY_STARTTLS },
  { CASELLA_PROTOCOL_POP3, "mail.", CASELLA_PROBE_POP3, CASELLA_SECURITY_STARTTLS },
  { CASELLA_PROTOCOL_POP3, "", CASELLA_PROBE_POP3, CASELLA_SECURITY_STARTTLS },
  { CASELLA_PROTOCOL_SMTP, "smtp.", CASELLA_PROBE_SMTPS, CASELLA_SECURITY_TLS },
  { CASELLA_PROTOCOL_SMTP, "mail.", CASELLA_PROBE_SMTPS, CASELLA_SECURITY_TLS },
  { CASELLA_PROTOCOL_SMTP, "", CASELLA_PROBE_SMTPS, CASELLA_SECURITY_TLS },
  { CASELLA_PROTOCOL_SMTP, "smtp.", CASELLA_PROBE_SUBMISSION, CASELLA_SECURITY_STARTTLS },
  { CASELLA_PROTOCOL_SMTP, "mail.", CASELLA_PROBE_SUBMISSION, CASELLA_SECURITY_STARTTLS },
  { CASELLA_PROTOCOL_SMTP, "", CASELLA_PROBE_SUBMISSION, CASELLA_SECURITY_STARTTLS },
};

typedef struct {
  CasellaAutodetect   *self;
  guint                pending;
  CasellaServerConfig *answered[G_N_ELEMENTS (probe_specs)];
  GString             *refused;   /* what failed after connecting (certificates…) */
} Probe;

typedef struct {
  Probe   *probe;
  guint    index;
  GObject *client;
} ProbeOne;

static void
probe_finish (Probe *probe)
{
  g_autoptr(CasellaMailConfig) config = casella_mail_config_new (CASELLA_SOURCE_PROBE);
  g_autoptr(GPtrArray) configs = configs_new ();
  GString *detail = g_string_new (NULL);
  gboolean have[3] = { FALSE, FALSE, FALSE };

  for (guint i = 0; i < G_N_ELEMENTS (probe_specs); i++)
    {
      CasellaServerConfig *server = g_steal_pointer (&probe->answered[i]);

      if (server == NULL)
        continue;
      if (have[server->protocol])
        {
          casella_server_config_free (server);
          continue;
        }
      have[server->protocol] = TRUE;
      g_string_append_printf (detail, "%s%s %s:%u (%s)", detail->len ? ", " : "",
                              casella_protocol_to_string (server->protocol), server->host, server->port,
                              casella_security_to_string (server->security));
      g_ptr_array_add (server->protocol == CASELLA_PROTOCOL_SMTP ? config->outgoing : config->incoming, server);
    }
  if (probe->refused->len > 0)
    g_string_append_printf (detail, "%s%s", detail->len ? "; " : "", probe->refused->str);

  /* IMAP before POP3, whatever order they answered in. */
  if (config->incoming->len == 2 &&
      ((CasellaServerConfig *) config->incoming->pdata[0])->protocol == CASELLA_PROTOCOL_POP3)
    {
      gpointer first = config->incoming->pdata[0];
      config->incoming->pdata[0] = config->incoming->pdata[1];
      config->incoming->pdata[1] = first;
    }
  config->provenance = g_strdup (detail->str);
  config->provider_name = g_strdup (casella_autodetect_get_domain (probe->self));
  g_ptr_array_add (configs, g_steal_pointer (&config));
  casella_autodetect_source_done (probe->self, CASELLA_SOURCE_PROBE, configs,
                                  detail->len ? detail->str : "no server answered", NULL);
  g_string_free (detail, TRUE);
  g_string_free (probe->refused, TRUE);
  g_object_unref (probe->self);
  g_free (probe);
}

static void
on_probed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  ProbeOne *one = user_data;
  Probe *probe = one->probe;
  const ProbeSpec *spec = &probe_specs[one->index];
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (spec->protocol == CASELLA_PROTOCOL_IMAP)
    ok = casella_imap_client_connect_finish (CASELLA_IMAP_CLIENT (source), result, &error);
  else if (spec->protocol == CASELLA_PROTOCOL_POP3)
    ok = casella_pop3_client_connect_finish (CASELLA_POP3_CLIENT (source), result, &error);
  else
    ok = casella_smtp_client_connect_finish (CASELLA_SMTP_CLIENT (source), result, &error);

  if (ok)
    {
      g_autofree char *host = g_strconcat (spec->prefix, casella_autodetect_get_domain (probe->self), NULL);
      CasellaServerConfig *server = casella_server_config_new (spec->protocol, host,
                                                               casella_autodetect_get_options (probe->self)->probe_ports[spec->port_index],
                                                               spec->security);
      server->username = g_strdup (casella_autodetect_get_address (probe->self));
      probe->answered[one->index] = server;
    }
  else if (error->domain == CASELLA_MAIL_ERROR &&
           (error->code == CASELLA_MAIL_ERROR_CERTIFICATE_UNTRUSTED || error->code == CASELLA_MAIL_ERROR_STARTTLS_FAILED ||
            error->code == CASELLA_MAIL_ERROR_STARTTLS_MISSING))
    /* Something answered but would not be safe: say so, do not offer it. */
    g_string_append_printf (probe->refused, "%s%s", probe->refused->len ? "; " : "", error->message);

  if (spec->protocol == CASELLA_PROTOCOL_IMAP)
    casella_imap_client_disconnect (CASELLA_IMAP_CLIENT (source));
  else
    casella_line_client_disconnect (CASELLA_LINE_CLIENT (source));
  g_object_unref (one->client);
  g_free (one);
  if (--probe->pending == 0)
    probe_finish (probe);
}

void
casella_source_probe_start (CasellaAutodetect *self,
                            GCancellable      *cancellable)
{
  const CasellaAutodetectOptions *options = casella_autodetect_get_options (self);
  Probe *probe = g_new0 (Probe, 1);

  probe->self = g_object_ref (self);
  probe->pending = G_N_ELEMENTS (probe_specs);
  probe->refused = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (probe_specs); i++)
    {
      const ProbeSpec *spec = &probe_specs[i];
      g_autofree char *host = g_strconcat (spec->prefix, casella_autodetect_get_domain (self), NULL);
      g_autoptr(CasellaNetConfig) config = casella_net_config_new (host, options->probe_ports[spec->port_index],
                                                                   spec->security);
      ProbeOne *one = g_new0 (ProbeOne, 1);

      casella_net_config_set_tls_database (config, options->tls_database);
      casella_net_config_set_timeouts (config, options->request_timeout_ms, options->request_timeout_ms);
      one->probe = probe;
      one->index = i;
      if (spec->protocol == CASELLA_PROTOCOL_IMAP)
        {
          one->client = G_OBJECT (casella_imap_client_new (config));
          casella_imap_client_set_max_response_size (CASELLA_IMAP_CLIENT (one->client), CASELLA_MAX_PROBE_REPLY_SIZE);
          casella_imap_client_connect_async (CASELLA_IMAP_CLIENT (one->client), cancellable, on_probed, one);
        }
      else if (spec->protocol == CASELLA_PROTOCOL_POP3)
        {
          one->client = G_OBJECT (casella_pop3_client_new (config));
          casella_pop3_client_connect_async (CASELLA_POP3_CLIENT (one->client), cancellable, on_probed, one);
        }
      else
        {
          one->client = G_OBJECT (casella_smtp_client_new (config));
          casella_smtp_client_connect_async (CASELLA_SMTP_CLIENT (one->client), cancellable, on_probed, one);
        }
    }
}
