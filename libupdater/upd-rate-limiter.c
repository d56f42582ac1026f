/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-rate-limiter-private.h"

struct _UpdRateLimiter {
	gint refcount;
	guint64 rate; /* bytes per second, 0: unlimited */
	GMutex lock;
	gdouble tokens; /* may go negative: a debt to sleep off */
	gint64 last;	/* monotonic time of the last refill, µs */
};

/* the bucket holds at most 100 ms of traffic: short bursts, smooth rate */
#define UPD_RATE_LIMITER_BURST_SECONDS 0.1

UpdRateLimiter *
upd_rate_limiter_new(guint64 bytes_per_second)
{
	UpdRateLimiter *self = g_new0(UpdRateLimiter, 1);
	self->refcount = 1;
	self->rate = bytes_per_second;
	g_mutex_init(&self->lock);
	self->last = g_get_monotonic_time();
	return self;
}

UpdRateLimiter *
upd_rate_limiter_ref(UpdRateLimiter *self)
{
	g_atomic_int_inc(&self->refcount);
	return self;
}

void
upd_rate_limiter_unref(UpdRateLimiter *self)
{
	if (self == NULL || !g_atomic_int_dec_and_test(&self->refcount))
		return;
	g_mutex_clear(&self->lock);
	g_free(self);
}

guint64
upd_rate_limiter_get_rate(UpdRateLimiter *self)
{
	return self->rate;
}

gsize
upd_rate_limiter_get_chunk_size(UpdRateLimiter *self, gsize max)
{
	if (self->rate == 0)
		return max;
	/* a twentieth of a second of traffic, at least 1 KiB */
	return CLAMP((gsize)(self->rate / 20), (gsize)1024, max);
}

gboolean
upd_sleep_cancellable(guint ms, GCancellable *cancellable, GError **error)
{
	GPollFD pollfd;
	gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;

	if (cancellable == NULL || !g_cancellable_make_pollfd(cancellable, &pollfd)) {
		g_usleep((gulong)ms * 1000);
		return TRUE;
	}
	for (;;) {
		gint64 left = deadline - g_get_monotonic_time();
		if (left <= 0 || g_cancellable_is_cancelled(cancellable))
			break;
		g_poll(&pollfd, 1, (gint)MAX(1, left / 1000));
	}
	g_cancellable_release_fd(cancellable);
	return !g_cancellable_set_error_if_cancelled(cancellable, error);
}

gboolean
upd_rate_limiter_consume(UpdRateLimiter *self,
			 gsize bytes,
			 GCancellable *cancellable,
			 GError **error)
{
	gdouble debt;
	gint64 now;

	if (self->rate == 0)
		return TRUE;
	g_mutex_lock(&self->lock);
	now = g_get_monotonic_time();
	self->tokens += (gdouble)(now - self->last) / G_USEC_PER_SEC * (gdouble)self->rate;
	self->tokens = MIN(self->tokens, (gdouble)self->rate * UPD_RATE_LIMITER_BURST_SECONDS);
	self->last = now;
	self->tokens -= (gdouble)bytes;
	debt = -self->tokens;
	g_mutex_unlock(&self->lock);
	if (debt <= 0)
		return TRUE;
	return upd_sleep_cancellable((guint)(debt * 1000 / (gdouble)self->rate) + 1, cancellable,
				     error);
}
