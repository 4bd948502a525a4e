#!/usr/bin/env python3
"""Builds a busybox initramfs (newc cpio, gzip) for the Linux boot tests.

The named kernel modules are looked up in one or more module trees, their
dependencies resolved (modules.dep when a tree has one, otherwise the
"depends=" field of each module's .modinfo section), and copied flat into
/lib/modules/ with the load order in /etc/modules. /init is a preamble
(mount proc, sys and devtmpfs, install busybox's applets, insmod every
module in order) followed by the test's own script.

  mkinitramfs.py --busybox BUSYBOX --init SCRIPT --out FILE.cpio.gz
                 [--moddir DIR]... [--module NAME]... [--late-module NAME]...

A --late-module is copied (with what it needs) but left out of /etc/modules:
the test's script loads it itself, with insmod /lib/modules/NAME.ko.

A module that none of the trees holds ends the build with status 3 and one
line naming it and what asked for it, so a test can report exactly what is
missing.
"""
import argparse
import gzip
import os
import struct
import sys


def norm(name):
    """Module names treat '-' and '_' alike (kmod does the same)."""
    return name.replace("-", "_")


def modinfo(path):
    """The key=value strings of an ELF module's .modinfo section."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        raise ValueError("%s is not an ELF file" % path)
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    if is64:
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", data, 0x3A)
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", data, 0x2E)

    def section(k):
        base = shoff + k * shentsize
        if is64:
            name, _, _, _, off, size = struct.unpack_from(end + "IIQQQQ", data, base)
        else:
            name, _, _, _, off, size = struct.unpack_from(end + "IIIIII", data, base)
        return name, off, size

    _, stroff, _ = section(shstrndx)
    info = {}
    for k in range(shnum):
        name, off, size = section(k)
        nend = data.index(b"\0", stroff + name)
        if data[stroff + name:nend] != b".modinfo":
            continue
        for item in data[off:off + size].split(b"\0"):
            if b"=" in item:
                key, _, val = item.decode("utf-8", "replace").partition("=")
                info.setdefault(key, []).append(val)
    return info


class Trees:
    """Every .ko under the given directories, first tree wins."""

    def __init__(self, dirs):
        self.dirs = dirs
        self.path = {}
        self.dep = {}  # from modules.dep, when a tree has one
        for d in dirs:
            found = {}
            for root, _, files in os.walk(d):
                for fn in files:
                    if fn.endswith(".ko"):
                        found.setdefault(norm(fn[:-3]), os.path.join(root, fn))
                    elif fn == "modules.dep":
                        self.read_dep(root, os.path.join(root, fn))
            for k, v in found.items():
                self.path.setdefault(k, v)

    def read_dep(self, root, dep):
        with open(dep) as f:
            for line in f:
                mod, _, deps = line.partition(":")
                name = norm(os.path.basename(mod.strip())[:-3])
                self.dep.setdefault(name, [norm(os.path.basename(x)[:-3]) for x in deps.split()])

    def depends(self, name):
        if name in self.dep:
            return self.dep[name]
        info = modinfo(self.path[name])
        out = []
        for field in info.get("depends", []):
            out += [norm(x) for x in field.split(",") if x]
        return out


def resolve(trees, wanted):
    """Load order: each module after everything it depends on."""
    order, state = [], {}

    def visit(name, asked_by):
        if state.get(name) == "done":
            return
        if state.get(name) == "busy":
            raise SystemExit("mkinitramfs: dependency loop at module %s" % name)
        if name not in trees.path:
            print("mkinitramfs: MISSING MODULE %s (needed by %s); looked in: %s" %
                  (name, asked_by, ", ".join(trees.dirs)), file=sys.stderr)
            sys.exit(3)
        state[name] = "busy"
        for d in trees.depends(name):
            visit(d, name)
        state[name] = "done"
        order.append(name)

    for w in wanted:
        visit(norm(w), "the test")
    return order


PREAMBLE = """#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /mnt
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
/bin/busybox --install -s /bin
export PATH=/bin
for m in $(cat /etc/modules); do
    if insmod /lib/modules/$m.ko; then
        echo "MODULE-LOADED $m"
    else
        echo "MODULE-FAILED $m"
    fi
done
"""


class Cpio:
    """The newc format: a 110-byte ASCII header, the name, the data, each
    padded to 4 bytes; a TRAILER!!! entry ends it."""

    def __init__(self):
        self.out = bytearray()
        self.ino = 1

    def add(self, name, mode, data=b"", nlink=1):
        nb = name.encode() + b"\0"
        fields = (self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(nb), 0)
        self.ino += 1
        rec = b"070701" + b"".join(b"%08X" % v for v in fields) + nb
        rec += b"\0" * (-len(rec) % 4)
        rec += data
        rec += b"\0" * (-len(rec) % 4)
        self.out += rec

    def finish(self):
        self.add("TRAILER!!!", 0)
        self.out += b"\0" * (-len(self.out) % 512)
        return bytes(self.out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--busybox", required=True)
    ap.add_argument("--init", required=True, help="shell script run after the preamble")
    ap.add_argument("--out", required=True)
    ap.add_argument("--moddir", action="append", default=[])
    ap.add_argument("--module", action="append", default=[])
    ap.add_argument("--late-module", action="append", default=[])
    a = ap.parse_args()

    trees = Trees(a.moddir)
    order = resolve(trees, a.module)
    late = [m for m in resolve(trees, a.module + a.late_module) if m not in order]
    for m in order + late:
        print("mkinitramfs: %s%s <- %s" % (m, " (late)" if m in late else "", trees.path[m]))

    c = Cpio()
    for d in ("bin", "dev", "proc", "sys", "tmp", "mnt", "etc", "lib", "lib/modules"):
        c.add(d, 0o040755, nlink=2)
    with open(a.busybox, "rb") as f:
        c.add("bin/busybox", 0o100755, f.read())
    c.add("bin/sh", 0o120777, b"busybox")
    for m in order + late:
        with open(trees.path[m], "rb") as f:
            c.add("lib/modules/%s.ko" % m, 0o100644, f.read())
    c.add("etc/modules", 0o100644, "".join(m + "\n" for m in order).encode())
    with open(a.init, "rb") as f:
        c.add("init", 0o100755, PREAMBLE.encode() + f.read())
    data = c.finish()
    if a.out.endswith(".gz"):
        data = gzip.compress(data, 9, mtime=0)
    with open(a.out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
