/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "upd-app-state-private.h"
#include "upd-i18n-private.h"
#include "upd-release-private.h"
#include "upd-transaction-private.h"
#include "usv-app.h"
#include "usv-inhibitor.h"
#include "usv-swap-tracker.h"

/* the first retry after a failure; doubled after each further one */
#define USV_APP_RETRY_FIRST 30
/* seconds from better conditions (network back, power saving off) to the check */
#define USV_APP_CONDITIONS_DELAY 2
/* the longest interval a server may suggest: the suggestion travels outside
 * the signed manifest, so it may slow clients down but never stop them */
#define USV_APP_SUGGESTED_MAX (7 * 24 * 3600)

typedef enum {
	USV_OP_CHECK,
	USV_OP_DOWNLOAD,
	USV_OP_INSTALL,
	USV_OP_ROLLBACK,
} UsvOpKind;

static const gchar *const usv_op_names[] = {"check", "download", "install", "rollback"};

/* One operation and everyone waiting for it. */
typedef struct {
	UsvOpKind kind;
	gboolean force;
	gboolean automatic;	 /* started by the schedule, not by a caller */
	GPtrArray *invocations;	 /* (element-type GDBusMethodInvocation) */
	UpdRelease *release;	 /* (owned) (nullable): what it installs */
	gchar *installed_before; /* (owned) (nullable) */
} UsvOp;

struct _UsvApp {
	GObject parent_instance;
	UpdAppConfig *config;	       /* (owned) */
	UpdAppState *state;	       /* (owned) */
	UpdClient *client;	       /* (owned) */
	UpdDownloader *downloader;     /* (owned) */
	UpdTransaction *transaction;   /* (owned) */
	UpdDBusObjectSkeleton *object; /* (owned) */
	UpdDBusUpdater1App *skeleton;  /* (owned) */
	GNetworkMonitor *network;      /* (owned) */
	GPowerProfileMonitor *power;   /* (owned) (nullable) */
	UsvOp *running;		       /* (owned) (nullable) */
	GQueue *queue;		       /* (owned): UsvOp */
	GCancellable *cancellable;     /* (owned): of the running operation */
	UpdCheckResult *result;	       /* (owned) (nullable): the last check */
	UpdPlan *plan;		       /* (owned) (nullable) */
	guint next_check_id;
	guint failures;
	guint suggested_interval;
	gboolean waiting_for_network;
	gboolean deferred;     /* an update waits for better conditions */
	gint64 last_check;     /* Unix time */
	UsvSwapTracker *swaps; /* (owned) */
	gchar *swap_failure;   /* (owned) (nullable) */
	/* (element-type GStrv): swaps reported while the install that asks
	 * for them is still finishing, recorded after it */
	GPtrArray *early_swaps;
	int inhibitor_fd;
	gdouble last_progress;
	gboolean shut_down;
	gboolean recovering; /* waits for another's transaction to end */
};

