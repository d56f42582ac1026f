/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "updater.pb-c.h"

G_BEGIN_DECLS

/* Cleanups for messages returned by protobuf-c's unpack functions only; a
 * message built by hand is freed by whoever allocated its parts. */
#define UPD_PB_DEFINE_UNPACKED_CLEANUP(Type, func)                                                 \
	static inline void upd_pb_free_##func(Type *msg)                                           \
	{                                                                                          \
		func##__free_unpacked(msg, NULL);                                                  \
	}                                                                                          \
	G_DEFINE_AUTOPTR_CLEANUP_FUNC(Type, upd_pb_free_##func)

UPD_PB_DEFINE_UNPACKED_CLEANUP(Updater__Manifest, updater__manifest)
UPD_PB_DEFINE_UNPACKED_CLEANUP(Updater__SignedManifest, updater__signed_manifest)
UPD_PB_DEFINE_UNPACKED_CLEANUP(Updater__CheckRequest, updater__check_request)
UPD_PB_DEFINE_UNPACKED_CLEANUP(Updater__CheckResponse, updater__check_response)
UPD_PB_DEFINE_UNPACKED_CLEANUP(Updater__Release, updater__release)

/* packs any message into a new GBytes */
GBytes *
upd_pb_pack(const ProtobufCMessage *message);

G_END_DECLS
