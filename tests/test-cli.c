/* test-cli.c — casella-cli detect, add, accounts and remove, run as a
 * user would, against a private Dovecot, the SMTP sink and a local
 * HTTPS provider database; exit codes checked
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <signal.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "casella-account-store.h"
#include "casella-engine.h"
#include "casella-gmime.h"
#include "casella-store.h"
#include "casella-test-cli.h"
#include "casella-test-dovecot.h"
#include "casella-test-https.h"
#include "casella-test-pec.h"
#include "casella-test-pki.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"

static CasellaTestDovecot *dovecot;
static CasellaTestSmtp *sink;
static CasellaTestHttps *https;
static char *ispdb_url;
static const char *debug_domains;   /* G_MESSAGES_DEBUG for the next commands */

/* casella-cli with the given arguments (NULL-terminated), stdin text. */
#define cli(input, ...) casella_test_cli (debug_domains, input, __VA_ARGS__)

#define LOCAL_SOURCES "--sources", "ispdb", "--ispdb-url", ispdb_url, "--tls-ca-file", casella_test_pki_get ()->ca_file

static void
test_usage_and_not_found (void)
{
  g_auto(CasellaTestRun) nothing = cli (NULL, NULL);
  g_auto(CasellaTestRun) unknown = cli (NULL, "frobnicate", NULL);
  g_auto(CasellaTestRun) bad_address = cli (NULL, "detect", "not-an-address", NULL);
  g_auto(CasellaTestRun) bad_source = cli (NULL, "detect", "--sources", "crystal-ball", "a@b.test", NULL);
  g_auto(CasellaTestRun) none = cli (NULL, "detect", "--sources", "bundled", "who@nowhere.test", NULL);
  g_auto(CasellaTestRun) bundled = cli (NULL, "detect", "--json", "mario@libero.it", NULL);

  g_assert_cmpint (nothing.status, ==, 0);
  g_assert_nonnull (strstr (nothing.out, "detect"));
  g_assert_cmpint (unknown.status, ==, 2);
  g_assert_cmpint (bad_address.status, ==, 2);
  g_assert_cmpint (bad_source.status, ==, 2);
  g_assert_cmpint (none.status, ==, 3);
  g_assert_cmpint (bundled.status, ==, 0);
  g_assert_nonnull (strstr (bundled.out, "\"host\": \"imapmail.libero.it\""));
  g_assert_nonnull (strstr (bundled.out, "\"source\": \"bundled\""));
}

static void
test_detect_from_ispdb (void)
{
  g_auto(CasellaTestRun) run = cli (NULL, "detect", LOCAL_SOURCES, "alice@example.test", NULL);

  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Example Test Mail"));
  g_assert_nonnull (strstr (run.out, "ispdb      found"));
}

static void
test_add_list_remove (void)
{
  g_auto(CasellaTestRun) wrong = cli ("wrong-password\n", "add", "--password-stdin", LOCAL_SOURCES, "alice@example.test", NULL);
  g_auto(CasellaTestRun) empty = cli (NULL, "accounts", NULL);
  g_auto(CasellaTestRun) added = cli ("alicepw\n", "add", "--password-stdin", "--name", "Alice", LOCAL_SOURCES,
                           "alice@example.test", NULL);
  g_auto(CasellaTestRun) listed = cli (NULL, "accounts", "--json", NULL);
  g_auto(CasellaTestRun) removed = cli (NULL, "remove", "alice@example.test", NULL);
  g_auto(CasellaTestRun) gone = cli (NULL, "accounts", NULL);
  g_auto(CasellaTestRun) again = cli (NULL, "remove", "alice@example.test", NULL);
  g_autofree char *config = g_build_filename (g_get_user_config_dir (), "casella", "accounts.ini", NULL);
  g_autofree char *settings = NULL;

  g_assert_cmpint (wrong.status, ==, 4);
  g_assert_nonnull (strstr (wrong.err, "Not added"));
  g_assert_nonnull (strstr (empty.out, "No accounts yet"));

  g_assert_cmpint (added.status, ==, 0);
  g_assert_nonnull (strstr (added.out, "Added alice@example.test"));
  g_assert_true (g_file_get_contents (config, &settings, NULL, NULL));
  g_assert_null (strstr (settings, "alicepw"));

  g_assert_cmpint (listed.status, ==, 0);
  g_assert_nonnull (strstr (listed.out, "\"address\": \"alice@example.test\""));
  g_assert_nonnull (strstr (listed.out, "\"name\": \"Alice\""));

  g_assert_cmpint (removed.status, ==, 0);
  g_assert_nonnull (strstr (gone.out, "No accounts yet"));
  g_assert_cmpint (again.status, ==, 3);
}

/* A provider's settings that say "no encryption" (seventy bundled
 * servers do) never send a password in clear by themselves: add asks
 * for --allow-plaintext first (exit 5), and with it the account works. */
static void
test_plaintext_needs_consent (void)
{
  g_auto(CasellaTestRun) refused = cli ("plainpw\n", "add", "--password-stdin", LOCAL_SOURCES, "someone@plain.test",
                                        NULL);
  g_auto(CasellaTestRun) listed = cli (NULL, "accounts", NULL);
  g_auto(CasellaTestRun) added = cli ("plainpw\n", "add", "--password-stdin", "--allow-plaintext", LOCAL_SOURCES,
                                      "someone@plain.test", NULL);
  g_auto(CasellaTestRun) synced = cli (NULL, "sync", "someone@plain.test", NULL);
  g_auto(CasellaTestRun) removed = cli (NULL, "remove", "someone@plain.test", NULL);

  g_assert_cmpint (refused.status, ==, 5);
  g_assert_nonnull (strstr (refused.err, "--allow-plaintext"));
  g_assert_nonnull (strstr (listed.out, "No accounts yet"));
  g_assert_cmpint (added.status, ==, 0);
  g_assert_cmpint (synced.status, ==, 0);
  g_assert_cmpint (removed.status, ==, 0);
}

