/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <elf.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "upd-install-context-private.h"
#include "upd-install-dir-private.h"
#include "upd-installer-registry-private.h"
#include "upd-manifest-private.h"
#include "upd-pb-private.h"
#include "upd-repo-layout-private.h"
#include "upd-test-common.h"
#include "updater.h"

/*
 * Installer tests: releases published with the real updater-publish, served
 * by the real updater-server, checked, planned, downloaded and installed with
 * the library, as an application does. Hostile payloads are valid archives
 * carrying hostile entries; each must end in a clear error naming the entry,
 * with the install directory exactly as it was and nothing written outside.
 * setuid, setgid and sticky bits are documented as stripped, not refused.
 */

#define APP_ID	  "org.example.Installer"
#define MIB	  (G_GUINT64_CONSTANT(1024) * 1024)
#define BASE_VER  "1.0"
#define EXE_NAME  "tool"
#define EXE_TEXT  "#!/bin/sh\necho tool\n"
#define TEST_TIME 1800000000

typedef struct {
	gchar *dir;
	gchar *repo;
	gchar *key; /* PREFIX.secret */
	gchar *public_line;
	gchar *install_dir;
	gchar *outside; /* where hostile entries aim: must stay as it is */
	gchar *config_path;
	gchar *saved_installer_dir;
	gchar *mount_point;	/* (nullable): a tmpfs this test mounted */
	gchar *namespace_error; /* (nullable): why no private mount namespace */
	UpdTestServer *server;
	guint n_versions;
	guint n_payloads;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *prefix = NULL;
	g_autofree gchar *state = NULL;
	g_autofree gchar *cache = NULL;

	f->dir = upd_test_mkdtemp("installer");
	/* every test starts with no state and an empty download cache */
	state = g_build_filename(f->dir, "state", NULL);
	cache = g_build_filename(f->dir, "cache", NULL);
	g_setenv("XDG_STATE_HOME", state, TRUE);
	g_setenv("XDG_CACHE_HOME", cache, TRUE);
	f->repo = g_build_filename(f->dir, "repo", NULL);
	g_assert_cmpint(g_mkdir_with_parents(f->repo, 0755), ==, 0);
	prefix = g_build_filename(f->dir, "key", NULL);
	f->public_line = upd_test_keygen(prefix);
	f->key = g_strdup_printf("%s.secret", prefix);
	f->outside = g_build_filename(f->dir, "outside", NULL);
	g_assert_cmpint(g_mkdir_with_parents(f->outside, 0755), ==, 0);
	f->install_dir = g_build_filename(f->dir, "install", NULL);
	f->config_path = g_build_filename(f->dir, "app.conf", NULL);
	f->saved_installer_dir = g_strdup(g_getenv("UPDATER_INSTALLER_DIR"));
}

/* Mounts made by the full-disk test must not outlive it, even when it
 * crashes: its subprocess gets a mount namespace of its own (whose mounts
 * vanish with it) before it starts any thread, which unshare() needs. */
static void
fixture_setup_private_mounts(Fixture *f, gconstpointer user_data)
{
	if (g_test_subprocess()) {
		if (unshare(CLONE_NEWNS) != 0)
			f->namespace_error = g_strdup_printf("unshare(CLONE_NEWNS) failed: %s",
							     g_strerror(errno));
		else if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
			f->namespace_error = g_strdup_printf("making / a private mount failed: %s",
							     g_strerror(errno));
	}
	fixture_setup(f, user_data);
}

static void
fixture_teardown(Fixture *f, gconstpointer user_data)
{
	g_clear_pointer(&f->server, upd_test_server_stop);
	if (f->mount_point != NULL) {
		const gchar *argv[] = {"umount", f->mount_point, NULL};
		g_autofree gchar *err = NULL;
		if (upd_test_run(argv, NULL, NULL, NULL, &err) != 0)
			g_test_message("umount %s: %s", f->mount_point, err);
	}
	if (f->saved_installer_dir != NULL)
		g_setenv("UPDATER_INSTALLER_DIR", f->saved_installer_dir, TRUE);
	else
		g_unsetenv("UPDATER_INSTALLER_DIR");
	g_free(f->dir);
	g_free(f->repo);
	g_free(f->key);
	g_free(f->public_line);
	g_free(f->install_dir);
	g_free(f->outside);
	g_free(f->config_path);
	g_free(f->saved_installer_dir);
	g_free(f->mount_point);
	g_free(f->namespace_error);
}

/* ------------------------------------------------------------ assertions */

/* @error is UPD_ERROR @code and its message contains @needle; a mismatch
 * fails the test without stopping it (assertions are not fatal here) */
static void
assert_error(const GError *error, gint code, const gchar *needle)
{
	g_assert_error(error, UPD_ERROR, code);
	if (error != NULL && needle != NULL && strstr(error->message, needle) == NULL)
		g_test_fail_printf("the error “%s” does not name “%s”", error->message, needle);
}

static gchar *
fixture_path(Fixture *f, const gchar *name)
{
	return g_build_filename(f->dir, name, NULL);
}

/* no staging or trash directory is left in @dir */
static void
assert_no_leftovers(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		if (g_str_has_prefix(name, ".staging-") || g_str_has_prefix(name, ".trash-"))
			g_test_fail_printf("%s/%s was left behind", dir, name);
	}
}

static guint
file_mode(const gchar *path)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		g_test_fail_printf("%s: %s", path, g_strerror(errno));
		return 0;
	}
	return st.st_mode;
}

/* ------------------------------------------------------------- payloads */

typedef enum {
	ENTRY_FILE,
	ENTRY_DIR,
	ENTRY_SYMLINK,
	ENTRY_HARDLINK,
	ENTRY_CHR,
	ENTRY_BLK,
	ENTRY_FIFO,
} EntryKind;

typedef struct {
	EntryKind kind;
	const gchar *path;
	const gchar *data; /* a file's content, a link's target */
	guint perm;	   /* 0: 0644 for files, 0755 for directories */
} TestEntry;

typedef enum {
	FORMAT_ZIP,
	FORMAT_TAR_GZ,
} TestFormat;

static const gchar *
format_suffix(TestFormat format)
{
	return format == FORMAT_ZIP ? "zip" : "tar.gz";
}

static gchar *
fixture_payload_path(Fixture *f, const gchar *suffix)
{
	g_autofree gchar *name = g_strdup_printf("payload-%u.%s", ++f->n_payloads, suffix);
	return g_build_filename(f->dir, name, NULL);
}

static struct archive *
archive_writer_new(const gchar *path, TestFormat format)
{
	struct archive *a = archive_write_new();

	if (format == FORMAT_ZIP) {
		g_assert_cmpint(archive_write_set_format_zip(a), ==, ARCHIVE_OK);
	} else {
		g_assert_cmpint(archive_write_add_filter_gzip(a), ==, ARCHIVE_OK);
		g_assert_cmpint(archive_write_set_format_pax_restricted(a), ==, ARCHIVE_OK);
	}
	g_assert_cmpint(archive_write_open_filename(a, path), ==, ARCHIVE_OK);
	return a;
}

static void
archive_writer_close(struct archive *a)
{
	g_assert_cmpint(archive_write_close(a), ==, ARCHIVE_OK);
	archive_write_free(a);
}

/* an archive with exactly these entries, whatever they say (libarchive
 * writes absolute names, "..", any link target, devices and modes) */
static gchar *
fixture_archive(Fixture *f, TestFormat format, const TestEntry *entries, gsize n)
{
	gchar *path = fixture_payload_path(f, format_suffix(format));
	struct archive *a = archive_writer_new(path, format);

	for (gsize i = 0; i < n; i++) {
		const TestEntry *e = &entries[i];
		struct archive_entry *entry = archive_entry_new();
		gsize len = e->kind == ENTRY_FILE && e->data != NULL ? strlen(e->data) : 0;

		archive_entry_set_pathname(entry, e->path);
		archive_entry_set_mtime(entry, TEST_TIME, 0);
		archive_entry_set_perm(entry, e->perm != 0 ? e->perm : 0644);
		archive_entry_set_size(entry, (la_int64_t)len);
		switch (e->kind) {
		case ENTRY_FILE:
			archive_entry_set_filetype(entry, AE_IFREG);
			break;
		case ENTRY_DIR:
			archive_entry_set_filetype(entry, AE_IFDIR);
			archive_entry_set_perm(entry, e->perm != 0 ? e->perm : 0755);
			break;
		case ENTRY_SYMLINK:
			archive_entry_set_filetype(entry, AE_IFLNK);
			archive_entry_set_perm(entry, 0777);
			archive_entry_set_symlink(entry, e->data);
			break;
		case ENTRY_HARDLINK:
			archive_entry_set_filetype(entry, AE_IFREG);
			archive_entry_set_hardlink(entry, e->data);
			break;
		case ENTRY_CHR:
			archive_entry_set_filetype(entry, AE_IFCHR);
			archive_entry_set_rdev(entry, makedev(1, 3));
			break;
		case ENTRY_BLK:
			archive_entry_set_filetype(entry, AE_IFBLK);
			archive_entry_set_rdev(entry, makedev(7, 0));
			break;
		case ENTRY_FIFO:
		default:
			archive_entry_set_filetype(entry, AE_IFIFO);
			break;
		}
		g_assert_cmpint(archive_write_header(a, entry), ==, ARCHIVE_OK);
		if (len > 0)
			g_assert_cmpint(archive_write_data(a, e->data, len), ==, (la_ssize_t)len);
		archive_entry_free(entry);
	}
	archive_writer_close(a);
	return path;
}

