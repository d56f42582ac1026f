/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * Making UPDIFF deltas (the format is described at the top of
 * upd-delta-updiff.c, the memory the encoder takes at the top of
 * upd-delta.c).
 *
 * The encoder sorts the suffixes of the base with libdivsufsort (32-bit
 * indices: bases of 2 GiB and more are refused) and runs Colin Percival's
 * bsdiff matching loop over the target, with a suffix-array search that
 * starts from a table of two-byte prefixes, skips the prefix known to match
 * on each step of the binary search, and stops at UPDIFF_MATCH_MAX bytes; it
 * does not search inside short substitutions of the current alignment. The
 * target is matched in segments of UPDIFF_SEGMENT_SIZE bytes on all cores,
 * sharing the suffix array; the blocks are then written out in order.
 *
 * The encoder compresses every stream with zstd and, when it holds 1 to
 * UPDIFF_XZ_STREAM_MAX (8 MiB) bytes, also with xz at level 6, through
 * libarchive, and keeps the smaller (the zstd frame when they are equal).
 * LZMA codes literals and short matches better than zstd does, which tells
 * on text: postgresql-15's ru/LC_MESSAGES/postgres-15.mo, 15.18 -> 15.20,
 * has a difference stream of 78,847 bytes, 49,939 with zstd -19 and 42,668
 * with xz -6, and its delta goes from 54,151 to 46,880 bytes (bsdiff:
 * 49,870). Level 6 is the highest libarchive sets (it takes 7 to 9 as 6),
 * and its 8 MiB dictionary is what bounds the decoder; xz -9 would need 64
 * MiB. libarchive's xz writer is run with two threads: liblzma's
 * multi-threaded encoder is the one that writes the sizes in the block
 * header, and with its block size for level 6 (24 MiB) a stream of at most
 * 8 MiB is one block. The cap also bounds the time xz takes: 3 to 5 s for
 * 8 MiB of machine code on a 2-core machine (libreoffice's libmergedlo.so,
 * 70 MB, whose difference stream of 8.5 MB is above the cap, takes 0.6 s
 * more, for a delta 1.9% smaller).
 */

#include "config.h"

#include <divsufsort.h>
#include <inttypes.h>

#include "upd-delta-codec-private.h"
#include "upd-error-private.h"
#include "upd-i18n-private.h"

/* the largest base the 32-bit suffix array can index */
#define UPDIFF_BASE_SIZE_MAX ((guint64)G_MAXINT32 - 1)
/* above this base size, the bit-shifted view alone is tried for bitcode
 * (it holds the base as its first copy); below, the plain form too */
#define UPDIFF_BIT_VIEW_ONLY_ABOVE (256 * 1024)
/* a substitution of at most this many bytes, followed by this many equal
 * bytes, is taken as it is (no search inside) */
#define UPDIFF_SUBSTITUTION_MAX 8
#define UPDIFF_RESUME_LEN	32
/* matches are looked for up to this length: longer ones are found again
 * piecewise, and long runs (zeros) do not cost a full comparison per
 * position */
#define UPDIFF_MATCH_MAX 4096
/* bytes of target between two looks at the cancellable while matching */
#define UPDIFF_CANCEL_INTERVAL (1024 * 1024)
/* a target is matched in segments of this size, on all cores; a fixed size,
 * so that the delta is the same whatever the machine */
#define UPDIFF_SEGMENT_SIZE (8 * 1024 * 1024)

/* ---------------------------------------------------------------------- */
/* UPDIFF encoder */

