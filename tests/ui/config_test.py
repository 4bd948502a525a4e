#!/usr/bin/env python3
# -config FILE through the real program: a good file boots FreeDOS, the
# command line overrides the file, and every bad file ends in one sentence
# naming the file and line with exit status 1 (docs/config.md).
# usage: config_test.py REX86 FREEDOS_IMAGE
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rex86ctl import check, fail, private_image, workdir  # noqa: E402


def run(rex86, args, timeout=180):
    try:
        p = subprocess.run([rex86] + args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        fail("rex86 %s did not finish within %d seconds" % (" ".join(args), timeout))
    return p.returncode, p.stdout, p.stderr


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def main():
    rex86, image = sys.argv[1], sys.argv[2]
    tmp = workdir("config")
    # A file name with a blank in it needs the quotes.
    img = private_image(image, tmp)
    spaced = os.path.join(tmp, "free dos.img")
    os.rename(img, spaced)

    good = write(
        tmp,
        "good.ini",
        "# FreeDOS from the floppy, to the prompt\n"
        "[machine]\n"
        "cpu = 486        ; any CPU boots DOS\n"
        "memory = 16\n"
        "[drives]\n"
        'fda = "%s"\n'
        "boot = a\n"
        "[serial]\n"
        "com1 = none\n"
        "[display]\n"
        "display = none\n"
        "[run]\n"
        'exit-on = "A:\\\\>"\n'
        "timeout = 150\n"
        "stats = yes\n" % spaced,
    )
    status, out, err = run(rex86, ["-config", good])
    check(status == 0 and "instructions retired" in err, "a good config file boots FreeDOS to A:\\> (status %d)" % status)

    # The command line wins: the file waits for text that never comes.
    never = write(tmp, "never.ini", '[drives]\nfda = "%s"\n[run]\nexit-on = never-printed\ntimeout = 150\n' % spaced)
    status, out, err = run(rex86, ["-display", "none", "-serial", "none", "--exit-on", "A:\\>", "-config", never])
    check(status == 0, "--exit-on on the command line overrides the file's (status %d)" % status)

    bad = [
        ("unknown key", "[machine]\ncpu = 486\ncolour = red\n", 3, "'colour' is not a setting"),
        ("unknown section", "# x\n[machin]\ncpu = 486\n", 2, "[machin] is not a section"),
        ("bad value", "[machine]\n\nmemory = lots\n", 3, "is not a memory size"),
        ("bad CPU", "cpu = 487\n", 1, "is not a CPU model"),
        ("wrong section", "[run]\nfda = x.img\n", 2, "'fda' belongs in [drives]"),
        ("bad yes/no", "[run]\nstats = maybe\n", 2, "takes yes or no"),
        ("missing image", "[drives]\nhda = /nonexistent/disk.img\n", 2, "cannot open"),
        ("no '='", "[run]\nexit-on A\n", 2, "write key = value"),
        ("open quote", '[kernel]\nappend = "console=ttyS0\n', 2, "never closed"),
        ("bad control", "[run]\ncontrol = tcp:1234\n", 2, "not a control channel"),
    ]
    for what, text, line, msg in bad:
        path = write(tmp, "bad.ini", text)
        status, out, err = run(rex86, ["-config", path], timeout=30)
        where = "config file '%s', line %d" % (path, line)
        ok = status == 1 and where in err and msg in err and err.count("\n") == 1
        if not ok:
            print("  status %d, stderr: %s" % (status, err.strip()))
        check(ok, "%s: %s" % (what, err.strip()))
    status, out, err = run(rex86, ["-config", os.path.join(tmp, "missing.ini")], timeout=30)
    check(status == 1 and "cannot open config file" in err, "a missing config file: %s" % err.strip())
    status, out, err = run(rex86, ["-config", good, "-config", good], timeout=30)
    check(status == 1 and "twice" in err, "two config files: %s" % err.strip())
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
