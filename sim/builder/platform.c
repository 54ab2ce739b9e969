// SPDX-License-Identifier: GPL-2.0-only
/*
 * Platform-file parser and memory layout of the simulated Grace host.
 */
#include "platform.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GIB (1ULL << 30)
#define MIB (1ULL << 20)
/* q35 puts at most 2 GiB of RAM below 4 GiB once there is enough of it. */
#define Q35_LOW_RAM (2 * GIB)
#define Q35_HIGH_START (4 * GIB)
#define FIRMWARE_AREA_SIZE MIB
/* Tables lie 64 KiB apart; closer on hosts with more than 16 sockets. */
#define RETIRED_TABLE_STRIDE(nr_sockets) ((nr_sockets) > 16 ? 32 * 1024 : 64 * 1024)
/* grace: DRAM of each socket after the first, as a NUMA node of its own. */
#define GRACE_SOCKET_DRAM GIB
/* grace: a root bridge per GPU on buses 0x10, 0x20, ...: room for 8. */
#define GRACE_BUS_STRIDE 0x10
#define GRACE_MAX_GPUS 8
/* EFI_SIZE_TO_PAGES(8 + 8 * 4096) pages, or the one zeroed page. */
#define GRACE_FULL_TABLE_SIZE (9 * 4096ULL)
#define GRACE_EMPTY_TABLE_SIZE 4096ULL

const char *const plat_prop_names[PLAT_NR_PROPS] = {
	[PLAT_PROP_EGM_BASE] = "egm-base-pa",
	[PLAT_PROP_EGM_SIZE] = "egm-size",
	[PLAT_PROP_EGM_PXM] = "egm-pxm",
	[PLAT_PROP_EGM_RETIRED] = "egm-retired-pages-data-base",
	[PLAT_PROP_GPU_MEM_BASE] = "gpu-mem-base-pa",
	[PLAT_PROP_GPU_MEM_SIZE] = "gpu-mem-size",
	[PLAT_PROP_GPU_MEM_PXM_START] = "gpu-mem-pxm-start",
	[PLAT_PROP_GPU_MEM_PXM_COUNT] = "gpu-mem-pxm-count",
};

static int fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return -1;
}

int plat_parse_size(const char *text, uint64_t *value)
{
	unsigned long long number;
	unsigned int shift = 0;
	char *end;

	if (!*text || *text == '-' || *text == '+' || isspace((unsigned char)*text))
		return -1;
	errno = 0;
	number = strtoull(text, &end, 0);
	if (errno || end == text)
		return -1;
	switch (*end) {
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return -1;
	}
	if (shift && *++end)
		return -1;
	if (shift && number > (UINT64_MAX >> shift))
		return -1;
	*value = (uint64_t)number << shift;
	return 0;
}

static int find_prop(const char *name)
{
	for (int i = 0; i < PLAT_NR_PROPS; i++)
		if (!strcmp(name, plat_prop_names[i]))
			return i;
	return -1;
}

/* "PROP=VALUE" replaces a property, "-PROP" leaves it out. */
static int parse_override(struct plat_overrides *ovr, const char *word,
			  char *err, size_t err_len, unsigned int line)
{
	char name[64];
	const char *eq;
	int prop;

	if (word[0] == '-') {
		prop = find_prop(word + 1);
		if (prop < 0)
			return fail(err, err_len, "line %u: unknown property '%s'",
				    line, word + 1);
		ovr->omit |= 1u << prop;
		return 0;
	}
	eq = strchr(word, '=');
	if (!eq || (size_t)(eq - word) >= sizeof(name))
		return fail(err, err_len, "line %u: expected KEY=VALUE, got '%s'",
			    line, word);
	memcpy(name, word, eq - word);
	name[eq - word] = '\0';
	prop = find_prop(name);
	if (prop < 0)
		return fail(err, err_len, "line %u: unknown key '%s'", line, name);
	if (plat_parse_size(eq + 1, &ovr->value[prop]))
		return fail(err, err_len, "line %u: bad number '%s'", line, eq + 1);
	ovr->set |= 1u << prop;
	return 0;
}

#define MAX_WORDS 32

