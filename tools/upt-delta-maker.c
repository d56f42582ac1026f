/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "upd-delta-private.h"
#include "upd-error.h"
#include "upd-i18n-private.h"
#include "upd-sha256-private.h"
#include "upd-zstd-private.h"
#include "upt-cli.h"
#include "upt-delta-maker.h"

static const UpdDeltaFormat upt_delta_formats[] = {
	UPD_DELTA_FORMAT_UPDIFF,
	UPD_DELTA_FORMAT_ZSTD_PATCH,
};

typedef struct {
	const Updater__Object *object; /* (unowned): the staging's or the old manifest's */
	gchar *hex;		       /* (owned) */
	gchar *path;		       /* (owned): the new content */
	GPtrArray *pairs;	       /* (owned) (element-type UptDeltaPair) */
	Updater__Object *copy;	       /* (owned) (nullable): what is published */
	Updater__Delta **deltas;       /* (owned) (nullable): the copy's deltas */
} UptDeltaTarget;

typedef struct {
	UptDeltaTarget *target;	     /* (unowned) */
	const Updater__Object *base; /* (unowned) */
	gchar *base_hex;	     /* (owned) */
	/* under the maker's lock, while jobs run */
	guint pending; /* jobs not finished */
	GBytes *best;  /* (owned) (nullable): the smallest delta made so far */
	UpdDeltaFormat best_format;
	gboolean warned; /* the base could not be read: said once */
	/* the result */
	const Updater__Object *patch; /* (unowned) (nullable): the staging's */
	UpdDeltaFormat format;
	Updater__Delta delta;
} UptDeltaPair;

typedef struct {
	UptDeltaPair *pair; /* (unowned) */
	UpdDeltaFormat format;
	guint64 cost; /* bytes counted against the bound while it runs */
} UptDeltaJob;

struct _UptDeltaMaker {
	GObject parent_instance;
	UptRepository *repo;	   /* (owned) */
	UptStaging *staging;	   /* (owned) */
	GPtrArray *targets;	   /* (owned) (element-type UptDeltaTarget) */
	GHashTable *by_target;	   /* (owned): hex -> (unowned) UptDeltaTarget */
	GCancellable *cancellable; /* (owned): stops the jobs after a failure */
	guint64 memory_bound;
	guint n_threads;
	GMutex lock;
	GCond memory_freed;
	guint64 memory_used; /* under lock */
	guint64 memory_peak; /* under lock */
	GError *error;	     /* (owned) (nullable): under lock, the first failure */
	guint n_deltas;
	guint64 delta_bytes;
	guint64 full_bytes;
};

G_DEFINE_TYPE(UptDeltaMaker, upt_delta_maker, G_TYPE_OBJECT)

static void
upt_delta_pair_free(gpointer ptr)
{
	UptDeltaPair *pair = ptr;
	g_clear_pointer(&pair->best, g_bytes_unref);
	g_free(pair->base_hex);
	g_free(pair);
}

static void
upt_delta_target_free(gpointer ptr)
{
	UptDeltaTarget *target = ptr;
	g_free(target->hex);
	g_free(target->path);
	g_ptr_array_unref(target->pairs);
	g_free(target->deltas);
	g_free(target->copy);
	g_free(target);
}

static void
upt_delta_maker_dispose(GObject *object)
{
	UptDeltaMaker *self = UPT_DELTA_MAKER(object);
	g_clear_object(&self->repo);
	g_clear_object(&self->staging);
	g_clear_object(&self->cancellable);
	G_OBJECT_CLASS(upt_delta_maker_parent_class)->dispose(object);
}

static void
upt_delta_maker_finalize(GObject *object)
{
	UptDeltaMaker *self = UPT_DELTA_MAKER(object);
	g_hash_table_unref(self->by_target);
	g_ptr_array_unref(self->targets);
	g_clear_error(&self->error);
	g_mutex_clear(&self->lock);
	g_cond_clear(&self->memory_freed);
	G_OBJECT_CLASS(upt_delta_maker_parent_class)->finalize(object);
}

static void
upt_delta_maker_class_init(UptDeltaMakerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = upt_delta_maker_dispose;
	object_class->finalize = upt_delta_maker_finalize;
}

