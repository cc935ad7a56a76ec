/* casella-setup-problem.c — engine errors turned into guidance
 *
 * The engine says what went wrong as an error code; this is the one
 * place that decides what a person is told about it and offered to do.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-mail-error.h"
#include "casella-setup-problem.h"

static CasellaSetupProblem *
problem_new (CasellaSetupFix  fix,
             const char      *title,
             char            *description)
{
  CasellaSetupProblem *problem = g_new0 (CasellaSetupProblem, 1);

  problem->fix = fix;
  problem->title = g_strdup (title);
  problem->description = description;
  return problem;
}

void
casella_setup_problem_free (CasellaSetupProblem *problem)
{
  if (problem == NULL)
    return;
  g_free (problem->title);
  g_free (problem->description);
  g_free (problem->link);
  g_free (problem->link_label);
  g_free (problem->details);
  g_free (problem);
}

static char *
provider_name (const CasellaMailConfig *config,
               const char              *address)
{
  if (config != NULL && config->provider_name != NULL)
    return g_strdup (config->provider_name);
  return casella_address_get_domain (address);
}

static void
set_link (CasellaSetupProblem *problem,
          const char          *url,
          const char          *label)
{
  if (url == NULL || !g_str_has_prefix (url, "https://"))
    return;
  problem->link = g_strdup (url);
  problem->link_label = g_strdup (label);
}

/* Straight to the page that makes one when known, else the help page. */
static void
set_app_password_link (CasellaSetupProblem     *problem,
                       const CasellaMailConfig *config)
{
  if (config->app_password_url != NULL)
    set_link (problem, config->app_password_url, _("Create an App Password"));
  else
    set_link (problem, config->documentation_url, _("Read the Help Page"));
}

static CasellaSetupProblem *
wrong_password (const CasellaMailConfig *config,
                const char              *provider)
{
  CasellaSetupProblem *problem;

  if (config != NULL && (config->needs & (CASELLA_NEEDS_APP_PASSWORD | CASELLA_NEEDS_APP_PASSWORD_WITH_2FA)))
    {
      problem = problem_new (CASELLA_SETUP_FIX_APP_PASSWORD, _("The Password Didn’t Work"),
                             g_strdup_printf (_("If you use two-step verification, %s lets mail apps in only with an "
                                                "app password: a separate password you create on its website. "
                                                "Type that password here, or check your usual one."), provider));
      set_app_password_link (problem, config);
      return problem;
    }
  return problem_new (CASELLA_SETUP_FIX_PASSWORD, _("The Password Didn’t Work"),
                      g_strdup_printf (_("%s didn’t accept this email address and password. Type the password again, "
                                         "and check that Caps Lock is off."), provider));
}

static CasellaSetupProblem *
app_password (const CasellaMailConfig *config,
              const char              *provider)
{
  CasellaSetupProblem *problem =
    problem_new (CASELLA_SETUP_FIX_APP_PASSWORD, _("An App Password Is Needed"),
                 g_strdup_printf (_("%s lets mail apps in only with an app password: a separate password you "
                                    "create on its website, instead of your usual one. Create one, then type it "
                                    "here."), provider));

  if (config != NULL)
    set_app_password_link (problem, config);
  return problem;
}

static CasellaSetupProblem *
access_disabled (const CasellaMailConfig *config,
                 const char              *provider)
{
  CasellaSetupProblem *problem =
    problem_new (CASELLA_SETUP_FIX_ENABLE_ACCESS, _("Mail Apps Are Switched Off"),
                 g_strdup_printf (_("%s keeps mail apps out of your account until you let them in. Open your "
                                    "%s settings on the web, switch on access for mail apps (it may be called "
                                    "IMAP or POP3), then try again."), provider, provider));

  if (config != NULL && config->enable_url != NULL)
    set_link (problem, config->enable_url, _("Open Your Mail Settings"));
  else if (config != NULL)
    set_link (problem, config->documentation_url, _("Read the Help Page"));
  return problem;
}

static CasellaSetupProblem *
unreachable (int         code,
             const char *host)
{
  const char *title = _("Can’t Reach the Server");

  switch (code)
    {
    case CASELLA_MAIL_ERROR_HOST_NOT_FOUND:
      return problem_new (CASELLA_SETUP_FIX_RETRY, title,
                          g_strdup_printf (_("Casella couldn’t find the server %s. Check that you are online and "
                                             "that the server name is right."), host));
    case CASELLA_MAIL_ERROR_TIMEOUT:
      return problem_new (CASELLA_SETUP_FIX_RETRY, title,
                          g_strdup_printf (_("%s took too long to answer. Your connection may be slow or down; "
                                             "try again in a moment."), host));
    case CASELLA_MAIL_ERROR_CONNECTION_LOST:
      return problem_new (CASELLA_SETUP_FIX_RETRY, title,
                          g_strdup_printf (_("The connection to %s broke off. Try again in a moment."), host));
    default:
      return problem_new (CASELLA_SETUP_FIX_RETRY, title,
                          g_strdup_printf (_("%s didn’t answer. It may be down for a while, or the settings may "
                                             "be wrong."), host));
    }
}

