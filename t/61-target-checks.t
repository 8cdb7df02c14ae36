#!/usr/bin/perl
# Nothing but a khib target is ever written.  One boot of the test guest
# with six disks (khib-test targets): khib-load refuses a mounted ext4
# file system, the same unmounted, an active and an inactive swap area, a
# whole disk with partitions, a blank partition mapped by device-mapper
# (it has a holder), a disk too small for an image of the machine, a disk
# of unknown data, and UUID= and LABEL= names; it takes a
# blank partition (made a target on first use) and, after
# "khib-load --format" was answered YES (and not after "no"), the unknown
# disk.  Every refused device is hashed before and after: unchanged; the
# ext4 file system is clean and still holds its file.  A khib-load killed
# while it holds its lock leaves the lock free.  khib-load -R (which
# replaces the running kernel) is refused outside khib-restore's boot.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my $build = $KhibQemu::BUILD;
my %o = (KhibQemu::defaults(),
	 mem => 512,
	 disk => "$build/t-targets-main.img",
	 log => "$build/t-targets.log");
my %disk = map { $_ => "$build/t-targets-$_.img" } qw(ext4 swap parted small unknown);
$o{extra_disks} = [@disk{qw(ext4 swap parted small unknown)}];
KhibQemu::open_log(\%o);
KhibQemu::create_disk(%o, disk_mib => 1024);
KhibQemu::create_disk(%o, disk => $disk{$_}, disk_mib => 1024)
	for qw(ext4 swap parted unknown);
KhibQemu::create_disk(%o, disk => $disk{small}, disk_mib => 8);

my $dir = "$build/t-targets-files";
system('rm', '-rf', $dir);
mkdir $dir or die "mkdir $dir: $!\n";
open my $fh, '>', "$dir/precious" or die "$dir/precious: $!\n";
print $fh "a user's file\n";
close $fh;
system("mkfs.ext4 -q -F -d $dir $disk{ext4} >/dev/null") == 0 or die "mkfs.ext4\n";
system("mkswap $disk{swap} >/dev/null 2>&1") == 0 or die "mkswap\n";
system("echo 'start=2048, size=1843200' | sfdisk -q $disk{parted} >/dev/null") == 0
	or die "sfdisk\n";
system("dd if=/dev/urandom of=$disk{unknown} bs=1M count=1 conv=notrunc status=none") == 0
	or die "dd\n";

my %before = map { $_ => KhibQemu::disk_hash($disk{$_}) } keys %disk;

my $boot = KhibQemu::boot(%o, append => 'khib.test=targets khib.load=0');
ok(!KhibQemu::find($boot, qr/^KHIB-FAIL/), 'no step of the scenario failed')
	or diag(KhibQemu::find($boot, qr/^(KHIB-FAIL.*)/)->[1]);
my %why = (
	mounted => qr{/dev/vdb is mounted},
	ext4 => qr{/dev/vdb cannot be the image target: it holds an ext2/3/4 file system, and khib overwrites its target from the first block on\. If /dev/vdb is really meant for khib, prepare it with "khib-load --format /dev/vdb"},
	'swap-active' => qr{/dev/vdc is in use as swap},
	swap => qr{/dev/vdc cannot be the image target: it holds a swap area},
	'whole-disk' => qr{/dev/vdd is a whole disk with partitions; name one partition},
	held => qr{/dev/vdd1 is held by another device \(LVM, RAID or dm-crypt: see /sys/dev/block/\d+:\d+/holders\)},
	small => qr{/dev/vde cannot be the image target: it holds 8 MiB, and an image of this machine's memory may need \d+ MiB},
	unknown => qr{/dev/vdf cannot be the image target: it holds data of a kind khib does not know},
	'unknown-after-no' => qr{/dev/vdf cannot be the image target: it holds data of a kind khib does not know},
	'by-uuid' => qr{UUID= and LABEL= name a file system, and a khib target holds none .*: name it by PARTUUID=, PARTLABEL= or a /dev/disk/by-id path\|khib-load: image target UUID=0123-4567 is not understood},
	'by-label' => qr{image target LABEL=khib is not understood},
);
for my $case (sort keys %why) {
	like(KhibQemu::find($boot, qr/^KHIB-TARGET-REFUSED \Q$case\E: (.*)/)->[2] // 'not refused',
	     $why{$case}, "refused: $case");
}
ok(KhibQemu::find($boot, qr/^khib-restore: \/dev\/vdd1 held nothing; it is now a khib image target \(UUID [0-9a-f]{32}\)$/) &&
   KhibQemu::find($boot, qr/^KHIB-TARGET-TAKEN vdd1 [0-9a-f]{32}$/),
   'a blank partition is made a khib target on first use, with a UUID');
ok(KhibQemu::find($boot, qr/^khib-load: warning: dm-crypt volumes are open \(dm-\d+\), and a hibernation image holds their keys in clear on \/dev\/vdd1: whoever reads it while the machine is off can read them \(docs\/security\.md\)$/),
   'with a dm-crypt volume open, khib-load warns that the image would hold its keys in clear');
ok(KhibQemu::find($boot, qr/^khib-load: \/dev\/vdf left as it was$/),
   'khib-load --format answered "no" leaves the device alone');
ok(KhibQemu::find($boot, qr/^khib-restore: \/dev\/vdf held data of a kind khib does not know; it is now a khib image target/) &&
   KhibQemu::find($boot, qr/^KHIB-TARGET-TAKEN vdf [0-9a-f]{32}$/),
   'answered YES, it makes the device a target, which khib-load then takes');
ok(KhibQemu::find($boot, qr/^KHIB-RESTORE-REFUSED khib-load: -R restores an image in place by replacing the running kernel at once; khib-restore runs it at boot/),
   'khib-load -R is refused on a running system: only khib-restore at boot runs it');
ok(KhibQemu::find($boot, qr/^KHIB-LOCK-FREE$/),
   'a khib-load killed while loading leaves its lock free (flock)');
ok(KhibQemu::find($boot, qr/^KHIB-DONE$/), 'the scenario completed');

for my $d (qw(ext4 swap small)) {
	is(KhibQemu::disk_hash($disk{$d}), $before{$d}, "the $d disk is byte for byte as it was");
}
my $parted = `sfdisk -d $disk{parted} 2>&1`;
like($parted, qr/start=\s*2048, size=\s*1843200/, 'the partitioned disk keeps its partition table');
is(system("e2fsck -fn $disk{ext4} >/dev/null 2>&1"), 0, 'host e2fsck -fn: the ext4 file system is clean');
like(`debugfs -R 'cat /precious' $disk{ext4} 2>/dev/null`, qr/^a user's file$/,
     'and still holds its file');
like(KhibQemu::inspect(%o, disk => $disk{unknown}), qr/empty khib target|no hibernation image/,
     'the formatted disk is an empty khib target');
done_testing();
