/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "upd-delta-private.h"
#include "upd-error.h"
#include "upd-i18n-private.h"
#include "upd-key.h"
#include "upd-manifest-private.h"
#include "upd-release-private.h"
#include "upd-repo-layout-private.h"
#include "upd-validate-private.h"
#include "upd-version-common.h"
#include "upd-zstd-private.h"

#define UPD_MANIFEST_FORMAT_VERSION 1
#define UPD_OBJECT_MAX_SIZE	    (G_GUINT64_CONSTANT(1) << 48)
#define UPD_SIGNATURE_ALGORITHM	    "ed25519"
/* zstd level of a compressed manifest: publishing is rare, every client
 * downloads it */
#define UPD_MANIFEST_ZSTD_LEVEL 19

struct _UpdManifest {
	GObject parent_instance;
	UpdManifestData *data; /* (owned) */
	GBytes *signed_bytes;  /* (owned) */
	gchar *key_id;	       /* (owned) (nullable): the key that verified it */
	GPtrArray *releases;   /* (owned) (element-type UpdRelease) */
	GPtrArray *mirrors;    /* (owned) (element-type utf8) */
};

G_DEFINE_TYPE(UpdManifest, upd_manifest, G_TYPE_OBJECT)

UpdManifestData *
upd_manifest_data_ref(UpdManifestData *data)
{
	return g_atomic_rc_box_acquire(data);
}

static void
upd_manifest_data_clear(gpointer ptr)
{
	UpdManifestData *data = ptr;
	if (data->pb != NULL)
		updater__manifest__free_unpacked(data->pb, NULL);
}

void
upd_manifest_data_unref(UpdManifestData *data)
{
	g_atomic_rc_box_release_full(data, upd_manifest_data_clear);
}

static void
upd_manifest_finalize(GObject *object)
{
	UpdManifest *self = UPD_MANIFEST(object);

	g_ptr_array_unref(self->releases);
	g_ptr_array_unref(self->mirrors);
	g_clear_pointer(&self->data, upd_manifest_data_unref);
	g_clear_pointer(&self->signed_bytes, g_bytes_unref);
	g_free(self->key_id);
	G_OBJECT_CLASS(upd_manifest_parent_class)->finalize(object);
}

static void
upd_manifest_class_init(UpdManifestClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->finalize = upd_manifest_finalize;
}

static void
upd_manifest_init(UpdManifest *self)
{
	self->releases = g_ptr_array_new_with_free_func(g_object_unref);
	self->mirrors = g_ptr_array_new_with_free_func(g_free);
}

static gboolean
upd_manifest_invalid(GError **error, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

static gboolean
upd_manifest_invalid(GError **error, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *msg = NULL;

	va_start(args, format);
	msg = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA, _("invalid manifest: %s"), msg);
	return FALSE;
}

