/* casella-imap-sync.c — the connection, the folder list, and a whole run
 *
 * A run: replay what was changed here, read the folder list, then
 * headers for every folder (INBOX first), then bodies within the budget
 * (INBOX first again). Each batch is committed as it arrives, so a run
 * cut short anywhere resumes where it stopped, without duplicates.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-imap-sync-private.h"
#include "casella-mail-error.h"
#include "casella-secret.h"
#include "casella-sign-in.h"
#include "casella-store-queue.h"

G_DEFINE_FINAL_TYPE (CasellaImapSync, casella_imap_sync, G_TYPE_OBJECT)

guint casella_imap_sync_signals[N_SYNC_SIGNALS];

/* ---- connection ---- */

void
casella_imap_sync_note_error (CasellaImapSync *self,
                              const GError    *error)
{
  if (error == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error->domain != CASELLA_MAIL_ERROR || error->code != CASELLA_MAIL_ERROR_SERVER_ERROR)
    casella_imap_sync_disconnect (self);
}

void
casella_imap_sync_disconnect (CasellaImapSync *self)
{
  if (self->client != NULL)
    casella_imap_client_disconnect (self->client);
  g_clear_object (&self->client);
}

static gboolean
enable_extensions (CasellaImapSync  *self,
                   GCancellable     *cancellable,
                   GError          **error)
{
  g_auto(CasellaAwait) await = { 0 };
  g_autoptr(GStrvBuilder) wanted = g_strv_builder_new ();
  g_auto(GStrv) extensions = NULL;
  g_auto(GStrv) enabled = NULL;

  self->uidplus = casella_imap_client_has_capability (self->client, "UIDPLUS");
  self->condstore = casella_imap_client_has_capability (self->client, "CONDSTORE");
  self->gmail = casella_imap_client_has_capability (self->client, "X-GM-EXT-1");
  self->qresync = FALSE;
  if (casella_imap_client_has_capability (self->client, "QRESYNC"))
    g_strv_builder_add (wanted, "QRESYNC");
  /* Headers and names in UTF-8 as they are, not downgraded (RFC 6855). */
  if (casella_imap_client_has_capability (self->client, "UTF8=ACCEPT"))
    g_strv_builder_add (wanted, "UTF8=ACCEPT");
  extensions = g_strv_builder_end (wanted);
  if (extensions[0] == NULL)
    return TRUE;
  casella_await_init (&await);
  casella_imap_client_enable_async (self->client, (const char * const *) extensions, cancellable,
                                    casella_await_done, &await);
  enabled = casella_imap_client_enable_finish (self->client, casella_await (&await), error);
  if (enabled == NULL)
    return FALSE;
  self->qresync = g_strv_contains ((const char * const *) enabled, "QRESYNC");
  self->condstore = self->condstore || self->qresync;
  return TRUE;
}

gboolean
casella_imap_sync_ensure_connected (CasellaImapSync  *self,
                                    GCancellable     *cancellable,
                                    GError          **error)
{
  g_auto(CasellaAwait) await = { 0 };
  g_autoptr(CasellaImapClient) client = NULL;

  if (self->client != NULL && casella_imap_client_is_authenticated (self->client))
    return TRUE;
  g_clear_object (&self->client);
  casella_await_init (&await);
  client = casella_imap_client_new (self->config);
  casella_imap_client_connect_async (client, cancellable, casella_await_done, &await);
  if (!casella_imap_client_connect_finish (client, casella_await (&await), error))
    return FALSE;
  casella_sign_in_async (G_OBJECT (client), self->username, self->password, self->tokens, cancellable,
                         casella_await_done, &await);
  if (!casella_sign_in_finish (casella_await (&await), error))
    return FALSE;
  self->client = g_steal_pointer (&client);
  if (!enable_extensions (self, cancellable, error))
    {
      casella_imap_sync_disconnect (self);
      return FALSE;
    }
  return TRUE;
}

CasellaImapSelectInfo *
casella_imap_sync_select (CasellaImapSync          *self,
                          const CasellaStoreFolder *folder,
                          gboolean                  qresync,
                          GCancellable             *cancellable,
                          GError                  **error)
{
  g_auto(CasellaAwait) await = { 0 };
  CasellaImapSelectParams params = { 0 };
  CasellaImapSelectInfo *info;

  params.condstore = self->condstore;
  if (qresync && self->qresync && folder->uidvalidity != 0 && folder->highestmodseq != 0)
    {
      params.qresync_uidvalidity = folder->uidvalidity;
      params.qresync_modseq = folder->highestmodseq;
    }
  casella_await_init (&await);
  casella_imap_client_select_async (self->client, folder->path, &params, cancellable, casella_await_done, &await);
  info = casella_imap_client_select_finish (self->client, casella_await (&await), error);
  return info;
}

