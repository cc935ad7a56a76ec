/* casella-search-query.c — the search field's words and operators
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "casella-search-query.h"

typedef enum { OP_FROM, OP_TO, OP_SUBJECT, OP_HAS, OP_IS, OP_BEFORE, OP_AFTER } Operator;

static const struct {
  const char *name;
  Operator    op;
} operators[] = {
  { "from", OP_FROM }, { "da", OP_FROM },
  { "to", OP_TO }, { "a", OP_TO },
  { "subject", OP_SUBJECT }, { "oggetto", OP_SUBJECT },
  { "has", OP_HAS }, { "ha", OP_HAS },
  { "is", OP_IS }, { "è", OP_IS }, { "e", OP_IS },
  { "before", OP_BEFORE }, { "prima", OP_BEFORE },
  { "after", OP_AFTER }, { "dopo", OP_AFTER },
};

static CasellaSearchQuery *
casella_search_query_new (void)
{
  CasellaSearchQuery *query = g_new0 (CasellaSearchQuery, 1);

  query->words = g_ptr_array_new_with_free_func (g_free);
  query->from = g_ptr_array_new_with_free_func (g_free);
  query->to = g_ptr_array_new_with_free_func (g_free);
  query->subject = g_ptr_array_new_with_free_func (g_free);
  return query;
}

void
casella_search_query_free (CasellaSearchQuery *query)
{
  if (query == NULL)
    return;
  g_ptr_array_unref (query->words);
  g_ptr_array_unref (query->from);
  g_ptr_array_unref (query->to);
  g_ptr_array_unref (query->subject);
  g_free (query);
}

gboolean
casella_search_query_is_empty (const CasellaSearchQuery *query)
{
  return query->words->len == 0 && query->from->len == 0 && query->to->len == 0 && query->subject->len == 0 &&
         !query->has_attachment && query->unread == CASELLA_SEARCH_ANY && !query->starred && query->before == 0 &&
         query->after == 0;
}

/* The next token: a word, or "a quoted phrase" (quotes may follow an
 * operator's colon). Returns where the rest begins. */
static const char *
next_token (const char  *at,
            char       **token)
{
  GString *text = g_string_new (NULL);
  gboolean quoted = FALSE;

  while (*at == ' ' || *at == '\t' || *at == '\n')
    at++;
  for (; *at != '\0'; at++)
    {
      if (*at == '"')
        quoted = !quoted;
      else if (!quoted && (*at == ' ' || *at == '\t' || *at == '\n'))
        break;
      else
        g_string_append_c (text, *at);
    }
  *token = g_string_free (text, FALSE);
  return at;
}

/* 2026-11-30, 2026/11/30, 30/11/2026, 30.11.2026: local midnight. */
static gint64
parse_day (const char *text)
{
  guint a = 0, b = 0, c = 0;
  char s1 = 0, s2 = 0;
  int year, month, day;
  g_autoptr(GDateTime) date = NULL;

  if (sscanf (text, "%u%c%u%c%u", &a, &s1, &b, &s2, &c) != 5 || s1 != s2 || strchr ("-/.", s1) == NULL)
    return 0;
  if (a > 31)
    year = (int) a, month = (int) b, day = (int) c;
  else
    day = (int) a, month = (int) b, year = (int) c;
  if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31)
    return 0;
  date = g_date_time_new_local (year, month, day, 0, 0, 0);
  return date ? g_date_time_to_unix (date) : 0;
}

/* has:… and is:… (value in lower case). */
static gboolean
apply_flag (CasellaSearchQuery *query,
            Operator            op,
            const char         *value)
{
  if (op == OP_HAS && (g_str_equal (value, "attachment") || g_str_equal (value, "allegato") ||
                       g_str_equal (value, "allegati")))
    query->has_attachment = TRUE;
  else if (op == OP_IS && (g_str_equal (value, "unread") || g_str_equal (value, "non-letto") ||
                           g_str_equal (value, "nonletto")))
    query->unread = CASELLA_SEARCH_YES;
  else if (op == OP_IS && (g_str_equal (value, "read") || g_str_equal (value, "letto")))
    query->unread = CASELLA_SEARCH_NO;
  else if (op == OP_IS && (g_str_equal (value, "starred") || g_str_equal (value, "speciale") ||
                           g_str_equal (value, "con-stella")))
    query->starred = TRUE;
  else
    return FALSE;
  return TRUE;
}

/* "name:value" understood: applied. Else FALSE, and it is words. */
static gboolean
apply_operator (CasellaSearchQuery *query,
                const char         *token)
{
  const char *colon = strchr (token, ':');
  g_autofree char *name = NULL;
  const char *value;

  if (colon == NULL || colon == token || colon[1] == '\0')
    return FALSE;
  name = g_utf8_strdown (token, colon - token);
  value = colon + 1;
  for (guint i = 0; i < G_N_ELEMENTS (operators); i++)
    {
      g_autofree char *lower = NULL;

      if (!g_str_equal (name, operators[i].name))
        continue;
      switch (operators[i].op)
        {
        case OP_FROM:
        case OP_TO:
        case OP_SUBJECT:
          g_ptr_array_add (operators[i].op == OP_FROM ? query->from : operators[i].op == OP_TO ? query->to
                                                                                               : query->subject,
                           g_strdup (value));
          return TRUE;
        case OP_BEFORE:
          query->before = parse_day (value);
          return query->before != 0;
        case OP_AFTER:
          query->after = parse_day (value);
          return query->after != 0;
        default:
          lower = g_utf8_strdown (value, -1);
          return apply_flag (query, operators[i].op, lower);
        }
    }
  return FALSE;
}

CasellaSearchQuery *
casella_search_query_parse (const char *text)
{
  CasellaSearchQuery *query = casella_search_query_new ();
  const char *at = text ? text : "";

  if (!g_utf8_validate (at, -1, NULL))
    return query;
  while (*at != '\0')
    {
      g_autofree char *token = NULL;
      g_autofree char *lower = NULL;

      at = next_token (at, &token);
      if (*token == '\0')
        continue;
      lower = g_utf8_strdown (token, -1);
      /* Italian's bare words for a state. */
      if ((g_str_equal (lower, "non-letto") || g_str_equal (lower, "con-stella")) && apply_flag (query, OP_IS, lower))
        continue;
      if (!apply_operator (query, token))
        g_ptr_array_add (query->words, g_steal_pointer (&token));
    }
  return query;
}
