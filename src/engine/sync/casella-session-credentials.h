/* casella-session-credentials.h — a session's passwords, shared by its
 * threads, and whether the server has refused them
 *
 * A refused password is not tried again on its own: providers lock an
 * account after a few wrong sign-ins. Only a new password, a new
 * sign-in or a change of network lets the threads sign in again.
 *
 * Every call may come from any thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _CasellaSessionCredentials CasellaSessionCredentials;

CasellaSessionCredentials *casella_session_credentials_new      (const char                 *password,
                                                                 const char                 *smtp_password);
void                       casella_session_credentials_free     (CasellaSessionCredentials  *self);
/* The passwords now (they stay readable until the credentials are
 * freed) and their generation, which a new password changes. The SMTP
 * password is NULL when sending uses the receiving one. */
guint                      casella_session_credentials_get      (CasellaSessionCredentials  *self,
                                                                 const char                **password,
                                                                 const char                **smtp_password);
/* A new password for receiving (and for sending, when that has none
 * of its own): the refusal is forgotten. */
void                       casella_session_credentials_set_password (CasellaSessionCredentials *self,
                                                                     const char                *password);
/* Whether the server's answer means "not with these credentials"
 * (a wrong or expired password, access switched off, an ended sign-in). */
gboolean                   casella_session_credentials_is_refusal (const GError             *error);
/* Keeps the refusal when error is one; returns whether it was. */
gboolean                   casella_session_credentials_refuse   (CasellaSessionCredentials  *self,
                                                                 const GError               *error);
/* TRUE while refused, with a copy of the server's refusal. */
gboolean                   casella_session_credentials_refused  (CasellaSessionCredentials  *self,
                                                                 GError                    **error);
/* One more try is allowed (the network changed, a new sign-in). */
void                       casella_session_credentials_allow_retry (CasellaSessionCredentials *self);

G_END_DECLS
