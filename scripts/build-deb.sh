#!/bin/sh
# Build the khib Debian package with dpkg-buildpackage (binary only,
# unsigned), put it in build/deb/ and check it with lintian.
#
# usage: scripts/build-deb.sh
set -eu
cd "$(dirname "$0")/.."

out=build/deb
mkdir -p "$out"
rm -f "$out"/khib_*
# No -dbgsym package: the tools are small and built with -g in build/.
DEB_BUILD_OPTIONS="noddebs ${DEB_BUILD_OPTIONS:-}" dpkg-buildpackage -b -us -uc >"$out/build.log" 2>&1 || {
	tail -n 30 "$out/build.log"
	echo "build-deb: dpkg-buildpackage failed (log: $out/build.log)"
	exit 1
}
version=$(dpkg-parsechangelog -S Version)
# dpkg-buildpackage leaves its results beside the source tree.
for f in ../khib_"$version"_amd64.deb ../khib_"$version"_amd64.buildinfo \
	 ../khib_"$version"_amd64.changes; do
	mv "$f" "$out/"
done
deb=$out/khib_${version}_amd64.deb
echo "build-deb: $deb, $(($(stat -c %s "$deb") / 1024)) KiB"
if lintian --fail-on warning --info "$deb" \
	>"$out/lintian.log" 2>&1; then
	echo "build-deb: lintian: no warnings or errors ($(grep -c '^[IP]:' "$out/lintian.log") notes in $out/lintian.log)"
else
	cat "$out/lintian.log"
	echo "build-deb: lintian found warnings or errors"
	exit 1
fi
