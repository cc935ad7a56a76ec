/* casella-conversation-strip.h — the other messages of a conversation,
 * folded to a line each (who, the start of the text, when), above or
 * below the one open in the reader; one activated opens it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "casella-store.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_CONVERSATION_STRIP (casella_conversation_strip_get_type ())
G_DECLARE_FINAL_TYPE (CasellaConversationStrip, casella_conversation_strip, CASELLA, CONVERSATION_STRIP, GtkWidget)

/* messages: CasellaMessageInfo, the ones this strip shows, in order
 * (NULL or none: the strip hides). */
void     casella_conversation_strip_set_messages (CasellaConversationStrip *self,
                                                  GPtrArray                *messages);
guint    casella_conversation_strip_get_n_messages (CasellaConversationStrip *self);

G_END_DECLS
