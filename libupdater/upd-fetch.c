/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <string.h>
#include <sys/statvfs.h>

#include "upd-delta-private.h"
#include "upd-error-private.h"
#include "upd-fetch-private.h"
#include "upd-file-private.h"
#include "upd-i18n-private.h"
#include "upd-plan-private.h"
#include "upd-sha256-private.h"
#include "upd-zstd-private.h"

#define UPD_FETCH_CHUNK	      (256 * 1024)
#define UPD_FETCH_META_GROUP  "Partial"
#define UPD_FETCH_SPACE_SLACK (1024 * 1024)
/* objects of at least this size are hashed on a thread of their own */
#define UPD_FETCH_THREADED_HASH_MIN (8 * 1024 * 1024)

typedef enum {
	UPD_FETCH_OK,
	UPD_FETCH_RETRY,    /* the same URL again, after a pause */
	UPD_FETCH_NEXT_URL, /* this URL cannot deliver the object */
	UPD_FETCH_FATAL,    /* stop: cancelled, or a local problem (disk) */
} UpdFetchOutcome;

/* The state of one object's download, kept across attempts. */
typedef struct {
	const Updater__Object *object; /* (unowned) */
	gboolean zstd;
	gchar *hex;
	gchar *dir;
	gchar *final_path;
	gchar *partial_path;
	gchar *tmp_path;
	gchar *meta_path;
	int partial_fd; /* the stored bytes received so far */
	int tmp_fd;	/* the decompressed bytes (zstd objects only) */
	guint64 received;
	guint64 produced;
	guint64 partial_writeback; /* write-back started up to here */
	guint64 tmp_writeback;
	UpdSha256 *stored_sha;	/* (owned) */
	UpdSha256 *content_sha; /* (owned): zstd objects only */
	ZSTD_DCtx *dctx;	/* (owned) (nullable) */
	gsize zstd_pending;	/* last ZSTD_decompressStream() hint: 0 at a frame end */
	guint8 *outbuf;		/* (owned) */
	gsize outcap;
	gchar *etag;	  /* (owned) (nullable): validator of the partial's server */
	gchar *etag_base; /* (owned) (nullable): that server's base URL */
	UpdFetchCounters *counters;
	gboolean finished; /* the content is under its final name */
	/* fsync the content and its directory before and after it gets its
	 * final name; FALSE for the parts of a pack, which are made durable
	 * together (upd_fetch_sync_cache()) */
	gboolean durable;
} UpdFetch;

static void
upd_fetch_counters_add(UpdFetchCounters *counters, gint64 done, guint64 network)
{
	for (UpdFetchCounters *c = counters; c != NULL; c = c->parent) {
		g_mutex_lock(&c->lock);
		c->done += done;
		c->network += network;
		g_mutex_unlock(&c->lock);
	}
}

static void
upd_fetch_free(UpdFetch *f)
{
	/* an unfinished download keeps what a resume needs, and nothing else: the
	 * decompressed file is rebuilt from the partial, and an empty partial
	 * (its bytes were wrong) is no partial; only files this fetch opened */
	if (!f->finished && f->partial_fd >= 0) {
		if (f->tmp_fd >= 0)
			g_unlink(f->tmp_path);
		if (f->received == 0) {
			g_unlink(f->partial_path);
			g_unlink(f->meta_path);
		}
	}
	if (f->partial_fd >= 0)
		close(f->partial_fd);
	if (f->tmp_fd >= 0)
		close(f->tmp_fd);
	g_clear_pointer(&f->stored_sha, upd_sha256_free);
	g_clear_pointer(&f->content_sha, upd_sha256_free);
	g_clear_pointer(&f->dctx, ZSTD_freeDCtx);
	g_free(f->outbuf);
	g_free(f->hex);
	g_free(f->dir);
	g_free(f->final_path);
	g_free(f->partial_path);
	g_free(f->tmp_path);
	g_free(f->meta_path);
	g_free(f->etag);
	g_free(f->etag_base);
	g_free(f);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdFetch, upd_fetch_free)

static gboolean
upd_fetch_set_error(GError **error, UpdError code, UpdFetch *f, const gchar *format, ...)
	G_GNUC_PRINTF(4, 5);

static gboolean
upd_fetch_set_error(GError **error, UpdError code, UpdFetch *f, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *msg = NULL;

	va_start(args, format);
	msg = g_strdup_vprintf(format, args);
	va_end(args);
	/* TRANSLATORS: "object 3f2a…: <reason>" */
	g_set_error(error, UPD_ERROR, code, _("object %s: %s"), f->hex, msg);
	return FALSE;
}

