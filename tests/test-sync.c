/* test-sync.c — the store kept in step with a real Dovecot: initial and
 * incremental sync, another client's changes, changes made here
 * replayed (and undone when refused), a connection cut at every stage,
 * UIDVALIDITY, bodies on demand, server search, IDLE, POP3 that never
 * loses mail, and the outbox against the SMTP sink
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sqlite3.h>

#include "casella-account.h"
#include "casella-account-certificate.h"
#include "casella-engine.h"
#include "casella-mail-session.h"
#include "casella-mail-session-writes.h"
#include "casella-outbox.h"
#include "casella-pop3-sync.h"
#include "casella-imap-sync.h"
#include "casella-store-actions.h"
#include "casella-store-queue.h"
#include "casella-test-dovecot.h"
#include "casella-test-pec.h"
#include "casella-test-pki.h"
#include "casella-test-proxy.h"
#include "casella-test-script.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"

#define USER "alice@example.test"
#define PASSWORD "alicepw"
#define ALL_BODIES CASELLA_SYNC_BODIES_ALL

static CasellaTestDovecot *dovecot;
static CasellaTestSmtp *sink;

/* Each test has its own mailbox: a user of its own on the one Dovecot. */
typedef struct {
  char            *user;
  char            *dir;
  CasellaStore    *store;
  CasellaImapSync *sync;
} Fixture;

static guint user_counter;
#define N_USERS 40   /* made before Dovecot starts */

static CasellaNetConfig *
net_config (guint16 port)
{
  CasellaNetConfig *config = casella_net_config_new ("localhost", port, CASELLA_SECURITY_TLS);

  casella_net_config_set_tls_database (config, casella_test_pki_get ()->database);
  casella_net_config_set_timeouts (config, 5000, 10000);
  return config;
}

static CasellaImapSync *
new_sync (Fixture *fixture,
          guint16  port)
{
  g_autoptr(CasellaNetConfig) config = net_config (port);

  return casella_imap_sync_new (fixture->store, config, fixture->user, PASSWORD);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  fixture->user = g_strdup_printf ("user%u@example.test", ++user_counter);
  g_assert_cmpuint (user_counter, <=, N_USERS);
  fixture->dir = casella_test_make_tmpdir ("casella-sync");
  path = g_build_filename (fixture->dir, "mail.db", NULL);
  fixture->store = casella_store_open (path, &error);
  g_assert_no_error (error);
  fixture->sync = new_sync (fixture, casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS));
  casella_imap_sync_set_body_budget (fixture->sync, ALL_BODIES);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->sync);
  g_clear_object (&fixture->store);
  casella_test_rm_rf (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->user);
}

/* ---- the server side ---- */

/* doveadm COMMAND [SUBCOMMAND] -u USER ARGS…: "mailbox" and "flags"
 * take a subcommand before the user. */
static void
doveadm (Fixture    *fixture,
         const char *first,
         ...)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;
  g_autoptr(GError) error = NULL;
  gboolean two_words = g_str_equal (first, "mailbox") || g_str_equal (first, "flags");
  const char *arg;
  va_list ap;

  g_strv_builder_add (builder, first);
  va_start (ap, first);
  if (two_words)
    g_strv_builder_add (builder, va_arg (ap, const char *));
  g_strv_builder_add_many (builder, "-u", fixture->user, NULL);
  while ((arg = va_arg (ap, const char *)))
    g_strv_builder_add (builder, arg);
  va_end (ap);
  args = g_strv_builder_end (builder);
  casella_test_dovecot_doveadm (dovecot, (const char * const *) args, NULL, &error);
  g_assert_no_error (error);
}

static char *
doveadm_output (Fixture    *fixture,
                const char *fields,
                const char *folder)
{
  const char *args[] = { "fetch", "-u", fixture->user, fields, "mailbox", folder, NULL };
  g_autoptr(GError) error = NULL;
  char *out = NULL;

  casella_test_dovecot_doveadm (dovecot, args, &out, &error);
  g_assert_no_error (error);
  return out;
}

static void
deliver (Fixture    *fixture,
         const char *folder,
         const char *subject,
         const char *body)
{
  g_autofree char *message = g_strdup_printf ("From: Bruno <bruno@example.test>\r\nTo: %s\r\nSubject: %s\r\n"
                                              "Date: Wed, 25 Nov 2026 09:00:00 +0000\r\n"
                                              "Message-ID: <%s@example.test>\r\n\r\n%s\r\n",
                                              fixture->user, subject, subject, body);
  g_autoptr(GError) error = NULL;

  casella_test_dovecot_deliver (dovecot, fixture->user, folder, message, -1, NULL, &error);
  g_assert_no_error (error);
}

static void
fill (Fixture    *fixture,
      const char *folder,
      guint       n)
{
  g_autoptr(GError) error = NULL;

  casella_test_dovecot_fill (dovecot, fixture->user, folder, n, &error);
  g_assert_no_error (error);
}

/* UIDs the server has in a folder, ascending; with flags, their
 * \Seen and \Flagged as CasellaMessageFlags (same order). */
static GArray *
server_messages (Fixture    *fixture,
                 const char *folder,
                 GArray    **flags)
{
  g_autofree char *out = doveadm_output (fixture, "uid flags", folder);
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  GArray *uids = g_array_new (FALSE, FALSE, sizeof (guint32));

  if (flags != NULL)
    *flags = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "uid: "))
      {
        guint32 uid = (guint32) g_ascii_strtoull (lines[i] + 5, NULL, 10);
        g_array_append_val (uids, uid);
      }
    else if (flags != NULL && g_str_has_prefix (lines[i], "flags:"))
      {
        guint bits = (strstr (lines[i], "\\Seen") ? CASELLA_MESSAGE_SEEN : 0) |
                     (strstr (lines[i], "\\Flagged") ? CASELLA_MESSAGE_FLAGGED : 0);
        g_array_append_val (*flags, bits);
      }
  return uids;
}

static GArray *
server_uids (Fixture    *fixture,
             const char *folder)
{
  return server_messages (fixture, folder, NULL);
}

/* A relay to Dovecot's IMAPS port, listening. */
static CasellaTestProxy *
relay_to_dovecot (void)
{
  CasellaTestProxy *proxy = casella_test_proxy_new (casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS));
  g_autoptr(GError) error = NULL;

  casella_test_proxy_start (proxy, &error);
  g_assert_no_error (error);
  return proxy;
}

/* ---- the store side ---- */

static void
run_sync (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  casella_imap_sync_run (fixture->sync, NULL, &error);
  g_assert_no_error (error);
}

static CasellaStoreFolder *
folder (Fixture    *fixture,
        const char *path)
{
  CasellaStoreFolder *found = casella_store_find_folder (fixture->store, path);

  g_assert_nonnull (found);
  return found;
}

static CasellaMessageInfo *
message_by_subject (Fixture    *fixture,
                    const char *path,
                    const char *subject)
{
  g_autoptr(CasellaStoreFolder) where = folder (fixture, path);
  g_autoptr(GArray) ids = casella_store_list_message_ids (fixture->store, where->id, NULL, NULL);
  g_autoptr(GPtrArray) rows = casella_store_get_messages (fixture->store, (gint64 *) ids->data, ids->len, NULL);

  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (((CasellaMessageInfo *) rows->pdata[i])->subject, subject) == 0)
      return casella_message_info_copy (rows->pdata[i]);
  return NULL;
}

/* The store holds exactly the server's messages, once each, each whole,
 * with the server's flags, and the counts add up. */
static void
assert_in_step (Fixture    *fixture,
                const char *path,
                gboolean    bodies)
{
  g_autoptr(GArray) flags = NULL;
  g_autoptr(GArray) server = server_messages (fixture, path, &flags);
  g_autoptr(CasellaStoreFolder) here = folder (fixture, path);
  g_autoptr(GArray) local = casella_store_list_uids (fixture->store, here->id, NULL);
  g_autoptr(GError) error = NULL;
  guint unread = 0;

  g_assert_cmpuint (local->len, ==, server->len);
  for (guint i = 0; i < server->len; i++)
    {
      g_autoptr(CasellaMessageInfo) info = casella_store_find_message (fixture->store, here->id,
                                                                       g_array_index (server, guint32, i));
      guint want = g_array_index (flags, guint, i);

      g_assert_nonnull (info);
      g_assert_cmpuint (info->flags & (CASELLA_MESSAGE_SEEN | CASELLA_MESSAGE_FLAGGED), ==, want);
      unread += !(want & CASELLA_MESSAGE_SEEN);
      if (bodies)
        g_assert_true (info->has_body);
    }
  g_assert_cmpuint (here->total, ==, server->len);
  g_assert_cmpuint (here->unread, ==, unread);
  g_assert_true (casella_store_check_integrity (fixture->store, &error));
}

/* ---- tests ---- */

static void
test_initial_and_incremental (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(CasellaStoreFolder) inbox = NULL, work = NULL;
  g_autoptr(CasellaMessageInfo) news = NULL;
  g_autoptr(GBytes) body = NULL;

  fill (fixture, "INBOX", 40);
  fill (fixture, "Lavoro", 5);
  run_sync (fixture);
  assert_in_step (fixture, "INBOX", TRUE);
  assert_in_step (fixture, "Lavoro", TRUE);
  inbox = folder (fixture, "INBOX");
  g_assert_cmpint (inbox->role, ==, CASELLA_FOLDER_ROLE_INBOX);
  g_assert_cmpuint (inbox->uidvalidity, !=, 0);
  g_assert_cmpuint (inbox->highestmodseq, !=, 0);   /* Dovecot has CONDSTORE */

  deliver (fixture, "INBOX", "Novità", "Una nuova mail con allegato.");
  run_sync (fixture);
  assert_in_step (fixture, "INBOX", TRUE);
  news = message_by_subject (fixture, "INBOX", "Novità");
  g_assert_nonnull (news);
  g_assert_cmpstr (news->from_name, ==, "Bruno");
  g_assert_cmpstr (news->from_address, ==, "bruno@example.test");
  g_assert_cmpstr (news->message_id, ==, "Novità@example.test");
  g_assert_cmpstr (news->preview, ==, "Una nuova mail con allegato.");
  body = casella_store_get_body (fixture->store, news->id, NULL);
  g_assert_nonnull (body);

  /* Nothing new: a run changes nothing. */
  run_sync (fixture);
  assert_in_step (fixture, "INBOX", TRUE);
  work = folder (fixture, "Lavoro");
  g_assert_cmpuint (work->total, ==, 5);
}

/* Another client reads, expunges, delivers and renames: all seen here. */
/* Whole messages come without an ENVELOPE: their rows are read from
 * their own header. They must say what the server's ENVELOPE says, for
 * headers that are folded, encoded, 8-bit, grouped, missing or odd. */
static const char *const varied_messages[] = {
  "From: =?UTF-8?Q?Jos=C3=A9_Garc=C3=ADa?= <jose@example.test>\r\n"
  "To: Anna Rossi <anna@example.test>, bruno@example.test\r\n"
  "Cc: \"Verdi, Carla\" <carla@example.test>\r\n"
  "Subject: =?UTF-8?B?UHJldmVudGl2byDigqwgMjAyNw==?=\r\n"
  "Date: Thu, 26 Nov 2026 10:15:00 +0100\r\n"
  "Message-ID: <encoded@example.test>\r\n\r\nCiao.\r\n",

  "From: Bruno <bruno@example.test>\r\n"
  "To: undisclosed-recipients:;\r\n"
  "Subject: Un oggetto molto lungo\r\n  che continua\r\n\tsu tre righe\r\n"
  "Date: Fri, 27 Nov 2026 08:00:00 +0000\r\n"
  "Message-ID: <folded@example.test>\r\n"
  "In-Reply-To: <encoded@example.test>\r\n"
  "References: <first@example.test>\r\n <encoded@example.test>\r\n\r\nRisposta.\r\n",

  "From: Caff\xc3\xa8 Centrale <bar@example.test>\r\n"
  "To: Team: anna@example.test, Bruno <bruno@example.test>;\r\n"
  "Subject: Caff\xc3\xa8 alle dieci\r\n"
  "Message-ID: <no-date@example.test>\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n\r\nA dopo.\r\n",

  "Subject : Vecchia sintassi\r\n"
  "From: nobody@example.test\r\n"
  "Subject: Il secondo oggetto\r\n"
  "Date: Sat, 28 Nov 2026 12:00:00 -0500\r\n\r\n"
  "From: not-a-header@example.test\r\n",
};

