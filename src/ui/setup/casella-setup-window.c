/* casella-setup-window.c — the setup assistant: pages, finding the
 * settings, and what was found
 *
 * One window, one page at a time: welcome, details, finding, found,
 * choose (IMAP or POP3), checking, done, and the manual form. Checking
 * lives in casella-setup-check.c, the form in casella-setup-manual.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "casella-choice-box.h"
#include "casella-setup-window-private.h"
#include "casella-ui.h"

G_DEFINE_FINAL_TYPE (CasellaSetupWindow, casella_setup_window, ADW_TYPE_WINDOW)

enum { SIGNAL_ACCOUNT_ADDED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- small helpers ---- */

const char *
casella_setup_window_get_address (CasellaSetupWindow *self)
{
  return gtk_editable_get_text (GTK_EDITABLE (self->address_row));
}

const char *
casella_security_label (CasellaSecurity security)
{
  switch (security)
    {
    case CASELLA_SECURITY_TLS:
      return _("Secure (SSL/TLS)");
    case CASELLA_SECURITY_STARTTLS:
      return _("Secure (STARTTLS)");
    default:
      return _("Not encrypted");
    }
}

static const char *
page_name (CasellaSetupWindow *self)
{
  return gtk_stack_get_visible_child_name (self->pages);
}

static void
clear_box (GtkBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))))
    gtk_box_remove (box, child);
}

/* Stops whatever runs (detection, checking, saving): its callback sees
 * the cancellation and does nothing. */
void
casella_setup_window_clear_work (CasellaSetupWindow *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->detector);
}

void
casella_setup_window_set_config (CasellaSetupWindow *self,
                                 CasellaMailConfig  *config)
{
  if (config != NULL)
    casella_mail_config_ref (config);
  g_clear_pointer (&self->config, casella_mail_config_unref);
  self->config = config;
}

void
casella_setup_window_set_server (CasellaSetupWindow        *self,
                                 int                        role,
                                 const CasellaServerConfig *server)
{
  CasellaServerConfig *old = self->servers[role];

  /* A certificate trusted for one server means nothing for another. */
  if (old == NULL || server == NULL || g_strcmp0 (old->host, server->host) != 0 || old->port != server->port)
    g_clear_pointer (&self->pinned[role], g_bytes_unref);
  self->servers[role] = server ? casella_server_config_copy (server) : NULL;
  casella_server_config_free (old);
  self->plaintext_agreed = FALSE;
}

/* ---- pages ---- */

static GtkWidget *
default_widget_for (CasellaSetupWindow *self,
                    const char         *name)
{
  if (g_str_equal (name, "welcome"))
    return self->start_button;
  if (g_str_equal (name, "details"))
    return self->find_button;
  if (g_str_equal (name, "found"))
    return self->oauth2 != NULL ? self->signin_button : self->accept_button;
  if (g_str_equal (name, "signin"))
    return self->signin_open_button;
  if (g_str_equal (name, "choose"))
    return self->choose_button;
  if (g_str_equal (name, "done"))
    return self->finish_button;
  if (g_str_equal (name, "manual"))
    return self->manual_check_button;
  return NULL;
}

static void
update_back (CasellaSetupWindow *self)
{
  const char *name = page_name (self);
  gboolean can = self->history->len > 0 && !g_str_equal (name, "done");

  gtk_widget_set_visible (self->back_button, can);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "setup.back", can);
}

void
casella_setup_window_show_page (CasellaSetupWindow *self,
                                const char         *name,
                                gboolean            remember)
{
  const char *current = page_name (self);
  GtkWidget *button = default_widget_for (self, name);

  if (remember && current != NULL && !g_str_equal (current, name))
    g_ptr_array_add (self->history, g_strdup (current));
  gtk_stack_set_visible_child_name (self->pages, name);
  gtk_window_set_default_widget (GTK_WINDOW (self), button);
  gtk_spinner_set_spinning (self->finding_spinner, g_str_equal (name, "finding"));
  update_back (self);

  if (g_str_equal (name, "details"))
    gtk_widget_grab_focus (casella_setup_window_get_address (self)[0] ? GTK_WIDGET (self->password_row)
                                                                     : GTK_WIDGET (self->address_row));
  else if (button != NULL && gtk_widget_get_sensitive (button))
    gtk_widget_grab_focus (button);
}

