/* casella-ui.h — set-up shared by every widget of the UI library
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void casella_ui_init (void);

G_END_DECLS
