/* casella-cli-pec.c — certified mail (PEC) from a terminal: what an
 * envelope or receipt certifies, and where a sent message got to
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "casella-cli.h"

/* "2024-12-05 10:02:03 +0100": in the zone the provider certified it in
 * ("+0100"), or this computer's (NULL). */
static char *
certified_time (gint64      when,
                const char *zone)
{
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) utc = when ? g_date_time_new_from_unix_utc (when) : NULL;
  g_autoptr(GDateTime) shown = NULL;

  if (utc == NULL)
    return g_strdup ("-");
  if (zone != NULL && strlen (zone) == 5)
    {
      g_autofree char *identifier = g_strdup_printf ("%.3s:%s", zone, zone + 3);
      tz = g_time_zone_new_identifier (identifier);
    }
  if (tz == NULL)
    tz = g_time_zone_new_local ();
  shown = g_date_time_to_timezone (utc, tz);
  return g_date_time_format (shown, "%Y-%m-%d %H:%M:%S %z");
}

static const char *
kind_words (CasellaPecKind kind)
{
  switch (kind)
    {
    case CASELLA_PEC_MESSAGE: return _("certified message");
    case CASELLA_PEC_ANOMALY: return _("anomaly: the content is not certified");
    case CASELLA_PEC_ACCEPTANCE: return _("acceptance receipt");
    case CASELLA_PEC_NON_ACCEPTANCE: return _("notice of non-acceptance");
    case CASELLA_PEC_TAKEN_IN_CHARGE: return _("taken in charge by the recipient’s provider");
    case CASELLA_PEC_DELIVERY: return _("delivery receipt");
    case CASELLA_PEC_DELIVERY_ERROR: return _("notice of non-delivery");
    case CASELLA_PEC_DELIVERY_WARNING: return _("not delivered yet (12-hour notice)");
    case CASELLA_PEC_VIRUS: return _("virus found");
    case CASELLA_PEC_NONE: default: return "";
    }
}

static const char *
signature_words (CasellaPecSignature signature)
{
  switch (signature)
    {
    case CASELLA_PEC_SIGNATURE_VERIFIED: return _("Signature: valid, by the provider; the message is unchanged");
    case CASELLA_PEC_SIGNATURE_CHANGED: return _("Signature: BROKEN, the message was changed after it was signed");
    case CASELLA_PEC_SIGNATURE_WRONG_SIGNER: return _("Signature: not by the provider it comes from");
    case CASELLA_PEC_SIGNATURE_UNTRUSTED: return _("Signature: not verifiable, by an authority not trusted here");
    case CASELLA_PEC_SIGNATURE_UNREADABLE: return _("Signature: unreadable");
    case CASELLA_PEC_SIGNATURE_NONE: default: return _("Signature: none");
    }
}

void
casella_cli_print_pec (const CasellaPec    *pec,
                       CasellaPecSignature  signature,
                       const char          *detail)
{
  const CasellaDaticert *d = pec->daticert;

  /* Translators: casella-cli show, before a PEC message; %s is what it is */
  g_print (_("PEC: %s%s\n"), kind_words (pec->kind), pec->rem ? " (REM)" : "");
  if (pec->security_error)
    g_print ("%s\n", _("The provider’s security check failed on this message."));
  if (d == NULL)
    {
      g_print ("%s\n", _("Certified by: the provider’s data are missing"));
      g_print ("%s\n\n", signature_words (signature));
      return;
    }
  {
    g_autofree char *when = certified_time (d->date, d->zone);
    g_print (_("Certified by: %s, %s\n"), d->provider ? d->provider : "-", when);
  }
  if (d->sender)
    g_print (_("Sent by: %s\n"), d->sender);
  for (guint i = 0; i < d->recipients->len; i++)
    {
      CasellaPecRecipient *recipient = g_ptr_array_index (d->recipients, i);
      g_print (recipient->certified ? _("Recipient (PEC): %s\n") : _("Recipient (not PEC): %s\n"),
               recipient->address);
    }
  if (d->delivered_to)
    g_print (_("About: %s\n"), d->delivered_to);
  if (d->error_detail)
    g_print (_("Error: %s\n"), d->error_detail);
  if (d->identifier)
    g_print (_("Identifier: %s\n"), d->identifier);
  g_print ("%s%s%s\n", signature_words (signature), detail ? " — " : "", detail ? detail : "");
  g_print ("\n");
}

