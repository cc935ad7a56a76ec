/* casella-smtp-client.c — an SMTP submission client over GIO
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "casella-gmime.h"
#include "casella-mail-error.h"
#include "casella-smtp-client.h"
#include "casella-secret.h"
#include "casella-smtp-parser.h"

struct _CasellaSmtpClient
{
  CasellaLineClient  parent_instance;

  CasellaSmtpParser *parser;
  GHashTable        *extensions;   /* KEYWORD (upper case) -> parameters */
  GStrv              auth;         /* mechanisms, upper case */
  CasellaSmtpBeforeDataFunc before_data;
  gpointer           before_data_data;
};

G_DEFINE_FINAL_TYPE (CasellaSmtpClient, casella_smtp_client, CASELLA_TYPE_LINE_CLIENT)

#define IS_OK(reply) ((reply)->code >= 200 && (reply)->code < 300)

/* ---- parser vfuncs ---- */

static void
smtp_feed (CasellaLineClient *client, const guint8 *data, gsize length)
{
  casella_smtp_parser_feed (CASELLA_SMTP_CLIENT (client)->parser, data, length);
}

static CasellaLineParse
smtp_next_reply (CasellaLineClient *client, gboolean multiline, gpointer *reply, GError **error)
{
  switch (casella_smtp_parser_next (CASELLA_SMTP_CLIENT (client)->parser, (CasellaSmtpReply **) reply, error))
    {
    case CASELLA_SMTP_PARSE_NEED_MORE:
      return CASELLA_LINE_NEED_MORE;
    case CASELLA_SMTP_PARSE_REPLY:
      return CASELLA_LINE_REPLY;
    case CASELLA_SMTP_PARSE_ERROR:
    default:
      return CASELLA_LINE_FATAL;
    }
}

static gsize
smtp_get_pending (CasellaLineClient *client)
{
  return casella_smtp_parser_get_pending (CASELLA_SMTP_CLIENT (client)->parser);
}

static void
smtp_reset (CasellaLineClient *client)
{
  casella_smtp_parser_reset (CASELLA_SMTP_CLIENT (client)->parser);
}

/* ---- errors ---- */

static GError *
smtp_error (const char       *name,
            CasellaSmtpReply *reply,
            gboolean          is_auth)
{
  g_autofree char *text = casella_smtp_reply_describe (reply);
  g_autofree char *lower = g_ascii_strdown (text, -1);
  CasellaMailError code;

  if (reply->code == 552 || (reply->has_enhanced && reply->enhanced[1] == 3 && reply->enhanced[2] == 4))
    code = CASELLA_MAIL_ERROR_MESSAGE_TOO_LARGE;
  else if (reply->code / 100 == 4 && !is_auth)
    code = CASELLA_MAIL_ERROR_TRY_LATER;
  else if (reply->code == 530 && strstr (lower, "starttls") != NULL)
    code = CASELLA_MAIL_ERROR_STARTTLS_MISSING;
  else if (reply->code == 530)
    code = CASELLA_MAIL_ERROR_AUTH_FAILED;
  else
    code = casella_mail_error_classify_text (text, is_auth || reply->code == 535
                                                   ? CASELLA_MAIL_ERROR_AUTH_FAILED
                                                   : CASELLA_MAIL_ERROR_SERVER_ERROR);
  return g_error_new (CASELLA_MAIL_ERROR, code, "%s refused by the server: %s", name, text);
}

/* ---- commands ---- */

typedef gboolean (*SmtpReplyFunc) (CasellaSmtpClient *self, CasellaLineCommand *command, CasellaSmtpReply *reply);

