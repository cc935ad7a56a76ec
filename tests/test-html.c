/* test-html.c — HTML mail in WebKitGTK, safely: a newsletter full of
 * remote content makes no request at all (a local HTTP server logs every
 * one); with images allowed, only images come; cid: images of the
 * message render; scripts never run; a link's real target is told apart
 * from the text it shows
 *
 * Under Xvfb (cairo renderer), in English and Italian.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>

#include "casella-engine.h"
#include "casella-gmime.h"
#include "casella-html-view.h"
#include "casella-test-gtk.h"
#include "casella-test-https.h"
#include "casella-test-util.h"

static CasellaTestHttps *web;

/* A red PNG, made here (a valid one: the cid: image, easy to find on a
 * screenshot). */
static GBytes *
red_png (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 16, 16);
  gchar *buffer = NULL;
  gsize length = 0;

  gdk_pixbuf_fill (pixbuf, 0xff0000ff);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "png", NULL, NULL));
  return g_bytes_new_take (buffer, length);
}

static char *
newsletter (void)
{
  guint16 port = casella_test_https_get_http_port (web);

  return g_strdup_printf (
    "<html><head><title>Newsletter</title>"
    "<meta http-equiv=\"refresh\" content=\"0;url=http://127.0.0.1:%1$u/refresh\">"
    "<link rel=\"stylesheet\" href=\"http://127.0.0.1:%1$u/style.css\">"
    "<link rel=\"prefetch\" href=\"http://127.0.0.1:%1$u/prefetch\">"
    "<link rel=\"dns-prefetch\" href=\"//tracker.example\">"
    "<style>@font-face{font-family:X;src:url(http://127.0.0.1:%1$u/font.woff)}"
    "body{font-family:X} .hero{background:url('http://127.0.0.1:%1$u/background.png')}</style></head>"
    "<body><h1 class=\"hero\">Offerte di dicembre</h1>"
    "<img width=\"1\" height=\"1\" src=\"http://127.0.0.1:%1$u/pixel.gif\">"
    "<img srcset=\"http://127.0.0.1:%1$u/srcset-2x.png 2x\" alt=\"\">"
    "<video poster=\"http://127.0.0.1:%1$u/poster.png\"></video>"
    "<iframe src=\"http://127.0.0.1:%1$u/frame.html\"></iframe>"
    "<form action=\"http://127.0.0.1:%1$u/form\" method=\"post\"><input name=\"q\" value=\"x\" autofocus>"
    "<button id=\"go\">Go</button></form>"
    "<p><img id=\"logo\" src=\"cid:logo@casella.test\" width=\"120\" height=\"120\"></p>"
    "<p><a href=\"https://bank-security.example/login\">www.mybank.it</a></p>"
    "<script>document.title = 'SCRIPT RAN';</script>"
    "</body></html>", port);
}

/* The message the HTML belongs to: its related part is the cid: image. */
static GMimeMessage *
message_with_logo (void)
{
  g_autoptr(GMimeMessage) message = g_mime_message_new (TRUE);
  g_autoptr(GMimeMultipart) related = g_mime_multipart_new_with_subtype ("related");
  g_autoptr(GMimeTextPart) html = g_mime_text_part_new_with_subtype ("html");
  g_autoptr(GMimePart) logo = g_mime_part_new_with_type ("image", "png");
  g_autoptr(GBytes) png = red_png ();
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (png, NULL), g_bytes_get_size (png));
  g_autoptr(GMimeDataWrapper) content = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);

  g_mime_text_part_set_text (html, "<p>see cid</p>");
  g_mime_part_set_content (logo, content);
  g_mime_object_set_content_id (GMIME_OBJECT (logo), "logo@casella.test");
  g_mime_multipart_add (related, GMIME_OBJECT (html));
  g_mime_multipart_add (related, GMIME_OBJECT (logo));
  g_mime_message_set_mime_part (message, GMIME_OBJECT (related));
  return g_steal_pointer (&message);
}

/* The WebKitWebView inside, read through its properties: this test
 * never links WebKit, so that it can tell when the module brings it. */
