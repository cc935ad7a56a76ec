/* casella-export.c — folders as mbox files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-export.h"
#include "casella-mbox.h"

/* Oldest first, the order a reader expects. */
static GArray *
folder_ids (CasellaStore  *store,
            gint64         folder_id,
            GError       **error)
{
  g_autoptr(GArray) newest_first = casella_store_list_message_ids (store, folder_id, NULL, error);
  GArray *ids;

  if (newest_first == NULL)
    return NULL;
  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), newest_first->len);
  for (guint i = newest_first->len; i > 0; i--)
    g_array_append_val (ids, g_array_index (newest_first, gint64, i - 1));
  return ids;
}

static GArray *
messages_to_export (CasellaStore  *store,
                    gint64         folder_id,
                    GError       **error)
{
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(GArray) all = NULL;

  if (folder_id != 0)
    return folder_ids (store, folder_id, error);
  if ((folders = casella_store_list_folders (store, error)) == NULL)
    return NULL;
  all = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < folders->len; i++)
    {
      CasellaStoreFolder *folder = folders->pdata[i];
      g_autoptr(GArray) ids = folder_ids (store, folder->id, error);

      if (ids == NULL)
        return NULL;
      g_array_append_vals (all, ids->data, ids->len);
    }
  return g_steal_pointer (&all);
}

static GBytes *
raw_message (CasellaStore    *store,
             CasellaImapSync *imap,
             gint64           message_id,
             GCancellable    *cancellable,
             GError         **error)
{
  g_autoptr(GError) local = NULL;
  GBytes *raw = casella_store_get_body (store, message_id, &local);

  if (raw != NULL)
    return raw;
  if (imap == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  return casella_imap_sync_fetch_body (imap, message_id, cancellable, error);
}

static gboolean
write_all (CasellaStore          *store,
           CasellaImapSync       *imap,
           GArray                *ids,
           GOutputStream         *out,
           CasellaExportProgress  progress,
           gpointer               user_data,
           guint                 *written,
           GCancellable          *cancellable,
           GError               **error)
{
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      g_autoptr(CasellaMessageInfo) info = casella_store_get_message (store, id);
      g_autoptr(GBytes) raw = NULL;

      if (info == NULL)
        continue;   /* deleted meanwhile */
      if ((raw = raw_message (store, imap, id, cancellable, error)) == NULL ||
          !casella_mbox_write_message (out, info->from_address, info->date, raw, cancellable, error))
        return FALSE;
      (*written)++;
      if (progress != NULL)
        progress (i + 1, ids->len, user_data);
    }
  return TRUE;
}

gint64
casella_export_mbox (CasellaStore          *store,
                     CasellaImapSync       *imap,
                     gint64                 folder_id,
                     GFile                 *file,
                     CasellaExportProgress  progress,
                     gpointer               user_data,
                     GCancellable          *cancellable,
                     GError               **error)
{
  g_autoptr(GArray) ids = messages_to_export (store, folder_id, error);
  g_autoptr(GFile) parent = g_file_get_parent (file);
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *part_name = g_strdup_printf (".%s.part", name);
  g_autoptr(GFile) part = parent ? g_file_get_child (parent, part_name) : NULL;
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GError) local = NULL;
  guint written = 0;
  gboolean ok;

  if (ids == NULL)
    return -1;
  if (part == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME, "Not a file: %s", name);
      return -1;
    }
  if ((stream = g_file_replace (part, NULL, FALSE, G_FILE_CREATE_PRIVATE, cancellable, &local)) == NULL)
    {
      /* Named as the user named it, not as the part being written. */
      g_set_error (error, local->domain, local->code, "Cannot write %s: %s", g_file_peek_path (file),
                   g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ? "no such folder" : local->message);
      return -1;
    }
  out = g_buffered_output_stream_new_sized (G_OUTPUT_STREAM (stream), 256 * 1024);
  ok = write_all (store, imap, ids, out, progress, user_data, &written, cancellable, error) &&
       g_output_stream_close (out, cancellable, error) &&
       g_file_move (part, file, G_FILE_COPY_OVERWRITE, cancellable, NULL, NULL, error);
  if (!ok)
    {
      /* A full disk or a stop: no half file left behind. */
      g_output_stream_close (out, NULL, NULL);
      g_file_delete (part, NULL, NULL);
      return -1;
    }
  return written;
}