static GTask *
new_task (CasellaSmtpClient   *self,
          gpointer             source_tag,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

static CasellaLineCommand *
smtp_command (const char    *name,
              const char    *line,
              GTask         *task,
              SmtpReplyFunc  on_reply)
{
  CasellaLineCommand *command = casella_line_command_new (name, task, (CasellaLineReplyFunc) on_reply);

  if (line != NULL)
    casella_line_command_set_line (command, line);
  return command;
}

/* 2xx: TRUE; anything else: the error. */
static gboolean
simple_reply (CasellaSmtpClient  *self,
              CasellaLineCommand *command,
              CasellaSmtpReply   *reply)
{
  if (IS_OK (reply))
    g_task_return_boolean (command->task, TRUE);
  else
    g_task_return_error (command->task, smtp_error (command->name, reply, FALSE));
  return TRUE;
}

static gboolean
ignore_reply (CasellaSmtpClient  *self,
              CasellaLineCommand *command,
              CasellaSmtpReply   *reply)
{
  return TRUE;
}

gboolean
casella_smtp_client_simple_finish (CasellaSmtpClient  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
casella_smtp_client_rset_async (CasellaSmtpClient *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  casella_line_client_send (CASELLA_LINE_CLIENT (self),
                            smtp_command ("RSET", "RSET", new_task (self, casella_smtp_client_rset_async,
                                                                    cancellable, callback, user_data),
                                          simple_reply));
}

void
casella_smtp_client_noop_async (CasellaSmtpClient *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  casella_line_client_send (CASELLA_LINE_CLIENT (self),
                            smtp_command ("NOOP", "NOOP", new_task (self, casella_smtp_client_noop_async,
                                                                    cancellable, callback, user_data),
                                          simple_reply));
}

static gboolean
quit_reply (CasellaSmtpClient  *self,
            CasellaLineCommand *command,
            CasellaSmtpReply   *reply)
{
  g_task_return_boolean (command->task, TRUE);
  casella_line_client_disconnect (CASELLA_LINE_CLIENT (self));
  return TRUE;
}

void
casella_smtp_client_quit_async (CasellaSmtpClient *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  casella_line_client_send (CASELLA_LINE_CLIENT (self),
                            smtp_command ("QUIT", "QUIT", new_task (self, casella_smtp_client_quit_async,
                                                                    cancellable, callback, user_data),
                                          quit_reply));
}

/* ---- EHLO ---- */

static void
store_extensions (CasellaSmtpClient *self,
                  CasellaSmtpReply  *reply)
{
  g_autoptr(GStrvBuilder) auth = g_strv_builder_new ();

  g_clear_pointer (&self->extensions, g_hash_table_unref);
  g_clear_pointer (&self->auth, g_strfreev);
  self->extensions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  /* The first line greets; each further line is "KEYWORD params". */
  for (guint i = 1; reply && reply->lines[i]; i++)
    {
      g_auto(GStrv) words = g_strsplit (g_strstrip (reply->lines[i]), " ", -1);
      g_autofree char *keyword = NULL;

      if (words[0] == NULL || words[0][0] == '\0')
        continue;
      /* Old servers say "AUTH=LOGIN PLAIN". */
      if (g_ascii_strncasecmp (words[0], "AUTH=", 5) == 0)
        {
          g_autofree char *mechanism = g_ascii_strup (words[0] + 5, -1);
          g_strv_builder_add (auth, mechanism);
          keyword = g_strdup ("AUTH");
        }
      else
        keyword = g_ascii_strup (words[0], -1);

      if (g_str_equal (keyword, "AUTH"))
        for (guint w = 1; words[w]; w++)
          {
            g_autofree char *mechanism = g_ascii_strup (words[w], -1);
            if (mechanism[0])
              g_strv_builder_add (auth, mechanism);
          }
      g_hash_table_replace (self->extensions, g_steal_pointer (&keyword),
                            words[1] ? g_strjoinv (" ", words + 1) : g_strdup (""));
    }
  self->auth = g_strv_builder_end (auth);
}

gboolean
casella_smtp_client_has_extension (CasellaSmtpClient *self,
                                   const char        *keyword)
{
  g_autofree char *upper = g_ascii_strup (keyword, -1);

  return self->extensions != NULL && g_hash_table_contains (self->extensions, upper);
}

gboolean
casella_smtp_client_has_auth (CasellaSmtpClient *self,
                              const char        *mechanism)
{
  return self->auth != NULL && g_strv_contains ((const char * const *) self->auth, mechanism);
}

/* 0 when the server states no limit. */
guint64
casella_smtp_client_get_size_limit (CasellaSmtpClient *self)
{
  const char *size = self->extensions ? g_hash_table_lookup (self->extensions, "SIZE") : NULL;

  return size ? g_ascii_strtoull (size, NULL, 10) : 0;
}

/* ---- connecting ---- */

static void
connect_fail (CasellaSmtpClient *self,
              GError            *error)
{
  casella_line_client_connect_fail (CASELLA_LINE_CLIENT (self), error);
}

static void send_ehlo (CasellaSmtpClient *self, gboolean helo);

static void
on_upgraded (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  CasellaSmtpClient *self = CASELLA_SMTP_CLIENT (source);
  GError *error = NULL;

  if (!casella_line_client_upgrade_finish (CASELLA_LINE_CLIENT (self), result, &error))
    {
      connect_fail (self, error);
      return;
    }
  /* RFC 3207: forget what was said in plaintext and ask again. */
  g_clear_pointer (&self->extensions, g_hash_table_unref);
  send_ehlo (self, FALSE);
}

static gboolean
on_starttls_reply (CasellaSmtpClient  *self,
                   CasellaLineCommand *command,
                   CasellaSmtpReply   *reply)
{
  if (reply->code != 220)
    {
      g_autofree char *text = casella_smtp_reply_describe (reply);
      connect_fail (self, g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_FAILED,
                                       "The server offered STARTTLS but did not start it: %s", text));
      return TRUE;
    }
  casella_line_client_pause_reading (CASELLA_LINE_CLIENT (self));
  casella_line_client_upgrade_async (CASELLA_LINE_CLIENT (self), NULL, on_upgraded, NULL);
  return TRUE;
}

static void
connect_after_ehlo (CasellaSmtpClient *self)
{
  CasellaLineClient *client = CASELLA_LINE_CLIENT (self);
  CasellaNetConfig *config = casella_line_client_get_config (client);

  if (casella_line_client_wants_starttls (client))
    {
      if (!casella_smtp_client_has_extension (self, "STARTTLS"))
        {
          connect_fail (self, g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_STARTTLS_MISSING,
                                           "%s does not offer STARTTLS", casella_net_config_get_host (config)));
          return;
        }
      casella_line_client_send (client, smtp_command ("STARTTLS", "STARTTLS", NULL, on_starttls_reply));
      return;
    }

  casella_line_client_connect_done (client, casella_smtp_client_has_extension (self, "PIPELINING"));
}

