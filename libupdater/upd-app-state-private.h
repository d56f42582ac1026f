/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>

#include "upd-pb-private.h"

G_BEGIN_DECLS

/* What libupdater remembers about one application between runs, in
 * $XDG_STATE_HOME/updater/apps/<app-id>/state.ini. Every change is written
 * atomically under an advisory lock, so the daemon and updaterctl can share it. */
#define UPD_TYPE_APP_STATE (upd_app_state_get_type())
G_DECLARE_FINAL_TYPE(UpdAppState, upd_app_state, UPD, APP_STATE, GObject)

UpdAppState *
upd_app_state_new(const gchar *app_id);
const gchar *
upd_app_state_get_dir(UpdAppState *self);
gboolean
upd_app_state_get_highest_serial(UpdAppState *self,
				 const gchar *channel,
				 guint64 *serial,
				 GError **error);
gboolean
upd_app_state_raise_highest_serial(UpdAppState *self,
				   const gchar *channel,
				   guint64 serial,
				   GError **error);

/* the release installed as @version, as its manifest described it: which
 * file had which digest (written by a completed install) */
Updater__Release *
upd_app_state_load_installed_release(UpdAppState *self, const gchar *version, GError **error);
gboolean
upd_app_state_save_installed_release(UpdAppState *self,
				     const gchar *version,
				     const Updater__Release *release,
				     GError **error);

G_END_DECLS
