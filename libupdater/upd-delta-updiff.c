/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * UPDIFF deltas: the format, and applying them (the encoder is in
 * upd-delta-updiff-encoder.c, the xz streams in upd-delta-xz.c; the memory
 * both take is at the top of upd-delta.c).
 *
 * UPDIFF ("updiff")
 * -----------------
 * A bsdiff-class delta: the target is cut into blocks; each block is "add"
 * bytes taken from the base at a chosen position plus a difference byte
 * (target - base, modulo 256), followed by "copy" literal bytes. Rebuilt
 * executables give long approximate matches whose differences are few and
 * repetitive (shifted addresses).
 *
 *   offset  size  field
 *   0       8     magic "UPDIFF01"
 *   8       8     target size, u64 little endian
 *   16      8     compressed size of the control stream, u64 LE
 *   24      8     compressed size of the zero-run stream, u64 LE
 *   32      8     compressed size of the difference stream, u64 LE
 *   40      8     compressed size of the extra stream, u64 LE
 *   48      ...   the four streams in this order, each exactly one zstd
 *                 frame that declares its content size or exactly one xz
 *                 stream (see "Stream encodings" below); nothing follows
 *
 * All varints are unsigned LEB128: 7 bits a byte, low bits first, at most
 * 10 bytes.
 *
 * Control stream: one entry per block, three varints:
 *   seek  zigzag-coded signed step of the base position, applied first
 *   add   bytes read from the base at the position (which then advances by
 *         add) and added to as many difference bytes
 *   copy  bytes taken as they are from the extra stream
 * The base position starts at 0. An entry with add = copy = 0 is invalid,
 * as is one that reads outside the base or writes beyond the target size.
 *
 * Difference bytes: the difference bytes of all blocks, one after the
 * other, form one sequence D, mostly zeros with short nonzero runs. It is
 * stored sparse, in two streams, because that compresses better than D
 * itself and leaves zstd a sixth of the bytes to work on (two builds of a
 * 70 MB library: zstd -19 makes 2.45 MB of D, bzip2 2.25 MB, zstd -19 of
 * the two streams 2.15 MB in a sixth of the time):
 *   zero-run stream  one varint per zero run of D: its length (only the
 *                    first may be 0, when D starts with a nonzero byte)
 *   difference       after each zero run, the nonzero run that follows it
 *                    and a 0 byte that ends it (only the last run may be
 *                    empty: when D ends with zeros)
 * D = (zero run, nonzero run)*, so a decoder keeps its place in D across
 * blocks.
 *
 * Extra stream: the copied bytes of all blocks, one after the other.
 *
 * Each stream ends exactly where the last control entry leaves it, and the
 * entries end exactly at the target size.
 *
 * Stream encodings
 * ----------------
 * Each stream, on its own, is one of (the decoder goes by its first bytes):
 *  - zstd (28 B5 2F FD): one zstd frame that declares its content size, with
 *    a window of at most 2^UPDIFF_WINDOW_LOG_MAX (128 MiB; libupdater's
 *    encoder uses at most 2^UPDIFF_ENCODE_WINDOW_LOG_MAX, 8 MiB).
 *  - xz (FD 37 7A 58 5A 00): one xz stream (the .xz format of XZ Utils)
 *    and nothing else: no stream padding, no second stream. It holds
 *    exactly one block, whose header declares both its compressed and its
 *    uncompressed size and has one filter, LZMA2, with a dictionary of at
 *    most UPDIFF_XZ_DICT_MAX (8 MiB); the index has the one record, which
 *    agrees with the block header; the content is not empty. Any check type.
 * Old deltas, all zstd, are valid as they are; the header is unchanged.
 *
 * Bit-shifted base ("UPDIFFB1")
 * -----------------------------
 * The same layout with the magic "UPDIFFB1": the control entries then seek
 * and add in a view of the base that is 8 times its size, copy k (0 to 7)
 * after copy k - 1, in which each byte is the base's bit stream moved k bits
 * towards its end (bits in LLVM's order, least significant bit of a byte
 * first):
 *
 *   view[k * size + j] = ((base[j] << k) | (base[j - 1] >> (8 - k))) & 0xff
 *
 * with base[-1] = 0. In a bitstream (LLVM bitcode) an edit shifts all that
 * follows it by any number of bits, so its bytes no longer match the base's
 * while the shifted copy of the base does: on postgresql-15's bitcode
 * 15.18 -> 15.20 the deltas shrink by a quarter (3.24 MB to 2.35 MB over 937
 * files). The encoder makes this form only for LLVM bitcode (raw or in its
 * wrapper) whose base is at most UPDIFF_BIT_VIEW_BASE_MAX bytes (below
 * UPDIFF_BIT_VIEW_ONLY_ABOVE it makes the plain form too and keeps the
 * smaller). Applying it needs no more
 * memory than the plain form: the view is computed as it is read, a chunk of
 * UPD_DELTA_OUT_CHUNK bytes at a time.
 */

