/* casella-test-smtp.c — an SMTP submission sink that keeps what it receives
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-test-smtp.h"
#include "casella-test-pki.h"
#include "casella-test-util.h"

#include <string.h>

struct _CasellaTestSmtp
{
  char        *dir;
  char        *outdir;
  GPtrArray   *rejected;
  GPtrArray   *tempfailed;
  GPtrArray   *users;       /* "user:password" besides alice and bob */
  GSubprocess *process;
  guint16      starttls_port;
  guint16      smtps_port;
  guint16      relay_port;
};

CasellaTestSmtp *
casella_test_smtp_new (void)
{
  CasellaTestSmtp *self = g_new0 (CasellaTestSmtp, 1);

  self->dir = casella_test_make_tmpdir ("casella-smtp");
  self->outdir = g_build_filename (self->dir, "received", NULL);
  self->rejected = g_ptr_array_new_with_free_func (g_free);
  self->tempfailed = g_ptr_array_new_with_free_func (g_free);
  self->users = g_ptr_array_new_with_free_func (g_free);
  return self;
}

void
casella_test_smtp_add_user (CasellaTestSmtp *self,
                            const char      *user,
                            const char      *password)
{
  g_ptr_array_add (self->users, g_strdup_printf ("%s:%s", user, password));
}

void
casella_test_smtp_reject_recipient (CasellaTestSmtp *self,
                                    const char      *address)
{
  g_ptr_array_add (self->rejected, g_strdup (address));
}

void
casella_test_smtp_tempfail_recipient (CasellaTestSmtp *self,
                                      const char      *address)
{
  g_ptr_array_add (self->tempfailed, g_strdup (address));
}

/* How many times RCPT TO for address was refused. */
guint
casella_test_smtp_count_refusals (CasellaTestSmtp *self,
                                  const char      *address)
{
  g_autofree char *path = g_build_filename (self->outdir, "refusals.log", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint count = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], address) && lines[i][strlen (address)] == ' ')
      count++;
  return count;
}

static gboolean
casella_test_smtp_try_start (CasellaTestSmtp  *self,
                             GError          **error)
{
  const CasellaTestPki *pki = casella_test_pki_get ();
  g_autofree char *script = g_build_filename (casella_test_lib_dir (), "casella-smtp-sink.py", NULL);
  g_autofree char *starttls = NULL, *smtps = NULL, *relay = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autofree char *log = g_build_filename (self->dir, "sink.log", NULL);

  self->starttls_port = casella_test_free_port ();
  self->smtps_port = casella_test_free_port ();
  starttls = g_strdup_printf ("%u", self->starttls_port);
  smtps = g_strdup_printf ("%u", self->smtps_port);
  self->relay_port = casella_test_free_port ();
  relay = g_strdup_printf ("%u", self->relay_port);

  g_strv_builder_add_many (builder, "/usr/bin/python3", script, self->outdir,
                           pki->cert_file, pki->key_file,
                           "--starttls-port", starttls, "--smtps-port", smtps, "--relay-port", relay,
                           "--user", "alice@example.test:alicepw",
                           "--user", "bob@example.test:bobpw", NULL);
  for (guint i = 0; i < self->rejected->len; i++)
    g_strv_builder_add_many (builder, "--reject-rcpt", self->rejected->pdata[i], NULL);
  for (guint i = 0; i < self->tempfailed->len; i++)
    g_strv_builder_add_many (builder, "--tempfail-rcpt", self->tempfailed->pdata[i], NULL);
  for (guint i = 0; i < self->users->len; i++)
    g_strv_builder_add_many (builder, "--user", self->users->pdata[i], NULL);
  argv = g_strv_builder_end (builder);

  self->process = casella_test_spawn ((const char * const *) argv, log, TRUE, error);
  if (self->process == NULL)
    return FALSE;

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  line = g_data_input_stream_read_line (out, NULL, NULL, error);
  if (line == NULL || !g_str_equal (line, "READY"))
    {
      if (error && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "SMTP sink did not start: %s",
                     line ? line : "no output");
      casella_test_stop_subprocess (self->process, 5000);
      g_clear_object (&self->process);
      return FALSE;
    }
  return TRUE;
}

gboolean
casella_test_smtp_start (CasellaTestSmtp  *self,
                         GError          **error)
{
  for (guint attempt = 0; attempt < 3; attempt++)
    {
      g_autoptr(GError) local_error = NULL;

      if (casella_test_smtp_try_start (self, &local_error))
        return TRUE;
      if (attempt == 2)
        g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return FALSE;
}

void
casella_test_smtp_free (CasellaTestSmtp *self)
{
  if (self == NULL)
    return;

  casella_test_stop_subprocess (self->process, 5000);
  g_clear_object (&self->process);
  casella_test_rm_rf (self->dir);
  g_free (self->dir);
  g_free (self->outdir);
  g_ptr_array_unref (self->rejected);
  g_ptr_array_unref (self->tempfailed);
  g_ptr_array_unref (self->users);
  g_free (self);
}

guint16
casella_test_smtp_get_port (CasellaTestSmtp     *self,
                            CasellaTestSmtpPort  port)
{
  return port == CASELLA_TEST_SMTP_SMTPS ? self->smtps_port
       : port == CASELLA_TEST_SMTP_RELAY ? self->relay_port : self->starttls_port;
}

const char *
casella_test_smtp_get_dir (CasellaTestSmtp *self)
{
  return self->outdir;
}

/* Received messages, oldest first, as GBytes of the raw DATA. */
GPtrArray *
casella_test_smtp_get_messages (CasellaTestSmtp *self)
{
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint i = 1;; i++)
    {
      g_autofree char *name = g_strdup_printf ("%05u.eml", i);
      g_autofree char *path = g_build_filename (self->outdir, name, NULL);
      char *data;
      gsize len;

      if (!g_file_get_contents (path, &data, &len, NULL))
        break;
      g_ptr_array_add (messages, g_bytes_new_take (data, len));
    }
  return messages;
}

/* The JSON envelope of message number index (0-based). */
char *
casella_test_smtp_get_envelope (CasellaTestSmtp *self,
                                guint            index)
{
  g_autofree char *name = g_strdup_printf ("%05u.json", index + 1);
  g_autofree char *path = g_build_filename (self->outdir, name, NULL);
  char *data = NULL;

  g_file_get_contents (path, &data, NULL, NULL);
  return data;
}

typedef struct {
  CasellaTestSmtp *self;
  guint            n;
} WaitData;

static gboolean
has_enough (gpointer data)
{
  WaitData *wait = data;
  g_autoptr(GPtrArray) messages = casella_test_smtp_get_messages (wait->self);

  return messages->len >= wait->n;
}

gboolean
casella_test_smtp_wait_for (CasellaTestSmtp *self,
                            guint            n_messages,
                            guint            timeout_ms)
{
  WaitData wait = { self, n_messages };

  return casella_test_wait_until (has_enough, &wait, timeout_ms);
}
