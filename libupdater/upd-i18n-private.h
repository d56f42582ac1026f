/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The library never calls textdomain(): its strings are looked up in its own
 * domain, which is bound on first use. */
const gchar *
upd_i18n_gettext(const gchar *msgid) G_GNUC_FORMAT(1);
const gchar *
upd_i18n_ngettext(const gchar *msgid, const gchar *msgid_plural, gulong n) G_GNUC_FORMAT(1)
	G_GNUC_FORMAT(2);
void
upd_i18n_init_program(void);

#define _(String)  upd_i18n_gettext(String)
#define N_(String) (String)

G_END_DECLS
