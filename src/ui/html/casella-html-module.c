/* casella-html-module.c — an HTML message as its sender made it, with
 * nothing leaving the machine unless the user says so
 *
 * A module of its own (libcasella-html.so), loaded the first time an HTML
 * message is shown: the setup assistant and a text-only session never
 * map WebKit. Its entry points are casella_html_module_*, reached through
 * casella-html-view.c.
 *
 * The blocking is WebKit's own (a content filter that refuses every load
 * but cid: and data:), not a policy callback that could be bypassed; the
 * view's network session is ephemeral and goes through a proxy that does
 * not exist until images are allowed, so even a name lookup stays here.
 * No JavaScript, plugins, WebGL, WebAudio or media; a click never
 * navigates the view: "link-activated" hands the link to the reader.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>
#include <webkit/webkit.h>

#include "casella-html-module.h"

/* Each message is loaded at an address of its own, so that a load that
 * a quicker one replaced is told apart from the one on show. */
#define BASE_URI_FORMAT "about:blank?casella-%u"

#define CASELLA_TYPE_HTML_VIEW (casella_html_view_get_type ())
G_DECLARE_FINAL_TYPE (CasellaHtmlView, casella_html_view, CASELLA, HTML_VIEW, GtkWidget)

struct _CasellaHtmlView
{
  GtkWidget      parent_instance;
  WebKitWebView *web;
  CasellaHtmlPartFunc  find_part;  /* the message's cid: parts */
  gpointer       part_data;
  GDestroyNotify part_data_free;
  char          *html;           /* waiting for the filters, or on show */
  gboolean       remote_images;
  gboolean       has_remote;
  char          *base_uri;       /* the load of the message on show, */
  gboolean       loaded_once;    /* let through once, */
  gboolean       drawn;          /* and finished */
  char          *hover_uri;      /* the link under the pointer, and its text */
  char          *hover_text;
  double         user_zoom;      /* Ctrl+plus and Ctrl+minus */
  int            content_height; /* as the page measured it, in pixels */
  guint          height_changes; /* since this message was loaded */
};

enum { PROP_0, PROP_REMOTE_CONTENT, PROP_LOADED, PROP_FOLLOWS_CONTENT, N_PROPS };
static GParamSpec *properties[N_PROPS];
enum { SIGNAL_LINK_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CasellaHtmlView, casella_html_view, GTK_TYPE_WIDGET)

/* ---- the content filters, compiled once ---- */

/* Everything refused, then cid:, data: and about: let through again
 * (content-blocker expressions have no "|": one rule each). */
#define BLOCK_ALL "{\"trigger\":{\"url-filter\":\".*\"},\"action\":{\"type\":\"block\"}}"
#define LET(scheme) ",{\"trigger\":{\"url-filter\":\"^" scheme ":\"},\"action\":{\"type\":\"ignore-previous-rules\"}}"
static const char block_all[] = "[" BLOCK_ALL LET ("cid") LET ("data") LET ("about") "]";
/* The same, with images (only images) from the network. */
static const char images_only[] =
  "[" BLOCK_ALL LET ("cid") LET ("data") LET ("about")
  ",{\"trigger\":{\"url-filter\":\"^https?://\",\"resource-type\":[\"image\"]},"
  "\"action\":{\"type\":\"ignore-previous-rules\"}}]";

static WebKitUserContentFilter *filters[2];   /* block_all, images_only */
static GPtrArray *waiting;                      /* views waiting for them */

static void load_now (CasellaHtmlView *self);

static void
filters_ready (void)
{
  g_autoptr(GPtrArray) views = g_steal_pointer (&waiting);

  for (guint i = 0; views != NULL && i < views->len; i++)
    load_now (views->pdata[i]);
}

