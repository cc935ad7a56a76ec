/* casella-message-list.c — a lazy list of message summaries
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>

#include "casella-message-list.h"

#define PAGE 64
#define KEEP_PAGES 16
/* A folder shows this many rows (conversations, or messages) at once;
 * the rest are read once the main loop has nothing more urgent (the
 * first rows drawn). The list is newest first, and a conversation's
 * place comes from its newest message, so the first ones read are the
 * first of the whole list. */
#define FIRST_ROWS 256

/* ---- one row ---- */

struct _CasellaMessageItem
{
  GObject             parent_instance;
  gint64              id;     /* the key it is found by: never changes */
  CasellaMessageInfo *info;
  CasellaThreadSummary *conversation; /* when the list shows conversations */
  gpointer            origin; /* its list's, compared only */
  char               *origin_label;
};

enum { ITEM_PROP_0, ITEM_PROP_UNREAD, ITEM_PROP_FLAGGED, ITEM_PROP_PREVIEW, ITEM_PROP_HAS_ATTACHMENT, ITEM_PROP_COUNT,
       N_ITEM_PROPS };
static GParamSpec *item_props[N_ITEM_PROPS];

G_DEFINE_FINAL_TYPE (CasellaMessageItem, casella_message_item, G_TYPE_OBJECT)

static void
casella_message_item_finalize (GObject *object)
{
  casella_message_info_free (CASELLA_MESSAGE_ITEM (object)->info);
  casella_thread_summary_free (CASELLA_MESSAGE_ITEM (object)->conversation);
  g_free (CASELLA_MESSAGE_ITEM (object)->origin_label);
  G_OBJECT_CLASS (casella_message_item_parent_class)->finalize (object);
}

