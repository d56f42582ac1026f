/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "upd-pb-private.h"

G_BEGIN_DECLS

/*
 * Packs (updater.proto's Pack): one file with the stored bytes of every
 * object, or of the delta that rebuilds it, that a client with an earlier
 * release installed needs for a new release. Which parts, in which order,
 * follows from the two releases alone; updater-publish writes a pack by
 * this list and the client reads it by the same list.
 */
typedef struct {
	const Updater__Object *object; /* what the client gets */
	const Updater__Delta *delta;   /* (nullable): the delta the part is, NULL for the object */
	const Updater__Object *part;   /* the stored bytes in the pack: delta->patch or object */
	guint64 offset;		       /* where the part starts in the pack */
} UpdPackPart;

/* whether a client takes @delta of @object when it has its base: a known
 * format, smaller than the object, not too large to apply (see
 * upd_delta_max_target_size()); the rule the planner and packs share */
gboolean
upd_pack_delta_usable(const Updater__Object *object, const Updater__Delta *delta);

/* the parts of the pack that takes a client from @base to @release, in pack
 * order, as an array of UpdPackPart pointing into both releases; @size gets
 * the pack's size, the sum of the parts' stored sizes */
GArray *
upd_pack_parts(const Updater__Release *release, const Updater__Release *base, guint64 *size);

/* the pack of @release for a client that has @from_version, NULL if none */
const Updater__Pack *
upd_pack_find(const Updater__Release *release, const gchar *from_version);

G_END_DECLS