/* bytes that do not compress, the same for the same seed */
static guint8 *
make_noise(guint32 seed, gsize len)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
	guint8 *data = g_malloc(len);

	for (gsize i = 0; i < len; i++)
		data[i] = (guint8)g_rand_int_range(rand, 0, 256);
	return data;
}

/* one file of @zeros_len zero bytes, compressed: an archive bomb when the
 * zeros are many */
static gchar *
fixture_zeros_archive(Fixture *f, TestFormat format, guint64 zeros_len)
{
	gchar *path = fixture_payload_path(f, format_suffix(format));
	struct archive *a = archive_writer_new(path, format);
	struct archive_entry *entry = archive_entry_new();
	g_autofree guint8 *zeros = g_malloc0(MIB);

	archive_entry_set_pathname(entry, "data/zeros");
	archive_entry_set_mtime(entry, TEST_TIME, 0);
	archive_entry_set_filetype(entry, AE_IFREG);
	archive_entry_set_perm(entry, 0644);
	archive_entry_set_size(entry, (la_int64_t)zeros_len);
	g_assert_cmpint(archive_write_header(a, entry), ==, ARCHIVE_OK);
	for (guint64 done = 0; done < zeros_len;) {
		gsize chunk = (gsize)MIN(MIB, zeros_len - done);
		g_assert_cmpint(archive_write_data(a, zeros, chunk), ==, (la_ssize_t)chunk);
		done += chunk;
	}
	archive_entry_free(entry);
	archive_writer_close(a);
	return path;
}

/* a tar.gz with @noise_len random bytes in "data/noise", then "data/sparse":
 * a sparse file of @size bytes whose only data is one byte at its start or
 * at its end; the rest is a hole */
static gchar *
fixture_sparse_archive(Fixture *f, gsize noise_len, guint64 size, gboolean data_at_end)
{
	gchar *path = fixture_payload_path(f, "tar.gz");
	struct archive *a = archive_writer_new(path, FORMAT_TAR_GZ);
	struct archive_entry *entry = NULL;

	if (noise_len > 0) {
		g_autofree guint8 *noise = make_noise(f->n_payloads, noise_len);
		entry = archive_entry_new();
		archive_entry_set_pathname(entry, "data/noise");
		archive_entry_set_mtime(entry, TEST_TIME, 0);
		archive_entry_set_filetype(entry, AE_IFREG);
		archive_entry_set_perm(entry, 0644);
		archive_entry_set_size(entry, (la_int64_t)noise_len);
		g_assert_cmpint(archive_write_header(a, entry), ==, ARCHIVE_OK);
		g_assert_cmpint(archive_write_data(a, noise, noise_len), ==, (la_ssize_t)noise_len);
		archive_entry_free(entry);
	}
	entry = archive_entry_new();
	archive_entry_set_pathname(entry, "data/sparse");
	archive_entry_set_mtime(entry, TEST_TIME, 0);
	archive_entry_set_filetype(entry, AE_IFREG);
	archive_entry_set_perm(entry, 0644);
	archive_entry_set_size(entry, (la_int64_t)size);
	archive_entry_sparse_add_entry(entry, data_at_end ? (la_int64_t)size - 1 : 0, 1);
	g_assert_cmpint(archive_write_header(a, entry), ==, ARCHIVE_OK);
	g_assert_cmpint(archive_write_data(a, "x", 1), ==, 1);
	archive_entry_free(entry);
	archive_writer_close(a);
	return path;
}

/* --- zip archives written byte by byte, so that their headers can lie --- */

typedef struct {
	const gchar *path;
	const guint8 *data;
	gsize len;
	gint64 declared; /* the uncompressed size the headers state; -1: @len */
	guint32 mode;	 /* st_mode with the file type, as Unix zip tools store it */
	gboolean deflate;
	gboolean bad_crc;
} RawZipEntry;

static guint32
crc32_compute(const guint8 *data, gsize len)
{
	guint32 crc = 0xffffffff;

	for (gsize i = 0; i < len; i++) {
		crc ^= data[i];
		for (guint bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ ((crc & 1) != 0 ? 0xedb88320 : 0);
	}
	return ~crc;
}

static GBytes *
deflate_raw(const guint8 *data, gsize len)
{
	g_autoptr(GZlibCompressor) compressor =
		g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_RAW, 9);
	g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable();
	g_autoptr(GOutputStream) out =
		g_converter_output_stream_new(memory, G_CONVERTER(compressor));
	g_autoptr(GError) error = NULL;
	gsize written = 0;

	g_output_stream_write_all(out, data, len, &written, NULL, &error);
	g_assert_no_error(error);
	g_output_stream_close(out, NULL, &error);
	g_assert_no_error(error);
	return g_memory_output_stream_steal_as_bytes(G_MEMORY_OUTPUT_STREAM(memory));
}

static void
put16(GByteArray *out, guint value)
{
	guint8 bytes[2] = {value & 0xff, (value >> 8) & 0xff};
	g_byte_array_append(out, bytes, sizeof(bytes));
}

static void
put32(GByteArray *out, guint32 value)
{
	put16(out, value & 0xffff);
	put16(out, value >> 16);
}

static void
put_bytes(GByteArray *out, gconstpointer data, gsize len)
{
	if (len > 0)
		g_byte_array_append(out, data, (guint)len);
}

/* a zip archive; with @cut_after >= 0 it ends right after that entry, with
 * no central directory: truncated exactly at an entry boundary */
static gchar *
fixture_raw_zip(Fixture *f, const RawZipEntry *entries, gsize n, gint cut_after)
{
	gchar *path = fixture_payload_path(f, "zip");
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GByteArray) central = g_byte_array_new();
	guint32 central_offset;

	for (gsize i = 0; i < n; i++) {
		const RawZipEntry *e = &entries[i];
		g_autoptr(GBytes) packed = e->deflate ? deflate_raw(e->data, e->len)
						      : g_bytes_new_static(e->data, e->len);
		guint32 crc = crc32_compute(e->data, e->len) ^ (e->bad_crc ? 1 : 0);
		guint32 size = e->declared >= 0 ? (guint32)e->declared : (guint32)e->len;
		guint32 packed_len = (guint32)g_bytes_get_size(packed);
		guint32 offset = out->len;
		guint name_len = (guint)strlen(e->path);

		/* local file header: version 2.0, no flags, stored or deflated */
		put32(out, 0x04034b50);
		put16(out, 20);
		put16(out, 0);
		put16(out, e->deflate ? 8 : 0);
		put16(out, 0);
		put16(out, 0x21);
		put32(out, crc);
		put32(out, packed_len);
		put32(out, size);
		put16(out, name_len);
		put16(out, 0);
		put_bytes(out, e->path, name_len);
		put_bytes(out, g_bytes_get_data(packed, NULL), packed_len);
		if ((gint)i == cut_after)
			break;

		/* central directory entry, made by Unix so that the mode counts */
		put32(central, 0x02014b50);
		put16(central, 0x031e);
		put16(central, 20);
		put16(central, 0);
		put16(central, e->deflate ? 8 : 0);
		put16(central, 0);
		put16(central, 0x21);
		put32(central, crc);
		put32(central, packed_len);
		put32(central, size);
		put16(central, name_len);
		put16(central, 0);
		put16(central, 0);
		put16(central, 0);
		put16(central, 0);
		put32(central, e->mode << 16);
		put32(central, offset);
		put_bytes(central, e->path, name_len);
	}
	if (cut_after < 0) {
		central_offset = out->len;
		put_bytes(out, central->data, central->len);
		put32(out, 0x06054b50);
		put16(out, 0);
		put16(out, 0);
		put16(out, (guint)n);
		put16(out, (guint)n);
		put32(out, central->len);
		put32(out, central_offset);
		put16(out, 0);
	}
	upd_test_write_file(path, (const gchar *)out->data, out->len, 0644);
	return path;
}

/* ----------------------------------------------- publish, check, install */