/* a hash for @size bytes: on a thread of its own from
 * UPD_FETCH_THREADED_HASH_MIN bytes on, so that hashing a large object does
 * not hold up receiving it */
static UpdSha256 *
upd_fetch_sha256_new(guint64 size)
{
	return size >= UPD_FETCH_THREADED_HASH_MIN ? upd_sha256_new_threaded() : upd_sha256_new();
}

/* feeds stored bytes to the hashes and, for zstd objects, the decompressor */
static gboolean
upd_fetch_sink(UpdFetch *f, const guint8 *data, gsize len, GError **error)
{
	ZSTD_inBuffer input = {data, len, 0};

	upd_sha256_update(f->stored_sha, data, len);
	if (!f->zstd) {
		f->produced += len;
		return TRUE;
	}
	while (input.pos < input.size) {
		ZSTD_outBuffer output = {f->outbuf, f->outcap, 0};
		gsize rc = ZSTD_decompressStream(f->dctx, &output, &input);
		if (ZSTD_isError(rc))
			return upd_fetch_set_error(error, UPD_ERROR_INVALID_DATA, f,
						   _("the zstd data is corrupt: %s"),
						   ZSTD_getErrorName(rc));
		f->zstd_pending = rc;
		if (f->produced + output.pos > f->object->size)
			return upd_fetch_set_error(error, UPD_ERROR_TOO_LARGE, f,
						   _("it decompresses to more than the declared "
						     "%" PRIu64 " bytes"),
						   (guint64)f->object->size);
		if (!upd_file_write_all(f->tmp_fd, f->outbuf, output.pos, f->tmp_path, error))
			return FALSE;
		upd_sha256_update(f->content_sha, f->outbuf, output.pos);
		f->produced += output.pos;
		upd_file_start_writeback(f->tmp_fd, &f->tmp_writeback, f->produced);
	}
	return TRUE;
}

/* appends freshly received bytes to the partial file */
static gboolean
upd_fetch_append(UpdFetch *f, const guint8 *data, gsize len, GError **error)
{
	if (!upd_file_write_all(f->partial_fd, data, len, f->partial_path, error))
		return FALSE;
	f->received += len;
	/* written back as it comes: the fsync() before the rename, which makes
	 * the object durable, then waits for the last chunk only (measured in
	 * bench/download-throughput.sh: 64 -> 80 % of curl's throughput) */
	upd_file_start_writeback(f->partial_fd, &f->partial_writeback, f->received);
	upd_fetch_counters_add(f->counters, (gint64)len, 0);
	return upd_fetch_sink(f, data, len, error);
}

/* forgets everything received: the next attempt starts from the first byte */
static gboolean
upd_fetch_reset(UpdFetch *f, GError **error)
{
	upd_fetch_counters_add(f->counters, -(gint64)f->received, 0);
	f->received = 0;
	f->produced = 0;
	f->partial_writeback = 0;
	f->tmp_writeback = 0;
	f->zstd_pending = 0;
	upd_sha256_free(f->stored_sha);
	f->stored_sha = upd_fetch_sha256_new(f->object->stored_size);
	if (f->zstd) {
		upd_sha256_free(f->content_sha);
		f->content_sha = upd_fetch_sha256_new(f->object->size);
		ZSTD_DCtx_reset(f->dctx, ZSTD_reset_session_only);
		if (ftruncate(f->tmp_fd, 0) != 0 || lseek(f->tmp_fd, 0, SEEK_SET) != 0) {
			upd_file_set_error_errno(error, errno, _("cannot truncate %s"),
						 f->tmp_path);
			return FALSE;
		}
	}
	g_clear_pointer(&f->etag, g_free);
	g_clear_pointer(&f->etag_base, g_free);
	g_unlink(f->meta_path);
	if (ftruncate(f->partial_fd, 0) != 0 || lseek(f->partial_fd, 0, SEEK_SET) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot truncate %s"), f->partial_path);
		return FALSE;
	}
	return TRUE;
}

