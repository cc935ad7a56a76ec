/* test-imap-parser.c — the IMAP response parser, byte by byte
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-imap-parser.h"
#include "casella-imap-types.h"
#include "casella-imap-utf7.h"
#include "casella-mail-error.h"
#include "casella-imap-sync-private.h"

/* Feeds text (in chunks of at most chunk bytes) and returns the parsed
 * responses as strings, so tests can compare whole structures. */
static void
describe_value (GString                *out,
                const CasellaImapValue *v)
{
  switch (v->type)
    {
    case CASELLA_IMAP_VALUE_NIL:
      g_string_append (out, "NIL");
      break;
    case CASELLA_IMAP_VALUE_ATOM:
      g_string_append_printf (out, "%.*s", (int) v->length, v->data);
      break;
    case CASELLA_IMAP_VALUE_NUMBER:
      g_string_append_printf (out, "#%" G_GUINT64_FORMAT, v->number);
      break;
    case CASELLA_IMAP_VALUE_STRING:
      g_string_append_printf (out, "\"%.*s\"", (int) v->length, v->data);
      break;
    case CASELLA_IMAP_VALUE_LIST:
      g_string_append_c (out, '(');
      for (const CasellaImapValue *c = v->first; c; c = c->next)
        {
          describe_value (out, c);
          if (c->next)
            g_string_append_c (out, ' ');
        }
      g_string_append_c (out, ')');
      break;
    }
}

static char *
describe (const CasellaImapResponse *r)
{
  GString *out = g_string_new (NULL);
  static const char *status[] = { "-", "OK", "NO", "BAD", "PREAUTH", "BYE" };

  switch (r->kind)
    {
    case CASELLA_IMAP_RESPONSE_CONTINUATION:
      g_string_append (out, "+");
      break;
    case CASELLA_IMAP_RESPONSE_TAGGED:
      g_string_append_printf (out, "tag=%.*s", (int) r->tag_length, r->tag);
      break;
    case CASELLA_IMAP_RESPONSE_UNTAGGED:
      g_string_append (out, "*");
      break;
    }
  g_string_append_printf (out, " %s", status[r->status]);
  if (r->code)
    {
      g_string_append_printf (out, " [%.*s", (int) r->code_length, r->code);
      for (const CasellaImapValue *v = r->code_args; v; v = v->next)
        {
          g_string_append_c (out, ' ');
          describe_value (out, v);
        }
      g_string_append (out, "]");
    }
  if (r->has_number)
    g_string_append_printf (out, " n=%u", r->number);
  if (r->keyword)
    g_string_append_printf (out, " %.*s", (int) r->keyword_length, r->keyword);
  for (const CasellaImapValue *v = r->values; v; v = v->next)
    {
      g_string_append_c (out, ' ');
      describe_value (out, v);
    }
  if (r->text_length)
    g_string_append_printf (out, " text=%.*s", (int) r->text_length, r->text);
  return g_string_free (out, FALSE);
}

static GPtrArray *
parse_chunked (const char *input,
               gsize       length,
               gsize       chunk)
{
  g_autoptr(CasellaImapParser) parser = casella_imap_parser_new ();
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (gsize offset = 0; offset < length; offset += chunk)
    {
      CasellaImapResponse *r;
      g_autoptr(GError) error = NULL;
      CasellaImapParseResult result;

      casella_imap_parser_feed (parser, (const guint8 *) input + offset, MIN (chunk, length - offset));
      while ((result = casella_imap_parser_next (parser, &r, &error)) != CASELLA_IMAP_PARSE_NEED_MORE)
        {
          if (result == CASELLA_IMAP_PARSE_RESPONSE)
            g_ptr_array_add (out, describe (r));
          else
            {
              g_ptr_array_add (out, g_strdup_printf ("ERROR %s", error->message));
              g_clear_error (&error);
              if (result == CASELLA_IMAP_PARSE_FATAL)
                return out;
            }
        }
    }
  return out;
}

static GPtrArray *
parse_all (const char *input)
{
  return parse_chunked (input, strlen (input), strlen (input));
}

static void
assert_parses (const char *input,
               const char *expected)
{
  g_autoptr(GPtrArray) out = parse_all (input);

  g_assert_cmpuint (out->len, ==, 1);
  g_assert_cmpstr (out->pdata[0], ==, expected);
}