void
casella_imap_sync_progress (CasellaImapSync *self,
                            const char      *folder,
                            const char      *stage,
                            guint            done,
                            guint            total)
{
  g_signal_emit (self, casella_imap_sync_signals[SIGNAL_PROGRESS], 0, folder, stage, done, total);
}

/* ---- folders ---- */

/* Servers without SPECIAL-USE still use a few well-known names. */
static CasellaFolderRole
role_by_name (const char *name)
{
  static const struct { const char *name; CasellaFolderRole role; } names[] = {
    /* English, then the Italian names providers and clients use. */
    { "sent", CASELLA_FOLDER_ROLE_SENT }, { "sent items", CASELLA_FOLDER_ROLE_SENT },
    { "sent messages", CASELLA_FOLDER_ROLE_SENT }, { "sent mail", CASELLA_FOLDER_ROLE_SENT },
    { "posta inviata", CASELLA_FOLDER_ROLE_SENT }, { "inviata", CASELLA_FOLDER_ROLE_SENT },
    { "inviati", CASELLA_FOLDER_ROLE_SENT }, { "elementi inviati", CASELLA_FOLDER_ROLE_SENT },
    { "messaggi inviati", CASELLA_FOLDER_ROLE_SENT },
    { "drafts", CASELLA_FOLDER_ROLE_DRAFTS }, { "draft", CASELLA_FOLDER_ROLE_DRAFTS },
    { "bozze", CASELLA_FOLDER_ROLE_DRAFTS },
    { "trash", CASELLA_FOLDER_ROLE_TRASH }, { "deleted items", CASELLA_FOLDER_ROLE_TRASH },
    { "deleted messages", CASELLA_FOLDER_ROLE_TRASH }, { "deleted", CASELLA_FOLDER_ROLE_TRASH },
    { "cestino", CASELLA_FOLDER_ROLE_TRASH }, { "posta eliminata", CASELLA_FOLDER_ROLE_TRASH },
    { "elementi eliminati", CASELLA_FOLDER_ROLE_TRASH },
    { "junk", CASELLA_FOLDER_ROLE_JUNK }, { "junk e-mail", CASELLA_FOLDER_ROLE_JUNK },
    { "spam", CASELLA_FOLDER_ROLE_JUNK }, { "posta indesiderata", CASELLA_FOLDER_ROLE_JUNK },
    { "indesiderata", CASELLA_FOLDER_ROLE_JUNK },
    { "archive", CASELLA_FOLDER_ROLE_ARCHIVE }, { "archivio", CASELLA_FOLDER_ROLE_ARCHIVE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (name, names[i].name) == 0)
      return names[i].role;
  return CASELLA_FOLDER_ROLE_NONE;
}

/* The folder's own name: without the personal namespace's prefix
 * ("INBOX." on Courier and Cyrus), so INBOX.Sent is Sent. NULL when what
 * is left is itself nested (INBOX.Work.Sent is the user's). */
static const char *
top_level_name (const CasellaImapMailbox *mailbox,
                const char               *prefix)
{
  const char *name = mailbox->name;

  if (prefix != NULL && prefix[0] != '\0' && g_str_has_prefix (name, prefix))
    name += strlen (prefix);
  else if (mailbox->separator && g_ascii_strncasecmp (name, "INBOX", 5) == 0 && name[5] == mailbox->separator)
    name += 6;   /* the same layout, from a server without NAMESPACE */
  if (name[0] == '\0' || (mailbox->separator && strchr (name, mailbox->separator)))
    return NULL;
  return name;
}

CasellaFolderRole
casella_imap_sync_role_of (const CasellaImapMailbox *mailbox,
                           const char               *personal_prefix)
{
  CasellaImapMailboxFlags flags = mailbox->flags;
  const char *name;

  if ((flags & CASELLA_IMAP_MAILBOX_INBOX) || g_ascii_strcasecmp (mailbox->name, "INBOX") == 0)
    return CASELLA_FOLDER_ROLE_INBOX;
  if (flags & CASELLA_IMAP_MAILBOX_SENT)
    return CASELLA_FOLDER_ROLE_SENT;
  if (flags & CASELLA_IMAP_MAILBOX_DRAFTS)
    return CASELLA_FOLDER_ROLE_DRAFTS;
  if (flags & CASELLA_IMAP_MAILBOX_TRASH)
    return CASELLA_FOLDER_ROLE_TRASH;
  if (flags & CASELLA_IMAP_MAILBOX_JUNK)
    return CASELLA_FOLDER_ROLE_JUNK;
  if (flags & CASELLA_IMAP_MAILBOX_ARCHIVE)
    return CASELLA_FOLDER_ROLE_ARCHIVE;
  if (flags & CASELLA_IMAP_MAILBOX_ALL)
    return CASELLA_FOLDER_ROLE_ALL;
  if (flags & CASELLA_IMAP_MAILBOX_FLAGGED)
    return CASELLA_FOLDER_ROLE_FLAGGED;
  name = top_level_name (mailbox, personal_prefix);
  return name ? role_by_name (name) : CASELLA_FOLDER_ROLE_NONE;
}

/* The personal namespace's prefix ("INBOX." on Courier), asked once. */
static gboolean
learn_namespace (CasellaImapSync  *self,
                 GCancellable     *cancellable,
                 GError          **error)
{
  g_auto(CasellaAwait) await = { 0 };
  g_autoptr(CasellaImapNamespaces) namespaces = NULL;

  if (self->personal_prefix != NULL || !casella_imap_client_has_capability (self->client, "NAMESPACE"))
    return TRUE;
  casella_await_init (&await);
  casella_imap_client_namespace_async (self->client, cancellable, casella_await_done, &await);
  namespaces = casella_imap_client_namespace_finish (self->client, casella_await (&await), error);
  if (namespaces == NULL)
    return FALSE;
  self->personal_prefix = g_strdup (namespaces->personal && namespaces->personal->len > 0
                                    ? ((CasellaImapNamespace *) namespaces->personal->pdata[0])->prefix : "");
  return TRUE;
}

static GPtrArray *
list_mailboxes (CasellaImapSync  *self,
                gboolean          subscribed,
                GCancellable     *cancellable,
                GError          **error)
{
  g_auto(CasellaAwait) await = { 0 };

  casella_await_init (&await);
  if (subscribed)
    {
      casella_imap_client_lsub_async (self->client, "", "*", cancellable, casella_await_done, &await);
      return casella_imap_client_lsub_finish (self->client, casella_await (&await), error);
    }
  casella_imap_client_list_async (self->client, "", "*", cancellable, casella_await_done, &await);
  return casella_imap_client_list_finish (self->client, casella_await (&await), error);
}

static void
save_mailbox (CasellaImapSync          *self,
              const CasellaImapMailbox *mailbox,
              const CasellaStoreFolder *known,
              GHashTable               *subscribed,
              GError                  **error)
{
  CasellaStoreFolder folder = { 0 };

  if (known != NULL)
    folder = *known;
  folder.path = mailbox->name;
  folder.name = NULL;
  folder.separator = mailbox->separator;
  folder.role = casella_imap_sync_role_of (mailbox, self->personal_prefix);
  folder.flags = ((mailbox->flags & (CASELLA_IMAP_MAILBOX_NOSELECT | CASELLA_IMAP_MAILBOX_NONEXISTENT))
                    ? CASELLA_FOLDER_NOSELECT : 0) |
                 ((mailbox->flags & CASELLA_IMAP_MAILBOX_NOINFERIORS) ? CASELLA_FOLDER_NOINFERIORS : 0);
  folder.subscribed = folder.role == CASELLA_FOLDER_ROLE_INBOX || g_hash_table_contains (subscribed, mailbox->name);
  casella_store_save_folder (self->store, &folder, error);
}

/* Folder changes made here and not yet replayed: the folders they are
 * about (held as they are here), and the paths they took away (a
 * rename's old name, a deleted folder's). A listing asked for before
 * them knows neither. */
static gboolean
pending_folder_changes (CasellaImapSync  *self,
                        GHashTable       *held,
                        GHashTable       *gone,
                        GError          **error)
{
  g_autoptr(GPtrArray) ops = casella_store_list_ops (self->store, error);

  for (guint i = 0; ops && i < ops->len; i++)
    {
      CasellaPendingOp *op = ops->pdata[i];

      switch (op->kind)
        {
        case CASELLA_PENDING_CREATE_FOLDER:
        case CASELLA_PENDING_SUBSCRIBE:
          g_hash_table_add (held, g_memdup2 (&op->folder_id, sizeof op->folder_id));
          break;
        case CASELLA_PENDING_RENAME_FOLDER:
          g_hash_table_add (held, g_memdup2 (&op->folder_id, sizeof op->folder_id));
          if (op->undo != NULL)
            g_hash_table_add (gone, g_strdup (op->undo));
          break;
        case CASELLA_PENDING_DELETE_FOLDER:
          if (op->arg != NULL)
            g_hash_table_add (gone, g_strdup (op->arg));
          break;
        default:
          break;
        }
    }
  return ops != NULL;
}

/* The listed folders into the store, in one transaction with the look
 * at what waits to be replayed: a change made here while the list was
 * on its way is kept. Folders gone from the server go here too (a
 * rename elsewhere looks like that: old gone, new there). */
static gboolean
save_folder_list (CasellaImapSync *self,
                  GPtrArray       *mailboxes,
                  GHashTable      *subscribed,
                  GHashTable      *seen,
                  GError         **error)
{
  g_autoptr(GHashTable) held = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GHashTable) gone = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) folders = NULL;

  if (!casella_store_begin (self->store, error))
    return FALSE;
  if (!pending_folder_changes (self, held, gone, error))
    {
      casella_store_rollback (self->store);
      return FALSE;
    }
  for (guint i = 0; i < mailboxes->len; i++)
    {
      CasellaImapMailbox *mailbox = mailboxes->pdata[i];
      g_autoptr(CasellaStoreFolder) known = casella_store_find_folder (self->store, mailbox->name);

      g_hash_table_add (seen, g_strdup (mailbox->name));
      if (!g_hash_table_contains (gone, mailbox->name) && !(known && g_hash_table_contains (held, &known->id)))
        save_mailbox (self, mailbox, known, subscribed, NULL);
    }
  folders = casella_store_list_folders (self->store, error);
  for (guint i = 0; folders && i < folders->len; i++)
    {
      CasellaStoreFolder *folder = folders->pdata[i];
      if (!(folder->flags & CASELLA_FOLDER_LOCAL) && !g_hash_table_contains (seen, folder->path) &&
          !g_hash_table_contains (held, &folder->id))
        casella_store_delete_folder (self->store, folder->id, NULL);
    }
  return casella_store_commit (self->store, error);
}

