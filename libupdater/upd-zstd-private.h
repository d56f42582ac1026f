/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <zstd.h>

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ZSTD_CCtx, ZSTD_freeCCtx)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ZSTD_DCtx, ZSTD_freeDCtx)

G_END_DECLS
