#!/bin/sh
# Build the main system's initramfs: busybox, kexec-tools, e2fsck, the khib
# tools, the scripts in initramfs/ and the hibernate kernel.
#
# usage: scripts/mk-initramfs.sh BUILD_DIR HIBERNATE_BZIMAGE OUTPUT
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=$1
hib_kernel=$2
output=$3
root=$build/initramfs-root

rm -rf "$root"
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" \
	"$root/lib" "$root/lib64" "$root/proc" "$root/sys" "$root/dev" \
	"$root/boot" "$root/run" "$root/tmp" "$root/root"

# busybox provides the shell and the usual commands.
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done

# A program from the build machine and the shared libraries it needs.
copy_program() {
	mkdir -p "$root$(dirname "$1")"
	cp "$1" "$root$1"
	ldd "$1" | awk '/=>/ { print $3 } /^\t\/lib/ { print $1 }' |
	while read -r lib; do
		[ -f "$lib" ] || continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

copy_program /usr/sbin/kexec
# khib-load's lock (busybox has no flock).
copy_program /usr/bin/flock
# The soak test checks its ext4 file system after every resume.
copy_program /sbin/e2fsck
# The target checks map a device with device-mapper to give it a holder.
copy_program /sbin/dmsetup

for tool in khib-restore khib-workload khib-park khib-key khib-precopy; do
	# Stripped: the initramfs stays in memory, in every image and at resume.
	strip -o "$root/sbin/$tool" "$build/bin/$tool"
done
for script in khib-load khib-hibernate khib-test; do
	cp "$top/initramfs/$script" "$root/sbin/$script"
done
cp "$top/initramfs/init" "$root/init"
chmod 0755 "$root/init" "$root/sbin/"*
cp "$hib_kernel" "$root/boot/khib-hibernate.bzImage"

(cd "$root" && find . | sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -1 >"$output.tmp"
mv "$output.tmp" "$output"
echo "mk-initramfs: $output, $(($(stat -c %s "$output") / 1024)) KiB"