static void
test_status_responses (void)
{
  assert_parses ("a1 OK LOGIN completed\r\n", "tag=a1 OK text=LOGIN completed");
  assert_parses ("a2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
                 "tag=a2 NO [AUTHENTICATIONFAILED] text=Authentication failed.");
  assert_parses ("a3 BAD Error in IMAP command\r\n", "tag=a3 BAD text=Error in IMAP command");
  assert_parses ("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n", "* OK [UIDVALIDITY #3857529045] text=UIDs valid");
  assert_parses ("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n",
                 "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] text=Limited");
  assert_parses ("* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n",
                 "* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN] text=Dovecot ready.");
  assert_parses ("* BYE Server shutting down\r\n", "* BYE text=Server shutting down");
  assert_parses ("* PREAUTH welcome\r\n", "* PREAUTH text=welcome");
  assert_parses ("c1 OK [READ-ONLY] EXAMINE completed\r\n", "tag=c1 OK [READ-ONLY] text=EXAMINE completed");
  /* A code with unparseable arguments keeps its name; text survives. */
  assert_parses ("* OK [ALERT] \"odd\" text here\r\n", "* OK [ALERT] text=\"odd\" text here");
  assert_parses ("* NO [WEIRD \"unterminated] rest\r\n", "* NO [WEIRD] text=rest");
  /* Bare LF line ends are accepted. */
  assert_parses ("a1 OK done\n", "tag=a1 OK text=done");
}

static void
test_untagged_data (void)
{
  assert_parses ("* 23 EXISTS\r\n", "* - n=23 EXISTS");
  assert_parses ("* 5 EXPUNGE\r\n", "* - n=5 EXPUNGE");
  assert_parses ("* CAPABILITY IMAP4rev1 IDLE MOVE\r\n", "* - CAPABILITY IMAP4rev1 IDLE MOVE");
  assert_parses ("* FLAGS (\\Answered \\Flagged $Forwarded)\r\n", "* - FLAGS (\\Answered \\Flagged $Forwarded)");
  assert_parses ("* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n", "* - LIST (\\HasNoChildren \\Sent) \"/\" Sent");
  assert_parses ("* LIST (\\Noselect) NIL \"\"\r\n", "* - LIST (\\Noselect) NIL \"\"");
  assert_parses ("* SEARCH 2 84 882\r\n", "* - SEARCH #2 #84 #882");
  assert_parses ("* SEARCH\r\n", "* - SEARCH");
  assert_parses ("* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n",
                 "* - STATUS blurdybloop (MESSAGES #231 UIDNEXT #44292)");
  assert_parses ("* NAMESPACE ((\"\" \"/\")) NIL ((\"#shared/\" \"/\"))\r\n",
                 "* - NAMESPACE ((\"\" \"/\")) NIL ((\"#shared/\" \"/\"))");
  assert_parses ("* VANISHED (EARLIER) 41,43:116\r\n", "* - VANISHED (EARLIER) 41,43:116");
  assert_parses ("+ Ready for literal data\r\n", "+ - text=Ready for literal data");
  assert_parses ("+\r\n", "+ -");
  assert_parses ("* 12 FETCH (UID 4827313 FLAGS (\\Seen) BODY[HEADER.FIELDS (DATE FROM)] {5}\r\nhello)\r\n",
                 "* - n=12 FETCH (UID #4827313 FLAGS (\\Seen) BODY[HEADER.FIELDS (DATE FROM)] \"hello\")");
  assert_parses ("* 1 FETCH (BODY[]<0> {3}\r\nabc)\r\n", "* - n=1 FETCH (BODY[]<0> \"abc\")");
  assert_parses ("* 1 FETCH (BINARY[1] ~{2}\r\nxy)\r\n", "* - n=1 FETCH (BINARY[1] \"xy\")");
}

static void
test_quoted_and_literals (void)
{
  assert_parses ("* LIST () \"/\" \"a \\\"quoted\\\" \\\\ name\"\r\n",
                 "* - LIST () \"/\" \"a \"quoted\" \\ name\"");
  /* Two literals in one response, one of them empty. */
  assert_parses ("* 3 FETCH (BODY[1] {0}\r\n BODY[2] {4}\r\n\r\n\r\n)\r\n",
                 "* - n=3 FETCH (BODY[1] \"\" BODY[2] \"\r\n\r\n\")");
  /* A literal holding what looks like a response and a literal marker. */
  assert_parses ("* 4 FETCH (BODY[] {21}\r\na1 OK fake {5}\r\nxxxxx)\r\n",
                 "* - n=4 FETCH (BODY[] \"a1 OK fake {5}\r\nxxxxx\")");
}

