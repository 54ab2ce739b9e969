# egmctl against the real driver: every command, its JSON against the
# schema, every error path (exit status and message), and a VM started
# from exactly what `egmctl qemu-args` prints, with its RAM found in EGM.
. ./lib.sh

schema=$HOST_TOP/docs/egmctl.schema.json
backports_qemu=$HOST_TOP/.cache/qemu-backports/bin/qemu-system-x86_64
first=$(echo $EXPECT_DEVICES | cut -d' ' -f1)

# expect STATUS TEXT COMMAND...: exit status STATUS and TEXT in its output.
expect() {
	want=$1 text=$2
	shift 2
	"$@" >/tmp/expect.out 2>&1
	got=$?
	if [ $got -eq "$want" ] && grep -qF -- "$text" /tmp/expect.out; then
		pass "$* -> $want, '$text'"
	else
		fail "$* -> $got, expected $want and '$text'"
		sed 's/^/#   /' /tmp/expect.out
	fi
}

# Python runs from the host's root over 9p, slowly under emulation: the
# JSON files are collected in /tmp/json/ and checked in one run at the end.
mkdir -p /tmp/json
json_check() { # json_check: each file against its kind, then the facts
	chroot /host python3 - "$schema" /tmp/json <<'PY'
import json, os, sys, jsonschema
schema = json.load(open(sys.argv[1]))
for name in sorted(os.listdir(sys.argv[2])):
    kind = name.split(".")[0]
    doc = json.load(open(os.path.join(sys.argv[2], name)))
    try:
        jsonschema.validate(doc, dict(schema, **{"$ref": "#/definitions/" + kind}))
        print("ok - %s is valid against docs/egmctl.schema.json (%s)" % (name, kind))
    except jsonschema.ValidationError as e:
        print("not ok - %s is not valid: %s" % (name, e.message))
    if kind == "list":
        print("# devices %s" % " ".join(r["device"] for r in doc["regions"]))
    if kind == "region":
        print("# %s gpus %s base %#x" % (doc["device"], " ".join(doc["gpus"]), doc["base"]))
PY
}

check "the host's root is mounted over 9p" mount_host_root

# No driver.
expect 1 "the nvgrace-egm driver is not loaded" egmctl list
expect 1 "nvgrace-egm is not loaded: modprobe nvgrace-egm" egmctl check
expect 2 "unknown command 'bogus'" egmctl bogus
expect 2 "which command?" egmctl
expect 0 "usage: egmctl" egmctl --help

check "nvgrace-egm loads" load_egm

# list, show, retired.
egmctl list >/tmp/list.txt
note "$(sed 's/^/  /' /tmp/list.txt)"
for dev in $EXPECT_DEVICES; do
	pxm=${dev#egm}
	check "list shows $dev with its size in bytes" \
		grep -qE "^$dev +[0-9.]+ [KMGT]iB +$(region_var "$pxm" SIZE) +$pxm " /tmp/list.txt
done
egmctl list -j >/tmp/json/list.json
for dev in $EXPECT_DEVICES; do
	pxm=${dev#egm}
	egmctl show $dev -j >/tmp/json/region.$dev.json
	egmctl retired $dev -j >/tmp/json/retired.$dev.json
	is "retired $dev lists what sysfs lists" \
		"$(egmctl retired $dev | grep ^0x)" "$(cat /sys/class/egm/$dev/retired_pages)"
done
expect 0 "$first" egmctl show /dev/$first
expect 1 "no EGM region egm99 (regions: $EXPECT_DEVICES)" egmctl show egm99
expect 2 "show needs one region" egmctl show
expect 2 "retired-save takes no arguments" egmctl retired-save egm4
expect 2 "retired-save prints a modprobe.d line, which has no JSON form" egmctl -j retired-save
expect 2 "unknown option" egmctl retired $first --bogus
expect 2 "--timeout takes whole seconds" egmctl wait $first --timeout soon
expect 2 "--timeout is at most 2147483 seconds" egmctl wait $first --timeout 1988888888
expect 2 "--timeout takes whole seconds" egmctl wait $first --timeout ""
expect 2 "--max-pieces takes 1 to 64" egmctl qemu-args $first --max-pieces 0
expect 2 "--cpus takes vCPUs 0 to N" egmctl qemu-args $first --cpus all

# libegm itself: open, map, the ioctl's list, open's messages, waiting.
for dev in $EXPECT_DEVICES; do
	egmctl wait $dev >/dev/null 2>&1
	case $KSERIES in 6.1) entries=4k ;; *) entries=huge ;; esac
	run_tap libegm-test $dev $entries
done

