/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "upd-file-private.h"
#include "upd-sha256-private.h"
#include "upd-test-common.h"

static gchar *upd_test_tmpdir = NULL;

static void
upd_test_cleanup(void)
{
	if (upd_test_tmpdir == NULL)
		return;
	if (g_getenv("UPD_TEST_KEEP") == NULL)
		upd_file_rm_rf(upd_test_tmpdir, NULL);
	else
		g_printerr("kept %s\n", upd_test_tmpdir);
	g_clear_pointer(&upd_test_tmpdir, g_free);
}

void
upd_test_init(int *argc, char ***argv)
{
	g_autoptr(GError) error = NULL;
	const gchar *subdirs[][2] = {
		{"HOME", "home"},
		{"XDG_CONFIG_HOME", "config"},
		{"XDG_DATA_HOME", "data"},
		{"XDG_STATE_HOME", "state"},
		{"XDG_CACHE_HOME", "cache"},
		{"XDG_RUNTIME_DIR", "runtime"},
	};

	g_test_init(argc, argv, NULL);
	upd_test_tmpdir = g_dir_make_tmp("libupdater-test-XXXXXX", &error);
	g_assert_no_error(error);
	for (guint i = 0; i < G_N_ELEMENTS(subdirs); i++) {
		g_autofree gchar *dir = g_build_filename(upd_test_tmpdir, subdirs[i][1], NULL);
		g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
		g_setenv(subdirs[i][0], dir, TRUE);
	}
	atexit(upd_test_cleanup);
}

const gchar *
upd_test_get_tmpdir(void)
{
	return upd_test_tmpdir;
}

gchar *
upd_test_mkdtemp(const gchar *name)
{
	g_autofree gchar *tmpl = g_strdup_printf("%s/%s-XXXXXX", upd_test_tmpdir, name);
	g_assert_nonnull(g_mkdtemp(tmpl));
	return g_steal_pointer(&tmpl);
}

const gchar *
upd_test_program(const gchar *variable)
{
	const gchar *path = g_getenv(variable);
	if (path == NULL)
		g_error("%s is not set: run the tests with meson test", variable);
	return path;
}

/* a server must not outlive a test that crashed: meson would wait for the
 * output pipes it inherited until the timeout */
static void
upd_test_child_setup(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

gint
upd_test_run(const gchar *const *argv,
	     const gchar *const *env,
	     const gchar *stdin_text,
	     gchar **out,
	     gchar **err)
{
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) process = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *stdout_buf = NULL;
	g_autofree gchar *stderr_buf = NULL;
	GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE;

	if (stdin_text != NULL)
		flags |= G_SUBPROCESS_FLAGS_STDIN_PIPE;
	launcher = g_subprocess_launcher_new(flags);
	g_subprocess_launcher_set_child_setup(launcher, upd_test_child_setup, NULL, NULL);
	for (guint i = 0; env != NULL && env[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(env[i], "=", 2);
		g_subprocess_launcher_setenv(launcher, kv[0], kv[1] != NULL ? kv[1] : "", TRUE);
	}
	process = g_subprocess_launcher_spawnv(launcher, argv, &error);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8(process, stdin_text, NULL, &stdout_buf, &stderr_buf, &error);
	g_assert_no_error(error);
	if (g_test_verbose())
		g_printerr("$ %s\n%s%s", argv[0], stdout_buf, stderr_buf);
	if (out != NULL)
		*out = g_steal_pointer(&stdout_buf);
	if (err != NULL)
		*err = g_steal_pointer(&stderr_buf);
	if (g_subprocess_get_if_signaled(process))
		return -g_subprocess_get_term_sig(process);
	return g_subprocess_get_exit_status(process);
}

gchar *
upd_test_run_ok(const gchar *program, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autofree gchar *err = NULL;
	gchar *out = NULL;
	const gchar *arg;
	va_list args;
	gint status;

	g_ptr_array_add(argv, (gpointer)program);
	va_start(args, program);
	while ((arg = va_arg(args, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)arg);
	va_end(args);
	g_ptr_array_add(argv, NULL);
	status = upd_test_run((const gchar *const *)argv->pdata, NULL, NULL, &out, &err);
	if (status != 0)
		g_error("%s exited with %d: %s", program, status, err);
	return out;
}

UpdTestServer *
upd_test_server_start(const gchar *repo, const gchar *const *extra_args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GDataInputStream) data = NULL;
	g_autofree gchar *line = NULL;
	UpdTestServer *server = g_new0(UpdTestServer, 1);

	g_ptr_array_add(argv, (gpointer)upd_test_program("UPDATER_SERVER"));
	g_ptr_array_add(argv, (gpointer) "--repo");
	g_ptr_array_add(argv, (gpointer)repo);
	g_ptr_array_add(argv, (gpointer) "--port");
	g_ptr_array_add(argv, (gpointer) "0");
	for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)extra_args[i]);
	g_ptr_array_add(argv, NULL);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_subprocess_launcher_set_child_setup(launcher, upd_test_child_setup, NULL, NULL);
	server->process =
		g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	g_assert_no_error(error);
	data = g_data_input_stream_new(g_subprocess_get_stdout_pipe(server->process));
	line = g_data_input_stream_read_line_utf8(data, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(line);
	g_assert_true(g_str_has_prefix(line, "listening on http://127.0.0.1:"));
	server->url = g_strdup(line + strlen("listening on "));
	g_assert_true(g_str_has_suffix(server->url, "/"));
	return server;
}