static void
test_split_at_every_byte (void)
{
  const char *input =
    "* OK [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n"
    "* 7 FETCH (UID 99 BODY[] {23}\r\nSubject: x\r\n\r\n{3}\r\nbody) \r\n"
    "* 8 FETCH (ENVELOPE (\"date\" {5}\r\nsubj\" ((\"A\" NIL \"a\" \"b.c\")) NIL NIL NIL NIL NIL NIL \"<id>\"))\r\n"
    "+ go\r\n"
    "t9 OK done\r\n";
  g_autoptr(GPtrArray) whole = parse_all (input);
  gsize length = strlen (input);

  g_assert_cmpuint (whole->len, ==, 5);
  g_assert_cmpstr (whole->pdata[1], ==, "* - n=7 FETCH (UID #99 BODY[] \"Subject: x\r\n\r\n{3}\r\nbody\")");

  for (gsize split = 1; split < length; split++)
    {
      g_autoptr(CasellaImapParser) parser = casella_imap_parser_new ();
      g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func (g_free);
      CasellaImapResponse *r;
      GError *error = NULL;

      casella_imap_parser_feed (parser, (const guint8 *) input, split);
      while (casella_imap_parser_next (parser, &r, &error) == CASELLA_IMAP_PARSE_RESPONSE)
        g_ptr_array_add (got, describe (r));
      g_assert_no_error (error);
      casella_imap_parser_feed (parser, (const guint8 *) input + split, length - split);
      while (casella_imap_parser_next (parser, &r, &error) == CASELLA_IMAP_PARSE_RESPONSE)
        g_ptr_array_add (got, describe (r));
      g_assert_no_error (error);

      g_assert_cmpuint (got->len, ==, whole->len);
      for (guint i = 0; i < got->len; i++)
        g_assert_cmpstr (got->pdata[i], ==, whole->pdata[i]);
    }

  /* One byte at a time too. */
  {
    g_autoptr(GPtrArray) bytewise = parse_chunked (input, length, 1);
    g_assert_cmpuint (bytewise->len, ==, whole->len);
    for (guint i = 0; i < whole->len; i++)
      g_assert_cmpstr (bytewise->pdata[i], ==, whole->pdata[i]);
  }
}

static void
test_garbage_and_limits (void)
{
  g_autoptr(GPtrArray) out = NULL;
  g_autoptr(CasellaImapParser) parser = casella_imap_parser_new ();
  g_autoptr(GError) error = NULL;
  GString *deep = g_string_new ("* 1 FETCH ");
  CasellaImapResponse *r;

  out = parse_all ("garbage without a tag space\r\n"
                   "* \r\n"
                   "a1 MAYBE something\r\n"
                   "* 1 FETCH (UID 5\r\n"
                   "* 2 FETCH (UID 6))\r\n"
                   "* LIST () \"/\" \"open\r\n"
                   "* 1 FETCH (BODY[] {99}\r\nshort)\r\n");
  /* The unterminated literal swallows the rest: only errors, no crash. */
  for (guint i = 0; i < out->len; i++)
    g_assert_true (g_str_has_prefix (out->pdata[i], "ERROR "));
  g_assert_cmpuint (out->len, ==, 6);

  /* A good response after garbage still parses. */
  g_clear_pointer (&out, g_ptr_array_unref);
  out = parse_all ("!!!\r\na1 OK fine\r\n");
  g_assert_cmpuint (out->len, ==, 2);
  g_assert_cmpstr (out->pdata[1], ==, "tag=a1 OK text=fine");

  /* Nesting beyond the limit is refused. */
  for (int i = 0; i < 200; i++)
    g_string_append_c (deep, '(');
  for (int i = 0; i < 200; i++)
    g_string_append_c (deep, ')');
  g_string_append (deep, "\r\n");
  g_clear_pointer (&out, g_ptr_array_unref);
  out = parse_all (deep->str);
  g_assert_cmpuint (out->len, ==, 1);
  g_assert_cmpstr (out->pdata[0], ==, "ERROR Malformed IMAP response: lists nested too deeply");
  g_string_free (deep, TRUE);

  /* A literal beyond the size limit is fatal, without waiting for it. */
  casella_imap_parser_set_max_size (parser, 1000);
  casella_imap_parser_feed (parser, (const guint8 *) "* 1 FETCH (BODY[] {5000}\r\n", 26);
  g_assert_cmpint (casella_imap_parser_next (parser, &r, &error), ==, CASELLA_IMAP_PARSE_FATAL);
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PROTOCOL_ERROR);
  g_clear_error (&error);

  /* So is an endless line. */
  casella_imap_parser_reset (parser);
  for (int i = 0; i < 20; i++)
    casella_imap_parser_feed (parser, (const guint8 *) "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 100);
  g_assert_cmpint (casella_imap_parser_next (parser, &r, &error), ==, CASELLA_IMAP_PARSE_FATAL);
}

