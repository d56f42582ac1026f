/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <string.h>

#include "upd-error.h"
#include "upd-file-private.h"
#include "upd-i18n-private.h"
#include "upd-manifest-private.h"
#include "upd-pack-private.h"
#include "upd-repo-layout-private.h"
#include "upd-sha256-private.h"
#include "upd-zstd-private.h"
#include "upt-staging.h"

#define UPT_STAGING_CHUNK (1024 * 1024)

struct _UptStaging {
	GObject parent_instance;
	UptRepository *repo; /* (owned) */
	gchar *dir;	     /* (owned): the hidden staging directory */
	gint level;
	GPtrArray *manifests;	  /* (owned) (element-type UpdManifest): keep @known alive */
	GHashTable *known;	  /* (owned): hex digest -> (unowned) const Updater__Object */
	GPtrArray *objects;	  /* (owned): Updater__Object made here */
	GPtrArray *new_paths;	  /* (owned) (element-type utf8): staged object paths */
	gchar *manifest_relative; /* (owned) (nullable) */
	gboolean committed;
	guint64 new_bytes;
	guint new_deltas;
	guint new_packs;
	GMutex lock; /* objects, new_paths and new_deltas, for deltas made in threads */
};

G_DEFINE_TYPE(UptStaging, upt_staging, G_TYPE_OBJECT)

static void
upt_staging_object_free(gpointer ptr)
{
	Updater__Object *object = ptr;
	g_free(object->sha256.data);
	g_free(object->stored_sha256.data);
	g_free(object->path);
	g_free(object);
}

static void
upt_staging_dispose(GObject *object)
{
	UptStaging *self = UPT_STAGING(object);

	/* whatever was not committed goes away */
	if (self->dir != NULL) {
		g_autoptr(GError) error = NULL;
		if (!upd_file_rm_rf(self->dir, &error))
			g_warning("%s", error->message);
		g_clear_pointer(&self->dir, g_free);
	}
	g_clear_object(&self->repo);
	G_OBJECT_CLASS(upt_staging_parent_class)->dispose(object);
}

static void
upt_staging_finalize(GObject *object)
{
	UptStaging *self = UPT_STAGING(object);
	g_hash_table_unref(self->known);
	g_ptr_array_unref(self->manifests);
	g_ptr_array_unref(self->objects);
	g_ptr_array_unref(self->new_paths);
	g_free(self->manifest_relative);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(upt_staging_parent_class)->finalize(object);
}

static void
upt_staging_class_init(UptStagingClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = upt_staging_dispose;
	object_class->finalize = upt_staging_finalize;
}

static void
upt_staging_init(UptStaging *self)
{
	self->known = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	self->manifests = g_ptr_array_new_with_free_func(g_object_unref);
	self->objects = g_ptr_array_new_with_free_func(upt_staging_object_free);
	self->new_paths = g_ptr_array_new_with_free_func(g_free);
	g_mutex_init(&self->lock);
}

UptStaging *
upt_staging_new(UptRepository *repo, gint compression_level, GError **error)
{
	g_autoptr(UptStaging) self = g_object_new(UPT_TYPE_STAGING, NULL);
	g_autofree gchar *tmpl = upt_repository_build_path(repo, ".staging-XXXXXX");

	if (g_mkdtemp_full(tmpl, 0755) == NULL) {
		upd_file_set_error_errno(error, errno, _("cannot create a staging directory in %s"),
					 upt_repository_get_dir(repo));
		return NULL;
	}
	self->dir = g_steal_pointer(&tmpl);
	self->repo = g_object_ref(repo);
	self->level = compression_level;
	return g_steal_pointer(&self);
}

static void
upt_staging_index_object(UptStaging *self, const Updater__Object *object)
{
	if (object == NULL || object->sha256.len != UPD_SHA256_LEN)
		return;
	g_hash_table_insert(self->known, upd_sha256_to_hex(object->sha256.data), (gpointer)object);
}

/* objects of an existing manifest are reused instead of stored again */
void
upt_staging_index_manifest(UptStaging *self, UpdManifest *manifest)
{
	const Updater__Manifest *pb = upd_manifest_get_pb(manifest);

	g_ptr_array_add(self->manifests, g_object_ref(manifest));
	for (gsize i = 0; i < pb->n_releases; i++) {
		const Updater__Release *release = pb->releases[i];
		for (gsize j = 0; j < release->n_components; j++) {
			const Updater__Payload *payload = release->components[j]->payload;
			upt_staging_index_object(self, payload->object);
			for (gsize k = 0; k < payload->n_entries; k++)
				upt_staging_index_object(self, payload->entries[k]->object);
		}
	}
}

