/* casella-mail-session-private.h — for the session's other files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-account-sync.h"
#include "casella-mail-session.h"

G_BEGIN_DECLS

/* How the session signs in now (callable from any thread; the strings
 * stay valid while the session lives). */
CasellaAccountSyncOptions casella_mail_session_get_sync_options (CasellaMailSession *self);

G_END_DECLS
