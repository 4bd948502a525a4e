#!/usr/bin/env python3
# `rex86` with no image: boots memtest86+ from the distribution's package
# when it is installed (its screen is checked through the control API), and
# otherwise ends at once with a one-sentence hint and status 1.
# usage: default_guest_test.py REX86
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rex86ctl import Client, check, wait_exit  # noqa: E402

MEMTEST = ["/boot/memtest86+ia32.bin", "/boot/memtest86+x32.bin", "/boot/memtest86+.bin"]


def main():
    rex86 = sys.argv[1]
    args = [rex86, "-display", "none", "-serial", "none", "--timeout", "200", "-control", "stdio"]
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=False)
    if not any(os.path.isfile(p) for p in MEMTEST):
        err = proc.communicate(timeout=30)[1].decode()
        check(proc.returncode == 1 and "nothing to boot" in err and err.count("\n") == 1, "the hint: " + err.strip())
        print("PASS (memtest86+ is not installed)")
        return
    c = Client(rfile=proc.stdout, wfile=proc.stdin)
    r = c.request({"cmd": "wait-text", "text": "Memtest86+", "timeout": 120})
    check(r.get("ok"), "memtest86+ started with no image given")
    r = c.request({"cmd": "wait-text", "text": "Memory  :", "timeout": 60})
    check(r.get("ok"), "memtest86+ sized the memory")
    r = c.request({"cmd": "quit"})
    check(r.get("ok") and wait_exit(proc, 30) == 0, "quit ends it with status 0")
    err = proc.stderr.read().decode()
    check("booting memtest86+" in err, "rex86 said what it boots: " + err.strip())
    print("PASS")


if __name__ == "__main__":
    main()
