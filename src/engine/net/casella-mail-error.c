/* casella-mail-error.c — what went wrong talking to a mail server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-mail-error.h"

G_DEFINE_QUARK (casella-mail-error-quark, casella_mail_error)

/* What real providers answer when a password is not the problem; matched
 * case-insensitively anywhere in the reply. The more specific first. */
static const struct {
  const char       *needle;
  CasellaMailError  code;
} server_texts[] = {
  /* Gmail, IMAP and SMTP (534 5.7.9) */
  { "application-specific password required", CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED },
  { "5.7.9", CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED },
  { "invalidsecondfactor", CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED },
  /* mail.ru: "NEOBHODIM parol prilozheniya ... Application password is REQUIRED" */
  { "application password is required", CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED },
  { "parol prilozheniya", CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED },
  { "app password", CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED },
  /* Microsoft 365 tenants with SMTP AUTH switched off (5.7.139) */
  { "smtpclientauthentication is disabled", CASELLA_MAIL_ERROR_PROTOCOL_DISABLED },
  /* Outlook.com: "NO Basic authentication is disabled."; 5.7.30 on submission */
  { "basic authentication is disabled", CASELLA_MAIL_ERROR_OAUTH_REQUIRED },
  { "basic authentication is not supported", CASELLA_MAIL_ERROR_OAUTH_REQUIRED },
  /* RFC 5530's [EXPIRED]; Aruba PEC's client passwords expire every three
   * months, and Italian servers say so in Italian */
  { "[expired]", CASELLA_MAIL_ERROR_PASSWORD_EXPIRED },
  { "password expired", CASELLA_MAIL_ERROR_PASSWORD_EXPIRED },
  { "password has expired", CASELLA_MAIL_ERROR_PASSWORD_EXPIRED },
  { "password scaduta", CASELLA_MAIL_ERROR_PASSWORD_EXPIRED },
  /* Generic "turned off" answers */
  { "imap access is disabled", CASELLA_MAIL_ERROR_PROTOCOL_DISABLED },
  { "pop3 access is disabled", CASELLA_MAIL_ERROR_PROTOCOL_DISABLED },
  { "pop access is disabled", CASELLA_MAIL_ERROR_PROTOCOL_DISABLED },
  { "imap is not enabled", CASELLA_MAIL_ERROR_PROTOCOL_DISABLED },
  { "pop is not enabled", CASELLA_MAIL_ERROR_PROTOCOL_DISABLED },
  { "[unavailable]", CASELLA_MAIL_ERROR_SERVER_ERROR },
  /* Yandex says "invalid credentials or IMAP is disabled": the password is
   * the likelier cause, so this stays an authentication failure and the
   * provider's known needs (enable IMAP, app password) add the rest. */
  { "[authenticationfailed]", CASELLA_MAIL_ERROR_AUTH_FAILED },
  { "[auth]", CASELLA_MAIL_ERROR_AUTH_FAILED },
  { "5.7.8", CASELLA_MAIL_ERROR_AUTH_FAILED },
  { "authentication failed", CASELLA_MAIL_ERROR_AUTH_FAILED },
  { "invalid credentials", CASELLA_MAIL_ERROR_AUTH_FAILED },
  { "incorrect username or password", CASELLA_MAIL_ERROR_AUTH_FAILED },
  { "username and password not accepted", CASELLA_MAIL_ERROR_AUTH_FAILED },
  { "login failed", CASELLA_MAIL_ERROR_AUTH_FAILED },
  { "authenticate failed", CASELLA_MAIL_ERROR_AUTH_FAILED },
};

CasellaMailError
casella_mail_error_classify_text (const char       *server_text,
                                  CasellaMailError  fallback)
{
  g_autofree char *lower = NULL;

  if (server_text == NULL)
    return fallback;

  lower = g_ascii_strdown (server_text, -1);
  for (guint i = 0; i < G_N_ELEMENTS (server_texts); i++)
    if (strstr (lower, server_texts[i].needle) != NULL)
      return server_texts[i].code;

  return fallback;
}

static CasellaMailError
code_for_io_error (const GError *error)
{
  if (error->domain == G_RESOLVER_ERROR)
    return CASELLA_MAIL_ERROR_HOST_NOT_FOUND;

  if (error->domain == G_TLS_ERROR)
    return error->code == G_TLS_ERROR_BAD_CERTIFICATE ? CASELLA_MAIL_ERROR_CERTIFICATE_UNTRUSTED
                                                      : CASELLA_MAIL_ERROR_TLS_FAILED;

  if (error->domain == G_IO_ERROR)
    switch (error->code)
      {
      case G_IO_ERROR_CONNECTION_REFUSED:
        return CASELLA_MAIL_ERROR_CONNECTION_REFUSED;
      case G_IO_ERROR_TIMED_OUT:
        return CASELLA_MAIL_ERROR_TIMEOUT;
      case G_IO_ERROR_HOST_NOT_FOUND:
      case G_IO_ERROR_HOST_UNREACHABLE:
      case G_IO_ERROR_NETWORK_UNREACHABLE:
        return CASELLA_MAIL_ERROR_HOST_NOT_FOUND;
      case G_IO_ERROR_CONNECTION_CLOSED:
      case G_IO_ERROR_CLOSED:
        return CASELLA_MAIL_ERROR_CONNECTION_LOST;
      default:
        break;
      }

  return CASELLA_MAIL_ERROR_FAILED;
}

/* GIO, resolver and TLS errors in this domain; cancellation stays
 * G_IO_ERROR_CANCELLED, as everywhere in GLib. */
GError *
casella_mail_error_from_io_error (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == CASELLA_MAIL_ERROR ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  return g_error_new_literal (CASELLA_MAIL_ERROR, code_for_io_error (error), error->message);
}

const char *
casella_mail_error_code_name (CasellaMailError code)
{
  static const char *names[] = {
    "failed", "auth-failed", "app-password-required", "protocol-disabled",
    "oauth-required", "auth-mechanism-unsupported", "certificate-untrusted",
    "tls-failed", "starttls-missing", "starttls-failed", "connection-refused",
    "host-not-found", "timeout", "connection-lost", "server-error",
    "protocol-error", "message-too-large", "recipient-refused", "not-connected",
    "try-later", "plaintext-refused",
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (names) == CASELLA_MAIL_ERROR_PLAINTEXT_REFUSED + 1);
  return (guint) code < G_N_ELEMENTS (names) ? names[code] : "unknown";
}