static void
assert_same_row (const CasellaMessageInfo *whole,
                 const CasellaMessageInfo *envelope)
{
  g_assert_cmpstr (whole->subject, ==, envelope->subject);
  g_assert_cmpstr (whole->from_name, ==, envelope->from_name);
  g_assert_cmpstr (whole->from_address, ==, envelope->from_address);
  g_assert_cmpstr (whole->to, ==, envelope->to);
  g_assert_cmpstr (whole->cc, ==, envelope->cc);
  g_assert_cmpint (whole->date, ==, envelope->date);
  g_assert_cmpstr (whole->message_id, ==, envelope->message_id);
  g_assert_cmpstr (whole->in_reply_to, ==, envelope->in_reply_to);
  g_assert_cmpstr (whole->references, ==, envelope->references);
  g_assert_cmpuint (whole->size, ==, envelope->size);
  g_assert_cmpint (whole->thread, ==, envelope->thread);
  g_assert_true (whole->has_body);
}

static void
test_whole_messages_read_as_the_envelope (Fixture       *fixture,
                                          gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "headers.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaStore) headers = NULL;
  g_autoptr(CasellaNetConfig) config = net_config (casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS));
  g_autoptr(CasellaImapSync) sync = NULL;
  g_autoptr(CasellaStoreFolder) whole_inbox = NULL, envelope_inbox = NULL;
  g_autoptr(GArray) uids = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (varied_messages); i++)
    g_assert_true (casella_test_dovecot_deliver (dovecot, fixture->user, "INBOX", varied_messages[i], -1, NULL,
                                                 &error));
  run_sync (fixture);
  headers = casella_store_open (path, &error);
  g_assert_no_error (error);
  sync = casella_imap_sync_new (headers, config, fixture->user, PASSWORD);
  casella_imap_sync_set_body_budget (sync, CASELLA_SYNC_BODIES_NONE);
  g_assert_true (casella_imap_sync_run (sync, NULL, &error));

  whole_inbox = folder (fixture, "INBOX");
  envelope_inbox = casella_store_find_folder (headers, "INBOX");
  uids = server_uids (fixture, "INBOX");
  g_assert_cmpuint (uids->len, ==, G_N_ELEMENTS (varied_messages));
  for (guint i = 0; i < uids->len; i++)
    {
      guint32 uid = g_array_index (uids, guint32, i);
      g_autoptr(CasellaMessageInfo) whole = casella_store_find_message (fixture->store, whole_inbox->id, uid);
      g_autoptr(CasellaMessageInfo) envelope = casella_store_find_message (headers, envelope_inbox->id, uid);

      g_assert_nonnull (whole);
      g_assert_nonnull (envelope);
      g_assert_false (envelope->has_body);
      assert_same_row (whole, envelope);
    }
  {
    g_autoptr(CasellaMessageInfo) encoded = message_by_subject (fixture, "INBOX", "Preventivo € 2027");
    g_autoptr(CasellaMessageInfo) folded = message_by_subject (fixture, "INBOX",
                                                               "Un oggetto molto lungo che continua su tre righe");
    g_autoptr(CasellaMessageInfo) cafe = message_by_subject (fixture, "INBOX", "Caffè alle dieci");

    g_assert_nonnull (encoded);
    g_assert_cmpstr (encoded->from_name, ==, "José García");
    g_assert_nonnull (folded);
    g_assert_cmpstr (folded->in_reply_to, ==, "<encoded@example.test>");
    g_assert_nonnull (cafe);
    g_assert_cmpint (cafe->date, !=, 0);   /* no Date: the server's own date */
  }
}

static void
test_other_client_changes (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(CasellaStoreFolder) inbox = NULL, renamed = NULL, gone = NULL;
  g_autoptr(CasellaMessageInfo) first = NULL, third = NULL, fifth = NULL;

  fill (fixture, "INBOX", 10);
  fill (fixture, "Lavoro", 3);
  run_sync (fixture);
  inbox = folder (fixture, "INBOX");

  doveadm (fixture, "flags", "add", "\\Seen \\Flagged", "mailbox", "INBOX", "uid", "3", NULL);
  doveadm (fixture, "expunge", "mailbox", "INBOX", "uid", "5", NULL);
  doveadm (fixture, "flags", "remove", "\\Seen", "mailbox", "INBOX", "uid", "1", NULL);
  doveadm (fixture, "mailbox", "rename", "Lavoro", "Ufficio", NULL);
  deliver (fixture, "INBOX", "Dopo", "Arrivata dopo.");
  run_sync (fixture);

  third = casella_store_find_message (fixture->store, inbox->id, 3);
  g_assert_cmpuint (third->flags & (CASELLA_MESSAGE_SEEN | CASELLA_MESSAGE_FLAGGED), ==,
                    CASELLA_MESSAGE_SEEN | CASELLA_MESSAGE_FLAGGED);
  fifth = casella_store_find_message (fixture->store, inbox->id, 5);
  g_assert_null (fifth);
  first = message_by_subject (fixture, "INBOX", "Dopo");
  g_assert_nonnull (first);
  assert_in_step (fixture, "INBOX", TRUE);
  renamed = casella_store_find_folder (fixture->store, "Ufficio");
  gone = casella_store_find_folder (fixture->store, "Lavoro");
  g_assert_nonnull (renamed);
  g_assert_null (gone);
  assert_in_step (fixture, "Ufficio", TRUE);
}

static char *
server_flags (Fixture    *fixture,
              const char *path,
              guint32     uid)
{
  g_autofree char *set = g_strdup_printf ("%u", uid);
  const char *args[] = { "fetch", "-u", fixture->user, "flags", "mailbox", path, "uid", set, NULL };
  g_autoptr(GError) error = NULL;
  char *out = NULL;

  casella_test_dovecot_doveadm (dovecot, args, &out, &error);
  g_assert_no_error (error);
  return out;
}

/* Read, moved, trashed, a folder made and renamed here: the server
 * follows at the next run. */
static void
test_local_changes_replayed (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(CasellaStoreFolder) inbox = NULL, archive = NULL;
  g_autoptr(CasellaMessageInfo) moved = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) archived = NULL, in_trash = NULL;
  g_autofree char *flags = NULL, *subscriptions = NULL;
  g_autoptr(GPtrArray) ops = NULL;
  gint64 one, two, three, created;

  fill (fixture, "INBOX", 6);
  doveadm (fixture, "mailbox", "create", "Archivio", NULL);
  doveadm (fixture, "mailbox", "create", "Trash", NULL);
  run_sync (fixture);
  inbox = folder (fixture, "INBOX");
  archive = folder (fixture, "Archivio");
  one = casella_store_find_message (fixture->store, inbox->id, 1)->id;
  two = casella_store_find_message (fixture->store, inbox->id, 2)->id;
  three = casella_store_find_message (fixture->store, inbox->id, 3)->id;

  g_assert_true (casella_store_local_mark (fixture->store, &one, 1, CASELLA_MESSAGE_SEEN | CASELLA_MESSAGE_FLAGGED, 0,
                                           &error));
  g_assert_true (casella_store_local_move (fixture->store, &two, 1, archive->id, NULL, &error));
  g_assert_true (casella_store_local_trash (fixture->store, &three, 1, NULL, &error));
  created = casella_store_local_create_folder (fixture->store, "Viaggi", '.', &error);
  g_assert_no_error (error);
  g_assert_true (casella_store_local_rename_folder (fixture->store, created, "Vacanze", &error));
  g_assert_false (archive->subscribed);   /* made by doveadm, not subscribed */
  g_assert_true (casella_store_local_subscribe (fixture->store, archive->id, TRUE, &error));
  /* Here at once, before any server knows. */
  g_assert_cmpuint (casella_store_get_message (fixture->store, one)->flags & CASELLA_MESSAGE_SEEN, !=, 0);
  g_assert_cmpint (casella_store_get_message (fixture->store, two)->folder_id, ==, archive->id);
  ops = casella_store_list_ops (fixture->store, NULL);
  g_assert_cmpuint (ops->len, ==, 6);

  run_sync (fixture);
  g_clear_pointer (&ops, g_ptr_array_unref);
  ops = casella_store_list_ops (fixture->store, NULL);
  g_assert_cmpuint (ops->len, ==, 0);
  flags = server_flags (fixture, "INBOX", 1);
  g_assert_nonnull (strstr (flags, "\\Seen"));
  g_assert_nonnull (strstr (flags, "\\Flagged"));
  archived = server_uids (fixture, "Archivio");
  in_trash = server_uids (fixture, "Trash");
  g_assert_cmpuint (archived->len, ==, 1);
  g_assert_cmpuint (in_trash->len, ==, 1);
  /* The moved row got its new UID (COPYUID), not a second copy. */
  moved = casella_store_get_message (fixture->store, two);
  g_assert_nonnull (moved);
  g_assert_cmpuint (moved->uid, ==, g_array_index (archived, guint32, 0));
  assert_in_step (fixture, "INBOX", TRUE);
  assert_in_step (fixture, "Archivio", TRUE);
  assert_in_step (fixture, "Trash", TRUE);
  assert_in_step (fixture, "Vacanze", TRUE);
  /* Subscribed on the server: the one asked for, and the one made here. */
  {
    const char *args[] = { "mailbox", "list", "-u", fixture->user, "-s", NULL };
    casella_test_dovecot_doveadm (dovecot, args, &subscriptions, &error);
    g_assert_no_error (error);
  }
  g_assert_nonnull (strstr (subscriptions, "Archivio"));
  g_assert_nonnull (strstr (subscriptions, "Vacanze"));
  g_clear_pointer (&archive, casella_store_folder_free);
  archive = folder (fixture, "Archivio");
  g_assert_true (archive->subscribed);
}

static void
on_replay_failed (CasellaImapSync *sync,
                  gint64           message_id,
                  const GError    *error,
                  guint           *failures)
{
  (*failures)++;
}

/* The server refuses: the change is undone here and reported. */
static void
test_refused_change_undone (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(CasellaStoreFolder) work = NULL, back = NULL;
  g_autoptr(GError) error = NULL;
  guint failures = 0;

  fill (fixture, "INBOX", 2);
  doveadm (fixture, "mailbox", "create", "Lavoro", NULL);
  doveadm (fixture, "mailbox", "create", "Ufficio", NULL);
  run_sync (fixture);
  work = folder (fixture, "Lavoro");
  g_signal_connect (fixture->sync, "replay-failed", G_CALLBACK (on_replay_failed), &failures);

  /* A name the server already has: RENAME is refused. */
  g_assert_true (casella_store_local_rename_folder (fixture->store, work->id, "Ufficio-2", &error));
  doveadm (fixture, "mailbox", "create", "Ufficio-2", NULL);
  run_sync (fixture);
  g_assert_cmpuint (failures, ==, 1);
  back = casella_store_get_folder (fixture->store, work->id);
  g_assert_nonnull (back);
  g_assert_cmpstr (back->path, ==, "Lavoro");
  g_assert_nonnull (casella_store_find_folder (fixture->store, "Ufficio-2"));
}

/* ---- a line that drops ---- */

static gboolean
sync_through (Fixture          *fixture,
              CasellaTestProxy *proxy,
              guint64           cut)
{
  g_autoptr(CasellaImapSync) sync = new_sync (fixture, casella_test_proxy_get_port (proxy));
  g_autoptr(GError) error = NULL;
  gboolean ok;

  casella_imap_sync_set_body_budget (sync, ALL_BODIES);
  casella_imap_sync_set_batch_size (sync, 7);
  casella_test_proxy_cut_after (proxy, cut);
  ok = casella_imap_sync_run (sync, NULL, &error);
  g_assert_true (ok || error != NULL);
  return ok;
}

/* Cut at 25 points spread over a whole first sync (login, list, select,
 * header batches, bodies); after each cut the next run completes it:
 * never a duplicate, never a loss, the store always sound. */
