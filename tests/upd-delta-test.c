/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>
#include <zstd.h>

#include "upd-delta-private.h"
#include "upd-error.h"
#include "upd-test-common.h"

typedef struct {
	UpdDeltaFormat format;
	const gchar *name;
} UpdDeltaTestFormat;

static const UpdDeltaTestFormat zpatch = {UPD_DELTA_FORMAT_ZSTD_PATCH, "zpatch"};
static const UpdDeltaTestFormat updiff = {UPD_DELTA_FORMAT_UPDIFF, "updiff"};

/* ---------------------------------------------------------------------- */
/* data */

static GByteArray *
upd_delta_test_random(GRand *rand, gsize len)
{
	GByteArray *array = g_byte_array_sized_new(len);
	g_byte_array_set_size(array, len);
	for (gsize i = 0; i < len; i += 4) {
		guint32 value = g_rand_int(rand);
		memcpy(array->data + i, &value, MIN(4, len - i));
	}
	return array;
}

/* "code-like" data: random but with repeats, so that matches are
 * ambiguous the way they are in executables */
static GByteArray *
upd_delta_test_structured(GRand *rand, gsize len)
{
	g_autoptr(GByteArray) words = upd_delta_test_random(rand, 4096);
	GByteArray *array = g_byte_array_sized_new(len);
	while (array->len < len) {
		guint kind = g_rand_int_range(rand, 0, 4);
		if (kind == 0) {
			guint8 opcode[5] = {0xe8};
			guint32 address = g_rand_int(rand);
			memcpy(opcode + 1, &address, 4);
			g_byte_array_append(array, opcode, 5);
		} else {
			guint start = g_rand_int_range(rand, 0, 4000);
			g_byte_array_append(array, words->data + start,
					    g_rand_int_range(rand, 2, 96));
		}
	}
	g_byte_array_set_size(array, len);
	return array;
}

/* the target of a new release: bytes changed, inserted, deleted, blocks
 * moved, a few addresses shifted, and data appended */
static GByteArray *
upd_delta_test_edit(GRand *rand, const GByteArray *base, guint edits)
{
	GByteArray *target = g_byte_array_new();
	gsize pos = 0;
	gsize step = base->len / (edits + 1) + 1;

	while (pos < base->len) {
		gsize len = MIN(step, base->len - pos);
		gsize start = target->len;
		g_byte_array_append(target, base->data + pos, len);
		pos += len;
		switch (g_rand_int_range(rand, 0, 5)) {
		case 0: /* changed bytes */
			for (guint i = 0; i < 8 && start + i * 7 < target->len; i++)
				target->data[start + i * 7] ^= 0x5a;
			break;
		case 1: { /* inserted */
			g_autoptr(GByteArray) insert =
				upd_delta_test_random(rand, g_rand_int_range(rand, 1, 300));
			g_byte_array_append(target, insert->data, insert->len);
			break;
		}
		case 2: /* deleted */
			pos += MIN((gsize)g_rand_int_range(rand, 1, 500), base->len - pos);
			break;
		case 3: { /* a block from elsewhere (moved code) */
			gsize from = g_rand_int_range(rand, 0, MAX(base->len, 1));
			gsize block =
				MIN((gsize)g_rand_int_range(rand, 16, 4096), base->len - from);
			g_byte_array_append(target, base->data + from, block);
			break;
		}
		default: /* shifted addresses */
			for (gsize i = start; i + 5 <= target->len; i += 61) {
				guint32 value;
				memcpy(&value, target->data + i + 1, 4);
				value += 0x1a0;
				memcpy(target->data + i + 1, &value, 4);
			}
			break;
		}
	}
	{
		g_autoptr(GByteArray) tail = upd_delta_test_random(rand, 1000);
		g_byte_array_append(target, tail->data, tail->len);
	}
	return target;
}

/* ---------------------------------------------------------------------- */
/* running */

static gchar *
upd_delta_test_write(const gchar *name, const guint8 *data, gsize len)
{
	g_autoptr(GError) error = NULL;
	gchar *path = g_build_filename(upd_test_get_tmpdir(), name, NULL);
	g_assert_true(g_file_set_contents(path, (const gchar *)data, len, &error));
	g_assert_no_error(error);
	return path;
}

/* applies @delta to @base; on success returns the output and checks that
 * the digest is the output's, on failure returns NULL with @error set. The
 * output is never longer than @target_size. */
static GBytes *
upd_delta_test_apply(const UpdDeltaTestFormat *format,
		     const gchar *base_path,
		     const guint8 *delta,
		     gsize delta_len,
		     guint64 target_size,
		     GError **error)
{
	g_autofree gchar *delta_path = upd_delta_test_write("delta", delta, delta_len);
	g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable();
	g_autoptr(GBytes) result = NULL;
	guint8 digest[UPD_SHA256_LEN];
	guint8 expected[UPD_SHA256_LEN];
	gboolean ok;

	ok = upd_delta_apply(format->format, base_path, delta_path, out, target_size, digest, NULL,
			     error);
	g_assert_true(g_output_stream_close(out, NULL, NULL));
	result = g_memory_output_stream_steal_as_bytes(G_MEMORY_OUTPUT_STREAM(out));
	g_assert_cmpuint(g_bytes_get_size(result), <=, target_size);
	if (!ok)
		return NULL;
	g_assert_cmpuint(g_bytes_get_size(result), ==, target_size);
	upd_sha256_data(g_bytes_get_data(result, NULL), g_bytes_get_size(result), expected);
	g_assert_cmpmem(digest, UPD_SHA256_LEN, expected, UPD_SHA256_LEN);
	return g_steal_pointer(&result);
}

/* encodes and applies; returns the delta's size */
static gsize
upd_delta_test_roundtrip_level(const UpdDeltaTestFormat *format,
			       const GByteArray *base,
			       const GByteArray *target,
			       gint level)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) base_bytes = g_bytes_new(base->data, base->len);
	g_autoptr(GBytes) target_bytes = g_bytes_new(target->data, target->len);
	g_autoptr(GBytes) delta = NULL;
	g_autoptr(GBytes) result = NULL;
	g_autofree gchar *base_path = upd_delta_test_write("base", base->data, base->len);
	gint64 start = g_get_monotonic_time();

	delta = upd_delta_encode(format->format, base_bytes, target_bytes, level, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(delta);
	g_test_message("%s: %u -> %u bytes: delta of %" G_GSIZE_FORMAT " bytes in %.2f s",
		       format->name, base->len, target->len, g_bytes_get_size(delta),
		       (g_get_monotonic_time() - start) / 1e6);
	result = upd_delta_test_apply(format, base_path, g_bytes_get_data(delta, NULL),
				      g_bytes_get_size(delta), target->len, &error);
	g_assert_no_error(error);
	g_assert_nonnull(result);
	g_assert_true(g_bytes_equal(result, target_bytes));
	return g_bytes_get_size(delta);
}

static gsize
upd_delta_test_roundtrip(const UpdDeltaTestFormat *format,
			 const GByteArray *base,
			 const GByteArray *target)
{
	return upd_delta_test_roundtrip_level(format, base, target, 0);
}

/* ---------------------------------------------------------------------- */
/* tests */

static void
upd_delta_test_extension(void)
{
	g_assert_cmpstr(upd_delta_format_to_extension(UPD_DELTA_FORMAT_ZSTD_PATCH), ==, "zpatch");
	g_assert_cmpstr(upd_delta_format_to_extension(UPD_DELTA_FORMAT_UPDIFF), ==, "updiff");
	g_assert_null(upd_delta_format_to_extension(0));
	g_assert_null(upd_delta_format_to_extension(3));
}

static void
upd_delta_test_memory(void)
{
	guint64 mib = 1024 * 1024;
	/* suffix array, streams and output: at least 4x the base plus the target */
	g_assert_cmpuint(upd_delta_encode_memory(UPD_DELTA_FORMAT_UPDIFF, 64 * mib, 64 * mib), >=,
			 5 * 64 * mib);
	g_assert_cmpuint(upd_delta_encode_memory(UPD_DELTA_FORMAT_UPDIFF, 64 * mib, 64 * mib), <,
			 12 * 64 * mib);
	/* a zstd context with a window over both files, and the output */
	g_assert_cmpuint(upd_delta_encode_memory(UPD_DELTA_FORMAT_ZSTD_PATCH, 64 * mib, 64 * mib),
			 >=, 64 * mib);
	g_assert_cmpuint(upd_delta_encode_memory(UPD_DELTA_FORMAT_ZSTD_PATCH, 64 * mib, 64 * mib),
			 <, 2048 * mib);
	/* a base of at most 2 MiB: also the bit-shifted view (8 times the base) and
	 * a second result */
	g_assert_cmpuint(upd_delta_encode_memory(UPD_DELTA_FORMAT_ZSTD_PATCH, 2 * mib, 2 * mib), >=,
			 8 * 2 * mib + 2 * 2 * mib);
	g_assert_cmpuint(
		upd_delta_encode_memory(UPD_DELTA_FORMAT_ZSTD_PATCH, 2 * mib, 2 * mib), >,
		upd_delta_encode_memory(UPD_DELTA_FORMAT_ZSTD_PATCH, 2 * mib + 1, 2 * mib));
	g_assert_cmpuint(upd_delta_encode_memory(UPD_DELTA_FORMAT_UPDIFF, 0, 0), >, 0);
	g_assert_cmpuint(upd_delta_encode_memory(0, 1, 1), ==, 0);
}

