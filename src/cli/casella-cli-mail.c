/* casella-cli-mail.c — sync, list, show, search, send, outbox, export
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <gio/gunixinputstream.h>
#include <unistd.h>

#include "casella-account-store.h"
#include "casella-account-sync.h"
#include "casella-cli.h"
#include "casella-credentials.h"
#include "casella-export.h"
#include "casella-gmime.h"
#include "casella-message-text.h"
#include "casella-store-actions.h"
#include "casella-outbox.h"
#include "casella-store-queue.h"

/* ---- an account, its store and its password ---- */

typedef struct {
  CasellaAccountStore *accounts;
  CasellaAccount      *account;       /* owned by accounts */
  CasellaStore        *store;
  char                *password;
  char                *smtp_password;
  CasellaTokenSource  *tokens;        /* OAuth2 accounts, instead of passwords */
  GTlsDatabase        *tls_database;
  gboolean             rebuild;       /* a damaged store is made anew (sync) */
  gboolean             asked;         /* the keyring asked, the answers not yet taken */
  CasellaCliWait       incoming, outgoing;
} Mailbox;

static void
mailbox_clear (Mailbox *mailbox)
{
  /* An answer still to come would land in a wait that is gone. */
  if (mailbox->asked)
    {
      casella_cli_wait_for (&mailbox->incoming);
      casella_cli_wait_for (&mailbox->outgoing);
      casella_cli_wait_clear (&mailbox->incoming);
      casella_cli_wait_clear (&mailbox->outgoing);
    }
  g_clear_object (&mailbox->store);
  g_clear_object (&mailbox->accounts);
  g_clear_object (&mailbox->tls_database);
  g_clear_pointer (&mailbox->password, casella_credentials_free);
  g_clear_pointer (&mailbox->smtp_password, casella_credentials_free);
  g_clear_object (&mailbox->tokens);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Mailbox, mailbox_clear)

/* Both passwords asked at once: one wait on the keyring, not two; the
 * answers are taken by mailbox_unlock. */
static void
mailbox_ask_keyring (Mailbox *mailbox)
{
  if (mailbox->asked || casella_account_get_oauth2_provider (mailbox->account) != NULL)
    return;
  mailbox->incoming = casella_cli_wait_new ();
  mailbox->outgoing = casella_cli_wait_new ();
  casella_credentials_lookup_async (mailbox->account, CASELLA_CREDENTIAL_INCOMING, NULL, casella_cli_on_done,
                                    &mailbox->incoming);
  casella_credentials_lookup_async (mailbox->account, CASELLA_CREDENTIAL_OUTGOING, NULL, casella_cli_on_done,
                                    &mailbox->outgoing);
  mailbox->asked = TRUE;
}

/* The passwords from the keyring, for talking to the servers. */
static int
mailbox_unlock (Mailbox *mailbox)
{
  g_autoptr(GError) error = NULL;

  if (casella_account_get_oauth2_provider (mailbox->account) != NULL)
    {
      mailbox->tokens = casella_cli_oauth2_tokens_for (mailbox->account, mailbox->tls_database, &error);
      if (mailbox->tokens != NULL)
        return CASELLA_CLI_EXIT_OK;
      g_printerr (_("casella-cli: cannot sign in to %s: %s\n"), casella_account_get_address (mailbox->account),
                  error->message);
      return casella_cli_exit_code (error);
    }
  mailbox_ask_keyring (mailbox);
  mailbox->password = casella_credentials_lookup_finish (casella_cli_wait_for (&mailbox->incoming), &error);
  mailbox->smtp_password = casella_credentials_lookup_finish (casella_cli_wait_for (&mailbox->outgoing), NULL);
  casella_cli_wait_clear (&mailbox->incoming);
  casella_cli_wait_clear (&mailbox->outgoing);
  mailbox->asked = FALSE;
  if (mailbox->password == NULL)
    {
      g_printerr (_("casella-cli: no password in the keyring for %s%s%s\n"), casella_account_get_address (mailbox->account),
                  error ? ": " : "", error ? error->message : "");
      return CASELLA_CLI_EXIT_KEYRING;
    }
  return CASELLA_CLI_EXIT_OK;
}

/* The damaged store kept aside, a new one made; says what that means. */
static CasellaStore *
mailbox_rebuild (Mailbox  *mailbox,
                 GError  **error)
{
  g_auto(CasellaStoreRebuildReport) report = { 0 };
  CasellaStore *store = casella_account_rebuild_store (mailbox->account, &report, error);

  if (store == NULL)
    return NULL;
  g_printerr (_("The mail store on this computer was damaged. It is kept as %s, and a new one is made from the "
                "server.\n"), report.kept_as);
  if (report.carried > 0)
    g_printerr (ngettext ("%u message that was only on this computer was carried over.\n",
                          "%u messages that were only on this computer were carried over.\n", report.carried),
                report.carried);
  if (report.lost > 0 || report.incomplete)
    g_printerr (ngettext ("%u message that was only on this computer could not be read from the damaged copy.\n",
                          "%u messages that were only on this computer could not be read from the damaged copy.\n",
                          report.lost), report.lost);
  if (report.changes_lost > 0)
    g_printerr (ngettext ("%u change made here had not reached the server and is lost.\n",
                          "%u changes made here had not reached the server and are lost.\n", report.changes_lost),
                report.changes_lost);
  return store;
}