static void
test_disconnect_at_every_stage (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(CasellaTestProxy) proxy = relay_to_dovecot ();
  g_autoptr(GError) error = NULL;
  g_autofree char *scratch = g_build_filename (fixture->dir, "measure.db", NULL);
  guint64 total;
  guint cuts = 0;


  fill (fixture, "INBOX", 60);
  fill (fixture, "Lavoro", 20);

  /* How many bytes a whole first sync takes, measured on a scratch store. */
  {
    g_autoptr(CasellaStore) measure = casella_store_open (scratch, &error);
    g_autoptr(CasellaNetConfig) config = net_config (casella_test_proxy_get_port (proxy));
    g_autoptr(CasellaImapSync) sync = casella_imap_sync_new (measure, config, fixture->user, PASSWORD);

    casella_imap_sync_set_body_budget (sync, ALL_BODIES);
    casella_imap_sync_set_batch_size (sync, 7);
    casella_test_proxy_cut_after (proxy, G_MAXUINT64);
    g_assert_true (casella_imap_sync_run (sync, NULL, &error));
    total = casella_test_proxy_get_bytes (proxy);
  }
  g_test_message ("a first sync is %" G_GUINT64_FORMAT " bytes from the server", total);

  /* Each cut on a fresh store: cut there, then a clean run finishes. */
  for (guint64 cut = 200; cut < total; cut += total / 25)
    {
      g_autofree char *path = g_strdup_printf ("%s/cut-%" G_GUINT64_FORMAT ".db", fixture->dir, cut);
      gboolean ok;

      g_clear_object (&fixture->sync);
      g_clear_object (&fixture->store);
      fixture->store = casella_store_open (path, &error);
      g_assert_no_error (error);
      ok = sync_through (fixture, proxy, cut);
      g_assert_true (casella_test_proxy_was_cut (proxy));
      g_assert_false (ok);   /* a cut is never taken for success */
      g_assert_true (casella_store_check_integrity (fixture->store, &error));
      cuts++;

      fixture->sync = new_sync (fixture, casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS));
      casella_imap_sync_set_body_budget (fixture->sync, ALL_BODIES);
      run_sync (fixture);
      assert_in_step (fixture, "INBOX", TRUE);
      assert_in_step (fixture, "Lavoro", TRUE);
    }
  g_assert_cmpuint (cuts, >=, 25);
}

/* ---- a server gone slow mid-FETCH ---- */

typedef struct {
  char    *path;
  char    *user;
  guint16  port;
  gboolean ok;
  char    *error;
  gint     done;
  gint64   folder_id;   /* that folder alone; 0: a whole run */
} StalledSync;

static gpointer
sync_on_own_thread (gpointer data)
{
  StalledSync *run = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (context);
  {
    g_autoptr(CasellaStore) store = casella_store_open (run->path, &error);
    g_autoptr(CasellaNetConfig) config = net_config (run->port);
    g_autoptr(CasellaImapSync) sync = store ? casella_imap_sync_new (store, config, run->user, PASSWORD) : NULL;

    if (sync != NULL)
      {
        casella_imap_sync_set_body_budget (sync, ALL_BODIES);
        casella_imap_sync_set_batch_size (sync, 25);
        run->ok = run->folder_id != 0 ? casella_imap_sync_folder (sync, run->folder_id, NULL, &error)
                                      : casella_imap_sync_run (sync, NULL, &error);
      }
    run->error = error ? g_strdup (error->message) : NULL;
  }
  g_main_context_pop_thread_default (context);
  g_atomic_int_set (&run->done, TRUE);
  return NULL;
}

static gboolean
is_stalled (gpointer proxy)
{
  return casella_test_proxy_is_stalled (proxy);
}

static gboolean
is_done (gpointer data)
{
  return g_atomic_int_get (&((StalledSync *) data)->done);
}

typedef enum { WHOLE_RUN, REPLAY_ONLY, ONE_FOLDER } Measured;

/* What the server sends through the relay for a sync of the store at
 * run->path (a whole run, a replay alone, or run->folder_id alone), and
 * of that what its last read brought. The sync is done and gone when
 * this returns. */
static guint64
measure_sync (Fixture          *fixture,
              CasellaTestProxy *proxy,
              StalledSync      *run,
              const char       *store_path,
              Measured          what,
              guint64          *last_read)
{
  g_autoptr(CasellaStore) measure = casella_store_open (store_path, NULL);
  g_autoptr(CasellaNetConfig) config = net_config (run->port);
  g_autoptr(CasellaImapSync) sync = casella_imap_sync_new (measure, config, fixture->user, PASSWORD);
  g_autoptr(GError) error = NULL;

  casella_imap_sync_set_body_budget (sync, ALL_BODIES);
  casella_imap_sync_set_batch_size (sync, 25);
  casella_test_proxy_cut_after (proxy, G_MAXUINT64);
  g_assert_true (what == WHOLE_RUN ? casella_imap_sync_run (sync, NULL, &error)
                 : what == REPLAY_ONLY ? casella_imap_sync_replay (sync, NULL, &error)
                 : casella_imap_sync_folder (sync, run->folder_id, NULL, &error));
  g_assert_no_error (error);
  if (last_read != NULL)
    *last_read = casella_test_proxy_get_last_read (proxy);
  return casella_test_proxy_get_bytes (proxy);
}

/* The run started on a thread of its own, held once the server has sent
 * it that many bytes. */
static GThread *
start_held (CasellaTestProxy *proxy,
            StalledSync      *run,
            guint64           bytes)
{
  GThread *thread;

  casella_test_proxy_cut_after (proxy, G_MAXUINT64);
  casella_test_proxy_stall_after (proxy, bytes);
  thread = g_thread_new ("held-sync", sync_on_own_thread, run);
  g_assert_true (casella_test_wait_until (is_stalled, proxy, 20000));
  g_assert_false (g_atomic_int_get (&run->done));
  return thread;
}

/* While the sync waits on a server that has gone quiet halfway through
 * its replies, the store takes another writer at once: a draft saved
 * (as the composer does) neither waits nor fails with "busy". */
static void
test_no_lock_while_waiting (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(CasellaTestProxy) proxy = relay_to_dovecot ();
  g_autofree char *scratch = g_build_filename (fixture->dir, "measure.db", NULL);
  g_autofree char *path = g_build_filename (fixture->dir, "stalled.db", NULL);
  g_autoptr(GBytes) draft = g_bytes_new_static ("From: me@example.test\r\nSubject: draft\r\n\r\nhi\r\n", 45);
  g_autoptr(GError) error = NULL;
  StalledSync run = { path, fixture->user, casella_test_proxy_get_port (proxy), FALSE, NULL, FALSE };
  g_autoptr(CasellaMessageInfo) kept = NULL;
  GThread *thread;
  guint64 total;
  gint64 started;

  fill (fixture, "INBOX", 120);
  total = measure_sync (fixture, proxy, &run, scratch, WHOLE_RUN, NULL);

  /* Halfway through: deep in a FETCH of headers or bodies. */
  thread = start_held (proxy, &run, total / 2);

  {
    g_autoptr(CasellaStore) window = casella_store_open (path, &error);
    gint64 id;

    g_assert_no_error (error);
    started = g_get_monotonic_time ();
    id = casella_store_save_draft (window, 0, draft, &error);
    g_test_message ("draft saved %.1f ms into the stall", (g_get_monotonic_time () - started) / 1000.0);
    g_assert_no_error (error);
    g_assert_cmpint (id, >, 0);
  }

  casella_test_proxy_release (proxy);
  g_assert_true (casella_test_wait_until (is_done, &run, 60000));
  g_thread_join (thread);
  g_assert_cmpstr (run.error, ==, NULL);
  g_assert_true (run.ok);
  g_clear_object (&fixture->sync);
  g_clear_object (&fixture->store);
  fixture->store = casella_store_open (path, &error);
  g_assert_no_error (error);
  fixture->sync = new_sync (fixture, casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS));
  assert_in_step (fixture, "INBOX", TRUE);
  kept = message_by_subject (fixture, "Drafts", "draft");
  g_assert_nonnull (kept);
  g_free (run.error);
}

static gboolean
second_after (gpointer when)
{
  return g_get_real_time () / G_USEC_PER_SEC > *(gint64 *) when;
}

static void
test_uidvalidity_change (Fixture       *fixture,
                         gconstpointer  data)
{
  gint64 deleted_at;
  g_autoptr(CasellaStoreFolder) before = NULL, after = NULL;
  g_autoptr(CasellaMessageInfo) old_one = NULL, new_one = NULL;

  doveadm (fixture, "mailbox", "create", "Progetti", NULL);
  deliver (fixture, "Progetti", "Vecchio", "prima");
  run_sync (fixture);
  before = folder (fixture, "Progetti");

  /* Gone and made again under the same name: a new UIDVALIDITY. */
  doveadm (fixture, "mailbox", "delete", "Progetti", NULL);
  /* UIDVALIDITY is a timestamp in Dovecot: the next second makes it new. */
  deleted_at = g_get_real_time () / G_USEC_PER_SEC;
  g_assert_true (casella_test_wait_until (second_after, &deleted_at, 3000));
  doveadm (fixture, "mailbox", "create", "Progetti", NULL);
  deliver (fixture, "Progetti", "Nuovo", "dopo");
  run_sync (fixture);
  after = folder (fixture, "Progetti");
  g_assert_cmpuint (after->uidvalidity, !=, before->uidvalidity);
  old_one = message_by_subject (fixture, "Progetti", "Vecchio");
  new_one = message_by_subject (fixture, "Progetti", "Nuovo");
  g_assert_null (old_one);
  g_assert_nonnull (new_one);
  assert_in_step (fixture, "Progetti", TRUE);
}

static void
test_bodies_on_demand_and_server_search (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr(CasellaStoreFolder) inbox = NULL;
  g_autoptr(CasellaMessageInfo) lonely = NULL, now = NULL;
  g_autoptr(GArray) local = NULL, server = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  deliver (fixture, "INBOX", "Rara", "La parola introvabile zibaldone sta qui.");
  fill (fixture, "INBOX", 5);
  casella_imap_sync_set_body_budget (fixture->sync, CASELLA_SYNC_BODIES_NONE);
  run_sync (fixture);
  assert_in_step (fixture, "INBOX", FALSE);
  lonely = message_by_subject (fixture, "INBOX", "Rara");
  g_assert_false (lonely->has_body);

  /* Not downloaded: the local index cannot know, the server can. */
  inbox = folder (fixture, "INBOX");
  local = casella_store_search (fixture->store, inbox->id, "zibaldone", NULL);
  g_assert_cmpuint (local->len, ==, 0);
  server = casella_imap_sync_search (fixture->sync, inbox->id, "zibaldone", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (server->len, ==, 1);
  g_assert_cmpint (g_array_index (server, gint64, 0), ==, lonely->id);

  body = casella_imap_sync_fetch_body (fixture->sync, lonely->id, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (g_bytes_get_data (body, NULL), "zibaldone"));
  now = casella_store_get_message (fixture->store, lonely->id);
  g_assert_true (now->has_body);
  g_clear_pointer (&local, g_array_unref);
  local = casella_store_search (fixture->store, inbox->id, "zibaldone", NULL);
  g_assert_cmpuint (local->len, ==, 1);
}

static guint
server_found (Fixture    *fixture,
              gint64      folder_id,
              const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = casella_imap_sync_search (fixture->sync, folder_id, text, NULL, &error);

  g_assert_no_error (error);
  g_test_message ("%s: %u on the server", text, ids->len);
  return ids->len;
}

/* The search field's operators asked of the server, for what is not
 * downloaded: its own keys, UTF-8 where needed. */
static void
test_server_search_operators (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(CasellaStoreFolder) inbox = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cena = g_strdup_printf ("From: Anna Rossi <anna@example.test>\r\nTo: %s\r\nSubject: Cena sabato\r\n"
                                           "Date: Mon, 2 Nov 2026 09:00:00 +0000\r\nMessage-ID: <cena@example.test>"
                                           "\r\n\r\nA che ora?\r\n", fixture->user);
  g_autofree char *perche = g_strdup_printf ("From: Bruno <bruno@example.test>\r\nTo: %s\r\nCc: ufficio@example.test\r\n"
                                             "Subject: =?UTF-8?Q?Perch=C3=A9_no?=\r\n"
                                             "Date: Tue, 1 Dec 2026 09:00:00 +0000\r\nMessage-ID: <perche@example.test>"
                                             "\r\n\r\nCiao.\r\n", fixture->user);

  casella_test_dovecot_deliver (dovecot, fixture->user, "INBOX", cena, -1, "\\Seen", &error);
  g_assert_no_error (error);
  casella_test_dovecot_deliver (dovecot, fixture->user, "INBOX", perche, -1, NULL, &error);
  g_assert_no_error (error);
  casella_imap_sync_set_body_budget (fixture->sync, CASELLA_SYNC_BODIES_NONE);
  run_sync (fixture);
  inbox = folder (fixture, "INBOX");
  g_assert_cmpuint (server_found (fixture, inbox->id, "from:anna"), ==, 1);
  g_assert_cmpuint (server_found (fixture, inbox->id, "da:\"Anna Rossi\" oggetto:cena"), ==, 1);
  g_assert_cmpuint (server_found (fixture, inbox->id, "a:ufficio"), ==, 1);
  g_assert_cmpuint (server_found (fixture, inbox->id, "oggetto:perché"), ==, 1);
  g_assert_cmpuint (server_found (fixture, inbox->id, "is:unread"), ==, 1);
  g_assert_cmpuint (server_found (fixture, inbox->id, "è:letto"), ==, 1);
  g_assert_cmpuint (server_found (fixture, inbox->id, "after:2026-11-15"), ==, 1);
  g_assert_cmpuint (server_found (fixture, inbox->id, "before:15/11/2026 from:anna"), ==, 1);
  g_assert_cmpuint (server_found (fixture, inbox->id, "from:anna is:unread"), ==, 0);
  g_assert_cmpuint (server_found (fixture, inbox->id, "ciao"), ==, 1);
}

/* The reader's connection has the INBOX open from before; a message the
 * sync just stored is news to it, and its UID FETCH came back empty: the
 * body was "not downloaded" while the server had it. */
static void
test_body_of_a_message_new_to_the_connection (Fixture       *fixture,
                                              gconstpointer  data)
{
  g_autoptr(CasellaImapSync) reader = new_sync (fixture, casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS));
  g_autoptr(CasellaMessageInfo) first = NULL, fresh = NULL;
  g_autoptr(GBytes) before = NULL, body = NULL;
  g_autoptr(GError) error = NULL;

  deliver (fixture, "INBOX", "Prima", "Il primo messaggio.");
  casella_imap_sync_set_body_budget (fixture->sync, CASELLA_SYNC_BODIES_NONE);
  run_sync (fixture);
  first = message_by_subject (fixture, "INBOX", "Prima");
  before = casella_imap_sync_fetch_body (reader, first->id, NULL, &error);   /* the INBOX open there */
  g_assert_no_error (error);

  deliver (fixture, "INBOX", "Appena arrivata", "Nuova parola: gelsomino.");
  run_sync (fixture);
  fresh = message_by_subject (fixture, "INBOX", "Appena arrivata");
  g_assert_nonnull (fresh);
  body = casella_imap_sync_fetch_body (reader, fresh->id, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (g_bytes_get_data (body, NULL), "gelsomino"));
}

