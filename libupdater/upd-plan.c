/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "upd-manifest-private.h"
#include "upd-pack-private.h"
#include "upd-paths-private.h"
#include "upd-plan-private.h"
#include "upd-release-private.h"
#include "upd-sha256-private.h"

struct _UpdPlan {
	GObject parent_instance;
	UpdManifest *manifest;	   /* (owned) */
	UpdRelease *release;	   /* (owned) */
	gchar *installed_version;  /* (owned) (nullable) */
	GPtrArray *items;	   /* (owned) (element-type UpdPlanItem) */
	GHashTable *by_digest;	   /* (owned): hex -> (unowned) UpdPlanItem */
	const Updater__Pack *pack; /* (unowned) (nullable): kept alive by the manifest */
	GArray *pack_parts;	   /* (owned) (nullable) (element-type UpdPackPart) */
	guint n_fetch;
	guint n_cached;
	guint n_reused;
	guint n_deltas;
	guint64 delta_saved;
	guint64 download_size;
	guint64 content_size;
};

G_DEFINE_TYPE(UpdPlan, upd_plan, G_TYPE_OBJECT)

static void
upd_plan_item_free(gpointer ptr)
{
	UpdPlanItem *item = ptr;
	g_free(item->hex);
	g_free(item->local_path);
	g_free(item);
}

static void
upd_plan_dispose(GObject *object)
{
	UpdPlan *self = UPD_PLAN(object);
	g_clear_object(&self->manifest);
	g_clear_object(&self->release);
	G_OBJECT_CLASS(upd_plan_parent_class)->dispose(object);
}

static void
upd_plan_finalize(GObject *object)
{
	UpdPlan *self = UPD_PLAN(object);
	g_hash_table_unref(self->by_digest);
	g_clear_pointer(&self->pack_parts, g_array_unref);
	g_ptr_array_unref(self->items);
	g_free(self->installed_version);
	G_OBJECT_CLASS(upd_plan_parent_class)->finalize(object);
}

static void
upd_plan_class_init(UpdPlanClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = upd_plan_dispose;
	object_class->finalize = upd_plan_finalize;
}

static void
upd_plan_init(UpdPlan *self)
{
	self->items = g_ptr_array_new_with_free_func(upd_plan_item_free);
	self->by_digest = g_hash_table_new(g_str_hash, g_str_equal);
}

gchar *
upd_plan_cache_path(const gchar *hex)
{
	g_autofree gchar *cache = upd_paths_cache_dir();
	g_autofree gchar *prefix = g_strndup(hex, 2);
	return g_build_filename(cache, "objects", prefix, hex, NULL);
}

static gboolean
upd_plan_file_has_size(const gchar *path, guint64 size)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (guint64)st.st_size == size;
}

/* What building a plan needs to know about the local files. */
typedef struct {
	GHashTable *candidates;	    /* (owned) (nullable): hex -> GPtrArray of paths */
	GHashTable *digests;	    /* (owned): path -> hex, "" when unreadable */
	const gchar *installed_dir; /* (nullable) */
	GCancellable *cancellable;  /* (nullable) */
} UpdPlanBuild;

