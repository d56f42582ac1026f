/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upd-file-private.h"
#include "upd-sha256-private.h"
#include "upd-test-common.h"
#include "updater.h"

/* Installer tests: every payload type installed, updated and rolled back
 * with the real updater-publish, updater-server and updaterctl; the
 * post-install hook; KeepVersions=; and an install or rollback killed at
 * random moments, after which recovery must leave one complete version. */

#define APP_ID "org.example.Tx"

/* the crash-safety loop */
#define CRASH_ITERATIONS  200 /* UPD_TEST_CRASH_ITERATIONS changes it */
#define CRASH_FILES	  300
#define CRASH_TIME_BUDGET 480 /* seconds since the program started; meson's timeout is 600 */

static gint64 program_start;
#define CRASH_CALIBRATE_EVERY 20

typedef struct archive UpdTestArchiveRead;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdTestArchiveRead, archive_read_free)
typedef struct archive UpdTestArchiveWrite;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdTestArchiveWrite, archive_write_free)

typedef struct {
	gchar *dir;
	gchar *state; /* XDG_STATE_HOME of this test */
	gchar *cache; /* XDG_CACHE_HOME of this test */
	gchar *repo;
	gchar *key; /* PREFIX.secret */
	gchar *public_line;
	gchar *install;
	gchar *config;
	gchar *env_state; /* "XDG_STATE_HOME=..." for subprocesses */
	gchar *env_cache;
	UpdTestServer *server;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *prefix = NULL;

	f->dir = upd_test_mkdtemp("tx");
	f->state = g_build_filename(f->dir, "state", NULL);
	f->cache = g_build_filename(f->dir, "cache", NULL);
	g_setenv("XDG_STATE_HOME", f->state, TRUE);
	g_setenv("XDG_CACHE_HOME", f->cache, TRUE);
	f->env_state = g_strdup_printf("XDG_STATE_HOME=%s", f->state);
	f->env_cache = g_strdup_printf("XDG_CACHE_HOME=%s", f->cache);
	f->repo = g_build_filename(f->dir, "repo", NULL);
	g_assert_cmpint(g_mkdir_with_parents(f->repo, 0755), ==, 0);
	prefix = g_build_filename(f->dir, "key", NULL);
	f->public_line = upd_test_keygen(prefix);
	f->key = g_strdup_printf("%s.secret", prefix);
	f->install = g_build_filename(f->dir, "install", NULL);
	f->config = g_build_filename(f->dir, "app.conf", NULL);
}

static void
fixture_teardown(Fixture *f, gconstpointer user_data)
{
	g_clear_pointer(&f->server, upd_test_server_stop);
	g_free(f->dir);
	g_free(f->state);
	g_free(f->cache);
	g_free(f->repo);
	g_free(f->key);
	g_free(f->public_line);
	g_free(f->install);
	g_free(f->config);
	g_free(f->env_state);
	g_free(f->env_cache);
}

/* publishes @payload as @version (extra updater-publish arguments are
 * NULL-terminated) and makes sure the server runs */
static void
fixture_publish(Fixture *f, const gchar *version, const gchar *payload, ...) G_GNUC_NULL_TERMINATED;

static void
fixture_publish(Fixture *f, const gchar *version, const gchar *payload, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	const gchar *arg;
	va_list args;
	gint status;

	g_ptr_array_add(argv, (gpointer)upd_test_program("UPDATER_PUBLISH"));
	g_ptr_array_add(argv, (gpointer) "release");
	g_ptr_array_add(argv, (gpointer) "--repo");
	g_ptr_array_add(argv, f->repo);
	g_ptr_array_add(argv, (gpointer) "--key");
	g_ptr_array_add(argv, f->key);
	g_ptr_array_add(argv, (gpointer) "--app");
	g_ptr_array_add(argv, (gpointer)APP_ID);
	g_ptr_array_add(argv, (gpointer) "--version");
	g_ptr_array_add(argv, (gpointer)version);
	va_start(args, payload);
	while ((arg = va_arg(args, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)arg);
	va_end(args);
	g_ptr_array_add(argv, (gpointer)payload);
	g_ptr_array_add(argv, NULL);
	status = upd_test_run((const gchar *const *)argv->pdata, NULL, NULL, &out, &err);
	if (status != 0)
		g_error("publishing %s %s failed with %d: %s", APP_ID, version, status, err);
	if (f->server == NULL)
		f->server = upd_test_server_start(f->repo, NULL);
}

/* writes the application's configuration; extra "Key=Value" lines are
 * NULL-terminated. The server must run (publish first). */
static void
fixture_write_config(Fixture *f, ...) G_GNUC_NULL_TERMINATED;

static void
fixture_write_config(Fixture *f, ...)
{
	g_autoptr(GString) text = g_string_new("[Application]\n");
	const gchar *line;
	va_list args;

	g_assert_nonnull(f->server);
	g_string_append_printf(text, "Id=%s\nEndpoint=%s\nPublicKey=%s\nInstallDir=%s\n", APP_ID,
			       f->server->url, f->public_line, f->install);
	va_start(args, f);
	while ((line = va_arg(args, const gchar *)) != NULL)
		g_string_append_printf(text, "%s\n", line);
	va_end(args);
	upd_test_write_file(f->config, text->str, text->len, 0644);
}

static gchar *
fixture_journal_path(Fixture *f)
{
	return g_build_filename(f->state, "updater", "apps", APP_ID, "journal.ini", NULL);
}

/* ------------------------------------------------------------ updaterctl */

static void
ctl_argv_add_args(GPtrArray *argv, Fixture *f, va_list args)
{
	const gchar *arg;

	g_ptr_array_add(argv, (gpointer)upd_test_program("UPDATERCTL"));
	g_ptr_array_add(argv, (gpointer) "--config");
	g_ptr_array_add(argv, f->config);
	while ((arg = va_arg(args, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)arg);
	g_ptr_array_add(argv, NULL);
}

/* runs updaterctl --config F ARGS... with this test's XDG directories */
static gint
ctl(Fixture *f, gchar **out, gchar **err, ...) G_GNUC_NULL_TERMINATED;

static gint
ctl(Fixture *f, gchar **out, gchar **err, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	const gchar *env[] = {f->env_state, f->env_cache, NULL};
	va_list args;

	va_start(args, err);
	ctl_argv_add_args(argv, f, args);
	va_end(args);
	return upd_test_run((const gchar *const *)argv->pdata, env, NULL, out, err);
}

/* the same, asserting success; returns stdout */
static gchar *
ctl_ok(Fixture *f, ...) G_GNUC_NULL_TERMINATED G_GNUC_WARN_UNUSED_RESULT;

static gchar *
ctl_ok(Fixture *f, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	const gchar *env[] = {f->env_state, f->env_cache, NULL};
	g_autofree gchar *err = NULL;
	gchar *out = NULL;
	va_list args;
	gint status;

	va_start(args, f);
	ctl_argv_add_args(argv, f, args);
	va_end(args);
	status = upd_test_run((const gchar *const *)argv->pdata, env, NULL, &out, &err);
	if (status != 0)
		g_error("updaterctl %s exited with %d: %s%s", (const gchar *)argv->pdata[3], status,
			out, err);
	return out;
}

static JsonObject *
ctl_json(Fixture *f, JsonParser *parser, const gchar *command)
{
	g_autofree gchar *out = ctl_ok(f, command, "--json", NULL);
	g_autoptr(GError) error = NULL;

	json_parser_load_from_data(parser, out, -1, &error);
	g_assert_no_error(error);
	return json_node_get_object(json_parser_get_root(parser));
}

/* a JSON array of strings as "a,b,c" */
static gchar *
json_strv_join(JsonObject *object, const gchar *member)
{
	JsonArray *array = json_object_get_array_member(object, member);
	g_autoptr(GString) text = g_string_new(NULL);

	for (guint i = 0; i < json_array_get_length(array); i++) {
		if (i > 0)
			g_string_append_c(text, ',');
		g_string_append(text, json_array_get_string_element(array, i));
	}
	return g_string_free(g_steal_pointer(&text), FALSE);
}

static const gchar *
json_nullable_string(JsonObject *object, const gchar *member)
{
	if (json_object_get_null_member(object, member))
		return NULL;
	return json_object_get_string_member(object, member);
}

/* status --json: installed version, kept versions and skipped ones as "a,b" */
static void
assert_status(Fixture *f, const gchar *installed, const gchar *versions, const gchar *skipped)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *status = ctl_json(f, parser, "status");
	g_autofree gchar *kept = json_strv_join(status, "versions");
	g_autofree gchar *skip = json_strv_join(status, "skipped");

	g_assert_cmpstr(json_nullable_string(status, "installed_version"), ==, installed);
	g_assert_cmpstr(kept, ==, versions);
	g_assert_cmpstr(skip, ==, skipped);
}

/* history --json, one "operation from to result" line per entry ("-" for none) */
static gchar *
ctl_history(Fixture *f, GPtrArray *errors)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *root = ctl_json(f, parser, "history");
	JsonArray *history = json_object_get_array_member(root, "history");
	g_autoptr(GString) text = g_string_new(NULL);

	for (guint i = 0; i < json_array_get_length(history); i++) {
		JsonObject *entry = json_array_get_object_element(history, i);
		const gchar *from = json_object_get_string_member(entry, "from");
		const gchar *to = json_object_get_string_member(entry, "to");

		g_assert_cmpint(json_object_get_int_member(entry, "time"), >, 0);
		g_string_append_printf(text, "%s %s %s %s\n",
				       json_object_get_string_member(entry, "operation"),
				       from[0] != '\0' ? from : "-", to[0] != '\0' ? to : "-",
				       json_object_get_string_member(entry, "result"));
		if (errors != NULL)
			g_ptr_array_add(errors,
					g_strdup(json_object_get_string_member(entry, "error")));
	}
	return g_string_free(g_steal_pointer(&text), FALSE);
}

/* ----------------------------------------------------------- inspection */

/* the version "current" points to, NULL without it */
static gchar *
read_current(const gchar *install)
{
	g_autofree gchar *link = g_build_filename(install, "current", NULL);
	g_autofree gchar *target = g_file_read_link(link, NULL);

	if (target == NULL)
		return NULL;
	if (!g_str_has_prefix(target, "versions/"))
		return g_strdup_printf("(current -> %s)", target);
	return g_strdup(target + strlen("versions/"));
}

