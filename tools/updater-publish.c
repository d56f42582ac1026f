/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upd-error.h"
#include "upd-file-private.h"
#include "upd-i18n-private.h"
#include "upd-key.h"
#include "upd-manifest-private.h"
#include "upd-pack-private.h"
#include "upd-payload-type-private.h"
#include "upd-release-private.h"
#include "upd-validate-private.h"
#include "upd-version-common.h"
#include "upt-cli.h"
#include "upt-delta-maker.h"
#include "upt-repository.h"
#include "upt-staging.h"

#define UPT_PUBLISH_DEFAULT_EXPIRES_DAYS 30
#define UPT_PUBLISH_DEFAULT_LEVEL	 12
#define UPT_PUBLISH_DEFAULT_DELTA_BASES	 2
#define UPT_PUBLISH_MAX_DELTA_BASES	 100
#define UPT_PUBLISH_UNSET		 G_MININT

typedef struct {
	gchar *repo;
	gchar **keys;
	gchar *app_id;
	gchar *channel;
	gchar *version;
	gchar *type;
	gchar *component;
	gchar *kind;
	gint rollout;
	gboolean mandatory;
	gchar *minimum_version;
	gchar **notes_files;
	gint expires_days;
	gchar **mirrors;
	gint level;
	gint delta_bases;
	gint delta_memory; /* MiB; 0: half of the physical memory */
	gboolean no_packs;
	gboolean json;
	gboolean verbose;
} UptPublishOptions;

static void
upt_publish_options_clear(UptPublishOptions *opts)
{
	g_free(opts->repo);
	g_strfreev(opts->keys);
	g_free(opts->app_id);
	g_free(opts->channel);
	g_free(opts->version);
	g_free(opts->type);
	g_free(opts->component);
	g_free(opts->kind);
	g_free(opts->minimum_version);
	g_strfreev(opts->notes_files);
	g_strfreev(opts->mirrors);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(UptPublishOptions, upt_publish_options_clear)

/* Options a command does not use are an error, not silently ignored. The
 * letters say which commands take each option: k(eygen) r(elease) s (resign)
 * l(ist). */
static gboolean
upt_publish_check_applicable(UptPublishOptions *opts, const gchar *command, GError **error)
{
	const struct {
		const gchar *name;
		gboolean set;
		const gchar *commands;
	} table[] = {
		{"--repo", opts->repo != NULL, "rsl"},
		{"--key", opts->keys != NULL, "rs"},
		{"--app", opts->app_id != NULL, "rsl"},
		{"--channel", opts->channel != NULL, "rsl"},
		{"--version", opts->version != NULL, "r"},
		{"--type", opts->type != NULL, "r"},
		{"--component", opts->component != NULL, "r"},
		{"--kind", opts->kind != NULL, "r"},
		{"--rollout", opts->rollout != UPT_PUBLISH_UNSET, "r"},
		{"--mandatory", opts->mandatory, "r"},
		{"--minimum-version", opts->minimum_version != NULL, "r"},
		{"--notes-file", opts->notes_files != NULL, "r"},
		{"--expires-days", opts->expires_days != UPT_PUBLISH_UNSET, "rs"},
		{"--mirror", opts->mirrors != NULL, "rs"},
		{"--level", opts->level != UPT_PUBLISH_UNSET, "r"},
		{"--delta-bases", opts->delta_bases != UPT_PUBLISH_UNSET, "r"},
		{"--delta-memory", opts->delta_memory != UPT_PUBLISH_UNSET, "r"},
		{"--no-packs", opts->no_packs, "r"},
		{"--json", opts->json, "rl"},
	};
	gchar letter = g_strcmp0(command, "resign") == 0 ? 's' : command[0];

	for (guint i = 0; i < G_N_ELEMENTS(table); i++) {
		if (table[i].set && strchr(table[i].commands, letter) == NULL) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
				    _("option %s does not apply to %s"), table[i].name, command);
			return FALSE;
		}
	}
	return TRUE;
}

/* Memory of a manifest built by hand: protobuf-c only reads it while packing. */
typedef struct {
	GPtrArray *blocks; /* (owned): everything below is freed with it */
} UptArena;

static gpointer
upt_arena_take(UptArena *arena, gpointer block)
{
	g_ptr_array_add(arena->blocks, block);
	return block;
}

static gchar *
upt_arena_strdup(UptArena *arena, const gchar *str)
{
	return upt_arena_take(arena, g_strdup(str));
}

/* ---------------------------------------------------------------- keygen */

static int
upt_publish_keygen(UptPublishOptions *opts, gchar **args)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdKey) key = NULL;
	g_autofree gchar *secret_path = NULL;
	g_autofree gchar *public_path = NULL;
	g_autofree gchar *line = NULL;

	if (args[0] == NULL || args[1] != NULL)
		return upt_cli_usage_error(_("keygen takes one argument, the file prefix"));
	secret_path = g_strdup_printf("%s.secret", args[0]);
	public_path = g_strdup_printf("%s.pub", args[0]);
	if (g_file_test(secret_path, G_FILE_TEST_EXISTS) ||
	    g_file_test(public_path, G_FILE_TEST_EXISTS)) {
		return upt_cli_fail(g_error_new(UPD_ERROR, UPD_ERROR_ALREADY_EXISTS,
						_("%s or %s exists already; not overwriting a key"),
						secret_path, public_path));
	}
	key = upd_key_generate(&error);
	if (key == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	if (!upd_key_save_secret_file(key, secret_path, &error))
		return upt_cli_fail(g_steal_pointer(&error));
	if (!upd_key_save_public_file(key, public_path, &error)) {
		unlink(secret_path);
		return upt_cli_fail(g_steal_pointer(&error));
	}
	line = upd_key_to_public_line(key);
	g_print("%s\n", line);
	g_printerr(_("Wrote %s (keep it secret) and %s.\n"), secret_path, public_path);
	g_printerr(_("Give applications the line above as PublicKey=.\n"));
	return UPT_EXIT_OK;
}

