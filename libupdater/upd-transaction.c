/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upd-app-state-private.h"
#include "upd-error-private.h"
#include "upd-file-private.h"
#include "upd-i18n-private.h"
#include "upd-install-context-private.h"
#include "upd-install-dir-private.h"
#include "upd-installer-registry-private.h"
#include "upd-payload-type-private.h"
#include "upd-plan-private.h"
#include "upd-release-private.h"
#include "upd-sha256-private.h"
#include "upd-transaction-private.h"
#include "upd-version-common.h"

/**
 * UpdTransaction:
 *
 * Installs releases of one application so that it is always either fully
 * the old version or fully the new one, rolls back, and finishes or undoes
 * an install that a crash interrupted.
 *
 * An install stages every component with its installer plugin in a hidden
 * directory inside the install directory, syncs it to disk, renames it to
 * `versions/<version>` and points `current` at it with an atomic rename. A
 * journal in `$XDG_STATE_HOME/updater/apps/<id>/journal.ini` records each step
 * before it is taken: after a crash, a staged install is undone and a
 * committed one finished. Components of kind plugin get their own install
 * directory, `InstallDir/plugins/<component>`, laid out the same way, so that
 * host applications can swap them one by one.
 */

#define UPD_JOURNAL_GROUP "Transaction"

struct _UpdTransaction {
	GObject parent_instance;
	UpdAppConfig *config;		/* (owned) */
	UpdAppState *state;		/* (owned) */
	UpdInstallerRegistry *registry; /* (owned) (nullable): loaded on first use */
	GMutex lock;
};

G_DEFINE_TYPE(UpdTransaction, upd_transaction, G_TYPE_OBJECT)

static void
upd_transaction_finalize(GObject *object)
{
	UpdTransaction *self = UPD_TRANSACTION(object);
	g_clear_object(&self->config);
	g_clear_object(&self->state);
	g_clear_object(&self->registry);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(upd_transaction_parent_class)->finalize(object);
}

static void
upd_transaction_class_init(UpdTransactionClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = upd_transaction_finalize;
}

static void
upd_transaction_init(UpdTransaction *self)
{
	g_mutex_init(&self->lock);
}

/**
 * upd_transaction_new:
 * @config: the application's configuration
 *
 * Installer plugins are loaded from `$UPDATER_INSTALLER_DIR`, or the installed
 * directory, when first needed.
 *
 * Returns: (transfer full): a new #UpdTransaction
 *
 * Since: 0.1
 */
UpdTransaction *
upd_transaction_new(UpdAppConfig *config)
{
	UpdTransaction *self;

	g_return_val_if_fail(UPD_IS_APP_CONFIG(config), NULL);
	self = g_object_new(UPD_TYPE_TRANSACTION, NULL);
	self->config = g_object_ref(config);
	self->state = upd_app_state_new(upd_app_config_get_id(config));
	return self;
}

static UpdInstallerRegistry *
upd_transaction_get_registry(UpdTransaction *self, GError **error)
{
	g_mutex_lock(&self->lock);
	if (self->registry == NULL) {
		g_autoptr(UpdInstallerRegistry) registry = upd_installer_registry_new();
		if (!upd_installer_registry_load_dir(registry, upd_installer_registry_default_dir(),
						     error)) {
			g_mutex_unlock(&self->lock);
			return NULL;
		}
		self->registry = g_steal_pointer(&registry);
	}
	g_mutex_unlock(&self->lock);
	return self->registry;
}

static const gchar *
upd_transaction_install_dir(UpdTransaction *self)
{
	return upd_app_config_get_install_dir(self->config);
}

/* ------------------------------------------------------------------ slots */

/* A directory installed into: the application's, or a plugin's. */
typedef struct {
	gchar *dir;	       /* (owned) */
	GPtrArray *components; /* (owned) (element-type Updater__Component) (unowned elements) */
	gchar *staging;	       /* (owned) (nullable) */
} UpdSlot;

static void
upd_slot_free(gpointer data)
{
	UpdSlot *slot = data;
	g_free(slot->dir);
	g_ptr_array_unref(slot->components);
	g_free(slot->staging);
	g_free(slot);
}

static UpdSlot *
upd_slot_find_or_add(GPtrArray *slots, const gchar *dir)
{
	UpdSlot *slot;
	for (guint i = 0; i < slots->len; i++) {
		slot = g_ptr_array_index(slots, i);
		if (g_strcmp0(slot->dir, dir) == 0)
			return slot;
	}
	slot = g_new0(UpdSlot, 1);
	slot->dir = g_strdup(dir);
	slot->components = g_ptr_array_new();
	g_ptr_array_add(slots, slot);
	return slot;
}

/* the application's slot first, then one per plugin component */
static GPtrArray *
upd_transaction_slots_for(UpdTransaction *self, const Updater__Release *release)
{
	GPtrArray *slots = g_ptr_array_new_with_free_func(upd_slot_free);
	const gchar *install_dir = upd_transaction_install_dir(self);

	upd_slot_find_or_add(slots, install_dir);
	for (gsize i = 0; i < release->n_components; i++) {
		const Updater__Component *component = release->components[i];
		g_autofree gchar *dir = NULL;
		UpdSlot *slot;
		if (component->kind == UPDATER__COMPONENT_KIND__COMPONENT_KIND_PLUGIN)
			dir = g_build_filename(install_dir, UPD_INSTALL_DIR_PLUGINS,
					       component->name, NULL);
		else
			dir = g_strdup(install_dir);
		slot = upd_slot_find_or_add(slots, dir);
		g_ptr_array_add(slot->components, (gpointer)component);
	}
	return slots;
}

/* plugin slots that exist on disk, whatever release made them */
static GPtrArray *
upd_transaction_existing_plugin_slots(UpdTransaction *self)
{
	g_autofree gchar *plugins =
		g_build_filename(upd_transaction_install_dir(self), UPD_INSTALL_DIR_PLUGINS, NULL);
	g_autoptr(GDir) d = g_dir_open(plugins, 0, NULL);
	GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *dir = g_build_filename(plugins, name, NULL);
		if (name[0] != '.' && g_file_test(dir, G_FILE_TEST_IS_DIR))
			g_ptr_array_add(dirs, g_steal_pointer(&dir));
	}
	return dirs;
}

/* ---------------------------------------------------------------- journal */