static void
test_pop3_choice (void)
{
  g_auto(CasellaTestRun) added = cli ("alicepw\n", "add", "--password-stdin", "--protocol", "pop3", LOCAL_SOURCES,
                           "alice@example.test", NULL);
  g_auto(CasellaTestRun) listed = cli (NULL, "accounts", "--json", NULL);
  g_auto(CasellaTestRun) removed = cli (NULL, "remove", "alice@example.test", NULL);

  g_assert_cmpint (added.status, ==, 0);
  g_assert_nonnull (strstr (listed.out, "\"protocol\": \"pop3\""));
  g_assert_cmpint (removed.status, ==, 0);
}

/* ---- mail: sync, list, show, search, send ---- */

static void
add_account (const char *address,
             const char *password,
             const char *protocol)
{
  g_autofree char *input = g_strdup_printf ("%s\n", password);
  g_auto(CasellaTestRun) added = cli (input, "add", "--password-stdin", "--protocol", protocol, LOCAL_SOURCES, address, NULL);

  g_assert_cmpint (added.status, ==, 0);
}

static CasellaStore *
account_store (const char *address)
{
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  CasellaAccount *account;
  CasellaStore *store;

  g_assert_true (casella_account_store_load (accounts, &error));
  account = casella_account_store_lookup (accounts, address);
  g_assert_nonnull (account);
  path = casella_store_path_for_account (casella_account_get_id (account));
  store = casella_store_open (path, &error);
  g_assert_no_error (error);
  return store;
}

static guint
server_count (const char *user,
              const char *folder)
{
  return casella_test_dovecot_count_messages (dovecot, user, folder);
}

static const char letter[] =
  "From: Alice <alice@example.test>\r\nTo: %s\r\nSubject: %s\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
  "Message-ID: <%s@example.test>\r\n\r\nUna lettera con la parola girasole.\r\n";

static void
test_mail_commands (void)
{
  g_autofree char *rare = g_strdup_printf (letter, "alice@example.test", "Girasoli", "girasoli");
  g_autofree char *good = g_strdup_printf (letter, "bob@example.test", "Per Bob", "perbob");
  g_autofree char *bad = g_strdup_printf (letter, "nobody@example.test", "Respinta", "respinta");
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaStore) store = NULL;
  g_autofree char *store_path = NULL;
  guint before;

  casella_test_dovecot_fill (dovecot, "alice@example.test", "INBOX", 20, &error);
  g_assert_no_error (error);
  casella_test_dovecot_deliver (dovecot, "alice@example.test", "INBOX", rare, -1, NULL, &error);
  g_assert_no_error (error);
  add_account ("alice@example.test", "alicepw", "imap");

  {
    g_auto(CasellaTestRun) synced = cli (NULL, "sync", "--tls-ca-file", casella_test_pki_get ()->ca_file, "alice@example.test", NULL);
    g_auto(CasellaTestRun) listed = cli (NULL, "list", "alice@example.test", "INBOX", NULL);
    g_auto(CasellaTestRun) shown = cli (NULL, "show", "alice@example.test", "INBOX", "21", NULL);
    g_auto(CasellaTestRun) found = cli (NULL, "search", "--local", "alice@example.test", "girasole", NULL);
    g_auto(CasellaTestRun) by_subject = cli (NULL, "search", "--local", "alice@example.test", "oggetto:girasoli", NULL);
    g_auto(CasellaTestRun) by_sender = cli (NULL, "search", "--tls-ca-file", casella_test_pki_get ()->ca_file,
                                            "alice@example.test", "from:alice@example.test subject:girasoli", NULL);
    g_auto(CasellaTestRun) missing = cli (NULL, "list", "alice@example.test", "Nowhere", NULL);

    g_assert_cmpint (synced.status, ==, 0);
    g_assert_nonnull (strstr (synced.out, "21 messages"));
    g_assert_cmpint (listed.status, ==, 0);
    g_assert_nonnull (strstr (listed.out, "Girasoli"));
    g_assert_nonnull (strstr (listed.out, "of 21 messages in INBOX"));
    g_assert_cmpint (shown.status, ==, 0);
    g_assert_nonnull (strstr (shown.out, "Subject: Girasoli"));
    g_assert_nonnull (strstr (shown.out, "la parola girasole"));
    g_assert_cmpint (found.status, ==, 0);
    g_assert_nonnull (strstr (found.out, "1 found"));
    /* The same operators as the search field, in the terminal. */
    g_assert_cmpint (by_subject.status, ==, 0);
    g_assert_nonnull (strstr (by_subject.out, "1 found"));
    g_assert_cmpint (by_sender.status, ==, 0);
    g_assert_nonnull (strstr (by_sender.out, "1 found"));
    g_assert_cmpint (missing.status, ==, 3);
  }

  /* Sent, and refused: the refused one stays in the outbox. */
  before = casella_test_smtp_get_messages (sink)->len;
  {
    g_auto(CasellaTestRun) sent = cli (good, "send", "--tls-ca-file", casella_test_pki_get ()->ca_file, "alice@example.test", NULL);
    g_auto(CasellaTestRun) refused = cli (bad, "send", "--tls-ca-file", casella_test_pki_get ()->ca_file, "alice@example.test", NULL);
    g_auto(CasellaTestRun) outbox = cli (NULL, "list", "alice@example.test", "\001Outbox", NULL);

    g_assert_cmpint (sent.status, ==, 0);
    g_assert_true (casella_test_smtp_wait_for (sink, before + 1, 5000));
    g_assert_cmpint (refused.status, ==, 1);
    g_assert_nonnull (strstr (refused.err, "It waits in the outbox"));
    g_assert_nonnull (strstr (outbox.out, "Respinta"));
    g_assert_null (strstr (outbox.out, "Per Bob"));
  }

  store = account_store ("alice@example.test");
  store_path = g_strdup (casella_store_get_path (store));
  g_clear_object (&store);
  {
    /* The refused message lives only here: not dropped without --force. */
    g_auto(CasellaTestRun) refused = cli (NULL, "remove", "alice@example.test", NULL);
    g_auto(CasellaTestRun) kept = cli (NULL, "accounts", NULL);
    g_auto(CasellaTestRun) removed = { 0 };

    g_assert_cmpint (refused.status, ==, 5);
    g_assert_nonnull (strstr (refused.err, "only this computer has 1 message not sent yet"));
    g_assert_nonnull (strstr (refused.err, "casella-cli export alice@example.test --all"));
    g_assert_nonnull (strstr (kept.out, "alice@example.test"));
    g_assert_true (g_file_test (store_path, G_FILE_TEST_EXISTS));
    removed = cli (NULL, "remove", "--force", "alice@example.test", NULL);
    g_assert_cmpint (removed.status, ==, 0);
    g_assert_false (g_file_test (store_path, G_FILE_TEST_EXISTS));   /* its mail went too */
  }
}