static void
assert_current(Fixture *f, const gchar *version)
{
	g_autofree gchar *current = read_current(f->install);
	g_assert_cmpstr(current, ==, version);
}

/* hidden leftovers in an install directory whose names start with @prefix */
static guint
count_hidden(const gchar *install, const gchar *prefix)
{
	g_autoptr(GDir) dir = g_dir_open(install, 0, NULL);
	const gchar *name;
	guint n = 0;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		if (g_str_has_prefix(name, prefix))
			n++;
	}
	return n;
}

/* no transaction left behind: no journal, no staging or trash directory */
static void
assert_clean(Fixture *f)
{
	g_autofree gchar *journal = fixture_journal_path(f);

	g_assert_false(g_file_test(journal, G_FILE_TEST_EXISTS));
	g_assert_cmpuint(count_hidden(f->install, ".staging-"), ==, 0);
	g_assert_cmpuint(count_hidden(f->install, ".trash-"), ==, 0);
}

/* the SHA-256 of a file as hex, or why it cannot be read; with a buffer on
 * the stack: upd_sha256_file() allocates 1 MiB per file, which dominates
 * the crash loop under AddressSanitizer */
static gchar *
file_sha256_hex(const gchar *path)
{
	g_autoptr(UpdSha256) sha = upd_sha256_new();
	guint8 digest[UPD_SHA256_LEN];
	guint8 buf[64 * 1024];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return g_strdup_printf("(cannot open: %s)", g_strerror(errno));
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int errsv = errno;
			close(fd);
			return g_strdup_printf("(cannot read: %s)", g_strerror(errsv));
		}
		if (n == 0)
			break;
		upd_sha256_update(sha, buf, (gsize)n);
	}
	close(fd);
	upd_sha256_finish(sha, digest);
	return upd_sha256_to_hex(digest);
}

static void
snapshot_walk(GPtrArray *lines, const gchar *root, const gchar *relative)
{
	g_autofree gchar *path =
		relative != NULL ? g_build_filename(root, relative, NULL) : g_strdup(root);
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child_rel = relative != NULL
						      ? g_strdup_printf("%s/%s", relative, name)
						      : g_strdup(name);
		g_autofree gchar *child = g_build_filename(root, child_rel, NULL);
		struct stat st;

		if (lstat(child, &st) != 0) {
			g_ptr_array_add(lines,
					g_strdup_printf("%s ? %s", child_rel, g_strerror(errno)));
		} else if (S_ISDIR(st.st_mode)) {
			g_ptr_array_add(lines, g_strdup_printf("%s d %04o", child_rel,
							       (guint)(st.st_mode & 07777)));
			snapshot_walk(lines, root, child_rel);
		} else if (S_ISLNK(st.st_mode)) {
			g_autofree gchar *target = g_file_read_link(child, NULL);
			g_ptr_array_add(lines, g_strdup_printf("%s l -> %s", child_rel, target));
		} else if (S_ISREG(st.st_mode)) {
			g_autofree gchar *hex = file_sha256_hex(child);
			g_ptr_array_add(lines, g_strdup_printf("%s f %04o %s", child_rel,
							       (guint)(st.st_mode & 07777), hex));
		} else {
			g_ptr_array_add(lines, g_strdup_printf("%s ? type %o", child_rel,
							       (guint)(st.st_mode & S_IFMT)));
		}
	}
}

static gint
compare_lines(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const gchar **)a, *(const gchar **)b);
}

/* every entry below @root, sorted, one line each: "path d MODE", "path f
 * MODE SHA-256", "path l -> TARGET" */
static GPtrArray *
tree_snapshot(const gchar *root)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	snapshot_walk(lines, root, NULL);
	g_ptr_array_sort(lines, compare_lines);
	return lines;
}

/* "" when equal, else what is missing or unexpected (at most @max lines) */
static gchar *
snapshot_diff(GPtrArray *expected, GPtrArray *actual, guint max)
{
	g_autoptr(GString) report = g_string_new(NULL);
	guint i = 0;
	guint j = 0;
	guint shown = 0;

	while (i < expected->len || j < actual->len) {
		const gchar *e = i < expected->len ? g_ptr_array_index(expected, i) : NULL;
		const gchar *a = j < actual->len ? g_ptr_array_index(actual, j) : NULL;
		gint cmp = e == NULL ? 1 : a == NULL ? -1 : strcmp(e, a);

		if (cmp == 0) {
			i++;
			j++;
			continue;
		}
		if (shown++ < max)
			g_string_append_printf(report, "  %s %s\n", cmp < 0 ? "expected" : "found",
					       cmp < 0 ? e : a);
		if (cmp < 0)
			i++;
		else
			j++;
	}
	if (shown > max)
		g_string_append_printf(report, "  ... %u differences in all\n", shown);
	return g_string_free(g_steal_pointer(&report), FALSE);
}

/* file by file: content (SHA-256), mode, symbolic link targets, nothing
 * missing and nothing more */
static void
assert_tree(const gchar *expected_dir, const gchar *actual_dir)
{
	g_autoptr(GPtrArray) expected = tree_snapshot(expected_dir);
	g_autoptr(GPtrArray) actual = tree_snapshot(actual_dir);
	g_autofree gchar *diff = snapshot_diff(expected, actual, 20);

	g_assert_cmpuint(expected->len, >, 0);
	if (diff[0] != '\0')
		g_error("%s does not match %s:\n%s", actual_dir, expected_dir, diff);
}

static void
assert_version_tree(Fixture *f, const gchar *version, const gchar *expected_dir)
{
	g_autofree gchar *dir = g_build_filename(f->install, "versions", version, NULL);
	assert_tree(expected_dir, dir);
}

/* --------------------------------------------------------------- payloads */

static void
write_file_mode(const gchar *path, const gchar *contents, gssize len, guint mode)
{
	upd_test_write_file(path, contents, len, mode);
	g_assert_cmpint(g_chmod(path, mode), ==, 0);
}

static void
make_symlink(const gchar *target, const gchar *path)
{
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	g_assert_cmpint(symlink(target, path), ==, 0);
}

/* pseudo-random content that only depends on @seed */
static void
write_random_file(const gchar *path, gsize size, guint32 seed, guint mode)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
	g_autofree guint32 *words = g_new(guint32, size / 4 + 1);

	for (gsize i = 0; i < size / 4 + 1; i++)
		words[i] = g_rand_int(rand);
	write_file_mode(path, (const gchar *)words, (gssize)size, mode);
}

/* The application of release @n (1, 2 or 3): nested directories, symbolic
 * links, an empty directory, executables. Every release changes some files;
 * release 2 adds data/new.txt and removes data/old.txt. Content that does
 * not change keeps its mode. */
static void
make_app_tree(const gchar *dir, guint n)
{
	g_autofree gchar *app = g_build_filename(dir, "bin", "app", NULL);
	g_autofree gchar *helper = g_build_filename(dir, "bin", "helper", NULL);
	g_autofree gchar *readme = g_build_filename(dir, "share", "doc", "README", NULL);
	g_autofree gchar *table = g_build_filename(dir, "share", "data", "table.bin", NULL);
	g_autofree gchar *lib = g_build_filename(dir, "lib", "libdemo.so.1", NULL);
	g_autofree gchar *lib_link = g_build_filename(dir, "lib", "libdemo.so", NULL);
	g_autofree gchar *doc_link = g_build_filename(dir, "docs", NULL);
	g_autofree gchar *empty = g_build_filename(dir, "var", "empty", NULL);
	g_autofree gchar *old = g_build_filename(dir, "data", "old.txt", NULL);
	g_autofree gchar *new = g_build_filename(dir, "data", "new.txt", NULL);
	g_autofree gchar *app_text = g_strdup_printf("#!/bin/sh\necho release %u\n", n);
	g_autofree gchar *lib_text = g_strdup_printf("demo library of release %u\n", n);

	write_file_mode(app, app_text, -1, 0755);
	write_file_mode(helper, "#!/bin/sh\nexit 0\n", -1, 0755);
	write_file_mode(readme, "Read me.\n", -1, 0644);
	write_random_file(table, 64 * 1024 + 3, n < 3 ? 1 : 3, 0644);
	write_file_mode(lib, lib_text, -1, 0644);
	make_symlink("libdemo.so.1", lib_link);
	make_symlink("share/doc", doc_link);
	g_assert_cmpint(g_mkdir_with_parents(empty, 0755), ==, 0);
	if (n == 1) {
		write_file_mode(old, "removed in release 2\n", -1, 0644);
	} else {
		g_autofree gchar *text = g_strdup_printf("added in release 2, now %u\n", n);
		write_file_mode(new, text, -1, 0644);
	}
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const gchar **)a, *(const gchar **)b);
}

/* adds everything below @root/@relative to an archive, directories first */
static void
archive_add_tree(struct archive *a,
		 const gchar *root,
		 const gchar *relative,
		 const gchar *prefix,
		 GPtrArray *names)
{
	g_autofree gchar *path =
		relative != NULL ? g_build_filename(root, relative, NULL) : g_strdup(root);
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	g_assert_nonnull(dir);
	while ((name = g_dir_read_name(dir)) != NULL)
		g_ptr_array_add(children, g_strdup(name));
	g_ptr_array_sort(children, compare_names);
	for (guint i = 0; i < children->len; i++) {
		const gchar *child = g_ptr_array_index(children, i);
		g_autofree gchar *child_rel = relative != NULL
						      ? g_strdup_printf("%s/%s", relative, child)
						      : g_strdup(child);
		g_autofree gchar *child_path = g_build_filename(root, child_rel, NULL);
		g_autofree gchar *entry_name = g_strconcat(prefix, child_rel, NULL);
		struct archive_entry *entry = archive_entry_new();
		g_autofree gchar *contents = NULL;
		gsize len = 0;
		struct stat st;

		g_assert_cmpint(lstat(child_path, &st), ==, 0);
		archive_entry_set_pathname(entry, entry_name);
		archive_entry_set_perm(entry, st.st_mode & 07777);
		archive_entry_set_mtime(entry, st.st_mtime, 0);
		archive_entry_set_nlink(entry, S_ISDIR(st.st_mode) ? 2 : 1);
		archive_entry_set_ino64(entry, (la_int64_t)names->len + 1);
		/* cpio wants a size for every entry; a link's target is its data */
		archive_entry_set_size(entry, 0);
		if (S_ISDIR(st.st_mode)) {
			archive_entry_set_filetype(entry, AE_IFDIR);
		} else if (S_ISLNK(st.st_mode)) {
			g_autofree gchar *target = g_file_read_link(child_path, NULL);
			archive_entry_set_filetype(entry, AE_IFLNK);
			archive_entry_set_symlink(entry, target);
		} else {
			g_assert_true(g_file_get_contents(child_path, &contents, &len, NULL));
			archive_entry_set_filetype(entry, AE_IFREG);
			archive_entry_set_size(entry, (la_int64_t)len);
		}
		if (archive_write_header(a, entry) != ARCHIVE_OK)
			g_error("%s: %s", entry_name, archive_error_string(a));
		if (contents != NULL)
			g_assert_cmpint(archive_write_data(a, contents, len), ==, (la_ssize_t)len);
		archive_entry_free(entry);
		g_ptr_array_add(names, g_steal_pointer(&entry_name));
		if (S_ISDIR(st.st_mode))
			archive_add_tree(a, root, child_rel, prefix, names);
	}
}

