/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <string.h>
#include <unistd.h>

#include "upd-error.h"
#include "upd-i18n-private.h"
#include "upd-sha256-private.h"

/* a threaded hash (upd_sha256_new_threaded()) copies what it is given into
 * buffers of this size, at most this many of them in flight */
#define UPD_SHA256_THREAD_BUFFER  (256 * 1024)
#define UPD_SHA256_THREAD_BUFFERS 4

typedef struct {
	guint8 *data; /* (owned): UPD_SHA256_THREAD_BUFFER bytes */
	gsize len;
} UpdSha256Chunk;

struct _UpdSha256 {
	gnutls_hash_hd_t hash; /* (nullable): NULL when GnuTLS refused */
	GChecksum *fallback;   /* (owned) (nullable): only used without GnuTLS */
	/* threaded: the thread that hashes, the chunks it has to hash (the
	 * address of @end ends it), the chunks free to fill, the one being
	 * filled; all NULL once the thread has ended */
	GThread *thread;
	GAsyncQueue *full;
	GAsyncQueue *empty;
	UpdSha256Chunk *current;
	UpdSha256Chunk chunks[UPD_SHA256_THREAD_BUFFERS];
	UpdSha256Chunk end;
};

static void
upd_sha256_hash(UpdSha256 *self, const void *data, gsize len)
{
	if (self->hash != NULL)
		gnutls_hash(self->hash, data, len);
	else
		g_checksum_update(self->fallback, data, len);
}

static gpointer
upd_sha256_thread(gpointer data)
{
	UpdSha256 *self = data;

	for (;;) {
		UpdSha256Chunk *chunk = g_async_queue_pop(self->full);
		if (chunk == &self->end)
			return NULL;
		upd_sha256_hash(self, chunk->data, chunk->len);
		chunk->len = 0;
		g_async_queue_push(self->empty, chunk);
	}
}

static void
upd_sha256_free_buffers(UpdSha256 *self)
{
	g_clear_pointer(&self->full, g_async_queue_unref);
	g_clear_pointer(&self->empty, g_async_queue_unref);
	for (guint i = 0; i < UPD_SHA256_THREAD_BUFFERS; i++)
		g_clear_pointer(&self->chunks[i].data, g_free);
}

/* hands what is buffered to the thread, waits for it to hash everything and
 * end: from then on the hash is computed on the caller's thread */
static void
upd_sha256_join(UpdSha256 *self)
{
	if (self->thread == NULL)
		return;
	if (self->current != NULL && self->current->len > 0)
		g_async_queue_push(self->full, self->current);
	self->current = NULL;
	g_async_queue_push(self->full, &self->end);
	g_thread_join(g_steal_pointer(&self->thread));
	upd_sha256_free_buffers(self);
}

UpdSha256 *
upd_sha256_new_threaded(void)
{
	UpdSha256 *self = upd_sha256_new();

	self->full = g_async_queue_new();
	self->empty = g_async_queue_new();
	for (guint i = 0; i < UPD_SHA256_THREAD_BUFFERS; i++) {
		self->chunks[i].data = g_malloc(UPD_SHA256_THREAD_BUFFER);
		g_async_queue_push(self->empty, &self->chunks[i]);
	}
	self->thread = g_thread_try_new("upd-sha256", upd_sha256_thread, self, NULL);
	/* no thread to be had (a process limit): hashed on the caller's thread */
	if (self->thread == NULL)
		upd_sha256_free_buffers(self);
	return self;
}

UpdSha256 *
upd_sha256_new(void)
{
	UpdSha256 *self = g_new0(UpdSha256, 1);
	/* GnuTLS only refuses on allocation failure or under a crypto policy that
	 * forbids SHA-256; stay correct, just slower, in that case */
	if (gnutls_hash_init(&self->hash, GNUTLS_DIG_SHA256) < 0) {
		self->hash = NULL;
		self->fallback = g_checksum_new(G_CHECKSUM_SHA256);
	}
	return self;
}

