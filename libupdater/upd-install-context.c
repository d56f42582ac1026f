/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upd-error.h"
#include "upd-file-private.h"
#include "upd-i18n-private.h"
#include "upd-install-context-private.h"
#include "upd-sha256-private.h"
#include "upd-validate-private.h"

#define UPD_INSTALL_COPY_CHUNK (1024 * 1024)

struct _UpdInstallContext {
	gchar *app_id;
	gchar *version;
	gchar *component;
	UpdPayloadType type;
	gchar *payload_path;		       /* (nullable) */
	gchar *payload_filename;	       /* (nullable) */
	const Updater__Object *payload_object; /* (unowned) (nullable) */
	gchar *staging_dir;
	int staging_fd;
	GCancellable *cancellable; /* (nullable) */
	guint64 expanded;
	guint64 max_expanded;
	GPtrArray *entries; /* (element-type UpdInstallEntry) */
	GHashTable *linked; /* sources already hard-linked once */
};

static void
upd_install_entry_free(gpointer data)
{
	UpdInstallEntry *entry = data;
	g_free(entry->source);
	g_free(entry);
}

UpdInstallContext *
upd_install_context_new(const gchar *app_id,
			const gchar *version,
			const Updater__Component *component,
			const gchar *payload_path,
			const gchar *staging_dir,
			GCancellable *cancellable,
			GError **error)
{
	UpdInstallContext *ctx = g_new0(UpdInstallContext, 1);
	const Updater__Payload *payload = component->payload;
	guint64 tree_size = 0;
	struct stat st;

	ctx->staging_fd = -1;
	ctx->app_id = g_strdup(app_id);
	ctx->version = g_strdup(version);
	ctx->component = g_strdup(component->name);
	ctx->type = (UpdPayloadType)payload->type;
	ctx->payload_path = g_strdup(payload_path);
	ctx->payload_filename = g_strdup(payload->filename);
	ctx->payload_object = payload->object;
	ctx->staging_dir = g_strdup(staging_dir);
	ctx->cancellable = cancellable != NULL ? g_object_ref(cancellable) : NULL;
	ctx->entries = g_ptr_array_new_with_free_func(upd_install_entry_free);
	ctx->linked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	ctx->max_expanded = UPD_INSTALL_EXPAND_FLOOR;
	if (payload_path != NULL && stat(payload_path, &st) == 0)
		ctx->max_expanded =
			MAX(ctx->max_expanded, (guint64)st.st_size * UPD_INSTALL_EXPAND_RATIO);
	/* a tree has no payload file: its files are objects whose sizes the
	 * signed manifest declares (and whose bytes were verified), so their sum
	 * is its exact size */
	for (gsize i = 0; i < payload->n_entries; i++) {
		const Updater__Object *object = payload->entries[i]->object;
		if (object != NULL)
			tree_size += object->size;
	}
	ctx->max_expanded = MAX(ctx->max_expanded, tree_size);
	ctx->staging_fd = open(staging_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ctx->staging_fd < 0) {
		upd_file_set_error_errno(error, errno, _("cannot open %s"), staging_dir);
		upd_install_context_free(ctx);
		return NULL;
	}
	return ctx;
}

void
upd_install_context_free(UpdInstallContext *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->staging_fd >= 0)
		close(ctx->staging_fd);
	g_clear_object(&ctx->cancellable);
	g_ptr_array_unref(ctx->entries);
	g_hash_table_unref(ctx->linked);
	g_free(ctx->app_id);
	g_free(ctx->version);
	g_free(ctx->component);
	g_free(ctx->payload_path);
	g_free(ctx->payload_filename);
	g_free(ctx->staging_dir);
	g_free(ctx);
}

void
upd_install_context_add_entry(UpdInstallContext *ctx,
			      const Updater__TreeEntry *entry,
			      const gchar *source,
			      gboolean from_cache)
{
	UpdInstallEntry *item = g_new0(UpdInstallEntry, 1);
	item->entry = entry;
	item->source = g_strdup(source);
	item->from_cache = from_cache;
	g_ptr_array_add(ctx->entries, item);
}

