/* casella-secret.h — handling passwords and tokens in memory, and what
 * may go into a protocol line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Overwrites secret with zeroes where the compiler cannot skip it. */
void      casella_secret_wipe        (char        *secret);
void      casella_secret_free        (char        *secret);
/* SASL PLAIN's initial response: base64 of "\0username\0password".
 * Free with casella_secret_free(). */
char     *casella_sasl_plain         (const char  *username,
                                      const char  *password);
/* SASL XOAUTH2's and OAUTHBEARER's (RFC 7628) initial responses:
 * base64 of "user=U\1auth=Bearer T\1\1" and "n,a=U,\1auth=Bearer T\1\1".
 * Free with casella_secret_free(). */
char     *casella_sasl_xoauth2       (const char  *username,
                                      const char  *token);
char     *casella_sasl_oauthbearer   (const char  *username,
                                      const char  *token);
/* What a client answers to the server's error challenge after a bearer
 * token was refused, so the server ends the exchange with its NO:
 * an empty line for XOAUTH2, "AQ==" (a lone 0x01) for OAUTHBEARER. */
#define CASELLA_SASL_XOAUTH2_ABORT ""
#define CASELLA_SASL_OAUTHBEARER_ABORT "AQ=="
/* TRUE when text holds no CR or LF: what goes inside a command line
 * (a user name, a password, an address) can never end it early and
 * smuggle in a command of its own. */
gboolean  casella_protocol_text_is_safe (const char *text);

typedef char CasellaSecret;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaSecret, casella_secret_free)

G_END_DECLS
