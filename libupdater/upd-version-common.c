/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "upd-error.h"
#include "upd-i18n-private.h"
#include "upd-version-common.h"

/*
 * Version rules
 *
 *   version     = release [ "-" prerelease ] [ "+" build ]
 *   release     = number *( "." number )            1.10, 2.0.0, 7
 *   prerelease  = ident *( "." ident )              rc.1, beta, alpha.2b
 *   ident       = 1*( ALPHA / DIGIT / "-" )
 *   build       = ident *( "." ident )              ignored when ordering
 *
 * Ordering: release numbers compare numerically, field by field, missing
 * fields count as 0 (1.0 == 1.0.0, 1.10 > 1.9). A version with a pre-release
 * is lower than the same release without one (2.0.0-rc.1 < 2.0.0). Pre-release
 * identifiers compare like semver: numeric ones numerically, others in ASCII
 * order, numeric lower than alphanumeric, and a longer list is higher when the
 * shorter one is its prefix. Versions are also directory names
 * (InstallDir/versions/<version>/), which the character set keeps safe.
 */

#define UPD_VERSION_MAX_LENGTH 128

static gboolean
upd_version_is_numeric(const gchar *str, gsize len)
{
	if (len == 0)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isdigit(str[i]))
			return FALSE;
	}
	return TRUE;
}

static gboolean
upd_version_check_idents(
	const gchar *version, const gchar *part, gsize len, gboolean numeric_only, GError **error)
{
	gsize start = 0;

	for (gsize i = 0; i <= len; i++) {
		if (i < len && part[i] != '.') {
			gchar c = part[i];
			if (numeric_only ? !g_ascii_isdigit(c)
					 : !(g_ascii_isalnum(c) || c == '-')) {
				g_set_error(
					error, UPD_ERROR, UPD_ERROR_INVALID_VERSION,
					_("version “%s” contains the character “%c” where it is "
					  "not allowed"),
					version, c);
				return FALSE;
			}
			continue;
		}
		if (i == start) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_VERSION,
				    _("version “%s” has an empty field"), version);
			return FALSE;
		}
		if (numeric_only && i - start > 18) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_VERSION,
				    _("version “%s” has a number that is too large"), version);
			return FALSE;
		}
		start = i + 1;
	}
	return TRUE;
}

/**
 * upd_version_validate:
 * @version: (nullable): a version string
 * @error: (nullable): return location for a #GError
 *
 * Checks that @version follows libupdater's version rules: dot-separated
 * numbers, optionally followed by a semver pre-release (`-rc.1`) and build
 * metadata (`+git.abc`), at most 128 characters.
 *
 * Returns: %TRUE if valid; otherwise %FALSE with %UPD_ERROR_INVALID_VERSION
 *
 * Since: 0.1
 */
gboolean
upd_version_validate(const gchar *version, GError **error)
{
	const gchar *dash;
	const gchar *plus;
	gsize len;
	gsize release_len;

	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (version == NULL || version[0] == '\0') {
		g_set_error_literal(error, UPD_ERROR, UPD_ERROR_INVALID_VERSION,
				    _("the version is empty"));
		return FALSE;
	}
	len = strlen(version);
	if (!g_utf8_validate(version, -1, NULL)) {
		g_set_error_literal(error, UPD_ERROR, UPD_ERROR_INVALID_VERSION,
				    _("the version is not valid UTF-8 text"));
		return FALSE;
	}
	if (len > UPD_VERSION_MAX_LENGTH) {
		/* show a short beginning of what was given */
		g_autofree gchar *shown = g_utf8_substring(version, 0, 40);
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_VERSION,
			    _("a version is at most %u bytes long; “%s…” is longer"),
			    (guint)UPD_VERSION_MAX_LENGTH, shown);
		return FALSE;
	}

	plus = strchr(version, '+');
	if (plus != NULL)
		len = plus - version;
	dash = memchr(version, '-', len);
	release_len = dash != NULL ? (gsize)(dash - version) : len;

	if (!upd_version_check_idents(version, version, release_len, TRUE, error))
		return FALSE;
	if (dash != NULL &&
	    !upd_version_check_idents(version, dash + 1, len - release_len - 1, FALSE, error))
		return FALSE;
	if (plus != NULL &&
	    !upd_version_check_idents(version, plus + 1, strlen(plus + 1), FALSE, error))
		return FALSE;
	return TRUE;
}

/* compares two runs of digits numerically without overflow */
static gint
upd_version_compare_numbers(const gchar *a, gsize alen, const gchar *b, gsize blen)
{
	while (alen > 1 && *a == '0') {
		a++;
		alen--;
	}
	while (blen > 1 && *b == '0') {
		b++;
		blen--;
	}
	if (alen != blen)
		return alen < blen ? -1 : 1;
	for (gsize i = 0; i < alen; i++) {
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	}
	return 0;
}