static GKeyFile *
upd_journal_new(const gchar *operation, const gchar *version, const gchar *previous)
{
	GKeyFile *journal = g_key_file_new();
	g_key_file_set_string(journal, UPD_JOURNAL_GROUP, "Operation", operation);
	g_key_file_set_string(journal, UPD_JOURNAL_GROUP, "Version", version);
	g_key_file_set_string(journal, UPD_JOURNAL_GROUP, "Previous",
			      previous != NULL ? previous : "");
	g_key_file_set_int64(journal, UPD_JOURNAL_GROUP, "Started",
			     g_get_real_time() / G_USEC_PER_SEC);
	return journal;
}

static gboolean
upd_transaction_step(UpdTransaction *self, GKeyFile *journal, const gchar *step, GError **error)
{
	g_debug("transaction: %s", step);
	g_key_file_set_string(journal, UPD_JOURNAL_GROUP, "Step", step);
	return upd_app_state_save_journal(self->state, journal, error);
}

static gchar *
upd_journal_get(GKeyFile *journal, const gchar *key)
{
	gchar *value = g_key_file_get_string(journal, UPD_JOURNAL_GROUP, key, NULL);
	if (value != NULL && value[0] == '\0')
		g_clear_pointer(&value, g_free);
	return value;
}

static GStrv
upd_journal_get_list(GKeyFile *journal, const gchar *key)
{
	gchar **list = g_key_file_get_string_list(journal, UPD_JOURNAL_GROUP, key, NULL, NULL);
	return list != NULL ? list : g_new0(gchar *, 1);
}

/* ------------------------------------------------------------------- hook */

typedef struct {
	GAsyncResult *res;
	gboolean timed_out;
} UpdHookWait;

static void
upd_hook_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	UpdHookWait *wait = user_data;
	wait->res = g_object_ref(res);
}

/* in the child, before exec: its own process group, so that a timeout ends
 * whatever it started too */
static void
upd_hook_child_setup(gpointer user_data)
{
	setpgid(0, 0);
}

static gboolean
upd_hook_timeout_cb(gpointer user_data)
{
	UpdHookWait *wait = user_data;
	wait->timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

/* runs the application's post-install command without a shell, in the new
 * version's directory, within its timeout */
static gboolean
upd_transaction_run_hook(UpdTransaction *self,
			 const gchar *version,
			 const gchar *previous,
			 GError **error)
{
	const gchar *const *argv = upd_app_config_get_post_install(self->config);
	guint timeout = upd_app_config_get_post_install_timeout(self->config);
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) process = NULL;
	g_autoptr(GMainContext) context = NULL;
	g_autoptr(GSource) timer = NULL;
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *cwd = NULL;
	g_autofree gchar *err_text = NULL;
	g_autofree gchar *command = NULL;
	UpdHookWait wait = {NULL, FALSE};
	gboolean killed = FALSE;

	if (argv == NULL)
		return TRUE;
	command = g_strjoinv(" ", (gchar **)argv);
	cwd = upd_install_dir_version_path(upd_transaction_install_dir(self), version);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
					     G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_subprocess_launcher_set_cwd(launcher, cwd);
	g_subprocess_launcher_set_child_setup(launcher, upd_hook_child_setup, NULL, NULL);
	g_subprocess_launcher_setenv(launcher, "UPDATER_APP_ID",
				     upd_app_config_get_id(self->config), TRUE);
	g_subprocess_launcher_setenv(launcher, "UPDATER_VERSION", version, TRUE);
	g_subprocess_launcher_setenv(launcher, "UPDATER_PREVIOUS_VERSION",
				     previous != NULL ? previous : "", TRUE);
	g_subprocess_launcher_setenv(launcher, "UPDATER_INSTALL_DIR",
				     upd_transaction_install_dir(self), TRUE);
	process = g_subprocess_launcher_spawnv(launcher, argv, &error_local);
	if (process == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_HOOK_FAILED,
			    _("post-install hook “%s” cannot be started: %s"), command,
			    error_local->message);
		return FALSE;
	}

	/* this runs in a worker thread: wait on a context of its own */
	context = g_main_context_new();
	g_main_context_push_thread_default(context);
	g_subprocess_communicate_utf8_async(process, NULL, cancellable, upd_hook_done_cb, &wait);
	timer = g_timeout_source_new_seconds(timeout);
	g_source_set_callback(timer, upd_hook_timeout_cb, &wait, NULL);
	g_source_attach(timer, context);
	while (wait.res == NULL) {
		if (wait.timed_out && !killed) {
			const gchar *pid = g_subprocess_get_identifier(process);
			/* the whole group; and stop reading: a descendant that left the
			 * group may hold the pipe open */
			if (pid != NULL)
				kill(-(pid_t)g_ascii_strtoll(pid, NULL, 10), SIGKILL);
			g_subprocess_force_exit(process);
			g_cancellable_cancel(cancellable);
			killed = TRUE;
		}
		g_main_context_iteration(context, TRUE);
	}
	if (timer != NULL)
		g_source_destroy(timer);
	g_main_context_pop_thread_default(context);
	g_subprocess_communicate_utf8_finish(process, wait.res, NULL, &err_text, NULL);
	g_object_unref(wait.res);
	if (killed)
		g_subprocess_wait(process, NULL, NULL);

	if (killed) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_HOOK_FAILED,
			    _("post-install hook “%s” did not finish within %u s"), command,
			    timeout);
		return FALSE;
	}
	if (!g_subprocess_get_successful(process)) {
		g_autofree gchar *reason = NULL;
		/* the last line it printed says most */
		if (err_text != NULL) {
			g_auto(GStrv) lines = g_strsplit(g_strstrip(err_text), "\n", -1);
			guint n = g_strv_length(lines);
			if (n > 0)
				reason = g_strdup(lines[n - 1]);
		}
		if (g_subprocess_get_if_signaled(process))
			g_set_error(error, UPD_ERROR, UPD_ERROR_HOOK_FAILED,
				    _("post-install hook “%s” was killed by signal %d"), command,
				    g_subprocess_get_term_sig(process));
		else
			g_set_error(error, UPD_ERROR, UPD_ERROR_HOOK_FAILED,
				    _("post-install hook “%s” failed with exit status %d%s%s"),
				    command, g_subprocess_get_exit_status(process),
				    reason != NULL ? ": " : "", reason != NULL ? reason : "");
		return FALSE;
	}
	return TRUE;
}

/* ---------------------------------------------------------------- staging */

