#!/bin/sh
# Check docs/files.md, the one-line-per-file index of the sources, against
# the work tree:
#  - every file git tracks under the source directories below, and
#    .ci/run and Makefile, is named in it as `path` (in backquotes); the
#    patches under kernel/patches/ are covered by the one `kernel/patches/`
#    row;
#  - every backquoted relative path in it (one with a '/', no blanks, no
#    wildcard, not under build/) exists, so that it names no file that is
#    gone.
# One line if all is well; otherwise the missing rows and the stale paths,
# and exit status 1.
#
# usage: scripts/check-files-doc.sh
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
doc=docs/files.md
dirs="tools initramfs dist scripts tests/unit tests/fuzz t hibernate-kernel
kernel man debian"
failed=0

say() { echo "check-files-doc: $*"; }

[ -f "$doc" ] || { say "missing $doc"; exit 1; }
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || {
	say "not in a git work tree: cannot list the tracked files"
	exit 1
}

# The backquoted spans of the document, one a line.
spans=$(awk -F'`' '{ for (i = 2; i <= NF; i += 2) print $i }' "$doc")

listed() { printf '%s\n' "$spans" | grep -qxF -- "$1"; }

# Tracked files still in the work tree.
# shellcheck disable=SC2086 # $dirs is a list of directories
tracked=$(git ls-files -- $dirs .ci/run Makefile |
	while read -r f; do
		if [ -e "$f" ]; then echo "$f"; fi
	done)
n=$(printf '%s\n' "$tracked" | grep -c . || true)

# Their rows; the patches have one between them.
missing=$(printf '%s\n' "$tracked" |
	sed 's|^kernel/patches/.*|kernel/patches/|' | sort -u |
	while read -r f; do
		listed "$f" || say "no row for $f"
	done)
if [ -n "$missing" ]; then
	echo "$missing"
	failed=1
fi

# The relative paths the document names must exist.
stale=$(printf '%s\n' "$spans" | sort -u | while read -r p; do
	case $p in
	*/*) ;;
	*) continue ;;
	esac
	case $p in
	/* | build/* | *[[:space:]]* | *'*'* | *'?'* | *'['* | *...* | \
	*'$'* | *=* | *://*) continue ;;
	esac
	if [ ! -e "$p" ]; then say "$doc names $p, which does not exist"; fi
done)
if [ -n "$stale" ]; then
	echo "$stale"
	failed=1
fi

if [ "$failed" = 0 ]; then
	say "$n files, all listed in $doc"
else
	say "update $doc: one line per file, its path in backquotes"
fi
exit "$failed"
