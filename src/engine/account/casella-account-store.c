/* casella-account-store.c — the accounts, kept in the user's config folder
 *
 * One small key file, accounts.ini, written whole, atomically (a
 * temporary file, synced, renamed over the old one) and readable by the
 * user alone. It never holds a password: those live in the Secret
 * Service (casella-credentials.c). A file that cannot be read is set
 * aside under another name, never overwritten.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "casella-account-store.h"

struct _CasellaAccountStore
{
  GObject    parent_instance;

  char      *dir;
  char      *path;
  GPtrArray *accounts;   /* CasellaAccount */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CasellaAccountStore, casella_account_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return CASELLA_TYPE_ACCOUNT;
}

static guint
get_n_items (GListModel *model)
{
  return CASELLA_ACCOUNT_STORE (model)->accounts->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  CasellaAccountStore *self = CASELLA_ACCOUNT_STORE (model);

  return position < self->accounts->len ? g_object_ref (self->accounts->pdata[position]) : NULL;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
casella_account_store_finalize (GObject *object)
{
  CasellaAccountStore *self = CASELLA_ACCOUNT_STORE (object);

  g_free (self->dir);
  g_free (self->path);
  g_ptr_array_unref (self->accounts);
  G_OBJECT_CLASS (casella_account_store_parent_class)->finalize (object);
}

static void
casella_account_store_class_init (CasellaAccountStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = casella_account_store_finalize;
}

static void
casella_account_store_init (CasellaAccountStore *self)
{
  self->accounts = g_ptr_array_new_with_free_func (g_object_unref);
}

CasellaAccountStore *
casella_account_store_new (const char *dir)
{
  CasellaAccountStore *self = g_object_new (CASELLA_TYPE_ACCOUNT_STORE, NULL);

  self->dir = dir ? g_strdup (dir) : g_build_filename (g_get_user_config_dir (), "casella", NULL);
  self->path = g_build_filename (self->dir, "accounts.ini", NULL);
  return self;
}

const char *
casella_account_store_get_path (CasellaAccountStore *self)
{
  return self->path;
}

/* Keeps an unreadable file under another name, so nothing is lost. */
static void
set_aside (CasellaAccountStore *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *aside = g_strdup_printf ("%s.unreadable-%s", self->path, stamp);

  g_rename (self->path, aside);
}

gboolean
casella_account_store_load (CasellaAccountStore  *self,
                            GError              **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_auto(GStrv) groups = NULL;
  GError *local_error = NULL;
  guint removed = self->accounts->len;

  g_ptr_array_set_size (self->accounts, 0);
  if (!g_key_file_load_from_file (file, self->path, G_KEY_FILE_KEEP_COMMENTS, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_error_free (local_error);
          g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
          return TRUE;
        }
      if (local_error->domain == G_KEY_FILE_ERROR)
        set_aside (self);
      g_propagate_prefixed_error (error, local_error, "Cannot read %s: ", self->path);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
      return FALSE;
    }

  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i]; i++)
    {
      g_autoptr(GError) account_error = NULL;
      CasellaAccount *account = casella_account_load_from_key_file (file, groups[i], &account_error);

      if (account != NULL)
        g_ptr_array_add (self->accounts, account);
      else
        g_warning ("Skipping an account: %s", account_error->message);
    }
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->accounts->len);
  return TRUE;
}

static char *
serialize (CasellaAccountStore *self,
           gsize               *length)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();

  for (guint i = 0; i < self->accounts->len; i++)
    casella_account_save_to_key_file (self->accounts->pdata[i], file);
  return g_key_file_to_data (file, length, NULL);
}

static gboolean
write_file (const char  *dir,
            const char  *path,
            const char  *data,
            gsize        length,
            GError     **error)
{
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "Cannot create %s", dir);
      return FALSE;
    }
  return g_file_set_contents_full (path, data, length,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600, error);
}

gboolean
casella_account_store_save (CasellaAccountStore  *self,
                            GError              **error)
{
  gsize length;
  g_autofree char *data = serialize (self, &length);

  return write_file (self->dir, self->path, data, length, error);
}

static void
save_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  CasellaAccountStore *self = source;
  GBytes *data = task_data;
  GError *error = NULL;

  if (write_file (self->dir, self->path, g_bytes_get_data (data, NULL), g_bytes_get_size (data), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
casella_account_store_save_async (CasellaAccountStore *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  gsize length;
  char *data = serialize (self, &length);

  g_task_set_source_tag (task, casella_account_store_save_async);
  g_task_set_task_data (task, g_bytes_new_take (data, length), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (task, save_thread);
}

gboolean
casella_account_store_save_finish (CasellaAccountStore  *self,
                                   GAsyncResult         *result,
                                   GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
casella_account_store_changed (CasellaAccountStore *self,
                               CasellaAccount      *account)
{
  guint position;

  if (g_ptr_array_find (self->accounts, account, &position))
    g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
}

gboolean
casella_account_store_add (CasellaAccountStore  *self,
                           CasellaAccount       *account,
                           GError              **error)
{
  CasellaAccount *existing = casella_account_store_lookup (self, casella_account_get_id (account));

  if (existing == NULL)
    {
      g_ptr_array_add (self->accounts, g_object_ref (account));
      g_list_model_items_changed (G_LIST_MODEL (self), self->accounts->len - 1, 0, 1);
    }
  if (!casella_account_store_save (self, error))
    {
      if (existing == NULL)
        {
          g_ptr_array_remove_index (self->accounts, self->accounts->len - 1);
          g_list_model_items_changed (G_LIST_MODEL (self), self->accounts->len, 1, 0);
        }
      return FALSE;
    }
  return TRUE;
}

/* Forgets the account's settings; its passwords are the caller's to
 * clear (casella_credentials_clear_async). */
gboolean
casella_account_store_remove (CasellaAccountStore  *self,
                              const char           *id,
                              GError              **error)
{
  for (guint i = 0; i < self->accounts->len; i++)
    if (g_str_equal (casella_account_get_id (self->accounts->pdata[i]), id))
      {
        g_autoptr(CasellaAccount) removed = g_object_ref (self->accounts->pdata[i]);

        g_ptr_array_remove_index (self->accounts, i);
        if (!casella_account_store_save (self, error))
          {
            g_ptr_array_insert (self->accounts, i, g_steal_pointer (&removed));
            return FALSE;
          }
        g_list_model_items_changed (G_LIST_MODEL (self), i, 1, 0);
        return TRUE;
      }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No account “%s”", id);
  return FALSE;
}

CasellaAccount *
casella_account_store_lookup (CasellaAccountStore *self,
                              const char          *id_or_address)
{
  for (guint i = 0; i < self->accounts->len; i++)
    {
      CasellaAccount *account = self->accounts->pdata[i];

      if (g_str_equal (casella_account_get_id (account), id_or_address) ||
          g_ascii_strcasecmp (casella_account_get_address (account), id_or_address) == 0)
        return account;
    }
  return NULL;
}

void
casella_account_forget_settings (const char *account_id)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) keys = NULL;

  /* Not installed (a tool run from elsewhere): nothing was kept. */
  if (source == NULL || (schema = g_settings_schema_source_lookup (source, APP_ID ".Account", TRUE)) == NULL)
    return;
  path = g_strdup_printf ("/io/github/casellamail/Casella/accounts/%s/", account_id);
  settings = g_settings_new_full (schema, NULL, path);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (settings, keys[i]);
  g_settings_sync ();
}