static void
on_filter_saved (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  guint which = GPOINTER_TO_UINT (user_data);
  g_autoptr(GError) error = NULL;

  filters[which] = webkit_user_content_filter_store_save_finish (WEBKIT_USER_CONTENT_FILTER_STORE (source), result,
                                                                 &error);
  /* Without its filter nothing is shown at all: never unfiltered. */
  if (filters[which] == NULL)
    g_warning ("The HTML content filter could not be made: %s", error->message);
  if (filters[0] != NULL && filters[1] != NULL)
    filters_ready ();
}

static void
ensure_filters (void)
{
  static WebKitUserContentFilterStore *store;
  g_autofree char *dir = NULL;

  if (store != NULL)
    return;
  dir = g_build_filename (g_get_user_cache_dir (), "casella", "content-filters", NULL);
  store = webkit_user_content_filter_store_new (dir);
  webkit_user_content_filter_store_save (store, "casella-block-all", g_bytes_new_static (block_all, strlen (block_all)),
                                         NULL, on_filter_saved, GUINT_TO_POINTER (0));
  webkit_user_content_filter_store_save (store, "casella-images-only",
                                         g_bytes_new_static (images_only, strlen (images_only)), NULL,
                                         on_filter_saved, GUINT_TO_POINTER (1));
}

/* ---- cid: the message's own parts ---- */

static void
on_cid_request (WebKitURISchemeRequest *request,
                gpointer                user_data)
{
  WebKitWebView *web = webkit_uri_scheme_request_get_web_view (request);
  CasellaHtmlView *self = g_object_get_data (G_OBJECT (web), "casella-html-view");
  g_autofree char *id = g_uri_unescape_string (webkit_uri_scheme_request_get_path (request), NULL);
  g_autofree char *type = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  if (self != NULL && self->find_part != NULL && id != NULL)
    data = self->find_part (self->part_data, id, &type);
  g_debug ("cid:%s asked for: %s", id ? id : "", data ? "served" : "not in this message");
  if (data == NULL)
    {
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No part %s in this message", id ? id : "");
      webkit_uri_scheme_request_finish_error (request, error);
      return;
    }
  stream = g_memory_input_stream_new_from_bytes (data);
  webkit_uri_scheme_request_finish (request, stream, (gint64) g_bytes_get_size (data), type);
}

static void
ensure_cid_scheme (WebKitWebContext *context)
{
  static gsize registered;

  if (g_once_init_enter (&registered))
    {
      webkit_web_context_register_uri_scheme (context, "cid", on_cid_request, NULL, NULL);
      /* No cache at all: less memory, nothing of a message kept on disk,
       * and each message's parts come from that message. */
      webkit_web_context_set_cache_model (context, WEBKIT_CACHE_MODEL_DOCUMENT_VIEWER);
      g_once_init_leave (&registered, 1);
    }
}

/* ---- what the message asks from the network ---- */

gboolean
casella_html_module_is_loaded (GtkWidget *widget)
{
  CasellaHtmlView *self = CASELLA_HTML_VIEW (widget);

  return self->html != NULL && self->drawn;
}

gboolean
casella_html_module_has_remote (GtkWidget *widget)
{
  return CASELLA_HTML_VIEW (widget)->has_remote;
}

/* Images, backgrounds, style sheets, fonts, frames, media: anything the
 * page would load by itself from an address on the network. */
static gboolean
html_has_remote (const char *html)
{
  static GRegex *regex;

  if (g_once_init_enter (&regex))
    g_once_init_leave (&regex, g_regex_new (
      "(?:\\b(?:src|srcset|background|poster|data|lowsrc|dynsrc)\\s*=\\s*[\"']?\\s*|url\\(\\s*[\"']?\\s*|"
      "@import\\s+(?:url\\()?\\s*[\"']?\\s*|<link\\b[^>]*\\bhref\\s*=\\s*[\"']?\\s*)(?:https?:)?//",
      G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL));
  return html != NULL && g_regex_match (regex, html, 0, NULL);
}