#include "config.h"

#include <errno.h>
#include <inttypes.h>

#include "upd-delta-codec-private.h"
#include "upd-error-private.h"
#include "upd-file-private.h"
#include "upd-i18n-private.h"

/* the encoded size of a control entry is at most three 10-byte varints */
#define UPDIFF_CTRL_ENTRY_MAX 30

/* one of the four streams of an UPDIFF delta, a zstd frame or an xz stream,
 * read with pread() */
typedef struct {
	const gchar *name; /* "control", "zero-run", "difference" or "extra" */
	const gchar *delta_path;
	int fd;
	guint64 offset;	   /* in the file, of the next compressed byte to read */
	guint64 remaining; /* compressed bytes not read yet */
	guint64 max_content;
	guint64 target_size; /* for messages */
	ZSTD_DCtx *dctx;     /* (owned) (nullable): a zstd stream's decoder */
	guint8 *inbuf;	     /* (owned) */
	ZSTD_inBuffer in;
	gboolean done; /* the frame ended and everything is out */
	/* an xz stream: its decoder, the content bytes it made so far, and why
	 * upd_delta_stream_xz_read_cb() failed */
	struct archive *xz; /* (owned) (nullable) */
	guint64 produced;
	GError *read_error; /* (owned) (nullable) */
} UpdDeltaStream;

static void
upd_delta_stream_clear(UpdDeltaStream *self)
{
	g_clear_pointer(&self->dctx, ZSTD_freeDCtx);
	g_clear_pointer(&self->xz, archive_read_free);
	g_clear_pointer(&self->inbuf, g_free);
	g_clear_error(&self->read_error);
}

static gboolean
upd_delta_stream_refill(UpdDeltaStream *self, GError **error)
{
	gsize len = MIN(self->remaining, UPD_DELTA_STREAM_BUFFER);
	gssize n = upd_delta_read_full(self->fd, self->inbuf, len, self->offset);
	if (n < 0) {
		upd_file_set_error_errno(error, errno, _("cannot read %s"), self->delta_path);
		return FALSE;
	}
	if ((gsize)n < len) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA, _("delta %s is truncated"),
			    self->delta_path);
		return FALSE;
	}
	self->offset += n;
	self->remaining -= n;
	self->in.src = self->inbuf;
	self->in.size = n;
	self->in.pos = 0;
	return TRUE;
}

/* libarchive's read callback for an xz stream: the buffered bytes, then
 * the next ones up to the end of the stream's range, never beyond */
static la_ssize_t
upd_delta_stream_xz_read_cb(struct archive *archive, void *user_data, const void **buffer)
{
	UpdDeltaStream *self = user_data;
	gsize len;

	if (self->in.pos == self->in.size) {
		if (self->remaining == 0)
			return 0;
		if (!upd_delta_stream_refill(self, &self->read_error)) {
			archive_set_error(archive, EIO, "%s", self->read_error->message);
			return -1;
		}
	}
	*buffer = (const guint8 *)self->in.src + self->in.pos;
	len = self->in.size - self->in.pos;
	self->in.pos = self->in.size;
	return (la_ssize_t)len;
}

