# nvgrace-egm: top-level build.
#
#   make                 module for KVER (default 6.12), user space, tests
#   make demo            boot the simulated GB200 host and show the driver
#   make check           host unit tests + in-guest tests on 7.3, 6.12 and 6.1
#   make check-kernel KVER=7.2   the whole in-guest suite on one kernel
#   make check-debug     the in-guest suite on a lockdep+KASAN kernel built here
#   make check-arm64     the whole in-guest suite on the arm64 host (4K, 16K pages)
#   make check-arm64-64k the same with 64K pages, on a kernel built here
#   make bench           mapping and scrub benchmarks
#   make fuzz            the parser fuzzers, FUZZ_SECONDS each (default 300)
#   make stress          the stress test for STRESS_SECONDS (default 600) on KVER
#   make reliability     the figures of docs/reliability.rst (about 40 minutes)
#   make upstream-series the driver as a patch series for drivers/virt/, checked
#   make kernel-checks   W=1 and sparse, x86 and arm64 cross-builds
#   make dkms-install    the module through DKMS, and the udev rule (EGM_GROUP=kvm)
#   make deps            install the Debian packages the project needs
#   make module KVER=6.1 the module for another cached kernel, or
#   make module KDIR=/lib/modules/$(uname -r)/build   for any kernel tree
#
# Kernels come from Debian's archive into .cache/ (sim/fetch-kernel.sh);
# nothing is installed into the host's /boot.

