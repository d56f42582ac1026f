/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "upd-delta-private.h"
#include "upd-pack-private.h"
#include "upd-sha256-private.h"
#include "upd-version-common.h"

static guint
upd_pack_digest_hash(gconstpointer key)
{
	guint hash;
	memcpy(&hash, key, sizeof(hash));
	return hash;
}

static gboolean
upd_pack_digest_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, UPD_SHA256_LEN) == 0;
}

/* a set of the content digests of @release's objects (keys point into it) */
static GHashTable *
upd_pack_digests(const Updater__Release *release)
{
	GHashTable *set = g_hash_table_new(upd_pack_digest_hash, upd_pack_digest_equal);

	for (gsize i = 0; i < release->n_components; i++) {
		const Updater__Payload *payload = release->components[i]->payload;
		if (payload == NULL)
			continue;
		if (payload->object != NULL)
			g_hash_table_add(set, payload->object->sha256.data);
		for (gsize j = 0; j < payload->n_entries; j++) {
			if (payload->entries[j]->object != NULL)
				g_hash_table_add(set, payload->entries[j]->object->sha256.data);
		}
	}
	return set;
}

gboolean
upd_pack_delta_usable(const Updater__Object *object, const Updater__Delta *delta)
{
	UpdDeltaFormat format = (UpdDeltaFormat)delta->format;

	/* a format this client does not know is no error: the full object is
	 * taken; nor is a delta that would take too much memory to apply (a zstd
	 * patch of a large file, which an older publisher may have made) */
	return upd_delta_format_to_extension(format) != NULL && delta->patch != NULL &&
	       delta->patch->stored_size < object->stored_size &&
	       object->size <= upd_delta_max_target_size(format);
}

static void
upd_pack_add(GArray *parts,
	     GHashTable *seen,
	     GHashTable *base_digests,
	     const Updater__Object *object,
	     guint64 *size)
{
	UpdPackPart part = {object, NULL, object, *size};

	if (object == NULL || g_hash_table_contains(base_digests, object->sha256.data) ||
	    !g_hash_table_add(seen, object->sha256.data))
		return;
	for (gsize i = 0; i < object->n_deltas; i++) {
		const Updater__Delta *delta = object->deltas[i];
		if (upd_pack_delta_usable(object, delta) &&
		    g_hash_table_contains(base_digests, delta->base_sha256.data)) {
			part.delta = delta;
			part.part = delta->patch;
			break;
		}
	}
	g_array_append_val(parts, part);
	*size += part.part->stored_size;
}

GArray *
upd_pack_parts(const Updater__Release *release, const Updater__Release *base, guint64 *size)
{
	g_autoptr(GHashTable) base_digests = upd_pack_digests(base);
	g_autoptr(GHashTable) seen = g_hash_table_new(upd_pack_digest_hash, upd_pack_digest_equal);
	GArray *parts = g_array_new(FALSE, FALSE, sizeof(UpdPackPart));

	*size = 0;
	for (gsize i = 0; i < release->n_components; i++) {
		const Updater__Payload *payload = release->components[i]->payload;
		if (payload == NULL)
			continue;
		upd_pack_add(parts, seen, base_digests, payload->object, size);
		for (gsize j = 0; j < payload->n_entries; j++)
			upd_pack_add(parts, seen, base_digests, payload->entries[j]->object, size);
	}
	return parts;
}

const Updater__Pack *
upd_pack_find(const Updater__Release *release, const gchar *from_version)
{
	if (from_version == NULL)
		return NULL;
	for (gsize i = 0; i < release->n_packs; i++) {
		const Updater__Pack *pack = release->packs[i];
		if (pack->from_version != NULL &&
		    upd_version_compare(pack->from_version, from_version) == 0)
			return pack;
	}
	return NULL;
}
