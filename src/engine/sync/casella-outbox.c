/* casella-outbox.c — sends what waits in the outbox, each message once
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-sign-in.h"

#include "casella-await.h"
#include "casella-gmime.h"
#include "casella-mail-error.h"
#include "casella-outbox.h"
#include "casella-provider-db.h"
#include "casella-smtp-client.h"

/* The provider database marks them (Hints=files-sent). */
gboolean
casella_provider_files_sent (const char *provider_id)
{
  g_autoptr(CasellaMailConfig) provider = NULL;

  if (provider_id == NULL)
    return FALSE;
  provider = casella_provider_db_lookup_id (casella_provider_db_get_default (), provider_id);
  return provider != NULL && (provider->needs & CASELLA_NEEDS_FILES_SENT) != 0;
}

static void
report_free (CasellaOutboxReport *report)
{
  g_free (report->reason);
  g_free (report);
}

void
casella_outbox_result_clear (CasellaOutboxResult *result)
{
  g_clear_pointer (&result->reports, g_ptr_array_unref);
  result->sent = result->later = result->held = 0;
}

const CasellaOutboxReport *
casella_outbox_result_find (const CasellaOutboxResult *result,
                            gint64                     message_id)
{
  for (guint i = 0; result->reports != NULL && i < result->reports->len; i++)
    if (((CasellaOutboxReport *) result->reports->pdata[i])->message_id == message_id)
      return result->reports->pdata[i];
  return NULL;
}

/* One run of the outbox: what it needs at hand while it sends. */
typedef struct {
  CasellaStore        *store;
  CasellaNetConfig    *smtp;
  const char          *username;
  const char          *password;
  CasellaTokenSource  *tokens;
  CasellaImapSync     *imap;
  gboolean             file_copies;
  GCancellable        *cancellable;
  CasellaSmtpClient   *client;
  CasellaAwait         await;
  CasellaOutboxResult *result;
  gint64               current;    /* the message being sent */
  gboolean             reached_data;
} Run;

static void
report (Run                *run,
        gint64              message_id,
        CasellaOutboxFate   fate,
        CasellaOutboxHold   hold,
        gboolean            attempted,
        const char         *reason)
{
  CasellaOutboxReport *item = g_new0 (CasellaOutboxReport, 1);

  item->message_id = message_id;
  item->fate = fate;
  item->hold = hold;
  item->attempted = attempted;
  item->reason = g_strdup (reason);
  g_ptr_array_add (run->result->reports, item);
  if (fate == CASELLA_OUTBOX_FATE_SENT)
    run->result->sent++;
  else if (fate == CASELLA_OUTBOX_FATE_LATER)
    run->result->later++;
  else
    run->result->held++;
}

/* 1 minute, 5, 15, then every hour. */
static gint64
next_attempt (guint attempts)
{
  static const gint64 pauses[] = { 60, 300, 900, 3600 };

  return g_get_real_time () / G_USEC_PER_SEC + pauses[MIN (attempts, G_N_ELEMENTS (pauses) - 1)];
}

static GMimeMessage *
parse (GBytes *raw)
{
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL),
                                                                     g_bytes_get_size (raw));
  g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);

  return g_mime_parser_construct_message (parser, NULL);
}

/* ---- the copy in Sent ---- */

static gboolean
copy_is_there (Run          *run,
               gint64        sent_folder,
               GBytes       *raw,
               gboolean     *found,
               GError      **error)
{
  g_autoptr(GMimeMessage) message = parse (raw);
  const char *id = message ? g_mime_message_get_message_id (message) : NULL;

  /* Every message in the outbox has a Message-ID (it was added if not). */
  *found = FALSE;
  return id == NULL ||
         casella_imap_sync_has_message_id (run->imap, sent_folder, id, found, run->cancellable, error);
}

/* Files the copy once (looking first when a try was cut off), then the
 * message leaves the outbox. FALSE: not filed yet, to be tried again. */
static gboolean
file_copy (Run                      *run,
           const CasellaOutboxEntry *entry,
           GBytes                   *raw,
           GError                  **error)
{
  g_autoptr(CasellaStoreFolder) sent = NULL;
  g_autoptr(GError) local = NULL;
  gboolean found = FALSE;

  if (run->imap != NULL && run->file_copies)
    sent = casella_store_find_folder_by_role (run->store, CASELLA_FOLDER_ROLE_SENT);
  if (sent == NULL)
    return casella_store_outbox_sent (run->store, entry->message_id, error);
  if (entry->copy_started && !copy_is_there (run, sent->id, raw, &found, &local))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!found)
    {
      if (!casella_store_outbox_copy_started (run->store, entry->message_id, error))
        return FALSE;
      if (!casella_imap_sync_append (run->imap, sent->id, raw, run->cancellable, &local))
        {
          /* Refused by the server: the message is sent either way, and a
           * copy is not worth keeping it here for. Cut off: try later. */
          if (!g_error_matches (local, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_SERVER_ERROR))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          g_warning ("Sent, but no copy in %s: %s", sent->path, local->message);
        }
    }
  return casella_store_outbox_sent (run->store, entry->message_id, error);
}

