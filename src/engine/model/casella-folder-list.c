/* casella-folder-list.c — the folder list model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-folder-list.h"

/* ---- one folder ---- */

struct _CasellaFolderItem
{
  GObject             parent_instance;
  CasellaStoreFolder *folder;
  guint               depth;
};

enum { ITEM_PROP_0, ITEM_PROP_UNREAD, ITEM_PROP_NAME, N_ITEM_PROPS };
static GParamSpec *item_props[N_ITEM_PROPS];

G_DEFINE_FINAL_TYPE (CasellaFolderItem, casella_folder_item, G_TYPE_OBJECT)

static void
casella_folder_item_finalize (GObject *object)
{
  casella_store_folder_free (CASELLA_FOLDER_ITEM (object)->folder);
  G_OBJECT_CLASS (casella_folder_item_parent_class)->finalize (object);
}

static void
casella_folder_item_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  CasellaFolderItem *self = CASELLA_FOLDER_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_UNREAD:
      g_value_set_uint (value, self->folder->unread);
      break;
    case ITEM_PROP_NAME:
      g_value_set_string (value, self->folder->name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
casella_folder_item_class_init (CasellaFolderItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = casella_folder_item_finalize;
  object_class->get_property = casella_folder_item_get_property;
  item_props[ITEM_PROP_UNREAD] = g_param_spec_uint ("unread", NULL, NULL, 0, G_MAXUINT, 0,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  item_props[ITEM_PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_ITEM_PROPS, item_props);
}

static void
casella_folder_item_init (CasellaFolderItem *self)
{
}

static void
item_update (CasellaFolderItem  *self,
             CasellaStoreFolder *folder)
{
  CasellaStoreFolder *old = self->folder;

  self->folder = folder;
  if (old->unread != folder->unread)
    g_object_notify_by_pspec (G_OBJECT (self), item_props[ITEM_PROP_UNREAD]);
  if (g_strcmp0 (old->name, folder->name) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), item_props[ITEM_PROP_NAME]);
  casella_store_folder_free (old);
}

gint64
casella_folder_item_get_id (CasellaFolderItem *self)
{
  return self->folder->id;
}

const CasellaStoreFolder *
casella_folder_item_get_folder (CasellaFolderItem *self)
{
  return self->folder;
}

const char *
casella_folder_item_get_name (CasellaFolderItem *self)
{
  return self->folder->name;
}

CasellaFolderRole
casella_folder_item_get_role (CasellaFolderItem *self)
{
  return self->folder->role;
}

guint
casella_folder_item_get_depth (CasellaFolderItem *self)
{
  return self->depth;
}

guint
casella_folder_item_get_unread (CasellaFolderItem *self)
{
  return self->folder->unread;
}

gboolean
casella_folder_item_get_selectable (CasellaFolderItem *self)
{
  return !(self->folder->flags & CASELLA_FOLDER_NOSELECT);
}

/* ---- ordering ---- */

/* Special folders first, in this order; the rest after. */
static guint
rank (const CasellaStoreFolder *folder)
{
  static const CasellaFolderRole order[] = {
    CASELLA_FOLDER_ROLE_INBOX, CASELLA_FOLDER_ROLE_OUTBOX, CASELLA_FOLDER_ROLE_DRAFTS, CASELLA_FOLDER_ROLE_SENT,
    CASELLA_FOLDER_ROLE_ARCHIVE, CASELLA_FOLDER_ROLE_ALL, CASELLA_FOLDER_ROLE_FLAGGED, CASELLA_FOLDER_ROLE_JUNK,
    CASELLA_FOLDER_ROLE_TRASH,
  };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if (folder->role == order[i])
      return i;
  return G_N_ELEMENTS (order);
}

/* Part by part, so a folder's children come right after it. */
static int
compare_paths (const CasellaStoreFolder *a,
               const CasellaStoreFolder *b)
{
  char separators[2] = { a->separator ? a->separator : '/', 0 };
  g_auto(GStrv) x = g_strsplit (a->path, separators, -1);
  g_auto(GStrv) y = g_strsplit (b->path, separators, -1);

  for (guint i = 0; x[i] || y[i]; i++)
    {
      int c;

      if (x[i] == NULL || y[i] == NULL)
        return x[i] == NULL ? -1 : 1;
      c = g_utf8_collate (x[i], y[i]);
      if (c != 0)
        return c;
    }
  return 0;
}

static int
compare_folders (gconstpointer pa,
                 gconstpointer pb)
{
  const CasellaStoreFolder *a = *(CasellaStoreFolder * const *) pa, *b = *(CasellaStoreFolder * const *) pb;
  guint ra = rank (a), rb = rank (b);

  if (ra != rb)
    return ra < rb ? -1 : 1;
  return compare_paths (a, b);
}

static guint
depth_of (const CasellaStoreFolder *folder)
{
  guint depth = 0;

  if (folder->role != CASELLA_FOLDER_ROLE_NONE || folder->separator == 0)
    return 0;
  for (const char *p = folder->path; *p; p++)
    depth += *p == folder->separator;
  return depth;
}

/* ---- the list ---- */

struct _CasellaFolderList
{
  GObject       parent_instance;
  CasellaStore *store;
  GPtrArray    *items;   /* CasellaFolderItem */
};

static void casella_folder_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CasellaFolderList, casella_folder_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, casella_folder_list_model_init))

