/* casella-imap-client.c — an IMAP4rev1 client over GIO: the machinery
 *
 * Commands queue up and are written as soon as the protocol allows:
 * several may be in flight, each with its own tag. A "barrier" command
 * (STARTTLS, LOGIN, SELECT, IDLE, LOGOUT…) goes out alone, because what
 * the server says around it depends on the state it changes. Untagged
 * data goes to the oldest in-flight command that claims it; what no
 * command claims (new mail, expunges, flag changes) becomes a signal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "casella-imap-client-private.h"
#include "casella-imap-utf7.h"
#include "casella-secret.h"
#include "casella-mail-error.h"
#include "casella-net-connection.h"

#define MAX_GARBAGE_LINES 100

typedef enum {
  STATE_DISCONNECTED,
  STATE_CONNECTING,
  STATE_GREETING,
  STATE_CONNECTED,        /* greeting read, not logged in */
  STATE_AUTHENTICATED,
  STATE_LOGGING_OUT,
} ClientState;

struct _CasellaImapClient
{
  GObject               parent_instance;

  CasellaNetConfig     *config;
  CasellaNetConnection *connection;
  CasellaImapParser    *parser;
  GHashTable           *capabilities;   /* upper-case names; NULL until known */
  ClientState           state;

  GQueue                pending;        /* CasellaImapCommand, not yet written */
  GQueue                inflight;       /* written, waiting for the tagged reply */
  CasellaImapCommand   *sending;        /* waiting for "+" before its next part */
  CasellaImapCommand   *idle;           /* the IDLE command, from submission to its reply */
  gboolean              idling;         /* the server confirmed IDLE with "+" */
  gboolean              idle_done_sent;
  guint                 tag_counter;
  guint                 garbage_lines;
  gboolean              pause_reading;
  gboolean              utf8;           /* ENABLEd UTF8=ACCEPT: names in UTF-8, not modified UTF-7 */

  GTask                *connect_task;
  GSource              *connect_cancel;  /* the connect call's cancellable, until connected */
  char                 *selected;
  guint32               exists;
};

enum {
  SIGNAL_EXISTS,
  SIGNAL_EXPUNGE,
  SIGNAL_VANISHED,
  SIGNAL_FETCH,
  SIGNAL_ALERT,
  SIGNAL_DISCONNECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CasellaImapClient, casella_imap_client, G_TYPE_OBJECT)

static void casella_imap_client_pump (CasellaImapClient *self);
static void casella_imap_client_fail_all (CasellaImapClient *self, const GError *error);
static void connect_continue (CasellaImapClient *self);

/* ---- commands ---- */

static void
casella_imap_command_free (CasellaImapCommand *command)
{
  for (guint i = 0; command->parts && i < command->parts->len; i++)
    {
      GBytes *bytes = g_array_index (command->parts, CasellaImapPart, i).bytes;
      gsize size;
      gpointer data = (gpointer) g_bytes_get_data (bytes, &size);

      /* A sign-in's parts hold the password (they are ours alone). */
      if (command->is_auth && data != NULL)
        explicit_bzero (data, size);
      g_bytes_unref (bytes);
    }
  g_clear_pointer (&command->parts, g_array_unref);
  if (command->current)
    g_string_free (command->current, TRUE);
  if (command->cancel_source)
    {
      g_source_destroy (command->cancel_source);
      g_source_unref (command->cancel_source);
    }
  if (command->data_free && command->data)
    command->data_free (command->data);
  g_clear_pointer (&command->fetch_uids, g_array_unref);
  g_clear_object (&command->task);
  g_free (command);
}

CasellaImapCommand *
casella_imap_command_new (CasellaImapClient *self,
                          const char        *name,
                          GTask             *task)
{
  CasellaImapCommand *command = g_new0 (CasellaImapCommand, 1);

  command->client = self;
  command->name = name;
  command->task = task;
  command->parts = g_array_new (FALSE, FALSE, sizeof (CasellaImapPart));
  command->current = g_string_new (NULL);
  return command;
}

static void
command_flush (CasellaImapCommand *command,
               gboolean            wait)
{
  CasellaImapPart part;
  gsize length = command->current->len;

  part.bytes = g_bytes_new_take (g_string_free (command->current, FALSE), length);
  part.wait = wait;
  g_array_append_val (command->parts, part);
  command->current = g_string_new (NULL);
}

void
casella_imap_command_append (CasellaImapCommand *command,
                             const char         *text)
{
  command->unsafe |= !casella_protocol_text_is_safe (text);
  g_string_append (command->current, text);
}

void
casella_imap_command_append_printf (CasellaImapCommand *command,
                                    const char         *format,
                                    ...)
{
  va_list args;

  gsize before = command->current->len;

  va_start (args, format);
  g_string_append_vprintf (command->current, format, args);
  va_end (args);
  command->unsafe |= !casella_protocol_text_is_safe (command->current->str + before);
}

