/* casella-test-resolver.c — DNS for tests, in process
 *
 * GResolver's own lookup_service() goes through lookup_records(), so
 * SRV answers reach g_resolver_lookup_service() and GSocketClient alike.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-test-resolver.h"

struct _CasellaTestResolver
{
  GResolver   parent_instance;
  GHashTable *hosts;    /* name -> ip */
  GHashTable *records;  /* "MX name" / "SRV name" -> GPtrArray of GVariant */
  GHashTable *hang;     /* names that never answer */
  GHashTable *counts;   /* name -> lookups asked */
  GMutex      mutex;
};

G_DEFINE_FINAL_TYPE (CasellaTestResolver, casella_test_resolver, G_TYPE_RESOLVER)

static char *
lower (const char *name)
{
  g_autofree char *down = g_ascii_strdown (name, -1);
  gsize n = strlen (down);

  if (n > 0 && down[n - 1] == '.')
    down[n - 1] = '\0';
  return g_steal_pointer (&down);
}

static void
count (CasellaTestResolver *self,
       const char          *name)
{
  g_mutex_lock (&self->mutex);
  g_hash_table_replace (self->counts, lower (name),
                        GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, name)) + 1));
  g_mutex_unlock (&self->mutex);
}

static gboolean
hangs (CasellaTestResolver *self,
       const char          *name)
{
  g_autofree char *key = lower (name);
  gboolean result;

  g_mutex_lock (&self->mutex);
  result = g_hash_table_contains (self->hang, key);
  g_mutex_unlock (&self->mutex);
  return result;
}

/* Hanging lookups return only when cancelled. */
static void
on_hang_cancelled (GCancellable *cancellable,
                   GTask        *task)
{
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
}

static gboolean
maybe_hang (CasellaTestResolver *self,
            const char          *name,
            GTask               *task)
{
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (!hangs (self, name))
    return FALSE;
  if (cancellable != NULL)
    g_cancellable_connect (cancellable, G_CALLBACK (on_hang_cancelled), task, g_object_unref);
  else
    g_object_unref (task);   /* forgotten for good: never answers */
  return TRUE;
}

static GList *
lookup_by_name (GResolver     *resolver,
                const char    *hostname,
                GCancellable  *cancellable,
                GError       **error)
{
  CasellaTestResolver *self = CASELLA_TEST_RESOLVER (resolver);
  g_autofree char *key = lower (hostname);
  GInetAddress *address = g_inet_address_new_from_string (hostname);
  const char *ip;

  count (self, hostname);
  if (address != NULL)
    return g_list_append (NULL, address);
  g_mutex_lock (&self->mutex);
  ip = g_hash_table_lookup (self->hosts, key);
  g_mutex_unlock (&self->mutex);
  if (ip == NULL)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "No such host “%s” (test resolver)", hostname);
      return NULL;
    }
  return g_list_append (NULL, g_inet_address_new_from_string (ip));
}

static void
lookup_by_name_async (GResolver           *resolver,
                      const char          *hostname,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *addresses;

  if (maybe_hang (CASELLA_TEST_RESOLVER (resolver), hostname, task))
    return;
  addresses = lookup_by_name (resolver, hostname, cancellable, &error);
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, addresses, (GDestroyNotify) g_resolver_free_addresses);
  g_object_unref (task);
}

static GList *
lookup_finish (GResolver     *resolver,
               GAsyncResult  *result,
               GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GList *
lookup_by_name_with_flags (GResolver                 *resolver,
                           const char                *hostname,
                           GResolverNameLookupFlags   flags,
                           GCancellable              *cancellable,
                           GError                   **error)
{
  return lookup_by_name (resolver, hostname, cancellable, error);
}

static void
lookup_by_name_with_flags_async (GResolver                *resolver,
                                 const char               *hostname,
                                 GResolverNameLookupFlags  flags,
                                 GCancellable             *cancellable,
                                 GAsyncReadyCallback       callback,
                                 gpointer                  user_data)
{
  lookup_by_name_async (resolver, hostname, cancellable, callback, user_data);
}

static char *
lookup_by_address (GResolver     *resolver,
                   GInetAddress  *address,
                   GCancellable  *cancellable,
                   GError       **error)
{
  return g_strdup ("localhost");
}

static GList *
lookup_records (GResolver            *resolver,
                const char           *rrname,
                GResolverRecordType   type,
                GCancellable         *cancellable,
                GError              **error)
{
  CasellaTestResolver *self = CASELLA_TEST_RESOLVER (resolver);
  g_autofree char *name = lower (rrname);
  g_autofree char *key = g_strdup_printf ("%s %s", type == G_RESOLVER_RECORD_MX ? "MX" : "SRV", name);
  GPtrArray *records;
  GList *list = NULL;

  count (self, rrname);
  g_mutex_lock (&self->mutex);
  records = g_hash_table_lookup (self->records, key);
  for (guint i = 0; records && i < records->len; i++)
    list = g_list_append (list, g_variant_ref (records->pdata[i]));
  g_mutex_unlock (&self->mutex);
  if (list == NULL)
    g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "No records for “%s” (test resolver)", rrname);
  return list;
}

