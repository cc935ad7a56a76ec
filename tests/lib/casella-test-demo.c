/* casella-test-demo.c — believable sample mail
 *
 * Written here from templates (no real person's mail): conversations
 * with replies and quotes, work threads with documents, photos from
 * family, HTML-only newsletters and tickets, bank statements, in Italian
 * and English, spread over the last four months.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "casella-test-demo.h"
#include "casella-test-pec.h"
#include "casella-test-util.h"

/* A small but valid PDF, a 1×1 PNG and a calendar invitation. */
static const char pdf_b64[] =
  "JVBERi0xLjQKMSAwIG9iajw8L1R5cGUvQ2F0YWxvZy9QYWdlcyAyIDAgUj4+ZW5kb2JqCjIgMCBvYmo8PC9UeXBlL1BhZ2VzL0tp\r\n"
  "ZHNbMyAwIFJdL0NvdW50IDE+PmVuZG9iagozIDAgb2JqPDwvVHlwZS9QYWdlL1BhcmVudCAyIDAgUi9NZWRpYUJveFswIDAgNTk1\r\n"
  "IDg0Ml0+PmVuZG9iagp0cmFpbGVyPDwvUm9vdCAxIDAgUj4+CiUlRU9GCg==\r\n";
static const char png_b64[] =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==\r\n";
static const char ics_text[] =
  "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Casella demo//IT\r\nBEGIN:VEVENT\r\nUID:demo-kickoff@demo.test\r\n"
  "DTSTART:20261203T090000Z\r\nDTEND:20261203T100000Z\r\nSUMMARY:Project kickoff\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/* ATTACH_QR: an image the HTML shows inline (cid:qr@treni.demo.test). */
typedef enum { ATTACH_NONE, ATTACH_PDF, ATTACH_PHOTOS, ATTACH_INVITE, ATTACH_QR } Attach;

typedef struct {
  const char *from_name;
  const char *from_address;
  const char *to;            /* NULL: the demo user */
  const char *subject;
  const char *text;          /* NULL: HTML only */
  const char *html;
  Attach      attach;
  const char *attach_name;
} Letter;

typedef struct {
  CasellaTestDovecot *dovecot;
  const char         *user;
  guint               count;
  guint               serial;
  GError             *error;
} Filler;

static void
append_attachment (GString    *out,
                   Attach      attach,
                   const char *name)
{
  switch (attach)
    {
    case ATTACH_PDF:
      g_string_append_printf (out, "--casella-demo\r\nContent-Type: application/pdf; name=\"%s\"\r\n"
                                   "Content-Disposition: attachment; filename=\"%s\"\r\n"
                                   "Content-Transfer-Encoding: base64\r\n\r\n%s", name, name, pdf_b64);
      break;
    case ATTACH_PHOTOS:
      for (int i = 1; i <= 3; i++)
        g_string_append_printf (out, "--casella-demo\r\nContent-Type: image/png; name=\"foto-%d.png\"\r\n"
                                     "Content-Disposition: attachment; filename=\"foto-%d.png\"\r\n"
                                     "Content-Transfer-Encoding: base64\r\n\r\n%s", i, i, png_b64);
      break;
    case ATTACH_QR:
      g_string_append_printf (out, "--casella-demo\r\nContent-Type: image/png\r\nContent-ID: <qr@treni.demo.test>\r\n"
                                   "Content-Disposition: inline; filename=\"qr.png\"\r\n"
                                   "Content-Transfer-Encoding: base64\r\n\r\n%s", png_b64);
      break;
    case ATTACH_INVITE:
      g_string_append_printf (out, "--casella-demo\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n"
                                   "Content-Disposition: attachment; filename=\"invito.ics\"\r\n\r\n%s", ics_text);
      break;
    default:
      break;
    }
}

