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

/* the application's transaction lock (waits for it): one install or
 * rollback at a time, across processes; close the descriptor to release it */
int
upd_app_state_lock_transaction(UpdAppState *self, GError **error);
/* the same without waiting: -1 with @error unset when another holds it */
int
upd_app_state_try_lock_transaction(UpdAppState *self, GError **error);

/* the journal of the transaction in progress, NULL when there is none */
GKeyFile *
upd_app_state_load_journal(UpdAppState *self, GError **error);
gboolean
upd_app_state_save_journal(UpdAppState *self, GKeyFile *journal, GError **error);
gboolean
upd_app_state_clear_journal(UpdAppState *self, GError **error);

/* history: one entry per install, rollback or recovery, newest last */
gboolean
upd_app_state_add_history(UpdAppState *self,
			  const gchar *operation,
			  const gchar *from,
			  const gchar *to,
			  const gchar *result,
			  const gchar *error_message,
			  GError **error);
/* aa{sv}: time (x), operation (s), from (s, "" for none), to (s), result (s),
 * error (s, "" for none) */
GVariant *
upd_app_state_get_history(UpdAppState *self, GError **error);

/* versions a rollback left, not offered again until something newer comes */
GStrv
upd_app_state_get_skipped(UpdAppState *self);
gboolean
upd_app_state_set_skipped(UpdAppState *self,
			  const gchar *version,
			  gboolean skipped,
			  GError **error);
gboolean
upd_app_state_remove_installed_release(UpdAppState *self, const gchar *version, GError **error);

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
