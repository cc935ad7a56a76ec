/* test-outbox.c — mail is sent once, never lost, and every message's
 * fate is told: casella-cli run as a user would, two at a time, killed
 * at each step, against a private Dovecot and the SMTP sink
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <signal.h>
#include <string.h>

#include "casella-account-store.h"
#include "casella-engine.h"
#include "casella-store-actions.h"
#include "casella-store-queue.h"
#include "casella-test-account.h"
#include "casella-test-cli.h"
#include "casella-test-dovecot.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"

static CasellaTestDovecot *dovecot;
static CasellaTestSmtp *sink;
static guint serial;

#define cli(input, ...) casella_test_cli (NULL, input, __VA_ARGS__)

/* ---- accounts and letters ---- */

static void
add_account (const char *address,
             const char *password,
             gboolean    pop3)
{
  g_autoptr(CasellaAccount) account = casella_test_account_new (
    address, "Test", casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS),
    casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_SMTPS));
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  g_autoptr(GError) error = NULL;

  if (pop3)
    {
      g_autoptr(CasellaServerConfig) server = casella_server_config_new (
        CASELLA_PROTOCOL_POP3, "localhost", casella_test_dovecot_get_port (dovecot, CASELLA_TEST_POP3S),
        CASELLA_SECURITY_TLS);
      GBytes *der = casella_account_get_pinned_certificate (account, CASELLA_PROTOCOL_IMAP);

      server->username = g_strdup (address);
      casella_account_set_pinned_certificate (account, CASELLA_PROTOCOL_POP3, der);
      casella_account_set_incoming (account, server);
    }
  g_assert_true (casella_test_account_store_password (account, password, &error));
  g_assert_true (casella_account_store_load (accounts, &error));
  g_assert_true (casella_account_store_add (accounts, account, &error));
  g_assert_no_error (error);
}

/* A letter with a Message-ID of its own; *id_out gets the id. */
static char *
letter (const char  *from,
        const char  *to,
        char       **id_out)
{
  g_autofree char *id = g_strdup_printf ("outbox-%u-%u@example.test", (guint) getpid (), ++serial);
  char *text = g_strdup_printf ("From: %s\r\nTo: %s\r\nSubject: Lettera %u\r\nMessage-ID: <%s>\r\n\r\n"
                                "Ciao, questa è la lettera numero %u.\r\n", from, to, serial, id, serial);

  if (id_out != NULL)
    *id_out = g_steal_pointer (&id);
  return text;
}

static CasellaStore *
account_store (const char *address)
{
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  CasellaStore *store;

  g_assert_true (casella_account_store_load (accounts, &error));
  path = casella_store_path_for_account (casella_account_get_id (casella_account_store_lookup (accounts, address)));
  store = casella_store_open (path, &error);
  g_assert_no_error (error);
  return store;
}

/* How many times the sink received the message with this Message-ID. */
static guint
delivered (const char *message_id)
{
  g_autoptr(GPtrArray) messages = casella_test_smtp_get_messages (sink);
  g_autofree char *header = g_strdup_printf ("Message-ID: <%s>", message_id);
  guint count = 0;

  for (guint i = 0; i < messages->len; i++)
    {
      g_autofree char *text = g_strndup (g_bytes_get_data (messages->pdata[i], NULL),
                                         g_bytes_get_size (messages->pdata[i]));
      count += strstr (text, header) != NULL;
    }
  return count;
}

