/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "upd-downloader-private.h"
#include "upd-downloader.h"
#include "upd-error-private.h"
#include "upd-fetch-private.h"
#include "upd-file-private.h"
#include "upd-http-private.h"
#include "upd-i18n-private.h"
#include "upd-manifest-private.h"
#include "upd-pack-private.h"
#include "upd-plan-private.h"
#include "upd-sha256-private.h"

#define UPD_DOWNLOADER_DEFAULT_PARALLEL	     4
#define UPD_DOWNLOADER_DEFAULT_STALL_TIMEOUT 30
#define UPD_DOWNLOADER_PROGRESS_INTERVAL_MS  250

/**
 * UpdDownloader:
 *
 * Downloads the objects of an #UpdPlan into the content-addressed cache
 * `$XDG_CACHE_HOME/updater/objects/`, several at a time, resuming partial
 * downloads, verifying every byte and honouring the application's bandwidth
 * limit. One downloader per application shares that limit between its
 * downloads.
 */
struct _UpdDownloader {
	GObject parent_instance;
	UpdAppConfig *config;	 /* (owned) */
	UpdRateLimiter *limiter; /* (owned) (nullable): NULL without a limit */
	guint max_parallel;
	guint stall_timeout;
	UpdFetchPolicy policy;
	guint64 bytes_received;
	guint deltas_applied;
	guint delta_fallbacks;
	guint64 delta_saved;
};

