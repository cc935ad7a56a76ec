/* casella-account.h — one mail account's settings (never its password)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-mail-config.h"

G_BEGIN_DECLS

/* What happens on the server to mail a POP3 account has downloaded. */
typedef enum {
  CASELLA_POP3_KEEP,                 /* never delete (the default) */
  CASELLA_POP3_DELETE_AFTER_DAYS,
  CASELLA_POP3_DELETE_WHEN_DELETED,  /* when deleted here */
} CasellaPop3Policy;

/* Another address the account sends from (an alias), with its own name
 * and signature (NULL: the account's). */
typedef struct {
  char *address;
  char *name;
  char *signature;
} CasellaIdentity;

CasellaIdentity     *casella_identity_new                (const char           *address,
                                                          const char           *name,
                                                          const char           *signature);
void                 casella_identity_free               (CasellaIdentity      *identity);

/* How much of each message an IMAP account downloads before it is opened. */
typedef enum {
  CASELLA_DOWNLOAD_RECENT,   /* the newest, up to a budget (the default) */
  CASELLA_DOWNLOAD_ALL,      /* everything: readable offline */
  CASELLA_DOWNLOAD_NONE,     /* only when opened */
} CasellaDownloadAhead;

#define CASELLA_TYPE_ACCOUNT (casella_account_get_type ())
G_DECLARE_FINAL_TYPE (CasellaAccount, casella_account, CASELLA, ACCOUNT, GObject)

CasellaAccount      *casella_account_new                 (const char           *address);
const char          *casella_account_get_id              (CasellaAccount       *self);
const char          *casella_account_get_address         (CasellaAccount       *self);
const char          *casella_account_get_display_name    (CasellaAccount       *self);
void                 casella_account_set_display_name    (CasellaAccount       *self,
                                                          const char           *name);
/* The OAuth2 provider it signs in with ("google"), or NULL when it
 * signs in with a password. */
const char          *casella_account_get_oauth2_provider (CasellaAccount       *self);
void                 casella_account_set_oauth2_provider (CasellaAccount       *self,
                                                          const char           *provider_id);
/* Added at the end of new messages (after "-- "). */
const char          *casella_account_get_signature       (CasellaAccount       *self);
void                 casella_account_set_signature       (CasellaAccount       *self,
                                                          const char           *signature);
/* CasellaIdentity, in the order added. */
GPtrArray           *casella_account_get_identities      (CasellaAccount       *self);
/* Replaces one with the same address. */
void                 casella_account_add_identity        (CasellaAccount       *self,
                                                          const char           *address,
                                                          const char           *name,
                                                          const char           *signature);
void                 casella_account_remove_identity     (CasellaAccount       *self,
                                                          const char           *address);
/* The first of addresses (a message's recipients) that is one of the
 * other addresses: a reply goes out from it. NULL: the account's own. */
const CasellaIdentity *casella_account_find_identity     (CasellaAccount       *self,
                                                          const char * const   *addresses);
/* An IMAP folder kept for reading offline (every one, unless turned
 * off) gets its mail downloaded ahead; the others only when opened. */
gboolean             casella_account_get_folder_offline  (CasellaAccount       *self,
                                                          const char           *path);
void                 casella_account_set_folder_offline  (CasellaAccount       *self,
                                                          const char           *path,
                                                          gboolean              offline);
/* Read by the session's threads while the window may change them. */
CasellaDownloadAhead casella_account_get_download_ahead  (CasellaAccount       *self);
void                 casella_account_set_download_ahead  (CasellaAccount       *self,
                                                          CasellaDownloadAhead  download);
/* How often the whole account is looked at (IMAP hears the Inbox's news
 * at once where the server allows). Default 5. */
guint                casella_account_get_check_minutes   (CasellaAccount       *self);
void                 casella_account_set_check_minutes   (CasellaAccount       *self,
                                                          guint                 minutes);
/* Seconds a sent message waits before it goes, so it can be undone
 * (0: at once). Default 5. */
/* Certified mail (PEC): from the provider database unless the user said. */
gboolean             casella_account_get_pec             (CasellaAccount       *self);
void                 casella_account_set_pec             (CasellaAccount       *self,
                                                          gboolean              pec);
/* Whether PEC receipts show in the lists (they are always kept). */
gboolean             casella_account_get_show_pec_receipts (CasellaAccount     *self);
void                 casella_account_set_show_pec_receipts (CasellaAccount     *self,
                                                            gboolean            show);
guint                casella_account_get_undo_seconds    (CasellaAccount       *self);
void                 casella_account_set_undo_seconds    (CasellaAccount       *self,
                                                          guint                 seconds);
/* Where replies should go, when not to the sender (NULL). */
const char          *casella_account_get_reply_to        (CasellaAccount       *self);
void                 casella_account_set_reply_to        (CasellaAccount       *self,
                                                          const char           *address);
const char          *casella_account_get_provider_name   (CasellaAccount       *self);
void                 casella_account_set_provider        (CasellaAccount       *self,
                                                          const char           *id,
                                                          const char           *name);
const char          *casella_account_get_provider_id     (CasellaAccount       *self);
CasellaServerConfig *casella_account_get_incoming        (CasellaAccount       *self);
void                 casella_account_set_incoming        (CasellaAccount       *self,
                                                          const CasellaServerConfig *server);
CasellaServerConfig *casella_account_get_outgoing        (CasellaAccount       *self);
void                 casella_account_set_outgoing        (CasellaAccount       *self,
                                                          const CasellaServerConfig *server);
GBytes              *casella_account_get_pinned_certificate (CasellaAccount    *self,
                                                          CasellaProtocol       protocol);
void                 casella_account_set_pinned_certificate (CasellaAccount    *self,
                                                          CasellaProtocol       protocol,
                                                          GBytes               *der);
CasellaPop3Policy    casella_account_get_pop3_policy     (CasellaAccount       *self,
                                                          guint                *days);
void                 casella_account_set_pop3_policy     (CasellaAccount       *self,
                                                          CasellaPop3Policy     policy,
                                                          guint                 days);
CasellaNetConfig    *casella_account_dup_net_config      (CasellaAccount       *self,
                                                          CasellaProtocol       protocol,
                                                          GTlsDatabase         *tls_database);

/* Settings as key file entries (for CasellaAccountStore). */
void                 casella_account_save_to_key_file    (CasellaAccount       *self,
                                                          GKeyFile             *file);
CasellaAccount      *casella_account_load_from_key_file  (GKeyFile             *file,
                                                          const char           *group,
                                                          GError              **error);

G_END_DECLS