static void
test_ten_megabyte_literal (void)
{
  g_autoptr(CasellaImapParser) parser = casella_imap_parser_new ();
  gsize size = 10 * 1024 * 1024;
  g_autofree char *head = g_strdup_printf ("* 1 FETCH (UID 7 BODY[] {%" G_GSIZE_FORMAT "}\r\n", size);
  g_autofree guint8 *body = g_malloc (size);
  CasellaImapResponse *r = NULL;
  GError *error = NULL;
  g_autoptr(CasellaImapFetch) fetch = NULL;
  GBytes *section;

  for (gsize i = 0; i < size; i++)
    body[i] = "abc\r\n{5}\r\n"[i % 11];

  casella_imap_parser_feed (parser, (const guint8 *) head, strlen (head));
  for (gsize offset = 0; offset < size; offset += 16384)
    {
      casella_imap_parser_feed (parser, body + offset, MIN (16384, size - offset));
      g_assert_cmpint (casella_imap_parser_next (parser, &r, &error), ==, CASELLA_IMAP_PARSE_NEED_MORE);
    }
  casella_imap_parser_feed (parser, (const guint8 *) ")\r\n", 3);
  g_assert_cmpint (casella_imap_parser_next (parser, &r, &error), ==, CASELLA_IMAP_PARSE_RESPONSE);
  g_assert_no_error (error);

  fetch = casella_imap_fetch_from_response (r);
  g_assert_cmpuint (fetch->uid, ==, 7);
  section = casella_imap_fetch_get_section (fetch, "BODY[]");
  g_assert_nonnull (section);
  g_assert_cmpuint (g_bytes_get_size (section), ==, size);
  g_assert_cmpmem (g_bytes_get_data (section, NULL), size, body, size);
}

static CasellaImapFetch *
parse_fetch (const char *input)
{
  g_autoptr(CasellaImapParser) parser = casella_imap_parser_new ();
  CasellaImapResponse *r = NULL;
  GError *error = NULL;

  casella_imap_parser_feed (parser, (const guint8 *) input, strlen (input));
  g_assert_cmpint (casella_imap_parser_next (parser, &r, &error), ==, CASELLA_IMAP_PARSE_RESPONSE);
  g_assert_no_error (error);
  return casella_imap_fetch_from_response (r);
}

static void
test_envelope_and_flags (void)
{
  g_autoptr(CasellaImapFetch) fetch = parse_fetch (
    "* 12 FETCH (UID 4827313 FLAGS (\\Seen \\Flagged $Forwarded work) RFC822.SIZE 4286 "
    "INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" MODSEQ (12121231000) "
    "ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) "
    "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")(NIL NIL \"team\" NIL)"
    "(NIL NIL \"x\" \"y.z\")(NIL NIL NIL NIL)) NIL NIL \"<B27397-0100000@cac.washington.edu>\"))\r\n");
  CasellaImapEnvelope *e = fetch->envelope;
  CasellaImapAddress *a;

  g_assert_cmpuint (fetch->seq, ==, 12);
  g_assert_cmpuint (fetch->uid, ==, 4827313);
  g_assert_true (fetch->has_flags);
  g_assert_cmpuint (fetch->flags, ==, CASELLA_IMAP_FLAG_SEEN | CASELLA_IMAP_FLAG_FLAGGED | CASELLA_IMAP_FLAG_FORWARDED);
  g_assert_cmpstrv (fetch->keywords, ((const char *[]) { "work", NULL }));
  g_assert_cmpuint (fetch->size, ==, 4286);
  g_assert_cmpint (fetch->internaldate, ==, 837596665);
  g_assert_cmpuint (fetch->modseq, ==, 12121231000);

  g_assert_nonnull (e);
  g_assert_cmpstr (e->subject, ==, "IMAP4rev1 WG mtg summary and minutes");
  g_assert_cmpuint (e->from.n, ==, 1);
  a = &e->from.items[0];
  g_assert_cmpstr (a->name, ==, "Terry Gray");
  g_assert_cmpstr (a->address, ==, "gray@cac.washington.edu");
  g_assert_cmpuint (e->sender.n, ==, 1);
  g_assert_cmpuint (e->reply_to.n, ==, 1);
  g_assert_cmpuint (e->to.n, ==, 1);
  g_assert_null (e->to.items[0].name);
  g_assert_cmpstr (e->to.items[0].address, ==, "imap@cac.washington.edu");
  /* The group markers are skipped, its member kept. */
  g_assert_cmpuint (e->cc.n, ==, 3);
  g_assert_cmpstr (e->cc.items[0].address, ==, "minutes@CNRI.Reston.VA.US");
  g_assert_cmpstr (e->cc.items[1].name, ==, "John Klensin");
  g_assert_cmpstr (e->cc.items[2].address, ==, "x@y.z");
  g_assert_cmpuint (e->bcc.n, ==, 0);
  g_assert_null (e->in_reply_to);
  g_assert_cmpstr (e->message_id, ==, "<B27397-0100000@cac.washington.edu>");
}

