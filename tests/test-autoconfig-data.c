/* test-autoconfig-data.c — the bundled provider database, the config-v1.1
 * reader (every ISPDB file, and hostile ones), addresses and placeholders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-config-xml.h"
#include "casella-engine.h"
#include "casella-provider-db.h"

static CasellaMailConfig *
bundled (const char *address)
{
  g_autofree char *domain = casella_address_get_domain (address);
  g_autoptr(CasellaMailConfig) templ = casella_provider_db_lookup (casella_provider_db_get_default (), domain);

  return templ ? casella_mail_config_resolve (templ, address) : NULL;
}

static void
assert_server (CasellaServerConfig *server,
               const char          *host,
               guint16              port,
               CasellaSecurity      security,
               const char          *username)
{
  g_assert_nonnull (server);
  g_assert_cmpstr (server->host, ==, host);
  g_assert_cmpuint (server->port, ==, port);
  g_assert_cmpint (server->security, ==, security);
  g_assert_cmpstr (server->username, ==, username);
}

static void
test_bundled_lookups (void)
{
  g_autoptr(CasellaMailConfig) libero = bundled ("mario.rossi@libero.it");
  g_autoptr(CasellaMailConfig) iol = bundled ("anna@IOL.it");
  g_autoptr(CasellaMailConfig) gmail = bundled ("someone@gmail.com");
  g_autoptr(CasellaMailConfig) pec = bundled ("studio@pec.it");
  g_autoptr(CasellaMailConfig) tin = bundled ("nonna@tin.it");
  g_autoptr(CasellaMailConfig) legal = bundled ("avvocato@legalmail.it");
  g_autoptr(CasellaMailConfig) proton = bundled ("me@proton.me");
  g_autoptr(CasellaMailConfig) icloud = bundled ("user@icloud.com");
  g_autoptr(CasellaMailConfig) outlook = bundled ("someone@hotmail.it");
  g_autoptr(CasellaMailConfig) fastmail = bundled ("x@fastmail.com");
  g_autoptr(CasellaMailConfig) none = bundled ("who@nowhere.example.test");

  g_assert_cmpuint (casella_provider_db_get_n_domains (casella_provider_db_get_default ()), >=, 977);

  g_assert_nonnull (libero);
  g_assert_cmpstr (libero->provider_name, ==, "Libero Mail");
  g_assert_cmpint (libero->source, ==, CASELLA_SOURCE_BUNDLED);
  g_assert_cmpint (libero->trust, ==, CASELLA_TRUST_BUNDLED);
  assert_server (casella_mail_config_get_incoming (libero, CASELLA_PROTOCOL_IMAP),
                 "imapmail.libero.it", 993, CASELLA_SECURITY_TLS, "mario.rossi@libero.it");
  assert_server (casella_mail_config_get_incoming (libero, CASELLA_PROTOCOL_POP3),
                 "popmail.libero.it", 995, CASELLA_SECURITY_TLS, "mario.rossi@libero.it");
  assert_server (casella_mail_config_get_outgoing (libero), "smtp.libero.it", 465, CASELLA_SECURITY_TLS,
                 "mario.rossi@libero.it");
  g_assert_true (libero->needs & CASELLA_NEEDS_APP_PASSWORD_WITH_2FA);
  g_assert_true (casella_mail_config_is_complete (libero));
  g_assert_nonnull (iol);
  g_assert_cmpstr (iol->provider_id, ==, "libero.it");

  g_assert_true (gmail->needs & CASELLA_NEEDS_APP_PASSWORD);
  g_assert_false (gmail->needs & CASELLA_NEEDS_ENABLE_ACCESS);   /* the stale ISPDB hint is corrected */
  g_assert_cmpstr (gmail->app_password_url, ==, "https://myaccount.google.com/apppasswords");

  /* The ISPDB's POP3 port 993 for Aruba PEC is corrected to 995. */
  assert_server (casella_mail_config_get_incoming (pec, CASELLA_PROTOCOL_POP3),
                 "pop3s.pec.aruba.it", 995, CASELLA_SECURITY_TLS, "studio@pec.it");
  assert_server (casella_mail_config_get_incoming (tin, CASELLA_PROTOCOL_IMAP),
                 "imaps.tin.it", 143, CASELLA_SECURITY_STARTTLS, "nonna@tin.it");
  g_assert_true (legal->needs & CASELLA_NEEDS_USERNAME_IS_USER_ID);
  g_assert_null (casella_mail_config_get_incoming (legal, CASELLA_PROTOCOL_IMAP)->username);
  assert_server (casella_mail_config_get_incoming (proton, CASELLA_PROTOCOL_IMAP),
                 "127.0.0.1", 1143, CASELLA_SECURITY_STARTTLS, "me@proton.me");
  g_assert_true (proton->needs & CASELLA_NEEDS_BRIDGE_PASSWORD);
  /* iCloud: the IMAP user name is the local part, SMTP's the address. */
  g_assert_cmpstr (casella_mail_config_get_incoming (icloud, CASELLA_PROTOCOL_IMAP)->username, ==, "user");
  g_assert_true (outlook->needs & CASELLA_NEEDS_OAUTH2_ONLY);
  g_assert_nonnull (fastmail);
  g_assert_null (none);
}

