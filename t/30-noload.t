#!/usr/bin/perl
# Hibernating through kexec with no hibernate kernel loaded fails at once,
# with a clear errno and kernel message, and the system keeps running.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my %o = (KhibQemu::defaults(),
	 disk => "$KhibQemu::BUILD/t-noload-disk.img",
	 log => "$KhibQemu::BUILD/t-noload.log");
KhibQemu::open_log(\%o);
KhibQemu::create_disk(%o, disk_mib => 64);

my $b = KhibQemu::boot(%o, append => 'khib.test=noload');
ok(KhibQemu::find($b, qr/^KHIB-NOLOAD loaded=0$/), 'no kexec image is loaded');
like(KhibQemu::find($b, qr/^KHIB-NOLOAD-RESULT (.*)/)->[2] // '',
     qr/^failed: .*No such file or directory/,
     'the write to /sys/power/state fails with ENOENT');
ok(KhibQemu::find($b, qr/^KHIB-DMESG .*no hibernate kernel loaded; load one with kexec --load-preserve-context/),
   'the kernel log says what is missing and how to fix it');
ok(KhibQemu::find($b, qr/^KHIB-FROZEN 0$/), 'nothing was frozen');
ok(KhibQemu::find($b, qr/^KHIB-STILL-RUNNING /), 'the system keeps running');
is(KhibQemu::inspect(%o), "$o{disk}: no hibernation image",
   'and nothing was written to the image target');
done_testing();
