#!/usr/bin/perl
# The hibernate kernel writes only to the device khib-load chose, whatever
# name that device has in the hibernate kernel: told the wrong name it
# finds the target by its identity (the target UUID of its superblock);
# if two devices hold that UUID (a copy of the disk), or the target
# changed after khib-load, it writes nothing anywhere.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my %o = (KhibQemu::defaults(),
	 disk => "$KhibQemu::BUILD/t-target-disk.img",
	 extra_disks => ["$KhibQemu::BUILD/t-target-other.img"],
	 log => "$KhibQemu::BUILD/t-target.log");
KhibQemu::open_log(\%o);
KhibQemu::create_disk(%o, disk_mib => 1536);
KhibQemu::create_disk(%o, disk => $o{extra_disks}[0], disk_mib => 640);
# The other disk holds data of its own.
{
	open my $fh, '+<', $o{extra_disks}[0] or die;
	print $fh map { chr(($_ * 7 + 3) % 256) } 0 .. 65535;
	close $fh;
}
sub other_hash { KhibQemu::disk_hash($o{extra_disks}[0]) }
my $other = other_hash();

my $b1 = KhibQemu::boot(%o, append => 'khib.test=renamed:10 khib.load=0');
ok(KhibQemu::find($b1, qr/^khib-writer: \/dev\/vdb is not the image target khib-load chose, \/dev\/vda is; writing there$/),
   'told /dev/vdb, the hibernate kernel finds the target by its identity')
	or diag(join("\n", KhibQemu::grep_lines($b1, qr/khib-(writer|load)/)));
ok(KhibQemu::find($b1, qr/^khib-writer: wrote \d+ pages .* to \/dev\/vda/), 'and writes the image there');
is(other_hash(), $other, 'the other disk is untouched');
like(KhibQemu::inspect(%o), qr/valid image/, 'the target holds a valid image');

my $b2 = KhibQemu::boot(%o, append => 'khib.test=renamed:10 khib.load=0');
like(KhibQemu::find($b2, qr/^KHIB-VERIFY 1 (.*)/)->[2] // '',
     qr/files=ok anon=ok process=ok/, 'it resumes, every byte verified');

# A copy of the target beside it: two devices hold its UUID.
my $dup = "$KhibQemu::BUILD/t-target-dup.img";
system('cp', '--sparse=always', $o{disk}, $dup) == 0 or die "cp: $?\n";
my ($target_hash, $dup_hash) = (KhibQemu::disk_hash($o{disk}), KhibQemu::disk_hash($dup));
my $b4 = KhibQemu::boot(%o, extra_disks => [$dup], append => 'khib.test=ioerror khib.load=0');
like(KhibQemu::find($b4, qr/^KHIB-ATTEMPT-FAILED 1: (.*)/)->[2] // '',
     qr/No such device/, 'two devices with the target UUID: the hibernation fails (ENODEV)');
ok(KhibQemu::find($b4, qr/^KHIB-DMESG 1 .*2 devices have target UUID [0-9a-f]{32}; nothing written/),
   'and the kernel log says why');
ok(KhibQemu::find($b4, qr/^KHIB-DONE$/), 'the system keeps running to the end of the scenario');
is(KhibQemu::disk_hash($o{disk}), $target_hash, 'the target is byte for byte as it was');
is(KhibQemu::disk_hash($dup), $dup_hash, 'and so is its copy');
unlink $dup;

# All of the target but its first block, which the guest changes.
sub past_first_block {
	return KhibQemu::disk_hash($o{disk}, 4096);
}
my $target_before = past_first_block();
my $b3 = KhibQemu::boot(%o, append => 'khib.test=changed khib.load=0');
like(KhibQemu::find($b3, qr/^KHIB-ATTEMPT-FAILED 1: (.*)/)->[2] // '',
     qr/No such device/, 'a target changed after khib-load: the hibernation fails (ENODEV)');
ok(KhibQemu::find($b3, qr/^KHIB-DMESG 1 .*no device has target UUID [0-9a-f]{32} \(\/dev\/vda changed or gone since khib-load\); nothing written/),
   'and the kernel log says why');
ok(KhibQemu::find($b3, qr/^KHIB-STILL-RUNNING 1 /), 'the system keeps running');
ok(KhibQemu::find($b3, qr/^KHIB-DONE$/), 'the scenario ran to its end');
is(past_first_block(), $target_before,
   'nothing was written to the changed target: all but the block the guest changed is as it was');
is(other_hash(), $other, 'the other disk is still untouched');
done_testing();
