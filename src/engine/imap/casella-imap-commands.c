/* casella-imap-commands.c — the IMAP commands, one small function each
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-secret.h"

#include <string.h>

#include "casella-imap-client-private.h"
#include "casella-mail-error.h"

#define IS_KEYWORD(r, word) casella_imap_token_is ((r)->keyword, (r)->keyword_length, word)
#define IS_CODE(r, word) casella_imap_token_is ((r)->code, (r)->code_length, word)

static CasellaImapCommand *
command_begin (CasellaImapClient   *self,
               const char          *name,
               gpointer             source_tag,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return casella_imap_command_new (self, name, task);
}

static gboolean
finish_boolean (CasellaImapClient  *self,
                GAsyncResult       *result,
                GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Returns whatever the command gathered in command->data. */
static void
done_return_data (CasellaImapClient         *self,
                  CasellaImapCommand        *command,
                  const CasellaImapResponse *response)
{
  g_task_return_pointer (command->task, g_steal_pointer (&command->data), command->data_free);
}

/* ---- CAPABILITY, NOOP ---- */

static void
capability_done (CasellaImapClient         *self,
                 CasellaImapCommand        *command,
                 const CasellaImapResponse *response)
{
  g_task_return_pointer (command->task, casella_imap_client_dup_capabilities (self), (GDestroyNotify) g_strfreev);
}

void
casella_imap_client_capability_async (CasellaImapClient   *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  CasellaImapCommand *command = command_begin (self, "CAPABILITY", casella_imap_client_capability_async,
                                               cancellable, callback, user_data);

  command->done = capability_done;
  casella_imap_command_append (command, "CAPABILITY");
  casella_imap_client_submit (self, command);
}

GStrv
casella_imap_client_capability_finish (CasellaImapClient  *self,
                                       GAsyncResult       *result,
                                       GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
casella_imap_client_noop_async (CasellaImapClient   *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  CasellaImapCommand *command = command_begin (self, "NOOP", casella_imap_client_noop_async,
                                               cancellable, callback, user_data);

  casella_imap_command_append (command, "NOOP");
  casella_imap_client_submit (self, command);
}

gboolean
casella_imap_client_noop_finish (CasellaImapClient  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  return finish_boolean (self, result, error);
}

/* ---- LOGIN / AUTHENTICATE PLAIN ---- */

static void
login_done (CasellaImapClient         *self,
            CasellaImapCommand        *command,
            const CasellaImapResponse *response)
{
  gboolean carried = casella_imap_token_is (response->code, response->code_length, "CAPABILITY");

  casella_imap_client_set_authenticated (self);
  /* The client has already read them from the OK's code. */
  g_task_set_task_data (command->task, GINT_TO_POINTER (carried), NULL);
  g_task_return_boolean (command->task, TRUE);
}

static void
on_login_capability (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_auto(GStrv) caps = NULL;
  GError *error = NULL;

  caps = casella_imap_client_capability_finish (CASELLA_IMAP_CLIENT (source), result, &error);
  if (caps == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* After login the capabilities may change; read them again unless the
 * OK already carried them. */
static void
on_login_reply (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CasellaImapClient *self = CASELLA_IMAP_CLIENT (source);
  GCancellable *cancellable;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_task_get_task_data (G_TASK (result)) != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  casella_imap_client_capability_async (self, cancellable, on_login_capability, g_steal_pointer (&task));
}

static GError *
check_can_login (CasellaImapClient *self)
{
  GError *error;

  if (!casella_imap_client_is_connected (self))
    return g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_NOT_CONNECTED, "Not connected to the IMAP server");
  if ((error = casella_net_config_check_password (casella_imap_client_get_config (self),
                                                  casella_imap_client_is_encrypted (self))) != NULL)
    return error;

  if (!casella_imap_client_has_capability (self, "AUTH=PLAIN") &&
      casella_imap_client_has_capability (self, "LOGINDISABLED"))
    {
      if (casella_imap_client_has_capability (self, "AUTH=XOAUTH2") ||
          casella_imap_client_has_capability (self, "AUTH=OAUTHBEARER"))
        return g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_OAUTH_REQUIRED,
                            "The server accepts only OAuth2 sign-in");
      return g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_AUTH_MECHANISM_UNSUPPORTED,
                          "The server offers no password sign-in we can use");
    }
  return NULL;
}

void
casella_imap_client_login_async (CasellaImapClient   *self,
                                 const char          *username,
                                 const char          *password,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *outer = g_task_new (self, cancellable, callback, user_data);
  GTask *inner;
  CasellaImapCommand *command;
  GError *error;

  g_task_set_source_tag (outer, casella_imap_client_login_async);
  if ((error = check_can_login (self)) != NULL)
    {
      g_task_return_error (outer, error);
      g_object_unref (outer);
      return;
    }

  inner = g_task_new (self, cancellable, on_login_reply, outer);
  if (casella_imap_client_has_capability (self, "AUTH=PLAIN"))
    {
      g_autoptr(CasellaSecret) b64 = casella_sasl_plain (username, password);

      command = casella_imap_command_new (self, "AUTHENTICATE", inner);
      casella_imap_command_append (command, "AUTHENTICATE PLAIN");
      if (casella_imap_client_has_capability (self, "SASL-IR"))
        casella_imap_command_append_printf (command, " %s", b64);
      else
        {
          casella_imap_command_wait_continuation (command);
          casella_imap_command_append (command, b64);
        }
    }
  else
    {
      command = casella_imap_command_new (self, "LOGIN", inner);
      casella_imap_command_append (command, "LOGIN ");
      casella_imap_command_append_astring (command, username);
      casella_imap_command_append (command, " ");
      casella_imap_command_append_astring (command, password);
    }

  command->barrier = TRUE;
  command->is_auth = TRUE;
  command->done = login_done;
  casella_imap_client_submit (self, command);
}