/* The rest of the command goes out only after the server's "+". */
void
casella_imap_command_wait_continuation (CasellaImapCommand *command)
{
  g_string_append (command->current, "\r\n");
  command_flush (command, FALSE);
  /* An empty marker part carries the wait; the text after it follows. */
  {
    CasellaImapPart marker = { g_bytes_new_static ("", 0), TRUE };
    g_array_append_val (command->parts, marker);
  }
}

void
casella_imap_command_append_literal (CasellaImapCommand *command,
                                     GBytes             *data)
{
  CasellaImapClient *self = command->client;
  gsize size = g_bytes_get_size (data);
  gboolean nonsync = casella_imap_client_has_capability (self, "LITERAL+") ||
                     (casella_imap_client_has_capability (self, "LITERAL-") && size <= 4096);
  CasellaImapPart part;

  g_string_append_printf (command->current, "{%" G_GSIZE_FORMAT "%s}\r\n", size, nonsync ? "+" : "");
  command_flush (command, FALSE);
  part.bytes = g_bytes_ref (data);
  part.wait = !nonsync;
  g_array_append_val (command->parts, part);
}

/* A quoted string when it can be, a literal when it must (8-bit, CR, LF). */
void
casella_imap_command_append_astring (CasellaImapCommand *command,
                                     const char         *text)
{
  gboolean literal = FALSE;

  for (const guchar *p = (const guchar *) text; *p; p++)
    if (*p >= 0x80 || *p == '\r' || *p == '\n')
      literal = TRUE;

  if (literal)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
      casella_imap_command_append_literal (command, bytes);
      return;
    }

  g_string_append_c (command->current, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (command->current, '\\');
      g_string_append_c (command->current, *p);
    }
  g_string_append_c (command->current, '"');
}

void
casella_imap_command_append_mailbox (CasellaImapCommand *command,
                                     const char         *utf8_name)
{
  g_autofree char *encoded = NULL;

  if (g_ascii_strcasecmp (utf8_name, "INBOX") == 0)
    {
      casella_imap_command_append (command, "INBOX");
      return;
    }
  /* With UTF8=ACCEPT names go as they are (RFC 6855). */
  encoded = command->client->utf8 ? NULL : casella_imap_utf7_encode (utf8_name);
  casella_imap_command_append_astring (command, encoded ? encoded : utf8_name);
}

/* ---- completing commands ---- */

static void
command_complete (CasellaImapClient  *self,
                  CasellaImapCommand *command,
                  const GError       *error)
{
  if (command->task != NULL && error != NULL)
    g_task_return_error (command->task, g_error_copy (error));
  casella_imap_command_free (command);
}

static gboolean
on_command_cancelled (GCancellable *cancellable,
                      gpointer      user_data)
{
  CasellaImapCommand *command = user_data;
  CasellaImapClient *self = command->client;
  GTask *task = g_steal_pointer (&command->task);

  g_source_destroy (command->cancel_source);
  g_clear_pointer (&command->cancel_source, g_source_unref);

  if (g_queue_remove (&self->pending, command))
    {
      if (self->idle == command)
        {
          self->idle = NULL;
          self->idle_done_sent = FALSE;
        }
      casella_imap_command_free (command);
    }
  else if (command == self->idle)
    /* Ending IDLE is the cancellation; the server's OK follows. */
    casella_imap_client_idle_done (self);

  /* In flight: the tagged reply will still come and be swallowed. */
  if (task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
      g_object_unref (task);
    }
  return G_SOURCE_REMOVE;
}

static void
command_watch_cancellable (CasellaImapCommand *command)
{
  GCancellable *cancellable = command->task ? g_task_get_cancellable (command->task) : NULL;

  if (cancellable == NULL)
    return;
  command->cancel_source = g_cancellable_source_new (cancellable);
  g_source_set_callback (command->cancel_source, (GSourceFunc) (GCallback) on_command_cancelled, command, NULL);
  g_source_attach (command->cancel_source, g_main_context_get_thread_default ());
}

GError *
casella_imap_error_from_response (CasellaImapCommand        *command,
                                  const CasellaImapResponse *response)
{
  g_autofree char *text = NULL;
  CasellaMailError code;

  if (response->code != NULL)
    text = g_strdup_printf ("[%.*s] %.*s", (int) response->code_length, response->code,
                            (int) response->text_length, response->text);
  else
    text = g_strndup (response->text, response->text_length);

  code = casella_mail_error_classify_text (text, command->is_auth ? CASELLA_MAIL_ERROR_AUTH_FAILED
                                                                  : CASELLA_MAIL_ERROR_SERVER_ERROR);
  if (!command->is_auth && code == CASELLA_MAIL_ERROR_AUTH_FAILED)
    code = CASELLA_MAIL_ERROR_SERVER_ERROR;

  return g_error_new (CASELLA_MAIL_ERROR, code, "%s refused by the server: %s", command->name,
                      text[0] ? text : "no reason given");
}

