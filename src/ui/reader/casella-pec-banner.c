/* casella-pec-banner.c — what certified mail (PEC) says, in plain words
 *
 * The words are the ones PEC users know (in Italian: ricevuta di
 * accettazione, di avvenuta consegna, avviso di mancata consegna, busta
 * di anomalia); the provider's codes wait under "Technical Details". What
 * the signature check found is said as it is: never a badge without a
 * check, and details a changed or foreign signature cannot vouch for are
 * marked as such.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "casella-pec-banner.h"

struct _CasellaPecBanner
{
  GtkWidget  parent_instance;

  GtkWidget *box;
  GtkImage  *icon;
  GtkLabel  *title;
  GtkLabel  *details;
  GtkWidget *technical;
  GtkLabel  *technical_text;
  GtkWidget *actions;
  GtkWidget *envelope_button;
  GtkWidget *proof_button;
  GtkWidget *up_button;
  GtkWidget *deeper_button;
  gboolean   envelope_shown;
};

G_DEFINE_FINAL_TYPE (CasellaPecBanner, casella_pec_banner, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_ENVELOPE_SHOWN, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* ---- words ---- */

/* The time as the provider certified it, in the zone it gave. */
static char *
certified_when (gint64      date,
                const char *zone)
{
  g_autoptr(GDateTime) utc = date ? g_date_time_new_from_unix_utc (date) : NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) there = NULL;
  g_autofree char *when = NULL;

  if (utc == NULL)
    return NULL;
  if (zone != NULL && strlen (zone) == 5)
    {
      g_autofree char *identifier = g_strdup_printf ("%.3s:%s", zone, zone + 3);
      tz = g_time_zone_new_identifier (identifier);
    }
  if (tz == NULL)
    zone = NULL, tz = g_time_zone_new_local ();
  there = g_date_time_to_timezone (utc, tz);
  /* Translators: a certified date and time, see g_date_time_format() */
  when = g_date_time_format (there, _("%A %-d %B %Y at %H:%M:%S"));
  return zone ? g_strdup_printf ("%s (%s)", when, zone) : g_steal_pointer (&when);
}

/* A receipt's time, on this computer's clock: "5 December, 10:03". */
static char *
local_when (gint64 date)
{
  g_autoptr(GDateTime) when = date ? g_date_time_new_from_unix_local (date) : NULL;

  /* Translators: when a receipt came, see g_date_time_format() */
  return when ? g_date_time_format (when, _("%-d %B, %H:%M")) : g_strdup ("");
}

/* Why a message was not delivered, in plain words (the code aside). */
static const char *
plain_reason (const char *detail)
{
  if (detail == NULL)
    return _("the recipient’s provider gave no reason");
  if (g_str_has_prefix (detail, "5.1.1") || strstr (detail, "no-dest") || strstr (detail, "indirizzo non valido"))
    return _("the address does not exist");
  if (g_str_has_prefix (detail, "5.1.2") || strstr (detail, "no-dominio"))
    return _("the address’s domain does not exist");
  if (g_str_has_prefix (detail, "5.4.") || g_str_has_prefix (detail, "4.4."))
    return _("it could not be delivered in time");
  if (g_strrstr (detail, "virus"))
    return _("a virus was found in it");
  return _("the recipient’s provider refused it");
}

static void
set_text (CasellaPecBanner *self,
          const char       *icon,
          const char       *title,
          const char       *details,
          const char       *technical)
{
  gtk_image_set_from_icon_name (self->icon, icon);
  gtk_label_set_text (self->title, title);
  gtk_label_set_text (self->details, details);
  gtk_widget_set_visible (GTK_WIDGET (self->details), details != NULL && details[0] != '\0');
  gtk_label_set_text (self->technical_text, technical ? technical : "");
  gtk_widget_set_visible (self->technical, technical != NULL && technical[0] != '\0');
  gtk_widget_set_visible (GTK_WIDGET (self), TRUE);
}

static char *
recipients_line (const CasellaDaticert *d)
{
  g_autoptr(GString) line = g_string_new (NULL);

  for (guint i = 0; i < d->recipients->len; i++)
    {
      CasellaPecRecipient *recipient = g_ptr_array_index (d->recipients, i);

      if (line->len > 0)
        g_string_append (line, ", ");
      /* Translators: a recipient of a PEC message, %s is the address */
      g_string_append_printf (line, recipient->certified ? _("%s (certified)") : _("%s (ordinary email)"),
                              recipient->address);
    }
  /* Translators: %s is a list of addresses */
  return line->len > 0 ? g_strdup_printf (_("To: %s"), line->str) : NULL;
}

