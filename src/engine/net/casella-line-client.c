/* casella-line-client.c — the shared machinery of request/reply protocols
 *
 * POP3 and SMTP answer commands strictly in order, so one queue does:
 * commands are written one at a time (or all at once when the server
 * pipelines), and each reply goes to the oldest command still waiting.
 * The protocol supplies its parser through the class vfuncs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-line-client.h"
#include "casella-secret.h"
#include "casella-mail-error.h"
#include "casella-net-connection.h"

typedef struct
{
  CasellaNetConfig     *config;
  CasellaNetConnection *connection;
  GQueue                queue;        /* CasellaLineCommand, oldest first */
  gboolean              pipelining;
  gboolean              paused;
  gboolean              connected;
  GSource              *open_cancel;  /* watches the connect call's cancellable */
  GTask                *connect_task; /* the subclass's connect call, until it ends */
} CasellaLineClientPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (CasellaLineClient, casella_line_client, G_TYPE_OBJECT)

#define PRIV(self) ((CasellaLineClientPrivate *) casella_line_client_get_instance_private (self))

/* ---- commands ---- */

CasellaLineCommand *
casella_line_command_new (const char           *name,
                          GTask                *task,
                          CasellaLineReplyFunc  on_reply)
{
  CasellaLineCommand *command = g_new0 (CasellaLineCommand, 1);

  command->name = name;
  command->task = task;
  command->on_reply = on_reply;
  return command;
}

/* The command line; CRLF is added here. */
void
casella_line_command_set_line (CasellaLineCommand *command,
                               const char         *line)
{
  g_clear_pointer (&command->bytes, g_bytes_unref);
  command->unsafe = !casella_protocol_text_is_safe (line);
  if (!command->unsafe)
    command->bytes = g_bytes_new_take (g_strconcat (line, "\r\n", NULL), strlen (line) + 2);
  command->wipe = TRUE;
}

static void
casella_line_command_free (CasellaLineCommand *command)
{
  if (command->cancel_source != NULL)
    {
      g_source_destroy (command->cancel_source);
      g_source_unref (command->cancel_source);
    }
  if (command->bytes != NULL)
    {
      /* Lines we built may hold passwords: wipe them before freeing. */
      gsize size;
      gpointer data = (gpointer) g_bytes_get_data (command->bytes, &size);

      if (command->wipe && data != NULL)
        explicit_bzero (data, size);
      g_bytes_unref (command->bytes);
    }
  if (command->data && command->data_free)
    command->data_free (command->data);
  g_clear_object (&command->task);
  g_free (command);
}

/* ---- sending ---- */

static void
update_watchdog (CasellaLineClient *self)
{
  CasellaLineClientPrivate *priv = PRIV (self);
  CasellaLineCommand *head = g_queue_peek_head (&priv->queue);

  if (priv->connection != NULL)
    casella_net_connection_expect_reply (priv->connection, head != NULL && head->sent);
}

static void
pump (CasellaLineClient *self)
{
  CasellaLineClientPrivate *priv = PRIV (self);

  for (GList *l = priv->queue.head; l; l = l->next)
    {
      CasellaLineCommand *command = l->data;

      if (!command->sent)
        {
          /* Without pipelining, one command on the wire at a time. */
          if (!priv->pipelining && l != priv->queue.head)
            break;
          command->sent = TRUE;
          if (command->bytes != NULL && priv->connection != NULL)
            {
              /* The command's name only: arguments may be a password. */
              g_debug ("%s %s > %s", G_OBJECT_TYPE_NAME (self),
                       casella_net_config_get_host (casella_net_connection_get_config (priv->connection)),
                       command->name);
              casella_net_connection_write (priv->connection, command->bytes);
            }
        }
    }
  update_watchdog (self);
}

/* Replies come strictly in order, so a command cannot be taken back once
 * sent: cancelling one ends the whole conversation. */
static gboolean
on_command_cancelled (GCancellable *cancellable,
                      gpointer      user_data)
{
  CasellaLineCommand *command = user_data;
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");

  casella_line_client_fail (command->client, error);
  return G_SOURCE_REMOVE;
}

static void
watch_cancellable (CasellaLineClient  *self,
                   CasellaLineCommand *command)
{
  GCancellable *cancellable = command->task ? g_task_get_cancellable (command->task) : NULL;

  command->client = self;
  if (cancellable == NULL || command->cancel_source != NULL)
    return;
  command->cancel_source = g_cancellable_source_new (cancellable);
  g_source_set_callback (command->cancel_source, (GSourceFunc) (GCallback) on_command_cancelled, command, NULL);
  g_source_attach (command->cancel_source, g_main_context_get_thread_default ());
}

