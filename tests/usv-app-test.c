/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "upd-dbus-private.h"
#include "upd-test-common.h"
#include "updater.h"
#include "usv-app.h"

/* In-process tests of UsvApp's schedule and policies: only the paths the
 * daemon takes on its own (the D-Bus methods have their own suite). A real
 * updater-publish makes the releases and a real updater-server serves them;
 * its request log (--verbose, on stderr, kept in a file) tells what reached
 * it. The timers are real: the first check comes one second after the start,
 * better conditions trigger a check after two. */

#define APP_ID "org.example.Sched"

/* generous: a check, a download and an install take well under a second */
#define RUN_TIMEOUT_MS 20000
/* a seconds timer fires between 0.25 s early and 0.75 s late (GLib moves it
 * to a per-process offset within the second): the 2 s of
 * USV_APP_CONDITIONS_DELAY, that, and room for a loaded machine */
#define CONDITIONS_LATEST_US (4 * G_USEC_PER_SEC)

/* ------------------------------------------------------- test monitors */

/* The real monitors follow NetworkManager, netlink and power-profiles-daemon,
 * which a test cannot drive; these two stand in for them. Their setters
 * notify the properties and, for the network, emit "network-changed" as
 * GNetworkMonitorBase does. */

static gboolean
usv_test_initable_init(GInitable *initable, GCancellable *cancellable, GError **error)
{
	return TRUE;
}

static void
usv_test_initable_iface_init(GInitableIface *iface)
{
	iface->init = usv_test_initable_init;
}

#define USV_TEST_TYPE_NETWORK (usv_test_network_get_type())
G_DECLARE_FINAL_TYPE(UsvTestNetwork, usv_test_network, USV_TEST, NETWORK, GObject)

struct _UsvTestNetwork {
	GObject parent_instance;
	gboolean available;
	gboolean metered;
};

enum {
	NETWORK_PROP_0,
	NETWORK_PROP_AVAILABLE,
	NETWORK_PROP_METERED,
	NETWORK_PROP_CONNECTIVITY,
};

static gboolean
usv_test_network_can_reach(GNetworkMonitor *monitor,
			   GSocketConnectable *connectable,
			   GCancellable *cancellable,
			   GError **error)
{
	if (!USV_TEST_NETWORK(monitor)->available) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
				    "the test network is down");
		return FALSE;
	}
	return TRUE;
}

static void
usv_test_network_iface_init(GNetworkMonitorInterface *iface)
{
	iface->can_reach = usv_test_network_can_reach;
}

G_DEFINE_TYPE_WITH_CODE(UsvTestNetwork,
			usv_test_network,
			G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(G_TYPE_INITABLE, usv_test_initable_iface_init)
				G_IMPLEMENT_INTERFACE(G_TYPE_NETWORK_MONITOR,
						      usv_test_network_iface_init))

