/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "upd-downloader.h"

G_BEGIN_DECLS

/* figures of the last download: objects rebuilt from a binary delta, deltas
 * that proved unusable (the whole object was downloaded instead), and the
 * bytes the applied deltas saved against downloading their objects whole */
guint
upd_downloader_get_n_deltas_applied(UpdDownloader *self);
guint
upd_downloader_get_n_delta_fallbacks(UpdDownloader *self);
guint64
upd_downloader_get_delta_saved_size(UpdDownloader *self);

G_END_DECLS