static void
upd_delta_test_edits(gconstpointer data)
{
	const UpdDeltaTestFormat *format = data;
	g_autoptr(GRand) rand = g_rand_new_with_seed(42);
	g_autoptr(GByteArray) base = upd_delta_test_structured(rand, 1024 * 1024);
	g_autoptr(GByteArray) target = upd_delta_test_edit(rand, base, 40);
	g_autoptr(GByteArray) small_edit = g_byte_array_new();
	gsize size;

	size = upd_delta_test_roundtrip(format, base, target);
	g_assert_cmpuint(size, <, target->len / 10);

	/* one changed byte and a few appended: tiny */
	g_byte_array_append(small_edit, base->data, base->len);
	small_edit->data[small_edit->len / 2] ^= 1;
	g_byte_array_append(small_edit, (const guint8 *)"appended", 8);
	size = upd_delta_test_roundtrip(format, base, small_edit);
	g_assert_cmpuint(size, <, small_edit->len / 1000);

	/* edits of random (incompressible) data */
	{
		g_autoptr(GByteArray) random_base = upd_delta_test_random(rand, 512 * 1024);
		g_autoptr(GByteArray) random_target = upd_delta_test_edit(rand, random_base, 20);
		size = upd_delta_test_roundtrip(format, random_base, random_target);
		g_assert_cmpuint(size, <, random_target->len / 10);
	}
}

static void
upd_delta_test_edge_cases(gconstpointer data)
{
	const UpdDeltaTestFormat *format = data;
	g_autoptr(GRand) rand = g_rand_new_with_seed(7);
	g_autoptr(GByteArray) empty = g_byte_array_new();
	g_autoptr(GByteArray) one = g_byte_array_new();
	g_autoptr(GByteArray) base = upd_delta_test_random(rand, 100 * 1000);
	g_autoptr(GByteArray) other = upd_delta_test_random(rand, 80 * 1000);
	g_autoptr(GByteArray) zeros = g_byte_array_new();
	g_autoptr(GByteArray) zeros_edited = g_byte_array_new();
	gsize size;

	g_byte_array_append(one, (const guint8 *)"x", 1);
	g_byte_array_set_size(zeros, 300 * 1000);
	memset(zeros->data, 0, zeros->len);
	g_byte_array_append(zeros_edited, zeros->data, zeros->len);
	zeros_edited->data[1000] = 1;
	zeros_edited->data[zeros_edited->len - 1] = 2;

	upd_delta_test_roundtrip(format, empty, empty);
	upd_delta_test_roundtrip(format, empty, base);
	upd_delta_test_roundtrip(format, base, empty);
	upd_delta_test_roundtrip(format, one, one);
	upd_delta_test_roundtrip(format, one, base);
	upd_delta_test_roundtrip(format, base, one);
	/* identical files: next to nothing */
	size = upd_delta_test_roundtrip(format, base, base);
	g_assert_cmpuint(size, <, 200);
	/* nothing in common: about the size of the target */
	size = upd_delta_test_roundtrip(format, base, other);
	g_assert_cmpuint(size, <, other->len + other->len / 50 + 200);
	/* long runs */
	upd_delta_test_roundtrip(format, zeros, zeros_edited);
	upd_delta_test_roundtrip(format, zeros_edited, zeros);
	upd_delta_test_roundtrip(format, base, zeros);
}

static void
upd_delta_test_large(gconstpointer data)
{
	const UpdDeltaTestFormat *format = data;
	g_autoptr(GRand) rand = g_rand_new_with_seed(32);
	/* below UPD_DELTA_ZPATCH_TARGET_MAX (32 MiB) once edited */
	g_autoptr(GByteArray) base = upd_delta_test_structured(rand, 30 * 1024 * 1024);
	g_autoptr(GByteArray) target = upd_delta_test_edit(rand, base, 500);
	/* zstd's level 19 over a 64 MiB window takes a minute on a busy
	 * machine; what is tested here does not depend on the level */
	gint level = format->format == UPD_DELTA_FORMAT_ZSTD_PATCH ? 9 : 0;
	gsize size = upd_delta_test_roundtrip_level(format, base, target, level);
	g_assert_cmpuint(size, <, target->len / 20);
}

static void
upd_delta_test_arguments(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = g_bytes_new_static("abc", 3);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable();
	g_autofree gchar *base_path = upd_delta_test_write("base", (const guint8 *)"abc", 3);
	g_autofree gchar *missing = g_build_filename(upd_test_get_tmpdir(), "missing", NULL);
	g_autoptr(GBytes) delta = NULL;
	guint8 digest[UPD_SHA256_LEN];

	delta = upd_delta_encode(7, bytes, bytes, 0, NULL, &error);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT);
	g_assert_null(delta);
	g_clear_error(&error);
	delta = upd_delta_encode(UPD_DELTA_FORMAT_UPDIFF, bytes, bytes, 23, NULL, &error);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	g_cancellable_cancel(cancellable);
	delta = upd_delta_encode(UPD_DELTA_FORMAT_UPDIFF, bytes, bytes, 0, cancellable, &error);
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	g_clear_error(&error);

	g_assert_false(upd_delta_apply(UPD_DELTA_FORMAT_UPDIFF, base_path, missing, out, 3, digest,
				       NULL, &error));
	g_assert_error(error, UPD_ERROR, UPD_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, missing));
	g_clear_error(&error);
	g_assert_false(upd_delta_apply(UPD_DELTA_FORMAT_UPDIFF, missing, base_path, out, 3, digest,
				       NULL, &error));
	g_assert_error(error, UPD_ERROR, UPD_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(upd_delta_apply(9, base_path, base_path, out, 3, digest, NULL, &error));
	g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT);
}

/* a zstd patch takes memory the size of its target to apply: none is made
 * or applied above UPD_DELTA_ZPATCH_TARGET_MAX; UPDIFF has no such limit */
static void
upd_delta_test_zpatch_target_max(void)
{
	gsize max = UPD_DELTA_ZPATCH_TARGET_MAX;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) base = g_bytes_new_static("abc", 3);
	g_autoptr(GBytes) large = g_bytes_new_take(g_malloc0(max + 1), max + 1);
	g_autoptr(GBytes) delta = NULL;
	g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable();
	g_autofree gchar *base_path = upd_delta_test_write("base", (const guint8 *)"abc", 3);
	g_autofree gchar *delta_path = NULL;
	guint8 digest[UPD_SHA256_LEN];

	g_assert_cmpuint(upd_delta_max_target_size(UPD_DELTA_FORMAT_ZSTD_PATCH), ==, max);
	g_assert_cmpuint(upd_delta_max_target_size(UPD_DELTA_FORMAT_UPDIFF), ==, G_MAXUINT64);
	g_assert_cmpuint(upd_delta_max_target_size(0), ==, 0);

	delta = upd_delta_encode(UPD_DELTA_FORMAT_ZSTD_PATCH, base, large, 1, NULL, &error);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_TOO_LARGE);
	g_assert_null(delta);
	g_clear_error(&error);

	/* a real zstd patch, to a file that big: refused before anything is
	 * allocated or read */
	delta = upd_delta_encode(UPD_DELTA_FORMAT_ZSTD_PATCH, base, base, 0, NULL, &error);
	g_assert_no_error(error);
	delta_path = upd_delta_test_write("small.zpatch", g_bytes_get_data(delta, NULL),
					  g_bytes_get_size(delta));
	g_assert_true(upd_delta_apply(UPD_DELTA_FORMAT_ZSTD_PATCH, base_path, delta_path, out, 3,
				      digest, NULL, &error));
	g_assert_no_error(error);
	g_assert_false(upd_delta_apply(UPD_DELTA_FORMAT_ZSTD_PATCH, base_path, delta_path, out,
				       max + 1, digest, NULL, &error));
	g_assert_error(error, UPD_ERROR, UPD_ERROR_TOO_LARGE);
	g_assert_nonnull(strstr(error->message, delta_path));
}

/* ---------------------------------------------------------------------- */
/* hostile deltas */

/* applies a broken delta: either a clean UPD_ERROR_INVALID_DATA naming the
 * delta file, or (for bytes whose change no format can see) a result that is
 * not the target */
static void
upd_delta_test_expect_broken(const UpdDeltaTestFormat *format,
			     const gchar *base_path,
			     const guint8 *delta,
			     gsize delta_len,
			     guint64 target_size,
			     GBytes *target,
			     gboolean must_fail)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) result =
		upd_delta_test_apply(format, base_path, delta, delta_len, target_size, &error);

	if (result != NULL) {
		g_assert_false(must_fail);
		g_assert_false(g_bytes_equal(result, target));
		return;
	}
	g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA);
	g_assert_nonnull(strstr(error->message, "delta"));
	g_test_message("%s", error->message);
}

static void
upd_delta_test_corrupt_common(const UpdDeltaTestFormat *format,
			      const gchar *base_path,
			      GBytes *delta,
			      GBytes *target)
{
	gsize len = g_bytes_get_size(delta);
	gsize target_size = g_bytes_get_size(target);
	g_autofree guint8 *copy = g_memdup2(g_bytes_get_data(delta, NULL), len);
	g_autofree guint8 *longer = g_malloc(len + 16);

	/* truncated anywhere */
	for (gsize cut = 0; cut < len; cut += MAX(len / 97, 1))
		upd_delta_test_expect_broken(format, base_path, copy, cut, target_size, target,
					     TRUE);
	upd_delta_test_expect_broken(format, base_path, copy, len - 1, target_size, target, TRUE);
	/* trailing garbage */
	memcpy(longer, copy, len);
	memset(longer + len, 0x28, 16);
	upd_delta_test_expect_broken(format, base_path, longer, len + 16, target_size, target,
				     TRUE);
	/* the wrong target size, either way */
	upd_delta_test_expect_broken(format, base_path, copy, len, target_size + 1, target, TRUE);
	if (target_size > 0)
		upd_delta_test_expect_broken(format, base_path, copy, len, target_size - 1, target,
					     TRUE);
	upd_delta_test_expect_broken(format, base_path, copy, len, 0, target, TRUE);
	/* flipped bytes all over */
	for (gsize i = 0; i < len; i += MAX(len / 211, 1)) {
		copy[i] ^= 0x41;
		upd_delta_test_expect_broken(format, base_path, copy, len, target_size, target,
					     FALSE);
		copy[i] ^= 0x41;
	}
}