typedef struct {
  GObject    *view;
  const char *title;
} Title;

static gboolean
is_loading (gpointer web_view)
{
  gboolean loading;

  g_object_get (web_view, "is-loading", &loading, NULL);
  return loading;
}

static char *
string_property (gpointer    web_view,
                 const char *name)
{
  char *value = NULL;

  g_object_get (web_view, name, &value, NULL);
  return value;
}

static gboolean
title_is (gpointer data)
{
  Title *wait = data;
  g_autofree char *title = string_property (wait->view, "title");

  return !is_loading (wait->view) && g_strcmp0 (title, wait->title) == 0;
}

/* The three images arrived, and the page is done. */
static gboolean
images_came (gpointer web_view)
{
  g_auto(GStrv) requests = casella_test_https_get_requests (web);

  return g_strv_length (requests) >= 3 && !is_loading (web_view);
}

static GObject *
web_view_of (GtkWidget *view)
{
  return G_OBJECT (casella_test_gtk_find_by_type (view, g_type_from_name ("WebKitWebView")));
}

static guint
count_requests (void)
{
  g_auto(GStrv) requests = casella_test_https_get_requests (web);

  for (guint i = 0; requests[i] != NULL; i++)
    g_test_message ("request: %s", requests[i]);
  return g_strv_length (requests);
}

/* Somewhere on the screenshot, the cid: image's red. */
/* A screenshot's pixels, in cairo's native order: B, G, R, A. */
static guchar *
screenshot_pixels (const char *png,
                   int        *width,
                   int        *height)
{
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (png, NULL);
  guchar *pixels;

  *width = gdk_texture_get_width (texture);
  *height = gdk_texture_get_height (texture);
  pixels = g_malloc ((gsize) *width * *height * 4);
  gdk_texture_download (texture, pixels, (gsize) *width * 4);
  return pixels;
}

static gboolean
has_red (const char *png)
{
  int width, height;
  g_autofree guchar *pixels = screenshot_pixels (png, &width, &height);

  for (int i = 0; i < width * height; i++)
    {
      guchar b = pixels[i * 4], g = pixels[i * 4 + 1], r = pixels[i * 4 + 2];

      if (r > 240 && g < 20 && b < 20)
        return TRUE;
    }
  return FALSE;
}

static gboolean
maps_webkit (void)
{
  g_autofree char *maps = NULL;

  g_assert_true (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL));
  return strstr (maps, "libwebkitgtk") != NULL;
}

static char *
shot_path (const char *name)
{
  g_autofree char *file = g_strdup_printf ("html-%s-%s.png", name, casella_test_language ());

  return g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "screenshots", file, NULL);
}

static void
test_nothing_leaves (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = NULL;
  g_autoptr(GMimeMessage) message = message_with_logo ();
  g_autofree char *html = newsletter ();
  g_autofree char *blocked = shot_path ("blocked");
  g_autofree char *shown = shot_path ("images-shown");
  g_auto(GStrv) requests = NULL;
  GObject *web_view;

  /* WebKit is nowhere in the process before the first HTML view. */
  g_assert_false (casella_html_view_module_loaded ());
  g_assert_false (maps_webkit ());
  view = casella_html_view_new (NULL);
  g_assert_nonnull (view);
  g_assert_true (maps_webkit ());
  gtk_window_set_default_size (GTK_WINDOW (window), 700, 600);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));
  casella_test_gtk_wait_mapped (window);
  web_view = web_view_of (view);

  casella_html_view_show (view, html, message, FALSE);
  g_assert_true (casella_test_wait_until (title_is, &(Title) { web_view, "Newsletter" }, 20000));
  g_assert_true (casella_html_view_has_remote (view));
  /* The script did not run; the refresh did not navigate. */
  {
    g_autofree char *title = string_property (web_view, "title");
    g_autofree char *uri = string_property (web_view, "uri");

    g_assert_cmpstr (title, ==, "Newsletter");
    g_assert_true (g_str_has_prefix (uri, "about:blank?casella-"));
  }
  g_assert_true (casella_test_gtk_screenshot (window, blocked));
  g_assert_true (has_red (blocked));
  g_assert_cmpuint (count_requests (), ==, 0);

  /* "Show images": the images come, and nothing else. */
  casella_html_view_show (view, html, message, TRUE);
  g_assert_true (casella_test_wait_until (images_came, web_view, 20000));
  /* The cid: image is still there, drawn with the others. */
  for (guint tries = 0; tries < 20 && !(casella_test_gtk_screenshot (window, shown) && has_red (shown)); tries++)
    ;
  g_assert_true (has_red (shown));
  requests = casella_test_https_get_requests (web);
  g_assert_cmpuint (g_strv_length (requests), >=, 1);
  for (guint i = 0; requests[i] != NULL; i++)
    {
      g_test_message ("with images: %s", requests[i]);
      g_assert_true (g_str_has_suffix (requests[i], ".gif") || g_str_has_suffix (requests[i], ".png"));
      g_assert_null (strstr (requests[i], "poster"));
    }
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A message that picks no colours follows the dark style; one with its
 * own stays as its sender made it, on a light canvas. */
