/* casella-test-account.c — accounts for window tests, demo and benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-test-account.h"

#include "casella-store.h"
#include "casella-test-pki.h"
#include "casella-test-util.h"

static GBytes *
server_der (void)
{
  g_autoptr(GByteArray) der = NULL;

  g_object_get (casella_test_pki_get ()->server_certificate, "certificate", &der, NULL);
  return g_bytes_new (der->data, der->len);
}

CasellaAccount *
casella_test_account_new (const char *address,
                          const char *display_name,
                          guint16     imap_port,
                          guint16     smtp_port)
{
  CasellaAccount *account = casella_account_new (address);
  g_autoptr(CasellaServerConfig) imap = casella_server_config_new (CASELLA_PROTOCOL_IMAP, "localhost", imap_port,
                                                                   CASELLA_SECURITY_TLS);
  g_autoptr(CasellaServerConfig) smtp = casella_server_config_new (CASELLA_PROTOCOL_SMTP, "localhost", smtp_port,
                                                                   CASELLA_SECURITY_TLS);
  g_autoptr(GBytes) der = server_der ();

  imap->username = g_strdup (address);
  smtp->username = g_strdup (address);
  casella_account_set_display_name (account, display_name);
  casella_account_set_incoming (account, imap);
  casella_account_set_outgoing (account, smtp);
  casella_account_set_pinned_certificate (account, CASELLA_PROTOCOL_IMAP, der);
  casella_account_set_pinned_certificate (account, CASELLA_PROTOCOL_SMTP, der);
  return account;
}

gboolean
casella_test_account_store_password (CasellaAccount  *account,
                                     const char      *password,
                                     GError         **error)
{
  CasellaCredentialRole roles[] = { CASELLA_CREDENTIAL_INCOMING, CASELLA_CREDENTIAL_OUTGOING };

  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      g_autoptr(GAsyncResult) result = NULL;

      casella_credentials_store_async (account, roles[i], password, NULL, casella_test_store_result, &result);
      casella_test_await (&result);
      if (!casella_credentials_store_finish (result, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
add_messages (CasellaStore  *store,
              gint64         folder_id,
              const char    *prefix,
              guint          count,
              GError       **error)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (!casella_store_begin (store, error))
    return FALSE;
  for (guint i = 1; i <= count; i++)
    {
      g_autofree char *subject = g_strdup_printf ("%s %u", prefix, i);
      CasellaMessageInfo info = { 0 };

      info.folder_id = folder_id;
      info.uid = i;
      info.flags = CASELLA_MESSAGE_SEEN;
      info.date = now - (gint64) (count - i) * 600;
      info.subject = subject;
      info.from_name = (char *) "Archivio";
      info.from_address = (char *) "archivio@demo.test";
      info.preview = (char *) "Un messaggio di tanti.";
      if (casella_store_add_message (store, &info, error) <= 0)
        {
          casella_store_rollback (store);
          return FALSE;
        }
    }
  return casella_store_commit (store, error) && casella_store_update_counts (store, folder_id, error);
}

gint64
casella_test_account_fill_store (const char  *account_id,
                                 const char  *folder,
                                 const char  *subject_prefix,
                                 guint        count,
                                 GError     **error)
{
  g_autofree char *path = casella_store_path_for_account (account_id);
  g_autoptr(CasellaStore) store = casella_store_open (path, error);
  CasellaStoreFolder inbox = { 0 }, big = { 0 };
  gint64 folder_id;

  if (store == NULL || !casella_store_set_meta (store, "protocol", "imap", error))
    return 0;
  inbox.path = (char *) "INBOX";
  inbox.role = CASELLA_FOLDER_ROLE_INBOX;
  inbox.subscribed = TRUE;
  big.path = (char *) folder;
  big.subscribed = TRUE;
  if (casella_store_save_folder (store, &inbox, error) <= 0 ||
      (folder_id = casella_store_save_folder (store, &big, error)) <= 0 ||
      !add_messages (store, folder_id, subject_prefix, count, error))
    return 0;
  return folder_id;
}
