/* casella-cli-accounts.c — detect, add, accounts, remove
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <termios.h>
#include <unistd.h>

#include "casella-account-store.h"
#include "casella-account-verify.h"
#include "casella-autodetect.h"
#include "casella-cli.h"
#include "casella-credentials.h"
#include "casella-mail-error.h"
#include "casella-oauth2-provider.h"
#include "casella-secret.h"
#include "casella-account-sync.h"
#include "casella-store.h"

static const char *
security_label (CasellaSecurity security)
{
  switch (security)
    {
    case CASELLA_SECURITY_TLS:
      return _("SSL/TLS");
    case CASELLA_SECURITY_STARTTLS:
      return _("STARTTLS");
    case CASELLA_SECURITY_NONE:
    default:
      return _("no encryption");
    }
}

static const char *
trust_label (CasellaConfigTrust trust)
{
  switch (trust)
    {
    case CASELLA_TRUST_BUNDLED:
      return _("Casella’s list of providers");
    case CASELLA_TRUST_PROVIDER:
      return _("the provider’s own website (secure)");
    case CASELLA_TRUST_ISPDB:
      return _("the Thunderbird provider database");
    case CASELLA_TRUST_DNS:
      return _("DNS records (worth checking)");
    case CASELLA_TRUST_PROBED:
      return _("a guess: a server answered at a usual name");
    case CASELLA_TRUST_UNTRUSTED:
    default:
      return _("an unencrypted web page: check before using");
    }
}

static const char *
protocol_label (CasellaProtocol protocol)
{
  return protocol == CASELLA_PROTOCOL_IMAP ? "IMAP" : protocol == CASELLA_PROTOCOL_POP3 ? "POP3" : "SMTP";
}

static void
print_server (const char          *role,
              CasellaServerConfig *server)
{
  g_print ("   %-22s %s:%u, %s", role, server->host, server->port, security_label (server->security));
  if (server->username)
    g_print (_(", user %s"), server->username);
  g_print ("\n");
}

static void
print_needs (CasellaMailConfig *config)
{
  if (config->needs & CASELLA_NEEDS_OAUTH2_ONLY)
    g_print (_("   Note: this provider signs you in on its own web page: add the account with --oauth.\n"));
  if (config->needs & CASELLA_NEEDS_APP_PASSWORD)
    g_print (_("   Note: you need an app password from your provider, not your usual password. %s\n"),
             config->app_password_url ? config->app_password_url : "");
  if (config->needs & CASELLA_NEEDS_APP_PASSWORD_WITH_2FA)
    g_print (_("   Note: if you use two-step sign-in, you need an app password. %s\n"),
             config->app_password_url ? config->app_password_url : "");
  if (config->needs & CASELLA_NEEDS_ENABLE_ACCESS)
    g_print (_("   Note: switch on access for mail apps in your web mail settings first. %s\n"),
             config->enable_url ? config->enable_url : "");
  if (config->needs & CASELLA_NEEDS_USERNAME_IS_USER_ID)
    g_print (_("   Note: the user name is the ID your provider gave you, not your address.\n"));
}

static void
json_server (CasellaJson         *json,
             CasellaServerConfig *server)
{
  casella_json_begin_object (json, NULL);
  casella_json_string (json, "protocol", casella_protocol_to_string (server->protocol));
  casella_json_string (json, "host", server->host);
  casella_json_int (json, "port", server->port);
  casella_json_string (json, "security", casella_security_to_string (server->security));
  casella_json_string (json, "username", server->username);
  casella_json_end_object (json);
}

static void
json_config (CasellaJson       *json,
             CasellaMailConfig *config)
{
  g_auto(GStrv) needs = casella_provider_needs_to_strings (config->needs);

  casella_json_begin_object (json, NULL);
  casella_json_string (json, "provider_id", config->provider_id);
  casella_json_string (json, "provider", config->provider_name);
  casella_json_string (json, "source", casella_config_source_to_string (config->source));
  casella_json_string (json, "trust", casella_config_trust_to_string (config->trust));
  casella_json_string (json, "provenance", config->provenance);
  casella_json_begin_array (json, "needs");
  for (guint i = 0; needs[i]; i++)
    casella_json_string (json, NULL, needs[i]);
  casella_json_end_array (json);
  casella_json_string (json, "app_password_url", config->app_password_url);
  casella_json_string (json, "enable_url", config->enable_url);
  casella_json_begin_array (json, "incoming");
  for (guint i = 0; i < config->incoming->len; i++)
    json_server (json, config->incoming->pdata[i]);
  casella_json_end_array (json);
  casella_json_begin_array (json, "outgoing");
  for (guint i = 0; i < config->outgoing->len; i++)
    json_server (json, config->outgoing->pdata[i]);
  casella_json_end_array (json);
  casella_json_end_object (json);
}

/* ---- detect ---- */