/* Opens the account's store; with need_password, its passwords too. */
static int
mailbox_open (Mailbox    *mailbox,
              const char *name,
              gboolean    need_password,
              const char *ca_file)
{
  g_autoptr(GError) error = NULL;

  mailbox->accounts = casella_account_store_new (NULL);
  if (!casella_account_store_load (mailbox->accounts, &error))
    {
      g_printerr ("casella-cli: %s\n", error->message);
      return CASELLA_CLI_EXIT_FAILURE;
    }
  mailbox->account = casella_account_store_lookup (mailbox->accounts, name);
  if (mailbox->account == NULL)
    {
      g_printerr (_("No account “%s”.\n"), name);
      return CASELLA_CLI_EXIT_NOT_FOUND;
    }
  /* The keyring answers while the store opens. */
  if (need_password)
    mailbox_ask_keyring (mailbox);
  mailbox->store = casella_account_open_store (mailbox->account, &error);
  if (mailbox->store == NULL && mailbox->rebuild &&
      g_error_matches (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_CORRUPT))
    {
      g_clear_error (&error);
      mailbox->store = mailbox_rebuild (mailbox, &error);
    }
  if (mailbox->store == NULL)
    {
      g_printerr (_("casella-cli: cannot open the mail store: %s\n"), error->message);
      if (g_error_matches (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_CORRUPT))
        g_printerr (_("“casella-cli sync %s” makes it anew from the server, keeping the damaged copy and what "
                      "lived only on this computer.\n"), casella_account_get_address (mailbox->account));
      return casella_cli_exit_code (error);
    }
  mailbox->tls_database = casella_cli_load_ca (ca_file);
  return need_password ? mailbox_unlock (mailbox) : CASELLA_CLI_EXIT_OK;
}

static CasellaAccountSyncOptions
sync_options (Mailbox *mailbox)
{
  CasellaAccountSyncOptions options = { 0 };

  options.password = mailbox->password;
  options.smtp_password = mailbox->smtp_password;
  options.tokens = mailbox->tokens;
  options.tls_database = mailbox->tls_database;
  options.body_budget = 32 * 1024 * 1024;
  return options;
}

static CasellaStoreFolder *
find_folder (Mailbox    *mailbox,
             const char *path)
{
  CasellaStoreFolder *folder = casella_store_find_folder (mailbox->store, path);

  if (folder == NULL)
    g_printerr (_("No folder “%s” (run “casella-cli sync” first?).\n"), path);
  return folder;
}

/* ---- sync ---- */

static void
show_progress (const char *folder,
               const char *stage,
               guint       done,
               guint       total,
               gpointer    user_data)
{
  g_printerr ("\r");
  /* Translators: progress, e.g. "INBOX: headers 500/10000" */
  g_printerr (_("%s: %s %u/%u"), folder, stage, done, total);
  g_printerr ("   ");
  if (done == total)
    g_printerr ("\n");
}

/* A POP3 server that takes a sign-in only so often (LOGIN-DELAY). */
static void
note_login_delay (Mailbox *mailbox)
{
  g_autofree char *next = casella_store_get_meta (mailbox->store, "pop3-next-login");
  gint64 when = next ? g_ascii_strtoll (next, NULL, 10) : 0;
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *text = NULL;

  if (when <= g_get_real_time () / G_USEC_PER_SEC)
    return;
  time = g_date_time_new_from_unix_local (when);
  text = g_date_time_format (time, "%H:%M");
  g_print (_("Your provider lets Casella check for new mail only every so often: the next check can be at %s.\n"),
           text);
}

/* Mail that waits for the user to decide is said after every sync. */
static void
note_outbox (Mailbox *mailbox)
{
  g_autoptr(GPtrArray) entries = casella_store_outbox_entries (mailbox->store, NULL);
  guint held = 0, later = 0;

  for (guint i = 0; entries && i < entries->len; i++)
    {
      CasellaOutboxEntry *entry = entries->pdata[i];
      held += entry->state == CASELLA_OUTBOX_HELD;
      later += entry->state == CASELLA_OUTBOX_QUEUED;
    }
  if (held > 0)
    g_print (ngettext ("%u message in the outbox waits for you (casella-cli outbox %s).\n",
                       "%u messages in the outbox wait for you (casella-cli outbox %s).\n", held),
             held, casella_account_get_address (mailbox->account));
  if (later > 0)
    g_print (ngettext ("%u message in the outbox will be sent later.\n",
                       "%u messages in the outbox will be sent later.\n", later), later);
}