static void
usv_test_network_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	UsvTestNetwork *self = USV_TEST_NETWORK(object);

	switch (prop_id) {
	case NETWORK_PROP_AVAILABLE:
		g_value_set_boolean(value, self->available);
		break;
	case NETWORK_PROP_METERED:
		g_value_set_boolean(value, self->metered);
		break;
	case NETWORK_PROP_CONNECTIVITY:
		g_value_set_enum(value, self->available ? G_NETWORK_CONNECTIVITY_FULL
							: G_NETWORK_CONNECTIVITY_LOCAL);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
usv_test_network_class_init(UsvTestNetworkClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->get_property = usv_test_network_get_property;
	g_object_class_override_property(object_class, NETWORK_PROP_AVAILABLE, "network-available");
	g_object_class_override_property(object_class, NETWORK_PROP_METERED, "network-metered");
	g_object_class_override_property(object_class, NETWORK_PROP_CONNECTIVITY, "connectivity");
}

static void
usv_test_network_init(UsvTestNetwork *self)
{
	self->available = TRUE;
}

/* changes the properties and notifies them; returns whether one changed */
static gboolean
usv_test_network_update(UsvTestNetwork *self, gboolean available, gboolean metered)
{
	gboolean changed = FALSE;

	g_object_freeze_notify(G_OBJECT(self));
	if (self->available != available) {
		self->available = available;
		g_object_notify(G_OBJECT(self), "network-available");
		g_object_notify(G_OBJECT(self), "connectivity");
		changed = TRUE;
	}
	if (self->metered != metered) {
		self->metered = metered;
		g_object_notify(G_OBJECT(self), "network-metered");
		changed = TRUE;
	}
	g_object_thaw_notify(G_OBJECT(self));
	return changed;
}

/* a change, as GNetworkMonitorBase reports one: the properties notify, then
 * "network-changed" */
static void
usv_test_network_set(UsvTestNetwork *self, gboolean available, gboolean metered)
{
	if (usv_test_network_update(self, available, metered))
		g_signal_emit_by_name(self, "network-changed", available);
}

/* a change as GLib's NetworkManager monitor reports one in the versions
 * whose sync_properties() only notifies (gio/gnetworkmonitornm.c before it
 * learnt to emit "network-changed" for property changes; the portal monitor
 * did the same for "metered"): no "network-changed" */
static void
usv_test_network_set_notify_only(UsvTestNetwork *self, gboolean available, gboolean metered)
{
	usv_test_network_update(self, available, metered);
}

/* the configuration changed (a route came or went) but not the properties */
static void
usv_test_network_emit_changed(UsvTestNetwork *self)
{
	g_signal_emit_by_name(self, "network-changed", self->available);
}

#define USV_TEST_TYPE_POWER (usv_test_power_get_type())
G_DECLARE_FINAL_TYPE(UsvTestPower, usv_test_power, USV_TEST, POWER, GObject)

struct _UsvTestPower {
	GObject parent_instance;
	gboolean power_saver;
};

enum {
	POWER_PROP_0,
	POWER_PROP_POWER_SAVER,
};

static void
usv_test_power_iface_init(GPowerProfileMonitorInterface *iface)
{
}

G_DEFINE_TYPE_WITH_CODE(UsvTestPower,
			usv_test_power,
			G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(G_TYPE_INITABLE, usv_test_initable_iface_init)
				G_IMPLEMENT_INTERFACE(G_TYPE_POWER_PROFILE_MONITOR,
						      usv_test_power_iface_init))

static void
usv_test_power_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	switch (prop_id) {
	case POWER_PROP_POWER_SAVER:
		g_value_set_boolean(value, USV_TEST_POWER(object)->power_saver);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
usv_test_power_class_init(UsvTestPowerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->get_property = usv_test_power_get_property;
	g_object_class_override_property(object_class, POWER_PROP_POWER_SAVER,
					 "power-saver-enabled");
}

static void
usv_test_power_init(UsvTestPower *self)
{
}

static void
usv_test_power_set(UsvTestPower *self, gboolean power_saver)
{
	if (self->power_saver == power_saver)
		return;
	self->power_saver = power_saver;
	g_object_notify(G_OBJECT(self), "power-saver-enabled");
}

/* ------------------------------------------------------------- waiting */

typedef gboolean (*Condition)(gpointer data);

static gboolean
wait_timeout_cb(gpointer user_data)
{
	gboolean *timed_out = user_data;
	*timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

static gboolean
wait_tick_cb(gpointer user_data)
{
	/* wakes the loop up: some conditions are files the server writes */
	return G_SOURCE_CONTINUE;
}

/* iterates the default main context until @condition holds; fails after
 * @timeout_ms */
static void
wait_until(Condition condition, gpointer data, guint timeout_ms, const gchar *what)
{
	gboolean timed_out = FALSE;
	guint timeout_id = g_timeout_add(timeout_ms, wait_timeout_cb, &timed_out);
	guint tick_id = g_timeout_add(50, wait_tick_cb, NULL);

	while (!condition(data) && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(tick_id);
	if (timed_out)
		g_error("timed out after %u ms waiting until %s", timeout_ms, what);
	g_source_remove(timeout_id);
}

/* runs the main loop for @ms: only to show that nothing happens meanwhile */
static void
run_for(guint ms)
{
	gboolean done = FALSE;

	g_timeout_add(ms, wait_timeout_cb, &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
}

static gint64
now_seconds(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

/* ---------------------------------------------------------------- probe */

/* one UsvApp and what the test saw of it */
typedef struct {
	UsvApp *app;		   /* (owned) */
	UpdDBusUpdater1App *iface; /* (owned) */
	GPtrArray *states;	   /* (element-type utf8): every State, in order */
	guint runs;		   /* runs ended: changes to idle or error */
	gint64 last_checking;	   /* monotonic time of the last change to checking */
} Probe;

static void
probe_state_changed_cb(UpdDBusUpdater1App *iface,
		       const gchar *state,
		       const gchar *previous,
		       gpointer user_data)
{
	Probe *probe = user_data;

	g_ptr_array_add(probe->states, g_strdup(state));
	if (g_str_equal(state, "checking"))
		probe->last_checking = g_get_monotonic_time();
	/* a run starts with "checking" and ends in one of these */
	if (g_str_equal(state, "idle") || g_str_equal(state, "error"))
		probe->runs++;
}

static Probe *
probe_start(const gchar *config_path,
	    UsvTestNetwork *network,
	    UsvTestPower *power,
	    guint first_delay)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdAppConfig) config = upd_app_config_new_from_file(config_path, &error);
	Probe *probe = g_new0(Probe, 1);

	g_assert_no_error(error);
	probe->app = usv_app_new(config, G_NETWORK_MONITOR(network),
				 power != NULL ? G_POWER_PROFILE_MONITOR(power) : NULL, 5);
	probe->iface =
		upd_dbus_object_get_updater1_app(UPD_DBUS_OBJECT(usv_app_get_object(probe->app)));
	probe->states = g_ptr_array_new_with_free_func(g_free);
	g_signal_connect(probe->iface, "state-changed", G_CALLBACK(probe_state_changed_cb), probe);
	usv_app_start(probe->app, first_delay);
	return probe;
}

static gboolean
probe_idle_cb(gpointer data)
{
	return !usv_app_is_busy(((Probe *)data)->app);
}

static void
probe_free(Probe *probe)
{
	if (probe == NULL)
		return;
	usv_app_shutdown(probe->app);
	/* a cancelled operation still returns through its callbacks */
	wait_until(probe_idle_cb, probe, RUN_TIMEOUT_MS, "the cancelled operation returned");
	g_signal_handlers_disconnect_by_data(probe->iface, probe);
	g_object_unref(probe->iface);
	g_object_unref(probe->app);
	g_ptr_array_unref(probe->states);
	g_free(probe);
}

static gboolean
probe_saw(Probe *probe, const gchar *state)
{
	for (guint i = 0; i < probe->states->len; i++) {
		if (g_str_equal(g_ptr_array_index(probe->states, i), state))
			return TRUE;
	}
	return FALSE;
}

/* whether the states seen contain @first, ... in that order (NULL-terminated) */
static gboolean
probe_saw_sequence(Probe *probe, const gchar *first, ...) G_GNUC_NULL_TERMINATED;

static gboolean
probe_saw_sequence(Probe *probe, const gchar *first, ...)
{
	const gchar *wanted = first;
	va_list args;

	va_start(args, first);
	for (guint i = 0; i < probe->states->len && wanted != NULL; i++) {
		if (g_str_equal(g_ptr_array_index(probe->states, i), wanted))
			wanted = va_arg(args, const gchar *);
	}
	va_end(args);
	return wanted == NULL;
}

static gchar *
probe_describe_states(Probe *probe)
{
	g_autoptr(GString) text = g_string_new(NULL);

	for (guint i = 0; i < probe->states->len; i++)
		g_string_append_printf(text, "%s%s", i > 0 ? " " : "",
				       (const gchar *)g_ptr_array_index(probe->states, i));
	return g_string_free(g_steal_pointer(&text), FALSE);
}

static gint64
probe_next_check(Probe *probe)
{
	return upd_dbus_updater1_app_get_next_check(probe->iface);
}

/* NextCheck is now + @interval ± 10 %; one second less if the clock ticked
 * between the scheduling and this reading */
static void
probe_assert_next_check_around(Probe *probe, guint interval)
{
	gint64 delta = probe_next_check(probe) - now_seconds();

	if (g_test_verbose())
		g_printerr("next check in %" G_GINT64_FORMAT " s (interval %u s)\n", delta,
			   interval);
	g_assert_cmpfloat((gdouble)delta, >=, interval * 0.9 - 1.0);
	g_assert_cmpfloat((gdouble)delta, <=, interval * 1.1);
}

typedef struct {
	Probe *probe;
	guint runs;
} RunsWait;

static gboolean
runs_reached_cb(gpointer data)
{
	RunsWait *wait = data;
	/* the run's last callback has returned once the app is not busy */
	return wait->probe->runs >= wait->runs && !usv_app_is_busy(wait->probe->app);
}

static void
probe_wait_runs(Probe *probe, guint runs)
{
	RunsWait wait = {probe, runs};
	g_autofree gchar *what = g_strdup_printf("%u scheduled runs ended", runs);
	wait_until(runs_reached_cb, &wait, RUN_TIMEOUT_MS, what);
}

typedef struct {
	Probe *probe;
	const gchar *version;
} InstalledWait;

static gboolean
installed_reached_cb(gpointer data)
{
	InstalledWait *wait = data;
	return g_strcmp0(upd_dbus_updater1_app_get_installed_version(wait->probe->iface),
			 wait->version) == 0 &&
	       !usv_app_is_busy(wait->probe->app);
}

static void
probe_wait_installed(Probe *probe, const gchar *version, guint timeout_ms)
{
	InstalledWait wait = {probe, version};
	g_autofree gchar *what = g_strdup_printf("InstalledVersion is %s", version);
	wait_until(installed_reached_cb, &wait, timeout_ms, what);
}

/* -------------------------------------------------------------- fixture */

typedef struct {
	gchar *dir;
	gchar *state; /* XDG_STATE_HOME of this test */
	gchar *cache; /* XDG_CACHE_HOME of this test */
	gchar *repo;
	gchar *key; /* PREFIX.secret */
	gchar *public_line;
	gchar *install;
	gchar *config;
	gchar *server_log;
	UpdTestServer *server;
	GSocket *closed; /* (nullable): bound, never listening */
	UsvTestNetwork *network;
	UsvTestPower *power;
	Probe *probe;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *prefix = NULL;

	f->dir = upd_test_mkdtemp("app");
	/* every test has its own state (schedule.ini, history) and cache */
	f->state = g_build_filename(f->dir, "state", NULL);
	f->cache = g_build_filename(f->dir, "cache", NULL);
	g_setenv("XDG_STATE_HOME", f->state, TRUE);
	g_setenv("XDG_CACHE_HOME", f->cache, TRUE);
	f->repo = g_build_filename(f->dir, "repo", NULL);
	g_assert_cmpint(g_mkdir_with_parents(f->repo, 0755), ==, 0);
	prefix = g_build_filename(f->dir, "key", NULL);
	f->public_line = upd_test_keygen(prefix);
	f->key = g_strdup_printf("%s.secret", prefix);
	f->install = g_build_filename(f->dir, "install", NULL);
	f->config = g_build_filename(f->dir, "app.conf", NULL);
	f->server_log = g_build_filename(f->dir, "server.log", NULL);
	f->network = g_object_new(USV_TEST_TYPE_NETWORK, NULL);
	f->power = g_object_new(USV_TEST_TYPE_POWER, NULL);
}

static void
fixture_teardown(Fixture *f, gconstpointer user_data)
{
	g_clear_pointer(&f->probe, probe_free);
	g_clear_pointer(&f->server, upd_test_server_stop);
	if (f->closed != NULL)
		g_socket_close(f->closed, NULL);
	g_clear_object(&f->closed);
	g_clear_object(&f->network);
	g_clear_object(&f->power);
	g_free(f->dir);
	g_free(f->state);
	g_free(f->cache);
	g_free(f->repo);
	g_free(f->key);
	g_free(f->public_line);
	g_free(f->install);
	g_free(f->config);
	g_free(f->server_log);
}

/* publishes @version of @app_id: a tar.gz with bin/app holding the version */
static void
fixture_publish(Fixture *f, const gchar *app_id, const gchar *version, gboolean mandatory)
{
	g_autofree gchar *name = g_strdup_printf("%s-%s.tar.gz", app_id, version);
	g_autofree gchar *payload = g_build_filename(f->dir, name, NULL);

	upd_test_make_tar_gz(payload, "bin/app", version, NULL);
	upd_test_publish(f->repo, f->key, app_id, version, payload,
			 mandatory ? "--mandatory" : NULL, NULL);
}

/* a server must not outlive a test that crashed */
static void
fixture_child_setup(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* like upd_test_server_start(), with every request logged to f->server_log;
 * @poll_interval: what the server suggests, NULL for nothing */
static void
fixture_start_server(Fixture *f, const gchar *poll_interval)
{
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr(GDataInputStream) data = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *line = NULL;
	const gchar *argv[] = {
		upd_test_program("UPDATER_SERVER"),
		"--repo",
		f->repo,
		"--port",
		"0",
		"--verbose",
		poll_interval != NULL ? "--poll-interval" : NULL,
		poll_interval,
		NULL,
	};

	g_assert_null(f->server);
	g_subprocess_launcher_set_stderr_file_path(launcher, f->server_log);
	g_subprocess_launcher_set_child_setup(launcher, fixture_child_setup, NULL, NULL);
	f->server = g_new0(UpdTestServer, 1);
	f->server->process = g_subprocess_launcher_spawnv(launcher, argv, &error);
	g_assert_no_error(error);
	data = g_data_input_stream_new(g_subprocess_get_stdout_pipe(f->server->process));
	line = g_data_input_stream_read_line_utf8(data, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(line);
	g_assert_true(g_str_has_prefix(line, "listening on http://127.0.0.1:"));
	f->server->url = g_strdup(line + strlen("listening on "));
}

/* requests the server logged whose line starts with @prefix ("POST /v1/check",
 * "GET /objects/") */
static guint
fixture_count_requests(Fixture *f, const gchar *prefix)
{
	g_autofree gchar *log = NULL;
	g_auto(GStrv) lines = NULL;
	guint count = 0;

	if (!g_file_get_contents(f->server_log, &log, NULL, NULL))
		return 0;
	lines = g_strsplit(log, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], prefix))
			count++;
	}
	return count;
}

typedef struct {
	Fixture *f;
	const gchar *prefix;
	guint count;
} RequestsWait;

static gboolean
requests_reached_cb(gpointer data)
{
	RequestsWait *wait = data;
	return fixture_count_requests(wait->f, wait->prefix) >= wait->count;
}

/* the server writes its log line once the response is out: the client may
 * have seen the response a moment earlier */
static void
fixture_wait_requests(Fixture *f, const gchar *prefix, guint count)
{
	RequestsWait wait = {f, prefix, count};
	g_autofree gchar *what =
		g_strdup_printf("the server logged %u requests \"%s...\"", count, prefix);
	wait_until(requests_reached_cb, &wait, 5000, what);
}

#define CHECK_REQUEST  "POST /v1/check "
#define OBJECT_REQUEST "GET /objects/"

/* an endpoint where nothing listens: a socket bound to the port keeps anyone
 * else from taking it, and refuses connections since it never listens */
static gchar *
fixture_closed_endpoint(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) bound = NULL;

	f->closed = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
				 &error);
	g_assert_no_error(error);
	g_assert_true(g_socket_bind(f->closed, address, FALSE, &error));
	g_assert_no_error(error);
	bound = g_socket_get_local_address(f->closed, &error);
	g_assert_no_error(error);
	return g_strdup_printf("http://127.0.0.1:%u/",
			       g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
}

/* writes the [Application] file of APP_ID at f->config; extra "Key=Value"
 * lines are NULL-terminated */
static void
fixture_write_config_va(Fixture *f, const gchar *endpoint, va_list args)
{
	g_autoptr(GString) text = g_string_new("[Application]\n");
	const gchar *line;

	g_string_append_printf(text, "Id=%s\nEndpoint=%s\nPublicKey=%s\nInstallDir=%s\n", APP_ID,
			       endpoint, f->public_line, f->install);
	while ((line = va_arg(args, const gchar *)) != NULL)
		g_string_append_printf(text, "%s\n", line);
	upd_test_write_file(f->config, text->str, text->len, 0644);
}

/* served by f->server */
static void
fixture_write_config(Fixture *f, ...) G_GNUC_NULL_TERMINATED;

static void
fixture_write_config(Fixture *f, ...)
{
	va_list args;

	g_assert_nonnull(f->server);
	va_start(args, f);
	fixture_write_config_va(f, f->server->url, args);
	va_end(args);
}

/* served from elsewhere */
static void
fixture_write_config_endpoint(Fixture *f, const gchar *endpoint, ...) G_GNUC_NULL_TERMINATED;

static void
fixture_write_config_endpoint(Fixture *f, const gchar *endpoint, ...)
{
	va_list args;

	va_start(args, endpoint);
	fixture_write_config_va(f, endpoint, args);
	va_end(args);
}

static void
fixture_start(Fixture *f, guint first_delay)
{
	g_assert_null(f->probe);
	f->probe = probe_start(f->config, f->network, f->power, first_delay);
}

static gchar *
fixture_schedule_path(Fixture *f)
{
	return g_build_filename(f->state, "updater", "apps", APP_ID, "schedule.ini", NULL);
}

static GKeyFile *
fixture_load_schedule(Fixture *f)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = fixture_schedule_path(f);

	g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &error);
	g_assert_no_error(error);
	return g_steal_pointer(&kf);
}

