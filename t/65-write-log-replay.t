#!/usr/bin/perl
# Power cuts that drop what was not flushed.  QEMU's blklogwrites driver
# logs every write and flush the guest sends to the target, while a real
# hibernation writes its image and the next boot resumes it.  WriteLog.pm
# rebuilds the target as a power cut could leave it after each of many
# points of those logs, three ways each: only the flushed writes; those
# and the latest write alone; every write so far.  At every point the
# target must hold either no valid image, or a complete one that
# khib-restore --check verifies to the last byte.  Two of the points are
# booted: the image written but its superblock not flushed (a normal
# boot), and the end (resumed, every byte verified).  KHIB_REPLAY_BOOTS=1
# boots every point of the hibernation's log instead (make replay).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use JSON::PP;
use Test::More;
use KhibQemu;
use WriteLog;

my $build = $KhibQemu::BUILD;
my %o = (KhibQemu::defaults(),
	 disk => "$build/t-replay-disk.img",
	 log => "$build/t-replay.log");
KhibQemu::open_log(\%o);
KhibQemu::create_disk(%o, disk_mib => 1536);
my $work = "$build/t-replay-work.img";
my $hib_log = "$build/t-replay-hibernate.wlog";
my $res_log = "$build/t-replay-resume.wlog";

my $disk_bytes = -s $o{disk};

# What the target holds: 'none' (no valid image), 'intact' (valid and
# every byte checked), or why it is neither.
sub verdict {
	my ($disk) = @_;
	my $j = eval { decode_json(scalar `$build/bin/khib-inspect --json $disk 2>/dev/null`) };
	return 'khib-inspect failed' unless $j;
	return 'none' if $j->{verdict} eq 'absent' || $j->{verdict} eq 'spent';
	return "verdict $j->{verdict}" unless $j->{verdict} eq 'valid';
	my $out = `$build/bin/khib-restore --check $disk 2>&1`;
	return $? == 0 ? 'intact' : "valid but not intact: $out";
}

# The points of $log worth a power cut: every flush and the entry before
# it, every superblock write, $spread more spread over the log, the end.
sub points {
	my ($log, $spread) = @_;
	my $e = $log->{entries};
	my %p = (scalar(@$e) - 1 => 1);
	for my $x (@$e) {
		if (WriteLog::is_flush($x)) {
			$p{$x->{index}} = 1;
			$p{$x->{index} - 1} = 1 if $x->{index};
		}
		$p{$x->{index}} = 1 if WriteLog::is_write($x) && $x->{sector} == 0;
	}
	$p{int($_ * @$e / ($spread + 1))} = 1 for 1 .. $spread;
	return sort { $a <=> $b } grep { $_ >= 0 } keys %p;
}

# Replay every point of $log over $base (copied to $work) three ways.
# Returns (number of cases, failures as text, counts by verdict).
sub replay {
	my ($log, $base, $spread) = @_;
	system('cp', '--sparse=always', $base, $work) == 0 or die "cp: $?\n";
	my $r = WriteLog->new($log, $work);
	my (@bad, %seen);
	my $cases = 0;
	for my $k (points($log, $spread)) {
		for my $how (qw(flushed last all)) {
			my ($v) = $r->at($k, $how, sub { verdict($work) });
			$cases++;
			$seen{$v}++;
			push @bad, "entry $k ($how): $v" unless $v eq 'none' || $v eq 'intact';
		}
	}
	return ($cases, \@bad, \%seen);
}

# --- the hibernation, logged -------------------------------------------------
KhibQemu::create_disk(disk => $hib_log, disk_mib => 0);
my $b0 = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10', write_log => $hib_log);
ok(KhibQemu::find($b0, qr/^khib-writer: wrote \d+ pages/), 'an image is written, its writes logged');
my $hlog = WriteLog::read_log($hib_log);
my $hs = WriteLog::summary($hlog);
diag(sprintf "hibernation: %d log entries, %d writes, %d flushes; superblock writes (entry:state) %s",
	     scalar @{ $hlog->{entries} }, $hs->{writes}, $hs->{flushes},
	     join(' ', map { "$_->[0]:$_->[1]" } @{ $hs->{super} }));
ok($hs->{flushes} >= 3, 'the guest flushes the target (a volatile write cache, as on real disks)');
my @valid = grep { $_->[1] == 2 } @{ $hs->{super} };
ok(@valid == 1, 'the superblock is written VALID once');
my $vi = $valid[0][0] // -1;
my $flush_before = grep { WriteLog::is_flush($_) && $_->{index} < $vi } @{ $hlog->{entries} };
my ($last_data) = grep { WriteLog::is_write($_) && $_->{sector} != 0 && $_->{index} < $vi }
		  reverse @{ $hlog->{entries} };
