/* bench-mail-window.c — the mail window on 100,000 messages: from a
 * click on the folder to its first rows on screen (grouped by
 * conversation, then to every conversation in the list, and flat), the
 * process's peak memory, and opening a 1 MB message
 *
 * Under Xvfb with the cairo renderer (casella-test-session). The store
 * is filled by a child process first, so the peak memory is the app's
 * alone: the window opened offline on an account whose server is gone,
 * the big folder opened a dozen times, the 1 MB message read a dozen
 * times. Times are taken at the frame clock's after-paint: the frame in
 * which the rows (or the text) were drawn.
 *
 * Then an HTML receipt (a table, a cid: logo): click to the message drawn
 * the first time (WebKit started then) and warm, the memory it adds (the
 * app's and WebKit's processes, PSS), and 200 switches between it and a
 * text message: the web processes and memory must not grow.
 *
 * Targets: first rows under 50 ms (issue 13; 150 ms in issue 7), peak
 * under 150 MB; HTML warm under 250 ms, under 150 MB added (issue 15).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>
#include <stdlib.h>
#include <unistd.h>

#include "casella-account-store.h"
#include "casella-application.h"
#include "casella-engine.h"
#include "casella-message-row.h"
#include "casella-store.h"
#include "casella-test-account.h"
#include "casella-test-gtk.h"
#include "casella-test-util.h"
#include "casella-window-private.h"

#define ADDRESS     "bench@demo.test"
#define BIG_COUNT   100000
#define ROUNDS      12
#define LETTER_SIZE (1024 * 1024)

/* ---- the store, filled by a child process ---- */

/* A long plain-text message: paragraphs, quoted lines and links, as a
 * report or a long thread would have. */
static GBytes *
big_letter (void)
{
  GString *text = g_string_new ("From: Ufficio Tecnico <tecnico@demo.test>\r\n"
                                "To: bench@demo.test\r\n"
                                "Subject: Relazione annuale completa\r\n"
                                "Date: Thu, 26 Nov 2026 09:00:00 +0100\r\n"
                                "Message-ID: <relazione@demo.test>\r\n"
                                "MIME-Version: 1.0\r\n"
                                "Content-Type: text/plain; charset=utf-8\r\n"
                                "Content-Transfer-Encoding: 8bit\r\n\r\n");

  for (guint i = 0; text->len < LETTER_SIZE; i++)
    {
      g_string_append_printf (text, "Paragrafo %u. La revisione dei conti è proseguita secondo il piano; "
                                    "i dettagli sono su https://demo.test/relazione/%u per chi li vuole.\r\n", i, i);
      if (i % 7 == 0)
        g_string_append (text, "> Nel messaggio precedente si chiedeva di rivedere le cifre.\r\n");
      if (i % 5 == 0)
        g_string_append (text, "\r\n");
    }
  return g_string_free_to_bytes (text);
}

static GBytes *
html_receipt (void)
{
  GString *text = g_string_new ("From: Ferrovie Demo <biglietti@demo.test>\r\nTo: bench@demo.test\r\n"
                                "Subject: Il tuo biglietto\r\nMessage-ID: <biglietto@demo.test>\r\n"
                                "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                                "<html><body style=\"font-family:sans-serif;color:#222\"><h1>Biglietto</h1>"
                                "<table border=\"1\" cellpadding=\"6\"><tr><th>Treno</th><th>Da</th><th>A</th>"
                                "<th>Posto</th></tr>");

  for (guint i = 0; i < 40; i++)
    g_string_append_printf (text, "<tr><td>FR %u</td><td>Bologna</td><td>Roma</td><td>%u%c</td></tr>",
                            9500 + i, 1 + i % 12, 'A' + i % 4);
  g_string_append (text, "</table><p>Buon viaggio!</p></body></html>\r\n");
  return g_string_free_to_bytes (text);
}

static gint64
add_message (CasellaStore *store,
             gint64        folder_id,
             guint32       uid,
             const char   *subject,
             GBytes       *raw,
             GError      **error)
{
  CasellaMessageInfo info = { 0 };
  gint64 id;

  info.folder_id = folder_id;
  info.uid = uid;
  info.flags = CASELLA_MESSAGE_SEEN;
  info.date = g_get_real_time () / G_USEC_PER_SEC - uid;
  info.subject = (char *) subject;
  info.from_name = (char *) "Ufficio Tecnico";
  info.from_address = (char *) "tecnico@demo.test";
  info.size = (gint64) g_bytes_get_size (raw);
  id = casella_store_add_message (store, &info, error);
  if (id <= 0 || !casella_store_set_body (store, id, raw, error))
    return 0;
  return id;
}

