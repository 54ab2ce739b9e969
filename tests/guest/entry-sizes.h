/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The page-table entries a huge PFN map can use on this machine: the PUD
 * (1 GiB) on x86-64 only (arm64 6.12 has no PUD PFN maps), and the PMD: a
 * page of 8-byte entries, each mapping a page (2 MiB with 4 KiB pages,
 * 32 MiB with 16 KiB).
 */
#ifndef EGM_TEST_ENTRY_SIZES_H
#define EGM_TEST_ENTRY_SIZES_H

#include "pattern.h"

static inline uint64_t huge_pud_size(void)
{
#ifdef __x86_64__
	return 1ULL << 30;
#else
	return 0;
#endif
}

static inline uint64_t huge_pmd_size(void)
{
	return PAGE * (PAGE / 8);
}

static inline uint64_t largest_huge_entry(void)
{
	return huge_pud_size() ? huge_pud_size() : huge_pmd_size();
}

#endif /* EGM_TEST_ENTRY_SIZES_H */