/* ---- certified mail ---- */

static void
make_pec (const char *address)
{
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (casella_account_store_load (accounts, &error));
  casella_account_set_pec (casella_account_store_lookup (accounts, address), TRUE);
  g_assert_true (casella_account_store_save (accounts, &error));
}

static void
deliver_pec (const char     *folder,
             CasellaTestPec *spec)
{
  g_autofree char *text = casella_test_pec_build (spec);
  g_autoptr(GError) error = NULL;

  casella_test_dovecot_deliver (dovecot, "pec@example.test", folder, text, -1, NULL, &error);
  g_assert_no_error (error);
}

/* A PEC mailbox on the server: a certified letter, and a message sent
 * from here with its acceptance and one receipt per recipient. */
static void
test_pec (void)
{
  static const char *const to[] = { "ufficio@pec.comune.example.test", "studio@pec.example.test", NULL };
  static const char *const external[] = { "anna@example.test", NULL };
  g_autofree char *letter_inside = casella_test_pec_original ("mario.rossi@pec.example.test", "pec@example.test",
                                                              "Convocazione assemblea", "conv-1@pec.example.test",
                                                              "L'assemblea è convocata per lunedì.");
  g_autofree char *sent = casella_test_pec_original ("pec@example.test", "ufficio@pec.comune.example.test, "
                                                     "studio@pec.example.test, anna@example.test",
                                                     "Richiesta documenti", "sent-1@example.test", "Buongiorno.");
  CasellaTestPec envelope = { .kind = "posta-certificata", .provider = "pec.example.test",
                            .sender = "mario.rossi@pec.example.test", .certified = (const char *[]) { "pec@example.test", NULL },
                            .subject = "Convocazione assemblea", .msgid = "conv-1@pec.example.test",
                            .original = letter_inside };
  CasellaTestPec receipt = { .provider = "example.test", .sender = "pec@example.test", .certified = to,
                             .external = external, .subject = "Richiesta documenti", .msgid = "sent-1@example.test",
                             .original = sent, .time = "10:02:03" };
  g_autoptr(GError) error = NULL;

  casella_test_dovecot_deliver (dovecot, "pec@example.test", "Sent", sent, -1, "\\Seen", &error);
  g_assert_no_error (error);
  deliver_pec ("INBOX", &envelope);
  receipt.kind = "accettazione";
  deliver_pec ("INBOX", &receipt);
  receipt.kind = "avvenuta-consegna", receipt.delivered_to = to[0], receipt.time = "10:02:09";
  deliver_pec ("INBOX", &receipt);
  receipt.kind = "errore-consegna", receipt.delivered_to = to[1], receipt.time = "10:03:00";
  receipt.error = "no-dest", receipt.error_detail = "5.1.1 - Test PEC - indirizzo non valido";
  deliver_pec ("INBOX", &receipt);
  add_account ("pec@example.test", "pecpw", "imap");
  make_pec ("pec@example.test");
  {
    g_auto(CasellaTestRun) synced = cli (NULL, "sync", "--tls-ca-file", casella_test_pki_get ()->ca_file,
                                         "pec@example.test", NULL);
    g_auto(CasellaTestRun) listed = cli (NULL, "list", "pec@example.test", "INBOX", NULL);
    g_auto(CasellaTestRun) shown = cli (NULL, "show", "--tls-ca-file", casella_test_pki_get ()->ca_file,
                                        "pec@example.test", "INBOX", "1", NULL);
    g_auto(CasellaTestRun) unknown_ca = cli (NULL, "show", "pec@example.test", "INBOX", "1", NULL);
    g_auto(CasellaTestRun) status = cli (NULL, "pec-status", "pec@example.test", "Sent", "1", NULL);
    g_auto(CasellaTestRun) json = cli (NULL, "pec-status", "--json", "pec@example.test", "Sent", "1", NULL);

    g_assert_cmpint (synced.status, ==, 0);
    /* The letter as its sender wrote it; the receipts are status, not mail. */
    g_assert_cmpint (listed.status, ==, 0);
    g_assert_nonnull (strstr (listed.out, "Convocazione assemblea"));
    g_assert_null (strstr (listed.out, "POSTA CERTIFICATA"));
    g_assert_null (strstr (listed.out, "ACCETTAZIONE"));
    g_assert_null (strstr (listed.out, "CONSEGNA"));
    g_assert_cmpint (shown.status, ==, 0);
    g_assert_nonnull (strstr (shown.out, "PEC: certified message"));
    g_assert_nonnull (strstr (shown.out, "Certified by: Test PEC S.p.A., 2024-12-05 10:02:03 +0100"));
    g_assert_nonnull (strstr (shown.out, "Subject: Convocazione assemblea"));
    g_assert_nonnull (strstr (shown.out, "convocata per lunedì"));
    g_assert_nonnull (strstr (shown.out, "Signature: valid, by the provider; the message is unchanged"));
    /* The test CA is not this computer's: not verifiable, said so. */
    g_assert_nonnull (strstr (unknown_ca.out, "Signature: not verifiable"));
    g_assert_cmpint (status.status, ==, 0);
    g_assert_nonnull (strstr (status.out, "Accepted by your provider"));
    g_assert_nonnull (strstr (status.out, "ufficio@pec.comune.example.test: delivered"));
    g_assert_nonnull (strstr (status.out, "studio@pec.example.test: not delivered: 5.1.1 - Test PEC - indirizzo non valido"));
    g_assert_nonnull (strstr (status.out, "anna@example.test: not a PEC address: no delivery receipt will come"));
    g_assert_nonnull (strstr (json.out, "\"state\": \"accepted\""));
    g_assert_nonnull (strstr (json.out, "\"state\": \"not-delivered\""));
  }
  /* The proof: the message and its three receipts as the server has them. */
  {
    g_autofree char *dir = casella_test_make_tmpdir ("casella-cli-proof");
    g_autofree char *into = g_build_filename (dir, "proof", NULL);
    g_auto(CasellaTestRun) saved = cli (NULL, "pec-status", "--save-proof", into, "pec@example.test", "Sent", "1", NULL);
    g_auto(CasellaTestRun) again = cli (NULL, "pec-status", "--save-proof", into, "pec@example.test", "Sent", "1", NULL);
    g_autofree char *message_path = g_build_filename (into, "01-messaggio.eml", NULL);
    g_autofree char *delivery_path = g_build_filename (into, "03-avvenuta-consegna-ufficio@pec.comune.example.test.eml",
                                                       NULL);
    g_autofree char *summary_path = g_build_filename (into, "summary.txt", NULL);
    g_autofree char *message = NULL, *delivery = NULL, *summary = NULL;
    g_autoptr(GDir) listing = NULL;
    guint n = 0;

    g_assert_cmpint (saved.status, ==, 0);
    g_assert_nonnull (strstr (saved.out, "Saved 5 files"));
    g_assert_true (g_file_get_contents (message_path, &message, NULL, NULL));
    /* Byte for byte as IMAP gives it (CRLF: Dovecot keeps LF on disk). */
    {
      g_auto(GStrv) lines = g_strsplit (sent, "\n", -1);
      g_autofree char *as_served = g_strjoinv ("\r\n", lines);

      g_assert_cmpstr (message, ==, as_served);
    }
    g_assert_true (g_file_get_contents (delivery_path, &delivery, NULL, NULL));
    g_assert_nonnull (strstr (delivery, "X-Ricevuta: avvenuta-consegna"));
    g_assert_true (g_file_get_contents (summary_path, &summary, NULL, NULL));
    g_assert_nonnull (strstr (summary, "ufficio@pec.comune.example.test: delivered"));
    listing = g_dir_open (into, 0, NULL);
    while (listing && g_dir_read_name (listing))
      n++;
    g_assert_cmpuint (n, ==, 5);
    /* Never over a proof already saved. */
    g_assert_cmpint (again.status, !=, 0);
    g_assert_nonnull (strstr (again.err, "already there"));
    casella_test_rm_rf (dir);
  }
}