static char *
build (const Letter *letter,
       const char   *user,
       gint64        when,
       const char   *id,
       const char   *reply_to_id,
       const char   *quote)
{
  GString *out = g_string_new (NULL);
  g_autofree char *date = casella_test_date_header (when);
  gboolean mixed = letter->attach != ATTACH_NONE;
  const char *type = letter->text ? "text/plain; charset=utf-8" : "text/html; charset=utf-8";

  g_string_append_printf (out, "From: %s <%s>\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@demo.test>\r\n",
                          letter->from_name, letter->from_address, letter->to ? letter->to : user, letter->subject,
                          date, id);
  if (reply_to_id != NULL)
    g_string_append_printf (out, "In-Reply-To: <%s@demo.test>\r\nReferences: <%s@demo.test>\r\n", reply_to_id,
                            reply_to_id);
  g_string_append (out, "MIME-Version: 1.0\r\n");
  if (mixed)
    g_string_append_printf (out, "Content-Type: multipart/%s; boundary=\"casella-demo\"\r\n\r\n--casella-demo\r\n",
                            letter->attach == ATTACH_QR ? "related" : "mixed");
  g_string_append_printf (out, "Content-Type: %s\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n", type,
                          letter->text ? letter->text : letter->html);
  if (quote != NULL)
    g_string_append (out, quote);
  if (mixed)
    {
      append_attachment (out, letter->attach, letter->attach_name);
      g_string_append (out, "--casella-demo--\r\n");
    }
  return g_string_free (out, FALSE);
}

/* flags: Maildir letters, "S" seen, "F" flagged, "RS" replied and seen. */
static void
deliver (Filler       *filler,
         const char   *folder,
         const Letter *letter,
         gint64        when,
         const char   *flags,
         const char   *reply_to_id,
         const char   *quote,
         char        **id_out)
{
  g_autofree char *id = g_strdup_printf ("demo-%u", ++filler->serial);
  g_autofree char *text = NULL;

  if (filler->error != NULL)
    return;
  text = build (letter, filler->user, when, id, reply_to_id, quote);
  if (casella_test_dovecot_deliver (filler->dovecot, filler->user, folder, text, -1, flags, &filler->error))
    filler->count++;
  if (id_out != NULL)
    *id_out = g_steal_pointer (&id);
}

/* ---- the mail ---- */

static const Letter conversations[] = {
  { "Giulia Ferrari", "giulia.ferrari@demo.test", NULL, "Cena sabato?",
    "Ciao Marco,\r\nsabato sera siamo liberi? Pensavamo di provare la trattoria nuova in via Saragozza, "
    "alle 20:30.\r\nFammi sapere!\r\n\r\nGiulia", NULL, ATTACH_NONE, NULL },
  { "Luca Bianchi", "luca.bianchi@demo.test", NULL, "Preventivo cucina",
    "Buongiorno Marco,\r\nin allegato il preventivo per la cucina, come d'accordo al telefono.\r\n"
    "Il sopralluogo si può fare martedì mattina. Il listino completo è su www.demo.test/listino\r\n\r\n"
    "Cordiali saluti,\r\nLuca Bianchi\r\nFalegnameria Bianchi", NULL, ATTACH_PDF, "preventivo-cucina.pdf" },
  { "Mamma", "anna.esposito@demo.test", NULL, "Foto delle vacanze",
    "Ciao tesoro,\r\nti mando le foto di Cefalù. Guarda che mare!\r\nUn abbraccio, mamma", NULL, ATTACH_PHOTOS, NULL },
  { "Emily Clarke", "emily.clarke@demo.test", NULL, "Project kickoff next week",
    "Hi Marco,\r\n\r\nI've sent an invitation for the kickoff on Thursday at 10:00. The agenda is in our shared "
    "notes: https://notes.demo.test/kickoff\r\n\r\nCould you prepare five minutes on the timeline?\r\n\r\nThanks,\r\n"
    "Emily", NULL, ATTACH_INVITE, NULL },
  { "Paolo Conti", "paolo.conti@demo.test", NULL, "Calcetto giovedì",
    "Ragazzi, giovedì alle 21 al solito campo. Chi porta il pallone?\r\nPaolo", NULL, ATTACH_NONE, NULL },
  { "Sara Ricci", "sara.ricci@demo.test", NULL, "Libro che ti dicevo",
    "Il titolo è \"Lessico famigliare\" di Natalia Ginzburg. Te lo presto volentieri!\r\nSara", NULL, ATTACH_NONE,
    NULL },
  { "John Smith", "john.smith@demo.test", NULL, "Invoice 4821",
    "Dear Marco,\r\n\r\nPlease find attached invoice 4821 for the translation work in November.\r\n"
    "Payment is due within 30 days.\r\n\r\nBest regards,\r\nJohn Smith", NULL, ATTACH_PDF, "invoice-4821.pdf" },
  { "Condominio Via Mazzini", "amministratore@demo.test", NULL, "Assemblea condominiale",
    "Gentili condomini,\r\nl'assemblea ordinaria è convocata per il 12 dicembre alle 18:30 nella sala comune.\r\n"
    "All'ordine del giorno: bilancio, lavori al tetto, varie ed eventuali.\r\n\r\nL'amministratore", NULL,
    ATTACH_PDF, "convocazione.pdf" },
};