/* How many copies of it the server's Sent folder holds. */
static guint
filed (const char *user,
       const char *message_id)
{
  g_autofree char *id = g_strdup_printf ("<%s>", message_id);
  const char *args[] = { "search", "-u", user, "mailbox", "Sent", "header", "message-id", id, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  guint count = 0;

  casella_test_dovecot_doveadm (dovecot, args, &out, &error);
  g_assert_no_error (error);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    count += lines[i][0] != '\0';
  return count;
}

static guint
outbox_size (const char *address)
{
  g_autoptr(CasellaStore) store = account_store (address);
  g_autoptr(GArray) ids = casella_store_outbox_list (store, NULL);

  return ids ? ids->len : 0;
}

/* Each test has its own folders, so its own account on the shared
 * servers. */
typedef struct {
  int unused;
} Fixture;

static void
with_out_account (Fixture       *fixture,
                  gconstpointer  data)
{
  add_account ("out@example.test", "outpw", FALSE);
}

/* casella-cli send, text on its stdin; not waited for. */
static GSubprocess *
spawn_send (const char *address,
            const char *text,
            gsize       length)
{
  const char *args[] = { "send", address, NULL };
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_subprocess_launcher_setenv (launcher, "HOME", g_get_home_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CASELLA_CLI"), args[0], args[1], NULL);
  g_assert_no_error (error);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (process), text, length, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (g_subprocess_get_stdin_pipe (process), NULL, NULL);
  return process;
}

/* ---- refusing what is no message ---- */

static void
test_refuses_what_is_no_message (Fixture       *fixture,
                                 gconstpointer  data)
{
  static const char nul_bytes[] = "From: a@example.test\r\nTo: b@example.test\r\n\r\nbin\0ary\0";
  const char *inputs[] = { "just some words, no headers at all\n",
                           "Subject: no sender, no recipient\r\n\r\nbody\r\n",
                           "From: out@example.test\r\nSubject: nobody to send it to\r\n\r\nbody\r\n" };

  /* Fed as bytes: a NUL would end a string. */
  {
    g_autoptr(GSubprocess) process = spawn_send ("out@example.test", nul_bytes, sizeof nul_bytes - 1);
    g_autoptr(GError) error = NULL;

    g_assert_true (g_subprocess_wait (process, NULL, &error));
    g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
  }
  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_auto(CasellaTestRun) run = cli (inputs[i], "send", "out@example.test", NULL);

      g_assert_cmpint (run.status, ==, 2);
      g_assert_nonnull (strstr (run.err, "cannot be sent"));
    }
  /* Nothing was kept that no flush would ever try. */
  g_assert_cmpuint (outbox_size ("out@example.test"), ==, 0);
}

/* ---- each message's fate ---- */

static void
test_each_message_its_fate (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *refused_id = NULL, *good_id = NULL;
  g_autofree char *refused = letter ("out@example.test", "nobody@example.test", &refused_id);
  g_autofree char *good = letter ("out@example.test", "bob@example.test", &good_id);
  g_autoptr(CasellaStore) store = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autofree char *held = NULL;

  {
    g_auto(CasellaTestRun) first = cli (refused, "send", "out@example.test", NULL);
    g_auto(CasellaTestRun) second = cli (good, "send", "out@example.test", NULL);

    g_assert_cmpint (first.status, ==, 1);
    g_assert_nonnull (strstr (first.err, "Not sent"));
    g_assert_nonnull (strstr (first.err, "550"));
    /* Behind a refused message, a delivered one is reported delivered. */
    g_assert_cmpint (second.status, ==, 0);
    g_assert_nonnull (strstr (second.out, "Sent."));
    g_assert_nonnull (strstr (second.out, "1 other message waits in the outbox"));
    g_assert_cmpuint (delivered (good_id), ==, 1);
    g_assert_cmpuint (delivered (refused_id), ==, 0);
  }
  /* Refused for good: a sync succeeds, says so, and does not offer it to
   * the server again. */
  {
    g_auto(CasellaTestRun) synced = cli (NULL, "sync", "out@example.test", NULL);
    g_auto(CasellaTestRun) again = cli (NULL, "sync", "out@example.test", NULL);
    g_auto(CasellaTestRun) listed = cli (NULL, "outbox", "out@example.test", NULL);

    g_assert_cmpint (synced.status, ==, 0);
    g_assert_nonnull (strstr (synced.out, "waits for you"));
    g_assert_cmpint (again.status, ==, 0);
    g_assert_cmpuint (casella_test_smtp_count_refusals (sink, "nobody@example.test"), ==, 1);
    g_assert_nonnull (strstr (listed.out, "refused by the server"));
    g_assert_nonnull (strstr (listed.out, "1 message in the outbox"));
  }
  /* The user decides: deleted, it is gone. */
  store = account_store ("out@example.test");
  ids = casella_store_outbox_list (store, NULL);
  g_assert_cmpuint (ids->len, ==, 1);
  held = g_strdup_printf ("%" G_GINT64_FORMAT, g_array_index (ids, gint64, 0));
  {
    g_auto(CasellaTestRun) deleted = cli (NULL, "outbox", "--delete", held, "out@example.test", NULL);
    g_assert_cmpint (deleted.status, ==, 0);
  }
  g_assert_cmpuint (outbox_size ("out@example.test"), ==, 0);
}

/* A temporary refusal (4xx) is tried again by itself, after a pause,
 * and at once when the user asks. */
static void
test_try_later (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *later_id = NULL;
  g_autofree char *later = letter ("out@example.test", "later@example.test", &later_id);
  g_autofree char *good = letter ("out@example.test", "bob@example.test", NULL);
  g_autoptr(CasellaStore) store = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *id = NULL;
  CasellaOutboxEntry *entry;

  {
    g_auto(CasellaTestRun) first = cli (later, "send", "out@example.test", NULL);
    g_auto(CasellaTestRun) second = cli (good, "send", "out@example.test", NULL);

    g_assert_cmpint (first.status, ==, 1);
    g_assert_nonnull (strstr (first.err, "tries again by itself"));
    g_assert_cmpint (second.status, ==, 0);
    /* Its pause is not over: not offered again yet. */
    g_assert_cmpuint (casella_test_smtp_count_refusals (sink, "later@example.test"), ==, 1);
  }
  store = account_store ("out@example.test");
  entries = casella_store_outbox_entries (store, NULL);
  g_assert_cmpuint (entries->len, ==, 1);
  entry = entries->pdata[0];
  g_assert_cmpint (entry->state, ==, CASELLA_OUTBOX_QUEUED);
  g_assert_cmpuint (entry->attempts, ==, 1);
  g_assert_cmpint (entry->next_attempt, >, g_get_real_time () / G_USEC_PER_SEC);
  id = g_strdup_printf ("%" G_GINT64_FORMAT, entry->message_id);
  {
    g_auto(CasellaTestRun) retried = cli (NULL, "outbox", "--retry", id, "out@example.test", NULL);

    g_assert_cmpint (retried.status, ==, 1);
    g_assert_cmpuint (casella_test_smtp_count_refusals (sink, "later@example.test"), ==, 2);
  }
  {
    g_auto(CasellaTestRun) deleted = cli (NULL, "outbox", "--delete", id, "out@example.test", NULL);
    g_assert_cmpint (deleted.status, ==, 0);
  }
}

/* ---- two at once ---- */

/* Two sends at once (the app and casella-cli, say), with more waiting
 * in the outbox: every message reaches the server once and is filed in
 * Sent once. */
static void
test_two_sends_at_once (Fixture       *fixture,
                        gconstpointer  data)
{
  guint rounds = 10, messages = 0;

  /* Sent exists on the server, and the store knows it. */
  {
    g_auto(CasellaTestRun) synced = cli (NULL, "sync", "out@example.test", NULL);
    g_assert_cmpint (synced.status, ==, 0);
  }
  for (guint round = 0; round < rounds; round++)
    {
      g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GSubprocess) a = NULL, b = NULL;
      g_autoptr(GError) error = NULL;
      char *id = NULL;

      {
        g_autoptr(CasellaStore) store = account_store ("out@example.test");
        for (guint i = 0; i < 3; i++)
          {
            g_autofree char *text = letter ("out@example.test", "bob@example.test", &id);
            g_autoptr(GBytes) raw = g_bytes_new (text, strlen (text));

            g_assert_cmpint (casella_store_outbox_add (store, raw, &error), >, 0);
            g_ptr_array_add (ids, id);
          }
      }
      {
        g_autofree char *first = letter ("out@example.test", "bob@example.test", &id);
        g_ptr_array_add (ids, id);
        g_autofree char *second = letter ("out@example.test", "bob@example.test", &id);
        g_ptr_array_add (ids, id);
        a = spawn_send ("out@example.test", first, strlen (first));
        b = spawn_send ("out@example.test", second, strlen (second));
      }
      g_assert_true (g_subprocess_wait_check (a, NULL, &error));
      g_assert_true (g_subprocess_wait_check (b, NULL, &error));
      g_assert_no_error (error);
      for (guint i = 0; i < ids->len; i++)
        {
          g_assert_cmpuint (delivered (ids->pdata[i]), ==, 1);
          g_assert_cmpuint (filed ("out@example.test", ids->pdata[i]), ==, 1);
        }
      messages += ids->len;
      g_assert_cmpuint (outbox_size ("out@example.test"), ==, 0);
    }
  g_test_message ("%u rounds of two sends at once: %u messages, each delivered once and filed once", rounds,
                  messages);
}