static gboolean
upd_manifest_validate_object(const gchar *what, const Updater__Object *object, GError **error)
{
	g_autoptr(GError) error_local = NULL;

	if (object == NULL)
		return upd_manifest_invalid(error, _("%s has no object"), what);
	if (!object->has_sha256 || object->sha256.len != 32 || !object->has_stored_sha256 ||
	    object->stored_sha256.len != 32)
		return upd_manifest_invalid(error, _("%s lacks a 32-byte SHA-256"), what);
	if (!object->has_size || !object->has_stored_size || object->size > UPD_OBJECT_MAX_SIZE ||
	    object->stored_size > UPD_OBJECT_MAX_SIZE)
		return upd_manifest_invalid(error, _("%s lacks a plausible size"), what);
	if (object->compression != UPDATER__COMPRESSION__COMPRESSION_NONE &&
	    object->compression != UPDATER__COMPRESSION__COMPRESSION_ZSTD)
		return upd_manifest_invalid(error, _("%s uses unknown compression %d"), what,
					    (gint)object->compression);
	if (object->compression == UPDATER__COMPRESSION__COMPRESSION_NONE &&
	    (object->stored_size != object->size ||
	     memcmp(object->stored_sha256.data, object->sha256.data, 32) != 0))
		return upd_manifest_invalid(error,
					    _("%s is uncompressed but its stored size or "
					      "digest differs from its content"),
					    what);
	if (!upd_validate_relative_path(_("object path"), object->path, &error_local))
		return upd_manifest_invalid(error, "%s: %s", what, error_local->message);
	for (gsize i = 0; i < object->n_deltas; i++) {
		const Updater__Delta *delta = object->deltas[i];
		g_autofree gchar *delta_what = g_strdup_printf(_("delta %u of %s"), (guint)i, what);
		if (!delta->has_base_sha256 || delta->base_sha256.len != 32)
			return upd_manifest_invalid(error, _("%s lacks its base digest"),
						    delta_what);
		if (delta->format != UPDATER__DELTA_FORMAT__DELTA_FORMAT_ZSTD_PATCH &&
		    delta->format != UPDATER__DELTA_FORMAT__DELTA_FORMAT_UPDIFF)
			return upd_manifest_invalid(error, _("%s has unknown format %d"),
						    delta_what, (gint)delta->format);
		if (delta->patch != NULL && delta->patch->n_deltas > 0)
			return upd_manifest_invalid(error, _("%s has deltas itself"), delta_what);
		if (!upd_manifest_validate_object(delta_what, delta->patch, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
upd_manifest_validate_payload(const gchar *version,
			      const gchar *component,
			      const Updater__Payload *payload,
			      GError **error)
{
	g_autofree gchar *what = NULL;

	if (payload == NULL)
		return upd_manifest_invalid(error, _("component %s of %s has no payload"),
					    component, version);
	if (payload->type <= UPDATER__PAYLOAD_TYPE__PAYLOAD_TYPE_UNKNOWN ||
	    payload->type > UPDATER__PAYLOAD_TYPE__PAYLOAD_TYPE_TREE)
		return upd_manifest_invalid(error,
					    _("component %s of %s has unknown payload type %d"),
					    component, version, (gint)payload->type);

	if (payload->type != UPDATER__PAYLOAD_TYPE__PAYLOAD_TYPE_TREE) {
		g_autoptr(GError) error_local = NULL;
		what = g_strdup_printf(_("payload of %s %s"), component, version);
		if (payload->filename == NULL || strchr(payload->filename, '/') != NULL ||
		    !upd_validate_relative_path(_("file name"), payload->filename, &error_local))
			return upd_manifest_invalid(error, _("%s has no plain file name"), what);
		return upd_manifest_validate_object(what, payload->object, error);
	}

	{
		g_autoptr(GHashTable) paths = g_hash_table_new(g_str_hash, g_str_equal);
		for (gsize i = 0; i < payload->n_entries; i++) {
			const Updater__TreeEntry *entry = payload->entries[i];
			g_autoptr(GError) error_local = NULL;
			guint kinds;

			if (!upd_validate_relative_path(_("tree entry"), entry->path, &error_local))
				return upd_manifest_invalid(error, "%s %s: %s", component, version,
							    error_local->message);
			if (!g_hash_table_add(paths, entry->path))
				return upd_manifest_invalid(
					error, _("tree entry %s is listed twice"), entry->path);
			kinds = (entry->object != NULL) + (entry->symlink_target != NULL) +
				(entry->has_directory && entry->directory);
			if (kinds != 1)
				return upd_manifest_invalid(
					error,
					_("tree entry %s must be exactly one of "
					  "a file, a link or a directory"),
					entry->path);
			if (entry->symlink_target != NULL &&
			    !upd_validate_symlink_target(entry->path, entry->symlink_target))
				return upd_manifest_invalid(
					error,
					_("symbolic link %s -> %s leaves the tree, or climbs with "
					  "“..” after a name"),
					entry->path, entry->symlink_target);
			if (entry->object != NULL) {
				g_autofree gchar *entry_what =
					g_strdup_printf(_("tree entry %s"), entry->path);
				if (!upd_manifest_validate_object(entry_what, entry->object, error))
					return FALSE;
			}
		}
	}
	return TRUE;
}

static gboolean
upd_manifest_validate_release(const Updater__Release *release, GError **error)
{
	g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GError) error_local = NULL;

	if (!upd_version_validate(release->version, &error_local))
		return upd_manifest_invalid(error, "%s", error_local->message);
	if (release->rollout_percent > 100)
		return upd_manifest_invalid(error,
					    _("release %s has a rollout of %u%%, more than 100%%"),
					    release->version, release->rollout_percent);
	if (release->minimum_version != NULL && release->minimum_version[0] != '\0' &&
	    !upd_version_validate(release->minimum_version, &error_local))
		return upd_manifest_invalid(error, _("minimum version of release %s: %s"),
					    release->version, error_local->message);
	if (release->n_components == 0)
		return upd_manifest_invalid(error, _("release %s has no components"),
					    release->version);
	for (gsize i = 0; i < release->n_components; i++) {
		const Updater__Component *component = release->components[i];
		if (!upd_validate_component_name(component->name, &error_local))
			return upd_manifest_invalid(error, "%s: %s", release->version,
						    error_local->message);
		if (!g_hash_table_add(names, component->name))
			return upd_manifest_invalid(error, _("release %s has component %s twice"),
						    release->version, component->name);
		if (!upd_manifest_validate_payload(release->version, component->name,
						   component->payload, error))
			return FALSE;
	}
	for (gsize i = 0; i < release->n_packs; i++) {
		const Updater__Pack *pack = release->packs[i];
		g_autofree gchar *what = NULL;

		if (!upd_version_validate(pack->from_version, &error_local))
			return upd_manifest_invalid(error, _("pack %u of release %s: %s"), (guint)i,
						    release->version, error_local->message);
		what = g_strdup_printf(_("pack from %s of release %s"), pack->from_version,
				       release->version);
		if (!upd_manifest_validate_object(what, pack->object, error))
			return FALSE;
		if (pack->object->compression != UPDATER__COMPRESSION__COMPRESSION_NONE ||
		    pack->object->n_deltas > 0)
			return upd_manifest_invalid(error,
						    _("%s is compressed or has deltas; a pack is "
						      "stored as it is"),
						    what);
	}
	for (gsize i = 0; i < release->n_notes; i++) {
		const Updater__ReleaseNote *note = release->notes[i];
		if (note->language == NULL || note->language[0] == '\0' || note->text == NULL ||
		    !g_utf8_validate(note->text, -1, NULL))
			return upd_manifest_invalid(error,
						    _("release %s has a note without language or "
						      "valid text"),
						    release->version);
	}
	return TRUE;
}

gboolean
upd_manifest_validate_pb(const Updater__Manifest *manifest, GError **error)
{
	g_autoptr(GHashTable) versions = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GError) error_local = NULL;

	if (!manifest->has_format_version)
		return upd_manifest_invalid(error, _("the format version is missing"));
	if (manifest->format_version > UPD_MANIFEST_FORMAT_VERSION) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("manifest format %u is newer than this client understands (%u); "
			      "update libupdater"),
			    manifest->format_version, (guint)UPD_MANIFEST_FORMAT_VERSION);
		return FALSE;
	}
	if (!upd_validate_app_id(manifest->app_id, &error_local) ||
	    !upd_validate_channel(manifest->channel, &error_local))
		return upd_manifest_invalid(error, "%s", error_local->message);
	if (!manifest->has_serial || manifest->serial == 0)
		return upd_manifest_invalid(error, _("the serial is missing"));
	if (!manifest->has_expires_at)
		return upd_manifest_invalid(error, _("the expiry time is missing"));
	for (gsize i = 0; i < manifest->n_releases; i++) {
		if (!upd_manifest_validate_release(manifest->releases[i], error))
			return FALSE;
		if (!g_hash_table_add(versions, manifest->releases[i]->version))
			return upd_manifest_invalid(error, _("release %s is listed twice"),
						    manifest->releases[i]->version);
	}
	for (gsize i = 0; i < manifest->n_mirrors; i++) {
		const gchar *mirror = manifest->mirrors[i];
		g_autofree gchar *scheme = g_uri_parse_scheme(mirror);
		if (scheme == NULL || (g_ascii_strcasecmp(scheme, "http") != 0 &&
				       g_ascii_strcasecmp(scheme, "https") != 0))
			return upd_manifest_invalid(
				error, _("mirror “%s” is not an http or https URL"), mirror);
	}
	return TRUE;
}

