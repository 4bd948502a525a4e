#!/usr/bin/env python3
# The window as a user meets it, in Xvfb under a small window manager
# (evilwm, its own keys moved to the Super key so Ctrl+Alt stays rex86's):
# the picture's place and aspect ratio read back from the X server (xwd) and
# compared with rex86's own screenshot, for 720x400 text and the 320x200
# mode 13h shown 4:3, integer and smooth scaling, fullscreen on and off, a
# window resized by the user, and
# the host keys: pause, speed cap and max in the title, mouse capture and
# release, screenshot, Ctrl+Alt+Del, no stuck key on focus loss, and a close
# of the window that quits with the disk image flushed. SKIPs (77) without
# Xvfb, xdotool, xwd or evilwm.
# usage: window_test.py REX86 V86_FREEDOS_IMAGE
import os
import shutil
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rex86ctl import Client, check, fail, read_png, private_image, wait_exit, wait_picture, workdir  # noqa: E402
from xvfb_test import find_window, skip, start_xvfb, wait_title, xdotool  # noqa: E402

SCREEN_W, SCREEN_H = 1024, 768  # the Xvfb screen (xvfb_test.start_xvfb)
WAIT = 60  # host seconds for anything the window does after a key


def xwd_capture(env, win):
    """The window's pixels as the X server holds them: (w, h, rows of (r, g, b))."""
    data = subprocess.run(["xwd", "-silent", "-id", win], env=env, capture_output=True, timeout=30).stdout
    if len(data) < 100:
        fail("xwd gave no picture of the window")
    hdr = struct.unpack(">25I", data[:100])
    header_size, version, pixmap_format, depth, w, h = hdr[0:6]
    byte_order, bits_per_pixel, bytes_per_line = hdr[7], hdr[11], hdr[12]
    red_mask, green_mask, blue_mask, ncolors = hdr[14], hdr[15], hdr[16], hdr[19]
    if version != 7 or pixmap_format != 2 or bits_per_pixel != 32:
        fail("xwd wrote a format this test does not read (version %d, format %d, %d bpp)" % (version, pixmap_format, bits_per_pixel))
    pos = header_size + 12 * ncolors
    fmt = "<I" if byte_order == 0 else ">I"

    def shift(mask):
        return (mask & -mask).bit_length() - 1

    rs, gs, bs = shift(red_mask), shift(green_mask), shift(blue_mask)
    rows = []
    for y in range(h):
        line = data[pos + y * bytes_per_line : pos + y * bytes_per_line + 4 * w]
        vals = struct.unpack(fmt[0] + "%dI" % w, line)
        rows.append([((v & red_mask) >> rs, (v & green_mask) >> gs, (v & blue_mask) >> bs) for v in vals])
    return w, h, rows


