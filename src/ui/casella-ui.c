/* casella-ui.c — set-up shared by every widget of the UI library
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "casella-ui.h"
#include "casella-ui-resources.h"

/* The resources are registered by hand: in a static library nothing
 * references the generated object, so a constructor in it would be
 * dropped by the linker. Widgets call this before loading templates. */
void
casella_ui_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      casella_ui_register_resource ();
      g_once_init_leave (&initialized, 1);
    }
}