static void
fixture_write_schedule(Fixture *f, gint64 last_check, guint failures, guint suggested)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = fixture_schedule_path(f);
	g_autofree gchar *dir = g_path_get_dirname(path);

	g_key_file_set_int64(kf, "Schedule", "LastCheck", last_check);
	g_key_file_set_uint64(kf, "Schedule", "Failures", failures);
	g_key_file_set_uint64(kf, "Schedule", "SuggestedInterval", suggested);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_key_file_save_to_file(kf, path, &error);
	g_assert_no_error(error);
}

static guint64
fixture_schedule_get(Fixture *f, const gchar *key)
{
	g_autoptr(GKeyFile) kf = fixture_load_schedule(f);
	g_autoptr(GError) error = NULL;
	guint64 value = g_key_file_get_uint64(kf, "Schedule", key, &error);

	g_assert_no_error(error);
	return value;
}

/* regular files under @dir, recursively; 0 when it does not exist */
static guint
count_files(const gchar *dir)
{
	g_autoptr(GDir) handle = g_dir_open(dir, 0, NULL);
	const gchar *name;
	guint count = 0;

	if (handle == NULL)
		return 0;
	while ((name = g_dir_read_name(handle)) != NULL) {
		g_autofree gchar *path = g_build_filename(dir, name, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_DIR))
			count += count_files(path);
		else if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
			count++;
	}
	return count;
}

