/* casella-test-cli.c — running casella-cli as a user would, from a test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-test-cli.h"

void
casella_test_run_clear (CasellaTestRun *run)
{
  g_free (run->out);
  g_free (run->err);
}

/* The test's own folders: GLib's isolation does not reach children. */
static GSubprocessLauncher *
launcher_new (GSubprocessFlags  flags,
              const char       *debug)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_setenv (launcher, "HOME", g_get_home_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", g_get_user_cache_dir (), TRUE);
  if (debug != NULL)
    g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", debug, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "G_MESSAGES_DEBUG");
  return launcher;
}

static GStrv
full_argv (const char * const *args)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_add (builder, g_getenv ("CASELLA_CLI"));
  g_strv_builder_addv (builder, (const char **) args);
  return g_strv_builder_end (builder);
}

CasellaTestRun
casella_test_cli_argv (const char         *debug,
                       const char         *input,
                       const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                          G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                          G_SUBPROCESS_FLAGS_STDERR_PIPE, debug);
  g_auto(GStrv) argv = full_argv (args);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  CasellaTestRun run = { 0 };

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, &run.out, &run.err, &error);
  g_assert_no_error (error);
  run.status = g_subprocess_get_exit_status (process);
  g_test_message ("casella-cli %s → %d\n%s%s", argv[1], run.status, run.out, run.err);
  return run;
}

CasellaTestRun
casella_test_cli (const char *debug,
                  const char *input,
                  ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  va_start (ap, input);
  while ((arg = va_arg (ap, const char *)))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return casella_test_cli_argv (debug, input, (const char * const *) args->pdata);
}

GSubprocess *
casella_test_cli_spawn (const char         *debug,
                        const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                          (debug ? G_SUBPROCESS_FLAGS_STDERR_PIPE
                                                                 : G_SUBPROCESS_FLAGS_STDERR_SILENCE), debug);
  g_auto(GStrv) argv = full_argv (args);
  g_autoptr(GError) error = NULL;
  GSubprocess *process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);

  g_assert_no_error (error);
  return process;
}