/* ---- writing ---- */

static void
write_parts (CasellaImapClient  *self,
             CasellaImapCommand *command)
{
  while (command->next_part < command->parts->len)
    {
      CasellaImapPart *part = &g_array_index (command->parts, CasellaImapPart, command->next_part);

      if (part->wait && command->sent)
        {
          part->wait = FALSE;   /* the "+" for it is what brought us here */
          self->sending = command;
          return;
        }
      command->sent = TRUE;
      command->next_part++;
      if (g_bytes_get_size (part->bytes) > 0)
        casella_net_connection_write (self->connection, part->bytes);
    }
  if (self->sending == command)
    self->sending = NULL;
}

static void
write_command (CasellaImapClient  *self,
               CasellaImapCommand *command)
{
  CasellaImapPart *first = &g_array_index (command->parts, CasellaImapPart, 0);
  g_autoptr(GByteArray) line = g_byte_array_new ();
  gsize size;
  const guint8 *data = g_bytes_get_data (first->bytes, &size);

  g_snprintf (command->tag, sizeof command->tag, "C%u", ++self->tag_counter);
  g_byte_array_append (line, (const guint8 *) command->tag, strlen (command->tag));
  g_byte_array_append (line, (const guint8 *) " ", 1);
  g_byte_array_append (line, data, size);
  g_bytes_unref (first->bytes);
  first->bytes = g_byte_array_free_to_bytes (g_steal_pointer (&line));

  g_queue_push_tail (&self->inflight, command);
  command->sent = FALSE;
  /* The command's name only: arguments may be a password. */
  g_debug ("IMAP %s > %s %s", casella_net_config_get_host (self->config), command->tag, command->name);
  write_parts (self, command);
  if (command->next_part < command->parts->len)
    self->sending = command;
}

static void
update_watchdog (CasellaImapClient *self)
{
  gboolean expecting;

  if (self->connection == NULL)
    return;
  expecting = self->state == STATE_GREETING ||
              (!g_queue_is_empty (&self->inflight) && !casella_imap_client_is_idling (self));
  casella_net_connection_expect_reply (self->connection, expecting);
}

static void
casella_imap_client_pump (CasellaImapClient *self)
{
  while (self->sending == NULL && !g_queue_is_empty (&self->pending) && self->state != STATE_DISCONNECTED)
    {
      CasellaImapCommand *next = g_queue_peek_head (&self->pending);
      CasellaImapCommand *head = g_queue_peek_head (&self->inflight);

      if (head != NULL && (head->barrier || next->barrier))
        break;
      g_queue_pop_head (&self->pending);
      write_command (self, next);
    }
  update_watchdog (self);
}

void
casella_imap_client_submit (CasellaImapClient  *self,
                            CasellaImapCommand *command)
{
  if (command->unsafe)
    {
      /* Text with a line break would end the command and start another:
       * what goes in text goes as a literal (append_astring). */
      g_autoptr(GError) error = g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_FAILED,
                                             "Not sent: %s would carry a line break", command->name);
      command_complete (self, command, error);
      return;
    }
  g_string_append (command->current, "\r\n");
  command_flush (command, FALSE);

  if (self->state == STATE_DISCONNECTED || self->connection == NULL)
    {
      g_autoptr(GError) error = g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_NOT_CONNECTED,
                                             "Not connected to the IMAP server");
      command_complete (self, command, error);
      return;
    }

  command_watch_cancellable (command);
  g_queue_push_tail (&self->pending, command);

  /* Anything new ends IDLE first. */
  if (self->idle != NULL)
    casella_imap_client_idle_done (self);
  if (command->on_continue != NULL)
    self->idle = command;
  casella_imap_client_pump (self);
}

void
casella_imap_client_send_raw (CasellaImapClient *self,
                              const char        *text)
{
  if (self->connection != NULL)
    casella_net_connection_write_text (self->connection, text);
}

/* ---- state ---- */

void
casella_imap_client_set_utf8 (CasellaImapClient *self,
                              gboolean           utf8)
{
  self->utf8 = utf8;
}

gboolean
casella_imap_client_is_utf8 (CasellaImapClient *self)
{
  return self->utf8;
}

