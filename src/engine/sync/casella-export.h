/* casella-export.h — a backup of a folder, or of a whole account, as an
 * mbox file: for mail that lives only on this computer (POP3, drafts),
 * and for anyone moving to another client
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-imap-sync.h"
#include "casella-store.h"

G_BEGIN_DECLS

/* done of total messages written; called on the exporting thread. */
typedef void (*CasellaExportProgress) (guint    done,
                                       guint    total,
                                       gpointer user_data);

/* Writes the folder's messages (every folder's when folder_id is 0),
 * oldest first, each byte for byte as the server sent it. Bodies not
 * downloaded yet are fetched with imap (NULL: they must all be here).
 * The file appears whole or not at all: written beside it under another
 * name, then renamed. Returns how many messages, or -1 with error. */
gint64 casella_export_mbox (CasellaStore          *store,
                            CasellaImapSync       *imap,
                            gint64                 folder_id,
                            GFile                 *file,
                            CasellaExportProgress  progress,
                            gpointer               user_data,
                            GCancellable          *cancellable,
                            GError               **error);

G_END_DECLS
