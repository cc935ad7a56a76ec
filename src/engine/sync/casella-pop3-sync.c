/* casella-pop3-sync.c — POP3 that never loses mail
 *
 * Each message is stored (row, body and "downloaded" note in one
 * transaction) before the next is asked for, so a crash anywhere leaves
 * either the message here and noted, or neither: a rerun fetches what
 * is missing and nothing twice. A DELE is sent only for a UIDL noted as
 * downloaded, after the store is flushed to disk, and only when the
 * account's policy says; deletions take effect at QUIT, and the notes
 * are forgotten only after QUIT succeeded.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-sign-in.h"

#include "casella-await.h"
#include "casella-pop3-client.h"
#include "casella-pop3-sync.h"
#include "casella-store-queue.h"

typedef struct {
  CasellaPop3Client *client;
  CasellaAwait       await;
  GCancellable      *cancellable;
} Session;

static gboolean
open_session (Session           *session,
              CasellaNetConfig  *config,
              const char        *username,
              const char        *password,
              CasellaTokenSource *tokens,
              GError           **error)
{
  session->client = casella_pop3_client_new (config);
  casella_pop3_client_connect_async (session->client, session->cancellable, casella_await_done, &session->await);
  if (!casella_pop3_client_connect_finish (session->client, casella_await (&session->await), error))
    return FALSE;
  casella_sign_in_async (G_OBJECT (session->client), username, password, tokens, session->cancellable,
                         casella_await_done, &session->await);
  return casella_sign_in_finish (casella_await (&session->await), error);
}

static gboolean
simple (Session  *session,
        GError  **error)
{
  return casella_pop3_client_simple_finish (session->client, casella_await (&session->await), error);
}

CasellaStoreFolder *
casella_pop3_sync_ensure_inbox (CasellaStore  *store,
                                GError       **error)
{
  CasellaStoreFolder folder = { 0 };
  CasellaStoreFolder *inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);

  if (inbox != NULL)
    return inbox;
  if (!casella_store_set_meta (store, "protocol", "pop3", error))
    return NULL;
  folder.path = (char *) "INBOX";
  folder.role = CASELLA_FOLDER_ROLE_INBOX;
  folder.flags = CASELLA_FOLDER_LOCAL;
  folder.subscribed = TRUE;
  if (casella_store_save_folder (store, &folder, error) == 0)
    return NULL;
  return casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
}

/* ---- downloading ---- */

static gboolean
download_new (Session                  *session,
              CasellaStore             *store,
              CasellaStoreFolder       *inbox,
              GPtrArray                *listing,
              CasellaSyncProgressFunc   progress,
              gpointer                  progress_data,
              guint                    *downloaded,
              GError                  **error)
{
  g_autoptr(GArray) wanted = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < listing->len; i++)
    if (!casella_store_pop3_is_known (store, ((CasellaPop3UidItem *) listing->pdata[i])->uid))
      g_array_append_val (wanted, i);
  for (guint w = 0; w < wanted->len; w++)
    {
      CasellaPop3UidItem *item = listing->pdata[g_array_index (wanted, guint, w)];
      g_autoptr(GBytes) raw = NULL;
      gint64 id;

      /* Another Casella may have stored it meanwhile. */
      if (casella_store_pop3_is_known (store, item->uid))
        continue;
      casella_pop3_client_retr_async (session->client, item->number, session->cancellable, casella_await_done,
                                      &session->await);
      raw = casella_pop3_client_message_finish (session->client, casella_await (&session->await), error);
      if (raw == NULL)
        return FALSE;
      id = casella_store_pop3_add (store, inbox->id, item->uid, raw, g_get_real_time () / G_USEC_PER_SEC, error);
      if (id == 0)
        return FALSE;
      if (id > 0)
        (*downloaded)++;
      if (progress != NULL)
        progress (inbox->path, "messages", w + 1, wanted->len, progress_data);
    }
  return casella_store_update_counts (store, inbox->id, error);
}

/* ---- deleting on the server ---- */

static GPtrArray *
deletable (CasellaStore       *store,
           CasellaPop3Policy   policy,
           guint               days,
           GError            **error)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  switch (policy)
    {
    case CASELLA_POP3_DELETE_AFTER_DAYS:
      /* 0 days: as soon as it is safely here. */
      return casella_store_pop3_deletable (store, days == 0 ? now + 1 : now - (gint64) days * 86400, FALSE, error);
    case CASELLA_POP3_DELETE_WHEN_DELETED:
      return casella_store_pop3_deletable (store, 0, TRUE, error);
    default:
      return g_ptr_array_new ();
    }
}