void
casella_imap_client_set_capabilities (CasellaImapClient      *self,
                                      const CasellaImapValue *first)
{
  g_clear_pointer (&self->capabilities, g_hash_table_unref);
  self->capabilities = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (const CasellaImapValue *v = first; v; v = v->next)
    if (v->type == CASELLA_IMAP_VALUE_ATOM || v->type == CASELLA_IMAP_VALUE_NUMBER)
      g_hash_table_add (self->capabilities, g_ascii_strup (v->data, v->length));
}

void
casella_imap_client_set_selected (CasellaImapClient *self,
                                  const char        *mailbox,
                                  guint32            exists)
{
  g_free (self->selected);
  self->selected = g_strdup (mailbox);
  self->exists = exists;
}

void
casella_imap_client_set_authenticated (CasellaImapClient *self)
{
  if (self->state == STATE_CONNECTED)
    self->state = STATE_AUTHENTICATED;
}

void
casella_imap_client_set_idling (CasellaImapClient  *self,
                                CasellaImapCommand *command)
{
  self->idling = TRUE;
  if (self->idle_done_sent)
    casella_imap_client_send_raw (self, "DONE\r\n");
  update_watchdog (self);
}

void
casella_imap_client_idle_done (CasellaImapClient *self)
{
  if (self->idle == NULL || self->idle_done_sent)
    return;
  self->idle_done_sent = TRUE;
  /* Before the "+" DONE would be read as a bogus command; it goes out
   * when IDLE is confirmed (set_idling). */
  if (self->idling)
    casella_imap_client_send_raw (self, "DONE\r\n");
  update_watchdog (self);
}

gboolean
casella_imap_client_is_idling (CasellaImapClient *self)
{
  return self->idling && !self->idle_done_sent;
}

/* ---- responses ---- */

static gboolean
offer_untagged (CasellaImapClient         *self,
                const CasellaImapResponse *response)
{
  for (GList *l = self->inflight.head; l; l = l->next)
    {
      CasellaImapCommand *command = l->data;

      if (command->untagged && command->untagged (self, command, response))
        return TRUE;
    }
  return FALSE;
}

static void
handle_status_untagged (CasellaImapClient         *self,
                        const CasellaImapResponse *response)
{
  if (casella_imap_token_is (response->code, response->code_length, "CAPABILITY"))
    casella_imap_client_set_capabilities (self, response->code_args);

  if (casella_imap_token_is (response->code, response->code_length, "ALERT"))
    {
      g_autofree char *text = g_utf8_make_valid (response->text, response->text_length);
      g_signal_emit (self, signals[SIGNAL_ALERT], 0, text);
    }

  if (response->status == CASELLA_IMAP_STATUS_BYE && self->state != STATE_LOGGING_OUT)
    {
      g_autofree char *text = g_utf8_make_valid (response->text, response->text_length);
      g_autoptr(GError) error = g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CONNECTION_LOST,
                                             "The IMAP server closed the connection: %s", text);
      casella_imap_client_fail_all (self, error);
      return;
    }

  offer_untagged (self, response);
}

static void
handle_untagged (CasellaImapClient         *self,
                 const CasellaImapResponse *response)
{
  if (response->status != CASELLA_IMAP_STATUS_NONE)
    {
      handle_status_untagged (self, response);
      return;
    }

  if (casella_imap_token_is (response->keyword, response->keyword_length, "CAPABILITY"))
    casella_imap_client_set_capabilities (self, response->values);

  if (response->has_number && casella_imap_token_is (response->keyword, response->keyword_length, "EXISTS"))
    {
      self->exists = response->number;
      if (!offer_untagged (self, response))
        g_signal_emit (self, signals[SIGNAL_EXISTS], 0, response->number);
      return;
    }

  if (response->has_number && casella_imap_token_is (response->keyword, response->keyword_length, "EXPUNGE"))
    {
      if (self->exists > 0)
        self->exists--;
      if (!offer_untagged (self, response))
        g_signal_emit (self, signals[SIGNAL_EXPUNGE], 0, response->number);
      return;
    }

  if (offer_untagged (self, response))
    return;

  if (casella_imap_token_is (response->keyword, response->keyword_length, "VANISHED"))
    {
      const CasellaImapValue *v = response->values;
      gboolean earlier = v && v->type == CASELLA_IMAP_VALUE_LIST;
      g_autofree char *set = casella_imap_value_dup (earlier ? v->next : v);

      if (set)
        g_signal_emit (self, signals[SIGNAL_VANISHED], 0, set, earlier);
    }
  else if (casella_imap_token_is (response->keyword, response->keyword_length, "FETCH"))
    {
      g_autoptr(CasellaImapFetch) fetch = casella_imap_fetch_from_response (response);

      if (fetch)
        g_signal_emit (self, signals[SIGNAL_FETCH], 0, fetch);
    }
}