/* Gmail's conversation number comes with the headers (X-GM-EXT-1). */
static void
test_gmail_thread (void)
{
  g_autoptr(CasellaImapFetch) fetch = parse_fetch ("* 3 FETCH (X-GM-THRID 1278455344230334865 UID 9 FLAGS ())\r\n");
  g_autoptr(CasellaImapFetch) none = parse_fetch ("* 4 FETCH (UID 10 X-GM-THRID NIL)\r\n");

  g_assert_cmpuint (fetch->gm_thrid, ==, G_GUINT64_CONSTANT (1278455344230334865));
  g_assert_cmpuint (fetch->uid, ==, 9);
  g_assert_cmpuint (none->gm_thrid, ==, 0);
  g_assert_cmpuint (none->uid, ==, 10);
}

/* Bytes that are not UTF-8 come out repaired, not raw. */
static void
test_envelope_invalid_utf8 (void)
{
  g_autoptr(CasellaImapFetch) fetch = parse_fetch (
    "* 1 FETCH (ENVELOPE (NIL \"caf\xe9\" ((\"Jos\xe9\" NIL \"j\xe9\" \"x.y\")) NIL NIL NIL NIL NIL NIL NIL))\r\n");
  CasellaImapEnvelope *e = fetch->envelope;

  g_assert_nonnull (e);
  g_assert_true (g_utf8_validate (e->subject, -1, NULL));
  g_assert_true (g_str_has_prefix (e->subject, "caf"));
  g_assert_cmpuint (e->from.n, ==, 1);
  g_assert_true (g_utf8_validate (e->from.items[0].name, -1, NULL));
  g_assert_true (g_utf8_validate (e->from.items[0].address, -1, NULL));
  g_assert_true (g_str_has_suffix (e->from.items[0].address, "@x.y"));
  g_assert_null (e->date);
  g_assert_null (e->message_id);
}

static void
test_bodystructure (void)
{
  g_autoptr(CasellaImapFetch) fetch = parse_fetch (
    "* 1 FETCH (UID 3 BODYSTRUCTURE ("
    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 1152 23 NIL NIL NIL NIL)"
    "((\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 2000 40 NIL (\"inline\" NIL) NIL)"
    "(\"image\" \"png\" (\"name\" \"logo.png\") \"<logo@x>\" NIL \"base64\" 5000 NIL NIL NIL) \"related\" NIL NIL NIL)"
    "(\"APPLICATION\" \"PDF\" (\"NAME\" \"fattura.pdf\") NIL NIL \"BASE64\" 4554 NIL (\"ATTACHMENT\" (\"FILENAME\" \"fattura.pdf\")) NIL NIL)"
    "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 300 (NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL) "
    "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 20 2 NIL NIL NIL NIL) 10 NIL NIL NIL NIL)"
    " \"MIXED\" (\"BOUNDARY\" \"xyz\") NIL NIL NIL))\r\n");
  CasellaImapBodyPart *root = fetch->body, *text, *related, *png, *pdf, *rfc822, *inner;

  g_assert_nonnull (root);
  g_assert_cmpstr (root->type, ==, "multipart");
  g_assert_cmpstr (root->subtype, ==, "mixed");
  g_assert_cmpstr (casella_imap_body_part_get_param (root, "boundary"), ==, "xyz");
  g_assert_cmpuint (root->children->len, ==, 4);

  text = root->children->pdata[0];
  g_assert_cmpstr (text->section, ==, "1");
  g_assert_cmpstr (text->type, ==, "text");
  g_assert_cmpstr (text->subtype, ==, "plain");
  g_assert_cmpstr (casella_imap_body_part_get_param (text, "charset"), ==, "utf-8");
  g_assert_cmpuint (text->size, ==, 1152);
  g_assert_cmpuint (text->lines, ==, 23);

  related = root->children->pdata[1];
  g_assert_cmpstr (related->subtype, ==, "related");
  png = related->children->pdata[1];
  g_assert_cmpstr (png->section, ==, "2.2");
  g_assert_cmpstr (png->id, ==, "<logo@x>");
  g_assert_cmpstr (((CasellaImapBodyPart *) related->children->pdata[0])->disposition, ==, "inline");

  pdf = root->children->pdata[2];
  g_assert_cmpstr (pdf->section, ==, "3");
  g_assert_cmpstr (pdf->encoding, ==, "base64");
  g_assert_cmpstr (pdf->disposition, ==, "attachment");

  rfc822 = root->children->pdata[3];
  g_assert_cmpstr (rfc822->section, ==, "4");
  g_assert_cmpuint (rfc822->lines, ==, 10);
  inner = rfc822->children->pdata[0];
  g_assert_cmpstr (inner->section, ==, "4.1");
  g_assert_cmpstr (inner->subtype, ==, "plain");

  g_assert_true (casella_imap_body_has_attachment (root));
  g_assert_false (casella_imap_body_has_attachment (text));
}