typedef struct {
	const guint8 *base;
	gsize base_size;
	const guint8 *target;
	gsize target_size;
	saidx_t *sa; /* (owned) suffix array of the base */
	/* SA range [bucket_start[p], bucket_start[p] + bucket_len[p]) holds the
	 * suffixes starting with the two bytes p (big endian) */
	guint32 *bucket_start; /* (owned) */
	guint32 *bucket_len;   /* (owned) */
	/* the streams, in file order */
	GByteArray *streams[UPDIFF_N_STREAMS]; /* (owned) */
	gsize oldpos;			       /* where the decoder's base position is */
	gsize zero_run;			       /* zero difference bytes not coded yet */
	gboolean in_nonzero;		       /* in a run of nonzero difference bytes */
	/* matching a segment: @target is the segment, which starts at
	 * @segment_start of the whole target, and its blocks go to @blocks */
	gsize segment_start;
	GArray *blocks; /* (element-type UpdDiffBlock) */
	GError *error;	/* what stopped the matching of the segment */
} UpdDiffEncoder;

/* one block of the delta, in the whole target's positions (see
 * upd_diff_encoder_emit()) */
typedef struct {
	gsize scan;
	gsize pos;
	gsize add;
	gsize copy;
} UpdDiffBlock;

static void
upd_diff_encoder_free(UpdDiffEncoder *self)
{
	g_free(self->sa);
	g_free(self->bucket_start);
	g_free(self->bucket_len);
	for (guint i = 0; i < UPDIFF_N_STREAMS; i++) {
		if (self->streams[i] != NULL)
			g_byte_array_unref(self->streams[i]);
	}
	g_free(self);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdDiffEncoder, upd_diff_encoder_free)

/* the number of equal bytes at the start of @a and @b, at most @len */
static inline gsize
upd_diff_match_len(const guint8 *a, const guint8 *b, gsize len)
{
	gsize i = 0;
	while (i + 8 <= len) {
		guint64 x;
		guint64 y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y) {
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
			return i + (__builtin_ctzll(x ^ y) >> 3);
#else
			return i + (__builtin_clzll(x ^ y) >> 3);
#endif
		}
		i += 8;
	}
	while (i < len && a[i] == b[i])
		i++;
	return i;
}

static void
upd_diff_encoder_build_buckets(UpdDiffEncoder *self)
{
	const guint8 *base = self->base;
	gsize n = self->base_size;
	guint32 next = 0;

	self->bucket_start = g_new(guint32, 65536);
	self->bucket_len = g_new0(guint32, 65536);
	for (gsize i = 0; i + 1 < n; i++)
		self->bucket_len[(guint)base[i] << 8 | base[i + 1]]++;
	/* suffixes in order: for each first byte c, the one-byte suffix "c"
	 * (the last byte of the base) sorts before every longer one */
	for (guint c = 0; c < 256; c++) {
		if (n > 0 && base[n - 1] == c)
			next++;
		for (guint d = 0; d < 256; d++) {
			self->bucket_start[c << 8 | d] = next;
			next += self->bucket_len[c << 8 | d];
		}
	}
	g_assert(next == n);
}

/* the longest match of target[@scan..] in the base: returns its length and
 * sets @pos to its start. Binary search over the suffix array range
 * [@lo, @hi), whose suffixes all share @known bytes with the query; each step
 * starts comparing after the prefix that the range's bounds share with the
 * query. */
static gsize
upd_diff_encoder_search_range(UpdDiffEncoder *self,
			      const guint8 *query,
			      gsize query_len,
			      gsize lo,
			      gsize hi,
			      gsize known,
			      gsize *pos)
{
	gsize lo_lcp = known;
	gsize hi_lcp = known;
	gsize best_len = 0;
	gsize best_pos = 0;

	while (lo < hi) {
		gsize mid = lo + (hi - lo) / 2;
		gsize start = (gsize)self->sa[mid];
		gsize avail = self->base_size - start;
		gsize limit = MIN(query_len, avail);
		/* never more than @limit: every suffix between two that share
		 * a prefix with the query shares it too */
		gsize skip = MIN(MIN(lo_lcp, hi_lcp), limit);
		gsize lcp = skip + upd_diff_match_len(query + skip, self->base + start + skip,
						      limit - skip);
		if (lcp > best_len || best_len == 0) {
			best_len = lcp;
			best_pos = start;
		}
		if (lcp == query_len)
			break;
		if (lcp == avail || self->base[start + lcp] < query[lcp]) {
			lo = mid + 1;
			lo_lcp = lcp;
		} else {
			hi = mid;
			hi_lcp = lcp;
		}
	}
	*pos = best_pos;
	return best_len;
}