/* Colours of its own: then the message keeps them, on a light canvas. */
static gboolean
html_sets_colours (const char *html)
{
  static GRegex *regex;

  if (g_once_init_enter (&regex))
    g_once_init_leave (&regex, g_regex_new ("\\b(?:color|bgcolor|background(?:-color)?)\\s*[:=]",
                                            G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL));
  return g_regex_match (regex, html, 0, NULL);
}

/* ---- links ---- */

static void
on_mouse_target (WebKitWebView       *web,
                 WebKitHitTestResult *hit,
                 guint                modifiers,
                 CasellaHtmlView     *self)
{
  const char *uri = webkit_hit_test_result_context_is_link (hit) ? webkit_hit_test_result_get_link_uri (hit) : NULL;

  g_free (self->hover_uri);
  g_free (self->hover_text);
  self->hover_uri = g_strdup (uri);
  self->hover_text = g_strdup (uri ? webkit_hit_test_result_get_link_label (hit) : NULL);
  /* Where a link really goes, before it is clicked. */
  gtk_widget_set_tooltip_text (GTK_WIDGET (web), uri);
}

static gboolean
on_decide_policy (WebKitWebView            *web,
                  WebKitPolicyDecision     *decision,
                  WebKitPolicyDecisionType  type,
                  CasellaHtmlView          *self)
{
  WebKitNavigationAction *action;
  const char *uri;

  if (type == WEBKIT_POLICY_DECISION_TYPE_RESPONSE)
    return FALSE;
  action = webkit_navigation_policy_decision_get_navigation_action (WEBKIT_NAVIGATION_POLICY_DECISION (decision));
  uri = webkit_uri_request_get_uri (webkit_navigation_action_get_request (action));
  /* The message itself, loaded by us; nothing else ever. */
  if (type == WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION && !self->loaded_once && g_str_equal (uri, self->base_uri) &&
      webkit_navigation_action_get_navigation_type (action) == WEBKIT_NAVIGATION_TYPE_OTHER)
    {
      self->loaded_once = TRUE;
      webkit_policy_decision_use (decision);
      return TRUE;
    }
  if (webkit_navigation_action_get_navigation_type (action) == WEBKIT_NAVIGATION_TYPE_LINK_CLICKED)
    g_signal_emit (self, signals[SIGNAL_LINK_ACTIVATED], 0, uri,
                   g_strcmp0 (uri, self->hover_uri) == 0 ? self->hover_text : NULL);
  webkit_policy_decision_ignore (decision);
  return TRUE;
}

/* A page's own menu would offer to open links inside the view. */
static gboolean
on_context_menu (WebKitWebView       *web,
                 WebKitContextMenu   *menu,
                 WebKitHitTestResult *hit,
                 CasellaHtmlView     *self)
{
  GList *items = g_list_copy (webkit_context_menu_get_items (menu));

  for (GList *l = items; l != NULL; l = l->next)
    switch (webkit_context_menu_item_get_stock_action (l->data))
      {
      case WEBKIT_CONTEXT_MENU_ACTION_COPY:
      case WEBKIT_CONTEXT_MENU_ACTION_COPY_LINK_TO_CLIPBOARD:
      case WEBKIT_CONTEXT_MENU_ACTION_SELECT_ALL:
        break;
      default:
        webkit_context_menu_remove (menu, l->data);
      }
  g_list_free (items);
  return webkit_context_menu_get_n_items (menu) == 0;
}

static void
on_load_changed (WebKitWebView   *web,
                 WebKitLoadEvent  event,
                 CasellaHtmlView *self)
{
  if (event == WEBKIT_LOAD_FINISHED && self->loaded_once && !self->drawn &&
      g_strcmp0 (webkit_web_view_get_uri (web), self->base_uri) == 0)
    {
      self->drawn = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
    }
}

/* ---- text size: the desktop's, then Ctrl+plus, Ctrl+minus, Ctrl+0 ---- */

/* WebKit follows the font DPI itself ("Large Text", the text scaling
 * factor), for text sized in pixels too: sizes here are at 96 dpi. */

