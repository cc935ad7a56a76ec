/* casella-account-verify.c — sign in to both servers before saving
 *
 * Lockout-safe: at most two user name forms per server (the one the
 * settings give, usually the full address, then the other of address and
 * local part), and the second only after a plain "wrong password". Any
 * other refusal (an app password needed, access switched off, a bad
 * certificate) stops at once with that reason. No password goes to a
 * server outside the address's domain unless the caller says the user
 * agreed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-account-verify.h"
#include "casella-sign-in.h"
#include "casella-secret.h"
#include "casella-imap-client.h"
#include "casella-mail-error.h"
#include "casella-pop3-client.h"
#include "casella-smtp-client.h"

G_DEFINE_QUARK (casella-verify-error-quark, casella_verify_error)

#define MAX_FORMS 2

/* ---- requests and results ---- */

CasellaVerifyRequest *
casella_verify_request_new (const char                *address,
                            const char                *password,
                            CasellaMailConfig         *config,
                            const CasellaServerConfig *incoming,
                            const CasellaServerConfig *outgoing)
{
  CasellaVerifyRequest *request = g_new0 (CasellaVerifyRequest, 1);

  request->address = g_strdup (address);
  request->password = g_strdup (password);
  request->config = config ? casella_mail_config_ref (config) : NULL;
  request->incoming = incoming ? casella_server_config_copy (incoming) : NULL;
  request->outgoing = outgoing ? casella_server_config_copy (outgoing) : NULL;
  request->timeout_ms = 15000;
  return request;
}

CasellaVerifyRequest *
casella_verify_request_new_for_account (CasellaAccount *account,
                                        const char     *password)
{
  CasellaServerConfig *incoming = casella_account_get_incoming (account);
  CasellaServerConfig *outgoing = casella_account_get_outgoing (account);
  CasellaVerifyRequest *request = casella_verify_request_new (casella_account_get_address (account), password, NULL,
                                                              incoming, outgoing);
  GBytes *pinned;

  /* The servers and their certificates the user chose at setup. */
  if ((pinned = casella_account_get_pinned_certificate (account, incoming->protocol)) != NULL)
    request->pinned_incoming = g_bytes_ref (pinned);
  if ((pinned = casella_account_get_pinned_certificate (account, CASELLA_PROTOCOL_SMTP)) != NULL)
    request->pinned_outgoing = g_bytes_ref (pinned);
  request->approved_hosts = g_strdupv ((char *[]) { incoming->host, outgoing ? outgoing->host : NULL, NULL });
  request->allow_plaintext = incoming->security == CASELLA_SECURITY_NONE ||
                             (outgoing != NULL && outgoing->security == CASELLA_SECURITY_NONE);
  return request;
}

static CasellaVerifyRequest *
request_copy (const CasellaVerifyRequest *request)
{
  CasellaVerifyRequest *copy = casella_verify_request_new (request->address, request->password, request->config,
                                                           request->incoming, request->outgoing);

  copy->smtp_password = g_strdup (request->smtp_password);
  copy->tokens = request->tokens ? g_object_ref (request->tokens) : NULL;
  copy->tls_database = request->tls_database ? g_object_ref (request->tls_database) : NULL;
  copy->pinned_incoming = request->pinned_incoming ? g_bytes_ref (request->pinned_incoming) : NULL;
  copy->pinned_outgoing = request->pinned_outgoing ? g_bytes_ref (request->pinned_outgoing) : NULL;
  copy->approved_hosts = g_strdupv (request->approved_hosts);
  copy->allow_plaintext = request->allow_plaintext;
  copy->timeout_ms = request->timeout_ms;
  return copy;
}

void
casella_verify_request_free (CasellaVerifyRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->address);
  casella_secret_free (request->password);
  casella_secret_free (request->smtp_password);
  g_clear_pointer (&request->config, casella_mail_config_unref);
  casella_server_config_free (request->incoming);
  casella_server_config_free (request->outgoing);
  g_clear_object (&request->tls_database);
  g_clear_object (&request->tokens);
  g_clear_pointer (&request->pinned_incoming, g_bytes_unref);
  g_clear_pointer (&request->pinned_outgoing, g_bytes_unref);
  g_strfreev (request->approved_hosts);
  g_free (request);
}

void
casella_verify_result_free (CasellaVerifyResult *result)
{
  if (result == NULL)
    return;
  casella_server_config_free (result->incoming);
  casella_server_config_free (result->outgoing);
  g_free (result);
}

void
casella_verify_failure_clear (CasellaVerifyFailure *failure)
{
  g_clear_pointer (&failure->host, g_free);
  g_clear_object (&failure->certificate);
  failure->certificate_errors = 0;
}

/* ---- the run ---- */

typedef struct {
  CasellaVerifyRequest *request;
  CasellaVerifyResult  *result;
  CasellaVerifyFailure  failure;
  CasellaServerConfig  *server;      /* being checked now */
  GStrv                 forms;       /* user names to try, at most two */
  guint                 next_form;
  GObject              *client;
} Run;

