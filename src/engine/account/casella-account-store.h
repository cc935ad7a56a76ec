/* casella-account-store.h — the accounts, kept in the user's config folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-account.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_ACCOUNT_STORE (casella_account_store_get_type ())
G_DECLARE_FINAL_TYPE (CasellaAccountStore, casella_account_store, CASELLA, ACCOUNT_STORE, GObject)

/* dir NULL: ~/.config/casella. The store is a GListModel of CasellaAccount. */
CasellaAccountStore *casella_account_store_new      (const char           *dir);
const char          *casella_account_store_get_path (CasellaAccountStore  *self);
gboolean             casella_account_store_load     (CasellaAccountStore  *self,
                                                     GError              **error);
gboolean             casella_account_store_add      (CasellaAccountStore  *self,
                                                     CasellaAccount       *account,
                                                     GError              **error);
gboolean             casella_account_store_save     (CasellaAccountStore  *self,
                                                     GError              **error);
gboolean             casella_account_store_remove   (CasellaAccountStore  *self,
                                                     const char           *id,
                                                     GError              **error);
CasellaAccount      *casella_account_store_lookup   (CasellaAccountStore  *self,
                                                     const char           *id_or_address);

/* The accounts as they are now, written on a worker thread (the file
 * is synced to disk: the UI does not wait for that). */
void                 casella_account_store_save_async  (CasellaAccountStore  *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean             casella_account_store_save_finish (CasellaAccountStore  *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
/* An account's settings changed here: the list says so (a new name). */
void                 casella_account_store_changed  (CasellaAccountStore  *self,
                                                     CasellaAccount       *account);

/* What the app kept in GSettings for an account (senders whose images
 * show…), reset when the account goes. */
void                 casella_account_forget_settings (const char      *account_id);

G_END_DECLS
