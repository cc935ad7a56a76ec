/* bench-imap-fetch.c — UID FETCH of 100,000 messages from a private
 * Dovecot: a bare socket read of the reply beside Casella's client
 * parsing it into structures, plus the parser's in-memory throughput.
 *
 * Targets (issue 3): parsing adds at most 30 % over the bare read;
 * the parser handles at least 200 MB/s.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sys/resource.h>
#include <unistd.h>

#include "casella-engine.h"
#include "casella-imap-client.h"
#include "casella-test-dovecot.h"
#include "casella-test-pki.h"
#include "casella-test-util.h"

#define USER "bench@example.test"
#define ITEMS "(UID FLAGS ENVELOPE RFC822.SIZE INTERNALDATE)"
#define RUNS 5

static CasellaTestDovecot *dovecot;
static guint n_messages = 100000;
static double last_cpu;   /* CPU used by the last measured fetch */

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* CPU seconds this process used so far (user + system). */
static double
cpu_time (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static double
median (double *values, guint n)
{
  qsort (values, n, sizeof (double), compare_double);
  return values[n / 2];
}

/* ---- bare read: a TLS socket, the command, and reading until done ---- */

static GIOStream *
bare_connect (void)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  GIOStream *tls;
  GError *error = NULL;
  guint16 port = casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS);

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  identity = g_network_address_new ("localhost", port);
  tls = g_tls_client_connection_new (G_IO_STREAM (connection), identity, &error);
  g_assert_no_error (error);
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), casella_test_pki_get ()->database);
  g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error);
  g_assert_no_error (error);
  return tls;
}

