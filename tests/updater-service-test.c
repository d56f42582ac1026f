/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * updater-service as the real executable, on a private session bus
 * (GTestDBus), against a real updater-server (or the fault server where a
 * test needs faults or a request log with Range starts), driven through
 * GDBus proxies and the real updaterctl, with the real demo-app as the host
 * of a hot-swapped plugin.
 *
 * Every test starts its own bus, servers and daemon (with -v, its output in
 * a log file that is printed when the test fails) and stops the daemon with
 * SIGTERM at the end, asserting a clean exit. Waits iterate the main loop
 * until a condition holds, with a deadline that fails the test.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "upd-dbus-private.h"
#include "upd-pb-private.h"
#include "upd-repo-layout-private.h"
#include "upd-test-common.h"
#include "upd-test-fault-server.h"
#include "updater.h"

#define APP_ID	     "org.example.Svc"
#define ERROR_PREFIX "org.libupdater.Updater1.Error."
#define APP_IFACE    "org.libupdater.Updater1.App"
/* generous: the ASan build on a busy two-core machine is slow */
#define TIMEOUT_MS 30000

/* ------------------------------------------------------------ failures */

/* Log files of the running test, printed by the handler of the signal that
 * ends a failed test (g_assert aborts, g_error traps): async-signal-safe
 * calls only. */
#define MAX_LOGS     16
#define MAX_LOG_PATH 1024
static gchar crash_logs[MAX_LOGS][MAX_LOG_PATH];
static volatile guint n_crash_logs;
/* GTestDBus's dbus-daemon would outlive a crashed test and keep the test
 * runner waiting for the output it inherited */
static volatile pid_t crash_bus_pid;

static void
crash_logs_add(const gchar *path)
{
	if (n_crash_logs < MAX_LOGS)
		g_strlcpy(crash_logs[n_crash_logs++], path, MAX_LOG_PATH);
}

static void
crash_write(const gchar *text, gsize len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, text, len);
		if (n <= 0)
			return;
		text += n;
		len -= (gsize)n;
	}
}

static void
crash_handler(int sig)
{
	static const gchar rule[] = "\n======== ";
	gchar buf[4096];

	for (guint i = 0; i < n_crash_logs; i++) {
		ssize_t n;
		int fd;

		crash_write(rule, sizeof(rule) - 1);
		crash_write(crash_logs[i], strlen(crash_logs[i]));
		crash_write(" ========\n", 10);
		fd = open(crash_logs[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			crash_write(buf, (gsize)n);
		close(fd);
	}
	if (crash_bus_pid > 0)
		kill(crash_bus_pid, SIGTERM);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ------------------------------------------------------------- waiting */

static gboolean
wake_cb(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
	return G_SOURCE_REMOVE;
}

/* one iteration of the default main context, at most @ms long */
static void
iterate_ms(guint ms)
{
	gboolean woke = FALSE;
	guint id = g_timeout_add(ms, wake_cb, &woke);

	g_main_context_iteration(NULL, TRUE);
	if (!woke)
		g_source_remove(id);
}

/* iterates the main loop until @cond holds; fails with the message after
 * @timeout_ms (conditions on files and /proc are looked at every 50 ms) */
#define WAIT_FOR(cond, timeout_ms, ...)                                                            \
	G_STMT_START                                                                               \
	{                                                                                          \
		gint64 wait_deadline_ = g_get_monotonic_time() + (gint64)(timeout_ms)*1000;        \
		while (!(cond)) {                                                                  \
			if (g_get_monotonic_time() > wait_deadline_)                               \
				g_error(__VA_ARGS__);                                              \
			iterate_ms(50);                                                            \
		}                                                                                  \
	}                                                                                          \
	G_STMT_END

/* iterates the main loop for @ms: only where the point is that nothing
 * happens meanwhile */
static void
run_for_ms(guint ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

	while (g_get_monotonic_time() < end)
		iterate_ms(MAX(1, (guint)((end - g_get_monotonic_time()) / 1000)));
}

static void
async_result_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GAsyncResult **out = user_data;
	*out = g_object_ref(res);
}

static GAsyncResult *
wait_result(GAsyncResult **res, const gchar *what)
{
	WAIT_FOR(*res != NULL, TIMEOUT_MS + 5000, "no answer to %s", what);
	return *res;
}

/* --------------------------------------------------------- stdout lines */

typedef struct {
	GDataInputStream *input;   /* (owned) */
	GCancellable *cancellable; /* (owned) */
	GPtrArray *lines;	   /* (element-type utf8) */
	gboolean pending;
	gboolean eof;
} LineReader;

static void
line_reader_next(LineReader *reader);

static void
line_reader_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	LineReader *reader = user_data;
	gchar *line = g_data_input_stream_read_line_finish_utf8(G_DATA_INPUT_STREAM(source), res,
								NULL, NULL);

	reader->pending = FALSE;
	if (line == NULL) {
		reader->eof = TRUE;
		return;
	}
	if (g_test_verbose())
		g_printerr("| %s\n", line);
	g_ptr_array_add(reader->lines, line);
	line_reader_next(reader);
}

static void
line_reader_next(LineReader *reader)
{
	reader->pending = TRUE;
	g_data_input_stream_read_line_async(reader->input, G_PRIORITY_DEFAULT, reader->cancellable,
					    line_reader_cb, reader);
}

static LineReader *
line_reader_new(GInputStream *stream)
{
	LineReader *reader = g_new0(LineReader, 1);

	reader->input = g_data_input_stream_new(stream);
	reader->cancellable = g_cancellable_new();
	reader->lines = g_ptr_array_new_with_free_func(g_free);
	line_reader_next(reader);
	return reader;
}

static void
line_reader_free(LineReader *reader)
{
	g_cancellable_cancel(reader->cancellable);
	while (reader->pending)
		g_main_context_iteration(NULL, TRUE);
	g_object_unref(reader->input);
	g_object_unref(reader->cancellable);
	g_ptr_array_unref(reader->lines);
	g_free(reader);
}

/* the index of the first line from @start containing @needle, or -1 */
static gint
line_reader_find(LineReader *reader, guint start, const gchar *needle)
{
	for (guint i = start; i < reader->lines->len; i++) {
		if (strstr(g_ptr_array_index(reader->lines, i), needle) != NULL)
			return (gint)i;
	}
	return -1;
}

/* ------------------------------------------------------------ children */

/* a program the test started: its exit is noticed from the main loop */
typedef struct {
	GSubprocess *process; /* (owned) */
	gchar *log;	      /* (owned): stderr, and stdout unless piped */
	LineReader *out;      /* (owned) (nullable): stdout when piped */
	gboolean exited;
} Child;

static void
child_setup(gpointer user_data)
{
	/* nothing outlives a test program that crashed */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void
child_exited_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Child *child = user_data;
	g_subprocess_wait_finish(G_SUBPROCESS(source), res, NULL);
	child->exited = TRUE;
}

static Child *
child_spawn(const gchar *const *argv, const gchar *log, gboolean pipe_stdout)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
		pipe_stdout ? G_SUBPROCESS_FLAGS_STDOUT_PIPE : G_SUBPROCESS_FLAGS_NONE);
	g_autoptr(GError) error = NULL;
	Child *child = g_new0(Child, 1);
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	g_assert_cmpint(fd, >=, 0);
	g_subprocess_launcher_set_child_setup(launcher, child_setup, NULL, NULL);
	g_subprocess_launcher_take_stderr_fd(launcher, dup(fd));
	if (pipe_stdout)
		close(fd);
	else
		g_subprocess_launcher_take_stdout_fd(launcher, fd);
	child->log = g_strdup(log);
	crash_logs_add(log);
	child->process = g_subprocess_launcher_spawnv(launcher, argv, &error);
	g_assert_no_error(error);
	if (pipe_stdout)
		child->out = line_reader_new(g_subprocess_get_stdout_pipe(child->process));
	g_subprocess_wait_async(child->process, NULL, child_exited_cb, child);
	return child;
}

static GPid
child_get_pid(Child *child)
{
	return (GPid)g_ascii_strtoll(g_subprocess_get_identifier(child->process), NULL, 10);
}

static void
child_wait(Child *child, const gchar *name)
{
	WAIT_FOR(child->exited, TIMEOUT_MS, "%s did not exit", name);
	/* the last lines of its stdout */
	WAIT_FOR(child->out == NULL || child->out->eof, TIMEOUT_MS, "the stdout of %s stayed open",
		 name);
}

/* SIGTERM (or SIGINT; 0 for a child that exits by itself), and a clean exit */
static void
child_stop(Child *child, const gchar *name, int sig)
{
	if (!child->exited)
		g_subprocess_send_signal(child->process, sig);
	child_wait(child, name);
	if (!g_subprocess_get_if_exited(child->process))
		g_error("%s was killed by signal %d", name,
			g_subprocess_get_term_sig(child->process));
	if (g_subprocess_get_exit_status(child->process) != 0)
		g_error("%s exited with status %d", name,
			g_subprocess_get_exit_status(child->process));
}

static void
child_free(Child *child)
{
	if (child == NULL)
		return;
	if (!child->exited) {
		g_subprocess_force_exit(child->process);
		child_wait(child, "a child");
	}
	g_clear_pointer(&child->out, line_reader_free);
	g_object_unref(child->process);
	g_free(child->log);
	g_free(child);
}

static gchar *
file_contents(const gchar *path)
{
	gchar *contents = NULL;
	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return g_strdup("");
	return contents;
}

static guint
count_substrings(const gchar *text, const gchar *needle)
{
	guint n = 0;
	for (const gchar *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

static gboolean
file_contains(const gchar *path, const gchar *needle)
{
	g_autofree gchar *contents = file_contents(path);
	return strstr(contents, needle) != NULL;
}

/* ------------------------------------------------------------- fixture */

/* the dbus-daemon GTestDBus started: our child of that name */
static pid_t
find_bus_daemon(void)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	g_autofree gchar *ppid_field = g_strdup_printf(" %d ", (int)getpid());
	const gchar *name;
	pid_t found = 0;

	while (proc != NULL && (name = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *path = g_build_filename("/proc", name, "stat", NULL);
		g_autofree gchar *stat = NULL;
		const gchar *after_comm;

		if (!g_ascii_isdigit(name[0]) || !g_file_get_contents(path, &stat, NULL, NULL))
			continue;
		/* "pid (comm) state ppid ..." */
		after_comm = strrchr(stat, ')');
		if (strstr(stat, "(dbus-daemon)") == NULL || after_comm == NULL ||
		    strncmp(after_comm + 2 + 1, ppid_field, strlen(ppid_field)) != 0)
			continue;
		found = (pid_t)g_ascii_strtoll(name, NULL, 10);
	}
	return found;
}

typedef struct {
	gchar *dir;
	GTestDBus *bus;
	GDBusConnection *conn; /* (owned): the test's own, not the singleton */
	guint watch_id;
	gchar *owner;		  /* (nullable): of org.libupdater.Updater1 */
	Child *daemon;		  /* (nullable) */
	guint n_runs;		  /* of the daemon, for log names */
	UpdDBusUpdater1 *manager; /* (nullable): while the daemon runs */
	gchar *repo;
	gchar *key; /* the secret key file */
	gchar *public_line;
	Child *server; /* (nullable): updater-server -v */
	gchar *url;    /* (nullable): its URL */
	gchar *install_dir;
	GPtrArray *children; /* (element-type Child): demo-app, monitors */
} Fixture;

static void
name_appeared_cb(GDBusConnection *connection,
		 const gchar *name,
		 const gchar *owner,
		 gpointer user_data)
{
	Fixture *f = user_data;
	g_free(f->owner);
	f->owner = g_strdup(owner);
}

static void
name_vanished_cb(GDBusConnection *connection, const gchar *name, gpointer user_data)
{
	Fixture *f = user_data;
	g_clear_pointer(&f->owner, g_free);
}

static void
fixture_setup(Fixture *f, gconstpointer user_data)
{
	const gchar *const xdg[][2] = {
		{"XDG_CONFIG_HOME", "config"},
		{"XDG_STATE_HOME", "state"},
		{"XDG_CACHE_HOME", "cache"},
		{"XDG_DATA_HOME", "data"},
	};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *prefix = NULL;

	n_crash_logs = 0;
	f->dir = upd_test_mkdtemp("svc");
	/* a fresh home for the daemon and updaterctl of each test */
	for (guint i = 0; i < G_N_ELEMENTS(xdg); i++) {
		g_autofree gchar *path = g_build_filename(f->dir, xdg[i][1], NULL);
		g_assert_cmpint(g_mkdir_with_parents(path, 0700), ==, 0);
		g_setenv(xdg[i][0], path, TRUE);
	}
	f->bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	if (g_strcmp0(user_data, "activation") == 0) {
		/* D-Bus starts the daemon on the first call, as the installed
		 * org.libupdater.Updater1.service does */
		g_autofree gchar *services = g_build_filename(f->dir, "services", NULL);
		g_autofree gchar *file = g_build_filename(services, UPD_DBUS_NAME ".service", NULL);
		g_autofree gchar *log = g_build_filename(f->dir, "activated.log", NULL);
		g_autofree gchar *text =
			g_strdup_printf("[D-BUS Service]\nName=%s\nExec=/bin/sh -c 'exec \"%s\" -v "
					"--idle-timeout 2 >>\"%s\" 2>&1'\n",
					UPD_DBUS_NAME, upd_test_program("UPDATER_SERVICE"), log);
		upd_test_write_file(file, text, -1, 0644);
		g_test_dbus_add_service_dir(f->bus, services);
		crash_logs_add(log);
	}
	g_test_dbus_up(f->bus);
	crash_bus_pid = find_bus_daemon();
	f->conn = g_dbus_connection_new_for_address_sync(
		g_test_dbus_get_bus_address(f->bus),
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, &error);
	g_assert_no_error(error);
	f->watch_id = g_bus_watch_name_on_connection(f->conn, UPD_DBUS_NAME,
						     G_BUS_NAME_WATCHER_FLAGS_NONE,
						     name_appeared_cb, name_vanished_cb, f, NULL);
	f->repo = g_build_filename(f->dir, "repo", NULL);
	g_assert_cmpint(g_mkdir_with_parents(f->repo, 0755), ==, 0);
	prefix = g_build_filename(f->dir, "key", NULL);
	f->public_line = upd_test_keygen(prefix);
	f->key = g_strdup_printf("%s.secret", prefix);
	f->install_dir = g_build_filename(f->dir, "install", NULL);
	f->children = g_ptr_array_new();
}

static void
daemon_stop(Fixture *f);
static void
server_stop(Fixture *f);

static void
fixture_teardown(Fixture *f, gconstpointer user_data)
{
	for (guint i = 0; i < f->children->len; i++)
		child_free(g_ptr_array_index(f->children, i));
	g_ptr_array_unref(f->children);
	if (f->daemon != NULL)
		daemon_stop(f);
	if (f->server != NULL)
		server_stop(f);
	g_bus_unwatch_name(f->watch_id);
	g_dbus_connection_close_sync(f->conn, NULL, NULL);
	g_clear_object(&f->conn);
	crash_bus_pid = 0;
	g_test_dbus_down(f->bus);
	g_clear_object(&f->bus);
	g_free(f->owner);
	g_free(f->repo);
	g_free(f->key);
	g_free(f->public_line);
	g_free(f->url);
	g_free(f->install_dir);
	g_free(f->dir);
	n_crash_logs = 0;
}

/* -------------------------------------------------------------- daemon */

/* starts updater-service -v with extra arguments (later ones win), waits
 * until it owns its name */
static void
daemon_start(Fixture *f, ...) G_GNUC_NULL_TERMINATED;

static void
daemon_start(Fixture *f, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autofree gchar *log = g_strdup_printf("%s/daemon-%u.log", f->dir, ++f->n_runs);
	g_autoptr(GError) error = NULL;
	const gchar *arg;
	va_list args;

	g_assert_null(f->daemon);
	g_assert_null(f->owner);
	g_ptr_array_add(argv, (gpointer)upd_test_program("UPDATER_SERVICE"));
	g_ptr_array_add(argv, (gpointer) "-v");
	/* no automatic check unless a test asks for one */
	g_ptr_array_add(argv, (gpointer) "--first-check-delay");
	g_ptr_array_add(argv, (gpointer) "3600");
	g_ptr_array_add(argv, (gpointer) "--swap-timeout");
	g_ptr_array_add(argv, (gpointer) "30");
	va_start(args, f);
	while ((arg = va_arg(args, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)arg);
	va_end(args);
	g_ptr_array_add(argv, NULL);
	f->daemon = child_spawn((const gchar *const *)argv->pdata, log, FALSE);
	WAIT_FOR(f->owner != NULL || f->daemon->exited, TIMEOUT_MS,
		 "updater-service did not take %s", UPD_DBUS_NAME);
	if (f->daemon->exited)
		g_error("updater-service exited at start");
	f->manager = upd_dbus_updater1_proxy_new_sync(f->conn, G_DBUS_PROXY_FLAGS_NONE,
						      UPD_DBUS_NAME, UPD_DBUS_PATH, NULL, &error);
	g_assert_no_error(error);
}

static void
daemon_forget(Fixture *f)
{
	g_clear_object(&f->manager);
	WAIT_FOR(f->owner == NULL, TIMEOUT_MS, "%s stayed on the bus", UPD_DBUS_NAME);
	g_clear_pointer(&f->daemon, child_free);
}

/* SIGTERM: the daemon must exit 0 (and, in the ASan build, without leaks) */
static void
daemon_stop(Fixture *f)
{
	child_stop(f->daemon, "updater-service", SIGTERM);
	daemon_forget(f);
}

static gboolean
daemon_log_contains(Fixture *f, const gchar *needle)
{
	return file_contains(f->daemon->log, needle);
}

/* ------------------------------------------------------------- servers */

static void
server_start(Fixture *f)
{
	g_autofree gchar *log = g_build_filename(f->dir, "server.log", NULL);
	const gchar *argv[] = {
		upd_test_program("UPDATER_SERVER"), "--repo", f->repo, "--port", "0", "-v", NULL};
	const gchar *line;

	f->server = child_spawn(argv, log, TRUE);
	WAIT_FOR(f->server->out->lines->len > 0 || f->server->out->eof, TIMEOUT_MS,
		 "updater-server did not start");
	g_assert_cmpuint(f->server->out->lines->len, >, 0);
	line = g_ptr_array_index(f->server->out->lines, 0);
	g_assert_true(g_str_has_prefix(line, "listening on http://127.0.0.1:"));
	f->url = g_strdup(line + strlen("listening on "));
}

static void
server_stop(Fixture *f)
{
	child_stop(f->server, "updater-server", SIGTERM);
	g_clear_pointer(&f->server, child_free);
}

/* requests the server logged, e.g. "POST /v1/check" (a line is written
 * once the answer was sent) */
static guint
server_count(Fixture *f, const gchar *request)
{
	g_autofree gchar *log = file_contents(f->server->log);
	guint n = 0;
	g_auto(GStrv) lines = g_strsplit(log, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], request))
			n++;
	}
	return n;
}

