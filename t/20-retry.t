#!/usr/bin/perl
# A hibernation that fails in the hibernate kernel leaves the system
# running and returns the error; a second attempt in the same boot enters
# the parked hibernate kernel again; after reloading it with the right
# target, hibernation and resume work.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my %o = (KhibQemu::defaults(),
	 disk => "$KhibQemu::BUILD/t-retry-disk.img",
	 extra_disks => ["$KhibQemu::BUILD/t-retry-small.img"],
	 log => "$KhibQemu::BUILD/t-retry.log");
KhibQemu::open_log(\%o);
KhibQemu::create_disk(%o);
KhibQemu::create_disk(%o, disk => $o{extra_disks}[0], disk_mib => 8);

my $b1 = KhibQemu::boot(%o, append => 'khib.test=retry:10');
ok(!KhibQemu::find($b1, qr/^KHIB-FAIL/), 'no step of the scenario failed')
	or diag(KhibQemu::find($b1, qr/^(KHIB-FAIL.*)/)->[1]);
like(KhibQemu::find($b1, qr/^KHIB-SMALL-REFUSED (.*)/)->[2] // '',
     qr{/dev/vdb cannot be the image target: it holds 8 MiB, and an image of this machine's memory may need \d+ MiB},
     'khib-load refuses an 8 MiB target, naming both sizes');
like(KhibQemu::find($b1, qr/^KHIB-ATTEMPT-FAILED 1: (.*)/)->[2] // '',
     qr/No such device/,
     'hibernating to a target whose superblock was zeroed after loading fails with ENODEV');
ok(KhibQemu::find($b1, qr/^KHIB-DMESG 1 .*the hibernate kernel failed: no device has target UUID [0-9a-f]{32} \(\/dev\/vda changed or gone since khib-load\); nothing written/),
   'the kernel log names the cause the hibernate kernel reported');
ok(KhibQemu::find($b1, qr/^KHIB-STILL-RUNNING 1 /),
   'the system and the counting process keep running');
my $cpus_before = KhibQemu::find($b1, qr/^khib: before loading: (.*)$/);
my $cpus_after = KhibQemu::find($b1, qr/^KHIB-CPUS-AFTER-FAILURE 1 (.*)$/);
ok($cpus_before && $cpus_after && $cpus_after->[2] eq $cpus_before->[2],
   'after the failed attempt SMT control and the online CPUs are as at boot')
	or diag(($cpus_before ? $cpus_before->[2] : 'no boot line') . ' / ' .
		($cpus_after ? $cpus_after->[2] : 'no line after the failure'));
my $last = KhibQemu::find($b1, qr/^KHIB-LAST 1 status=(\w+) image_pages=(\d+) bytes_written=\d+ write_ms=\d+$/);
ok($last && $last->[2] eq 'failed' && $last->[3] > 0,
   '/sys/power/kexec_last/ shows the failure and the size of the image not written')
	or diag($last ? $last->[1] : 'no KHIB-LAST line');
ok(KhibQemu::find($b1, qr/^khib-park: hibernate kernel booted and parked/),
   'khib-load boots the hibernate kernel ahead of time and parks it');
is(scalar(KhibQemu::grep_lines($b1, qr/^khib-writer: entered again/)), 3,
   'both attempts and the final hibernation enter a parked hibernate kernel, no boot on the way');
like(KhibQemu::find($b1, qr/^KHIB-ATTEMPT-FAILED 2: (.*)/)->[2] // '',
     qr/No such device/, 'and fails the same way');
ok(KhibQemu::find($b1, qr/^KHIB-STILL-RUNNING 2 /),
   'the system keeps running after the second failure');
ok(KhibQemu::find($b1, qr/^khib-writer: wrote \d+ pages .* to \/dev\/vda/),
   'the superblock put back, the hibernate kernel writes the image');
ok(!$b1->{timed_out} && ($b1->{exit} >> 8) == 0, 'and the machine powers off');
ok(KhibQemu::find($b1, qr/reboot: Power down/) &&
   !KhibQemu::find($b1, qr/^khib-writer: image safe on .*; powering off/),
   'cleanly: after three entries of parked hibernate kernels the main kernel got back (khib-load -j) and powered off');

my $b2 = KhibQemu::boot(%o, append => 'khib.test=retry:10');
ok(KhibQemu::find($b2, qr/^KHIB-RESUMED 1$/), 'the next boot resumes the image');
like(KhibQemu::find($b2, qr/^KHIB-VERIFY 1 (.*)/)->[2] // '',
     qr/files=ok anon=ok process=ok/, 'every byte and the process survived');
ok(KhibQemu::find($b2, qr/^KHIB-DONE$/), 'the scenario completed');
done_testing();
