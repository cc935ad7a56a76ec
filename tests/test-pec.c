/* test-pec.c — certified mail (PEC, REM): daticert.xml, envelopes and
 * receipts as providers send them, where a sent message got to, and the
 * store showing the message inside and receipts as status
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "casella-engine.h"
#include "casella-gmime.h"
#include "casella-message-compose.h"
#include "casella-pec.h"
#include "casella-store.h"
#include "casella-store-queue.h"
#include "casella-test-pec.h"
#include "casella-test-pki.h"
#include "casella-test-util.h"

#define PROVIDER "pec.example.test"
#define SENDER "mario.rossi@pec.example.test"
#define MSGID "2839ed57-e664-4020-bb69-6a8cb92d05a6@pec.example.test"

static const char *const certified[] = { "ufficio@pec.comune.example.test", "studio@pec.example.test", NULL };
static const char *const external[] = { "anna@example.test", NULL };

/* The two samples in PEC.md, as written there. */
static const char sample_envelope[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
  "<postacert tipo=\"posta-certificata\" errore=\"nessuno\">\n"
  "  <intestazione>\n"
  "    <mittente>mario.rossi@namirialpec.it</mittente>\n"
  "    <destinatari tipo=\"certificato\">ufficio@pec.comune.example.it</destinatari>\n"
  "    <destinatari tipo=\"esterno\">anna@example.com</destinatari>\n"
  "    <risposte>mario.rossi@namirialpec.it</risposte>\n"
  "    <oggetto>Richiesta documenti</oggetto>\n"
  "  </intestazione>\n"
  "  <dati>\n"
  "    <gestore-emittente>Namirial S.p.A.</gestore-emittente>\n"
  "    <data zona=\"+0100\"><giorno>05/12/2024</giorno><ora>00:02:10</ora></data>\n"
  "    <identificativo>opec21192.20241205000210.24820.46.1.184@sicurezzapostale.it</identificativo>\n"
  "    <msgid>&lt;2839ed57-e664-4020-bb69-6a8cb92d05a6@email.example&gt;</msgid>\n"
  "    <ricevuta tipo=\"completa\" />\n"
  "  </dati>\n"
  "</postacert>\n";

static const char sample_error[] =
  "<postacert tipo=\"errore-consegna\" errore=\"no-dest\">\n"
  "  <intestazione><mittente>sender@fakepec.it</mittente><destinatari tipo=\"certificato\">rec@pec.it</destinatari>\n"
  "    <risposte>sender@fakepec.it</risposte><oggetto>Test PEC</oggetto></intestazione>\n"
  "  <dati><gestore-emittente>FAKE PEC S.p.A.</gestore-emittente>\n"
  "    <data zona=\"+0100\"><giorno>15/11/2024</giorno><ora>18:21:03</ora></data>\n"
  "    <identificativo>opec210312.20241115182038.288127.606.1.53@fakepec.it</identificativo>\n"
  "    <msgid>&lt;SN05IE$951DEC16C1CFD3E4FD8FF1B1D24A99AE@fakepec.it&gt;</msgid>\n"
  "    <consegna>rec@pec.it</consegna>\n"
  "    <errore-esteso>5.1.1 - FAKE Pec S.p.A. - indirizzo non valido</errore-esteso></dati>\n"
  "</postacert>\n";

static void
test_daticert_samples (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CasellaDaticert) envelope = casella_daticert_parse (sample_envelope, strlen (sample_envelope), &error);
  g_autoptr(CasellaDaticert) failure = NULL;
  CasellaPecRecipient *recipient;

  g_assert_no_error (error);
  g_assert_cmpint (envelope->kind, ==, CASELLA_PEC_MESSAGE);
  g_assert_null (envelope->error);
  g_assert_cmpstr (envelope->sender, ==, "mario.rossi@namirialpec.it");
  g_assert_cmpuint (envelope->recipients->len, ==, 2);
  recipient = g_ptr_array_index (envelope->recipients, 0);
  g_assert_cmpstr (recipient->address, ==, "ufficio@pec.comune.example.it");
  g_assert_true (recipient->certified);
  recipient = g_ptr_array_index (envelope->recipients, 1);
  g_assert_cmpstr (recipient->address, ==, "anna@example.com");
  g_assert_false (recipient->certified);
  g_assert_cmpstr (envelope->subject, ==, "Richiesta documenti");
  g_assert_cmpstr (envelope->provider, ==, "Namirial S.p.A.");
  /* 00:02:10 at +0100 is 23:02:10 UTC the day before */
  g_assert_cmpint (envelope->date, ==, 1733353330);
  g_assert_cmpstr (envelope->zone, ==, "+0100");
  g_assert_cmpstr (envelope->identifier, ==, "opec21192.20241205000210.24820.46.1.184@sicurezzapostale.it");
  g_assert_cmpstr (envelope->msgid, ==, "2839ed57-e664-4020-bb69-6a8cb92d05a6@email.example");
  g_assert_cmpstr (envelope->receipt_type, ==, "completa");

  failure = casella_daticert_parse (sample_error, strlen (sample_error), &error);
  g_assert_no_error (error);
  g_assert_cmpint (failure->kind, ==, CASELLA_PEC_DELIVERY_ERROR);
  g_assert_cmpstr (failure->error, ==, "no-dest");
  g_assert_cmpstr (failure->delivered_to, ==, "rec@pec.it");
  g_assert_cmpstr (failure->error_detail, ==, "5.1.1 - FAKE Pec S.p.A. - indirizzo non valido");
  g_assert_cmpstr (failure->msgid, ==, "SN05IE$951DEC16C1CFD3E4FD8FF1B1D24A99AE@fakepec.it");
}

