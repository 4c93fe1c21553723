#!/usr/bin/python3
"""A stand-in for natter used only by the harness self-test (test_harness.py).

It enables bracketed paste, echoes typed lines, reports pastes, sets the title
on "/title X", prints coloured text on "/red X" and exits 0 on "/quit".
"""
import os
import sys
import termios
import tty


def out(s):
    os.write(1, s.encode("utf-8"))


def main():
    fd = 0
    old = termios.tcgetattr(fd)
    tty.setraw(fd)
    try:
        out("\x1b[?2004h")
        out("fake natter args=%s xdg=%s\r\n" % (" ".join(sys.argv[1:]),
                                               "yes" if os.environ.get("XDG_CONFIG_HOME") else "no"))
        out("Connected as fake\r\n")
        buf, paste, in_paste = b"", b"", False
        while True:
            data = os.read(fd, 65536)
            if not data:
                return 1
            buf += data
            while buf:
                if in_paste:
                    end = buf.find(b"\x1b[201~")
                    if end < 0:
                        paste, buf = paste + buf, b""
                        break
                    paste += buf[:end]
                    buf = buf[end + 6:]
                    in_paste = False
                    text = paste.decode("utf-8", "replace").replace("\r", "\n")
                    out("pasted %d lines, %d chars\r\n" % (len(text.split("\n")), len(text)))
                    paste = b""
                    continue
                if buf.startswith(b"\x1b[200~"):
                    in_paste, buf = True, buf[6:]
                    continue
                if buf.startswith(b"\x1b") and len(buf) >= 2 and buf[1:2] != b"[":
                    out("alt-%s\r\n" % buf[1:2].decode("ascii", "replace"))
                    buf = buf[2:]
                    continue
                nl = buf.find(b"\r")
                if nl < 0:
                    break
                line, buf = buf[:nl].decode("utf-8", "replace"), buf[nl + 1:]
                if line == "/quit":
                    out("\x1b[?2004l")
                    return 0
                if line.startswith("/title "):
                    out("\x1b]2;%s\x07" % line[7:])
                elif line.startswith("/red "):
                    out("plain \x1b[31m%s\x1b[0m plain\r\n" % line[5:])
                elif line == "/crash":
                    return 3
                else:
                    out("> %s\r\n" % line)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


if __name__ == "__main__":
    sys.exit(main())
