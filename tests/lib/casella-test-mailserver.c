/* casella-test-mailserver.c — a private Cyrus IMAP or Courier beside the
 * Dovecot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-test-mailserver.h"
#include "casella-test-pki.h"
#include "casella-test-util.h"

#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

struct _CasellaTestMailServer
{
  CasellaTestServerKind kind;
  char                 *dir;
  GPtrArray            *users;       /* "user", "password", … */
  GSubprocess          *process;
  guint16               imaps_port;
  guint16               pop3s_port;
};

CasellaTestMailServer *
casella_test_mail_server_new (CasellaTestServerKind kind)
{
  CasellaTestMailServer *self = g_new0 (CasellaTestMailServer, 1);

  self->kind = kind;
  self->dir = casella_test_make_tmpdir (kind == CASELLA_TEST_CYRUS ? "casella-cyrus" : "casella-courier");
  self->users = g_ptr_array_new_with_free_func (g_free);
  return self;
}

void
casella_test_mail_server_add_user (CasellaTestMailServer *self,
                                   const char            *user,
                                   const char            *password)
{
  g_ptr_array_add (self->users, g_strdup (user));
  g_ptr_array_add (self->users, g_strdup (password));
}

const char *
casella_test_mail_server_get_name (CasellaTestMailServer *self)
{
  return self->kind == CASELLA_TEST_CYRUS ? "Cyrus" : "Courier";
}

guint16
casella_test_mail_server_get_port (CasellaTestMailServer *self,
                                   CasellaTestService     service)
{
  return service == CASELLA_TEST_POP3S ? self->pop3s_port : self->imaps_port;
}

static gboolean
write_file (CasellaTestMailServer  *self,
            const char             *name,
            const char             *text,
            int                     mode,
            GError                **error)
{
  g_autofree char *path = g_build_filename (self->dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_mkdir_with_parents (parent, 0755);
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_NONE, mode, error);
}

/* The test CA's server certificate, key first, as one file. */
static char *
server_pem (GError **error)
{
  const CasellaTestPki *pki = casella_test_pki_get ();
  g_autofree char *key = NULL, *cert = NULL;

  if (!g_file_get_contents (pki->key_file, &key, NULL, error) ||
      !g_file_get_contents (pki->cert_file, &cert, NULL, error))
    return NULL;
  return g_strconcat (key, cert, NULL);
}

/* Output of a helper command fed input on stdin. */
static char *
run_with_input (const char * const  *argv,
                const char          *input,
                GError             **error)
{
  g_autoptr(GSubprocess) process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                            G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                            G_SUBPROCESS_FLAGS_STDERR_MERGE, error);
  char *out = NULL;

  if (process == NULL || !g_subprocess_communicate_utf8 (process, input, NULL, &out, NULL, error))
    return NULL;
  if (!g_subprocess_get_successful (process))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s failed: %s", argv[0], out);
      g_free (out);
      return NULL;
    }
  return out;
}

/* The end of each script: its servers go when it is told to stop, and
 * when the test process ($CASELLA_TEST_PID) is gone, however it went (a
 * watcher of its own: the script dies with the test, its children do not). */
#define WATCH_TEST \
  "( while kill -0 \"$CASELLA_TEST_PID\" 2>/dev/null; do sleep 1; done; kill $pids 2>/dev/null ) &\n" \
  "trap 'kill $pids 2>/dev/null; exit 0' TERM INT\n" \
  "wait\n"

/* ---- Cyrus ---- */

