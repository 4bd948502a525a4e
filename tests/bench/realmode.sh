#!/usr/bin/env bash
# tests/bench/realmode.sh: runs the real-mode benchmark under the interpreter
# and the JIT and prints guest MIPS from rex86's instruction count; also times QEMU (TCG) on
# the same ROM when qemu-system-i386 is installed. Reports, never gates.
# Usage: tests/bench/realmode.sh [BUILD_DIR]   (default: build)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
rex86="$build/rex86"
# ROM=realmode for the short run (37.5 M instructions); the default is
# realmode_long (375 M), long enough that start-up hardly counts.
rom="$build/tests/bench/${ROM:-realmode_long}.bin"
for f in "$rex86" "$rom"; do
    if [ ! -e "$f" ]; then
        echo "realmode.sh: $f is missing; build first: cmake -S . -B build && cmake --build build" >&2
        exit 1
    fi
done

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
insns=0
# Both engines: the interpreter, and the JIT (which translates real-mode code
# on the 386 and later). Wall time includes start-up, as QEMU's below does.
for engine in interp jit; do
    status=0
    start=$(date +%s.%N)
    "$rex86" -bios "$rom" -accel "$engine" -display none -serial none -debugcon stdio --stats --timeout 600 >"$out" 2>&1 || status=$?
    end=$(date +%s.%N)
    cat "$out"
    if [ "$status" != 33 ] || ! grep -q "PASS: bench-realmode" "$out"; then
        echo "realmode.sh: the benchmark did not finish correctly under -accel $engine (exit status $status)" >&2
        exit 1
    fi
    # "rex86: stats: N instructions retired, V s virtual time, H s host time, M MIPS"
    read -r insns host mips < <(sed -n 's/.*stats: \([0-9]*\) instructions retired, [0-9.]* s virtual time, \([0-9.]*\) s host time, \([0-9.]*\) MIPS.*/\1 \2 \3/p' "$out")
    awk -v s="$start" -v e="$end" -v n="$insns" -v h="$host" -v m="$mips" -v eng="$engine" \
        -v ver="$("$rex86" --version | cut -d' ' -f2)" 'BEGIN {
        t = e - s
        printf "realmode: %d guest instructions in %s s host time: %s guest MIPS; %.3f s wall including start-up, %.1f MIPS (rex86 %s, %s)\n", n, h, m, t, n / t / 1e6, ver, eng
    }'
done

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
