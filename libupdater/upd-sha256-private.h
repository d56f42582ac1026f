/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define UPD_SHA256_LEN	   32
#define UPD_SHA256_HEX_LEN 64

/* Streaming SHA-256 through GnuTLS (which uses the CPU's SHA extensions). */
typedef struct _UpdSha256 UpdSha256;

UpdSha256 *
upd_sha256_new(void);
/* the same, hashed on a thread of its own while the caller goes on: each
 * update is copied into one of four 256 KiB buffers (waiting while all four
 * are being hashed), and finish waits for the thread, which then ends (the
 * object stays usable, hashing on the caller's thread). For a large
 * download, where the hash would otherwise hold up the receiving thread. */
UpdSha256 *
upd_sha256_new_threaded(void);
void
upd_sha256_update(UpdSha256 *self, const void *data, gsize len);
void
upd_sha256_finish(UpdSha256 *self, guint8 digest[UPD_SHA256_LEN]);
void
upd_sha256_free(UpdSha256 *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdSha256, upd_sha256_free)

void
upd_sha256_data(const void *data, gsize len, guint8 digest[UPD_SHA256_LEN]);
gboolean
upd_sha256_file(const gchar *path,
		guint8 digest[UPD_SHA256_LEN],
		guint64 *size,
		GCancellable *cancellable,
		GError **error);
gchar *
upd_sha256_to_hex(const guint8 *digest);
gboolean
upd_sha256_from_hex(const gchar *hex, guint8 digest[UPD_SHA256_LEN]);

G_END_DECLS