static guint
fixture_count_cached_objects(Fixture *f)
{
	g_autofree gchar *objects = g_build_filename(f->cache, "updater", "objects", NULL);
	return count_files(objects);
}

/* what current/bin/app holds, NULL when nothing is installed */
static gchar *
fixture_read_current(Fixture *f)
{
	g_autofree gchar *path = g_build_filename(f->install, "current", "bin", "app", NULL);
	gchar *contents = NULL;

	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return NULL;
	return contents;
}

/* history entries of APP_ID with operation install, to @version and @result */
static guint
fixture_count_history(Fixture *f, const gchar *version, const gchar *result)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdAppConfig) config = upd_app_config_new_from_file(f->config, &error);
	g_autoptr(UpdTransaction) transaction = NULL;
	g_autoptr(GVariant) history = NULL;
	guint count = 0;

	g_assert_no_error(error);
	transaction = upd_transaction_new(config);
	history = upd_transaction_get_history(transaction, &error);
	g_assert_no_error(error);
	for (gsize i = 0; i < g_variant_n_children(history); i++) {
		g_autoptr(GVariant) entry = g_variant_get_child_value(history, i);
		g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT(entry);
		const gchar *operation = NULL;
		const gchar *to = NULL;
		const gchar *outcome = NULL;

		g_variant_dict_lookup(&dict, "operation", "&s", &operation);
		g_variant_dict_lookup(&dict, "to", "&s", &to);
		g_variant_dict_lookup(&dict, "result", "&s", &outcome);
		if (g_strcmp0(operation, "install") == 0 && g_strcmp0(to, version) == 0 &&
		    g_strcmp0(outcome, result) == 0)
			count++;
	}
	return count;
}

static void
assert_no_install(Fixture *f)
{
	g_autofree gchar *current = fixture_read_current(f);

	g_assert_null(current);
	g_assert_cmpstr(upd_dbus_updater1_app_get_installed_version(f->probe->iface), ==, "");
	g_assert_false(probe_saw(f->probe, "installing"));
	g_assert_cmpuint(fixture_count_history(f, "1.0", "installed"), ==, 0);
}

/* --------------------------------------------------------------- policy */