static char *
technical_of (const CasellaPec *pec)
{
  const CasellaDaticert *d = pec->daticert;
  g_autoptr(GString) text = g_string_new (NULL);

  if (d != NULL && d->identifier)
    /* Translators: the provider's identifier of a PEC message; people quote it to their provider */
    g_string_append_printf (text, _("Message identifier: %s\n"), d->identifier);
  if (d != NULL && d->error_detail)
    g_string_append_printf (text, _("Provider’s answer: %s\n"), d->error_detail);
  if (d != NULL && d->receipt_type)
    g_string_append_printf (text, _("Receipt type: %s\n"), d->receipt_type);
  if (pec->reference)
    g_string_append_printf (text, _("About the message: %s\n"), pec->reference);
  if (pec->rem)
    g_string_append (text, _("Format: REM (European registered email)\n"));
  if (text->len > 0)
    g_string_truncate (text, text->len - 1);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* What the signature check means for the details shown. */
static const char *
signature_words (CasellaPecSignature signature)
{
  switch (signature)
    {
    case CASELLA_PEC_SIGNATURE_VERIFIED:
      return _("The provider’s signature is valid: it issued these details, and the message has not been changed "
               "since.");
    case CASELLA_PEC_SIGNATURE_CHANGED:
      return _("Warning: the message was changed after the provider signed it. These details cannot be trusted.");
    case CASELLA_PEC_SIGNATURE_WRONG_SIGNER:
      return _("Warning: it is not signed by the provider it comes from. These details cannot be trusted.");
    case CASELLA_PEC_SIGNATURE_UNTRUSTED:
      return _("The provider’s signature could not be checked: its certificate is not from an authority this "
               "computer trusts. These details are as the provider declared them.");
    case CASELLA_PEC_SIGNATURE_FORWARDED:
      return _("This certified message was forwarded inside another: its own signature is not checked here. These "
               "details are as its provider declared them.");
    case CASELLA_PEC_SIGNATURE_UNREADABLE:
      return _("The provider’s signature cannot be read. These details are as the provider declared them.");
    case CASELLA_PEC_SIGNATURE_NONE:
    default:
      return _("The provider did not sign this message. These details are as the provider declared them.");
    }
}

static gboolean
signature_bad (CasellaPecSignature signature)
{
  return signature == CASELLA_PEC_SIGNATURE_CHANGED || signature == CASELLA_PEC_SIGNATURE_WRONG_SIGNER;
}

static char *
certified_details (const CasellaPec    *pec,
                   CasellaPecSignature  signature)
{
  const CasellaDaticert *d = pec->daticert;
  g_autofree char *when = d ? certified_when (d->date, d->zone) : NULL;
  g_autofree char *to = d ? recipients_line (d) : NULL;
  const char *sender = d && d->sender ? d->sender : pec->on_behalf_of;
  g_autoptr(GString) text = g_string_new (NULL);

  if (sender && d && d->provider)
    /* Translators: the first %s is an address, the second the PEC provider */
    g_string_append_printf (text, _("Sent by %s through %s\n"), sender, d->provider);
  else if (sender)
    g_string_append_printf (text, _("Sent by %s\n"), sender);
  if (when)
    /* Translators: %s is a date and time */
    g_string_append_printf (text, _("Certified on %s\n"), when);
  if (to)
    g_string_append_printf (text, "%s\n", to);
  if (pec->security_error)
    g_string_append (text, _("The provider reported a failed security check on this message.\n"));
  g_string_append (text, signature_words (signature));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
receipt_words (const CasellaPec *pec,
               const char       *subject,
               const char      **title)
{
  const CasellaDaticert *d = pec->daticert;
  g_autofree char *when = d ? certified_when (d->date, d->zone) : g_strdup ("");
  const char *to = d && d->delivered_to ? d->delivered_to : "";
  const char *detail = d ? d->error_detail : NULL;

  switch (pec->kind)
    {
    case CASELLA_PEC_ACCEPTANCE:
      *title = _("Acceptance receipt");
      /* Translators: the first %s is a subject, the second a date and time */
      return g_strdup_printf (_("Your provider accepted the message “%s” on %s."), subject, when);
    case CASELLA_PEC_NON_ACCEPTANCE:
      *title = _("Notice of non-acceptance");
      /* Translators: the first %s is a subject, the second why */
      return g_strdup_printf (_("Your provider did not accept the message “%s”: %s."), subject,
                              detail ? detail : _("no reason given"));
    case CASELLA_PEC_TAKEN_IN_CHARGE:
      *title = _("Taken in charge");
      return g_strdup_printf (_("The recipient’s provider took the message “%s” in charge."), subject);
    case CASELLA_PEC_DELIVERY:
      *title = _("Delivery receipt");
      /* Translators: a subject, an address, a date and time */
      return g_strdup_printf (_("The message “%s” was delivered to %s on %s."), subject, to, when);
    case CASELLA_PEC_DELIVERY_ERROR:
      *title = _("Notice of non-delivery");
      /* Translators: a subject, an address, why */
      return g_strdup_printf (_("The message “%s” could not be delivered to %s: %s."), subject, to,
                              plain_reason (detail));
    case CASELLA_PEC_DELIVERY_WARNING:
      *title = _("Not delivered yet");
      return g_strdup_printf (_("The message “%s” has not reached %s after 12 hours. It may still arrive."),
                              subject, to);
    case CASELLA_PEC_VIRUS:
    default:
      *title = _("Virus found");
      return g_strdup_printf (_("A virus was found in the message “%s”."), subject);
    }
}

void
casella_pec_banner_show_certified (CasellaPecBanner    *self,
                                   const CasellaPec    *pec,
                                   const char          *subject,
                                   CasellaPecSignature  signature,
                                   const char          *detail)
{
  g_autofree char *technical = NULL;
  g_autofree char *details = NULL;
  g_autofree char *words = NULL;
  const char *title = NULL;

  g_return_if_fail (CASELLA_IS_PEC_BANNER (self));

  gtk_widget_set_visible (self->proof_button, FALSE);
  {
    g_autofree char *facts = technical_of (pec);
    /* Translators: why a signature did not verify, as OpenSSL said it */
    technical = detail ? g_strdup_printf (_("%s\nSignature check: %s"), facts, detail) : g_steal_pointer (&facts);
  }
  if (signature_bad (signature))
    gtk_widget_add_css_class (self->box, "casella-pec-warning");
  else
    gtk_widget_remove_css_class (self->box, "casella-pec-warning");
  if (pec->kind == CASELLA_PEC_MESSAGE)
    {
      details = certified_details (pec, signature);
      set_text (self, signature_bad (signature) ? "dialog-warning-symbolic" : "mail-mark-important-symbolic",
                _("Certified email (PEC)"), details, technical);
      gtk_widget_set_visible (self->envelope_button, TRUE);
      return;
    }
  gtk_widget_set_visible (self->envelope_button, FALSE);
  if (pec->kind == CASELLA_PEC_ANOMALY)
    {
      gtk_widget_add_css_class (self->box, "casella-pec-warning");
      set_text (self, "dialog-warning-symbolic", _("Not certified"),
                _("This message reached your PEC mailbox from outside certified email. Its sender and its "
                  "content are not certified."), technical);
      return;
    }
  words = receipt_words (pec, subject ? subject : "", &title);
  details = g_strdup_printf ("%s\n%s\n%s", words, signature_words (signature),
                             _("Keep this receipt: it is your legal proof."));
  set_text (self, signature_bad (signature) ? "dialog-warning-symbolic" : "mail-mark-important-symbolic", title,
            details, technical);
}

static char *
delivery_line (const CasellaPecDelivery *delivery)
{
  g_autofree char *when = local_when (delivery->date);

  switch (delivery->state)
    {
    case CASELLA_PEC_STATE_DELIVERED:
      /* Translators: an address, then when ("5 December, 10:03") */
      return g_strdup_printf (_("Delivered to %s on %s"), delivery->address, when);
    case CASELLA_PEC_STATE_NOT_DELIVERED:
      /* Translators: an address, then why */
      return g_strdup_printf (_("Not delivered to %s: %s"), delivery->address, plain_reason (delivery->detail));
    case CASELLA_PEC_STATE_DELAYED:
      return g_strdup_printf (_("Not delivered to %s yet after 12 hours: it may still arrive"), delivery->address);
    case CASELLA_PEC_STATE_NO_RECEIPT:
      return g_strdup_printf (_("%s is not a PEC address: no delivery receipt will come"), delivery->address);
    default:
      return g_strdup_printf (_("Waiting for the delivery receipt from %s"), delivery->address);
    }
}

void
casella_pec_banner_show_status (CasellaPecBanner       *self,
                                const CasellaPecStatus *status)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) technical = g_string_new (NULL);
  g_autofree char *when = local_when (status->date);
  gboolean trouble = status->state == CASELLA_PEC_STATE_NOT_ACCEPTED;

  g_return_if_fail (CASELLA_IS_PEC_BANNER (self));

  if (status->state == CASELLA_PEC_STATE_ACCEPTED)
    /* Translators: %s is when ("5 December, 10:02") */
    g_string_append_printf (text, _("Accepted by your provider on %s"), when);
  else if (status->state == CASELLA_PEC_STATE_NOT_ACCEPTED)
    g_string_append_printf (text, _("Not accepted by your provider: %s"), plain_reason (status->detail));
  else
    g_string_append (text, _("Waiting for your provider’s acceptance receipt"));
  if (status->identifier)
    g_string_append_printf (technical, _("Message identifier: %s\n"), status->identifier);
  for (guint i = 0; status->state != CASELLA_PEC_STATE_NOT_ACCEPTED && i < status->recipients->len; i++)
    {
      const CasellaPecDelivery *delivery = g_ptr_array_index (status->recipients, i);
      g_autofree char *line = delivery_line (delivery);

      g_string_append_printf (text, "\n%s", line);
      trouble |= delivery->state == CASELLA_PEC_STATE_NOT_DELIVERED;
      if (delivery->detail)
        g_string_append_printf (technical, "%s: %s\n", delivery->address, delivery->detail);
    }
  if (technical->len > 0)
    g_string_truncate (technical, technical->len - 1);
  if (trouble)
    gtk_widget_add_css_class (self->box, "casella-pec-warning");
  else
    gtk_widget_remove_css_class (self->box, "casella-pec-warning");
  gtk_widget_set_visible (self->envelope_button, FALSE);
  gtk_widget_set_visible (self->proof_button, TRUE);
  set_text (self, trouble ? "dialog-warning-symbolic" : "mail-send-symbolic", _("Certified email: where it got to"),
            text->str, technical->str);
}

