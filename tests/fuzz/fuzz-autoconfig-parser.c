/* fuzz-autoconfig-parser.c — config-v1.1 XML from any web server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "casella-config-xml.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const unsigned char *data, size_t size)
{
  GError *error = NULL;
  CasellaMailConfig *config = casella_config_xml_parse ((const char *) data, size, CASELLA_SOURCE_HTTP, &error);

  if (config != NULL)
    {
      CasellaMailConfig *resolved = casella_mail_config_resolve (config, "fuzz@example.test");

      for (guint i = 0; i < resolved->incoming->len; i++)
        g_free (casella_server_config_to_string (resolved->incoming->pdata[i]));
      casella_mail_config_unref (resolved);
      casella_mail_config_unref (config);
    }
  g_clear_error (&error);
  return 0;
}
