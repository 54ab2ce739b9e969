#!/bin/bash
# The driver as a kernel patch series (`make upstream-series`): placed in
# drivers/virt/nvgrace-egm/ with its Kconfig entry, Makefile, uAPI header,
# ioctl number, Documentation (userspace-api, ABI, virt) and MAINTAINERS
# entry, against Debian's linux-source-6.12. The out-of-tree compatibility
# layer is resolved for 6.12, so the series has no version tests.
#
# Then, unless --series-only: checkpatch --strict on every patch, the series
# applied to a copy of the tree, that tree configured (x86_64 defconfig with
# the driver as a module, COMPILE_TEST) and the driver built in place with
# W=1 and sparse (C=2), the new rst checked by docutils and the ABI files by
# the tree's scripts/get_abi.pl. Any message fails. The patches land in
# build/upstream/series/
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
series_only=
[ "${1:-}" != --series-only ] || series_only=1
src=$(scripts/fetch-linux-source.sh)
work=$top/build/upstream
git_dir=$work/git
out=$work/series
die() { echo "upstream-series: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$git_dir" "$out"
touched='MAINTAINERS drivers/virt/Kconfig drivers/virt/Makefile
Documentation/userspace-api/index.rst Documentation/virt/index.rst
Documentation/userspace-api/ioctl/ioctl-number.rst'
for f in $touched; do
	install -D -m 644 "$src/$f" "$git_dir/$f"
done
author=$(git log -1 --format='%an <%ae>')
git_in() { git -C "$git_dir" -c user.name="${author% <*}" -c user.email="$(echo "$author" | sed 's/.*<\(.*\)>/\1/')" "$@"; }
git_in init -q
git_in add -A
git_in commit -q -m "linux-source-6.12"
commit() { # commit SUBJECT BODY
	git_in add -A
	git_in commit -q -s -m "$1" -m "$2"
}
# maintain FILE...: the driver's MAINTAINERS entry (created in its
# alphabetical place) covers FILE...; each patch adds what it adds, so that
# none adds files MAINTAINERS does not know.
maintain() {
	python3 - "$git_dir/MAINTAINERS" "$@" <<'EOF'
import re, sys
p, files = sys.argv[1], sys.argv[2:]
lines = open(p).read().split('\n')
title = 'NVIDIA GRACE EXTENDED GPU MEMORY (EGM) DRIVER'
if title not in lines:
    entry = [title,
             'M:\tnvgrace-egm developers <nvgrace-egm@lists.example.org>',
             'L:\tkvm@vger.kernel.org',
             'S:\tMaintained', '']
    for n in range(lines.index('3C59X NETWORK DRIVER'), len(lines) - 1):
        if lines[n] and re.match(r'^[A-Z]:\t', lines[n + 1]) and \
           not re.match(r'^[A-Z]:\t', lines[n]) and lines[n].upper() > title:
            lines[n:n] = entry
            break
n = lines.index(title) + 1
end = lines.index('', n)
body = lines[n:end] + ['F:\t' + f for f in files]
tags = [l for l in body if not l.startswith('F:')]
lines[n:end] = tags + sorted(l for l in body if l.startswith('F:'))
open(p, 'w').write('\n'.join(lines))
EOF
}

# 1: the uAPI and its ioctl number.
install -D -m 644 kernel/include/uapi/linux/egm.h "$git_dir/include/uapi/linux/egm.h"
python3 - "$git_dir/Documentation/userspace-api/ioctl/ioctl-number.rst" <<'EOF'
import sys
p = sys.argv[1]
lines = open(p).read().split('\n')
i = max(n for n, l in enumerate(lines) if l.startswith("'E'"))
lines.insert(i + 1, "'E'   64-65  linux/egm.h                                               NVIDIA Grace Extended GPU Memory")
open(p, 'w').write('\n'.join(lines))
EOF
maintain include/uapi/linux/egm.h
commit "virt: nvgrace-egm: add the EGM uAPI" \
"Extended GPU Memory (EGM) is host DRAM of an NVIDIA Grace socket that
firmware keeps from the host kernel so that a VMM can give it to one VM
as system RAM its GPUs reach at NVLink speed. Add the uAPI of its
character devices: the retired-pages list and the dma-buf export ioctls.

The ioctl numbers keep the values of the RFC's consumers; the full
command values collide with none of the other users of 'E'."

# 2: the driver, with the compatibility layer resolved for 6.12.
drv=$git_dir/drivers/virt/nvgrace-egm
mkdir -p "$drv"
cp kernel/*.c kernel/*.h "$drv/"
# The testing build's switches (EGM_TESTING) are the project's, not the
# kernel's: their blocks go.
python3 - "$drv"/*.[ch] <<'EOF'
import sys
for p in sys.argv[1:]:
    out, depth, stripped = [], 0, False
    for line in open(p):
        word = line.split()[0] if line.strip() else ''
        if depth:
            if word.startswith('#if'):
                depth += 1
            elif word == '#endif':
                depth -= 1
                stripped = not depth
            elif word in ('#else', '#elif') and depth == 1:
                sys.exit(p + ': #else in an EGM_TESTING block: strip it by hand')
            continue
        if line.strip() == '#ifdef EGM_TESTING':
            depth = 1
            continue
        # One blank line where a block stood between two.
        if stripped and not word and out and not out[-1].strip():
            stripped = False
            continue
        stripped = False
        out.append(line)
    open(p, 'w').write(''.join(out))
EOF
! grep -n 'EGM_TESTING\|testing_' "$drv"/*.[ch] || die "EGM_TESTING code left in the series"
python3 - "$drv/egm_compat.h" <<'EOF'
import re, sys
target = (6, 12, 0)
p = sys.argv[1]
version = r'LINUX_VERSION_CODE < KERNEL_VERSION\((\d+), (\d+), (\d+)\)'
# stack: [is version block, keep current branch, a branch was kept]
out, stack = [], []
for line in open(p).read().split('\n'):
    m = re.match(r'#if ' + version, line)
    if m:
        keep = target < tuple(map(int, m.groups()))
        stack.append([True, keep, keep])
        continue
    m = re.match(r'#elif ' + version, line)
    if m and stack and stack[-1][0]:
        keep = not stack[-1][2] and target < tuple(map(int, m.groups()))
        stack[-1][1:] = [keep, stack[-1][2] or keep]
        continue
    if line.startswith('#if'):
        stack.append([False, True, True])
    elif stack and stack[-1][0] and line.startswith('#else'):
        stack[-1][1] = not stack[-1][2]
        continue
    elif line.startswith('#endif'):
        if stack.pop()[0]:
            continue
    if all(entry[1] for entry in stack) and line != '#include <linux/version.h>':
        out.append(line)
text = '\n'.join(out)
# 6.12 has GHES's report chain: no test for it in the series.
text = re.sub(r'/\* GHES passes its memory error records[^\n]*\n#define EGM_HAVE_GHES_REPORT_CHAIN 1\n', '', text)
text = re.sub(r'\n{3,}', '\n\n', text)
text = text.replace(' * The kernel APIs nvgrace-egm uses that changed between the kernels it\n * supports (6.1 to current). Everything version-dependent lives here.',
                    ' * Wrappers of the kernel APIs nvgrace-egm uses whose form changes between\n * kernels, in one place.')
open(p, 'w').write(text)
EOF
sed -i -e 's/EGM_HAVE_GHES_REPORT_CHAIN && //' "$drv/egm_hwerror.c"
objects=$(grep -o 'egm_[a-z_]*\.o' kernel/Kbuild | tr '\n' ' ')
cat >"$drv/Makefile" <<EOF
# SPDX-License-Identifier: GPL-2.0-only
obj-\$(CONFIG_NVGRACE_EGM) += nvgrace-egm.o
nvgrace-egm-y := $(echo $objects | fold -s -w 60 | sed '2,$s/^/\t\t /' | sed 's/ *$/ \\/' | sed '$s/ \\$//')
EOF
cat >"$drv/Kconfig" <<'EOF'
# SPDX-License-Identifier: GPL-2.0-only
config NVGRACE_EGM
	tristate "NVIDIA Grace Extended GPU Memory (EGM) for virtual machines"
	depends on ACPI && PCI && MMU && 64BIT
	depends on ARM64 || COMPILE_TEST
	select DMA_SHARED_BUFFER
	help
	  Extended GPU Memory (EGM) is host DRAM of an NVIDIA Grace socket
	  that firmware hides from the kernel so that a VMM can give it to
	  one virtual machine as system RAM, which the VM's GPUs reach at
	  NVLink speed. This driver finds each socket's EGM region from the
	  GPUs' ACPI properties and exposes it as /dev/egmN for the VMM to
	  map, independent of the driver bound to the GPUs. Regions are
	  zeroed between holders and never map retired memory.

	  To compile this driver as a module, choose M here: the module
	  will be called nvgrace-egm.
EOF
python3 - "$git_dir/drivers/virt/Kconfig" "$git_dir/drivers/virt/Makefile" <<'EOF'
import sys
k, m = sys.argv[1], sys.argv[2]
s = open(k).read()
s = s.replace('source "drivers/virt/coco/Kconfig"\n', 'source "drivers/virt/coco/Kconfig"\n\nsource "drivers/virt/nvgrace-egm/Kconfig"\n')
open(k, 'w').write(s)
s = open(m).read()
s = s.replace('obj-$(CONFIG_ACRN_HSM)\t\t+= acrn/\n', 'obj-$(CONFIG_ACRN_HSM)\t\t+= acrn/\nobj-$(CONFIG_NVGRACE_EGM)\t+= nvgrace-egm/\n')
open(m, 'w').write(s)
EOF
grep -q nvgrace-egm "$git_dir/drivers/virt/Kconfig" && grep -q nvgrace-egm "$git_dir/drivers/virt/Makefile" ||
	die "drivers/virt/Kconfig or Makefile changed shape: update this script"
maintain drivers/virt/nvgrace-egm/
commit "virt: nvgrace-egm: add a driver for NVIDIA Grace Extended GPU Memory" \
"Each Grace socket's EGM region is described by properties of its GPUs'
ACPI nodes (nvidia,egm-base-pa, -size, -pxm, -retired-pages-data-base).
EGM access does not depend on any state of the GPUs, so, as the review
of the auxiliary-device RFC asked, one platform driver walks ACPI, finds
the regions and exposes each as /dev/egmN, whatever driver the GPUs are
bound to: vfio-pci, nvgrace-gpu or an out-of-tree one.

A region is refused, with one log line saying why, when its GPUs
disagree, when it overlaps System RAM, another region, a device's MMIO
or its retired-pages table, or when it lies beyond the physical address
space. One process at a time holds a region; it maps it with PMD and
PUD entries where the architecture has huge PFN maps; retired 64 KiB
blocks are never mapped; the region is zeroed in the background, on
the CPUs of its node, between holders and before its first one."

# 3: documentation.
install -D -m 644 docs/userspace-api/egm.rst "$git_dir/Documentation/userspace-api/egm.rst"
install -D -m 644 docs/ABI/testing/sysfs-class-egm "$git_dir/Documentation/ABI/testing/sysfs-class-egm"
install -D -m 644 docs/ABI/testing/debugfs-nvgrace-egm "$git_dir/Documentation/ABI/testing/debugfs-nvgrace-egm"
sed -e 's/(:doc:`performance`)/(the project'"'"'s benchmark report)/' \
    -e 's|:doc:`userspace-api/egm`|Documentation/userspace-api/egm.rst|' \
    docs/design.rst >"$git_dir/Documentation/virt/nvgrace-egm.rst"
sed -i 's/^KernelVersion:\tout of tree (nvgrace-egm)$/KernelVersion:\t6.19/' \
	"$git_dir"/Documentation/ABI/testing/{sysfs-class-egm,debugfs-nvgrace-egm}
python3 - "$git_dir/Documentation/userspace-api/index.rst" "$git_dir/Documentation/virt/index.rst" <<'EOF'
import sys
u, v = sys.argv[1], sys.argv[2]
s = open(u).read()
s = s.replace('   dma-buf-alloc-exchange\n', '   dma-buf-alloc-exchange\n   egm\n', 1)
open(u, 'w').write(s)
s = open(v).read()
s = s.replace('   ne_overview\n', '   ne_overview\n   nvgrace-egm\n', 1)
open(v, 'w').write(s)
EOF
maintain Documentation/ABI/testing/debugfs-nvgrace-egm Documentation/ABI/testing/sysfs-class-egm \
	Documentation/userspace-api/egm.rst Documentation/virt/nvgrace-egm.rst
commit "Documentation: nvgrace-egm: design, uAPI and sysfs ABI" \
"Describe why EGM has a driver of its own and how it discovers, maps,
scrubs and retires memory (virt/nvgrace-egm.rst), the character
device's open, mmap and ioctl rules (userspace-api/egm.rst), and the
sysfs and debugfs attributes (ABI/testing)."

git_in format-patch -q --cover-letter -o "$out" HEAD~3
cover=$(ls "$out"/0000-*.patch)
python3 - "$cover" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace('*** SUBJECT HERE ***', 'virt: nvgrace-egm: a standalone driver for NVIDIA Grace EGM')
s = s.replace('*** BLURB HERE ***', '''Extended GPU Memory (EGM) is host DRAM of an NVIDIA Grace socket that
firmware hides from the host kernel so that a VMM can hand it to one VM
as system RAM, which the VM's GPUs reach at NVLink speed.

The RFC "Add virtualization support for EGM" had nvgrace-gpu create
auxiliary devices for an EGM module. The review asked instead for one
driver that walks ACPI, finds the ranges and exposes them as character
devices, independent of the driver bound to the GPUs, since EGM access
does not depend on GPU state. This series is that driver.

Tested on a simulated Grace host (QEMU with firmware tables describing
EGM as real firmware does) with Linux 6.12 and 6.1, and a debug 6.12
with lockdep, KASAN, KFENCE and UBSAN; cross-built for arm64 with 4 KiB
and 16 KiB pages.''')
open(p, 'w').write(s)
EOF
echo "upstream-series: $(ls "$out"/0*.patch | grep -vc /0000-) patches and a cover letter in $out"
[ -z "$series_only" ] || exit 0

checkpatch=$src/scripts/checkpatch.pl
failed=0
for p in "$out"/0*.patch; do
	case $p in */0000-*) continue ;; esac
	report=$(cd "$src" && perl "$checkpatch" --strict --terse "$p" 2>&1 |
		grep -v '^total: 0 errors, 0 warnings, 0 checks' || true)
	if [ -n "$report" ]; then
		echo "$report"
		echo "upstream-series: checkpatch --strict: $(basename "$p") is not clean"
		failed=1
	fi
