/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A logind "delay" inhibitor on shutdown and sleep: while its file descriptor
 * is open, logind waits (up to its InhibitDelayMaxSec) before it powers off,
 * so an install finishes its atomic switch instead of being cut off.
 *
 * Taking it never fails the caller: without a system bus or logind (a
 * container, a CI machine) the result is -1 and a debug message. */
void
usv_inhibitor_take_async(const gchar *why, GAsyncReadyCallback callback, gpointer user_data);
/* returns: the inhibitor's file descriptor, or -1 */
int
usv_inhibitor_take_finish(GAsyncResult *res);
/* closes *@fd if it is open and sets it to -1 */
void
usv_inhibitor_release(int *fd);

G_END_DECLS
