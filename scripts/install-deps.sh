#!/bin/sh
# Install the Debian packages the build and the tests need, if missing.
# Runs apt-get as root; as another user it only says what is missing.
set -eu

packages="linux-source-6.12 kexec-tools qemu-system-x86 busybox-static
libzstd-dev libxxhash-dev libsodium-dev flex bison bc libelf-dev libssl-dev cpio ccache
python3-ply
make gcc perl xz-utils clang libclang-rt-14-dev e2fsprogs
dpkg-dev debhelper lintian mmdebstrap fdisk dmsetup swtpm
ovmf"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	     grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing Debian packages:$missing"
	echo "install-deps: run this script as root, or: apt-get install$missing"
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
