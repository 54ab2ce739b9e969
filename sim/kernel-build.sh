# The frame of a kernel built here rather than fetched (sim/build-*-kernel.sh),
# sourced: the result lands in .cache/kernels/SERIES/ in the layout of a
# fetched kernel (root/boot/vmlinuz-KVER, root/usr/src/linux-headers-KVER
# for M= builds, kver), and is rebuilt only when the script's configuration
# changes. The caller sets $top, the project directory.
# shellcheck shell=bash

# kernel_build_start SERIES CONFIG_TEXT: sets $dest; when a kernel built from
# the same CONFIG_TEXT is there, prints $dest and exits.
kernel_build_start() {
	dest=${top:?}/.cache/kernels/$1
	kernel_build_name=$1
	kernel_build_stamp=$(printf '%s\n' "$2" | sha256sum | cut -c1-16)
	if [ -f "$dest/ready" ] &&
		[ "$(cat "$dest/config-stamp" 2>/dev/null)" = "$kernel_build_stamp" ]; then
		echo "$dest"
		exit 0
	fi
	rm -f "$dest/ready"
}

die() {
	echo "build $kernel_build_name kernel: $*" >&2
	exit 1
}

# kernel_build_require CONFIG_FILE OPTION...: each CONFIG_OPTION=y.
kernel_build_require() {
	local config=$1 opt
	shift
	for opt in "$@"; do
		grep -q "^CONFIG_$opt=y" "$config" || die "CONFIG_$opt did not stick"
	done
}

# kernel_build_make LOG MAKE_COMMAND...: the long build, its log kept.
kernel_build_make() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 ||
		{ tail -n 30 "$log" >&2; die "kernel build failed (log: $log)"; }
}

# kernel_build_finish KVER IMAGE HEADERS: the image and the headers (a build
# tree) in place; marks the kernel ready and prints $dest.
kernel_build_finish() {
	cp "$2" "$dest/root/boot/vmlinuz-$1"
	mkdir -p "$dest/root/usr/src"
	ln -sfn "$3" "$dest/root/usr/src/linux-headers-$1"
	echo "$1" >"$dest/kver"
	echo "$kernel_build_stamp" >"$dest/config-stamp"
	touch "$dest/ready"
	echo "$dest"
}
