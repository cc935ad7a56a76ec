/* casella-engine-util.h — small helpers shared inside the engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

guint casella_timeout_add (guint       interval_ms,
                           GSourceFunc function,
                           gpointer    data);

guint casella_idle_add    (GSourceFunc function,
                           gpointer    data);

/* g_source_remove() for sources made by the two above: they live on the
 * thread-default context, which may not be the global one. */
void  casella_source_remove (guint      id);

G_END_DECLS
