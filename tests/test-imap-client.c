/* test-imap-client.c — the IMAP client against a real Dovecot
 *
 * One Dovecot serves the whole file; every test logs in as its own user
 * so tests do not see each other's mail.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-imap-client.h"
#include "casella-mail-error.h"
#include "casella-test-dovecot.h"
#include "casella-test-pki.h"
#include "casella-test-util.h"

static CasellaTestDovecot *dovecot;

#define N_USERS 24

static const char *
user (guint n)
{
  static char names[N_USERS][32];

  g_assert (n < N_USERS);
  g_snprintf (names[n], sizeof names[n], "user%u@example.test", n);
  return names[n];
}

static const char message_template[] =
  "From: Bob <bob@example.test>\r\n"
  "To: Alice <alice@example.test>\r\n"
  "Subject: %s\r\n"
  "Message-ID: <%s@example.test>\r\n"
  "Date: Thu, 26 Nov 2026 10:00:00 +0100\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n"
  "\r\n"
  "%s\r\n";

static void
deliver (guint n, const char *folder, const char *subject, const char *body)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *text = g_strdup_printf (message_template, subject, id, body);

  casella_test_dovecot_deliver (dovecot, user (n), folder, text, -1, NULL, &error);
  g_assert_no_error (error);
}

static CasellaNetConfig *
config_for (CasellaTestDovecot *server,
            CasellaTestService  service,
            CasellaSecurity     security)
{
  CasellaNetConfig *config = casella_net_config_new ("localhost",
                                                     casella_test_dovecot_get_port (server, service),
                                                     security);

  casella_net_config_set_tls_database (config, casella_test_pki_get ()->database);
  return config;
}

static CasellaImapClient *
connect_to (CasellaTestDovecot *server,
            CasellaTestService  service,
            CasellaSecurity     security)
{
  g_autoptr(CasellaNetConfig) config = config_for (server, service, security);
  CasellaImapClient *client = casella_imap_client_new (config);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  casella_imap_client_connect_async (client, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  casella_imap_client_connect_finish (client, result, &error);
  g_assert_no_error (error);
  return client;
}

static void
login (CasellaImapClient *client,
       const char        *name,
       const char        *password)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  casella_imap_client_login_async (client, name, password, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  casella_imap_client_login_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_true (casella_imap_client_is_authenticated (client));
}

static CasellaImapClient *
logged_in (guint n)
{
  CasellaImapClient *client = connect_to (dovecot, CASELLA_TEST_IMAPS, CASELLA_SECURITY_TLS);

  login (client, user (n), "pw");
  return client;
}

static void
logout (CasellaImapClient *client)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  casella_imap_client_logout_async (client, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  casella_imap_client_logout_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_false (casella_imap_client_is_connected (client));
}

static CasellaImapSelectInfo *
select_mailbox (CasellaImapClient *client,
                const char        *mailbox,
                gboolean           read_only)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  CasellaImapSelectInfo *info;

  if (read_only)
    casella_imap_client_examine_async (client, mailbox, NULL, NULL, casella_test_store_result, &result);
  else
    casella_imap_client_select_async (client, mailbox, NULL, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  info = casella_imap_client_select_finish (client, result, &error);
  g_assert_no_error (error);
  return info;
}

static gboolean
mailbox_command (CasellaImapClient *client,
                 void (*start) (CasellaImapClient *, const char *, GCancellable *, GAsyncReadyCallback, gpointer),
                 const char        *mailbox,
                 GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  start (client, mailbox, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  return casella_imap_client_mailbox_command_finish (client, result, error);
}

static GPtrArray *
list_all (CasellaImapClient *client,
          gboolean           subscribed)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *list;

  if (subscribed)
    casella_imap_client_lsub_async (client, "", "*", NULL, casella_test_store_result, &result);
  else
    casella_imap_client_list_async (client, "", "*", NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  list = subscribed ? casella_imap_client_lsub_finish (client, result, &error)
                    : casella_imap_client_list_finish (client, result, &error);
  g_assert_no_error (error);
  return list;
}

static CasellaImapMailbox *
find_mailbox (GPtrArray  *list,
              const char *name)
{
  for (guint i = 0; i < list->len; i++)
    if (g_str_equal (((CasellaImapMailbox *) list->pdata[i])->name, name))
      return list->pdata[i];
  return NULL;
}

static GPtrArray *
fetch (CasellaImapClient *client,
       const char        *set,
       const char        *items)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *fetched;

  casella_imap_client_uid_fetch_async (client, set, items, 0, NULL, NULL, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  fetched = casella_imap_client_uid_fetch_finish (client, result, &error);
  g_assert_no_error (error);
  return fetched;
}

static GArray *
search (CasellaImapClient *client,
        const char        *criteria)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GArray *uids;

  casella_imap_client_uid_search_async (client, criteria, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  uids = casella_imap_client_uid_search_finish (client, result, &error);
  g_assert_no_error (error);
  return uids;
}

/* ---- tests ---- */