enum {
	SIGNAL_BUSY_CHANGED,
	N_SIGNALS,
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE(UsvApp, usv_app, G_TYPE_OBJECT)

static void
usv_app_run_next(UsvApp *self);
static void
usv_app_schedule(UsvApp *self, guint delay);
static void
usv_app_save_schedule(UsvApp *self);

static void
usv_op_free(UsvOp *op)
{
	g_ptr_array_unref(op->invocations);
	g_clear_object(&op->release);
	g_free(op->installed_before);
	g_free(op);
}

/* ----------------------------------------------------------------- state */

static void
usv_app_set_state(UsvApp *self, const gchar *state)
{
	g_autofree gchar *previous = g_strdup(upd_dbus_updater1_app_get_state(self->skeleton));

	if (g_strcmp0(previous, state) == 0)
		return;
	g_debug("%s: %s -> %s", usv_app_get_id(self), previous, state);
	upd_dbus_updater1_app_set_state(self->skeleton, state);
	/* PropertiesChanged before StateChanged, so that clients see both agree */
	g_dbus_interface_skeleton_flush(G_DBUS_INTERFACE_SKELETON(self->skeleton));
	upd_dbus_updater1_app_emit_state_changed(self->skeleton, state,
						 previous != NULL ? previous : "");
}

static void
usv_app_update_installed(UsvApp *self)
{
	g_autofree gchar *installed = upd_transaction_get_current_version(self->transaction);
	upd_dbus_updater1_app_set_installed_version(self->skeleton,
						    installed != NULL ? installed : "");
	/* out before any answer that follows: callers read it then */
	g_dbus_interface_skeleton_flush(G_DBUS_INTERFACE_SKELETON(self->skeleton));
}

/* what a check found, as properties */
static void
usv_app_publish_result(UsvApp *self)
{
	UpdRelease *update =
		self->result != NULL ? upd_check_result_get_update(self->result) : NULL;
	const gchar *notes = update != NULL ? upd_release_get_notes(update, NULL, NULL) : NULL;

	upd_dbus_updater1_app_set_available_version(
		self->skeleton, update != NULL ? upd_release_get_version(update) : "");
	upd_dbus_updater1_app_set_mandatory(self->skeleton,
					    self->result != NULL &&
						    upd_check_result_get_mandatory(self->result));
	upd_dbus_updater1_app_set_release_notes(self->skeleton, notes != NULL ? notes : "");
	usv_app_update_installed(self);
}

static void
usv_app_progress_cb(UpdDownloader *downloader,
		    guint64 done,
		    guint64 total,
		    gdouble rate,
		    gint64 eta,
		    gpointer user_data)
{
	UsvApp *self = USV_APP(user_data);
	gdouble fraction = total > 0 ? (gdouble)done / (gdouble)total : 1.0;

	/* the downloader reports at most four times a second: so does the signal */
	upd_dbus_updater1_app_emit_progress(self->skeleton, done, total, rate, eta);
	/* the property only on a visible change, to spare PropertiesChanged */
	if (fraction - self->last_progress >= 0.01 || fraction >= 1.0 ||
	    fraction < self->last_progress) {
		self->last_progress = fraction;
		upd_dbus_updater1_app_set_progress(self->skeleton, fraction);
	}
}

/* ------------------------------------------------------------ operations */

static void
usv_app_finish(UsvApp *self, GVariant *value, const GError *error)
{
	g_autoptr(GVariant) sunk = value != NULL ? g_variant_ref_sink(value) : NULL;
	UsvOp *op = g_steal_pointer(&self->running);
	gboolean automatic = op->automatic;
	UsvOpKind kind = op->kind;

	g_clear_object(&self->cancellable);
	if (error != NULL) {
		g_message("%s: %s failed: %s", usv_app_get_id(self), usv_op_names[kind],
			  error->message);
		upd_dbus_updater1_app_set_last_error(self->skeleton, error->message);
		usv_app_set_state(self, "error");
	} else {
		upd_dbus_updater1_app_set_last_error(self->skeleton, "");
		usv_app_set_state(self, "idle");
	}
	/* the schedule: a failed automatic operation retries sooner, backing off */
	if (automatic || kind != USV_OP_ROLLBACK) {
		if (automatic && error != NULL)
			self->failures++;
		else if (error == NULL)
			self->failures = 0;
		self->last_check = g_get_real_time() / G_USEC_PER_SEC;
		usv_app_save_schedule(self);
		if (!self->shut_down)
			usv_app_schedule(self, 0);
	}
	/* callers read the properties when the reply comes: send them first */
	g_dbus_interface_skeleton_flush(G_DBUS_INTERFACE_SKELETON(self->skeleton));
	for (guint i = 0; i < op->invocations->len; i++) {
		GDBusMethodInvocation *invocation = g_ptr_array_index(op->invocations, i);
		if (error != NULL)
			g_dbus_method_invocation_return_gerror(invocation, error);
		else
			g_dbus_method_invocation_return_value(invocation, sunk);
	}
	usv_op_free(op);

	if (g_queue_is_empty(self->queue))
		g_signal_emit(self, signals[SIGNAL_BUSY_CHANGED], 0);
	usv_app_run_next(self);
}

static void
usv_app_fail(UsvApp *self, GError *error)
{
	g_autoptr(GError) owned = error;
	usv_app_finish(self, NULL, owned);
}

/* the next stage of an operation, after its check */
static void
usv_app_after_check(UsvApp *self);

static void
usv_app_check_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(UsvApp) self = USV_APP(user_data);
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdCheckResult) result = NULL;

	result = upd_client_check_finish(UPD_CLIENT(source), res, &error);
	if (result == NULL) {
		usv_app_fail(self, g_steal_pointer(&error));
		return;
	}
	g_set_object(&self->result, result);
	self->suggested_interval =
		MIN(upd_check_result_get_poll_interval(result), USV_APP_SUGGESTED_MAX);
	usv_app_publish_result(self);
	usv_app_after_check(self);
}

static void
usv_app_start_check(UsvApp *self)
{
	usv_app_set_state(self, "checking");
	upd_client_set_include_skipped(self->client, self->running->force);
	upd_client_check_async(self->client, self->cancellable, usv_app_check_cb,
			       g_object_ref(self));
}

static void
usv_app_start_download(UsvApp *self);
static void
usv_app_start_install(UsvApp *self);

static void
usv_app_download_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(UsvApp) self = USV_APP(user_data);
	g_autoptr(GError) error = NULL;

	if (!upd_downloader_download_finish(UPD_DOWNLOADER(source), res, &error)) {
		usv_app_fail(self, g_steal_pointer(&error));
		return;
	}
	if (self->running->kind == USV_OP_INSTALL) {
		usv_app_start_install(self);
		return;
	}
	usv_app_finish(self,
		       g_variant_new("(t)", upd_downloader_get_bytes_received(self->downloader)),
		       NULL);
}

