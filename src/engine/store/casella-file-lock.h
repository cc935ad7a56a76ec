/* casella-file-lock.h — advisory locks between processes (and between
 * connections of one process): the app and casella-cli on one account
 *
 * A lock is flock(2) on a small file beside the store: it is released
 * when its holder closes it or dies, so a crash never leaves one behind.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _CasellaFileLock CasellaFileLock;

/* Exclusive or shared. With wait, waits for the holder (and returns at
 * once when cancellable is cancelled); without, fails at once with
 * G_IO_ERROR_BUSY when someone else holds it. */
CasellaFileLock *casella_file_lock_acquire   (const char       *path,
                                              gboolean          exclusive,
                                              gboolean          wait,
                                              GCancellable     *cancellable,
                                              GError          **error);
/* Exclusive to shared, for a holder that has finished its set-up. */
void             casella_file_lock_downgrade (CasellaFileLock  *lock);
void             casella_file_lock_release   (CasellaFileLock  *lock);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaFileLock, casella_file_lock_release)

G_END_DECLS
