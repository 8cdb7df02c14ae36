#!/usr/bin/perl
# The image cannot be read back: QEMU's blkdebug fails every read of one
# sector in the middle of the image data, while khib-restore streams it
# into /dev/snapshot, or while the hibernate kernel restores it in place.
# A device that fails a read says nothing about the image, which may be
# intact: it must be kept valid, nothing restored halfway, and the machine
# must not boot normally (khib-restore stops the boot; the hibernate kernel
# powers off).  Once the device reads again, the next boot resumes it and
# every byte checks out.  The same when only the write that marks the
# image used fails.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my %o = (KhibQemu::defaults(),
	 disk => "$KhibQemu::BUILD/t-read-errors-disk.img",
	 disk_cache => 'writeback',
	 log => "$KhibQemu::BUILD/t-read-errors.log");
KhibQemu::open_log(\%o);
my $rules = "$KhibQemu::BUILD/t-read-errors.blkdebug";

# The sector in the middle of the image's data stream.
sub middle_sector {
	my ($offset, $bytes) = KhibQemu::data_region($o{disk});
	return int(($offset + int($bytes / 2)) / 512);
}

for my $way (['through /dev/snapshot', '',
	      qr/^khib-restore: cannot read the image data: Input\/output error; the image on \/dev\/vda may be intact and is kept; the boot stops here/,
	      qr/^KHIB-BOOT-STOPPED 3$/],
	     ['in place', 'khib.inplace',
	      qr/^khib-writer: cannot restore the image on \/dev\/vda in place: cannot read the image data: Input\/output error; the image may be intact and is kept$/,
	      qr/^khib-writer: powering off with the image kept; boot with noresume to discard it$/]) {
	my ($way, $append, $said, $stopped) = @$way;

	KhibQemu::create_disk(%o, disk_mib => 1536);
	my $b = KhibQemu::boot(%o, append => "khib.test=cycle:1:10 $append");
	ok(KhibQemu::find($b, qr/^khib-writer: image safe on \S+; powering off$/),
	   "$way: an image is written");

	my $sector = middle_sector();
	open my $fh, '>', $rules or die "cannot write $rules: $!\n";
	print $fh qq([inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "$sector"\n);
	close $fh;
	my $bad = KhibQemu::boot(%o, append => "khib.test=cycle:1:10 $append",
				 blkdebug => $rules);
	ok(KhibQemu::find($bad, $said),
	   "$way: a read error in the data (sector $sector) is reported, the image kept")
		or diag(join("\n", KhibQemu::grep_lines($bad, qr/^khib-(restore|writer): /)));
	ok(KhibQemu::find($bad, $stopped) && !$bad->{timed_out},
	   "$way: the machine does not boot normally");
	ok(!KhibQemu::find($bad, qr/^KHIB-(RESUMED|NORMAL-BOOT)/),
	   "$way: nothing was resumed and no normal boot ran");
	like(KhibQemu::inspect(%o), qr/valid image/, "$way: the image is still valid");

	my $again = KhibQemu::boot(%o, append => "khib.test=cycle:1:10 $append");
	ok(KhibQemu::find($again, qr/^KHIB-RESUMED 1$/),
	   "$way: once the device reads again, the image is resumed");
	like((KhibQemu::find($again, qr/^KHIB-VERIFY 1 (.*)/) // [])->[2] // '',
	     qr/files=ok anon=ok process=ok/, "$way: and every byte and the process survived");
}

# The device takes reads but fails the write of the superblock that marks
# the image used, just before the jump: not resumed (it could be resumed
# twice), but kept, and the boot stops.
KhibQemu::create_disk(%o, disk_mib => 1536);
my $b = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10');
ok(KhibQemu::find($b, qr/^khib-writer: image safe on \S+; powering off$/),
   'mark: an image is written');
open my $fh, '>', $rules or die "cannot write $rules: $!\n";
print $fh qq([inject-error]\nevent = "write_aio"\nerrno = "5"\nsector = "0"\n);
close $fh;
my $nomark = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10', blkdebug => $rules);
ok(KhibQemu::find($nomark, qr/^khib-restore: cannot mark the image on \/dev\/vda as used \(Input\/output error\), so it is not resumed now; it is intact and kept; the boot stops here/),
   'mark: the write of the mark fails; the image is not resumed, and kept')
	or diag(join("\n", KhibQemu::grep_lines($nomark, qr/^khib-restore: /)));
ok(KhibQemu::find($nomark, qr/^KHIB-BOOT-STOPPED 3$/) &&
   !KhibQemu::find($nomark, qr/^(KHIB-RESUMED|KHIB-NORMAL-BOOT|khib: normal boot)/),
   'mark: the boot stops; nothing resumed');
like(KhibQemu::inspect(%o), qr/valid image/, 'mark: the image is still valid');
my $marked = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10');
like((KhibQemu::find($marked, qr/^KHIB-VERIFY 1 (.*)/) // [])->[2] // '',
     qr/files=ok anon=ok process=ok/, 'mark: once the device writes again, the image is resumed, every byte verified');
done_testing();
