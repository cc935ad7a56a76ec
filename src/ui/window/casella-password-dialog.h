/* casella-password-dialog.h — "Enter the new password": for an account
 * whose server refused the saved one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "casella-mail-session.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_PASSWORD_DIALOG (casella_password_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CasellaPasswordDialog, casella_password_dialog, CASELLA, PASSWORD_DIALOG, AdwWindow)

/* refusal: what the server said (it picks the words and the help link).
 * "saved" is emitted once the new password passed the server's check,
 * is in the keyring and the session signs in with it. */
CasellaPasswordDialog *casella_password_dialog_new (GtkWindow          *parent,
                                                    CasellaMailSession *session,
                                                    const GError       *refusal);

G_END_DECLS
