/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * Binary deltas (see upd-delta-private.h for the API): the entry points,
 * which hand over to the codecs, and what the codecs share
 * (upd-delta-codec-private.h). The formats: ZSTD_PATCH in
 * upd-delta-zpatch.c; UPDIFF in upd-delta-updiff.c (with its decoder), its
 * encoder in upd-delta-updiff-encoder.c, its xz streams in upd-delta-xz.c.
 *
 * Memory
 * ------
 * Encoding (upd_delta_encode_memory() returns these figures, beyond the
 * caller's base and target):
 *  - UPDIFF: while matching, 4 bytes a base byte for the suffix array (of
 *    the bit-shifted view for bitcode: then 8 times 5 bytes a base byte, for
 *    the view and its suffix array), 512 KiB of prefix table and the streams (at most about 1.5
 * times the target: the extra stream and D together are the target, and the sparse form of D is
 * never larger than D plus its zero runs); then the suffix array is freed and the streams are
 * compressed one by one into the result (bounded by ZSTD_compressBound) with one zstd context at a
 *    window of at most 2^UPDIFF_ENCODE_WINDOW_LOG_MAX (8 MiB), then, once it is freed and for a
 * stream of at most 8 MiB, with liblzma's level-6 encoder (UPDIFF_XZ_ENCODER_MEMORY, 100 MiB: xz(1)
 * says 94 MiB, 92 MiB resident measured for 8 MiB) into a buffer the size of the zstd frame.
 *  - ZSTD_PATCH: one zstd context at the window above (zstd's own estimate,
 *    including the long-distance matcher's tables) and the compressed
 *    result (at most ZSTD_compressBound(target)). For a base of at most
 *    UPD_ZPATCH_BIT_VIEW_BASE_MAX bytes (counted as if it were bitcode),
 *    then also the view (8 times the base), a zstd context at the window
 *    over view and target, and a second result, while the first is kept.
 * Applying: the base is mapped, not read. ZSTD_PATCH: zstd's window buffer,
 * min(target size, 2^W) plus two blocks (256 KiB) — the window has to
 * reach back over the whole target into the base, so this grows with the
 * file, and no zstd patch is made or applied for a target above
 * UPD_DELTA_ZPATCH_TARGET_MAX (32 MiB): at most 32.25 MiB — and 1.2 MiB of
 * buffers; with the "UPDBITV1" marker also the materialized view, 8 times
 * the base: at most 16 MiB. UPDIFF: for each zstd stream, a zstd window buffer of at most
 * min(its content size, 2^UPDIFF_WINDOW_LOG_MAX) plus two blocks; for each xz stream, the LZMA2
 * dictionary its block header declares, at most 8 MiB (allocated whole, but only as much of it is
 * touched as content is decoded: min(content size, 8 MiB)), about 30 KiB of LZMA2 state and
 * libarchive's 64 KiB output block (decoding 6 MiB measured VmPeak + 8.1 MiB, VmHWM + 6.7 MiB);
 * and 1.9 MiB of buffers (2.9 MiB with a bit-shifted base). The content sizes that frames declare
 * are checked against what a target of this size can use before any decoding, so a hostile delta
 * cannot make that more than 4 * 2^UPDIFF_WINDOW_LOG_MAX (all zstd; 4 * 8 MiB if all xz). The
 * deltas libupdater makes have windows of at most 2^UPDIFF_ENCODE_WINDOW_LOG_MAX, so applying one
 * takes at most 4 * (8 MiB + 256 KiB) + 2.9 MiB, about 36 MiB, whatever the size of the file; a
 * small one about its decompressed streams' size. Measured by bench/delta-apply-memory.sh on a 1
 * GiB file (1 GiB of /usr/lib and /usr/bin, an edit every MiB): 1.4 MiB of heap for a 52 KB
 * delta, 26.0 MiB for a 104.7 MB one (96 KiB of random bytes and 8 KiB of changed bytes every
 * MiB); a zstd patch of such a file, before the 32 MiB limit, took 1.0 GiB.
 */

#include "config.h"

/* ZSTD_estimateCCtxSize_usingCCtxParams(), for upd_delta_encode_memory() */
#define ZSTD_STATIC_LINKING_ONLY

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upd-delta-codec-private.h"
#include "upd-error-private.h"
#include "upd-file-private.h"
#include "upd-i18n-private.h"

#define UPD_DELTA_DEFAULT_LEVEL 19
/* ZSTD_PATCH's default level for targets above 4 MiB */
#define UPD_DELTA_ZPATCH_FAST_ABOVE (4 * 1024 * 1024)
#define UPD_DELTA_ZPATCH_FAST_LEVEL 3

const gchar *
upd_delta_format_to_extension(UpdDeltaFormat format)
{
	switch (format) {
	case UPD_DELTA_FORMAT_ZSTD_PATCH:
		return "zpatch";
	case UPD_DELTA_FORMAT_UPDIFF:
		return "updiff";
	default:
		return NULL;
	}
}

/* the smallest W with 2^W >= @size, clamped to [@min, @max] */
static gint
upd_delta_window_log(guint64 size, gint min, gint max)
{
	gint log = min;
	while (log < max && ((guint64)1 << log) < size)
		log++;
	return log;
}

gint
upd_delta_zpatch_window_log(guint64 base_size, guint64 target_size)
{
	ZSTD_bounds bounds = ZSTD_cParam_getBounds(ZSTD_c_windowLog);
	guint64 sum = base_size + target_size;
	/* overflow is not possible for real files; stay correct anyway */
	if (sum < base_size)
		sum = G_MAXUINT64;
	return upd_delta_window_log(sum, ZSTD_WINDOWLOG_MIN, bounds.upperBound);
}

gint
upd_delta_updiff_window_log(guint64 stream_size)
{
	return upd_delta_window_log(stream_size, ZSTD_WINDOWLOG_MIN, UPDIFF_ENCODE_WINDOW_LOG_MAX);
}

gboolean
upd_delta_zstd_check(size_t ret, const gchar *what, GError **error)
{
	if (!ZSTD_isError(ret))
		return TRUE;
	g_set_error(error, UPD_ERROR, UPD_ERROR_FAILED, _("cannot make a delta: %s: %s"), what,
		    ZSTD_getErrorName(ret));
	return FALSE;
}

/* a compression context for @level at window 2^@window_log, long-distance
 * matching on, no checksum, content size written */
ZSTD_CCtx *
upd_delta_cctx_new(gint level, gint window_log, GError **error)
{
	g_autoptr(ZSTD_CCtx) cctx = ZSTD_createCCtx();

	if (cctx == NULL) {
		g_set_error_literal(error, UPD_ERROR, UPD_ERROR_FAILED,
				    _("cannot make a delta: out of memory"));
		return NULL;
	}
	if (!upd_delta_zstd_check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level),
				  "level", error) ||
	    !upd_delta_zstd_check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, window_log),
				  "windowLog", error) ||
	    !upd_delta_zstd_check(
		    ZSTD_CCtx_setParameter(cctx, ZSTD_c_enableLongDistanceMatching, 1), "ldm",
		    error) ||
	    !upd_delta_zstd_check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0), "checksum",
				  error) ||
	    !upd_delta_zstd_check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1),
				  "contentSize", error))
		return NULL;
	return g_steal_pointer(&cctx);
}

