/* test-pec-window.c — certified mail (PEC) in the mail window: an account
 * made PEC in its settings shows the letter inside its envelope with
 * what the provider certified, the envelope and the original one click
 * away, an anomaly as not certified, receipts hidden from the Inbox and
 * shown as the status of the message sent
 *
 * Runs in English and Italian under Xvfb, with a private Dovecot whose
 * mailbox holds envelopes and receipts built and signed as a provider
 * does (casella-test-pec.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>
#include <glib/gstdio.h>

#include "casella-account-settings.h"
#include "casella-account-store.h"
#include "casella-application.h"
#include "casella-composer.h"
#include "casella-engine.h"
#include "casella-gmime.h"
#include "casella-pec-banner.h"
#include "casella-store-queue.h"
#include "casella-test-account.h"
#include "casella-test-dovecot.h"
#include "casella-test-gtk.h"
#include "casella-test-pec.h"
#include "casella-test-pki.h"
#include "casella-test-smtp.h"
#include "casella-test-util.h"
#include "casella-test-window.h"
#include "casella-ui.h"

#define T(text) g_dgettext ("casella", text)
#define ADDRESS "pec@example.test"
#define PASSWORD "pec-password"

static CasellaTestDovecot *dovecot;
static CasellaTestSmtp *sink;
static CasellaWindow *window;
static char *letter_text;   /* the envelope as the server has it */