/* The paths the server listed, or NULL. */
static GHashTable *
sync_folder_list (CasellaImapSync  *self,
                  GCancellable     *cancellable,
                  GError          **error)
{
  g_autoptr(GPtrArray) mailboxes = NULL;
  g_autoptr(GPtrArray) subscribed_list = NULL;
  g_autoptr(GHashTable) subscribed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (!learn_namespace (self, cancellable, error))
    return NULL;
  mailboxes = list_mailboxes (self, FALSE, cancellable, error);
  subscribed_list = mailboxes ? list_mailboxes (self, TRUE, cancellable, error) : NULL;
  if (mailboxes == NULL || subscribed_list == NULL)
    return NULL;
  for (guint i = 0; i < subscribed_list->len; i++)
    g_hash_table_add (subscribed, ((CasellaImapMailbox *) subscribed_list->pdata[i])->name);
  return save_folder_list (self, mailboxes, subscribed, seen, error) ? g_steal_pointer (&seen) : NULL;
}

/* INBOX first, then the rest as listed; folders that hold only folders
 * have no messages, and one made or renamed here since the listing is
 * not on the server under that name yet. */
static GPtrArray *
folders_to_sync (CasellaImapSync  *self,
                 GHashTable       *listed,
                 GError          **error)
{
  g_autoptr(GPtrArray) all = casella_store_list_folders (self->store, error);
  GPtrArray *order;

  if (all == NULL)
    return NULL;
  order = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_store_folder_free);
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < all->len; i++)
      {
        CasellaStoreFolder *folder = all->pdata[i];
        gboolean inbox = folder->role == CASELLA_FOLDER_ROLE_INBOX;

        if ((folder->flags & (CASELLA_FOLDER_NOSELECT | CASELLA_FOLDER_LOCAL)) || inbox != (pass == 0) ||
            !g_hash_table_contains (listed, folder->path))
          continue;
        g_ptr_array_add (order, casella_store_folder_copy (folder));
      }
  return order;
}