static void
casella_message_item_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  CasellaMessageItem *self = CASELLA_MESSAGE_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_UNREAD:
      g_value_set_boolean (value, casella_message_item_get_unread (self));
      break;
    case ITEM_PROP_FLAGGED:
      g_value_set_boolean (value, casella_message_item_get_flagged (self));
      break;
    case ITEM_PROP_PREVIEW:
      g_value_set_string (value, self->info->preview);
      break;
    case ITEM_PROP_HAS_ATTACHMENT:
      g_value_set_boolean (value, self->info->has_attachment);
      break;
    case ITEM_PROP_COUNT:
      g_value_set_uint (value, casella_message_item_get_count (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
casella_message_item_class_init (CasellaMessageItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = casella_message_item_finalize;
  object_class->get_property = casella_message_item_get_property;
  item_props[ITEM_PROP_UNREAD] = g_param_spec_boolean ("unread", NULL, NULL, FALSE,
                                                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  item_props[ITEM_PROP_FLAGGED] = g_param_spec_boolean ("flagged", NULL, NULL, FALSE,
                                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  item_props[ITEM_PROP_PREVIEW] = g_param_spec_string ("preview", NULL, NULL, NULL,
                                                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  item_props[ITEM_PROP_HAS_ATTACHMENT] = g_param_spec_boolean ("has-attachment", NULL, NULL, FALSE,
                                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* The messages in its conversation (1: a message on its own). */
  item_props[ITEM_PROP_COUNT] = g_param_spec_uint ("count", NULL, NULL, 1, G_MAXUINT, 1,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_ITEM_PROPS, item_props);
}

static void
casella_message_item_init (CasellaMessageItem *self)
{
}

static CasellaMessageItem *
item_new (CasellaMessageInfo *info,
          gpointer            origin,
          const char         *origin_label)
{
  CasellaMessageItem *self = g_object_new (CASELLA_TYPE_MESSAGE_ITEM, NULL);

  self->id = info->id;
  self->info = info;
  self->origin = origin;
  self->origin_label = g_strdup (origin_label);
  return self;
}

/* New facts for the same message: what a row shows is told. */
static void
item_update (CasellaMessageItem *self,
             CasellaMessageInfo *info)
{
  CasellaMessageInfo *old = self->info;

  self->info = info;
  g_object_freeze_notify (G_OBJECT (self));
  if ((old->flags ^ info->flags) & CASELLA_MESSAGE_SEEN)
    g_object_notify_by_pspec (G_OBJECT (self), item_props[ITEM_PROP_UNREAD]);
  if ((old->flags ^ info->flags) & CASELLA_MESSAGE_FLAGGED)
    g_object_notify_by_pspec (G_OBJECT (self), item_props[ITEM_PROP_FLAGGED]);
  if (g_strcmp0 (old->preview, info->preview) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), item_props[ITEM_PROP_PREVIEW]);
  if (old->has_attachment != info->has_attachment)
    g_object_notify_by_pspec (G_OBJECT (self), item_props[ITEM_PROP_HAS_ATTACHMENT]);
  g_object_thaw_notify (G_OBJECT (self));
  casella_message_info_free (old);
}

/* What its conversation is now (taken; NULL: shown as a message). */
static void
item_set_conversation (CasellaMessageItem   *self,
                       CasellaThreadSummary *conversation)
{
  gboolean was_unread = casella_message_item_get_unread (self);
  guint was_count = casella_message_item_get_count (self);

  casella_thread_summary_free (self->conversation);
  self->conversation = conversation;
  if (was_unread != casella_message_item_get_unread (self))
    g_object_notify_by_pspec (G_OBJECT (self), item_props[ITEM_PROP_UNREAD]);
  if (was_count != casella_message_item_get_count (self))
    g_object_notify_by_pspec (G_OBJECT (self), item_props[ITEM_PROP_COUNT]);
}

const CasellaMessageInfo *
casella_message_item_get_info (CasellaMessageItem *self)
{
  return self->info;
}

gint64
casella_message_item_get_id (CasellaMessageItem *self)
{
  return self->info->id;
}

const char *
casella_message_item_get_sender (CasellaMessageItem *self)
{
  if (self->info->from_name != NULL && self->info->from_name[0] != '\0')
    return self->info->from_name;
  return self->info->from_address ? self->info->from_address : "";
}

const char *
casella_message_item_get_subject (CasellaMessageItem *self)
{
  return self->info->subject ? self->info->subject : "";
}

const char *
casella_message_item_get_preview (CasellaMessageItem *self)
{
  return self->info->preview ? self->info->preview : "";
}

gint64
casella_message_item_get_date (CasellaMessageItem *self)
{
  return self->info->date;
}

gboolean
casella_message_item_get_unread (CasellaMessageItem *self)
{
  if (self->conversation != NULL && self->conversation->count > 1)
    return self->conversation->unread > 0;
  return !(self->info->flags & CASELLA_MESSAGE_SEEN);
}

guint
casella_message_item_get_count (CasellaMessageItem *self)
{
  return self->conversation != NULL ? MAX (self->conversation->count, 1) : 1;
}

const char * const *
casella_message_item_get_people (CasellaMessageItem *self)
{
  return self->conversation != NULL ? (const char * const *) self->conversation->people : NULL;
}

gint64
casella_message_item_get_thread (CasellaMessageItem *self)
{
  return self->info->thread;
}

gboolean
casella_message_item_get_flagged (CasellaMessageItem *self)
{
  return (self->info->flags & CASELLA_MESSAGE_FLAGGED) != 0;
}

gboolean
casella_message_item_get_has_attachment (CasellaMessageItem *self)
{
  return self->info->has_attachment;
}

gboolean
casella_message_item_get_certified (CasellaMessageItem *self)
{
  return self->info->pec_kind == CASELLA_PEC_MESSAGE;
}

gpointer
casella_message_item_get_origin (CasellaMessageItem *self)
{
  return self->origin;
}

const char *
casella_message_item_get_origin_label (CasellaMessageItem *self)
{
  return self->origin_label;
}

/* ---- the list ---- */

struct _CasellaMessageList
{
  GObject       parent_instance;

  CasellaStore *store;
  gint64        folder_id;
  char         *query;
  GArray       *ids;          /* gint64, in display order */
  GArray       *extra;        /* gint64 ids shown besides the local ones */
  GHashTable   *items;        /* id → CasellaMessageItem, for loaded pages */
  GHashTable   *loaded;       /* page numbers loaded */
  GQueue        recent;       /* page numbers, most recent first */
  GHashTable   *hidden;       /* gint64 ids on their way out (a move under way) */
  GArray       *dates;        /* gint64, with ids, once asked for; NULL: not read */
  gboolean      conversations;
  GArray       *threads;      /* gint64, each row's conversation, when rows are conversations; else NULL */
  GObject      *origin;       /* whose messages these are (an account's session) */
  char         *origin_label;
  GSource      *rest;         /* reads the rows after the first ones; NULL: every row is here */
};

enum { PROP_0, PROP_COMPLETE, N_PROPS };
static GParamSpec *props[N_PROPS];

static void casella_message_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CasellaMessageList, casella_message_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, casella_message_list_model_init))

static GType
casella_message_list_get_item_type (GListModel *model)
{
  return CASELLA_TYPE_MESSAGE_ITEM;
}

static guint
casella_message_list_get_n_items (GListModel *model)
{
  return CASELLA_MESSAGE_LIST (model)->ids->len;
}

/* A row someone still shows (a list view holds it) stays, so that it
 * keeps getting updates; the others are let go. */
static gboolean
unused (gpointer key,
        gpointer value,
        gpointer user_data)
{
  return G_OBJECT (value)->ref_count == 1;
}

static void
forget_page (CasellaMessageList *self,
             guint               page)
{
  for (guint i = page * PAGE; i < MIN ((page + 1) * PAGE, self->ids->len); i++)
    {
      GObject *item = g_hash_table_lookup (self->items, &g_array_index (self->ids, gint64, i));
      if (item != NULL && item->ref_count == 1)
        g_hash_table_remove (self->items, &g_array_index (self->ids, gint64, i));
    }
  g_hash_table_remove (self->loaded, GUINT_TO_POINTER (page + 1));
}

/* Rows of conversations learn what theirs are now. */
static void
summarize (CasellaMessageList *self,
           guint               first,
           guint               n)
{
  const gint64 *threads = &g_array_index (self->threads, gint64, first);
  g_autoptr(GHashTable) summaries = casella_store_get_thread_summaries (self->store, threads, n, self->folder_id, NULL);

  for (guint i = 0; summaries != NULL && i < n; i++)
    {
      CasellaMessageItem *item = g_hash_table_lookup (self->items, &g_array_index (self->ids, gint64, first + i));
      gpointer summary = NULL;

      if (item != NULL && threads[i] != 0 && g_hash_table_steal_extended (summaries, &threads[i], NULL, &summary))
        item_set_conversation (item, summary);
    }
}

/* One statement for the page; rows already made are updated in place. */
static void
load_page (CasellaMessageList *self,
           guint               page)
{
  guint first = page * PAGE, n = MIN (PAGE, self->ids->len - first);
  gint64 *ids = &g_array_index (self->ids, gint64, first);
  g_autoptr(GPtrArray) rows = casella_store_get_messages (self->store, ids, n, NULL);

  for (guint i = 0; rows && i < rows->len; i++)
    {
      CasellaMessageInfo *info = g_ptr_array_steal_index_fast (rows, i--);
      CasellaMessageItem *item = g_hash_table_lookup (self->items, &info->id);

      if (item != NULL)
        item_update (item, info);
      else
        {
          item = item_new (info, self->origin, self->origin_label);
          g_hash_table_insert (self->items, &item->id, item);
        }
    }
  if (self->threads != NULL)
    summarize (self, first, n);
  g_hash_table_add (self->loaded, GUINT_TO_POINTER (page + 1));
  g_queue_push_head (&self->recent, GUINT_TO_POINTER (page));
  while (self->recent.length > KEEP_PAGES)
    forget_page (self, GPOINTER_TO_UINT (g_queue_pop_tail (&self->recent)));
}

static gpointer
casella_message_list_get_item (GListModel *model,
                               guint       position)
{
  CasellaMessageList *self = CASELLA_MESSAGE_LIST (model);
  guint page = position / PAGE;
  gint64 id;
  CasellaMessageItem *item;

  if (position >= self->ids->len)
    return NULL;
  id = g_array_index (self->ids, gint64, position);
  if (!g_hash_table_contains (self->loaded, GUINT_TO_POINTER (page + 1)))
    load_page (self, page);
  item = g_hash_table_lookup (self->items, &id);
  if (item == NULL)
    {
      /* Gone from the store since the ids were read: an empty row until
       * the next reload takes it out. */
      CasellaMessageInfo *info = g_new0 (CasellaMessageInfo, 1);
      info->id = id;
      info->flags = CASELLA_MESSAGE_SEEN;
      item = item_new (info, self->origin, self->origin_label);
      g_hash_table_insert (self->items, &item->id, item);
    }
  return g_object_ref (item);
}

static void
casella_message_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = casella_message_list_get_item_type;
  iface->get_n_items = casella_message_list_get_n_items;
  iface->get_item = casella_message_list_get_item;
}

/* ---- reading the ids ---- */

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  const CasellaMessageInfo *x = *(CasellaMessageInfo * const *) a, *y = *(CasellaMessageInfo * const *) b;

  if (x->date != y->date)
    return x->date > y->date ? -1 : 1;
  return x->id > y->id ? -1 : x->id < y->id;
}

/* The local ids plus the extra ones, newest first. */
static GArray *
merge_extra (CasellaMessageList *self,
             GArray             *local)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) rows = NULL;
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint pass = 0; pass < 2; pass++)
    {
      GArray *from = pass == 0 ? local : self->extra;
      for (guint i = 0; i < from->len; i++)
        if (g_hash_table_add (seen, &g_array_index (from, gint64, i)))
          g_array_append_val (all, g_array_index (from, gint64, i));
    }
  rows = casella_store_get_messages (self->store, (gint64 *) all->data, all->len, NULL);
  if (rows != NULL)
    {
      g_ptr_array_sort (rows, compare_newest_first);
      for (guint i = 0; i < rows->len; i++)
        g_array_append_val (ids, ((CasellaMessageInfo *) rows->pdata[i])->id);
    }
  return ids;
}

