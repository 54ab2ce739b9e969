// SPDX-License-Identifier: GPL-2.0-only
/*
 * egmctl: what EGM a host has, and how to start a VM on it. A thin CLI
 * over libegm; see docs/egmctl.1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "egmctl.h"

static const char usage_text[] =
	"usage: egmctl [-j] COMMAND [ARGS]\n"
	"\n"
	"  list [-j]                      every EGM region of this host\n"
	"  show egmN [-j]                 one region in detail\n"
	"  retired egmN [-j]              its retired memory\n"
	"  retired-save                   every region's, as a modprobe.d line for the next load\n"
	"  wait egmN [--timeout SECONDS]  until its scrub is done\n"
	"  qemu-args egmN [--gpus all|none|BDF,...] [--cpus LIST] [--max-pieces N] [--qemu BINARY]\n"
	"                                 QEMU arguments for a VM on it\n"
	"  libvirt-xml egmN [--gpus ...] [--max-pieces N]\n"
	"                                 the matching libvirt domain fragment\n"
	"  check [-j]                     is this host ready for VMs on EGM?\n"
	"\n"
	"  -j, --json   JSON output (docs/egmctl.schema.json)\n"
	"  -h, --help   this text; man egmctl for more\n";

int egmctl_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("egmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(egmctl --help for usage)\n", stderr);
	return EGMCTL_USAGE;
}

int egmctl_fail(struct egmctl *ctl, const char *what)
{
	const char *why = ctl->ctx ? egm_last_error(ctl->ctx) : "";

	fprintf(stderr, "egmctl: %s%s%s\n", what, *why && *what ? ": " : "", why);
	return EGMCTL_FAILED;
}

void egmctl_print_json(struct json_object *obj)
{
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
}

const char *egmctl_human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = bytes;
	unsigned int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.2f %s", v, units[u]);
	return buf;
}

static const struct {
	const char *name;
	int (*run)(struct egmctl *ctl, int argc, char **argv);
} commands[] = {
	{ "list", cmd_list },
	{ "show", cmd_show },
	{ "retired", cmd_retired },
	{ "retired-save", cmd_retired_save },
	{ "wait", cmd_wait },
	{ "qemu-args", cmd_qemu_args },
	{ "libvirt-xml", cmd_libvirt_xml },
	{ "check", cmd_check },
};

int main(int argc, char **argv)
{
	struct egmctl ctl = { 0 };
	const char *sysfs = getenv("EGMCTL_SYSFS_ROOT");
	const char *dev = getenv("EGMCTL_DEV_ROOT");
	int ret, i;

	/* Global options before the command; commands parse their own. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			ctl.json = true;
		else
			return egmctl_usage("unknown option '%s'", argv[i]);
	}
	if (i == argc)
		return egmctl_usage("which command?");
	for (size_t c = 0; c < ARRAY_SIZE(commands); c++) {
		if (strcmp(argv[i], commands[c].name))
			continue;
		/* check reports a missing driver as a finding; others fail. */
		ret = egm_new_at(&ctl.ctx, sysfs ? sysfs : "/sys", dev ? dev : "/dev");
		if (ret && commands[c].run != cmd_check) {
			ret = egmctl_fail(&ctl, "");
		} else {
			/* 0 resets getopt fully (glibc, musl): the fuzzer runs main again. */
			optind = 0;
			ret = commands[c].run(&ctl, argc - i, argv + i);
		}
		egm_free(ctl.ctx);
		return ret;
	}
	return egmctl_usage("unknown command '%s'", argv[i]);
}