/* writes the tree @src as a zip, tar.gz, tar.xz, tar.zst or cpio.gz
 * (RPM payload, "./" names); FALSE when libarchive cannot write that
 * compression. @names gets the entry names when not NULL. */
static gboolean
make_archive(const gchar *src, const gchar *path, const gchar *kind, GPtrArray *names)
{
	g_autoptr(UpdTestArchiveWrite) a = archive_write_new();
	g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func(g_free);
	const gchar *prefix = "";
	int rc = ARCHIVE_OK;

	if (g_strcmp0(kind, "zip") == 0) {
		g_assert_cmpint(archive_write_set_format_zip(a), ==, ARCHIVE_OK);
	} else if (g_strcmp0(kind, "cpio.gz") == 0) {
		g_assert_cmpint(archive_write_set_format_cpio_newc(a), ==, ARCHIVE_OK);
		rc = archive_write_add_filter_gzip(a);
		prefix = "./";
	} else {
		g_assert_cmpint(archive_write_set_format_pax_restricted(a), ==, ARCHIVE_OK);
		if (g_strcmp0(kind, "tar.gz") == 0)
			rc = archive_write_add_filter_gzip(a);
		else if (g_strcmp0(kind, "tar.xz") == 0)
			rc = archive_write_add_filter_xz(a);
		else if (g_strcmp0(kind, "tar.zst") == 0)
			rc = archive_write_add_filter_zstd(a);
		else
			g_assert_not_reached();
	}
	if (rc != ARCHIVE_OK)
		return FALSE;
	/* no padding after the compressed stream */
	g_assert_cmpint(archive_write_set_bytes_in_last_block(a, 1), ==, ARCHIVE_OK);
	g_assert_cmpint(archive_write_open_filename(a, path), ==, ARCHIVE_OK);
	archive_add_tree(a, src, NULL, prefix, written);
	g_assert_cmpint(archive_write_close(a), ==, ARCHIVE_OK);
	if (names != NULL) {
		for (guint i = 0; i < written->len; i++)
			g_ptr_array_add(names, g_strdup(g_ptr_array_index(written, i)));
	}
	return TRUE;
}

/* ------------------------------------------------------------- RPM writer */

static void
put_be16(GByteArray *out, guint16 value)
{
	guint8 bytes[2] = {(guint8)(value >> 8), (guint8)value};
	g_byte_array_append(out, bytes, sizeof(bytes));
}

static void
put_be32(GByteArray *out, guint32 value)
{
	guint8 bytes[4] = {(guint8)(value >> 24), (guint8)(value >> 16), (guint8)(value >> 8),
			   (guint8)value};
	g_byte_array_append(out, bytes, sizeof(bytes));
}

typedef struct {
	guint32 tag;
	guint32 type; /* 4: INT32, 6: STRING */
	const gchar *string;
	guint32 number;
} RpmTag;

/* a header structure: magic, reserved, index count, store size, index
 * entries (tag, type, offset, count), store; padded to 8 bytes when @pad */
static void
rpm_put_header(GByteArray *out, const RpmTag *tags, guint n_tags, gboolean pad)
{
	g_autoptr(GByteArray) store = g_byte_array_new();
	static const guint8 magic[] = {0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0};
	gsize start = out->len;

	g_byte_array_append(out, magic, sizeof(magic));
	put_be32(out, n_tags);
	/* the store size, known once the index is written */
	put_be32(out, 0);
	for (guint i = 0; i < n_tags; i++) {
		put_be32(out, tags[i].tag);
		put_be32(out, tags[i].type);
		if (tags[i].type == 4) {
			while (store->len % 4 != 0)
				g_byte_array_append(store, (const guint8 *)"", 1);
		}
		put_be32(out, store->len);
		put_be32(out, 1);
		if (tags[i].type == 4)
			put_be32(store, tags[i].number);
		else
			g_byte_array_append(store, (const guint8 *)tags[i].string,
					    strlen(tags[i].string) + 1);
	}
	out->data[start + 12] = (guint8)(store->len >> 24);
	out->data[start + 13] = (guint8)(store->len >> 16);
	out->data[start + 14] = (guint8)(store->len >> 8);
	out->data[start + 15] = (guint8)store->len;
	g_byte_array_append(out, store->data, store->len);
	while (pad && (out->len - start) % 8 != 0)
		g_byte_array_append(out, (const guint8 *)"", 1);
}

/* A minimal binary RPM of the tree @src: lead, signature header (SIZE),
 * main header (NAME, VERSION, RELEASE, OS, ARCH, payload format and
 * compressor), gzip-compressed cpio "newc" payload written by libarchive.
 * Then it is read back with libarchive's rpm filter, as the rpm installer
 * does, and with rpm(8) when installed. */
static void
make_rpm(const gchar *src, const gchar *path, const gchar *name, const gchar *version)
{
	g_autofree gchar *cpio = g_strconcat(path, ".cpio.gz", NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GByteArray) header = g_byte_array_new();
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *payload = NULL;
	g_autofree gchar *lead_name = g_strdup_printf("%s-%s-1", name, version);
	guint8 lead_name_field[66] = {0};
	static const guint8 lead_magic[] = {0xed, 0xab, 0xee, 0xdb, 3, 0};
	static const guint8 reserved[16] = {0};
	gsize payload_len = 0;
	g_autofree gchar *rpm = g_find_program_in_path("rpm");
	const RpmTag main_tags[] = {
		{1000, 6, name, 0},    {1001, 6, version, 0},  {1002, 6, "1", 0},
		{1021, 6, "linux", 0}, {1022, 6, "x86_64", 0}, {1124, 6, "cpio", 0},
		{1125, 6, "gzip", 0},
	};
	RpmTag sig_tags[] = {{1000, 4, NULL, 0}};

	g_assert_true(make_archive(src, cpio, "cpio.gz", names));
	g_assert_true(g_file_get_contents(cpio, &payload, &payload_len, NULL));
	g_unlink(cpio);
	rpm_put_header(header, main_tags, G_N_ELEMENTS(main_tags), FALSE);
	sig_tags[0].number = (guint32)(header->len + payload_len);

	/* lead: magic, format 3.0, binary type, arch 1, name, os 1, signature type 5 */
	g_byte_array_append(out, lead_magic, sizeof(lead_magic));
	put_be16(out, 0);
	put_be16(out, 1);
	memcpy(lead_name_field, lead_name, MIN(strlen(lead_name), sizeof(lead_name_field) - 1));
	g_byte_array_append(out, lead_name_field, sizeof(lead_name_field));
	put_be16(out, 1);
	put_be16(out, 5);
	g_byte_array_append(out, reserved, sizeof(reserved));
	g_assert_cmpuint(out->len, ==, 96);
	rpm_put_header(out, sig_tags, G_N_ELEMENTS(sig_tags), TRUE);
	g_byte_array_append(out, header->data, header->len);
	g_byte_array_append(out, (const guint8 *)payload, payload_len);
	g_file_set_contents(path, (const gchar *)out->data, out->len, &error);
	g_assert_no_error(error);

	/* libarchive reads it back: rpm filter, gzip, cpio, every entry */
	{
		g_autoptr(UpdTestArchiveRead) a = archive_read_new();
		struct archive_entry *entry = NULL;
		guint n = 0;

		archive_read_support_filter_rpm(a);
		archive_read_support_filter_gzip(a);
		archive_read_support_format_cpio(a);
		g_assert_cmpint(archive_read_open_filename(a, path, 16384), ==, ARCHIVE_OK);
		while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
			g_assert_cmpuint(n, <, names->len);
			g_assert_cmpstr(archive_entry_pathname(entry), ==,
					g_ptr_array_index(names, n));
			n++;
		}
		g_assert_cmpuint(n, ==, names->len);
		g_assert_cmpint(archive_filter_code(a, 0), ==, ARCHIVE_FILTER_GZIP);
		g_assert_cmpint(archive_filter_code(a, 1), ==, ARCHIVE_FILTER_RPM);
		g_assert_cmpint(archive_format(a), ==, ARCHIVE_FORMAT_CPIO_SVR4_NOCRC);
	}

	/* and so does rpm itself, when there is one */
	if (rpm != NULL) {
		g_autofree gchar *query = upd_test_run_ok(rpm, "-qp", "--nosignature", "--nodigest",
							  "--qf", "%{NAME} %{VERSION}", path, NULL);
		g_autofree gchar *expected = g_strdup_printf("%s %s", name, version);
		g_assert_cmpstr(query, ==, expected);
	}
}