/* Splits a line into words; "quoted text" is one word. */
static int split_words(char *line, char **words, unsigned int lineno,
		       char *err, size_t err_len)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			return n;
		if (n == MAX_WORDS)
			return fail(err, err_len, "line %u: too many words", lineno);
		if (*p == '"') {
			words[n++] = ++p;
			p = strchr(p, '"');
			if (!p)
				return fail(err, err_len, "line %u: unterminated quote",
					    lineno);
			*p++ = '\0';
			continue;
		}
		words[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
}

static int parse_socket(struct platform *plat, char **words, int n,
			unsigned int line, char *err, size_t err_len)
{
	struct plat_socket *s;
	bool have_pxm = false, have_size = false;
	uint64_t v;

	if (plat->nr_sockets == PLAT_MAX_SOCKETS)
		return fail(err, err_len, "line %u: more than %d sockets", line,
			    PLAT_MAX_SOCKETS);
	s = &plat->sockets[plat->nr_sockets];
	memset(s, 0, sizeof(*s));
	for (int i = 1; i < n; i++) {
		if (!strncmp(words[i], "pxm=", 4)) {
			if (plat_parse_size(words[i] + 4, &v) || v > PLAT_MAX_PXM)
				return fail(err, err_len,
					    "line %u: pxm must be 0..%d", line,
					    PLAT_MAX_PXM);
			s->pxm = v;
			have_pxm = true;
		} else if (!strncmp(words[i], "size=", 5)) {
			if (plat_parse_size(words[i] + 5, &s->size) || !s->size ||
			    s->size % (2 * MIB))
				return fail(err, err_len,
					    "line %u: size must be a non-zero multiple of 2M",
					    line);
			have_size = true;
		} else if (!strcmp(words[i], "visible")) {
			s->visible = true;
		} else if (parse_override(&s->ovr, words[i], err, err_len, line)) {
			return -1;
		}
	}
	if (!have_pxm || !have_size)
		return fail(err, err_len, "line %u: socket needs pxm= and size=",
			    line);
	if (s->pxm == 0)
		return fail(err, err_len,
			    "line %u: pxm 0 is the host's own RAM node", line);
	for (unsigned int i = 0; i < plat->nr_sockets; i++)
		if (plat->sockets[i].pxm == s->pxm)
			return fail(err, err_len, "line %u: pxm %u used twice",
				    line, s->pxm);
	plat->nr_sockets++;
	return 0;
}

static int parse_gpu(struct platform *plat, char **words, int n,
		     unsigned int line, char *err, size_t err_len)
{
	struct plat_gpu *g;
	bool have_slot = false, grace = plat->topology == PLAT_GRACE;
	uint64_t v;

	if (!plat->nr_sockets)
		return fail(err, err_len, "line %u: gpu before any socket", line);
	if (plat->nr_gpus == PLAT_MAX_GPUS)
		return fail(err, err_len, "line %u: more than %d GPUs", line,
			    PLAT_MAX_GPUS);
	g = &plat->gpus[plat->nr_gpus];
	memset(g, 0, sizeof(*g));
	g->socket = plat->nr_sockets - 1;
	for (int i = 1; i < n; i++) {
		if (!strncmp(words[i], "slot=", 5)) {
			/* 0 is the host bridge, 1 the display, 31 the ICH9. */
			if (plat_parse_size(words[i] + 5, &v) || v < 2 || v > 30)
				return fail(err, err_len,
					    "line %u: slot must be 2..30", line);
			g->slot = v;
			have_slot = true;
		} else if (parse_override(&g->ovr, words[i], err, err_len, line)) {
			return -1;
		}
	}
	/* The grace topology gives each GPU a root bridge of its own. */
	if (have_slot == grace)
		return fail(err, err_len,
			    grace ?
			    "line %u: a gpu of the grace topology has no slot=" :
			    "line %u: gpu needs slot=", line);
	for (unsigned int i = 0; have_slot && i < plat->nr_gpus; i++)
		if (plat->gpus[i].slot == g->slot)
			return fail(err, err_len, "line %u: slot %u used twice",
				    line, g->slot);
	plat->nr_gpus++;
	return 0;
}