/* the local file holding an object's verified content, per the plan */
static gboolean
upd_transaction_object_source(UpdPlan *plan,
			      const Updater__Object *object,
			      gchar **path,
			      gboolean *from_cache,
			      GError **error)
{
	const UpdPlanItem *item = upd_plan_lookup(plan, object->sha256.data);

	if (item == NULL) {
		g_autofree gchar *hex = upd_sha256_to_hex(object->sha256.data);
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			    _("object %s is not part of the plan"), hex);
		return FALSE;
	}
	if (item->action == UPD_PLAN_ACTION_REUSE) {
		*path = g_strdup(item->local_path);
		*from_cache = FALSE;
	} else {
		*path = upd_plan_cache_path(item->hex);
		*from_cache = TRUE;
		if (!g_file_test(*path, G_FILE_TEST_IS_REGULAR)) {
			g_set_error(error, UPD_ERROR, UPD_ERROR_NOT_FOUND,
				    _("object %s has not been downloaded; download first"),
				    item->hex);
			g_clear_pointer(path, g_free);
			return FALSE;
		}
	}
	return TRUE;
}

/* the name must agree with the type the manifest declares, and so must the
 * first bytes: a ".zip" payload that is not a zip archive is refused */
static gboolean
upd_transaction_check_payload(const Updater__Payload *payload, const gchar *path, GError **error)
{
	UpdPayloadType type = (UpdPayloadType)payload->type;
	UpdPayloadType by_name;
	guint8 digest[UPD_SHA256_LEN];
	guint64 size = 0;

	by_name = upd_payload_type_guess_from_filename(payload->filename);
	if (by_name != UPD_PAYLOAD_TYPE_UNKNOWN && by_name != type &&
	    !(type == UPD_PAYLOAD_TYPE_EXE && by_name == UPD_PAYLOAD_TYPE_DLL)) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
			    _("payload %s is declared as %s but its name says %s"),
			    payload->filename, upd_payload_type_to_string(type),
			    upd_payload_type_to_string(by_name));
		return FALSE;
	}
	if (!upd_payload_type_check_file(type, path, error)) {
		g_prefix_error(error, "%s: ", payload->filename);
		return FALSE;
	}
	/* the cache is the user's: check the bytes are still the verified ones */
	if (!upd_sha256_file(path, digest, &size, NULL, error))
		return FALSE;
	if (size != payload->object->size ||
	    memcmp(digest, payload->object->sha256.data, UPD_SHA256_LEN) != 0) {
		g_autofree gchar *expected = upd_sha256_to_hex(payload->object->sha256.data);
		g_autofree gchar *actual = upd_sha256_to_hex(digest);
		/* a damaged cache file is downloaded again next time */
		g_unlink(path);
		g_set_error(error, UPD_ERROR, UPD_ERROR_DIGEST_MISMATCH,
			    _("the downloaded %s changed since it was verified (SHA-256 %s, "
			      "expected %s); it was removed, download again"),
			    payload->filename, actual, expected);
		return FALSE;
	}
	return TRUE;
}

static gboolean
upd_transaction_stage_component(UpdTransaction *self,
				UpdInstallerRegistry *registry,
				UpdPlan *plan,
				const gchar *version,
				const Updater__Component *component,
				const gchar *staging,
				GCancellable *cancellable,
				GError **error)
{
	const Updater__Payload *payload = component->payload;
	UpdPayloadType type = (UpdPayloadType)payload->type;
	const UpdInstallerHost *host = upd_install_host_get();
	const UpdInstallerPlugin *plugin;
	g_autoptr(UpdInstallContext) ctx = NULL;
	g_autofree gchar *payload_path = NULL;
	g_autoptr(GError) error_local = NULL;
	gboolean from_cache = FALSE;

	plugin = upd_installer_registry_lookup(registry, type, error);
	if (plugin == NULL)
		return FALSE;
	if (payload->object != NULL) {
		if (!upd_transaction_object_source(plan, payload->object, &payload_path,
						   &from_cache, error) ||
		    !upd_transaction_check_payload(payload, payload_path, error))
			return FALSE;
	}
	ctx = upd_install_context_new(upd_app_config_get_id(self->config), version, component,
				      payload_path, staging, cancellable, error);
	if (ctx == NULL)
		return FALSE;
	for (gsize i = 0; i < payload->n_entries; i++) {
		const Updater__TreeEntry *entry = payload->entries[i];
		g_autofree gchar *source = NULL;
		if (entry->object != NULL &&
		    !upd_transaction_object_source(plan, entry->object, &source, &from_cache,
						   error))
			return FALSE;
		upd_install_context_add_entry(ctx, entry, source, from_cache);
	}
	g_debug("installer %s stages %s %s", plugin->name, component->name, version);
	if (!plugin->stage(host, ctx, &error_local) ||
	    (plugin->verify != NULL && !plugin->verify(host, ctx, &error_local))) {
		upd_error_convert(&error_local);
		g_propagate_prefixed_error(error, g_steal_pointer(&error_local),
					   /* TRANSLATORS: "installing main 2.0: <reason>" */
					   _("installing %s %s: "), component->name, version);
		return FALSE;
	}
	return TRUE;
}

/* calls activate (or deactivate) of the plugins of a version's components;
 * the context points at the version's directory instead of a staging one */
static gboolean
upd_transaction_call_hooks(UpdTransaction *self,
			   const Updater__Release *release,
			   const gchar *version,
			   gboolean activate,
			   GError **error)
{
	const UpdInstallerHost *host = upd_install_host_get();
	UpdInstallerRegistry *registry;

	if (release == NULL)
		return TRUE;
	registry = upd_transaction_get_registry(self, error);
	if (registry == NULL)
		return FALSE;
	for (gsize i = 0; i < release->n_components; i++) {
		const Updater__Component *component = release->components[i];
		const UpdInstallerPlugin *plugin = upd_installer_registry_lookup(
			registry, (UpdPayloadType)component->payload->type, NULL);
		gboolean (*hook)(const UpdInstallerHost *, UpdInstallContext *, GError **);
		g_autoptr(UpdInstallContext) ctx = NULL;
		g_autofree gchar *slot = NULL;
		g_autofree gchar *dir = NULL;
		g_autoptr(GError) error_local = NULL;

		if (plugin == NULL)
			continue;
		hook = activate ? plugin->activate : plugin->deactivate;
		if (hook == NULL)
			continue;
		slot = component->kind == UPDATER__COMPONENT_KIND__COMPONENT_KIND_PLUGIN
			       ? g_build_filename(upd_transaction_install_dir(self),
						  UPD_INSTALL_DIR_PLUGINS, component->name, NULL)
			       : g_strdup(upd_transaction_install_dir(self));
		dir = upd_install_dir_version_path(slot, version);
		ctx = upd_install_context_new(upd_app_config_get_id(self->config), version,
					      component, NULL, dir, NULL, error);
		if (ctx == NULL)
			return FALSE;
		if (!hook(host, ctx, &error_local)) {
			upd_error_convert(&error_local);
			g_propagate_prefixed_error(error, g_steal_pointer(&error_local),
						   activate ? _("activating %s %s: ")
							    : _("deactivating %s %s: "),
						   component->name, version);
			return FALSE;
		}
	}
	return TRUE;
}

