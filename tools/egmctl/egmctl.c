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

#ifndef EGMCTL_VERSION
#define EGMCTL_VERSION "unknown"
#endif

static const char usage_head[] = "usage: egmctl [-j] COMMAND [ARGS]\n\n";
static const char usage_tail[] =
	"\n"
	"  -j, --json     JSON output (docs/egmctl.schema.json)\n"
	"  -h, --help     this text; egmctl COMMAND --help for one command; man egmctl\n"
	"  -V, --version  egmctl's and libegm's versions\n";

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
	const char *usage;
} commands[] = {
	{ "list", cmd_list,
	  "  list [-j]                      every EGM region of this host\n" },
	{ "show", cmd_show,
	  "  show egmN [-j]                 one region in detail\n" },
	{ "retired", cmd_retired,
	  "  retired egmN [-j]              its retired memory\n" },
	{ "retired-save", cmd_retired_save,
	  "  retired-save                   every region's retired memory, as a modprobe.d\n"
	  "                                 line for the next load\n" },
	{ "wait", cmd_wait,
	  "  wait egmN [--timeout SECONDS]  until its scrub is done\n" },
	{ "qemu-args", cmd_qemu_args,
	  "  qemu-args egmN [--gpus all|none|BDF,...] [--cpus LIST] [--qemu BINARY]\n"
	  "                 [--layout one-node|nodes [--max-pieces N]]\n"
	  "                                 QEMU arguments for a VM on it\n" },
	{ "libvirt-xml", cmd_libvirt_xml,
	  "  libvirt-xml egmN [--gpus all|none|BDF,...] [--qemu BINARY]\n"
	  "                   [--form commandline|memory-egm --cpus LIST]\n"
	  "                                 the matching libvirt domain fragment\n" },
	{ "check", cmd_check,
	  "  check [-j]                     is this host ready for VMs on EGM?\n" },
};

static void print_usage(const char *only)
{
	fputs(usage_head, stdout);
	for (size_t c = 0; c < ARRAY_SIZE(commands); c++)
		if (!only || !strcmp(only, commands[c].name))
			fputs(commands[c].usage, stdout);
	if (!only)
		fputs(usage_tail, stdout);
}

/* "egmctl COMMAND ... --help": that command's usage, before any work. */
static bool asks_for_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct egmctl ctl = {
		.sysfs_root = getenv("EGMCTL_SYSFS_ROOT") ?: "/sys",
		.dev_root = getenv("EGMCTL_DEV_ROOT") ?: "/dev",
	};
	int ret, i;

	/* Global options before the command; commands parse their own. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(NULL);
			return 0;
		}
		if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("egmctl %s (libegm %s)\n", EGMCTL_VERSION,
			       egm_library_version());
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
		if (asks_for_help(argc - i, argv + i)) {
			print_usage(commands[c].name);
			return 0;
		}
		/* check reports a missing driver as a finding; others fail. */
		ret = egm_new_at(&ctl.ctx, ctl.sysfs_root, ctl.dev_root);
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
