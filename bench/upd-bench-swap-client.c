/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The load of bench/hot-swap.sh: N threads, each with one keep-alive HTTP/1.1
 * connection to demo-app, call GET / in a loop for a given time and time
 * every request (from the first byte sent to the last byte of the answer
 * read, in microseconds). Plain blocking sockets, one thread per connection,
 * so the client adds as little as it can to what it measures.
 *
 * Every answer is checked: HTTP 200 with a body of exactly "hello from
 * greeter 1.0, request N\n" or "greetings from greeter 2.0, request N\n"; N
 * strictly increasing on each connection and, over all connections, each N
 * exactly once. A failed request (refused connection, reset, timeout, another
 * status, another body) is counted and the connection opened again. Exit
 * status 1 when any request failed or a check did not hold. */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IO_TIMEOUT_S 30
#define V1_PREFIX    "hello from greeter 1.0, request "
#define V2_PREFIX    "greetings from greeter 2.0, request "

typedef struct {
	guint64 n;
	gint64 latency; /* µs */
	guint version;	/* 1 or 2 */
} UbsAnswer;

typedef struct _UbsRun UbsRun;

typedef struct {
	UbsRun *run;
	GThread *thread;
	gint fd;
	GArray *answers; /* (element-type UbsAnswer): in the order received */
	guint errors;
	guint refused; /* of errors: connection refused or HTTP 503 */
	guint64 last_n;
	gchar *first_error; /* (owned) (nullable) */
	gchar buf[4096];
	gsize buf_len;
} UbsClient;

struct _UbsRun {
	struct sockaddr_in addr;
	gchar *request; /* (owned) */
	gsize request_len;
	GMutex lock;
	GCond cond;
	guint ready;  /* guarded by lock: clients connected */
	gboolean go;  /* guarded by lock */
	gint64 start; /* set before go */
	gint64 deadline;
};

typedef struct {
	UbsRun *run;
	GThread *thread;
	gchar *slot; /* (owned): DIR/greeter */
	gint64 interval;
	guint triggered;
	gchar *error; /* (owned) (nullable) */
} UbsSwapper;

static void
ubs_client_fail(UbsClient *client, gboolean refused, const gchar *format, ...) G_GNUC_PRINTF(3, 4);

static void
ubs_client_fail(UbsClient *client, gboolean refused, const gchar *format, ...)
{
	va_list args;

	client->errors++;
	if (refused)
		client->refused++;
	if (client->first_error == NULL) {
		va_start(args, format);
		client->first_error = g_strdup_vprintf(format, args);
		va_end(args);
	}
	if (client->fd >= 0) {
		close(client->fd);
		client->fd = -1;
	}
	client->buf_len = 0;
	client->buf[0] = '\0';
}

/* opens the connection; FALSE (and counted) when it fails */
static gboolean
ubs_client_connect(UbsClient *client)
{
	struct timeval timeout = {IO_TIMEOUT_S, 0};
	gint one = 1;
	gint fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		ubs_client_fail(client, FALSE, "socket(): %s", g_strerror(errno));
		return FALSE;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	if (connect(fd, (const struct sockaddr *)&client->run->addr, sizeof(client->run->addr)) !=
	    0) {
		gint saved = errno;
		close(fd);
		ubs_client_fail(client, saved == ECONNREFUSED, "connect(): %s", g_strerror(saved));
		return FALSE;
	}
	client->fd = fd;
	client->buf_len = 0;
	client->buf[0] = '\0';
	return TRUE;
}

/* reads more of the answer into buf; FALSE (and counted) on EOF or error */
static gboolean
ubs_client_read_more(UbsClient *client)
{
	gssize n;

	if (client->buf_len == sizeof(client->buf) - 1) {
		ubs_client_fail(client, FALSE, "answer longer than %zu bytes",
				sizeof(client->buf) - 1);
		return FALSE;
	}
	do
		n = read(client->fd, client->buf + client->buf_len,
			 sizeof(client->buf) - 1 - client->buf_len);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		ubs_client_fail(client, FALSE, "read(): %s",
				n == 0 ? "connection closed by demo-app" : g_strerror(errno));
		return FALSE;
	}
	client->buf_len += (gsize)n;
	client->buf[client->buf_len] = '\0';
	return TRUE;
}

