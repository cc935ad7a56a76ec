/* casella-test-dovecot.c — a private Dovecot (IMAP, POP3, both TLS modes)
 *
 * Everything lives in one temporary directory: config, state, sockets,
 * Maildirs. Dovecot runs in the foreground as our child and is stopped at
 * teardown. As root, Dovecot refuses uid 0 for mail, so the Maildirs
 * belong to the `dovecot` user; as anyone else everything runs as them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-test-dovecot.h"
#include "casella-test-pki.h"
#include "casella-test-util.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <stdio.h>
#include <pwd.h>
#include <unistd.h>

struct _CasellaTestDovecot
{
  char        *dir;
  char        *config;
  char        *cert_file;
  char        *key_file;
  GPtrArray   *users;      /* "user:{PLAIN}password" lines */
  GString     *extra;      /* appended to dovecot.conf */
  GSubprocess *process;
  guint16      ports[CASELLA_TEST_N_SERVICES];
  uid_t        mail_uid;
  gid_t        mail_gid;
  guint        fills;      /* each fill its own messages and file names */
  char        *introspect_url;  /* OAuth2: tokens checked there */
  guint16      relay_port;      /* submission: relays to this sink; 0: none */
  guint16      submission_port;
};

static const char *
find_dovecot (void)
{
  static const char *candidates[] = { "/usr/sbin/dovecot", "/usr/bin/dovecot", NULL };

  for (guint i = 0; candidates[i]; i++)
    if (g_file_test (candidates[i], G_FILE_TEST_IS_EXECUTABLE))
      return candidates[i];
  return "dovecot";
}

static const char *
find_doveadm (void)
{
  return g_file_test ("/usr/bin/doveadm", G_FILE_TEST_IS_EXECUTABLE) ? "/usr/bin/doveadm" : "doveadm";
}

CasellaTestDovecot *
casella_test_dovecot_new (void)
{
  const CasellaTestPki *pki = casella_test_pki_get ();
  CasellaTestDovecot *self = g_new0 (CasellaTestDovecot, 1);

  self->dir = casella_test_make_tmpdir ("casella-dovecot");
  self->config = g_build_filename (self->dir, "dovecot.conf", NULL);
  self->cert_file = g_strdup (pki->cert_file);
  self->key_file = g_strdup (pki->key_file);
  self->users = g_ptr_array_new_with_free_func (g_free);
  self->extra = g_string_new (NULL);
  casella_test_dovecot_add_user (self, "alice@example.test", "alicepw");
  casella_test_dovecot_add_user (self, "bob@example.test", "bobpw");

  if (getuid () == 0)
    {
      struct passwd *pw = getpwnam ("dovecot");
      g_assert_nonnull (pw);
      self->mail_uid = pw->pw_uid;
      self->mail_gid = pw->pw_gid;
    }
  else
    {
      self->mail_uid = getuid ();
      self->mail_gid = getgid ();
    }

  return self;
}

void
casella_test_dovecot_set_certificate (CasellaTestDovecot *self,
                                      const char         *cert_file,
                                      const char         *key_file)
{
  g_free (self->cert_file);
  g_free (self->key_file);
  self->cert_file = g_strdup (cert_file);
  self->key_file = g_strdup (key_file);
}

void
casella_test_dovecot_add_user (CasellaTestDovecot *self,
                               const char         *user,
                               const char         *password)
{
  g_ptr_array_add (self->users, g_strdup_printf ("%s:{PLAIN}%s", user, password));
}

/* The password changes as if in the provider's webmail. A running
 * server looks at its users file at most once a second: this returns
 * once the server has taken the new one. */