static void
upt_delta_maker_init(UptDeltaMaker *self)
{
	self->targets = g_ptr_array_new_with_free_func(upt_delta_target_free);
	self->by_target = g_hash_table_new(g_str_hash, g_str_equal);
	self->cancellable = g_cancellable_new();
	g_mutex_init(&self->lock);
	g_cond_init(&self->memory_freed);
}

UptDeltaMaker *
upt_delta_maker_new(UptRepository *repo, UptStaging *staging, guint64 memory_bound, guint n_threads)
{
	UptDeltaMaker *self = g_object_new(UPT_TYPE_DELTA_MAKER, NULL);

	self->repo = g_object_ref(repo);
	self->staging = g_object_ref(staging);
	self->memory_bound = memory_bound;
	self->n_threads = MAX(n_threads, 1);
	return self;
}

guint64
upt_delta_maker_default_memory_bound(void)
{
	long pages = sysconf(_SC_PHYS_PAGES);
	long page_size = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || page_size <= 0)
		return (guint64)2 * 1024 * 1024 * 1024;
	return (guint64)pages * (guint64)page_size / 2;
}

void
upt_delta_maker_add(UptDeltaMaker *self,
		    const Updater__Object *target,
		    const gchar *path,
		    const Updater__Object *base)
{
	g_autofree gchar *hex = upd_sha256_to_hex(target->sha256.data);
	g_autofree gchar *base_hex = upd_sha256_to_hex(base->sha256.data);
	UptDeltaTarget *entry;
	UptDeltaPair *pair;

	/* a delta saves at most the stored size, and costs a request and an
	 * extra step on the client: not worth it for tiny objects */
	if (target->stored_size < UPT_DELTA_MIN_STORED_SIZE || base->size == 0 ||
	    g_strcmp0(hex, base_hex) == 0)
		return;
	entry = g_hash_table_lookup(self->by_target, hex);
	if (entry == NULL) {
		entry = g_new0(UptDeltaTarget, 1);
		entry->object = target;
		entry->hex = g_steal_pointer(&hex);
		entry->path = g_strdup(path);
		entry->pairs = g_ptr_array_new_with_free_func(upt_delta_pair_free);
		g_ptr_array_add(self->targets, entry);
		g_hash_table_insert(self->by_target, entry->hex, entry);
	}
	for (guint i = 0; i < entry->pairs->len; i++) {
		UptDeltaPair *other = g_ptr_array_index(entry->pairs, i);
		if (g_strcmp0(other->base_hex, base_hex) == 0)
			return;
	}
	pair = g_new0(UptDeltaPair, 1);
	pair->target = entry;
	pair->base = base;
	pair->base_hex = g_steal_pointer(&base_hex);
	g_ptr_array_add(entry->pairs, pair);
}

/* whether a delta of @size is worth publishing for @target */
static gboolean
upt_delta_maker_pays_off(const Updater__Object *target, guint64 size)
{
	return size * 100 <= target->stored_size * UPT_DELTA_MAX_PERCENT;
}

/* ------------------------------------------------------------- contents */

/* the base's content, from its stored object in the repository, verified */
static GBytes *
upt_delta_maker_load_base(UptDeltaMaker *self, const Updater__Object *base, GError **error)
{
	g_autofree gchar *path = upt_repository_build_path(self->repo, base->path);
	g_autoptr(GMappedFile) mapped = g_mapped_file_new(path, FALSE, error);
	g_autoptr(GBytes) stored = NULL;
	g_autoptr(GBytes) content = NULL;
	guint8 digest[UPD_SHA256_LEN];

	if (mapped == NULL)
		return NULL;
	stored = g_mapped_file_get_bytes(mapped);
	if (g_bytes_get_size(stored) != base->stored_size) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("%s has %" PRIu64 " bytes, the manifest says %" PRIu64), path,
			    (guint64)g_bytes_get_size(stored), (guint64)base->stored_size);
		return NULL;
	}
	if (base->compression == UPDATER__COMPRESSION__COMPRESSION_ZSTD) {
		g_autoptr(ZSTD_DCtx) dctx = ZSTD_createDCtx();
		gsize len = 0;
		gconstpointer data = g_bytes_get_data(stored, &len);
		guint8 *buf = g_try_malloc(base->size);
		gsize rc;

		if (buf == NULL) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_FAILED,
				    _("not enough memory to decompress %s"), path);
			return NULL;
		}
		rc = ZSTD_decompressDCtx(dctx, buf, base->size, data, len);
		if (ZSTD_isError(rc) || rc != base->size) {
			g_free(buf);
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("%s does not decompress to the %" PRIu64
				      " bytes the manifest says"),
				    path, (guint64)base->size);
			return NULL;
		}
		content = g_bytes_new_take(buf, base->size);
	} else {
		content = g_bytes_ref(stored);
	}
	upd_sha256_data(g_bytes_get_data(content, NULL), g_bytes_get_size(content), digest);
	if (g_bytes_get_size(content) != base->size ||
	    memcmp(digest, base->sha256.data, UPD_SHA256_LEN) != 0) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_DIGEST_MISMATCH,
			    _("%s is damaged: its content does not match its SHA-256"), path);
		return NULL;
	}
	return g_steal_pointer(&content);
}

