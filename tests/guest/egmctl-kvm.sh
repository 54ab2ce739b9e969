# egmctl check's KVM findings, as the running kernel answers them. arm64:
# does KVM map EGM cacheable in stage 2? It asks KVM for a VM's
# KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED, which Linux 6.17 and later answer
# with 1 on CPUs with stage-2 forced write-back and DIC (Grace's, and the
# simulated host's); before 6.17 KVM has no such capability and maps PFN
# maps non-cacheable. x86: the question does not arise.
. ./lib.sh

check "nvgrace-egm loads" load_egm
egmctl check >/tmp/check.txt
sed 's/^/# /' /tmp/check.txt
stage2=$(grep ' kvm-stage2 ' /tmp/check.txt)
major=${KVER%%.*}
minor=${KVER#*.}
minor=${minor%%[!0-9]*}
case $(uname -m) in
aarch64)
	check "the guest runs KVM (EL2)" test -c /dev/kvm
	check "egmctl check says so" grep -q '^ok    kvm  ' /tmp/check.txt
	if [ $((major * 1000 + minor)) -ge 6017 ]; then
		check "Linux $KVER: KVM maps EGM cacheable in stage 2" \
			sh -c "echo '$stage2' | grep -q '^ok    kvm-stage2     KVM maps EGM cacheable in stage 2 (Linux $KVER, KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED)'"
	else
		check "Linux $KVER: KVM maps PFN maps non-cacheable, and egmctl says why" \
			sh -c "echo '$stage2' | grep -q '^fail  kvm-stage2     KVM of Linux $KVER maps PFN-mapped memory non-cacheable in stage 2 (it has no KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED)'"
		check "and that check fails" sh -c "! egmctl check >/dev/null"
	fi
	;;
*)
	check "$(uname -m): not a question" \
		sh -c "echo '$stage2' | grep -q '^n/a   kvm-stage2 '"
	;;
esac
check "nvgrace-egm unloads" unload_egm