/* a libarchive failure of an xz stream: a read error as it is, else the
 * stream is corrupt */
static gboolean
upd_delta_stream_set_xz_error(UpdDeltaStream *self, GError **error)
{
	if (self->read_error != NULL) {
		g_propagate_error(error, g_steal_pointer(&self->read_error));
		return FALSE;
	}
	g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
		    _("the %s stream of delta %s is corrupt: %s"), self->name, self->delta_path,
		    upd_delta_archive_error(self->xz));
	return FALSE;
}

static gboolean
upd_delta_stream_set_early_end(UpdDeltaStream *self, GError **error)
{
	g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
		    _("the %s stream of delta %s ends before the target is complete"), self->name,
		    self->delta_path);
	return FALSE;
}

static gboolean
upd_delta_stream_set_too_large(UpdDeltaStream *self, guint64 declared, GError **error)
{
	g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
		    _("the %s stream of delta %s holds %" PRIu64
		      " bytes, more than a target of %" PRIu64 " bytes can use"),
		    self->name, self->delta_path, declared, self->target_size);
	return FALSE;
}

/* the rest of upd_delta_stream_init() for an xz stream of @size bytes, whose
 * first bytes are buffered: checks its frame, then sets libarchive up */
static gboolean
upd_delta_stream_init_xz(UpdDeltaStream *self, guint64 size, guint64 *content_size, GError **error)
{
	guint8 tail[UPDIFF_XZ_FRAME_SIZE + UPDIFF_XZ_INDEX_MAX];
	gsize tail_len = (gsize)MIN(size, sizeof(tail));
	guint64 tail_offset = self->offset - self->in.size + (size - tail_len);
	struct archive_entry *entry;
	UpdDeltaXzInfo info;
	const gchar *reason;
	gssize n;

	n = upd_delta_read_full(self->fd, tail, tail_len, (gint64)tail_offset);
	if (n < 0) {
		upd_file_set_error_errno(error, errno, _("cannot read %s"), self->delta_path);
		return FALSE;
	}
	if ((gsize)n < tail_len) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA, _("delta %s is truncated"),
			    self->delta_path);
		return FALSE;
	}
	/* the first read holds min(size, UPD_DELTA_STREAM_BUFFER) bytes: the
	 * stream header and the block header at least */
	reason = upd_delta_xz_parse(self->in.src, self->in.size, tail, tail_len, size, &info);
	if (reason != NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("the %s stream of delta %s is corrupt: %s"), self->name,
			    self->delta_path, reason);
		return FALSE;
	}
	/* libarchive gives liblzma no memory limit: the dictionary the block
	 * header asks for is allocated as it is */
	if (info.dict_size > UPDIFF_XZ_DICT_MAX) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    /* TRANSLATORS: the first %s names a part of the delta
			     * file: control, zero-run, difference or extra (not
			     * translated) */
			    _("the %s stream of delta %s needs an xz dictionary of %" PRIu64
			      " bytes, more than the %u bytes allowed"),
			    self->name, self->delta_path, info.dict_size,
			    (guint)UPDIFF_XZ_DICT_MAX);
		return FALSE;
	}
	if (info.content_size > self->max_content)
		return upd_delta_stream_set_too_large(self, info.content_size, error);

	/* the raw format and the xz filter named, not detected: nothing is
	 * decoded before the first read, and content that starts with an xz
	 * magic itself is not decoded a second time */
	self->xz = archive_read_new();
	if (self->xz == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_FAILED,
			    _("cannot set up the xz decoder for delta %s"), self->delta_path);
		return FALSE;
	}
	if (archive_read_set_format(self->xz, ARCHIVE_FORMAT_RAW) != ARCHIVE_OK ||
	    archive_read_append_filter(self->xz, ARCHIVE_FILTER_XZ) != ARCHIVE_OK ||
	    archive_read_open(self->xz, self, NULL, upd_delta_stream_xz_read_cb, NULL) !=
		    ARCHIVE_OK ||
	    archive_read_next_header(self->xz, &entry) != ARCHIVE_OK)
		return upd_delta_stream_set_xz_error(self, error);
	*content_size = info.content_size;
	return TRUE;
}