/* after an undone install: the release record goes unless a kept version
 * directory still needs it (a reinstall of a version kept for rollback) */
static void
upd_transaction_forget_release(UpdTransaction *self, const gchar *version)
{
	g_autofree gchar *dir =
		upd_install_dir_version_path(upd_transaction_install_dir(self), version);
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
		upd_app_state_remove_installed_release(self->state, version, NULL);
}

/* removes what an unfinished install staged or created */
static void
upd_transaction_undo_staging(GKeyFile *journal)
{
	g_auto(GStrv) staging = upd_journal_get_list(journal, "Staging");
	g_auto(GStrv) created = upd_journal_get_list(journal, "Created");

	for (guint i = 0; staging[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;
		if (!upd_file_rm_rf(staging[i], &error))
			g_warning("%s", error->message);
	}
	/* directories the install created, newest (deepest) first, if empty */
	for (guint i = g_strv_length(created); i > 0; i--)
		g_rmdir(created[i - 1]);
}

static gboolean
upd_transaction_mkdir_tracked(const gchar *dir, GPtrArray *created, GError **error)
{
	g_autofree gchar *parent = NULL;

	if (g_file_test(dir, G_FILE_TEST_IS_DIR))
		return TRUE;
	parent = g_path_get_dirname(dir);
	if (g_strcmp0(parent, dir) != 0 && !upd_transaction_mkdir_tracked(parent, created, error))
		return FALSE;
	if (g_mkdir(dir, 0755) != 0 && errno != EEXIST) {
		upd_file_set_error_errno(error, errno, _("cannot create directory %s"), dir);
		return FALSE;
	}
	g_ptr_array_add(created, g_strdup(dir));
	return TRUE;
}

/* flushes every staged file and directory to disk at once */
static gboolean
upd_transaction_sync_staging(const gchar *staging, GError **error)
{
	g_auto(UpdFd) fd = open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot sync %s to disk"), staging);
		return FALSE;
	}
	return TRUE;
}

/* the identity of a staging directory, kept in the journal: after a crash,
 * what sits at the staging path may be the old version swapped out */
static gchar *
upd_transaction_dir_id(const gchar *dir)
{
	struct stat st;
	if (lstat(dir, &st) != 0)
		return g_strdup("");
	return g_strdup_printf("%" PRIu64 ":%" PRIu64, (guint64)st.st_dev, (guint64)st.st_ino);
}

/* renames the staged version into versions/<version>; a leftover directory
 * of the same version (an install rolled back, or forced again) goes first.
 * Runs after the step "committed" and again in recovery: @staging_id says
 * whether the staging path still holds what was staged. */
static gboolean
upd_transaction_commit_slot(const gchar *slot,
			    const gchar *staging,
			    const gchar *staging_id,
			    const gchar *version,
			    GError **error)
{
	g_autofree gchar *versions = g_build_filename(slot, UPD_INSTALL_DIR_VERSIONS, NULL);
	g_autofree gchar *target = upd_install_dir_version_path(slot, version);
	g_autofree gchar *current = upd_install_dir_get_current(slot);
	g_autofree gchar *id = upd_transaction_dir_id(staging);

	if (!g_file_test(staging, G_FILE_TEST_IS_DIR) || g_strcmp0(id, staging_id) != 0) {
		/* done already, before a crash; what is left at the staging path is
		 * the old content a forced reinstall swapped out */
		if (g_file_test(target, G_FILE_TEST_IS_DIR))
			return !g_file_test(staging, G_FILE_TEST_EXISTS) ||
			       upd_file_rm_rf(staging, error);
		g_set_error(error, UPD_ERROR, UPD_ERROR_IO, _("%s is gone"), staging);
		return FALSE;
	}
	if (!upd_file_mkdir_parents(versions, 0755, error))
		return FALSE;
	if (g_file_test(target, G_FILE_TEST_EXISTS)) {
		g_autofree gchar *trash = NULL;
		if (g_strcmp0(current, version) == 0) {
			/* a forced reinstall of the current version: point current at a copy
			 * first would cost the space twice; rename over is not atomic for
			 * directories, so swap with RENAME_EXCHANGE */
			if (renameat2(AT_FDCWD, staging, AT_FDCWD, target, RENAME_EXCHANGE) != 0) {
				upd_file_set_error_errno(error, errno, _("cannot replace %s"),
							 target);
				return FALSE;
			}
			/* the old content now sits at the staging path */
			return upd_file_fsync_dir(versions, error) &&
			       upd_file_rm_rf(staging, error);
		}
		trash = g_strdup_printf("%s/.trash-%08x", slot, g_random_int());
		if (rename(target, trash) != 0 || !upd_file_rm_rf(trash, error)) {
			upd_file_set_error_errno(error, errno, _("cannot replace %s"), target);
			return FALSE;
		}
	}
	if (rename(staging, target) != 0) {
		upd_file_set_error_errno(error, errno, _("cannot move %s into place"), target);
		return FALSE;
	}
	return upd_file_fsync_dir(versions, error) && upd_file_fsync_dir(slot, error);
}

