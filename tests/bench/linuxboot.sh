#!/usr/bin/env bash
# tests/bench/linuxboot.sh: Debian's 32-bit Linux from power-on to its
# initramfs (INITRAMFS-BOOT-OK on the serial console) under rex86's JIT,
# rex86's interpreter and QEMU (TCG), in one run. Reports, never gates.
#
# Usage: tests/bench/linuxboot.sh [BUILD_DIR] [RUNS]   (defaults: build, 3)
# Environment:
#   ENGINES="jit interp qemu"  which to run, in this order within each round
#   REX86_ARGS="..."           extra rex86 options (e.g. --jit-stats)
#   QEMU=qemu-system-i386      the QEMU binary
#   APPEND="console=ttyS0"     the kernel command line; "console=ttyS0
#                              cryptomgr.notests" leaves out the crypto
#                              self-tests, most of this kernel's boot
#
# The guest is ../shared/guests/linux-i386: vmlinuz-6.1.0-50-686 with
# initramfs-busybox-i386.cpio.gz and console=ttyS0, 128 MB. The engines take
# turns (jit, interp, qemu, jit, ...) so a change in the host's load falls
# on all of them; each figure is the median of RUNS runs.
#
# rex86: `rex86 -cpu pentium2 -m 128 -kernel K -initrd I -append
#   console=ttyS0 -display none -serial stdio --exit-on INITRAMFS-BOOT-OK
#   --stats -accel ENGINE`. --stats gives the virtual time (retired
#   instructions at the configured rate) and the host time from machine
#   creation to the match; the wall time is the whole process, start-up
#   included.
# QEMU: `qemu-system-i386 -cpu pentium3 -accel tcg -m 128 -kernel K -initrd I
#   -append console=ttyS0 -display none -serial stdio -no-reboot`; the wall
#   time runs from just before QEMU starts until INITRAMFS-BOOT-OK comes out
#   of its serial port (read line by line from a pipe), then QEMU is killed.
#
# Each run prints a line, and the summary lines are machine-readable:
#   RESULT linuxboot engine=jit wall=S cpu=S virtual=S host=S insns=N  (medians)
#   RATIO linuxboot A/B wall=X cpu=Y            (of the medians' walls, CPU times)
# The CPU time (user + system of the emulator's process) moves less than
# the wall time when the host is busy; QEMU's includes its I/O thread.
# Measure on an idle machine with a release build (RelWithDebInfo, the
# default), never under the sanitizers.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
runs="${2:-3}"
engines=${ENGINES:-jit interp qemu}
qemu=${QEMU:-qemu-system-i386}
append=${APPEND:-console=ttyS0}
rex86="$build/rex86"
linux="$here/../../../shared/guests/linux-i386"
kernel="$linux/vmlinuz-6.1.0-50-686"
initrd="$linux/initramfs-busybox-i386.cpio.gz"
mark=INITRAMFS-BOOT-OK
timeout=1800

for f in "$kernel" "$initrd"; do
    [ -r "$f" ] || {
        echo "linuxboot.sh: $f is missing" >&2
        exit 1
    }
done
case " $engines " in *" jit "* | *" interp "*)
    [ -x "$rex86" ] || {
        echo "linuxboot.sh: $rex86 is missing; build first: cmake -S . -B build && cmake --build build" >&2
        exit 1
    } ;;