static void
run_free (Run *run)
{
  casella_verify_request_free (run->request);
  casella_verify_result_free (run->result);
  casella_verify_failure_clear (&run->failure);
  g_strfreev (run->forms);
  g_clear_object (&run->client);
  g_free (run);
}

static void check_server (GTask *task, CasellaServerConfig *server);

static void
fail (GTask  *task,
      GError *error)
{
  Run *run = g_task_get_task_data (task);

  g_free (run->failure.host);
  run->failure.host = g_strdup (run->server->host);
  run->failure.protocol = run->server->protocol;
  g_task_return_error (task, error);
  g_object_unref (task);
}

static gboolean
approved (Run        *run,
          const char *host)
{
  if (run->request->config != NULL &&
      casella_mail_config_host_is_own (run->request->config, run->request->address, host))
    return TRUE;
  if (run->request->config == NULL)
    {
      /* No settings to vouch for it: the address's own domain only. */
      g_autoptr(CasellaMailConfig) bare = casella_mail_config_new (CASELLA_SOURCE_PROBE);
      if (casella_mail_config_host_is_own (bare, run->request->address, host))
        return TRUE;
    }
  return run->request->approved_hosts != NULL &&
         g_strv_contains ((const char * const *) run->request->approved_hosts, host);
}

/* The settings' user name first (the full address when they give none),
 * then the other of address and local part. */
static GStrv
user_name_forms (Run                 *run,
                 CasellaServerConfig *server)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *local = casella_address_get_local_part (run->request->address);
  const char *first = server->username ? server->username : run->request->address;
  const char *second = g_str_equal (first, run->request->address) ? local : run->request->address;

  g_strv_builder_add (builder, first);
  if (second != NULL && !g_str_equal (second, first))
    g_strv_builder_add (builder, second);
  return g_strv_builder_end (builder);
}

static void try_next_form (GTask *task);

static void
server_done (GTask      *task,
             const char *username)
{
  Run *run = g_task_get_task_data (task);
  CasellaServerConfig *verified = casella_server_config_copy (run->server);

  g_free (verified->username);
  verified->username = g_strdup (username);
  if (run->server->protocol == CASELLA_PROTOCOL_SMTP)
    {
      run->result->outgoing = verified;
      g_task_return_pointer (task, g_steal_pointer (&run->result), (GDestroyNotify) casella_verify_result_free);
      g_object_unref (task);
      return;
    }
  run->result->incoming = verified;
  check_server (task, run->request->outgoing);
}

static void
keep_certificate (Run *run)
{
  GTlsCertificate *certificate = NULL;
  GTlsCertificateFlags errors = 0;

  if (CASELLA_IS_IMAP_CLIENT (run->client))
    {
      certificate = casella_imap_client_get_peer_certificate (CASELLA_IMAP_CLIENT (run->client));
      errors = casella_imap_client_get_peer_certificate_errors (CASELLA_IMAP_CLIENT (run->client));
    }
  else
    {
      certificate = casella_line_client_get_peer_certificate (CASELLA_LINE_CLIENT (run->client));
      errors = casella_line_client_get_peer_certificate_errors (CASELLA_LINE_CLIENT (run->client));
    }
  g_set_object (&run->failure.certificate, certificate);
  run->failure.certificate_errors = errors;
}

static void
disconnect_client (Run *run)
{
  if (run->client == NULL)
    return;
  if (CASELLA_IS_IMAP_CLIENT (run->client))
    casella_imap_client_disconnect (CASELLA_IMAP_CLIENT (run->client));
  else
    casella_line_client_disconnect (CASELLA_LINE_CLIENT (run->client));
  g_clear_object (&run->client);
}

static void
on_logged_in (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  const char *username = run->forms[run->next_form - 1];
  GError *error = NULL;
  gboolean ok;

  ok = casella_sign_in_finish (result, &error);
  if (CASELLA_IS_SMTP_CLIENT (source))
    {
      /* Taking mail from anyone on its network proves nothing about the
       * password: say so rather than call it checked. */
      run->result->outgoing_unchecked = ok && !casella_smtp_client_has_extension (CASELLA_SMTP_CLIENT (source), "AUTH");
    }
  disconnect_client (run);

  if (ok)
    {
      server_done (task, username);
      return;
    }
  /* Only a plain "wrong user or password" is worth the second form. */
  if (g_error_matches (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_AUTH_FAILED) && run->forms[run->next_form] != NULL)
    {
      g_error_free (error);
      try_next_form (task);
      return;
    }
  fail (task, error);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  const char *username = run->forms[run->next_form - 1];
  const char *password = run->request->password;
  GError *error = NULL;
  gboolean ok;

  if (CASELLA_IS_IMAP_CLIENT (source))
    ok = casella_imap_client_connect_finish (CASELLA_IMAP_CLIENT (source), result, &error);
  else if (CASELLA_IS_POP3_CLIENT (source))
    ok = casella_pop3_client_connect_finish (CASELLA_POP3_CLIENT (source), result, &error);
  else
    ok = casella_smtp_client_connect_finish (CASELLA_SMTP_CLIENT (source), result, &error);

  if (!ok)
    {
      if (g_error_matches (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CERTIFICATE_UNTRUSTED))
        keep_certificate (run);
      disconnect_client (run);
      fail (task, error);
      return;
    }

  run->result->attempts++;
  if (CASELLA_IS_SMTP_CLIENT (source) && run->request->smtp_password != NULL)
    password = run->request->smtp_password;
  casella_sign_in_async (source, username, password, run->request->tokens, g_task_get_cancellable (task),
                         on_logged_in, task);
}