static void
back_action (GtkWidget  *widget,
             const char *action,
             GVariant   *parameter)
{
  CasellaSetupWindow *self = CASELLA_SETUP_WINDOW (widget);
  g_autofree char *previous = NULL;

  if (self->history->len == 0 || g_str_equal (page_name (self), "done"))
    return;
  /* Going back from a page that is working stops the work, at once. */
  casella_setup_window_clear_work (self);
  previous = g_ptr_array_steal_index (self->history, self->history->len - 1);
  /* "finding", "signin" and "checking" are passing states, never a place to return to. */
  while ((g_str_equal (previous, "finding") || g_str_equal (previous, "checking") ||
          g_str_equal (previous, "signin")) && self->history->len > 0)
    {
      g_free (previous);
      previous = g_ptr_array_steal_index (self->history, self->history->len - 1);
    }
  casella_setup_window_show_page (self, previous, FALSE);
}

static void
start_action (GtkWidget  *widget,
              const char *action,
              GVariant   *parameter)
{
  casella_setup_window_show_page (CASELLA_SETUP_WINDOW (widget), "details", TRUE);
}

/* ---- details: name, address, password ---- */

static void
details_changed (CasellaSetupWindow *self)
{
  g_autofree char *address = g_strstrip (g_strdup (casella_setup_window_get_address (self)));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  gboolean valid = casella_address_is_valid (address);
  g_autoptr(CasellaOAuth2Provider) signin = valid ? casella_setup_signin_for_address (address) : NULL;
  /* Complain only once it could be an address: not at the first letter. */
  gboolean wrong = !valid && strchr (address, '@') != NULL;

  if (wrong)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->address_row), "error");
      gtk_label_set_text (self->address_hint,
                          _("This doesn’t look like an email address yet. It should look like name@example.com."));
    }
  else if (signin != NULL)
    {
      g_autofree char *hint = g_strdup_printf (_("You’ll sign in on %s’s own page: no password is needed here."),
                                               signin->name);

      gtk_widget_remove_css_class (GTK_WIDGET (self->address_row), "error");
      gtk_label_set_text (self->address_hint, hint);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->address_row), "error");
      gtk_label_set_text (self->address_hint, _("Your name is what people see when you write to them."));
    }
  /* A provider with its own sign-in page never sees the password. */
  gtk_widget_set_visible (GTK_WIDGET (self->password_row), signin == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "setup.find", valid && (password[0] != '\0' || signin != NULL));
}

/* ---- finding ---- */

static const char *
source_title (CasellaConfigSource source)
{
  switch (source)
    {
    case CASELLA_SOURCE_BUNDLED:
      return _("Casella’s list of providers");
    case CASELLA_SOURCE_AUTOCONFIG:
      return _("Asking your provider");
    case CASELLA_SOURCE_ISPDB:
      return _("Looking in the public directory of providers");
    case CASELLA_SOURCE_MX:
      return _("Finding who handles your mail");
    case CASELLA_SOURCE_SRV:
      return _("Reading your domain’s mail records");
    case CASELLA_SOURCE_PROBE:
      return _("Checking the servers");
    default:
      return _("Asking your provider without encryption");
    }
}

static const char *
state_label (CasellaSourceState state)
{
  switch (state)
    {
    case CASELLA_SOURCE_STATE_WAITING:
      return _("Waiting");
    case CASELLA_SOURCE_STATE_RUNNING:
      return _("Looking…");
    case CASELLA_SOURCE_STATE_FOUND:
      return _("Found your settings");
    case CASELLA_SOURCE_STATE_NOT_FOUND:
      return _("Nothing here");
    case CASELLA_SOURCE_STATE_FAILED:
      return _("Didn’t answer");
    case CASELLA_SOURCE_STATE_NOT_NEEDED:
      return _("Not needed");
    case CASELLA_SOURCE_STATE_TIMED_OUT:
      return _("Too slow, skipped");
    default:
      return _("Skipped");
    }
}