gboolean
casella_test_dovecot_set_password (CasellaTestDovecot  *self,
                                   const char          *user,
                                   const char          *password,
                                   GError             **error)
{
  g_autofree char *prefix = g_strdup_printf ("%s:", user);
  g_autofree char *users_file = g_build_filename (self->dir, "users", NULL);
  g_autofree char *users = NULL;

  for (guint i = 0; i < self->users->len; i++)
    if (g_str_has_prefix (self->users->pdata[i], prefix))
      {
        g_free (self->users->pdata[i]);
        self->users->pdata[i] = g_strdup_printf ("%s{PLAIN}%s", prefix, password);
      }
  g_ptr_array_add (self->users, NULL);
  users = g_strjoinv ("\n", (char **) self->users->pdata);
  g_ptr_array_remove_index (self->users, self->users->len - 1);
  if (!g_file_set_contents (users_file, users, -1, error))
    return FALSE;
  for (guint tries = 0; tries < 200; tries++)
    {
      g_autoptr(GError) refused = NULL;

      if (casella_test_dovecot_doveadm (self, (const char *[]) { "auth", "test", user, password, NULL }, NULL,
                                        &refused))
        return TRUE;
      g_usleep (50 * 1000);
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Dovecot kept the old password of %s", user);
  return FALSE;
}

guint
casella_test_dovecot_count_messages (CasellaTestDovecot *self,
                                     const char         *user,
                                     const char         *folder)
{
  const char *args[] = { "mailbox", "status", "-u", user, "messages", folder, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  casella_test_dovecot_doveadm (self, args, &out, &error);
  g_assert_no_error (error);
  return (guint) g_ascii_strtoull (strstr (out, "messages=") + strlen ("messages="), NULL, 10);
}

/* Sign-ins the server refused for a wrong password, from its log
 * (needs "auth_verbose = yes"). */
guint
casella_test_dovecot_count_refused (CasellaTestDovecot *self)
{
  g_autofree char *log = g_build_filename (self->dir, "dovecot.log", NULL);
  g_autofree char *text = NULL;
  guint count = 0;

  if (!g_file_get_contents (log, &text, NULL, NULL))
    return 0;
  for (const char *at = text; (at = strstr (at, "Password mismatch")) != NULL; at++)
    count++;
  return count;
}

/* One login service with its plain (STARTTLS-capable) and implicit-TLS ports. */
/* Extra configuration, e.g. "imap_capability = IMAP4rev1 IDLE" to take
 * an extension away and test a client's fallback on a real server. */
void
casella_test_dovecot_add_config (CasellaTestDovecot *self,
                                 const char         *lines)
{
  g_string_append_printf (self->extra, "%s\n", lines);
}

static void
append_login_service (GString    *conf,
                      const char *protocol,
                      guint16     plain_port,
                      guint16     tls_port,
                      const char *chroot)
{
  g_string_append_printf (conf,
                          "service %1$s-login {\n"
                          "  chroot = %4$s\n"
                          "  inet_listener %1$s {\n"
                          "    address = 127.0.0.1\n"
                          "    port = %2$u\n"
                          "  }\n"
                          "  inet_listener %1$ss {\n"
                          "    address = 127.0.0.1\n"
                          "    port = %3$u\n"
                          "    ssl = yes\n"
                          "  }\n"
                          "}\n",
                          protocol, plain_port, tls_port, chroot);
}

/* Before start: IMAP, POP3 and submission also take SASL XOAUTH2 and
 * OAUTHBEARER, each token checked at introspect_url (Dovecot's oauth2
 * passdb, ../shared/recipes/09-dovecot-oauth2.md). */
void
casella_test_dovecot_enable_oauth2 (CasellaTestDovecot *self,
                                    const char         *introspect_url)
{
  g_free (self->introspect_url);
  self->introspect_url = g_strdup (introspect_url);
}

/* Before start: SMTP submission (STARTTLS) that relays to a sink. */
void
casella_test_dovecot_enable_submission (CasellaTestDovecot *self,
                                        guint16             relay_port)
{
  self->relay_port = relay_port;
}

guint16
casella_test_dovecot_get_submission_port (CasellaTestDovecot *self)
{
  return self->submission_port;
}

static void
append_oauth2 (CasellaTestDovecot *self,
               GString            *conf)
{
  g_autofree char *ext = g_build_filename (self->dir, "oauth2.conf.ext", NULL);
  g_autofree char *text = g_strdup_printf ("introspection_mode = post\n"
                                           "introspection_url = %s\n"
                                           "username_attribute = username\n"
                                           "active_attribute = active\n"
                                           "active_value = true\n", self->introspect_url);

  g_assert_true (g_file_set_contents (ext, text, -1, NULL));
  g_string_append_printf (conf, "passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = %s\n}\n",
                          ext);
}

static void
append_submission (CasellaTestDovecot *self,
                   GString            *conf,
                   const char         *chroot)
{
  g_string_append_printf (conf,
                          "service submission-login {\n"
                          "  chroot = %s\n"
                          "  inet_listener submission {\n"
                          "    address = 127.0.0.1\n"
                          "    port = %u\n"
                          "  }\n"
                          "}\n"
                          "submission_relay_host = 127.0.0.1\n"
                          "submission_relay_port = %u\n"
                          "submission_relay_trusted = yes\n",
                          chroot, self->submission_port, self->relay_port);
}

static char *
casella_test_dovecot_build_config (CasellaTestDovecot *self)
{
  GString *conf = g_string_new (NULL);
  gboolean root = getuid () == 0;
  const char *login_user = root ? "dovenull" : g_get_user_name ();
  const char *internal_user = root ? "dovecot" : g_get_user_name ();
  struct group *gr = getgrgid (root ? self->mail_gid : getgid ());
  const char *chroot = root ? "login" : "";
  g_autoptr(GString) oauth2 = g_string_new (NULL);

  if (self->introspect_url != NULL)
    append_oauth2 (self, oauth2);

  g_string_append_printf (conf,
    "base_dir = %1$s/run\n"
    "state_dir = %1$s/state\n"
    "instance_name = casella-test-%2$s\n"
    "log_path = %1$s/dovecot.log\n"
    "listen = 127.0.0.1\n"
    "protocols = imap pop3%10$s\n"
    "default_login_user = %3$s\n"
    "default_internal_user = %4$s\n"
    "default_internal_group = %5$s\n"
    "login_trusted_networks =\n"
    "ssl = yes\n"
    "ssl_cert = <%6$s\n"
    "ssl_key = <%7$s\n"
    "ssl_min_protocol = TLSv1.2\n"
    "disable_plaintext_auth = no\n"
    "auth_mechanisms = plain login%11$s\n"
    "auth_failure_delay = 0\n"
    "first_valid_uid = 1\n"
    "hostname = mail.example.test\n"
    "%12$s"
    "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%%u %1$s/users\n}\n"
    "userdb {\n  driver = static\n  args = uid=%8$u gid=%9$u home=%1$s/mail/%%u\n}\n"
    "mail_location = maildir:~/Maildir\n"
    /* IDLE hears of new mail by inotify, and by looking every second
     * when the machine's inotify instances (128 per user) are used up
     * by parallel tests: else 30 s, longer than any test waits. */
    "mailbox_idle_check_interval = 1 secs\n"
    "namespace inbox {\n"
    "  inbox = yes\n"
    "  separator = /\n"
    "  mailbox Drafts {\n    special_use = \\Drafts\n    auto = subscribe\n  }\n"
    "  mailbox Sent {\n    special_use = \\Sent\n    auto = subscribe\n  }\n"
    "  mailbox Trash {\n    special_use = \\Trash\n    auto = subscribe\n  }\n"
    "  mailbox Junk {\n    special_use = \\Junk\n    auto = subscribe\n  }\n"
    "  mailbox Archive {\n    special_use = \\Archive\n    auto = subscribe\n  }\n"
    "}\n",
    self->dir, strrchr (self->dir, '-') + 1, login_user, internal_user,
    gr ? gr->gr_name : "dovecot", self->cert_file, self->key_file,
    (guint) self->mail_uid, (guint) self->mail_gid,
    self->relay_port ? " submission" : "", self->introspect_url ? " xoauth2 oauthbearer" : "",
    oauth2->str);

  append_login_service (conf, "imap", self->ports[CASELLA_TEST_IMAP],
                        self->ports[CASELLA_TEST_IMAPS], chroot);
  append_login_service (conf, "pop3", self->ports[CASELLA_TEST_POP3],
                        self->ports[CASELLA_TEST_POP3S], chroot);

  if (self->relay_port != 0)
    append_submission (self, conf, chroot);
  g_string_append (conf, self->extra->str);

  if (!root)
    {
      /* chroot() needs root: switch it off where Dovecot uses it. */
      static const char *services[] = { "anvil", "ipc", "aggregator", "old-stats",
                                        "imap-urlauth-login", NULL };
      for (guint i = 0; services[i]; i++)
        g_string_append_printf (conf, "service %s {\n  chroot =\n}\n", services[i]);
    }

  return g_string_free (conf, FALSE);
}

static gboolean
casella_test_dovecot_write_files (CasellaTestDovecot  *self,
                                  GError             **error)
{
  g_autofree char *conf = casella_test_dovecot_build_config (self);
  g_autofree char *users_file = g_build_filename (self->dir, "users", NULL);
  g_autofree char *users = NULL;
  g_autofree char *mail = g_build_filename (self->dir, "mail", NULL);

  g_ptr_array_add (self->users, NULL);
  users = g_strjoinv ("\n", (char **) self->users->pdata);
  g_ptr_array_remove_index (self->users, self->users->len - 1);

  for (const char *sub = "run"; sub; sub = g_str_equal (sub, "run") ? "state" : NULL)
    {
      g_autofree char *path = g_build_filename (self->dir, sub, NULL);
      g_mkdir_with_parents (path, 0755);
    }
  g_mkdir_with_parents (mail, 0755);
  if (chown (mail, self->mail_uid, self->mail_gid) != 0)
    return g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                        "Cannot give %s to the mail user", mail), FALSE;

  return g_file_set_contents (users_file, users, -1, error) &&
         g_file_set_contents (self->config, conf, -1, error);
}

static gboolean
casella_test_dovecot_try_start (CasellaTestDovecot  *self,
                                GError             **error)
{
  g_autofree char *log = g_build_filename (self->dir, "dovecot.log", NULL);
  g_autofree char *stderr_log = g_build_filename (self->dir, "dovecot.stderr", NULL);

  for (guint i = 0; i < CASELLA_TEST_N_SERVICES; i++)
    self->ports[i] = casella_test_free_port ();
  if (self->relay_port != 0)
    self->submission_port = casella_test_free_port ();

  if (!casella_test_dovecot_write_files (self, error))
    return FALSE;

  self->process = casella_test_spawn ((const char *[]) { find_dovecot (), "-F", "-c", self->config, NULL },
                                     stderr_log, FALSE, error);
  if (self->process == NULL)
    return FALSE;

  for (guint i = 0; i <= CASELLA_TEST_N_SERVICES; i++)
    if (!casella_test_wait_for_port (i < CASELLA_TEST_N_SERVICES ? self->ports[i]
                                     : self->submission_port ? self->submission_port : self->ports[0], 10000, error))
      {
        g_autofree char *text = NULL;
        g_file_get_contents (log, &text, NULL, NULL);
        g_prefix_error (error, "Dovecot did not start (log: %s): ", text ? text : "none");
        casella_test_stop_subprocess (self->process, 10000);
        g_clear_object (&self->process);
        return FALSE;
      }

  return TRUE;
}

/* A port taken by someone else between our probe and Dovecot's bind makes
 * the start fail; new ports then almost always work. */
gboolean
casella_test_dovecot_start (CasellaTestDovecot  *self,
                            GError             **error)
{
  for (guint attempt = 0; attempt < 3; attempt++)
    {
      g_autoptr(GError) local_error = NULL;

      if (casella_test_dovecot_try_start (self, &local_error))
        return TRUE;
      if (attempt == 2)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  return FALSE;
}

/* Pids of the server's login processes (imap-login, pop3-login…): the
 * master's children named so. */
static GArray *
login_processes (CasellaTestDovecot *self)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  const char *master = g_subprocess_get_identifier (self->process);
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *entry;

  while (master != NULL && proc != NULL && (entry = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *stat_path = g_build_filename ("/proc", entry, "stat", NULL);
      g_autofree char *cmd_path = g_build_filename ("/proc", entry, "cmdline", NULL);
      g_autofree char *stat = NULL, *cmdline = NULL;
      const char *after_name;
      GPid pid = (GPid) g_ascii_strtoll (entry, NULL, 10);
      int parent = 0;

      if (pid <= 0 || !g_file_get_contents (stat_path, &stat, NULL, NULL) ||
          (after_name = strrchr (stat, ')')) == NULL || sscanf (after_name, ") %*c %d", &parent) != 1 ||
          parent != atoi (master) || !g_file_get_contents (cmd_path, &cmdline, NULL, NULL))
        continue;
      if (strstr (cmdline, "-login") != NULL)
        g_array_append_val (pids, pid);
    }
  return pids;
}

/* The running server shows another certificate (its provider renewed
 * it, or someone stands in between) to every connection from now on.
 * A reload leaves the login processes from before serving their
 * connections, and one may still take a new connection with the old
 * certificate: they go, and with them every connection made before. */
gboolean
casella_test_dovecot_replace_certificate (CasellaTestDovecot  *self,
                                          const char          *cert_file,
                                          const char          *key_file,
                                          GError             **error)
{
  g_autofree char *conf = NULL;
  g_autoptr(GArray) before = login_processes (self);

  casella_test_dovecot_set_certificate (self, cert_file, key_file);
  conf = casella_test_dovecot_build_config (self);
  if (!g_file_set_contents (self->config, conf, -1, error) ||
      !casella_test_dovecot_doveadm (self, (const char *[]) { "reload", NULL }, NULL, error))
    return FALSE;
  for (guint i = 0; i < before->len; i++)
    kill (g_array_index (before, GPid, i), SIGTERM);
  return TRUE;
}

void
casella_test_dovecot_free (CasellaTestDovecot *self)
{
  if (self == NULL)
    return;

  casella_test_stop_subprocess (self->process, 10000);
  g_clear_object (&self->process);
  casella_test_rm_rf (self->dir);
  g_free (self->dir);
  g_free (self->introspect_url);
  g_free (self->config);
  g_free (self->cert_file);
  g_free (self->key_file);
  g_ptr_array_unref (self->users);
  g_string_free (self->extra, TRUE);
  g_free (self);
}

guint16
casella_test_dovecot_get_port (CasellaTestDovecot *self,
                               CasellaTestService  service)
{
  g_assert (service < CASELLA_TEST_N_SERVICES);
  return self->ports[service];
}

const char *
casella_test_dovecot_get_dir (CasellaTestDovecot *self)
{
  return self->dir;
}

const char *
casella_test_dovecot_get_config (CasellaTestDovecot *self)
{
  return self->config;
}

/* Maildir++: INBOX is the Maildir itself, "A/B" lives in ".A.B". folder is
 * the name as IMAP spells it (modified UTF-7), which is what is on disk. */
char *
casella_test_dovecot_get_maildir (CasellaTestDovecot *self,
                                  const char         *user,
                                  const char         *folder)
{
  g_autofree char *sub = NULL;

  if (folder == NULL || g_ascii_strcasecmp (folder, "INBOX") == 0)
    return g_build_filename (self->dir, "mail", user, "Maildir", NULL);

  sub = g_strdelimit (g_strconcat (".", folder, NULL), "/", '.');
  return g_build_filename (self->dir, "mail", user, "Maildir", sub, NULL);
}

static gboolean
make_owned_dir (CasellaTestDovecot  *self,
                const char          *path,
                GError             **error)
{
  if (g_mkdir_with_parents (path, 0700) != 0 || chown (path, self->mail_uid, self->mail_gid) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot create %s", path);
      return FALSE;
    }
  return TRUE;
}

/* Write a message straight into a Maildir (as a mail delivery agent
 * would); Dovecot notices it at the next SELECT, STAT or NOOP. */
gboolean
casella_test_dovecot_deliver (CasellaTestDovecot  *self,
                              const char          *user,
                              const char          *folder,
                              const char          *message,
                              gssize               length,
                              const char          *flags,
                              GError             **error)
{
  static guint counter;
  g_autofree char *maildir = casella_test_dovecot_get_maildir (self, user, folder);
  g_autofree char *user_dir = g_build_filename (self->dir, "mail", user, NULL);
  g_autofree char *root_maildir = g_build_filename (user_dir, "Maildir", NULL);
  g_autofree char *name = NULL, *tmp_path = NULL, *final_path = NULL;
  gsize len = length < 0 ? strlen (message) : (gsize) length;
  gint64 now = g_get_real_time ();

  if (!make_owned_dir (self, user_dir, error) || !make_owned_dir (self, root_maildir, error))
    return FALSE;
  for (const char *sub = "cur"; sub; sub = g_str_equal (sub, "cur") ? "new" : g_str_equal (sub, "new") ? "tmp" : NULL)
    {
      g_autofree char *path = g_build_filename (maildir, sub, NULL);
      if (!make_owned_dir (self, maildir, error) || !make_owned_dir (self, path, error))
        return FALSE;
    }

  name = g_strdup_printf ("%" G_GINT64_FORMAT ".M%" G_GINT64_FORMAT "P%dQ%u.casella,S=%" G_GSIZE_FORMAT,
                          now / G_USEC_PER_SEC, now % G_USEC_PER_SEC, (int) getpid (),
                          g_atomic_int_add (&counter, 1), len);
  tmp_path = g_build_filename (maildir, "tmp", name, NULL);
  if (flags != NULL)
    final_path = g_strdup_printf ("%s/cur/%s:2,%s", maildir, name, flags);
  else
    final_path = g_build_filename (maildir, "new", name, NULL);

  if (!g_file_set_contents (tmp_path, message, len, error))
    return FALSE;
  if (chown (tmp_path, self->mail_uid, self->mail_gid) != 0 || g_rename (tmp_path, final_path) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot deliver into %s", maildir);
      return FALSE;
    }
  return TRUE;
}

static const char *fill_names[] = {
  "Marta Rossi", "Luca Bianchi", "Giulia Ferrari", "Alessandro Esposito", "Chiara Romano",
  "Anna Müller", "John Smith", "Emily Clarke", "Ufficio Tributi", "Newsletter Libreria",
};
static const char *fill_subjects[] = {
  "Riunione di giovedì", "Fattura n.", "Re: Cena sabato?", "Your order has shipped",
  "Foto delle vacanze", "=?UTF-8?Q?Caff=C3=A8_domani=3F?=", "Promemoria: appuntamento dal dentista",
  "Fwd: documenti per il mutuo", "Weekly report", "Auguri di buon compleanno!",
};

/* n realistic messages straight into a Maildir (as a delivery agent
 * would, but fast): varied senders, subjects, dates and sizes. */
gboolean
casella_test_dovecot_fill (CasellaTestDovecot  *self,
                           const char          *user,
                           const char          *folder,
                           guint                n_messages,
                           GError             **error)
{
  g_autofree char *maildir = casella_test_dovecot_get_maildir (self, user, folder);
  g_autofree char *user_dir = g_build_filename (self->dir, "mail", user, NULL);
  g_autofree char *root_maildir = g_build_filename (user_dir, "Maildir", NULL);
  g_autofree char *cur = g_build_filename (maildir, "cur", NULL);
  GString *message = g_string_sized_new (2048);
  guint fill = self->fills++;
  /* Repeatable, yet a second fill brings other messages. */
  GRand *rand = g_rand_new_with_seed (42 + fill);
  gint64 base = g_get_real_time () / G_USEC_PER_SEC - (gint64) n_messages * 600;

  if (!make_owned_dir (self, user_dir, error) || !make_owned_dir (self, root_maildir, error) ||
      !make_owned_dir (self, maildir, error) || !make_owned_dir (self, cur, error))
    return FALSE;
  for (const char *sub = "new"; sub; sub = g_str_equal (sub, "new") ? "tmp" : NULL)
    {
      g_autofree char *path = g_build_filename (maildir, sub, NULL);
      if (!make_owned_dir (self, path, error))
        return FALSE;
    }

  for (guint i = 0; i < n_messages; i++)
    {
      g_autofree char *date_text = casella_test_date_header (base + (gint64) i * 600);
      g_autofree char *subject = g_strdup_printf ("%s %u", fill_subjects[i % G_N_ELEMENTS (fill_subjects)], i);
      const char *name = fill_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (fill_names))];
      g_autofree char *path = NULL;
      guint paragraphs = g_rand_int_range (rand, 1, 12);

      g_string_truncate (message, 0);
      g_string_append_printf (message,
                              "Return-Path: <sender%u@example.test>\r\n"
                              "From: %s <sender%u@example.test>\r\n"
                              "To: %s\r\n"
                              "%s"
                              "Subject: %s\r\n"
                              "Date: %s\r\n"
                              "Message-ID: <fill.%u.%u@example.test>\r\n"
                              "MIME-Version: 1.0\r\n"
                              "Content-Type: text/plain; charset=utf-8\r\n"
                              "Content-Transfer-Encoding: 8bit\r\n"
                              "\r\n",
                              i % 97, name, i % 97, user,
                              i % 5 == 0 ? "Cc: Team <team@example.test>, Boss <boss@example.test>\r\n" : "",
                              subject, date_text, i, g_rand_int (rand));
      for (guint p = 0; p < paragraphs; p++)
        g_string_append (message, "Ciao, ti scrivo per confermare quanto detto al telefono. "
                                  "Grazie mille e a presto – Lorem ipsum dolor sit amet.\r\n");

      path = g_strdup_printf ("%s/%" G_GINT64_FORMAT ".M%uF%uP%d.fill,S=%" G_GSIZE_FORMAT ":2,%s", cur,
                              base + (gint64) i * 600, i, fill, (int) getpid (), message->len,
                              g_rand_boolean (rand) ? "S" : "");
      /* No fsync per file: this is test data, and 100,000 of them. */
      FILE *file = fopen (path, "wb");
      gboolean written = file != NULL && fwrite (message->str, 1, message->len, file) == message->len;

      if (file != NULL)
        written = fclose (file) == 0 && written;
      if (!written || chown (path, self->mail_uid, self->mail_gid) != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write %s", path);
          g_string_free (message, TRUE);
          g_rand_free (rand);
          return FALSE;
        }
    }
  g_string_free (message, TRUE);
  g_rand_free (rand);
  return TRUE;
}

gboolean
casella_test_dovecot_doveadm (CasellaTestDovecot  *self,
                              const char * const  *args,
                              char               **output,
                              GError             **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *out = NULL, *err = NULL;

  g_strv_builder_add_many (builder, find_doveadm (), "-c", self->config, NULL);
  g_strv_builder_addv (builder, (const char **) args);
  argv = g_strv_builder_end (builder);

  process = g_subprocess_newv ((const char * const *) argv,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  if (process == NULL || !g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, error))
    return FALSE;
  if (!g_subprocess_get_successful (process))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "doveadm %s failed: %s", args[0], err);
      return FALSE;
    }
  if (output)
    *output = g_steal_pointer (&out);
  return TRUE;
}

gboolean
casella_test_dovecot_has_folder (CasellaTestDovecot *self,
                                 const char         *user,
                                 const char         *name)
{
  const char *args[] = { "mailbox", "list", "-u", user, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;

  casella_test_dovecot_doveadm (self, args, &out, &error);
  g_assert_no_error (error);
  lines = g_strsplit (out, "\n", -1);
  return g_strv_contains ((const char * const *) lines, name);
}
