"""The overview's chart of calls per hour as plain SVG geometry: one panel per direction, an hour a bar of all its
calls with its errors painted over the bar's top (one path a panel, so a busy week stays a small page), a vertical
line and a label at each UTC day, a scale of round numbers.

Only numbers are computed here; ui/settings/overview_chart.html draws them (autoescaped, no script, coloured by
classes of amo1c.css, since the pages' CSP allows no inline style) with the words of the viewer's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend.sync.overview import CHART_DAYS, Activity, Direction, HourCount

WIDTH = 960  # viewBox units; the SVG scales to its column's width (readable from 1024 px windows on)
LEFT = 40  # the scale's labels
RIGHT = 6
TOP = 8
PLOT_HEIGHT = 96
AXIS = 20  # the days' labels
HEIGHT = TOP + PLOT_HEIGHT + AXIS
STEPS = (1, 2, 5)


@dataclass(frozen=True)
class Frame:
    """The fixed lines of every panel, in viewBox units."""

    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    middle: float = TOP + PLOT_HEIGHT / 2
    baseline: int = TOP + PLOT_HEIGHT
    label_y: int = HEIGHT - 4


FRAME = Frame()


def scale_top(peak: int) -> int:
    """The smallest round number (1, 2, 5 times a power of ten) at least `peak`, so a full bar reaches the top."""
    power = 1
    while True:
        for step in STEPS:
            if step * power >= peak:
                return step * power
        power *= 10


@dataclass(frozen=True)
class Bar:
    """One hour with calls: its place and the height of all its calls (in viewBox units), its start and counts.
    Drawn in the successes' colour; its errors are painted over its top by the panel's `errors_path`."""

    x: float
    width: float
    y: float
    height: float
    start: datetime
    count: HourCount


@dataclass(frozen=True)
class DayMark:
    """Where a UTC day begins on the plot, and the day."""

    x: float
    label_x: float
    day: datetime


@dataclass(frozen=True)
class Panel:
    """A direction's chart: its bars (hours without calls left out), day marks, scale and totals."""

    direction: Direction
    bars: list[Bar]
    days: list[DayMark]
    top: int
    peak: int
    total: HourCount
    errors_path: str  # SVG path data: one rectangle a failed hour, over the top of its bar
    frame: Frame = FRAME

    @property
    def id(self) -> str:
        """The panel's element ids' stem (title and description)."""
        return f"amo1c-chart-{self.direction.value}"


def panel(activity: Activity, direction: Direction) -> Panel:
    """The geometry of `direction`'s calls per hour."""
    hours = activity.hours[direction]
    peak = max((hour.total for hour in hours), default=0)
    top = scale_top(max(peak, 1))
    step = (WIDTH - LEFT - RIGHT) / len(hours)
    gap = 1.0 if step > 3 else 0.0
    baseline = TOP + PLOT_HEIGHT
    bars, errors = [], []
    for index, hour in enumerate(hours):
        if hour.total == 0:
            continue
        x, width = round(LEFT + index * step, 2), round(step - gap, 2)
        height = PLOT_HEIGHT * hour.total / top
        bars.append(Bar(x, width, round(baseline - height, 2), round(height, 2), activity.hour_start(index), hour))
        if hour.errors:
            errors.append(f"M{x} {round(baseline - height, 2)}h{width}v{round(PLOT_HEIGHT * hour.errors / top, 2)}"
                          f"h-{width}z")  # fmt: skip
    day_width = 24 * step
    days = [
        DayMark(
            x=round(LEFT + day * day_width, 2),
            label_x=round(LEFT + (day + 0.5) * day_width, 2),
            day=activity.day_start(day),
        )
        for day in range(CHART_DAYS)
    ]
    return Panel(direction, bars, days, top, peak, activity.total(direction), "".join(errors))