static GType
casella_folder_list_get_item_type (GListModel *model)
{
  return CASELLA_TYPE_FOLDER_ITEM;
}

static guint
casella_folder_list_get_n_items (GListModel *model)
{
  return CASELLA_FOLDER_LIST (model)->items->len;
}

static gpointer
casella_folder_list_get_item (GListModel *model,
                              guint       position)
{
  CasellaFolderList *self = CASELLA_FOLDER_LIST (model);

  return position < self->items->len ? g_object_ref (self->items->pdata[position]) : NULL;
}

static void
casella_folder_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = casella_folder_list_get_item_type;
  iface->get_n_items = casella_folder_list_get_n_items;
  iface->get_item = casella_folder_list_get_item;
}

static CasellaFolderItem *
find_item (GPtrArray *items,
           gint64     id)
{
  for (guint i = 0; i < items->len; i++)
    if (((CasellaFolderItem *) items->pdata[i])->folder->id == id)
      return items->pdata[i];
  return NULL;
}

/* An empty Outbox is not worth a line. */
static gboolean
shown (const CasellaStoreFolder *folder)
{
  return folder->role != CASELLA_FOLDER_ROLE_OUTBOX || folder->total > 0;
}

void
casella_folder_list_reload (CasellaFolderList *self)
{
  g_autoptr(GPtrArray) folders = casella_store_list_folders (self->store, NULL);
  g_autoptr(GPtrArray) old = self->items;
  guint prefix = 0, suffix = 0;

  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  if (folders != NULL)
    {
      g_ptr_array_sort (folders, compare_folders);
      for (guint i = 0; i < folders->len; i++)
        {
          CasellaStoreFolder *folder = g_ptr_array_steal_index (folders, i--);
          CasellaFolderItem *item = find_item (old, folder->id);

          if (!shown (folder))
            {
              casella_store_folder_free (folder);
              continue;
            }
          if (item != NULL)
            {
              item_update (item, folder);
              g_object_ref (item);
            }
          else
            {
              item = g_object_new (CASELLA_TYPE_FOLDER_ITEM, NULL);
              item->folder = folder;
            }
          item->depth = depth_of (item->folder);
          g_ptr_array_add (self->items, item);
        }
    }
  while (prefix < old->len && prefix < self->items->len && old->pdata[prefix] == self->items->pdata[prefix])
    prefix++;
  while (suffix < old->len - prefix && suffix < self->items->len - prefix &&
         old->pdata[old->len - 1 - suffix] == self->items->pdata[self->items->len - 1 - suffix])
    suffix++;
  if (prefix != old->len || old->len != self->items->len)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix, old->len - prefix - suffix,
                                self->items->len - prefix - suffix);
}

static void
on_folder_changed (CasellaStore      *store,
                   gint64             folder_id,
                   CasellaFolderList *self)
{
  CasellaFolderItem *item = find_item (self->items, folder_id);
  CasellaStoreFolder *folder = casella_store_get_folder (store, folder_id);

  /* The Outbox may appear or go; anything else just updates. */
  if (folder == NULL || item == NULL || !shown (folder))
    {
      casella_store_folder_free (folder);
      casella_folder_list_reload (self);
      return;
    }
  item_update (item, folder);
}

int
casella_folder_list_find (CasellaFolderList *self,
                          gint64             folder_id)
{
  for (guint i = 0; i < self->items->len; i++)
    if (((CasellaFolderItem *) self->items->pdata[i])->folder->id == folder_id)
      return (int) i;
  return -1;
}

static void
casella_folder_list_finalize (GObject *object)
{
  CasellaFolderList *self = CASELLA_FOLDER_LIST (object);

  g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->store);
  g_ptr_array_unref (self->items);

  G_OBJECT_CLASS (casella_folder_list_parent_class)->finalize (object);
}

static void
casella_folder_list_class_init (CasellaFolderListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = casella_folder_list_finalize;
}

static void
casella_folder_list_init (CasellaFolderList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}

CasellaFolderList *
casella_folder_list_new (CasellaStore *store)
{
  CasellaFolderList *self = g_object_new (CASELLA_TYPE_FOLDER_LIST, NULL);

  self->store = g_object_ref (store);
  g_signal_connect_swapped (store, "folders-changed", G_CALLBACK (casella_folder_list_reload), self);
  g_signal_connect (store, "folder-changed", G_CALLBACK (on_folder_changed), self);
  casella_folder_list_reload (self);
  return self;
}