/* Text that the message leaves unstyled is in the desktop's font. */
static void
apply_font (CasellaHtmlView *self)
{
  WebKitSettings *settings = webkit_web_view_get_settings (self->web);
  g_autofree char *name = NULL;
  g_autoptr(PangoFontDescription) font = NULL;

  g_object_get (gtk_settings_get_default (), "gtk-font-name", &name, NULL);
  font = pango_font_description_from_string (name ? name : "Sans 11");
  if (pango_font_description_get_family (font) != NULL)
    {
      webkit_settings_set_default_font_family (settings, pango_font_description_get_family (font));
      webkit_settings_set_sans_serif_font_family (settings, pango_font_description_get_family (font));
    }
  if (pango_font_description_get_size (font) > 0 && !pango_font_description_get_size_is_absolute (font))
    webkit_settings_set_default_font_size (settings,
                                           (guint32) (pango_font_description_get_size (font) / (double) PANGO_SCALE *
                                                      96.0 / 72.0 + 0.5));
}


static gboolean
on_key (GtkEventControllerKey *controller,
        guint                  keyval,
        guint                  keycode,
        GdkModifierType        state,
        CasellaHtmlView       *self)
{
  if (!(state & GDK_CONTROL_MASK))
    return FALSE;
  if (keyval == GDK_KEY_plus || keyval == GDK_KEY_equal || keyval == GDK_KEY_KP_Add)
    self->user_zoom = MIN (self->user_zoom * 1.1, 4.0);
  else if (keyval == GDK_KEY_minus || keyval == GDK_KEY_KP_Subtract)
    self->user_zoom = MAX (self->user_zoom / 1.1, 0.3);
  else if (keyval == GDK_KEY_0 || keyval == GDK_KEY_KP_0)
    self->user_zoom = 1.0;
  else
    return FALSE;
  webkit_web_view_set_zoom_level (self->web, self->user_zoom);
  return TRUE;
}

/* ---- the view as tall as the message ---- */

/* The reader scrolls headers and message as one; the view takes the
 * message's height, up to a limit (its backing store is as big as the
 * view): a longer one scrolls inside. Measured by a script of ours in a
 * world of its own: the message's scripts never run (no JavaScript in
 * its markup), and ours cannot be reached from it. The bottom of what
 * the body holds, not the body's box: without a DOCTYPE (most mail) the
 * body is at least as tall as the view, and would never shrink. */
#define MAX_FOLLOWED_HEIGHT 10000
#define MAX_HEIGHT_CHANGES  40    /* a page that grows with the view */

static const char measure_script[] =
  "(function () {"
  "  var last = -1;"
  "  function post () {"
  "    var body = document.body;"
  "    if (!body) return;"
  "    var range = document.createRange (); range.selectNodeContents (body);"
  "    var style = getComputedStyle (body);"
  "    var height = Math.ceil (range.getBoundingClientRect ().bottom + window.scrollY"
  "                            + parseFloat (style.paddingBottom) + parseFloat (style.marginBottom));"
  "    if (height !== last) { last = height; window.webkit.messageHandlers.casellaHeight.postMessage (height); }"
  "  }"
  "  new ResizeObserver (post).observe (document.documentElement);"
  "  if (document.body) new ResizeObserver (post).observe (document.body);"
  "  document.addEventListener ('load', post, true);"
  "  post ();"
  "}) ();";

static gboolean
follows_content (CasellaHtmlView *self)
{
  return self->content_height > 0 && self->content_height <= MAX_FOLLOWED_HEIGHT &&
         self->height_changes <= MAX_HEIGHT_CHANGES;
}