static gsize
upd_diff_encoder_search(UpdDiffEncoder *self, gsize scan, gsize *pos)
{
	const guint8 *query = self->target + scan;
	gsize query_len = MIN(self->target_size - scan, UPDIFF_MATCH_MAX);

	*pos = 0;
	if (self->base_size == 0)
		return 0;
	if (query_len >= 2 && self->base_size >= 2) {
		guint prefix = (guint)query[0] << 8 | query[1];
		gsize len = self->bucket_len[prefix];
		if (len > 0) {
			gsize lo = self->bucket_start[prefix];
			return upd_diff_encoder_search_range(self, query, query_len, lo, lo + len,
							     2, pos);
		}
	}
	return upd_diff_encoder_search_range(self, query, query_len, 0, self->base_size, 0, pos);
}

static void
upd_diff_put_varint(GByteArray *array, guint64 value)
{
	guint8 buf[10];
	guint len = 0;
	do {
		buf[len] = value & 0x7f;
		value >>= 7;
		if (value != 0)
			buf[len] |= 0x80;
		len++;
	} while (value != 0);
	g_byte_array_append(array, buf, len);
}

/* the difference bytes go out as zero-run lengths and nonzero runs */
static void
upd_diff_encoder_put_difference(UpdDiffEncoder *self, const guint8 *t, const guint8 *b, gsize len)
{
	GByteArray *values = self->streams[UPDIFF_DIFFERENCE];
	gsize i = 0;

	while (i < len) {
		if (self->in_nonzero) {
			gsize start = i;
			while (i < len && t[i] != b[i])
				i++;
			if (i > start) {
				gsize old_len = values->len;
				g_byte_array_set_size(values, old_len + (i - start));
				for (gsize j = start; j < i; j++)
					values->data[old_len + j - start] = t[j] - b[j];
			}
			if (i < len) {
				/* the run ends */
				g_byte_array_append(values, (const guint8 *)"", 1);
				self->in_nonzero = FALSE;
			}
		} else {
			gsize same = upd_diff_match_len(t + i, b + i, len - i);
			self->zero_run += same;
			i += same;
			if (i < len) {
				upd_diff_put_varint(self->streams[UPDIFF_ZERO_RUNS],
						    self->zero_run);
				self->zero_run = 0;
				self->in_nonzero = TRUE;
			}
		}
	}
}

static void
upd_diff_encoder_finish_difference(UpdDiffEncoder *self)
{
	if (!self->in_nonzero && self->zero_run > 0) {
		upd_diff_put_varint(self->streams[UPDIFF_ZERO_RUNS], self->zero_run);
		self->zero_run = 0;
		self->in_nonzero = TRUE;
	}
	if (self->in_nonzero)
		g_byte_array_append(self->streams[UPDIFF_DIFFERENCE], (const guint8 *)"", 1);
	self->in_nonzero = FALSE;
}

/* one block: @add bytes of target at @scan against the base at @pos, then
 * @copy bytes of target as they are */
static void
upd_diff_encoder_emit(UpdDiffEncoder *self, gsize scan, gsize pos, gsize add, gsize copy)
{
	gint64 seek = (gint64)pos - (gint64)self->oldpos;
	GByteArray *ctrl = self->streams[UPDIFF_CONTROL];

	if (add == 0 && copy == 0)
		return;
	/* zigzag: small steps either way stay short */
	upd_diff_put_varint(ctrl, ((guint64)seek << 1) ^ (guint64)(seek >> 63));
	upd_diff_put_varint(ctrl, add);
	upd_diff_put_varint(ctrl, copy);
	upd_diff_encoder_put_difference(self, self->target + scan, self->base + pos, add);
	g_byte_array_append(self->streams[UPDIFF_EXTRA], self->target + scan + add, copy);
	self->oldpos = pos + add;
}

