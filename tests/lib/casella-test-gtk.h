/* casella-test-gtk.h — helpers for driving GTK widgets (and Casella's own) in tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* GTK, libadwaita and the engine for a benchmark of the app's windows
 * (no accessibility bus: it is not what is measured). */
void       casella_test_gtk_init_bench   (int         *argc,
                                          char      ***argv);
/* Runs what is pending (events, idles, what they queue) until nothing is. */
void       casella_test_gtk_drain        (void);
void       casella_test_gtk_iterate         (guint       ms);
void       casella_test_gtk_wait_mapped     (GtkWidget  *widget);
GtkWidget *casella_test_gtk_find_label      (GtkWidget  *root,
                                             const char *text);
GtkWidget *casella_test_gtk_find_label_containing (GtkWidget  *root,
                                                   const char *text);
GtkWidget *casella_test_gtk_find_button     (GtkWidget  *root,
                                             const char *label);
/* The message list's row showing this subject, if one is made. */
GtkWidget *casella_test_gtk_find_message_row (GtkWidget  *root,
                                              const char *subject);
GtkWidget *casella_test_gtk_find_by_type    (GtkWidget  *root,
                                             GType       type);
gboolean   casella_test_gtk_wait_for_label  (GtkWidget  *root,
                                             const char *text,
                                             guint       timeout_ms);
GtkWindow *casella_test_gtk_wait_for_window (GType       type,
                                             guint       timeout_ms);

typedef void     (*CasellaTestGtkChange) (gpointer data);
typedef gboolean (*CasellaTestGtkDrawn)  (gpointer data);
/* Runs change (change_data), then the main loop until a frame of
 * widget's is painted in which drawn (drawn_data) holds: the
 * milliseconds between, or -1 after timeout_ms. */
double     casella_test_gtk_time_until_drawn (GtkWidget           *widget,
                                              CasellaTestGtkChange change,
                                              gpointer             change_data,
                                              CasellaTestGtkDrawn  drawn,
                                              gpointer             drawn_data,
                                              guint                timeout_ms);

gboolean   casella_test_gtk_screenshot      (GtkWidget  *window,
                                             const char *path);
/* The window with a popover of it drawn where it shows (a popover is a
 * surface of its own: the window's picture leaves it out). */
gboolean   casella_test_gtk_screenshot_with (GtkWidget  *window,
                                             GtkWidget  *popover,
                                             const char *path);
/* Adds to unlabelled each visible, focusable control under root that
 * has no accessible name. */
void       casella_test_gtk_collect_unlabelled (GtkWidget *root,
                                                GPtrArray *unlabelled);

/* A desktop notification service on the session bus: the summary of the
 * last notification sent, or NULL. */
void        casella_test_gtk_serve_notifications (void);
const char *casella_test_gtk_get_notified        (void);
const char *casella_test_gtk_get_notified_body   (void);

G_END_DECLS