/* the server logged @n requests like @request, no more; waits for the log
 * lines of answers sent just now */
static void
assert_server_count(Fixture *f, const gchar *request, guint n)
{
	WAIT_FOR(server_count(f, request) >= n, TIMEOUT_MS, "the server did not log %u \"%s\"", n,
		 request);
	g_assert_cmpuint(server_count(f, request), ==, n);
}

/* ------------------------------------------------------------- releases */

static void
fixture_publish(Fixture *f, const gchar *app_id, const gchar *version, const gchar *payload, ...)
	G_GNUC_NULL_TERMINATED;

static void
fixture_publish(Fixture *f, const gchar *app_id, const gchar *version, const gchar *payload, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
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
	g_ptr_array_add(argv, (gpointer)app_id);
	g_ptr_array_add(argv, (gpointer) "--version");
	g_ptr_array_add(argv, (gpointer)version);
	va_start(args, payload);
	while ((arg = va_arg(args, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)arg);
	va_end(args);
	g_ptr_array_add(argv, (gpointer)payload);
	g_ptr_array_add(argv, NULL);
	status = upd_test_run((const gchar *const *)argv->pdata, NULL, NULL, NULL, &err);
	if (status != 0)
		g_error("publishing %s %s failed with %d: %s", app_id, version, status, err);
}

/* version @version of APP_ID: a tar.gz with bin/app = @content */
static void
fixture_publish_tar(Fixture *f, const gchar *version, const gchar *content)
{
	g_autofree gchar *name = g_strdup_printf("app-%s.tar.gz", version);
	g_autofree gchar *payload = g_build_filename(f->dir, name, NULL);

	upd_test_make_tar_gz(payload, "bin/app", content, NULL);
	fixture_publish(f, APP_ID, version, payload, NULL);
}

/* a script followed by @size bytes zstd cannot shrink */
static GBytes *
make_random_exe(const gchar *path, gsize size, guint32 seed)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
	GString *data = g_string_new("#!/bin/sh\nexit 0\n");

	while (data->len < size)
		g_string_append_c(data, (gchar)g_rand_int_range(rand, 0, 256));
	upd_test_write_file(path, data->str, (gssize)data->len, 0755);
	return g_string_free_to_bytes(data);
}

static void
assert_file_bytes(const gchar *path, GBytes *expected)
{
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	g_autoptr(GError) error = NULL;

	g_file_get_contents(path, &contents, &len, &error);
	g_assert_no_error(error);
	g_assert_cmpmem(contents, len, g_bytes_get_data(expected, NULL),
			g_bytes_get_size(expected));
}

static void
assert_file_text(const gchar *path, const gchar *expected)
{
	g_autofree gchar *contents = NULL;
	g_autoptr(GError) error = NULL;

	g_file_get_contents(path, &contents, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(contents, ==, expected);
}

static void
assert_link(const gchar *path, const gchar *target)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *value = g_file_read_link(path, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(value, ==, target);
}

/* ------------------------------------------------------- registrations */

/* an application key file: InstallDir under the test's directory */
static gchar *
fixture_config(Fixture *f, const gchar *id, const gchar *endpoint, const gchar *extra)
{
	g_autofree gchar *install_dir =
		g_strcmp0(id, APP_ID) == 0 ? g_strdup(f->install_dir)
					   : g_build_filename(f->dir, "install-other", id, NULL);

	return g_strdup_printf("[Application]\nId=%s\nEndpoint=%s\nPublicKey=%s\nInstallDir=%s\n%s",
			       id, endpoint, f->public_line, install_dir, extra);
}

static gchar *
fixture_register(Fixture *f, const gchar *text)
{
	g_autoptr(GError) error = NULL;
	gchar *path = NULL;

	upd_dbus_updater1_call_register_application_sync(f->manager, text, &path, NULL, &error);
	g_assert_no_error(error);
	return path;
}

static gchar *
apps_d_file(const gchar *id)
{
	g_autofree gchar *name = g_strdup_printf("%s.conf", id);
	return g_build_filename(g_getenv("XDG_CONFIG_HOME"), "updater", "apps.d", name, NULL);
}

static UpdDBusUpdater1App *
fixture_app(Fixture *f, const gchar *id)
{
	g_autofree gchar *path = upd_dbus_app_path(id);
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdDBusUpdater1App) app = upd_dbus_updater1_app_proxy_new_sync(
		f->conn, G_DBUS_PROXY_FLAGS_NONE, UPD_DBUS_NAME, path, NULL, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(upd_dbus_updater1_app_get_id(app), ==, id);
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(app), TIMEOUT_MS);
	return g_steal_pointer(&app);
}

/* -------------------------------------------------------------- calls */

static gchar *
app_check(UpdDBusUpdater1App *app, GError **error)
{
	g_autoptr(GAsyncResult) res = NULL;
	gchar *available = NULL;

	upd_dbus_updater1_app_call_check(app, NULL, async_result_cb, &res);
	if (!upd_dbus_updater1_app_call_check_finish(app, &available, wait_result(&res, "Check"),
						     error))
		return NULL;
	return available;
}

static gboolean
app_download(UpdDBusUpdater1App *app, guint64 *received, GError **error)
{
	g_autoptr(GAsyncResult) res = NULL;

	upd_dbus_updater1_app_call_download(app, NULL, async_result_cb, &res);
	return upd_dbus_updater1_app_call_download_finish(app, received,
							  wait_result(&res, "Download"), error);
}

static gchar *
app_install(UpdDBusUpdater1App *app, gboolean force, GError **error)
{
	g_autoptr(GAsyncResult) res = NULL;
	gchar *version = NULL;

	upd_dbus_updater1_app_call_install(app, force, NULL, async_result_cb, &res);
	if (!upd_dbus_updater1_app_call_install_finish(app, &version, wait_result(&res, "Install"),
						       error))
		return NULL;
	return version;
}

static gchar *
app_rollback(UpdDBusUpdater1App *app, GError **error)
{
	g_autoptr(GAsyncResult) res = NULL;
	gchar *version = NULL;

	upd_dbus_updater1_app_call_rollback(app, NULL, async_result_cb, &res);
	if (!upd_dbus_updater1_app_call_rollback_finish(app, &version,
							wait_result(&res, "Rollback"), error))
		return NULL;
	return version;
}

static GVariant *
app_history(UpdDBusUpdater1App *app)
{
	g_autoptr(GError) error = NULL;
	GVariant *history = NULL;

	upd_dbus_updater1_app_call_get_history_sync(app, &history, NULL, &error);
	g_assert_no_error(error);
	return history;
}

/* "operation from>to result" per entry, "; " between them; every entry has
 * every key, a sane time, and an error exactly when it failed */
static gchar *
history_describe(GVariant *history)
{
	g_autoptr(GString) out = g_string_new(NULL);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gint64 previous_time = 0;

	for (gsize i = 0; i < g_variant_n_children(history); i++) {
		g_autoptr(GVariant) entry = g_variant_get_child_value(history, i);
		g_autoptr(GVariantDict) dict = g_variant_dict_new(entry);
		const gchar *operation = NULL;
		const gchar *from = NULL;
		const gchar *to = NULL;
		const gchar *result = NULL;
		const gchar *message = NULL;
		gint64 when = 0;
		gboolean failed;

		g_assert_true(g_variant_dict_lookup(dict, "time", "x", &when));
		g_assert_true(g_variant_dict_lookup(dict, "operation", "&s", &operation));
		g_assert_true(g_variant_dict_lookup(dict, "from", "&s", &from));
		g_assert_true(g_variant_dict_lookup(dict, "to", "&s", &to));
		g_assert_true(g_variant_dict_lookup(dict, "result", "&s", &result));
		g_assert_true(g_variant_dict_lookup(dict, "error", "&s", &message));
		g_assert_cmpint(when, >, now - 600);
		g_assert_cmpint(when, <=, now + 1);
		/* oldest first */
		g_assert_cmpint(when, >=, previous_time);
		previous_time = when;
		failed = g_strcmp0(result, "failed") == 0 || g_strcmp0(result, "swap-failed") == 0;
		if (failed)
			g_assert_cmpstr(message, !=, "");
		else if (g_strcmp0(result, "installed") == 0 || g_strcmp0(result, "swapped") == 0)
			g_assert_cmpstr(message, ==, "");
		if (out->len > 0)
			g_string_append(out, "; ");
		g_string_append_printf(out, "%s %s>%s %s", operation, from, to, result);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* the value of @key in the last entry of @operation */
static gchar *
history_last(GVariant *history, const gchar *operation, const gchar *key)
{
	gchar *value = NULL;

	for (gsize i = 0; i < g_variant_n_children(history); i++) {
		g_autoptr(GVariant) entry = g_variant_get_child_value(history, i);
		g_autoptr(GVariantDict) dict = g_variant_dict_new(entry);
		const gchar *op = NULL;

		g_variant_dict_lookup(dict, "operation", "&s", &op);
		if (g_strcmp0(op, operation) != 0)
			continue;
		g_free(value);
		g_variant_dict_lookup(dict, key, "s", &value);
	}
	return value;
}

/* the D-Bus error name, and the domain and code GDBus maps it to */
static void
assert_dbus_error(const GError *error, UpdError code, const gchar *name)
{
	g_autofree gchar *remote = NULL;
	g_autofree gchar *expected = g_strconcat(ERROR_PREFIX, name, NULL);

	g_assert_nonnull(error);
	remote = g_dbus_error_get_remote_error(error);
	g_assert_cmpstr(remote, ==, expected);
	g_assert_error(error, UPD_ERROR, (gint)code);
}

/* the message as people see it, without "GDBus.Error:…: " */
static gchar *
error_message(const GError *error)
{
	g_autoptr(GError) copy = g_error_copy(error);
	g_dbus_error_strip_remote_error(copy);
	return g_strdup(copy->message);
}

/* ------------------------------------------------------------- signals */

typedef struct {
	guint64 done;
	guint64 total;
	gdouble rate;
	gint64 eta;
} ProgressEvent;

/* what an application object emits, in order */
typedef struct {
	UpdDBusUpdater1App *app; /* (owned) */
	gchar *initial;		 /* (owned): State when recording started */
	GPtrArray *states;	 /* (element-type utf8): new states */
	GPtrArray *previous;	 /* (element-type utf8): the states before */
	GArray *progress;	 /* (element-type ProgressEvent) */
	GPtrArray *swaps;	 /* (element-type utf8): "plugin version" */
	gulong ids[3];
} Recorder;

static void
recorder_state_cb(UpdDBusUpdater1App *app,
		  const gchar *state,
		  const gchar *previous,
		  gpointer user_data)
{
	Recorder *r = user_data;
	g_ptr_array_add(r->states, g_strdup(state));
	g_ptr_array_add(r->previous, g_strdup(previous));
}

static void
recorder_progress_cb(UpdDBusUpdater1App *app,
		     guint64 done,
		     guint64 total,
		     gdouble rate,
		     gint64 eta,
		     gpointer user_data)
{
	Recorder *r = user_data;
	ProgressEvent event = {done, total, rate, eta};
	g_array_append_val(r->progress, event);
}

static void
recorder_swap_cb(UpdDBusUpdater1App *app,
		 const gchar *plugin,
		 const gchar *version,
		 gpointer user_data)
{
	Recorder *r = user_data;
	g_ptr_array_add(r->swaps, g_strdup_printf("%s %s", plugin, version));
}

static Recorder *
recorder_new(UpdDBusUpdater1App *app)
{
	Recorder *r = g_new0(Recorder, 1);

	r->app = g_object_ref(app);
	r->initial = g_strdup(upd_dbus_updater1_app_get_state(app));
	r->states = g_ptr_array_new_with_free_func(g_free);
	r->previous = g_ptr_array_new_with_free_func(g_free);
	r->progress = g_array_new(FALSE, TRUE, sizeof(ProgressEvent));
	r->swaps = g_ptr_array_new_with_free_func(g_free);
	r->ids[0] = g_signal_connect(app, "state-changed", G_CALLBACK(recorder_state_cb), r);
	r->ids[1] = g_signal_connect(app, "progress", G_CALLBACK(recorder_progress_cb), r);
	r->ids[2] = g_signal_connect(app, "swap-requested", G_CALLBACK(recorder_swap_cb), r);
	return r;
}

static void
recorder_clear(Recorder *r)
{
	g_free(r->initial);
	r->initial = g_strdup(upd_dbus_updater1_app_get_state(r->app));
	g_ptr_array_set_size(r->states, 0);
	g_ptr_array_set_size(r->previous, 0);
	g_array_set_size(r->progress, 0);
	g_ptr_array_set_size(r->swaps, 0);
}

static void
recorder_free(Recorder *r)
{
	for (guint i = 0; i < G_N_ELEMENTS(r->ids); i++)
		g_signal_handler_disconnect(r->app, r->ids[i]);
	g_object_unref(r->app);
	g_free(r->initial);
	g_ptr_array_unref(r->states);
	g_ptr_array_unref(r->previous);
	g_array_unref(r->progress);
	g_ptr_array_unref(r->swaps);
	g_free(r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Recorder, recorder_free)

/* the states seen since the last clear, space-separated, once the last one
 * is @last; each StateChanged names the state before it as "previous" (the
 * first one the State when recording started), and the State property agrees
 * with the last one */
static gchar *
recorder_states(Recorder *r, const gchar *last)
{
	WAIT_FOR(r->states->len > 0 &&
			 g_strcmp0(g_ptr_array_index(r->states, r->states->len - 1), last) == 0,
		 TIMEOUT_MS, "no StateChanged to %s", last);
	g_assert_cmpstr(g_ptr_array_index(r->previous, 0), ==, r->initial);
	for (guint i = 1; i < r->states->len; i++)
		g_assert_cmpstr(g_ptr_array_index(r->previous, i), ==,
				g_ptr_array_index(r->states, i - 1));
	g_assert_cmpstr(upd_dbus_updater1_app_get_state(r->app), ==, last);
	g_ptr_array_add(r->states, NULL);
	{
		gchar *joined = g_strjoinv(" ", (gchar **)r->states->pdata);
		g_ptr_array_set_size(r->states, r->states->len - 1);
		return joined;
	}
}

/* ---------------------------------------------------------- updaterctl */

static gint
ctl_run(gchar **out, gchar **err, ...) G_GNUC_NULL_TERMINATED;

static gint
ctl_run(gchar **out, gchar **err, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	const gchar *arg;
	va_list args;

	g_ptr_array_add(argv, (gpointer)upd_test_program("UPDATERCTL"));
	va_start(args, err);
	while ((arg = va_arg(args, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)arg);
	va_end(args);
	g_ptr_array_add(argv, NULL);
	return upd_test_run((const gchar *const *)argv->pdata, NULL, NULL, out, err);
}

/* exactly one line, "updaterctl: …" */
static void
assert_one_error_line(const gchar *text)
{
	g_assert_true(g_str_has_prefix(text, "updaterctl: "));
	g_assert_true(g_str_has_suffix(text, "\n"));
	g_assert_true(strchr(text, '\n') == text + strlen(text) - 1);
	/* the daemon's message, not GDBus's wrapping */
	g_assert_null(strstr(text, "GDBus.Error"));
}

static JsonObject *
parse_json(JsonParser *parser, const gchar *text)
{
	g_autoptr(GError) error = NULL;

	json_parser_load_from_data(parser, text, -1, &error);
	g_assert_no_error(error);
	g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
	return json_node_get_object(json_parser_get_root(parser));
}

/* ---------------------------------------------------------------- HTTP */

/* GET @url (HTTP/1.0, the server closes); the body */
static gchar *
http_get(const gchar *url)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) connection = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) response = g_string_new(NULL);
	const gchar request[] = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	GInputStream *input;
	gchar buf[4096];
	gssize n;
	const gchar *body;

	g_socket_client_set_timeout(client, 10);
	connection = g_socket_client_connect_to_uri(client, url, 80, NULL, &error);
	g_assert_no_error(error);
	g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(connection)), request,
				  strlen(request), NULL, NULL, &error);
	g_assert_no_error(error);
	input = g_io_stream_get_input_stream(G_IO_STREAM(connection));
	while ((n = g_input_stream_read(input, buf, sizeof(buf), NULL, &error)) > 0)
		g_string_append_len(response, buf, n);
	g_assert_no_error(error);
	g_assert_true(g_str_has_prefix(response->str, "HTTP/1.1 200") ||
		      g_str_has_prefix(response->str, "HTTP/1.0 200"));
	body = strstr(response->str, "\r\n\r\n");
	g_assert_nonnull(body);
	return g_strdup(body + 4);
}

