#!/bin/bash
# checkpatch --strict over every C file. The kernel rules apply in full to
# kernel/ and to the test and bench modules; user space keeps the kernel's
# layout rules but not its kernel-only preferences (u64 types, BIT(),
# __printf, strscpy, ...).
# egm_compat.h exists to test LINUX_VERSION_CODE, so that rule is off there.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
checkpatch=$(scripts/fetch-checkpatch.sh)
run() { perl "$checkpatch" --no-tree --strict --terse --show-types -f "$@" | grep -v '^total: 0 errors, 0 warnings, 0 checks' || true; }

user_ignores=PREFER_KERNEL_TYPES,BIT_MACRO,VOLATILE,STRCPY,CAMELCASE,PREFER_DEFINED_ATTRIBUTE_MACRO,NEW_TYPEDEFS,SSCANF_TO_KSTRTO
report=$( {
	run $(ls kernel/*.[ch] bench/kmod/*.c tests/kmod/*.c | grep -v egm_compat.h)
	run --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON kernel/egm_compat.h
	run --ignore "$user_ignores" $(git ls-files --cached --others --exclude-standard '*.c' '*.h' | grep -v '^kernel/\|^bench/kmod/\|^tests/kmod/')
} )
if [ -n "$report" ]; then
	echo "$report"
	echo "lint: checkpatch found problems"
	exit 1
fi
echo "lint: checkpatch --strict clean"