static void
handle_continuation (CasellaImapClient         *self,
                     const CasellaImapResponse *response)
{
  CasellaImapCommand *head = g_queue_peek_head (&self->inflight);

  if (self->sending != NULL)
    {
      write_parts (self, self->sending);
      if (self->sending == NULL)
        casella_imap_client_pump (self);
      return;
    }
  if (head != NULL && head->on_continue != NULL)
    {
      head->on_continue (self, head, response);
      return;
    }
  g_debug ("IMAP: continuation request nobody asked for");
}

static void
handle_tagged (CasellaImapClient         *self,
               const CasellaImapResponse *response)
{
  CasellaImapCommand *command = NULL;

  for (GList *l = self->inflight.head; l; l = l->next)
    if (casella_imap_token_is (response->tag, response->tag_length, ((CasellaImapCommand *) l->data)->tag))
      {
        command = l->data;
        break;
      }
  if (command == NULL)
    {
      g_debug ("IMAP: reply for an unknown tag %.*s", (int) response->tag_length, response->tag);
      return;
    }

  g_queue_remove (&self->inflight, command);
  if (self->sending == command)
    self->sending = NULL;
  if (self->idle == command)
    {
      self->idle = NULL;
      self->idling = FALSE;
      self->idle_done_sent = FALSE;
    }

  if (casella_imap_token_is (response->code, response->code_length, "CAPABILITY"))
    casella_imap_client_set_capabilities (self, response->code_args);

  g_debug ("IMAP %s < %s %s %.*s", casella_net_config_get_host (self->config), command->tag,
           response->status == CASELLA_IMAP_STATUS_OK ? "OK" : response->status == CASELLA_IMAP_STATUS_NO ? "NO" : "BAD",
           response->status == CASELLA_IMAP_STATUS_OK ? 0 : (int) MIN (response->text_length, 200), response->text ? response->text : "");
  if (response->status == CASELLA_IMAP_STATUS_OK)
    {
      if (command->done != NULL && command->task != NULL)
        command->done (self, command, response);
      else if (command->task != NULL)
        g_task_return_boolean (command->task, TRUE);
      casella_imap_command_free (command);
    }
  else
    {
      g_autoptr(GError) error = casella_imap_error_from_response (command, response);
      command_complete (self, command, error);
    }

  casella_imap_client_pump (self);
}

static void
handle_greeting (CasellaImapClient         *self,
                 const CasellaImapResponse *response)
{
  g_autofree char *text = g_utf8_make_valid (response->text, response->text_length);

  if (response->kind != CASELLA_IMAP_RESPONSE_UNTAGGED ||
      (response->status != CASELLA_IMAP_STATUS_OK && response->status != CASELLA_IMAP_STATUS_PREAUTH &&
       response->status != CASELLA_IMAP_STATUS_BYE))
    {
      g_autoptr(GError) error = g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PROTOCOL_ERROR,
                                             "This server does not greet like an IMAP server");
      casella_imap_client_fail_all (self, error);
      return;
    }
  if (response->status == CASELLA_IMAP_STATUS_BYE)
    {
      g_autoptr(GError) error = g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_SERVER_ERROR,
                                             "The IMAP server turned us away: %s", text);
      casella_imap_client_fail_all (self, error);
      return;
    }

  if (casella_imap_token_is (response->code, response->code_length, "CAPABILITY"))
    casella_imap_client_set_capabilities (self, response->code_args);

  self->state = response->status == CASELLA_IMAP_STATUS_PREAUTH ? STATE_AUTHENTICATED : STATE_CONNECTED;
  update_watchdog (self);

  /* PREAUTH on a connection still to be upgraded would leave us logged
   * in without encryption: a known downgrade. Refuse it. */
  if (response->status == CASELLA_IMAP_STATUS_PREAUTH &&
      casella_net_config_get_security (self->config) == CASELLA_SECURITY_STARTTLS)
    {
      g_autoptr(GError) error = g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_FAILED,
                                             "The server logged us in before encryption (PREAUTH)");
      casella_imap_client_fail_all (self, error);
      return;
    }
  connect_continue (self);
}

static void
handle_response (CasellaImapClient         *self,
                 const CasellaImapResponse *response)
{
  if (self->state == STATE_GREETING)
    {
      handle_greeting (self, response);
      return;
    }

  switch (response->kind)
    {
    case CASELLA_IMAP_RESPONSE_TAGGED:
      handle_tagged (self, response);
      break;
    case CASELLA_IMAP_RESPONSE_CONTINUATION:
      handle_continuation (self, response);
      break;
    case CASELLA_IMAP_RESPONSE_UNTAGGED:
    default:
      handle_untagged (self, response);
      break;
    }
}

/* ---- reading ---- */

