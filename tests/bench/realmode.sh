#!/usr/bin/env bash
# tests/bench/realmode.sh: runs the real-mode interpreter benchmark and
# prints guest MIPS from rex86's instruction count; also times QEMU (TCG) on
# the same ROM when qemu-system-i386 is installed. Reports, never gates.
# Usage: tests/bench/realmode.sh [BUILD_DIR]   (default: build)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
rex86="$build/rex86"
rom="$build/tests/bench/realmode.bin"
for f in "$rex86" "$rom"; do
    if [ ! -e "$f" ]; then
        echo "realmode.sh: $f is missing; build first: cmake -S . -B build && cmake --build build" >&2
        exit 1
    fi
done

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
status=0
"$rex86" -bios "$rom" -display none -serial none -debugcon stdio --stats --timeout 600 >"$out" 2>&1 || status=$?
cat "$out"
if [ "$status" != 33 ] || ! grep -q "PASS: bench-realmode" "$out"; then
    echo "realmode.sh: the benchmark did not finish correctly (exit status $status)" >&2
    exit 1
fi
# "rex86: stats: N instructions retired, V s virtual time, H s host time, M MIPS"
read -r insns host mips < <(sed -n 's/.*stats: \([0-9]*\) instructions retired, [0-9.]* s virtual time, \([0-9.]*\) s host time, \([0-9.]*\) MIPS.*/\1 \2 \3/p' "$out")
echo "realmode: $insns guest instructions in $host s: $mips guest MIPS (rex86 $(${rex86} --version | cut -d' ' -f2), interpreter)"

if command -v qemu-system-i386 >/dev/null 2>&1; then
    start=$(date +%s.%N)
    qstatus=0
    qemu-system-i386 -bios "$rom" -display none -serial none -debugcon null -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 || qstatus=$?
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" -v n="$insns" -v st="$qstatus" 'BEGIN {
        t = e - s
        printf "qemu-system-i386 (TCG): %.3f s wall including start-up, %.1f MIPS for the same instruction count (exit status %s)\n", t, n / t / 1e6, st
    }'
fi
