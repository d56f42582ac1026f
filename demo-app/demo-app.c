/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * demo-app: a host application that serves HTTP through a hot-swappable
 * plugin. It listens on 127.0.0.1 (the socket is the host's and stays open
 * across swaps), answers GET / with whatever the "greeter" plugin says, and
 * swaps the plugin when its install directory's "current" changes:
 *
 *   demo-app --port 0 --plugin-dir INSTALLDIR/plugins [--app-id ID]
 *
 * With --app-id it registers with updater-service as the host of that
 * application's plugins: the service then waits for its swaps and rolls an
 * install back when the swap fails.
 *
 * The first line on stdout is "listening on http://127.0.0.1:PORT/"; every
 * swap adds a line "swap greeter FROM -> TO completed in N us" or "swap
 * greeter FROM -> TO failed: REASON". It uses only libupdater's public API.
 */

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "demo-greeter.h"
#include "updater.h"

typedef struct {
	UpdPluginHost *host;
	SoupServer *server;
	guint delay_ms;
	guint64 served;
	guint64 refused;
} DemoApp;

/* a request in flight: it holds the plugin version that answers it */
typedef struct {
	DemoApp *app;
	SoupServerMessage *msg; /* (owned) */
	UpdPluginHold *hold;	/* (owned) */
	gchar *answer;		/* (owned) */
} DemoRequest;

static gboolean
demo_request_reply_cb(gpointer user_data)
{
	DemoRequest *request = user_data;
	g_autofree gchar *body = g_strdup_printf("%s\n", request->answer);

	soup_server_message_set_status(request->msg, SOUP_STATUS_OK, NULL);
	soup_server_message_set_response(request->msg, "text/plain", SOUP_MEMORY_COPY, body,
					 strlen(body));
	soup_server_message_unpause(request->msg);
	/* the work is done: the version may now be swapped out */
	upd_plugin_hold_release(request->hold);
	request->app->served++;
	g_object_unref(request->msg);
	g_free(request->answer);
	g_free(request);
	return G_SOURCE_REMOVE;
}

static void
demo_app_handler(SoupServer *server,
		 SoupServerMessage *msg,
		 const char *path,
		 GHashTable *query,
		 gpointer user_data)
{
	DemoApp *app = user_data;
	const DemoGreeterInterface *iface;
	DemoRequest *request;
	UpdPluginHold *hold;

	if (soup_server_message_get_method(msg) != SOUP_METHOD_GET || g_strcmp0(path, "/") != 0) {
		soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
		return;
	}
	hold = upd_plugin_host_hold(app->host, "greeter");
	if (hold == NULL) {
		app->refused++;
		soup_server_message_set_status(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
		soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_STATIC,
						 "no greeter plugin\n", 18);
		return;
	}
	/* the answer comes from the version held, whatever happens meanwhile */
	iface = upd_plugin_hold_get_interface(hold);
	request = g_new0(DemoRequest, 1);
	request->app = app;
	request->msg = g_object_ref(msg);
	request->hold = hold;
	request->answer = iface->greet(upd_plugin_hold_get_instance(hold));
	if (app->delay_ms == 0) {
		demo_request_reply_cb(request);
		return;
	}
	/* some work that spans main loop iterations, holding the version */
	soup_server_message_pause(msg);
	g_timeout_add(app->delay_ms, demo_request_reply_cb, request);
}

static void
demo_app_swap_completed_cb(UpdPluginHost *host,
			   const gchar *name,
			   const gchar *from,
			   const gchar *to,
			   gint64 duration,
			   gpointer user_data)
{
	g_print("swap %s %s -> %s completed in %" G_GINT64_FORMAT " us\n", name, from, to,
		duration);
	fflush(stdout);
}

static void
demo_app_swap_failed_cb(UpdPluginHost *host,
			const gchar *name,
			const gchar *from,
			const gchar *to,
			const GError *error,
			gpointer user_data)
{
	g_print("swap %s %s -> %s failed: %s\n", name, from != NULL ? from : "-", to,
		error->message);
	fflush(stdout);
}