/* ---- a whole run ---- */

static gboolean
run_steps (CasellaImapSync  *self,
           GCancellable     *cancellable,
           GError          **error)
{
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(GHashTable) listed = NULL;
  guint64 budget = self->body_budget;
  g_autofree char *protocol = casella_store_get_meta (self->store, "protocol");

  if (protocol == NULL && !casella_store_set_meta (self->store, "protocol", "imap", error))
    return FALSE;
  /* A store from before address completion and conversations: its
   * people and conversations, once. */
  if (!casella_store_build_contacts (self->store, error) || !casella_store_build_threads (self->store, error))
    return FALSE;
  if (!casella_imap_sync_ensure_connected (self, cancellable, error) ||
      !casella_imap_sync_replay (self, cancellable, error) ||
      (listed = sync_folder_list (self, cancellable, error)) == NULL)
    return FALSE;
  folders = folders_to_sync (self, listed, error);
  if (folders == NULL)
    return FALSE;
  for (guint i = 0; i < folders->len; i++)
    if (!casella_imap_sync_folder_headers (self, folders->pdata[i], cancellable, error))
      return FALSE;
  for (guint i = 0; i < folders->len && budget > 0; i++)
    if (!casella_imap_sync_folder_bodies (self, folders->pdata[i], &budget, cancellable, error))
      return FALSE;
  return TRUE;
}