static void
test_single_part_body (void)
{
  g_autoptr(CasellaImapFetch) fetch = parse_fetch (
    "* 2 FETCH (BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"iso-8859-1\") NIL NIL \"8bit\" 10 1 NIL NIL NIL NIL))\r\n");

  g_assert_cmpstr (fetch->body->section, ==, "1");
  g_assert_false (casella_imap_body_has_attachment (fetch->body));
}

static void
test_list_mailbox (void)
{
  g_autoptr(CasellaImapParser) parser = casella_imap_parser_new ();
  const char *input = "* LIST (\\HasNoChildren \\Drafts) \"/\" \"Bozze &AOg- pi&APk-\"\r\n"
                      "* LIST (\\Noselect \\HasChildren) \".\" Archivio\r\n"
                      "* LIST (\\HasNoChildren) \"/\" inbox\r\n";
  CasellaImapResponse *r;
  GError *error = NULL;
  g_autoptr(CasellaImapMailbox) drafts = NULL, archive = NULL, inbox = NULL;

  casella_imap_parser_feed (parser, (const guint8 *) input, strlen (input));
  g_assert_cmpint (casella_imap_parser_next (parser, &r, &error), ==, CASELLA_IMAP_PARSE_RESPONSE);
  drafts = casella_imap_mailbox_from_response (r, FALSE);
  g_assert_cmpint (casella_imap_parser_next (parser, &r, &error), ==, CASELLA_IMAP_PARSE_RESPONSE);
  archive = casella_imap_mailbox_from_response (r, FALSE);
  g_assert_cmpint (casella_imap_parser_next (parser, &r, &error), ==, CASELLA_IMAP_PARSE_RESPONSE);
  inbox = casella_imap_mailbox_from_response (r, FALSE);

  g_assert_cmpstr (drafts->name, ==, "Bozze è più");
  g_assert_cmpstr (drafts->raw_name, ==, "Bozze &AOg- pi&APk-");
  g_assert_cmpint (drafts->separator, ==, '/');
  g_assert_true (drafts->flags & CASELLA_IMAP_MAILBOX_DRAFTS);
  g_assert_true (archive->flags & CASELLA_IMAP_MAILBOX_NOSELECT);
  g_assert_cmpint (archive->separator, ==, '.');
  g_assert_cmpstr (inbox->name, ==, "INBOX");
  g_assert_true (inbox->flags & CASELLA_IMAP_MAILBOX_INBOX);
}