static const char *
state_name (CasellaPecState state)
{
  static const char *const names[] = { "waiting", "accepted", "not-accepted", "delivered", "not-delivered",
                                        "delayed", "no-receipt" };

  return names[state];
}

static char *
state_words (const CasellaPecDelivery *delivery)
{
  g_autofree char *when = certified_time (delivery->date, NULL);

  switch (delivery->state)
    {
    case CASELLA_PEC_STATE_DELIVERED:
      /* Translators: %s is a date and time */
      return g_strdup_printf (_("delivered %s"), when);
    case CASELLA_PEC_STATE_NOT_DELIVERED:
      /* Translators: %s is the provider's reason */
      return g_strdup_printf (_("not delivered: %s"), delivery->detail ? delivery->detail : _("no reason given"));
    case CASELLA_PEC_STATE_DELAYED:
      return g_strdup (_("not delivered yet after 12 hours; it may still be"));
    case CASELLA_PEC_STATE_NO_RECEIPT:
      return g_strdup (_("not a PEC address: no delivery receipt will come"));
    default:
      return g_strdup (_("no receipt yet"));
    }
}

void
casella_cli_print_pec_status (const CasellaPecStatus *status,
                              gboolean                json)
{
  if (json)
    {
      CasellaJson out = { g_string_new (NULL) };

      casella_json_begin_object (&out, NULL);
      casella_json_string (&out, "state", state_name (status->state));
      casella_json_int (&out, "date", status->date);
      casella_json_string (&out, "identifier", status->identifier);
      casella_json_string (&out, "detail", status->detail);
      casella_json_begin_array (&out, "recipients");
      for (guint i = 0; i < status->recipients->len; i++)
        {
          const CasellaPecDelivery *delivery = g_ptr_array_index (status->recipients, i);

          casella_json_begin_object (&out, NULL);
          casella_json_string (&out, "address", delivery->address);
          casella_json_bool (&out, "certified", delivery->certified);
          casella_json_string (&out, "state", state_name (delivery->state));
          casella_json_int (&out, "date", delivery->date);
          casella_json_string (&out, "detail", delivery->detail);
          casella_json_end_object (&out);
        }
      casella_json_end_array (&out);
      casella_json_end_object (&out);
      g_print ("%s\n", out.out->str);
      g_string_free (out.out, TRUE);
      return;
    }
  {
    g_autofree char *text = casella_cli_pec_status_text (status);
    g_print ("%s", text);
  }
}

char *
casella_cli_pec_status_text (const CasellaPecStatus *status)
{
  GString *text = g_string_new (NULL);

  if (status->state == CASELLA_PEC_STATE_ACCEPTED)
    {
      g_autofree char *when = certified_time (status->date, NULL);
      g_string_append_printf (text, _("Accepted by your provider %s (%s)\n"), when,
                              status->identifier ? status->identifier : "-");
    }
  else if (status->state == CASELLA_PEC_STATE_NOT_ACCEPTED)
    g_string_append_printf (text, _("Not accepted by your provider: %s\n"),
                            status->detail ? status->detail : _("no reason given"));
  else
    g_string_append_printf (text, "%s\n", _("No acceptance receipt yet"));
  for (guint i = 0; i < status->recipients->len; i++)
    {
      const CasellaPecDelivery *delivery = g_ptr_array_index (status->recipients, i);
      g_autofree char *words = state_words (delivery);

      g_string_append_printf (text, "%s: %s\n", delivery->address, words);
    }
  return g_string_free (text, FALSE);
}