static UpdManifest *
upd_manifest_new_from_pb(GBytes *signed_bytes, Updater__Manifest *pb, const gchar *key_id)
{
	UpdManifest *self = g_object_new(UPD_TYPE_MANIFEST, NULL);

	self->data = g_atomic_rc_box_new0(UpdManifestData);
	self->data->pb = pb;
	self->signed_bytes = g_bytes_ref(signed_bytes);
	self->key_id = g_strdup(key_id);
	for (gsize i = 0; i < pb->n_releases; i++)
		g_ptr_array_add(self->releases, upd_release_new(self->data, pb->releases[i]));
	for (gsize i = 0; i < pb->n_mirrors; i++)
		g_ptr_array_add(self->mirrors, g_strdup(pb->mirrors[i]));
	return self;
}

static Updater__SignedManifest *
upd_manifest_unpack_signed(GBytes *signed_manifest, GError **error)
{
	Updater__SignedManifest *outer;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(signed_manifest, &len);

	if (len > UPD_MANIFEST_MAX_SIZE) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_TOO_LARGE,
			    _("signed manifest has %" PRIu64 " bytes, more than the "
			      "limit of %u"),
			    (guint64)len, (guint)UPD_MANIFEST_MAX_SIZE);
		return NULL;
	}
	outer = updater__signed_manifest__unpack(NULL, len, data);
	if (outer == NULL) {
		g_set_error_literal(
			error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			_("signed manifest is not valid protobuf (truncated or corrupt)"));
		return NULL;
	}
	if (!outer->has_manifest || outer->manifest.len == 0) {
		updater__signed_manifest__free_unpacked(outer, NULL);
		g_set_error_literal(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("signed manifest carries no manifest"));
		return NULL;
	}
	return outer;
}

