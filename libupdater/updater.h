/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define __UPDATER_H_INSIDE__

#include "upd-app-config.h"
#include "upd-build.h"
#include "upd-check-result.h"
#include "upd-client.h"
#include "upd-downloader.h"
#include "upd-error.h"
#include "upd-key.h"
#include "upd-manifest.h"
#include "upd-payload-type.h"
#include "upd-plan.h"
#include "upd-plugin-host.h"
#include "upd-release.h"
#include "upd-transaction.h"
#include "upd-version-common.h"
#include "upd-version.h"

#undef __UPDATER_H_INSIDE__