typedef struct {
  Fixture *fixture;
  gint64   delivered_at;
} Later;

static gboolean
deliver_later (gpointer user_data)
{
  Later *later = user_data;

  deliver (later->fixture, "INBOX", "Spinta", "arriva durante IDLE");
  later->delivered_at = g_get_monotonic_time ();
  return G_SOURCE_REMOVE;
}

/* IDLE: new mail from elsewhere is noticed within moments. */
static void
test_idle_sees_new_mail (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(CasellaStoreFolder) inbox = NULL;
  g_autoptr(CasellaMessageInfo) pushed = NULL;
  g_autoptr(GError) error = NULL;
  Later later = { fixture, 0 };
  gint64 noticed;

  fill (fixture, "INBOX", 3);
  run_sync (fixture);
  inbox = folder (fixture, "INBOX");
  g_timeout_add (300, deliver_later, &later);
  g_assert_true (casella_imap_sync_wait_for_change (fixture->sync, inbox->id, 20000, NULL, &error));
  noticed = g_get_monotonic_time ();
  g_assert_no_error (error);
  g_assert_cmpint (later.delivered_at, >, 0);
  g_test_message ("new mail noticed %" G_GINT64_FORMAT " ms after delivery", (noticed - later.delivered_at) / 1000);
  g_assert_true (casella_imap_sync_folder (fixture->sync, inbox->id, NULL, &error));
  pushed = message_by_subject (fixture, "INBOX", "Spinta");
  g_assert_nonnull (pushed);

  /* Nothing happening: it returns at the timeout, without error. */
  g_assert_false (casella_imap_sync_wait_for_change (fixture->sync, inbox->id, 300, NULL, &error));
  g_assert_no_error (error);
}

/* ---- POP3 ---- */

static CasellaStore *
pop3_store (Fixture *fixture)
{
  g_autofree char *path = g_build_filename (fixture->dir, "pop3.db", NULL);
  g_autoptr(GError) error = NULL;
  CasellaStore *store = casella_store_open (path, &error);

  g_assert_no_error (error);
  return store;
}

static CasellaPop3SyncResult
pop3_run (Fixture           *fixture,
          CasellaStore      *store,
          CasellaPop3Policy  policy,
          guint              days)
{
  g_autoptr(CasellaNetConfig) config = net_config (casella_test_dovecot_get_port (dovecot, CASELLA_TEST_POP3S));
  CasellaPop3SyncResult result = { 0, 0 };
  g_autoptr(GError) error = NULL;

  casella_pop3_sync_run (store, config, fixture->user, PASSWORD, NULL, policy, days, NULL, NULL, &result, NULL, &error);
  g_assert_no_error (error);
  return result;
}

static void
test_pop3_keeps_and_deletes_by_policy (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(CasellaStore) store = pop3_store (fixture);
  g_autoptr(CasellaStoreFolder) inbox = NULL;
  g_autoptr(GArray) ids = NULL, left = NULL;
  CasellaPop3SyncResult result;
  g_autoptr(GError) error = NULL;

  fill (fixture, "INBOX", 8);
  result = pop3_run (fixture, store, CASELLA_POP3_KEEP, 0);
  g_assert_cmpuint (result.downloaded, ==, 8);
  g_assert_cmpuint (result.deleted_on_server, ==, 0);
  /* Again: nothing twice. */
  result = pop3_run (fixture, store, CASELLA_POP3_KEEP, 0);
  g_assert_cmpuint (result.downloaded, ==, 0);
  inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
  ids = casella_store_list_message_ids (store, inbox->id, NULL, NULL);
  g_assert_cmpuint (ids->len, ==, 8);
  g_assert_true (casella_store_get_message (store, g_array_index (ids, gint64, 0))->has_body);

  /* "Delete when deleted here": two deleted here go from the server;
   * and they do not come back. */
  g_assert_true (casella_store_is_pop3 (store));
  /* POP3's Trash is here only; deleting from it is deleting for good. */
  g_assert_true (casella_store_local_trash (store, (gint64 *) ids->data, 2, NULL, &error));
  g_assert_nonnull (casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_TRASH));
  g_assert_true (casella_store_local_trash (store, (gint64 *) ids->data, 2, NULL, &error));
  result = pop3_run (fixture, store, CASELLA_POP3_DELETE_WHEN_DELETED, 0);
  g_assert_cmpuint (result.downloaded, ==, 0);
  g_assert_cmpuint (result.deleted_on_server, ==, 2);
  left = server_uids (fixture, "INBOX");
  g_assert_cmpuint (left->len, ==, 6);

  /* "After 0 days": everything safely here may go. */
  result = pop3_run (fixture, store, CASELLA_POP3_DELETE_AFTER_DAYS, 0);
  g_assert_cmpuint (result.deleted_on_server, ==, 6);
  g_clear_pointer (&left, g_array_unref);
  left = server_uids (fixture, "INBOX");
  g_assert_cmpuint (left->len, ==, 0);
  g_clear_pointer (&ids, g_array_unref);
  ids = casella_store_list_message_ids (store, inbox->id, NULL, NULL);
  g_assert_cmpuint (ids->len, ==, 6);
  g_assert_true (casella_store_check_integrity (store, &error));
}