static gboolean
delete_on_server (Session     *session,
                  GHashTable  *numbers,
                  GPtrArray   *uidls,
                  GError     **error)
{
  for (guint i = 0; i < uidls->len; i++)
    {
      guint number = GPOINTER_TO_UINT (g_hash_table_lookup (numbers, uidls->pdata[i]));

      casella_pop3_client_dele_async (session->client, number, session->cancellable, casella_await_done,
                                      &session->await);
      if (!simple (session, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
quit_and_forget (Session       *session,
                 CasellaStore  *store,
                 GHashTable    *numbers,
                 GPtrArray     *deleted,
                 GError       **error)
{
  casella_pop3_client_quit_async (session->client, session->cancellable, casella_await_done, &session->await);
  if (!simple (session, error))
    return FALSE;
  /* The server has deleted them now; what is no longer there is
   * forgotten, so the notes do not grow forever. */
  for (guint i = 0; i < deleted->len; i++)
    g_hash_table_remove (numbers, deleted->pdata[i]);
  return casella_store_pop3_keep_only (store, numbers, error);
}

static gboolean
run (Session                  *session,
     CasellaStore             *store,
     CasellaPop3Policy         policy,
     guint                     days,
     CasellaSyncProgressFunc   progress,
     gpointer                  progress_data,
     CasellaPop3SyncResult    *result,
     GError                  **error)
{
  g_autoptr(CasellaStoreFolder) inbox = casella_pop3_sync_ensure_inbox (store, error);
  g_autoptr(GPtrArray) listing = NULL, candidates = NULL;
  g_autoptr(GPtrArray) doomed = g_ptr_array_new ();
  g_autoptr(GHashTable) numbers = g_hash_table_new (g_str_hash, g_str_equal);

  if (inbox == NULL)
    return FALSE;
  casella_pop3_client_uidl_async (session->client, 0, session->cancellable, casella_await_done, &session->await);
  listing = casella_pop3_client_uidl_finish (session->client, casella_await (&session->await), error);
  if (listing == NULL)
    return FALSE;
  for (guint i = 0; i < listing->len; i++)
    {
      CasellaPop3UidItem *item = listing->pdata[i];
      g_hash_table_insert (numbers, item->uid, GUINT_TO_POINTER (item->number));
    }
  if (!download_new (session, store, inbox, listing, progress, progress_data, &result->downloaded, error))
    return FALSE;

  candidates = deletable (store, policy, days, error);
  if (candidates == NULL)
    return FALSE;
  for (guint i = 0; i < candidates->len; i++)
    if (g_hash_table_contains (numbers, candidates->pdata[i]))
      g_ptr_array_add (doomed, candidates->pdata[i]);
  /* On disk for sure before the server may forget anything. */
  if (doomed->len > 0 && (!casella_store_flush (store, error) || !delete_on_server (session, numbers, doomed, error)))
    return FALSE;
  if (!quit_and_forget (session, store, numbers, doomed, error))
    return FALSE;
  result->deleted_on_server = doomed->len;
  return TRUE;
}

static gint64
next_login_allowed (CasellaStore *store)
{
  g_autofree char *next = casella_store_get_meta (store, "pop3-next-login");

  return next ? g_ascii_strtoll (next, NULL, 10) : 0;
}

static gboolean
note_login (CasellaStore           *store,
            CasellaPop3Client      *client,
            CasellaPop3SyncResult  *counts,
            GError                **error)
{
  guint delay = casella_pop3_client_get_login_delay (client);
  g_autofree char *next = NULL;

  if (delay == 0)
    return TRUE;
  counts->next_allowed = g_get_real_time () / G_USEC_PER_SEC + delay;
  next = g_strdup_printf ("%" G_GINT64_FORMAT, counts->next_allowed);
  g_debug ("POP3: LOGIN-DELAY %u s: next sign-in at %s", delay, next);
  return casella_store_set_meta (store, "pop3-next-login", next, error);
}

gboolean
casella_pop3_sync_run (CasellaStore             *store,
                       CasellaNetConfig         *config,
                       const char               *username,
                       const char               *password,
                       CasellaTokenSource       *tokens,
                       CasellaPop3Policy         policy,
                       guint                     days,
                       CasellaSyncProgressFunc   progress,
                       gpointer                  progress_data,
                       CasellaPop3SyncResult    *result,
                       GCancellable             *cancellable,
                       GError                  **error)
{
  Session session = { NULL, { 0 }, cancellable };
  CasellaPop3SyncResult counts = { 0 };
  gboolean ok;

  /* A store from before address completion and conversations: its
   * people and conversations, once. */
  if (!casella_store_build_contacts (store, error) || !casella_store_build_threads (store, error))
    return FALSE;
  /* The server said how often it takes a sign-in (LOGIN-DELAY): asking
   * sooner only gets refused, so it is not asked. */
  counts.next_allowed = next_login_allowed (store);
  if (counts.next_allowed > g_get_real_time () / G_USEC_PER_SEC)
    {
      counts.skipped = TRUE;
      if (result != NULL)
        *result = counts;
      return TRUE;
    }
  casella_await_init (&session.await);
  ok = open_session (&session, config, username, password, tokens, error) &&
       note_login (store, session.client, &counts, error) &&
       run (&session, store, policy, days, progress, progress_data, &counts, error);
  if (!ok)
    casella_store_rollback_all (store);
  if (result != NULL)
    *result = counts;
  g_clear_object (&session.client);
  casella_await_clear (&session.await);
  return ok;
}
