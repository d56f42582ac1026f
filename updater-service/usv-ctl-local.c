/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "upd-downloader-private.h"
#include "upd-i18n-private.h"
#include "upd-paths-private.h"
#include "upd-plan-private.h"
#include "usv-ctl.h"

/* updaterctl --config FILE: the commands run in-process, without the daemon,
 * for scripts and machines without a session bus. */

static UpdAppConfig *
usv_ctl_local_load_config(UsvCtlOptions *opts, GError **error)
{
	UpdAppConfig *config;
	GPtrArray *warnings;

	if (opts->config == NULL) {
		g_set_error_literal(
			error, UPD_ERROR, UPD_ERROR_INVALID_ARGUMENT,
			_("give the application's configuration file with --config FILE"));
		return NULL;
	}
	config = upd_app_config_new_from_file(opts->config, error);
	if (config == NULL)
		return NULL;
	warnings = upd_app_config_get_warnings(config);
	for (guint i = 0; i < warnings->len; i++)
		upt_cli_warn("%s", (const gchar *)g_ptr_array_index(warnings, i));
	return config;
}

static GVariant *
usv_ctl_check_to_variant(UpdAppConfig *config, UpdCheckResult *result)
{
	UpdManifest *manifest = upd_check_result_get_manifest(result);
	UpdRelease *update = upd_check_result_get_update(result);
	GPtrArray *available = upd_check_result_get_available(result);
	const gchar *installed = upd_check_result_get_installed_version(result);
	const gchar *notes = NULL;
	const gchar *notes_language = NULL;
	GVariantBuilder releases;
	GVariantDict dict;

	g_variant_builder_init(&releases, G_VARIANT_TYPE("aa{sv}"));
	for (guint i = 0; i < available->len; i++) {
		UpdRelease *release = g_ptr_array_index(available, i);
		const gchar *release_notes_language = NULL;
		const gchar *release_notes =
			upd_release_get_notes(release, NULL, &release_notes_language);
		GVariantDict rdict;

		g_variant_dict_init(&rdict, NULL);
		g_variant_dict_insert(&rdict, "version", "s", upd_release_get_version(release));
		g_variant_dict_insert(&rdict, "mandatory", "b", upd_release_get_mandatory(release));
		g_variant_dict_insert(&rdict, "rollout_percent", "u",
				      upd_release_get_rollout_percent(release));
		g_variant_dict_insert(&rdict, "published_at", "x",
				      upd_release_get_published_at(release));
		g_variant_dict_insert(&rdict, "download_size", "t",
				      upd_release_get_download_size(release));
		g_variant_dict_insert(&rdict, "release_notes", "ms", release_notes);
		g_variant_dict_insert(&rdict, "release_notes_language", "ms",
				      release_notes_language);
		g_variant_builder_add_value(&releases, g_variant_dict_end(&rdict));
	}
	if (update != NULL)
		notes = upd_release_get_notes(update, NULL, &notes_language);

	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "app_id", "s", upd_app_config_get_id(config));
	g_variant_dict_insert(&dict, "channel", "s", upd_app_config_get_channel(config));
	g_variant_dict_insert(&dict, "installed_version", "ms", installed);
	g_variant_dict_insert(&dict, "available_version", "ms",
			      update != NULL ? upd_release_get_version(update) : NULL);
	g_variant_dict_insert(&dict, "update_available", "b", update != NULL);
	g_variant_dict_insert(&dict, "mandatory", "b", upd_check_result_get_mandatory(result));
	g_variant_dict_insert(&dict, "download_size", "t",
			      update != NULL ? upd_release_get_download_size(update) : 0);
	g_variant_dict_insert(&dict, "release_notes", "ms", notes);
	g_variant_dict_insert(&dict, "release_notes_language", "ms", notes_language);
	g_variant_dict_insert(&dict, "serial", "t", upd_manifest_get_serial(manifest));
	g_variant_dict_insert(&dict, "expires_at", "x", upd_manifest_get_expires_at(manifest));
	g_variant_dict_insert(&dict, "key_id", "s", upd_manifest_get_key_id(manifest));
	g_variant_dict_insert(&dict, "source_url", "s", upd_check_result_get_source_url(result));
	g_variant_dict_insert(&dict, "poll_interval", "u",
			      upd_check_result_get_poll_interval(result));
	g_variant_dict_insert_value(&dict, "releases", g_variant_builder_end(&releases));
	return g_variant_dict_end(&dict);
}