/* The days pass: everything downloaded so far is older by days. */
static void
days_pass (CasellaStore *store,
           guint         days)
{
  sqlite3 *db = NULL;
  g_autofree char *sql = g_strdup_printf ("UPDATE pop3_seen SET downloaded = downloaded - %u", days * 86400);

  g_assert_cmpint (sqlite3_open (casella_store_get_path (store), &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* "Delete from the server after 7 days", over two weeks: the server
 * keeps exactly the week's mail, this computer keeps all of it. */
static void
test_pop3_deletes_after_days (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(CasellaStore) store = pop3_store (fixture);
  g_autoptr(CasellaStoreFolder) inbox = NULL;
  g_autoptr(GArray) ids = NULL;
  CasellaPop3SyncResult result;

  fill (fixture, "INBOX", 3);                        /* day 0 */
  result = pop3_run (fixture, store, CASELLA_POP3_DELETE_AFTER_DAYS, 7);
  g_assert_cmpuint (result.downloaded, ==, 3);
  g_assert_cmpuint (result.deleted_on_server, ==, 0);
  days_pass (store, 5);
  fill (fixture, "INBOX", 3);                        /* day 5 */
  result = pop3_run (fixture, store, CASELLA_POP3_DELETE_AFTER_DAYS, 7);
  g_assert_cmpuint (result.downloaded, ==, 3);
  g_assert_cmpuint (result.deleted_on_server, ==, 0);
  g_assert_cmpuint (casella_test_dovecot_count_messages (dovecot, fixture->user, "INBOX"), ==, 6);
  days_pass (store, 5);
  fill (fixture, "INBOX", 3);                        /* day 10: day 0's are 10 days old */
  result = pop3_run (fixture, store, CASELLA_POP3_DELETE_AFTER_DAYS, 7);
  g_assert_cmpuint (result.downloaded, ==, 3);
  g_assert_cmpuint (result.deleted_on_server, ==, 3);
  g_assert_cmpuint (casella_test_dovecot_count_messages (dovecot, fixture->user, "INBOX"), ==, 6);
  days_pass (store, 3);                              /* day 13: day 5's are 8 days old */
  result = pop3_run (fixture, store, CASELLA_POP3_DELETE_AFTER_DAYS, 7);
  g_assert_cmpuint (result.downloaded, ==, 0);
  g_assert_cmpuint (result.deleted_on_server, ==, 3);
  g_assert_cmpuint (casella_test_dovecot_count_messages (dovecot, fixture->user, "INBOX"), ==, 3);
  /* Nothing comes back, nothing is lost here. */
  result = pop3_run (fixture, store, CASELLA_POP3_DELETE_AFTER_DAYS, 7);
  g_assert_cmpuint (result.downloaded, ==, 0);
  g_assert_cmpuint (result.deleted_on_server, ==, 0);
  inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
  ids = casella_store_list_message_ids (store, inbox->id, NULL, NULL);
  g_assert_cmpuint (ids->len, ==, 9);
}

/* ---- outbox ---- */

static const char outgoing[] =
  "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
  "Message-ID: <%s@example.test>\r\n\r\nCiao!\r\n";

static void
test_outbox (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(CasellaNetConfig) smtp = net_config (casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_SMTPS));
  g_autofree char *good = g_strdup_printf (outgoing, USER, "bob@example.test", "Inviata", "Inviata");
  g_autofree char *bad = g_strdup_printf (outgoing, USER, "nobody@example.test", "Respinta", "Respinta");
  g_autoptr(GBytes) good_raw = g_bytes_new (good, strlen (good));
  g_autoptr(GBytes) bad_raw = g_bytes_new (bad, strlen (bad));
  g_autoptr(GArray) waiting = NULL, sent_uids = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaOutboxEntry) entry = NULL;
  g_auto(CasellaOutboxResult) result = { 0 };
  guint before = casella_test_smtp_get_messages (sink)->len;
  gint64 kept;

  doveadm (fixture, "mailbox", "create", "Sent", NULL);
  run_sync (fixture);
  casella_store_outbox_add (fixture->store, good_raw, &error);
  kept = casella_store_outbox_add (fixture->store, bad_raw, &error);
  g_assert_no_error (error);

  /* A refusal of one message is no failure of the account. */
  g_assert_true (casella_outbox_send (fixture->store, smtp, USER, PASSWORD, NULL, fixture->sync, FALSE, &result, NULL,
                                      &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.sent, ==, 1);
  g_assert_cmpuint (result.held, ==, 1);
  g_assert_cmpint (casella_outbox_result_find (&result, kept)->fate, ==, CASELLA_OUTBOX_FATE_HELD);
  g_assert_true (casella_test_smtp_wait_for (sink, before + 1, 5000));
  /* The refused one stays, with the reason; the other is in Sent. */
  waiting = casella_store_outbox_list (fixture->store, NULL);
  g_assert_cmpuint (waiting->len, ==, 1);
  g_assert_cmpint (g_array_index (waiting, gint64, 0), ==, kept);
  entry = casella_store_outbox_get (fixture->store, kept);
  g_assert_cmpint (entry->hold, ==, CASELLA_OUTBOX_HOLD_REFUSED);
  g_assert_nonnull (strstr (entry->last_error, "550"));
  g_assert_nonnull (casella_store_get_body (fixture->store, kept, NULL));
  sent_uids = server_uids (fixture, "Sent");
  g_assert_cmpuint (sent_uids->len, ==, 1);

  /* Refused for good: not offered to the server again by itself. */
  g_assert_cmpuint (casella_test_smtp_count_refusals (sink, "nobody@example.test"), ==, 1);
  g_assert_true (casella_outbox_send (fixture->store, smtp, USER, PASSWORD, NULL, fixture->sync, FALSE, &result, NULL,
                                      &error));
  g_assert_cmpuint (result.held, ==, 1);
  g_assert_false (casella_outbox_result_find (&result, kept)->attempted);
  g_assert_cmpuint (casella_test_smtp_count_refusals (sink, "nobody@example.test"), ==, 1);
}

/* A provider that files sent mail itself (Gmail, Outlook, marked in the
 * provider database) gets the message once over SMTP and no copy from
 * us in Sent; any other gets exactly one. */
static void
test_outbox_provider_files_sent (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(CasellaNetConfig) smtp = net_config (casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_SMTPS));
  g_autofree char *text = g_strdup_printf (outgoing, USER, "bob@example.test", "Da Gmail", "da-gmail");
  g_autoptr(GBytes) raw = g_bytes_new (text, strlen (text));
  g_autoptr(GArray) sent_uids = NULL, waiting = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(CasellaOutboxResult) result = { 0 };
  guint before = casella_test_smtp_get_messages (sink)->len;

  g_assert_true (casella_provider_files_sent ("googlemail.com"));
  g_assert_true (casella_provider_files_sent ("hotmail.com"));
  g_assert_true (casella_provider_files_sent ("office365.com"));
  g_assert_false (casella_provider_files_sent ("arubapec.it"));
  g_assert_false (casella_provider_files_sent ("no-such-provider"));
  g_assert_false (casella_provider_files_sent (NULL));

  doveadm (fixture, "mailbox", "create", "Sent", NULL);
  run_sync (fixture);
  casella_store_outbox_add (fixture->store, raw, &error);
  g_assert_no_error (error);
  g_assert_true (casella_outbox_send (fixture->store, smtp, USER, PASSWORD, NULL, fixture->sync,
                                      casella_provider_files_sent ("googlemail.com"), &result, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.sent, ==, 1);
  g_assert_true (casella_test_smtp_wait_for (sink, before + 1, 5000));
  g_assert_cmpuint (casella_test_smtp_get_messages (sink)->len, ==, before + 1);
  waiting = casella_store_outbox_list (fixture->store, NULL);
  g_assert_cmpuint (waiting->len, ==, 0);
  run_sync (fixture);
  sent_uids = server_uids (fixture, "Sent");
  g_assert_cmpuint (sent_uids->len, ==, 0);
}

/* ---- Gmail's conversations, from a scripted Gmail (Dovecot has no
 * X-GM-EXT-1) ---- */

#define GM_ENVELOPE(date, subject, id) \
  "ENVELOPE (\"" date "\" \"" subject "\" ((\"Anna\" NIL \"anna\" \"example.test\")) NIL NIL " \
  "((NIL NIL \"io\" \"example.test\")) NIL NIL NIL \"<" id "@example.test>\")"
#define GM_FETCH(n, thrid, date, subject, id) \
  ">> * " n " FETCH (UID " n " FLAGS (\\\\Seen) INTERNALDATE \"" date "\" RFC822.SIZE 300 " \
  GM_ENVELOPE (date, subject, id) " BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL " \
  "\"7BIT\" 10 1) X-GM-THRID " thrid " BODY[HEADER.FIELDS (REFERENCES)] {2}\\r\\n\\r\\n)\\r\\n\n"

/* Gmail says which messages are one conversation, headers or not: two
 * with nothing in common but Gmail's number are one, a third apart. */
static void
test_gmail_conversations (void)
{
  const char *script =
    "> * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR UIDPLUS X-GM-EXT-1] Gimap ready\n"
    "<T AUTHENTICATE PLAIN\n"
    "> $TAG OK [CAPABILITY IMAP4rev1 UIDPLUS X-GM-EXT-1] io@example.test authenticated\n"
    "<T LIST\n"
    "> * LIST (\\HasNoChildren) \"/\" \"INBOX\"\n"
    "> $TAG OK Success\n"
    "<T LSUB\n"
    "> * LSUB (\\HasNoChildren) \"/\" \"INBOX\"\n"
    "> $TAG OK Success\n"
    "<T SELECT\n"
    "> * 3 EXISTS\n"
    "> * OK [UIDVALIDITY 7] UIDs valid\n"
    "> * OK [UIDNEXT 4] Predicted next UID\n"
    "> $TAG OK [READ-WRITE] INBOX selected\n"
    "<T UID SEARCH\n"
    "> * SEARCH 1 2 3\n"
    "> $TAG OK SEARCH completed\n"
    "<T UID FETCH 1:3 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE X-GM-THRID BODY.PEEK[HEADER.FIELDS (REFERENCES)])\n"
    GM_FETCH ("3", "1500", "24-Nov-2026 10:00:00 +0000", "Biglietti pronti", "gm-3")
    GM_FETCH ("2", "1600", "23-Nov-2026 12:00:00 +0000", "Altro discorso", "gm-2")
    GM_FETCH ("1", "1500", "23-Nov-2026 09:00:00 +0000", "Treno per Roma", "gm-1")
    "> $TAG OK Success\n"
    "hang\n";
  g_autoptr(CasellaTestScript) server = casella_test_script_new (script, TRUE);
  g_autofree char *dir = casella_test_make_tmpdir ("casella-gmail");
  g_autofree char *path = g_build_filename (dir, "mail.db", NULL);
  g_autoptr(CasellaStore) store = NULL;
  g_autoptr(CasellaImapSync) sync = NULL;
  g_autoptr(CasellaNetConfig) config = NULL;
  g_autoptr(CasellaStoreFolder) inbox = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  gint64 thread[3];
  g_autofree char *failure = NULL;

  g_assert_true (casella_test_script_start (server, &error));
  config = net_config (casella_test_script_get_port (server));
  store = casella_store_open (path, &error);
  g_assert_no_error (error);
  sync = casella_imap_sync_new (store, config, "io@example.test", "gmail-password");
  casella_imap_sync_set_body_budget (sync, 0);
  g_assert_true (casella_imap_sync_run (sync, NULL, &error));
  g_assert_no_error (error);

  inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
  ids = casella_store_list_message_ids (store, inbox->id, NULL, &error);
  g_assert_cmpuint (ids->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(CasellaMessageInfo) info = casella_store_get_message (store, g_array_index (ids, gint64, i));
      thread[i] = info->thread;
    }
  g_assert_cmpint (thread[0], ==, thread[2]);
  g_assert_cmpint (thread[0], !=, thread[1]);
  g_clear_object (&sync);
  failure = casella_test_script_finish (server);
  g_assert_null (failure);
}

/* ---- the session: two threads at work, the UI never waiting ---- */

typedef struct {
  guint   new_mail;
  guint   sent;
  gint64  newest;
  GBytes *body;
  GError *error;
  gboolean body_done;
} Heard;

static void
on_new_mail (CasellaMailSession *session,
             gint64              folder_id,
             guint               count,
             gint64              newest,
             Heard              *heard)
{
  heard->new_mail += count;
  heard->newest = newest;
}

static void
on_sent (CasellaMailSession *session,
         guint               count,
         Heard              *heard)
{
  heard->sent += count;
}

static void
on_body (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Heard *heard = user_data;

  heard->body = casella_mail_session_fetch_body_finish (CASELLA_MAIL_SESSION (source), result, &heard->error);
  heard->body_done = TRUE;
}

static gboolean
is_up_to_date (gpointer session)
{
  return casella_mail_session_get_state (session) == CASELLA_SESSION_UP_TO_DATE;
}

static gboolean
heard_new_mail (gpointer heard)
{
  return ((Heard *) heard)->new_mail > 0;
}

static gboolean
heard_body (gpointer heard)
{
  return ((Heard *) heard)->body_done;
}

static gboolean
heard_sent (gpointer heard)
{
  return ((Heard *) heard)->sent > 0;
}

typedef struct {
  Fixture *fixture;
  guint32  uid;
} FlagCheck;

static gboolean
server_has_seen (gpointer data)
{
  FlagCheck *check = data;
  g_autofree char *flags = server_flags (check->fixture, "INBOX", check->uid);

  return strstr (flags, "\\Seen") != NULL;
}

static guint
count_messages (CasellaStore *store,
                gint64        folder_id)
{
  g_autoptr(GArray) ids = casella_store_list_message_ids (store, folder_id, NULL, NULL);

  return ids ? ids->len : 0;
}

static CasellaAccount *
session_account (Fixture *fixture)
{
  CasellaAccount *account = casella_account_new (fixture->user);
  g_autoptr(CasellaServerConfig) imap = casella_server_config_new (CASELLA_PROTOCOL_IMAP, "localhost",
                                                                   casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS),
                                                                   CASELLA_SECURITY_TLS);
  g_autoptr(CasellaServerConfig) smtp = casella_server_config_new (CASELLA_PROTOCOL_SMTP, "localhost",
                                                                   casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_SMTPS),
                                                                   CASELLA_SECURITY_TLS);

  imap->username = g_strdup (fixture->user);
  smtp->username = g_strdup (USER);
  casella_account_set_incoming (account, imap);
  casella_account_set_outgoing (account, smtp);
  return account;
}

static CasellaCertificateCheck *
check_certificate (CasellaAccount  *account,
                   CasellaProtocol  protocol,
                   GTlsDatabase    *database)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  CasellaCertificateCheck *check;

  casella_account_check_certificate_async (account, protocol, database, NULL, casella_test_store_result, &result);
  casella_test_await (&result);
  check = casella_account_check_certificate_finish (result, &error);
  g_assert_no_error (error);
  return check;
}

/* What a server shows now, judged without the account's pin: the
 * pinned one, or one the system trusts (then the pin can go). */
static void
test_certificate_check (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(CasellaAccount) account = session_account (fixture);
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GBytes) pinned = NULL;
  g_autoptr(CasellaCertificateCheck) untrusted = NULL;
  g_autoptr(CasellaCertificateCheck) trusted = NULL;
  g_autoptr(GTlsCertificate) shown = NULL;
  g_autoptr(GError) error = NULL;

  g_object_get (casella_test_pki_get ()->server_certificate, "certificate", &der, NULL);
  pinned = g_bytes_new (der->data, der->len);
  casella_account_set_pinned_certificate (account, CASELLA_PROTOCOL_IMAP, pinned);

  /* The system does not know the test CA: the pinned one, not trusted. */
  untrusted = check_certificate (account, CASELLA_PROTOCOL_IMAP, NULL);
  g_assert_false (untrusted->trusted);
  g_assert_true (untrusted->pinned);
  g_assert_nonnull (untrusted->certificate);
  g_assert_true (untrusted->errors & G_TLS_CERTIFICATE_UNKNOWN_CA);
  /* The pin, as a certificate again, is the same one. */
  shown = casella_certificate_new_from_der (pinned, &error);
  g_assert_no_error (error);
  g_assert_true (g_tls_certificate_is_same (shown, untrusted->certificate));

  /* Trusted by the database: no pin needed. */
  trusted = check_certificate (account, CASELLA_PROTOCOL_IMAP, casella_test_pki_get ()->database);
  g_assert_true (trusted->trusted);
  g_assert_null (trusted->certificate);
}

