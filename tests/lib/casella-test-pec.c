/* casella-test-pec.c — certified mail as a provider sends it
 *
 * Envelopes and receipts follow the layout real providers use
 * (../shared/design/PEC.md): a multipart/signed around a multipart/mixed
 * of the provider's text, daticert.xml and, where it belongs, the
 * original as postacert.eml. The signature is real S/MIME (SHA-1, as the
 * providers still sign), made by openssl with a "provider" certificate
 * from the test CA.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-test-pec.h"
#include "casella-test-pki.h"
#include "casella-test-util.h"

#include <string.h>

static const struct {
  const char *kind;
  const char *subject;   /* the prefix */
  const char *title;     /* the text's first line */
} kinds[] = {
  { "posta-certificata", "POSTA CERTIFICATA: ", "Messaggio di posta certificata" },
  { "errore", "ANOMALIA MESSAGGIO: ", "Anomalia nel messaggio" },
  { "accettazione", "ACCETTAZIONE: ", "Ricevuta di accettazione" },
  { "non-accettazione", "AVVISO DI NON ACCETTAZIONE: ", "Avviso di non accettazione" },
  { "presa-in-carico", "PRESA IN CARICO: ", "Ricevuta di presa in carico" },
  { "avvenuta-consegna", "CONSEGNA: ", "Ricevuta di avvenuta consegna" },
  { "errore-consegna", "AVVISO DI MANCATA CONSEGNA: ", "Avviso di mancata consegna" },
  { "preavviso-errore-consegna", "AVVISO DI MANCATA CONSEGNA PER SUP. TEMPO MASSIMO: ",
    "Avviso di mancata consegna per superamento dei tempi massimi" },
};

static const struct {
  const char *type;
  const char *subject;
} rem_types[] = {
  { "Dispatch", "REM Dispatch: " },
  { "SubmissionAcceptance", "REM SubmissionAcceptance: " },
  { "ContentConsignment", "REM ContentConsignment: " },
  { "ContentConsignmentFailure", "REM ContentConsignmentFailure: " },
  { "ReceivedFromNonERDS", "EXTERNAL: " },
};

static guint
kind_index (const char *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_str_equal (kinds[i].kind, kind))
      return i;
  g_error ("No PEC kind %s", kind);
}

static const char *
rem_subject (const char *type)
{
  for (guint i = 0; i < G_N_ELEMENTS (rem_types); i++)
    if (g_str_equal (rem_types[i].type, type))
      return rem_types[i].subject;
  g_error ("No REM type %s", type);
}

const char *
casella_test_pec_provider_cert (const char *provider)
{
  static GHashTable *made;
  const CasellaTestPki *pki = casella_test_pki_get ();
  g_autofree char *base = g_build_filename (pki->dir, provider, NULL);
  g_autofree char *key = g_strconcat (base, ".key", NULL);
  g_autofree char *csr = g_strconcat (base, ".csr", NULL);
  g_autofree char *ext = g_strconcat (base, ".ext", NULL);
  g_autofree char *ca_key = g_build_filename (pki->dir, "ca.key", NULL);
  g_autofree char *subject = g_strdup_printf ("/CN=Posta Certificata %s", provider);
  g_autofree char *ext_text = g_strdup_printf ("subjectAltName=email:posta-certificata@%s\n"
                                               "keyUsage=critical,digitalSignature,nonRepudiation\n"
                                               "extendedKeyUsage=emailProtection\n", provider);
  char *cert = g_strconcat (base, ".pem", NULL);
  g_autoptr(GError) error = NULL;

  if (made == NULL)
    made = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (g_hash_table_contains (made, provider))
    {
      g_free (cert);
      return g_hash_table_lookup (made, provider);
    }
  g_file_set_contents (ext, ext_text, -1, NULL);
  if (!casella_test_run ((const char *[]) { "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", subject,
                                            "-keyout", key, "-out", csr, NULL }, &error) ||
      !casella_test_run ((const char *[]) { "openssl", "x509", "-req", "-in", csr, "-CA", pki->ca_file,
                                            "-CAkey", ca_key, "-CAcreateserial", "-days", "30",
                                            "-extfile", ext, "-out", cert, NULL }, &error))
    g_error ("Could not make the provider certificate: %s", error->message);
  g_hash_table_insert (made, g_strdup (provider), cert);
  return cert;
}