static const char *
state_icon (CasellaSourceState state)
{
  switch (state)
    {
    case CASELLA_SOURCE_STATE_FOUND:
      return "object-select-symbolic";
    case CASELLA_SOURCE_STATE_NOT_FOUND:
    case CASELLA_SOURCE_STATE_NOT_NEEDED:
      return "list-remove-symbolic";
    case CASELLA_SOURCE_STATE_FAILED:
    case CASELLA_SOURCE_STATE_TIMED_OUT:
      return "dialog-warning-symbolic";
    default:
      return NULL;
    }
}

/* The suffix is a spinner while a source works, then an icon. */
static void
source_row_update (AdwActionRow       *row,
                   CasellaSourceState  state)
{
  GtkStack *suffix = g_object_get_data (G_OBJECT (row), "suffix");
  const char *icon = state_icon (state);

  adw_action_row_set_subtitle (row, state_label (state));
  gtk_widget_set_visible (GTK_WIDGET (row), state != CASELLA_SOURCE_STATE_SKIPPED);
  if (state == CASELLA_SOURCE_STATE_RUNNING || state == CASELLA_SOURCE_STATE_WAITING)
    gtk_stack_set_visible_child_name (suffix, "spinner");
  else if (icon != NULL)
    {
      gtk_image_set_from_icon_name (GTK_IMAGE (gtk_stack_get_child_by_name (suffix, "icon")), icon);
      gtk_stack_set_visible_child_name (suffix, "icon");
    }
  else
    gtk_stack_set_visible_child_name (suffix, "none");
}

static AdwActionRow *
source_row_new (CasellaConfigSource source)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  GtkWidget *suffix = gtk_stack_new ();
  GtkWidget *spinner = gtk_spinner_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), source_title (source));
  gtk_spinner_start (GTK_SPINNER (spinner));
  gtk_stack_add_named (GTK_STACK (suffix), spinner, "spinner");
  gtk_stack_add_named (GTK_STACK (suffix), gtk_image_new (), "icon");
  gtk_stack_add_named (GTK_STACK (suffix), gtk_label_new (NULL), "none");
  gtk_widget_set_valign (suffix, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (row, suffix);
  g_object_set_data (G_OBJECT (row), "suffix", suffix);
  return row;
}

static void
on_progress (CasellaAutodetect  *detector,
             guint               source,
             guint               state,
             CasellaSetupWindow *self)
{
  if (source < CASELLA_N_SOURCES && self->source_rows[source] != NULL)
    source_row_update (self->source_rows[source], state);
}

static void
reset_sources (CasellaSetupWindow *self)
{
  for (guint s = 0; s < CASELLA_N_SOURCES; s++)
    {
      if (self->source_rows[s] != NULL)
        gtk_list_box_remove (self->sources_list, GTK_WIDGET (self->source_rows[s]));
      self->source_rows[s] = source_row_new (s);
      gtk_list_box_append (self->sources_list, GTK_WIDGET (self->source_rows[s]));
    }
}

static void found_show (CasellaSetupWindow *self);

static char *
manual_intro_for (const char *address)
{
  return g_strdup_printf (_("Casella couldn’t find the settings for %s on its own. Your provider’s help pages "
                            "list them: type them in below, and Casella checks them before saving anything."),
                          address);
}