/* ---- killed right after the server's 250 ---- */

/* Reads the child's debug log until a line holding marker. */
static gboolean
follow_to (GDataInputStream *log,
           const char       *marker)
{
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (log, NULL, NULL, NULL);

      if (line == NULL)
        return FALSE;
      if (strstr (line, marker) != NULL)
        return TRUE;
    }
}

/* Where the kill lands: the sink has it (the 250 is on its way), the
 * engine has read the 250, the copy for Sent is going up, it is up. */
static const char *const kill_points[] = { NULL, "Outbox: message", "APPEND", "< C" };

static void
test_killed_after_250 (Fixture       *fixture,
                       gconstpointer  data)
{
  guint rounds = 16, held = 0;

  /* Sent exists on the server, and the store knows it. */
  {
    g_auto(CasellaTestRun) synced = cli (NULL, "sync", "out@example.test", NULL);
    g_assert_cmpint (synced.status, ==, 0);
  }
  for (guint round = 0; round < rounds; round++)
    {
      const char *point = kill_points[round % G_N_ELEMENTS (kill_points)];
      g_autofree char *id = NULL;
      g_autofree char *text = letter ("out@example.test", "bob@example.test", &id);
      const char *args[] = { "send", "out@example.test", NULL };
      guint before = casella_test_smtp_get_messages (sink)->len;
      g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                                           G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                           G_SUBPROCESS_FLAGS_STDERR_PIPE);
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(GDataInputStream) log = NULL;
      g_autoptr(GError) error = NULL;
      gboolean reached;

      g_subprocess_launcher_setenv (launcher, "HOME", g_get_home_dir (), TRUE);
      g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
      g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
      g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "Casella-Engine", TRUE);
      process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CASELLA_CLI"), args[0], args[1], NULL);
      g_assert_no_error (error);
      g_output_stream_write_all (g_subprocess_get_stdin_pipe (process), text, strlen (text), NULL, NULL, &error);
      g_output_stream_close (g_subprocess_get_stdin_pipe (process), NULL, NULL);
      log = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
      if (point == NULL)
        reached = casella_test_smtp_wait_for (sink, before + 1, 10000);
      else if (g_str_equal (point, "< C"))
        reached = follow_to (log, "APPEND") && follow_to (log, point);
      else
        reached = follow_to (log, point);
      g_subprocess_send_signal (process, SIGKILL);
      g_subprocess_wait (process, NULL, NULL);
      g_assert_true (reached);
      g_test_message ("round %u: killed at %s", round, point ? point : "the sink's receipt");

      /* The next run finishes what was begun, and sends nothing twice. */
      {
        g_auto(CasellaTestRun) synced = cli (NULL, "sync", "out@example.test", NULL);
        g_autoptr(CasellaStore) store = account_store ("out@example.test");
        g_autoptr(GPtrArray) entries = casella_store_outbox_entries (store, NULL);

        g_assert_cmpint (synced.status, ==, 0);
        g_assert_cmpuint (delivered (id), ==, 1);
        g_assert_cmpuint (filed ("out@example.test", id), <=, 1);
        g_assert_cmpuint (entries->len, <=, 1);
        if (entries->len == 1)
          {
            /* Cut off between its last byte and the answer: it waits for
             * the user, who can see it in Sent (the server has it). */
            CasellaOutboxEntry *entry = entries->pdata[0];
            g_assert_cmpint (entry->hold, ==, CASELLA_OUTBOX_HOLD_INTERRUPTED);
            g_assert_true (casella_store_outbox_sent (store, entry->message_id, NULL));
            held++;
          }
        else
          g_assert_cmpuint (filed ("out@example.test", id), ==, 1);
      }
    }
  g_test_message ("%u kills after the server took the message: 0 sent twice, 0 lost, %u left for the user to "
                  "check (cut off before the 250 was recorded)", rounds, held);
}

