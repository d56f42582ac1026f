/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>

#include "upd-json-private.h"

static void
upd_json_append_string(GString *out, const gchar *str)
{
	g_string_append_c(out, '"');
	for (const gchar *p = str; *p != '\0'; p++) {
		guchar c = (guchar)*p;
		switch (c) {
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\r':
			g_string_append(out, "\\r");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				g_string_append_printf(out, "\\u%04x", c);
			else
				g_string_append_c(out, (gchar)c);
		}
	}
	g_string_append_c(out, '"');
}

static void
upd_json_indent(GString *out, guint depth, gboolean pretty)
{
	if (!pretty)
		return;
	g_string_append_c(out, '\n');
	for (guint i = 0; i < depth; i++)
		g_string_append(out, "  ");
}

static gint
upd_json_compare_entries(gconstpointer a, gconstpointer b)
{
	g_autoptr(GVariant) ka = g_variant_get_child_value(*(GVariant **)a, 0);
	g_autoptr(GVariant) kb = g_variant_get_child_value(*(GVariant **)b, 0);
	return g_strcmp0(g_variant_get_string(ka, NULL), g_variant_get_string(kb, NULL));
}

static void
upd_json_append(GString *out, GVariant *value, guint depth, gboolean pretty)
{
	const GVariantType *type = g_variant_get_type(value);

	if (g_variant_type_equal(type, G_VARIANT_TYPE_VARIANT)) {
		g_autoptr(GVariant) inner = g_variant_get_variant(value);
		upd_json_append(out, inner, depth, pretty);
	} else if (g_variant_type_is_maybe(type)) {
		g_autoptr(GVariant) inner = g_variant_get_maybe(value);
		if (inner == NULL)
			g_string_append(out, "null");
		else
			upd_json_append(out, inner, depth, pretty);
	} else if (g_variant_type_equal(type, G_VARIANT_TYPE_BOOLEAN)) {
		g_string_append(out, g_variant_get_boolean(value) ? "true" : "false");
	} else if (g_variant_type_equal(type, G_VARIANT_TYPE_BYTE)) {
		g_string_append_printf(out, "%u", g_variant_get_byte(value));
	} else if (g_variant_type_equal(type, G_VARIANT_TYPE_INT16)) {
		g_string_append_printf(out, "%d", g_variant_get_int16(value));
	} else if (g_variant_type_equal(type, G_VARIANT_TYPE_UINT16)) {
		g_string_append_printf(out, "%u", g_variant_get_uint16(value));
	} else if (g_variant_type_equal(type, G_VARIANT_TYPE_INT32)) {
		g_string_append_printf(out, "%d", g_variant_get_int32(value));
	} else if (g_variant_type_equal(type, G_VARIANT_TYPE_UINT32)) {
		g_string_append_printf(out, "%u", g_variant_get_uint32(value));
	} else if (g_variant_type_equal(type, G_VARIANT_TYPE_INT64)) {
		g_string_append_printf(out, "%" G_GINT64_FORMAT, g_variant_get_int64(value));
	} else if (g_variant_type_equal(type, G_VARIANT_TYPE_UINT64)) {
		g_string_append_printf(out, "%" G_GUINT64_FORMAT, g_variant_get_uint64(value));
	} else if (g_variant_type_equal(type, G_VARIANT_TYPE_DOUBLE)) {
		gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
		gdouble d = g_variant_get_double(value);
		if (isfinite(d))
			g_string_append(out, g_ascii_dtostr(buf, sizeof(buf), d));
		else
			g_string_append(out, "null");
	} else if (g_variant_type_is_basic(type)) {
		/* strings, object paths, signatures */
		upd_json_append_string(out, g_variant_get_string(value, NULL));
	} else if (g_variant_type_is_array(type) &&
		   g_variant_type_is_dict_entry(g_variant_type_element(type)) &&
		   g_variant_type_equal(g_variant_type_key(g_variant_type_element(type)),
					G_VARIANT_TYPE_STRING)) {
		gsize n = g_variant_n_children(value);
		g_autoptr(GPtrArray) entries =
			g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);

		/* GVariantDict keeps no order: sort the keys so output is stable */
		for (gsize i = 0; i < n; i++)
			g_ptr_array_add(entries, g_variant_get_child_value(value, i));
		g_ptr_array_sort(entries, upd_json_compare_entries);
		g_string_append_c(out, '{');
		for (gsize i = 0; i < n; i++) {
			GVariant *entry = g_ptr_array_index(entries, i);
			g_autoptr(GVariant) key = g_variant_get_child_value(entry, 0);
			g_autoptr(GVariant) val = g_variant_get_child_value(entry, 1);
			upd_json_indent(out, depth + 1, pretty);
			upd_json_append_string(out, g_variant_get_string(key, NULL));
			g_string_append(out, pretty ? ": " : ":");
			upd_json_append(out, val, depth + 1, pretty);
			if (i + 1 < n)
				g_string_append_c(out, ',');
		}
		if (n > 0)
			upd_json_indent(out, depth, pretty);
		g_string_append_c(out, '}');
	} else {
		/* other arrays, tuples, dict entries with other keys */
		gsize n = g_variant_n_children(value);
		g_string_append_c(out, '[');
		for (gsize i = 0; i < n; i++) {
			g_autoptr(GVariant) child = g_variant_get_child_value(value, i);
			upd_json_indent(out, depth + 1, pretty);
			upd_json_append(out, child, depth + 1, pretty);
			if (i + 1 < n)
				g_string_append_c(out, ',');
		}
		if (n > 0)
			upd_json_indent(out, depth, pretty);
		g_string_append_c(out, ']');
	}
}

gchar *
upd_json_from_variant(GVariant *value)
{
	GString *out = g_string_new(NULL);
	upd_json_append(out, value, 0, TRUE);
	return g_string_free(out, FALSE);
}

gchar *
upd_json_from_variant_line(GVariant *value)
{
	GString *out = g_string_new(NULL);
	upd_json_append(out, value, 0, FALSE);
	return g_string_free(out, FALSE);
}
