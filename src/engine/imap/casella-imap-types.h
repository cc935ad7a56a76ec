/* casella-imap-types.h — what IMAP commands return, as C structures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "casella-imap-parser.h"

G_BEGIN_DECLS

typedef enum {
  CASELLA_IMAP_FLAG_SEEN      = 1 << 0,
  CASELLA_IMAP_FLAG_ANSWERED  = 1 << 1,
  CASELLA_IMAP_FLAG_FLAGGED   = 1 << 2,
  CASELLA_IMAP_FLAG_DELETED   = 1 << 3,
  CASELLA_IMAP_FLAG_DRAFT     = 1 << 4,
  CASELLA_IMAP_FLAG_RECENT    = 1 << 5,
  CASELLA_IMAP_FLAG_FORWARDED = 1 << 6,   /* $Forwarded */
  CASELLA_IMAP_FLAG_JUNK      = 1 << 7,   /* $Junk */
  CASELLA_IMAP_FLAG_WILDCARD  = 1 << 8,   /* \* in PERMANENTFLAGS: new keywords allowed */
} CasellaImapFlags;

typedef enum {
  CASELLA_IMAP_MAILBOX_NOSELECT        = 1 << 0,
  CASELLA_IMAP_MAILBOX_NOINFERIORS     = 1 << 1,
  CASELLA_IMAP_MAILBOX_HAS_CHILDREN    = 1 << 2,
  CASELLA_IMAP_MAILBOX_HAS_NO_CHILDREN = 1 << 3,
  CASELLA_IMAP_MAILBOX_MARKED          = 1 << 4,
  CASELLA_IMAP_MAILBOX_UNMARKED        = 1 << 5,
  CASELLA_IMAP_MAILBOX_NONEXISTENT     = 1 << 6,
  CASELLA_IMAP_MAILBOX_SUBSCRIBED      = 1 << 7,
  CASELLA_IMAP_MAILBOX_INBOX           = 1 << 8,
  /* special use (RFC 6154) */
  CASELLA_IMAP_MAILBOX_ALL             = 1 << 9,
  CASELLA_IMAP_MAILBOX_ARCHIVE         = 1 << 10,
  CASELLA_IMAP_MAILBOX_DRAFTS          = 1 << 11,
  CASELLA_IMAP_MAILBOX_FLAGGED         = 1 << 12,
  CASELLA_IMAP_MAILBOX_JUNK            = 1 << 13,
  CASELLA_IMAP_MAILBOX_SENT            = 1 << 14,
  CASELLA_IMAP_MAILBOX_TRASH           = 1 << 15,
} CasellaImapMailboxFlags;

#define CASELLA_IMAP_MAILBOX_SPECIAL_USE_MASK \
  (CASELLA_IMAP_MAILBOX_ALL | CASELLA_IMAP_MAILBOX_ARCHIVE | CASELLA_IMAP_MAILBOX_DRAFTS | \
   CASELLA_IMAP_MAILBOX_FLAGGED | CASELLA_IMAP_MAILBOX_JUNK | CASELLA_IMAP_MAILBOX_SENT | \
   CASELLA_IMAP_MAILBOX_TRASH)

typedef struct {
  char                    *name;       /* UTF-8 */
  char                    *raw_name;   /* as the server spells it; send this back */
  char                     separator;  /* 0: the server has no hierarchy */
  CasellaImapMailboxFlags  flags;
} CasellaImapMailbox;

typedef struct {
  char             *mailbox;
  guint32           exists;
  guint32           recent;
  guint32           uidvalidity;
  guint32           uidnext;
  guint32           first_unseen;
  guint64           highestmodseq;
  gboolean          nomodseq;
  gboolean          read_only;
  CasellaImapFlags  flags;
  CasellaImapFlags  permanent_flags;
  char             *vanished;   /* QRESYNC: UIDs gone since the known modseq */
  GPtrArray        *changed;    /* QRESYNC: CasellaImapFetch of changed messages */
} CasellaImapSelectInfo;

/* SELECT/EXAMINE options: CONDSTORE, or QRESYNC with what we knew. */
typedef struct {
  gboolean    condstore;
  guint32     qresync_uidvalidity;   /* 0: no QRESYNC */
  guint64     qresync_modseq;
  const char *qresync_known_uids;    /* optional uid-set */
} CasellaImapSelectParams;

typedef enum {
  CASELLA_IMAP_STATUS_MESSAGES      = 1 << 0,
  CASELLA_IMAP_STATUS_RECENT        = 1 << 1,
  CASELLA_IMAP_STATUS_UIDNEXT       = 1 << 2,
  CASELLA_IMAP_STATUS_UIDVALIDITY   = 1 << 3,
  CASELLA_IMAP_STATUS_UNSEEN        = 1 << 4,
  CASELLA_IMAP_STATUS_HIGHESTMODSEQ = 1 << 5,
} CasellaImapStatusItems;

typedef struct {
  char                   *mailbox;
  CasellaImapStatusItems  present;
  guint32                 messages;
  guint32                 recent;
  guint32                 uidnext;
  guint32                 uidvalidity;
  guint32                 unseen;
  guint64                 highestmodseq;
} CasellaImapStatusInfo;

typedef struct {
  const char *name;      /* display name, raw (may hold RFC 2047 words); NULL if none */
  const char *address;   /* mailbox@host */
} CasellaImapAddress;

typedef struct {
  CasellaImapAddress *items;
  guint               n;
} CasellaImapAddressList;

/* One block of memory holds the envelope, its lists and its strings:
 * casella_imap_envelope_free() releases everything. */
