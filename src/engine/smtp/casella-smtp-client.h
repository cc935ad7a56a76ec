/* casella-smtp-client.h — an SMTP submission client over GIO
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gmime/gmime.h>

#include "casella-line-client.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_SMTP_CLIENT (casella_smtp_client_get_type ())
G_DECLARE_FINAL_TYPE (CasellaSmtpClient, casella_smtp_client, CASELLA, SMTP_CLIENT, CasellaLineClient)

CasellaSmtpClient *casella_smtp_client_new             (CasellaNetConfig    *config);
gboolean           casella_smtp_client_has_extension   (CasellaSmtpClient   *self,
                                                        const char          *keyword);
gboolean           casella_smtp_client_has_auth        (CasellaSmtpClient   *self,
                                                        const char          *mechanism);
guint64            casella_smtp_client_get_size_limit  (CasellaSmtpClient   *self);

/* Greeting and EHLO (HELO when refused); with STARTTLS security the
 * upgrade, then EHLO again. */
void     casella_smtp_client_connect_async  (CasellaSmtpClient *self, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
gboolean casella_smtp_client_connect_finish (CasellaSmtpClient *self, GAsyncResult *result, GError **error);

/* AUTH PLAIN, else AUTH LOGIN. With no AUTH offered there is nothing to
 * do and this succeeds. */
void     casella_smtp_client_login_async    (CasellaSmtpClient *self, const char *username, const char *password,
                                             GCancellable *cancellable, GAsyncReadyCallback callback,
                                             gpointer user_data);
gboolean casella_smtp_client_login_finish   (CasellaSmtpClient *self, GAsyncResult *result, GError **error);
/* AUTH OAUTHBEARER or XOAUTH2 with an OAuth2 access token, whichever the
 * server offers (OAUTHBEARER first); finish with login_finish. */
void     casella_smtp_client_login_oauth2_async (CasellaSmtpClient *self, const char *username,
                                                 const char *access_token, GCancellable *cancellable,
                                                 GAsyncReadyCallback callback, gpointer user_data);

/* Sends message. from: the envelope sender (NULL: the From address);
 * recipients: NULL for To, Cc and Bcc. Bcc is never transmitted. Returns
 * the server's acceptance text (it usually carries a queue id). */
void     casella_smtp_client_send_message_async  (CasellaSmtpClient *self, GMimeMessage *message,
                                                  const char *from, const char * const *recipients,
                                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                                  gpointer user_data);
char    *casella_smtp_client_send_message_finish (CasellaSmtpClient *self, GAsyncResult *result, GError **error);

/* Called when the server has said "354", before any byte of the message:
 * from the end of what follows the server may deliver it. Returning
 * FALSE (with error) abandons it: the connection is closed and nothing
 * is delivered. The outbox records "sending" here. */
typedef gboolean (*CasellaSmtpBeforeDataFunc) (CasellaSmtpClient *self, gpointer data, GError **error);
void     casella_smtp_client_set_before_data     (CasellaSmtpClient *self, CasellaSmtpBeforeDataFunc func,
                                                  gpointer data);

void     casella_smtp_client_rset_async     (CasellaSmtpClient *self, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
void     casella_smtp_client_noop_async     (CasellaSmtpClient *self, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
void     casella_smtp_client_quit_async     (CasellaSmtpClient *self, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
gboolean casella_smtp_client_simple_finish  (CasellaSmtpClient *self, GAsyncResult *result, GError **error);

/* The bytes DATA carries for message: CRLF line ends, no Bcc header,
 * dot-stuffed, ending with the "." line. */
GBytes  *casella_smtp_encode_data           (GMimeMessage *message);
/* The same, re-encoded to 7 bits when the server has no 8BITMIME. */
GBytes  *casella_smtp_encode_data_for       (GMimeMessage *message,
                                             gboolean      eight_bit_ok);
GBytes  *casella_smtp_dot_stuff             (const guint8 *data,
                                             gsize         length);

G_END_DECLS