static const char *const sent_to[] = { "ufficio@pec.comune.example.test", "studio@pec.example.test", NULL };
static const char *const sent_external[] = { "anna@example.test", NULL };

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
  g_autofree char *inside = casella_test_pec_original ("mario.rossi@pec.example.test", ADDRESS,
                                                       "Convocazione assemblea", "conv-1@pec.example.test",
                                                       "L'assemblea dei soci è convocata per lunedì alle 18.");
  g_autofree char *spam = casella_test_pec_original ("offerte@example.test", ADDRESS, "Offerta imperdibile",
                                                     "spam-1@example.test", "Compra ora.");
  g_autofree char *sent = casella_test_pec_original (ADDRESS, "ufficio@pec.comune.example.test, "
                                                     "studio@pec.example.test, anna@example.test",
                                                     "Richiesta documenti", "sent-1@example.test",
                                                     "Buongiorno, chiedo il certificato di residenza.");
  CasellaTestPec letter = { .kind = "posta-certificata", .provider = "pec.example.test",
                            .sender = "mario.rossi@pec.example.test",
                            .certified = (const char *[]) { ADDRESS, NULL }, .subject = "Convocazione assemblea",
                            .msgid = "conv-1@pec.example.test", .original = inside, .provider_name = "Aruba PEC S.p.A." };
  CasellaTestPec anomaly = { .kind = "errore", .provider = "example.test", .sender = "offerte@example.test",
                             .certified = (const char *[]) { ADDRESS, NULL }, .subject = "Offerta imperdibile",
                             .msgid = "spam-1@example.test", .original = spam };
  CasellaTestPec receipt = { .provider = "example.test", .sender = ADDRESS, .certified = sent_to,
                             .external = sent_external, .subject = "Richiesta documenti", .msgid = "sent-1@example.test",
                             .original = sent };
  g_autofree char *text = NULL;

  letter_text = casella_test_pec_build (&letter);
  deliver ("INBOX", letter_text);
  {
    g_autofree char *forged_inside = casella_test_pec_original ("mario.rossi@pec.example.test", ADDRESS,
                                                                "Sollecito di pagamento", "soll-1@pec.example.test",
                                                                "Pagare entro oggi.");
    CasellaTestPec changed = letter;

    changed.subject = "Sollecito di pagamento", changed.msgid = "soll-1@pec.example.test";
    changed.original = forged_inside, changed.tampered = TRUE;
    g_free (text), text = casella_test_pec_build (&changed);
    deliver ("INBOX", text);
  }
  text = casella_test_pec_build (&anomaly);
  deliver ("INBOX", text);
  /* A lawyer forwards the letter, envelope and all, by PEC. */
  {
    g_autofree char *forward = g_strdup_printf (
      "From: avvocato@pec.example.test\nTo: %s\nSubject: I: Convocazione assemblea\n"
      "Date: Thu, 05 Dec 2024 11:00:00 +0100\nMessage-ID: <fwd-1@pec.example.test>\nMIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"fwd\"\n\n--fwd\nContent-Type: text/plain; charset=utf-8\n\n"
      "Ti inoltro la convocazione ricevuta.\n--fwd\nContent-Type: message/rfc822; name=\"postacert.eml\"\n"
      "Content-Disposition: attachment; filename=\"postacert.eml\"\n\n%s\n--fwd--\n", ADDRESS, letter_text);
    CasellaTestPec outer = { .kind = "posta-certificata", .provider = "pec.example.test",
                             .sender = "avvocato@pec.example.test", .certified = (const char *[]) { ADDRESS, NULL },
                             .subject = "I: Convocazione assemblea", .msgid = "fwd-1@pec.example.test",
                             .original = forward };

    g_free (text), text = casella_test_pec_build (&outer);
    deliver ("INBOX", text);
  }
  deliver ("Sent", sent);
  {
    g_autofree char *second = casella_test_pec_original (ADDRESS, "ufficio@pec.comune.example.test",
                                                         "Seconda richiesta", "sent-2@example.test", "Sollecito.");
    CasellaTestPec accepted = { .kind = "accettazione", .provider = "example.test", .sender = ADDRESS,
                                .certified = (const char *[]) { "ufficio@pec.comune.example.test", NULL },
                                .subject = "Seconda richiesta", .msgid = "sent-2@example.test" };

    deliver ("Sent", second);
    g_free (text), text = casella_test_pec_build (&accepted);
    deliver ("INBOX", text);
  }
  receipt.kind = "accettazione";
  g_free (text), text = casella_test_pec_build (&receipt);
  deliver ("INBOX", text);
  receipt.kind = "avvenuta-consegna", receipt.delivered_to = sent_to[0], receipt.time = "10:02:09";
  g_free (text), text = casella_test_pec_build (&receipt);
  deliver ("INBOX", text);
  receipt.kind = "errore-consegna", receipt.delivered_to = sent_to[1], receipt.time = "10:03:00";
  receipt.error = "no-dest", receipt.error_detail = "5.1.1 - Test PEC - indirizzo non valido";
  g_free (text), text = casella_test_pec_build (&receipt);
  deliver ("INBOX", text);
}

static CasellaPecBanner *
banner (void)
{
  CasellaPecBanner *found = CASELLA_PEC_BANNER (casella_test_gtk_find_by_type (GTK_WIDGET (window->reader),
                                                                              CASELLA_TYPE_PEC_BANNER));

  g_assert_nonnull (found);
  return found;
}

static gboolean
banner_says (gpointer text)
{
  g_autofree char *shown = NULL;

  if (!gtk_widget_get_visible (GTK_WIDGET (banner ())))
    return FALSE;
  shown = casella_pec_banner_get_text (banner ());
  return strstr (shown, text) != NULL;
}

static void
assert_banner_says (const char *text)
{
  if (!casella_test_wait_until (banner_says, (gpointer) text, 10000))
    {
      g_autofree char *shown = casella_pec_banner_get_text (banner ());
      g_error ("The banner says “%s”, not “%s”", shown, text);
    }
}

static gboolean
text_says (gpointer text)
{
  g_autofree char *shown = casella_reader_get_text (window->reader);

  return strstr (shown, text) != NULL;
}