static void
upd_fetch_save_meta(UpdFetch *f, const gchar *base, const gchar *etag)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree gchar *data = NULL;
	gsize len = 0;

	if (etag == NULL || (g_strcmp0(etag, f->etag) == 0 && g_strcmp0(base, f->etag_base) == 0))
		return;
	g_free(f->etag);
	f->etag = g_strdup(etag);
	g_free(f->etag_base);
	f->etag_base = g_strdup(base);
	g_key_file_set_string(kf, UPD_FETCH_META_GROUP, "Url", base);
	g_key_file_set_string(kf, UPD_FETCH_META_GROUP, "ETag", etag);
	data = g_key_file_to_data(kf, &len, NULL);
	/* only an optimisation for If-Range: a failure to save it costs nothing */
	if (!upd_file_replace_atomic(f->meta_path, data, len, 0644, NULL))
		g_debug("fetch %s: cannot save %s", f->hex, f->meta_path);
}

static void
upd_fetch_load_meta(UpdFetch *f)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	if (!g_key_file_load_from_file(kf, f->meta_path, G_KEY_FILE_NONE, NULL))
		return;
	f->etag_base = g_key_file_get_string(kf, UPD_FETCH_META_GROUP, "Url", NULL);
	f->etag = g_key_file_get_string(kf, UPD_FETCH_META_GROUP, "ETag", NULL);
}

static gboolean
upd_fetch_check_space(UpdFetch *f, GError **error)
{
	struct statvfs sv;
	guint64 needed = f->object->stored_size - f->received;
	guint64 available;

	if (f->zstd)
		needed += f->object->size - f->produced;
	if (statvfs(f->dir, &sv) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot tell the free space of %s"),
					 f->dir);
		return FALSE;
	}
	available = (guint64)sv.f_bavail * sv.f_frsize;
	if (available < needed + UPD_FETCH_SPACE_SLACK) {
		g_autofree gchar *needed_str = g_format_size(needed);
		g_autofree gchar *available_str = g_format_size(available);
		return upd_fetch_set_error(error, UPD_ERROR_NO_SPACE, f,
					   _("not enough free space in %s: %s needed, %s free"),
					   f->dir, needed_str, available_str);
	}
	return TRUE;
}

/* Opens the partial files and replays what an earlier attempt, or an earlier
 * process, left in them. Sets @done when the object is in the cache already. */
