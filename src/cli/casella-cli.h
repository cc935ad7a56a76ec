/* casella-cli.h — shared bits of the casella-cli commands
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-account.h"
#include "casella-pec.h"
#include "casella-token-source.h"

G_BEGIN_DECLS

/* Exit codes scripts can rely on; README.md lists them. */
typedef enum {
  CASELLA_CLI_EXIT_OK = 0,
  CASELLA_CLI_EXIT_FAILURE = 1,         /* anything not below */
  CASELLA_CLI_EXIT_USAGE = 2,           /* wrong arguments */
  CASELLA_CLI_EXIT_NOT_FOUND = 3,       /* no settings found, no such account */
  CASELLA_CLI_EXIT_AUTH = 4,            /* the servers refused the user name or password */
  CASELLA_CLI_EXIT_USER_ACTION = 5,     /* the user must do something first (app password, consent…) */
  CASELLA_CLI_EXIT_NETWORK = 6,         /* unreachable, timed out, no such host */
  CASELLA_CLI_EXIT_CERTIFICATE = 7,     /* a server's certificate is not trusted */
  CASELLA_CLI_EXIT_KEYRING = 8,         /* the password could not be stored or found */
  CASELLA_CLI_EXIT_STORE = 9,           /* the mail store failed (disk full, damaged) */
} CasellaCliExit;

typedef struct {
  const char *name;
  const char *summary;
  int (*run) (int argc, char **argv);
} CasellaCliCommand;

typedef struct {
  GMainLoop    *loop;
  GAsyncResult *result;
} CasellaCliWait;

/* Waiting for one asynchronous call in the main loop. */
CasellaCliWait casella_cli_wait_new   (void);
void           casella_cli_on_done    (GObject *source, GAsyncResult *result, gpointer user_data);
GAsyncResult  *casella_cli_wait_for   (CasellaCliWait *wait);
void           casella_cli_wait_clear (CasellaCliWait *wait);

int            casella_cli_usage_error (GOptionContext *context, const char *message);
GTlsDatabase  *casella_cli_load_ca     (const char *file);
char          *casella_cli_default_ispdb_url (void);
int            casella_cli_exit_code   (const GError *error);

/* OAuth2 (casella-cli-oauth2.c). */
int                 casella_cli_take_oauth2_override (int argc, char **argv);
CasellaTokenSource *casella_cli_oauth2_sign_in       (CasellaAccount *account, CasellaOAuth2Provider *provider,
                                                      CasellaProtocol incoming, gboolean open_browser,
                                                      GTlsDatabase *tls_database, GError **error);
void                casella_cli_oauth2_explain       (const GError *error, CasellaOAuth2Provider *provider);
void                casella_cli_oauth2_revoke        (CasellaAccount *account);
void                casella_cli_oauth2_say_sign_in_again (CasellaAccount *account, const GError *error);
CasellaTokenSource *casella_cli_oauth2_tokens_for    (CasellaAccount *account, GTlsDatabase *tls_database,
                                                      GError **error);

int  casella_cli_detect   (int argc, char **argv);
int  casella_cli_add      (int argc, char **argv);
int  casella_cli_accounts (int argc, char **argv);
int  casella_cli_remove   (int argc, char **argv);
int  casella_cli_sync     (int argc, char **argv);
int  casella_cli_list     (int argc, char **argv);
int  casella_cli_show     (int argc, char **argv);
int  casella_cli_search   (int argc, char **argv);
int  casella_cli_send     (int argc, char **argv);
int  casella_cli_outbox   (int argc, char **argv);
int  casella_cli_export   (int argc, char **argv);
int  casella_cli_pec_status (int argc, char **argv);

/* A tiny JSON writer: enough for our own output. */
typedef struct {
  GString *out;
  guint    depth;
  gboolean need_comma;
} CasellaJson;

void casella_json_begin_object (CasellaJson *json, const char *key);
void casella_json_end_object   (CasellaJson *json);
void casella_json_begin_array  (CasellaJson *json, const char *key);
void casella_json_end_array    (CasellaJson *json);
void casella_json_string       (CasellaJson *json, const char *key, const char *value);
void casella_json_int          (CasellaJson *json, const char *key, gint64 value);
void casella_json_bool         (CasellaJson *json, const char *key, gboolean value);

/* casella-cli-pec.c */
void casella_cli_print_pec        (const CasellaPec       *pec,
                                   CasellaPecSignature     signature,
                                   const char             *detail);
void casella_cli_print_pec_status (const CasellaPecStatus *status,
                                   gboolean                json);
char *casella_cli_pec_status_text (const CasellaPecStatus *status);

G_END_DECLS