/* called with each object of @pb and the path the repository layout gives
 * it (owned by the callee; NULL when its digests are malformed, which
 * validation reports) */
typedef void (*UpdManifestPathFunc)(Updater__Object *object, gchar *layout_path, gpointer data);

static gboolean
upd_manifest_digest_ok(gboolean has, const ProtobufCBinaryData *digest)
{
	return has && digest->len == 32;
}

static void
upd_manifest_object_paths(Updater__Object *object, UpdManifestPathFunc func, gpointer data)
{
	if (object == NULL)
		return;
	func(object,
	     upd_manifest_digest_ok(object->has_sha256, &object->sha256)
		     ? upd_repo_object_path(object->sha256.data,
					    object->compression ==
						    UPDATER__COMPRESSION__COMPRESSION_ZSTD)
		     : NULL,
	     data);
	for (gsize i = 0; i < object->n_deltas; i++) {
		Updater__Delta *delta = object->deltas[i];
		const gchar *ext = upd_delta_format_to_extension((UpdDeltaFormat)delta->format);
		if (delta->patch == NULL)
			continue;
		func(delta->patch,
		     upd_manifest_digest_ok(object->has_sha256, &object->sha256) &&
				     upd_manifest_digest_ok(delta->has_base_sha256,
							    &delta->base_sha256) &&
				     ext != NULL
			     ? upd_repo_delta_path(delta->base_sha256.data, object->sha256.data,
						   ext)
			     : NULL,
		     data);
	}
}

static void
upd_manifest_foreach_path(Updater__Manifest *pb, UpdManifestPathFunc func, gpointer data)
{
	for (gsize r = 0; r < pb->n_releases; r++) {
		Updater__Release *release = pb->releases[r];
		for (gsize c = 0; c < release->n_components; c++) {
			Updater__Payload *payload = release->components[c]->payload;
			if (payload == NULL)
				continue;
			upd_manifest_object_paths(payload->object, func, data);
			for (gsize e = 0; e < payload->n_entries; e++)
				upd_manifest_object_paths(payload->entries[e]->object, func, data);
		}
		for (gsize p = 0; p < release->n_packs; p++) {
			Updater__Object *object = release->packs[p]->object;
			if (object != NULL)
				func(object,
				     upd_manifest_digest_ok(object->has_sha256, &object->sha256)
					     ? upd_repo_pack_path(object->sha256.data)
					     : NULL,
				     data);
		}
	}
}

/* an absent path is the layout's (the string goes to protobuf-c, which
 * frees it with free(), as GLib allocates with malloc()) */
static void
upd_manifest_fill_path(Updater__Object *object, gchar *layout_path, gpointer data)
{
	if (object->path == NULL)
		object->path = layout_path;
	else
		g_free(layout_path);
}

