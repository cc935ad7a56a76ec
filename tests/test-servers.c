/* test-servers.c — the same sync, change and POP3 cases against Dovecot,
 * Cyrus IMAP and Courier: each a real server on loopback, each with its
 * own habits (INBOX. names, SPECIAL-USE or not, MOVE or not, POP3 UTF8
 * and LOGIN-DELAY, empty listings)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "casella-await.h"
#include "casella-engine.h"
#include "casella-imap-client.h"
#include "casella-imap-sync.h"
#include "casella-outbox.h"
#include "casella-pop3-sync.h"
#include "casella-store-actions.h"
#include "casella-store-queue.h"
#include "casella-test-dovecot.h"
#include "casella-test-mailserver.h"
#include "casella-test-pki.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"

#define PASSWORD "serverpw"

typedef struct {
  const char            *name;
  CasellaTestDovecot    *dovecot;    /* one of these two */
  CasellaTestMailServer *other;
} Server;

static Server servers[3];
static CasellaTestSmtp *sink;

static guint16
port (const Server       *server,
      CasellaTestService  service)
{
  return server->dovecot ? casella_test_dovecot_get_port (server->dovecot, service)
                         : casella_test_mail_server_get_port (server->other, service);
}

static CasellaNetConfig *
config_for (const Server       *server,
            CasellaTestService  service)
{
  CasellaNetConfig *config = casella_net_config_new ("localhost", port (server, service), CASELLA_SECURITY_TLS);

  casella_net_config_set_tls_database (config, casella_test_pki_get ()->database);
  casella_net_config_set_timeouts (config, 10000, 20000);
  return config;
}

/* Each case has users of its own on every server. */
static const char *const users[] = { "imap@example.test", "sent@example.test", "pop3@example.test" };

/* ---- the server's side, as another client sees it ---- */

static CasellaImapClient *
admin (const Server *server,
       const char   *user)
{
  g_autoptr(CasellaNetConfig) config = config_for (server, CASELLA_TEST_IMAPS);
  CasellaImapClient *client = casella_imap_client_new (config);
  g_auto(CasellaAwait) await = { 0 };
  g_autoptr(GError) error = NULL;

  casella_await_init (&await);
  casella_imap_client_connect_async (client, NULL, casella_await_done, &await);
  g_assert_true (casella_imap_client_connect_finish (client, casella_await (&await), &error));
  casella_imap_client_login_async (client, user, PASSWORD, NULL, casella_await_done, &await);
  g_assert_true (casella_imap_client_login_finish (client, casella_await (&await), &error));
  g_assert_no_error (error);
  return client;
}

static char *
personal_prefix (CasellaImapClient *client)
{
  g_auto(CasellaAwait) await = { 0 };
  g_autoptr(CasellaImapNamespaces) namespaces = NULL;
  g_autoptr(GError) error = NULL;

  casella_await_init (&await);
  casella_imap_client_namespace_async (client, NULL, casella_await_done, &await);
  namespaces = casella_imap_client_namespace_finish (client, casella_await (&await), &error);
  g_assert_no_error (error);
  return g_strdup (namespaces->personal->len ? ((CasellaImapNamespace *) namespaces->personal->pdata[0])->prefix : "");
}

static void
create (CasellaImapClient *client,
        const char        *mailbox)
{
  g_auto(CasellaAwait) await = { 0 };

  /* Cyrus made its own already: "exists" is fine. */
  casella_await_init (&await);
  casella_imap_client_create_async (client, mailbox, NULL, casella_await_done, &await);
  casella_imap_client_mailbox_command_finish (client, casella_await (&await), NULL);
}

static void
append (CasellaImapClient *client,
        const char        *mailbox,
        const char        *text)
{
  g_auto(CasellaAwait) await = { 0 };
  g_autoptr(GBytes) raw = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;

  casella_await_init (&await);
  casella_imap_client_append_async (client, mailbox, raw, 0, NULL, NULL, casella_await_done, &await);
  casella_imap_client_append_finish (client, casella_await (&await), &error);
  g_assert_no_error (error);
}

static char *
letter (guint n)
{
  return g_strdup_printf ("From: Anna <anna@example.test>\r\nTo: %s\r\nSubject: Lettera %u\r\n"
                          "Date: Tue, 1 Dec 2026 10:%02u:00 +0100\r\nMessage-ID: <server-%u@example.test>\r\n"
                          "\r\nCiao, lettera numero %u.\r\n", users[0], n, n % 60, n, n);
}

static guint
count (CasellaImapClient *client,
       const char        *mailbox)
{
  g_auto(CasellaAwait) await = { 0 };
  g_autoptr(CasellaImapStatusInfo) status = NULL;
  g_autoptr(GError) error = NULL;

  casella_await_init (&await);
  casella_imap_client_status_async (client, mailbox, "(MESSAGES)", NULL, casella_await_done, &await);
  status = casella_imap_client_status_finish (client, casella_await (&await), &error);
  g_assert_no_error (error);
  return status->messages;
}