/* how many bytes of target at @scan equal the base at @scan + @offset, at
 * most @max */
static inline gsize
upd_diff_encoder_aligned(UpdDiffEncoder *self, gsize scan, gint64 offset, gsize max)
{
	gint64 at = (gint64)scan + offset;
	if (scan >= self->target_size || at < 0 || (guint64)at >= self->base_size)
		return 0;
	max = MIN(max, MIN(self->base_size - at, self->target_size - scan));
	return upd_diff_match_len(self->target + scan, self->base + at, max);
}

/* whether @scan is in a short substitution of the current alignment (a
 * changed address in moved code, say): the bytes differ here, but the
 * alignment matches again for UPDIFF_RESUME_LEN bytes within
 * UPDIFF_SUBSTITUTION_MAX bytes; if so sets @skip_to to where it resumes. A
 * search from inside a substitution mostly finds short matches that lose
 * against the alignment (on a rebuilt 70 MB library, skipping them saves
 * one search in thirteen and makes the delta no larger). */
static gboolean
upd_diff_encoder_in_substitution(UpdDiffEncoder *self, gsize scan, gint64 offset, gsize *skip_to)
{
	if (upd_diff_encoder_aligned(self, scan, offset, 1) == 1)
		return FALSE;
	for (gsize k = 1; k <= UPDIFF_SUBSTITUTION_MAX; k++) {
		if (upd_diff_encoder_aligned(self, scan + k, offset, UPDIFF_RESUME_LEN) ==
		    UPDIFF_RESUME_LEN) {
			*skip_to = scan + k;
			return TRUE;
		}
	}
	return FALSE;
}

/* Percival's matching loop: look for an exact match (via the suffix array)
 * that beats the current alignment by more than 8 bytes, then extend the
 * previous alignment forward and the new one backward over the gap while
 * they agree on more than half of the bytes, and code what is left of the
 * gap as extra bytes. */