static gchar *
fixture_publish(Fixture *f, const gchar *payload, const gchar *type)
{
	gchar *version = g_strdup_printf("2.%u", ++f->n_versions);

	if (type != NULL)
		upd_test_publish(f->repo, f->key, APP_ID, version, payload, "--type", type, NULL);
	else
		upd_test_publish(f->repo, f->key, APP_ID, version, payload, NULL);
	return version;
}

static UpdAppConfig *
fixture_config(Fixture *f)
{
	g_autofree gchar *install = g_strdup_printf("InstallDir=%s", f->install_dir);
	g_autoptr(GError) error = NULL;
	UpdAppConfig *config;

	if (f->server == NULL)
		f->server = upd_test_server_start(f->repo, NULL);
	g_free(upd_test_write_config(f->config_path, APP_ID, f->server->url, f->public_line,
				     install, NULL));
	config = upd_app_config_new_from_file(f->config_path, &error);
	g_assert_no_error(error);
	return config;
}

/* checks, plans, downloads and installs the newest release, as an
 * application does; installer plugins come from UPDATER_INSTALLER_DIR as it
 * is now */
static gboolean
fixture_install(Fixture *f, GError **error)
{
	g_autoptr(UpdAppConfig) config = fixture_config(f);
	g_autoptr(UpdClient) client = upd_client_new(config);
	g_autoptr(UpdCheckResult) result = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(UpdTransaction) transaction = NULL;
	g_autoptr(GError) error_local = NULL;

	result = upd_client_check(client, NULL, &error_local);
	g_assert_no_error(error_local);
	g_assert_nonnull(upd_check_result_get_update(result));
	plan = upd_client_plan(client, result, NULL, NULL, &error_local);
	g_assert_no_error(error_local);
	downloader = upd_downloader_new(config);
	upd_downloader_download(downloader, plan, NULL, &error_local);
	g_assert_no_error(error_local);
	transaction = upd_transaction_new(config);
	return upd_transaction_install(transaction, plan, UPD_INSTALL_FLAGS_NONE, NULL, error);
}

static void
fixture_install_ok(Fixture *f, const gchar *version)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *current = NULL;

	fixture_install(f, &error);
	g_assert_no_error(error);
	current = upd_install_dir_get_current(f->install_dir);
	g_assert_cmpstr(current, ==, version);
	assert_no_leftovers(f->install_dir);
}

/* version 1.0, a tar.gz, installed and current: what hostile releases
 * must leave alone */
static void
fixture_install_base(Fixture *f)
{
	g_autofree gchar *payload = fixture_path(f, "base.tar.gz");

	upd_test_make_tar_gz(payload, "bin/app", "#!/bin/sh\necho 1\n", "share/data", "one\n",
			     NULL);
	upd_test_publish(f->repo, f->key, APP_ID, BASE_VER, payload, NULL);
	fixture_install_ok(f, BASE_VER);
}

/* Installs the newest release and expects it refused with @code and a
 * message containing each of @needles. The install directory (its names,
 * modes, contents and "current") and the directory hostile entries aim at
 * are as they were; an install directory that did not exist still does not. */
static void
fixture_expect_refused_all(Fixture *f, gint code, const gchar *const *needles)
{
	gboolean existed = g_file_test(f->install_dir, G_FILE_TEST_EXISTS);
	g_autofree gchar *before = upd_test_tree_fingerprint(f->install_dir);
	g_autofree gchar *outside_before = upd_test_tree_fingerprint(f->outside);
	g_autofree gchar *current_before = upd_install_dir_get_current(f->install_dir);
	g_autofree gchar *after = NULL;
	g_autofree gchar *outside_after = NULL;
	g_autofree gchar *current_after = NULL;
	g_autoptr(GError) error = NULL;

	if (fixture_install(f, &error)) {
		g_autofree gchar *current = upd_install_dir_get_current(f->install_dir);
		g_test_fail_printf("the install of %s (expected to fail with “%s”) succeeded",
				   current, needles[0]);
		return;
	}
	for (guint i = 0; needles[i] != NULL; i++)
		assert_error(error, code, needles[i]);
	if (error != NULL && strstr(error->message, "(null)") != NULL)
		g_test_fail_printf("the error “%s” prints a null pointer", error->message);
	g_test_message("refused as expected: %s", error->message);
	/* a subprocess's test messages are not shown: its parent reads this */
	if (g_test_subprocess())
		g_print("refused as expected: %s\n", error->message);
	after = upd_test_tree_fingerprint(f->install_dir);
	g_assert_cmpstr(after, ==, before);
	g_assert_cmpint(g_file_test(f->install_dir, G_FILE_TEST_EXISTS), ==, existed);
	current_after = upd_install_dir_get_current(f->install_dir);
	g_assert_cmpstr(current_after, ==, current_before);
	assert_no_leftovers(f->install_dir);
	outside_after = upd_test_tree_fingerprint(f->outside);
	g_assert_cmpstr(outside_after, ==, outside_before);
}

static void
fixture_expect_refused(Fixture *f, gint code, const gchar *needle)
{
	const gchar *needles[] = {needle, NULL};

	fixture_expect_refused_all(f, code, needles);
}

/* publishes an archive of @entries and expects it refused */
static void
fixture_refuse_archive(Fixture *f,
		       TestFormat format,
		       const TestEntry *entries,
		       gsize n,
		       gint code,
		       const gchar *needle)
{
	g_autofree gchar *payload = fixture_archive(f, format, entries, n);
	g_autofree gchar *version = fixture_publish(f, payload, NULL);

	g_test_message("%s %s: expecting “%s”", version, format_suffix(format), needle);
	fixture_expect_refused(f, code, needle);
}

static gchar *
fixture_current_path(Fixture *f, const gchar *relative)
{
	return g_build_filename(f->install_dir, UPD_INSTALL_DIR_CURRENT, relative, NULL);
}

/* -------------------------------------------------------- good archives */

/* what the hostile cases are measured against: directories, files, a
 * symbolic link and a hard link that stay inside install fine */
static void
test_good_archives(Fixture *f, gconstpointer user_data)
{
	const TestEntry entries[] = {
		{ENTRY_DIR, "share", NULL, 0},
		{ENTRY_FILE, "share/data", "data\n", 0644},
		{ENTRY_SYMLINK, "share/link", "data", 0},
		{ENTRY_FILE, "bin/app", "#!/bin/sh\necho 2\n", 0755},
		{ENTRY_SYMLINK, "bin/data", "../share/data", 0},
		{ENTRY_HARDLINK, "share/hard", "share/data", 0},
	};

	fixture_install_base(f);
	for (TestFormat format = FORMAT_ZIP; format <= FORMAT_TAR_GZ; format++) {
		/* zip has no hard links */
		gsize n = G_N_ELEMENTS(entries) - (format == FORMAT_ZIP ? 1 : 0);
		g_autofree gchar *payload = fixture_archive(f, format, entries, n);
		g_autofree gchar *version = fixture_publish(f, payload, NULL);
		g_autofree gchar *data = fixture_current_path(f, "share/data");
		g_autofree gchar *link = fixture_current_path(f, "share/link");
		g_autofree gchar *up = fixture_current_path(f, "bin/data");
		g_autofree gchar *app = fixture_current_path(f, "bin/app");
		g_autofree gchar *hard = fixture_current_path(f, "share/hard");
		g_autofree gchar *text = NULL;
		g_autofree gchar *target = NULL;
		struct stat st_data;
		struct stat st_hard;

		fixture_install_ok(f, version);
		g_assert_true(g_file_get_contents(up, &text, NULL, NULL));
		g_assert_cmpstr(text, ==, "data\n");
		target = g_file_read_link(link, NULL);
		g_assert_cmpstr(target, ==, "data");
		g_assert_cmpuint(file_mode(app) & 07777, ==, 0755);
		g_assert_cmpuint(file_mode(data) & 07777, ==, 0644);
		if (format == FORMAT_TAR_GZ) {
			g_assert_cmpint(stat(data, &st_data), ==, 0);
			g_assert_cmpint(stat(hard, &st_hard), ==, 0);
			g_assert_cmpuint(st_data.st_ino, ==, st_hard.st_ino);
		}
	}
}

/* --------------------------------------------------------------- hostile */

static void
test_absolute_path(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *evil = g_build_filename(f->outside, "abs", "evil", NULL);
	const TestEntry entries[] = {
		{ENTRY_FILE, "bin/app", "#!/bin/sh\n", 0755},
		{ENTRY_FILE, evil, "evil\n", 0644},
	};

	fixture_install_base(f);
	for (TestFormat format = FORMAT_ZIP; format <= FORMAT_TAR_GZ; format++) {
		fixture_refuse_archive(f, format, entries, G_N_ELEMENTS(entries),
				       UPD_ERROR_INVALID_DATA, evil);
		g_assert_false(g_file_test(evil, G_FILE_TEST_EXISTS));
	}
}