static const char cyrus_conf[] =
  "configdirectory: %1$s/conf\n"
  "partition-default: %1$s/spool\n"
  "admins: admin\n"
  "sasl_pwcheck_method: auxprop\n"
  "sasl_auxprop_plugin: sasldb\n"
  "sasl_sasldb_path: %1$s/sasldb2\n"
  "sasl_mech_list: PLAIN LOGIN\n"
  "tls_server_cert: %1$s/server.pem\n"
  "tls_server_key: %1$s/server.pem\n"
  "virtdomains: userid\n"
  /* The netnews layout: INBOX.Sent, not Sent */
  "altnamespace: no\n"
  "unixhierarchysep: no\n"
  "lmtpsocket: %1$s/socket/lmtp\n"
  "idlesocket: %1$s/socket/idle\n"
  "notifysocket: %1$s/socket/notify\n"
  "syslog_prefix: casella-test-cyrus\n"
  "autocreate_quota: 0\n"
  "autocreate_post: yes\n"
  "autocreate_inbox_folders: Sent | Drafts | Trash\n"
  "xlist-sent: Sent\n"
  "xlist-drafts: Drafts\n"
  "xlist-trash: Trash\n"
  "cyrus_user: nobody\n"
  "cyrus_group: %2$s\n";

static const char cyrus_services[] =
  "START {\n"
  "  recover cmd=\"/usr/lib/cyrus/bin/ctl_cyrusdb -r -C %1$s/imapd.conf\"\n"
  "}\n"
  "SERVICES {\n"
  "  imaps cmd=\"/usr/lib/cyrus/bin/imapd -s -C %1$s/imapd.conf\" listen=\"127.0.0.1:%2$u\" prefork=0\n"
  "  pop3s cmd=\"/usr/lib/cyrus/bin/pop3d -s -C %1$s/imapd.conf\" listen=\"127.0.0.1:%3$u\" prefork=0\n"
  "}\n"
  "EVENTS {\n"
  "}\n";

/* Cyrus drops to nobody, which clears the death signal: the script stays
 * and ends it when the test goes (stopped, or crashed). */
static const char cyrus_run[] =
  "set -eu\n"
  "mount -t overlay overlay -o lowerdir=%2$s/usr:/usr /usr\n"
  "/usr/lib/cyrus/bin/master -C %1$s/imapd.conf -M %1$s/cyrus.conf -p %1$s/master.pid & pids=$!\n"
  WATCH_TEST;

static gboolean
cyrus_prepare (CasellaTestMailServer  *self,
               const char             *root,
               GError                **error)
{
  struct passwd *nobody = getpwnam ("nobody");
  g_autofree char *conf = NULL, *services = NULL, *run = NULL, *pem = server_pem (error);
  g_autofree char *sasldb = g_build_filename (self->dir, "sasldb2", NULL);
  const char *group = nobody && getgrgid (nobody->pw_gid) ? getgrgid (nobody->pw_gid)->gr_name : "nogroup";

  if (pem == NULL || nobody == NULL)
    {
      if (error && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "Cyrus runs as nobody, and there is no such user");
      return FALSE;
    }
  conf = g_strdup_printf (cyrus_conf, self->dir, group);
  services = g_strdup_printf (cyrus_services, self->dir, self->imaps_port, self->pop3s_port);
  run = g_strdup_printf (cyrus_run, self->dir, root);
  if (!write_file (self, "imapd.conf", conf, 0644, error) || !write_file (self, "cyrus.conf", services, 0644, error) ||
      !write_file (self, "server.pem", pem, 0600, error) || !write_file (self, "run.sh", run, 0755, error))
    return FALSE;
  for (const char *sub = "conf"; sub; sub = g_str_equal (sub, "conf") ? "spool" : g_str_equal (sub, "spool") ? "socket" : NULL)
    {
      g_autofree char *path = g_build_filename (self->dir, sub, NULL);
      g_mkdir_with_parents (path, 0755);
    }
  for (guint i = 0; i < self->users->len; i += 2)
    {
      const char *user = self->users->pdata[i];
      const char *at = strchr (user, '@');
      g_autofree char *local = g_strndup (user, at ? (gsize) (at - user) : strlen (user));
      g_autofree char *input = g_strdup_printf ("%s\n", (char *) self->users->pdata[i + 1]);
      const char *argv[] = { "saslpasswd2", "-p", "-c", "-f", sasldb, "-u", at ? at + 1 : "localhost", local, NULL };
      g_autofree char *out = run_with_input (argv, input, error);

      if (out == NULL)
        return FALSE;
    }
  /* Cyrus reads and writes all of it as nobody. */
  {
    const char *argv[] = { "chown", "-R", NULL, self->dir, NULL };
    g_autofree char *owner = g_strdup_printf ("%u:%u", (guint) nobody->pw_uid, (guint) nobody->pw_gid);
    g_autofree char *out = NULL;

    argv[2] = owner;
    out = run_with_input (argv, "", error);
    return out != NULL && g_chmod (self->dir, 0755) == 0;
  }
}

