/* casella-test-util.h — small helpers shared by the test fixtures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

guint16   casella_test_free_port       (void);
guint16   casella_test_closed_port     (void);
gboolean  casella_test_wait_for_port   (guint16      port,
                                        guint        timeout_ms,
                                        GError     **error);
char     *casella_test_make_tmpdir     (const char  *prefix);
void      casella_test_rm_rf           (const char  *path);
gboolean  casella_test_run             (const char * const *argv,
                                        GError     **error);
const char *casella_test_lib_dir       (void);
gboolean  casella_test_wait_until      (GSourceFunc  check,
                                        gpointer     data,
                                        guint        timeout_ms);
GSubprocess *casella_test_spawn        (const char * const *argv,
                                        const char  *log_path,
                                        gboolean     pipe_stdout,
                                        GError     **error);
void      casella_test_stop_subprocess (GSubprocess *process,
                                        guint        timeout_ms);

/* Await an async call in a test:
 *   g_autoptr(GAsyncResult) result = NULL;
 *   foo_async (…, casella_test_store_result, &result);
 *   casella_test_await (&result);
 *   foo_finish (…, result, &error); */
void      casella_test_store_result    (GObject       *source,
                                        GAsyncResult  *result,
                                        gpointer       user_data);
void      casella_test_await           (GAsyncResult **slot);
void      casella_test_await_timeout   (GAsyncResult **slot,
                                        guint          timeout_ms);

void      casella_test_assert_no_file_holds (const char *dir,
                                             const char *secret);

/* In a test's child process only: makes dir a tmpfs of size_mb in a
 * mount namespace of the process's own (a user namespace when that is
 * allowed, so root is not needed); aborts the test when neither works. */
void      casella_test_small_disk      (const char  *dir,
                                        guint        size_mb);

/* Damages the first page of table in the SQLite file at path (closed,
 * its WAL checkpointed), as a bad disk sector would. */
void      casella_test_damage_table    (const char  *path,
                                        const char  *table);

/* An RFC 5322 Date header value: English names whatever the locale. */
char     *casella_test_date_header     (gint64       when);

/* The test's language ("en", or LANGUAGE's first) and the names dates
 * must use in it, from the test's own tables, not from the C library:
 * month 1-12, weekday 1 (Monday) to 7. */
const char *casella_test_language      (void);
const char *casella_test_month_name    (guint        month,
                                        gboolean     abbreviated);
const char *casella_test_weekday_name  (guint        weekday,
                                        gboolean     abbreviated);

G_END_DECLS