/* The flags the server has for the message with this subject number. */
static CasellaImapFlags
server_flags (CasellaImapClient *client,
              const char        *mailbox,
              guint32            uid)
{
  g_auto(CasellaAwait) await = { 0 };
  g_autoptr(CasellaImapSelectInfo) info = NULL;
  g_autoptr(GPtrArray) fetched = NULL;
  g_autofree char *set = g_strdup_printf ("%u", uid);
  g_autoptr(GError) error = NULL;

  /* SELECT, not EXAMINE: Courier takes no APPEND into a mailbox examined. */
  casella_await_init (&await);
  casella_imap_client_select_async (client, mailbox, NULL, NULL, casella_await_done, &await);
  info = casella_imap_client_select_finish (client, casella_await (&await), &error);
  g_assert_no_error (error);
  casella_imap_client_uid_fetch_async (client, set, "(UID FLAGS)", 0, NULL, NULL, NULL, casella_await_done, &await);
  fetched = casella_imap_client_uid_fetch_finish (client, casella_await (&await), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetched->len, ==, 1);
  return ((CasellaImapFetch *) fetched->pdata[0])->flags;
}

/* ---- here ---- */

static CasellaStore *
new_store (void)
{
  g_autofree char *dir = casella_test_make_tmpdir ("casella-servers");
  g_autofree char *path = g_build_filename (dir, "mail.db", NULL);
  g_autoptr(GError) error = NULL;
  CasellaStore *store = casella_store_open (path, &error);

  g_assert_no_error (error);
  return store;
}

static void
sync_all (CasellaImapSync *sync)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (casella_imap_sync_run (sync, NULL, &error));
  g_assert_no_error (error);
}

static CasellaMessageInfo *
message_numbered (CasellaStore *store,
                  gint64        folder_id,
                  guint         n)
{
  g_autoptr(GArray) ids = casella_store_list_message_ids (store, folder_id, NULL, NULL);
  g_autofree char *subject = g_strdup_printf ("Lettera %u", n);

  for (guint i = 0; ids && i < ids->len; i++)
    {
      CasellaMessageInfo *info = casella_store_get_message (store, g_array_index (ids, gint64, i));
      if (g_strcmp0 (info->subject, subject) == 0)
        return info;
      casella_message_info_free (info);
    }
  return NULL;
}

/* ---- IMAP: folders, mail, changes both ways ---- */

static void
test_imap (gconstpointer data)
{
  const Server *server = data;
  g_autoptr(CasellaImapClient) other = admin (server, users[0]);
  g_autofree char *prefix = personal_prefix (other);
  g_autofree char *sent = g_strconcat (prefix, "Sent", NULL);
  g_autofree char *trash = g_strconcat (prefix, "Trash", NULL);
  g_autofree char *drafts = g_strconcat (prefix, "Drafts", NULL);
  g_autoptr(CasellaStore) store = new_store ();
  g_autoptr(CasellaNetConfig) config = config_for (server, CASELLA_TEST_IMAPS);
  g_autoptr(CasellaImapSync) sync = casella_imap_sync_new (store, config, users[0], PASSWORD);
  g_autoptr(CasellaStoreFolder) inbox = NULL, trash_folder = NULL;
  g_autoptr(CasellaMessageInfo) first = NULL, second = NULL, third = NULL;
  g_autoptr(GError) error = NULL;

  g_test_message ("%s: personal namespace \"%s\"", server->name, prefix);
  create (other, sent);
  create (other, trash);
  create (other, drafts);
  for (guint n = 1; n <= 25; n++)
    {
      g_autofree char *text = letter (n);
      append (other, "INBOX", text);
    }

  /* Every message whole, special folders known by role. */
  sync_all (sync);
  inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
  g_assert_cmpuint (inbox->total, ==, 25);
  first = message_numbered (store, inbox->id, 1);
  g_assert_nonnull (first);
  g_assert_cmpstr (first->from_address, ==, "anna@example.test");
  g_assert_nonnull (casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_SENT));
  g_assert_nonnull (casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_DRAFTS));
  trash_folder = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_TRASH);
  g_assert_nonnull (trash_folder);
  g_assert_cmpstr (trash_folder->path, ==, trash);

  /* Another client flags one: seen here at the next sync. */
  {
    g_auto(CasellaAwait) await = { 0 };
    g_autoptr(CasellaImapSelectInfo) info = NULL;
    g_autofree char *set = g_strdup_printf ("%u", first->uid);

    casella_await_init (&await);
    casella_imap_client_select_async (other, "INBOX", NULL, NULL, casella_await_done, &await);
    info = casella_imap_client_select_finish (other, casella_await (&await), &error);
    casella_imap_client_uid_store_async (other, set, "+FLAGS", CASELLA_IMAP_FLAG_FLAGGED, NULL, NULL,
                                         casella_await_done, &await);
    g_assert_true (casella_imap_client_uid_store_finish (other, casella_await (&await), &error));
  }
  sync_all (sync);
  g_clear_pointer (&first, casella_message_info_free);
  first = message_numbered (store, inbox->id, 1);
  g_assert_true (first->flags & CASELLA_MESSAGE_FLAGGED);

  /* Read here, then moved to the Trash here: the server follows. */
  second = message_numbered (store, inbox->id, 2);
  third = message_numbered (store, inbox->id, 3);
  g_assert_true (casella_store_local_mark (store, &second->id, 1, CASELLA_MESSAGE_SEEN, 0, &error));
  g_assert_true (casella_store_local_move (store, &third->id, 1, trash_folder->id, NULL, &error));
  sync_all (sync);
  g_assert_true (server_flags (other, "INBOX", second->uid) & CASELLA_IMAP_FLAG_SEEN);
  g_assert_cmpuint (count (other, "INBOX"), ==, 24);
  g_assert_cmpuint (count (other, trash), ==, 1);

  /* New mail arrives: here after the next sync, once. */
  {
    g_autofree char *text = letter (26);
    append (other, "INBOX", text);
  }
  sync_all (sync);
  sync_all (sync);
  g_clear_pointer (&inbox, casella_store_folder_free);
  inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
  g_assert_cmpuint (inbox->total, ==, 25);
  g_assert_true (casella_store_check_integrity (store, &error));
}