gboolean
casella_imap_sync_run (CasellaImapSync  *self,
                       GCancellable     *cancellable,
                       GError          **error)
{
  GError *local = NULL;

  g_return_val_if_fail (CASELLA_IS_IMAP_SYNC (self), FALSE);

  if (run_steps (self, cancellable, &local))
    return TRUE;
  casella_store_rollback_all (self->store);
  casella_imap_sync_note_error (self, local);
  g_propagate_error (error, local);
  return FALSE;
}

gboolean
casella_imap_sync_folder (CasellaImapSync  *self,
                          gint64            folder_id,
                          GCancellable     *cancellable,
                          GError          **error)
{
  g_autoptr(CasellaStoreFolder) folder = casella_store_get_folder (self->store, folder_id);
  guint64 budget = self->body_budget;
  GError *local = NULL;

  if (folder == NULL)
    {
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_NOT_FOUND, "No such folder");
      return FALSE;
    }
  if (casella_imap_sync_ensure_connected (self, cancellable, &local) &&
      casella_imap_sync_folder_headers (self, folder, cancellable, &local) &&
      (budget == 0 || casella_imap_sync_folder_bodies (self, folder, &budget, cancellable, &local)))
    return TRUE;
  casella_store_rollback_all (self->store);
  casella_imap_sync_note_error (self, local);
  g_propagate_error (error, local);
  return FALSE;
}

/* ---- on demand ---- */

static gboolean
select_plain (CasellaImapSync           *self,
              const CasellaStoreFolder  *folder,
              GCancellable              *cancellable,
              GError                   **error)
{
  g_autoptr(CasellaImapSelectInfo) info = NULL;

  if (!casella_imap_sync_ensure_connected (self, cancellable, error))
    return FALSE;
  if (g_strcmp0 (casella_imap_client_get_selected (self->client), folder->path) == 0)
    return TRUE;
  info = casella_imap_sync_select (self, folder, FALSE, cancellable, error);
  return info != NULL;
}

/* The server tells a connection of new mail only when it answers it, so
 * a message the sync's connection just stored may be news to this one:
 * its UID FETCH then comes back empty. A NOOP brings the news. */
static gboolean
hear_news (CasellaImapSync  *self,
           GCancellable     *cancellable,
           GError          **error)
{
  g_auto(CasellaAwait) await = { 0 };

  casella_await_init (&await);
  casella_imap_client_noop_async (self->client, cancellable, casella_await_done, &await);
  return casella_imap_client_noop_finish (self->client, casella_await (&await), error);
}

static gboolean
fetch_one_body (CasellaImapSync          *self,
                const CasellaStoreFolder *folder,
                guint32                   uid,
                GCancellable             *cancellable,
                GError                  **error)
{
  return select_plain (self, folder, cancellable, error) &&
         casella_imap_sync_fetch_bodies (self, folder, &uid, 1, cancellable, error);
}

