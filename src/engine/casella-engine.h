/* casella-engine.h — entry point of the mail engine (no GTK here)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void        casella_engine_init        (void);
void        casella_i18n_init          (void);
const char *casella_engine_get_version (void);

G_END_DECLS
