/* casella-await.c — an asynchronous call, waited for in order
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "casella-await.h"

void
casella_await_init (CasellaAwait *await)
{
  await->context = g_main_context_ref_thread_default ();
  await->result = NULL;
  await->done = FALSE;
}

void
casella_await_clear (CasellaAwait *await)
{
  g_clear_object (&await->result);
  g_clear_pointer (&await->context, g_main_context_unref);
}

void
casella_await_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  CasellaAwait *await = user_data;

  g_set_object (&await->result, result);
  await->done = TRUE;
}

GAsyncResult *
casella_await (CasellaAwait *await)
{
  while (!await->done)
    g_main_context_iteration (await->context, TRUE);
  await->done = FALSE;
  return await->result;
}
