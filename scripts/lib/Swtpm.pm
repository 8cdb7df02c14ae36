package Swtpm;
# A TPM 2.0 for a QEMU guest (swtpm), its state in a directory kept from
# boot to boot as a machine's TPM keeps it; its PCRs start afresh each
# boot.  Used by KhibQemu.pm and DebianGuest.pm:
#
#   my $pid = Swtpm::start($dir);           before QEMU starts
#   push @cmd, Swtpm::qemu_args($dir);
#   Swtpm::stop($pid);                      once QEMU has exited
use strict;
use warnings;
use File::Path qw(make_path);

sub socket_path { return "$_[0]/swtpm.sock" }

# swtpm for one boot: it ends when QEMU closes its socket.
sub start {
	my ($dir) = @_;
	make_path($dir);
	my $sock = socket_path($dir);
	unlink $sock;
	my $pid = fork // die "cannot fork: $!\n";
	if (!$pid) {
		open STDIN, '<', '/dev/null';
		open STDOUT, '>>', "$dir/swtpm.log";
		open STDERR, '>&', \*STDOUT;
		exec('swtpm', 'socket', '--tpm2', '--tpmstate', "dir=$dir",
		     '--ctrl', "type=unixio,path=$sock", '--terminate')
			or die "cannot run swtpm (apt-get install swtpm): $!\n";
	}
	for (1 .. 100) {
		return $pid if -S $sock;
		select(undef, undef, undef, 0.05);
	}
	die "swtpm did not make its socket $sock; see $dir/swtpm.log\n";
}

# A TIS TPM, as most PCs have, backed by that swtpm.
sub qemu_args {
	my ($dir) = @_;
	return ('-chardev', 'socket,id=chrtpm,path=' . socket_path($dir),
		'-tpmdev', 'emulator,id=tpm0,chardev=chrtpm',
		'-device', 'tpm-tis,tpmdev=tpm0');
}

sub stop {
	my ($pid) = @_;
	return unless $pid;
	kill 'TERM', $pid;
	waitpid($pid, 0);
}

1;