static gboolean
corner_is_dark (const char *png)
{
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (png, NULL);
  int width = gdk_texture_get_width (texture);
  g_autofree guchar *pixels = g_malloc ((gsize) width * gdk_texture_get_height (texture) * 4);
  int at = (40 * width + 600) * 4;   /* right of the text, near the top */

  gdk_texture_download (texture, pixels, (gsize) width * 4);
  return pixels[at] < 80 && pixels[at + 1] < 80 && pixels[at + 2] < 80;
}

static void
test_dark_style (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = casella_html_view_new (NULL);
  g_autofree char *plain_shot = shot_path ("dark-plain");
  g_autofree char *coloured_shot = shot_path ("dark-own-colours");
  GObject *web_view;

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  gtk_window_set_default_size (GTK_WINDOW (window), 700, 300);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));
  casella_test_gtk_wait_mapped (window);
  web_view = web_view_of (view);

  casella_html_view_show (view, "<title>a</title><p>Ciao, ci vediamo domani.</p>", NULL, FALSE);
  g_assert_true (casella_test_wait_until (title_is, &(Title) { web_view, "a" }, 20000));
  g_assert_true (casella_test_gtk_screenshot (window, plain_shot));
  g_assert_true (corner_is_dark (plain_shot));

  casella_html_view_show (view, "<title>b</title><body style=\"color:#003366\">"
                          "<p>Estratto conto di novembre</p></body>", NULL, FALSE);
  g_assert_true (casella_test_wait_until (title_is, &(Title) { web_view, "b" }, 20000));
  g_assert_true (casella_test_gtk_screenshot (window, coloured_shot));
  g_assert_false (corner_is_dark (coloured_shot));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The desktop's font and text size (Large Text moves the font DPI)
 * reach the message, text sized in pixels too, as most mail's is. */
static int
text_bottom (const char *png)
{
  int width, height;
  g_autofree guchar *pixels = screenshot_pixels (png, &width, &height);

  for (int y = height - 1; y >= 0; y--)
    for (int x = 0; x < width; x++)
      if (pixels[(y * width + x) * 4 + 1] < 100)
        return y;
  return -1;
}

static double
zoom_of (GObject *web_view)
{
  double zoom = 0;

  g_object_get (web_view, "zoom-level", &zoom, NULL);
  return zoom;
}

/* Shows html, waits for it, and tells where its text ends. */
static int
shown_text_bottom (GtkWidget  *window,
                   GtkWidget  *view,
                   const char *title,
                   const char *body)
{
  g_autofree char *html = g_strdup_printf ("<title>%s</title>%s", title, body);
  g_autofree char *name = g_strdup_printf ("text-%s", title);
  g_autofree char *png = shot_path (name);
  int bottom;

  casella_html_view_show (view, html, NULL, FALSE);
  g_assert_true (casella_test_wait_until (title_is, &(Title) { web_view_of (view), title }, 20000));
  g_assert_true (casella_test_gtk_screenshot (window, png));
  bottom = text_bottom (png);
  g_test_message ("%s: the text ends at %d px", title, bottom);
  g_assert_cmpint (bottom, >, 0);
  return bottom;
}

