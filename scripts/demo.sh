#!/bin/bash
# The demo (`make demo`): boots the simulated GB200 host (2 sockets, 2 GPUs
# each) and shows, with explanations, what nvgrace-egm finds and does.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kernel=${KVER:-6.12}
scripts/install-deps.sh
sim/fetch-kernel.sh "$kernel" >/dev/null
make -s guest-prereqs KVER="$kernel" 2>&1 | grep -v 'Skipping BTF generation' || true
echo "The platform file sim/platforms/gb200-2s.platform describes this host:"
build/sim/egm-platform check sim/platforms/gb200-2s.platform | sed 's/^/    /'
echo
echo "Booting the simulated GB200 host under QEMU (about 10 seconds)..."
status=0
verdict=$(sim/run-guest.sh -q -k "$kernel" -p gb200-2s -t demo.sh -o build/demo) || status=$?
echo
echo "The firmware the guest booted with: GPU0's node in the generated DSDT"
echo "(build/demo/platform/dsdt.dsl), as real Grace firmware writes it:"
sed -n '/Device (GPU0)/,/^            }$/p' build/demo/platform/dsdt.dsl | sed 's/^        /    /'
echo
sed -n -e 's/^# \{0,1\}//p' -e 's/^ok - /  [ok] /p' -e 's/^not ok - /  [FAILED] /p' \
	build/demo/result.tap | grep -v '^egm-guest:'
echo
echo "$verdict"
echo "Full guest kernel log: build/demo/console.log"
exit $status
