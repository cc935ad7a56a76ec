/* casella-cli-json.c — a tiny JSON writer for casella-cli's output
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-cli.h"

static void
separator (CasellaJson *json)
{
  if (json->need_comma)
    g_string_append_c (json->out, ',');
  json->need_comma = FALSE;
  if (json->depth > 0)
    g_string_append_c (json->out, '\n');
  for (guint i = 0; i < json->depth; i++)
    g_string_append (json->out, "  ");
}

static void
quoted (GString    *out,
        const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    switch (*p)
      {
      case '"':  g_string_append (out, "\\\""); break;
      case '\\': g_string_append (out, "\\\\"); break;
      case '\n': g_string_append (out, "\\n"); break;
      case '\r': g_string_append (out, "\\r"); break;
      case '\t': g_string_append (out, "\\t"); break;
      default:
        if ((guchar) *p < 0x20)
          g_string_append_printf (out, "\\u%04x", (guchar) *p);
        else
          g_string_append_c (out, *p);
      }
  g_string_append_c (out, '"');
}

static void
key (CasellaJson *json,
     const char  *name)
{
  separator (json);
  if (name != NULL)
    {
      quoted (json->out, name);
      g_string_append (json->out, ": ");
    }
}

void
casella_json_begin_object (CasellaJson *json, const char *name)
{
  key (json, name);
  g_string_append_c (json->out, '{');
  json->depth++;
}

void
casella_json_end_object (CasellaJson *json)
{
  json->depth--;
  g_string_append_c (json->out, '\n');
  for (guint i = 0; i < json->depth; i++)
    g_string_append (json->out, "  ");
  g_string_append_c (json->out, '}');
  json->need_comma = TRUE;
}

void
casella_json_begin_array (CasellaJson *json, const char *name)
{
  key (json, name);
  g_string_append_c (json->out, '[');
  json->depth++;
}

void
casella_json_end_array (CasellaJson *json)
{
  json->depth--;
  g_string_append_c (json->out, '\n');
  for (guint i = 0; i < json->depth; i++)
    g_string_append (json->out, "  ");
  g_string_append_c (json->out, ']');
  json->need_comma = TRUE;
}

void
casella_json_string (CasellaJson *json, const char *name, const char *value)
{
  key (json, name);
  if (value == NULL)
    g_string_append (json->out, "null");
  else
    quoted (json->out, value);
  json->need_comma = TRUE;
}

void
casella_json_int (CasellaJson *json, const char *name, gint64 value)
{
  key (json, name);
  g_string_append_printf (json->out, "%" G_GINT64_FORMAT, value);
  json->need_comma = TRUE;
}

void
casella_json_bool (CasellaJson *json, const char *name, gboolean value)
{
  key (json, name);
  g_string_append (json->out, value ? "true" : "false");
  json->need_comma = TRUE;
}