static void
test_desktop_text_size (void)
{
  GtkSettings *desktop = gtk_settings_get_default ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = casella_html_view_new (NULL);
  const char *unstyled = "<p style=\"margin:0\">Ciao Marco,<br>ci vediamo domani<br>alle nove.</p>";
  const char *in_pixels = "<p style=\"font-size:14px;margin:0\">Gentile cliente,<br>il suo estratto conto<br>"
                          "è disponibile.</p>";
  g_autofree char *font = NULL;
  int dpi = 0, small, big, normal, large;

  g_object_get (desktop, "gtk-xft-dpi", &dpi, "gtk-font-name", &font, NULL);
  g_object_set (desktop, "gtk-xft-dpi", 96 * 1024, "gtk-font-name", "Sans 10", NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 500, 400);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));
  casella_test_gtk_wait_mapped (window);

  /* Text the message leaves unstyled comes in the desktop's font size. */
  small = shown_text_bottom (window, view, "font-10", unstyled);
  g_object_set (desktop, "gtk-font-name", "Sans 20", NULL);
  big = shown_text_bottom (window, view, "font-20", unstyled);
  g_assert_cmpint (big, >, small * 16 / 10);
  g_object_set (desktop, "gtk-font-name", "Sans 10", NULL);

  /* Large Text (×1.5) reaches text sized in pixels too, at once. */
  normal = shown_text_bottom (window, view, "pixels", in_pixels);
  g_assert_cmpfloat_with_epsilon (zoom_of (web_view_of (view)), 1.0, 0.001);
  g_object_set (desktop, "gtk-xft-dpi", 144 * 1024, NULL);
  large = shown_text_bottom (window, view, "pixels-large-text", in_pixels);
  g_assert_cmpint (large, >, normal * 13 / 10);
  /* WebKit does that scaling itself: never twice. */
  g_assert_cmpfloat_with_epsilon (zoom_of (web_view_of (view)), 1.0, 0.001);
  g_assert_cmpint (large, <, normal * 2);

  g_object_set (desktop, "gtk-xft-dpi", dpi, "gtk-font-name", font, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
on_printed (gboolean *done)
{
  *done = TRUE;
}

/* Printing (GTK's dialog offers Save as PDF): here straight to a PDF. */
static void
test_print_to_pdf (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = casella_html_view_new (NULL);
  g_autofree char *dir = casella_test_make_tmpdir ("casella-print");
  g_autofree char *pdf = g_build_filename (dir, "ricevuta.pdf", NULL);
  g_autofree char *contents = NULL;
  gsize length = 0;
  gboolean done = FALSE;

  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));
  casella_test_gtk_wait_mapped (window);
  casella_html_view_show (view, "<title>r</title><h1>Ricevuta</h1><table><tr><td>Caffè</td><td>1,20 €</td></tr></table>",
                          NULL, FALSE);
  g_assert_true (casella_test_wait_until (title_is, &(Title) { web_view_of (view), "r" }, 20000));
  casella_html_view_print (view, GTK_WINDOW (window), pdf, G_CALLBACK (on_printed), &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_file_get_contents (pdf, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 500);
  g_assert_true (g_str_has_prefix (contents, "%PDF-"));
  gtk_window_destroy (GTK_WINDOW (window));
  casella_test_rm_rf (dir);
}

/* A real click (the X server's, through XTEST) on a link: the view hands
 * it over and stays on the message. */
typedef struct {
  char *uri;
  char *text;
} Clicked;

static void
on_link_activated (GtkWidget  *view,
                   const char *uri,
                   const char *text,
                   Clicked    *clicked)
{
  clicked->uri = g_strdup (uri);
  clicked->text = g_strdup (text);
}

static gboolean
was_clicked (gpointer data)
{
  return ((Clicked *) data)->uri != NULL;
}

static gboolean
tooltip_is (gpointer web_view)
{
  return g_strcmp0 (gtk_widget_get_tooltip_text (web_view), "https://bank-security.example/login") == 0;
}

