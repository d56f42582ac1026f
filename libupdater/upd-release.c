/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-release-private.h"

struct _UpdRelease {
	GObject parent_instance;
	UpdManifestData *data;	    /* (owned): keeps @pb alive */
	const Updater__Release *pb; /* (unowned) */
};

G_DEFINE_TYPE(UpdRelease, upd_release, G_TYPE_OBJECT)

static void
upd_release_finalize(GObject *object)
{
	UpdRelease *self = UPD_RELEASE(object);
	g_clear_pointer(&self->data, upd_manifest_data_unref);
	G_OBJECT_CLASS(upd_release_parent_class)->finalize(object);
}

static void
upd_release_class_init(UpdReleaseClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->finalize = upd_release_finalize;
}

static void
upd_release_init(UpdRelease *self)
{
}

UpdRelease *
upd_release_new(UpdManifestData *data, const Updater__Release *pb)
{
	UpdRelease *self = g_object_new(UPD_TYPE_RELEASE, NULL);
	self->data = upd_manifest_data_ref(data);
	self->pb = pb;
	return self;
}

const Updater__Release *
upd_release_get_pb(UpdRelease *self)
{
	g_return_val_if_fail(UPD_IS_RELEASE(self), NULL);
	return self->pb;
}

/**
 * upd_release_get_version:
 * @self: an #UpdRelease
 *
 * Returns: (transfer none): the version, exactly as published
 *
 * Since: 0.1
 */
const gchar *
upd_release_get_version(UpdRelease *self)
{
	g_return_val_if_fail(UPD_IS_RELEASE(self), NULL);
	return self->pb->version;
}

/**
 * upd_release_get_published_at:
 * @self: an #UpdRelease
 *
 * Returns: when the release was published, in seconds since the epoch, or 0
 *
 * Since: 0.1
 */
gint64
upd_release_get_published_at(UpdRelease *self)
{
	g_return_val_if_fail(UPD_IS_RELEASE(self), 0);
	return self->pb->published_at;
}

/**
 * upd_release_get_rollout_percent:
 * @self: an #UpdRelease
 *
 * Returns: the share of clients, 0 to 100, that are offered the release
 *
 * Since: 0.1
 */
guint
upd_release_get_rollout_percent(UpdRelease *self)
{
	g_return_val_if_fail(UPD_IS_RELEASE(self), 0);
	return self->pb->rollout_percent;
}

/**
 * upd_release_get_mandatory:
 * @self: an #UpdRelease
 *
 * Returns: %TRUE if the release is installed even under the `notify` policy
 *
 * Since: 0.1
 */
gboolean
upd_release_get_mandatory(UpdRelease *self)
{
	g_return_val_if_fail(UPD_IS_RELEASE(self), FALSE);
	return self->pb->mandatory;
}

/**
 * upd_release_get_minimum_version:
 * @self: an #UpdRelease
 *
 * Returns: (transfer none) (nullable): the oldest installed version that may
 *   update to this release directly, or %NULL for any
 *
 * Since: 0.1
 */
const gchar *
upd_release_get_minimum_version(UpdRelease *self)
{
	g_return_val_if_fail(UPD_IS_RELEASE(self), NULL);
	if (self->pb->minimum_version == NULL || self->pb->minimum_version[0] == '\0')
		return NULL;
	return self->pb->minimum_version;
}

static const Updater__ReleaseNote *
upd_release_find_note(UpdRelease *self, const gchar *language)
{
	for (gsize i = 0; i < self->pb->n_notes; i++) {
		if (g_strcmp0(self->pb->notes[i]->language, language) == 0)
			return self->pb->notes[i];
	}
	return NULL;
}

/**
 * upd_release_get_notes:
 * @self: an #UpdRelease
 * @languages: (nullable) (array zero-terminated=1): preferred languages, best
 *   first, e.g. `{"ru_RU", "ru", NULL}`; %NULL for the user's languages from
 *   `LANGUAGE`, `LC_ALL`, `LC_MESSAGES` and `LANG`
 * @language_out: (out) (optional) (transfer none): the language of the notes returned
 *
 * Picks the release notes in the best available language: the first of
 * @languages that the release has, then English, then the first notes
 * published.
 *
 * Returns: (transfer none) (nullable): the notes, or %NULL when there are none
 *
 * Since: 0.1
 */
