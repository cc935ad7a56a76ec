/* casella-window-private.h — shared by the main window's files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-oauth2-flow.h"

#include "casella-folder-view.h"
#include "casella-merged-list.h"
#include "casella-message-view.h"
#include "casella-reader.h"
#include "casella-window.h"

G_BEGIN_DECLS

/* The banner and subtitle, from the session's state. */
void          casella_window_show_state       (CasellaWindow *self);
/* casella-window-signin.c: an OAuth2 account whose sign-in ended. */
gboolean      casella_window_signin_explain   (CasellaWindow *self,
                                               const GError  *error,
                                               char         **text);
void          casella_window_signin_class_init (GtkWidgetClass *widget_class);
void          casella_window_signin_dispose   (CasellaWindow *self);
/* casella-window-password.c: a password the server refused. */
gboolean      casella_window_password_explain (CasellaWindow *self,
                                               const GError  *error,
                                               char         **text);
char         *casella_window_password_describe (CasellaWindow *self,
                                                const GError  *error);
void          casella_window_password_class_init (GtkWidgetClass *widget_class);
/* casella-window-certificate.c: a certificate not the one trusted. */
gboolean      casella_window_certificate_explain (CasellaWindow *self,
                                                  const GError  *error,
                                                  char         **text);
void          casella_window_certificate_class_init (GtkWidgetClass *widget_class);
/* casella-window-undo-send.c: a message held for the time to undo. */
void          casella_window_undo_send_class_init (GtkWidgetClass *widget_class);
void          casella_window_undo_send_dispose (CasellaWindow *self);
/* casella-window-export.c: "Save a Copy…" of a folder as mbox. */
void          casella_window_export_folder    (CasellaWindow *self,
                                               gint64         folder_id,
                                               GFile         *file);
void          casella_window_export_class_init (GtkWidgetClass *widget_class);
void          casella_window_export_dispose   (CasellaWindow *self);


struct _CasellaWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  CasellaAccountStore  *accounts;
  char                 *account_id;     /* the account on show */
  CasellaMailSession   *session;        /* its session, once ready */
  GSignalGroup         *session_signals; /* on session, whichever it is */
  CasellaFolderList    *folders;
  gint64                folder_id;
  CasellaMergedList    *inboxes;        /* every account's Inbox, while on show */
  GPtrArray            *undo;           /* CasellaWindowUndo of the last move */
  AdwToast             *undo_toast;
  AdwToast             *last_toast;     /* on show, or waiting to be */
  guint                 search_source;
  GCancellable         *search_cancellable;
  guint                 server_searches;  /* answered so far */
  gint64                pending_message;  /* to show once its folder is open */
  gint64                wanted_message;   /* to open in the row being selected */
  CasellaOAuth2Flow    *signin_flow;      /* signing in again, while it lasts */
  GCancellable         *signin_cancellable;
  GCancellable         *export_cancellable; /* a folder being saved as mbox */
  GHashTable           *undo_sends;       /* outbox id → its session, while Undo is offered */

  /* template */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *content_stack;
  AdwLeaflet           *leaflet;
  AdwWindowTitle       *account_title;
  GtkMenuButton        *accounts_button;
  GtkRevealer          *status_revealer;
  GtkLabel             *status_label;
  GtkWidget            *status_button;
  CasellaFolderView    *folder_view;
  AdwWindowTitle       *folder_title;
  CasellaMessageView   *message_view;
  GtkToggleButton      *search_button;
  CasellaReader        *reader;
};

/* casella-window.c */
void          casella_window_show_toast       (CasellaWindow *self,
                                               AdwToast      *toast);
void          casella_window_dismiss_toast    (CasellaWindow *self,
                                               AdwToast      *toast);
/* The toast on show is past its slide-in: it can go at once. */
gboolean      casella_window_toast_settled    (CasellaWindow *self);
CasellaStore *casella_window_get_store        (CasellaWindow *self);
void          casella_window_open_folder      (CasellaWindow *self,
                                               gint64         folder_id);
gint64        casella_window_folder_by_role   (CasellaWindow *self,
                                               CasellaFolderRole role);

/* The selection, account by account (one part outside All Inboxes). */
typedef struct {
  CasellaMailSession *session;
  CasellaMessageList *list;    /* the rows are in */
  GArray             *ids;
} CasellaWindowPart;

GPtrArray    *casella_window_selected_parts   (CasellaWindow *self);
/* A message of an account on show: its row, or -1. */
int           casella_window_find_message     (CasellaWindow      *self,
                                               CasellaMailSession *session,
                                               gint64              message_id);
/* Selects the message's row and opens that very message, even when the
 * row is its conversation and stands for another. */
void          casella_window_select_message   (CasellaWindow      *self,
                                               CasellaMailSession *session,
                                               gint64              message_id);
/* The reader follows the selection (casella-window.c). */
void          casella_window_show_selected    (CasellaWindow *self);

/* casella-window-inboxes.c: every account's Inbox in one list. */
void          casella_window_show_all_inboxes (CasellaWindow *self);
void          casella_window_leave_all_inboxes (CasellaWindow *self);
/* The accounts changed: the list follows (or ends with one account). */
void          casella_window_inboxes_update   (CasellaWindow *self);
/* Every session whose mail is on show. */
GPtrArray    *casella_window_sessions_on_show (CasellaWindow *self);

/* casella-window-actions.c */
typedef struct {
  CasellaMailSession *session;
  GArray             *steps;   /* CasellaUndoStep */
} CasellaWindowUndo;

void          casella_window_actions_init     (CasellaWindow *self);
void          casella_window_update_actions   (CasellaWindow *self);
void          casella_window_changes_made     (CasellaWindow *self);
/* On the session's writer thread; the server hears once it is written. */
void          casella_window_mark             (CasellaWindow       *self,
                                               CasellaMailSession  *session,
                                               GArray              *ids,
                                               CasellaMessageFlags  add,
                                               CasellaMessageFlags  remove);

G_END_DECLS
