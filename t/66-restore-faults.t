#!/usr/bin/perl
# Faults while an image is restored, both ways (in place, and through
# /dev/snapshot): a power cut halfway through the restore leaves the image
# valid, and the next boot restores it and every byte checks out; a reset
# right after the jump into the restored system (the image already marked
# used) never resumes the image again: the next boot is a normal one.  A
# chunk damaged on disk, which a restore in place finds only after the
# main kernel has gone, gets the image discarded and the machine rebooted
# into a normal boot.  The disk honours flushes (cache=writeback).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my %o = (KhibQemu::defaults(),
	 disk => "$KhibQemu::BUILD/t-restore-faults-disk.img",
	 disk_cache => 'writeback',
	 log => "$KhibQemu::BUILD/t-restore-faults.log");
KhibQemu::open_log(\%o);
KhibQemu::create_disk(%o, disk_mib => 1536);

sub hibernate_once {
	my ($name, $append) = @_;
	my $b = KhibQemu::boot(%o, append => "khib.test=cycle:1:10 $append");
	ok(KhibQemu::find($b, qr/^khib-writer: image safe on \S+; powering off$/),
	   "$name: an image is written");
}

for my $way (['in place', 'khib.inplace', qr/^khib-writer: +[2-7]\d% restored/,
	      qr/^khib-writer: image restored and verified .* marked used, jumping into it$/],
	     ['through /dev/snapshot', '', qr/^khib-restore: +[2-7]\d% \(/,
	      qr/^khib-restore: image loaded and verified .* jumping into it$/]) {
	my ($way, $append, $halfway, $jump) = @$way;

	hibernate_once("$way, cut halfway", $append);
	my $cut = KhibQemu::boot(%o, append => "khib.test=cycle:1:10 $append",
				 kill_when => $halfway);
	ok($cut->{killed}, "$way: power cut halfway through the restore");
	like(KhibQemu::inspect(%o), qr/valid image/, "$way: the image is still valid");
	my $again = KhibQemu::boot(%o, append => "khib.test=cycle:1:10 $append");
	ok(KhibQemu::find($again, qr/^KHIB-RESUMED 1$/),
	   "$way: the next boot restores it");
	like(KhibQemu::find($again, qr/^KHIB-VERIFY 1 (.*)/)->[2] // '',
	     qr/files=ok anon=ok process=ok/,
	     "$way: and every byte and the process survived");

	hibernate_once("$way, reset after the jump", $append);
	$cut = KhibQemu::boot(%o, append => "khib.test=cycle:1:10 $append",
			      kill_when => $jump);
	ok($cut->{killed}, "$way: reset right after the jump into the image");
	my $next = KhibQemu::boot(%o, append => "khib.test=report $append");
	ok(KhibQemu::find($next, qr/^khib-restore: \/dev\/vda: image is restored already; booting normally$/),
	   "$way: the next boot does not resume the image again");
	ok(KhibQemu::find($next, qr/^KHIB-NORMAL-BOOT$/), "$way: it boots normally");
}
# Flip a byte in the middle of the data stream.
sub damage_data {
	my ($offset, $bytes) = KhibQemu::data_region($o{disk});
	KhibQemu::flip_byte($o{disk}, $offset + int($bytes / 2), 0x10);
}

hibernate_once('in place, damaged chunk', 'khib.inplace');
damage_data();
my $bad = KhibQemu::boot(%o, append => 'khib.test=report khib.inplace');
ok(KhibQemu::find($bad, qr/^khib-writer: cannot restore the image on \S+ in place: chunk \d+: .*; image discarded, rebooting to a normal boot$/),
   'in place, damaged chunk: found, the image discarded, the machine reboots');
ok(!KhibQemu::find($bad, qr/^KHIB-NORMAL-BOOT$/) && !$bad->{timed_out},
   'in place, damaged chunk: the main kernel that booted is gone; QEMU ends at the reboot');
my $after = KhibQemu::boot(%o, append => 'khib.test=report khib.inplace');
ok(KhibQemu::find($after, qr/^khib-restore: \/dev\/vda: image is discarded; booting normally$/),
   'in place, damaged chunk: the next boot finds the image discarded');
ok(KhibQemu::find($after, qr/^KHIB-NORMAL-BOOT$/), 'in place, damaged chunk: and boots normally');
done_testing();
