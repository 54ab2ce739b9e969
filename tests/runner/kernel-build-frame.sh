#!/bin/bash
# sim/kernel-build.sh, the frame of the kernels built here, with a fake
# build: the result has a fetched kernel's layout, is reused while the
# configuration text is the same, is rebuilt when it changes, and a missing
# option or a failed build stops with a message and no ready mark. Prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/host-tap.sh
work=$top/build/kernel-build-frame-test
rm -rf "$work"
mkdir -p "$work"
echo image >"$work/Image"
printf 'CONFIG_A=y\n# CONFIG_B is not set\n' >"$work/config"

# fake_build CONFIG_TEXT REQUIRED_OPTION BUILD_COMMAND: a build script's
# steps in a subshell, as sim/build-*-kernel.sh make them.
fake_build() {
	(
		set -euo pipefail
		. "$top/sim/kernel-build.sh"
		top=$work
		kernel_build_start fake "$1"
		mkdir -p "$dest/root/boot"
		echo built >>"$work/builds"
		kernel_build_require "$work/config" "$2"
		kernel_build_make "$work/build.log" sh -c "$3"
		kernel_build_finish 9.9.9-fake "$work/Image" "$work/headers"
	)
}
builds() { wc -l <"$work/builds" 2>/dev/null || echo 0; }
dest=$work/.cache/kernels/fake

out=$(fake_build 'config 1' A true)
tap_check "a build prints its directory" test "$out" = "$dest"
tap_check "the image is in root/boot" cmp "$work/Image" "$dest/root/boot/vmlinuz-9.9.9-fake"
tap_check "the headers link to the build tree" \
	test "$(readlink "$dest/root/usr/src/linux-headers-9.9.9-fake")" = "$work/headers"
tap_check "kver names the release" test "$(cat "$dest/kver")" = 9.9.9-fake
tap_check "it is marked ready" test -f "$dest/ready"
fake_build 'config 1' A true >/dev/null
tap_check "the same configuration reuses it (1 build)" test "$(builds)" -eq 1
fake_build 'config 2' A true >/dev/null
tap_check "another configuration rebuilds it (2 builds)" test "$(builds)" -eq 2
out=$(fake_build 'config 3' B true 2>&1)
tap_check "an option that did not stick stops the build" sh -c "! test -f $dest/ready"
tap_check "and says which" sh -c "echo '$out' | grep -q 'build fake kernel: CONFIG_B did not stick'"
out=$(fake_build 'config 4' A 'echo compiler error; exit 1' 2>&1)
tap_check "a failed build is not marked ready" sh -c "! test -f $dest/ready"
tap_check "and shows the log's end" sh -c "echo '$out' | grep -q 'compiler error'"
tap_done kernel-build-frame
