/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* One file's delta with each of libupdater's encoders, timed, as
 * updater-publish makes it (upd_delta_encode() at the default level), and
 * checked by applying it: what bench/delta-peers.sh puts beside bsdiff,
 * xdelta3 and zstd --patch-from.
 *
 *   upd-bench-delta [--tsv] [--level N] [--keep DIR] OLD NEW
 *
 * Prints a line per encoder (format, delta bytes, encode seconds, apply
 * seconds) and first a line "both": the smaller delta, which is the one
 * updater-publish keeps, with the seconds of both encoders, which it runs.
 * An encoder updater-publish does not run for a file this large (ZSTD_PATCH
 * above 32 MiB) gets "none".
 * --keep DIR leaves the deltas there (DIR/delta.updiff, DIR/delta.zpatch).
 *
 *   upd-bench-delta [--tsv] --apply DELTA OLD NEW
 *
 * Only applies DELTA (its format from its extension) to OLD, as the client
 * does, checks the result against NEW (read, not mapped) and prints the
 * format, the seconds and the memory: the peak of the process's anonymous
 * resident memory during the apply above what it was before (RssAnon,
 * sampled every 2 ms: the heap, which is what the delta format bounds), and
 * its peak resident set (VmHWM), which also counts the pages of the mapped
 * base that were read. The result goes to a temporary file in $TMPDIR. */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "upd-delta-private.h"
#include "upt-cli.h"

typedef struct {
	const gchar *name;
	UpdDeltaFormat format;
	gsize bytes;
	gdouble encode_seconds;
	gdouble apply_seconds;
	gboolean skipped; /* not made for a file this large, as updater-publish */
} UbdResult;

/* a field of /proc/self/status in KiB ("RssAnon", "VmHWM"), 0 if missing */
static guint64
ubd_status_kib(const gchar *field)
{
	g_autofree gchar *status = NULL;
	const gchar *line;
	gsize field_len = strlen(field);

	if (!g_file_get_contents("/proc/self/status", &status, NULL, NULL))
		return 0;
	for (line = status; line != NULL && *line != '\0';) {
		const gchar *next = strchr(line, '\n');
		if (strncmp(line, field, field_len) == 0 && line[field_len] == ':')
			return g_ascii_strtoull(line + field_len + 1, NULL, 10);
		line = next != NULL ? next + 1 : NULL;
	}
	return 0;
}

typedef struct {
	gint stop; /* (atomic) */
	guint64 peak_anon_kib;
} UbdSampler;

static gpointer
ubd_sampler_thread(gpointer data)
{
	UbdSampler *sampler = data;

	while (!g_atomic_int_get(&sampler->stop)) {
		sampler->peak_anon_kib = MAX(sampler->peak_anon_kib, ubd_status_kib("RssAnon"));
		g_usleep(2000);
	}
	return NULL;
}

static UpdDeltaFormat
ubd_format_from_path(const gchar *path)
{
	if (g_str_has_suffix(path, ".updiff"))
		return UPD_DELTA_FORMAT_UPDIFF;
	if (g_str_has_suffix(path, ".zpatch"))
		return UPD_DELTA_FORMAT_ZSTD_PATCH;
	return 0;
}

/* --apply: applies @delta_path to @old_path, checks the result against
 * @new_path and prints what it took */