static void
usv_app_plan_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(UsvApp) self = USV_APP(user_data);
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdPlan) plan = upd_client_plan_finish(UPD_CLIENT(source), res, &error);

	if (plan == NULL) {
		usv_app_fail(self, g_steal_pointer(&error));
		return;
	}
	g_set_object(&self->plan, plan);
	upd_dbus_updater1_app_set_download_size(self->skeleton, upd_plan_get_download_size(plan));
	usv_app_start_download(self);
}

static void
usv_app_start_download(UsvApp *self)
{
	usv_app_set_state(self, "downloading");
	self->last_progress = 0;
	upd_dbus_updater1_app_set_progress(self->skeleton, 0);
	upd_downloader_download_async(self->downloader, self->plan, self->cancellable,
				      usv_app_download_cb, g_object_ref(self));
}

/* the plugin components of a release: the hosts must swap them */
static GStrv
usv_app_plugin_components(UpdRelease *release)
{
	const Updater__Release *pb = upd_release_get_pb(release);
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	for (gsize i = 0; i < pb->n_components; i++) {
		if (pb->components[i]->kind == UPDATER__COMPONENT_KIND__COMPONENT_KIND_PLUGIN)
			g_strv_builder_add(builder, pb->components[i]->name);
	}
	return g_strv_builder_end(builder);
}

static void
usv_app_rollback_swap_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(UsvApp) self = USV_APP(user_data);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *version =
		upd_transaction_rollback_finish(UPD_TRANSACTION(source), res, &error);
	g_autofree gchar *reasons = g_steal_pointer(&self->swap_failure);

	usv_app_update_installed(self);
	if (version == NULL)
		usv_app_fail(self, g_error_new(UPD_ERROR, UPD_ERROR_PLUGIN,
					       _("a host could not swap the new version (%s), and "
						 "rolling back failed too: %s"),
					       reasons, error->message));
	else
		usv_app_fail(self, g_error_new(UPD_ERROR, UPD_ERROR_PLUGIN,
					       _("a host could not swap the new version (%s); "
						 "rolled back to %s"),
					       reasons, version));
}

/* every awaited swap reported (or the time ran out) */
static void
usv_app_swaps_finished_cb(UsvSwapTracker *swaps, const gchar *failures, gpointer user_data)
{
	UsvApp *self = USV_APP(user_data);

	g_return_if_fail(self->running != NULL && self->running->kind == USV_OP_INSTALL);
	if (failures != NULL) {
		/* the old version still runs in the host: the install is undone */
		self->swap_failure = g_strdup(failures);
		usv_app_set_state(self, "installing");
		upd_transaction_rollback_async(self->transaction, NULL, usv_app_rollback_swap_cb,
					       g_object_ref(self));
		return;
	}
	usv_app_finish(self, g_variant_new("(s)", upd_release_get_version(self->running->release)),
		       NULL);
}

/* a host's swap into history: its from, to, result and message */
static void
usv_app_record_swap(UsvApp *self, const gchar *const *swap)
{
	g_autoptr(GError) error = NULL;

	if (!upd_app_state_add_history(self->state, "swap", swap[0], swap[1], swap[2],
				       swap[3][0] != '\0' ? swap[3] : NULL, &error))
		g_warning("%s: %s", usv_app_get_id(self), error->message);
}

static void
usv_app_install_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(UsvApp) self = USV_APP(user_data);
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) plugins = NULL;
	const gchar *version;
	gboolean ok = upd_transaction_install_finish(UPD_TRANSACTION(source), res, &error);

	/* the switch is done (or undone): shutdown may proceed */
	usv_inhibitor_release(&self->inhibitor_fd);
	/* a host that saw the switch before the install finished: its swap
	 * comes after the install in history */
	for (guint i = 0; i < self->early_swaps->len; i++)
		usv_app_record_swap(self, g_ptr_array_index(self->early_swaps, i));
	g_ptr_array_set_size(self->early_swaps, 0);
	usv_app_update_installed(self);
	if (!ok) {
		usv_app_fail(self, g_steal_pointer(&error));
		return;
	}
	g_clear_object(&self->result);
	usv_app_publish_result(self);
	/* running hosts swap the new plugins at their next idle moment */
	plugins = usv_app_plugin_components(self->running->release);
	version = upd_release_get_version(self->running->release);
	if (!usv_swap_tracker_await(self->swaps, (const gchar *const *)plugins, version)) {
		usv_app_finish(self, g_variant_new("(s)", version), NULL);
		return;
	}
	usv_app_set_state(self, "pending-swap");
	for (guint i = 0; plugins[i] != NULL; i++)
		upd_dbus_updater1_app_emit_swap_requested(self->skeleton, plugins[i], version);
}

