/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Check round trips per second against a server: upd_client_check() in a
 * loop, or N upd_client_check_async() in flight on one main loop. Each check
 * is the whole thing an application pays for: the POST, reading the
 * CheckResponse, verifying the signed manifest in a worker thread and
 * recording its serial. Any failed check stops the run. */

#include "config.h"

#include "updater.h"
#include "upt-cli.h"

typedef struct _UbnRun UbnRun;

typedef struct {
	UbnRun *run;	   /* (unowned) */
	UpdClient *client; /* (owned) */
	gint64 started;
} UbnSlot;

struct _UbnRun {
	GMainLoop *loop;   /* (owned) */
	GPtrArray *slots;  /* (owned) (element-type UbnSlot) */
	GArray *latencies; /* (owned) (element-type gint64): microseconds */
	gboolean warming_up;
	gint64 deadline;
	gint64 last_done;
	guint in_flight;
	GError *error;	 /* (owned) (nullable): the first failure */
	gchar *offered;	 /* (owned) (nullable): what the warm-up check offered */
	guint available; /* releases the warm-up check offered */
};

static void
ubn_slot_free(UbnSlot *slot)
{
	g_clear_object(&slot->client);
	g_free(slot);
}

static void
ubn_run_clear(UbnRun *run)
{
	g_clear_pointer(&run->loop, g_main_loop_unref);
	g_clear_pointer(&run->slots, g_ptr_array_unref);
	g_clear_pointer(&run->latencies, g_array_unref);
	g_clear_error(&run->error);
	g_clear_pointer(&run->offered, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(UbnRun, ubn_run_clear)

static void
ubn_run_note_result(UbnRun *run, UpdCheckResult *result)
{
	UpdRelease *update = upd_check_result_get_update(result);

	if (run->offered != NULL)
		return;
	run->offered = g_strdup(update != NULL ? upd_release_get_version(update) : "nothing");
	run->available = upd_check_result_get_available(result)->len;
}

static void
ubn_check_cb(GObject *source, GAsyncResult *res, gpointer user_data);

static void
ubn_slot_start(UbnSlot *slot)
{
	slot->run->in_flight++;
	slot->started = g_get_monotonic_time();
	upd_client_check_async(slot->client, NULL, ubn_check_cb, slot);
}

static void
ubn_check_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	UbnSlot *slot = user_data;
	UbnRun *run = slot->run;
	g_autoptr(UpdCheckResult) result = NULL;
	g_autoptr(GError) error = NULL;
	gint64 now;

	result = upd_client_check_finish(UPD_CLIENT(source), res, &error);
	now = g_get_monotonic_time();
	run->in_flight--;
	if (result == NULL) {
		if (run->error == NULL)
			run->error = g_steal_pointer(&error);
	} else if (run->warming_up) {
		ubn_run_note_result(run, result);
	} else {
		gint64 latency = now - slot->started;
		g_array_append_val(run->latencies, latency);
		run->last_done = now;
	}
	if (run->error == NULL && !run->warming_up && now < run->deadline) {
		ubn_slot_start(slot);
		return;
	}
	if (run->in_flight == 0)
		g_main_loop_quit(run->loop);
}

/* every slot starts one check and the loop runs until all have finished */
static void
ubn_run_round(UbnRun *run)
{
	for (guint i = 0; i < run->slots->len; i++)
		ubn_slot_start(g_ptr_array_index(run->slots, i));
	g_main_loop_run(run->loop);
}

static gboolean
ubn_run_sync(UbnRun *run, gint64 duration, GError **error)
{
	UbnSlot *slot = g_ptr_array_index(run->slots, 0);
	g_autoptr(UpdCheckResult) warm = NULL;

	warm = upd_client_check(slot->client, NULL, error);
	if (warm == NULL)
		return FALSE;
	ubn_run_note_result(run, warm);
	run->deadline = g_get_monotonic_time() + duration;
	for (;;) {
		g_autoptr(UpdCheckResult) result = NULL;
		gint64 start = g_get_monotonic_time();
		gint64 latency;

		if (start >= run->deadline)
			break;
		result = upd_client_check(slot->client, NULL, error);
		if (result == NULL)
			return FALSE;
		run->last_done = g_get_monotonic_time();
		latency = run->last_done - start;
		g_array_append_val(run->latencies, latency);
	}
	return TRUE;
}

static gboolean
ubn_run_async(UbnRun *run, gint64 duration, GError **error)
{
	/* the warm-up round opens the connections and the state directory */
	run->warming_up = TRUE;
	ubn_run_round(run);
	if (run->error != NULL) {
		g_propagate_error(error, g_steal_pointer(&run->error));
		return FALSE;
	}
	run->warming_up = FALSE;
	run->deadline = g_get_monotonic_time() + duration;
	ubn_run_round(run);
	if (run->error != NULL) {
		g_propagate_error(error, g_steal_pointer(&run->error));
		return FALSE;
	}
	return TRUE;
}

static gint
ubn_compare_int64(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *)a;
	gint64 y = *(const gint64 *)b;
	return x < y ? -1 : x > y ? 1 : 0;
}

/* nearest-rank @percent percentile of sorted, non-empty @values, in milliseconds */
static gdouble
ubn_percentile_ms(GArray *values, guint percent)
{
	gsize rank = ((gsize)values->len * percent + 99) / 100;
	return g_array_index(values, gint64, MAX(rank, 1) - 1) / 1000.0;
}