typedef struct {
  const char             *date;
  const char             *subject;      /* raw (may hold RFC 2047 words) */
  CasellaImapAddressList  from;
  CasellaImapAddressList  sender;
  CasellaImapAddressList  reply_to;
  CasellaImapAddressList  to;
  CasellaImapAddressList  cc;
  CasellaImapAddressList  bcc;
  const char             *in_reply_to;
  const char             *message_id;
} CasellaImapEnvelope;

typedef struct _CasellaImapBodyPart CasellaImapBodyPart;
struct _CasellaImapBodyPart
{
  char                *section;        /* "1", "1.2"; "" for a single-part message */
  char                *type;           /* lower case: "text", "multipart" */
  char                *subtype;        /* lower case: "plain", "mixed" */
  GStrv                params;         /* name, value, name, value… (names lower case) */
  char                *id;
  char                *description;
  char                *encoding;       /* lower case */
  guint64              size;
  guint32              lines;
  char                *disposition;    /* lower case: "attachment", "inline" */
  GStrv                disposition_params;
  GPtrArray           *children;       /* CasellaImapBodyPart: multipart, message/rfc822 */
};

typedef struct {
  char   *name;     /* "BODY[]", "BODY[HEADER]", "BODY[1]", "BINARY[2]" as the server sent it */
  GBytes *data;     /* NULL when the server answered NIL */
} CasellaImapSection;

typedef struct {
  guint32               seq;
  guint32               uid;           /* 0 if not sent */
  gboolean              has_flags;
  CasellaImapFlags      flags;
  GStrv                 keywords;      /* other keywords, or NULL */
  guint64               size;          /* RFC822.SIZE */
  gint64                internaldate;  /* seconds since the epoch, 0 if not sent */
  guint64               modseq;
  guint64               gm_thrid;      /* Gmail's conversation (X-GM-THRID), 0 if not sent */
  CasellaImapEnvelope  *envelope;
  CasellaImapBodyPart  *body;          /* BODYSTRUCTURE or BODY */
  GPtrArray            *sections;      /* CasellaImapSection, or NULL */
} CasellaImapFetch;

typedef struct {
  char *prefix;
  char  separator;
} CasellaImapNamespace;

typedef struct {
  GPtrArray *personal;   /* CasellaImapNamespace */
  GPtrArray *other;
  GPtrArray *shared;
} CasellaImapNamespaces;

typedef struct {
  guint32  uidvalidity;   /* of the destination */
  char    *source_uids;   /* uid-set */
  char    *dest_uids;
} CasellaImapCopyUid;

CasellaImapFlags       casella_imap_flags_from_value       (const CasellaImapValue *list,
                                                            GStrv                  *keywords);
char                  *casella_imap_flags_to_string        (CasellaImapFlags        flags,
                                                            const char * const     *keywords);

/* utf8: names are UTF-8 (UTF8=ACCEPT), else modified UTF-7. */
CasellaImapMailbox    *casella_imap_mailbox_from_response  (const CasellaImapResponse *response,
                                                            gboolean                   utf8);
void                   casella_imap_mailbox_free           (CasellaImapMailbox     *mailbox);

CasellaImapStatusInfo *casella_imap_status_from_response   (const CasellaImapResponse *response);
void                   casella_imap_status_info_free       (CasellaImapStatusInfo  *info);

CasellaImapEnvelope   *casella_imap_envelope_from_value    (const CasellaImapValue *value);
void                   casella_imap_envelope_free          (CasellaImapEnvelope    *envelope);

CasellaImapBodyPart   *casella_imap_body_from_value        (const CasellaImapValue *value);
void                   casella_imap_body_part_free         (CasellaImapBodyPart    *part);
const char            *casella_imap_body_part_get_param    (const CasellaImapBodyPart *part,
                                                            const char             *name);
gboolean               casella_imap_body_has_attachment    (const CasellaImapBodyPart *part);

CasellaImapFetch      *casella_imap_fetch_from_response    (const CasellaImapResponse *response);
void                   casella_imap_fetch_free             (CasellaImapFetch       *fetch);
GBytes                *casella_imap_fetch_get_section      (const CasellaImapFetch *fetch,
                                                            const char             *name);

CasellaImapNamespaces *casella_imap_namespaces_from_response (const CasellaImapResponse *response);
void                   casella_imap_namespaces_free        (CasellaImapNamespaces  *namespaces);

void                   casella_imap_select_info_free       (CasellaImapSelectInfo  *info);
void                   casella_imap_copy_uid_free          (CasellaImapCopyUid     *copy);

typedef struct {
  guint32 first;
  guint32 last;
} CasellaImapUidRange;

/* CasellaImapUidRange items; NULL if set is not a uid-set. */
GArray                *casella_imap_uid_set_parse          (const char             *set);
gboolean               casella_imap_uid_ranges_contain     (GArray                 *ranges,
                                                            guint32                 uid);
char                  *casella_imap_uid_set_from_array     (const guint32          *uids,
                                                            guint                   n_uids);
gint64                 casella_imap_parse_internaldate     (const char             *text,
                                                            gsize                   length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaImapMailbox, casella_imap_mailbox_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaImapStatusInfo, casella_imap_status_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaImapEnvelope, casella_imap_envelope_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaImapBodyPart, casella_imap_body_part_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaImapFetch, casella_imap_fetch_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaImapNamespaces, casella_imap_namespaces_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaImapCopyUid, casella_imap_copy_uid_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CasellaImapSelectInfo, casella_imap_select_info_free)

G_END_DECLS
