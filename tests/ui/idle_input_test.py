#!/usr/bin/env python3
# Input while the guest is idle: the echo floppy (echo.asm) halts in INT 16h
# between keys. rex86 runs headless, paced to real time (--speed), as with
# the window. An idle machine must still end a slice every 5 ms of virtual
# time, so input is looked at that often, instead of skipping to its next
# timer tick (55 ms away under DOS's 18.2 Hz clock; seconds for a tickless
# kernel) and sleeping that out before a key typed meanwhile is seen. The
# check counts slices per virtual second (deterministic: no wall-clock
# threshold); the latency from "type" to the character on the screen is
# printed as a figure, in host and virtual time.
# usage: idle_input_test.py REX86 ECHO_FLOPPY
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rex86ctl import Client, check, fail, private_image, wait_exit, workdir  # noqa: E402

KEYS = 20


def status(c):
    return c.request({"cmd": "status"}, quiet=True)


def main():
    rex86, image = sys.argv[1], sys.argv[2]
    tmp = workdir("idle")
    img = private_image(image, tmp)
    # 50 MIPS, paced: the guest clock keeps to the host's.
    args = [rex86, "-fda", img, "-display", "none", "-serial", "none", "--speed", "50", "--timeout", "200"]
    proc = subprocess.Popen(args + ["-control", "stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    c = Client(rfile=proc.stdout, wfile=proc.stdin)
    try:
        r = c.request({"cmd": "wait-text", "text": "\n>", "timeout": 60})
        check(r.get("ok"), "the echo floppy booted to its prompt")

        # Two virtual seconds at the idle prompt.
        s0 = status(c)
        h0 = time.monotonic()
        deadline = time.monotonic() + 60
        s1 = s0
        while s1["virtual_time"] < s0["virtual_time"] + 2.0:
            if time.monotonic() > deadline:
                fail("two seconds of virtual time did not pass in 60 s")
            s1 = status(c)
        host_span = time.monotonic() - h0
        span = s1["virtual_time"] - s0["virtual_time"]
        # Paced: the guest's clock does not run ahead of the host's (a slow
        # host can only make the host's span longer, so this cannot flake).
        check(host_span >= 0.8 * span, "paced: %.2f s of virtual time took %.2f s of host time" % (span, host_span))
        per_s = (s1["slices"] - s0["slices"]) / span
        busy = (s1["instructions"] - s0["instructions"]) / span / 50e6
        print("idle: %.0f slices and %.2f%% of 50 M instructions per virtual second" % (per_s, busy * 100))
        check(busy < 0.05, "the guest is idle (halted) at its prompt")
        check(per_s >= 150, "an idle machine still ends a slice every 5 ms of virtual time (%.0f a second)" % per_s)

        # The latency of one key: "type" until the character is on the screen.
        host, virt = [], []
        shown = "> "
        for k in range(KEYS):
            ch = "abcdefghijklmnopqrstuvwxyz"[k % 26]
            v0 = status(c)["virtual_time"]
            t0 = time.monotonic()
            c.request({"cmd": "type", "text": ch, "wait": False}, quiet=True)
            r = c.request({"cmd": "wait-text", "text": "\n" + shown + ch, "timeout": 30}, quiet=True)
            t1 = time.monotonic()
            if not r.get("ok"):
                fail("key %d was not echoed: %s" % (k, r.get("error")))
            virt.append((status(c)["virtual_time"] - v0) * 1000)
            host.append((t1 - t0) * 1000)
            shown += ch
        print(
            "type -> screen, %d keys: host ms median %.1f, max %.1f; virtual ms median %.1f, max %.1f"
            % (KEYS, statistics.median(host), max(host), statistics.median(virt), max(virt)),
            flush=True,
        )
        # Generous: a lost key or a stall of seconds, not a few milliseconds.
        check(statistics.median(host) < 1000, "keys reach the screen without a stall")

        r = c.request({"cmd": "quit"})
        check(wait_exit(proc, 30) == 0, "rex86 exited with status 0")
        proc = None
        print("PASS", flush=True)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    try:
        main()
    except (OSError, KeyError) as e:
        fail("%s: %s" % (type(e).__name__, e))