static void
upd_plan_build_clear(UpdPlanBuild *build)
{
	g_clear_pointer(&build->candidates, g_hash_table_unref);
	g_clear_pointer(&build->digests, g_hash_table_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(UpdPlanBuild, upd_plan_build_clear)

/* the SHA-256 of a local file as hex, hashed once per plan however often it
 * is asked for; NULL when it is not a readable regular file. Only a
 * cancellation is an error. */
static const gchar *
upd_plan_file_digest(UpdPlanBuild *build, const gchar *path, GError **error)
{
	guint8 digest[UPD_SHA256_LEN];
	g_autoptr(GError) error_local = NULL;
	const gchar *known = NULL;
	gchar *hex;

	if (g_hash_table_lookup_extended(build->digests, path, NULL, (gpointer *)&known))
		return known[0] != '\0' ? known : NULL;
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
		hex = g_strdup("");
	} else if (!upd_sha256_file(path, digest, NULL, build->cancellable, &error_local)) {
		if (g_error_matches(error_local, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return NULL;
		}
		g_debug("plan: cannot read %s: %s", path, error_local->message);
		hex = g_strdup("");
	} else {
		hex = upd_sha256_to_hex(digest);
	}
	g_hash_table_insert(build->digests, g_strdup(path), hex);
	return hex[0] != '\0' ? hex : NULL;
}

/* an installed file is reused only if its bytes still hash to the digest:
 * files edited or damaged since the install are downloaded again */
static gboolean
upd_plan_file_matches(UpdPlanBuild *build,
		      const gchar *path,
		      const Updater__Object *object,
		      const gchar *hex,
		      GError **error)
{
	const gchar *digest;

	if (!upd_plan_file_has_size(path, object->size))
		return FALSE;
	digest = upd_plan_file_digest(build, path, error);
	return digest != NULL && g_strcmp0(digest, hex) == 0;
}

/* where the installed version keeps content, by digest: its release record
 * says which path had which digest; the same paths in the new release are
 * candidates too */
static void
upd_plan_add_candidate(GHashTable *candidates,
		       const Updater__Object *object,
		       const gchar *installed_dir,
		       const gchar *relative)
{
	g_autofree gchar *hex = NULL;
	GPtrArray *paths;

	if (object == NULL || installed_dir == NULL || relative == NULL)
		return;
	hex = upd_sha256_to_hex(object->sha256.data);
	paths = g_hash_table_lookup(candidates, hex);
	if (paths == NULL) {
		paths = g_ptr_array_new_with_free_func(g_free);
		g_hash_table_insert(candidates, g_strdup(hex), paths);
	}
	g_ptr_array_add(paths, g_build_filename(installed_dir, relative, NULL));
}

/* the path a single-file payload has once installed, NULL for archives */
static const gchar *
upd_plan_payload_installed_name(const Updater__Payload *payload)
{
	/* single-file payloads that stay files when installed */
	if (payload->type == UPDATER__PAYLOAD_TYPE__PAYLOAD_TYPE_EXE ||
	    payload->type == UPDATER__PAYLOAD_TYPE__PAYLOAD_TYPE_DLL)
		return payload->filename;
	return NULL;
}

static void
upd_plan_collect_candidates(GHashTable *candidates,
			    const Updater__Release *release,
			    const gchar *installed_dir)
{
	for (gsize i = 0; i < release->n_components; i++) {
		const Updater__Payload *payload = release->components[i]->payload;
		upd_plan_add_candidate(candidates, payload->object, installed_dir,
				       upd_plan_payload_installed_name(payload));
		for (gsize j = 0; j < payload->n_entries; j++)
			upd_plan_add_candidate(candidates, payload->entries[j]->object,
					       installed_dir, payload->entries[j]->path);
	}
}

/* A local file holding the base content of @delta: an installed file the
 * installed release recorded with that digest, the installed file at the
 * object's own path (@relative), or a verified object in the cache. Each is
 * hashed: a file edited since it was installed is no base. Returns NULL when
 * there is none, or with @error set when cancelled. */
static gchar *
upd_plan_find_base(UpdPlanBuild *build,
		   const Updater__Delta *delta,
		   const gchar *relative,
		   GError **error)
{
	g_autofree gchar *hex = upd_sha256_to_hex(delta->base_sha256.data);
	g_autoptr(GPtrArray) tries = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *paths = NULL;

	if (build->candidates != NULL)
		paths = g_hash_table_lookup(build->candidates, hex);
	for (guint i = 0; paths != NULL && i < paths->len; i++)
		g_ptr_array_add(tries, g_strdup(g_ptr_array_index(paths, i)));
	if (build->installed_dir != NULL && relative != NULL)
		g_ptr_array_add(tries, g_build_filename(build->installed_dir, relative, NULL));
	g_ptr_array_add(tries, upd_plan_cache_path(hex));

	for (guint i = 0; i < tries->len; i++) {
		const gchar *path = g_ptr_array_index(tries, i);
		g_autoptr(GError) error_local = NULL;
		const gchar *digest = upd_plan_file_digest(build, path, &error_local);

		if (error_local != NULL) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return NULL;
		}
		if (g_strcmp0(digest, hex) == 0)
			return g_strdup(path);
	}
	return NULL;
}

/* the smallest delta whose base is here, when it is smaller than the object */
static gboolean
upd_plan_choose_delta(UpdPlan *self,
		      UpdPlanBuild *build,
		      UpdPlanItem *item,
		      const gchar *relative,
		      GError **error)
{
	const Updater__Object *object = item->object;
	const Updater__Delta *best = NULL;
	g_autofree gchar *best_base = NULL;

	for (gsize i = 0; i < object->n_deltas; i++) {
		const Updater__Delta *delta = object->deltas[i];
		g_autoptr(GError) error_local = NULL;
		gchar *base;

		if (!upd_pack_delta_usable(object, delta))
			continue;
		if (best != NULL && delta->patch->stored_size >= best->patch->stored_size)
			continue;
		base = upd_plan_find_base(build, delta, relative, &error_local);
		if (error_local != NULL) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		if (base == NULL)
			continue;
		best = delta;
		g_free(best_base);
		best_base = base;
	}
	if (best == NULL)
		return TRUE;
	item->action = UPD_PLAN_ACTION_DELTA;
	item->delta = best;
	item->local_path = g_steal_pointer(&best_base);
	self->n_deltas++;
	self->delta_saved += object->stored_size - best->patch->stored_size;
	return TRUE;
}

/* @relative: (nullable): where the object is installed inside the version
 * directory, for a base of a delta */
static gboolean
upd_plan_add_object(UpdPlan *self,
		    UpdPlanBuild *build,
		    const Updater__Object *object,
		    const gchar *relative,
		    GError **error)
{
	g_autofree gchar *hex = upd_sha256_to_hex(object->sha256.data);
	g_autofree gchar *cache_path = NULL;
	UpdPlanItem *item;
	GPtrArray *paths;

	/* the same content twice in a release is fetched once */
	if (g_hash_table_contains(self->by_digest, hex))
		return TRUE;
	item = g_new0(UpdPlanItem, 1);
	item->object = object;
	item->hex = g_steal_pointer(&hex);
	item->action = UPD_PLAN_ACTION_FETCH;
	g_ptr_array_add(self->items, item);
	g_hash_table_insert(self->by_digest, item->hex, item);
	self->content_size += object->size;

	/* cache files get their final name only after their digest matched */
	cache_path = upd_plan_cache_path(item->hex);
	if (upd_plan_file_has_size(cache_path, object->size)) {
		item->action = UPD_PLAN_ACTION_CACHED;
		self->n_cached++;
		return TRUE;
	}
	paths = build->candidates != NULL ? g_hash_table_lookup(build->candidates, item->hex)
					  : NULL;
	for (guint i = 0; paths != NULL && i < paths->len; i++) {
		const gchar *path = g_ptr_array_index(paths, i);
		g_autoptr(GError) error_local = NULL;
		if (upd_plan_file_matches(build, path, object, item->hex, &error_local)) {
			item->action = UPD_PLAN_ACTION_REUSE;
			item->local_path = g_strdup(path);
			self->n_reused++;
			return TRUE;
		}
		if (error_local != NULL) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
	}
	if (!upd_plan_choose_delta(self, build, item, relative, error))
		return FALSE;
	self->n_fetch++;
	self->download_size += item->action == UPD_PLAN_ACTION_DELTA
				       ? item->delta->patch->stored_size
				       : object->stored_size;
	return TRUE;
}

/* Takes the release's pack from the installed version when it holds exactly
 * what the plan fetches, each object as the plan gets it (the same delta, or
 * the whole object): one request instead of one per object, for the same
 * bytes. Not when the installed version's files were changed (an object
 * then needs a different delta or none), or when a fetch was interrupted
 * and some objects are in the cache already, unless the pack is there too. */
static void
upd_plan_choose_pack(UpdPlan *self,
		     const Updater__Release *pb,
		     const Updater__Release *installed_release)
{
	const Updater__Pack *pack = upd_pack_find(pb, self->installed_version);
	g_autoptr(GArray) parts = NULL;
	g_autofree gchar *hex = NULL;
	g_autofree gchar *cache_path = NULL;
	gboolean cached;
	guint64 size = 0;
	guint n_fetch = 0;

	if (pack == NULL || installed_release == NULL || self->n_fetch == 0)
		return;
	hex = upd_sha256_to_hex(pack->object->sha256.data);
	cache_path = upd_plan_cache_path(hex);
	cached = upd_plan_file_has_size(cache_path, pack->object->size);
	parts = upd_pack_parts(pb, installed_release, &size);
	if (size != pack->object->stored_size) {
		g_debug("plan: the pack from %s has %" G_GUINT64_FORMAT " bytes, its parts "
			"%" G_GUINT64_FORMAT ": not used",
			pack->from_version, (guint64)pack->object->stored_size, size);
		return;
	}
	for (guint i = 0; i < parts->len; i++) {
		const UpdPackPart *part = &g_array_index(parts, UpdPackPart, i);
		const UpdPlanItem *item = upd_plan_lookup(self, part->object->sha256.data);
		gboolean same;

		if (item == NULL)
			return;
		if (item->action == UPD_PLAN_ACTION_CACHED && cached)
			continue;
		same = part->delta == NULL ? item->action == UPD_PLAN_ACTION_FETCH
					   : item->action == UPD_PLAN_ACTION_DELTA &&
						     item->delta == part->delta;
		if (!same) {
			g_debug("plan: object %s is not needed as the pack from %s has it: the "
				"pack is not used",
				item->hex, pack->from_version);
			return;
		}
		n_fetch++;
	}
	if (n_fetch != self->n_fetch) {
		g_debug("plan: %u objects to fetch, %u of them in the pack from %s: not used",
			self->n_fetch, n_fetch, pack->from_version);
		return;
	}
	self->pack = pack;
	self->pack_parts = g_steal_pointer(&parts);
	self->download_size = cached ? 0 : pack->object->stored_size;
}

UpdPlan *
upd_plan_new(UpdManifest *manifest,
	     UpdRelease *release,
	     const gchar *installed_version,
	     const gchar *installed_dir,
	     const Updater__Release *installed_release,
	     GCancellable *cancellable,
	     GError **error)
{
	g_autoptr(UpdPlan) self = g_object_new(UPD_TYPE_PLAN, NULL);
	g_auto(UpdPlanBuild) build = {NULL};
	const Updater__Release *pb = upd_release_get_pb(release);

	self->manifest = g_object_ref(manifest);
	self->release = g_object_ref(release);
	self->installed_version = g_strdup(installed_version);

	build.digests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	build.cancellable = cancellable;
	if (installed_dir != NULL && g_file_test(installed_dir, G_FILE_TEST_IS_DIR)) {
		build.installed_dir = installed_dir;
		build.candidates = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							 (GDestroyNotify)g_ptr_array_unref);
		if (installed_release != NULL)
			upd_plan_collect_candidates(build.candidates, installed_release,
						    installed_dir);
		/* same path, maybe same content, even without a record */
		upd_plan_collect_candidates(build.candidates, pb, installed_dir);
	}
	for (gsize i = 0; i < pb->n_components; i++) {
		const Updater__Payload *payload = pb->components[i]->payload;
		if (payload->object != NULL &&
		    !upd_plan_add_object(self, &build, payload->object,
					 upd_plan_payload_installed_name(payload), error))
			return NULL;
		for (gsize j = 0; j < payload->n_entries; j++) {
			const Updater__Object *object = payload->entries[j]->object;
			if (object != NULL &&
			    !upd_plan_add_object(self, &build, object, payload->entries[j]->path,
						 error))
				return NULL;
		}
	}
	upd_plan_choose_pack(self, pb, installed_release);
	g_debug("plan for %s: %u objects, %u to fetch (%u through deltas, %" G_GUINT64_FORMAT
		" bytes%s, %" G_GUINT64_FORMAT " saved by deltas), %u cached, %u reused",
		upd_release_get_version(release), self->items->len, self->n_fetch, self->n_deltas,
		self->download_size, self->pack != NULL ? " in one pack" : "", self->delta_saved,
		self->n_cached, self->n_reused);
	return g_steal_pointer(&self);
}

