/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "upd-payload-type.h"

G_BEGIN_DECLS

#define UPD_PAYLOAD_MAGIC_LEN 64

/* the type a file name suggests, or UNKNOWN */
UpdPayloadType
upd_payload_type_guess_from_filename(const gchar *filename);
/* refuses a payload whose first bytes do not fit @type (UPD_ERROR_INVALID_DATA) */
gboolean
upd_payload_type_check_magic(
	UpdPayloadType type, const gchar *name, const guint8 *header, gsize len, GError **error);
gboolean
upd_payload_type_check_file(UpdPayloadType type, const gchar *path, GError **error);

G_END_DECLS