static void
test_imaps_login_and_capabilities (void)
{
  g_autoptr(CasellaImapClient) client = connect_to (dovecot, CASELLA_TEST_IMAPS, CASELLA_SECURITY_TLS);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) caps = NULL;

  g_assert_true (casella_imap_client_is_encrypted (client));
  g_assert_true (casella_imap_client_has_capability (client, "IMAP4rev1"));
  g_assert_nonnull (casella_imap_client_get_peer_certificate (client));
  g_assert_cmpuint (casella_imap_client_get_peer_certificate_errors (client), ==, 0);

  login (client, user (0), "pw");
  /* Read again after login: Dovecot adds its post-login extensions. */
  g_assert_true (casella_imap_client_has_capability (client, "IDLE"));
  g_assert_true (casella_imap_client_has_capability (client, "MOVE"));

  casella_imap_client_capability_async (client, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  caps = casella_imap_client_capability_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) caps, "UIDPLUS"));

  logout (client);
}

static void
test_starttls_login (void)
{
  g_autoptr(CasellaImapClient) client = connect_to (dovecot, CASELLA_TEST_IMAP, CASELLA_SECURITY_STARTTLS);

  g_assert_true (casella_imap_client_is_encrypted (client));
  /* Capabilities were read again over TLS: STARTTLS is no longer offered. */
  g_assert_false (casella_imap_client_has_capability (client, "STARTTLS"));
  g_assert_true (casella_imap_client_has_capability (client, "IMAP4rev1"));
  login (client, user (1), "pw");
  logout (client);
}

static void
test_wrong_password (void)
{
  g_autoptr(CasellaImapClient) client = connect_to (dovecot, CASELLA_TEST_IMAPS, CASELLA_SECURITY_TLS);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  casella_imap_client_login_async (client, user (2), "wrong", NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_false (casella_imap_client_login_finish (client, result, &error));
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_AUTH_FAILED);
  g_test_message ("wrong password: %s", error->message);
  g_assert_false (casella_imap_client_is_authenticated (client));

  /* The connection stays usable for a second try. */
  login (client, user (2), "pw");
}

/* Unencrypted only when the user chose it: a server set to no security
 * gets no password until the user agreed; then login proceeds. */
static void
test_plaintext_only_when_chosen (void)
{
  g_autoptr(CasellaImapClient) client = connect_to (dovecot, CASELLA_TEST_IMAP, CASELLA_SECURITY_NONE);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (casella_imap_client_is_encrypted (client));
  casella_imap_client_login_async (client, user (3), "pw", NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_false (casella_imap_client_login_finish (client, result, &error));
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PLAINTEXT_REFUSED);
  g_clear_object (&client);

  {
    g_autoptr(CasellaNetConfig) config = config_for (dovecot, CASELLA_TEST_IMAP, CASELLA_SECURITY_NONE);
    g_autoptr(GAsyncResult) connected = NULL;

    casella_net_config_set_plaintext_allowed (config, TRUE);
    client = casella_imap_client_new (config);
    casella_imap_client_connect_async (client, NULL, casella_test_store_result, &connected);
    casella_test_await (&connected);
    g_assert_true (casella_imap_client_connect_finish (client, connected, NULL));
    login (client, user (3), "pw");
  }
}