/* Reads until a line starting with tag ends what has been read. */
static GByteArray *
bare_read_until (GIOStream  *stream,
                 const char *tag)
{
  GByteArray *all = g_byte_array_sized_new (64 * 1024 * 1024);
  g_autofree char *needle = g_strdup_printf ("\n%s ", tag);
  guint8 buffer[65536];

  for (;;)
    {
      GError *error = NULL;
      gssize got = g_input_stream_read (g_io_stream_get_input_stream (stream), buffer, sizeof buffer, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (got, >, 0);
      g_byte_array_append (all, buffer, got);
      /* Done when the tagged line is complete at the end. */
      if (all->len > 2 && all->data[all->len - 1] == '\n')
        {
          gsize from = all->len > 512 ? all->len - 512 : 0;
          if (g_strstr_len ((const char *) all->data + from, all->len - from, needle) != NULL ||
              g_str_has_prefix ((const char *) all->data, needle + 1))
            return all;
        }
    }
}

static void
bare_send (GIOStream *stream, const char *text)
{
  GError *error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (stream), text, strlen (text), NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Returns the reply to the FETCH; *seconds is the time from sending it. */
static GByteArray *
bare_fetch (double *seconds)
{
  g_autoptr(GIOStream) stream = bare_connect ();
  GByteArray *reply;
  double start;

  g_byte_array_unref (bare_read_until (stream, "*"));
  bare_send (stream, "a LOGIN " USER " pw\r\n");
  g_byte_array_unref (bare_read_until (stream, "a"));
  bare_send (stream, "b SELECT INBOX\r\n");
  g_byte_array_unref (bare_read_until (stream, "b"));

  start = now ();
  last_cpu = cpu_time ();
  bare_send (stream, "c UID FETCH 1:* " ITEMS "\r\n");
  reply = bare_read_until (stream, "c");
  *seconds = now () - start;
  last_cpu = cpu_time () - last_cpu;
  return reply;
}

/* ---- Casella: the client, parsing every reply into structures ---- */

static CasellaImapClient *
casella_connect (void)
{
  g_autoptr(CasellaNetConfig) config = casella_net_config_new ("localhost",
                                                               casella_test_dovecot_get_port (dovecot, CASELLA_TEST_IMAPS),
                                                               CASELLA_SECURITY_TLS);
  CasellaImapClient *client;
  g_autoptr(GAsyncResult) r1 = NULL, r2 = NULL, r3 = NULL;
  g_autoptr(CasellaImapSelectInfo) info = NULL;
  GError *error = NULL;

  casella_net_config_set_tls_database (config, casella_test_pki_get ()->database);
  client = casella_imap_client_new (config);
  casella_imap_client_connect_async (client, NULL, casella_test_store_result, &r1);
  casella_test_await (&r1);
  casella_imap_client_connect_finish (client, r1, &error);
  g_assert_no_error (error);
  casella_imap_client_login_async (client, USER, "pw", NULL, casella_test_store_result, &r2);
  casella_test_await (&r2);
  casella_imap_client_login_finish (client, r2, &error);
  g_assert_no_error (error);
  casella_imap_client_select_async (client, "INBOX", NULL, NULL, casella_test_store_result, &r3);
  casella_test_await (&r3);
  info = casella_imap_client_select_finish (client, r3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (info->exists, ==, n_messages);
  return client;
}

typedef struct {
  guint   count;
  guint64 bytes;
} Tally;

static void
on_fetch (CasellaImapFetch *fetch,
          gpointer          user_data)
{
  Tally *tally = user_data;

  /* Touch what a sync would store, so nothing is parsed for nothing. */
  g_assert (fetch->envelope != NULL && fetch->uid > 0);
  tally->count++;
  tally->bytes += fetch->size;
}

static double
casella_fetch (void)
{
  g_autoptr(CasellaImapClient) client = casella_connect ();
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;
  Tally tally = { 0 };
  double start = now (), cpu = cpu_time ();

  casella_imap_client_uid_fetch_async (client, "1:*", ITEMS, 0, on_fetch, &tally, NULL,
                                       casella_test_store_result, &result);
  casella_test_await_timeout (&result, 600000);
  casella_imap_client_uid_fetch_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tally.count, ==, n_messages);
  last_cpu = cpu_time () - cpu;
  return now () - start;
}

/* ---- the parser alone, in memory ---- */

/* MB/s of one pass over the reply, parsed (and, with interpret, turned
 * into structures) as the client does: 64 KiB at a time. */
static double
parse_once (GByteArray *reply,
            gboolean    interpret)
{
  g_autoptr(CasellaImapParser) parser = casella_imap_parser_new ();
  guint responses = 0;
  double start = now ();

  for (gsize off = 0; off < reply->len; off += 65536)
    {
      CasellaImapResponse *r;
      GError *error = NULL;

      casella_imap_parser_feed (parser, reply->data + off, MIN (65536, reply->len - off));
      while (casella_imap_parser_next (parser, &r, &error) == CASELLA_IMAP_PARSE_RESPONSE)
        {
          responses++;
          if (interpret && r->keyword)
            casella_imap_fetch_free (casella_imap_fetch_from_response (r));
        }
      g_assert_no_error (error);
    }
  g_assert_cmpuint (responses, ==, n_messages + 1);
  return reply->len / (now () - start) / 1e6;
}

/* Passes for at least two seconds: the median and the best. A machine
 * shared with others only ever makes a pass slower, so the best is what
 * the code can do; the median is what it did here. */
static void
parser_throughput (GByteArray *reply,
                   gboolean    interpret,
                   double     *median_mbs,
                   double     *best_mbs)
{
  g_autoptr(GArray) passes = g_array_new (FALSE, FALSE, sizeof (double));
  double start = now ();

  while (now () - start < 2.0 || passes->len < 5)
    {
      double mbs = parse_once (reply, interpret);
      g_array_append_val (passes, mbs);
    }
  g_array_sort (passes, compare_double);
  *median_mbs = g_array_index (passes, double, passes->len / 2);
  *best_mbs = g_array_index (passes, double, passes->len - 1);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  double bare[RUNS], parsed[RUNS], fill_start, warm;
  g_autoptr(GByteArray) reply = NULL;
  double raw_mbs, raw_best, full_mbs, full_best, bare_median, parsed_median;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  casella_engine_init ();
  if (g_getenv ("CASELLA_BENCH_MESSAGES"))
    n_messages = (guint) g_ascii_strtoull (g_getenv ("CASELLA_BENCH_MESSAGES"), NULL, 10);

  dovecot = casella_test_dovecot_new ();
  casella_test_dovecot_add_user (dovecot, USER, "pw");
  casella_test_dovecot_start (dovecot, &error);
  g_assert_no_error (error);

  fill_start = now ();
  casella_test_dovecot_fill (dovecot, USER, NULL, n_messages, &error);
  g_assert_no_error (error);
  g_print ("filled %u messages in %.1f s\n", n_messages, now () - fill_start);
  /* The kernel writing those files back would disturb every timing. */
  sync ();

  /* Dovecot builds its index and cache on the first FETCH: not ours. */
  g_byte_array_unref (bare_fetch (&warm));
  g_print ("warm-up fetch (Dovecot indexing): %.2f s\n", warm);

  /* Alternate which goes first, so neither always meets a warmer server. */
  for (guint i = 0; i < RUNS; i++)
    {
      GByteArray *r;
      double bare_cpu, parsed_cpu;

      if (i % 2)
        parsed[i] = casella_fetch (), parsed_cpu = last_cpu;
      r = bare_fetch (&bare[i]);
      bare_cpu = last_cpu;
      if (i % 2 == 0)
        parsed[i] = casella_fetch (), parsed_cpu = last_cpu;
      if (reply == NULL)
        reply = r;
      else
        g_byte_array_unref (r);
      g_print ("run %u: bare read %.3f s (CPU %.3f s), Casella %.3f s (CPU %.3f s)\n",
               i + 1, bare[i], bare_cpu, parsed[i], parsed_cpu);
    }
  bare_median = median (bare, RUNS);
  parsed_median = median (parsed, RUNS);

  /* Kept for profiling the parser alone (perf, callgrind). */
  if (g_getenv ("CASELLA_BENCH_DUMP"))
    g_file_set_contents (g_getenv ("CASELLA_BENCH_DUMP"), (const char *) reply->data, reply->len, NULL);

  parser_throughput (reply, FALSE, &raw_mbs, &raw_best);
  parser_throughput (reply, TRUE, &full_mbs, &full_best);

  g_print ("\nUID FETCH 1:* %s, %u messages, %.1f MB of reply\n", ITEMS, n_messages, reply->len / 1e6);
  g_print ("  bare socket read:  median %.3f s, best %.3f s (of %u)\n", bare_median, bare[0], RUNS);
  g_print ("  Casella, parsed:   median %.3f s, best %.3f s  (median %+.1f %%, best %+.1f %% over the bare read;"
           " target <= +30 %%)\n", parsed_median, parsed[0], (parsed_median / bare_median - 1) * 100,
           (parsed[0] / bare[0] - 1) * 100);
  g_print ("  parser in memory, responses only:  median %.0f MB/s, best %.0f MB/s\n", raw_mbs, raw_best);
  g_print ("  parser in memory, into structures: median %.0f MB/s, best %.0f MB/s  (target >= 200 MB/s)\n",
           full_mbs, full_best);

  casella_test_dovecot_free (dovecot);
  return 0;
}