typedef struct {
  GObject *web_view;
  double   level;
} Zoom;

static gboolean
zoomed_to (gpointer data)
{
  Zoom *zoom = data;

  return G_APPROX_VALUE (zoom_of (zoom->web_view), zoom->level, 0.001);
}

static void
xdotool (const char *command)
{
  g_autofree char *line = g_strconcat ("xdotool ", command, NULL);
  int status = -1;

  g_assert_true (g_spawn_command_line_sync (line, NULL, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
test_real_click (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = casella_html_view_new (NULL);
  Clicked clicked = { NULL, NULL };
  g_autofree char *uri = NULL;
  GObject *web_view;

  gtk_window_set_default_size (GTK_WINDOW (window), 600, 400);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));
  casella_test_gtk_wait_mapped (window);
  web_view = web_view_of (view);
  g_signal_connect (view, "link-activated", G_CALLBACK (on_link_activated), &clicked);
  casella_html_view_show (view, "<title>c</title><a href=\"https://bank-security.example/login\" "
                          "style=\"display:block;font-size:40px\">www.mybank.it</a>", NULL, FALSE);
  g_assert_true (casella_test_wait_until (title_is, &(Title) { web_view, "c" }, 20000));
  /* No window manager: the window is at the screen's corner. */
  xdotool ("mousemove --sync 60 30");
  g_assert_true (casella_test_wait_until (tooltip_is, web_view, 5000));
  xdotool ("click 1");
  g_assert_true (casella_test_wait_until (was_clicked, &clicked, 5000));
  g_assert_cmpstr (clicked.uri, ==, "https://bank-security.example/login");
  g_assert_cmpstr (clicked.text, ==, "www.mybank.it");
  g_object_get (web_view, "uri", &uri, NULL);
  g_assert_true (g_str_has_prefix (uri, "about:blank?casella-"));
  /* The click gave the view the keyboard: Ctrl+plus and Ctrl+0 zoom. */
  xdotool ("key ctrl+plus");
  g_assert_true (casella_test_wait_until (zoomed_to, &(Zoom) { web_view, 1.1 }, 5000));
  xdotool ("key ctrl+0");
  g_assert_true (casella_test_wait_until (zoomed_to, &(Zoom) { web_view, 1.0 }, 5000));
  g_free (clicked.uri);
  g_free (clicked.text);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_disguised_links (void)
{
  struct { const char *uri, *text, *disguised; } cases[] = {
    { "https://bank-security.example/login", "www.mybank.it", "mybank.it" },
    { "https://www.mybank.it/login", "www.mybank.it", NULL },
    { "https://secure.mybank.it/x", "mybank.it", NULL },
    { "https://evilmybank.it/x", "mybank.it", "mybank.it" },
    { "https://news.example/track?id=1", "Read more", NULL },
    { "https://news.example/a", "https://news.example/b", NULL },
    { "http://10.0.0.1/", "https://poste.it", "poste.it" },
    { "mailto:anna@example.test", "anna@example.test", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *host = casella_link_disguised_host (cases[i].uri, cases[i].text);

      g_assert_cmpstr (host, ==, cases[i].disguised);
    }
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  /* As the app does without a GPU render node (main.c). */
  g_setenv ("WEBKIT_DISABLE_DMABUF_RENDERER", "1", FALSE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  casella_i18n_init ();
  casella_engine_init ();
  web = casella_test_https_new ();
  g_assert_true (casella_test_https_start (web, &error));

  g_test_add_func ("/ui/html/nothing-leaves", test_nothing_leaves);
  g_test_add_func ("/ui/html/dark-style", test_dark_style);
  g_test_add_func ("/ui/html/desktop-text-size", test_desktop_text_size);
  g_test_add_func ("/ui/html/print-to-pdf", test_print_to_pdf);
  g_test_add_func ("/ui/html/real-click", test_real_click);
  g_test_add_func ("/ui/html/disguised-links", test_disguised_links);
  status = g_test_run ();
  casella_test_https_free (web);
  return status;
}
