/* casella-autodetect-private.h — what the sources share with the ranking
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "casella-autodetect.h"

G_BEGIN_DECLS

/* Starts one source; it ends by calling casella_autodetect_source_done(). */
typedef void (*CasellaSourceStart) (CasellaAutodetect *self,
                                    GCancellable      *cancellable);

const CasellaAutodetectOptions *casella_autodetect_get_options (CasellaAutodetect *self);
const char                     *casella_autodetect_get_domain  (CasellaAutodetect *self);
SoupSession                    *casella_autodetect_get_session (CasellaAutodetect *self);
/* configs: resolved CasellaMailConfig for the address (complete ones are
 * kept); NULL or empty: nothing found. detail: URL or reason. */
void                            casella_autodetect_source_done (CasellaAutodetect   *self,
                                                                CasellaConfigSource  source,
                                                                GPtrArray           *configs,
                                                                const char          *detail,
                                                                const GError        *error);

void casella_source_bundled_start    (CasellaAutodetect *self, GCancellable *cancellable);
void casella_source_autoconfig_start (CasellaAutodetect *self, GCancellable *cancellable);
void casella_source_ispdb_start      (CasellaAutodetect *self, GCancellable *cancellable);
void casella_source_mx_start         (CasellaAutodetect *self, GCancellable *cancellable);
void casella_source_srv_start        (CasellaAutodetect *self, GCancellable *cancellable);
void casella_source_probe_start      (CasellaAutodetect *self, GCancellable *cancellable);
void casella_source_http_start       (CasellaAutodetect *self, GCancellable *cancellable);

/* Fetches url (no redirects followed except within the domain over HTTPS)
 * and reads it as config-v1.1: resolves the configuration for the address. */
void               casella_autodetect_fetch_async  (CasellaAutodetect    *self,
                                                    const char           *url,
                                                    CasellaConfigSource   source,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
CasellaMailConfig *casella_autodetect_fetch_finish (CasellaAutodetect    *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);

G_END_DECLS