void
upd_test_server_stop(UpdTestServer *server)
{
	if (server == NULL)
		return;
	g_subprocess_send_signal(server->process, SIGTERM);
	g_subprocess_wait(server->process, NULL, NULL);
	/* a clean exit: the server must not crash on anything a test sent it */
	g_assert_true(g_subprocess_get_if_exited(server->process));
	g_assert_cmpint(g_subprocess_get_exit_status(server->process), ==, 0);
	g_object_unref(server->process);
	g_free(server->url);
	g_free(server);
}

gchar *
upd_test_keygen(const gchar *prefix)
{
	g_autofree gchar *out =
		upd_test_run_ok(upd_test_program("UPDATER_PUBLISH"), "keygen", prefix, NULL);
	return g_strdup(g_strstrip(out));
}

void
upd_test_publish(const gchar *repo,
		 const gchar *key,
		 const gchar *app_id,
		 const gchar *version,
		 const gchar *payload,
		 ...)
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
	g_ptr_array_add(argv, (gpointer)repo);
	g_ptr_array_add(argv, (gpointer) "--key");
	g_ptr_array_add(argv, (gpointer)key);
	g_ptr_array_add(argv, (gpointer) "--app");
	g_ptr_array_add(argv, (gpointer)app_id);
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
		g_error("publishing %s %s failed with %d: %s", app_id, version, status, err);
}

gchar *
upd_test_write_config(const gchar *path,
		      const gchar *app_id,
		      const gchar *endpoint,
		      const gchar *public_keys,
		      ...)
{
	g_autoptr(GString) text = g_string_new("[Application]\n");
	const gchar *line;
	va_list args;

	g_string_append_printf(text, "Id=%s\nEndpoint=%s\nPublicKey=%s\n", app_id, endpoint,
			       public_keys);
	va_start(args, public_keys);
	while ((line = va_arg(args, const gchar *)) != NULL)
		g_string_append_printf(text, "%s\n", line);
	va_end(args);
	upd_test_write_file(path, text->str, text->len, 0644);
	return g_strdup(path);
}

void
upd_test_write_file(const gchar *path, const gchar *contents, gssize len, guint mode)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_path_get_dirname(path);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	/* replaced atomically, as a publisher does (GLib 2.74 writes NONE in place
	 * without truncating) */
	/* replaced atomically, as a publisher does: GLib 2.74 writes with
	 * G_FILE_SET_CONTENTS_NONE in place, without truncating a longer file */
	g_file_set_contents_full(path, contents, len, G_FILE_SET_CONTENTS_CONSISTENT, (int)mode,
				 &error);
	g_assert_no_error(error);
}