static gboolean
upt_staging_read_chunk(int fd, guint8 *buf, gsize *len, const gchar *path, GError **error)
{
	ssize_t n;
	do
		n = read(fd, buf, UPT_STAGING_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		upd_file_set_error_errno(error, errno, _("cannot read %s"), path);
		return FALSE;
	}
	*len = (gsize)n;
	return TRUE;
}

static gboolean
upt_staging_zstd_failed(GError **error, const gchar *src, gsize rc)
{
	g_set_error(error, UPD_ERROR, UPD_ERROR_FAILED, _("cannot compress %s: %s"), src,
		    ZSTD_getErrorName(rc));
	return FALSE;
}

/* zstd-compresses @src into @dst while hashing what is written */
static gboolean
upt_staging_compress(UptStaging *self,
		     const gchar *src,
		     const gchar *dst,
		     guint64 size,
		     guint8 stored_sha256[UPD_SHA256_LEN],
		     guint64 *stored_size,
		     GCancellable *cancellable,
		     GError **error)
{
	g_auto(UpdFd) in = open(src, O_RDONLY | O_CLOEXEC);
	g_auto(UpdFd) out = -1;
	g_autofree guint8 *inbuf = g_malloc(UPT_STAGING_CHUNK);
	gsize outcap = ZSTD_CStreamOutSize();
	g_autofree guint8 *outbuf = g_malloc(outcap);
	g_autoptr(UpdSha256) sha = upd_sha256_new();
	g_autoptr(ZSTD_CCtx) cctx = ZSTD_createCCtx();
	guint64 total = 0;

	if (in < 0) {
		upd_file_set_error_errno(error, errno, _("cannot open %s"), src);
		return FALSE;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0) {
		upd_file_set_error_errno(error, errno, _("cannot create %s"), dst);
		return FALSE;
	}
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, self->level);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);
	if (size >= 4 * 1024 * 1024)
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, (int)g_get_num_processors());
	ZSTD_CCtx_setPledgedSrcSize(cctx, size);

	for (;;) {
		gsize len = 0;
		ZSTD_inBuffer input;
		gboolean last;

		if (!upt_staging_read_chunk(in, inbuf, &len, src, error))
			return FALSE;
		last = len == 0;
		input = (ZSTD_inBuffer){inbuf, len, 0};
		for (;;) {
			ZSTD_outBuffer output = {outbuf, outcap, 0};
			gsize rc = ZSTD_compressStream2(cctx, &output, &input,
							last ? ZSTD_e_end : ZSTD_e_continue);
			if (ZSTD_isError(rc))
				return upt_staging_zstd_failed(error, src, rc);
			if (!upd_file_write_all(out, outbuf, output.pos, dst, error))
				return FALSE;
			upd_sha256_update(sha, outbuf, output.pos);
			total += output.pos;
			if (last ? rc == 0 : input.pos == input.size)
				break;
		}
		if (last)
			break;
		if (g_cancellable_set_error_if_cancelled(cancellable, error))
			return FALSE;
	}
	if (fsync(out) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot write %s"), dst);
		return FALSE;
	}
	upd_sha256_finish(sha, stored_sha256);
	*stored_size = total;
	return TRUE;
}

/* copies @src to @dst unchanged */
static gboolean
upt_staging_copy(const gchar *src, const gchar *dst, GCancellable *cancellable, GError **error)
{
	g_auto(UpdFd) in = open(src, O_RDONLY | O_CLOEXEC);
	g_auto(UpdFd) out = -1;
	g_autofree guint8 *buf = g_malloc(UPT_STAGING_CHUNK);

	if (in < 0) {
		upd_file_set_error_errno(error, errno, _("cannot open %s"), src);
		return FALSE;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0) {
		upd_file_set_error_errno(error, errno, _("cannot create %s"), dst);
		return FALSE;
	}
	for (;;) {
		gsize len = 0;
		if (!upt_staging_read_chunk(in, buf, &len, src, error))
			return FALSE;
		if (len == 0)
			break;
		if (!upd_file_write_all(out, buf, len, dst, error))
			return FALSE;
		if (g_cancellable_set_error_if_cancelled(cancellable, error))
			return FALSE;
	}
	if (fsync(out) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot write %s"), dst);
		return FALSE;
	}
	return TRUE;
}