static void
test_mailboxes_with_non_ascii_names (void)
{
  g_autoptr(CasellaImapClient) client = logged_in (4);
  g_autoptr(GPtrArray) list = NULL, subscribed = NULL, after = NULL;
  g_autoptr(GError) error = NULL;
  const char *name = "Bozze è più";
  const char *child = "Bozze è più/台北 😀";
  const char *renamed = "Archivio «vecchio»";
  CasellaImapMailbox *sent, *trash, *inbox, *created, *kid;

  g_assert_true (mailbox_command (client, casella_imap_client_create_async, name, &error));
  g_assert_no_error (error);
  g_assert_true (mailbox_command (client, casella_imap_client_create_async, child, &error));
  g_assert_no_error (error);
  g_assert_true (mailbox_command (client, casella_imap_client_subscribe_async, child, &error));
  g_assert_no_error (error);

  list = list_all (client, FALSE);
  sent = find_mailbox (list, "Sent");
  g_assert_nonnull (sent);
  g_assert_true (sent->flags & CASELLA_IMAP_MAILBOX_SENT);
  trash = find_mailbox (list, "Trash");
  g_assert_nonnull (trash);
  g_assert_true (trash->flags & CASELLA_IMAP_MAILBOX_TRASH);
  inbox = find_mailbox (list, "INBOX");
  g_assert_nonnull (inbox);
  g_assert_true (inbox->flags & CASELLA_IMAP_MAILBOX_INBOX);
  created = find_mailbox (list, name);
  g_assert_nonnull (created);
  g_assert_cmpint (created->separator, ==, '/');
  g_assert_cmpstr (created->raw_name, ==, "Bozze &AOg- pi&APk-");
  g_assert_true (created->flags & CASELLA_IMAP_MAILBOX_HAS_CHILDREN);
  kid = find_mailbox (list, child);
  g_assert_nonnull (kid);

  subscribed = list_all (client, TRUE);
  g_assert_nonnull (find_mailbox (subscribed, child));
  g_assert_nonnull (find_mailbox (subscribed, "Sent"));

  /* A message into the non-ASCII folder, and it can be selected. */
  deliver (4, "Bozze &AOg- pi&APk-", "In the accented folder", "text");
  {
    g_autoptr(CasellaImapSelectInfo) info = select_mailbox (client, name, FALSE);
    g_assert_cmpuint (info->exists, ==, 1);
  }

  g_assert_true (mailbox_command (client, casella_imap_client_unsubscribe_async, child, &error));
  g_assert_no_error (error);
  {
    g_autoptr(GAsyncResult) result = NULL;
    casella_imap_client_rename_async (client, child, renamed, NULL, casella_test_store_result, &result);
    casella_test_await (&result);
    g_assert_true (casella_imap_client_mailbox_command_finish (client, result, &error));
    g_assert_no_error (error);
  }
  g_assert_true (mailbox_command (client, casella_imap_client_delete_async, renamed, &error));
  g_assert_no_error (error);

  after = list_all (client, FALSE);
  g_assert_null (find_mailbox (after, child));
  g_assert_null (find_mailbox (after, renamed));

  /* Deleting what does not exist is the server's refusal, in our terms. */
  g_assert_false (mailbox_command (client, casella_imap_client_delete_async, "Nope", &error));
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_SERVER_ERROR);
}

static void
test_status_select_examine (void)
{
  g_autoptr(CasellaImapClient) client = logged_in (5);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapStatusInfo) status = NULL;
  g_autoptr(CasellaImapSelectInfo) selected = NULL, examined = NULL;

  deliver (5, NULL, "one", "1");
  deliver (5, NULL, "two", "2");

  casella_imap_client_status_async (client, "INBOX", NULL, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  status = casella_imap_client_status_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status->messages, ==, 2);
  g_assert_cmpuint (status->unseen, ==, 2);
  g_assert_cmpuint (status->uidnext, ==, 3);
  g_assert_true (status->present & CASELLA_IMAP_STATUS_UIDVALIDITY);

  selected = select_mailbox (client, "INBOX", FALSE);
  g_assert_cmpuint (selected->exists, ==, 2);
  g_assert_cmpuint (selected->uidvalidity, ==, status->uidvalidity);
  g_assert_cmpuint (selected->uidnext, ==, 3);
  g_assert_false (selected->read_only);
  g_assert_true (selected->flags & CASELLA_IMAP_FLAG_SEEN);
  g_assert_true (selected->permanent_flags & CASELLA_IMAP_FLAG_WILDCARD);
  g_assert_cmpstr (casella_imap_client_get_selected (client), ==, "INBOX");

  examined = select_mailbox (client, "INBOX", TRUE);
  g_assert_true (examined->read_only);

  g_clear_object (&result);
  casella_imap_client_close_async (client, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_true (casella_imap_client_close_finish (client, result, &error));
  g_assert_null (casella_imap_client_get_selected (client));
}