my ($flush_between) = grep { WriteLog::is_flush($_) && $_->{index} > ($last_data->{index} // 0) &&
			     $_->{index} < $vi } @{ $hlog->{entries} };
ok($flush_between, 'every image write is flushed before the VALID superblock is written');
ok(grep({ WriteLog::is_flush($_) && $_->{index} > $vi } @{ $hlog->{entries} }),
   'and the VALID superblock is flushed after');

my $blank = "$build/t-replay-blank.img";
KhibQemu::create_disk(disk => $blank, disk_mib => $disk_bytes >> 20);
my ($cases, $bad, $seen) = replay($hlog, $blank, 12);
ok($cases >= 60, "$cases power-cut cases over the hibernation's log (20 or more points, three ways each)");
is(scalar @$bad, 0, 'at every one the target holds no valid image or an intact one')
	or diag(join("\n", @$bad[0 .. ($#$bad < 9 ? $#$bad : 9)]));
ok($seen->{none} && $seen->{intact}, "both outcomes occur: " .
   join(', ', map { "$_ $seen->{$_}" } sort keys %$seen));

# Boot the point where everything but the VALID superblock is on disk.
my $cut = "$build/t-replay-cut.img";
system('cp', '--sparse=always', $blank, $work) == 0 or die "cp: $?\n";
my $r = WriteLog->new($hlog, $work);
$r->at($vi, 'flushed', sub { system('cp', '--sparse=always', $work, $cut) });
my $b1 = KhibQemu::boot(%o, disk => $cut, append => 'khib.test=report khib.load=0');
ok(KhibQemu::find($b1, qr/^khib-restore: \/dev\/vda: image is incomplete; booting normally$/) &&
   KhibQemu::find($b1, qr/^KHIB-NORMAL-BOOT$/),
   'a cut before the VALID superblock was flushed: the next boot finds the image incomplete and boots normally');

if ($ENV{KHIB_REPLAY_BOOTS}) {
	my @p = points($hlog, 12);
	my $ok = 0;
	for my $k (@p) {
		system('cp', '--sparse=always', $blank, $work) == 0 or die "cp: $?\n";
		my $rr = WriteLog->new($hlog, $work);
		$rr->at($k, 'flushed', sub { system('cp', '--sparse=always', $work, $cut) });
		my $bk = KhibQemu::boot(%o, disk => $cut, append => 'khib.test=cycle:1:10');
		my $resumed = KhibQemu::find($bk, qr/^KHIB-VERIFY 1 files=ok anon=ok process=ok/);
		my $normal = KhibQemu::find($bk, qr/^khib: normal boot$/);
		$ok++ if $resumed || $normal;
		diag("entry $k: " . ($resumed ? 'resumed, verified' : $normal ? 'normal boot' : 'NEITHER'));
	}
	is($ok, scalar @p, 'booted at every point: a verified resume or a normal boot');
}

# --- the resume, logged ------------------------------------------------------
my $before_resume = "$build/t-replay-before-resume.img";
system('cp', '--sparse=always', $o{disk}, $before_resume) == 0 or die "cp: $?\n";
KhibQemu::create_disk(disk => $res_log, disk_mib => 0);
my $b2 = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10', write_log => $res_log);
ok(KhibQemu::find($b2, qr/^KHIB-RESUMED 1$/), 'the image is resumed, the writes of the resume logged');
like(KhibQemu::find($b2, qr/^KHIB-VERIFY 1 (.*)/)->[2] // '',
     qr/files=ok anon=ok process=ok/, 'every byte and the process survived');
my $rlog = WriteLog::read_log($res_log);
my $rs = WriteLog::summary($rlog);
my ($restored) = grep { $_->[1] == 3 } @{ $rs->{super} };
ok($restored, 'the resume marks the image RESTORED');
ok($restored && grep({ WriteLog::is_flush($_) && $_->{index} > $restored->[0] } @{ $rlog->{entries} }),
   'and flushes the mark');
my ($rc, $rbad) = replay($rlog, $before_resume, 4);
is(scalar @$rbad, 0, "$rc power-cut cases over the resume's log: a valid intact image or a spent one")
	or diag(join("\n", @$rbad));
done_testing();
