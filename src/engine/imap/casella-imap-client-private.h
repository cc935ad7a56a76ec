/* casella-imap-client-private.h — the command machinery shared by the
 * client's files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-imap-client.h"
#include "casella-imap-parser.h"

G_BEGIN_DECLS

typedef struct _CasellaImapCommand CasellaImapCommand;

/* Return TRUE when the command takes this untagged response as its own. */
typedef gboolean (*CasellaImapUntaggedFunc) (CasellaImapClient         *self,
                                             CasellaImapCommand        *command,
                                             const CasellaImapResponse *response);
/* The tagged OK arrived: return the command's result on command->task. */
typedef void     (*CasellaImapDoneFunc)     (CasellaImapClient         *self,
                                             CasellaImapCommand        *command,
                                             const CasellaImapResponse *response);
/* A "+" arrived for a command that asked for continuations itself. */
typedef void     (*CasellaImapContinueFunc) (CasellaImapClient         *self,
                                             CasellaImapCommand        *command,
                                             const CasellaImapResponse *response);

typedef struct {
  GBytes   *bytes;
  gboolean  wait;      /* write only after the server's "+" */
} CasellaImapPart;

struct _CasellaImapCommand
{
  CasellaImapClient       *client;
  char                     tag[16];
  const char              *name;          /* "LOGIN": for errors, never arguments */
  GArray                  *parts;         /* CasellaImapPart */
  GString                 *current;
  guint                    next_part;
  gboolean                 barrier;       /* alone on the wire: state changes */
  gboolean                 is_auth;       /* NO means credentials were refused */
  gboolean                 is_logout;
  gboolean                 unsafe;        /* raw text with a CR or LF: never sent */
  gboolean                 sent;
  GTask                   *task;          /* NULL once abandoned (cancelled) */
  GSource                 *cancel_source;
  CasellaImapUntaggedFunc  untagged;
  CasellaImapDoneFunc      done;
  CasellaImapContinueFunc  on_continue;
  gpointer                 data;          /* results gathered so far */
  GDestroyNotify           data_free;
  CasellaImapFetchFunc     fetch_func;
  gpointer                 fetch_data;
  GArray                  *fetch_uids;    /* UID FETCH: the set asked for (CasellaImapUidRange) */
  gboolean                 fetch_content; /* UID FETCH: asks for more than flags */
};

CasellaImapCommand *casella_imap_command_new            (CasellaImapClient   *self,
                                                         const char          *name,
                                                         GTask               *task);
void                casella_imap_command_append         (CasellaImapCommand  *command,
                                                         const char          *text);
void                casella_imap_command_append_printf  (CasellaImapCommand  *command,
                                                         const char          *format,
                                                         ...) G_GNUC_PRINTF (2, 3);
void                casella_imap_command_append_astring (CasellaImapCommand  *command,
                                                         const char          *text);
void                casella_imap_command_append_mailbox (CasellaImapCommand  *command,
                                                         const char          *utf8_name);
void                casella_imap_command_append_literal (CasellaImapCommand  *command,
                                                         GBytes              *data);
void                casella_imap_command_wait_continuation (CasellaImapCommand *command);
void                casella_imap_client_submit          (CasellaImapClient   *self,
                                                         CasellaImapCommand  *command);
void                casella_imap_client_send_raw        (CasellaImapClient   *self,
                                                         const char          *text);
void                casella_imap_client_set_capabilities (CasellaImapClient  *self,
                                                         const CasellaImapValue *first);
void                casella_imap_client_set_selected    (CasellaImapClient   *self,
                                                         const char          *mailbox,
                                                         guint32              exists);
void                casella_imap_client_set_authenticated (CasellaImapClient *self);
void                casella_imap_client_set_idling      (CasellaImapClient   *self,
                                                         CasellaImapCommand  *command);
GError             *casella_imap_error_from_response    (CasellaImapCommand  *command,
                                                         const CasellaImapResponse *response);

void                casella_imap_client_set_utf8        (CasellaImapClient   *self,
                                                         gboolean             utf8);

G_END_DECLS