GBytes *
casella_imap_sync_fetch_body (CasellaImapSync  *self,
                              gint64            message_id,
                              GCancellable     *cancellable,
                              GError          **error)
{
  g_autoptr(CasellaMessageInfo) message = casella_store_get_message (self->store, message_id);
  g_autoptr(CasellaStoreFolder) folder = NULL;
  GError *local = NULL;
  gboolean was_open;
  GBytes *body;

  if (message == NULL || message->has_body || message->uid == 0)
    return casella_store_get_body (self->store, message_id, error);
  folder = casella_store_get_folder (self->store, message->folder_id);
  if (folder == NULL)
    {
      g_set_error (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_NOT_FOUND, "No such folder");
      return NULL;
    }
  was_open = self->client != NULL && g_strcmp0 (casella_imap_client_get_selected (self->client), folder->path) == 0;
  if (!fetch_one_body (self, folder, message->uid, cancellable, &local))
    goto failed;
  body = casella_store_get_body (self->store, message_id, NULL);
  if (body == NULL && was_open &&
      !(hear_news (self, cancellable, &local) && fetch_one_body (self, folder, message->uid, cancellable, &local)))
    goto failed;
  return body != NULL ? body : casella_store_get_body (self->store, message_id, error);

failed:
  casella_imap_sync_note_error (self, local);
  g_propagate_error (error, local);
  return NULL;
}

GArray *
casella_imap_sync_search (CasellaImapSync  *self,
                          gint64            folder_id,
                          const char       *text,
                          GCancellable     *cancellable,
                          GError          **error)
{
  g_autoptr(CasellaStoreFolder) folder = casella_store_get_folder (self->store, folder_id);
  g_autoptr(CasellaSearchQuery) query = casella_search_query_parse (text);
  g_auto(CasellaAwait) await = { 0 };
  g_autoptr(GArray) uids = NULL, missing = g_array_new (FALSE, FALSE, sizeof (guint32));
  GArray *ids;

  if (folder == NULL || !select_plain (self, folder, cancellable, error))
    return NULL;
  casella_await_init (&await);
  if (casella_search_query_is_empty (query))
    return g_array_new (FALSE, FALSE, sizeof (gint64));
  casella_imap_client_uid_search_query_async (self->client, query, cancellable, casella_await_done, &await);
  uids = casella_imap_client_uid_search_finish (self->client, casella_await (&await), error);
  if (uids == NULL)
    return NULL;
  for (guint i = 0; i < uids->len; i++)
    {
      g_autoptr(CasellaMessageInfo) known = casella_store_find_message (self->store, folder->id,
                                                                        g_array_index (uids, guint32, i));
      if (known == NULL)
        g_array_append_val (missing, g_array_index (uids, guint32, i));
    }
  if (missing->len > 0 && !casella_imap_sync_fetch_headers (self, folder, missing, cancellable, error))
    return NULL;
  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < uids->len; i++)
    {
      g_autoptr(CasellaMessageInfo) found = casella_store_find_message (self->store, folder->id,
                                                                        g_array_index (uids, guint32, i));
      /* The server has no key for it: what is known here decides. */
      if (found != NULL && (!query->has_attachment || found->has_attachment))
        g_array_append_val (ids, found->id);
    }
  return ids;
}

gboolean
casella_imap_sync_has_message_id (CasellaImapSync  *self,
                                  gint64            folder_id,
                                  const char       *message_id,
                                  gboolean         *found,
                                  GCancellable     *cancellable,
                                  GError          **error)
{
  guint32 uid = 0;

  if (!casella_imap_sync_find_message_id (self, folder_id, message_id, &uid, cancellable, error))
    return FALSE;
  *found = uid != 0;
  return TRUE;
}

gboolean
casella_imap_sync_find_message_id (CasellaImapSync  *self,
                                   gint64            folder_id,
                                   const char       *message_id,
                                   guint32          *uid,
                                   GCancellable     *cancellable,
                                   GError          **error)
{
  g_autoptr(CasellaStoreFolder) folder = casella_store_get_folder (self->store, folder_id);
  g_auto(CasellaAwait) await = { 0 };
  g_autoptr(GArray) uids = NULL;
  g_autofree char *criteria = NULL;

  if (strpbrk (message_id, "\"\\\r\n") != NULL)
    {
      g_set_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_FAILED, "A Message-ID IMAP cannot search for");
      return FALSE;
    }
  if (folder == NULL || !select_plain (self, folder, cancellable, error))
    return FALSE;
  criteria = g_strdup_printf ("HEADER Message-ID \"<%s>\"", message_id);
  casella_await_init (&await);
  casella_imap_client_uid_search_async (self->client, criteria, cancellable, casella_await_done, &await);
  uids = casella_imap_client_uid_search_finish (self->client, casella_await (&await), error);
  if (uids == NULL)
    return FALSE;
  *uid = uids->len > 0 ? g_array_index (uids, guint32, uids->len - 1) : 0;
  return TRUE;
}