static void
upd_delta_test_corrupt_zpatch(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GRand) rand = g_rand_new_with_seed(3);
	g_autoptr(GByteArray) base = upd_delta_test_structured(rand, 200 * 1000);
	g_autoptr(GByteArray) edited = upd_delta_test_edit(rand, base, 10);
	g_autoptr(GBytes) base_bytes = g_bytes_new(base->data, base->len);
	g_autoptr(GBytes) target = g_bytes_new(edited->data, edited->len);
	g_autoptr(GBytes) delta = NULL;
	g_autofree gchar *base_path = upd_delta_test_write("base", base->data, base->len);
	g_autofree guint8 *plain = NULL;
	gsize plain_len;

	delta = upd_delta_encode(UPD_DELTA_FORMAT_ZSTD_PATCH, base_bytes, target, 0, NULL, &error);
	g_assert_no_error(error);
	upd_delta_test_corrupt_common(&zpatch, base_path, delta, target);

	/* not zstd at all */
	upd_delta_test_expect_broken(&zpatch, base_path, (const guint8 *)"UPDIFF01", 8, edited->len,
				     target, TRUE);
	/* a zstd frame without its content size */
	plain = g_malloc(ZSTD_compressBound(edited->len));
	{
		ZSTD_CCtx *cctx = ZSTD_createCCtx();
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
		ZSTD_CCtx_setPledgedSrcSize(cctx, ZSTD_CONTENTSIZE_UNKNOWN);
		plain_len = ZSTD_compress2(cctx, plain, ZSTD_compressBound(edited->len),
					   edited->data, edited->len);
		g_assert_false(ZSTD_isError(plain_len));
		ZSTD_freeCCtx(cctx);
	}
	/* zstd writes the size of a one-shot frame anyway; then it is a
	 * valid zstd patch with an empty prefix, which must work */
	if (ZSTD_getFrameContentSize(plain, plain_len) == ZSTD_CONTENTSIZE_UNKNOWN) {
		upd_delta_test_expect_broken(&zpatch, base_path, plain, plain_len, edited->len,
					     target, TRUE);
	}
	/* two frames, the second one extra */
	{
		gsize len = g_bytes_get_size(delta);
		g_autofree guint8 *twice = g_malloc(2 * len);
		memcpy(twice, g_bytes_get_data(delta, NULL), len);
		memcpy(twice + len, g_bytes_get_data(delta, NULL), len);
		upd_delta_test_expect_broken(&zpatch, base_path, twice, 2 * len, edited->len,
					     target, TRUE);
	}
}

/* an UPDIFF delta made by hand, for what the encoder never writes */
typedef struct {
	GByteArray *streams[4]; /* control, zero runs, difference, extra */
	const gchar *magic;	/* NULL for "UPDIFF01" */
	gboolean xz[4];		/* compressed with xz instead of zstd */
	/* (nullable) used as they are instead of compressing the stream */
	GByteArray *compressed[4];
} UpdDeltaTestUpdiff;

typedef struct archive UpdDeltaTestArchiveRead;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdDeltaTestArchiveRead, archive_read_free)
typedef struct archive UpdDeltaTestArchiveWrite;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdDeltaTestArchiveWrite, archive_write_free)
typedef struct archive_entry UpdDeltaTestArchiveEntry;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdDeltaTestArchiveEntry, archive_entry_free)

/* with the string's NUL: FD 37 7A 58 5A 00 */
#define UPD_DELTA_TEST_XZ_MAGIC "\xfd\x37\x7a\x58\x5a"

/* an xz stream of @data at level 6, as the encoder makes it with @threads
 * "2" (libarchive then has liblzma write the sizes in the block header), or
 * with "1" */
static GByteArray *
upd_delta_test_xz(const guint8 *data, gsize len, const gchar *threads)
{
	g_autoptr(UpdDeltaTestArchiveWrite) archive = archive_write_new();
	g_autoptr(UpdDeltaTestArchiveEntry) entry = archive_entry_new();
	gsize cap = len + len / 2 + 1024;
	GByteArray *out = g_byte_array_sized_new(cap);
	size_t used = 0;

	g_byte_array_set_size(out, cap);
	archive_entry_set_filetype(entry, AE_IFREG);
	g_assert_cmpint(archive_write_add_filter_xz(archive), ==, ARCHIVE_OK);
	g_assert_cmpint(archive_write_set_filter_option(archive, "xz", "compression-level", "6"),
			==, ARCHIVE_OK);
	g_assert_cmpint(archive_write_set_filter_option(archive, "xz", "threads", threads), ==,
			ARCHIVE_OK);
	g_assert_cmpint(archive_write_set_format_raw(archive), ==, ARCHIVE_OK);
	g_assert_cmpint(archive_write_open_memory(archive, out->data, cap, &used), ==, ARCHIVE_OK);
	g_assert_cmpint(archive_write_header(archive, entry), ==, ARCHIVE_OK);
	g_assert_cmpint(archive_write_data(archive, data, len), ==, (la_ssize_t)len);
	g_assert_cmpint(archive_write_close(archive), ==, ARCHIVE_OK);
	g_byte_array_set_size(out, used);
	return out;
}

/* decodes the xz stream @data with libarchive alone, as a reference: NULL
 * if it refuses it */
static GByteArray *
upd_delta_test_unxz(const guint8 *data, gsize len)
{
	g_autoptr(UpdDeltaTestArchiveRead) archive = archive_read_new();
	g_autoptr(GByteArray) out = g_byte_array_new();
	struct archive_entry *entry;
	guint8 buf[4096];
	la_ssize_t n;

	g_assert_cmpint(archive_read_set_format(archive, ARCHIVE_FORMAT_RAW), ==, ARCHIVE_OK);
	g_assert_cmpint(archive_read_append_filter(archive, ARCHIVE_FILTER_XZ), ==, ARCHIVE_OK);
	g_assert_cmpint(archive_read_open_memory(archive, data, len), ==, ARCHIVE_OK);
	g_assert_cmpint(archive_read_next_header(archive, &entry), ==, ARCHIVE_OK);
	while ((n = archive_read_data(archive, buf, sizeof(buf))) > 0)
		g_byte_array_append(out, buf, (guint)n);
	if (n < 0) {
		g_test_message("libarchive refuses the xz stream: %s",
			       archive_error_string(archive));
		return NULL;
	}
	return g_steal_pointer(&out);
}

/* the size of @data as the encoder compresses it with zstd */
static gsize
upd_delta_test_zstd_size(const guint8 *data, gsize len)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	gsize bound = ZSTD_compressBound(len);
	g_autofree guint8 *out = g_malloc(bound);
	/* ZSTD_WINDOWLOG_MIN, which zstd.h only gives with
	 * ZSTD_STATIC_LINKING_ONLY */
	gint window_log = 10;
	gsize ret;

	while (window_log < 27 && ((gsize)1 << window_log) < len)
		window_log++;
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 19);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, window_log);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_enableLongDistanceMatching, 1);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);
	ret = ZSTD_compress2(cctx, out, bound, data, len);
	g_assert_false(ZSTD_isError(ret));
	ZSTD_freeCCtx(cctx);
	return ret;
}

/* where stream @i of the UPDIFF delta @delta is, and its size */
static gsize
upd_delta_test_stream_at(const guint8 *delta, guint i, gsize *len)
{
	gsize offset = 48;

	for (guint k = 0;; k++) {
		guint64 value;
		memcpy(&value, delta + 16 + 8 * k, 8);
		value = GUINT64_FROM_LE(value);
		if (k == i) {
			*len = value;
			return offset;
		}
		offset += value;
	}
}

/* @delta with stream @i replaced by @len bytes of @stream */
static GByteArray *
upd_delta_test_stream_replace(
	const guint8 *delta, gsize delta_len, guint i, const guint8 *stream, gsize len)
{
	GByteArray *out = g_byte_array_new();
	gsize old_len;
	gsize at = upd_delta_test_stream_at(delta, i, &old_len);
	guint64 value = GUINT64_TO_LE((guint64)len);

	g_byte_array_append(out, delta, at);
	g_byte_array_append(out, stream, len);
	g_byte_array_append(out, delta + at + old_len, delta_len - at - old_len);
	memcpy(out->data + 16 + 8 * i, &value, 8);
	return out;
}