static GtkSwitch *
switch_in_row (GtkWidget  *root,
               const char *title)
{
  if (ADW_IS_ACTION_ROW (root) && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title) == 0)
    return GTK_SWITCH (casella_test_gtk_find_by_type (root, GTK_TYPE_SWITCH));
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkSwitch *found = switch_in_row (child, title);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
saved_pec (gpointer data)
{
  g_autoptr(CasellaAccountStore) accounts = casella_account_store_new (NULL);
  CasellaAccount *saved;

  return casella_account_store_load (accounts, NULL) && (saved = casella_account_store_lookup (accounts, ADDRESS)) &&
         casella_account_get_pec (saved) && casella_account_get_show_pec_receipts (saved) == GPOINTER_TO_INT (data);
}

/* The provider's wording until the account says it is PEC; then the
 * letter, as its sender wrote it. */
static void
test_turn_on (void)
{
  g_autoptr(GPtrArray) unlabelled = g_ptr_array_new ();
  CasellaAccountSettings *settings;
  GtkSwitch *pec;

  g_assert_true (casella_test_window_wait_for (window, "POSTA CERTIFICATA: Convocazione assemblea", TRUE, 10000));
  g_assert_true (casella_test_window_wait_for (window, "ACCETTAZIONE: Richiesta documenti", TRUE, 10000));

  g_action_group_activate_action (G_ACTION_GROUP (window), "account-settings", NULL);
  settings = CASELLA_ACCOUNT_SETTINGS (casella_test_gtk_wait_for_window (CASELLA_TYPE_ACCOUNT_SETTINGS, 5000));
  g_assert_nonnull (settings);
  gtk_window_set_default_size (GTK_WINDOW (settings), 560, 900);
  casella_test_gtk_wait_mapped (GTK_WIDGET (settings));
  casella_test_gtk_collect_unlabelled (GTK_WIDGET (settings), unlabelled);
  g_assert_cmpuint (unlabelled->len, ==, 0);
  pec = switch_in_row (GTK_WIDGET (settings), T ("This is a _certified email (PEC) address"));
  g_assert_nonnull (pec);
  g_assert_false (gtk_switch_get_active (pec));
  gtk_switch_set_active (pec, TRUE);
  g_assert_true (casella_test_wait_until (saved_pec, GINT_TO_POINTER (FALSE), 5000));
  {
    GtkWidget *viewport = gtk_widget_get_ancestor (GTK_WIDGET (pec), GTK_TYPE_VIEWPORT);

    gtk_viewport_set_scroll_to_focus (GTK_VIEWPORT (viewport), TRUE);
    gtk_widget_grab_focus (GTK_WIDGET (pec));
  }
  casella_test_gtk_wait_mapped (GTK_WIDGET (pec));
  casella_test_window_shot (GTK_WIDGET (settings), "pec", "settings");
  gtk_window_close (GTK_WINDOW (settings));

  g_assert_true (casella_test_window_wait_for (window, "Convocazione assemblea", TRUE, 20000));
  g_assert_true (casella_test_window_wait_for (window, "ACCETTAZIONE: Richiesta documenti", FALSE, 10000));
  g_assert_true (casella_test_window_wait_for (window, "CONSEGNA: Richiesta documenti", FALSE, 10000));
  g_assert_null (GINT_TO_POINTER (casella_test_window_find (window, "POSTA CERTIFICATA: Convocazione assemblea")));
}

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Written whole (it is written in place, so it exists before). */
static gboolean
file_written (gpointer path)
{
  GStatBuf info;

  return g_stat (path, &info) == 0 && (gsize) info.st_size == g_bytes_get_size (casella_reader_get_raw (window->reader));
}

/* The row of the message with this subject in the list on show. */
static CasellaMessageItem *
item_with_subject (const char *subject)
{
  GListModel *list = casella_message_view_get_model (window->message_view);

  for (guint i = 0; list && i < g_list_model_get_n_items (list); i++)
    {
      CasellaMessageItem *item = g_list_model_get_item (list, i);

      if (g_strcmp0 (casella_message_item_get_subject (item), subject) == 0)
        return item;
      g_object_unref (item);
    }
  g_error ("No row “%s”", subject);
}

