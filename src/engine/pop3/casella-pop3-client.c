/* casella-pop3-client.c — a POP3 client over GIO
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "casella-mail-error.h"
#include "casella-pop3-client.h"
#include "casella-secret.h"
#include "casella-pop3-parser.h"

struct _CasellaPop3Client
{
  CasellaLineClient  parent_instance;

  CasellaPop3Parser *parser;
  GHashTable        *capabilities;   /* first word of each CAPA line, upper case */
  GStrv              sasl;           /* mechanisms from "SASL …" */
  guint              login_delay;    /* "LOGIN-DELAY n": seconds between sign-ins, 0 if none */
};

G_DEFINE_FINAL_TYPE (CasellaPop3Client, casella_pop3_client, CASELLA_TYPE_LINE_CLIENT)

typedef void (*ReplyDone) (CasellaPop3Client *self, GTask *task, CasellaPop3Reply *reply);

/* ---- parser vfuncs ---- */

static void
pop3_feed (CasellaLineClient *client, const guint8 *data, gsize length)
{
  casella_pop3_parser_feed (CASELLA_POP3_CLIENT (client)->parser, data, length);
}

static CasellaLineParse
pop3_next_reply (CasellaLineClient  *client,
                 gboolean            multiline,
                 gpointer           *reply,
                 GError            **error)
{
  switch (casella_pop3_parser_next (CASELLA_POP3_CLIENT (client)->parser, multiline,
                                    (CasellaPop3Reply **) reply, error))
    {
    case CASELLA_POP3_PARSE_NEED_MORE:
      return CASELLA_LINE_NEED_MORE;
    case CASELLA_POP3_PARSE_REPLY:
      return CASELLA_LINE_REPLY;
    case CASELLA_POP3_PARSE_ERROR:
    default:
      return CASELLA_LINE_FATAL;
    }
}

static gsize
pop3_get_pending (CasellaLineClient *client)
{
  return casella_pop3_parser_get_pending (CASELLA_POP3_CLIENT (client)->parser);
}

static void
pop3_reset (CasellaLineClient *client)
{
  casella_pop3_parser_reset (CASELLA_POP3_CLIENT (client)->parser);
}

/* ---- errors ---- */

static GError *
pop3_error (const char       *name,
            CasellaPop3Reply *reply,
            gboolean          is_auth)
{
  CasellaMailError code;

  /* RFC 2449 codes: a locked mailbox or a server problem is not the
   * user's password. */
  if (g_str_has_prefix (reply->text, "[IN-USE]") || g_str_has_prefix (reply->text, "[SYS/") ||
      g_str_has_prefix (reply->text, "[LOGIN-DELAY]"))
    code = CASELLA_MAIL_ERROR_SERVER_ERROR;
  else
    code = casella_mail_error_classify_text (reply->text, is_auth ? CASELLA_MAIL_ERROR_AUTH_FAILED
                                                                  : CASELLA_MAIL_ERROR_SERVER_ERROR);
  if (!is_auth && code == CASELLA_MAIL_ERROR_AUTH_FAILED)
    code = CASELLA_MAIL_ERROR_SERVER_ERROR;
  return g_error_new (CASELLA_MAIL_ERROR, code, "%s refused by the server: %s", name,
                      reply->text[0] ? reply->text : "no reason given");
}

/* ---- generic commands ---- */

typedef struct {
  ReplyDone  done;
  gboolean   is_auth;
  char      *then_pass;   /* USER: the password to send once accepted */
  const char *abort;      /* AUTH with a token: the answer to the error challenge */
} CommandData;

static void
command_data_free (CommandData *data)
{
  if (data->then_pass != NULL)
    {
      casella_secret_wipe (data->then_pass);
      g_free (data->then_pass);
    }
  g_free (data);
}



