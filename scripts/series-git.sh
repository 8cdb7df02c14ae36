#!/bin/sh
# Work on the kernel series as git commits.
#
#   scripts/series-git.sh import BUILD_DIR   make BUILD_DIR/series-git: a git
#       repository holding the pristine linux-source-6.12 versions of the
#       files the series touches, with one commit per patch of kernel/series
#   scripts/series-git.sh export BUILD_DIR   write its commits back to
#       kernel/patches and kernel/series with git format-patch
#   scripts/series-git.sh submit OUT_DIR     write kernel/patches to OUT_DIR
#       as a submission: From: and Signed-off-by: of the one identity
#       KHIB_SIGNOFF="Name <address>" (else git config user.name and
#       user.email), and, with KHIB_BASE_COMMIT, a base-commit: line in
#       the cover letter (the upstream commit of the tarball's release,
#       which the Debian tarball does not carry)
#
# In between, change the commits with ordinary git (commit --fixup and
# rebase --autosquash, rebase -i, ...).  Only the touched files are in the
# repository, so it takes a second to make; to build a step of the series
# use scripts/check-series.sh.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tarball=/usr/src/linux-source-6.12.tar.xz
usage="usage: scripts/series-git.sh import|export BUILD_DIR | submit OUT_DIR"
[ $# = 2 ] || { echo "$usage" >&2; exit 2; }
repo=$(realpath -m "$2")/series-git

say() { echo "series-git: $*"; }

series_files() {
	grep -v -e '^#' -e '^[[:space:]]*$' "$top/kernel/series"
}

do_import() {
	[ -f "$tarball" ] || { say "missing $tarball; run scripts/install-deps.sh"; exit 1; }
	rm -rf "$repo"
	mkdir -p "$repo"
	files=$(for p in $(series_files); do
			sed -n 's|^diff --git a/\([^ ]*\) b/.*|\1|p' "$top/kernel/patches/$p"
		done | sort -u)
	# Files the series creates are not in the tarball; tar skips them.
	# shellcheck disable=SC2086
	tar -C "$repo" -xJf "$tarball" --strip-components=1 --wildcards \
		$(for f in $files; do printf 'linux-source-6.12/%s ' "$f"; done) \
		2>/dev/null || true
	cd "$repo"
	git init -q
	git config user.name "khib developers"
	git config user.email khib@example.org
	git add -A
	git commit -q -m "linux-source-6.12: the files the series touches"
	git tag base
	for p in $(series_files); do
		git am -q "$top/kernel/patches/$p" || { say "cannot apply $p"; exit 1; }
	done
	say "$repo: $(git rev-list --count base..HEAD) patches on base"
}

do_export() {
	cd "$repo"
	n=$(git rev-list --count base..HEAD)
	# The cover letter (0000-cover-letter.patch) is written by hand and
	# is not part of kernel/series: it carries no change.
	find "$top/kernel/patches" -name '*.patch' ! -name '0000-*' -delete
	git format-patch -q --no-signature --zero-commit -N --numbered \
		-o "$top/kernel/patches" base..HEAD
	# Number every patch n/N, as a series is sent.
	for f in "$top"/kernel/patches/[0-9]*.patch; do
		sed -i "s/^Subject: \[PATCH \([0-9]*\)\/[0-9]*\]/Subject: [PATCH \1\/$n]/" "$f"
	done
	cover=$top/kernel/patches/0000-cover-letter.patch
	if [ -f "$cover" ]; then
		# Keep the cover letter's count, shortlog and diffstat true.
		sed -i -e "s/^Subject: \[PATCH 0\/[0-9]*\]/Subject: [PATCH 0\/$n]/" \
			-e '/^khib developers ([0-9]*):$/,$d' "$cover"
		{
			echo "khib developers ($n):"
			git log --reverse --format='  %s' base..HEAD
			echo
			git diff --stat base HEAD | sed 's/^/ /'
			echo
			echo "-- "
		} >>"$cover"
	fi
	{
		echo "# Applied in this order to linux-source-6.12 (scripts/kernel-tree.sh)."
		(cd "$top/kernel/patches" && ls ./*.patch | sed 's|^\./||' |
			grep -v '^0000-')
	} >"$top/kernel/series"
	say "wrote $n patches to kernel/patches"
}

# The identity the patches are sent with, from one place.
signoff_identity() {
	id=${KHIB_SIGNOFF:-}
	if [ -z "$id" ]; then
		name=$(git -C "$top" config user.name || true)
		mail=$(git -C "$top" config user.email || true)
		[ -n "$name" ] && [ -n "$mail" ] && id="$name <$mail>"
	fi
	case $id in
	*"<"*@*">") ;;
	*) say "no sign-off identity: set KHIB_SIGNOFF=\"Name <address>\" (or git config user.name and user.email)" >&2
	   exit 1 ;;
	esac
	case $id in
	*khib@example.org*) say "KHIB_SIGNOFF is the placeholder; give your own identity" >&2; exit 1 ;;
	esac
	printf '%s\n' "$id"
}

do_submit() {
	out=$2
	id=$(signoff_identity)
	name=${id%% <*}
	rm -rf "$out"
	mkdir -p "$out"
	for p in 0000-cover-letter.patch $(series_files); do
		# The identity goes in as data, whatever characters it holds.
		KHIB_ID=$id KHIB_NAME=$name perl -pe '
			s/^(From|Signed-off-by): khib developers <khib\@example\.org>$/$1: $ENV{KHIB_ID}/;
			s/^khib developers (\(\d+\):)$/$ENV{KHIB_NAME} $1/;
		' "$top/kernel/patches/$p" >"$out/$p"
	done
	release=$(sed -n 's/^\(VERSION\|PATCHLEVEL\|SUBLEVEL\) = //p' "$top/build/src/linux/Makefile" 2>/dev/null |
		  tr '\n' . | sed 's/\.$//')
	if [ -n "${KHIB_BASE_COMMIT:-}" ]; then
		# Where git format-patch --base puts it: after the diffstat.
		perl -0pi -e "s/\n-- \n\z/\nbase-commit: $KHIB_BASE_COMMIT\n-- \n/" \
			"$out/0000-cover-letter.patch"
		grep -q "^base-commit: $KHIB_BASE_COMMIT$" "$out/0000-cover-letter.patch" ||
			{ say "could not add base-commit to the cover letter"; exit 1; }
		base="base-commit $KHIB_BASE_COMMIT"
	else
		base="no base-commit: set KHIB_BASE_COMMIT to the upstream commit of v${release:-6.12.y}"
	fi
	say "$out: $(ls "$out" | wc -l) files signed off by $id; $base"
}

case $1 in
import) do_import ;;
export) do_export ;;
submit) do_submit "$@" ;;
*) echo "$usage" >&2; exit 2 ;;
esac
