/* fuzz-pec-parser.c — a daticert.xml, or a whole message a certified mail
 * provider might have sent, whatever it holds
 *
 * The first byte picks which: even, the XML alone; odd, a message read
 * as the store and the reader read it (the provider's facts, the
 * message inside, the text for the index).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "casella-engine.h"
#include "casella-gmime.h"
#include "casella-message-compose.h"
#include "casella-pec.h"
#include "casella-store.h"
#include "fuzz.h"

static void
check_daticert (const CasellaDaticert *daticert)
{
  gsize length;

  if (daticert->recipients == NULL)
    abort ();
  for (guint i = 0; i < daticert->recipients->len; i++)
    if (((CasellaPecRecipient *) g_ptr_array_index (daticert->recipients, i))->address == NULL)
      abort ();
  if (daticert->msgid != NULL && ((length = strlen (daticert->msgid)) == 0 ||
                                  (daticert->msgid[0] == '<' && daticert->msgid[length - 1] == '>')))
    abort ();
}

static void
read_message (const unsigned char *data,
              size_t               size)
{
  g_autoptr(GBytes) raw = g_bytes_new (data, size);
  g_autoptr(GMimeMessage) message = casella_message_parse (raw);
  g_autoptr(GMimeMessage) inner = NULL;
  g_auto(CasellaBodyFacts) facts = { 0 };
  CasellaPec *pec;

  casella_body_facts_read (raw, &facts);
  if (message == NULL)
    return;
  pec = casella_pec_read (message);
  if (pec != NULL)
    {
      if (pec->kind == CASELLA_PEC_NONE)
        abort ();
      if (pec->daticert != NULL)
        check_daticert (pec->daticert);
      if (casella_pec_verify (raw, pec->provider_address, NULL, NULL) >= CASELLA_PEC_SIGNATURE_FORWARDED)
        abort ();
      casella_pec_free (pec);
    }
  inner = casella_pec_get_inner (message);
}

int
LLVMFuzzerTestOneInput (const unsigned char *data, size_t size)
{
  static gsize initialized;
  CasellaDaticert *daticert;
  GError *error = NULL;

  if (g_once_init_enter (&initialized))
    {
      casella_engine_init ();
      g_once_init_leave (&initialized, 1);
    }
  if (size == 0)
    return 0;
  if (data[0] & 1)
    {
      read_message (data + 1, size - 1);
      return 0;
    }
  daticert = casella_daticert_parse ((const char *) data + 1, size - 1, &error);
  if ((daticert == NULL) == (error == NULL))
    abort ();
  if (daticert != NULL)
    check_daticert (daticert);
  else if (error->domain != CASELLA_PEC_ERROR && error->domain != G_MARKUP_ERROR)
    abort ();
  casella_daticert_free (daticert);
  g_clear_error (&error);
  return 0;
}