/* The server's "+ <error JSON>" after a refused token: answer so that it
 * sends its NO instead of waiting for us. */
static void
on_bearer_challenge (CasellaImapClient         *self,
                     CasellaImapCommand        *command,
                     const CasellaImapResponse *response)
{
  casella_imap_client_send_raw (self, command->data != NULL ? CASELLA_SASL_OAUTHBEARER_ABORT "\r\n"
                                                            : CASELLA_SASL_XOAUTH2_ABORT "\r\n");
}

void
casella_imap_client_login_oauth2_async (CasellaImapClient   *self,
                                        const char          *username,
                                        const char          *access_token,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  GTask *outer = g_task_new (self, cancellable, callback, user_data);
  gboolean bearer = casella_imap_client_has_capability (self, "AUTH=OAUTHBEARER");
  g_autoptr(CasellaSecret) b64 = NULL;
  CasellaImapCommand *command;
  GError *error = NULL;

  g_task_set_source_tag (outer, casella_imap_client_login_async);
  if (!casella_imap_client_is_connected (self))
    error = g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_NOT_CONNECTED, "Not connected to the IMAP server");
  else if (error == NULL)
    error = casella_net_config_check_password (casella_imap_client_get_config (self),
                                               casella_imap_client_is_encrypted (self));
  if (error == NULL && !bearer && !casella_imap_client_has_capability (self, "AUTH=XOAUTH2"))
    error = g_error_new (CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_AUTH_MECHANISM_UNSUPPORTED,
                         "The IMAP server does not offer OAuth2 sign-in");
  if (error != NULL)
    {
      g_task_return_error (outer, error);
      g_object_unref (outer);
      return;
    }

  b64 = bearer ? casella_sasl_oauthbearer (username, access_token) : casella_sasl_xoauth2 (username, access_token);
  command = casella_imap_command_new (self, "AUTHENTICATE", g_task_new (self, cancellable, on_login_reply, outer));
  casella_imap_command_append (command, bearer ? "AUTHENTICATE OAUTHBEARER" : "AUTHENTICATE XOAUTH2");
  if (casella_imap_client_has_capability (self, "SASL-IR"))
    casella_imap_command_append_printf (command, " %s", b64);
  else
    {
      casella_imap_command_wait_continuation (command);
      casella_imap_command_append (command, b64);
    }
  command->data = bearer ? GINT_TO_POINTER (1) : NULL;
  command->on_continue = on_bearer_challenge;
  command->barrier = TRUE;
  command->is_auth = TRUE;
  command->done = login_done;
  casella_imap_client_submit (self, command);
}

gboolean
casella_imap_client_login_finish (CasellaImapClient  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  return finish_boolean (self, result, error);
}

/* ---- ID, ENABLE, NAMESPACE ---- */

static gboolean
id_untagged (CasellaImapClient         *self,
             CasellaImapCommand        *command,
             const CasellaImapResponse *response)
{
  const CasellaImapValue *list = response->values;

  if (!IS_KEYWORD (response, "ID"))
    return FALSE;
  if (list && list->type == CASELLA_IMAP_VALUE_LIST)
    for (const CasellaImapValue *k = list->first; k && k->next; k = k->next->next)
      {
        char *key = casella_imap_value_dup (k);
        if (key)
          g_hash_table_insert (command->data, key, casella_imap_value_dup (k->next));
      }
  return TRUE;
}

void
casella_imap_client_id_async (CasellaImapClient   *self,
                              const char * const  *client_pairs,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  CasellaImapCommand *command = command_begin (self, "ID", casella_imap_client_id_async,
                                               cancellable, callback, user_data);

  command->data = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  command->data_free = (GDestroyNotify) g_hash_table_unref;
  command->untagged = id_untagged;
  command->done = done_return_data;

  casella_imap_command_append (command, "ID ");
  if (client_pairs == NULL || client_pairs[0] == NULL)
    casella_imap_command_append (command, "NIL");
  else
    {
      casella_imap_command_append (command, "(");
      for (guint i = 0; client_pairs[i] && client_pairs[i + 1]; i += 2)
        {
          if (i > 0)
            casella_imap_command_append (command, " ");
          casella_imap_command_append_astring (command, client_pairs[i]);
          casella_imap_command_append (command, " ");
          casella_imap_command_append_astring (command, client_pairs[i + 1]);
        }
      casella_imap_command_append (command, ")");
    }
  casella_imap_client_submit (self, command);
}

