/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * Binary deltas (see upd-delta-private.h for the API).
 *
 * ZSTD_PATCH ("zpatch")
 * ---------------------
 * One zstd frame of the target, compressed with the base as a raw-content
 * prefix (ZSTD_CCtx_refPrefix, zstd's "patch-from"): long-distance matching
 * on, no zstd checksum (the caller checks the SHA-256), the content size in
 * the frame header. The window is 2^W with W the smallest value such that
 * 2^W >= base size + target size (so that the end of the target can still
 * reach the start of the base), at least ZSTD_WINDOWLOG_MIN and at most
 * zstd's limit (2 GiB). The decoder allows exactly that W.
 *
 * Bit-shifted base ("UPDBITV1")
 * -----------------------------
 * For LLVM bitcode the prefix may be the bit-shifted view of the base
 * instead (UPDIFF_BIT_VIEW_COPIES = 8 times the base's size, exactly as
 * "Bit-shifted base" under UPDIFF below defines it). Such a delta starts with
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
 * smaller for 641 of them, mostly tiny, but only by 10 KB in all).
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
 *    a window of at most 2^UPDIFF_WINDOW_LOG_MAX.
 *  - xz (FD 37 7A 58 5A 00): one xz stream (the .xz format of XZ Utils)
 *    and nothing else: no stream padding, no second stream. It holds
 *    exactly one block, whose header declares both its compressed and its
 *    uncompressed size and has one filter, LZMA2, with a dictionary of at
 *    most UPDIFF_XZ_DICT_MAX (8 MiB); the index has the one record, which
 *    agrees with the block header; the content is not empty. Any check type.
 * Old deltas, all zstd, are valid as they are; the header is unchanged.
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
 *
 * The decoder checks the xz stream's frame before decoding anything: the
 * stream header, the block header, the index and the footer, which must
 * end the stream's range, and it refuses a dictionary above 8 MiB or
 * content that a target of this size cannot use. Then libarchive decodes it
 * (format "raw", filter "xz" named rather than detected, so that content
 * that is itself an xz stream is not decoded twice), reading only the
 * stream's range, and every byte it returns is counted against the same
 * limit. The checks are needed because libarchive gives liblzma no memory
 * limit and decodes concatenated streams: a block header that asks for a 4
 * GiB dictionary has liblzma allocate 4 GiB (of address space: measured
 * VmPeak + 4.0 GiB for 6 MiB of content, whose resident size was that of an
 * 8 MiB dictionary), and zero padding or a second xz stream after the first
 * would be decoded without a word. With the compressed size in the block
 * header, liblzma ends the block exactly there and the index must follow,
 * so no other block can hide in the range.
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
 *    window of at most 2^UPDIFF_WINDOW_LOG_MAX, then, once it is freed and for a stream of at
 *    most 8 MiB, with liblzma's level-6 encoder (UPDIFF_XZ_ENCODER_MEMORY, 100 MiB: xz(1) says
 *    94 MiB, 92 MiB resident measured for 8 MiB) into a buffer the size of the zstd frame.
 *  - ZSTD_PATCH: one zstd context at the window above (zstd's own estimate,
 *    including the long-distance matcher's tables) and the compressed
 *    result (at most ZSTD_compressBound(target)). For a base of at most
 *    UPD_ZPATCH_BIT_VIEW_BASE_MAX bytes (counted as if it were bitcode),
 *    then also the view (8 times the base), a zstd context at the window
 *    over view and target, and a second result, while the first is kept.
 * Applying: the base is mapped, not read. ZSTD_PATCH: zstd's window buffer,
 * at most min(target size, 2^W) plus two blocks (256 KiB), and 1.2 MiB of
 * buffers; with the "UPDBITV1" marker also the materialized view, 8 times
 * the base: at most 16 MiB. UPDIFF: for each zstd stream, a zstd window buffer of at most
 * min(its content size, 2^UPDIFF_WINDOW_LOG_MAX) plus two blocks; for each xz stream, the LZMA2
 * dictionary its block header declares, at most 8 MiB (allocated whole, but only as much of it is
 * touched as content is decoded: min(content size, 8 MiB)), about 30 KiB of LZMA2 state and
 * libarchive's 64 KiB output block (decoding 6 MiB measured VmPeak + 8.1 MiB, VmHWM + 6.7 MiB);
 * and 1.9 MiB of buffers (2.9 MiB with a bit-shifted base). The content sizes that frames declare
 * are checked against what a target of this size can use before any decoding, so a hostile delta
 * cannot make that more than 4 * 2^UPDIFF_WINDOW_LOG_MAX (all zstd; 4 * 8 MiB if all xz); a real
 * one uses about its decompressed streams' size (a sixth of the target for a rebuilt executable).
 */

#include "config.h"

/* ZSTD_estimateCCtxSize_usingCCtxParams(), for upd_delta_encode_memory() */
#define ZSTD_STATIC_LINKING_ONLY

#include <archive.h>
#include <archive_entry.h>
#include <divsufsort.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upd-delta-private.h"
#include "upd-error-private.h"
#include "upd-file-private.h"
#include "upd-i18n-private.h"
#include "upd-zstd-private.h"

#define UPD_DELTA_DEFAULT_LEVEL 19
/* ZSTD_PATCH's default level for targets above 4 MiB */
#define UPD_DELTA_ZPATCH_FAST_ABOVE (4 * 1024 * 1024)
#define UPD_DELTA_ZPATCH_FAST_LEVEL 3

/* the skippable frame that starts a ZSTD_PATCH delta made against the
 * bit-shifted view of the base (see the top of the file) */
#define UPD_ZPATCH_BIT_VIEW_FRAME_MAGIC (ZSTD_MAGIC_SKIPPABLE_START + 11)
#define UPD_ZPATCH_BIT_VIEW_MARKER	"UPDBITV1"
#define UPD_ZPATCH_BIT_VIEW_MARKER_LEN	8
#define UPD_ZPATCH_BIT_VIEW_HEADER_SIZE (8 + UPD_ZPATCH_BIT_VIEW_MARKER_LEN)
/* the largest base whose bit-shifted view a ZSTD_PATCH delta may use: the
 * decoder materializes the view, 8 times the base */
#define UPD_ZPATCH_BIT_VIEW_BASE_MAX (2 * 1024 * 1024)

#define UPDIFF_MAGIC	      "UPDIFF01"
#define UPDIFF_BIT_VIEW_MAGIC "UPDIFFB1"
#define UPDIFF_MAGIC_LEN      8
#define UPDIFF_N_STREAMS      4
#define UPDIFF_HEADER_SIZE    (16 + 8 * UPDIFF_N_STREAMS)
#define UPDIFF_WINDOW_LOG_MAX 27
/* the largest base the 32-bit suffix array can index */
#define UPDIFF_BASE_SIZE_MAX ((guint64)G_MAXINT32 - 1)
/* the largest base whose bit-shifted view the encoder tries: the view and
 * its suffix array take 40 bytes a base byte */
#define UPDIFF_BIT_VIEW_BASE_MAX (8 * 1024 * 1024)
#define UPDIFF_BIT_VIEW_COPIES	 8
/* above this base size, the bit-shifted view alone is tried for bitcode
 * (it holds the base as its first copy); below, the plain form too */
#define UPDIFF_BIT_VIEW_ONLY_ABOVE (256 * 1024)
/* the encoded size of a control entry is at most three 10-byte varints */
#define UPDIFF_CTRL_ENTRY_MAX 30
/* bytes of output between two looks at the cancellable while applying */
#define UPD_DELTA_OUT_CHUNK	(1024 * 1024)
#define UPD_DELTA_STREAM_BUFFER (128 * 1024)
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

/* xz streams (see "Stream encodings" at the top of the file) */
/* FD 37 7A 58 5A 00, the last byte being the string's NUL */
#define UPDIFF_XZ_MAGIC	    "\xfd\x37\x7a\x58\x5a"
#define UPDIFF_XZ_MAGIC_LEN 6
#define UPDIFF_XZ_LEVEL	    "6"
/* streams larger than this are not tried with xz: the time it takes, and
 * the encoder's one block */
#define UPDIFF_XZ_STREAM_MAX (8 * 1024 * 1024)
/* the largest LZMA2 dictionary the decoder accepts: level 6's */
#define UPDIFF_XZ_DICT_MAX (8 * 1024 * 1024)
/* the stream header and the stream footer */
#define UPDIFF_XZ_FRAME_SIZE 12
/* the largest block header the format allows */
#define UPDIFF_XZ_BLOCK_HEADER_MAX 1024
/* an index of one record: 1 + 1 + 9 + 9 bytes at most, padded to a
 * multiple of 4, and a CRC32 */
#define UPDIFF_XZ_INDEX_MAX 24
#define UPDIFF_XZ_LZMA2_ID  0x21
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

static gint
upd_delta_zpatch_window_log(guint64 base_size, guint64 target_size)
{
	ZSTD_bounds bounds = ZSTD_cParam_getBounds(ZSTD_c_windowLog);
	guint64 sum = base_size + target_size;
	/* overflow is not possible for real files; stay correct anyway */
	if (sum < base_size)
		sum = G_MAXUINT64;
	return upd_delta_window_log(sum, ZSTD_WINDOWLOG_MIN, bounds.upperBound);
}

static gint
upd_delta_updiff_window_log(guint64 stream_size)
{
	return upd_delta_window_log(stream_size, ZSTD_WINDOWLOG_MIN, UPDIFF_WINDOW_LOG_MAX);
}

static gboolean
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
static ZSTD_CCtx *
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

enum {
	UPDIFF_CONTROL,
	UPDIFF_ZERO_RUNS,
	UPDIFF_DIFFERENCE,
	UPDIFF_EXTRA,
};

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

static gsize
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

static void
upd_delta_put_u64(guint8 *dest, guint64 value)
{
	value = GUINT64_TO_LE(value);
	memcpy(dest, &value, 8);
}

static guint64
upd_delta_get_u64(const guint8 *src)
{
	guint64 value;
	memcpy(&value, src, 8);
	return GUINT64_FROM_LE(value);
}

/* ---------------------------------------------------------------------- */
/* xz streams */

/* what the frame of an xz stream says (see upd_delta_xz_parse()) */
typedef struct {
	guint64 content_size;
	guint64 dict_size;
} UpdDeltaXzInfo;

/* libarchive does not always say why */
static const gchar *
upd_delta_archive_error(struct archive *archive)
{
	const gchar *message = archive_error_string(archive);
	return message != NULL ? message : _("no reason given by libarchive");
}

/* an xz variable-length integer at *@pos of @buf (at most 9 bytes, the
 * shortest encoding); advances *@pos */
static gboolean
upd_delta_xz_vli(const guint8 *buf, gsize len, gsize *pos, guint64 *value)
{
	guint64 result = 0;

	for (guint i = 0; i < 9; i++) {
		guint8 byte;
		if (*pos >= len)
			return FALSE;
		byte = buf[(*pos)++];
		result |= (guint64)(byte & 0x7f) << (7 * i);
		if ((byte & 0x80) == 0) {
			if (byte == 0 && i > 0)
				return FALSE;
			*value = result;
			return TRUE;
		}
	}
	return FALSE;
}

/* checks that a stream of @size bytes whose first @head_len bytes are @head
 * (at least min(@size, UPDIFF_XZ_FRAME_SIZE + UPDIFF_XZ_BLOCK_HEADER_MAX))
 * and whose last @tail_len bytes are @tail (at least min(@size,
 * UPDIFF_XZ_FRAME_SIZE + UPDIFF_XZ_INDEX_MAX)) is an xz stream as UPDIFF
 * allows it (see "Stream encodings" at the top of the file), from its frame
 * alone: the stream header, the one block header, the index and the stream
 * footer, which must end the stream. Fills @info; returns NULL, or why the
 * stream is not such a one. liblzma then checks the rest while decoding:
 * the CRC32s, the padding, the compressed data against the sizes. */
static const gchar *
upd_delta_xz_parse(const guint8 *head,
		   gsize head_len,
		   const guint8 *tail,
		   gsize tail_len,
		   guint64 size,
		   UpdDeltaXzInfo *info)
{
	/* TRANSLATORS: the reason in "the %s stream of delta %s is corrupt:
	 * %s"; "it" is the stream */
	const gchar *bad_footer = _("it does not end with the footer of an xz stream");
	/* TRANSLATORS: the reason in "the %s stream of delta %s is corrupt:
	 * %s"; LZMA2 is the name of a compression method */
	const gchar *bad_block =
		_("it is not an xz stream of one LZMA2 block that declares its sizes");
	const guint8 *footer;
	const guint8 *index;
	const guint8 *block;
	guint32 backward;
	guint64 index_size;
	guint64 check_size;
	guint64 block_header_size;
	guint64 records;
	guint64 unpadded;
	guint64 index_content;
	guint64 compressed;
	guint64 content;
	guint64 filter;
	guint64 props_size;
	guint check_type;
	guint dict;
	gsize pos;

	/* the stream header and its flags, which the footer repeats */
	if (size < 2 * UPDIFF_XZ_FRAME_SIZE || head_len < UPDIFF_XZ_FRAME_SIZE ||
	    tail_len < UPDIFF_XZ_FRAME_SIZE ||
	    memcmp(head, UPDIFF_XZ_MAGIC, UPDIFF_XZ_MAGIC_LEN) != 0)
		return bad_footer;
	footer = tail + tail_len - UPDIFF_XZ_FRAME_SIZE;
	if (footer[10] != 'Y' || footer[11] != 'Z' || memcmp(footer + 8, head + 6, 2) != 0)
		return bad_footer;
	if (head[6] != 0 || (head[7] & 0xf0) != 0)
		return bad_block;
	check_type = head[7] & 0x0f;
	check_size = check_type == 0 ? 0 : 4 << ((check_type - 1) / 3);

	/* the index, just before the footer: one record */
	memcpy(&backward, footer + 4, 4);
	index_size = ((guint64)GUINT32_FROM_LE(backward) + 1) * 4;
	if (index_size > UPDIFF_XZ_INDEX_MAX || index_size > tail_len - UPDIFF_XZ_FRAME_SIZE ||
	    index_size > size - 2 * UPDIFF_XZ_FRAME_SIZE)
		return bad_block;
	index = footer - index_size;
	pos = 1;
	if (index[0] != 0 || !upd_delta_xz_vli(index, index_size, &pos, &records) || records != 1 ||
	    !upd_delta_xz_vli(index, index_size, &pos, &unpadded) ||
	    !upd_delta_xz_vli(index, index_size, &pos, &index_content))
		return bad_block;
	while (pos % 4 != 0) {
		if (pos >= index_size || index[pos] != 0)
			return bad_block;
		pos++;
	}
	if (pos + 4 != index_size)
		return bad_block;

	/* the block header, just after the stream header: both sizes, one
	 * filter, LZMA2 */
	block = head + UPDIFF_XZ_FRAME_SIZE;
	block_header_size = ((guint64)block[0] + 1) * 4;
	if (block[0] == 0 || head_len < UPDIFF_XZ_FRAME_SIZE + block_header_size ||
	    block[1] != 0xc0)
		return bad_block;
	pos = 2;
	if (!upd_delta_xz_vli(block, block_header_size - 4, &pos, &compressed) ||
	    !upd_delta_xz_vli(block, block_header_size - 4, &pos, &content) ||
	    !upd_delta_xz_vli(block, block_header_size - 4, &pos, &filter) ||
	    filter != UPDIFF_XZ_LZMA2_ID ||
	    !upd_delta_xz_vli(block, block_header_size - 4, &pos, &props_size) || props_size != 1 ||
	    pos >= block_header_size - 4)
		return bad_block;
	dict = block[pos];
	if (dict > 40)
		return bad_block;

	/* the sizes agree, and the stream ends with its footer */
	if (compressed == 0 || content == 0 || content != index_content || compressed > size ||
	    unpadded != block_header_size + compressed + check_size ||
	    UPDIFF_XZ_FRAME_SIZE + ((unpadded + 3) & ~(guint64)3) + index_size +
			    UPDIFF_XZ_FRAME_SIZE !=
		    size)
		return bad_block;

	info->content_size = content;
	info->dict_size = dict == 40 ? G_MAXUINT32 : (guint64)(2 | (dict & 1)) << (dict / 2 + 11);
	return NULL;
}

/* compresses @src into @dest as an xz stream that upd_delta_xz_parse()
 * accepts; returns its size, or 0 when it does not fit in @dest_size bytes
 * or cannot be made */
static gsize
upd_delta_xz_compress(const guint8 *src, gsize src_size, guint8 *dest, gsize dest_size)
{
	g_autoptr(UpdDeltaArchiveWrite) archive = archive_write_new();
	g_autoptr(UpdDeltaArchiveEntry) entry = archive_entry_new();
	size_t used = 0;
	UpdDeltaXzInfo info;
	const gchar *reason;

	if (archive == NULL || entry == NULL)
		return 0;
	archive_entry_set_filetype(entry, AE_IFREG);
	/* two threads: liblzma's multi-threaded encoder is the one that
	 * writes the sizes in the block header; a stream of at most
	 * UPDIFF_XZ_STREAM_MAX is still one block */
	if (archive_write_add_filter_xz(archive) != ARCHIVE_OK ||
	    archive_write_set_filter_option(archive, "xz", "compression-level", UPDIFF_XZ_LEVEL) !=
		    ARCHIVE_OK ||
	    archive_write_set_filter_option(archive, "xz", "threads", "2") != ARCHIVE_OK ||
	    archive_write_set_format_raw(archive) != ARCHIVE_OK ||
	    archive_write_open_memory(archive, dest, dest_size, &used) != ARCHIVE_OK ||
	    archive_write_header(archive, entry) != ARCHIVE_OK ||
	    archive_write_data(archive, src, src_size) != (la_ssize_t)src_size ||
	    archive_write_close(archive) != ARCHIVE_OK) {
		/* "Buffer exhausted" when xz does not beat zstd */
		g_debug("updiff: no xz stream: %s", upd_delta_archive_error(archive));
		return 0;
	}
	reason = upd_delta_xz_parse(dest, used, dest, used, used, &info);
	if (reason != NULL || info.dict_size > UPDIFF_XZ_DICT_MAX ||
	    info.content_size != src_size) {
		g_debug("updiff: libarchive made an xz stream the decoder refuses: %s",
			reason != NULL ? reason : "dictionary or size");
		return 0;
	}
	return used;
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
		/* xz instead when it is smaller (see "Stream encodings" at the
		 * top of the file) */
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

/* LLVM bitcode, raw ("BC" 0xC0DE) or in its wrapper (0x0B17C0DE, little
 * endian): a bitstream */
static gboolean
upd_delta_is_bitstream(const guint8 *data, gsize size)
{
	static const guint8 raw[4] = {'B', 'C', 0xc0, 0xde};
	static const guint8 wrapper[4] = {0xde, 0xc0, 0x17, 0x0b};
	return size >= 4 && (memcmp(data, raw, 4) == 0 || memcmp(data, wrapper, 4) == 0);
}

/* @len bytes of the bit-shifted view of @base (see the top of the file)
 * from @pos into @dest; [@pos, @pos + @len) lies inside the view */
static void
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

/* the plain UPDIFF delta; for bitcode the one against the bit-shifted view
 * of the base, or for a small base the smaller of the two (the plain form
 * wins on a few small files, by some bytes, and costs little there) */
static GBytes *
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

static void
upd_delta_put_u32(guint8 *dest, guint32 value)
{
	value = GUINT32_TO_LE(value);
	memcpy(dest, &value, 4);
}

static guint32
upd_delta_get_u32(const guint8 *src)
{
	guint32 value;
	memcpy(&value, src, 4);
	return GUINT32_FROM_LE(value);
}

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
static GBytes *
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

/* the decoded output: hashed and written out in chunks */
typedef struct {
	GOutputStream *out;
	UpdSha256 *sha; /* (owned) */
	guint8 *buf;	/* (owned): UPD_DELTA_OUT_CHUNK bytes */
	gsize fill;
	guint64 written; /* bytes handed to @out so far */
	GCancellable *cancellable;
} UpdDeltaSink;

static gboolean
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
static gssize
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
static gssize
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

static gboolean
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
	if (exact && done < len) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("the %s stream of delta %s ends before the target is complete"),
			    self->name, self->delta_path);
		return FALSE;
	}
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
	if (exact && out.pos < len) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("the %s stream of delta %s ends before the target is complete"),
			    self->name, self->delta_path);
		return FALSE;
	}
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

static gboolean
upd_diff_decoder_set_early_end(UpdDiffDecoder *self, guint stream, GError **error)
{
	g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
		    _("the %s stream of delta %s ends before the target is complete"),
		    self->streams[stream].name, self->delta_path);
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
		return upd_diff_decoder_set_early_end(self, stream, error);
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

static gboolean
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