static Updater__Object *
upt_staging_object_new(const guint8 *sha256,
		       guint64 size,
		       gboolean zstd,
		       const guint8 *stored_sha256,
		       guint64 stored_size)
{
	Updater__Object *object = g_new0(Updater__Object, 1);

	updater__object__init(object);
	object->has_sha256 = TRUE;
	object->sha256.data = g_memdup2(sha256, UPD_SHA256_LEN);
	object->sha256.len = UPD_SHA256_LEN;
	object->has_size = TRUE;
	object->size = size;
	object->has_compression = TRUE;
	object->compression = zstd ? UPDATER__COMPRESSION__COMPRESSION_ZSTD
				   : UPDATER__COMPRESSION__COMPRESSION_NONE;
	object->has_stored_sha256 = TRUE;
	object->stored_sha256.data = g_memdup2(stored_sha256, UPD_SHA256_LEN);
	object->stored_sha256.len = UPD_SHA256_LEN;
	object->has_stored_size = TRUE;
	object->stored_size = stored_size;
	return object;
}

static Updater__Object *
upt_staging_new_object(UptStaging *self,
		       const guint8 *sha256,
		       guint64 size,
		       gboolean zstd,
		       const guint8 *stored_sha256,
		       guint64 stored_size)
{
	Updater__Object *object =
		upt_staging_object_new(sha256, size, zstd, stored_sha256, stored_size);

	object->path = upd_repo_object_path(sha256, zstd);
	g_ptr_array_add(self->objects, object);
	return object;
}

/* an object file present in the repository but unknown to the indexed
 * manifests, e.g. published for another channel */
static const Updater__Object *
upt_staging_adopt_existing(UptStaging *self,
			   const guint8 *sha256,
			   guint64 size,
			   GCancellable *cancellable,
			   GError **error)
{
	for (guint zstd = 0; zstd < 2; zstd++) {
		g_autofree gchar *relative = upd_repo_object_path(sha256, zstd);
		g_autofree gchar *path = upt_repository_build_path(self->repo, relative);
		guint8 stored_sha256[UPD_SHA256_LEN];
		guint64 stored_size = 0;

		if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
			continue;
		if (!upd_sha256_file(path, stored_sha256, &stored_size, cancellable, error))
			return NULL;
		if (!zstd &&
		    (stored_size != size || memcmp(stored_sha256, sha256, UPD_SHA256_LEN) != 0))
			continue; /* damaged: store it again */
		return upt_staging_new_object(self, sha256, size, zstd, stored_sha256, stored_size);
	}
	return NULL;
}

/* Stores a file's content unless the repository has it: zstd-compressed when
 * that makes it smaller. The object belongs to the staging. */
