/* casella-setup-manual.c — the manual form: whatever was found, shown
 * so it can be changed, then checked the same way as found settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-setup-window-private.h"

/* Rows of the combo boxes, in .ui order. */
enum { CHOICE_TLS, CHOICE_STARTTLS, CHOICE_NONE };
enum { CHOICE_IMAP, CHOICE_POP3 };

static const CasellaSecurity securities[] = { CASELLA_SECURITY_TLS, CASELLA_SECURITY_STARTTLS, CASELLA_SECURITY_NONE };

static guint
security_choice (CasellaSecurity security)
{
  for (guint i = 0; i < G_N_ELEMENTS (securities); i++)
    if (securities[i] == security)
      return i;
  return CHOICE_TLS;
}

/* The usual port for a protocol and security: 993, 143, 995, 110, 465, 587. */
static guint16
usual_port (CasellaProtocol protocol,
            CasellaSecurity security)
{
  gboolean tls = security == CASELLA_SECURITY_TLS;

  switch (protocol)
    {
    case CASELLA_PROTOCOL_IMAP:
      return tls ? 993 : 143;
    case CASELLA_PROTOCOL_POP3:
      return tls ? 995 : 110;
    default:
      return tls ? 465 : 587;
    }
}

static gboolean
is_usual_port (guint port)
{
  static const guint16 ports[] = { 993, 143, 995, 110, 465, 587, 25 };

  for (guint i = 0; i < G_N_ELEMENTS (ports); i++)
    if (ports[i] == port)
      return TRUE;
  return FALSE;
}

static CasellaProtocol
role_protocol (CasellaSetupWindow *self,
               int                 role)
{
  if (role == ROLE_OUTGOING)
    return CASELLA_PROTOCOL_SMTP;
  return adw_combo_row_get_selected (self->manual_protocol) == CHOICE_POP3 ? CASELLA_PROTOCOL_POP3
                                                                            : CASELLA_PROTOCOL_IMAP;
}

static CasellaSecurity
role_security (CasellaSetupWindow *self,
               int                 role)
{
  guint selected = adw_combo_row_get_selected (self->manual_security[role]);

  return selected < G_N_ELEMENTS (securities) ? securities[selected] : CASELLA_SECURITY_TLS;
}

/* ---- filling in ---- */

static void
set_prefilled (AdwEntryRow *row,
               const char  *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text ? text : "");
  g_object_set_data_full (G_OBJECT (row), "casella-prefilled", g_strdup (text ? text : ""), g_free);
}

static CasellaServerConfig *
guess_server (CasellaSetupWindow *self,
              CasellaProtocol     protocol)
{
  g_autofree char *domain = casella_address_get_domain (casella_setup_window_get_address (self));
  g_autofree char *host = g_strdup_printf ("%s.%s", protocol == CASELLA_PROTOCOL_SMTP ? "smtp"
                                                    : protocol == CASELLA_PROTOCOL_POP3 ? "pop" : "imap",
                                           domain ? domain : "example.com");

  return casella_server_config_new (protocol, host, usual_port (protocol, CASELLA_SECURITY_TLS), CASELLA_SECURITY_TLS);
}

/* What the form starts from: what is about to be checked, else what was
 * found, else the usual names. */
static CasellaServerConfig *
starting_server (CasellaSetupWindow *self,
                 int                 role)
{
  if (self->servers[role] != NULL)
    return casella_server_config_copy (self->servers[role]);
  if (self->config != NULL && role == ROLE_OUTGOING && casella_mail_config_get_outgoing (self->config))
    return casella_server_config_copy (casella_mail_config_get_outgoing (self->config));
  if (self->config != NULL && role == ROLE_INCOMING && self->config->incoming->len > 0)
    return casella_server_config_copy (self->config->incoming->pdata[0]);
  return guess_server (self, role == ROLE_OUTGOING ? CASELLA_PROTOCOL_SMTP : CASELLA_PROTOCOL_IMAP);
}

static void
fill_role (CasellaSetupWindow  *self,
           int                  role,
           CasellaServerConfig *server)
{
  const char *address = casella_setup_window_get_address (self);

  /* Choices first: they move a usual port, and the port comes last. */
  if (role == ROLE_INCOMING)
    adw_combo_row_set_selected (self->manual_protocol,
                                server->protocol == CASELLA_PROTOCOL_POP3 ? CHOICE_POP3 : CHOICE_IMAP);
  adw_combo_row_set_selected (self->manual_security[role], security_choice (server->security));
  gtk_spin_button_set_value (self->manual_port[role], server->port);
  set_prefilled (self->manual_host[role], server->host);
  set_prefilled (self->manual_user[role], server->username ? server->username : address);
  gtk_widget_remove_css_class (GTK_WIDGET (self->manual_host[role]), "error");
}

void
casella_setup_manual_open (CasellaSetupWindow *self,
                           const char         *intro)
{
  for (int r = 0; r < N_ROLES; r++)
    {
      g_autoptr(CasellaServerConfig) server = starting_server (self, r);
      fill_role (self, r, server);
    }
  gtk_label_set_text (self->manual_intro,
                      intro ? intro : _("Your provider’s help pages list these. Casella checks them before saving "
                                        "anything."));
  casella_setup_window_show_page (self, "manual", TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->manual_host[ROLE_INCOMING]));
}

/* ---- keeping the form consistent ---- */