static void
test_letter (void)
{
  g_autofree char *saved_path = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *dir = casella_test_make_tmpdir ("casella-pec-save");
  gsize length;

  casella_test_window_read (window, "Convocazione assemblea");
  /* The list marks the certified letter, not the anomaly. */
  {
    g_autoptr(CasellaMessageItem) letter = item_with_subject ("Convocazione assemblea");
    g_autoptr(CasellaMessageItem) anomaly = item_with_subject ("Offerta imperdibile");

    g_assert_true (casella_message_item_get_certified (letter));
    g_assert_false (casella_message_item_get_certified (anomaly));
  }
  assert_banner_says (T ("Certified email (PEC)"));
  assert_banner_says ("mario.rossi@pec.example.test");
  assert_banner_says ("Aruba PEC S.p.A.");
  assert_banner_says (T ("The provider’s signature is valid: it issued these details, and the message has not been "
                         "changed since."));
  g_assert_true (casella_test_wait_until (text_says, "convocata per lunedì", 5000));
  g_assert_false (text_says ("Messaggio di posta certificata"));
  casella_test_window_shot (GTK_WIDGET (window), "pec", "letter");

  /* The envelope as it came, and back. */
  casella_pec_banner_set_envelope_shown (banner (), TRUE);
  g_assert_true (casella_test_wait_until (text_says, "Messaggio di posta certificata", 5000));
  assert_banner_says (T ("Certified email (PEC)"));
  casella_pec_banner_set_envelope_shown (banner (), FALSE);
  g_assert_true (casella_test_wait_until (text_says, "convocata per lunedì", 5000));

  /* The original, byte for byte: it is the proof. */
  gtk_widget_activate_action (GTK_WIDGET (window->reader), "reader.save-original", NULL);
  casella_test_window_choose_file (dir);
  saved_path = g_build_filename (dir, "Convocazione assemblea.eml", NULL);
  g_assert_true (casella_test_wait_until (file_written, saved_path, 5000));
  g_assert_true (g_file_get_contents (saved_path, &saved, &length, NULL));
  g_assert_cmpuint (length, ==, g_bytes_get_size (casella_reader_get_raw (window->reader)));
  g_assert_cmpmem (saved, length, g_bytes_get_data (casella_reader_get_raw (window->reader), NULL), length);
  g_assert_nonnull (strstr (saved, "X-Trasporto: posta-certificata"));
  casella_test_rm_rf (dir);
}

/* A forwarded certified message opens inside the one that forwards it,
 * and back. */
static void
test_forwarded (void)
{
  casella_test_window_read (window, "I: Convocazione assemblea");
  assert_banner_says ("avvocato@pec.example.test");
  g_assert_true (casella_test_wait_until (text_says, "Ti inoltro la convocazione", 5000));
  g_assert_true (gtk_widget_is_visible (casella_test_gtk_find_button (GTK_WIDGET (banner ()),
                                                                      T ("Open the _Forwarded Message"))));
  gtk_widget_activate_action (GTK_WIDGET (window->reader), "reader.pec-deeper", NULL);
  g_assert_true (casella_test_wait_until (text_says, "convocata per lunedì", 5000));
  assert_banner_says ("mario.rossi@pec.example.test");
  assert_banner_says (T ("This certified message was forwarded inside another: its own signature is not checked "
                         "here. These details are as its provider declared them."));
  casella_test_window_shot (GTK_WIDGET (window), "pec", "forwarded");
  gtk_widget_activate_action (GTK_WIDGET (window->reader), "reader.pec-up", NULL);
  g_assert_true (casella_test_wait_until (text_says, "Ti inoltro la convocazione", 5000));
}

/* Changed after the provider signed it: said plainly. */
static void
test_changed (void)
{
  casella_test_window_read (window, "Sollecito di pagamento");
  assert_banner_says (T ("Warning: the message was changed after the provider signed it. These details cannot be "
                         "trusted."));
  casella_test_window_shot (GTK_WIDGET (window), "pec", "changed");
}

