#!/bin/sh
# Build the Debian 12 guest's disk: OUTDIR/debian.img, a raw GPT disk with
#   1  ext4 root file system, label and PARTLABEL khib-root (minbase
#      bookworm with systemd, udev, initramfs-tools, kexec-tools, ...)
#   2  raw partition for the hibernation image, PARTLABEL khib-image, no
#      file system
# and no swap.  Root logs in on ttyS0 by itself (autologin) and has an
# empty password.  The root tree comes from mmdebstrap, from the mirror apt
# uses on this machine, and goes into the disk with "mkfs.ext4 -d" and dd:
# no loop device, no mount.
#
# The image is cached: it is rebuilt only when this script (which holds the
# package list and the layout) changed; OUTDIR/debian.img.stamp holds the
# script's hash.  A copy named by that hash stays in /var/cache/khib
# (KHIB_CACHE_DIR), so that every checkout on the machine, CI's clean
# clones among them, copies it instead of building it again, as ccache
# serves their kernels.  Missing Debian packages (mmdebstrap, fdisk) are installed
# with apt-get.  Needs root (mmdebstrap's root mode).
#
# usage: scripts/debian-guest.sh OUTDIR
set -eu

SUITE=bookworm
# minbase plus these.  dbus and libpam-systemd give logind, and with it
# "systemctl poweroff/hibernate" as on an installed system; busybox gives
# the initramfs the tools khib-load uses there (awk, sed).
# libzstd1, libxxhash0 and libsodium23 are khib's own libraries: the
# package installs offline in debian-cycle.
PACKAGES="systemd systemd-sysv udev dbus libpam-systemd initramfs-tools
kexec-tools e2fsprogs tmux procps busybox libzstd1 libxxhash0 libsodium23"
GUEST_HOSTNAME=khib-debian
ROOT_MIB=2048		# partition 1: the root file system, room to spare
IMAGE_MIB=1536		# partition 2: a 1 GiB guest's hibernation image

say() { echo "debian-guest: $*"; }
die() { echo "debian-guest: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: scripts/debian-guest.sh OUTDIR"
out=$(realpath -m "$1")
img=$out/debian.img
stamp=$out/debian.img.stamp
self=$(realpath "$0")
hash=$(sha256sum "$self" | cut -d' ' -f1)

mkdir -p "$out"
# One build at a time per OUTDIR; a second caller waits, then finds it done.
exec 9>"$out/.debian-guest.lock"
flock 9

if [ -f "$img" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
	say "$img is up to date"
	exit 0
fi
cache_dir=${KHIB_CACHE_DIR:-/var/cache/khib}
cached=$cache_dir/debian-$hash.img
if [ -f "$cached" ]; then
	cp --sparse=always "$cached" "$img.copy"
	mv "$img.copy" "$img"
	echo "$hash" >"$stamp"
	say "$img: copied from $cached, built on this machine from this script before"
	exit 0
fi
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap --mode=root, apt-get)"
start=$(date +%s)

# --- host tools -----------------------------------------------------------
installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}
missing=""
for p in mmdebstrap fdisk e2fsprogs; do
	installed "$p" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	for p in $missing; do
		if ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
			say "apt-get update (no candidate for $p)"
			apt-get update -qq
			break
		fi
	done
	say "installing$missing"
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# --- the mirror apt uses ---------------------------------------------------
# One "deb URI SUITE main" line for each of bookworm, -updates and -security
# that apt knows (apt-cache policy lists them with the URI actually used).
mirrors() {
	apt-cache policy 2>/dev/null | awk -v s="$SUITE" '
		$1 ~ /^[0-9]+$/ && $2 ~ /^[a-z+]+:\/\// && $4 == "amd64" &&
		($3 == s "/main" || $3 == s "-updates/main" || $3 == s "-security/main") {
			line = "deb " $2 " " substr($3, 1, index($3, "/") - 1) " main"
			if (!seen[line]++) print line
		}' | sort -k3,3
}
sources=$(mirrors)
if ! echo "$sources" | grep -q " $SUITE main\$"; then
	say "apt-get update (apt knows no $SUITE main archive yet)"
	apt-get update -qq
	sources=$(mirrors)
fi
echo "$sources" | grep -q " $SUITE main\$" ||
	die "apt has no source for Debian $SUITE main; see /etc/apt/sources.list*"
echo "$sources" | while IFS= read -r line; do say "source: $line"; done