static gboolean
on_data (gpointer      user_data,
         const guint8 *data,
         gsize         length)
{
  g_autoptr(CasellaImapClient) self = g_object_ref (user_data);

  casella_imap_parser_feed (self->parser, data, length);

  for (;;)
    {
      CasellaImapResponse *response = NULL;
      g_autoptr(GError) error = NULL;

      if (self->pause_reading || self->state == STATE_DISCONNECTED)
        return FALSE;

      switch (casella_imap_parser_next (self->parser, &response, &error))
        {
        case CASELLA_IMAP_PARSE_NEED_MORE:
          return TRUE;
        case CASELLA_IMAP_PARSE_RESPONSE:
          self->garbage_lines = 0;
          handle_response (self, response);
          break;
        case CASELLA_IMAP_PARSE_GARBAGE:
          g_debug ("IMAP: %s", error->message);
          if (++self->garbage_lines > MAX_GARBAGE_LINES || self->state == STATE_GREETING)
            {
              casella_imap_client_fail_all (self, error);
              return FALSE;
            }
          break;
        case CASELLA_IMAP_PARSE_FATAL:
        default:
          casella_imap_client_fail_all (self, error);
          return FALSE;
        }
    }
}

static void
on_connection_error (gpointer      user_data,
                     const GError *error)
{
  CasellaImapClient *self = user_data;

  /* The server hanging up after BYE is how LOGOUT ends. */
  if (self->state == STATE_LOGGING_OUT && g_error_matches (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CONNECTION_LOST))
    {
      GError *done = g_error_new_literal (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_CONNECTION_LOST, "Logged out");
      casella_imap_client_fail_all (self, done);
      g_error_free (done);
      return;
    }
  casella_imap_client_fail_all (self, error);
}

/* ---- failure and disconnection ---- */

static void
stop_watching_connect (CasellaImapClient *self)
{
  if (self->connect_cancel != NULL)
    {
      g_source_destroy (self->connect_cancel);
      g_clear_pointer (&self->connect_cancel, g_source_unref);
    }
}

/* Cancelled while greeting, upgrading or asking capabilities: the whole
 * attempt ends now, not when a silent server finally speaks. */
static gboolean
on_connect_cancelled (GCancellable *cancellable,
                      gpointer      user_data)
{
  CasellaImapClient *self = user_data;
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");

  casella_imap_client_fail_all (self, error);
  return G_SOURCE_REMOVE;
}

static void
casella_imap_client_fail_all (CasellaImapClient *self,
                              const GError      *error)
{
  g_autoptr(GObject) hold = g_object_ref (G_OBJECT (self));
  g_autoptr(GTask) connect_task = g_steal_pointer (&self->connect_task);
  CasellaImapCommand *command;
  gboolean was_connected = self->state != STATE_DISCONNECTED;

  stop_watching_connect (self);
  self->state = STATE_DISCONNECTED;
  self->sending = NULL;
  self->idle = NULL;
  self->idling = self->idle_done_sent = FALSE;
  if (self->connection != NULL)
    casella_net_connection_close (self->connection);

  while ((command = g_queue_pop_head (&self->inflight)))
    {
      if (command->is_logout && command->task)
        g_task_return_boolean (g_steal_pointer (&command->task), TRUE);
      command_complete (self, command, error);
    }
  while ((command = g_queue_pop_head (&self->pending)))
    command_complete (self, command, error);

  if (connect_task != NULL)
    g_task_return_error (connect_task, g_error_copy (error));

  if (was_connected)
    g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, error);
}

void
casella_imap_client_disconnect (CasellaImapClient *self)
{
  g_autoptr(GError) error = g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_NOT_CONNECTED,
                                         "Disconnected from the IMAP server");

  if (self->state != STATE_DISCONNECTED)
    casella_imap_client_fail_all (self, error);
}

/* ---- connecting ---- */

static void
connect_complete (CasellaImapClient *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->connect_task);

  stop_watching_connect (self);
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
}

static void
connect_fail (CasellaImapClient *self,
              GError            *error)
{
  casella_imap_client_fail_all (self, error);
  g_error_free (error);
}

static void
on_connect_capability (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  CasellaImapClient *self = CASELLA_IMAP_CLIENT (source);
  g_auto(GStrv) caps = NULL;
  GError *error = NULL;

  caps = casella_imap_client_capability_finish (self, result, &error);
  if (caps == NULL)
    {
      if (self->connect_task != NULL)
        connect_fail (self, error);
      else
        g_error_free (error);
      return;
    }
  connect_continue (self);
}

static void
on_starttls_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(CasellaImapClient) self = user_data;
  GError *error = NULL;

  if (!casella_net_connection_starttls_finish (CASELLA_NET_CONNECTION (source), result, &error))
    {
      connect_fail (self, error);
      return;
    }

  /* What the server said before encryption cannot be trusted. */
  g_clear_pointer (&self->capabilities, g_hash_table_unref);
  self->pause_reading = FALSE;
  casella_net_connection_resume_reading (self->connection);
  connect_continue (self);
}