static UpdFetch *
upd_fetch_open(const Updater__Object *object,
	       UpdFetchCounters *counters,
	       gboolean *done,
	       GCancellable *cancellable,
	       GError **error)
{
	g_autoptr(UpdFetch) f = g_new0(UpdFetch, 1);
	g_autofree guint8 *buf = NULL;
	struct stat st;

	f->partial_fd = -1;
	f->tmp_fd = -1;
	f->durable = TRUE;
	f->object = object;
	f->counters = counters;
	f->zstd = object->compression == UPDATER__COMPRESSION__COMPRESSION_ZSTD;
	f->hex = upd_sha256_to_hex(object->sha256.data);
	f->final_path = upd_plan_cache_path(f->hex);
	f->dir = g_path_get_dirname(f->final_path);
	f->partial_path = g_strdup_printf("%s.partial", f->final_path);
	f->tmp_path = g_strdup_printf("%s.tmp", f->final_path);
	f->meta_path = g_strdup_printf("%s.partial.meta", f->final_path);

	*done = FALSE;
	if (stat(f->final_path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (guint64)st.st_size == object->size) {
		*done = TRUE;
		f->finished = TRUE;
		return g_steal_pointer(&f);
	}
	if (!upd_file_mkdir_parents(f->dir, 0700, error))
		return NULL;
	f->stored_sha = upd_fetch_sha256_new(object->stored_size);
	f->partial_fd = open(f->partial_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (f->partial_fd < 0 || fstat(f->partial_fd, &st) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot open %s"), f->partial_path);
		return NULL;
	}
	if (f->zstd) {
		f->content_sha = upd_fetch_sha256_new(object->size);
		f->dctx = ZSTD_createDCtx();
		/* the window a frame may ask for is bounded: 128 MiB at most */
		ZSTD_DCtx_setParameter(f->dctx, ZSTD_d_windowLogMax, 27);
		f->outcap = ZSTD_DStreamOutSize();
		f->outbuf = g_malloc(f->outcap);
		f->tmp_fd = open(f->tmp_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (f->tmp_fd < 0) {
			upd_file_set_error_errno(error, errno, _("cannot open %s"), f->tmp_path);
			return NULL;
		}
	}
	upd_fetch_load_meta(f);

	/* replay the partial through the hashes and the decompressor */
	if ((guint64)st.st_size > object->stored_size) {
		g_debug("fetch %s: partial larger than the object, starting over", f->hex);
		if (!upd_fetch_reset(f, error))
			return NULL;
	} else if (st.st_size > 0) {
		g_autoptr(GError) error_local = NULL;
		buf = g_malloc(UPD_FETCH_CHUNK);
		for (;;) {
			ssize_t n = read(f->partial_fd, buf, UPD_FETCH_CHUNK);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				upd_file_set_error_errno(error, errno, _("cannot read %s"),
							 f->partial_path);
				return NULL;
			}
			if (n == 0)
				break;
			if (!upd_fetch_sink(f, buf, (gsize)n, &error_local))
				break;
			f->received += (guint64)n;
			if (g_cancellable_set_error_if_cancelled(cancellable, error))
				return NULL;
		}
		if (error_local != NULL) {
			if (error_local->code == UPD_ERROR_IO ||
			    error_local->code == UPD_ERROR_NO_SPACE) {
				g_propagate_error(error, g_steal_pointer(&error_local));
				return NULL;
			}
			g_debug("fetch %s: partial unusable (%s), starting over", f->hex,
				error_local->message);
			if (!upd_fetch_reset(f, error))
				return NULL;
		} else {
			upd_fetch_counters_add(counters, (gint64)f->received, 0);
			g_debug("fetch %s: resuming at %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT,
				f->hex, f->received, (guint64)object->stored_size);
		}
	}
	if (!upd_fetch_check_space(f, error))
		return NULL;
	return g_steal_pointer(&f);
}

/* checks both digests, then gives the content its final name */
static gboolean
upd_fetch_finish(UpdFetch *f, const gchar *url, GError **error)
{
	guint8 stored[UPD_SHA256_LEN];
	guint8 content[UPD_SHA256_LEN];
	int fd = f->zstd ? f->tmp_fd : f->partial_fd;
	const gchar *path = f->zstd ? f->tmp_path : f->partial_path;

	upd_sha256_finish(f->stored_sha, stored);
	if (memcmp(stored, f->object->stored_sha256.data, UPD_SHA256_LEN) != 0) {
		g_autofree gchar *expected = upd_sha256_to_hex(f->object->stored_sha256.data);
		g_autofree gchar *actual = upd_sha256_to_hex(stored);
		return upd_fetch_set_error(error, UPD_ERROR_DIGEST_MISMATCH, f,
					   _("%s sent bytes whose SHA-256 is %s, expected %s"), url,
					   actual, expected);
	}
	if (f->zstd) {
		if (f->zstd_pending != 0 || f->produced != f->object->size)
			return upd_fetch_set_error(
				error, UPD_ERROR_INVALID_DATA, f,
				_("the zstd data ends early: %" PRIu64 " of %" PRIu64 " bytes"),
				f->produced, (guint64)f->object->size);
		upd_sha256_finish(f->content_sha, content);
	} else {
		memcpy(content, stored, UPD_SHA256_LEN);
	}
	if (memcmp(content, f->object->sha256.data, UPD_SHA256_LEN) != 0) {
		g_autofree gchar *expected = upd_sha256_to_hex(f->object->sha256.data);
		g_autofree gchar *actual = upd_sha256_to_hex(content);
		return upd_fetch_set_error(error, UPD_ERROR_DIGEST_MISMATCH, f,
					   _("%s sent content whose SHA-256 is %s, expected %s"),
					   url, actual, expected);
	}
	if (f->durable && fsync(fd) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot write %s"), path);
		return FALSE;
	}
	if (rename(path, f->final_path) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot move %s into place"),
					 f->final_path);
		return FALSE;
	}
	if (f->durable && !upd_file_fsync_dir(f->dir, error))
		return FALSE;
	f->finished = TRUE;
	if (f->zstd)
		g_unlink(f->partial_path);
	g_unlink(f->meta_path);
	/* what a delta left when it was interrupted while applying */
	{
		g_autofree gchar *patched = g_strdup_printf("%s.patched", f->final_path);
		g_unlink(patched);
	}
	return TRUE;
}

/* local trouble (disk full, I/O) stops everything; bad data only this URL */
static UpdFetchOutcome
upd_fetch_classify_local(UpdFetch *f, GError *error)
{
	if (error->domain == UPD_ERROR &&
	    (error->code == UPD_ERROR_INVALID_DATA || error->code == UPD_ERROR_TOO_LARGE ||
	     error->code == UPD_ERROR_DIGEST_MISMATCH))
		return UPD_FETCH_NEXT_URL;
	return UPD_FETCH_FATAL;
}

static UpdFetchOutcome
upd_fetch_attempt(UpdFetch *f,
		  const gchar *base,
		  SoupSession *session,
		  UpdRateLimiter *limiter,
		  GCancellable *cancellable,
		  gboolean *progressed,
		  GError **error)
{
	g_autofree gchar *url = g_strconcat(base, f->object->path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new(SOUP_METHOD_GET, url);
	g_autoptr(GInputStream) stream = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autofree guint8 *buf = NULL;
	SoupMessageHeaders *headers;
	guint64 stored_size = f->object->stored_size;
	goffset start = 0;
	goffset end = 0;
	goffset total = 0;
	guint status;

	if (msg == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("%s is not a valid URL"), url);
		return UPD_FETCH_NEXT_URL;
	}
	headers = soup_message_get_request_headers(msg);
	soup_message_headers_replace(headers, "Accept-Encoding", "identity");
	if (f->received > 0) {
		soup_message_headers_set_range(headers, (goffset)f->received, -1);
		/* an ETag only means something to the server that gave it */
		if (f->etag != NULL && g_strcmp0(f->etag_base, base) == 0)
			soup_message_headers_replace(headers, "If-Range", f->etag);
	}
	g_debug("fetch %s: GET %s from byte %" G_GUINT64_FORMAT, f->hex, url, f->received);

	stream = soup_session_send(session, msg, cancellable, &error_local);
	if (stream == NULL) {
		if (g_cancellable_set_error_if_cancelled(cancellable, error))
			return UPD_FETCH_FATAL;
		upd_error_convert(&error_local);
		g_propagate_prefixed_error(error, g_steal_pointer(&error_local), "%s: ", url);
		/* a refused certificate is this server's problem, never ignored */
		return (*error)->code == UPD_ERROR_TLS ? UPD_FETCH_NEXT_URL : UPD_FETCH_RETRY;
	}

	status = soup_message_get_status(msg);
	if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE) {
		if (!upd_fetch_reset(f, error))
			return UPD_FETCH_FATAL;
		g_set_error(error, UPD_ERROR, UPD_ERROR_SERVER,
			    _("%s refused the range; starting over"), url);
		return UPD_FETCH_RETRY;
	}
	if (!SOUP_STATUS_IS_SUCCESSFUL(status)) {
		g_set_error(error, UPD_ERROR,
			    status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE
				    ? UPD_ERROR_NOT_FOUND
				    : UPD_ERROR_SERVER,
			    _("%s answered %u %s"), url, status,
			    soup_message_get_reason_phrase(msg));
		if (status >= 500 || status == SOUP_STATUS_REQUEST_TIMEOUT || status == 429)
			return UPD_FETCH_RETRY;
		return UPD_FETCH_NEXT_URL;
	}

	headers = soup_message_get_response_headers(msg);
	if (status == SOUP_STATUS_PARTIAL_CONTENT) {
		if (!soup_message_headers_get_content_range(headers, &start, &end, &total) ||
		    start != (goffset)f->received ||
		    (total != -1 && total != (goffset)stored_size)) {
			if (!upd_fetch_reset(f, error))
				return UPD_FETCH_FATAL;
			g_set_error(error, UPD_ERROR, UPD_ERROR_SERVER,
				    _("%s answered with another range than asked for"), url);
			return UPD_FETCH_RETRY;
		}
	} else if (f->received > 0) {
		/* the server ignored the range (or the If-Range did not match): the
		 * body starts at the first byte, so must the partial */
		g_debug("fetch %s: %s ignored the range, starting over", f->hex, base);
		if (!upd_fetch_reset(f, error))
			return UPD_FETCH_FATAL;
	}
	if (soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CONTENT_LENGTH &&
	    f->received + (guint64)soup_message_headers_get_content_length(headers) > stored_size) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_TOO_LARGE,
			    _("%s announces more than the declared %" PRIu64 " bytes of object %s"),
			    url, stored_size, f->hex);
		return UPD_FETCH_NEXT_URL;
	}
	upd_fetch_save_meta(f, base, soup_message_headers_get_one(headers, "ETag"));

	buf = g_malloc(UPD_FETCH_CHUNK);
	for (;;) {
		gsize want = limiter != NULL
				     ? upd_rate_limiter_get_chunk_size(limiter, UPD_FETCH_CHUNK)
				     : UPD_FETCH_CHUNK;
		gssize n = g_input_stream_read(stream, buf, want, cancellable, &error_local);

		if (n < 0) {
			if (g_cancellable_set_error_if_cancelled(cancellable, error))
				return UPD_FETCH_FATAL;
			/* the session's I/O timeout is the stall detector */
			if (g_error_matches(error_local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
				g_set_error(error, UPD_ERROR, UPD_ERROR_NETWORK,
					    _("%s stalled after %" PRIu64 " of %" PRIu64 " bytes"),
					    url, f->received, stored_size);
			} else {
				upd_error_convert(&error_local);
				g_propagate_prefixed_error(error, g_steal_pointer(&error_local),
							   "%s: ", url);
			}
			return UPD_FETCH_RETRY;
		}
		if (n == 0)
			break;
		/* an endless or oversized answer: refuse it, keep nothing of it */
		if (f->received + (guint64)n > stored_size) {
			if (!upd_fetch_reset(f, error))
				return UPD_FETCH_FATAL;
			g_set_error(
				error, UPD_ERROR, UPD_ERROR_TOO_LARGE,
				_("%s sent more than the declared %" PRIu64 " bytes of object %s"),
				url, stored_size, f->hex);
			return UPD_FETCH_NEXT_URL;
		}
		if (!upd_fetch_append(f, buf, (gsize)n, &error_local)) {
			UpdFetchOutcome outcome = upd_fetch_classify_local(f, error_local);
			if (outcome == UPD_FETCH_NEXT_URL && !upd_fetch_reset(f, error))
				return UPD_FETCH_FATAL;
			g_propagate_error(error, g_steal_pointer(&error_local));
			return outcome;
		}
		*progressed = TRUE;
		upd_fetch_counters_add(f->counters, 0, (guint64)n);
		if (limiter != NULL &&
		    !upd_rate_limiter_consume(limiter, (gsize)n, cancellable, error))
			return UPD_FETCH_FATAL;
	}
	if (f->received < stored_size) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_NETWORK,
			    _("%s closed the connection after %" PRIu64 " of %" PRIu64 " bytes"),
			    url, f->received, stored_size);
		return UPD_FETCH_RETRY;
	}
	if (!upd_fetch_finish(f, url, &error_local)) {
		UpdFetchOutcome outcome = upd_fetch_classify_local(f, error_local);
		/* wrong bytes are not kept: the next URL starts from nothing */
		if (outcome == UPD_FETCH_NEXT_URL && !upd_fetch_reset(f, error))
			return UPD_FETCH_FATAL;
		g_propagate_error(error, g_steal_pointer(&error_local));
		return outcome;
	}
	return UPD_FETCH_OK;
}

