#!/usr/bin/env bash
# tests/bench/dosboot.sh: power-on to the FreeDOS prompt, rex86 beside QEMU,
# in one run. Reports, never gates.
#
# Usage: tests/bench/dosboot.sh [BUILD_DIR] [RUNS]   (defaults: build, 3)
#
# The guest is ../shared/guests/freedos/freedos.boot.disk.1.4MB.img, booted
# from a private copy. The end point is the same for both emulators: the
# characters "A:\>" in the VGA text buffer at 0xB8000.
#
# rex86: `rex86 -fda IMG -boot a -display none -serial none --exit-on "A:\>"
#   --stats`, with its own BIOS and, when the package is installed, under
#   SeaBIOS (`-bios /usr/share/seabios/bios.bin`, the same firmware QEMU
#   runs). --exit-on looks at the text screen every 5 ms of virtual time;
#   --stats prints the virtual time (retired instructions at the configured
#   rate) and the host time from machine creation to the match. The wall
#   time around the whole process (start-up included) is measured too.
# QEMU: `qemu-system-i386 -fda IMG -boot a -display none -serial none
#   -monitor unix:SOCK`. A small Python client polls the monitor every 10 ms
#   with `xp /2000hx 0xb8000` (the same 80x25 text buffer, read as guest
#   physical memory) and stops at the first dump holding "A:\>". The wall
#   time runs from just before QEMU is started to that dump, so it includes
#   QEMU's start-up, SeaBIOS's POST and up to one poll interval plus a
#   monitor round trip (a few ms). QEMU is run with TCG (no KVM), its
#   default without -accel.
#
# Wall times depend on the host and its load (printed with the figures):
# measure on an idle machine with a release build.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
runs="${2:-3}"
rex86="$build/rex86"
img_src="$here/../../../shared/guests/freedos/freedos.boot.disk.1.4MB.img"
[ -x "$rex86" ] || {
    echo "dosboot.sh: $rex86 is missing; build first: cmake -S . -B build && cmake --build build" >&2
    exit 1
}
[ -r "$img_src" ] || {
    echo "dosboot.sh: $img_src is missing" >&2
    exit 1
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
img="$tmp/freedos.img"

now() { date +%s.%N; }

echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); rex86 $("$rex86" --version | cut -d' ' -f2)"

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# time_rex86 LABEL [OPTIONS...]: RUNS boots to A:\> with the options added.
time_rex86() {
    local label=$1 r start end status insns virt host wall
    shift
    local walls=() virts=() hosts=()
    for ((r = 1; r <= runs; r++)); do
        cp "$img_src" "$img"
        start=$(now)
        "$rex86" "$@" -fda "$img" -boot a -display none -serial none --exit-on 'A:\>' --stats \
            --timeout 300 >"$tmp/out" 2>&1
        status=$?
        end=$(now)
        if [ $status != 0 ]; then
            cat "$tmp/out"
            echo "dosboot.sh: rex86 ($label) did not reach A:\\> (exit status $status)" >&2
            exit 1
        fi
        # "rex86: stats: N instructions retired, V s virtual time, H s host time, M MIPS"
        read -r insns virt host < <(sed -n 's/.*stats: \([0-9]*\) instructions retired, \([0-9.]*\) s virtual time, \([0-9.]*\) s host time.*/\1 \2 \3/p' "$tmp/out")
        wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')
        printf '%s run %d: A:\\> after %s s virtual time (%s instructions), %s s host time, %s s wall with start-up\n' \
            "$label" "$r" "$virt" "$insns" "$host" "$wall"
        walls+=("$wall") virts+=("$virt") hosts+=("$host")
    done
    echo "$label median: $(median "${virts[@]}") s virtual, $(median "${hosts[@]}") s host, $(median "${walls[@]}") s wall"
}

time_rex86 "rex86 (its own BIOS)"
# The same hardware under the distribution's firmware, when installed:
# SeaBIOS (package seabios) with its VGA BIOS, which rex86 finds itself.
seabios=/usr/share/seabios/bios.bin
if [ -r "$seabios" ]; then
    time_rex86 "rex86 -bios $seabios" -bios "$seabios"
else
    echo "$seabios is not installed: no SeaBIOS figure (apt-get install seabios)"
fi

if ! command -v qemu-system-i386 >/dev/null 2>&1; then
    echo "qemu-system-i386 is not installed: no QEMU figure (apt-get install qemu-system-x86)"
    exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "python3 is not installed: no QEMU figure"
    exit 0
fi

cat >"$tmp/qemu_prompt.py" <<'EOF'
# Starts QEMU, polls the VGA text buffer through the monitor until "A:\>"
# shows, prints the wall time since just before the start.
import os, re, socket, subprocess, sys, time
img, sock_path = sys.argv[1], sys.argv[2]
t0 = time.monotonic()
q = subprocess.Popen(["qemu-system-i386", "-fda", img, "-boot", "a", "-display", "none",
                      "-serial", "none", "-monitor", "unix:%s,server,nowait" % sock_path],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    s = None
    while s is None:
        if q.poll() is not None:
            sys.exit("qemu exited with status %d" % q.returncode)
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(sock_path)
        except OSError:
            s = None
            time.sleep(0.002)
    def cmd(c):
        s.sendall((c + "\n").encode())
        buf = b""
        while not buf.endswith(b"(qemu) "):
            chunk = s.recv(65536)
            if not chunk:
                sys.exit("the monitor closed")
            buf += chunk
        return buf.decode(errors="replace")
    cmd("")
    while True:
        out = cmd("xp /2000hx 0xb8000")
        words = re.findall(r"0x([0-9a-f]{4})\b", out.split("\n", 1)[-1])
        text = "".join(chr(int(w, 16) & 0xFF) for w in words)
        if "A:\\>" in text:
            print("%.3f" % (time.monotonic() - t0))
            break
        if time.monotonic() - t0 > 300:
            sys.exit("no A:\\> within 300 s")
        time.sleep(0.01)
finally:
    q.kill()
    q.wait()
EOF

qemu_walls=()
for ((r = 1; r <= runs; r++)); do
    cp "$img_src" "$img"
    if ! wall=$(python3 "$tmp/qemu_prompt.py" "$img" "$tmp/monitor.sock"); then
        echo "dosboot.sh: QEMU did not reach A:\\>" >&2
        exit 1
    fi
    rm -f "$tmp/monitor.sock"
    printf 'qemu-system-i386 (TCG) run %d: A:\\> after %s s wall with start-up\n' "$r" "$wall"
    qemu_walls+=("$wall")
done
echo "qemu-system-i386 median: $(median "${qemu_walls[@]}") s wall ($(qemu-system-i386 --version | head -1))"