static void
test_daticert_hostile (void)
{
  g_autofree char *long_field = NULL;
  g_autoptr(GString) many = g_string_new ("<postacert tipo=\"accettazione\"><intestazione>");
  const char *bad[] = {
    "",
    "<html><body>no</body></html>",
    "<postacert tipo=\"accettazione\"><intestazione>",
    "<postacert><dati><data><giorno>1",
    "<!DOCTYPE postacert [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;\">]>"
    "<postacert tipo=\"accettazione\"><intestazione><oggetto>&b;&b;&b;</oggetto></intestazione></postacert>",
    "<postacert tipo=\"accettazione\"><intestazione><mittente>a</mittente></intestazione></postacert><postacert/>",
  };
  g_autoptr(CasellaDaticert) latin = NULL;
  g_autoptr(CasellaDaticert) odd = NULL;
  g_autoptr(GError) error = NULL;
  const char latin1[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><postacert tipo=\"accettazione\">"
                        "<intestazione><oggetto>Citt\xe0</oggetto></intestazione></postacert>";
  const char odd_dates[] = "<postacert tipo=\"accettazione\" errore=\"nessuno\"><dati><data zona=\"+9999\">"
                           "<giorno>31/02/2024</giorno><ora>25:61:00</ora></data></dati></postacert>";

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) bad_error = NULL;
      g_autoptr(CasellaDaticert) parsed = casella_daticert_parse (bad[i], strlen (bad[i]), &bad_error);

      if (parsed != NULL)
        g_error ("Parsed: %s", bad[i]);
      g_assert_nonnull (bad_error);
    }
  /* A field past any real size, and thousands of recipients. */
  long_field = g_strdup_printf ("<postacert tipo=\"accettazione\"><intestazione><oggetto>%0*d</oggetto>"
                                "</intestazione></postacert>", 100000, 0);
  g_assert_null (casella_daticert_parse (long_field, strlen (long_field), NULL));
  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (many, "<destinatari tipo=\"certificato\">a%u@pec.test</destinatari>", i);
  g_string_append (many, "</intestazione></postacert>");
  g_assert_null (casella_daticert_parse (many->str, many->len, NULL));

  latin = casella_daticert_parse (latin1, strlen (latin1), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (latin->subject, ==, "Città");

  /* Impossible dates and zones are no date, not a wrong one. */
  odd = casella_daticert_parse (odd_dates, strlen (odd_dates), &error);
  g_assert_no_error (error);
  g_assert_cmpint (odd->date, ==, 0);
  g_assert_null (odd->error);
}

static GMimeMessage *
parse (const char *text)
{
  g_autoptr(GBytes) raw = g_bytes_new (text, strlen (text));
  GMimeMessage *message = casella_message_parse (raw);

  g_assert_nonnull (message);
  return message;
}

static char *
original (void)
{
  return casella_test_pec_original (SENDER, "ufficio@pec.comune.example.test, anna@example.test",
                                    "Richiesta documenti", MSGID,
                                    "Buongiorno,\nvi chiedo il certificato di residenza.\nMario Rossi");
}

/* With CASELLA_PEC_CORPUS=dir, the messages built are written there too:
 * the fuzz corpus (tests/fuzz/corpus/pec) is made that way. */
static void
keep_for_corpus (const char *name,
                 const char *text)
{
  const char *dir = g_getenv ("CASELLA_PEC_CORPUS");
  g_autofree char *path = dir ? g_build_filename (dir, name, NULL) : NULL;
  g_autofree char *data = dir ? g_strconcat ("1", text, NULL) : NULL;

  if (path != NULL)
    g_assert_true (g_file_set_contents (path, data, -1, NULL));
}

static CasellaTestPec
pec_of (const char *kind)
{
  static char *inner;

  if (inner == NULL)
    inner = original ();
  return (CasellaTestPec) { .kind = kind, .provider = PROVIDER, .sender = SENDER, .certified = certified,
                            .external = external, .subject = "Richiesta documenti", .msgid = MSGID,
                            .original = inner };
}

