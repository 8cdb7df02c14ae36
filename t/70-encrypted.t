#!/usr/bin/perl
# Encrypted images (docs/security.md).  The test guest's initramfs gets a
# key store made on the host with khib-key: a key file in one run, a
# passphrase (typed on the console) in the other.  khib-load hands the
# master key to the hibernate kernel; the image it writes holds no page
# in clear and opens only with the key; it resumes with every byte
# verified, through /dev/snapshot and in place.  A changed byte of the
# sealed data stops the boot with the image kept; undone, it resumes.
# Resumed, the image's wrapped key is gone (crypto-erase).  The target
# holds no secret the guest had in memory, nor its key file, while an
# image in clear does.  An image in clear on a machine that encrypts is
# refused.  (An attacker's
# changes, hashes made right, are tests/unit/test_image_stream.c's.)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use File::Path qw(make_path remove_tree);
use JSON::PP ();
use Test::More;
use KhibQemu;

my $build = $KhibQemu::BUILD;
my $work = "$build/t-encrypted";
my %o = (KhibQemu::defaults(),
	 disk => "$work/disk.img",
	 log => "$build/t-encrypted.log");
remove_tree($work);
make_path("$work/root/etc/khib");
KhibQemu::open_log(\%o);

my $file_initrd = KhibQemu::keyed_initrd(dir => $work, name => 'keyfile', key_file => 1);
KhibQemu::create_disk(%o, disk_mib => 1536);

my $b1 = KhibQemu::boot(%o, initrd => $file_initrd, append => 'khib.test=cycle:1:10');
ok(KhibQemu::find($b1, qr/^khib-load: hibernate kernel loaded \(.*images encrypted with the key of \/etc\/khib\/keys/),
   'key file: khib-load hands the master key to the hibernate kernel');
ok(KhibQemu::find($b1, qr/^khib-writer: saving \d+ pages .*, encrypted\)$/) &&
   KhibQemu::find($b1, qr/^khib-writer: image safe on \S+; powering off$/),
   'key file: the writer writes an encrypted image');
like(KhibQemu::inspect(%o), qr/encrypted image of \d+ pages, Linux \S+: the image is encrypted, and no key was given/,
     'without the key, khib-inspect sees an encrypted image it cannot open');
# khib-test's fill put this between random bytes in a tmpfs file.
my $secret = 'KHIB-SECRET-IN-MEMORY-0123456789abcdef';
my $key_bytes = do { local $/; open my $fh, '<:raw', "$work/keyfile/etc/khib/hibernation.key" or die; <$fh> };
ok(!KhibQemu::disk_contains($o{disk}, $secret) && !KhibQemu::disk_contains($o{disk}, $key_bytes),
   'the target holds neither a secret the guest had in memory nor its key file');
# The operator's view, with the machine's key (khib.conf names it).
{
	open my $conf, '>', "$work/inspect.conf" or die;
	print $conf "key_store=$work/keyfile/etc/khib/keys\nkey_file=$work/keyfile/etc/khib/hibernation.key\n";
	close $conf;
	local $ENV{KHIB_CONF} = "$work/inspect.conf";
	like(KhibQemu::inspect(%o, inspect_args => '--key --check -v'),
	     qr/valid image of \d+ pages .*; data checked\n(?s:.*)encrypted \(XChaCha20-Poly1305\), the master key sealed by a key file/,
	     'khib-inspect --key opens the image with the key file and checks every seal');
}
my $json = JSON::PP::decode_json(KhibQemu::inspect(%o, inspect_args => '--json'));
ok($json->{verdict} eq 'refused' && $json->{encryption}{cipher} eq 'xchacha20-poly1305' &&
   "@{$json->{encryption}{key_sources}}" eq 'key_file' && !$json->{encryption}{opened},
   'khib-inspect --json: encrypted with XChaCha20-Poly1305, sealed by a key file, not opened without --key');

