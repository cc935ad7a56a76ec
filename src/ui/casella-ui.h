/* casella-ui.h — set-up shared by every widget of the UI library
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

void                casella_ui_init             (void);
void                casella_ui_label_entry_rows (GtkWidget *root);
/* One account's choices in GSettings (io.github.casellamail.Casella.Account). */
GSettings          *casella_ui_account_settings (const char *account_id);
/* A list factory whose rows are made, filled and emptied by these. */
GtkListItemFactory *casella_ui_row_factory_new  (GCallback  setup,
                                                 GCallback  bind,
                                                 GCallback  unbind);

/* A toast showing text as it is: a server's "<user@host>" is no markup. */
AdwToast           *casella_toast_new           (const char *text);

G_END_DECLS
