/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Serialises a GVariant as JSON: dictionaries with string keys become
 * objects, other arrays and tuples become arrays, maybe-nothing becomes null,
 * 64-bit integers stay exact. The same a{sv} values serve D-Bus and --json. */
gchar *
upd_json_from_variant(GVariant *value);
/* the same on one line, for streams of objects (JSON Lines) */
gchar *
upd_json_from_variant_line(GVariant *value);

G_END_DECLS