static guint64
upd_delta_cctx_memory(gint level, gint window_log)
{
	ZSTD_CCtx_params *params = ZSTD_createCCtxParams();
	size_t size;
	gint ldm_hash_log;

	if (params == NULL)
		return 0;
	ZSTD_CCtxParams_init(params, level);
	ZSTD_CCtxParams_setParameter(params, ZSTD_c_windowLog, window_log);
	ZSTD_CCtxParams_setParameter(params, ZSTD_c_enableLongDistanceMatching, 1);
	/* zstd 1.5.4 divides by zero here unless the long-distance matcher's
	 * parameters are given: these are the defaults it picks itself */
	ldm_hash_log = MAX(window_log - 7, 6);
	ZSTD_CCtxParams_setParameter(params, ZSTD_c_ldmHashLog, ldm_hash_log);
	ZSTD_CCtxParams_setParameter(params, ZSTD_c_ldmMinMatch, 64);
	ZSTD_CCtxParams_setParameter(params, ZSTD_c_ldmBucketSizeLog, 3);
	ZSTD_CCtxParams_setParameter(params, ZSTD_c_ldmHashRateLog, window_log - ldm_hash_log);
	size = ZSTD_estimateCCtxSize_usingCCtxParams(params);
	ZSTD_freeCCtxParams(params);
	return ZSTD_isError(size) ? 0 : size;
}

