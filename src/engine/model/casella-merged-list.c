/* casella-merged-list.c — several message lists as one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-merged-list.h"

typedef struct {
  guint32 list;
  guint32 position;
  gint64  id;         /* to tell, when a list changes, which rows stayed */
} Row;

struct _CasellaMergedList
{
  GObject    parent_instance;

  GPtrArray *lists;   /* CasellaMessageList */
  GArray    *rows;    /* Row, newest first */
};

static void casella_merged_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CasellaMergedList, casella_merged_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, casella_merged_list_model_init))

static GType
casella_merged_list_get_item_type (GListModel *model)
{
  return CASELLA_TYPE_MESSAGE_ITEM;
}

static guint
casella_merged_list_get_n_items (GListModel *model)
{
  return CASELLA_MERGED_LIST (model)->rows->len;
}

static gpointer
casella_merged_list_get_item (GListModel *model,
                              guint       position)
{
  CasellaMergedList *self = CASELLA_MERGED_LIST (model);
  Row *row;

  if (position >= self->rows->len)
    return NULL;
  row = &g_array_index (self->rows, Row, position);
  return g_list_model_get_item (self->lists->pdata[row->list], row->position);
}

static void
casella_merged_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = casella_merged_list_get_item_type;
  iface->get_n_items = casella_merged_list_get_n_items;
  iface->get_item = casella_merged_list_get_item;
}

/* ---- merging ---- */

/* The newer of two rows first; the same date, by list then position, so
 * that the order never depends on which list changed. */
static gboolean
comes_first (CasellaMergedList *self,
             const Row         *a,
             const Row         *b)
{
  gint64 x = casella_message_list_get_date (self->lists->pdata[a->list], a->position);
  gint64 y = casella_message_list_get_date (self->lists->pdata[b->list], b->position);

  if (x != y)
    return x > y;
  if (a->list != b->list)
    return a->list < b->list;
  return a->position < b->position;
}

/* Each list is newest first already: only the heads are compared. */
static GArray *
merge (CasellaMergedList *self)
{
  g_autofree guint *heads = g_new0 (guint, self->lists->len + 1);
  guint total = 0;
  GArray *rows;

  for (guint i = 0; i < self->lists->len; i++)
    total += g_list_model_get_n_items (self->lists->pdata[i]);
  rows = g_array_sized_new (FALSE, FALSE, sizeof (Row), total);
  while (rows->len < total)
    {
      Row best = { G_MAXUINT32, 0, 0 };

      for (guint i = 0; i < self->lists->len; i++)
        {
          Row head = { i, heads[i], 0 };
          if (heads[i] < g_list_model_get_n_items (self->lists->pdata[i]) &&
              (best.list == G_MAXUINT32 || comes_first (self, &head, &best)))
            best = head;
        }
      best.id = casella_message_list_get_id (self->lists->pdata[best.list], best.position);
      g_array_append_val (rows, best);
      heads[best.list]++;
    }
  return rows;
}

static gboolean
same_row (const Row *a,
          const Row *b)
{
  return a->list == b->list && a->id == b->id;
}

/* Rows that stayed at either end keep their place (and the selection). */
static void
reload (CasellaMergedList *self)
{
  g_autoptr(GArray) old = self->rows;
  guint prefix = 0, suffix = 0;

  self->rows = merge (self);
  while (prefix < old->len && prefix < self->rows->len &&
         same_row (&g_array_index (old, Row, prefix), &g_array_index (self->rows, Row, prefix)))
    prefix++;
  while (suffix < old->len - prefix && suffix < self->rows->len - prefix &&
         same_row (&g_array_index (old, Row, old->len - 1 - suffix),
                   &g_array_index (self->rows, Row, self->rows->len - 1 - suffix)))
    suffix++;
  if (old->len != self->rows->len || prefix != old->len)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix, old->len - prefix - suffix,
                                self->rows->len - prefix - suffix);
}

static void
on_list_changed (GListModel        *list,
                 guint              position,
                 guint              removed,
                 guint              added,
                 CasellaMergedList *self)
{
  reload (self);
}

/* ---- the object ---- */

static void
casella_merged_list_dispose (GObject *object)
{
  CasellaMergedList *self = CASELLA_MERGED_LIST (object);

  for (guint i = 0; self->lists != NULL && i < self->lists->len; i++)
    g_signal_handlers_disconnect_by_data (self->lists->pdata[i], self);
  g_clear_pointer (&self->lists, g_ptr_array_unref);
  g_clear_pointer (&self->rows, g_array_unref);

  G_OBJECT_CLASS (casella_merged_list_parent_class)->dispose (object);
}

static void
casella_merged_list_class_init (CasellaMergedListClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = casella_merged_list_dispose;
}

static void
casella_merged_list_init (CasellaMergedList *self)
{
  self->lists = g_ptr_array_new_with_free_func (g_object_unref);
  self->rows = g_array_new (FALSE, FALSE, sizeof (Row));
}

CasellaMergedList *
casella_merged_list_new (void)
{
  return g_object_new (CASELLA_TYPE_MERGED_LIST, NULL);
}

void
casella_merged_list_add (CasellaMergedList  *self,
                         CasellaMessageList *list)
{
  g_return_if_fail (CASELLA_IS_MERGED_LIST (self));
  g_return_if_fail (CASELLA_IS_MESSAGE_LIST (list));

  g_ptr_array_add (self->lists, g_object_ref (list));
  g_signal_connect (list, "items-changed", G_CALLBACK (on_list_changed), self);
  reload (self);
}

guint
casella_merged_list_get_n_lists (CasellaMergedList *self)
{
  return self->lists->len;
}

CasellaMessageList *
casella_merged_list_get_list (CasellaMergedList *self,
                              guint              index)
{
  g_return_val_if_fail (index < self->lists->len, NULL);

  return self->lists->pdata[index];
}

CasellaMessageList *
casella_merged_list_find_list (CasellaMergedList *self,
                               gpointer           origin)
{
  for (guint i = 0; origin != NULL && i < self->lists->len; i++)
    if ((gpointer) casella_message_list_get_origin (self->lists->pdata[i]) == origin)
      return self->lists->pdata[i];
  return NULL;
}

/* One change for all the lists, not one per list. */
void
casella_merged_list_set_query (CasellaMergedList *self,
                               const char        *query)
{
  g_return_if_fail (CASELLA_IS_MERGED_LIST (self));

  for (guint i = 0; i < self->lists->len; i++)
    {
      g_signal_handlers_block_by_func (self->lists->pdata[i], on_list_changed, self);
      casella_message_list_set_query (self->lists->pdata[i], query);
      g_signal_handlers_unblock_by_func (self->lists->pdata[i], on_list_changed, self);
    }
  reload (self);
}

int
casella_merged_list_find (CasellaMergedList *self,
                          gpointer           origin,
                          gint64             message_id)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = &g_array_index (self->rows, Row, i);
      if (row->id == message_id && (gpointer) casella_message_list_get_origin (self->lists->pdata[row->list]) == origin)
        return (int) i;
    }
  return -1;
}
