/* test-line-parsers.c — the POP3 and SMTP reply parsers, and dot-stuffing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "casella-gmime.h"
#include "casella-engine.h"
#include "casella-mail-error.h"
#include "casella-pop3-parser.h"
#include "casella-smtp-client.h"
#include "casella-smtp-parser.h"

static void
test_pop3_status (void)
{
  g_autoptr(CasellaPop3Parser) parser = casella_pop3_parser_new ();
  g_autoptr(CasellaPop3Reply) ok = NULL, err = NULL, cont = NULL;
  g_autoptr(GError) error = NULL;
  CasellaPop3Reply *bad = NULL;
  const char *input = "+OK Dovecot ready.\r\n-ERR [AUTH] Authentication failed.\r\n+ \r\nnonsense\r\n";

  casella_pop3_parser_feed (parser, (const guint8 *) input, strlen (input));
  g_assert_cmpint (casella_pop3_parser_next (parser, FALSE, &ok, &error), ==, CASELLA_POP3_PARSE_REPLY);
  g_assert_true (ok->ok);
  g_assert_cmpstr (ok->text, ==, "Dovecot ready.");
  /* -ERR never has a body, even when one was expected. */
  g_assert_cmpint (casella_pop3_parser_next (parser, TRUE, &err, &error), ==, CASELLA_POP3_PARSE_REPLY);
  g_assert_false (err->ok);
  g_assert_null (err->body);
  g_assert_cmpstr (err->text, ==, "[AUTH] Authentication failed.");
  g_assert_cmpint (casella_pop3_parser_next (parser, FALSE, &cont, &error), ==, CASELLA_POP3_PARSE_REPLY);
  g_assert_true (cont->continuation);
  g_assert_cmpint (casella_pop3_parser_next (parser, FALSE, &bad, &error), ==, CASELLA_POP3_PARSE_ERROR);
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PROTOCOL_ERROR);
}

static void
test_pop3_multiline_split_everywhere (void)
{
  const char *input = "+OK 120 octets\r\nSubject: dots\r\n\r\n..leading dot\r\n...two\r\nend.\r\n.\r\n+OK after\r\n";
  const char *body = "Subject: dots\r\n\r\n.leading dot\r\n..two\r\nend.\r\n";
  gsize length = strlen (input);

  for (gsize split = 0; split <= length; split++)
    {
      g_autoptr(CasellaPop3Parser) parser = casella_pop3_parser_new ();
      g_autoptr(CasellaPop3Reply) reply = NULL, after = NULL;
      g_autoptr(GError) error = NULL;

      casella_pop3_parser_feed (parser, (const guint8 *) input, split);
      if (casella_pop3_parser_next (parser, TRUE, &reply, &error) == CASELLA_POP3_PARSE_NEED_MORE)
        {
          casella_pop3_parser_feed (parser, (const guint8 *) input + split, length - split);
          g_assert_cmpint (casella_pop3_parser_next (parser, TRUE, &reply, &error), ==, CASELLA_POP3_PARSE_REPLY);
        }
      else
        casella_pop3_parser_feed (parser, (const guint8 *) input + split, length - split);
      g_assert_no_error (error);
      g_assert_nonnull (reply->body);
      g_assert_cmpmem (g_bytes_get_data (reply->body, NULL), g_bytes_get_size (reply->body), body, strlen (body));
      g_assert_cmpint (casella_pop3_parser_next (parser, FALSE, &after, &error), ==, CASELLA_POP3_PARSE_REPLY);
      g_assert_cmpstr (after->text, ==, "after");
    }
}

static void
test_pop3_limits (void)
{
  g_autoptr(CasellaPop3Parser) parser = casella_pop3_parser_new ();
  g_autoptr(GError) error = NULL;
  CasellaPop3Reply *reply = NULL;

  casella_pop3_parser_set_max_size (parser, 100);
  casella_pop3_parser_feed (parser, (const guint8 *) "+OK\r\n", 5);
  for (int i = 0; i < 20; i++)
    casella_pop3_parser_feed (parser, (const guint8 *) "0123456789\r\n", 12);
  g_assert_cmpint (casella_pop3_parser_next (parser, TRUE, &reply, &error), ==, CASELLA_POP3_PARSE_ERROR);
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PROTOCOL_ERROR);
}

