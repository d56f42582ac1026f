/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-pb-private.h"

GBytes *
upd_pb_pack(const ProtobufCMessage *message)
{
	gsize len = protobuf_c_message_get_packed_size(message);
	guint8 *buf = g_malloc(MAX(len, 1));
	protobuf_c_message_pack(message, buf);
	return g_bytes_new_take(buf, len);
}
