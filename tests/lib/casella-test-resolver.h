/* casella-test-resolver.h — DNS for tests, in process: names, MX and SRV
 * answered from tables; nothing reaches a real resolver
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CASELLA_TYPE_TEST_RESOLVER (casella_test_resolver_get_type ())
G_DECLARE_FINAL_TYPE (CasellaTestResolver, casella_test_resolver, CASELLA, TEST_RESOLVER, GResolver)

/* Installs a new one as the default resolver and returns it. */
CasellaTestResolver *casella_test_resolver_install (void);
void casella_test_resolver_add_host (CasellaTestResolver *self, const char *name, const char *ip);
void casella_test_resolver_add_mx   (CasellaTestResolver *self, const char *domain, guint16 preference,
                                     const char *exchange);
void casella_test_resolver_add_srv  (CasellaTestResolver *self, const char *rrname, guint16 priority,
                                     guint16 weight, guint16 port, const char *target);
/* Lookups of this name (any record type) never answer until cancelled. */
void casella_test_resolver_add_hang (CasellaTestResolver *self, const char *name);
guint casella_test_resolver_count   (CasellaTestResolver *self, const char *name);

G_END_DECLS