# check: the driver and regions are fine here; the rest depends on the host.
egmctl check -j >/tmp/json/check.json
json_check >/tmp/json-check.out
cat /tmp/json-check.out
is "list -j names every region" "$(sed -n 's/^# devices //p' /tmp/json-check.out)" "$EXPECT_DEVICES"
for dev in $EXPECT_DEVICES; do
	pxm=${dev#egm}
	is "show $dev -j: its GPUs and base are the platform's" \
		"$(sed -n "s/^# $dev //p" /tmp/json-check.out)" \
		"gpus $(region_var "$pxm" GPUS) base $(region_var "$pxm" BASE)"
done
expect 0 "ok    driver" egmctl check
expect 0 "warn  access         /dev/$first: root only (mode 600)" egmctl check
chmod 0666 /dev/$first
expect 1 "fail  access         /dev/$first is mode 666: anyone may take" egmctl check
chmod 0600 /dev/$first

# wait: a dirty region (no scrub at probe) is scrubbed and waited for.
check "nvgrace-egm unloads" unload_egm
check "the testing build loads without a scrub at probe" load_egm_dirty
is "$first is dirty" "$(cat /sys/class/egm/$first/scrub_state)" dirty
expect 1 "permission denied opening /dev/$first" as-nobody egmctl wait $first
check "show -j has dma_owners for root" sh -c "egmctl show $first -j | grep -q '\"dma_owners\"'"
check "and not for others (its PIDs are the host's)" sh -c \
	"as-nobody egmctl show $first -j >/tmp/nobody.json && ! grep -q dma_owners /tmp/nobody.json"
expect 0 "$first: clean 100%" egmctl wait $first
is "$first is clean after egmctl wait" "$(cat /sys/class/egm/$first/scrub_state)" clean
exec 3<>/dev/$first
expect 1 "$first is still in_use after 1000 ms" egmctl wait $first --timeout 1
exec 3>&-

# qemu-args: all GPUs or none, never some.
gpus=$(region_var "${first#egm}" GPUS)
args=$(egmctl qemu-args $first 2>/dev/null)
for gpu in $gpus; do
	check "qemu-args passes $gpu with vfio-pci" \
		sh -c "echo '$args' | grep -q 'vfio-pci,host=$gpu,'"
	set -- $gpus
	if [ $# -gt 1 ]; then
		expect 1 "--gpus leaves out" egmctl qemu-args $first --gpus $gpu
	fi
done
expect 1 "0000:00:1f.0 is not a GPU of $first" egmctl qemu-args $first --gpus 0000:00:1f.0
egmctl libvirt-xml $first >/tmp/domain.xml
check "libvirt-xml is well-formed XML" chroot /host xmllint --noout /tmp/domain.xml
is "libvirt-xml has one hostdev per GPU" "$(grep -c '<hostdev' /tmp/domain.xml)" "$(echo $gpus | wc -w)"

# A VM from exactly those arguments (no GPU: the simulated ones are not
# vfio devices). The payload writes word i = 0x45474d00 + i at guest 2 MiB,
# which is the first piece's offset + 2 MiB in EGM.
run_vm() { # run_vm QEMU REGION: starts the VM, checks the pattern, stops it
	qemu=$1 dev=$2
	chroot /host /mnt/tests/egmctl qemu-args $dev --gpus none --qemu $qemu \
		>/tmp/args 2>/tmp/args.err
	status=$?
	sed 's/^/# egmctl: /' /tmp/args.err
	[ $status -eq 0 ] || return 1
	note "qemu-args: $(cat /tmp/args)"
	offset=$(tr ' ' '\n' </tmp/args | grep "^memory-backend-file,id=$dev-0," |
		sed -n 's/.*,offset=\([0-9]*\).*/\1/p')
	# shellcheck disable=SC2046
	start_payload_vm $qemu -M microvm $(cat /tmp/args)
	sed 's/^/# qemu: /' /tmp/qemu.log
	check "$dev: the guest started from egmctl's arguments runs" \
		grep -q '!' /tmp/vm-serial.log
	check "$dev: its RAM at 2 MiB is EGM at offset ${offset:-0} + 2 MiB" sh -c \
		"egm-peek $dev $(( ${offset:-0} + 0x200000 )) 4 | grep -q '45474d00 45474d01 45474d02 45474d03'"
	stop_payload_vm
	return 0
}

for dev in $EXPECT_DEVICES; do
	[ -n "$(region_var "${dev#egm}" RETIRED_ENTRIES)" ] && continue
	run_vm qemu-system-x86_64 $dev
	break
done
for dev in $EXPECT_DEVICES; do
	[ -z "$(region_var "${dev#egm}" RETIRED_ENTRIES)" ] && continue
	egmctl wait $dev >/dev/null 2>&1
	expect 1 "cannot map part of a file (memory-backend-file offset= needs 8.2)" \
		chroot /host /mnt/tests/egmctl qemu-args $dev --gpus none --qemu qemu-system-x86_64
	# The binary's name is run as a name, never through a shell.
	rm -f /tmp/injected
	expect 0 "cannot run x'; touch /tmp/injected; ' to check its version" \
		egmctl qemu-args $dev --gpus none --qemu "x'; touch /tmp/injected; '"
	check_fails "a quote in --qemu runs nothing" test -e /tmp/injected
	if [ -x "/host$backports_qemu" ]; then
		run_vm $backports_qemu $dev
	else
		fail "no QEMU 8.2+ at $backports_qemu (sim/fetch-qemu.sh)"
	fi
	break
done

# check finds VFIO's type1 backend by the kernel's module index when it is
# not loaded: it reads modules.dep itself.
moddir=/lib/modules/$(uname -r)
modprobe vfio 2>/dev/null
rmmod vfio_iommu_type1 2>/dev/null
check "vfio is loaded (/dev/vfio/vfio), its type1 backend is not" \
	sh -c "[ -c /dev/vfio/vfio ] && ! [ -d /sys/module/vfio_iommu_type1 ]"
egmctl check | grep ' iommu ' | sed 's/^/# /'
check "check finds the type1 backend in $moddir/modules.dep" \
	sh -c "egmctl check | grep -q '^ok    iommu '"
: >/tmp/empty
mount --bind /tmp/empty $moddir/modules.dep
check "with an index that lacks it, check says VFIO is not ready" \
	sh -c "egmctl check | grep -q '^warn  iommu  *no VFIO'"
umount $moddir/modules.dep
rmmod vfio 2>/dev/null
check "nvgrace-egm unloads" unload_egm