static void
on_starttls_reply (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  CasellaImapClient *self = CASELLA_IMAP_CLIENT (source);
  GError *error = NULL;

  if (self->connect_task == NULL)
    return;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      GError *refused = g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_FAILED,
                                     "The server offered STARTTLS but did not start it: %s", error->message);
      g_error_free (error);
      if (self->connect_task != NULL)
        connect_fail (self, refused);
      else
        g_error_free (refused);
      return;
    }

  /* Bytes after the OK arrived in plaintext and would be read as if
   * encrypted (the STARTTLS injection attack): refuse them. */
  if (casella_imap_parser_get_pending (self->parser) > 0)
    {
      connect_fail (self, g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_FAILED,
                                       "The server sent data before encryption began"));
      return;
    }
  casella_imap_parser_reset (self->parser);
  casella_net_connection_starttls_async (self->connection, g_task_get_cancellable (self->connect_task),
                                         on_starttls_done, g_object_ref (self));
}

static void
starttls_done (CasellaImapClient         *self,
               CasellaImapCommand        *command,
               const CasellaImapResponse *response)
{
  /* Stop reading plaintext right here; TLS takes over the socket. */
  self->pause_reading = TRUE;
  g_task_return_boolean (command->task, TRUE);
}

static void
send_starttls (CasellaImapClient *self)
{
  GTask *task = g_task_new (self, NULL, on_starttls_reply, NULL);
  CasellaImapCommand *command = casella_imap_command_new (self, "STARTTLS", task);

  command->barrier = TRUE;
  command->done = starttls_done;
  casella_imap_command_append (command, "STARTTLS");
  casella_imap_client_submit (self, command);
}

/* After the greeting, after STARTTLS, after CAPABILITY: the next step. */
static void
connect_continue (CasellaImapClient *self)
{
  if (self->connect_task == NULL)
    return;

  if (self->capabilities == NULL)
    {
      casella_imap_client_capability_async (self, NULL, on_connect_capability, NULL);
      return;
    }

  if (casella_net_config_get_security (self->config) == CASELLA_SECURITY_STARTTLS &&
      !casella_net_connection_is_encrypted (self->connection))
    {
      if (!casella_imap_client_has_capability (self, "STARTTLS"))
        {
          connect_fail (self, g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_MISSING,
                                           "%s does not offer STARTTLS", casella_net_config_get_host (self->config)));
          return;
        }
      send_starttls (self);
      return;
    }

  connect_complete (self);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CasellaImapClient) self = user_data;
  GError *error = NULL;

  if (!casella_net_connection_connect_finish (CASELLA_NET_CONNECTION (source), result, &error))
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->connect_task);

      self->state = STATE_DISCONNECTED;
      if (task != NULL)
        g_task_return_error (task, error);
      else
        g_error_free (error);
      return;
    }

  self->state = STATE_GREETING;
  update_watchdog (self);
  casella_net_connection_resume_reading (self->connection);
}

void
casella_imap_client_connect_async (CasellaImapClient   *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (CASELLA_IS_IMAP_CLIENT (self));
  g_return_if_fail (self->state == STATE_DISCONNECTED);

  self->connect_task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->connect_task, casella_imap_client_connect_async);

  g_clear_object (&self->connection);
  g_clear_pointer (&self->capabilities, g_hash_table_unref);
  casella_imap_parser_reset (self->parser);
  self->pause_reading = FALSE;
  self->garbage_lines = 0;
  self->state = STATE_CONNECTING;

  self->connection = casella_net_connection_new (self->config);
  casella_net_connection_set_handlers (self->connection, on_data, on_connection_error, self);
  if (cancellable != NULL)
    {
      self->connect_cancel = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->connect_cancel, G_SOURCE_FUNC (on_connect_cancelled), self, NULL);
      g_source_attach (self->connect_cancel, g_main_context_get_thread_default ());
    }
  casella_net_connection_connect_async (self->connection, cancellable, on_connected, g_object_ref (self));
}