static int add_retired(struct plat_socket *s, uint64_t value, bool is_address,
		       unsigned int line, char *err, size_t err_len)
{
	if (s->nr_retired == PLAT_MAX_RETIRED)
		return fail(err, err_len, "line %u: more than %d retired pages",
			    line, PLAT_MAX_RETIRED);
	s->retired[s->nr_retired] = value;
	s->retired_is_address[s->nr_retired++] = is_address;
	return 0;
}

/*
 * retired OFFSET...; retired-address ADDRESS...;
 * retired-range FIRST STEP COUNT: COUNT offsets from FIRST, STEP apart.
 */
static int parse_retired(struct platform *plat, char **words, int n,
			 unsigned int line, char *err, size_t err_len)
{
	bool is_address = !strcmp(words[0], "retired-address");
	struct plat_socket *s;
	uint64_t v[3];

	if (!plat->nr_sockets)
		return fail(err, err_len, "line %u: %s before any socket",
			    line, words[0]);
	s = &plat->sockets[plat->nr_sockets - 1];
	if (!strcmp(words[0], "retired-range")) {
		if (n != 4 || plat_parse_size(words[1], &v[0]) ||
		    plat_parse_size(words[2], &v[1]) ||
		    plat_parse_size(words[3], &v[2]))
			return fail(err, err_len,
				    "line %u: retired-range takes FIRST STEP COUNT",
				    line);
		for (uint64_t i = 0; i < v[2]; i++)
			if (add_retired(s, v[0] + i * v[1], false, line, err,
					err_len))
				return -1;
		return 0;
	}
	for (int i = 1; i < n; i++) {
		if (plat_parse_size(words[i], &v[0]))
			return fail(err, err_len, "line %u: bad %s '%s'", line,
				    is_address ? "address" : "offset", words[i]);
		if (add_retired(s, v[0], is_address, line, err, err_len))
			return -1;
	}
	return 0;
}

/* gpu-retired OFFSET...: entries only the last GPU's own table lists. */
static int parse_gpu_retired(struct platform *plat, char **words, int n,
			     unsigned int line, char *err, size_t err_len)
{
	struct plat_gpu *g;
	uint64_t v;

	if (plat->topology != PLAT_GRACE || !plat->nr_gpus)
		return fail(err, err_len,
			    "line %u: gpu-retired follows a gpu of the grace topology",
			    line);
	g = &plat->gpus[plat->nr_gpus - 1];
	for (int i = 1; i < n; i++) {
		if (plat_parse_size(words[i], &v))
			return fail(err, err_len, "line %u: bad offset '%s'",
				    line, words[i]);
		if (g->nr_own_retired == PLAT_MAX_GPU_RETIRED)
			return fail(err, err_len,
				    "line %u: more than %d entries of one GPU",
				    line, PLAT_MAX_GPU_RETIRED);
		g->own_retired[g->nr_own_retired++] = v;
	}
	return 0;
}

unsigned int plat_gpu_retired_table(const struct platform *plat,
				    unsigned int gpu, uint64_t *out,
				    unsigned int max)
{
	const struct plat_gpu *g = &plat->gpus[gpu];
	const struct plat_socket *s = &plat->sockets[g->socket];
	unsigned int n = 0;

	for (unsigned int r = 0; r < s->nr_retired; r++, n++)
		if (n < max)
			out[n] = plat_retired_address(s, r);
	for (unsigned int r = 0; r < g->nr_own_retired; r++, n++)
		if (n < max)
			out[n] = s->base + g->own_retired[r];
	return n;
}

void plat_gpu_pci_name(const struct platform *plat, unsigned int gpu,
		       char *buf, size_t len)
{
	const struct plat_gpu *g = &plat->gpus[gpu];

	if (plat->topology == PLAT_GRACE)
		snprintf(buf, len, "0000:%02x:00.0", g->bus + 1);
	else
		snprintf(buf, len, "0000:00:%02x.0", g->slot);
}

uint64_t plat_retired_address(const struct plat_socket *s, unsigned int r)
{
	return s->retired_is_address[r] ? s->retired[r] : s->base + s->retired[r];
}

