/* main.c — the casella GUI executable
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-application.h"
#include "casella-engine.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CasellaApplication) app = NULL;

  casella_i18n_init ();
  casella_engine_init ();

  app = casella_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
