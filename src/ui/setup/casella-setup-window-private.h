/* casella-setup-window-private.h — shared by the assistant's files:
 * the window (pages, detection, what was found), checking and saving,
 * and the manual form
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-account-store.h"
#include "casella-autodetect.h"
#include "casella-oauth2-flow.h"
#include "casella-token-source.h"
#include "casella-setup-problem.h"
#include "casella-setup-window.h"

G_BEGIN_DECLS

enum { ROLE_INCOMING, ROLE_OUTGOING, N_ROLES };

struct _CasellaSetupWindow
{
  AdwWindow                 parent_instance;

  CasellaAccountStore      *store;
  CasellaAutodetectOptions *options;
  GTlsDatabase             *tls_database;      /* NULL: the system's */
  GCancellable             *cancellable;       /* what runs now */
  GPtrArray                *history;           /* pages to go back to */
  CasellaAutodetect        *detector;

  CasellaMailConfig        *config;            /* where the servers came from */
  CasellaServerConfig      *servers[N_ROLES];  /* what will be checked */
  GBytes                   *pinned[N_ROLES];   /* certificates the user trusted */
  GPtrArray                *approved_hosts;    /* hosts the user agreed to */
  gboolean                  plaintext_agreed;
  char                     *password;          /* set only while needed */
  CasellaSetupProblem      *problem;
  CasellaVerifyFailure      failure;
  CasellaVerifyResult      *verified;
  CasellaAccount           *pending;           /* checked, being saved */
  CasellaAccount           *account;           /* once saved */
  CasellaOAuth2Provider    *oauth2;            /* the config's sign-in page, usable in this build; NULL: none */
  gboolean                  use_oauth2;        /* the user chose it */
  CasellaOAuth2Flow        *flow;              /* the sign-in in the browser, while it lasts */
  CasellaTokenSource       *tokens;            /* what it brought */
  CasellaAccount           *signin_account;    /* whose id the sign-in is kept under */

  /* template */
  AdwToastOverlay          *toast_overlay;
  GtkWidget                *back_button;
  GtkStack                 *pages;
  AdwEntryRow              *name_row;
  AdwEntryRow              *address_row;
  AdwPasswordEntryRow      *password_row;
  GtkLabel                 *address_hint;
  GtkWidget                *find_button;
  GtkSpinner               *finding_spinner;
  GtkListBox               *sources_list;
  AdwActionRow             *source_rows[CASELLA_N_SOURCES];
  GtkLabel                 *provider_label;
  AdwActionRow             *incoming_row;
  AdwActionRow             *outgoing_row;
  AdwActionRow             *source_row;
  GtkLabel                 *trust_warning;
  GtkBox                   *needs_box;
  GtkWidget                *accept_button;
  GtkWidget                *signin_button;
  AdwStatusPage            *signin_page;
  GtkSpinner               *signin_spinner;
  GtkWidget                *signin_retry_button;
  GtkWidget                *signin_open_button;
  GtkWidget                *signin_copy_button;
  GtkToggleButton          *imap_choice;
  GtkToggleButton          *pop3_choice;
  GtkWidget                *pop3_options;
  GtkSwitch                *keep_switch;
  GtkWidget                *delete_after_row;
  GtkSwitch                *delete_after_switch;
  GtkSpinButton            *delete_days;
  GtkWidget                *choose_button;
  GtkSpinner               *checking_spinner;
  GtkImage                 *problem_icon;
  GtkLabel                 *checking_title;
  GtkLabel                 *checking_description;
  GtkListBox               *steps_list;
  AdwActionRow             *step_rows[N_ROLES];
  GtkBox                   *fix_box;
  GtkBox                   *fix_buttons;
  AdwPasswordEntryRow      *fix_password;      /* in fix_box, when offered */
  AdwStatusPage            *done_page;
  GtkWidget                *finish_button;
  GtkWidget                *start_button;
  GtkLabel                 *manual_intro;
  AdwComboRow              *manual_protocol;
  AdwEntryRow              *manual_host[N_ROLES];
  GtkSpinButton            *manual_port[N_ROLES];
  AdwComboRow              *manual_security[N_ROLES];
  AdwEntryRow              *manual_user[N_ROLES];
  GtkLabel                 *manual_warning;
  GtkWidget                *manual_check_button;
};

/* casella-setup-window.c */
void        casella_setup_window_show_page     (CasellaSetupWindow  *self,
                                                const char          *name,
                                                gboolean             remember);
const char *casella_setup_window_get_address   (CasellaSetupWindow  *self);
void        casella_setup_window_set_config    (CasellaSetupWindow  *self,
                                                CasellaMailConfig   *config);
void        casella_setup_window_set_server    (CasellaSetupWindow  *self,
                                                int                  role,
                                                const CasellaServerConfig *server);
void        casella_setup_window_clear_work    (CasellaSetupWindow  *self);
void        casella_setup_window_accept        (CasellaSetupWindow  *self);
void        casella_setup_window_account_saved (CasellaSetupWindow  *self,
                                                CasellaAccount      *account);
const char *casella_security_label             (CasellaSecurity      security);

/* casella-setup-check.c */
void        casella_setup_check_start          (CasellaSetupWindow  *self);
/* The checking page with both steps running. */
void        casella_setup_check_show           (CasellaSetupWindow  *self);
void        casella_setup_check_class_init     (GtkWidgetClass      *widget_class);

/* casella-setup-signin.c */
void        casella_setup_signin_found         (CasellaSetupWindow  *self);
void        casella_setup_signin_start         (CasellaSetupWindow  *self);
void        casella_setup_signin_reset         (CasellaSetupWindow  *self);
CasellaOAuth2Provider *casella_setup_signin_for_address (const char *address);
void        casella_setup_signin_class_init    (GtkWidgetClass      *widget_class);

/* casella-setup-manual.c */
void        casella_setup_manual_open          (CasellaSetupWindow  *self,
                                                const char          *intro);
void        casella_setup_manual_init          (CasellaSetupWindow  *self);
void        casella_setup_manual_class_init    (GtkWidgetClass      *widget_class);

G_END_DECLS
