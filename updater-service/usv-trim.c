/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "usv-trim.h"

/*
 * The daemon sleeps for hours between checks. What it then keeps resident
 * is mostly clean pages of shared objects (GLib, GIO, GnuTLS, libsoup, the
 * installer plugins and what they pull in): touched once at start-up or by
 * the last install, not needed until the next. MADV_PAGEOUT (Linux 5.4)
 * reclaims those of its mappings that no other process maps, the way the
 * kernel would under memory pressure; Android's cached-app compaction does
 * the same for idle processes. Anonymous and writable mappings are left
 * alone (they would go to swap, or are private copies), and so is anything
 * that is not a regular file.
 */

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static guint64
usv_trim_resident_bytes(void)
{
	g_autofree gchar *statm = NULL;
	guint64 size = 0;
	guint64 resident = 0;

	if (!g_file_get_contents("/proc/self/statm", &statm, NULL, NULL) ||
	    sscanf(statm, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &size, &resident) != 2)
		return 0;
	return resident * (guint64)sysconf(_SC_PAGESIZE);
}

guint64
usv_trim_working_set(void)
{
	g_autofree gchar *maps = NULL;
	g_auto(GStrv) lines = NULL;
	guint64 before = usv_trim_resident_bytes();
	guint64 after;
	gboolean supported = TRUE;

	malloc_trim(0);
	if (!g_file_get_contents("/proc/self/maps", &maps, NULL, NULL))
		return 0;
	lines = g_strsplit(maps, "\n", -1);
	for (guint i = 0; supported && lines[i] != NULL; i++) {
		unsigned long start;
		unsigned long end;
		char perms[5];
		int path_at = 0;

		/* "start-end perms offset dev inode path" */
		if (sscanf(lines[i], "%lx-%lx %4s %*s %*s %*s %n", &start, &end, perms, &path_at) <
			    3 ||
		    path_at == 0 || lines[i][path_at] != '/')
			continue;
		/* read-only file mappings only; never the stack, vdso, heap */
		if (perms[0] != 'r' || perms[1] != '-')
			continue;
		if (madvise((void *)start, end - start, MADV_PAGEOUT) != 0 && errno == EINVAL)
			supported = FALSE; /* a kernel before 5.4 */
	}
	after = usv_trim_resident_bytes();
	return before > after ? before - after : 0;
}