/* Each form gets a fresh connection: some servers hang up after a
 * failed sign-in. */
static void
try_next_form (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  CasellaServerConfig *server = run->server;
  g_autoptr(CasellaNetConfig) config = casella_server_config_to_net (server);
  GCancellable *cancellable = g_task_get_cancellable (task);

  casella_net_config_set_tls_database (config, run->request->tls_database);
  casella_net_config_set_pinned_certificate (config, server->protocol == CASELLA_PROTOCOL_SMTP
                                                     ? run->request->pinned_outgoing
                                                     : run->request->pinned_incoming);
  casella_net_config_set_timeouts (config, run->request->timeout_ms, run->request->timeout_ms);
  casella_net_config_set_plaintext_allowed (config, run->request->allow_plaintext);
  run->next_form++;

  switch (server->protocol)
    {
    case CASELLA_PROTOCOL_IMAP:
      run->client = G_OBJECT (casella_imap_client_new (config));
      casella_imap_client_set_max_response_size (CASELLA_IMAP_CLIENT (run->client), CASELLA_MAX_PROBE_REPLY_SIZE);
      casella_imap_client_connect_async (CASELLA_IMAP_CLIENT (run->client), cancellable, on_connected, task);
      break;
    case CASELLA_PROTOCOL_POP3:
      run->client = G_OBJECT (casella_pop3_client_new (config));
      casella_pop3_client_connect_async (CASELLA_POP3_CLIENT (run->client), cancellable, on_connected, task);
      break;
    case CASELLA_PROTOCOL_SMTP:
    default:
      run->client = G_OBJECT (casella_smtp_client_new (config));
      casella_smtp_client_connect_async (CASELLA_SMTP_CLIENT (run->client), cancellable, on_connected, task);
      break;
    }
}

static void
check_server (GTask               *task,
              CasellaServerConfig *server)
{
  Run *run = g_task_get_task_data (task);

  run->server = server;
  if (!approved (run, server->host))
    {
      fail (task, g_error_new (CASELLA_VERIFY_ERROR, CASELLA_VERIFY_ERROR_APPROVAL_REQUIRED,
                               "%s is outside %s: the password goes there only with the user's consent",
                               server->host, strrchr (run->request->address, '@') + 1));
      return;
    }
  g_strfreev (run->forms);
  run->forms = user_name_forms (run, server);
  /* A token is for one user: no second form to guess. */
  if (run->request->tokens != NULL && run->forms[0] != NULL)
    g_clear_pointer (&run->forms[1], g_free);
  run->next_form = 0;
  try_next_form (task);
}

void
casella_account_verify_async (const CasellaVerifyRequest *request,
                              GCancellable               *cancellable,
                              GAsyncReadyCallback         callback,
                              gpointer                    user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Run *run = g_new0 (Run, 1);

  g_task_set_source_tag (task, casella_account_verify_async);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  run->request = request_copy (request);
  run->result = g_new0 (CasellaVerifyResult, 1);

  if (request->incoming == NULL || request->outgoing == NULL || request->outgoing->protocol != CASELLA_PROTOCOL_SMTP)
    {
      g_task_return_new_error (task, CASELLA_VERIFY_ERROR, CASELLA_VERIFY_ERROR_INCOMPLETE,
                               "Both a receiving and a sending server are needed");
      g_object_unref (task);
      return;
    }
  /* Both servers are checked for consent before any password moves. */
  run->server = run->request->outgoing;
  if (!approved (run, run->request->outgoing->host))
    {
      check_server (task, run->request->outgoing);
      return;
    }
  check_server (task, run->request->incoming);
}

CasellaVerifyResult *
casella_account_verify_finish (GAsyncResult          *result,
                               CasellaVerifyFailure  *failure,
                               GError               **error)
{
  GTask *task;
  Run *run;
  CasellaVerifyResult *verified;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  task = G_TASK (result);
  run = g_task_get_task_data (task);
  verified = g_task_propagate_pointer (task, error);

  if (verified == NULL && failure != NULL && run != NULL)
    {
      failure->protocol = run->failure.protocol;
      failure->host = g_steal_pointer (&run->failure.host);
      failure->certificate = g_steal_pointer (&run->failure.certificate);
      failure->certificate_errors = run->failure.certificate_errors;
    }
  return verified;
}
