#!/bin/bash
# egmctl on a fake sysfs and /dev (EGMCTL_SYSFS_ROOT, EGMCTL_DEV_ROOT), on
# the host: help and version, a region that cannot be read, show's fields,
# --cpus, planning around thousands of retired blocks at a GB200 socket's
# size, check's roots and entry sizes, and libvirt-xml's escaping.
# Prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/host-tap.sh
egmctl=$top/build/tools/egmctl
work=$(mktemp -d "/tmp/egmctl-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT

GIB=$((1 << 30))
MIB=$((1 << 20))

# region NAME PXM SIZE: a region as the driver shows it, clean, with a GPU.
region() {
	local d=$work/sys/class/egm/$1
	mkdir -p "$d" "$work/sys/devices/pci0000:00/0000:00:0$2.0" "$work/dev"
	echo "$3" >"$d/size"
	printf '%#x\n' "$3" >"$d/egm_size"
	echo $GIB >"$d/align"
	echo "$2" >"$d/pxm"
	echo 1 >"$d/numa_node"
	echo clean >"$d/scrub_state"
	echo "$3" >"$d/scrub_progress"
	: >"$d/retired_pages"
	echo 0x4000000000 >"$d/base"
	echo 65536 >"$d/retired_block_size"
	echo 1250000 >"$d/scrub_last_duration_us"
	echo 1638 >"$d/scrub_last_throughput"
	echo 2 >"$d/scrub_last_threads"
	ln -s "../../../devices/pci0000:00/0000:00:0$2.0" "$d/0000:00:0$2.0"
	: >"$work/dev/$1"
}

run() { # run ARGS...: egmctl on the fake roots; output in $out, status in $status
	out=$(EGMCTL_SYSFS_ROOT=$work/sys EGMCTL_DEV_ROOT=$work/dev "$egmctl" "$@" 2>&1)
	status=$?
}

expect() { # expect STATUS TEXT ARGS...: exits with STATUS, prints TEXT
	local want=$1 text=$2
	shift 2
	run "$@"
	[ "$status" -eq "$want" ] && grep -qF -- "$text" <<<"$out" ||
		{ echo "exit $status (wanted $want), output:"; echo "$out"; return 1; }
}

region egm4 4 $((2 * GIB))
region egm5 5 $((2 * GIB))

tap_check "--version names egmctl's and libegm's versions" \
	expect 0 "egmctl $(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' kernel/dkms.conf) (libegm 1." --version
for cmd in list show retired retired-save wait qemu-args libvirt-xml check; do
	tap_check "$cmd --help: its usage, exit 0" expect 0 "  $cmd" "$cmd" --help
done
tap_check "a command's --help does no work (no region needed)" expect 0 "qemu-args egmN" qemu-args -h

tap_check "show prints the base in hex" expect 0 "0x4000000000" show egm4
run -j show egm4
tap_check "show -j has retired_block_size and the last scrub's figures" \
	python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["retired_block_size"] == 65536, r
assert (r["scrub_last_duration_us"], r["scrub_last_throughput"], r["scrub_last_threads"]) == (1250000, 1638, 2), r
' "$out"

echo gone >"$work/sys/class/egm/egm5/size"
tap_check "list with one unreadable region lists the other, exit 0" expect 0 "egm4" list
tap_check "and says which region it left out and why" \
	expect 0 "egm5 left out: $work/sys/class/egm/egm5/size: 'gone' is not a number" list
run -j list
tap_check "list -j has it under unreadable" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert [r["device"] for r in d["regions"]] == ["egm4"], d
assert d["unreadable"][0]["device"] == "egm5" and "gone" in d["unreadable"][0]["error"], d
' "$out"
tap_check "show of the unreadable region fails with the reason" \
	expect 1 "'gone' is not a number" show egm5
tap_check "show of the readable one works" expect 0 "egm4" show egm4
echo $((2 * GIB)) >"$work/sys/class/egm/egm5/size"

echo melting >"$work/sys/class/egm/egm4/scrub_state"
tap_check "wait on a state it does not know says so" \
	expect 1 "'melting' is not a state this libegm knows" wait egm4 --timeout 1
echo clean >"$work/sys/class/egm/egm4/scrub_state"

tap_check "--cpus 0-3,4-7: -smp 8, all on the node as cpus=0-7" \
	expect 0 "-smp 8 -object memory-backend-file" qemu-args egm4 --gpus none --cpus 0-3,4-7
tap_check "--cpus 0-3,4-7: the node's cpus= is one QEMU range" \
	sh -c '[ "$(echo "$1" | grep -o "cpus=[^ ,]*" | tr "\n" " ")" = "cpus=0-7 " ]' - "$out"
tap_check "--cpus 0: cpus=0" expect 0 "memdev=egm4-0,cpus=0" qemu-args egm4 --gpus none --cpus 0
for bad in 0-3,8-11 8-15 7-3 - 0-3,,5 0-3, ,0 4096 0-4096 x; do
	tap_check "--cpus '$bad' is refused (exit 2)" \
		expect 2 "--cpus takes vCPUs 0 to N" qemu-args egm4 --gpus none --cpus "$bad"
done

# A GB200 socket's size, with 4096 retired 64 KiB blocks.
region egm6 6 $((0x6fc0000000))
# A QEMU 10 that has the objects NVIDIA's QEMU has too.
fake_qemu=$work/qemu-system-new
cat >"$fake_qemu" <<'SH'
#!/bin/sh
case "$*" in
--version) echo "QEMU emulator version 10.0.0" ;;
"-object help") printf 'List of user creatable objects:\n  acpi-egm-memory\n  acpi-generic-initiator\n  memory-backend-file\n' ;;
esac
SH
chmod +x "$fake_qemu"