static const char *const replies[] = {
  "Ottima idea, ci siamo! Prenoto io per quattro.",
  "Grazie, lo guardo stasera e ti faccio sapere.",
  "Bellissime! Quando venite a trovarci?",
  "Sure, I'll have the timeline ready by Wednesday.",
  "Io ci sono, porto anche le pettorine.",
  "Perfetto, passo a prenderlo domani.",
  "Thank you John, I'll arrange the payment this week.",
  "Grazie, ci sarò.",
};

static char *
quote_of (const Letter *letter)
{
  g_auto(GStrv) lines = g_strsplit (letter->text ? letter->text : "", "\r\n", -1);
  GString *out = g_string_new ("\r\n");

  g_string_append_printf (out, "%s ha scritto:\r\n", letter->from_name);
  for (guint i = 0; lines[i]; i++)
    g_string_append_printf (out, "> %s\r\n", lines[i]);
  return g_string_free (out, FALSE);
}

static void
fill_conversations (Filler *filler,
                    gint64  now)
{
  for (guint round = 0; round < 8; round++)
    for (guint i = 0; i < G_N_ELEMENTS (conversations); i++)
      {
        const Letter *first = &conversations[i];
        g_autofree char *id = NULL;
        g_autofree char *quote = quote_of (first);
        Letter answer = { CASELLA_DEMO_NAME, CASELLA_DEMO_ADDRESS, first->from_address, NULL, replies[i], NULL,
                          ATTACH_NONE, NULL };
        g_autofree char *subject = g_strdup_printf ("Re: %s", first->subject);
        /* The newest round is this week and partly unread; older ones are archived. */
        gint64 when = now - (gint64) (round * 30 + i * 2 + 1) * 86400 - (gint64) i * 3600;
        const char *folder = round == 0 ? (i == 1 || i == 6 ? "Lavoro" : i == 2 ? "Famiglia" : "INBOX") : "Archive";
        const char *flags = round == 0 && i % 3 == 0 ? NULL : (round == 0 && i == 1 ? "SF" : "S");

        deliver (filler, folder, first, when, flags, NULL, NULL, &id);
        answer.subject = subject;
        deliver (filler, "Sent", &answer, when + 5400, "S", id, quote, NULL);
      }
}

static void
fill_newsletters (Filler *filler,
                  gint64  now)
{
  for (guint week = 0; week < 26; week++)
    {
      g_autofree char *subject = g_strdup_printf ("Novità in libreria – settimana %u", 48 - week);
      g_autofree char *digest = g_strdup_printf ("Your weekly digest #%u", 120 - week);
      Letter books = { "Libreria Portico", "newsletter@libreria.demo.test", NULL, subject, NULL,
                       "<html><head><style>p{color:red}</style><script>alert('no')</script></head><body>"
                       "<h1>Questa settimana</h1><p>Tre novità scelte dai nostri librai:</p><ul>"
                       "<li><a href=\"https://libreria.demo.test/1\">Il giardino dei Finzi-Contini</a></li>"
                       "<li>La storia &mdash; Elsa Morante</li><li>Se una notte d&rsquo;inverno un viaggiatore</li></ul>"
                       "<p>Ti aspettiamo in via Zamboni 12. <img src=\"https://tracker.demo.test/pixel.gif\"></p>"
                       "</body></html>", ATTACH_NONE, NULL };
      Letter news = { "Tech Weekly", "digest@news.demo.test", NULL, digest, NULL,
                      "<html><body><h2>Top stories</h2><p>GNOME 47 released with accent colours.</p>"
                      "<p>Read more at <a href=\"https://news.demo.test/gnome\">news.demo.test</a>.</p></body></html>",
                      ATTACH_NONE, NULL };
      gint64 when = now - (gint64) week * 7 * 86400 - 3 * 3600;

      deliver (filler, "Newsletter", &books, when, week == 0 ? NULL : "S", NULL, NULL, NULL);
      deliver (filler, "Newsletter", &news, when - 86400, week < 2 ? NULL : "S", NULL, NULL, NULL);
    }
}

