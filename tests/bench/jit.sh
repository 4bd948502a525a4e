#!/usr/bin/env bash
# tests/bench/jit.sh: the guest CPU benchmark (../shared/bench) on rex86's
# JIT, rex86's interpreter, QEMU's TCG and natively, in one run. Reports,
# never gates.
#
# Usage: tests/bench/jit.sh [BUILD_DIR] [RUNS]   (defaults: build, 3)
#        LINUX=0 leaves out the Linux boot it times at the end.
#
# Every engine runs prebuilt/bench.elf (1000 iterations, ~640 M guest
# instructions) and prebuilt/empty.elf (the same kernel with 0 iterations)
# through -kernel (Multiboot), RUNS times each, the engines taking turns
# round by round so a change in the host's load hits them alike. An
# engine's workload time is the median wall time of its bench runs minus the
# median of its empty runs: what is left is the work, without start-up,
# loading and exit. Natively, `native32` and `native32 0` play bench and
# empty. Every run must print the benchmark's RESULT line with the known
# checksums (`RESULT checksum=faaea84c fp=9ecaa276 iters=1000`).
#
#   rex86 -kernel K -m 32 -display none -serial stdio -debugcon none
#         -accel jit|interp --stats [--jit-stats]
#   qemu-system-i386 -accel tcg -m 32 -display none -no-reboot -net none
#         -serial stdio -monitor none -device isa-debug-exit,iobase=0xf4,iosize=0x04
#         -kernel K
#
# The guest leaves through isa-debug-exit with 0, which both emulators turn
# into exit status 1. Ratios are workload / QEMU's and workload / native's;
# guest MIPS use rex86's count of the instructions bench runs beyond empty.
# Measure on an idle machine with a release build (RelWithDebInfo, the
# default), never under the sanitizers.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
runs="${2:-3}"
rex86="$build/rex86"
prebuilt="$here/../../../shared/bench/prebuilt"
expect_result="RESULT checksum=faaea84c fp=9ecaa276 iters=1000"
expect_empty="RESULT checksum=00000000 fp=00000000 iters=0"

[ -x "$rex86" ] || {
    echo "jit.sh: $rex86 is missing; build first: cmake -S . -B build && cmake --build build" >&2
    exit 1
}
for f in bench.elf empty.elf native32; do
    [ -r "$prebuilt/$f" ] || {
        echo "jit.sh: $prebuilt/$f is missing (../shared/bench/prebuilt beside the repository)" >&2
        exit 1
    }
done
have_qemu=true
if ! command -v qemu-system-i386 >/dev/null 2>&1; then
    have_qemu=false
    echo "qemu-system-i386 is not installed: no QEMU figures (apt-get install -y qemu-system-x86)"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

engines=(jit interp)
$have_qemu && engines+=(qemu)
engines+=(native)

# run ENGINE KIND (bench|empty): one run; prints its wall time, leaves the
# output in $tmp/ENGINE.KIND.out; fails on a wrong result.
run() {
    local engine=$1 kind=$2 out="$tmp/$1.$2.out" status=0 start end
    local kernel="$prebuilt/$kind.elf"
    start=$(now)
    case $engine in
    jit | interp)
        local extra=()
        [ "$engine" = jit ] && extra=(--jit-stats)
        "$rex86" -kernel "$kernel" -m 32 -display none -serial stdio -debugcon none -accel "$engine" \
            --stats "${extra[@]}" --timeout 900 </dev/null >"$out" 2>&1 || status=$?
        ;;
    qemu)
        timeout 900 qemu-system-i386 -accel tcg -m 32 -display none -no-reboot -net none -serial stdio \
            -monitor none -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$kernel" \
            </dev/null >"$out" 2>&1 || status=$?
        ;;
    native)
        if [ "$kind" = bench ]; then
            "$prebuilt/native32" >"$out" 2>&1 || status=$?
        else
            "$prebuilt/native32" 0 >"$out" 2>&1 || status=$?
        fi
        ;;
    esac
    end=$(now)
    local want_status=1 want=$expect_result
    [ "$engine" = native ] && want_status=0
    [ "$kind" = empty ] && want=$expect_empty
    if [ "$status" != "$want_status" ] || ! tr -d '\r' <"$out" | grep -qxF "$want"; then
        tr -d '\r' <"$out" >&2
        echo "jit.sh: $engine $kind: exit status $status (want $want_status) or no '$want' line" >&2
        return 1
    fi
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }'
}

echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); rex86 $("$rex86" --version | cut -d' ' -f2); $(qemu-system-i386 --version 2>/dev/null | head -1)"
declare -A bench_t empty_t
for ((r = 1; r <= runs; r++)); do
    line="round $r:"
    for e in "${engines[@]}"; do
        tb=$(run "$e" bench) || exit 1
        te=$(run "$e" empty) || exit 1
        bench_t[$e]+="$tb "
        empty_t[$e]+="$te "
        line+=" $e $tb/$te s"
        # Keep the JIT's and the interpreter's figures from their bench runs.
        [ "$e" = jit ] || [ "$e" = interp ] && cp "$tmp/$e.bench.out" "$tmp/$e.bench.last"
        [ "$e" = jit ] || [ "$e" = interp ] && cp "$tmp/$e.empty.out" "$tmp/$e.empty.last"
    done
    echo "$line   (bench/empty wall)"
done
echo "every run printed: $expect_result"

# Guest instructions of the workload, from rex86's --stats.
insns() { sed -n 's/.*stats: \([0-9]*\) instructions retired.*/\1/p' "$1"; }
work_insns=$(($(insns "$tmp/interp.bench.last") - $(insns "$tmp/interp.empty.last")))

declare -A work
for e in "${engines[@]}"; do
    # shellcheck disable=SC2086
    mb=$(median ${bench_t[$e]})
    # shellcheck disable=SC2086
    me=$(median ${empty_t[$e]})
    work[$e]=$(awk -v b="$mb" -v m="$me" 'BEGIN { w = b - m; if (w < 0.001) w = 0.001; printf "%.3f", w }')
done

echo
printf '%-22s %9s %9s %9s %10s %10s %10s\n' engine bench empty workload "guest MIPS" "/ QEMU" "/ native"
for e in "${engines[@]}"; do
    # shellcheck disable=SC2086
    mb=$(median ${bench_t[$e]})
    # shellcheck disable=SC2086
    me=$(median ${empty_t[$e]})
    q=${work[qemu]:-}
    awk -v name="$e" -v b="$mb" -v m="$me" -v w="${work[$e]}" -v q="$q" -v n="${work[native]}" -v i="$work_insns" 'BEGIN {
        label = name == "jit" ? "rex86 JIT" : name == "interp" ? "rex86 interpreter" : name == "qemu" ? "QEMU TCG" : "native32"
        printf "%-22s %8.3fs %8.3fs %8.3fs %10.0f %10s %9.1fx\n", label, b, m, w, i / w / 1e6,
            q == "" ? "-" : sprintf("%.2fx", w / q), w / n
    }'
done
echo "(workload = median bench - median empty over $runs runs; $work_insns guest instructions)"
if [ -n "${work[qemu]:-}" ]; then
    awk -v j="${work[jit]}" -v q="${work[qemu]}" 'BEGIN {
        printf "rex86 JIT / QEMU TCG = %.2f (target <= 1.0, aim 0.5)\n", j / q }'
fi
echo
echo "rex86 --stats and --jit-stats of the last JIT bench run:"
grep '^rex86: ' "$tmp/jit.bench.last"

# The Linux boot of the protected-mode issue, on the JIT and on QEMU
# (tests/bench/linuxboot.sh; LINUX=0 leaves it out).
if [ "${LINUX:-1}" != 0 ]; then
    echo
    echo "Linux boot to the initramfs shell (tests/bench/linuxboot.sh, JIT and QEMU, $runs runs):"
    ENGINES="jit qemu" "$here/linuxboot.sh" "$build" "$runs" || echo "jit.sh: the Linux boot did not complete" >&2
fi
