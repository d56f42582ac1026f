/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A greeter built for the next version of the swappable plugin ABI: the host
 * must refuse it from its first field on, and call nothing in it. */

#include "config.h"

#include "upd-swappable-plugin.h"

static const UpdSwappablePlugin wrong_abi_plugin = {
	.abi_version = UPD_SWAPPABLE_PLUGIN_ABI_VERSION + 1,
	.struct_size = sizeof(UpdSwappablePlugin),
	.name = "greeter",
	.version = "3.0",
	.state_version = 1,
};

UPD_SWAPPABLE_PLUGIN_DEFINE(wrong_abi_plugin)