guint64
upd_install_context_get_expanded(UpdInstallContext *ctx)
{
	return ctx->expanded;
}

gchar *
upd_install_normalise_path(const gchar *path, GError **error)
{
	g_auto(GStrv) parts = NULL;
	g_autoptr(GString) out = g_string_new(NULL);

	if (path == NULL || path[0] == '/' || strchr(path, '\\') != NULL ||
	    !g_utf8_validate(path, -1, NULL)) {
		g_set_error(
			error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			_("path “%s” is absolute, contains a backslash or is not UTF-8: refused"),
			path != NULL && g_utf8_validate(path, -1, NULL) ? path : "?");
		return NULL;
	}
	parts = g_strsplit(path, "/", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		if (parts[i][0] == '\0' || g_strcmp0(parts[i], ".") == 0)
			continue;
		if (g_strcmp0(parts[i], "..") == 0) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("path “%s” escapes the staging directory with “..”: refused"),
				    path);
			return NULL;
		}
		for (const gchar *p = parts[i]; *p != '\0'; p++) {
			if ((guchar)*p < 0x20 || *p == 0x7f) {
				g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
					    _("path “%s” contains a control character: refused"),
					    path);
				return NULL;
			}
		}
		if (out->len > 0)
			g_string_append_c(out, '/');
		g_string_append(out, parts[i]);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Opens the directory that holds @path's last component, walking down from
 * the staging directory without following symbolic links, creating missing
 * directories when @create. */
static int
upd_install_open_parent(UpdInstallContext *ctx,
			const gchar *path,
			gboolean create,
			gchar **basename,
			GError **error)
{
	g_autofree gchar *normal = upd_install_normalise_path(path, error);
	g_auto(GStrv) parts = NULL;
	guint n;
	int dirfd;

	if (normal == NULL)
		return -1;
	if (normal[0] == '\0') {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("path “%s” names the staging directory itself"), path);
		return -1;
	}
	parts = g_strsplit(normal, "/", -1);
	n = g_strv_length(parts);
	dirfd = dup(ctx->staging_fd);
	for (guint i = 0; i + 1 < n; i++) {
		int fd = openat(dirfd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create) {
			if (mkdirat(dirfd, parts[i], 0755) != 0 && errno != EEXIST) {
				upd_file_set_error_errno(
					error, errno, _("cannot create the directory of %s"), path);
				close(dirfd);
				return -1;
			}
			fd = openat(dirfd, parts[i],
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0) {
			int errsv = errno;
			close(dirfd);
			if (errsv == ELOOP || errsv == ENOTDIR) {
				g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
					    _("path “%s” goes through a symbolic link or a file: "
					      "refused"),
					    path);
			} else {
				upd_file_set_error_errno(
					error, errsv, _("cannot open the directory of %s"), path);
			}
			return -1;
		}
		close(dirfd);
		dirfd = fd;
	}
	*basename = g_strdup(parts[n - 1]);
	return dirfd;
}

static gboolean
upd_install_cancelled(UpdInstallContext *ctx, GError **error)
{
	return g_cancellable_set_error_if_cancelled(ctx->cancellable, error);
}

static int
upd_install_create_file(UpdInstallContext *ctx, const gchar *path, guint mode, GError **error)
{
	g_autofree gchar *base = NULL;
	g_auto(UpdFd) dirfd = -1;
	int fd;

	if (upd_install_cancelled(ctx, error))
		return -1;
	dirfd = upd_install_open_parent(ctx, path, TRUE, &base, error);
	if (dirfd < 0)
		return -1;
	fd = openat(dirfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("path “%s” appears twice: refused"), path);
		else
			upd_file_set_error_errno(error, errno, _("cannot create %s"), path);
		return -1;
	}
	/* exact permissions, without setuid, setgid and sticky bits */
	if (fchmod(fd, mode & 0777) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot set the mode of %s"), path);
		close(fd);
		return -1;
	}
	return fd;
}