static void
test_session (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(CasellaAccount) account = session_account (fixture);
  CasellaMailSessionOptions options = { PASSWORD, "alicepw", casella_test_pki_get ()->database, 300, 1 };
  g_autoptr(CasellaMailSession) session = NULL;
  g_autoptr(CasellaStoreFolder) inbox = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *letter = g_strdup_printf ("From: %s\r\nTo: bob@example.test\r\nSubject: Dalla sessione\r\n\r\nCiao\r\n", USER);
  g_autoptr(GBytes) raw = g_bytes_new (letter, strlen (letter));
  CasellaStore *store;
  Heard heard = { 0 };
  FlagCheck check = { fixture, 0 };
  g_autoptr(GArray) one = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(CasellaDraftRef) draft = NULL;
  g_autoptr(CasellaStoreFolder) drafts = NULL;
  guint before = casella_test_smtp_get_messages (sink)->len;
  gint64 id, start;

  fill (fixture, "INBOX", 30);
  session = casella_mail_session_new (account, &options, &error);
  g_assert_no_error (error);
  store = casella_mail_session_get_store (session);
  g_signal_connect (session, "new-mail", G_CALLBACK (on_new_mail), &heard);
  g_signal_connect (session, "sent", G_CALLBACK (on_sent), &heard);
  casella_mail_session_start (session);
  g_assert_true (casella_test_wait_until (is_up_to_date, session, 20000));

  /* The UI's own connection sees what the sync thread wrote. */
  inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
  g_assert_nonnull (inbox);
  ids = casella_store_list_message_ids (store, inbox->id, NULL, NULL);
  g_assert_cmpuint (ids->len, ==, 30);

  /* New mail from elsewhere: noticed while the session idles. */
  heard.new_mail = 0;
  start = g_get_monotonic_time ();
  deliver (fixture, "INBOX", "Appena arrivata", "ciao");
  g_assert_true (casella_test_wait_until (heard_new_mail, &heard, 10000));
  g_test_message ("new mail told to the UI %" G_GINT64_FORMAT " ms after delivery", (g_get_monotonic_time () - start) / 1000);
  g_assert_cmpstr (casella_store_get_message (store, heard.newest)->subject, ==, "Appena arrivata");

  /* A body the budget left on the server: fetched on request. */
  id = g_array_index (ids, gint64, ids->len - 1);
  g_assert_false (casella_store_get_message (store, id)->has_body);
  casella_mail_session_fetch_body_async (session, id, NULL, on_body, &heard);
  g_assert_true (casella_test_wait_until (heard_body, &heard, 10000));
  g_assert_no_error (heard.error);
  g_assert_nonnull (heard.body);
  g_bytes_unref (heard.body);

  /* Read here, written by the session's writer: the server hears soon. */
  check.uid = casella_store_get_message (store, id)->uid;
  one = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_array_append_val (one, id);
  casella_mail_session_mark_async (session, one, CASELLA_MESSAGE_SEEN, 0, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_cmpint (casella_mail_session_write_finish (session, result, &error), ==, TRUE);
  g_assert_no_error (error);
  g_assert_true (casella_store_get_message (store, id)->flags & CASELLA_MESSAGE_SEEN);
  g_clear_object (&result);
  casella_mail_session_changes_made (session);
  g_assert_true (casella_test_wait_until (server_has_seen, &check, 10000));

  /* A draft saved twice is one draft; sent, it leaves Drafts for the
   * outbox, and the request thread sends it. */
  draft = casella_draft_ref_new (0);
  casella_mail_session_save_draft_async (session, draft, raw, NULL, NULL);
  casella_mail_session_save_draft_async (session, draft, raw, NULL, NULL);
  casella_mail_session_queue_message_async (session, draft, raw, casella_test_store_result, &result);
  casella_test_await (&result);
  g_assert_cmpint (casella_mail_session_write_finish (session, result, &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (casella_draft_ref_get_id (draft), ==, 0);
  drafts = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_DRAFTS);
  g_assert_nonnull (drafts);
  g_assert_cmpuint (count_messages (store, drafts->id), ==, 0);
  casella_mail_session_send_outbox (session);
  g_assert_true (casella_test_wait_until (heard_sent, &heard, 10000));
  g_assert_true (casella_test_smtp_wait_for (sink, before + 1, 5000));
  g_assert_cmpuint (heard.sent, ==, 1);

  casella_mail_session_wait (session);
  g_assert_false (casella_mail_session_is_running (session));
}

static void
mark_flagged_here (Fixture *fixture,
                guint32  uid)
{
  g_autoptr(CasellaStoreFolder) inbox = folder (fixture, "INBOX");
  gint64 id = casella_store_find_message (fixture->store, inbox->id, uid)->id;
  g_autoptr(GError) error = NULL;

  g_assert_true (casella_store_local_mark (fixture->store, &id, 1, CASELLA_MESSAGE_FLAGGED, 0, &error));
  g_assert_no_error (error);
}

static gboolean
server_has_folder (Fixture    *fixture,
                   const char *name)
{
  return casella_test_dovecot_has_folder (dovecot, fixture->user, name);
}

/* Folders made, renamed, deleted and subscribed to here while the sync
 * waits for the server's folder list, asked for before they were: that
 * list undoes none of them, and the next sync takes each to the server. */
static void
test_folder_changes_during_a_listing (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(CasellaTestProxy) proxy = relay_to_dovecot ();
  g_autoptr(CasellaStoreFolder) work = NULL, old = NULL, archive = NULL, renamed = NULL, news = NULL, kept = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "mail.db", NULL);
  g_autoptr(GError) error = NULL;
  StalledSync run = { path, fixture->user, casella_test_proxy_get_port (proxy), FALSE, NULL, FALSE };
  g_autofree char *flags = NULL;
  GThread *thread;
  guint64 signed_in;
  gint64 made;

  fill (fixture, "INBOX", 2);
  doveadm (fixture, "mailbox", "create", "Lavoro", NULL);
  doveadm (fixture, "mailbox", "create", "Vecchia", NULL);
  doveadm (fixture, "mailbox", "create", "Archivio", NULL);
  run_sync (fixture);
  work = folder (fixture, "Lavoro");
  old = folder (fixture, "Vecchia");
  archive = folder (fixture, "Archivio");
  g_assert_false (archive->subscribed);

  /* What a sync's server says up to the folder list: a sign-in, and one
   * change replayed. The next sync is held right there. */
  mark_flagged_here (fixture, 1);
  signed_in = measure_sync (fixture, proxy, &run, path, REPLAY_ONLY, NULL);
  mark_flagged_here (fixture, 2);
  doveadm (fixture, "mailbox", "create", "Nuova", NULL);
  thread = start_held (proxy, &run, signed_in);
  /* Held between the replay (done) and the folder list (not read yet). */
  flags = server_flags (fixture, "INBOX", 2);
  g_assert_nonnull (strstr (flags, "\\Flagged"));
  g_assert_null (casella_store_find_folder (fixture->store, "Nuova"));

  made = casella_store_local_create_folder (fixture->store, "Viaggi", '.', &error);
  g_assert_no_error (error);
  g_assert_true (casella_store_local_rename_folder (fixture->store, work->id, "Ufficio", &error));
  g_assert_true (casella_store_local_delete_folder (fixture->store, old->id, &error));
  g_assert_true (casella_store_local_subscribe (fixture->store, archive->id, TRUE, &error));
  g_assert_no_error (error);
  casella_test_proxy_release (proxy);
  g_assert_true (casella_test_wait_until (is_done, &run, 60000));
  g_thread_join (thread);
  g_assert_cmpstr (run.error, ==, NULL);
  g_assert_true (run.ok);

  /* The list was read: what the server had, and every change made here. */
  g_assert_nonnull ((news = casella_store_find_folder (fixture->store, "Nuova")));
  g_assert_nonnull ((kept = casella_store_get_folder (fixture->store, made)));
  g_assert_cmpstr (kept->path, ==, "Viaggi");
  g_assert_nonnull ((renamed = casella_store_get_folder (fixture->store, work->id)));
  g_assert_cmpstr (renamed->path, ==, "Ufficio");
  g_assert_null (casella_store_find_folder (fixture->store, "Lavoro"));
  g_assert_null (casella_store_find_folder (fixture->store, "Vecchia"));
  g_clear_pointer (&archive, casella_store_folder_free);
  archive = folder (fixture, "Archivio");
  g_assert_true (archive->subscribed);

  run_sync (fixture);
  g_assert_true (server_has_folder (fixture, "Viaggi"));
  g_assert_true (server_has_folder (fixture, "Ufficio"));
  g_assert_false (server_has_folder (fixture, "Lavoro"));
  g_assert_false (server_has_folder (fixture, "Vecchia"));
  g_clear_pointer (&renamed, casella_store_folder_free);
  renamed = folder (fixture, "Ufficio");
  g_assert_cmpint (renamed->id, ==, work->id);
  g_clear_pointer (&kept, casella_store_folder_free);
  kept = folder (fixture, "Viaggi");
  g_assert_cmpint (kept->id, ==, made);
  g_free (run.error);
}

static void
note_folder (CasellaImapSync *sync,
             gint64           folder_id,
             gint64          *last)
{
  *last = folder_id;
}

/* A message moved out of a folder here while the sync waits for that
 * folder's SELECT (the server still has it there): the sync does not
 * fetch it back into the folder it left; the next one moves it on the
 * server. */
static void
test_move_during_a_select (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(CasellaTestProxy) proxy = relay_to_dovecot ();
  g_autofree char *path = g_build_filename (fixture->dir, "mail.db", NULL);
  g_autoptr(CasellaStoreFolder) inbox = NULL, archive = NULL;
  g_autoptr(CasellaMessageInfo) moved = NULL, left = NULL, now = NULL;
  g_autoptr(GArray) uids = NULL, on_server = NULL;
  g_autoptr(GError) error = NULL;
  StalledSync run = { path, fixture->user, casella_test_proxy_get_port (proxy), FALSE, NULL, FALSE };
  GThread *thread;
  guint64 before_last, last_read = 0;
  gint64 id, last = 0;

  /* The folder synced last: the one moved from. */
  fill (fixture, "INBOX", 2);
  g_signal_connect (fixture->sync, "folder-synced", G_CALLBACK (note_folder), &last);
  run_sync (fixture);
  g_signal_handlers_disconnect_by_func (fixture->sync, note_folder, &last);
  archive = casella_store_get_folder (fixture->store, last);
  g_assert_nonnull (archive);
  g_assert_cmpint (archive->role, !=, CASELLA_FOLDER_ROLE_INBOX);
  fill (fixture, archive->path, 3);
  run_sync (fixture);
  inbox = folder (fixture, "INBOX");

  /* A sync with nothing new ends with the last folder's SELECT (QRESYNC:
   * nothing came or went); the next one is held right before its reply. */
  before_last = measure_sync (fixture, proxy, &run, path, WHOLE_RUN, &last_read) - last_read;
  thread = start_held (proxy, &run, before_last);

  uids = casella_store_list_uids (fixture->store, archive->id, NULL);
  moved = casella_store_find_message (fixture->store, archive->id, g_array_index (uids, guint32, 0));
  id = moved->id;
  g_assert_true (casella_store_local_move (fixture->store, &id, 1, inbox->id, NULL, &error));
  g_assert_no_error (error);
  casella_test_proxy_release (proxy);
  g_assert_true (casella_test_wait_until (is_done, &run, 60000));
  g_thread_join (thread);
  g_assert_cmpstr (run.error, ==, NULL);
  g_assert_true (run.ok);

  /* Once, where it was put. */
  left = casella_store_find_message (fixture->store, archive->id, moved->uid);
  g_assert_null (left);
  now = casella_store_get_message (fixture->store, id);
  g_assert_cmpint (now->folder_id, ==, inbox->id);
  run_sync (fixture);
  assert_in_step (fixture, "INBOX", TRUE);
  assert_in_step (fixture, archive->path, TRUE);
  on_server = server_uids (fixture, archive->path);
  g_assert_cmpuint (on_server->len, ==, 2);
  g_free (run.error);
}

/* A folder renamed or deleted here while the sync of that folder waits
 * for its SELECT: the sync's end (the folder's new state) brings back
 * neither the old name nor the deleted folder. */
static void
hold_folder_sync (Fixture          *fixture,
                  CasellaTestProxy *proxy,
                  StalledSync      *run,
                  GThread         **thread)
{
  guint64 last_read = 0;
  guint64 total = measure_sync (fixture, proxy, run, run->path, ONE_FOLDER, &last_read);

  /* With nothing new, the folder's sync ends with its SELECT's reply:
   * the next one is held right before it. */
  *thread = start_held (proxy, run, total - last_read);
}

static void
let_folder_sync_end (CasellaTestProxy *proxy,
                     StalledSync      *run,
                     GThread          *thread)
{
  casella_test_proxy_release (proxy);
  g_assert_true (casella_test_wait_until (is_done, run, 60000));
  g_thread_join (thread);
  g_assert_cmpstr (run->error, ==, NULL);
  g_assert_true (run->ok);
  g_clear_pointer (&run->error, g_free);
}

/* Held with the sync of that folder: renamed, or deleted (kind). */
static void
change_folder_during_its_sync (Fixture  *fixture,
                               gboolean  rename)
{
  g_autoptr(CasellaTestProxy) proxy = relay_to_dovecot ();
  g_autofree char *path = g_build_filename (fixture->dir, "mail.db", NULL);
  g_autoptr(CasellaStoreFolder) work = NULL, now = NULL;
  g_autoptr(GError) error = NULL;
  StalledSync run = { path, fixture->user, casella_test_proxy_get_port (proxy), FALSE, NULL, FALSE, 0 };
  GThread *thread;

  fill (fixture, "Lavoro", 3);
  run_sync (fixture);
  work = folder (fixture, "Lavoro");
  run.folder_id = work->id;

  hold_folder_sync (fixture, proxy, &run, &thread);
  if (rename)
    g_assert_true (casella_store_local_rename_folder (fixture->store, work->id, "Ufficio", &error));
  else
    g_assert_true (casella_store_local_delete_folder (fixture->store, work->id, &error));
  g_assert_no_error (error);
  let_folder_sync_end (proxy, &run, thread);

  g_assert_null ((now = casella_store_find_folder (fixture->store, "Lavoro")));
  now = casella_store_get_folder (fixture->store, work->id);
  if (rename)
    {
      g_assert_cmpstr (now->path, ==, "Ufficio");
      g_assert_cmpuint (now->total, ==, 3);
    }
  else
    g_assert_null (now);
  run_sync (fixture);
  g_assert_true (server_has_folder (fixture, "Ufficio") == rename);
  g_assert_false (server_has_folder (fixture, "Lavoro"));
  if (rename)
    assert_in_step (fixture, "Ufficio", TRUE);
}

static void
test_folder_renamed_during_its_sync (Fixture       *fixture,
                                     gconstpointer  data)
{
  change_folder_during_its_sync (fixture, TRUE);
}

static void
test_folder_deleted_during_its_sync (Fixture       *fixture,
                                     gconstpointer  data)
{
  change_folder_during_its_sync (fixture, FALSE);
}

/* A folder deleted here while the sync is deep in its FETCH: what still
 * comes for it is not written anywhere, and the sync ends well. */
static void
test_folder_deleted_during_its_fetch (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(CasellaTestProxy) proxy = relay_to_dovecot ();
  g_autofree char *scratch = g_build_filename (fixture->dir, "measure.db", NULL);
  g_autofree char *path = g_build_filename (fixture->dir, "fetching.db", NULL);
  g_autoptr(GError) error = NULL;
  StalledSync run = { path, fixture->user, casella_test_proxy_get_port (proxy), FALSE, NULL, FALSE, 0 };
  GThread *thread;
  guint64 total;

  fill (fixture, "Lavoro", 150);
  total = measure_sync (fixture, proxy, &run, scratch, WHOLE_RUN, NULL);

  /* Halfway: deep in the FETCH of the folder's 150 messages. */
  thread = start_held (proxy, &run, total / 2);
  {
    g_autoptr(CasellaStore) here = casella_store_open (path, &error);
    g_autoptr(CasellaStoreFolder) work = casella_store_find_folder (here, "Lavoro");

    g_assert_nonnull (work);
    g_assert_true (casella_store_local_delete_folder (here, work->id, &error));
    g_assert_no_error (error);
  }
  casella_test_proxy_release (proxy);
  g_assert_true (casella_test_wait_until (is_done, &run, 60000));
  g_thread_join (thread);
  g_assert_cmpstr (run.error, ==, NULL);
  g_assert_true (run.ok);
  {
    g_autoptr(CasellaStore) here = casella_store_open (path, &error);
    g_autoptr(CasellaStoreFolder) gone = casella_store_find_folder (here, "Lavoro");

    g_assert_null (gone);
    g_assert_true (casella_store_check_integrity (here, &error));
  }
}

static gboolean
has_stopped (gpointer session)
{
  return !casella_mail_session_is_running (session);
}

/* Closing an account while its first sync waits on a server gone slow:
 * stop returns at once, the threads end soon after on their own, and a
 * draft saved just before is kept. */
static void
test_session_stops_at_once (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(CasellaTestProxy) proxy = relay_to_dovecot ();
  g_autoptr(CasellaAccount) account = session_account (fixture);
  CasellaMailSessionOptions options = { PASSWORD, "alicepw", casella_test_pki_get ()->database, 300, ALL_BODIES };
  g_autoptr(CasellaMailSession) session = NULL;
  g_autoptr(CasellaDraftRef) draft = casella_draft_ref_new (0);
  g_autoptr(GBytes) raw = g_bytes_new_static ("From: me@example.test\r\nSubject: kept\r\n\r\nhi\r\n", 44);
  g_autoptr(CasellaStore) store = NULL;
  g_autoptr(CasellaStoreFolder) drafts = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = casella_store_path_for_account (casella_account_get_id (account));
  gint64 asked;
  double took;

  fill (fixture, "INBOX", 200);
  casella_account_get_incoming (account)->port = casella_test_proxy_get_port (proxy);
  casella_test_proxy_stall_after (proxy, 40000);   /* well into the headers */

  session = casella_mail_session_new (account, &options, &error);
  g_assert_no_error (error);
  casella_mail_session_start (session);
  g_assert_true (casella_test_wait_until (is_stalled, proxy, 20000));
  casella_mail_session_save_draft_async (session, draft, raw, NULL, NULL);

  asked = g_get_monotonic_time ();
  casella_mail_session_stop (session);
  took = (g_get_monotonic_time () - asked) / 1000.0;
  g_test_message ("stop returned after %.2f ms", took);
  g_assert_cmpfloat (took, <, 100);
  g_assert_true (casella_test_wait_until (has_stopped, session, 10000));
  g_test_message ("the threads had all ended %.0f ms after the stop", (g_get_monotonic_time () - asked) / 1000.0);

  store = casella_store_open (path, &error);
  g_assert_no_error (error);
  drafts = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_DRAFTS);
  g_assert_nonnull (drafts);
  g_assert_cmpuint (count_messages (store, drafts->id), ==, 1);
  casella_test_proxy_release (proxy);
}

