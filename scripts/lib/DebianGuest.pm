package DebianGuest;
# Boot the Debian 12 guest (scripts/debian-guest.sh) in QEMU and drive its
# serial console: wait for systemd and root's autologin, type command lines
# and read what they print, wait for QEMU to exit.  Used by
# scripts/debian-boot-check and scripts/debian-cycle.
#
#   my $g = DebianGuest->new(name => 'debian-cycle', log => FILE);
#   $g->boot(kernel => BZIMAGE, append => CMDLINE, drives => [...]);
#   $g->login;                       # systemd, autologin, a quiet shell
#   my ($status, @lines) = $g->run('uname -r', 60);
#   my ($exit, $seconds) = $g->wait_exit(120);
#
# Command lines are typed with the echo turned off and the output read
# between two markers (echo KHIB-''BEGIN-N; ...; echo KHIB-''END-N $?; the
# quotes so that an echo of the typed line never matches); escape
# sequences and carriage returns are stripped, and systemd's own
# "[  OK  ]" status lines, which may land in the middle, are dropped.
# Failures (a timeout, QEMU gone while waiting) call fail(): it prints
# "NAME: FAILED: why", kills QEMU and exits with status 1, unless the
# caller passed on_fail, which is then called with the reason.

use strict;
use warnings;
use IO::Select;
use IPC::Open3;
use Symbol qw(gensym);
use Time::HiRes qw(time);
use Swtpm;
use KhibQemu;

sub new {
	my ($class, %o) = @_;
	my $self = bless {
		name => $o{name} // 'debian-guest',
		log_file => $o{log},
		accel => $o{accel} // $ENV{KHIB_ACCEL} // 'tcg,thread=multi',
		mem => $o{mem} // 1024,
		cpus => $o{cpus} // 2,
		on_fail => $o{on_fail},
		boots => 0,
		cmd_no => 0,
		pid => undef,
	}, $class;
	if (defined $self->{log_file}) {
		open $self->{log}, '>', $self->{log_file}
			or die "$self->{name}: cannot write $self->{log_file}: $!\n";
		$self->{log}->autoflush(1);
	}
	$| = 1;
	return $self;
}

# A line on stdout, prefixed with the name.
sub say {
	my ($self, @what) = @_;
	print "$self->{name}: @what\n";
}

sub log {
	my ($self, $text) = @_;
	print { $self->{log} } "$text\n" if $self->{log};
}

sub fail {
	my ($self, $why) = @_;
	$self->log("=== FAILED: $why");
	$self->kill_qemu;
	if ($self->{on_fail}) {
		$self->{on_fail}->($why);
	}
	$self->say("FAILED: $why");
	$self->say("see $self->{log_file}") if defined $self->{log_file};
	exit 1;
}

