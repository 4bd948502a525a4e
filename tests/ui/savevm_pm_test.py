#!/usr/bin/env python3
# A machine state saved in protected mode with paging: memtest86+ (through
# -kernel, PAE paging on) is saved at its start screen, the file's CPU
# section is checked for CR0.PG and PE, and a new rex86 started from it with
# the same engine (-accel interp or jit) runs memtest's tests on, and again
# after a loadvm of the same file in the middle of them.
# usage: savevm_pm_test.py REX86 interp|jit
import os
import struct
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rex86ctl import SKIP, Client, check, fail, wait_exit, workdir  # noqa: E402

MEMTEST = ["/boot/memtest86+ia32.bin", "/boot/memtest86+x32.bin", "/boot/memtest86+.bin"]
HEADER = 64
CR0_OFFSET = 160  # model, 8 GPRs, EIP, EFLAGS, 6 segments, GDTR, IDTR, LDTR, TR


def saved_cr0(path):
    """CR0 from the 'cpu' section of a state file (docs/control.md)."""
    with open(path, "rb") as f:
        data = f.read()
    payload = zlib.decompress(data[HEADER:])
    pos = 0
    while pos < len(payload):
        n = payload[pos]
        name = payload[pos + 1 : pos + 1 + n].decode()
        _, length = struct.unpack("<HQ", payload[pos + 1 + n : pos + 11 + n])
        body = payload[pos + 11 + n : pos + 11 + n + length]
        if name == "cpu":
            return struct.unpack("<I", body[CR0_OFFSET : CR0_OFFSET + 4])[0]
        pos += 11 + n + length
    fail("the state file has no cpu section")


def main():
    rex86, accel = sys.argv[1], sys.argv[2]
    kernel = next((p for p in MEMTEST if os.path.isfile(p)), None)
    if not kernel:
        print("SKIP: memtest86+ is not installed (apt-get install memtest86+)")
        sys.exit(SKIP)
    tmp = workdir("savevm-pm")
    sock = os.path.join(tmp, "control.sock")
    state = os.path.join(tmp, "memtest.rxs")
    args = [rex86, "-kernel", kernel, "-m", "64", "-accel", accel, "-display", "none", "-serial", "none",
            "--timeout", "300", "-control", "unix:" + sock]

    proc = subprocess.Popen(args)
    c = Client.connect(sock, proc, time.monotonic() + 30)
    r = c.request({"cmd": "wait-text", "text": "<Enter> to start testing", "timeout": 120})
    check(r.get("ok"), "memtest86+ waits at its start screen")
    r = c.request({"cmd": "savevm", "file": state})
    check(r.get("ok"), "savevm")
    r = c.request({"cmd": "quit"})
    check(r.get("ok") and wait_exit(proc, 30) == 0, "quit")
    cr0 = saved_cr0(state)
    check(cr0 & 0x80000001 == 0x80000001, "saved in protected mode with paging (CR0 %08x)" % cr0)

    proc = subprocess.Popen(args + ["-loadvm", state])
    c = Client.connect(sock, proc, time.monotonic() + 30)
    r = c.request({"cmd": "screen-text"})
    check(any("<Enter> to start testing" in l for l in r.get("lines", [])), "the restored screen is memtest's")
    r = c.request({"cmd": "type", "text": "\n"})
    check(r.get("ok"), "Enter pressed")
    r = c.request({"cmd": "wait-text", "text": "Status: Testing", "timeout": 60})
    check(r.get("ok"), "the restored memtest86+ started testing")
    # Its third test: the first two ran through the page tables in RAM.
    r = c.request({"cmd": "wait-text", "text": "Test #2", "timeout": 200})
    check(r.get("ok"), "the restored memtest86+ runs its tests")
    lines = c.request({"cmd": "screen-text"}).get("lines", [])
    check(any("Errors: 0" in l for l in lines), "with no memory errors")

    # Back to the saved start screen inside the running machine: the
    # translations, TLB and decoded instructions of the tests are dropped.
    r = c.request({"cmd": "loadvm", "file": state})
    check(r.get("ok"), "loadvm in the running memtest86+")
    lines = c.request({"cmd": "screen-text"}).get("lines", [])
    check(any("<Enter> to start testing" in l for l in lines), "the start screen is back")
    c.request({"cmd": "type", "text": "\n"})
    r = c.request({"cmd": "wait-text", "text": "Test #2", "timeout": 200})
    check(r.get("ok"), "and it runs its tests again")
    r = c.request({"cmd": "quit"})
    check(r.get("ok") and wait_exit(proc, 30) == 0, "quit")
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