/* ---- Courier ---- */

static const char courier_authdaemonrc[] =
  "authmodulelist=\"authuserdb\"\n"
  "authmodulelistorig=\"authuserdb\"\n"
  "daemons=3\n"
  "authdaemonvar=/run/courier/authdaemon\n"
  "DEBUG_LOGIN=0\n"
  "DEFAULTOPTIONS=\"\"\n"
  "LOGGEROPTS=\"\"\n";

/* Each server from its own configuration, over TLS; every child dies
 * with this script, and the script with the test. */
static const char courier_run[] =
  "set -eu\n"
  "R=%2$s D=%1$s\n"
  "mount -t overlay overlay -o lowerdir=$R/usr:/usr /usr\n"
  "mount -t overlay overlay -o lowerdir=$D/etc:$R/etc:/etc,upperdir=$D/upper,workdir=$D/work /etc\n"
  "mount -t tmpfs tmpfs /run\n"
  "mkdir -p /run/courier/authdaemon\n"
  "ln -s authdaemon /run/courier/autthdaemon\n"
  "/usr/sbin/makeuserdb -f /etc/courier/userdb\n"
  "pids=\n"
  "setpriv --pdeathsig KILL /usr/lib/courier/courier-authlib/authdaemond & pids=\"$pids $!\"\n"
  "tls() { TLS_PROTOCOL=TLSv1.2+; TLS_CERTFILE=$D/server.pem; unset TLS_DHPARAMS TLS_CACHEFILE; }\n"
  "tcpd='setpriv --pdeathsig KILL /usr/sbin/couriertcpd -address=127.0.0.1 -maxprocs=20 -maxperip=20 "
  "-nodnslookup -noidentlookup'\n"
  "( set -a; TLS_PROTOCOL=TLSv1.2+; . /etc/courier/imapd; . /etc/courier/imapd-ssl; tls; IMAP_TLS=1; set +a\n"
  "  exec $tcpd %3$u /usr/bin/couriertls -server -tcpd /usr/lib/courier/courier/imaplogin /usr/bin/imapd Maildir ) &\n"
  "pids=\"$pids $!\"\n"
  "( set -a; TLS_PROTOCOL=TLSv1.2+; . /etc/courier/pop3d; . /etc/courier/pop3d-ssl; tls; POP3_TLS=1; set +a\n"
  "  exec $tcpd %4$u /usr/bin/couriertls -server -tcpd /usr/lib/courier/courier/courierpop3login "
  "/usr/lib/courier/courier/courierpop3d Maildir ) &\n"
  "pids=\"$pids $!\"\n"
  WATCH_TEST;

static char *
crypt_password (const char  *password,
                GError     **error)
{
  const char *argv[] = { "openssl", "passwd", "-5", "-stdin", NULL };
  g_autofree char *input = g_strdup_printf ("%s\n", password);
  char *hash = run_with_input (argv, input, error);

  return hash ? g_strstrip (hash) : NULL;
}