/* A user name or an address with a line break in it would end the
 * command early and smuggle in one of its own: refused, never sent. */
static gboolean
refuse_unsafe (CasellaLineCommand *command)
{
  if (!command->unsafe)
    return FALSE;
  if (command->task != NULL)
    g_task_return_new_error (command->task, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_FAILED,
                             "Not sent: %s would carry a line break", command->name);
  casella_line_command_free (command);
  return TRUE;
}

void
casella_line_client_send (CasellaLineClient  *self,
                          CasellaLineCommand *command)
{
  CasellaLineClientPrivate *priv = PRIV (self);

  if (refuse_unsafe (command))
    return;
  if (!priv->connected || priv->connection == NULL)
    {
      if (command->task != NULL)
        g_task_return_new_error (command->task, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_NOT_CONNECTED,
                                 "Not connected to the server");
      casella_line_command_free (command);
      return;
    }
  watch_cancellable (self, command);
  g_queue_push_tail (&priv->queue, command);
  pump (self);
}

/* For the continuation of a command being answered (SMTP message data
 * after "354", SASL responses): it goes before anything queued later. */
void
casella_line_client_send_first (CasellaLineClient  *self,
                                CasellaLineCommand *command)
{
  CasellaLineClientPrivate *priv = PRIV (self);

  if (refuse_unsafe (command))
    return;
  watch_cancellable (self, command);
  g_queue_push_head (&priv->queue, command);
  pump (self);
}

void
casella_line_client_set_pipelining (CasellaLineClient *self,
                                    gboolean           pipelining)
{
  PRIV (self)->pipelining = pipelining;
}

/* ---- replies ---- */

void
casella_line_client_fail (CasellaLineClient *self,
                          const GError      *error)
{
  CasellaLineClientPrivate *priv = PRIV (self);
  CasellaLineCommand *command;
  g_autoptr(CasellaLineClient) hold = g_object_ref (self);

  priv->connected = FALSE;
  if (priv->connection != NULL)
    casella_net_connection_close (priv->connection);
  while ((command = g_queue_pop_head (&priv->queue)))
    {
      if (command->task != NULL)
        g_task_return_error (command->task, g_error_copy (error));
      casella_line_command_free (command);
    }
  casella_line_client_opened (self);
  /* A connection lost while connecting ends the connect call too. */
  if (priv->connect_task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&priv->connect_task);
      g_task_return_error (task, g_error_copy (error));
    }
}

static void
dispatch (CasellaLineClient *self,
          gpointer           reply)
{
  CasellaLineClientPrivate *priv = PRIV (self);
  CasellaLineCommand *head = g_queue_peek_head (&priv->queue);

  if (head == NULL || !head->sent)
    {
      /* Nothing asked: a server closing on its own (SMTP 421). */
      g_autoptr(GError) error = g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CONNECTION_LOST,
                                             "The server spoke out of turn and was disconnected");
      casella_line_client_fail (self, error);
      return;
    }
  /* Off the queue while its handler runs: the handler may queue the next
   * step first (SMTP data after 354) or end the connection (QUIT). */
  g_queue_pop_head (&priv->queue);
  if (head->on_reply (self, head, reply))
    casella_line_command_free (head);
  else if (!priv->connected)
    {
      if (head->task != NULL)
        g_task_return_new_error (head->task, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CONNECTION_LOST,
                                 "The connection was closed");
      casella_line_command_free (head);
    }
  else
    g_queue_push_head (&priv->queue, head);
  pump (self);
}

static gboolean
on_data (gpointer      user_data,
         const guint8 *data,
         gsize         length)
{
  g_autoptr(CasellaLineClient) self = g_object_ref (user_data);
  CasellaLineClientClass *klass = CASELLA_LINE_CLIENT_GET_CLASS (self);
  CasellaLineClientPrivate *priv = PRIV (self);

  klass->feed (self, data, length);
  for (;;)
    {
      CasellaLineCommand *head = g_queue_peek_head (&priv->queue);
      gpointer reply = NULL;
      g_autoptr(GError) error = NULL;

      if (priv->paused || priv->connection == NULL || !casella_net_connection_is_connected (priv->connection))
        return FALSE;

      switch (klass->next_reply (self, head ? head->multiline : FALSE, &reply, &error))
        {
        case CASELLA_LINE_NEED_MORE:
          return TRUE;
        case CASELLA_LINE_REPLY:
          dispatch (self, reply);
          klass->free_reply (reply);
          break;
        case CASELLA_LINE_FATAL:
        default:
          casella_line_client_fail (self, error);
          return FALSE;
        }
    }
}