static void
test_utf7 (void)
{
  static const struct { const char *utf8, *mutf7; } cases[] = {
    { "INBOX", "INBOX" },
    { "Posta inviata", "Posta inviata" },
    { "R&D", "R&-D" },
    { "Bozze è più", "Bozze &AOg- pi&APk-" },
    { "台北", "&U,BTFw-" },
    { "~peter/mail/日本語/台北", "~peter/mail/&ZeVnLIqe-/&U,BTFw-" },
    { "😀 emoji", "&2D3eAA- emoji" },
    { "Ελληνικά", "&A5UDuwO7A7cDvQO5A7oDrA-" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *encoded = casella_imap_utf7_encode (cases[i].utf8);
      g_autofree char *decoded = casella_imap_utf7_decode (cases[i].mutf7, -1);

      g_assert_cmpstr (encoded, ==, cases[i].mutf7);
      g_assert_cmpstr (decoded, ==, cases[i].utf8);
    }

  /* Not modified UTF-7: refused rather than misread. */
  g_assert_null (casella_imap_utf7_decode ("&", -1));
  g_assert_null (casella_imap_utf7_decode ("&AGE-", -1));          /* "a" hidden in base64 */
  g_assert_null (casella_imap_utf7_decode ("&2D0-", -1));          /* lone surrogate */
  g_assert_null (casella_imap_utf7_decode ("caf\xc3\xa9", -1));    /* raw 8-bit */
}

static void
test_uid_sets_and_dates (void)
{
  guint32 uids[] = { 9, 1, 2, 3, 7, 12, 10, 11, 3 };
  g_autofree char *set = casella_imap_uid_set_from_array (uids, G_N_ELEMENTS (uids));

  g_assert_cmpstr (set, ==, "1:3,7,9:12");
  g_assert_cmpint (casella_imap_parse_internaldate (" 1-Jan-2026 00:00:00 +0100", 26), ==, 1767222000);
  g_assert_cmpint (casella_imap_parse_internaldate ("garbage", 7), ==, 0);
  g_assert_cmpint (casella_imap_parse_internaldate ("31-Foo-2026 00:00:00 +0100", 26), ==, 0);
}

static void
test_error_classification (void)
{
  /* Real provider replies (providers/server-error-strings.tsv). */
  static const struct { const char *text; CasellaMailError code; } cases[] = {
    { "NEOBHODIM parol prilozheniya https://help.mail.ru/mail/security/protection/external / Application password is REQUIRED",
      CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED },
    { "535 5.7.0 NEOBHODIM parol prilozheniya", CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED },
    { "[AUTHENTICATIONFAILED] LOGIN invalid credentials or IMAP is disabled", CASELLA_MAIL_ERROR_AUTH_FAILED },
    { "534-5.7.9 Application-specific password required. Learn more at 534 5.7.9 https://support.google.com/mail/?p=InvalidSecondFactor",
      CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED },
    { "[ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)",
      CASELLA_MAIL_ERROR_APP_PASSWORD_REQUIRED },
    { "535-5.7.8 Username and Password not accepted", CASELLA_MAIL_ERROR_AUTH_FAILED },
    { "Basic authentication is disabled.", CASELLA_MAIL_ERROR_OAUTH_REQUIRED },
    { "LOGIN failed.", CASELLA_MAIL_ERROR_AUTH_FAILED },
    { "AUTHENTICATE failed.", CASELLA_MAIL_ERROR_AUTH_FAILED },
    { "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
      CASELLA_MAIL_ERROR_PROTOCOL_DISABLED },
    { "550 5.7.30 Basic authentication is not supported for Client Submission.", CASELLA_MAIL_ERROR_OAUTH_REQUIRED },
    { "[AUTHENTICATIONFAILED] LOGIN Invalid credentials", CASELLA_MAIL_ERROR_AUTH_FAILED },
    { "Incorrect username or password.", CASELLA_MAIL_ERROR_AUTH_FAILED },
    { "Mailbox does not exist", CASELLA_MAIL_ERROR_SERVER_ERROR },
    /* RFC 5530, and the words an expired client password gets */
    { "[EXPIRED] Password expired, set a new one", CASELLA_MAIL_ERROR_PASSWORD_EXPIRED },
    { "[AUTH] Password has expired", CASELLA_MAIL_ERROR_PASSWORD_EXPIRED },
    { "535 5.7.8 Autenticazione fallita: password scaduta", CASELLA_MAIL_ERROR_PASSWORD_EXPIRED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (casella_mail_error_classify_text (cases[i].text, CASELLA_MAIL_ERROR_SERVER_ERROR),
                     ==, cases[i].code);
}

/* VANISHED and friends: any shape a server sends, merged for lookup. */
static void
test_uid_set_parse (void)
{
  g_autoptr(GArray) ranges = casella_imap_uid_set_parse ("9:7,1,3:4,5,20:*");
  g_autoptr(GArray) bad1 = casella_imap_uid_set_parse ("1:");
  g_autoptr(GArray) bad2 = casella_imap_uid_set_parse ("0:3");
  g_autoptr(GArray) bad3 = casella_imap_uid_set_parse ("1,,2");
  g_autoptr(GArray) bad4 = casella_imap_uid_set_parse ("99999999999");

  g_assert_nonnull (ranges);
  g_assert_cmpuint (ranges->len, ==, 4);   /* 1, 3:5, 7:9, 20:* */
  g_assert_true (casella_imap_uid_ranges_contain (ranges, 1));
  g_assert_false (casella_imap_uid_ranges_contain (ranges, 2));
  g_assert_true (casella_imap_uid_ranges_contain (ranges, 5));
  g_assert_false (casella_imap_uid_ranges_contain (ranges, 6));
  g_assert_true (casella_imap_uid_ranges_contain (ranges, 8));
  g_assert_true (casella_imap_uid_ranges_contain (ranges, G_MAXUINT32));
  g_assert_null (bad1);
  g_assert_null (bad2);
  g_assert_null (bad3);
  g_assert_null (bad4);
  g_assert_null (casella_imap_uid_set_parse (""));
}

/* Special folders by name, where the server has no SPECIAL-USE: under
 * the personal namespace ("INBOX." on Courier: no Sent copy was filed,
 * Delete expunged), in English and Italian; never a nested folder. */
static void
test_folder_roles (void)
{
  static const struct { const char *name; char sep; const char *prefix; CasellaFolderRole role; } cases[] = {
    { "Sent", '/', "", CASELLA_FOLDER_ROLE_SENT },
    { "INBOX.Sent", '.', "INBOX.", CASELLA_FOLDER_ROLE_SENT },
    { "INBOX.Sent", '.', NULL, CASELLA_FOLDER_ROLE_SENT },            /* no NAMESPACE: the same layout */
    { "INBOX.Posta inviata", '.', "INBOX.", CASELLA_FOLDER_ROLE_SENT },
    { "INBOX.Elementi inviati", '.', "INBOX.", CASELLA_FOLDER_ROLE_SENT },
    { "INBOX.Inviati", '.', "INBOX.", CASELLA_FOLDER_ROLE_SENT },
    { "INBOX.Bozze", '.', "INBOX.", CASELLA_FOLDER_ROLE_DRAFTS },
    { "INBOX.Cestino", '.', "INBOX.", CASELLA_FOLDER_ROLE_TRASH },
    { "INBOX.Elementi eliminati", '.', "INBOX.", CASELLA_FOLDER_ROLE_TRASH },
    { "INBOX.Trash", '.', "INBOX.", CASELLA_FOLDER_ROLE_TRASH },
    { "INBOX.Spam", '.', "INBOX.", CASELLA_FOLDER_ROLE_JUNK },
    { "INBOX.Lavoro.Sent", '.', "INBOX.", CASELLA_FOLDER_ROLE_NONE },  /* the user's own, nested */
    { "Lavoro/Bozze", '/', "", CASELLA_FOLDER_ROLE_NONE },
    { "INBOX", '.', "INBOX.", CASELLA_FOLDER_ROLE_INBOX },
    { "Progetti", '/', "", CASELLA_FOLDER_ROLE_NONE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      CasellaImapMailbox mailbox = { (char *) cases[i].name, (char *) cases[i].name, cases[i].sep, 0 };

      g_test_message ("%s", cases[i].name);
      g_assert_cmpint (casella_imap_sync_role_of (&mailbox, cases[i].prefix), ==, cases[i].role);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/parser/status", test_status_responses);
  g_test_add_func ("/imap/types/folder-roles", test_folder_roles);
  g_test_add_func ("/imap/parser/untagged", test_untagged_data);
  g_test_add_func ("/imap/parser/quoted-and-literals", test_quoted_and_literals);
  g_test_add_func ("/imap/parser/split-at-every-byte", test_split_at_every_byte);
  g_test_add_func ("/imap/parser/garbage-and-limits", test_garbage_and_limits);
  g_test_add_func ("/imap/parser/ten-megabyte-literal", test_ten_megabyte_literal);
  g_test_add_func ("/imap/types/envelope-and-flags", test_envelope_and_flags);
  g_test_add_func ("/imap/types/gmail-thread", test_gmail_thread);
  g_test_add_func ("/imap/types/envelope-invalid-utf8", test_envelope_invalid_utf8);
  g_test_add_func ("/imap/types/bodystructure", test_bodystructure);
  g_test_add_func ("/imap/types/single-part", test_single_part_body);
  g_test_add_func ("/imap/types/list", test_list_mailbox);
  g_test_add_func ("/imap/types/utf7", test_utf7);
  g_test_add_func ("/imap/types/uid-sets-and-dates", test_uid_sets_and_dates);
  g_test_add_func ("/imap/types/uid-set-parse", test_uid_set_parse);
  g_test_add_func ("/mail-error/classification", test_error_classification);

  return g_test_run ();
}
