#!/usr/bin/env python3
# The control API against a real guest: headless FreeDOS with -control, a
# command typed at A:\>, its output on the screen and in a screenshot, bad
# requests answered with errors on a connection that stays up, quit -> 0.
# usage: control_test.py REX86 FREEDOS_IMAGE socket|stdio
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rex86ctl import Client, check, check_text_screenshot, fail, private_image, wait_exit, workdir  # noqa: E402

BOOT_TIMEOUT = 120  # seconds of host time for FreeDOS to reach A:\>


def converse(c, tmp, extra_client=None):
    r = c.request({"cmd": "status", "id": 1})
    check(r.get("ok") and r.get("id") == 1 and r.get("state") == "running", "status answers with the id")
    check(isinstance(r.get("instructions"), int) and "virtual_time" in r and "mips" in r, "status has the counters")

    r = c.request({"cmd": "wait-text", "text": "A:\\>", "timeout": BOOT_TIMEOUT, "id": "boot"})
    check(r.get("ok") and r.get("id") == "boot", "FreeDOS reached A:\\> (seen on the %s)" % r.get("where"))

    r = c.request({"cmd": "type", "text": "echo hello-rex86\n"})
    check(r.get("ok") and r.get("typed") == "done" and r.get("skipped") == 0, "the command was typed")
    # A line that starts with the text is the echo's output, not the command.
    r = c.request({"cmd": "wait-text", "text": "\nhello-rex86", "timeout": 60})
    check(r.get("ok") and r.get("where") == "screen", "the echo's output appeared")
    r = c.request({"cmd": "wait-text", "text": "hello-rex86\n\nA:\\>", "timeout": 60})
    check(r.get("ok"), "the prompt came back")

    r = c.request({"cmd": "screen-text"})
    lines = r.get("lines", [])
    check(r.get("ok") and r.get("mode") == "text" and len(lines) == 25, "screen-text gives 25 lines")
    k = lines.index("hello-rex86") if "hello-rex86" in lines else -1
    check(k > 0 and lines[k - 1].endswith("echo hello-rex86"), "the command and its output are on the screen")

    shot = os.path.join(tmp, "screen.png")
    r = c.request({"cmd": "screenshot", "file": shot})
    check(r.get("ok") and os.path.getsize(shot) > 100, "screenshot wrote %s" % shot)
    # The output is on row k; after it a blank line, the prompt, then nothing.
    check_text_screenshot(shot, k, k + 3)

    # Bad input gets an error and the connection stays usable.
    c.send_line("this is not json")
    r = c.reply()
    check(r.get("ok") is False and "not JSON" in r.get("error", ""), "a line that is not JSON gets an error")
    for bad, what in [
        ('{"cmd": "fly"}', "an unknown command"),
        ('["status"]', "an array instead of an object"),
        ('{"cmd": "key", "keys": "ctrl-alt-dell"}', "an unknown key name"),
        ('{"cmd": "wait-text", "text": ""}', "wait-text with no text"),
        ('{"cmd": "screenshot"}', "a screenshot with no file"),
    ]:
        c.send_line(bad)
        r = c.reply()
        check(r.get("ok") is False and r.get("error"), "%s gets an error: %s" % (what, r.get("error")))
    r = c.request({"cmd": "wait-text", "text": "never on this screen", "timeout": 0.2, "id": 7})
    check(r.get("ok") is False and r.get("id") == 7 and "did not appear" in r["error"], "wait-text times out")
    r = c.request({"cmd": "status"})
    check(r.get("ok"), "the connection still works after the errors")

    # Keys: F3 repeats the last command line in DOS; Esc clears it again.
    r = c.request({"cmd": "key", "keys": "f3"})
    check(r.get("ok") and r.get("typed") == "done", "a key was pressed")
    r = c.request({"cmd": "wait-text", "text": "A:\\>echo hello-rex86\n\n", "timeout": 30})
    check(r.get("ok"), "F3 brought back the last command")
    r = c.request({"cmd": "key", "keys": "esc"})
    check(r.get("ok"), "Esc was pressed")

    r = c.request({"cmd": "pause"})
    check(r.get("ok") and r.get("state") == "paused", "pause")
    t0 = c.request({"cmd": "status"})["instructions"]
    t1 = c.request({"cmd": "status"})["instructions"]
    check(t0 == t1, "no instructions run while paused")
    r = c.request({"cmd": "resume"})
    check(r.get("ok") and r.get("state") == "running", "resume")

    if extra_client:
        r = extra_client.request({"cmd": "status", "id": "second"})
        check(r.get("ok") and r.get("id") == "second", "a second client is served at the same time")
        extra_client.close()


def main():
    rex86, image, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    tmp = workdir("control")
    img = private_image(image, tmp)
    args = [rex86, "-fda", img, "-display", "none", "-serial", "none", "--timeout", "300"]
    deadline = time.monotonic() + 30
    if mode == "socket":
        sock = os.path.join(tmp, "control.sock")
        proc = subprocess.Popen(args + ["-control", "unix:" + sock])
        c = Client.connect(sock, proc, deadline)
        second = Client.connect(sock, proc, deadline)
        converse(c, tmp, second)
        # A client may also come and go and another take its place.
        c.close()
        c = Client.connect(sock, proc, deadline)
    else:
        proc = subprocess.Popen(args + ["-control", "stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        c = Client(rfile=proc.stdout, wfile=proc.stdin)
        converse(c, tmp)
    r = c.request({"cmd": "quit", "id": "bye"})
    check(r.get("ok") and r.get("id") == "bye", "quit is answered")
    status = wait_exit(proc, 30)
    check(status == 0, "rex86 exited with status 0 after quit")
    if mode == "socket":
        check(not os.path.exists(sock), "the socket file was removed")
    print("PASS", flush=True)


if __name__ == "__main__":
    try:
        main()
    except (OSError, KeyError) as e:
        fail("%s: %s" % (type(e).__name__, e))
