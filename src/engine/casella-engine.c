/* casella-engine.c — entry point of the mail engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <locale.h>

#include "casella-engine.h"
#include "casella-engine-resources.h"
#include "casella-engine-util.h"

/* gmime keeps global tables (charsets, parser options); set them up once
 * for the whole process, whichever front end starts first. */
void
casella_engine_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      g_mime_init ();
      /* Registered by hand: in a static library a constructor would be
       * dropped by the linker. */
      casella_engine_register_resource ();
      g_once_init_leave (&initialized, 1);
    }
}

const char *
casella_engine_get_version (void)
{
  return PACKAGE_VERSION;
}

/* CASELLA_LOCALEDIR lets the build tree's translations be used before
 * installing (set by `meson devenv`, which ./dev run uses). */
void
casella_i18n_init (void)
{
  const char *localedir = g_getenv ("CASELLA_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

/* Like g_timeout_add(), but on the thread-default main context, where the
 * engine's asynchronous operations run. */
guint
casella_timeout_add (guint       interval_ms,
                     GSourceFunc function,
                     gpointer    data)
{
  g_autoptr(GSource) source = g_timeout_source_new (interval_ms);

  g_source_set_callback (source, function, data, NULL);
  return g_source_attach (source, g_main_context_get_thread_default ());
}

/* Like g_idle_add(), but on the thread-default main context. */
guint
casella_idle_add (GSourceFunc function,
                  gpointer    data)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_callback (source, function, data, NULL);
  return g_source_attach (source, g_main_context_get_thread_default ());
}

void
casella_source_remove (guint id)
{
  GSource *source = g_main_context_find_source_by_id (g_main_context_get_thread_default (), id);

  if (source != NULL)
    g_source_destroy (source);
}