/* auto: the scheduled run checks, downloads and installs */
static void
test_policy_auto(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *current = NULL;
	g_autofree gchar *states = NULL;

	fixture_publish(f, APP_ID, "1.0", FALSE);
	fixture_start_server(f, NULL);
	fixture_write_config(f, "Policy=auto", "PollInterval=1", NULL);
	fixture_start(f, 1);
	g_assert_cmpstr(upd_dbus_updater1_app_get_state(f->probe->iface), ==, "idle");
	g_assert_cmpstr(upd_dbus_updater1_app_get_installed_version(f->probe->iface), ==, "");

	probe_wait_installed(f->probe, "1.0", RUN_TIMEOUT_MS);
	states = probe_describe_states(f->probe);
	g_test_message("states: %s", states);
	g_assert_true(probe_saw_sequence(f->probe, "checking", "downloading", "installing", "idle",
					 NULL));
	g_assert_false(probe_saw(f->probe, "error"));
	current = fixture_read_current(f);
	g_assert_cmpstr(current, ==, "1.0");
	/* installed: nothing newer is offered */
	g_assert_cmpstr(upd_dbus_updater1_app_get_available_version(f->probe->iface), ==, "");
	g_assert_cmpstr(upd_dbus_updater1_app_get_last_error(f->probe->iface), ==, "");
	g_assert_cmpuint(fixture_count_history(f, "1.0", "installed"), ==, 1);
	fixture_wait_requests(f, CHECK_REQUEST, 1);
	fixture_wait_requests(f, OBJECT_REQUEST, 1);
	g_assert_cmpuint(fixture_count_cached_objects(f), >=, 1);
}

/* download: scheduled runs fill the cache and stop there; a mandatory
 * release is installed all the same */
static void
test_policy_download(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *current = NULL;

	fixture_publish(f, APP_ID, "1.0", FALSE);
	fixture_start_server(f, NULL);
	fixture_write_config(f, "Policy=download", "PollInterval=1", NULL);
	fixture_start(f, 1);

	/* two runs: the second one (PollInterval=1) finds the object cached */
	probe_wait_runs(f->probe, 2);
	g_assert_true(probe_saw_sequence(f->probe, "checking", "downloading", "idle", "checking",
					 "idle", NULL));
	g_assert_false(probe_saw(f->probe, "error"));
	assert_no_install(f);
	g_assert_cmpstr(upd_dbus_updater1_app_get_available_version(f->probe->iface), ==, "1.0");
	g_assert_cmpuint(fixture_count_cached_objects(f), ==, 1);
	fixture_wait_requests(f, OBJECT_REQUEST, 1);
	/* the second run found the object in the cache */
	g_assert_cmpuint(fixture_count_requests(f, OBJECT_REQUEST), ==, 1);

	/* a mandatory release does not wait for anyone */
	fixture_publish(f, APP_ID, "2.0", TRUE);
	probe_wait_installed(f->probe, "2.0", RUN_TIMEOUT_MS);
	current = fixture_read_current(f);
	g_assert_cmpstr(current, ==, "2.0");
	g_assert_cmpuint(fixture_count_history(f, "2.0", "installed"), ==, 1);
	fixture_wait_requests(f, OBJECT_REQUEST, 2);
}

/* notify: scheduled runs only check; a mandatory release is installed */
static void
test_policy_notify(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *current = NULL;

	fixture_publish(f, APP_ID, "1.0", FALSE);
	fixture_start_server(f, NULL);
	fixture_write_config(f, "Policy=notify", "PollInterval=1", NULL);
	fixture_start(f, 1);

	probe_wait_runs(f->probe, 2);
	fixture_wait_requests(f, CHECK_REQUEST, 2);
	g_assert_cmpstr(upd_dbus_updater1_app_get_available_version(f->probe->iface), ==, "1.0");
	g_assert_false(upd_dbus_updater1_app_get_mandatory(f->probe->iface));
	g_assert_false(probe_saw(f->probe, "downloading"));
	g_assert_false(probe_saw(f->probe, "error"));
	assert_no_install(f);
	g_assert_cmpuint(fixture_count_requests(f, OBJECT_REQUEST), ==, 0);
	g_assert_cmpuint(fixture_count_cached_objects(f), ==, 0);

	fixture_publish(f, APP_ID, "2.0", TRUE);
	probe_wait_installed(f->probe, "2.0", RUN_TIMEOUT_MS);
	g_assert_true(probe_saw_sequence(f->probe, "downloading", "installing", "idle", NULL));
	current = fixture_read_current(f);
	g_assert_cmpstr(current, ==, "2.0");
	fixture_wait_requests(f, OBJECT_REQUEST, 1);
}

/* manual: nothing is scheduled, nothing reaches the server */
static void
test_policy_manual(Fixture *f, gconstpointer user_data)
{
	fixture_publish(f, APP_ID, "1.0", FALSE);
	fixture_start_server(f, NULL);
	fixture_write_config(f, "Policy=manual", "PollInterval=1", NULL);
	fixture_start(f, 1);
	g_assert_cmpint(probe_next_check(f->probe), ==, 0);
	g_assert_false(usv_app_has_schedule(f->probe->app));

	/* a first check (1 s) would have come by 1.75 s, and another one since */
	run_for(3000);
	g_assert_cmpint(probe_next_check(f->probe), ==, 0);
	g_assert_cmpuint(f->probe->states->len, ==, 0);
	g_assert_cmpuint(fixture_count_requests(f, CHECK_REQUEST), ==, 0);
	g_assert_cmpuint(fixture_count_requests(f, "GET "), ==, 0);
	g_assert_cmpstr(upd_dbus_updater1_app_get_available_version(f->probe->iface), ==, "");
}

/* ----------------------------------------------------------- conditions */

static gboolean
waiting_for_network_cb(gpointer data)
{
	Probe *probe = data;
	/* the timer fired (NextCheck 0) and the app still has something to do */
	return probe_next_check(probe) == 0 && usv_app_has_schedule(probe->app);
}

static gboolean
checked_cb(gpointer data)
{
	Probe *probe = data;
	return probe->runs >= 1 && !usv_app_is_busy(probe->app);
}

/* offline: the due check waits for the network, which brings it */
static void
test_conditions_offline(Fixture *f, gconstpointer user_data)
{
	gint64 delta;
	gint64 back;

	fixture_publish(f, APP_ID, "1.0", FALSE);
	fixture_start_server(f, NULL);
	fixture_write_config(f, "Policy=notify", "PollInterval=1", NULL);
	usv_test_network_set(f->network, FALSE, FALSE);
	fixture_start(f, 1);
	delta = probe_next_check(f->probe) - now_seconds();
	g_assert_cmpint(delta, >=, 0);
	g_assert_cmpint(delta, <=, 1);

	wait_until(waiting_for_network_cb, f->probe, RUN_TIMEOUT_MS, "the check came due");
	/* long enough for two more checks at PollInterval=1 */
	run_for(2000);
	g_assert_cmpuint(f->probe->states->len, ==, 0);
	g_assert_cmpint(probe_next_check(f->probe), ==, 0);
	g_assert_true(usv_app_has_schedule(f->probe->app));
	g_assert_cmpuint(fixture_count_requests(f, CHECK_REQUEST), ==, 0);

	/* a change while still offline changes nothing */
	usv_test_network_emit_changed(f->network);
	g_assert_cmpint(probe_next_check(f->probe), ==, 0);

	back = g_get_monotonic_time();
	usv_test_network_set(f->network, TRUE, FALSE);
	delta = probe_next_check(f->probe) - now_seconds();
	g_assert_cmpint(delta, >=, 1);
	g_assert_cmpint(delta, <=, 2);
	wait_until(checked_cb, f->probe, RUN_TIMEOUT_MS, "the check after the network came back");
	g_assert_cmpint(f->probe->last_checking - back, <=, CONDITIONS_LATEST_US);
	fixture_wait_requests(f, CHECK_REQUEST, 1);
	g_assert_cmpstr(upd_dbus_updater1_app_get_available_version(f->probe->iface), ==, "1.0");
}