static gboolean
on_reply (CasellaLineClient  *client,
          CasellaLineCommand *command,
          gpointer            reply_pointer)
{
  CasellaPop3Client *self = CASELLA_POP3_CLIENT (client);
  CasellaPop3Reply *reply = reply_pointer;
  CommandData *data = command->data;

  if (!reply->ok)
    g_task_return_error (command->task, pop3_error (command->name, reply, data->is_auth));
  else if (reply->continuation && data->abort != NULL)
    {
      /* The token was refused: end the exchange so the -ERR comes. */
      CasellaLineCommand *abort = casella_line_command_new ("AUTH", g_object_ref (command->task), on_reply);
      CommandData *abort_data = g_new0 (CommandData, 1);

      abort_data->is_auth = TRUE;
      abort->data = abort_data;
      abort->data_free = (GDestroyNotify) command_data_free;
      casella_line_command_set_line (abort, data->abort);
      casella_line_client_send_first (client, abort);
    }
  else if (reply->continuation && data->is_auth)
    g_task_return_new_error (command->task, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PROTOCOL_ERROR,
                             "The POP3 server asked for more than the sign-in needs");
  else if (data->then_pass != NULL)
    {
      g_autofree char *line = g_strconcat ("PASS ", data->then_pass, NULL);
      CasellaLineCommand *pass = casella_line_command_new ("PASS", g_object_ref (command->task), on_reply);
      CommandData *pass_data = g_new0 (CommandData, 1);

      /* First in line: anything queued after the login must wait for it. */
      pass_data->is_auth = TRUE;
      pass->data = pass_data;
      pass->data_free = (GDestroyNotify) command_data_free;
      casella_line_command_set_line (pass, line);
      casella_secret_wipe (line);
      casella_line_client_send_first (client, pass);
    }
  else if (data->done != NULL)
    data->done (self, command->task, reply);
  else
    g_task_return_boolean (command->task, TRUE);
  return TRUE;
}

static void
pop3_send (CasellaPop3Client *self,
           const char        *name,
           const char        *line,
           gboolean           multiline,
           ReplyDone          done,
           GTask             *task)
{
  CasellaLineCommand *command = casella_line_command_new (name, task, on_reply);
  CommandData *data = g_new0 (CommandData, 1);

  data->done = done;
  data->is_auth = g_str_equal (name, "PASS") || g_str_equal (name, "USER") || g_str_equal (name, "AUTH");
  command->data = data;
  command->data_free = (GDestroyNotify) command_data_free;
  command->multiline = multiline;
  casella_line_command_set_line (command, line);
  casella_line_client_send (CASELLA_LINE_CLIENT (self), command);
}

static GTask *
new_task (CasellaPop3Client   *self,
          gpointer             source_tag,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

gboolean
casella_pop3_client_simple_finish (CasellaPop3Client  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- CAPA ---- */

static void
store_capabilities (CasellaPop3Client *self,
                    GBytes            *body)
{
  g_autofree char *text = body ? g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body)) : NULL;
  g_auto(GStrv) lines = text ? g_strsplit (text, "\r\n", -1) : NULL;

  g_clear_pointer (&self->capabilities, g_hash_table_unref);
  g_clear_pointer (&self->sasl, g_strfreev);
  self->capabilities = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; lines && lines[i]; i++)
    {
      g_auto(GStrv) words = g_strsplit (g_strstrip (lines[i]), " ", -1);

      if (words[0] == NULL || words[0][0] == '\0')
        continue;
      g_hash_table_add (self->capabilities, g_ascii_strup (words[0], -1));
      if (g_ascii_strcasecmp (words[0], "LOGIN-DELAY") == 0 && words[1] != NULL)
        self->login_delay = (guint) g_ascii_strtoull (words[1], NULL, 10);
      if (g_ascii_strcasecmp (words[0], "SASL") == 0)
        {
          g_strfreev (self->sasl);
          self->sasl = g_strdupv (words + 1);
        }
    }
}

static void
capa_done (CasellaPop3Client *self,
           GTask             *task,
           CasellaPop3Reply  *reply)
{
  g_autofree const char **keys = NULL;

  store_capabilities (self, reply->body);
  keys = (const char **) g_hash_table_get_keys_as_array (self->capabilities, NULL);
  g_task_return_pointer (task, g_strdupv ((char **) keys), (GDestroyNotify) g_strfreev);
}

static gboolean
on_capa_reply (CasellaLineClient  *client,
               CasellaLineCommand *command,
               gpointer            reply)
{
  CasellaPop3Client *self = CASELLA_POP3_CLIENT (client);

  /* A server without CAPA says -ERR: it simply has no extensions. */
  if (!((CasellaPop3Reply *) reply)->ok)
    {
      store_capabilities (self, NULL);
      g_task_return_pointer (command->task, g_new0 (char *, 1), (GDestroyNotify) g_strfreev);
      return TRUE;
    }
  capa_done (self, command->task, reply);
  return TRUE;
}