static void
usv_app_inhibited_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(UsvApp) self = USV_APP(user_data);
	UpdInstallFlags flags =
		self->running->force ? UPD_INSTALL_FLAGS_FORCE : UPD_INSTALL_FLAGS_NONE;

	/* without logind the install goes on; only the guard is missing */
	self->inhibitor_fd = usv_inhibitor_take_finish(res);
	upd_transaction_install_async(self->transaction, self->plan, flags, self->cancellable,
				      usv_app_install_cb, g_object_ref(self));
}

static void
usv_app_start_install(UsvApp *self)
{
	usv_app_set_state(self, "installing");
	usv_swap_tracker_begin(self->swaps);
	/* a shutdown waits for the atomic switch instead of cutting it */
	usv_inhibitor_take_async(_("Installing an update"), usv_app_inhibited_cb,
				 g_object_ref(self));
}

static gboolean
usv_app_conditions_defer(UsvApp *self, UpdRelease *update, gboolean mandatory)
{
	/* what the daemon does on its own waits for better conditions */
	if (!self->running->automatic)
		return FALSE;
	if (!mandatory && self->power != NULL &&
	    g_power_profile_monitor_get_power_saver_enabled(self->power)) {
		g_message("%s: %s deferred: power saver mode is on", usv_app_get_id(self),
			  upd_release_get_version(update));
		return TRUE;
	}
	if (g_network_monitor_get_network_metered(self->network) &&
	    !upd_app_config_get_allow_metered(self->config)) {
		g_message("%s: %s deferred: the network is metered (AllowMetered=false)",
			  usv_app_get_id(self), upd_release_get_version(update));
		return TRUE;
	}
	return FALSE;
}

static void
usv_app_after_check(UsvApp *self)
{
	UsvOp *op = self->running;
	UpdRelease *update = upd_check_result_get_update(self->result);
	gboolean mandatory = upd_check_result_get_mandatory(self->result);
	UpdPolicy policy = upd_app_config_get_policy(self->config);

	/* what the daemon does on its own follows the policy; a mandatory
	 * release is installed under any policy */
	if (op->automatic && update != NULL && !mandatory) {
		if (policy == UPD_POLICY_DOWNLOAD)
			op->kind = USV_OP_DOWNLOAD;
		else if (policy != UPD_POLICY_AUTO)
			op->kind = USV_OP_CHECK;
	}
	if (op->kind == USV_OP_CHECK) {
		usv_app_finish(
			self,
			g_variant_new("(s)", update != NULL ? upd_release_get_version(update) : ""),
			NULL);
		return;
	}
	if (update == NULL && op->kind == USV_OP_INSTALL && op->force) {
		const gchar *installed = upd_check_result_get_installed_version(self->result);
		if (installed != NULL)
			update = upd_manifest_get_release(
				upd_check_result_get_manifest(self->result), installed);
	}
	if (update == NULL) {
		g_autofree gchar *installed =
			upd_transaction_get_current_version(self->transaction);
		if (op->kind == USV_OP_DOWNLOAD)
			usv_app_finish(self, g_variant_new("(t)", (guint64)0), NULL);
		else
			usv_app_finish(self,
				       g_variant_new("(s)", installed != NULL ? installed : ""),
				       NULL);
		return;
	}
	self->deferred = usv_app_conditions_defer(self, update, mandatory);
	if (self->deferred) {
		usv_app_finish(self,
			       op->kind == USV_OP_DOWNLOAD ? g_variant_new("(t)", (guint64)0)
							   : g_variant_new("(s)", ""),
			       NULL);
		return;
	}
	g_set_object(&op->release, update);
	usv_app_set_state(self, "downloading");
	upd_client_plan_async(self->client, self->result, update, self->cancellable,
			      usv_app_plan_cb, g_object_ref(self));
}

static void
usv_app_rollback_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(UsvApp) self = USV_APP(user_data);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *version =
		upd_transaction_rollback_finish(UPD_TRANSACTION(source), res, &error);

	usv_app_update_installed(self);
	if (version == NULL) {
		usv_app_fail(self, g_steal_pointer(&error));
		return;
	}
	usv_app_finish(self, g_variant_new("(s)", version), NULL);
}

static void
usv_app_run_next(UsvApp *self)
{
	if (self->running != NULL || self->shut_down || self->recovering)
		return;
	self->running = g_queue_pop_head(self->queue);
	if (self->running == NULL)
		return;
	g_signal_emit(self, signals[SIGNAL_BUSY_CHANGED], 0);
	self->cancellable = g_cancellable_new();
	g_debug("%s: %s%s", usv_app_get_id(self), usv_op_names[self->running->kind],
		self->running->automatic ? " (scheduled)" : "");
	if (self->running->kind == USV_OP_ROLLBACK) {
		usv_app_set_state(self, "installing");
		upd_transaction_rollback_async(self->transaction, self->cancellable,
					       usv_app_rollback_cb, g_object_ref(self));
		return;
	}
	usv_app_start_check(self);
}

