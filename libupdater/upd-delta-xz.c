/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * The xz streams of UPDIFF deltas (their format: "Stream encodings" at the
 * top of upd-delta-updiff.c): checking a stream's frame before it is
 * decoded, and making one.
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
 */

#include "config.h"

#include <inttypes.h>

#include "upd-delta-codec-private.h"
#include "upd-i18n-private.h"

/* the largest block header the format allows */
#define UPDIFF_XZ_BLOCK_HEADER_MAX 1024
#define UPDIFF_XZ_LZMA2_ID	   0x21
#define UPDIFF_XZ_LEVEL		   "6"

/* ---------------------------------------------------------------------- */
/* xz streams */

/* libarchive does not always say why */
const gchar *
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
 * allows it (see "Stream encodings" in upd-delta-updiff.c), from its frame
 * alone: the stream header, the one block header, the index and the stream
 * footer, which must end the stream. Fills @info; returns NULL, or why the
 * stream is not such a one. liblzma then checks the rest while decoding:
 * the CRC32s, the padding, the compressed data against the sizes. */
const gchar *
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
gsize
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