/* ---------------------------------------------------------------- /proc */

/* voluntary + involuntary context switches of every thread of @pid: each
 * wake-up of a sleeping thread counts at least one */
static guint64
proc_context_switches(GPid pid, GString *detail)
{
	g_autofree gchar *task_dir = g_strdup_printf("/proc/%d/task", (int)pid);
	g_autoptr(GDir) dir = g_dir_open(task_dir, 0, NULL);
	const gchar *tid;
	guint64 sum = 0;

	g_assert_nonnull(dir);
	if (detail != NULL)
		g_string_truncate(detail, 0);
	while ((tid = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = g_build_filename(task_dir, tid, "status", NULL);
		g_autofree gchar *status = NULL;
		g_auto(GStrv) lines = NULL;
		const gchar *name = "?";
		guint64 thread_sum = 0;

		/* a thread that just exited */
		if (!g_file_get_contents(path, &status, NULL, NULL))
			continue;
		lines = g_strsplit(status, "\n", -1);
		for (guint i = 0; lines[i] != NULL; i++) {
			if (g_str_has_prefix(lines[i], "Name:"))
				name = g_strstrip(lines[i] + strlen("Name:"));
			else if (g_str_has_prefix(lines[i], "voluntary_ctxt_switches:"))
				thread_sum += g_ascii_strtoull(
					lines[i] + strlen("voluntary_ctxt_switches:"), NULL, 10);
			else if (g_str_has_prefix(lines[i], "nonvoluntary_ctxt_switches:"))
				thread_sum += g_ascii_strtoull(
					lines[i] + strlen("nonvoluntary_ctxt_switches:"), NULL, 10);
		}
		if (detail != NULL)
			g_string_append_printf(detail, " %s(%s)=%" G_GUINT64_FORMAT, tid, name,
					       thread_sum);
		sum += thread_sum;
	}
	return sum;
}

/* ======================================================================
 * 1. registering and unregistering applications
 * ====================================================================== */

static void
test_register(Fixture *f, gconstpointer user_data)
{
	const gchar *id = "org.example.My-App";
	const gchar *second_id = "org.example.Second";
	g_autofree gchar *escaped = g_dbus_escape_object_path(id);
	g_autofree gchar *expected_path = g_strdup_printf("%s/%s", UPD_DBUS_APPS_PATH, escaped);
	g_autofree gchar *second_path = upd_dbus_app_path(second_id);
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *file = apps_d_file(id);
	g_autofree gchar *second_file = apps_d_file(second_id);
	g_autofree gchar *second_conf = g_build_filename(f->dir, "second.conf", NULL);
	g_autofree gchar *second_text = NULL;
	g_autofree gchar *apps_dir = g_path_get_dirname(file);
	g_autoptr(GDBusObjectManager) objects = NULL;
	g_autoptr(GError) error = NULL;
	g_autolist(GDBusObject) initial = NULL;

	daemon_start(f, NULL);
	g_assert_cmpstr(upd_dbus_updater1_get_version(f->manager), ==, PACKAGE_VERSION);
	objects = upd_dbus_object_manager_client_new_sync(
		f->conn, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, UPD_DBUS_NAME, UPD_DBUS_PATH,
		NULL, &error);
	g_assert_no_error(error);
	initial = g_dbus_object_manager_get_objects(objects);
	g_assert_null(initial);

	/* over D-Bus: the object path escapes the id; the text is kept as given */
	text = fixture_config(f, id, "http://127.0.0.1:9/",
			      "# comments stay\nPolicy=manual\nChannel=beta\n");
	path = fixture_register(f, text);
	g_assert_cmpstr(path, ==, expected_path);
	g_assert_cmpstr(escaped, ==, "org_2eexample_2eMy_2dApp");
	assert_file_text(file, text);
	WAIT_FOR(g_dbus_object_manager_get_interface(objects, path, APP_IFACE) != NULL, TIMEOUT_MS,
		 "%s did not appear in the ObjectManager", path);
	{
		g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object(objects, path);
		g_autoptr(UpdDBusUpdater1App) app =
			upd_dbus_object_get_updater1_app(UPD_DBUS_OBJECT(object));
		g_assert_cmpstr(upd_dbus_updater1_app_get_id(app), ==, id);
		g_assert_cmpstr(upd_dbus_updater1_app_get_channel(app), ==, "beta");
		g_assert_cmpstr(upd_dbus_updater1_app_get_policy(app), ==, "manual");
		g_assert_cmpstr(upd_dbus_updater1_app_get_state(app), ==, "idle");
		g_assert_cmpstr(upd_dbus_updater1_app_get_installed_version(app), ==, "");
		g_assert_cmpstr(upd_dbus_updater1_app_get_available_version(app), ==, "");
		g_assert_cmpstr(upd_dbus_updater1_app_get_last_error(app), ==, "");
		/* manual: the daemon never checks on its own */
		g_assert_cmpint(upd_dbus_updater1_app_get_next_check(app), ==, 0);
	}

	/* with updaterctl: the file is checked first, then sent */
	second_text = fixture_config(f, second_id, "http://127.0.0.1:9/",
				     "Policy=notify\nPollInterval=7200\n");
	upd_test_write_file(second_conf, second_text, -1, 0644);
	{
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;
		gint64 now = g_get_real_time() / G_USEC_PER_SEC;

		g_assert_cmpint(ctl_run(&out, &err, "register", second_conf, NULL), ==, 0);
		g_assert_cmpstr(out, ==,
				"Registered org.example.Second; updater-service keeps it up to "
				"date (policy notify).\n");
		g_assert_cmpstr(err, ==, "");
		assert_file_text(second_file, second_text);
		WAIT_FOR(g_dbus_object_manager_get_interface(objects, second_path, APP_IFACE) !=
				 NULL,
			 TIMEOUT_MS, "%s did not appear", second_path);
		{
			g_autoptr(UpdDBusUpdater1App) app = fixture_app(f, second_id);
			gint64 next = upd_dbus_updater1_app_get_next_check(app);
			g_assert_cmpstr(upd_dbus_updater1_app_get_policy(app), ==, "notify");
			/* notify checks on its own: first after --first-check-delay */
			g_assert_cmpint(next, >=, now + 3600 - 5);
			g_assert_cmpint(next, <=, now + 3600 + 5);
		}
	}
	/* again, as JSON: registering replaces, the path stays */
	{
		g_autofree gchar *out = NULL;
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonObject *object;

		g_assert_cmpint(ctl_run(&out, NULL, "--json", "register", second_conf, NULL), ==,
				0);
		object = parse_json(parser, out);
		g_assert_cmpstr(json_object_get_string_member(object, "app_id"), ==, second_id);
		g_assert_cmpstr(json_object_get_string_member(object, "object_path"), ==,
				second_path);
	}

	/* bad configurations: InvalidConfig naming the key and the value, and
	 * nothing registered or written */
	{
		const struct {
			const gchar *extra;
			const gchar *id;
			const gchar *endpoint;
			const gchar *key;
			const gchar *value;
		} cases[] = {
			{"Policy=sometimes\n", "org.example.Bad", "http://127.0.0.1:9/", "Policy",
			 "sometimes"},
			{"BandwidthLimit=-5\n", "org.example.Bad", "http://127.0.0.1:9/",
			 "BandwidthLimit", "-5"},
			{"PollInterval=0\n", "org.example.Bad", "http://127.0.0.1:9/",
			 "PollInterval", "0"},
			{"", "org.example.Bad", "ftp://example.org/", "Endpoint",
			 "ftp://example.org/"},
			{"", "../escape", "http://127.0.0.1:9/", "Id", "../escape"},
			/* a bad new configuration of a registered application */
			{"AllowMetered=perhaps\n", id, "http://127.0.0.1:9/", "AllowMetered",
			 "perhaps"},
		};
		for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
			g_autofree gchar *bad =
				fixture_config(f, cases[i].id, cases[i].endpoint, cases[i].extra);
			g_autofree gchar *message = NULL;
			g_autofree gchar *bad_path = NULL;

			g_clear_error(&error);
			upd_dbus_updater1_call_register_application_sync(f->manager, bad, &bad_path,
									 NULL, &error);
			assert_dbus_error(error, UPD_ERROR_INVALID_CONFIG, "InvalidConfig");
			message = error_message(error);
			g_test_message("refused: %s", message);
			g_assert_nonnull(strstr(message, cases[i].key));
			g_assert_nonnull(strstr(message, cases[i].value));
		}
		/* not a key file at all */
		g_clear_error(&error);
		upd_dbus_updater1_call_register_application_sync(f->manager, "garbage\n", NULL,
								 NULL, &error);
		assert_dbus_error(error, UPD_ERROR_INVALID_CONFIG, "InvalidConfig");
		/* a required key missing */
		g_clear_error(&error);
		upd_dbus_updater1_call_register_application_sync(
			f->manager, "[Application]\nId=org.example.Bad\nEndpoint=http://x/\n", NULL,
			NULL, &error);
		assert_dbus_error(error, UPD_ERROR_INVALID_CONFIG, "InvalidConfig");
		g_assert_nonnull(strstr(error->message, "PublicKey"));
		g_clear_error(&error);

		/* the registered application kept its file and its object */
		assert_file_text(file, text);
		{
			g_autoptr(GDir) dir = g_dir_open(apps_dir, 0, NULL);
			guint n = 0;
			g_assert_nonnull(dir);
			while (g_dir_read_name(dir) != NULL)
				n++;
			g_assert_cmpuint(n, ==, 2);
		}
		g_assert_nonnull(g_dbus_object_manager_get_interface(objects, path, APP_IFACE));
	}
	/* updaterctl: one line naming the file and the key */
	{
		g_autofree gchar *bad_conf = g_build_filename(f->dir, "bad.conf", NULL);
		g_autofree gchar *bad = fixture_config(f, "org.example.Bad", "http://127.0.0.1:9/",
						       "Policy=sometimes\n");
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;

		upd_test_write_file(bad_conf, bad, -1, 0644);
		g_assert_cmpint(ctl_run(&out, &err, "register", bad_conf, NULL), ==, 1);
		g_assert_cmpstr(out, ==, "");
		assert_one_error_line(err);
		g_assert_nonnull(strstr(err, bad_conf));
		g_assert_nonnull(strstr(err, "Policy"));
	}

	/* unregistering: object and file gone, NotFound the second time */
	upd_dbus_updater1_call_unregister_application_sync(f->manager, id, NULL, &error);
	g_assert_no_error(error);
	WAIT_FOR(g_dbus_object_manager_get_interface(objects, path, APP_IFACE) == NULL, TIMEOUT_MS,
		 "%s is still exported", path);
	g_assert_false(g_file_test(file, G_FILE_TEST_EXISTS));
	upd_dbus_updater1_call_unregister_application_sync(f->manager, id, NULL, &error);
	assert_dbus_error(error, UPD_ERROR_NOT_FOUND, "NotFound");
	g_assert_nonnull(strstr(error->message, id));
	g_clear_error(&error);
	/* a host of an unknown application */
	{
		const gchar *const none[] = {NULL};
		upd_dbus_updater1_call_register_host_sync(f->manager, id, none, NULL, &error);
	}
	assert_dbus_error(error, UPD_ERROR_NOT_FOUND, "NotFound");
	g_clear_error(&error);
	{
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;

		g_assert_cmpint(ctl_run(&out, &err, "unregister", second_id, NULL), ==, 0);
		g_assert_cmpstr(out, ==,
				"Unregistered org.example.Second; its installed files are left in "
				"place.\n");
		WAIT_FOR(g_dbus_object_manager_get_interface(objects, second_path, APP_IFACE) ==
				 NULL,
			 TIMEOUT_MS, "%s is still exported", second_path);
		g_assert_false(g_file_test(second_file, G_FILE_TEST_EXISTS));
	}
	{
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;

		g_assert_cmpint(ctl_run(&out, &err, "unregister", second_id, NULL), ==, 1);
		assert_one_error_line(err);
		g_assert_nonnull(strstr(err, second_id));
	}
	{
		g_autolist(GDBusObject) left = g_dbus_object_manager_get_objects(objects);
		g_assert_null(left);
	}
}

/* ======================================================================
 * 2. check, download with progress, install
 * ====================================================================== */