static void
test_dotdot(Fixture *f, gconstpointer user_data)
{
	const gchar *const names[] = {"../evil", "a/../../evil", "../../outside/evil"};
	g_autofree gchar *evil = g_build_filename(f->outside, "evil", NULL);

	fixture_install_base(f);
	for (TestFormat format = FORMAT_ZIP; format <= FORMAT_TAR_GZ; format++) {
		for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
			const TestEntry entries[] = {
				{ENTRY_FILE, "bin/app", "#!/bin/sh\n", 0755},
				{ENTRY_FILE, names[i], "evil\n", 0644},
			};
			fixture_refuse_archive(f, format, entries, G_N_ELEMENTS(entries),
					       UPD_ERROR_INVALID_DATA, names[i]);
		}
	}
	g_assert_false(g_file_test(evil, G_FILE_TEST_EXISTS));
}

/* a symbolic link out of the tree, then a file written through it: the link
 * is refused, so nothing reaches the outside directory. A link that stays
 * inside cannot be written through either. */
static void
test_symlink_escape(Fixture *f, gconstpointer user_data)
{
	/* the staging directory is InstallDir/.staging-XXXXXX: ../../outside is
	 * f->outside */
	const gchar *const targets[] = {f->outside, "../../outside", "sub/../../../outside"};
	g_autoptr(GDir) outside = NULL;

	fixture_install_base(f);
	for (TestFormat format = FORMAT_ZIP; format <= FORMAT_TAR_GZ; format++) {
		for (guint i = 0; i < G_N_ELEMENTS(targets); i++) {
			const TestEntry entries[] = {
				{ENTRY_FILE, "bin/app", "#!/bin/sh\n", 0755},
				{ENTRY_SYMLINK, "link", targets[i], 0},
				{ENTRY_FILE, "link/file", "evil\n", 0644},
			};
			g_autofree gchar *needle = g_strdup_printf("link -> %s", targets[i]);
			fixture_refuse_archive(f, format, entries, G_N_ELEMENTS(entries),
					       UPD_ERROR_INVALID_DATA, needle);
		}
		{
			const TestEntry entries[] = {
				{ENTRY_DIR, "real", NULL, 0},
				{ENTRY_SYMLINK, "inner", "real", 0},
				{ENTRY_FILE, "inner/file", "through a link\n", 0644},
			};
			fixture_refuse_archive(f, format, entries, G_N_ELEMENTS(entries),
					       UPD_ERROR_INVALID_DATA, "inner/file");
		}
	}
	/* what the links aimed at is still empty */
	outside = g_dir_open(f->outside, 0, NULL);
	g_assert_nonnull(outside);
	if (outside != NULL)
		g_assert_null(g_dir_read_name(outside));
}

/* Each link of a chain stays inside when its target is read as text, but
 * ".." after a link to "." leaves the directory the link is in: l1 -> l0/..
 * is the staging directory's parent, l2 -> l1/.. its grandparent, and so on
 * up to "/", from where the last link names any path. The host documents
 * that a link's target, resolved from the link's directory, stays inside. */
static void
test_symlink_chain(Fixture *f, gconstpointer user_data)
{
	g_auto(GStrv) parts = g_strsplit(f->install_dir, "/", -1);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func(g_free);
	g_autofree TestEntry *entries = NULL;
	g_autofree gchar *payload = NULL;
	g_autofree gchar *version = NULL;
	/* from versions/<v>, one level deeper than the staging directory, to "/" */
	guint levels = g_strv_length(parts) + 2;
	guint n;

	fixture_install_base(f);
	g_ptr_array_add(names, g_strdup("l0"));
	g_ptr_array_add(targets, g_strdup("."));
	for (guint i = 1; i <= levels; i++) {
		g_ptr_array_add(names, g_strdup_printf("l%u", i));
		g_ptr_array_add(targets, g_strdup_printf("l%u/..", i - 1));
	}
	g_ptr_array_add(names, g_strdup("escape"));
	g_ptr_array_add(targets, g_strdup_printf("l%u%s", levels, f->outside));
	n = names->len;
	entries = g_new0(TestEntry, n + 1);
	entries[0] = (TestEntry){ENTRY_FILE, "bin/app", "#!/bin/sh\n", 0755};
	for (guint i = 0; i < n; i++)
		entries[i + 1] = (TestEntry){ENTRY_SYMLINK, g_ptr_array_index(names, i),
					     g_ptr_array_index(targets, i), 0};
	payload = fixture_archive(f, FORMAT_TAR_GZ, entries, n + 1);
	version = fixture_publish(f, payload, NULL);
	fixture_expect_refused(f, UPD_ERROR_INVALID_DATA, "points outside");
	{
		g_autofree gchar *escape = fixture_current_path(f, "escape");
		g_autofree gchar *resolved = realpath(escape, NULL);
		if (resolved != NULL)
			g_test_message("installed %s resolves to %s", escape, resolved);
	}
}

/* hard links to files outside: refused, and the files gain no link */
static void
test_hardlink_escape(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *secret = g_build_filename(f->outside, "secret", NULL);
	const gchar *const targets[] = {"/etc/passwd", secret, "../x", "../../outside/secret"};
	struct stat st_passwd;
	struct stat st_secret;
	struct stat st;

	upd_test_write_file(secret, "secret\n", -1, 0600);
	g_assert_cmpint(stat("/etc/passwd", &st_passwd), ==, 0);
	g_assert_cmpint(stat(secret, &st_secret), ==, 0);
	fixture_install_base(f);
	for (guint i = 0; i < G_N_ELEMENTS(targets); i++) {
		const TestEntry entries[] = {
			{ENTRY_FILE, "bin/app", "#!/bin/sh\n", 0755},
			{ENTRY_HARDLINK, "hard", targets[i], 0},
		};
		g_autofree gchar *needle = g_strdup_printf("hard link hard: path “%s”", targets[i]);
		fixture_refuse_archive(f, FORMAT_TAR_GZ, entries, G_N_ELEMENTS(entries),
				       UPD_ERROR_INVALID_DATA, needle);
	}
	{
		/* to something staged before that is not a regular file */
		const TestEntry entries[] = {
			{ENTRY_SYMLINK, "link", "bin", 0},
			{ENTRY_HARDLINK, "hard", "link", 0},
		};
		fixture_refuse_archive(f, FORMAT_TAR_GZ, entries, G_N_ELEMENTS(entries),
				       UPD_ERROR_INVALID_DATA, "hard link hard -> link");
	}
	g_assert_cmpint(stat("/etc/passwd", &st), ==, 0);
	g_assert_cmpuint(st.st_nlink, ==, st_passwd.st_nlink);
	g_assert_cmpint(stat(secret, &st), ==, 0);
	g_assert_cmpuint(st.st_nlink, ==, st_secret.st_nlink);
}

static void
test_device_nodes(Fixture *f, gconstpointer user_data)
{
	const EntryKind kinds[] = {ENTRY_CHR, ENTRY_BLK, ENTRY_FIFO};
	const guint32 zip_modes[] = {S_IFCHR | 0644, S_IFBLK | 0644};
	const gchar *const zip_names[] = {"dev/zip-chr", "dev/zip-blk"};

	fixture_install_base(f);
	for (guint i = 0; i < G_N_ELEMENTS(kinds); i++) {
		g_autofree gchar *name = g_strdup_printf("dev/node%u", i);
		const TestEntry entries[] = {
			{ENTRY_FILE, "bin/app", "#!/bin/sh\n", 0755},
			{kinds[i], name, NULL, 0644},
		};
		g_autofree gchar *needle =
			g_strdup_printf("archive entry %s is a device node", name);
		fixture_refuse_archive(f, FORMAT_TAR_GZ, entries, G_N_ELEMENTS(entries),
				       UPD_ERROR_INVALID_DATA, needle);
	}
	/* zip keeps the type in the Unix mode; libarchive reads a FIFO mode as a
	 * regular file, so only character and block devices are tried */
	for (guint i = 0; i < G_N_ELEMENTS(zip_modes); i++) {
		const RawZipEntry entries[] = {
			{"bin/app", (const guint8 *)"#!/bin/sh\n", 10, -1, S_IFREG | 0755, FALSE,
			 FALSE},
			{zip_names[i], NULL, 0, -1, zip_modes[i], FALSE, FALSE},
		};
		g_autofree gchar *payload = fixture_raw_zip(f, entries, G_N_ELEMENTS(entries), -1);
		g_autofree gchar *version = fixture_publish(f, payload, NULL);
		g_autofree gchar *needle =
			g_strdup_printf("archive entry %s is a device node", zip_names[i]);
		fixture_expect_refused(f, UPD_ERROR_INVALID_DATA, needle);
	}
}

