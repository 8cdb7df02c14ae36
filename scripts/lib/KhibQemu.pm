package KhibQemu;
# Boot the khib main kernel in QEMU and read what its serial console says.
# Used by scripts/cycle and the tests in t/.

use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use Digest::SHA;
use IO::Select;
use IO::Socket::UNIX;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time);
use Swtpm;

our $TOP = abs_path(dirname(__FILE__) . '/../..');
our $BUILD = "$TOP/build";

# Defaults of the project's reference guest: 2 vCPUs, 1 GiB, TCG.
sub defaults {
	return (
		mem => 1024,
		cpus => 2,
		kernel => "$BUILD/main/arch/x86/boot/bzImage",
		initrd => "$BUILD/initramfs.cpio.gz",
		disk => "$BUILD/cycle-disk.img",

		timeout => 900,
		accel => $ENV{KHIB_ACCEL} // 'tcg,thread=multi',
		log => undef,
		machine => 'virtio',
	);
}

# The guest machines.  "virtio": the reference guest, i440fx with
# SeaBIOS, every disk on virtio-blk.  "real": what users own: q35 with
# UEFI (OVMF, the kernel entered through its EFI stub), a CPU model with
# LA57, SMT threads, an Intel vIOMMU, the image target on NVMe and other
# disks on SATA (AHCI).  Returns the QEMU arguments and the guest's name
# for the target and the extra disks.
our %MACHINES = (
	virtio => {
		target => '/dev/vda',
		extra => [map { "/dev/vd$_" } 'b' .. 'z'],
	},
	real => {
		target => '/dev/nvme0n1',
		extra => [map { "/dev/sd$_" } 'a' .. 'z'],
	},
);

