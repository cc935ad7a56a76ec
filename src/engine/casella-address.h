/* casella-address.h — email addresses as people type them: the base
 * layer's, for detection, accounts and composing alike
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "Anna@Esempio.IT" → "esempio.it"; NULL without an "@". */
char     *casella_address_get_domain     (const char *address);
char     *casella_address_get_local_part (const char *address);
gboolean  casella_address_is_valid       (const char *address);
/* One address of a list as a row shows it, after those already in out:
 * "Name <address>", or the address alone when it has no name. */
void      casella_address_append_shown   (GString    *out,
                                          const char *name,
                                          const char *address);

G_END_DECLS
