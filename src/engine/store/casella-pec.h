/* casella-pec.h — Italian certified mail (PEC) and its European successor
 * (REM): what an envelope or a receipt says, read from the message
 *
 * The facts come from the provider's headers and its daticert.xml; see
 * ../shared/design/PEC.md. Whether to believe them is the caller's
 * choice: only on an account that is PEC, only for a message at the top
 * level of its folder (casella_pec_read checks the sender's address).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gmime/gmime.h>

G_BEGIN_DECLS

#define CASELLA_PEC_ERROR (casella_pec_error_quark ())

typedef enum {
  CASELLA_PEC_ERROR_INVALID,       /* not a daticert.xml */
} CasellaPecError;

/* What a message from the certified mail provider is. The order is kept
 * in stores: add at the end. */
typedef enum {
  CASELLA_PEC_NONE,
  CASELLA_PEC_MESSAGE,             /* busta di trasporto: the real message is inside */
  CASELLA_PEC_ANOMALY,             /* busta di anomalia: not certified */
  CASELLA_PEC_ACCEPTANCE,          /* ricevuta di accettazione */
  CASELLA_PEC_NON_ACCEPTANCE,      /* avviso di non accettazione */
  CASELLA_PEC_TAKEN_IN_CHARGE,     /* ricevuta di presa in carico */
  CASELLA_PEC_DELIVERY,            /* ricevuta di avvenuta consegna */
  CASELLA_PEC_DELIVERY_ERROR,      /* avviso di mancata consegna */
  CASELLA_PEC_DELIVERY_WARNING,    /* preavviso: not delivered after 12 hours */
  CASELLA_PEC_VIRUS,               /* avviso di rilevazione virus */
} CasellaPecKind;

/* A receipt or notice (not the message itself, not an anomaly). */
#define CASELLA_PEC_KIND_IS_RECEIPT(kind) ((kind) >= CASELLA_PEC_ACCEPTANCE)

typedef struct {
  char     *address;
  gboolean  certified;             /* a PEC address ("certificato"), not "esterno" */
} CasellaPecRecipient;

/* daticert.xml */
typedef struct {
  CasellaPecKind  kind;
  char           *error;           /* "no-dest", "no-dominio", "virus", "altro"; NULL: none */
  char           *sender;          /* mittente */
  GPtrArray      *recipients;      /* CasellaPecRecipient (destinatari) */
  char           *reply_to;        /* risposte */
  char           *subject;         /* oggetto */
  char           *provider;        /* gestore-emittente */
  gint64          date;            /* the certified time, seconds since the epoch; 0: none */
  char           *zone;            /* as written: "+0100" */
  char           *identifier;      /* identificativo: the provider's key */
  char           *msgid;           /* the sender's Message-ID, without <> */
  char           *receipt_type;    /* "completa", "breve", "sintetica" */
  char           *delivered_to;    /* consegna: the recipient a delivery receipt is about */
  char           *error_detail;    /* errore-esteso */
} CasellaDaticert;

GQuark           casella_pec_error_quark     (void);
CasellaDaticert *casella_daticert_parse      (const char       *xml,
                                              gsize             length,
                                              GError          **error);
void             casella_daticert_free       (CasellaDaticert  *daticert);
CasellaPecKind   casella_pec_kind_from_string (const char      *name);
const char      *casella_pec_kind_to_string  (CasellaPecKind    kind);

/* What the provider says about a message it sent. */
typedef struct {
  CasellaPecKind   kind;
  gboolean         rem;             /* the European format (REM-* headers) */
  gboolean         signed_envelope; /* signed (S/MIME); not checked here */
  gboolean         security_error;  /* X-VerificaSicurezza: errore */
  char            *reference;       /* the sender's Message-ID it is about, without <> */
  char            *on_behalf_of;    /* the real sender, from "Per conto di:" or Reply-To */
  char            *provider_address; /* who sent it: posta-certificata@… */
  CasellaDaticert *daticert;        /* NULL: none (REM, or a provider that left it out) */
} CasellaPec;

/* NULL unless the message comes from a certified mail provider
 * (posta-certificata@…) and says what it is. */
CasellaPec      *casella_pec_read            (GMimeMessage     *message);
void             casella_pec_free            (CasellaPec       *pec);
/* The message inside an envelope (postacert.eml, REM's original), or
 * inside an anomaly envelope; NULL when there is none. A new reference. */
GMimeMessage    *casella_pec_get_inner       (GMimeMessage     *message);
/* What a provider's subject prefix says ("ACCETTAZIONE: …"), for mail
 * whose body is not here yet; the subject without it in stripped. */