/* a shared library of the system, by soname; NULL when none is found */
static gchar *
find_system_library(const gchar *soname)
{
	const gchar *dirs[] = {
		"/lib/x86_64-linux-gnu",
		"/usr/lib/x86_64-linux-gnu",
		"/lib/aarch64-linux-gnu",
		"/usr/lib/aarch64-linux-gnu",
		"/lib64",
		"/usr/lib64",
		"/lib",
		"/usr/lib",
	};
	for (guint i = 0; i < G_N_ELEMENTS(dirs); i++) {
		g_autofree gchar *path = g_build_filename(dirs[i], soname, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
			return g_steal_pointer(&path);
	}
	return NULL;
}

/* ------------------------------------------------------------ end to end */

typedef struct {
	const gchar *type;	/* --type */
	const gchar *component; /* --component, NULL: main */
	gchar *payload[3];	/* releases 1.0, 2.0, 3.0 */
	gchar *expected[3];	/* what versions/<v> must hold */
	const gchar *removed;	/* in 1.0 only, NULL for none */
} Releases;

static void
releases_clear(Releases *r)
{
	for (guint i = 0; i < 3; i++) {
		g_free(r->payload[i]);
		g_free(r->expected[i]);
	}
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Releases, releases_clear)

static const gchar *const release_versions[] = {"1.0", "2.0", "3.0"};

static void
releases_publish(Fixture *f, Releases *r, guint i)
{
	if (r->component != NULL)
		fixture_publish(f, release_versions[i], r->payload[i], "--type", r->type,
				"--component", r->component, NULL);
	else
		fixture_publish(f, release_versions[i], r->payload[i], "--type", r->type, NULL);
}

/* install 1.0, update to 2.0, roll back, refuse the skipped 2.0 unless
 * forced, then take 3.0; every version file by file */
static void
run_end_to_end(Fixture *f, Releases *r)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *history = NULL;

	releases_publish(f, r, 0);
	fixture_write_config(f, NULL);
	g_clear_pointer(&out, g_free);
	out = ctl_ok(f, "install", NULL);
	g_assert_nonnull(strstr(out, "Installed " APP_ID " 1.0"));
	assert_current(f, "1.0");
	assert_version_tree(f, "1.0", r->expected[0]);
	assert_status(f, "1.0", "1.0", "");
	assert_clean(f);

	releases_publish(f, r, 1);
	g_clear_pointer(&out, g_free);
	out = ctl_ok(f, "install", NULL);
	g_assert_nonnull(strstr(out, "Installed " APP_ID " 2.0 (was 1.0)"));
	assert_current(f, "2.0");
	assert_version_tree(f, "2.0", r->expected[1]);
	/* the previous version is kept as it was */
	assert_version_tree(f, "1.0", r->expected[0]);
	if (r->removed != NULL) {
		g_autofree gchar *in_v1 =
			g_build_filename(f->install, "versions", "1.0", r->removed, NULL);
		g_autofree gchar *in_v2 =
			g_build_filename(f->install, "versions", "2.0", r->removed, NULL);
		g_autofree gchar *via_current =
			g_build_filename(f->install, "current", r->removed, NULL);
		g_assert_true(g_file_test(in_v1, G_FILE_TEST_IS_REGULAR));
		g_assert_false(g_file_test(in_v2, G_FILE_TEST_EXISTS));
		g_assert_false(g_file_test(via_current, G_FILE_TEST_EXISTS));
	}
	assert_status(f, "2.0", "1.0,2.0", "");
	assert_clean(f);

	g_clear_pointer(&out, g_free);
	out = ctl_ok(f, "rollback", NULL);
	g_assert_nonnull(strstr(out, "from 2.0 to 1.0"));
	assert_current(f, "1.0");
	assert_version_tree(f, "1.0", r->expected[0]);
	history = ctl_history(f, NULL);
	g_assert_cmpstr(history, ==,
			"install - 1.0 installed\n"
			"install 1.0 2.0 installed\n"
			"rollback 2.0 1.0 rolled-back\n");
	assert_status(f, "1.0", "1.0,2.0", "2.0");
	assert_clean(f);

	/* the version rolled back from is not offered again... */
	g_clear_pointer(&out, g_free);
	out = ctl_ok(f, "install", NULL);
	g_assert_nonnull(strstr(out, "up to date"));
	assert_current(f, "1.0");
	g_clear_pointer(&history, g_free);
	history = ctl_history(f, NULL);
	g_assert_cmpstr(history, ==,
			"install - 1.0 installed\n"
			"install 1.0 2.0 installed\n"
			"rollback 2.0 1.0 rolled-back\n");

	/* ...unless forced */
	g_clear_pointer(&out, g_free);
	out = ctl_ok(f, "install", "--force", NULL);
	g_assert_nonnull(strstr(out, "Installed " APP_ID " 2.0 (was 1.0)"));
	assert_current(f, "2.0");
	assert_version_tree(f, "2.0", r->expected[1]);
	assert_version_tree(f, "1.0", r->expected[0]);
	assert_status(f, "2.0", "1.0,2.0", "");
	assert_clean(f);

	/* a newer release is taken */
	releases_publish(f, r, 2);
	g_clear_pointer(&out, g_free);
	out = ctl_ok(f, "install", NULL);
	g_assert_nonnull(strstr(out, "Installed " APP_ID " 3.0 (was 2.0)"));
	assert_current(f, "3.0");
	assert_version_tree(f, "3.0", r->expected[2]);
	g_clear_pointer(&history, g_free);
	history = ctl_history(f, NULL);
	g_assert_cmpstr(history, ==,
			"install - 1.0 installed\n"
			"install 1.0 2.0 installed\n"
			"rollback 2.0 1.0 rolled-back\n"
			"install 1.0 2.0 installed\n"
			"install 2.0 3.0 installed\n");
	/* KeepVersions=2 by default: both earlier versions stay; 2.0, installed
	 * on purpose, is no longer skipped */
	assert_status(f, "3.0", "1.0,2.0,3.0", "");
	assert_version_tree(f, "1.0", r->expected[0]);
	assert_version_tree(f, "2.0", r->expected[1]);
	assert_clean(f);
}

/* payload of an archive type: the archive of make_app_tree() */
static void
test_archive(Fixture *f, gconstpointer user_data)
{
	const gchar *kind = user_data;
	g_auto(Releases) r = {kind, NULL, {NULL}, {NULL}, "data/old.txt"};

	for (guint i = 0; i < 3; i++) {
		g_autofree gchar *name = g_strdup_printf("app-%s.%s", release_versions[i], kind);
		r.expected[i] = g_strdup_printf("%s/tree-%u", f->dir, i + 1);
		r.payload[i] = g_build_filename(f->dir, name, NULL);
		make_app_tree(r.expected[i], i + 1);
		if (!make_archive(r.expected[i], r.payload[i], kind, NULL)) {
			g_test_skip("libarchive cannot write this compression here");
			return;
		}
	}
	run_end_to_end(f, &r);
}

static void
test_tree(Fixture *f, gconstpointer user_data)
{
	g_auto(Releases) r = {"tree", NULL, {NULL}, {NULL}, "data/old.txt"};

	for (guint i = 0; i < 3; i++) {
		/* the published directory is what versions/<v> must hold */
		r.expected[i] = g_strdup_printf("%s/tree-%u", f->dir, i + 1);
		r.payload[i] = g_strdup(r.expected[i]);
		make_app_tree(r.expected[i], i + 1);
	}
	run_end_to_end(f, &r);
}

static void
test_rpm(Fixture *f, gconstpointer user_data)
{
	g_auto(Releases) r = {"rpm", "demo", {NULL}, {NULL}, "data/old.txt"};

	for (guint i = 0; i < 3; i++) {
		g_autofree gchar *name =
			g_strdup_printf("demo-%s-1.x86_64.rpm", release_versions[i]);
		r.expected[i] = g_strdup_printf("%s/tree-%u", f->dir, i + 1);
		r.payload[i] = g_build_filename(f->dir, name, NULL);
		make_app_tree(r.expected[i], i + 1);
		make_rpm(r.expected[i], r.payload[i], "demo", release_versions[i]);
	}
	run_end_to_end(f, &r);
}

/* a script, a real ELF executable, a script again: installed as "app" */
static void
test_exe(Fixture *f, gconstpointer user_data)
{
	g_auto(Releases) r = {"exe", NULL, {NULL}, {NULL}, NULL};
	g_autofree gchar *elf = NULL;
	gsize elf_len = 0;

	if (!g_file_get_contents("/bin/true", &elf, &elf_len, NULL) || elf_len < 4 ||
	    memcmp(elf,
		   "\x7f"
		   "ELF",
		   4) != 0) {
		g_test_skip("no ELF /bin/true");
		return;
	}
	for (guint i = 0; i < 3; i++) {
		r.expected[i] = g_strdup_printf("%s/exe-%u", f->dir, i + 1);
		r.payload[i] = g_build_filename(r.expected[i], "app", NULL);
		if (i == 1) {
			write_file_mode(r.payload[i], elf, (gssize)elf_len, 0755);
		} else {
			g_autofree gchar *script =
				g_strdup_printf("#!/bin/sh\necho %s\n", release_versions[i]);
			write_file_mode(r.payload[i], script, -1, 0755);
		}
	}
	run_end_to_end(f, &r);
	/* what is installed runs */
	{
		g_autofree gchar *app = g_build_filename(f->install, "current", "app", NULL);
		g_autofree gchar *out = upd_test_run_ok(app, NULL);
		g_assert_cmpstr(out, ==, "3.0\n");
	}
}

/* three real shared libraries of the system, installed as libdemo.so */
static void
test_dll(Fixture *f, gconstpointer user_data)
{
	g_auto(Releases) r = {"dll", NULL, {NULL}, {NULL}, NULL};
	const gchar *sonames[] = {"libz.so.1", "libglib-2.0.so.0", "libgobject-2.0.so.0"};

	for (guint i = 0; i < 3; i++) {
		g_autofree gchar *library = find_system_library(sonames[i]);
		g_autofree gchar *contents = NULL;
		gsize len = 0;

		if (library == NULL) {
			g_test_skip("a system library is missing");
			return;
		}
		g_assert_true(g_file_get_contents(library, &contents, &len, NULL));
		r.expected[i] = g_strdup_printf("%s/dll-%u", f->dir, i + 1);
		r.payload[i] = g_build_filename(r.expected[i], "libdemo.so", NULL);
		write_file_mode(r.payload[i], contents, (gssize)len, 0644);
	}
	run_end_to_end(f, &r);
}