/* --------------------------------------------------------------- release */

static GPtrArray *
upt_publish_load_keys(UptPublishOptions *opts, GError **error)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_object_unref);

	if (opts->keys == NULL || opts->keys[0] == NULL) {
		g_set_error_literal(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
				    _("no signing key: give --key PREFIX.secret"));
		return NULL;
	}
	for (guint i = 0; opts->keys[i] != NULL; i++) {
		UpdKey *key = upd_key_new_from_secret_file(opts->keys[i], error);
		if (key == NULL)
			return NULL;
		g_ptr_array_add(keys, key);
	}
	return g_steal_pointer(&keys);
}

static Updater__ReleaseNote **
upt_publish_load_notes(UptPublishOptions *opts, UptArena *arena, gsize *n_notes, GError **error)
{
	guint n = opts->notes_files != NULL ? g_strv_length(opts->notes_files) : 0;
	Updater__ReleaseNote **notes = upt_arena_take(arena, g_new0(Updater__ReleaseNote *, n + 1));
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < n; i++) {
		const gchar *arg = opts->notes_files[i];
		const gchar *eq = strchr(arg, '=');
		g_autofree gchar *lang = NULL;
		gchar *text = NULL;
		gsize len = 0;
		Updater__ReleaseNote *note;

		if (eq == NULL || eq == arg || eq[1] == '\0') {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
				    _("--notes-file “%s” is not of the form LANG=FILE"), arg);
			return NULL;
		}
		lang = g_strndup(arg, eq - arg);
		for (const gchar *p = lang; *p != '\0'; p++) {
			if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-' && *p != '@') {
				g_set_error(
					error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
					_("“%s” is not a language code such as en, ru or zh_CN"),
					lang);
				return NULL;
			}
		}
		if (!g_file_get_contents(eq + 1, &text, &len, error)) {
			g_prefix_error(error, _("release notes: "));
			return NULL;
		}
		upt_arena_take(arena, text);
		if (!g_utf8_validate(text, len, NULL) || strlen(text) != len) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
				    _("release notes %s are not UTF-8 text"), eq + 1);
			return NULL;
		}
		if (!g_hash_table_add(seen, upt_arena_strdup(arena, lang))) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
				    _("release notes for language %s are given twice"), lang);
			return NULL;
		}
		note = upt_arena_take(arena, g_new0(Updater__ReleaseNote, 1));
		updater__release_note__init(note);
		note->language = upt_arena_strdup(arena, lang);
		note->text = g_strchomp(text);
		notes[i] = note;
	}
	*n_notes = n;
	return notes;
}

static gint
upt_publish_compare_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar **)a, *(const gchar **)b);
}

/* walks a directory into tree entries, sorted, without following links */
static gboolean
upt_publish_walk_tree(UptStaging *staging,
		      UptArena *arena,
		      const gchar *root,
		      const gchar *relative,
		      GPtrArray *entries,
		      GError **error)
{
	g_autofree gchar *dir_path =
		relative != NULL ? g_build_filename(root, relative, NULL) : g_strdup(root);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	DIR *dir = opendir(dir_path);
	struct dirent *de;

	if (dir == NULL) {
		upd_file_set_error_errno(error, errno, _("cannot read directory %s"), dir_path);
		return FALSE;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			g_ptr_array_add(names, g_strdup(de->d_name));
	}
	closedir(dir);
	g_ptr_array_sort(names, upt_publish_compare_names);

	if (names->len == 0 && relative != NULL) {
		Updater__TreeEntry *entry = upt_arena_take(arena, g_new0(Updater__TreeEntry, 1));
		updater__tree_entry__init(entry);
		entry->path = upt_arena_strdup(arena, relative);
		entry->has_directory = TRUE;
		entry->directory = TRUE;
		entry->has_mode = TRUE;
		entry->mode = 0755;
		g_ptr_array_add(entries, entry);
		return TRUE;
	}

	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index(names, i);
		g_autofree gchar *child_rel = relative != NULL
						      ? g_strdup_printf("%s/%s", relative, name)
						      : g_strdup(name);
		g_autofree gchar *child_path = g_build_filename(root, child_rel, NULL);
		Updater__TreeEntry *entry;
		struct stat st;

		if (lstat(child_path, &st) != 0) {
			upd_file_set_error_errno(error, errno, _("cannot read %s"), child_path);
			return FALSE;
		}
		if (S_ISDIR(st.st_mode)) {
			if (!upt_publish_walk_tree(staging, arena, root, child_rel, entries, error))
				return FALSE;
			continue;
		}
		if (!upd_validate_relative_path(_("file"), child_rel, error))
			return FALSE;
		entry = upt_arena_take(arena, g_new0(Updater__TreeEntry, 1));
		updater__tree_entry__init(entry);
		entry->path = upt_arena_strdup(arena, child_rel);
		entry->has_mode = TRUE;
		if (S_ISREG(st.st_mode)) {
			entry->mode = (st.st_mode & 0111) != 0 ? 0755 : 0644;
			entry->object = (Updater__Object *)upt_staging_add_file(staging, child_path,
										NULL, error);
			if (entry->object == NULL)
				return FALSE;
		} else if (S_ISLNK(st.st_mode)) {
			g_autofree gchar *target = g_file_read_link(child_path, error);
			if (target == NULL)
				return FALSE;
			entry->mode = 0777;
			entry->symlink_target = upt_arena_strdup(arena, target);
		} else {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
				    _("%s is not a regular file, directory or symbolic link"),
				    child_path);
			return FALSE;
		}
		g_ptr_array_add(entries, entry);
	}
	return TRUE;
}