static void
set_content_height (CasellaHtmlView *self,
                    int              height)
{
  gboolean followed = follows_content (self);

  if (height == self->content_height || (!followed && self->content_height > 0))
    return;   /* once it stops following, it stays so for this message */
  self->content_height = height;
  self->height_changes++;
  if (follows_content (self))
    gtk_widget_set_size_request (GTK_WIDGET (self->web), -1, height);
  else
    gtk_widget_set_size_request (GTK_WIDGET (self->web), -1, -1);
  if (followed != follows_content (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOWS_CONTENT]);
}

static void
on_height_message (WebKitUserContentManager *content,
                   JSCValue                 *value,
                   CasellaHtmlView          *self)
{
  if (jsc_value_is_number (value))
    set_content_height (self, (int) CLAMP (jsc_value_to_double (value), 1, G_MAXINT / 2));
}

static void
add_measuring (CasellaHtmlView *self)
{
  WebKitUserContentManager *content = webkit_web_view_get_user_content_manager (self->web);
  g_autoptr(WebKitUserScript) script = webkit_user_script_new_for_world (
    measure_script, WEBKIT_USER_CONTENT_INJECT_TOP_FRAME, WEBKIT_USER_SCRIPT_INJECT_AT_DOCUMENT_END, "casella", NULL,
    NULL);

  webkit_user_content_manager_add_script (content, script);
  webkit_user_content_manager_register_script_message_handler (content, "casellaHeight", "casella");
  g_signal_connect (content, "script-message-received::casellaHeight", G_CALLBACK (on_height_message), self);
}

/* ---- showing ---- */

static WebKitSettings *
safe_settings (void)
{
  WebKitSettings *settings = webkit_settings_new ();

  webkit_settings_set_enable_javascript (settings, FALSE);
  webkit_settings_set_enable_javascript_markup (settings, FALSE);
  webkit_settings_set_javascript_can_open_windows_automatically (settings, FALSE);
  webkit_settings_set_enable_webgl (settings, FALSE);
  webkit_settings_set_enable_webaudio (settings, FALSE);
  webkit_settings_set_enable_media (settings, FALSE);
  webkit_settings_set_enable_html5_database (settings, FALSE);
  webkit_settings_set_enable_html5_local_storage (settings, FALSE);
  webkit_settings_set_enable_page_cache (settings, FALSE);
  webkit_settings_set_enable_developer_extras (settings, FALSE);
  webkit_settings_set_allow_file_access_from_file_urls (settings, FALSE);
  webkit_settings_set_allow_universal_access_from_file_urls (settings, FALSE);
  webkit_settings_set_auto_load_images (settings, TRUE);               /* cid: and data: ones */
  webkit_settings_set_enable_back_forward_navigation_gestures (settings, FALSE);
  return settings;
}

/* Until images are allowed, every request goes to a proxy that is not
 * there: not even a name is looked up. */
static void
set_network (CasellaHtmlView *self)
{
  WebKitNetworkSession *session = webkit_web_view_get_network_session (self->web);

  if (self->remote_images)
    webkit_network_session_set_proxy_settings (session, WEBKIT_NETWORK_PROXY_MODE_DEFAULT, NULL);
  else
    {
      g_autoptr(WebKitNetworkProxySettings) nowhere = webkit_network_proxy_settings_new ("http://127.0.0.1:9", NULL);

      webkit_network_session_set_proxy_settings (session, WEBKIT_NETWORK_PROXY_MODE_CUSTOM, nowhere);
    }
}

