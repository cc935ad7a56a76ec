/* casella-pop3-client.h — a POP3 client over GIO
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-line-client.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_POP3_CLIENT (casella_pop3_client_get_type ())
G_DECLARE_FINAL_TYPE (CasellaPop3Client, casella_pop3_client, CASELLA, POP3_CLIENT, CasellaLineClient)

typedef struct {
  guint    number;
  guint64  size;
} CasellaPop3ListItem;

typedef struct {
  guint  number;
  char  *uid;
} CasellaPop3UidItem;

CasellaPop3Client *casella_pop3_client_new            (CasellaNetConfig   *config);
gboolean           casella_pop3_client_has_capability (CasellaPop3Client  *self,
                                                       const char         *capability);

#define CASELLA_POP3_ASYNC_ARGS GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data

/* Greeting and CAPA; with STARTTLS security STLS, then CAPA again. */
void       casella_pop3_client_connect_async  (CasellaPop3Client *self, CASELLA_POP3_ASYNC_ARGS);
gboolean   casella_pop3_client_connect_finish (CasellaPop3Client *self, GAsyncResult *result, GError **error);
/* AUTH PLAIN when offered (SASL PLAIN), else USER/PASS. */
void       casella_pop3_client_login_async    (CasellaPop3Client *self, const char *username,
                                               const char *password, CASELLA_POP3_ASYNC_ARGS);
gboolean   casella_pop3_client_login_finish   (CasellaPop3Client *self, GAsyncResult *result, GError **error);
/* AUTH OAUTHBEARER or XOAUTH2 with an OAuth2 access token (whichever
 * the server's SASL capability names, OAUTHBEARER first); finish with
 * login_finish. A refused token is CASELLA_MAIL_ERROR_AUTH_FAILED. */
void       casella_pop3_client_login_oauth2_async (CasellaPop3Client *self, const char *username,
                                                   const char *access_token, GCancellable *cancellable,
                                                   GAsyncReadyCallback callback, gpointer user_data);
void       casella_pop3_client_capa_async     (CasellaPop3Client *self, CASELLA_POP3_ASYNC_ARGS);
GStrv      casella_pop3_client_capa_finish    (CasellaPop3Client *self, GAsyncResult *result, GError **error);
void       casella_pop3_client_stat_async     (CasellaPop3Client *self, CASELLA_POP3_ASYNC_ARGS);
gboolean   casella_pop3_client_stat_finish    (CasellaPop3Client *self, GAsyncResult *result,
                                               guint *count, guint64 *size, GError **error);
/* number 0: every message. */
void       casella_pop3_client_list_async     (CasellaPop3Client *self, guint number, CASELLA_POP3_ASYNC_ARGS);
GArray    *casella_pop3_client_list_finish    (CasellaPop3Client *self, GAsyncResult *result, GError **error);
void       casella_pop3_client_uidl_async     (CasellaPop3Client *self, guint number, CASELLA_POP3_ASYNC_ARGS);
GPtrArray *casella_pop3_client_uidl_finish    (CasellaPop3Client *self, GAsyncResult *result, GError **error);
void       casella_pop3_client_top_async      (CasellaPop3Client *self, guint number, guint lines,
                                               CASELLA_POP3_ASYNC_ARGS);
void       casella_pop3_client_retr_async     (CasellaPop3Client *self, guint number, CASELLA_POP3_ASYNC_ARGS);
GBytes    *casella_pop3_client_message_finish (CasellaPop3Client *self, GAsyncResult *result, GError **error);
void       casella_pop3_client_dele_async     (CasellaPop3Client *self, guint number, CASELLA_POP3_ASYNC_ARGS);
void       casella_pop3_client_rset_async     (CasellaPop3Client *self, CASELLA_POP3_ASYNC_ARGS);
void       casella_pop3_client_noop_async     (CasellaPop3Client *self, CASELLA_POP3_ASYNC_ARGS);
/* QUIT: deletions take effect, then the server closes the connection. */
void       casella_pop3_client_quit_async     (CasellaPop3Client *self, CASELLA_POP3_ASYNC_ARGS);
gboolean   casella_pop3_client_simple_finish  (CasellaPop3Client *self, GAsyncResult *result, GError **error);

void       casella_pop3_uid_item_free         (CasellaPop3UidItem *item);

/* LOGIN-DELAY (RFC 2449): the least seconds the server wants between
 * two sign-ins; 0 when it says nothing. */
guint              casella_pop3_client_get_login_delay (CasellaPop3Client *self);

G_END_DECLS
