/* casella-cli-oauth2.c — signing in with Google, Microsoft and others
 * from a terminal: the browser if there is one, the link always
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "casella-cli.h"
#include "casella-credentials.h"
#include "casella-oauth2-flow.h"

/* The whole sign-in, browser included, may take this long. */
#define SIGN_IN_TIMEOUT_SECONDS 600

/* The hidden --oauth2-providers=FILE (anywhere on the command line):
 * tests point the providers at their own authorization server. */
int
casella_cli_take_oauth2_override (int    argc,
                                  char **argv)
{
  int kept = 0;

  for (int i = 0; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!g_str_has_prefix (argv[i], "--oauth2-providers="))
        {
          argv[kept++] = argv[i];
          continue;
        }
      if (!casella_oauth2_provider_add_from_file (argv[i] + strlen ("--oauth2-providers="), &error))
        g_printerr ("casella-cli: %s\n", error->message);
    }
  argv[kept] = NULL;
  return kept;
}

static void
say_open_browser (const char *uri,
                  gboolean    opened)
{
  if (opened)
    g_printerr (_("Your browser shows the sign-in page. If it did not open, open this link:\n"));
  else
    g_printerr (_("Open this link in a web browser to sign in:\n"));
  /* The link alone on stdout, so scripts can take it. */
  g_print ("%s\n", uri);
  fflush (stdout);
  g_printerr (_("Waiting for you to sign in… (Ctrl+C to stop)\n"));
}

CasellaTokenSource *
casella_cli_oauth2_sign_in (CasellaAccount         *account,
                            CasellaOAuth2Provider  *provider,
                            CasellaProtocol         incoming,
                            gboolean                open_browser,
                            GTlsDatabase           *tls_database,
                            GError                **error)
{
  CasellaProtocol protocols[] = { incoming, CASELLA_PROTOCOL_SMTP };
  g_autofree char *scope = casella_oauth2_provider_dup_scope (provider, protocols, G_N_ELEMENTS (protocols));
  g_autoptr(CasellaOAuth2Flow) flow = casella_oauth2_flow_new (provider, scope, casella_account_get_address (account));
  g_autoptr(CasellaOAuth2Tokens) tokens = NULL;
  g_autoptr(GError) launch_error = NULL;
  CasellaCliWait wait = casella_cli_wait_new ();
  CasellaTokenSource *source;
  gboolean opened = FALSE;

  casella_oauth2_flow_set_tls_database (flow, tls_database);
  if (!casella_oauth2_flow_start (flow, error))
    return NULL;
  if (open_browser)
    {
      opened = g_app_info_launch_default_for_uri (casella_oauth2_flow_get_uri (flow), NULL, &launch_error);
      if (!opened)
        g_debug ("No browser opened: %s", launch_error->message);
    }
  say_open_browser (casella_oauth2_flow_get_uri (flow), opened);
  casella_oauth2_flow_wait_async (flow, SIGN_IN_TIMEOUT_SECONDS, NULL, casella_cli_on_done, &wait);
  tokens = casella_oauth2_flow_wait_finish (flow, casella_cli_wait_for (&wait), error);
  casella_cli_wait_clear (&wait);
  if (tokens == NULL)
    return NULL;
  if (tokens->refresh_token == NULL)
    {
      g_set_error (error, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_BAD_RESPONSE,
                   "%s gave no refresh token: Casella could sign in only once", provider->name);
      return NULL;
    }
  source = casella_token_source_new (account, provider, tokens->refresh_token, tls_database);
  casella_token_source_seed (source, tokens);
  return source;
}

/* What went wrong with a sign-in, in words for the person at the terminal. */
void
casella_cli_oauth2_explain (const GError          *error,
                            CasellaOAuth2Provider *provider)
{
  if (error->domain != CASELLA_OAUTH2_ERROR)
    {
      g_printerr (_("Not signed in: %s\n"), error->message);
      return;
    }
  switch (error->code)
    {
    case CASELLA_OAUTH2_ERROR_DENIED:
      g_printerr (_("You did not allow Casella to use your %s account, so nothing was added.\n"), provider->name);
      break;
    case CASELLA_OAUTH2_ERROR_ADMIN_CONSENT:
      g_printerr (_("Your organisation must allow Casella first. Ask the person who looks after email at your work "
                    "or school to approve Casella for your account, then try again.\n"));
      break;
    case CASELLA_OAUTH2_ERROR_TIMEOUT:
      g_printerr (_("Nobody signed in on the %s page in time. Run the same command to try again.\n"), provider->name);
      break;
    case CASELLA_OAUTH2_ERROR_NOT_CONFIGURED:
    case CASELLA_OAUTH2_ERROR_CLIENT_REJECTED:
      g_printerr (_("This build of Casella cannot sign in to %s: whoever packaged it did not register it with %s.\n"),
                  provider->name, provider->name);
      break;
    case CASELLA_OAUTH2_ERROR_INVALID_GRANT:
      g_printerr (_("%s ended the sign-in. Sign in again.\n"), provider->name);
      break;
    default:
      g_printerr (_("%s’s sign-in did not work (%s). Try again in a while.\n"), provider->name, error->message);
      break;
    }
}

/* An account going away: the provider forgets its sign-in too, where it
 * offers that (best effort: the keyring entry goes either way). */
void
casella_cli_oauth2_revoke (CasellaAccount *account)
{
  g_autoptr(CasellaOAuth2Provider) provider = casella_oauth2_provider_lookup (casella_account_get_oauth2_provider (account));
  g_autoptr(GError) error = NULL;
  char *refresh;

  if (provider == NULL || provider->revoke_url == NULL)
    return;
  refresh = casella_credentials_lookup_sync (account, CASELLA_CREDENTIAL_OAUTH2, NULL, NULL);
  if (refresh != NULL && !casella_oauth2_revoke_sync (provider, refresh, NULL, NULL, &error))
    g_debug ("The provider could not be told to forget the sign-in: %s", error->message);
  casella_credentials_free (refresh);
}

/* The provider ended the sign-in (password changed, access withdrawn). */
void
casella_cli_oauth2_say_sign_in_again (CasellaAccount *account,
                                      const GError   *error)
{
  if (g_error_matches (error, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_INVALID_GRANT))
    g_printerr (_("Sign in again to %s: casella-cli add --oauth %s (nothing is lost).\n"),
                casella_account_get_address (account), casella_account_get_address (account));
}

CasellaTokenSource *
casella_cli_oauth2_tokens_for (CasellaAccount  *account,
                               GTlsDatabase    *tls_database,
                               GError         **error)
{
  g_autoptr(CasellaOAuth2Provider) provider = casella_oauth2_provider_lookup (casella_account_get_oauth2_provider (account));
  g_autofree char *refresh = NULL;
  CasellaTokenSource *source;

  if (provider == NULL)
    {
      g_set_error (error, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_NOT_CONFIGURED,
                   "This build of Casella does not know the sign-in “%s”",
                   casella_account_get_oauth2_provider (account));
      return NULL;
    }
  refresh = casella_credentials_lookup_sync (account, CASELLA_CREDENTIAL_OAUTH2, NULL, error);
  if (refresh == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, CASELLA_OAUTH2_ERROR, CASELLA_OAUTH2_ERROR_INVALID_GRANT,
                     "No sign-in is saved in the keyring");
      return NULL;
    }
  source = casella_token_source_new (account, provider, refresh, tls_database);
  casella_credentials_free (g_steal_pointer (&refresh));
  return source;
}