static gboolean
upt_publish_check_options(UptPublishOptions *opts,
			  const gchar *path,
			  UpdPayloadType *type,
			  Updater__ComponentKind *kind,
			  GError **error)
{
	if (opts->repo == NULL || opts->app_id == NULL || opts->version == NULL) {
		g_set_error_literal(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
				    _("release needs --repo, --app and --version"));
		return FALSE;
	}
	if (!upd_validate_app_id(opts->app_id, error) ||
	    !upd_validate_channel(opts->channel, error) ||
	    !upd_validate_component_name(opts->component, error) ||
	    !upd_version_validate(opts->version, error))
		return FALSE;
	if (opts->minimum_version != NULL && !upd_version_validate(opts->minimum_version, error))
		return FALSE;
	if (opts->rollout < 0 || opts->rollout > 100) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("--rollout %d is not a percentage from 0 to 100"), opts->rollout);
		return FALSE;
	}
	if (opts->expires_days < 1 || opts->expires_days > 3660) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("--expires-days %d is not from 1 to 3660"), opts->expires_days);
		return FALSE;
	}
	if (opts->level < 1 || opts->level > 22) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("--level %d is not a zstd level from 1 to 22"), opts->level);
		return FALSE;
	}
	if (opts->delta_bases < 0 || opts->delta_bases > UPT_PUBLISH_MAX_DELTA_BASES) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("--delta-bases %d is not a number of releases from 0 to %d"),
			    opts->delta_bases, UPT_PUBLISH_MAX_DELTA_BASES);
		return FALSE;
	}
	if (opts->delta_memory < 0) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("--delta-memory %d is not a size in MiB (0 for half of the memory)"),
			    opts->delta_memory);
		return FALSE;
	}
	for (guint i = 0; opts->mirrors != NULL && opts->mirrors[i] != NULL; i++) {
		g_autofree gchar *scheme = g_uri_parse_scheme(opts->mirrors[i]);
		if (g_strcmp0(scheme, "http") != 0 && g_strcmp0(scheme, "https") != 0) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
				    _("--mirror “%s” is not an http or https URL"),
				    opts->mirrors[i]);
			return FALSE;
		}
	}

	if (opts->kind == NULL || g_strcmp0(opts->kind, "application") == 0) {
		*kind = UPDATER__COMPONENT_KIND__COMPONENT_KIND_APPLICATION;
	} else if (g_strcmp0(opts->kind, "plugin") == 0) {
		*kind = UPDATER__COMPONENT_KIND__COMPONENT_KIND_PLUGIN;
	} else if (g_strcmp0(opts->kind, "file") == 0) {
		*kind = UPDATER__COMPONENT_KIND__COMPONENT_KIND_FILE;
	} else {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("--kind “%s” is not application, plugin or file"), opts->kind);
		return FALSE;
	}

	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_NOT_FOUND, _("payload %s does not exist"),
			    path);
		return FALSE;
	}
	if (opts->type != NULL) {
		*type = upd_payload_type_from_string(opts->type);
		if (*type == UPD_PAYLOAD_TYPE_UNKNOWN) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
				    _("--type “%s” is not one of exe, dll, zip, tar.gz, tar.xz, "
				      "tar.zst, rpm, tree"),
				    opts->type);
			return FALSE;
		}
	} else if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
		*type = UPD_PAYLOAD_TYPE_TREE;
	} else {
		*type = upd_payload_type_guess_from_filename(path);
		if (*type == UPD_PAYLOAD_TYPE_UNKNOWN) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
				    _("cannot tell the payload type of %s from its name; "
				      "give --type"),
				    path);
			return FALSE;
		}
	}
	if (*type == UPD_PAYLOAD_TYPE_TREE) {
		if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
				    _("a tree payload must be a directory; %s is not"), path);
			return FALSE;
		}
		return TRUE;
	}
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("payload %s is not a regular file"), path);
		return FALSE;
	}
	/* a payload that is not what it claims would only fail on every client */
	return upd_payload_type_check_file(*type, path, error);
}

/* the component of @release with @name, NULL without one */
static const Updater__Payload *
upt_publish_find_payload(const Updater__Release *release, const gchar *name)
{
	for (gsize i = 0; i < release->n_components; i++) {
		if (g_strcmp0(release->components[i]->name, name) == 0)
			return release->components[i]->payload;
	}
	return NULL;
}

/* the base for a file that an earlier tree does not have at its path: the
 * file with the same name elsewhere in that tree (a new translation of a
 * catalogue other languages have, a file that moved), the closest in size
 * when there are several; NULL when no file has that name */
static const Updater__Object *
upt_publish_base_by_name(GHashTable *by_name, const gchar *path, guint64 size)
{
	g_autofree gchar *name = g_path_get_basename(path);
	GPtrArray *candidates = g_hash_table_lookup(by_name, name);
	const Updater__Object *best = NULL;
	guint64 best_distance = G_MAXUINT64;

	for (guint i = 0; candidates != NULL && i < candidates->len; i++) {
		const Updater__Object *object = g_ptr_array_index(candidates, i);
		guint64 distance = object->size > size ? object->size - size : size - object->size;
		if (distance < best_distance) {
			best = object;
			best_distance = distance;
		}
	}
	return best;
}

/* Asks for deltas to each object of the new release from the same tree path
 * (or the same component's single payload) in each of the channel's last
 * --delta-bases releases, newest first; for a file at a new path, from the
 * file of the same name (upt_publish_base_by_name()). */
