/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * Hot reload: UpdPluginHost swapping the demo's greeter plugin.
 *
 * /stress runs the real demo-app with 8 clients calling it without a pause and
 * swaps greeter 1.0 <-> 2.0 under them (UPD_TEST_SWAPS times, 100 by default;
 * UPD_TEST_DEMO_WRAP runs demo-app under e.g. valgrind). The other tests use
 * UpdPluginHost in this process, with the greeter variants that fail at each
 * step of a swap (tests/swappable/).
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "../demo-app/demo-greeter.h"
#include "upd-file-private.h"
#include "upd-swappable-plugin.h"
#include "upd-test-common.h"
#include "updater.h"

#define PLUGIN		"greeter"
#define WAIT_TIMEOUT_MS 30000
/* a swap of demo-app, slow under valgrind */
#define SWAP_TIMEOUT_S 120
#define N_CLIENTS      8
/* requests answered between two swaps of /stress, so that every swap happens
 * with requests in flight and each version serves some */
#define REQUESTS_PER_SWAP 8

/* A plugin directory laid out as installed (greeter/current -> versions/1.0,
 * 2.0 beside it) and, for the in-process tests, a host with what it said. */
typedef struct {
	gchar *dir;  /* canonical: paths are compared with /proc/.../maps */
	gchar *slot; /* dir/greeter */
	guint n_links;
	UpdPluginHost *host;
	GPtrArray *events; /* "started 1.0 -> 2.0", "completed ...", "failed ..." */
	guint n_started;
	guint n_completed;
	guint n_failed;
	gint64 last_duration;
	GError *last_error;
} Fixture;

/* ---------------------------------------------------------------- helpers */

static gchar *
fixture_module_path(Fixture *f, const gchar *version)
{
	return g_build_filename(f->slot, "versions", version, "libgreeter.so", NULL);
}