GPtrArray *
upd_plan_get_items(UpdPlan *self)
{
	return self->items;
}

const UpdPlanItem *
upd_plan_lookup(UpdPlan *self, const guint8 *sha256)
{
	g_autofree gchar *hex = upd_sha256_to_hex(sha256);
	return g_hash_table_lookup(self->by_digest, hex);
}

const Updater__Pack *
upd_plan_get_pack(UpdPlan *self)
{
	g_return_val_if_fail(UPD_IS_PLAN(self), NULL);
	return self->pack;
}

GArray *
upd_plan_get_pack_parts(UpdPlan *self)
{
	g_return_val_if_fail(UPD_IS_PLAN(self), NULL);
	return self->pack_parts;
}

guint
upd_plan_get_n_deltas(UpdPlan *self)
{
	g_return_val_if_fail(UPD_IS_PLAN(self), 0);
	return self->n_deltas;
}

guint64
upd_plan_get_delta_saved_size(UpdPlan *self)
{
	g_return_val_if_fail(UPD_IS_PLAN(self), 0);
	return self->delta_saved;
}

/**
 * upd_plan_get_manifest:
 * @self: an #UpdPlan
 *
 * Returns: (transfer none): the manifest the release comes from
 *
 * Since: 0.1
 */
UpdManifest *
upd_plan_get_manifest(UpdPlan *self)
{
	g_return_val_if_fail(UPD_IS_PLAN(self), NULL);
	return self->manifest;
}

