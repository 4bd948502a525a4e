#!/usr/bin/env python3
# The window in a real X server: Xvfb, rex86 -display sdl booting FreeDOS,
# its window found by name with xdotool, a DOS command typed into it as a
# person would (X key events), and the result checked on the text screen and
# in a screenshot, both through the control API. SKIPs (77) without Xvfb or
# xdotool, or when no rex86 window shows up.
# usage: xvfb_test.py REX86 FREEDOS_IMAGE
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rex86ctl import SKIP, Client, check, check_text_screenshot, fail, private_image, wait_exit, workdir  # noqa: E402


def skip(msg):
    print("SKIP: " + msg, flush=True)
    sys.exit(SKIP)


def start_xvfb():
    """Xvfb on a display number it picks itself; returns (proc, ":N").

    -displayfd makes Xvfb write the number only once it accepts clients, so
    rex86 never races the server's start-up (a socket file alone is not
    enough: SDL's XOpenDisplay can come before the server listens)."""
    rfd, wfd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(wfd), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(wfd,),
    )
    os.close(wfd)
    number = b""
    with os.fdopen(rfd, "rb") as r:
        while not number.endswith(b"\n"):
            chunk = r.read(1)  # EOF when Xvfb exits without a display
            if not chunk:
                break
            number += chunk
    if not number.strip().isdigit():
        proc.kill()
        proc.wait()
        skip("could not start Xvfb (-displayfd gave %r)" % number)
    return proc, ":" + number.strip().decode()


def xdotool(env, *args):
    return subprocess.run(["xdotool"] + list(args), env=env, capture_output=True, text=True, timeout=30)


def wait_title(env, win, part, what, seconds):
    """Poll the window's title until it contains part (SDL sets and redraws
    it after the window exists), then check it."""
    deadline = time.monotonic() + seconds
    name = ""
    while time.monotonic() < deadline:
        name = xdotool(env, "getwindowname", win).stdout.strip()
        if part in name:
            break
        time.sleep(0.1)
    check(part in name, "%s: the title reads '%s'" % (what, name))


def find_window(env, proc, deadline):
    """The rex86 window: (id, how it was found), or (None, None).

    xdotool 3.2016 matches --name only on titles stored as STRING; under a
    UTF-8 locale SDL stores UTF8_STRING, which it skips, so the class name
    (WM_CLASS "rex86") finds it then. The class can match more than one
    window, one of them without a title (seen under load: the first match
    stayed unnamed), so the one whose title names rex86 is preferred; until
    the deadline, the first match is the fallback."""
    first = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            fail("rex86 exited with status %d while its window was awaited" % proc.returncode)
        for how in ("--name", "--classname"):
            ids = xdotool(env, "search", how, "rex86").stdout.split()
            for win in ids:
                if "rex86" in xdotool(env, "getwindowname", win).stdout:
                    return win, how
            if ids and not first:
                first = (ids[0], how)
        time.sleep(0.1)
    return first if first else (None, None)


def main():
    rex86, image = sys.argv[1], sys.argv[2]
    for tool in ("Xvfb", "xdotool"):
        if not shutil.which(tool):
            skip("%s is not installed (apt-get install xvfb xdotool)" % tool)
    tmp = workdir("xvfb")
    img = private_image(image, tmp)
    sock = os.path.join(tmp, "control.sock")
    xvfb, display = start_xvfb()
    env = dict(os.environ, DISPLAY=display, SDL_AUDIODRIVER="dummy")
    env.pop("WAYLAND_DISPLAY", None)
    # Under ASan, the X11 and D-Bus libraries SDL loads leave allocations at
    # exit that are not rex86's; the headless UI tests keep the leak check.
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    proc = None
    try:
        proc = subprocess.Popen(
            [rex86, "-fda", img, "-display", "sdl", "-serial", "none", "--timeout", "300", "-control", "unix:" + sock],
            env=env,
        )
        c = Client.connect(sock, proc, time.monotonic() + 30)
        win, how = find_window(env, proc, time.monotonic() + 20)
        if not win:
            c.request({"cmd": "quit"})
            wait_exit(proc, 30)
            skip("no window named rex86 appeared on %s" % display)
        check(True, "xdotool search %s rex86 found the window (id %s) on %s" % (how, win, display))
        # The window can be found (by class) before SDL has set its title.
        wait_title(env, win, "rex86", "the window", 20)

        r = c.request({"cmd": "wait-text", "text": "A:\\>", "timeout": 120})
        check(r.get("ok"), "FreeDOS reached A:\\> in the window")
        # Focus the window and type through the X server (XTEST), as a
        # person's keyboard would, not through the control API.
        xdotool(env, "windowfocus", "--sync", win)
        r = xdotool(env, "type", "--delay", "100", "echo typed by xdotool")
        check(r.returncode == 0, "xdotool typed the command")
        xdotool(env, "key", "Return")
        r = c.request({"cmd": "wait-text", "text": "\ntyped by xdotool", "timeout": 60})
        if not r.get("ok"):
            print("the screen:\n" + "\n".join(c.request({"cmd": "screen-text"}).get("lines", [])))
        check(r.get("ok"), "the command's output appeared on the guest's screen")

        r = c.request({"cmd": "screen-text"})
        lines = r.get("lines", [])
        k = lines.index("typed by xdotool") if "typed by xdotool" in lines else -1
        check(k > 0 and lines[k - 1].endswith("echo typed by xdotool"), "screen-text shows the command and output")
        shot = os.path.join(tmp, "window.png")
        r = c.request({"cmd": "screenshot", "file": shot})
        check(r.get("ok"), "screenshot taken")
        check_text_screenshot(shot, k, k + 3)

        r = c.request({"cmd": "quit"})
        check(r.get("ok"), "quit is answered")
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
    except (OSError, KeyError, subprocess.TimeoutExpired) as e:
        fail("%s: %s" % (type(e).__name__, e))