/* documented behaviour: setuid, setgid and sticky bits are stripped, not
 * refused; the install succeeds with plain permissions */
static void
test_setuid_stripped(Fixture *f, gconstpointer user_data)
{
	const TestEntry entries[] = {
		{ENTRY_FILE, "bin/suid", "#!/bin/sh\n", 04755},
		{ENTRY_FILE, "bin/sgid", "#!/bin/sh\n", 02755},
		{ENTRY_FILE, "bin/both", "#!/bin/sh\n", 06711},
		{ENTRY_DIR, "shared", NULL, 01777},
		{ENTRY_DIR, "group", NULL, 02775},
		{ENTRY_FILE, "shared/sticky", "x\n", 01644},
	};
	const struct {
		const gchar *path;
		guint mode;
	} expected[] = {
		{"bin/suid", 0755}, {"bin/sgid", 0755}, {"bin/both", 0711},
		{"shared", 0777},   {"group", 0775},	{"shared/sticky", 0644},
	};

	fixture_install_base(f);
	for (TestFormat format = FORMAT_ZIP; format <= FORMAT_TAR_GZ; format++) {
		g_autofree gchar *payload =
			fixture_archive(f, format, entries, G_N_ELEMENTS(entries));
		g_autofree gchar *version = fixture_publish(f, payload, NULL);

		fixture_install_ok(f, version);
		for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
			g_autofree gchar *path = fixture_current_path(f, expected[i].path);
			guint mode = file_mode(path);
			g_test_message("%s %s: %o", format_suffix(format), expected[i].path,
				       mode & 07777);
			g_assert_cmpuint(mode & (S_ISUID | S_ISGID | S_ISVTX), ==, 0);
			g_assert_cmpuint(mode & 0777, ==, expected[i].mode);
		}
	}
}

/* --- manifests edited after publishing: payloads that do not match their type */

/* swaps what two releases' payloads carry: filenames and/or objects */
static void
swap_payloads(Updater__Manifest *manifest,
	      const gchar *version_a,
	      const gchar *version_b,
	      gboolean objects,
	      gboolean filenames)
{
	Updater__Payload *a = NULL;
	Updater__Payload *b = NULL;

	for (gsize i = 0; i < manifest->n_releases; i++) {
		Updater__Release *release = manifest->releases[i];
		if (g_strcmp0(release->version, version_a) == 0)
			a = release->components[0]->payload;
		if (g_strcmp0(release->version, version_b) == 0)
			b = release->components[0]->payload;
	}
	g_assert_nonnull(a);
	g_assert_nonnull(b);
	if (objects) {
		Updater__Object *object = a->object;
		a->object = b->object;
		b->object = object;
	}
	if (filenames) {
		gchar *filename = a->filename;
		a->filename = b->filename;
		b->filename = filename;
	}
}

/* Rewrites the channel's manifest so that release @to carries the payload
 * object (and, with @filename, the file name) published for @from, signed
 * with the publisher's key: a manifest that says one thing of bytes that are
 * another, which updater-publish itself refuses to make. */
static void
fixture_graft_payload(Fixture *f, const gchar *from, const gchar *to, gboolean filename)
{
	g_autofree gchar *relative = upd_repo_manifest_path(APP_ID, "stable");
	g_autofree gchar *path = g_build_filename(f->repo, relative, NULL);
	g_autofree gchar *data = NULL;
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(UpdManifest) manifest = NULL;
	g_autoptr(UpdKey) key = NULL;
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GBytes) signed_manifest = NULL;
	g_autoptr(GError) error = NULL;
	Updater__Manifest *pb;
	gsize len = 0;

	g_assert_true(g_file_get_contents(path, &data, &len, &error));
	bytes = g_bytes_new(data, len);
	manifest = upd_manifest_new_unverified(bytes, &error);
	g_assert_no_error(error);
	key = upd_key_new_from_secret_file(f->key, &error);
	g_assert_no_error(error);
	g_ptr_array_add(keys, g_object_ref(key));
	pb = (Updater__Manifest *)upd_manifest_get_pb(manifest);
	swap_payloads(pb, from, to, TRUE, filename);
	pb->serial++;
	signed_manifest = upd_manifest_sign_pb(pb, keys, &error);
	/* swapped back: each object is freed once, with the message it came in */
	swap_payloads(pb, from, to, TRUE, filename);
	pb->serial--;
	g_assert_no_error(error);
	upd_test_write_file(path, g_bytes_get_data(signed_manifest, NULL),
			    (gssize)g_bytes_get_size(signed_manifest), 0644);
}

/* A ".zip" payload that is a tar.gz, and a tar.gz declared as zip, are
 * refused before anything is staged; the install directory, which did not
 * exist, and its parents are not created. */
static void
test_type_mismatch(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *deep = fixture_path(f, "deep");
	g_autofree gchar *tar_gz = fixture_path(f, "app.tar.gz");
	g_autofree gchar *other_tar_gz = fixture_path(f, "other.tar.gz");
	const TestEntry entries[] = {{ENTRY_FILE, "bin/app", "#!/bin/sh\n", 0755}};
	g_autofree gchar *zip = fixture_archive(f, FORMAT_ZIP, entries, G_N_ELEMENTS(entries));
	g_autofree gchar *zip2 = NULL;
	g_autofree gchar *v1 = NULL;
	g_autofree gchar *v2 = NULL;
	g_autofree gchar *v3 = NULL;
	g_autofree gchar *v4 = NULL;

	g_free(f->install_dir);
	f->install_dir = g_build_filename(deep, "er", "install", NULL);
	upd_test_make_tar_gz(tar_gz, "bin/app", "#!/bin/sh\necho tar\n", NULL);
	upd_test_make_tar_gz(other_tar_gz, "bin/app", "#!/bin/sh\necho other\n", NULL);

	/* 2.2 says app.zip, type zip; its bytes are the tar.gz of 2.1 */
	v1 = fixture_publish(f, tar_gz, NULL);
	v2 = fixture_publish(f, zip, NULL);
	fixture_graft_payload(f, v1, v2, FALSE);
	fixture_expect_refused(f, UPD_ERROR_INVALID_DATA, "is declared as zip but is not a zip");
	g_assert_false(g_file_test(deep, G_FILE_TEST_EXISTS));

	/* 2.4 says other.tar.gz, type zip, with tar.gz bytes */
	zip2 = fixture_archive(f, FORMAT_ZIP, entries, G_N_ELEMENTS(entries));
	v3 = fixture_publish(f, other_tar_gz, NULL);
	v4 = fixture_publish(f, zip2, NULL);
	fixture_graft_payload(f, v3, v4, TRUE);
	fixture_expect_refused(f, UPD_ERROR_INVALID_DATA,
			       "other.tar.gz is declared as zip but its name says tar.gz");
	g_assert_false(g_file_test(deep, G_FILE_TEST_EXISTS));
}

static gchar *
fixture_truncate(Fixture *f, const gchar *path, gdouble fraction)
{
	g_autofree gchar *data = NULL;
	g_autofree gchar *name = g_path_get_basename(path);
	g_autofree gchar *cut_name = g_strdup_printf("cut-%s", name);
	gchar *cut = fixture_path(f, cut_name);
	gsize len = 0;

	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	upd_test_write_file(cut, data, (gssize)(len * fraction), 0644);
	return cut;
}

/* archives cut short, published with the digest of what is left */
static void
test_truncated(Fixture *f, gconstpointer user_data)
{
	g_autofree guint8 *noise = make_noise(1, 4 * 65536);
	gchar *parts[4] = {NULL};
	TestEntry entries[4];

	for (guint i = 0; i < G_N_ELEMENTS(entries); i++) {
		/* printable noise, so that it can be a C string */
		parts[i] = g_malloc(65537);
		for (guint j = 0; j < 65536; j++)
			parts[i][j] = (gchar)('!' + noise[i * 65536 + j] % 90);
		parts[i][65536] = '\0';
		entries[i] = (TestEntry){ENTRY_FILE, NULL, parts[i], 0644};
	}
	entries[0].path = "data/a";
	entries[1].path = "data/b";
	entries[2].path = "data/c";
	entries[3].path = "data/d";

	fixture_install_base(f);
	for (TestFormat format = FORMAT_ZIP; format <= FORMAT_TAR_GZ; format++) {
		g_autofree gchar *whole =
			fixture_archive(f, format, entries, G_N_ELEMENTS(entries));
		g_autofree gchar *cut = fixture_truncate(f, whole, 0.5);
		g_autofree gchar *version = fixture_publish(f, cut, NULL);
		const gchar *needles[] = {"truncated", "archive entry data/", NULL};
		fixture_expect_refused_all(f, UPD_ERROR_INVALID_DATA, needles);
	}
	{
		/* a zip that ends right after its first entry */
		const RawZipEntry raw[] = {
			{"one", (const guint8 *)"first\n", 6, -1, S_IFREG | 0644, FALSE, FALSE},
			{"two", (const guint8 *)"second\n", 7, -1, S_IFREG | 0644, FALSE, FALSE},
		};
		g_autofree gchar *payload = fixture_raw_zip(f, raw, G_N_ELEMENTS(raw), 0);
		g_autofree gchar *version = fixture_publish(f, payload, NULL);
		g_autofree gchar *name = g_path_get_basename(payload);
		const gchar *needles[] = {"truncated", name, NULL};
		/* libarchive has no error string for this one: the message must
		 * not print a null pointer (checked for every refusal) */
		fixture_expect_refused_all(f, UPD_ERROR_INVALID_DATA, needles);
	}
	for (guint i = 0; i < G_N_ELEMENTS(parts); i++)
		g_free(parts[i]);
}

