/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The demo's hot-swappable plugin. Both versions are built from this file:
 *
 *   1.0 answers "hello from greeter 1.0, request N"
 *   2.0 answers "greetings from greeter 2.0, request N"
 *
 * N, the number of requests answered, is the state handed from one version to
 * the next (format 1: a big-endian 64-bit counter). Each instance also keeps
 * a heartbeat timeout and a worker thread through the host's context, to show
 * that the host removes and joins them before it unloads the module.
 *
 * Test builds change behaviour with -DGREETER_FAIL_START (start() fails) and
 * -DGREETER_STATE_VERSION=2 (a state format that refuses format 1). */

#include "config.h"

#include <string.h>

#include "demo-greeter.h"
#include "upd-swappable-plugin.h"

#ifndef GREETER_VERSION
#error "GREETER_VERSION must be defined"
#endif
#ifndef GREETER_STATE_VERSION
#define GREETER_STATE_VERSION 1
#endif

#define GREETER_IS_V2 (g_str_has_prefix(GREETER_VERSION, "2"))

typedef struct {
	UpdPluginContext *ctx;
	guint64 count; /* requests answered; guarded by the host: greet() runs on its thread */
	guint heartbeat_id;
	guint64 beats;
	GMutex lock;
	GCond cond;
	gboolean stopping;
	gboolean worker_running;
	guint64 worker_rounds;
} Greeter;

static gboolean
greeter_heartbeat_cb(gpointer user_data)
{
	Greeter *self = user_data;
	self->beats++;
	return G_SOURCE_CONTINUE;
}

/* a thread that works until stop() asks it to return */
static void
greeter_worker(gpointer user_data)
{
	Greeter *self = user_data;
	g_mutex_lock(&self->lock);
	while (!self->stopping) {
		gint64 until = g_get_monotonic_time() + 5 * G_TIME_SPAN_MILLISECOND;
		self->worker_rounds++;
		g_cond_wait_until(&self->cond, &self->lock, until);
	}
	self->worker_running = FALSE;
	g_mutex_unlock(&self->lock);
}

static gpointer
greeter_create(UpdPluginContext *ctx, GError **error)
{
	Greeter *self = g_new0(Greeter, 1);
	self->ctx = ctx;
	g_mutex_init(&self->lock);
	g_cond_init(&self->cond);
	return self;
}

static gboolean
greeter_start(gpointer instance, GError **error)
{
	Greeter *self = instance;

#ifdef GREETER_FAIL_START
	g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "greeter " GREETER_VERSION " is built to fail");
	return FALSE;
#endif
	self->stopping = FALSE;
	self->worker_running = TRUE;
	self->heartbeat_id =
		self->ctx->funcs->add_timeout(self->ctx, 10, greeter_heartbeat_cb, self);
	if (!self->ctx->funcs->thread_new(self->ctx, "greeter-worker", greeter_worker, self, error))
		return FALSE;
	self->ctx->funcs->log(self->ctx, "started");
	return TRUE;
}

static void
greeter_stop(gpointer instance)
{
	Greeter *self = instance;

	/* the worker returns; the host joins it and removes the heartbeat */
	g_mutex_lock(&self->lock);
	self->stopping = TRUE;
	g_cond_signal(&self->cond);
	g_mutex_unlock(&self->lock);
	self->heartbeat_id = 0;
}

static GBytes *
greeter_save_state(gpointer instance, GError **error)
{
	Greeter *self = instance;
	guint64 be = GUINT64_TO_BE(self->count);
	return g_bytes_new(&be, sizeof(be));
}

static gboolean
greeter_restore_state(gpointer instance, guint32 state_version, GBytes *state, GError **error)
{
	Greeter *self = instance;
	guint64 be = 0;

	if (state_version != GREETER_STATE_VERSION) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			    "greeter " GREETER_VERSION " reads state format %u, not %u",
			    (guint)GREETER_STATE_VERSION, state_version);
		return FALSE;
	}
	if (g_bytes_get_size(state) != sizeof(be)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "greeter state has %" G_GSIZE_FORMAT " bytes, not 8",
			    g_bytes_get_size(state));
		return FALSE;
	}
	memcpy(&be, g_bytes_get_data(state, NULL), sizeof(be));
	self->count = GUINT64_FROM_BE(be);
	return TRUE;
}

static void
greeter_destroy(gpointer instance)
{
	Greeter *self = instance;
	g_mutex_clear(&self->lock);
	g_cond_clear(&self->cond);
	g_free(self);
}

static gchar *
greeter_greet(gpointer instance)
{
	Greeter *self = instance;
	self->count++;
	if (GREETER_IS_V2)
		return g_strdup_printf("greetings from greeter %s, request %" G_GUINT64_FORMAT,
				       GREETER_VERSION, self->count);
	return g_strdup_printf("hello from greeter %s, request %" G_GUINT64_FORMAT, GREETER_VERSION,
			       self->count);
}

static guint64
greeter_get_count(gpointer instance)
{
	Greeter *self = instance;
	return self->count;
}

static const DemoGreeterInterface greeter_interface = {
	.greet = greeter_greet,
	.get_count = greeter_get_count,
};

static const UpdSwappablePlugin greeter_plugin = {
	.abi_version = UPD_SWAPPABLE_PLUGIN_ABI_VERSION,
	.struct_size = sizeof(UpdSwappablePlugin),
	.name = "greeter",
	.version = GREETER_VERSION,
	.state_version = GREETER_STATE_VERSION,
	.interface_name = DEMO_GREETER_INTERFACE,
	.interface_version = DEMO_GREETER_INTERFACE_VERSION,
	.interface = &greeter_interface,
	.create = greeter_create,
	.start = greeter_start,
	.is_idle = NULL,
	.save_state = greeter_save_state,
	.restore_state = greeter_restore_state,
	.stop = greeter_stop,
	.destroy = greeter_destroy,
};

UPD_SWAPPABLE_PLUGIN_DEFINE(greeter_plugin)