static void
fill_notices (Filler *filler,
              gint64  now)
{
  for (guint month = 0; month < 4; month++)
    {
      g_autofree char *statement = g_strdup_printf ("Estratto conto di %s", (const char *[]) {
                                                      "novembre", "ottobre", "settembre", "agosto" }[month]);
      /* As banks send it: a remote logo, a table of movements, the PDF. */
      Letter bank = { "Banca Demo", "estratti@banca.demo.test", NULL, statement, NULL,
                      "<html><body style=\"font-family:Georgia,serif;color:#102a43;background:#f4f7fb\">"
                      "<table width=\"100%\" cellpadding=\"12\" style=\"background:#0b3d91\"><tr><td>"
                      "<img src=\"https://cdn.banca.demo.test/logo.png\" alt=\"Banca Demo\" height=\"32\" style=\"color:#ffffff\"></td></tr>"
                      "</table><p>Gentile cliente,<br>è disponibile il suo estratto conto. Lo trova in allegato.</p>"
                      "<table cellpadding=\"6\" style=\"border-collapse:collapse;background:#ffffff\">"
                      "<tr style=\"background:#dde6f3\"><th align=\"left\">Data</th><th align=\"left\">Movimento</th>"
                      "<th align=\"right\">Importo</th></tr>"
                      "<tr><td>03/11</td><td>Stipendio</td><td align=\"right\">+1.850,00 €</td></tr>"
                      "<tr><td>07/11</td><td>Supermercato Coop</td><td align=\"right\">−86,40 €</td></tr>"
                      "<tr><td>15/11</td><td>Bolletta luce</td><td align=\"right\">−62,15 €</td></tr>"
                      "<tr style=\"font-weight:bold\"><td></td><td>Saldo finale</td><td align=\"right\">4.127,33 €</td>"
                      "</tr></table><p><a href=\"https://banca.demo.test/area-clienti\">Vai all’area clienti</a></p>"
                      "<p style=\"font-size:small\">Banca Demo non chiede mai le sue credenziali per email.</p>"
                      "</body></html>", ATTACH_PDF, "estratto-conto.pdf" };

      deliver (filler, "INBOX", &bank, now - (gint64) month * 30 * 86400 - 2 * 86400, month ? "S" : NULL, NULL, NULL,
               NULL);
    }
  for (guint trip = 0; trip < 16; trip++)
    {
      g_autofree char *subject = g_strdup_printf ("Il tuo biglietto Bologna → %s",
                                                  (const char *[]) { "Roma", "Milano", "Firenze", "Napoli",
                                                                     "Torino" }[trip % 5]);
      Letter ticket = { "Treni Demo", "biglietti@treni.demo.test", NULL, subject, NULL,
                        "<html><body style=\"font-family:sans-serif;color:#1a1a1a;background:#ffffff\">"
                        "<h2 style=\"color:#b00020\">Treni Demo</h2><table cellpadding=\"6\" "
                        "style=\"border-collapse:collapse;border:1px solid #ccc\"><tr><th>Partenza</th><td>08:15</td>"
                        "</tr><tr><th>Carrozza</th><td>7</td></tr><tr><th>Posto</th><td>12A</td></tr></table>"
                        "<p>Mostra questo codice al controllore:</p>"
                        "<p><img src=\"cid:qr@treni.demo.test\" width=\"96\" height=\"96\" alt=\"QR\"></p>"
                        "<p>Buon viaggio!</p></body></html>", ATTACH_QR, NULL };

      deliver (filler, trip < 3 ? "INBOX" : "Archive", &ticket, now - (gint64) (trip * 9 + 4) * 86400, "S", NULL,
               NULL, NULL);
    }
  for (guint order = 0; order < 24; order++)
    {
      g_autofree char *subject = order % 2 ? g_strdup_printf ("Your order #%u has shipped", 70311 + order)
                                           : g_strdup_printf ("Il tuo ordine n. %u è in consegna", 5520 + order);
      Letter shipped = { order % 2 ? "Shop Demo" : "Negozio Demo", "ordini@shop.demo.test", NULL, subject,
                         order % 2 ? "Good news: your parcel is on its way. Track it at https://shop.demo.test/track"
                                   : "Il pacco è partito e arriverà entro due giorni lavorativi.",
                         NULL, ATTACH_NONE, NULL };

      deliver (filler, "INBOX", &shipped, now - (gint64) (order * 6 + 3) * 86400 - 7200, "S", NULL, NULL, NULL);
    }
}