/* an RPM whose header names another package or version than the manifest */
static void
test_rpm_mismatch(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *tree = g_build_filename(f->dir, "tree", NULL);
	g_autofree gchar *other_name = g_build_filename(f->dir, "other-1.0-1.x86_64.rpm", NULL);
	g_autofree gchar *other_version = g_build_filename(f->dir, "demo-9.9-1.x86_64.rpm", NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *history = NULL;

	make_app_tree(tree, 1);
	make_rpm(tree, other_name, "other", "1.0");
	make_rpm(tree, other_version, "demo", "9.9");

	fixture_publish(f, "1.0", other_name, "--type", "rpm", "--component", "demo", NULL);
	fixture_write_config(f, NULL);
	g_assert_cmpint(ctl(f, &out, &err, "install", NULL), ==, 1);
	g_assert_nonnull(strstr(err, "other 1.0"));
	g_assert_nonnull(strstr(err, "component demo version 1.0"));
	assert_current(f, NULL);
	assert_clean(f);

	fixture_publish(f, "1.1", other_version, "--type", "rpm", "--component", "demo", NULL);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ctl(f, &out, &err, "install", NULL), ==, 1);
	g_assert_nonnull(strstr(err, "demo 9.9"));
	g_assert_nonnull(strstr(err, "component demo version 1.1"));
	assert_current(f, NULL);
	assert_clean(f);

	history = ctl_history(f, NULL);
	g_assert_cmpstr(history, ==,
			"install - 1.0 failed\n"
			"install - 1.1 failed\n");
}

/* ------------------------------------------------------------------ hooks */

/* check, plan, download and install with the API, as an application would;
 * @seconds gets how long the install itself took */
static gboolean
api_install(Fixture *f, gdouble *seconds, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(UpdAppConfig) config = upd_app_config_new_from_file(f->config, &error_local);
	g_autoptr(UpdClient) client = NULL;
	g_autoptr(UpdCheckResult) result = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(UpdTransaction) transaction = NULL;
	gint64 start;
	gboolean ok;

	g_assert_no_error(error_local);
	client = upd_client_new(config);
	result = upd_client_check(client, NULL, &error_local);
	g_assert_no_error(error_local);
	g_assert_nonnull(upd_check_result_get_update(result));
	plan = upd_client_plan(client, result, upd_check_result_get_update(result), NULL,
			       &error_local);
	g_assert_no_error(error_local);
	downloader = upd_downloader_new(config);
	g_assert_true(upd_downloader_download(downloader, plan, NULL, &error_local));
	g_assert_no_error(error_local);
	transaction = upd_transaction_new(config);
	start = g_get_monotonic_time();
	ok = upd_transaction_install(transaction, plan, UPD_INSTALL_FLAGS_NONE, NULL, error);
	if (seconds != NULL)
		*seconds = (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
	return ok;
}

static void
publish_simple(Fixture *f, const gchar *version)
{
	g_autofree gchar *tree = g_strdup_printf("%s/simple-%s", f->dir, version);
	g_autofree gchar *app = g_build_filename(tree, "app", NULL);
	g_autofree gchar *text = g_strdup_printf("#!/bin/sh\necho %s\n", version);

	write_file_mode(app, text, -1, 0755);
	fixture_publish(f, version, tree, NULL);
}

/* a successful hook: its working directory is the new version's, it gets
 * the version, the previous one, the id and the install directory */
static void
test_hook_success(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *markers = g_build_filename(f->dir, "markers", NULL);
	g_autofree gchar *hook = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *install_real = NULL;

	g_assert_cmpint(g_mkdir_with_parents(markers, 0755), ==, 0);
	hook = g_strdup_printf("PostInstall=/bin/sh -c 'm=%s/marker-$UPDATER_VERSION; "
			       "echo \"version=$UPDATER_VERSION\" > $m; "
			       "echo \"previous=$UPDATER_PREVIOUS_VERSION\" >> $m; "
			       "echo \"app=$UPDATER_APP_ID\" >> $m; "
			       "echo \"install=$UPDATER_INSTALL_DIR\" >> $m; "
			       "echo \"cwd=$(pwd -P)\" >> $m; "
			       "cat app >> $m'",
			       markers);
	publish_simple(f, "1.0");
	fixture_write_config(f, hook, NULL);
	g_assert_true(api_install(f, NULL, &error));
	g_assert_no_error(error);
	publish_simple(f, "2.0");
	g_assert_true(api_install(f, NULL, &error));
	g_assert_no_error(error);
	assert_current(f, "2.0");

	install_real = realpath(f->install, NULL);
	g_assert_nonnull(install_real);
	for (guint i = 0; i < 2; i++) {
		const gchar *version = release_versions[i];
		g_autofree gchar *marker = g_strdup_printf("%s/marker-%s", markers, version);
		g_autofree gchar *contents = NULL;
		g_autofree gchar *expected = g_strdup_printf(
			"version=%s\nprevious=%s\napp=%s\ninstall=%s\ncwd=%s/versions/%s\n"
			"#!/bin/sh\necho %s\n",
			version, i == 0 ? "" : "1.0", APP_ID, f->install, install_real, version,
			version);
		g_assert_true(g_file_get_contents(marker, &contents, NULL, NULL));
		g_assert_cmpstr(contents, ==, expected);
	}
	{
		g_autofree gchar *history = ctl_history(f, NULL);
		g_assert_cmpstr(history, ==,
				"install - 1.0 installed\n"
				"install 1.0 2.0 installed\n");
	}
	assert_clean(f);
}

/* a failing hook: the install is rolled back, the error says why */
static void
test_hook_failure(Fixture *f, gconstpointer user_data)
{
	const gchar *hook = "PostInstall=/bin/sh -c 'echo broken >&2; exit 3'";
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *history = NULL;

	/* the very first install has nothing to go back to */
	publish_simple(f, "1.0");
	fixture_write_config(f, hook, NULL);
	g_assert_false(api_install(f, NULL, &error));
	g_assert_error(error, UPD_ERROR, UPD_ERROR_HOOK_FAILED);
	g_assert_nonnull(strstr(error->message, "exit status 3"));
	g_assert_nonnull(strstr(error->message, "broken"));
	assert_current(f, NULL);
	assert_clean(f);
	g_clear_error(&error);

	fixture_write_config(f, NULL);
	g_assert_true(api_install(f, NULL, &error));
	g_assert_no_error(error);
	assert_current(f, "1.0");

	publish_simple(f, "2.0");
	fixture_write_config(f, hook, NULL);
	g_assert_false(api_install(f, NULL, &error));
	g_assert_error(error, UPD_ERROR, UPD_ERROR_HOOK_FAILED);
	g_assert_nonnull(strstr(error->message, "exit status 3"));
	g_assert_nonnull(strstr(error->message, "broken"));
	assert_current(f, "1.0");
	{
		g_autofree gchar *app = g_build_filename(f->install, "current", "app", NULL);
		g_autofree gchar *out = upd_test_run_ok(app, NULL);
		g_assert_cmpstr(out, ==, "1.0\n");
	}
	assert_clean(f);

	history = ctl_history(f, errors);
	g_assert_cmpstr(history, ==,
			"install - 1.0 rolled-back\n"
			"install - 1.0 installed\n"
			"install 1.0 2.0 rolled-back\n");
	g_assert_nonnull(strstr(g_ptr_array_index(errors, 2), "exit status 3"));
	g_assert_nonnull(strstr(g_ptr_array_index(errors, 2), "broken"));
	assert_status(f, "1.0", "1.0,2.0", "");
}

/* a hook past PostInstallTimeout= is killed and the install rolled back;
 * with @user_data the hook is a shell whose child keeps running */
static void
test_hook_timeout(Fixture *f, gconstpointer user_data)
{
	const gchar *command = user_data;
	g_autofree gchar *hook = g_strdup_printf("PostInstall=%s", command);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *history = NULL;
	gdouble seconds = 0;

	publish_simple(f, "1.0");
	fixture_write_config(f, NULL);
	g_assert_true(api_install(f, NULL, &error));
	g_assert_no_error(error);

	publish_simple(f, "2.0");
	fixture_write_config(f, hook, "PostInstallTimeout=1", NULL);
	g_assert_false(api_install(f, &seconds, &error));
	g_test_message("the install with a hook of '%s' took %.2f s", command, seconds);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_HOOK_FAILED);
	g_assert_nonnull(strstr(error->message, "did not finish within 1 s"));
	assert_current(f, "1.0");
	assert_clean(f);
	history = ctl_history(f, NULL);
	g_assert_cmpstr(history, ==,
			"install - 1.0 installed\n"
			"install 1.0 2.0 rolled-back\n");
	/* a 1 s timer fires within 2 s; the rest is the install itself, slow
	 * under sanitizers on a loaded machine */
	if (seconds > 3.5)
		g_test_fail_printf("the hook '%s' with PostInstallTimeout=1 held the install "
				   "for %.1f s",
				   command, seconds);
}

/* -------------------------------------------------------------- settings */

