/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A module that loads fine but is no swappable plugin: it exports a symbol,
 * just not upd_swappable_plugin_query(). */

#include "config.h"

#include <gmodule.h>

G_MODULE_EXPORT int
greeter_query(void);

G_MODULE_EXPORT int
greeter_query(void)
{
	return 1;
}