static gboolean
upd_install_create_directory(UpdInstallContext *ctx, const gchar *path, guint mode, GError **error)
{
	g_autofree gchar *base = NULL;
	g_autofree gchar *normal = upd_install_normalise_path(path, error);
	g_auto(UpdFd) dirfd = -1;
	g_auto(UpdFd) fd = -1;

	if (normal == NULL)
		return FALSE;
	if (normal[0] == '\0')
		return TRUE; /* "." or "./": the staging directory exists */
	dirfd = upd_install_open_parent(ctx, normal, TRUE, &base, error);
	if (dirfd < 0)
		return FALSE;
	if (mkdirat(dirfd, base, 0755) != 0 && errno != EEXIST) {
		upd_file_set_error_errno(error, errno, _("cannot create directory %s"), path);
		return FALSE;
	}
	fd = openat(dirfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("path “%s” is both a directory and something else: refused"), path);
		return FALSE;
	}
	/* the owner keeps write access, so that later entries can be created in it */
	if (fchmod(fd, (mode & 0777) | 0700) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot set the mode of %s"), path);
		return FALSE;
	}
	return TRUE;
}

/* a link target must resolve, without following anything, inside the tree */
static gboolean
upd_install_create_symlink(UpdInstallContext *ctx,
			   const gchar *path,
			   const gchar *target,
			   GError **error)
{
	g_autofree gchar *base = NULL;
	g_autofree gchar *normal = upd_install_normalise_path(path, error);
	g_auto(UpdFd) dirfd = -1;

	if (normal == NULL)
		return FALSE;
	if (!upd_validate_symlink_target(normal, target)) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("symbolic link %s -> %s points outside the staging directory, or "
			      "climbs with “..” after a name: refused"),
			    path, target != NULL ? target : "");
		return FALSE;
	}
	dirfd = upd_install_open_parent(ctx, normal, TRUE, &base, error);
	if (dirfd < 0)
		return FALSE;
	if (symlinkat(target, dirfd, base) != 0) {
		if (errno == EEXIST)
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("path “%s” appears twice: refused"), path);
		else
			upd_file_set_error_errno(error, errno, _("cannot create %s"), path);
		return FALSE;
	}
	return TRUE;
}

static gboolean
upd_install_create_hardlink(UpdInstallContext *ctx,
			    const gchar *path,
			    const gchar *existing,
			    GError **error)
{
	g_autofree gchar *base = NULL;
	g_autofree gchar *existing_base = NULL;
	g_auto(UpdFd) dirfd = -1;
	g_auto(UpdFd) existing_dirfd = -1;
	struct stat st;

	existing_dirfd = upd_install_open_parent(ctx, existing, FALSE, &existing_base, error);
	if (existing_dirfd < 0) {
		g_prefix_error(error, _("hard link %s: "), path);
		return FALSE;
	}
	/* only to a regular file staged before: never to anything outside */
	if (fstatat(existing_dirfd, existing_base, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(st.st_mode)) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("hard link %s -> %s does not point to a file staged before: refused"),
			    path, existing);
		return FALSE;
	}
	dirfd = upd_install_open_parent(ctx, path, TRUE, &base, error);
	if (dirfd < 0)
		return FALSE;
	if (linkat(existing_dirfd, existing_base, dirfd, base, 0) != 0) {
		if (errno == EEXIST)
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("path “%s” appears twice: refused"), path);
		else
			upd_file_set_error_errno(error, errno, _("cannot create %s"), path);
		return FALSE;
	}
	return TRUE;
}

static gboolean
upd_install_account(UpdInstallContext *ctx, guint64 bytes, GError **error)
{
	ctx->expanded += bytes;
	if (ctx->expanded > ctx->max_expanded) {
		g_autofree gchar *limit = g_format_size(ctx->max_expanded);
		g_set_error(error, UPD_ERROR, UPD_ERROR_TOO_LARGE,
			    _("payload of %s expands to more than %s (%u times its size at most): "
			      "refused"),
			    ctx->component, limit, (guint)UPD_INSTALL_EXPAND_RATIO);
		return FALSE;
	}
	return TRUE;
}

