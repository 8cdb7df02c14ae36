#!/usr/bin/perl
# A damaged image and an image from a machine with another memory size are
# refused before any memory is replaced, discarded, and the machine boots
# normally.
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
