/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A token bucket shared by every download of one application, from any
 * thread: each reader takes what it is about to read and sleeps off the debt.
 * A rate of 0 means unlimited. */
typedef struct _UpdRateLimiter UpdRateLimiter;

UpdRateLimiter *
upd_rate_limiter_new(guint64 bytes_per_second);
UpdRateLimiter *
upd_rate_limiter_ref(UpdRateLimiter *self);
void
upd_rate_limiter_unref(UpdRateLimiter *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdRateLimiter, upd_rate_limiter_unref)

guint64
upd_rate_limiter_get_rate(UpdRateLimiter *self);
/* how much to read at once so that the bucket stays smooth */
gsize
upd_rate_limiter_get_chunk_size(UpdRateLimiter *self, gsize max);
/* accounts for @bytes just read, sleeping as long as the rate requires;
 * FALSE with G_IO_ERROR_CANCELLED when @cancellable fires meanwhile */
gboolean
upd_rate_limiter_consume(UpdRateLimiter *self,
			 gsize bytes,
			 GCancellable *cancellable,
			 GError **error);
/* sleeps @ms unless @cancellable fires first (FALSE then) */
gboolean
upd_sleep_cancellable(guint ms, GCancellable *cancellable, GError **error);

G_END_DECLS
