/* casella-test-cli.h — running casella-cli as a user would, from a test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  int   status;
  char *out;
  char *err;
} CasellaTestRun;

void            casella_test_run_clear  (CasellaTestRun *run);

/* casella-cli (CASELLA_CLI) with the NULL-terminated arguments and
 * input on stdin, in the test's own home and XDG folders; waits for it.
 * debug: G_MESSAGES_DEBUG for it, or NULL for none. */
CasellaTestRun  casella_test_cli        (const char *debug,
                                         const char *input,
                                         ...) G_GNUC_NULL_TERMINATED;
CasellaTestRun  casella_test_cli_argv   (const char         *debug,
                                         const char         *input,
                                         const char * const *args);
/* Started, not waited for: stdin closed, stdout and stderr piped
 * (stderr too when debug is set, to follow its log). */
GSubprocess    *casella_test_cli_spawn  (const char         *debug,
                                         const char * const *args);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CasellaTestRun, casella_test_run_clear)

G_END_DECLS