Updater__Manifest *
upd_manifest_unpack_inner(const Updater__SignedManifest *outer, GError **error)
{
	Updater__Manifest *pb;
	g_autofree guint8 *plain = NULL;
	const guint8 *data = outer->manifest.data;
	gsize len = outer->manifest.len;

	switch (outer->manifest_compression) {
	case UPDATER__COMPRESSION__COMPRESSION_NONE:
		break;
	case UPDATER__COMPRESSION__COMPRESSION_ZSTD: {
		unsigned long long declared = ZSTD_getFrameContentSize(data, len);
		size_t ret;

		if (declared == ZSTD_CONTENTSIZE_ERROR || declared == ZSTD_CONTENTSIZE_UNKNOWN) {
			g_set_error_literal(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
					    _("compressed manifest is not a zstd frame that "
					      "declares its size"));
			return NULL;
		}
		if (declared > UPD_MANIFEST_MAX_SIZE) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_TOO_LARGE,
				    _("compressed manifest holds %" PRIu64 " bytes, more than the "
				      "limit of %u"),
				    (guint64)declared, (guint)UPD_MANIFEST_MAX_SIZE);
			return NULL;
		}
		plain = g_malloc(MAX(declared, 1));
		ret = ZSTD_decompress(plain, declared, data, len);
		if (ZSTD_isError(ret) || ret != declared) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("compressed manifest is corrupt: %s"),
				    ZSTD_isError(ret) ? ZSTD_getErrorName(ret)
						      : _("shorter than it declares"));
			return NULL;
		}
		data = plain;
		len = declared;
		break;
	}
	default:
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("manifest is compressed with unknown method %d"),
			    (gint)outer->manifest_compression);
		return NULL;
	}

	pb = updater__manifest__unpack(NULL, len, data);
	if (pb == NULL) {
		g_set_error_literal(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("manifest is not valid protobuf (truncated or corrupt)"));
		return NULL;
	}
	upd_manifest_foreach_path(pb, upd_manifest_fill_path, NULL);
	if (!upd_manifest_validate_pb(pb, error)) {
		updater__manifest__free_unpacked(pb, NULL);
		return NULL;
	}
	return pb;
}

/* returns the id of the pinned key that signed, or NULL with an error */
static const gchar *
upd_manifest_check_signatures(const Updater__SignedManifest *outer, GPtrArray *keys, GError **error)
{
	g_autoptr(GBytes) signed_data =
		g_bytes_new_static(outer->manifest.data, outer->manifest.len);
	g_autoptr(GString) seen = g_string_new(NULL);
	g_autoptr(GString) pinned = g_string_new(NULL);
	g_autoptr(GError) first_failure = NULL;

	for (gsize i = 0; i < outer->n_signatures; i++) {
		const Updater__Signature *sig = outer->signatures[i];
		if (seen->len > 0)
			g_string_append(seen, ", ");
		g_string_append(seen, sig->key_id != NULL ? sig->key_id : "?");
		if (g_strcmp0(sig->algorithm, UPD_SIGNATURE_ALGORITHM) != 0 || !sig->has_signature)
			continue;
		for (guint j = 0; j < keys->len; j++) {
			UpdKey *key = g_ptr_array_index(keys, j);
			g_autoptr(GBytes) sig_bytes = NULL;
			g_autoptr(GError) error_local = NULL;

			if (g_strcmp0(upd_key_get_id(key), sig->key_id) != 0)
				continue;
			sig_bytes = g_bytes_new_static(sig->signature.data, sig->signature.len);
			if (upd_key_verify(key, signed_data, sig_bytes, &error_local))
				return upd_key_get_id(key);
			if (first_failure == NULL)
				first_failure = g_steal_pointer(&error_local);
		}
	}
	if (first_failure != NULL) {
		g_propagate_prefixed_error(error, g_steal_pointer(&first_failure),
					   _("manifest refused: "));
		return NULL;
	}
	for (guint j = 0; j < keys->len; j++) {
		if (pinned->len > 0)
			g_string_append(pinned, ", ");
		g_string_append(pinned, upd_key_get_id(g_ptr_array_index(keys, j)));
	}
	g_set_error(error, UPD_ERROR, UPD_ERROR_UNKNOWN_KEY,
		    _("manifest is not signed by any pinned key (signing keys: %s; pinned: %s)"),
		    seen->len > 0 ? seen->str : _("none"), pinned->str);
	return NULL;
}

