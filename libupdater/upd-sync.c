/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-client.h"
#include "upd-downloader.h"
#include "upd-transaction.h"

/* The synchronous API runs the asynchronous one on a private main context, so
 * there is one implementation of every operation. Do not call these from a
 * thread whose main loop others depend on. */

typedef struct {
	GMainContext *context; /* (owned) */
	GAsyncResult *res;     /* (owned) (nullable) */
} UpdSyncHelper;

static void
upd_sync_helper_init(UpdSyncHelper *helper)
{
	helper->context = g_main_context_new();
	helper->res = NULL;
	g_main_context_push_thread_default(helper->context);
}

static void
upd_sync_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	UpdSyncHelper *helper = user_data;
	helper->res = g_object_ref(res);
	g_main_context_wakeup(helper->context);
}

static GAsyncResult *
upd_sync_helper_wait(UpdSyncHelper *helper)
{
	while (helper->res == NULL)
		g_main_context_iteration(helper->context, TRUE);
	g_main_context_pop_thread_default(helper->context);
	return helper->res;
}

static void
upd_sync_helper_clear(UpdSyncHelper *helper)
{
	g_clear_object(&helper->res);
	g_main_context_unref(helper->context);
}

/**
 * upd_client_check:
 * @self: an #UpdClient
 * @cancellable: (nullable): a #GCancellable
 * @error: (nullable): return location for a #GError
 *
 * Synchronous version of upd_client_check_async().
 *
 * Returns: (transfer full): the result, or %NULL
 *
 * Since: 0.1
 */
UpdCheckResult *
upd_client_check(UpdClient *self, GCancellable *cancellable, GError **error)
{
	UpdSyncHelper helper;
	UpdCheckResult *result;

	g_return_val_if_fail(UPD_IS_CLIENT(self), NULL);
	upd_sync_helper_init(&helper);
	upd_client_check_async(self, cancellable, upd_sync_cb, &helper);
	result = upd_client_check_finish(self, upd_sync_helper_wait(&helper), error);
	upd_sync_helper_clear(&helper);
	return result;
}

/**
 * upd_client_plan:
 * @self: an #UpdClient
 * @result: a check's result
 * @release: (nullable): the release to plan for, %NULL for the newest offered
 * @cancellable: (nullable): a #GCancellable
 * @error: (nullable): return location for a #GError
 *
 * Synchronous version of upd_client_plan_async().
 *
 * Returns: (transfer full): the plan, or %NULL
 *
 * Since: 0.1
 */
UpdPlan *
upd_client_plan(UpdClient *self,
		UpdCheckResult *result,
		UpdRelease *release,
		GCancellable *cancellable,
		GError **error)
{
	UpdSyncHelper helper;
	UpdPlan *plan;

	g_return_val_if_fail(UPD_IS_CLIENT(self), NULL);
	upd_sync_helper_init(&helper);
	upd_client_plan_async(self, result, release, cancellable, upd_sync_cb, &helper);
	plan = upd_client_plan_finish(self, upd_sync_helper_wait(&helper), error);
	upd_sync_helper_clear(&helper);
	return plan;
}

/**
 * upd_downloader_download:
 * @self: an #UpdDownloader
 * @plan: what to download
 * @cancellable: (nullable): a #GCancellable
 * @error: (nullable): return location for a #GError
 *
 * Synchronous version of upd_downloader_download_async(); the progress
 * signal is emitted from the private main context of the call.
 *
 * Returns: %TRUE when every planned object is in the cache
 *
 * Since: 0.1
 */
gboolean
upd_downloader_download(UpdDownloader *self,
			UpdPlan *plan,
			GCancellable *cancellable,
			GError **error)
{
	UpdSyncHelper helper;
	gboolean ok;

	g_return_val_if_fail(UPD_IS_DOWNLOADER(self), FALSE);
	upd_sync_helper_init(&helper);
	upd_downloader_download_async(self, plan, cancellable, upd_sync_cb, &helper);
	ok = upd_downloader_download_finish(self, upd_sync_helper_wait(&helper), error);
	upd_sync_helper_clear(&helper);
	return ok;
}

/**
 * upd_transaction_install:
 * @self: an #UpdTransaction
 * @plan: a plan whose objects are downloaded
 * @flags: #UpdInstallFlags
 * @cancellable: (nullable): a #GCancellable
 * @error: (nullable): return location for a #GError
 *
 * Synchronous version of upd_transaction_install_async().
 *
 * Returns: %TRUE when the release is installed and current
 *
 * Since: 0.1
 */
gboolean
upd_transaction_install(UpdTransaction *self,
			UpdPlan *plan,
			UpdInstallFlags flags,
			GCancellable *cancellable,
			GError **error)
{
	UpdSyncHelper helper;
	gboolean ok;

	g_return_val_if_fail(UPD_IS_TRANSACTION(self), FALSE);
	upd_sync_helper_init(&helper);
	upd_transaction_install_async(self, plan, flags, cancellable, upd_sync_cb, &helper);
	ok = upd_transaction_install_finish(self, upd_sync_helper_wait(&helper), error);
	upd_sync_helper_clear(&helper);
	return ok;
}

/**
 * upd_transaction_rollback:
 * @self: an #UpdTransaction
 * @cancellable: (nullable): a #GCancellable
 * @error: (nullable): return location for a #GError
 *
 * Synchronous version of upd_transaction_rollback_async().
 *
 * Returns: (transfer full): the version now current, or %NULL
 *
 * Since: 0.1
 */
gchar *
upd_transaction_rollback(UpdTransaction *self, GCancellable *cancellable, GError **error)
{
	UpdSyncHelper helper;
	gchar *version;

	g_return_val_if_fail(UPD_IS_TRANSACTION(self), NULL);
	upd_sync_helper_init(&helper);
	upd_transaction_rollback_async(self, cancellable, upd_sync_cb, &helper);
	version = upd_transaction_rollback_finish(self, upd_sync_helper_wait(&helper), error);
	upd_sync_helper_clear(&helper);
	return version;
}
