#!/usr/bin/perl
# No path leaves a valid image behind a normal boot, and nothing but a
# hibernation in progress makes the hibernate kernel write:
# - a valid image on a device that cannot be written (so it can be
#   neither marked used nor discarded) stops the boot, and the image
#   survives to be resumed once the device is writable again;
# - a resume device that does not appear stops the boot too, instead of
#   being taken for "no image";
# - khib-load, run after a boot that went past a valid image, discards it
#   (resuming it would destroy the file systems mounted since);
# - entering the parked hibernate kernel with no hibernation in progress
#   (kexec -e), even right after a failed attempt, writes nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my %o = (KhibQemu::defaults(),
	 disk => "$KhibQemu::BUILD/t-lost-disk.img",
	 extra_disks => ["$KhibQemu::BUILD/t-lost-small.img"],
	 log => "$KhibQemu::BUILD/t-lost.log");
KhibQemu::open_log(\%o);
KhibQemu::create_disk(%o, disk_mib => 1536);
KhibQemu::create_disk(%o, disk => $o{extra_disks}[0], disk_mib => 8);
my $stop = qr/^KHIB-BOOT-STOPPED 3$/;
my $normal = qr/^khib: normal boot$/;

my $b1 = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10');
ok(KhibQemu::find($b1, qr/^khib-writer: wrote \d+ pages/), 'an image is written');
like(KhibQemu::inspect(%o), qr/valid image/, 'and is valid after the power-off');
my $valid_copy = "$KhibQemu::BUILD/t-lost-valid.img";
system('cp', '--sparse=always', $o{disk}, $valid_copy) == 0 or die "cp: $?";

my $b2 = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10', disk_readonly => 1);
ok(KhibQemu::find($b2, qr/^khib-restore: the image on \/dev\/vda is valid but cannot be resumed: \/dev\/vda is read-only, so the image could not be marked used; the boot stops here/),
   'read-only device: khib-restore says the valid image can be neither used nor discarded')
	or diag(join("\n", KhibQemu::grep_lines($b2, qr/khib/)));
ok(KhibQemu::find($b2, $stop) && !KhibQemu::find($b2, $normal),
   'and the boot stops instead of going on');
like(KhibQemu::inspect(%o), qr/valid image/, 'the image is still there, untouched');

my $b3 = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10 khib.resume=/dev/vdz khib.resumewait=2');
ok(KhibQemu::find($b3, qr/^khib-restore: the resume device \/dev\/vdz did not appear within 2 s, so whether it holds an image is unknown/),
   'a resume device that does not appear is not taken for "no image"');
ok(KhibQemu::find($b3, $stop) && !KhibQemu::find($b3, $normal), 'and the boot stops');

my $b4 = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10');
ok(KhibQemu::find($b4, qr/^KHIB-RESUMED 1$/),
   'writable again, the next boot resumes the image: nothing was lost');
like(KhibQemu::find($b4, qr/^KHIB-VERIFY 1 (.*)/)->[2] // '',
     qr/files=ok anon=ok process=ok/, 'every byte and the process survived');
my $restored = KhibQemu::inspect(%o);
like($restored, qr/restored already/, 'the image is marked used');

# A valid image a normal boot went past is stale and discarded, and
# entries with no hibernation in progress write nothing.
# The copy's magic is spoilt until the guest puts it back: as if the disk
# with the image had been plugged in after the boot (the boot would
# otherwise find it and stop, t/63-stale-images.t).
open my $fh, '+<', $valid_copy or die "$valid_copy: $!\n";
syswrite($fh, 'X') == 1 or die "write $valid_copy: $!\n";
close $fh;
my %s = (%o, extra_disks => [$o{extra_disks}[0], $valid_copy]);
my $b5 = KhibQemu::boot(%s, append => 'khib.test=stray khib.load=0');
ok(KhibQemu::find($b5, qr/^khib-restore: the image on \/dev\/vdc is discarded; this system booted normally past it, so it can never be resumed safely$/) &&
   KhibQemu::find($b5, qr/^KHIB-STALE-DISCARDED gone$/),
   'khib-load discards a valid image this boot went past, saying why, before it arms its target');
like(KhibQemu::find($b5, qr/^KHIB-ATTEMPT-FAILED 1: (.*)/)->[2] // '',
     qr/Cannot allocate memory/, 'a hibernation the hibernate kernel refuses fails');
is(scalar(KhibQemu::grep_lines($b5, qr/^KHIB-STRAY-BACK \d$/)), 2,
   'after it, two kexec -e enter the parked hibernate kernel and come back');
is(scalar(KhibQemu::grep_lines($b5, qr/^khib-writer: entered again/)), 3,
   'entering it each time (the failed attempt and two kexec -e)');
is(scalar(KhibQemu::grep_lines($b5, qr/^khib-writer: no hibernation pending/)), 5,
   'and it saw no request each time (three parks, two stray entries)');
ok(!KhibQemu::find($b5, qr/^khib-writer: saving .* to \/dev\/vda/), 'it wrote nothing to /dev/vda');
ok(KhibQemu::find($b5, qr/^KHIB-DONE$/), 'the scenario completed');
is(KhibQemu::inspect(%o), $restored, 'the image target is as it was');
like(KhibQemu::inspect(%o, disk => $valid_copy), qr/discarded/,
     'and the stale image is discarded');
done_testing();