/* the new content, mapped; it must still be what was hashed */
static GBytes *
upt_delta_maker_map_target(UptDeltaTarget *target, GError **error)
{
	g_autoptr(GMappedFile) mapped = g_mapped_file_new(target->path, FALSE, error);
	g_autoptr(GBytes) bytes = NULL;

	if (mapped == NULL)
		return NULL;
	bytes = g_mapped_file_get_bytes(mapped);
	if (g_bytes_get_size(bytes) != target->object->size) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_IO, _("%s changed while it was published"),
			    target->path);
		return NULL;
	}
	return g_steal_pointer(&bytes);
}

/* ----------------------------------------------------------------- jobs */

static void
upt_delta_maker_fail(UptDeltaMaker *self, GError *error)
{
	g_mutex_lock(&self->lock);
	if (self->error == NULL)
		self->error = error;
	else
		g_error_free(error);
	g_mutex_unlock(&self->lock);
	g_cancellable_cancel(self->cancellable);
}

static void
upt_delta_maker_acquire(UptDeltaMaker *self, guint64 cost)
{
	g_mutex_lock(&self->lock);
	while (self->memory_used > 0 && self->memory_used + cost > self->memory_bound)
		g_cond_wait(&self->memory_freed, &self->lock);
	self->memory_used += cost;
	self->memory_peak = MAX(self->memory_peak, self->memory_used);
	g_mutex_unlock(&self->lock);
}

static void
upt_delta_maker_release(UptDeltaMaker *self, guint64 cost)
{
	g_mutex_lock(&self->lock);
	self->memory_used -= cost;
	g_cond_broadcast(&self->memory_freed);
	g_mutex_unlock(&self->lock);
}

/* the last job of a pair stores the smaller of its deltas, if it pays off */
static void
upt_delta_maker_finish_pair(UptDeltaMaker *self, UptDeltaPair *pair)
{
	g_autoptr(GError) error = NULL;
	const gchar *extension = upd_delta_format_to_extension(pair->best_format);

	if (pair->best == NULL ||
	    !upt_delta_maker_pays_off(pair->target->object, g_bytes_get_size(pair->best))) {
		g_debug("no delta from %s to %s: %s", pair->base_hex, pair->target->path,
			pair->best == NULL ? "none made" : "too large");
		g_clear_pointer(&pair->best, g_bytes_unref);
		return;
	}
	pair->patch = upt_staging_add_delta(self->staging, pair->base->sha256.data,
					    pair->target->object->sha256.data, extension,
					    pair->best, &error);
	pair->format = pair->best_format;
	g_clear_pointer(&pair->best, g_bytes_unref);
	if (pair->patch == NULL)
		upt_delta_maker_fail(self, g_steal_pointer(&error));
}