void
casella_pop3_client_capa_async (CasellaPop3Client   *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task = new_task (self, casella_pop3_client_capa_async, cancellable, callback, user_data);
  CasellaLineCommand *command = casella_line_command_new ("CAPA", task, on_capa_reply);

  command->multiline = TRUE;
  casella_line_command_set_line (command, "CAPA");
  casella_line_client_send (CASELLA_LINE_CLIENT (self), command);
}

GStrv
casella_pop3_client_capa_finish (CasellaPop3Client  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
casella_pop3_client_has_capability (CasellaPop3Client *self,
                                    const char        *capability)
{
  g_autofree char *upper = g_ascii_strup (capability, -1);

  return self->capabilities != NULL && g_hash_table_contains (self->capabilities, upper);
}

/* ---- connecting ---- */

static void
connect_fail (CasellaPop3Client *self,
              GError            *error)
{
  casella_line_client_connect_fail (CASELLA_LINE_CLIENT (self), error);
}

static void connect_after_capa (GObject *source, GAsyncResult *result, gpointer user_data);

static void
on_upgraded (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  CasellaPop3Client *self = CASELLA_POP3_CLIENT (source);
  GError *error = NULL;

  if (!casella_line_client_upgrade_finish (CASELLA_LINE_CLIENT (self), result, &error))
    {
      connect_fail (self, error);
      return;
    }
  /* What the server said before encryption cannot be trusted. */
  g_clear_pointer (&self->capabilities, g_hash_table_unref);
  casella_pop3_client_capa_async (self, NULL, connect_after_capa, NULL);
}

static gboolean
on_stls_reply (CasellaLineClient  *client,
               CasellaLineCommand *command,
               gpointer            reply)
{
  CasellaPop3Client *self = CASELLA_POP3_CLIENT (client);

  if (!((CasellaPop3Reply *) reply)->ok)
    {
      connect_fail (self, g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_FAILED,
                                       "The server offered STLS but did not start it: %s",
                                       ((CasellaPop3Reply *) reply)->text));
      return TRUE;
    }
  casella_line_client_pause_reading (client);
  casella_line_client_upgrade_async (client, NULL, on_upgraded, NULL);
  return TRUE;
}

static void
connect_after_capa (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  CasellaPop3Client *self = CASELLA_POP3_CLIENT (source);
  CasellaLineClient *client = CASELLA_LINE_CLIENT (self);
  g_auto(GStrv) caps = NULL;
  GError *error = NULL;

  caps = casella_pop3_client_capa_finish (self, result, &error);
  if (caps == NULL)
    {
      connect_fail (self, error);
      return;
    }
  if (!casella_line_client_is_connecting (client))
    return;

  if (casella_line_client_wants_starttls (client))
    {
      CasellaLineCommand *command;

      if (!casella_pop3_client_has_capability (self, "STLS"))
        {
          connect_fail (self, g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_MISSING,
                                           "%s does not offer STLS",
                                           casella_net_config_get_host (casella_line_client_get_config (client))));
          return;
        }
      command = casella_line_command_new ("STLS", NULL, on_stls_reply);
      casella_line_command_set_line (command, "STLS");
      casella_line_client_send (client, command);
      return;
    }

  casella_line_client_connect_done (client, casella_pop3_client_has_capability (self, "PIPELINING"));
}

static gboolean
on_greeting (CasellaLineClient  *client,
             CasellaLineCommand *command,
             gpointer            reply)
{
  CasellaPop3Client *self = CASELLA_POP3_CLIENT (client);
  CasellaPop3Reply *greeting = reply;

  if (!greeting->ok || greeting->continuation)
    {
      connect_fail (self, g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_SERVER_ERROR,
                                       "The POP3 server turned us away: %s", greeting->text));
      return TRUE;
    }
  casella_pop3_client_capa_async (self, NULL, connect_after_capa, NULL);
  return TRUE;
}

void
casella_pop3_client_connect_async (CasellaPop3Client   *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (!casella_line_client_is_connecting (CASELLA_LINE_CLIENT (self)));

  g_clear_pointer (&self->capabilities, g_hash_table_unref);
  casella_line_client_connect (CASELLA_LINE_CLIENT (self),
                               new_task (self, casella_pop3_client_connect_async, cancellable, callback, user_data),
                               casella_line_command_new ("greeting", NULL, on_greeting), cancellable);
}