char *
casella_test_pec_original (const char *from,
                           const char *to,
                           const char *subject,
                           const char *msgid,
                           const char *text)
{
  return g_strdup_printf ("From: %s\nTo: %s\nSubject: %s\nDate: Thu, 05 Dec 2024 10:01:58 +0100\n"
                          "Message-ID: <%s>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
                          "Content-Transfer-Encoding: 8bit\n\n%s\n", from, to, subject, msgid, text);
}

static char *
escape (const char *text)
{
  return g_markup_escape_text (text ? text : "", -1);
}

static void
append_recipients (GString              *xml,
                   const char *const    *list,
                   const char           *type)
{
  for (guint i = 0; list && list[i]; i++)
    {
      g_autofree char *address = escape (list[i]);
      g_string_append_printf (xml, "    <destinatari tipo=\"%s\">%s</destinatari>\n", type, address);
    }
}

static char *
daticert (const CasellaTestPec *pec,
          const char           *identifier)
{
  GString *xml = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  g_autofree char *sender = escape (pec->sender);
  g_autofree char *subject = escape (pec->subject);
  g_autofree char *provider = escape (pec->provider_name ? pec->provider_name : "Test PEC S.p.A.");
  g_autofree char *msgid = g_strdup_printf ("<%s>", pec->msgid);
  g_autofree char *msgid_xml = escape (msgid);
  gboolean delivery = g_str_has_suffix (pec->kind, "consegna");

  g_string_append_printf (xml, "<postacert tipo=\"%s\" errore=\"%s\">\n  <intestazione>\n    <mittente>%s</mittente>\n",
                          pec->kind, pec->error ? pec->error : "nessuno", sender);
  append_recipients (xml, pec->certified, "certificato");
  append_recipients (xml, pec->external, "esterno");
  g_string_append_printf (xml, "    <risposte>%s</risposte>\n    <oggetto>%s</oggetto>\n  </intestazione>\n"
                          "  <dati>\n    <gestore-emittente>%s</gestore-emittente>\n"
                          "    <data zona=\"+0100\">\n      <giorno>%s</giorno>\n      <ora>%s</ora>\n    </data>\n"
                          "    <identificativo>%s</identificativo>\n    <msgid>%s</msgid>\n",
                          sender, subject, provider, pec->day ? pec->day : "05/12/2024",
                          pec->time ? pec->time : "10:02:03", identifier, msgid_xml);
  if (g_str_equal (pec->kind, "posta-certificata") || g_str_equal (pec->kind, "avvenuta-consegna"))
    g_string_append_printf (xml, "    <ricevuta tipo=\"%s\" />\n", pec->receipt_type ? pec->receipt_type : "completa");
  if (delivery && pec->delivered_to)
    g_string_append_printf (xml, "    <consegna>%s</consegna>\n", pec->delivered_to);
  if (pec->error_detail)
    {
      g_autofree char *detail = escape (pec->error_detail);
      g_string_append_printf (xml, "    <errore-esteso>%s</errore-esteso>\n", detail);
    }
  g_string_append (xml, "  </dati>\n</postacert>\n");
  return g_string_free (xml, FALSE);
}

static char *
recipients_text (const CasellaTestPec *pec)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; pec->certified && pec->certified[i]; i++)
    g_string_append_printf (text, "%s (\"posta certificata\")\n", pec->certified[i]);
  for (guint i = 0; pec->external && pec->external[i]; i++)
    g_string_append_printf (text, "%s (\"posta ordinaria\")\n", pec->external[i]);
  return g_string_free (text, FALSE);
}