static void
upt_publish_request_deltas(UptPublishOptions *opts,
			   const Updater__Manifest *old_pb,
			   const gchar *path,
			   const Updater__Payload *payload,
			   UptDeltaMaker *maker)
{
	gsize n = old_pb->n_releases;
	gboolean tree = payload->type == UPDATER__PAYLOAD_TYPE__PAYLOAD_TYPE_TREE;

	for (gsize r = n; r > 0 && n - r < (gsize)opts->delta_bases; r--) {
		const Updater__Payload *old =
			upt_publish_find_payload(old_pb->releases[r - 1], opts->component);
		g_autoptr(GHashTable) by_path = NULL;
		g_autoptr(GHashTable) by_name = NULL;

		if (old == NULL)
			continue;
		if (!tree) {
			if (old->type != UPDATER__PAYLOAD_TYPE__PAYLOAD_TYPE_TREE &&
			    old->object != NULL)
				upt_delta_maker_add(maker, payload->object, path, old->object);
			continue;
		}
		if (old->type != UPDATER__PAYLOAD_TYPE__PAYLOAD_TYPE_TREE)
			continue;
		by_path = g_hash_table_new(g_str_hash, g_str_equal);
		by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
						(GDestroyNotify)g_ptr_array_unref);
		for (gsize i = 0; i < old->n_entries; i++) {
			const Updater__TreeEntry *entry = old->entries[i];
			gchar *name;
			GPtrArray *same_name;

			if (entry->object == NULL)
				continue;
			g_hash_table_insert(by_path, entry->path, entry->object);
			name = g_path_get_basename(entry->path);
			same_name = g_hash_table_lookup(by_name, name);
			if (same_name == NULL) {
				same_name = g_ptr_array_new();
				g_hash_table_insert(by_name, name, same_name);
			} else {
				g_free(name);
			}
			g_ptr_array_add(same_name, entry->object);
		}
		for (gsize i = 0; i < payload->n_entries; i++) {
			const Updater__TreeEntry *entry = payload->entries[i];
			const Updater__Object *base;
			g_autofree gchar *file = NULL;

			if (entry->object == NULL)
				continue;
			base = g_hash_table_lookup(by_path, entry->path);
			if (base == NULL)
				base = upt_publish_base_by_name(by_name, entry->path,
								entry->object->size);
			if (base == NULL)
				continue;
			file = g_build_filename(path, entry->path, NULL);
			upt_delta_maker_add(maker, entry->object, file, base);
		}
	}
}

/* makes the deltas and puts the objects that list them into @payload */
static UptDeltaMaker *
upt_publish_make_deltas(UptPublishOptions *opts,
			UptRepository *repo,
			UptStaging *staging,
			const Updater__Manifest *old_pb,
			const gchar *path,
			Updater__Payload *payload,
			GError **error)
{
	guint64 bound = opts->delta_memory > 0 ? (guint64)opts->delta_memory * 1024 * 1024
					       : upt_delta_maker_default_memory_bound();
	g_autoptr(UptDeltaMaker) maker =
		upt_delta_maker_new(repo, staging, bound, g_get_num_processors());

	upt_publish_request_deltas(opts, old_pb, path, payload, maker);
	if (!upt_delta_maker_run(maker, error))
		return NULL;
	if (payload->object != NULL)
		payload->object =
			(Updater__Object *)upt_delta_maker_get_object(maker, payload->object);
	for (gsize i = 0; i < payload->n_entries; i++) {
		Updater__TreeEntry *entry = payload->entries[i];
		if (entry->object != NULL)
			entry->object =
				(Updater__Object *)upt_delta_maker_get_object(maker, entry->object);
	}
	return g_steal_pointer(&maker);
}

/* one pack (updater.proto's Pack) from each of the channel's last
 * --delta-bases releases to @release, when it has more than one part: a
 * client with that release installed downloads the pack in one request
 * instead of each object and delta in its own */
static gboolean
upt_publish_make_packs(UptPublishOptions *opts,
		       UptStaging *staging,
		       const Updater__Manifest *old_pb,
		       Updater__Release *release,
		       UptArena *arena,
		       GError **error)
{
	g_autoptr(GPtrArray) packs = g_ptr_array_new();
	gsize n = old_pb->n_releases;

	for (gsize r = n; r > 0 && n - r < (gsize)opts->delta_bases; r--) {
		const Updater__Release *base = old_pb->releases[r - 1];
		guint64 size = 0;
		g_autoptr(GArray) parts = upd_pack_parts(release, base, &size);
		const Updater__Object *object;
		Updater__Pack *pack;

		if (parts->len < 2)
			continue;
		object = upt_staging_add_pack(staging, parts, NULL, error);
		if (object == NULL) {
			g_prefix_error(error, _("cannot make the pack from %s: "), base->version);
			return FALSE;
		}
		pack = upt_arena_take(arena, g_new0(Updater__Pack, 1));
		updater__pack__init(pack);
		pack->from_version = base->version;
		pack->object = (Updater__Object *)object;
		g_ptr_array_add(packs, pack);
	}
	release->n_packs = packs->len;
	release->packs =
		upt_arena_take(arena, g_memdup2(packs->pdata, packs->len * sizeof(gpointer)));
	return TRUE;
}

