/* casella-file-lock.c — advisory locks between processes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "casella-file-lock.h"

/* How often a waiter looks again: a cancel is noticed within this. */
#define POLL_MS 20

struct _CasellaFileLock
{
  int fd;
};

CasellaFileLock *
casella_file_lock_acquire (const char    *path,
                           gboolean       exclusive,
                           gboolean       wait,
                           GCancellable  *cancellable,
                           GError       **error)
{
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  int operation = (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
  CasellaFileLock *lock;

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot open %s: %s", path, g_strerror (saved));
      return NULL;
    }
  while (flock (fd, operation) != 0)
    {
      int saved = errno;

      if (saved == EINTR)
        continue;
      if (saved == EWOULDBLOCK && wait && !g_cancellable_is_cancelled (cancellable))
        {
          g_usleep (POLL_MS * 1000);
          continue;
        }
      if (saved != EWOULDBLOCK)
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot lock %s: %s", path, g_strerror (saved));
      else if (!g_cancellable_set_error_if_cancelled (cancellable, error))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, "%s is held by another Casella", path);
      close (fd);
      return NULL;
    }
  lock = g_new (CasellaFileLock, 1);
  lock->fd = fd;
  return lock;
}

void
casella_file_lock_downgrade (CasellaFileLock *lock)
{
  /* flock converts by releasing first: someone may take it exclusively
   * in between, which only costs them a wait. */
  while (flock (lock->fd, LOCK_SH) != 0 && errno == EINTR)
    ;
}

void
casella_file_lock_release (CasellaFileLock *lock)
{
  if (lock == NULL)
    return;
  close (lock->fd);   /* releases the lock */
  g_free (lock);
}