static guint32
upd_delta_test_crc32(const guint8 *data, gsize len)
{
	guint32 crc = 0xffffffff;

	for (gsize i = 0; i < len; i++) {
		crc ^= data[i];
		for (guint k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
	}
	return ~crc;
}

/* sets the LZMA2 dictionary byte in the block header of the xz stream
 * @xz (made by upd_delta_test_xz() with two threads) and its CRC32 */
static void
upd_delta_test_xz_set_dict(GByteArray *xz, guint8 dict)
{
	guint8 *block = xz->data + 12;
	gsize header_size = ((gsize)block[0] + 1) * 4;
	gsize pos = 2;
	guint32 crc;

	g_assert_cmpuint(block[1], ==, 0xc0);
	for (guint vli = 0; vli < 2; vli++) {
		while (block[pos] & 0x80)
			pos++;
		pos++;
	}
	g_assert_cmpuint(block[pos], ==, 0x21);
	g_assert_cmpuint(block[pos + 1], ==, 1);
	block[pos + 2] = dict;
	crc = GUINT32_TO_LE(upd_delta_test_crc32(block, header_size - 4));
	memcpy(block + header_size - 4, &crc, 4);
}

static void
upd_delta_test_varint(GByteArray *array, guint64 value)
{
	do {
		guint8 byte = value & 0x7f;
		value >>= 7;
		if (value != 0)
			byte |= 0x80;
		g_byte_array_append(array, &byte, 1);
	} while (value != 0);
}

static void
upd_delta_test_entry(UpdDeltaTestUpdiff *self, gint64 seek, guint64 add, guint64 copy)
{
	upd_delta_test_varint(self->streams[0], ((guint64)seek << 1) ^ (guint64)(seek >> 63));
	upd_delta_test_varint(self->streams[0], add);
	upd_delta_test_varint(self->streams[0], copy);
}

static GBytes *
upd_delta_test_updiff_build(UpdDeltaTestUpdiff *self, guint64 target_size)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	guint64 value = GUINT64_TO_LE(target_size);

	g_byte_array_append(out, (const guint8 *)(self->magic != NULL ? self->magic : "UPDIFF01"),
			    8);
	g_byte_array_append(out, (const guint8 *)&value, 8);
	g_byte_array_set_size(out, 48);
	for (guint i = 0; i < 4; i++) {
		gsize bound = ZSTD_compressBound(self->streams[i]->len);
		gsize start = out->len;
		gsize len;
		if (self->compressed[i] != NULL || self->xz[i]) {
			g_autoptr(GByteArray) xz = NULL;
			GByteArray *stream = self->compressed[i];
			if (stream == NULL) {
				xz = upd_delta_test_xz(self->streams[i]->data,
						       self->streams[i]->len, "2");
				stream = xz;
			}
			g_byte_array_append(out, stream->data, stream->len);
			value = GUINT64_TO_LE((guint64)stream->len);
			memcpy(out->data + 16 + 8 * i, &value, 8);
			continue;
		}
		g_byte_array_set_size(out, start + bound);
		len = ZSTD_compress(out->data + start, bound, self->streams[i]->data,
				    self->streams[i]->len, 3);
		g_assert_false(ZSTD_isError(len));
		g_byte_array_set_size(out, start + len);
		value = GUINT64_TO_LE(len);
		memcpy(out->data + 16 + 8 * i, &value, 8);
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

static void
upd_delta_test_updiff_reset(UpdDeltaTestUpdiff *self)
{
	for (guint i = 0; i < 4; i++) {
		if (self->streams[i] != NULL)
			g_byte_array_unref(self->streams[i]);
		self->streams[i] = g_byte_array_new();
		self->xz[i] = FALSE;
		g_clear_pointer(&self->compressed[i], g_byte_array_unref);
	}
}

static void
upd_delta_test_updiff_clear(UpdDeltaTestUpdiff *self)
{
	for (guint i = 0; i < 4; i++) {
		g_clear_pointer(&self->streams[i], g_byte_array_unref);
		g_clear_pointer(&self->compressed[i], g_byte_array_unref);
	}
}

/* expects the hand-made delta to fail with a message containing @what */
static void
upd_delta_test_updiff_expect(UpdDeltaTestUpdiff *self,
			     const gchar *base_path,
			     guint64 target_size,
			     const gchar *what)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) delta = upd_delta_test_updiff_build(self, target_size);
	g_autoptr(GBytes) result =
		upd_delta_test_apply(&updiff, base_path, g_bytes_get_data(delta, NULL),
				     g_bytes_get_size(delta), target_size, &error);
	g_assert_null(result);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA);
	g_test_message("%s (expected: %s)", error->message, what);
	g_assert_nonnull(strstr(error->message, what));
	upd_delta_test_updiff_reset(self);
}

static void
upd_delta_test_corrupt_updiff(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GRand) rand = g_rand_new_with_seed(5);
	g_autoptr(GByteArray) base = upd_delta_test_structured(rand, 200 * 1000);
	g_autoptr(GByteArray) edited = upd_delta_test_edit(rand, base, 10);
	g_autoptr(GBytes) base_bytes = g_bytes_new(base->data, base->len);
	g_autoptr(GBytes) target = g_bytes_new(edited->data, edited->len);
	g_autoptr(GBytes) delta = NULL;
	g_autoptr(GBytes) result = NULL;
	g_autofree gchar *base_path = upd_delta_test_write("base", base->data, base->len);
	g_autofree gchar *small_base_path = NULL;
	g_autofree guint8 *copy = NULL;
	UpdDeltaTestUpdiff hand = {{NULL}};
	gsize len;
	gsize offset = 48;

	delta = upd_delta_encode(UPD_DELTA_FORMAT_UPDIFF, base_bytes, target, 0, NULL, &error);
	g_assert_no_error(error);
	upd_delta_test_corrupt_common(&updiff, base_path, delta, target);

	/* a flipped byte in the middle of each stream; the wrong magic */
	len = g_bytes_get_size(delta);
	copy = g_memdup2(g_bytes_get_data(delta, NULL), len);
	for (guint i = 0; i < 4; i++) {
		guint64 stream_len;
		memcpy(&stream_len, copy + 16 + 8 * i, 8);
		stream_len = GUINT64_FROM_LE(stream_len);
		g_assert_cmpuint(stream_len, >, 0);
		for (gsize at = offset; at < offset + stream_len; at += MAX(stream_len / 13, 1)) {
			copy[at] ^= 0xff;
			upd_delta_test_expect_broken(&updiff, base_path, copy, len, edited->len,
						     target, FALSE);
			copy[at] ^= 0xff;
		}
		offset += stream_len;
	}
	g_assert_cmpuint(offset, ==, len);
	copy[7] = '2';
	upd_delta_test_expect_broken(&updiff, base_path, copy, len, edited->len, target, TRUE);
	copy[7] = '1';
	/* a header that claims more than the file holds */
	copy[16] += 1;
	upd_delta_test_expect_broken(&updiff, base_path, copy, len, edited->len, target, TRUE);
	copy[16] -= 1;
	result = upd_delta_test_apply(&updiff, base_path, copy, len, edited->len, &error);
	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(result, target));

	/* hand-made deltas against a 1000-byte base */
	small_base_path = upd_delta_test_write("small-base", base->data, 1000);
	upd_delta_test_updiff_reset(&hand);

	/* the reference: a valid one (10 bytes from base[990..], 5 extra) */
	upd_delta_test_entry(&hand, 990, 10, 5);
	upd_delta_test_varint(hand.streams[1], 10);
	g_byte_array_append(hand.streams[2], (const guint8 *)"", 1);
	g_byte_array_append(hand.streams[3], (const guint8 *)"12345", 5);
	{
		g_autoptr(GBytes) valid = upd_delta_test_updiff_build(&hand, 15);
		g_autoptr(GBytes) output = upd_delta_test_apply(
			&updiff, small_base_path, g_bytes_get_data(valid, NULL),
			g_bytes_get_size(valid), 15, &error);
		g_assert_no_error(error);
		g_assert_cmpmem(g_bytes_get_data(output, NULL), 10, base->data + 990, 10);
		g_assert_cmpmem((const guint8 *)g_bytes_get_data(output, NULL) + 10, 5, "12345", 5);
		upd_delta_test_updiff_reset(&hand);
	}

	/* seeking past either end of the base */
	upd_delta_test_entry(&hand, 1001, 0, 1);
	g_byte_array_append(hand.streams[3], (const guint8 *)"1", 1);
	upd_delta_test_updiff_expect(&hand, small_base_path, 1, "seeks outside the base");
	upd_delta_test_entry(&hand, -1, 1, 0);
	upd_delta_test_varint(hand.streams[1], 1);
	g_byte_array_append(hand.streams[2], (const guint8 *)"", 1);
	upd_delta_test_updiff_expect(&hand, small_base_path, 1, "seeks outside the base");
	upd_delta_test_entry(&hand, G_MININT64, 1, 0);
	upd_delta_test_updiff_expect(&hand, small_base_path, 1, "seeks outside the base");
	upd_delta_test_entry(&hand, G_MAXINT64, 1, 0);
	upd_delta_test_updiff_expect(&hand, small_base_path, 1, "seeks outside the base");
	/* reading past its end */
	upd_delta_test_entry(&hand, 995, 10, 0);
	upd_delta_test_varint(hand.streams[1], 10);
	g_byte_array_append(hand.streams[2], (const guint8 *)"", 1);
	upd_delta_test_updiff_expect(&hand, small_base_path, 10, "reads outside the base");
	/* writing more than the target size */
	upd_delta_test_entry(&hand, 0, 10, 0);
	upd_delta_test_varint(hand.streams[1], 10);
	g_byte_array_append(hand.streams[2], (const guint8 *)"", 1);
	upd_delta_test_updiff_expect(&hand, small_base_path, 9, "beyond the target size");
	upd_delta_test_entry(&hand, 0, 0, G_MAXUINT64);
	upd_delta_test_updiff_expect(&hand, small_base_path, 9, "beyond the target size");
	/* an entry that makes nothing */
	upd_delta_test_entry(&hand, 0, 0, 0);
	upd_delta_test_updiff_expect(&hand, small_base_path, 9, "empty");
	/* a control stream that ends early, or holds more */
	upd_delta_test_entry(&hand, 0, 0, 5);
	g_byte_array_append(hand.streams[3], (const guint8 *)"12345", 5);
	upd_delta_test_updiff_expect(&hand, small_base_path, 6,
				     "ends before the target is complete");
	upd_delta_test_entry(&hand, 0, 0, 5);
	upd_delta_test_entry(&hand, 0, 0, 1);
	g_byte_array_append(hand.streams[3], (const guint8 *)"123456", 6);
	upd_delta_test_updiff_expect(&hand, small_base_path, 5, "holds");
	/* a varint that overflows */
	g_byte_array_append(hand.streams[0],
			    (const guint8 *)"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10);
	upd_delta_test_updiff_expect(&hand, small_base_path, 5, "malformed");
	/* extra bytes missing, or left over */
	upd_delta_test_entry(&hand, 0, 0, 5);
	g_byte_array_append(hand.streams[3], (const guint8 *)"1234", 4);
	upd_delta_test_updiff_expect(&hand, small_base_path, 5, "ends before");
	upd_delta_test_entry(&hand, 0, 0, 5);
	g_byte_array_append(hand.streams[3], (const guint8 *)"123456", 6);
	upd_delta_test_updiff_expect(&hand, small_base_path, 5, "holds");
	/* zero runs that do not match the difference bytes */
	upd_delta_test_entry(&hand, 0, 10, 0);
	upd_delta_test_varint(hand.streams[1], 20);
	upd_delta_test_updiff_expect(&hand, small_base_path, 10, "malformed");
	upd_delta_test_entry(&hand, 0, 10, 0);
	upd_delta_test_varint(hand.streams[1], 5);
	upd_delta_test_varint(hand.streams[1], 0);
	g_byte_array_append(hand.streams[2], (const guint8 *)"\x01\x00", 2);
	upd_delta_test_updiff_expect(&hand, small_base_path, 10, "malformed");
	upd_delta_test_entry(&hand, 0, 10, 0);
	upd_delta_test_varint(hand.streams[1], 5);
	g_byte_array_append(hand.streams[2], (const guint8 *)"\x00", 1);
	upd_delta_test_updiff_expect(&hand, small_base_path, 10, "malformed");
	upd_delta_test_entry(&hand, 0, 10, 0);
	upd_delta_test_varint(hand.streams[1], 10);
	upd_delta_test_updiff_expect(&hand, small_base_path, 10, "difference stream");
	upd_delta_test_entry(&hand, 0, 10, 0);
	upd_delta_test_varint(hand.streams[1], 10);
	g_byte_array_append(hand.streams[2], (const guint8 *)"\x05\x00", 2);
	upd_delta_test_updiff_expect(&hand, small_base_path, 10, "malformed");
	upd_delta_test_entry(&hand, 0, 10, 0);
	upd_delta_test_varint(hand.streams[1], 10);
	g_byte_array_append(hand.streams[2], (const guint8 *)"\x00\x00", 2);
	upd_delta_test_updiff_expect(&hand, small_base_path, 10, "holds more than");
	/* a stream that claims to hold more than any target this size needs */
	g_byte_array_set_size(hand.streams[3], 100);
	upd_delta_test_entry(&hand, 0, 0, 10);
	upd_delta_test_updiff_expect(&hand, small_base_path, 10, "more than a target");

	upd_delta_test_updiff_clear(&hand);
}

