#!/usr/bin/perl
# The pre-copy (docs/design.md, "Pre-copy") on a throttled target, where
# the disk binds: RAM is written while the system runs, and the frozen
# pass keeps the groups that did not change and writes the others, while
# a process keeps 5 % of RAM changing.  Two hibernations with a pre-copy,
# each verified after the resume.  Then the power cuts the reliability
# rules cover: during the pre-copy, and during the frozen pass after one;
# each time the next boot finds no valid image, says so in one line and
# boots normally.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my %o = (KhibQemu::defaults(),
	 disk => "$KhibQemu::BUILD/t-precopy-disk.img",
	 disk_mib => 3072,
	 disk_mbps => 60,
	 disk_cache => 'writeback',
	 log => "$KhibQemu::BUILD/t-precopy.log");

my $res = KhibQemu::run_cycles(%o, cycles => 2, fill => 40,
			       extra_append => 'khib.test_precopy=on khib.test_dirty=5');
ok($res->{ok}, 'two hibernations with a pre-copy, each verified after the resume')
	or diag($res->{error});
for my $i (0 .. 1) {
	my $b = $res->{boots}[$i] or next;
	my $pre = KhibQemu::find($b, qr/^khib-precopy: wrote (\d+) MiB of RAM in use \((\d+) groups/);
	ok($pre && $pre->[2] > 100, 'cycle ' . ($i + 1) . ': the pre-copy wrote ' .
	   ($pre ? "$pre->[2] MiB in $pre->[3] groups" : 'nothing'));
	# At 60 MB/s two decoders at the resume keep up with the disk for
	# most records, not all: the choice must be made, and said.
	my $pack = KhibQemu::find($b, qr/^khib-precopy: (\d+) of (\d+) records compressed: the target reads (\d+) MB\/s/);
	ok($pack && $pack->[2] > 0 && $pack->[3] == $pre->[3] && $pack->[4] < 200,
	   'cycle ' . ($i + 1) . ': the pre-copy measured the throttled target and chose per record: ' .
	   ($pack ? "$pack->[2] of $pack->[3] compressed, $pack->[4] MB/s" : 'no line'));
	my $kept = KhibQemu::find($b, qr/ (\d+) of (\d+) chunks compressed, (\d+) kept from the pre-copy \((\d+) of (\d+) candidates hashed\)/);
	ok($kept && $kept->[4] > 0 && $kept->[3] > 0,
	   'cycle ' . ($i + 1) . ': the frozen pass kept groups of the pre-copy and wrote the changed ones again: ' .
	   ($kept ? "$kept->[4] kept, $kept->[3] written, $kept->[5] of $kept->[6] hashed" : 'no writer line'));
}
like($res->{cycles}[0]{inspect} // '', qr/valid image/, 'the image with kept records was valid after the power-off');

for my $when (['during the pre-copy', qr/^khib-precopy: [2-6]0 %/],
	      ['during the frozen pass after a pre-copy', qr/^khib-writer: +\d{1,2}% \(/]) {
	my ($what, $re) = @$when;
	my $cut = KhibQemu::boot(%o, append => 'khib.test=cycle:1:40 khib.test_precopy=on',
				 kill_when => $re);
	ok($cut->{killed}, "power cut $what") or next;
	my $next = KhibQemu::boot(%o, append => 'khib.test=report');
	ok(KhibQemu::find($next, qr/^khib-restore: \/dev\/vda: image is incomplete; booting normally$/),
	   "$what: the next boot finds no valid image and says so in one line");
	ok(KhibQemu::find($next, qr/^KHIB-NORMAL-BOOT$/), "$what: and boots normally");
	like(KhibQemu::inspect(%o), qr/incomplete/, "$what: the target holds no valid image");
}
done_testing();