static int
fill (void)
{
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  g_autoptr(CasellaAccount) account = casella_test_account_new (ADDRESS, "Banco di Prova", casella_test_free_port (),
                                                                casella_test_free_port ());
  g_autofree char *path = casella_store_path_for_account (casella_account_get_id (account));
  g_autoptr(CasellaStore) store = NULL;
  g_autoptr(CasellaStoreFolder) inbox = NULL;
  g_autoptr(GBytes) letter = big_letter ();
  g_autoptr(GBytes) note = g_bytes_new_static ("Subject: Breve\r\n\r\nDue righe.\r\n", 29);
  g_autoptr(GBytes) receipt = html_receipt ();
  g_autoptr(GError) error = NULL;

  casella_engine_init ();
  g_assert_true (casella_test_account_store_password (account, "bench-password", &error));
  g_assert_cmpint (casella_test_account_fill_store (casella_account_get_id (account), "Grande", "Messaggio numero",
                                                    BIG_COUNT, &error), >, 0);
  store = casella_store_open (path, &error);
  g_assert_no_error (error);
  inbox = casella_store_find_folder (store, "INBOX");
  g_assert_cmpint (add_message (store, inbox->id, 1, "Relazione annuale completa", letter, &error), >, 0);
  g_assert_cmpint (add_message (store, inbox->id, 2, "Breve", note, &error), >, 0);
  g_assert_cmpint (add_message (store, inbox->id, 3, "Il tuo biglietto", receipt, &error), >, 0);
  g_assert_true (casella_store_update_counts (store, inbox->id, &error));
  g_assert_true (casella_account_store_load (accounts, &error));
  g_assert_true (casella_account_store_add (accounts, account, &error));
  return 0;
}

/* ---- measuring in the frame that shows it ---- */

/* Runs change, then the main loop until a painted frame shows drawn;
 * returns the milliseconds between. */
static double
time_until_drawn (CasellaWindow *window,
                  void         (*change) (CasellaWindow *window),
                  gboolean     (*drawn) (CasellaWindow *window))
{
  double ms = casella_test_gtk_time_until_drawn (GTK_WIDGET (window), (CasellaTestGtkChange) change, window,
                                                 (CasellaTestGtkDrawn) drawn, window, 20000);

  g_assert_cmpfloat (ms, >=, 0);
  return ms;
}

static gboolean
label_drawn (GtkWidget  *root,
             const char *text)
{
  GtkWidget *label = casella_test_gtk_find_label (root, text);

  return label != NULL && gtk_widget_get_mapped (label) && gtk_widget_get_width (label) > 0;
}

/* A row of the list that shows this subject has been drawn. */
static gboolean
row_drawn (GtkWidget  *root,
           const char *subject)
{
  GtkWidget *row = casella_test_gtk_find_message_row (root, subject);

  return row != NULL && casella_message_row_get_drawn (CASELLA_MESSAGE_ROW (row));
}

static gint64
folder_id (CasellaWindow *window,
           const char    *path)
{
  g_autoptr(CasellaStoreFolder) folder = casella_store_find_folder (casella_window_get_store (window), path);

  g_assert_nonnull (folder);
  return folder->id;
}

static gint64 big_clicked;   /* when select_big last ran */

static void
select_big (CasellaWindow *window)
{
  big_clicked = g_get_monotonic_time ();
  casella_folder_view_select (window->folder_view, folder_id (window, "Grande"));
}

static void
select_inbox (CasellaWindow *window)
{
  casella_folder_view_select (window->folder_view, folder_id (window, "INBOX"));
}

static gboolean
big_rows_drawn (CasellaWindow *window)
{
  return row_drawn (GTK_WIDGET (window->message_view), "Messaggio numero 100000");
}

static gboolean
inbox_rows_drawn (CasellaWindow *window)
{
  return row_drawn (GTK_WIDGET (window->message_view), "Breve");
}

static gint64
message_with_subject (CasellaWindow *window,
                      const char    *subject)
{
  GListModel *list = casella_message_view_get_model (window->message_view);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
    {
      g_autoptr(CasellaMessageItem) item = g_list_model_get_item (G_LIST_MODEL (list), i);

      if (g_strcmp0 (casella_message_item_get_subject (item), subject) == 0)
        return casella_message_item_get_id (item);
    }
  g_assert_not_reached ();
}