/* the steps after the switch, shared by install and recovery */
static gboolean
upd_transaction_finish_install(UpdTransaction *self,
			       GKeyFile *journal,
			       const Updater__Release *release,
			       GError **error)
{
	g_autofree gchar *version = upd_journal_get(journal, "Version");
	g_autofree gchar *previous = upd_journal_get(journal, "Previous");
	g_auto(GStrv) slots = upd_journal_get_list(journal, "Slots");
	g_autoptr(GError) error_hook = NULL;

	if (!upd_transaction_run_hook(self, version, previous, &error_hook) ||
	    !upd_transaction_call_hooks(self, release, version, TRUE, &error_hook)) {
		/* the new version does not work here: back to the previous one */
		for (guint i = 0; slots[i] != NULL; i++) {
			g_autofree gchar *had =
				g_build_filename(slots[i], UPD_INSTALL_DIR_VERSIONS,
						 previous != NULL ? previous : "", NULL);
			gboolean present = previous != NULL && g_file_test(had, G_FILE_TEST_IS_DIR);
			if (!upd_install_dir_switch(slots[i], present ? previous : NULL, error))
				return FALSE;
		}
		upd_app_state_add_history(self->state, "install", previous, version, "rolled-back",
					  error_hook->message, NULL);
		if (!upd_app_state_clear_journal(self->state, error))
			return FALSE;
		g_propagate_prefixed_error(error, g_steal_pointer(&error_hook),
					   _("%s %s was rolled back: "),
					   upd_app_config_get_id(self->config), version);
		return FALSE;
	}

	/* keep @keep earlier versions, remove the rest with their records */
	for (guint i = 0; slots[i] != NULL; i++) {
		g_autoptr(GPtrArray) removed = upd_install_dir_prune(
			slots[i], upd_app_config_get_keep_versions(self->config), error);
		if (removed == NULL)
			return FALSE;
		for (guint j = 0; i == 0 && j < removed->len; j++)
			upd_app_state_remove_installed_release(self->state,
							       g_ptr_array_index(removed, j), NULL);
	}
	/* installed on purpose (install --force): no longer skipped */
	upd_app_state_set_skipped(self->state, version, FALSE, NULL);
	upd_app_state_add_history(self->state, "install", previous, version, "installed", NULL,
				  NULL);
	return upd_app_state_clear_journal(self->state, error);
}

static gboolean
upd_transaction_switch_slots(GKeyFile *journal, GError **error)
{
	g_autofree gchar *version = upd_journal_get(journal, "Version");
	g_auto(GStrv) slots = upd_journal_get_list(journal, "Slots");

	/* plugins first, the application's own "current" last: once that names
	 * the new version, everything it refers to is in place */
	for (guint i = g_strv_length(slots); i > 0; i--) {
		if (!upd_install_dir_switch(slots[i - 1], version, error))
			return FALSE;
	}
	return TRUE;
}

/* installs with the transaction lock held */
static gboolean
upd_transaction_install_locked(UpdTransaction *self,
			       UpdPlan *plan,
			       UpdInstallFlags flags,
			       GCancellable *cancellable,
			       GError **error)
{
	const Updater__Release *release = upd_release_get_pb(upd_plan_get_release(plan));
	const gchar *version = release->version;
	g_autofree gchar *previous = upd_install_dir_get_current(upd_transaction_install_dir(self));
	g_autoptr(GPtrArray) slots = upd_transaction_slots_for(self, release);
	g_autoptr(GPtrArray) created = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GKeyFile) journal = NULL;
	g_autoptr(GStrvBuilder) slot_list = g_strv_builder_new();
	g_autoptr(GStrvBuilder) staging_list = g_strv_builder_new();
	g_autoptr(GStrvBuilder) staging_ids = g_strv_builder_new();
	g_autoptr(GStrvBuilder) created_list = g_strv_builder_new();
	g_auto(GStrv) slot_strv = NULL;
	g_auto(GStrv) staging_strv = NULL;
	g_auto(GStrv) staging_id_strv = NULL;
	g_auto(GStrv) created_strv = NULL;
	g_autoptr(GError) error_local = NULL;
	UpdInstallerRegistry *registry;

	if (g_strcmp0(previous, version) == 0 && (flags & UPD_INSTALL_FLAGS_FORCE) == 0) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_ALREADY_EXISTS,
			    _("%s %s is installed already"), upd_app_config_get_id(self->config),
			    version);
		return FALSE;
	}
	registry = upd_transaction_get_registry(self, error);
	if (registry == NULL)
		return FALSE;

	/* the journal says what to undo before anything is created */
	journal = upd_journal_new("install", version, previous);
	for (guint i = 0; i < slots->len; i++) {
		UpdSlot *slot = g_ptr_array_index(slots, i);
		g_autofree gchar *tmpl = g_build_filename(slot->dir, ".staging-XXXXXX", NULL);
		if (!upd_transaction_mkdir_tracked(slot->dir, created, &error_local))
			break;
		if (g_mkdtemp_full(tmpl, 0755) == NULL) {
			upd_file_set_error_errno(&error_local, errno,
						 _("cannot create a staging directory in %s"),
						 slot->dir);
			break;
		}
		slot->staging = g_steal_pointer(&tmpl);
		g_strv_builder_add(slot_list, slot->dir);
		g_strv_builder_add(staging_list, slot->staging);
		{
			g_autofree gchar *id = upd_transaction_dir_id(slot->staging);
			g_strv_builder_add(staging_ids, id);
		}
	}
	slot_strv = g_strv_builder_end(slot_list);
	staging_strv = g_strv_builder_end(staging_list);
	staging_id_strv = g_strv_builder_end(staging_ids);
	g_key_file_set_string_list(journal, UPD_JOURNAL_GROUP, "StagingIds",
				   (const gchar *const *)staging_id_strv,
				   g_strv_length(staging_id_strv));
	g_key_file_set_string_list(journal, UPD_JOURNAL_GROUP, "Slots",
				   (const gchar *const *)slot_strv, g_strv_length(slot_strv));
	g_key_file_set_string_list(journal, UPD_JOURNAL_GROUP, "Staging",
				   (const gchar *const *)staging_strv, g_strv_length(staging_strv));
	for (guint i = 0; i < created->len; i++)
		g_strv_builder_add(created_list, g_ptr_array_index(created, i));
	created_strv = g_strv_builder_end(created_list);
	g_key_file_set_string_list(journal, UPD_JOURNAL_GROUP, "Created",
				   (const gchar *const *)created_strv, g_strv_length(created_strv));
	if (error_local == NULL)
		upd_transaction_step(self, journal, "staging", &error_local);

	/* stage every component with its plugin, then sync it all to disk */
	for (guint i = 0; i < slots->len && error_local == NULL; i++) {
		UpdSlot *slot = g_ptr_array_index(slots, i);
		for (guint j = 0; j < slot->components->len && error_local == NULL; j++)
			upd_transaction_stage_component(self, registry, plan, version,
							g_ptr_array_index(slot->components, j),
							slot->staging, cancellable, &error_local);
		if (error_local == NULL)
			upd_transaction_sync_staging(slot->staging, &error_local);
	}
	if (error_local == NULL)
		upd_app_state_save_installed_release(self->state, version, release, &error_local);
	if (error_local == NULL)
		upd_transaction_step(self, journal, "staged", &error_local);
	if (error_local != NULL) {
		/* nothing was committed: the install directory is as it was */
		upd_transaction_undo_staging(journal);
		upd_transaction_forget_release(self, version);
		upd_error_convert(&error_local);
		upd_app_state_add_history(self->state, "install", previous, version, "failed",
					  error_local->message, NULL);
		upd_app_state_clear_journal(self->state, NULL);
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}

	/* from here on the install is finished, not undone: a crash resumes here,
	 * before a version directory is touched */
	if (!upd_transaction_step(self, journal, "committed", error))
		return FALSE;
	for (guint i = 0; i < slots->len; i++) {
		UpdSlot *slot = g_ptr_array_index(slots, i);
		if (!upd_transaction_commit_slot(slot->dir, slot->staging, staging_id_strv[i],
						 version, error))
			return FALSE;
	}
	if (previous != NULL) {
		g_autoptr(Updater__Release) previous_release =
			upd_app_state_load_installed_release(self->state, previous, NULL);
		g_autoptr(GError) error_hook = NULL;
		if (!upd_transaction_call_hooks(self, previous_release, previous, FALSE,
						&error_hook))
			g_warning("%s", error_hook->message);
	}
	if (!upd_transaction_switch_slots(journal, error) ||
	    !upd_transaction_step(self, journal, "switched", error))
		return FALSE;
	return upd_transaction_finish_install(self, journal, release, error);
}