/* metered: the check goes ahead, the download waits for an unmetered network
 * (a long PollInterval: only the change of network can bring it) */
static void
test_conditions_metered(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *current = NULL;
	gint64 unmetered;
	gint64 delta;

	fixture_publish(f, APP_ID, "1.0", FALSE);
	fixture_start_server(f, NULL);
	fixture_write_config(f, "Policy=auto", "PollInterval=3600", "AllowMetered=false", NULL);
	usv_test_network_set(f->network, TRUE, TRUE);
	fixture_start(f, 1);

	probe_wait_runs(f->probe, 1);
	fixture_wait_requests(f, CHECK_REQUEST, 1);
	g_assert_cmpstr(upd_dbus_updater1_app_get_available_version(f->probe->iface), ==, "1.0");
	g_assert_cmpstr(upd_dbus_updater1_app_get_state(f->probe->iface), ==, "idle");
	g_assert_false(probe_saw(f->probe, "downloading"));
	assert_no_install(f);
	g_assert_cmpuint(fixture_count_requests(f, OBJECT_REQUEST), ==, 0);
	g_assert_cmpuint(fixture_count_cached_objects(f), ==, 0);
	g_assert_true(usv_app_has_schedule(f->probe->app));
	probe_assert_next_check_around(f->probe, 3600);

	/* another metered network: still waiting */
	usv_test_network_emit_changed(f->network);
	probe_assert_next_check_around(f->probe, 3600);

	unmetered = g_get_monotonic_time();
	usv_test_network_set(f->network, TRUE, FALSE);
	delta = probe_next_check(f->probe) - now_seconds();
	g_assert_cmpint(delta, >=, 1);
	g_assert_cmpint(delta, <=, 2);
	probe_wait_installed(f->probe, "1.0", RUN_TIMEOUT_MS);
	g_assert_cmpint(f->probe->last_checking - unmetered, <=, CONDITIONS_LATEST_US);
	fixture_wait_requests(f, OBJECT_REQUEST, 1);
	current = fixture_read_current(f);
	g_assert_cmpstr(current, ==, "1.0");
}

/* AllowMetered=true: a metered network does not hold anything up */
static void
test_conditions_metered_allowed(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *current = NULL;

	fixture_publish(f, APP_ID, "1.0", FALSE);
	fixture_start_server(f, NULL);
	fixture_write_config(f, "Policy=auto", "PollInterval=3600", "AllowMetered=true", NULL);
	usv_test_network_set(f->network, TRUE, TRUE);
	fixture_start(f, 1);

	probe_wait_installed(f->probe, "1.0", RUN_TIMEOUT_MS);
	/* in the first run */
	g_assert_cmpuint(f->probe->runs, ==, 1);
	g_assert_true(probe_saw_sequence(f->probe, "checking", "downloading", "installing", "idle",
					 NULL));
	current = fixture_read_current(f);
	g_assert_cmpstr(current, ==, "1.0");
	fixture_wait_requests(f, OBJECT_REQUEST, 1);
}

/* power saver: an update waits until it is off */
static void
test_conditions_power_saver(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *current = NULL;
	gint64 off;
	gint64 delta;

	fixture_publish(f, APP_ID, "1.0", FALSE);
	fixture_start_server(f, NULL);
	fixture_write_config(f, "Policy=auto", "PollInterval=3600", NULL);
	usv_test_power_set(f->power, TRUE);
	fixture_start(f, 1);

	probe_wait_runs(f->probe, 1);
	fixture_wait_requests(f, CHECK_REQUEST, 1);
	g_assert_cmpstr(upd_dbus_updater1_app_get_available_version(f->probe->iface), ==, "1.0");
	g_assert_false(probe_saw(f->probe, "downloading"));
	assert_no_install(f);
	g_assert_cmpuint(fixture_count_requests(f, OBJECT_REQUEST), ==, 0);
	g_assert_true(usv_app_has_schedule(f->probe->app));
	probe_assert_next_check_around(f->probe, 3600);

	off = g_get_monotonic_time();
	usv_test_power_set(f->power, FALSE);
	delta = probe_next_check(f->probe) - now_seconds();
	g_assert_cmpint(delta, >=, 1);
	g_assert_cmpint(delta, <=, 2);
	probe_wait_installed(f->probe, "1.0", RUN_TIMEOUT_MS);
	g_assert_cmpint(f->probe->last_checking - off, <=, CONDITIONS_LATEST_US);
	current = fixture_read_current(f);
	g_assert_cmpstr(current, ==, "1.0");
}

/* power saver: a mandatory release goes ahead at once */
static void
test_conditions_power_saver_mandatory(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *current = NULL;

	fixture_publish(f, APP_ID, "1.0", TRUE);
	fixture_start_server(f, NULL);
	fixture_write_config(f, "Policy=auto", "PollInterval=3600", NULL);
	usv_test_power_set(f->power, TRUE);
	fixture_start(f, 1);

	probe_wait_installed(f->probe, "1.0", RUN_TIMEOUT_MS);
	g_assert_cmpuint(f->probe->runs, ==, 1);
	g_assert_true(probe_saw_sequence(f->probe, "checking", "downloading", "installing", "idle",
					 NULL));
	current = fixture_read_current(f);
	g_assert_cmpstr(current, ==, "1.0");
}

/* ------------------------------------------------------------- schedule */

static gboolean
failed_cb(gpointer data)
{
	Probe *probe = data;
	return probe_saw(probe, "error") && !usv_app_is_busy(probe->app);
}

/* after a failure of its own, the app retries at 30 s, then 60 s, ..., never
 * later than the regular interval; schedule.ini carries the count over */
