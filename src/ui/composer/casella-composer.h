/* casella-composer.h — writing a message: new, reply, forward, or a
 * draft again; kept as a draft as it is written, sent through the outbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "casella-mail-session.h"
#include "casella-message-compose.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_COMPOSER (casella_composer_get_type ())
G_DECLARE_FINAL_TYPE (CasellaComposer, casella_composer, CASELLA, COMPOSER, AdwWindow)

/* draft: what to start from (NULL: empty); draft_id: the Drafts message
 * it continues (0: none). The account's signature is added to new ones. */
CasellaComposer *casella_composer_new          (GtkApplication     *application,
                                                CasellaMailSession *session,
                                                const CasellaDraft *draft,
                                                gint64              draft_id);
/* What is written now (the From is the account's). */
CasellaDraft    *casella_composer_get_draft    (CasellaComposer    *self);
/* Saves it to Drafts now, on the session's writer thread (it is saved a
 * few seconds after each change anyway). */
void             casella_composer_save_draft   (CasellaComposer    *self);

G_END_DECLS