sub machine_args {
	my (%o) = @_;
	my $cache = $o{disk_cache} // 'unsafe';
	# $o{disk_mbps}: the disks throttled to that many MB/s (reads and
	# writes together), as a slow SSD or a cloud volume is.
	my $throttle = $o{disk_mbps} ? ",throttling.bps-total=" . $o{disk_mbps} * 1000000 : '';
	my $target = "file=" . ($o{blkdebug} ? "blkdebug:$o{blkdebug}:" : '') .
		     "$o{disk},format=raw,cache=$cache" .
		     ($o{disk_readonly} ? ',readonly=on' : '') . $throttle;
	my @extra = @{ $o{extra_disks} // [] };
	if ($o{machine} eq 'real') {
		my $cores = $o{cpus} > 1 ? int($o{cpus} / 2) : 1;
		my $threads = $o{cpus} > 1 ? 2 : 1;
		my $i = 0;
		return (
			'-machine', 'q35', '-cpu', 'max',
			'-bios', '/usr/share/ovmf/OVMF.fd',
			'-smp', "$o{cpus},sockets=1,cores=$cores,threads=$threads",
			'-device', 'intel-iommu',
			'-drive', "$target,if=none,id=target",
			'-device', 'nvme,drive=target,serial=khib-target',
			map { my $n = $i++;
			      ('-drive', "file=$_,if=none,id=sata$n,format=raw,cache=unsafe$throttle",
			       '-device', "ide-hd,drive=sata$n,bus=ide.$n") } @extra,
		);
	}
	# $o{write_log}: every write and flush to the target logged there
	# (QEMU's blklogwrites driver), for WriteLog.pm to replay.
	my @target = $o{write_log} ? (
		'-blockdev', "driver=file,filename=$o{disk},node-name=target-file",
		'-blockdev', "driver=file,filename=$o{write_log},node-name=target-log",
		'-blockdev', 'driver=blklogwrites,node-name=target,file=target-file,log=target-log,log-sector-size=512',
		'-device', 'virtio-blk-pci,drive=target',
	) : ('-drive', "$target,if=virtio");
	return (
		'-smp', $o{cpus},
		@target,
		map { ('-drive', "file=$_,if=virtio,format=raw,cache=unsafe$throttle") } @extra,
	);
}

# Where the image's data stream lies on $disk: (offset, bytes), from the
# superblock (data_offset at byte 104, data_bytes at 112).
sub data_region {
	my ($disk) = @_;
	open my $fh, '<', $disk or die "cannot open $disk: $!\n";
	binmode $fh;
	sysread($fh, my $sb, 128) == 128 or die "short superblock in $disk\n";
	close $fh;
	return unpack('Q< Q<', substr($sb, 104, 16));
}

# Damage one byte of the file $disk at $offset: XOR it with $mask.
sub flip_byte {
	my ($disk, $offset, $mask) = @_;
	open my $fh, '+<', $disk or die "cannot open $disk: $!\n";
	binmode $fh;
	sysseek($fh, $offset, 0) or die "cannot seek in $disk: $!\n";
	sysread($fh, my $byte, 1) == 1 or die "cannot read $disk at $offset\n";
	sysseek($fh, $offset, 0);
	syswrite($fh, chr(ord($byte) ^ $mask)) == 1 or die "cannot write $disk: $!\n";
	close $fh or die "cannot close $disk: $!\n";
}

# The test guest's initramfs with a key store on top (encrypted images,
# docs/security.md), in $a{dir}/$a{name}-initrd.gz: made with khib-key
# for a key file (key_file => 1: $a{dir}/$a{name}/etc/khib/hibernation.key,
# named in khib.conf) or a passphrase (passphrase => TEXT, a cheap
# Argon2id), or the bytes of a store made elsewhere (store => BYTES).
sub keyed_initrd {
	my (%a) = @_;
	my $root = "$a{dir}/$a{name}";
	my $run = sub { system($_[0]) == 0 or die "failed: $_[0]\n" };
	make_path("$root/etc/khib");
	my $keys = "$root/etc/khib/keys";
	my $conf = '';
	if ($a{key_file}) {
		my $key = "$root/etc/khib/hibernation.key";
		$run->("head -c 64 /dev/urandom >$key");
		chmod 0600, $key;
		$run->("$BUILD/bin/khib-key init --store $keys --key-file $key >/dev/null");
		$conf = "key_file=/etc/khib/hibernation.key\n";
	} elsif (defined $a{passphrase}) {
		$run->("printf '%s\\n%s\\n' '$a{passphrase}' '$a{passphrase}' | $BUILD/bin/khib-key init --store $keys --passphrase --kdf-mib 16 --kdf-ops 1 >/dev/null 2>&1");
	} else {
		open my $fh, '>:raw', $keys or die "cannot write $keys: $!\n";
		print $fh $a{store};
		close $fh or die "cannot write $keys: $!\n";
		chmod 0600, $keys;
	}
	open my $fh, '>', "$root/etc/khib.conf" or die "cannot write $root/etc/khib.conf: $!\n";
	print $fh $conf;
	close $fh;
	my $initrd = "$a{dir}/$a{name}-initrd.gz";
	$run->("cd $root && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1 >$a{dir}/$a{name}.cpio.gz");
	$run->("cat $BUILD/initramfs.cpio.gz $a{dir}/$a{name}.cpio.gz >$initrd");
	return $initrd;
}

# Whether the file $disk holds the bytes $needle anywhere.
sub disk_contains {
	my ($disk, $needle) = @_;
	open my $fh, '<:raw', $disk or die "cannot open $disk: $!\n";
	my $tail = '';
	while (sysread($fh, my $block, 64 << 20)) {
		my $window = $tail . $block;
		return 1 if index($window, $needle) >= 0;
		$tail = substr($window, -length($needle) + 1);
	}
	return 0;
}

# An empty ext4 file system of $mib MiB in the file $path.
sub create_ext4 {
	my ($path, $mib) = @_;
	unlink $path;
	open my $fh, '>', $path or die "cannot create $path: $!\n";
	truncate $fh, $mib * 1024 * 1024 or die "truncate $path: $!\n";
	close $fh;
	system('mkfs.ext4', '-q', '-F', '-L', 'khib-soak', $path) == 0
		or die "mkfs.ext4 $path failed\n";
}

sub create_disk {
	my (%o) = @_;
	# Room for an image of all of RAM.
	$o{disk_mib} //= $o{mem} + 1024 > 2048 ? $o{mem} + 1024 : 2048;
	unlink $o{disk};
	open my $fh, '>', $o{disk} or die "cannot create $o{disk}: $!\n";
	truncate $fh, $o{disk_mib} * 1024 * 1024 or die "truncate $o{disk}: $!\n";
	close $fh;
}

# The SHA-256 of the file $path from byte $from (0) on: to show that a
# disk was not written.
sub disk_hash {
	my ($path, $from) = @_;
	open my $fh, '<', $path or die "cannot open $path: $!\n";
	binmode $fh;
	seek($fh, $from // 0, 0) or die "cannot seek in $path: $!\n";
	my $h = Digest::SHA->new(256)->addfile($fh)->hexdigest;
	close $fh;
	return $h;
}

# Open the console log named by $o->{log}, written as the guest runs.
sub open_log {
	my ($o) = @_;
	open $o->{log_fh}, '>', $o->{log} or die "cannot write $o->{log}: $!\n";
	$o->{log_fh}->autoflush(1);
}

sub log_line {
	my ($o, $text) = @_;
	return unless $o->{log_fh};
	print { $o->{log_fh} } $text, "\n";
}

# Boot once.  Returns { lines => [[seconds since start, text]...],
# start => epoch, seconds => wall time, exit => status, timed_out => bool,
# killed => bool }.  $o{on_line} is called with (seconds, text) for every
# console line; QEMU is killed at the first line matching $o{kill_when}.
# $o{disk_cache} is the main disk's cache mode (unsafe by default).
# $o{answers}: [[regex, text]...]: each text is typed on the console at
# the first line matching its regex, in order: a line answers at most one.
# [regex, text, 'prompt'] answers a prompt: a line not ended yet.
# A text that is a code reference is called, and what it returns typed.
# $o{monitor}: a path for QEMU's human monitor (a Unix socket), for
# monitor_command() from an answer.  $o{qemu_args}: more QEMU arguments.
# $o{tpm}: a directory for the state of a TPM 2.0 (swtpm), kept from
# boot to boot as a machine's TPM is; its PCRs start afresh each boot.
# The QEMU command line every guest of the project starts with (this
# file's and DebianGuest.pm's): $o{accel}, $o{mem}, $o{kernel},
# $o{initrd} (optional), $o{append} (the whole kernel command line), the
# console on stdio, no reboot; @more (disks, CPUs, devices) after it, and
# last the TPM of $o{tpm} (Swtpm.pm) and $KHIB_QEMU_ARGS (debugging, e.g.
# "-d cpu_reset -D reset.log").
sub qemu_command {
	my ($o, @more) = @_;
	return (
		'qemu-system-x86_64', '-accel', $o->{accel}, '-m', $o->{mem},
		'-nodefaults', '-display', 'none', '-no-reboot',
		'-serial', 'stdio',
		'-kernel', $o->{kernel},
		(defined $o->{initrd} ? ('-initrd', $o->{initrd}) : ()),
		'-append', $o->{append},
		@more,
		($o->{tpm} ? Swtpm::qemu_args($o->{tpm}) : ()),
		split(' ', $ENV{KHIB_QEMU_ARGS} // ''),
	);
}

sub boot {
	my (%o) = @_;
	my $swtpm = $o{tpm} ? Swtpm::start($o{tpm}) : undef;
	$o{machine} //= 'virtio';
	my $target = $MACHINES{$o{machine}}{target}
		// die "unknown machine $o{machine}\n";
	# Only warnings and errors from the kernel on the console: an
	# informational message could land in the middle of a line the
	# tests look for.  The full kernel log stays in dmesg.
	my @cmd = qemu_command(
		{ %o, append => "console=ttyS0 loglevel=4 khib.resume=$target $o{append}" },
		# $o{blkdebug}: a blkdebug rules file that fails chosen I/O.
		machine_args(%o),
		($o{monitor} ? ('-monitor', "unix:$o{monitor},server=on,wait=off") : ()),
		@{ $o{qemu_args} // [] },
	);
	my $start = time;
	my @answers = @{ $o{answers} // [] };
	my ($typed_r, $typed_w);
	if (@answers) {
		pipe($typed_r, $typed_w) or die "pipe: $!\n";
		$typed_w->autoflush(1);
	}
	my $pid = open(my $out, '-|') // die "cannot fork: $!\n";
	if (!$pid) {
		open STDERR, '>&', \*STDOUT;
		if ($typed_r) {
			close $typed_w;
			open STDIN, '<&', $typed_r or die "stdin: $!\n";
		} else {
			open STDIN, '<', '/dev/null';
		}
		exec @cmd or die "cannot run qemu-system-x86_64: $!\n";
	}
	close $typed_r if $typed_r;
	log_line(\%o, sprintf("=== boot at %s: %s", scalar localtime($start),
			      join(' ', @cmd)));

	# Type an answer once (its text, or what its code returns).
	my $type_answer = sub {
		my ($ans, $how) = @_;
		$ans->[3] = 1;
		my $typed = ref $ans->[1] eq 'CODE' ? $ans->[1]->() : $ans->[1];
		print {$typed_w} $typed;
		log_line(\%o, "=== $how: $typed");
	};
	my $sel = IO::Select->new($out);
	my ($buf, @lines, $timed_out, $killed) = ('');
	while (1) {
		my $left = $o{timeout} - (time - $start);
		if ($left <= 0) {
			$timed_out = 1;
			kill 'KILL', $pid;
			last;
		}
		next unless $sel->can_read($left < 1 ? $left : 1);
		my $n = sysread($out, my $chunk, 65536);
		last unless $n;
		$buf .= $chunk;
		while ($buf =~ s/^(.*?)\r?\n//) {
			my $text = $1;
			# OVMF paints the screen with escape sequences.
			$text =~ s/\e\[[0-9;?]*[a-zA-Z]|\e[()][0-9A-Za-z]|\r//g;
			my $t = time - $start;
			push @lines, [$t, $text];
			log_line(\%o, sprintf("%8.3f %s", $t, $text));
			$o{on_line}->($t, $text) if $o{on_line};
			for my $ans (@answers) {
				next if $ans->[3] || $text !~ $ans->[0];
				$type_answer->($ans, 'typed');
				last;
			}
			# A power cut: QEMU killed when the line shows up.
			if ($o{kill_when} && !$killed && $text =~ $o{kill_when}) {
				kill 'KILL', $pid;
				$killed = 1;
				log_line(\%o, "=== power cut (QEMU killed)");
			}
		}
		# A prompt waits on a line of its own, with no newline.
		for my $ans (@answers) {
			next if $ans->[3] || ($ans->[2] // '') ne 'prompt' ||
				$buf eq '' || $buf !~ $ans->[0];
			$type_answer->($ans, 'typed at a prompt');
			last;
		}
	}
	close $out;
	close $typed_w if $typed_w;
	my $status = $?;
	Swtpm::stop($swtpm);
	my $seconds = time - $start;
	log_line(\%o, sprintf("=== qemu exited after %.3f s, status %d%s",
			      $seconds, $status >> 8,
			      $timed_out ? ' (timed out, killed)' : ''));
	return {
		lines => \@lines,
		start => $start,
		seconds => $seconds,
		exit => $status,
		timed_out => $timed_out,
		killed => $killed,
	};
}

# Run one command on the monitor of the QEMU that boot() started with
# $o{monitor}; returns what the monitor answered.
sub monitor_command {
	my ($o, $command) = @_;
	my $sock = IO::Socket::UNIX->new(Peer => $o->{monitor})
		or die "cannot reach the QEMU monitor at $o->{monitor}: $!\n";
	my $said = '';
	my $read_prompt = sub {
		while ($said !~ /\(qemu\) $/) {
			sysread($sock, my $chunk, 4096) or last;
			$said .= $chunk;
		}
	};
	$read_prompt->();
	$said = '';
	print {$sock} "$command\n";
	$read_prompt->();
	close $sock;
	log_line($o, "=== monitor: $command");
	$said =~ s/\e\[[0-9;]*[A-Za-z]|\r//g;
	return $said;
}

# The first line matching $re, as [seconds, text, captures...], or undef.
sub find {
	my ($boot, $re) = @_;
	for my $l (@{ $boot->{lines} }) {
		if (my @m = $l->[1] =~ $re) {
			return [$l->[0], $l->[1], @m];
		}
	}
	return undef;
}

sub grep_lines {
	my ($boot, $re) = @_;
	return map { $_->[1] } grep { $_->[1] =~ $re } @{ $boot->{lines} };
}

# What khib-inspect says about the disk image.
# khib-inspect on the disk; $o{inspect_args}: its options (e.g. --key).
sub inspect {
	my (%o) = @_;
	my $text = `$BUILD/bin/khib-inspect @{[$o{inspect_args} // '']} $o{disk} 2>&1`;
	chomp $text;
	return $text;
}

# Hash lines "NAME HASH" from KHIB-FILE (or KHIB-FILE-AFTER N) markers.
sub file_hashes {
	my ($boot, $prefix) = @_;
	my %h;
	for my $line (grep_lines($boot, qr/^\Q$prefix\E file /)) {
		my ($name, $hash) = $line =~ /file (\S+) (\S+)$/;
		$h{$name} = $hash;
	}
	return \%h;
}

# Run a whole cycle test: boot, fill, then N hibernate/resume cycles.
# $o{soak}: a disk image for /dev/vdb holding an ext4 file system that the
# guest keeps busy and checks after every resume (khib-test soak).
# $o{scenario}: the khib-test scenario run with N and FILL (cycle).
# $o{machine}: "virtio" (default) or "real" (%MACHINES).
# $o{boot_append}[I]: more kernel command line for boot I alone (0 fills).
# Returns { ok => bool, error => text, boots => [...], cycles => [...] }.
sub run_cycles {
	my (%o) = (defaults(), @_);
	my $n = $o{cycles} // 3;
	my $fill = $o{fill} // 60;
	my $scenario = $o{scenario} // ($o{soak} ? 'soak' : 'cycle');
	$o{extra_disks} = [$o{soak}] if $o{soak};
	my $append = "khib.test=$scenario:$n:$fill" .
		     ($o{soak} ? " khib.data_disk=$MACHINES{$o{machine}}{extra}[0]" : '') .
		     ($o{extra_append} ? " $o{extra_append}" : '');
	my $report = $o{report} // sub { };
	my %res = (ok => 0, boots => [], cycles => []);

	if ($o{log}) {
		open_log(\%o);
	}
	create_disk(%o);
	my ($before);
	for my $i (0 .. $n) {
		my $more = $o{boot_append} ? $o{boot_append}[$i] : undef;
		my $boot = boot(%o, append => $append . ($more ? " $more" : ''));
		push @{ $res{boots} }, $boot;
		if ($boot->{timed_out}) {
			$res{error} = "boot $i timed out after $o{timeout} s";
			return \%res;
		}
		if (my $fail = find($boot, qr/^(KHIB-FAIL .*)$/)) {
			$res{error} = "boot $i: $fail->[2]";
			return \%res;
		}
		if ($i == 0) {
			$before = file_hashes($boot, 'KHIB-FILE');
			$res{first_boot} = $boot;
		} else {
			my $c = $res{cycles}[$i - 1];
			my $resumed = find($boot, qr/^KHIB-RESUMED $i$/);
			my $verify = find($boot, qr/^KHIB-VERIFY $i (.*)$/);
			unless ($resumed && $verify) {
				$res{error} = "boot $i: the system did not resume from image $i";
				return \%res;
			}
			$c->{resume_seconds} = $resumed->[0];
			$c->{verify} = $verify->[2];
			my $restore = find($boot, qr/khib-(?:restore: image loaded|writer: image restored) and verified in ([\d.]+) s/);
			$c->{in_place} = defined find($boot, qr/^khib-writer: image restored and verified/);
			$c->{restore_seconds} = $restore->[2] if $restore;
			# What the resumed kernel says about the hibernation.
			my $last = find($boot, qr/^khib-hibernate: last hibernation: (.*)$/);
			$c->{kexec_last} = { map { split /=/, $_, 2 } split ' ', $last->[2] }
				if $last;
			my $said = find($boot, qr/^khib-hibernate: kernel said: (.*)$/);
			$c->{kernel_said} = $said->[2] if $said;
			if ($o{soak}) {
				my $fs = find($boot, qr/^KHIB-FSCHECK $i (.*)$/);
				$c->{fscheck} = $fs ? $fs->[2] : 'no file system check';
			}
			my $after = file_hashes($boot, "KHIB-FILE-AFTER $i");
			my @bad = grep { ($after->{$_} // '') ne $before->{$_} } sort keys %$before;
			$c->{files_checked} = scalar keys %$before;
			$c->{files_bad} = \@bad;
			$c->{ok} = $verify->[2] =~ /files=ok anon=ok process=ok/ && !@bad &&
				   keys %$before > 0 &&
				   (!$o{soak} || $c->{fscheck} =~ /^churn=ok fsck=ok/);
			$report->($i, $c);
			unless ($c->{ok}) {
				$res{error} = "cycle $i: verification failed: $verify->[2]" .
					      ($o{soak} ? "; $c->{fscheck}" : '') .
					      (@bad ? " (host saw changed files: @bad)" : '');
				return \%res;
			}
		}
		last if $i == $n;

		my $next = $i + 1;
		my $hib = find($boot, qr/^KHIB-HIBERNATE $next counter=/);
		unless ($hib) {
			$res{error} = "boot $i: hibernation $next did not start";
			return \%res;
		}
		# Hibernation starts with the write to /sys/power/state.
		my @marks = grep { $_->[1] =~ /^khib-hibernate: hibernating/ &&
				   $_->[0] >= $hib->[0] } @{ $boot->{lines} };
		$hib = $marks[0] if @marks;
		my $wrote = find($boot, qr/khib-writer: wrote (\d+) pages .* ([\d]+) MiB on disk in ([\d.]+) s/);
		unless ($wrote) {
			$res{error} = "boot $i: the hibernate kernel did not write image $next";
			return \%res;
		}
		push @{ $res{cycles} }, {
			hibernate_seconds => $boot->{seconds} - $hib->[0],
			image_pages => $wrote->[2],
			image_mib => int($wrote->[2] / 256),
			stored_mib => $wrote->[3],
			write_seconds => $wrote->[4],
			powered_off => defined find($boot, qr/reboot: Power down/),
			writer_powered_off => defined find($boot, qr/^khib-writer: image safe on \S+; powering off$/),
			parked => defined find($boot, qr/^khib-writer: entered again/),
			booted => defined find($boot, qr/^khib-writer: hibernate kernel up after [\d.]+ s$/),
			inspect => inspect(%o),
		};
	}
	unless (find($res{boots}[-1], qr/^KHIB-DONE$/)) {
		$res{error} = "the last boot did not finish the test";
		return \%res;
	}
	if ($o{soak}) {
		unless (find($res{boots}[-1], qr/^KHIB-SOAK-UNMOUNTED$/)) {
			$res{error} = "the soak file system was not unmounted at the end";
			return \%res;
		}
		# The guest has powered off: the host's e2fsck sees the disk
		# as the next mount would.
		$res{host_fsck} = `e2fsck -fn $o{soak} 2>&1`;
		if ($?) {
			$res{error} = "e2fsck -fn $o{soak} on the host: exit " .
				      ($? >> 8) . "\n$res{host_fsck}";
			return \%res;
		}
	}
	$res{ok} = 1;
	return \%res;
}

1;