/**
 * upd_manifest_new_verified:
 * @signed_manifest: the bytes of a `SignedManifest`
 * @keys: (element-type UpdKey): the pinned public keys of the application
 * @app_id: the application id the manifest must be for
 * @channel: the channel the manifest must be for
 * @min_serial: the highest serial accepted before; a lower one is refused
 * @now: the current time in seconds since the epoch, or 0 for the system clock
 * @error: (nullable): return location for a #GError
 *
 * Decodes a signed manifest and checks, in this order: the outer message
 * (%UPD_ERROR_INVALID_DATA, %UPD_ERROR_TOO_LARGE), a signature by one of
 * @keys (%UPD_ERROR_UNKNOWN_KEY when no signature is by a pinned key,
 * %UPD_ERROR_SIGNATURE_INVALID when one is but does not verify), the
 * manifest's structure (%UPD_ERROR_INVALID_DATA), the application
 * (%UPD_ERROR_APP_MISMATCH), the channel (%UPD_ERROR_CHANNEL_MISMATCH), the
 * serial (%UPD_ERROR_SERIAL_ROLLBACK) and the expiry (%UPD_ERROR_EXPIRED).
 * Nothing of the manifest is parsed before its signature verified.
 *
 * Returns: (transfer full): the manifest, or %NULL
 *
 * Since: 0.1
 */
UpdManifest *
upd_manifest_new_verified(GBytes *signed_manifest,
			  GPtrArray *keys,
			  const gchar *app_id,
			  const gchar *channel,
			  guint64 min_serial,
			  gint64 now,
			  GError **error)
{
	g_autoptr(Updater__SignedManifest) outer = NULL;
	Updater__Manifest *pb;
	const gchar *key_id;

	g_return_val_if_fail(signed_manifest != NULL, NULL);
	g_return_val_if_fail(keys != NULL, NULL);
	g_return_val_if_fail(app_id != NULL, NULL);
	g_return_val_if_fail(channel != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	outer = upd_manifest_unpack_signed(signed_manifest, error);
	if (outer == NULL)
		return NULL;
	key_id = upd_manifest_check_signatures(outer, keys, error);
	if (key_id == NULL)
		return NULL;
	pb = upd_manifest_unpack_inner(outer, error);
	if (pb == NULL)
		return NULL;

	if (g_strcmp0(pb->app_id, app_id) != 0) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_APP_MISMATCH,
			    _("manifest is for application %s, not %s"), pb->app_id, app_id);
		updater__manifest__free_unpacked(pb, NULL);
		return NULL;
	}
	if (g_strcmp0(pb->channel, channel) != 0) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_CHANNEL_MISMATCH,
			    _("manifest is for channel %s, not %s"), pb->channel, channel);
		updater__manifest__free_unpacked(pb, NULL);
		return NULL;
	}
	if (pb->serial < min_serial) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_SERIAL_ROLLBACK,
			    _("manifest serial %" PRIu64 " is lower than last seen %" PRIu64
			      "; refusing a rollback of the repository"),
			    (guint64)pb->serial, min_serial);
		updater__manifest__free_unpacked(pb, NULL);
		return NULL;
	}
	if (now == 0)
		now = g_get_real_time() / G_USEC_PER_SEC;
	if (pb->expires_at <= now) {
		g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(pb->expires_at);
		g_autofree gchar *when = dt != NULL
						 ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S UTC")
						 : g_strdup("?");
		g_set_error(error, UPD_ERROR, UPD_ERROR_EXPIRED,
			    _("manifest expired on %s; the repository must be re-signed"), when);
		updater__manifest__free_unpacked(pb, NULL);
		return NULL;
	}
	return upd_manifest_new_from_pb(signed_manifest, pb, key_id);
}

UpdManifest *
upd_manifest_new_unverified(GBytes *signed_manifest, GError **error)
{
	g_autoptr(Updater__SignedManifest) outer = NULL;
	Updater__Manifest *pb;

	outer = upd_manifest_unpack_signed(signed_manifest, error);
	if (outer == NULL)
		return NULL;
	pb = upd_manifest_unpack_inner(outer, error);
	if (pb == NULL)
		return NULL;
	return upd_manifest_new_from_pb(signed_manifest, pb, NULL);
}

