#!/usr/bin/perl
# The short form of "make soak": hibernate/resume cycles while an ext4 file
# system on a second disk is being written, renamed into and deleted from.
# After each resume every file and log line must be there as written, and
# e2fsck -fn of the frozen file system must be clean; at the end the host's
# e2fsck checks the disk the guest left.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my $cycles = 2;
my $fs = "$KhibQemu::BUILD/t-soak-fs.img";
KhibQemu::create_ext4($fs, 384);
my $res = KhibQemu::run_cycles(
	cycles => $cycles,
	fill => 40,
	soak => $fs,
	disk => "$KhibQemu::BUILD/t-soak-disk.img",
	log => "$KhibQemu::BUILD/t-soak.log",
);

my $first = $res->{first_boot};
ok($first, 'the first boot ran') or BAIL_OUT("no boot: $res->{error}");
my $started = KhibQemu::find($first, qr/^KHIB-CHURN-STARTED pid \d+ last (\d+)/);
ok($started, 'the churn writes files on ext4 before the first hibernation');
is(scalar @{ $res->{cycles} }, $cycles, "$cycles images were written");
my $last = $started ? $started->[2] : 0;
for my $i (1 .. @{ $res->{cycles} }) {
	my $c = $res->{cycles}[$i - 1];
	ok($c->{ok}, "cycle $i: memory, files and process survived")
		or diag($c->{verify} // 'not resumed');
	my ($churn, $fsck, $files, $now) = ($c->{fscheck} // '') =~
		/^churn=(\w+) fsck=(\w+): check \d+ files (\d+) last (\d+)/;
	is($churn, 'ok', "cycle $i: every file and log line the churn wrote is intact")
		or diag($c->{fscheck});
	is($fsck, 'ok', "cycle $i: e2fsck -fn of the frozen file system is clean")
		or diag(join("\n", KhibQemu::grep_lines($res->{boots}[$i], qr/^KHIB-FSCK-OUT/)));
	ok(defined $now && $now > $last, "cycle $i: the churn went on writing (file $last -> " .
	   ($now // '?') . ")");
	$last = $now // $last;
}
ok($res->{ok}, 'the soak finished: file system unmounted, host e2fsck clean')
	or diag($res->{error});
done_testing();