static void
test_schedule_back_off(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *endpoint = fixture_closed_endpoint(f);
	gint64 started = now_seconds();
	gint64 last_check;
	gint64 delta;

	fixture_write_config_endpoint(f, endpoint, "Policy=auto", "PollInterval=3600", NULL);
	fixture_start(f, 1);
	wait_until(failed_cb, f->probe, RUN_TIMEOUT_MS, "the first check failed");
	g_assert_cmpstr(upd_dbus_updater1_app_get_state(f->probe->iface), ==, "error");
	g_assert_cmpstr(upd_dbus_updater1_app_get_last_error(f->probe->iface), !=, "");
	probe_assert_next_check_around(f->probe, 30);
	g_assert_cmpuint(fixture_schedule_get(f, "Failures"), ==, 1);
	last_check = (gint64)fixture_schedule_get(f, "LastCheck");
	g_assert_cmpint(last_check, >=, started);
	g_assert_cmpint(last_check, <=, now_seconds());
	g_clear_pointer(&f->probe, probe_free);

	/* a restart soon after: the retry stays where it was, not at the first delay */
	fixture_write_schedule(f, now_seconds() - 10, 1, 0);
	fixture_start(f, 1);
	/* 30 s after the last check; the clock may tick between writing, starting
	 * and reading */
	delta = probe_next_check(f->probe) - now_seconds();
	g_assert_cmpint(delta, >=, 18);
	g_assert_cmpint(delta, <=, 20);
	g_clear_pointer(&f->probe, probe_free);

	/* the retry was due long ago: at the first delay, then 60 s */
	fixture_write_schedule(f, now_seconds() - 100, 1, 0);
	fixture_start(f, 1);
	delta = probe_next_check(f->probe) - now_seconds();
	g_assert_cmpint(delta, >=, 0);
	g_assert_cmpint(delta, <=, 1);
	wait_until(failed_cb, f->probe, RUN_TIMEOUT_MS, "the second check failed");
	probe_assert_next_check_around(f->probe, 60);
	g_assert_cmpuint(fixture_schedule_get(f, "Failures"), ==, 2);
	g_clear_pointer(&f->probe, probe_free);

	/* the sixth failure would wait 960 s: the interval (45 s) caps it */
	fixture_write_config_endpoint(f, endpoint, "Policy=auto", "PollInterval=45", NULL);
	fixture_write_schedule(f, now_seconds() - 1000, 5, 0);
	fixture_start(f, 1);
	wait_until(failed_cb, f->probe, RUN_TIMEOUT_MS, "the sixth check failed");
	probe_assert_next_check_around(f->probe, 45);
	g_assert_cmpuint(fixture_schedule_get(f, "Failures"), ==, 6);
}

/* the server suggests 7200 s, the application 60 s: the longer one wins */
static void
test_schedule_server_interval_longer(Fixture *f, gconstpointer user_data)
{
	fixture_publish(f, APP_ID, "1.0", FALSE);
	fixture_start_server(f, "7200");
	fixture_write_config(f, "Policy=notify", "PollInterval=60", NULL);
	fixture_start(f, 1);
	probe_wait_runs(f->probe, 1);
	g_assert_cmpstr(upd_dbus_updater1_app_get_state(f->probe->iface), ==, "idle");
	probe_assert_next_check_around(f->probe, 7200);
	g_assert_cmpuint(fixture_schedule_get(f, "SuggestedInterval"), ==, 7200);
	g_assert_cmpuint(fixture_schedule_get(f, "Failures"), ==, 0);
}

/* the server suggests 10 s, the application 3600 s: never more often than
 * the application's own setting */
static void
test_schedule_server_interval_shorter(Fixture *f, gconstpointer user_data)
{
	fixture_publish(f, APP_ID, "1.0", FALSE);
	fixture_start_server(f, "10");
	fixture_write_config(f, "Policy=notify", "PollInterval=3600", NULL);
	fixture_start(f, 1);
	probe_wait_runs(f->probe, 1);
	g_assert_cmpstr(upd_dbus_updater1_app_get_state(f->probe->iface), ==, "idle");
	probe_assert_next_check_around(f->probe, 3600);
	g_assert_cmpuint(fixture_schedule_get(f, "SuggestedInterval"), ==, 10);
}

#define JITTER_APPS	10
#define JITTER_INTERVAL 1000

typedef struct {
	Probe **probes;
	guint n_probes;
} ProbesWait;

static gboolean
all_checked_cb(gpointer data)
{
	ProbesWait *wait = data;

	for (guint i = 0; i < wait->n_probes; i++) {
		if (!checked_cb(wait->probes[i]))
			return FALSE;
	}
	return TRUE;
}

/* apps that checked at the same second do not all come back at the same
 * second: each picks its next check within ±10 % of the interval */
static void
test_schedule_jitter(Fixture *f, gconstpointer user_data)
{
	Probe *probes[JITTER_APPS];
	ProbesWait wait = {probes, JITTER_APPS};
	g_autoptr(GHashTable) seen = g_hash_table_new(g_int64_hash, g_int64_equal);
	gint64 deltas[JITTER_APPS];
	gint64 lowest = G_MAXINT64;
	gint64 highest = G_MININT64;
	gint64 now;

	for (guint i = 0; i < JITTER_APPS; i++) {
		g_autofree gchar *id = g_strdup_printf("%s.Jitter%u", APP_ID, i);
		fixture_publish(f, id, "1.0", FALSE);
	}
	fixture_start_server(f, NULL);
	for (guint i = 0; i < JITTER_APPS; i++) {
		g_autofree gchar *id = g_strdup_printf("%s.Jitter%u", APP_ID, i);
		g_autofree gchar *name = g_strdup_printf("%s.conf", id);
		g_autofree gchar *path = g_build_filename(f->dir, name, NULL);
		g_autofree gchar *interval = g_strdup_printf("PollInterval=%u", JITTER_INTERVAL);

		/* (returns the path again) */
		g_free(upd_test_write_config(path, id, f->server->url, f->public_line,
					     "Policy=notify", interval, NULL));
		probes[i] = probe_start(path, f->network, f->power, 1);
	}
	wait_until(all_checked_cb, &wait, RUN_TIMEOUT_MS, "every app checked once");

	now = now_seconds();
	for (guint i = 0; i < JITTER_APPS; i++) {
		g_assert_false(probe_saw(probes[i], "error"));
		deltas[i] = probe_next_check(probes[i]) - now;
		g_assert_cmpfloat((gdouble)deltas[i], >=, JITTER_INTERVAL * 0.9 - 1.0);
		g_assert_cmpfloat((gdouble)deltas[i], <=, JITTER_INTERVAL * 1.1);
		lowest = MIN(lowest, deltas[i]);
		highest = MAX(highest, deltas[i]);
		g_hash_table_add(seen, &deltas[i]);
	}
	if (g_test_verbose())
		g_printerr("next checks from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
			   " s, %u distinct\n",
			   lowest, highest, g_hash_table_size(seen));
	/* ten draws over 200 s: fewer than 3 distinct values or a spread under
	 * 20 s would take odds below 1e-8 */
	g_assert_cmpuint(g_hash_table_size(seen), >=, 3);
	g_assert_cmpint(highest - lowest, >=, 20);
	for (guint i = 0; i < JITTER_APPS; i++)
		probe_free(probes[i]);
}