/* next dot-separated field of [*pos, end); FALSE when none is left */
static gboolean
upd_version_next_field(const gchar **pos, const gchar *end, const gchar **field, gsize *len)
{
	const gchar *dot;

	if (*pos >= end)
		return FALSE;
	*field = *pos;
	dot = memchr(*pos, '.', end - *pos);
	*len = dot != NULL ? (gsize)(dot - *pos) : (gsize)(end - *pos);
	*pos = dot != NULL ? dot + 1 : end;
	return TRUE;
}

static void
upd_version_split(const gchar *version,
		  const gchar **release_end,
		  const gchar **pre,
		  const gchar **pre_end)
{
	const gchar *end = strchr(version, '+');
	const gchar *dash;

	if (end == NULL)
		end = version + strlen(version);
	dash = memchr(version, '-', end - version);
	*release_end = dash != NULL ? dash : end;
	*pre = dash != NULL ? dash + 1 : NULL;
	*pre_end = end;
}

/**
 * upd_version_compare:
 * @version1: a version
 * @version2: another version
 *
 * Orders two versions by libupdater's version rules (see
 * upd_version_validate()): `1.10` is higher than `1.9`, `2.0.0-rc.1` lower
 * than `2.0.0`, and build metadata is ignored. Strings that are not valid
 * versions are ordered after every valid one, and among themselves by strcmp(),
 * so that sorting never fails.
 *
 * Returns: a negative value if @version1 is lower, 0 if equal, a positive
 *   value if higher
 *
 * Since: 0.1
 */
gint
upd_version_compare(const gchar *version1, const gchar *version2)
{
	const gchar *rel_end1;
	const gchar *rel_end2;
	const gchar *pre1;
	const gchar *pre2;
	const gchar *pre_end1;
	const gchar *pre_end2;
	const gchar *pos1;
	const gchar *pos2;
	gboolean valid1;
	gboolean valid2;

	g_return_val_if_fail(version1 != NULL, 0);
	g_return_val_if_fail(version2 != NULL, 0);

	valid1 = upd_version_validate(version1, NULL);
	valid2 = upd_version_validate(version2, NULL);
	if (!valid1 || !valid2) {
		if (valid1 != valid2)
			return valid1 ? -1 : 1;
		return g_strcmp0(version1, version2) < 0 ? -1 : g_strcmp0(version1, version2) > 0;
	}

	upd_version_split(version1, &rel_end1, &pre1, &pre_end1);
	upd_version_split(version2, &rel_end2, &pre2, &pre_end2);

	/* release: numeric fields, missing ones are zero */
	pos1 = version1;
	pos2 = version2;
	for (;;) {
		const gchar *f1 = "0";
		const gchar *f2 = "0";
		gsize l1 = 1;
		gsize l2 = 1;
		gboolean has1 = upd_version_next_field(&pos1, rel_end1, &f1, &l1);
		gboolean has2 = upd_version_next_field(&pos2, rel_end2, &f2, &l2);
		gint rc;

		if (!has1 && !has2)
			break;
		if (!has1) {
			f1 = "0";
			l1 = 1;
		}
		if (!has2) {
			f2 = "0";
			l2 = 1;
		}
		rc = upd_version_compare_numbers(f1, l1, f2, l2);
		if (rc != 0)
			return rc;
	}

	/* a pre-release sorts before the release itself */
	if (pre1 == NULL || pre2 == NULL) {
		if (pre1 == NULL && pre2 == NULL)
			return 0;
		return pre1 == NULL ? 1 : -1;
	}

	pos1 = pre1;
	pos2 = pre2;
	for (;;) {
		const gchar *f1 = NULL;
		const gchar *f2 = NULL;
		gsize l1 = 0;
		gsize l2 = 0;
		gboolean has1 = upd_version_next_field(&pos1, pre_end1, &f1, &l1);
		gboolean has2 = upd_version_next_field(&pos2, pre_end2, &f2, &l2);
		gboolean num1;
		gboolean num2;
		gint rc;

		if (!has1 || !has2) {
			if (has1 == has2)
				return 0;
			return has1 ? 1 : -1;
		}
		num1 = upd_version_is_numeric(f1, l1);
		num2 = upd_version_is_numeric(f2, l2);
		if (num1 && num2) {
			rc = upd_version_compare_numbers(f1, l1, f2, l2);
		} else if (num1 != num2) {
			rc = num1 ? -1 : 1;
		} else {
			rc = strncmp(f1, f2, MIN(l1, l2));
			if (rc == 0 && l1 != l2)
				rc = l1 < l2 ? -1 : 1;
		}
		if (rc != 0)
			return rc < 0 ? -1 : 1;
	}
}