/* ---- export ---- */

/* The messages of an mboxrd file as written: split at "From " lines,
 * one ">" taken off quoted ones, the blank line between dropped. */
/* The blank line that ends each message, taken off. */
static void
end_message (GPtrArray   *messages,
             GByteArray **current)
{
  if (*current == NULL)
    return;
  g_assert_cmpuint ((*current)->len, >, 0);
  g_assert_cmpint ((*current)->data[(*current)->len - 1], ==, '\n');
  g_byte_array_set_size (*current, (*current)->len - 1);
  g_ptr_array_add (messages, g_byte_array_free_to_bytes (g_steal_pointer (current)));
}

static GPtrArray *
read_mboxrd (const char *text,
             GPtrArray  *senders)
{
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GByteArray *current = NULL;
  const char *line = text;

  while (*line != '\0')
    {
      const char *newline = strchr (line, '\n');
      gsize length = newline ? (gsize) (newline - line) + 1 : strlen (line);
      const char *unquoted = line;

      if (g_str_has_prefix (line, "From "))
        {
          end_message (messages, &current);
          g_ptr_array_add (senders, g_strndup (line + 5, strcspn (line + 5, " ")));
          current = g_byte_array_new ();
        }
      else
        {
          g_assert_nonnull (current);
          if (*line == '>' && g_str_has_prefix (line + strspn (line, ">"), "From "))
            unquoted = line + 1;
          g_byte_array_append (current, (const guint8 *) unquoted, (guint) (length - (gsize) (unquoted - line)));
        }
      line += length;
    }
  end_message (messages, &current);
  return messages;
}

static const char *tricky[] = {
  /* Lines mbox must quote, and ones it must not touch. */
  "From: Carla <carla@example.test>\r\nTo: export@example.test\r\nSubject: Righe insidiose\r\n"
  "Date: Mon, 30 Nov 2026 09:00:00 +0100\r\nMessage-ID: <insidiose@example.test>\r\n\r\n"
  "From the start of a line\r\n>From quoted once\r\n>>From twice\r\nFrom\r\nFromage\r\n> From spaced\r\n"
  "\r\nFrom \r\n",
  /* Eight bits, no MIME: kept as they are. */
  "From: Dario <dario@example.test>\r\nTo: export@example.test\r\nSubject: =?UTF-8?Q?Caff=C3=A8?=\r\n"
  "Date: Tue, 1 Dec 2026 08:30:00 +0100\r\nMessage-ID: <caffe@example.test>\r\n\r\n"
  "Un caff\xc3\xa8 alle 10? Perch\xc3\xa9 no.\r\n\r\n\r\n",
  /* An attachment. */
  "From: Elena <elena@example.test>\r\nTo: export@example.test\r\nSubject: Fattura\r\n"
  "Date: Tue, 1 Dec 2026 11:00:00 +0100\r\nMessage-ID: <fattura@example.test>\r\nMIME-Version: 1.0\r\n"
  "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
  "In allegato.\r\nFrom here on, the PDF.\r\n--b1\r\nContent-Type: application/pdf; name=\"f.pdf\"\r\n"
  "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcOkw7zDtsOfCg==\r\n--b1--\r\n",
};

