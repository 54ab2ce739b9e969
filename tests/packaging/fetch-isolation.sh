#!/bin/bash
# The project's fetches give the same result whatever the host has
# installed or enabled (sim/project-apt.sh). In a private mount namespace
# the host's apt state is replaced by one the issue reports found: Debian
# 12's 6.12 meta package and a backports udev marked installed,
# bookworm-backports enabled, pinned above Debian 12 and the default
# release. Through it each series must still resolve to its own kernel,
# and a 6.1 kernel and udev must download. Nothing on the host changes.
# Prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
work=$top/build/fetch-isolation

if [ -z "${EGM_ISOLATION_INNER:-}" ]; then
	rm -rf "$work"
	mkdir -p "$work/sources.list.d" "$work/preferences.d" "$work/apt.conf.d" "$work/cache"
	cat >"$work/status" <<'STATUS'
Package: linux-image-amd64
Status: install ok installed
Architecture: amd64
Version: 6.12.95-1~bpo12+1
Depends: linux-image-6.12.95+deb12-amd64

Package: udev
Status: install ok installed
Architecture: amd64
Version: 999:1-1~bpo12+1
STATUS
	cp -a /etc/apt/sources.list.d/. "$work/sources.list.d/"
	mirror=$(. sim/project-apt.sh && papt_host_uri debian)
	echo "deb $mirror bookworm-backports main" >"$work/sources.list.d/backports.list"
	printf 'Package: *\nPin: release a=bookworm-backports\nPin-Priority: 990\n' \
		>"$work/preferences.d/backports"
	cp -a /etc/apt/apt.conf.d/. "$work/apt.conf.d/"
	echo 'APT::Default-Release "bookworm-backports";' >"$work/apt.conf.d/99backports"
	exec unshare --mount --propagation private env EGM_ISOLATION_INNER=1 "$0" "$@"
fi

# A project apt state of its own, made afresh through the fake host.
export EGM_APT_DIR=$work/apt
mount --bind "$work/status" /var/lib/dpkg/status &&
	mount --bind "$work/sources.list.d" /etc/apt/sources.list.d &&
	mount --bind "$work/preferences.d" /etc/apt/preferences.d &&
	mount --bind "$work/apt.conf.d" /etc/apt/apt.conf.d || exit 1
. tests/host-tap.sh
. sim/project-apt.sh

tap_check "the fake host state is in force: the backports meta package installed" \
	sh -c "dpkg-query -W -f='\${Version}' linux-image-amd64 | grep -qx '6.12.95-1~bpo12+1'"
tap_check "and backports the host's default release" \
	sh -c "apt-config dump | grep -q 'APT::Default-Release \"bookworm-backports\"'"

resolves_to() { # resolves_to SUITES... -- META ARCH PATTERN
	local suites=() meta arch pattern got
	while [ "$1" != -- ]; do suites+=("$1"); shift; done
	meta=$2 arch=$3 pattern=$4
	papt_update "${suites[@]}"
	got=$(papt "${suites[@]}" -- apt-cache depends "$meta:$arch" |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -n1)
	echo "$meta in ${suites[*]}: $got"
	case $got in $pattern) ;; *) return 1 ;; esac
}
tap_check "6.1 resolves to Debian 12's 6.1, not the installed backports kernel" \
	resolves_to bookworm bookworm-updates bookworm-security -- linux-image-amd64 amd64 'linux-image-6.1.*-amd64'
tap_check "7.3 resolves to trixie-backports' 7.3" \
	resolves_to trixie-backports -- linux-image-amd64 amd64 'linux-image-7.3.*-amd64'
tap_check "7.3 arm64 16K pages too" \
	resolves_to trixie-backports -- linux-image-arm64-16k arm64 'linux-image-7.3.*-arm64-16k'
tap_check "a 6.1 kernel fetches into a fresh cache" \
	sh -c "sim/fetch-kernel.sh 6.1 '$work/cache' && grep -q '^6\.1\.' '$work/cache/kernels/6.1/kver'"
tap_check "udev downloads though a newer one is installed" \
	bash -c "cd '$work' && . '$top/sim/project-apt.sh' &&
		papt bookworm bookworm-updates bookworm-security -- apt-get download -q udev:amd64 &&
		ls udev_*.deb"
tap_check "an unknown series fails with a clear message" \
	sh -c "! sim/fetch-kernel.sh 5.10 '$work/cache' 2>'$work/err' &&
		grep -q \"unknown kernel series '5.10'\" '$work/err'"
tap_done fetch-isolation