gboolean
casella_pop3_client_connect_finish (CasellaPop3Client  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  return casella_pop3_client_simple_finish (self, result, error);
}

/* ---- login ---- */

/* UTF8 changes what the server sends, not whether it takes us: a
 * refusal leaves things as they were. */
static gboolean
on_utf8_reply (CasellaLineClient  *client,
               CasellaLineCommand *command,
               gpointer            reply)
{
  g_debug ("POP3: UTF8 %s", ((CasellaPop3Reply *) reply)->ok ? "on" : "refused");
  return TRUE;
}

/* What both sign-ins do first: the TLS rule (and, for a token, that the
 * server takes one: unsupported says why not), then UTF8 when offered.
 * FALSE: task has its error, and is gone. */
static gboolean
login_prelude (CasellaPop3Client *self,
               GTask             *task,
               const char        *unsupported)
{
  GError *error = casella_line_client_check_can_send_password (CASELLA_LINE_CLIENT (self));

  if (error == NULL && unsupported != NULL)
    error = g_error_new_literal (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_AUTH_MECHANISM_UNSUPPORTED, unsupported);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return FALSE;
    }
  /* UTF-8 headers as they are (RFC 6856); Courier sends a "cannot
   * display Unicode content" stub to clients that do not ask. */
  if (casella_pop3_client_has_capability (self, "UTF8"))
    {
      CasellaLineCommand *utf8 = casella_line_command_new ("UTF8", NULL, on_utf8_reply);

      casella_line_command_set_line (utf8, "UTF8");
      casella_line_client_send (CASELLA_LINE_CLIENT (self), utf8);
    }
  return TRUE;
}

guint
casella_pop3_client_get_login_delay (CasellaPop3Client *self)
{
  return self->login_delay;
}

void
casella_pop3_client_login_async (CasellaPop3Client   *self,
                                 const char          *username,
                                 const char          *password,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task = new_task (self, casella_pop3_client_login_async, cancellable, callback, user_data);
  g_autofree char *line = NULL;

  if (!login_prelude (self, task, NULL))
    return;
  if (self->sasl != NULL && g_strv_contains ((const char * const *) self->sasl, "PLAIN"))
    {
      g_autoptr(CasellaSecret) b64 = casella_sasl_plain (username, password);

      line = g_strconcat ("AUTH PLAIN ", b64, NULL);
      pop3_send (self, "AUTH", line, FALSE, NULL, task);
    }
  else
    {
      /* USER, and PASS only once the user name is accepted. */
      CasellaLineCommand *command = casella_line_command_new ("USER", task, on_reply);
      CommandData *data = g_new0 (CommandData, 1);

      line = g_strconcat ("USER ", username, NULL);
      data->is_auth = TRUE;
      data->then_pass = g_strdup (password);
      command->data = data;
      command->data_free = (GDestroyNotify) command_data_free;
      casella_line_command_set_line (command, line);
      casella_line_client_send (CASELLA_LINE_CLIENT (self), command);
    }
  casella_secret_wipe (line);
}

void
casella_pop3_client_login_oauth2_async (CasellaPop3Client   *self,
                                        const char          *username,
                                        const char          *access_token,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  GTask *task = new_task (self, casella_pop3_client_login_async, cancellable, callback, user_data);
  const char * const *sasl = (const char * const *) self->sasl;
  gboolean bearer = sasl != NULL && g_strv_contains (sasl, "OAUTHBEARER");
  g_autoptr(CasellaSecret) b64 = NULL;
  g_autoptr(CasellaSecret) line = NULL;
  CasellaLineCommand *command;
  CommandData *data;

  if (!login_prelude (self, task, bearer || (sasl != NULL && g_strv_contains (sasl, "XOAUTH2"))
                                  ? NULL : "The POP3 server does not offer OAuth2 sign-in"))
    return;
  b64 = bearer ? casella_sasl_oauthbearer (username, access_token) : casella_sasl_xoauth2 (username, access_token);
  line = g_strconcat (bearer ? "AUTH OAUTHBEARER " : "AUTH XOAUTH2 ", b64, NULL);
  command = casella_line_command_new ("AUTH", task, on_reply);
  data = g_new0 (CommandData, 1);
  data->is_auth = TRUE;
  data->abort = bearer ? CASELLA_SASL_OAUTHBEARER_ABORT : CASELLA_SASL_XOAUTH2_ABORT;
  command->data = data;
  command->data_free = (GDestroyNotify) command_data_free;
  casella_line_command_set_line (command, line);
  casella_line_client_send (CASELLA_LINE_CLIENT (self), command);
}