/* copies @source to a new staged file while hashing it, or links it */
static gboolean
upd_install_place(UpdInstallContext *ctx,
		  const gchar *path,
		  const gchar *source,
		  gboolean may_link,
		  guint mode,
		  const Updater__Object *object,
		  GError **error)
{
	g_auto(UpdFd) in = open(source, O_RDONLY | O_CLOEXEC);
	g_auto(UpdFd) out = -1;
	g_autoptr(UpdSha256) sha = upd_sha256_new();
	g_autofree guint8 *buf = NULL;
	guint8 digest[UPD_SHA256_LEN];
	guint64 total = 0;
	gboolean linked = FALSE;
	struct stat st;

	if (in < 0) {
		upd_file_set_error_errno(error, errno, _("cannot open %s"), source);
		return FALSE;
	}
	/* a link shares the inode, and its mode, with the cache and with every
	 * kept version that linked it too: link only when the mode is the one
	 * wanted already, or when nothing else links the inode yet */
	if (may_link && !g_hash_table_contains(ctx->linked, source) && fstat(in, &st) == 0 &&
	    ((st.st_mode & 0777) == (mode & 0777) || st.st_nlink == 1)) {
		g_autofree gchar *base = NULL;
		g_auto(UpdFd) dirfd = upd_install_open_parent(ctx, path, TRUE, &base, error);
		if (dirfd < 0)
			return FALSE;
		if (linkat(AT_FDCWD, source, dirfd, base, 0) == 0) {
			linked = TRUE;
			g_hash_table_add(ctx->linked, g_strdup(source));
			out = openat(dirfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (out < 0 || ((st.st_mode & 0777) != (mode & 0777) &&
					fchmod(out, mode & 0777) != 0)) {
				upd_file_set_error_errno(error, errno,
							 _("cannot set the mode of %s"), path);
				return FALSE;
			}
		} else if (errno != EXDEV && errno != EPERM && errno != EMLINK) {
			upd_file_set_error_errno(error, errno, _("cannot create %s"), path);
			return FALSE;
		}
	}
	if (!linked) {
		out = upd_install_create_file(ctx, path, mode, error);
		if (out < 0)
			return FALSE;
	}
	buf = g_malloc(UPD_INSTALL_COPY_CHUNK);
	for (;;) {
		ssize_t n = read(in, buf, UPD_INSTALL_COPY_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			upd_file_set_error_errno(error, errno, _("cannot read %s"), source);
			return FALSE;
		}
		if (n == 0)
			break;
		upd_sha256_update(sha, buf, (gsize)n);
		total += (guint64)n;
		if (!linked && !upd_file_write_all(out, buf, (gsize)n, path, error))
			return FALSE;
		if (upd_install_cancelled(ctx, error))
			return FALSE;
	}
	upd_sha256_finish(sha, digest);
	if (object != NULL &&
	    (total != object->size || memcmp(digest, object->sha256.data, UPD_SHA256_LEN) != 0)) {
		g_autofree gchar *expected = upd_sha256_to_hex(object->sha256.data);
		g_autofree gchar *actual = upd_sha256_to_hex(digest);
		g_set_error(error, UPD_ERROR, UPD_ERROR_DIGEST_MISMATCH,
			    _("%s (for %s) has SHA-256 %s, expected %s"), source, path, actual,
			    expected);
		return FALSE;
	}
	return upd_install_account(ctx, total, error);
}

static gboolean
upd_install_place_file(UpdInstallContext *ctx, const gchar *path, guint index, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	UpdInstallEntry *item;

	if (index >= ctx->entries->len ||
	    ((UpdInstallEntry *)ctx->entries->pdata[index])->source == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("tree entry %u has no content to place"), index);
		return FALSE;
	}
	item = g_ptr_array_index(ctx->entries, index);
	if (!upd_install_place(ctx, path, item->source, item->from_cache, item->entry->mode,
			       item->entry->object, &error_local)) {
		/* a damaged download (a crash before the cache was synced, a
		 * user's edit) is removed: the next attempt downloads it again */
		if (item->from_cache &&
		    g_error_matches(error_local, UPD_ERROR, UPD_ERROR_DIGEST_MISMATCH) &&
		    unlink(item->source) == 0) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_DIGEST_MISMATCH,
				    _("%s; it was removed from the download cache, and the next "
				      "attempt downloads it again"),
				    error_local->message);
			return FALSE;
		}
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	return TRUE;
}