/**
 * upd_plan_get_release:
 * @self: an #UpdPlan
 *
 * Returns: (transfer none): the release the plan fetches
 *
 * Since: 0.1
 */
UpdRelease *
upd_plan_get_release(UpdPlan *self)
{
	g_return_val_if_fail(UPD_IS_PLAN(self), NULL);
	return self->release;
}

/**
 * upd_plan_get_installed_version:
 * @self: an #UpdPlan
 *
 * Returns: (transfer none) (nullable): the installed version whose files the
 *   plan reuses, %NULL when nothing is installed
 *
 * Since: 0.1
 */
const gchar *
upd_plan_get_installed_version(UpdPlan *self)
{
	g_return_val_if_fail(UPD_IS_PLAN(self), NULL);
	return self->installed_version;
}

/**
 * upd_plan_get_n_objects:
 * @self: an #UpdPlan
 *
 * Returns: how many distinct objects the release consists of
 *
 * Since: 0.1
 */
guint
upd_plan_get_n_objects(UpdPlan *self)
{
	g_return_val_if_fail(UPD_IS_PLAN(self), 0);
	return self->items->len;
}

/**
 * upd_plan_get_n_fetch:
 * @self: an #UpdPlan
 *
 * Returns: how many objects must be downloaded, whole or as a binary delta
 *   applied to a file the client has
 *
 * Since: 0.1
 */
