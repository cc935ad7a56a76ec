/* casella-message-list.h — a folder's messages as a GListModel, newest
 * first, for a GtkListView over any number of them
 *
 * Only the row ids live in memory (8 bytes a message); summaries are
 * read from the store a page at a time when a row is asked for, and
 * only a few pages are kept. Sorting and filtering happen in SQL.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "casella-store.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_MESSAGE_ITEM (casella_message_item_get_type ())
G_DECLARE_FINAL_TYPE (CasellaMessageItem, casella_message_item, CASELLA, MESSAGE_ITEM, GObject)

const CasellaMessageInfo *casella_message_item_get_info     (CasellaMessageItem *self);
gint64                    casella_message_item_get_id       (CasellaMessageItem *self);
/* The sender's name, else the address. */
const char               *casella_message_item_get_sender   (CasellaMessageItem *self);
const char               *casella_message_item_get_subject  (CasellaMessageItem *self);
const char               *casella_message_item_get_preview  (CasellaMessageItem *self);
gint64                    casella_message_item_get_date     (CasellaMessageItem *self);
gboolean                  casella_message_item_get_unread   (CasellaMessageItem *self);
gboolean                  casella_message_item_get_flagged  (CasellaMessageItem *self);
gboolean                  casella_message_item_get_has_attachment (CasellaMessageItem *self);
/* In a list of conversations: how many messages its conversation has
 * (1: a message on its own), who wrote them in the order they first did
 * ("" is the account itself; NULL outside conversations), and which it
 * is (0: none yet). Unread means any of them is. */
guint                     casella_message_item_get_count    (CasellaMessageItem *self);
const char * const       *casella_message_item_get_people   (CasellaMessageItem *self);
gint64                    casella_message_item_get_thread   (CasellaMessageItem *self);
/* A letter that came by certified email (PEC), on a PEC account. */
gboolean                  casella_message_item_get_certified     (CasellaMessageItem *self);
/* Its list's origin (compared, never used) and the label shown with it
 * in a list of several accounts (NULL in an account's own). */
gpointer                  casella_message_item_get_origin   (CasellaMessageItem *self);
const char               *casella_message_item_get_origin_label (CasellaMessageItem *self);

#define CASELLA_TYPE_MESSAGE_LIST (casella_message_list_get_type ())
G_DECLARE_FINAL_TYPE (CasellaMessageList, casella_message_list, CASELLA, MESSAGE_LIST, GObject)

/* query: words to find (NULL: every message). */
CasellaMessageList *casella_message_list_new        (CasellaStore       *store,
                                                     gint64              folder_id,
                                                     const char         *query);
/* The same, one row per conversation when asked (see set_conversations). */
CasellaMessageList *casella_message_list_new_full   (CasellaStore       *store,
                                                     gint64              folder_id,
                                                     const char         *query,
                                                     gboolean            conversations);
gint64              casella_message_list_get_folder (CasellaMessageList *self);
void                casella_message_list_set_query  (CasellaMessageList *self,
                                                     const char         *query);
const char         *casella_message_list_get_query  (CasellaMessageList *self);
/* Extra ids to show besides the local matches (the server's search). */
void                casella_message_list_add_ids    (CasellaMessageList *self,
                                                     GArray             *ids);
/* Reads the ids again; rows that stayed keep their place and objects. */
void                casella_message_list_reload     (CasellaMessageList *self);
/* A big folder's conversations come first as the first few rows, the
 * rest once the thread's main loop is idle ("complete" then turns TRUE,
 * after the rows are added at the end); complete reads them now. */
gboolean            casella_message_list_is_complete (CasellaMessageList *self);
void                casella_message_list_complete   (CasellaMessageList *self);
/* Messages on their way out (a move or delete under way): gone from the
 * list at once and kept out of reloads until unhidden, which reloads
 * (a move that failed brings them back). */
void                casella_message_list_hide       (CasellaMessageList *self,
                                                     GArray             *ids);
void                casella_message_list_unhide     (CasellaMessageList *self,
                                                     GArray             *ids);
/* One row per conversation (by its newest message in the folder) while
 * there is no query; else one per message. */
void                casella_message_list_set_conversations (CasellaMessageList *self,
                                                     gboolean            conversations);
gboolean            casella_message_list_get_conversations (CasellaMessageList *self);
/* The messages the rows of ids stand for: with conversations, every
 * message of theirs in this folder (what a move or delete takes). */
GArray             *casella_message_list_expand     (CasellaMessageList *self,
                                                     GArray             *ids);
/* The position of a message (or of its conversation's row), or -1. */
int                 casella_message_list_find       (CasellaMessageList *self,
                                                     gint64              message_id);
/* Whose messages these are (an account's session), told to its items;
 * set before any is asked for. label: shown with each (NULL: none). */
void                casella_message_list_set_origin (CasellaMessageList *self,
                                                     GObject            *origin,
                                                     const char         *label);
GObject            *casella_message_list_get_origin (CasellaMessageList *self);
/* A row's id and date, without making its item (the date read once for
 * all rows, when first asked). */
gint64              casella_message_list_get_id     (CasellaMessageList *self,
                                                     guint               position);
gint64              casella_message_list_get_date   (CasellaMessageList *self,
                                                     guint               position);

G_END_DECLS