static void
on_detected (GObject      *source,
             GAsyncResult *res,
             gpointer      user_data)
{
  g_autoptr(CasellaSetupWindow) self = user_data;
  g_autoptr(CasellaAutodetectResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *intro = NULL;

  result = casella_autodetect_run_finish (CASELLA_AUTODETECT (source), res, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || CASELLA_AUTODETECT (source) != self->detector)
    return;   /* the user went elsewhere: that page is in charge now */
  g_clear_object (&self->detector);
  g_clear_object (&self->cancellable);

  if (result == NULL || result->configs->len == 0)
    {
      casella_setup_window_set_config (self, NULL);
      intro = manual_intro_for (casella_setup_window_get_address (self));
      casella_setup_manual_open (self, intro);
      return;
    }
  casella_setup_window_set_config (self, result->configs->pdata[0]);
  found_show (self);
}

static void
find_action (GtkWidget  *widget,
             const char *action,
             GVariant   *parameter)
{
  CasellaSetupWindow *self = CASELLA_SETUP_WINDOW (widget);
  g_autofree char *address = g_strstrip (g_strdup (casella_setup_window_get_address (self)));

  if (!casella_address_is_valid (address))
    return;
  gtk_editable_set_text (GTK_EDITABLE (self->address_row), address);
  casella_setup_window_clear_work (self);
  g_clear_pointer (&self->approved_hosts, g_ptr_array_unref);
  self->approved_hosts = g_ptr_array_new_with_free_func (g_free);
  for (int r = 0; r < N_ROLES; r++)
    casella_setup_window_set_server (self, r, NULL);

  reset_sources (self);
  self->cancellable = g_cancellable_new ();
  self->detector = casella_autodetect_new (address, self->options);
  g_signal_connect_object (self->detector, "progress", G_CALLBACK (on_progress), self, 0);
  casella_setup_window_show_page (self, "finding", TRUE);
  casella_autodetect_run_async (self->detector, self->cancellable, on_detected, g_object_ref (self));
  for (guint s = 0; s < CASELLA_N_SOURCES; s++)
    source_row_update (self->source_rows[s], casella_autodetect_get_report (self->detector, s)->state);
}

static void
cancel_find_action (GtkWidget  *widget,
                    const char *action,
                    GVariant   *parameter)
{
  CasellaSetupWindow *self = CASELLA_SETUP_WINDOW (widget);

  casella_setup_window_clear_work (self);
  g_ptr_array_set_size (self->history, 0);
  g_ptr_array_add (self->history, g_strdup ("welcome"));
  casella_setup_window_show_page (self, "details", FALSE);
}

static void
manual_action (GtkWidget  *widget,
               const char *action,
               GVariant   *parameter)
{
  CasellaSetupWindow *self = CASELLA_SETUP_WINDOW (widget);

  casella_setup_window_clear_work (self);
  casella_setup_manual_open (self, NULL);
}

/* ---- what we found ---- */

static const char *
trust_label (CasellaConfigTrust trust)
{
  switch (trust)
    {
    case CASELLA_TRUST_BUNDLED:
      return _("Casella’s own list of providers");
    case CASELLA_TRUST_PROVIDER:
      return _("Your provider’s website, over a secure connection");
    case CASELLA_TRUST_ISPDB:
      return _("The public directory of mail providers");
    case CASELLA_TRUST_DNS:
      return _("Your domain’s public records");
    case CASELLA_TRUST_PROBED:
      return _("A guess: servers answered at the usual names");
    default:
      return _("Your provider’s website, without encryption");
    }
}

static const char *
trust_warning (CasellaConfigTrust trust)
{
  switch (trust)
    {
    case CASELLA_TRUST_DNS:
      return _("Nobody signs these records. Casella checks the servers before saving, and asks you before "
               "sending your password to a server outside your provider.");
    case CASELLA_TRUST_PROBED:
      return _("These settings are a guess: servers answered at the usual names. Casella checks them before "
               "saving, but if your provider’s help pages list other servers, change them.");
    case CASELLA_TRUST_UNTRUSTED:
      return _("These settings came over an unencrypted connection, so someone on your network could have "
               "changed them. Compare them with your provider’s help pages before you continue.");
    default:
      return NULL;
    }
}

static char *
servers_text (GPtrArray *servers)
{
  GString *text = g_string_new (NULL);

  /* With both IMAP and POP3 on offer, say which line is which. */
  for (guint i = 0; i < servers->len; i++)
    {
      const CasellaServerConfig *server = servers->pdata[i];

      g_string_append (text, i ? "\n" : "");
      if (servers->len > 1)
        g_string_append_printf (text, "%s: ", server->protocol == CASELLA_PROTOCOL_POP3 ? "POP3" : "IMAP");
      g_string_append_printf (text, "%s · %s", server->host, casella_security_label (server->security));
    }
  return g_string_free (text, FALSE);
}

static GtkWidget *
need_card (const char *icon,
           const char *text,
           const char *url,
           const char *url_label)
{
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *image = gtk_image_new_from_icon_name (icon);
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (card, "card");
  gtk_widget_add_css_class (card, "casella-need");
  gtk_widget_set_valign (image, GTK_ALIGN_START);
  gtk_widget_set_margin_start (image, 12);
  gtk_widget_set_margin_top (image, 12);
  gtk_widget_set_margin_top (column, 12);
  gtk_widget_set_margin_bottom (column, 12);
  gtk_widget_set_margin_end (column, 12);
  gtk_widget_set_hexpand (column, TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (column), label);
  if (url != NULL && g_str_has_prefix (url, "https://"))
    {
      GtkWidget *link = gtk_link_button_new_with_label (url, url_label);
      gtk_widget_set_halign (link, GTK_ALIGN_START);
      gtk_widget_set_tooltip_text (link, url);
      gtk_box_append (GTK_BOX (column), link);
    }
  gtk_box_append (GTK_BOX (card), image);
  gtk_box_append (GTK_BOX (card), column);
  return card;
}

static void
add_need (CasellaSetupWindow *self,
          const char         *icon,
          char               *text,
          const char         *url,
          const char         *url_label)
{
  gtk_box_append (self->needs_box, need_card (icon, text, url, url_label));
  g_free (text);
}

static void
found_needs (CasellaSetupWindow      *self,
             const CasellaMailConfig *config,
             const char              *provider)
{
  /* A link says where it goes: the page that does it, else the help page. */
  const char *app_url = config->app_password_url ? config->app_password_url : config->documentation_url;
  const char *app_label = config->app_password_url ? _("Create an App Password") : _("Read the Help Page");
  const char *enable_url = config->enable_url ? config->enable_url : config->documentation_url;
  const char *enable_label = config->enable_url ? _("Open Your Mail Settings") : _("Read the Help Page");

  clear_box (self->needs_box);
  if (self->oauth2 != NULL)
    add_need (self, "dialog-information-symbolic",
              g_strdup_printf (self->oauth2->app_passwords
                               ? _("Sign in on %s’s own page: Casella never sees your password there. If you "
                                   "prefer, an app password works too.")
                               : _("Sign in on %s’s own page: Casella never sees your password there."),
                               self->oauth2->name),
              NULL, NULL);
  else if (config->needs & CASELLA_NEEDS_OAUTH2_ONLY)
    add_need (self, "dialog-information-symbolic",
              g_strdup_printf (_("%s only lets you sign in through its own web page, and this copy of Casella isn’t "
                                 "registered with it, so this account can’t be added with it. We’re sorry."), provider),
              config->documentation_url, _("Read the Help Page"));
  if (self->oauth2 != NULL)
    ;   /* the app password is the other way, not a must */
  else if (config->needs & CASELLA_NEEDS_APP_PASSWORD)
    add_need (self, "dialog-password-symbolic",
              g_strdup_printf (_("%s needs an app password: a separate password for mail apps that you create on "
                                 "its website. Create one first, and type it instead of your usual password."), provider),
              app_url, app_label);
  else if (config->needs & CASELLA_NEEDS_APP_PASSWORD_WITH_2FA)
    add_need (self, "dialog-password-symbolic",
              g_strdup_printf (_("If you use two-step verification with %s, create an app password on its website "
                                 "and type it instead of your usual password."), provider),
              app_url, app_label);
  if (config->needs & CASELLA_NEEDS_ENABLE_ACCESS)
    add_need (self, "emblem-system-symbolic",
              g_strdup_printf (_("First, let mail apps in: in your %s settings on the web, switch on IMAP or POP3 "
                                 "access."), provider),
              enable_url, enable_label);
  if (config->needs & CASELLA_NEEDS_BRIDGE_PASSWORD)
    add_need (self, "dialog-password-symbolic",
              g_strdup (_("Proton Mail works through the Proton Mail Bridge app. Start Bridge, and type the "
                          "password it shows instead of your Proton password.")),
              config->documentation_url, _("Read the Help Page"));
  if (config->needs & CASELLA_NEEDS_USERNAME_IS_USER_ID)
    add_need (self, "avatar-default-symbolic",
              g_strdup_printf (_("%s may ask for a user name that differs from your email address. If signing in "
                                 "fails, change it under Change Settings."), provider),
              config->documentation_url, _("Read the Help Page"));
  if (config->needs & CASELLA_NEEDS_PASSWORD_EXPIRES)
    add_need (self, "dialog-information-symbolic",
              g_strdup_printf (_("%s makes passwords expire now and then. When yours does, change it on its "
                                 "website first, then here."), provider),
              config->documentation_url, _("Read the Help Page"));
}

static gboolean
config_has_plaintext (const CasellaMailConfig *config)
{
  for (guint i = 0; i < config->incoming->len; i++)
    if (((CasellaServerConfig *) config->incoming->pdata[i])->security == CASELLA_SECURITY_NONE)
      return TRUE;
  for (guint i = 0; i < config->outgoing->len; i++)
    if (((CasellaServerConfig *) config->outgoing->pdata[i])->security == CASELLA_SECURITY_NONE)
      return TRUE;
  return FALSE;
}

static void
found_show (CasellaSetupWindow *self)
{
  const CasellaMailConfig *config = self->config;
  g_autofree char *domain = casella_address_get_domain (casella_setup_window_get_address (self));
  const char *provider = config->provider_name ? config->provider_name : domain;
  g_autofree char *incoming = servers_text (config->incoming);
  g_autofree char *outgoing = servers_text (config->outgoing);
  const char *warning = trust_warning (config->trust);
  GString *warnings = g_string_new (warning);

  gtk_label_set_text (self->provider_label, provider);
  adw_action_row_set_subtitle (self->incoming_row, incoming);
  adw_action_row_set_subtitle (self->outgoing_row, outgoing);
  adw_action_row_set_subtitle (self->source_row, trust_label (config->trust));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->source_row), config->provenance);
  if (config_has_plaintext (config))
    g_string_append_printf (warnings, "%s%s", warnings->len ? "\n\n" : "",
                            _("Some of these servers don’t encrypt the connection: your password and your mail "
                              "could be read on the way. Casella asks before using them."));
  gtk_label_set_text (self->trust_warning, warnings->str);
  gtk_widget_set_visible (GTK_WIDGET (self->trust_warning), warnings->len > 0);
  g_string_free (warnings, TRUE);

  casella_setup_signin_found (self);
  found_needs (self, config, provider);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "setup.accept", !(config->needs & CASELLA_NEEDS_OAUTH2_ONLY));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "setup.signin", self->oauth2 != NULL);
  casella_setup_window_show_page (self, "found", TRUE);
}