guint
upd_plan_get_n_fetch(UpdPlan *self)
{
	g_return_val_if_fail(UPD_IS_PLAN(self), 0);
	return self->n_fetch;
}

/**
 * upd_plan_get_n_cached:
 * @self: an #UpdPlan
 *
 * Returns: how many objects are in the download cache already
 *
 * Since: 0.1
 */
guint
upd_plan_get_n_cached(UpdPlan *self)
{
	g_return_val_if_fail(UPD_IS_PLAN(self), 0);
	return self->n_cached;
}

/**
 * upd_plan_get_n_reused:
 * @self: an #UpdPlan
 *
 * Returns: how many objects are taken from the installed version's files
 *
 * Since: 0.1
 */
guint
upd_plan_get_n_reused(UpdPlan *self)
{
	g_return_val_if_fail(UPD_IS_PLAN(self), 0);
	return self->n_reused;
}

/**
 * upd_plan_get_download_size:
 * @self: an #UpdPlan
 *
 * Returns: the bytes to download, as they cross the wire (compressed, or a
 *   binary delta where the delta's base is here), known before any download
 *   starts. When a delta turns out unusable (damaged, or its result does not
 *   verify) the whole object is downloaded instead, and more bytes than
 *   planned cross the wire.
 *
 * Since: 0.1
 */
guint64
upd_plan_get_download_size(UpdPlan *self)
{
	g_return_val_if_fail(UPD_IS_PLAN(self), 0);
	return self->download_size;
}

/**
 * upd_plan_get_content_size:
 * @self: an #UpdPlan
 *
 * Returns: the uncompressed size of every distinct object of the release
 *
 * Since: 0.1
 */
guint64
upd_plan_get_content_size(UpdPlan *self)
{
	g_return_val_if_fail(UPD_IS_PLAN(self), 0);
	return self->content_size;
}