/* sets the content size that the block header and the index of @xz (made
 * by upd_delta_test_xz() with two threads, of less than 128 bytes) declare,
 * and their CRC32s */
static void
upd_delta_test_xz_set_content_size(GByteArray *xz, guint8 size)
{
	guint8 *block = xz->data + 12;
	gsize header_size = ((gsize)block[0] + 1) * 4;
	guint8 *index;
	gsize index_size;
	guint32 backward;
	guint32 crc;
	gsize pos = 2;

	g_assert_cmpuint(size, <, 128);
	while (block[pos] & 0x80)
		pos++;
	pos++;
	g_assert_cmpuint(block[pos], <, 128);
	block[pos] = size;
	crc = GUINT32_TO_LE(upd_delta_test_crc32(block, header_size - 4));
	memcpy(block + header_size - 4, &crc, 4);

	memcpy(&backward, xz->data + xz->len - 8, 4);
	index_size = ((gsize)GUINT32_FROM_LE(backward) + 1) * 4;
	index = xz->data + xz->len - 12 - index_size;
	pos = 2;
	while (index[pos] & 0x80)
		pos++;
	pos++;
	g_assert_cmpuint(index[pos], <, 128);
	index[pos] = size;
	crc = GUINT32_TO_LE(upd_delta_test_crc32(index, index_size - 4));
	memcpy(index + index_size - 4, &crc, 4);
}

/* two releases of a message catalog laid out like a .mo file: a table of
 * (length, offset) pairs, then the translations, NUL-terminated, made of
 * words of a small vocabulary; in the second release every fifth message is
 * translated anew, which shifts the offsets of all that follow */
static void
upd_delta_test_catalogs(GRand *rand, guint n_messages, GByteArray **base, GByteArray **target)
{
	static const gchar *const words[] = {
		"не",	       "удалось",    "открыть",	   "файл",	  "таблица",
		"индекс",      "ошибка",     "значение",   "параметра",	  "сервер",
		"подключение", "транзакции", "должен",	   "быть",	  "для",
		"в",	       "%s",	     "%d",	   "столбец",	  "отношение",
		"функция",     "тип",	     "данных",	   "слишком",	  "длинный",
		"неверный",    "формат",     "«%s»",	   "ограничение", "нарушает",
		"блокировка",  "запрос",     "выполнения", "отменён",	  "пользователем",
		"роль",
	};
	g_autoptr(GPtrArray) old_texts = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) new_texts = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *texts[2] = {old_texts, new_texts};

	for (guint i = 0; i < n_messages; i++) {
		for (guint release = 0; release < 2; release++) {
			g_autoptr(GString) text = g_string_new(NULL);
			guint n_words;
			if (release == 1 && g_rand_int_range(rand, 0, 5) != 0) {
				g_ptr_array_add(texts[1], g_strdup(g_ptr_array_index(texts[0], i)));
				continue;
			}
			n_words = g_rand_int_range(rand, 3, 16);
			for (guint w = 0; w < n_words; w++) {
				if (w > 0)
					g_string_append_c(text, ' ');
				g_string_append(
					text,
					words[g_rand_int_range(rand, 0, G_N_ELEMENTS(words))]);
			}
			g_ptr_array_add(texts[release],
					g_string_free(g_steal_pointer(&text), FALSE));
		}
	}
	for (guint release = 0; release < 2; release++) {
		GByteArray *out = g_byte_array_new();
		guint32 offset = 8 * n_messages;
		for (guint i = 0; i < n_messages; i++) {
			guint32 pair[2] = {
				GUINT32_TO_LE(strlen(g_ptr_array_index(texts[release], i))),
				GUINT32_TO_LE(offset)};
			g_byte_array_append(out, (const guint8 *)pair, 8);
			offset += GUINT32_FROM_LE(pair[0]) + 1;
		}
		for (guint i = 0; i < n_messages; i++) {
			const gchar *text = g_ptr_array_index(texts[release], i);
			g_byte_array_append(out, (const guint8 *)text, strlen(text) + 1);
		}
		if (release == 0)
			*base = out;
		else
			*target = out;
	}
}

/* applies @delta and expects it to fail with a message containing @what */
static void
upd_delta_test_expect_message(const gchar *base_path,
			      const guint8 *delta,
			      gsize delta_len,
			      guint64 target_size,
			      const gchar *what)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) result =
		upd_delta_test_apply(&updiff, base_path, delta, delta_len, target_size, &error);

	g_assert_null(result);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA);
	g_test_message("%s (expected: %s)", error->message, what);
	g_assert_nonnull(strstr(error->message, what));
}

/* text-like streams: xz beats zstd on some, and the delta is smaller */
static void
upd_delta_test_updiff_xz(void)
{
	static const gchar *const names[] = {"control", "zero-run", "difference", "extra"};
	g_autoptr(GError) error = NULL;
	g_autoptr(GRand) rand = g_rand_new_with_seed(15);
	g_autoptr(GByteArray) base = NULL;
	g_autoptr(GByteArray) target = NULL;
	g_autoptr(GBytes) base_bytes = NULL;
	g_autoptr(GBytes) target_bytes = NULL;
	g_autoptr(GBytes) delta = NULL;
	g_autoptr(GBytes) result = NULL;
	g_autofree gchar *base_path = NULL;
	const guint8 *data;
	gsize len;
	gsize zstd_only = 48;
	guint n_xz = 0;

	upd_delta_test_catalogs(rand, 4000, &base, &target);
	base_bytes = g_bytes_new(base->data, base->len);
	target_bytes = g_bytes_new(target->data, target->len);
	base_path = upd_delta_test_write("base", base->data, base->len);
	delta = upd_delta_encode(UPD_DELTA_FORMAT_UPDIFF, base_bytes, target_bytes, 0, NULL,
				 &error);
	g_assert_no_error(error);
	data = g_bytes_get_data(delta, &len);
	result = upd_delta_test_apply(&updiff, base_path, data, len, target->len, &error);
	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(result, target_bytes));

	for (guint i = 0; i < 4; i++) {
		gsize stream_len;
		gsize at = upd_delta_test_stream_at(data, i, &stream_len);
		if (stream_len >= 6 && memcmp(data + at, UPD_DELTA_TEST_XZ_MAGIC, 6) == 0) {
			g_autoptr(GByteArray) raw = upd_delta_test_unxz(data + at, stream_len);
			gsize zstd_len;
			g_assert_nonnull(raw);
			zstd_len = upd_delta_test_zstd_size(raw->data, raw->len);
			g_test_message("%s stream: %u bytes, %" G_GSIZE_FORMAT
				       " with xz, %" G_GSIZE_FORMAT " with zstd",
				       names[i], raw->len, stream_len, zstd_len);
			g_assert_cmpuint(stream_len, <, zstd_len);
			zstd_only += zstd_len;
			n_xz++;
		} else {
			g_assert_cmpmem(data + at, 4, "\x28\xb5\x2f\xfd", 4);
			g_test_message("%s stream: %" G_GSIZE_FORMAT " bytes with zstd", names[i],
				       stream_len);
			zstd_only += stream_len;
		}
	}
	g_test_message("catalog: %u -> %u bytes: delta of %" G_GSIZE_FORMAT
		       " bytes, %" G_GSIZE_FORMAT " with zstd only",
		       base->len, target->len, len, zstd_only);
	g_assert_cmpuint(n_xz, >, 0);
	g_assert_cmpuint(len, <, zstd_only);
}

