#!/usr/bin/env bash
# FreeDOS under a foreign firmware from the distribution's packages, on the
# same emulated hardware our BIOS drives:
#   firmware_boot.sh KIND REX86 FREEDOS_IMAGE WORKDIR
# KIND is one of
#   seabios          SeaBIOS (bios.bin) with the VGA BIOS rex86 picks by
#                    default (SeaVGABIOS for the stdvga, package seabios)
#   seabios-lgplvga  SeaBIOS (bios-256k.bin) with --vga-rom naming the
#                    LGPL VGABios (package vgabios)
#   bochs-bios       the Bochs BIOS (BIOS-bochs-legacy, package bochsbios)
#                    with the LGPL VGABios (package vgabios)
# Each waits for FreeDOS's A:\> prompt on the VGA text screen (--exit-on),
# then checks the screen dump and the firmware's own log (--bios-log, ports
# 0x400-0x403) for the firmware's mark (its banner, or the Bochs BIOS's INT 19h
# message). Exit status 77 (a CTest skip) when
# a package's files are missing.
set -u
kind=$1 rex86=$2 image=$3 work=$4
case $rex86 in /*) ;; *) rex86=$PWD/$rex86 ;; esac

skip() {
    echo "SKIP: $*"
    exit 77
}
fail() {
    echo "FAIL: $*"
    exit 1
}
need_file() {
    for f in "$@"; do
        [ -r "$f" ] || skip "'$f' is not installed"
    done
}

# Host time only bounds a hung run; the test ends on the prompt.
HOST_TIMEOUT=300
case $kind in
seabios)
    bios=/usr/share/seabios/bios.bin vga=() banner="SeaBIOS (version"
    need_file "$bios" /usr/share/seabios/vgabios-stdvga.bin
    ;;
seabios-lgplvga)
    bios=/usr/share/seabios/bios-256k.bin vga=(--vga-rom /usr/share/vgabios/vgabios.bin) banner="SeaBIOS (version"
    need_file "$bios" /usr/share/vgabios/vgabios.bin
    ;;
bochs-bios)
    bios=/usr/share/bochs/BIOS-bochs-legacy vga=(--vga-rom /usr/share/vgabios/vgabios.bin) banner="Booting from 0000:7c00"
    need_file "$bios" /usr/share/vgabios/vgabios.bin
    ;;
*) fail "unknown kind '$kind'" ;;
esac
need_file "$image"

rm -rf "$work"
mkdir -p "$work" || fail "cannot create $work"
cd "$work" || exit 1
# The guest boots from a private copy, so nothing it writes reaches shared/.
cp "$image" floppy.img || fail "cannot copy $image"

"$rex86" -bios "$bios" "${vga[@]}" -fda floppy.img -display none -serial none \
    --bios-log file:bios.log --exit-on 'A:\>' --timeout "$HOST_TIMEOUT" --dump-screen screen.txt --stats
status=$?
echo "--- firmware log (tail)"
tail -n 15 bios.log 2>/dev/null
echo
echo "--- screen"
grep -v '^ *$' screen.txt 2>/dev/null
[ "$status" = 0 ] || fail "rex86 exited with status $status, not 0 (the A:\\> prompt never came)"
grep -qF 'A:\>' screen.txt || fail "the screen dump has no A:\\> prompt"
grep -qF "$banner" bios.log || fail "the firmware log has no '$banner'"
echo "PASS: FreeDOS reached A:\\> under $bios"
