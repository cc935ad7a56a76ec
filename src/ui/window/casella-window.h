/* casella-window.h — the main window: folders, messages, the message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "casella-account-store.h"
#include "casella-mail-session.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_WINDOW (casella_window_get_type ())
G_DECLARE_FINAL_TYPE (CasellaWindow, casella_window, CASELLA, WINDOW, AdwApplicationWindow)

CasellaWindow      *casella_window_new          (AdwApplication      *application,
                                                 CasellaAccountStore *store);
/* account_id: as CasellaAccount gives it */
void                casella_window_show_account (CasellaWindow       *self,
                                                 const char          *account_id);
const char         *casella_window_get_account  (CasellaWindow       *self);
/* The application has a session for this account now (or it changed). */
void                casella_window_session_ready (CasellaWindow      *self,
                                                 const char          *account_id);
void                casella_window_show_message (CasellaWindow       *self,
                                                 gint64               folder_id,
                                                 gint64               message_id);
void                casella_window_add_toast    (CasellaWindow       *self,
                                                 const char          *title);

/* A message just sent waits seconds in session's outbox: a toast offers
 * Undo, which brings it back into a composer. */
void                casella_window_offer_undo_send (CasellaWindow      *self,
                                                    CasellaMailSession *session,
                                                    gint64              message_id,
                                                    const char         *subject,
                                                    guint               seconds);

G_END_DECLS