/* the body of one answer: the version and counter it gives, 0 if neither */
static guint
ubs_parse_body(const gchar *body, gsize len, guint64 *n)
{
	g_autofree gchar *text = g_strndup(body, len);
	const gchar *number;
	guint version;

	if (strlen(text) != len || len == 0 || text[len - 1] != '\n')
		return 0;
	text[len - 1] = '\0';
	if (g_str_has_prefix(text, V1_PREFIX)) {
		version = 1;
		number = text + strlen(V1_PREFIX);
	} else if (g_str_has_prefix(text, V2_PREFIX)) {
		version = 2;
		number = text + strlen(V2_PREFIX);
	} else {
		return 0;
	}
	if (!g_ascii_string_to_unsigned(number, 10, 1, G_MAXUINT64, n, NULL))
		return 0;
	return version;
}

/* one GET /, timed and checked; FALSE when it failed (and was counted) */
static gboolean
ubs_client_request(UbsClient *client)
{
	UbsRun *run = client->run;
	gint64 started = g_get_monotonic_time();
	gint64 latency;
	gsize sent = 0;
	gchar *end;
	gsize header_len;
	gsize content_length = G_MAXSIZE;
	gboolean close_after = FALSE;
	guint status = 0;
	UbsAnswer answer = {0};
	g_auto(GStrv) lines = NULL;

	while (sent < run->request_len) {
		gssize n = write(client->fd, run->request + sent, run->request_len - sent);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ubs_client_fail(client, FALSE, "write(): %s", g_strerror(errno));
			return FALSE;
		}
		sent += (gsize)n;
	}
	while ((end = strstr(client->buf, "\r\n\r\n")) == NULL)
		if (!ubs_client_read_more(client))
			return FALSE;
	header_len = (gsize)(end - client->buf) + 4;
	*end = '\0';
	lines = g_strsplit(client->buf, "\r\n", -1);
	*end = '\r';
	if (sscanf(lines[0], "HTTP/1.%*1[01] %u", &status) != 1) {
		ubs_client_fail(client, FALSE, "not an HTTP answer: %s", lines[0]);
		return FALSE;
	}
	for (guint i = 1; lines[i] != NULL; i++) {
		if (g_ascii_strncasecmp(lines[i], "Content-Length:", 15) == 0) {
			guint64 value = 0;
			if (!g_ascii_string_to_unsigned(g_strstrip(lines[i] + 15), 10, 0,
							sizeof(client->buf), &value, NULL)) {
				ubs_client_fail(client, FALSE, "bad %s", lines[i]);
				return FALSE;
			}
			content_length = (gsize)value;
		} else if (g_ascii_strncasecmp(lines[i], "Connection:", 11) == 0 &&
			   strstr(lines[i] + 11, "close") != NULL) {
			close_after = TRUE;
		}
	}
	if (content_length == G_MAXSIZE) {
		ubs_client_fail(client, FALSE, "HTTP %u without Content-Length", status);
		return FALSE;
	}
	while (client->buf_len < header_len + content_length)
		if (!ubs_client_read_more(client))
			return FALSE;
	latency = g_get_monotonic_time() - started;
	if (client->buf_len != header_len + content_length) {
		ubs_client_fail(client, FALSE, "%zu bytes more than the answer",
				client->buf_len - header_len - content_length);
		return FALSE;
	}
	if (status != 200) {
		ubs_client_fail(client, status == 503, "HTTP %u: %.*s", status, (int)content_length,
				client->buf + header_len);
		return FALSE;
	}
	answer.version = ubs_parse_body(client->buf + header_len, content_length, &answer.n);
	if (answer.version == 0) {
		ubs_client_fail(client, FALSE, "unexpected body: %.*s", (int)content_length,
				client->buf + header_len);
		return FALSE;
	}
	if (answer.n <= client->last_n) {
		ubs_client_fail(client, FALSE,
				"request %" G_GUINT64_FORMAT " after %" G_GUINT64_FORMAT
				" on the same client",
				answer.n, client->last_n);
		return FALSE;
	}
	client->last_n = answer.n;
	answer.latency = latency;
	g_array_append_val(client->answers, answer);
	client->buf_len = 0;
	client->buf[0] = '\0';
	if (close_after) {
		close(client->fd);
		client->fd = -1;
	}
	return TRUE;
}

/* waits for the start of the run */
static void
ubs_run_wait_go(UbsRun *run)
{
	g_mutex_lock(&run->lock);
	while (!run->go)
		g_cond_wait(&run->cond, &run->lock);
	g_mutex_unlock(&run->lock);
}

