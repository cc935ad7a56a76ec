/* casella-html-module.h — the entry points of libcasella-html.so, the
 * WebKit half of the HTML view (see casella-html-view.h for the API the
 * rest of Casella uses)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The part whose Content-ID is content_id, and its MIME type; or NULL. */
typedef GBytes *(*CasellaHtmlPartFunc) (gpointer    data,
                                        const char *content_id,
                                        char      **content_type);

G_MODULE_EXPORT GtkWidget *casella_html_module_new        (void);
G_MODULE_EXPORT void       casella_html_module_show       (GtkWidget           *view,
                                                           const char          *html,
                                                           CasellaHtmlPartFunc  find_part,
                                                           gpointer             part_data,
                                                           GDestroyNotify       part_data_free,
                                                           gboolean             remote_images);
G_MODULE_EXPORT gboolean   casella_html_module_has_remote (GtkWidget           *view);
G_MODULE_EXPORT gboolean   casella_html_module_is_loaded  (GtkWidget           *view);
/* The message on show, printed: with GTK's print dialog (to_file NULL),
 * or straight into a PDF at to_file (done: finished). */
G_MODULE_EXPORT void       casella_html_module_print      (GtkWidget           *view,
                                                           GtkWindow           *parent,
                                                           const char          *to_file,
                                                           GCallback            done,
                                                           gpointer             done_data);

G_END_DECLS