guint64
upd_delta_max_target_size(UpdDeltaFormat format)
{
	switch (format) {
	case UPD_DELTA_FORMAT_ZSTD_PATCH:
		return UPD_DELTA_ZPATCH_TARGET_MAX;
	case UPD_DELTA_FORMAT_UPDIFF:
		return G_MAXUINT64;
	default:
		return 0;
	}
}

guint64
upd_delta_encode_memory(UpdDeltaFormat format, guint64 base_size, guint64 target_size)
{
	/* at the default level: lower ones take less */
	gint level = UPD_DELTA_DEFAULT_LEVEL;

	switch (format) {
	case UPD_DELTA_FORMAT_ZSTD_PATCH: {
		guint64 bound = ZSTD_compressBound(target_size);
		guint64 plain =
			upd_delta_cctx_memory(level,
					      upd_delta_zpatch_window_log(base_size, target_size)) +
			bound;
		/* a base small enough for a bit-shifted view is counted as if it
		 * were bitcode: the view, a context at the window over it and the
		 * target, its result, and the plain delta, which is kept meanwhile */
		if (base_size > 0 && base_size <= UPD_ZPATCH_BIT_VIEW_BASE_MAX) {
			guint64 view_size = UPDIFF_BIT_VIEW_COPIES * base_size;
			guint64 shifted =
				view_size +
				upd_delta_cctx_memory(level, upd_delta_zpatch_window_log(
								     view_size, target_size)) +
				UPD_ZPATCH_BIT_VIEW_HEADER_SIZE + bound + bound;
			return MAX(plain, shifted);
		}
		return plain;
	}
	case UPD_DELTA_FORMAT_UPDIFF: {
		/* the larger of the two phases (see the top of the file) */
		guint64 streams = target_size + target_size / 2;
		guint64 matching = 4 * base_size + 2 * 65536 * sizeof(guint32) + streams;
		guint64 compressing;
		/* a base small enough for a bit-shifted view is counted as if it
		 * were bitcode: the view, its suffix array, and the plain delta,
		 * which is kept meanwhile */
		if (base_size <= UPDIFF_BIT_VIEW_BASE_MAX)
			matching = MAX(matching, 5 * UPDIFF_BIT_VIEW_COPIES * base_size +
							 2 * 65536 * sizeof(guint32) + streams +
							 ZSTD_compressBound(target_size));
		/* the zstd context is freed before a stream is tried with xz */
		compressing =
			streams + ZSTD_compressBound(target_size) +
			MAX(upd_delta_cctx_memory(level, upd_delta_updiff_window_log(target_size)),
			    UPDIFF_XZ_ENCODER_MEMORY);
		return MAX(matching, compressing) + 1024 * 1024;
	}
	default:
		return 0;
	}
}

gsize
upd_delta_compress_into(ZSTD_CCtx *cctx,
			guint8 *dest,
			gsize dest_size,
			const guint8 *src,
			gsize src_size,
			GError **error)
{
	size_t ret = ZSTD_compress2(cctx, dest, dest_size, src, src_size);
	if (!upd_delta_zstd_check(ret, "compress", error))
		return 0;
	return ret;
}

/* LLVM bitcode, raw ("BC" 0xC0DE) or in its wrapper (0x0B17C0DE, little
 * endian): a bitstream */
gboolean
upd_delta_is_bitstream(const guint8 *data, gsize size)
{
	static const guint8 raw[4] = {'B', 'C', 0xc0, 0xde};
	static const guint8 wrapper[4] = {0xde, 0xc0, 0x17, 0x0b};
	return size >= 4 && (memcmp(data, raw, 4) == 0 || memcmp(data, wrapper, 4) == 0);
}

/* @len bytes of the bit-shifted view of @base (see upd-delta-updiff.c)
 * from @pos into @dest; [@pos, @pos + @len) lies inside the view */
