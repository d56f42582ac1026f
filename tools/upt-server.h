/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "upt-repository.h"

G_BEGIN_DECLS

/* Serves a repository: POST /v1/check, and every file of the repository
 * with Range, ETag, If-None-Match and If-Range. Bad requests get a 4xx with a
 * one-line text/plain reason; the server keeps serving. */
#define UPT_TYPE_SERVER (upt_server_get_type())
G_DECLARE_FINAL_TYPE(UptServer, upt_server, UPT, SERVER, GObject)

UptServer *
upt_server_new(UptRepository *repo, guint poll_interval);
gboolean
upt_server_listen(UptServer *self, const gchar *address, guint port, GError **error);
gchar *
upt_server_get_url(UptServer *self);
void
upt_server_set_verbose(UptServer *self, gboolean verbose);

G_END_DECLS
