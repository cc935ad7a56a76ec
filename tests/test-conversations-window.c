/* test-conversations-window.c — a conversation in the mail window: twelve
 * messages over the Inbox, Sent and Archive are one row (the people, how
 * many, the newest date), open whole in the reader with the newest open
 * and the others folded, an older one opens in its place, a star goes on
 * the message open, a message asked for by id opens in its conversation,
 * moving the row moves the conversation's messages in
 * the folder, the setting turns it all off, and an answer that arrives
 * while it is open joins it
 *
 * Runs in English and Italian under Xvfb with a private Dovecot.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>

#include "casella-account-store.h"
#include "casella-application.h"
#include "casella-conversation-strip.h"
#include "casella-engine.h"
#include "casella-test-account.h"
#include "casella-test-dovecot.h"
#include "casella-test-gtk.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"
#include "casella-test-window.h"
#include "casella-ui.h"

#define ADDRESS "io@example.test"
#define PASSWORD "cena-password"
#define SUBJECT "Cena di venerdì"
#define N_MESSAGES 12

static CasellaTestDovecot *dovecot;
static CasellaTestSmtp *sink;
static CasellaWindow *window;

/* Where each message of the conversation is, and who wrote it. */
static const char *const folders[N_MESSAGES] = {
  "INBOX", "Sent", "Archive", "INBOX", "Sent", "Archive", "INBOX", "Sent", "Archive", "INBOX", "Sent", "INBOX",
};
static const char *const senders[N_MESSAGES] = {
  "Anna Rossi <anna@example.test>", NULL, "Marco Bianchi <marco@example.test>", "Anna Rossi <anna@example.test>", NULL,
  "Luca Verdi <luca@example.test>", "Marco Bianchi <marco@example.test>", NULL, "Anna Rossi <anna@example.test>",
  "Luca Verdi <luca@example.test>", NULL, "Anna Rossi <anna@example.test>",
};
static const char *const texts[N_MESSAGES] = {
  "Ciao a tutti, venerdì sera cena da me?", "Volentieri! Porto il dolce.", "Io ci sono, porto il vino.",
  "Perfetto, alle otto.", "Posso portare un'amica?", "Arrivo un po' tardi, scusate.", "Serve una mano per la spesa?",
  "Io passo dal fornaio.", "Certo, porta chi vuoi.", "Ho trovato parcheggio vicino?", "Ci sono posti in via Roma.",
  "Allora a venerdì, non vedo l'ora!",
};

static char *
message_text (guint i)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "From: %s\r\nTo: %s\r\n", senders[i] ? senders[i] : "Io <" ADDRESS ">",
                          senders[i] ? ADDRESS : "Anna Rossi <anna@example.test>");
  g_string_append_printf (text, "Subject: %s%s\r\nDate: Mon, 23 Nov 2026 %02u:%02u:00 +0100\r\n",
                          i == 0 ? "" : "Re: ", SUBJECT, 8 + i, i * 4);
  g_string_append_printf (text, "Message-ID: <cena-%u@example.test>\r\n", i);
  if (i > 0)
    {
      g_string_append_printf (text, "In-Reply-To: <cena-%u@example.test>\r\nReferences:", i - 1);
      for (guint j = 0; j < i; j++)
        g_string_append_printf (text, " <cena-%u@example.test>", j);
      g_string_append (text, "\r\n");
    }
  g_string_append_printf (text, "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", texts[i]);
  return g_string_free (text, FALSE);
}

static void
deliver (const char *folder,
         const char *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (casella_test_dovecot_deliver (dovecot, ADDRESS, folder, text, -1, NULL, &error));
}

static void
fill_mailbox (void)
{
  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autofree char *text = message_text (i);
      deliver (folders[i], text);
    }
  deliver ("INBOX", "From: Banca Demo <avvisi@banca.example.test>\r\nTo: " ADDRESS "\r\nSubject: Estratto conto\r\n"
           "Date: Sun, 22 Nov 2026 10:00:00 +0100\r\nMessage-ID: <estratto@banca.example.test>\r\n\r\n"
           "Il suo estratto conto è disponibile.\r\n");
}

static CasellaStore *
store (void)
{
  return casella_mail_session_get_store (window->session);
}

static CasellaMessageItem *
row_with_subject (const char *subject)
{
  GListModel *list = casella_message_view_get_model (window->message_view);

  for (guint i = 0; list && i < g_list_model_get_n_items (list); i++)
    {
      CasellaMessageItem *item = g_list_model_get_item (list, i);

      if (g_strcmp0 (casella_message_item_get_subject (item), subject) == 0)
        return item;
      g_object_unref (item);
    }
  return NULL;
}