static char *
provider_text (const CasellaTestPec *pec,
               const char           *title,
               const char           *identifier)
{
  g_autofree char *recipients = recipients_text (pec);

  return g_strdup_printf ("%s\n\nIl giorno %s alle ore %s (+0100) il messaggio\n\"%s\" proveniente da \"%s\"\n"
                          "ed indirizzato a:\n%s%s%s\nIdentificativo messaggio: %s\n", title,
                          pec->day ? pec->day : "05/12/2024", pec->time ? pec->time : "10:02:03", pec->subject,
                          pec->sender, recipients, pec->error_detail ? "Errore: " : "",
                          pec->error_detail ? pec->error_detail : "", identifier);
}

static char *
address_list (const char *const *a,
              const char *const *b)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) all = NULL;

  if (a)
    g_strv_builder_addv (builder, (const char **) a);
  if (b)
    g_strv_builder_addv (builder, (const char **) b);
  all = g_strv_builder_end (builder);
  return g_strjoinv (", ", all);
}

/* The multipart/mixed the provider signs. */
static char *
content (const CasellaTestPec *pec,
         const char           *title,
         const char           *identifier,
         gboolean              with_original,
         gboolean              with_daticert)
{
  g_autofree char *text = provider_text (pec, title, identifier);
  g_autofree char *xml = with_daticert ? daticert (pec, identifier) : NULL;
  GString *out = g_string_new ("Content-Type: multipart/mixed; boundary=\"pec-mixed\"\n\n"
                               "This is a multi-part message in MIME format.\n");

  g_string_append_printf (out, "--pec-mixed\nContent-Type: text/plain; charset=UTF-8\n%s"
                          "Content-Transfer-Encoding: 8bit\n\n%s\n",
                          pec->rem ? "REM-Section-Type: rem_message/introduction\n" : "", text);
  if (xml != NULL && !pec->rem)
    g_string_append_printf (out, "--pec-mixed\nContent-Type: application/xml; name=\"daticert.xml\"\n"
                            "Content-Disposition: inline; filename=\"daticert.xml\"\n"
                            "Content-Transfer-Encoding: 8bit\n\n%s\n", xml);
  if (with_original && pec->original != NULL)
    g_string_append_printf (out, "--pec-mixed\nContent-Type: message/rfc822; name=\"%s\"\n%s"
                            "Content-Disposition: inline; filename=\"%s\"\n\n%s\n",
                            pec->rem ? "AttachedMimeMessage.eml" : "postacert.eml",
                            pec->rem ? "REM-Section-Type: rem_message/original\n" : "",
                            pec->rem ? "AttachedMimeMessage.eml" : "postacert.eml", pec->original);
  if (pec->rem)
    g_string_append_printf (out, "--pec-mixed\nContent-Type: application/xml; name=\"evidence.xml\"\n"
                            "REM-Section-Type: rem_message/xml_evidence\n"
                            "Content-Disposition: attachment; filename=\"evidence.xml\"\n\n"
                            "<Evidence><EventCode>%s</EventCode><EvidenceIdentifier>%s</EvidenceIdentifier>"
                            "</Evidence>\n", pec->kind, identifier);
  g_string_append (out, "--pec-mixed--\n");
  return g_string_free (out, FALSE);
}

G_GNUC_NO_INLINE static char *
sign (const char           *provider,
      const char           *body)
{
  const char *cert = casella_test_pec_provider_cert (provider);
  g_autofree char *key = g_strndup (cert, strlen (cert) - strlen (".pem"));
  g_autofree char *key_file = g_strconcat (key, ".key", NULL);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  char *signed_text = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "openssl",
                              "smime", "-sign", "-signer", cert, "-inkey", key_file, "-md", "sha1", NULL);
  if (process == NULL || !g_subprocess_communicate_utf8 (process, body, NULL, &signed_text, NULL, &error) ||
      !g_subprocess_get_successful (process))
    g_error ("openssl smime -sign failed: %s", error ? error->message : "exit status");
  return signed_text;
}

