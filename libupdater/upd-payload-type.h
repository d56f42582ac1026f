/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__UPDATER_H_INSIDE__) && !defined(UPD_COMPILATION)
#error "Only <updater.h> can be included directly."
#endif

#include <glib.h>

#include "upd-build.h"

G_BEGIN_DECLS

/**
 * UpdPayloadType:
 * @UPD_PAYLOAD_TYPE_UNKNOWN: not a known type
 * @UPD_PAYLOAD_TYPE_EXE: a single executable (`exe`)
 * @UPD_PAYLOAD_TYPE_DLL: a shared library or plugin module (`dll`)
 * @UPD_PAYLOAD_TYPE_ZIP: a zip archive (`zip`)
 * @UPD_PAYLOAD_TYPE_TAR_GZ: a gzip-compressed tar archive (`tar.gz`)
 * @UPD_PAYLOAD_TYPE_TAR_XZ: an xz-compressed tar archive (`tar.xz`)
 * @UPD_PAYLOAD_TYPE_TAR_ZST: a zstd-compressed tar archive (`tar.zst`)
 * @UPD_PAYLOAD_TYPE_RPM: an RPM package (`rpm`)
 * @UPD_PAYLOAD_TYPE_TREE: a file tree, one object per file (`tree`)
 *
 * Payload types; the values equal those of the wire format.
 */
typedef enum {
	UPD_PAYLOAD_TYPE_UNKNOWN = 0,
	UPD_PAYLOAD_TYPE_EXE = 1,
	UPD_PAYLOAD_TYPE_DLL = 2,
	UPD_PAYLOAD_TYPE_ZIP = 3,
	UPD_PAYLOAD_TYPE_TAR_GZ = 4,
	UPD_PAYLOAD_TYPE_TAR_XZ = 5,
	UPD_PAYLOAD_TYPE_TAR_ZST = 6,
	UPD_PAYLOAD_TYPE_RPM = 7,
	UPD_PAYLOAD_TYPE_TREE = 8,
	/*< private >*/
	UPD_PAYLOAD_TYPE_LAST
} UpdPayloadType;

UPD_AVAILABLE_IN_ALL
const gchar *
upd_payload_type_to_string(UpdPayloadType type);
UPD_AVAILABLE_IN_ALL
UpdPayloadType
upd_payload_type_from_string(const gchar *type);

G_END_DECLS
