#!/usr/bin/env python3
"""tests/conformance/mutate.py RUNNER SOURCE.MOO.gz WORKDIR COUNT SEED

Damages a MOO file COUNT times at random (flipped bytes, a cut, inserted
bytes, huge or zero length fields, a broken gzip stream) and runs rex86-sst
on each result. Every run must end with an exit status (0, 1 or 2) and, when
it reports an error, name the file: never a signal, a sanitizer report or a
hang. Deterministic for a given SEED."""
import gzip
import os
import random
import struct
import subprocess
import sys


def mutate(rng, data):
    d = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(6)
        if not d:
            break
        pos = rng.randrange(len(d))
        if kind == 0:  # flip a few bits
            d[pos] ^= 1 << rng.randrange(8)
        elif kind == 1:  # cut the file
            del d[pos:]
        elif kind == 2:  # insert junk
            d[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif kind == 3 and pos + 4 <= len(d):  # a huge or zero 32-bit field
            d[pos:pos + 4] = struct.pack("<I", rng.choice([0, 1, 0x7FFFFFFF, 0xFFFFFFFF, 0x10000]))
        elif kind == 4:  # a chunk id where data was
            d[pos:pos + 4] = rng.choice([b"TEST", b"NAME", b"RAM ", b"REGS", b"INIT", b"FINA", b"MOO "])
        else:  # swap two regions
            q = rng.randrange(len(d))
            n = rng.randint(1, 32)
            a, b = d[pos:pos + n], d[q:q + n]
            d[pos:pos + len(a)] = b[: len(a)] + a[len(b):]
    return bytes(d)


def main():
    runner, source, work, count, seed = sys.argv[1:6]
    rng = random.Random(int(seed))
    raw = gzip.open(source).read()
    os.makedirs(work, exist_ok=True)
    bad = 0
    statuses = {}
    for k in range(int(count)):
        path = os.path.join(work, "m%04d.MOO.gz" % k)
        data = mutate(rng, raw)
        blob = gzip.compress(data, 1)
        if rng.randrange(8) == 0:  # damage the gzip stream itself
            blob = mutate(rng, blob)
        with open(path, "wb") as f:
            f.write(blob)
        try:
            p = subprocess.run([runner, "--cpu", "286", path], capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            print("FAIL: %s: rex86-sst hung" % path)
            bad += 1
            continue
        statuses[p.returncode] = statuses.get(p.returncode, 0) + 1
        err = [l for l in p.stderr.splitlines() if l.strip()]
        problem = None
        if p.returncode not in (0, 1, 2):
            problem = "exit status %d" % p.returncode
        elif "Sanitizer" in p.stderr or "runtime error" in p.stderr:
            problem = "sanitizer report"
        elif p.returncode == 2 and not any(path in l and "error" in l for l in err):
            problem = "an error that does not name the file"
        if problem:
            bad += 1
            print("FAIL: %s: %s\n%s" % (path, problem, p.stderr[-2000:]))
        else:
            os.remove(path)
    print("mutate: %s runs, exit statuses %s" % (count, dict(sorted(statuses.items()))))
    if bad:
        print("FAIL: %d damaged files were not handled cleanly" % bad)
        return 1
    print("PASS: every damaged file ended in a clean status")
    return 0


if __name__ == "__main__":
    sys.exit(main())