static void
update_warning (CasellaSetupWindow *self)
{
  gboolean plain = role_security (self, ROLE_INCOMING) == CASELLA_SECURITY_NONE ||
                   role_security (self, ROLE_OUTGOING) == CASELLA_SECURITY_NONE;

  gtk_widget_set_visible (GTK_WIDGET (self->manual_warning), plain);
  /* The warning is about a hidden choice: show where it was made. */
  if (role_security (self, ROLE_INCOMING) == CASELLA_SECURITY_NONE)
    adw_expander_row_set_expanded (g_object_get_data (G_OBJECT (self->manual_security[ROLE_INCOMING]), "expander"), TRUE);
  if (role_security (self, ROLE_OUTGOING) == CASELLA_SECURITY_NONE)
    adw_expander_row_set_expanded (g_object_get_data (G_OBJECT (self->manual_security[ROLE_OUTGOING]), "expander"), TRUE);
}

/* A usual port follows the protocol and security; one the user typed stays. */
static void
follow_port (CasellaSetupWindow *self,
             int                 role)
{
  guint port = (guint) gtk_spin_button_get_value_as_int (self->manual_port[role]);

  if (is_usual_port (port))
    gtk_spin_button_set_value (self->manual_port[role], usual_port (role_protocol (self, role), role_security (self, role)));
  update_warning (self);
}

static void
on_incoming_changed (CasellaSetupWindow *self)
{
  follow_port (self, ROLE_INCOMING);
}

static void
on_outgoing_changed (CasellaSetupWindow *self)
{
  follow_port (self, ROLE_OUTGOING);
}

/* ---- reading it back ---- */

static char *
row_text (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static gboolean
host_is_plausible (const char *host)
{
  return host[0] != '\0' && strchr (host, ' ') == NULL && strchr (host, '/') == NULL && strchr (host, '@') == NULL;
}

static CasellaServerConfig *
read_role (CasellaSetupWindow *self,
           int                 role)
{
  g_autofree char *host = row_text (self->manual_host[role]);
  g_autofree char *user = row_text (self->manual_user[role]);
  CasellaServerConfig *server;

  if (!host_is_plausible (host))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->manual_host[role]), "error");
      gtk_widget_grab_focus (GTK_WIDGET (self->manual_host[role]));
      return NULL;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->manual_host[role]), "error");
  server = casella_server_config_new (role_protocol (self, role), host,
                                      (guint16) gtk_spin_button_get_value_as_int (self->manual_port[role]),
                                      role_security (self, role));
  server->username = user[0] ? g_steal_pointer (&user) : NULL;
  server->auth = CASELLA_AUTH_PASSWORD;
  return server;
}

/* A server name the user typed is one they chose to send the password to. */
static void
approve_typed_host (CasellaSetupWindow *self,
                    int                 role,
                    const char         *host)
{
  const char *prefilled = g_object_get_data (G_OBJECT (self->manual_host[role]), "casella-prefilled");

  if (g_strcmp0 (prefilled, host) != 0)
    g_ptr_array_add (self->approved_hosts, g_strdup (host));
}

static void
check_manual_action (GtkWidget  *widget,
                     const char *action,
                     GVariant   *parameter)
{
  CasellaSetupWindow *self = CASELLA_SETUP_WINDOW (widget);
  g_autoptr(CasellaServerConfig) incoming = read_role (self, ROLE_INCOMING);
  g_autoptr(CasellaServerConfig) outgoing = incoming ? read_role (self, ROLE_OUTGOING) : NULL;

  if (incoming == NULL || outgoing == NULL)
    return;
  approve_typed_host (self, ROLE_INCOMING, incoming->host);
  approve_typed_host (self, ROLE_OUTGOING, outgoing->host);
  casella_setup_window_set_server (self, ROLE_INCOMING, incoming);
  casella_setup_window_set_server (self, ROLE_OUTGOING, outgoing);
  casella_setup_check_start (self);
}

void
casella_setup_manual_init (CasellaSetupWindow *self)
{
  GtkWidget *expanders[N_ROLES];

  for (int r = 0; r < N_ROLES; r++)
    {
      expanders[r] = gtk_widget_get_ancestor (GTK_WIDGET (self->manual_security[r]), ADW_TYPE_EXPANDER_ROW);
      g_object_set_data (G_OBJECT (self->manual_security[r]), "expander", expanders[r]);
    }
  g_signal_connect_swapped (self->manual_protocol, "notify::selected", G_CALLBACK (on_incoming_changed), self);
  g_signal_connect_swapped (self->manual_security[ROLE_INCOMING], "notify::selected",
                            G_CALLBACK (on_incoming_changed), self);
  g_signal_connect_swapped (self->manual_security[ROLE_OUTGOING], "notify::selected",
                            G_CALLBACK (on_outgoing_changed), self);
}

void
casella_setup_manual_class_init (GtkWidgetClass *widget_class)
{
#define BIND(field, name) \
  gtk_widget_class_bind_template_child_full (widget_class, name, FALSE, G_STRUCT_OFFSET (CasellaSetupWindow, field))
  BIND (manual_intro, "manual_intro");
  BIND (manual_protocol, "manual_protocol");
  BIND (manual_host[ROLE_INCOMING], "manual_in_host");
  BIND (manual_host[ROLE_OUTGOING], "manual_out_host");
  BIND (manual_port[ROLE_INCOMING], "manual_in_port");
  BIND (manual_port[ROLE_OUTGOING], "manual_out_port");
  BIND (manual_security[ROLE_INCOMING], "manual_in_security");
  BIND (manual_security[ROLE_OUTGOING], "manual_out_security");
  BIND (manual_user[ROLE_INCOMING], "manual_in_user");
  BIND (manual_user[ROLE_OUTGOING], "manual_out_user");
  BIND (manual_warning, "manual_warning");
  BIND (manual_check_button, "manual_check_button");
#undef BIND
  gtk_widget_class_install_action (widget_class, "setup.check-manual", NULL, check_manual_action);
}