int
casella_cli_sync (int    argc,
                  char **argv)
{
  gboolean offline = FALSE, headers_only = FALSE, quiet = FALSE;
  g_autofree char *ca_file = NULL;
  GOptionEntry entries[] = {
    { "offline", 0, 0, G_OPTION_ARG_NONE, &offline, N_("Download every message whole, to read offline"), NULL },
    { "headers-only", 0, 0, G_OPTION_ARG_NONE, &headers_only, N_("Download only the message list, no bodies"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("No progress"), NULL },
    { "tls-ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, N_("Trust the certificates in FILE (a private CA)"), N_("FILE") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("ACCOUNT — bring the mail here up to date"));
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Mailbox) mailbox = { 0 };
  CasellaAccountSyncOptions options;
  gint64 start = g_get_monotonic_time ();
  guint total = 0;
  int status;

  g_option_context_set_summary (context, "sync");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return casella_cli_usage_error (context, error->message);
  if (argc != 2)
    return casella_cli_usage_error (context, _("give the account’s id or address"));
  mailbox.rebuild = TRUE;
  if ((status = mailbox_open (&mailbox, argv[1], TRUE, ca_file)) != CASELLA_CLI_EXIT_OK)
    return status;

  options = sync_options (&mailbox);
  options.body_budget = offline ? CASELLA_SYNC_BODIES_ALL : headers_only ? CASELLA_SYNC_BODIES_NONE : options.body_budget;
  options.progress = quiet || !isatty (STDERR_FILENO) ? NULL : show_progress;
  if (!casella_account_sync (mailbox.account, mailbox.store, &options, NULL, &error) &&
      g_error_matches (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_CORRUPT))
    {
      /* Found damaged on the way: made anew, and synced again. */
      g_clear_error (&error);
      g_clear_object (&mailbox.store);
      mailbox.store = mailbox_rebuild (&mailbox, &error);
      if (mailbox.store != NULL)
        casella_account_sync (mailbox.account, mailbox.store, &options, NULL, &error);
    }
  if (error != NULL)
    {
      g_printerr (_("Sync stopped: %s\n"), error->message);
      casella_cli_oauth2_say_sign_in_again (mailbox.account, error);
      return casella_cli_exit_code (error);
    }
  folders = casella_store_list_folders (mailbox.store, NULL);
  for (guint i = 0; folders && i < folders->len; i++)
    total += ((CasellaStoreFolder *) folders->pdata[i])->total;
  g_print (_("Synced %s: %u folders, %u messages, %.1f s\n"), casella_account_get_address (mailbox.account),
           folders ? folders->len : 0, total, (g_get_monotonic_time () - start) / 1e6);
  note_login_delay (&mailbox);
  note_outbox (&mailbox);
  return CASELLA_CLI_EXIT_OK;
}

/* ---- list ---- */

static char *
format_date (gint64 date)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (date);

  return time ? g_date_time_format (time, "%Y-%m-%d %H:%M") : g_strdup ("?");
}

static void
print_row (const CasellaMessageInfo *info)
{
  g_autofree char *date = format_date (info->date);
  const char *from = info->from_name ? info->from_name : info->from_address ? info->from_address : "";

  /* N: not read yet, F: flagged, A: has attachments */
  g_print ("%8u  %c%c%c  %s  %-24.24s  %s\n", info->uid, (info->flags & CASELLA_MESSAGE_SEEN) ? ' ' : 'N',
           (info->flags & CASELLA_MESSAGE_FLAGGED) ? 'F' : ' ', info->has_attachment ? 'A' : ' ', date, from,
           info->subject ? info->subject : "");
}

int
casella_cli_list (int    argc,
                  char **argv)
{
  int limit = 50;
  GOptionEntry entries[] = {
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit, N_("Show at most N messages (0: all)"), N_("N") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("ACCOUNT FOLDER — the messages in a folder, newest first"));
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaStoreFolder) folder = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_auto(Mailbox) mailbox = { 0 };
  int status;

  g_option_context_set_summary (context, "list");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return casella_cli_usage_error (context, error->message);
  if (argc != 3)
    return casella_cli_usage_error (context, _("give an account and a folder"));
  if ((status = mailbox_open (&mailbox, argv[1], FALSE, NULL)) != CASELLA_CLI_EXIT_OK)
    return status;
  if ((folder = find_folder (&mailbox, argv[2])) == NULL)
    return CASELLA_CLI_EXIT_NOT_FOUND;
  ids = casella_store_list_message_ids (mailbox.store, folder->id, NULL, &error);
  if (ids == NULL)
    {
      g_printerr ("casella-cli: %s\n", error->message);
      return casella_cli_exit_code (error);
    }
  rows = casella_store_get_messages (mailbox.store, (gint64 *) ids->data,
                                     limit > 0 ? MIN ((guint) limit, ids->len) : ids->len, &error);
  if (rows == NULL)
    {
      g_printerr ("casella-cli: %s\n", error->message);
      return casella_cli_exit_code (error);
    }
  for (guint i = 0; i < rows->len; i++)
    print_row (rows->pdata[i]);
  g_print (_("%u of %u messages in %s, %u not read\n"), rows->len, ids->len, folder->path, folder->unread);
  return CASELLA_CLI_EXIT_OK;
}

/* ---- show ---- */

/* On a PEC account, what an envelope or receipt certifies; for an
 * envelope, the message inside to print instead (NULL: print it as it is). */