/* limit: how many rows (conversations, or messages) at most (0: all);
 * more: whether some were left out. */
static GArray *
read_ids (CasellaMessageList *self,
          guint               limit,
          gboolean           *more)
{
  g_autoptr(GArray) local = NULL;

  *more = FALSE;
  g_clear_pointer (&self->threads, g_array_unref);
  if (self->conversations && (self->query == NULL || self->query[0] == '\0') && self->extra->len == 0)
    {
      local = casella_store_list_conversation_ids (self->store, self->folder_id, self->hidden, &self->threads,
                                                   limit, more, NULL);
      if (local != NULL)
        return g_steal_pointer (&local);
    }
  if (self->query == NULL || self->query[0] == '\0')
    local = casella_store_list_newest_ids (self->store, self->folder_id, self->extra->len == 0 ? limit : 0, more,
                                           NULL);
  else
    local = casella_store_list_message_ids (self->store, self->folder_id, self->query, NULL);

  if (local == NULL)
    local = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; g_hash_table_size (self->hidden) > 0 && i < local->len; i++)
    if (g_hash_table_contains (self->hidden, &g_array_index (local, gint64, i)))
      g_array_remove_index (local, i--);
  if (self->extra->len == 0)
    return g_steal_pointer (&local);
  return merge_extra (self, local);
}

