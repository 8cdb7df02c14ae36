#!/usr/bin/perl
# Three hibernate/resume cycles of a 2-vCPU, 1 GiB guest with 60 % of its
# RAM filled: every byte of the data and the counting process must survive,
# and the first boot, which finds no image, must boot normally.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my $res = KhibQemu::run_cycles(
	cycles => 3,
	fill => 60,
	# Cycle 3 hibernates as soon as cycle 2 resumed, before the hibernate
	# kernel is parked again.
	boot_append => ['khib.test_early=3'],
	log => "$KhibQemu::BUILD/t-cycle.log",
	report => sub {
		my ($i, $c) = @_;
		diag(sprintf("cycle %d: hibernate %.1f s, resume %.1f s, image %d MiB, %d MiB on disk",
			     $i, $c->{hibernate_seconds}, $c->{resume_seconds},
			     $c->{image_mib}, $c->{stored_mib}));
	},
);

my $first = $res->{first_boot};
ok($first, 'the first boot ran') or BAIL_OUT("no boot: $res->{error}");
ok(KhibQemu::find($first, qr/khib-restore: \/dev\/vda: no hibernation image; booting normally/),
   'with no image on the disk, khib-restore says so and the boot goes on');
ok(KhibQemu::find($first, qr/^khib-load: hibernate kernel loaded/),
   'the normal boot loads the hibernate kernel');
my $fill = KhibQemu::find($first, qr/^KHIB-FILL files=(\d+) anon=(\d+) ram=(\d+)/);
ok($fill && ($fill->[2] + $fill->[3]) * 100 >= 59 * $fill->[4],
   'the workload fills 60 % of RAM') or diag($fill ? $fill->[1] : 'no KHIB-FILL line');

is(scalar @{ $res->{cycles} }, 3, 'three images were written');
for my $i (1 .. @{ $res->{cycles} }) {
	my $c = $res->{cycles}[$i - 1];
	ok($c->{ok}, "cycle $i: files, anonymous memory and the counting process survived")
		or diag($c->{verify} // 'not resumed');
	like($c->{inspect} // '', qr/valid image of \d+ pages/,
	     "cycle $i: khib-inspect found a valid image after the power-off");
	ok($c->{image_pages} * 4096 >= 0.6 * 1024 * 1024 * 1024,
	   "cycle $i: the image holds at least the 60 % of RAM filled");
	is(scalar @{ $c->{files_bad} // [] }, 0,
	   "cycle $i: the host saw the same file hashes before and after");
	ok($c->{powered_off} && $c->{writer_powered_off},
	   "cycle $i: once the image was safe the hibernate kernel powered the machine off cleanly");
	if ($i < 3) {
		ok($c->{parked}, "cycle $i: hibernation entered a parked hibernate kernel, no boot");
	} else {
		ok(!$c->{parked} && $c->{booted},
		   "cycle $i, right after a resume: the hibernate kernel, loaded but not yet parked, booted at the hibernation");
	}
	my $last = $c->{kexec_last} // {};
	ok(($last->{status} // '') eq 'resumed' &&
	   ($last->{image_pages} // 0) == $c->{image_pages} &&
	   ($last->{bytes_written} // 0) > 0 && ($last->{write_ms} // 0) > 0,
	   "cycle $i: /sys/power/kexec_last/ shows the resume, the image's pages, bytes and write time")
		or diag(explain($last));
	like($c->{kernel_said} // '',
	     qr/resumed from an image of $c->{image_pages} pages, \d+ kB on disk, written in \d+ ms, restored through \/dev\/snapshot/,
	     "cycle $i: the kernel logged the same in one line");
}
# After each resume the hibernate kernel is loaded at once and parked
# only -w seconds later (2 in the test guest, park_delay=30 by default).
for my $i (1, 3) {
	my $boot = $res->{boots}[$i] or next;
	my $wait = KhibQemu::find($boot, qr/^khib-load: parking it in 2 s \(park_delay=\), off the resumed system's way$/);
	my $resumed = KhibQemu::find($boot, qr/^KHIB-RESUMED $i$/);
	my $parked = KhibQemu::find($boot, qr/^khib-park: hibernate kernel booted and parked in [\d.]+ s$/);
	ok($wait && $resumed && $parked && $parked->[0] >= $resumed->[0] + 2,
	   "resume $i: the hibernate kernel was loaded again and parked 2 s or more after the resume, not at once")
		or diag(explain([$wait, $resumed, $parked]));
	ok(KhibQemu::find($boot, qr/^KHIB-PARKED-AGAIN \S+ parked loaded=1$/),
	   "resume $i: the test saw it parked");
}
ok($res->{ok}, 'all cycles passed') or diag($res->{error});
done_testing();