/* asks for an operation; the same one already asked for is shared */
static void
usv_app_request(UsvApp *self,
		UsvOpKind kind,
		gboolean force,
		gboolean automatic,
		GDBusMethodInvocation *invocation)
{
	UsvOp *op = NULL;

	if (self->running != NULL && self->running->kind == kind && self->running->force == force)
		op = self->running;
	for (GList *l = self->queue->head; op == NULL && l != NULL; l = l->next) {
		UsvOp *queued = l->data;
		if (queued->kind == kind && queued->force == force)
			op = queued;
	}
	if (op == NULL) {
		op = g_new0(UsvOp, 1);
		op->kind = kind;
		op->force = force;
		op->automatic = automatic;
		op->invocations = g_ptr_array_new_with_free_func(g_object_unref);
		g_queue_push_tail(self->queue, op);
	}
	/* a caller's request makes a scheduled one a caller's: no deferral */
	if (invocation != NULL) {
		op->automatic = FALSE;
		g_ptr_array_add(op->invocations, g_object_ref(invocation));
	}
	usv_app_run_next(self);
}

/* -------------------------------------------------------------- schedule */

static gboolean
usv_app_scheduled_cb(gpointer user_data)
{
	UsvApp *self = USV_APP(user_data);

	self->next_check_id = 0;
	upd_dbus_updater1_app_set_next_check(self->skeleton, 0);
	if (!g_network_monitor_get_network_available(self->network)) {
		/* no polling offline: the network coming back triggers the check */
		g_debug("%s: offline, waiting for the network", usv_app_get_id(self));
		self->waiting_for_network = TRUE;
		return G_SOURCE_REMOVE;
	}
	/* after the check, the policy decides how far it goes */
	usv_app_request(self, USV_OP_INSTALL, FALSE, TRUE, NULL);
	return G_SOURCE_REMOVE;
}

/* seconds between regular checks: the configured interval or the server's
 * suggestion, whichever is longer; after failures, retries come sooner and
 * back off exponentially (30 s, 1 min, 2 min, ...) up to the interval */
static guint
usv_app_interval(UsvApp *self)
{
	guint interval =
		MAX(upd_app_config_get_poll_interval(self->config), self->suggested_interval);
	if (self->failures > 0) {
		guint shift = MIN(self->failures - 1, 16u);
		interval = MIN(interval, (guint)USV_APP_RETRY_FIRST << shift);
	}
	return interval;
}

static gchar *
usv_app_schedule_file(UsvApp *self)
{
	return g_build_filename(upd_app_state_get_dir(self->state), "schedule.ini", NULL);
}

/* so that a restarted daemon does not check again at once */
static void
usv_app_save_schedule(UsvApp *self)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *file = usv_app_schedule_file(self);

	g_key_file_set_int64(kf, "Schedule", "LastCheck", self->last_check);
	g_key_file_set_uint64(kf, "Schedule", "Failures", self->failures);
	g_key_file_set_uint64(kf, "Schedule", "SuggestedInterval", self->suggested_interval);
	if (g_mkdir_with_parents(upd_app_state_get_dir(self->state), 0700) != 0 ||
	    !g_key_file_save_to_file(kf, file, &error))
		g_warning("%s: cannot save the schedule: %s", usv_app_get_id(self),
			  error != NULL ? error->message : g_strerror(errno));
}

static void
usv_app_load_schedule(UsvApp *self)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree gchar *file = usv_app_schedule_file(self);

	if (!g_key_file_load_from_file(kf, file, G_KEY_FILE_NONE, NULL))
		return;
	self->last_check = g_key_file_get_int64(kf, "Schedule", "LastCheck", NULL);
	self->failures = (guint)MIN(g_key_file_get_uint64(kf, "Schedule", "Failures", NULL), 64);
	self->suggested_interval =
		(guint)MIN(g_key_file_get_uint64(kf, "Schedule", "SuggestedInterval", NULL),
			   USV_APP_SUGGESTED_MAX);
}

/* @delay 0: the next regular check, with jitter */
static void
usv_app_schedule(UsvApp *self, guint delay)
{
	UpdPolicy policy = upd_app_config_get_policy(self->config);

	g_clear_handle_id(&self->next_check_id, g_source_remove);
	if (policy == UPD_POLICY_MANUAL || self->shut_down) {
		upd_dbus_updater1_app_set_next_check(self->skeleton, 0);
		return;
	}
	/* ±10%: clients of one server do not all come at the same second */
	if (delay == 0)
		delay = (guint)MAX(1.0, usv_app_interval(self) * g_random_double_range(0.9, 1.1));
	/* the only wake-up of an idle daemon */
	self->next_check_id = g_timeout_add_seconds(delay, usv_app_scheduled_cb, self);
	upd_dbus_updater1_app_set_next_check(self->skeleton,
					     g_get_real_time() / G_USEC_PER_SEC + delay);
	g_debug("%s: next check in %u s", usv_app_get_id(self), delay);
}