const gchar *
upd_release_get_notes(UpdRelease *self, const gchar *const *languages, const gchar **language_out)
{
	const Updater__ReleaseNote *note = NULL;

	g_return_val_if_fail(UPD_IS_RELEASE(self), NULL);

	if (languages == NULL)
		languages = g_get_language_names();
	for (guint i = 0; languages[i] != NULL && note == NULL; i++) {
		/* the C locale means no preference: fall back to English */
		if (g_strcmp0(languages[i], "C") == 0 || g_strcmp0(languages[i], "POSIX") == 0)
			break;
		note = upd_release_find_note(self, languages[i]);
	}
	if (note == NULL)
		note = upd_release_find_note(self, "en");
	if (note == NULL && self->pb->n_notes > 0)
		note = self->pb->notes[0];
	if (language_out != NULL)
		*language_out = note != NULL ? note->language : NULL;
	return note != NULL ? note->text : NULL;
}

/**
 * upd_release_get_note_languages:
 * @self: an #UpdRelease
 *
 * Returns: (transfer full): the languages the release has notes in
 *
 * Since: 0.1
 */
GStrv
upd_release_get_note_languages(UpdRelease *self)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	g_return_val_if_fail(UPD_IS_RELEASE(self), NULL);
	for (gsize i = 0; i < self->pb->n_notes; i++)
		g_strv_builder_add(builder, self->pb->notes[i]->language);
	return g_strv_builder_end(builder);
}

/**
 * upd_release_get_component_names:
 * @self: an #UpdRelease
 *
 * Returns: (transfer full): the names of the release's components
 *
 * Since: 0.1
 */
GStrv
upd_release_get_component_names(UpdRelease *self)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	g_return_val_if_fail(UPD_IS_RELEASE(self), NULL);
	for (gsize i = 0; i < self->pb->n_components; i++)
		g_strv_builder_add(builder, self->pb->components[i]->name);
	return g_strv_builder_end(builder);
}

/**
 * upd_release_get_payload_type:
 * @self: an #UpdRelease
 * @component: a component name
 *
 * Returns: the payload type of @component, or %UPD_PAYLOAD_TYPE_UNKNOWN when
 *   the release has no such component
 *
 * Since: 0.1
 */
UpdPayloadType
upd_release_get_payload_type(UpdRelease *self, const gchar *component)
{
	g_return_val_if_fail(UPD_IS_RELEASE(self), UPD_PAYLOAD_TYPE_UNKNOWN);
	for (gsize i = 0; i < self->pb->n_components; i++) {
		if (g_strcmp0(self->pb->components[i]->name, component) == 0)
			return (UpdPayloadType)self->pb->components[i]->payload->type;
	}
	return UPD_PAYLOAD_TYPE_UNKNOWN;
}

static void
upd_release_sum_sizes(UpdRelease *self, guint64 *stored, guint64 *installed)
{
	for (gsize i = 0; i < self->pb->n_components; i++) {
		const Updater__Payload *payload = self->pb->components[i]->payload;
		if (payload->object != NULL) {
			*stored += payload->object->stored_size;
			*installed += payload->object->size;
		}
		for (gsize j = 0; j < payload->n_entries; j++) {
			const Updater__Object *object = payload->entries[j]->object;
			if (object == NULL)
				continue;
			*stored += object->stored_size;
			*installed += object->size;
		}
	}
}

/**
 * upd_release_get_download_size:
 * @self: an #UpdRelease
 *
 * Returns: the bytes on the wire to download the release in full, without
 *   deltas or files reused from an installed version
 *
 * Since: 0.1
 */
guint64
upd_release_get_download_size(UpdRelease *self)
{
	guint64 stored = 0;
	guint64 installed = 0;

	g_return_val_if_fail(UPD_IS_RELEASE(self), 0);
	upd_release_sum_sizes(self, &stored, &installed);
	return stored;
}

/**
 * upd_release_get_installed_size:
 * @self: an #UpdRelease
 *
 * Returns: the uncompressed size of all the release's files
 *
 * Since: 0.1
 */
guint64
upd_release_get_installed_size(UpdRelease *self)
{
	guint64 stored = 0;
	guint64 installed = 0;

	g_return_val_if_fail(UPD_IS_RELEASE(self), 0);
	upd_release_sum_sizes(self, &stored, &installed);
	return installed;
}