static void
test_export (void)
{
  g_autofree char *dir = casella_test_make_tmpdir ("casella-export");
  g_autofree char *file = g_build_filename (dir, "inbox.mbox", NULL);
  g_autofree char *all_file = g_build_filename (dir, "all.mbox", NULL);
  g_autofree char *nowhere = g_build_filename (dir, "missing", "inbox.mbox", NULL);
  g_autoptr(GPtrArray) senders = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gsize length;

  casella_test_dovecot_fill (dovecot, "export@example.test", "INBOX", 20, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (tricky); i++)
    {
      casella_test_dovecot_deliver (dovecot, "export@example.test", "INBOX", tricky[i], -1, NULL, &error);
      g_assert_no_error (error);
    }
  add_account ("export@example.test", "exportpw", "imap");
  {
    /* Only the list here, and one message read: the rest come from the
     * server while exporting. */
    g_auto(CasellaTestRun) synced = cli (NULL, "sync", "--headers-only", "--tls-ca-file",
                                         casella_test_pki_get ()->ca_file, "export@example.test", NULL);
    g_auto(CasellaTestRun) shown = cli (NULL, "show", "--tls-ca-file", casella_test_pki_get ()->ca_file,
                                        "export@example.test", "INBOX", "22", NULL);
    g_auto(CasellaTestRun) exported = cli (NULL, "export", "--tls-ca-file", casella_test_pki_get ()->ca_file,
                                           "export@example.test", "INBOX", file, NULL);
    g_auto(CasellaTestRun) refused = cli (NULL, "export", "--tls-ca-file", casella_test_pki_get ()->ca_file,
                                          "export@example.test", "INBOX", nowhere, NULL);
    g_auto(CasellaTestRun) unknown = cli (NULL, "export", "export@example.test", "Nowhere", file, NULL);

    g_assert_cmpint (synced.status, ==, 0);
    g_assert_cmpint (shown.status, ==, 0);
    g_assert_cmpint (exported.status, ==, 0);
    g_assert_nonnull (strstr (exported.out, "Saved 23 messages"));
    g_assert_nonnull (strstr (exported.err, "Saved 23/23"));
    g_assert_cmpint (refused.status, !=, 0);
    g_assert_nonnull (strstr (refused.err, "Not saved"));
    g_assert_false (g_file_test (nowhere, G_FILE_TEST_EXISTS));
    g_assert_cmpint (unknown.status, ==, 3);
  }
  g_assert_true (g_file_get_contents (file, &text, &length, &error));
  messages = read_mboxrd (text, senders);
  g_assert_cmpuint (messages->len, ==, 23);
  /* Each one byte for byte as the server has it. */
  for (guint i = 0; i < G_N_ELEMENTS (tricky); i++)
    {
      g_autoptr(GBytes) sent = g_bytes_new_static (tricky[i], strlen (tricky[i]));
      guint found = 0;

      for (guint j = 0; j < messages->len; j++)
        if (g_bytes_equal (messages->pdata[j], sent))
          {
            found++;
            g_assert_cmpstr (senders->pdata[j], ==, i == 0 ? "carla@example.test" : i == 1 ? "dario@example.test"
                                                                                   : "elena@example.test");
          }
      g_assert_cmpuint (found, ==, 1);
    }
  g_assert_true (strstr (text, "\n>From the start of a line") != NULL);
  g_assert_true (strstr (text, "\n>>From quoted once") != NULL);
  g_assert_true (strstr (text, "\n>>>From twice") != NULL);
  g_assert_true (strstr (text, "\nFromage") != NULL);
  /* Private mail, private file. */
  {
    GStatBuf st;
    g_assert_cmpint (g_stat (file, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0077, ==, 0);
  }
  /* GMime, reading it as an mbox, finds the same 23 messages. */
  {
    g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (text, length);
    g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);
    guint count = 0;

    g_mime_parser_set_format (parser, GMIME_FORMAT_MBOX);
    while (!g_mime_parser_eos (parser))
      {
        g_autoptr(GMimeMessage) message = g_mime_parser_construct_message (parser, NULL);
        if (message == NULL)
          break;
        count++;
      }
    g_assert_cmpuint (count, ==, 23);
  }
  {
    g_auto(CasellaTestRun) all = cli (NULL, "export", "--all", "--quiet", "--tls-ca-file",
                                      casella_test_pki_get ()->ca_file, "export@example.test", all_file, NULL);
    g_assert_cmpint (all.status, ==, 0);
    g_assert_nonnull (strstr (all.out, "Saved 23 messages"));
    g_assert_cmpstr (all.err, ==, "");
  }
  casella_test_rm_rf (dir);
}

/* A debug log is what a user attaches to a bug report: it tells what
 * happened, in every library's domain, on stderr (stdout stays the
 * command's output), and holds no password and no mail. */
static void
assert_log_is_clean (const CasellaTestRun *run,
                     const char *secrets[])
{
  g_assert_nonnull (strstr (run->err, "Casella-Engine-DEBUG"));
  g_assert_null (strstr (run->out, "-DEBUG"));
  for (guint i = 0; secrets[i] != NULL; i++)
    {
      g_assert_null (strstr (run->err, secrets[i]));
      g_assert_null (strstr (run->out, secrets[i]));
    }
}

