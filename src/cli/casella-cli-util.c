/* casella-cli-util.c — what every command needs: waiting for the
 * engine, options for CAs, and exit codes from errors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-account-verify.h"
#include "casella-autodetect.h"
#include "casella-cli.h"
#include "casella-mail-error.h"
#include "casella-store.h"



void
casella_cli_on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  CasellaCliWait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

GAsyncResult *
casella_cli_wait_for (CasellaCliWait *wait)
{
  /* Done already, while another wait ran the loop. */
  if (wait->result == NULL)
    g_main_loop_run (wait->loop);
  return wait->result;
}

void
casella_cli_wait_clear (CasellaCliWait *wait)
{
  g_clear_object (&wait->result);
  g_clear_pointer (&wait->loop, g_main_loop_unref);
}

CasellaCliWait
casella_cli_wait_new (void)
{
  CasellaCliWait wait = { g_main_loop_new (NULL, FALSE), NULL };
  return wait;
}

int
casella_cli_usage_error (GOptionContext *context,
             const char     *message)
{
  g_printerr ("casella-cli: %s\n", message);
  g_printerr (_("Run “casella-cli %s --help” for help.\n"), g_option_context_get_summary (context));
  return CASELLA_CLI_EXIT_USAGE;
}

GTlsDatabase *
casella_cli_load_ca (const char *file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *absolute = NULL;
  GTlsDatabase *database;

  if (file == NULL)
    return NULL;
  absolute = g_canonicalize_filename (file, NULL);
  database = g_tls_file_database_new (absolute, &error);
  if (database == NULL)
    g_printerr (_("casella-cli: cannot read certificates from %s: %s\n"), file, error->message);
  return database;
}

/* Where to ask the central database: the setting, unless told otherwise. */
char *
casella_cli_default_ispdb_url (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;
  g_autoptr(GSettings) settings = NULL;

  if (schema == NULL)
    return g_strdup (CASELLA_DEFAULT_ISPDB_URL);
  settings = g_settings_new (APP_ID);
  return g_settings_get_string (settings, "ispdb-url");
}

int
casella_cli_exit_code (const GError *error)
{
  if (error->domain == CASELLA_VERIFY_ERROR)
    return error->code == CASELLA_VERIFY_ERROR_APPROVAL_REQUIRED ? CASELLA_CLI_EXIT_USER_ACTION
                                                                   : CASELLA_CLI_EXIT_FAILURE;
  if (error->domain == CASELLA_STORE_ERROR)
    return CASELLA_CLI_EXIT_STORE;
  if (error->domain == CASELLA_OAUTH2_ERROR)
    return error->code == CASELLA_OAUTH2_ERROR_INVALID_GRANT ? CASELLA_CLI_EXIT_AUTH
         : error->code == CASELLA_OAUTH2_ERROR_FAILED || error->code == CASELLA_OAUTH2_ERROR_BAD_RESPONSE
           ? CASELLA_CLI_EXIT_FAILURE
           : CASELLA_CLI_EXIT_USER_ACTION;   /* denied, the organisation's consent, no client ID, timed out */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return CASELLA_CLI_EXIT_USER_ACTION;
  if (error->domain != CASELLA_MAIL_ERROR)
    return CASELLA_CLI_EXIT_FAILURE;
  switch (error->code)
    {
    case CASELLA_MAIL_ERROR_AUTH_FAILED:
      return CASELLA_CLI_EXIT_AUTH;
    case CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED:
    case CASELLA_MAIL_ERROR_PROTOCOL_DISABLED:
    case CASELLA_MAIL_ERROR_OAUTH_REQUIRED:
    case CASELLA_MAIL_ERROR_AUTH_MECHANISM_UNSUPPORTED:
      return CASELLA_CLI_EXIT_USER_ACTION;
    case CASELLA_MAIL_ERROR_CERTIFICATE_UNTRUSTED:
      return CASELLA_CLI_EXIT_CERTIFICATE;
    case CASELLA_MAIL_ERROR_CONNECTION_REFUSED:
    case CASELLA_MAIL_ERROR_HOST_NOT_FOUND:
    case CASELLA_MAIL_ERROR_TIMEOUT:
    case CASELLA_MAIL_ERROR_CONNECTION_LOST:
      return CASELLA_CLI_EXIT_NETWORK;
    default:
      return CASELLA_CLI_EXIT_FAILURE;
    }
}