static void
on_connection_error (gpointer      user_data,
                     const GError *error)
{
  casella_line_client_fail (user_data, error);
}

/* ---- opening ---- */

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CasellaLineClient) self = user_data;
  CasellaLineClientPrivate *priv = PRIV (self);
  GError *error = NULL;

  if (!casella_net_connection_connect_finish (CASELLA_NET_CONNECTION (source), result, &error))
    {
      casella_line_client_fail (self, error);
      g_error_free (error);
      return;
    }
  if (priv->queue.head != NULL)
    ((CasellaLineCommand *) priv->queue.head->data)->sent = TRUE;   /* the greeting */
  update_watchdog (self);
  casella_net_connection_resume_reading (priv->connection);
}

static gboolean
on_open_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  CasellaLineClient *self = user_data;
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");

  casella_line_client_opened (self);
  casella_line_client_fail (self, error);
  return G_SOURCE_REMOVE;
}

/* The subclass finished connecting (or gave up): stop watching the
 * connect call's cancellable. */
void
casella_line_client_opened (CasellaLineClient *self)
{
  CasellaLineClientPrivate *priv = PRIV (self);

  if (priv->open_cancel != NULL)
    {
      g_source_destroy (priv->open_cancel);
      g_clear_pointer (&priv->open_cancel, g_source_unref);
    }
}

/* Connects; the greeting is the first reply, handled by greeting. Until
 * casella_line_client_opened(), cancellable ends the whole attempt. */
void
casella_line_client_open_async (CasellaLineClient  *self,
                                CasellaLineCommand *greeting,
                                GCancellable       *cancellable)
{
  CasellaLineClientPrivate *priv = PRIV (self);

  g_return_if_fail (!priv->connected);

  g_clear_object (&priv->connection);
  CASELLA_LINE_CLIENT_GET_CLASS (self)->reset (self);
  priv->paused = FALSE;
  priv->pipelining = FALSE;
  priv->connected = TRUE;
  priv->connection = casella_net_connection_new (priv->config);
  casella_net_connection_set_handlers (priv->connection, on_data, on_connection_error, self);

  if (cancellable != NULL)
    {
      priv->open_cancel = g_cancellable_source_new (cancellable);
      g_source_set_callback (priv->open_cancel, (GSourceFunc) (GCallback) on_open_cancelled, self, NULL);
      g_source_attach (priv->open_cancel, g_main_context_get_thread_default ());
    }
  watch_cancellable (self, greeting);
  g_queue_push_tail (&priv->queue, greeting);
  casella_net_connection_connect_async (priv->connection, cancellable, on_connected, g_object_ref (self));
}

void
casella_line_client_connect (CasellaLineClient  *self,
                             GTask              *task,
                             CasellaLineCommand *greeting,
                             GCancellable       *cancellable)
{
  CasellaLineClientPrivate *priv = PRIV (self);

  g_return_if_fail (priv->connect_task == NULL);

  priv->connect_task = task;
  casella_line_client_open_async (self, greeting, cancellable);
}

gboolean
casella_line_client_is_connecting (CasellaLineClient *self)
{
  return PRIV (self)->connect_task != NULL;
}

void
casella_line_client_connect_done (CasellaLineClient *self,
                                  gboolean           pipelining)
{
  CasellaLineClientPrivate *priv = PRIV (self);

  casella_line_client_set_pipelining (self, pipelining);
  casella_line_client_opened (self);
  if (priv->connect_task != NULL)
    g_task_return_boolean (g_steal_pointer (&priv->connect_task), TRUE);
}

void
casella_line_client_connect_fail (CasellaLineClient *self,
                                  GError            *error)
{
  casella_line_client_fail (self, error);
  g_error_free (error);
}

gboolean
casella_line_client_wants_starttls (CasellaLineClient *self)
{
  return casella_net_config_get_security (PRIV (self)->config) == CASELLA_SECURITY_STARTTLS &&
         !casella_line_client_is_encrypted (self);
}

/* ---- STARTTLS ---- */

/* Called by the reply handler that saw the server agree to STARTTLS:
 * nothing after that reply may be read as plaintext. */
void
casella_line_client_pause_reading (CasellaLineClient *self)
{
  PRIV (self)->paused = TRUE;
}

static void
on_upgraded (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CasellaLineClient *self = g_task_get_source_object (task);
  CasellaLineClientPrivate *priv = PRIV (self);
  GError *error = NULL;

  if (!casella_net_connection_starttls_finish (CASELLA_NET_CONNECTION (source), result, &error))
    {
      casella_line_client_fail (self, error);
      g_task_return_error (task, error);
      return;
    }
  priv->paused = FALSE;
  casella_net_connection_resume_reading (priv->connection);
  g_task_return_boolean (task, TRUE);
}