static gboolean
on_ehlo_reply (CasellaSmtpClient  *self,
               CasellaLineCommand *command,
               CasellaSmtpReply   *reply)
{
  gboolean helo = g_str_equal (command->name, "HELO");

  if (!casella_line_client_is_connecting (CASELLA_LINE_CLIENT (self)))
    return TRUE;
  if (!IS_OK (reply))
    {
      /* An old server without ESMTP: plain HELO, no extensions. */
      if (!helo && reply->code >= 500)
        {
          send_ehlo (self, TRUE);
          return TRUE;
        }
      connect_fail (self, smtp_error (command->name, reply, FALSE));
      return TRUE;
    }
  store_extensions (self, helo ? NULL : reply);
  connect_after_ehlo (self);
  return TRUE;
}

static void
send_ehlo (CasellaSmtpClient *self,
           gboolean           helo)
{
  g_autofree char *me = casella_line_client_dup_local_literal (CASELLA_LINE_CLIENT (self));
  g_autofree char *line = g_strdup_printf ("%s %s", helo ? "HELO" : "EHLO", me);

  casella_line_client_send (CASELLA_LINE_CLIENT (self),
                            smtp_command (helo ? "HELO" : "EHLO", line, NULL, on_ehlo_reply));
}

static gboolean
on_greeting (CasellaSmtpClient  *self,
             CasellaLineCommand *command,
             CasellaSmtpReply   *reply)
{
  if (reply->code != 220)
    {
      g_autofree char *text = casella_smtp_reply_describe (reply);
      connect_fail (self, g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_SERVER_ERROR,
                                       "The SMTP server turned us away: %s", text));
      return TRUE;
    }
  send_ehlo (self, FALSE);
  return TRUE;
}

void
casella_smtp_client_connect_async (CasellaSmtpClient   *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (!casella_line_client_is_connecting (CASELLA_LINE_CLIENT (self)));

  g_clear_pointer (&self->extensions, g_hash_table_unref);
  casella_line_client_connect (CASELLA_LINE_CLIENT (self),
                               new_task (self, casella_smtp_client_connect_async, cancellable, callback, user_data),
                               smtp_command ("greeting", NULL, NULL, on_greeting), cancellable);
}

