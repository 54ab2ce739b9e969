#!/bin/bash
# What a distribution's package of the user-space side and the DKMS source
# gets: make install into DESTDIR with GNU directories, the uAPI header kept
# out of the system's include/linux, a program built through libegm.pc,
# libegm.pc remade when the directories change, make uninstall leaving
# nothing, the bash completion, and -Werror only in the project's own
# module builds (EGM_WERROR=1), never in what DKMS compiles. Prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/host-tap.sh
work=$top/build/install-test
rm -rf "$work"
mkdir -p "$work"

stage=$work/stage
tap_check "make install DESTDIR=... PREFIX=/usr" \
	make -s install DESTDIR="$stage" PREFIX=/usr
for f in usr/bin/egmctl usr/lib/libegm.so.1 usr/lib/libegm.a usr/lib/pkgconfig/libegm.pc \
	usr/include/egm/libegm.h usr/include/egm/linux/egm.h usr/share/man/man1/egmctl.1 \
	usr/share/bash-completion/completions/egmctl; do
	tap_check "installs /$f" test -e "$stage/$f"
done
tap_check "nothing goes into the system's include/linux" test ! -e "$stage/usr/include/linux"

cat >"$work/consumer.c" <<'C'
#include <stdio.h>
#include <egm/libegm.h>
#include <linux/egm.h>

int main(void)
{
	struct egm_bad_pages_list list = { .argsz = sizeof(list) };

	printf("libegm %s, EGM_BAD_PAGES_LIST %#lx, argsz %u\n",
	       egm_library_version(), (unsigned long)EGM_BAD_PAGES_LIST, list.argsz);
	return 0;
}
C
pc() {
	PKG_CONFIG_PATH=$stage/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$stage pkg-config "$@" libegm
}
tap_check "a program using <egm/libegm.h> and <linux/egm.h> builds through libegm.pc" \
	sh -c "cc -o '$work/consumer' '$work/consumer.c' $(pc --cflags) $(pc --libs)"
tap_check "and runs against the installed library" \
	sh -c "LD_LIBRARY_PATH='$stage/usr/lib' '$work/consumer' | grep -q 'libegm 1\.'"

stage2=$work/stage2
make -s install DESTDIR="$stage2" PREFIX=/opt/egm LIBDIR=/opt/egm/lib64 >/dev/null 2>&1
tap_check "another PREFIX and LIBDIR remake libegm.pc" \
	grep -qx 'libdir=/opt/egm/lib64' "$stage2/opt/egm/lib64/pkgconfig/libegm.pc"
tap_check "and the library goes to LIBDIR" test -e "$stage2/opt/egm/lib64/libegm.so.1"

tap_check "make uninstall" make -s uninstall DESTDIR="$stage" PREFIX=/usr
tap_check "leaves no file behind" \
	sh -c "[ -z \"\$(find '$stage' ! -type d)\" ] || { find '$stage' ! -type d; exit 1; }"

completions() { # completions WORDS...: what bash completion offers for the last
	bash -c '. tools/egmctl/egmctl.bash-completion
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _egmctl; echo "${COMPREPLY[*]}"' - "$@"
}
offered=$(completions egmctl qe)
tap_check "bash completion offers the commands ($offered)" test "$offered" = qemu-args
offered=$(completions egmctl qemu-args --g)
tap_check "and a command's options ($offered)" test "$offered" = --gpus

# What dkms-install adds for boot: a modules-load.d file naming the module.
tap_check "make modules-load-install DESTDIR=..." \
	make -s modules-load-install DESTDIR="$work/ml"
conf=$work/ml/usr/lib/modules-load.d/nvgrace-egm.conf
tap_check "it installs modules-load.d/nvgrace-egm.conf" test -f "$conf"
tap_check "whose one module name is the one the build makes (kernel/Kbuild)" sh -c \
	'[ "$(grep -v "^#" "$1")" = "$(sed -n "s/^obj-m += \(.*\)\.o$/\1/p" kernel/Kbuild)" ]' - "$conf"

# One object of the staged DKMS source, compiled as DKMS would and as the
# project's own build does.
kdir=$(sim/fetch-kernel.sh 6.12) || exit 1
headers=$kdir/root/usr/src/linux-headers-$(cat "$kdir/kver")
make -s dkms-source DESTDIR="$work/dkms" >/dev/null
src=$(echo "$work"/dkms/usr/src/nvgrace-egm-*)
# compile_flags MAKE-ARGS...: the compiler's command line for egm_main.o.
compile_flags() {
	rm -f "$src/egm_main.o"
	make -C "$headers" M="$src" V=1 "$@" egm_main.o 2>&1 | grep -- '-c -o .*egm_main.o'
}
flags=$(compile_flags)
tap_check "what DKMS compiles has no -Werror" \
	sh -c '[ -n "$1" ] && ! echo "$1" | grep -q -- " -Werror "' - "$flags"
flags=$(compile_flags EGM_WERROR=1)
tap_check "the project's own build (EGM_WERROR=1) has it" \
	sh -c 'echo "$1" | grep -q -- " -Werror "' - "$flags"

# The testing build's switches (EGM_TESTING, make kmod) are not in what DKMS
# builds: the scrub's object has no trace of them, unless asked for.
scrub_object() {
	rm -f "$src/egm_scrub.o"
	make -s -C "$headers" M="$src" "$@" egm_scrub.o >/dev/null 2>&1 && cat "$src/egm_scrub.o"
}
scrub_object >"$work/scrub.o"
scrub_object EGM_TESTING=1 >"$work/scrub-testing.o"
for switch in testing_contents_unknown testing_no_probe_scrub; do
	tap_check "what DKMS builds has no $switch switch" \
		sh -c '[ -s "$1" ] && ! grep -q "$2" "$1"' - "$work/scrub.o" "$switch"
	tap_check "the testing build (EGM_TESTING=1) has it" \
		grep -q "$switch" "$work/scrub-testing.o"
done

tap_done install