done
[ "$failed" -eq 0 ] && echo "upstream-series: checkpatch --strict clean on every patch"

tree=$work/linux
echo "upstream-series: applying the series to a copy of the tree"
cp -al "$src" "$tree"
for p in "$out"/0*.patch; do
	case $p in */0000-*) continue ;; esac
	(cd "$tree" && patch -s -p1 <"$p") || die "$(basename "$p") does not apply"
done
(cd "$tree" &&
	make -s x86_64_defconfig &&
	scripts/config -e COMPILE_TEST -e VIRT_DRIVERS -m NVGRACE_EGM &&
	make -s olddefconfig &&
	grep -q '^CONFIG_NVGRACE_EGM=m' .config) || die "cannot configure the tree with the driver"
echo "upstream-series: make modules_prepare"
make -s -C "$tree" -j"$(nproc)" modules_prepare >/dev/null 2>&1 || die "modules_prepare failed"
echo "upstream-series: the driver in place with W=1 C=2"
# The directory's objects, not a linked module: the tree has no vmlinux to
# resolve symbols against (the cross-builds and DKMS do link it).
build=$(make -s -C "$tree" -j"$(nproc)" W=1 C=2 drivers/virt/nvgrace-egm/ 2>&1 || true)
if [ -n "$build" ] || [ ! -f "$tree/drivers/virt/nvgrace-egm/nvgrace-egm.o" ]; then
	echo "$build"
	echo "upstream-series: the in-tree build is not clean"
	failed=1