gboolean
casella_imap_client_connect_finish (CasellaImapClient  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- LOGOUT (here: it changes the client's state) ---- */

void
casella_imap_client_logout_async (CasellaImapClient   *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  CasellaImapCommand *command = casella_imap_command_new (self, "LOGOUT", task);

  g_task_set_source_tag (task, casella_imap_client_logout_async);
  command->barrier = TRUE;
  command->is_logout = TRUE;
  casella_imap_command_append (command, "LOGOUT");
  if (self->state != STATE_DISCONNECTED)
    self->state = STATE_LOGGING_OUT;
  casella_imap_client_submit (self, command);
}

gboolean
casella_imap_client_logout_finish (CasellaImapClient  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  gboolean ok;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  ok = g_task_propagate_boolean (G_TASK (result), error);
  if (self->state == STATE_LOGGING_OUT && g_queue_is_empty (&self->inflight))
    casella_imap_client_disconnect (self);
  return ok;
}

/* ---- object ---- */

static void
casella_imap_client_dispose (GObject *object)
{
  CasellaImapClient *self = CASELLA_IMAP_CLIENT (object);

  if (self->state != STATE_DISCONNECTED)
    casella_imap_client_disconnect (self);
  stop_watching_connect (self);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (casella_imap_client_parent_class)->dispose (object);
}

static void
casella_imap_client_finalize (GObject *object)
{
  CasellaImapClient *self = CASELLA_IMAP_CLIENT (object);

  casella_imap_parser_free (self->parser);
  g_clear_pointer (&self->capabilities, g_hash_table_unref);
  g_free (self->selected);
  casella_net_config_unref (self->config);

  G_OBJECT_CLASS (casella_imap_client_parent_class)->finalize (object);
}

static void
casella_imap_client_class_init (CasellaImapClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = casella_imap_client_dispose;
  object_class->finalize = casella_imap_client_finalize;

  /* New messages: the mailbox now holds this many. */
  signals[SIGNAL_EXISTS] = g_signal_new ("exists", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* The message with this sequence number is gone. */
  signals[SIGNAL_EXPUNGE] = g_signal_new ("expunge", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* QRESYNC: these UIDs are gone (uid-set), earlier or now. */
  signals[SIGNAL_VANISHED] = g_signal_new ("vanished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  /* Unsolicited FETCH (flag changes by another client); a CasellaImapFetch. */
  signals[SIGNAL_FETCH] = g_signal_new ("fetch", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  /* An [ALERT] the server wants the user to read. */
  signals[SIGNAL_ALERT] = g_signal_new ("alert", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* The connection ended; the error says why. */
  signals[SIGNAL_DISCONNECTED] = g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
casella_imap_client_init (CasellaImapClient *self)
{
  self->parser = casella_imap_parser_new ();
  /* A message, and the other items of its FETCH. */
  casella_imap_parser_set_max_size (self->parser, CASELLA_MAX_MESSAGE_SIZE + 1024 * 1024);
  g_queue_init (&self->pending);
  g_queue_init (&self->inflight);
}

CasellaImapClient *
casella_imap_client_new (CasellaNetConfig *config)
{
  CasellaImapClient *self;

  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (CASELLA_TYPE_IMAP_CLIENT, NULL);
  self->config = casella_net_config_ref (config);
  return self;
}

CasellaNetConfig *
casella_imap_client_get_config (CasellaImapClient *self)
{
  return self->config;
}

gboolean
casella_imap_client_is_connected (CasellaImapClient *self)
{
  return self->state == STATE_CONNECTED || self->state == STATE_AUTHENTICATED;
}

gboolean
casella_imap_client_is_authenticated (CasellaImapClient *self)
{
  return self->state == STATE_AUTHENTICATED;
}

gboolean
casella_imap_client_is_encrypted (CasellaImapClient *self)
{
  return self->connection != NULL && casella_net_connection_is_encrypted (self->connection);
}

gboolean
casella_imap_client_has_capability (CasellaImapClient *self,
                                    const char        *capability)
{
  g_autofree char *upper = g_ascii_strup (capability, -1);

  return self->capabilities != NULL && g_hash_table_contains (self->capabilities, upper);
}

GStrv
casella_imap_client_dup_capabilities (CasellaImapClient *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree const char **keys = NULL;

  if (self->capabilities != NULL)
    {
      keys = (const char **) g_hash_table_get_keys_as_array (self->capabilities, NULL);
      g_strv_builder_addv (builder, keys);
    }
  return g_strv_builder_end (builder);
}

GTlsCertificate *
casella_imap_client_get_peer_certificate (CasellaImapClient *self)
{
  return self->connection ? casella_net_connection_get_peer_certificate (self->connection) : NULL;
}

GTlsCertificateFlags
casella_imap_client_get_peer_certificate_errors (CasellaImapClient *self)
{
  return self->connection ? casella_net_connection_get_peer_certificate_errors (self->connection) : 0;
}

const char *
casella_imap_client_get_selected (CasellaImapClient *self)
{
  return self->selected;
}

guint32
casella_imap_client_get_exists (CasellaImapClient *self)
{
  return self->exists;
}

void
casella_imap_client_set_max_response_size (CasellaImapClient *self,
                                           gsize              bytes)
{
  casella_imap_parser_set_max_size (self->parser, bytes);
}