gboolean
casella_imap_sync_append (CasellaImapSync  *self,
                          gint64            folder_id,
                          GBytes           *raw,
                          GCancellable     *cancellable,
                          GError          **error)
{
  return casella_imap_sync_append_flagged (self, folder_id, raw, CASELLA_IMAP_FLAG_SEEN, NULL, cancellable, error);
}

gboolean
casella_imap_sync_append_flagged (CasellaImapSync  *self,
                                  gint64            folder_id,
                                  GBytes           *raw,
                                  guint             flags,
                                  guint32          *uid,
                                  GCancellable     *cancellable,
                                  GError          **error)
{
  g_autoptr(CasellaStoreFolder) folder = casella_store_get_folder (self->store, folder_id);
  g_auto(CasellaAwait) await = { 0 };
  GError *local = NULL;
  guint32 appended;

  if (folder == NULL || !casella_imap_sync_ensure_connected (self, cancellable, error))
    return FALSE;
  casella_await_init (&await);
  casella_imap_client_append_async (self->client, folder->path, raw, flags, NULL, cancellable,
                                    casella_await_done, &await);
  appended = casella_imap_client_append_finish (self->client, casella_await (&await), &local);
  if (local != NULL)
    {
      casella_imap_sync_note_error (self, local);
      g_propagate_error (error, local);
      return FALSE;
    }
  if (uid != NULL)
    *uid = appended;
  return TRUE;
}

/* ---- waiting for news ---- */

typedef struct {
  CasellaImapClient *client;
  gboolean           changed;
} Idle;

static void
on_news (Idle *idle)
{
  idle->changed = TRUE;
  if (casella_imap_client_is_idling (idle->client))
    casella_imap_client_idle_done (idle->client);
}

static gboolean
on_idle_timeout (gpointer user_data)
{
  Idle *idle = user_data;

  if (casella_imap_client_is_idling (idle->client))
    casella_imap_client_idle_done (idle->client);
  return G_SOURCE_REMOVE;
}

/* "exists" and "expunge" (a number), "vanished" (a set), "fetch". */
static void
on_news_1 (CasellaImapClient *client,
           guint              number,
           Idle              *idle)
{
  on_news (idle);
}

static void
on_news_2 (CasellaImapClient *client,
           const char        *set,
           gboolean           earlier,
           Idle              *idle)
{
  on_news (idle);
}

static void
on_news_fetch (CasellaImapClient *client,
               gpointer           fetch,
               Idle              *idle)
{
  on_news (idle);
}

gboolean
casella_imap_sync_wait_for_change (CasellaImapSync  *self,
                                   gint64            folder_id,
                                   guint             timeout_ms,
                                   GCancellable     *cancellable,
                                   GError          **error)
{
  g_autoptr(CasellaStoreFolder) folder = casella_store_get_folder (self->store, folder_id);
  g_auto(CasellaAwait) await = { 0 };
  Idle idle = { NULL, FALSE };
  gulong handlers[4];
  g_autoptr(GSource) timeout = g_timeout_source_new (timeout_ms);
  GError *local = NULL;

  if (folder == NULL || !select_plain (self, folder, cancellable, error))
    return FALSE;
  /* Woken while the folder was being selected: no IDLE to cut short. */
  if (self->interrupted)
    {
      self->interrupted = FALSE;
      return FALSE;
    }
  idle.client = self->client;
  handlers[0] = g_signal_connect (self->client, "exists", G_CALLBACK (on_news_1), &idle);
  handlers[1] = g_signal_connect (self->client, "expunge", G_CALLBACK (on_news_1), &idle);
  handlers[2] = g_signal_connect (self->client, "vanished", G_CALLBACK (on_news_2), &idle);
  handlers[3] = g_signal_connect (self->client, "fetch", G_CALLBACK (on_news_fetch), &idle);
  g_source_set_callback (timeout, on_idle_timeout, &idle, NULL);
  g_source_attach (timeout, g_main_context_get_thread_default ());

  casella_await_init (&await);
  casella_imap_client_idle_async (self->client, cancellable, casella_await_done, &await);
  casella_imap_client_idle_finish (self->client, casella_await (&await), &local);
  self->interrupted = FALSE;

  g_source_destroy (timeout);
  for (guint i = 0; i < G_N_ELEMENTS (handlers); i++)
    g_signal_handler_disconnect (self->client, handlers[i]);
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (local);
      casella_imap_sync_disconnect (self);   /* IDLE cut short: start clean */
      return FALSE;
    }
  if (local != NULL)
    {
      casella_imap_sync_note_error (self, local);
      g_propagate_error (error, local);
      return FALSE;
    }
  return idle.changed;
}