gboolean
casella_pop3_client_login_finish (CasellaPop3Client  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  return casella_pop3_client_simple_finish (self, result, error);
}

/* ---- STAT, LIST, UIDL ---- */

typedef struct {
  guint   count;
  guint64 size;
} StatResult;

static void
stat_done (CasellaPop3Client *self,
           GTask             *task,
           CasellaPop3Reply  *reply)
{
  StatResult *stat = g_new0 (StatResult, 1);
  char *end;

  stat->count = (guint) g_ascii_strtoull (reply->text, &end, 10);
  if (end == reply->text)
    {
      g_free (stat);
      g_task_return_new_error (task, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PROTOCOL_ERROR,
                               "Malformed STAT reply: %s", reply->text);
      return;
    }
  stat->size = g_ascii_strtoull (end, NULL, 10);
  g_task_return_pointer (task, stat, g_free);
}

void
casella_pop3_client_stat_async (CasellaPop3Client   *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  pop3_send (self, "STAT", "STAT", FALSE, stat_done,
             new_task (self, casella_pop3_client_stat_async, cancellable, callback, user_data));
}

gboolean
casella_pop3_client_stat_finish (CasellaPop3Client  *self,
                                 GAsyncResult       *result,
                                 guint              *count,
                                 guint64            *size,
                                 GError            **error)
{
  g_autofree StatResult *stat = g_task_propagate_pointer (G_TASK (result), error);

  if (stat == NULL)
    return FALSE;
  if (count)
    *count = stat->count;
  if (size)
    *size = stat->size;
  return TRUE;
}

/* "n value" lines: from a multi-line body, or the single status line. */
static GStrv
scan_lines (CasellaPop3Reply *reply)
{
  g_autofree char *text = NULL;
  gsize size;
  const char *data;

  if (reply->body == NULL)
    return g_strsplit (reply->text ? reply->text : "", "\n", 1);
  /* An empty listing (an empty mailbox) is an empty body: no data. */
  data = g_bytes_get_data (reply->body, &size);
  text = size > 0 ? g_strndup (data, size) : g_strdup ("");
  return g_strsplit (text, "\r\n", -1);
}

static void
list_done (CasellaPop3Client *self,
           GTask             *task,
           CasellaPop3Reply  *reply)
{
  g_auto(GStrv) lines = scan_lines (reply);
  GArray *items = g_array_new (FALSE, FALSE, sizeof (CasellaPop3ListItem));

  for (guint i = 0; lines[i]; i++)
    {
      CasellaPop3ListItem item;
      char *end;

      item.number = (guint) g_ascii_strtoull (lines[i], &end, 10);
      if (end == lines[i] || item.number == 0)
        continue;
      item.size = g_ascii_strtoull (end, NULL, 10);
      g_array_append_val (items, item);
    }
  g_task_return_pointer (task, items, (GDestroyNotify) g_array_unref);
}

void
casella_pop3_client_list_async (CasellaPop3Client   *self,
                                guint                number,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autofree char *line = number ? g_strdup_printf ("LIST %u", number) : g_strdup ("LIST");

  pop3_send (self, "LIST", line, number == 0, list_done,
             new_task (self, casella_pop3_client_list_async, cancellable, callback, user_data));
}

GArray *
casella_pop3_client_list_finish (CasellaPop3Client  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
casella_pop3_uid_item_free (CasellaPop3UidItem *item)
{
  g_free (item->uid);
  g_free (item);
}

static void
uidl_done (CasellaPop3Client *self,
           GTask             *task,
           CasellaPop3Reply  *reply)
{
  g_auto(GStrv) lines = scan_lines (reply);
  GPtrArray *items = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_pop3_uid_item_free);

  for (guint i = 0; lines[i]; i++)
    {
      char *end;
      guint number = (guint) g_ascii_strtoull (lines[i], &end, 10);
      CasellaPop3UidItem *item;

      /* RFC 1939: the unique-id is 1 to 70 printable characters. */
      while (*end == ' ')
        end++;
      if (number == 0 || *end == '\0' || strlen (end) > 70)
        continue;
      item = g_new0 (CasellaPop3UidItem, 1);
      item->number = number;
      item->uid = g_strdup (g_strchomp (end));
      g_ptr_array_add (items, item);
    }
  g_task_return_pointer (task, items, (GDestroyNotify) g_ptr_array_unref);
}

