/* casella-message-text.h — the readable text of a message: for the
 * search index, the preview line and the reader
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gmime/gmime.h>

G_BEGIN_DECLS

/* The text a person would read: the first plain-text part, else the
 * first HTML part as plain text. has_attachment: any part meant to be
 * saved rather than read. */
char *casella_message_get_text     (GMimeMessage *message,
                                    gboolean     *has_attachment);
/* HTML to plain text: tags dropped, blocks on their own lines, entities
 * decoded, scripts and styles left out. Never loads anything. */
char *casella_html_to_text         (const char   *html,
                                    gssize        length);
/* A short line from the text for a message list: quotes and signature
 * left out, spaces collapsed, at most max_chars characters. */
char *casella_text_preview         (const char   *text,
                                    guint         max_chars);
/* "Name <a@b>, c@d" for display, names decoded. */
char *casella_address_list_display (InternetAddressList *list);

G_END_DECLS