/* ---- two syncs at once ---- */

static guint
count_rows (CasellaStore *store,
            const char   *folder_path,
            guint        *distinct)
{
  g_autoptr(CasellaStoreFolder) folder = casella_store_find_folder (store, folder_path);
  g_autoptr(GArray) ids = folder ? casella_store_list_message_ids (store, folder->id, NULL, NULL) : NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; ids && i < ids->len; i++)
    {
      g_autoptr(CasellaMessageInfo) info = casella_store_get_message (store, g_array_index (ids, gint64, i));
      g_hash_table_add (seen, g_strdup (info->message_id ? info->message_id : "?"));
    }
  *distinct = g_hash_table_size (seen);
  return ids ? ids->len : 0;
}

static void
syncs_at_once (const char *address,
               guint       rounds)
{
  guint expected = 0;

  for (guint round = 0; round < rounds; round++)
    {
      const char *args[] = { "sync", "--quiet", address, NULL };
      g_autoptr(GSubprocess) a = NULL, b = NULL;
      g_autoptr(CasellaStore) store = NULL;
      g_autoptr(GError) error = NULL;
      guint rows, distinct;

      casella_test_dovecot_fill (dovecot, address, "INBOX", 150, &error);
      g_assert_no_error (error);
      expected += 150;
      a = casella_test_cli_spawn (NULL, args);
      b = casella_test_cli_spawn (NULL, args);
      g_assert_true (g_subprocess_wait_check (a, NULL, &error));
      g_assert_true (g_subprocess_wait_check (b, NULL, &error));
      g_assert_no_error (error);
      store = account_store (address);
      rows = count_rows (store, "INBOX", &distinct);
      g_assert_cmpuint (rows, ==, expected);
      g_assert_cmpuint (distinct, ==, expected);
      g_assert_true (casella_store_check_integrity (store, &error));
    }
}