enum {
	SIGNAL_PROGRESS,
	N_SIGNALS,
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE(UpdDownloader, upd_downloader, G_TYPE_OBJECT)

static void
upd_downloader_finalize(GObject *object)
{
	UpdDownloader *self = UPD_DOWNLOADER(object);
	g_clear_object(&self->config);
	g_clear_pointer(&self->limiter, upd_rate_limiter_unref);
	G_OBJECT_CLASS(upd_downloader_parent_class)->finalize(object);
}

static void
upd_downloader_class_init(UpdDownloaderClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->finalize = upd_downloader_finalize;

	/**
	 * UpdDownloader::progress:
	 * @self: the downloader
	 * @done: bytes of the planned download present so far
	 * @total: bytes the plan downloads
	 * @rate: current transfer rate in bytes per second
	 * @eta: seconds until the download is complete, -1 when unknown
	 *
	 * Reports progress at most four times a second, and once more at the end.
	 *
	 * Since: 0.1
	 */
	signals[SIGNAL_PROGRESS] = g_signal_new(
		"progress", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
		G_TYPE_NONE, 4, G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_DOUBLE, G_TYPE_INT64);
}

static void
upd_downloader_init(UpdDownloader *self)
{
	self->max_parallel = UPD_DOWNLOADER_DEFAULT_PARALLEL;
	self->stall_timeout = UPD_DOWNLOADER_DEFAULT_STALL_TIMEOUT;
	self->policy.max_attempts = 5;
	self->policy.retry_delay_ms = 500;
	self->policy.max_delay_ms = 30000;
}

/**
 * upd_downloader_new:
 * @config: the application's configuration (endpoint, mirrors, bandwidth limit)
 *
 * Returns: (transfer full): a new #UpdDownloader
 *
 * Since: 0.1
 */
UpdDownloader *
upd_downloader_new(UpdAppConfig *config)
{
	UpdDownloader *self;

	g_return_val_if_fail(UPD_IS_APP_CONFIG(config), NULL);
	self = g_object_new(UPD_TYPE_DOWNLOADER, NULL);
	self->config = g_object_ref(config);
	if (upd_app_config_get_bandwidth_limit(config) > 0)
		self->limiter = upd_rate_limiter_new(upd_app_config_get_bandwidth_limit(config));
	return self;
}

/**
 * upd_downloader_set_max_parallel:
 * @self: an #UpdDownloader
 * @max_parallel: how many objects to download at once (default 4)
 *
 * Since: 0.1
 */
void
upd_downloader_set_max_parallel(UpdDownloader *self, guint max_parallel)
{
	g_return_if_fail(UPD_IS_DOWNLOADER(self));
	self->max_parallel = CLAMP(max_parallel, 1, 32);
}

/**
 * upd_downloader_set_stall_timeout:
 * @self: an #UpdDownloader
 * @seconds: how long a connection may deliver nothing before it is given up
 *   and retried (default 30)
 *
 * Since: 0.1
 */
void
upd_downloader_set_stall_timeout(UpdDownloader *self, guint seconds)
{
	g_return_if_fail(UPD_IS_DOWNLOADER(self));
	self->stall_timeout = MAX(seconds, 1);
}

/**
 * upd_downloader_set_retry_policy:
 * @self: an #UpdDownloader
 * @max_attempts: attempts per server that make no progress before the next
 *   server is tried (default 5)
 * @first_delay_ms: pause after the first failure, doubled after each further
 *   one, with ±25% jitter (default 500)
 * @max_delay_ms: longest pause (default 30000)
 *
 * Since: 0.1
 */
void
upd_downloader_set_retry_policy(UpdDownloader *self,
				guint max_attempts,
				guint first_delay_ms,
				guint max_delay_ms)
{
	g_return_if_fail(UPD_IS_DOWNLOADER(self));
	self->policy.max_attempts = MAX(max_attempts, 1);
	self->policy.retry_delay_ms = first_delay_ms;
	self->policy.max_delay_ms = MAX(max_delay_ms, first_delay_ms);
}

/**
 * upd_downloader_get_bytes_received:
 * @self: an #UpdDownloader
 *
 * Returns: the bytes received from servers during the last download
 *
 * Since: 0.1
 */
guint64
upd_downloader_get_bytes_received(UpdDownloader *self)
{
	g_return_val_if_fail(UPD_IS_DOWNLOADER(self), 0);
	return self->bytes_received;
}

guint
upd_downloader_get_n_deltas_applied(UpdDownloader *self)
{
	g_return_val_if_fail(UPD_IS_DOWNLOADER(self), 0);
	return self->deltas_applied;
}

guint
upd_downloader_get_n_delta_fallbacks(UpdDownloader *self)
{
	g_return_val_if_fail(UPD_IS_DOWNLOADER(self), 0);
	return self->delta_fallbacks;
}

guint64
upd_downloader_get_delta_saved_size(UpdDownloader *self)
{
	g_return_val_if_fail(UPD_IS_DOWNLOADER(self), 0);
	return self->delta_saved;
}

/* One download: a queue of objects shared by the worker threads. */
typedef struct {
	UpdDownloader *self;		/* (owned) */
	UpdPlan *plan;			/* (owned): keeps the items alive */
	GPtrArray *items;		/* (owned) (element-type UpdPlanItem) (unowned elements) */
	GPtrArray *base_urls;		/* (owned) (element-type utf8) */
	GTask *task;			/* (owned): the caller's */
	GCancellable *cancellable;	/* (owned): stops every worker */
	GCancellable *user_cancellable; /* (owned) (nullable) */
	gulong user_cancel_id;
	GMutex lock;
	guint next;
	guint running;
	GError *error; /* (owned) (nullable): the first failure */
	guint deltas_applied;
	guint delta_fallbacks;
	guint64 delta_saved;
	UpdFetchCounters counters;
	guint64 total;		  /* under counters.lock: grows when a delta falls back */
	GSource *progress_source; /* (owned) */
	gint64 last_time;
	guint64 last_network;
	gdouble rate;
	UpdRateLimiter *limiter; /* (owned) (nullable) */
	UpdFetchPolicy policy;
	guint stall_timeout;
} UpdDownloadJob;

static void
upd_download_job_clear(gpointer data)
{
	UpdDownloadJob *job = data;

	if (job->user_cancellable != NULL)
		g_cancellable_disconnect(job->user_cancellable, job->user_cancel_id);
	g_clear_object(&job->user_cancellable);
	if (job->progress_source != NULL) {
		g_source_destroy(job->progress_source);
		g_source_unref(job->progress_source);
	}
	g_clear_object(&job->cancellable);
	g_clear_object(&job->task);
	g_clear_object(&job->plan);
	g_clear_object(&job->self);
	g_ptr_array_unref(job->items);
	g_ptr_array_unref(job->base_urls);
	g_clear_error(&job->error);
	g_clear_pointer(&job->limiter, upd_rate_limiter_unref);
	g_mutex_clear(&job->lock);
	g_mutex_clear(&job->counters.lock);
}

static UpdDownloadJob *
upd_download_job_ref(UpdDownloadJob *job)
{
	return g_atomic_rc_box_acquire(job);
}

static void
upd_download_job_unref(UpdDownloadJob *job)
{
	g_atomic_rc_box_release_full(job, upd_download_job_clear);
}

static void
upd_download_job_emit_progress(UpdDownloadJob *job)
{
	gint64 now = g_get_monotonic_time();
	guint64 done;
	guint64 network;
	guint64 total;
	gint64 eta = -1;

	g_mutex_lock(&job->counters.lock);
	done = job->counters.done;
	network = job->counters.network;
	total = job->total;
	g_mutex_unlock(&job->counters.lock);
	if (now > job->last_time) {
		gdouble instant = (gdouble)(network - job->last_network) * G_USEC_PER_SEC /
				  (gdouble)(now - job->last_time);
		/* smoothed, so that the rate and the ETA do not jump about */
		job->rate = job->rate == 0 ? instant : 0.7 * job->rate + 0.3 * instant;
	}
	job->last_time = now;
	job->last_network = network;
	if (done >= total)
		eta = 0;
	else if (job->rate > 1)
		eta = (gint64)((gdouble)(total - done) / job->rate) + 1;
	g_signal_emit(job->self, signals[SIGNAL_PROGRESS], 0, MIN(done, total), total, job->rate,
		      eta);
}

static gboolean
upd_download_job_progress_cb(gpointer user_data)
{
	upd_download_job_emit_progress(user_data);
	return G_SOURCE_CONTINUE;
}

static void
upd_download_job_user_cancelled_cb(GCancellable *user_cancellable, gpointer user_data)
{
	UpdDownloadJob *job = user_data;
	g_cancellable_cancel(job->cancellable);
}

/* an object through its planned delta; when the delta cannot be used, the
 * whole object, with the download's total adjusted to match */
static gboolean
upd_download_delta(UpdDownloadJob *job,
		   const UpdPlanItem *item,
		   SoupSession *session,
		   GError **error)
{
	const Updater__Object *object = item->object;
	const Updater__Object *patch = item->delta->patch;
	UpdFetchCounters counters = {.parent = &job->counters};
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *delta_size = NULL;
	g_autofree gchar *full_size = NULL;
	gboolean ok;

	g_mutex_init(&counters.lock);
	ok = upd_fetch_delta(object, item->delta, item->local_path, job->base_urls, session,
			     job->limiter, &job->policy, &counters, job->cancellable, &error_local);
	g_mutex_clear(&counters.lock);
	if (ok) {
		g_mutex_lock(&job->lock);
		job->deltas_applied++;
		job->delta_saved += object->stored_size - patch->stored_size;
		g_mutex_unlock(&job->lock);
		return TRUE;
	}
	upd_error_convert(&error_local);
	if (!upd_fetch_delta_can_fall_back(error_local)) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	delta_size = g_format_size(patch->stored_size);
	full_size = g_format_size(object->stored_size);
	g_warning("object %s: the delta (%s) is unusable, downloading the whole object (%s) "
		  "instead: %s",
		  item->hex, delta_size, full_size, error_local->message);
	/* the plan counted the delta: count the whole object instead, and take
	 * back what the delta had added to the progress */
	g_mutex_lock(&job->counters.lock);
	job->counters.done -= MIN(counters.done, job->counters.done);
	job->total = job->total - patch->stored_size + object->stored_size;
	g_mutex_unlock(&job->counters.lock);
	g_mutex_lock(&job->lock);
	job->delta_fallbacks++;
	g_mutex_unlock(&job->lock);
	return upd_fetch_object(object, job->base_urls, session, job->limiter, &job->policy,
				&job->counters, job->cancellable, error);
}

/* one part of the pack, out of the pack; a delta that cannot be used, or a
 * part that does not verify, is fetched whole from the servers instead */
static gboolean
upd_download_pack_part(UpdDownloadJob *job,
		       const UpdPackPart *part,
		       int fd,
		       const gchar *pack_path,
		       SoupSession *session,
		       GError **error)
{
	const UpdPlanItem *item = upd_plan_lookup(job->plan, part->object->sha256.data);
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *full_size = NULL;
	gboolean ok;

	if (item->action == UPD_PLAN_ACTION_CACHED)
		return TRUE;
	if (part->delta != NULL)
		ok = upd_fetch_delta_from_pack(part->object, part->delta, item->local_path, fd,
					       pack_path, part->offset, job->cancellable,
					       &error_local);
	else
		ok = upd_fetch_object_from_pack(part->object, fd, pack_path, part->offset,
						job->cancellable, &error_local);
	if (ok) {
		if (part->delta != NULL) {
			g_mutex_lock(&job->lock);
			job->deltas_applied++;
			job->delta_saved += part->object->stored_size - part->part->stored_size;
			g_mutex_unlock(&job->lock);
		}
		return TRUE;
	}
	upd_error_convert(&error_local);
	if (!upd_fetch_delta_can_fall_back(error_local)) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	full_size = g_format_size(part->object->stored_size);
	g_warning("object %s: its part of pack %s is unusable, downloading the whole object "
		  "(%s) instead: %s",
		  item->hex, pack_path, full_size, error_local->message);
	g_mutex_lock(&job->counters.lock);
	job->total += part->object->stored_size;
	g_mutex_unlock(&job->counters.lock);
	g_mutex_lock(&job->lock);
	if (part->delta != NULL)
		job->delta_fallbacks++;
	g_mutex_unlock(&job->lock);
	return upd_fetch_object(part->object, job->base_urls, session, job->limiter, &job->policy,
				&job->counters, job->cancellable, error);
}

static gboolean
upd_download_item(UpdDownloadJob *job,
		  const UpdPlanItem *item,
		  SoupSession *session,
		  GError **error);

/* the pack: downloaded (and verified) into the cache like any object, then
 * cut into its parts, which get their own cache names; then it goes. A pack
 * that cannot be had (missing, or wrong bytes from every server) costs what
 * was received of it: its objects and deltas are fetched one by one. */
static gboolean
upd_download_pack(UpdDownloadJob *job, SoupSession *session, GError **error)
{
	const Updater__Pack *pack = upd_plan_get_pack(job->plan);
	GArray *parts = upd_plan_get_pack_parts(job->plan);
	g_autofree gchar *hex = upd_sha256_to_hex(pack->object->sha256.data);
	g_autofree gchar *pack_path = upd_plan_cache_path(hex);
	UpdFetchCounters counters = {.parent = &job->counters};
	g_autoptr(GError) error_local = NULL;
	g_auto(UpdFd) fd = -1;
	gboolean ok;

	g_mutex_init(&counters.lock);
	ok = upd_fetch_object(pack->object, job->base_urls, session, job->limiter, &job->policy,
			      &counters, job->cancellable, &error_local);
	g_mutex_clear(&counters.lock);
	if (!ok) {
		g_autofree gchar *size = g_format_size(pack->object->stored_size);
		upd_error_convert(&error_local);
		if (!upd_fetch_delta_can_fall_back(error_local)) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		g_warning("the pack from %s (%s) is unusable, fetching its %u objects one by "
			  "one: %s",
			  pack->from_version, size, parts->len, error_local->message);
		/* the objects' bytes are the pack's: take back what it added */
		g_mutex_lock(&job->counters.lock);
		job->counters.done -= MIN(counters.done, job->counters.done);
		g_mutex_unlock(&job->counters.lock);
		for (guint i = 0; i < job->items->len; i++) {
			if (!upd_download_item(job, g_ptr_array_index(job->items, i), session,
					       error))
				return FALSE;
		}
		return TRUE;
	}
	fd = open(pack_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		upd_file_set_error_errno(error, errno, _("cannot open %s"), pack_path);
		upd_error_convert(error);
		return FALSE;
	}
	for (guint i = 0; i < parts->len; i++) {
		if (!upd_download_pack_part(job, &g_array_index(parts, UpdPackPart, i), fd,
					    pack_path, session, error))
			return FALSE;
	}
	/* one syncfs for every part instead of two fsyncs each (1,100 parts
	 * for postgresql-15: 2.7 s -> 0.2 s); a part that a crash before this
	 * left damaged under its final name fails its digest when installed,
	 * which removes it from the cache for the next attempt */
	if (syncfs(fd) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot write %s"), pack_path);
		upd_error_convert(error);
		return FALSE;
	}
	g_unlink(pack_path);
	return TRUE;
}

static void
upd_download_pack_thread(GTask *worker,
			 gpointer source_object,
			 gpointer task_data,
			 GCancellable *unused)
{
	UpdDownloadJob *job = task_data;
	g_autoptr(SoupSession) session = upd_http_session_new(job->stall_timeout);
	g_autoptr(GError) error = NULL;

	if (!upd_download_pack(job, session, &error)) {
		g_mutex_lock(&job->lock);
		if (job->error == NULL)
			job->error = g_steal_pointer(&error);
		g_mutex_unlock(&job->lock);
	}
	g_task_return_boolean(worker, TRUE);
}

/* one object of the plan, by itself: through its delta or whole */
static gboolean
upd_download_item(UpdDownloadJob *job,
		  const UpdPlanItem *item,
		  SoupSession *session,
		  GError **error)
{
	if (item->action == UPD_PLAN_ACTION_DELTA)
		return upd_download_delta(job, item, session, error);
	return upd_fetch_object(item->object, job->base_urls, session, job->limiter, &job->policy,
				&job->counters, job->cancellable, error);
}

/* runs in a worker thread: takes objects from the queue until it is empty,
 * cancelled, or something failed */
static void
upd_download_worker_thread(GTask *worker,
			   gpointer source_object,
			   gpointer task_data,
			   GCancellable *unused)
{
	UpdDownloadJob *job = task_data;
	g_autoptr(SoupSession) session = upd_http_session_new(job->stall_timeout);

	for (;;) {
		const UpdPlanItem *item = NULL;
		g_autoptr(GError) error = NULL;
		gboolean ok;

		g_mutex_lock(&job->lock);
		if (job->next < job->items->len && job->error == NULL &&
		    !g_cancellable_is_cancelled(job->cancellable))
			item = g_ptr_array_index(job->items, job->next++);
		g_mutex_unlock(&job->lock);
		if (item == NULL)
			break;
		ok = upd_download_item(job, item, session, &error);
		if (!ok) {
			g_mutex_lock(&job->lock);
			if (job->error == NULL)
				job->error = g_steal_pointer(&error);
			g_mutex_unlock(&job->lock);
			/* the other workers stop too; their partials stay for a resume */
			g_cancellable_cancel(job->cancellable);
			break;
		}
	}
	g_task_return_boolean(worker, TRUE);
}

static void
upd_download_worker_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	UpdDownloadJob *job = user_data;
	GError *error;

