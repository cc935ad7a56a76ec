/* casella-pec-signature.c — checking a PEC provider's S/MIME signature
 *
 * OpenSSL's CMS rather than GMime's S/MIME back end: GMime goes through
 * gpgsm, which does not read the system's authorities (each user would
 * have to add AgID's root to a gpgsm trust list by hand) and needs a
 * gpg-agent; OpenSSL reads the system bundle and checks at a given time
 * in one call, in process. The chain is checked at the signing time the
 * signature carries: a receipt stays proof after the provider's
 * certificate expires.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "casella-pec.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free_all)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CMS_ContentInfo, CMS_ContentInfo_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_STORE, X509_STORE_free)

static char *
openssl_reason (void)
{
  unsigned long code = ERR_peek_last_error ();
  char text[256] = "";

  if (code != 0)
    ERR_error_string_n (code, text, sizeof text);
  ERR_clear_error ();
  return g_strdup (text[0] ? text : "unknown");
}

/* The signing time in the signed attributes; -1: none given. */
static time_t
signing_time (CMS_ContentInfo *cms)
{
  STACK_OF (CMS_SignerInfo) *signers = CMS_get0_SignerInfos (cms);
  CMS_SignerInfo *signer = signers && sk_CMS_SignerInfo_num (signers) > 0 ? sk_CMS_SignerInfo_value (signers, 0) : NULL;
  int where = signer ? CMS_signed_get_attr_by_NID (signer, NID_pkcs9_signingTime, -1) : -1;
  X509_ATTRIBUTE *attribute = where >= 0 ? CMS_signed_get_attr (signer, where) : NULL;
  ASN1_TYPE *value = attribute ? X509_ATTRIBUTE_get0_type (attribute, 0) : NULL;
  struct tm when = { 0 };

  if (value == NULL || (value->type != V_ASN1_UTCTIME && value->type != V_ASN1_GENERALIZEDTIME) ||
      !ASN1_TIME_to_tm ((const ASN1_TIME *) value->value.asn1_string, &when))
    return -1;
  return timegm (&when);
}

static X509_STORE *
trust_store (const char *ca_file,
             time_t      at)
{
  X509_STORE *store = X509_STORE_new ();

  if (store == NULL || (ca_file != NULL ? X509_STORE_load_file (store, ca_file) != 1
                                        : X509_STORE_set_default_paths (store) != 1))
    {
      X509_STORE_free (store);
      return NULL;
    }
  if (at >= 0)
    X509_VERIFY_PARAM_set_time (X509_STORE_get0_param (store), at);
  return store;
}

/* The signer must be the provider's own address (posta-certificata@…). */
static gboolean
signed_by (CMS_ContentInfo *cms,
           const char      *sender)
{
  STACK_OF (X509) *certificates = CMS_get0_signers (cms);
  gboolean matches = FALSE;

  for (int i = 0; certificates && i < sk_X509_num (certificates); i++)
    matches |= sender != NULL && X509_check_email (sk_X509_value (certificates, i), sender, strlen (sender), 0) == 1;
  sk_X509_free (certificates);
  return matches;
}

/* The signed content as SMIME_read_CMS found it, to check it twice. */
static GByteArray *
read_all (BIO *bio)
{
  GByteArray *bytes = g_byte_array_new ();
  guint8 buffer[16384];
  int n;

  while ((n = BIO_read (bio, buffer, sizeof buffer)) > 0)
    g_byte_array_append (bytes, buffer, (guint) n);
  if (n < 0 && !BIO_should_retry (bio) && bytes->len == 0)
    {
      g_byte_array_unref (bytes);
      return NULL;
    }
  return bytes;
}

/* Whether the top headers say multipart/signed (before any parsing). */
static gboolean
says_signed (GBytes *raw)
{
  gsize length;
  const char *data = g_bytes_get_data (raw, &length);
  const char *end = g_strstr_len (data, (gssize) length, "\n\n");
  const char *crlf_end = g_strstr_len (data, (gssize) length, "\r\n\r\n");
  g_autofree char *headers = NULL;

  if (crlf_end != NULL && (end == NULL || crlf_end < end))
    end = crlf_end;
  headers = g_ascii_strdown (data, end ? end - data : (gssize) length);
  return strstr (headers, "multipart/signed") != NULL;
}

CasellaPecSignature
casella_pec_verify (GBytes      *raw,
                    const char  *sender,
                    const char  *ca_file,
                    char       **detail)
{
  g_autoptr(BIO) input = BIO_new_mem_buf (g_bytes_get_data (raw, NULL), (int) MIN (g_bytes_get_size (raw), G_MAXINT));
  g_autoptr(BIO) content = NULL;
  g_autoptr(CMS_ContentInfo) cms = NULL;
  g_autoptr(X509_STORE) store = NULL;
  g_autoptr(GByteArray) content_bytes = NULL;
  int reason;

  if (detail != NULL)
    *detail = NULL;
  if (!says_signed (raw))
    return CASELLA_PEC_SIGNATURE_NONE;
  ERR_clear_error ();
  cms = input ? SMIME_read_CMS (input, &content) : NULL;
  if (cms == NULL)
    {
      /* Said to be signed, and the signature cannot be read. */
      g_autofree char *why = openssl_reason ();
      if (detail != NULL)
        *detail = g_steal_pointer (&why);
      return CASELLA_PEC_SIGNATURE_UNREADABLE;
    }
  if (content == NULL)
    return CASELLA_PEC_SIGNATURE_UNREADABLE;   /* opaque signing: not what providers send */
  /* First whether it is what was signed, whoever signed it: a changed
   * message is said to be changed, trusted signer or not. */
  content_bytes = read_all (content);
  if (content_bytes == NULL)
    return CASELLA_PEC_SIGNATURE_UNREADABLE;
  g_clear_pointer (&content, BIO_free_all);
  content = BIO_new_mem_buf (content_bytes->data, (int) content_bytes->len);
  if (CMS_verify (cms, NULL, NULL, content, NULL, CMS_NO_SIGNER_CERT_VERIFY) != 1)
    {
      if (detail != NULL)
        *detail = openssl_reason ();
      else
        ERR_clear_error ();
      return CASELLA_PEC_SIGNATURE_CHANGED;
    }
  g_clear_pointer (&content, BIO_free_all);
  content = BIO_new_mem_buf (content_bytes->data, (int) content_bytes->len);
  if ((store = trust_store (ca_file, signing_time (cms))) == NULL)
    {
      if (detail != NULL)
        *detail = openssl_reason ();
      return CASELLA_PEC_SIGNATURE_UNTRUSTED;
    }
  if (CMS_verify (cms, NULL, store, content, NULL, 0) != 1)
    {
      reason = ERR_GET_REASON (ERR_peek_last_error ());
      if (detail != NULL)
        *detail = openssl_reason ();
      else
        ERR_clear_error ();
      return reason == CMS_R_CERTIFICATE_VERIFY_ERROR ? CASELLA_PEC_SIGNATURE_UNTRUSTED
                                                      : CASELLA_PEC_SIGNATURE_CHANGED;
    }
  if (!signed_by (cms, sender))
    {
      if (detail != NULL)
        *detail = g_strdup_printf ("the signer is not %s", sender ? sender : "the sender");
      return CASELLA_PEC_SIGNATURE_WRONG_SIGNER;
    }
  return CASELLA_PEC_SIGNATURE_VERIFIED;
}
