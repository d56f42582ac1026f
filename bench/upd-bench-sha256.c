/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* SHA-256 throughput of libupdater's implementation (GnuTLS, upd_sha256_file())
 * beside GLib's GChecksum reading the same file the same way (1 MiB read()s).
 * The file is read once, untimed, so that every timed run hashes it from the
 * page cache: the figures are hashing plus read() copies, not disk speed. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "upd-sha256-private.h"
#include "upt-cli.h"

#define UBN_READ_SIZE (1024 * 1024)
/* the in-memory rows hash at most this much of the file */
#define UBN_MEMORY_MAX (256 * 1024 * 1024)

typedef gboolean (*UbnHashFunc)(const gchar *path,
				guint8 digest[UPD_SHA256_LEN],
				guint64 *size,
				GError **error);

static gboolean
ubn_read_error(GError **error, const gchar *what, const gchar *path, int errsv)
{
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errsv), "cannot %s %s: %s", what,
		    path, g_strerror(errsv));
	return FALSE;
}

/* what libupdater does when it verifies a download */
static gboolean
ubn_hash_libupdater(const gchar *path, guint8 digest[UPD_SHA256_LEN], guint64 *size, GError **error)
{
	return upd_sha256_file(path, digest, size, NULL, error);
}

/* the same loop as upd_sha256_file(), with GChecksum in place of GnuTLS */
static gboolean
ubn_hash_gchecksum(const gchar *path, guint8 digest[UPD_SHA256_LEN], guint64 *size, GError **error)
{
	g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree guint8 *buf = g_malloc(UBN_READ_SIZE);
	gsize digest_len = UPD_SHA256_LEN;
	guint64 total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return ubn_read_error(error, "open", path, errno);
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		ssize_t n = read(fd, buf, UBN_READ_SIZE);
		if (n < 0) {
			int errsv = errno;
			if (errsv == EINTR)
				continue;
			close(fd);
			return ubn_read_error(error, "read", path, errsv);
		}
		if (n == 0)
			break;
		g_checksum_update(checksum, buf, n);
		total += n;
	}
	close(fd);
	g_checksum_get_digest(checksum, digest, &digest_len);
	*size = total;
	return TRUE;
}

/* reads the whole file once so that the timed runs find it in the page cache */
static gboolean
ubn_warm_page_cache(const gchar *path, guint64 *size, GError **error)
{
	g_autofree guint8 *buf = g_malloc(UBN_READ_SIZE);
	guint64 total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return ubn_read_error(error, "open", path, errno);
	for (;;) {
		ssize_t n = read(fd, buf, UBN_READ_SIZE);
		if (n < 0) {
			int errsv = errno;
			if (errsv == EINTR)
				continue;
			close(fd);
			return ubn_read_error(error, "read", path, errsv);
		}
		if (n == 0)
			break;
		total += n;
	}
	close(fd);
	*size = total;
	return TRUE;
}

/* MB are 10^6 bytes, as sha256.sh and most disk tools count them */
static gdouble
ubn_mb_per_s(guint64 bytes, gint64 usec)
{
	return usec > 0 ? (gdouble)bytes / (gdouble)usec : 0.0;
}

static void
ubn_print_row(gboolean tsv,
	      const gchar *name,
	      guint64 bytes,
	      gint64 best_usec,
	      const guint8 digest[UPD_SHA256_LEN])
{
	g_autofree gchar *hex = upd_sha256_to_hex(digest);

	if (tsv)
		g_print("%s\t%.1f\t%.3f\t%s\n", name, ubn_mb_per_s(bytes, best_usec),
			best_usec / 1e6, hex);
	else
		g_print("%-40s %9.1f %9.3f  %s\n", name, ubn_mb_per_s(bytes, best_usec),
			best_usec / 1e6, hex);
}

/* best of @runs; every run must give the same digest and size */
static gboolean
ubn_time_file(UbnHashFunc func,
	      const gchar *path,
	      guint runs,
	      gint64 *best_usec,
	      guint8 digest[UPD_SHA256_LEN],
	      guint64 *size,
	      GError **error)
{
	*best_usec = G_MAXINT64;
	for (guint i = 0; i < runs; i++) {
		guint8 run_digest[UPD_SHA256_LEN];
		guint64 run_size = 0;
		gint64 start = g_get_monotonic_time();
		gint64 usec;

		if (!func(path, run_digest, &run_size, error))
			return FALSE;
		usec = g_get_monotonic_time() - start;
		*best_usec = MIN(*best_usec, usec);
		if (i > 0 &&
		    (run_size != *size || memcmp(run_digest, digest, UPD_SHA256_LEN) != 0)) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
				    "%s changed between two runs", path);
			return FALSE;
		}
		memcpy(digest, run_digest, UPD_SHA256_LEN);
		*size = run_size;
	}
	return TRUE;
}

/* hashing alone, without read(): @buf is hashed in 1 MiB updates */
static gint64
ubn_time_memory_upd(const guint8 *buf, gsize len, guint runs, guint8 digest[UPD_SHA256_LEN])
{
	g_autoptr(UpdSha256) sha = upd_sha256_new();
	gint64 best = G_MAXINT64;

	for (guint i = 0; i < runs; i++) {
		gint64 start = g_get_monotonic_time();
		for (gsize off = 0; off < len; off += UBN_READ_SIZE)
			upd_sha256_update(sha, buf + off, MIN(UBN_READ_SIZE, len - off));
		upd_sha256_finish(sha, digest);
		best = MIN(best, g_get_monotonic_time() - start);
	}
	return best;
}

