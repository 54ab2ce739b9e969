/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a mapping costs the calling process: its minor page faults and its
 * page-table memory. Shared by egm-test and the benchmark.
 */
#ifndef MAPPING_COST_H
#define MAPPING_COST_H

#include <stdio.h>
#include <sys/resource.h>

static inline long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* Page-table memory of this process, from /proc/self/status. */
static inline long page_table_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPTE: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

#endif /* MAPPING_COST_H */