static void
test_debug_log (void)
{
  const char *password = "log-secret-4711";
  g_autofree char *plain = g_strdup_printf ("%c%s%c%s", 0, "log@example.test", 0, password);
  g_autofree char *auth_plain = g_base64_encode ((const guchar *) plain, 2 + strlen ("log@example.test") + strlen (password));
  g_autofree char *received = g_strdup_printf (letter, "log@example.test", "Riservata", "riservata");
  g_autofree char *outgoing = g_strdup_printf (letter, "bob@example.test", "In uscita", "inuscita");
  const char *secrets[] = { password, auth_plain, "girasole", NULL };
  g_autoptr(GError) error = NULL;

  casella_test_dovecot_deliver (dovecot, "log@example.test", "INBOX", received, -1, NULL, &error);
  g_assert_no_error (error);
  debug_domains = "all";
  {
    g_autofree char *input = g_strdup_printf ("%s\n", password);
    g_auto(CasellaTestRun) added = cli (input, "add", "--password-stdin", "--protocol", "imap", LOCAL_SOURCES,
                             "log@example.test", NULL);
    g_auto(CasellaTestRun) synced = cli (NULL, "sync", "--tls-ca-file", casella_test_pki_get ()->ca_file, "log@example.test", NULL);
    g_auto(CasellaTestRun) shown = cli (NULL, "show", "log@example.test", "INBOX", "1", NULL);
    g_auto(CasellaTestRun) sent = cli (outgoing, "send", "--tls-ca-file", casella_test_pki_get ()->ca_file,
                            "log@example.test", NULL);
    g_auto(CasellaTestRun) listed = cli (NULL, "accounts", "--json", NULL);

    g_assert_cmpint (added.status, ==, 0);
    assert_log_is_clean (&added, secrets);
    g_assert_true (g_regex_match_simple ("IMAP localhost > C[0-9]+ (LOGIN|AUTHENTICATE)", added.err, 0, 0));
    g_assert_nonnull (strstr (added.err, "CasellaSmtpClient"));
    g_assert_cmpint (synced.status, ==, 0);
    assert_log_is_clean (&synced, secrets);
    g_assert_nonnull (strstr (synced.err, "Sync INBOX"));
    g_assert_cmpint (shown.status, ==, 0);
    g_assert_nonnull (strstr (shown.out, "girasole"));   /* the command shows it; the log does not */
    g_assert_nonnull (strstr (shown.err, "-DEBUG"));
    g_assert_null (strstr (shown.err, "girasole"));
    g_assert_cmpint (sent.status, ==, 0);
    assert_log_is_clean (&sent, secrets);
    /* With debugging on, --json is still only JSON. */
    g_assert_true (g_str_has_prefix (g_strstrip (listed.out), "["));
  }
  debug_domains = NULL;
}

/* ---- a damaged store ---- */

static char *
store_path (const char *address)
{
  g_autoptr(CasellaStore) store = account_store (address);

  return g_strdup (casella_store_get_path (store));
}

static void
assert_synced_whole (const char *address,
                     guint       count)
{
  g_autoptr(CasellaStore) store = account_store (address);
  g_autoptr(CasellaStoreFolder) inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (inbox->total, ==, count);
  g_assert_true (casella_store_check_integrity (store, &error));
}

/* A bad page under the message list: every command says the store is
 * damaged (exit 9) instead of showing an empty folder, and sync makes it
 * anew from the server, keeping the damaged copy. */
static void
test_damaged_message_list (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL, *dir = NULL;

  casella_test_dovecot_fill (dovecot, "damage@example.test", "INBOX", 400, &error);
  g_assert_no_error (error);
  add_account ("damage@example.test", "damagepw", "imap");
  {
    g_auto(CasellaTestRun) synced = cli (NULL, "sync", "--headers-only", "--tls-ca-file",
                                         casella_test_pki_get ()->ca_file, "damage@example.test", NULL);
    g_assert_cmpint (synced.status, ==, 0);
  }
  path = store_path ("damage@example.test");
  dir = g_path_get_dirname (path);
  casella_test_damage_table (path, "messages");
  {
    g_auto(CasellaTestRun) listed = cli (NULL, "list", "damage@example.test", "INBOX", NULL);
    g_auto(CasellaTestRun) found = cli (NULL, "search", "--local", "damage@example.test", "Fattura", NULL);

    g_assert_cmpint (listed.status, ==, 9);
    g_assert_nonnull (strstr (listed.err, "damaged"));
    g_assert_cmpint (found.status, ==, 9);
  }
  {
    g_auto(CasellaTestRun) synced = cli (NULL, "sync", "--headers-only", "--tls-ca-file",
                                         casella_test_pki_get ()->ca_file, "damage@example.test", NULL);
    g_auto(CasellaTestRun) listed = cli (NULL, "list", "damage@example.test", "INBOX", NULL);

    g_assert_cmpint (synced.status, ==, 0);
    g_assert_nonnull (strstr (synced.err, "It is kept as"));
    g_assert_cmpint (listed.status, ==, 0);
    g_assert_nonnull (strstr (listed.out, "of 400 messages"));
  }
  assert_synced_whole ("damage@example.test", 400);
  {
    g_autoptr(GDir) folder = g_dir_open (dir, 0, NULL);
    const char *name;
    gboolean kept = FALSE;

    while ((name = g_dir_read_name (folder)))
      kept |= g_str_has_prefix (name, "mail.db.damaged-");
    g_assert_true (kept);
  }
}

/* A bad page among the bodies, found by the daily check a sync runs:
 * rebuilt, and the sync goes on. */
