/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-client.h"

/* The synchronous API runs the asynchronous one on a private main context, so
 * there is one implementation of every operation. */

typedef struct {
	GMainContext *context; /* (unowned) */
	GAsyncResult *res;     /* (owned) (nullable) */
} UpdClientSyncHelper;

static void
upd_client_sync_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	UpdClientSyncHelper *helper = user_data;
	helper->res = g_object_ref(res);
	g_main_context_wakeup(helper->context);
}

static void
upd_client_sync_wait(UpdClientSyncHelper *helper)
{
	while (helper->res == NULL)
		g_main_context_iteration(helper->context, TRUE);
}

/**
 * upd_client_check:
 * @self: an #UpdClient
 * @cancellable: (nullable): a #GCancellable
 * @error: (nullable): return location for a #GError
 *
 * Synchronous version of upd_client_check_async(); do not call it from a
 * thread that runs a main loop others depend on.
 *
 * Returns: (transfer full): the result, or %NULL
 *
 * Since: 0.1
 */
UpdCheckResult *
upd_client_check(UpdClient *self, GCancellable *cancellable, GError **error)
{
	g_autoptr(GMainContext) context = g_main_context_new();
	UpdClientSyncHelper helper = {context, NULL};
	UpdCheckResult *result;

	g_return_val_if_fail(UPD_IS_CLIENT(self), NULL);

	g_main_context_push_thread_default(context);
	upd_client_check_async(self, cancellable, upd_client_sync_cb, &helper);
	upd_client_sync_wait(&helper);
	g_main_context_pop_thread_default(context);
	result = upd_client_check_finish(self, helper.res, error);
	g_object_unref(helper.res);
	return result;
}