static gboolean
upd_diff_encoder_run(UpdDiffEncoder *self, GCancellable *cancellable, GError **error)
{
	const guint8 *base = self->base;
	const guint8 *target = self->target;
	gsize base_size = self->base_size;
	gsize target_size = self->target_size;
	gsize scan = 0;
	gsize len = 0;
	gsize pos = 0;
	gsize last_scan = 0;
	gsize last_pos = 0;
	gint64 last_offset = 0;
	gsize next_check = UPDIFF_CANCEL_INTERVAL;
	gsize skip_to = 0;

	while (scan < target_size) {
		gsize old_score = 0;
		gsize scsc;

		scan += len;
		for (scsc = scan; scan < target_size; scan++) {
			gint64 at;

			if (scan >= next_check) {
				if (g_cancellable_set_error_if_cancelled(cancellable, error))
					return FALSE;
				next_check = scan + UPDIFF_CANCEL_INTERVAL;
			}
			if (scan < skip_to ||
			    upd_diff_encoder_in_substitution(self, scan, last_offset, &skip_to)) {
				/* the alignment resumes in a few bytes: no search here,
				 * the position only leaves the window */
				len = 0;
				if (scsc <= scan)
					scsc = scan + 1;
				else if (upd_diff_encoder_aligned(self, scan, last_offset, 1) == 1)
					old_score--;
				continue;
			}
			len = upd_diff_encoder_search(self, scan, &pos);
			/* how well the previous alignment does over the match */
			for (; scsc < scan + len; scsc++) {
				at = (gint64)scsc + last_offset;
				if (at >= 0 && (guint64)at < base_size && base[at] == target[scsc])
					old_score++;
			}
			if ((len == old_score && len != 0) || len > old_score + 8)
				break;
			at = (gint64)scan + last_offset;
			if (at >= 0 && (guint64)at < base_size && base[at] == target[scan])
				old_score--;
		}

		if (len != old_score || scan == target_size) {
			gsize len_forward = 0;
			gsize len_back = 0;
			gssize score;
			gssize best;

			/* extend the previous alignment forward */
			score = 0;
			best = 0;
			for (gsize i = 0; last_scan + i < scan && last_pos + i < base_size;) {
				if (base[last_pos + i] == target[last_scan + i])
					score++;
				i++;
				if (score * 2 - (gssize)i > best * 2 - (gssize)len_forward) {
					best = score;
					len_forward = i;
				}
			}
			/* extend the new match backward */
			if (scan < target_size) {
				score = 0;
				best = 0;
				for (gsize i = 1; scan >= last_scan + i && pos >= i; i++) {
					if (base[pos - i] == target[scan - i])
						score++;
					if (score * 2 - (gssize)i > best * 2 - (gssize)len_back) {
						best = score;
						len_back = i;
					}
				}
			}
			/* where both extensions overlap, cut at the best place */
			if (last_scan + len_forward > scan - len_back) {
				gsize overlap = (last_scan + len_forward) - (scan - len_back);
				gsize cut = 0;
				score = 0;
				best = 0;
				for (gsize i = 0; i < overlap; i++) {
					if (target[last_scan + len_forward - overlap + i] ==
					    base[last_pos + len_forward - overlap + i])
						score++;
					if (target[scan - len_back + i] == base[pos - len_back + i])
						score--;
					if (score > best) {
						best = score;
						cut = i + 1;
					}
				}
				len_forward += cut - overlap;
				len_back -= cut;
			}

			{
				UpdDiffBlock block = {
					self->segment_start + last_scan, last_pos, len_forward,
					(scan - len_back) - (last_scan + len_forward)};
				if (block.add > 0 || block.copy > 0)
					g_array_append_val(self->blocks, block);
			}
			last_scan = scan - len_back;
			last_pos = pos - len_back;
			last_offset = (gint64)pos - (gint64)scan;
		}
	}
	return TRUE;
}

typedef struct {
	GCancellable *cancellable;
} UpdDiffMatchJob;

static void
upd_diff_encoder_segment_cb(gpointer data, gpointer user_data)
{
	UpdDiffEncoder *segment = data;
	UpdDiffMatchJob *job = user_data;
	upd_diff_encoder_run(segment, job->cancellable, &segment->error);
}

/* Matches the whole target: each UPDIFF_SEGMENT_SIZE bytes of it on their
 * own, the segments on all cores, then writes the blocks into the streams
 * in order. A segment starts with no alignment, which costs a few bytes at
 * each boundary (a 69 MB library, nine segments: 449 bytes more, 0.02 %;
 * matching took 5.8 s instead of 12.9 s on two cores). */