/* the keys the transaction reads are known keys, not "ignored" ones */
static void
test_config_keys(Fixture *f, gconstpointer user_data)
{
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(GError) error = NULL;
	GPtrArray *warnings;

	publish_simple(f, "1.0");
	fixture_write_config(f, "PostInstall=/bin/true", "PostInstallTimeout=5", "KeepVersions=1",
			     NULL);
	config = upd_app_config_new_from_file(f->config, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(upd_app_config_get_keep_versions(config), ==, 1);
	g_assert_cmpuint(upd_app_config_get_post_install_timeout(config), ==, 5);
	g_assert_nonnull(upd_app_config_get_post_install(config));
	warnings = upd_app_config_get_warnings(config);
	for (guint i = 0; i < warnings->len; i++)
		g_test_message("warning: %s", (const gchar *)g_ptr_array_index(warnings, i));
	if (warnings->len > 0)
		g_test_fail_printf("%u warnings for keys that are used, the first: %s",
				   warnings->len, (const gchar *)g_ptr_array_index(warnings, 0));
}

static gboolean
installed_record_exists(Fixture *f, const gchar *version)
{
	g_autofree gchar *name = g_strdup_printf("%s.release", version);
	g_autofree gchar *path =
		g_build_filename(f->state, "updater", "apps", APP_ID, "installed", name, NULL);
	return g_file_test(path, G_FILE_TEST_IS_REGULAR);
}

static void
test_keep_versions_1(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *out = NULL;

	publish_simple(f, "1.0");
	fixture_write_config(f, "KeepVersions=1", NULL);
	for (guint i = 0; i < 3; i++) {
		if (i > 0)
			publish_simple(f, release_versions[i]);
		g_clear_pointer(&out, g_free);
		out = ctl_ok(f, "install", NULL);
	}
	assert_current(f, "3.0");
	assert_status(f, "3.0", "2.0,3.0", "");
	{
		g_autofree gchar *v1 = g_build_filename(f->install, "versions", "1.0", NULL);
		g_assert_false(g_file_test(v1, G_FILE_TEST_EXISTS));
	}
	/* the release record goes with its version */
	g_assert_false(installed_record_exists(f, "1.0"));
	g_assert_true(installed_record_exists(f, "2.0"));
	g_assert_true(installed_record_exists(f, "3.0"));
	assert_clean(f);

	g_clear_pointer(&out, g_free);
	out = ctl_ok(f, "rollback", NULL);
	assert_current(f, "2.0");
}

static void
test_keep_versions_0(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *history = NULL;

	publish_simple(f, "1.0");
	fixture_write_config(f, "KeepVersions=0", NULL);
	out = ctl_ok(f, "install", NULL);
	publish_simple(f, "2.0");
	g_clear_pointer(&out, g_free);
	out = ctl_ok(f, "install", NULL);
	assert_current(f, "2.0");
	assert_status(f, "2.0", "2.0", "");
	g_assert_false(installed_record_exists(f, "1.0"));

	/* nothing to roll back to */
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(ctl(f, &out, &err, "rollback", NULL), ==, 1);
	g_assert_nonnull(strstr(err, "updaterctl: "));
	g_assert_nonnull(strstr(err, "nothing to roll back"));
	assert_current(f, "2.0");
	assert_clean(f);
	history = ctl_history(f, NULL);
	g_assert_cmpstr(history, ==,
			"install - 1.0 installed\n"
			"install 1.0 2.0 installed\n");
	/* one line on stderr: the reason */
	if (!g_str_has_prefix(err, "updaterctl: ") || strchr(err, '\n') != err + strlen(err) - 1)
		g_test_fail_printf("rollback printed more than one line on stderr:\n%s", err);
}

/* Installing a release whose file has the same content as in the kept
 * version but another mode must not change the kept version. */
static void
test_tree_mode_change(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *v1 = g_build_filename(f->dir, "mode-1", NULL);
	g_autofree gchar *v2 = g_build_filename(f->dir, "mode-2", NULL);
	g_autofree gchar *v1_tool = g_build_filename(v1, "tool", NULL);
	g_autofree gchar *v2_tool = g_build_filename(v2, "tool", NULL);
	g_autofree gchar *v1_other = g_build_filename(v1, "other", NULL);
	g_autofree gchar *v2_other = g_build_filename(v2, "other", NULL);
	g_autofree gchar *installed = g_build_filename(f->install, "versions", "1.0", NULL);
	g_autofree gchar *out = NULL;
	g_autoptr(GPtrArray) expected = NULL;
	g_autoptr(GPtrArray) actual = NULL;
	g_autofree gchar *diff = NULL;

	write_file_mode(v1_tool, "#!/bin/sh\necho tool\n", -1, 0644);
	write_file_mode(v2_tool, "#!/bin/sh\necho tool\n", -1, 0755);
	write_file_mode(v1_other, "one\n", -1, 0644);
	write_file_mode(v2_other, "two\n", -1, 0644);
	fixture_publish(f, "1.0", v1, NULL);
	fixture_write_config(f, NULL);
	out = ctl_ok(f, "install", NULL);
	assert_version_tree(f, "1.0", v1);
	fixture_publish(f, "2.0", v2, NULL);
	g_clear_pointer(&out, g_free);
	out = ctl_ok(f, "install", NULL);
	assert_version_tree(f, "2.0", v2);
	g_clear_pointer(&out, g_free);
	out = ctl_ok(f, "rollback", NULL);
	assert_current(f, "1.0");

	expected = tree_snapshot(v1);
	actual = tree_snapshot(installed);
	diff = snapshot_diff(expected, actual, 20);
	if (diff[0] != '\0')
		g_test_fail_printf("installing 2.0 changed the kept version 1.0; after the "
				   "rollback it differs from what was published:\n%s",
				   diff);
}

/* ---------------------------------------------------------- crash safety */

/* about 300 files, a few MB: nested directories, executables, symbolic
 * links and empty directories. Release 2 changes a third of the files,
 * removes a tenth, adds 30 and points one link elsewhere. */
static void
make_big_tree(const gchar *dir, guint release)
{
	for (guint i = 0; i < CRASH_FILES; i++) {
		g_autofree gchar *path = NULL;
		gsize size = i % 50 == 0 ? 256 * 1024 : 2048 + (i * 7919) % 14336;
		guint variant = release == 2 && i % 3 == 0 ? 2 : 1;

		if (release == 2 && i % 10 == 1)
			continue;
		path = g_strdup_printf("%s/mod%02u/sub%u/file%03u.dat", dir, i % 12, i % 4, i);
		write_random_file(path, size, i * 4 + variant, i % 7 == 0 ? 0755 : 0644);
	}
	for (guint i = 0; release == 2 && i < 30; i++) {
		g_autofree gchar *path =
			g_strdup_printf("%s/mod%02u/new/file%03u.dat", dir, i % 12, i);
		write_random_file(path, 4096 + i * 100, 100000 + i, 0644);
	}
	for (guint k = 0; k < 10; k++) {
		g_autofree gchar *path = g_strdup_printf("%s/mod%02u/link%u", dir, k, k);
		g_autofree gchar *target = g_strdup_printf("sub%u/file%03u.dat", k % 4,
							   release == 2 && k == 0 ? 12u : k);
		make_symlink(target, path);
	}
	for (guint k = 0; k < 3; k++) {
		g_autofree gchar *path = g_strdup_printf("%s/mod%02u/empty%u", dir, k * 4, k);
		g_assert_cmpint(g_mkdir_with_parents(path, 0755), ==, 0);
	}
}

static GSubprocess *
crash_spawn(Fixture *f, const gchar *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
		G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	GSubprocess *process;

	g_subprocess_launcher_setenv(launcher, "XDG_STATE_HOME", f->state, TRUE);
	g_subprocess_launcher_setenv(launcher, "XDG_CACHE_HOME", f->cache, TRUE);
	g_ptr_array_add(argv, (gpointer)upd_test_program("UPDATERCTL"));
	g_ptr_array_add(argv, (gpointer) "--config");
	g_ptr_array_add(argv, f->config);
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	process = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	g_assert_no_error(error);
	return process;
}

/* runs @args to completion, asserting success; returns the seconds taken */
static gdouble
crash_time_run(Fixture *f, const gchar *const *args)
{
	gint64 start = g_get_monotonic_time();
	g_autoptr(GSubprocess) process = crash_spawn(f, args);
	g_autofree gchar *err = NULL;
	g_autoptr(GError) error = NULL;

	g_subprocess_communicate_utf8(process, NULL, NULL, NULL, &err, &error);
	g_assert_no_error(error);
	if (!g_subprocess_get_successful(process))
		g_error("updaterctl %s failed: %s", args[0], err);
	return (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
}

/* "operation/step" of the journal, "no journal" without one */
static gchar *
crash_journal_step(Fixture *f)
{
	g_autofree gchar *path = fixture_journal_path(f);
	g_autoptr(GKeyFile) journal = g_key_file_new();
	g_autofree gchar *operation = NULL;
	g_autofree gchar *step = NULL;

	if (!g_key_file_load_from_file(journal, path, G_KEY_FILE_NONE, NULL))
		return g_strdup(g_file_test(path, G_FILE_TEST_EXISTS) ? "unreadable journal"
								      : "no journal");
	operation = g_key_file_get_string(journal, "Transaction", "Operation", NULL);
	step = g_key_file_get_string(journal, "Transaction", "Step", NULL);
	return g_strdup_printf("journal %s/%s", operation, step);
}

static void
tally_add(GHashTable *tally, const gchar *key)
{
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(tally, key));
	g_hash_table_insert(tally, g_strdup(key), GUINT_TO_POINTER(n + 1));
}

typedef struct {
	Fixture *f;
	GPtrArray *expected[2]; /* snapshots of releases 1.0 and 2.0 */
	GString *violations;
	guint n_violations;
	guint n_broken;	       /* iterations with at least one violation */
	GHashTable *leftovers; /* what was left, by the step it was killed at */
	gint64 run_us;	       /* time spent in the runs that were killed */
	gint64 status_us;      /* in updaterctl status (recovery) */
	gint64 check_us;       /* in recovery and checking the install directory */
	gchar *context;	       /* (nullable): what ran, when it was killed, what it left */
	gchar *canary;	       /* a file of the test nothing else touches */
} CrashCheck;

static void
crash_violation(CrashCheck *c, guint iteration, const gchar *format, ...) G_GNUC_PRINTF(3, 4);

static void
crash_violation(CrashCheck *c, guint iteration, const gchar *format, ...)
{
	g_autofree gchar *text = NULL;
	va_list args;

	va_start(args, format);
	text = g_strdup_vprintf(format, args);
	va_end(args);
	c->n_violations++;
	/* tell damage by the code under test from files removed by someone else */
	if (!g_file_test(c->canary, G_FILE_TEST_EXISTS)) {
		g_autofree gchar *plain = g_steal_pointer(&text);
		text = g_strdup_printf("%s [the test's canary %s is gone too: files were removed "
				       "from outside]",
				       plain, c->canary);
	}
	if (c->n_violations <= 30)
		g_string_append_printf(c->violations, "iteration %u: %s\n  (%s)\n", iteration, text,
				       c->context);
	g_test_message("iteration %u: %s\n  (%s)", iteration, text, c->context);
}

/* staging and trash directories recovery left behind: each is a violation,
 * blamed on the kill just before, and removed so that it is counted once */
static void
crash_collect_leftovers(CrashCheck *c, guint iteration, const gchar *phase)
{
	g_autoptr(GDir) dir = g_dir_open(c->f->install, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		if (g_str_has_prefix(name, ".staging-") || g_str_has_prefix(name, ".trash-"))
			g_ptr_array_add(names, g_strdup(name));
	}
	for (guint i = 0; i < names->len; i++) {
		const gchar *leftover = g_ptr_array_index(names, i);
		g_autofree gchar *path = g_build_filename(c->f->install, leftover, NULL);
		g_autoptr(GPtrArray) entries = tree_snapshot(path);
		g_autofree gchar *key = g_strdup_printf(
			"%s, killed at: %s",
			g_str_has_prefix(leftover, ".staging-") ? ".staging-*" : ".trash-*", phase);
		g_autoptr(GError) error = NULL;

		crash_violation(c, iteration, "%s (%u entries) left after recovery; killed at: %s",
				leftover, entries->len, phase);
		tally_add(c->leftovers, key);
		g_assert_true(upd_file_rm_rf(path, &error));
		g_assert_no_error(error);
	}
}

/* the install directory and journal as a kill left them, for the report */
static gchar *
crash_describe(Fixture *f)
{
	g_autoptr(GString) text = g_string_new(NULL);
	g_autofree gchar *link = g_build_filename(f->install, "current", NULL);
	g_autofree gchar *target = g_file_read_link(link, NULL);
	g_autofree gchar *versions = g_build_filename(f->install, "versions", NULL);
	g_autofree gchar *journal_path = fixture_journal_path(f);
	g_autofree gchar *journal = NULL;
	g_autoptr(GDir) dir = g_dir_open(f->install, 0, NULL);
	g_autoptr(GDir) versions_dir = g_dir_open(versions, 0, NULL);
	const gchar *name;

	g_string_append_printf(text, "current -> %s;", target != NULL ? target : "(none)");
	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		if (name[0] == '.')
			g_string_append_printf(text, " %s", name);
	}
	while (versions_dir != NULL && (name = g_dir_read_name(versions_dir)) != NULL) {
		g_autofree gchar *path = g_build_filename(versions, name, NULL);
		g_autoptr(GPtrArray) entries = tree_snapshot(path);
		g_string_append_printf(text, " versions/%s (%u entries)", name, entries->len);
	}
	if (g_file_get_contents(journal_path, &journal, NULL, NULL))
		g_string_append_printf(text, "; journal:\n%s", journal);
	else
		g_string_append(text, "; no journal");
	return g_string_free(g_steal_pointer(&text), FALSE);
}