static GMimeMessage *
print_pec (GMimeMessage *message,
           GBytes       *raw,
           const char   *ca_file)
{
  g_autoptr(CasellaPec) pec = casella_pec_read (message);
  g_autofree char *detail = NULL;
  CasellaPecSignature signature;

  if (pec == NULL)
    return NULL;
  signature = casella_pec_verify (raw, pec->provider_address, ca_file, &detail);
  casella_cli_print_pec (pec, signature, detail);
  return pec->kind == CASELLA_PEC_MESSAGE ? casella_pec_get_inner (message) : NULL;
}

/* pec: the account is PEC (its envelopes' signatures checked against
 * the system's authorities, or ca_file's). */
static void
print_message (GBytes     *raw,
               gboolean    pec,
               const char *ca_file)
{
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  g_autoptr(GMimeMessage) message = g_mime_parser_construct_message (parser, NULL);
  g_autoptr(GMimeMessage) inner = NULL;
  g_autofree char *from = NULL, *to = NULL, *text = NULL;
  GDateTime *date;

  if (message == NULL)
    {
      g_print ("%.*s\n", (int) g_bytes_get_size (raw), (const char *) g_bytes_get_data (raw, NULL));
      return;
    }
  if (pec && (inner = print_pec (message, raw, ca_file)) != NULL)
    g_set_object (&message, inner);
  from = casella_address_list_display (g_mime_message_get_from (message));
  to = casella_address_list_display (g_mime_message_get_to (message));
  date = g_mime_message_get_date (message);
  g_print (_("From: %s\n"), from ? from : "");
  g_print (_("To: %s\n"), to ? to : "");
  if (date != NULL)
    {
      g_autofree char *when = g_date_time_format (date, "%Y-%m-%d %H:%M %z");
      g_print (_("Date: %s\n"), when);
    }
  g_print (_("Subject: %s\n\n"), g_mime_message_get_subject (message) ? g_mime_message_get_subject (message) : "");
  text = casella_message_get_text (message, NULL);
  g_print ("%s\n", text);
}

int
casella_cli_show (int    argc,
                  char **argv)
{
  gboolean raw_output = FALSE;
  g_autofree char *ca_file = NULL;
  GOptionEntry entries[] = {
    { "raw", 0, 0, G_OPTION_ARG_NONE, &raw_output, N_("Print the message exactly as stored"), NULL },
    { "tls-ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, N_("Trust the certificates in FILE (a private CA)"), N_("FILE") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("ACCOUNT FOLDER UID — one message"));
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaStoreFolder) folder = NULL;
  g_autoptr(CasellaMessageInfo) info = NULL;
  g_autoptr(GBytes) body = NULL;
  g_auto(Mailbox) mailbox = { 0 };
  guint64 uid;
  int status;

  g_option_context_set_summary (context, "show");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return casella_cli_usage_error (context, error->message);
  if (argc != 4 || !g_ascii_string_to_unsigned (argv[3], 10, 1, G_MAXUINT32, &uid, NULL))
    return casella_cli_usage_error (context, _("give an account, a folder and a message’s UID"));
  if ((status = mailbox_open (&mailbox, argv[1], FALSE, ca_file)) != CASELLA_CLI_EXIT_OK)
    return status;
  if ((folder = find_folder (&mailbox, argv[2])) == NULL)
    return CASELLA_CLI_EXIT_NOT_FOUND;
  info = casella_store_find_message (mailbox.store, folder->id, (guint32) uid);
  if (info == NULL)
    {
      g_printerr (_("No message %s in %s.\n"), argv[3], folder->path);
      return CASELLA_CLI_EXIT_NOT_FOUND;
    }
  body = casella_store_get_body (mailbox.store, info->id, NULL);
  if (body == NULL)
    {
      /* Not downloaded yet: fetch it now (IMAP keeps it on the server). */
      CasellaAccountSyncOptions options;
      g_autoptr(CasellaImapSync) sync = NULL;

      if ((status = mailbox_unlock (&mailbox)) != CASELLA_CLI_EXIT_OK)
        return status;
      options = sync_options (&mailbox);
      sync = casella_account_new_imap_sync (mailbox.account, mailbox.store, &options);
      body = casella_imap_sync_fetch_body (sync, info->id, NULL, &error);
      if (body == NULL)
        {
          g_printerr (_("Cannot get the message: %s\n"), error->message);
          return casella_cli_exit_code (error);
        }
    }
  if (raw_output)
    fwrite (g_bytes_get_data (body, NULL), 1, g_bytes_get_size (body), stdout);
  else
    print_message (body, casella_account_get_pec (mailbox.account), ca_file);
  return CASELLA_CLI_EXIT_OK;
}

/* ---- PEC ---- */

static int
save_proof (Mailbox                  *mailbox,
            const CasellaMessageInfo *info,
            const CasellaPecStatus   *status,
            const char               *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) files = NULL;
  g_autofree char *text = casella_cli_pec_status_text (status);
  g_autofree char *summary = NULL;
  guint missing = 0;

  files = casella_store_get_pec_proof (mailbox->store, info->id, &missing, &error);
  if (files != NULL)
    {
      /* Translators: summary.txt of a PEC proof; the first %s the subject, the second where it got to */
      summary = g_strdup_printf (_("Certified email: proof of sending\n\n%s\n%s\nThe other files here are the "
                                   "originals as the providers sent them. Keep them unchanged: they are the "
                                   "proof.\n"), info->subject ? info->subject : "", text);
    }
  if (files == NULL || !casella_pec_proof_write (files, summary, dir, &error))
    {
      g_printerr (_("Could not save the proof: %s\n"), error->message);
      return casella_cli_exit_code (error);
    }
  g_print (ngettext ("Saved %u file in %s\n", "Saved %u files in %s\n", files->len + 1), files->len + 1, dir);
  if (missing > 0)
    g_printerr (ngettext ("%u receipt is not downloaded yet: run “casella-cli sync --offline” first.\n",
                          "%u receipts are not downloaded yet: run “casella-cli sync --offline” first.\n", missing),
                missing);
  return CASELLA_CLI_EXIT_OK;
}

