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
#   bochs-bios-latest
#                    the Bochs BIOS with rombios32 (BIOS-bochs-latest: PCI
#                    set-up, MP tables, the local APIC) and SeaBIOS's ISA
#                    VGA BIOS (vgabios-isavga.bin), found by its ROM scan
#   seabios-hdd      SeaBIOS's ATA driver: IMAGE is tests/boot's hdboot disk,
#                    whose boot sector checks INT 13h CHS and EDD reads and
#                    writes and E820, then prints HDD-BOOT-OK and halts
#   seabios-cdrom    SeaBIOS's ATAPI and El Torito: IMAGE is the cdboot
#                    no-emulation CD, which prints CD-NOEMU-OK and halts
#   seabios-keyboard, bochs-keyboard
#                    FreeDOS to A:\>, then a line typed through the 8042
#                    (the control API's "type") comes back as the command and
#                    its output: the firmware's INT 09h/16h on our 8042
# Each waits for guest text on the VGA text screen (--exit-on, or the
# control API's wait-text), then checks the screen dump and the firmware's
# own log (--bios-log, ports 0x400-0x403) for the firmware's mark (its
# banner, or the Bochs BIOS's INT 19h message). Exit status 77 (a CTest
# skip) when a package's files (or python3, for the keyboard) are missing.
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
# What the guest shows at the end and how it gets there.
mark='A:\>' drive=-fda boot=()
case $kind in
seabios | seabios-keyboard)
    bios=/usr/share/seabios/bios.bin vga=() banner="SeaBIOS (version"
    need_file "$bios" /usr/share/seabios/vgabios-stdvga.bin
    ;;
bochs-bios-latest)
    bios=/usr/share/bochs/BIOS-bochs-latest vga=(--vga-rom /usr/share/seabios/vgabios-isavga.bin)
    banner="Starting rombios32"
    need_file "$bios" /usr/share/seabios/vgabios-isavga.bin
    ;;
seabios-hdd | seabios-cdrom)
    bios=/usr/share/seabios/bios.bin vga=() banner="SeaBIOS (version"
    need_file "$bios" /usr/share/seabios/vgabios-stdvga.bin
    if [ "$kind" = seabios-hdd ]; then
        mark=HDD-BOOT-OK drive=-hda
    else
        mark=CD-NOEMU-OK drive=-cdrom boot=(-boot d)
    fi
    ;;
seabios-lgplvga)
    bios=/usr/share/seabios/bios-256k.bin vga=(--vga-rom /usr/share/vgabios/vgabios.bin) banner="SeaBIOS (version"
    need_file "$bios" /usr/share/vgabios/vgabios.bin
    ;;
bochs-bios | bochs-keyboard)
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
cp "$image" guest.img || fail "cannot copy $image"

case $kind in
*-keyboard)
    command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
    # One request a line on stdin, one reply a line on stdout
    # (docs/control.md); each wait is bounded by its own timeout.
    python3 - "$rex86" "$bios" "${vga[@]}" -fda guest.img -display none -serial none \
        --bios-log file:bios.log --timeout "$HOST_TIMEOUT" -control stdio <<'PY'
import json, subprocess, sys
p = subprocess.Popen(sys.argv[1:2] + ["-bios"] + sys.argv[2:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
def req(o):
    p.stdin.write(json.dumps(o) + "\n")
    p.stdin.flush()
    line = p.stdout.readline()
    if not line:
        sys.exit("FAIL: rex86 ended before answering %s" % o)
    r = json.loads(line)
    print(o["cmd"], r, flush=True)
    return r
line = "echo Typed under the firmware {ok} ~@#$*()"
ok = req({"cmd": "wait-text", "text": "A:\\>", "timeout": 240}).get("ok")
ok = ok and req({"cmd": "type", "text": line + "\n"}).get("ok")
ok = ok and req({"cmd": "wait-text", "text": "\n" + line[5:], "timeout": 240}).get("ok")
rows = req({"cmd": "screen-text"}).get("lines", [])
open("screen.txt", "w").write("\n".join(rows) + "\n")
req({"cmd": "quit"})
p.wait()
ok = ok and ("A:\\>" + line) in rows and line[5:] in rows
sys.exit(0 if ok else 1)
PY
    status=$?
    ;;
*)
    "$rex86" -bios "$bios" "${vga[@]}" "$drive" guest.img "${boot[@]}" -display none -serial none \
        --bios-log file:bios.log --exit-on "$mark" --timeout "$HOST_TIMEOUT" --dump-screen screen.txt --stats
    status=$?
    ;;
esac
echo "--- firmware log (tail)"
tail -n 15 bios.log 2>/dev/null
echo
echo "--- screen"
grep -v '^ *$' screen.txt 2>/dev/null
[ "$status" = 0 ] || fail "rex86 or the session ended with status $status (the guest's '$mark' never came)"
grep -qF "$mark" screen.txt || fail "the screen dump has no '$mark'"
grep -qF "$banner" bios.log || fail "the firmware log has no '$banner'"
echo "PASS: '$mark' under $bios"