static int
upt_publish_release(UptPublishOptions *opts, gchar **args)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) keys = NULL;
	g_autoptr(UptRepository) repo = NULL;
	g_autoptr(UptStaging) staging = NULL;
	g_autoptr(UpdManifest) old = NULL;
	g_autoptr(GBytes) signed_manifest = NULL;
	g_autoptr(UptDeltaMaker) deltas = NULL;
	g_autoptr(GPtrArray) entries = g_ptr_array_new();
	g_autoptr(GPtrArray) arena_blocks = g_ptr_array_new_with_free_func(g_free);
	UptArena arena = {arena_blocks};
	Updater__Manifest manifest = UPDATER__MANIFEST__INIT;
	Updater__Release release = UPDATER__RELEASE__INIT;
	Updater__Component component = UPDATER__COMPONENT__INIT;
	Updater__Component *components[1] = {&component};
	Updater__Payload payload = UPDATER__PAYLOAD__INIT;
	const Updater__Manifest *old_pb = NULL;
	UpdPayloadType type = UPD_PAYLOAD_TYPE_UNKNOWN;
	Updater__ComponentKind kind = UPDATER__COMPONENT_KIND__COMPONENT_KIND_APPLICATION;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	const gchar *path;
	gsize n_notes = 0;
	gdouble delta_seconds = 0;

	if (args[0] == NULL || args[1] != NULL)
		return upt_cli_usage_error(_("release takes one argument, the payload"));
	path = args[0];
	if (!upt_publish_check_options(opts, path, &type, &kind, &error))
		return upt_cli_fail(g_steal_pointer(&error));
	keys = upt_publish_load_keys(opts, &error);
	if (keys == NULL)
		return upt_cli_fail(g_steal_pointer(&error));

	release.notes = upt_publish_load_notes(opts, &arena, &n_notes, &error);
	if (release.notes == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	release.n_notes = n_notes;

	repo = upt_repository_open(opts->repo, TRUE, &error);
	if (repo == NULL || !upt_repository_lock(repo, &error))
		return upt_cli_fail(g_steal_pointer(&error));
	old = upt_repository_load_manifest(repo, opts->app_id, opts->channel, &error);
	if (old == NULL && !g_error_matches(error, UPD_ERROR, UPD_ERROR_NOT_FOUND))
		return upt_cli_fail(g_steal_pointer(&error));
	g_clear_error(&error);
	if (old != NULL) {
		old_pb = upd_manifest_get_pb(old);
		for (gsize i = 0; i < old_pb->n_releases; i++) {
			const gchar *existing = old_pb->releases[i]->version;
			/* 1.0 and 1.0.0 are the same version: refuse both spellings */
			if (upd_version_compare(existing, opts->version) == 0)
				return upt_cli_fail(g_error_new(
					UPD_ERROR, UPD_ERROR_ALREADY_EXISTS,
					/* TRANSLATORS: the last %s is how the equal version was
					   spelled when it was published, e.g. 1.0 for 1.0.0 */
					_("version %s of %s is already published on channel %s "
					  "(as %s)"),
					opts->version, opts->app_id, opts->channel, existing));
			if (upd_version_compare(existing, opts->version) > 0)
				upt_cli_warn(_("version %s is lower than the published %s; clients "
					       "that have %s will not take it"),
					     opts->version, existing, existing);
		}
	}

	staging = upt_staging_new(repo, opts->level, &error);
	if (staging == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	if (old != NULL)
		upt_staging_index_manifest(staging, old);

	payload.has_type = TRUE;
	payload.type = (Updater__PayloadType)type;
	if (type == UPD_PAYLOAD_TYPE_TREE) {
		if (!upt_publish_walk_tree(staging, &arena, path, NULL, entries, &error))
			return upt_cli_fail(g_steal_pointer(&error));
		payload.n_entries = entries->len;
		payload.entries = (Updater__TreeEntry **)entries->pdata;
	} else {
		payload.filename = upt_arena_take(&arena, g_path_get_basename(path));
		payload.object =
			(Updater__Object *)upt_staging_add_file(staging, path, NULL, &error);
		if (payload.object == NULL)
			return upt_cli_fail(g_steal_pointer(&error));
	}
	if (old_pb != NULL && opts->delta_bases > 0) {
		gint64 start = g_get_monotonic_time();
		deltas = upt_publish_make_deltas(opts, repo, staging, old_pb, path, &payload,
						 &error);
		if (deltas == NULL)
			return upt_cli_fail(g_steal_pointer(&error));
		delta_seconds = (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
	}

	component.name = opts->component;
	component.has_kind = TRUE;
	component.kind = kind;
	component.payload = &payload;

	release.version = opts->version;
	release.has_published_at = TRUE;
	release.published_at = now;
	release.n_components = 1;
	release.components = components;
	release.has_rollout_percent = TRUE;
	release.rollout_percent = (guint32)opts->rollout;
	release.has_mandatory = TRUE;
	release.mandatory = opts->mandatory;
	release.minimum_version = opts->minimum_version;
	if (old_pb != NULL && opts->delta_bases > 0 && !opts->no_packs &&
	    !upt_publish_make_packs(opts, staging, old_pb, &release, &arena, &error))
		return upt_cli_fail(g_steal_pointer(&error));

	manifest.has_format_version = TRUE;
	manifest.format_version = 1;
	manifest.app_id = opts->app_id;
	manifest.channel = opts->channel;
	manifest.has_serial = TRUE;
	manifest.serial = old_pb != NULL ? old_pb->serial + 1 : 1;
	manifest.has_issued_at = TRUE;
	manifest.issued_at = now;
	manifest.has_expires_at = TRUE;
	manifest.expires_at = now + (gint64)opts->expires_days * 24 * 3600;
	manifest.n_releases = (old_pb != NULL ? old_pb->n_releases : 0) + 1;
	manifest.releases = upt_arena_take(&arena, g_new0(Updater__Release *, manifest.n_releases));
	for (gsize i = 0; old_pb != NULL && i < old_pb->n_releases; i++)
		manifest.releases[i] = old_pb->releases[i];
	manifest.releases[manifest.n_releases - 1] = &release;
	if (opts->mirrors != NULL) {
		manifest.n_mirrors = g_strv_length(opts->mirrors);
		manifest.mirrors = opts->mirrors;
	} else if (old_pb != NULL) {
		manifest.n_mirrors = old_pb->n_mirrors;
		manifest.mirrors = old_pb->mirrors;
	}

	signed_manifest = upd_manifest_sign_pb(&manifest, keys, &error);
	if (signed_manifest == NULL ||
	    !upt_staging_set_manifest(staging, opts->app_id, opts->channel, signed_manifest,
				      &error) ||
	    !upt_staging_commit(staging, &error))
		return upt_cli_fail(g_steal_pointer(&error));

	if (opts->json) {
		GVariantDict dict;
		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "app_id", "s", opts->app_id);
		g_variant_dict_insert(&dict, "channel", "s", opts->channel);
		g_variant_dict_insert(&dict, "version", "s", opts->version);
		g_variant_dict_insert(&dict, "type", "s", upd_payload_type_to_string(type));
		g_variant_dict_insert(&dict, "serial", "t", (guint64)manifest.serial);
		g_variant_dict_insert(&dict, "expires_at", "x", manifest.expires_at);
		g_variant_dict_insert(&dict, "new_objects", "u",
				      upt_staging_get_new_objects(staging));
		g_variant_dict_insert(&dict, "new_bytes", "t", upt_staging_get_new_bytes(staging));
		g_variant_dict_insert(&dict, "deltas", "u",
				      deltas != NULL ? upt_delta_maker_get_n_deltas(deltas) : 0);
		g_variant_dict_insert(&dict, "new_deltas", "u",
				      upt_staging_get_new_deltas(staging));
		g_variant_dict_insert(&dict, "delta_bytes", "t",
				      deltas != NULL ? upt_delta_maker_get_delta_bytes(deltas) : 0);
		g_variant_dict_insert(&dict, "delta_full_bytes", "t",
				      deltas != NULL ? upt_delta_maker_get_full_bytes(deltas) : 0);
		g_variant_dict_insert(&dict, "delta_seconds", "d", delta_seconds);
		g_variant_dict_insert(&dict, "delta_peak_memory", "t",
				      deltas != NULL ? upt_delta_maker_get_peak_memory(deltas) : 0);
		g_variant_dict_insert(&dict, "packs", "u", (guint)release.n_packs);
		upt_cli_print_json(g_variant_dict_end(&dict));
	} else {
		g_autofree gchar *size = g_format_size(upt_staging_get_new_bytes(staging));
		guint new_objects = upt_staging_get_new_objects(staging);
		g_print(_("Published %s %s on channel %s (manifest serial %" PRIu64 ").\n"),
			opts->app_id, opts->version, opts->channel, (guint64)manifest.serial);
		g_print(upd_i18n_ngettext("%u new object, %s stored.\n",
					  "%u new objects, %s stored.\n", new_objects),
			new_objects, size);
		if (deltas != NULL) {
			guint n = upt_delta_maker_get_n_deltas(deltas);
			g_autofree gchar *delta_size =
				g_format_size(upt_delta_maker_get_delta_bytes(deltas));
			g_autofree gchar *full_size =
				g_format_size(upt_delta_maker_get_full_bytes(deltas));
			/* TRANSLATORS: "3 deltas in 1.2 s: 40.1 kB instead of 9.8 MB for the
			   whole objects." */
			g_print(upd_i18n_ngettext(
					"%u delta in %.1f s: %s instead of %s for the whole "
					"object.\n",
					"%u deltas in %.1f s: %s instead of %s for the whole "
					"objects.\n",
					n),
				n, delta_seconds, delta_size, full_size);
		}
		for (gsize i = 0; i < release.n_packs; i++) {
			g_autofree gchar *pack_size =
				g_format_size(release.packs[i]->object->stored_size);
			/* TRANSLATORS: "Pack from 1.0: 4.2 MB in one file." */
			g_print(_("Pack from %s: %s in one file.\n"),
				release.packs[i]->from_version, pack_size);
		}
	}
	return UPT_EXIT_OK;
}

/* ---------------------------------------------------------------- resign */

static int
upt_publish_resign(UptPublishOptions *opts, gchar **args)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) keys = NULL;
	g_autoptr(UptRepository) repo = NULL;
	g_autoptr(UptStaging) staging = NULL;
	g_autoptr(UpdManifest) old = NULL;
	g_autoptr(GBytes) signed_manifest = NULL;
	Updater__Manifest manifest;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (args[0] != NULL)
		return upt_cli_usage_error(_("resign takes no argument"));
	if (opts->repo == NULL || opts->app_id == NULL)
		return upt_cli_usage_error(_("resign needs --repo and --app"));
	if (opts->expires_days < 1 || opts->expires_days > 3660)
		return upt_cli_usage_error(_("--expires-days %d is not from 1 to 3660"),
					   opts->expires_days);
	keys = upt_publish_load_keys(opts, &error);
	if (keys == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	repo = upt_repository_open(opts->repo, FALSE, &error);
	if (repo == NULL || !upt_repository_lock(repo, &error))
		return upt_cli_fail(g_steal_pointer(&error));
	old = upt_repository_load_manifest(repo, opts->app_id, opts->channel, &error);
	if (old == NULL)
		return upt_cli_fail(g_steal_pointer(&error));

	/* same releases, new serial and expiry, the given keys only */
	manifest = *upd_manifest_get_pb(old);
	manifest.serial++;
	manifest.issued_at = now;
	manifest.has_issued_at = TRUE;
	manifest.expires_at = now + (gint64)opts->expires_days * 24 * 3600;
	if (opts->mirrors != NULL) {
		manifest.n_mirrors = g_strv_length(opts->mirrors);
		manifest.mirrors = opts->mirrors;
	}
	staging = upt_staging_new(repo, opts->level, &error);
	if (staging == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	signed_manifest = upd_manifest_sign_pb(&manifest, keys, &error);
	if (signed_manifest == NULL ||
	    !upt_staging_set_manifest(staging, opts->app_id, opts->channel, signed_manifest,
				      &error) ||
	    !upt_staging_commit(staging, &error))
		return upt_cli_fail(g_steal_pointer(&error));
	g_print(_("Signed %s on channel %s again (manifest serial %" PRIu64 ").\n"), opts->app_id,
		opts->channel, (guint64)manifest.serial);
	return UPT_EXIT_OK;
}

/* ------------------------------------------------------------------ list */

static GVariant *
upt_publish_release_to_variant(UpdRelease *release)
{
	const Updater__Release *pb = upd_release_get_pb(release);
	GVariantBuilder components;
	GVariantDict dict;
	g_auto(GStrv) languages = upd_release_get_note_languages(release);

	g_variant_builder_init(&components, G_VARIANT_TYPE("aa{sv}"));
	for (gsize i = 0; i < pb->n_components; i++) {
		GVariantDict cdict;
		g_variant_dict_init(&cdict, NULL);
		g_variant_dict_insert(&cdict, "name", "s", pb->components[i]->name);
		g_variant_dict_insert(&cdict, "type", "s",
				      upd_payload_type_to_string(
					      (UpdPayloadType)pb->components[i]->payload->type));
		g_variant_builder_add_value(&components, g_variant_dict_end(&cdict));
	}
	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "version", "s", upd_release_get_version(release));
	g_variant_dict_insert(&dict, "published_at", "x", upd_release_get_published_at(release));
	g_variant_dict_insert(&dict, "rollout_percent", "u",
			      upd_release_get_rollout_percent(release));
	g_variant_dict_insert(&dict, "mandatory", "b", upd_release_get_mandatory(release));
	g_variant_dict_insert(&dict, "download_size", "t", upd_release_get_download_size(release));
	g_variant_dict_insert(&dict, "installed_size", "t",
			      upd_release_get_installed_size(release));
	g_variant_dict_insert(&dict, "notes_languages", "^as", languages);
	g_variant_dict_insert_value(&dict, "components", g_variant_builder_end(&components));
	return g_variant_dict_end(&dict);
}