void
upd_delta_bit_view_read(const guint8 *base, gsize base_size, guint64 pos, guint8 *dest, gsize len)
{
	while (len > 0) {
		guint shift = (guint)(pos / base_size);
		gsize j = (gsize)(pos % base_size);
		gsize take = MIN(len, base_size - j);

		if (shift == 0) {
			memcpy(dest, base + j, take);
		} else {
			for (gsize i = 0; i < take; i++) {
				guint prev = j + i > 0 ? base[j + i - 1] : 0;
				dest[i] = (guint8)((base[j + i] << shift) | (prev >> (8 - shift)));
			}
		}
		dest += take;
		pos += take;
		len -= take;
	}
}

GBytes *
upd_delta_encode(UpdDeltaFormat format,
		 GBytes *base,
		 GBytes *target,
		 gint level,
		 GCancellable *cancellable,
		 GError **error)
{
	gsize base_size;
	gsize target_size;
	const guint8 *base_data;
	const guint8 *target_data;
	static const guint8 empty[1] = {0};

	g_return_val_if_fail(base != NULL, NULL);
	g_return_val_if_fail(target != NULL, NULL);
	g_return_val_if_fail(cancellable == NULL || G_IS_CANCELLABLE(cancellable), NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	/* the default: 19, except for a large patch-from frame, where level 19
	 * with a window over base and target costs about 1.5 s of CPU per MB
	 * (111 s for a 70 MB library, for a delta three times UPDIFF's; 7.3 s
	 * for a 9 MB executable, against 2.2 s for UPDIFF's smaller delta) and
	 * level 3 takes a fraction of that: ZSTD_PATCH wins on small and
	 * text-like files, where 19 stays */
	if (level == 0)
		level = format == UPD_DELTA_FORMAT_ZSTD_PATCH &&
					g_bytes_get_size(target) > UPD_DELTA_ZPATCH_FAST_ABOVE
				? UPD_DELTA_ZPATCH_FAST_LEVEL
				: UPD_DELTA_DEFAULT_LEVEL;
	if (level < 1 || level > ZSTD_maxCLevel()) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("compression level %d is not between 1 and %d"), level,
			    ZSTD_maxCLevel());
		return NULL;
	}
	base_data = g_bytes_get_data(base, &base_size);
	target_data = g_bytes_get_data(target, &target_size);
	/* GBytes of size 0 may have NULL data */
	if (base_data == NULL)
		base_data = empty;
	if (target_data == NULL)
		target_data = empty;
	if (format == UPD_DELTA_FORMAT_ZSTD_PATCH && target_size > UPD_DELTA_ZPATCH_TARGET_MAX) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_TOO_LARGE,
			    _("no zstd patch is made for a file of %" PRIu64
			      " bytes: applying one takes memory the size of the file, and the "
			      "limit is %d bytes"),
			    (guint64)target_size, UPD_DELTA_ZPATCH_TARGET_MAX);
		return NULL;
	}

	switch (format) {
	case UPD_DELTA_FORMAT_ZSTD_PATCH:
		return upd_delta_encode_zpatch(base_data, base_size, target_data, target_size,
					       level, cancellable, error);
	case UPD_DELTA_FORMAT_UPDIFF:
		return upd_delta_encode_updiff(base_data, base_size, target_data, target_size,
					       level, cancellable, error);
	default:
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("unknown delta format %d"), (gint)format);
		return NULL;
	}
}

/* ---------------------------------------------------------------------- */
/* applying */

gboolean
upd_delta_sink_flush(UpdDeltaSink *sink, GError **error)
{
	if (sink->fill == 0)
		return TRUE;
	upd_sha256_update(sink->sha, sink->buf, sink->fill);
	if (!g_output_stream_write_all(sink->out, sink->buf, sink->fill, NULL, sink->cancellable,
				       error))
		return FALSE;
	sink->written += sink->fill;
	sink->fill = 0;
	return g_cancellable_set_error_if_cancelled(sink->cancellable, error) == FALSE;
}

/* reads up to @len bytes at @offset (or at the file position when @offset is
 * negative), fewer only at the end of the file */