static void
upt_delta_maker_job_cb(gpointer data, gpointer user_data)
{
	UptDeltaMaker *self = user_data;
	UptDeltaJob *job = data;
	UptDeltaPair *pair = job->pair;
	g_autoptr(GBytes) base = NULL;
	g_autoptr(GBytes) target = NULL;
	g_autoptr(GBytes) delta = NULL;
	g_autoptr(GError) error = NULL;
	gboolean last;

	if (!g_cancellable_is_cancelled(self->cancellable)) {
		upt_delta_maker_acquire(self, job->cost);
		base = upt_delta_maker_load_base(self, pair->base, &error);
		if (base == NULL) {
			gboolean warn;
			g_mutex_lock(&self->lock);
			warn = !pair->warned;
			pair->warned = TRUE;
			g_mutex_unlock(&self->lock);
			if (warn)
				upt_cli_warn(_("no delta from %s: %s"), pair->base->path,
					     error->message);
		} else {
			target = upt_delta_maker_map_target(pair->target, &error);
			if (target == NULL)
				upt_delta_maker_fail(self, g_steal_pointer(&error));
		}
		if (target != NULL) {
			delta = upd_delta_encode(job->format, base, target, 0, self->cancellable,
						 &error);
			if (delta == NULL &&
			    !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
			    !g_error_matches(error, UPD_ERROR, UPD_ERROR_CANCELLED))
				upt_cli_warn(_("no %s delta from %s for %s: %s"),
					     upd_delta_format_to_extension(job->format),
					     pair->base->path, pair->target->path, error->message);
		}
		g_clear_pointer(&base, g_bytes_unref);
		g_clear_pointer(&target, g_bytes_unref);
		upt_delta_maker_release(self, job->cost);
	}

	g_mutex_lock(&self->lock);
	if (delta != NULL &&
	    (pair->best == NULL || g_bytes_get_size(delta) < g_bytes_get_size(pair->best))) {
		g_clear_pointer(&pair->best, g_bytes_unref);
		pair->best = g_steal_pointer(&delta);
		pair->best_format = job->format;
	}
	last = --pair->pending == 0;
	g_mutex_unlock(&self->lock);
	if (last && !g_cancellable_is_cancelled(self->cancellable))
		upt_delta_maker_finish_pair(self, pair);
	g_free(job);
}

static gint
upt_delta_maker_compare_jobs(gconstpointer a, gconstpointer b)
{
	const UptDeltaJob *ja = *(const UptDeltaJob *const *)a;
	const UptDeltaJob *jb = *(const UptDeltaJob *const *)b;

	/* the largest first: the small ones fill the gaps they leave */
	if (ja->cost != jb->cost)
		return ja->cost > jb->cost ? -1 : 1;
	return 0;
}

/* a delta of the pair the repository has already (published for another
 * channel, or before a release was removed): the smaller one */
static gboolean
upt_delta_maker_find_existing(UptDeltaMaker *self, UptDeltaPair *pair, GError **error)
{
	for (guint i = 0; i < G_N_ELEMENTS(upt_delta_formats); i++) {
		UpdDeltaFormat format = upt_delta_formats[i];
		g_autoptr(GError) error_local = NULL;
		const Updater__Object *patch = upt_staging_find_delta(
			self->staging, pair->base->sha256.data, pair->target->object->sha256.data,
			upd_delta_format_to_extension(format), &error_local);
		if (error_local != NULL) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		if (patch == NULL ||
		    !upt_delta_maker_pays_off(pair->target->object, patch->stored_size) ||
		    pair->target->object->size > upd_delta_max_target_size(format))
			continue;
		if (pair->patch == NULL || patch->stored_size < pair->patch->stored_size) {
			pair->patch = patch;
			pair->format = format;
		}
	}
	return TRUE;
}

/* ----------------------------------------------------------- the result */

static gint
upt_delta_maker_compare_deltas(gconstpointer a, gconstpointer b)
{
	const Updater__Delta *da = *(Updater__Delta *const *)a;
	const Updater__Delta *db = *(Updater__Delta *const *)b;

	if (da->patch->stored_size != db->patch->stored_size)
		return da->patch->stored_size < db->patch->stored_size ? -1 : 1;
	return 0;
}

/* the target as published: its deltas, smallest first, with the ones it had
 * for other bases */
static void
upt_delta_maker_build_copy(UptDeltaMaker *self, UptDeltaTarget *target)
{
	const Updater__Object *object = target->object;
	g_autoptr(GPtrArray) deltas = g_ptr_array_new();
	g_autoptr(GHashTable) bases = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < target->pairs->len; i++) {
		UptDeltaPair *pair = g_ptr_array_index(target->pairs, i);
		if (pair->patch == NULL)
			continue;
		updater__delta__init(&pair->delta);
		pair->delta.has_base_sha256 = TRUE;
		pair->delta.base_sha256 = pair->base->sha256;
		pair->delta.has_format = TRUE;
		pair->delta.format = (Updater__DeltaFormat)pair->format;
		pair->delta.patch = (Updater__Object *)pair->patch;
		g_ptr_array_add(deltas, &pair->delta);
		g_hash_table_add(bases, pair->base_hex);
		self->n_deltas++;
		self->delta_bytes += pair->patch->stored_size;
		self->full_bytes += object->stored_size;
	}
	if (deltas->len == 0)
		return;
	for (gsize i = 0; i < object->n_deltas; i++) {
		g_autofree gchar *hex = upd_sha256_to_hex(object->deltas[i]->base_sha256.data);
		if (!g_hash_table_contains(bases, hex))
			g_ptr_array_add(deltas, object->deltas[i]);
	}
	g_ptr_array_sort(deltas, upt_delta_maker_compare_deltas);
	target->copy = g_new0(Updater__Object, 1);
	*target->copy = *object;
	target->copy->n_deltas = deltas->len;
	target->copy->deltas = target->deltas = g_new0(Updater__Delta *, deltas->len);
	memcpy(target->deltas, deltas->pdata, deltas->len * sizeof(gpointer));
}

