/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * ZSTD_PATCH deltas (see upd-delta-private.h for the API, upd-delta.c for
 * the memory they take).
 *
 * ZSTD_PATCH ("zpatch")
 * ---------------------
 * One zstd frame of the target, compressed with the base as a raw-content
 * prefix (ZSTD_CCtx_refPrefix, zstd's "patch-from"): long-distance matching
 * on, no zstd checksum (the caller checks the SHA-256), the content size in
 * the frame header. The window is 2^W with W the smallest value such that
 * 2^W >= base size + target size (so that the end of the target can still
 * reach the start of the base), at least ZSTD_WINDOWLOG_MIN and at most
 * zstd's limit (2 GiB). The decoder allows exactly that W. Decoding keeps
 * min(2^W, target size) bytes of window, the size of the target: no zstd
 * patch is made or applied for a target above UPD_DELTA_ZPATCH_TARGET_MAX
 * (32 MiB), where UPDIFF, whose memory does not grow with the file, serves.
 *
 * Bit-shifted base ("UPDBITV1")
 * -----------------------------
 * For LLVM bitcode the prefix may be the bit-shifted view of the base
 * instead (UPDIFF_BIT_VIEW_COPIES = 8 times the base's size, exactly as
 * "Bit-shifted base" in upd-delta-updiff.c defines it). Such a delta starts with
 * a zstd skippable frame that says so, then the usual single zstd frame:
 *
 *   offset  size  field
 *   0       4     0x184D2A5B (ZSTD_MAGIC_SKIPPABLE_START + 11), u32 LE
 *   4       4     8, the payload's size, u32 LE
 *   8       8     "UPDBITV1"
 *   16      ...   the zstd frame, compressed with the view as its prefix
 *
 * and W above is then computed from view size + target size. A delta that
 * starts with any other skippable frame (another magic, another size, another
 * payload) is refused, as is one with the marker when the base is above
 * UPD_ZPATCH_BIT_VIEW_BASE_MAX (2 MiB): the decoder materializes the view,
 * at most 16 MiB. The encoder makes this form when base and target are both
 * bitcode (raw or in its wrapper) and the base is within that limit, beside
 * the plain form, and keeps the smaller: on postgresql-15's bitcode
 * 15.18 -> 15.20, postgres.index.bc (1.6 MB) gives 873 KB where UPDIFFB1
 * gives 1040 KB, and the smaller of ZSTD_PATCH and UPDIFF over the 938
 * changed files goes from 2.355 MB to 2.148 MB (the plain form is still the
 */

#include "config.h"

#include <errno.h>
#include <inttypes.h>

#include "upd-delta-codec-private.h"
#include "upd-error-private.h"
#include "upd-file-private.h"
#include "upd-i18n-private.h"

/* @header_len bytes of @header (nothing if 0), then the zstd frame of
 * @target with @prefix as its raw-content prefix */
static GBytes *
upd_delta_encode_zpatch_from(const guint8 *prefix,
			     gsize prefix_size,
			     const guint8 *header,
			     gsize header_len,
			     const guint8 *target,
			     gsize target_size,
			     gint level,
			     GCancellable *cancellable,
			     GError **error)
{
	g_autoptr(ZSTD_CCtx) cctx = NULL;
	g_autofree guint8 *out = NULL;
	gsize bound = header_len + ZSTD_compressBound(target_size);
	gsize written;

	cctx = upd_delta_cctx_new(level, upd_delta_zpatch_window_log(prefix_size, target_size),
				  error);
	if (cctx == NULL)
		return NULL;
	if (prefix_size > 0 &&
	    !upd_delta_zstd_check(ZSTD_CCtx_refPrefix(cctx, prefix, prefix_size), "prefix", error))
		return NULL;
	if (g_cancellable_set_error_if_cancelled(cancellable, error))
		return NULL;
	out = g_malloc(bound);
	if (header_len > 0)
		memcpy(out, header, header_len);
	written = upd_delta_compress_into(cctx, out + header_len, bound - header_len, target,
					  target_size, error);
	if (written == 0)
		return NULL;
	written += header_len;
	out = g_realloc(out, written);
	return g_bytes_new_take(g_steal_pointer(&out), written);
}

/* the plain ZSTD_PATCH delta; for bitcode with a base of at most
 * UPD_ZPATCH_BIT_VIEW_BASE_MAX bytes, the smaller of it and the one against
 * the bit-shifted view of the base ("UPDBITV1") */
GBytes *
upd_delta_encode_zpatch(const guint8 *base,
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
	guint8 header[UPD_ZPATCH_BIT_VIEW_HEADER_SIZE];

	plain = upd_delta_encode_zpatch_from(base, base_size, NULL, 0, target, target_size, level,
					     cancellable, error);
	if (plain == NULL || base_size > UPD_ZPATCH_BIT_VIEW_BASE_MAX ||
	    !upd_delta_is_bitstream(base, base_size) ||
	    !upd_delta_is_bitstream(target, target_size))
		return g_steal_pointer(&plain);
	upd_delta_put_u32(header, UPD_ZPATCH_BIT_VIEW_FRAME_MAGIC);
	upd_delta_put_u32(header + 4, UPD_ZPATCH_BIT_VIEW_MARKER_LEN);
	memcpy(header + 8, UPD_ZPATCH_BIT_VIEW_MARKER, UPD_ZPATCH_BIT_VIEW_MARKER_LEN);
	view = g_malloc(view_size);
	upd_delta_bit_view_read(base, base_size, 0, view, view_size);
	shifted = upd_delta_encode_zpatch_from(view, view_size, header, sizeof(header), target,
					       target_size, level, cancellable, error);
	if (shifted == NULL)
		return NULL;
	g_debug("zpatch: %" G_GSIZE_FORMAT " bytes plain, %" G_GSIZE_FORMAT
		" against the bit-shifted view",
		g_bytes_get_size(plain), g_bytes_get_size(shifted));
	if (g_bytes_get_size(plain) <= g_bytes_get_size(shifted))
		return g_steal_pointer(&plain);
	return g_steal_pointer(&shifted);
}

/* whether a ZSTD_PATCH delta whose first @len bytes are @data (all of it
 * when shorter than the read buffer) starts with the "UPDBITV1" marker frame
 * (see the top of the file): sets @header_len to the bytes before the zstd
 * frame, 0 without the marker. Any other skippable frame is an error. */
static gboolean
upd_delta_zpatch_read_marker(const gchar *delta_path,
			     const guint8 *data,
			     gsize len,
			     gsize base_size,
			     gsize *header_len,
			     GError **error)
{
	guint32 magic;
	guint32 size;

	*header_len = 0;
	if (len < 4)
		return TRUE;
	magic = upd_delta_get_u32(data);
	if ((magic & ZSTD_MAGIC_SKIPPABLE_MASK) != ZSTD_MAGIC_SKIPPABLE_START)
		return TRUE;
	if (magic != UPD_ZPATCH_BIT_VIEW_FRAME_MAGIC) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("delta %s starts with an unknown zstd skippable frame (magic "
			      "0x%08" PRIX32 ")"),
			    delta_path, magic);
		return FALSE;
	}
	if (len < 8) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA, _("delta %s is truncated"),
			    delta_path);
		return FALSE;
	}
	size = upd_delta_get_u32(data + 4);
	if (size != UPD_ZPATCH_BIT_VIEW_MARKER_LEN) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("the marker frame of delta %s has %" PRIu32
			      " bytes of payload, expected %d"),
			    delta_path, size, UPD_ZPATCH_BIT_VIEW_MARKER_LEN);
		return FALSE;
	}
	if (len < UPD_ZPATCH_BIT_VIEW_HEADER_SIZE) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA, _("delta %s is truncated"),
			    delta_path);
		return FALSE;
	}
	if (memcmp(data + 8, UPD_ZPATCH_BIT_VIEW_MARKER, UPD_ZPATCH_BIT_VIEW_MARKER_LEN) != 0) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("the marker frame of delta %s has an unknown payload"), delta_path);
		return FALSE;
	}
	if (base_size > UPD_ZPATCH_BIT_VIEW_BASE_MAX) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("delta %s is made against the bit-shifted view of the base, which "
			      "needs a base of at most %d bytes, not %" PRIu64),
			    delta_path, UPD_ZPATCH_BIT_VIEW_BASE_MAX, (guint64)base_size);
		return FALSE;
	}
	/* one marker, then the zstd frame itself */
	if (len >= UPD_ZPATCH_BIT_VIEW_HEADER_SIZE + 4 &&
	    (upd_delta_get_u32(data + UPD_ZPATCH_BIT_VIEW_HEADER_SIZE) &
	     ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("delta %s is not a zstd patch"), delta_path);
		return FALSE;
	}
	*header_len = UPD_ZPATCH_BIT_VIEW_HEADER_SIZE;
	return TRUE;
}

