#!/usr/bin/perl
# A valid image is kept for reasons that say nothing about it, and no
# image is ever resumed after a normal boot went past it:
# - a kernel that will not resume (nohibernate: /dev/snapshot refuses
#   with EPERM) stops the boot with the image kept, and the next boot
#   resumes it, every byte verified;
# - an image of another format major (a package upgrade between
#   hibernation and resume) stops the boot with the image kept;
# - the target's device name moved (another disk, with ext4, is now
#   /dev/vda): the boot finds the image on /dev/vdb and stops; leaving the
#   stop's shell stops again; "khib-restore --discard /dev/vdb" in it lets
#   the boot go on; that boot writes to the ext4 disk; named right again,
#   the next boot finds the image discarded and does not resume it; the
#   host's e2fsck finds the ext4 file system clean with the file written.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my $build = $KhibQemu::BUILD;
# The ext4 disk is there in every boot: the firmware's memory map (and so
# whether the kernel takes an image) changes with the number of disks.
my $ext4 = "$build/t-stale-ext4.img";
my %o = (KhibQemu::defaults(),
	 disk => "$build/t-stale-disk.img",
	 extra_disks => [$ext4],
	 log => "$build/t-stale.log");
KhibQemu::open_log(\%o);
KhibQemu::create_disk(%o, disk_mib => 1536);
KhibQemu::create_ext4($ext4, 64);
my $stop = qr/^KHIB-BOOT-STOPPED 3$/;
my $normal = qr/^khib: normal boot$/;

my $b1 = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10');
ok(KhibQemu::find($b1, qr/^khib-writer: wrote \d+ pages/), 'an image is written');
like(KhibQemu::inspect(%o), qr/valid image/, 'and is valid after the power-off');
my $copy = "$build/t-stale-copy.img";
system('cp', '--sparse=always', $o{disk}, $copy) == 0 or die "cp: $?";

# nohibernate: the kernel will not take any image.
my $b2 = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10 nohibernate');
ok(KhibQemu::find($b2, qr/^khib-restore: this kernel does not resume from hibernation images \(\/dev\/snapshot: Operation not permitted\): hibernation is off \(nohibernate on the command line, or kernel lockdown\); the boot stops here/),
   'nohibernate: khib-restore names the real cause')
	or diag(join("\n", KhibQemu::grep_lines($b2, qr/khib-restore/)));
ok(KhibQemu::find($b2, $stop) && !KhibQemu::find($b2, $normal), 'and stops the boot');
like(KhibQemu::inspect(%o), qr/valid image/, 'the image is kept');

# Another format major: as if the tools were upgraded in between.
sub set_major {
	my ($disk, $major) = @_;
	open my $fh, '+<', $disk or die "$disk: $!\n";
	sysseek($fh, 8, 0);
	syswrite($fh, pack('v', $major)) == 2 or die "write $disk: $!\n";
	close $fh;
}
my $major = do {
	open my $fh, '<', $o{disk} or die "$o{disk}: $!\n";
	sysseek($fh, 8, 0);
	sysread($fh, my $v, 2) == 2 or die "read $o{disk}: $!\n";
	unpack('v', $v);
};
set_major($o{disk}, $major - 1);
my $b3 = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10');
my $older = $major - 1;
ok(KhibQemu::find($b3, qr/^khib-restore: \/dev\/vda: image of format $older\.0, which this khib \(format $major\) does not read; it says it is valid; boot the kernel and initramfs it was written with to resume it; the boot stops here/),
   'another format major: khib-restore says so')
	or diag(join("\n", KhibQemu::grep_lines($b3, qr/khib-restore/)));
ok(KhibQemu::find($b3, $stop) && !KhibQemu::find($b3, $normal), 'and stops the boot');
set_major($o{disk}, $major);
like(KhibQemu::inspect(%o), qr/valid image/, 'the image was kept: put back, it is valid');

my $b4 = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10');
ok(KhibQemu::find($b4, qr/^KHIB-RESUMED 1$/), 'the next boot resumes it');
like(KhibQemu::find($b4, qr/^KHIB-VERIFY 1 (.*)/)->[2] // '',
     qr/files=ok anon=ok process=ok/, 'every byte and the process survived');

# The target's name moved: the ext4 disk is /dev/vda, the image /dev/vdb.
my %moved = (%o, disk => $ext4, extra_disks => [$copy]);
my $b5 = KhibQemu::boot(%moved, append => 'khib.test=writefs:/dev/vda khib.stopshell=1',
			answers => [[qr/^KHIB-STOP-SHELL$/, "exit\n"],
				    [qr/^KHIB-STOP-SHELL$/, "khib-restore --discard /dev/vdb; exit\n"]]);
ok(KhibQemu::find($b5, qr/^khib-restore: \/dev\/vda: no hibernation image; but \/dev\/vdb holds a valid image of \d+ pages \(Linux [^)]+\): the image target's device name may have changed/),
   'moved name: the boot finds the valid image on the other disk')
	or diag(join("\n", KhibQemu::grep_lines($b5, qr/khib/)));
is(scalar(KhibQemu::grep_lines($b5, qr/^KHIB-STOP-SHELL$/)), 2,
   'and stops; leaving the shell stops again');
ok(KhibQemu::find($b5, qr/^khib-restore: the image on \/dev\/vdb is discarded$/),
   'khib-restore --discard in the shell discards the image');
ok(KhibQemu::find($b5, $normal) && KhibQemu::find($b5, qr/^KHIB-FS-WRITTEN \/dev\/vda$/),
   'then the boot goes on, and writes to the ext4 file system');
ok(KhibQemu::find($b5, qr/^khib-restore: \/dev\/vda cannot be the image target: it holds an ext2\/3\/4 file system/),
   'khib-load will not take the ext4 disk that now has the target\'s name');

my %right = (%o, disk => $copy, extra_disks => [$ext4]);
my $b6 = KhibQemu::boot(%right, append => 'khib.test=report khib.load=0');
ok(KhibQemu::find($b6, qr/^khib-restore: \/dev\/vda: image is discarded; booting normally$/) &&
   !KhibQemu::find($b6, qr/resuming Linux/),
   'named right again, the image is not resumed after the normal boot');
ok(KhibQemu::find($b6, qr/^KHIB-NORMAL-BOOT$/), 'the boot is a normal one');
is(system("e2fsck -fn $ext4 >/dev/null 2>&1"), 0, 'host e2fsck -fn: the ext4 file system is clean');
like(`debugfs -R 'cat /after-normal-boot' $ext4 2>/dev/null`, qr/^written by a normal boot$/,
     'and holds what the normal boot wrote');
done_testing();
