#!/usr/bin/env python3
# Machine state files through the real program: FreeDOS booted to A:\> is
# saved with savevm; a new rex86 started with -loadvm answers a command typed
# at the restored prompt; the same state with the same input gives the same
# screen twice; bad state files end in one sentence (control API and
# command line alike).
# usage: savevm_test.py REX86 FREEDOS_IMAGE
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rex86ctl import Client, check, private_image, wait_exit, workdir  # noqa: E402

BOOT_TIMEOUT = 120


def start(args, sock):
    proc = subprocess.Popen(args + ["-control", "unix:" + sock], stderr=subprocess.PIPE)
    return proc, Client.connect(sock, proc, time.monotonic() + 30)


def quit(proc, c):
    r = c.request({"cmd": "quit"})
    check(r.get("ok") and wait_exit(proc, 30) == 0, "quit ends rex86 with status 0")
    c.close()


def typed_screen(c, state, text):
    """Paused: load the state, queue the keys, resume, wait for the command's
    output and the prompt after it, pause, and return the screen."""
    r = c.request({"cmd": "pause"})
    r = c.request({"cmd": "loadvm", "file": state})
    check(r.get("ok"), "loadvm while paused")
    r = c.request({"cmd": "type", "text": "echo %s\n" % text, "wait": False})
    check(r.get("ok"), "keys queued")
    c.request({"cmd": "resume"})
    r = c.request({"cmd": "wait-text", "text": "\n%s\n\nA:\\>" % text, "timeout": 60})
    check(r.get("ok"), "the output of echo %s appeared" % text)
    c.request({"cmd": "pause"})
    lines = c.request({"cmd": "screen-text"}).get("lines")
    c.request({"cmd": "resume"})
    return lines


def main():
    rex86, image = sys.argv[1], sys.argv[2]
    tmp = workdir("savevm")
    img = private_image(image, tmp)
    sock = os.path.join(tmp, "control.sock")
    state = os.path.join(tmp, "dos.rxs")
    args = [rex86, "-fda", img, "-display", "none", "-serial", "none", "--timeout", "300"]

    # 1. Boot to the prompt and save.
    proc, c = start(args, sock)
    r = c.request({"cmd": "wait-text", "text": "A:\\>", "timeout": BOOT_TIMEOUT})
    check(r.get("ok"), "FreeDOS reached A:\\>")
    r = c.request({"cmd": "savevm", "file": state})
    check(r.get("ok") and r.get("bytes", 0) > 1000 and os.path.getsize(state) == r["bytes"],
          "savevm wrote %s (%s bytes)" % (state, r.get("bytes")))
    r = c.request({"cmd": "savevm"})
    check(r.get("ok") is False and "file" in r.get("error", ""), "savevm without a file is an error")
    r = c.request({"cmd": "loadvm", "file": os.path.join(tmp, "missing.rxs")})
    check(r.get("ok") is False and "cannot open" in r.get("error", ""), "loadvm of a missing file: " + r.get("error", ""))
    bad = os.path.join(tmp, "bad.rxs")
    with open(state, "rb") as f:
        data = bytearray(f.read())
    with open(bad, "wb") as f:
        f.write(data[: len(data) // 2])
    r = c.request({"cmd": "loadvm", "file": bad})
    check(r.get("ok") is False and "truncated" in r.get("error", ""), "loadvm of a truncated file: " + r.get("error", ""))
    r = c.request({"cmd": "status"})
    check(r.get("ok") and r.get("state") == "running", "the machine runs on after refused loads")
    quit(proc, c)

    # 2. A new rex86 from the state: the prompt is there at once, and a
    # command typed at it runs.
    proc, c = start(args + ["-loadvm", state], sock)
    r = c.request({"cmd": "screen-text"})
    check(r.get("ok") and any(l.startswith("A:\\>") for l in r.get("lines", [])), "the restored screen shows A:\\>")
    r = c.request({"cmd": "type", "text": "echo restored\n"})
    check(r.get("ok") and r.get("typed") == "done", "typed at the restored prompt")
    r = c.request({"cmd": "wait-text", "text": "\nrestored", "timeout": 60})
    check(r.get("ok"), "the restored FreeDOS ran the command")

    # 3. Determinism: the same state and the same keys, the same screen.
    first = typed_screen(c, state, "again")
    second = typed_screen(c, state, "again")
    check(first == second and first and "again" in first, "the same state and input gave the same screen")
    quit(proc, c)

    # 4. The command line: bad state files are one sentence and status 1.
    for path, other, word in [
        (os.path.join(tmp, "missing.rxs"), [], "cannot open"),
        (bad, [], "truncated"),
        (img, [], "not a rex86 state file"),
        (state, ["-m", "64"], "-m"),
    ]:
        p = subprocess.run(args + other + ["-loadvm", path], stderr=subprocess.PIPE, timeout=60)
        err = p.stderr.decode()
        check(p.returncode == 1 and word in err and err.count("\n") == 1, "-loadvm refused: " + err.strip())
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