static guint
count_bodies (CasellaStore *store,
              gint64        folder_id)
{
  g_autoptr(GArray) ids = casella_store_list_message_ids (store, folder_id, NULL, NULL);
  guint bodies = 0;

  for (guint i = 0; ids != NULL && i < ids->len; i++)
    {
      g_autoptr(CasellaMessageInfo) info = casella_store_get_message (store, g_array_index (ids, gint64, i));
      bodies += info->has_body;
    }
  return bodies;
}

static void
on_state_count_rounds (CasellaMailSession *session,
                       GParamSpec         *pspec,
                       guint              *rounds)
{
  if (casella_mail_session_get_state (session) == CASELLA_SESSION_SYNCING)
    (*rounds)++;
}

typedef struct {
  CasellaMailSession *session;
  guint              *rounds;
  guint               after;
} RoundDone;

/* A round begun after "after", and over. */
static gboolean
round_done (gpointer data)
{
  RoundDone *done = data;

  return *done->rounds > done->after && is_up_to_date (done->session);
}

/* "Download messages ahead" as the account says, changed while the
 * session runs: all of them, then only when opened. */
static void
test_session_downloads_as_the_account_says (Fixture       *fixture,
                                            gconstpointer  data)
{
  g_autoptr(CasellaAccount) account = session_account (fixture);
  CasellaMailSessionOptions options = { PASSWORD, "alicepw", casella_test_pki_get ()->database, 300, 0 };
  g_autoptr(CasellaMailSession) session = NULL;
  g_autoptr(CasellaStoreFolder) inbox = NULL;
  g_autoptr(GError) error = NULL;
  CasellaStore *store;
  guint rounds = 0;
  RoundDone done = { NULL, &rounds, 0 };

  fill (fixture, "INBOX", 12);
  casella_account_set_download_ahead (account, CASELLA_DOWNLOAD_ALL);
  session = casella_mail_session_new (account, &options, &error);
  g_assert_no_error (error);
  store = casella_mail_session_get_store (session);
  g_signal_connect (session, "notify::state", G_CALLBACK (on_state_count_rounds), &rounds);
  done.session = session;
  casella_mail_session_start (session);
  g_assert_true (casella_test_wait_until (is_up_to_date, session, 20000));
  inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
  g_assert_cmpuint (count_bodies (store, inbox->id), ==, 12);

  casella_account_set_download_ahead (account, CASELLA_DOWNLOAD_NONE);
  fill (fixture, "INBOX", 5);
  done.after = rounds;
  casella_mail_session_refresh (session);
  g_assert_true (casella_test_wait_until (round_done, &done, 20000));
  g_assert_cmpuint (count_messages (store, inbox->id), ==, 17);
  g_assert_cmpuint (count_bodies (store, inbox->id), ==, 12);
  casella_mail_session_wait (session);
}

static gint64
folder_id_of (CasellaStore *store,
              const char   *path)
{
  g_autoptr(GPtrArray) folders = casella_store_list_folders (store, NULL);

  for (guint i = 0; folders != NULL && i < folders->len; i++)
    if (g_strcmp0 (((CasellaStoreFolder *) folders->pdata[i])->path, path) == 0)
      return ((CasellaStoreFolder *) folders->pdata[i])->id;
  return 0;
}

/* A folder not kept for reading offline gets its headers and nothing
 * more, even with "all of it"; turned back on, its mail comes. */
static void
test_session_folders_not_offline (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(CasellaAccount) account = session_account (fixture);
  CasellaMailSessionOptions options = { PASSWORD, "alicepw", casella_test_pki_get ()->database, 300, 0 };
  g_autoptr(CasellaMailSession) session = NULL;
  g_autoptr(CasellaStoreFolder) inbox = NULL;
  g_autoptr(GError) error = NULL;
  CasellaStore *store;
  guint rounds = 0;
  RoundDone done = { NULL, &rounds, 0 };
  gint64 archive;

  fill (fixture, "INBOX", 6);
  fill (fixture, "Archive", 4);
  casella_account_set_download_ahead (account, CASELLA_DOWNLOAD_ALL);
  casella_account_set_folder_offline (account, "Archive", FALSE);
  session = casella_mail_session_new (account, &options, &error);
  g_assert_no_error (error);
  store = casella_mail_session_get_store (session);
  g_signal_connect (session, "notify::state", G_CALLBACK (on_state_count_rounds), &rounds);
  done.session = session;
  casella_mail_session_start (session);
  g_assert_true (casella_test_wait_until (is_up_to_date, session, 20000));
  inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
  archive = folder_id_of (store, "Archive");
  g_assert_cmpint (archive, !=, 0);
  g_assert_cmpuint (count_bodies (store, inbox->id), ==, 6);
  g_assert_cmpuint (count_messages (store, archive), ==, 4);
  g_assert_cmpuint (count_bodies (store, archive), ==, 0);

  casella_account_set_folder_offline (account, "Archive", TRUE);
  done.after = rounds;
  casella_mail_session_refresh (session);
  g_assert_true (casella_test_wait_until (round_done, &done, 20000));
  g_assert_cmpuint (count_bodies (store, archive), ==, 4);
  casella_mail_session_wait (session);
}

/* The app finds its store damaged: it starts anyway, on a store made
 * anew (the damaged one kept), and the sync brings the mail back. */