static gboolean
upd_diff_encoder_match(UpdDiffEncoder *self, GCancellable *cancellable, GError **error)
{
	gsize n = MAX((self->target_size + UPDIFF_SEGMENT_SIZE - 1) / UPDIFF_SEGMENT_SIZE, 1);
	g_autofree UpdDiffEncoder *segments = g_new0(UpdDiffEncoder, n);
	UpdDiffMatchJob job = {cancellable};
	gboolean ok = TRUE;

	for (gsize i = 0; i < n; i++) {
		UpdDiffEncoder *segment = &segments[i];
		gsize start = i * UPDIFF_SEGMENT_SIZE;

		/* the base and its suffix array are shared, read only */
		segment->base = self->base;
		segment->base_size = self->base_size;
		segment->sa = self->sa;
		segment->bucket_start = self->bucket_start;
		segment->bucket_len = self->bucket_len;
		segment->target = self->target + MIN(start, self->target_size);
		segment->target_size =
			MIN(UPDIFF_SEGMENT_SIZE, self->target_size - MIN(start, self->target_size));
		segment->segment_start = start;
		segment->blocks = g_array_new(FALSE, FALSE, sizeof(UpdDiffBlock));
	}
	if (n == 1) {
		upd_diff_encoder_segment_cb(&segments[0], &job);
	} else {
		GThreadPool *pool =
			g_thread_pool_new(upd_diff_encoder_segment_cb, &job,
					  (gint)MIN(g_get_num_processors(), n), FALSE, NULL);
		for (gsize i = 0; i < n; i++)
			g_thread_pool_push(pool, &segments[i], NULL);
		/* waits for every segment */
		g_thread_pool_free(pool, FALSE, TRUE);
	}
	for (gsize i = 0; i < n; i++) {
		UpdDiffEncoder *segment = &segments[i];
		if (ok && segment->error != NULL) {
			g_propagate_error(error, g_steal_pointer(&segment->error));
			ok = FALSE;
		}
		for (guint j = 0; ok && j < segment->blocks->len; j++) {
			UpdDiffBlock *block = &g_array_index(segment->blocks, UpdDiffBlock, j);
			upd_diff_encoder_emit(self, block->scan, block->pos, block->add,
					      block->copy);
		}
		g_clear_error(&segment->error);
		g_array_unref(segment->blocks);
	}
	return ok;
}

/* the UPDIFF delta of @target against @base, which is the base itself
 * (@magic UPDIFF_MAGIC) or its bit-shifted view (UPDIFF_BIT_VIEW_MAGIC) */
static GBytes *
upd_delta_encode_updiff_from(const guint8 *base,
			     gsize base_size,
			     const gchar *magic,
			     const guint8 *target,
			     gsize target_size,
			     gint level,
			     GCancellable *cancellable,
			     GError **error)
{
	g_autoptr(UpdDiffEncoder) self = g_new0(UpdDiffEncoder, 1);
	g_autoptr(ZSTD_CCtx) cctx = NULL;
	gsize bound;
	gsize offset = UPDIFF_HEADER_SIZE;
	g_autofree guint8 *out = NULL;
	gint64 start = g_get_monotonic_time();

	if (base_size > UPDIFF_BASE_SIZE_MAX) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_TOO_LARGE,
			    _("the base of an UPDIFF delta must be smaller than 2 GiB, not %" PRIu64
			      " bytes"),
			    (guint64)base_size);
		return NULL;
	}
	self->base = base;
	self->base_size = base_size;
	self->target = target;
	self->target_size = target_size;
	for (guint i = 0; i < UPDIFF_N_STREAMS; i++)
		self->streams[i] = g_byte_array_new();

	if (base_size > 0) {
		self->sa = g_new(saidx_t, base_size);
		if (divsufsort(base, self->sa, (saidx_t)base_size) != 0) {
			g_set_error_literal(error, UPD_ERROR, UPD_ERROR_FAILED,
					    _("cannot make a delta: sorting the base failed"));
			return NULL;
		}
		upd_diff_encoder_build_buckets(self);
		g_debug("updiff: suffix array of %" G_GSIZE_FORMAT " bytes in %.2f s", base_size,
			(g_get_monotonic_time() - start) / 1e6);
	}
	if (g_cancellable_set_error_if_cancelled(cancellable, error))
		return NULL;
	if (!upd_diff_encoder_match(self, cancellable, error))
		return NULL;
	upd_diff_encoder_finish_difference(self);
	g_clear_pointer(&self->sa, g_free);
	g_clear_pointer(&self->bucket_start, g_free);
	g_clear_pointer(&self->bucket_len, g_free);
	g_debug("updiff: matched in %.2f s: %u bytes of control, %u of zero runs, %u of "
		"difference, %u of extra",
		(g_get_monotonic_time() - start) / 1e6, self->streams[0]->len,
		self->streams[1]->len, self->streams[2]->len, self->streams[3]->len);

	bound = UPDIFF_HEADER_SIZE;
	for (guint i = 0; i < UPDIFF_N_STREAMS; i++)
		bound += ZSTD_compressBound(self->streams[i]->len);
	out = g_malloc(bound);
	memcpy(out, magic, UPDIFF_MAGIC_LEN);
	upd_delta_put_u64(out + 8, target_size);
	for (guint i = 0; i < UPDIFF_N_STREAMS; i++) {
		GByteArray *stream = self->streams[i];
		gsize written;
		if (g_cancellable_set_error_if_cancelled(cancellable, error))
			return NULL;
		g_clear_pointer(&cctx, ZSTD_freeCCtx);
		cctx = upd_delta_cctx_new(level, upd_delta_updiff_window_log(stream->len), error);
		if (cctx == NULL)
			return NULL;
		written = upd_delta_compress_into(cctx, out + offset, bound - offset, stream->data,
						  stream->len, error);
		if (written == 0)
			return NULL;
		g_clear_pointer(&cctx, ZSTD_freeCCtx);
		/* xz instead when it is smaller (see the top of the file) */
		if (stream->len > 0 && stream->len <= UPDIFF_XZ_STREAM_MAX) {
			g_autofree guint8 *xz = g_malloc(written);
			gsize xz_written =
				upd_delta_xz_compress(stream->data, stream->len, xz, written - 1);
			g_debug("updiff: stream %u: %u bytes, %" G_GSIZE_FORMAT
				" with zstd, %" G_GSIZE_FORMAT " with xz (0: not smaller)",
				i, stream->len, written, xz_written);
			if (xz_written > 0) {
				memcpy(out + offset, xz, xz_written);
				written = xz_written;
			}
		}
		upd_delta_put_u64(out + 16 + 8 * i, written);
		offset += written;
		/* what is compressed is not needed any more */
		g_clear_pointer(&self->streams[i], g_byte_array_unref);
	}
	out = g_realloc(out, offset);
	g_debug("updiff: compressed in %.2f s", (g_get_monotonic_time() - start) / 1e6);
	return g_bytes_new_take(g_steal_pointer(&out), offset);
}