# --- root tree ---------------------------------------------------------------
tree=$out/debian-root.tmp
fs=$out/debian-root.ext4.tmp
disk=$img.tmp
# --one-file-system: never into a mount left behind by an interrupted
# mmdebstrap (it mounts /proc, /sys and /dev in the tree).
cleanup() { rm -rf --one-file-system "$tree" "$fs" "$disk"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
cleanup

include=$(echo $PACKAGES | tr ' ' ',')
say "mmdebstrap $SUITE minbase + $include"
t0=$(date +%s)
# The newline-separated source lines become separate arguments.
old_ifs=$IFS
IFS='
'
# shellcheck disable=SC2086
mmdebstrap --mode=root --variant=minbase --format=directory \
	--include="$include" \
	--aptopt='APT::Install-Recommends "false"' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-include=/usr/share/locale/locale.alias' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' \
	"$SUITE" "$tree" $sources 2>&1 |
	sed -u 's/^/debian-guest: mmdebstrap: /'
IFS=$old_ifs
[ -x "$tree/lib/systemd/systemd" ] || die "mmdebstrap failed"
say "root tree done in $(($(date +%s) - t0)) s, $(du -sm "$tree" | cut -f1) MiB"

# --- configuration -----------------------------------------------------------
say "configuring: hostname $GUEST_HOSTNAME, fstab, root autologin on ttyS0"
echo "$GUEST_HOSTNAME" >"$tree/etc/hostname"
cat >"$tree/etc/hosts" <<EOF
127.0.0.1	localhost
127.0.1.1	$GUEST_HOSTNAME
EOF
cat >"$tree/etc/fstab" <<'EOF'
# <file system>	<mount point>	<type>	<options>		<dump>	<pass>
LABEL=khib-root	/		ext4	errors=remount-ro	0	1
# PARTLABEL=khib-image holds khib's hibernation image: no file system.
EOF
# Root: empty password, and logged in on the serial console by itself.
sed -i 's/^root:[^:]*:/root::/' "$tree/etc/shadow"
dropin=$tree/etc/systemd/system/serial-getty@ttyS0.service.d
mkdir -p "$dropin"
cat >"$dropin/autologin.conf" <<'EOF'
[Service]
ExecStart=
ExecStart=-/sbin/agetty -o '-p -f -- \\u' --autologin root --keep-baud 115200,57600,38400,9600 - $TERM
EOF
# What the locales package would write (pam_env reads it at login).
echo LANG=C.UTF-8 >"$tree/etc/default/locale"
# A fixed machine ID: every boot of a copy is not a "first boot", so
# nothing asks questions on the console (systemd-firstboot).
tr -dc 0-9a-f </dev/urandom | head -c 32 >"$tree/etc/machine-id"
echo >>"$tree/etc/machine-id"
# kexec-tools must not load a kernel at reboot (the tests load their own).
[ ! -f "$tree/etc/default/kexec" ] ||
	sed -i 's/^LOAD_KEXEC=.*/LOAD_KEXEC=false/' "$tree/etc/default/kexec"

# --- disk --------------------------------------------------------------------
say "mkfs.ext4 -d: ${ROOT_MIB} MiB root file system"
truncate -s "${ROOT_MIB}M" "$fs"
mkfs.ext4 -q -F -L khib-root -d "$tree" "$fs"
say "partitioning: 1 khib-root ${ROOT_MIB} MiB, 2 khib-image ${IMAGE_MIB} MiB"
truncate -s "$((1 + ROOT_MIB + IMAGE_MIB + 1))M" "$disk"
sfdisk --quiet --no-reread --no-tell-kernel "$disk" <<EOF
label: gpt
start=1MiB, size=${ROOT_MIB}MiB, type=linux, name=khib-root
size=${IMAGE_MIB}MiB, type=linux, name=khib-image
EOF
dd if="$fs" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
mv "$disk" "$img"
echo "$hash" >"$stamp"
# One disk in the cache: the one this script builds.
if mkdir -p "$cache_dir" 2>/dev/null &&
	cp --sparse=always "$img" "$cached.tmp" 2>/dev/null; then
	find "$cache_dir" -maxdepth 1 -name 'debian-*.img' ! -name "${cached##*/}" -delete
	mv "$cached.tmp" "$cached"
else
	rm -f "$cached.tmp"
	say "cannot keep a copy in $cache_dir; other checkouts will build their own"
fi

say "$img: $(du -m --apparent-size "$img" | cut -f1) MiB, $(du -m "$img" | cut -f1) MiB allocated; built in $(($(date +%s) - start)) s"