void
upd_sha256_update(UpdSha256 *self, const void *data, gsize len)
{
	const guint8 *bytes = data;

	if (len == 0)
		return;
	if (self->thread == NULL) {
		upd_sha256_hash(self, data, len);
		return;
	}
	while (len > 0) {
		gsize take;
		/* waits while every buffer is with the thread */
		if (self->current == NULL)
			self->current = g_async_queue_pop(self->empty);
		take = MIN(len, UPD_SHA256_THREAD_BUFFER - self->current->len);
		memcpy(self->current->data + self->current->len, bytes, take);
		self->current->len += take;
		bytes += take;
		len -= take;
		if (self->current->len == UPD_SHA256_THREAD_BUFFER) {
			g_async_queue_push(self->full, self->current);
			self->current = NULL;
		}
	}
}

/* the hash is reset afterwards and can be reused */
void
upd_sha256_finish(UpdSha256 *self, guint8 digest[UPD_SHA256_LEN])
{
	upd_sha256_join(self);
	if (self->hash != NULL) {
		gnutls_hash_output(self->hash, digest);
	} else {
		gsize len = UPD_SHA256_LEN;
		g_checksum_get_digest(self->fallback, digest, &len);
		g_checksum_reset(self->fallback);
	}
}

void
upd_sha256_free(UpdSha256 *self)
{
	if (self == NULL)
		return;
	upd_sha256_join(self);
	if (self->hash != NULL)
		gnutls_hash_deinit(self->hash, NULL);
	g_clear_pointer(&self->fallback, g_checksum_free);
	g_free(self);
}

void
upd_sha256_data(const void *data, gsize len, guint8 digest[UPD_SHA256_LEN])
{
	g_autoptr(UpdSha256) sha = upd_sha256_new();
	upd_sha256_update(sha, data, len);
	upd_sha256_finish(sha, digest);
}

gboolean
upd_sha256_file(const gchar *path,
		guint8 digest[UPD_SHA256_LEN],
		guint64 *size,
		GCancellable *cancellable,
		GError **error)
{
	g_autoptr(UpdSha256) sha = upd_sha256_new();
	g_autofree guint8 *buf = g_malloc(1024 * 1024);
	guint64 total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int errsv = errno;
		g_set_error(error, UPD_ERROR, errsv == ENOENT ? UPD_ERROR_NOT_FOUND : UPD_ERROR_IO,
			    _("cannot open %s: %s"), path, g_strerror(errsv));
		return FALSE;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		ssize_t n = read(fd, buf, 1024 * 1024);
		if (n < 0) {
			int errsv = errno;
			if (errsv == EINTR)
				continue;
			close(fd);
			g_set_error(error, UPD_ERROR, UPD_ERROR_IO, _("cannot read %s: %s"), path,
				    g_strerror(errsv));
			return FALSE;
		}
		if (n == 0)
			break;
		upd_sha256_update(sha, buf, n);
		total += n;
		if (g_cancellable_set_error_if_cancelled(cancellable, error)) {
			close(fd);
			return FALSE;
		}
	}
	close(fd);
	upd_sha256_finish(sha, digest);
	if (size != NULL)
		*size = total;
	return TRUE;
}

gchar *
upd_sha256_to_hex(const guint8 *digest)
{
	static const gchar hexdigits[] = "0123456789abcdef";
	gchar *hex = g_new(gchar, UPD_SHA256_HEX_LEN + 1);
	for (guint i = 0; i < UPD_SHA256_LEN; i++) {
		hex[2 * i] = hexdigits[digest[i] >> 4];
		hex[2 * i + 1] = hexdigits[digest[i] & 0xf];
	}
	hex[UPD_SHA256_HEX_LEN] = '\0';
	return hex;
}

gboolean
upd_sha256_from_hex(const gchar *hex, guint8 digest[UPD_SHA256_LEN])
{
	if (hex == NULL || strlen(hex) != UPD_SHA256_HEX_LEN)
		return FALSE;
	for (guint i = 0; i < UPD_SHA256_LEN; i++) {
		gint hi = g_ascii_xdigit_value(hex[2 * i]);
		gint lo = g_ascii_xdigit_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return FALSE;
		digest[i] = (guint8)(hi << 4 | lo);
	}
	return TRUE;
}