gssize
upd_delta_read_full(int fd, guint8 *buf, gsize len, gint64 offset)
{
	gsize done = 0;
	while (done < len) {
		ssize_t n = offset < 0 ? read(fd, buf + done, len - done)
				       : pread(fd, buf + done, len - done, offset + done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

/* reads the next bytes of a delta that is [@offset, @offset + @size) of
 * @fd, from @pos on (which advances), up to @len; fewer only at its end */
gssize
upd_delta_read_next(int fd, guint8 *buf, gsize len, guint64 offset, guint64 size, guint64 *pos)
{
	gssize n;

	if (*pos >= size)
		return 0;
	n = upd_delta_read_full(fd, buf, (gsize)MIN((guint64)len, size - *pos),
				(gint64)(offset + *pos));
	if (n > 0)
		*pos += (guint64)n;
	return n;
}

gboolean
upd_delta_apply_at(UpdDeltaFormat format,
		   const gchar *base_path,
		   int delta_fd,
		   guint64 delta_offset,
		   guint64 delta_size,
		   const gchar *delta_name,
		   GOutputStream *out,
		   guint64 target_size,
		   guint8 out_sha256[UPD_SHA256_LEN],
		   GCancellable *cancellable,
		   GError **error)
{
	g_autoptr(GMappedFile) mapped = NULL;
	g_autoptr(UpdSha256) sha = upd_sha256_new();
	g_autofree guint8 *buf = NULL;
	static const guint8 empty[1] = {0};
	const guint8 *base;
	gsize base_size;
	UpdDeltaSink sink = {0};
	gboolean ok;

	g_return_val_if_fail(base_path != NULL, FALSE);
	g_return_val_if_fail(delta_fd >= 0, FALSE);
	g_return_val_if_fail(delta_name != NULL, FALSE);
	g_return_val_if_fail(G_IS_OUTPUT_STREAM(out), FALSE);
	g_return_val_if_fail(out_sha256 != NULL, FALSE);
	g_return_val_if_fail(cancellable == NULL || G_IS_CANCELLABLE(cancellable), FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (format != UPD_DELTA_FORMAT_ZSTD_PATCH && format != UPD_DELTA_FORMAT_UPDIFF) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("unknown delta format %d"), (gint)format);
		return FALSE;
	}
	if (target_size > upd_delta_max_target_size(format)) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_TOO_LARGE,
			    _("delta %s is a zstd patch of a file of %" PRIu64
			      " bytes: applying it would take memory the size of the file, and "
			      "the limit is %d bytes"),
			    delta_name, target_size, UPD_DELTA_ZPATCH_TARGET_MAX);
		return FALSE;
	}
	mapped = g_mapped_file_new(base_path, FALSE, error);
	if (mapped == NULL) {
		upd_error_convert(error);
		return FALSE;
	}
	base = (const guint8 *)g_mapped_file_get_contents(mapped);
	base_size = g_mapped_file_get_length(mapped);
	if (base == NULL)
		base = empty;

	buf = g_malloc(UPD_DELTA_OUT_CHUNK);
	sink.out = out;
	sink.sha = sha;
	sink.buf = buf;
	sink.cancellable = cancellable;
	if (format == UPD_DELTA_FORMAT_ZSTD_PATCH)
		ok = upd_delta_apply_zpatch(delta_name, delta_fd, delta_offset, delta_size, base,
					    base_size, &sink, target_size, error);
	else
		ok = upd_delta_apply_updiff(delta_name, delta_fd, delta_offset, delta_size, base,
					    base_size, &sink, target_size, error);
	if (!ok)
		return FALSE;
	upd_sha256_finish(sha, out_sha256);
	return TRUE;
}

gboolean
upd_delta_apply(UpdDeltaFormat format,
		const gchar *base_path,
		const gchar *delta_path,
		GOutputStream *out,
		guint64 target_size,
		guint8 out_sha256[UPD_SHA256_LEN],
		GCancellable *cancellable,
		GError **error)
{
	g_auto(UpdFd) fd = -1;
	struct stat st;

	g_return_val_if_fail(delta_path != NULL, FALSE);
	fd = open(delta_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot open %s"), delta_path);
		return FALSE;
	}
	return upd_delta_apply_at(format, base_path, fd, 0, (guint64)st.st_size, delta_path, out,
				  target_size, out_sha256, cancellable, error);
}
