#!/usr/bin/perl
# An image that the resuming kernel could not load through /dev/snapshot
# is restored in place; where that is not allowed it is refused when it is
# written, not at the next boot: with less memory free at resume than the
# image needs (khib-load -r) and no restore in place (-P), the hibernation
# fails with ENOMEM, names the cause and the system runs on; with restore
# in place allowed the same image is written, and it resumes.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my %o = (KhibQemu::defaults(),
	 disk => "$KhibQemu::BUILD/t-budget-disk.img",
	 log => "$KhibQemu::BUILD/t-budget.log");
KhibQemu::open_log(\%o);
KhibQemu::create_disk(%o);

my $b1 = KhibQemu::boot(%o, append => 'khib.test=toobig:20');
ok(!KhibQemu::find($b1, qr/^KHIB-FAIL/) && KhibQemu::find($b1, qr/^KHIB-HIBERNATE 1 /),
   'no step of the scenario failed, and it reached its last hibernation')
	or diag((KhibQemu::find($b1, qr/^(KHIB-FAIL.*)/) // [0, 'no KHIB-HIBERNATE line'])->[1]);
like(KhibQemu::find($b1, qr/^KHIB-ATTEMPT-FAILED 1: (.*)/)->[2] // '',
     qr/Cannot allocate memory/, 'the hibernation fails with ENOMEM');
ok(KhibQemu::find($b1, qr/^KHIB-DMESG 1 .*the hibernate kernel failed: image of \d+ MiB too big to resume: 64 MiB free at resume, \d+ needed; free \d+ MiB and retry/),
   'the kernel log says why and what to do');
ok(KhibQemu::find($b1, qr/^KHIB-STILL-RUNNING 1 /), 'the system keeps running');
ok(KhibQemu::find($b1, qr/^khib-writer: the image needs \d+ MiB to be loaded at resume, 64 MiB are free there: it will be restored in place$/),
   'with restore in place allowed the image is accepted');
ok(KhibQemu::find($b1, qr/^khib-writer: wrote \d+ pages/), 'and is written');

my $b2 = KhibQemu::boot(%o, append => 'khib.test=toobig:20');
ok(KhibQemu::find($b2, qr/^KHIB-RESUMED 1$/), 'the next boot resumes it');
like(KhibQemu::find($b2, qr/^KHIB-VERIFY 1 (.*)/)->[2] // '',
     qr/files=ok anon=ok process=ok/, 'every byte and the process survived');
done_testing();
