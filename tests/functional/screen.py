"""Reading natter's screen layout (title bar, main window, side pane, status bar, input line).

Layout at cols x rows: row 0 title bar; rows 1..rows-3 main window on the left and
the roster pane (ROSTER_WIDTH columns) on the right, with one separator column;
row rows-2 status bar; row rows-1 input line.
"""

import re

from harness import columns, wait_until

TS = r"\d\d:\d\d"
CONNECTED = "Connected as alice@localhost/natter"
ROSTER_WIDTH = 24


def _lines(n, scr):
    return n.lines(scr)


def main_rows(n, scr):
    """Text of the main window, one string per row (roster pane cut off)."""
    width = n.cols - ROSTER_WIDTH - 1
    return [columns(l, 0, width).rstrip() for l in _lines(n, scr)[1:n.rows - 2]]


def main_text(n, scr):
    return "\n".join(main_rows(n, scr))


def roster_rows(n, scr):
    """Text of the roster pane, one string per row."""
    return [columns(l, n.cols - ROSTER_WIDTH).rstrip() for l in _lines(n, scr)[1:n.rows - 2]]


def roster_text(n, scr):
    return "\n".join(roster_rows(n, scr))


def status_bar(n, scr):
    return _lines(n, scr)[n.rows - 2]


def title_bar(n, scr):
    return _lines(n, scr)[0]


def squash(text):
    """Remove all whitespace: compares text however the window wrapped it."""
    return re.sub(r"\s+", "", text)


def main_has(n, scr, sentence):
    """True if ``sentence`` is in the main window, wherever lines were wrapped."""
    return squash(sentence) in squash(main_text(n, scr))


def main_line(n, scr, pattern):
    """First main-window row matching regex ``pattern`` (re.search), or None."""
    rx = re.compile(pattern)
    for row in main_rows(n, scr):
        if rx.search(row):
            return row
    return None


def count_in_main(n, scr, sentence):
    return squash(main_text(n, scr)).count(squash(sentence))


def wait_main_line(n, pattern, timeout=10):
    """Wait for a main-window row matching regex ``pattern``; returns the screen."""
    return n.wait_for(lambda s: main_line(n, s, pattern) is not None, timeout,
                      message="no main-window row matches %r" % pattern)


def wait_main_has(n, sentence, timeout=10):
    """Wait until ``sentence`` is in the main window (wrapping ignored); returns the screen."""
    return n.wait_for(lambda s: main_has(n, s, sentence), timeout,
                      message="main window never showed %r" % sentence)


def roster_entry(n, name):
    """How the roster pane shows contact ``name`` (regex word match), from one capture:
    (text of the row without the name, SGR state of the name's first character),
    or None if no row shows it. Two contacts in the same presence state give equal
    entries (same mark, same colour) when their rows have the same layout."""
    from harness import char_width, styled_chars
    rx = re.compile(r"(?<!\w)%s(?!\w)" % re.escape(name))
    start = n.cols - ROSTER_WIDTH
    for line in n.screen_with_attrs().split("\n")[1:n.rows - 2]:
        cells, col = [], 0
        for ch, attrs in styled_chars(line):
            if col >= start:
                cells.append((ch, attrs))
            col += char_width(ch)
        text = "".join(c for c, _ in cells)
        m = rx.search(text)
        if m:
            return (text[:m.start()] + "<name>" + text[m.end():].rstrip(), cells[m.start()][1])
    return None


def settled(n, scr, timeout=5):
    """The screen once two captures in a row agree. A page of history arrives
    in steps (a note, then the lines), and tmux can capture the window in the
    middle of a redraw: a capture between them shows a view that is not
    what natter settles on."""
    last = [main_rows(n, scr)]

    def same():
        now = n.screen()
        rows = main_rows(n, now)
        done = rows == last[0]
        last[0] = rows
        return now if done else None
    return wait_until(same, timeout, interval=0.15, message="the screen kept changing")
