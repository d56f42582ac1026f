/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * A preload module for bench/download-throughput.sh: it changes what a
 * download does without changing libupdater, to measure what one step costs.
 * Never for real use: "nohash" makes a download accept whatever it receives.
 *
 *   LD_PRELOAD=build/bench/upd-bench-whatif.so UPD_WHATIF=LIST updaterctl ...
 *
 * LIST is a comma-separated list of:
 *   nofsync    fsync() and fdatasync() return at once
 *   writeback  every 16 MiB written to a regular file, start its write-back
 *              (sync_file_range(SYNC_FILE_RANGE_WRITE)), so that the final
 *              fsync() has only the tail left to write
 *   nohash     gnutls_hash() calls of 64 KiB or more do nothing, and the
 *              digest of such a hash is UPD_WHATIF_SHA256 (64 hex digits):
 *              SHA-256 of a download without its CPU time; only for objects
 *              stored raw (one hash per download)
 */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WHATIF_WRITEBACK_STEP (16 * 1024 * 1024)
#define WHATIF_MAX_FD	      4096
#define WHATIF_HASH_BIG	      (64 * 1024)
#define WHATIF_MAX_HANDLES    64

static int whatif_flags = -1;
enum {
	WHATIF_NOFSYNC = 1 << 0,
	WHATIF_WRITEBACK = 1 << 1,
	WHATIF_NOHASH = 1 << 2,
};

static off_t writeback_started[WHATIF_MAX_FD];
static gnutls_hash_hd_t big_handles[WHATIF_MAX_HANDLES];
static unsigned char whatif_digest[32];
static pthread_mutex_t whatif_lock = PTHREAD_MUTEX_INITIALIZER;

static int
whatif_get_flags(void)
{
	const char *list;
	char *copy;
	char *saveptr = NULL;
	int flags = 0;

	if (__atomic_load_n(&whatif_flags, __ATOMIC_ACQUIRE) >= 0)
		return whatif_flags;
	pthread_mutex_lock(&whatif_lock);
	if (whatif_flags >= 0) {
		pthread_mutex_unlock(&whatif_lock);
		return whatif_flags;
	}
	list = getenv("UPD_WHATIF");
	copy = strdup(list != NULL ? list : "");
	for (char *word = strtok_r(copy, ",", &saveptr); word != NULL;
	     word = strtok_r(NULL, ",", &saveptr)) {
		if (strcmp(word, "nofsync") == 0) {
			flags |= WHATIF_NOFSYNC;
		} else if (strcmp(word, "writeback") == 0) {
			flags |= WHATIF_WRITEBACK;
		} else if (strcmp(word, "nohash") == 0) {
			const char *hex = getenv("UPD_WHATIF_SHA256");
			if (hex == NULL || strlen(hex) != 64) {
				fprintf(stderr,
					"upd-bench-whatif: nohash needs UPD_WHATIF_SHA256\n");
				abort();
			}
			for (int i = 0; i < 32; i++) {
				unsigned int byte;
				if (sscanf(hex + 2 * i, "%2x", &byte) != 1) {
					fprintf(stderr,
						"upd-bench-whatif: bad UPD_WHATIF_SHA256\n");
					abort();
				}
				whatif_digest[i] = (unsigned char)byte;
			}
			flags |= WHATIF_NOHASH;
		} else if (*word != '\0') {
			fprintf(stderr, "upd-bench-whatif: unknown UPD_WHATIF word %s\n", word);
			abort();
		}
	}
	free(copy);
	__atomic_store_n(&whatif_flags, flags, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&whatif_lock);
	return flags;
}

static void *
whatif_next(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);
	if (fn == NULL) {
		fprintf(stderr, "upd-bench-whatif: no %s\n", name);
		abort();
	}
	return fn;
}

int
fsync(int fd)
{
	static int (*real)(int);
	if (whatif_get_flags() & WHATIF_NOFSYNC)
		return 0;
	if (real == NULL)
		real = (int (*)(int))whatif_next("fsync");
	return real(fd);
}