char *
casella_test_pec_build (const CasellaTestPec *pec)
{
  gboolean envelope = g_str_equal (pec->kind, "posta-certificata") || g_str_equal (pec->kind, "errore") ||
                      (pec->rem && (g_str_equal (pec->kind, "Dispatch") || g_str_equal (pec->kind, "ReceivedFromNonERDS")));
  gboolean complete = g_str_equal (pec->kind, "avvenuta-consegna") &&
                      g_strcmp0 (pec->receipt_type ? pec->receipt_type : "completa", "completa") == 0;
  g_autofree char *identifier = pec->identifier ? g_strdup (pec->identifier)
                                                : g_strdup_printf ("opec.%s.%s", pec->kind, pec->msgid);
  g_autofree char *receipt_id = g_strdup_printf ("%s.%s", pec->kind, identifier);
  g_autofree char *to = envelope ? address_list (pec->certified, pec->external) : g_strdup (pec->sender);
  g_autofree char *from = NULL;
  g_autofree char *body = NULL;
  g_autofree char *signed_body = NULL;
  const char *title = pec->rem ? "REM evidence" : kinds[kind_index (pec->kind)].title;
  const char *prefix = pec->rem ? rem_subject (pec->kind) : kinds[kind_index (pec->kind)].subject;
  GString *out = g_string_new (NULL);

  if (pec->forged_from)
    from = g_strdup (pec->forged_from);
  else if (envelope)
    from = g_strdup_printf ("\"Per conto di: %s\" <posta-certificata@%s>", pec->sender, pec->provider);
  else
    from = g_strdup_printf ("posta-certificata@%s", pec->provider);
  g_string_append_printf (out, "Return-Path: <posta-certificata@%s>\nFrom: %s\nTo: %s\nSubject: %s%s\n"
                          "Date: Thu, 05 Dec 2024 10:02:03 +0100\nMessage-ID: <%s@%s>\n",
                          pec->provider, from, to, prefix, pec->subject, envelope ? identifier : receipt_id,
                          pec->provider);
  if (pec->rem)
    g_string_append_printf (out, "REM-MessageType: %s\nREM-Evidence-ID: %s\nREM-UAMessageIdentifier: <%s>\n",
                            pec->kind, receipt_id, pec->msgid);
  else if (envelope)
    g_string_append_printf (out, "Reply-To: %s\nX-Trasporto: %s\nX-Riferimento-Message-ID: <%s>\n", pec->sender,
                            pec->kind, pec->msgid);
  else
    g_string_append_printf (out, "X-Ricevuta: %s\nX-Riferimento-Message-ID: <%s>\n%s%s%s", pec->kind, pec->msgid,
                            g_str_equal (pec->kind, "avvenuta-consegna") ? "X-TipoRicevuta: " : "",
                            g_str_equal (pec->kind, "avvenuta-consegna")
                              ? (pec->receipt_type ? pec->receipt_type : "completa") : "",
                            g_str_equal (pec->kind, "avvenuta-consegna") ? "\n" : "");
  body = content (pec, title, identifier, envelope || complete, !g_str_equal (pec->kind, "errore"));
  if (pec->not_signed)
    {
      g_string_append_printf (out, "MIME-Version: 1.0\n%s", body);
      return g_string_free (out, FALSE);
    }
  signed_body = sign (pec->provider, body);
  if (pec->tampered)
    {
      const char *where = strstr (signed_body, "Il giorno");

      g_assert_nonnull (where);
      signed_body[(where - signed_body) + 3] = 'G';   /* "Il Giorno": one byte the signature covers */
    }
  g_string_append (out, signed_body);
  return g_string_free (out, FALSE);
}