/* versions/<version>/libgreeter.so, a copy of a built module */
static void
fixture_add_version(Fixture *f, const gchar *version, const gchar *variable)
{
	g_autofree gchar *dir = g_build_filename(f->slot, "versions", version, NULL);
	g_autofree gchar *path = fixture_module_path(f, version);
	g_autoptr(GFile) source = g_file_new_for_path(upd_test_program(variable));
	g_autoptr(GFile) dest = g_file_new_for_path(path);
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	g_file_copy(source, dest, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
	g_assert_no_error(error);
}

/* current -> versions/<version>, atomically: a new link renamed over it */
static void
fixture_set_current(Fixture *f, const gchar *version)
{
	g_autofree gchar *target = g_build_filename("versions", version, NULL);
	g_autofree gchar *tmp = g_strdup_printf("%s/.current-%u", f->slot, f->n_links++);
	g_autofree gchar *link = g_build_filename(f->slot, "current", NULL);

	g_assert_cmpint(symlink(target, tmp), ==, 0);
	g_assert_cmpint(g_rename(tmp, link), ==, 0);
}

static void
fixture_setup(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *dir = upd_test_mkdtemp("plugin-host");
	char *real = realpath(dir, NULL);

	g_assert_nonnull(real);
	f->dir = g_strdup(real);
	free(real);
	f->slot = g_build_filename(f->dir, PLUGIN, NULL);
	f->events = g_ptr_array_new_with_free_func(g_free);
	fixture_add_version(f, "1.0", "UPD_TEST_GREETER_1_0");
	fixture_add_version(f, "2.0", "UPD_TEST_GREETER_2_0");
	fixture_set_current(f, "1.0");
}

static void
fixture_teardown(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	g_clear_object(&f->host);
	g_clear_error(&f->last_error);
	g_ptr_array_unref(f->events);
	if (g_getenv("UPD_TEST_KEEP") == NULL) {
		upd_file_rm_rf(f->dir, &error);
		g_assert_no_error(error);
	}
	g_free(f->slot);
	g_free(f->dir);
}

static void
swap_started_cb(UpdPluginHost *host,
		const gchar *name,
		const gchar *from,
		const gchar *to,
		gpointer user_data)
{
	Fixture *f = user_data;
	g_assert_cmpstr(name, ==, PLUGIN);
	g_ptr_array_add(f->events, g_strdup_printf("started %s -> %s", from, to));
	f->n_started++;
}

static void
swap_completed_cb(UpdPluginHost *host,
		  const gchar *name,
		  const gchar *from,
		  const gchar *to,
		  gint64 duration,
		  gpointer user_data)
{
	Fixture *f = user_data;
	g_assert_cmpstr(name, ==, PLUGIN);
	g_ptr_array_add(f->events, g_strdup_printf("completed %s -> %s", from, to));
	f->last_duration = duration;
	f->n_completed++;
}

static void
swap_failed_cb(UpdPluginHost *host,
	       const gchar *name,
	       const gchar *from,
	       const gchar *to,
	       const GError *error,
	       gpointer user_data)
{
	Fixture *f = user_data;
	g_assert_cmpstr(name, ==, PLUGIN);
	g_assert_nonnull(error);
	g_ptr_array_add(f->events, g_strdup_printf("failed %s -> %s", from, to));
	g_clear_error(&f->last_error);
	f->last_error = g_error_copy(error);
	f->n_failed++;
}

static UpdPluginHost *
host_new_for(Fixture *f, const gchar *dir)
{
	UpdPluginHost *host = upd_plugin_host_new(dir);
	upd_plugin_host_require_interface(host, PLUGIN, DEMO_GREETER_INTERFACE,
					  DEMO_GREETER_INTERFACE_VERSION);
	g_signal_connect(host, "swap-started", G_CALLBACK(swap_started_cb), f);
	g_signal_connect(host, "swap-completed", G_CALLBACK(swap_completed_cb), f);
	g_signal_connect(host, "swap-failed", G_CALLBACK(swap_failed_cb), f);
	return host;
}

static void
fixture_load(Fixture *f)
{
	g_autoptr(GError) error = NULL;

	if (f->host == NULL)
		f->host = host_new_for(f, f->dir);
	g_assert_true(upd_plugin_host_load(f->host, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(upd_plugin_host_get_version(f->host, PLUGIN), ==, "1.0");
}

static void
fixture_assert_events(Fixture *f, ...) G_GNUC_NULL_TERMINATED;

/* the host said exactly these things, in this order */
static void
fixture_assert_events(Fixture *f, ...)
{
	const gchar *expected;
	va_list args;
	guint i = 0;

	va_start(args, f);
	while ((expected = va_arg(args, const gchar *)) != NULL) {
		g_assert_cmpuint(i, <, f->events->len);
		g_assert_cmpstr(g_ptr_array_index(f->events, i), ==, expected);
		i++;
	}
	va_end(args);
	g_assert_cmpuint(i, ==, f->events->len);
}

static gchar *
expected_answer(const gchar *version, guint64 n)
{
	if (g_str_has_prefix(version, "2"))
		return g_strdup_printf("greetings from greeter %s, request %" G_GUINT64_FORMAT,
				       version, n);
	return g_strdup_printf("hello from greeter %s, request %" G_GUINT64_FORMAT, version, n);
}

/* one request through a hold of its own, as demo-app serves one */
static void
fixture_assert_greets(Fixture *f, const gchar *version, guint64 n)
{
	g_autoptr(UpdPluginHold) hold = upd_plugin_host_hold(f->host, PLUGIN);
	g_autofree gchar *expected = expected_answer(version, n);
	g_autofree gchar *answer = NULL;
	const DemoGreeterInterface *iface;

	g_assert_nonnull(hold);
	g_assert_cmpstr(upd_plugin_hold_get_version(hold), ==, version);
	iface = upd_plugin_hold_get_interface(hold);
	answer = iface->greet(upd_plugin_hold_get_instance(hold));
	g_assert_cmpstr(answer, ==, expected);
	g_assert_cmpuint(iface->get_count(upd_plugin_hold_get_instance(hold)), ==, n);
}

static gboolean
timeout_flag_cb(gpointer user_data)
{
	gboolean *flag = user_data;
	*flag = TRUE;
	return G_SOURCE_REMOVE;
}

/* iterates the main context for @ms: file monitor events, heartbeats, swaps */
static void
run_loop_for(guint ms)
{
	gboolean done = FALSE;

	g_timeout_add(ms, timeout_flag_cb, &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
}

/* iterates until *count reaches @target, failing after WAIT_TIMEOUT_MS */
static void
wait_for_count(guint *count, guint target, const gchar *what)
{
	gboolean timed_out = FALSE;
	guint id = g_timeout_add(WAIT_TIMEOUT_MS, timeout_flag_cb, &timed_out);

	while (*count < target && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!timed_out)
		g_source_remove(id);
	if (*count < target)
		g_error("waited %u ms for %u %s, saw %u", WAIT_TIMEOUT_MS, target, what, *count);
}

static gboolean
process_maps(const gchar *pid, const gchar *path)
{
	g_autofree gchar *maps_path = g_strdup_printf("/proc/%s/maps", pid);
	g_autofree gchar *maps = NULL;
	g_autoptr(GError) error = NULL;

	g_file_get_contents(maps_path, &maps, NULL, &error);
	g_assert_no_error(error);
	return strstr(maps, path) != NULL;
}

static void
assert_mapped(Fixture *f, const gchar *version, gboolean mapped)
{
	g_autofree gchar *path = fixture_module_path(f, version);
	if (process_maps("self", path) != mapped)
		g_error("%s is %s", path, mapped ? "not mapped" : "still mapped");
}

static guint
count_entries(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	guint count = 0;

	g_assert_nonnull(dir);
	while (g_dir_read_name(dir) != NULL)
		count++;
	return count;
}

/* ----------------------------------------------------------------- stress */

typedef struct {
	guint64 n;
	guint version; /* 1 or 2 */
} StressAnswer;

typedef struct {
	GMutex lock;
	GCond cond;
	guint answers; /* guarded by lock */
	gboolean stop; /* guarded by lock */
	const gchar *url;
} StressRun;

typedef struct {
	StressRun *run;
	GThread *thread;
	GArray *answers; /* (element-type StressAnswer) */
	guint failures;
	gchar *first_failure;
} StressClient;

/* "hello from greeter 1.0, request N\n" or "greetings from greeter 2.0,
 * request N\n", nothing else: the format says which version answered */
static gboolean
stress_parse_answer(GBytes *body, StressAnswer *answer)
{
	gsize len = 0;
	const gchar *data = g_bytes_get_data(body, &len);
	g_autofree gchar *text = g_strndup(data, len);
	const gchar *number;

	if (strlen(text) != len || !g_str_has_suffix(text, "\n"))
		return FALSE;
	text[len - 1] = '\0';
	if (g_str_has_prefix(text, "hello from greeter 1.0, request ")) {
		answer->version = 1;
		number = text + strlen("hello from greeter 1.0, request ");
	} else if (g_str_has_prefix(text, "greetings from greeter 2.0, request ")) {
		answer->version = 2;
		number = text + strlen("greetings from greeter 2.0, request ");
	} else {
		return FALSE;
	}
	return g_ascii_string_to_unsigned(number, 10, 1, G_MAXUINT64, &answer->n, NULL);
}

/* GET / in a loop until told to stop, with a synchronous session of its own */
static gpointer
stress_client_thread(gpointer user_data)
{
	StressClient *client = user_data;
	StressRun *run = client->run;
	g_autoptr(GProxyResolver) no_proxy = g_simple_proxy_resolver_new(NULL, NULL);
	g_autoptr(SoupSession) session = soup_session_new_with_options(
		"timeout", SWAP_TIMEOUT_S, "proxy-resolver", no_proxy, NULL);
	gboolean stop = FALSE;

	while (!stop) {
		g_autoptr(SoupMessage) msg = soup_message_new("GET", run->url);
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) body = soup_session_send_and_read(session, msg, NULL, &error);
		StressAnswer answer = {0};

		if (body != NULL && soup_message_get_status(msg) == SOUP_STATUS_OK &&
		    stress_parse_answer(body, &answer)) {
			g_array_append_val(client->answers, answer);
		} else {
			client->failures++;
			if (client->first_failure == NULL)
				client->first_failure = g_strdup_printf(
					"HTTP %u, %s: %.*s", soup_message_get_status(msg),
					error != NULL ? error->message : "no error",
					body != NULL ? (int)g_bytes_get_size(body) : 0,
					body != NULL ? (const gchar *)g_bytes_get_data(body, NULL)
						     : "");
		}
		g_mutex_lock(&run->lock);
		run->answers++;
		g_cond_broadcast(&run->cond);
		stop = run->stop;
		g_mutex_unlock(&run->lock);
	}
	return NULL;
}

/* waits until the clients got @target answers in all */
static void
stress_wait_answers(StressRun *run, guint target)
{
	gint64 until = g_get_monotonic_time() + SWAP_TIMEOUT_S * G_TIME_SPAN_SECOND;
	guint answers;

	g_mutex_lock(&run->lock);
	while (run->answers < target && g_cond_wait_until(&run->cond, &run->lock, until))
		;
	answers = run->answers;
	g_mutex_unlock(&run->lock);
	if (answers < target)
		g_error("the clients got %u answers, waited for %u", answers, target);
}

/* demo-app's stdout, line by line, into a queue; "" at the end */
typedef struct {
	GDataInputStream *data;
	GAsyncQueue *lines;
} StressReader;

static gpointer
stress_reader_thread(gpointer user_data)
{
	StressReader *reader = user_data;
	gchar *line;

	while ((line = g_data_input_stream_read_line_utf8(reader->data, NULL, NULL, NULL)) !=
	       NULL) {
		if (g_test_verbose())
			g_printerr("demo-app: %s\n", line);
		g_async_queue_push(reader->lines, line);
	}
	g_async_queue_push(reader->lines, g_strdup(""));
	return NULL;
}

static void
stress_child_setup(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static gint
compare_int64(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *)a;
	gint64 y = *(const gint64 *)b;
	return x < y ? -1 : x > y;
}

/* the nearest-rank percentile @p of an array of gint64, sorted on the way */
static gint64
percentile(GArray *values, guint p)
{
	guint rank = (values->len * p + 99) / 100;

	g_assert_cmpuint(values->len, >, 0);
	g_array_sort(values, compare_int64);
	return g_array_index(values, gint64, MAX(rank, 1) - 1);
}

static void
test_stress(Fixture *f, gconstpointer user_data)
{
	const gchar *swaps_env = g_getenv("UPD_TEST_SWAPS");
	const gchar *wrap = g_getenv("UPD_TEST_DEMO_WRAP");
	guint n_swaps = swaps_env != NULL ? (guint)g_ascii_strtoull(swaps_env, NULL, 10) : 100;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) process = NULL;
	g_autoptr(GDataInputStream) data = NULL;
	g_autoptr(GAsyncQueue) lines = g_async_queue_new_full(g_free);
	g_autoptr(GArray) durations = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autoptr(GArray) latencies = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autoptr(GError) error = NULL;
	g_autofree gchar *log_path = g_build_filename(f->dir, "demo-app.log", NULL);
	g_autofree gchar *log = NULL;
	g_autofree gchar *first = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *final_path = NULL;
	g_autofree gchar *other_path = NULL;
	g_autofree guint8 *seen = NULL;
	g_auto(GStrv) log_lines = NULL;
	StressClient clients[N_CLIENTS];
	StressRun run = {0};
	StressReader reader;
	GThread *reader_thread;
	const gchar *pid;
	const gchar *exit_line = NULL;
	guint64 served = G_MAXUINT64;
	guint64 refused = G_MAXUINT64;
	guint64 total = 0;
	guint transitions = 0;
	guint last_version = 0;
	gint64 started = g_get_monotonic_time();
	gint64 elapsed;

	g_assert_cmpuint(n_swaps, >, 0);
	if (wrap != NULL && wrap[0] != '\0') {
		g_auto(GStrv) wrap_argv = NULL;
		g_shell_parse_argv(wrap, NULL, &wrap_argv, &error);
		g_assert_no_error(error);
		for (guint i = 0; wrap_argv[i] != NULL; i++)
			g_ptr_array_add(argv, g_strdup(wrap_argv[i]));
	}
	g_ptr_array_add(argv, g_strdup(upd_test_program("DEMO_APP")));
	g_ptr_array_add(argv, g_strdup("--port"));
	g_ptr_array_add(argv, g_strdup("0"));
	g_ptr_array_add(argv, g_strdup("--plugin-dir"));
	g_ptr_array_add(argv, g_strdup(f->dir));
	g_ptr_array_add(argv, g_strdup("--delay-ms"));
	g_ptr_array_add(argv, g_strdup("2"));
	g_ptr_array_add(argv, NULL);

	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_subprocess_launcher_set_stderr_file_path(launcher, log_path);
	g_subprocess_launcher_set_child_setup(launcher, stress_child_setup, NULL, NULL);
	process = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	g_assert_no_error(error);
	pid = g_subprocess_get_identifier(process);
	data = g_data_input_stream_new(g_subprocess_get_stdout_pipe(process));
	first = g_data_input_stream_read_line_utf8(data, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(first);
	g_assert_true(g_str_has_prefix(first, "listening on http://127.0.0.1:"));
	url = g_strdup(first + strlen("listening on "));
	reader.data = data;
	reader.lines = lines;
	reader_thread = g_thread_new("demo-app-stdout", stress_reader_thread, &reader);

	g_mutex_init(&run.lock);
	g_cond_init(&run.cond);
	run.url = url;
	for (guint i = 0; i < N_CLIENTS; i++) {
		g_autofree gchar *name = g_strdup_printf("client-%u", i);
		clients[i].run = &run;
		clients[i].answers = g_array_new(FALSE, FALSE, sizeof(StressAnswer));
		clients[i].failures = 0;
		clients[i].first_failure = NULL;
		clients[i].thread = g_thread_new(name, stress_client_thread, &clients[i]);
	}
	stress_wait_answers(&run, 2 * N_CLIENTS);

	/* 1.0 -> 2.0 -> 1.0 ..., each swap awaited before the next, under load */
	for (guint i = 0; i < n_swaps; i++) {
		const gchar *from = i % 2 == 0 ? "1.0" : "2.0";
		const gchar *to = i % 2 == 0 ? "2.0" : "1.0";
		g_autofree gchar *prefix =
			g_strdup_printf("swap greeter %s -> %s completed in ", from, to);
		g_autofree gchar *line = NULL;
		gint64 duration = -1;
		gint64 switched;
		gint64 latency;
		guint answers;

		fixture_set_current(f, to);
		switched = g_get_monotonic_time();
		line = g_async_queue_timeout_pop(lines, SWAP_TIMEOUT_S * G_TIME_SPAN_SECOND);
		latency = g_get_monotonic_time() - switched;
		g_array_append_val(latencies, latency);
		if (line == NULL)
			g_error("swap %u (%s -> %s): no line from demo-app in %u s", i + 1, from,
				to, SWAP_TIMEOUT_S);
		if (!g_str_has_prefix(line, prefix) || !g_str_has_suffix(line, " us"))
			g_error("swap %u (%s -> %s): demo-app said \"%s\"", i + 1, from, to, line);
		line[strlen(line) - strlen(" us")] = '\0';
		g_assert_true(g_ascii_string_to_signed(line + strlen(prefix), 10, 0, G_MAXINT64,
						       &duration, NULL));
		g_array_append_val(durations, duration);
		/* answers sent before the swap may still be on their way to the
		 * clients: wait for some more that the new version gave */
		g_mutex_lock(&run.lock);
		answers = run.answers;
		g_mutex_unlock(&run.lock);
		stress_wait_answers(&run, answers + N_CLIENTS + REQUESTS_PER_SWAP);
	}

	g_mutex_lock(&run.lock);
	run.stop = TRUE;
	g_mutex_unlock(&run.lock);
	for (guint i = 0; i < N_CLIENTS; i++)
		g_thread_join(clients[i].thread);
	elapsed = g_get_monotonic_time() - started;

	/* only the final version's module is mapped in demo-app */
	final_path = fixture_module_path(f, n_swaps % 2 == 0 ? "1.0" : "2.0");
	other_path = fixture_module_path(f, n_swaps % 2 == 0 ? "2.0" : "1.0");
	g_assert_true(process_maps(pid, final_path));
	if (process_maps(pid, other_path))
		g_error("demo-app still maps %s after %u swaps", other_path, n_swaps);

	g_subprocess_send_signal(process, SIGTERM);
	g_subprocess_wait(process, NULL, &error);
	g_assert_no_error(error);
	g_thread_join(reader_thread);
	g_file_get_contents(log_path, &log, NULL, &error);
	g_assert_no_error(error);
	log_lines = g_strsplit(log, "\n", -1);
	for (guint i = 0; log_lines[i] != NULL; i++) {
		const gchar *l = log_lines[i];
		if (g_str_has_prefix(l, "demo-app: served "))
			exit_line = l;
		/* what valgrind or the sanitizers found, if they ran */
		if (strstr(l, "ERROR SUMMARY") != NULL || strstr(l, " lost: ") != NULL ||
		    strstr(l, "Sanitizer") != NULL || strstr(l, "runtime error") != NULL)
			g_test_message("demo-app stderr: %s", l);
	}
	if (!g_subprocess_get_if_exited(process) || g_subprocess_get_exit_status(process) != 0)
		g_error("demo-app did not exit cleanly (status %d):\n%s",
			g_subprocess_get_status(process), log);
	g_assert_nonnull(exit_line);
	g_assert_cmpint(sscanf(exit_line,
			       "demo-app: served %" G_GUINT64_FORMAT
			       " requests, refused %" G_GUINT64_FORMAT,
			       &served, &refused),
			==, 2);
	g_assert_cmpuint(refused, ==, 0);

	/* nothing more on stdout: no swap failed, none happened unasked */
	for (;;) {
		g_autofree gchar *line = g_async_queue_try_pop(lines);
		g_assert_nonnull(line);
		if (line[0] == '\0')
			break;
		g_error("unexpected line from demo-app: %s", line);
	}

	/* every request answered by one version, each counter value exactly once */
	for (guint i = 0; i < N_CLIENTS; i++) {
		if (clients[i].failures > 0)
			g_error("client %u: %u failed requests, the first: %s", i,
				clients[i].failures, clients[i].first_failure);
		total += clients[i].answers->len;
	}
	g_assert_cmpuint(served, ==, total);
	seen = g_new0(guint8, total + 1);
	for (guint i = 0; i < N_CLIENTS; i++) {
		guint64 previous = 0;
		for (guint j = 0; j < clients[i].answers->len; j++) {
			StressAnswer *answer = &g_array_index(clients[i].answers, StressAnswer, j);
			if (answer->n > total)
				g_error("client %u got request %" G_GUINT64_FORMAT
					" of %" G_GUINT64_FORMAT,
					i, answer->n, total);
			if (seen[answer->n] != 0)
				g_error("request %" G_GUINT64_FORMAT " was answered twice",
					answer->n);
			if (answer->n <= previous)
				g_error("client %u got request %" G_GUINT64_FORMAT
					" after %" G_GUINT64_FORMAT,
					i, answer->n, previous);
			seen[answer->n] = (guint8)answer->version;
			previous = answer->n;
		}
	}
	/* in counter order the versions come in blocks, one per swap: the
	 * counter went on from one version to the next, never back */
	for (guint64 i = 1; i <= total; i++) {
		g_assert_cmpuint(seen[i], !=, 0);
		if (last_version != 0 && seen[i] != last_version)
			transitions++;
		last_version = seen[i];
	}
	g_assert_cmpuint(seen[1], ==, 1);
	g_assert_cmpuint(last_version, ==, n_swaps % 2 == 0 ? 1 : 2);
	g_assert_cmpuint(transitions, ==, n_swaps);

	g_assert_cmpuint(durations->len, ==, n_swaps);
	g_test_message("%" G_GUINT64_FORMAT " requests by %u clients, %u swaps in %.1f s; "
		       "served %" G_GUINT64_FORMAT ", refused %" G_GUINT64_FORMAT,
		       total, N_CLIENTS, n_swaps, elapsed / 1e6, served, refused);
	g_test_message("swap duration (stop to start): p50 %" G_GINT64_FORMAT
		       " us, p99 %" G_GINT64_FORMAT " us, max %" G_GINT64_FORMAT " us",
		       percentile(durations, 50), percentile(durations, 99),
		       percentile(durations, 100));
	g_test_message("rename of current to completed line: p50 %" G_GINT64_FORMAT
		       " us, p99 %" G_GINT64_FORMAT " us, max %" G_GINT64_FORMAT " us",
		       percentile(latencies, 50), percentile(latencies, 99),
		       percentile(latencies, 100));

	for (guint i = 0; i < N_CLIENTS; i++) {
		g_array_unref(clients[i].answers);
		g_free(clients[i].first_failure);
	}
	g_mutex_clear(&run.lock);
	g_cond_clear(&run.cond);
}

/* ------------------------------------------------------------- in-process */

static void
test_in_process(Fixture *f, gconstpointer user_data)
{
	g_autoptr(UpdPluginHold) hold = NULL;
	g_autofree gchar *answer = NULL;
	const DemoGreeterInterface *iface;

	fixture_load(f);
	fixture_assert_greets(f, "1.0", 1);
	fixture_assert_greets(f, "1.0", 2);

	/* a request in flight on 1.0 */
	hold = upd_plugin_host_hold(f->host, PLUGIN);
	g_assert_nonnull(hold);
	iface = upd_plugin_hold_get_interface(hold);
	answer = iface->greet(upd_plugin_hold_get_instance(hold));
	g_assert_cmpstr(answer, ==, "hello from greeter 1.0, request 3");

	fixture_set_current(f, "2.0");
	upd_plugin_host_check(f->host, PLUGIN);
	fixture_assert_events(f, "started 1.0 -> 2.0", NULL);
	/* not while the hold exists, however long */
	g_assert_true(upd_plugin_host_is_swap_pending(f->host, PLUGIN));
	g_assert_cmpstr(upd_plugin_host_get_version(f->host, PLUGIN), ==, "1.0");
	run_loop_for(200);
	g_assert_true(upd_plugin_host_is_swap_pending(f->host, PLUGIN));
	g_assert_cmpstr(upd_plugin_host_get_version(f->host, PLUGIN), ==, "1.0");
	g_assert_cmpuint(f->n_completed, ==, 0);
	assert_mapped(f, "1.0", TRUE);
	assert_mapped(f, "2.0", TRUE);

	/* the hold goes: the swap happens */
	g_clear_pointer(&hold, upd_plugin_hold_release);
	wait_for_count(&f->n_completed, 1, "completed swaps");
	fixture_assert_events(f, "started 1.0 -> 2.0", "completed 1.0 -> 2.0", NULL);
	g_assert_cmpint(f->last_duration, >, 0);
	g_assert_cmpint(f->last_duration, <, 10 * G_TIME_SPAN_SECOND);
	g_assert_false(upd_plugin_host_is_swap_pending(f->host, PLUGIN));
	g_assert_cmpstr(upd_plugin_host_get_version(f->host, PLUGIN), ==, "2.0");
	fixture_assert_greets(f, "2.0", 4);
	assert_mapped(f, "1.0", FALSE);
	assert_mapped(f, "2.0", TRUE);

	/* the file monitor's own look at current changes nothing */
	run_loop_for(100);
	g_assert_cmpuint(f->events->len, ==, 2);
	fixture_assert_greets(f, "2.0", 5);
}

static void
test_start_fails(Fixture *f, gconstpointer user_data)
{
	fixture_add_version(f, "3.0", "UPD_TEST_GREETER_BROKEN_START");
	fixture_load(f);
	fixture_assert_greets(f, "1.0", 1);
	fixture_assert_greets(f, "1.0", 2);

	fixture_set_current(f, "3.0");
	upd_plugin_host_check(f->host, PLUGIN);
	wait_for_count(&f->n_failed, 1, "failed swaps");
	fixture_assert_events(f, "started 1.0 -> 3.0", "failed 1.0 -> 3.0", NULL);
	g_assert_error(f->last_error, UPD_ERROR, UPD_ERROR_PLUGIN);
	g_test_message("start fails: %s", f->last_error->message);
	g_assert_nonnull(strstr(f->last_error->message, "failed to start"));
	g_assert_nonnull(strstr(f->last_error->message, "greeter 3.0 is built to fail"));
	g_assert_false(upd_plugin_host_is_swap_pending(f->host, PLUGIN));
	g_assert_cmpstr(upd_plugin_host_get_version(f->host, PLUGIN), ==, "1.0");
	/* 1.0 serves on, restarted with its counter; 3.0 is gone */
	fixture_assert_greets(f, "1.0", 3);
	assert_mapped(f, "3.0", FALSE);
	/* its heartbeat and worker run again; 3.0 is not retried by itself */
	run_loop_for(100);
	g_assert_cmpuint(f->n_started, ==, 1);
	fixture_assert_greets(f, "1.0", 4);

	/* back to 1.0: nothing pending, nothing remembered */
	fixture_set_current(f, "1.0");
	upd_plugin_host_check(f->host, PLUGIN);
	g_assert_false(upd_plugin_host_is_swap_pending(f->host, PLUGIN));
	g_assert_cmpuint(f->events->len, ==, 2);
	run_loop_for(100);
	g_assert_cmpuint(f->events->len, ==, 2);

	/* so that 3.0 is tried again when current names it again */
	fixture_set_current(f, "3.0");
	upd_plugin_host_check(f->host, PLUGIN);
	wait_for_count(&f->n_failed, 2, "failed swaps");
	g_assert_cmpuint(f->n_started, ==, 2);
	fixture_assert_greets(f, "1.0", 5);

	/* and a good version still swaps in, with the counter */
	fixture_set_current(f, "2.0");
	upd_plugin_host_check(f->host, PLUGIN);
	wait_for_count(&f->n_completed, 1, "completed swaps");
	fixture_assert_events(f, "started 1.0 -> 3.0", "failed 1.0 -> 3.0", "started 1.0 -> 3.0",
			      "failed 1.0 -> 3.0", "started 1.0 -> 2.0", "completed 1.0 -> 2.0",
			      NULL);
	fixture_assert_greets(f, "2.0", 6);
	assert_mapped(f, "1.0", FALSE);
	assert_mapped(f, "3.0", FALSE);
}

static void
test_refuses_state(Fixture *f, gconstpointer user_data)
{
	fixture_add_version(f, "3.0", "UPD_TEST_GREETER_NEW_STATE");
	fixture_load(f);
	fixture_assert_greets(f, "1.0", 1);
	fixture_assert_greets(f, "1.0", 2);

	fixture_set_current(f, "3.0");
	upd_plugin_host_check(f->host, PLUGIN);
	wait_for_count(&f->n_failed, 1, "failed swaps");
	fixture_assert_events(f, "started 1.0 -> 3.0", "failed 1.0 -> 3.0", NULL);
	g_assert_error(f->last_error, UPD_ERROR, UPD_ERROR_PLUGIN);
	g_test_message("refuses state: %s", f->last_error->message);
	g_assert_nonnull(strstr(f->last_error->message, "refused the state (format 1)"));
	g_assert_nonnull(strstr(f->last_error->message, "reads state format 2, not 1"));
	g_assert_false(upd_plugin_host_is_swap_pending(f->host, PLUGIN));
	g_assert_cmpstr(upd_plugin_host_get_version(f->host, PLUGIN), ==, "1.0");
	fixture_assert_greets(f, "1.0", 3);
	assert_mapped(f, "3.0", FALSE);
	run_loop_for(100);
	fixture_assert_greets(f, "1.0", 4);

	fixture_set_current(f, "2.0");
	upd_plugin_host_check(f->host, PLUGIN);
	wait_for_count(&f->n_completed, 1, "completed swaps");
	fixture_assert_greets(f, "2.0", 5);
}

static void
test_bad_modules(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *no_entry = NULL;
	g_autofree gchar *wrong_abi = NULL;
	g_autofree gchar *abi_text = NULL;
	g_autofree gchar *broken_dir = NULL;
	g_autoptr(UpdPluginHost) broken = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) plugins = NULL;
	Fixture other = {NULL};

	fixture_add_version(f, "3.0", "UPD_TEST_GREETER_NO_ENTRY_POINT");
	fixture_add_version(f, "3.1", "UPD_TEST_GREETER_WRONG_ABI");
	no_entry = fixture_module_path(f, "3.0");
	wrong_abi = fixture_module_path(f, "3.1");
	abi_text = g_strdup_printf("built for plugin ABI %u, this host has ABI %u",
				   UPD_SWAPPABLE_PLUGIN_ABI_VERSION + 1,
				   UPD_SWAPPABLE_PLUGIN_ABI_VERSION);
	fixture_load(f);
	fixture_assert_greets(f, "1.0", 1);

	fixture_set_current(f, "3.0");
	upd_plugin_host_check(f->host, PLUGIN);
	wait_for_count(&f->n_failed, 1, "failed swaps");
	g_assert_error(f->last_error, UPD_ERROR, UPD_ERROR_PLUGIN);
	g_test_message("no entry point: %s", f->last_error->message);
	g_assert_nonnull(strstr(f->last_error->message, no_entry));
	g_assert_nonnull(strstr(f->last_error->message, "has no upd_swappable_plugin_query()"));
	g_assert_cmpstr(upd_plugin_host_get_version(f->host, PLUGIN), ==, "1.0");
	fixture_assert_greets(f, "1.0", 2);

	fixture_set_current(f, "3.1");
	upd_plugin_host_check(f->host, PLUGIN);
	wait_for_count(&f->n_failed, 2, "failed swaps");
	g_assert_error(f->last_error, UPD_ERROR, UPD_ERROR_PLUGIN);
	g_test_message("wrong ABI: %s", f->last_error->message);
	g_assert_nonnull(strstr(f->last_error->message, wrong_abi));
	g_assert_nonnull(strstr(f->last_error->message, abi_text));
	fixture_assert_events(f, "started 1.0 -> 3.0", "failed 1.0 -> 3.0", "started 1.0 -> 3.1",
			      "failed 1.0 -> 3.1", NULL);
	g_assert_false(upd_plugin_host_is_swap_pending(f->host, PLUGIN));
	g_assert_cmpstr(upd_plugin_host_get_version(f->host, PLUGIN), ==, "1.0");
	run_loop_for(100);
	fixture_assert_greets(f, "1.0", 3);
	assert_mapped(f, "3.0", FALSE);
	assert_mapped(f, "3.1", FALSE);

	/* a directory whose only plugin is broken: loading fails, with the reason */
	broken_dir = upd_test_mkdtemp("broken-plugins");
	other.slot = g_build_filename(broken_dir, PLUGIN, NULL);
	fixture_add_version(&other, "3.0", "UPD_TEST_GREETER_NO_ENTRY_POINT");
	fixture_set_current(&other, "3.0");
	broken = host_new_for(f, broken_dir);
	g_assert_false(upd_plugin_host_load(broken, &error));
	g_assert_error(error, UPD_ERROR, UPD_ERROR_PLUGIN);
	g_test_message("load: %s", error->message);
	g_assert_nonnull(strstr(error->message, "has no upd_swappable_plugin_query()"));
	g_assert_nonnull(strstr(error->message, "libgreeter.so"));
	plugins = upd_plugin_host_get_plugins(broken);
	g_assert_cmpuint(g_strv_length(plugins), ==, 0);
	g_assert_null(upd_plugin_host_get_version(broken, PLUGIN));
	g_assert_null(upd_plugin_host_hold(broken, PLUGIN));
	g_clear_object(&broken);
	g_clear_error(&error);

	/* and one built for another ABI */
	fixture_add_version(&other, "3.1", "UPD_TEST_GREETER_WRONG_ABI");
	fixture_set_current(&other, "3.1");
	broken = host_new_for(f, broken_dir);
	g_assert_false(upd_plugin_host_load(broken, &error));
	g_assert_error(error, UPD_ERROR, UPD_ERROR_PLUGIN);
	g_test_message("load: %s", error->message);
	g_assert_nonnull(strstr(error->message, abi_text));
	g_clear_object(&broken);
	g_free(other.slot);
	g_assert_true(upd_file_rm_rf(broken_dir, NULL));
	/* the first host was not disturbed */
	fixture_assert_greets(f, "1.0", 4);
}

static gpointer
release_thread(gpointer user_data)
{
	upd_plugin_hold_release(user_data);
	return NULL;
}

static void
test_deadline(Fixture *f, gconstpointer user_data)
{
	UpdPluginHold *hold;

	/* FORCE: the swap happens at the deadline with the hold still there */
	f->host = host_new_for(f, f->dir);
	upd_plugin_host_set_swap_policy(f->host, UPD_SWAP_POLICY_FORCE, 50);
	fixture_load(f);
	fixture_assert_greets(f, "1.0", 1);
	hold = upd_plugin_host_hold(f->host, PLUGIN);
	g_assert_nonnull(hold);
	fixture_set_current(f, "2.0");
	upd_plugin_host_check(f->host, PLUGIN);
	g_assert_true(upd_plugin_host_is_swap_pending(f->host, PLUGIN));
	wait_for_count(&f->n_completed, 1, "completed swaps");
	fixture_assert_events(f, "started 1.0 -> 2.0", "completed 1.0 -> 2.0", NULL);
	g_assert_false(upd_plugin_host_is_swap_pending(f->host, PLUGIN));
	g_assert_cmpstr(upd_plugin_host_get_version(f->host, PLUGIN), ==, "2.0");
	fixture_assert_greets(f, "2.0", 2);
	/* the held version stays loaded (stopped) until its hold goes */
	g_assert_cmpstr(upd_plugin_hold_get_version(hold), ==, "1.0");
	assert_mapped(f, "1.0", TRUE);
	run_loop_for(50);
	assert_mapped(f, "1.0", TRUE);
	/* released from another thread, as holds may be */
	g_thread_join(g_thread_new("release", release_thread, hold));
	assert_mapped(f, "1.0", FALSE);
	assert_mapped(f, "2.0", TRUE);
	run_loop_for(50);
	fixture_assert_greets(f, "2.0", 3);

	/* GIVE_UP: at the deadline the swap is reported failed, nothing changes */
	upd_plugin_host_set_swap_policy(f->host, UPD_SWAP_POLICY_GIVE_UP, 50);
	hold = upd_plugin_host_hold(f->host, PLUGIN);
	g_assert_nonnull(hold);
	fixture_set_current(f, "1.0");
	upd_plugin_host_check(f->host, PLUGIN);
	g_assert_true(upd_plugin_host_is_swap_pending(f->host, PLUGIN));
	wait_for_count(&f->n_failed, 1, "failed swaps");
	fixture_assert_events(f, "started 1.0 -> 2.0", "completed 1.0 -> 2.0", "started 2.0 -> 1.0",
			      "failed 2.0 -> 1.0", NULL);
	g_assert_error(f->last_error, UPD_ERROR, UPD_ERROR_PLUGIN);
	g_test_message("give up: %s", f->last_error->message);
	g_assert_nonnull(strstr(f->last_error->message, "still busy"));
	g_assert_false(upd_plugin_host_is_swap_pending(f->host, PLUGIN));
	g_assert_cmpstr(upd_plugin_host_get_version(f->host, PLUGIN), ==, "2.0");
	assert_mapped(f, "1.0", FALSE);
	fixture_assert_greets(f, "2.0", 4);
	upd_plugin_hold_release(hold);
	run_loop_for(100);
	g_assert_cmpuint(f->n_completed, ==, 1);
	g_assert_cmpstr(upd_plugin_host_get_version(f->host, PLUGIN), ==, "2.0");

	/* "the next change of current tries again": current is replaced by a new
	 * link to 1.0, now that nothing holds 2.0 */
	fixture_set_current(f, "1.0");
	upd_plugin_host_check(f->host, PLUGIN);
	wait_for_count(&f->n_completed, 2, "completed swaps");
	g_assert_cmpstr(upd_plugin_host_get_version(f->host, PLUGIN), ==, "1.0");
	fixture_assert_greets(f, "1.0", 5);
	assert_mapped(f, "2.0", FALSE);
}

/* waits a moment for joined threads to leave /proc/self/task */
static guint
count_threads_settled(guint expected)
{
	gint64 until = g_get_monotonic_time() + 5 * G_TIME_SPAN_SECOND;
	guint threads;

	while ((threads = count_entries("/proc/self/task")) > expected &&
	       g_get_monotonic_time() < until)
		g_main_context_iteration(NULL, FALSE);
	return threads;
}

static void
test_resources(Fixture *f, gconstpointer user_data)
{
	guint fds_without_host;
	guint threads_without_host;
	guint fds;
	guint threads;
	guint64 n = 0;

	/* a host loaded and dropped first: the main context, GIO's file monitor
	 * and GLib's worker thread stay for the life of the process */
	fixture_load(f);
	g_clear_object(&f->host);
	run_loop_for(50);
	fds_without_host = count_entries("/proc/self/fd");
	threads_without_host = count_entries("/proc/self/task");

	fixture_load(f);
	fixture_set_current(f, "2.0");
	upd_plugin_host_check(f->host, PLUGIN);
	fixture_set_current(f, "1.0");
	upd_plugin_host_check(f->host, PLUGIN);
	g_assert_cmpuint(f->n_completed, ==, 2);
	run_loop_for(50);
	fds = count_entries("/proc/self/fd");
	threads = count_threads_settled(threads_without_host + 1);
	g_test_message("without the host: %u fds, %u threads; with it: %u fds, %u threads",
		       fds_without_host, threads_without_host, fds, threads);
	/* the plugin's worker thread */
	g_assert_cmpuint(threads, ==, threads_without_host + 1);

	for (guint i = 0; i < 20; i++) {
		const gchar *to = i % 2 == 0 ? "2.0" : "1.0";
		fixture_set_current(f, to);
		upd_plugin_host_check(f->host, PLUGIN);
		g_assert_cmpuint(f->n_completed, ==, 3 + i);
		g_assert_cmpstr(upd_plugin_host_get_version(f->host, PLUGIN), ==, to);
		fixture_assert_greets(f, to, ++n);
		/* let the file monitor and the heartbeats run between swaps */
		run_loop_for(10);
	}
	g_assert_cmpuint(f->n_failed, ==, 0);
	/* no heartbeat of an unloaded module may run now: it would crash */
	run_loop_for(100);
	fixture_assert_greets(f, "1.0", ++n);
	assert_mapped(f, "2.0", FALSE);
	g_test_message("after 20 swaps: %u fds, %u threads", count_entries("/proc/self/fd"),
		       count_threads_settled(threads));
	g_assert_cmpuint(count_entries("/proc/self/fd"), <=, fds);
	g_assert_cmpuint(count_threads_settled(threads), <=, threads);

	/* and the host gone, nothing of it is left */
	g_clear_object(&f->host);
	run_loop_for(100);
	g_test_message("host gone: %u fds, %u threads", count_entries("/proc/self/fd"),
		       count_threads_settled(threads_without_host));
	g_assert_cmpuint(count_entries("/proc/self/fd"), <=, fds_without_host);
	g_assert_cmpuint(count_threads_settled(threads_without_host), <=, threads_without_host);
	assert_mapped(f, "1.0", FALSE);
}

/* the host goes (the application quits) while a request still holds its
 * plugin: upd_plugin_host_unload() says the module is unloaded "after the last
 * hold on it", so the hold must be releasable afterwards */
static void
test_hold_outlives_host(Fixture *f, gconstpointer user_data)
{
	UpdPluginHold *hold;

	fixture_load(f);
	hold = upd_plugin_host_hold(f->host, PLUGIN);
	g_assert_nonnull(hold);
	upd_plugin_host_unload(f->host);
	g_assert_null(upd_plugin_host_get_version(f->host, PLUGIN));
	assert_mapped(f, "1.0", TRUE);
	g_clear_object(&f->host);
	assert_mapped(f, "1.0", TRUE);
	upd_plugin_hold_release(hold);
	assert_mapped(f, "1.0", FALSE);
	run_loop_for(50);
}

int
main(int argc, char **argv)
{
	upd_test_init(&argc, &argv);

#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)
	ADD("/libupdater/plugin-host/stress", test_stress);
	ADD("/libupdater/plugin-host/in-process", test_in_process);
	ADD("/libupdater/plugin-host/start-fails", test_start_fails);
	ADD("/libupdater/plugin-host/refuses-state", test_refuses_state);
	ADD("/libupdater/plugin-host/bad-modules", test_bad_modules);
	ADD("/libupdater/plugin-host/resources", test_resources);
	ADD("/libupdater/plugin-host/deadline", test_deadline);
	ADD("/libupdater/plugin-host/hold-outlives-host", test_hold_outlives_host);
#undef ADD
	return g_test_run();
}
