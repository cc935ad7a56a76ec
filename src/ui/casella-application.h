/* casella-application.h — the GUI application object
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "casella-mail-session.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_APPLICATION (casella_application_get_type ())
G_DECLARE_FINAL_TYPE (CasellaApplication, casella_application, CASELLA, APPLICATION, AdwApplication)

CasellaApplication *casella_application_new         (void);
/* The running session of an account; NULL until its password is read. */
CasellaMailSession *casella_application_get_session (CasellaApplication *self,
                                                     const char         *account_id);

/* Stops the account's session and starts a new one, which reads the
 * account's settings again (a certificate trusted anew). */
void                casella_application_restart_session (CasellaApplication *self,
                                                         const char         *account_id);
/* Removes an account for good: its password and tokens leave the
 * keyring, its settings go, its session stops, then its mail on this
 * computer is deleted (what is on the server stays there). */
void                casella_application_remove_account_async  (CasellaApplication  *self,
                                                               const char          *account_id,
                                                               GAsyncReadyCallback  callback,
                                                               gpointer             user_data);
gboolean            casella_application_remove_account_finish (CasellaApplication  *self,
                                                               GAsyncResult        *result,
                                                               GError             **error);

G_END_DECLS
