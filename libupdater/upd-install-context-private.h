/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "upd-installer-plugin.h"
#include "upd-pb-private.h"

G_BEGIN_DECLS

/* Staging one component into a staging directory: what the plugin is told,
 * and the checked operations it writes through. */

/* the limit of what an archive may expand to: 200 times its size, and at
 * least 256 MiB */
#define UPD_INSTALL_EXPAND_RATIO 200
#define UPD_INSTALL_EXPAND_FLOOR (G_GUINT64_CONSTANT(256) * 1024 * 1024)

typedef struct {
	const Updater__TreeEntry *entry; /* (unowned) */
	gchar *source;	     /* (owned) (nullable): verified local file with the content */
	gboolean from_cache; /* @source is a download cache file: it may be linked */
} UpdInstallEntry;

UpdInstallContext *
upd_install_context_new(const gchar *app_id,
			const gchar *version,
			const Updater__Component *component,
			const gchar *payload_path,
			const gchar *staging_dir,
			GCancellable *cancellable,
			GError **error);
void
upd_install_context_free(UpdInstallContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdInstallContext, upd_install_context_free)

/* @source: (transfer none): the local file holding the entry's content */
void
upd_install_context_add_entry(UpdInstallContext *ctx,
			      const Updater__TreeEntry *entry,
			      const gchar *source,
			      gboolean from_cache);
guint64
upd_install_context_get_expanded(UpdInstallContext *ctx);

const UpdInstallerHost *
upd_install_host_get(void);

/* normalises an archive member name ("./a//b/" -> "a/b"); NULL with an error
 * when it is absolute, has "..", or is empty after normalising (for ".": an
 * empty string and no error) */
gchar *
upd_install_normalise_path(const gchar *path, GError **error);

G_END_DECLS