static gboolean
upd_install_place_payload(UpdInstallContext *ctx, const gchar *path, guint mode, GError **error)
{
	if (ctx->payload_path == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("component %s has no single-file payload"), ctx->component);
		return FALSE;
	}
	/* the payload's cache file may be linked: it is not used again */
	return upd_install_place(ctx, path, ctx->payload_path, TRUE, mode, ctx->payload_object,
				 error);
}

static const gchar *
upd_install_get_app_id(UpdInstallContext *ctx)
{
	return ctx->app_id;
}

static const gchar *
upd_install_get_version(UpdInstallContext *ctx)
{
	return ctx->version;
}

static const gchar *
upd_install_get_component(UpdInstallContext *ctx)
{
	return ctx->component;
}

static UpdPayloadType
upd_install_get_payload_type(UpdInstallContext *ctx)
{
	return ctx->type;
}

static const gchar *
upd_install_get_payload_path(UpdInstallContext *ctx)
{
	return ctx->payload_path;
}

static const gchar *
upd_install_get_payload_filename(UpdInstallContext *ctx)
{
	return ctx->payload_filename;
}

static const gchar *
upd_install_get_staging_dir(UpdInstallContext *ctx)
{
	return ctx->staging_dir;
}

static GCancellable *
upd_install_get_cancellable(UpdInstallContext *ctx)
{
	return ctx->cancellable;
}

static guint
upd_install_get_n_entries(UpdInstallContext *ctx)
{
	return ctx->entries->len;
}

static gboolean
upd_install_get_entry(UpdInstallContext *ctx,
		      guint index,
		      const gchar **path,
		      guint *mode,
		      const gchar **symlink_target,
		      gboolean *is_directory,
		      const gchar **source)
{
	UpdInstallEntry *item;

	if (index >= ctx->entries->len)
		return FALSE;
	item = g_ptr_array_index(ctx->entries, index);
	if (path != NULL)
		*path = item->entry->path;
	if (mode != NULL)
		*mode = item->entry->mode;
	if (symlink_target != NULL)
		*symlink_target = item->entry->symlink_target;
	if (is_directory != NULL)
		*is_directory = item->entry->has_directory && item->entry->directory;
	if (source != NULL)
		*source = item->source;
	return TRUE;
}

static void
upd_install_log(UpdInstallContext *ctx, const gchar *message)
{
	g_debug("installer (%s %s): %s", ctx->component, ctx->version, message);
}

static const UpdInstallerHost upd_install_host = {
	.abi_version = UPD_INSTALLER_ABI_VERSION,
	.struct_size = sizeof(UpdInstallerHost),
	.get_app_id = upd_install_get_app_id,
	.get_version = upd_install_get_version,
	.get_component = upd_install_get_component,
	.get_payload_type = upd_install_get_payload_type,
	.get_payload_path = upd_install_get_payload_path,
	.get_payload_filename = upd_install_get_payload_filename,
	.get_staging_dir = upd_install_get_staging_dir,
	.get_cancellable = upd_install_get_cancellable,
	.create_file = upd_install_create_file,
	.create_directory = upd_install_create_directory,
	.create_symlink = upd_install_create_symlink,
	.create_hardlink = upd_install_create_hardlink,
	.account = upd_install_account,
	.get_n_entries = upd_install_get_n_entries,
	.get_entry = upd_install_get_entry,
	.place_file = upd_install_place_file,
	.place_payload = upd_install_place_payload,
	.log = upd_install_log,
};

const UpdInstallerHost *
upd_install_host_get(void)
{
	return &upd_install_host;
}
