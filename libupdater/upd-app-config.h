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

#define UPD_TYPE_APP_CONFIG (upd_app_config_get_type())
UPD_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE(UpdAppConfig, upd_app_config, UPD, APP_CONFIG, GObject)

/**
 * UpdPolicy:
 * @UPD_POLICY_AUTO: check, download and install on the application's schedule
 * @UPD_POLICY_DOWNLOAD: check and download, leave installing to the user
 * @UPD_POLICY_NOTIFY: check only and tell the user (mandatory releases are
 *   still installed)
 * @UPD_POLICY_MANUAL: do nothing unless asked
 *
 * What the service does on its own for an application.
 */
typedef enum {
	UPD_POLICY_AUTO,
	UPD_POLICY_DOWNLOAD,
	UPD_POLICY_NOTIFY,
	UPD_POLICY_MANUAL,
} UpdPolicy;

/**
 * UPD_APP_CONFIG_GROUP:
 *
 * The key file group of an application's configuration.
 */
#define UPD_APP_CONFIG_GROUP "Application"

UPD_AVAILABLE_IN_ALL
UpdAppConfig *
upd_app_config_new_from_file(const gchar *path, GError **error) G_GNUC_WARN_UNUSED_RESULT
	UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
UpdAppConfig *
upd_app_config_new_from_key_file(GKeyFile *key_file,
				 const gchar *source,
				 GError **error) G_GNUC_WARN_UNUSED_RESULT UPD_NONNULL(1);

UPD_AVAILABLE_IN_ALL
const gchar *
upd_app_config_get_source(UpdAppConfig *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
const gchar *
upd_app_config_get_id(UpdAppConfig *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
const gchar *
upd_app_config_get_endpoint(UpdAppConfig *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
const gchar *
upd_app_config_get_channel(UpdAppConfig *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
const gchar *
upd_app_config_get_install_dir(UpdAppConfig *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
GPtrArray *
upd_app_config_get_public_keys(UpdAppConfig *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
UpdPolicy
upd_app_config_get_policy(UpdAppConfig *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
guint
upd_app_config_get_poll_interval(UpdAppConfig *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
guint64
upd_app_config_get_bandwidth_limit(UpdAppConfig *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
GPtrArray *
upd_app_config_get_mirrors(UpdAppConfig *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
GPtrArray *
upd_app_config_get_warnings(UpdAppConfig *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
const gchar *const *
upd_app_config_get_post_install(UpdAppConfig *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
guint
upd_app_config_get_post_install_timeout(UpdAppConfig *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
guint
upd_app_config_get_keep_versions(UpdAppConfig *self) UPD_NONNULL(1);
UPD_AVAILABLE_IN_ALL
gboolean
upd_app_config_get_allow_metered(UpdAppConfig *self) UPD_NONNULL(1);

UPD_AVAILABLE_IN_ALL
const gchar *
upd_policy_to_string(UpdPolicy policy);
UPD_AVAILABLE_IN_ALL
gboolean
upd_policy_from_string(const gchar *str, UpdPolicy *policy);

G_END_DECLS