static CasellaSetupProblem *
encryption (int         code,
            const char *host)
{
  if (code == CASELLA_MAIL_ERROR_TLS_FAILED)
    return problem_new (CASELLA_SETUP_FIX_SETTINGS, _("Can’t Make a Secure Connection"),
                        g_strdup_printf (_("Casella couldn’t encrypt the connection to %s. Check the security "
                                           "setting and the port."), host));
  return problem_new (CASELLA_SETUP_FIX_SETTINGS, _("The Server Won’t Encrypt"),
                      g_strdup_printf (_("%s wouldn’t switch on encryption, so Casella stopped before sending "
                                         "your password. Check the security setting and the port, or ask your "
                                         "provider."), host));
}

static CasellaSetupProblem *
from_mail_error (const GError               *error,
                 const CasellaVerifyFailure *failure,
                 const CasellaMailConfig    *config,
                 const char                 *provider)
{
  const char *host = failure != NULL && failure->host != NULL ? failure->host : provider;

  switch (error->code)
    {
    case CASELLA_MAIL_ERROR_AUTH_FAILED:
      return wrong_password (config, provider);
    case CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED:
      return app_password (config, provider);
    case CASELLA_MAIL_ERROR_PROTOCOL_DISABLED:
      return access_disabled (config, provider);
    case CASELLA_MAIL_ERROR_OAUTH_REQUIRED:
      return problem_new (CASELLA_SETUP_FIX_UNSUPPORTED, _("Sign-In Through the Provider’s Page Needed"),
                          g_strdup_printf (_("%s only lets you sign in through its own web page. Casella can’t do "
                                             "that yet, so this account can’t be added for now. We’re sorry."),
                                           provider));
    case CASELLA_MAIL_ERROR_AUTH_MECHANISM_UNSUPPORTED:
      return problem_new (CASELLA_SETUP_FIX_SETTINGS, _("No Safe Way to Sign In"),
                          g_strdup_printf (_("%s offers no way of signing in that Casella can use safely on this "
                                             "connection. Check the security setting."), host));
    case CASELLA_MAIL_ERROR_CERTIFICATE_UNTRUSTED:
      return problem_new (CASELLA_SETUP_FIX_CERTIFICATE, _("Is This the Right Server?"),
                          g_strdup_printf (_("%s showed an identity card (a certificate) that your computer can’t "
                                             "confirm. Someone could be pretending to be your server. Trust it "
                                             "only if you know this server, for example because your company "
                                             "runs it."), host));
    case CASELLA_MAIL_ERROR_TLS_FAILED:
    case CASELLA_MAIL_ERROR_STARTTLS_MISSING:
    case CASELLA_MAIL_ERROR_STARTTLS_FAILED:
      return encryption (error->code, host);
    case CASELLA_MAIL_ERROR_CONNECTION_REFUSED:
    case CASELLA_MAIL_ERROR_HOST_NOT_FOUND:
    case CASELLA_MAIL_ERROR_TIMEOUT:
    case CASELLA_MAIL_ERROR_CONNECTION_LOST:
      return unreachable (error->code, host);
    default:
      return problem_new (CASELLA_SETUP_FIX_SETTINGS, _("Something Went Wrong"),
                          g_strdup_printf (_("%s answered in a way Casella didn’t expect. Check the settings, or "
                                             "try again later."), host));
    }
}

CasellaSetupProblem *
casella_setup_problem_new (const GError               *error,
                           const CasellaVerifyFailure *failure,
                           const CasellaMailConfig    *config,
                           const char                 *address)
{
  g_autofree char *provider = provider_name (config, address);
  g_autofree char *domain = casella_address_get_domain (address);
  CasellaSetupProblem *problem;

  g_return_val_if_fail (error != NULL, NULL);

  if (g_error_matches (error, CASELLA_VERIFY_ERROR, CASELLA_VERIFY_ERROR_APPROVAL_REQUIRED))
    {
      const char *host = failure != NULL && failure->host != NULL ? failure->host : "";
      g_autofree char *title = g_strdup_printf (_("Send Your Password to %s?"), host);

      problem = problem_new (CASELLA_SETUP_FIX_APPROVE_HOST, title,
                             g_strdup_printf (_("These settings send your password to %s, which is not part of "
                                                "%s. Agree only if your provider told you to use this server."),
                                              host, domain));
    }
  else if (error->domain == CASELLA_MAIL_ERROR)
    problem = from_mail_error (error, failure, config, provider);
  else
    problem = problem_new (CASELLA_SETUP_FIX_SETTINGS, _("Some Settings Are Missing"),
                           g_strdup (_("Casella needs a server for receiving and one for sending mail. Fill them in "
                                       "and check again.")));
  problem->details = g_strdup (error->message);
  return problem;
}

CasellaSetupProblem *
casella_setup_problem_new_keyring (const GError *error)
{
  CasellaSetupProblem *problem =
    problem_new (CASELLA_SETUP_FIX_KEYRING, _("Couldn’t Keep Your Password Safe"),
                 g_strdup (_("Casella keeps passwords in your keyring, and the keyring didn’t answer. Nothing was "
                             "saved. Unlock your keyring, then try again.")));

  problem->details = g_strdup (error->message);
  return problem;
}