/* sets the stream up at [@offset, @offset + @size) of the file, at most
 * @max_content bytes of content for a target of @target_size bytes, and
 * returns the content size its frame declares */
static gboolean
upd_delta_stream_init(UpdDeltaStream *self,
		      const gchar *name,
		      const gchar *delta_path,
		      int fd,
		      guint64 offset,
		      guint64 size,
		      guint64 max_content,
		      guint64 target_size,
		      guint64 *content_size,
		      GError **error)
{
	unsigned long long declared;

	self->name = name;
	self->delta_path = delta_path;
	self->fd = fd;
	self->offset = offset;
	self->remaining = size;
	self->max_content = max_content;
	self->target_size = target_size;
	self->inbuf = g_malloc(UPD_DELTA_STREAM_BUFFER);
	if (!upd_delta_stream_refill(self, error))
		return FALSE;
	if (self->in.size >= UPDIFF_XZ_MAGIC_LEN &&
	    memcmp(self->in.src, UPDIFF_XZ_MAGIC, UPDIFF_XZ_MAGIC_LEN) == 0)
		return upd_delta_stream_init_xz(self, size, content_size, error);

	self->dctx = ZSTD_createDCtx();
	if (self->dctx == NULL ||
	    ZSTD_isError(ZSTD_DCtx_setParameter(self->dctx, ZSTD_d_windowLogMax,
						UPDIFF_WINDOW_LOG_MAX))) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_FAILED,
			    _("cannot set up the zstd decoder for delta %s"), delta_path);
		return FALSE;
	}
	declared = ZSTD_getFrameContentSize(self->in.src, self->in.size);
	if (declared == ZSTD_CONTENTSIZE_ERROR || declared == ZSTD_CONTENTSIZE_UNKNOWN) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    /* TRANSLATORS: the first %s names a part of the delta
			     * file: control, zero-run, difference or extra (not
			     * translated); the last one is the reason */
			    _("the %s stream of delta %s is corrupt: %s"), name, delta_path,
			    _("it does not start with a zstd frame that declares its size"));
		return FALSE;
	}
	if (declared > max_content)
		return upd_delta_stream_set_too_large(self, declared, error);
	*content_size = declared;
	return TRUE;
}

/* upd_delta_stream_read() for an xz stream: counts what libarchive makes,
 * which must stay within the stream's max_content */
static gboolean
upd_delta_stream_read_xz(
	UpdDeltaStream *self, guint8 *dest, gsize len, gboolean exact, gsize *got, GError **error)
{
	gsize done = 0;

	while (done < len && !self->done) {
		la_ssize_t n = archive_read_data(self->xz, dest + done, len - done);
		if (n < 0)
			return upd_delta_stream_set_xz_error(self, error);
		if (n == 0) {
			self->done = TRUE;
			break;
		}
		if ((guint64)n > self->max_content - self->produced) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    /* TRANSLATORS: the first %s names a part of the
				     * delta file: control, zero-run, difference or
				     * extra (not translated) */
				    _("the %s stream of delta %s holds more than the %" PRIu64
				      " bytes a target of %" PRIu64 " bytes can use"),
				    self->name, self->delta_path, self->max_content,
				    self->target_size);
			return FALSE;
		}
		self->produced += (guint64)n;
		done += (gsize)n;
		if (!exact)
			break;
	}
	if (exact && done < len)
		return upd_delta_stream_set_early_end(self, error);
	if (got != NULL)
		*got = done;
	return TRUE;
}

