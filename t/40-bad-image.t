#!/usr/bin/perl
# A damaged image and an image from a machine with another memory size are
# refused before any memory is replaced, discarded, and the machine boots
# normally.  A damaged image on a device that cannot be written cannot be
# discarded: then the boot stops (a normal boot would leave it behind).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my %o = (KhibQemu::defaults(),
	 disk => "$KhibQemu::BUILD/t-bad-disk.img",
	 log => "$KhibQemu::BUILD/t-bad.log");
KhibQemu::open_log(\%o);
KhibQemu::create_disk(%o);

sub hibernated {
	my ($b, $what) = @_;
	ok(KhibQemu::find($b, qr/^khib-writer: wrote \d+ pages/) &&
	   KhibQemu::inspect(%o) =~ /valid image/, "$what: an image was written");
}

# Flip one byte in the middle of the data stream.
sub damage {
	my ($v) = `$KhibQemu::BUILD/bin/khib-inspect -v $o{disk}` =~
		/data at (\d+) \((\d+) bytes\)/ ? ([$1, $2]) : ();
	return 0 unless $v;
	open my $fh, '+<', $o{disk} or die;
	binmode $fh;
	my $at = $v->[0] + int($v->[1] / 2);
	seek $fh, $at, 0;
	read $fh, my $byte, 1;
	seek $fh, $at, 0;
	print $fh chr(ord($byte) ^ 0x40);
	close $fh;
	return 1;
}

my $b1 = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10');
hibernated($b1, 'first boot');

# The header page damaged, the device read-only.
my ($header) = `$KhibQemu::BUILD/bin/khib-inspect -v $o{disk}` =~ /header at (\d+)/;
ok(defined $header, 'the header page is found');
KhibQemu::flip_byte($o{disk}, $header + 100, 0x01);
my $hash = KhibQemu::disk_hash($o{disk});
my $ro = KhibQemu::boot(%o, append => 'khib.test=report', disk_readonly => 1);
ok(KhibQemu::find($ro, qr/^khib-restore: refusing the image on \/dev\/vda \(.*header page checksum mismatch.*\), but it cannot be discarded: .*; the boot stops here/),
   'read-only: the damaged image cannot be discarded, and the boot stops, saying both')
	or diag(join("\n", KhibQemu::grep_lines($ro, qr/^khib-restore: /)));
ok(KhibQemu::find($ro, qr/^KHIB-BOOT-STOPPED 3$/) && !KhibQemu::find($ro, qr/^KHIB-NORMAL-BOOT$/),
   'read-only: no normal boot');
is(KhibQemu::disk_hash($o{disk}), $hash, 'read-only: the disk is unchanged');
KhibQemu::flip_byte($o{disk}, $header + 100, 0x01);
like(KhibQemu::inspect(%o), qr/valid image/, 'the header put back, the image is valid again');
ok(damage(), 'one byte of the image data flipped');

my $b2 = KhibQemu::boot(%o, append => 'khib.test=report');
my $refusal = KhibQemu::find($b2, qr/^khib-restore: refusing the image on \/dev\/vda: (.*)$/);
like($refusal->[2] // '', qr/checksum mismatch|damaged|zstd|Corrupted/i,
     'the damaged image is refused, naming the cause');
like($refusal->[2] // '', qr/image discarded, booting normally$/,
     'it is discarded and the boot goes on');
ok(!KhibQemu::find($b2, qr/jumping into it/), 'nothing was restored');
ok(KhibQemu::find($b2, qr/^KHIB-NORMAL-BOOT$/), 'the machine boots normally');

my $b3 = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10');
ok(KhibQemu::find($b3, qr/^khib-restore: \/dev\/vda: image is discarded; booting normally$/),
   'the next boot does not try the discarded image again');
hibernated($b3, 'third boot');

my $b4 = KhibQemu::boot(%o, mem => 1280, append => 'khib.test=report');
like(KhibQemu::find($b4, qr/^khib-restore: refusing the image on \/dev\/vda: (.*)$/)->[2] // '',
     qr/the kernel refused the image header: the image was made by another kernel or on a machine with a different memory map/,
     'an image from a machine with another memory size is refused');
ok(KhibQemu::find($b4, qr/Image mismatch/), 'the kernel says why');
ok(KhibQemu::find($b4, qr/^KHIB-NORMAL-BOOT$/), 'and the machine boots normally');
done_testing();
