/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "upd-error.h"

G_BEGIN_DECLS

void
upd_error_convert(GError **error);

G_END_DECLS