/* decodes @len bytes into @dest; with @exact, exactly @len (an error
 * otherwise), else at least one byte unless the stream ended (*@got = 0) */
static gboolean
upd_delta_stream_read(
	UpdDeltaStream *self, guint8 *dest, gsize len, gboolean exact, gsize *got, GError **error)
{
	ZSTD_outBuffer out = {dest, len, 0};

	if (self->xz != NULL)
		return upd_delta_stream_read_xz(self, dest, len, exact, got, error);
	while (out.pos < out.size && !self->done) {
		gsize in_before;
		gsize out_before = out.pos;
		size_t ret;

		if (self->in.pos == self->in.size && self->remaining > 0 &&
		    !upd_delta_stream_refill(self, error))
			return FALSE;
		in_before = self->in.pos;
		ret = ZSTD_decompressStream(self->dctx, &out, &self->in);
		if (ZSTD_isError(ret)) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("the %s stream of delta %s is corrupt: %s"), self->name,
				    self->delta_path, ZSTD_getErrorName(ret));
			return FALSE;
		}
		if (ret == 0) {
			self->done = TRUE;
		} else if (out.pos == out_before && self->in.pos == in_before &&
			   self->in.pos == self->in.size && self->remaining == 0) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("the %s stream of delta %s is truncated"), self->name,
				    self->delta_path);
			return FALSE;
		}
		if (!exact && out.pos > 0)
			break;
	}
	if (exact && out.pos < len)
		return upd_delta_stream_set_early_end(self, error);
	if (got != NULL)
		*got = out.pos;
	return TRUE;
}

/* the stream must end here: no more content, no more bytes (an xz stream
 * ends with the footer that upd_delta_stream_init_xz() found at the end of
 * its range, and liblzma only ends when its input does: then it has all) */
static gboolean
upd_delta_stream_finish(UpdDeltaStream *self, GError **error)
{
	guint8 byte;
	gsize got = 0;

	if (!upd_delta_stream_read(self, &byte, 1, FALSE, &got, error))
		return FALSE;
	if (got > 0) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("the %s stream of delta %s holds more than its control entries use"),
			    self->name, self->delta_path);
		return FALSE;
	}
	if (self->in.pos < self->in.size || self->remaining > 0) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("the %s stream of delta %s has data after its end"), self->name,
			    self->delta_path);
		return FALSE;
	}
	return TRUE;
}

/* an UPDIFF delta being applied: its four streams and where the decoding
 * of the difference bytes is */
typedef struct {
	const gchar *delta_path;
	UpdDeltaStream streams[UPDIFF_N_STREAMS];
	/* decoded bytes of the control, zero-run and difference streams,
	 * consumed a few at a time */
	guint8 *buf[UPDIFF_N_STREAMS]; /* (owned) */
	gsize pos[UPDIFF_N_STREAMS];
	gsize len[UPDIFF_N_STREAMS];
	guint64 zeros_left; /* of the current zero run */
	gboolean in_zeros;  /* a zero run was read and is being used */
	gboolean in_values; /* in a run of nonzero difference bytes */
	gboolean started;   /* the first zero run was read */
	gsize run_len;	    /* bytes of the current nonzero run so far */
} UpdDiffDecoder;

static void
upd_diff_decoder_free(UpdDiffDecoder *self)
{
	for (guint i = 0; i < UPDIFF_N_STREAMS; i++) {
		upd_delta_stream_clear(&self->streams[i]);
		g_free(self->buf[i]);
	}
	g_free(self);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdDiffDecoder, upd_diff_decoder_free)

static gboolean
upd_diff_decoder_set_malformed(UpdDiffDecoder *self, guint stream, GError **error)
{
	g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
		    _("the %s stream of delta %s is malformed"), self->streams[stream].name,
		    self->delta_path);
	return FALSE;
}