static void
test_append_fetch_search_store (void)
{
  g_autoptr(CasellaImapClient) client = logged_in (6);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GPtrArray) fetched = NULL, flags_after = NULL;
  g_autoptr(GArray) unseen = NULL, text_hits = NULL;
  g_autoptr(GDateTime) date = g_date_time_new_utc (2026, 11, 20, 9, 30, 0);
  g_autofree char *text = g_strdup_printf (message_template, "Caffè domani?", "append-1", "Ci vediamo alle 10 – Marta");
  CasellaImapFetch *f;
  GBytes *body;
  guint32 uid;

  message = g_bytes_new (text, strlen (text));
  casella_imap_client_append_async (client, "INBOX", message, CASELLA_IMAP_FLAG_SEEN, date, NULL,
                                    casella_test_store_result, &result);
  casella_test_await (&result);
  uid = casella_imap_client_append_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uid, ==, 1);
  deliver (6, NULL, "Second", "plain");

  casella_imap_select_info_free (select_mailbox (client, "INBOX", FALSE));

  fetched = fetch (client, "1:*", "(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE BODY.PEEK[])");
  g_assert_cmpuint (fetched->len, ==, 2);
  f = fetched->pdata[0];
  g_assert_cmpuint (f->uid, ==, 1);
  g_assert_true (f->flags & CASELLA_IMAP_FLAG_SEEN);
  g_assert_cmpint (f->internaldate, ==, g_date_time_to_unix (date));
  g_assert_cmpuint (f->size, ==, strlen (text));
  g_assert_cmpstr (f->envelope->message_id, ==, "<append-1@example.test>");
  g_assert_cmpuint (f->envelope->from.n, ==, 1);
  g_assert_cmpstr (f->envelope->from.items[0].address, ==, "bob@example.test");
  g_assert_cmpstr (f->envelope->from.items[0].name, ==, "Bob");
  g_assert_cmpstr (f->body->type, ==, "text");
  body = casella_imap_fetch_get_section (f, "BODY[]");
  g_assert_nonnull (body);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), text, strlen (text));

  unseen = search (client, "UNSEEN");
  g_assert_cmpuint (unseen->len, ==, 1);
  g_assert_cmpuint (g_array_index (unseen, guint32, 0), ==, 2);

  {
    g_autoptr(GAsyncResult) r2 = NULL;
    casella_imap_client_uid_search_text_async (client, "Caffè", NULL, casella_test_store_result, &r2);
    casella_test_await (&r2);
    text_hits = casella_imap_client_uid_search_finish (client, r2, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (text_hits->len, ==, 1);
    g_assert_cmpuint (g_array_index (text_hits, guint32, 0), ==, 1);
  }

  g_clear_object (&result);
  casella_imap_client_uid_store_async (client, "1:2", "+FLAGS", CASELLA_IMAP_FLAG_FLAGGED,
                                       (const char *[]) { "$Casella", NULL }, NULL,
                                       casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_true (casella_imap_client_uid_store_finish (client, result, &error));
  g_clear_object (&result);
  casella_imap_client_uid_store_async (client, "1", "-FLAGS", CASELLA_IMAP_FLAG_SEEN, NULL, NULL,
                                       casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_true (casella_imap_client_uid_store_finish (client, result, &error));

  flags_after = fetch (client, "1:2", "(UID FLAGS)");
  f = flags_after->pdata[0];
  g_assert_cmpuint (f->flags & ~CASELLA_IMAP_FLAG_RECENT, ==, CASELLA_IMAP_FLAG_FLAGGED);
  g_assert_cmpstrv (f->keywords, ((const char *[]) { "$Casella", NULL }));
  g_assert_true (((CasellaImapFetch *) flags_after->pdata[1])->flags & CASELLA_IMAP_FLAG_FLAGGED);
}

static void
copy_and_move (CasellaImapClient *client,
               guint              n,
               gboolean           expect_move_capability)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapCopyUid) copied = NULL, moved = NULL;
  g_autoptr(CasellaImapSelectInfo) inbox = NULL, trash = NULL, inbox_after = NULL;

  g_assert_cmpint (casella_imap_client_has_capability (client, "MOVE"), ==, expect_move_capability);
  deliver (n, NULL, "a", "a");
  deliver (n, NULL, "b", "b");
  deliver (n, NULL, "c", "c");
  inbox = select_mailbox (client, "INBOX", FALSE);
  g_assert_cmpuint (inbox->exists, ==, 3);

  casella_imap_client_uid_copy_async (client, "1", "Archive", NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  copied = casella_imap_client_uid_copy_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (copied);
  g_assert_cmpstr (copied->source_uids, ==, "1");
  g_assert_cmpstr (copied->dest_uids, ==, "1");

  g_clear_object (&result);
  casella_imap_client_uid_move_async (client, "2:3", "Trash", NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  moved = casella_imap_client_uid_copy_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (moved);
  g_assert_cmpstr (moved->dest_uids, ==, "1:2");
  g_assert_cmpuint (casella_imap_client_get_exists (client), ==, 1);

  inbox_after = select_mailbox (client, "INBOX", FALSE);
  g_assert_cmpuint (inbox_after->exists, ==, 1);
  trash = select_mailbox (client, "Trash", FALSE);
  g_assert_cmpuint (trash->exists, ==, 2);
}

static void
test_copy_and_move (void)
{
  g_autoptr(CasellaImapClient) client = logged_in (7);

  copy_and_move (client, 7, TRUE);
}

/* A real Dovecot that does not offer MOVE: COPY + STORE + UID EXPUNGE. */
static void
test_move_fallback (void)
{
  g_autoptr(CasellaTestDovecot) plain = casella_test_dovecot_new ();
  g_autoptr(CasellaImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  CasellaTestDovecot *shared = dovecot;

  casella_test_dovecot_add_user (plain, user (8), "pw");
  casella_test_dovecot_add_config (plain, "imap_capability = IMAP4rev1 LITERAL+ SASL-IR IDLE UIDPLUS SPECIAL-USE AUTH=PLAIN");
  casella_test_dovecot_start (plain, &error);
  g_assert_no_error (error);

  dovecot = plain;
  client = connect_to (plain, CASELLA_TEST_IMAPS, CASELLA_SECURITY_TLS);
  login (client, user (8), "pw");
  copy_and_move (client, 8, FALSE);
  dovecot = shared;
}

static void
test_id_enable_namespace_noop_expunge (void)
{
  g_autoptr(CasellaImapClient) client = logged_in (9);
  g_autoptr(GAsyncResult) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL, r6 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) id = NULL;
  g_auto(GStrv) enabled = NULL;
  g_autoptr(CasellaImapNamespaces) namespaces = NULL;
  g_autoptr(CasellaImapSelectInfo) info = NULL;
  g_autoptr(GArray) left = NULL;
  const char *pairs[] = { "name", "Casella", "version", "0.1", NULL };

  casella_imap_client_id_async (client, pairs, NULL, casella_test_store_result, &r1);
  casella_test_await (&r1);
  id = casella_imap_client_id_finish (client, r1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (id, "name"), ==, "Dovecot");

  casella_imap_client_enable_async (client, (const char *[]) { "CONDSTORE", "QRESYNC", NULL }, NULL,
                                    casella_test_store_result, &r2);
  casella_test_await (&r2);
  enabled = casella_imap_client_enable_finish (client, r2, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) enabled, "QRESYNC"));

  casella_imap_client_namespace_async (client, NULL, casella_test_store_result, &r3);
  casella_test_await (&r3);
  namespaces = casella_imap_client_namespace_finish (client, r3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (namespaces->personal->len, ==, 1);
  g_assert_cmpint (((CasellaImapNamespace *) namespaces->personal->pdata[0])->separator, ==, '/');

  deliver (9, NULL, "keep", "k");
  deliver (9, NULL, "drop", "d");
  info = select_mailbox (client, "INBOX", FALSE);
  g_assert_cmpuint (info->highestmodseq, >, 0);

  casella_imap_client_uid_store_async (client, "2", "+FLAGS", CASELLA_IMAP_FLAG_DELETED, NULL, NULL,
                                       casella_test_store_result, &r4);
  casella_test_await (&r4);
  g_assert_true (casella_imap_client_uid_store_finish (client, r4, &error));
  casella_imap_client_expunge_async (client, NULL, casella_test_store_result, &r5);
  casella_test_await (&r5);
  g_assert_true (casella_imap_client_expunge_finish (client, r5, &error));
  left = search (client, "ALL");
  g_assert_cmpuint (left->len, ==, 1);
  g_assert_cmpuint (g_array_index (left, guint32, 0), ==, 1);

  casella_imap_client_noop_async (client, NULL, casella_test_store_result, &r6);
  casella_test_await (&r6);
  g_assert_true (casella_imap_client_noop_finish (client, r6, &error));
  logout (client);
}

typedef struct {
  guint exists;
  guint expunged;
  guint fetches;
  CasellaImapFlags last_flags;
} Events;

static void
on_exists (CasellaImapClient *client, guint n, Events *events)
{
  events->exists = n;
}

static void
on_expunge (CasellaImapClient *client, guint seq, Events *events)
{
  events->expunged++;
}

static void
on_fetch (CasellaImapClient *client, CasellaImapFetch *fetch, Events *events)
{
  events->fetches++;
  events->last_flags = fetch->flags;
}

static gboolean
exists_reached (gpointer data)
{
  return ((Events *) data)->exists >= 2;
}

static void
test_idle_sees_new_mail (void)
{
  g_autoptr(CasellaImapClient) client = logged_in (10);
  g_autoptr(GAsyncResult) idle = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaImapSelectInfo) info = NULL;
  Events events = { 0 };
  gint64 start;

  deliver (10, NULL, "first", "1");
  info = select_mailbox (client, "INBOX", FALSE);
  g_signal_connect (client, "exists", G_CALLBACK (on_exists), &events);

  casella_imap_client_idle_async (client, NULL, casella_test_store_result, &idle);
  g_assert_true (casella_test_wait_until ((GSourceFunc) casella_imap_client_is_idling, client, 5000));

  start = g_get_monotonic_time ();
  deliver (10, NULL, "second", "2");
  g_assert_true (casella_test_wait_until (exists_reached, &events, 10000));
  g_test_message ("IDLE reported new mail after %.0f ms", (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpuint (events.exists, ==, 2);

  casella_imap_client_idle_done (client);
  casella_test_await (&idle);
  g_assert_true (casella_imap_client_idle_finish (client, idle, &error));
  g_assert_no_error (error);
  g_assert_false (casella_imap_client_is_idling (client));
}

static gboolean
fetch_seen (gpointer data)
{
  return ((Events *) data)->fetches > 0 && ((Events *) data)->expunged > 0;
}

/* Another client changes flags and expunges: NOOP brings the news. */
static void
test_second_client_changes (void)
{
  g_autoptr(CasellaImapClient) watcher = logged_in (11);
  g_autoptr(CasellaImapClient) other = logged_in (11);
  g_autoptr(CasellaImapSelectInfo) a = NULL, b = NULL;
  g_autoptr(GAsyncResult) r1 = NULL, r2 = NULL, r3 = NULL;
  g_autoptr(GError) error = NULL;
  Events events = { 0 };

  deliver (11, NULL, "one", "1");
  deliver (11, NULL, "two", "2");
  a = select_mailbox (watcher, "INBOX", FALSE);
  b = select_mailbox (other, "INBOX", FALSE);
  g_signal_connect (watcher, "fetch", G_CALLBACK (on_fetch), &events);
  g_signal_connect (watcher, "expunge", G_CALLBACK (on_expunge), &events);

  casella_imap_client_uid_store_async (other, "1", "+FLAGS", CASELLA_IMAP_FLAG_SEEN | CASELLA_IMAP_FLAG_FLAGGED,
                                       NULL, NULL, casella_test_store_result, &r1);
  casella_test_await (&r1);
  g_assert_true (casella_imap_client_uid_store_finish (other, r1, &error));
  casella_imap_client_uid_move_async (other, "2", "Trash", NULL, casella_test_store_result, &r2);
  casella_test_await (&r2);
  casella_imap_copy_uid_free (casella_imap_client_uid_copy_finish (other, r2, &error));
  g_assert_no_error (error);

  casella_imap_client_noop_async (watcher, NULL, casella_test_store_result, &r3);
  casella_test_await (&r3);
  g_assert_true (casella_imap_client_noop_finish (watcher, r3, &error));
  g_assert_true (casella_test_wait_until (fetch_seen, &events, 5000));
  g_assert_true (events.last_flags & CASELLA_IMAP_FLAG_FLAGGED);
  g_assert_cmpuint (casella_imap_client_get_exists (watcher), ==, 1);
}

typedef struct {
  GAsyncResult *results[40];
} Many;

static void
store_nth (GObject *source, GAsyncResult *result, gpointer data)
{
  GAsyncResult **slot = data;
  *slot = g_object_ref (result);
}

/* Forty commands at once: all answered, each with its own result. */
static void
test_pipelining (void)
{
  g_autoptr(CasellaImapClient) client = logged_in (12);
  Many many = { { NULL } };

  for (guint i = 0; i < 10; i++)
    deliver (12, NULL, "pipelined", "x");

  for (guint i = 0; i < 40; i++)
    switch (i % 4)
      {
      case 0:
        casella_imap_client_noop_async (client, NULL, store_nth, &many.results[i]);
        break;
      case 1:
        casella_imap_client_status_async (client, "INBOX", NULL, NULL, store_nth, &many.results[i]);
        break;
      case 2:
        casella_imap_client_list_async (client, "", "%", NULL, store_nth, &many.results[i]);
        break;
      default:
        casella_imap_client_capability_async (client, NULL, store_nth, &many.results[i]);
        break;
      }

  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(GError) error = NULL;

      casella_test_await (&many.results[i]);
      switch (i % 4)
        {
        case 0:
          g_assert_true (casella_imap_client_noop_finish (client, many.results[i], &error));
          break;
        case 1:
          {
            g_autoptr(CasellaImapStatusInfo) s = casella_imap_client_status_finish (client, many.results[i], &error);
            g_assert_no_error (error);
            g_assert_cmpuint (s->messages, ==, 10);
          }
          break;
        case 2:
          {
            g_autoptr(GPtrArray) l = casella_imap_client_list_finish (client, many.results[i], &error);
            g_assert_no_error (error);
            g_assert_cmpuint (l->len, ==, 6);
          }
          break;
        default:
          g_strfreev (casella_imap_client_capability_finish (client, many.results[i], &error));
          break;
        }
      g_assert_no_error (error);
      g_object_unref (many.results[i]);
    }
}

static void
count_fetch (CasellaImapFetch *fetch, gpointer data)
{
  (*(guint *) data)++;
}

static void
test_streaming_fetch_and_cancel (void)
{
  g_autoptr(CasellaImapClient) client = logged_in (13);
  g_autoptr(GAsyncResult) r1 = NULL, r2 = NULL, r3 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(CasellaImapSelectInfo) info = NULL;
  guint count = 0, cancelled_count = 0;

  for (guint i = 0; i < 50; i++)
    deliver (13, NULL, "stream", "body text");
  info = select_mailbox (client, "INBOX", FALSE);

  casella_imap_client_uid_fetch_async (client, "1:*", "(UID ENVELOPE)", 0, count_fetch, &count, NULL,
                                       casella_test_store_result, &r1);
  casella_test_await (&r1);
  g_assert_null (casella_imap_client_uid_fetch_finish (client, r1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 50);

  /* Cancelled at once: the caller hears so; the connection lives on. */
  casella_imap_client_uid_fetch_async (client, "1:*", "(UID BODY.PEEK[])", 0, count_fetch, &cancelled_count,
                                       cancellable, casella_test_store_result, &r2);
  g_cancellable_cancel (cancellable);
  casella_test_await (&r2);
  casella_imap_client_uid_fetch_finish (client, r2, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  casella_imap_client_noop_async (client, NULL, casella_test_store_result, &r3);
  casella_test_await (&r3);
  g_assert_true (casella_imap_client_noop_finish (client, r3, &error));
  g_assert_no_error (error);
}

/* A self-signed certificate: refused, shown, and accepted once pinned. */
static void
test_pinned_certificate (void)
{
  const CasellaTestPki *pki = casella_test_pki_get ();
  g_autoptr(CasellaTestDovecot) self_signed = casella_test_dovecot_new ();
  g_autoptr(CasellaNetConfig) config = NULL;
  g_autoptr(CasellaImapClient) refused = NULL, pinned = NULL;
  g_autoptr(GAsyncResult) r1 = NULL, r2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GBytes) pin = NULL;
  GTlsCertificate *shown;

  casella_test_dovecot_set_certificate (self_signed, pki->self_signed_cert, pki->self_signed_key);
  casella_test_dovecot_add_user (self_signed, user (14), "pw");
  casella_test_dovecot_start (self_signed, &error);
  g_assert_no_error (error);

  config = config_for (self_signed, CASELLA_TEST_IMAPS, CASELLA_SECURITY_TLS);
  refused = casella_imap_client_new (config);
  casella_imap_client_connect_async (refused, NULL, casella_test_store_result, &r1);
  casella_test_await (&r1);
  g_assert_false (casella_imap_client_connect_finish (refused, r1, &error));
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CERTIFICATE_UNTRUSTED);
  g_test_message ("untrusted: %s", error->message);
  g_clear_error (&error);

  shown = casella_imap_client_get_peer_certificate (refused);
  g_assert_nonnull (shown);
  g_assert_true (casella_imap_client_get_peer_certificate_errors (refused) & G_TLS_CERTIFICATE_UNKNOWN_CA);

  /* The user trusts exactly this certificate. */
  g_object_get (shown, "certificate", &der, NULL);
  pin = g_bytes_new (der->data, der->len);
  casella_net_config_set_pinned_certificate (config, pin);
  pinned = casella_imap_client_new (config);
  casella_imap_client_connect_async (pinned, NULL, casella_test_store_result, &r2);
  casella_test_await (&r2);
  g_assert_true (casella_imap_client_connect_finish (pinned, r2, &error));
  g_assert_no_error (error);
  login (pinned, user (14), "pw");

  /* The pin is for that certificate only: the CA-signed one of another
   * server is still verified normally, and a different self-signed one
   * would not match. */
  {
    g_autoptr(CasellaNetConfig) other = config_for (dovecot, CASELLA_TEST_IMAPS, CASELLA_SECURITY_TLS);
    g_autoptr(CasellaImapClient) normal = NULL;
    g_autoptr(GAsyncResult) r3 = NULL;
    g_autoptr(GBytes) wrong_pin = g_bytes_new_static ("not a certificate", 17);

    casella_net_config_set_pinned_certificate (config, wrong_pin);
    normal = casella_imap_client_new (config);
    casella_imap_client_connect_async (normal, NULL, casella_test_store_result, &r3);
    casella_test_await (&r3);
    g_assert_false (casella_imap_client_connect_finish (normal, r3, &error));
    g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CERTIFICATE_UNTRUSTED);
  }
}