/* retired-count N; retired-table-offset OFFSET: defects of the table. */
static int parse_retired_table(struct platform *plat, char **words, int n,
			       unsigned int line, char *err, size_t err_len)
{
	bool count = !strcmp(words[0], "retired-count");
	struct plat_socket *s;
	uint64_t value;

	if (!plat->nr_sockets || n != 2 || plat_parse_size(words[1], &value))
		return fail(err, err_len,
			    "line %u: %s takes one number after a socket", line,
			    words[0]);
	s = &plat->sockets[plat->nr_sockets - 1];
	if (count) {
		s->retired_count = value;
		s->retired_count_set = true;
	} else {
		s->retired_table_offset = value;
		s->retired_table_offset_set = true;
	}
	return 0;
}

static int copy_text(char *dst, const char *src, unsigned int line,
		     char *err, size_t err_len)
{
	if (strlen(src) >= PLAT_MAX_TEXT)
		return fail(err, err_len, "line %u: text longer than %d", line,
			    PLAT_MAX_TEXT - 1);
	strcpy(dst, src);
	return 0;
}

static int parse_line(struct platform *plat, char **words, int n,
		      unsigned int line, char *err, size_t err_len)
{
	const char *key = words[0];

	if (!strcmp(key, "name")) {
		if (n != 2 || strlen(words[1]) >= sizeof(plat->name))
			return fail(err, err_len, "line %u: name takes one short word",
				    line);
		strcpy(plat->name, words[1]);
		return 0;
	}
	if (!strcmp(key, "no-bridge-pxm")) {
		if (n != 1 || plat->topology != PLAT_GRACE)
			return fail(err, err_len,
				    "line %u: no-bridge-pxm takes nothing, after topology grace",
				    line);
		plat->no_bridge_pxm = true;
		return 0;
	}
	if (!strcmp(key, "ras")) {
		if (n != 1)
			return fail(err, err_len, "line %u: ras takes nothing", line);
		plat->ras = true;
		return 0;
	}
	if (!strcmp(key, "contents-unknown")) {
		if (n != 1)
			return fail(err, err_len, "line %u: contents-unknown takes nothing",
				    line);
		plat->contents_unknown = true;
		return 0;
	}
	if (!strcmp(key, "iommu")) {
		if (n != 1)
			return fail(err, err_len, "line %u: iommu takes nothing", line);
		plat->iommu = true;
		return 0;
	}
	if (!strcmp(key, "ram")) {
		if (n != 2 || plat_parse_size(words[1], &plat->ram))
			return fail(err, err_len, "line %u: ram takes one size", line);
		return 0;
	}
	if (!strcmp(key, "socket"))
		return parse_socket(plat, words, n, line, err, err_len);
	if (!strcmp(key, "gpu"))
		return parse_gpu(plat, words, n, line, err, err_len);
	if (!strcmp(key, "retired") || !strcmp(key, "retired-address") ||
	    !strcmp(key, "retired-range"))
		return parse_retired(plat, words, n, line, err, err_len);
	if (!strcmp(key, "gpu-retired"))
		return parse_gpu_retired(plat, words, n, line, err, err_len);
	if (!strcmp(key, "topology")) {
		if (n != 2 || (strcmp(words[1], "grace") && strcmp(words[1], "flat")))
			return fail(err, err_len,
				    "line %u: topology is grace or flat", line);
		if (plat->nr_sockets)
			return fail(err, err_len,
				    "line %u: topology comes before any socket", line);
		plat->topology = strcmp(words[1], "grace") ? PLAT_FLAT : PLAT_GRACE;
		return 0;
	}
	if (!strcmp(key, "retired-count") ||
	    !strcmp(key, "retired-table-offset"))
		return parse_retired_table(plat, words, n, line, err, err_len);
	if (!strcmp(key, "expect-devices")) {
		char list[PLAT_MAX_TEXT] = "";

		for (int i = 1; i < n; i++) {
			if (strlen(list) + strlen(words[i]) + 2 > sizeof(list))
				return fail(err, err_len, "line %u: list too long", line);
			if (strcmp(words[i], "none")) {
				if (*list)
					strcat(list, " ");
				strcat(list, words[i]);
			}
		}
		strcpy(plat->expect_devices, list);
		plat->expect_devices_set = true;
		return 0;
	}
	if (!strcmp(key, "expect-log")) {
		if (n != 2 || plat->nr_expect_logs == PLAT_MAX_EXPECT)
			return fail(err, err_len,
				    "line %u: expect-log takes one quoted text (at most %d)",
				    line, PLAT_MAX_EXPECT);
		return copy_text(plat->expect_logs[plat->nr_expect_logs++],
				 words[1], line, err, err_len);
	}
	return fail(err, err_len, "line %u: unknown keyword '%s'", line, key);
}

