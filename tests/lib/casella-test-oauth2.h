/* casella-test-oauth2.h — the tests' own OAuth2 authorization server
 *
 * HTTPS with the test CA: an authorization endpoint with a consent page
 * (Allow / Deny), a token endpoint (authorization_code with PKCE S256,
 * refresh_token), revocation; and on plain loopback HTTP the
 * introspection endpoint Dovecot's oauth2 passdb asks about each token.
 * Access tokens live a few seconds, so refreshes happen inside a test.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-test-dovecot.h"
#include "casella-test-smtp.h"

G_BEGIN_DECLS

typedef struct _CasellaTestOAuth2 CasellaTestOAuth2;

/* What the consent page's script does in a real browser. */
typedef enum {
  CASELLA_TEST_CONSENT_ALLOW,
  CASELLA_TEST_CONSENT_DENY,
  CASELLA_TEST_CONSENT_WAIT,   /* nothing: the user walked away */
} CasellaTestConsent;

#define CASELLA_TEST_OAUTH2_CLIENT_ID "casella-test-client"

CasellaTestOAuth2 *casella_test_oauth2_new                (void);
/* For tokens issued from now on. Default: 600 s. */
void               casella_test_oauth2_set_access_lifetime (CasellaTestOAuth2 *self,
                                                           guint              seconds);
/* Each refresh also brings a new refresh token, the old one dies (as
 * Microsoft does). */
void               casella_test_oauth2_set_rotate          (CasellaTestOAuth2 *self,
                                                           gboolean           rotate);
void               casella_test_oauth2_set_consent         (CasellaTestOAuth2 *self,
                                                           CasellaTestConsent consent);
gboolean           casella_test_oauth2_start               (CasellaTestOAuth2 *self,
                                                           GError           **error);
void               casella_test_oauth2_free                (CasellaTestOAuth2 *self);
char              *casella_test_oauth2_get_url             (CasellaTestOAuth2 *self,
                                                           const char        *path);
char              *casella_test_oauth2_get_introspect_url  (CasellaTestOAuth2 *self);
/* Writes an oauth2.ini-style file naming this server for the provider
 * database entries mail_provider_ids (";"-separated); returns its path. */
char              *casella_test_oauth2_write_providers     (CasellaTestOAuth2 *self,
                                                           const char        *dir,
                                                           const char        *mail_provider_ids);
/* Acts as the user in a browser without one, blocking: opens uri and
 * answers the consent page; with follow, goes on to the app's listener,
 * else returns the redirect's Location (the app not reached yet). */
char              *casella_test_oauth2_consent             (const char        *uri,
                                                           gboolean           allow,
                                                           gboolean           follow);
/* Acts as the user in a browser without one: opens uri, answers the
 * consent page (allow or deny) and follows the redirect to the app's
 * listener. Runs in a thread; returns at once. */
void               casella_test_oauth2_consent_in_thread   (CasellaTestOAuth2 *self,
                                                           const char        *uri,
                                                           gboolean           allow);
/* Every token issued to user dies: refreshing gives invalid_grant. */
void               casella_test_oauth2_revoke_user         (CasellaTestOAuth2 *self,
                                                           const char        *user);
/* Access tokens issued so far stop working (as if expired early). */
void               casella_test_oauth2_expire_access       (CasellaTestOAuth2 *self);
guint              casella_test_oauth2_count_grants        (CasellaTestOAuth2 *self,
                                                           const char        *grant_type);
/* How many tokens were revoked through the revocation endpoint. */
guint              casella_test_oauth2_count_revoked       (CasellaTestOAuth2 *self);
/* Every token the server issued, for scanning files for them. */
GStrv              casella_test_oauth2_dup_tokens          (CasellaTestOAuth2 *self);
/* The last authorization request's query parameter, or NULL. */
char              *casella_test_oauth2_dup_last_param      (CasellaTestOAuth2 *self,
                                                           const char        *name);

/* Makes Debian's chromium (headless, tests/lib/casella-test-browser)
 * the session's default web browser, trusting the test server's key and
 * nothing else. Call before anything asks GIO for applications. */
void               casella_test_install_browser            (void);
/* The addresses the browser was asked to open since install (a new
 * array; empty when none). */
GStrv              casella_test_browser_urls               (void);
/* Ends the browsers started since (those still running); returns how
 * many were started. */
guint              casella_test_stop_browsers              (void);

/* The whole OAuth2 world of a test, started: the authorization server;
 * a Dovecot whose IMAP, POP3 and submission check every token there
 * (without Dovecot's penalty for refused sign-ins, which tests make on
 * purpose), relaying to an SMTP sink; and the providers file naming the
 * server for "example.test" (for casella_oauth2_provider_add_from_file
 * or casella-cli's --oauth2-providers=). */
typedef struct {
  CasellaTestOAuth2  *server;
  CasellaTestSmtp    *sink;
  CasellaTestDovecot *dovecot;
  char               *dir;
  char               *providers;
} CasellaTestOAuth2World;

CasellaTestOAuth2World *casella_test_oauth2_world_new  (void);
void                    casella_test_oauth2_world_free (CasellaTestOAuth2World *world);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaTestOAuth2, casella_test_oauth2_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaTestOAuth2World, casella_test_oauth2_world_free)

G_END_DECLS
