# A small client for rex86's control API (docs/control.md) and the helpers
# the UI tests share: a private copy of a guest image, a PNG reader for
# pixel statistics, and deadlines instead of sleeps.
import atexit
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

SKIP = 77  # CTest's SKIP_RETURN_CODE in tests/ui/CMakeLists.txt


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok: " + msg, flush=True)


class Client:
    """One connection: request() sends a line and returns the next reply."""

    def __init__(self, sock=None, rfile=None, wfile=None):
        self.sock = sock
        if sock is not None:
            rfile = sock.makefile("rb")
            wfile = sock.makefile("wb")
        self.rfile, self.wfile = rfile, wfile

    @staticmethod
    def connect(path, proc, deadline):
        # rex86 creates the socket while starting; poll for it briefly.
        while True:
            if proc.poll() is not None:
                fail("rex86 exited with status %d before its control socket opened" % proc.returncode)
            if os.path.exists(path):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    s.connect(path)
                    return Client(sock=s)
                except OSError:
                    s.close()
            if time.monotonic() > deadline:
                fail("the control socket %s did not appear" % path)
            time.sleep(0.05)

    def send_line(self, line):
        self.wfile.write(line.encode() + b"\n")
        self.wfile.flush()

    def reply(self):
        line = self.rfile.readline()
        if not line:
            fail("the control connection closed while a reply was expected")
        try:
            return json.loads(line)
        except ValueError:
            fail("the reply is not JSON: %r" % line)

    def request(self, obj, quiet=False):
        self.send_line(json.dumps(obj))
        r = self.reply()
        if not quiet:
            print("  %s -> %s" % (json.dumps(obj), json.dumps(r)[:200]), flush=True)
        return r

    def close(self):
        if self.sock is not None:
            self.sock.close()


def private_image(src, workdir):
    """Guests write to their disks, so each run boots its own copy."""
    dst = os.path.join(workdir, os.path.basename(src))
    shutil.copyfile(src, dst)
    return dst


def workdir(name):
    """A temporary folder, removed when the test ends (pass or fail)."""
    path = tempfile.mkdtemp(prefix="rex86-" + name + "-")
    atexit.register(shutil.rmtree, path, True)
    return path


def wait_exit(proc, seconds):
    try:
        return proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        fail("rex86 did not exit within %d seconds" % seconds)


def read_png(path):
    """Decodes an 8-bit RGB or RGBA PNG into (width, height, rows of
    (r, g, b) tuples). Enough for pixel statistics; no image library."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("%s is not a PNG file" % path)
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                fail("%s: only 8-bit RGB/RGBA PNGs are read here" % path)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pred) & 255
        rows.append([tuple(line[x : x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return w, h, rows


def lit_fraction(rows, y0, y1):
    """The share of pixels in rows y0..y1-1 that are not black."""
    lit = total = 0
    for row in rows[y0:y1]:
        for px in row:
            total += 1
            lit += px != (0, 0, 0)
    return lit / total if total else 0.0


def picture_stats(path):
    """(width, height, distinct colours, share of pixels not black)."""
    w, h, rows = read_png(path)
    colours = set()
    for row in rows:
        colours.update(row)
    return w, h, len(colours), lit_fraction(rows, 0, h)


def wait_picture(c, path, width, height, colours, percent, timeout):
    """Polls screenshots until the screen is a width x height picture with at
    least `colours` colours and `percent` % of its pixels lit (the picture
    grows as the guest draws it); returns its statistics, or None."""
    deadline = time.monotonic() + timeout
    stats = None
    while time.monotonic() < deadline:
        r = c.request({"cmd": "status"}, quiet=True)
        if r.get("screen") == "graphics":
            shot = c.request({"cmd": "screenshot", "file": path}, quiet=True)
            if shot.get("ok") and shot.get("width") == width and shot.get("height") == height:
                stats = picture_stats(path)
                if stats[2] >= colours and stats[3] * 100.0 >= percent:
                    return stats
        if r.get("stop") not in (None, "slice", "requested", "none"):
            break  # the guest stopped for good
        time.sleep(0.1)  # the guest is still drawing; look again
    return None


def check_text_screenshot(path, text_row, blank_from_row):
    """A DOS text screen in 80x25 with 16-pixel character rows: the row with
    our text has lit pixels, the rows below the prompt are black, and there
    are only a few colours (text on a background)."""
    w, h, rows = read_png(path)
    check(w >= 640 and h >= 350, "the screenshot is %dx%d, a text-mode size" % (w, h))
    cell = h // 25
    colours = set()
    for row in rows:
        colours.update(row)
    check(2 <= len(colours) <= 16, "the screenshot has %d colours (text on a background)" % len(colours))
    lit = lit_fraction(rows, text_row * cell, (text_row + 1) * cell)
    check(0.02 < lit < 0.6, "character row %d has text on it (%.3f of its pixels lit)" % (text_row, lit))
    below = lit_fraction(rows, blank_from_row * cell, h)
    check(below == 0.0, "the screen below row %d is blank (%.4f lit)" % (blank_from_row, below))