/* makes decoded bytes of @stream available; an error at its end */
static gboolean
upd_diff_decoder_fill(UpdDiffDecoder *self, guint stream, GError **error)
{
	if (self->pos[stream] < self->len[stream])
		return TRUE;
	self->pos[stream] = 0;
	if (!upd_delta_stream_read(&self->streams[stream], self->buf[stream],
				   UPD_DELTA_STREAM_BUFFER, FALSE, &self->len[stream], error))
		return FALSE;
	if (self->len[stream] == 0)
		return upd_delta_stream_set_early_end(&self->streams[stream], error);
	return TRUE;
}

static gboolean
upd_diff_decoder_varint(UpdDiffDecoder *self, guint stream, guint64 *value, GError **error)
{
	guint64 result = 0;

	for (guint shift = 0;; shift += 7) {
		guint8 byte;
		if (!upd_diff_decoder_fill(self, stream, error))
			return FALSE;
		byte = self->buf[stream][self->pos[stream]++];
		/* ten bytes at most, and the tenth holds the top bit only */
		if (shift == 63 && byte > 1)
			return upd_diff_decoder_set_malformed(self, stream, error);
		result |= (guint64)(byte & 0x7f) << shift;
		if ((byte & 0x80) == 0)
			break;
	}
	*value = result;
	return TRUE;
}

/* writes @len bytes of target to @dest: the base bytes at @src plus the next
 * @len difference bytes */
static gboolean
upd_diff_decoder_add(
	UpdDiffDecoder *self, guint8 *dest, const guint8 *src, gsize len, GError **error)
{
	while (len > 0) {
		if (!self->in_values) {
			gsize take;
			if (!self->in_zeros) {
				if (!upd_diff_decoder_varint(self, UPDIFF_ZERO_RUNS,
							     &self->zeros_left, error))
					return FALSE;
				/* only the first zero run may be empty */
				if (self->zeros_left == 0 && self->started)
					return upd_diff_decoder_set_malformed(
						self, UPDIFF_ZERO_RUNS, error);
				self->started = TRUE;
				self->in_zeros = TRUE;
			}
			take = MIN(self->zeros_left, len);
			memcpy(dest, src, take);
			dest += take;
			src += take;
			len -= take;
			self->zeros_left -= take;
			if (self->zeros_left == 0) {
				self->in_zeros = FALSE;
				self->in_values = TRUE;
				self->run_len = 0;
			}
		} else {
			const guint8 *values;
			const guint8 *end;
			gsize avail;
			gsize take;

			if (!upd_diff_decoder_fill(self, UPDIFF_DIFFERENCE, error))
				return FALSE;
			values = self->buf[UPDIFF_DIFFERENCE] + self->pos[UPDIFF_DIFFERENCE];
			avail = self->len[UPDIFF_DIFFERENCE] - self->pos[UPDIFF_DIFFERENCE];
			take = MIN(avail, len);
			end = memchr(values, 0, take);
			if (end != NULL)
				take = end - values;
			for (gsize i = 0; i < take; i++)
				dest[i] = src[i] + values[i];
			dest += take;
			src += take;
			len -= take;
			self->run_len += take;
			self->pos[UPDIFF_DIFFERENCE] += take;
			if (end != NULL) {
				/* only the last nonzero run may be empty */
				if (self->run_len == 0)
					return upd_diff_decoder_set_malformed(
						self, UPDIFF_DIFFERENCE, error);
				self->pos[UPDIFF_DIFFERENCE]++;
				self->in_values = FALSE;
			}
		}
	}
	return TRUE;
}