int
casella_cli_pec_status (int    argc,
                        char **argv)
{
  gboolean json_output = FALSE;
  g_autofree char *proof_dir = NULL;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json_output, N_("Print JSON"), NULL },
    { "save-proof", 0, 0, G_OPTION_ARG_FILENAME, &proof_dir,
      N_("Save the message and its receipts, unchanged, with a summary, in DIR"), N_("DIR") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("ACCOUNT [FOLDER] UID — where a PEC message you sent got "
                                                              "to (FOLDER: Sent unless given)"));
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaStoreFolder) folder = NULL;
  g_autoptr(CasellaMessageInfo) info = NULL;
  g_autoptr(CasellaPecStatus) status = NULL;
  g_auto(Mailbox) mailbox = { 0 };
  guint64 uid;
  int code;

  g_option_context_set_summary (context, "pec-status");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return casella_cli_usage_error (context, error->message);
  if ((argc != 3 && argc != 4) || !g_ascii_string_to_unsigned (argv[argc - 1], 10, 1, G_MAXUINT32, &uid, NULL))
    return casella_cli_usage_error (context, _("give an account, a folder if not Sent, and a message’s UID"));
  if ((code = mailbox_open (&mailbox, argv[1], FALSE, NULL)) != CASELLA_CLI_EXIT_OK)
    return code;
  folder = argc == 4 ? find_folder (&mailbox, argv[2])
                     : casella_store_find_folder_by_role (mailbox.store, CASELLA_FOLDER_ROLE_SENT);
  if (folder == NULL)
    {
      if (argc == 3)
        g_printerr (_("No Sent folder (run “casella-cli sync” first?).\n"));
      return CASELLA_CLI_EXIT_NOT_FOUND;
    }
  if (!casella_account_get_pec (mailbox.account))
    g_printerr (_("%s is not a PEC account: its receipts are not trusted.\n"), argv[1]);
  info = casella_store_find_message (mailbox.store, folder->id, (guint32) uid);
  if (info == NULL)
    {
      g_printerr (_("No message %s in %s.\n"), argv[argc - 1], folder->path);
      return CASELLA_CLI_EXIT_NOT_FOUND;
    }
  status = casella_store_get_pec_status (mailbox.store, info->id, &error);
  if (status == NULL)
    {
      g_printerr ("casella-cli: %s\n", error->message);
      return casella_cli_exit_code (error);
    }
  casella_cli_print_pec_status (status, json_output);
  return proof_dir ? save_proof (&mailbox, info, status, proof_dir) : CASELLA_CLI_EXIT_OK;
}

/* ---- search ---- */

static void
add_ids (GHashTable *seen,
         GArray     *all,
         GArray     *ids)
{
  for (guint i = 0; ids && i < ids->len; i++)
    if (g_hash_table_add (seen, g_memdup2 (&g_array_index (ids, gint64, i), sizeof (gint64))))
      g_array_append_val (all, g_array_index (ids, gint64, i));
}

/* The server looks where bodies are not all here. */
static void
search_server (Mailbox    *mailbox,
               const char *text,
               GHashTable *seen,
               GArray     *all)
{
  CasellaAccountSyncOptions options = sync_options (mailbox);
  g_autoptr(CasellaImapSync) sync = casella_account_new_imap_sync (mailbox->account, mailbox->store, &options);
  g_autoptr(GPtrArray) folders = casella_store_list_folders (mailbox->store, NULL);

  for (guint i = 0; folders && i < folders->len; i++)
    {
      CasellaStoreFolder *folder = folders->pdata[i];
      g_autoptr(GArray) missing = NULL, found = NULL;
      g_autoptr(GError) error = NULL;

      if (folder->flags & (CASELLA_FOLDER_LOCAL | CASELLA_FOLDER_NOSELECT))
        continue;
      missing = casella_store_list_missing_bodies (mailbox->store, folder->id, 1, NULL);
      if (missing == NULL || missing->len == 0)
        continue;
      found = casella_imap_sync_search (sync, folder->id, text, NULL, &error);
      if (found == NULL)
        {
          g_printerr (_("The server could not search %s: %s\n"), folder->path, error->message);
          return;
        }
      add_ids (seen, all, found);
    }
}

