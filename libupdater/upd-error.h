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
 * UPD_ERROR:
 *
 * The error domain of libupdater. Every code is also registered as a D-Bus
 * error name `org.libupdater.Updater1.Error.<Name>`, so an error raised in
 * updater-service arrives in a client with the same domain and code.
 */
#define UPD_ERROR (upd_error_quark())

/**
 * UpdError:
 * @UPD_ERROR_FAILED: a failure without a more precise code
 * @UPD_ERROR_INVALID_ARGUMENT: a caller passed a value that cannot be used
 * @UPD_ERROR_INVALID_CONFIG: an application key file is unreadable or holds a bad value
 * @UPD_ERROR_INVALID_DATA: bytes from the network or disk are malformed (protobuf,
 *   truncated data, a missing required field)
 * @UPD_ERROR_INVALID_VERSION: a version string does not follow the version rules
 * @UPD_ERROR_INVALID_KEY: a key file or key line is malformed
 * @UPD_ERROR_UNKNOWN_KEY: a manifest is not signed by any pinned key
 * @UPD_ERROR_SIGNATURE_INVALID: a signature by a pinned key does not verify
 * @UPD_ERROR_APP_MISMATCH: a manifest is for another application
 * @UPD_ERROR_CHANNEL_MISMATCH: a manifest is for another channel
 * @UPD_ERROR_SERIAL_ROLLBACK: a manifest's serial is lower than the highest seen
 * @UPD_ERROR_EXPIRED: a manifest's expiry time has passed
 * @UPD_ERROR_NETWORK: the server could not be reached or the connection broke
 * @UPD_ERROR_TLS: the server's certificate was refused
 * @UPD_ERROR_SERVER: the server answered with an error status
 * @UPD_ERROR_NOT_FOUND: the application, channel, release or object does not exist
 * @UPD_ERROR_DIGEST_MISMATCH: downloaded or installed bytes do not match their SHA-256
 * @UPD_ERROR_TOO_LARGE: more bytes than declared or allowed
 * @UPD_ERROR_NO_SPACE: not enough free disk space
 * @UPD_ERROR_IO: reading or writing local files failed
 * @UPD_ERROR_ALREADY_EXISTS: the thing to be created exists already
 * @UPD_ERROR_CANCELLED: the operation was cancelled
 * @UPD_ERROR_PLUGIN: no usable installer plugin for a payload type
 * @UPD_ERROR_HOOK_FAILED: a post-install hook failed or timed out (the
 *   install was rolled back)
 *
 * Error codes of %UPD_ERROR. New codes are appended; existing values never change.
 */
typedef enum {
	UPD_ERROR_FAILED,
	UPD_ERROR_INVALID_ARGUMENT,
	UPD_ERROR_INVALID_CONFIG,
	UPD_ERROR_INVALID_DATA,
	UPD_ERROR_INVALID_VERSION,
	UPD_ERROR_INVALID_KEY,
	UPD_ERROR_UNKNOWN_KEY,
	UPD_ERROR_SIGNATURE_INVALID,
	UPD_ERROR_APP_MISMATCH,
	UPD_ERROR_CHANNEL_MISMATCH,
	UPD_ERROR_SERIAL_ROLLBACK,
	UPD_ERROR_EXPIRED,
	UPD_ERROR_NETWORK,
	UPD_ERROR_TLS,
	UPD_ERROR_SERVER,
	UPD_ERROR_NOT_FOUND,
	UPD_ERROR_DIGEST_MISMATCH,
	UPD_ERROR_TOO_LARGE,
	UPD_ERROR_NO_SPACE,
	UPD_ERROR_IO,
	UPD_ERROR_ALREADY_EXISTS,
	UPD_ERROR_CANCELLED,
	UPD_ERROR_PLUGIN,
	UPD_ERROR_HOOK_FAILED,
	/*< private >*/
	UPD_ERROR_LAST
} UpdError;

UPD_AVAILABLE_IN_ALL
GQuark
upd_error_quark(void);

UPD_AVAILABLE_IN_ALL
const gchar *
upd_error_to_string(UpdError code);

G_END_DECLS