/* the plain UPDIFF delta; for bitcode the one against the bit-shifted view
 * of the base, or for a small base the smaller of the two (the plain form
 * wins on a few small files, by some bytes, and costs little there) */
GBytes *
upd_delta_encode_updiff(const guint8 *base,
			gsize base_size,
			const guint8 *target,
			gsize target_size,
			gint level,
			GCancellable *cancellable,
			GError **error)
{
	g_autoptr(GBytes) plain = NULL;
	g_autoptr(GBytes) shifted = NULL;
	g_autofree guint8 *view = NULL;
	gsize view_size = UPDIFF_BIT_VIEW_COPIES * base_size;

	if (base_size == 0 || base_size > UPDIFF_BIT_VIEW_BASE_MAX ||
	    !upd_delta_is_bitstream(base, base_size) ||
	    !upd_delta_is_bitstream(target, target_size))
		return upd_delta_encode_updiff_from(base, base_size, UPDIFF_MAGIC, target,
						    target_size, level, cancellable, error);
	view = g_malloc(view_size);
	upd_delta_bit_view_read(base, base_size, 0, view, view_size);
	shifted = upd_delta_encode_updiff_from(view, view_size, UPDIFF_BIT_VIEW_MAGIC, target,
					       target_size, level, cancellable, error);
	if (shifted == NULL || base_size > UPDIFF_BIT_VIEW_ONLY_ABOVE)
		return g_steal_pointer(&shifted);
	g_clear_pointer(&view, g_free);
	plain = upd_delta_encode_updiff_from(base, base_size, UPDIFF_MAGIC, target, target_size,
					     level, cancellable, error);
	if (plain == NULL)
		return NULL;
	if (g_bytes_get_size(plain) <= g_bytes_get_size(shifted))
		return g_steal_pointer(&plain);
	return g_steal_pointer(&shifted);
}