CasellaSetupProblem *
casella_setup_problem_new_sign_in (const GError *error,
                                   const char   *provider,
                                   const char   *address)
{
  CasellaSetupProblem *problem =
    problem_new (CASELLA_SETUP_FIX_SIGN_IN, _("Signing In Didn’t Work"),
                 g_strdup_printf (_("%s didn’t let Casella in with that sign-in. Sign in again, and choose the "
                                    "account %s on %s’s page."), provider, address, provider));

  problem->details = g_strdup (error->message);
  return problem;
}

/* ---- certificates ---- */

GBytes *
casella_certificate_get_der (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  g_object_get (certificate, "certificate", &der, NULL);
  return der != NULL ? g_bytes_new (der->data, der->len) : NULL;
}

char *
casella_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GBytes) der = casella_certificate_get_der (certificate);
  g_autofree char *hex = NULL;
  GString *out;

  if (der == NULL)
    return NULL;
  hex = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, der);
  out = g_string_sized_new (96);
  for (const char *p = hex; p[0] && p[1]; p += 2)
    {
      if (out->len > 0)
        g_string_append_c (out, ':');
      g_string_append_c (out, g_ascii_toupper (p[0]));
      g_string_append_c (out, g_ascii_toupper (p[1]));
    }
  return g_string_free (out, FALSE);
}

/* "CN=Mail Server,O=Example" → "Mail Server (Example)": the names a
 * person recognises, the rest left out. */
static char *
readable_name (const char *dn)
{
  g_auto(GStrv) parts = NULL;
  const char *cn = NULL, *org = NULL;

  if (dn == NULL)
    return g_strdup (_("Unknown"));
  parts = g_strsplit (dn, ",", -1);
  for (guint i = 0; parts[i]; i++)
    {
      const char *part = g_strstrip (parts[i]);
      if (g_str_has_prefix (part, "CN="))
        cn = part + 3;
      else if (g_str_has_prefix (part, "O="))
        org = part + 2;
    }
  if (cn && org)
    return g_strdup_printf ("%s (%s)", cn, org);
  return g_strdup (cn ? cn : org ? org : dn);
}

/* The month in words: "03/04/2027" reads differently in Rome and in
 * Boston. */
static char *
format_date (GDateTime *date)
{
  g_autoptr(GDateTime) local = NULL;

  if (date == NULL)
    return g_strdup (_("Unknown"));
  local = g_date_time_to_local (date);
  /* Translators: a certificate's first or last valid day; see strftime */
  return g_date_time_format (local, _("%-d %B %Y"));
}

static char *
certificate_reason (GTlsCertificateFlags  errors,
                    const char           *host)
{
  GString *reason = g_string_new (NULL);

  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    g_string_append (reason, _("No authority your computer knows vouches for it. That is usual for a server "
                               "someone runs on their own, and also what an impostor would show."));
  if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    {
      g_autofree char *text = g_strdup_printf (_("It was made for a different server name, not for %s."), host);
      g_string_append_printf (reason, "%s%s", reason->len ? " " : "", text);
    }
  if (errors & G_TLS_CERTIFICATE_EXPIRED)
    g_string_append_printf (reason, "%s%s", reason->len ? " " : "", _("It has expired."));
  if (errors & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    g_string_append_printf (reason, "%s%s", reason->len ? " " : "", _("It is not valid yet."));
  if (errors & (G_TLS_CERTIFICATE_REVOKED | G_TLS_CERTIFICATE_INSECURE))
    g_string_append_printf (reason, "%s%s", reason->len ? " " : "",
                            _("It was withdrawn or uses weak encryption."));
  if (reason->len == 0)
    g_string_append (reason, _("Your computer could not confirm it."));
  return g_string_free (reason, FALSE);
}

CasellaCertificateInfo *
casella_certificate_info_new (GTlsCertificate      *certificate,
                              GTlsCertificateFlags  errors,
                              const char           *host)
{
  CasellaCertificateInfo *info = g_new0 (CasellaCertificateInfo, 1);
  g_autoptr(GDateTime) from = g_tls_certificate_get_not_valid_before (certificate);
  g_autoptr(GDateTime) until = g_tls_certificate_get_not_valid_after (certificate);
  g_autofree char *subject = g_tls_certificate_get_subject_name (certificate);
  g_autofree char *issuer = g_tls_certificate_get_issuer_name (certificate);

  info->issued_to = readable_name (subject);
  info->issued_by = readable_name (issuer);
  info->valid_from = format_date (from);
  info->valid_until = format_date (until);
  info->fingerprint = casella_certificate_fingerprint (certificate);
  info->reason = certificate_reason (errors, host);
  return info;
}

void
casella_certificate_info_free (CasellaCertificateInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->issued_to);
  g_free (info->issued_by);
  g_free (info->valid_from);
  g_free (info->valid_until);
  g_free (info->fingerprint);
  g_free (info->reason);
  g_free (info);
}