def placement_score(win_rows, win_w, win_h, src_rows, src_w, src_h, rect):
    """How well the window shows the guest picture in rect (x, y, w, h): the
    share of sampled source pixels found at the centre of their place in the
    window, and the share of sampled pixels outside rect that are black."""
    x0, y0, w, h = rect
    hits = total = 0
    for sy in range(0, src_h, max(1, src_h // 40)):
        for sx in range(0, src_w, max(1, src_w // 40)):
            wx = x0 + int((sx + 0.5) * w / src_w)
            wy = y0 + int((sy + 0.5) * h / src_h)
            if 0 <= wx < win_w and 0 <= wy < win_h:
                a, b = win_rows[wy][wx], src_rows[sy][sx]
                hits += all(abs(a[k] - b[k]) <= 8 for k in range(3))
            total += 1
    black = outside = 0
    for wy in range(0, win_h, 7):
        for wx in range(0, win_w, 7):
            if not (x0 <= wx < x0 + w and y0 <= wy < y0 + h):
                outside += 1
                black += win_rows[wy][wx] == (0, 0, 0)
    return hits / total, (black / outside if outside else 1.0)


def check_placement(env, win, c, tmp, rect, what, want=0.97):
    """Waits (bounded) until the window shows rex86's screenshot in rect:
    `want` of the samples match (smooth scaling blends neighbours)."""
    shot = os.path.join(tmp, "guest.png")
    deadline = time.monotonic() + WAIT
    while True:
        r = c.request({"cmd": "screenshot", "file": shot}, quiet=True)
        sw, sh, srows = read_png(shot)
        ww, wh, wrows = xwd_capture(env, win)
        inside, border = placement_score(wrows, ww, wh, srows, sw, sh, rect)
        if (inside >= want and border >= 0.999) or time.monotonic() > deadline:
            break
        time.sleep(0.2)  # the next frame is presented within 33 ms of host time
    check(
        r.get("ok") and inside >= want and border >= 0.999,
        "%s: the %dx%d picture fills %r of the %dx%d window (%.1f%% of samples match, %.1f%% of the rest black)"
        % (what, sw, sh, rect, ww, wh, inside * 100, border * 100),
    )


def geometry(env, win):
    out = xdotool(env, "getwindowgeometry", win).stdout
    for line in out.splitlines():
        if "Geometry:" in line:
            w, h = line.split()[-1].split("x")
            return int(w), int(h)
    return None


def wait_geometry(env, win, size, what):
    deadline = time.monotonic() + WAIT
    while geometry(env, win) != size and time.monotonic() < deadline:
        time.sleep(0.1)  # the window manager answers the request
    check(geometry(env, win) == size, "%s: the window is %r" % (what, geometry(env, win)))


def wait_virtual(c, seconds):
    """Waits until the guest's clock has gone `seconds` further."""
    t0 = c.request({"cmd": "status"}, quiet=True)["virtual_time"]
    deadline = time.monotonic() + WAIT
    while c.request({"cmd": "status"}, quiet=True)["virtual_time"] < t0 + seconds:
        if time.monotonic() > deadline:
            fail("the guest's clock did not advance %g s" % seconds)
        time.sleep(0.05)


def main():
    rex86, image = os.path.abspath(sys.argv[1]), sys.argv[2]
    for tool in ("Xvfb", "xdotool", "xwd", "evilwm"):
        if not shutil.which(tool):
            skip("%s is not installed (apt-get install xvfb xdotool x11-apps evilwm)" % tool)
    tmp = workdir("window")
    img = private_image(image, tmp)
    sock = os.path.join(tmp, "control.sock")
    xvfb, display = start_xvfb()
    env = dict(os.environ, DISPLAY=display, SDL_AUDIODRIVER="dummy")
    env.pop("WAYLAND_DISPLAY", None)
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":detect_leaks=0"  # see xvfb_test.py
    wm = subprocess.Popen(["evilwm", "-mask1", "mod4", "-mask2", "mod4"], env=env, stderr=subprocess.DEVNULL)
    proc = None
    try:
        # Full speed: the Mandelbrot demo is long at a paced rate.
        proc = subprocess.Popen(
            [rex86, "-fda", img, "-display", "sdl", "-serial", "none", "--speed", "max", "--timeout", "400"]
            + ["-control", "unix:" + sock],
            env=env,
            cwd=tmp,
        )
        c = Client.connect(sock, proc, time.monotonic() + 30)
        win, how = find_window(env, proc, time.monotonic() + 20)
        if not win:
            skip("no rex86 window appeared on %s" % display)
        xdotool(env, "windowfocus", "--sync", win)
        wait_geometry(env, win, (720, 540), "at start")
        r = c.request({"cmd": "wait-text", "text": "A:\\>", "timeout": 120})
        check(r.get("ok"), "FreeDOS reached A:\\>")

        # 720x400 text is shown 4:3: it fills the 720x540 window.
        check_placement(env, win, c, tmp, (0, 0, 720, 540), "text mode")

        c.request({"cmd": "type", "text": "demos\\mandel~1\n"})
        stats = wait_picture(c, os.path.join(tmp, "demo.png"), 320, 200, 60, 85, 240)
        check(stats is not None, "the mode 13h demo drew its picture")
        # 320x200 shown 4:3 is 320x240; integer scaling: twice, centred.
        check_placement(env, win, c, tmp, (40, 30, 640, 480), "mode 13h, integer scaling")
        xdotool(env, "key", "ctrl+alt+i")
        check_placement(env, win, c, tmp, (0, 0, 720, 540), "mode 13h, smooth scaling (Ctrl+Alt+I)", 0.9)
        xdotool(env, "key", "ctrl+alt+i")
        check_placement(env, win, c, tmp, (40, 30, 640, 480), "back to integer scaling")

        xdotool(env, "key", "ctrl+alt+f")
        wait_geometry(env, win, (SCREEN_W, SCREEN_H), "fullscreen (Ctrl+Alt+F)")
        check_placement(env, win, c, tmp, (32, 24, 960, 720), "fullscreen, integer scaling: three times")
        xdotool(env, "key", "ctrl+alt+f")
        wait_geometry(env, win, (720, 540), "fullscreen off")
        check_placement(env, win, c, tmp, (40, 30, 640, 480), "windowed again")

        # Resized by the user: the largest whole multiple that fits, centred;
        # smooth scaling fills the height at 4:3.
        xdotool(env, "windowmove", win, "0", "0")  # the window manager keeps it on the screen
        xdotool(env, "windowsize", win, "1000", "700")
        wait_geometry(env, win, (1000, 700), "resized")
        check_placement(env, win, c, tmp, (180, 110, 640, 480), "resized, integer scaling")
        xdotool(env, "key", "ctrl+alt+i")
        check_placement(env, win, c, tmp, (33, 0, 933, 700), "resized, smooth scaling", 0.9)
        xdotool(env, "key", "ctrl+alt+i")
        xdotool(env, "windowsize", win, "720", "540")
        wait_geometry(env, win, (720, 540), "back to 720x540")

        # Pause: the title says so and no instruction runs.
        xdotool(env, "key", "ctrl+alt+p")
        wait_title(env, win, "Paused", "Ctrl+Alt+P", WAIT)
        r = c.request({"cmd": "status"})
        check(r.get("state") == "paused", "the control API's status says paused too")
        n0 = r["instructions"]
        t0 = time.monotonic()
        while time.monotonic() < t0 + 0.3:  # a few window updates go by
            c.request({"cmd": "status"}, quiet=True)
        check(c.request({"cmd": "status"})["instructions"] == n0, "no instruction ran while paused")
        r = c.request({"cmd": "resume"})
        check(r.get("state") == "paused", "the API's resume leaves the window's pause to the window")
        xdotool(env, "key", "ctrl+alt+p")
        wait_title(env, win, "MIPS", "Ctrl+Alt+P again: running", WAIT)
        check(c.request({"cmd": "status"}).get("state") == "running", "status says running")

        # Speed: max (from --speed max), a step down is a cap, M toggles max.
        wait_title(env, win, "(max)", "--speed max", WAIT)
        xdotool(env, "key", "ctrl+alt+minus")
        wait_title(env, win, "(cap ", "Ctrl+Alt+- sets a cap", WAIT)
        xdotool(env, "key", "ctrl+alt+m")
        wait_title(env, win, "(max)", "Ctrl+Alt+M: unlimited", WAIT)

        # The mouse: a click captures it, Ctrl+Alt+G lets it go.
        xdotool(env, "mousemove", "--window", win, "360", "270")
        xdotool(env, "click", "1")
        wait_title(env, win, "Ctrl+Alt+G releases the mouse", "a click captures the mouse", WAIT)
        xdotool(env, "key", "ctrl+alt+g")
        wait_title(env, win, "click to capture the mouse", "Ctrl+Alt+G releases it", WAIT)

        # Ctrl+Alt+S: a PNG of the guest's picture in the current folder.
        xdotool(env, "key", "ctrl+alt+s")
        png = os.path.join(tmp, "rex86-1.png")
        deadline = time.monotonic() + WAIT
        while not os.path.exists(png) and time.monotonic() < deadline:
            time.sleep(0.1)
        check(os.path.exists(png) and read_png(png)[:2] == (320, 200), "Ctrl+Alt+S wrote rex86-1.png, 320x200")

        # Ctrl+Alt+End is Ctrl+Alt+Del for the guest: it boots again.
        # (The demo's screen is cleared by any mode change, so the banner
        # is new text.)
        xdotool(env, "key", "ctrl+alt+End")
        r = c.request({"cmd": "wait-text", "text": "Welcome to FreeDOS", "timeout": 120})
        check(r.get("ok"), "Ctrl+Alt+End rebooted the guest (its banner: %s)" % r.get("where"))
        r = c.request({"cmd": "wait-text", "text": "A:\\>", "timeout": 120})
        check(r.get("ok") and r.get("where") == "screen", "and it is at A:\\> again")
        check_placement(env, win, c, tmp, (0, 0, 720, 540), "text mode again")

        # A key held while the window loses the focus is let go for the
        # guest: the keyboard's repeat (a row of a's) stops.
        xdotool(env, "windowfocus", "--sync", win)
        xdotool(env, "keydown", "a")
        r = c.request({"cmd": "wait-text", "text": "A:\\>aaaa", "timeout": WAIT})
        check(r.get("ok"), "a held key repeats in the guest")
        def a_count():
            return sum(line.count("a") for line in c.request({"cmd": "screen-text"}, quiet=True)["lines"])

        # The guest is paused while the focus moves, so the count before and
        # after is not a race with the keyboard's repeat.
        c.request({"cmd": "pause"})
        # Focus to the root window with the pointer off ours (with the
        # pointer over it, the root's keys would still go to it).
        xdotool(env, "mousemove", str(SCREEN_W - 2), str(SCREEN_H - 2))
        root = subprocess.run(["xwininfo", "-root"], env=env, capture_output=True, text=True).stdout.split()
        xdotool(env, "windowfocus", root[root.index("id:") + 1])
        n = a_count()
        c.request({"cmd": "resume"})
        wait_virtual(c, 1.5)  # over fifteen repeats' worth: none may come
        check(a_count() <= n + 1, "the repeat stopped when the focus left (%d a's, then %d)" % (n, a_count()))
        xdotool(env, "keyup", "a")
        xdotool(env, "windowfocus", "--sync", win)
        c.request({"cmd": "key", "keys": "esc"})

        # What the guest wrote is on the disk image once the window closes.
        r = c.request({"cmd": "type", "text": "echo rex86-flushed-by-close > FLUSHED.TXT\n"})
        r = c.request({"cmd": "wait-text", "text": "FLUSHED.TXT\n\nA:\\>", "timeout": WAIT})
        check(r.get("ok"), "DOS wrote FLUSHED.TXT")
        xdotool(env, "key", "super+Escape")  # evilwm: close the window (WM_DELETE_WINDOW)
        check(wait_exit(proc, 60) == 0, "closing the window quit rex86 with status 0")
        proc = None
        with open(img, "rb") as f:
            check(b"rex86-flushed-by-close" in f.read(), "the file's text is in the floppy image")
        print("PASS", flush=True)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        wm.terminate()
        wm.wait()
        xvfb.terminate()
        xvfb.wait()


if __name__ == "__main__":
    try:
        main()
    except (OSError, KeyError, ValueError, subprocess.TimeoutExpired) as e:
        fail("%s: %s" % (type(e).__name__, e))