static gboolean
grouped (gpointer data)
{
  g_autoptr(CasellaMessageItem) item = row_with_subject ("Re: " SUBJECT);
  GListModel *list = casella_message_view_get_model (window->message_view);

  return item != NULL && casella_message_item_get_count (item) == N_MESSAGES &&
         g_list_model_get_n_items (list) == GPOINTER_TO_UINT (data);
}

/* One row for the twelve: the people who wrote, how many, the newest. */
static void
test_grouped (void)
{
  g_autoptr(CasellaMessageItem) item = NULL;
  const char * const *people;

  g_assert_true (casella_test_wait_until (grouped, GUINT_TO_POINTER (2), 30000));
  item = row_with_subject ("Re: " SUBJECT);
  people = casella_message_item_get_people (item);
  g_assert_cmpuint (g_strv_length ((char **) people), ==, 4);
  g_assert_cmpstr (people[0], ==, "Anna Rossi");
  g_assert_cmpstr (people[1], ==, "");             /* the account itself */
  g_assert_cmpstr (people[2], ==, "Marco Bianchi");
  g_assert_cmpstr (people[3], ==, "Luca Verdi");
  g_assert_true (casella_message_item_get_unread (item));
  casella_test_window_shot (GTK_WIDGET (window), "conversations", "list");
}

static void
collect_strips (GtkWidget *root,
                GPtrArray *found)
{
  if (CASELLA_IS_CONVERSATION_STRIP (root))
    g_ptr_array_add (found, root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    collect_strips (child, found);
}

/* The reader's strips: the one above the open message, then below it. */
static CasellaConversationStrip *
strip (const char *which)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect_strips (GTK_WIDGET (window->reader), found);
  g_assert_cmpuint (found->len, ==, 2);
  return found->pdata[g_str_equal (which, "earlier") ? 0 : 1];
}

static gboolean
all_read (gpointer data)
{
  GPtrArray *messages = casella_reader_get_conversation (window->reader);
  g_autoptr(GPtrArray) now = NULL;

  if (messages == NULL)
    return FALSE;
  now = casella_store_list_thread (store (), ((CasellaMessageInfo *) messages->pdata[0])->thread, 0, NULL);
  for (guint i = 0; now != NULL && i < now->len; i++)
    if (!(((CasellaMessageInfo *) now->pdata[i])->flags & CASELLA_MESSAGE_SEEN))
      return FALSE;
  return now != NULL && now->len == N_MESSAGES;
}

static gboolean
text_is (gpointer text)
{
  g_autofree char *shown = casella_reader_get_text (window->reader);

  return casella_reader_get_raw (window->reader) != NULL && strstr (shown, text) != NULL;
}

/* The conversation opens whole: the newest open, the eleven before it
 * folded above it, all of it read. */
static void
test_reader (void)
{
  g_autoptr(CasellaMessageItem) item = NULL;

  casella_test_window_read (window, "Re: " SUBJECT);
  g_assert_true (casella_test_wait_until (text_is, (gpointer) texts[N_MESSAGES - 1], 10000));
  g_assert_nonnull (casella_reader_get_conversation (window->reader));
  g_assert_cmpuint (casella_reader_get_conversation (window->reader)->len, ==, N_MESSAGES);
  g_assert_cmpuint (casella_conversation_strip_get_n_messages (strip ("earlier")), ==, N_MESSAGES - 1);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (strip ("later"))));
  g_assert_true (casella_test_wait_until (all_read, NULL, 10000));
  item = row_with_subject ("Re: " SUBJECT);
  g_assert_false (casella_message_item_get_unread (item));
  casella_test_window_shot (GTK_WIDGET (window), "conversations", "reader");
}

/* The folded row with this text, activated. */
static void
open_folded (const char *text)
{
  GtkWidget *list = casella_test_gtk_find_by_type (GTK_WIDGET (strip ("earlier")), GTK_TYPE_LIST_BOX);
  GtkWidget *label = casella_test_gtk_find_label (list, text);
  GtkWidget *row = label ? gtk_widget_get_ancestor (label, GTK_TYPE_LIST_BOX_ROW) : NULL;

  g_assert_nonnull (row);
  g_assert_true (gtk_widget_activate (row));
}

static gboolean
open_is_starred (gpointer data)
{
  g_autoptr(CasellaMessageInfo) info = casella_store_get_message (store (), casella_reader_get_message (window->reader));

  return info != NULL && (info->flags & CASELLA_MESSAGE_FLAGGED) == GPOINTER_TO_UINT (data);
}