int
usv_ctl_local_check(UsvCtlOptions *opts, GCancellable *cancellable)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdClient) client = NULL;
	g_autoptr(UpdCheckResult) result = NULL;
	g_autoptr(GAsyncResult) res = NULL;
	UpdRelease *update;
	const gchar *installed;

	config = usv_ctl_local_load_config(opts, &error);
	if (config == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	client = upd_client_new(config);
	upd_client_check_async(client, cancellable, usv_ctl_async_cb, &res);
	result = upd_client_check_finish(client, usv_ctl_wait(&res), &error);
	if (result == NULL)
		return upt_cli_fail(g_steal_pointer(&error));

	if (opts->json) {
		upt_cli_print_json(usv_ctl_check_to_variant(config, result));
		return UPT_EXIT_OK;
	}

	update = upd_check_result_get_update(result);
	installed = upd_check_result_get_installed_version(result);
	/* TRANSLATORS: "Application: org.example.App (channel stable)" */
	g_print(_("Application:       %s (channel %s)\n"), upd_app_config_get_id(config),
		upd_app_config_get_channel(config));
	g_print(_("Installed version: %s\n"), installed != NULL ? installed : _("none"));
	if (update == NULL) {
		g_print(_("Available version: none, the application is up to date\n"));
		return UPT_EXIT_OK;
	}
	{
		const gchar *language = NULL;
		const gchar *notes = upd_release_get_notes(update, NULL, &language);
		g_autofree gchar *size = g_format_size(upd_release_get_download_size(update));

		if (upd_check_result_get_mandatory(result))
			g_print(_("Available version: %s (mandatory)\n"),
				upd_release_get_version(update));
		else
			g_print(_("Available version: %s\n"), upd_release_get_version(update));
		g_print(_("Download size:     %s\n"), size);
		if (notes != NULL) {
			g_print(_("Release notes (%s):\n"), language);
			usv_ctl_print_notes(notes);
		}
	}
	return UPT_EXIT_OK;
}

static void
usv_ctl_progress_cb(UpdDownloader *downloader,
		    guint64 done,
		    guint64 total,
		    gdouble rate,
		    gint64 eta,
		    gpointer user_data)
{
	upt_cli_progress_update(user_data, done, total, rate, eta);
}

/* what binary deltas did in the last download */
static void
usv_ctl_insert_delta_figures(GVariantDict *dict, UpdDownloader *downloader)
{
	g_variant_dict_insert(dict, "deltas", "u",
			      downloader != NULL ? upd_downloader_get_n_deltas_applied(downloader)
						 : 0);
	g_variant_dict_insert(dict, "delta_fallbacks", "u",
			      downloader != NULL ? upd_downloader_get_n_delta_fallbacks(downloader)
						 : 0);
	g_variant_dict_insert(dict, "delta_saved", "t",
			      downloader != NULL ? upd_downloader_get_delta_saved_size(downloader)
						 : 0);
}