static void
test_check_download_install(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *payload_path = g_build_filename(f->dir, "big.exe", NULL);
	g_autofree gchar *notes = g_build_filename(f->dir, "notes.txt", NULL);
	g_autofree gchar *notes_arg = g_strdup_printf("en=%s", notes);
	g_autofree gchar *installed = g_build_filename(f->install_dir, "current", "big.exe", NULL);
	g_autofree gchar *current = g_build_filename(f->install_dir, "current", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *available = NULL;
	g_autofree gchar *version = NULL;
	g_autofree gchar *described = NULL;
	g_autofree gchar *states = NULL;
	g_autoptr(GBytes) payload = NULL;
	g_autoptr(UpdDBusUpdater1App) app = NULL;
	g_autoptr(Recorder) r = NULL;
	g_autoptr(GVariant) history = NULL;
	g_autoptr(GError) error = NULL;
	guint64 received = 0;
	guint64 total;
	gint64 started;

	/* 2 MiB at 1 MiB/s: about two seconds, several Progress signals */
	payload = make_random_exe(payload_path, 2 * 1024 * 1024, 11);
	upd_test_write_file(notes, "Faster start-up\nand fewer crashes\n", -1, 0644);
	fixture_publish(f, APP_ID, "1.0", payload_path, "--notes-file", notes_arg, "--mandatory",
			"--level", "1", NULL);
	server_start(f);
	daemon_start(f, NULL);
	text = fixture_config(f, APP_ID, f->url, "Policy=manual\nBandwidthLimit=1048576\n");
	path = fixture_register(f, text);
	app = fixture_app(f, APP_ID);
	r = recorder_new(app);

	/* check */
	available = app_check(app, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(available, ==, "1.0");
	states = recorder_states(r, "idle");
	g_assert_cmpstr(states, ==, "checking idle");
	g_assert_cmpstr(upd_dbus_updater1_app_get_available_version(app), ==, "1.0");
	g_assert_true(upd_dbus_updater1_app_get_mandatory(app));
	g_assert_cmpstr(upd_dbus_updater1_app_get_release_notes(app), ==,
			"Faster start-up\nand fewer crashes");
	g_assert_cmpstr(upd_dbus_updater1_app_get_installed_version(app), ==, "");
	g_assert_cmpstr(upd_dbus_updater1_app_get_last_error(app), ==, "");
	assert_server_count(f, "POST /v1/check", 1);

	/* download: Progress in order, done never going back, one total */
	recorder_clear(r);
	g_clear_pointer(&states, g_free);
	g_assert_true(app_download(app, &received, &error));
	g_assert_no_error(error);
	states = recorder_states(r, "idle");
	g_assert_cmpstr(states, ==, "checking downloading idle");
	g_test_message("%u Progress signals", r->progress->len);
	g_assert_cmpuint(r->progress->len, >=, 4);
	total = g_array_index(r->progress, ProgressEvent, 0).total;
	g_assert_cmpuint(total, >=, g_bytes_get_size(payload));
	for (guint i = 0; i < r->progress->len; i++) {
		ProgressEvent *event = &g_array_index(r->progress, ProgressEvent, i);
		g_assert_cmpuint(event->total, ==, total);
		g_assert_cmpuint(event->done, <=, total);
		g_assert_cmpfloat(event->rate, >=, 0);
		g_assert_cmpint(event->eta, >=, -1);
		if (i > 0)
			g_assert_cmpuint(event->done, >=,
					 g_array_index(r->progress, ProgressEvent, i - 1).done);
	}
	g_assert_cmpuint(g_array_index(r->progress, ProgressEvent, r->progress->len - 1).done, ==,
			 total);
	g_assert_cmpint(g_array_index(r->progress, ProgressEvent, r->progress->len - 1).eta, ==, 0);
	/* some signals came while the download was under way */
	g_assert_cmpuint(g_array_index(r->progress, ProgressEvent, 1).done, <, total);
	g_assert_cmpuint(received, ==, total);
	g_assert_cmpuint(upd_dbus_updater1_app_get_download_size(app), ==, total);
	g_assert_cmpfloat(upd_dbus_updater1_app_get_progress(app), ==, 1.0);
	assert_server_count(f, "GET /objects/", 1);

	/* install: from the cache, so no second download */
	recorder_clear(r);
	g_clear_pointer(&states, g_free);
	started = g_get_real_time() / G_USEC_PER_SEC;
	version = app_install(app, FALSE, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(version, ==, "1.0");
	states = recorder_states(r, "idle");
	g_assert_cmpstr(states, ==, "checking downloading installing idle");
	g_assert_cmpstr(upd_dbus_updater1_app_get_installed_version(app), ==, "1.0");
	g_assert_cmpstr(upd_dbus_updater1_app_get_available_version(app), ==, "");
	g_assert_false(upd_dbus_updater1_app_get_mandatory(app));
	g_assert_cmpstr(upd_dbus_updater1_app_get_last_error(app), ==, "");
	assert_link(current, "versions/1.0");
	assert_file_bytes(installed, payload);
	g_assert_true(g_file_test(installed, G_FILE_TEST_IS_EXECUTABLE));
	assert_server_count(f, "GET /objects/", 1);

	history = app_history(app);
	described = history_describe(history);
	g_assert_cmpstr(described, ==, "install >1.0 installed");
	{
		g_autoptr(GVariant) entry = g_variant_get_child_value(history, 0);
		g_autoptr(GVariantDict) dict = g_variant_dict_new(entry);
		gint64 when = 0;
		g_variant_dict_lookup(dict, "time", "x", &when);
		g_assert_cmpint(when, >=, started);
	}
}

/* ======================================================================
 * 3. rollback, skipped versions, force
 * ====================================================================== */

static void
test_rollback(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *bin = g_build_filename(f->install_dir, "current", "bin", "app", NULL);
	g_autofree gchar *current = g_build_filename(f->install_dir, "current", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(UpdDBusUpdater1App) app = NULL;
	g_autoptr(Recorder) r = NULL;
	g_autoptr(GError) error = NULL;

	fixture_publish_tar(f, "1.0", "one\n");
	server_start(f);
	daemon_start(f, NULL);
	text = fixture_config(f, APP_ID, f->url, "Policy=manual\n");
	path = fixture_register(f, text);
	app = fixture_app(f, APP_ID);
	r = recorder_new(app);
	{
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "1.0");
	}
	fixture_publish_tar(f, "2.0", "two\n");
	{
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "2.0");
		assert_file_text(bin, "two\n");
	}

	/* over D-Bus */
	recorder_clear(r);
	{
		g_autofree gchar *version = app_rollback(app, &error);
		g_autofree gchar *states = NULL;
		g_autoptr(GVariant) history = NULL;
		g_autofree gchar *described = NULL;

		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "1.0");
		states = recorder_states(r, "idle");
		g_assert_cmpstr(states, ==, "installing idle");
		g_assert_cmpstr(upd_dbus_updater1_app_get_installed_version(app), ==, "1.0");
		assert_link(current, "versions/1.0");
		assert_file_text(bin, "one\n");
		history = app_history(app);
		described = history_describe(history);
		g_assert_cmpstr(described, ==,
				"install >1.0 installed; install 1.0>2.0 installed; "
				"rollback 2.0>1.0 rolled-back");
	}
	/* the version left is skipped ... */
	{
		g_autofree gchar *available = app_check(app, &error);
		g_autofree gchar *version = NULL;
		g_autoptr(GVariant) history = NULL;

		g_assert_no_error(error);
		g_assert_cmpstr(available, ==, "");
		version = app_install(app, FALSE, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "1.0");
		assert_link(current, "versions/1.0");
		history = app_history(app);
		g_assert_cmpuint(g_variant_n_children(history), ==, 3);
	}
	/* ... unless forced */
	{
		g_autofree gchar *version = app_install(app, TRUE, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "2.0");
		g_assert_cmpstr(upd_dbus_updater1_app_get_installed_version(app), ==, "2.0");
		assert_link(current, "versions/2.0");
		assert_file_text(bin, "two\n");
	}

	/* with updaterctl, in text and as JSON */
	{
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;

		g_assert_cmpint(ctl_run(&out, &err, "rollback", APP_ID, NULL), ==, 0);
		g_assert_cmpstr(out, ==,
				"Rolled " APP_ID " back from 2.0 to 1.0. 2.0 will not be installed "
				"again until a newer release appears (or with install --force).\n");
		g_assert_cmpstr(err, ==, "");
		assert_link(current, "versions/1.0");
		assert_file_text(bin, "one\n");
		WAIT_FOR(g_strcmp0(upd_dbus_updater1_app_get_installed_version(app), "1.0") == 0,
			 TIMEOUT_MS, "InstalledVersion did not go back to 1.0");
	}
	{
		g_autofree gchar *out = NULL;
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonObject *object;

		g_assert_cmpint(ctl_run(&out, NULL, "--json", "install", APP_ID, NULL), ==, 0);
		object = parse_json(parser, out);
		g_assert_false(json_object_get_boolean_member(object, "installed"));
		g_assert_cmpstr(json_object_get_string_member(object, "version"), ==, "1.0");
	}
	{
		g_autofree gchar *out = NULL;

		g_assert_cmpint(ctl_run(&out, NULL, "install", "--force", APP_ID, NULL), ==, 0);
		g_assert_cmpstr(out, ==, "Installed " APP_ID " 2.0 (was 1.0).\n");
		assert_file_text(bin, "two\n");
	}
	{
		g_autofree gchar *out = NULL;
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonObject *object;

		g_assert_cmpint(ctl_run(&out, NULL, "--json", "rollback", APP_ID, NULL), ==, 0);
		object = parse_json(parser, out);
		g_assert_cmpstr(json_object_get_string_member(object, "app_id"), ==, APP_ID);
		g_assert_cmpstr(json_object_get_string_member(object, "from"), ==, "2.0");
		g_assert_cmpstr(json_object_get_string_member(object, "to"), ==, "1.0");
		assert_file_text(bin, "one\n");
	}

	/* a newer release is offered again */
	fixture_publish_tar(f, "3.0", "three\n");
	{
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_autoptr(GVariant) history = NULL;
		g_autofree gchar *described = NULL;

		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "3.0");
		assert_file_text(bin, "three\n");
		history = app_history(app);
		described = history_describe(history);
		g_assert_cmpstr(described, ==,
				"install >1.0 installed; install 1.0>2.0 installed; "
				"rollback 2.0>1.0 rolled-back; install 1.0>2.0 installed; "
				"rollback 2.0>1.0 rolled-back; install 1.0>2.0 installed; "
				"rollback 2.0>1.0 rolled-back; install 1.0>3.0 installed");
	}
}

/* ======================================================================
 * 4. every kind of failure, as its D-Bus error
 * ====================================================================== */

/* registers APP_ID anew (a new object: new proxies) */
static UpdDBusUpdater1App *
reregister(Fixture *f, const gchar *endpoint, const gchar *public_line)
{
	g_autofree gchar *install = g_strdup_printf("InstallDir=%s\n", f->install_dir);
	g_autofree gchar *text = g_strdup_printf(
		"[Application]\nId=%s\nEndpoint=%s\nPublicKey=%s\n%sPolicy=manual\n", APP_ID,
		endpoint, public_line, install);
	g_autofree gchar *path = fixture_register(f, text);
	UpdDBusUpdater1App *app = fixture_app(f, APP_ID);

	g_assert_cmpstr(upd_dbus_updater1_app_get_state(app), ==, "idle");
	return app;
}

/* the failed operation left the state "error" with the message, and 1.0 installed
 * and untouched */
static void
assert_failed(Fixture *f,
	      UpdDBusUpdater1App *app,
	      Recorder *r,
	      const GError *error,
	      const gchar *fingerprint)
{
	g_autofree gchar *message = error_message(error);
	g_autofree gchar *now = upd_test_tree_fingerprint(f->install_dir);
	g_autofree gchar *current = g_build_filename(f->install_dir, "current", NULL);
	g_autofree gchar *last = NULL;

	g_test_message("%s", message);
	WAIT_FOR(r->states->len > 0 &&
			 g_strcmp0(g_ptr_array_index(r->states, r->states->len - 1), "error") == 0,
		 TIMEOUT_MS, "the state did not become error");
	g_assert_cmpstr(upd_dbus_updater1_app_get_state(app), ==, "error");
	g_assert_cmpstr(upd_dbus_updater1_app_get_last_error(app), ==, message);
	g_assert_cmpstr(upd_dbus_updater1_app_get_installed_version(app), ==, "1.0");
	assert_link(current, "versions/1.0");
	g_assert_cmpstr(now, ==, fingerprint);
}

static void
tamper_manifest(Fixture *f, GBytes **original)
{
	g_autofree gchar *relative = upd_repo_manifest_path(APP_ID, "stable");
	g_autofree gchar *file = g_build_filename(f->repo, relative, NULL);
	g_autofree gchar *contents = NULL;
	g_autoptr(Updater__SignedManifest) outer = NULL;
	g_autoptr(GBytes) packed = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;

	g_file_get_contents(file, &contents, &len, &error);
	g_assert_no_error(error);
	*original = g_bytes_new(contents, len);
	outer = updater__signed_manifest__unpack(NULL, len, (const guint8 *)contents);
	g_assert_nonnull(outer);
	g_assert_cmpuint(outer->manifest.len, >, 0);
	/* one bit of the signed bytes: the signature by the pinned key fails */
	outer->manifest.data[outer->manifest.len - 1] ^= 0x01;
	packed = upd_pb_pack((const ProtobufCMessage *)outer);
	upd_test_write_file(file, g_bytes_get_data(packed, NULL), (gssize)g_bytes_get_size(packed),
			    0644);
}

static void
restore_manifest(Fixture *f, GBytes *original)
{
	g_autofree gchar *relative = upd_repo_manifest_path(APP_ID, "stable");
	g_autofree gchar *file = g_build_filename(f->repo, relative, NULL);
	upd_test_write_file(file, g_bytes_get_data(original, NULL),
			    (gssize)g_bytes_get_size(original), 0644);
}

