/* casella-provider-db.h — the provider database bundled with Casella
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-mail-config.h"

G_BEGIN_DECLS

typedef struct _CasellaProviderDb CasellaProviderDb;

CasellaProviderDb *casella_provider_db_get_default  (void);
CasellaProviderDb *casella_provider_db_new_from_data (const char        *data,
                                                      gsize              length,
                                                      GError           **error);
void               casella_provider_db_free         (CasellaProviderDb *db);
CasellaMailConfig *casella_provider_db_lookup       (CasellaProviderDb *db,
                                                     const char        *domain);
CasellaMailConfig *casella_provider_db_lookup_id    (CasellaProviderDb *db,
                                                     const char        *provider_id);
guint              casella_provider_db_get_n_domains (CasellaProviderDb *db);
GStrv              casella_provider_db_dup_domains  (CasellaProviderDb *db);

G_END_DECLS