/* the network came back, or became unmetered, or power saving ended: what
 * waited for it goes ahead (through the schedule, so that a flapping network
 * does not trigger a burst of checks) */
static void
usv_app_conditions_changed(UsvApp *self)
{
	gboolean saving =
		self->power != NULL && g_power_profile_monitor_get_power_saver_enabled(self->power);
	gboolean metered = g_network_monitor_get_network_metered(self->network) &&
			   !upd_app_config_get_allow_metered(self->config);

	if (self->shut_down || !g_network_monitor_get_network_available(self->network))
		return;
	if (self->waiting_for_network || (self->deferred && !saving && !metered)) {
		g_debug("%s: conditions changed, checking again", usv_app_get_id(self));
		self->waiting_for_network = FALSE;
		self->deferred = FALSE;
		usv_app_schedule(self, USV_APP_CONDITIONS_DELAY);
	}
}

static void
usv_app_network_changed_cb(GNetworkMonitor *network, gboolean available, gpointer user_data)
{
	usv_app_conditions_changed(USV_APP(user_data));
}

/* a monitor's property changed: power saving, or the network's availability
 * or metering, which some monitors (GLib's NetworkManager and portal ones)
 * report without "network-changed" */
static void
usv_app_monitor_notify_cb(GObject *monitor, GParamSpec *pspec, gpointer user_data)
{
	usv_app_conditions_changed(USV_APP(user_data));
}

/* ---------------------------------------------------------------- D-Bus */

static gboolean
usv_app_handle_check(UpdDBusUpdater1App *skeleton,
		     GDBusMethodInvocation *invocation,
		     gpointer user_data)
{
	usv_app_request(USV_APP(user_data), USV_OP_CHECK, FALSE, FALSE, invocation);
	return TRUE;
}

static gboolean
usv_app_handle_download(UpdDBusUpdater1App *skeleton,
			GDBusMethodInvocation *invocation,
			gpointer user_data)
{
	usv_app_request(USV_APP(user_data), USV_OP_DOWNLOAD, FALSE, FALSE, invocation);
	return TRUE;
}

static gboolean
usv_app_handle_install(UpdDBusUpdater1App *skeleton,
		       GDBusMethodInvocation *invocation,
		       gboolean force,
		       gpointer user_data)
{
	usv_app_request(USV_APP(user_data), USV_OP_INSTALL, force, FALSE, invocation);
	return TRUE;
}

static gboolean
usv_app_handle_rollback(UpdDBusUpdater1App *skeleton,
			GDBusMethodInvocation *invocation,
			gpointer user_data)
{
	usv_app_request(USV_APP(user_data), USV_OP_ROLLBACK, FALSE, FALSE, invocation);
	return TRUE;
}

static gboolean
usv_app_handle_get_history(UpdDBusUpdater1App *skeleton,
			   GDBusMethodInvocation *invocation,
			   gpointer user_data)
{
	UsvApp *self = USV_APP(user_data);
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) history = upd_transaction_get_history(self->transaction, &error);

	if (history == NULL) {
		g_dbus_method_invocation_return_gerror(invocation, error);
		return TRUE;
	}
	upd_dbus_updater1_app_complete_get_history(skeleton, invocation, history);
	return TRUE;
}

static gboolean
usv_app_handle_report_swap(UpdDBusUpdater1App *skeleton,
			   GDBusMethodInvocation *invocation,
			   const gchar *plugin,
			   const gchar *from,
			   const gchar *to,
			   gboolean success,
			   const gchar *message,
			   gpointer user_data)
{
	UsvApp *self = USV_APP(user_data);
	const gchar *sender = g_dbus_method_invocation_get_sender(invocation);
	const gchar *swap[] = {from, to, success ? "swapped" : "swap-failed",
			       success ? "" : message, NULL};
	/* asked before the report (which may start a rollback) */
	gboolean early = g_strcmp0(upd_dbus_updater1_app_get_state(skeleton), "installing") == 0;

	if (sender == NULL ||
	    !usv_swap_tracker_report(self->swaps, sender, plugin, to, success, message)) {
		g_dbus_method_invocation_return_error(
			invocation, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			_("%s is not a registered host of %s"), sender != NULL ? sender : "?",
			usv_app_get_id(self));
		return TRUE;
	}
	if (early)
		g_ptr_array_add(self->early_swaps, g_strdupv((GStrv)swap));
	else
		usv_app_record_swap(self, swap);
	g_message("%s: host %s %s plugin %s %s -> %s%s%s", usv_app_get_id(self), sender,
		  success ? "swapped" : "failed to swap", plugin, from, to, success ? "" : ": ",
		  success ? "" : message);
	upd_dbus_updater1_app_complete_report_swap(skeleton, invocation);
	return TRUE;
}