static gpointer
ubs_client_thread(gpointer user_data)
{
	UbsClient *client = user_data;
	UbsRun *run = client->run;

	/* connect first: the connection is not part of any request's time */
	ubs_client_connect(client);
	g_mutex_lock(&run->lock);
	run->ready++;
	g_cond_broadcast(&run->cond);
	g_mutex_unlock(&run->lock);
	ubs_run_wait_go(run);

	while (g_get_monotonic_time() < run->deadline) {
		if (client->fd < 0 && !ubs_client_connect(client)) {
			g_usleep(10 * G_TIME_SPAN_MILLISECOND);
			continue;
		}
		ubs_client_request(client);
	}
	if (client->fd >= 0)
		close(client->fd);
	return NULL;
}

/* Points SLOT/current at the other version every interval until the
 * deadline, as an install does and as the test does: a new link renamed
 * over the old one (ln -s versions/V SLOT/.current-N; mv -T SLOT/.current-N
 * SLOT/current), without a process per swap. A late wake-up moves the
 * schedule on rather than swapping twice in a row. */
static gpointer
ubs_swapper_thread(gpointer user_data)
{
	UbsSwapper *swapper = user_data;
	UbsRun *run = swapper->run;
	g_autofree gchar *link = g_build_filename(swapper->slot, "current", NULL);
	g_autofree gchar *target = g_file_read_link(link, NULL);
	gboolean on_2_0 = g_strcmp0(target, "versions/2.0") == 0;
	gint64 next;

	ubs_run_wait_go(run);
	next = run->start;
	for (;;) {
		g_autofree gchar *tmp = NULL;
		struct timespec ts;
		gint64 now;

		next += swapper->interval;
		if (next >= run->deadline)
			break;
		ts.tv_sec = next / G_USEC_PER_SEC;
		ts.tv_nsec = (next % G_USEC_PER_SEC) * 1000;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		now = g_get_monotonic_time();
		if (now > next)
			next = now;
		tmp = g_strdup_printf("%s/.current-%u", swapper->slot, swapper->triggered);
		if (symlink(on_2_0 ? "versions/1.0" : "versions/2.0", tmp) != 0 ||
		    rename(tmp, link) != 0) {
			swapper->error = g_strdup_printf("swap %u: %s: %s", swapper->triggered + 1,
							 tmp, g_strerror(errno));
			break;
		}
		on_2_0 = !on_2_0;
		swapper->triggered++;
	}
	return NULL;
}

static gint
ubs_compare_int64(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *)a;
	gint64 y = *(const gint64 *)b;
	return x < y ? -1 : x > y;
}

static gint
ubs_compare_answer(gconstpointer a, gconstpointer b)
{
	const UbsAnswer *x = a;
	const UbsAnswer *y = b;
	return x->n < y->n ? -1 : x->n > y->n;
}

/* the nearest-rank percentile @per_mille (per 1000) of sorted @values */
static gint64
ubs_percentile(GArray *values, guint per_mille)
{
	guint64 rank = ((guint64)values->len * per_mille + 999) / 1000;
	if (values->len == 0)
		return 0;
	return g_array_index(values, gint64, MAX(rank, 1) - 1);
}

static gboolean
ubs_parse_url(const gchar *url, UbsRun *run)
{
	g_autoptr(GUri) uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);

	if (uri == NULL || g_strcmp0(g_uri_get_scheme(uri), "http") != 0 ||
	    g_uri_get_port(uri) <= 0)
		return FALSE;
	memset(&run->addr, 0, sizeof(run->addr));
	run->addr.sin_family = AF_INET;
	run->addr.sin_port = htons((guint16)g_uri_get_port(uri));
	if (inet_pton(AF_INET, g_uri_get_host(uri), &run->addr.sin_addr) != 1)
		return FALSE;
	run->request = g_strdup_printf("GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n",
				       g_uri_get_path(uri)[0] != '\0' ? g_uri_get_path(uri) : "/",
				       g_uri_get_host(uri), g_uri_get_port(uri));
	run->request_len = strlen(run->request);
	return TRUE;
}