static void
test_smtp_replies (void)
{
  g_autoptr(CasellaSmtpParser) parser = casella_smtp_parser_new ();
  g_autoptr(CasellaSmtpReply) ehlo = NULL, auth = NULL, bare = NULL;
  g_autoptr(GError) error = NULL;
  CasellaSmtpReply *broken = NULL;
  g_autofree char *described = NULL;
  const char *input =
    "250-mail.example.test\r\n250-PIPELINING\r\n250-SIZE 35882577\r\n250 AUTH PLAIN LOGIN\r\n"
    "535 5.7.8 Authentication credentials invalid\r\n"
    "354\r\n"
    "250-one\r\n251 two\r\n";

  casella_smtp_parser_feed (parser, (const guint8 *) input, strlen (input));
  g_assert_cmpint (casella_smtp_parser_next (parser, &ehlo, &error), ==, CASELLA_SMTP_PARSE_REPLY);
  g_assert_cmpuint (ehlo->code, ==, 250);
  g_assert_cmpuint (g_strv_length (ehlo->lines), ==, 4);
  g_assert_cmpstr (ehlo->lines[2], ==, "SIZE 35882577");
  g_assert_false (ehlo->has_enhanced);

  g_assert_cmpint (casella_smtp_parser_next (parser, &auth, &error), ==, CASELLA_SMTP_PARSE_REPLY);
  g_assert_cmpuint (auth->code, ==, 535);
  g_assert_true (auth->has_enhanced);
  g_assert_cmpuint (auth->enhanced[0], ==, 5);
  g_assert_cmpuint (auth->enhanced[1], ==, 7);
  g_assert_cmpuint (auth->enhanced[2], ==, 8);
  g_assert_cmpstr (auth->text, ==, "Authentication credentials invalid");
  described = casella_smtp_reply_describe (auth);
  g_assert_cmpstr (described, ==, "535 5.7.8 Authentication credentials invalid");

  g_assert_cmpint (casella_smtp_parser_next (parser, &bare, &error), ==, CASELLA_SMTP_PARSE_REPLY);
  g_assert_cmpuint (bare->code, ==, 354);

  g_assert_cmpint (casella_smtp_parser_next (parser, &broken, &error), ==, CASELLA_SMTP_PARSE_ERROR);
  g_assert_error (error, CASELLA_MAIL_ERROR, CASELLA_MAIL_ERROR_PROTOCOL_ERROR);
}

static void
test_smtp_split_everywhere (void)
{
  const char *input = "250-first\r\n250-5.1.0 second\r\n250 2.0.0 third\r\n";
  gsize length = strlen (input);

  for (gsize split = 0; split <= length; split++)
    {
      g_autoptr(CasellaSmtpParser) parser = casella_smtp_parser_new ();
      g_autoptr(CasellaSmtpReply) reply = NULL;
      g_autoptr(GError) error = NULL;

      casella_smtp_parser_feed (parser, (const guint8 *) input, split);
      if (casella_smtp_parser_next (parser, &reply, &error) == CASELLA_SMTP_PARSE_NEED_MORE)
        {
          casella_smtp_parser_feed (parser, (const guint8 *) input + split, length - split);
          g_assert_cmpint (casella_smtp_parser_next (parser, &reply, &error), ==, CASELLA_SMTP_PARSE_REPLY);
        }
      g_assert_no_error (error);
      g_assert_cmpstr (reply->text, ==, "first\nsecond\nthird");
      g_assert_true (reply->has_enhanced);
      g_assert_cmpuint (reply->enhanced[1], ==, 1);
    }
}

static void
test_smtp_garbage (void)
{
  static const char *bad[] = { "hello\r\n", "99 too short\r\n", "250x\r\n", "650 six\r\n", "250-a\r\n251 b\r\n" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(CasellaSmtpParser) parser = casella_smtp_parser_new ();
      g_autoptr(GError) error = NULL;
      CasellaSmtpReply *reply = NULL;

      casella_smtp_parser_feed (parser, (const guint8 *) bad[i], strlen (bad[i]));
      g_assert_cmpint (casella_smtp_parser_next (parser, &reply, &error), ==, CASELLA_SMTP_PARSE_ERROR);
      g_assert_null (reply);
    }
}