static void
test_read_envelope (void)
{
  CasellaTestPec spec = pec_of ("posta-certificata");
  g_autofree char *text = casella_test_pec_build (&spec);
  g_autoptr(GMimeMessage) message = parse (text);
  g_autoptr(CasellaPec) pec = casella_pec_read (message);
  g_autoptr(GMimeMessage) inner = casella_pec_get_inner (message);

  keep_for_corpus ("envelope", text);
  g_assert_nonnull (pec);
  g_assert_cmpint (pec->kind, ==, CASELLA_PEC_MESSAGE);
  g_assert_false (pec->rem);
  g_assert_true (pec->signed_envelope);
  g_assert_cmpstr (pec->reference, ==, MSGID);
  g_assert_cmpstr (pec->on_behalf_of, ==, SENDER);
  g_assert_nonnull (pec->daticert);
  g_assert_cmpuint (pec->daticert->recipients->len, ==, 3);
  g_assert_cmpstr (pec->daticert->provider, ==, "Test PEC S.p.A.");
  g_assert_nonnull (inner);
  g_assert_cmpstr (g_mime_message_get_subject (inner), ==, "Richiesta documenti");
  g_assert_cmpstr (g_mime_message_get_message_id (inner), ==, MSGID);
}

static void
test_read_receipts (void)
{
  static const struct { const char *kind; CasellaPecKind expected; const char *detail; } cases[] = {
    { "accettazione", CASELLA_PEC_ACCEPTANCE, NULL },
    { "non-accettazione", CASELLA_PEC_NON_ACCEPTANCE, "Messaggio troppo grande" },
    { "presa-in-carico", CASELLA_PEC_TAKEN_IN_CHARGE, NULL },
    { "avvenuta-consegna", CASELLA_PEC_DELIVERY, NULL },
    { "errore-consegna", CASELLA_PEC_DELIVERY_ERROR, "5.1.1 - Test PEC - indirizzo non valido" },
    { "preavviso-errore-consegna", CASELLA_PEC_DELIVERY_WARNING, "4.4.7 - Test PEC - in attesa" },
    /* Aruba and Namirial: the 12-hour notice with 5.4.1 is the final word. */
    { "preavviso-errore-consegna", CASELLA_PEC_DELIVERY_ERROR, "5.4.1 - Test PEC - consegna non riuscita" },
    { "errore", CASELLA_PEC_ANOMALY, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      CasellaTestPec spec = pec_of (cases[i].kind);
      g_autofree char *text = NULL;
      g_autoptr(GMimeMessage) message = NULL;
      g_autoptr(CasellaPec) pec = NULL;

      spec.delivered_to = certified[0];
      spec.error_detail = cases[i].detail;
      text = casella_test_pec_build (&spec);
      keep_for_corpus (cases[i].detail ? cases[i].detail : cases[i].kind, text);
      message = parse (text);
      pec = casella_pec_read (message);
      g_assert_nonnull (pec);
      g_assert_cmpint (pec->kind, ==, cases[i].expected);
      g_assert_cmpstr (pec->reference, ==, MSGID);
      if (cases[i].expected == CASELLA_PEC_ANOMALY)
        {
          g_autoptr(GMimeMessage) inner = casella_pec_get_inner (message);

          g_assert_null (pec->daticert);
          g_assert_nonnull (inner);
          continue;
        }
      g_assert_nonnull (pec->daticert);
      g_assert_cmpstr (pec->daticert->error_detail, ==, cases[i].detail);
      if (g_str_has_suffix (cases[i].kind, "consegna"))
        g_assert_cmpstr (pec->daticert->delivered_to, ==, certified[0]);
    }
}

/* A short receipt ("breve") carries the data and hashes, not the message. */
static void
test_read_short_receipt (void)
{
  CasellaTestPec spec = pec_of ("avvenuta-consegna");
  g_autofree char *text = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(CasellaPec) pec = NULL;

  spec.receipt_type = "breve";
  spec.delivered_to = certified[0];
  text = casella_test_pec_build (&spec);
  message = parse (text);
  pec = casella_pec_read (message);
  g_assert_nonnull (pec);
  g_assert_cmpint (pec->kind, ==, CASELLA_PEC_DELIVERY);
  g_assert_cmpstr (pec->daticert->receipt_type, ==, "breve");
  g_assert_cmpstr (pec->daticert->delivered_to, ==, certified[0]);
  g_assert_cmpstr (pec->reference, ==, MSGID);
}

/* Headers only count from the provider: anyone can write X-Ricevuta. */
static void
test_read_forged (void)
{
  CasellaTestPec spec = pec_of ("avvenuta-consegna");
  g_autofree char *text = NULL;
  g_autoptr(GMimeMessage) message = NULL;

  spec.forged_from = "\"Posta Certificata\" <posta-certificata.fake@example.test>";
  spec.delivered_to = certified[0];
  text = casella_test_pec_build (&spec);
  message = parse (text);
  g_assert_null (casella_pec_read (message));
  g_assert_false (casella_pec_is_provider_address ("posta-certificata@"));
  g_assert_false (casella_pec_is_provider_address ("xposta-certificata@pec.it"));
  g_assert_true (casella_pec_is_provider_address ("Posta-Certificata@pec.it"));
}

static void
test_read_rem (void)
{
  static const struct { const char *type; CasellaPecKind expected; } cases[] = {
    { "Dispatch", CASELLA_PEC_MESSAGE },
    { "SubmissionAcceptance", CASELLA_PEC_ACCEPTANCE },
    { "ContentConsignment", CASELLA_PEC_DELIVERY },
    { "ContentConsignmentFailure", CASELLA_PEC_DELIVERY_ERROR },
    { "ReceivedFromNonERDS", CASELLA_PEC_ANOMALY },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      CasellaTestPec spec = pec_of (cases[i].type);
      g_autofree char *text = NULL;
      g_autoptr(GMimeMessage) message = NULL;
      g_autoptr(CasellaPec) pec = NULL;

      spec.rem = TRUE;
      text = casella_test_pec_build (&spec);
      keep_for_corpus (cases[i].type, text);
      message = parse (text);
      pec = casella_pec_read (message);
      g_assert_nonnull (pec);
      g_assert_true (pec->rem);
      g_assert_cmpint (pec->kind, ==, cases[i].expected);
      g_assert_cmpstr (pec->reference, ==, MSGID);
      g_assert_null (pec->daticert);
      if (cases[i].expected == CASELLA_PEC_MESSAGE)
        {
          g_autoptr(GMimeMessage) inner = casella_pec_get_inner (message);
          g_assert_nonnull (inner);
          g_assert_cmpstr (g_mime_message_get_subject (inner), ==, "Richiesta documenti");
        }
    }
}

static CasellaPecReceipt *
receipt (CasellaPecKind  kind,
         gint64          date,
         const char     *delivered_to,
         const char     *recipients,
         const char     *detail)
{
  CasellaPecReceipt *r = g_new0 (CasellaPecReceipt, 1);

  r->message_id = date;
  r->kind = kind;
  r->date = date;
  r->delivered_to = g_strdup (delivered_to);
  r->recipients = g_strdup (recipients);
  r->error_detail = g_strdup (detail);
  r->identifier = g_strdup ("opec.1");
  return r;
}

static const CasellaPecDelivery *
delivery_of (const CasellaPecStatus *status,
             const char             *address)
{
  for (guint i = 0; i < status->recipients->len; i++)
    {
      const CasellaPecDelivery *delivery = g_ptr_array_index (status->recipients, i);
      if (g_ascii_strcasecmp (delivery->address, address) == 0)
        return delivery;
    }
  g_error ("%s is not in the status", address);
}

static void
test_status (void)
{
  const char *const sent_to[] = { "a@pec.test", "b@pec.test", "c@example.test", "d@pec.test", NULL };
  g_autoptr(GPtrArray) receipts = g_ptr_array_new_with_free_func ((GDestroyNotify) casella_pec_receipt_free);
  g_autoptr(CasellaPecStatus) none = casella_pec_status_new (NULL, sent_to);
  g_autoptr(CasellaPecStatus) status = NULL;
  g_autoptr(CasellaPecStatus) refused = NULL;

  g_assert_cmpint (none->state, ==, CASELLA_PEC_STATE_WAITING);
  g_assert_cmpuint (none->recipients->len, ==, 4);
  g_assert_cmpint (delivery_of (none, "a@pec.test")->state, ==, CASELLA_PEC_STATE_WAITING);

  /* Out of order, as mail arrives: the warning, then the delivery for d. */
  g_ptr_array_add (receipts, receipt (CASELLA_PEC_DELIVERY, 1010, "A@pec.test", NULL, NULL));
  g_ptr_array_add (receipts, receipt (CASELLA_PEC_ACCEPTANCE, 1000, NULL,
                                      "c:a@pec.test\nc:b@pec.test\ne:c@example.test\nc:d@pec.test", NULL));
  g_ptr_array_add (receipts, receipt (CASELLA_PEC_DELIVERY_ERROR, 1020, "b@pec.test", NULL, "5.1.1 - non valido"));
  g_ptr_array_add (receipts, receipt (CASELLA_PEC_DELIVERY_WARNING, 1030, "b@pec.test", NULL, "4.4.7"));
  g_ptr_array_add (receipts, receipt (CASELLA_PEC_DELIVERY_WARNING, 1040, "d@pec.test", NULL, "4.4.7"));
  g_ptr_array_add (receipts, receipt (CASELLA_PEC_DELIVERY, 1050, "d@pec.test", NULL, NULL));
  g_ptr_array_add (receipts, receipt (CASELLA_PEC_DELIVERY_WARNING, 1060, "d@pec.test", NULL, "4.4.7"));
  status = casella_pec_status_new (receipts, sent_to);
  g_assert_cmpint (status->state, ==, CASELLA_PEC_STATE_ACCEPTED);
  g_assert_cmpint (status->date, ==, 1000);
  g_assert_cmpstr (status->identifier, ==, "opec.1");
  g_assert_cmpuint (status->recipients->len, ==, 4);
  g_assert_cmpint (delivery_of (status, "a@pec.test")->state, ==, CASELLA_PEC_STATE_DELIVERED);
  g_assert_cmpint (delivery_of (status, "a@pec.test")->date, ==, 1010);
  g_assert_cmpint (delivery_of (status, "b@pec.test")->state, ==, CASELLA_PEC_STATE_NOT_DELIVERED);
  g_assert_cmpstr (delivery_of (status, "b@pec.test")->detail, ==, "5.1.1 - non valido");
  g_assert_cmpint (delivery_of (status, "c@example.test")->state, ==, CASELLA_PEC_STATE_NO_RECEIPT);
  g_assert_false (delivery_of (status, "c@example.test")->certified);
  g_assert_cmpint (delivery_of (status, "d@pec.test")->state, ==, CASELLA_PEC_STATE_DELIVERED);

  g_ptr_array_set_size (receipts, 0);
  g_ptr_array_add (receipts, receipt (CASELLA_PEC_NON_ACCEPTANCE, 1000, NULL, NULL, "troppo grande"));
  refused = casella_pec_status_new (receipts, sent_to);
  g_assert_cmpint (refused->state, ==, CASELLA_PEC_STATE_NOT_ACCEPTED);
  g_assert_cmpstr (refused->detail, ==, "troppo grande");
}

static CasellaPecSignature
verify (const char  *text,
        const char  *sender,
        const char  *ca_file,
        char       **detail)
{
  g_autoptr(GBytes) raw = g_bytes_new (text, strlen (text));

  return casella_pec_verify (raw, sender, ca_file, detail);
}

/* The provider's seal: checked, never assumed. */
static void
test_signature (void)
{
  const char *ca = casella_test_pki_get ()->ca_file;
  const char *provider = "posta-certificata@" PROVIDER;
  CasellaTestPec spec = pec_of ("posta-certificata");
  g_autofree char *text = casella_test_pec_build (&spec);
  g_autofree char *tampered = NULL, *unsigned_text = NULL, *broken = NULL, *other = NULL, *crlf = NULL;
  g_autofree char *detail = NULL;
  char *p7s;

  g_assert_cmpint (verify (text, provider, ca, &detail), ==, CASELLA_PEC_SIGNATURE_VERIFIED);
  g_assert_null (detail);
  /* As a server stores it: CRLF line ends. */
  {
    g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
    crlf = g_strjoinv ("\r\n", lines);
  }
  g_assert_cmpint (verify (crlf, provider, ca, NULL), ==, CASELLA_PEC_SIGNATURE_VERIFIED);
  /* This computer's authorities do not know the test CA. */
  g_assert_cmpint (verify (text, provider, NULL, &detail), ==, CASELLA_PEC_SIGNATURE_UNTRUSTED);
  g_assert_nonnull (detail);
  g_clear_pointer (&detail, g_free);
  g_assert_cmpint (verify (text, "posta-certificata@other.example.test", ca, NULL), ==,
                   CASELLA_PEC_SIGNATURE_WRONG_SIGNER);

  /* Changed is changed, whether the signer is trusted or not. */
  spec.tampered = TRUE;
  tampered = casella_test_pec_build (&spec);
  g_assert_cmpint (verify (tampered, provider, ca, &detail), ==, CASELLA_PEC_SIGNATURE_CHANGED);
  g_clear_pointer (&detail, g_free);
  g_assert_cmpint (verify (tampered, provider, NULL, NULL), ==, CASELLA_PEC_SIGNATURE_CHANGED);
  spec.tampered = FALSE;
  spec.not_signed = TRUE;
  unsigned_text = casella_test_pec_build (&spec);
  g_assert_cmpint (verify (unsigned_text, provider, ca, NULL), ==, CASELLA_PEC_SIGNATURE_NONE);
  /* A signature part that is not one. */
  broken = g_strdup (text);
  p7s = strstr (broken, "filename=\"smime.p7s\"");
  g_assert_nonnull (p7s);
  p7s = strstr (p7s, "\n\n");
  memcpy (p7s + 2, "AAAA!!!!", 8);
  g_assert_cmpint (verify (broken, provider, ca, NULL), ==, CASELLA_PEC_SIGNATURE_UNREADABLE);
  /* Signed by another provider for this one's address. */
  spec.not_signed = FALSE;
  spec.provider = "other.example.test";
  other = casella_test_pec_build (&spec);
  g_assert_cmpint (verify (other, provider, ca, NULL), ==, CASELLA_PEC_SIGNATURE_WRONG_SIGNER);
}

/* ---- the store ---- */

typedef struct {
  char         *dir;
  CasellaStore *store;
  gint64        inbox;
  gint64        sent;
  guint32       next_uid;
} Fixture;

static gint64
add_folder (CasellaStore      *store,
            const char        *path,
            CasellaFolderRole  role)
{
  CasellaStoreFolder folder = { .path = (char *) path, .separator = '/', .role = role, .subscribed = TRUE,
                                .uidvalidity = 7 };
  g_autoptr(GError) error = NULL;
  gint64 id = casella_store_save_folder (store, &folder, &error);

  g_assert_no_error (error);
  return id;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  fixture->dir = casella_test_make_tmpdir ("casella-pec");
  path = g_build_filename (fixture->dir, "mail.db", NULL);
  fixture->store = casella_store_open (path, &error);
  g_assert_no_error (error);
  fixture->inbox = add_folder (fixture->store, "INBOX", CASELLA_FOLDER_ROLE_INBOX);
  fixture->sent = add_folder (fixture->store, "Sent", CASELLA_FOLDER_ROLE_SENT);
  fixture->next_uid = 1;
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->store);
  casella_test_rm_rf (fixture->dir);
  g_free (fixture->dir);
}