int
main(int argc, char **argv)
{
	gdouble duration_s = 5.0;
	gint concurrency = 1;
	gboolean force_async = FALSE;
	gboolean shared_client = FALSE;
	gboolean tsv = FALSE;
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(UpdAppConfig) config = NULL;
	g_auto(UbnRun) run = {0};
	gboolean async;
	gboolean ok;
	guint n_clients;
	const gchar *mode;
	gint64 started;
	gdouble elapsed_s;
	const GOptionEntry entries[] = {
		{"duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration_s,
		 "Seconds to run after the warm-up (default: 5)", "SECONDS"},
		{"concurrency", 'c', 0, G_OPTION_ARG_INT, &concurrency,
		 "Checks in flight on one main loop; above 1 implies --async (default: 1)", "N"},
		{"async", 0, 0, G_OPTION_ARG_NONE, &force_async,
		 "Use upd_client_check_async() even with one check in flight", NULL},
		{"shared-client", 0, 0, G_OPTION_ARG_NONE, &shared_client,
		 "Send all concurrent checks through one UpdClient instead of one each", NULL},
		{"tsv", 0, 0, G_OPTION_ARG_NONE, &tsv,
		 "Print one tab-separated row: mode, concurrency, clients, checks, seconds, "
		 "checks/s, p50 ms, p99 ms, max ms",
		 NULL},
		{NULL},
	};

	upt_cli_init("upd-bench-check");
	context = g_option_context_new("APP-KEY-FILE");
	g_option_context_set_summary(
		context, "Run update checks for the application described by "
			 "APP-KEY-FILE against its Endpoint and print checks per second "
			 "and latency percentiles.");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error))
		return upt_cli_usage_error("%s", error->message);
	if (argc != 2)
		return upt_cli_usage_error("give one APP-KEY-FILE");
	if (!(duration_s > 0.0 && duration_s <= 3600.0))
		return upt_cli_usage_error("--duration must be above 0 and at most 3600 seconds");
	if (concurrency < 1 || concurrency > 1024)
		return upt_cli_usage_error("--concurrency must be from 1 to 1024");

	config = upd_app_config_new_from_file(argv[1], &error);
	if (config == NULL)
		return upt_cli_fail(g_steal_pointer(&error));

	async = force_async || concurrency > 1;
	n_clients = async && !shared_client ? (guint)concurrency : 1;
	run.loop = g_main_loop_new(NULL, FALSE);
	run.latencies = g_array_new(FALSE, FALSE, sizeof(gint64));
	run.slots = g_ptr_array_new_with_free_func((GDestroyNotify)ubn_slot_free);
	for (gint i = 0; i < (async ? concurrency : 1); i++) {
		UbnSlot *slot = g_new0(UbnSlot, 1);
		slot->run = &run;
		if ((guint)i < n_clients)
			slot->client = upd_client_new(config);
		else
			slot->client =
				g_object_ref(((UbnSlot *)g_ptr_array_index(run.slots, 0))->client);
		g_ptr_array_add(run.slots, slot);
	}

	if (async)
		ok = ubn_run_async(&run, (gint64)(duration_s * G_USEC_PER_SEC), &error);
	else
		ok = ubn_run_sync(&run, (gint64)(duration_s * G_USEC_PER_SEC), &error);
	if (!ok)
		return upt_cli_fail(g_steal_pointer(&error));
	if (run.latencies->len == 0) {
		g_printerr("upd-bench-check: no check finished\n");
		return UPT_EXIT_ERROR;
	}
	/* from the end of the warm-up to the last completed check */
	started = run.deadline - (gint64)(duration_s * G_USEC_PER_SEC);
	elapsed_s = (run.last_done - started) / (gdouble)G_USEC_PER_SEC;
	g_array_sort(run.latencies, ubn_compare_int64);
	mode = async ? "async" : "sync";

	if (tsv) {
		g_print("%s\t%d\t%u\t%u\t%.3f\t%.1f\t%.3f\t%.3f\t%.3f\n", mode,
			async ? concurrency : 1, n_clients, run.latencies->len, elapsed_s,
			run.latencies->len / elapsed_s, ubn_percentile_ms(run.latencies, 50),
			ubn_percentile_ms(run.latencies, 99),
			ubn_percentile_ms(run.latencies, 100));
		return UPT_EXIT_OK;
	}
	g_print("endpoint:     %s (%s, channel %s)\n", upd_app_config_get_endpoint(config),
		upd_app_config_get_id(config), upd_app_config_get_channel(config));
	g_print("mode:         %s, %d in flight, %u UpdClient%s\n",
		async ? "upd_client_check_async() on one main loop"
		      : "upd_client_check() in a loop",
		async ? concurrency : 1, n_clients, n_clients == 1 ? "" : "s");
	g_print("warm-up:      one check per slot, untimed; it offered %s (%u release%s "
		"available)\n",
		run.offered, run.available, run.available == 1 ? "" : "s");
	g_print("checks:       %u in %.3f s\n", run.latencies->len, elapsed_s);
	g_print("checks/s:     %.1f\n", run.latencies->len / elapsed_s);
	g_print("latency ms:   p50 %.3f  p99 %.3f  max %.3f\n",
		ubn_percentile_ms(run.latencies, 50), ubn_percentile_ms(run.latencies, 99),
		ubn_percentile_ms(run.latencies, 100));
	return UPT_EXIT_OK;
}
