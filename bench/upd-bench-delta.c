/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* One file's delta with each of libupdater's encoders, timed, as
 * updater-publish makes it (upd_delta_encode() at the default level), and
 * checked by applying it: what bench/delta-peers.sh puts beside bsdiff,
 * xdelta3 and zstd --patch-from.
 *
 *   upd-bench-delta [--tsv] [--level N] OLD NEW
 *
 * Prints a line per encoder (format, delta bytes, encode seconds, apply
 * seconds) and first a line "both": the smaller delta, which is the one
 * updater-publish keeps, with the seconds of both encoders, which it runs. */

#include "config.h"

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
} UbdResult;

/* encodes, writes the delta to a temporary file, applies it to @old_path and
 * compares the result's digest with @new's */
static gboolean
ubd_run(UbdResult *result,
	gint level,
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
	g_unlink(delta_path);
	g_unlink(out_path);
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
	const GOptionEntry entries[] = {
		{"tsv", 0, 0, G_OPTION_ARG_NONE, &tsv, "tab-separated lines, no header", NULL},
		{"level", 0, 0, G_OPTION_ARG_INT, &level,
		 "zstd level of the encoders (default: upd_delta_encode()'s)", "N"},
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
	old = ubd_map(argv[1], &error);
	if (old != NULL)
		new = ubd_map(argv[2], &error);
	tmp_dir = g_dir_make_tmp("upd-bench-delta.XXXXXX", error == NULL ? &error : NULL);
	if (new == NULL || tmp_dir == NULL) {
		g_printerr("upd-bench-delta: %s\n", error->message);
		return 1;
	}
	for (guint i = 0; i < G_N_ELEMENTS(results); i++) {
		if (!ubd_run(&results[i], level, argv[1], old, new, tmp_dir, &error)) {
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
	for (guint i = 0; i < G_N_ELEMENTS(results); i++)
		g_print("%s\t%" G_GSIZE_FORMAT "\t%.2f\t%.2f\n", results[i].name, results[i].bytes,
			results[i].encode_seconds, results[i].apply_seconds);
	return 0;
}
