/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib.h>
#include <libintl.h>
#include <locale.h>

#include "upd-i18n-private.h"

static const gchar *
upd_i18n_localedir(void)
{
	/* running from the build tree: the compiled catalogues are in build/po */
	const gchar *override = g_getenv("UPDATER_LOCALEDIR");
	return override != NULL && override[0] != '\0' ? override : LOCALEDIR;
}

static void
upd_i18n_bind_once(void)
{
	static gsize bound = 0;
	if (g_once_init_enter(&bound)) {
		bindtextdomain(GETTEXT_PACKAGE, upd_i18n_localedir());
		bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
		g_once_init_leave(&bound, 1);
	}
}

const gchar *
upd_i18n_gettext(const gchar *msgid)
{
	upd_i18n_bind_once();
	return g_dgettext(GETTEXT_PACKAGE, msgid);
}

const gchar *
upd_i18n_ngettext(const gchar *msgid, const gchar *msgid_plural, gulong n)
{
	upd_i18n_bind_once();
	return g_dngettext(GETTEXT_PACKAGE, msgid, msgid_plural, n);
}

/* For the project's own executables: select the user's locale and make the
 * project's domain the default one. */
void
upd_i18n_init_program(void)
{
	setlocale(LC_ALL, "");
	upd_i18n_bind_once();
	textdomain(GETTEXT_PACKAGE);
}