const Updater__Object *
upt_staging_add_file(UptStaging *self, const gchar *path, GCancellable *cancellable, GError **error)
{
	guint8 sha256[UPD_SHA256_LEN];
	guint8 stored_sha256[UPD_SHA256_LEN];
	guint64 size = 0;
	guint64 stored_size = 0;
	g_autofree gchar *hex = NULL;
	g_autofree gchar *zst_relative = NULL;
	g_autofree gchar *zst_staged = NULL;
	g_autofree gchar *objdir = NULL;
	const Updater__Object *known;
	g_autoptr(GError) error_local = NULL;

	if (!upd_sha256_file(path, sha256, &size, cancellable, error))
		return NULL;
	hex = upd_sha256_to_hex(sha256);
	known = g_hash_table_lookup(self->known, hex);
	if (known != NULL) {
		g_autofree gchar *stored = upt_repository_build_path(self->repo, known->path);
		g_autofree gchar *staged = g_build_filename(self->dir, known->path, NULL);
		if (g_file_test(stored, G_FILE_TEST_IS_REGULAR) ||
		    g_file_test(staged, G_FILE_TEST_IS_REGULAR))
			return known;
	}
	known = upt_staging_adopt_existing(self, sha256, size, cancellable, &error_local);
	if (known == NULL && error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	if (known != NULL) {
		upt_staging_index_object(self, known);
		return known;
	}

	zst_relative = upd_repo_object_path(sha256, TRUE);
	zst_staged = g_build_filename(self->dir, zst_relative, NULL);
	objdir = g_path_get_dirname(zst_staged);
	if (!upd_file_mkdir_parents(objdir, 0755, error))
		return NULL;
	if (!upt_staging_compress(self, path, zst_staged, size, stored_sha256, &stored_size,
				  cancellable, error))
		return NULL;
	if (stored_size < size) {
		known = upt_staging_new_object(self, sha256, size, TRUE, stored_sha256,
					       stored_size);
		g_ptr_array_add(self->new_paths, g_steal_pointer(&zst_relative));
	} else {
		/* incompressible (already compressed archives): store as is */
		g_autofree gchar *raw_relative = upd_repo_object_path(sha256, FALSE);
		g_autofree gchar *raw_staged = g_build_filename(self->dir, raw_relative, NULL);
		g_unlink(zst_staged);
		if (!upt_staging_copy(path, raw_staged, cancellable, error))
			return NULL;
		stored_size = size;
		known = upt_staging_new_object(self, sha256, size, FALSE, sha256, size);
		g_ptr_array_add(self->new_paths, g_steal_pointer(&raw_relative));
	}
	self->new_bytes += stored_size;
	upt_staging_index_object(self, known);
	return known;
}

/* the patch object of a delta file's bytes; stored as is */
static const Updater__Object *
upt_staging_new_delta_object(
	UptStaging *self, gchar *relative, const guint8 *sha256, guint64 size, gboolean is_new)
{
	Updater__Object *object = upt_staging_object_new(sha256, size, FALSE, sha256, size);

	object->path = relative;
	g_mutex_lock(&self->lock);
	g_ptr_array_add(self->objects, object);
	if (is_new) {
		g_ptr_array_add(self->new_paths, g_strdup(relative));
		self->new_deltas++;
	}
	g_mutex_unlock(&self->lock);
	return object;
}

const Updater__Object *
upt_staging_find_delta(UptStaging *self,
		       const guint8 *base_sha256,
		       const guint8 *target_sha256,
		       const gchar *extension,
		       GError **error)
{
	g_autofree gchar *relative = upd_repo_delta_path(base_sha256, target_sha256, extension);
	g_autofree gchar *path = upt_repository_build_path(self->repo, relative);
	guint8 sha256[UPD_SHA256_LEN];
	guint64 size = 0;

	/* staged ones were added by this staging, which knows them already */
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return NULL;
	if (!upd_sha256_file(path, sha256, &size, NULL, error))
		return NULL;
	return upt_staging_new_delta_object(self, g_steal_pointer(&relative), sha256, size, FALSE);
}

const Updater__Object *
upt_staging_add_delta(UptStaging *self,
		      const guint8 *base_sha256,
		      const guint8 *target_sha256,
		      const gchar *extension,
		      GBytes *bytes,
		      GError **error)
{
	g_autofree gchar *relative = upd_repo_delta_path(base_sha256, target_sha256, extension);
	g_autofree gchar *staged = g_build_filename(self->dir, relative, NULL);
	g_autofree gchar *dir = g_path_get_dirname(staged);
	g_auto(UpdFd) fd = -1;
	guint8 sha256[UPD_SHA256_LEN];
	gsize len = 0;
	gconstpointer data = g_bytes_get_data(bytes, &len);

	if (!upd_file_mkdir_parents(dir, 0755, error))
		return NULL;
	fd = open(staged, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		upd_file_set_error_errno(error, errno, _("cannot create %s"), staged);
		return NULL;
	}
	if (!upd_file_write_all(fd, data, len, staged, error))
		return NULL;
	if (fsync(fd) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot write %s"), staged);
		return NULL;
	}
	upd_sha256_data(data, len, sha256);
	return upt_staging_new_delta_object(self, g_steal_pointer(&relative), sha256, len, TRUE);
}

/* where @object's stored bytes are now: staged here, or in the repository */
static gchar *
upt_staging_stored_file(UptStaging *self, const Updater__Object *object)
{
	g_autofree gchar *staged = g_build_filename(self->dir, object->path, NULL);
	if (g_file_test(staged, G_FILE_TEST_IS_REGULAR))
		return g_steal_pointer(&staged);
	return upt_repository_build_path(self->repo, object->path);
}

/* appends the stored bytes of @part to @out, exactly its stored size */
static gboolean
upt_staging_append_part(UptStaging *self,
			const Updater__Object *part,
			int out,
			const gchar *out_path,
			UpdSha256 *sha,
			guint8 *buf,
			GCancellable *cancellable,
			GError **error)
{
	g_autofree gchar *src = upt_staging_stored_file(self, part);
	g_auto(UpdFd) in = open(src, O_RDONLY | O_CLOEXEC);
	guint64 copied = 0;

	if (in < 0) {
		upd_file_set_error_errno(error, errno, _("cannot open %s"), src);
		return FALSE;
	}
	for (;;) {
		gsize len = 0;
		if (!upt_staging_read_chunk(in, buf, &len, src, error))
			return FALSE;
		if (len == 0)
			break;
		copied += len;
		if (copied > part->stored_size)
			break;
		if (!upd_file_write_all(out, buf, len, out_path, error))
			return FALSE;
		upd_sha256_update(sha, buf, len);
		if (g_cancellable_set_error_if_cancelled(cancellable, error))
			return FALSE;
	}
	if (copied != part->stored_size) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("%s in the repository has %" PRIu64
			      " bytes or more, the manifest says %" PRIu64),
			    src, copied, (guint64)part->stored_size);
		return FALSE;
	}
	return TRUE;
}