GHashTable *
casella_imap_client_id_finish (CasellaImapClient  *self,
                               GAsyncResult       *result,
                               GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
enabled_untagged (CasellaImapClient         *self,
                  CasellaImapCommand        *command,
                  const CasellaImapResponse *response)
{
  if (!IS_KEYWORD (response, "ENABLED"))
    return FALSE;
  for (const CasellaImapValue *v = response->values; v; v = v->next)
    {
      g_autofree char *name = casella_imap_value_dup (v);
      g_autofree char *upper = name ? g_ascii_strup (name, -1) : NULL;

      if (upper)
        g_strv_builder_add (command->data, upper);
    }
  return TRUE;
}

static void
enable_done (CasellaImapClient         *self,
             CasellaImapCommand        *command,
             const CasellaImapResponse *response)
{
  GStrv enabled = g_strv_builder_end (command->data);

  if (g_strv_contains ((const char * const *) enabled, "UTF8=ACCEPT"))
    casella_imap_client_set_utf8 (self, TRUE);
  g_task_return_pointer (command->task, enabled, (GDestroyNotify) g_strfreev);
}

void
casella_imap_client_enable_async (CasellaImapClient   *self,
                                  const char * const  *extensions,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  CasellaImapCommand *command = command_begin (self, "ENABLE", casella_imap_client_enable_async,
                                               cancellable, callback, user_data);

  command->data = g_strv_builder_new ();
  command->data_free = (GDestroyNotify) g_strv_builder_unref;
  command->untagged = enabled_untagged;
  command->done = enable_done;
  command->barrier = TRUE;
  casella_imap_command_append (command, "ENABLE");
  for (guint i = 0; extensions && extensions[i]; i++)
    casella_imap_command_append_printf (command, " %s", extensions[i]);
  casella_imap_client_submit (self, command);
}

GStrv
casella_imap_client_enable_finish (CasellaImapClient  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
namespace_untagged (CasellaImapClient         *self,
                    CasellaImapCommand        *command,
                    const CasellaImapResponse *response)
{
  if (!IS_KEYWORD (response, "NAMESPACE"))
    return FALSE;
  if (command->data == NULL)
    command->data = casella_imap_namespaces_from_response (response);
  return TRUE;
}

static void
namespace_done (CasellaImapClient         *self,
                CasellaImapCommand        *command,
                const CasellaImapResponse *response)
{
  if (command->data == NULL)
    {
      g_task_return_new_error (command->task, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PROTOCOL_ERROR,
                               "The server sent no usable NAMESPACE reply");
      return;
    }
  done_return_data (self, command, response);
}

void
casella_imap_client_namespace_async (CasellaImapClient   *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  CasellaImapCommand *command = command_begin (self, "NAMESPACE", casella_imap_client_namespace_async,
                                               cancellable, callback, user_data);

  command->data_free = (GDestroyNotify) casella_imap_namespaces_free;
  command->untagged = namespace_untagged;
  command->done = namespace_done;
  casella_imap_command_append (command, "NAMESPACE");
  casella_imap_client_submit (self, command);
}

CasellaImapNamespaces *
casella_imap_client_namespace_finish (CasellaImapClient  *self,
                                      GAsyncResult       *result,
                                      GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- LIST / LSUB ---- */

static gboolean
list_untagged (CasellaImapClient         *self,
               CasellaImapCommand        *command,
               const CasellaImapResponse *response)
{
  CasellaImapMailbox *mailbox;
  const char *want = g_str_equal (command->name, "LSUB") ? "LSUB" : "LIST";

  if (!IS_KEYWORD (response, want))
    return FALSE;
  mailbox = casella_imap_mailbox_from_response (response, casella_imap_client_is_utf8 (self));
  if (mailbox != NULL)
    g_ptr_array_add (command->data, mailbox);
  return TRUE;
}

static void
list_begin (CasellaImapClient   *self,
            const char          *name,
            gpointer             source_tag,
            const char          *reference,
            const char          *pattern,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  CasellaImapCommand *command = command_begin (self, name, source_tag, cancellable, callback, user_data);

  command->data = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_imap_mailbox_free);
  command->data_free = (GDestroyNotify) g_ptr_array_unref;
  command->untagged = list_untagged;
  command->done = done_return_data;

  casella_imap_command_append_printf (command, "%s ", name);
  casella_imap_command_append_mailbox (command, reference ? reference : "");
  casella_imap_command_append (command, " ");
  casella_imap_command_append_mailbox (command, pattern ? pattern : "*");
  /* RFC 5258: ask for children and subscriptions in one go, and (RFC
   * 6154) the special-use attributes; plain LIST carries those anyway. */
  if (g_str_equal (name, "LIST") && casella_imap_client_has_capability (self, "LIST-EXTENDED"))
    casella_imap_command_append (command,
                                 casella_imap_client_has_capability (self, "SPECIAL-USE")
                                 ? " RETURN (SPECIAL-USE SUBSCRIBED CHILDREN)"
                                 : " RETURN (SUBSCRIBED CHILDREN)");
  casella_imap_client_submit (self, command);
}

void
casella_imap_client_list_async (CasellaImapClient   *self,
                                const char          *reference,
                                const char          *pattern,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  list_begin (self, "LIST", casella_imap_client_list_async, reference, pattern,
              cancellable, callback, user_data);
}

GPtrArray *
casella_imap_client_list_finish (CasellaImapClient  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
casella_imap_client_lsub_async (CasellaImapClient   *self,
                                const char          *reference,
                                const char          *pattern,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  list_begin (self, "LSUB", casella_imap_client_lsub_async, reference, pattern,
              cancellable, callback, user_data);
}

GPtrArray *
casella_imap_client_lsub_finish (CasellaImapClient  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE ---- */

static void
mailbox_command (CasellaImapClient   *self,
                 const char          *name,
                 const char          *mailbox,
                 const char          *second,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  CasellaImapCommand *command = command_begin (self, name, casella_imap_client_mailbox_command_finish,
                                               cancellable, callback, user_data);

  casella_imap_command_append_printf (command, "%s ", name);
  casella_imap_command_append_mailbox (command, mailbox);
  if (second != NULL)
    {
      casella_imap_command_append (command, " ");
      casella_imap_command_append_mailbox (command, second);
    }
  casella_imap_client_submit (self, command);
}

void
casella_imap_client_create_async (CasellaImapClient *self, const char *mailbox, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  mailbox_command (self, "CREATE", mailbox, NULL, cancellable, callback, user_data);
}

void
casella_imap_client_delete_async (CasellaImapClient *self, const char *mailbox, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  mailbox_command (self, "DELETE", mailbox, NULL, cancellable, callback, user_data);
}

void
casella_imap_client_rename_async (CasellaImapClient *self, const char *from, const char *to,
                                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  mailbox_command (self, "RENAME", from, to, cancellable, callback, user_data);
}

void
casella_imap_client_subscribe_async (CasellaImapClient *self, const char *mailbox, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  mailbox_command (self, "SUBSCRIBE", mailbox, NULL, cancellable, callback, user_data);
}

void
casella_imap_client_unsubscribe_async (CasellaImapClient *self, const char *mailbox, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
  mailbox_command (self, "UNSUBSCRIBE", mailbox, NULL, cancellable, callback, user_data);
}

gboolean
casella_imap_client_mailbox_command_finish (CasellaImapClient  *self,
                                            GAsyncResult       *result,
                                            GError            **error)
{
  return finish_boolean (self, result, error);
}

/* ---- STATUS ---- */

static gboolean
status_untagged (CasellaImapClient         *self,
                 CasellaImapCommand        *command,
                 const CasellaImapResponse *response)
{
  if (!IS_KEYWORD (response, "STATUS") || command->data != NULL)
    return FALSE;
  command->data = casella_imap_status_from_response (response);
  return TRUE;
}

static void
status_done (CasellaImapClient         *self,
             CasellaImapCommand        *command,
             const CasellaImapResponse *response)
{
  if (command->data == NULL)
    {
      g_task_return_new_error (command->task, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PROTOCOL_ERROR,
                               "The server sent no STATUS reply");
      return;
    }
  done_return_data (self, command, response);
}

void
casella_imap_client_status_async (CasellaImapClient   *self,
                                  const char          *mailbox,
                                  const char          *items,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  CasellaImapCommand *command = command_begin (self, "STATUS", casella_imap_client_status_async,
                                               cancellable, callback, user_data);

  command->data_free = (GDestroyNotify) casella_imap_status_info_free;
  command->untagged = status_untagged;
  command->done = status_done;
  casella_imap_command_append (command, "STATUS ");
  casella_imap_command_append_mailbox (command, mailbox);
  casella_imap_command_append_printf (command, " %s", items ? items : "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)");
  casella_imap_client_submit (self, command);
}

CasellaImapStatusInfo *
casella_imap_client_status_finish (CasellaImapClient  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- SELECT / EXAMINE ---- */

static gboolean
select_untagged (CasellaImapClient         *self,
                 CasellaImapCommand        *command,
                 const CasellaImapResponse *response)
{
  CasellaImapSelectInfo *info = command->data;

  if (response->status == CASELLA_IMAP_STATUS_OK)
    {
      const CasellaImapValue *arg = response->code_args;

      if (IS_CODE (response, "UIDVALIDITY"))
        casella_imap_value_get_uint32 (arg, &info->uidvalidity);
      else if (IS_CODE (response, "UIDNEXT"))
        casella_imap_value_get_uint32 (arg, &info->uidnext);
      else if (IS_CODE (response, "UNSEEN"))
        casella_imap_value_get_uint32 (arg, &info->first_unseen);
      else if (IS_CODE (response, "HIGHESTMODSEQ"))
        casella_imap_value_get_uint64 (arg, &info->highestmodseq);
      else if (IS_CODE (response, "NOMODSEQ"))
        info->nomodseq = TRUE;
      else if (IS_CODE (response, "PERMANENTFLAGS"))
        info->permanent_flags = casella_imap_flags_from_value (arg, NULL);
      else
        return FALSE;
      return TRUE;
    }
  if (response->status != CASELLA_IMAP_STATUS_NONE)
    return FALSE;

  if (IS_KEYWORD (response, "EXISTS"))
    info->exists = response->number;
  else if (IS_KEYWORD (response, "RECENT"))
    info->recent = response->number;
  else if (IS_KEYWORD (response, "FLAGS"))
    info->flags = casella_imap_flags_from_value (response->values, NULL);
  else if (IS_KEYWORD (response, "VANISHED"))
    {
      const CasellaImapValue *v = response->values;
      g_autofree char *set = casella_imap_value_dup (v && v->type == CASELLA_IMAP_VALUE_LIST ? v->next : v);

      if (set)
        {
          char *joined = info->vanished ? g_strjoin (",", info->vanished, set, NULL) : g_strdup (set);
          g_free (info->vanished);
          info->vanished = joined;
        }
    }
  else if (IS_KEYWORD (response, "FETCH"))
    {
      CasellaImapFetch *fetch = casella_imap_fetch_from_response (response);

      if (fetch)
        {
          if (info->changed == NULL)
            info->changed = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_imap_fetch_free);
          g_ptr_array_add (info->changed, fetch);
        }
    }
  else
    return FALSE;
  return TRUE;
}

static void
select_done (CasellaImapClient         *self,
             CasellaImapCommand        *command,
             const CasellaImapResponse *response)
{
  CasellaImapSelectInfo *info = command->data;

  info->read_only = IS_CODE (response, "READ-ONLY");
  casella_imap_client_set_selected (self, info->mailbox, info->exists);
  done_return_data (self, command, response);
}

static void
select_begin (CasellaImapClient             *self,
              const char                    *name,
              gpointer                       source_tag,
              const char                    *mailbox,
              const CasellaImapSelectParams *params,
              GCancellable                  *cancellable,
              GAsyncReadyCallback            callback,
              gpointer                       user_data)
{
  CasellaImapCommand *command = command_begin (self, name, source_tag, cancellable, callback, user_data);
  CasellaImapSelectInfo *info = g_new0 (CasellaImapSelectInfo, 1);

  info->mailbox = g_strdup (mailbox);
  command->data = info;
  command->data_free = (GDestroyNotify) casella_imap_select_info_free;
  command->untagged = select_untagged;
  command->done = select_done;
  command->barrier = TRUE;

  casella_imap_client_set_selected (self, NULL, 0);
  casella_imap_command_append_printf (command, "%s ", name);
  casella_imap_command_append_mailbox (command, mailbox);
  if (params && params->qresync_uidvalidity && casella_imap_client_has_capability (self, "QRESYNC"))
    {
      casella_imap_command_append_printf (command, " (QRESYNC (%u %" G_GUINT64_FORMAT,
                                          params->qresync_uidvalidity, params->qresync_modseq);
      if (params->qresync_known_uids)
        casella_imap_command_append_printf (command, " %s", params->qresync_known_uids);
      casella_imap_command_append (command, "))");
    }
  else if (params && params->condstore && casella_imap_client_has_capability (self, "CONDSTORE"))
    casella_imap_command_append (command, " (CONDSTORE)");
  casella_imap_client_submit (self, command);
}

void
casella_imap_client_select_async (CasellaImapClient             *self,
                                  const char                    *mailbox,
                                  const CasellaImapSelectParams *params,
                                  GCancellable                  *cancellable,
                                  GAsyncReadyCallback            callback,
                                  gpointer                       user_data)
{
  select_begin (self, "SELECT", casella_imap_client_select_async, mailbox, params,
                cancellable, callback, user_data);
}

void
casella_imap_client_examine_async (CasellaImapClient             *self,
                                   const char                    *mailbox,
                                   const CasellaImapSelectParams *params,
                                   GCancellable                  *cancellable,
                                   GAsyncReadyCallback            callback,
                                   gpointer                       user_data)
{
  select_begin (self, "EXAMINE", casella_imap_client_examine_async, mailbox, params,
                cancellable, callback, user_data);
}

CasellaImapSelectInfo *
casella_imap_client_select_finish (CasellaImapClient  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- CLOSE, EXPUNGE ---- */

static void
close_done (CasellaImapClient         *self,
            CasellaImapCommand        *command,
            const CasellaImapResponse *response)
{
  casella_imap_client_set_selected (self, NULL, 0);
  g_task_return_boolean (command->task, TRUE);
}

void
casella_imap_client_close_async (CasellaImapClient   *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  CasellaImapCommand *command = command_begin (self, "CLOSE", casella_imap_client_close_async,
                                               cancellable, callback, user_data);

  command->barrier = TRUE;
  command->done = close_done;
  casella_imap_command_append (command, "CLOSE");
  casella_imap_client_submit (self, command);
}

gboolean
casella_imap_client_close_finish (CasellaImapClient  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  return finish_boolean (self, result, error);
}

static gboolean
expunge_untagged (CasellaImapClient         *self,
                  CasellaImapCommand        *command,
                  const CasellaImapResponse *response)
{
  /* Our own expunges: counted by the client, not signalled as news. */
  return IS_KEYWORD (response, "EXPUNGE") || IS_KEYWORD (response, "VANISHED");
}

void
casella_imap_client_expunge_async (CasellaImapClient   *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  CasellaImapCommand *command = command_begin (self, "EXPUNGE", casella_imap_client_expunge_async,
                                               cancellable, callback, user_data);

  command->untagged = expunge_untagged;
  command->barrier = TRUE;
  casella_imap_command_append (command, "EXPUNGE");
  casella_imap_client_submit (self, command);
}

gboolean
casella_imap_client_expunge_finish (CasellaImapClient  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  return finish_boolean (self, result, error);
}

/* ---- UID SEARCH ---- */

static int
compare_uint32 (gconstpointer a,
                gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static gboolean
search_untagged (CasellaImapClient         *self,
                 CasellaImapCommand        *command,
                 const CasellaImapResponse *response)
{
  if (!IS_KEYWORD (response, "SEARCH"))
    return FALSE;
  for (const CasellaImapValue *v = response->values; v; v = v->next)
    {
      guint32 uid;
      if (casella_imap_value_get_uint32 (v, &uid))
        g_array_append_val (command->data, uid);
    }
  return TRUE;
}

static void
search_done (CasellaImapClient         *self,
             CasellaImapCommand        *command,
             const CasellaImapResponse *response)
{
  g_array_sort (command->data, compare_uint32);
  done_return_data (self, command, response);
}

static CasellaImapCommand *
search_begin (CasellaImapClient   *self,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  CasellaImapCommand *command = command_begin (self, "UID SEARCH", casella_imap_client_uid_search_async,
                                               cancellable, callback, user_data);

  command->data = g_array_new (FALSE, FALSE, sizeof (guint32));
  command->data_free = (GDestroyNotify) g_array_unref;
  command->untagged = search_untagged;
  command->done = search_done;
  return command;
}

void
casella_imap_client_uid_search_async (CasellaImapClient   *self,
                                      const char          *criteria,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  CasellaImapCommand *command = search_begin (self, cancellable, callback, user_data);

  casella_imap_command_append_printf (command, "UID SEARCH %s", criteria);
  casella_imap_client_submit (self, command);
}

/* Subject, addresses or body containing text (UTF-8). */
void
casella_imap_client_uid_search_text_async (CasellaImapClient   *self,
                                           const char          *text,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  CasellaImapCommand *command = search_begin (self, cancellable, callback, user_data);
  gboolean ascii = TRUE;

  for (const guchar *p = (const guchar *) text; *p; p++)
    if (*p >= 0x80)
      ascii = FALSE;

  casella_imap_command_append (command, ascii ? "UID SEARCH TEXT " : "UID SEARCH CHARSET UTF-8 TEXT ");
  casella_imap_command_append_astring (command, text);
  casella_imap_client_submit (self, command);
}

static gboolean
query_is_ascii (const CasellaSearchQuery *query)
{
  GPtrArray *lists[] = { query->words, query->from, query->to, query->subject };

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      for (const guchar *p = lists[l]->pdata[i]; *p; p++)
        if (*p >= 0x80)
          return FALSE;
  return TRUE;
}

static void
append_key (CasellaImapCommand *command,
            const char         *key,
            const char         *value)
{
  casella_imap_command_append_printf (command, " %s ", key);
  casella_imap_command_append_astring (command, value);
}

/* RFC 3501's date: 30-Nov-2026, whatever the locale. */
static void
append_date (CasellaImapCommand *command,
             const char         *key,
             gint64              seconds)
{
  static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_local (seconds);

  casella_imap_command_append_printf (command, " %s %d-%s-%d", key, g_date_time_get_day_of_month (date),
                                      months[g_date_time_get_month (date) - 1], g_date_time_get_year (date));
}

/* The search field's operators as the server's keys (every key must
 * hold). has:attachment has none: the caller keeps only what it says. */
void
casella_imap_client_uid_search_query_async (CasellaImapClient        *self,
                                            const CasellaSearchQuery *query,
                                            GCancellable             *cancellable,
                                            GAsyncReadyCallback       callback,
                                            gpointer                  user_data)
{
  CasellaImapCommand *command = search_begin (self, cancellable, callback, user_data);

  casella_imap_command_append (command, query_is_ascii (query) ? "UID SEARCH ALL" : "UID SEARCH CHARSET UTF-8 ALL");
  for (guint i = 0; i < query->words->len; i++)
    append_key (command, "TEXT", query->words->pdata[i]);
  for (guint i = 0; i < query->from->len; i++)
    append_key (command, "FROM", query->from->pdata[i]);
  for (guint i = 0; i < query->to->len; i++)
    {
      /* To or Cc. */
      append_key (command, "OR TO", query->to->pdata[i]);
      append_key (command, "CC", query->to->pdata[i]);
    }
  for (guint i = 0; i < query->subject->len; i++)
    append_key (command, "SUBJECT", query->subject->pdata[i]);
  if (query->unread != CASELLA_SEARCH_ANY)
    casella_imap_command_append (command, query->unread == CASELLA_SEARCH_YES ? " UNSEEN" : " SEEN");
  if (query->starred)
    casella_imap_command_append (command, " FLAGGED");
  /* The Date the sender wrote, as the list shows, not the day it came. */
  if (query->before != 0)
    append_date (command, "SENTBEFORE", query->before);
  if (query->after != 0)
    append_date (command, "SENTSINCE", query->after);
  casella_imap_client_submit (self, command);
}

GArray *
casella_imap_client_uid_search_finish (CasellaImapClient  *self,
                                       GAsyncResult       *result,
                                       GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- UID FETCH ---- */

/* Whether a FETCH response answers this UID FETCH. While it runs the
 * server may tell news at any time (another client changed flags): such
 * a FETCH has no UID, or one outside the set asked for, or (with
 * CONDSTORE/QRESYNC, which add the UID) only flags where more was asked.
 * Those take the unsolicited path, never the reply's. */
static gboolean
answers_fetch (const CasellaImapCommand *command,
               const CasellaImapFetch   *fetch)
{
  if (fetch->uid == 0 || (command->fetch_uids != NULL &&
                          !casella_imap_uid_ranges_contain (command->fetch_uids, fetch->uid)))
    return FALSE;
  return !command->fetch_content || fetch->envelope != NULL || fetch->body != NULL || fetch->sections != NULL ||
         fetch->size != 0 || fetch->internaldate != 0;
}

static gboolean
fetch_untagged (CasellaImapClient         *self,
                CasellaImapCommand        *command,
                const CasellaImapResponse *response)
{
  CasellaImapFetch *fetch;

  if (!IS_KEYWORD (response, "FETCH"))
    return FALSE;

  fetch = casella_imap_fetch_from_response (response);
  if (fetch == NULL || !answers_fetch (command, fetch))
    {
      casella_imap_fetch_free (fetch);
      return FALSE;
    }

  if (command->task == NULL)
    casella_imap_fetch_free (fetch);            /* abandoned */
  else if (command->fetch_func != NULL)
    {
      command->fetch_func (fetch, command->fetch_data);
      casella_imap_fetch_free (fetch);
    }
  else
    g_ptr_array_add (command->data, fetch);
  return TRUE;
}

void
casella_imap_client_uid_fetch_async (CasellaImapClient    *self,
                                     const char           *uid_set,
                                     const char           *items,
                                     guint64               changed_since,
                                     CasellaImapFetchFunc  fetch_func,
                                     gpointer              fetch_data,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data)
{
  CasellaImapCommand *command = command_begin (self, "UID FETCH", casella_imap_client_uid_fetch_async,
                                               cancellable, callback, user_data);

  command->fetch_func = fetch_func;
  command->fetch_data = fetch_data;
  /* "n:*" may answer with a UID below n (the last message): no check. */
  command->fetch_uids = strchr (uid_set, '*') ? NULL : casella_imap_uid_set_parse (uid_set);
  command->fetch_content = strstr (items, "ENVELOPE") || strstr (items, "BODY") || strstr (items, "RFC822") ||
                           strstr (items, "INTERNALDATE") || strstr (items, "BINARY");
  command->untagged = fetch_untagged;
  g_task_set_task_data (command->task, GINT_TO_POINTER (fetch_func != NULL), NULL);
  if (fetch_func == NULL)
    {
      command->data = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_imap_fetch_free);
      command->data_free = (GDestroyNotify) g_ptr_array_unref;
      command->done = done_return_data;
    }

  casella_imap_command_append_printf (command, "UID FETCH %s %s", uid_set, items);
  if (changed_since > 0)
    casella_imap_command_append_printf (command, " (CHANGEDSINCE %" G_GUINT64_FORMAT ")", changed_since);
  casella_imap_client_submit (self, command);
}

/* Streaming (with a fetch_func): NULL, and error set on failure. */
GPtrArray *
casella_imap_client_uid_fetch_finish (CasellaImapClient  *self,
                                      GAsyncResult       *result,
                                      GError            **error)
{
  GTask *task = G_TASK (result);

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  if (GPOINTER_TO_INT (g_task_get_task_data (task)))
    {
      g_task_propagate_boolean (task, error);
      return NULL;
    }
  return g_task_propagate_pointer (task, error);
}

/* ---- UID STORE ---- */

static gboolean
store_untagged (CasellaImapClient         *self,
                CasellaImapCommand        *command,
                const CasellaImapResponse *response)
{
  /* With .SILENT none should come; some servers echo anyway. */
  if (!IS_KEYWORD (response, "FETCH"))
    return FALSE;
  return TRUE;
}

void
casella_imap_client_uid_store_async (CasellaImapClient   *self,
                                     const char          *uid_set,
                                     const char          *action,
                                     CasellaImapFlags     flags,
                                     const char * const  *keywords,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  CasellaImapCommand *command = command_begin (self, "UID STORE", casella_imap_client_uid_store_async,
                                               cancellable, callback, user_data);
  g_autofree char *list = casella_imap_flags_to_string (flags, keywords);

  command->untagged = store_untagged;
  casella_imap_command_append_printf (command, "UID STORE %s %s.SILENT (%s)", uid_set, action, list);
  casella_imap_client_submit (self, command);
}

gboolean
casella_imap_client_uid_store_finish (CasellaImapClient  *self,
                                      GAsyncResult       *result,
                                      GError            **error)
{
  return finish_boolean (self, result, error);
}

/* ---- UID COPY / UID MOVE ---- */

static void
copyuid_from_code (CasellaImapCommand        *command,
                   const CasellaImapResponse *response)
{
  const CasellaImapValue *v = response->code_args;
  CasellaImapCopyUid *copy;

  if (!IS_CODE (response, "COPYUID") || v == NULL || v->next == NULL || v->next->next == NULL)
    return;
  copy = g_new0 (CasellaImapCopyUid, 1);
  casella_imap_value_get_uint32 (v, &copy->uidvalidity);
  copy->source_uids = casella_imap_value_dup (v->next);
  copy->dest_uids = casella_imap_value_dup (v->next->next);
  if (command->data_free && command->data)
    command->data_free (command->data);
  command->data = copy;
}

static gboolean
move_untagged (CasellaImapClient         *self,
               CasellaImapCommand        *command,
               const CasellaImapResponse *response)
{
  /* MOVE sends COPYUID in an untagged OK, then expunges. */
  if (response->status == CASELLA_IMAP_STATUS_OK && IS_CODE (response, "COPYUID"))
    {
      copyuid_from_code (command, response);
      return TRUE;
    }
  return expunge_untagged (self, command, response);
}

static void
copy_done (CasellaImapClient         *self,
           CasellaImapCommand        *command,
           const CasellaImapResponse *response)
{
  copyuid_from_code (command, response);
  g_task_return_pointer (command->task, g_steal_pointer (&command->data), command->data_free);
}

static void
copy_begin (CasellaImapClient   *self,
            const char          *verb,
            const char          *uid_set,
            const char          *mailbox,
            GTask               *task)
{
  CasellaImapCommand *command = casella_imap_command_new (self, verb, task);

  command->data_free = (GDestroyNotify) casella_imap_copy_uid_free;
  command->done = copy_done;
  if (g_str_equal (verb, "UID MOVE"))
    {
      command->untagged = move_untagged;
      command->barrier = TRUE;
    }
  casella_imap_command_append_printf (command, "%s %s ", verb, uid_set);
  casella_imap_command_append_mailbox (command, mailbox);
  casella_imap_client_submit (self, command);
}

void
casella_imap_client_uid_copy_async (CasellaImapClient   *self,
                                    const char          *uid_set,
                                    const char          *mailbox,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, casella_imap_client_uid_copy_async);
  copy_begin (self, "UID COPY", uid_set, mailbox, task);
}

CasellaImapCopyUid *
casella_imap_client_uid_copy_finish (CasellaImapClient  *self,
                                     GAsyncResult       *result,
                                     GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  char               *uid_set;
  CasellaImapCopyUid *copy;
} MoveData;

static void
move_data_free (MoveData *data)
{
  g_free (data->uid_set);
  casella_imap_copy_uid_free (data->copy);
  g_free (data);
}

static void
on_move_expunged (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  MoveData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&data->copy), (GDestroyNotify) casella_imap_copy_uid_free);
}

static void
move_expunge (CasellaImapClient *self,
              GTask             *task,
              gboolean           by_uid)
{
  MoveData *data = g_task_get_task_data (task);
  CasellaImapCommand *command;

  command = casella_imap_command_new (self, "EXPUNGE", g_task_new (self, g_task_get_cancellable (task),
                                                                   on_move_expunged, g_object_ref (task)));
  command->untagged = expunge_untagged;
  command->barrier = TRUE;
  if (by_uid)
    casella_imap_command_append_printf (command, "UID EXPUNGE %s", data->uid_set);
  else
    casella_imap_command_append (command, "EXPUNGE");
  casella_imap_client_submit (self, command);
}

/* The plain EXPUNGE only when the folder's deleted messages are all
 * ours; else ours stay marked deleted (hidden, and gone at the next
 * expunge by whoever marked the others), and nobody else's is lost. */
static void
on_move_deleted_found (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CasellaImapClient *self = CASELLA_IMAP_CLIENT (source);
  MoveData *data = g_task_get_task_data (task);
  g_autoptr(GArray) deleted = NULL;
  g_autoptr(GArray) ours = casella_imap_uid_set_parse (data->uid_set);
  GError *error = NULL;

  deleted = casella_imap_client_uid_search_finish (self, result, &error);
  if (deleted == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < deleted->len; i++)
    if (!casella_imap_uid_ranges_contain (ours, g_array_index (deleted, guint32, i)))
      {
        g_debug ("IMAP: other messages are marked deleted; the moved ones wait for an expunge");
        g_task_return_pointer (task, g_steal_pointer (&data->copy), (GDestroyNotify) casella_imap_copy_uid_free);
        return;
      }
  move_expunge (self, task, FALSE);
}

static void
on_move_stored (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CasellaImapClient *self = CASELLA_IMAP_CLIENT (source);
  GError *error = NULL;

  if (!casella_imap_client_uid_store_finish (self, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* UID EXPUNGE touches only the moved messages. Without UIDPLUS a plain
   * EXPUNGE would also remove what others marked deleted: see first. */
  if (!casella_imap_client_has_capability (self, "UIDPLUS"))
    {
      casella_imap_client_uid_search_async (self, "DELETED", g_task_get_cancellable (task), on_move_deleted_found,
                                            g_object_ref (task));
      return;
    }
  move_expunge (self, task, TRUE);
}

static void
on_move_copied (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CasellaImapClient *self = CASELLA_IMAP_CLIENT (source);
  MoveData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->copy = casella_imap_client_uid_copy_finish (self, result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  casella_imap_client_uid_store_async (self, data->uid_set, "+FLAGS", CASELLA_IMAP_FLAG_DELETED, NULL,
                                       g_task_get_cancellable (task), on_move_stored, g_object_ref (task));
}

void
casella_imap_client_uid_move_async (CasellaImapClient   *self,
                                    const char          *uid_set,
                                    const char          *mailbox,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  MoveData *data;

  g_task_set_source_tag (task, casella_imap_client_uid_move_async);
  if (casella_imap_client_has_capability (self, "MOVE"))
    {
      copy_begin (self, "UID MOVE", uid_set, mailbox, task);
      return;
    }

  data = g_new0 (MoveData, 1);
  data->uid_set = g_strdup (uid_set);
  g_task_set_task_data (task, data, (GDestroyNotify) move_data_free);
  casella_imap_client_uid_copy_async (self, uid_set, mailbox, cancellable, on_move_copied, task);
}

/* ---- APPEND ---- */

static void
append_done (CasellaImapClient         *self,
             CasellaImapCommand        *command,
             const CasellaImapResponse *response)
{
  guint32 uid = 0;
  const CasellaImapValue *v = response->code_args;

  if (IS_CODE (response, "APPENDUID") && v != NULL)
    casella_imap_value_get_uint32 (v->next, &uid);
  g_task_return_int (command->task, uid);
}

static char *
format_internal_date (GDateTime *date)
{
  static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autofree char *rest = g_date_time_format (date, "%Y %H:%M:%S %z");

  return g_strdup_printf ("%02d-%s-%s", g_date_time_get_day_of_month (date),
                          months[g_date_time_get_month (date) - 1], rest);
}

void
casella_imap_client_append_async (CasellaImapClient   *self,
                                  const char          *mailbox,
                                  GBytes              *message,
                                  CasellaImapFlags     flags,
                                  GDateTime           *internal_date,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  CasellaImapCommand *command = command_begin (self, "APPEND", casella_imap_client_append_async,
                                               cancellable, callback, user_data);
  g_autofree char *list = casella_imap_flags_to_string (flags, NULL);

  command->done = append_done;
  command->barrier = TRUE;   /* nothing may slip in between literal and "+" */
  casella_imap_command_append (command, "APPEND ");
  casella_imap_command_append_mailbox (command, mailbox);
  if (list[0])
    casella_imap_command_append_printf (command, " (%s)", list);
  if (internal_date != NULL)
    {
      g_autofree char *date = format_internal_date (internal_date);
      casella_imap_command_append_printf (command, " \"%s\"", date);
    }
  casella_imap_command_append (command, " ");
  casella_imap_command_append_literal (command, message);
  casella_imap_client_submit (self, command);
}

guint32
casella_imap_client_append_finish (CasellaImapClient  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return (guint32) g_task_propagate_int (G_TASK (result), error);
}

/* ---- IDLE ---- */

static void
idle_continue (CasellaImapClient         *self,
               CasellaImapCommand        *command,
               const CasellaImapResponse *response)
{
  casella_imap_client_set_idling (self, command);
}

void
casella_imap_client_idle_async (CasellaImapClient   *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  CasellaImapCommand *command = command_begin (self, "IDLE", casella_imap_client_idle_async,
                                               cancellable, callback, user_data);

  command->barrier = TRUE;
  command->on_continue = idle_continue;
  casella_imap_command_append (command, "IDLE");
  casella_imap_client_submit (self, command);
}

gboolean
casella_imap_client_idle_finish (CasellaImapClient  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  return finish_boolean (self, result, error);
}