else
	echo "upstream-series: in-tree W=1 and sparse clean"
fi
for f in Documentation/userspace-api/egm.rst Documentation/virt/nvgrace-egm.rst; do
	# Sphinx's roles and directives are unknown to plain docutils (Debian's,
	# python3-docutils, whatever python3 is first in PATH).
	report=$(sed 's/:doc:`\([^`]*\)`/``\1``/g; s/:ref:`\([^`]*\)`/``\1``/g; s/^\.\. kernel-doc::.*//' "$tree/$f" |
		/usr/bin/python3 -c 'import sys, docutils.core
docutils.core.publish_string(sys.stdin.read(), writer_name="null",
	settings_overrides={"report_level": 2, "halt_level": 5, "warning_stream": sys.stdout})' 2>&1 || true)
	if [ -n "$report" ]; then
		echo "$report"
		echo "upstream-series: $f: docutils reports problems"
		failed=1
	fi
done
abi=$(cd "$tree" && perl scripts/get_abi.pl validate --dir Documentation/ABI 2>&1 |
	grep -E 'sysfs-class-egm|debugfs-nvgrace-egm|/egm' || true)
if [ -n "$abi" ]; then
	echo "$abi"
	echo "upstream-series: scripts/get_abi.pl finds problems in the ABI files"
	failed=1
fi
[ "$failed" -eq 0 ] || exit 1
echo "upstream-series: clean (checkpatch --strict, W=1, sparse, docutils, get_abi.pl)"