gboolean
casella_smtp_client_connect_finish (CasellaSmtpClient  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  return casella_smtp_client_simple_finish (self, result, error);
}

/* ---- AUTH ---- */

/* What to answer to each "334" challenge, in order; wiped when freed. */
static void
answers_free (GPtrArray *answers)
{
  for (guint i = 0; i < answers->len; i++)
    casella_secret_wipe (answers->pdata[i]);
  g_ptr_array_unref (answers);
}

static gboolean
on_auth_reply (CasellaSmtpClient  *self,
               CasellaLineCommand *command,
               CasellaSmtpReply   *reply)
{
  GPtrArray *answers = command->data;

  if (reply->code == 334 && answers != NULL && answers->len > 0)
    {
      CasellaLineCommand *next = smtp_command ("AUTH", answers->pdata[0], g_object_ref (command->task),
                                               on_auth_reply);

      g_ptr_array_remove_index (answers, 0);
      next->data = g_steal_pointer (&command->data);
      next->data_free = command->data_free;
      casella_line_client_send_first (CASELLA_LINE_CLIENT (self), next);
      return TRUE;
    }
  if (reply->code == 334)
    {
      /* More questions than we have answers for: cancel the exchange. */
      casella_line_client_send_first (CASELLA_LINE_CLIENT (self),
                                      smtp_command ("AUTH", "*", g_object_ref (command->task), on_auth_reply));
      return TRUE;
    }
  if (reply->code == 235)
    g_task_return_boolean (command->task, TRUE);
  else
    g_task_return_error (command->task, smtp_error ("AUTH", reply, TRUE));
  return TRUE;
}

static GError *
check_mechanisms (CasellaSmtpClient *self)
{
  if (casella_smtp_client_has_auth (self, "PLAIN") || casella_smtp_client_has_auth (self, "LOGIN"))
    return NULL;
  if (casella_smtp_client_has_auth (self, "XOAUTH2") || casella_smtp_client_has_auth (self, "OAUTHBEARER"))
    return g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_OAUTH_REQUIRED,
                        "The server accepts only OAuth2 sign-in");
  return g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_AUTH_MECHANISM_UNSUPPORTED,
                      "The server offers no password sign-in we can use");
}

void
casella_smtp_client_login_async (CasellaSmtpClient   *self,
                                 const char          *username,
                                 const char          *password,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task = new_task (self, casella_smtp_client_login_async, cancellable, callback, user_data);
  GError *error = casella_line_client_check_can_send_password (CASELLA_LINE_CLIENT (self));
  CasellaLineCommand *command;
  GPtrArray *answers = g_ptr_array_new_with_free_func (g_free);

  if (error == NULL && !casella_smtp_client_has_extension (self, "AUTH"))
    {
      /* The server wants no sign-in (it trusts the network, say). */
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      answers_free (answers);
      return;
    }
  if (error != NULL || (error = check_mechanisms (self)) != NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      answers_free (answers);
      return;
    }

  if (casella_smtp_client_has_auth (self, "PLAIN"))
    {
      g_autoptr(CasellaSecret) b64 = casella_sasl_plain (username, password);
      g_autoptr(CasellaSecret) line = g_strconcat ("AUTH PLAIN ", b64, NULL);

      command = smtp_command ("AUTH", line, task, on_auth_reply);
      g_ptr_array_add (answers, g_strdup (b64));   /* if the server asks again */
    }
  else
    {
      command = smtp_command ("AUTH", "AUTH LOGIN", task, on_auth_reply);
      g_ptr_array_add (answers, g_base64_encode ((const guchar *) username, strlen (username)));
      g_ptr_array_add (answers, g_base64_encode ((const guchar *) password, strlen (password)));
    }
  command->data = answers;
  command->data_free = (GDestroyNotify) answers_free;
  casella_line_client_send (CASELLA_LINE_CLIENT (self), command);
}