static gchar *
upt_publish_format_time(gint64 when)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(when);
	return dt != NULL ? g_date_time_format(dt, "%Y-%m-%d") : g_strdup("?");
}

static int
upt_publish_list(UptPublishOptions *opts, gchar **args)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UptRepository) repo = NULL;
	g_autoptr(GPtrArray) channels = NULL;
	GVariantBuilder json_channels;

	if (args[0] != NULL)
		return upt_cli_usage_error(_("list takes no argument"));
	if (opts->repo == NULL)
		return upt_cli_usage_error(_("list needs --repo"));
	repo = upt_repository_open(opts->repo, FALSE, &error);
	if (repo == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	channels = upt_repository_list_channels(repo, &error);
	if (channels == NULL)
		return upt_cli_fail(g_steal_pointer(&error));

	g_variant_builder_init(&json_channels, G_VARIANT_TYPE("aa{sv}"));
	for (guint i = 0; i < channels->len; i++) {
		g_auto(GStrv) parts = g_strsplit(g_ptr_array_index(channels, i), "/", 2);
		g_autoptr(UpdManifest) manifest = NULL;
		g_autofree gchar *expires = NULL;
		GPtrArray *releases;
		GVariantBuilder json_releases;
		GVariantDict dict;

		if (opts->app_id != NULL && g_strcmp0(parts[0], opts->app_id) != 0)
			continue;
		if (opts->channel != NULL && g_strcmp0(parts[1], opts->channel) != 0)
			continue;
		manifest = upt_repository_load_manifest(repo, parts[0], parts[1], &error);
		if (manifest == NULL)
			return upt_cli_fail(g_steal_pointer(&error));
		releases = upd_manifest_get_releases(manifest);
		expires = upt_publish_format_time(upd_manifest_get_expires_at(manifest));

		g_variant_builder_init(&json_releases, G_VARIANT_TYPE("aa{sv}"));
		if (!opts->json)
			g_print(_("%s  channel %s  serial %" PRIu64 "  expires %s\n"), parts[0],
				parts[1], upd_manifest_get_serial(manifest), expires);
		for (guint j = 0; j < releases->len; j++) {
			UpdRelease *release = g_ptr_array_index(releases, j);
			g_variant_builder_add_value(&json_releases,
						    upt_publish_release_to_variant(release));
			if (!opts->json) {
				g_autofree gchar *date = upt_publish_format_time(
					upd_release_get_published_at(release));
				g_autofree gchar *size =
					g_format_size(upd_release_get_download_size(release));
				g_print(_("  %-16s %s  %s  rollout %u%%%s\n"),
					upd_release_get_version(release), date, size,
					upd_release_get_rollout_percent(release),
					upd_release_get_mandatory(release) ? _("  mandatory") : "");
			}
		}
		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "app_id", "s", parts[0]);
		g_variant_dict_insert(&dict, "channel", "s", parts[1]);
		g_variant_dict_insert(&dict, "serial", "t", upd_manifest_get_serial(manifest));
		g_variant_dict_insert(&dict, "expires_at", "x",
				      upd_manifest_get_expires_at(manifest));
		g_variant_dict_insert_value(&dict, "releases",
					    g_variant_builder_end(&json_releases));
		g_variant_builder_add_value(&json_channels, g_variant_dict_end(&dict));
	}
	if (opts->json) {
		GVariantDict dict;
		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert_value(&dict, "channels",
					    g_variant_builder_end(&json_channels));
		upt_cli_print_json(g_variant_dict_end(&dict));
	} else {
		g_variant_builder_clear(&json_channels);
		if (channels->len == 0)
			g_print(_("The repository is empty.\n"));
	}
	return UPT_EXIT_OK;
}

