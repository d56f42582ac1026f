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

G_BEGIN_DECLS

#define UPD_TYPE_KEY (upd_key_get_type())
UPD_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE(UpdKey, upd_key, UPD, KEY, GObject)

/**
 * UPD_KEY_ID_LEN:
 *
 * Length of a key id: 16 lowercase hex digits.
 */
#define UPD_KEY_ID_LEN 16

UPD_AVAILABLE_IN_ALL
UpdKey *
upd_key_generate(GError **error) G_GNUC_WARN_UNUSED_RESULT;
UPD_AVAILABLE_IN_ALL
UpdKey *
upd_key_new_from_public_line(const gchar *line, GError **error) G_GNUC_WARN_UNUSED_RESULT;
UPD_AVAILABLE_IN_ALL
UpdKey *
upd_key_new_from_secret_file(const gchar *path, GError **error) G_GNUC_WARN_UNUSED_RESULT
	UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
GPtrArray *
upd_key_parse_public_lines(const gchar *text, GError **error) G_GNUC_WARN_UNUSED_RESULT;

UPD_AVAILABLE_IN_ALL
const gchar *
upd_key_get_id(UpdKey *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
gboolean
upd_key_has_secret(UpdKey *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
gchar *
upd_key_to_public_line(UpdKey *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
gboolean
upd_key_save_secret_file(UpdKey *self, const gchar *path, GError **error) UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
gboolean
upd_key_save_public_file(UpdKey *self, const gchar *path, GError **error) UPD_NONNULL(1, 2);

UPD_AVAILABLE_IN_ALL
GBytes *
upd_key_sign(UpdKey *self, GBytes *data, GError **error) G_GNUC_WARN_UNUSED_RESULT
	UPD_NONNULL(1, 2);
UPD_AVAILABLE_IN_ALL
gboolean
upd_key_verify(UpdKey *self, GBytes *data, GBytes *signature, GError **error) UPD_NONNULL(1, 2, 3);

G_END_DECLS
