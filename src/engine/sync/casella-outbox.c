/* casella-outbox.c — sends what waits in the outbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-await.h"
#include "casella-gmime.h"
#include "casella-mail-error.h"
#include "casella-outbox.h"
#include "casella-smtp-client.h"
#include "casella-store-queue.h"

gboolean
casella_provider_files_sent (const char *provider_id)
{
  static const char *const providers[] = { "googlemail.com", "hotmail.com", "office365.com", "yahoo.com", NULL };

  return provider_id != NULL && g_strv_contains (providers, provider_id);
}

static CasellaSmtpClient *
connect_smtp (CasellaNetConfig  *config,
              const char        *username,
              const char        *password,
              CasellaAwait      *await,
              GCancellable      *cancellable,
              GError           **error)
{
  g_autoptr(CasellaSmtpClient) client = casella_smtp_client_new (config);

  casella_smtp_client_connect_async (client, cancellable, casella_await_done, await);
  if (!casella_smtp_client_connect_finish (client, casella_await (await), error))
    return NULL;
  casella_smtp_client_login_async (client, username, password, cancellable, casella_await_done, await);
  if (!casella_smtp_client_login_finish (client, casella_await (await), error))
    return NULL;
  return g_steal_pointer (&client);
}

static GMimeMessage *
parse (GBytes *raw)
{
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL),
                                                                     g_bytes_get_size (raw));
  g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);

  return g_mime_parser_construct_message (parser, NULL);
}

/* A refusal of this message (a recipient, its size) leaves the others
 * to try; anything else (the connection) stops the round. */
static gboolean
only_this_message (const GError *error)
{
  return error->domain == CASELLA_MAIL_ERROR &&
         (error->code == CASELLA_MAIL_ERROR_RECIPIENT_REFUSED || error->code == CASELLA_MAIL_ERROR_MESSAGE_TOO_LARGE ||
          error->code == CASELLA_MAIL_ERROR_SERVER_ERROR);
}

static void
file_copy (CasellaStore    *store,
           CasellaImapSync *imap,
           GBytes          *raw,
           GCancellable    *cancellable)
{
  g_autoptr(CasellaStoreFolder) sent = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_SENT);
  g_autoptr(GError) error = NULL;

  /* The message is sent either way; a missing copy is not worth keeping
   * it in the outbox (and sending it twice). */
  if (sent != NULL && !casella_imap_sync_append (imap, sent->id, raw, cancellable, &error))
    g_warning ("Sent, but no copy in %s: %s", sent->path, error->message);
}

gboolean
casella_outbox_send (CasellaStore         *store,
                     CasellaNetConfig     *smtp,
                     const char           *username,
                     const char           *password,
                     CasellaImapSync      *imap,
                     gboolean              provider_files_sent,
                     CasellaOutboxResult  *result,
                     GCancellable         *cancellable,
                     GError              **error)
{
  g_autoptr(GArray) queued = casella_store_outbox_list (store, error);
  g_autoptr(CasellaSmtpClient) client = NULL;
  g_auto(CasellaAwait) await = { 0 };
  CasellaOutboxResult counts = { 0, 0 };
  GError *first = NULL;

  if (queued == NULL)
    return FALSE;
  casella_await_init (&await);
  for (guint i = 0; i < queued->len; i++)
    {
      gint64 id = g_array_index (queued, gint64, i);
      g_autoptr(GBytes) raw = casella_store_get_body (store, id, NULL);
      g_autoptr(GMimeMessage) message = raw ? parse (raw) : NULL;
      g_autofree char *reply = NULL;
      GError *local = NULL;

      if (message == NULL)
        continue;
      if (client == NULL && (client = connect_smtp (smtp, username, password, &await, cancellable, &local)) == NULL)
        {
          casella_store_outbox_failed (store, id, local->message, NULL);
          counts.failed++;
          g_propagate_error (&first, local);
          break;
        }
      casella_smtp_client_send_message_async (client, message, NULL, NULL, cancellable, casella_await_done, &await);
      reply = casella_smtp_client_send_message_finish (client, casella_await (&await), &local);
      if (local != NULL)
        {
          gboolean go_on = only_this_message (local);

          casella_store_outbox_failed (store, id, local->message, NULL);
          counts.failed++;
          if (first == NULL)
            g_propagate_error (&first, local);
          else
            g_error_free (local);
          if (!go_on)
            break;
          continue;
        }
      if (imap != NULL && !provider_files_sent)
        file_copy (store, imap, raw, cancellable);
      casella_store_outbox_sent (store, id, NULL);
      counts.sent++;
    }
  if (result != NULL)
    *result = counts;
  if (first != NULL)
    {
      g_propagate_error (error, first);
      return FALSE;
    }
  return TRUE;
}