typedef struct {
  char     *ispdb_url;
  char     *ca_file;
  char     *sources;
  int       deadline_ms;
  gboolean  json;
} DetectOptions;

/* "bundled,ispdb": every other source is switched off. */
static gboolean
parse_sources (const char *list,
               guint      *disabled)
{
  g_auto(GStrv) names = g_strsplit (list, ",", -1);

  *disabled = (1u << CASELLA_N_SOURCES) - 1;
  for (guint i = 0; names[i]; i++)
    {
      gboolean known = FALSE;

      for (guint s = 0; s < CASELLA_N_SOURCES; s++)
        if (g_str_equal (g_strstrip (names[i]), casella_config_source_to_string (s)))
          {
            *disabled &= ~(1u << s);
            known = TRUE;
          }
      if (!known)
        return FALSE;
    }
  return TRUE;
}

static CasellaAutodetectOptions *
autodetect_options (DetectOptions *opts)
{
  CasellaAutodetectOptions *options = casella_autodetect_options_new ();

  g_free (options->ispdb_base_url);
  options->ispdb_base_url = opts->ispdb_url ? g_strdup (opts->ispdb_url) : casella_cli_default_ispdb_url ();
  options->tls_database = casella_cli_load_ca (opts->ca_file);
  if (opts->sources != NULL)
    parse_sources (opts->sources, &options->disabled);
  if (opts->deadline_ms > 0)
    options->deadline_ms = (guint) opts->deadline_ms;
  return options;
}

static CasellaAutodetectResult *
run_detect (const char     *address,
            DetectOptions  *opts,
            GError        **error)
{
  g_autoptr(CasellaAutodetectOptions) options = autodetect_options (opts);
  g_autoptr(CasellaAutodetect) detector = casella_autodetect_new (address, options);
  CasellaCliWait wait = casella_cli_wait_new ();
  CasellaAutodetectResult *result;

  casella_autodetect_run_async (detector, NULL, casella_cli_on_done, &wait);
  result = casella_autodetect_run_finish (detector, casella_cli_wait_for (&wait), error);
  casella_cli_wait_clear (&wait);
  return result;
}

static void
print_detect (const char              *address,
              CasellaAutodetectResult *result)
{
  g_print (_("Settings for %s (%u ms)\n"), address, result->elapsed_ms);
  for (guint i = 0; i < result->configs->len; i++)
    {
      CasellaMailConfig *config = result->configs->pdata[i];

      g_print ("\n%u. %s\n", i + 1, config->provider_name ? config->provider_name : address);
      g_print (_("   From: %s\n"), trust_label (config->trust));
      for (guint s = 0; s < config->incoming->len; s++)
        {
          CasellaServerConfig *server = config->incoming->pdata[s];
          g_autofree char *role = g_strdup_printf (_("Receiving (%s):"), protocol_label (server->protocol));
          print_server (role, server);
        }
      for (guint s = 0; s < config->outgoing->len; s++)
        print_server (_("Sending (SMTP):"), config->outgoing->pdata[s]);
      print_needs (config);
      if (config->provenance)
        g_print (_("   Source: %s\n"), config->provenance);
    }

  g_print (_("\nSources asked:\n"));
  for (guint s = 0; s < CASELLA_N_SOURCES; s++)
    g_print ("  %-10s %-10s %5u ms  %s\n", casella_config_source_to_string (s),
             casella_source_state_to_string (result->reports[s].state), result->reports[s].elapsed_ms,
             result->reports[s].detail ? result->reports[s].detail : "");
}

