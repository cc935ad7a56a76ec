/* casella-line-client.h — the shared machinery of request/reply protocols
 * (POP3, SMTP): a greeting, commands answered in order, STARTTLS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-net-config.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_LINE_CLIENT (casella_line_client_get_type ())
G_DECLARE_DERIVABLE_TYPE (CasellaLineClient, casella_line_client, CASELLA, LINE_CLIENT, GObject)

typedef enum {
  CASELLA_LINE_NEED_MORE,
  CASELLA_LINE_REPLY,
  CASELLA_LINE_FATAL,
} CasellaLineParse;

typedef struct _CasellaLineCommand CasellaLineCommand;

/* One reply for the command. Return TRUE once the command is finished
 * (its task returned), FALSE when it waits for another reply. */
typedef gboolean (*CasellaLineReplyFunc) (CasellaLineClient  *self,
                                          CasellaLineCommand *command,
                                          gpointer            reply);

struct _CasellaLineCommand
{
  const char           *name;        /* "PASS": for errors, never arguments */
  GBytes               *bytes;       /* what to send; NULL for the greeting */
  gboolean              multiline;   /* the reply may carry a body (POP3) */
  GTask                *task;
  CasellaLineReplyFunc  on_reply;
  gpointer              data;
  GDestroyNotify        data_free;
  gboolean              sent;
  gboolean              wipe;        /* the line may hold a secret */
  gboolean              unsafe;      /* a CR or LF inside: never sent */
  GSource              *cancel_source;
  CasellaLineClient    *client;
};

struct _CasellaLineClientClass
{
  GObjectClass parent_class;

  /* The protocol's pure parser. */
  void             (*feed)        (CasellaLineClient  *self,
                                   const guint8       *data,
                                   gsize               length);
  CasellaLineParse (*next_reply)  (CasellaLineClient  *self,
                                   gboolean            multiline,
                                   gpointer           *reply,
                                   GError            **error);
  void             (*free_reply)  (gpointer            reply);
  gsize            (*get_pending) (CasellaLineClient  *self);
  void             (*reset)       (CasellaLineClient  *self);
};

CasellaLineCommand *casella_line_command_new            (const char           *name,
                                                         GTask                *task,
                                                         CasellaLineReplyFunc  on_reply);
void                casella_line_command_set_line       (CasellaLineCommand   *command,
                                                         const char           *line);

CasellaNetConfig   *casella_line_client_get_config      (CasellaLineClient    *self);
void                casella_line_client_set_config      (CasellaLineClient    *self,
                                                         CasellaNetConfig     *config);
void                casella_line_client_open_async      (CasellaLineClient    *self,
                                                         CasellaLineCommand   *greeting,
                                                         GCancellable         *cancellable);
void                casella_line_client_opened          (CasellaLineClient    *self);
/* The subclass's connect call: task (taken) ends when the subclass says
 * connect_done, or with the error of connect_fail or of a lost line. */
void                casella_line_client_connect         (CasellaLineClient    *self,
                                                         GTask                *task,
                                                         CasellaLineCommand   *greeting,
                                                         GCancellable         *cancellable);
gboolean            casella_line_client_is_connecting   (CasellaLineClient    *self);
void                casella_line_client_connect_done    (CasellaLineClient    *self,
                                                         gboolean              pipelining);
void                casella_line_client_connect_fail    (CasellaLineClient    *self,
                                                         GError               *error);
/* STARTTLS was asked for and the line is not encrypted yet. */
gboolean            casella_line_client_wants_starttls  (CasellaLineClient    *self);
void                casella_line_client_send            (CasellaLineClient    *self,
                                                         CasellaLineCommand   *command);
void                casella_line_client_send_first      (CasellaLineClient    *self,
                                                         CasellaLineCommand   *command);
void                casella_line_client_set_pipelining  (CasellaLineClient    *self,
                                                         gboolean              pipelining);
void                casella_line_client_pause_reading   (CasellaLineClient    *self);
void                casella_line_client_upgrade_async   (CasellaLineClient    *self,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean            casella_line_client_upgrade_finish  (CasellaLineClient    *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
void                casella_line_client_disconnect      (CasellaLineClient    *self);
void                casella_line_client_fail            (CasellaLineClient    *self,
                                                         const GError         *error);

gboolean            casella_line_client_is_connected    (CasellaLineClient    *self);
gboolean            casella_line_client_is_encrypted    (CasellaLineClient    *self);
GTlsCertificate    *casella_line_client_get_peer_certificate (CasellaLineClient *self);
GTlsCertificateFlags casella_line_client_get_peer_certificate_errors (CasellaLineClient *self);
char               *casella_line_client_dup_local_literal (CasellaLineClient *self);
GError             *casella_line_client_check_can_send_password (CasellaLineClient *self);

G_END_DECLS
