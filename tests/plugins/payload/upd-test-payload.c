/*
 * Copyright 2026 The libupdater authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A tiny shared library for this machine, published by the tests as a dll
 * payload (and, patched, as one for another machine). */

__attribute__((visibility("default"))) int
upd_test_payload_answer(void);

__attribute__((visibility("default"))) int
upd_test_payload_answer(void)
{
	return 42;
}