/* Sticky: a wake that comes before the IDLE is confirmed (or even sent)
 * still ends it, else a change made then would wait for the next round. */
void
casella_imap_sync_interrupt (CasellaImapSync *self)
{
  self->interrupted = TRUE;
  if (self->client != NULL)
    casella_imap_client_idle_done (self->client);   /* nothing without an IDLE */
}

/* ---- the object ---- */

static void
casella_imap_sync_finalize (GObject *object)
{
  CasellaImapSync *self = CASELLA_IMAP_SYNC (object);

  casella_imap_sync_disconnect (self);
  g_clear_object (&self->store);
  g_clear_pointer (&self->config, casella_net_config_unref);
  g_free (self->username);
  g_free (self->personal_prefix);
  casella_secret_free (self->password);
  g_clear_object (&self->tokens);
  casella_imap_sync_set_offline_func (self, NULL, NULL, NULL);

  G_OBJECT_CLASS (casella_imap_sync_parent_class)->finalize (object);
}

static void
casella_imap_sync_class_init (CasellaImapSyncClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = casella_imap_sync_finalize;

  /* (folder path, stage "headers"/"bodies", done, total) */
  casella_imap_sync_signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_UINT);
  /* A change made here was refused and undone: (message id or 0, GError) */
  casella_imap_sync_signals[SIGNAL_REPLAY_FAILED] =
    g_signal_new ("replay-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_ERROR);
  /* A folder's messages were brought up to date (folder id). */
  casella_imap_sync_signals[SIGNAL_FOLDER_SYNCED] =
    g_signal_new ("folder-synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
casella_imap_sync_init (CasellaImapSync *self)
{
  self->batch_size = 500;
  self->body_budget = 32 * 1024 * 1024;
}

CasellaImapSync *
casella_imap_sync_new (CasellaStore     *store,
                       CasellaNetConfig *config,
                       const char       *username,
                       const char       *password)
{
  CasellaImapSync *self = g_object_new (CASELLA_TYPE_IMAP_SYNC, NULL);

  self->store = g_object_ref (store);
  self->config = casella_net_config_ref (config);
  self->username = g_strdup (username);
  self->password = g_strdup (password);
  return self;
}

void
casella_imap_sync_set_password (CasellaImapSync *self,
                                const char      *password)
{
  casella_secret_free (self->password);
  self->password = g_strdup (password);
}

void
casella_imap_sync_set_tokens (CasellaImapSync    *self,
                              CasellaTokenSource *tokens)
{
  g_set_object (&self->tokens, tokens);
}

void
casella_imap_sync_set_offline_func (CasellaImapSync            *self,
                                    CasellaImapSyncOfflineFunc  func,
                                    gpointer                    user_data,
                                    GDestroyNotify              destroy)
{
  g_return_if_fail (CASELLA_IS_IMAP_SYNC (self));

  if (self->offline_destroy != NULL)
    self->offline_destroy (self->offline_data);
  self->offline_func = func;
  self->offline_data = user_data;
  self->offline_destroy = destroy;
}

gboolean
casella_imap_sync_keeps_offline (CasellaImapSync *self,
                                 const char      *path)
{
  return self->offline_func == NULL || self->offline_func (path, self->offline_data);
}

void
casella_imap_sync_set_body_budget (CasellaImapSync *self,
                                   guint64          bytes)
{
  self->body_budget = bytes;
}

void
casella_imap_sync_set_batch_size (CasellaImapSync *self,
                                  guint            messages)
{
  self->batch_size = MAX (messages, 1);
}

CasellaStore *
casella_imap_sync_get_store (CasellaImapSync *self)
{
  return self->store;
}
