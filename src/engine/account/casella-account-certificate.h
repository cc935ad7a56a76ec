/* casella-account-certificate.h — what certificate an account's server
 * shows now, for a pin that may have gone stale
 *
 * A pin is the user's trust in one certificate. When the server shows
 * another one, the user is asked again (the old and the new side by
 * side); when it shows one the system trusts, the pin is not needed any
 * more and goes. Only the TLS handshake happens: no password is sent.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-account.h"

G_BEGIN_DECLS

typedef struct {
  gboolean             trusted;      /* the system vouches for it: no pin needed */
  GTlsCertificate     *certificate;  /* when not trusted: the one shown */
  GTlsCertificateFlags errors;       /* and why not (expired, unknown issuer…) */
  gboolean             pinned;       /* it is the one the account pins */
} CasellaCertificateCheck;

/* The certificate the server for protocol shows, judged by tls_database
 * (NULL: the system's) without the account's pin. */
void                     casella_account_check_certificate_async  (CasellaAccount       *account,
                                                                   CasellaProtocol       protocol,
                                                                   GTlsDatabase         *tls_database,
                                                                   GCancellable         *cancellable,
                                                                   GAsyncReadyCallback   callback,
                                                                   gpointer              user_data);
CasellaCertificateCheck *casella_account_check_certificate_finish (GAsyncResult         *result,
                                                                   GError              **error);
void                     casella_certificate_check_free           (CasellaCertificateCheck *check);

/* A pinned certificate (DER) as a certificate, to show it. */
GTlsCertificate         *casella_certificate_new_from_der         (GBytes               *der,
                                                                   GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaCertificateCheck, casella_certificate_check_free)

G_END_DECLS