static void
test_errors(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *stranger_prefix = g_build_filename(f->dir, "stranger", NULL);
	g_autofree gchar *stranger_line = upd_test_keygen(stranger_prefix);
	g_autofree gchar *fingerprint = NULL;
	g_autoptr(UpdTestFaultServer) fault = NULL;
	g_autoptr(GError) error = NULL;

	fixture_publish_tar(f, "1.0", "one\n");
	server_start(f);
	daemon_start(f, NULL);
	{
		g_autoptr(UpdDBusUpdater1App) app = reregister(f, f->url, f->public_line);
		g_autoptr(Recorder) r = recorder_new(app);
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_autofree gchar *rolled = NULL;

		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "1.0");

		/* nothing older to roll back to: NotFound, nothing changed */
		fingerprint = upd_test_tree_fingerprint(f->install_dir);
		rolled = app_rollback(app, &error);
		g_assert_null(rolled);
		assert_dbus_error(error, UPD_ERROR_NOT_FOUND, "NotFound");
		assert_failed(f, app, r, error, fingerprint);
		g_clear_error(&error);
	}
	fixture_publish_tar(f, "2.0", "two\n");

	/* an endpoint nobody listens on: Network */
	{
		g_autoptr(UpdDBusUpdater1App) app =
			reregister(f, "http://127.0.0.1:1/", f->public_line);
		g_autoptr(Recorder) r = recorder_new(app);
		g_autofree gchar *version = app_install(app, FALSE, &error);

		g_assert_null(version);
		assert_dbus_error(error, UPD_ERROR_NETWORK, "Network");
		assert_failed(f, app, r, error, fingerprint);
		g_clear_error(&error);
	}
	/* a key that never signed this repository: UnknownKey (the manifest is
	 * not signed by any pinned key) */
	{
		g_autoptr(UpdDBusUpdater1App) app = reregister(f, f->url, stranger_line);
		g_autoptr(Recorder) r = recorder_new(app);
		g_autofree gchar *version = app_install(app, FALSE, &error);

		g_assert_null(version);
		assert_dbus_error(error, UPD_ERROR_UNKNOWN_KEY, "UnknownKey");
		assert_failed(f, app, r, error, fingerprint);
		g_clear_error(&error);
	}
	/* the pinned key's signature does not verify (the manifest was changed
	 * after signing): SignatureInvalid */
	{
		g_autoptr(UpdDBusUpdater1App) app = reregister(f, f->url, f->public_line);
		g_autoptr(Recorder) r = recorder_new(app);
		g_autoptr(GBytes) original = NULL;
		g_autofree gchar *available = NULL;

		tamper_manifest(f, &original);
		available = app_check(app, &error);
		g_assert_null(available);
		assert_dbus_error(error, UPD_ERROR_SIGNATURE_INVALID, "SignatureInvalid");
		g_assert_nonnull(strstr(error->message, "does not verify"));
		assert_failed(f, app, r, error, fingerprint);
		/* what was never verified is not offered */
		g_assert_cmpstr(upd_dbus_updater1_app_get_available_version(app), ==, "");
		g_clear_error(&error);
		restore_manifest(f, original);
	}
	/* wrong bytes for the object: DigestMismatch, and nothing of them kept */
	fault = upd_test_fault_server_new(f->repo, 4);
	upd_test_fault_server_set_fault(fault, UPD_TEST_FAULT_WRONG_BYTES, 0);
	{
		g_autoptr(UpdDBusUpdater1App) app =
			reregister(f, upd_test_fault_server_get_url(fault), f->public_line);
		g_autoptr(Recorder) r = recorder_new(app);
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_autofree gchar *objects_dir =
			g_build_filename(g_getenv("XDG_CACHE_HOME"), "updater", "objects", NULL);
		g_autoptr(GVariant) history = NULL;
		g_autofree gchar *described = NULL;

		g_assert_null(version);
		assert_dbus_error(error, UPD_ERROR_DIGEST_MISMATCH, "DigestMismatch");
		assert_failed(f, app, r, error, fingerprint);
		g_assert_cmpuint(upd_test_fault_server_count_requests(fault, "/objects/"), >=, 1);
		/* no partial or object of 2.0 in the cache */
		{
			g_autoptr(GPtrArray) requests =
				upd_test_fault_server_get_requests(fault, "/objects/");
			UpdTestFaultRequest *request = g_ptr_array_index(requests, 0);
			g_autofree gchar *object = g_strdup(request->path);
			g_autofree gchar *cached = NULL;
			g_autofree gchar *partial = NULL;

			/* stored compressed or not, cached under the plain name */
			if (g_str_has_suffix(object, ".zst"))
				object[strlen(object) - 4] = '\0';
			cached = g_build_filename(g_getenv("XDG_CACHE_HOME"), "updater", object,
						  NULL);
			partial = g_strconcat(cached, ".partial", NULL);
			g_assert_false(g_file_test(cached, G_FILE_TEST_EXISTS));
			g_assert_false(g_file_test(partial, G_FILE_TEST_EXISTS));
		}
		history = app_history(app);
		described = history_describe(history);
		g_assert_cmpstr(described, ==, "install >1.0 installed");
		g_clear_error(&error);
	}
	/* after all that, the right server installs 2.0 */
	{
		g_autoptr(UpdDBusUpdater1App) app = reregister(f, f->url, f->public_line);
		g_autoptr(Recorder) r = recorder_new(app);
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_autofree gchar *bin =
			g_build_filename(f->install_dir, "current", "bin", "app", NULL);
		g_autofree gchar *states = NULL;

		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "2.0");
		states = recorder_states(r, "idle");
		g_assert_cmpstr(states, ==, "checking downloading installing idle");
		g_assert_cmpstr(upd_dbus_updater1_app_get_last_error(app), ==, "");
		assert_file_text(bin, "two\n");
	}

	/* an application nobody registered */
	{
		g_autofree gchar *nope_path = upd_dbus_app_path("org.example.Nope");
		g_autofree gchar *remote = NULL;
		g_autoptr(GVariant) reply = NULL;

		upd_dbus_updater1_call_unregister_application_sync(f->manager, "org.example.Nope",
								   NULL, &error);
		assert_dbus_error(error, UPD_ERROR_NOT_FOUND, "NotFound");
		g_clear_error(&error);
		/* no object at all: GDBus answers for the daemon */
		reply = g_dbus_connection_call_sync(
			f->conn, UPD_DBUS_NAME, nope_path, APP_IFACE, "Check", NULL,
			G_VARIANT_TYPE("(s)"), G_DBUS_CALL_FLAGS_NONE, TIMEOUT_MS, NULL, &error);
		g_assert_null(reply);
		remote = g_dbus_error_get_remote_error(error);
		g_assert_true(g_strcmp0(remote, "org.freedesktop.DBus.Error.UnknownMethod") == 0 ||
			      g_strcmp0(remote, "org.freedesktop.DBus.Error.UnknownObject") == 0);
		g_clear_error(&error);
	}
	upd_test_fault_server_free(g_steal_pointer(&fault));
}

/* ======================================================================
 * 5. SIGKILL in the middle of a download: the next daemon resumes
 * ====================================================================== */

typedef struct {
	Fixture *f;
	gboolean killed;
	guint64 done_at_kill;
	guint64 total;
} KillData;

static void
kill_on_progress_cb(UpdDBusUpdater1App *app,
		    guint64 done,
		    guint64 total,
		    gdouble rate,
		    gint64 eta,
		    gpointer user_data)
{
	KillData *data = user_data;

	if (data->killed || done * 5 <= total)
		return;
	/* more than 20 %: as if the power went */
	data->killed = TRUE;
	data->done_at_kill = done;
	data->total = total;
	g_subprocess_send_signal(data->f->daemon->process, SIGKILL);
}

static void
test_kill_resume(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *payload_path = g_build_filename(f->dir, "big.exe", NULL);
	g_autofree gchar *installed = g_build_filename(f->install_dir, "current", "big.exe", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(GBytes) payload = NULL;
	g_autoptr(UpdTestFaultServer) fault = NULL;
	g_autoptr(GPtrArray) requests = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GAsyncResult) res = NULL;
	g_autofree gchar *object_path = NULL;
	guint64 resumed_from = 0;
	KillData data = {f, FALSE, 0, 0};
	guint64 total = 0;
	guint64 received = 0;
	guint64 first_sent;
	guint first_requests;
	gboolean resumed = FALSE;

	/* 4 MiB at 1 MiB/s: four seconds uninterrupted */
	payload = make_random_exe(payload_path, 4 * 1024 * 1024, 5);
	fixture_publish(f, APP_ID, "1.0", payload_path, "--level", "1", NULL);
	fault = upd_test_fault_server_new(f->repo, 5);
	daemon_start(f, NULL);
	text = fixture_config(f, APP_ID, upd_test_fault_server_get_url(fault),
			      "Policy=manual\nBandwidthLimit=1048576\n");
	path = fixture_register(f, text);
	{
		g_autoptr(UpdDBusUpdater1App) app = fixture_app(f, APP_ID);
		gulong id =
			g_signal_connect(app, "progress", G_CALLBACK(kill_on_progress_cb), &data);
		g_autofree gchar *remote = NULL;

		upd_dbus_updater1_app_call_download(app, NULL, async_result_cb, &res);
		wait_result(&res, "Download");
		g_assert_true(data.killed);
		g_assert_false(upd_dbus_updater1_app_call_download_finish(app, NULL, res, &error));
		remote = g_dbus_error_get_remote_error(error);
		g_assert_cmpstr(remote, ==, "org.freedesktop.DBus.Error.NoReply");
		g_clear_error(&error);
		g_signal_handler_disconnect(app, id);
	}
	total = data.total;
	g_assert_cmpuint(total, >=, g_bytes_get_size(payload));
	child_wait(f->daemon, "updater-service");
	g_assert_true(g_subprocess_get_if_signaled(f->daemon->process));
	daemon_forget(f);
	first_requests = upd_test_fault_server_count_requests(fault, "/objects/");
	first_sent = upd_test_fault_server_get_bytes_sent(fault, "/objects/");
	g_test_message("killed at %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
		       " bytes; the server had sent %" G_GUINT64_FORMAT,
		       data.done_at_kill, total, first_sent);
	g_assert_cmpuint(first_requests, ==, 1);

	/* a new daemon: the download goes on from where the partial ends */
	daemon_start(f, NULL);
	{
		g_autoptr(UpdDBusUpdater1App) app = fixture_app(f, APP_ID);
		g_autoptr(Recorder) r = recorder_new(app);
		g_autofree gchar *version = NULL;

		g_assert_cmpstr(upd_dbus_updater1_app_get_policy(app), ==, "manual");
		g_assert_true(app_download(app, &received, &error));
		g_assert_no_error(error);
		g_test_message("the second daemon received %" G_GUINT64_FORMAT " bytes", received);
		g_assert_cmpuint(received, >, 0);
		g_assert_cmpuint(received, <, total);
		g_assert_cmpuint(received + data.done_at_kill, <=, total + 64 * 1024);
		/* its first Progress started where the partial ended */
		g_assert_cmpuint(r->progress->len, >, 0);
		g_assert_cmpuint(g_array_index(r->progress, ProgressEvent, 0).done, >, 0);

		/* the result verified: it installs from the cache, byte for byte */
		version = app_install(app, FALSE, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "1.0");
		assert_file_bytes(installed, payload);
	}
	requests = upd_test_fault_server_get_requests(fault, "/objects/");
	for (guint i = first_requests; i < requests->len; i++) {
		UpdTestFaultRequest *request = g_ptr_array_index(requests, i);
		g_test_message("request %u: %s from %" G_GINT64_FORMAT ", %u, %" G_GUINT64_FORMAT
			       " bytes",
			       i, request->path, request->range_start, request->status,
			       request->bytes_sent);
		if (request->range_start > 0 && request->status == 206) {
			resumed = TRUE;
			resumed_from = (guint64)request->range_start;
			object_path = g_strdup(request->path);
		}
	}
	g_assert_true(resumed);
	g_assert_cmpuint(requests->len, ==, first_requests + 1);
	/* at least what the first daemon had reported was kept */
	g_assert_cmpuint(resumed_from, >=, data.done_at_kill);
	/* the network carried the rest, not the whole object again */
	g_assert_cmpuint(received, ==, total - resumed_from);
	g_assert_cmpuint(upd_test_fault_server_get_bytes_sent(fault, "/objects/") - first_sent, ==,
			 received);
	{
		g_autofree gchar *partial = g_strdup_printf(
			"%s/updater%s.partial", g_getenv("XDG_CACHE_HOME"), object_path);
		g_assert_false(g_file_test(partial, G_FILE_TEST_EXISTS));
	}
}

/* ======================================================================
 * 6. two clients, one install
 * ====================================================================== */

static void
test_concurrent_install(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *payload_path = g_build_filename(f->dir, "tool.exe", NULL);
	g_autofree gchar *installed = g_build_filename(f->install_dir, "current", "tool.exe", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(GBytes) payload = NULL;
	GDBusConnection *clients[2] = {NULL, NULL};
	GAsyncResult *results[2] = {NULL, NULL};
	g_autoptr(GError) error = NULL;

	/* half a second of download at 1 MiB/s: the calls overlap */
	payload = make_random_exe(payload_path, 512 * 1024, 6);
	fixture_publish(f, APP_ID, "1.0", payload_path, "--level", "1", NULL);
	server_start(f);
	daemon_start(f, NULL);
	text = fixture_config(f, APP_ID, f->url, "Policy=manual\nBandwidthLimit=1048576\n");
	path = fixture_register(f, text);

	for (guint i = 0; i < G_N_ELEMENTS(clients); i++) {
		clients[i] = g_dbus_connection_new_for_address_sync(
			g_test_dbus_get_bus_address(f->bus),
			G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
				G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
			NULL, NULL, &error);
		g_assert_no_error(error);
	}
	/* both sent before either is answered */
	for (guint i = 0; i < G_N_ELEMENTS(clients); i++)
		g_dbus_connection_call(clients[i], UPD_DBUS_NAME, path, APP_IFACE, "Install",
				       g_variant_new("(b)", FALSE), G_VARIANT_TYPE("(s)"),
				       G_DBUS_CALL_FLAGS_NONE, TIMEOUT_MS, NULL, async_result_cb,
				       &results[i]);
	for (guint i = 0; i < G_N_ELEMENTS(clients); i++) {
		g_autoptr(GVariant) reply = NULL;
		const gchar *version = NULL;

		wait_result(&results[i], "Install");
		reply = g_dbus_connection_call_finish(clients[i], results[i], &error);
		g_assert_no_error(error);
		g_variant_get(reply, "(&s)", &version);
		g_assert_cmpstr(version, ==, "1.0");
		g_clear_object(&results[i]);
		g_dbus_connection_close_sync(clients[i], NULL, NULL);
		g_clear_object(&clients[i]);
	}
	assert_file_bytes(installed, payload);
	/* one operation ran: one check, one download, one install */
	assert_server_count(f, "POST /v1/check", 1);
	assert_server_count(f, "GET /objects/", 1);
	{
		g_autoptr(UpdDBusUpdater1App) app = fixture_app(f, APP_ID);
		g_autoptr(GVariant) history = app_history(app);
		g_autofree gchar *described = history_describe(history);
		g_assert_cmpstr(described, ==, "install >1.0 installed");
	}
}

/* ======================================================================
 * 7. hot swap in a running host, and a failed one rolled back
 * ====================================================================== */

#define GREETER_ID "org.example.Greeter"

static Child *
demo_app_start(Fixture *f, const gchar *plugin_dir, gchar **url)
{
	g_autofree gchar *log = g_build_filename(f->dir, "demo-app.log", NULL);
	const gchar *argv[] = {upd_test_program("DEMO_APP"),
			       "--port",
			       "0",
			       "--plugin-dir",
			       plugin_dir,
			       "--app-id",
			       GREETER_ID,
			       NULL};
	Child *demo = child_spawn(argv, log, TRUE);
	const gchar *line;

	g_ptr_array_add(f->children, demo);
	WAIT_FOR(demo->out->lines->len > 0 || demo->out->eof, TIMEOUT_MS, "demo-app did not start");
	g_assert_cmpuint(demo->out->lines->len, >, 0);
	line = g_ptr_array_index(demo->out->lines, 0);
	g_assert_true(g_str_has_prefix(line, "listening on http://127.0.0.1:"));
	*url = g_strdup(line + strlen("listening on "));
	return demo;
}

static void
publish_greeter(Fixture *f, const gchar *version, const gchar *variable)
{
	fixture_publish(f, GREETER_ID, version, upd_test_program(variable), "--type", "dll",
			"--kind", "plugin", "--component", "greeter", NULL);
}

static void
test_hot_swap(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *plugins = g_build_filename(f->install_dir, "plugins", NULL);
	g_autofree gchar *plugin_current =
		g_build_filename(f->install_dir, "plugins", "greeter", "current", NULL);
	g_autofree gchar *current = g_build_filename(f->install_dir, "current", NULL);
	g_autofree gchar *install_line = g_strdup_printf("InstallDir=%s\n", f->install_dir);
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *demo_url = NULL;
	g_autoptr(UpdDBusUpdater1App) app = NULL;
	g_autoptr(Recorder) r = NULL;
	g_autoptr(GError) error = NULL;
	Child *demo;

	publish_greeter(f, "1.0", "UPD_TEST_GREETER_1_0");
	server_start(f);
	daemon_start(f, NULL);
	text = g_strdup_printf("[Application]\nId=%s\nEndpoint=%s\nPublicKey=%s\n%s"
			       "Policy=manual\n",
			       GREETER_ID, f->url, f->public_line, install_line);
	path = fixture_register(f, text);
	app = fixture_app(f, GREETER_ID);
	{
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "1.0");
		assert_link(plugin_current, "versions/1.0");
	}

	/* the host starts with 1.0 and registers with the daemon */
	demo = demo_app_start(f, plugins, &demo_url);
	WAIT_FOR(daemon_log_contains(f, GREETER_ID ": host ") &&
			 daemon_log_contains(f, " runs 1 plugins"),
		 TIMEOUT_MS, "demo-app did not register as a host");
	{
		g_autofree gchar *body = http_get(demo_url);
		g_assert_true(g_str_has_prefix(body, "hello from greeter 1.0"));
	}

	/* 2.0: installed, swapped by the host, and only then answered */
	publish_greeter(f, "2.0", "UPD_TEST_GREETER_2_0");
	r = recorder_new(app);
	{
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_autoptr(GVariant) history = NULL;
		g_autofree gchar *described = NULL;
		g_autofree gchar *states = NULL;
		g_autofree gchar *body = NULL;

		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "2.0");
		/* the swap was reported before the answer came */
		history = app_history(app);
		described = history_describe(history);
		g_assert_cmpstr(described, ==,
				"install >1.0 installed; install 1.0>2.0 installed; "
				"swap 1.0>2.0 swapped");
		states = recorder_states(r, "idle");
		if (r->swaps->len == 0) {
			/* the host swapped before the daemon asked: legal, and rare */
			g_test_message("the host reported the swap before the daemon asked");
			g_assert_cmpstr(states, ==, "checking downloading installing idle");
		} else {
			g_assert_cmpstr(states, ==,
					"checking downloading installing pending-swap idle");
			g_assert_cmpuint(r->swaps->len, ==, 1);
			g_assert_cmpstr(g_ptr_array_index(r->swaps, 0), ==, "greeter 2.0");
		}
		g_assert_cmpstr(upd_dbus_updater1_app_get_installed_version(app), ==, "2.0");
		assert_link(plugin_current, "versions/2.0");
		assert_link(current, "versions/2.0");
		WAIT_FOR(line_reader_find(demo->out, 1, "swap greeter 1.0 -> 2.0 completed in ") >=
				 0,
			 TIMEOUT_MS, "demo-app did not print the swap");
		body = http_get(demo_url);
		g_assert_true(g_str_has_prefix(body, "greetings from greeter 2.0"));
	}

	/* 3.0 cannot start: the install is rolled back, 2.0 goes on serving */
	publish_greeter(f, "3.0", "UPD_TEST_GREETER_BROKEN_START");
	recorder_clear(r);
	{
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_autofree gchar *message = NULL;
		g_autofree gchar *states = NULL;
		g_autofree gchar *body = NULL;
		g_autofree gchar *swap_error = NULL;
		g_autoptr(GVariant) history = NULL;
		g_autofree gchar *described = NULL;

		g_assert_null(version);
		assert_dbus_error(error, UPD_ERROR_PLUGIN, "Plugin");
		message = error_message(error);
		g_test_message("%s", message);
		g_assert_nonnull(strstr(message, "rolled back to 2.0"));
		states = recorder_states(r, "error");
		g_assert_cmpstr(states, ==,
				"checking downloading installing pending-swap installing error");
		g_assert_cmpstr(upd_dbus_updater1_app_get_last_error(app), ==, message);
		g_assert_cmpstr(upd_dbus_updater1_app_get_installed_version(app), ==, "2.0");
		assert_link(plugin_current, "versions/2.0");
		assert_link(current, "versions/2.0");
		WAIT_FOR(line_reader_find(demo->out, 1, "swap greeter 2.0 -> 3.0 failed: ") >= 0,
			 TIMEOUT_MS, "demo-app did not print the failed swap");
		body = http_get(demo_url);
		g_assert_true(g_str_has_prefix(body, "greetings from greeter 2.0"));
		history = app_history(app);
		described = history_describe(history);
		g_assert_cmpstr(described, ==,
				"install >1.0 installed; install 1.0>2.0 installed; "
				"swap 1.0>2.0 swapped; install 2.0>3.0 installed; "
				"swap 2.0>3.0 swap-failed; rollback 3.0>2.0 rolled-back");
		swap_error = history_last(history, "swap", "error");
		g_assert_nonnull(strstr(message, swap_error));
		g_clear_error(&error);
	}
	/* 3.0 is skipped from now on */
	{
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "2.0");
	}
	child_stop(demo, "demo-app", SIGTERM);
}