static GVariant *
usv_ctl_download_to_variant(UpdAppConfig *config,
			    UpdPlan *plan,
			    UpdDownloader *downloader,
			    gboolean up_to_date,
			    const gchar *installed)
{
	g_autofree gchar *cache = upd_paths_cache_dir();
	GVariantDict dict;

	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "app_id", "s", upd_app_config_get_id(config));
	g_variant_dict_insert(&dict, "channel", "s", upd_app_config_get_channel(config));
	g_variant_dict_insert(&dict, "installed_version", "ms", installed);
	g_variant_dict_insert(&dict, "update_available", "b", !up_to_date);
	g_variant_dict_insert(&dict, "version", "ms",
			      plan != NULL ? upd_release_get_version(upd_plan_get_release(plan))
					   : NULL);
	g_variant_dict_insert(&dict, "objects", "u",
			      plan != NULL ? upd_plan_get_n_objects(plan) : 0);
	g_variant_dict_insert(&dict, "fetched", "u", plan != NULL ? upd_plan_get_n_fetch(plan) : 0);
	g_variant_dict_insert(&dict, "cached", "u", plan != NULL ? upd_plan_get_n_cached(plan) : 0);
	g_variant_dict_insert(&dict, "reused", "u", plan != NULL ? upd_plan_get_n_reused(plan) : 0);
	g_variant_dict_insert(&dict, "download_size", "t",
			      plan != NULL ? upd_plan_get_download_size(plan) : 0);
	g_variant_dict_insert(&dict, "bytes_received", "t",
			      downloader != NULL ? upd_downloader_get_bytes_received(downloader)
						 : 0);
	usv_ctl_insert_delta_figures(&dict, downloader);
	g_variant_dict_insert(&dict, "cache_dir", "s", cache);
	return g_variant_dict_end(&dict);
}