/* As a sync does it: the headers first, the body when it comes (or
 * both at once with whole). */
static gint64
deliver (Fixture    *fixture,
         gint64      folder_id,
         const char *text,
         gboolean    whole)
{
  g_autoptr(GBytes) raw = g_bytes_new (text, strlen (text));
  g_autoptr(CasellaMessageInfo) info = casella_message_info_from_bytes (raw);
  g_autoptr(GError) error = NULL;
  gint64 id;

  info->folder_id = folder_id;
  info->uid = fixture->next_uid++;
  if (whole)
    {
      g_auto(CasellaBodyFacts) facts = { 0 };

      casella_body_facts_read (raw, &facts);
      id = casella_store_add_message_whole (fixture->store, info, raw, &facts, &error);
    }
  else
    {
      id = casella_store_add_message (fixture->store, info, &error);
      g_assert_no_error (error);
      g_assert_true (casella_store_set_body (fixture->store, id, raw, &error));
    }
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static gint64
deliver_pec (Fixture    *fixture,
             gint64      folder_id,
             const char *kind,
             const char *delivered_to,
             const char *detail,
             gboolean    whole)
{
  CasellaTestPec spec = pec_of (kind);
  g_autofree char *text = NULL;

  spec.delivered_to = delivered_to;
  spec.error_detail = detail;
  text = casella_test_pec_build (&spec);
  return deliver (fixture, folder_id, text, whole);
}

static gboolean
listed (CasellaStore *store,
        gint64        folder_id,
        gint64        id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = casella_store_list_message_ids (store, folder_id, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < ids->len; i++)
    if (g_array_index (ids, gint64, i) == id)
      return TRUE;
  return FALSE;
}

static void
set_pec (Fixture  *fixture,
         gboolean  pec,
         gboolean  show_receipts)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (casella_store_set_pec_mode (fixture->store, pec, show_receipts, &error));
  g_assert_no_error (error);
}

