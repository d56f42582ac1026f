/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-check-result-private.h"

struct _UpdCheckResult {
	GObject parent_instance;
	UpdManifest *manifest;	  /* (owned) */
	gchar *installed_version; /* (owned) (nullable) */
	GPtrArray *available;	  /* (owned) (element-type UpdRelease) */
	guint poll_interval;
	gchar *source_url; /* (owned) */
};

G_DEFINE_TYPE(UpdCheckResult, upd_check_result, G_TYPE_OBJECT)

static void
upd_check_result_dispose(GObject *object)
{
	UpdCheckResult *self = UPD_CHECK_RESULT(object);
	g_clear_object(&self->manifest);
	g_clear_pointer(&self->available, g_ptr_array_unref);
	G_OBJECT_CLASS(upd_check_result_parent_class)->dispose(object);
}

static void
upd_check_result_finalize(GObject *object)
{
	UpdCheckResult *self = UPD_CHECK_RESULT(object);
	g_free(self->installed_version);
	g_free(self->source_url);
	G_OBJECT_CLASS(upd_check_result_parent_class)->finalize(object);
}

static void
upd_check_result_class_init(UpdCheckResultClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = upd_check_result_dispose;
	object_class->finalize = upd_check_result_finalize;
}

static void
upd_check_result_init(UpdCheckResult *self)
{
}

UpdCheckResult *
upd_check_result_new(UpdManifest *manifest,
		     const gchar *installed_version,
		     GPtrArray *available,
		     guint poll_interval,
		     const gchar *source_url)
{
	UpdCheckResult *self = g_object_new(UPD_TYPE_CHECK_RESULT, NULL);
	self->manifest = g_object_ref(manifest);
	self->installed_version = g_strdup(installed_version);
	self->available = available;
	self->poll_interval = poll_interval;
	self->source_url = g_strdup(source_url);
	return self;
}

/**
 * upd_check_result_get_manifest:
 * @self: an #UpdCheckResult
 *
 * Returns: (transfer none): the verified manifest
 *
 * Since: 0.1
 */
UpdManifest *
upd_check_result_get_manifest(UpdCheckResult *self)
{
	g_return_val_if_fail(UPD_IS_CHECK_RESULT(self), NULL);
	return self->manifest;
}

/**
 * upd_check_result_get_installed_version:
 * @self: an #UpdCheckResult
 *
 * Returns: (transfer none) (nullable): the installed version the check was
 *   made for, %NULL when nothing was installed
 *
 * Since: 0.1
 */
const gchar *
upd_check_result_get_installed_version(UpdCheckResult *self)
{
	g_return_val_if_fail(UPD_IS_CHECK_RESULT(self), NULL);
	return self->installed_version;
}

/**
 * upd_check_result_get_available:
 * @self: an #UpdCheckResult
 *
 * The releases offered to this client: newer than the installed version,
 * inside their staged rollout for this client, and allowing an update from
 * the installed version (minimum version).
 *
 * Returns: (transfer none) (element-type UpdRelease): newest first, possibly empty
 *
 * Since: 0.1
 */
GPtrArray *
upd_check_result_get_available(UpdCheckResult *self)
{
	g_return_val_if_fail(UPD_IS_CHECK_RESULT(self), NULL);
	return self->available;
}

/**
 * upd_check_result_get_update:
 * @self: an #UpdCheckResult
 *
 * Returns: (transfer none) (nullable): the newest release offered, %NULL when
 *   the application is up to date
 *
 * Since: 0.1
 */
UpdRelease *
upd_check_result_get_update(UpdCheckResult *self)
{
	g_return_val_if_fail(UPD_IS_CHECK_RESULT(self), NULL);
	return self->available->len > 0 ? g_ptr_array_index(self->available, 0) : NULL;
}

/**
 * upd_check_result_get_mandatory:
 * @self: an #UpdCheckResult
 *
 * Returns: %TRUE if any offered release is mandatory: installing the newest
 *   one is then mandatory too
 *
 * Since: 0.1
 */
gboolean
upd_check_result_get_mandatory(UpdCheckResult *self)
{
	g_return_val_if_fail(UPD_IS_CHECK_RESULT(self), FALSE);
	for (guint i = 0; i < self->available->len; i++) {
		if (upd_release_get_mandatory(g_ptr_array_index(self->available, i)))
			return TRUE;
	}
	return FALSE;
}

/**
 * upd_check_result_get_poll_interval:
 * @self: an #UpdCheckResult
 *
 * Returns: the poll interval the server suggested in seconds, 0 for none
 *
 * Since: 0.1
 */
guint
upd_check_result_get_poll_interval(UpdCheckResult *self)
{
	g_return_val_if_fail(UPD_IS_CHECK_RESULT(self), 0);
	return self->poll_interval;
}

/**
 * upd_check_result_get_source_url:
 * @self: an #UpdCheckResult
 *
 * Returns: (transfer none): the URL that answered: the check endpoint, or the
 *   static manifest of the endpoint or of a mirror
 *
 * Since: 0.1
 */
const gchar *
upd_check_result_get_source_url(UpdCheckResult *self)
{
	g_return_val_if_fail(UPD_IS_CHECK_RESULT(self), NULL);
	return self->source_url;
}