void
casella_smtp_client_login_oauth2_async (CasellaSmtpClient   *self,
                                        const char          *username,
                                        const char          *access_token,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  GTask *task = new_task (self, casella_smtp_client_login_async, cancellable, callback, user_data);
  GError *error = casella_line_client_check_can_send_password (CASELLA_LINE_CLIENT (self));
  gboolean bearer = casella_smtp_client_has_auth (self, "OAUTHBEARER");
  g_autoptr(CasellaSecret) b64 = NULL;
  g_autoptr(CasellaSecret) line = NULL;
  CasellaLineCommand *command;
  GPtrArray *answers;

  if (error == NULL && !bearer && !casella_smtp_client_has_auth (self, "XOAUTH2"))
    error = g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_AUTH_MECHANISM_UNSUPPORTED,
                         "The SMTP server does not offer OAuth2 sign-in");
  if (error != NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  b64 = bearer ? casella_sasl_oauthbearer (username, access_token) : casella_sasl_xoauth2 (username, access_token);
  line = g_strconcat (bearer ? "AUTH OAUTHBEARER " : "AUTH XOAUTH2 ", b64, NULL);
  command = smtp_command ("AUTH", line, task, on_auth_reply);
  /* A "334 <error JSON>" means the token was refused: this answer ends
   * the exchange, and the 535 follows. */
  answers = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (answers, g_strdup (bearer ? CASELLA_SASL_OAUTHBEARER_ABORT : CASELLA_SASL_XOAUTH2_ABORT));
  command->data = answers;
  command->data_free = (GDestroyNotify) answers_free;
  casella_line_client_send (CASELLA_LINE_CLIENT (self), command);
}

gboolean
casella_smtp_client_login_finish (CasellaSmtpClient  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  return casella_smtp_client_simple_finish (self, result, error);
}

/* ---- message data ---- */

/* Dot-stuffing (a "." starting a line doubled) and line ends made CRLF
 * whatever they were; ends with the "." line. */
GBytes *
casella_smtp_dot_stuff (const guint8 *data,
                        gsize         length)
{
  GByteArray *out = g_byte_array_sized_new (length + length / 32 + 8);
  gboolean line_start = TRUE;

  for (gsize i = 0; i < length; i++)
    {
      guint8 c = data[i];

      if (line_start && c == '.')
        g_byte_array_append (out, (const guint8 *) ".", 1);
      if (c == '\r' || c == '\n')
        {
          g_byte_array_append (out, (const guint8 *) "\r\n", 2);
          if (c == '\r' && i + 1 < length && data[i + 1] == '\n')
            i++;
          line_start = TRUE;
          continue;
        }
      g_byte_array_append (out, &c, 1);
      line_start = FALSE;
    }
  if (!line_start)
    g_byte_array_append (out, (const guint8 *) "\r\n", 2);
  g_byte_array_append (out, (const guint8 *) ".\r\n", 3);
  return g_byte_array_free_to_bytes (out);
}

GBytes *
casella_smtp_encode_data (GMimeMessage *message)
{
  g_autoptr(GMimeFormatOptions) options = g_mime_format_options_new ();
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new ();
  GByteArray *raw;

  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  /* Blind copies stay blind: the header never leaves this computer. */
  g_mime_format_options_add_hidden_header (options, "Bcc");
  g_mime_object_write_to_stream (GMIME_OBJECT (message), options, stream);
  raw = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  return casella_smtp_dot_stuff (raw->data, raw->len);
}

static gboolean has_8bit (GBytes *data);
static gboolean is_ascii (const char *text);

/* Headers typed with 8-bit bytes are set again, so GMime writes them
 * as RFC 2047 encoded words. */
static void
encode_headers_7bit (GMimeObject *object)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (object);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);

  for (int i = 0; i < g_mime_header_list_get_count (headers); i++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (headers, i);
      const char *raw = g_mime_header_get_raw_value (header);

      if (raw != NULL && !is_ascii (raw))
        {
          g_ptr_array_add (names, g_strdup (g_mime_header_get_name (header)));
          g_ptr_array_add (values, g_strdup (g_mime_header_get_value (header)));
        }
    }
  for (guint i = 0; i < names->len; i++)
    g_mime_object_set_header (object, names->pdata[i], values->pdata[i], "utf-8");
}

