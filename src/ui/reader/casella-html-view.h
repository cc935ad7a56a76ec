/* casella-html-view.h — an HTML message as its sender made it, with
 * nothing leaving the machine unless the user says so
 *
 * The view itself lives in libcasella-html.so (src/ui/html), loaded the
 * first time one is made: the assistant and text-only sessions never map
 * WebKit. The widget emits "link-activated" (uri, the text it showed)
 * when a link is clicked: it never goes there itself. Its boolean
 * "remote-content" property says the message asks for something from
 * the network.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gmime/gmime.h>
#include <gtk/gtk.h>

G_BEGIN_DECLS

/* NULL, with error, when the module cannot be loaded. */
GtkWidget *casella_html_view_new         (GError       **error);
/* Shows html; its cid: images come from message. With remote_images,
 * images (and only images) may come from the network. */
void       casella_html_view_show        (GtkWidget     *view,
                                          const char    *html,
                                          GMimeMessage  *message,
                                          gboolean       remote_images);
gboolean   casella_html_view_has_remote  (GtkWidget     *view);
/* The message on show is drawn (its load finished). */
gboolean   casella_html_view_is_loaded   (GtkWidget     *view);
/* Prints the message on show: GTK's print dialog (which also saves a
 * PDF), or with to_file a PDF written there; done (done_data) when the
 * job is over. */
void       casella_html_view_print       (GtkWidget     *view,
                                          GtkWindow     *parent,
                                          const char    *to_file,
                                          GCallback      done,
                                          gpointer       done_data);
/* TRUE once the module is in this process (for tests and benchmarks). */
gboolean   casella_html_view_module_loaded (void);

/* A link whose visible text is an address of another site than the one
 * it goes to: the text's host, else NULL. */
char      *casella_link_disguised_host   (const char    *uri,
                                          const char    *visible_text);

G_END_DECLS