/* The test's own connection as the host: it sees the pending swap, reports
 * it (or a failure, or nothing) itself. */
typedef struct {
	UpdDBusUpdater1App *app;
	gboolean report;
	gboolean success;
	guint requests;
	gchar *state_at_request;     /* (owned) (nullable) */
	GAsyncResult *report_result; /* (owned) (nullable) */
} ScriptedHost;

static void
scripted_host_swap_cb(UpdDBusUpdater1App *app,
		      const gchar *plugin,
		      const gchar *version,
		      gpointer user_data)
{
	ScriptedHost *host = user_data;
	g_autofree gchar *from = g_strdup(upd_dbus_updater1_app_get_installed_version(app));

	host->requests++;
	g_free(host->state_at_request);
	host->state_at_request = g_strdup(upd_dbus_updater1_app_get_state(app));
	if (!host->report)
		return;
	g_clear_object(&host->report_result);
	upd_dbus_updater1_app_call_report_swap(app, plugin, "1.0", version, host->success,
					       host->success ? "" : "it broke", NULL,
					       async_result_cb, &host->report_result);
}

static void
test_swap_scripted_host(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *install_line = g_strdup_printf("InstallDir=%s\n", f->install_dir);
	g_autofree gchar *plugin_current =
		g_build_filename(f->install_dir, "plugins", "greeter", "current", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(UpdDBusUpdater1App) app = NULL;
	g_autoptr(Recorder) r = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *const plugins[] = {"greeter", NULL};
	ScriptedHost host = {NULL, TRUE, TRUE, 0, NULL, NULL};
	gulong id;

	publish_greeter(f, "1.0", "UPD_TEST_GREETER_1_0");
	server_start(f);
	daemon_start(f, "--swap-timeout", "2", NULL);
	text = g_strdup_printf("[Application]\nId=%s\nEndpoint=%s\nPublicKey=%s\n%s"
			       "Policy=manual\n",
			       GREETER_ID, f->url, f->public_line, install_line);
	path = fixture_register(f, text);
	app = fixture_app(f, GREETER_ID);
	host.app = app;
	id = g_signal_connect(app, "swap-requested", G_CALLBACK(scripted_host_swap_cb), &host);
	r = recorder_new(app);

	/* without a host, nothing is awaited */
	{
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_autofree gchar *states = NULL;
		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "1.0");
		states = recorder_states(r, "idle");
		g_assert_cmpstr(states, ==, "checking downloading installing idle");
		g_assert_cmpuint(host.requests, ==, 0);
	}
	upd_dbus_updater1_call_register_host_sync(f->manager, GREETER_ID, plugins, NULL, &error);
	g_assert_no_error(error);

	/* a report from a connection that is not a host is refused */
	{
		g_autoptr(GDBusConnection) stranger = g_dbus_connection_new_for_address_sync(
			g_test_dbus_get_bus_address(f->bus),
			G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
				G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
			NULL, NULL, &error);
		g_autoptr(GVariant) reply = NULL;

		g_assert_no_error(error);
		reply = g_dbus_connection_call_sync(
			stranger, UPD_DBUS_NAME, path, APP_IFACE, "ReportSwap",
			g_variant_new("(sssbs)", "greeter", "1.0", "2.0", TRUE, ""), NULL,
			G_DBUS_CALL_FLAGS_NONE, TIMEOUT_MS, NULL, &error);
		g_assert_null(reply);
		assert_dbus_error(error, UPD_ERROR_INVALID_ARGUMENT, "InvalidArgument");
		g_clear_error(&error);
		g_dbus_connection_close_sync(stranger, NULL, NULL);
	}

	/* the host reports the swap: Install answers after it */
	publish_greeter(f, "2.0", "UPD_TEST_GREETER_2_0");
	recorder_clear(r);
	{
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_autofree gchar *states = NULL;
		g_autoptr(GVariant) history = NULL;
		g_autofree gchar *described = NULL;

		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "2.0");
		g_assert_cmpuint(host.requests, ==, 1);
		g_assert_cmpstr(host.state_at_request, ==, "pending-swap");
		g_assert_cmpuint(r->swaps->len, ==, 1);
		g_assert_cmpstr(g_ptr_array_index(r->swaps, 0), ==, "greeter 2.0");
		wait_result(&host.report_result, "ReportSwap");
		g_assert_true(upd_dbus_updater1_app_call_report_swap_finish(app, host.report_result,
									    &error));
		g_assert_no_error(error);
		states = recorder_states(r, "idle");
		g_assert_cmpstr(states, ==, "checking downloading installing pending-swap idle");
		history = app_history(app);
		described = history_describe(history);
		g_assert_cmpstr(described, ==,
				"install >1.0 installed; install 1.0>2.0 installed; "
				"swap 1.0>2.0 swapped");
		assert_link(plugin_current, "versions/2.0");
	}

	/* the host says the swap failed: rolled back */
	publish_greeter(f, "3.0", "UPD_TEST_GREETER_2_0");
	recorder_clear(r);
	host.success = FALSE;
	{
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_autofree gchar *states = NULL;
		g_autofree gchar *message = NULL;
		g_autoptr(GVariant) history = NULL;
		g_autofree gchar *described = NULL;

		g_assert_null(version);
		assert_dbus_error(error, UPD_ERROR_PLUGIN, "Plugin");
		message = error_message(error);
		g_test_message("%s", message);
		g_assert_nonnull(strstr(message, "it broke"));
		g_assert_nonnull(strstr(message, "rolled back to 2.0"));
		states = recorder_states(r, "error");
		g_assert_cmpstr(states, ==,
				"checking downloading installing pending-swap installing error");
		history = app_history(app);
		described = history_describe(history);
		g_assert_cmpstr(described, ==,
				"install >1.0 installed; install 1.0>2.0 installed; "
				"swap 1.0>2.0 swapped; install 2.0>3.0 installed; "
				"swap 1.0>3.0 swap-failed; rollback 3.0>2.0 rolled-back");
		g_assert_cmpstr(upd_dbus_updater1_app_get_installed_version(app), ==, "2.0");
		assert_link(plugin_current, "versions/2.0");
		g_clear_error(&error);
	}

	/* the host says nothing: after --swap-timeout, rolled back too */
	publish_greeter(f, "4.0", "UPD_TEST_GREETER_2_0");
	recorder_clear(r);
	host.report = FALSE;
	{
		gint64 started = g_get_monotonic_time();
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_autofree gchar *message = NULL;
		g_autofree gchar *states = NULL;

		g_assert_null(version);
		assert_dbus_error(error, UPD_ERROR_PLUGIN, "Plugin");
		message = error_message(error);
		g_test_message("%s", message);
		g_assert_nonnull(strstr(message, "no report of the swap within 2 s"));
		g_assert_cmpint(g_get_monotonic_time() - started, >=, 1 * G_USEC_PER_SEC);
		states = recorder_states(r, "error");
		g_assert_cmpstr(states, ==,
				"checking downloading installing pending-swap installing error");
		g_assert_cmpstr(upd_dbus_updater1_app_get_installed_version(app), ==, "2.0");
		assert_link(plugin_current, "versions/2.0");
		g_clear_error(&error);
	}

	/* a host that is gone is not waited for */
	upd_dbus_updater1_call_unregister_host_sync(f->manager, GREETER_ID, NULL, &error);
	g_assert_no_error(error);
	publish_greeter(f, "5.0", "UPD_TEST_GREETER_2_0");
	recorder_clear(r);
	host.requests = 0;
	{
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_autofree gchar *states = NULL;

		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "5.0");
		states = recorder_states(r, "idle");
		g_assert_cmpstr(states, ==, "checking downloading installing idle");
		g_assert_cmpuint(host.requests, ==, 0);
		assert_link(plugin_current, "versions/5.0");
	}
	g_signal_handler_disconnect(app, id);
	g_clear_object(&host.report_result);
	g_free(host.state_at_request);
}

/* ======================================================================
 * 8. an idle daemon: no wake-ups; it exits when it has nothing to do
 * ====================================================================== */

static void
test_idle_no_wakeups(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *text = NULL;
	g_autoptr(UpdDBusUpdater1App) app = NULL;
	g_autoptr(GString) before_detail = g_string_new(NULL);
	g_autoptr(GString) after_detail = g_string_new(NULL);
	g_autofree gchar *file = apps_d_file(APP_ID);
	GPid pid;
	guint64 before;
	guint64 after;
	guint64 last;
	gint64 now;
	guint quiet = 0;

	fixture_publish_tar(f, "1.0", "one\n");
	server_start(f);
	/* in apps.d before the start, never checked: checked after a second */
	text = fixture_config(f, APP_ID, f->url, "Policy=auto\nPollInterval=3600\n");
	upd_test_write_file(file, text, -1, 0600);
	daemon_start(f, "--first-check-delay", "1", "--idle-timeout", "2", NULL);
	app = fixture_app(f, APP_ID);
	/* auto: the first check installs */
	WAIT_FOR(g_strcmp0(upd_dbus_updater1_app_get_installed_version(app), "1.0") == 0 &&
			 g_strcmp0(upd_dbus_updater1_app_get_state(app), "idle") == 0,
		 TIMEOUT_MS, "the first scheduled check did not install 1.0");
	now = g_get_real_time() / G_USEC_PER_SEC;
	WAIT_FOR(upd_dbus_updater1_app_get_next_check(app) > now + 3000, TIMEOUT_MS,
		 "NextCheck is not an interval away");
	g_assert_cmpint(upd_dbus_updater1_app_get_next_check(app), <=, now + 3600 * 11 / 10 + 1);
	assert_server_count(f, "POST /v1/check", 1);

	/* wait until the threads of the install have gone to sleep (or away) */
	pid = child_get_pid(f->daemon);
	last = proc_context_switches(pid, NULL);
	while (quiet < 2) {
		guint64 sample;
		run_for_ms(500);
		sample = proc_context_switches(pid, NULL);
		quiet = sample == last ? quiet + 1 : 0;
		last = sample;
		g_assert_false(f->daemon->exited);
	}
	before = proc_context_switches(pid, before_detail);
	run_for_ms(3000);
	after = proc_context_switches(pid, after_detail);
	g_test_message("context switches over 3 s: %" G_GINT64_FORMAT, (gint64)(after - before));
	g_test_message("before:%s", before_detail->str);
	g_test_message("after: %s", after_detail->str);
	g_assert_cmpint((gint64)(after - before), <=, 2);

	/* a scheduled check is work: more than --idle-timeout later it runs */
	g_assert_false(f->daemon->exited);
	g_assert_false(daemon_log_contains(f, "exiting"));
	assert_server_count(f, "POST /v1/check", 1);
}

static void
test_idle_exit(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *file = apps_d_file(APP_ID);
	g_autofree gchar *text = NULL;
	gint64 started;
	gint64 took;

	/* no application */
	daemon_start(f, "--idle-timeout", "2", NULL);
	started = g_get_monotonic_time();
	WAIT_FOR(f->daemon->exited, 5000, "updater-service with nothing to do did not exit");
	took = (g_get_monotonic_time() - started) / 1000;
	g_test_message("exited after %" G_GINT64_FORMAT " ms", took);
	g_assert_cmpint(took, >=, 1000);
	child_stop(f->daemon, "updater-service", 0);
	g_assert_true(daemon_log_contains(f, "nothing to do for 2 s, exiting"));
	daemon_forget(f);

	/* a manual application and no host: nothing to wait for either */
	text = fixture_config(f, APP_ID, "http://127.0.0.1:9/", "Policy=manual\n");
	upd_test_write_file(file, text, -1, 0600);
	daemon_start(f, "--idle-timeout", "2", NULL);
	{
		g_autoptr(UpdDBusUpdater1App) app = fixture_app(f, APP_ID);
		g_assert_cmpint(upd_dbus_updater1_app_get_next_check(app), ==, 0);
	}
	started = g_get_monotonic_time();
	WAIT_FOR(f->daemon->exited, 5000, "updater-service with a manual application did not exit");
	took = (g_get_monotonic_time() - started) / 1000;
	g_test_message("exited after %" G_GINT64_FORMAT " ms", took);
	child_stop(f->daemon, "updater-service", 0);
	g_assert_true(daemon_log_contains(f, "serving " APP_ID));
	daemon_forget(f);
	/* the application stays registered for next time */
	assert_file_text(file, text);
}

