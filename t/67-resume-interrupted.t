#!/usr/bin/perl
# A resume interrupted inside the guest, for reasons that say nothing
# about the image: it must be kept valid, and the boot must stop before
# anything is mounted.
# 1. Freezing user space fails: the image is loaded into the kernel
#    through /dev/snapshot, then SNAPSHOT_FREEZE finds a process it cannot
#    freeze, one stuck in a read of a disk (QEMU's blkdebug holds the
#    read, as a dying disk or a hung NFS server would).  Once the disk
#    answers, leaving the stop's shell runs khib-restore again, which
#    resumes the image; every byte checks out.
# 2. khib-restore is killed (SIGKILL, as the OOM killer would) while it
#    loads the image: the boot stops, the image stays valid, and the next
#    boot resumes it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my $build = $KhibQemu::BUILD;
my $busy_disk = "$build/t-freeze-busy.img";
my %o = (KhibQemu::defaults(),
	 disk => "$build/t-freeze-disk.img",
	 log => "$build/t-freeze.log",
	 monitor => "$build/t-freeze.monitor",
	 # The same disks at every boot: SeaBIOS's memory map depends on them.
	 qemu_args => ['-drive', "file=blkdebug::$busy_disk,if=virtio,format=raw,cache=unsafe,id=busy"]);
KhibQemu::open_log(\%o);
KhibQemu::create_disk(%o, disk_mib => 1536);
KhibQemu::create_disk(%o, disk => $busy_disk, disk_mib => 16);

my $first = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10');
ok(KhibQemu::find($first, qr/^khib-writer: image safe on \S+; powering off$/),
   'an image is written');

my @monitor;
my $stuck = KhibQemu::boot(
	%o,
	append => 'khib.test=cycle:1:10 khib.stopshell=1 rdinit=/sbin/khib-test -- busy /dev/vdb',
	answers => [
		[qr/^KHIB-BUSY-READY/, sub {
			push @monitor, KhibQemu::monitor_command(\%o, 'qemu-io busy "break read_aio held"');
			return "go\n";
		}],
		[qr/^KHIB-STOP-SHELL$/, sub {
			push @monitor, KhibQemu::monitor_command(\%o, 'qemu-io busy "resume held"');
			return "exit\n";
		}],
	]);
ok(KhibQemu::find($stuck, qr/^KHIB-BUSY-READING \/dev\/vdb \(go\)$/),
   'a process is stuck in a read the host holds');
ok(KhibQemu::find($stuck, qr/^khib-restore: resuming Linux \S+ from \/dev\/vda: \d+ pages/),
   'khib-restore loads the image');
ok(KhibQemu::find($stuck, qr/^khib-restore: cannot freeze user space: Device or resource busy; the image on \/dev\/vda is intact and kept; the boot stops here/),
   'the freeze fails; the image is kept and the boot stops, naming the cause')
	or diag(join("\n", KhibQemu::grep_lines($stuck, qr/^khib-restore: |Freezing|freeze/)));
my $stop = KhibQemu::find($stuck, qr/^KHIB-STOP-SHELL$/);
my $normal = KhibQemu::find($stuck, qr/^khib: normal boot$/);
ok($stop && !$normal, 'no normal boot: the stop offers a shell')
	or diag('normal boot at ' . ($normal ? $normal->[0] : '-'));
like(join('', @monitor), qr/resume/, 'the host released the held read')
	or diag(join('', @monitor));
ok(KhibQemu::find($stuck, qr/^KHIB-RESUMED 1$/),
   'leaving the shell, khib-restore runs again and resumes the image');
ok(KhibQemu::find($stuck, qr/^KHIB-VERIFY 1 files=ok anon=ok process=ok/),
   'every file and anonymous page checks out')
	or diag(join("\n", KhibQemu::grep_lines($stuck, qr/^KHIB-/)));
ok(!$stuck->{timed_out}, 'the guest powered off by itself');
like(KhibQemu::inspect(%o), qr/restored/, 'the image is marked used');

my $again = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10');
ok(KhibQemu::find($again, qr/^khib-writer: image safe on \S+; powering off$/),
   'another image is written');
my $killed = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10 rdinit=/sbin/khib-test -- kill-restore');
ok(KhibQemu::find($killed, qr/^KHIB-KILLED khib-restore \d+$/) &&
   KhibQemu::find($killed, qr/^khib: khib-restore ended with status 137; the boot stops here/),
   'khib-restore killed while it loads the image: the boot stops')
	or diag(join("\n", KhibQemu::grep_lines($killed, qr/^(khib|KHIB)/)));
ok(KhibQemu::find($killed, qr/^KHIB-BOOT-STOPPED 137$/) &&
   !KhibQemu::find($killed, qr/^(khib: normal boot|KHIB-RESUMED)/),
   'killed: nothing resumed, no normal boot');
like(KhibQemu::inspect(%o), qr/valid image/, 'killed: the image is still valid');
my $after = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10');
ok(KhibQemu::find($after, qr/^KHIB-RESUMED 1$/) &&
   KhibQemu::find($after, qr/^KHIB-VERIFY 1 files=ok anon=ok process=ok/),
   'the next boot resumes it; every byte checks out');
done_testing();