/* every stream must end where the last control entry leaves it */
static gboolean
upd_diff_decoder_finish(UpdDiffDecoder *self, GError **error)
{
	/* the difference bytes end with a zero run or inside a nonzero run:
	 * either way, a terminator follows */
	if (self->in_zeros)
		return upd_diff_decoder_set_malformed(self, UPDIFF_ZERO_RUNS, error);
	if (self->in_values) {
		if (!upd_diff_decoder_fill(self, UPDIFF_DIFFERENCE, error))
			return FALSE;
		if (self->buf[UPDIFF_DIFFERENCE][self->pos[UPDIFF_DIFFERENCE]++] != 0)
			return upd_diff_decoder_set_malformed(self, UPDIFF_DIFFERENCE, error);
	}
	for (guint i = 0; i < UPDIFF_N_STREAMS; i++) {
		if (self->pos[i] < self->len[i]) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("the %s stream of delta %s holds more than its control "
				      "entries use"),
				    self->streams[i].name, self->delta_path);
			return FALSE;
		}
		if (!upd_delta_stream_finish(&self->streams[i], error))
			return FALSE;
	}
	return TRUE;
}

gboolean
upd_delta_apply_updiff(const gchar *delta_path,
		       int fd,
		       guint64 delta_offset,
		       guint64 delta_size,
		       const guint8 *base,
		       gsize base_size,
		       UpdDeltaSink *sink,
		       guint64 target_size,
		       GError **error)
{
	g_autoptr(UpdDiffDecoder) self = g_new0(UpdDiffDecoder, 1);
	static const gchar *const names[UPDIFF_N_STREAMS] = {"control", "zero-run", "difference",
							     "extra"};
	guint8 header[UPDIFF_HEADER_SIZE];
	guint64 max_content[UPDIFF_N_STREAMS];
	guint64 content;
	guint64 offset = UPDIFF_HEADER_SIZE;
	guint64 oldpos = 0;
	guint64 entry = 0;
	/* the base the control entries address: the base, or its bit-shifted
	 * view, read through @view_buf */
	guint64 view_size = base_size;
	g_autofree guint8 *view_buf = NULL;
	guint64 pos = 0;
	gssize n;

	self->delta_path = delta_path;
	n = upd_delta_read_next(fd, header, sizeof(header), delta_offset, delta_size, &pos);
	if (n < 0) {
		upd_file_set_error_errno(error, errno, _("cannot read %s"), delta_path);
		return FALSE;
	}
	if (n >= UPDIFF_MAGIC_LEN && memcmp(header, UPDIFF_BIT_VIEW_MAGIC, UPDIFF_MAGIC_LEN) == 0) {
		view_size = UPDIFF_BIT_VIEW_COPIES * (guint64)base_size;
		view_buf = g_malloc(UPD_DELTA_OUT_CHUNK);
	} else if (n < UPDIFF_MAGIC_LEN || memcmp(header, UPDIFF_MAGIC, UPDIFF_MAGIC_LEN) != 0) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("delta %s is not an UPDIFF delta"), delta_path);
		return FALSE;
	}
	if (n < UPDIFF_HEADER_SIZE) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA, _("delta %s is truncated"),
			    delta_path);
		return FALSE;
	}
	if (upd_delta_get_u64(header + 8) != target_size) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("delta %s makes %" PRIu64 " bytes, expected %" PRIu64), delta_path,
			    upd_delta_get_u64(header + 8), target_size);
		return FALSE;
	}
	for (guint i = 0; i < UPDIFF_N_STREAMS; i++) {
		guint64 len = upd_delta_get_u64(header + 16 + 8 * i);
		if (len > delta_size - offset) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("delta %s is truncated"), delta_path);
			return FALSE;
		}
		offset += len;
	}
	if (offset != delta_size) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("delta %s has data after its end"), delta_path);
		return FALSE;
	}

	/* what a valid delta for this target size can hold at most: every
	 * control entry makes at least one byte, every zero run and every
	 * terminator of a nonzero run at least one */
	max_content[UPDIFF_CONTROL] = target_size > G_MAXUINT64 / UPDIFF_CTRL_ENTRY_MAX
					      ? G_MAXUINT64
					      : target_size * UPDIFF_CTRL_ENTRY_MAX;
	max_content[UPDIFF_ZERO_RUNS] =
		target_size > G_MAXUINT64 / 10 ? G_MAXUINT64 : target_size * 10;
	max_content[UPDIFF_DIFFERENCE] =
		target_size > G_MAXUINT64 / 2 ? G_MAXUINT64 : target_size * 2;
	max_content[UPDIFF_EXTRA] = target_size;
	offset = UPDIFF_HEADER_SIZE;
	for (guint i = 0; i < UPDIFF_N_STREAMS; i++) {
		guint64 len = upd_delta_get_u64(header + 16 + 8 * i);
		if (!upd_delta_stream_init(&self->streams[i], names[i], delta_path, fd,
					   delta_offset + offset, len, max_content[i], target_size,
					   &content, error))
			return FALSE;
		offset += len;
		if (i != UPDIFF_EXTRA)
			self->buf[i] = g_malloc(UPD_DELTA_STREAM_BUFFER);
	}

	while (sink->written + sink->fill < target_size) {
		guint64 seek_code;
		guint64 add;
		guint64 copy;
		guint64 left = target_size - (sink->written + sink->fill);
		gint64 seek;

		if (!upd_diff_decoder_varint(self, UPDIFF_CONTROL, &seek_code, error) ||
		    !upd_diff_decoder_varint(self, UPDIFF_CONTROL, &add, error) ||
		    !upd_diff_decoder_varint(self, UPDIFF_CONTROL, &copy, error))
			return FALSE;
		if (add == 0 && copy == 0) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("control entry %" PRIu64 " of delta %s is empty"), entry,
				    delta_path);
			return FALSE;
		}
		seek = (gint64)(seek_code >> 1) ^ -(gint64)(seek_code & 1);
		if (seek < 0 ? (guint64)(-(seek + 1)) >= oldpos
			     : (guint64)seek > view_size - oldpos) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("control entry %" PRIu64 " of delta %s seeks outside the "
				      "base (%" PRIu64 " bytes)"),
				    entry, delta_path, view_size);
			return FALSE;
		}
		oldpos += seek;
		if (add > view_size - oldpos) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("control entry %" PRIu64 " of delta %s reads outside the "
				      "base (%" PRIu64 " bytes)"),
				    entry, delta_path, view_size);
			return FALSE;
		}
		if (add > left || copy > left - add) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("control entry %" PRIu64 " of delta %s writes beyond the "
				      "target size of %" PRIu64 " bytes"),
				    entry, delta_path, target_size);
			return FALSE;
		}
		while (add > 0) {
			gsize len = MIN(add, UPD_DELTA_OUT_CHUNK - sink->fill);
			const guint8 *src = base + oldpos;
			if (view_buf != NULL) {
				upd_delta_bit_view_read(base, base_size, oldpos, view_buf, len);
				src = view_buf;
			}
			if (!upd_diff_decoder_add(self, sink->buf + sink->fill, src, len, error))
				return FALSE;
			sink->fill += len;
			oldpos += len;
			add -= len;
			if (sink->fill == UPD_DELTA_OUT_CHUNK && !upd_delta_sink_flush(sink, error))
				return FALSE;
		}
		while (copy > 0) {
			gsize len = MIN(copy, UPD_DELTA_OUT_CHUNK - sink->fill);
			if (!upd_delta_stream_read(&self->streams[UPDIFF_EXTRA],
						   sink->buf + sink->fill, len, TRUE, NULL, error))
				return FALSE;
			sink->fill += len;
			copy -= len;
			if (sink->fill == UPD_DELTA_OUT_CHUNK && !upd_delta_sink_flush(sink, error))
				return FALSE;
		}
		entry++;
		if (entry % 4096 == 0 &&
		    g_cancellable_set_error_if_cancelled(sink->cancellable, error))
			return FALSE;
	}
	if (!upd_diff_decoder_finish(self, error))
		return FALSE;
	return upd_delta_sink_flush(sink, error);
}