	if (--job->running > 0) {
		upd_download_job_unref(job);
		return;
	}
	upd_download_job_emit_progress(job);
	g_mutex_lock(&job->counters.lock);
	job->self->bytes_received = job->counters.network;
	g_mutex_unlock(&job->counters.lock);
	job->self->deltas_applied = job->deltas_applied;
	job->self->delta_fallbacks = job->delta_fallbacks;
	job->self->delta_saved = job->delta_saved;

	if (job->user_cancellable != NULL && g_cancellable_is_cancelled(job->user_cancellable)) {
		g_task_return_new_error(job->task, UPD_ERROR, UPD_ERROR_CANCELLED,
					_("the download was cancelled; what was received is kept "
					  "for the next attempt"));
	} else if (job->error != NULL) {
		error = g_steal_pointer(&job->error);
		upd_error_convert(&error);
		g_task_return_error(job->task, error);
	} else {
		g_task_return_boolean(job->task, TRUE);
	}
	upd_download_job_unref(job);
}

static void
upd_downloader_add_base_url(GPtrArray *base_urls, const gchar *url)
{
	g_autofree gchar *normalised =
		g_str_has_suffix(url, "/") ? g_strdup(url) : g_strdup_printf("%s/", url);
	for (guint i = 0; i < base_urls->len; i++) {
		if (g_strcmp0(g_ptr_array_index(base_urls, i), normalised) == 0)
			return;
	}
	g_ptr_array_add(base_urls, g_steal_pointer(&normalised));
}

