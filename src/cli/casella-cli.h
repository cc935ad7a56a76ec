/* casella-cli.h — shared bits of the casella-cli commands
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit codes scripts can rely on; documented in README.md. */
typedef enum {
  CASELLA_CLI_EXIT_OK = 0,
  CASELLA_CLI_EXIT_FAILURE = 1,
  CASELLA_CLI_EXIT_USAGE = 2,
} CasellaCliExit;

typedef struct {
  const char *name;
  const char *summary;
  int (*run) (int argc, char **argv);
} CasellaCliCommand;

G_END_DECLS