/* Rows still loaded get fresh facts (a flag changed, a body came). */
static void
refresh_loaded (CasellaMessageList *self)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) rows = NULL;
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->items);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_array_append_val (ids, *(gint64 *) key);
  rows = casella_store_get_messages (self->store, (gint64 *) ids->data, ids->len, NULL);
  for (guint i = 0; rows && i < rows->len; i++)
    {
      CasellaMessageInfo *info = g_ptr_array_steal_index_fast (rows, i--);
      CasellaMessageItem *item = g_hash_table_lookup (self->items, &info->id);
      if (item != NULL)
        item_update (item, info);
      else
        casella_message_info_free (info);
    }
}

void
casella_message_list_reload (CasellaMessageList *self)
{
  g_autoptr(GArray) old = self->ids;
  guint prefix = 0, suffix = 0;
  gboolean more, was_partial;

  g_return_if_fail (CASELLA_IS_MESSAGE_LIST (self));

  was_partial = self->rest != NULL;
  if (self->rest != NULL)
    {
      g_source_destroy (self->rest);
      g_clear_pointer (&self->rest, g_source_unref);
    }
  refresh_loaded (self);
  g_hash_table_foreach_remove (self->items, unused, NULL);
  self->ids = read_ids (self, 0, &more);
  g_clear_pointer (&self->dates, g_array_unref);
  /* Pages move with the ids: they are read again when asked for. */
  g_hash_table_remove_all (self->loaded);
  g_queue_clear (&self->recent);
  while (prefix < old->len && prefix < self->ids->len &&
         g_array_index (old, gint64, prefix) == g_array_index (self->ids, gint64, prefix))
    prefix++;
  while (suffix < old->len - prefix && suffix < self->ids->len - prefix &&
         g_array_index (old, gint64, old->len - 1 - suffix) == g_array_index (self->ids, gint64, self->ids->len - 1 - suffix))
    suffix++;
  if (old->len != self->ids->len || prefix != old->len)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix, old->len - prefix - suffix, self->ids->len - prefix - suffix);
  if (was_partial)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_COMPLETE]);
}