/* ------------------------------------------------------------- recovery */

static gboolean
upd_transaction_recover_journal(UpdTransaction *self, GError **error)
{
	g_autoptr(GKeyFile) journal = upd_app_state_load_journal(self->state, error);
	g_autofree gchar *operation = NULL;
	g_autofree gchar *step = NULL;
	g_autofree gchar *version = NULL;
	g_autofree gchar *previous = NULL;

	if (journal == NULL)
		return error == NULL || *error == NULL;
	operation = upd_journal_get(journal, "Operation");
	step = upd_journal_get(journal, "Step");
	version = upd_journal_get(journal, "Version");
	previous = upd_journal_get(journal, "Previous");
	g_message("%s: recovering an interrupted %s of %s (step %s)",
		  upd_app_config_get_id(self->config), operation, version, step);

	if (g_strcmp0(operation, "install") == 0) {
		g_autoptr(Updater__Release) release = NULL;
		if (step == NULL || g_strcmp0(step, "staging") == 0 ||
		    g_strcmp0(step, "staged") == 0) {
			/* nothing visible happened yet: undo */
			upd_transaction_undo_staging(journal);
			upd_transaction_forget_release(self, version);
			upd_app_state_add_history(self->state, "install", previous, version,
						  "interrupted",
						  _("the install was interrupted before it was "
						    "committed and has been undone"),
						  NULL);
			return upd_app_state_clear_journal(self->state, error);
		}
		/* committed: the new version is complete on disk; finish */
		release = upd_app_state_load_installed_release(self->state, version, NULL);
		if (g_strcmp0(step, "committed") == 0) {
			g_auto(GStrv) slots = upd_journal_get_list(journal, "Slots");
			g_auto(GStrv) staging = upd_journal_get_list(journal, "Staging");
			g_auto(GStrv) ids = upd_journal_get_list(journal, "StagingIds");
			for (guint i = 0; slots[i] != NULL && staging[i] != NULL; i++) {
				if (!upd_transaction_commit_slot(
					    slots[i], staging[i],
					    i < g_strv_length(ids) ? ids[i] : "", version, error))
					return FALSE;
			}
			if (!upd_transaction_switch_slots(journal, error) ||
			    !upd_transaction_step(self, journal, "switched", error))
				return FALSE;
		}
		return upd_transaction_finish_install(self, journal, release, error);
	}
	if (g_strcmp0(operation, "rollback") == 0) {
		g_auto(GStrv) slots = upd_journal_get_list(journal, "Slots");
		for (guint i = 0; slots[i] != NULL; i++) {
			g_autofree gchar *had = upd_install_dir_version_path(slots[i], previous);
			if (!upd_install_dir_switch(
				    slots[i],
				    g_file_test(had, G_FILE_TEST_IS_DIR) ? previous : NULL, error))
				return FALSE;
		}
		upd_app_state_set_skipped(self->state, version, TRUE, NULL);
		upd_app_state_add_history(self->state, "rollback", version, previous, "rolled-back",
					  NULL, NULL);
		return upd_app_state_clear_journal(self->state, error);
	}
	g_set_error(error, UPD_ERROR, UPD_ERROR_INVALID_DATA,
		    _("the journal of %s names an unknown operation “%s”"),
		    upd_app_config_get_id(self->config), operation != NULL ? operation : "");
	return FALSE;
}

/* with no transaction running (the lock is held), staging and trash
 * directories are leftovers of a crash: one before the journal named them, or
 * in the middle of removing an old directory */
static void
upd_transaction_sweep(UpdTransaction *self)
{
	g_autoptr(GPtrArray) slots = upd_transaction_existing_plugin_slots(self);

	g_autoptr(GDir) state = g_dir_open(upd_app_state_get_dir(self->state), 0, NULL);
	const gchar *entry;

	/* a journal being written when the process was killed (written only
	 * under the lock, so no other writer is about) */
	while (state != NULL && (entry = g_dir_read_name(state)) != NULL) {
		if (g_str_has_prefix(entry, ".journal.ini.")) {
			g_autofree gchar *path =
				g_build_filename(upd_app_state_get_dir(self->state), entry, NULL);
			g_unlink(path);
		}
	}
	g_ptr_array_insert(slots, 0, g_strdup(upd_transaction_install_dir(self)));
	for (guint i = 0; i < slots->len; i++) {
		g_autoptr(GDir) d = g_dir_open(g_ptr_array_index(slots, i), 0, NULL);
		const gchar *name;

		while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
			g_autofree gchar *path = NULL;
			g_autoptr(GError) error = NULL;

			if (!g_str_has_prefix(name, ".staging-") &&
			    !g_str_has_prefix(name, ".trash-"))
				continue;
			path = g_build_filename(g_ptr_array_index(slots, i), name, NULL);
			g_debug("removing the leftover %s", path);
			if (!upd_file_rm_rf(path, &error))
				g_warning("%s", error->message);
		}
	}
}