/* xz streams that are broken, or not as UPDIFF allows them */
static void
upd_delta_test_updiff_xz_corrupt(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GRand) rand = g_rand_new_with_seed(16);
	g_autoptr(GByteArray) base = NULL;
	g_autoptr(GByteArray) target = NULL;
	g_autoptr(GBytes) base_bytes = NULL;
	g_autoptr(GBytes) target_bytes = NULL;
	g_autoptr(GBytes) delta = NULL;
	g_autofree gchar *base_path = NULL;
	g_autofree gchar *small_base_path = NULL;
	g_autofree guint8 *copy = NULL;
	const guint8 *data;
	const guint8 *xz;
	gsize len;
	gsize at = 0;
	gsize xz_len = 0;
	guint stream;
	UpdDeltaTestUpdiff hand = {{NULL}};

	upd_delta_test_catalogs(rand, 2000, &base, &target);
	base_bytes = g_bytes_new(base->data, base->len);
	target_bytes = g_bytes_new(target->data, target->len);
	base_path = upd_delta_test_write("base", base->data, base->len);
	delta = upd_delta_encode(UPD_DELTA_FORMAT_UPDIFF, base_bytes, target_bytes, 0, NULL,
				 &error);
	g_assert_no_error(error);
	data = g_bytes_get_data(delta, &len);
	for (stream = 0; stream < 4; stream++) {
		at = upd_delta_test_stream_at(data, stream, &xz_len);
		if (memcmp(data + at, UPD_DELTA_TEST_XZ_MAGIC, 6) == 0)
			break;
	}
	g_assert_cmpuint(stream, <, 4);
	xz = data + at;

	/* a flipped byte anywhere in the xz stream */
	copy = g_memdup2(data, len);
	for (gsize i = 0; i < xz_len; i += MAX(xz_len / 53, 1)) {
		copy[at + i] ^= 0x10;
		upd_delta_test_expect_broken(&updiff, base_path, copy, len, target->len,
					     target_bytes, TRUE);
		copy[at + i] ^= 0x10;
	}
	/* in the stream header's CRC32, the block header's flags, the middle of
	 * the compressed data and the footer's magic */
	copy[at + 8] ^= 0x10;
	upd_delta_test_expect_message(base_path, copy, len, target->len, "is corrupt: ");
	copy[at + 8] ^= 0x10;
	copy[at + 13] ^= 0x10;
	upd_delta_test_expect_message(base_path, copy, len, target->len,
				      "is not an xz stream of one LZMA2 block");
	copy[at + 13] ^= 0x10;
	copy[at + xz_len / 2] ^= 0x10;
	upd_delta_test_expect_broken(&updiff, base_path, copy, len, target->len, target_bytes,
				     TRUE);
	copy[at + xz_len / 2] ^= 0x10;
	copy[at + xz_len - 1] ^= 0x10;
	upd_delta_test_expect_message(base_path, copy, len, target->len,
				      "does not end with the footer of an xz stream");
	copy[at + xz_len - 1] ^= 0x10;

	/* truncated: the footer is not at the end of the stream's range */
	for (guint k = 0; k < 4; k++) {
		static const gsize cuts[] = {1, 4, 12, 0};
		gsize cut = cuts[k] != 0 ? cuts[k] : xz_len / 2;
		g_autoptr(GByteArray) cut_delta =
			upd_delta_test_stream_replace(data, len, stream, xz, xz_len - cut);
		upd_delta_test_expect_message(base_path, cut_delta->data, cut_delta->len,
					      target->len,
					      "does not end with the footer of an xz stream");
	}

	/* data after the stream's footer: garbage, stream padding and a second
	 * stream, the last two of which libarchive alone decodes */
	{
		g_autoptr(GByteArray) longer = g_byte_array_new();
		g_autoptr(GByteArray) longer_delta = NULL;
		g_autoptr(GByteArray) decoded = NULL;

		g_byte_array_append(longer, xz, xz_len);
		g_byte_array_append(longer, (const guint8 *)"garbage!", 8);
		longer_delta =
			upd_delta_test_stream_replace(data, len, stream, longer->data, longer->len);
		upd_delta_test_expect_message(base_path, longer_delta->data, longer_delta->len,
					      target->len,
					      "does not end with the footer of an xz stream");
		g_clear_pointer(&longer_delta, g_byte_array_unref);

		g_byte_array_set_size(longer, xz_len);
		g_byte_array_append(longer, (const guint8 *)"\0\0\0\0", 4);
		decoded = upd_delta_test_unxz(longer->data, longer->len);
		g_assert_nonnull(decoded);
		g_clear_pointer(&decoded, g_byte_array_unref);
		longer_delta =
			upd_delta_test_stream_replace(data, len, stream, longer->data, longer->len);
		upd_delta_test_expect_message(base_path, longer_delta->data, longer_delta->len,
					      target->len,
					      "does not end with the footer of an xz stream");
		g_clear_pointer(&longer_delta, g_byte_array_unref);

		g_byte_array_set_size(longer, xz_len);
		g_byte_array_append(longer, xz, xz_len);
		decoded = upd_delta_test_unxz(longer->data, longer->len);
		g_assert_nonnull(decoded);
		longer_delta =
			upd_delta_test_stream_replace(data, len, stream, longer->data, longer->len);
		upd_delta_test_expect_message(base_path, longer_delta->data, longer_delta->len,
					      target->len,
					      "is not an xz stream of one LZMA2 block");
	}

	/* hand-made deltas against a 1000-byte base */
	small_base_path = upd_delta_test_write("small-base", base->data, 1000);
	upd_delta_test_updiff_reset(&hand);

	/* the reference, all four streams in xz: valid */
	upd_delta_test_entry(&hand, 990, 10, 5);
	upd_delta_test_varint(hand.streams[1], 10);
	g_byte_array_append(hand.streams[2], (const guint8 *)"", 1);
	g_byte_array_append(hand.streams[3], (const guint8 *)"12345", 5);
	for (guint i = 0; i < 4; i++)
		hand.xz[i] = TRUE;
	{
		g_autoptr(GBytes) valid = upd_delta_test_updiff_build(&hand, 15);
		g_autoptr(GBytes) output = upd_delta_test_apply(
			&updiff, small_base_path, g_bytes_get_data(valid, NULL),
			g_bytes_get_size(valid), 15, &error);
		g_assert_no_error(error);
		g_assert_cmpmem(g_bytes_get_data(output, NULL), 10, base->data + 990, 10);
		g_assert_cmpmem((const guint8 *)g_bytes_get_data(output, NULL) + 10, 5, "12345", 5);
		upd_delta_test_updiff_reset(&hand);
	}

	/* content that is an xz stream itself: copied, not decoded again */
	{
		g_autoptr(GByteArray) inner = upd_delta_test_xz((const guint8 *)"inner", 5, "2");
		g_autoptr(GBytes) valid = NULL;
		g_autoptr(GBytes) output = NULL;
		upd_delta_test_entry(&hand, 0, 0, inner->len);
		g_byte_array_append(hand.streams[3], inner->data, inner->len);
		hand.xz[3] = TRUE;
		valid = upd_delta_test_updiff_build(&hand, inner->len);
		output = upd_delta_test_apply(&updiff, small_base_path,
					      g_bytes_get_data(valid, NULL),
					      g_bytes_get_size(valid), inner->len, &error);
		g_assert_no_error(error);
		g_assert_cmpmem(g_bytes_get_data(output, NULL), g_bytes_get_size(output),
				inner->data, inner->len);
		upd_delta_test_updiff_reset(&hand);
	}

	/* more content than a target of this size can use, declared up front */
	g_byte_array_set_size(hand.streams[3], 100);
	memset(hand.streams[3]->data, 'x', 100);
	hand.xz[3] = TRUE;
	upd_delta_test_entry(&hand, 0, 0, 10);
	upd_delta_test_updiff_expect(&hand, small_base_path, 10, "more than a target");

	/* sizes that lie: 10 bytes of content declared as 5 (which a target of
	 * 5 bytes can use); liblzma stops at the declared size */
	upd_delta_test_entry(&hand, 0, 0, 5);
	g_byte_array_append(hand.streams[3], (const guint8 *)"1234567890", 10);
	hand.compressed[3] = upd_delta_test_xz(hand.streams[3]->data, 10, "2");
	upd_delta_test_xz_set_content_size(hand.compressed[3], 5);
	g_assert_null(upd_delta_test_unxz(hand.compressed[3]->data, hand.compressed[3]->len));
	upd_delta_test_updiff_expect(&hand, small_base_path, 5, "the extra stream of delta");
	/* and 5 bytes declared as 10, for a target that uses 10 */
	upd_delta_test_entry(&hand, 0, 0, 10);
	g_byte_array_append(hand.streams[3], (const guint8 *)"12345", 5);
	hand.compressed[3] = upd_delta_test_xz(hand.streams[3]->data, 5, "2");
	upd_delta_test_xz_set_content_size(hand.compressed[3], 10);
	upd_delta_test_updiff_expect(&hand, small_base_path, 10, "the extra stream of delta");

	/* a dictionary larger than 8 MiB: liblzma would allocate it whole, as
	 * libarchive sets no memory limit (it decodes 12 MiB here; 4 GiB is
	 * not tried); the decoder refuses it before decoding */
	for (guint k = 0; k < 2; k++) {
		static const guint8 dicts[] = {23, 40};
		g_autoptr(GByteArray) decoded = NULL;
		upd_delta_test_entry(&hand, 0, 0, 5);
		g_byte_array_append(hand.streams[3], (const guint8 *)"12345", 5);
		hand.compressed[3] = upd_delta_test_xz(hand.streams[3]->data, 5, "2");
		upd_delta_test_xz_set_dict(hand.compressed[3], dicts[k]);
		if (dicts[k] == 23) {
			decoded = upd_delta_test_unxz(hand.compressed[3]->data,
						      hand.compressed[3]->len);
			g_assert_nonnull(decoded);
			g_assert_cmpmem(decoded->data, decoded->len, "12345", 5);
		}
		upd_delta_test_updiff_expect(&hand, small_base_path, 5,
					     dicts[k] == 23
						     ? "needs an xz dictionary of 12582912 "
						       "bytes, more than the 8388608"
						     : "needs an xz dictionary of 4294967295");
	}
	/* 8 MiB, what level 6 writes: accepted */
	{
		g_autoptr(GBytes) valid = NULL;
		g_autoptr(GBytes) output = NULL;
		upd_delta_test_entry(&hand, 0, 0, 5);
		g_byte_array_append(hand.streams[3], (const guint8 *)"12345", 5);
		hand.compressed[3] = upd_delta_test_xz(hand.streams[3]->data, 5, "2");
		upd_delta_test_xz_set_dict(hand.compressed[3], 22);
		valid = upd_delta_test_updiff_build(&hand, 5);
		output = upd_delta_test_apply(&updiff, small_base_path,
					      g_bytes_get_data(valid, NULL),
					      g_bytes_get_size(valid), 5, &error);
		g_assert_no_error(error);
		g_assert_cmpmem(g_bytes_get_data(output, NULL), 5, "12345", 5);
		upd_delta_test_updiff_reset(&hand);
	}

	/* a block header without the sizes (libarchive's one-thread encoder),
	 * which liblzma alone decodes; a stream without a block */
	upd_delta_test_entry(&hand, 0, 0, 5);
	g_byte_array_append(hand.streams[3], (const guint8 *)"12345", 5);
	hand.compressed[3] = upd_delta_test_xz(hand.streams[3]->data, 5, "1");
	{
		g_autoptr(GByteArray) decoded =
			upd_delta_test_unxz(hand.compressed[3]->data, hand.compressed[3]->len);
		g_assert_nonnull(decoded);
	}
	upd_delta_test_updiff_expect(
		&hand, small_base_path, 5,
		"is not an xz stream of one LZMA2 block that declares its sizes");
	upd_delta_test_entry(&hand, 0, 0, 5);
	g_byte_array_append(hand.streams[3], (const guint8 *)"12345", 5);
	hand.compressed[1] = upd_delta_test_xz(NULL, 0, "2");
	upd_delta_test_updiff_expect(&hand, small_base_path, 5,
				     "is not an xz stream of one LZMA2 block");

	/* an xz stream shorter than its frame */
	upd_delta_test_entry(&hand, 0, 0, 5);
	g_byte_array_append(hand.streams[3], (const guint8 *)"12345", 5);
	hand.compressed[3] = g_byte_array_new();
	g_byte_array_append(hand.compressed[3], (const guint8 *)UPD_DELTA_TEST_XZ_MAGIC, 6);
	upd_delta_test_updiff_expect(&hand, small_base_path, 5,
				     "does not end with the footer of an xz stream");

	upd_delta_test_updiff_clear(&hand);
}