int plat_parse(struct platform *plat, const char *text, size_t len,
	       char *err, size_t err_len)
{
	char buf[1024], *words[MAX_WORDS];
	unsigned int lineno = 0;
	size_t pos = 0;

	memset(plat, 0, sizeof(*plat));
	plat->ram = 3 * GIB;
	while (pos < len) {
		size_t end = pos;
		int n;

		while (end < len && text[end] != '\n')
			end++;
		lineno++;
		if (end - pos >= sizeof(buf))
			return fail(err, err_len, "line %u: longer than %zu", lineno,
				    sizeof(buf) - 1);
		if (memchr(text + pos, '\0', end - pos))
			return fail(err, err_len, "line %u: NUL byte", lineno);
		memcpy(buf, text + pos, end - pos);
		buf[end - pos] = '\0';
		pos = end + 1;
		n = split_words(buf, words, lineno, err, err_len);
		if (n < 0)
			return -1;
		if (n && parse_line(plat, words, n, lineno, err, err_len))
			return -1;
	}
	if (!plat->nr_sockets)
		return fail(err, err_len, "no socket described");
	for (unsigned int i = 0; i < plat->nr_sockets; i++) {
		unsigned int gpus = 0;

		for (unsigned int g = 0; g < plat->nr_gpus; g++)
			gpus += plat->gpus[g].socket == i;
		if (!gpus)
			return fail(err, err_len, "socket with pxm %u has no gpu",
				    plat->sockets[i].pxm);
	}
	if (plat->topology != PLAT_GRACE)
		return 0;
	if (plat->nr_sockets > PLAT_GRACE_MAX_SOCKETS || plat->iommu)
		return fail(err, err_len,
			    "the grace topology has at most %d sockets and no iommu",
			    PLAT_GRACE_MAX_SOCKETS);
	for (unsigned int i = 0; i < plat->nr_sockets; i++) {
		const struct plat_socket *s = &plat->sockets[i];

		/* Firmware: CPU PXM = socket, EGM PXM = 4 + socket. */
		if (s->pxm != PLAT_GRACE_EGM_PXM_MIN + i)
			return fail(err, err_len,
				    "socket %u of the grace topology has EGM pxm %u",
				    i, PLAT_GRACE_EGM_PXM_MIN + i);
		if (s->retired_table_offset_set)
			return fail(err, err_len,
				    "the grace topology places its tables itself: no retired-table-offset");
	}
	return 0;
}

/*
 * grace: each GPU gets a root bridge and a retired-pages table of its own.
 * Firmware allocates a table per GPU: 9 pages for the full format, or one
 * zeroed page when the socket has no list. They are laid out downwards
 * from the top of the firmware area, so the first GPU's one page ends
 * where the next memory (System RAM or EGM) begins: a reader that takes
 * the full format's size from an empty table runs into it.
 */