/* A server without 8BITMIME may mangle 8-bit bytes: then the parts that
 * have them are re-encoded (quoted-printable or base64) first. */
GBytes *
casella_smtp_encode_data_for (GMimeMessage *message,
                              gboolean      eight_bit_ok)
{
  g_autoptr(GBytes) data = casella_smtp_encode_data (message);

  if (eight_bit_ok || !has_8bit (data))
    return g_steal_pointer (&data);
  encode_headers_7bit (GMIME_OBJECT (message));
  g_mime_object_encode (GMIME_OBJECT (message), GMIME_ENCODING_CONSTRAINT_7BIT);
  return casella_smtp_encode_data (message);
}

/* ---- sending ---- */

typedef struct {
  gatomicrefcount  ref_count;
  GTask           *task;
  GBytes          *data;
  GPtrArray       *recipients;  /* char*, in RCPT order */
  guint            answered;    /* RCPT replies seen */
  GString         *refused;
  gboolean         refused_for_good;  /* a 5xx among the refusals, not only 4xx */
  GError          *error;
} SendState;

static SendState *
send_state_ref (SendState *state)
{
  g_atomic_ref_count_inc (&state->ref_count);
  return state;
}

static void
send_state_unref (SendState *state)
{
  if (!g_atomic_ref_count_dec (&state->ref_count))
    return;
  g_clear_object (&state->task);
  g_clear_pointer (&state->data, g_bytes_unref);
  g_ptr_array_unref (state->recipients);
  g_string_free (state->refused, TRUE);
  g_clear_error (&state->error);
  g_free (state);
}

/* Returns the result once, however many steps report. */
static void
send_state_fail (SendState *state,
                 GError    *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&state->task);

  if (task != NULL)
    g_task_return_error (task, error);
  else
    g_error_free (error);
}

/* Each step has a task of its own so a dropped connection reaches us. */
static void
on_step_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SendState *state = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    send_state_fail (state, error);
  send_state_unref (state);
}

static CasellaLineCommand *
send_step (CasellaSmtpClient *self,
           const char        *name,
           const char        *line,
           SendState         *state,
           SmtpReplyFunc      on_reply)
{
  GCancellable *cancellable = state->task != NULL ? g_task_get_cancellable (state->task) : NULL;
  GTask *step = g_task_new (self, cancellable, on_step_done, send_state_ref (state));
  CasellaLineCommand *command = smtp_command (name, line, step, on_reply);

  command->data = send_state_ref (state);
  command->data_free = (GDestroyNotify) send_state_unref;
  return command;
}

static gboolean
on_data_sent (CasellaSmtpClient  *self,
              CasellaLineCommand *command,
              CasellaSmtpReply   *reply)
{
  SendState *state = command->data;

  g_task_return_boolean (command->task, TRUE);
  if (!IS_OK (reply))
    send_state_fail (state, smtp_error ("Sending", reply, FALSE));
  else if (state->task != NULL)
    g_task_return_pointer (g_steal_pointer (&state->task), casella_smtp_reply_describe (reply), g_free);
  return TRUE;
}

static gboolean
on_data_reply (CasellaSmtpClient  *self,
               CasellaLineCommand *command,
               CasellaSmtpReply   *reply)
{
  SendState *state = command->data;
  CasellaLineCommand *body;
  GError *error = NULL;

  g_task_return_boolean (command->task, TRUE);
  if (reply->code != 354)
    {
      send_state_fail (state, smtp_error ("DATA", reply, FALSE));
      return TRUE;
    }
  if (self->before_data != NULL && !self->before_data (self, self->before_data_data, &error))
    {
      /* Nothing of the message was sent: closing now delivers nothing. */
      send_state_fail (state, g_error_copy (error));
      casella_line_client_fail (CASELLA_LINE_CLIENT (self), error);
      g_error_free (error);
      return TRUE;
    }
  body = send_step (self, "message", NULL, state, on_data_sent);
  body->bytes = g_bytes_ref (state->data);
  casella_line_client_send_first (CASELLA_LINE_CLIENT (self), body);
  return TRUE;
}

