/* casella-address-completion.h — suggestions under an address field
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "casella-store.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_ADDRESS_COMPLETION (casella_address_completion_get_type ())
G_DECLARE_FINAL_TYPE (CasellaAddressCompletion, casella_address_completion, CASELLA, ADDRESS_COMPLETION, GObject)

/* Suggests, for the address being typed in row (the text after the last
 * comma), the people of store's mail; own: the account's address, never
 * suggested. The completion lives as long as the row. */
CasellaAddressCompletion *casella_address_completion_attach (AdwEntryRow  *row,
                                                             CasellaStore *store,
                                                             const char   *own);
/* The suggestions on show (tests). */
GtkWidget                *casella_address_completion_get_list (CasellaAddressCompletion *self);
gboolean                  casella_address_completion_is_open  (CasellaAddressCompletion *self);

G_END_DECLS