static guint
upd_fetch_backoff(const UpdFetchPolicy *policy, guint failures)
{
	guint64 delay = (guint64)policy->retry_delay_ms << MIN(failures - 1, 20u);
	delay = MIN(delay, (guint64)policy->max_delay_ms);
	/* jitter: between 75% and 125%, so that clients do not retry in step */
	return (guint)(delay * g_random_double_range(0.75, 1.25));
}

gboolean
upd_fetch_object(const Updater__Object *object,
		 GPtrArray *base_urls,
		 SoupSession *session,
		 UpdRateLimiter *limiter,
		 const UpdFetchPolicy *policy,
		 UpdFetchCounters *counters,
		 GCancellable *cancellable,
		 GError **error)
{
	g_autoptr(UpdFetch) f = NULL;
	g_autoptr(GError) last_error = NULL;
	g_autoptr(GError) mismatch = NULL;
	gboolean done = FALSE;

	f = upd_fetch_open(object, counters, &done, cancellable, error);
	if (f == NULL)
		return FALSE;
	if (done)
		return TRUE;

	for (guint i = 0; i < base_urls->len; i++) {
		const gchar *base = g_ptr_array_index(base_urls, i);
		guint failures = 0;

		for (;;) {
			g_autoptr(GError) error_local = NULL;
			gboolean progressed = FALSE;
			UpdFetchOutcome outcome = upd_fetch_attempt(
				f, base, session, limiter, cancellable, &progressed, &error_local);
			if (outcome == UPD_FETCH_OK)
				return TRUE;
			if (outcome == UPD_FETCH_FATAL) {
				/* the partial stays for the next attempt */
				upd_error_convert(&error_local);
				g_propagate_error(error, g_steal_pointer(&error_local));
				return FALSE;
			}
			g_debug("fetch %s: %s", f->hex, error_local->message);
			if (g_error_matches(error_local, UPD_ERROR, UPD_ERROR_DIGEST_MISMATCH) &&
			    mismatch == NULL)
				mismatch = g_error_copy(error_local);
			g_clear_error(&last_error);
			last_error = g_steal_pointer(&error_local);
			if (outcome == UPD_FETCH_NEXT_URL)
				break;
			/* a connection that made progress before it broke is retried at
			 * once; one that made none backs off, and gives up in the end */
			if (progressed) {
				failures = 0;
				continue;
			}
			if (++failures >= policy->max_attempts)
				break;
			if (!upd_sleep_cancellable(upd_fetch_backoff(policy, failures), cancellable,
						   error)) {
				upd_error_convert(error);
				return FALSE;
			}
		}
	}
	/* wrong bytes are the finding that matters, whatever failed afterwards */
	if (mismatch != NULL) {
		g_propagate_error(error, g_steal_pointer(&mismatch));
		return FALSE;
	}
	g_propagate_error(error, g_steal_pointer(&last_error));
	return FALSE;
}