static void
test_damaged_bodies (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  sqlite3 *db = NULL;

  casella_test_dovecot_fill (dovecot, "bodies@example.test", "INBOX", 200, &error);
  g_assert_no_error (error);
  add_account ("bodies@example.test", "bodiespw", "imap");
  {
    g_auto(CasellaTestRun) synced = cli (NULL, "sync", "--offline", "--tls-ca-file",
                                         casella_test_pki_get ()->ca_file, "bodies@example.test", NULL);
    g_assert_cmpint (synced.status, ==, 0);
  }
  path = store_path ("bodies@example.test");
  casella_test_damage_table (path, "bodies");
  /* A day later, as far as the store knows. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE meta SET value = '0' WHERE key = 'checked'", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  sqlite3_close (db);
  {
    g_auto(CasellaTestRun) synced = cli (NULL, "sync", "--offline", "--tls-ca-file",
                                         casella_test_pki_get ()->ca_file, "bodies@example.test", NULL);
    g_assert_cmpint (synced.status, ==, 0);
    g_assert_nonnull (strstr (synced.err, "damaged"));
  }
  assert_synced_whole ("bodies@example.test", 200);
}

/* ---- kill -9 ---- */

/* watch: its debug log on a pipe (stderr), to kill it at a known point. */
static GSubprocess *
spawn_sync_watched (const char *address,
                    gboolean    offline,
                    gboolean    watch)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                       (watch ? G_SUBPROCESS_FLAGS_STDERR_PIPE
                                                                              : G_SUBPROCESS_FLAGS_STDERR_SILENCE));
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  if (watch)
    g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "Casella-Engine", TRUE);
  g_subprocess_launcher_setenv (launcher, "HOME", g_get_home_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CASELLA_CLI"), "sync",
                                         offline ? "--offline" : "--quiet", "--tls-ca-file",
                                         casella_test_pki_get ()->ca_file, address, NULL);
  g_assert_no_error (error);
  return process;
}

static GSubprocess *
spawn_sync (const char *address,
            gboolean    offline)
{
  return spawn_sync_watched (address, offline, FALSE);
}

/* Runs sync and kills it with SIGKILL the moment it has asked the
 * server for the nth time for mail (marker: the command in its log);
 * TRUE if it died by it, FALSE if it was done before. */
static gboolean
sync_and_kill (const char *address,
               const char *marker,
               guint       nth)
{
  g_autoptr(GSubprocess) process = spawn_sync_watched (address, TRUE, TRUE);
  g_autoptr(GDataInputStream) log = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  g_autoptr(GError) error = NULL;
  guint seen = 0;
  char *line;

  while (seen < nth && (line = g_data_input_stream_read_line (log, NULL, NULL, NULL)) != NULL)
    {
      if (strstr (line, marker) != NULL)
        seen++;
      g_free (line);
    }
  g_subprocess_send_signal (process, SIGKILL);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  return g_subprocess_get_if_signaled (process) && g_subprocess_get_term_sig (process) == SIGKILL;
}

static void
assert_store_complete (const char *address,
                       const char *user,
                       gboolean    pop3)
{
  g_autoptr(CasellaStore) store = account_store (address);
  g_autoptr(CasellaStoreFolder) inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
  g_autoptr(GArray) ids = casella_store_list_message_ids (store, inbox->id, NULL, NULL);
  g_autoptr(GPtrArray) rows = casella_store_get_messages (store, (gint64 *) ids->data, ids->len, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;

  g_assert_true (casella_store_check_integrity (store, &error));
  g_assert_cmpuint (rows->len, ==, server_count (user, "INBOX"));
  for (guint i = 0; i < rows->len; i++)
    {
      CasellaMessageInfo *info = rows->pdata[i];
      /* Once each: the fill gives every message its own Message-ID. */
      g_assert_true (g_hash_table_add (seen, info->message_id));
      g_assert_true (info->has_body);
      if (pop3)
        g_assert_nonnull (info->uidl);
    }
}

static void
kill_and_resume (const char *address,
                 const char *user,
                 gboolean    pop3)
{
  /* Spread over the whole download: the first request, then on through
   * the header batches and the bodies (IMAP), or the messages (POP3). */
  const char *marker = pop3 ? "> RETR" : " UID FETCH";
  guint step = pop3 ? 250 : 3;
  guint killed = 0;

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(CasellaStore) store = NULL;
      g_autoptr(GError) error = NULL;

      g_autoptr(CasellaStoreFolder) inbox = NULL;
      g_autoptr(GArray) ids = NULL, bodiless = NULL;

      killed += sync_and_kill (address, marker, 1 + i * step);
      store = account_store (address);
      g_assert_true (casella_store_check_integrity (store, &error));
      inbox = casella_store_find_folder_by_role (store, CASELLA_FOLDER_ROLE_INBOX);
      ids = inbox ? casella_store_list_message_ids (store, inbox->id, NULL, NULL) : NULL;
      bodiless = inbox ? casella_store_list_missing_bodies (store, inbox->id, G_MAXUINT64, NULL) : NULL;
      g_test_message ("killed at request %u: %u messages here, %u of them without body", 1 + i * step,
                      ids ? ids->len : 0, bodiless ? bodiless->len : 0);
    }
  g_test_message ("%u of 5 runs were killed mid-sync", killed);
  g_assert_cmpuint (killed, >=, 3);
  {
    g_autoptr(GSubprocess) last = spawn_sync (address, TRUE);
    g_autoptr(GError) error = NULL;
    g_subprocess_wait_check (last, NULL, &error);
    g_assert_no_error (error);
  }
  assert_store_complete (address, user, pop3);
}

static void
test_kill_during_imap_sync (void)
{
  g_autoptr(GError) error = NULL;

  casella_test_dovecot_fill (dovecot, "crash@example.test", "INBOX", 6000, &error);
  g_assert_no_error (error);
  add_account ("crash@example.test", "crashpw", "imap");
  kill_and_resume ("crash@example.test", "crash@example.test", FALSE);
}