void
casella_pop3_client_uidl_async (CasellaPop3Client   *self,
                                guint                number,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autofree char *line = number ? g_strdup_printf ("UIDL %u", number) : g_strdup ("UIDL");

  pop3_send (self, "UIDL", line, number == 0, uidl_done,
             new_task (self, casella_pop3_client_uidl_async, cancellable, callback, user_data));
}

GPtrArray *
casella_pop3_client_uidl_finish (CasellaPop3Client  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- TOP, RETR ---- */

static void
message_done (CasellaPop3Client *self,
              GTask             *task,
              CasellaPop3Reply  *reply)
{
  g_task_return_pointer (task, g_bytes_ref (reply->body), (GDestroyNotify) g_bytes_unref);
}

void
casella_pop3_client_top_async (CasellaPop3Client   *self,
                               guint                number,
                               guint                lines,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autofree char *line = g_strdup_printf ("TOP %u %u", number, lines);

  pop3_send (self, "TOP", line, TRUE, message_done,
             new_task (self, casella_pop3_client_top_async, cancellable, callback, user_data));
}

void
casella_pop3_client_retr_async (CasellaPop3Client   *self,
                                guint                number,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autofree char *line = g_strdup_printf ("RETR %u", number);

  pop3_send (self, "RETR", line, TRUE, message_done,
             new_task (self, casella_pop3_client_retr_async, cancellable, callback, user_data));
}

GBytes *
casella_pop3_client_message_finish (CasellaPop3Client  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- DELE, RSET, NOOP, QUIT ---- */

void
casella_pop3_client_dele_async (CasellaPop3Client   *self,
                                guint                number,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autofree char *line = g_strdup_printf ("DELE %u", number);

  pop3_send (self, "DELE", line, FALSE, NULL,
             new_task (self, casella_pop3_client_dele_async, cancellable, callback, user_data));
}

void
casella_pop3_client_rset_async (CasellaPop3Client   *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  pop3_send (self, "RSET", "RSET", FALSE, NULL,
             new_task (self, casella_pop3_client_rset_async, cancellable, callback, user_data));
}

void
casella_pop3_client_noop_async (CasellaPop3Client   *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  pop3_send (self, "NOOP", "NOOP", FALSE, NULL,
             new_task (self, casella_pop3_client_noop_async, cancellable, callback, user_data));
}

static void
quit_done (CasellaPop3Client *self,
           GTask             *task,
           CasellaPop3Reply  *reply)
{
  g_task_return_boolean (task, TRUE);
  casella_line_client_disconnect (CASELLA_LINE_CLIENT (self));
}

void
casella_pop3_client_quit_async (CasellaPop3Client   *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  pop3_send (self, "QUIT", "QUIT", FALSE, quit_done,
             new_task (self, casella_pop3_client_quit_async, cancellable, callback, user_data));
}

/* ---- object ---- */

static void
casella_pop3_client_finalize (GObject *object)
{
  CasellaPop3Client *self = CASELLA_POP3_CLIENT (object);

  casella_pop3_parser_free (self->parser);
  g_clear_pointer (&self->capabilities, g_hash_table_unref);
  g_strfreev (self->sasl);

  G_OBJECT_CLASS (casella_pop3_client_parent_class)->finalize (object);
}

static void
casella_pop3_client_class_init (CasellaPop3ClientClass *klass)
{
  CasellaLineClientClass *line_class = CASELLA_LINE_CLIENT_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = casella_pop3_client_finalize;
  line_class->feed = pop3_feed;
  line_class->next_reply = pop3_next_reply;
  line_class->free_reply = (void (*) (gpointer)) casella_pop3_reply_free;
  line_class->get_pending = pop3_get_pending;
  line_class->reset = pop3_reset;
}

static void
casella_pop3_client_init (CasellaPop3Client *self)
{
  self->parser = casella_pop3_parser_new ();
  casella_pop3_parser_set_max_size (self->parser, CASELLA_MAX_MESSAGE_SIZE);
}

CasellaPop3Client *
casella_pop3_client_new (CasellaNetConfig *config)
{
  CasellaPop3Client *self = g_object_new (CASELLA_TYPE_POP3_CLIENT, NULL);

  casella_line_client_set_config (CASELLA_LINE_CLIENT (self), config);
  return self;
}
