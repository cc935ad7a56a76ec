/* casella-demo.c — `./dev run --demo`: a private mail server with a demo
 * account full of sample mail, and Casella opened on it
 *
 * Runs inside a private D-Bus session with its own keyring and its own
 * config and data folders (see ./dev), so nothing of the person's own
 * accounts is touched. The demo servers' certificate is trusted for the
 * demo account only: it is pinned in the account's settings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-account-store.h"
#include "casella-engine.h"
#include "casella-test-account.h"
#include "casella-test-demo.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"

static CasellaAccount *
demo_account (CasellaTestDovecot *dovecot,
              CasellaTestSmtp    *sink)
{
  CasellaAccount *account = casella_test_account_new (CASELLA_DEMO_ADDRESS, CASELLA_DEMO_NAME,
                                                      casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS),
                                                      casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_SMTPS));

  casella_account_set_provider (account, NULL, "Casella Demo");
  casella_account_set_signature (account, "Marco\nmarco@demo.test");
  /* Its PEC folder shows certified mail read as such; the setting
   * changes nothing for ordinary mail. */
  casella_account_set_pec (account, TRUE);
  return account;
}

int
main (int argc, char **argv)
{
  g_autoptr(CasellaTestDovecot) dovecot = casella_test_dovecot_new ();
  g_autoptr(CasellaTestSmtp) sink = casella_test_smtp_new ();
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  g_autoptr(CasellaAccount) account = NULL;
  g_autoptr(GSubprocess) casella = NULL;
  g_autoptr(GError) error = NULL;
  guint messages;

  if (argc < 2)
    {
      g_printerr ("usage: casella-demo PATH-TO-CASELLA [ARGS…]\n");
      return 2;
    }
  casella_engine_init ();
  casella_test_dovecot_add_user (dovecot, CASELLA_DEMO_ADDRESS, CASELLA_DEMO_PASSWORD);
  casella_test_smtp_add_user (sink, CASELLA_DEMO_ADDRESS, CASELLA_DEMO_PASSWORD);
  if (!casella_test_dovecot_start (dovecot, &error) || !casella_test_smtp_start (sink, &error) ||
      (messages = casella_test_demo_fill (dovecot, CASELLA_DEMO_ADDRESS, &error)) == 0)
    {
      g_printerr ("casella-demo: cannot start the demo mail server: %s\n", error->message);
      return 1;
    }
  account = demo_account (dovecot, sink);
  if (!casella_test_account_store_password (account, CASELLA_DEMO_PASSWORD, &error) ||
      !casella_account_store_load (accounts, &error) || !casella_account_store_add (accounts, account, &error))
    {
      g_printerr ("casella-demo: cannot set up the demo account: %s\n", error->message);
      return 1;
    }
  g_print ("Demo account %s with %u messages (IMAPS port %u, SMTP port %u). Close Casella to end the demo.\n",
           CASELLA_DEMO_ADDRESS, messages, casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS),
           casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_SMTPS));
  casella = g_subprocess_newv ((const char * const *) argv + 1, G_SUBPROCESS_FLAGS_NONE, &error);
  if (casella == NULL || !g_subprocess_wait (casella, NULL, &error))
    {
      g_printerr ("casella-demo: %s\n", error->message);
      return 1;
    }
  return g_subprocess_get_exit_status (casella);
}