/* ---- IMAP or POP3 ---- */

static void
choose_changed (CasellaSetupWindow *self)
{
  gboolean pop3 = gtk_toggle_button_get_active (self->pop3_choice);
  gboolean keep = gtk_switch_get_active (self->keep_switch);

  gtk_widget_set_visible (self->pop3_options, pop3);
  gtk_widget_set_sensitive (self->delete_after_row, keep);
  gtk_widget_set_sensitive (GTK_WIDGET (self->delete_days), keep && gtk_switch_get_active (self->delete_after_switch));
}

/* On to IMAP or POP3 (when both exist), then the check: with the password,
 * or (use_oauth2) the sign-in page first. */
void
casella_setup_window_accept (CasellaSetupWindow *self)
{
  CasellaServerConfig *imap, *pop3;

  if (self->config == NULL || (self->config->needs & CASELLA_NEEDS_OAUTH2_ONLY && !self->use_oauth2))
    return;
  imap = casella_mail_config_get_incoming (self->config, CASELLA_PROTOCOL_IMAP);
  pop3 = casella_mail_config_get_incoming (self->config, CASELLA_PROTOCOL_POP3);
  casella_setup_window_set_server (self, ROLE_OUTGOING, casella_mail_config_get_outgoing (self->config));
  if (imap != NULL && pop3 != NULL)
    {
      gtk_toggle_button_set_active (self->imap_choice, TRUE);
      choose_changed (self);
      casella_setup_window_show_page (self, "choose", TRUE);
      return;
    }
  casella_setup_window_set_server (self, ROLE_INCOMING, imap ? imap : pop3);
  casella_setup_check_start (self);
}

