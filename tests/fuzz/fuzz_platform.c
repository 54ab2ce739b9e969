// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the platform-file parser and layout of the simulated
 * host's builder, on any text. A platform that parses and lays out must
 * describe a host QEMU can build: regions above RAM, apart, tables in the
 * firmware area.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

static struct platform plat;

static void check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	uint64_t value;

	memset(&plat, 0, sizeof(plat));
	if (plat_parse(&plat, (const char *)data, size, err, sizeof(err))) {
		check(err[0] != '\0');
		return 0;
	}
	if (plat_layout(&plat, err, sizeof(err))) {
		check(err[0] != '\0');
		return 0;
	}
	check(plat.nr_sockets <= PLAT_MAX_SOCKETS && plat.nr_gpus <= PLAT_MAX_GPUS);
	for (unsigned int i = 0; i < plat.nr_sockets; i++) {
		const struct plat_socket *s = &plat.sockets[i];

		check(s->base >= plat.firmware_area + plat.firmware_area_size);
		check(s->base + s->size <= plat.ram_end);
		check(s->retired_table >= plat.firmware_area);
		check(s->retired_table + 8 * (1 + (uint64_t)s->nr_retired) <=
		      plat.firmware_area + plat.firmware_area_size);
		for (unsigned int j = i + 1; j < plat.nr_sockets; j++) {
			check(s->pxm != plat.sockets[j].pxm);
			check(s->base + s->size <= plat.sockets[j].base ||
			      plat.sockets[j].base + plat.sockets[j].size <= s->base);
		}
		for (unsigned int r = 0; r < s->nr_retired; r++)
			plat_retired_address(s, r);
	}
	for (unsigned int g = 0; g < plat.nr_gpus; g++) {
		check(plat.gpus[g].socket < plat.nr_sockets);
		for (int p = 0; p < PLAT_NR_PROPS; p++)
			plat_gpu_prop(&plat, g, p, &value);
	}
	return 0;
}