gboolean
upd_fetch_object_from_pack(const Updater__Object *object,
			   int pack_fd,
			   const gchar *pack_path,
			   guint64 offset,
			   GCancellable *cancellable,
			   GError **error)
{
	/* the pack's download counted these bytes already */
	UpdFetchCounters counters = {0};
	g_autoptr(UpdFetch) f = NULL;
	g_autofree guint8 *buf = NULL;
	gboolean done = FALSE;
	gboolean ok;

	g_mutex_init(&counters.lock);
	f = upd_fetch_open(object, &counters, &done, cancellable, error);
	ok = f != NULL;
	if (ok && !done) {
		f->durable = FALSE;
		buf = g_malloc(UPD_FETCH_CHUNK);
		while (ok && f->received < object->stored_size) {
			gsize want = (gsize)MIN((guint64)UPD_FETCH_CHUNK,
						object->stored_size - f->received);
			gssize n = pread(pack_fd, buf, want, (off_t)(offset + f->received));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				if (n < 0)
					upd_file_set_error_errno(error, errno, _("cannot read %s"),
								 pack_path);
				else
					g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
						    _("pack %s ends before object %s"), pack_path,
						    f->hex);
				ok = FALSE;
				break;
			}
			ok = upd_fetch_append(f, buf, (gsize)n, error) &&
			     !g_cancellable_set_error_if_cancelled(cancellable, error);
		}
		ok = ok && upd_fetch_finish(f, pack_path, error);
	}
	g_clear_pointer(&f, upd_fetch_free);
	g_mutex_clear(&counters.lock);
	if (!ok)
		upd_error_convert(error);
	return ok;
}

