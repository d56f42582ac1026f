/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The client's rollout bucket, 0..99, for one release of one application.
 * It derives from a random value kept in $XDG_STATE_HOME/updater/rollout-id
 * that never leaves the machine; the same release always gets the same
 * bucket, so widening a rollout never withdraws it from anyone. */
gboolean
upd_rollout_get_bucket(const gchar *app_id, const gchar *version, guint *bucket, GError **error);

G_END_DECLS
