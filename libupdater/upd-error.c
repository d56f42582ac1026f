/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "upd-error-private.h"

#define UPD_DBUS_ERROR_PREFIX "org.libupdater.Updater1.Error."

/* indexed by UpdError; the names are part of the D-Bus contract */
static const GDBusErrorEntry upd_error_entries[] = {
	{UPD_ERROR_FAILED, UPD_DBUS_ERROR_PREFIX "Failed"},
	{UPD_ERROR_INVALID_ARGUMENT, UPD_DBUS_ERROR_PREFIX "InvalidArgument"},
	{UPD_ERROR_INVALID_CONFIG, UPD_DBUS_ERROR_PREFIX "InvalidConfig"},
	{UPD_ERROR_INVALID_DATA, UPD_DBUS_ERROR_PREFIX "InvalidData"},
	{UPD_ERROR_INVALID_VERSION, UPD_DBUS_ERROR_PREFIX "InvalidVersion"},
	{UPD_ERROR_INVALID_KEY, UPD_DBUS_ERROR_PREFIX "InvalidKey"},
	{UPD_ERROR_UNKNOWN_KEY, UPD_DBUS_ERROR_PREFIX "UnknownKey"},
	{UPD_ERROR_SIGNATURE_INVALID, UPD_DBUS_ERROR_PREFIX "SignatureInvalid"},
	{UPD_ERROR_APP_MISMATCH, UPD_DBUS_ERROR_PREFIX "AppMismatch"},
	{UPD_ERROR_CHANNEL_MISMATCH, UPD_DBUS_ERROR_PREFIX "ChannelMismatch"},
	{UPD_ERROR_SERIAL_ROLLBACK, UPD_DBUS_ERROR_PREFIX "SerialRollback"},
	{UPD_ERROR_EXPIRED, UPD_DBUS_ERROR_PREFIX "Expired"},
	{UPD_ERROR_NETWORK, UPD_DBUS_ERROR_PREFIX "Network"},
	{UPD_ERROR_TLS, UPD_DBUS_ERROR_PREFIX "Tls"},
	{UPD_ERROR_SERVER, UPD_DBUS_ERROR_PREFIX "Server"},
	{UPD_ERROR_NOT_FOUND, UPD_DBUS_ERROR_PREFIX "NotFound"},
	{UPD_ERROR_DIGEST_MISMATCH, UPD_DBUS_ERROR_PREFIX "DigestMismatch"},
	{UPD_ERROR_TOO_LARGE, UPD_DBUS_ERROR_PREFIX "TooLarge"},
	{UPD_ERROR_NO_SPACE, UPD_DBUS_ERROR_PREFIX "NoSpace"},
	{UPD_ERROR_IO, UPD_DBUS_ERROR_PREFIX "Io"},
	{UPD_ERROR_ALREADY_EXISTS, UPD_DBUS_ERROR_PREFIX "AlreadyExists"},
	{UPD_ERROR_CANCELLED, UPD_DBUS_ERROR_PREFIX "Cancelled"},
	{UPD_ERROR_PLUGIN, UPD_DBUS_ERROR_PREFIX "Plugin"},
	{UPD_ERROR_HOOK_FAILED, UPD_DBUS_ERROR_PREFIX "HookFailed"},
};

G_STATIC_ASSERT(G_N_ELEMENTS(upd_error_entries) == UPD_ERROR_LAST);

/**
 * upd_error_quark:
 *
 * Returns: the #GQuark of %UPD_ERROR, with every code registered as a D-Bus error
 *
 * Since: 0.1
 */
GQuark
upd_error_quark(void)
{
	static gsize quark = 0;
	g_dbus_error_register_error_domain("upd-error-quark", &quark, upd_error_entries,
					   G_N_ELEMENTS(upd_error_entries));
	return (GQuark)quark;
}

/**
 * upd_error_to_string:
 * @code: an #UpdError
 *
 * Returns the short name of an error code, as used in the last part of its D-Bus
 * error name and in JSON output, e.g. "SignatureInvalid".
 *
 * Returns: (transfer none): the name, or "Failed" for an unknown code
 *
 * Since: 0.1
 */
const gchar *
upd_error_to_string(UpdError code)
{
	if ((guint)code >= UPD_ERROR_LAST)
		code = UPD_ERROR_FAILED;
	return upd_error_entries[code].dbus_error_name + strlen(UPD_DBUS_ERROR_PREFIX);
}

static UpdError
upd_error_code_from_io(gint code)
{
	switch (code) {
	case G_IO_ERROR_NOT_FOUND:
		return UPD_ERROR_NOT_FOUND;
	case G_IO_ERROR_EXISTS:
		return UPD_ERROR_ALREADY_EXISTS;
	case G_IO_ERROR_NO_SPACE:
		return UPD_ERROR_NO_SPACE;
	case G_IO_ERROR_CANCELLED:
		return UPD_ERROR_CANCELLED;
	case G_IO_ERROR_INVALID_ARGUMENT:
		return UPD_ERROR_INVALID_ARGUMENT;
	case G_IO_ERROR_INVALID_DATA:
	case G_IO_ERROR_PARTIAL_INPUT:
		return UPD_ERROR_INVALID_DATA;
	case G_IO_ERROR_TIMED_OUT:
	case G_IO_ERROR_CONNECTION_REFUSED:
	case G_IO_ERROR_HOST_NOT_FOUND:
	case G_IO_ERROR_HOST_UNREACHABLE:
	case G_IO_ERROR_NETWORK_UNREACHABLE:
	case G_IO_ERROR_BROKEN_PIPE:
	case G_IO_ERROR_NOT_CONNECTED:
	case G_IO_ERROR_PROXY_FAILED:
	case G_IO_ERROR_PROXY_AUTH_FAILED:
	case G_IO_ERROR_PROXY_NEED_AUTH:
	case G_IO_ERROR_PROXY_NOT_ALLOWED:
		return UPD_ERROR_NETWORK;
	default:
		return UPD_ERROR_IO;
	}
}

/* Maps errors of GIO, GLib file utilities, GnuTLS-backed GTlsConnection and
 * libsoup to UPD_ERROR codes, keeping the message. Errors of our own domain
 * are left alone. */
void
upd_error_convert(GError **error)
{
	GError *err;
	UpdError code;

	if (error == NULL || *error == NULL)
		return;
	err = *error;
	if (err->domain == UPD_ERROR)
		return;

	if (err->domain == G_IO_ERROR) {
		code = upd_error_code_from_io(err->code);
	} else if (err->domain == G_FILE_ERROR) {
		code = upd_error_code_from_io(g_io_error_from_file_error(err->code));
	} else if (err->domain == G_TLS_ERROR) {
		code = UPD_ERROR_TLS;
	} else if (err->domain == G_RESOLVER_ERROR) {
		code = UPD_ERROR_NETWORK;
	} else if (err->domain == SOUP_SESSION_ERROR) {
		code = err->code == SOUP_SESSION_ERROR_MESSAGE_ALREADY_IN_QUEUE ? UPD_ERROR_FAILED
										: UPD_ERROR_NETWORK;
	} else if (err->domain == G_KEY_FILE_ERROR) {
		code = UPD_ERROR_INVALID_CONFIG;
	} else {
		code = UPD_ERROR_FAILED;
	}
	err->domain = UPD_ERROR;
	err->code = code;
}
