/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>

#include "usv-inhibitor.h"

/* logind answers at once; a hung one must not hold an install up */
#define USV_INHIBITOR_TIMEOUT_MS 5000

static void
usv_inhibitor_inhibit_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = G_TASK(user_data);
	g_autoptr(GError) error = NULL;
	g_autoptr(GUnixFDList) fds = NULL;
	g_autoptr(GVariant) reply = NULL;
	gint32 handle = -1;
	int fd;

	reply = g_dbus_connection_call_with_unix_fd_list_finish(G_DBUS_CONNECTION(source), &fds,
								res, &error);
	if (reply == NULL) {
		g_debug("no shutdown inhibitor: %s", error->message);
		g_task_return_int(task, -1);
		return;
	}
	g_variant_get(reply, "(h)", &handle);
	fd = fds != NULL ? g_unix_fd_list_get(fds, handle, &error) : -1;
	if (fd < 0)
		g_debug("no shutdown inhibitor: %s",
			error != NULL ? error->message : "logind sent no descriptor");
	g_task_return_int(task, fd);
}

static void
usv_inhibitor_bus_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = G_TASK(user_data);
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = g_bus_get_finish(res, &error);
	GCancellable *cancellable = g_task_get_cancellable(task);

	if (bus == NULL) {
		g_debug("no shutdown inhibitor: %s", error->message);
		g_task_return_int(task, -1);
		return;
	}
	g_dbus_connection_call_with_unix_fd_list(
		bus, "org.freedesktop.login1", "/org/freedesktop/login1",
		"org.freedesktop.login1.Manager", "Inhibit",
		g_variant_new("(ssss)", "shutdown:sleep", "updater-service",
			      (const gchar *)g_task_get_task_data(task), "delay"),
		G_VARIANT_TYPE("(h)"), G_DBUS_CALL_FLAGS_NONE, USV_INHIBITOR_TIMEOUT_MS, NULL,
		cancellable, usv_inhibitor_inhibit_cb, g_steal_pointer(&task));
}

void
usv_inhibitor_take_async(const gchar *why, GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(NULL, NULL, callback, user_data);

	g_task_set_source_tag(task, usv_inhibitor_take_async);
	g_task_set_task_data(task, g_strdup(why), g_free);
	g_bus_get(G_BUS_TYPE_SYSTEM, NULL, usv_inhibitor_bus_cb, g_steal_pointer(&task));
}

int
usv_inhibitor_take_finish(GAsyncResult *res)
{
	g_autoptr(GError) error = NULL;
	gssize fd = g_task_propagate_int(G_TASK(res), &error);
	return error != NULL ? -1 : (int)fd;
}

void
usv_inhibitor_release(int *fd)
{
	if (*fd < 0)
		return;
	g_close(*fd, NULL);
	*fd = -1;
}