KVER ?= 6.12
BUILD := $(CURDIR)/build
CACHE := $(CURDIR)/.cache
USER_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror
KERNEL_SOURCES := $(wildcard kernel/*.c kernel/*.h) kernel/Kbuild
UAPI_HEADERS := $(wildcard kernel/include/uapi/linux/*.h)

ifeq ($(KDIR),)
KTREE = $(CACHE)/kernels/$(KVER)/root/usr/src/linux-headers-$(shell cat $(CACHE)/kernels/$(KVER)/kver)
KERNEL_STAMP = $(CACHE)/kernels/$(KVER)/ready
MODULE_DIR = $(BUILD)/kernel/$(KVER)
# A kernel built with a newer compiler than the host's: its kbuild runs in
# the Debian 13 build root (sim/build-root.sh).
KBUILD_ROOT = $(if $(wildcard $(CACHE)/kernels/$(KVER)/build-root),\
	sim/build-root.sh run $(shell cat $(CACHE)/kernels/$(KVER)/build-root) $(CURDIR))
else
KTREE = $(KDIR)
KERNEL_STAMP =
MODULE_DIR = $(BUILD)/kernel/custom
endif

all: module user unit-build

deps:
	scripts/install-deps.sh

# Test modules: the importer of EGM dma-bufs (the in-guest dma-buf test),
# the driver built with its test-only switches (EGM_TESTING) as
# nvgrace-egm-testing.ko, for platforms larger than this machine can back,
# and the benchmark's baseline (bench/kmod, the RFC's mapping and zeroing).
kmod: $(KERNEL_STAMP)
	@mkdir -p $(BUILD)/kmod/$(KVER) $(BUILD)/kmod-testing/$(KVER) $(BUILD)/kmod-bench/$(KVER)
	@cp tests/kmod/Kbuild tests/kmod/*.c kernel/egm_compat.h $(BUILD)/kmod/$(KVER)/
	$(KBUILD_ROOT) $(MAKE) -s -C $(KTREE) M=$(BUILD)/kmod/$(KVER) modules
	@cp bench/kmod/Kbuild bench/kmod/*.c $(BUILD)/kmod-bench/$(KVER)/
	$(KBUILD_ROOT) $(MAKE) -s -C $(KTREE) M=$(BUILD)/kmod-bench/$(KVER) modules
	@cp $(BUILD)/kmod-bench/$(KVER)/egm_rfc_baseline.ko $(BUILD)/kmod/$(KVER)/
	@cp $(KERNEL_SOURCES) $(BUILD)/kmod-testing/$(KVER)/
	@cp -r kernel/include $(BUILD)/kmod-testing/$(KVER)/
	$(KBUILD_ROOT) $(MAKE) -s -C $(KTREE) M=$(BUILD)/kmod-testing/$(KVER) EGM_WERROR=1 \
		EGM_TESTING=1 modules
	@cp $(BUILD)/kmod-testing/$(KVER)/nvgrace-egm.ko $(BUILD)/kmod/$(KVER)/nvgrace-egm-testing.ko

$(CACHE)/kernels/%/ready:
	sim/fetch-kernel.sh $* >/dev/null

kernels: $(CACHE)/kernels/6.12/ready $(CACHE)/kernels/6.1/ready

# kbuild builds in the source directory: give each kernel its own copy.
module: $(KERNEL_STAMP)
	@mkdir -p $(MODULE_DIR)
	@cp $(KERNEL_SOURCES) $(MODULE_DIR)/
	@cp -r kernel/include $(MODULE_DIR)/
	$(KBUILD_ROOT) $(MAKE) -s -C $(KTREE) M=$(MODULE_DIR) EGM_WERROR=1 modules

# libegm: shared (versioned, with its symbol map) and static; egmctl over
# it, dynamic for the host and static for the simulated host's initramfs.
LIBEGM_SOURCES := lib/libegm.c lib/retired.c lib/access.c
LIBEGM_HEADERS := lib/include/egm/libegm.h lib/private.h $(UAPI_HEADERS)
LIBEGM_VERSION := 1.1.0
EGM_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' kernel/dkms.conf)
VERSION_DEFINES := -DEGMCTL_VERSION='"$(EGM_VERSION)"' -DLIBEGM_VERSION='"$(LIBEGM_VERSION)"'
LIB_CFLAGS := $(USER_CFLAGS) -fPIC -fvisibility=default -Ilib/include -Ilib -Ikernel/include/uapi \
	$(VERSION_DEFINES)
EGMCTL_SOURCES := tools/egmctl/egmctl.c tools/egmctl/regions.c tools/egmctl/qemu.c \
	tools/egmctl/qemu-probe.c tools/egmctl/check.c
EGMCTL_CFLAGS := $(USER_CFLAGS) -Ilib/include $(shell pkg-config --cflags json-c 2>/dev/null) \
	$(VERSION_DEFINES)

$(BUILD)/lib/libegm.so.$(LIBEGM_VERSION): $(LIBEGM_SOURCES) $(LIBEGM_HEADERS) lib/libegm.sym
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -shared -Wl,-soname,libegm.so.1 -Wl,--version-script=lib/libegm.sym \
		-o $@ $(LIBEGM_SOURCES)
	ln -sf libegm.so.$(LIBEGM_VERSION) $(BUILD)/lib/libegm.so.1
	ln -sf libegm.so.1 $(BUILD)/lib/libegm.so

$(BUILD)/lib/libegm.a: $(LIBEGM_SOURCES) $(LIBEGM_HEADERS)
	@mkdir -p $(BUILD)/lib/obj
	for f in $(LIBEGM_SOURCES); do \
		$(CC) $(LIB_CFLAGS) -c -o $(BUILD)/lib/obj/$$(basename $$f .c).o $$f || exit 1; \
	done
	ar rcs $@ $(BUILD)/lib/obj/*.o

# GNU installation directories; DESTDIR stages (make install DESTDIR=...).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASH_COMPLETION_DIR ?= $(PREFIX)/share/bash-completion/completions
MODULES_LOAD_DIR ?= /usr/lib/modules-load.d
INSTALL_DIRS := $(PREFIX) $(LIBDIR) $(INCLUDEDIR)

# Remade whenever the directories it names change.
$(BUILD)/lib/libegm.pc: lib/libegm.pc.in FORCE
	@mkdir -p $(@D)
	@sed -e 's|@prefix@|$(PREFIX)|' -e 's|@libdir@|$(LIBDIR)|' \
		-e 's|@includedir@|$(INCLUDEDIR)|' -e 's|@version@|$(LIBEGM_VERSION)|' $< >$@.new
	@cmp -s $@.new $@ && rm $@.new || mv $@.new $@

$(BUILD)/tools/egmctl: $(EGMCTL_SOURCES) tools/egmctl/egmctl.h $(BUILD)/lib/libegm.so.$(LIBEGM_VERSION)
	@mkdir -p $(@D)
	$(CC) $(EGMCTL_CFLAGS) -o $@ $(EGMCTL_SOURCES) -L$(BUILD)/lib -legm \
		-Wl,-rpath,'$$ORIGIN/../lib' $(shell pkg-config --libs json-c 2>/dev/null)

$(BUILD)/guest/egmctl: $(EGMCTL_SOURCES) tools/egmctl/egmctl.h $(BUILD)/lib/libegm.a
	@mkdir -p $(@D)
	$(CC) $(EGMCTL_CFLAGS) -static -o $@ $(EGMCTL_SOURCES) $(BUILD)/lib/libegm.a \
		$(shell pkg-config --libs json-c 2>/dev/null)

$(BUILD)/guest/egm-peek: tests/guest/egm-peek.c $(BUILD)/lib/libegm.a
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -Ilib/include -static -o $@ $< $(BUILD)/lib/libegm.a

$(BUILD)/guest/libegm-test: tests/guest/libegm-test.c tests/guest/tap.h $(BUILD)/lib/libegm.a
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -Ilib/include -static -o $@ $< $(BUILD)/lib/libegm.a

$(BUILD)/guest/egm-uevent-test: tests/guest/uevent-test.c tests/guest/tap.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -static -o $@ $<

$(BUILD)/guest/egm-load-faults: tests/guest/load-faults.c tests/guest/tap.h tests/guest/test-files.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -static -pthread -o $@ $<

$(BUILD)/guest/egm-dma-owners-test: tests/guest/dma-owners-test.c tests/guest/tap.h tests/guest/test-files.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -static -o $@ $<

$(BUILD)/guest/egm-kubevirt-contract: tests/guest/kubevirt-contract.c tests/guest/tap.h tests/guest/test-files.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -static -o $@ $<

$(BUILD)/guest/as-nobody: tests/guest/as-nobody.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -static -o $@ $<

libegm: $(BUILD)/lib/libegm.so.$(LIBEGM_VERSION) $(BUILD)/lib/libegm.a $(BUILD)/lib/libegm.pc
egmctl: libegm $(BUILD)/tools/egmctl $(BUILD)/guest/egmctl

# The uAPI header goes under egm/, not into the system's include/linux
# (linux-libc-dev's); libegm.pc points the compiler there.
INSTALLED_FILES := $(BINDIR)/egmctl $(LIBDIR)/libegm.so.$(LIBEGM_VERSION) $(LIBDIR)/libegm.so.1 \
	$(LIBDIR)/libegm.so $(LIBDIR)/libegm.a $(PKGCONFIGDIR)/libegm.pc $(INCLUDEDIR)/egm/libegm.h \
	$(INCLUDEDIR)/egm/linux/egm.h $(MANDIR)/man1/egmctl.1 $(BASH_COMPLETION_DIR)/egmctl

install: libegm $(BUILD)/tools/egmctl
	install -D -m 644 lib/include/egm/libegm.h $(DESTDIR)$(INCLUDEDIR)/egm/libegm.h
	install -D -m 644 kernel/include/uapi/linux/egm.h $(DESTDIR)$(INCLUDEDIR)/egm/linux/egm.h
	install -D -m 755 $(BUILD)/lib/libegm.so.$(LIBEGM_VERSION) $(DESTDIR)$(LIBDIR)/libegm.so.$(LIBEGM_VERSION)
	ln -sf libegm.so.$(LIBEGM_VERSION) $(DESTDIR)$(LIBDIR)/libegm.so.1
	ln -sf libegm.so.1 $(DESTDIR)$(LIBDIR)/libegm.so
	install -D -m 644 $(BUILD)/lib/libegm.a $(DESTDIR)$(LIBDIR)/libegm.a
	install -D -m 644 $(BUILD)/lib/libegm.pc $(DESTDIR)$(PKGCONFIGDIR)/libegm.pc
	install -D -m 755 $(BUILD)/tools/egmctl $(DESTDIR)$(BINDIR)/egmctl
	install -D -m 644 docs/egmctl.1 $(DESTDIR)$(MANDIR)/man1/egmctl.1
	install -D -m 644 tools/egmctl/egmctl.bash-completion $(DESTDIR)$(BASH_COMPLETION_DIR)/egmctl

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED_FILES))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/egm/linux $(DESTDIR)$(INCLUDEDIR)/egm 2>/dev/null

# Packaging for hosts: the module through DKMS (for every installed kernel
# and those to come), the udev rule giving /dev/egm* to EGM_GROUP.
DKMS_SOURCE_DIR = $(DESTDIR)/usr/src/nvgrace-egm-$(EGM_VERSION)
EGM_GROUP ?= kvm
UDEV_RULES_DIR ?= /etc/udev/rules.d

dkms-source:
	@rm -rf $(DKMS_SOURCE_DIR) && install -d $(DKMS_SOURCE_DIR)
	cp -r $(KERNEL_SOURCES) kernel/Makefile kernel/dkms.conf kernel/include $(DKMS_SOURCE_DIR)/

dkms-install: dkms-source udev-install modules-load-install
	dkms status nvgrace-egm/$(EGM_VERSION) | grep -q . || dkms add nvgrace-egm/$(EGM_VERSION)
	dkms install nvgrace-egm/$(EGM_VERSION)

# modules-load.d loads the module at boot on hosts whose GPUs' PCI IDs it
# does not list (udev loads it for those it does).
modules-load-install:
	install -D -m 644 kernel/nvgrace-egm.modules-load $(DESTDIR)$(MODULES_LOAD_DIR)/nvgrace-egm.conf

dkms-uninstall:
	dkms remove nvgrace-egm/$(EGM_VERSION) --all
	rm -rf $(DKMS_SOURCE_DIR) $(DESTDIR)$(UDEV_RULES_DIR)/60-nvgrace-egm.rules \
		$(DESTDIR)$(MODULES_LOAD_DIR)/nvgrace-egm.conf

udev-install:
	@getent group $(EGM_GROUP) >/dev/null || \
		{ echo "udev-install: no group '$(EGM_GROUP)' (make udev-install EGM_GROUP=...)" >&2; exit 1; }
	install -d $(DESTDIR)$(UDEV_RULES_DIR)
	sed 's/@group@/$(EGM_GROUP)/g' udev/60-nvgrace-egm.rules.in >$(DESTDIR)$(UDEV_RULES_DIR)/60-nvgrace-egm.rules

$(BUILD)/sim/egm-platform: sim/builder/egm-platform.c sim/builder/platform.c sim/builder/platform.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ sim/builder/egm-platform.c sim/builder/platform.c

$(BUILD)/sim/socket-relay: sim/socket-relay.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ sim/socket-relay.c

$(BUILD)/guest/egm-test: tests/guest/egm-test.c tests/guest/tap.h tests/guest/mapping-cost.h tests/guest/pattern.h tests/guest/test-files.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -static -pthread -o $@ tests/guest/egm-test.c

$(BUILD)/guest/egm-retired-test: tests/guest/retired-test.c tests/guest/tap.h tests/guest/test-files.h tests/guest/mapping-cost.h tests/guest/pattern.h $(UAPI_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -Ikernel/include/uapi -static -o $@ tests/guest/retired-test.c

$(BUILD)/guest/egm-dmabuf-test: tests/guest/dmabuf-test.c tests/guest/tap.h tests/guest/test-files.h $(UAPI_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -Ikernel/include/uapi -static -o $@ tests/guest/dmabuf-test.c

$(BUILD)/guest/egm-stress: tests/guest/stress-test.c tests/guest/tap.h $(UAPI_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -Ikernel/include/uapi -static -pthread -o $@ tests/guest/stress-test.c

$(BUILD)/guest/egm-bench: bench/egm-bench.c tests/guest/mapping-cost.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -Itests/guest -static -pthread -o $@ bench/egm-bench.c

# The guest of the VM that the simulated host runs on EGM.
$(BUILD)/guest/nested-payload.elf: tests/guest/nested-payload.S
	@mkdir -p $(@D)
	as --32 -o $(BUILD)/guest/nested-payload.o $<
	ld -m elf_i386 -Ttext 0x100000 -o $@ $(BUILD)/guest/nested-payload.o
	@rm -f $(BUILD)/guest/nested-payload.o

$(BUILD)/guest/dma-payload.elf: tests/guest/dma-payload.S
	@mkdir -p $(@D)
	$(CC) -E -P $< >$(BUILD)/guest/dma-payload.s
	as --32 -o $(BUILD)/guest/dma-payload.o $(BUILD)/guest/dma-payload.s
	ld -m elf_i386 -Ttext 0x100000 -o $@ $(BUILD)/guest/dma-payload.o
	@rm -f $(BUILD)/guest/dma-payload.o $(BUILD)/guest/dma-payload.s

user: $(BUILD)/sim/egm-platform $(BUILD)/sim/socket-relay $(BUILD)/guest/egm-test $(BUILD)/guest/egm-bench \
	$(BUILD)/guest/egm-retired-test $(BUILD)/guest/egm-dmabuf-test $(BUILD)/guest/egm-stress egmctl $(BUILD)/guest/egm-peek $(BUILD)/guest/as-nobody $(BUILD)/guest/libegm-test $(BUILD)/guest/egm-uevent-test $(BUILD)/guest/egm-load-faults $(BUILD)/guest/egm-dma-owners-test \
	$(BUILD)/guest/egm-kubevirt-contract $(BUILD)/guest/nested-payload.elf $(BUILD)/guest/dma-payload.elf

guest-prereqs: module kmod user

# The in-guest programs for the arm64 simulated host, cross-compiled and
# static (libegm and json-c linked in), in build/guest-arm64/.
ARM64_GUEST := $(BUILD)/guest-arm64
ARM64_SYSROOT := $(CACHE)/arm64-guest/root
ARM64_GUEST_PROGRAMS := egm-test egm-retired-test egm-stress egm-peek as-nobody \
	libegm-test egmctl egm-bench egm-uevent-test egm-kubevirt-contract
arm64_sources_egm-test := tests/guest/egm-test.c
arm64_sources_egm-retired-test := tests/guest/retired-test.c
arm64_sources_egm-stress := tests/guest/stress-test.c
arm64_sources_egm-peek := tests/guest/egm-peek.c $(LIBEGM_SOURCES)
arm64_sources_as-nobody := tests/guest/as-nobody.c
arm64_sources_egm-uevent-test := tests/guest/uevent-test.c
arm64_sources_egm-kubevirt-contract := tests/guest/kubevirt-contract.c
arm64_sources_libegm-test := tests/guest/libegm-test.c $(LIBEGM_SOURCES)
arm64_sources_egmctl := $(EGMCTL_SOURCES) $(LIBEGM_SOURCES)
arm64_sources_egm-bench := bench/egm-bench.c
ARM64_GUEST_CFLAGS := $(USER_CFLAGS) -static -pthread -Ilib/include -Ilib -Ikernel/include/uapi \
	-Itests/guest -I$(ARM64_SYSROOT)/usr/include -I$(ARM64_SYSROOT)/usr/include/json-c \
	$(VERSION_DEFINES)

$(CACHE)/arm64-guest/ready:
	sim/fetch-arm64-guest.sh >/dev/null

.SECONDEXPANSION:
$(addprefix $(ARM64_GUEST)/,$(ARM64_GUEST_PROGRAMS)): $$(arm64_sources_$$(@F)) \
		$(wildcard tests/guest/*.h) $(LIBEGM_HEADERS) tools/egmctl/egmctl.h \
		$(CACHE)/arm64-guest/ready
	@mkdir -p $(@D)
	aarch64-linux-gnu-gcc $(ARM64_GUEST_CFLAGS) -o $@ $(arm64_sources_$(@F)) \
		-L$(ARM64_SYSROOT)/usr/lib/aarch64-linux-gnu -ljson-c

user-arm64: $(addprefix $(ARM64_GUEST)/,$(ARM64_GUEST_PROGRAMS))

UNIT_TESTS := $(BUILD)/unit/test_regions $(BUILD)/unit/test_retired \
	$(BUILD)/unit/test_platform $(BUILD)/unit/test_libegm $(BUILD)/unit/test_page_sizes

# Host unit tests run under AddressSanitizer (with LeakSanitizer) and UBSan.
UNIT_CFLAGS := $(USER_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

$(BUILD)/unit/test_regions: tests/unit/test_regions.c kernel/egm_regions.c kernel/egm_regions.h kernel/egm_retired.h
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -Ikernel -Itests/include -o $@ tests/unit/test_regions.c kernel/egm_regions.c -lcmocka

$(BUILD)/unit/test_retired: tests/unit/test_retired.c kernel/egm_retired.c kernel/egm_retired.h
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -Ikernel -Itests/include -o $@ tests/unit/test_retired.c kernel/egm_retired.c -lcmocka

$(BUILD)/unit/test_page_sizes: tests/unit/test_page_sizes.c kernel/egm_regions.c kernel/egm_retired.c kernel/egm_regions.h kernel/egm_retired.h
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -Ikernel -Itests/include -o $@ tests/unit/test_page_sizes.c kernel/egm_regions.c kernel/egm_retired.c -lcmocka

$(BUILD)/unit/test_platform: tests/unit/test_platform.c sim/builder/platform.c sim/builder/platform.h
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -Isim/builder -o $@ tests/unit/test_platform.c sim/builder/platform.c -lcmocka

$(BUILD)/unit/test_libegm: tests/unit/test_libegm.c $(LIBEGM_SOURCES) $(LIBEGM_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -Ilib/include -Ilib -Ikernel/include/uapi -o $@ $< $(LIBEGM_SOURCES) -lcmocka

unit-build: $(UNIT_TESTS)

# libFuzzer targets for the module's parsers, with the seed corpus in the
# repository; new inputs go to build/fuzz/ only. make check runs them briefly.
FUZZERS := $(BUILD)/fuzz/fuzz_retired $(BUILD)/fuzz/fuzz_regions $(BUILD)/fuzz/fuzz_platform \
	$(BUILD)/fuzz/fuzz_libegm $(BUILD)/fuzz/fuzz_egmctl
FUZZ_SECONDS ?= 300
FUZZ_CC := clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

$(BUILD)/fuzz/fuzz_retired: tests/fuzz/fuzz_retired.c kernel/egm_retired.c kernel/egm_retired.h
	@mkdir -p $(@D)
	$(FUZZ_CC) -Ikernel -Itests/include -o $@ tests/fuzz/fuzz_retired.c kernel/egm_retired.c

$(BUILD)/fuzz/fuzz_regions: tests/fuzz/fuzz_regions.c kernel/egm_regions.c kernel/egm_regions.h kernel/egm_retired.h
	@mkdir -p $(@D)
	$(FUZZ_CC) -Ikernel -Itests/include -o $@ tests/fuzz/fuzz_regions.c kernel/egm_regions.c

$(BUILD)/fuzz/fuzz_platform: tests/fuzz/fuzz_platform.c sim/builder/platform.c sim/builder/platform.h
	@mkdir -p $(@D)
	$(FUZZ_CC) -Isim/builder -o $@ tests/fuzz/fuzz_platform.c sim/builder/platform.c

$(BUILD)/fuzz/fuzz_libegm: tests/fuzz/fuzz_libegm.c tests/fuzz/fake-sysfs.h $(LIBEGM_SOURCES) $(LIBEGM_HEADERS)
	@mkdir -p $(@D)
	$(FUZZ_CC) -D_GNU_SOURCE -Ilib/include -Ilib -Ikernel/include/uapi -o $@ \
		tests/fuzz/fuzz_libegm.c $(LIBEGM_SOURCES)

$(BUILD)/fuzz/fuzz_egmctl: tests/fuzz/fuzz_egmctl.c tests/fuzz/fake-sysfs.h tests/fuzz/egmctl-main.h $(EGMCTL_SOURCES) tools/egmctl/egmctl.h $(LIBEGM_SOURCES) $(LIBEGM_HEADERS)
	@mkdir -p $(@D)
	$(FUZZ_CC) -D_GNU_SOURCE -Ilib/include -Ilib -Ikernel/include/uapi \
		$(shell pkg-config --cflags json-c 2>/dev/null) -o $@ tests/fuzz/fuzz_egmctl.c \
		$(LIBEGM_SOURCES) $(patsubst %,$(BUILD)/fuzz/obj/%.o,$(basename $(notdir $(EGMCTL_SOURCES)))) \
		$(shell pkg-config --libs json-c 2>/dev/null)

# egmctl's main() becomes egmctl_main() for the fuzzer.
$(BUILD)/fuzz/obj/%.o: tools/egmctl/%.c tools/egmctl/egmctl.h
	@mkdir -p $(@D)
	$(FUZZ_CC:-fsanitize=fuzzer,=-fsanitize=fuzzer-no-link,) -D_GNU_SOURCE -Dmain=egmctl_main \
		-Ilib/include $(shell pkg-config --cflags json-c 2>/dev/null) -c -o $@ $<

$(BUILD)/fuzz/fuzz_egmctl: $(patsubst %,$(BUILD)/fuzz/obj/%.o,$(basename $(notdir $(EGMCTL_SOURCES))))

fuzz-build: $(FUZZERS)

fuzz: fuzz-build
	@for f in $(FUZZERS); do \
		name=$$(basename $$f); name=$${name#fuzz_}; \
		mkdir -p $(BUILD)/fuzz/corpus-$$name; \
		echo "fuzz_$$name:"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(BUILD)/fuzz/ \
			$(BUILD)/fuzz/corpus-$$name tests/fuzz/corpus/$$name || exit 1; \
	done

unit: unit-build
	@for t in $(UNIT_TESTS); do $$t || exit 1; done

check:
	scripts/check.sh

# The suite on a kernel built with lockdep and KASAN (sim/build-debug-kernel.sh).
check-debug:
	KERNELS=6.12-debug SUITE_FULL=1 scripts/check.sh

# The whole arm64 in-guest suite, 4 KiB and 16 KiB pages, Debian's 6.12 and
# 7.3 (make check runs part of it).
check-arm64:
	KERNELS="6.12-arm64 6.12-arm64-16k 7.3-arm64 7.3-arm64-16k" SUITE_FULL=1 scripts/check.sh

# The whole in-guest suite on one kernel series: make check-kernel KVER=7.2
check-kernel:
	KERNELS=$(KVER) SUITE_FULL=1 scripts/check.sh

# The same on 64 KiB pages, after W=1 and sparse there, with a kernel built
# here (Debian ships none; sim/build-arm64-64k-kernel.sh, about 15 minutes
# the first time).
check-arm64-64k:
	KERNELS=6.12-arm64-64k scripts/kernel-checks.sh
	KERNELS=6.12-arm64-64k SUITE_FULL=1 scripts/check.sh

demo:
	scripts/demo.sh

bench:
	bench/run.sh

# docs/reliability.rst's figures: fault matrix and stress on the debug 6.12
# and on 6.1, every fuzzer (about 40 minutes).
reliability:
	scripts/reliability.sh

# The stress test alone, for longer: make stress STRESS_SECONDS=600 KVER=6.12-debug
STRESS_SECONDS ?= 600
stress:
	$(MAKE) -s module kmod user KVER=$(KVER)
	sim/run-guest.sh -k $(KVER) -p gb200-4s -t stress.sh -T $$(($(STRESS_SECONDS) * 2 + 600)) \
		-a egm.stress_seconds=$(STRESS_SECONDS)

# The driver as a kernel patch series in drivers/virt/, checked with
# checkpatch --strict, built in a 6.12 tree with W=1 and sparse.
upstream-series:
	scripts/upstream-series.sh

# W=1 (and sparse on 6.x) for 6.12, 6.1 and 7.3, x86 and arm64 (4K and 16K pages).
kernel-checks:
	scripts/kernel-checks.sh

clean:
	rm -rf $(BUILD)

.PHONY: user-arm64 check-arm64 check-arm64-64k dkms-source dkms-install modules-load-install dkms-uninstall udev-install upstream-series kernel-checks
.PHONY: FORCE uninstall
.PHONY: all deps kernels module user guest-prereqs unit-build unit fuzz-build fuzz check check-debug libegm egmctl install kmod demo bench reliability stress clean