static void
print_detect_json (const char              *address,
                   CasellaAutodetectResult *result)
{
  CasellaJson json = { g_string_new (NULL) };

  casella_json_begin_object (&json, NULL);
  casella_json_string (&json, "address", address);
  casella_json_int (&json, "elapsed_ms", result->elapsed_ms);
  casella_json_begin_array (&json, "configurations");
  for (guint i = 0; i < result->configs->len; i++)
    json_config (&json, result->configs->pdata[i]);
  casella_json_end_array (&json);
  casella_json_begin_array (&json, "sources");
  for (guint s = 0; s < CASELLA_N_SOURCES; s++)
    {
      casella_json_begin_object (&json, NULL);
      casella_json_string (&json, "source", casella_config_source_to_string (s));
      casella_json_string (&json, "state", casella_source_state_to_string (result->reports[s].state));
      casella_json_int (&json, "elapsed_ms", result->reports[s].elapsed_ms);
      casella_json_string (&json, "detail", result->reports[s].detail);
      casella_json_end_object (&json);
    }
  casella_json_end_array (&json);
  casella_json_end_object (&json);
  g_print ("%s\n", json.out->str);
  g_string_free (json.out, TRUE);
}

static GOptionEntry *
detect_entries (DetectOptions *opts)
{
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &opts->json, N_("Print JSON"), NULL },
    { "ispdb-url", 0, 0, G_OPTION_ARG_STRING, &opts->ispdb_url, N_("Ask this central provider database"), N_("URL") },
    { "tls-ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opts->ca_file, N_("Trust the certificates in FILE (a private CA)"), N_("FILE") },
    { "deadline", 0, 0, G_OPTION_ARG_INT, &opts->deadline_ms, N_("Give up searching after MS milliseconds"), N_("MS") },
    { "sources", 0, 0, G_OPTION_ARG_STRING, &opts->sources,
      N_("Ask only these sources (bundled, autoconfig, ispdb, mx, srv, probe, http)"), N_("LIST") },
    { NULL }
  };
  return g_memdup2 (entries, sizeof entries);
}

int
casella_cli_detect (int    argc,
                    char **argv)
{
  DetectOptions opts = { 0 };
  g_autofree GOptionEntry *entries = detect_entries (&opts);
  g_autoptr(GOptionContext) context = g_option_context_new (_("ADDRESS — find the settings for an address"));
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaAutodetectResult) result = NULL;

  g_option_context_set_summary (context, "detect");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return casella_cli_usage_error (context, error->message);
  if (argc != 2 || !casella_address_is_valid (argv[1]))
    return casella_cli_usage_error (context, _("give one email address, like name@example.com"));
  {
    guint disabled;
    if (opts.sources != NULL && !parse_sources (opts.sources, &disabled))
      return casella_cli_usage_error (context, _("unknown source in --sources"));
  }

  result = run_detect (argv[1], &opts, &error);
  if (result == NULL)
    {
      g_printerr ("casella-cli: %s\n", error->message);
      return CASELLA_CLI_EXIT_FAILURE;
    }
  if (opts.json)
    print_detect_json (argv[1], result);
  else
    print_detect (argv[1], result);
  g_free (opts.ispdb_url);
  g_free (opts.ca_file);

  if (result->configs->len == 0)
    {
      if (!opts.json)
        g_printerr (_("No settings found for %s.\n"), argv[1]);
      return CASELLA_CLI_EXIT_NOT_FOUND;
    }
  return CASELLA_CLI_EXIT_OK;
}

/* ---- add ---- */

static char *
read_password (gboolean from_stdin,
               const char *address)
{
  char buffer[1024];
  struct termios saved, quiet;
  gboolean tty = isatty (STDIN_FILENO);
  char *line;

  if (!from_stdin && !tty)
    return NULL;
  if (!from_stdin)
    {
      g_printerr (_("Password for %s: "), address);
      tcgetattr (STDIN_FILENO, &saved);
      quiet = saved;
      quiet.c_lflag &= ~(tcflag_t) ECHO;
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
    }
  line = fgets (buffer, sizeof buffer, stdin);
  if (!from_stdin)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
      g_printerr ("\n");
    }
  if (line == NULL)
    return NULL;
  buffer[strcspn (buffer, "\r\n")] = '\0';
  line = g_strdup (buffer);
  memset (buffer, 0, sizeof buffer);
  return line;
}

