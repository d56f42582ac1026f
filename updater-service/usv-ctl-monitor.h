/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "usv-ctl.h"

G_BEGIN_DECLS

/* updaterctl monitor: one live line per application (state, progress bar)
 * on a terminal; elsewhere one line per event, or with --json one JSON
 * object per event. Runs until @cancellable is cancelled. */
int
usv_ctl_monitor_run(UsvCtlOptions *opts, GDBusConnection *bus, GCancellable *cancellable);

G_END_DECLS