static void
test_placeholders_everywhere (void)
{
  g_autoptr(CasellaMailConfig) inbox = bundled ("janis@inbox.lv");
  g_autofree char *unclosed = casella_substitute_placeholders ("%EMAILADDRESS", "a@b.c");
  g_autofree char *all = casella_substitute_placeholders ("%EMAILLOCALPART%.%EMAILDOMAIN%", "a.b@Mail.Example");

  /* inbox.lv uses mail.%EMAILDOMAIN% as a host name. */
  g_assert_nonnull (inbox);
  for (guint i = 0; i < inbox->incoming->len; i++)
    g_assert_null (strchr (((CasellaServerConfig *) inbox->incoming->pdata[i])->host, '%'));
  g_assert_cmpstr (unclosed, ==, "a@b.c");
  g_assert_cmpstr (all, ==, "a.b.mail.example");
}

static void
test_addresses (void)
{
  static const char *good[] = { "mario.rossi@libero.it", "a@b.co", "first+tag@sub.example.org",
                                "nonna@città.it", "x_y-z@xn--citt-5qa.it" };
  static const char *bad[] = { "", "mario", "mario@", "@libero.it", "mario@libero", "ma rio@libero.it",
                               "mario@@libero.it", "mario@.libero.it", "mario@libero..it", ".mario@libero.it",
                               "mario.@libero.it", "mario@-libero.it", "mario@libero.123", "<m@x.it>" };
  g_autofree char *domain = casella_address_get_domain ("Mario@Libero.IT");
  g_autofree char *local = casella_address_get_local_part ("Mario@Libero.IT");

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (casella_address_is_valid (good[i]));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (casella_address_is_valid (bad[i]));
  g_assert_cmpstr (domain, ==, "libero.it");
  g_assert_cmpstr (local, ==, "Mario");
}

static void
test_host_approval (void)
{
  g_autoptr(CasellaMailConfig) gmail = bundled ("someone@googlemail.com");
  g_autoptr(CasellaMailConfig) guessed = casella_mail_config_new (CASELLA_SOURCE_MX);
  g_autoptr(CasellaMailConfig) outlook = bundled ("someone@hotmail.it");

  /* The provider's own hosts, even in another of its domains. */
  g_assert_true (casella_mail_config_host_is_own (gmail, "someone@googlemail.com", "imap.gmail.com"));
  g_assert_true (casella_mail_config_host_is_own (outlook, "someone@hotmail.it", "outlook.office365.com"));
  /* A guess that leads outside the address's domain must be approved. */
  g_assert_true (casella_mail_config_host_is_own (guessed, "me@example.org", "mail.example.org"));
  g_assert_false (casella_mail_config_host_is_own (guessed, "me@example.org", "imap.fastmail.com"));
  g_assert_false (casella_mail_config_host_is_own (guessed, "me@example.org", "evilexample.org"));
  g_assert_false (casella_mail_config_host_is_own (gmail, "someone@googlemail.com", "imap.gmail.com.evil.test"));
}

