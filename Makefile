# khib: hibernation through a kexec jump.  "make" builds everything,
# "make cycle" also runs hibernate/resume cycles in QEMU, "make test" runs
# the unit tests and the QEMU integration tests.  See README.md.

BUILD    := build
SRC      := $(BUILD)/src/linux
BIN      := $(BUILD)/bin
OBJ      := $(BUILD)/obj
STAMP    := $(BUILD)/stamps

CC       := gcc
CFLAGS   := -O2 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -pthread \
	    -Itools/common -I$(BUILD)/include
LDLIBS   := -lzstd -lxxhash -lsodium -pthread
# The boot-time tools run in the test initramfs, which holds no libraries.
# The Debian package links them against shared libraries, with
# dpkg-buildflags' hardening, in a BIN and OBJ of its own (debian/rules).
LDSTATIC := -static
CFLAGS   += $(EXTRA_CFLAGS)
LDFLAGS  := $(EXTRA_LDFLAGS)

SERIES      := $(BUILD)/src/series.stamp
UAPI_HEADER := $(BUILD)/include/linux/kexec_hibernate.h
MAIN_KERNEL := $(BUILD)/main/arch/x86/boot/bzImage
HIB_KERNEL  := $(BUILD)/hib/arch/x86/boot/bzImage
HIB_LIST    := $(BUILD)/hib-initramfs.list
INITRAMFS   := $(BUILD)/initramfs.cpio.gz

COMMON_SRC  := $(wildcard tools/common/*.c)
WRITER_SRC  := $(wildcard tools/snapshot-writer/*.c) \
	       $(wildcard tools/snapshot-writer/*.S)
RESTORE_SRC := $(wildcard tools/restore/*.c)
WORKLOAD_SRC := $(wildcard tools/workload/*.c)
INSPECT_SRC := $(wildcard tools/inspect/*.c)
PARK_SRC    := $(wildcard tools/park/*.c)
KEY_SRC     := $(wildcard tools/key/*.c)
PRECOPY_SRC := $(wildcard tools/precopy/*.c)
TOOL_HEADERS := $(wildcard tools/*/*.h) $(UAPI_HEADER)

TOOLS := $(BIN)/khib-writer $(BIN)/khib-restore $(BIN)/khib-workload \
	 $(BIN)/khib-inspect $(BIN)/khib-park $(BIN)/khib-key \
	 $(BIN)/khib-precopy

.PHONY: all deps check-space tools kernels install replay debian-guest debian-boot-check \
	debian-cycle check-series cycle cycle-real \
	soak bench aead-bench test check-docs check-patches unit-test \
	integration-test fuzz fuzz-short clean

all: deps kernels tools $(INITRAMFS)

deps:
	@scripts/install-deps.sh

check-space:
	@scripts/check-space.sh $(BUILD)

kernels: $(STAMP)/main-kernel $(STAMP)/hib-kernel

tools: $(TOOLS)