static void
test_two_pop3_syncs_at_once (void)
{
  add_account ("pop@example.test", "poppw", TRUE);
  syncs_at_once ("pop@example.test", 4);
}

static void
test_two_imap_syncs_at_once (void)
{
  add_account ("imap@example.test", "imappw", FALSE);
  syncs_at_once ("imap@example.test", 4);
}

static guint
server_count (const char *user,
              const char *folder)
{
  const char *args[] = { "mailbox", "status", "-u", user, "messages", folder, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  casella_test_dovecot_doveadm (dovecot, args, &out, &error);
  g_assert_no_error (error);
  return (guint) g_ascii_strtoull (strstr (out, "messages=") + strlen ("messages="), NULL, 10);
}

/* A move made here, replayed by two syncs at once: done once, and never
 * undone here because the second found it done. */
static void
test_two_replays_at_once (void)
{
  const char *create[] = { "mailbox", "create", "-u", "replay@example.test", "Trash", NULL };
  const char *args[] = { "sync", "--quiet", "replay@example.test", NULL };
  g_autoptr(GError) error = NULL;

  add_account ("replay@example.test", "replaypw", FALSE);
  casella_test_dovecot_doveadm (dovecot, create, NULL, &error);
  casella_test_dovecot_fill (dovecot, "replay@example.test", "INBOX", 10, &error);
  g_assert_no_error (error);
  for (guint round = 0; round < 5; round++)
    {
      g_autoptr(GSubprocess) a = NULL, b = NULL;
      g_autoptr(CasellaStore) store = NULL;
      g_autoptr(CasellaStoreFolder) inbox = NULL, trash = NULL;
      g_autoptr(GArray) ids = NULL;
      g_autoptr(CasellaMessageInfo) moved = NULL;
      gint64 id;

      {
        g_auto(CasellaTestRun) synced = cli (NULL, "sync", "replay@example.test", NULL);
        g_assert_cmpint (synced.status, ==, 0);
      }
      store = account_store ("replay@example.test");
      inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
      trash = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_TRASH);
      ids = casella_store_list_message_ids (store, inbox->id, NULL, NULL);
      id = g_array_index (ids, gint64, 0);
      g_assert_true (casella_store_local_move (store, &id, 1, trash->id, NULL, &error));
      a = casella_test_cli_spawn (NULL, args);
      b = casella_test_cli_spawn (NULL, args);
      g_assert_true (g_subprocess_wait_check (a, NULL, &error));
      g_assert_true (g_subprocess_wait_check (b, NULL, &error));
      g_assert_cmpuint (server_count ("replay@example.test", "Trash"), ==, round + 1);
      g_assert_cmpuint (server_count ("replay@example.test", "INBOX"), ==, 10 - round - 1);
      moved = casella_store_get_message (store, id);
      g_assert_true (moved == NULL || moved->folder_id == trash->id);   /* never put back */
    }
}