int
main(int argc, char **argv)
{
	gint n_clients = 8;
	gdouble duration = 10;
	gint swap_interval_ms = 100;
	g_autofree gchar *swap_slot = NULL;
	UbsSwapper swapper = {0};
	struct rusage usage;
	gboolean tsv = FALSE;
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) latencies = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autoptr(GArray) answers = g_array_new(FALSE, FALSE, sizeof(UbsAnswer));
	g_autoptr(GArray) crossing = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autoptr(GString) out = g_string_new(NULL);
	UbsClient *clients;
	UbsRun run = {0};
	guint errors = 0;
	guint refused = 0;
	guint over_1ms = 0;
	guint versions[3] = {0, 0, 0};
	guint transitions = 0;
	guint duplicates = 0;
	guint64 gaps = 0;
	gdouble seconds;
	gboolean ok = TRUE;
	const GOptionEntry entries[] = {
		{"clients", 'c', 0, G_OPTION_ARG_INT, &n_clients,
		 "Connections, one thread each (default 8)", "N"},
		{"duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration,
		 "Seconds of requests (default 10)", "S"},
		{"swap", 0, 0, G_OPTION_ARG_FILENAME, &swap_slot,
		 "Swap DIR/current between versions/1.0 and versions/2.0 meanwhile", "DIR"},
		{"swap-interval-ms", 0, 0, G_OPTION_ARG_INT, &swap_interval_ms,
		 "Time between two swaps (default 100)", "MS"},
		{"tsv", 0, 0, G_OPTION_ARG_NONE, &tsv, "Print one tab-separated line", NULL},
		{NULL},
	};

	context = g_option_context_new("URL");
	g_option_context_set_summary(context,
				     "GET URL in a loop on N keep-alive connections and time "
				     "every request; the load of bench/hot-swap.sh.");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("upd-bench-swap-client: %s\n", error->message);
		return 2;
	}
	if (argc != 2 || n_clients < 1 || n_clients > 1024 || duration <= 0 ||
	    swap_interval_ms < 1 || !ubs_parse_url(argv[1], &run)) {
		g_printerr("upd-bench-swap-client: give one URL http://ADDRESS:PORT/ (IPv4), "
			   "--clients from 1 to 1024, --duration and --swap-interval-ms above "
			   "0\n");
		return 2;
	}

	g_mutex_init(&run.lock);
	g_cond_init(&run.cond);
	clients = g_new0(UbsClient, n_clients);
	for (gint i = 0; i < n_clients; i++) {
		g_autofree gchar *name = g_strdup_printf("client-%d", i);
		clients[i].run = &run;
		clients[i].fd = -1;
		clients[i].answers = g_array_sized_new(FALSE, FALSE, sizeof(UbsAnswer), 65536);
		clients[i].thread = g_thread_new(name, ubs_client_thread, &clients[i]);
	}
	if (swap_slot != NULL) {
		swapper.run = &run;
		swapper.slot = g_steal_pointer(&swap_slot);
		swapper.interval = (gint64)swap_interval_ms * G_TIME_SPAN_MILLISECOND;
		swapper.thread = g_thread_new("swapper", ubs_swapper_thread, &swapper);
	}
	g_mutex_lock(&run.lock);
	while (run.ready < (guint)n_clients)
		g_cond_wait(&run.cond, &run.lock);
	run.start = g_get_monotonic_time();
	run.deadline = run.start + (gint64)(duration * G_TIME_SPAN_SECOND);
	run.go = TRUE;
	g_cond_broadcast(&run.cond);
	g_mutex_unlock(&run.lock);
	for (gint i = 0; i < n_clients; i++) {
		UbsClient *client = &clients[i];
		g_thread_join(client->thread);
		for (guint j = 0; j < client->answers->len; j++) {
			UbsAnswer *a = &g_array_index(client->answers, UbsAnswer, j);
			g_array_append_val(latencies, a->latency);
			/* the first answer this client got from a new version: its
			 * request waited for the swap, or came right after it */
			if (j > 0 && a->version != a[-1].version)
				g_array_append_val(crossing, a->latency);
		}
		g_array_append_vals(answers, client->answers->data, client->answers->len);
		errors += client->errors;
		refused += client->refused;
		if (client->first_error != NULL) {
			g_printerr("upd-bench-swap-client: client %d: %u failed requests, the "
				   "first: %s\n",
				   i, client->errors, client->first_error);
			ok = FALSE;
		}
	}
	/* the requests still in flight at the deadline end after it */
	seconds = (g_get_monotonic_time() - run.start) / 1e6;
	if (swapper.thread != NULL) {
		g_thread_join(swapper.thread);
		if (swapper.error != NULL) {
			g_printerr("upd-bench-swap-client: %s\n", swapper.error);
			ok = FALSE;
		}
		g_free(swapper.slot);
		g_free(swapper.error);
	}
	getrusage(RUSAGE_SELF, &usage);

	/* over all connections: each counter value once, and in counter order
	 * the versions come in blocks (one change per swap, never back) */
	g_array_sort(answers, ubs_compare_answer);
	for (guint i = 0; i < answers->len; i++) {
		UbsAnswer *a = &g_array_index(answers, UbsAnswer, i);
		versions[a->version]++;
		if (i == 0)
			continue;
		if (a->n == a[-1].n)
			duplicates++;
		else
			gaps += a->n - a[-1].n - 1;
		if (a->version != a[-1].version)
			transitions++;
	}
	if (duplicates > 0) {
		g_printerr("upd-bench-swap-client: %u counter values were answered twice\n",
			   duplicates);
		ok = FALSE;
	}
	/* a failed request may have taken a counter value: gaps only count
	 * without failures */
	if (gaps > 0 && errors == 0) {
		g_printerr("upd-bench-swap-client: %" G_GUINT64_FORMAT
			   " counter values between the first and the last answer "
			   "never came back\n",
			   gaps);
		ok = FALSE;
	}
	if (answers->len == 0) {
		g_printerr("upd-bench-swap-client: no answer at all\n");
		ok = FALSE;
	}

	g_array_sort(latencies, ubs_compare_int64);
	g_array_sort(crossing, ubs_compare_int64);
	for (guint i = 0; i < latencies->len; i++)
		if (g_array_index(latencies, gint64, i) > 1000)
			over_1ms++;
	if (tsv) {
		/* requests seconds req/s errors refused p50 p90 p99 p99.9 max
		 * %>1ms answers-1.0 answers-2.0 version-changes first-n last-n
		 * first-after-swap: count p50 p99 max; swaps triggered, CPU s */
		g_string_append_printf(
			out,
			"%u\t%.3f\t%.0f\t%u\t%u\t%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT
			"\t%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT
			"\t%.3f\t%u\t%u\t%u\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
			"\t%u\t%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT
			"\t%u\t%.2f\n",
			latencies->len, seconds, latencies->len / seconds, errors, refused,
			ubs_percentile(latencies, 500), ubs_percentile(latencies, 900),
			ubs_percentile(latencies, 990), ubs_percentile(latencies, 999),
			ubs_percentile(latencies, 1000),
			latencies->len > 0 ? 100.0 * over_1ms / latencies->len : 0.0, versions[1],
			versions[2], transitions,
			answers->len > 0 ? g_array_index(answers, UbsAnswer, 0).n : 0,
			answers->len > 0 ? g_array_index(answers, UbsAnswer, answers->len - 1).n
					 : 0,
			crossing->len, ubs_percentile(crossing, 500), ubs_percentile(crossing, 990),
			ubs_percentile(crossing, 1000), swapper.triggered,
			usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
				(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6);
	} else {
		g_string_append_printf(
			out,
			"%u requests in %.3f s by %d clients (%.0f/s), %u failed (%u refused)\n"
			"latency µs: p50 %" G_GINT64_FORMAT ", p90 %" G_GINT64_FORMAT
			", p99 %" G_GINT64_FORMAT ", p99.9 %" G_GINT64_FORMAT
			", max %" G_GINT64_FORMAT "; %.3f %% over 1 ms\n"
			"answers: %u by 1.0, %u by 2.0, %u version changes in counter order\n"
			"first answer of a client from a new version: %u, latency µs p50 "
			"%" G_GINT64_FORMAT ", p99 %" G_GINT64_FORMAT ", max %" G_GINT64_FORMAT
			"\n%u swaps triggered; the client used %.2f s of CPU\n",
			latencies->len, seconds, n_clients, latencies->len / seconds, errors,
			refused, ubs_percentile(latencies, 500), ubs_percentile(latencies, 900),
			ubs_percentile(latencies, 990), ubs_percentile(latencies, 999),
			ubs_percentile(latencies, 1000),
			latencies->len > 0 ? 100.0 * over_1ms / latencies->len : 0.0, versions[1],
			versions[2], transitions, crossing->len, ubs_percentile(crossing, 500),
			ubs_percentile(crossing, 990), ubs_percentile(crossing, 1000),
			swapper.triggered,
			usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
				(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6);
	}
	fputs(out->str, stdout);

	for (gint i = 0; i < n_clients; i++) {
		g_array_unref(clients[i].answers);
		g_free(clients[i].first_error);
	}
	g_free(clients);
	g_free(run.request);
	g_mutex_clear(&run.lock);
	g_cond_clear(&run.cond);
	return ok && errors == 0 ? 0 : 1;
}