static void
lookup_records_async (GResolver           *resolver,
                      const char          *rrname,
                      GResolverRecordType  type,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *records;
  const char *domain = rrname;

  /* "_imaps._tcp.x.test" hangs when x.test does. */
  while (domain[0] == '_' && strchr (domain, '.'))
    domain = strchr (domain, '.') + 1;
  if (maybe_hang (CASELLA_TEST_RESOLVER (resolver), domain, task))
    return;
  records = lookup_records (resolver, rrname, type, cancellable, &error);
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, records, NULL);
  g_object_unref (task);
}

static void
casella_test_resolver_finalize (GObject *object)
{
  CasellaTestResolver *self = CASELLA_TEST_RESOLVER (object);

  g_hash_table_unref (self->hosts);
  g_hash_table_unref (self->records);
  g_hash_table_unref (self->hang);
  g_hash_table_unref (self->counts);
  g_mutex_clear (&self->mutex);
  G_OBJECT_CLASS (casella_test_resolver_parent_class)->finalize (object);
}

static void
casella_test_resolver_class_init (CasellaTestResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = casella_test_resolver_finalize;
  resolver_class->lookup_by_name = lookup_by_name;
  resolver_class->lookup_by_name_async = lookup_by_name_async;
  resolver_class->lookup_by_name_finish = lookup_finish;
  resolver_class->lookup_by_name_with_flags = lookup_by_name_with_flags;
  resolver_class->lookup_by_name_with_flags_async = lookup_by_name_with_flags_async;
  resolver_class->lookup_by_name_with_flags_finish = lookup_finish;
  resolver_class->lookup_by_address = lookup_by_address;
  resolver_class->lookup_records = lookup_records;
  resolver_class->lookup_records_async = lookup_records_async;
  resolver_class->lookup_records_finish = lookup_finish;
}

static void
casella_test_resolver_init (CasellaTestResolver *self)
{
  self->hosts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->hang = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&self->mutex);
}

CasellaTestResolver *
casella_test_resolver_install (void)
{
  CasellaTestResolver *self = g_object_new (CASELLA_TYPE_TEST_RESOLVER, NULL);

  g_resolver_set_default (G_RESOLVER (self));
  return self;
}

void
casella_test_resolver_add_host (CasellaTestResolver *self,
                                const char          *name,
                                const char          *ip)
{
  g_mutex_lock (&self->mutex);
  g_hash_table_replace (self->hosts, lower (name), g_strdup (ip));
  g_mutex_unlock (&self->mutex);
}

static void
add_record (CasellaTestResolver *self,
            const char          *type,
            const char          *name,
            GVariant            *record)
{
  g_autofree char *down = lower (name);
  g_autofree char *key = g_strdup_printf ("%s %s", type, down);
  GPtrArray *records;

  g_mutex_lock (&self->mutex);
  records = g_hash_table_lookup (self->records, key);
  if (records == NULL)
    {
      records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
      g_hash_table_insert (self->records, g_steal_pointer (&key), records);
    }
  g_ptr_array_add (records, g_variant_ref_sink (record));
  g_mutex_unlock (&self->mutex);
}

void
casella_test_resolver_add_mx (CasellaTestResolver *self,
                              const char          *domain,
                              guint16              preference,
                              const char          *exchange)
{
  add_record (self, "MX", domain, g_variant_new ("(qs)", preference, exchange));
}

void
casella_test_resolver_add_srv (CasellaTestResolver *self,
                               const char          *rrname,
                               guint16              priority,
                               guint16              weight,
                               guint16              port,
                               const char          *target)
{
  add_record (self, "SRV", rrname, g_variant_new ("(qqqs)", priority, weight, port, target));
}

void
casella_test_resolver_add_hang (CasellaTestResolver *self,
                                const char          *name)
{
  g_mutex_lock (&self->mutex);
  g_hash_table_add (self->hang, lower (name));
  g_mutex_unlock (&self->mutex);
}

guint
casella_test_resolver_count (CasellaTestResolver *self,
                             const char          *name)
{
  g_autofree char *key = lower (name);
  guint n;

  g_mutex_lock (&self->mutex);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, key));
  g_mutex_unlock (&self->mutex);
  return n;
}
