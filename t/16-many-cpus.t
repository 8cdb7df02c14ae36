#!/usr/bin/perl
# Eight vCPUs (the reference guest otherwise): the hibernate kernel brings
# up only the CPUs khib-load lends it memory for, the writer starts only
# the encoders that memory holds, and a cycle at 60 % passes with every
# byte checked.  Before, four or more CPUs ran the hibernate kernel out of
# memory and it panicked mid-write, losing the session.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my $res = KhibQemu::run_cycles(
	cpus => 8,
	cycles => 1,
	fill => 60,
	log => "$KhibQemu::BUILD/t-cpus8.log",
	disk => "$KhibQemu::BUILD/t-cpus8-disk.img",
);

my $first = $res->{first_boot};
ok($first, 'the first boot ran') or BAIL_OUT("no boot: $res->{error}");
my $loaded = KhibQemu::find($first, qr/^khib-load: hibernate kernel loaded \((\d+) MiB/);
ok($loaded, 'khib-load worked out a lend and loaded the hibernate kernel')
	or diag($res->{error});
my $held = KhibQemu::find($first, qr/^khib: the parked hibernate kernel holds (\d+) MiB while idle$/);
ok($held, 'the memory held while idle is measured');
diag("8 vCPUs: lent $loaded->[2] MiB, $held->[2] MiB held while idle") if $loaded && $held;
my $plan = KhibQemu::find($first, qr/^khib-writer: (\d+) of (\d+) encoder threads fit in (\d+) MiB available/);
ok($plan && $plan->[2] >= 1 && $plan->[3] <= 2,
   'the hibernate kernel ran on the CPUs it was lent memory for, the writer on those that fit')
	or diag($plan ? $plan->[1] : 'no plan line');
ok(!KhibQemu::find($first, qr/Kernel panic/), 'no panic');
my $c = $res->{cycles}[0] // {};
ok($c->{ok}, 'files, anonymous memory and the counting process survived')
	or diag($c->{verify} // $res->{error});
ok($res->{ok}, 'the cycle passed') or diag($res->{error});
done_testing();