static void
fill_work (Filler *filler,
           gint64  now)
{
  for (guint week = 0; week < 26; week++)
    {
      g_autofree char *subject = g_strdup_printf ("Report settimanale – settimana %u", 47 - week);
      g_autofree char *report = g_strdup_printf ("rapporto-settimana-%u.pdf", 47 - week);
      Letter letter = { "Chiara Romano", "chiara.romano@demo.test", NULL, subject,
                        "Ciao a tutti,\r\nin allegato il report della settimana: avanzamento al 78%, nessun blocco.\r\n"
                        "Prossimi passi: test con gli utenti e revisione dei testi italiani.\r\n\r\nChiara", NULL,
                        ATTACH_PDF, report };
      Letter standup = { "Alessandro Greco", "alessandro.greco@demo.test", NULL, "Standup notes",
                         "Yesterday: fixed the sync bug.\r\nToday: reviewing the setup assistant.\r\nBlockers: none.",
                         NULL, ATTACH_NONE, NULL };

      deliver (filler, "Lavoro/Progetti", &letter, now - (gint64) week * 7 * 86400 - 5 * 3600, week ? "S" : NULL, NULL,
               NULL, NULL);
      deliver (filler, "Lavoro", &standup, now - (gint64) week * 7 * 86400 - 30 * 3600, "S", NULL, NULL, NULL);
    }
}

static void
fill_the_rest (Filler *filler,
               gint64  now)
{
  Letter draft = { CASELLA_DEMO_NAME, CASELLA_DEMO_ADDRESS, "giulia.ferrari@demo.test", "Regalo per Luca",
                   "Cosa ne dici di un buono per il corso di cucina?", NULL, ATTACH_NONE, NULL };
  Letter spam = { "Vincita Sicura", "premi@spam.demo.test", NULL, "Hai vinto un iPhone!!!",
                  "Clicca subito per ritirare il premio.", NULL, ATTACH_NONE, NULL };
  Letter old = { "Vecchio Amico", "amico@demo.test", NULL, "Ti ricordi?", "Quanto tempo!", NULL, ATTACH_NONE, NULL };

  deliver (filler, "Drafts", &draft, now - 3600, "SD", NULL, NULL, NULL);
  for (int i = 0; i < 3; i++)
    deliver (filler, "Junk", &spam, now - (gint64) i * 86400, NULL, NULL, NULL, NULL);
  deliver (filler, "Trash", &old, now - 40 * 86400, "S", NULL, NULL, NULL);
  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *subject = g_strdup_printf ("Auguri di buon compleanno, %s!",
                                                  (const char *[]) { "zio Gino", "Francesca", "nonna" }[i % 3]);
      Letter wishes = { "Famiglia Esposito", "famiglia@demo.test", NULL, subject,
                        "Tanti auguri! Ci vediamo domenica per la torta.", NULL, ATTACH_NONE, NULL };
      deliver (filler, "Famiglia", &wishes, now - (gint64) (i * 5 + 2) * 86400, i ? "S" : "SF", NULL, NULL, NULL);
    }
}