static gint
crash_version_index(const gchar *version)
{
	if (g_strcmp0(version, "1.0") == 0)
		return 0;
	if (g_strcmp0(version, "2.0") == 0)
		return 1;
	return -1;
}

/* after recovery: current is versions/1.0 or versions/2.0, every kept
 * version is complete, nothing of the transaction is left. Returns the
 * current version and whether 2.0 is skipped. */
static gchar *
crash_check_state(CrashCheck *c, guint iteration, const gchar *phase, gboolean *skipped_2)
{
	Fixture *f = c->f;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *current = NULL;
	g_autofree gchar *journal = fixture_journal_path(f);
	g_autofree gchar *versions = g_build_filename(f->install, "versions", NULL);
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GError) error = NULL;
	guint before = c->n_violations;
	gint64 t0 = g_get_monotonic_time();
	const gchar *name;
	gint status;

	/* status recovers first */
	status = ctl(f, &out, &err, "status", "--json", NULL);
	c->status_us += g_get_monotonic_time() - t0;
	if (status != 0) {
		crash_violation(c, iteration, "status exited with %d: %s", status, err);
	} else if (!json_parser_load_from_data(parser, out, -1, &error)) {
		crash_violation(c, iteration, "status printed no JSON: %s", error->message);
	} else {
		JsonObject *root = json_node_get_object(json_parser_get_root(parser));
		g_autofree gchar *skipped = json_strv_join(root, "skipped");
		g_autofree gchar *from_link = read_current(f->install);
		const gchar *installed = json_nullable_string(root, "installed_version");

		*skipped_2 = strstr(skipped, "2.0") != NULL;
		current = g_strdup(from_link);
		if (current == NULL)
			crash_violation(c, iteration, "no current after recovery");
		else if (crash_version_index(current) < 0)
			crash_violation(c, iteration, "current is %s", current);
		if (g_strcmp0(installed, current) != 0)
			crash_violation(c, iteration, "status says %s, current is %s", installed,
					current);
	}
	if (g_file_test(journal, G_FILE_TEST_EXISTS))
		crash_violation(c, iteration, "the journal is left after recovery");
	crash_collect_leftovers(c, iteration, phase);

	/* every version kept is complete: current, and what rollback would take */
	dir = g_dir_open(versions, 0, NULL);
	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		gint index = crash_version_index(name);
		g_autofree gchar *path = g_build_filename(versions, name, NULL);
		g_autoptr(GPtrArray) actual = NULL;
		g_autofree gchar *diff = NULL;

		if (index < 0) {
			crash_violation(c, iteration, "versions/%s should not exist", name);
			continue;
		}
		/* not an invariant asserted here, but worth knowing */
		if (!installed_record_exists(f, name))
			tally_add(c->leftovers,
				  "recoveries after which a kept version had no "
				  "installed/<v>.release (not counted as a violation)");
		actual = tree_snapshot(path);
		diff = snapshot_diff(c->expected[index], actual, 5);
		if (diff[0] != '\0')
			crash_violation(c, iteration, "versions/%s%s is not release %s:\n%s", name,
					g_strcmp0(name, current) == 0 ? " (current)" : "", name,
					diff);
	}
	if (current != NULL && crash_version_index(current) >= 0) {
		g_autofree gchar *path = g_build_filename(versions, current, NULL);
		if (!g_file_test(path, G_FILE_TEST_IS_DIR))
			crash_violation(c, iteration, "current points to a missing versions/%s",
					current);
	}
	if (c->n_violations > before)
		c->n_broken++;
	c->check_us += g_get_monotonic_time() - t0;
	return g_steal_pointer(&current);
}

static gint
compare_keys(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const gchar **)a, *(const gchar **)b);
}

static gdouble
median3(const gdouble *v)
{
	return MAX(MIN(v[0], v[1]), MIN(MAX(v[0], v[1]), v[2]));
}

static void
print_tally(const gchar *title, GHashTable *tally)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new();
	g_autoptr(GList) list = g_hash_table_get_keys(tally);

	for (GList *l = list; l != NULL; l = l->next)
		g_ptr_array_add(keys, l->data);
	g_ptr_array_sort(keys, compare_keys);
	g_test_message("%s", title);
	for (guint i = 0; i < keys->len; i++) {
		const gchar *key = g_ptr_array_index(keys, i);
		g_test_message("  %4u  %s", GPOINTER_TO_UINT(g_hash_table_lookup(tally, key)), key);
	}
}

enum {
	CRASH_INSTALL,
	CRASH_REINSTALL,
	CRASH_ROLLBACK,
};

static const gchar *const crash_install_args[] = {"install", NULL};
static const gchar *const crash_force_args[] = {"install", "--force", NULL};
static const gchar *const crash_rollback_args[] = {"rollback", NULL};

/* what to run next: with 2.0 current roll back (now and then reinstall
 * it), with 1.0 current install 2.0 (forced once it is skipped) */
static guint
crash_choose(GRand *rand,
	     const gchar *current,
	     gboolean skipped_2,
	     const gchar *const **args,
	     const gchar **label)
{
	if (g_strcmp0(current, "2.0") == 0 && g_rand_int_range(rand, 0, 4) == 0) {
		*args = crash_force_args;
		*label = "reinstall 2.0";
		return CRASH_REINSTALL;
	}
	if (g_strcmp0(current, "2.0") == 0) {
		*args = crash_rollback_args;
		*label = "rollback";
		return CRASH_ROLLBACK;
	}
	*args = skipped_2 ? crash_force_args : crash_install_args;
	*label = skipped_2 ? "install --force" : "install";
	return CRASH_INSTALL;
}

/* Installs and rollbacks killed with SIGKILL at a random moment, 200
 * times; after each, `updaterctl status` recovers and the application must
 * be exactly release 1.0 or 2.0. */