/* -------------------------------------------------------------- lifetime */

static void
usv_app_dispose(GObject *object)
{
	UsvApp *self = USV_APP(object);

	usv_app_shutdown(self);
	if (self->network != NULL)
		g_signal_handlers_disconnect_by_data(self->network, self);
	if (self->power != NULL)
		g_signal_handlers_disconnect_by_data(self->power, self);
	g_clear_object(&self->network);
	g_clear_object(&self->power);
	g_clear_object(&self->swaps);
	g_clear_object(&self->result);
	g_clear_object(&self->plan);
	g_clear_object(&self->client);
	g_clear_object(&self->downloader);
	g_clear_object(&self->transaction);
	g_clear_object(&self->skeleton);
	g_clear_object(&self->object);
	g_clear_object(&self->state);
	g_clear_object(&self->config);
	G_OBJECT_CLASS(usv_app_parent_class)->dispose(object);
}

static void
usv_app_finalize(GObject *object)
{
	UsvApp *self = USV_APP(object);
	g_queue_free_full(self->queue, (GDestroyNotify)usv_op_free);
	g_free(self->swap_failure);
	g_ptr_array_unref(self->early_swaps);
	G_OBJECT_CLASS(usv_app_parent_class)->finalize(object);
}

static void
usv_app_class_init(UsvAppClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = usv_app_dispose;
	object_class->finalize = usv_app_finalize;
	signals[SIGNAL_BUSY_CHANGED] =
		g_signal_new("busy-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
			     NULL, NULL, G_TYPE_NONE, 0);
}

static void
usv_app_init(UsvApp *self)
{
	self->queue = g_queue_new();
	self->inhibitor_fd = -1;
}

UsvApp *
usv_app_new(UpdAppConfig *config,
	    GNetworkMonitor *network,
	    GPowerProfileMonitor *power,
	    guint swap_timeout)
{
	UsvApp *self = g_object_new(USV_TYPE_APP, NULL);
	g_autofree gchar *path = upd_dbus_app_path(upd_app_config_get_id(config));

	self->config = g_object_ref(config);
	self->state = upd_app_state_new(upd_app_config_get_id(config));
	self->client = upd_client_new(config);
	self->downloader = upd_downloader_new(config);
	self->transaction = upd_transaction_new(config);
	self->network = g_object_ref(network);
	self->power = power != NULL ? g_object_ref(power) : NULL;
	self->swaps = usv_swap_tracker_new(swap_timeout);
	self->early_swaps = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	g_signal_connect(self->swaps, "finished", G_CALLBACK(usv_app_swaps_finished_cb), self);
	g_signal_connect(self->downloader, "progress", G_CALLBACK(usv_app_progress_cb), self);
	g_signal_connect(self->network, "network-changed", G_CALLBACK(usv_app_network_changed_cb),
			 self);
	g_signal_connect(self->network, "notify::network-available",
			 G_CALLBACK(usv_app_monitor_notify_cb), self);
	g_signal_connect(self->network, "notify::network-metered",
			 G_CALLBACK(usv_app_monitor_notify_cb), self);
	if (self->power != NULL)
		g_signal_connect(self->power, "notify::power-saver-enabled",
				 G_CALLBACK(usv_app_monitor_notify_cb), self);

	self->skeleton = upd_dbus_updater1_app_skeleton_new();
	upd_dbus_updater1_app_set_id(self->skeleton, upd_app_config_get_id(config));
	upd_dbus_updater1_app_set_channel(self->skeleton, upd_app_config_get_channel(config));
	upd_dbus_updater1_app_set_policy(self->skeleton,
					 upd_policy_to_string(upd_app_config_get_policy(config)));
	upd_dbus_updater1_app_set_state(self->skeleton, "idle");
	upd_dbus_updater1_app_set_last_error(self->skeleton, "");
	usv_app_publish_result(self);
	g_signal_connect(self->skeleton, "handle-check", G_CALLBACK(usv_app_handle_check), self);
	g_signal_connect(self->skeleton, "handle-download", G_CALLBACK(usv_app_handle_download),
			 self);
	g_signal_connect(self->skeleton, "handle-install", G_CALLBACK(usv_app_handle_install),
			 self);
	g_signal_connect(self->skeleton, "handle-rollback", G_CALLBACK(usv_app_handle_rollback),
			 self);
	g_signal_connect(self->skeleton, "handle-get-history",
			 G_CALLBACK(usv_app_handle_get_history), self);
	g_signal_connect(self->skeleton, "handle-report-swap",
			 G_CALLBACK(usv_app_handle_report_swap), self);
	self->object = upd_dbus_object_skeleton_new(path);
	upd_dbus_object_skeleton_set_updater1_app(self->object, self->skeleton);
	return self;
}

const gchar *
usv_app_get_id(UsvApp *self)
{
	return upd_app_config_get_id(self->config);
}