$(SERIES): kernel/series $(wildcard kernel/patches/*.patch) scripts/kernel-tree.sh
	@scripts/kernel-tree.sh $(BUILD)

$(UAPI_HEADER): $(SERIES)
	@mkdir -p $(@D)
	@cp $(SRC)/include/uapi/linux/kexec_hibernate.h $@

$(STAMP)/main-kernel: $(SERIES) kernel/config.base kernel/config \
		      scripts/build-kernel.sh
	@scripts/build-kernel.sh $(SRC) $(BUILD)/main kernel/config.base \
		kernel/config
	@mkdir -p $(@D) && touch $@

# What goes into the two kernels' memory is stripped: every byte of it is
# in the image and, at resume, taken from the memory that loads it.
$(BUILD)/stripped/khib-writer: $(BIN)/khib-writer
	@mkdir -p $(@D)
	@strip -o $@ $<

$(HIB_LIST): hibernate-kernel/initramfs.list
	@mkdir -p $(@D)
	@sed 's|@WRITER@|$(abspath $(BUILD)/stripped/khib-writer)|' $< >$@

# The initramfs list is named relative to the kernel's build directory:
# an absolute path would land in autoconf.h, and so in the ccache hash of
# every object, and another clone (CI's) would find none of them.
$(STAMP)/hib-kernel: $(SERIES) kernel/config.base hibernate-kernel/config \
		     $(HIB_LIST) $(BUILD)/stripped/khib-writer \
		     scripts/build-kernel.sh
	@scripts/build-kernel.sh $(SRC) $(BUILD)/hib kernel/config.base \
		hibernate-kernel/config \
		'CONFIG_INITRAMFS_SOURCE="../$(notdir $(HIB_LIST))"'
	@mkdir -p $(@D) && touch $@

$(OBJ)/%.o: tools/%.c $(TOOL_HEADERS)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(OBJ)/%.o: tools/%.S
	@mkdir -p $(@D)
	@echo "  AS      $<"
	@$(CC) -c -o $@ $<

objs = $(patsubst tools/%.S,$(OBJ)/%.o,$(patsubst tools/%.c,$(OBJ)/%.o,$(1)))

$(BIN)/khib-writer: $(call objs,$(WRITER_SRC) $(COMMON_SRC))
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) -static -o $@ $^ $(LDLIBS)

$(BIN)/khib-restore: $(call objs,$(RESTORE_SRC) $(COMMON_SRC))
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(LDSTATIC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/khib-workload: $(call objs,$(WORKLOAD_SRC) $(COMMON_SRC))
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) -static -o $@ $^ $(LDLIBS)

$(BIN)/khib-park: $(call objs,$(PARK_SRC))
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(LDSTATIC) $(LDFLAGS) -o $@ $^

$(BIN)/khib-key: $(call objs,$(KEY_SRC) $(COMMON_SRC))
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(LDSTATIC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/khib-precopy: $(call objs,$(PRECOPY_SRC) $(COMMON_SRC))
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(LDSTATIC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/khib-inspect: $(call objs,$(INSPECT_SRC) $(COMMON_SRC))
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(INITRAMFS): $(STAMP)/hib-kernel $(TOOLS) $(wildcard initramfs/*) \
	      scripts/mk-initramfs.sh
	@scripts/mk-initramfs.sh $(BUILD) $(HIB_KERNEL) $@

# What a system needs to hibernate with khib (the Debian package installs
# the same): tools, the hibernate kernel, the initramfs-tools hook and
# script, the systemd units and drop-ins, the configuration and man pages.
# INSTALL_BIN: where the tools come from (debian/rules builds its own).
DESTDIR ?=
SYSTEMD_DIR := /usr/lib/systemd
INSTALL_BIN := $(BIN)

$(HIB_KERNEL): $(STAMP)/hib-kernel
	@true

install: $(INSTALL_BIN)/khib-restore $(INSTALL_BIN)/khib-inspect \
	 $(INSTALL_BIN)/khib-park $(INSTALL_BIN)/khib-key \
	 $(INSTALL_BIN)/khib-precopy $(HIB_KERNEL)
	install -D -m 0755 -t $(DESTDIR)/usr/sbin $(INSTALL_BIN)/khib-restore \
		$(INSTALL_BIN)/khib-inspect $(INSTALL_BIN)/khib-key \
		initramfs/khib-load
	install -D -m 0755 -t $(DESTDIR)/usr/lib/khib $(INSTALL_BIN)/khib-park \
		$(INSTALL_BIN)/khib-precopy dist/khib-sleep
	install -D -m 0644 $(HIB_KERNEL) $(DESTDIR)/boot/khib-hibernate.bzImage
	install -D -m 0644 dist/khib.conf $(DESTDIR)/etc/khib.conf
	install -D -m 0755 dist/initramfs-tools/hooks/khib \
		$(DESTDIR)/usr/share/initramfs-tools/hooks/khib
	install -D -m 0755 dist/initramfs-tools/scripts/local-premount/khib \
		$(DESTDIR)/usr/share/initramfs-tools/scripts/local-premount/khib
	install -D -m 0644 -t $(DESTDIR)$(SYSTEMD_DIR)/system \
		dist/systemd/khib-load.service dist/systemd/khib-reload.service
	for d in systemd-hibernate.service.d systemd-logind.service.d; do \
		install -D -m 0644 dist/systemd/$$d/khib.conf \
			$(DESTDIR)$(SYSTEMD_DIR)/system/$$d/khib.conf || exit 1; \
	done
	install -D -m 0644 dist/systemd/sleep.conf.d/khib.conf \
		$(DESTDIR)$(SYSTEMD_DIR)/sleep.conf.d/khib.conf
	install -D -m 0644 -t $(DESTDIR)/usr/share/man/man8 man/*.8
	install -D -m 0644 -t $(DESTDIR)/usr/share/man/man5 man/*.5

# The Debian 12 guest: a second main kernel build, which boots systemd,
# and its disk (cached by the script until it changes); see
# docs/debian-guest.md.  It uses the same hibernate kernel.
DEBIAN_DIR    := $(BUILD)/debian
DEBIAN_KERNEL := $(BUILD)/main-debian/arch/x86/boot/bzImage

debian-guest: $(STAMP)/main-debian-kernel
	@scripts/debian-guest.sh $(DEBIAN_DIR)

$(STAMP)/main-debian-kernel: $(SERIES) kernel/config.base kernel/config \
			     kernel/config.debian scripts/build-kernel.sh
	@scripts/build-kernel.sh $(SRC) $(BUILD)/main-debian kernel/config.base \
		kernel/config kernel/config.debian
	@mkdir -p $(@D) && touch $@

debian-boot-check: debian-guest
	scripts/debian-boot-check

# khib end to end on the Debian guest: the .deb, initramfs-tools,
# systemctl hibernate and resume (about 6 min for 3 cycles under TCG);
# e.g. make debian-cycle DEBIAN_CYCLE_ARGS="--cycles 5"
DEBIAN_CYCLE_ARGS ?=

debian-cycle: debian-guest $(STAMP)/hib-kernel
	scripts/debian-cycle $(DEBIAN_CYCLE_ARGS)

# The image cipher's measurement (docs/security.md): AES-256-GCM against
# XChaCha20-Poly1305 here and in the hibernate kernel under QEMU.
aead-bench: $(STAMP)/hib-kernel
	scripts/aead-bench

# Options for scripts/cycle, e.g. make cycle CYCLE_ARGS="--cycles 1 --fill 90"
CYCLE_ARGS ?=

cycle: all
	scripts/cycle $(CYCLE_ARGS)

# The machine users own (q35, UEFI, NVMe target, SATA, SMT, LA57,
# vIOMMU; docs/hardware.md): 4 GiB filled to 90 %, restored in place by
# the hibernate kernel (about 10 min under TCG).  t/15 runs 60 % of 2 GiB
# on it in make test.
cycle-real: all
	scripts/cycle --machine real --cpus 4 --mem 4096 --cycles 1 --fill 90 --in-place \
		--log $(BUILD)/cycle-real.log $(CYCLE_ARGS)

# Hibernate/resume cycles with an ext4 file system written all the while
# and checked after each resume (about 25 s a cycle under TCG).
SOAK_CYCLES ?= 20

soak: all
	scripts/cycle --soak --cycles $(SOAK_CYCLES) --fill 60 \
		--log $(BUILD)/soak.log

# Power cuts that drop unflushed writes, booted at every point of a
# hibernation's write log (t/65-write-log-replay.t boots two of them in
# make test; about 40 s a point under TCG).
replay: all
	KHIB_REPLAY_BOOTS=1 prove -v t/65-write-log-replay.t

# The full benchmark against the kernel's own hibernation (about an hour
# under TCG); options for scripts/bench, e.g. BENCH_ARGS="--fills 45".
BENCH_ARGS ?= --full

bench: all
	scripts/bench $(BENCH_ARGS)

# Its short form, live: one run of each method at 45 % (about 2 min);
# t/50-bench.t replays the log of such a run in make test.
bench-quick: all
	scripts/bench --quick

# docs/files.md has a row for every source file, and names no file that
# is gone.
check-docs:
	@scripts/check-files-doc.sh

check-patches: $(SERIES) $(STAMP)/main-kernel
	@scripts/check-patches.sh $(BUILD)

# Build the main kernel after each patch of the series (about 10 min).
check-series:
	@scripts/check-series.sh $(BUILD)

unit-test: $(UAPI_HEADER)
	@$(MAKE) -s -C tests/unit BUILD=$(abspath $(BUILD))

integration-test: all
	prove --timer -v t/

# libFuzzer over the image reader and the descriptor loader (clang);
# FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 300

fuzz: $(UAPI_HEADER)
	@$(MAKE) -s -C tests/fuzz BUILD=$(abspath $(BUILD)) \
		FUZZ_SECONDS=$(FUZZ_SECONDS)

fuzz-short: $(UAPI_HEADER)
	@$(MAKE) -s -C tests/fuzz BUILD=$(abspath $(BUILD)) FUZZ_SECONDS=20

test: deps check-space check-docs check-patches unit-test fuzz-short integration-test

clean:
	rm -rf $(BIN) $(OBJ) $(STAMP) $(INITRAMFS) $(HIB_LIST) $(BUILD)/stripped
