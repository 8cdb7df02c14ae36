#!/usr/bin/perl
# A host-side mutator over a real image: one image is written by a real
# hibernation, then damaged in every region and cut at every region
# boundary, one way at a time, and each damaged image must be refused by
# the reader khib-restore uses at boot (khib-restore --check, run on the
# host), with one line naming the cause; put back, the image is good
# again.  t/40-bad-image.t boots a damaged image and one from another
# memory size.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use Test::More;
use JSON::PP;
use KhibQemu;

my %o = (KhibQemu::defaults(),
	 disk => "$KhibQemu::BUILD/t-mutator-disk.img",
	 log => "$KhibQemu::BUILD/t-mutator.log");
KhibQemu::open_log(\%o);
KhibQemu::create_disk(%o, disk_mib => 1536);
my $restore = "$KhibQemu::BUILD/bin/khib-restore";
my $cut = "$KhibQemu::BUILD/t-mutator-cut.img";

my $b = KhibQemu::boot(%o, append => 'khib.test=cycle:1:5');
ok(KhibQemu::find($b, qr/^khib-writer: image safe on \S+; powering off$/),
   'a real image is written');
my $v = `$KhibQemu::BUILD/bin/khib-inspect -v $o{disk}`;
my %at;
@at{qw(header map map_bytes data data_bytes)} =
	$v =~ /header at (\d+), page map at (\d+) \((\d+) bytes\), data at (\d+) \((\d+) bytes\)/;
