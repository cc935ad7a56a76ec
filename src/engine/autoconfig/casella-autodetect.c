/* casella-autodetect.c — every source at once, one ranking, one deadline
 *
 * The sources are ranked (casella-mail-config.h: bundled database, the
 * provider's HTTPS autoconfig, the ISPDB, MX, SRV, probing, plain HTTP).
 * All start together; the answer is returned the moment the best source
 * that has answered is better than every source still running. Our own
 * database answers at once, so for the providers it knows nothing goes
 * on the network at all. At the deadline the best answer so far is
 * returned; cancelling returns at once and stops every request.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-autodetect-private.h"
#include "casella-engine-util.h"

struct _CasellaAutodetect
{
  GObject                   parent_instance;

  char                     *address;
  char                     *domain;
  CasellaAutodetectOptions *options;
  SoupSession              *session;
  CasellaSourceReport       reports[CASELLA_N_SOURCES];
  GPtrArray                *found[CASELLA_N_SOURCES];   /* CasellaMailConfig */
  gint64                    started[CASELLA_N_SOURCES];
  GTask                    *task;
  GCancellable             *cancellable;                /* ours: stops every source */
  GSource                  *user_cancel;
  guint                     deadline_id;
  gint64                    start_time;
  gboolean                  finished;
};

enum { SIGNAL_PROGRESS, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CasellaAutodetect, casella_autodetect, G_TYPE_OBJECT)

static const CasellaSourceStart source_starts[CASELLA_N_SOURCES] = {
  [CASELLA_SOURCE_BUNDLED] = casella_source_bundled_start,
  [CASELLA_SOURCE_AUTOCONFIG] = casella_source_autoconfig_start,
  [CASELLA_SOURCE_ISPDB] = casella_source_ispdb_start,
  [CASELLA_SOURCE_MX] = casella_source_mx_start,
  [CASELLA_SOURCE_SRV] = casella_source_srv_start,
  [CASELLA_SOURCE_PROBE] = casella_source_probe_start,
  [CASELLA_SOURCE_HTTP] = casella_source_http_start,
};

/* ---- options ---- */

CasellaAutodetectOptions *
casella_autodetect_options_new (void)
{
  CasellaAutodetectOptions *options = g_new0 (CasellaAutodetectOptions, 1);
  static const guint16 ports[6] = { 993, 995, 465, 143, 110, 587 };

  options->ispdb_base_url = g_strdup (CASELLA_DEFAULT_ISPDB_URL);
  options->deadline_ms = 10000;
  options->request_timeout_ms = 4000;
  options->https_port = 443;
  options->http_port = 80;
  memcpy (options->probe_ports, ports, sizeof ports);
  return options;
}

CasellaAutodetectOptions *
casella_autodetect_options_copy (const CasellaAutodetectOptions *options)
{
  CasellaAutodetectOptions *copy = g_memdup2 (options, sizeof *options);

  copy->ispdb_base_url = g_strdup (options->ispdb_base_url);
  if (copy->tls_database)
    g_object_ref (copy->tls_database);
  return copy;
}

void
casella_autodetect_options_free (CasellaAutodetectOptions *options)
{
  if (options == NULL)
    return;
  g_clear_object (&options->tls_database);
  g_free (options->ispdb_base_url);
  g_free (options);
}

const char *
casella_source_state_to_string (CasellaSourceState state)
{
  static const char *names[] = { "waiting", "running", "found", "not-found", "failed",
                                 "not-needed", "timed-out", "skipped" };

  return (guint) state < G_N_ELEMENTS (names) ? names[state] : "unknown";
}

/* ---- results ---- */

void
casella_autodetect_result_free (CasellaAutodetectResult *result)
{
  if (result == NULL)
    return;
  g_ptr_array_unref (result->configs);
  for (guint i = 0; i < CASELLA_N_SOURCES; i++)
    g_free (result->reports[i].detail);
  g_free (result);
}

static guint
elapsed_since (gint64 start)
{
  return (guint) ((g_get_monotonic_time () - start) / 1000);
}

static gboolean
state_is_open (CasellaSourceState state)
{
  return state == CASELLA_SOURCE_STATE_WAITING || state == CASELLA_SOURCE_STATE_RUNNING;
}