/* bit @i of @data, least significant bit of a byte first (LLVM's order) */
static guint
upd_delta_test_get_bit(const GByteArray *data, gsize i)
{
	return (data->data[i / 8] >> (i % 8)) & 1;
}

static void
upd_delta_test_put_bit(GByteArray *data, gsize *n_bits, guint bit)
{
	if (*n_bits % 8 == 0)
		g_byte_array_append(data, (const guint8 *)"", 1);
	data->data[*n_bits / 8] |= (guint8)(bit << (*n_bits % 8));
	(*n_bits)++;
}

/* a release of a bitstream: @base's bits with a few runs of bits inserted
 * and deleted, none a multiple of 8, so that what follows each edit is
 * shifted by a few bits, as in LLVM bitcode that was built again */
static GByteArray *
upd_delta_test_bit_edit(GRand *rand, const GByteArray *base, guint edits)
{
	GByteArray *target = g_byte_array_new();
	gsize total = (gsize)base->len * 8;
	gsize step = total / (edits + 1);
	gsize n_bits = 0;

	/* the magic stays */
	for (gsize i = 0; i < 32; i++)
		upd_delta_test_put_bit(target, &n_bits, upd_delta_test_get_bit(base, i));
	for (gsize i = 32; i < total; i++) {
		if (i % step == 0) {
			guint n = g_rand_int_range(rand, 1, 64);
			if (n % 8 == 0)
				n++;
			if (g_rand_boolean(rand)) {
				for (guint j = 0; j < n; j++)
					upd_delta_test_put_bit(target, &n_bits,
							       g_rand_int_range(rand, 0, 2));
			} else {
				i += n;
				if (i >= total)
					break;
			}
		}
		upd_delta_test_put_bit(target, &n_bits, upd_delta_test_get_bit(base, i));
	}
	return target;
}

/* LLVM bitcode: edits shift the rest of the stream by bits, and the delta
 * against the bit-shifted view of the base ("UPDIFFB1") is far smaller
 * than the plain one */
static void
upd_delta_test_bitstream(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(11);
	g_autoptr(GByteArray) base = upd_delta_test_structured(rand, 300 * 1000);
	g_autoptr(GByteArray) target = NULL;
	g_autoptr(GByteArray) plain_base = NULL;
	g_autoptr(GByteArray) plain_target = NULL;
	g_autoptr(GBytes) base_bytes = NULL;
	g_autoptr(GBytes) target_bytes = NULL;
	g_autoptr(GBytes) delta = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *small_base_path = NULL;
	UpdDeltaTestUpdiff hand = {{NULL}, "UPDIFFB1"};
	gsize shifted;
	gsize plain;

	memcpy(base->data, "BC\xc0\xde", 4);
	target = upd_delta_test_bit_edit(rand, base, 12);
	base_bytes = g_bytes_new(base->data, base->len);
	target_bytes = g_bytes_new(target->data, target->len);
	delta = upd_delta_encode(UPD_DELTA_FORMAT_UPDIFF, base_bytes, target_bytes, 0, NULL,
				 &error);
	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(delta, NULL), 8, "UPDIFFB1", 8);
	shifted = upd_delta_test_roundtrip(&updiff, base, target);
	g_assert_cmpuint(shifted, ==, g_bytes_get_size(delta));

	/* the same bytes without the magic are no bitcode: the plain form */
	plain_base = g_byte_array_new();
	g_byte_array_append(plain_base, base->data, base->len);
	plain_target = g_byte_array_new();
	g_byte_array_append(plain_target, target->data, target->len);
	plain_base->data[0] = plain_target->data[0] = 'X';
	plain = upd_delta_test_roundtrip(&updiff, plain_base, plain_target);
	g_test_message("bitstream of %u bytes, 12 edits: %" G_GSIZE_FORMAT
		       " bytes against the bit-shifted view, %" G_GSIZE_FORMAT " plain",
		       base->len, shifted, plain);
	g_assert_cmpuint(shifted * 4, <, plain);

	/* the magic of the wrapper counts too */
	memcpy(base->data, "\xde\xc0\x17\x0b", 4);
	memcpy(target->data, "\xde\xc0\x17\x0b", 4);
	g_assert_cmpuint(upd_delta_test_roundtrip(&updiff, base, target), ==, shifted);

	/* hand-made: copy 3 of the view of "\x81\x42" is "\x08\x14" */
	small_base_path = upd_delta_test_write("small-base", (const guint8 *)"\x81\x42", 2);
	upd_delta_test_updiff_reset(&hand);
	upd_delta_test_entry(&hand, 6, 2, 0);
	upd_delta_test_varint(hand.streams[1], 2);
	g_byte_array_append(hand.streams[2], (const guint8 *)"", 1);
	{
		g_autoptr(GBytes) valid = upd_delta_test_updiff_build(&hand, 2);
		g_autoptr(GBytes) output = upd_delta_test_apply(&updiff, small_base_path,
								g_bytes_get_data(valid, NULL),
								g_bytes_get_size(valid), 2, &error);
		g_assert_no_error(error);
		g_assert_cmpmem(g_bytes_get_data(output, NULL), 2, "\x08\x14", 2);
		upd_delta_test_updiff_reset(&hand);
	}
	/* the view ends after 8 copies: 16 bytes */
	upd_delta_test_entry(&hand, 15, 2, 0);
	upd_delta_test_varint(hand.streams[1], 2);
	g_byte_array_append(hand.streams[2], (const guint8 *)"", 1);
	upd_delta_test_updiff_expect(&hand, small_base_path, 2,
				     "reads outside the base (16 bytes)");
	upd_delta_test_entry(&hand, 17, 0, 1);
	g_byte_array_append(hand.streams[3], (const guint8 *)"1", 1);
	upd_delta_test_updiff_expect(&hand, small_base_path, 1,
				     "seeks outside the base (16 bytes)");
	upd_delta_test_updiff_clear(&hand);
}

/* applies @delta to @base_path and expects UPD_ERROR_INVALID_DATA with a
 * message that names the delta file and contains @expected */
static void
upd_delta_test_zpatch_expect(const gchar *base_path,
			     const guint8 *delta,
			     gsize delta_len,
			     guint64 target_size,
			     const gchar *expected)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) result = NULL;
	g_autofree gchar *delta_path = g_build_filename(upd_test_get_tmpdir(), "delta", NULL);

	result = upd_delta_test_apply(&zpatch, base_path, delta, delta_len, target_size, &error);
	g_assert_null(result);
	g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA);
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, delta_path));
	g_assert_nonnull(strstr(error->message, expected));
}

/* LLVM bitcode in ZSTD_PATCH: a skippable frame with "UPDBITV1" says that
 * the zstd frame after it was made against the bit-shifted view of the base,
 * which is far smaller than the plain frame of the same bytes */