static void
test_dot_stuffing (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "a\r\nb\r\n", "a\r\nb\r\n.\r\n" },
    { "a\nb", "a\r\nb\r\n.\r\n" },                       /* bare LF, no final line end */
    { ".start\r\n..two\r\nmid.dle\r\n.\r\n", "..start\r\n...two\r\nmid.dle\r\n..\r\n.\r\n" },
    { "cr\ronly\r", "cr\r\nonly\r\n.\r\n" },
    { "", ".\r\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) out = casella_smtp_dot_stuff ((const guint8 *) cases[i].in, strlen (cases[i].in));
      g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), cases[i].out, strlen (cases[i].out));
    }
}

static void
test_encode_hides_bcc (void)
{
  g_autoptr(GMimeMessage) message = g_mime_message_new (TRUE);
  g_autoptr(GMimeTextPart) body = g_mime_text_part_new_with_subtype ("plain");
  g_autoptr(GBytes) data = NULL;
  g_autofree char *text = NULL;

  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, "Alice", "alice@example.test");
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, "Bob", "bob@example.test");
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_BCC, "Secret", "secret@example.test");
  g_mime_message_set_subject (message, "Ciao", "utf-8");
  g_mime_text_part_set_text (body, "line one\n.line with a dot\n");
  g_mime_message_set_mime_part (message, GMIME_OBJECT (body));

  data = casella_smtp_encode_data (message);
  text = g_strndup (g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  g_assert_null (strstr (text, "secret@example.test"));
  g_assert_null (strstr (text, "Bcc"));
  g_assert_nonnull (strstr (text, "To: Bob <bob@example.test>\r\n"));
  g_assert_nonnull (strstr (text, "\r\n..line with a dot\r\n"));
  g_assert_true (g_str_has_suffix (text, "\r\n.\r\n"));
  /* Every line ends in CRLF. */
  for (const char *p = text; (p = strchr (p, '\n')); p++)
    g_assert_cmpint (p[-1], ==, '\r');
}

/* 8-bit text to a server without 8BITMIME is re-encoded, not sent
 * as is (it could be mangled on the way); with 8BITMIME it goes as it is. */
static void
test_smtp_eight_bit_reencoded (void)
{
  static const char text[] = "From: a@example.test\r\nTo: b@example.test\r\nSubject: caff\xc3\xa8\r\n"
                             "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                             "Content-Transfer-Encoding: 8bit\r\n\r\nUn caff\xc3\xa8, perch\xc3\xa9 no?\r\n";

  for (guint pass = 0; pass < 2; pass++)
    {
      g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (text, sizeof text - 1);
      g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);
      g_autoptr(GMimeMessage) message = g_mime_parser_construct_message (parser, NULL);
      g_autoptr(GBytes) data = casella_smtp_encode_data_for (message, pass == 1);
      gsize size;
      const guint8 *bytes = g_bytes_get_data (data, &size);
      gboolean eight_bit = FALSE;
      g_autofree char *copy = g_strndup ((const char *) bytes, size);

      for (gsize i = 0; i < size; i++)
        eight_bit |= bytes[i] >= 0x80;
      g_assert_cmpint (eight_bit, ==, pass == 1);
      if (pass == 0)
        g_assert_true (strstr (copy, "Content-Transfer-Encoding: quoted-printable") ||
                       strstr (copy, "Content-Transfer-Encoding: base64"));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  casella_engine_init ();

  g_test_add_func ("/pop3/parser/status", test_pop3_status);
  g_test_add_func ("/smtp/eight-bit-reencoded", test_smtp_eight_bit_reencoded);
  g_test_add_func ("/pop3/parser/multiline-split-everywhere", test_pop3_multiline_split_everywhere);
  g_test_add_func ("/pop3/parser/limits", test_pop3_limits);
  g_test_add_func ("/smtp/parser/replies", test_smtp_replies);
  g_test_add_func ("/smtp/parser/split-everywhere", test_smtp_split_everywhere);
  g_test_add_func ("/smtp/parser/garbage", test_smtp_garbage);
  g_test_add_func ("/smtp/data/dot-stuffing", test_dot_stuffing);
  g_test_add_func ("/smtp/data/hides-bcc", test_encode_hides_bcc);

  return g_test_run ();
}
