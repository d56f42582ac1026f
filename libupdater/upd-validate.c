/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "upd-error.h"
#include "upd-i18n-private.h"
#include "upd-validate-private.h"

/* [A-Za-z0-9._-], not starting with '.' or '-', 1..max characters */
static gboolean
upd_validate_name(const gchar *value, gsize max)
{
	gsize len;

	if (value == NULL || value[0] == '\0' || value[0] == '.' || value[0] == '-')
		return FALSE;
	len = strlen(value);
	if (len > max)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		gchar c = value[i];
		if (!g_ascii_isalnum(c) && c != '.' && c != '_' && c != '-')
			return FALSE;
	}
	return TRUE;
}

gboolean
upd_validate_app_id(const gchar *app_id, GError **error)
{
	if (!upd_validate_name(app_id, 255)) {
		g_set_error(
			error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			_("application id “%s” is not valid: use ASCII letters, digits, '.', '_' "
			  "and '-', not starting with '.' or '-'"),
			app_id != NULL ? app_id : "");
		return FALSE;
	}
	return TRUE;
}

gboolean
upd_validate_channel(const gchar *channel, GError **error)
{
	if (!upd_validate_name(channel, 64)) {
		g_set_error(
			error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			_("channel “%s” is not valid: use ASCII letters, digits, '.', '_' and '-', "
			  "not starting with '.' or '-'"),
			channel != NULL ? channel : "");
		return FALSE;
	}
	return TRUE;
}

gboolean
upd_validate_component_name(const gchar *name, GError **error)
{
	if (!upd_validate_name(name, 128)) {
		g_set_error(
			error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			_("component name “%s” is not valid: use ASCII letters, digits, '.', '_' "
			  "and '-', not starting with '.' or '-'"),
			name != NULL ? name : "");
		return FALSE;
	}
	return TRUE;
}

gboolean
upd_validate_relative_path(const gchar *what, const gchar *path, GError **error)
{
	const gchar *reason = NULL;

	if (path == NULL || path[0] == '\0')
		reason = _("it is empty");
	else if (strlen(path) > 4096)
		reason = _("it is longer than 4096 bytes");
	else if (path[0] == '/')
		reason = _("it is absolute");
	else if (!g_utf8_validate(path, -1, NULL))
		reason = _("it is not valid UTF-8");
	else if (strchr(path, '\\') != NULL)
		reason = _("it contains a backslash");
	else {
		g_auto(GStrv) parts = g_strsplit(path, "/", -1);
		for (guint i = 0; parts[i] != NULL && reason == NULL; i++) {
			if (parts[i][0] == '\0')
				reason = _("it has an empty component");
			else if (g_strcmp0(parts[i], ".") == 0 || g_strcmp0(parts[i], "..") == 0)
				reason = _("it has a “.” or “..” component");
		}
		for (const gchar *p = path; *p != '\0' && reason == NULL; p++) {
			if ((guchar)*p < 0x20 || *p == 0x7f)
				reason = _("it contains a control character");
		}
	}
	if (reason != NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    /* TRANSLATORS: the first %s names what the path is for, e.g. "tree
			       entry “../x” is not allowed: it has a “.” or “..” component" */
			    _("%s “%s” is not allowed: %s"), what, path != NULL ? path : "",
			    reason);
		return FALSE;
	}
	return TRUE;
}

gboolean
upd_validate_symlink_target(const gchar *link_path, const gchar *target)
{
	g_auto(GStrv) link_parts = g_strsplit(link_path, "/", -1);
	g_auto(GStrv) target_parts = NULL;
	gint depth = (gint)g_strv_length(link_parts) - 1;
	gboolean descended = FALSE;

	if (target == NULL || target[0] == '\0' || target[0] == '/')
		return FALSE;
	target_parts = g_strsplit(target, "/", -1);
	for (guint i = 0; target_parts[i] != NULL; i++) {
		if (g_strcmp0(target_parts[i], "..") == 0) {
			/* "a/.." climbs from wherever "a" leads, maybe a link */
			if (descended)
				return FALSE;
			depth--;
		} else if (target_parts[i][0] != '\0' && g_strcmp0(target_parts[i], ".") != 0) {
			descended = TRUE;
		}
		if (depth < 0)
			return FALSE;
	}
	return TRUE;
}