/* The star by the subject. */
static GtkWidget *
reader_star (GtkWidget *root)
{
  if (GTK_IS_IMAGE (root) && g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (root)), "starred-symbolic") == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = reader_star (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
star_shown (gpointer star)
{
  return gtk_widget_get_visible (star);
}

/* An older message opens in the newest's place, the newer ones folded
 * below it; a star goes on it, not on the row's newest message. */
static void
test_open_older (void)
{
  g_autoptr(CasellaMessageInfo) newest = NULL;
  GPtrArray *messages = casella_reader_get_conversation (window->reader);
  gint64 newest_id = ((CasellaMessageInfo *) messages->pdata[N_MESSAGES - 1])->id;
  g_autofree char *more = g_strdup_printf (g_dngettext ("casella", "%u more message", "%u more messages", 8), 8);

  /* Eleven before it: the first, "8 more messages", the last two. */
  g_assert_null (casella_test_gtk_find_label (GTK_WIDGET (strip ("earlier")), "Perfetto, alle otto."));
  open_folded (more);
  g_assert_nonnull (casella_test_gtk_find_label (GTK_WIDGET (strip ("earlier")), "Perfetto, alle otto."));
  open_folded ("Perfetto, alle otto.");
  g_assert_true (casella_test_wait_until (text_is, "Perfetto, alle otto.", 10000));
  g_assert_cmpuint (casella_conversation_strip_get_n_messages (strip ("earlier")), ==, 3);
  g_assert_cmpuint (casella_conversation_strip_get_n_messages (strip ("later")), ==, 8);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (strip ("later"))));
  g_action_group_activate_action (G_ACTION_GROUP (window), "toggle-star", NULL);
  g_assert_true (casella_test_wait_until (open_is_starred, GUINT_TO_POINTER (CASELLA_MESSAGE_FLAGGED), 5000));
  newest = casella_store_get_message (store (), newest_id);
  g_assert_false (newest->flags & CASELLA_MESSAGE_FLAGGED);
  g_assert_true (casella_test_wait_until (star_shown, reader_star (GTK_WIDGET (window->reader)), 5000));
  casella_test_window_shot (GTK_WIDGET (window), "conversations", "older-open");
}

static gboolean
reader_opened (gpointer data)
{
  return casella_reader_get_raw (window->reader) != NULL &&
         casella_reader_get_message (window->reader) == *(gint64 *) data;
}

/* A message asked for by its id (a notification, a search) opens itself
 * inside its conversation, whether its row was selected or not. */
static void
test_open_by_id (void)
{
  GPtrArray *messages = casella_reader_get_conversation (window->reader);
  gint64 first = ((CasellaMessageInfo *) messages->pdata[0])->id;
  gint64 fourth = ((CasellaMessageInfo *) messages->pdata[3])->id;

  casella_window_select_message (window, window->session, first);
  g_assert_true (casella_test_wait_until (reader_opened, &first, 10000));
  g_assert_true (casella_test_wait_until (text_is, (gpointer) texts[0], 10000));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (strip ("earlier"))));
  casella_test_window_read (window, "Estratto conto");
  casella_window_select_message (window, window->session, fourth);
  g_assert_true (casella_test_wait_until (reader_opened, &fourth, 10000));
  g_assert_true (casella_test_wait_until (text_is, (gpointer) texts[3], 10000));
  g_assert_cmpuint (casella_reader_get_conversation (window->reader)->len, ==, N_MESSAGES);
}

static gboolean
inbox_holds (gpointer data)
{
  g_autoptr(CasellaStoreFolder) inbox = casella_store_find_folder_by_role (store (), CASELLA_FOLDER_ROLE_INBOX);
  g_autoptr(GArray) ids = casella_store_list_message_ids (store (), inbox->id, NULL, NULL);

  return ids != NULL && ids->len == GPOINTER_TO_UINT (data);
}

static gboolean
server_inbox_holds (gpointer data)
{
  return casella_test_dovecot_count_messages (dovecot, ADDRESS, "INBOX") == GPOINTER_TO_UINT (data);
}

/* Moving the row moves the conversation's five messages in the Inbox
 * (and only those: Sent keeps its four); Undo brings them back. */
