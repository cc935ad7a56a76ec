/* casella-html-view.c — the HTML view's loader: libcasella-html.so the
 * first time a view is made, then calls into it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gmodule.h>
#include <string.h>

#include "casella-html-module.h"
#include "casella-html-view.h"
#include "casella-message-text.h"

static struct {
  GtkWidget *(*new_view)   (void);
  void       (*show)       (GtkWidget *, const char *, CasellaHtmlPartFunc, gpointer, GDestroyNotify, gboolean);
  gboolean   (*has_remote) (GtkWidget *);
  gboolean   (*is_loaded)  (GtkWidget *);
  void       (*print)      (GtkWidget *, GtkWindow *, const char *, GCallback, gpointer);
} module;

/* CASELLA_MODULE_DIR: the build tree's (meson devenv, the tests). */
static gboolean
load_module (GError **error)
{
  const char *dir = g_getenv ("CASELLA_MODULE_DIR");
  g_autofree char *path = NULL;
  GModule *handle;

  if (module.new_view != NULL)
    return TRUE;
  path = g_module_build_path (dir != NULL ? dir : CASELLA_MODULEDIR, "casella-html");
  handle = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (handle == NULL ||
      !g_module_symbol (handle, "casella_html_module_new", (gpointer *) &module.new_view) ||
      !g_module_symbol (handle, "casella_html_module_show", (gpointer *) &module.show) ||
      !g_module_symbol (handle, "casella_html_module_has_remote", (gpointer *) &module.has_remote) ||
      !g_module_symbol (handle, "casella_html_module_is_loaded", (gpointer *) &module.is_loaded) ||
      !g_module_symbol (handle, "casella_html_module_print", (gpointer *) &module.print))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "Cannot load %s: %s", path, g_module_error ());
      module.new_view = NULL;
      return FALSE;
    }
  /* Its types stay registered for the process's life. */
  g_module_make_resident (handle);
  return TRUE;
}

gboolean
casella_html_view_module_loaded (void)
{
  return module.new_view != NULL;
}

GtkWidget *
casella_html_view_new (GError **error)
{
  return load_module (error) ? module.new_view () : NULL;
}

static GBytes *
find_part (gpointer    message,
           const char *content_id,
           char      **content_type)
{
  return casella_message_get_cid_part (message, content_id, content_type);
}

void
casella_html_view_show (GtkWidget    *view,
                        const char   *html,
                        GMimeMessage *message,
                        gboolean      remote_images)
{
  module.show (view, html, message ? find_part : NULL, message ? g_object_ref (message) : NULL, g_object_unref,
               remote_images);
}

gboolean
casella_html_view_has_remote (GtkWidget *view)
{
  return module.has_remote (view);
}

void
casella_html_view_print (GtkWidget  *view,
                         GtkWindow  *parent,
                         const char *to_file,
                         GCallback   done,
                         gpointer    done_data)
{
  module.print (view, parent, to_file, done, done_data);
}

gboolean
casella_html_view_is_loaded (GtkWidget *view)
{
  return module.is_loaded (view);
}

/* ---- links that show one site and go to another ---- */

static char *
host_of (const char *uri)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  const char *host = parsed ? g_uri_get_host (parsed) : NULL;

  if (host == NULL)
    return NULL;
  return g_ascii_strdown (g_str_has_prefix (host, "www.") ? host + 4 : host, -1);
}

char *
casella_link_disguised_host (const char *uri,
                             const char *visible_text)
{
  g_autofree char *text = visible_text ? g_strstrip (g_strdup (visible_text)) : NULL;
  g_autofree char *shown = NULL;
  g_autofree char *real = NULL;
  g_autofree char *as_uri = NULL;

  if (text == NULL || strchr (text, ' ') != NULL || strchr (text, '.') == NULL || strchr (text, '@') != NULL ||
      !(g_str_has_prefix (uri, "http://") || g_str_has_prefix (uri, "https://")))
    return NULL;   /* words or an e-mail address, not a web address; or not a web link */
  as_uri = g_str_has_prefix (text, "http://") || g_str_has_prefix (text, "https://") ? g_strdup (text)
                                                                                        : g_strconcat ("https://", text, NULL);
  shown = host_of (as_uri);
  real = host_of (uri);
  if (shown == NULL || strchr (shown, '.') == NULL || g_strcmp0 (shown, real) == 0)
    return NULL;
  /* A subdomain of what is shown is the same site. */
  if (real != NULL && g_str_has_suffix (real, shown) && real[strlen (real) - strlen (shown) - 1] == '.')
    return NULL;
  return g_steal_pointer (&shown);
}
