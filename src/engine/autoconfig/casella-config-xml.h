/* casella-config-xml.h — the autoconfig format (config-v1.1 XML) read
 * into settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "casella-mail-config.h"

G_BEGIN_DECLS

#define CASELLA_CONFIG_XML_ERROR (casella_config_xml_error_quark ())

typedef enum {
  CASELLA_CONFIG_XML_ERROR_TOO_LARGE,
  CASELLA_CONFIG_XML_ERROR_MALFORMED,
  CASELLA_CONFIG_XML_ERROR_TOO_DEEP,
  CASELLA_CONFIG_XML_ERROR_NOT_AUTOCONFIG,
  CASELLA_CONFIG_XML_ERROR_NO_SERVERS,
} CasellaConfigXmlError;

#define CASELLA_CONFIG_XML_MAX_SIZE (1024 * 1024)

GQuark             casella_config_xml_error_quark (void);
CasellaMailConfig *casella_config_xml_parse       (const char           *data,
                                                   gsize                 length,
                                                   CasellaConfigSource   source,
                                                   GError              **error);

G_END_DECLS
