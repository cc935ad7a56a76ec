/* casella-servers-dialog.h — an account's servers changed by hand, and
 * saved only once both have taken the sign-in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "casella-account-store.h"
#include "casella-mail-session.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_SERVERS_DIALOG (casella_servers_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CasellaServersDialog, casella_servers_dialog, CASELLA, SERVERS_DIALOG, AdwWindow)

/* "saved" is emitted once the new servers are checked and in the
 * account file; the session then needs starting anew. */
CasellaServersDialog *casella_servers_dialog_new (GtkWindow           *parent,
                                                  CasellaAccountStore *accounts,
                                                  CasellaAccount      *account,
                                                  CasellaMailSession  *session);

G_END_DECLS
