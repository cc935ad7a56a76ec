/* driver.c — runs a fuzz harness over files, without libFuzzer
 *
 * Every file named on the command line, or every file in a directory
 * named there, goes through LLVMFuzzerTestOneInput once. This is how the
 * corpus is replayed in the normal test suite.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>

#include "fuzz.h"

static guint
run_path (const char *path)
{
  g_autofree char *data = NULL;
  gsize length;
  guint count = 0;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir && (name = g_dir_read_name (dir)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          count += run_path (child);
        }
      return count;
    }

  if (!g_file_get_contents (path, &data, &length, NULL))
    {
      g_printerr ("Cannot read %s\n", path);
      exit (1);
    }
  LLVMFuzzerTestOneInput ((const unsigned char *) data, length);
  return 1;
}

int
main (int argc, char **argv)
{
  guint count = 0;

  for (int i = 1; i < argc; i++)
    count += run_path (argv[i]);
  if (count == 0)
    {
      g_printerr ("No corpus files given\n");
      return 1;
    }
  g_print ("%u inputs replayed\n", count);
  return 0;
}