static void
accept_action (GtkWidget  *widget,
               const char *action,
               GVariant   *parameter)
{
  CasellaSetupWindow *self = CASELLA_SETUP_WINDOW (widget);

  /* The password way: without one typed yet, back to where it goes. */
  if (gtk_editable_get_text (GTK_EDITABLE (self->password_row))[0] == '\0')
    {
      gtk_widget_set_visible (GTK_WIDGET (self->password_row), TRUE);
      casella_setup_window_show_page (self, "details", TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      return;
    }
  self->use_oauth2 = FALSE;
  casella_setup_signin_reset (self);
  casella_setup_window_accept (self);
}

static void
check_action (GtkWidget  *widget,
              const char *action,
              GVariant   *parameter)
{
  CasellaSetupWindow *self = CASELLA_SETUP_WINDOW (widget);
  CasellaProtocol protocol = gtk_toggle_button_get_active (self->pop3_choice) ? CASELLA_PROTOCOL_POP3
                                                                                : CASELLA_PROTOCOL_IMAP;

  casella_setup_window_set_server (self, ROLE_INCOMING, casella_mail_config_get_incoming (self->config, protocol));
  casella_setup_check_start (self);
}

/* ---- done ---- */

static void
finish_action (GtkWidget  *widget,
               const char *action,
               GVariant   *parameter)
{
  gtk_window_close (GTK_WINDOW (widget));
}

void
casella_setup_window_account_saved (CasellaSetupWindow *self,
                                    CasellaAccount     *account)
{
  g_autofree char *text = g_strdup_printf (self->use_oauth2
                                           ? _("%s is ready. Your sign-in is kept safe in your keyring; Casella "
                                               "never saw your password.")
                                           : _("%s is ready. Your password is kept safe in your keyring."),
                                           casella_account_get_address (account));

  if (self->verified != NULL && self->verified->outgoing_unchecked)
    {
      /* Said, not hidden: the first message may tell otherwise. */
      g_autofree char *ready = g_steal_pointer (&text);
      text = g_strdup_printf ("%s %s", ready, _("The sending server did not ask for your password, so it could "
                                                "not be checked; if sending fails, check the server settings."));
    }
  g_set_object (&self->account, account);
  adw_status_page_set_description (self->done_page, text);
  g_ptr_array_set_size (self->history, 0);
  casella_setup_window_show_page (self, "done", FALSE);
  g_signal_emit (self, signals[SIGNAL_ACCOUNT_ADDED], 0, account);
}

/* ---- the object ---- */

static char *
default_ispdb_url (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;
  g_autoptr(GSettings) settings = NULL;

  if (schema == NULL)
    return g_strdup (CASELLA_DEFAULT_ISPDB_URL);
  settings = g_settings_new (APP_ID);
  return g_settings_get_string (settings, "ispdb-url");
}

static void
casella_setup_window_dispose (GObject *object)
{
  CasellaSetupWindow *self = CASELLA_SETUP_WINDOW (object);

  casella_setup_window_clear_work (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CASELLA_TYPE_SETUP_WINDOW);
  g_clear_object (&self->store);
  g_clear_object (&self->tls_database);
  g_clear_object (&self->account);
  g_clear_object (&self->pending);
  g_clear_pointer (&self->verified, casella_verify_result_free);
  casella_verify_failure_clear (&self->failure);
  g_clear_pointer (&self->problem, casella_setup_problem_free);
  g_clear_pointer (&self->config, casella_mail_config_unref);
  g_clear_pointer (&self->oauth2, casella_oauth2_provider_unref);
  casella_setup_signin_reset (self);
  g_clear_object (&self->signin_account);
  for (int r = 0; r < N_ROLES; r++)
    {
      g_clear_pointer (&self->servers[r], casella_server_config_free);
      g_clear_pointer (&self->pinned[r], g_bytes_unref);
    }

  G_OBJECT_CLASS (casella_setup_window_parent_class)->dispose (object);
}

static void
casella_setup_window_finalize (GObject *object)
{
  CasellaSetupWindow *self = CASELLA_SETUP_WINDOW (object);

  casella_autodetect_options_free (self->options);
  g_ptr_array_unref (self->history);
  g_clear_pointer (&self->approved_hosts, g_ptr_array_unref);

  G_OBJECT_CLASS (casella_setup_window_parent_class)->finalize (object);
}

static void
bind_children (GtkWidgetClass *widget_class)
{
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CasellaSetupWindow, name)
  BIND (toast_overlay); BIND (back_button); BIND (pages); BIND (start_button);
  BIND (name_row); BIND (address_row); BIND (password_row); BIND (address_hint); BIND (find_button);
  BIND (finding_spinner); BIND (sources_list);
  BIND (provider_label); BIND (incoming_row); BIND (outgoing_row); BIND (source_row); BIND (trust_warning);
  BIND (needs_box); BIND (accept_button); BIND (signin_button);
  BIND (signin_page); BIND (signin_spinner); BIND (signin_retry_button); BIND (signin_open_button);
  BIND (signin_copy_button);
  BIND (imap_choice); BIND (pop3_choice); BIND (pop3_options); BIND (keep_switch); BIND (delete_after_row);
  BIND (delete_after_switch); BIND (delete_days); BIND (choose_button);
  BIND (checking_spinner); BIND (problem_icon); BIND (checking_title); BIND (checking_description);
  BIND (steps_list); BIND (fix_box); BIND (fix_buttons);
  BIND (done_page); BIND (finish_button);
#undef BIND
}