# A byte of the sealed data changed (an attacker, or damage): refused
# before any page reaches the kernel, and kept; undone, it resumes.
my ($data_at, $data_bytes) = KhibQemu::data_region($o{disk});
my $flip_at = $data_at + int($data_bytes / 2);
KhibQemu::flip_byte($o{disk}, $flip_at, 0x20);
my $bad = KhibQemu::boot(%o, initrd => $file_initrd, append => 'khib.test=cycle:1:10');
ok(KhibQemu::find($bad, qr/^khib-restore: .*does not open with the image's key.*the image on \/dev\/vda may be intact and is kept; the boot stops here/) &&
   KhibQemu::find($bad, qr/^KHIB-BOOT-STOPPED 3$/) && !KhibQemu::find($bad, qr/^KHIB-RESUMED/),
   'a changed byte of the sealed data: refused, the image kept, the boot stopped')
	or diag(join("\n", KhibQemu::grep_lines($bad, qr/^(khib|KHIB)/)));
KhibQemu::flip_byte($o{disk}, $flip_at, 0x20);

my $b2 = KhibQemu::boot(%o, initrd => $file_initrd, append => 'khib.test=cycle:1:10');
ok(KhibQemu::find($b2, qr/^KHIB-RESUMED 1$/) &&
   KhibQemu::find($b2, qr/^KHIB-VERIFY 1 files=ok anon=ok process=ok/),
   'key file: the change undone, the encrypted image resumes, every byte verified');
like(KhibQemu::inspect(%o), qr/spent, unreadable/, 'resumed, the image is spent and unreadable');

# Restored in place: khib-restore hands the key to the hibernate kernel.
my $i1 = KhibQemu::boot(%o, initrd => $file_initrd, append => 'khib.test=cycle:1:10 khib.inplace');
ok(KhibQemu::find($i1, qr/^khib-writer: image safe on \S+; powering off$/),
   'in place: another encrypted image is written');
my $i2 = KhibQemu::boot(%o, initrd => $file_initrd, append => 'khib.test=cycle:1:10 khib.inplace');
ok(KhibQemu::find($i2, qr/^khib-restore: khib.inplace given; restoring it in place/) &&
   KhibQemu::find($i2, qr/^KHIB-VERIFY 1 files=ok anon=ok process=ok/),
   'in place: the hibernate kernel opens it with the key handed over, every byte verified')
	or diag(join("\n", KhibQemu::grep_lines($i2, qr/^khib/)));

# An image in clear, on a machine that encrypts: refused.
my $b3 = KhibQemu::boot(%o, append => 'khib.test=cycle:1:10');
ok(KhibQemu::find($b3, qr/^khib-writer: saving \d+ pages .*, in clear\)$/) &&
   KhibQemu::find($b3, qr/^khib-writer: image safe/),
   'an image in clear is written by a machine without a key store');
ok(KhibQemu::disk_contains($o{disk}, $secret),
   'in an image in clear, the same scan finds the secret');
my $b4 = KhibQemu::boot(%o, initrd => $file_initrd, append => 'khib.test=report');
ok(KhibQemu::find($b4, qr/^khib-restore: refusing the image on \/dev\/vda: the image is in clear, and this machine encrypts its images/) &&
   KhibQemu::find($b4, qr/^KHIB-NORMAL-BOOT$/),
   'on a machine that encrypts, an image in clear is refused and the boot goes on');

# The passphrase: asked by khib-load at boot and by khib-restore at resume.
my $pass_initrd = KhibQemu::keyed_initrd(dir => $work, name => 'passphrase', passphrase => 'correct horse battery');
KhibQemu::create_disk(%o, disk_mib => 1536);
my $answers = sub { [[qr/passphrase for the hibernation image/, "wrong passphrase\n", 'prompt'],
		     [qr/passphrase for the hibernation image/, "correct horse battery\n", 'prompt']] };
my $p1 = KhibQemu::boot(%o, initrd => $pass_initrd, append => 'khib.test=cycle:1:10',
			answers => $answers->());
ok(KhibQemu::find($p1, qr/^khib-load: hibernate kernel loaded \(.*images encrypted/) &&
   KhibQemu::find($p1, qr/^khib-writer: image safe on \S+; powering off$/),
   'passphrase: a wrong one is asked again; the right one loads the key and an image is written')
	or diag(join("\n", KhibQemu::grep_lines($p1, qr/^khib/)));
my $p2 = KhibQemu::boot(%o, initrd => $pass_initrd, append => 'khib.test=cycle:1:10',
			answers => [[qr/passphrase for the hibernation image/, "correct horse battery\n", 'prompt']]);
ok(KhibQemu::find($p2, qr/^KHIB-VERIFY 1 files=ok anon=ok process=ok/),
   'passphrase: typed at resume, the image resumes, every byte verified')
	or diag(join("\n", KhibQemu::grep_lines($p2, qr/^khib/)));
done_testing();