static gboolean
courier_prepare (CasellaTestMailServer  *self,
                 const char             *root,
                 GError                **error)
{
  g_autoptr(GString) userdb = g_string_new (NULL);
  g_autofree char *run = g_strdup_printf (courier_run, self->dir, root, self->imaps_port, self->pop3s_port);
  g_autofree char *pem = server_pem (error);

  if (pem == NULL)
    return FALSE;
  for (guint i = 0; i < self->users->len; i += 2)
    {
      const char *user = self->users->pdata[i];
      g_autofree char *hash = crypt_password (self->users->pdata[i + 1], error);
      g_autofree char *home = g_build_filename (self->dir, "home", user, NULL);

      if (hash == NULL)
        return FALSE;
      for (const char *sub = "cur"; sub; sub = g_str_equal (sub, "cur") ? "new" : g_str_equal (sub, "new") ? "tmp" : NULL)
        {
          g_autofree char *path = g_build_filename (home, "Maildir", sub, NULL);
          g_mkdir_with_parents (path, 0700);
        }
      g_string_append_printf (userdb, "%s\tuid=0|gid=0|home=%s|mail=%s/Maildir|systempw=%s\n", user, home, home, hash);
    }
  {
    g_autofree char *upper = g_build_filename (self->dir, "upper", NULL);
    g_autofree char *work = g_build_filename (self->dir, "work", NULL);
    g_mkdir_with_parents (upper, 0755);
    g_mkdir_with_parents (work, 0755);
  }
  return write_file (self, "etc/courier/authdaemonrc", courier_authdaemonrc, 0644, error) &&
         write_file (self, "etc/courier/userdb", userdb->str, 0600, error) &&
         write_file (self, "server.pem", pem, 0600, error) && write_file (self, "run.sh", run, 0755, error);
}

gboolean
casella_test_mail_server_deliver (CasellaTestMailServer  *self,
                                  const char             *user,
                                  const char             *message,
                                  GError                **error)
{
  static guint serial;
  g_autofree char *name = g_strdup_printf ("%" G_GINT64_FORMAT ".%u.casella", g_get_real_time (), ++serial);
  g_autofree char *tmp = g_build_filename (self->dir, "home", user, "Maildir", "tmp", name, NULL);
  g_autofree char *final = g_build_filename (self->dir, "home", user, "Maildir", "new", name, NULL);

  g_return_val_if_fail (self->kind == CASELLA_TEST_COURIER, FALSE);
  return g_file_set_contents (tmp, message, -1, error) && g_rename (tmp, final) == 0;
}

/* ---- both ---- */

gboolean
casella_test_mail_server_start (CasellaTestMailServer  *self,
                                GError                **error)
{
  const char *root = g_getenv ("CASELLA_TEST_SERVERS");
  g_autofree char *script = g_build_filename (self->dir, "run.sh", NULL);
  g_autofree char *log = g_build_filename (self->dir, "server.log", NULL);
  g_autofree char *test_pid = g_strdup_printf ("CASELLA_TEST_PID=%d", (int) getpid ());
  const char *argv[] = { "env", test_pid, "unshare", "--mount", "--propagation", "private", "sh", script, NULL };

  if (root == NULL || !g_file_test (root, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s is not unpacked (CASELLA_TEST_SERVERS=%s): ./dev test unpacks Cyrus and Courier",
                   casella_test_mail_server_get_name (self), root ? root : "");
      return FALSE;
    }
  if (geteuid () != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "%s runs only as root here (a private mount namespace lays it over /usr)",
                   casella_test_mail_server_get_name (self));
      return FALSE;
    }
  self->imaps_port = casella_test_free_port ();
  self->pop3s_port = casella_test_free_port ();
  if (!(self->kind == CASELLA_TEST_CYRUS ? cyrus_prepare (self, root, error) : courier_prepare (self, root, error)))
    return FALSE;
  self->process = casella_test_spawn (argv, log, FALSE, error);
  if (self->process == NULL)
    return FALSE;
  if (!casella_test_wait_for_port (self->imaps_port, 15000, error) ||
      !casella_test_wait_for_port (self->pop3s_port, 15000, error))
    {
      g_autofree char *text = NULL;

      g_file_get_contents (log, &text, NULL, NULL);
      g_prefix_error (error, "%s did not start (%s): ", casella_test_mail_server_get_name (self), text ? text : "");
      return FALSE;
    }
  return TRUE;
}

void
casella_test_mail_server_free (CasellaTestMailServer *self)
{
  if (self == NULL)
    return;
  casella_test_stop_subprocess (self->process, 5000);
  g_clear_object (&self->process);
  casella_test_rm_rf (self->dir);
  g_free (self->dir);
  g_ptr_array_unref (self->users);
  g_free (self);
}