gboolean
upd_delta_apply_zpatch(const gchar *delta_path,
		       int fd,
		       guint64 delta_offset,
		       guint64 delta_size,
		       const guint8 *base,
		       gsize base_size,
		       UpdDeltaSink *sink,
		       guint64 target_size,
		       GError **error)
{
	g_autoptr(ZSTD_DCtx) dctx = NULL;
	g_autofree guint8 *inbuf = g_malloc(UPD_DELTA_STREAM_BUFFER);
	g_autofree guint8 *view = NULL; /* the bit-shifted view, with the marker */
	const guint8 *prefix = base;
	gsize prefix_size = base_size;
	ZSTD_inBuffer in = {inbuf, 0, 0};
	gboolean eof = FALSE;
	gboolean done = FALSE;
	gsize header_len = 0;
	unsigned long long size;
	guint64 pos = 0;
	gssize n;

	/* the start of the delta: the marker, and the frame's content size */
	n = upd_delta_read_next(fd, inbuf, UPD_DELTA_STREAM_BUFFER, delta_offset, delta_size, &pos);
	if (n < 0) {
		upd_file_set_error_errno(error, errno, _("cannot read %s"), delta_path);
		return FALSE;
	}
	eof = n < UPD_DELTA_STREAM_BUFFER;
	in.size = n;
	if (!upd_delta_zpatch_read_marker(delta_path, inbuf, n, base_size, &header_len, error))
		return FALSE;
	in.pos = header_len;
	size = ZSTD_getFrameContentSize(inbuf + header_len, n - header_len);
	if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("delta %s is not a zstd patch"), delta_path);
		return FALSE;
	}
	if (size != target_size) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("delta %s makes %" PRIu64 " bytes, expected %" PRIu64), delta_path,
			    (guint64)size, target_size);
		return FALSE;
	}
	if (header_len > 0) {
		prefix_size = UPDIFF_BIT_VIEW_COPIES * base_size;
		if (prefix_size > 0) {
			view = g_malloc(prefix_size);
			upd_delta_bit_view_read(base, base_size, 0, view, prefix_size);
		}
		prefix = view;
	}

	dctx = ZSTD_createDCtx();
	if (dctx == NULL ||
	    ZSTD_isError(ZSTD_DCtx_setParameter(
		    dctx, ZSTD_d_windowLogMax,
		    upd_delta_zpatch_window_log(prefix_size, target_size))) ||
	    (prefix_size > 0 && ZSTD_isError(ZSTD_DCtx_refPrefix(dctx, prefix, prefix_size)))) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_FAILED,
			    _("cannot set up the zstd decoder for delta %s"), delta_path);
		return FALSE;
	}
	for (;;) {
		ZSTD_outBuffer out;
		size_t ret;
		gsize in_before;
		guint64 total;

		if (in.pos == in.size && !eof) {
			n = upd_delta_read_next(fd, inbuf, UPD_DELTA_STREAM_BUFFER, delta_offset,
						delta_size, &pos);
			if (n < 0) {
				upd_file_set_error_errno(error, errno, _("cannot read %s"),
							 delta_path);
				return FALSE;
			}
			eof = n < UPD_DELTA_STREAM_BUFFER;
			in.size = n;
			in.pos = 0;
		}
		if (done) {
			if (in.pos < in.size) {
				g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
					    _("delta %s has data after its end"), delta_path);
				return FALSE;
			}
			if (eof)
				break;
			continue;
		}
		total = sink->written + sink->fill;
		out.dst = sink->buf + sink->fill;
		/* room for one byte too many, to see it coming */
		out.size = MIN(UPD_DELTA_OUT_CHUNK - sink->fill, target_size - total + 1);
		out.pos = 0;
		in_before = in.pos;
		ret = ZSTD_decompressStream(dctx, &out, &in);
		if (ZSTD_isError(ret)) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("delta %s is corrupt: %s"), delta_path,
				    ZSTD_getErrorName(ret));
			return FALSE;
		}
		if (total + out.pos > target_size) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("delta %s makes more than the expected %" PRIu64 " bytes"),
				    delta_path, target_size);
			return FALSE;
		}
		sink->fill += out.pos;
		if (sink->fill == UPD_DELTA_OUT_CHUNK && !upd_delta_sink_flush(sink, error))
			return FALSE;
		if (ret == 0) {
			done = TRUE;
		} else if (out.pos == 0 && in.pos == in_before && in.pos == in.size && eof) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("delta %s is truncated"), delta_path);
			return FALSE;
		}
	}
	if (!upd_delta_sink_flush(sink, error))
		return FALSE;
	if (sink->written != target_size) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("delta %s makes %" PRIu64 " bytes, expected %" PRIu64), delta_path,
			    sink->written, target_size);
		return FALSE;
	}
	return TRUE;
}
