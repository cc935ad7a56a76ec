/* casella-oauth2-provider.h — who signs people in with OAuth2, and how
 *
 * The facts come from the bundled oauth2.ini; the client ID and secret
 * from the build (each packager registers its own).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-mail-config.h"

G_BEGIN_DECLS

typedef enum {
  CASELLA_SASL_XOAUTH2,
  CASELLA_SASL_OAUTHBEARER,
} CasellaSaslMechanism;

#define CASELLA_TYPE_OAUTH2_PROVIDER (casella_oauth2_provider_get_type ())

typedef struct _CasellaOAuth2Provider CasellaOAuth2Provider;
struct _CasellaOAuth2Provider
{
  gatomicrefcount  ref_count;
  char            *id;               /* "google" */
  char            *name;             /* "Google": "Sign in with Google" */
  GStrv            providers;        /* provider database ids that use it */
  char            *authorize_url;
  char            *token_url;
  char            *revoke_url;       /* NULL: none */
  GStrv            scopes[3];        /* per CasellaProtocol */
  GStrv            params;           /* "key=value" for the authorization request */
  GArray          *mechanisms;       /* CasellaSaslMechanism, preferred first */
  gboolean         app_passwords;    /* an app password works too */
  char            *client_id;        /* "" when this build has none */
  char            *client_secret;    /* "" when none is needed */
  GTlsDatabase    *tls_database;     /* NULL: the system's (CaFile=, in test files only) */
};

GType                  casella_oauth2_provider_get_type        (void) G_GNUC_CONST;
CasellaOAuth2Provider *casella_oauth2_provider_ref             (CasellaOAuth2Provider *self);
void                   casella_oauth2_provider_unref           (CasellaOAuth2Provider *self);
/* The bundled provider whose group is id, or NULL. */
CasellaOAuth2Provider *casella_oauth2_provider_lookup          (const char            *id);
/* The one that signs in for this provider database entry, or NULL. */
CasellaOAuth2Provider *casella_oauth2_provider_for_mail_provider (const char          *mail_provider_id);
/* TRUE when this build carries a client ID for it. */
gboolean               casella_oauth2_provider_is_usable       (const CasellaOAuth2Provider *self);
/* Scopes for the protocols used, space-separated, each once. */
char                  *casella_oauth2_provider_dup_scope       (const CasellaOAuth2Provider *self,
                                                                const CasellaProtocol *protocols,
                                                                guint                  n_protocols);
/* Providers from a key file in oauth2.ini's form, with ClientId=,
 * ClientSecret= and CaFile= (the only CA its endpoints are trusted by)
 * keys of their own. They come before the bundled ones:
 * for tests, pointing at their own authorization server, and for the
 * hidden --oauth2-providers option of casella-cli. */
gboolean               casella_oauth2_provider_add_from_file   (const char            *path,
                                                                GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaOAuth2Provider, casella_oauth2_provider_unref)

G_END_DECLS