static gboolean
read_the_rest (gpointer data)
{
  casella_message_list_reload (data);
  return G_SOURCE_REMOVE;
}

/* Reads every row now, if some are still to come. */
void
casella_message_list_complete (CasellaMessageList *self)
{
  g_return_if_fail (CASELLA_IS_MESSAGE_LIST (self));

  if (self->rest != NULL)
    casella_message_list_reload (self);
}

gboolean
casella_message_list_is_complete (CasellaMessageList *self)
{
  g_return_val_if_fail (CASELLA_IS_MESSAGE_LIST (self), FALSE);

  return self->rest == NULL;
}

/* The rows on show learn what their conversations are now: an answer
 * filed in Sent, or one read elsewhere, changes a row in the Inbox. */
static void
refresh_conversations (CasellaMessageList *self)
{
  g_autoptr(GArray) threads = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GHashTable) summaries = NULL;
  GHashTableIter iter;
  gpointer item;

  g_hash_table_iter_init (&iter, self->items);
  while (g_hash_table_iter_next (&iter, NULL, &item))
    if (G_OBJECT (item)->ref_count > 1 && casella_message_item_get_thread (item) != 0)
      {
        gint64 thread = casella_message_item_get_thread (item);
        g_array_append_val (threads, thread);
      }
  if (threads->len == 0)
    return;
  summaries = casella_store_get_thread_summaries (self->store, (gint64 *) threads->data, threads->len,
                                                  self->folder_id, NULL);
  g_hash_table_iter_init (&iter, self->items);
  while (summaries != NULL && g_hash_table_iter_next (&iter, NULL, &item))
    {
      gint64 thread = casella_message_item_get_thread (item);
      gpointer summary = NULL;

      if (G_OBJECT (item)->ref_count > 1 && thread != 0 &&
          g_hash_table_steal_extended (summaries, &thread, NULL, &summary))
        item_set_conversation (item, summary);
    }
}

static void
on_folder_changed (CasellaStore       *store,
                   gint64              folder_id,
                   CasellaMessageList *self)
{
  if (folder_id == self->folder_id)
    casella_message_list_reload (self);
  if (self->threads != NULL)
    refresh_conversations (self);
}

/* ---- the object ---- */

static void
casella_message_list_finalize (GObject *object)
{
  CasellaMessageList *self = CASELLA_MESSAGE_LIST (object);

  if (self->rest != NULL)
    g_source_destroy (self->rest);
  g_clear_pointer (&self->rest, g_source_unref);
  g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->store);
  g_free (self->query);
  g_array_unref (self->ids);
  g_array_unref (self->extra);
  g_hash_table_unref (self->items);
  g_hash_table_unref (self->loaded);
  g_hash_table_unref (self->hidden);
  g_clear_pointer (&self->dates, g_array_unref);
  g_clear_pointer (&self->threads, g_array_unref);
  g_clear_object (&self->origin);
  g_free (self->origin_label);
  g_queue_clear (&self->recent);

  G_OBJECT_CLASS (casella_message_list_parent_class)->finalize (object);
}

