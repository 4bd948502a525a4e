#!/usr/bin/env python3
# A scripted DOS session for the boot tests, run through the real rex86
# program and its control API (docs/control.md), not through private hooks:
# rex86 boots a private copy of the floppy given first, headless, at full
# speed, and the steps that follow run in order, each bounded:
#   wait TEXT        until TEXT is on the text screen or printed by the guest
#                    ("\nTEXT": at the start of a row)
#   type TEXT        type TEXT through the 8042 ("\r" or "\n" is Enter) and
#                    wait until the guest has read every key
#   screen TEXT      until the VGA text screen itself shows TEXT
#   line TEXT        the text screen has a row that is exactly TEXT
#   mode13 COLOURS PERCENT
#                    until the screen is a 320x200 graphics picture with at
#                    least COLOURS distinct colours and PERCENT % of its
#                    pixels not black (pixel statistics of a screenshot)
#   shot FILE        keep a screenshot as FILE (for a human to look at)
# Exit status 0 when every step is reached, 1 otherwise.
# usage: dos_session.py REX86 FLOPPY.img STEP...
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ui"))
from rex86ctl import Client, check, fail, private_image, wait_exit, wait_picture, workdir  # noqa: E402

STEP_TIMEOUT = 240  # host seconds per step; far more than any step needs


def unescape(text):
    return text.replace("\\r", "\n").replace("\\n", "\n")


def show(c):
    """What a human needs when a step is not reached."""
    r = c.request({"cmd": "status"})
    print("status: %s" % r, flush=True)
    lines = c.request({"cmd": "screen-text"}).get("lines", [])
    print("--- text screen ---\n%s\n-------------------" % "\n".join(lines), flush=True)


def check_picture(c, tmp, colours, percent):
    stats = wait_picture(c, os.path.join(tmp, "mode13.png"), 320, 200, colours, percent, STEP_TIMEOUT)
    if stats:
        w, h, n, lit = stats
        print("picture %dx%d: %d colours, %.1f%% not black (want >= %d, >= %g%%)" % (w, h, n, lit * 100, colours, percent))
    else:
        show(c)
    check(stats is not None, "a 320x200 picture with >= %d colours and >= %g%% lit" % (colours, percent))


def main():
    if len(sys.argv) < 3:
        print("usage: dos_session.py REX86 FLOPPY.img STEP...")
        sys.exit(2)
    rex86, image, steps = sys.argv[1], sys.argv[2], sys.argv[3:]
    tmp = workdir("dos")
    img = private_image(image, tmp)
    # The machine the private harness built: a Pentium II with 16 MB and a
    # fixed RTC epoch, so the same steps give the same run.
    args = [rex86, "-fda", img, "-m", "16", "-cpu", "pentium2", "--deterministic", "-display", "none"]
    args += ["-serial", "none", "--timeout", "600", "-control", "stdio"]
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    c = Client(rfile=proc.stdout, wfile=proc.stdin)
    try:
        k = 0
        while k < len(steps):
            step = steps[k]
            need = 2 if step == "mode13" else 1
            if k + need >= len(steps):
                fail("the step '%s' needs %d argument(s)" % (step, need))
            arg = steps[k + 1]
            k += 1 + need
            if step in ("wait", "screen"):
                arg = arg.replace("\\n", "\n")  # "\nX": X at the start of a row
                r = c.request({"cmd": "wait-text", "text": arg, "timeout": STEP_TIMEOUT})
                ok = r.get("ok") and (step == "wait" or r.get("where") == "screen")
                if not ok and step == "screen" and r.get("ok"):
                    # Printed, not (yet) shown: the screen must show it.
                    lines = c.request({"cmd": "screen-text"}).get("lines", [])
                    ok = any(arg in line for line in lines)
                if not ok:
                    show(c)
                check(ok, "%s \"%s\" (%s)" % (step, arg, r.get("where") or r.get("error")))
            elif step == "type":
                r = c.request({"cmd": "type", "text": unescape(arg), "timeout": STEP_TIMEOUT})
                check(r.get("ok") and r.get("typed") == "done" and r.get("skipped") == 0, "typed \"%s\"" % arg)
            elif step == "line":
                lines = c.request({"cmd": "screen-text"}).get("lines", [])
                if arg not in lines:
                    show(c)
                check(arg in lines, "the screen has the row \"%s\"" % arg)
            elif step == "mode13":
                check_picture(c, tmp, int(arg), float(steps[k - 1]))
            elif step == "shot":
                r = c.request({"cmd": "screenshot", "file": arg})
                check(r.get("ok"), "screenshot kept as %s" % arg)
            else:
                fail("unknown step '%s'" % step)
        r = c.request({"cmd": "quit"})
        check(r.get("ok"), "quit is answered")
        check(wait_exit(proc, 60) == 0, "rex86 exited with status 0")
        proc = None
        print("dos_session: all steps reached", flush=True)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    try:
        main()
    except (OSError, KeyError, ValueError) as e:
        fail("%s: %s" % (type(e).__name__, e))