static void
test_every_ispdb_file (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "data", "ispdb", NULL);
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  guint files = 0, domains = 0, servers = 0;

  g_assert_nonnull (listing);
  while ((name = g_dir_read_name (listing)))
    {
      g_autofree char *path = NULL, *data = NULL;
      g_autoptr(CasellaMailConfig) config = NULL;
      g_autoptr(GError) error = NULL;
      gsize length;

      if (!g_str_has_suffix (name, ".xml"))
        continue;
      path = g_build_filename (dir, name, NULL);
      g_assert_true (g_file_get_contents (path, &data, &length, NULL));
      config = casella_config_xml_parse (data, length, CASELLA_SOURCE_ISPDB, &error);
      if (error)
        g_error ("%s: %s", name, error->message);
      g_assert_nonnull (config->provider_id);
      g_assert_nonnull (config->provider_domains[0]);
      files++;
      domains += g_strv_length (config->provider_domains);
      servers += config->incoming->len + config->outgoing->len;
    }
  g_test_message ("%u files, %u domains, %u usable servers", files, domains, servers);
  g_assert_cmpuint (files, ==, 163);
  g_assert_cmpuint (domains, >=, 962);
}

static void
test_quirks (void)
{
  const char *enable_outside =
    "\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!-- comment -->\n<clientConfig version=\"1.1\">"
    "<emailProvider id=\"x.test\"><domain>X.test</domain><displayNameShort>X</displayNameShort>"
    "<incomingServer type=\"imap\"><hostname>imap.%EMAILDOMAIN%</hostname><port>993</port>"
    "<socketType>SSL</socketType><authentication>password-cleartext</authentication></incomingServer>"
    "<incomingServer type=\"exchange\"><hostname>ews.x.test</hostname><port>443</port><socketType>SSL</socketType></incomingServer>"
    "<incomingServer type=\"pop3\"><hostname>pop.x.test</hostname><port>99999</port><socketType>SSL</socketType></incomingServer>"
    "<incomingServer type=\"pop3\"><hostname>pop.x.test</hostname><port>abc</port><socketType>SSL</socketType></incomingServer>"
    "<incomingServer type=\"pop3\"><hostname>pop.x.test</hostname><port>995</port><socketType>weird</socketType></incomingServer>"
    "<outgoingServer type=\"smtp\"><hostname>smtp.x.test</hostname><port>587</port><socketType>STARTTLS</socketType>"
    "<username>%EMAILADDRESS</username><authentication>OAuth2</authentication><authentication>password-cleartext</authentication>"
    "</outgoingServer></emailProvider><enable visiturl=\"https://x.test/enable\"/></clientConfig>";
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaMailConfig) templ = casella_config_xml_parse (enable_outside, strlen (enable_outside),
                                                                 CASELLA_SOURCE_AUTOCONFIG, &error);
  g_autoptr(CasellaMailConfig) config = NULL;
  CasellaServerConfig *smtp;

  g_assert_no_error (error);
  g_assert_cmpstr (templ->provider_short_name, ==, "X");
  g_assert_cmpstr (templ->provider_domains[0], ==, "x.test");
  /* Exchange, a port out of range, a port that is no number and an
   * unknown security mode: all dropped rather than guessed. */
  g_assert_cmpuint (templ->incoming->len, ==, 1);
  g_assert_cmpstr (templ->enable_url, ==, "https://x.test/enable");
  g_assert_true (templ->needs & CASELLA_NEEDS_ENABLE_ACCESS);
  g_assert_cmpint (templ->trust, ==, CASELLA_TRUST_PROVIDER);

  config = casella_mail_config_resolve (templ, "me@x.test");
  g_assert_cmpstr (((CasellaServerConfig *) config->incoming->pdata[0])->host, ==, "imap.x.test");
  g_assert_null (((CasellaServerConfig *) config->incoming->pdata[0])->username);
  smtp = casella_mail_config_get_outgoing (config);
  g_assert_cmpstr (smtp->username, ==, "me@x.test");
  g_assert_cmpint (smtp->auth, ==, CASELLA_AUTH_OAUTH2 | CASELLA_AUTH_PASSWORD);
}