static int grace_place_gpus(struct platform *plat, char *err, size_t err_len)
{
	uint64_t top = plat->firmware_area + FIRMWARE_AREA_SIZE;

	if (plat->nr_gpus > GRACE_MAX_GPUS)
		return fail(err, err_len, "the grace topology has at most %d GPUs",
			    GRACE_MAX_GPUS);
	for (unsigned int g = 0; g < plat->nr_gpus; g++) {
		struct plat_gpu *gpu = &plat->gpus[g];
		const struct plat_socket *s = &plat->sockets[gpu->socket];
		unsigned int entries = s->nr_retired + gpu->nr_own_retired;
		uint64_t size = entries ? GRACE_FULL_TABLE_SIZE : GRACE_EMPTY_TABLE_SIZE;

		if (entries > PLAT_MAX_RETIRED)
			return fail(err, err_len, "pxm %u: a GPU's table has more than %d entries",
				    s->pxm, PLAT_MAX_RETIRED);
		for (unsigned int r = 0; r < gpu->nr_own_retired; r++)
			if (gpu->own_retired[r] >= s->size)
				return fail(err, err_len,
					    "pxm %u: gpu-retired offset %#" PRIx64
					    " is beyond the region",
					    s->pxm, gpu->own_retired[r]);
		if (top - plat->firmware_area < size)
			return fail(err, err_len,
				    "the GPUs' tables do not fit in the firmware area");
		top -= size;
		gpu->retired_table = top;
		gpu->retired_table_size = size;
		gpu->bus = GRACE_BUS_STRIDE * (g + 1);
	}
	return 0;
}

static int by_pxm(const void *a, const void *b)
{
	const struct plat_socket *x = a, *y = b;

	return (int)x->pxm - (int)y->pxm;
}

int plat_layout(struct platform *plat, char *err, size_t err_len)
{
	uint64_t cursor;
	unsigned int order[PLAT_MAX_SOCKETS];
	struct plat_socket sorted[PLAT_MAX_SOCKETS];

	if (plat->ram < 3 * GIB || plat->ram % GIB || plat->ram > 64 * GIB)
		return fail(err, err_len,
			    "ram must be a whole number of GiB from 3G to 64G");
	/*
	 * x86: node 0 holds the host's RAM, 2 GiB below 4 GiB and the rest
	 * above; the last MiB of it is the reserved firmware area with the
	 * retired-pages tables (memmap= hides it).
	 * arm64: node 0 holds the host's RAM from 1 GiB; then a 1 GiB node
	 * of firmware memory, with the firmware area in its last MiB, outside
	 * the host's RAM as mem= leaves it (UEFI keeps its own data at the top
	 * of node 0, where a table would be overwritten). Both put the
	 * regions and tables at the same addresses.
	 * The EGM nodes follow, in PXM order, as QEMU lays NUMA memory out in
	 * node order.
	 */
	if (plat->arch != PLAT_ARM64 && plat->ras)
		return fail(err, err_len,
			    "ras is the arm64 host's (QEMU's GHES error records)");
	if (plat->arch == PLAT_ARM64) {
		for (unsigned int i = 0; i < plat->nr_sockets; i++) {
			if (plat->sockets[i].visible)
				return fail(err, err_len,
					    "pxm %u: a region left in System RAM needs the x86 host (memmap=)",
					    plat->sockets[i].pxm);
			if (plat->sockets[i].pxm == PLAT_ARM64_FIRMWARE_PXM(plat))
				return fail(err, err_len,
					    "pxm %u is the arm64 host's firmware node",
					    plat->sockets[i].pxm);
		}
		if (plat->iommu)
			return fail(err, err_len,
				    "the emulated IOMMU is the x86 host's (intel-iommu)");
		cursor = PLAT_VIRT_RAM_START + plat->ram;
	} else {
		cursor = Q35_HIGH_START + plat->ram - Q35_LOW_RAM;
	}
	plat->firmware_area_size = FIRMWARE_AREA_SIZE;
	plat->firmware_area = cursor - FIRMWARE_AREA_SIZE;
	/* grace: each further socket's own DRAM node follows node 0. */
	for (unsigned int i = 1; plat->topology == PLAT_GRACE && i < plat->nr_sockets; i++) {
		plat->sockets[i].dram_base = cursor;
		plat->sockets[i].dram_size = GRACE_SOCKET_DRAM;
		cursor += GRACE_SOCKET_DRAM;
	}
	if (plat->arch == PLAT_ARM64) {
		plat->firmware_node = cursor;
		cursor += PLAT_FIRMWARE_NODE_SIZE;
		plat->firmware_area = cursor - FIRMWARE_AREA_SIZE;
	}

	/* Keep GPU->socket indices valid across the sort. */
	for (unsigned int i = 0; i < plat->nr_sockets; i++)
		sorted[i] = plat->sockets[i];
	qsort(sorted, plat->nr_sockets, sizeof(sorted[0]), by_pxm);
	for (unsigned int i = 0; i < plat->nr_sockets; i++)
		for (unsigned int j = 0; j < plat->nr_sockets; j++)
			if (sorted[j].pxm == plat->sockets[i].pxm)
				order[i] = j;
	for (unsigned int g = 0; g < plat->nr_gpus; g++)
		plat->gpus[g].socket = order[plat->gpus[g].socket];
	memcpy(plat->sockets, sorted, sizeof(sorted[0]) * plat->nr_sockets);

	for (unsigned int i = 0; i < plat->nr_sockets; i++) {
		struct plat_socket *s = &plat->sockets[i];

		uint64_t offset = s->retired_table_offset_set ?
			s->retired_table_offset :
			i * RETIRED_TABLE_STRIDE(plat->nr_sockets);

		s->base = cursor;
		s->retired_table = plat->firmware_area + offset;
		cursor += s->size;
		if (offset > FIRMWARE_AREA_SIZE ||
		    FIRMWARE_AREA_SIZE - offset < 8 * (1 + (uint64_t)s->nr_retired))
			return fail(err, err_len,
				    "pxm %u: the retired table does not fit in the firmware area",
				    s->pxm);
		for (unsigned int r = 0; r < s->nr_retired; r++) {
			if (s->retired_is_address[r] || s->retired[r] < s->size)
				continue;
			return fail(err, err_len,
				    "pxm %u: retired offset %#" PRIx64
				    " is beyond the region (retired-address takes any)",
				    s->pxm, s->retired[r]);
		}
	}
	if (plat->nr_sockets * RETIRED_TABLE_STRIDE(plat->nr_sockets) > FIRMWARE_AREA_SIZE)
		return fail(err, err_len, "too many sockets for the firmware area");
	if (plat->topology == PLAT_GRACE && grace_place_gpus(plat, err, err_len))
		return -1;
	plat->ram_end = cursor;
	if (!plat->expect_devices_set) {
		for (unsigned int i = 0; i < plat->nr_sockets; i++) {
			char dev[16];

			snprintf(dev, sizeof(dev), "%segm%u", i ? " " : "",
				 plat->sockets[i].pxm);
			strcat(plat->expect_devices, dev);
		}
	}
	return 0;
}

