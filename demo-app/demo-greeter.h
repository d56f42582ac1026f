/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The application interface between demo-app and its "greeter" plugin: what
 * the host calls on the plugin instance it holds. */

#define DEMO_GREETER_INTERFACE	       "org.libupdater.Demo.Greeter"
#define DEMO_GREETER_INTERFACE_VERSION 1

typedef struct {
	/* the answer to the next request; the instance counts requests, and the
	 * count survives swaps as the plugin's state */
	gchar *(*greet)(gpointer instance);
	/* how many requests were answered so far */
	guint64 (*get_count)(gpointer instance);
} DemoGreeterInterface;

G_END_DECLS
