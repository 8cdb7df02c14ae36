#!/usr/bin/perl
# The machine users own, not the reference guest (KhibQemu "real"): q35
# with UEFI (OVMF, the kernel entered through its EFI stub), 4 vCPUs as 2
# cores of 2 SMT threads booted with "nosmt", a CPU with LA57 (5-level
# paging), an Intel vIOMMU, the image target on NVMe and a second disk on
# SATA, 2 GiB.  One cycle at 60 % through /dev/snapshot, every byte
# checked; SMT must stay off and the online CPUs the same before the
# hibernate kernel is loaded, once it is parked, after the resume, once
# it is parked again, and after a hibernation the hibernate kernel refused.
# Before that, khib-load must refuse to lend less memory than the
# hibernate kernel needs on this machine.
# The same at 90 % of 4 GiB, restored in place, is "make cycle-real".
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my $sata = "$KhibQemu::BUILD/t-real-sata.img";
KhibQemu::create_ext4($sata, 16);

my $res = KhibQemu::run_cycles(
	machine => 'real',
	cpus => 4,
	mem => 2048,
	cycles => 1,
	fill => 60,
	scenario => 'lend',
	extra_append => 'nosmt',
	extra_disks => [$sata],
	log => "$KhibQemu::BUILD/t-real.log",
	disk => "$KhibQemu::BUILD/t-real-disk.img",
	report => sub {
		my ($i, $c) = @_;
		diag(sprintf("cycle %d: hibernate %.1f s, resume %.1f s, image %d MiB, %d MiB on disk",
			     $i, $c->{hibernate_seconds}, $c->{resume_seconds},
			     $c->{image_mib}, $c->{stored_mib}));
	},
);

my $first = $res->{first_boot};
ok($first, 'the first boot ran') or BAIL_OUT("no boot: $res->{error}");
my $machine = KhibQemu::find($first, qr/^khib: machine: (.*)$/);
my $facts = $machine ? $machine->[2] : '';
like($facts, qr/^firmware UEFI, /, 'the main kernel booted through UEFI');
like($facts, qr/, 5-level paging, /, 'it runs with 5-level paging');
like($facts, qr/, [1-9]\d* IOMMU\(s\), /, 'the vIOMMU is in use');
like($facts, qr/disks .*\bnvme0n1\b/, 'the image target is an NVMe disk');
like($facts, qr/disks .*\bsda\b/, 'the SATA disk is there too');

# SMT off and CPUs 0,2 online throughout, as "nosmt" set it.
my $want = 'SMT off, CPUs 0,2 online';
my $before = KhibQemu::find($first, qr/^khib: before loading: (.*)$/);
is($before && $before->[2], $want, 'booted with nosmt: SMT off, one thread per core');
my $parked = KhibQemu::find($first, qr/^khib: parked: (.*)$/);
is($parked && $parked->[2], $want, 'parking the hibernate kernel left SMT and the CPUs as they were');

my $refused = KhibQemu::find($first, qr/^KHIB-LEND-REFUSED (.*)$/);
like($refused ? $refused->[2] : '',
     qr/the hibernate kernel needs (\d+) MiB on \d+ CPUs and 16 MiB are to be lent; lend at least \1/,
     'khib-load refuses to lend less than the hibernate kernel needs, and names the figure');
ok(KhibQemu::find($first, qr/^KHIB-LEND-LOADED 0$/), 'and leaves nothing loaded');
my $failed = KhibQemu::find($first, qr/^KHIB-ATTEMPT-FAILED 1: /) &&
	     KhibQemu::find($first, qr/PM: hibernation: kexec: the hibernate kernel failed: image of \d+ MiB too big to resume/);
ok($failed, 'a hibernation the hibernate kernel refuses fails, the system running on')
	or diag(join("\n", KhibQemu::grep_lines($first, qr/KHIB-ATTEMPT|khib-hibernate/)));
my $after_failure = KhibQemu::find($first, qr/^KHIB-CPUS-AFTER-FAILURE 1 (.*)$/);
is($after_failure && $after_failure->[2], $want, 'after the failed attempt SMT is still off, the same CPUs online');
my $threads = KhibQemu::find($first, qr/^khib-writer: (\d+) of (\d+) encoder threads fit in (\d+) MiB available/);
ok($threads && $threads->[2] >= 1, 'the writer planned its threads from the memory it has')
	or diag($threads ? $threads->[1] : 'no plan line');
ok($threads && $threads->[2] == $threads->[3],
   'the memory khib-load lent holds every encoder the writer wants')
	or diag($threads ? $threads->[1] : 'no plan line');

is(scalar @{ $res->{cycles} }, 1, 'one image was written');
my $c = $res->{cycles}[0] // {};
ok($c->{ok}, 'files, anonymous memory and the counting process survived')
	or diag($c->{verify} // $res->{error});
like($c->{inspect} // '', qr/valid image of \d+ pages/,
     'khib-inspect found a valid image on the NVMe target after the power-off');
ok($c->{writer_powered_off}, 'once the image was safe the hibernate kernel powered off');
my $resumed = $res->{boots}[1] && KhibQemu::find($res->{boots}[1], qr/^khib-hibernate: resumed with (.*)$/);
is($resumed && $resumed->[2], $want, 'after the resume SMT is still off, the same CPUs online');
my $end = $res->{boots}[1] && KhibQemu::find($res->{boots}[1], qr/^KHIB-CPUS-END (.*)$/);
is($end && $end->[2], $want, 'and still so once the hibernate kernel is parked again');
ok($res->{ok}, 'the cycle passed') or diag($res->{error});
done_testing();