/* After the last RCPT reply: DATA if all went well, else RSET and say why. */
static void
send_after_recipients (CasellaSmtpClient *self,
                       SendState         *state)
{
  CasellaLineClient *client = CASELLA_LINE_CLIENT (self);

  if (state->error == NULL && state->refused->len > 0)
    state->error = g_error_new (CASELLA_MAIL_ERROR, state->refused_for_good ? CASELLA_MAIL_ERROR_RECIPIENT_REFUSED
                                                                            : CASELLA_MAIL_ERROR_TRY_LATER,
                                "%s", state->refused->str);   /* the server's own words, per address */
  if (state->error != NULL)
    {
      send_state_fail (state, g_steal_pointer (&state->error));
      casella_line_client_send_first (client, smtp_command ("RSET", "RSET", NULL, ignore_reply));
      return;
    }
  casella_line_client_send_first (client, send_step (self, "DATA", "DATA", state, on_data_reply));
}

static gboolean
on_rcpt_reply (CasellaSmtpClient  *self,
               CasellaLineCommand *command,
               CasellaSmtpReply   *reply)
{
  SendState *state = command->data;

  g_task_return_boolean (command->task, TRUE);
  if (!IS_OK (reply))
    {
      g_autofree char *text = casella_smtp_reply_describe (reply);
      g_string_append_printf (state->refused, "%s<%s> (%s)", state->refused->len ? ", " : "",
                              (char *) state->recipients->pdata[state->answered], text);
      state->refused_for_good |= reply->code / 100 == 5;
    }
  if (++state->answered == state->recipients->len)
    send_after_recipients (self, state);
  return TRUE;
}

static gboolean
on_mail_reply (CasellaSmtpClient  *self,
               CasellaLineCommand *command,
               CasellaSmtpReply   *reply)
{
  SendState *state = command->data;

  g_task_return_boolean (command->task, TRUE);
  if (!IS_OK (reply) && state->error == NULL)
    state->error = smtp_error ("MAIL FROM", reply, FALSE);
  return TRUE;
}

static void
collect_addresses (InternetAddressList *list,
                   GPtrArray           *out)
{
  for (int i = 0; list && i < internet_address_list_length (list); i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_GROUP (address))
        collect_addresses (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (address)), out);
      else if (INTERNET_ADDRESS_IS_MAILBOX (address))
        {
          const char *addr = internet_address_mailbox_get_idn_addr (INTERNET_ADDRESS_MAILBOX (address));
          if (addr && *addr)
            g_ptr_array_add (out, g_strdup (addr));
        }
    }
}

static gboolean
is_ascii (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p; p++)
    if (*p >= 0x80)
      return FALSE;
  return TRUE;
}

static gboolean
has_8bit (GBytes *data)
{
  gsize size;
  const guint8 *bytes = g_bytes_get_data (data, &size);

  for (gsize i = 0; i < size; i++)
    if (bytes[i] >= 0x80)
      return TRUE;
  return FALSE;
}

static GError *
prepare_envelope (CasellaSmtpClient    *self,
                  GMimeMessage         *message,
                  const char           *from,
                  const char * const   *recipients,
                  SendState            *state,
                  char                **sender)
{
  g_autoptr(GPtrArray) senders = g_ptr_array_new_with_free_func (g_free);
  gboolean utf8 = FALSE;

  if (recipients != NULL)
    for (guint i = 0; recipients[i]; i++)
      g_ptr_array_add (state->recipients, g_strdup (recipients[i]));
  else
    {
      g_autoptr(InternetAddressList) all = g_mime_message_get_all_recipients (message);
      collect_addresses (all, state->recipients);
    }
  if (state->recipients->len == 0)
    return g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_RECIPIENT_REFUSED, "The message has no recipients");

  if (from == NULL)
    collect_addresses (g_mime_message_get_from (message), senders);
  *sender = g_strdup (from ? from : senders->len ? senders->pdata[0] : "");

  utf8 = !is_ascii (*sender);
  for (guint i = 0; i < state->recipients->len; i++)
    utf8 |= !is_ascii (state->recipients->pdata[i]);
  if (utf8 && !casella_smtp_client_has_extension (self, "SMTPUTF8"))
    return g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_RECIPIENT_REFUSED,
                        "This server cannot take addresses with accented letters");

  if (casella_smtp_client_get_size_limit (self) > 0 &&
      g_bytes_get_size (state->data) > casella_smtp_client_get_size_limit (self))
    return g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_MESSAGE_TOO_LARGE,
                        "The message is %" G_GSIZE_FORMAT " bytes; the server takes at most %" G_GUINT64_FORMAT,
                        g_bytes_get_size (state->data), casella_smtp_client_get_size_limit (self));
  return NULL;
}

