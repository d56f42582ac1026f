/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Test helpers shared by every test program.
 *
 * upd_test_init() calls g_test_init() and moves HOME and every XDG_*_HOME
 * into a fresh temporary directory before anything reads them; the directory
 * is removed at exit unless UPD_TEST_KEEP is set. Programs under test are
 * found through environment variables that tests/meson.build sets
 * (UPDATER_PUBLISH, UPDATER_SERVER, UPDATERCTL, ...). */

void
upd_test_init(int *argc, char ***argv);
const gchar *
upd_test_get_tmpdir(void);
gchar *
upd_test_mkdtemp(const gchar *name);
const gchar *
upd_test_program(const gchar *variable);

/* runs a program to completion; NULL-terminated argv; env entries "K=V" are
 * added to the environment. Returns the exit status (or -signal). */
gint
upd_test_run(const gchar *const *argv,
	     const gchar *const *env,
	     const gchar *stdin_text,
	     gchar **out,
	     gchar **err);
/* like upd_test_run() with a varargs argv, asserting exit status 0 */
gchar *
upd_test_run_ok(const gchar *program, ...) G_GNUC_NULL_TERMINATED G_GNUC_WARN_UNUSED_RESULT;

/* a real updater-server on 127.0.0.1, port 0 */
typedef struct {
	GSubprocess *process;
	gchar *url; /* ends with '/' */
} UpdTestServer;

UpdTestServer *
upd_test_server_start(const gchar *repo, const gchar *const *extra_args);
void
upd_test_server_stop(UpdTestServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UpdTestServer, upd_test_server_stop)

/* writes PREFIX.secret and PREFIX.pub with updater-publish; returns the public line */
gchar *
upd_test_keygen(const gchar *prefix);
/* updater-publish release --repo --key --app --version PAYLOAD [extra args], asserting success */
void
upd_test_publish(const gchar *repo,
		 const gchar *key,
		 const gchar *app_id,
		 const gchar *version,
		 const gchar *payload,
		 ...) G_GNUC_NULL_TERMINATED;
/* writes an [Application] key file; extra "Key=Value" lines are NULL-terminated */
gchar *
upd_test_write_config(const gchar *path,
		      const gchar *app_id,
		      const gchar *endpoint,
		      const gchar *public_keys,
		      ...) G_GNUC_NULL_TERMINATED;
/* writes a file with the given contents, creating parent directories */
void
upd_test_write_file(const gchar *path, const gchar *contents, gssize len, guint mode);
/* a tar.gz made with libarchive: NULL-terminated pairs of name, contents */
void
upd_test_make_tar_gz(const gchar *path, ...) G_GNUC_NULL_TERMINATED;
/* SHA-256 over every file of a directory tree (names, modes, contents): a
 * fingerprint to assert that something was left untouched */
gchar *
upd_test_tree_fingerprint(const gchar *dir);
/* iterates the default main context until *flag is TRUE or the timeout (ms) passes */
void
upd_test_wait_flag(gboolean *flag, guint timeout_ms);

G_END_DECLS