static void
set_state (CasellaAutodetect   *self,
           CasellaConfigSource  source,
           CasellaSourceState   state)
{
  self->reports[source].state = state;
  if (!state_is_open (state) && self->started[source] != 0)
    self->reports[source].elapsed_ms = elapsed_since (self->started[source]);
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, source, state);
}

static CasellaAutodetectResult *
build_result (CasellaAutodetect *self)
{
  CasellaAutodetectResult *result = g_new0 (CasellaAutodetectResult, 1);

  result->configs = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_mail_config_unref);
  for (guint s = 0; s < CASELLA_N_SOURCES; s++)
    {
      for (guint i = 0; self->found[s] && i < self->found[s]->len; i++)
        g_ptr_array_add (result->configs, casella_mail_config_ref (self->found[s]->pdata[i]));
      result->reports[s] = self->reports[s];
      result->reports[s].detail = g_strdup (self->reports[s].detail);
    }
  result->elapsed_ms = elapsed_since (self->start_time);
  return result;
}

/* Ends the run: sources still going are stopped and said to be so. */
static void
finish (CasellaAutodetect  *self,
        CasellaSourceState  open_state,
        GError             *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  if (self->finished)
    {
      g_clear_error (&error);
      return;
    }
  self->finished = TRUE;
  g_clear_handle_id (&self->deadline_id, casella_source_remove);
  if (self->user_cancel)
    {
      g_source_destroy (self->user_cancel);
      g_clear_pointer (&self->user_cancel, g_source_unref);
    }

  for (guint s = 0; s < CASELLA_N_SOURCES; s++)
    if (state_is_open (self->reports[s].state))
      set_state (self, s, open_state);
  g_cancellable_cancel (self->cancellable);

  if (task == NULL)
    g_clear_error (&error);
  else if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, build_result (self), (GDestroyNotify) casella_autodetect_result_free);
}

/* Returns when the best answer so far beats everything still running. */
static void
evaluate (CasellaAutodetect *self)
{
  gboolean all_done = TRUE;

  for (guint s = 0; s < CASELLA_N_SOURCES; s++)
    {
      if (state_is_open (self->reports[s].state))
        {
          all_done = FALSE;
          break;   /* a better source may still answer */
        }
      if (self->reports[s].state == CASELLA_SOURCE_STATE_FOUND)
        {
          finish (self, CASELLA_SOURCE_STATE_NOT_NEEDED, NULL);
          return;
        }
    }
  if (all_done)
    finish (self, CASELLA_SOURCE_STATE_NOT_NEEDED, NULL);
}

void
casella_autodetect_source_done (CasellaAutodetect   *self,
                                CasellaConfigSource  source,
                                GPtrArray           *configs,
                                const char          *detail,
                                const GError        *error)
{
  GPtrArray *complete;

  if (self->finished || !state_is_open (self->reports[source].state))
    return;

  complete = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_mail_config_unref);
  for (guint i = 0; configs && i < configs->len; i++)
    if (casella_mail_config_is_complete (configs->pdata[i]))
      g_ptr_array_add (complete, casella_mail_config_ref (configs->pdata[i]));

  g_free (self->reports[source].detail);
  self->reports[source].detail = g_strdup (error ? error->message : detail);
  g_clear_pointer (&self->found[source], g_ptr_array_unref);
  if (complete->len > 0)
    {
      self->found[source] = complete;
      set_state (self, source, CASELLA_SOURCE_STATE_FOUND);
    }
  else
    {
      g_ptr_array_unref (complete);
      set_state (self, source, error ? CASELLA_SOURCE_STATE_FAILED : CASELLA_SOURCE_STATE_NOT_FOUND);
    }
  evaluate (self);
}

/* ---- running ---- */