static void
set_style (CasellaHtmlView *self)
{
  WebKitUserContentManager *content = webkit_web_view_get_user_content_manager (self->web);
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());

  webkit_user_content_manager_remove_all_style_sheets (content);
  /* A margin like the text view's; the message's own styles come after
   * and win. */
  {
    g_autoptr(WebKitUserStyleSheet) margin = webkit_user_style_sheet_new (
      "body{margin:12px 18px 24px}", WEBKIT_USER_CONTENT_INJECT_TOP_FRAME, WEBKIT_USER_STYLE_LEVEL_AUTHOR, NULL, NULL);

    webkit_user_content_manager_add_style_sheet (content, margin);
  }
  /* Messages that choose no colours follow the desktop's style. */
  if (dark && !html_sets_colours (self->html))
    {
      g_autoptr(WebKitUserStyleSheet) sheet = webkit_user_style_sheet_new (
        ":root{color-scheme:dark}html,body{background:#1e1e1e;color:#ffffff}a{color:#78aeed}",
        WEBKIT_USER_CONTENT_INJECT_TOP_FRAME, WEBKIT_USER_STYLE_LEVEL_USER, NULL, NULL);

      webkit_user_content_manager_add_style_sheet (content, sheet);
      webkit_web_view_set_background_color (self->web, &(GdkRGBA) { 0.118, 0.118, 0.118, 1 });
    }
  else
    webkit_web_view_set_background_color (self->web, &(GdkRGBA) { 1, 1, 1, 1 });
}

static void
load_now (CasellaHtmlView *self)
{
  WebKitUserContentManager *content = webkit_web_view_get_user_content_manager (self->web);
  static guint serial;

  if (self->html == NULL)
    return;
  webkit_user_content_manager_remove_all_filters (content);
  webkit_user_content_manager_add_filter (content, filters[self->remote_images ? 1 : 0]);
  set_network (self);
  set_style (self);
  g_free (self->base_uri);
  self->base_uri = g_strdup_printf (BASE_URI_FORMAT, ++serial);
  self->loaded_once = FALSE;
  self->drawn = FALSE;
  self->height_changes = 0;
  self->content_height = 0;
  gtk_widget_set_size_request (GTK_WIDGET (self->web), -1, -1);
  webkit_web_view_load_html (self->web, self->html, self->base_uri);
}

static void
forget_parts (CasellaHtmlView *self)
{
  if (self->part_data_free != NULL && self->part_data != NULL)
    self->part_data_free (self->part_data);
  self->find_part = NULL;
  self->part_data = NULL;
  self->part_data_free = NULL;
}

void
casella_html_module_show (GtkWidget           *widget,
                          const char          *html,
                          CasellaHtmlPartFunc  find_part,
                          gpointer             part_data,
                          GDestroyNotify       part_data_free,
                          gboolean             remote_images)
{
  CasellaHtmlView *self = CASELLA_HTML_VIEW (widget);

  forget_parts (self);
  self->find_part = find_part;
  self->part_data = part_data;
  self->part_data_free = part_data_free;
  g_free (self->html);
  self->html = g_strdup (html);
  self->remote_images = remote_images;
  self->has_remote = html_has_remote (html);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_CONTENT]);
  if (filters[0] != NULL && filters[1] != NULL)
    {
      load_now (self);
      return;
    }
  if (waiting == NULL)
    waiting = g_ptr_array_new ();
  if (!g_ptr_array_find (waiting, self, NULL))
    g_ptr_array_add (waiting, self);
  ensure_filters ();
}

/* ---- printing (and Save as PDF, in GTK's dialog) ---- */

void
casella_html_module_print (GtkWidget  *widget,
                           GtkWindow  *parent,
                           const char *to_file,
                           GCallback   done,
                           gpointer    done_data)
{
  CasellaHtmlView *self = CASELLA_HTML_VIEW (widget);
  g_autoptr(WebKitPrintOperation) print = webkit_print_operation_new (self->web);

  if (done != NULL)
    g_signal_connect_swapped (print, "finished", done, done_data);
  if (to_file == NULL)
    {
      webkit_print_operation_run_dialog (print, parent);
      return;
    }
  {
    g_autoptr(GtkPrintSettings) settings = gtk_print_settings_new ();
    g_autofree char *uri = g_filename_to_uri (to_file, NULL, NULL);

    /* GTK's file printer, by its name in the user's language. */
    gtk_print_settings_set_printer (settings, g_dgettext ("gtk40", "Print to File"));
    gtk_print_settings_set (settings, GTK_PRINT_SETTINGS_OUTPUT_FILE_FORMAT, "pdf");
    gtk_print_settings_set (settings, GTK_PRINT_SETTINGS_OUTPUT_URI, uri);
    webkit_print_operation_set_print_settings (print, settings);
    webkit_print_operation_print (print);
  }
}

