/* casella-mail-error.h — what went wrong talking to a mail server, in codes
 * a user interface can act on
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CASELLA_MAIL_ERROR (casella_mail_error_quark ())

typedef enum {
  CASELLA_MAIL_ERROR_FAILED,                 /* none of the below */
  CASELLA_MAIL_ERROR_AUTH_FAILED,            /* wrong user name or password */
  CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED,  /* the provider wants an app password */
  CASELLA_MAIL_ERROR_PROTOCOL_DISABLED,      /* access switched off by the provider or in web settings */
  CASELLA_MAIL_ERROR_OAUTH_REQUIRED,         /* only the provider's own sign-in page is accepted */
  CASELLA_MAIL_ERROR_AUTH_MECHANISM_UNSUPPORTED, /* no sign-in method we both speak */
  CASELLA_MAIL_ERROR_CERTIFICATE_UNTRUSTED,  /* the server's certificate did not verify */
  CASELLA_MAIL_ERROR_TLS_FAILED,             /* encryption could not be set up */
  CASELLA_MAIL_ERROR_STARTTLS_MISSING,       /* the server does not offer STARTTLS */
  CASELLA_MAIL_ERROR_STARTTLS_FAILED,        /* it offered STARTTLS, then refused or broke it */
  CASELLA_MAIL_ERROR_CONNECTION_REFUSED,
  CASELLA_MAIL_ERROR_HOST_NOT_FOUND,
  CASELLA_MAIL_ERROR_TIMEOUT,
  CASELLA_MAIL_ERROR_CONNECTION_LOST,        /* closed or dropped mid-conversation */
  CASELLA_MAIL_ERROR_SERVER_ERROR,           /* the server refused a command */
  CASELLA_MAIL_ERROR_PROTOCOL_ERROR,         /* a reply we could not understand */
  CASELLA_MAIL_ERROR_MESSAGE_TOO_LARGE,
  CASELLA_MAIL_ERROR_RECIPIENT_REFUSED,
  CASELLA_MAIL_ERROR_NOT_CONNECTED,
  CASELLA_MAIL_ERROR_TRY_LATER,              /* refused for now (SMTP 4xx): trying again later may work */
  CASELLA_MAIL_ERROR_PLAINTEXT_REFUSED,      /* no encryption, and the user has not agreed to send the password so */
  CASELLA_MAIL_ERROR_PASSWORD_EXPIRED,       /* the password was right but has expired: a new one is needed */
} CasellaMailError;

GQuark           casella_mail_error_quark          (void);
CasellaMailError casella_mail_error_classify_text  (const char    *server_text,
                                                    CasellaMailError fallback);
GError          *casella_mail_error_from_io_error  (const GError  *error);
const char      *casella_mail_error_code_name      (CasellaMailError code);

G_END_DECLS