/* ---- the copy in Sent, filed once ---- */

static void
test_sent_copy (gconstpointer data)
{
  const Server *server = data;
  g_autoptr(CasellaImapClient) other = admin (server, users[1]);
  g_autofree char *prefix = personal_prefix (other);
  g_autofree char *sent = g_strconcat (prefix, "Sent", NULL);
  g_autoptr(CasellaStore) store = new_store ();
  g_autoptr(CasellaNetConfig) config = config_for (server, CASELLA_TEST_IMAPS);
  g_autoptr(CasellaNetConfig) smtp = casella_net_config_new ("localhost",
                                                             casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_SMTPS),
                                                             CASELLA_SECURITY_TLS);
  g_autoptr(CasellaImapSync) sync = casella_imap_sync_new (store, config, users[1], PASSWORD);
  g_auto(CasellaOutboxResult) result = { 0 };
  g_autofree char *text = g_strdup_printf ("From: %s\r\nTo: bob@example.test\r\nSubject: Inviata\r\n\r\nCiao.\r\n",
                                           users[1]);
  g_autoptr(GBytes) raw = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;

  casella_net_config_set_tls_database (smtp, casella_test_pki_get ()->database);
  create (other, sent);
  sync_all (sync);
  g_assert_cmpint (casella_store_outbox_add (store, raw, &error), >, 0);
  g_assert_true (casella_outbox_send (store, smtp, users[1], PASSWORD, NULL, sync, FALSE, &result, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.sent, ==, 1);
  g_assert_cmpuint (count (other, sent), ==, 1);
}

/* ---- POP3: empty, then mail, once ---- */

static CasellaPop3SyncResult
pop3_sync (const Server *server,
           CasellaStore *store)
{
  g_autoptr(CasellaNetConfig) config = config_for (server, CASELLA_TEST_POP3S);
  CasellaPop3SyncResult result = { 0 };
  g_autoptr(GError) error = NULL;

  gboolean ok = casella_pop3_sync_run (store, config, users[2], PASSWORD, NULL, CASELLA_POP3_KEEP, 0, NULL, NULL, &result,
                                       NULL, &error);

  g_assert_no_error (error);   /* first: it says what went wrong */
  g_assert_true (ok);
  return result;
}

static gboolean
login_allowed (gpointer data)
{
  return g_get_real_time () / G_USEC_PER_SEC >= *(gint64 *) data;
}

