/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "upd-transaction.h"

G_BEGIN_DECLS

/* upd_transaction_recover() unless an install or rollback (of this process
 * or another) holds the lock now: then it sets @busy and returns TRUE at
 * once; never waits, so a main loop may call it */
gboolean
upd_transaction_recover_unless_busy(UpdTransaction *self, gboolean *busy, GError **error);

G_END_DECLS