int
main (int argc, char **argv)
{
  const char *sent[] = { "mailbox", "create", "-u", "out@example.test", "Sent", NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  casella_engine_init ();

  dovecot = casella_test_dovecot_new ();
  casella_test_dovecot_add_user (dovecot, "out@example.test", "outpw");
  casella_test_dovecot_add_user (dovecot, "pop@example.test", "poppw");
  casella_test_dovecot_add_user (dovecot, "imap@example.test", "imappw");
  casella_test_dovecot_add_user (dovecot, "replay@example.test", "replaypw");
  casella_test_dovecot_start (dovecot, &error);
  g_assert_no_error (error);
  casella_test_dovecot_doveadm (dovecot, sent, NULL, &error);
  g_assert_no_error (error);
  sink = casella_test_smtp_new ();
  casella_test_smtp_add_user (sink, "out@example.test", "outpw");
  casella_test_smtp_add_user (sink, "pop@example.test", "poppw");
  casella_test_smtp_add_user (sink, "imap@example.test", "imappw");
  casella_test_smtp_reject_recipient (sink, "nobody@example.test");
  casella_test_smtp_tempfail_recipient (sink, "later@example.test");
  casella_test_smtp_start (sink, &error);
  g_assert_no_error (error);
  g_test_add ("/outbox/refuses-what-is-no-message", Fixture, NULL, with_out_account, test_refuses_what_is_no_message, NULL);
  g_test_add ("/outbox/each-message-its-fate", Fixture, NULL, with_out_account, test_each_message_its_fate, NULL);
  g_test_add ("/outbox/try-later", Fixture, NULL, with_out_account, test_try_later, NULL);
  g_test_add ("/outbox/two-sends-at-once", Fixture, NULL, with_out_account, test_two_sends_at_once, NULL);
  g_test_add ("/outbox/killed-after-250", Fixture, NULL, with_out_account, test_killed_after_250, NULL);
  g_test_add_func ("/outbox/two-pop3-syncs-at-once", test_two_pop3_syncs_at_once);
  g_test_add_func ("/outbox/two-imap-syncs-at-once", test_two_imap_syncs_at_once);
  g_test_add_func ("/outbox/two-replays-at-once", test_two_replays_at_once);

  status = g_test_run ();
  casella_test_smtp_free (sink);
  casella_test_dovecot_free (dovecot);
  return status;
}