static gboolean
demo_app_quit_cb(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

int
main(int argc, char **argv)
{
	g_autofree gchar *plugin_dir = NULL;
	gint port = 0;
	gint delay_ms = 0;
	gint deadline_ms = 0;
	g_autofree gchar *policy = NULL;
	g_autofree gchar *app_id = NULL;
	gboolean version = FALSE;
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	g_autoptr(UpdPluginHost) host = NULL;
	g_autoptr(SoupServer) server = NULL;
	GSList *uris;
	DemoApp app = {NULL};
	UpdSwapPolicy swap_policy = UPD_SWAP_POLICY_WAIT;
	const GOptionEntry entries[] = {
		{"port", 'p', 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1; 0 picks a free one",
		 "PORT"},
		{"plugin-dir", 'd', 0, G_OPTION_ARG_FILENAME, &plugin_dir,
		 "Directory with greeter/current -> versions/<v>/", "DIR"},
		{"delay-ms", 0, 0, G_OPTION_ARG_INT, &delay_ms,
		 "Work on each request this long, holding the plugin version", "MS"},
		{"swap-policy", 0, 0, G_OPTION_ARG_STRING, &policy,
		 "wait, force or give-up when the plugin is busy at the deadline", "POLICY"},
		{"swap-deadline-ms", 0, 0, G_OPTION_ARG_INT, &deadline_ms,
		 "How long a swap waits for an idle moment (0: for ever)", "MS"},
		{"app-id", 0, 0, G_OPTION_ARG_STRING, &app_id,
		 "Register with updater-service as the host of this application's plugins", "ID"},
		{"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the program's version", NULL},
		{NULL},
	};

	setlocale(LC_ALL, "");
	g_set_prgname("demo-app");
	context = g_option_context_new(NULL);
	g_option_context_set_summary(
		context, "A host application serving HTTP through a hot-swappable plugin.");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("demo-app: %s\n", error->message);
		return 2;
	}
	if (version) {
		g_print("demo-app %s\n", UPD_VERSION_STRING);
		return 0;
	}
	if (plugin_dir == NULL || port < 0 || port > 65535 || delay_ms < 0 || deadline_ms < 0) {
		g_printerr("demo-app: give --plugin-dir DIR (and a --port from 0 to 65535)\n");
		return 2;
	}
	if (policy != NULL) {
		if (g_strcmp0(policy, "force") == 0)
			swap_policy = UPD_SWAP_POLICY_FORCE;
		else if (g_strcmp0(policy, "give-up") == 0)
			swap_policy = UPD_SWAP_POLICY_GIVE_UP;
		else if (g_strcmp0(policy, "wait") != 0) {
			g_printerr("demo-app: --swap-policy must be wait, force or give-up\n");
			return 2;
		}
	}

	host = upd_plugin_host_new(plugin_dir);
	upd_plugin_host_require_interface(host, "greeter", DEMO_GREETER_INTERFACE,
					  DEMO_GREETER_INTERFACE_VERSION);
	upd_plugin_host_set_swap_policy(host, swap_policy, (guint)deadline_ms);
	g_signal_connect(host, "swap-completed", G_CALLBACK(demo_app_swap_completed_cb), NULL);
	g_signal_connect(host, "swap-failed", G_CALLBACK(demo_app_swap_failed_cb), NULL);
	if (!upd_plugin_host_load(host, &error)) {
		g_printerr("demo-app: %s\n", error->message);
		return 1;
	}

	/* updater-service then waits for this process to swap what it installs */
	if (app_id != NULL && !upd_plugin_host_connect_service(host, app_id, &error)) {
		g_printerr("demo-app: %s\n", error->message);
		return 1;
	}

	app.host = host;
	app.delay_ms = (guint)delay_ms;
	server = soup_server_new("server-header", "demo-app", NULL);
	app.server = server;
	soup_server_add_handler(server, NULL, demo_app_handler, &app, NULL);
	if (!soup_server_listen_local(server, (guint)port, SOUP_SERVER_LISTEN_IPV4_ONLY, &error)) {
		g_printerr("demo-app: cannot listen on port %d: %s\n", port, error->message);
		return 1;
	}
	uris = soup_server_get_uris(server);
	g_print("listening on http://127.0.0.1:%d/\n", g_uri_get_port(uris->data));
	fflush(stdout);
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);

	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, demo_app_quit_cb, loop);
	g_unix_signal_add(SIGTERM, demo_app_quit_cb, loop);
	g_main_loop_run(loop);

	soup_server_disconnect(server);
	upd_plugin_host_unload(host);
	g_printerr("demo-app: served %" G_GUINT64_FORMAT " requests, refused %" G_GUINT64_FORMAT
		   "\n",
		   app.served, app.refused);
	return 0;
}