/* ---- sending ---- */

static gboolean
on_before_data (CasellaSmtpClient  *client,
                gpointer            data,
                GError            **error)
{
  Run *run = data;

  if (!casella_store_outbox_set_state (run->store, run->current, CASELLA_OUTBOX_SENDING, error))
    return FALSE;
  run->reached_data = TRUE;
  return TRUE;
}

static gboolean
connect_smtp (Run     *run,
              GError **error)
{
  g_autoptr(CasellaSmtpClient) client = casella_smtp_client_new (run->smtp);

  casella_smtp_client_connect_async (client, run->cancellable, casella_await_done, &run->await);
  if (!casella_smtp_client_connect_finish (client, casella_await (&run->await), error))
    return FALSE;
  casella_sign_in_async (G_OBJECT (client), run->username, run->password, run->tokens, run->cancellable,
                         casella_await_done, &run->await);
  if (!casella_sign_in_finish (casella_await (&run->await), error))
    return FALSE;
  casella_smtp_client_set_before_data (client, on_before_data, run);
  run->client = g_steal_pointer (&client);
  return TRUE;
}

/* A refusal of this message only (a recipient, its size, its content). */
static gboolean
refused_for_good (const GError *error)
{
  return error->domain == CASELLA_MAIL_ERROR &&
         (error->code == CASELLA_MAIL_ERROR_RECIPIENT_REFUSED || error->code == CASELLA_MAIL_ERROR_MESSAGE_TOO_LARGE ||
          error->code == CASELLA_MAIL_ERROR_SERVER_ERROR);
}

typedef enum { NEXT, STOP } Step;

/* What a failed send means for the message; STOP when the connection
 * or the account cannot go on (error then says why). */
static Step
after_failure (Run                      *run,
               const CasellaOutboxEntry *entry,
               GError                   *failure,
               GError                  **error)
{
  gboolean stored;

  if (failure->domain == CASELLA_STORE_ERROR)
    {
      g_propagate_error (error, failure);
      return STOP;
    }
  if (run->reached_data && !refused_for_good (failure) &&
      !g_error_matches (failure, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_TRY_LATER))
    {
      /* Cut off while the server was taking it: maybe delivered. */
      stored = casella_store_outbox_hold (run->store, entry->message_id, CASELLA_OUTBOX_HOLD_INTERRUPTED,
                                          failure->message, error);
      report (run, entry->message_id, CASELLA_OUTBOX_FATE_HELD, CASELLA_OUTBOX_HOLD_INTERRUPTED, TRUE,
              failure->message);
    }
  else if (refused_for_good (failure))
    {
      stored = casella_store_outbox_hold (run->store, entry->message_id, CASELLA_OUTBOX_HOLD_REFUSED,
                                          failure->message, error);
      report (run, entry->message_id, CASELLA_OUTBOX_FATE_HELD, CASELLA_OUTBOX_HOLD_REFUSED, TRUE, failure->message);
      g_error_free (failure);
      return stored ? NEXT : STOP;
    }
  else
    {
      stored = casella_store_outbox_retry_later (run->store, entry->message_id, failure->message,
                                                 next_attempt (entry->attempts), error);
      report (run, entry->message_id, CASELLA_OUTBOX_FATE_LATER, CASELLA_OUTBOX_HOLD_NONE, TRUE, failure->message);
      if (g_error_matches (failure, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_TRY_LATER))
        {
          g_error_free (failure);
          return stored ? NEXT : STOP;
        }
    }
  /* The connection is gone (or never was): the round ends here. */
  if (stored)
    g_propagate_error (error, failure);
  else
    g_error_free (failure);
  return STOP;
}

static Step
send_one (Run                      *run,
          const CasellaOutboxEntry *entry,
          GError                  **error)
{
  g_autoptr(GBytes) raw = casella_store_get_body (run->store, entry->message_id, NULL);
  g_autoptr(GMimeMessage) message = raw ? parse (raw) : NULL;
  g_autofree char *reply = NULL;
  GError *failure = NULL;

  if (message == NULL)
    {
      report (run, entry->message_id, CASELLA_OUTBOX_FATE_HELD, CASELLA_OUTBOX_HOLD_UNREADABLE, TRUE, NULL);
      return casella_store_outbox_hold (run->store, entry->message_id, CASELLA_OUTBOX_HOLD_UNREADABLE, NULL, error)
             ? NEXT : STOP;
    }
  run->current = entry->message_id;
  run->reached_data = FALSE;
  if (run->client == NULL && !connect_smtp (run, &failure))
    {
      /* Nothing of it left here: it waits, untouched, for the account. */
      report (run, entry->message_id, CASELLA_OUTBOX_FATE_LATER, CASELLA_OUTBOX_HOLD_NONE, TRUE, failure->message);
      g_propagate_error (error, failure);
      return STOP;
    }
  casella_smtp_client_send_message_async (run->client, message, NULL, NULL, run->cancellable, casella_await_done,
                                          &run->await);
  reply = casella_smtp_client_send_message_finish (run->client, casella_await (&run->await), &failure);
  if (failure != NULL)
    {
      if (!casella_line_client_is_connected (CASELLA_LINE_CLIENT (run->client)))
        g_clear_object (&run->client);
      return after_failure (run, entry, failure, error);
    }
  g_debug ("Outbox: message %" G_GINT64_FORMAT " accepted: %s", entry->message_id, reply);
  /* Its own transaction, before anything else can fail. */
  if (!casella_store_outbox_set_state (run->store, entry->message_id, CASELLA_OUTBOX_SENT, error))
    return STOP;
  report (run, entry->message_id, CASELLA_OUTBOX_FATE_SENT, CASELLA_OUTBOX_HOLD_NONE, TRUE, NULL);
  if (!file_copy (run, entry, raw, &failure))
    {
      g_debug ("Outbox: the copy of %" G_GINT64_FORMAT " waits: %s", entry->message_id, failure->message);
      g_clear_error (&failure);
    }
  return NEXT;
}