static void
test_store_envelope (Fixture       *fixture,
                     gconstpointer  data)
{
  gboolean whole = GPOINTER_TO_INT (data);
  g_autoptr(CasellaMessageInfo) info = NULL;
  g_autoptr(GArray) found = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;

  set_pec (fixture, TRUE, FALSE);
  id = deliver_pec (fixture, fixture->inbox, "posta-certificata", NULL, NULL, whole);
  info = casella_store_get_message (fixture->store, id);
  g_assert_cmpstr (info->subject, ==, "Richiesta documenti");
  g_assert_cmpstr (info->from_address, ==, SENDER);
  g_assert_null (info->from_name);
  g_assert_nonnull (strstr (info->preview, "certificato di residenza"));
  g_assert_cmpint (casella_store_get_pec_kind (fixture->store, id), ==, CASELLA_PEC_MESSAGE);
  g_assert_true (listed (fixture->store, fixture->inbox, id));
  /* The index has the words of the message inside, not the provider's. */
  found = casella_store_search (fixture->store, 0, "residenza", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_clear_pointer (&found, g_array_unref);
  found = casella_store_search (fixture->store, 0, "Identificativo", &error);
  g_assert_cmpuint (found->len, ==, 0);
  /* The body is the provider's, byte for byte: it is the proof. */
  {
    g_autoptr(GBytes) body = casella_store_get_body (fixture->store, id, &error);
    g_assert_nonnull (strstr (g_bytes_get_data (body, NULL), "POSTA CERTIFICATA: Richiesta documenti"));
  }
}

static gint64
send_here (Fixture *fixture)
{
  g_autofree char *text = original ();

  return deliver (fixture, fixture->sent, text, FALSE);
}

static void
test_store_receipts (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(CasellaPecStatus) status = NULL;
  g_autoptr(GPtrArray) receipts = NULL;
  g_autoptr(CasellaStoreFolder) inbox = NULL;
  g_autoptr(GError) error = NULL;
  gint64 sent, accepted, delivered, failed, letter;

  set_pec (fixture, TRUE, FALSE);
  sent = send_here (fixture);
  accepted = deliver_pec (fixture, fixture->inbox, "accettazione", NULL, NULL, FALSE);
  delivered = deliver_pec (fixture, fixture->inbox, "avvenuta-consegna", certified[0], NULL, TRUE);
  failed = deliver_pec (fixture, fixture->inbox, "errore-consegna", certified[1],
                        "5.1.1 - Test PEC - indirizzo non valido", FALSE);
  letter = deliver_pec (fixture, fixture->inbox, "posta-certificata", NULL, NULL, FALSE);

  /* Kept, but not in the Inbox's list or its counts. */
  g_assert_false (listed (fixture->store, fixture->inbox, accepted));
  g_assert_false (listed (fixture->store, fixture->inbox, delivered));
  g_assert_false (listed (fixture->store, fixture->inbox, failed));
  g_assert_true (listed (fixture->store, fixture->inbox, letter));
  g_assert_true (casella_store_update_counts (fixture->store, fixture->inbox, &error));
  inbox = casella_store_get_folder (fixture->store, fixture->inbox);
  g_assert_cmpuint (inbox->total, ==, 1);
  g_assert_cmpuint (inbox->unread, ==, 1);

  receipts = casella_store_list_pec_receipts (fixture->store, sent, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (receipts->len, ==, 3);
  status = casella_store_get_pec_status (fixture->store, sent, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status->state, ==, CASELLA_PEC_STATE_ACCEPTED);
  g_assert_cmpint (status->receipt, ==, accepted);
  g_assert_cmpuint (status->recipients->len, ==, 3);
  g_assert_cmpint (delivery_of (status, certified[0])->state, ==, CASELLA_PEC_STATE_DELIVERED);
  g_assert_cmpint (delivery_of (status, certified[0])->receipt, ==, delivered);
  g_assert_cmpint (delivery_of (status, certified[1])->state, ==, CASELLA_PEC_STATE_NOT_DELIVERED);
  g_assert_cmpstr (delivery_of (status, certified[1])->detail, ==, "5.1.1 - Test PEC - indirizzo non valido");
  g_assert_cmpint (delivery_of (status, external[0])->state, ==, CASELLA_PEC_STATE_NO_RECEIPT);

  /* The setting shows them. */
  set_pec (fixture, TRUE, TRUE);
  g_assert_true (listed (fixture->store, fixture->inbox, accepted));
  g_assert_true (listed (fixture->store, fixture->inbox, failed));
}

/* An account made PEC later reads again what is here; turned back, its
 * mail is as it came. */
static void
test_store_toggle (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(CasellaMessageInfo) before = NULL;
  g_autoptr(CasellaMessageInfo) on = NULL;
  g_autoptr(CasellaMessageInfo) off = NULL;
  g_autoptr(CasellaPecStatus) status = NULL;
  g_autoptr(GError) error = NULL;
  gint64 sent, letter, accepted;

  sent = send_here (fixture);
  letter = deliver_pec (fixture, fixture->inbox, "posta-certificata", NULL, NULL, FALSE);
  accepted = deliver_pec (fixture, fixture->inbox, "accettazione", NULL, NULL, TRUE);
  before = casella_store_get_message (fixture->store, letter);
  g_assert_cmpstr (before->subject, ==, "POSTA CERTIFICATA: Richiesta documenti");
  g_assert_cmpint (casella_store_get_pec_kind (fixture->store, accepted), ==, CASELLA_PEC_NONE);
  g_assert_true (listed (fixture->store, fixture->inbox, accepted));

  set_pec (fixture, TRUE, FALSE);
  on = casella_store_get_message (fixture->store, letter);
  g_assert_cmpstr (on->subject, ==, "Richiesta documenti");
  g_assert_cmpstr (on->from_address, ==, SENDER);
  g_assert_false (listed (fixture->store, fixture->inbox, accepted));
  status = casella_store_get_pec_status (fixture->store, sent, &error);
  g_assert_cmpint (status->state, ==, CASELLA_PEC_STATE_ACCEPTED);

  set_pec (fixture, FALSE, FALSE);
  off = casella_store_get_message (fixture->store, letter);
  g_assert_cmpstr (off->subject, ==, before->subject);
  g_assert_cmpstr (off->from_address, ==, before->from_address);
  g_assert_cmpstr (off->from_name, ==, before->from_name);
  g_assert_cmpstr (off->preview, ==, before->preview);
  g_assert_cmpint (casella_store_get_pec_kind (fixture->store, accepted), ==, CASELLA_PEC_NONE);
  g_assert_true (listed (fixture->store, fixture->inbox, accepted));
}

static guint
count_subject (Fixture    *fixture,
               const char *subject)
{
  g_autoptr(GArray) ids = casella_store_list_message_ids (fixture->store, fixture->inbox, NULL, NULL);
  g_autoptr(GPtrArray) rows = casella_store_get_messages (fixture->store, (gint64 *) ids->data, ids->len, NULL);
  guint n = 0;

  for (guint i = 0; i < rows->len; i++)
    n += g_strcmp0 (((CasellaMessageInfo *) rows->pdata[i])->subject, subject) == 0;
  return n;
}

/* A big PEC mailbox is read again in chunks; a pass cut short (the app
 * quit, a crash) goes on the next time. */
static void
test_store_rescan_in_chunks (Fixture       *fixture,
                             gconstpointer  data)
{
  CasellaTestPec spec = pec_of ("posta-certificata");
  g_autofree char *text = casella_test_pec_build (&spec);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 450; i++)
    deliver (fixture, fixture->inbox, text, i % 2);
  g_assert_cmpuint (count_subject (fixture, "POSTA CERTIFICATA: Richiesta documenti"), ==, 450);
  set_pec (fixture, TRUE, FALSE);
  g_assert_cmpuint (count_subject (fixture, "Richiesta documenti"), ==, 450);
  set_pec (fixture, FALSE, FALSE);
  g_assert_cmpuint (count_subject (fixture, "POSTA CERTIFICATA: Richiesta documenti"), ==, 450);

  /* As a pass cut short after its first chunk leaves it. */
  g_assert_true (casella_store_set_meta (fixture->store, "pec", "1", &error));
  g_assert_true (casella_store_set_meta (fixture->store, "pec-rescan", "0", &error));
  set_pec (fixture, TRUE, FALSE);
  g_assert_cmpuint (count_subject (fixture, "Richiesta documenti"), ==, 450);
  {
    g_autofree char *pending = casella_store_get_meta (fixture->store, "pec-rescan");
    g_assert_cmpstr (pending, ==, "");
  }
}

/* A non-PEC account (or a forged sender on a PEC one) gets no
 * certified status from headers anyone can write. */
static void
test_store_spoofing (Fixture       *fixture,
                     gconstpointer  data)
{
  CasellaTestPec spec = pec_of ("avvenuta-consegna");
  g_autofree char *forged = NULL;
  g_autoptr(CasellaPecStatus) status = NULL;
  g_autoptr(GError) error = NULL;
  gint64 sent, receipt_id, forged_id;

  sent = send_here (fixture);
  receipt_id = deliver_pec (fixture, fixture->inbox, "avvenuta-consegna", certified[0], NULL, FALSE);
  status = casella_store_get_pec_status (fixture->store, sent, &error);
  g_assert_cmpint (status->state, ==, CASELLA_PEC_STATE_WAITING);
  g_assert_cmpint (delivery_of (status, certified[0])->state, ==, CASELLA_PEC_STATE_WAITING);
  g_assert_cmpint (casella_store_get_pec_kind (fixture->store, receipt_id), ==, CASELLA_PEC_NONE);
  g_clear_pointer (&status, casella_pec_status_free);

  set_pec (fixture, TRUE, FALSE);
  spec.forged_from = "Posta Certificata <pec@example.test>";
  spec.delivered_to = certified[1];
  forged = casella_test_pec_build (&spec);
  forged_id = deliver (fixture, fixture->inbox, forged, FALSE);
  g_assert_cmpint (casella_store_get_pec_kind (fixture->store, forged_id), ==, CASELLA_PEC_NONE);
  g_assert_true (listed (fixture->store, fixture->inbox, forged_id));
  status = casella_store_get_pec_status (fixture->store, sent, &error);
  g_assert_cmpint (delivery_of (status, certified[0])->state, ==, CASELLA_PEC_STATE_DELIVERED);
  /* The forged receipt named someone the message never went to. */
  for (guint i = 0; i < status->recipients->len; i++)
    g_assert_cmpstr (((CasellaPecDelivery *) g_ptr_array_index (status->recipients, i))->address, !=, certified[1]);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  casella_engine_init ();

  g_test_add_func ("/pec/daticert/samples", test_daticert_samples);
  g_test_add_func ("/pec/daticert/hostile", test_daticert_hostile);
  g_test_add_func ("/pec/read/envelope", test_read_envelope);
  g_test_add_func ("/pec/read/receipts", test_read_receipts);
  g_test_add_func ("/pec/read/forged", test_read_forged);
  g_test_add_func ("/pec/read/short-receipt", test_read_short_receipt);
  g_test_add_func ("/pec/read/rem", test_read_rem);
  g_test_add_func ("/pec/status", test_status);
  g_test_add_func ("/pec/signature", test_signature);
  g_test_add ("/pec/store/envelope/headers-first", Fixture, GINT_TO_POINTER (FALSE), fixture_setup,
              test_store_envelope, fixture_teardown);
  g_test_add ("/pec/store/envelope/whole", Fixture, GINT_TO_POINTER (TRUE), fixture_setup,
              test_store_envelope, fixture_teardown);
  g_test_add ("/pec/store/receipts", Fixture, NULL, fixture_setup, test_store_receipts, fixture_teardown);
  g_test_add ("/pec/store/toggle", Fixture, NULL, fixture_setup, test_store_toggle, fixture_teardown);
  g_test_add ("/pec/store/spoofing", Fixture, NULL, fixture_setup, test_store_spoofing, fixture_teardown);
  g_test_add ("/pec/store/rescan-in-chunks", Fixture, NULL, fixture_setup, test_store_rescan_in_chunks,
              fixture_teardown);
  return g_test_run ();
}