int
casella_cli_search (int    argc,
                    char **argv)
{
  gboolean local_only = FALSE;
  g_autofree char *ca_file = NULL;
  GOptionEntry entries[] = {
    { "local", 0, 0, G_OPTION_ARG_NONE, &local_only, N_("Search only what is on this computer"), NULL },
    { "tls-ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, N_("Trust the certificates in FILE (a private CA)"), N_("FILE") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("ACCOUNT TEXT — find messages"));
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) local = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Mailbox) mailbox = { 0 };
  int status;

  g_option_context_set_summary (context, "search");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return casella_cli_usage_error (context, error->message);
  if (argc != 3)
    return casella_cli_usage_error (context, _("give an account and the words to find"));
  if ((status = mailbox_open (&mailbox, argv[1], FALSE, ca_file)) != CASELLA_CLI_EXIT_OK)
    return status;
  local_only = local_only || casella_account_get_incoming (mailbox.account)->protocol != CASELLA_PROTOCOL_IMAP;
  if (!local_only && (status = mailbox_unlock (&mailbox)) != CASELLA_CLI_EXIT_OK)
    return status;
  local = casella_store_search (mailbox.store, 0, argv[2], &error);
  if (local == NULL)
    {
      g_printerr ("casella-cli: %s\n", error->message);
      return casella_cli_exit_code (error);
    }
  add_ids (seen, all, local);
  if (!local_only)
    search_server (&mailbox, argv[2], seen, all);
  rows = casella_store_get_messages (mailbox.store, (gint64 *) all->data, all->len, NULL);
  for (guint i = 0; rows && i < rows->len; i++)
    {
      CasellaMessageInfo *info = rows->pdata[i];
      g_autoptr(CasellaStoreFolder) folder = casella_store_get_folder (mailbox.store, info->folder_id);
      g_print ("%-12.12s ", folder ? folder->path : "");
      print_row (info);
    }
  g_print (_("%u found\n"), all->len);
  return all->len > 0 ? CASELLA_CLI_EXIT_OK : CASELLA_CLI_EXIT_NOT_FOUND;
}

/* ---- send ---- */

