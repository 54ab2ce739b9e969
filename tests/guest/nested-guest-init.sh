#!/bin/busybox sh
# /init of the nested Linux guest (nested-guest.sh): prints what the guest
# sees of its memory, between markers the test reads off the serial port,
# then powers off.
bb=/bin/busybox
$bb mkdir -p /proc /sys
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
nodes=/sys/devices/system/node
echo VIEW-BEGIN
for state in possible online has_memory has_cpu has_generic_initiator; do
	[ -e $nodes/$state ] && echo "state $state $($bb cat $nodes/$state)"
done
for n in $nodes/node[0-9]*; do
	id=${n##*node}
	kb=$($bb awk '/MemTotal/ { print $4 }' $n/meminfo)
	echo "node $id memtotal_kb $kb cpus $($bb cat $n/cpulist) distance $($bb cat $n/distance)"
done
for d in /sys/bus/pci/devices/*; do
	echo "pci ${d##*/} $($bb cat $d/vendor):$($bb cat $d/device) numa_node $($bb cat $d/numa_node)"
done
$bb sed 's/^/iomem /' /proc/iomem
echo VIEW-END
$bb poweroff -f