static void
test_move (void)
{
  g_autoptr(CasellaStoreFolder) archive = casella_store_find_folder (store (), "Archive");
  g_autoptr(CasellaStoreFolder) sent = casella_store_find_folder (store (), "Sent");
  g_autoptr(GArray) in_sent = NULL;

  g_assert_true (inbox_holds (GUINT_TO_POINTER (6)));
  g_action_group_activate_action (G_ACTION_GROUP (window), "move-to", g_variant_new_int64 (archive->id));
  g_assert_true (casella_test_wait_until (inbox_holds, GUINT_TO_POINTER (1), 10000));
  g_assert_true (casella_test_window_wait_for (window, "Re: " SUBJECT, FALSE, 5000));
  g_assert_true (casella_test_wait_until (server_inbox_holds, GUINT_TO_POINTER (1), 30000));
  in_sent = casella_store_list_message_ids (store (), sent->id, NULL, NULL);
  g_assert_cmpuint (in_sent->len, ==, 4);
  casella_test_window_open_folder (window, "Archive");
  g_assert_true (casella_test_wait_until (grouped, GUINT_TO_POINTER (1), 10000));
}

/* Turned off, each message is a row of its own again. */
static void
test_turned_off (void)
{
  GListModel *list;

  g_action_group_activate_action (G_ACTION_GROUP (window), "conversations", NULL);
  list = casella_message_view_get_model (window->message_view);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 8);   /* three there, five moved in */
  g_action_group_activate_action (G_ACTION_GROUP (window), "conversations", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 1);
}

static gboolean
later_holds (gpointer data)
{
  return casella_conversation_strip_get_n_messages (strip ("later")) == GPOINTER_TO_UINT (data) &&
         gtk_widget_get_visible (GTK_WIDGET (strip ("later")));
}

/* An answer that arrives while the conversation is open is folded in
 * below the open message, and the row counts it. */
static void
test_answer_arrives (void)
{
  g_autoptr(CasellaMessageItem) item = NULL;

  casella_test_window_read (window, "Re: " SUBJECT);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (strip ("later"))));
  deliver ("Sent", "From: Io <" ADDRESS ">\r\nTo: Anna Rossi <anna@example.test>\r\nSubject: Re: " SUBJECT "\r\n"
           "Date: Mon, 23 Nov 2026 21:00:00 +0100\r\nMessage-ID: <cena-12@example.test>\r\n"
           "In-Reply-To: <cena-11@example.test>\r\nReferences: <cena-0@example.test> <cena-11@example.test>\r\n\r\n"
           "A venerdì!\r\n");
  g_action_group_activate_action (G_ACTION_GROUP (window), "refresh", NULL);
  g_assert_true (casella_test_wait_until (later_holds, GUINT_TO_POINTER (1), 30000));
  g_assert_nonnull (casella_test_gtk_find_label (GTK_WIDGET (strip ("later")), "A venerdì!"));
  item = row_with_subject ("Re: " SUBJECT);
  g_assert_cmpuint (casella_message_item_get_count (item), ==, N_MESSAGES + 1);
}

int
main (int argc, char **argv)
{
  g_autoptr(CasellaAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  CasellaApplication *app;
  int status;

  casella_test_window_init_gtk (&argc, &argv);

  casella_test_gtk_serve_notifications ();
  sink = casella_test_smtp_new ();
  casella_test_smtp_add_user (sink, ADDRESS, PASSWORD);
  g_assert_true (casella_test_smtp_start (sink, &error));
  dovecot = casella_test_dovecot_new ();
  casella_test_dovecot_add_user (dovecot, ADDRESS, PASSWORD);
  g_assert_true (casella_test_dovecot_start (dovecot, &error));
  fill_mailbox ();
  account = casella_test_account_new (ADDRESS, NULL, casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS),
                                      casella_test_smtp_get_port (sink, CASELLA_TEST_SMTP_SMTPS));
  casella_test_window_add_account (account, PASSWORD);

  {
    g_autoptr(GSettings) settings = g_settings_new ("io.github.casellamail.Casella");
    g_assert_true (g_settings_get_boolean (settings, "conversations"));   /* on unless turned off */
  }
  app = casella_application_new ();
  window = casella_test_window_start (app);

  g_test_add_func ("/ui/conversations/1-grouped", test_grouped);
  g_test_add_func ("/ui/conversations/2-reader", test_reader);
  g_test_add_func ("/ui/conversations/3-open-older", test_open_older);
  g_test_add_func ("/ui/conversations/4-open-by-id", test_open_by_id);
  g_test_add_func ("/ui/conversations/5-move", test_move);
  g_test_add_func ("/ui/conversations/6-turned-off", test_turned_off);
  g_test_add_func ("/ui/conversations/7-answer-arrives", test_answer_arrives);
  status = g_test_run ();

  casella_test_dovecot_free (dovecot);
  casella_test_smtp_free (sink);
  return status;
}