static gboolean
on_deadline (gpointer user_data)
{
  CasellaAutodetect *self = user_data;

  self->deadline_id = 0;
  finish (self, CASELLA_SOURCE_STATE_TIMED_OUT, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
on_user_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  finish (user_data, CASELLA_SOURCE_STATE_NOT_NEEDED,
          g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled"));
  return G_SOURCE_REMOVE;
}

void
casella_autodetect_run_async (CasellaAutodetect   *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(CasellaAutodetect) hold = g_object_ref (self);

  g_return_if_fail (self->task == NULL && !self->finished);

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, casella_autodetect_run_async);
  self->start_time = g_get_monotonic_time ();

  if (cancellable != NULL)
    {
      self->user_cancel = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->user_cancel, (GSourceFunc) (GCallback) on_user_cancelled, self, NULL);
      g_source_attach (self->user_cancel, g_main_context_get_thread_default ());
    }
  self->deadline_id = casella_timeout_add (self->options->deadline_ms, on_deadline, self);

  for (guint s = 0; s < CASELLA_N_SOURCES; s++)
    self->reports[s].state = (self->options->disabled & (1u << s)) ? CASELLA_SOURCE_STATE_SKIPPED
                                                                    : CASELLA_SOURCE_STATE_WAITING;

  /* In rank order: when a better source answers at once (our own
   * database does), the others are never asked. */
  for (guint s = 0; s < CASELLA_N_SOURCES && !self->finished; s++)
    if (self->reports[s].state == CASELLA_SOURCE_STATE_WAITING)
      {
        self->started[s] = g_get_monotonic_time ();
        set_state (self, s, CASELLA_SOURCE_STATE_RUNNING);
        source_starts[s] (self, self->cancellable);
      }
  if (!self->finished)
    evaluate (self);
}

CasellaAutodetectResult *
casella_autodetect_run_finish (CasellaAutodetect  *self,
                               GAsyncResult       *result,
                               GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- accessors for the sources ---- */

const CasellaAutodetectOptions *
casella_autodetect_get_options (CasellaAutodetect *self)
{
  return self->options;
}

const char *
casella_autodetect_get_address (CasellaAutodetect *self)
{
  return self->address;
}

const char *
casella_autodetect_get_domain (CasellaAutodetect *self)
{
  return self->domain;
}

SoupSession *
casella_autodetect_get_session (CasellaAutodetect *self)
{
  if (self->session == NULL)
    {
      self->session = soup_session_new_with_options ("user-agent", "Casella/" PACKAGE_VERSION,
                                                     "timeout", (self->options->request_timeout_ms + 999) / 1000,
                                                     NULL);
      if (self->options->tls_database != NULL)
        soup_session_set_tls_database (self->session, self->options->tls_database);
    }
  return self->session;
}

const CasellaSourceReport *
casella_autodetect_get_report (CasellaAutodetect   *self,
                               CasellaConfigSource  source)
{
  g_return_val_if_fail (source < CASELLA_N_SOURCES, NULL);
  return &self->reports[source];
}

/* ---- object ---- */

static void
casella_autodetect_finalize (GObject *object)
{
  CasellaAutodetect *self = CASELLA_AUTODETECT (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->deadline_id, casella_source_remove);
  if (self->user_cancel)
    {
      g_source_destroy (self->user_cancel);
      g_source_unref (self->user_cancel);
    }
  for (guint s = 0; s < CASELLA_N_SOURCES; s++)
    {
      g_free (self->reports[s].detail);
      g_clear_pointer (&self->found[s], g_ptr_array_unref);
    }
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  casella_autodetect_options_free (self->options);
  g_free (self->address);
  g_free (self->domain);

  G_OBJECT_CLASS (casella_autodetect_parent_class)->finalize (object);
}

static void
casella_autodetect_class_init (CasellaAutodetectClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = casella_autodetect_finalize;

  /* A source changed state: (CasellaConfigSource, CasellaSourceState). */
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
casella_autodetect_init (CasellaAutodetect *self)
{
  self->cancellable = g_cancellable_new ();
}

CasellaAutodetect *
casella_autodetect_new (const char                     *address,
                        const CasellaAutodetectOptions *options)
{
  CasellaAutodetect *self;

  g_return_val_if_fail (casella_address_is_valid (address), NULL);

  self = g_object_new (CASELLA_TYPE_AUTODETECT, NULL);
  self->address = g_strdup (address);
  /* Network names are ASCII: città.it is xn--citt-5qa.it on the wire. */
  {
    g_autofree char *domain = casella_address_get_domain (address);
    self->domain = g_hostname_to_ascii (domain);
  }
  self->options = options ? casella_autodetect_options_copy (options) : casella_autodetect_options_new ();
  return self;
}