@at{qw(groups groups_bytes)} = $v =~ /group table at (\d+) \((\d+) bytes\)/;
@at{qw(zero zero_bytes mem mem_bytes)} =
	$v =~ /zero map at (\d+) \((\d+) bytes\), memory map at (\d+) \((\d+) bytes/;
ok(defined $at{mem} && defined $at{groups}, 'khib-inspect names every region') or BAIL_OUT($v);

# Its status and its last line: what it concluded (progress lines come
# before it).
sub check {
	my ($file) = @_;
	my @out = `$restore --check $file 2>&1`;
	my $last = @out ? $out[-1] : '';
	chomp $last;
	return ($? >> 8, $last);
}
my ($status, $out) = check($o{disk});
is($status, 0, 'the image is intact') or diag($out);

# khib-inspect --json --check: the documented schema (docs/inspect-json.md).
sub inspect_json {
	my ($file) = @_;
	my $text = `$KhibQemu::BUILD/bin/khib-inspect --json --check $file`;
	return eval { JSON::PP::decode_json($text) } // { parse_error => "$@", text => $text };
}
my $j = inspect_json($o{disk});
ok($j->{schema} && $j->{schema} eq 'khib-inspect/1' && $j->{verdict} eq 'valid' &&
   $j->{checksums}{data} eq 'ok' && $j->{pages}{total} > 0 &&
   $j->{kernel}{release} =~ /^6\.12/ && @{ $j->{memory_map}{lent} } > 0 &&
   $j->{regions}{data}{offset} == $at{data} && !defined $j->{reason},
   'khib-inspect --json --check: a valid image, every checksum ok, its regions and memory map')
	or diag(explain($j));
# What the kernel stated in its descriptor (x86-64: restore_registers(),
# in the kernel's text mapping, at the physical address of the same
# offset in its 2 MiB page).
my $r = $j->{kernel}{resume} // {};
ok(($r->{convention} // 0) == 1 && ($r->{entry} // '') =~ /^0xffffffff8/ &&
   (hex($r->{entry}) & 0x1fffff) == (hex($r->{entry_phys} // 0) & 0x1fffff) &&
   hex($r->{page_table} // 0) > 0 && hex($r->{page_table}) % 4096 == 0,
   "the image keeps the kernel's resume record: convention 1, entry $r->{entry}")
	or diag(explain($j));

sub flip {
	my ($offset) = @_;
	KhibQemu::flip_byte($o{disk}, $offset, 0x40);
}

# The records, where the group table says (entries of 24 bytes: group,
# offset, bytes, pass): each a struct khib_chunk_header of 120 bytes, whose
# payload_bytes (at byte 28) says how much of the record is payload.
my $hdr = 120;
my @records;
{
	open my $fh, '<', $o{disk} or die;
	binmode $fh;
	sysseek($fh, $at{groups}, 0);
	sysread($fh, my $table, $at{groups_bytes}) == $at{groups_bytes} or die;
	for (my $e = 0; $e < length($table); $e += 24) {
		my ($group, $pos, $bytes) = unpack('Q< Q< V', substr($table, $e, 24));
		sysseek($fh, $pos, 0);
		sysread($fh, my $h, $hdr) == $hdr or last;
		push @records, [$pos, unpack('V', substr($h, 28, 4))];
	}
	close $fh;
}
ok(@records > 2, scalar(@records) . ' chunk records found');
my ($first, $middle, $last) = ($records[0], $records[@records / 2], $records[-1]);

my @flips = (
	['superblock', 40, qr/superblock checksum mismatch/],
	['header page', $at{header} + 100, qr/header page checksum mismatch/],
	['page map', $at{map} + 20, qr/page map/],
	['zero map', $at{zero}, qr/zero map/],
	['memory map', $at{mem} + 8, qr/memory map checksum mismatch/],
	['group table', $at{groups} + 8, qr/group table checksum mismatch/],
	['first chunk header', $first->[0] + 16, qr/chunk 0: header damaged/],
	['middle chunk header', $middle->[0] + 8, qr/chunk \d+: header damaged/],
	['last chunk header', $last->[0] + 80, qr/chunk \d+: header damaged/],
	['image identity of a chunk header', $middle->[0] + 72, qr/chunk \d+: header damaged/],
	['pages held by a chunk header', $middle->[0] + 88, qr/chunk \d+: header damaged/],
	['middle chunk payload', $middle->[0] + $hdr + int($middle->[1] / 2),
	 qr/chunk \d+: (data checksum mismatch|Data corruption|.*does not match)/],
	['last record padding', $last->[0] + $hdr + $last->[1], qr/chunk \d+: damaged padding/],
);
for my $f (@flips) {
	my ($what, $offset, $why) = @$f;
	flip($offset);
	my ($s, $o) = check($o{disk});
	ok($s != 0 && $o =~ $why, "a flipped bit in the $what is refused: $o");
	flip($offset);
}
($status, $out) = check($o{disk});
is($status, 0, 'flipped back, the image is intact again') or diag($out);

# Cut copies: the image ends at a region boundary, or inside one.
sub cut_copy {
	my ($bytes) = @_;
	open my $in, '<', $o{disk} or die;
	open my $outf, '>', $cut or die "cannot write $cut: $!\n";
	binmode $in;
	binmode $outf;
	my $left = $bytes;
	while ($left > 0) {
		my $n = sysread($in, my $buf, $left < (1 << 20) ? $left : (1 << 20));
		last unless $n;
		syswrite($outf, $buf);
		$left -= $n;
	}
	close $in;
	close $outf;
}
for my $c (['inside the superblock', 2048, qr/no hibernation image/],
	   ['after the superblock', $at{data}, qr/outside the \d+-byte device/],
	   ['halfway through the data', $at{data} + int($at{data_bytes} / 2), qr/outside the \d+-byte device/],
	   ['after the data', $at{header}, qr/outside the \d+-byte device/],
	   ['after the header page', $at{map}, qr/outside the \d+-byte device/],
	   ['after the page map', $at{groups}, qr/outside the \d+-byte device/],
	   ['after the group table', $at{zero}, qr/outside the \d+-byte device/],
	   ['after the zero map', $at{mem}, qr/outside the \d+-byte device/]) {
	my ($what, $bytes, $why) = @$c;
	cut_copy($bytes);
	my ($s, $o) = check($cut);
	ok($s != 0 && $o =~ $why, "an image cut $what is refused: $o");
}

# All zero: no image at all, and nothing to discard.
{
	open my $fh, '>', $cut or die;
	truncate $fh, 64 << 20;
	close $fh;
	my ($s, $o) = check($cut);
	ok($s != 0 && $o =~ /no hibernation image/, "an all-zero device holds no image: $o");
}
unlink $cut;

# The JSON verdict of a damaged payload, found only by reading the data.
flip($records[1][0] + 100);
$j = inspect_json($o{disk});
ok($j->{verdict} eq 'valid' && $j->{checksums}{data} =~ /chunk 1: / &&
   $j->{reason} eq $j->{checksums}{data},
   "khib-inspect --json --check: a damaged chunk is named: $j->{checksums}{data}")
	or diag(explain($j));
flip($records[1][0] + 100);
done_testing();