static void
open_letter (CasellaWindow *window)
{
  casella_window_select_message (window, window->session, message_with_subject (window, "Relazione annuale completa"));
}

static void
open_note (CasellaWindow *window)
{
  casella_window_select_message (window, window->session, message_with_subject (window, "Breve"));
}

static gboolean
letter_drawn (CasellaWindow *window)
{
  return casella_reader_get_raw (window->reader) != NULL &&
         g_bytes_get_size (casella_reader_get_raw (window->reader)) > LETTER_SIZE &&
         label_drawn (GTK_WIDGET (window->reader), "Relazione annuale completa");
}

static void
open_receipt (CasellaWindow *window)
{
  casella_window_select_message (window, window->session, message_with_subject (window, "Il tuo biglietto"));
}

static gboolean
receipt_drawn (CasellaWindow *window)
{
  return casella_reader_html_loaded (window->reader);
}

static gboolean
note_drawn (CasellaWindow *window)
{
  return casella_reader_get_raw (window->reader) != NULL &&
         g_bytes_get_size (casella_reader_get_raw (window->reader)) < 100;
}

/* ---- figures ---- */

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static void
report (const char *what,
        double     *ms,
        guint       n)
{
  double first = ms[0];

  qsort (ms, n, sizeof (double), compare_double);
  g_print ("%-44s first %7.1f ms, median %7.1f ms, worst %7.1f ms (%u runs)\n", what, first, ms[n / 2], ms[n - 1], n);
}

static double
peak_mb (void)
{
  g_autofree char *status = NULL;
  const char *hwm;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  hwm = strstr (status, "VmHWM:");
  g_assert_nonnull (hwm);
  return g_ascii_strtod (hwm + 6, NULL) / 1024.0;
}

/* PSS of this process and of the processes it started (WebKit's), MB;
 * n_children: how many of those there are. */
static double
pss_mb (guint *n_children)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  g_autofree char *self = g_strdup_printf ("%d", getpid ());
  const char *name;
  double kb = 0;

  *n_children = 0;
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *stat_path = g_build_filename ("/proc", name, "stat", NULL);
      g_autofree char *rollup_path = g_build_filename ("/proc", name, "smaps_rollup", NULL);
      g_autofree char *stat = NULL, *rollup = NULL;
      g_auto(GStrv) fields = NULL;
      const char *pss;
      gboolean mine;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (stat_path, &stat, NULL, NULL))
        continue;
      /* After the ")" of the command: state, then the parent's pid. */
      fields = g_strsplit (strrchr (stat, ')') + 2, " ", 3);
      mine = g_str_equal (name, self);
      if (!mine && !g_str_equal (fields[1], self))
        continue;
      if (!mine)
        (*n_children)++;
      if (g_file_get_contents (rollup_path, &rollup, NULL, NULL) && (pss = strstr (rollup, "\nPss:")) != NULL)
        kb += g_ascii_strtod (pss + 5, NULL);
    }
  return kb / 1024.0;
}

static CasellaWindow *bench_window;

static gboolean
list_complete (gpointer window)
{
  GListModel *list = casella_message_view_get_model (CASELLA_WINDOW (window)->message_view);

  return CASELLA_IS_MESSAGE_LIST (list) && casella_message_list_is_complete (CASELLA_MESSAGE_LIST (list));
}

/* The list on show has followed the setting. */
static gboolean
list_grouped (gpointer grouped)
{
  GListModel *list = casella_message_view_get_model (bench_window->message_view);

  return CASELLA_IS_MESSAGE_LIST (list) &&
         casella_message_list_get_conversations (CASELLA_MESSAGE_LIST (list)) == GPOINTER_TO_INT (grouped);
}

static gboolean
account_open (gpointer window)
{
  return casella_window_get_store (window) != NULL && CASELLA_WINDOW (window)->folder_id != 0;
}