void
upd_test_make_tar_gz(const gchar *path, ...)
{
	struct archive *a = archive_write_new();
	const gchar *name;
	va_list args;

	g_assert_cmpint(archive_write_add_filter_gzip(a), ==, ARCHIVE_OK);
	g_assert_cmpint(archive_write_set_format_pax_restricted(a), ==, ARCHIVE_OK);
	g_assert_cmpint(archive_write_open_filename(a, path), ==, ARCHIVE_OK);
	va_start(args, path);
	while ((name = va_arg(args, const gchar *)) != NULL) {
		const gchar *contents = va_arg(args, const gchar *);
		struct archive_entry *entry = archive_entry_new();
		archive_entry_set_pathname(entry, name);
		archive_entry_set_size(entry, (la_int64_t)strlen(contents));
		archive_entry_set_filetype(entry, AE_IFREG);
		archive_entry_set_perm(entry, 0644);
		g_assert_cmpint(archive_write_header(a, entry), ==, ARCHIVE_OK);
		g_assert_cmpint(archive_write_data(a, contents, strlen(contents)), ==,
				(la_ssize_t)strlen(contents));
		archive_entry_free(entry);
	}
	va_end(args);
	g_assert_cmpint(archive_write_close(a), ==, ARCHIVE_OK);
	archive_write_free(a);
}

static gint
upd_test_compare_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar **)a, *(const gchar **)b);
}

static void
upd_test_fingerprint_dir(UpdSha256 *sha, const gchar *root, const gchar *relative)
{
	g_autofree gchar *path =
		relative != NULL ? g_build_filename(root, relative, NULL) : g_strdup(root);
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	if (dir == NULL)
		return;
	while ((name = g_dir_read_name(dir)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, upd_test_compare_names);
	for (guint i = 0; i < names->len; i++) {
		const gchar *child = g_ptr_array_index(names, i);
		g_autofree gchar *child_rel = relative != NULL
						      ? g_build_filename(relative, child, NULL)
						      : g_strdup(child);
		g_autofree gchar *child_path = g_build_filename(root, child_rel, NULL);
		g_autofree gchar *line = NULL;
		struct stat st;

		g_assert_cmpint(lstat(child_path, &st), ==, 0);
		line = g_strdup_printf("%s %o %" G_GINT64_FORMAT "\n", child_rel, st.st_mode,
				       (gint64)st.st_size);
		upd_sha256_update(sha, line, strlen(line));
		if (S_ISDIR(st.st_mode)) {
			upd_test_fingerprint_dir(sha, root, child_rel);
		} else if (S_ISLNK(st.st_mode)) {
			g_autofree gchar *target = g_file_read_link(child_path, NULL);
			upd_sha256_update(sha, target, strlen(target));
		} else if (S_ISREG(st.st_mode)) {
			guint8 digest[UPD_SHA256_LEN];
			g_assert_true(upd_sha256_file(child_path, digest, NULL, NULL, NULL));
			upd_sha256_update(sha, digest, sizeof(digest));
		}
	}
}

gchar *
upd_test_tree_fingerprint(const gchar *dir)
{
	g_autoptr(UpdSha256) sha = upd_sha256_new();
	guint8 digest[UPD_SHA256_LEN];

	upd_test_fingerprint_dir(sha, dir, NULL);
	upd_sha256_finish(sha, digest);
	return upd_sha256_to_hex(digest);
}

static gboolean
upd_test_timeout_cb(gpointer user_data)
{
	gboolean *timed_out = user_data;
	*timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

void
upd_test_wait_flag(gboolean *flag, guint timeout_ms)
{
	gboolean timed_out = FALSE;
	guint id = g_timeout_add(timeout_ms, upd_test_timeout_cb, &timed_out);

	while (!*flag && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!timed_out)
		g_source_remove(id);
	g_assert_true(*flag);
}