static void
test_kill_during_pop3_download (void)
{
  g_autoptr(GError) error = NULL;

  casella_test_dovecot_fill (dovecot, "pop@example.test", "INBOX", 3000, &error);
  g_assert_no_error (error);
  add_account ("pop@example.test", "poppw", "pop3");
  kill_and_resume ("pop@example.test", "pop@example.test", TRUE);
  /* The server still has them all: the default keeps copies there. */
  g_assert_cmpuint (server_count ("pop@example.test", "INBOX"), ==, 3000);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  casella_engine_init ();

  dovecot = casella_test_dovecot_new ();
  casella_test_dovecot_add_user (dovecot, "crash@example.test", "crashpw");
  casella_test_dovecot_add_user (dovecot, "pop@example.test", "poppw");
  casella_test_dovecot_add_user (dovecot, "log@example.test", "log-secret-4711");
  casella_test_dovecot_add_user (dovecot, "damage@example.test", "damagepw");
  casella_test_dovecot_add_user (dovecot, "someone@plain.test", "plainpw");
  casella_test_dovecot_add_user (dovecot, "bodies@example.test", "bodiespw");
  casella_test_dovecot_add_user (dovecot, "export@example.test", "exportpw");
  casella_test_dovecot_add_user (dovecot, "pec@example.test", "pecpw");
  casella_test_dovecot_start (dovecot, &error);
  g_assert_no_error (error);
  sink = casella_test_smtp_new ();
  casella_test_smtp_add_user (sink, "crash@example.test", "crashpw");
  casella_test_smtp_add_user (sink, "pop@example.test", "poppw");
  casella_test_smtp_add_user (sink, "log@example.test", "log-secret-4711");
  casella_test_smtp_add_user (sink, "damage@example.test", "damagepw");
  casella_test_smtp_add_user (sink, "someone@plain.test", "plainpw");
  casella_test_smtp_add_user (sink, "bodies@example.test", "bodiespw");
  casella_test_smtp_add_user (sink, "export@example.test", "exportpw");
  casella_test_smtp_add_user (sink, "pec@example.test", "pecpw");
  casella_test_smtp_reject_recipient (sink, "nobody@example.test");
  casella_test_smtp_start (sink, &error);
  g_assert_no_error (error);

  /* The provider database says example.test's mail is on these servers. */
  xml = g_strdup_printf (
    "<clientConfig version=\"1.1\"><emailProvider id=\"example.test\"><domain>example.test</domain>"
    "<displayName>Example Test Mail</displayName>"
    "<incomingServer type=\"imap\"><hostname>localhost</hostname><port>%u</port><socketType>SSL</socketType>"
    "<username>%%EMAILADDRESS%%</username><authentication>password-cleartext</authentication></incomingServer>"
    "<incomingServer type=\"pop3\"><hostname>localhost</hostname><port>%u</port><socketType>SSL</socketType>"
    "<username>%%EMAILADDRESS%%</username><authentication>password-cleartext</authentication></incomingServer>"
    "<outgoingServer type=\"smtp\"><hostname>localhost</hostname><port>%u</port><socketType>STARTTLS</socketType>"
    "<username>%%EMAILADDRESS%%</username><authentication>password-cleartext</authentication></outgoingServer>"
    "</emailProvider></clientConfig>",
    casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS), casella_test_dovecot_get_port (dovecot, CASELLA_TEST_POP3S),
    casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_STARTTLS));
  https = casella_test_https_new ();
  casella_test_https_add_file (https, "ispdb/example.test", xml);
  g_free (xml);
  /* A provider whose receiving server offers no encryption at all. */
  xml = g_strdup_printf (
    "<clientConfig version=\"1.1\"><emailProvider id=\"plain.test\"><domain>plain.test</domain>"
    "<displayName>Plain Old Mail</displayName>"
    "<incomingServer type=\"imap\"><hostname>localhost</hostname><port>%u</port><socketType>plain</socketType>"
    "<username>%%EMAILADDRESS%%</username><authentication>password-cleartext</authentication></incomingServer>"
    "<outgoingServer type=\"smtp\"><hostname>localhost</hostname><port>%u</port><socketType>SSL</socketType>"
    "<username>%%EMAILADDRESS%%</username><authentication>password-cleartext</authentication></outgoingServer>"
    "</emailProvider></clientConfig>",
    casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAP), casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_SMTPS));
  casella_test_https_add_file (https, "ispdb/plain.test", xml);
  casella_test_https_start (https, &error);
  g_assert_no_error (error);
  ispdb_url = g_strdup_printf ("https://localhost:%u/ispdb/", casella_test_https_get_port (https));

  g_test_add_func ("/cli/usage-and-not-found", test_usage_and_not_found);
  g_test_add_func ("/cli/detect-from-ispdb", test_detect_from_ispdb);
  g_test_add_func ("/cli/add-list-remove", test_add_list_remove);
  g_test_add_func ("/cli/pop3-choice", test_pop3_choice);
  g_test_add_func ("/cli/plaintext-needs-consent", test_plaintext_needs_consent);
  g_test_add_func ("/cli/mail/commands", test_mail_commands);
  g_test_add_func ("/cli/debug-log", test_debug_log);
  g_test_add_func ("/cli/mail/export", test_export);
  g_test_add_func ("/cli/mail/pec", test_pec);
  g_test_add_func ("/cli/mail/damaged-message-list", test_damaged_message_list);
  g_test_add_func ("/cli/mail/damaged-bodies", test_damaged_bodies);
  g_test_add_func ("/cli/mail/kill-during-imap-sync", test_kill_during_imap_sync);
  g_test_add_func ("/cli/mail/kill-during-pop3-download", test_kill_during_pop3_download);

  status = g_test_run ();
  casella_test_https_free (https);
  casella_test_smtp_free (sink);
  casella_test_dovecot_free (dovecot);
  return status;
}