int
usv_ctl_local_download(UsvCtlOptions *opts, GCancellable *cancellable)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdClient) client = NULL;
	g_autoptr(UpdCheckResult) result = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(UptCliProgress) progress = NULL;
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GAsyncResult) res_plan = NULL;
	g_autoptr(GAsyncResult) res_download = NULL;
	g_autofree gchar *size = NULL;
	g_autofree gchar *label = NULL;
	UpdRelease *update;
	const gchar *installed;
	gboolean ok;

	config = usv_ctl_local_load_config(opts, &error);
	if (config == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	client = upd_client_new(config);
	upd_client_check_async(client, cancellable, usv_ctl_async_cb, &res);
	result = upd_client_check_finish(client, usv_ctl_wait(&res), &error);
	if (result == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	update = upd_check_result_get_update(result);
	installed = upd_check_result_get_installed_version(result);
	if (update == NULL) {
		if (opts->json)
			upt_cli_print_json(
				usv_ctl_download_to_variant(config, NULL, NULL, TRUE, installed));
		else
			g_print(_("%s is up to date (%s): nothing to download.\n"),
				upd_app_config_get_id(config),
				installed != NULL ? installed : _("none"));
		return UPT_EXIT_OK;
	}

	upd_client_plan_async(client, result, update, cancellable, usv_ctl_async_cb, &res_plan);
	plan = upd_client_plan_finish(client, usv_ctl_wait(&res_plan), &error);
	if (plan == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	size = g_format_size(upd_plan_get_download_size(plan));
	if (!opts->json) {
		/* TRANSLATORS: "org.example.App 2.0: 3 of 1000 objects to download (12.3 kB);
		   997 reused from the installed version, 0 in the download cache" */
		g_print(_("%s %s: %u of %u objects to download (%s); %u reused from the installed "
			  "version, %u in the download cache\n"),
			upd_app_config_get_id(config), upd_release_get_version(update),
			upd_plan_get_n_fetch(plan), upd_plan_get_n_objects(plan), size,
			upd_plan_get_n_reused(plan), upd_plan_get_n_cached(plan));
		if (upd_plan_get_n_deltas(plan) > 0) {
			guint n = upd_plan_get_n_deltas(plan);
			g_autofree gchar *saved =
				g_format_size(upd_plan_get_delta_saved_size(plan));
			/* TRANSLATORS: follows the line above: "2 of them as binary deltas
			   from files already here, 30.5 MB less to download" */
			g_print(upd_i18n_ngettext("%u of them as a binary delta from a file "
						  "already here, %s less to download\n",
						  "%u of them as binary deltas from files "
						  "already here, %s less to download\n",
						  n),
				n, saved);
		}
	}

	downloader = upd_downloader_new(config);
	label = g_strdup_printf("%s %s", upd_app_config_get_id(config),
				upd_release_get_version(update));
	progress = upt_cli_progress_new(label);
	g_signal_connect(downloader, "progress", G_CALLBACK(usv_ctl_progress_cb), progress);
	upd_downloader_download_async(downloader, plan, cancellable, usv_ctl_async_cb,
				      &res_download);
	ok = upd_downloader_download_finish(downloader, usv_ctl_wait(&res_download), &error);
	g_clear_pointer(&progress, upt_cli_progress_free);
	if (!ok) {
		if (g_error_matches(error, UPD_ERROR, UPD_ERROR_CANCELLED)) {
			g_printerr(
				_("%s: interrupted; what was downloaded is kept, run the command "
				  "again to resume\n"),
				g_get_prgname());
			return UPT_EXIT_INTERRUPTED;
		}
		return upt_cli_fail(g_steal_pointer(&error));
	}
	if (opts->json) {
		upt_cli_print_json(
			usv_ctl_download_to_variant(config, plan, downloader, FALSE, installed));
	} else {
		g_autofree gchar *received =
			g_format_size(upd_downloader_get_bytes_received(downloader));
		g_autofree gchar *cache = upd_paths_cache_dir();
		g_print(_("Downloaded %s %s: %s received, everything verified; stored in %s.\n"),
			upd_app_config_get_id(config), upd_release_get_version(update), received,
			cache);
	}
	return UPT_EXIT_OK;
}

/* the configuration of --config and its transaction, after finishing an
 * install or rollback a crash interrupted, before anything else */
static UpdTransaction *
usv_ctl_transaction(UsvCtlOptions *opts, UpdAppConfig **config, GError **error)
{
	g_autoptr(UpdAppConfig) loaded = usv_ctl_local_load_config(opts, error);
	g_autoptr(UpdTransaction) transaction = NULL;

	if (loaded == NULL)
		return NULL;
	transaction = upd_transaction_new(loaded);
	if (!upd_transaction_recover(transaction, NULL, error))
		return NULL;
	*config = g_steal_pointer(&loaded);
	return g_steal_pointer(&transaction);
}

/* the release to reinstall with --force when nothing newer is offered */
static UpdRelease *
usv_ctl_find_installed_release(UpdCheckResult *result)
{
	const gchar *installed = upd_check_result_get_installed_version(result);
	if (installed == NULL)
		return NULL;
	return upd_manifest_get_release(upd_check_result_get_manifest(result), installed);
}

int
usv_ctl_local_install(UsvCtlOptions *opts, GCancellable *cancellable)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdTransaction) transaction = NULL;
	g_autoptr(UpdClient) client = NULL;
	g_autoptr(UpdCheckResult) result = NULL;
	g_autoptr(UpdPlan) plan = NULL;
	g_autoptr(UpdDownloader) downloader = NULL;
	g_autoptr(UptCliProgress) progress = NULL;
	g_autoptr(GAsyncResult) res_check = NULL;
	g_autoptr(GAsyncResult) res_plan = NULL;
	g_autoptr(GAsyncResult) res_download = NULL;
	g_autoptr(GAsyncResult) res_install = NULL;
	g_autofree gchar *installed = NULL;
	g_autofree gchar *label = NULL;
	UpdRelease *release;
	UpdInstallFlags flags = UPD_INSTALL_FLAGS_NONE;

	transaction = usv_ctl_transaction(opts, &config, &error);
	if (transaction == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	client = upd_client_new(config);
	upd_client_set_include_skipped(client, opts->force);
	upd_client_check_async(client, cancellable, usv_ctl_async_cb, &res_check);
	result = upd_client_check_finish(client, usv_ctl_wait(&res_check), &error);
	if (result == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	installed = g_strdup(upd_check_result_get_installed_version(result));
	release = upd_check_result_get_update(result);
	if (release == NULL && opts->force) {
		release = usv_ctl_find_installed_release(result);
		flags |= UPD_INSTALL_FLAGS_FORCE;
	}
	if (release == NULL) {
		if (opts->json) {
			GVariantDict dict;
			g_variant_dict_init(&dict, NULL);
			g_variant_dict_insert(&dict, "app_id", "s", upd_app_config_get_id(config));
			g_variant_dict_insert(&dict, "installed", "b", FALSE);
			g_variant_dict_insert(&dict, "version", "ms", installed);
			g_variant_dict_insert(&dict, "previous_version", "ms", installed);
			upt_cli_print_json(g_variant_dict_end(&dict));
		} else {
			g_print(_("%s is up to date (%s).\n"), upd_app_config_get_id(config),
				installed != NULL ? installed : _("none"));
		}
		return UPT_EXIT_OK;
	}

	upd_client_plan_async(client, result, release, cancellable, usv_ctl_async_cb, &res_plan);
	plan = upd_client_plan_finish(client, usv_ctl_wait(&res_plan), &error);
	if (plan == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	downloader = upd_downloader_new(config);
	label = g_strdup_printf("%s %s", upd_app_config_get_id(config),
				upd_release_get_version(release));
	progress = upt_cli_progress_new(label);
	g_signal_connect(downloader, "progress", G_CALLBACK(usv_ctl_progress_cb), progress);
	upd_downloader_download_async(downloader, plan, cancellable, usv_ctl_async_cb,
				      &res_download);
	if (!upd_downloader_download_finish(downloader, usv_ctl_wait(&res_download), &error)) {
		g_clear_pointer(&progress, upt_cli_progress_free);
		if (g_error_matches(error, UPD_ERROR, UPD_ERROR_CANCELLED)) {
			g_printerr(
				_("%s: interrupted; what was downloaded is kept, run the command "
				  "again to resume\n"),
				g_get_prgname());
			return UPT_EXIT_INTERRUPTED;
		}
		return upt_cli_fail(g_steal_pointer(&error));
	}
	g_clear_pointer(&progress, upt_cli_progress_free);

	upd_transaction_install_async(transaction, plan, flags, cancellable, usv_ctl_async_cb,
				      &res_install);
	if (!upd_transaction_install_finish(transaction, usv_ctl_wait(&res_install), &error))
		return upt_cli_fail(g_steal_pointer(&error));
	if (opts->json) {
		GVariantDict dict;
		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "app_id", "s", upd_app_config_get_id(config));
		g_variant_dict_insert(&dict, "installed", "b", TRUE);
		g_variant_dict_insert(&dict, "version", "s", upd_release_get_version(release));
		g_variant_dict_insert(&dict, "previous_version", "ms", installed);
		g_variant_dict_insert(&dict, "download_size", "t",
				      upd_plan_get_download_size(plan));
		g_variant_dict_insert(&dict, "bytes_received", "t",
				      upd_downloader_get_bytes_received(downloader));
		usv_ctl_insert_delta_figures(&dict, downloader);
		g_variant_dict_insert(&dict, "install_dir", "s",
				      upd_app_config_get_install_dir(config));
		upt_cli_print_json(g_variant_dict_end(&dict));
	} else if (installed != NULL) {
		g_print(_("Installed %s %s (was %s) into %s.\n"), upd_app_config_get_id(config),
			upd_release_get_version(release), installed,
			upd_app_config_get_install_dir(config));
	} else {
		g_print(_("Installed %s %s into %s.\n"), upd_app_config_get_id(config),
			upd_release_get_version(release), upd_app_config_get_install_dir(config));
	}
	return UPT_EXIT_OK;
}

int
usv_ctl_local_rollback(UsvCtlOptions *opts, GCancellable *cancellable)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdTransaction) transaction = NULL;
	g_autoptr(GAsyncResult) res = NULL;
	g_autofree gchar *from = NULL;
	g_autofree gchar *to = NULL;

	transaction = usv_ctl_transaction(opts, &config, &error);
	if (transaction == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	from = upd_transaction_get_current_version(transaction);
	upd_transaction_rollback_async(transaction, cancellable, usv_ctl_async_cb, &res);
	to = upd_transaction_rollback_finish(transaction, usv_ctl_wait(&res), &error);
	if (to == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	if (opts->json) {
		GVariantDict dict;
		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "app_id", "s", upd_app_config_get_id(config));
		g_variant_dict_insert(&dict, "from", "s", from);
		g_variant_dict_insert(&dict, "to", "s", to);
		g_variant_dict_insert(&dict, "skipped", "s", from);
		upt_cli_print_json(g_variant_dict_end(&dict));
	} else {
		g_print(_("Rolled %s back from %s to %s. %s will not be installed again until a "
			  "newer release appears (or with install --force).\n"),
			upd_app_config_get_id(config), from, to, from);
	}
	return UPT_EXIT_OK;
}

int
usv_ctl_local_history(UsvCtlOptions *opts, GCancellable *cancellable)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdTransaction) transaction = NULL;
	g_autoptr(GVariant) history = NULL;

	transaction = usv_ctl_transaction(opts, &config, &error);
	if (transaction == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	history = upd_transaction_get_history(transaction, &error);
	if (history == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	usv_ctl_print_history(opts, upd_app_config_get_id(config), history);
	return UPT_EXIT_OK;
}

int
usv_ctl_local_status(UsvCtlOptions *opts, GCancellable *cancellable)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_autoptr(UpdTransaction) transaction = NULL;
	g_autoptr(GVariant) history = NULL;
	g_autofree gchar *current = NULL;
	g_auto(GStrv) versions = NULL;
	g_auto(GStrv) skipped = NULL;
	g_autofree gchar *versions_str = NULL;
	g_autofree gchar *skipped_str = NULL;

	transaction = usv_ctl_transaction(opts, &config, &error);
	if (transaction == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	current = upd_transaction_get_current_version(transaction);
	versions = upd_transaction_get_versions(transaction);
	skipped = upd_transaction_get_skipped(transaction);
	history = upd_transaction_get_history(transaction, &error);
	if (history == NULL)
		return upt_cli_fail(g_steal_pointer(&error));
	if (opts->json) {
		GVariantDict dict;
		gsize n = g_variant_n_children(history);
		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "app_id", "s", upd_app_config_get_id(config));
		g_variant_dict_insert(&dict, "channel", "s", upd_app_config_get_channel(config));
		g_variant_dict_insert(&dict, "install_dir", "s",
				      upd_app_config_get_install_dir(config));
		g_variant_dict_insert(&dict, "policy", "s",
				      upd_policy_to_string(upd_app_config_get_policy(config)));
		g_variant_dict_insert(&dict, "installed_version", "ms", current);
		g_variant_dict_insert(&dict, "versions", "^as", versions);
		g_variant_dict_insert(&dict, "skipped", "^as", skipped);
		if (n > 0)
			g_variant_dict_insert_value(&dict, "last_event",
						    g_variant_get_child_value(history, n - 1));
		upt_cli_print_json(g_variant_dict_end(&dict));
		return UPT_EXIT_OK;
	}
	versions_str = g_strjoinv(", ", versions);
	skipped_str = g_strjoinv(", ", skipped);
	g_print(_("Application:       %s (channel %s)\n"), upd_app_config_get_id(config),
		upd_app_config_get_channel(config));
	g_print(_("Installed version: %s\n"), current != NULL ? current : _("none"));
	g_print(_("Kept versions:     %s\n"), versions[0] != NULL ? versions_str : _("none"));
	if (skipped[0] != NULL)
		g_print(_("Skipped versions:  %s\n"), skipped_str);
	g_print(_("Install directory: %s\n"), upd_app_config_get_install_dir(config));
	g_print(_("Policy:            %s\n"),
		upd_policy_to_string(upd_app_config_get_policy(config)));
	return UPT_EXIT_OK;
}
