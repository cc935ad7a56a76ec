/* casella-html-view.h — an HTML message as its sender made it, with
 * nothing leaving the machine unless the user says so
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gmime/gmime.h>
#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CASELLA_TYPE_HTML_VIEW (casella_html_view_get_type ())
G_DECLARE_FINAL_TYPE (CasellaHtmlView, casella_html_view, CASELLA, HTML_VIEW, GtkWidget)

GtkWidget *casella_html_view_new         (void);
/* Shows html; its cid: images come from message. With remote_images,
 * images (and only images) may come from the network. */
void       casella_html_view_show        (CasellaHtmlView *self,
                                          const char      *html,
                                          GMimeMessage    *message,
                                          gboolean         remote_images);
/* TRUE when the message on show asks for something from the network
 * ("remote-content" property, for the "Show Images" bar). */
gboolean   casella_html_view_has_remote  (CasellaHtmlView *self);
/* The message on show is drawn (its load finished). */
gboolean   casella_html_view_is_loaded   (CasellaHtmlView *self);
/* The link a click or Enter chose, with the text it showed: the view
 * never goes there itself ("link-activated" signal: uri, visible text). */

/* A link whose visible text is an address of another site than the one
 * it goes to: the text's host, else NULL. */
char      *casella_link_disguised_host   (const char      *uri,
                                          const char      *visible_text);

G_END_DECLS