void
casella_smtp_client_send_message_async (CasellaSmtpClient   *self,
                                        GMimeMessage        *message,
                                        const char          *from,
                                        const char * const  *recipients,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  SendState *state = g_new0 (SendState, 1);
  g_autofree char *sender = NULL;
  g_autoptr(GString) mail = NULL;
  GError *error;

  g_atomic_ref_count_init (&state->ref_count);
  state->task = new_task (self, casella_smtp_client_send_message_async, cancellable, callback, user_data);
  state->data = casella_smtp_encode_data_for (message, casella_smtp_client_has_extension (self, "8BITMIME"));
  state->recipients = g_ptr_array_new_with_free_func (g_free);
  state->refused = g_string_new (NULL);

  if ((error = prepare_envelope (self, message, from, recipients, state, &sender)) != NULL)
    {
      send_state_fail (state, error);
      send_state_unref (state);
      return;
    }

  mail = g_string_new (NULL);
  g_string_append_printf (mail, "MAIL FROM:<%s>", sender);
  if (casella_smtp_client_has_extension (self, "SIZE"))
    g_string_append_printf (mail, " SIZE=%" G_GSIZE_FORMAT, g_bytes_get_size (state->data));
  if (casella_smtp_client_has_extension (self, "8BITMIME") && has_8bit (state->data))
    g_string_append (mail, " BODY=8BITMIME");
  if (casella_smtp_client_has_extension (self, "SMTPUTF8") && !is_ascii (mail->str))
    g_string_append (mail, " SMTPUTF8");

  /* With PIPELINING these all go out together; the replies come in order. */
  casella_line_client_send (CASELLA_LINE_CLIENT (self), send_step (self, "MAIL FROM", mail->str, state, on_mail_reply));
  for (guint i = 0; i < state->recipients->len; i++)
    {
      g_autofree char *rcpt = g_strdup_printf ("RCPT TO:<%s>", (char *) state->recipients->pdata[i]);
      casella_line_client_send (CASELLA_LINE_CLIENT (self), send_step (self, "RCPT TO", rcpt, state, on_rcpt_reply));
    }
  send_state_unref (state);
}

void
casella_smtp_client_set_before_data (CasellaSmtpClient          *self,
                                     CasellaSmtpBeforeDataFunc   func,
                                     gpointer                    data)
{
  self->before_data = func;
  self->before_data_data = data;
}

char *
casella_smtp_client_send_message_finish (CasellaSmtpClient  *self,
                                         GAsyncResult       *result,
                                         GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- object ---- */

static void
casella_smtp_client_finalize (GObject *object)
{
  CasellaSmtpClient *self = CASELLA_SMTP_CLIENT (object);

  casella_smtp_parser_free (self->parser);
  g_clear_pointer (&self->extensions, g_hash_table_unref);
  g_strfreev (self->auth);

  G_OBJECT_CLASS (casella_smtp_client_parent_class)->finalize (object);
}

static void
casella_smtp_client_class_init (CasellaSmtpClientClass *klass)
{
  CasellaLineClientClass *line_class = CASELLA_LINE_CLIENT_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = casella_smtp_client_finalize;
  line_class->feed = smtp_feed;
  line_class->next_reply = smtp_next_reply;
  line_class->free_reply = (void (*) (gpointer)) casella_smtp_reply_free;
  line_class->get_pending = smtp_get_pending;
  line_class->reset = smtp_reset;
}

static void
casella_smtp_client_init (CasellaSmtpClient *self)
{
  self->parser = casella_smtp_parser_new ();
}

CasellaSmtpClient *
casella_smtp_client_new (CasellaNetConfig *config)
{
  CasellaSmtpClient *self = g_object_new (CASELLA_TYPE_SMTP_CLIENT, NULL);

  casella_line_client_set_config (CASELLA_LINE_CLIENT (self), config);
  return self;
}