static void
test_anomaly (void)
{
  casella_test_window_read (window, "Offerta imperdibile");
  assert_banner_says (T ("Not certified"));
}

static void
test_sent_status (void)
{
  casella_test_window_open_folder (window, "Sent");
  casella_test_window_read (window, "Richiesta documenti");
  assert_banner_says (T ("Certified email: where it got to"));
  assert_banner_says ("ufficio@pec.comune.example.test");
  {
    g_autofree char *not_delivered = g_strdup_printf (T ("Not delivered to %s: %s"), "studio@pec.example.test",
                                                      T ("the address does not exist"));
    g_autofree char *no_receipt = g_strdup_printf (T ("%s is not a PEC address: no delivery receipt will come"),
                                                   "anna@example.test");

    assert_banner_says (not_delivered);
    assert_banner_says (no_receipt);
  }
  casella_test_window_shot (GTK_WIDGET (window), "pec", "sent-status");

  /* "Save Proof…": the message and each receipt unchanged, a summary. */
  {
    g_autofree char *dir = casella_test_make_tmpdir ("casella-pec-proof");
    g_autofree char *folder = g_strdup_printf (T ("%s (PEC proof)"), "Richiesta documenti");
    g_autofree char *into = g_build_filename (dir, folder, NULL);
    g_autofree char *summary_path = g_build_filename (into, "summary.txt", NULL);
    g_autofree char *summary = NULL;
    CasellaStore *store = casella_window_get_store (window);
    g_autoptr(GPtrArray) receipts = casella_store_list_pec_receipts (store, casella_reader_get_message (window->reader),
                                                                     NULL);
    const char *names[] = { "02-accettazione.eml", "03-avvenuta-consegna-ufficio@pec.comune.example.test.eml",
                            "04-errore-consegna-studio@pec.example.test.eml" };

    gtk_widget_activate_action (GTK_WIDGET (window->reader), "reader.save-proof", NULL);
    casella_test_window_choose_file (dir);
    g_assert_true (casella_test_wait_until (file_exists, summary_path, 5000));
    g_assert_true (g_file_get_contents (summary_path, &summary, NULL, NULL));
    g_assert_nonnull (strstr (summary, "Richiesta documenti"));
    g_assert_nonnull (strstr (summary, "ufficio@pec.comune.example.test"));
    g_assert_cmpuint (receipts->len, ==, 3);
    for (guint i = 0; i < receipts->len; i++)
      {
        CasellaPecReceipt *receipt = g_ptr_array_index (receipts, i);
        g_autoptr(GBytes) body = casella_store_get_body (store, receipt->message_id, NULL);
        g_autofree char *path = g_build_filename (into, names[i], NULL);
        g_autofree char *saved = NULL;
        gsize length;

        g_assert_true (g_file_get_contents (path, &saved, &length, NULL));
        g_assert_cmpmem (saved, length, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
      }
    casella_test_rm_rf (dir);
  }
}

/* A receipt that comes while the message is open updates it there. */
static void
test_status_updates (void)
{
  CasellaTestPec delivered = { .kind = "avvenuta-consegna", .provider = "example.test", .sender = ADDRESS,
                               .certified = (const char *[]) { "ufficio@pec.comune.example.test", NULL },
                               .subject = "Seconda richiesta", .msgid = "sent-2@example.test",
                               .delivered_to = "ufficio@pec.comune.example.test", .receipt_type = "sintetica" };
  g_autofree char *text = casella_test_pec_build (&delivered);
  g_autofree char *waiting = g_strdup_printf (T ("Waiting for the delivery receipt from %s"),
                                              "ufficio@pec.comune.example.test");
  g_autofree char *arrived = g_strdup_printf (T ("Delivered to %s on %s"), "ufficio@pec.comune.example.test", "");

  casella_test_window_open_folder (window, "Sent");
  casella_test_window_read (window, "Seconda richiesta");
  assert_banner_says (waiting);
  deliver ("INBOX", text);
  casella_mail_session_refresh (window->session);
  assert_banner_says (arrived);
  casella_test_window_open_folder (window, "INBOX");
}

/* Receipts, when asked for, are in the list; each says what it proves. */
static void
test_receipts_shown (void)
{
  CasellaAccountSettings *settings;
  GtkSwitch *shown;

  g_action_group_activate_action (G_ACTION_GROUP (window), "account-settings", NULL);
  settings = CASELLA_ACCOUNT_SETTINGS (casella_test_gtk_wait_for_window (CASELLA_TYPE_ACCOUNT_SETTINGS, 5000));
  casella_test_gtk_wait_mapped (GTK_WIDGET (settings));
  shown = switch_in_row (GTK_WIDGET (settings), T ("Show _receipts in the message list"));
  g_assert_nonnull (shown);
  gtk_switch_set_active (shown, TRUE);
  g_assert_true (casella_test_wait_until (saved_pec, GINT_TO_POINTER (TRUE), 5000));
  gtk_window_close (GTK_WINDOW (settings));

  casella_test_window_open_folder (window, "INBOX");
  casella_test_window_read (window, "CONSEGNA: Richiesta documenti");
  assert_banner_says (T ("Delivery receipt"));
  assert_banner_says (T ("Keep this receipt: it is your legal proof."));
  casella_test_window_shot (GTK_WIDGET (window), "pec", "receipt");
}

static gboolean
label_shows (gpointer text)
{
  GtkWindow *composer = casella_test_gtk_wait_for_window (CASELLA_TYPE_COMPOSER, 0);
  GtkWidget *label = composer ? casella_test_gtk_find_label_containing (GTK_WIDGET (composer), text) : NULL;

  return label != NULL && gtk_widget_get_mapped (label);
}

static GtkWidget *
expander_titled (GtkWidget  *root,
                 const char *title)
{
  if (GTK_IS_EXPANDER (root) && g_strcmp0 (gtk_expander_get_label (GTK_EXPANDER (root)), title) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = expander_titled (child, title);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
entry_titled (GtkWidget  *root,
              const char *title)
{
  if (ADW_IS_ENTRY_ROW (root) && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = entry_titled (child, title);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Writing from PEC: no Bcc, a word on addresses that do not look like
 * PEC ones, and a message too big for the providers said before it goes. */
static void
test_writing (void)
{
  g_autoptr(CasellaDraft) draft = casella_draft_new ();
  g_autofree char *warning = g_strdup_printf (T ("%s does not look like a PEC address: if it is not, it gets your "
                                                 "message as ordinary email and no delivery receipt will come for it."),
                                              "anna@example.test");
  g_autoptr(GArray) outbox_before = casella_store_outbox_list (casella_window_get_store (window), NULL);
  g_autoptr(GArray) outbox_after = NULL;
  CasellaComposer *composer;
  GtkWidget *to, *bcc, *more;
  guchar *big = g_malloc0 (11 * 1000 * 1000);

  draft->subject = g_strdup ("Documenti firmati");
  draft->body = g_strdup ("In allegato i documenti firmati.");
  g_ptr_array_add (draft->attachments, casella_attachment_new ("documenti.pdf", "application/pdf",
                                                               g_bytes_new_take (big, 11 * 1000 * 1000)));
  composer = casella_composer_new (GTK_APPLICATION (g_application_get_default ()), window->session, draft, 0);
  gtk_window_present (GTK_WINDOW (composer));
  casella_test_gtk_wait_mapped (GTK_WIDGET (composer));
  to = entry_titled (GTK_WIDGET (composer), T ("To"));
  bcc = entry_titled (GTK_WIDGET (composer), T ("Bcc"));
  more = casella_test_gtk_find_by_type (to, GTK_TYPE_TOGGLE_BUTTON);
  g_assert_nonnull (more);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (more), TRUE);
  g_assert_true (gtk_widget_get_visible (entry_titled (GTK_WIDGET (composer), T ("Cc"))));
  g_assert_false (gtk_widget_get_visible (bcc));

  gtk_editable_set_text (GTK_EDITABLE (to), "ufficio@pec.comune.example.test, studio@legalmail.it");
  g_assert_true (casella_test_wait_until (label_shows, (gpointer) T ("Certified email: you will get an acceptance "
                                                                     "receipt, and a delivery receipt from each PEC "
                                                                     "address."), 5000));
  gtk_editable_set_text (GTK_EDITABLE (to), "ufficio@pec.comune.example.test, studio@legalmail.it, anna@example.test");
  g_assert_true (casella_test_wait_until (label_shows, warning, 5000));
  /* The receipt kind, behind Advanced, goes out as X-TipoRicevuta. */
  {
    GtkWidget *advanced = expander_titled (GTK_WIDGET (composer), T ("_Advanced"));
    GtkDropDown *receipt;

    g_assert_nonnull (advanced);
    receipt = GTK_DROP_DOWN (casella_test_gtk_find_by_type (gtk_expander_get_child (GTK_EXPANDER (advanced)),
                                                            GTK_TYPE_DROP_DOWN));
    g_autoptr(CasellaDraft) written = NULL;
    g_autoptr(GMimeMessage) message = NULL;

    g_assert_true (gtk_widget_get_visible (advanced));
    gtk_expander_set_expanded (GTK_EXPANDER (advanced), TRUE);
    gtk_drop_down_set_selected (receipt, 1);
    written = casella_composer_get_draft (composer);
    g_assert_cmpstr (written->pec_receipt, ==, "breve");
    g_assert_null (written->bcc);
    message = casella_draft_to_message (written);
    g_assert_cmpstr (g_mime_object_get_header (GMIME_OBJECT (message), "X-TipoRicevuta"), ==, "breve");
  }
  casella_test_window_shot (GTK_WIDGET (composer), "pec", "composer");

  /* 11 MB for three: 33 MB, past the 30 the providers take. */
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_true (casella_test_wait_until (label_shows, (gpointer) "30 MB", 5000));
  outbox_after = casella_store_outbox_list (casella_window_get_store (window), NULL);
  g_assert_cmpuint (outbox_after->len, ==, outbox_before->len);
  gtk_window_destroy (GTK_WINDOW (composer));
}

int
main (int argc, char **argv)
{
  g_autoptr(CasellaAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  CasellaApplication *app;
  int status;

  /* The system's authorities, for OpenSSL (the PEC signatures), are the
   * test CA's: its test provider signs as a real one. */
  g_setenv ("SSL_CERT_FILE", casella_test_pki_get ()->ca_file, TRUE);
  g_setenv ("SSL_CERT_DIR", casella_test_pki_get ()->dir, TRUE);
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

  app = casella_application_new ();
  window = casella_test_window_start (app);

  g_test_add_func ("/ui/pec/1-turn-on", test_turn_on);
  g_test_add_func ("/ui/pec/2-letter", test_letter);
  g_test_add_func ("/ui/pec/3-anomaly", test_anomaly);
  g_test_add_func ("/ui/pec/3-changed", test_changed);
  g_test_add_func ("/ui/pec/3-forwarded", test_forwarded);
  g_test_add_func ("/ui/pec/4-sent-status", test_sent_status);
  g_test_add_func ("/ui/pec/4-status-updates", test_status_updates);
  g_test_add_func ("/ui/pec/5-receipts-shown", test_receipts_shown);
  g_test_add_func ("/ui/pec/6-writing", test_writing);
  status = g_test_run ();

  casella_test_dovecot_free (dovecot);
  casella_test_smtp_free (sink);
  return status;
}