/* one zstd frame of @packed (consumed), its size declared */
static GBytes *
upd_manifest_compress(GBytes *packed, GError **error)
{
	g_autoptr(GBytes) plain = packed;
	g_autoptr(ZSTD_CCtx) cctx = ZSTD_createCCtx();
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(plain, &len);
	gsize bound = ZSTD_compressBound(len);
	g_autofree guint8 *out = g_malloc(bound);
	size_t ret;

	if (cctx == NULL || ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel,
								UPD_MANIFEST_ZSTD_LEVEL))) {
		g_set_error_literal(error, UPD_ERROR, UPD_ERROR_FAILED,
				    _("cannot compress the manifest: out of memory"));
		return NULL;
	}
	ret = ZSTD_compress2(cctx, out, bound, data, len);
	if (ZSTD_isError(ret)) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_FAILED,
			    _("cannot compress the manifest: %s"), ZSTD_getErrorName(ret));
		return NULL;
	}
	out = g_realloc(out, MAX(ret, 1));
	return g_bytes_new_take(g_steal_pointer(&out), ret);
}

typedef struct {
	Updater__Object *object;
	gchar *path; /* (unowned) */
} UpdManifestLeftOut;

/* leaves out a path that is the layout's, keeping it to put back */
static void
upd_manifest_leave_out_path(Updater__Object *object, gchar *layout_path, gpointer data)
{
	GArray *left_out = data;
	if (object->path != NULL && g_strcmp0(object->path, layout_path) == 0) {
		UpdManifestLeftOut item = {object, object->path};
		g_array_append_val(left_out, item);
		object->path = NULL;
	}
	g_free(layout_path);
}

GBytes *
upd_manifest_sign_pb(const Updater__Manifest *manifest, GPtrArray *keys, GError **error)
{
	Updater__SignedManifest outer = UPDATER__SIGNED_MANIFEST__INIT;
	g_autoptr(GBytes) inner = NULL;
	g_autoptr(GPtrArray) sigs = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autofree Updater__Signature *sig_msgs = NULL;
	g_autofree Updater__Signature **sig_ptrs = NULL;
	gsize len = 0;

	if (!upd_manifest_validate_pb(manifest, error))
		return NULL;
	if (keys->len == 0) {
		g_set_error_literal(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
				    _("no signing key given"));
		return NULL;
	}
	{
		/* packed without the paths the reader derives; @manifest is
		 * the caller's again afterwards, as it was */
		g_autoptr(GArray) left_out = g_array_new(FALSE, FALSE, sizeof(UpdManifestLeftOut));
		g_autoptr(GBytes) packed = NULL;
		upd_manifest_foreach_path((Updater__Manifest *)manifest,
					  upd_manifest_leave_out_path, left_out);
		packed = upd_pb_pack((const ProtobufCMessage *)manifest);
		for (guint i = 0; i < left_out->len; i++) {
			UpdManifestLeftOut *item = &g_array_index(left_out, UpdManifestLeftOut, i);
			item->object->path = item->path;
		}
		inner = upd_manifest_compress(g_steal_pointer(&packed), error);
		if (inner == NULL)
			return NULL;
	}
	sig_msgs = g_new0(Updater__Signature, keys->len);
	sig_ptrs = g_new0(Updater__Signature *, keys->len);
	for (guint i = 0; i < keys->len; i++) {
		UpdKey *key = g_ptr_array_index(keys, i);
		GBytes *sig = upd_key_sign(key, inner, error);
		if (sig == NULL)
			return NULL;
		g_ptr_array_add(sigs, sig);
		updater__signature__init(&sig_msgs[i]);
		sig_msgs[i].key_id = (gchar *)upd_key_get_id(key);
		sig_msgs[i].algorithm = (gchar *)UPD_SIGNATURE_ALGORITHM;
		sig_msgs[i].has_signature = TRUE;
		sig_msgs[i].signature.data = (guint8 *)g_bytes_get_data(sig, &len);
		sig_msgs[i].signature.len = len;
		sig_ptrs[i] = &sig_msgs[i];
	}
	outer.has_manifest = TRUE;
	outer.has_manifest_compression = TRUE;
	outer.manifest_compression = UPDATER__COMPRESSION__COMPRESSION_ZSTD;
	outer.manifest.data = (guint8 *)g_bytes_get_data(inner, &len);
	outer.manifest.len = len;
	outer.n_signatures = keys->len;
	outer.signatures = sig_ptrs;
	return upd_pb_pack((const ProtobufCMessage *)&outer);
}

const Updater__Manifest *
upd_manifest_get_pb(UpdManifest *self)
{
	g_return_val_if_fail(UPD_IS_MANIFEST(self), NULL);
	return self->data->pb;
}

