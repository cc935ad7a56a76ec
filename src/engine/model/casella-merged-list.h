/* casella-merged-list.h — several message lists as one, newest first:
 * every account's Inbox in one list
 *
 * Each row is a row of one of the lists, found by its origin (the list's
 * account). Only a list number and a position live here per message;
 * the items are the lists' own, made a page at a time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-message-list.h"

G_BEGIN_DECLS

#define CASELLA_TYPE_MERGED_LIST (casella_merged_list_get_type ())
G_DECLARE_FINAL_TYPE (CasellaMergedList, casella_merged_list, CASELLA, MERGED_LIST, GObject)

CasellaMergedList  *casella_merged_list_new        (void);
/* A list with its origin set; rows follow it as it changes. */
void                casella_merged_list_add        (CasellaMergedList  *self,
                                                    CasellaMessageList *list);
guint               casella_merged_list_get_n_lists (CasellaMergedList *self);
CasellaMessageList *casella_merged_list_get_list   (CasellaMergedList  *self,
                                                    guint               index);
/* The list whose items have this origin, or NULL. */
CasellaMessageList *casella_merged_list_find_list  (CasellaMergedList  *self,
                                                    gpointer            origin);
/* Words to find in every list (NULL: every message). */
void                casella_merged_list_set_query  (CasellaMergedList  *self,
                                                    const char         *query);
/* The position of one list's message, or -1. */
int                 casella_merged_list_find       (CasellaMergedList  *self,
                                                    gpointer            origin,
                                                    gint64              message_id);

G_END_DECLS
