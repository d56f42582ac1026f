/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__UPDATER_H_INSIDE__) && !defined(UPD_COMPILATION)
#error "Only <updater.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * UPD_AVAILABLE_IN_ALL:
 *
 * Marks a symbol exported by libupdater. The library is built with hidden
 * visibility, so a public symbol without this macro fails to link.
 */
#define UPD_AVAILABLE_IN_ALL __attribute__((visibility("default")))

/**
 * UPD_NONNULL:
 *
 * Declares which arguments must not be %NULL (a programming error).
 */
#if defined(__GNUC__) && !defined(UPD_COMPILATION)
#define UPD_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#else
/* inside the library, g_return_val_if_fail() checks the same conditions */
#define UPD_NONNULL(...)
#endif

G_END_DECLS