/* SIGTERM while a caller waits: the caller is answered, the daemon exits 0,
 * and what was downloaded is kept */
static void
test_stop_while_busy(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *payload_path = g_build_filename(f->dir, "big.exe", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(GBytes) payload = NULL;
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdDBusUpdater1App) app = NULL;
	g_autoptr(Recorder) r = NULL;
	g_autofree gchar *remote = NULL;

	/* 1 MiB at 256 KiB/s: four seconds */
	payload = make_random_exe(payload_path, 1024 * 1024, 9);
	fixture_publish(f, APP_ID, "1.0", payload_path, "--level", "1", NULL);
	server_start(f);
	daemon_start(f, NULL);
	text = fixture_config(f, APP_ID, f->url, "Policy=manual\nBandwidthLimit=262144\n");
	path = fixture_register(f, text);
	app = fixture_app(f, APP_ID);
	r = recorder_new(app);
	upd_dbus_updater1_app_call_download(app, NULL, async_result_cb, &res);
	WAIT_FOR(r->progress->len > 0 &&
			 g_array_index(r->progress, ProgressEvent, r->progress->len - 1).done > 0,
		 TIMEOUT_MS, "the download did not start");
	g_subprocess_send_signal(f->daemon->process, SIGTERM);
	wait_result(&res, "Download");
	g_assert_false(upd_dbus_updater1_app_call_download_finish(app, NULL, res, &error));
	remote = g_dbus_error_get_remote_error(error);
	g_test_message("the caller got %s: %s", remote, error->message);
	assert_dbus_error(error, UPD_ERROR_CANCELLED, "Cancelled");
	g_clear_error(&error);
	g_clear_object(&app);
	g_clear_pointer(&r, recorder_free);
	/* one SIGTERM is enough: exit 0 */
	child_stop(f->daemon, "updater-service", 0);
	daemon_forget(f);
	/* the partial stays: the next daemon resumes it */
	daemon_start(f, NULL);
	app = fixture_app(f, APP_ID);
	{
		guint64 received = 0;
		g_assert_true(app_download(app, &received, &error));
		g_assert_no_error(error);
		g_test_message("the next daemon received %" G_GUINT64_FORMAT " bytes", received);
		g_assert_cmpuint(received, >, 0);
		g_assert_cmpuint(received, <, g_bytes_get_size(payload));
	}
}

/* apps.d as people fill it: any file name, bad files, other files */
static void
test_apps_d(Fixture *f, gconstpointer user_data)
{
	const gchar *id = "org.example.Custom";
	g_autofree gchar *apps_d =
		g_build_filename(g_getenv("XDG_CONFIG_HOME"), "updater", "apps.d", NULL);
	g_autofree gchar *custom = g_build_filename(apps_d, "custom.conf", NULL);
	g_autofree gchar *broken = g_build_filename(apps_d, "broken.conf", NULL);
	g_autofree gchar *readme = g_build_filename(apps_d, "README", NULL);
	g_autofree gchar *text = fixture_config(f, id, "http://127.0.0.1:9/", "Policy=manual\n");
	g_autofree gchar *app_path = upd_dbus_app_path(id);
	g_autoptr(GError) error = NULL;

	upd_test_write_file(custom, text, -1, 0600);
	upd_test_write_file(broken, "[Application]\nId=org.example.Broken\n", -1, 0600);
	upd_test_write_file(readme, "not a configuration\n", -1, 0600);
	daemon_start(f, NULL);
	{
		g_autoptr(UpdDBusUpdater1App) app = fixture_app(f, id);
		g_assert_cmpstr(upd_dbus_updater1_app_get_policy(app), ==, "manual");
	}
	/* the bad file is reported and skipped, the other served */
	g_assert_true(daemon_log_contains(f, broken));
	g_assert_true(daemon_log_contains(f, "Endpoint"));
	/* unregistering removes the file it came from: it does not come back */
	upd_dbus_updater1_call_unregister_application_sync(f->manager, id, NULL, &error);
	g_assert_no_error(error);
	g_assert_false(g_file_test(custom, G_FILE_TEST_EXISTS));
	g_assert_true(g_file_test(broken, G_FILE_TEST_EXISTS));
	g_assert_true(g_file_test(readme, G_FILE_TEST_EXISTS));
	daemon_stop(f);
	daemon_start(f, NULL);
	{
		g_autoptr(GDBusObjectManager) objects = upd_dbus_object_manager_client_new_sync(
			f->conn, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, UPD_DBUS_NAME,
			UPD_DBUS_PATH, NULL, &error);
		g_autoptr(GDBusInterface) iface = NULL;

		g_assert_no_error(error);
		iface = g_dbus_object_manager_get_interface(objects, app_path, APP_IFACE);
		g_assert_null(iface);
	}
}

static void
object_removed_cb(GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
}

/* a new configuration while an install (here its PostInstall hook) runs:
 * the daemon goes on answering meanwhile, and the install is not lost */
static void
test_reregister_while_installing(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *marker = g_build_filename(f->dir, "hook-started", NULL);
	g_autofree gchar *extra = g_strdup_printf(
		"Policy=manual\nPostInstallTimeout=20\nPostInstall=/bin/sh -c 'touch \"%s\"; "
		"sleep 3'\n",
		marker);
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(UpdDBusUpdater1App) app = NULL;
	g_autoptr(GAsyncResult) install_res = NULL;
	g_autoptr(GAsyncResult) register_res = NULL;
	g_autoptr(GAsyncResult) get_res = NULL;
	g_autoptr(GDBusObjectManager) objects = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *new_path = NULL;
	gboolean removed = FALSE;
	gint64 register_started;
	gint64 register_took;
	gint64 started;
	gint64 took;

	fixture_publish_tar(f, "1.0", "one\n");
	server_start(f);
	daemon_start(f, NULL);
	text = fixture_config(f, APP_ID, f->url, extra);
	path = fixture_register(f, text);
	app = fixture_app(f, APP_ID);
	upd_dbus_updater1_app_call_install(app, FALSE, NULL, async_result_cb, &install_res);
	WAIT_FOR(g_file_test(marker, G_FILE_TEST_EXISTS), TIMEOUT_MS,
		 "the PostInstall hook did not start");

	/* the same configuration again, while the hook sleeps: the old object
	 * goes, then the new one starts; meanwhile another caller asks
	 * something */
	objects = upd_dbus_object_manager_client_new_sync(
		f->conn, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, UPD_DBUS_NAME, UPD_DBUS_PATH,
		NULL, &error);
	g_assert_no_error(error);
	g_signal_connect(objects, "object-removed", G_CALLBACK(object_removed_cb), &removed);
	register_started = g_get_monotonic_time();
	upd_dbus_updater1_call_register_application(f->manager, text, NULL, async_result_cb,
						    &register_res);
	WAIT_FOR(removed, TIMEOUT_MS, "the old object was not removed");
	started = g_get_monotonic_time();
	g_dbus_connection_call(
		f->conn, UPD_DBUS_NAME, UPD_DBUS_PATH, "org.freedesktop.DBus.Properties", "Get",
		g_variant_new("(ss)", UPD_DBUS_NAME, "Version"), G_VARIANT_TYPE("(v)"),
		G_DBUS_CALL_FLAGS_NONE, TIMEOUT_MS, NULL, async_result_cb, &get_res);
	wait_result(&get_res, "Get Version");
	took = (g_get_monotonic_time() - started) / 1000;
	g_test_message("Get Version took %" G_GINT64_FORMAT " ms", took);
	{
		g_autoptr(GVariant) reply = g_dbus_connection_call_finish(f->conn, get_res, &error);
		g_assert_no_error(error);
	}
	wait_result(&register_res, "RegisterApplication");
	register_took = (g_get_monotonic_time() - register_started) / 1000;
	g_test_message("RegisterApplication took %" G_GINT64_FORMAT " ms", register_took);
	upd_dbus_updater1_call_register_application_finish(f->manager, &new_path, register_res,
							   &error);
	g_assert_no_error(error);
	g_assert_cmpstr(new_path, ==, path);
	/* the caller of the replaced application's install is answered */
	wait_result(&install_res, "Install");
	{
		g_autofree gchar *version = NULL;
		upd_dbus_updater1_app_call_install_finish(app, &version, install_res, &error);
		g_test_message("the first Install: %s", error != NULL ? error->message : version);
		g_clear_error(&error);
	}
	/* neither held up by the hook's three seconds */
	g_assert_cmpint(took, <, 1500);
	g_assert_cmpint(register_took, <, 1500);
	/* the install finishes all the same; an install asked of the new object
	 * waits for it, and finds 1.0 installed */
	g_clear_object(&app);
	app = fixture_app(f, APP_ID);
	{
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_autoptr(GVariant) history = NULL;
		g_autofree gchar *described = NULL;

		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "1.0");
		history = app_history(app);
		described = history_describe(history);
		g_assert_cmpstr(described, ==, "install >1.0 installed");
	}
	g_assert_cmpstr(upd_dbus_updater1_app_get_installed_version(app), ==, "1.0");
}

/* ======================================================================
 * 9. a restarted daemon serves what it served, on the same schedule
 * ====================================================================== */

static void
test_restart(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *schedule = NULL;
	g_autoptr(GError) error = NULL;
	gint64 next_before;
	guint checks;

	fixture_publish_tar(f, "1.0", "one\n");
	server_start(f);
	daemon_start(f, NULL);
	text = fixture_config(f, APP_ID, f->url, "Policy=auto\nPollInterval=3600\n");
	path = fixture_register(f, text);
	{
		g_autoptr(UpdDBusUpdater1App) app = fixture_app(f, APP_ID);
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "1.0");
		/* a caller's check counts: the next is an interval away */
		WAIT_FOR(upd_dbus_updater1_app_get_next_check(app) >
				 g_get_real_time() / G_USEC_PER_SEC + 3000,
			 TIMEOUT_MS, "NextCheck did not move an interval away");
		next_before = upd_dbus_updater1_app_get_next_check(app);
	}
	schedule = g_build_filename(g_getenv("XDG_STATE_HOME"), "updater", "apps", APP_ID,
				    "schedule.ini", NULL);
	g_assert_true(g_file_test(schedule, G_FILE_TEST_IS_REGULAR));
	daemon_stop(f);
	checks = server_count(f, "POST /v1/check");

	/* a short first-check delay: only schedule.ini stops a check at once */
	daemon_start(f, "--first-check-delay", "1", NULL);
	{
		g_autoptr(UpdDBusUpdater1App) app = fixture_app(f, APP_ID);
		g_autoptr(Recorder) r = recorder_new(app);
		gint64 now = g_get_real_time() / G_USEC_PER_SEC;
		gint64 next = upd_dbus_updater1_app_get_next_check(app);

		g_assert_cmpstr(upd_dbus_updater1_app_get_policy(app), ==, "auto");
		g_assert_cmpstr(upd_dbus_updater1_app_get_installed_version(app), ==, "1.0");
		g_assert_cmpstr(upd_dbus_updater1_app_get_state(app), ==, "idle");
		g_test_message("NextCheck %" G_GINT64_FORMAT " s from now (was %" G_GINT64_FORMAT
			       ")",
			       next - now, next_before - now);
		g_assert_cmpint(next, >, now + 3000);
		g_assert_cmpint(next, <=, now + 3600 * 11 / 10 + 1);
		run_for_ms(2000);
		g_assert_cmpuint(r->states->len, ==, 0);
		g_assert_cmpuint(server_count(f, "POST /v1/check"), ==, checks);
		assert_server_count(f, "GET /apps/", 0);
	}
	{
		g_autofree gchar *bin =
			g_build_filename(f->install_dir, "current", "bin", "app", NULL);
		assert_file_text(bin, "one\n");
	}
}

/* ======================================================================
 * 10. updaterctl monitor, in lines and as JSON
 * ====================================================================== */

static Child *
monitor_start(Fixture *f, gboolean json)
{
	g_autofree gchar *log =
		g_build_filename(f->dir, json ? "monitor-json.log" : "monitor.log", NULL);
	const gchar *argv_text[] = {upd_test_program("UPDATERCTL"), "monitor", NULL};
	const gchar *argv_json[] = {upd_test_program("UPDATERCTL"), "monitor", "--json", NULL};
	Child *monitor = child_spawn(json ? argv_json : argv_text, log, TRUE);

	g_ptr_array_add(f->children, monitor);
	return monitor;
}

/* whether a line of @reader is a JSON event of @event (and a state change
 * from @previous to @state) */
static gboolean
json_lines_have(LineReader *reader, const gchar *event, const gchar *previous, const gchar *state)
{
	for (guint i = 0; i < reader->lines->len; i++) {
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonObject *object;

		if (!json_parser_load_from_data(parser, g_ptr_array_index(reader->lines, i), -1,
						NULL) ||
		    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
			continue;
		object = json_node_get_object(json_parser_get_root(parser));
		if (g_strcmp0(json_object_get_string_member_with_default(object, "event", ""),
			      event) != 0)
			continue;
		if (previous == NULL ||
		    (g_strcmp0(json_object_get_string_member_with_default(object, "previous", ""),
			       previous) == 0 &&
		     g_strcmp0(json_object_get_string_member_with_default(object, "state", ""),
			       state) == 0))
			return TRUE;
	}
	return FALSE;
}

static void
test_monitor(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(UpdDBusUpdater1App) app = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) json_states = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) text_states = g_ptr_array_new_with_free_func(g_free);
	Child *lines;
	Child *json;
	gboolean saw_progress = FALSE;

	fixture_publish_tar(f, "1.0", "one\n");
	server_start(f);
	daemon_start(f, NULL);
	text = fixture_config(f, APP_ID, f->url, "Policy=manual\n");
	path = fixture_register(f, text);
	app = fixture_app(f, APP_ID);

	lines = monitor_start(f, FALSE);
	json = monitor_start(f, TRUE);
	/* both list the application first: then they are subscribed */
	WAIT_FOR(line_reader_find(lines->out, 0, APP_ID ": idle, installed none") >= 0, TIMEOUT_MS,
		 "updaterctl monitor did not list the application");
	WAIT_FOR(json_lines_have(json->out, "app", NULL, NULL), TIMEOUT_MS,
		 "updaterctl monitor --json did not list the application");
	{
		g_autofree gchar *version = app_install(app, FALSE, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(version, ==, "1.0");
	}
	WAIT_FOR(line_reader_find(lines->out, 0, "installing -> idle") >= 0, TIMEOUT_MS,
		 "updaterctl monitor did not print the end of the install");
	WAIT_FOR(json_lines_have(json->out, "state", "installing", "idle"), TIMEOUT_MS,
		 "updaterctl monitor --json did not print the end of the install");
	child_stop(lines, "updaterctl monitor", SIGINT);
	child_stop(json, "updaterctl monitor --json", SIGINT);
	g_assert_false(file_contains(lines->log, "updaterctl"));
	g_assert_false(file_contains(json->log, "updaterctl"));

	/* lines: the listing, then every change of state in order */
	g_assert_cmpstr(g_ptr_array_index(lines->out->lines, 0), ==,
			APP_ID ": idle, installed none");
	for (guint i = 1; i < lines->out->lines->len; i++) {
		const gchar *line = g_ptr_array_index(lines->out->lines, i);
		g_assert_true(g_str_has_prefix(line, APP_ID ": "));
		if (strstr(line, " -> ") != NULL)
			g_ptr_array_add(text_states, g_strdup(line + strlen(APP_ID ": ")));
		else
			g_assert_true(g_str_has_prefix(line, APP_ID ": downloading "));
	}
	g_ptr_array_add(text_states, NULL);
	{
		g_autofree gchar *joined = g_strjoinv("; ", (gchar **)text_states->pdata);
		g_assert_cmpstr(joined, ==,
				"idle -> checking; checking -> downloading; downloading -> "
				"installing; installing -> idle");
	}

	/* JSON: one object per line */
	for (guint i = 0; i < json->out->lines->len; i++) {
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonObject *object = parse_json(parser, g_ptr_array_index(json->out->lines, i));
		const gchar *event = json_object_get_string_member(object, "event");

		g_assert_cmpstr(json_object_get_string_member(object, "app_id"), ==, APP_ID);
		g_assert_cmpint(json_object_get_int_member(object, "time"), >, 0);
		if (i == 0) {
			g_assert_cmpstr(event, ==, "app");
			g_assert_cmpstr(json_object_get_string_member(object, "state"), ==, "idle");
			g_assert_cmpstr(json_object_get_string_member(object, "installed_version"),
					==, "");
		} else if (g_strcmp0(event, "state") == 0) {
			g_ptr_array_add(
				json_states,
				g_strdup_printf("%s>%s",
						json_object_get_string_member(object, "previous"),
						json_object_get_string_member(object, "state")));
		} else {
			g_assert_cmpstr(event, ==, "progress");
			g_assert_cmpint(json_object_get_int_member(object, "done"), <=,
					json_object_get_int_member(object, "total"));
			saw_progress = TRUE;
		}
	}
	g_ptr_array_add(json_states, NULL);
	{
		g_autofree gchar *joined = g_strjoinv(" ", (gchar **)json_states->pdata);
		g_assert_cmpstr(joined, ==,
				"idle>checking checking>downloading downloading>installing "
				"installing>idle");
	}
	g_test_message("JSON progress events: %s", saw_progress ? "yes" : "no");
}