/* ------------------------------------------------------------------ deltas */

/* applies the delta at [@delta_offset, + the patch's size) of @delta_fd
 * (named @delta_name) to @base_path and gives the result the object's final
 * cache name, once it verified */
static gboolean
upd_fetch_apply_delta(const Updater__Object *object,
		      const Updater__Delta *delta,
		      const gchar *base_path,
		      int delta_fd,
		      guint64 delta_offset,
		      const gchar *delta_name,
		      gboolean durable,
		      GCancellable *cancellable,
		      GError **error)
{
	g_autofree gchar *hex = upd_sha256_to_hex(object->sha256.data);
	g_autofree gchar *final_path = upd_plan_cache_path(hex);
	g_autofree gchar *dir = g_path_get_dirname(final_path);
	g_autofree gchar *tmp_path = g_strdup_printf("%s.patched", final_path);
	g_autoptr(GOutputStream) out = NULL;
	g_autoptr(GError) error_local = NULL;
	guint8 digest[UPD_SHA256_LEN];
	struct statvfs sv;
	struct stat st;
	int fd;

	if (!upd_file_mkdir_parents(dir, 0700, error))
		return FALSE;
	if (statvfs(dir, &sv) == 0 &&
	    (guint64)sv.f_bavail * sv.f_frsize < object->size + UPD_FETCH_SPACE_SLACK) {
		g_autofree gchar *needed = g_format_size(object->size);
		g_set_error(error, UPD_ERROR, UPD_ERROR_NO_SPACE,
			    _("object %s: not enough free space in %s: %s needed"), hex, dir,
			    needed);
		return FALSE;
	}
	fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		upd_file_set_error_errno(error, errno, _("cannot create %s"), tmp_path);
		return FALSE;
	}
	/* the stream owns the descriptor */
	out = g_unix_output_stream_new(fd, TRUE);
	if (!upd_delta_apply_at((UpdDeltaFormat)delta->format, base_path, delta_fd, delta_offset,
				delta->patch->stored_size, delta_name, out, object->size, digest,
				cancellable, &error_local)) {
		g_unlink(tmp_path);
		upd_error_convert(&error_local);
		g_propagate_prefixed_error(error, g_steal_pointer(&error_local),
					   _("object %s: applying the delta: "), hex);
		return FALSE;
	}
	if (memcmp(digest, object->sha256.data, UPD_SHA256_LEN) != 0 || fstat(fd, &st) != 0 ||
	    (guint64)st.st_size != object->size) {
		g_autofree gchar *expected = upd_sha256_to_hex(object->sha256.data);
		g_autofree gchar *actual = upd_sha256_to_hex(digest);
		g_unlink(tmp_path);
		g_set_error(error, UPD_ERROR, UPD_ERROR_DIGEST_MISMATCH,
			    _("object %s: the delta from %s gave content whose SHA-256 is %s, "
			      "expected %s"),
			    hex, base_path, actual, expected);
		return FALSE;
	}
	if (durable && fsync(fd) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot write %s"), tmp_path);
		g_unlink(tmp_path);
		return FALSE;
	}
	if (rename(tmp_path, final_path) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot move %s into place"), final_path);
		g_unlink(tmp_path);
		return FALSE;
	}
	return !durable || upd_file_fsync_dir(dir, error);
}

