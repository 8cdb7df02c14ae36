#!/usr/bin/perl
# The benchmark's short form: one fill, one run of the kernel's own
# hibernation and one of khib, both hibernated, resumed and verified, and
# the table printed.  It checks that the benchmark works and that both
# methods keep every byte; it never checks timing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my $out = "$KhibQemu::BUILD/t-bench.txt";
my $text = `$FindBin::Bin/../scripts/bench --quick --out $out --log $KhibQemu::BUILD/t-bench.log 2>&1`;
my $status = $? >> 8;
diag($_) for grep { /^(45%|bench:|FAILED)/ } split /\n/, $text;

is($status, 0, 'scripts/bench --quick ran without a failed run');
like($text, qr/^45%\s+kernel\s+1\/1\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+\d+\s+\d+\s+\d+/m,
     "the kernel's own hibernation hibernated and resumed, every byte checked, with its figures");
like($text, qr/^45%\s+khib\s+1\/1\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+\d+\s+\d+\s+\d+\s+hibernate [\d.]+ resume [\d.]+ full-speed [\d.]+ image [\d.]+ MiB [\d.]+ writer [\d.]+$/m,
     'khib hibernated and resumed, every byte checked, with its figures (resume to full speed too) and the ratios');
like($text, qr/direct write [\d.]+ MB\/s, memory copy [\d.]+ MB\/s; writer = [\d.]+ % of direct write/,
     'the hibernate kernel measured the disk and memory copy rates');
like($text, qr/held while idle \d+(\.\d+)? MiB/, 'the memory khib holds while idle is reported');
like($text, qr/khib's floors: the image read back direct \d+ MB\/s, hashed \d+ MB\/s on one thread; resume: boot to khib-restore [\d.]+ s, load [\d.]+ s, to running [\d.]+ s, the workload's read-back [\d.]+ s; parked again [\d.]+ s after the resume, user space stopped [\d.]+ s/,
     "the floors of a resume, its phases and the re-park (after the workload's read-back) are reported");
ok(-s $out, 'the table was saved');
done_testing();