static void
test_connection_refused (void)
{
  g_autoptr(CasellaNetConfig) config = casella_net_config_new ("127.0.0.1", casella_test_closed_port (),
                                                               CASELLA_SECURITY_TLS);
  g_autoptr(CasellaImapClient) client = casella_imap_client_new (config);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  casella_imap_client_connect_async (client, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_false (casella_imap_client_connect_finish (client, result, &error));
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CONNECTION_REFUSED);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  dovecot = casella_test_dovecot_new ();
  for (guint i = 0; i < N_USERS; i++)
    casella_test_dovecot_add_user (dovecot, user (i), "pw");
  casella_test_dovecot_start (dovecot, &error);
  g_assert_no_error (error);

  g_test_add_func ("/imap/client/imaps-login-capabilities", test_imaps_login_and_capabilities);
  g_test_add_func ("/imap/client/starttls-login", test_starttls_login);
  g_test_add_func ("/imap/client/wrong-password", test_wrong_password);
  g_test_add_func ("/imap/client/plaintext-only-when-chosen", test_plaintext_only_when_chosen);
  g_test_add_func ("/imap/client/mailboxes-non-ascii", test_mailboxes_with_non_ascii_names);
  g_test_add_func ("/imap/client/status-select-examine", test_status_select_examine);
  g_test_add_func ("/imap/client/append-fetch-search-store", test_append_fetch_search_store);
  g_test_add_func ("/imap/client/copy-and-move", test_copy_and_move);
  g_test_add_func ("/imap/client/move-fallback", test_move_fallback);
  g_test_add_func ("/imap/client/id-enable-namespace-expunge", test_id_enable_namespace_noop_expunge);
  g_test_add_func ("/imap/client/idle", test_idle_sees_new_mail);
  g_test_add_func ("/imap/client/second-client", test_second_client_changes);
  g_test_add_func ("/imap/client/pipelining", test_pipelining);
  g_test_add_func ("/imap/client/streaming-fetch-and-cancel", test_streaming_fetch_and_cancel);
  g_test_add_func ("/imap/client/pinned-certificate", test_pinned_certificate);
  g_test_add_func ("/imap/client/connection-refused", test_connection_refused);

  status = g_test_run ();
  casella_test_dovecot_free (dovecot);
  return status;
}
