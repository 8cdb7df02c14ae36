#!/usr/bin/perl
# The benchmark's figures, checked without booting (the benchmark itself
# is `make bench`, its short live form `make bench-quick`): scripts/bench
# --replay reads the console log of a real `scripts/bench --quick` run
# (t/data/bench-quick.log) and must print the figures that log holds, the
# ratios of its own medians, and count a run that did not resume or lost
# data as failed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use KhibQemu;

my $bench = "$FindBin::Bin/../scripts/bench";
my $fixture = "$FindBin::Bin/data/bench-quick.log";
my $dir = "$KhibQemu::BUILD/t-bench";
system('rm', '-rf', $dir);
mkdir $dir or die "cannot make $dir: $!\n";

sub replay {
	my ($log) = @_;
	my $text = `$bench --quick --replay $log --out $dir/table.txt 2>&1`;
	return ($? >> 8, $text);
}

# What the log says, read here on its own.
open my $in, '<', $fixture or die "cannot read $fixture: $!\n";
my @log = <$in>;
close $in;
my ($copied, $zero) = map { /Image created \((\d+) pages copied, (\d+) zero pages\)/ ? ($1, $2) : () } @log;
my ($khib_pages, $khib_rate) = map { /khib-writer: wrote (\d+) pages .* ([\d.]+) MB\/s of image/ ? ($1, $2) : () } @log;
my @resumed = map { /^\s*([\d.]+) KHIB-RESUMED 1$/ ? $1 : () } @log;
ok(defined $copied && defined $khib_pages && @resumed == 2,
   'the recorded run holds both methods, hibernated and resumed');

my ($status, $text) = replay($fixture);
is($status, 0, 'replayed, no run failed') or diag($text);
my ($kernel) = $text =~ /^(45%\s+kernel\s+1\/1\s+.*)$/m;
my ($khib) = $text =~ /^(45%\s+khib\s+1\/1\s+.*)$/m;
my @k = split ' ', $kernel // '';
my @h = split ' ', $khib // '';
# fill method ok hibernate resume full-speed pages disk writer [ratios]
is($k[6], $copied + $zero, "the kernel's image pages are its copied and zero pages");
is($h[6], $khib_pages, "khib's image pages are what the writer wrote");
is($h[8], sprintf('%.0f', $khib_rate), "khib's writer rate is the writer's");
is($k[4], sprintf('%.1f', $resumed[0]), "the kernel's resume is when its guest resumed");
is($h[4], sprintf('%.1f', $resumed[1]), "khib's resume is when its guest resumed");
my %ratio = @h[9 .. $#h];
ok(@h > 9 && abs($ratio{hibernate} - $h[3] / $k[3]) < 0.02 + 0.05 * $h[3] / $k[3] &&
   abs($ratio{resume} - $h[4] / $k[4]) < 0.02 + 0.05 * $h[4] / $k[4],
   "khib/kernel is khib's figure over the kernel's")
	or diag("$kernel\n$khib");
like($text, qr/^45%: khib's floors: the image read back direct \d+ MB\/s, hashed \d+ MB\/s on one thread; resume: boot to khib-restore [\d.]+ s, load [\d.]+ s/m,
     "khib's floors and resume phases are read from the log");

# The same run where khib's guest lost data, and where it never resumed.
my $lost = join '', map { s/^(\s*[\d.]+ KHIB-VERIFY 1 .*)anon=ok/$1anon=BAD/r } @log;
my $cut = join '', @log[0 .. (grep { $log[$_] =~ /^=== boot at / } 0 .. $#log)[-1] - 1];
for my $case (['lost', 'lost data', $lost, qr/FAILED: khib at 45 %: verification failed: .*anon=BAD/],
	      ['cut', 'never resumed', $cut, qr/FAILED: khib at 45 %: the system did not resume/]) {
	my ($name, $what, $body, $want) = @$case;
	open my $out, '>', "$dir/$name.log" or die "cannot write $dir/$name.log: $!\n";
	print $out $body;
	close $out;
	my ($st, $said) = replay("$dir/$name.log");
	ok($st != 0 && $said =~ $want, "a run that $what is counted as failed, and named")
		or diag($said);
}
# The full run (make bench, scripts/bench --full): the console log of a
# real run, xz-compressed, replayed part by part; the targets it ends
# with must follow from its own tables.
my $full_xz = "$FindBin::Bin/data/bench-full.log.xz";
system("xz -dc $full_xz > $dir/full.log") == 0 or die "cannot unpack $full_xz\n";
my $full = `$bench --full --replay $dir/full.log --out $dir/full.txt 2>&1`;
is($? >> 8, 0, 'the full run replays with no run failed') or diag($full);
my %part;
my $name = '';
for (split /\n/, $full) {
	$name = $1 if /^== (.*)$/;
	$part{$name}{"$1 $2"} = [split ' ', $3] if /^(\d+)%\s+(\S+)\s+\d+\/\d+\s+(.*)$/;
}
my @parts = grep { $_ ne '' } sort keys %part;
is(scalar(@parts), 4, 'four parts: unthrottled, changing, 125 and 50 MB/s') or diag(join "\n", @parts);
my %target = map { /^target: (.*): ([\d.]+)x \(/ ? ($1 => $2) : () } split /\n/, $full;
is(scalar(keys %target), 12, 'twelve targets, each computed') or diag($full);
is(scalar(() = $full =~ /^target: .*: (?:met|missed)$/mg), 12, 'each said met or missed');
# Medians from the tables: hibernate s is the first field, full speed
# the fifth (each "F [lo-hi]" takes two).
my ($plain) = grep { /^disks unthrottled$/ } @parts;
my $fs = sub { $part{$plain}{$_[0]}[4] };
ok(abs($target{"resume to full speed at 45 % <= 0.85x the kernel's"} -
       $fs->('45 khib') / $fs->('45 kernel')) < 0.02,
   "the full-speed target at 45 % is khib's median over the kernel's");
my ($slow) = grep { /125 MB\/s/ } @parts;
my $fr = sub { $part{$slow}{$_[0]}[0] };
ok(abs($target{'frozen with a pre-copy at 125 MB/s <= 0.6x without'} -
       $fr->('60 khib-pre') / $fr->('60 khib')) < 0.02,
   "the frozen target at 125 MB/s is khib-pre's median over khib's");
my ($one, $eight) = map { $full =~ /^\s*$_ MiB: image [\d.]+ GiB; hibernate [\d.]+ s = ([\d.]+) s\/GiB/m ? $1 : undef } 1024, 8192;
ok(defined $eight && abs($target{'hibernate s/GiB at 8 GiB <= 1.2x the 1 GiB figure'} - $eight / $one) < 0.02,
   'the scaling target is the 8 GiB figure over the 1 GiB one');
like($full, qr/^4 GiB, 95 %: khib hibernate [\d.]+ s, resume [\d.]+ s, \d+ pages .*; verified$/m,
     'the 4 GiB guest at 95 % hibernated and resumed, verified');
done_testing();
