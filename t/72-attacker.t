#!/usr/bin/perl
# An attacker with the target offline (docs/security.md): an encrypted
# image is edited in each of its parts, and every XXH3 hash is made right
# again as the fuzz helper does (tests/fuzz/image_edit.c): a byte of the
# superblock, the header page, the page map, the zero map, the memory
# map and a chunk; two chunks swapped; a chunk of another image sealed
# by the same key store spliced in; the last chunk dropped.  Each time
# the next boot refuses the image before resuming anything, keeps it and
# stops; the edit undone, the image resumes with every byte verified.
# Resumed or discarded, the image is spent and unreadable, and the
# target holds neither the key file nor a secret of the guest's memory.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../scripts/lib";
use File::Path qw(make_path remove_tree);
use Test::More;
use KhibQemu;

my $build = $KhibQemu::BUILD;
my $work = "$build/t-attacker";
my %o = (KhibQemu::defaults(),
	 disk => "$work/disk.img",
	 log => "$build/t-attacker.log");
remove_tree($work);
make_path($work);
KhibQemu::open_log(\%o);
system("make -s -C $KhibQemu::TOP/tests/fuzz BUILD=$build image-edit") == 0
	or BAIL_OUT('cannot build the attacker tool tests/fuzz/image_edit.c');
my $edit = "$build/fuzz/image_edit";

sub lines { my ($b) = @_; join("\n", KhibQemu::grep_lines($b, qr/^(khib|KHIB)/)) }

my $initrd = KhibQemu::keyed_initrd(dir => $work, name => 'keyfile', key_file => 1);
my %cycle = (%o, initrd => $initrd, append => 'khib.test=cycle:1:10');

# Another image sealed by the same key store, for its chunks.
my $other = "$work/other.img";
KhibQemu::create_disk(%o, disk => $other, disk_mib => 1536);
my $b0 = KhibQemu::boot(%cycle, disk => $other);
KhibQemu::create_disk(%o, disk_mib => 1536);
my $b1 = KhibQemu::boot(%cycle);
ok(KhibQemu::find($b0, qr/^khib-writer: image safe on \S+; powering off$/) &&
   KhibQemu::find($b1, qr/^khib-writer: saving \d+ pages .*, encrypted\)$/) &&
   KhibQemu::find($b1, qr/^khib-writer: image safe on \S+; powering off$/),
   'two encrypted images are written with the same key store')
	or BAIL_OUT("no images:\n" . lines($b1));
system("cp --sparse=always $o{disk} $work/disk.orig") == 0 or die "cannot copy $o{disk}\n";

for my $e (qw(superblock header map zero-map mem-map chunk swap splice drop)) {
	my $said = `$edit $o{disk} $e @{[$e eq 'splice' ? $other : '']} 2>&1`;
	ok($? == 0 && $said =~ /every hash made right again/, "$e: edited, every hash made right: $said")
		or next;
	my $b = KhibQemu::boot(%cycle);
	ok(KhibQemu::find($b, qr/^khib-restore: .*the image on \/dev\/vda may be intact and is kept; the boot stops here/) &&
	   KhibQemu::find($b, qr/^KHIB-BOOT-STOPPED \d+$/) && !KhibQemu::find($b, qr/^KHIB-RESUMED/),
	   "$e: refused before anything resumed; the image kept, the boot stopped")
		or diag(lines($b));
	system("cp --sparse=always $work/disk.orig $o{disk}") == 0 or die "cannot restore $o{disk}\n";
}

my $b2 = KhibQemu::boot(%cycle);
ok(KhibQemu::find($b2, qr/^KHIB-RESUMED 1$/) &&
   KhibQemu::find($b2, qr/^KHIB-VERIFY 1 files=ok anon=ok process=ok/),
   'every edit undone: the image resumes, every byte verified')
	or diag(lines($b2));
like(KhibQemu::inspect(%o), qr/spent, unreadable/, 'resumed, the image is spent and unreadable');

# Discarded (noresume): its key erased as well.
my $b3 = KhibQemu::boot(%cycle);
my $b4 = KhibQemu::boot(%cycle, append => 'khib.test=report noresume');
ok(KhibQemu::find($b3, qr/^khib-writer: image safe on \S+; powering off$/) &&
   KhibQemu::find($b4, qr/^khib-restore: noresume given; the image on \/dev\/vda.* is discarded$/) &&
   KhibQemu::find($b4, qr/^KHIB-NORMAL-BOOT$/),
   'another image, discarded with noresume: the boot goes on')
	or diag(lines($b4));
my $key_bytes = do { local $/; open my $fh, '<:raw', "$work/keyfile/etc/khib/hibernation.key" or die; <$fh> };
like(KhibQemu::inspect(%o), qr/spent, unreadable/, 'discarded, the image is spent and unreadable');
ok(!KhibQemu::disk_contains($o{disk}, $key_bytes) &&
   !KhibQemu::disk_contains($o{disk}, 'KHIB-SECRET-IN-MEMORY-0123456789abcdef'),
   'the target holds neither the key file nor a secret of the guest\'s memory');
done_testing();
