package WriteLog;
# The write log QEMU's blklogwrites block driver keeps (the dm-log-writes
# format: a superblock, then one entry per write, flush or discard, each
# a sector of header followed by the data written), and the device as a
# power cut could leave it at any point of that log.
#
# A disk with a volatile write cache makes a write durable only once a
# flush that followed it has completed.  After entry K, the device surely
# holds every write before the last flush at or before K; of the writes
# since, any subset may have reached the medium, in any order.  The
# replay builds, for a point K:
#   "flushed"  only the durable writes (every unflushed one dropped);
#   "last"     the durable writes and entry K alone (the latest write got
#              there, the others since the flush did not);
#   "all"      every write up to K (what a QEMU kill with a host page
#              cache leaves, the old power-cut tests' only case).
# It keeps one working copy of the device (every durable write applied
# so far) and applies a variant's extra writes over it, undoing them
# after, so that a point costs its own writes only.
use strict;
use warnings;
no warnings 'portable';	# the 56-bit magic

use constant {
	MAGIC => 0x6a736677736872,
	FLUSH => 1 << 0,
	FUA => 1 << 1,
	DISCARD => 1 << 2,
	MARK => 1 << 3,
};

# Parse the log at $path: { sectorsize, entries => [{ index, sector,
# sectors, flags, data_at }...] }.  Entries are read until the file ends
# or a header is not one (the superblock's count lags behind the last
# flush).
sub read_log {
	my ($path) = @_;
	open my $fh, '<', $path or die "cannot open the write log $path: $!\n";
	binmode $fh;
	sysread($fh, my $super, 28) == 28 or die "$path: no write-log superblock\n";
	my ($magic, $version, undef, $ss) = unpack('Q< Q< Q< L<', $super);
	die sprintf("%s: not a dm-log-writes log (magic %#x)\n", $path, $magic)
		unless $magic == MAGIC && $version == 1;
	my $size = -s $path;
	my @entries;
	my $at = $ss;
	while ($at + $ss <= $size) {
		sysseek($fh, $at, 0);
		sysread($fh, my $h, 32) == 32 or last;
		my ($sector, $n, $flags) = unpack('Q< Q< Q<', $h);
		last if $flags & ~(FLUSH | FUA | DISCARD | MARK);
		my $data = $flags & DISCARD ? 0 : $n * $ss;
		last if $at + $ss + $data > $size;
		last if !$n && !($flags & FLUSH) && !$sector;	# past the end
		push @entries, { index => scalar @entries, sector => $sector,
				 sectors => $n, flags => $flags, data_at => $at + $ss };
		$at += $ss + $data;
	}
	close $fh;
	return { path => $path, sectorsize => $ss, entries => \@entries };
}

sub is_write { my ($e) = @_; return !($e->{flags} & (FLUSH | DISCARD | MARK)) && $e->{sectors}; }
sub is_flush { my ($e) = @_; return $e->{flags} & FLUSH; }

# The bytes entry $e wrote.
sub data_of {
	my ($log, $e) = @_;
	open my $fh, '<', $log->{path} or die "$log->{path}: $!\n";
	binmode $fh;
	sysseek($fh, $e->{data_at}, 0);
	my $len = $e->{sectors} * $log->{sectorsize};
	sysread($fh, my $data, $len) == $len or die "$log->{path}: short entry $e->{index}\n";
	close $fh;
	return $data;
}

# Write $data at byte $off of the device file $dev; returns what was there.
sub put {
	my ($dev, $off, $data) = @_;
	open my $fh, '+<', $dev or die "$dev: $!\n";
	binmode $fh;
	sysseek($fh, $off, 0);
	my $old = '';
	sysread($fh, $old, length $data);
	$old .= "\0" x (length($data) - length($old));
	sysseek($fh, $off, 0);
	syswrite($fh, $data) == length $data or die "cannot write $dev: $!\n";
	close $fh;
	return $old;
}

# A replay over the device file $dev, which must hold the device as it
# was when the log began.
sub new {
	my ($class, $log, $dev) = @_;
	return bless { log => $log, dev => $dev, durable => -1, flushed_to => -1 }, $class;
}

# The index of the last flush at or before entry $k, or -1.
sub last_flush {
	my ($self, $k) = @_;
	for (my $i = $k; $i >= 0; $i--) {
		return $i if is_flush($self->{log}{entries}[$i]);
	}
	return -1;
}

# Bring the working copy to "every write before the last flush at or
# before $k".  Points must come in ascending order.
sub advance {
	my ($self, $k) = @_;
	my $f = $self->last_flush($k);
	my $e = $self->{log}{entries};
	my $ss = $self->{log}{sectorsize};
	for my $i ($self->{flushed_to} + 1 .. $f) {
		put($self->{dev}, $e->[$i]{sector} * $ss, data_of($self->{log}, $e->[$i]))
			if is_write($e->[$i]);
	}
	$self->{flushed_to} = $f if $f > $self->{flushed_to};
	return $f;
}

# Make the device the variant $how ("flushed", "last" or "all") of a power
# cut right after entry $k, run $check->() on it, undo, and return what
# $check returned.
sub at {
	my ($self, $k, $how, $check) = @_;
	my $f = $self->advance($k);
	my $e = $self->{log}{entries};
	my $ss = $self->{log}{sectorsize};
	my @extra = $how eq 'all' ? grep { is_write($e->[$_]) } $f + 1 .. $k :
		    $how eq 'last' && $k > $f && is_write($e->[$k]) ? ($k) : ();
	my @undo;
	for my $i (@extra) {
		my $off = $e->[$i]{sector} * $ss;
		push @undo, [$off, put($self->{dev}, $off, data_of($self->{log}, $e->[$i]))];
	}
	my @r = $check->();
	put($self->{dev}, @$_) for reverse @undo;
	return @r;
}

# Writes and flushes of the log in one line, and the superblock writes
# (sector 0) with the state they wrote (byte 12, khib_image.h).
sub summary {
	my ($log) = @_;
	my $e = $log->{entries};
	my @super = map { [$_->{index}, unpack('L<', substr(data_of($log, $_), 12, 4))] }
		    grep { is_write($_) && $_->{sector} == 0 } @$e;
	return {
		writes => scalar(grep { is_write($_) } @$e),
		flushes => scalar(grep { is_flush($_) } @$e),
		super => \@super,
	};
}

1;