# retired_layout KIND: writes egm6's retired_pages; prints the GiB the plan
# must keep at least: the largest 8 stretches between them, 2 MiB aligned.
retired_layout() {
	python3 - "$1" "$work/sys/class/egm/egm6/retired_pages" <<'PY'
import sys, random
kind, path = sys.argv[1], sys.argv[2]
size, blk, mib2 = 0x6fc0000000, 0x10000, 2 << 20
random.seed(7)
if kind == "scattered":
    offs = sorted(random.sample(range(size // blk), 4096))
    offs = [o * blk for o in offs]
elif kind == "clustered-head":      # 4096 blocks in the first 1.2 GiB
    offs = sorted(random.sample(range((1228 << 20) // blk), 4096))
    offs = [o * blk for o in offs]
else:                               # 300 in the first 1.2 GiB, the issue's case
    offs = sorted(random.sample(range((1228 << 20) // blk), 300))
    offs = [o * blk for o in offs]
with open(path, "w") as f:
    for o in offs:
        f.write("0x%016x 0x%016x\n" % (o, blk))
at, stretches = 0, []
for o in offs + [size]:
    start, end = -(-at // mib2) * mib2, o // mib2 * mib2
    if end > start:
        stretches.append(end - start)
    at = o + blk
print(sum(sorted(stretches)[-8:]) >> 20)
PY
}

for layout in scattered clustered-head issue-300; do
	want_mib=$(retired_layout $layout)
	start=$(date +%s%N)
	run qemu-args egm6 --gpus none --qemu "$fake_qemu" --layout nodes
	ms=$((($(date +%s%N) - start) / 1000000))
	got_mib=$(sed -n 's/^-m \([0-9]*\)M .*/\1/p' <<<"$out")
	tap_check "$layout: --layout nodes keeps the 8 largest stretches ($got_mib of $want_mib MiB) in $ms ms" \
		test "${got_mib:-0}" -eq "$want_mib" -a "$ms" -lt 1000
done
tap_check "issue-300: the 445 GiB after the retired blocks is kept" \
	test "${got_mib:-0}" -ge $((445 * 1024))
tap_check "--layout nodes: 8 nodes, each pair 11 apart (the socket's memory)" \
	test "$(grep -o 'dist,src=[0-9]*,dst=[0-9]*,val=11' <<<"$out" | wc -l)" -eq 28

# The default: one node, the largest stretch, and what --layout nodes would keep.
run qemu-args egm6 --gpus none --qemu "$fake_qemu"
tap_check "one-node (default): one memory-backend-file, one node, no distances" \
	test "$(grep -o 'memory-backend-file' <<<"$out" | wc -l)" = 1 -a \
	"$(grep -o -- '-numa node' <<<"$out" | wc -l)" = 1 -a "$(grep -c dist <<<"$out")" = 0
tap_check "it is the largest stretch, and egmctl says what --layout nodes keeps" \
	grep -q "its one NUMA node is the largest stretch without any, .* MiB left out (--layout nodes --max-pieces 64: 64 nodes" <<<"$out"
tap_check "--max-pieces without --layout nodes is refused" \
	expect 2 "--max-pieces goes with --layout nodes" qemu-args egm6 --max-pieces 4
tap_check "--layout takes one-node or nodes" \
	expect 2 "--layout takes one-node or nodes, not 'spread'" qemu-args egm6 --layout spread

# The socket's GPUs with a QEMU that has acpi-generic-initiator and
# acpi-egm-memory: 8 initiator nodes a GPU, the EGM table on node 0.
mkdir -p "$work/sys/devices/pci0000:00/0000:00:07.0"
ln -s "../../../devices/pci0000:00/0000:00:07.0" "$work/sys/class/egm/egm4/0000:00:07.0"
run qemu-args egm4 --gpus all --qemu "$fake_qemu"
tap_check "with GPUs: 8 generic-initiator nodes for each (16)" \
	test "$(grep -o 'acpi-generic-initiator,id=egm4-gpu[01]-gi[0-7],pci-dev=egm4-gpu[01],node=[0-9]*' <<<"$out" | wc -l)" = 16
tap_check "their nodes 1 to 16 exist" \
	test "$(grep -o -- '-numa node,nodeid=[0-9]* ' <<<"$out" | wc -l)" = 16
tap_check "acpi-egm-memory names node 0 for each GPU" \
	test "$(grep -o 'acpi-egm-memory,id=egm4-gpu[01]-egm,pci-dev=egm4-gpu[01],node=0' <<<"$out" | wc -l)" = 2
tap_check "distances: GPU nodes 80 from EGM, 11 within a GPU, 120 across GPUs" \
	grep -q 'dist,src=0,dst=1,val=80 .*dist,src=1,dst=2,val=11 .*dist,src=1,dst=9,val=120' <<<"$out"
tap_check "all 136 pairs of the 17 nodes" \
	test "$(grep -o 'dist,src=' <<<"$out" | wc -l)" = 136
printf '#!/bin/sh\necho "QEMU emulator version 10.0.0"\n' >"$work/qemu-plain"
chmod +x "$work/qemu-plain"
run qemu-args egm4 --gpus all --qemu "$work/qemu-plain"
tap_check "a QEMU without them: the GPUs alone, one node, a note" \
	sh -c 'echo "$1" | grep -q "vfio-pci,host=0000:00:07.0" && ! echo "$1" | grep -q "generic-initiator,\|dist," &&
		echo "$1" | grep -q "note: cannot ask"' - "$out"

# 64 stretch nodes and 8 initiator nodes for each of 9 GPUs: 136 nodes.
for slot in 1 2 3 4 5 7 8 9; do
	mkdir -p "$work/sys/devices/pci0000:00/0000:00:1$slot.0"
	ln -s "../../../devices/pci0000:00/0000:00:1$slot.0" "$work/sys/class/egm/egm6/0000:00:1$slot.0"
done
tap_check "more NUMA nodes than QEMU's 128 are refused, with what to do" \
	expect 1 "64 nodes for egm6 and 72 for its GPUs are more than QEMU's 128: use a smaller --max-pieces" \
	qemu-args egm6 --qemu "$fake_qemu" --layout nodes --max-pieces 64
tap_check "and 56 stretches fit" \
	expect 0 "-numa node,nodeid=127 " qemu-args egm6 --qemu "$fake_qemu" --layout nodes --max-pieces 56

# NVIDIA's libvirt series form, as NVIDIA's KubeVirt writes it.
out=$(EGMCTL_SYSFS_ROOT=$work/sys EGMCTL_DEV_ROOT=$work/dev "$egmctl" libvirt-xml egm4 \
	--form memory-egm --cpus 0-3 2>/dev/null)
tap_check "--form memory-egm: well-formed XML" xmllint --noout - <<<"$out"
tap_check "--form memory-egm: one <memory model='egm'> a GPU, the region split in MiB" \
	python3 -c '
import sys, xml.etree.ElementTree as ET
d = ET.fromstring(sys.argv[1][sys.argv[1].index("<domain"):])
mems = d.findall("devices/memory")
aliases = [h.find("alias").get("name") for h in d.findall("devices/hostdev")]
assert [m.get("model") for m in mems] == ["egm", "egm"], mems
assert all(m.get("access") == "shared" for m in mems)
assert [m.findtext("source/path") for m in mems] == [sys.argv[2]] * 2
assert [m.find("target/size").get("unit") for m in mems] == ["MiB"] * 2
assert [int(m.findtext("target/size")) for m in mems] == [1024, 1024]
assert [m.findtext("target/node") for m in mems] == ["0", "0"]
assert [m.findtext("target/pciDev") for m in mems] == aliases == ["ua-egm4-gpu0", "ua-egm4-gpu1"], aliases
assert d.find("memoryBacking/source").get("type") == "file"
assert d.find("memoryBacking/access").get("mode") == "shared"
cell = d.find("cpu/numa/cell")
assert (cell.get("cpus"), cell.get("memory"), d.findtext("vcpu")) == ("0-3", str(2 << 20), "4"), cell.attrib
assert int(d.findtext("memory")) == 2 << 20
' "$out" "$work/dev/egm4"
tap_check "--form memory-egm needs --cpus" \
	expect 2 "--form memory-egm needs --cpus" libvirt-xml egm4 --form memory-egm
tap_check "--form memory-egm is refused with --gpus none" \
	expect 2 "needs the GPUs, not --gpus none" libvirt-xml egm4 --form memory-egm --cpus 0-3 --gpus none
tap_check "--form memory-egm is refused with retired memory (it maps the whole region)" \
	expect 1 "egm6 has 300 retired range(s) and <memory model='egm'> maps the whole region" \
	libvirt-xml egm6 --form memory-egm --cpus 0-3
region egm8 8 $((2 * GIB))
rm "$work/sys/class/egm/egm8/0000:00:08.0"
tap_check "--form memory-egm is refused for a region without GPUs" \
	expect 1 "egm8 has no GPU" libvirt-xml egm8 --form memory-egm --cpus 0-3
tap_check "--form takes commandline or memory-egm" \
	expect 2 "--form takes commandline or memory-egm, not 'egm'" libvirt-xml egm4 --form egm
tap_check "--form goes with libvirt-xml only" \
	expect 2 "--form goes with libvirt-xml" qemu-args egm4 --form memory-egm
tap_check "libvirt-xml does not ask QEMU for its objects (no note)" \
	sh -c '! EGMCTL_SYSFS_ROOT=$1 EGMCTL_DEV_ROOT=$2 "$3" libvirt-xml egm4 --qemu /nonexistent 2>&1 | grep -q "cannot ask"' \
	- "$work/sys" "$work/dev" "$egmctl"

tap_check "check: the driver is missing under EGMCTL_SYSFS_ROOT" \
	expect 1 "nvgrace-egm is not loaded" check
mkdir -p "$work/sys/module/nvgrace_egm"
tap_check "check: loaded once the fake root has the module" \
	expect 1 "nvgrace-egm is loaded" check
tap_check "check: /dev/kvm is looked for under EGMCTL_DEV_ROOT" \
	expect 1 "$work/dev/kvm is missing" check
case $(uname -m) in
x86_64) entry="1.00 GiB" ;;
*) page=$(getconf PAGESIZE); entry=$((page * page / 8 / MIB)).00\ MiB ;;
esac
tap_check "check: the largest PFN-map entry is the architecture's ($entry)" \
	expect 1 "entries of up to $entry" check

odd="$work/dev'&<odd>"
mkdir -p "$odd"
: >"$odd/egm4"
out=$(EGMCTL_SYSFS_ROOT=$work/sys EGMCTL_DEV_ROOT=$odd "$egmctl" libvirt-xml egm4 --gpus none 2>&1)
tap_check "libvirt-xml escapes a path with quotes and markup" \
	grep -qF "mem-path=$work/dev&apos;&amp;&lt;odd&gt;/egm4" <<<"$out"
tap_check "and the fragment is well-formed XML" xmllint --noout - <<<"$out"
tap_check "libvirt-xml names the backend as the machine's RAM, with no -numa" \
	sh -c 'echo "$1" | grep -q "value=.memory-backend=egm4-0." && ! echo "$1" | grep -q "value=.-numa."' - "$out"
tap_check "libvirt-xml refuses --cpus (the domain's <vcpu> gives them)" \
	expect 2 "not --cpus" libvirt-xml egm4 --gpus none --cpus 0-3
tap_check "--max-pieces 4294967297 is refused, not taken as 1" \
	expect 2 "--max-pieces takes 1 to 64" qemu-args egm4 --layout nodes --max-pieces 4294967297
tap_check "libvirt-xml refuses --layout nodes" \
	expect 2 "--layout one-node only" libvirt-xml egm4 --gpus none --layout nodes

tap_done egmctl-cli
