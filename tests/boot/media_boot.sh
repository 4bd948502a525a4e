#!/usr/bin/env bash
# Boot tests with media built at test time from the distribution's packages:
#   media_boot.sh KIND REX86 WORKDIR
# KIND is one of
#   memtest-kernel  memtest86+ through rex86's Linux boot protocol (-kernel)
#   syslinux-floppy a 1.44 MB FAT floppy, syslinux --install, memtest86+
#   isolinux-cd     an El Torito no-emulation CD with isolinux, memtest86+
#   grub-cd         a grub-mkrescue CD, to GRUB's menu on the VGA screen
#   grub-hdd        an MBR disk: boot.img + core.img by hand, a FAT
#                   partition with /boot/grub/grub.cfg, to GRUB's menu
# The memtest86+ tests wait until memtest names its second test ("Address
# test, own address"), then check that its banner and its first test came
# over COM1 (the serial lags behind the VGA screen, which --exit-on also
# watches, so the first test's name on the screen is too early to end on);
# the GRUB tests wait for the
# menu entry on the VGA text screen and check the screen dump. Every test
# ends on guest text, never on a sleep. Exit status 77 (a CTest skip) when
# a package's files are missing.
set -u
kind=$1 rex86=$2 work=$3
case $rex86 in /*) ;; *) rex86=$PWD/$rex86 ;; esac

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
        [ -r "$f" ] || skip "'$f' is not installed"
    done
}

# Generous host-time limits: a loaded CI machine may run us slowly; the test
# itself ends as soon as the text appears.
HOST_TIMEOUT=400
MEMTEST_MARK="Address test, own address"

rm -rf "$work"
mkdir -p "$work" || fail "cannot create $work"
cd "$work" || exit 1

memtest=
for f in /boot/memtest86+ia32.bin /boot/memtest86+x32.bin /boot/memtest86+.bin; do
    if [ -r "$f" ]; then
        memtest=$f
        break
    fi
done
need_memtest() {
    [ -n "$memtest" ] || skip "memtest86+ (/boot/memtest86+ia32.bin) is not installed"
}

# Runs rex86 with the given arguments; its stdout (COM1 when -serial stdio)
# goes to out.txt, its stderr to err.txt. Returns rex86's exit status.
run_rex86() {
    echo "\$ rex86 $*"
    "$rex86" "$@" >out.txt 2>err.txt
    local status=$?
    echo "--- stdout (COM1) ---"
    # The guest's ANSI cursor moves make a log unreadable: each becomes a
    # line break.
    sed -E 's/\x1b\[[0-9;?]*[A-Za-z]/\n/g' out.txt | grep -v '^ *$' | head -c 20000
    echo
    echo "--- stderr ---"
    cat err.txt
    echo "--- exit status $status ---"
    return $status
}

# memtest86+ writes its screen to COM1 as well: its banner, then the name of
# the test it runs. Both must come over the serial port (stdout), not only
# the VGA screen that --exit-on also watches.
check_memtest_serial() {
    local status=$1
    [ "$status" = 0 ] || fail "rex86 exited with status $status, not 0 (--exit-on matched)"
    grep -q "Memtest86+" out.txt || fail "memtest86+'s banner did not come over COM1"
    grep -q "Address test, walking ones" out.txt || fail "memtest86+'s first test did not come over COM1"
    echo "PASS: memtest86+ runs and reports over COM1"
    exit 0
}

syslinux_cfg() {
    # $1: the kernel's file name. LINUX, not KERNEL: syslinux picks the
    # format of a KERNEL by its extension and would run a .bin as a boot
    # sector.
    printf 'SERIAL 0 115200\nDEFAULT memtest\nPROMPT 0\nTIMEOUT 0\n'
    printf 'LABEL memtest\n  LINUX %s\n  APPEND console=ttyS0,115200\n' "$1"
}

check_grub_menu() {
    local status=$1 entry=$2
    [ "$status" = 0 ] || fail "rex86 exited with status $status, not 0 (--exit-on matched)"
    echo "--- text screen ---"
    cat screen.txt
    grep -q "GNU GRUB" screen.txt || fail "the screen does not show GNU GRUB's title"
    grep -q "$entry" screen.txt || fail "the screen does not show the menu entry"
    echo "PASS: GRUB's menu is on the VGA screen"
    exit 0
}

grub_cfg() {
    # No serial terminal: the menu can reach --exit-on only through VGA.
    printf 'set timeout=-1\nmenuentry "%s" {\n  echo selected\n}\n' "$1"
}

# Little-endian bytes as a printf format: le BYTES VALUE
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

case $kind in
memtest-kernel)
    need_memtest
    run_rex86 -kernel "$memtest" -append "console=ttyS0,115200" -display none -serial stdio \
        --exit-on "$MEMTEST_MARK" -m 32 --timeout $HOST_TIMEOUT
    check_memtest_serial $?
    ;;

syslinux-floppy)
    need_memtest
    need_cmd syslinux mformat mcopy
    mformat -C -f 1440 -i floppy.img :: || fail "mformat failed"
    syslinux --install floppy.img || fail "syslinux --install failed"
    syslinux_cfg memtest.bin >syslinux.cfg
    mcopy -i floppy.img "$memtest" ::/memtest.bin || fail "mcopy failed"
    mcopy -i floppy.img syslinux.cfg ::/syslinux.cfg || fail "mcopy failed"
    mdir -i floppy.img ::/
    run_rex86 -fda floppy.img -boot a -display none -serial stdio \
        --exit-on "$MEMTEST_MARK" -m 32 --timeout $HOST_TIMEOUT
    status=$?
    grep -q "SYSLINUX" out.txt || fail "SYSLINUX's banner did not come over COM1"
    check_memtest_serial $status
    ;;

isolinux-cd)
    need_memtest
    need_cmd xorriso
    isolinux_bin=/usr/lib/ISOLINUX/isolinux.bin
    ldlinux=/usr/lib/syslinux/modules/bios/ldlinux.c32
    need_file $isolinux_bin $ldlinux
    mkdir -p cd/isolinux
    cp $isolinux_bin $ldlinux cd/isolinux/ || fail "cannot copy isolinux"
    cp "$memtest" cd/isolinux/memtest || fail "cannot copy memtest86+"
    syslinux_cfg memtest >cd/isolinux/isolinux.cfg
    xorriso -as mkisofs -quiet -o cd.iso -b isolinux/isolinux.bin -c isolinux/boot.cat \
        -no-emul-boot -boot-load-size 4 -boot-info-table cd || fail "xorriso failed"
    run_rex86 -cdrom cd.iso -boot d -display none -serial stdio \
        --exit-on "$MEMTEST_MARK" -m 32 --timeout $HOST_TIMEOUT
    status=$?
    grep -q "ISOLINUX" out.txt || fail "ISOLINUX's banner did not come over COM1"
    check_memtest_serial $status
    ;;

grub-cd)
    need_cmd grub-mkrescue xorriso mformat
    [ -d /usr/lib/grub/i386-pc ] || skip "grub-pc-bin (/usr/lib/grub/i386-pc) is not installed"
    entry="rex86 test entry on a GRUB CD"
    mkdir -p root/boot/grub
    grub_cfg "$entry" >root/boot/grub/grub.cfg
    grub-mkrescue -o grub.iso root >mkrescue.log 2>&1 || {
        cat mkrescue.log
        fail "grub-mkrescue failed"
    }
    run_rex86 -cdrom grub.iso -boot d -display none -serial none \
        --exit-on "$entry" --dump-screen screen.txt --timeout $HOST_TIMEOUT
    check_grub_menu $? "$entry"
    ;;

grub-hdd)
    need_cmd grub-mkimage mformat mmd mcopy dd
    grubdir=/usr/lib/grub/i386-pc
    need_file $grubdir/boot.img $grubdir/biosdisk.mod
    entry="rex86 test entry on a GRUB hard disk"
    # 16 MB: the MBR, core.img in the gap before the first partition
    # (sectors 1..2047), a FAT16 partition from sector 2048 to the end.
    total=32768 start=2048
    dd if=/dev/zero of=disk.img bs=512 count=$total status=none || fail "dd failed"
    mformat -i disk.img@@$((start * 512)) -T $((total - start)) -h 16 -s 63 -H $start :: ||
        fail "mformat failed"
    mmd -i disk.img@@$((start * 512)) ::/boot ::/boot/grub || fail "mmd failed"
    grub_cfg "$entry" >grub.cfg
    mcopy -i disk.img@@$((start * 512)) grub.cfg ::/boot/grub/grub.cfg || fail "mcopy failed"
    grub-mkimage -O i386-pc -d $grubdir -p '(hd0,msdos1)/boot/grub' -o core.img \
        biosdisk part_msdos fat normal || fail "grub-mkimage failed"
    core_sectors=$((($(stat -c %s core.img) + 511) / 512))
    [ $core_sectors -lt $start ] || fail "core.img does not fit before the partition"
    # What grub-bios-setup does for a disk (GRUB's include/grub/i386/pc/boot.h
    # and diskboot.S): boot.img's code (the first 440 bytes, keeping the
    # partition table) in the MBR; its 64-bit kernel sector (offset 0x5C)
    # pointing at core.img's first sector; boot drive 0xFF (offset 0x64:
    # the drive the BIOS booted); the floppy-check jump at 0x66 turned into
    # NOPs for a hard disk. core.img at sector 1; its first sector
    # (diskboot.img) ends in a blocklist {u64 start, u16 len, u16 segment}
    # at 0x1F4 naming the rest of core.img.
    dd if=$grubdir/boot.img of=disk.img bs=440 count=1 conv=notrunc status=none || fail "dd failed"
    poke disk.img $((0x5C)) "$(le 8 1)"
    poke disk.img $((0x64)) '\xff'
    poke disk.img $((0x66)) '\x90\x90'
    dd if=core.img of=disk.img bs=512 seek=1 conv=notrunc status=none || fail "dd failed"
    poke disk.img $((512 + 0x1F4)) "$(le 8 2)$(le 2 $((core_sectors - 1)))"
    # One active FAT16 (LBA) partition, CHS fields saturated: GRUB uses LBA.
    poke disk.img 446 "\\x80\\xfe\\xff\\xff\\x0e\\xfe\\xff\\xff$(le 4 $start)$(le 4 $((total - start)))"
    poke disk.img 510 '\x55\xaa'
    run_rex86 -hda disk.img -boot c -display none -serial none \
        --exit-on "$entry" --dump-screen screen.txt --timeout $HOST_TIMEOUT
    check_grub_menu $? "$entry"
    ;;

*)
    fail "unknown kind '$kind'"
    ;;
esac