static void
test_session_on_a_damaged_store (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(CasellaAccount) account = session_account (fixture);
  CasellaMailSessionOptions options = { PASSWORD, "alicepw", casella_test_pki_get ()->database, 300, 1 };
  g_autoptr(CasellaMailSession) session = NULL;
  g_autoptr(CasellaStoreFolder) inbox = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = casella_store_path_for_account (casella_account_get_id (account));
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr(GAsyncResult) opened = NULL;
  const CasellaStoreRebuildReport *report;

  fill (fixture, "INBOX", 12);
  session = casella_mail_session_new (account, &options, &error);
  g_assert_no_error (error);
  casella_mail_session_start (session);
  g_assert_true (casella_test_wait_until (is_up_to_date, session, 20000));
  g_assert_null (casella_mail_session_get_rebuild_report (session));
  casella_mail_session_wait (session);
  g_clear_object (&session);

  /* A bad sector, then a crash (a WAL left behind). The app opens it
   * on a worker: the check and the rebuild take their time there. */
  casella_test_damage_table (path, "folders");
  g_assert_true (g_file_set_contents (wal, "what a crash left", -1, NULL));
  casella_mail_session_new_async (account, &options, NULL, casella_test_store_result, &opened);
  g_assert_null (opened);   /* not on the caller's thread */
  casella_test_await (&opened);
  session = casella_mail_session_new_finish (opened, &error);
  g_assert_no_error (error);
  report = casella_mail_session_get_rebuild_report (session);
  g_assert_nonnull (report);
  g_assert_true (g_file_test (report->kept_as, G_FILE_TEST_EXISTS));
  casella_mail_session_start (session);
  g_assert_true (casella_test_wait_until (is_up_to_date, session, 20000));
  inbox = casella_store_find_folder_by_role (casella_mail_session_get_store (session), CASELLA_FOLDER_ROLE_INBOX);
  g_assert_nonnull (inbox);
  g_assert_cmpuint (inbox->total, ==, 12);
  casella_mail_session_wait (session);
}

/* A PEC account: a receipt is status, not news; a certified letter is
 * announced as its sender wrote it. */
static void
test_session_pec_receipts_not_announced (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr(CasellaAccount) account = session_account (fixture);
  CasellaMailSessionOptions options = { PASSWORD, "alicepw", casella_test_pki_get ()->database, 300, 1 };
  g_autoptr(CasellaMailSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaMessageInfo) newest = NULL;
  g_autofree char *inside = casella_test_pec_original ("mario@pec.example.test", fixture->user, "Verbale",
                                                       "verbale-1@pec.example.test", "In allegato il verbale.");
  CasellaTestPec receipt = { .kind = "avvenuta-consegna", .provider = "example.test", .sender = fixture->user,
                             .certified = (const char *[]) { "mario@pec.example.test", NULL }, .subject = "Domanda",
                             .msgid = "domanda-1@example.test", .delivered_to = "mario@pec.example.test" };
  CasellaTestPec letter = { .kind = "posta-certificata", .provider = "pec.example.test",
                            .sender = "mario@pec.example.test", .certified = (const char *[]) { fixture->user, NULL },
                            .subject = "Verbale", .msgid = "verbale-1@pec.example.test", .original = inside };
  g_autofree char *receipt_text = casella_test_pec_build (&receipt);
  g_autofree char *letter_text = casella_test_pec_build (&letter);
  Heard heard = { 0 };

  casella_account_set_pec (account, TRUE);
  fill (fixture, "INBOX", 2);
  session = casella_mail_session_new (account, &options, &error);
  g_assert_no_error (error);
  g_signal_connect (session, "new-mail", G_CALLBACK (on_new_mail), &heard);
  casella_mail_session_start (session);
  g_assert_true (casella_test_wait_until (is_up_to_date, session, 20000));
  heard.new_mail = 0;

  g_assert_true (casella_test_dovecot_deliver (dovecot, fixture->user, "INBOX", receipt_text, -1, NULL, &error));
  g_assert_true (casella_test_dovecot_deliver (dovecot, fixture->user, "INBOX", letter_text, -1, NULL, &error));
  g_assert_true (casella_test_wait_until (heard_new_mail, &heard, 10000));
  /* Once more round, so a receipt told late would be heard too. */
  casella_mail_session_refresh (session);
  g_assert_true (casella_test_wait_until (is_up_to_date, session, 20000));
  g_assert_cmpuint (heard.new_mail, ==, 1);
  newest = casella_store_get_message (casella_mail_session_get_store (session), heard.newest);
  g_assert_cmpstr (newest->subject, ==, "Verbale");
  casella_mail_session_stop (session);
}

/* ---- drafts on the server ---- */

static GBytes *
draft_bytes (const char *subject,
             const char *message_id)
{
  char *text = g_strdup_printf ("From: me@example.test\r\nTo: anna@example.test\r\nSubject: %s\r\n"
                                "Message-ID: <%s>\r\nDate: Thu, 03 Dec 2026 10:00:00 +0000\r\n\r\nBozza.\r\n",
                                subject, message_id);

  return g_bytes_new_take (text, strlen (text));
}

/* The Drafts folder on the server, as "uid flags subject" lines. */
static char *
server_drafts (Fixture *fixture)
{
  return doveadm_output (fixture, "uid flags hdr.subject", "Drafts");
}

static guint
count_in (const char *text,
          const char *what)
{
  guint n = 0;

  for (const char *p = text; (p = strstr (p, what)) != NULL; p += strlen (what))
    n++;
  return n;
}

/* A draft written here reaches the server's Drafts (the phone sees it);
 * its next version replaces it there; one written elsewhere comes here;
 * an upload cut short after the APPEND is never made twice. */
static void
test_drafts_on_the_server (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaStoreFolder) drafts = NULL;
  g_autoptr(CasellaMessageInfo) first = NULL, second = NULL, elsewhere = NULL;
  g_autoptr(GBytes) v1 = draft_bytes ("Preventivo v1", "draft-1@example.test");
  g_autoptr(GBytes) v2 = draft_bytes ("Preventivo v2", "draft-2@example.test");
  g_autoptr(GBytes) v3 = draft_bytes ("Preventivo v3", "draft-3@example.test");
  g_autofree char *on_server = NULL;
  gint64 id1, id2, id3;

  run_sync (fixture);
  drafts = folder (fixture, "Drafts");
  g_assert_cmpint (drafts->role, ==, CASELLA_FOLDER_ROLE_DRAFTS);

  id1 = casella_store_save_draft (fixture->store, 0, v1, &error);
  g_assert_no_error (error);
  run_sync (fixture);
  on_server = server_drafts (fixture);
  g_assert_cmpuint (count_in (on_server, "Preventivo"), ==, 1);
  g_assert_nonnull (strstr (on_server, "Preventivo v1"));
  g_assert_nonnull (strstr (on_server, "\\Draft"));
  first = casella_store_get_message (fixture->store, id1);
  g_assert_cmpuint (first->uid, !=, 0);

  /* The next version: the old one goes from the server once the new is up. */
  id2 = casella_store_save_draft (fixture->store, id1, v2, &error);
  g_assert_no_error (error);
  run_sync (fixture);
  g_free (on_server), on_server = server_drafts (fixture);
  g_assert_cmpuint (count_in (on_server, "Preventivo"), ==, 1);
  g_assert_nonnull (strstr (on_server, "Preventivo v2"));
  second = casella_store_get_message (fixture->store, id2);
  g_assert_cmpuint (second->uid, !=, 0);
  g_assert_null (casella_store_get_message (fixture->store, id1));

  /* Written on the phone: here after a sync, a draft to go on with. */
  {
    const char phone[] = "From: me@example.test\r\nTo: bob@example.test\r\nSubject: Dal telefono\r\n"
                         "Message-ID: <phone-1@example.test>\r\n\r\nScritta in treno.\r\n";
    g_assert_true (casella_test_dovecot_deliver (dovecot, fixture->user, "Drafts", phone, -1, "SD", &error));
  }
  run_sync (fixture);
  elsewhere = message_by_subject (fixture, "Drafts", "Dal telefono");
  g_assert_nonnull (elsewhere);
  g_assert_true (elsewhere->flags & CASELLA_MESSAGE_DRAFT);

  /* Cut short: the APPEND landed, the UID was never noted here. */
  id3 = casella_store_save_draft (fixture->store, id2, v3, &error);
  g_assert_no_error (error);
  g_assert_true (casella_test_dovecot_deliver (dovecot, fixture->user, "Drafts", g_bytes_get_data (v3, NULL),
                                               (gssize) g_bytes_get_size (v3), "SD", &error));
  run_sync (fixture);
  g_free (on_server), on_server = server_drafts (fixture);
  g_assert_cmpuint (count_in (on_server, "Preventivo v3"), ==, 1);
  g_assert_null (strstr (on_server, "Preventivo v2"));
  {
    g_autoptr(CasellaMessageInfo) third = casella_store_get_message (fixture->store, id3);
    g_assert_cmpuint (third->uid, !=, 0);
  }

  /* Sent (or thrown away): gone from the server's Drafts too. */
  g_assert_true (casella_store_discard_draft (fixture->store, id3, &error));
  run_sync (fixture);
  g_free (on_server), on_server = server_drafts (fixture);
  g_assert_null (strstr (on_server, "Preventivo"));
  g_assert_nonnull (strstr (on_server, "Dal telefono"));
  assert_in_step (fixture, "Drafts", TRUE);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  casella_engine_init ();

  dovecot = casella_test_dovecot_new ();
  for (guint i = 1; i <= N_USERS; i++)
    {
      g_autofree char *user = g_strdup_printf ("user%u@example.test", i);
      casella_test_dovecot_add_user (dovecot, user, PASSWORD);
    }
  casella_test_dovecot_start (dovecot, &error);
  g_assert_no_error (error);
  sink = casella_test_smtp_new ();
  casella_test_smtp_reject_recipient (sink, "nobody@example.test");
  casella_test_smtp_start (sink, &error);
  g_assert_no_error (error);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/sync/imap/initial-and-incremental", test_initial_and_incremental);
  ADD ("/sync/imap/whole-messages-read-as-the-envelope", test_whole_messages_read_as_the_envelope);
  ADD ("/sync/imap/other-client-changes", test_other_client_changes);
  ADD ("/sync/imap/local-changes-replayed", test_local_changes_replayed);
  ADD ("/sync/imap/refused-change-undone", test_refused_change_undone);
  ADD ("/sync/imap/disconnect-at-every-stage", test_disconnect_at_every_stage);
  ADD ("/sync/imap/no-lock-while-waiting", test_no_lock_while_waiting);
  ADD ("/sync/imap/folder-changes-during-a-listing", test_folder_changes_during_a_listing);
  ADD ("/sync/imap/move-during-a-select", test_move_during_a_select);
  ADD ("/sync/imap/folder-renamed-during-its-sync", test_folder_renamed_during_its_sync);
  ADD ("/sync/imap/folder-deleted-during-its-sync", test_folder_deleted_during_its_sync);
  ADD ("/sync/imap/folder-deleted-during-its-fetch", test_folder_deleted_during_its_fetch);
  ADD ("/sync/imap/uidvalidity-change", test_uidvalidity_change);
  ADD ("/sync/imap/bodies-on-demand-and-server-search", test_bodies_on_demand_and_server_search);
  ADD ("/sync/imap/body-of-a-message-new-to-the-connection", test_body_of_a_message_new_to_the_connection);
  ADD ("/sync/imap/idle", test_idle_sees_new_mail);
  ADD ("/sync/pop3/policy", test_pop3_keeps_and_deletes_by_policy);
  ADD ("/sync/pop3/deletes-after-days", test_pop3_deletes_after_days);
  ADD ("/sync/certificate-check", test_certificate_check);
  ADD ("/sync/search/operators-on-the-server", test_server_search_operators);
  ADD ("/sync/session/downloads-as-the-account-says", test_session_downloads_as_the_account_says);
  ADD ("/sync/session/folders-not-offline", test_session_folders_not_offline);
  ADD ("/sync/outbox", test_outbox);
  ADD ("/sync/outbox/provider-files-sent", test_outbox_provider_files_sent);
  g_test_add_func ("/sync/gmail-conversations", test_gmail_conversations);
  ADD ("/sync/imap/drafts-on-the-server", test_drafts_on_the_server);
  ADD ("/sync/session/pec-receipts-not-announced", test_session_pec_receipts_not_announced);
  ADD ("/sync/session", test_session);
  ADD ("/sync/session-stops-at-once", test_session_stops_at_once);
  ADD ("/sync/session-on-a-damaged-store", test_session_on_a_damaged_store);
#undef ADD

  status = g_test_run ();
  casella_test_smtp_free (sink);
  casella_test_dovecot_free (dovecot);
  return status;
}
