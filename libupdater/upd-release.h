/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__UPDATER_H_INSIDE__) && !defined(UPD_COMPILATION)
#error "Only <updater.h> can be included directly."
#endif

#include <glib-object.h>

#include "upd-build.h"
#include "upd-payload-type.h"

G_BEGIN_DECLS

#define UPD_TYPE_RELEASE (upd_release_get_type())
UPD_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE(UpdRelease, upd_release, UPD, RELEASE, GObject)

UPD_AVAILABLE_IN_ALL
const gchar *
upd_release_get_version(UpdRelease *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
gint64
upd_release_get_published_at(UpdRelease *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
guint
upd_release_get_rollout_percent(UpdRelease *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
gboolean
upd_release_get_mandatory(UpdRelease *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
const gchar *
upd_release_get_minimum_version(UpdRelease *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
const gchar *
upd_release_get_notes(UpdRelease *self, const gchar *const *languages, const gchar **language_out)
	UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
GStrv
upd_release_get_note_languages(UpdRelease *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
GStrv
upd_release_get_component_names(UpdRelease *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
UpdPayloadType
upd_release_get_payload_type(UpdRelease *self, const gchar *component) UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
guint64
upd_release_get_download_size(UpdRelease *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
guint64
upd_release_get_installed_size(UpdRelease *self) UPD_NONNULL(1);

G_END_DECLS
