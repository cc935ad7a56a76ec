/* casella-reader.h — one message, read: who, when, the text with links
 * that work and quotes dimmed, and the attachments to open or save
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "casella-gmime.h"
#include "casella-mail-session.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_READER (casella_reader_get_type ())
G_DECLARE_FINAL_TYPE (CasellaReader, casella_reader, CASELLA, READER, GtkWidget)

GtkWidget *casella_reader_new          (void);
/* Shows the message: its headers at once, the text when the body is here. */
void       casella_reader_show         (CasellaReader      *self,
                                        CasellaMailSession *session,
                                        gint64              message_id);
/* A conversation (as casella_store_list_thread gives it from folder_id):
 * open_id open (0: the newest), the others folded above and below it; a
 * folded one activated opens in its place. */
void       casella_reader_show_conversation (CasellaReader      *self,
                                             CasellaMailSession *session,
                                             gint64              thread,
                                             gint64              folder_id,
                                             gint64              open_id);
/* The conversation on show (CasellaMessageInfo, oldest first), or NULL. */
GPtrArray *casella_reader_get_conversation  (CasellaReader      *self);
/* No message, or several selected. */
void       casella_reader_show_nothing (CasellaReader      *self,
                                        guint               n_selected);
gint64     casella_reader_get_message  (CasellaReader      *self);
/* The account the message on show is from (NULL: none on show). */
CasellaMailSession *casella_reader_get_session (CasellaReader *self);
/* The message's bytes, once loaded (for reply and forward). */
GBytes    *casella_reader_get_raw      (CasellaReader      *self);
/* The message on show as parsed on the worker (no parse here), or NULL
 * while it loads or when it is not MIME. */
GMimeMessage *casella_reader_get_parsed (CasellaReader   *self);
/* The text on show (tests read it). */
char      *casella_reader_get_text     (CasellaReader      *self);

/* Links in plain text: URLs, www. and e-mail addresses, as ranges. */
typedef struct {
  int   start;    /* character offsets */
  int   end;
  char *uri;      /* "https://…" or "mailto:…" */
} CasellaLink;

GArray    *casella_find_links          (const char         *text);

/* The HTML view, once an HTML message was shown; else NULL. */
GtkWidget     *casella_reader_get_html_view (CasellaReader *self);
/* Prints the message on show (GTK's print dialog; Save as PDF is in it).
 * A text message is printed through the HTML view too, as its text. */
void           casella_reader_print         (CasellaReader *self);
/* The message on show is HTML, and it is drawn. */
gboolean       casella_reader_html_loaded   (CasellaReader *self);

G_END_DECLS