const Updater__Object *
upt_staging_add_pack(UptStaging *self, GArray *parts, GCancellable *cancellable, GError **error)
{
	g_autofree gchar *tmp = g_build_filename(self->dir, "pack.tmp", NULL);
	g_autofree gchar *relative = NULL;
	g_autofree gchar *staged = NULL;
	g_autofree gchar *repo_path = NULL;
	g_autofree gchar *dir = NULL;
	g_autofree guint8 *buf = g_malloc(UPT_STAGING_CHUNK);
	g_autoptr(UpdSha256) sha = upd_sha256_new();
	g_auto(UpdFd) fd = -1;
	guint8 digest[UPD_SHA256_LEN];
	guint64 size = 0;
	Updater__Object *object;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		upd_file_set_error_errno(error, errno, _("cannot create %s"), tmp);
		return NULL;
	}
	for (guint i = 0; i < parts->len; i++) {
		const UpdPackPart *part = &g_array_index(parts, UpdPackPart, i);
		if (!upt_staging_append_part(self, part->part, fd, tmp, sha, buf, cancellable,
					     error))
			return NULL;
		size += part->part->stored_size;
	}
	if (fsync(fd) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot write %s"), tmp);
		return NULL;
	}
	upd_sha256_finish(sha, digest);
	relative = upd_repo_pack_path(digest);
	staged = g_build_filename(self->dir, relative, NULL);
	repo_path = upt_repository_build_path(self->repo, relative);
	object = upt_staging_object_new(digest, size, FALSE, digest, size);
	object->path = g_strdup(relative);
	g_mutex_lock(&self->lock);
	g_ptr_array_add(self->objects, object);
	g_mutex_unlock(&self->lock);
	/* the same parts from two bases, or a pack the repository has: the
	 * same content under the same name, stored once */
	if (g_file_test(staged, G_FILE_TEST_IS_REGULAR) ||
	    g_file_test(repo_path, G_FILE_TEST_IS_REGULAR)) {
		g_unlink(tmp);
		return object;
	}
	dir = g_path_get_dirname(staged);
	if (!upd_file_mkdir_parents(dir, 0755, error))
		return NULL;
	if (rename(tmp, staged) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot move %s into place"), staged);
		return NULL;
	}
	g_mutex_lock(&self->lock);
	g_ptr_array_add(self->new_paths, g_steal_pointer(&relative));
	self->new_packs++;
	g_mutex_unlock(&self->lock);
	return object;
}

gboolean
upt_staging_set_manifest(UptStaging *self,
			 const gchar *app_id,
			 const gchar *channel,
			 GBytes *signed_manifest,
			 GError **error)
{
	g_autofree gchar *staged = NULL;
	gsize len = 0;
	gconstpointer data = g_bytes_get_data(signed_manifest, &len);
	g_auto(UpdFd) fd = -1;

	g_free(self->manifest_relative);
	self->manifest_relative = upd_repo_manifest_path(app_id, channel);
	staged = g_build_filename(self->dir, UPD_REPO_MANIFEST, NULL);
	fd = open(staged, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		upd_file_set_error_errno(error, errno, _("cannot create %s"), staged);
		return FALSE;
	}
	if (!upd_file_write_all(fd, data, len, staged, error))
		return FALSE;
	if (fsync(fd) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot write %s"), staged);
		return FALSE;
	}
	return TRUE;
}