bool plat_gpu_prop(const struct platform *plat, unsigned int gpu,
		   enum plat_prop prop, uint64_t *value)
{
	const struct plat_gpu *g = &plat->gpus[gpu];
	const struct plat_socket *s = &plat->sockets[g->socket];
	uint32_t bit = 1u << prop;

	if ((g->ovr.omit | s->ovr.omit) & bit)
		return false;
	if (g->ovr.set & bit) {
		*value = g->ovr.value[prop];
		return true;
	}
	if (s->ovr.set & bit) {
		*value = s->ovr.value[prop];
		return true;
	}
	switch (prop) {
	case PLAT_PROP_EGM_BASE:
		*value = s->base;
		break;
	case PLAT_PROP_EGM_SIZE:
		*value = s->size;
		break;
	case PLAT_PROP_EGM_PXM:
		*value = s->pxm;
		break;
	case PLAT_PROP_EGM_RETIRED:
		*value = plat->topology == PLAT_GRACE ? g->retired_table :
							s->retired_table;
		break;
	/* GPU memory as on a GH200: 96 GiB per GPU at socket << 44. */
	case PLAT_PROP_GPU_MEM_BASE:
		*value = 0x400000000000ULL + ((uint64_t)g->socket << 44) +
			 (uint64_t)gpu * 0x2000000000ULL;
		break;
	case PLAT_PROP_GPU_MEM_SIZE:
		*value = 0x1800000000ULL;
		break;
	case PLAT_PROP_GPU_MEM_PXM_START:
		*value = plat_gpu_pxm_start(plat, gpu);
		break;
	case PLAT_PROP_GPU_MEM_PXM_COUNT:
		*value = 8;
		break;
	default:
		return false;
	}
	return true;
}
