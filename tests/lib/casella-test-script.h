/* casella-test-script.h — a scripted fake server for what real servers
 * will not do (malformed replies, drops, silence, refused STARTTLS)
 *
 * One connection, one script, one step per line:
 *   > text          send text + CRLF ($TAG: the last tag read, $TAG1 the first…)
 *   >> text         send text as is; \r \n \\ are escapes
 *   < prefix        read a line; it must start with prefix ("<" alone: any line)
 *   <T prefix       read an IMAP command: remember its tag, the rest must
 *                   start with prefix
 *   read N          read N bytes (a literal the client sends)
 *   slow / fast     send one byte per write from now on, or not
 *   starttls        switch the connection to TLS (test CA certificate)
 *   literal N       send "* 1 FETCH (UID 1 BODY[] {N}" + N bytes + ")"
 *   sleep MS        wait
 *   hang            stop answering; wait for the client to go away
 *   eof             the client must close without sending anything more
 *   close           close the connection
 *   accept          close it and serve the next connection
 * When the script ends the listener closes: later connections are refused.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _CasellaTestScript CasellaTestScript;

CasellaTestScript *casella_test_script_new      (const char        *script,
                                                 gboolean           implicit_tls);
gboolean           casella_test_script_start    (CasellaTestScript *self,
                                                 GError           **error);
guint16            casella_test_script_get_port (CasellaTestScript *self);
/* The script has come to a "hang" step: what the client sent was read. */
gboolean           casella_test_script_is_hanging (CasellaTestScript *self);
/* Waits for the script to end; NULL if it ran to the end, else what went wrong. */
char              *casella_test_script_finish   (CasellaTestScript *self);
void               casella_test_script_free     (CasellaTestScript *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaTestScript, casella_test_script_free)

G_END_DECLS