static CasellaWindow *
open_window (CasellaApplication *app)
{
  CasellaWindow *window;
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  g_autoptr(GError) error = NULL;

  g_application_activate (G_APPLICATION (app));
  window = CASELLA_WINDOW (casella_test_gtk_wait_for_window (CASELLA_TYPE_WINDOW, 10000));
  g_assert_nonnull (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  casella_test_gtk_wait_mapped (GTK_WIDGET (window));
  g_assert_true (casella_account_store_load (accounts, &error));
  casella_window_show_account (window, casella_account_get_id (casella_account_store_lookup (accounts, ADDRESS)));
  g_assert_true (casella_test_wait_until (account_open, window, 10000));
  time_until_drawn (window, select_inbox, inbox_rows_drawn);
  return window;
}

static void
measure_html (CasellaWindow *window)
{
  double html_ms[ROUNDS];
  double text_only, with_html, after_switches;
  guint helpers, helpers_after;

  time_until_drawn (window, open_note, note_drawn);
  text_only = pss_mb (&helpers);
  g_assert_cmpuint (helpers, ==, 0);   /* no WebKit before an HTML message */
  for (guint i = 0; i < ROUNDS; i++)
    {
      html_ms[i] = time_until_drawn (window, open_receipt, receipt_drawn);
      time_until_drawn (window, open_note, note_drawn);
    }
  time_until_drawn (window, open_receipt, receipt_drawn);
  with_html = pss_mb (&helpers);
  for (guint i = 0; i < 100; i++)
    {
      time_until_drawn (window, open_note, note_drawn);
      time_until_drawn (window, open_receipt, receipt_drawn);
    }
  after_switches = pss_mb (&helpers_after);
  report ("HTML receipt, click to drawn (first: cold)", html_ms, ROUNDS);
  g_print ("memory (PSS, app + WebKit): text only %.1f MB, with HTML %.1f MB (+%.1f MB, %u helper processes)\n",
           text_only, with_html, with_html - text_only, helpers);
  g_print ("after 200 more switches: %.1f MB (%+.1f MB), %u helper processes\n", after_switches,
           after_switches - with_html, helpers_after);
}

static void
measure (void)
{
  g_autoptr(CasellaApplication) app = casella_application_new ();
  g_autoptr(GError) error = NULL;
  CasellaWindow *window;
  g_autoptr(GSettings) settings = g_settings_new ("io.github.casellamail.Casella");
  double folder_ms[ROUNDS], whole_ms[ROUNDS], flat_ms[ROUNDS], letter_ms[ROUNDS];

  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  window = bench_window = open_window (app);

  /* Grouped by conversation (the default) and flat, interleaved. */
  for (guint i = 0; i < 2 * ROUNDS; i++)
    {
      gboolean grouped = i % 2 == 0;

      g_settings_set_boolean (settings, "conversations", grouped);
      g_assert_true (casella_test_wait_until (list_grouped, GINT_TO_POINTER (grouped), 5000));
      casella_test_gtk_drain ();
      (grouped ? folder_ms : flat_ms)[i / 2] = time_until_drawn (window, select_big, big_rows_drawn);
      /* Grouped, the first conversations come first and the rest after. */
      g_assert_true (casella_test_wait_until (list_complete, window, 5000));
      if (grouped)
        whole_ms[i / 2] = (g_get_monotonic_time () - big_clicked) / 1000.0;
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (casella_message_view_get_model (window->message_view))),
                        ==, BIG_COUNT);
      time_until_drawn (window, select_inbox, inbox_rows_drawn);
    }
  g_settings_set_boolean (settings, "conversations", TRUE);
  for (guint i = 0; i < ROUNDS; i++)
    {
      letter_ms[i] = time_until_drawn (window, open_letter, letter_drawn);
      time_until_drawn (window, open_note, note_drawn);
    }
  report ("100,000-message folder, click to first rows", folder_ms, ROUNDS);
  report ("  the same, every conversation in the list", whole_ms, ROUNDS);
  report ("  the same, not grouped by conversation", flat_ms, ROUNDS);
  report ("1 MB message, click to its text drawn", letter_ms, ROUNDS);
  g_print ("peak memory of the process (VmHWM): %.1f MB\n", peak_mb ());
  measure_html (window);
  gtk_window_destroy (GTK_WINDOW (window));
  casella_test_gtk_iterate (200);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  const char *child[] = { argv[0], "--fill", NULL };
  g_autoptr(GSubprocess) filler = NULL;

  if (argc > 1 && g_str_equal (argv[1], "--fill"))
    return fill ();

  filler = g_subprocess_newv (child, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (filler, NULL, &error));
  g_assert_no_error (error);

  casella_test_gtk_init_bench (&argc, &argv);
  measure ();
  return 0;
}