void
casella_line_client_upgrade_async (CasellaLineClient   *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  CasellaLineClientPrivate *priv = PRIV (self);
  CasellaLineClientClass *klass = CASELLA_LINE_CLIENT_GET_CLASS (self);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, casella_line_client_upgrade_async);

  /* Bytes that came after the server's yes were sent in plaintext and
   * would be read as if encrypted (the STARTTLS injection attack). */
  if (klass->get_pending (self) > 0)
    {
      g_autoptr(GError) error = g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_FAILED,
                                             "The server sent data before encryption began");
      casella_line_client_fail (self, error);
      g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
      return;
    }
  klass->reset (self);
  casella_net_connection_starttls_async (priv->connection, cancellable, on_upgraded, task);
}

gboolean
casella_line_client_upgrade_finish (CasellaLineClient  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- state ---- */

void
casella_line_client_disconnect (CasellaLineClient *self)
{
  g_autoptr(GError) error = g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_NOT_CONNECTED,
                                         "Disconnected from the server");

  casella_line_client_fail (self, error);
}

gboolean
casella_line_client_is_connected (CasellaLineClient *self)
{
  CasellaLineClientPrivate *priv = PRIV (self);

  return priv->connected && priv->connection != NULL && casella_net_connection_is_connected (priv->connection);
}

gboolean
casella_line_client_is_encrypted (CasellaLineClient *self)
{
  CasellaLineClientPrivate *priv = PRIV (self);

  return priv->connection != NULL && casella_net_connection_is_encrypted (priv->connection);
}

GTlsCertificate *
casella_line_client_get_peer_certificate (CasellaLineClient *self)
{
  CasellaLineClientPrivate *priv = PRIV (self);

  return priv->connection ? casella_net_connection_get_peer_certificate (priv->connection) : NULL;
}

GTlsCertificateFlags
casella_line_client_get_peer_certificate_errors (CasellaLineClient *self)
{
  CasellaLineClientPrivate *priv = PRIV (self);

  return priv->connection ? casella_net_connection_get_peer_certificate_errors (priv->connection) : 0;
}

char *
casella_line_client_dup_local_literal (CasellaLineClient *self)
{
  CasellaLineClientPrivate *priv = PRIV (self);

  return priv->connection ? casella_net_connection_dup_local_literal (priv->connection) : g_strdup ("[127.0.0.1]");
}

/* A password goes over an unencrypted connection only when the user
 * explicitly chose no security for this server. */
GError *
casella_line_client_check_can_send_password (CasellaLineClient *self)
{
  CasellaLineClientPrivate *priv = PRIV (self);

  if (!casella_line_client_is_connected (self))
    return g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_NOT_CONNECTED, "Not connected to the server");
  return casella_net_config_check_password (priv->config, casella_line_client_is_encrypted (self));
}

CasellaNetConfig *
casella_line_client_get_config (CasellaLineClient *self)
{
  return PRIV (self)->config;
}

void
casella_line_client_set_config (CasellaLineClient *self,
                                CasellaNetConfig  *config)
{
  CasellaLineClientPrivate *priv = PRIV (self);

  g_clear_pointer (&priv->config, casella_net_config_unref);
  priv->config = casella_net_config_ref (config);
}

/* ---- object ---- */

static void
casella_line_client_dispose (GObject *object)
{
  CasellaLineClient *self = CASELLA_LINE_CLIENT (object);
  CasellaLineClientPrivate *priv = PRIV (self);

  casella_line_client_opened (self);
  if (priv->connected || !g_queue_is_empty (&priv->queue))
    casella_line_client_disconnect (self);
  g_clear_object (&priv->connection);

  G_OBJECT_CLASS (casella_line_client_parent_class)->dispose (object);
}

static void
casella_line_client_finalize (GObject *object)
{
  CasellaLineClientPrivate *priv = PRIV (CASELLA_LINE_CLIENT (object));

  g_clear_pointer (&priv->config, casella_net_config_unref);
  g_clear_object (&priv->connect_task);
  G_OBJECT_CLASS (casella_line_client_parent_class)->finalize (object);
}

static void
casella_line_client_class_init (CasellaLineClientClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = casella_line_client_dispose;
  G_OBJECT_CLASS (klass)->finalize = casella_line_client_finalize;
}

static void
casella_line_client_init (CasellaLineClient *self)
{
  g_queue_init (&PRIV (self)->queue);
}