/* Certified mail (PEC): a letter in its envelope, an anomaly, and a
 * message sent with its acceptance and receipts. */
static void
deliver_pec (Filler               *filler,
             const char           *folder,
             const CasellaTestPec *pec)
{
  g_autofree char *text = NULL;

  if (filler->error != NULL)
    return;
  text = casella_test_pec_build (pec);
  if (casella_test_dovecot_deliver (filler->dovecot, filler->user, folder, text, -1, NULL, &filler->error))
    filler->count++;
}

static void
fill_pec (Filler *filler)
{
  static const char *const to[] = { "protocollo@pec.comune.demo.test", "studio.legale@pec.demo.test", NULL };
  static const char *const external[] = { "giulia.ferrari@demo.test", NULL };
  g_autofree char *letter_text = casella_test_pec_original ("ufficio.tributi@pec.comune.demo.test", filler->user,
                                                            "Avviso di pagamento TARI 2024", "tari-2024@pec.comune.demo.test",
                                                            "Gentile contribuente,\nsi comunica che la prima rata della "
                                                            "TARI 2024 scade il 16 dicembre.\n\nUfficio Tributi");
  g_autofree char *sent = casella_test_pec_original (filler->user, "protocollo@pec.comune.demo.test, "
                                                     "studio.legale@pec.demo.test, giulia.ferrari@demo.test",
                                                     "Richiesta certificato di residenza", "richiesta-1@demo.test",
                                                     "Buongiorno,\nchiedo il rilascio del certificato di residenza.\n"
                                                     "Cordiali saluti,\nMarco Rossi");
  g_autofree char *spam = casella_test_pec_original ("promo@demo.test", filler->user, "Offerta riservata",
                                                     "promo-1@demo.test", "Solo per oggi!");
  CasellaTestPec letter = { .kind = "posta-certificata", .provider = "pec.demo.test", .provider_name = "Demo PEC S.p.A.",
                            .sender = "ufficio.tributi@pec.comune.demo.test",
                            .certified = (const char *[]) { filler->user, NULL }, .subject = "Avviso di pagamento TARI 2024",
                            .msgid = "tari-2024@pec.comune.demo.test", .original = letter_text };
  CasellaTestPec anomaly = { .kind = "errore", .provider = "pec.demo.test", .sender = "promo@demo.test",
                             .certified = (const char *[]) { filler->user, NULL }, .subject = "Offerta riservata",
                             .msgid = "promo-1@demo.test", .original = spam };
  CasellaTestPec receipt = { .provider = "pec.demo.test", .provider_name = "Demo PEC S.p.A.", .sender = filler->user,
                             .certified = to, .external = external, .subject = "Richiesta certificato di residenza",
                             .msgid = "richiesta-1@demo.test", .original = sent };

  if (filler->error == NULL &&
      casella_test_dovecot_deliver (filler->dovecot, filler->user, "Sent", sent, -1, "S", &filler->error))
    filler->count++;
  deliver_pec (filler, "PEC", &letter);
  deliver_pec (filler, "PEC", &anomaly);
  receipt.kind = "accettazione";
  deliver_pec (filler, "PEC", &receipt);
  receipt.kind = "avvenuta-consegna", receipt.delivered_to = to[0], receipt.time = "10:02:11";
  deliver_pec (filler, "PEC", &receipt);
  receipt.kind = "preavviso-errore-consegna", receipt.delivered_to = to[1], receipt.day = "05/12/2024";
  receipt.time = "22:02:03", receipt.error_detail = "4.4.7 - Demo PEC - consegna non ancora avvenuta";
  deliver_pec (filler, "PEC", &receipt);
}

guint
casella_test_demo_fill (CasellaTestDovecot  *dovecot,
                        const char          *user,
                        GError             **error)
{
  Filler filler = { dovecot, user, 0, 0, NULL };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  fill_conversations (&filler, now);
  fill_newsletters (&filler, now);
  fill_notices (&filler, now);
  fill_work (&filler, now);
  fill_the_rest (&filler, now);
  fill_pec (&filler);
  if (filler.error != NULL)
    {
      g_propagate_error (error, filler.error);
      return 0;
    }
  return filler.count;
}