static gboolean
ask_yes_no (const char *question)
{
  char answer[16] = { 0 };

  if (!isatty (STDIN_FILENO))
    return FALSE;
  /* Translators: a yes/no question; the capital letter is the default (no) */
  g_printerr (_("%s [y/N] "), question);
  if (fgets (answer, sizeof answer, stdin) == NULL)
    return FALSE;
  /* Translators: the lowercase letter that answers "yes" to the question above */
  return answer[0] == 'y' || answer[0] == 'Y' || g_ascii_tolower (answer[0]) == C_("answer", "y")[0];
}

static CasellaServerConfig *
pick_incoming (CasellaMailConfig *config,
               const char        *protocol_name)
{
  CasellaProtocol protocol;

  if (protocol_name == NULL)
    return config->incoming->len ? config->incoming->pdata[0] : NULL;
  if (!casella_protocol_from_string (protocol_name, &protocol) || protocol == CASELLA_PROTOCOL_SMTP)
    return NULL;
  return casella_mail_config_get_incoming (config, protocol);
}

static CasellaVerifyResult *
verify (CasellaVerifyRequest  *request,
        CasellaVerifyFailure  *failure,
        GError               **error)
{
  CasellaCliWait wait = casella_cli_wait_new ();
  CasellaVerifyResult *result;

  casella_account_verify_async (request, NULL, casella_cli_on_done, &wait);
  result = casella_account_verify_finish (casella_cli_wait_for (&wait), failure, error);
  casella_cli_wait_clear (&wait);
  return result;
}

static gboolean
store_password (CasellaAccount         *account,
                CasellaCredentialRole   role,
                const char             *password,
                GError                **error)
{
  CasellaCliWait wait = casella_cli_wait_new ();
  gboolean ok;

  casella_credentials_store_async (account, role, password, NULL, casella_cli_on_done, &wait);
  ok = casella_credentials_store_finish (casella_cli_wait_for (&wait), error);
  casella_cli_wait_clear (&wait);
  return ok;
}

/* An OAuth2 account whose sign-in ended: the flow again, checked against
 * its servers, the new refresh token kept; its mail and settings stay. */
static int
sign_in_again (CasellaAccount *account,
               const char     *ca_file,
               gboolean        open_browser)
{
  g_autoptr(CasellaOAuth2Provider) provider = casella_oauth2_provider_lookup (casella_account_get_oauth2_provider (account));
  g_autoptr(GTlsDatabase) tls_database = casella_cli_load_ca (ca_file);
  g_autoptr(CasellaTokenSource) tokens = NULL;
  g_autoptr(CasellaMailConfig) config = casella_mail_config_new (CASELLA_SOURCE_BUNDLED);
  g_autoptr(CasellaVerifyRequest) request = NULL;
  g_autoptr(CasellaVerifyResult) verified = NULL;
  g_auto(CasellaVerifyFailure) failure = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *refresh = NULL;
  CasellaServerConfig *incoming = casella_account_get_incoming (account);
  CasellaServerConfig *outgoing = casella_account_get_outgoing (account);

  if (provider == NULL || !casella_oauth2_provider_is_usable (provider))
    {
      g_printerr (_("This build of Casella cannot sign in to %s.\n"), casella_account_get_address (account));
      return CASELLA_CLI_EXIT_USER_ACTION;
    }
  tokens = casella_cli_oauth2_sign_in (account, provider, incoming->protocol, open_browser, tls_database, &error);
  if (tokens == NULL)
    {
      casella_cli_oauth2_explain (error, provider);
      return casella_cli_exit_code (error);
    }
  /* The browser may have signed in someone else: the servers tell. */
  request = casella_verify_request_new (casella_account_get_address (account), NULL, config, incoming, outgoing);
  request->tls_database = tls_database ? g_object_ref (tls_database) : NULL;
  request->tokens = g_object_ref (tokens);
  request->approved_hosts = g_strdupv ((char *[]) { incoming->host, outgoing->host, NULL });
  request->pinned_incoming = casella_account_get_pinned_certificate (account, incoming->protocol);
  request->pinned_outgoing = casella_account_get_pinned_certificate (account, CASELLA_PROTOCOL_SMTP);
  if (request->pinned_incoming)
    g_bytes_ref (request->pinned_incoming);
  if (request->pinned_outgoing)
    g_bytes_ref (request->pinned_outgoing);
  if ((verified = verify (request, &failure, &error)) == NULL)
    {
      g_printerr (_("Not signed in: %s\n"), error->message);
      return casella_cli_exit_code (error);
    }
  refresh = casella_token_source_dup_refresh_token (tokens);
  if (!store_password (account, CASELLA_CREDENTIAL_OAUTH2, refresh, &error))
    {
      casella_secret_wipe (refresh);
      g_printerr (_("The sign-in could not be kept in the keyring: %s\n"), error->message);
      return CASELLA_CLI_EXIT_KEYRING;
    }
  casella_secret_wipe (refresh);
  g_print (_("Signed in again to %s\n"), casella_account_get_address (account));
  return CASELLA_CLI_EXIT_OK;
}