static gboolean
upd_fetch_apply_cached_delta(const Updater__Object *object,
			     const Updater__Delta *delta,
			     const gchar *base_path,
			     GCancellable *cancellable,
			     GError **error);

gboolean
upd_fetch_delta(const Updater__Object *object,
		const Updater__Delta *delta,
		const gchar *base_path,
		GPtrArray *base_urls,
		SoupSession *session,
		UpdRateLimiter *limiter,
		const UpdFetchPolicy *policy,
		UpdFetchCounters *counters,
		GCancellable *cancellable,
		GError **error)
{
	if (!upd_fetch_object(delta->patch, base_urls, session, limiter, policy, counters,
			      cancellable, error))
		return FALSE;
	return upd_fetch_apply_cached_delta(object, delta, base_path, cancellable, error);
}

gboolean
upd_fetch_delta_from_pack(const Updater__Object *object,
			  const Updater__Delta *delta,
			  const gchar *base_path,
			  int pack_fd,
			  const gchar *pack_path,
			  guint64 offset,
			  GCancellable *cancellable,
			  GError **error)
{
	/* applied where it is: the pack verified, and so does the result */
	g_autofree gchar *hex = upd_sha256_to_hex(delta->patch->sha256.data);
	g_autofree gchar *name = g_strdup_printf("%s (%s)", pack_path, hex);
	gboolean ok = upd_fetch_apply_delta(object, delta, base_path, pack_fd, offset, name, FALSE,
					    cancellable, error);
	if (!ok)
		upd_error_convert(error);
	return ok;
}

/* applies @delta, verified in the cache, to @base_path; the delta goes once it
 * did its job or proved useless */
static gboolean
upd_fetch_apply_cached_delta(const Updater__Object *object,
			     const Updater__Delta *delta,
			     const gchar *base_path,
			     GCancellable *cancellable,
			     GError **error)
{
	g_autofree gchar *delta_hex = upd_sha256_to_hex(delta->patch->sha256.data);
	g_autofree gchar *delta_path = upd_plan_cache_path(delta_hex);
	g_autoptr(GError) error_local = NULL;
	gboolean ok;

	{
		g_auto(UpdFd) fd = open(delta_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			upd_file_set_error_errno(&error_local, errno, _("cannot open %s"),
						 delta_path);
			ok = FALSE;
		} else {
			ok = upd_fetch_apply_delta(object, delta, base_path, fd, 0, delta_path,
						   TRUE, cancellable, &error_local);
		}
	}
	/* a verified delta interrupted while applying is applied again next time;
	 * otherwise it has done its job, or proved useless */
	if (ok || !g_error_matches(error_local, UPD_ERROR, UPD_ERROR_CANCELLED))
		g_unlink(delta_path);
	if (!ok) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	return TRUE;
}

gboolean
upd_fetch_delta_can_fall_back(const GError *error)
{
	if (error->domain != UPD_ERROR)
		return TRUE;
	switch (error->code) {
	case UPD_ERROR_CANCELLED:
	case UPD_ERROR_NO_SPACE:
	case UPD_ERROR_NETWORK:
	case UPD_ERROR_TLS:
		return FALSE;
	default:
		return TRUE;
	}
}