int
fdatasync(int fd)
{
	static int (*real)(int);
	if (whatif_get_flags() & WHATIF_NOFSYNC)
		return 0;
	if (real == NULL)
		real = (int (*)(int))whatif_next("fdatasync");
	return real(fd);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	static ssize_t (*real)(int, const void *, size_t);
	ssize_t n;
	int saved_errno;
	off_t pos;
	struct stat st;

	if (real == NULL)
		real = (ssize_t(*)(int, const void *, size_t))whatif_next("write");
	n = real(fd, buf, len);
	if (n <= 0 || fd < 0 || fd >= WHATIF_MAX_FD || !(whatif_get_flags() & WHATIF_WRITEBACK))
		return n;
	saved_errno = errno;
	pos = lseek(fd, 0, SEEK_CUR);
	/* a file truncated, or another file on this descriptor number */
	if (pos < writeback_started[fd])
		writeback_started[fd] = 0;
	if (pos - writeback_started[fd] >= WHATIF_WRITEBACK_STEP && fstat(fd, &st) == 0 &&
	    S_ISREG(st.st_mode)) {
		sync_file_range(fd, writeback_started[fd], pos - writeback_started[fd],
				SYNC_FILE_RANGE_WRITE);
		writeback_started[fd] = pos;
	}
	errno = saved_errno;
	return n;
}

static int
whatif_is_big(gnutls_hash_hd_t handle, int mark)
{
	int found = 0;
	pthread_mutex_lock(&whatif_lock);
	for (int i = 0; i < WHATIF_MAX_HANDLES && !found; i++) {
		if (big_handles[i] == handle)
			found = 1;
	}
	for (int i = 0; i < WHATIF_MAX_HANDLES && mark && !found; i++) {
		if (big_handles[i] == NULL) {
			big_handles[i] = handle;
			found = 1;
		}
	}
	pthread_mutex_unlock(&whatif_lock);
	return found;
}

static void
whatif_forget(gnutls_hash_hd_t handle)
{
	pthread_mutex_lock(&whatif_lock);
	for (int i = 0; i < WHATIF_MAX_HANDLES; i++) {
		if (big_handles[i] == handle)
			big_handles[i] = NULL;
	}
	pthread_mutex_unlock(&whatif_lock);
}

int
gnutls_hash(gnutls_hash_hd_t handle, const void *text, size_t textlen)
{
	static int (*real)(gnutls_hash_hd_t, const void *, size_t);
	if ((whatif_get_flags() & WHATIF_NOHASH) &&
	    whatif_is_big(handle, textlen >= WHATIF_HASH_BIG))
		return 0;
	if (real == NULL)
		real = (int (*)(gnutls_hash_hd_t, const void *, size_t))whatif_next("gnutls_hash");
	return real(handle, text, textlen);
}

void
gnutls_hash_output(gnutls_hash_hd_t handle, void *digest)
{
	static void (*real)(gnutls_hash_hd_t, void *);
	if (real == NULL)
		real = (void (*)(gnutls_hash_hd_t, void *))whatif_next("gnutls_hash_output");
	real(handle, digest);
	if ((whatif_get_flags() & WHATIF_NOHASH) && whatif_is_big(handle, 0) && digest != NULL)
		memcpy(digest, whatif_digest, sizeof whatif_digest);
}

void
gnutls_hash_deinit(gnutls_hash_hd_t handle, void *digest)
{
	static void (*real)(gnutls_hash_hd_t, void *);
	if (real == NULL)
		real = (void (*)(gnutls_hash_hd_t, void *))whatif_next("gnutls_hash_deinit");
	real(handle, digest);
	if (whatif_get_flags() & WHATIF_NOHASH) {
		if (whatif_is_big(handle, 0) && digest != NULL)
			memcpy(digest, whatif_digest, sizeof whatif_digest);
		whatif_forget(handle);
	}
}