# Start QEMU.  %b: kernel, initrd (optional), append (the whole kernel
# command line), drives (a list of -drive values), mem, cpus, accel,
# extra (more QEMU arguments), tpm (a directory for a TPM's state,
# Swtpm.pm).  The console is QEMU's stdio.
sub boot {
	my ($self, %b) = @_;
	Swtpm::stop(delete $self->{swtpm});
	$self->{swtpm} = $b{tpm} ? Swtpm::start($b{tpm}) : undef;
	my @cmd = KhibQemu::qemu_command(
		{ %b, accel => $b{accel} // $self->{accel}, mem => $b{mem} // $self->{mem} },
		'-smp', $b{cpus} // $self->{cpus},
		(map { ('-drive', $_) } @{ $b{drives} // [] }),
		@{ $b{extra} // [] },
	);
	$self->{boots}++;
	$self->{start} = time;
	# The console as text: $seen is everything of this boot so far, $pos
	# where the next wait starts looking, $match_start where the last
	# match began.
	@$self{qw(raw seen pos line_start eof match_start)} = ('', '', 0, 0, 0, 0);
	$self->log(sprintf "=== boot %d at %s: %s", $self->{boots},
		   scalar localtime($self->{start}), join(' ', @cmd));
	my ($to, $from);
	$from = gensym;
	$self->{pid} = open3($to, $from, undef, @cmd);
	$to->autoflush(1);
	$self->{to} = $to;
	$self->{from} = $from;
	$self->{sel} = IO::Select->new($from);
	return $self;
}

# Seconds since this boot's QEMU started.
sub elapsed { my ($self) = @_; return time - $self->{start}; }

# Everything the console showed in this boot, as text.
sub seen { my ($self) = @_; return $self->{seen}; }

# Read what QEMU printed, for at most $wait seconds.  False at end of file.
sub pump {
	my ($self, $wait) = @_;
	return 0 if $self->{eof};
	return 1 unless $self->{sel}->can_read($wait);
	my $n = sysread($self->{from}, my $chunk, 65536);
	unless ($n) {
		$self->{eof} = 1;
		return 0;
	}
	$self->{raw} .= $chunk;
	# Hold back an escape sequence cut in two.
	my $tail = $self->{raw} =~ s/(\e[^a-zA-Z\n]{0,16})\z// ? $1 : '';
	(my $text = $self->{raw}) =~ s/\e\[[0-9;?]*[a-zA-Z]|\e[()][0-9A-Za-z]|\e[=>78]|\r|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]//g;
	$self->{raw} = $tail;
	$self->{seen} .= $text;
	# Log complete lines with the time they arrived.
	while ((my $nl = index($self->{seen}, "\n", $self->{line_start})) >= 0) {
		$self->log(sprintf "%8.3f %s", time - $self->{start},
			   substr($self->{seen}, $self->{line_start},
				  $nl - $self->{line_start}));
		$self->{line_start} = $nl + 1;
	}
	return 1;
}

# Wait until the console shows $re (after the last match); returns the
# seconds since QEMU started and the captures.  Fails on timeout or when
# QEMU exits.
sub wait_for {
	my ($self, $what, $re, $timeout) = @_;
	my ($t, @cap) = $self->try_wait_for($re, $timeout);
	return ($t, @cap) if defined $t;
	$self->fail($self->{eof} ? "QEMU exited while waiting for $what"
				 : "timed out after $timeout s waiting for $what");
}

# wait_for, but an empty list on timeout or when QEMU exits.
sub try_wait_for {
	my ($self, $re, $timeout) = @_;
	my $deadline = time + $timeout;
	while (1) {
		pos($self->{seen}) = $self->{pos};
		if ($self->{seen} =~ /$re/gc) {
			my @cap = map { substr($self->{seen}, $-[$_], $+[$_] - $-[$_]) }
				  grep { defined $-[$_] } 1 .. $#-;
			$self->{pos} = pos($self->{seen});
			$self->{match_start} = $-[0];
			return ($self->elapsed, @cap);
		}
		my $left = $deadline - time;
		return () if $left <= 0;
		return () unless $self->pump($left < 1 ? $left : 1);
	}
}

# Type a line into the console as it is.
sub send {
	my ($self, $line) = @_;
	$self->log("=== send: $line");
	print { $self->{to} } "$line\n";
}

# Type ^C: the shell drops the line typed so far; the terminal flushes
# its input queue with the interrupt, so wait a little before typing on.
sub interrupt {
	my ($self) = @_;
	$self->log('=== send: ^C');
	print { $self->{to} } "\x03";
	my $until = time + 0.5;
	$self->pump($until - time) while time < $until && !$self->{eof};
}

# Wait for systemd's welcome, root's autologin on ttyS0 and the shell
# prompt, then make the shell quiet and plain: no echo, no pager, no
# colours.  Returns the three times.
sub login {
	my ($self, $timeout) = @_;
	my $deadline = time + $timeout;
	my $left = sub { my $l = $deadline - time; $l > 1 ? $l : 1 };
	my ($t_systemd) = $self->wait_for('systemd to start', qr/Welcome to [^\n]*Debian/, $left->());
	my ($t_login) = $self->wait_for('the autologin on ttyS0',
					qr/login: root \(automatic login\)/, $left->());
	my ($t_prompt) = $self->wait_for("root's shell prompt", qr/root\@[\w.-]+:[^\n]*# /, $left->());
	$self->quiet_shell;
	return ($t_systemd, $t_login, $t_prompt);
}

sub quiet_shell {
	my ($self) = @_;
	$self->send('stty -echo; export SYSTEMD_PAGER=cat SYSTEMD_COLORS=0 TERM=dumb');
}

# Run one shell command line in the guest and return its exit status and
# the lines it printed.
sub run {
	my ($self, $line, $timeout) = @_;
	my $n = ++$self->{cmd_no};
	$self->log("=== run: $line");
	print { $self->{to} } "echo KHIB-''BEGIN-$n; $line; echo KHIB-''END-$n \$?\n";
	$self->wait_for("the start of '$line'", qr/KHIB-BEGIN-$n\n/, $timeout);
	my $from = $self->{pos};
	my (undef, $status) = $self->wait_for("'$line'", qr/KHIB-END-$n (\d+)\n/, $timeout);
	my $out = substr($self->{seen}, $from, $self->{match_start} - $from);
	my @out = grep { $_ ne '' && !/^\[\s*(?:OK|FAILED|DEPEND|TIME|\**)\s*\]/ }
		  split /\n/, $out;
	return ($status, @out);
}

# run(), and fail unless the status is 0.  Returns the lines.
sub must {
	my ($self, $line, $timeout) = @_;
	my ($status, @out) = $self->run($line, $timeout);
	$self->fail("'$line' failed with status $status: " . join(' | ', @out))
		if $status != 0;
	return @out;
}

# Wait for QEMU to exit, reading the console.  Returns its exit status
# and the seconds since it started.  Fails after $timeout seconds.
sub wait_exit {
	my ($self, $timeout, $what) = @_;
	my $deadline = time + $timeout;
	while ($self->pump(1)) {
		$self->fail('timed out after ' . $timeout . ' s waiting for QEMU to exit' .
			    ($what ? " ($what)" : '')) if time >= $deadline;
	}
	waitpid $self->{pid}, 0;
	my $exit = $? >> 8;
	$self->{pid} = undef;
	Swtpm::stop(delete $self->{swtpm});
	my $t = $self->elapsed;
	$self->log(sprintf "=== qemu exited after %.1f s, status %d", $t, $exit);
	return ($exit, $t);
}

sub kill_qemu {
	my ($self) = @_;
	return unless $self->{pid};
	kill 'KILL', $self->{pid};
	waitpid $self->{pid}, 0;
	$self->{pid} = undef;
	Swtpm::stop(delete $self->{swtpm});
}

sub DESTROY {
	my ($self) = @_;
	local ($?, $!);
	$self->kill_qemu;
}

1;
