/* casella-cli.c — the engine from a terminal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-cli.h"
#include "casella-engine.h"

static int
casella_cli_version (int argc, char **argv)
{
  g_print ("casella-cli %s\n", casella_engine_get_version ());
  return CASELLA_CLI_EXIT_OK;
}

static int casella_cli_help (int argc, char **argv);

static const CasellaCliCommand commands[] = {
  { "detect", N_("Find the mail settings for an address"), casella_cli_detect },
  { "add", N_("Find, check and save an account"), casella_cli_add },
  { "accounts", N_("List the accounts"), casella_cli_accounts },
  { "remove", N_("Forget an account and its password"), casella_cli_remove },
  { "sync", N_("Bring an account’s mail here up to date"), casella_cli_sync },
  { "list", N_("List the messages in a folder"), casella_cli_list },
  { "show", N_("Show one message"), casella_cli_show },
  { "search", N_("Find messages"), casella_cli_search },
  { "send", N_("Send a message read from standard input"), casella_cli_send },
  { "outbox", N_("What waits to be sent; send again or delete"), casella_cli_outbox },
  { "export", N_("Save a folder’s messages as an mbox file"), casella_cli_export },
  { "pec-status", N_("Where a certified (PEC) message you sent got to"), casella_cli_pec_status },
  { "help", N_("Show this help"), casella_cli_help },
  { "version", N_("Show the version"), casella_cli_version },
};

static int
casella_cli_help (int argc, char **argv)
{
  g_print ("%s\n\n", _("Usage: casella-cli COMMAND [OPTIONS…]"));
  g_print ("%s\n", _("Commands:"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    g_print ("  %-10s %s\n", commands[i].name, _(commands[i].summary));
  g_print ("\n%s\n", _("Run “casella-cli COMMAND --help” for a command’s options."));
  return CASELLA_CLI_EXIT_OK;
}

int
main (int   argc,
      char *argv[])
{
  /* stdout is the commands' output (--json); diagnostics go apart. */
  g_log_writer_default_set_use_stderr (TRUE);
  casella_i18n_init ();
  casella_engine_init ();

  argc = casella_cli_take_oauth2_override (argc, argv);
  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    return casella_cli_help (argc, argv);
  if (g_str_equal (argv[1], "--version"))
    return casella_cli_version (argc, argv);

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].run (argc - 1, argv + 1);

  g_printerr (_("casella-cli: unknown command “%s”. Run “casella-cli help”.\n"), argv[1]);
  return CASELLA_CLI_EXIT_USAGE;
}
