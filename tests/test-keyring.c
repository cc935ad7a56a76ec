/* test-keyring.c — the private Secret Service session stores and forgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <libsecret/secret.h>

static const SecretSchema test_schema = {
  "io.github.casellamail.Casella.HarnessCheck", SECRET_SCHEMA_NONE,
  {
    { "account-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

static void
test_keyring_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *found = NULL;
  gboolean removed;

  g_assert_nonnull (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));

  secret_password_store_sync (&test_schema, SECRET_COLLECTION_DEFAULT, "Harness check",
                              "s3cret-ü", NULL, &error, "account-id", "harness", NULL);
  g_assert_no_error (error);

  found = secret_password_lookup_sync (&test_schema, NULL, &error, "account-id", "harness", NULL);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, "s3cret-ü");

  removed = secret_password_clear_sync (&test_schema, NULL, &error, "account-id", "harness", NULL);
  g_assert_no_error (error);
  g_assert_true (removed);

  g_clear_pointer (&found, g_free);
  found = secret_password_lookup_sync (&test_schema, NULL, &error, "account-id", "harness", NULL);
  g_assert_no_error (error);
  g_assert_null (found);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/harness/keyring/round-trip", test_keyring_round_trip);
  return g_test_run ();
}
