/* main.c — the casella GUI executable
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-application.h"
#include "casella-engine.h"

/* Without a GPU render node, OpenGL would be Mesa's software rasteriser:
 * slower than GTK's cairo renderer for a UI like ours, and about 130 MB
 * more memory (measured under Xvfb: 0.36 s and 175 MB against 0.16 s
 * and 48 MB). Then draw with cairo and leave GL alone, unless the user
 * chose a renderer. */
static void
casella_choose_renderer (void)
{
  g_autoptr(GDir) dri = NULL;
  const char *name;

  if (g_getenv ("GSK_RENDERER") != NULL || g_getenv ("GDK_DEBUG") != NULL)
    return;
  dri = g_dir_open ("/dev/dri", 0, NULL);
  while (dri != NULL && (name = g_dir_read_name (dri)))
    if (g_str_has_prefix (name, "renderD"))
      return;
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GDK_DEBUG", "gl-disable", FALSE);
  /* WebKit's web process, for HTML mail: its DMA-BUF renderer would go
   * through software GL too (225 MB against 159 MB under Xvfb). */
  g_setenv ("WEBKIT_DISABLE_DMABUF_RENDERER", "1", FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CasellaApplication) app = NULL;

  g_log_writer_default_set_use_stderr (TRUE);
  casella_choose_renderer ();
  casella_i18n_init ();
  casella_engine_init ();

  app = casella_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
