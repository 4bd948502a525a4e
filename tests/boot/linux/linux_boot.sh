#!/usr/bin/env bash
# Debian's 32-bit Linux (../shared/guests/linux-i386) with a disk and from
# real boot loaders, media built at test time:
#   linux_boot.sh KIND REX86 WORKDIR CACHEDIR
# KIND is one of
#   disk-vfat     an initramfs built here loads ata_piix, sd_mod and vfat,
#                 mounts a FAT partition on the first IDE disk, writes files,
#                 syncs and powers off; mtools then finds them in the image
#   syslinux-hdd  syslinux on a FAT partition of an IDE disk (MBR from
#                 syslinux) boots the kernel and the shared initramfs
#   grub-cd       a grub-mkrescue CD boots the kernel and the shared initramfs
# The kernel's modules come from the shared tarball; the codepage and
# charset modules that vfat's mount needs (nls_cp437, nls_ascii) are not in
# it, so they are taken from the same kernel's Debian package
# (linux-image-6.1.0-50-686, i386), downloaded with apt into CACHEDIR with
# an apt state of its own (the host's architecture list is left alone) and
# used only if its vmlinuz is the shared one, byte for byte.
# Every test waits for the guest to power off (rex86 exits by itself) and
# checks the serial console; exit status 77 (a CTest skip) when a package
# or the shared files are missing.
set -u
kind=$1 rex86=$2 work=$3 cache=$4
case $rex86 in /*) ;; *) rex86=$PWD/$rex86 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
linux=$(cd "$here/../../../../shared/guests/linux-i386" 2>/dev/null && pwd)
KVER=6.1.0-50-686
kernel=$linux/vmlinuz-$KVER
initrd=$linux/initramfs-busybox-i386.cpio.gz
busybox=$linux/busybox-i386
modtar=$linux/modules-$KVER.tar.xz
HOST_TIMEOUT=${LINUX_BOOT_TIMEOUT:-900}
# The kernel's command line. cryptomgr.notests skips the self-tests of every
# crypto algorithm (crypto_algapi_init: about half of this kernel's boot,
# 31 s of virtual time), which boot.linux.initramfs.* already run; here
# they would only double the time of each test.
APPEND="console=ttyS0 cryptomgr.notests"

skip() {
    echo "SKIP: $*"
    exit 77
}
fail() {
    echo "FAIL: $*"
    exit 1
}
need_cmd() {
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || skip "'$c' is not installed"
    done
}
need_file() {
    for f in "$@"; do
        [ -r "$f" ] || skip "'$f' is not there"
    done
}
need_file "$kernel" "$initrd" "$busybox" "$modtar"

rm -rf "$work"
mkdir -p "$work" || fail "cannot create $work"
cd "$work" || exit 1

# Runs rex86 with the given arguments; COM1 goes to out.txt, stderr to
# err.txt; both are shown. Returns rex86's exit status.
run_rex86() {
    echo "\$ rex86 $*"
    "$rex86" "$@" >out.txt 2>err.txt
    local status=$?
    echo "--- stdout (COM1) ---"
    tr -d '\r' <out.txt | sed -E 's/\x1b\[[0-9;?]*[A-Za-z]/\n/g' | grep -v '^ *$' | tail -c 60000
    echo "--- stderr ---"
    cat err.txt
    echo "--- exit status $status ---"
    return $status
}

# want PATTERN...: each extended regex must appear in out.txt, in order.
want() {
    local rest
    rest=$(tr -d '\r' <out.txt)
    for w in "$@"; do
        local line
        line=$(printf '%s\n' "$rest" | grep -n -E -m1 -- "$w" | cut -d: -f1)
        [ -n "$line" ] || fail "missing on the console (in order): $w"
        rest=$(printf '%s\n' "$rest" | tail -n +"$((line + 1))")
    done
}

# The boot of the shared initramfs, as boot.linux.initramfs checks it.
check_initramfs_boot() {
    local status=$1
    want "Linux version 6\\.1\\.0-50-686" "Run /init as init process" INITRAMFS-BOOT-OK \
        "i686 GNU/Linux" POWEROFF "reboot: Power down"
    [ "$status" = 0 ] || fail "rex86 exited with status $status, not 0 (guest power-off)"
}

# le BYTES VALUE: little-endian bytes as a printf format.
le() {
    local n=$1 v=$2 out= k
    for ((k = 0; k < n; k++)); do
        out+=$(printf '\\x%02x' $(((v >> (8 * k)) & 0xFF)))
    done
    printf '%s' "$out"
}
# poke FILE OFFSET FORMAT: writes printf FORMAT's bytes at OFFSET.
poke() {
    # shellcheck disable=SC2059
    printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# fat_disk FILE SECTORS START TYPE: a disk of SECTORS sectors with one
# active partition of TYPE from sector START to the end, formatted FAT by
# mtools (mformat -H: the hidden sectors before the partition).
fat_disk() {
    local img=$1 total=$2 start=$3 type=$4
    dd if=/dev/zero of="$img" bs=512 count=0 seek="$total" status=none || fail "dd failed"
    mformat -i "$img@@$((start * 512))" -T $((total - start)) -h 16 -s 63 -H "$start" -v REX86 :: ||
        fail "mformat failed"
    # CHS fields saturated: everything here reads the LBA fields.
    poke "$img" 446 "\\x80\\xfe\\xff\\xff\\x$type\\xfe\\xff\\xff$(le 4 "$start")$(le 4 $((total - start)))"
    poke "$img" 510 '\x55\xaa'
}

# The Debian package of the shared kernel, for the modules the tarball
# lacks. Prints the directory its lib/modules tree was unpacked in.
kernel_package() {
    local pkg=linux-image-$KVER deb
    mkdir -p "$cache" || return 1
    deb=$(ls "$cache"/"${pkg}"_*_i386.deb 2>/dev/null | head -1)
    if [ -z "$deb" ]; then
        need_cmd apt-get dpkg-deb
        local st=$cache/apt
        mkdir -p "$st/lists/partial" "$st/archives/partial" || return 1
        : >"$st/status"
        local opts=(-q -o "Dir::State=$st" -o "Dir::State::Lists=$st/lists"
            -o "Dir::State::status=$st/status" -o "Dir::Cache=$st"
            -o "APT::Architecture=i386" -o "APT::Architectures::=i386")
        apt-get "${opts[@]}" update >"$cache/apt-update.log" 2>&1
        (cd "$cache" && apt-get "${opts[@]}" download "$pkg") >"$cache/apt-download.log" 2>&1
        deb=$(ls "$cache"/"${pkg}"_*_i386.deb 2>/dev/null | head -1)
        if [ -z "$deb" ]; then
            cat "$cache/apt-update.log" "$cache/apt-download.log" >&2
            return 1
        fi
    fi
    if [ ! -d "$cache/pkg/lib/modules/$KVER" ]; then
        rm -rf "$cache/pkg"
        mkdir -p "$cache/pkg"
        dpkg-deb --fsys-tarfile "$deb" |
            tar -x -C "$cache/pkg" --wildcards "./boot/vmlinuz-*" "./lib/modules/$KVER/kernel/fs/nls/*" ||
            return 1
    fi
    if ! cmp -s "$cache/pkg/boot/vmlinuz-$KVER" "$kernel"; then
        echo "$(basename "$deb") does not hold the shared vmlinuz-$KVER" >&2
        return 1
    fi
    echo "$cache/pkg"
}

case $kind in
disk-vfat)
    need_cmd python3 mformat mcopy mtype mdir md5sum xz tar
    mkdir -p mods && tar -xJf "$modtar" -C mods || fail "cannot unpack $modtar"
    cat >init.sh <<'EOF'
echo "DISK-TEST-START"
i=0
while [ ! -b /dev/sda1 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
end() { echo "DISK-TEST-$1"; echo POWEROFF; poweroff -f; }
[ -b /dev/sda1 ] || { cat /proc/partitions; end "FAIL no /dev/sda1"; }
cat /sys/block/sda/device/model
# The transfer mode libata chose: a DMA mode means the PIIX bus master.
echo "XFER-MODE $(cat /sys/class/ata_device/dev1.0/xfer_mode)"
# The codepage and the I/O charset are loaded late, to show that vfat
# cannot mount without either, even with -o utf8.
mount -t vfat /dev/sda1 /mnt && end "FAIL mounted without nls_cp437"
insmod /lib/modules/nls_cp437.ko && echo "MODULE-LOADED nls_cp437"
mount -t vfat -o utf8 /dev/sda1 /mnt && end "FAIL mounted without nls_ascii"
insmod /lib/modules/nls_ascii.ko && echo "MODULE-LOADED nls_ascii"
mount -t vfat /dev/sda1 /mnt || end "FAIL mount"
cat /mnt/HOST.TXT
# A long name (VFAT), a multi-sector file (DMA, several PRD entries), a
# directory; then sync and unmount, mount again and read back from disk.
echo "written by Linux under rex86" >"/mnt/Linux wrote this.txt"
cp /bin/busybox /mnt/busybox.bin
mkdir /mnt/dir && echo "in a directory" >/mnt/dir/file.txt
sync
umount /mnt || end "FAIL umount"
mount -t vfat /dev/sda1 /mnt || end "FAIL remount"
echo "READBACK $(md5sum </mnt/busybox.bin)"
cat "/mnt/Linux wrote this.txt"
# Written and synced but never unmounted: sync alone must make it last.
echo "synced, not unmounted" >/mnt/SYNCED.TXT
sync
end OK
EOF
    # vfat's mount loads the codepage (cp437, CONFIG_FAT_DEFAULT_CODEPAGE)
    # and, for vfat, the I/O charset (ascii, CONFIG_FAT_DEFAULT_IOCHARSET):
    # fs/fat/inode.c fails the mount without either. Both are modules (=m);
    # when the shared tarball lacks them they come from the kernel's
    # Debian package.
    mkinit() {
        python3 "$here/mkinitramfs.py" --busybox "$busybox" --init init.sh --out disk-initrd.cpio.gz \
            "$@" --module ata_piix --module sd_mod --module vfat \
            --late-module nls_cp437 --late-module nls_ascii
    }
    mkinit --moddir mods
    case $? in
    0) ;;
    3)
        echo "note: the shared modules tarball lacks a module vfat's mount needs (above);" \
            "taking the missing ones from Debian's linux-image-$KVER (i386)"
        pkgdir=$(kernel_package) ||
            fail "the Debian package linux-image-$KVER (i386) could not be had, and without" \
                "nls_cp437.ko and nls_ascii.ko vfat cannot mount"
        mkinit --moddir mods --moddir "$pkgdir" || fail "mkinitramfs.py failed"
        ;;
    *) fail "mkinitramfs.py failed" ;;
    esac
    total=65536 start=2048
    fat_disk disk.img $total $start 0e
    echo "put there by the host" >host.txt
    mcopy -i disk.img@@$((start * 512)) host.txt ::/HOST.TXT || fail "mcopy failed"
    run_rex86 -cpu pentium2 -m 128 -kernel "$kernel" -initrd disk-initrd.cpio.gz \
        -append "$APPEND" -hda disk.img -display none -serial stdio \
        --timeout "$HOST_TIMEOUT" -accel jit --stats
    status=$?
    grep -E "MODULE-FAILED" out.txt && fail "a module did not load"
    # sd_mod's shutdown sends SYNCHRONIZE CACHE: the ATA FLUSH CACHE that
    # rex86 answers with an fsync of the image.
    want "ata1: PATA .* bmdma 0x" "ata1.00: ATA-" "MODULE-LOADED ata_piix" "sd 0:0:0:0: \\[sda\\]" \
        " sda: sda1" "MODULE-LOADED vfat" DISK-TEST-START "XFER-MODE XFER_(MW_DMA|UDMA)_" \
        "FAT-fs \\(sda1\\): codepage cp437 not found" "MODULE-LOADED nls_cp437" \
        "FAT-fs \\(sda1\\): IO charset ascii not found" "MODULE-LOADED nls_ascii" \
        "put there by the host" "READBACK [0-9a-f]{32}" "written by Linux under rex86" DISK-TEST-OK \
        "\\[sda\\] Synchronizing SCSI cache" "reboot: Power down"
    [ "$status" = 0 ] || fail "rex86 exited with status $status, not 0 (guest power-off)"
    echo "--- the image after rex86 exited (mtools) ---"
    img=disk.img@@$((start * 512))
    mdir -i "$img" ::/ || fail "mdir failed"
    mdir -i "$img" ::/dir || fail "the directory the guest made is not in the image"
    [ "$(mtype -i "$img" "::/Linux wrote this.txt")" = "written by Linux under rex86" ] ||
        fail "the long-named file is not in the image, or differs"
    [ "$(mtype -i "$img" ::/dir/file.txt)" = "in a directory" ] || fail "dir/file.txt is wrong"
    [ "$(mtype -i "$img" ::/SYNCED.TXT)" = "synced, not unmounted" ] ||
        fail "the file synced but not unmounted before power-off was lost"
    sum=$(mtype -i "$img" ::/busybox.bin | md5sum | cut -d' ' -f1)
    [ "$sum" = "$(md5sum <"$busybox" | cut -d' ' -f1)" ] || fail "busybox.bin in the image differs"
    grep -q "READBACK $sum" out.txt || fail "the guest read busybox.bin back differently"
    echo "PASS: Linux wrote to a FAT partition on IDE and it is all in the image"
    ;;

syslinux-hdd)
    need_cmd syslinux mformat mcopy dd
    mbr=/usr/lib/syslinux/mbr/mbr.bin
    need_file $mbr
    total=32768 start=2048
    fat_disk disk.img $total $start 06
    syslinux --offset $((start * 512)) --install disk.img || fail "syslinux --install failed"
    dd if=$mbr of=disk.img bs=440 count=1 conv=notrunc status=none || fail "dd failed"
    printf 'SERIAL 0 115200\nDEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  LINUX vmlinuz\n  INITRD initrd.gz\n  APPEND %s\n' "$APPEND" >syslinux.cfg
    img=disk.img@@$((start * 512))
    mcopy -i "$img" syslinux.cfg ::/syslinux.cfg && mcopy -i "$img" "$kernel" ::/vmlinuz &&
        mcopy -i "$img" "$initrd" ::/initrd.gz || fail "mcopy failed"
    mdir -i "$img" ::/
    run_rex86 -cpu pentium2 -m 128 -hda disk.img -boot c -display none -serial stdio \
        --timeout "$HOST_TIMEOUT" -accel jit --stats
    status=$?
    want "SYSLINUX" "Loading vmlinuz" "Loading initrd.gz"
    check_initramfs_boot $status
    echo "PASS: syslinux on an IDE disk booted Linux to its initramfs"
    ;;

grub-cd)
    need_cmd grub-mkrescue xorriso mformat
    [ -d /usr/lib/grub/i386-pc ] || skip "grub-pc-bin (/usr/lib/grub/i386-pc) is not installed"
    mkdir -p root/boot/grub
    cp "$kernel" root/boot/vmlinuz && cp "$initrd" root/boot/initrd.gz || fail "cannot copy"
    cat >root/boot/grub/grub.cfg <<EOF
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry "Linux from rex86's GRUB CD" {
  echo "GRUB-LOADING-LINUX"
  linux /boot/vmlinuz $APPEND
  initrd /boot/initrd.gz
}
EOF
    grub-mkrescue -o grub.iso root >mkrescue.log 2>&1 || {
        cat mkrescue.log
        fail "grub-mkrescue failed"
    }
    run_rex86 -cpu pentium2 -m 128 -cdrom grub.iso -boot d -display none -serial stdio \
        --timeout "$HOST_TIMEOUT" -accel jit --stats
    status=$?
    want "GRUB-LOADING-LINUX"
    check_initramfs_boot $status
    echo "PASS: GRUB from a CD booted Linux to its initramfs"
    ;;

*)
    fail "unknown kind '$kind'"
    ;;
esac
exit 0