void
casella_pec_banner_set_levels (CasellaPecBanner *self,
                               gboolean          deeper,
                               gboolean          up)
{
  gtk_widget_set_visible (self->deeper_button, deeper);
  gtk_widget_set_visible (self->up_button, up);
}

void
casella_pec_banner_clear (CasellaPecBanner *self)
{
  casella_pec_banner_set_levels (self, FALSE, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  casella_pec_banner_set_envelope_shown (self, FALSE);
}

gboolean
casella_pec_banner_get_envelope_shown (CasellaPecBanner *self)
{
  return self->envelope_shown;
}

void
casella_pec_banner_set_envelope_shown (CasellaPecBanner *self,
                                       gboolean          shown)
{
  if (self->envelope_shown == !!shown)
    return;
  self->envelope_shown = !!shown;
  gtk_button_set_label (GTK_BUTTON (self->envelope_button),
                        shown ? _("Show the _Message") : _("Show the _Envelope"));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENVELOPE_SHOWN]);
}

char *
casella_pec_banner_get_text (CasellaPecBanner *self)
{
  return g_strdup_printf ("%s\n%s", gtk_label_get_text (self->title), gtk_label_get_text (self->details));
}

/* ---- the widget ---- */

static void
casella_pec_banner_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  CasellaPecBanner *self = CASELLA_PEC_BANNER (object);

  switch (prop_id)
    {
    case PROP_ENVELOPE_SHOWN:
      g_value_set_boolean (value, self->envelope_shown);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
casella_pec_banner_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  CasellaPecBanner *self = CASELLA_PEC_BANNER (object);

  switch (prop_id)
    {
    case PROP_ENVELOPE_SHOWN:
      casella_pec_banner_set_envelope_shown (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
casella_pec_banner_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CASELLA_TYPE_PEC_BANNER);
  G_OBJECT_CLASS (casella_pec_banner_parent_class)->dispose (object);
}

static void
casella_pec_banner_class_init (CasellaPecBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = casella_pec_banner_dispose;
  object_class->get_property = casella_pec_banner_get_property;
  object_class->set_property = casella_pec_banner_set_property;
  properties[PROP_ENVELOPE_SHOWN] = g_param_spec_boolean ("envelope-shown", NULL, NULL, FALSE,
                                                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                          G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/casellamail/Casella/reader/casella-pec-banner.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CasellaPecBanner, name)
  BIND (box); BIND (icon); BIND (title); BIND (details); BIND (technical); BIND (technical_text); BIND (actions);
  BIND (envelope_button); BIND (proof_button); BIND (up_button); BIND (deeper_button);
#undef BIND
}

static void
casella_pec_banner_init (CasellaPecBanner *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
