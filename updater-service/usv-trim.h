/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* gives back what an idle daemon holds but does not use: free heap pages to
 * the system, and the resident pages of its read-only file mappings (code
 * and data of the libraries, installer plugins included) to the page cache,
 * whence they fault back in when the daemon next works. Returns the bytes
 * of resident set given back (an estimate from /proc/self/statm). */
guint64
usv_trim_working_set(void);

G_END_DECLS
