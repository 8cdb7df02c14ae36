#!/usr/bin/perl
# The TPM as a key source (docs/security.md), with a TPM 2.0 emulated by
# swtpm, its state kept from boot to boot.  The key store made on the
# host holds a passphrase; in the guest, "khib-key tpm" seals the master
# key by the TPM to PCR 7 (the passphrase typed on the console opens the
# store), and the host puts the store in the initramfs of the next boots.
# Then images are loaded for, written and resumed with no passphrase
# asked.  Once PCR 7 is changed before the resume (as a firmware update
# would), the TPM refuses: the passphrase is asked instead; three wrong
# ones stop the boot with the image kept, the right one resumes it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use File::Path qw(make_path remove_tree);
use MIME::Base64 qw(decode_base64);
use Test::More;
use KhibQemu;

my $build = $KhibQemu::BUILD;
my $work = "$build/t-tpm";
my %o = (KhibQemu::defaults(),
	 disk => "$work/disk.img",
	 tpm => "$work/tpm",
	 log => "$build/t-tpm.log");
remove_tree($work);
make_path($work);
KhibQemu::open_log(\%o);

sub lines { my ($b) = @_; join("\n", KhibQemu::grep_lines($b, qr/^(khib|KHIB)/)) }

my $prompt = qr/passphrase for the hibernation image/;
# Each answer is typed once: a fresh one for each prompt.
sub right { [$prompt, "correct horse battery\n", 'prompt'] }
sub wrong { [$prompt, "not the passphrase\n", 'prompt'] }

KhibQemu::create_disk(%o, disk_mib => 1536);
my $pass_initrd = KhibQemu::keyed_initrd(dir => $work, name => 'passphrase', passphrase => 'correct horse battery');
my $s = KhibQemu::boot(%o, initrd => $pass_initrd, append => 'khib.load=0 khib.test=tpm-seal',
		       answers => [right()]);
my @store = map { $_->[1] } @{ $s->{lines} };
my ($begin) = grep { $store[$_] eq 'KHIB-KEYSTORE-BEGIN' } 0 .. $#store;
my ($end) = grep { $store[$_] eq 'KHIB-KEYSTORE-END' } 0 .. $#store;
ok(KhibQemu::find($s, qr/^khib-key: the master key of \/etc\/khib\/keys, sealed by a passphrase and the TPM \(PCR 7\)$/) &&
   defined $begin && defined $end,
   'khib-key tpm seals the master key by the TPM to PCR 7')
	or BAIL_OUT("no TPM seal:\n" . lines($s));
my $tpm_initrd = KhibQemu::keyed_initrd(dir => $work, name => 'tpm',
					 store => decode_base64(join('', @store[$begin + 1 .. $end - 1])));

my $b1 = KhibQemu::boot(%o, initrd => $tpm_initrd, append => 'khib.test=cycle:2:10');
ok(KhibQemu::find($b1, qr/^khib-load: hibernate kernel loaded \(.*images encrypted with the key of \/etc\/khib\/keys/) &&
   KhibQemu::find($b1, qr/^khib-writer: saving \d+ pages .*, encrypted\)$/) &&
   KhibQemu::find($b1, qr/^khib-writer: image safe on \S+; powering off$/) &&
   !KhibQemu::find($b1, $prompt),
   'the TPM gives khib-load the key with no passphrase asked; an encrypted image is written')
	or diag(lines($b1));

my $b2 = KhibQemu::boot(%o, initrd => $tpm_initrd, append => 'khib.test=cycle:2:10');
ok(KhibQemu::find($b2, qr/^KHIB-VERIFY 1 files=ok anon=ok process=ok/) && !KhibQemu::find($b2, $prompt),
   'the TPM gives khib-restore the key: the image resumes, every byte verified, no passphrase asked')
	or diag(lines($b2));
ok(KhibQemu::find($b2, qr/^khib-writer: image safe on \S+; powering off$/),
   'after the resume, the key again from the TPM: a second image is written')
	or diag(lines($b2));

# The boot state changed: PCR 7 extended before khib-restore runs.
my $changed = 'khib.test=cycle:2:10 khib.test_pcr_extend=7';
my $b3 = KhibQemu::boot(%o, initrd => $tpm_initrd, append => $changed,
			answers => [wrong(), wrong(), wrong()]);
ok(KhibQemu::find($b3, qr/^KHIB-PCR-EXTENDED 7$/) &&
   KhibQemu::find($b3, qr/^khib: the TPM does not give the key: the boot state changed since the key was sealed \(PCR 7 differs\); asking for the passphrase$/),
   'PCR 7 changed: the TPM refuses, and the passphrase is asked')
	or diag(lines($b3));
ok(KhibQemu::find($b3, qr/^KHIB-BOOT-STOPPED 3$/) && !KhibQemu::find($b3, qr/^KHIB-RESUMED/),
   'three wrong passphrases: the boot stops, nothing resumed')
	or diag(lines($b3));
like(KhibQemu::inspect(%o), qr/encrypted image of \d+ pages.*no key was given/,
     'and the image is kept');

my $b4 = KhibQemu::boot(%o, initrd => $tpm_initrd, append => $changed,
			answers => [right()]);
ok(KhibQemu::find($b4, qr/^KHIB-RESUMED 2$/) &&
   KhibQemu::find($b4, qr/^KHIB-VERIFY 2 files=ok anon=ok process=ok/),
   'the right passphrase the next boot: the image resumes, every byte verified')
	or diag(lines($b4));
like(KhibQemu::inspect(%o), qr/spent, unreadable/, 'resumed, the image is spent and unreadable');
done_testing();
