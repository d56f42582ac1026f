/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "upd-json-private.h"
#include "upd-test-common.h"

/* what we write, a real JSON parser reads back with the same values */
static void
upd_json_test_roundtrip(void)
{
	g_autoptr(GVariant) value = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *json = NULL;
	GVariantBuilder list;
	GVariantDict dict;
	JsonObject *object;
	JsonArray *array;

	g_variant_builder_init(&list, G_VARIANT_TYPE("aa{sv}"));
	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "version", "s", "2.0");
	g_variant_builder_add_value(&list, g_variant_dict_end(&dict));
	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "text", "s",
			      "quote \" backslash \\ newline \n tab \t ctl \x01 ü 中");
	g_variant_dict_insert(&dict, "big", "t", G_MAXUINT64);
	g_variant_dict_insert(&dict, "negative", "x", G_MININT64 + 1);
	g_variant_dict_insert(&dict, "flag", "b", TRUE);
	g_variant_dict_insert(&dict, "nothing", "ms", NULL);
	g_variant_dict_insert(&dict, "something", "ms", "x");
	g_variant_dict_insert(&dict, "ratio", "d", 0.25);
	g_variant_dict_insert_value(&dict, "releases", g_variant_builder_end(&list));
	g_variant_dict_insert(&dict, "names", "^as", (const gchar *const[]){"a", "b", NULL});
	g_variant_dict_insert(&dict, "empty", "a{sv}", NULL);
	value = g_variant_ref_sink(g_variant_dict_end(&dict));
	json = upd_json_from_variant(value);

	g_assert_true(json_parser_load_from_data(parser, json, -1, &error));
	g_assert_no_error(error);
	object = json_node_get_object(json_parser_get_root(parser));
	g_assert_cmpstr(json_object_get_string_member(object, "text"), ==,
			"quote \" backslash \\ newline \n tab \t ctl \x01 ü 中");
	g_assert_true(json_object_get_boolean_member(object, "flag"));
	g_assert_true(json_object_get_null_member(object, "nothing"));
	g_assert_cmpstr(json_object_get_string_member(object, "something"), ==, "x");
	g_assert_cmpint(json_object_get_int_member(object, "negative"), ==, G_MININT64 + 1);
	g_assert_cmpfloat(json_object_get_double_member(object, "ratio"), ==, 0.25);
	array = json_object_get_array_member(object, "releases");
	g_assert_cmpuint(json_array_get_length(array), ==, 1);
	g_assert_cmpstr(
		json_object_get_string_member(json_array_get_object_element(array, 0), "version"),
		==, "2.0");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(object, "names")), ==,
			 2);
	/* 64-bit values are written exactly, not rounded through a double */
	g_assert_nonnull(strstr(json, "18446744073709551615"));
	/* keys come out sorted, so output is stable */
	g_assert_true(strstr(json, "\"big\"") < strstr(json, "\"version\"") ||
		      strstr(json, "\"version\"") == NULL);
	g_assert_true(strstr(json, "\"big\"") < strstr(json, "\"text\""));
}

int
main(int argc, char **argv)
{
	upd_test_init(&argc, &argv);
	g_test_add_func("/libupdater/json/roundtrip", upd_json_test_roundtrip);
	return g_test_run();
}
