/* casella-autodetect.h — from an email address to its settings: every
 * source at once, one ranking, one deadline
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-mail-config.h"

G_BEGIN_DECLS

typedef enum {
  CASELLA_SOURCE_STATE_WAITING,
  CASELLA_SOURCE_STATE_RUNNING,
  CASELLA_SOURCE_STATE_FOUND,
  CASELLA_SOURCE_STATE_NOT_FOUND,
  CASELLA_SOURCE_STATE_FAILED,
  CASELLA_SOURCE_STATE_NOT_NEEDED,   /* a better source answered first */
  CASELLA_SOURCE_STATE_TIMED_OUT,    /* still running at the deadline */
  CASELLA_SOURCE_STATE_SKIPPED,      /* switched off in the options */
} CasellaSourceState;

typedef struct {
  CasellaSourceState state;
  guint              elapsed_ms;
  char              *detail;     /* the URL or record asked, or why it failed */
} CasellaSourceReport;

/* Defaults suit real use; tests point the ports and URLs at their own
 * servers and give a database that trusts their CA. */
typedef struct {
  GTlsDatabase *tls_database;          /* NULL: the system's */
  char         *ispdb_base_url;        /* the central database; NULL: none */
  guint         deadline_ms;           /* whole detection: 10 s */
  guint         request_timeout_ms;    /* one request or probe: 4 s */
  guint16       https_port;            /* 443 */
  guint16       http_port;             /* 80 */
  guint16       probe_ports[6];        /* imaps, pop3s, smtps, imap, pop3, submission */
  guint         disabled;              /* 1 << CasellaConfigSource for sources not to ask */
} CasellaAutodetectOptions;

enum {
  CASELLA_PROBE_IMAPS, CASELLA_PROBE_POP3S, CASELLA_PROBE_SMTPS,
  CASELLA_PROBE_IMAP, CASELLA_PROBE_POP3, CASELLA_PROBE_SUBMISSION,
};

#define CASELLA_DEFAULT_ISPDB_URL "https://autoconfig.thunderbird.net/v1.1/"

typedef struct {
  GPtrArray           *configs;   /* CasellaMailConfig for the address, best first */
  CasellaSourceReport  reports[CASELLA_N_SOURCES];
  guint                elapsed_ms;
} CasellaAutodetectResult;

#define CASELLA_TYPE_AUTODETECT (casella_autodetect_get_type ())
G_DECLARE_FINAL_TYPE (CasellaAutodetect, casella_autodetect, CASELLA, AUTODETECT, GObject)

CasellaAutodetectOptions *casella_autodetect_options_new  (void);
CasellaAutodetectOptions *casella_autodetect_options_copy (const CasellaAutodetectOptions *options);
void                      casella_autodetect_options_free (CasellaAutodetectOptions *options);

CasellaAutodetect        *casella_autodetect_new          (const char                     *address,
                                                           const CasellaAutodetectOptions *options);
const char               *casella_autodetect_get_address  (CasellaAutodetect              *self);
const CasellaSourceReport *casella_autodetect_get_report  (CasellaAutodetect              *self,
                                                           CasellaConfigSource             source);
/* The result comes as soon as no better-ranked source can still answer,
 * or at the deadline with the best so far; cancelling ends it at once. */
void                      casella_autodetect_run_async    (CasellaAutodetect              *self,
                                                           GCancellable                   *cancellable,
                                                           GAsyncReadyCallback             callback,
                                                           gpointer                        user_data);
CasellaAutodetectResult  *casella_autodetect_run_finish   (CasellaAutodetect              *self,
                                                           GAsyncResult                   *result,
                                                           GError                        **error);
void                      casella_autodetect_result_free  (CasellaAutodetectResult        *result);

const char               *casella_source_state_to_string  (CasellaSourceState              state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaAutodetectOptions, casella_autodetect_options_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaAutodetectResult, casella_autodetect_result_free)

G_END_DECLS
