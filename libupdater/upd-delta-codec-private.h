/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

/*
 * What the delta codecs share: the formats' constants, the helpers of
 * upd-delta.c, and each codec's entry points. The formats are described at
 * the top of upd-delta-zpatch.c (ZSTD_PATCH), upd-delta-updiff.c (UPDIFF),
 * upd-delta-xz.c (UPDIFF's xz streams); how UPDIFF deltas are made, at the
 * top of upd-delta-updiff-encoder.c; the memory they take, at the top of
 * upd-delta.c.
 */

#include <archive.h>
#include <archive_entry.h>
#include <string.h>

#include "upd-delta-private.h"
#include "upd-zstd-private.h"

G_BEGIN_DECLS

/* ZSTD_PATCH: the skippable frame that starts a delta made against the
 * bit-shifted view of the base */
#define UPD_ZPATCH_BIT_VIEW_FRAME_MAGIC (ZSTD_MAGIC_SKIPPABLE_START + 11)
#define UPD_ZPATCH_BIT_VIEW_MARKER	"UPDBITV1"
#define UPD_ZPATCH_BIT_VIEW_MARKER_LEN	8
#define UPD_ZPATCH_BIT_VIEW_HEADER_SIZE (8 + UPD_ZPATCH_BIT_VIEW_MARKER_LEN)
/* the largest base whose bit-shifted view a ZSTD_PATCH delta may use: the
 * decoder materializes the view */
#define UPD_ZPATCH_BIT_VIEW_BASE_MAX (2 * 1024 * 1024)

#define UPDIFF_MAGIC	      "UPDIFF01"
#define UPDIFF_BIT_VIEW_MAGIC "UPDIFFB1"
#define UPDIFF_MAGIC_LEN      8
#define UPDIFF_N_STREAMS      4
#define UPDIFF_HEADER_SIZE    (16 + 8 * UPDIFF_N_STREAMS)
#define UPDIFF_WINDOW_LOG_MAX 27
/* the window the encoder gives a zstd stream at most: 8 MiB, which bounds
 * the decoder's window buffer for the deltas libupdater makes (the format
 * allows UPDIFF_WINDOW_LOG_MAX); a larger one saved 12 bytes of 2.15 MB on
 * libreoffice's libmergedlo.so */
#define UPDIFF_ENCODE_WINDOW_LOG_MAX 23
/* the largest base whose bit-shifted view the UPDIFF encoder tries: the
 * view and its suffix array take 40 bytes a base byte */
#define UPDIFF_BIT_VIEW_BASE_MAX (8 * 1024 * 1024)
/* the bit-shifted view of a base is this many copies of it, shifted by 0 to
 * 7 bits */
#define UPDIFF_BIT_VIEW_COPIES 8

/* bytes of output between two looks at the cancellable while applying */
#define UPD_DELTA_OUT_CHUNK	(1024 * 1024)
#define UPD_DELTA_STREAM_BUFFER (128 * 1024)

/* UPDIFF's xz streams (see upd-delta-xz.c) */
/* FD 37 7A 58 5A 00, the last byte being the string's NUL */
#define UPDIFF_XZ_MAGIC	    "\xfd\x37\x7a\x58\x5a"
#define UPDIFF_XZ_MAGIC_LEN 6
/* streams larger than this are not tried with xz: the time it takes, and
 * the encoder's one block */
#define UPDIFF_XZ_STREAM_MAX (8 * 1024 * 1024)
/* the largest LZMA2 dictionary the decoder accepts: level 6's */
#define UPDIFF_XZ_DICT_MAX (8 * 1024 * 1024)
/* the stream header and the stream footer */
#define UPDIFF_XZ_FRAME_SIZE 12
/* an index of one record: 1 + 1 + 9 + 9 bytes at most, padded to a
 * multiple of 4, and a CRC32 */
#define UPDIFF_XZ_INDEX_MAX 24
/* what the level-6 xz encoder takes (94 MiB according to xz(1); 92 MiB
 * resident measured for an 8 MiB stream with libarchive's two-thread
 * encoder), for upd_delta_encode_memory() */
#define UPDIFF_XZ_ENCODER_MEMORY (100 * 1024 * 1024)

typedef struct archive UpdDeltaArchiveRead;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdDeltaArchiveRead, archive_read_free)
typedef struct archive UpdDeltaArchiveWrite;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdDeltaArchiveWrite, archive_write_free)
typedef struct archive_entry UpdDeltaArchiveEntry;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdDeltaArchiveEntry, archive_entry_free)

/* the streams of an UPDIFF delta, in their order */
enum {
	UPDIFF_CONTROL,
	UPDIFF_ZERO_RUNS,
	UPDIFF_DIFFERENCE,
	UPDIFF_EXTRA,
};

static inline void
upd_delta_put_u64(guint8 *dest, guint64 value)
{
	value = GUINT64_TO_LE(value);
	memcpy(dest, &value, 8);
}

static inline guint64
upd_delta_get_u64(const guint8 *src)
{
	guint64 value;
	memcpy(&value, src, 8);
	return GUINT64_FROM_LE(value);
}