/* a restarted app keeps the schedule of the one before: the next check is an
 * interval (the server's suggestion, also kept) after the last one */
static void
test_schedule_persistence(Fixture *f, gconstpointer user_data)
{
	gint64 last_check;
	gint64 delta;

	fixture_publish(f, APP_ID, "1.0", FALSE);
	fixture_start_server(f, "900");
	fixture_write_config(f, "Policy=notify", "PollInterval=600", NULL);
	fixture_start(f, 1);
	probe_wait_runs(f->probe, 1);
	probe_assert_next_check_around(f->probe, 900);
	last_check = (gint64)fixture_schedule_get(f, "LastCheck");
	g_assert_cmpint(last_check, <=, now_seconds());
	g_assert_cmpint(last_check, >=, now_seconds() - 5);
	g_assert_cmpuint(fixture_schedule_get(f, "SuggestedInterval"), ==, 900);
	g_clear_pointer(&f->probe, probe_free);
	fixture_wait_requests(f, CHECK_REQUEST, 1);

	fixture_start(f, 1);
	g_assert_cmpint(probe_next_check(f->probe), ==, last_check + 900);
	g_assert_true(usv_app_has_schedule(f->probe->app));
	/* the first delay passes without a check */
	run_for(2500);
	g_assert_cmpuint(f->probe->states->len, ==, 0);
	g_assert_cmpuint(fixture_count_requests(f, CHECK_REQUEST), ==, 1);
	g_clear_pointer(&f->probe, probe_free);

	/* a LastCheck in the future (the clock went back): an interval from now */
	fixture_write_schedule(f, now_seconds() + 100000, 0, 900);
	fixture_start(f, 1);
	delta = probe_next_check(f->probe) - now_seconds();
	g_assert_cmpint(delta, >=, 899);
	g_assert_cmpint(delta, <=, 900);
}

/* ----------------------------------------------------------- regression */

/* GLib's NetworkManager monitor (in the versions whose sync_properties()
 * only notifies) and its portal monitor report a change of availability or
 * of metering through notify:: alone, without "network-changed": what waits
 * for the network must follow the properties too */
static void
test_regression_notify_only(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *current = NULL;

	fixture_publish(f, APP_ID, "1.0", FALSE);
	fixture_start_server(f, NULL);
	fixture_write_config(f, "Policy=auto", "PollInterval=3600", "AllowMetered=false", NULL);
	usv_test_network_set(f->network, FALSE, FALSE);
	fixture_start(f, 1);
	wait_until(waiting_for_network_cb, f->probe, RUN_TIMEOUT_MS, "the check came due");

	/* back, but metered: the check follows and the install waits */
	usv_test_network_set_notify_only(f->network, TRUE, TRUE);
	wait_until(checked_cb, f->probe, 6000, "the check after the network came back");
	g_assert_false(probe_saw(f->probe, "downloading"));
	assert_no_install(f);

	usv_test_network_set_notify_only(f->network, TRUE, FALSE);
	probe_wait_installed(f->probe, "1.0", 6000);
	current = fixture_read_current(f);
	g_assert_cmpstr(current, ==, "1.0");
}

int
main(int argc, char **argv)
{
	g_autofree gchar *system_bus = NULL;

	upd_test_init(&argc, &argv);
	/* installs take a shutdown inhibitor from logind: never the real one */
	system_bus = g_strdup_printf("unix:path=%s/no-system-bus", upd_test_get_tmpdir());
	g_setenv("DBUS_SYSTEM_BUS_ADDRESS", system_bus, TRUE);

	g_test_add("/usv-app/policy/auto", Fixture, NULL, fixture_setup, test_policy_auto,
		   fixture_teardown);
	g_test_add("/usv-app/policy/download", Fixture, NULL, fixture_setup, test_policy_download,
		   fixture_teardown);
	g_test_add("/usv-app/policy/notify", Fixture, NULL, fixture_setup, test_policy_notify,
		   fixture_teardown);
	g_test_add("/usv-app/policy/manual", Fixture, NULL, fixture_setup, test_policy_manual,
		   fixture_teardown);
	g_test_add("/usv-app/conditions/offline", Fixture, NULL, fixture_setup,
		   test_conditions_offline, fixture_teardown);
	g_test_add("/usv-app/conditions/metered", Fixture, NULL, fixture_setup,
		   test_conditions_metered, fixture_teardown);
	g_test_add("/usv-app/conditions/metered-allowed", Fixture, NULL, fixture_setup,
		   test_conditions_metered_allowed, fixture_teardown);
	g_test_add("/usv-app/conditions/power-saver", Fixture, NULL, fixture_setup,
		   test_conditions_power_saver, fixture_teardown);
	g_test_add("/usv-app/conditions/power-saver-mandatory", Fixture, NULL, fixture_setup,
		   test_conditions_power_saver_mandatory, fixture_teardown);
	g_test_add("/usv-app/schedule/back-off", Fixture, NULL, fixture_setup,
		   test_schedule_back_off, fixture_teardown);
	g_test_add("/usv-app/schedule/server-interval-longer", Fixture, NULL, fixture_setup,
		   test_schedule_server_interval_longer, fixture_teardown);
	g_test_add("/usv-app/schedule/server-interval-shorter", Fixture, NULL, fixture_setup,
		   test_schedule_server_interval_shorter, fixture_teardown);
	g_test_add("/usv-app/schedule/jitter", Fixture, NULL, fixture_setup, test_schedule_jitter,
		   fixture_teardown);
	g_test_add("/usv-app/schedule/persistence", Fixture, NULL, fixture_setup,
		   test_schedule_persistence, fixture_teardown);
	/* last: it fails until usv-app.c follows the monitors' properties */
	g_test_add("/usv-app/regression/notify-only", Fixture, NULL, fixture_setup,
		   test_regression_notify_only, fixture_teardown);
	return g_test_run();
}