/**
 * upd_downloader_download_async:
 * @self: an #UpdDownloader
 * @plan: what to download, from upd_client_plan_async()
 * @cancellable: (nullable): a #GCancellable; what was received is kept
 * @callback: called when every object is in the cache, or on the first failure
 * @user_data: data for @callback
 *
 * Downloads the objects @plan marks for fetching into the cache, at most
 * #UpdDownloader:max-parallel at a time. Each object is tried from the
 * application's endpoint, then the manifest's mirrors in their order, then
 * the mirrors of the application's configuration. Emits
 * #UpdDownloader::progress.
 *
 * An object the plan gets through a binary delta is rebuilt in the cache
 * from the delta and a verified local base file, and its result is verified
 * like any download. When the delta cannot be used (its bytes or its result
 * do not verify, or it cannot be applied) a warning is logged and the whole
 * object is downloaded instead; the progress total grows accordingly.
 *
 * Since: 0.1
 */
void
upd_downloader_download_async(UpdDownloader *self,
			      UpdPlan *plan,
			      GCancellable *cancellable,
			      GAsyncReadyCallback callback,
			      gpointer user_data)
{
	g_autoptr(GTask) task = NULL;
	UpdDownloadJob *job;
	GPtrArray *items;
	GPtrArray *mirrors;
	guint workers;

	g_return_if_fail(UPD_IS_DOWNLOADER(self));
	g_return_if_fail(UPD_IS_PLAN(plan));
	g_return_if_fail(cancellable == NULL || G_IS_CANCELLABLE(cancellable));

	task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(task, upd_downloader_download_async);
	/* a cancelled download reports UPD_ERROR_CANCELLED itself, with what was kept */
	g_task_set_check_cancellable(task, FALSE);

	job = g_atomic_rc_box_new0(UpdDownloadJob);
	g_mutex_init(&job->lock);
	g_mutex_init(&job->counters.lock);
	job->self = g_object_ref(self);
	job->plan = g_object_ref(plan);
	job->task = g_object_ref(task);
	job->cancellable = g_cancellable_new();
	job->policy = self->policy;
	job->stall_timeout = self->stall_timeout;
	job->limiter = self->limiter != NULL ? upd_rate_limiter_ref(self->limiter) : NULL;
	job->items = g_ptr_array_new();
	job->base_urls = g_ptr_array_new_with_free_func(g_free);
	job->last_time = g_get_monotonic_time();
	items = upd_plan_get_items(plan);
	for (guint i = 0; i < items->len; i++) {
		UpdPlanItem *item = g_ptr_array_index(items, i);
		if (item->action == UPD_PLAN_ACTION_FETCH)
			job->total += item->object->stored_size;
		else if (item->action == UPD_PLAN_ACTION_DELTA)
			job->total += item->delta->patch->stored_size;
		else
			continue;
		g_ptr_array_add(job->items, item);
	}
	/* the pack's bytes are the sum of its parts' (upd_plan_choose_pack()) */
	if (upd_plan_get_pack(plan) != NULL)
		job->total = upd_plan_get_download_size(plan);
	upd_downloader_add_base_url(job->base_urls, upd_app_config_get_endpoint(self->config));
	mirrors = upd_manifest_get_mirrors(upd_plan_get_manifest(plan));
	for (guint i = 0; i < mirrors->len; i++)
		upd_downloader_add_base_url(job->base_urls, g_ptr_array_index(mirrors, i));
	mirrors = upd_app_config_get_mirrors(self->config);
	for (guint i = 0; i < mirrors->len; i++)
		upd_downloader_add_base_url(job->base_urls, g_ptr_array_index(mirrors, i));
	if (cancellable != NULL) {
		job->user_cancellable = g_object_ref(cancellable);
		job->user_cancel_id = g_cancellable_connect(
			cancellable, G_CALLBACK(upd_download_job_user_cancelled_cb), job, NULL);
	}
	self->bytes_received = 0;
	self->deltas_applied = 0;
	self->delta_fallbacks = 0;
	self->delta_saved = 0;

	if (job->items->len == 0) {
		upd_download_job_emit_progress(job);
		g_task_return_boolean(task, TRUE);
		upd_download_job_unref(job);
		return;
	}
	job->progress_source = g_timeout_source_new(UPD_DOWNLOADER_PROGRESS_INTERVAL_MS);
	g_source_set_callback(job->progress_source, upd_download_job_progress_cb, job, NULL);
	g_source_attach(job->progress_source, g_main_context_get_thread_default());

	/* a pack is one download: one worker */
	workers = upd_plan_get_pack(plan) != NULL ? 1 : MIN(self->max_parallel, job->items->len);
	job->running = workers;
	for (guint i = 0; i < workers; i++) {
		g_autoptr(GTask) worker = g_task_new(NULL, NULL, upd_download_worker_done_cb,
						     upd_download_job_ref(job));
		GTaskThreadFunc func = upd_plan_get_pack(plan) != NULL ? upd_download_pack_thread
								       : upd_download_worker_thread;
		g_task_set_source_tag(worker, func);
		g_task_set_task_data(worker, upd_download_job_ref(job),
				     (GDestroyNotify)upd_download_job_unref);
		g_task_run_in_thread(worker, func);
	}
	/* the job lives as long as its workers' callbacks */
	upd_download_job_unref(job);
}

/**
 * upd_downloader_download_finish:
 * @self: an #UpdDownloader
 * @res: the #GAsyncResult
 * @error: (nullable): return location for a #GError
 *
 * Errors are in %UPD_ERROR: %UPD_ERROR_DIGEST_MISMATCH naming the object, the
 * expected and the actual digest when every server sent wrong bytes;
 * %UPD_ERROR_NETWORK, %UPD_ERROR_TLS, %UPD_ERROR_SERVER, %UPD_ERROR_NOT_FOUND
 * when no server could deliver; %UPD_ERROR_TOO_LARGE for oversized answers;
 * %UPD_ERROR_NO_SPACE; %UPD_ERROR_CANCELLED. Partial downloads are kept.
 *
 * Returns: %TRUE when every object of the plan is in the cache
 *
 * Since: 0.1
 */
gboolean
upd_downloader_download_finish(UpdDownloader *self, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(UPD_IS_DOWNLOADER(self), FALSE);
	g_return_val_if_fail(g_task_is_valid(res, self), FALSE);
	return g_task_propagate_boolean(G_TASK(res), error);
}
