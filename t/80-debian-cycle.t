#!/usr/bin/perl
# khib end to end on Debian 12 with systemd (scripts/debian-cycle): the
# .deb installed with apt, a key store sealed by a key file and the TPM
# (swtpm), the initramfs made by initramfs-tools with khib's hook, an upgrade of the package that loads the new hibernate
# kernel, khib-load.service at boot, "systemctl hibernate" and the
# resume by the initramfs, with a systemd service, a tmux session and data
# in a tmpfs and on the ext4 root surviving; hybrid-sleep and
# suspend-then-hibernate refused with the system running; a clean
# power-off and a clean e2fsck of the root; a stop in the initramfs that
# stays stopped when its rescue shell exits.
# KHIB_DEBIAN_CYCLES sets the number of cycles (1).  Builds the Debian
# guest's kernel and disk (make debian-guest) and the .deb first if they
# are missing or out of date.
use strict;
use warnings;
use FindBin;
use Test::More;

my $top = "$FindBin::Bin/..";
my $cycles = $ENV{KHIB_DEBIAN_CYCLES} // 1;
$cycles =~ /^[1-9]\d*$/ or BAIL_OUT("KHIB_DEBIAN_CYCLES=$cycles is not a number of cycles");

# Run a command, passing each line it prints on as a diagnostic.
sub run_diag {
	my (@cmd) = @_;
	open my $out, '-|', "@cmd 2>&1" or return (-1);
	my @lines;
	while (my $line = <$out>) {
		chomp $line;
		push @lines, $line;
		diag($line);
	}
	close $out;
	return ($? >> 8, @lines);
}

diag('make debian-guest (the main-debian kernel and the Debian disk, if missing or out of date)');
my ($made) = run_diag("make -C $top --no-print-directory debian-guest");
is($made, 0, 'make debian-guest') or BAIL_OUT('no Debian guest');

my ($status, @out) = run_diag("$top/scripts/debian-cycle", '--cycles', $cycles);
my $text = join("\n", @out) . "\n";

ok($text =~ qr/boot 1: apt-get install \.\/khib_\S+\.deb, target=PARTLABEL=khib-image, update-initramfs -c/,
     'the .deb installs with apt, offline, and update-initramfs makes an initramfs');
ok($text =~ qr/boot 1: upgraded khib (\S+) to \1\+upgrade1: khib-load\.service restarted, kexec_loaded 1/,
     'an upgrade of the package loads the new hibernate kernel (khib-load.service restarted)');
ok($text =~ qr/initramfs \S+: \d+ KiB, holds khib-restore, khib-load, kexec, khib.conf, the key store \(not the key file\)/,
     "the initramfs holds khib's tools, configuration, key store and script, and not the key file");
ok($text =~ qr/\/boot\/khib-hibernate\.bzImage is build\/hib\/arch\/x86\/boot\/bzImage's/,
     "the package's hibernate kernel is build/hib's");
# The target was claimed when boot 1 loaded the hibernate kernel.
ok($text =~ qr/boot 2 console: .*khib-restore: \S+: no hibernation image \(an empty khib target\); booting normally/,
     'the first boot with the initramfs finds an empty khib target and boots on');
ok($text =~ qr/boot 2: khib-load\.service active, kexec_loaded 1/,
     'khib-load.service loaded and parked the hibernate kernel at boot');
ok($text =~ qr/boot 2: a service asked the passphrase through systemd-ask-password; the tty agent answered; khib-key unlock succeeded/,
   'a passphrase asked by a service (no terminal) goes through systemd-ask-password and its agents');
for my $i (1 .. $cycles) {
	my $tag = "cycle $i/$cycles";
	ok($text =~ qr/\Q$tag\E: systemctl hibernate -> QEMU exited \(status 0\), parked hibernate kernel entered/,
	     "$tag: systemctl hibernate entered the parked hibernate kernel, which powered off");
	ok($text =~ qr/\Q$tag\E: systemctl hibernate -> QEMU exited \(status 0\), .*, image encrypted$/m,
	     "$tag: the image is encrypted (khib-load opened the key store with the key file)");
	ok($text =~ qr/\Q$tag\E: resumed, the shell answers/, "$tag: the initramfs resumed the image");
	ok($text =~ qr/\Q$tag\E: pre-copy: khib-precopy: not done: images are encrypted \(\/etc\/khib\/keys\), and a pre-copy is written in clear$/m,
	   "$tag: khib-sleep ran the pre-copy's decision, which writes nothing in clear for encrypted images");
	ok($text =~ qr/\Q$tag\E: at resume the TPM gave the key \(the initramfs holds no key file\)/,
	     "$tag: at resume the TPM (swtpm) gave the key, no passphrase asked");
	ok($text =~ qr/\Q$tag\E: khib-reload\.service loaded and parked the hibernate kernel after the resume: khib-load: parking it in 5 s \(park_delay=\), off the resumed system's way; khib-park: hibernate kernel booted and parked in [\d.]+ s$/m,
	     "$tag: khib-reload.service loaded the hibernate kernel again, and parked it 5 s later (park_delay=5)");
	ok($text =~ qr/\Q$tag\E: \/sys\/power\/kexec_last: status=resumed image_pages=\d+ bytes_written=\d+ write_ms=\d+; kernel log: PM: hibernation: kexec: resumed from an image of \d+ pages/,
	     "$tag: the resumed kernel shows the hibernation's figures in sysfs and logs them");
	ok($text =~ qr/^debian-cycle: \Q$tag\E: ok$/m,
	     "$tag: same service PID, no restart, counters going on, tmpfs and file data intact, journal lines");
}
ok($text =~ qr/systemctl hybrid-sleep: logind CanHybridSleep s "na", status [1-9]\d*.*, refused; system \S+, workloads running/,
     'logind says hybrid sleep is not supported, systemctl hybrid-sleep fails and the system keeps running');
ok($text =~ qr/systemctl suspend-then-hibernate: logind CanSuspendThenHibernate s "na", status [1-9]\d*.*, refused; system \S+, workloads running/,
     'logind says suspend-then-hibernate is not supported, systemctl suspend-then-hibernate fails at once and the system keeps running');
ok($text =~ qr/initramfs stop \(khib.resume=\/dev\/vdz\): stopped 2 time\(s\) around an exited rescue shell, the boot did not go on/,
   "Debian's initramfs: khib-restore's stop stays a stop when the rescue shell exits");
ok($text =~ qr/systemctl poweroff: QEMU exited with status 0$/m, 'a clean power-off');
ok($text =~ qr/host e2fsck -fn of the root partition: clean/, 'the root file system is clean');
ok($text =~ qr/counter file on disk: \d+ lines, in sequence/,
     "the service's counter file on disk has every line, in order");
is($status, 0, 'scripts/debian-cycle passed') or diag("see build/debian-cycle.log");
done_testing();