/* a zip entry whose CRC-32 does not match its data is a corrupt archive */
static void
test_zip_bad_crc(Fixture *f, gconstpointer user_data)
{
	const RawZipEntry stored[] = {
		{"bin/app", (const guint8 *)"#!/bin/sh\n", 10, -1, S_IFREG | 0755, FALSE, TRUE},
	};
	const RawZipEntry deflated[] = {
		{"bin/app", (const guint8 *)"#!/bin/sh\n", 10, -1, S_IFREG | 0755, TRUE, TRUE},
	};
	g_autofree gchar *payload1 = NULL;
	g_autofree gchar *payload2 = NULL;
	g_autofree gchar *v1 = NULL;
	g_autofree gchar *v2 = NULL;

	fixture_install_base(f);
	payload1 = fixture_raw_zip(f, stored, G_N_ELEMENTS(stored), -1);
	v1 = fixture_publish(f, payload1, NULL);
	fixture_expect_refused(f, UPD_ERROR_INVALID_DATA, "bin/app");
	payload2 = fixture_raw_zip(f, deflated, G_N_ELEMENTS(deflated), -1);
	v2 = fixture_publish(f, payload2, NULL);
	fixture_expect_refused(f, UPD_ERROR_INVALID_DATA, "bin/app");
}

/* a zip entry that declares 64 MiB and holds 11 bytes is corrupt too; it
 * must not become a 64 MiB file */
static void
test_zip_short_entry(Fixture *f, gconstpointer user_data)
{
	const RawZipEntry entries[] = {
		{"data/short", (const guint8 *)"hello world", 11, 64 * MIB, S_IFREG | 0644, FALSE,
		 FALSE},
	};
	g_autofree gchar *payload = NULL;
	g_autofree gchar *version = NULL;

	fixture_install_base(f);
	payload = fixture_raw_zip(f, entries, G_N_ELEMENTS(entries), -1);
	version = fixture_publish(f, payload, NULL);
	fixture_expect_refused(f, UPD_ERROR_INVALID_DATA, "data/short");
	{
		g_autofree gchar *installed = fixture_current_path(f, "data/short");
		struct stat st;
		if (stat(installed, &st) == 0)
			g_test_message("installed %s has %" G_GINT64_FORMAT " bytes", installed,
				       (gint64)st.st_size);
	}
}

/* the same refusal through the real updaterctl: one error line, exit 1 */
static void
test_updaterctl(Fixture *f, gconstpointer user_data)
{
	const TestEntry entries[] = {
		{ENTRY_FILE, "bin/app", "#!/bin/sh\n", 0755},
		{ENTRY_FILE, "../evil", "evil\n", 0644},
	};
	g_autofree gchar *payload = NULL;
	g_autofree gchar *version = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autofree gchar *outside_before = upd_test_tree_fingerprint(f->outside);
	g_autofree gchar *outside_after = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	const gchar *argv[] = {upd_test_program("UPDATERCTL"), "--config", NULL, "install", NULL};

	fixture_install_base(f);
	payload = fixture_archive(f, FORMAT_TAR_GZ, entries, G_N_ELEMENTS(entries));
	version = fixture_publish(f, payload, NULL);
	/* writes the key file updaterctl reads */
	config = fixture_config(f);
	argv[2] = f->config_path;
	before = upd_test_tree_fingerprint(f->install_dir);
	g_assert_cmpint(upd_test_run(argv, NULL, NULL, &out, &err), ==, 1);
	g_test_message("updaterctl said: %s", err);
	g_assert_nonnull(strstr(err, "“../evil” escapes the staging directory"));
	g_assert_true(g_str_has_suffix(err, "\n"));
	g_assert_true(strchr(err, '\n') == err + strlen(err) - 1);
	after = upd_test_tree_fingerprint(f->install_dir);
	g_assert_cmpstr(after, ==, before);
	outside_after = upd_test_tree_fingerprint(f->outside);
	g_assert_cmpstr(outside_after, ==, outside_before);
	assert_no_leftovers(f->install_dir);
}

/* ----------------------------------------------------------------- bombs */

static gchar *
expand_limit_text(const gchar *payload)
{
	struct stat st;
	guint64 limit;

	g_assert_cmpint(stat(payload, &st), ==, 0);
	limit = MAX(UPD_INSTALL_EXPAND_FLOOR, (guint64)st.st_size * UPD_INSTALL_EXPAND_RATIO);
	return g_format_size(limit);
}

/* an entry that expands past the size its header declares is cut off at
 * once: 1 MiB of zeros in a zip entry that says 10 bytes */
static void
test_bomb_lying_size(Fixture *f, gconstpointer user_data)
{
	g_autofree guint8 *zeros = g_malloc0(MIB);
	const RawZipEntry entries[] = {
		{"bin/app", (const guint8 *)"#!/bin/sh\n", 10, -1, S_IFREG | 0755, TRUE, FALSE},
		{"data/bomb", zeros, MIB, 10, S_IFREG | 0644, TRUE, FALSE},
	};
	g_autofree gchar *payload = NULL;
	g_autofree gchar *version = NULL;

	fixture_install_base(f);
	payload = fixture_raw_zip(f, entries, G_N_ELEMENTS(entries), -1);
	version = fixture_publish(f, payload, NULL);
	fixture_expect_refused(f, UPD_ERROR_INVALID_DATA,
			       "archive entry data/bomb expands beyond the 10 bytes it declares");
}

/* 300 MiB of zeros in an archive of a few hundred KiB: the limit is the
 * 256 MiB floor (200 times the archive is less) */
static void
test_bomb_floor(Fixture *f, gconstpointer user_data)
{
	fixture_install_base(f);
	for (TestFormat format = FORMAT_ZIP; format <= FORMAT_TAR_GZ; format++) {
		g_autofree gchar *payload = fixture_zeros_archive(f, format, 300 * MIB);
		g_autofree gchar *version = fixture_publish(f, payload, NULL);
		g_autofree gchar *limit = expand_limit_text(payload);
		g_autofree gchar *floor = g_format_size(UPD_INSTALL_EXPAND_FLOOR);
		g_autofree gchar *needle = g_strdup_printf("expands to more than %s", limit);

		g_assert_cmpstr(limit, ==, floor);
		fixture_expect_refused(f, UPD_ERROR_TOO_LARGE, needle);
	}
}

/* Above the floor the limit is 200 times the archive's size. A 1.6 MiB
 * archive may expand to 320 MiB: 300 MiB installs, 400 MiB does not. The
 * big entries are sparse (their holes count, but cost no disk). */
static void
test_bomb_ratio(Fixture *f, gconstpointer user_data)
{
	gsize noise = 1600 * 1024;
	g_autofree gchar *big = NULL;
	g_autofree gchar *big_version = NULL;
	g_autofree gchar *limit = NULL;
	g_autofree gchar *needle = NULL;
	g_autofree gchar *fits = NULL;
	g_autofree gchar *fits_version = NULL;
	g_autofree gchar *installed = NULL;
	struct stat st;

	fixture_install_base(f);
	big = fixture_sparse_archive(f, noise, 400 * MIB, TRUE);
	big_version = fixture_publish(f, big, NULL);
	limit = expand_limit_text(big);
	needle = g_strdup_printf("expands to more than %s", limit);
	fixture_expect_refused(f, UPD_ERROR_TOO_LARGE, needle);

	fits = fixture_sparse_archive(f, noise, 300 * MIB, TRUE);
	fits_version = fixture_publish(f, fits, NULL);
	fixture_install_ok(f, fits_version);
	installed = fixture_current_path(f, "data/sparse");
	g_assert_cmpint(stat(installed, &st), ==, 0);
	g_assert_cmpuint((guint64)st.st_size, ==, 300 * MIB);
}

/* A sparse entry whose hole is at its end expands as much as one whose hole
 * is at its start: the bytes after the last data count too. */
