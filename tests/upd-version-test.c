/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-test-common.h"
#include "updater.h"

static void
upd_version_test_order(void)
{
	/* each pair: first < second */
	const gchar *ascending[][2] = {
		{"1.9", "1.10"},
		{"1.0", "1.0.1"},
		{"1.2.3", "1.2.10"},
		{"0.9.9", "1"},
		{"2.0.0-rc.1", "2.0.0"},
		{"2.0.0-alpha", "2.0.0-alpha.1"},
		{"2.0.0-alpha.1", "2.0.0-alpha.beta"},
		{"2.0.0-alpha.beta", "2.0.0-beta"},
		{"2.0.0-beta", "2.0.0-beta.2"},
		{"2.0.0-beta.2", "2.0.0-beta.11"},
		{"2.0.0-beta.11", "2.0.0-rc.1"},
		{"2.0.0-rc.1", "2.0.0-rc.1a"},
		{"1.0-rc.9", "1.0"},
		{"99999999999999999", "100000000000000000"},
		{"1.0.0", "1.0.0.1"},
	};
	const gchar *equal[][2] = {
		{"1.0", "1.0.0"},
		{"1", "1.0.0.0"},
		{"01.2", "1.02"},
		{"2.0.0+build.5", "2.0.0+build.9"},
		{"2.0.0-rc.1+x", "2.0.0-rc.1"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(ascending); i++) {
		g_assert_cmpint(upd_version_compare(ascending[i][0], ascending[i][1]), <, 0);
		g_assert_cmpint(upd_version_compare(ascending[i][1], ascending[i][0]), >, 0);
	}
	for (guint i = 0; i < G_N_ELEMENTS(equal); i++)
		g_assert_cmpint(upd_version_compare(equal[i][0], equal[i][1]), ==, 0);
}

static gint
upd_version_test_sort_cb(gconstpointer a, gconstpointer b)
{
	return upd_version_compare(*(const gchar **)a, *(const gchar **)b);
}

static void
upd_version_test_sort(void)
{
	const gchar *input[] = {"2.0.0", "1.10", "2.0.0-rc.1", "1.9", "1.9.1", "0.1", "2.0.0-beta"};
	const gchar *sorted[] = {"0.1",	       "1.9",	     "1.9.1", "1.10",
				 "2.0.0-beta", "2.0.0-rc.1", "2.0.0"};
	g_autoptr(GPtrArray) versions = g_ptr_array_new();

	for (guint i = 0; i < G_N_ELEMENTS(input); i++)
		g_ptr_array_add(versions, (gpointer)input[i]);
	g_ptr_array_sort(versions, upd_version_test_sort_cb);
	for (guint i = 0; i < G_N_ELEMENTS(sorted); i++)
		g_assert_cmpstr(g_ptr_array_index(versions, i), ==, sorted[i]);
}

static void
upd_version_test_validate(void)
{
	const gchar *valid[] = {"1", "1.0", "1.10.3", "2.0.0-rc.1", "1.0+git.abc", "3.1-beta-2"};
	const gchar *invalid[] = {"",
				  "1..2",
				  ".1",
				  "1.",
				  "v1.0",
				  "1.0-",
				  "1.0-rc..1",
				  "1.0 beta",
				  "../1.0",
				  "1/0",
				  "1.0+",
				  "1.0-rc_1",
				  "1234567890123456789.0"};

	for (guint i = 0; i < G_N_ELEMENTS(valid); i++) {
		g_autoptr(GError) error = NULL;
		g_assert_true(upd_version_validate(valid[i], &error));
		g_assert_no_error(error);
	}
	for (guint i = 0; i < G_N_ELEMENTS(invalid); i++) {
		g_autoptr(GError) error = NULL;
		g_assert_false(upd_version_validate(invalid[i], &error));
		g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_VERSION);
		g_assert_nonnull(error->message);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autofree gchar *long_version = g_strnfill(200, '1');
		g_assert_false(upd_version_validate(long_version, &error));
		g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_VERSION);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(upd_version_validate(NULL, &error));
		g_assert_error(error, UPD_ERROR, UPD_ERROR_INVALID_VERSION);
	}
}

static void
upd_version_test_invalid_sorts_last(void)
{
	/* sorting never fails: strings that are not versions go after every version */
	g_assert_cmpint(upd_version_compare("not a version", "1.0"), >, 0);
	g_assert_cmpint(upd_version_compare("1.0", "not a version"), <, 0);
	g_assert_cmpint(upd_version_compare("a b", "a b"), ==, 0);
}

int
main(int argc, char **argv)
{
	upd_test_init(&argc, &argv);
	g_test_add_func("/libupdater/version/order", upd_version_test_order);
	g_test_add_func("/libupdater/version/sort", upd_version_test_sort);
	g_test_add_func("/libupdater/version/validate", upd_version_test_validate);
	g_test_add_func("/libupdater/version/invalid-sorts-last",
			upd_version_test_invalid_sorts_last);
	return g_test_run();
}