static void
casella_setup_window_class_init (CasellaSetupWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = casella_setup_window_dispose;
  object_class->finalize = casella_setup_window_finalize;

  /* The account was checked and saved (CasellaAccount). */
  signals[SIGNAL_ACCOUNT_ADDED] = g_signal_new ("account-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                0, NULL, NULL, NULL, G_TYPE_NONE, 1, CASELLA_TYPE_ACCOUNT);

  casella_ui_init ();
  g_type_ensure (CASELLA_TYPE_CHOICE_BOX);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/casellamail/Casella/setup/casella-setup-window.ui");
  casella_setup_signin_class_init (widget_class);
  bind_children (widget_class);
  gtk_widget_class_bind_template_callback (widget_class, details_changed);
  gtk_widget_class_bind_template_callback (widget_class, choose_changed);

  gtk_widget_class_install_action (widget_class, "setup.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "setup.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "setup.find", NULL, find_action);
  gtk_widget_class_install_action (widget_class, "setup.cancel-find", NULL, cancel_find_action);
  gtk_widget_class_install_action (widget_class, "setup.manual", NULL, manual_action);
  gtk_widget_class_install_action (widget_class, "setup.accept", NULL, accept_action);
  gtk_widget_class_install_action (widget_class, "setup.check", NULL, check_action);
  gtk_widget_class_install_action (widget_class, "setup.finish", NULL, finish_action);
  casella_setup_check_class_init (widget_class);
  casella_setup_manual_class_init (widget_class);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "setup.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "setup.back", NULL);
}

static void
casella_setup_window_init (CasellaSetupWindow *self)
{
  const char *real_name = g_get_real_name ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->history = g_ptr_array_new_with_free_func (g_free);
  self->approved_hosts = g_ptr_array_new_with_free_func (g_free);
  self->options = casella_autodetect_options_new ();
  g_free (self->options->ispdb_base_url);
  self->options->ispdb_base_url = default_ispdb_url ();

  if (real_name != NULL && !g_str_equal (real_name, "Unknown"))
    gtk_editable_set_text (GTK_EDITABLE (self->name_row), real_name);
  casella_setup_manual_init (self);
  casella_ui_label_entry_rows (GTK_WIDGET (self->pages));
  details_changed (self);
  choose_changed (self);
  casella_setup_window_show_page (self, "welcome", FALSE);
}

CasellaSetupWindow *
casella_setup_window_new (GtkApplication      *application,
                          CasellaAccountStore *store)
{
  CasellaSetupWindow *self;

  g_return_val_if_fail (CASELLA_IS_ACCOUNT_STORE (store), NULL);

  self = g_object_new (CASELLA_TYPE_SETUP_WINDOW, "application", application, NULL);
  self->store = g_object_ref (store);
  return self;
}

void
casella_setup_window_set_autodetect_options (CasellaSetupWindow             *self,
                                             const CasellaAutodetectOptions *options)
{
  g_return_if_fail (CASELLA_IS_SETUP_WINDOW (self));

  casella_autodetect_options_free (self->options);
  self->options = casella_autodetect_options_copy (options);
}

void
casella_setup_window_set_tls_database (CasellaSetupWindow *self,
                                       GTlsDatabase       *database)
{
  g_return_if_fail (CASELLA_IS_SETUP_WINDOW (self));

  g_set_object (&self->tls_database, database);
}

const char *
casella_setup_window_get_page (CasellaSetupWindow *self)
{
  g_return_val_if_fail (CASELLA_IS_SETUP_WINDOW (self), NULL);

  return page_name (self);
}

CasellaAccount *
casella_setup_window_get_account (CasellaSetupWindow *self)
{
  g_return_val_if_fail (CASELLA_IS_SETUP_WINDOW (self), NULL);

  return self->account;
}
