/* casella-search-query.h — what a person types in the search field:
 * words, and operators in English or Italian
 *
 *   from: da:          the sender's name or address
 *   to: a:             a recipient (To or Cc)
 *   subject: oggetto:  words of the subject
 *   has:attachment ha:allegato
 *   is:unread è:non-letto non-letto    is:read è:letto
 *   is:starred è:speciale con-stella
 *   before: prima:  after: dopo:       2026-11-30, 30/11/2026, 30.11.2026
 *
 * A value with spaces goes in quotes: from:"Anna Rossi". An operator not
 * understood is searched for as words.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  CASELLA_SEARCH_ANY,
  CASELLA_SEARCH_YES,
  CASELLA_SEARCH_NO,
} CasellaSearchState;

typedef struct {
  GPtrArray          *words;          /* free text, each a word or a quoted phrase */
  GPtrArray          *from;
  GPtrArray          *to;
  GPtrArray          *subject;
  gboolean            has_attachment;
  CasellaSearchState  unread;
  gboolean            starred;
  gint64              before;         /* seconds: sent before this (0: no limit) */
  gint64              after;          /* seconds: sent at or after this (0: no limit) */
} CasellaSearchQuery;

CasellaSearchQuery *casella_search_query_parse (const char         *text);
void                casella_search_query_free  (CasellaSearchQuery *query);
/* Nothing asked at all (an empty field). */
gboolean            casella_search_query_is_empty (const CasellaSearchQuery *query);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaSearchQuery, casella_search_query_free)

G_END_DECLS