static void
casella_message_list_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_COMPLETE:
      g_value_set_boolean (value, casella_message_list_is_complete (CASELLA_MESSAGE_LIST (object)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
casella_message_list_class_init (CasellaMessageListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = casella_message_list_finalize;
  object_class->get_property = casella_message_list_get_property;
  /* Every row is here (the first ones of a big folder come first). */
  props[PROP_COMPLETE] = g_param_spec_boolean ("complete", NULL, NULL, TRUE,
                                               G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
casella_message_list_init (CasellaMessageList *self)
{
  self->items = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_object_unref);
  self->loaded = g_hash_table_new (NULL, NULL);
  self->hidden = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->extra = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_queue_init (&self->recent);
}

CasellaMessageList *
casella_message_list_new (CasellaStore *store,
                          gint64        folder_id,
                          const char   *query)
{
  return casella_message_list_new_full (store, folder_id, query, FALSE);
}

CasellaMessageList *
casella_message_list_new_full (CasellaStore *store,
                               gint64        folder_id,
                               const char   *query,
                               gboolean      conversations)
{
  CasellaMessageList *self = g_object_new (CASELLA_TYPE_MESSAGE_LIST, NULL);
  gboolean more;

  self->store = g_object_ref (store);
  self->folder_id = folder_id;
  self->query = g_strdup (query);
  self->conversations = conversations;
  self->ids = read_ids (self, FIRST_ROWS, &more);
  if (more)
    {
      self->rest = g_idle_source_new ();
      g_source_set_priority (self->rest, G_PRIORITY_LOW);
      g_source_set_callback (self->rest, read_the_rest, self, NULL);
      g_source_set_static_name (self->rest, "casella-message-list-rest");
      g_source_attach (self->rest, g_main_context_get_thread_default ());
    }
  g_signal_connect (store, "folder-changed", G_CALLBACK (on_folder_changed), self);
  return self;
}

gint64
casella_message_list_get_folder (CasellaMessageList *self)
{
  return self->folder_id;
}

void
casella_message_list_set_query (CasellaMessageList *self,
                                const char         *query)
{
  g_return_if_fail (CASELLA_IS_MESSAGE_LIST (self));

  if (g_strcmp0 (self->query, query) == 0)
    return;
  g_free (self->query);
  self->query = g_strdup (query);
  g_array_set_size (self->extra, 0);
  casella_message_list_reload (self);
}

const char *
casella_message_list_get_query (CasellaMessageList *self)
{
  return self->query;
}

void
casella_message_list_add_ids (CasellaMessageList *self,
                              GArray             *ids)
{
  g_return_if_fail (CASELLA_IS_MESSAGE_LIST (self));

  g_array_append_vals (self->extra, ids->data, ids->len);
  casella_message_list_reload (self);
}

void
casella_message_list_hide (CasellaMessageList *self,
                           GArray             *ids)
{
  g_return_if_fail (CASELLA_IS_MESSAGE_LIST (self));

  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      int position = casella_message_list_find (self, id);

      g_hash_table_add (self->hidden, g_memdup2 (&id, sizeof id));
      if (position < 0)
        continue;
      g_array_remove_index (self->ids, (guint) position);
      if (self->dates != NULL)
        g_array_remove_index (self->dates, (guint) position);
      if (self->threads != NULL)
        g_array_remove_index (self->threads, (guint) position);
      /* Pages move with the ids: they are read again when asked for. */
      g_hash_table_remove_all (self->loaded);
      g_queue_clear (&self->recent);
      g_list_model_items_changed (G_LIST_MODEL (self), (guint) position, 1, 0);
    }
}

void
casella_message_list_unhide (CasellaMessageList *self,
                             GArray             *ids)
{
  g_return_if_fail (CASELLA_IS_MESSAGE_LIST (self));

  for (guint i = 0; i < ids->len; i++)
    g_hash_table_remove (self->hidden, &g_array_index (ids, gint64, i));
  casella_message_list_reload (self);
}

static int find_loaded (CasellaMessageList *self, gint64 message_id);

int
casella_message_list_find (CasellaMessageList *self,
                           gint64              message_id)
{
  int position = find_loaded (self, message_id);

  if (position < 0 && self->rest != NULL)
    {
      casella_message_list_complete (self);
      position = find_loaded (self, message_id);
    }
  return position;
}

static int
find_loaded (CasellaMessageList *self,
             gint64              message_id)
{
  g_autoptr(CasellaMessageInfo) info = NULL;

  for (guint i = 0; i < self->ids->len; i++)
    if (g_array_index (self->ids, gint64, i) == message_id)
      return (int) i;
  /* Another message of a conversation here: its row. */
  if (self->threads == NULL || (info = casella_store_get_message (self->store, message_id)) == NULL ||
      info->thread == 0 || info->folder_id != self->folder_id)
    return -1;
  for (guint i = 0; i < self->threads->len; i++)
    if (g_array_index (self->threads, gint64, i) == info->thread)
      return (int) i;
  return -1;
}

void
casella_message_list_set_conversations (CasellaMessageList *self,
                                        gboolean            conversations)
{
  g_return_if_fail (CASELLA_IS_MESSAGE_LIST (self));

  if (self->conversations == !!conversations)
    return;
  self->conversations = !!conversations;
  casella_message_list_reload (self);
}

gboolean
casella_message_list_get_conversations (CasellaMessageList *self)
{
  return self->conversations;
}

GArray *
casella_message_list_expand (CasellaMessageList *self,
                             GArray             *ids)
{
  g_autoptr(GArray) threads = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GHashTable) asked = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) more = NULL;
  GArray *all = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_array_append_vals (all, ids->data, ids->len);
  if (self->threads == NULL)
    return all;
  for (guint i = 0; i < ids->len; i++)
    g_hash_table_add (asked, &g_array_index (ids, gint64, i));
  for (guint j = 0; j < self->ids->len; j++)
    if (g_array_index (self->threads, gint64, j) != 0 && g_hash_table_contains (asked, &g_array_index (self->ids, gint64, j)))
      g_array_append_val (threads, g_array_index (self->threads, gint64, j));
  more = casella_store_list_thread_ids (self->store, self->folder_id, (gint64 *) threads->data, threads->len, NULL);
  for (guint i = 0; more != NULL && i < more->len; i++)
    if (!g_hash_table_contains (asked, &g_array_index (more, gint64, i)) &&
        !g_hash_table_contains (self->hidden, &g_array_index (more, gint64, i)))
      g_array_append_val (all, g_array_index (more, gint64, i));
  return all;
}

