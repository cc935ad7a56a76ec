/* casella-certificate-dialog.h — a server whose certificate is not the
 * one the user trusted: the old and the new side by side, in plain
 * words, and the choice to trust the new one or keep refusing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "casella-account-store.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_CERTIFICATE_DIALOG (casella_certificate_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CasellaCertificateDialog, casella_certificate_dialog, CASELLA, CERTIFICATE_DIALOG, AdwWindow)

/* Looks at the account's servers' certificates now (tls_database NULL:
 * the system's). "trusted" is emitted once the account's pins changed
 * and are saved (a new one trusted, or one no longer needed). */
CasellaCertificateDialog *casella_certificate_dialog_new (GtkWindow           *parent,
                                                          CasellaAccountStore *accounts,
                                                          CasellaAccount      *account,
                                                          GTlsDatabase        *tls_database);

G_END_DECLS
