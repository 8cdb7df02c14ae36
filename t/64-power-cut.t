#!/usr/bin/perl
# A power cut while the image is being written (QEMU killed) leaves no
# valid image: the next boot says the image is incomplete and boots
# normally, and the boot after that hibernates and resumes as usual.  The
# disks honour flushes (cache=writeback), so what the writer flushed is
# what survives.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my %o = (KhibQemu::defaults(),
	 disk => "$KhibQemu::BUILD/t-cut-disk.img",
	 disk_cache => 'writeback',
	 log => "$KhibQemu::BUILD/t-cut.log");
KhibQemu::open_log(\%o);
KhibQemu::create_disk(%o, disk_mib => 1536);

for my $when (['before any data', qr/^khib-writer: saving \d+ pages/],
	      ['halfway through the data', qr/^khib-writer: +[4-6]\d% \(/]) {
	my ($what, $re) = @$when;
	my $cut = KhibQemu::boot(%o, append => 'khib.test=cycle:1:20',
				 kill_when => $re);
	ok($cut->{killed}, "power cut $what") or next;
	my $next = KhibQemu::boot(%o, append => 'khib.test=report');
	ok(KhibQemu::find($next, qr/^khib-restore: \/dev\/vda: (image is incomplete|no hibernation image( \(an empty khib target\))?); booting normally$/),
	   "$what: the next boot finds no valid image and says so in one line");
	ok(KhibQemu::find($next, qr/^KHIB-NORMAL-BOOT$/), "$what: and boots normally");
	like(KhibQemu::inspect(%o), qr/incomplete|no hibernation image/,
	     "$what: the target holds no valid image");
}

my $res = KhibQemu::run_cycles(%o, cycles => 1, fill => 20, log => undef);
ok($res->{ok}, 'afterwards a hibernation and resume work as usual') or diag($res->{error});
done_testing();