static void
test_bomb_sparse_tail(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *head = NULL;
	g_autofree gchar *head_version = NULL;
	g_autofree gchar *tail = NULL;
	g_autofree gchar *tail_version = NULL;

	fixture_install_base(f);
	head = fixture_sparse_archive(f, 0, 300 * MIB, TRUE);
	head_version = fixture_publish(f, head, NULL);
	fixture_expect_refused(f, UPD_ERROR_TOO_LARGE, "expands to more than");

	tail = fixture_sparse_archive(f, 0, 300 * MIB, FALSE);
	tail_version = fixture_publish(f, tail, NULL);
	fixture_expect_refused(f, UPD_ERROR_TOO_LARGE, "expands to more than");
	{
		g_autofree gchar *installed = fixture_current_path(f, "data/sparse");
		struct stat st;
		if (stat(installed, &st) == 0)
			g_test_message("installed %s has %" G_GINT64_FORMAT " bytes", installed,
				       (gint64)st.st_size);
	}
}

/* ------------------------------------------------------------- full disk */

static gboolean
fixture_mount_tmpfs(Fixture *f, const gchar *dir, gchar **reason)
{
	const gchar *argv[] = {"mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir, NULL};
	g_autofree gchar *err = NULL;

	if (f->namespace_error != NULL) {
		*reason = g_strdup(f->namespace_error);
		return FALSE;
	}
	if (upd_test_run(argv, NULL, NULL, NULL, &err) != 0) {
		*reason = g_strdup_printf("mount -t tmpfs -o size=2m failed: %s", g_strstrip(err));
		return FALSE;
	}
	f->mount_point = g_strdup(dir);
	return TRUE;
}

/* The install directory on a 2 MiB tmpfs; releases that need more fail
 * with UPD_ERROR_NO_SPACE, leaving the previous version current and whole.
 * Runs in a subprocess with its own mount namespace (see
 * fixture_setup_private_mounts); skipped when tmpfs cannot be mounted. */
static void
test_no_space(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *disk = fixture_path(f, "disk");
	g_autofree gchar *reason = NULL;
	g_autofree gchar *big_tar = NULL;
	g_autofree gchar *big_exe = NULL;
	g_autofree gchar *v1 = NULL;
	g_autofree gchar *v2 = NULL;
	g_autofree gchar *app = NULL;
	g_autofree gchar *text = NULL;
	g_autoptr(GString) script = g_string_new(EXE_TEXT);

	if (!g_test_subprocess()) {
		g_autofree gchar *skip_file = fixture_path(f, "skip-reason");
		g_autofree gchar *skip = NULL;

		g_setenv("UPD_TEST_SKIP_FILE", skip_file, TRUE);
		g_test_trap_subprocess(NULL, 120 * G_USEC_PER_SEC,
				       G_TEST_SUBPROCESS_INHERIT_STDERR);
		g_unsetenv("UPD_TEST_SKIP_FILE");
		g_test_trap_assert_passed();
		if (g_file_get_contents(skip_file, &skip, NULL, NULL)) {
			g_test_skip(skip);
			return;
		}
		/* both refusals happened in the subprocess */
		g_test_trap_assert_stdout("*refused as expected: *No space left on device*"
					  "refused as expected: *No space left on device*");
		return;
	}

	g_assert_cmpint(g_mkdir_with_parents(disk, 0755), ==, 0);
	if (!fixture_mount_tmpfs(f, disk, &reason)) {
		if (g_getenv("UPD_TEST_SKIP_FILE") != NULL)
			upd_test_write_file(g_getenv("UPD_TEST_SKIP_FILE"), reason, -1, 0644);
		g_test_skip(reason);
		return;
	}
	g_free(f->install_dir);
	f->install_dir = g_build_filename(disk, "install", NULL);
	fixture_install_base(f);

	/* an archive that expands to 4 MiB */
	big_tar = fixture_zeros_archive(f, FORMAT_TAR_GZ, 4 * MIB);
	v1 = fixture_publish(f, big_tar, NULL);
	fixture_expect_refused(f, UPD_ERROR_NO_SPACE, "No space left on device");

	/* a 4 MiB executable, copied from the cache on another file system */
	while (script->len < 4 * MIB)
		g_string_append(script, "# padding padding padding padding padding padding\n");
	big_exe = fixture_path(f, EXE_NAME);
	upd_test_write_file(big_exe, script->str, (gssize)script->len, 0755);
	v2 = fixture_publish(f, big_exe, "exe");
	fixture_expect_refused(f, UPD_ERROR_NO_SPACE, "No space left on device");

	/* the previous version is still whole */
	app = fixture_current_path(f, "bin/app");
	g_assert_true(g_file_get_contents(app, &text, NULL, NULL));
	g_assert_cmpstr(text, ==, "#!/bin/sh\necho 1\n");
}

/* --------------------------------------------------------------- plugins */

static gchar *
test_plugin_dir(const gchar *name)
{
	return g_build_filename(upd_test_program("UPD_TEST_PLUGIN_DIR"), name, NULL);
}

static gchar *
real_plugin_dir(const gchar *name)
{
	return g_build_filename(upd_test_program("UPD_PROJECT_BUILDDIR"), "plugins", name, NULL);
}

static gchar *
broken_plugin_dirs(void)
{
	g_autofree gchar *executable = real_plugin_dir("executable");
	g_autofree gchar *noentry = test_plugin_dir("noentry");
	g_autofree gchar *abi = test_plugin_dir("abi");
	g_autofree gchar *small = test_plugin_dir("small");

	return g_strjoin(G_SEARCHPATH_SEPARATOR_S, executable, noentry, abi, small, NULL);
}

/* publishes a shell script as an exe payload */
static gchar *
fixture_publish_exe(Fixture *f, const gchar *text)
{
	g_autofree gchar *path = fixture_path(f, EXE_NAME);

	upd_test_write_file(path, text, -1, 0755);
	return fixture_publish(f, path, "exe");
}

/* modules without the entry point, for another ABI or with a vtable too
 * small are skipped: the real executable installer next to them works */
static void
test_plugins_broken_ignored(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *dirs = broken_plugin_dirs();
	g_autofree gchar *version = NULL;
	g_autofree gchar *tool = NULL;
	g_autofree gchar *text = NULL;

	fixture_install_base(f);
	g_setenv("UPDATER_INSTALLER_DIR", dirs, TRUE);
	version = fixture_publish_exe(f, EXE_TEXT);
	fixture_install_ok(f, version);
	tool = fixture_current_path(f, EXE_NAME);
	g_assert_true(g_file_get_contents(tool, &text, NULL, NULL));
	g_assert_cmpstr(text, ==, EXE_TEXT);
	g_assert_cmpuint(file_mode(tool) & 07777, ==, 0755);
}

static const gchar *
find_line(GPtrArray *lines, const gchar *needle)
{
	for (guint i = 0; i < lines->len; i++) {
		const gchar *line = g_ptr_array_index(lines, i);
		if (strstr(line, needle) != NULL)
			return line;
	}
	return NULL;
}

/* the registry keeps one failure per bad module, naming it and saying why */
static void
test_plugins_failure_reasons(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *dirs = broken_plugin_dirs();
	g_autoptr(UpdInstallerRegistry) registry = upd_installer_registry_new();
	g_autoptr(GError) error = NULL;
	const UpdInstallerPlugin *plugin;
	GPtrArray *failures;
	GPtrArray *names;
	const gchar *line;

	g_assert_true(upd_installer_registry_load_dir(registry, dirs, &error));
	g_assert_no_error(error);
	failures = upd_installer_registry_get_failures(registry);
	names = upd_installer_registry_get_names(registry);
	for (guint i = 0; i < failures->len; i++)
		g_test_message("failure: %s", (const gchar *)g_ptr_array_index(failures, i));
	g_assert_cmpuint(failures->len, ==, 3);
	g_assert_cmpuint(names->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(names, 0), ==, "executable");

	line = find_line(failures, "upd-installer-test-noentry.so");
	g_assert_nonnull(line);
	if (line != NULL)
		g_assert_nonnull(strstr(line, "has no upd_installer_plugin_query() entry point"));
	line = find_line(failures, "upd-installer-test-abi.so");
	g_assert_nonnull(line);
	if (line != NULL)
		g_assert_nonnull(strstr(line, "ABI 99"));
	/* the right ABI with a struct_size too small is not an ABI mismatch: the
	 * reason must say what is wrong */
	line = find_line(failures, "upd-installer-test-small.so");
	g_assert_nonnull(line);
	if (line != NULL && strstr(line, "size") == NULL)
		g_test_fail_printf("the reason for upd-installer-test-small.so does not mention "
				   "its struct size: “%s”",
				   line);

	plugin = upd_installer_registry_lookup(registry, UPD_PAYLOAD_TYPE_EXE, &error);
	g_assert_no_error(error);
	g_assert_nonnull(plugin);
	if (plugin != NULL)
		g_assert_cmpstr(plugin->name, ==, "executable");
}

/* Alone, the test plugin installs exe payloads; next to the real executable
 * installer neither is used, and the error names both. */
static void
test_plugins_conflict(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *good = test_plugin_dir("good");
	g_autofree gchar *executable = real_plugin_dir("executable");
	g_autofree gchar *both = g_strjoin(G_SEARCHPATH_SEPARATOR_S, executable, good, NULL);
	g_autofree gchar *v1 = NULL;
	g_autofree gchar *v2 = NULL;
	g_autofree gchar *marker = NULL;

	fixture_install_base(f);
	g_setenv("UPDATER_INSTALLER_DIR", good, TRUE);
	v1 = fixture_publish_exe(f, EXE_TEXT);
	fixture_install_ok(f, v1);
	marker = fixture_current_path(f, "installed-by-test-exe");
	g_assert_true(g_file_test(marker, G_FILE_TEST_IS_REGULAR));

	g_setenv("UPDATER_INSTALLER_DIR", both, TRUE);
	v2 = fixture_publish_exe(f, "#!/bin/sh\necho two\n");
	fixture_expect_refused(f, UPD_ERROR_PLUGIN,
			       "installers executable and test-exe both claim payload type exe");
}

/* no installer for the type: the error names it; the install directory,
 * which did not exist, is not created */
static void
test_plugins_missing(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *executable = real_plugin_dir("executable");
	g_autofree gchar *deep = fixture_path(f, "deep");
	g_autofree gchar *payload = fixture_path(f, "app.tar.gz");
	g_autofree gchar *version = NULL;

	g_free(f->install_dir);
	f->install_dir = g_build_filename(deep, "install", NULL);
	g_setenv("UPDATER_INSTALLER_DIR", executable, TRUE);
	upd_test_make_tar_gz(payload, "bin/app", "#!/bin/sh\n", NULL);
	version = fixture_publish(f, payload, NULL);
	fixture_expect_refused(f, UPD_ERROR_PLUGIN, "no installer for payload type tar.gz");
	g_assert_false(g_file_test(deep, G_FILE_TEST_EXISTS));
}

/* a plugin's own error reaches the caller; what it staged is removed */
static void
test_plugins_stage_fails(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *failing = test_plugin_dir("failing");
	g_autofree gchar *version = NULL;
	g_autofree gchar *needle = NULL;

	fixture_install_base(f);
	g_setenv("UPDATER_INSTALLER_DIR", failing, TRUE);
	version = fixture_publish_exe(f, EXE_TEXT);
	needle = g_strdup_printf("installing main %s: test-failing refuses to stage main %s",
				 version, version);
	fixture_expect_refused(f, UPD_ERROR_FAILED, needle);
}

/* --------------------------------------------------------------- library */

static gchar *
test_library_path(void)
{
	return test_plugin_dir("payload" G_DIR_SEPARATOR_S "libupd-test-payload.so");
}

/* a copy of the test library with a 16-bit field of its ELF header changed
 * (in host byte order, as the header is for this machine) */
static gchar *
fixture_patched_library(Fixture *f, const gchar *name, goffset offset, guint16 value)
{
	g_autofree gchar *source = test_library_path();
	g_autofree gchar *data = NULL;
	gchar *path = fixture_path(f, name);
	gsize len = 0;

	g_assert_true(g_file_get_contents(source, &data, &len, NULL));
	g_assert_cmpuint(len, >, sizeof(Elf64_Ehdr));
	memcpy(data + offset, &value, sizeof(value));
	upd_test_write_file(path, data, (gssize)len, 0755);
	return path;
}

static void
test_library_installed(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *source = test_library_path();
	g_autofree gchar *version = NULL;
	g_autofree gchar *installed = NULL;
	g_autofree gchar *expected = NULL;
	g_autofree gchar *actual = NULL;
	gsize expected_len = 0;
	gsize actual_len = 0;

	fixture_install_base(f);
	version = fixture_publish(f, source, NULL);
	fixture_install_ok(f, version);
	installed = fixture_current_path(f, "libupd-test-payload.so");
	g_assert_true(g_file_get_contents(source, &expected, &expected_len, NULL));
	g_assert_true(g_file_get_contents(installed, &actual, &actual_len, NULL));
	g_assert_cmpmem(actual, actual_len, expected, expected_len);
	g_assert_cmpuint(file_mode(installed) & 07777, ==, 0644);
}

/* a shared object for another machine passes the magic check of
 * updater-publish, and is refused by the library installer */
static void
test_library_foreign_machine(Fixture *f, gconstpointer user_data)
{
#if defined(__aarch64__)
	const guint16 machine = EM_X86_64;
	const gchar *machine_name = "x86_64";
#else
	const guint16 machine = EM_AARCH64;
	const gchar *machine_name = "aarch64";
#endif
	g_autofree gchar *foreign = fixture_patched_library(
		f, "libforeign.so", G_STRUCT_OFFSET(Elf64_Ehdr, e_machine), machine);
	g_autofree gchar *version = NULL;
	g_autofree gchar *needle = g_strdup_printf(
		"libforeign.so is built for machine type %s (%u)", machine_name, (guint)machine);

	fixture_install_base(f);
	version = fixture_publish(f, foreign, NULL);
	fixture_expect_refused(f, UPD_ERROR_INVALID_DATA, needle);
}

/* an ELF executable (ET_EXEC) declared as a dll: updater-publish refuses to
 * publish it, so it is published as exe and grafted into a dll release */
static void
test_library_not_shared_object(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *exec =
		fixture_patched_library(f, EXE_NAME, G_STRUCT_OFFSET(Elf64_Ehdr, e_type), ET_EXEC);
	g_autofree gchar *library = test_library_path();
	g_autofree gchar *v1 = NULL;
	g_autofree gchar *v2 = NULL;
	const gchar *needles[] = {"libupd-test-payload.so: payload",
				  "is declared as dll but is not an ELF shared object", NULL};

	fixture_install_base(f);
	v1 = fixture_publish(f, exec, "exe");
	v2 = fixture_publish(f, library, NULL);
	fixture_graft_payload(f, v1, v2, FALSE);
	fixture_expect_refused_all(f, UPD_ERROR_INVALID_DATA, needles);
}

int
main(int argc, char **argv)
{
	upd_test_init(&argc, &argv);
	/* a check that finds a bug fails its test, not every test after it */
	g_test_set_nonfatal_assertions();

#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)
	ADD("/libupdater/installer/good/archives", test_good_archives);
	ADD("/libupdater/installer/hostile/absolute-path", test_absolute_path);
	ADD("/libupdater/installer/hostile/dotdot", test_dotdot);
	ADD("/libupdater/installer/hostile/symlink-escape", test_symlink_escape);
	ADD("/libupdater/installer/hostile/symlink-chain", test_symlink_chain);
	ADD("/libupdater/installer/hostile/hardlink-escape", test_hardlink_escape);
	ADD("/libupdater/installer/hostile/device-nodes", test_device_nodes);
	ADD("/libupdater/installer/hostile/setuid-stripped", test_setuid_stripped);
	ADD("/libupdater/installer/hostile/type-mismatch", test_type_mismatch);
	ADD("/libupdater/installer/hostile/truncated", test_truncated);
	ADD("/libupdater/installer/hostile/zip-bad-crc", test_zip_bad_crc);
	ADD("/libupdater/installer/hostile/zip-short-entry", test_zip_short_entry);
	ADD("/libupdater/installer/hostile/updaterctl", test_updaterctl);
	ADD("/libupdater/installer/bomb/lying-size", test_bomb_lying_size);
	ADD("/libupdater/installer/bomb/floor", test_bomb_floor);
	ADD("/libupdater/installer/bomb/ratio", test_bomb_ratio);
	ADD("/libupdater/installer/bomb/sparse-tail", test_bomb_sparse_tail);
	g_test_add("/libupdater/installer/no-space", Fixture, NULL, fixture_setup_private_mounts,
		   test_no_space, fixture_teardown);
	ADD("/libupdater/installer/plugins/broken-ignored", test_plugins_broken_ignored);
	ADD("/libupdater/installer/plugins/failure-reasons", test_plugins_failure_reasons);
	ADD("/libupdater/installer/plugins/conflict", test_plugins_conflict);
	ADD("/libupdater/installer/plugins/missing", test_plugins_missing);
	ADD("/libupdater/installer/plugins/stage-fails", test_plugins_stage_fails);
	ADD("/libupdater/installer/library/installed", test_library_installed);
	ADD("/libupdater/installer/library/foreign-machine", test_library_foreign_machine);
	ADD("/libupdater/installer/library/not-shared-object", test_library_not_shared_object);
#undef ADD

	return g_test_run();
}
