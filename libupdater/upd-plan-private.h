/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "upd-pb-private.h"
#include "upd-plan.h"

G_BEGIN_DECLS

typedef enum {
	UPD_PLAN_ACTION_FETCH,	/* download into the cache */
	UPD_PLAN_ACTION_CACHED, /* verified in the cache already */
	UPD_PLAN_ACTION_REUSE,	/* an installed file has this content */
	UPD_PLAN_ACTION_DELTA,	/* download a delta into the cache and apply it to a local base */
} UpdPlanAction;

typedef struct {
	const Updater__Object *object; /* (unowned): kept alive by the plan's manifest */
	gchar *hex;		       /* (owned): content digest */
	UpdPlanAction action;
	gchar *local_path;	     /* (owned) (nullable): the installed file, for REUSE; the
				      * verified base file @delta applies to, for DELTA */
	const Updater__Delta *delta; /* (unowned) (nullable): the chosen delta, for DELTA */
} UpdPlanItem;

/* computes the plan; blocking (hashes installed files), run it in a thread.
 * @installed_dir: (nullable): the installed version's directory;
 * @installed_release: (nullable): the release installed there */
UpdPlan *
upd_plan_new(UpdManifest *manifest,
	     UpdRelease *release,
	     const gchar *installed_version,
	     const gchar *installed_dir,
	     const Updater__Release *installed_release,
	     GCancellable *cancellable,
	     GError **error);
/* (element-type UpdPlanItem): one item per distinct object of the release */
GPtrArray *
upd_plan_get_items(UpdPlan *self);
const UpdPlanItem *
upd_plan_lookup(UpdPlan *self, const guint8 *sha256);
/* the cache file of an object, whether or not it exists */
gchar *
upd_plan_cache_path(const gchar *hex);
/* (nullable): the pack (updater.proto's Pack) the plan downloads instead of
 * its objects and deltas one by one, and (element-type UpdPackPart) its parts
 * in pack order; NULL when the objects are fetched one by one */
const Updater__Pack *
upd_plan_get_pack(UpdPlan *self);
GArray *
upd_plan_get_pack_parts(UpdPlan *self);
/* how many objects the plan gets through a binary delta, and the bytes that
 * saves against downloading them whole (both included in the n_fetch and
 * download_size figures) */
guint
upd_plan_get_n_deltas(UpdPlan *self);
guint64
upd_plan_get_delta_saved_size(UpdPlan *self);

G_END_DECLS
