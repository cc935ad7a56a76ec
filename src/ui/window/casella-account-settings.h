/* casella-account-settings.h — one account's settings: the name people
 * see, the signature, what POP3 leaves on the server, the servers (under
 * Advanced), and removing the account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "casella-account-store.h"
#include "casella-mail-session.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_ACCOUNT_SETTINGS (casella_account_settings_get_type ())
G_DECLARE_FINAL_TYPE (CasellaAccountSettings, casella_account_settings, CASELLA, ACCOUNT_SETTINGS,
                      AdwPreferencesWindow)

/* Changes are saved as they are made. session: the account's, for what
 * lives only here (may be NULL before it starts). */
CasellaAccountSettings *casella_account_settings_new (GtkWindow           *parent,
                                                      CasellaAccountStore *accounts,
                                                      CasellaAccount      *account,
                                                      CasellaMailSession  *session);

G_END_DECLS
