/* casella-account-certificate.c — the server's certificate, now
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-account-certificate.h"
#include "casella-imap-client.h"
#include "casella-mail-error.h"
#include "casella-pop3-client.h"
#include "casella-smtp-client.h"

#define CHECK_TIMEOUT_MS 15000

void
casella_certificate_check_free (CasellaCertificateCheck *check)
{
  if (check == NULL)
    return;
  g_clear_object (&check->certificate);
  g_free (check);
}

GTlsCertificate *
casella_certificate_new_from_der (GBytes  *der,
                                  GError **error)
{
  g_autofree char *base64 = g_base64_encode (g_bytes_get_data (der, NULL), g_bytes_get_size (der));
  g_autoptr(GString) pem = g_string_new ("-----BEGIN CERTIFICATE-----\n");

  for (gsize at = 0, length = strlen (base64); at < length; at += 64)
    {
      g_string_append_len (pem, base64 + at, MIN (64, length - at));
      g_string_append_c (pem, '\n');
    }
  g_string_append (pem, "-----END CERTIFICATE-----\n");
  return g_tls_certificate_new_from_pem (pem->str, (gssize) pem->len, error);
}

static gboolean
same_der (GTlsCertificate *certificate,
          GBytes          *pinned)
{
  g_autoptr(GByteArray) der = NULL;

  if (certificate == NULL || pinned == NULL)
    return FALSE;
  g_object_get (certificate, "certificate", &der, NULL);
  return der != NULL && der->len == g_bytes_get_size (pinned) &&
         memcmp (der->data, g_bytes_get_data (pinned, NULL), der->len) == 0;
}

typedef struct {
  GObject *client;
  GBytes  *pinned;
} Check;

static void
check_free (Check *check)
{
  if (CASELLA_IS_IMAP_CLIENT (check->client))
    casella_imap_client_disconnect (CASELLA_IMAP_CLIENT (check->client));
  else if (check->client != NULL)
    casella_line_client_disconnect (CASELLA_LINE_CLIENT (check->client));
  g_clear_object (&check->client);
  g_clear_pointer (&check->pinned, g_bytes_unref);
  g_free (check);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Check *check = g_task_get_task_data (task);
  CasellaCertificateCheck *answer = g_new0 (CasellaCertificateCheck, 1);
  GError *error = NULL;
  gboolean ok;

  if (CASELLA_IS_IMAP_CLIENT (source))
    ok = casella_imap_client_connect_finish (CASELLA_IMAP_CLIENT (source), result, &error);
  else if (CASELLA_IS_POP3_CLIENT (source))
    ok = casella_pop3_client_connect_finish (CASELLA_POP3_CLIENT (source), result, &error);
  else
    ok = casella_smtp_client_connect_finish (CASELLA_SMTP_CLIENT (source), result, &error);

  if (ok)
    answer->trusted = TRUE;
  else if (g_error_matches (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CERTIFICATE_UNTRUSTED))
    {
      g_clear_error (&error);
      answer->certificate = CASELLA_IS_IMAP_CLIENT (source)
        ? casella_imap_client_get_peer_certificate (CASELLA_IMAP_CLIENT (source))
        : casella_line_client_get_peer_certificate (CASELLA_LINE_CLIENT (source));
      answer->errors = CASELLA_IS_IMAP_CLIENT (source)
        ? casella_imap_client_get_peer_certificate_errors (CASELLA_IMAP_CLIENT (source))
        : casella_line_client_get_peer_certificate_errors (CASELLA_LINE_CLIENT (source));
      if (answer->certificate != NULL)
        g_object_ref (answer->certificate);
      answer->pinned = same_der (answer->certificate, check->pinned);
    }
  if (error != NULL)
    {
      casella_certificate_check_free (answer);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, answer, (GDestroyNotify) casella_certificate_check_free);
}

void
casella_account_check_certificate_async (CasellaAccount      *account,
                                         CasellaProtocol      protocol,
                                         GTlsDatabase        *tls_database,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  GTask *task = g_task_new (account, cancellable, callback, user_data);
  g_autoptr(CasellaNetConfig) config = casella_account_dup_net_config (account, protocol, tls_database);
  GBytes *pinned = casella_account_get_pinned_certificate (account, protocol);
  Check *check = g_new0 (Check, 1);

  g_task_set_source_tag (task, casella_account_check_certificate_async);
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);
  check->pinned = pinned ? g_bytes_ref (pinned) : NULL;
  /* Judged on its own: without the pin, and with no sign-in after. */
  casella_net_config_set_pinned_certificate (config, NULL);
  casella_net_config_set_timeouts (config, CHECK_TIMEOUT_MS, CHECK_TIMEOUT_MS);
  switch (protocol)
    {
    case CASELLA_PROTOCOL_IMAP:
      check->client = G_OBJECT (casella_imap_client_new (config));
      casella_imap_client_connect_async (CASELLA_IMAP_CLIENT (check->client), cancellable, on_connected, task);
      break;
    case CASELLA_PROTOCOL_POP3:
      check->client = G_OBJECT (casella_pop3_client_new (config));
      casella_pop3_client_connect_async (CASELLA_POP3_CLIENT (check->client), cancellable, on_connected, task);
      break;
    default:
      check->client = G_OBJECT (casella_smtp_client_new (config));
      casella_smtp_client_connect_async (CASELLA_SMTP_CLIENT (check->client), cancellable, on_connected, task);
    }
}

CasellaCertificateCheck *
casella_account_check_certificate_finish (GAsyncResult  *result,
                                          GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, casella_account_check_certificate_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