static GBytes *
read_stdin (void)
{
  g_autoptr(GInputStream) input = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();

  if (g_output_stream_splice (memory, input, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, NULL) < 0)
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

/* The fate of the message this command queued, in plain words; its
 * exit code. */
static int
report_mine (CasellaStore              *store,
             gint64                     id,
             const CasellaOutboxReport *mine,
             const GError              *error)
{
  g_autoptr(CasellaOutboxEntry) entry = NULL;

  if (mine == NULL)
    {
      /* Another Casella sent the outbox while this one waited. */
      entry = casella_store_outbox_get (store, id);
      if (entry == NULL)
        {
          g_print (_("Sent.\n"));
          return CASELLA_CLI_EXIT_OK;
        }
      g_printerr (_("Not sent yet; it waits in the outbox.\n"));
      return error ? casella_cli_exit_code (error) : CASELLA_CLI_EXIT_FAILURE;
    }
  switch (mine->fate)
    {
    case CASELLA_OUTBOX_FATE_SENT:
      g_print (_("Sent.\n"));
      return CASELLA_CLI_EXIT_OK;
    case CASELLA_OUTBOX_FATE_LATER:
      g_printerr (_("Not sent yet: %s. It waits in the outbox, and Casella tries again by itself.\n"),
                  mine->reason ? mine->reason : error ? error->message : _("the server could not take it now"));
      return error ? casella_cli_exit_code (error) : CASELLA_CLI_EXIT_FAILURE;
    case CASELLA_OUTBOX_FATE_HELD:
    default:
      if (mine->hold == CASELLA_OUTBOX_HOLD_INTERRUPTED)
        g_printerr (_("Sending was interrupted, so the message may have been delivered. It waits in the outbox: "
                      "look in Sent before sending it again (casella-cli outbox).\n"));
      else
        g_printerr (_("Not sent: %s. It waits in the outbox (casella-cli outbox).\n"),
                    mine->reason ? mine->reason : _("the server refused it"));
      return CASELLA_CLI_EXIT_FAILURE;
    }
}

/* What became of the rest of the outbox on the way. */
static void
report_others (const CasellaOutboxResult *result,
               gint64                     id)
{
  guint sent = 0, waiting = 0;

  for (guint i = 0; result->reports != NULL && i < result->reports->len; i++)
    {
      const CasellaOutboxReport *report = result->reports->pdata[i];

      if (report->message_id == id)
        continue;
      if (report->fate == CASELLA_OUTBOX_FATE_SENT && report->attempted)
        sent++;
      else if (report->fate != CASELLA_OUTBOX_FATE_SENT)
        waiting++;
    }
  if (sent > 0)
    g_print (ngettext ("Also sent %u other message from the outbox.\n",
                       "Also sent %u other messages from the outbox.\n", sent), sent);
  if (waiting > 0)
    g_print (ngettext ("%u other message waits in the outbox (casella-cli outbox).\n",
                       "%u other messages wait in the outbox (casella-cli outbox).\n", waiting), waiting);
}

static int
send_outbox (Mailbox             *mailbox,
             const char          *ca_file,
             CasellaOutboxResult *result,
             GError             **error)
{
  g_autoptr(CasellaImapSync) imap = NULL;
  CasellaAccountSyncOptions options = sync_options (mailbox);

  if (casella_account_get_incoming (mailbox->account)->protocol == CASELLA_PROTOCOL_IMAP)
    imap = casella_account_new_imap_sync (mailbox->account, mailbox->store, &options);
  return casella_account_send_outbox (mailbox->account, mailbox->store, &options, imap, result, NULL, error);
}

int
casella_cli_send (int    argc,
                  char **argv)
{
  g_autofree char *ca_file = NULL;
  GOptionEntry entries[] = {
    { "tls-ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, N_("Trust the certificates in FILE (a private CA)"), N_("FILE") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("ACCOUNT < MESSAGE — send a message (RFC 5322) read from standard input"));
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Mailbox) mailbox = { 0 };
  g_auto(CasellaOutboxResult) result = { 0 };
  gint64 id;
  int status;

  g_option_context_set_summary (context, "send");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return casella_cli_usage_error (context, error->message);
  if (argc != 2)
    return casella_cli_usage_error (context, _("give the account’s id or address"));
  raw = read_stdin ();
  if (raw == NULL || g_bytes_get_size (raw) == 0)
    return casella_cli_usage_error (context, _("no message on standard input"));
  if ((status = mailbox_open (&mailbox, argv[1], TRUE, ca_file)) != CASELLA_CLI_EXIT_OK)
    return status;

  /* In the outbox first: whatever happens next, the message is kept. */
  id = casella_store_outbox_add (mailbox.store, raw, &error);
  if (id == 0 && g_error_matches (error, CASELLA_STORE_ERROR, CASELLA_STORE_ERROR_INVALID))
    {
      g_printerr (_("Not sent: %s\n"), error->message);
      return CASELLA_CLI_EXIT_USAGE;
    }
  if (id == 0)
    {
      g_printerr (_("Not sent, and not kept: %s\n"), error->message);
      return casella_cli_exit_code (error);
    }
  send_outbox (&mailbox, ca_file, &result, &error);
  casella_cli_oauth2_say_sign_in_again (mailbox.account, error);
  status = report_mine (mailbox.store, id, casella_outbox_result_find (&result, id), error);
  report_others (&result, id);
  return status;
}

/* ---- outbox ---- */

static char *
describe_entry (const CasellaOutboxEntry *entry)
{
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *time = NULL;

  switch (entry->state)
    {
    case CASELLA_OUTBOX_QUEUED:
      if (entry->next_attempt <= g_get_real_time () / G_USEC_PER_SEC)
        return g_strdup (_("waiting to be sent"));
      when = g_date_time_new_from_unix_local (entry->next_attempt);
      time = g_date_time_format (when, "%H:%M");
      /* Translators: %s is a time, the second %s the server's words */
      return g_strdup_printf (_("tries again at %s (%s)"), time, entry->last_error ? entry->last_error : "");
    case CASELLA_OUTBOX_SENDING:
      return g_strdup (_("being sent"));
    case CASELLA_OUTBOX_SENT:
      return g_strdup (_("sent; its copy in Sent is still to be filed"));
    case CASELLA_OUTBOX_HELD:
    default:
      if (entry->hold == CASELLA_OUTBOX_HOLD_INTERRUPTED)
        return g_strdup (_("interrupted while sending: it may have been delivered (look in Sent first)"));
      if (entry->hold == CASELLA_OUTBOX_HOLD_UNREADABLE)
        return g_strdup (_("damaged on this computer: it cannot be sent"));
      /* Translators: %s is the server's reason */
      return g_strdup_printf (_("refused by the server: %s"), entry->last_error ? entry->last_error : "");
    }
}

static int
list_outbox (Mailbox *mailbox)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = casella_store_outbox_entries (mailbox->store, &error);

  if (entries == NULL)
    {
      g_printerr ("casella-cli: %s\n", error->message);
      return casella_cli_exit_code (error);
    }
  for (guint i = 0; i < entries->len; i++)
    {
      CasellaOutboxEntry *entry = entries->pdata[i];
      g_autoptr(CasellaMessageInfo) info = casella_store_get_message (mailbox->store, entry->message_id);
      g_autofree char *state = describe_entry (entry);

      g_print ("%6" G_GINT64_FORMAT "  %-40.40s  %s\n", entry->message_id,
               info && info->subject ? info->subject : _("(No subject)"), state);
    }
  g_print (ngettext ("%u message in the outbox\n", "%u messages in the outbox\n", entries->len), entries->len);
  return CASELLA_CLI_EXIT_OK;
}

/* A row id as text, for messages (valid until the next call). */
static const char *
argv_id (gint64 id)
{
  static char text[24];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, id);
  return text;
}

