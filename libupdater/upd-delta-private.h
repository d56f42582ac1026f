/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "upd-sha256-private.h"

G_BEGIN_DECLS

/*
 * Binary deltas: the bytes that rebuild a target file from a base file the
 * client already has. Two encodings, numbered as updater.proto's DeltaFormat:
 *
 *  - ZSTD_PATCH: one zstd frame compressed with the base as a raw-content
 *    prefix ("patch-from"), long-distance matching, window sized to cover
 *    the base and the target. Fast to make. For LLVM bitcode with a base of
 *    at most 2 MiB the prefix may be the base's bit-shifted view instead,
 *    which a skippable frame ("UPDBITV1") before the zstd frame announces.
 *  - UPDIFF: libupdater's suffix-array (bsdiff-class) encoding made with
 *    libdivsufsort: a header, then a control stream, the difference bytes
 *    in two streams and an extra stream, each compressed by zstd or, when
 *    that is smaller (text), by xz. Smaller for rebuilt executables, where
 *    code moves and addresses shift.
 *
 * Deltas are made at publish time (updater-publish) and applied at update
 * time (UpdDownloader), where the result is verified against the target's
 * SHA-256 before it gets a final name.
 */
typedef enum {
	UPD_DELTA_FORMAT_ZSTD_PATCH = 1,
	UPD_DELTA_FORMAT_UPDIFF = 2,
} UpdDeltaFormat;

/* file name extension of a delta object in the repository ("zpatch",
 * "updiff"); NULL for an unknown format */
const gchar *
upd_delta_format_to_extension(UpdDeltaFormat format);

/* the largest target, in bytes, a delta of @format may rebuild (0 for an
 * unknown format). Applying a ZSTD_PATCH takes a buffer the size of its
 * target (zstd's window must reach back over the whole target into the
 * base), so that format is limited to UPD_DELTA_ZPATCH_TARGET_MAX (32 MiB):
 * it is neither made nor applied for a larger file. UPDIFF's memory while
 * applying does not grow with the file: G_MAXUINT64. */
#define UPD_DELTA_ZPATCH_TARGET_MAX (32 * 1024 * 1024)
guint64
upd_delta_max_target_size(UpdDeltaFormat format);

/* the encoder's peak memory in bytes for these sizes, beyond the mapped
 * base and target: what a publisher running encoders in parallel counts
 * against its memory bound */
guint64
upd_delta_encode_memory(UpdDeltaFormat format, guint64 base_size, guint64 target_size);

/* makes a delta from @base to @target (blocking; run it in a thread). @level
 * is the zstd level of the compressed streams (1..22; 0 for the default:
 * 19, or 3 for a ZSTD_PATCH target over 4 MiB, where 19 is slower than
 * UPDIFF for a bigger delta); UPDIFF's streams of at most 8 MiB are also
 * tried with xz at level 6, whatever @level. Returns the delta object's
 * bytes; UPD_ERROR_TOO_LARGE for a target above
 * upd_delta_max_target_size(). */
GBytes *
upd_delta_encode(UpdDeltaFormat format,
		 GBytes *base,
		 GBytes *target,
		 gint level,
		 GCancellable *cancellable,
		 GError **error);

/* applies the delta in the file @delta_path to the file @base_path and
 * writes the result to @out (blocking; run it in a thread). Never writes
 * more than @target_size bytes: a delta that produces more or fewer is an
 * error (UPD_ERROR_INVALID_DATA) naming @delta_path. The SHA-256 of what was
 * written is computed on the way and returned in @out_sha256; the caller
 * compares it with the manifest's. Memory stays bounded whatever the file
 * sizes: the base is mapped, not read, and the streams are decoded in
 * windows (see upd-delta.c for the figures); a @target_size above
 * upd_delta_max_target_size() is refused (UPD_ERROR_TOO_LARGE) before
 * anything is read. */
gboolean
upd_delta_apply(UpdDeltaFormat format,
		const gchar *base_path,
		const gchar *delta_path,
		GOutputStream *out,
		guint64 target_size,
		guint8 out_sha256[UPD_SHA256_LEN],
		GCancellable *cancellable,
		GError **error);

/* the same, for a delta that is [@delta_offset, @delta_offset + @delta_size)
 * of the open file @delta_fd (a part of a pack), named @delta_name in
 * messages; the caller checks the result's digest, which also vouches for
 * the delta's bytes */
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
		   GError **error);

G_END_DECLS