static void
test_crash_safety(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *src1 = g_build_filename(f->dir, "big-1", NULL);
	g_autofree gchar *src2 = g_build_filename(f->dir, "big-2", NULL);
	const gchar *seed_env = g_getenv("UPD_TEST_SEED");
	guint32 seed =
		seed_env != NULL ? (guint32)g_ascii_strtoull(seed_env, NULL, 10) : g_random_int();
	g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
	g_autoptr(GHashTable) tally = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) results =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GString) violations = g_string_new(NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *current = NULL;
	g_autoptr(GHashTable) leftovers =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree gchar *canary = g_build_filename(f->dir, "canary", NULL);
	CrashCheck check = {f, {NULL, NULL}, violations, 0, 0, leftovers, 0, 0, 0, NULL, canary};
	gdouble runs[3][3]; /* the last three uninterrupted runs of each kind */
	guint next_run[3] = {0, 0, 0};
	guint calibrations = 0;
	gboolean skipped_2 = FALSE;
	guint kills = 0;
	guint iterations = CRASH_ITERATIONS;
	guint planned;
	guint staging_before = 0;
	guint current_tmp_left = 0;
	gint64 start;

	g_test_message("crash-safety seed %u (set UPD_TEST_SEED to repeat)", seed);
	upd_test_write_file(canary, "", 0, 0644);
	make_big_tree(src1, 1);
	make_big_tree(src2, 2);
	check.expected[0] = tree_snapshot(src1);
	check.expected[1] = tree_snapshot(src2);
	g_test_message("release 1.0: %u entries, release 2.0: %u entries", check.expected[0]->len,
		       check.expected[1]->len);

	/* 1.0 installed, 2.0 downloaded in advance: installs are install work */
	fixture_publish(f, "1.0", src1, NULL);
	fixture_write_config(f, NULL);
	out = ctl_ok(f, "download", NULL);
	g_clear_pointer(&out, g_free);
	out = ctl_ok(f, "install", NULL);
	fixture_publish(f, "2.0", src2, NULL);
	g_clear_pointer(&out, g_free);
	out = ctl_ok(f, "download", NULL);

	/* how long uninterrupted runs take: the median of the last three, as
	 * syncfs() makes runs slow while other programs write */
	for (guint k = 0; k < 3; k++) {
		runs[CRASH_INSTALL][k] =
			crash_time_run(f, k == 0 ? crash_install_args : crash_force_args);
		assert_current(f, "2.0");
		runs[CRASH_REINSTALL][k] = crash_time_run(f, crash_force_args);
		assert_current(f, "2.0");
		runs[CRASH_ROLLBACK][k] = crash_time_run(f, crash_rollback_args);
		assert_current(f, "1.0");
	}
	assert_version_tree(f, "1.0", src1);
	assert_version_tree(f, "2.0", src2);
	assert_clean(f);
	g_test_message("uninterrupted, median of 3: install %.3f s (%.3f %.3f %.3f), reinstall "
		       "%.3f s, rollback %.3f s",
		       median3(runs[CRASH_INSTALL]), runs[CRASH_INSTALL][0], runs[CRASH_INSTALL][1],
		       runs[CRASH_INSTALL][2], median3(runs[CRASH_REINSTALL]),
		       median3(runs[CRASH_ROLLBACK]));
	current = g_strdup("1.0");
	skipped_2 = TRUE;

	/* the sanitizer build runs fewer (tests/meson.build sets it) */
	if (g_getenv("UPD_TEST_CRASH_ITERATIONS") != NULL)
		iterations =
			(guint)g_ascii_strtoull(g_getenv("UPD_TEST_CRASH_ITERATIONS"), NULL, 10);
	g_assert_cmpuint(iterations, >, 0);
	planned = iterations;
	start = g_get_monotonic_time();
	for (guint i = 0; i < planned; i++) {
		const gchar *const *args;
		const gchar *label;
		guint kind;
		gdouble duration;
		gdouble delay;
		g_autoptr(GSubprocess) process = NULL;
		g_autofree gchar *err = NULL;
		g_autofree gchar *phase = NULL;
		g_autofree gchar *key = NULL;
		g_autoptr(GError) error = NULL;
		gboolean killed;
		gint64 run_start;
		g_autofree gchar *before = NULL;

		kind = crash_choose(rand, current, skipped_2, &args, &label);
		if (i > 0 && i % CRASH_CALIBRATE_EVERY == 0) {
			/* the load changes: measure again, and let the state move on */
			runs[kind][next_run[kind]++ % 3] = crash_time_run(f, args);
			calibrations++;
			if (kind == CRASH_ROLLBACK)
				skipped_2 = TRUE;
			g_free(current);
			current = read_current(f->install);
			kind = crash_choose(rand, current, skipped_2, &args, &label);
		}
		duration = median3(runs[kind]);
		delay = g_rand_double_range(rand, 0, duration);

		run_start = g_get_monotonic_time();
		process = crash_spawn(f, args);
		g_usleep((gulong)(delay * G_USEC_PER_SEC));
		g_subprocess_force_exit(process);
		g_subprocess_communicate_utf8(process, NULL, NULL, NULL, &err, &error);
		g_assert_no_error(error);
		check.run_us += g_get_monotonic_time() - run_start;
		killed = g_subprocess_get_if_signaled(process) &&
			 g_subprocess_get_term_sig(process) == SIGKILL;
		if (!killed && !g_subprocess_get_successful(process))
			crash_violation(&check, i, "%s (not killed) failed: %s", label, err);

		phase = crash_journal_step(f);
		g_free(check.context);
		before = crash_describe(f);
		check.context = g_strdup_printf("%s %s after %.3f s; before recovery: %s", label,
						killed ? "killed" : "completed", delay, before);
		staging_before += count_hidden(f->install, ".staging-");
		if (killed) {
			kills++;
			key = g_strdup_printf("%-16s killed, %s", label, phase);
		} else {
			key = g_strdup_printf("%-16s completed", label);
		}
		tally_add(tally, key);

		g_clear_pointer(&current, g_free);
		current = crash_check_state(&check, i, killed ? phase : "completed", &skipped_2);
		if (current == NULL)
			current = read_current(f->install);
		if (current == NULL) {
			/* carry on from a known state, if there is one */
			g_autofree gchar *ignored = NULL;
			g_autofree gchar *ignored_err = NULL;
			ctl(f, &ignored, &ignored_err, "install", "--force", NULL);
			current = read_current(f->install);
			if (current == NULL) {
				crash_violation(&check, i, "cannot install again: %s", ignored_err);
				iterations = i + 1;
				break;
			}
		}
		current_tmp_left = count_hidden(f->install, ".current-");
		/* on a machine so loaded that the loop would reach meson's timeout,
		 * stop early rather than lose every result */
		if (g_get_monotonic_time() - program_start > CRASH_TIME_BUDGET * G_USEC_PER_SEC &&
		    i + 1 < planned) {
			iterations = i + 1;
			g_test_message("time budget of %u s spent: stopped after %u iterations",
				       CRASH_TIME_BUDGET, iterations);
			break;
		}
	}

	g_test_message("%u iterations in %.1f s, %u killed, %u uninterrupted runs to measure "
		       "again; seed %u",
		       iterations, (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC,
		       kills, calibrations, seed);
	g_test_message("last measured: install %.3f s, reinstall %.3f s, rollback %.3f s",
		       median3(runs[CRASH_INSTALL]), median3(runs[CRASH_REINSTALL]),
		       median3(runs[CRASH_ROLLBACK]));
	g_test_message("time in the runs: %.1f s, in status (recovery): %.1f s, in checks "
		       "besides: %.1f s",
		       (gdouble)check.run_us / G_USEC_PER_SEC,
		       (gdouble)check.status_us / G_USEC_PER_SEC,
		       (gdouble)(check.check_us - check.status_us) / G_USEC_PER_SEC);
	print_tally("what was running and where it was killed (journal step before recovery):",
		    tally);
	g_test_message("staging directories present right after the kills, before recovery: %u",
		       staging_before);
	g_test_message(".current-* links left in the install directory: %u", current_tmp_left);
	{
		g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
		g_autofree gchar *history = ctl_history(f, errors);
		g_auto(GStrv) lines = g_strsplit(history, "\n", -1);
		for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
			g_auto(GStrv) words = g_strsplit(lines[i], " ", -1);
			g_autofree gchar *result_key = g_strdup_printf("%s %s", words[0], words[3]);
			tally_add(results, result_key);
		}
	}
	print_tally("history entries by operation and result:", results);
	print_tally("left after recovery (and removed by the test), and notes:", leftovers);
	{
		g_autofree gchar *app_state =
			g_build_filename(f->state, "updater", "apps", APP_ID, NULL);
		g_test_message("temporary files left in %s: %u journal, %u state, %u history",
			       app_state, count_hidden(app_state, ".journal.ini."),
			       count_hidden(app_state, ".state.ini."),
			       count_hidden(app_state, ".history.ini."));
	}
	g_free(check.context);
	g_ptr_array_unref(check.expected[0]);
	g_ptr_array_unref(check.expected[1]);
	if (check.n_violations > 0)
		g_test_fail_printf("%u of %u iterations left a broken state (seed %u):\n%s",
				   check.n_broken, iterations, seed, violations->str);
}

int
main(int argc, char **argv)
{
	g_autofree gchar **args = g_new0(gchar *, argc + 2);
	gchar **args_ptr = args;
	int n_args = argc + 1;

	/* a failed test does not stop the others: one installer's bug must not
	 * hide the results of the rest (failures are g_test_fail_printf()) */
	args[0] = argv[0];
	args[1] = (gchar *)"--keep-going";
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	/* modes of created files and directories as this test expects */
	umask(022);
	program_start = g_get_monotonic_time();
	upd_test_init(&n_args, &args_ptr);

	g_test_add("/libupdater/transaction/zip", Fixture, "zip", fixture_setup, test_archive,
		   fixture_teardown);
	g_test_add("/libupdater/transaction/tar.gz", Fixture, "tar.gz", fixture_setup, test_archive,
		   fixture_teardown);
	g_test_add("/libupdater/transaction/tar.xz", Fixture, "tar.xz", fixture_setup, test_archive,
		   fixture_teardown);
	g_test_add("/libupdater/transaction/tar.zst", Fixture, "tar.zst", fixture_setup,
		   test_archive, fixture_teardown);
	g_test_add("/libupdater/transaction/rpm", Fixture, NULL, fixture_setup, test_rpm,
		   fixture_teardown);
	g_test_add("/libupdater/transaction/rpm/mismatch", Fixture, NULL, fixture_setup,
		   test_rpm_mismatch, fixture_teardown);
	g_test_add("/libupdater/transaction/exe", Fixture, NULL, fixture_setup, test_exe,
		   fixture_teardown);
	g_test_add("/libupdater/transaction/dll", Fixture, NULL, fixture_setup, test_dll,
		   fixture_teardown);
	g_test_add("/libupdater/transaction/tree", Fixture, NULL, fixture_setup, test_tree,
		   fixture_teardown);
	g_test_add("/libupdater/transaction/tree/mode-change", Fixture, NULL, fixture_setup,
		   test_tree_mode_change, fixture_teardown);
	g_test_add("/libupdater/transaction/hook/success", Fixture, NULL, fixture_setup,
		   test_hook_success, fixture_teardown);
	g_test_add("/libupdater/transaction/hook/failure", Fixture, NULL, fixture_setup,
		   test_hook_failure, fixture_teardown);
	g_test_add("/libupdater/transaction/hook/timeout", Fixture, "sleep 30", fixture_setup,
		   test_hook_timeout, fixture_teardown);
	g_test_add("/libupdater/transaction/hook/timeout-child", Fixture,
		   "/bin/sh -c 'sleep 10; exit 0'", fixture_setup, test_hook_timeout,
		   fixture_teardown);
	g_test_add("/libupdater/transaction/config/known-keys", Fixture, NULL, fixture_setup,
		   test_config_keys, fixture_teardown);
	g_test_add("/libupdater/transaction/keep-versions/1", Fixture, NULL, fixture_setup,
		   test_keep_versions_1, fixture_teardown);
	g_test_add("/libupdater/transaction/keep-versions/0", Fixture, NULL, fixture_setup,
		   test_keep_versions_0, fixture_teardown);
	g_test_add("/libupdater/transaction/crash-safety", Fixture, NULL, fixture_setup,
		   test_crash_safety, fixture_teardown);

	return g_test_run();
}