int
casella_cli_add (int    argc,
                 char **argv)
{
  DetectOptions opts = { 0 };
  g_autofree char *protocol = NULL, *name = NULL;
  g_auto(GStrv) approve = NULL;
  gboolean password_stdin = FALSE, allow_plaintext = FALSE, oauth = FALSE, no_browser = FALSE;
  GOptionEntry entries[] = {
    { "protocol", 0, 0, G_OPTION_ARG_STRING, &protocol, N_("Receive with imap or pop3"), N_("PROTOCOL") },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, N_("Read the password from standard input"), NULL },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Your name, as others will see it"), N_("NAME") },
    { "approve-host", 0, 0, G_OPTION_ARG_STRING_ARRAY, &approve, N_("Agree to send the password to HOST"), N_("HOST") },
    { "allow-plaintext", 0, 0, G_OPTION_ARG_NONE, &allow_plaintext,
      N_("Agree to send the password without encryption, to a server that offers none"), NULL },
    { "oauth", 0, 0, G_OPTION_ARG_NONE, &oauth,
      N_("Sign in on the provider’s own page (Google, Microsoft…) instead of giving a password"), NULL },
    { "no-browser", 0, 0, G_OPTION_ARG_NONE, &no_browser, N_("With --oauth: only print the link to open"), NULL },
    { NULL }
  };
  g_autofree GOptionEntry *detect_options = detect_entries (&opts);
  g_autoptr(GOptionContext) context = g_option_context_new (_("ADDRESS — find, check and save an account"));
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaAutodetectResult) detected = NULL;
  g_autoptr(CasellaVerifyRequest) request = NULL;
  g_autoptr(CasellaVerifyResult) verified = NULL;
  g_autoptr(CasellaAccount) account = NULL;
  g_autoptr(CasellaAccountStore) store = NULL;
  g_auto(CasellaVerifyFailure) failure = { 0 };
  g_autofree char *password = NULL;
  g_autoptr(CasellaOAuth2Provider) provider = NULL;
  g_autoptr(CasellaTokenSource) tokens = NULL;
  g_autoptr(GTlsDatabase) tls_database = NULL;
  CasellaMailConfig *config;
  CasellaServerConfig *incoming;
  const char *address;

  g_option_context_set_summary (context, "add");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, detect_options, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return casella_cli_usage_error (context, error->message);
  if (argc != 2 || !casella_address_is_valid (argv[1]))
    return casella_cli_usage_error (context, _("give one email address, like name@example.com"));
  address = argv[1];

  if (oauth && password_stdin)
    return casella_cli_usage_error (context, _("--oauth signs in without a password: drop --password-stdin"));
  store = casella_account_store_new (NULL);
  if (!casella_account_store_load (store, &error))
    {
      g_printerr ("casella-cli: %s\n", error->message);
      return CASELLA_CLI_EXIT_FAILURE;
    }
  if (oauth)
    {
      CasellaAccount *existing = casella_account_store_lookup (store, address);   /* the store's own */

      if (existing != NULL && casella_account_get_oauth2_provider (existing) != NULL)
        return sign_in_again (existing, opts.ca_file, !no_browser);
    }
  if (!oauth && (password = read_password (password_stdin, address)) == NULL)
    return casella_cli_usage_error (context, _("no password: type it, or give --password-stdin"));

  detected = run_detect (address, &opts, &error);
  if (detected == NULL || detected->configs->len == 0)
    {
      g_printerr (_("No settings found for %s.\n"), address);
      return CASELLA_CLI_EXIT_NOT_FOUND;
    }
  config = detected->configs->pdata[0];
  provider = casella_oauth2_provider_for_mail_provider (config->provider_id);
  if (oauth && provider == NULL)
    {
      g_printerr (_("%s has no sign-in page for other apps: add the account with its password.\n"),
                  config->provider_name ? config->provider_name : strrchr (address, '@') + 1);
      return CASELLA_CLI_EXIT_USER_ACTION;
    }
  if ((oauth || config->needs & CASELLA_NEEDS_OAUTH2_ONLY) && !casella_oauth2_provider_is_usable (provider))
    {
      g_printerr (_("%s only lets apps in through its own sign-in page, and this build of Casella is not registered "
                    "with it (the packager must give a client ID).\n"), config->provider_name);
      if (provider != NULL && provider->app_passwords)
        print_needs (config);
      return CASELLA_CLI_EXIT_USER_ACTION;
    }
  if (!oauth && config->needs & CASELLA_NEEDS_OAUTH2_ONLY)
    {
      g_printerr (_("%s only lets apps in through its own sign-in page: give --oauth.\n"), config->provider_name);
      return CASELLA_CLI_EXIT_USER_ACTION;
    }
  incoming = pick_incoming (config, protocol);
  if (incoming == NULL)
    {
      g_printerr (_("%s does not offer %s.\n"), config->provider_name, protocol ? protocol : "IMAP/POP3");
      return CASELLA_CLI_EXIT_NOT_FOUND;
    }

  tls_database = casella_cli_load_ca (opts.ca_file);
  account = casella_account_new (address);
  if (oauth)
    {
      tokens = casella_cli_oauth2_sign_in (account, provider, incoming->protocol, !no_browser, tls_database, &error);
      if (tokens == NULL)
        {
          casella_cli_oauth2_explain (error, provider);
          return casella_cli_exit_code (error);
        }
    }
  request = casella_verify_request_new (address, password, config, incoming, casella_mail_config_get_outgoing (config));
  request->tls_database = tls_database ? g_object_ref (tls_database) : NULL;
  request->tokens = tokens ? g_object_ref (tokens) : NULL;
  request->approved_hosts = g_steal_pointer (&approve);
  request->allow_plaintext = allow_plaintext;
  verified = verify (request, &failure, &error);

  if (verified == NULL && g_error_matches (error, CASELLA_VERIFY_ERROR, CASELLA_VERIFY_ERROR_APPROVAL_REQUIRED))
    {
      g_autofree char *question = g_strdup_printf (_("Your password would go to %s, which is not part of %s. Send it there?"),
                                                   failure.host, strrchr (address, '@') + 1);
      g_autoptr(GStrvBuilder) hosts = g_strv_builder_new ();

      if (!ask_yes_no (question))
        {
          g_printerr (_("Not added: %s (give --approve-host %s to agree).\n"), error->message, failure.host);
          return CASELLA_CLI_EXIT_USER_ACTION;
        }
      if (request->approved_hosts)
        g_strv_builder_addv (hosts, (const char **) request->approved_hosts);
      g_strv_builder_add (hosts, failure.host);
      g_strfreev (request->approved_hosts);
      request->approved_hosts = g_strv_builder_end (hosts);
      g_clear_error (&error);
      casella_verify_failure_clear (&failure);
      verified = verify (request, &failure, &error);
    }
  if (verified == NULL && g_error_matches (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PLAINTEXT_REFUSED))
    {
      g_printerr (_("Not added: %s does not encrypt the connection, so your password and your mail would travel "
                    "readable by anyone on the network. If you trust this network (a server at home or in your "
                    "office), give --allow-plaintext.\n"), failure.host ? failure.host : "");
      return CASELLA_CLI_EXIT_USER_ACTION;
    }
  if (verified == NULL)
    {
      g_printerr (_("Not added: %s\n"), error->message);
      print_needs (config);
      return casella_cli_exit_code (error);
    }

  if (verified->outgoing_unchecked)
    g_printerr (_("Note: the sending server did not ask for a password, so it could not be checked. Sending may "
                  "still be refused later.\n"));
  casella_account_set_display_name (account, name);
  casella_account_set_oauth2_provider (account, oauth ? provider->id : NULL);
  casella_account_set_provider (account, config->provider_id, config->provider_name);
  casella_account_set_incoming (account, verified->incoming);
  casella_account_set_outgoing (account, verified->outgoing);

  /* The password (or the sign-in) first: an account without one would
   * be half-made. */
  if (oauth)
    {
      g_autofree char *refresh = casella_token_source_dup_refresh_token (tokens);

      if (!store_password (account, CASELLA_CREDENTIAL_OAUTH2, refresh, &error))
        {
          casella_secret_wipe (refresh);
          g_printerr (_("Not added: the sign-in could not be kept in the keyring: %s\n"), error->message);
          return CASELLA_CLI_EXIT_KEYRING;
        }
      casella_secret_wipe (refresh);
    }
  else if (!store_password (account, CASELLA_CREDENTIAL_INCOMING, password, &error) ||
           !store_password (account, CASELLA_CREDENTIAL_OUTGOING, password, &error))
    {
      g_printerr (_("Not added: the password could not be kept in the keyring: %s\n"), error->message);
      return CASELLA_CLI_EXIT_KEYRING;
    }
  if (!casella_account_store_add (store, account, &error))
    {
      g_printerr (_("Not added: %s\n"), error->message);
      return CASELLA_CLI_EXIT_FAILURE;
    }

  g_print (_("Added %s (account %s)\n"), address, casella_account_get_id (account));
  print_server (protocol_label (verified->incoming->protocol), verified->incoming);
  print_server ("SMTP", verified->outgoing);
  g_free (opts.ispdb_url);
  g_free (opts.ca_file);
  return CASELLA_CLI_EXIT_OK;
}

