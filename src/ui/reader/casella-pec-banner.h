/* casella-pec-banner.h — what certified mail (PEC) says about the message
 * on show: what the provider certified, or where a sent message got to
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "casella-pec.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_PEC_BANNER (casella_pec_banner_get_type ())
G_DECLARE_FINAL_TYPE (CasellaPecBanner, casella_pec_banner, CASELLA, PEC_BANNER, GtkWidget)

/* An envelope, an anomaly or a receipt; subject: the message's;
 * signature: as checked, detail: why when it did not verify. */
void       casella_pec_banner_show_certified (CasellaPecBanner       *self,
                                              const CasellaPec       *pec,
                                              const char             *subject,
                                              CasellaPecSignature     signature,
                                              const char             *detail);
/* A message sent from a PEC account. */
void       casella_pec_banner_show_status    (CasellaPecBanner       *self,
                                              const CasellaPecStatus *status);
/* Whether the message shown forwards a certified message (deeper) and
 * is itself forwarded inside another (up). */
void       casella_pec_banner_set_levels     (CasellaPecBanner       *self,
                                              gboolean                deeper,
                                              gboolean                up);
void       casella_pec_banner_clear          (CasellaPecBanner       *self);
/* The envelope on show instead of the message inside ("envelope-shown"). */
gboolean   casella_pec_banner_get_envelope_shown (CasellaPecBanner   *self);
void       casella_pec_banner_set_envelope_shown (CasellaPecBanner   *self,
                                                  gboolean            shown);
/* The banner's text, for tests and screen readers. */
char      *casella_pec_banner_get_text       (CasellaPecBanner       *self);

G_END_DECLS
