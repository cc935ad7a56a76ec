/* casella-imap-client.h — an IMAP4rev1 client over GIO
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-search-query.h"

#include "casella-imap-types.h"
#include "casella-net-config.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_IMAP_CLIENT (casella_imap_client_get_type ())
G_DECLARE_FINAL_TYPE (CasellaImapClient, casella_imap_client, CASELLA, IMAP_CLIENT, GObject)

/* Called for each FETCH result of a UID FETCH as it arrives. */
typedef void (*CasellaImapFetchFunc) (CasellaImapFetch *fetch,
                                      gpointer          user_data);

CasellaImapClient *casella_imap_client_new                  (CasellaNetConfig     *config);
CasellaNetConfig  *casella_imap_client_get_config           (CasellaImapClient    *self);
gboolean           casella_imap_client_is_connected         (CasellaImapClient    *self);
gboolean           casella_imap_client_is_authenticated     (CasellaImapClient    *self);
gboolean           casella_imap_client_is_encrypted         (CasellaImapClient    *self);
/* UTF8=ACCEPT was enabled (RFC 6855): mailbox names travel as UTF-8. */
gboolean           casella_imap_client_is_utf8              (CasellaImapClient    *self);
gboolean           casella_imap_client_has_capability       (CasellaImapClient    *self,
                                                             const char           *capability);
GStrv              casella_imap_client_dup_capabilities     (CasellaImapClient    *self);
GTlsCertificate   *casella_imap_client_get_peer_certificate (CasellaImapClient    *self);
GTlsCertificateFlags casella_imap_client_get_peer_certificate_errors (CasellaImapClient *self);
const char        *casella_imap_client_get_selected         (CasellaImapClient    *self);
guint32            casella_imap_client_get_exists           (CasellaImapClient    *self);
void               casella_imap_client_set_max_response_size (CasellaImapClient   *self,
                                                             gsize                 bytes);
void               casella_imap_client_disconnect           (CasellaImapClient    *self);

#define CASELLA_IMAP_DECLARE_ASYNC(name, ...) \
  void casella_imap_client_##name##_async (CasellaImapClient *self, ##__VA_ARGS__, \
                                           GCancellable *cancellable, \
                                           GAsyncReadyCallback callback, gpointer user_data)

/* Connects, reads the greeting and capabilities; with STARTTLS security
 * upgrades the connection (failing rather than continuing in plaintext)
 * and reads the capabilities again. */
