/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "upd-pb-private.h"
#include "upt-repository.h"
#include "upt-staging.h"

G_BEGIN_DECLS

/* Binary deltas for one publication. Each requested (base, target) pair is
 * encoded in both formats by upd_delta_encode(), on all cores, and the
 * smaller result is stored in the staging when it is at most 90% of the
 * target's full stored size. Memory is bounded: a job counts its base (read
 * from the repository, decompressed), its mapped target and
 * upd_delta_encode_memory(), and jobs wait until the sum over running jobs
 * fits the bound; a job that alone exceeds it is skipped with a warning. */
#define UPT_TYPE_DELTA_MAKER (upt_delta_maker_get_type())
G_DECLARE_FINAL_TYPE(UptDeltaMaker, upt_delta_maker, UPT, DELTA_MAKER, GObject)

/* the least a target's full stored size must be for a delta to pay off */
#define UPT_DELTA_MIN_STORED_SIZE (4 * 1024)
/* a delta larger than this share of the full stored size is not published */
#define UPT_DELTA_MAX_PERCENT 90

/* @memory_bound: bytes; @n_threads: encoders running at once */
UptDeltaMaker *
upt_delta_maker_new(UptRepository *repo,
		    UptStaging *staging,
		    guint64 memory_bound,
		    guint n_threads);
/* the default memory bound: half of the physical memory */
guint64
upt_delta_maker_default_memory_bound(void);
/* asks for a delta from @base (an object of the repository) to @target, whose
 * content is the file @path; bases equal to the target, repeated bases and
 * targets too small to gain anything are left out */
void
upt_delta_maker_add(UptDeltaMaker *self,
		    const Updater__Object *target,
		    const gchar *path,
		    const Updater__Object *base);
/* makes and stores the deltas; fails only when the repository or the staging
 * cannot be read or written (a delta that cannot be made is a warning) */
gboolean
upt_delta_maker_run(UptDeltaMaker *self, GError **error);
/* what to publish for @target: a copy listing its deltas, smallest first
 * (with those @target listed already for other bases), or @target itself
 * when no delta was asked for. Owned by the maker. */
const Updater__Object *
upt_delta_maker_get_object(UptDeltaMaker *self, const Updater__Object *target);
guint
upt_delta_maker_get_n_deltas(UptDeltaMaker *self);
/* bytes of the deltas listed, and of the whole objects they stand for */
guint64
upt_delta_maker_get_delta_bytes(UptDeltaMaker *self);
guint64
upt_delta_maker_get_full_bytes(UptDeltaMaker *self);
/* the most memory running jobs counted at once */
guint64
upt_delta_maker_get_peak_memory(UptDeltaMaker *self);

G_END_DECLS