/* ======================================================================
 * 11. updaterctl as a client of the daemon
 * ====================================================================== */

static void
test_ctl(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *conf = g_build_filename(f->dir, "app.conf", NULL);
	g_autofree gchar *notes = g_build_filename(f->dir, "notes.txt", NULL);
	g_autofree gchar *notes_arg = g_strdup_printf("en=%s", notes);
	g_autofree gchar *payload = g_build_filename(f->dir, "app-1.0.tar.gz", NULL);
	g_autofree gchar *bin = g_build_filename(f->install_dir, "current", "bin", "app", NULL);
	g_autofree gchar *text = NULL;
	g_autoptr(UpdDBusUpdater1App) app = NULL;

	upd_test_make_tar_gz(payload, "bin/app", "one\n", NULL);
	upd_test_write_file(notes, "Better\n", -1, 0644);
	fixture_publish(f, APP_ID, "1.0", payload, "--notes-file", notes_arg, NULL);
	server_start(f);
	daemon_start(f, NULL);
	text = fixture_config(f, APP_ID, f->url, "Policy=manual\n");
	upd_test_write_file(conf, text, -1, 0644);
	{
		g_autofree gchar *out = NULL;
		g_assert_cmpint(ctl_run(&out, NULL, "register", conf, NULL), ==, 0);
	}
	app = fixture_app(f, APP_ID);

	/* apps */
	{
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;
		g_autofree gchar *row = g_strdup_printf("%-32s %-12s %-12s %-13s %s\n", APP_ID,
							"none", "none", "idle", "-");

		g_assert_cmpint(ctl_run(&out, &err, "apps", NULL), ==, 0);
		g_assert_cmpstr(err, ==, "");
		g_assert_true(g_str_has_prefix(out, "APPLICATION "));
		g_assert_nonnull(strstr(out, row));
	}
	{
		g_autofree gchar *out = NULL;
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonObject *object;
		JsonArray *apps;

		g_assert_cmpint(ctl_run(&out, NULL, "--json", "apps", NULL), ==, 0);
		apps = json_object_get_array_member(parse_json(parser, out), "apps");
		g_assert_cmpuint(json_array_get_length(apps), ==, 1);
		object = json_array_get_object_element(apps, 0);
		g_assert_cmpstr(json_object_get_string_member(object, "app_id"), ==, APP_ID);
		g_assert_cmpstr(json_object_get_string_member(object, "policy"), ==, "manual");
		g_assert_cmpstr(json_object_get_string_member(object, "state"), ==, "idle");
		g_assert_true(json_object_get_null_member(object, "installed_version"));
		g_assert_false(json_object_get_boolean_member(object, "update_available"));
		g_assert_cmpint(json_object_get_int_member(object, "next_check"), ==, 0);
	}

	/* check */
	{
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;

		g_assert_cmpint(ctl_run(&out, &err, "check", APP_ID, NULL), ==, 0);
		g_assert_cmpstr(err, ==, "");
		g_assert_nonnull(strstr(out, "Application:       " APP_ID " (channel stable)\n"));
		g_assert_nonnull(strstr(out, "Installed version: none\n"));
		g_assert_nonnull(strstr(out, "Available version: 1.0\n"));
		g_assert_nonnull(strstr(out, "State:             idle\n"));
		g_assert_nonnull(strstr(out, "Release notes:\n  Better\n"));
		WAIT_FOR(g_strcmp0(upd_dbus_updater1_app_get_available_version(app), "1.0") == 0,
			 TIMEOUT_MS, "AvailableVersion did not become 1.0");
	}
	{
		g_autofree gchar *out = NULL;
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonObject *object;

		g_assert_cmpint(ctl_run(&out, NULL, "check", APP_ID, "--json", NULL), ==, 0);
		object = parse_json(parser, out);
		g_assert_cmpstr(json_object_get_string_member(object, "available_version"), ==,
				"1.0");
		g_assert_true(json_object_get_boolean_member(object, "update_available"));
		g_assert_false(json_object_get_boolean_member(object, "mandatory"));
		g_assert_cmpstr(json_object_get_string_member(object, "release_notes"), ==,
				"Better");
	}

	/* download: then again, from the cache */
	{
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;

		g_assert_cmpint(ctl_run(&out, &err, "download", APP_ID, NULL), ==, 0);
		g_assert_cmpstr(err, ==, "");
		g_assert_true(g_str_has_prefix(out, "Downloaded " APP_ID " 1.0: "));
		g_assert_true(g_str_has_suffix(out, " received, everything verified.\n"));
	}
	{
		g_autofree gchar *out = NULL;
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonObject *object;

		g_assert_cmpint(ctl_run(&out, NULL, "--json", "download", APP_ID, NULL), ==, 0);
		object = parse_json(parser, out);
		g_assert_cmpstr(json_object_get_string_member(object, "version"), ==, "1.0");
		g_assert_true(json_object_get_boolean_member(object, "update_available"));
		g_assert_cmpint(json_object_get_int_member(object, "bytes_received"), ==, 0);
	}

	/* install, in text then as JSON (up to date) */
	{
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;

		g_assert_cmpint(ctl_run(&out, &err, "install", APP_ID, NULL), ==, 0);
		g_assert_cmpstr(out, ==, "Installed " APP_ID " 1.0.\n");
		g_assert_cmpstr(err, ==, "");
		assert_file_text(bin, "one\n");
	}
	{
		g_autofree gchar *out = NULL;
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonObject *object;

		g_assert_cmpint(ctl_run(&out, NULL, "--json", "install", APP_ID, NULL), ==, 0);
		object = parse_json(parser, out);
		g_assert_false(json_object_get_boolean_member(object, "installed"));
		g_assert_cmpstr(json_object_get_string_member(object, "version"), ==, "1.0");
		g_assert_cmpstr(json_object_get_string_member(object, "previous_version"), ==,
				"1.0");
	}
	{
		g_autofree gchar *out = NULL;
		g_assert_cmpint(ctl_run(&out, NULL, "install", APP_ID, NULL), ==, 0);
		g_assert_cmpstr(out, ==, APP_ID " is up to date (1.0).\n");
	}

	/* status */
	{
		g_autofree gchar *out = NULL;

		g_assert_cmpint(ctl_run(&out, NULL, "status", APP_ID, NULL), ==, 0);
		g_assert_nonnull(strstr(out, "Installed version: 1.0\n"));
		g_assert_null(strstr(out, "Available version"));
		g_assert_nonnull(strstr(out, "Policy:            manual\n"));
	}
	{
		g_autofree gchar *out = NULL;
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonObject *object;

		g_assert_cmpint(ctl_run(&out, NULL, "--json", "status", APP_ID, NULL), ==, 0);
		object = parse_json(parser, out);
		g_assert_cmpstr(json_object_get_string_member(object, "installed_version"), ==,
				"1.0");
		g_assert_true(json_object_get_null_member(object, "available_version"));
		g_assert_true(json_object_get_null_member(object, "last_error"));
		g_assert_cmpstr(json_object_get_string_member(object, "state"), ==, "idle");
	}

	/* history */
	{
		g_autofree gchar *out = NULL;

		g_assert_cmpint(ctl_run(&out, NULL, "history", APP_ID, NULL), ==, 0);
		g_assert_true(g_str_has_suffix(out, "  install   - -> 1.0  installed\n"));
		g_assert_cmpuint(count_substrings(out, "\n"), ==, 1);
	}
	{
		g_autofree gchar *out = NULL;
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonObject *object;
		JsonArray *history;
		JsonObject *entry;

		g_assert_cmpint(ctl_run(&out, NULL, "--json", "history", APP_ID, NULL), ==, 0);
		object = parse_json(parser, out);
		g_assert_cmpstr(json_object_get_string_member(object, "app_id"), ==, APP_ID);
		history = json_object_get_array_member(object, "history");
		g_assert_cmpuint(json_array_get_length(history), ==, 1);
		entry = json_array_get_object_element(history, 0);
		g_assert_cmpstr(json_object_get_string_member(entry, "operation"), ==, "install");
		g_assert_cmpstr(json_object_get_string_member(entry, "from"), ==, "");
		g_assert_cmpstr(json_object_get_string_member(entry, "to"), ==, "1.0");
		g_assert_cmpstr(json_object_get_string_member(entry, "result"), ==, "installed");
		g_assert_cmpint(json_object_get_int_member(entry, "time"), >, 0);
	}

	/* errors: exit 1, one line, the daemon's message */
	{
		const gchar *const commands[] = {"status",  "check",	"download",
						 "install", "rollback", "history"};
		for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
			g_autofree gchar *out = NULL;
			g_autofree gchar *err = NULL;

			g_assert_cmpint(ctl_run(&out, &err, commands[i], "org.example.Nope", NULL),
					==, 1);
			g_assert_cmpstr(out, ==, "");
			assert_one_error_line(err);
			g_assert_nonnull(strstr(err, "no application org.example.Nope is "
						     "registered"));
		}
	}
	{
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;

		g_assert_cmpint(ctl_run(&out, &err, "rollback", APP_ID, NULL), ==, 1);
		assert_one_error_line(err);
		g_assert_nonnull(strstr(err, "nothing to roll back to"));
		WAIT_FOR(g_strcmp0(upd_dbus_updater1_app_get_state(app), "error") == 0, TIMEOUT_MS,
			 "the failed rollback did not show as State error");
	}
	{
		g_autofree gchar *err = NULL;
		g_assert_cmpint(ctl_run(NULL, &err, "install", NULL), ==, 2);
		g_assert_true(g_str_has_prefix(err, "updaterctl: "));
	}
}

/* no daemon on the bus and none to activate: a clear error */
static void
test_ctl_no_daemon(Fixture *f, gconstpointer user_data)
{
	const gchar *const commands[] = {"apps", "status", "monitor"};

	for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;

		g_assert_cmpint(ctl_run(&out, &err, commands[i], NULL), ==, 1);
		g_assert_cmpstr(out, ==, "");
		assert_one_error_line(err);
		g_assert_nonnull(strstr(err, "updater-service does not run"));
		g_assert_nonnull(strstr(err, "--config"));
	}
	{
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;

		g_assert_cmpint(ctl_run(&out, &err, "install", APP_ID, NULL), ==, 1);
		assert_one_error_line(err);
		g_assert_nonnull(strstr(err, "--config"));
	}
}

/* with a service file, the first call starts the daemon, which exits again
 * when idle */
static void
test_ctl_activation(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *log = g_build_filename(f->dir, "activated.log", NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;

	g_assert_null(f->owner);
	g_assert_cmpint(ctl_run(&out, &err, "apps", NULL), ==, 0);
	g_assert_cmpstr(out, ==,
			"No application is registered; add one with “updaterctl register "
			"FILE”.\n");
	g_assert_cmpstr(err, ==, "");
	g_assert_true(file_contains(log, "running as " UPD_DBUS_NAME));
	/* the daemon leaves again after --idle-timeout */
	WAIT_FOR(file_contains(log, "nothing to do for 2 s, exiting"), TIMEOUT_MS,
		 "the activated daemon did not exit when idle");
	WAIT_FOR(f->owner == NULL, TIMEOUT_MS, "the activated daemon stayed on the bus");
}

int
main(int argc, char **argv)
{
	/* failed assertions abort, g_error() traps (a sanitizer's own handlers
	 * stay for the rest) */
	const int fatal_signals[] = {SIGABRT, SIGTRAP};

	upd_test_init(&argc, &argv);
	/* the registered D-Bus error names map to UPD_ERROR here too */
	(void)UPD_ERROR;
	for (guint i = 0; i < G_N_ELEMENTS(fatal_signals); i++)
		signal(fatal_signals[i], crash_handler);
	/* nothing of the machine's: no system bus (logind's shutdown inhibitor,
	 * power profiles), and a network monitor that always says "online", so
	 * that scheduled checks do not depend on the machine's routes */
	g_setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/system_bus_socket", TRUE);
	g_setenv("GIO_USE_NETWORK_MONITOR", "base", TRUE);
	/* and none of the user's settings (proxies) through dconf */
	g_setenv("GSETTINGS_BACKEND", "memory", TRUE);
	g_setenv("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

	g_test_add("/updater-service/register", Fixture, NULL, fixture_setup, test_register,
		   fixture_teardown);
	g_test_add("/updater-service/check-download-install", Fixture, NULL, fixture_setup,
		   test_check_download_install, fixture_teardown);
	g_test_add("/updater-service/rollback", Fixture, NULL, fixture_setup, test_rollback,
		   fixture_teardown);
	g_test_add("/updater-service/errors", Fixture, NULL, fixture_setup, test_errors,
		   fixture_teardown);
	g_test_add("/updater-service/kill-resume", Fixture, NULL, fixture_setup, test_kill_resume,
		   fixture_teardown);
	g_test_add("/updater-service/concurrent-install", Fixture, NULL, fixture_setup,
		   test_concurrent_install, fixture_teardown);
	g_test_add("/updater-service/hot-swap", Fixture, NULL, fixture_setup, test_hot_swap,
		   fixture_teardown);
	g_test_add("/updater-service/swap/scripted-host", Fixture, NULL, fixture_setup,
		   test_swap_scripted_host, fixture_teardown);
	g_test_add("/updater-service/stop-while-busy", Fixture, NULL, fixture_setup,
		   test_stop_while_busy, fixture_teardown);
	g_test_add("/updater-service/apps-d", Fixture, NULL, fixture_setup, test_apps_d,
		   fixture_teardown);
	g_test_add("/updater-service/reregister-while-installing", Fixture, NULL, fixture_setup,
		   test_reregister_while_installing, fixture_teardown);
	g_test_add("/updater-service/idle/no-wakeups", Fixture, NULL, fixture_setup,
		   test_idle_no_wakeups, fixture_teardown);
	g_test_add("/updater-service/idle/exit", Fixture, NULL, fixture_setup, test_idle_exit,
		   fixture_teardown);
	g_test_add("/updater-service/restart", Fixture, NULL, fixture_setup, test_restart,
		   fixture_teardown);
	g_test_add("/updater-service/ctl/monitor", Fixture, NULL, fixture_setup, test_monitor,
		   fixture_teardown);
	g_test_add("/updater-service/ctl/commands", Fixture, NULL, fixture_setup, test_ctl,
		   fixture_teardown);
	g_test_add("/updater-service/ctl/no-daemon", Fixture, NULL, fixture_setup,
		   test_ctl_no_daemon, fixture_teardown);
	g_test_add("/updater-service/ctl/activation", Fixture, "activation", fixture_setup,
		   test_ctl_activation, fixture_teardown);
	return g_test_run();
}