/* ---- the widget ---- */

static void
casella_html_view_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  CasellaHtmlView *self = CASELLA_HTML_VIEW (object);

  switch (prop_id)
    {
    case PROP_REMOTE_CONTENT:
      g_value_set_boolean (value, self->has_remote);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, casella_html_module_is_loaded (GTK_WIDGET (self)));
      break;
    case PROP_FOLLOWS_CONTENT:
      g_value_set_boolean (value, follows_content (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
casella_html_view_dispose (GObject *object)
{
  CasellaHtmlView *self = CASELLA_HTML_VIEW (object);

  if (waiting != NULL)
    g_ptr_array_remove (waiting, self);
  if (self->web != NULL)
    {
      g_object_set_data (G_OBJECT (self->web), "casella-html-view", NULL);
      gtk_widget_unparent (GTK_WIDGET (self->web));
      self->web = NULL;
    }
  forget_parts (self);
  g_clear_pointer (&self->html, g_free);
  g_clear_pointer (&self->hover_uri, g_free);
  g_clear_pointer (&self->hover_text, g_free);
  g_clear_pointer (&self->base_uri, g_free);
  G_OBJECT_CLASS (casella_html_view_parent_class)->dispose (object);
}

static void
casella_html_view_class_init (CasellaHtmlViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = casella_html_view_dispose;
  object_class->get_property = casella_html_view_get_property;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);

  /* The message asks for something from the network (blocked). */
  properties[PROP_REMOTE_CONTENT] = g_param_spec_boolean ("remote-content", NULL, NULL, FALSE,
                                                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* The message on show is drawn. */
  properties[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* The view is as tall as the message (else it scrolls inside). */
  properties[PROP_FOLLOWS_CONTENT] = g_param_spec_boolean ("follows-content", NULL, NULL, FALSE,
                                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A link was clicked: its address, and the text it showed (or NULL). */
  signals[SIGNAL_LINK_ACTIVATED] = g_signal_new ("link-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                 NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
casella_html_view_init (CasellaHtmlView *self)
{
  g_autoptr(WebKitSettings) settings = safe_settings ();
  g_autoptr(WebKitNetworkSession) session = webkit_network_session_new_ephemeral ();
  g_autoptr(WebKitUserContentManager) content = webkit_user_content_manager_new ();
  GtkEventController *key = gtk_event_controller_key_new ();

  self->web = g_object_new (WEBKIT_TYPE_WEB_VIEW, "settings", settings, "network-session", session,
                            "user-content-manager", content, NULL);
  g_object_set_data (G_OBJECT (self->web), "casella-html-view", self);
  ensure_cid_scheme (webkit_web_view_get_context (self->web));
  gtk_widget_set_parent (GTK_WIDGET (self->web), GTK_WIDGET (self));
  g_signal_connect (self->web, "decide-policy", G_CALLBACK (on_decide_policy), self);
  g_signal_connect (self->web, "mouse-target-changed", G_CALLBACK (on_mouse_target), self);
  g_signal_connect (self->web, "context-menu", G_CALLBACK (on_context_menu), self);
  g_signal_connect (self->web, "load-changed", G_CALLBACK (on_load_changed), self);
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self->web), key);
  self->user_zoom = 1.0;
  g_signal_connect_object (gtk_settings_get_default (), "notify::gtk-font-name", G_CALLBACK (apply_font), self,
                           G_CONNECT_SWAPPED);
  apply_font (self);
  add_measuring (self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->web), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Message text"), -1);
}

GtkWidget *
casella_html_module_new (void)
{
  return g_object_new (CASELLA_TYPE_HTML_VIEW, NULL);
}
