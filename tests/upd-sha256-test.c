/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "upd-sha256-private.h"
#include "upd-test-common.h"

/* the digest of the empty string and of "abc" (FIPS 180-2), both ways */
static void
upd_sha256_test_known(void)
{
	const gchar *empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	const gchar *abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	guint8 digest[UPD_SHA256_LEN];
	g_autofree gchar *hex_empty = NULL;
	g_autofree gchar *hex_abc = NULL;
	g_autoptr(UpdSha256) threaded = upd_sha256_new_threaded();

	upd_sha256_finish(threaded, digest);
	hex_empty = upd_sha256_to_hex(digest);
	g_assert_cmpstr(hex_empty, ==, empty);
	upd_sha256_data("abc", 3, digest);
	hex_abc = upd_sha256_to_hex(digest);
	g_assert_cmpstr(hex_abc, ==, abc);
}

/* a threaded hash gives the plain one's digest whatever the sizes of the
 * updates (smaller than, equal to, larger than and straddling its 256 KiB
 * buffers, more than its four buffers at once), and stays usable after
 * finish, on the caller's thread */
static void
upd_sha256_test_threaded(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(7);
	gsize size = 5 * 1024 * 1024 + 12345;
	g_autofree guint8 *data = g_malloc(size);
	const gsize steps[] = {1, 4095, 256 * 1024, 256 * 1024 + 1, 1536 * 1024, size};
	guint8 want[UPD_SHA256_LEN];
	guint8 got[UPD_SHA256_LEN];

	for (gsize i = 0; i < size; i++)
		data[i] = (guint8)g_rand_int(rand);
	upd_sha256_data(data, size, want);
	for (guint s = 0; s < G_N_ELEMENTS(steps); s++) {
		g_autoptr(UpdSha256) sha = upd_sha256_new_threaded();
		for (gsize pos = 0; pos < size; pos += steps[s])
			upd_sha256_update(sha, data + pos, MIN(steps[s], size - pos));
		upd_sha256_finish(sha, got);
		g_assert_cmpmem(got, UPD_SHA256_LEN, want, UPD_SHA256_LEN);

		/* the next message, hashed on this thread now */
		upd_sha256_update(sha, "abc", 3);
		upd_sha256_finish(sha, got);
		upd_sha256_data("abc", 3, want);
		g_assert_cmpmem(got, UPD_SHA256_LEN, want, UPD_SHA256_LEN);
		upd_sha256_data(data, size, want);
	}
}

/* freed without finish, in the middle of a message: the thread ends and
 * nothing leaks (the ASan build checks that) */
static void
upd_sha256_test_threaded_free(void)
{
	g_autofree guint8 *data = g_malloc0(3 * 1024 * 1024);
	UpdSha256 *sha = upd_sha256_new_threaded();

	upd_sha256_update(sha, data, 3 * 1024 * 1024);
	upd_sha256_free(sha);
	upd_sha256_free(upd_sha256_new_threaded());
}

int
main(int argc, char **argv)
{
	upd_test_init(&argc, &argv);
	g_test_add_func("/libupdater/sha256/known", upd_sha256_test_known);
	g_test_add_func("/libupdater/sha256/threaded", upd_sha256_test_threaded);
	g_test_add_func("/libupdater/sha256/threaded-free", upd_sha256_test_threaded_free);
	return g_test_run();
}
