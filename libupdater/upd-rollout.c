/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gnutls/crypto.h>
#include <string.h>

#include "upd-error.h"
#include "upd-file-private.h"
#include "upd-i18n-private.h"
#include "upd-paths-private.h"
#include "upd-rollout-private.h"
#include "upd-sha256-private.h"

#define UPD_ROLLOUT_ID_LEN 16

static gboolean
upd_rollout_parse_id(const gchar *text, guint8 id[UPD_ROLLOUT_ID_LEN])
{
	g_autofree gchar *stripped = g_strstrip(g_strdup(text));
	if (strlen(stripped) != 2 * UPD_ROLLOUT_ID_LEN)
		return FALSE;
	for (guint i = 0; i < UPD_ROLLOUT_ID_LEN; i++) {
		gint hi = g_ascii_xdigit_value(stripped[2 * i]);
		gint lo = g_ascii_xdigit_value(stripped[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return FALSE;
		id[i] = (guint8)(hi << 4 | lo);
	}
	return TRUE;
}

static gboolean
upd_rollout_load_id(guint8 id[UPD_ROLLOUT_ID_LEN], GError **error)
{
	g_autofree gchar *dir = upd_paths_state_dir();
	g_autofree gchar *path = g_build_filename(dir, "rollout-id", NULL);
	g_autofree gchar *contents = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GString) hex = g_string_new(NULL);

	for (guint attempt = 0; attempt < 2; attempt++) {
		if (g_file_get_contents(path, &contents, NULL, NULL)) {
			if (upd_rollout_parse_id(contents, id))
				return TRUE;
			/* unreadable garbage: replace it rather than fail forever */
			g_warning("%s is corrupt; making a new rollout id", path);
			if (!upd_file_rm_rf(path, error))
				return FALSE;
			g_clear_pointer(&contents, g_free);
		}
		if (!upd_file_mkdir_parents(dir, 0700, error))
			return FALSE;
		if (gnutls_rnd(GNUTLS_RND_RANDOM, id, UPD_ROLLOUT_ID_LEN) < 0) {
			g_set_error_literal(error, UPD_ERROR, UPD_ERROR_FAILED,
					    _("cannot get random bytes for the rollout id"));
			return FALSE;
		}
		g_string_truncate(hex, 0);
		for (guint i = 0; i < UPD_ROLLOUT_ID_LEN; i++)
			g_string_append_printf(hex, "%02x", id[i]);
		g_string_append_c(hex, '\n');
		/* exclusive: when two processes race, both end up with the winner's id */
		if (upd_file_create_exclusive(path, hex->str, hex->len, 0600, &error_local))
			return TRUE;
		if (!g_error_matches(error_local, UPD_ERROR, UPD_ERROR_ALREADY_EXISTS)) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		g_clear_error(&error_local);
	}
	g_set_error(error, UPD_ERROR, UPD_ERROR_IO, _("cannot create %s"), path);
	return FALSE;
}

gboolean
upd_rollout_get_bucket(const gchar *app_id, const gchar *version, guint *bucket, GError **error)
{
	guint8 id[UPD_ROLLOUT_ID_LEN];
	guint8 digest[UPD_SHA256_LEN];
	g_autoptr(UpdSha256) sha = upd_sha256_new();
	guint64 value = 0;

	if (!upd_rollout_load_id(id, error))
		return FALSE;
	upd_sha256_update(sha, "libupdater rollout", 19);
	upd_sha256_update(sha, id, sizeof(id));
	upd_sha256_update(sha, app_id, strlen(app_id) + 1);
	upd_sha256_update(sha, version, strlen(version) + 1);
	upd_sha256_finish(sha, digest);
	for (guint i = 0; i < 8; i++)
		value = value << 8 | digest[i];
	*bucket = (guint)(value % 100);
	return TRUE;
}