esac
if [[ " $engines " == *" qemu "* ]] && ! command -v "$qemu" >/dev/null 2>&1; then
    echo "linuxboot.sh: $qemu is not installed: no QEMU figure (apt-get install qemu-system-x86)" >&2
    engines=${engines//qemu/}
fi
command -v python3 >/dev/null 2>&1 || {
    echo "linuxboot.sh: needs python3" >&2
    exit 1
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Runs a command, reads its stdout line by line, and prints the wall time
# from just before the start to the first line holding the mark (with
# "wait": to the process's exit) and the CPU time (user + system) the
# process used; with "kill" it is killed at the mark. The output goes to a
# log file.
cat >"$tmp/timed.py" <<'EOF'
import resource, subprocess, sys, time
mark, log, kill = sys.argv[1], sys.argv[2], sys.argv[3] == "kill"
cmd = sys.argv[4:]
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
seen = None
with open(log, "wb") as f:
    for line in p.stdout:
        f.write(line)
        if seen is None and mark.encode() in line:
            seen = time.monotonic() - t0
            if kill:
                p.kill()
                break
    rest = p.stdout.read() if not kill else b""
    f.write(rest)
status = p.wait()
if seen is None:
    sys.exit("no %s (exit status %d); see %s" % (mark, status, log))
if not kill:
    seen = time.monotonic() - t0  # the whole process, start-up and exit
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f %.3f" % (seen, ru.ru_utime + ru.ru_stime))
EOF

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ -x "$rex86" ] && echo "rex86: $("$rex86" --version 2>&1 | head -1), $build"
command -v "$qemu" >/dev/null 2>&1 && echo "qemu: $("$qemu" --version | head -1)"
echo "guest: $(basename "$kernel") + $(basename "$initrd"), 128 MB, -append \"$append\", to $mark; $runs runs each, engines take turns"

declare -A walls cpus virts hosts insnss
for ((r = 1; r <= runs; r++)); do
    for e in $engines; do
        log="$tmp/$e.$r.log"
        case $e in
        jit | interp)
            # shellcheck disable=SC2086
            if ! read -r wall cpu < <(python3 "$tmp/timed.py" "$mark" "$log" wait "$rex86" -cpu pentium2 -m 128 \
                -kernel "$kernel" -initrd "$initrd" -append "$append" -display none \
                -serial stdio --exit-on "$mark" --stats --timeout $timeout -accel "$e" ${REX86_ARGS:-}); then
                tail -20 "$log"
                echo "linuxboot.sh: rex86 -accel $e did not reach $mark" >&2
                exit 1
            fi
            read -r insns virt host < <(sed -n 's/.*stats: \([0-9]*\) instructions retired, \([0-9.]*\) s virtual time, \([0-9.]*\) s host time.*/\1 \2 \3/p' "$log")
            printf 'rex86 -accel %s run %d: %s s wall, %s s CPU, %s s virtual, %s s host, %s instructions\n' \
                "$e" "$r" "$wall" "$cpu" "$virt" "$host" "$insns"
            virts[$e]+=" $virt" hosts[$e]+=" $host" insnss[$e]+=" $insns"
            ;;
        qemu)
            if ! read -r wall cpu < <(python3 "$tmp/timed.py" "$mark" "$log" kill "$qemu" -cpu pentium3 -accel tcg \
                -m 128 -kernel "$kernel" -initrd "$initrd" -append "$append" -display none \
                -serial stdio -monitor none -no-reboot); then
                tail -20 "$log"
                echo "linuxboot.sh: QEMU did not reach $mark" >&2
                exit 1
            fi
            printf 'qemu -cpu pentium3 -accel tcg run %d: %s s wall, %s s CPU\n' "$r" "$wall" "$cpu"
            ;;
        *)
            echo "linuxboot.sh: unknown engine '$e' (jit, interp, qemu)" >&2
            exit 1
            ;;
        esac
        walls[$e]+=" $wall" cpus[$e]+=" $cpu"
    done
done

echo "--- medians of $runs ---"
declare -A med medcpu
for e in $engines; do
    # shellcheck disable=SC2086
    med[$e]=$(median ${walls[$e]}) medcpu[$e]=$(median ${cpus[$e]})
    if [ "$e" = qemu ]; then
        echo "RESULT linuxboot engine=qemu wall=${med[$e]} cpu=${medcpu[$e]}"
    else
        # shellcheck disable=SC2086
        v=$(median ${virts[$e]}) h=$(median ${hosts[$e]}) n=$(median ${insnss[$e]})
        echo "RESULT linuxboot engine=$e wall=${med[$e]} cpu=${medcpu[$e]} virtual=$v host=$h insns=$n"
    fi
done
ratio() {
    [ -n "${med[$1]:-}" ] && [ -n "${med[$2]:-}" ] &&
        awk -v a="${med[$1]}" -v b="${med[$2]}" -v c="${medcpu[$1]}" -v d="${medcpu[$2]}" -v n="$1/$2" \
            'BEGIN { printf "RATIO linuxboot %s wall=%.2f cpu=%.2f\n", n, a / b, c / d }'
}
ratio jit qemu
ratio interp qemu
ratio interp jit
exit 0