static void
test_hostile (void)
{
  static const struct { const char *xml; int code; } cases[] = {
    { "<html><body>Not found</body></html>", CASELLA_CONFIG_XML_ERROR_NOT_AUTOCONFIG },
    { "<clientConfig><emailProvider><domain>x</domain></emailProvider></clientConfig>",
      CASELLA_CONFIG_XML_ERROR_NO_SERVERS },
    { "<clientConfig><emailProvider><incomingServer type=\"imap\">", CASELLA_CONFIG_XML_ERROR_MALFORMED },
    { "<clientConfig><a></b></clientConfig>", CASELLA_CONFIG_XML_ERROR_MALFORMED },
    { "", CASELLA_CONFIG_XML_ERROR_MALFORMED },
    { "\xff\xfe<\0c\0", CASELLA_CONFIG_XML_ERROR_MALFORMED },
    /* Entities are not expanded: no billion laughs. */
    { "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]>"
      "<clientConfig><emailProvider><displayName>&lol2;</displayName></emailProvider></clientConfig>",
      CASELLA_CONFIG_XML_ERROR_MALFORMED },
  };
  GString *deep = g_string_new ("<clientConfig>");
  GString *huge = g_string_new ("<clientConfig>");
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) e = NULL;
      g_autoptr(CasellaMailConfig) config = casella_config_xml_parse (cases[i].xml, strlen (cases[i].xml) + (i == 5 ? 4 : 0),
                                                                      CASELLA_SOURCE_HTTP, &e);
      g_assert_null (config);
      g_assert_error (e, CASELLA_CONFIG_XML_ERROR, cases[i].code);
    }

  for (int i = 0; i < 10000; i++)
    g_string_append (deep, "<a>");
  g_assert_null (casella_config_xml_parse (deep->str, deep->len, CASELLA_SOURCE_HTTP, &error));
  g_assert_error (error, CASELLA_CONFIG_XML_ERROR, CASELLA_CONFIG_XML_ERROR_TOO_DEEP);
  g_clear_error (&error);

  while (huge->len <= CASELLA_CONFIG_XML_MAX_SIZE)
    g_string_append (huge, "<!-- padding padding padding padding padding padding padding -->");
  g_assert_null (casella_config_xml_parse (huge->str, huge->len, CASELLA_SOURCE_HTTP, &error));
  g_assert_error (error, CASELLA_CONFIG_XML_ERROR, CASELLA_CONFIG_XML_ERROR_TOO_LARGE);

  g_string_free (deep, TRUE);
  g_string_free (huge, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  casella_engine_init ();

  g_test_add_func ("/autoconfig/bundled/lookups", test_bundled_lookups);
  g_test_add_func ("/autoconfig/bundled/placeholders", test_placeholders_everywhere);
  g_test_add_func ("/autoconfig/addresses", test_addresses);
  g_test_add_func ("/autoconfig/host-approval", test_host_approval);
  g_test_add_func ("/autoconfig/xml/every-ispdb-file", test_every_ispdb_file);
  g_test_add_func ("/autoconfig/xml/quirks", test_quirks);
  g_test_add_func ("/autoconfig/xml/hostile", test_hostile);

  return g_test_run ();
}
