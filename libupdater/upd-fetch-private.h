/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "upd-pb-private.h"
#include "upd-rate-limiter-private.h"

G_BEGIN_DECLS

/* Counters shared by the fetches of one download, read by the progress
 * reporter on the main thread. */
typedef struct _UpdFetchCounters UpdFetchCounters;
struct _UpdFetchCounters {
	GMutex lock;
	guint64 done;	 /* stored bytes present in the cache, resumed ones included */
	guint64 network; /* bytes received from servers */
	/* (nullable): gets every change too, so that one fetch's share of the
	 * download's figures can be told apart (and taken back) */
	UpdFetchCounters *parent;
};

typedef struct {
	guint max_attempts;   /* attempts per URL without progress */
	guint retry_delay_ms; /* first back-off delay, doubled per failure */
	guint max_delay_ms;
} UpdFetchPolicy;

/* Fetches one object into the cache, synchronously (call it from a worker
 * thread with a session of that thread):
 *
 *   - the stored bytes are appended to "<cache>/<aa>/<hex>.partial" as they
 *     arrive; the SHA-256 of the stored and of the uncompressed bytes are
 *     computed on the fly, and zstd objects are decompressed on the fly into
 *     "<hex>.tmp";
 *   - a partial left by a dropped connection, a cancellation or a killed
 *     process is resumed with Range (and If-Range with the ETag of the same
 *     server); a server that answers 200 instead of 206 restarts the object;
 *   - never more bytes than the manifest declares are accepted, stored or
 *     decompressed;
 *   - the final name "<hex>" appears only after both digests matched (fsync,
 *     rename); a mismatch removes the partial and tries the next URL;
 *   - connection errors, 5xx answers and stalls are retried with exponential
 *     back-off and jitter; 4xx answers and bad data move to the next URL.
 *
 * @base_urls are tried in order. Returns FALSE with an UPD_ERROR. */
gboolean
upd_fetch_object(const Updater__Object *object,
		 GPtrArray *base_urls,
		 SoupSession *session,
		 UpdRateLimiter *limiter,
		 const UpdFetchPolicy *policy,
		 UpdFetchCounters *counters,
		 GCancellable *cancellable,
		 GError **error);

/* Gets @object through @delta: fetches the delta (an object of its own, see
 * upd_fetch_object()) into the cache, applies it to the verified local file
 * @base_path into "<cache>/<aa>/<hex>.patched", checks the result's size and
 * SHA-256 against @object, fsyncs it and renames it to the object's final
 * cache name. The delta file is removed afterwards, and whenever it proves
 * unusable; on failure nothing of the result is left. The caller decides
 * with upd_fetch_delta_can_fall_back() whether to fetch @object whole. */
gboolean
upd_fetch_delta(const Updater__Object *object,
		const Updater__Delta *delta,
		const gchar *base_path,
		GPtrArray *base_urls,
		SoupSession *session,
		UpdRateLimiter *limiter,
		const UpdFetchPolicy *policy,
		UpdFetchCounters *counters,
		GCancellable *cancellable,
		GError **error);
/* whether fetching the whole object may succeed where the delta failed: not
 * after a cancellation, a full disk, or a network that cannot be reached */
/* the same, with the object's (or the delta's) stored bytes taken from a
 * verified pack at @offset instead of a server: checked and stored in the
 * cache the same way, counted nowhere (the pack's download was), and not
 * fsynced one by one: the caller makes them durable together (syncfs) */
gboolean
upd_fetch_object_from_pack(const Updater__Object *object,
			   int pack_fd,
			   const gchar *pack_path,
			   guint64 offset,
			   GCancellable *cancellable,
			   GError **error);
gboolean
upd_fetch_delta_from_pack(const Updater__Object *object,
			  const Updater__Delta *delta,
			  const gchar *base_path,
			  int pack_fd,
			  const gchar *pack_path,
			  guint64 offset,
			  GCancellable *cancellable,
			  GError **error);
gboolean
upd_fetch_delta_can_fall_back(const GError *error);

G_END_DECLS