int
casella_cli_outbox (int    argc,
                    char **argv)
{
  gint64 retry = 0, drop = 0;
  g_autofree char *ca_file = NULL;
  GOptionEntry entries[] = {
    { "retry", 0, 0, G_OPTION_ARG_INT64, &retry, N_("Send message ID again now (after a refusal or an interruption)"), N_("ID") },
    { "delete", 0, 0, G_OPTION_ARG_INT64, &drop, N_("Delete message ID from the outbox, unsent"), N_("ID") },
    { "tls-ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, N_("Trust the certificates in FILE (a private CA)"), N_("FILE") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("ACCOUNT — what waits to be sent, and why"));
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaOutboxEntry) entry = NULL;
  g_auto(Mailbox) mailbox = { 0 };
  g_auto(CasellaOutboxResult) result = { 0 };
  int status;

  g_option_context_set_summary (context, "outbox");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return casella_cli_usage_error (context, error->message);
  if (argc != 2 || (retry != 0 && drop != 0))
    return casella_cli_usage_error (context, _("give the account’s id or address, and at most one of --retry and --delete"));
  if ((status = mailbox_open (&mailbox, argv[1], retry != 0, ca_file)) != CASELLA_CLI_EXIT_OK)
    return status;
  if (retry == 0 && drop == 0)
    return list_outbox (&mailbox);

  entry = casella_store_outbox_get (mailbox.store, retry ? retry : drop);
  if (entry == NULL)
    {
      g_printerr (_("No message %s in the outbox.\n"), argv_id (retry ? retry : drop));
      return CASELLA_CLI_EXIT_NOT_FOUND;
    }
  if (entry->state == CASELLA_OUTBOX_SENDING || entry->state == CASELLA_OUTBOX_SENT)
    {
      g_printerr (_("Message %s is being sent or was sent already.\n"), argv_id (retry ? retry : drop));
      return CASELLA_CLI_EXIT_FAILURE;
    }
  if (drop != 0)
    {
      if (!casella_store_outbox_sent (mailbox.store, drop, &error))
        {
          g_printerr ("casella-cli: %s\n", error->message);
          return casella_cli_exit_code (error);
        }
      g_print (_("Deleted from the outbox, unsent.\n"));
      return CASELLA_CLI_EXIT_OK;
    }
  if (!casella_store_outbox_release (mailbox.store, retry, &error))
    {
      g_printerr ("casella-cli: %s\n", error->message);
      return casella_cli_exit_code (error);
    }
  send_outbox (&mailbox, ca_file, &result, &error);
  status = report_mine (mailbox.store, retry, casella_outbox_result_find (&result, retry), error);
  report_others (&result, retry);
  return status;
}

/* ---- export ---- */

static void
show_export_progress (guint    done,
                      guint    total,
                      gpointer user_data)
{
  /* Every hundredth, and the last: a big folder shows it moves. */
  if (done % 100 != 0 && done != total)
    return;
  g_printerr ("\r");
  /* Translators: progress, e.g. "Saved 500/10000" */
  g_printerr (_("Saved %u/%u"), done, total);
  if (done == total)
    g_printerr ("\n");
}

int
casella_cli_export (int    argc,
                    char **argv)
{
  gboolean all = FALSE, quiet = FALSE;
  g_autofree char *ca_file = NULL;
  GOptionEntry entries[] = {
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, N_("Every folder of the account into one file (then no FOLDER)"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Print no progress"), NULL },
    { "tls-ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, N_("Trust the certificates in FILE (a private CA)"), N_("FILE") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("ACCOUNT FOLDER FILE — save a folder’s messages as an mbox file"));
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaStoreFolder) folder = NULL;
  g_autoptr(CasellaImapSync) sync = NULL;
  g_autoptr(GFile) file = NULL;
  g_auto(Mailbox) mailbox = { 0 };
  CasellaAccountSyncOptions options;
  gint64 written;
  int status;

  g_option_context_set_summary (context, "export");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return casella_cli_usage_error (context, error->message);
  if (argc != (all ? 3 : 4))
    return casella_cli_usage_error (context, _("give an account, a folder (or --all) and a file"));
  if ((status = mailbox_open (&mailbox, argv[1], FALSE, ca_file)) != CASELLA_CLI_EXIT_OK)
    return status;
  if (!all && (folder = find_folder (&mailbox, argv[2])) == NULL)
    return CASELLA_CLI_EXIT_NOT_FOUND;
  /* Messages not downloaded yet come from the server. */
  if (casella_account_get_incoming (mailbox.account)->protocol == CASELLA_PROTOCOL_IMAP)
    {
      if ((status = mailbox_unlock (&mailbox)) != CASELLA_CLI_EXIT_OK)
        return status;
      options = sync_options (&mailbox);
      sync = casella_account_new_imap_sync (mailbox.account, mailbox.store, &options);
    }
  file = g_file_new_for_commandline_arg (argv[all ? 2 : 3]);
  written = casella_export_mbox (mailbox.store, sync, folder ? folder->id : 0, file,
                                 quiet ? NULL : show_export_progress, NULL, NULL, &error);
  if (written < 0)
    {
      g_printerr (_("Not saved: %s\n"), error->message);
      return casella_cli_exit_code (error);
    }
  g_print (g_dngettext (GETTEXT_PACKAGE, "Saved %u message to %s\n", "Saved %u messages to %s\n", (gulong) written),
           (guint) written, g_file_peek_path (file));
  return CASELLA_CLI_EXIT_OK;
}