CasellaPecKind   casella_pec_kind_from_subject (const char     *subject,
                                                const char    **stripped);
/* Whether address is a certified mail provider's own (posta-certificata@…). */
gboolean         casella_pec_is_provider_address (const char   *address);
/* Whether an address looks like a PEC one (pec.it, legalmail.it,
 * studio.pec.example…): a guess for a warning, never a certainty; only
 * the acceptance receipt says. */
gboolean         casella_pec_address_looks_certified (const char *address);
/* What PEC providers accept in all: a message's size times its recipients. */
#define CASELLA_PEC_MAX_TOTAL_SIZE (30 * 1000 * 1000)
/* The address in a "Per conto di: mario@pec.it" display name, or NULL. */
char            *casella_pec_on_behalf_of    (const char       *name);

/* ---- the provider's signature ---- */

typedef enum {
  CASELLA_PEC_SIGNATURE_NONE,         /* not signed */
  CASELLA_PEC_SIGNATURE_VERIFIED,     /* the provider signed it, unchanged since */
  CASELLA_PEC_SIGNATURE_CHANGED,      /* signed, but the message is not what was signed */
  CASELLA_PEC_SIGNATURE_UNTRUSTED,    /* signed by a certificate no trusted authority vouches for */
  CASELLA_PEC_SIGNATURE_WRONG_SIGNER, /* signed, but not by the address it comes from */
  CASELLA_PEC_SIGNATURE_UNREADABLE,   /* a signature that cannot be read */
  CASELLA_PEC_SIGNATURE_FORWARDED,    /* a certified message forwarded inside another: not checked */
} CasellaPecSignature;

/* Checks the S/MIME signature of a message as it came (raw), at the
 * time it was signed (the provider's certificate may have expired
 * since), against the system's authorities or those in ca_file. SHA-1
 * is accepted: providers still sign with it, and here it is the
 * provider's seal, not a secret. detail: why, when not verified. */
CasellaPecSignature casella_pec_verify       (GBytes            *raw,
                                              const char        *sender,
                                              const char        *ca_file,
                                              char             **detail);

/* ---- where a sent message got to ---- */

typedef enum {
  CASELLA_PEC_STATE_WAITING,       /* no receipt yet */
  CASELLA_PEC_STATE_ACCEPTED,      /* the sender's provider took it */
  CASELLA_PEC_STATE_NOT_ACCEPTED,
  CASELLA_PEC_STATE_DELIVERED,
  CASELLA_PEC_STATE_NOT_DELIVERED,
  CASELLA_PEC_STATE_DELAYED,       /* not delivered after 12 hours: it may still be */
  CASELLA_PEC_STATE_NO_RECEIPT,    /* not a PEC address: no delivery receipt comes */
} CasellaPecState;

/* One receipt as kept in a store. */
typedef struct {
  gint64          message_id;      /* the receipt's row */
  CasellaPecKind  kind;
  char           *identifier;
  gint64          date;
  char           *zone;
  char           *delivered_to;
  char           *recipients;      /* "c:addr\ne:addr": certified or external */
  char           *error;
  char           *error_detail;
} CasellaPecReceipt;

typedef struct {
  char            *address;
  gboolean         certified;
  CasellaPecState  state;
  gint64           date;           /* of the receipt that said so */
  char            *detail;         /* errore-esteso, when there is one */
  gint64           receipt;        /* its row, 0: none */
} CasellaPecDelivery;

typedef struct {
  CasellaPecState  state;           /* WAITING, ACCEPTED or NOT_ACCEPTED */
  gint64           date;
  char            *identifier;
  char            *detail;
  gint64           receipt;
  GPtrArray       *recipients;      /* CasellaPecDelivery */
} CasellaPecStatus;

void              casella_pec_receipt_free   (CasellaPecReceipt *receipt);
/* The per-recipient state from the receipts that came (in any order);
 * sent_to: the addresses the message was sent to, for those no receipt
 * names yet. */
CasellaPecStatus *casella_pec_status_new     (GPtrArray         *receipts,
                                              const char *const *sent_to);
void              casella_pec_status_free    (CasellaPecStatus  *status);
/* "c:addr\ne:addr" for a receipt's recipients. */
char             *casella_pec_recipients_to_string (GPtrArray   *recipients);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaDaticert, casella_daticert_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaPec, casella_pec_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaPecReceipt, casella_pec_receipt_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaPecStatus, casella_pec_status_free)

G_END_DECLS
