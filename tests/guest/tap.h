/* SPDX-License-Identifier: GPL-2.0-only */
/* Minimal TAP output for in-guest C tests: "ok - ..." / "not ok - ...". */
#ifndef EGM_TAP_H
#define EGM_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

static int tap_failures;

__attribute__((format(printf, 2, 3)))
static inline bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failures++;
	return cond;
}

__attribute__((format(printf, 1, 2)))
static inline void tap_note(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline int tap_exit_status(void)
{
	return tap_failures ? 1 : 0;
}

#endif