/* creates @dir and its missing parents, recording each one created, so that
 * a failed commit can remove exactly what it added */
static gboolean
upt_staging_mkdir_tracked(const gchar *dir, GPtrArray *created, GError **error)
{
	g_autofree gchar *parent = NULL;

	if (g_file_test(dir, G_FILE_TEST_IS_DIR))
		return TRUE;
	parent = g_path_get_dirname(dir);
	if (g_strcmp0(parent, dir) != 0 && !upt_staging_mkdir_tracked(parent, created, error))
		return FALSE;
	if (g_mkdir(dir, 0755) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot create directory %s"), dir);
		return FALSE;
	}
	g_ptr_array_add(created, g_strdup(dir));
	return TRUE;
}

/* takes the repository back to how it was: moved objects, then the
 * directories created for them, newest first */
static void
upt_staging_undo(UptStaging *self, GPtrArray *moved, GPtrArray *created)
{
	for (guint i = 0; i < moved->len; i++) {
		g_autofree gchar *path =
			upt_repository_build_path(self->repo, g_ptr_array_index(moved, i));
		g_unlink(path);
	}
	for (guint i = created->len; i > 0; i--)
		g_rmdir(g_ptr_array_index(created, i - 1));
}

static gboolean
upt_staging_fail(UptStaging *self, GPtrArray *moved, GPtrArray *created)
{
	upt_staging_undo(self, moved, created);
	return FALSE;
}

/* Moves the new objects into the repository, then replaces the manifest.
 * On failure, what was already moved or created is removed again. */
gboolean
upt_staging_commit(UptStaging *self, GError **error)
{
	g_autoptr(GPtrArray) moved = g_ptr_array_new();
	g_autoptr(GPtrArray) created = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GHashTable) dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree gchar *staged_manifest = NULL;
	g_autofree gchar *manifest_path = NULL;
	g_autofree gchar *manifest_dir = NULL;
	GHashTableIter iter;
	gpointer key;

	g_return_val_if_fail(self->manifest_relative != NULL, FALSE);
	g_return_val_if_fail(!self->committed, FALSE);

	for (guint i = 0; i < self->new_paths->len; i++) {
		const gchar *relative = g_ptr_array_index(self->new_paths, i);
		g_autofree gchar *src = g_build_filename(self->dir, relative, NULL);
		g_autofree gchar *dst = upt_repository_build_path(self->repo, relative);
		g_autofree gchar *dir = g_path_get_dirname(dst);

		if (!upt_staging_mkdir_tracked(dir, created, error))
			return upt_staging_fail(self, moved, created);
		if (rename(src, dst) != 0) {
			upd_file_set_error_errno(error, errno, _("cannot move %s into place"), dst);
			return upt_staging_fail(self, moved, created);
		}
		g_ptr_array_add(moved, (gpointer)relative);
		g_hash_table_add(dirs, g_steal_pointer(&dir));
	}
	g_hash_table_iter_init(&iter, dirs);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		g_autofree gchar *parent = g_path_get_dirname(key);
		if (!upd_file_fsync_dir(key, error) || !upd_file_fsync_dir(parent, error))
			return upt_staging_fail(self, moved, created);
	}

	staged_manifest = g_build_filename(self->dir, UPD_REPO_MANIFEST, NULL);
	manifest_path = upt_repository_build_path(self->repo, self->manifest_relative);
	manifest_dir = g_path_get_dirname(manifest_path);
	if (!upt_staging_mkdir_tracked(manifest_dir, created, error))
		return upt_staging_fail(self, moved, created);
	if (rename(staged_manifest, manifest_path) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot move %s into place"),
					 manifest_path);
		return upt_staging_fail(self, moved, created);
	}
	/* from here on the publication is visible: never undo it */
	self->committed = TRUE;
	return upd_file_fsync_dir(manifest_dir, error);
}

guint
upt_staging_get_new_objects(UptStaging *self)
{
	return self->new_paths->len - self->new_deltas - self->new_packs;
}

guint
upt_staging_get_new_deltas(UptStaging *self)
{
	return self->new_deltas;
}

guint
upt_staging_get_new_packs(UptStaging *self)
{
	return self->new_packs;
}

guint64
upt_staging_get_new_bytes(UptStaging *self)
{
	return self->new_bytes;
}