static int
ubd_apply_only(const gchar *delta_path, const gchar *old_path, const gchar *new_path, gboolean tsv)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *tmp_dir = NULL;
	g_autofree gchar *out_path = NULL;
	g_autoptr(GFile) out_file = NULL;
	g_autoptr(GFileOutputStream) out = NULL;
	g_autoptr(GThread) thread = NULL;
	UpdDeltaFormat format = ubd_format_from_path(delta_path);
	UbdSampler sampler = {0, 0};
	guint8 want[UPD_SHA256_LEN];
	guint8 got[UPD_SHA256_LEN];
	guint64 new_size;
	guint64 anon_before;
	gint64 start;
	gboolean ok;

	if (format == 0) {
		g_printerr("upd-bench-delta: %s: the name ends neither in .updiff nor in .zpatch\n",
			   delta_path);
		return 2;
	}
	if (!upd_sha256_file(new_path, want, &new_size, NULL, &error)) {
		g_printerr("upd-bench-delta: %s\n", error->message);
		return 1;
	}
	tmp_dir = g_dir_make_tmp("upd-bench-delta.XXXXXX", &error);
	if (tmp_dir == NULL) {
		g_printerr("upd-bench-delta: %s\n", error->message);
		return 1;
	}
	out_path = g_build_filename(tmp_dir, "out", NULL);
	out_file = g_file_new_for_path(out_path);
	out = g_file_replace(out_file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
	if (out == NULL) {
		g_printerr("upd-bench-delta: %s\n", error->message);
		g_rmdir(tmp_dir);
		return 1;
	}
	anon_before = ubd_status_kib("RssAnon");
	thread = g_thread_new("sampler", ubd_sampler_thread, &sampler);
	start = g_get_monotonic_time();
	ok = upd_delta_apply(format, old_path, delta_path, G_OUTPUT_STREAM(out), new_size, got,
			     NULL, &error) &&
	     g_output_stream_close(G_OUTPUT_STREAM(out), NULL, &error);
	g_atomic_int_set(&sampler.stop, 1);
	g_thread_join(g_steal_pointer(&thread));
	g_unlink(out_path);
	g_rmdir(tmp_dir);
	if (!ok) {
		g_printerr("upd-bench-delta: %s\n", error->message);
		return 1;
	}
	if (memcmp(want, got, UPD_SHA256_LEN) != 0) {
		g_printerr("upd-bench-delta: %s does not give back %s\n", delta_path, new_path);
		return 1;
	}
	if (!tsv)
		g_print("format\tapply s\tpeak heap KiB\tpeak RSS KiB\n");
	g_print("%s\t%.2f\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\n",
		upd_delta_format_to_extension(format),
		(gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC,
		sampler.peak_anon_kib > anon_before ? sampler.peak_anon_kib - anon_before : 0,
		ubd_status_kib("VmHWM"));
	return 0;
}

/* encodes, writes the delta to a temporary file, applies it to @old_path and
 * compares the result's digest with @new's */
static gboolean
ubd_run(UbdResult *result,
	gint level,
	const gchar *keep_dir,
	const gchar *old_path,
	GBytes *old,
	GBytes *new,
	const gchar *tmp_dir,
	GError **error)
{
	g_autoptr(GBytes) delta = NULL;
	g_autofree gchar *delta_path = g_build_filename(tmp_dir, result->name, NULL);
	g_autofree gchar *out_path = g_build_filename(tmp_dir, "out", NULL);
	g_autoptr(GFile) out_file = g_file_new_for_path(out_path);
	g_autoptr(GFileOutputStream) out = NULL;
	guint8 want[UPD_SHA256_LEN];
	guint8 got[UPD_SHA256_LEN];
	gint64 start = g_get_monotonic_time();

	delta = upd_delta_encode(result->format, old, new, level, NULL, error);
	if (delta == NULL)
		return FALSE;
	result->encode_seconds = (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
	result->bytes = g_bytes_get_size(delta);
	if (!g_file_set_contents(delta_path, g_bytes_get_data(delta, NULL),
				 (gssize)g_bytes_get_size(delta), error))
		return FALSE;
	out = g_file_replace(out_file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, error);
	if (out == NULL)
		return FALSE;
	start = g_get_monotonic_time();
	if (!upd_delta_apply(result->format, old_path, delta_path, G_OUTPUT_STREAM(out),
			     g_bytes_get_size(new), got, NULL, error) ||
	    !g_output_stream_close(G_OUTPUT_STREAM(out), NULL, error))
		return FALSE;
	result->apply_seconds = (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
	upd_sha256_data(g_bytes_get_data(new, NULL), g_bytes_get_size(new), want);
	g_unlink(out_path);
	if (keep_dir != NULL) {
		g_autofree gchar *name = g_strconcat("delta.", result->name, NULL);
		g_autofree gchar *kept = g_build_filename(keep_dir, name, NULL);
		if (g_rename(delta_path, kept) != 0) {
			g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
				    "cannot move the delta to %s: %s", kept, g_strerror(errno));
			g_unlink(delta_path);
			return FALSE;
		}
	} else {
		g_unlink(delta_path);
	}
	if (memcmp(want, got, UPD_SHA256_LEN) != 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "the %s delta does not give back the new file", result->name);
		return FALSE;
	}
	return TRUE;
}

static GBytes *
ubd_map(const gchar *path, GError **error)
{
	g_autoptr(GMappedFile) mapped = g_mapped_file_new(path, FALSE, error);
	return mapped != NULL ? g_mapped_file_get_bytes(mapped) : NULL;
}

int
main(int argc, char **argv)
{
	gboolean tsv = FALSE;
	gint level = 0;
	g_autofree gchar *keep_dir = NULL;
	g_autofree gchar *apply = NULL;
	const GOptionEntry entries[] = {
		{"tsv", 0, 0, G_OPTION_ARG_NONE, &tsv, "tab-separated lines, no header", NULL},
		{"level", 0, 0, G_OPTION_ARG_INT, &level,
		 "zstd level of the encoders (default: upd_delta_encode()'s)", "N"},
		{"keep", 0, 0, G_OPTION_ARG_FILENAME, &keep_dir, "keep the deltas in DIR", "DIR"},
		{"apply", 0, 0, G_OPTION_ARG_FILENAME, &apply,
		 "only apply DELTA (.updiff or .zpatch) to OLD and check it gives NEW", "DELTA"},
		G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) context = g_option_context_new("OLD NEW");
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) old = NULL;
	g_autoptr(GBytes) new = NULL;
	g_autofree gchar *tmp_dir = NULL;
	UbdResult results[] = {
		{"updiff", UPD_DELTA_FORMAT_UPDIFF, 0, 0, 0},
		{"zpatch", UPD_DELTA_FORMAT_ZSTD_PATCH, 0, 0, 0},
	};
	const UbdResult *best = NULL;
	gdouble encode_total = 0;

	upt_cli_init("upd-bench-delta");
	g_option_context_add_main_entries(context, entries, NULL);
	g_option_context_set_summary(context, "Times libupdater's delta encoders on one file.");
	if (!g_option_context_parse(context, &argc, &argv, &error) || argc != 3) {
		g_printerr("upd-bench-delta: %s\n",
			   error != NULL ? error->message : "give the old and the new file");
		return 2;
	}
	if (apply != NULL)
		return ubd_apply_only(apply, argv[1], argv[2], tsv);
	old = ubd_map(argv[1], &error);
	if (old != NULL)
		new = ubd_map(argv[2], &error);
	tmp_dir = g_dir_make_tmp("upd-bench-delta.XXXXXX", error == NULL ? &error : NULL);
	if (new == NULL || tmp_dir == NULL) {
		g_printerr("upd-bench-delta: %s\n", error->message);
		return 1;
	}
	for (guint i = 0; i < G_N_ELEMENTS(results); i++) {
		if (g_bytes_get_size(new) > upd_delta_max_target_size(results[i].format)) {
			results[i].skipped = TRUE;
			continue;
		}
		if (!ubd_run(&results[i], level, keep_dir, argv[1], old, new, tmp_dir, &error)) {
			g_printerr("upd-bench-delta: %s: %s\n", results[i].name, error->message);
			g_rmdir(tmp_dir);
			return 1;
		}
		encode_total += results[i].encode_seconds;
		if (best == NULL || results[i].bytes < best->bytes)
			best = &results[i];
	}
	g_rmdir(tmp_dir);
	if (!tsv)
		g_print("format\tbytes\tencode s\tapply s\n");
	g_print("both\t%" G_GSIZE_FORMAT "\t%.2f\t%.2f\n", best->bytes, encode_total,
		best->apply_seconds);
	for (guint i = 0; i < G_N_ELEMENTS(results); i++) {
		if (results[i].skipped)
			g_print("%s\tnone\t-\t-\n", results[i].name);
		else
			g_print("%s\t%" G_GSIZE_FORMAT "\t%.2f\t%.2f\n", results[i].name,
				results[i].bytes, results[i].encode_seconds,
				results[i].apply_seconds);
	}
	return 0;
}