void
casella_message_list_set_origin (CasellaMessageList *self,
                                 GObject            *origin,
                                 const char         *label)
{
  g_return_if_fail (CASELLA_IS_MESSAGE_LIST (self));
  g_return_if_fail (g_hash_table_size (self->items) == 0);

  g_set_object (&self->origin, origin);
  g_free (self->origin_label);
  self->origin_label = g_strdup (label);
}

GObject *
casella_message_list_get_origin (CasellaMessageList *self)
{
  return self->origin;
}

gint64
casella_message_list_get_id (CasellaMessageList *self,
                             guint               position)
{
  g_return_val_if_fail (position < self->ids->len, 0);

  return g_array_index (self->ids, gint64, position);
}

static int
compare_id (const void *key,
            const void *pair)
{
  gint64 a = *(const gint64 *) key, b = ((const CasellaIdDate *) pair)->id;

  return a < b ? -1 : a > b;
}

/* One statement for the folder's dates; ids from elsewhere (the server's
 * search) are read one page at a time. */
static void
read_dates (CasellaMessageList *self)
{
  g_autoptr(GArray) folder = casella_store_list_dates (self->store, self->folder_id, NULL);

  self->dates = g_array_sized_new (FALSE, FALSE, sizeof (gint64), self->ids->len);
  for (guint i = 0; i < self->ids->len; i++)
    {
      gint64 id = g_array_index (self->ids, gint64, i);
      const CasellaIdDate *pair = folder ? bsearch (&id, folder->data, folder->len, sizeof (CasellaIdDate), compare_id)
                                         : NULL;
      gint64 date = 0;

      if (pair != NULL)
        date = pair->date;
      else
        {
          g_autoptr(GPtrArray) rows = casella_store_get_messages (self->store, &id, 1, NULL);
          if (rows != NULL && rows->len == 1)
            date = ((CasellaMessageInfo *) rows->pdata[0])->date;
        }
      g_array_append_val (self->dates, date);
    }
}

gint64
casella_message_list_get_date (CasellaMessageList *self,
                               guint               position)
{
  g_return_val_if_fail (position < self->ids->len, 0);

  if (self->dates == NULL)
    read_dates (self);
  return g_array_index (self->dates, gint64, position);
}