UpdAppConfig *
usv_app_get_config(UsvApp *self)
{
	g_return_val_if_fail(USV_IS_APP(self), NULL);
	return self->config;
}

UpdDBusObjectSkeleton *
usv_app_get_object(UsvApp *self)
{
	return self->object;
}

static void
usv_app_recover_thread(GTask *task,
		       gpointer source_object,
		       gpointer task_data,
		       GCancellable *cancellable)
{
	UpdTransaction *transaction = UPD_TRANSACTION(task_data);
	g_autoptr(GError) error = NULL;

	if (!upd_transaction_recover(transaction, cancellable, &error))
		g_task_return_error(task, g_steal_pointer(&error));
	else
		g_task_return_boolean(task, TRUE);
}

static void
usv_app_recovered_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	UsvApp *self = USV_APP(source);
	g_autoptr(GError) error = NULL;

	self->recovering = FALSE;
	if (!g_task_propagate_boolean(G_TASK(res), &error)) {
		g_warning("%s: %s", usv_app_get_id(self), error->message);
		upd_dbus_updater1_app_set_last_error(self->skeleton, error->message);
	}
	if (self->shut_down)
		return;
	usv_app_update_installed(self);
	g_signal_emit(self, signals[SIGNAL_BUSY_CHANGED], 0);
	usv_app_run_next(self);
}

void
usv_app_start(UsvApp *self, guint first_delay)
{
	/* finish or undo what a crash interrupted, before anything else. An
	 * install still running (of this application's previous registration,
	 * or of another process) holds the lock: it is waited for in a thread,
	 * and what callers ask meanwhile waits in the queue */
	g_autoptr(GError) error = NULL;
	gboolean busy = FALSE;

	if (!upd_transaction_recover_unless_busy(self->transaction, &busy, &error)) {
		g_warning("%s: %s", usv_app_get_id(self), error->message);
		upd_dbus_updater1_app_set_last_error(self->skeleton, error->message);
	}
	if (busy) {
		g_autoptr(GTask) task = g_task_new(self, NULL, usv_app_recovered_cb, NULL);
		g_debug("%s: waiting for the transaction in progress", usv_app_get_id(self));
		self->recovering = TRUE;
		g_task_set_source_tag(task, usv_app_start);
		g_task_set_task_data(task, g_object_ref(self->transaction), g_object_unref);
		g_task_run_in_thread(task, usv_app_recover_thread);
	}
	usv_app_update_installed(self);
	usv_app_load_schedule(self);
	if (self->last_check > 0) {
		/* due one interval after the last check; never later than that from now */
		gint64 now = g_get_real_time() / G_USEC_PER_SEC;
		gint64 due = self->last_check + usv_app_interval(self);
		first_delay = (guint)CLAMP(due - now, (gint64)first_delay,
					   (gint64)usv_app_interval(self));
	}
	usv_app_schedule(self, MAX(first_delay, 1));
}

gboolean
usv_app_has_schedule(UsvApp *self)
{
	return self->next_check_id != 0 || self->waiting_for_network || self->deferred;
}

void
usv_app_shutdown(UsvApp *self)
{
	g_autoptr(GError) error = g_error_new_literal(UPD_ERROR, UPD_ERROR_CANCELLED,
						      _("the application was unregistered or the "
							"service stopped"));
	self->shut_down = TRUE;
	g_clear_handle_id(&self->next_check_id, g_source_remove);
	usv_swap_tracker_cancel(self->swaps);
	if (self->cancellable != NULL)
		g_cancellable_cancel(self->cancellable);
	/* the callers of what runs get their answer now: the main loop may not
	 * run again to finish it */
	if (self->running != NULL) {
		for (guint i = 0; i < self->running->invocations->len; i++)
			g_dbus_method_invocation_return_gerror(
				g_ptr_array_index(self->running->invocations, i), error);
		g_ptr_array_set_size(self->running->invocations, 0);
	}
	/* callers waiting in the queue get an answer */
	while (!g_queue_is_empty(self->queue)) {
		UsvOp *op = g_queue_pop_head(self->queue);
		for (guint i = 0; i < op->invocations->len; i++)
			g_dbus_method_invocation_return_gerror(
				g_ptr_array_index(op->invocations, i), error);
		usv_op_free(op);
	}
	usv_inhibitor_release(&self->inhibitor_fd);
}

gboolean
usv_app_is_busy(UsvApp *self)
{
	return self->running != NULL || !g_queue_is_empty(self->queue) || self->recovering;
}

void
usv_app_add_host(UsvApp *self, const gchar *bus_name, const gchar *const *plugins)
{
	usv_swap_tracker_add_host(self->swaps, bus_name, plugins);
}

void
usv_app_remove_host(UsvApp *self, const gchar *bus_name)
{
	usv_swap_tracker_remove_host(self->swaps, bus_name);
}