void     casella_imap_client_connect_async       (CasellaImapClient *self, GCancellable *cancellable,
                                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean casella_imap_client_connect_finish      (CasellaImapClient *self, GAsyncResult *result, GError **error);

/* AUTHENTICATE PLAIN when offered, else LOGIN. Refuses to send a password
 * unencrypted unless the configuration explicitly says so. */
CASELLA_IMAP_DECLARE_ASYNC (login, const char *username, const char *password);
gboolean casella_imap_client_login_finish        (CasellaImapClient *self, GAsyncResult *result, GError **error);
/* AUTHENTICATE OAUTHBEARER or XOAUTH2 (whichever the server offers,
 * OAUTHBEARER first) with an OAuth2 access token; the same TLS rules as
 * a password. A refused token is CASELLA_MAIL_ERROR_AUTH_FAILED, with the
 * connection still ready for another try. Finish with login_finish. */
CASELLA_IMAP_DECLARE_ASYNC (login_oauth2, const char *username, const char *access_token);

void     casella_imap_client_capability_async    (CasellaImapClient *self, GCancellable *cancellable,
                                                  GAsyncReadyCallback callback, gpointer user_data);
GStrv    casella_imap_client_capability_finish   (CasellaImapClient *self, GAsyncResult *result, GError **error);
void     casella_imap_client_noop_async          (CasellaImapClient *self, GCancellable *cancellable,
                                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean casella_imap_client_noop_finish         (CasellaImapClient *self, GAsyncResult *result, GError **error);
void     casella_imap_client_logout_async        (CasellaImapClient *self, GCancellable *cancellable,
                                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean casella_imap_client_logout_finish       (CasellaImapClient *self, GAsyncResult *result, GError **error);

/* ID: pairs of name, value; NULL-terminated. Returns the server's pairs. */
CASELLA_IMAP_DECLARE_ASYNC (id, const char * const *client_pairs);
GHashTable *casella_imap_client_id_finish        (CasellaImapClient *self, GAsyncResult *result, GError **error);
CASELLA_IMAP_DECLARE_ASYNC (enable, const char * const *extensions);
GStrv    casella_imap_client_enable_finish       (CasellaImapClient *self, GAsyncResult *result, GError **error);
void     casella_imap_client_namespace_async     (CasellaImapClient *self, GCancellable *cancellable,
                                                  GAsyncReadyCallback callback, gpointer user_data);
CasellaImapNamespaces *casella_imap_client_namespace_finish (CasellaImapClient *self, GAsyncResult *result,
                                                             GError **error);

/* LIST with SPECIAL-USE attributes when the server has them; reference and
 * pattern are UTF-8 and encoded here. Returns CasellaImapMailbox items. */
CASELLA_IMAP_DECLARE_ASYNC (list, const char *reference, const char *pattern);
GPtrArray *casella_imap_client_list_finish       (CasellaImapClient *self, GAsyncResult *result, GError **error);
CASELLA_IMAP_DECLARE_ASYNC (lsub, const char *reference, const char *pattern);
GPtrArray *casella_imap_client_lsub_finish       (CasellaImapClient *self, GAsyncResult *result, GError **error);

/* Mailbox commands; names are UTF-8. */
CASELLA_IMAP_DECLARE_ASYNC (create, const char *mailbox);
CASELLA_IMAP_DECLARE_ASYNC (delete, const char *mailbox);
CASELLA_IMAP_DECLARE_ASYNC (rename, const char *from, const char *to);
CASELLA_IMAP_DECLARE_ASYNC (subscribe, const char *mailbox);
CASELLA_IMAP_DECLARE_ASYNC (unsubscribe, const char *mailbox);
gboolean casella_imap_client_mailbox_command_finish (CasellaImapClient *self, GAsyncResult *result,
                                                     GError **error);
CASELLA_IMAP_DECLARE_ASYNC (status, const char *mailbox, const char *items);
CasellaImapStatusInfo *casella_imap_client_status_finish (CasellaImapClient *self, GAsyncResult *result,
                                                          GError **error);

CASELLA_IMAP_DECLARE_ASYNC (select, const char *mailbox, const CasellaImapSelectParams *params);
CASELLA_IMAP_DECLARE_ASYNC (examine, const char *mailbox, const CasellaImapSelectParams *params);
CasellaImapSelectInfo *casella_imap_client_select_finish (CasellaImapClient *self, GAsyncResult *result,
                                                          GError **error);
void     casella_imap_client_close_async         (CasellaImapClient *self, GCancellable *cancellable,
                                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean casella_imap_client_close_finish        (CasellaImapClient *self, GAsyncResult *result, GError **error);
void     casella_imap_client_expunge_async       (CasellaImapClient *self, GCancellable *cancellable,
                                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean casella_imap_client_expunge_finish      (CasellaImapClient *self, GAsyncResult *result, GError **error);

/* criteria is an IMAP search key ("UNSEEN", "SINCE 1-Jan-2026"); text
 * searches take UTF-8 with CHARSET UTF-8 added. Returns sorted UIDs. */
CASELLA_IMAP_DECLARE_ASYNC (uid_search, const char *criteria);
GArray  *casella_imap_client_uid_search_finish   (CasellaImapClient *self, GAsyncResult *result, GError **error);
CASELLA_IMAP_DECLARE_ASYNC (uid_search_text, const char *text);
/* The search field's words and operators (see casella-search-query.h). */
CASELLA_IMAP_DECLARE_ASYNC (uid_search_query, const CasellaSearchQuery *query);

/* items as IMAP has them: "(UID FLAGS ENVELOPE)". With a fetch_func each
 * result goes there as it arrives and the finish returns NULL on success;
 * without, the finish returns every CasellaImapFetch. changed_since > 0
 * adds CONDSTORE's CHANGEDSINCE. */
CASELLA_IMAP_DECLARE_ASYNC (uid_fetch, const char *uid_set, const char *items, guint64 changed_since,
                            CasellaImapFetchFunc fetch_func, gpointer fetch_data);
GPtrArray *casella_imap_client_uid_fetch_finish  (CasellaImapClient *self, GAsyncResult *result, GError **error);

/* action is "+FLAGS", "-FLAGS" or "FLAGS"; silently (no FETCH replies). */
CASELLA_IMAP_DECLARE_ASYNC (uid_store, const char *uid_set, const char *action,
                            CasellaImapFlags flags, const char * const *keywords);
gboolean casella_imap_client_uid_store_finish    (CasellaImapClient *self, GAsyncResult *result, GError **error);
CASELLA_IMAP_DECLARE_ASYNC (uid_copy, const char *uid_set, const char *mailbox);
/* MOVE when offered, else COPY, STORE \Deleted and UID EXPUNGE; without
 * UIDPLUS a plain EXPUNGE only when no other message is marked deleted.
 * Finish with casella_imap_client_uid_copy_finish(). */
CASELLA_IMAP_DECLARE_ASYNC (uid_move, const char *uid_set, const char *mailbox);
CasellaImapCopyUid *casella_imap_client_uid_copy_finish (CasellaImapClient *self, GAsyncResult *result,
                                                         GError **error);
/* Returns the new UID when the server says (UIDPLUS), else 0. */
CASELLA_IMAP_DECLARE_ASYNC (append, const char *mailbox, GBytes *message, CasellaImapFlags flags,
                            GDateTime *internal_date);
guint32  casella_imap_client_append_finish       (CasellaImapClient *self, GAsyncResult *result, GError **error);

/* IDLE until casella_imap_client_idle_done() or the cancellable; updates
 * arrive as signals meanwhile. Finishes when the server confirms the end. */
void     casella_imap_client_idle_async          (CasellaImapClient *self, GCancellable *cancellable,
                                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean casella_imap_client_idle_finish         (CasellaImapClient *self, GAsyncResult *result, GError **error);
void     casella_imap_client_idle_done           (CasellaImapClient *self);
gboolean casella_imap_client_is_idling           (CasellaImapClient *self);

G_END_DECLS
