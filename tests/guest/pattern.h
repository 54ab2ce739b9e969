/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test pattern written to EGM pages: each 64-bit word depends on its
 * offset in the region, so a page found elsewhere is noticed.
 */
#ifndef EGM_TEST_PATTERN_H
#define EGM_TEST_PATTERN_H

#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

/* The kernel's page size: 4 KiB on x86, 4 or 16 KiB on Debian's arm64. */
#define PAGE ((uint64_t)sysconf(_SC_PAGESIZE))
#define PAGE_MAX 65536	/* the largest page size, for static buffers */

static inline uint64_t pattern_word(uint64_t offset)
{
	return (offset * 0x9e3779b97f4a7c15ULL) ^ 0x45474d2d54455354ULL;
}

static inline void fill_page(uint8_t *page, uint64_t offset)
{
	uint64_t *w = (uint64_t *)page;

	for (unsigned int i = 0; i < PAGE / 8; i++)
		w[i] = pattern_word(offset + i * 8);
}

static inline bool page_matches(const uint8_t *page, uint64_t offset)
{
	const uint64_t *w = (const uint64_t *)page;

	for (unsigned int i = 0; i < PAGE / 8; i++)
		if (w[i] != pattern_word(offset + i * 8))
			return false;
	return true;
}

#endif
