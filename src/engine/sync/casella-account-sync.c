/* casella-account-sync.c — an account's store and sync, by its settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-account-sync.h"

CasellaStore *
casella_account_open_store (CasellaAccount  *account,
                            GError         **error)
{
  g_autofree char *path = casella_store_path_for_account (casella_account_get_id (account));

  return casella_store_open (path, error);
}

gboolean
casella_account_apply_pec (CasellaAccount  *account,
                           CasellaStore    *store,
                           GError         **error)
{
  return casella_store_set_pec_mode (store, casella_account_get_pec (account),
                                     casella_account_get_show_pec_receipts (account), error);
}

CasellaStore *
casella_account_rebuild_store (CasellaAccount             *account,
                               CasellaStoreRebuildReport  *report,
                               GError                    **error)
{
  g_autofree char *path = casella_store_path_for_account (casella_account_get_id (account));

  return casella_store_rebuild (path, report, error);
}

static const char *
incoming_user (CasellaAccount *account)
{
  CasellaServerConfig *server = casella_account_get_incoming (account);

  return server && server->username ? server->username : casella_account_get_address (account);
}

static void
forward_progress (CasellaImapSync                 *sync,
                  const char                      *folder,
                  const char                      *stage,
                  guint                            done,
                  guint                            total,
                  const CasellaAccountSyncOptions *options)
{
  options->progress (folder, stage, done, total, options->progress_data);
}

static gboolean
folder_offline (const char *path,
                gpointer    account)
{
  return casella_account_get_folder_offline (account, path);
}

CasellaImapSync *
casella_account_new_imap_sync (CasellaAccount                  *account,
                               CasellaStore                    *store,
                               const CasellaAccountSyncOptions *options)
{
  CasellaNetConfig *config = casella_account_dup_net_config (account, CASELLA_PROTOCOL_IMAP, options->tls_database);
  CasellaImapSync *sync = casella_imap_sync_new (store, config, incoming_user (account), options->password);

  casella_net_config_unref (config);
  casella_imap_sync_set_tokens (sync, options->tokens);
  casella_imap_sync_set_body_budget (sync, options->body_budget);
  casella_imap_sync_set_offline_func (sync, folder_offline, g_object_ref (account), g_object_unref);
  if (options->progress != NULL)
    g_signal_connect (sync, "progress", G_CALLBACK (forward_progress), (gpointer) options);
  return sync;
}

gboolean
casella_account_send_outbox (CasellaAccount                  *account,
                             CasellaStore                    *store,
                             const CasellaAccountSyncOptions *options,
                             CasellaImapSync                 *imap,
                             CasellaOutboxResult             *result,
                             GCancellable                    *cancellable,
                             GError                         **error)
{
  CasellaServerConfig *outgoing = casella_account_get_outgoing (account);
  g_autoptr(CasellaNetConfig) config = NULL;

  if (outgoing == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "The account has no server for sending");
      return FALSE;
    }
  config = casella_account_dup_net_config (account, CASELLA_PROTOCOL_SMTP, options->tls_database);
  return casella_outbox_send (store, config, outgoing->username ? outgoing->username : casella_account_get_address (account),
                              options->smtp_password ? options->smtp_password : options->password, options->tokens, imap,
                              casella_provider_files_sent (casella_account_get_provider_id (account)), result,
                              cancellable, error);
}

gboolean
casella_account_sync (CasellaAccount                  *account,
                      CasellaStore                    *store,
                      const CasellaAccountSyncOptions *options,
                      GCancellable                    *cancellable,
                      GError                         **error)
{
  CasellaServerConfig *incoming = casella_account_get_incoming (account);
  g_autoptr(CasellaImapSync) imap = NULL;
  g_autoptr(CasellaNetConfig) config = NULL;
  guint days = 0;
  CasellaPop3Policy policy;

  if (incoming == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "The account has no server for receiving");
      return FALSE;
    }
  if (!casella_store_check_if_due (store, error) || !casella_account_apply_pec (account, store, error))
    return FALSE;
  if (incoming->protocol == CASELLA_PROTOCOL_IMAP)
    {
      imap = casella_account_new_imap_sync (account, store, options);
      if (!casella_imap_sync_run (imap, cancellable, error))
        return FALSE;
      return casella_account_send_outbox (account, store, options, imap, NULL, cancellable, error);
    }
  policy = casella_account_get_pop3_policy (account, &days);
  config = casella_account_dup_net_config (account, CASELLA_PROTOCOL_POP3, options->tls_database);
  if (!casella_pop3_sync_run (store, config, incoming_user (account), options->password, options->tokens, policy, days,
                              options->progress, options->progress_data, NULL, cancellable, error))
    return FALSE;
  return casella_account_send_outbox (account, store, options, NULL, NULL, cancellable, error);
}
