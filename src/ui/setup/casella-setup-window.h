/* casella-setup-window.h — the assistant that turns an address and a
 * password into a working account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "casella-account-store.h"
#include "casella-autodetect.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_SETUP_WINDOW (casella_setup_window_get_type ())
G_DECLARE_FINAL_TYPE (CasellaSetupWindow, casella_setup_window, CASELLA, SETUP_WINDOW, AdwWindow)

/* The account is added to store; "account-added" says so. */
CasellaSetupWindow *casella_setup_window_new                     (GtkApplication                 *application,
                                                                  CasellaAccountStore            *store);
/* Where to look and whom to trust: the defaults suit real use; tests
 * point them at their own servers. */
void                casella_setup_window_set_autodetect_options  (CasellaSetupWindow             *self,
                                                                  const CasellaAutodetectOptions *options);
void                casella_setup_window_set_tls_database        (CasellaSetupWindow             *self,
                                                                  GTlsDatabase                   *database);
const char         *casella_setup_window_get_page                (CasellaSetupWindow             *self);
CasellaAccount     *casella_setup_window_get_account             (CasellaSetupWindow             *self);

G_END_DECLS
