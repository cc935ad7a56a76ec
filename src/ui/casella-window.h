/* casella-window.h — the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CASELLA_TYPE_WINDOW (casella_window_get_type ())
G_DECLARE_FINAL_TYPE (CasellaWindow, casella_window, CASELLA, WINDOW, AdwApplicationWindow)

CasellaWindow *casella_window_new       (AdwApplication *application);
void           casella_window_add_toast (CasellaWindow  *self,
                                         const char     *title);

G_END_DECLS