/* ---- accounts ---- */

int
casella_cli_accounts (int    argc,
                      char **argv)
{
  gboolean json_output = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json_output, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— list the accounts"));
  g_autoptr(CasellaAccountStore) store = casella_account_store_new (NULL);
  g_autoptr(GError) error = NULL;
  CasellaJson json = { NULL };
  guint n;

  g_option_context_set_summary (context, "accounts");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 1)
    return casella_cli_usage_error (context, error ? error->message : _("this command takes no arguments"));
  if (!casella_account_store_load (store, &error))
    {
      g_printerr ("casella-cli: %s\n", error->message);
      return CASELLA_CLI_EXIT_FAILURE;
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (store));
  if (json_output)
    {
      json.out = g_string_new (NULL);
      casella_json_begin_array (&json, NULL);
    }
  else if (n == 0)
    g_print (_("No accounts yet. Add one with “casella-cli add ADDRESS”.\n"));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CasellaAccount) account = g_list_model_get_item (G_LIST_MODEL (store), i);

      if (json_output)
        {
          casella_json_begin_object (&json, NULL);
          casella_json_string (&json, "id", casella_account_get_id (account));
          casella_json_string (&json, "address", casella_account_get_address (account));
          casella_json_string (&json, "name", casella_account_get_display_name (account));
          casella_json_string (&json, "provider", casella_account_get_provider_name (account));
          casella_json_begin_array (&json, "servers");
          json_server (&json, casella_account_get_incoming (account));
          json_server (&json, casella_account_get_outgoing (account));
          casella_json_end_array (&json);
          casella_json_end_object (&json);
        }
      else
        {
          g_print ("%s  %s\n", casella_account_get_id (account), casella_account_get_address (account));
          print_server (protocol_label (casella_account_get_incoming (account)->protocol),
                        casella_account_get_incoming (account));
          print_server ("SMTP", casella_account_get_outgoing (account));
        }
    }
  if (json_output)
    {
      casella_json_end_array (&json);
      g_print ("%s\n", json.out->str);
      g_string_free (json.out, TRUE);
    }
  return CASELLA_CLI_EXIT_OK;
}