static void
test_pop3 (gconstpointer data)
{
  const Server *server = data;
  g_autoptr(CasellaImapClient) other = admin (server, users[2]);
  g_autoptr(CasellaStore) store = new_store ();
  g_autoptr(CasellaStoreFolder) inbox = NULL;
  CasellaPop3SyncResult result;

  /* A new account: an empty mailbox (Cyrus and Courier list nothing). */
  result = pop3_sync (server, store);
  g_assert_cmpuint (result.downloaded, ==, 0);
  for (guint n = 1; n <= 12; n++)
    {
      g_autofree char *text = letter (n);
      append (other, "INBOX", text);
    }
  /* The server's LOGIN-DELAY (Courier says 10 s) is kept: wait it out. */
  if (result.next_allowed > 0)
    g_assert_true (casella_test_wait_until (login_allowed, &result.next_allowed, 15000));
  result = pop3_sync (server, store);
  g_assert_false (result.skipped);
  g_assert_cmpuint (result.downloaded, ==, 12);
  if (result.next_allowed > 0)
    {
      /* Too early: not asked, nothing done. */
      CasellaPop3SyncResult early = pop3_sync (server, store);
      g_assert_true (early.skipped);
      g_assert_true (casella_test_wait_until (login_allowed, &result.next_allowed, 15000));
    }
  result = pop3_sync (server, store);
  g_assert_cmpuint (result.downloaded, ==, 0);
  inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
  g_assert_cmpuint (inbox->total, ==, 12);
  g_assert_cmpuint (count (other, "INBOX"), ==, 12);   /* kept on the server */
}

/* ---- POP3 and UTF-8 headers (RFC 6856) ---- */

static void
test_pop3_utf8 (void)
{
  const Server *courier = &servers[2];
  static const char raw[] = "From: =?UTF-8?Q?Nicol=C3=B2?= <nicolo@example.test>\r\nTo: pop3@example.test\r\n"
                            "Subject: Caff\xc3\xa8 e cornetto\r\nMessage-ID: <utf8@example.test>\r\n"
                            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nA domani.\r\n";
  g_autoptr(CasellaStore) store = new_store ();
  g_autoptr(CasellaStoreFolder) inbox = NULL;
  g_autoptr(CasellaMessageInfo) info = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  CasellaPop3SyncResult result;

  /* Straight into the Maildir, as a delivery agent would. */
  g_assert_true (casella_test_mail_server_deliver (courier->other, "utf8@example.test", raw, &error));
  {
    g_autoptr(CasellaNetConfig) config = config_for (courier, CASELLA_TEST_POP3S);
    g_assert_true (casella_pop3_sync_run (store, config, "utf8@example.test", PASSWORD, NULL, CASELLA_POP3_KEEP, 0, NULL,
                                          NULL, &result, NULL, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpuint (result.downloaded, ==, 1);
  inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
  ids = casella_store_list_message_ids (store, inbox->id, NULL, NULL);
  info = casella_store_get_message (store, g_array_index (ids, gint64, 0));
  /* Without UTF8, Courier sends a "cannot display Unicode" stub. */
  g_assert_cmpstr (info->subject, ==, "Caffè e cornetto");
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  casella_engine_init ();

  servers[0].name = "dovecot";
  servers[0].dovecot = casella_test_dovecot_new ();
  servers[1].name = "cyrus";
  servers[1].other = casella_test_mail_server_new (CASELLA_TEST_CYRUS);
  servers[2].name = "courier";
  servers[2].other = casella_test_mail_server_new (CASELLA_TEST_COURIER);
  for (guint s = 0; s < G_N_ELEMENTS (servers); s++)
    for (guint u = 0; u < G_N_ELEMENTS (users); u++)
      {
        if (servers[s].dovecot)
          casella_test_dovecot_add_user (servers[s].dovecot, users[u], PASSWORD);
        else
          casella_test_mail_server_add_user (servers[s].other, users[u], PASSWORD);
      }
  casella_test_mail_server_add_user (servers[2].other, "utf8@example.test", PASSWORD);
  g_assert_true (casella_test_dovecot_start (servers[0].dovecot, &error));
  for (guint s = 1; s < G_N_ELEMENTS (servers); s++)
    if (!casella_test_mail_server_start (servers[s].other, &error))
      g_error ("%s", error->message);
  sink = casella_test_smtp_new ();
  casella_test_smtp_add_user (sink, users[1], PASSWORD);
  g_assert_true (casella_test_smtp_start (sink, &error));

  for (guint s = 0; s < G_N_ELEMENTS (servers); s++)
    {
      g_autofree char *imap = g_strdup_printf ("/servers/%s/imap", servers[s].name);
      g_autofree char *sent = g_strdup_printf ("/servers/%s/sent-copy", servers[s].name);
      g_autofree char *pop3 = g_strdup_printf ("/servers/%s/pop3", servers[s].name);

      g_test_add_data_func (imap, &servers[s], test_imap);
      g_test_add_data_func (sent, &servers[s], test_sent_copy);
      g_test_add_data_func (pop3, &servers[s], test_pop3);
    }
  g_test_add_func ("/servers/courier/pop3-utf8", test_pop3_utf8);

  status = g_test_run ();
  casella_test_smtp_free (sink);
  casella_test_dovecot_free (servers[0].dovecot);
  casella_test_mail_server_free (servers[1].other);
  casella_test_mail_server_free (servers[2].other);
  return status;
}
