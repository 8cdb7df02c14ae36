#!/usr/bin/perl
# Restore in place: at boot khib-restore checks the image, the kernel
# takes its header, and the hibernate kernel is booted into the memory it
# was lent at hibernation; it puts every page back, marks the image used
# and enters the restored kernel.  Two cycles at 60 % of the 1 GiB guest
# with khib.inplace on the command line, which forces it whatever the
# image's size, then two runs of one cycle at 91 %, where the image is
# too large to load through /dev/snapshot (and, resumed, leaves too
# little memory to load the hibernate kernel again): the first time the
# choice is khib's own; the second time khib.inplace=0 makes khib-restore
# try /dev/snapshot anyway, the kernel runs out of memory taking it, and
# that ENOMEM (which says nothing about the image) sends it in place.
# Every byte is checked after each.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my $res = KhibQemu::run_cycles(
	cycles => 2,
	fill => 60,
	extra_append => 'khib.inplace',
	log => "$KhibQemu::BUILD/t-inplace.log",
	disk => "$KhibQemu::BUILD/t-inplace-disk.img",
	report => sub {
		my ($i, $c) = @_;
		diag(sprintf("cycle %d: hibernate %.1f s, resume %.1f s in place, image %d MiB",
			     $i, $c->{hibernate_seconds}, $c->{resume_seconds},
			     $c->{image_mib}));
	},
);

is(scalar @{ $res->{cycles} }, 2, 'two images were written');
for my $i (1 .. @{ $res->{cycles} }) {
	my $boot = $res->{boots}[$i];
	my $c = $res->{cycles}[$i - 1];
	ok($boot && KhibQemu::find($boot, qr/^khib-restore: khib.inplace given; restoring it in place through the hibernate kernel \(\d+ MiB\)$/),
	   "cycle $i: khib-restore hands the image to the hibernate kernel");
	my $plan = $boot && KhibQemu::find($boot, qr/^khib-writer: restoring (\d+) pages of Linux \S+ in place from \S+: (\d+) of them parked/);
	ok($plan && $plan->[2] == $c->{image_pages} && $plan->[3] > 0,
	   "cycle $i: it restores every page of the image, parking those in its own memory")
		or diag($plan ? $plan->[1] : 'no plan line');
	ok($boot && KhibQemu::find($boot, qr/^khib-writer: image restored and verified in [\d.]+ s, \d+ MB\/s of image, on \d+ threads \([\d.]+ s of their time placing pages\); marked used, jumping into it$/),
	   "cycle $i: every chunk verified, the image marked used before the jump");
	ok($c->{ok}, "cycle $i: files, anonymous memory and the counting process survived")
		or diag($c->{verify} // 'not resumed');
	is(scalar @{ $c->{files_bad} // [] }, 0,
	   "cycle $i: the host saw the same file hashes before and after");
	like($c->{kernel_said} // '',
	     qr/resumed from an image of $c->{image_pages} pages, \d+ kB on disk, written in \d+ ms, restored in place/,
	     "cycle $i: the resumed kernel got the figures from the restore in place");
}
ok($res->{ok}, 'all cycles passed') or diag($res->{error});

my $big = KhibQemu::run_cycles(
	cycles => 1,
	fill => 91,
	log => "$KhibQemu::BUILD/t-inplace-91.log",
	disk => "$KhibQemu::BUILD/t-inplace-disk.img",
	report => sub {
		my ($i, $c) = @_;
		diag(sprintf("91 %%: hibernate %.1f s, resume %.1f s, image %d MiB",
			     $c->{hibernate_seconds}, $c->{resume_seconds},
			     $c->{image_mib}));
	},
);
my $first = $big->{first_boot};
ok($first && KhibQemu::find($first, qr/^khib-writer: the image needs \d+ MiB to be loaded at resume, \d+ MiB are free there: it will be restored in place$/),
   '91 %: the writer accepts an image too large for /dev/snapshot, to be restored in place');
ok($big->{boots}[1] && KhibQemu::find($big->{boots}[1], qr/^khib-restore: the image needs \d+ MiB to be loaded safely and \d+ MiB are free in this boot .*; restoring it in place through the hibernate kernel \(\d+ MiB\)$/),
   '91 %: at boot khib-restore chooses the restore in place itself');
ok($big->{cycles}[0] && $big->{cycles}[0]{image_pages} * 4096 >= 0.91 * 1024 * 1024 * 1024,
   '91 %: the image holds at least 91 % of RAM');
ok($big->{ok}, '91 %: files, anonymous memory and the counting process survived')
	or diag($big->{error});

my $nomem_run = KhibQemu::run_cycles(
	cycles => 1,
	fill => 91,
	boot_append => [undef, 'khib.inplace=0'],
	log => "$KhibQemu::BUILD/t-inplace-enomem.log",
	disk => "$KhibQemu::BUILD/t-inplace-disk.img",
);
my $nomem = $nomem_run->{boots}[1] && KhibQemu::find($nomem_run->{boots}[1], qr/^khib-restore: (.*): the kernel has too little memory to load the image; restoring it in place through the hibernate kernel \(\d+ MiB\)$/);
ok($nomem, '91 %, khib.inplace=0: the kernel refuses the image with ENOMEM, and it is restored in place, not discarded')
	or diag(join("\n", KhibQemu::grep_lines($nomem_run->{boots}[1] // { lines => [] }, qr/^khib-restore: /)));
diag("91 %, khib.inplace=0: $nomem->[2]") if $nomem;
ok($nomem_run->{ok}, '91 %, khib.inplace=0: files, anonymous memory and the counting process survived')
	or diag($nomem_run->{error});
done_testing();