/* ---- remove ---- */

/* What removing would lose: mail that is only on this computer. */
static char *
describe_local (CasellaAccount *account)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaStore) store = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *path = casella_store_path_for_account (casella_account_get_id (account));
  CasellaLocalMail local;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  if ((store = casella_account_open_store (account, &error)) == NULL ||
      !casella_store_count_local (store, casella_account_get_incoming (account)->protocol == CASELLA_PROTOCOL_POP3,
                                  &local, &error))
    return g_strdup_printf (_("its mail here could not be checked (%s)"), error->message);
  if (local.unsent > 0)
    g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u message not sent yet", "%u messages not sent yet",
                                               local.unsent), local.unsent);
  if (local.drafts > 0)
    g_string_append_printf (text, "%s", text->len ? ", " : "");
  if (local.drafts > 0)
    g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u draft", "%u drafts", local.drafts), local.drafts);
  if (local.other > 0)
    g_string_append_printf (text, "%s", text->len ? ", " : "");
  if (local.other > 0)
    g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u other message", "%u other messages", local.other),
                            local.other);
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

int
casella_cli_remove (int    argc,
                    char **argv)
{
  gboolean force = FALSE;
  GOptionEntry entries[] = {
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_("Remove it even if some of its mail is only on this computer"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("ACCOUNT — forget an account and its password"));
  g_autoptr(CasellaAccountStore) store = casella_account_store_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *local = NULL;
  CasellaAccount *account;
  CasellaCliWait wait;

  g_option_context_set_summary (context, "remove");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return casella_cli_usage_error (context, error->message);
  if (argc != 2)
    return casella_cli_usage_error (context, _("give the account’s id or address"));
  if (!casella_account_store_load (store, &error))
    {
      g_printerr ("casella-cli: %s\n", error->message);
      return CASELLA_CLI_EXIT_FAILURE;
    }
  account = casella_account_store_lookup (store, argv[1]);
  if (account == NULL)
    {
      g_printerr (_("No account “%s”.\n"), argv[1]);
      return CASELLA_CLI_EXIT_NOT_FOUND;
    }
  /* Mail on the server stays there; what is only here would be lost. */
  if (!force && (local = describe_local (account)) != NULL)
    {
      g_printerr (_("Not removed: only this computer has %s. Save it first with “casella-cli export %s --all "
                    "FILE”, then remove with --force.\n"), local, argv[1]);
      return CASELLA_CLI_EXIT_USER_ACTION;
    }
  id = g_strdup (casella_account_get_id (account));
  casella_cli_oauth2_revoke (account);

  wait = casella_cli_wait_new ();
  casella_credentials_clear_async (id, NULL, casella_cli_on_done, &wait);
  if (!casella_credentials_clear_finish (casella_cli_wait_for (&wait), &error))
    {
      casella_cli_wait_clear (&wait);
      g_printerr (_("Not removed: the keyring refused: %s\n"), error->message);
      return CASELLA_CLI_EXIT_KEYRING;
    }
  casella_cli_wait_clear (&wait);
  if (!casella_account_store_remove (store, id, &error))
    {
      g_printerr (_("Not removed: %s\n"), error->message);
      return CASELLA_CLI_EXIT_FAILURE;
    }
  casella_account_forget_settings (id);
  if (!casella_store_delete_for_account (id, &error))
    g_printerr (_("Removed, but its mail is still on disk: %s\n"), error->message);
  g_print (_("Removed %s\n"), argv[1]);
  return CASELLA_CLI_EXIT_OK;
}
