/* casella-test-window.h — driving the mail window in a test: finding a
 * message by subject, opening a folder, reading a message, screenshots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-application.h"
#include "casella-window-private.h"

G_BEGIN_DECLS

/* A GTK test as the app runs: screen-reader labels readable, libadwaita,
 * the language and the engine set up. */
void     casella_test_window_init_gtk  (int    *argc,
                                        char ***argv);
/* The account saved, with its password in the keyring. */
void     casella_test_window_add_account (CasellaAccount *account,
                                          const char     *password);
/* The app started: its window, 1280×800 on screen, with the account on
 * show up to date. */
CasellaWindow *casella_test_window_start (CasellaApplication *app);

/* The row with this subject in the list on show; 0: none. */
gint64   casella_test_window_find      (CasellaWindow *window,
                                        const char    *subject);
/* Waits until a row with this subject is listed (or is not, with
 * present FALSE); the list goes to the log when it never happens. */
gboolean casella_test_window_wait_for  (CasellaWindow *window,
                                        const char    *subject,
                                        gboolean       present,
                                        guint          timeout_ms);
void     casella_test_window_open_folder (CasellaWindow *window,
                                          const char    *path);
gboolean casella_test_window_state_is  (CasellaWindow       *window,
                                        CasellaSessionState  state);
/* Waits until the account on show is in this state. */
gboolean casella_test_window_wait_state (CasellaWindow      *window,
                                         CasellaSessionState state,
                                         guint               timeout_ms);
/* Selects the message and waits for the reader to show its body. */
void     casella_test_window_read      (CasellaWindow *window,
                                        const char    *subject);
/* Answers the file chooser that is opening: save into (or open from) dir. */
void     casella_test_window_choose_file (const char  *dir);
/* tests/screenshots/<test>-<name>-<language>.png */
void     casella_test_window_shot      (GtkWidget     *widget,
                                        const char    *test,
                                        const char    *name);

G_END_DECLS