static inline void
upd_delta_put_u32(guint8 *dest, guint32 value)
{
	value = GUINT32_TO_LE(value);
	memcpy(dest, &value, 4);
}

static inline guint32
upd_delta_get_u32(const guint8 *src)
{
	guint32 value;
	memcpy(&value, src, 4);
	return GUINT32_FROM_LE(value);
}

/* encoding: the helpers of upd-delta.c */

/* the window log of a ZSTD_PATCH frame over a prefix of @base_size bytes
 * and a target of @target_size; the one the encoder gives an UPDIFF stream
 * of @stream_size */
gint
upd_delta_zpatch_window_log(guint64 base_size, guint64 target_size);
gint
upd_delta_updiff_window_log(guint64 stream_size);

/* TRUE when @ret is not a zstd error; else sets "cannot make a delta: @what:
 * <zstd's reason>" */
gboolean
upd_delta_zstd_check(size_t ret, const gchar *what, GError **error);

/* a compression context for @level at window 2^@window_log, long-distance
 * matching on, no checksum, content size written */
ZSTD_CCtx *
upd_delta_cctx_new(gint level, gint window_log, GError **error);

/* compresses @src into @dest with @cctx: the compressed size, 0 on error */
gsize
upd_delta_compress_into(ZSTD_CCtx *cctx,
			guint8 *dest,
			gsize dest_size,
			const guint8 *src,
			gsize src_size,
			GError **error);

/* LLVM bitcode, raw ("BC" 0xC0DE) or in its wrapper (0x0B17C0DE, little
 * endian): a bitstream */
gboolean
upd_delta_is_bitstream(const guint8 *data, gsize size);

/* @len bytes of the bit-shifted view of @base (see "Bit-shifted base" in
 * upd-delta-updiff.c) from @pos into @dest; [@pos, @pos + @len) lies inside
 * the view */
void
upd_delta_bit_view_read(const guint8 *base, gsize base_size, guint64 pos, guint8 *dest, gsize len);

/* applying: the helpers of upd-delta.c */

/* the decoded output: hashed and written out in chunks */
typedef struct {
	GOutputStream *out;
	UpdSha256 *sha; /* (owned) */
	guint8 *buf;	/* (owned): UPD_DELTA_OUT_CHUNK bytes */
	gsize fill;
	guint64 written; /* bytes handed to @out so far */
	GCancellable *cancellable;
} UpdDeltaSink;

/* hashes and writes out what @sink holds */
gboolean
upd_delta_sink_flush(UpdDeltaSink *sink, GError **error);

/* reads up to @len bytes at @offset (or at the file position when @offset is
 * negative), fewer only at the end of the file */
gssize
upd_delta_read_full(int fd, guint8 *buf, gsize len, gint64 offset);

/* reads the next bytes of a delta that is [@offset, @offset + @size) of
 * @fd, from @pos on (which advances), up to @len; fewer only at its end */
gssize
upd_delta_read_next(int fd, guint8 *buf, gsize len, guint64 offset, guint64 size, guint64 *pos);

/* xz streams (upd-delta-xz.c) */

/* what the frame of an xz stream says (see upd_delta_xz_parse()) */
typedef struct {
	guint64 content_size;
	guint64 dict_size;
} UpdDeltaXzInfo;

/* libarchive's message for @archive's last error, or a translated
 * "no reason given" */
const gchar *
upd_delta_archive_error(struct archive *archive);

/* checks that @size bytes are an xz stream as UPDIFF allows it, from its
 * first (@head) and last (@tail) bytes; NULL, or why not */
const gchar *
upd_delta_xz_parse(const guint8 *head,
		   gsize head_len,
		   const guint8 *tail,
		   gsize tail_len,
		   guint64 size,
		   UpdDeltaXzInfo *info);

/* @src as an xz stream into @dest: its size, or 0 when it does not fit in
 * @dest_size bytes or cannot be made */
gsize
upd_delta_xz_compress(const guint8 *src, gsize src_size, guint8 *dest, gsize dest_size);

/* the codecs: ZSTD_PATCH (upd-delta-zpatch.c), UPDIFF (upd-delta-updiff.c
 * and upd-delta-updiff-encoder.c) */

GBytes *
upd_delta_encode_zpatch(const guint8 *base,
			gsize base_size,
			const guint8 *target,
			gsize target_size,
			gint level,
			GCancellable *cancellable,
			GError **error);

gboolean
upd_delta_apply_zpatch(const gchar *delta_path,
		       int fd,
		       guint64 delta_offset,
		       guint64 delta_size,
		       const guint8 *base,
		       gsize base_size,
		       UpdDeltaSink *sink,
		       guint64 target_size,
		       GError **error);

GBytes *
upd_delta_encode_updiff(const guint8 *base,
			gsize base_size,
			const guint8 *target,
			gsize target_size,
			gint level,
			GCancellable *cancellable,
			GError **error);

gboolean
upd_delta_apply_updiff(const gchar *delta_path,
		       int fd,
		       guint64 delta_offset,
		       guint64 delta_size,
		       const guint8 *base,
		       gsize base_size,
		       UpdDeltaSink *sink,
		       guint64 target_size,
		       GError **error);

G_END_DECLS