gboolean
upt_delta_maker_run(UptDeltaMaker *self, GError **error)
{
	g_autoptr(GPtrArray) jobs = g_ptr_array_new();
	GThreadPool *pool;

	for (guint i = 0; i < self->targets->len; i++) {
		UptDeltaTarget *target = g_ptr_array_index(self->targets, i);
		for (guint j = 0; j < target->pairs->len; j++) {
			UptDeltaPair *pair = g_ptr_array_index(target->pairs, j);

			if (!upt_delta_maker_find_existing(self, pair, error))
				return FALSE;
			if (pair->patch != NULL)
				continue;
			for (guint k = 0; k < G_N_ELEMENTS(upt_delta_formats); k++) {
				UpdDeltaFormat format = upt_delta_formats[k];
				guint64 base_size = pair->base->size;
				guint64 target_size = target->object->size;
				guint64 cost =
					base_size + target_size +
					upd_delta_encode_memory(format, base_size, target_size);
				UptDeltaJob *job;

				/* clients do not apply a zstd patch of a large file */
				if (target_size > upd_delta_max_target_size(format))
					continue;
				if (cost > self->memory_bound) {
					g_autofree gchar *need =
						g_format_size_full(cost, G_FORMAT_SIZE_IEC_UNITS);
					g_autofree gchar *bound = g_format_size_full(
						self->memory_bound, G_FORMAT_SIZE_IEC_UNITS);
					upt_cli_warn(
						_("no %s delta for %s: it needs %s of memory, "
						  "more than the bound of %s (--delta-memory)"),
						upd_delta_format_to_extension(format), target->path,
						need, bound);
					continue;
				}
				job = g_new0(UptDeltaJob, 1);
				job->pair = pair;
				job->format = format;
				job->cost = cost;
				pair->pending++;
				g_ptr_array_add(jobs, job);
			}
		}
	}

	if (jobs->len > 0) {
		g_ptr_array_sort(jobs, upt_delta_maker_compare_jobs);
		pool = g_thread_pool_new(upt_delta_maker_job_cb, self,
					 (gint)MIN(self->n_threads, jobs->len), FALSE, NULL);
		for (guint i = 0; i < jobs->len; i++)
			g_thread_pool_push(pool, g_ptr_array_index(jobs, i), NULL);
		/* waits for every job */
		g_thread_pool_free(pool, FALSE, TRUE);
	}
	if (self->error != NULL) {
		g_propagate_error(error, g_steal_pointer(&self->error));
		return FALSE;
	}
	for (guint i = 0; i < self->targets->len; i++)
		upt_delta_maker_build_copy(self, g_ptr_array_index(self->targets, i));
	return TRUE;
}

const Updater__Object *
upt_delta_maker_get_object(UptDeltaMaker *self, const Updater__Object *target)
{
	g_autofree gchar *hex = upd_sha256_to_hex(target->sha256.data);
	UptDeltaTarget *entry = g_hash_table_lookup(self->by_target, hex);

	return entry != NULL && entry->copy != NULL ? entry->copy : target;
}

guint
upt_delta_maker_get_n_deltas(UptDeltaMaker *self)
{
	return self->n_deltas;
}

guint64
upt_delta_maker_get_delta_bytes(UptDeltaMaker *self)
{
	return self->delta_bytes;
}

guint64
upt_delta_maker_get_full_bytes(UptDeltaMaker *self)
{
	return self->full_bytes;
}

guint64
upt_delta_maker_get_peak_memory(UptDeltaMaker *self)
{
	return self->memory_peak;
}
