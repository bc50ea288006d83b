"""Server-rendered SVG bar charts: numbers in, shapes out; the template only draws what is here.

No script and no inline style (the Content-Security-Policy forbids both): the shapes carry their
geometry as SVG attributes and their colours as classes in site.css. Each bar has a <title> that
says its value, and the page keeps the table behind the chart for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

WIDTH = 720
HEIGHT = 220
TOP = 22  # room for the value above the tallest bar
BOTTOM = 28  # room for the month labels
LEFT = 8
GAP = 0.25  # of a slot left empty between bars


def month_label(month: date, fmt: str) -> str:
    """``date_format(month, fmt)`` in the active language, for month formats ("F Y", "m/y"). The body
    page writes some sixty of them for the same twelve months; Django parses the format each time."""
    return _month_label(get_language(), fmt, month.year, month.month)


@lru_cache(maxsize=1024)
def _month_label(language: str | None, fmt: str, year: int, month: int) -> str:
    return date_format(date(year, month, 1), fmt)  # the active language is ``language``


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    label: str  # under the bar: "03/25"
    title: str  # what the bar says, in words
    href: str
    # Two stacked parts from the baseline up: (y, height, css class) each.
    parts: tuple[tuple[float, float, str], ...]
    value_label: str
    value_y: float

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    bars: tuple[Bar, ...]

    def bars_svg(self) -> SafeString:
        """The bars as SVG, every text escaped. Written here, not in the template: two charts of 12
        bars took some 360 of the body page's 900 template lookups."""
        return mark_safe("".join(map(self._bar_svg, self.bars)))  # noqa: S308 - every value escaped

    def _bar_svg(self, bar: Bar) -> str:
        rects = "".join(
            f'<rect x="{bar.x}" y="{y}" width="{bar.width}" height="{h}" class="{escape(cls)}"/>'
            for y, h, cls in bar.parts
        )
        value = (
            f'<text x="{bar.center}" y="{bar.value_y}" text-anchor="middle" class="value">'
            f"{escape(bar.value_label)}</text>"
            if bar.value_label
            else ""
        )
        shape = (
            f"<g>\n    <title>{escape(bar.title)}</title>\n    {rects}\n    {value}\n"
            f'    <text x="{bar.center}" y="{self.height - 8}" text-anchor="middle" class="tick">'
            f"{escape(bar.label)}</text>\n  </g>"
        )
        return f'<a href="{escape(bar.href)}">{shape}</a>' if bar.href else shape


@dataclass(frozen=True)
class MonthValue:
    month: date
    total: int  # whole bar
    part: int  # its lower, highlighted part (AK documents); 0 for a plain bar
    href: str = ""


def _slots(n: int) -> tuple[float, float]:
    slot = (WIDTH - 2 * LEFT) / max(1, n)
    return slot, slot * (1 - GAP)


def stacked_month_chart(
    values: Sequence[MonthValue], *, title_of, value_of=str, scale_max: int | None = None
) -> Chart:
    """One bar per month, left (oldest) to right; ``part`` drawn as the bar's lower segment.
    Bars scale to the largest value, or to ``scale_max`` (1000 for a share in tenths of a percent)."""
    baseline = HEIGHT - BOTTOM
    room = baseline - TOP
    top = scale_max or max((v.total for v in values), default=0) or 1
    slot, width = _slots(len(values))
    bars = []
    for i, v in enumerate(values):
        x = round(LEFT + i * slot + (slot - width) / 2, 1)
        whole = room * v.total / top
        lower = room * v.part / top
        parts = []
        if v.total - v.part:
            parts.append((round(baseline - whole, 1), round(whole - lower, 1), "bar"))
        if v.part:
            parts.append((round(baseline - lower, 1), round(lower, 1), "bar-ak"))
        bars.append(
            Bar(
                x=x,
                width=round(width, 1),
                label=month_label(v.month, "m/y"),
                title=title_of(v),
                href=v.href,
                parts=tuple(parts),
                value_label=value_of(v),
                value_y=round(baseline - whole - 4, 1),
            )
        )
    return Chart(width=WIDTH, height=HEIGHT, baseline=baseline, bars=tuple(bars))


def share(part: int, total: int) -> float | None:
    return round(100 * part / total, 1) if total else None
