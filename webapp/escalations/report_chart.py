"""The report's bar charts, laid out on the server (the page draws them as SVG, no script): each label wrapped onto
up to three lines in a column wide enough for them, a longer one cut with "…" and given in full in the bar's
<title>; the figures table beside each chart gives every label and count in full."""
from __future__ import annotations

from dataclasses import dataclass

WIDTH = 780  # the viewBox; the SVG scales to the column
LABEL_WIDTH = 360  # about 40 characters of a line at FONT_SIZE
BAR_X = 384  # a clear gap after the labels: the guess at their width may be a little short
BAR_MAX = 300  # the longest bar; its count is written after it, inside WIDTH
FONT_SIZE = 16
LINE = 20  # one line of label text
GAP = 12  # between rows
MAX_LINES = 3
_NARROW = set("iljtfrI.,:;'|!()[] ")


@dataclass(frozen=True)
class Bar:
    label: str  # in full
    lines: tuple[str, ...]  # as drawn
    is_cut: bool  # the label did not fit: the bar's <title> gives it in full
    count: int
    top: int  # y of the row's first line box
    width: int  # of the bar

    @property
    def baselines(self) -> tuple[int, ...]:
        return tuple(self.top + 15 + LINE * index for index in range(len(self.lines)))

    @property
    def count_x(self) -> int:
        return BAR_X + self.width + 8


@dataclass(frozen=True)
class Chart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    bar_x: int = BAR_X


def text_width(text: str) -> float:
    """A generous guess at the width of text at FONT_SIZE in a system sans-serif (Arial's proportions, plus a
    seventh: DejaVu Sans measured within it): the server cannot measure it, and a guess too small is a label
    drawn over its bar."""
    em = 0.0
    for character in text:
        if character in _NARROW:
            em += 0.28
        elif character in "mwMW@":
            em += 0.9
        elif character.isupper() or character in "&%":
            em += 0.72
        else:
            em += 0.56
    return em * FONT_SIZE * 1.15


def wrap_label(label: str) -> tuple[tuple[str, ...], bool]:
    """The label on at most MAX_LINES lines of LABEL_WIDTH, and whether it had to be cut (with "…")."""
    lines: list[str] = []
    for word in label.split():
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and text_width(joined) <= LABEL_WIDTH:
            lines[-1] = joined
            continue
        while text_width(word) > LABEL_WIDTH:  # a word longer than a line is broken where it must be
            cut = max(n for n in range(1, len(word) + 1) if text_width(word[:n]) <= LABEL_WIDTH)
            lines.append(word[:cut])
            word = word[cut:]
        lines.append(word)
    if len(lines) <= MAX_LINES:
        return tuple(lines) or ("",), False
    last = " ".join(lines[MAX_LINES - 1:])
    while text_width(last + " …") > LABEL_WIDTH:
        last = last[:-1]
    return (*lines[:MAX_LINES - 1], last.rstrip() + " …"), True


def bar_chart(counts: dict[str, int]) -> Chart:
    """Rows in the counts' order, the longest bar for the largest count."""
    most = max(counts.values(), default=0)
    bars, top = [], 0
    for label, count in counts.items():
        lines, is_cut = wrap_label(str(label))
        width = round(BAR_MAX * count / most) if most else 0
        bars.append(Bar(str(label), lines, is_cut, count, top, width))
        top += LINE * len(lines) + GAP
    return Chart(tuple(bars), WIDTH, max(top, LINE))


def bar_charts(report) -> dict[str, Chart]:
    """The report's three charts, by the id of their heading."""
    return {"by-stage": bar_chart(report.by_stage), "by-agency": bar_chart(report.by_agency),
            "by-category": bar_chart(report.by_category)}