/**
 * upd_manifest_get_app_id:
 * @self: an #UpdManifest
 *
 * Returns: (transfer none): the application id
 *
 * Since: 0.1
 */
const gchar *
upd_manifest_get_app_id(UpdManifest *self)
{
	g_return_val_if_fail(UPD_IS_MANIFEST(self), NULL);
	return self->data->pb->app_id;
}

/**
 * upd_manifest_get_channel:
 * @self: an #UpdManifest
 *
 * Returns: (transfer none): the channel
 *
 * Since: 0.1
 */
const gchar *
upd_manifest_get_channel(UpdManifest *self)
{
	g_return_val_if_fail(UPD_IS_MANIFEST(self), NULL);
	return self->data->pb->channel;
}

/**
 * upd_manifest_get_serial:
 * @self: an #UpdManifest
 *
 * Returns: the serial, increased by every publication on the channel
 *
 * Since: 0.1
 */
guint64
upd_manifest_get_serial(UpdManifest *self)
{
	g_return_val_if_fail(UPD_IS_MANIFEST(self), 0);
	return self->data->pb->serial;
}

/**
 * upd_manifest_get_issued_at:
 * @self: an #UpdManifest
 *
 * Returns: when the manifest was signed, in seconds since the epoch
 *
 * Since: 0.1
 */
gint64
upd_manifest_get_issued_at(UpdManifest *self)
{
	g_return_val_if_fail(UPD_IS_MANIFEST(self), 0);
	return self->data->pb->issued_at;
}

/**
 * upd_manifest_get_expires_at:
 * @self: an #UpdManifest
 *
 * Returns: when the manifest expires, in seconds since the epoch
 *
 * Since: 0.1
 */
gint64
upd_manifest_get_expires_at(UpdManifest *self)
{
	g_return_val_if_fail(UPD_IS_MANIFEST(self), 0);
	return self->data->pb->expires_at;
}

/**
 * upd_manifest_get_key_id:
 * @self: an #UpdManifest
 *
 * Returns: (transfer none) (nullable): the id of the pinned key whose signature
 *   verified, %NULL for a manifest that was not verified
 *
 * Since: 0.1
 */
const gchar *
upd_manifest_get_key_id(UpdManifest *self)
{
	g_return_val_if_fail(UPD_IS_MANIFEST(self), NULL);
	return self->key_id;
}

/**
 * upd_manifest_get_releases:
 * @self: an #UpdManifest
 *
 * Returns: (transfer none) (element-type UpdRelease): the releases, oldest first
 *
 * Since: 0.1
 */
GPtrArray *
upd_manifest_get_releases(UpdManifest *self)
{
	g_return_val_if_fail(UPD_IS_MANIFEST(self), NULL);
	return self->releases;
}

/**
 * upd_manifest_get_release:
 * @self: an #UpdManifest
 * @version: a version string
 *
 * Returns: (transfer none) (nullable): the release with exactly this version
 *
 * Since: 0.1
 */
UpdRelease *
upd_manifest_get_release(UpdManifest *self, const gchar *version)
{
	g_return_val_if_fail(UPD_IS_MANIFEST(self), NULL);
	g_return_val_if_fail(version != NULL, NULL);
	for (guint i = 0; i < self->releases->len; i++) {
		UpdRelease *release = g_ptr_array_index(self->releases, i);
		if (g_strcmp0(upd_release_get_version(release), version) == 0)
			return release;
	}
	return NULL;
}

/**
 * upd_manifest_get_mirrors:
 * @self: an #UpdManifest
 *
 * Returns: (transfer none) (element-type utf8): base URLs of mirrors, in order
 *
 * Since: 0.1
 */
GPtrArray *
upd_manifest_get_mirrors(UpdManifest *self)
{
	g_return_val_if_fail(UPD_IS_MANIFEST(self), NULL);
	return self->mirrors;
}

/**
 * upd_manifest_get_signed_bytes:
 * @self: an #UpdManifest
 *
 * Returns: (transfer none): the signed manifest exactly as received
 *
 * Since: 0.1
 */
GBytes *
upd_manifest_get_signed_bytes(UpdManifest *self)
{
	g_return_val_if_fail(UPD_IS_MANIFEST(self), NULL);
	return self->signed_bytes;
}
