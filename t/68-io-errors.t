#!/usr/bin/perl
# The writer cannot finish: the target fails a write in the middle of the
# image, or a flush (QEMU's blkdebug injects EIO).  The hibernation must
# fail with the error, the cause in the kernel log, every process alive,
# and no image marked valid; the next boot is a normal one.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my %o = (KhibQemu::defaults(),
	 disk => "$KhibQemu::BUILD/t-ioerr-disk.img",
	 disk_cache => 'writeback',
	 log => "$KhibQemu::BUILD/t-ioerr.log");
KhibQemu::open_log(\%o);
my $rules = "$KhibQemu::BUILD/t-ioerr.blkdebug";

# Sector 131072 is 64 MiB into the disk: inside the data of an image of
# 10 % of RAM (about 115 MiB on disk).
for my $case (['a failed write', qq([inject-error]\nevent = "write_aio"\nerrno = "5"\nsector = "131072"\n)],
	      ['a failed flush', qq([inject-error]\nevent = "flush_to_disk"\nerrno = "5"\n)]) {
	my ($what, $config) = @$case;
	open my $fh, '>', $rules or die "cannot write $rules: $!\n";
	print $fh $config;
	close $fh;
	KhibQemu::create_disk(%o, disk_mib => 1536);
	# A boot without faults makes the blank disk a khib target (a write
	# and a flush of its own, which a failing flush would refuse).
	my $claim = KhibQemu::boot(%o, append => 'khib.test=report');
	ok(KhibQemu::find($claim, qr/^khib-restore: \/dev\/vda held nothing; it is now a khib image target/),
	   "$what: the blank disk is made a khib target first");
	my $b = KhibQemu::boot(%o, append => 'khib.test=ioerror', blkdebug => $rules);
	ok(!KhibQemu::find($b, qr/^KHIB-FAIL/), "$what: no step of the scenario failed")
		or diag((KhibQemu::find($b, qr/^(KHIB-FAIL.*)/) // [])->[1]);
	like((KhibQemu::find($b, qr/^KHIB-ATTEMPT-FAILED 1: (.*)/) // [])->[2] // '',
	     qr/Input\/output error/, "$what: the hibernation fails with EIO");
	ok(KhibQemu::find($b, qr/^KHIB-DMESG 1 .*the hibernate kernel failed: .*(Input\/output error|I\/O)/),
	   "$what: the kernel log names the cause");
	ok(KhibQemu::find($b, qr/^KHIB-STILL-RUNNING 1 /), "$what: the system keeps running");
	like(KhibQemu::inspect(%o), qr/incomplete|no hibernation image/,
	     "$what: no image is marked valid");
	my $next = KhibQemu::boot(%o, append => 'khib.test=report');
	ok(KhibQemu::find($next, qr/^KHIB-NORMAL-BOOT$/), "$what: the next boot is a normal one");
}
done_testing();
