/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "upd-plugin-host.h"

G_BEGIN_DECLS

/* The link between an UpdPluginHost and updater-service: while the daemon is
 * on the session bus, the host is registered with it for @app_id; the
 * daemon's SwapRequested makes the host look at the plugin at once, and every
 * swap (or failed swap) is reported back with ReportSwap. The daemon is not
 * started for this: when it starts later, the host registers then. */
#define UPD_TYPE_SERVICE_LINK (upd_service_link_get_type())
G_DECLARE_FINAL_TYPE(UpdServiceLink, upd_service_link, UPD, SERVICE_LINK, GObject)

UpdServiceLink *
upd_service_link_new(UpdPluginHost *host, const gchar *app_id, GDBusConnection *connection);
/* TRUE while registered with a running daemon */
gboolean
upd_service_link_is_registered(UpdServiceLink *self);

G_END_DECLS