static void
upd_delta_test_zpatch_bitstream(void)
{
	/* the skippable frame 0x184D2A5B, little endian, of 8 bytes */
	static const guint8 marker[16] = {0x5b, 0x2a, 0x4d, 0x18, 8,   0,   0,	 0,
					  'U',	'P',  'D',  'B',  'I', 'T', 'V', '1'};
	g_autoptr(GRand) rand = g_rand_new_with_seed(11);
	g_autoptr(GByteArray) base = upd_delta_test_structured(rand, 300 * 1000);
	g_autoptr(GByteArray) target = NULL;
	g_autoptr(GByteArray) plain_base = NULL;
	g_autoptr(GByteArray) plain_target = NULL;
	g_autoptr(GByteArray) large_base = NULL;
	g_autoptr(GBytes) base_bytes = NULL;
	g_autoptr(GBytes) target_bytes = NULL;
	g_autoptr(GBytes) delta = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *base_path = NULL;
	g_autofree gchar *large_base_path = NULL;
	g_autofree guint8 *hostile = NULL;
	gsize len;
	gsize shifted;
	gsize plain;

	memcpy(base->data, "BC\xc0\xde", 4);
	target = upd_delta_test_bit_edit(rand, base, 12);
	base_bytes = g_bytes_new(base->data, base->len);
	target_bytes = g_bytes_new(target->data, target->len);
	delta = upd_delta_encode(UPD_DELTA_FORMAT_ZSTD_PATCH, base_bytes, target_bytes, 0, NULL,
				 &error);
	g_assert_no_error(error);
	len = g_bytes_get_size(delta);
	g_assert_cmpuint(len, >, sizeof(marker));
	g_assert_cmpmem(g_bytes_get_data(delta, NULL), sizeof(marker), marker, sizeof(marker));
	shifted = upd_delta_test_roundtrip(&zpatch, base, target);
	g_assert_cmpuint(shifted, ==, len);

	/* the same bytes without the magic are no bitcode: the plain form */
	plain_base = g_byte_array_new();
	g_byte_array_append(plain_base, base->data, base->len);
	plain_target = g_byte_array_new();
	g_byte_array_append(plain_target, target->data, target->len);
	plain_base->data[0] = plain_target->data[0] = 'X';
	plain = upd_delta_test_roundtrip(&zpatch, plain_base, plain_target);
	g_test_message("bitstream of %u bytes, 12 edits: zpatch of %" G_GSIZE_FORMAT
		       " bytes against the bit-shifted view, %" G_GSIZE_FORMAT " plain",
		       base->len, shifted, plain);
	g_assert_cmpuint(shifted * 20, <, plain);
	{
		g_autoptr(GBytes) plain_base_bytes = g_bytes_new(plain_base->data, plain_base->len);
		g_autoptr(GBytes) plain_target_bytes =
			g_bytes_new(plain_target->data, plain_target->len);
		g_autoptr(GBytes) plain_delta =
			upd_delta_encode(UPD_DELTA_FORMAT_ZSTD_PATCH, plain_base_bytes,
					 plain_target_bytes, 0, NULL, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(g_bytes_get_size(plain_delta), ==, plain);
		g_assert_cmpmem(g_bytes_get_data(plain_delta, NULL), 4, "\x28\xb5\x2f\xfd", 4);
	}

	/* broken anywhere: a clean error or not the target */
	base_path = upd_delta_test_write("base", base->data, base->len);
	upd_delta_test_corrupt_common(&zpatch, base_path, delta, target_bytes);

	/* hostile markers */
	hostile = g_memdup2(g_bytes_get_data(delta, NULL), len);
	memcpy(hostile + 8, "UPDBITV2", 8);
	upd_delta_test_zpatch_expect(base_path, hostile, len, target->len,
				     "has an unknown payload");
	memcpy(hostile + 8, "UPDBITV1", 8);
	hostile[4] = 9;
	upd_delta_test_zpatch_expect(base_path, hostile, len, target->len,
				     "has 9 bytes of payload, expected 8");
	hostile[4] = 7;
	upd_delta_test_zpatch_expect(base_path, hostile, len, target->len,
				     "has 7 bytes of payload, expected 8");
	hostile[4] = 8;
	hostile[7] = 0x01;
	upd_delta_test_zpatch_expect(base_path, hostile, len, target->len,
				     "has 16777224 bytes of payload, expected 8");
	hostile[7] = 0;
	hostile[0] = 0x50;
	upd_delta_test_zpatch_expect(base_path, hostile, len, target->len,
				     "unknown zstd skippable frame (magic 0x184D2A50)");
	hostile[0] = 0x5b;
	upd_delta_test_zpatch_expect(base_path, hostile, 12, target->len, "is truncated");
	upd_delta_test_zpatch_expect(base_path, hostile, 6, target->len, "is truncated");
	/* two markers */
	{
		g_autofree guint8 *twice = g_malloc(len + sizeof(marker));
		memcpy(twice, marker, sizeof(marker));
		memcpy(twice + sizeof(marker), hostile, len);
		upd_delta_test_zpatch_expect(base_path, twice, len + sizeof(marker), target->len,
					     "is not a zstd patch");
	}
	/* the view of a base above 2 MiB is not materialized */
	large_base = g_byte_array_new();
	g_byte_array_append(large_base, base->data, base->len);
	g_byte_array_set_size(large_base, 2 * 1024 * 1024 + 1);
	large_base_path = upd_delta_test_write("large-base", large_base->data, large_base->len);
	upd_delta_test_zpatch_expect(large_base_path, hostile, len, target->len,
				     "needs a base of at most 2097152 bytes, not 2097153");
	/* and the plain frame after the marker does not help */
	{
		g_autoptr(GBytes) large_bytes = g_bytes_new(large_base->data, large_base->len);
		g_autoptr(GBytes) large_delta = upd_delta_encode(
			UPD_DELTA_FORMAT_ZSTD_PATCH, large_bytes, target_bytes, 1, NULL, &error);
		gsize large_len = g_bytes_get_size(large_delta);
		g_autofree guint8 *marked = g_malloc(large_len + sizeof(marker));

		g_assert_no_error(error);
		/* the encoder makes the plain form only */
		g_assert_cmpmem(g_bytes_get_data(large_delta, NULL), 4, "\x28\xb5\x2f\xfd", 4);
		memcpy(marked, marker, sizeof(marker));
		memcpy(marked + sizeof(marker), g_bytes_get_data(large_delta, NULL), large_len);
		upd_delta_test_zpatch_expect(large_base_path, marked, large_len + sizeof(marker),
					     target->len, "needs a base of at most 2097152 bytes");
	}
}

/* a bitcode base of exactly 2 MiB still gets the bit-shifted view */
static void
upd_delta_test_zpatch_bitstream_limit(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(12);
	g_autoptr(GByteArray) base = upd_delta_test_structured(rand, 2 * 1024 * 1024);
	g_autoptr(GByteArray) target = NULL;
	g_autoptr(GBytes) base_bytes = NULL;
	g_autoptr(GBytes) target_bytes = NULL;
	g_autoptr(GBytes) delta = NULL;
	g_autoptr(GError) error = NULL;

	memcpy(base->data, "\xde\xc0\x17\x0b", 4);
	target = upd_delta_test_bit_edit(rand, base, 8);
	base_bytes = g_bytes_new(base->data, base->len);
	target_bytes = g_bytes_new(target->data, target->len);
	/* level 3: level 19 over a 32 MiB window takes long and is not what
	 * is tested */
	delta = upd_delta_encode(UPD_DELTA_FORMAT_ZSTD_PATCH, base_bytes, target_bytes, 3, NULL,
				 &error);
	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(delta, NULL), 8, "\x5b\x2a\x4d\x18\x08\0\0\0", 8);
	g_assert_cmpuint(upd_delta_test_roundtrip_level(&zpatch, base, target, 3), ==,
			 g_bytes_get_size(delta));
}

int
main(int argc, char **argv)
{
	const UpdDeltaTestFormat *formats[] = {&zpatch, &updiff};

	upd_test_init(&argc, &argv);
	g_test_add_func("/libupdater/delta/extension", upd_delta_test_extension);
	g_test_add_func("/libupdater/delta/memory", upd_delta_test_memory);
	g_test_add_func("/libupdater/delta/arguments", upd_delta_test_arguments);
	g_test_add_func("/libupdater/delta/zpatch/target-max", upd_delta_test_zpatch_target_max);
	for (guint i = 0; i < G_N_ELEMENTS(formats); i++) {
		g_autofree gchar *edits =
			g_strdup_printf("/libupdater/delta/%s/edits", formats[i]->name);
		g_autofree gchar *edge =
			g_strdup_printf("/libupdater/delta/%s/edge-cases", formats[i]->name);
		g_autofree gchar *large =
			g_strdup_printf("/libupdater/delta/%s/large", formats[i]->name);
		g_test_add_data_func(edits, formats[i], upd_delta_test_edits);
		g_test_add_data_func(edge, formats[i], upd_delta_test_edge_cases);
		g_test_add_data_func(large, formats[i], upd_delta_test_large);
	}
	g_test_add_func("/libupdater/delta/zpatch/corrupt", upd_delta_test_corrupt_zpatch);
	g_test_add_func("/libupdater/delta/updiff/corrupt", upd_delta_test_corrupt_updiff);
	g_test_add_func("/libupdater/delta/updiff/xz", upd_delta_test_updiff_xz);
	g_test_add_func("/libupdater/delta/updiff/xz-corrupt", upd_delta_test_updiff_xz_corrupt);
	g_test_add_func("/libupdater/delta/updiff/bitstream", upd_delta_test_bitstream);
	g_test_add_func("/libupdater/delta/zpatch/bitstream", upd_delta_test_zpatch_bitstream);
	g_test_add_func("/libupdater/delta/zpatch/bitstream-limit",
			upd_delta_test_zpatch_bitstream_limit);
	return g_test_run();
}
