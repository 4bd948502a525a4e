#!/usr/bin/env python3
# The PC speaker through SDL audio, recorded by SDL's "disk" audio driver
# (signed 16-bit mono samples in a file) while rex86 runs in its window in
# Xvfb: an idle guest is exact silence (no crackle), a 1 kHz tone from the
# PIT's channel 2 is a square wave of about 1 kHz that fades in and out over
# a few milliseconds instead of clicking. The guest is the echo floppy
# (echo.asm): '!' starts the tone, '.' stops it. SKIPs (77) without Xvfb or
# without SDL's disk audio driver.
# usage: audio_test.py REX86 ECHO_FLOPPY
import os
import shutil
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rex86ctl import Client, check, fail, private_image, wait_exit, workdir  # noqa: E402
from xvfb_test import find_window, skip, start_xvfb  # noqa: E402

RATE = 48000  # frontend/sdl_audio.c
AMPLITUDE = 6000
WAIT = 60


def samples(path, start=0):
    with open(path, "rb") as f:
        f.seek(start * 2)
        data = f.read()
    n = len(data) // 2
    return list(struct.unpack("<%dh" % n, data[: 2 * n]))


def wait_samples(path, count, what):
    """Waits until the recording holds `count` samples (SDL writes them in
    real time, one buffer at a time)."""
    deadline = time.monotonic() + WAIT
    while (os.path.getsize(path) if os.path.exists(path) else 0) < 2 * count:
        if time.monotonic() > deadline:
            fail("the recording did not reach %d samples (%s)" % (count, what))
        time.sleep(0.05)


def main():
    rex86, image = sys.argv[1], sys.argv[2]
    if not shutil.which("Xvfb"):
        skip("Xvfb is not installed")
    tmp = workdir("audio")
    img = private_image(image, tmp)
    sock = os.path.join(tmp, "control.sock")
    raw = os.path.join(tmp, "speaker.raw")
    xvfb, display = start_xvfb()
    env = dict(os.environ, DISPLAY=display, SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=raw)
    env.pop("WAYLAND_DISPLAY", None)
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":detect_leaks=0"  # see xvfb_test.py
    proc = None
    try:
        proc = subprocess.Popen(
            [rex86, "-fda", img, "-display", "sdl", "-serial", "none", "--timeout", "200", "-control", "unix:" + sock],
            env=env,
        )
        c = Client.connect(sock, proc, time.monotonic() + 30)
        win, _ = find_window(env, proc, time.monotonic() + 20)
        if not win:
            skip("no rex86 window appeared")
        r = c.request({"cmd": "wait-text", "text": "\n>", "timeout": WAIT})
        check(r.get("ok"), "the echo floppy is at its prompt")
        deadline = time.monotonic() + 10
        while not os.path.exists(raw) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not os.path.exists(raw):
            c.request({"cmd": "quit"})
            wait_exit(proc, 30)
            skip("SDL wrote no recording (no disk audio driver?)")

        # Idle: half a second of audio, every sample exactly zero.
        start = len(samples(raw))
        wait_samples(raw, start + RATE // 2, "idle")
        idle = samples(raw)
        check(all(v == 0 for v in idle), "the idle guest is exact silence (%d samples)" % len(idle))

        # The tone: about 1 kHz, at full amplitude once it has faded in.
        c.request({"cmd": "type", "text": "!"})
        r = c.request({"cmd": "wait-text", "text": "\n> !", "timeout": WAIT})
        check(r.get("ok"), "the guest started the tone")
        on_at = len(samples(raw))
        wait_samples(raw, on_at + RATE, "tone")
        rec = samples(raw)
        first = next((k for k in range(len(rec)) if rec[k] != 0), None)  # all was silence before
        check(first is not None, "the tone is in the recording")
        print("around the start:", rec[max(0, first - 4) : first + 12])
        check(abs(rec[first]) <= AMPLITUDE // 10, "it starts faded in, not with a click (first sample %d)" % rec[first])
        body = rec[first + RATE // 100 : first + RATE // 100 + RATE // 2]
        check(all(abs(v) == AMPLITUDE for v in body), "then a square wave at full amplitude")
        flips = sum(1 for a, b in zip(body, body[1:]) if (a > 0) != (b > 0))
        hz = flips / 2 / (len(body) / RATE)
        check(950 <= hz <= 1050, "of %.0f Hz" % hz)

        # Stopped: it fades out and stays silent.
        c.request({"cmd": "type", "text": "."})
        r = c.request({"cmd": "wait-text", "text": "\n> !.", "timeout": WAIT})
        check(r.get("ok"), "the guest stopped the tone")
        off_at = len(samples(raw))
        wait_samples(raw, off_at + RATE // 2, "after the tone")
        rec = samples(raw)
        last = max(k for k in range(len(rec)) if rec[k] != 0)
        check(last < len(rec) - RATE // 4, "the tone stopped (last sound %.2f s before the end)" % ((len(rec) - last) / RATE))
        check(abs(rec[last]) <= AMPLITUDE // 10, "it ends faded out, not with a click (last sample %d)" % rec[last])

        c.request({"cmd": "quit"})
        check(wait_exit(proc, 30) == 0, "rex86 exited with status 0")
        proc = None
        print("PASS", flush=True)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        xvfb.terminate()
        xvfb.wait()


if __name__ == "__main__":
    try:
        main()
    except (OSError, KeyError) as e:
        fail("%s: %s" % (type(e).__name__, e))