/* A message left by an earlier run that was cut off. */
static Step
resume_one (Run                      *run,
            const CasellaOutboxEntry *entry,
            GError                  **error)
{
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GError) failure = NULL;

  if (entry->state == CASELLA_OUTBOX_SENDING)
    {
      g_debug ("Outbox: message %" G_GINT64_FORMAT " was cut off while sending", entry->message_id);
      report (run, entry->message_id, CASELLA_OUTBOX_FATE_HELD, CASELLA_OUTBOX_HOLD_INTERRUPTED, TRUE, NULL);
      return casella_store_outbox_hold (run->store, entry->message_id, CASELLA_OUTBOX_HOLD_INTERRUPTED, NULL, error)
             ? NEXT : STOP;
    }
  /* SENT: delivered before; its copy is still to be filed. */
  report (run, entry->message_id, CASELLA_OUTBOX_FATE_SENT, CASELLA_OUTBOX_HOLD_NONE, FALSE, NULL);
  raw = casella_store_get_body (run->store, entry->message_id, NULL);
  if (raw == NULL)
    return casella_store_outbox_sent (run->store, entry->message_id, error) ? NEXT : STOP;
  if (!file_copy (run, entry, raw, &failure))
    g_debug ("Outbox: the copy of %" G_GINT64_FORMAT " waits: %s", entry->message_id, failure->message);
  return NEXT;
}

static gboolean
run_outbox (Run     *run,
            GError **error)
{
  g_autoptr(GPtrArray) entries = casella_store_outbox_entries (run->store, error);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gboolean stopped = FALSE;

  if (entries == NULL)
    return FALSE;
  for (guint i = 0; i < entries->len; i++)
    {
      CasellaOutboxEntry *entry = entries->pdata[i];
      Step step = NEXT;

      if (stopped || entry->state == CASELLA_OUTBOX_HELD || (entry->state == CASELLA_OUTBOX_QUEUED &&
                                                              entry->next_attempt > now))
        report (run, entry->message_id,
                entry->state == CASELLA_OUTBOX_HELD ? CASELLA_OUTBOX_FATE_HELD : CASELLA_OUTBOX_FATE_LATER,
                entry->hold, FALSE, entry->last_error);
      else if (entry->state == CASELLA_OUTBOX_QUEUED)
        step = send_one (run, entry, error);
      else
        step = resume_one (run, entry, error);
      if (step == STOP)
        stopped = TRUE;
    }
  return !stopped;
}

gboolean
casella_outbox_send (CasellaStore         *store,
                     CasellaNetConfig     *smtp,
                     const char           *username,
                     const char           *password,
                     CasellaTokenSource   *tokens,
                     CasellaImapSync      *imap,
                     gboolean              provider_files_sent,
                     CasellaOutboxResult  *result,
                     GCancellable         *cancellable,
                     GError              **error)
{
  g_auto(CasellaOutboxResult) local_result = { 0 };
  Run run = { store, smtp, username, password, tokens, imap, !provider_files_sent, cancellable };
  g_autoptr(CasellaFileLock) lock = NULL;
  gboolean ok;

  run.result = result != NULL ? result : &local_result;
  casella_outbox_result_clear (run.result);
  run.result->reports = g_ptr_array_new_with_free_func ((GDestroyNotify) report_free);
  /* One sender at a time, whichever process: whoever comes second waits,
   * then finds what the first one sent gone from the outbox. */
  lock = casella_store_lock (store, "outbox", TRUE, cancellable, error);
  if (lock == NULL)
    return FALSE;
  casella_await_init (&run.await);
  ok = run_outbox (&run, error);
  if (run.client != NULL && !g_cancellable_is_cancelled (cancellable))
    {
      casella_smtp_client_quit_async (run.client, cancellable, casella_await_done, &run.await);
      casella_smtp_client_simple_finish (run.client, casella_await (&run.await), NULL);
    }
  g_clear_object (&run.client);
  casella_await_clear (&run.await);
  return ok;
}