static gboolean
upd_transaction_recover_locked(UpdTransaction *self, GError **error)
{
	if (!upd_transaction_recover_journal(self, error))
		return FALSE;
	upd_transaction_sweep(self);
	return TRUE;
}

/**
 * upd_transaction_recover:
 * @self: an #UpdTransaction
 * @cancellable: (nullable): a #GCancellable (waiting for the lock)
 * @error: (nullable): return location for a #GError
 *
 * Finishes or undoes an install or rollback that a crash interrupted, as its
 * journal says. Installs and rollbacks do this first themselves. Blocking.
 *
 * Returns: %TRUE when no transaction is left unfinished
 *
 * Since: 0.1
 */
gboolean
upd_transaction_recover(UpdTransaction *self, GCancellable *cancellable, GError **error)
{
	g_auto(UpdFd) lock = -1;

	g_return_val_if_fail(UPD_IS_TRANSACTION(self), FALSE);
	lock = upd_app_state_lock_transaction(self->state, error);
	if (lock < 0)
		return FALSE;
	return upd_transaction_recover_locked(self, error);
}

gboolean
upd_transaction_recover_unless_busy(UpdTransaction *self, gboolean *busy, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_auto(UpdFd) lock = -1;

	g_return_val_if_fail(UPD_IS_TRANSACTION(self), FALSE);
	*busy = FALSE;
	lock = upd_app_state_try_lock_transaction(self->state, &error_local);
	if (lock < 0) {
		*busy = error_local == NULL;
		if (*busy)
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	return upd_transaction_recover_locked(self, error);
}

/* ---------------------------------------------------------------- install */

typedef struct {
	UpdPlan *plan; /* (owned) */
	UpdInstallFlags flags;
} UpdTransactionInstallData;

static void
upd_transaction_install_data_free(UpdTransactionInstallData *data)
{
	g_clear_object(&data->plan);
	g_free(data);
}

static void
upd_transaction_install_thread(GTask *task,
			       gpointer source_object,
			       gpointer task_data,
			       GCancellable *cancellable)
{
	UpdTransaction *self = source_object;
	UpdTransactionInstallData *data = task_data;
	g_autoptr(GError) error = NULL;
	g_auto(UpdFd) lock = upd_app_state_lock_transaction(self->state, &error);

	if (lock < 0 || !upd_transaction_recover_locked(self, &error) ||
	    !upd_transaction_install_locked(self, data->plan, data->flags, cancellable, &error)) {
		upd_error_convert(&error);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	g_task_return_boolean(task, TRUE);
}

/**
 * upd_transaction_install_async:
 * @self: an #UpdTransaction
 * @plan: a plan whose objects are downloaded
 * @flags: #UpdInstallFlags
 * @cancellable: (nullable): a #GCancellable; honoured until the new version is
 *   committed, after which the install is always finished
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Installs the plan's release: every component is staged by the installer
 * plugin of its payload type into a hidden directory of the install
 * directory, synced, renamed into `versions/<version>`, and `current` is
 * switched atomically. The post-install hook (`PostInstall=`) then runs; when
 * it fails, `current` goes back to the previous version. Earlier versions
 * beyond `KeepVersions=` are removed. Every outcome is recorded in the history.
 *
 * Since: 0.1
 */
void
upd_transaction_install_async(UpdTransaction *self,
			      UpdPlan *plan,
			      UpdInstallFlags flags,
			      GCancellable *cancellable,
			      GAsyncReadyCallback callback,
			      gpointer user_data)
{
	g_autoptr(GTask) task = NULL;
	UpdTransactionInstallData *data;

	g_return_if_fail(UPD_IS_TRANSACTION(self));
	g_return_if_fail(UPD_IS_PLAN(plan));

	task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(task, upd_transaction_install_async);
	g_task_set_check_cancellable(task, FALSE);
	data = g_new0(UpdTransactionInstallData, 1);
	data->plan = g_object_ref(plan);
	data->flags = flags;
	g_task_set_task_data(task, data, (GDestroyNotify)upd_transaction_install_data_free);
	g_task_run_in_thread(task, upd_transaction_install_thread);
}

/**
 * upd_transaction_install_finish:
 * @self: an #UpdTransaction
 * @res: the #GAsyncResult
 * @error: (nullable): return location for a #GError
 *
 * Errors: %UPD_ERROR_ALREADY_EXISTS when the version is current already,
 * %UPD_ERROR_PLUGIN when no installer handles a payload type,
 * %UPD_ERROR_INVALID_DATA for payloads refused by their installer (hostile
 * archives, wrong types), %UPD_ERROR_TOO_LARGE for archive bombs,
 * %UPD_ERROR_DIGEST_MISMATCH, %UPD_ERROR_NO_SPACE, %UPD_ERROR_HOOK_FAILED
 * (rolled back), %UPD_ERROR_CANCELLED. On every error before the commit the
 * install directory is left as it was.
 *
 * Returns: %TRUE when the release is installed and current
 *
 * Since: 0.1
 */
gboolean
upd_transaction_install_finish(UpdTransaction *self, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(UPD_IS_TRANSACTION(self), FALSE);
	g_return_val_if_fail(g_task_is_valid(res, self), FALSE);
	return g_task_propagate_boolean(G_TASK(res), error);
}

/* --------------------------------------------------------------- rollback */

static gchar *
upd_transaction_rollback_locked(UpdTransaction *self, GError **error)
{
	const gchar *install_dir = upd_transaction_install_dir(self);
	g_autofree gchar *current = upd_install_dir_get_current(install_dir);
	g_autoptr(GPtrArray) versions = upd_install_dir_list_versions(install_dir);
	g_autoptr(GPtrArray) plugin_slots = upd_transaction_existing_plugin_slots(self);
	g_autoptr(GKeyFile) journal = NULL;
	g_autoptr(GStrvBuilder) slot_list = g_strv_builder_new();
	g_autoptr(Updater__Release) release = NULL;
	g_autoptr(GError) error_hook = NULL;
	g_auto(GStrv) slots = NULL;
	g_auto(GStrv) skipped = NULL;
	const gchar *target = NULL;
	const gchar *target_skipped = NULL;

	if (current == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_NOT_FOUND,
			    _("%s is not installed in %s: nothing to roll back"),
			    upd_app_config_get_id(self->config), install_dir);
		return NULL;
	}
	/* the newest version kept that is older than the current one, and not
	 * one rolled back from before (a swap or a hook refused it) unless
	 * there is no other */
	skipped = upd_app_state_get_skipped(self->state);
	for (guint i = 0; i < versions->len; i++) {
		const gchar *version = g_ptr_array_index(versions, i);
		if (upd_version_compare(version, current) >= 0)
			continue;
		if (skipped == NULL || !g_strv_contains((const gchar *const *)skipped, version))
			target = version;
		else if (target_skipped == NULL || upd_version_compare(version, target_skipped) > 0)
			target_skipped = version;
	}
	if (target == NULL)
		target = target_skipped;
	if (target == NULL) {
		g_set_error(error, UPD_ERROR, UPD_ERROR_NOT_FOUND,
			    _("no version of %s older than %s is kept: nothing to roll back to"),
			    upd_app_config_get_id(self->config), current);
		return NULL;
	}

	journal = upd_journal_new("rollback", current, target);
	for (guint i = 0; i < plugin_slots->len; i++)
		g_strv_builder_add(slot_list, g_ptr_array_index(plugin_slots, i));
	g_strv_builder_add(slot_list, install_dir);
	slots = g_strv_builder_end(slot_list);
	g_key_file_set_string_list(journal, UPD_JOURNAL_GROUP, "Slots", (const gchar *const *)slots,
				   g_strv_length(slots));
	if (!upd_transaction_step(self, journal, "switching", error))
		return NULL;
	release = upd_app_state_load_installed_release(self->state, current, NULL);
	if (!upd_transaction_call_hooks(self, release, current, FALSE, &error_hook))
		g_warning("%s", error_hook->message);
	/* plugins a version did not have are not current after the rollback */
	for (guint i = 0; slots[i] != NULL; i++) {
		g_autofree gchar *had = upd_install_dir_version_path(slots[i], target);
		if (!upd_install_dir_switch(
			    slots[i], g_file_test(had, G_FILE_TEST_IS_DIR) ? target : NULL, error))
			return NULL;
	}
	if (!upd_app_state_set_skipped(self->state, current, TRUE, error))
		return NULL;
	upd_app_state_add_history(self->state, "rollback", current, target, "rolled-back", NULL,
				  NULL);
	if (!upd_app_state_clear_journal(self->state, error))
		return NULL;
	return g_strdup(target);
}

static void
upd_transaction_rollback_thread(GTask *task,
				gpointer source_object,
				gpointer task_data,
				GCancellable *cancellable)
{
	UpdTransaction *self = source_object;
	g_autoptr(GError) error = NULL;
	g_auto(UpdFd) lock = upd_app_state_lock_transaction(self->state, &error);
	gchar *version = NULL;

	if (lock >= 0 && upd_transaction_recover_locked(self, &error))
		version = upd_transaction_rollback_locked(self, &error);
	if (version == NULL) {
		upd_error_convert(&error);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	g_task_return_pointer(task, version, g_free);
}

/**
 * upd_transaction_rollback_async:
 * @self: an #UpdTransaction
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Switches `current` back to the newest kept version older than the current
 * one, atomically, and marks the version it left as skipped: checks do not
 * offer it again until a newer release appears.
 *
 * Since: 0.1
 */
void
upd_transaction_rollback_async(UpdTransaction *self,
			       GCancellable *cancellable,
			       GAsyncReadyCallback callback,
			       gpointer user_data)
{
	g_autoptr(GTask) task = NULL;

	g_return_if_fail(UPD_IS_TRANSACTION(self));
	task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(task, upd_transaction_rollback_async);
	g_task_run_in_thread(task, upd_transaction_rollback_thread);
}

/**
 * upd_transaction_rollback_finish:
 * @self: an #UpdTransaction
 * @res: the #GAsyncResult
 * @error: (nullable): return location for a #GError
 *
 * Returns: (transfer full): the version now current, or %NULL with
 *   %UPD_ERROR_NOT_FOUND when no earlier version is kept
 *
 * Since: 0.1
 */
gchar *
upd_transaction_rollback_finish(UpdTransaction *self, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(UPD_IS_TRANSACTION(self), NULL);
	g_return_val_if_fail(g_task_is_valid(res, self), NULL);
	return g_task_propagate_pointer(G_TASK(res), error);
}

/* ------------------------------------------------------------------ state */

/**
 * upd_transaction_get_current_version:
 * @self: an #UpdTransaction
 *
 * Returns: (transfer full) (nullable): the version `current` points to
 *
 * Since: 0.1
 */
gchar *
upd_transaction_get_current_version(UpdTransaction *self)
{
	g_return_val_if_fail(UPD_IS_TRANSACTION(self), NULL);
	return upd_install_dir_get_current(upd_transaction_install_dir(self));
}

/**
 * upd_transaction_get_versions:
 * @self: an #UpdTransaction
 *
 * Returns: (transfer full): the versions kept in the install directory, oldest first
 *
 * Since: 0.1
 */
GStrv
upd_transaction_get_versions(UpdTransaction *self)
{
	g_autoptr(GPtrArray) versions = NULL;

	g_return_val_if_fail(UPD_IS_TRANSACTION(self), NULL);
	versions = upd_install_dir_list_versions(upd_transaction_install_dir(self));
	g_ptr_array_add(versions, NULL);
	return (GStrv)g_ptr_array_steal(versions, NULL);
}

/**
 * upd_transaction_get_skipped:
 * @self: an #UpdTransaction
 *
 * Returns: (transfer full): versions left by a rollback, not offered again
 *
 * Since: 0.1
 */
GStrv
upd_transaction_get_skipped(UpdTransaction *self)
{
	g_return_val_if_fail(UPD_IS_TRANSACTION(self), NULL);
	return upd_app_state_get_skipped(self->state);
}

/**
 * upd_transaction_get_history:
 * @self: an #UpdTransaction
 * @error: (nullable): return location for a #GError
 *
 * Returns: (transfer full): the history as `aa{sv}`, oldest first, each entry
 *   with `time` (x, Unix time), `operation` (s: install, rollback), `from` and
 *   `to` (s, versions, "" for none), `result` (s: installed, failed,
 *   rolled-back, interrupted) and `error` (s, "" for none)
 *
 * Since: 0.1
 */
GVariant *
upd_transaction_get_history(UpdTransaction *self, GError **error)
{
	g_return_val_if_fail(UPD_IS_TRANSACTION(self), NULL);
	return upd_app_state_get_history(self->state, error);
}