/* ------------------------------------------------------------------ main */

static const gchar *const upt_publish_commands[] = {"keygen", "release", "resign", "list", NULL};

int
main(int argc, char **argv)
{
	/* G_MININT means "not given": an option that does not apply must be
	 * noticed even when given with its default value */
	g_auto(UptPublishOptions) opts = {
		.rollout = UPT_PUBLISH_UNSET,
		.expires_days = UPT_PUBLISH_UNSET,
		.level = UPT_PUBLISH_UNSET,
		.delta_bases = UPT_PUBLISH_UNSET,
		.delta_memory = UPT_PUBLISH_UNSET,
	};
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *command;
	const GOptionEntry entries[] = {
		{"repo", 'r', 0, G_OPTION_ARG_FILENAME, &opts.repo, N_("Repository directory"),
		 N_("DIR")},
		{"key", 'k', 0, G_OPTION_ARG_FILENAME_ARRAY, &opts.keys,
		 N_("Secret key file to sign with (repeat to sign with several keys)"), N_("FILE")},
		{"app", 'a', 0, G_OPTION_ARG_STRING, &opts.app_id, N_("Application id"), N_("ID")},
		{"channel", 'c', 0, G_OPTION_ARG_STRING, &opts.channel,
		 N_("Channel (default: stable)"), N_("CHANNEL")},
		{"version", 0, 0, G_OPTION_ARG_STRING, &opts.version,
		 N_("With release: the version to publish; otherwise: print the program's "
		    "version"),
		 N_("VERSION")},
		{"type", 't', 0, G_OPTION_ARG_STRING, &opts.type,
		 N_("Payload type: exe, dll, zip, tar.gz, tar.xz, tar.zst, rpm, tree (default: "
		    "from the file name)"),
		 N_("TYPE")},
		{"component", 0, 0, G_OPTION_ARG_STRING, &opts.component,
		 N_("Component name (default: main)"), N_("NAME")},
		{"kind", 0, 0, G_OPTION_ARG_STRING, &opts.kind,
		 N_("Component kind: application, plugin or file (default: application)"),
		 N_("KIND")},
		{"rollout", 0, 0, G_OPTION_ARG_INT, &opts.rollout,
		 N_("Offer the release to this share of clients (default: 100)"), N_("PERCENT")},
		{"mandatory", 0, 0, G_OPTION_ARG_NONE, &opts.mandatory,
		 N_("Install the release even where the policy only notifies"), NULL},
		{"minimum-version", 0, 0, G_OPTION_ARG_STRING, &opts.minimum_version,
		 N_("Oldest installed version that may update to this release directly"),
		 N_("VERSION")},
		{"notes-file", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opts.notes_files,
		 N_("Release notes in a language, e.g. en=NOTES.txt (repeatable)"),
		 N_("LANG=FILE")},
		{"expires-days", 0, 0, G_OPTION_ARG_INT, &opts.expires_days,
		 N_("Days until clients refuse the manifest unless it is signed again (default: "
		    "30)"),
		 N_("DAYS")},
		{"mirror", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opts.mirrors,
		 N_("Base URL of a mirror serving the same objects (repeatable)"), N_("URL")},
		{"level", 0, 0, G_OPTION_ARG_INT, &opts.level,
		 N_("zstd compression level of new objects (default: 12)"), N_("LEVEL")},
		{"delta-bases", 0, 0, G_OPTION_ARG_INT, &opts.delta_bases,
		 N_("Make binary deltas to each changed file from the last N releases of the "
		    "channel (default: 2; 0 for none)"),
		 N_("N")},
		{"delta-memory", 0, 0, G_OPTION_ARG_INT, &opts.delta_memory,
		 N_("Memory bound for making deltas, in MiB: delta encoders run on all cores "
		    "while the sum of their memory, with their mapped files, stays under it; "
		    "an encoder that alone needs more is skipped (default: half of the "
		    "physical memory)"),
		 N_("MIB")},
		{"no-packs", 0, 0, G_OPTION_ARG_NONE, &opts.no_packs,
		 N_("Publish no packs: by default, a client that has one of the last "
		    "--delta-bases releases installed gets every changed object and delta "
		    "of the new release in one file, with one request"),
		 NULL},
		{"json", 0, 0, G_OPTION_ARG_NONE, &opts.json, N_("Print JSON for scripts"), NULL},
		{"verbose", 'v', 0, G_OPTION_ARG_NONE, &opts.verbose, N_("Print debug messages"),
		 NULL},
		{NULL},
	};

	upt_cli_init("updater-publish");

	/* --version takes the release's version; as the last argument, without a
	 * value, it asks for the program's own version, except after "release",
	 * where a missing value is far more likely a mistake */
	if (argc > 1 && g_strcmp0(argv[argc - 1], "--version") == 0 &&
	    !g_strv_contains((const gchar *const *)argv, "release"))
		return upt_cli_print_version();

	context = g_option_context_new(_("COMMAND [ARGUMENT]"));
	g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
	g_option_context_set_summary(
		context,
		_("Sign releases into an update repository.\n"
		  "\n"
		  "Commands:\n"
		  "  keygen PREFIX    Make a signing key: PREFIX.secret and PREFIX.pub\n"
		  "  release PATH     Publish a payload file, or a directory with --type tree\n"
		  "                   (needs --repo, --key, --app, --version)\n"
		  "  resign           Sign a channel again with a new serial and expiry\n"
		  "                   (needs --repo, --key, --app)\n"
		  "  list             List the applications, channels and releases\n"
		  "                   (needs --repo)"));
	g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse(context, &argc, &argv, &error))
		return upt_cli_usage_error("%s", error->message);
	if (opts.verbose)
		g_setenv("G_MESSAGES_DEBUG", "all", TRUE);

	/* the command is the first argument that is not an option or its value */
	if (argc < 2)
		return upt_cli_usage_error(_("no command given"));
	command = argv[1];
	if (!g_strv_contains(upt_publish_commands, command))
		return upt_cli_usage_error(_("unknown command “%s”"), command);
	if (!upt_publish_check_applicable(&opts, command, &error))
		return upt_cli_usage_error("%s", error->message);

	/* defaults of what was not given; list shows every channel unless asked */
	if (opts.channel == NULL && g_strcmp0(command, "list") != 0)
		opts.channel = g_strdup("stable");
	if (opts.component == NULL)
		opts.component = g_strdup("main");
	if (opts.rollout == UPT_PUBLISH_UNSET)
		opts.rollout = 100;
	if (opts.expires_days == UPT_PUBLISH_UNSET)
		opts.expires_days = UPT_PUBLISH_DEFAULT_EXPIRES_DAYS;
	if (opts.level == UPT_PUBLISH_UNSET)
		opts.level = UPT_PUBLISH_DEFAULT_LEVEL;
	if (opts.delta_bases == UPT_PUBLISH_UNSET)
		opts.delta_bases = UPT_PUBLISH_DEFAULT_DELTA_BASES;
	if (opts.delta_memory == UPT_PUBLISH_UNSET)
		opts.delta_memory = 0;

	if (g_strcmp0(command, "keygen") == 0)
		return upt_publish_keygen(&opts, argv + 2);
	if (g_strcmp0(command, "release") == 0)
		return upt_publish_release(&opts, argv + 2);
	if (g_strcmp0(command, "resign") == 0)
		return upt_publish_resign(&opts, argv + 2);
	return upt_publish_list(&opts, argv + 2);
}