static gint64
ubn_time_memory_gchecksum(const guint8 *buf, gsize len, guint runs, guint8 digest[UPD_SHA256_LEN])
{
	g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
	gint64 best = G_MAXINT64;

	for (guint i = 0; i < runs; i++) {
		gsize digest_len = UPD_SHA256_LEN;
		gint64 start = g_get_monotonic_time();
		for (gsize off = 0; off < len; off += UBN_READ_SIZE)
			g_checksum_update(checksum, buf + off, MIN(UBN_READ_SIZE, len - off));
		g_checksum_get_digest(checksum, digest, &digest_len);
		best = MIN(best, g_get_monotonic_time() - start);
		g_checksum_reset(checksum);
	}
	return best;
}

static gboolean
ubn_read_prefix(const gchar *path, gsize len, guint8 *buf, GError **error)
{
	gsize done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return ubn_read_error(error, "open", path, errno);
	while (done < len) {
		ssize_t n = read(fd, buf + done, len - done);
		if (n < 0) {
			int errsv = errno;
			if (errsv == EINTR)
				continue;
			close(fd);
			return ubn_read_error(error, "read", path, errsv);
		}
		if (n == 0)
			break;
		done += n;
	}
	close(fd);
	if (done != len) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s shrank while reading it",
			    path);
		return FALSE;
	}
	return TRUE;
}

int
main(int argc, char **argv)
{
	gint runs = 3;
	gboolean tsv = FALSE;
	gboolean no_memory = FALSE;
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *memory = NULL;
	const gchar *path;
	guint8 digest_upd[UPD_SHA256_LEN];
	guint8 digest_glib[UPD_SHA256_LEN];
	guint64 size = 0;
	guint64 size_upd = 0;
	guint64 size_glib = 0;
	gint64 usec_upd = 0;
	gint64 usec_glib = 0;
	gsize memory_len;
	const GOptionEntry entries[] = {
		{"runs", 'n', 0, G_OPTION_ARG_INT, &runs,
		 "Timed runs per implementation; the best counts (default: 3)", "N"},
		{"tsv", 0, 0, G_OPTION_ARG_NONE, &tsv,
		 "Print tab-separated rows: name, MB/s, seconds, digest", NULL},
		{"no-memory", 0, 0, G_OPTION_ARG_NONE, &no_memory,
		 "Skip the in-memory rows (hashing without read())", NULL},
		{NULL},
	};

	upt_cli_init("upd-bench-sha256");
	context = g_option_context_new("FILE");
	g_option_context_set_summary(context,
				     "Hash FILE with libupdater's SHA-256 (GnuTLS) and with GLib's "
				     "GChecksum, and print the throughput of each.");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error))
		return upt_cli_usage_error("%s", error->message);
	if (argc != 2)
		return upt_cli_usage_error("give one FILE to hash");
	if (runs < 1)
		return upt_cli_usage_error("--runs must be at least 1");
	path = argv[1];

	if (!ubn_warm_page_cache(path, &size, &error))
		return upt_cli_fail(g_steal_pointer(&error));
	if (!tsv) {
		g_print("file: %s, %" G_GUINT64_FORMAT " bytes, read once untimed so it is in the "
			"page cache\n",
			path, size);
		g_print("best of %d runs, 1 MiB read()s, MB = 10^6 bytes\n\n", runs);
		g_print("%-40s %9s %9s  %s\n", "implementation", "MB/s", "seconds", "sha256");
	}

	if (!ubn_time_file(ubn_hash_libupdater, path, (guint)runs, &usec_upd, digest_upd, &size_upd,
			   &error))
		return upt_cli_fail(g_steal_pointer(&error));
	ubn_print_row(tsv, "libupdater upd_sha256_file (GnuTLS)", size_upd, usec_upd, digest_upd);
	if (!ubn_time_file(ubn_hash_gchecksum, path, (guint)runs, &usec_glib, digest_glib,
			   &size_glib, &error))
		return upt_cli_fail(g_steal_pointer(&error));
	ubn_print_row(tsv, "GLib GChecksum", size_glib, usec_glib, digest_glib);
	if (size_upd != size_glib || memcmp(digest_upd, digest_glib, UPD_SHA256_LEN) != 0) {
		g_printerr("upd-bench-sha256: the two implementations disagree on %s\n", path);
		return UPT_EXIT_ERROR;
	}
	if (!tsv)
		g_print("the digests agree\n");

	if (no_memory)
		return UPT_EXIT_OK;
	/* hashing alone: what read() costs is the difference to the rows above */
	memory_len = (gsize)MIN(size, (guint64)UBN_MEMORY_MAX);
	memory = g_malloc(MAX(memory_len, 1));
	if (!ubn_read_prefix(path, memory_len, memory, &error))
		return upt_cli_fail(g_steal_pointer(&error));
	if (!tsv)
		g_print("\nhashing only, first %" G_GSIZE_FORMAT " bytes already in memory:\n",
			memory_len);
	usec_upd = ubn_time_memory_upd(memory, memory_len, (guint)runs, digest_upd);
	ubn_print_row(tsv, "libupdater upd_sha256_update (memory)", memory_len, usec_upd,
		      digest_upd);
	usec_glib = ubn_time_memory_gchecksum(memory, memory_len, (guint)runs, digest_glib);
	ubn_print_row(tsv, "GLib GChecksum (memory)", memory_len, usec_glib, digest_glib);
	if (memcmp(digest_upd, digest_glib, UPD_SHA256_LEN) != 0) {
		g_printerr("upd-bench-sha256: the two implementations disagree on memory\n");
		return UPT_EXIT_ERROR;
	}
	return UPT_EXIT_OK;
}
