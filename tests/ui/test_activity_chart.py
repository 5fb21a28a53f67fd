"""The overview chart's geometry: a round scale, a bar per hour with calls as tall as its calls, errors painted over
the bars' tops, a mark per UTC day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.sync.overview import CHART_DAYS, CHART_HOURS, DIRECTIONS, Activity, Direction, HourCount
from backend.ui.settings.activity_chart import FRAME, PLOT_HEIGHT, panel, scale_top

START = datetime(2026, 11, 27, tzinfo=UTC)


@pytest.mark.parametrize(("peak", "top"), [(0, 1), (1, 1), (2, 2), (3, 5), (6, 10), (11, 20), (21, 50), (501, 1000)])
def test_scale_top_is_the_next_round_number(peak: int, top: int) -> None:
    assert scale_top(peak) == top


def test_bars_are_as_tall_as_their_calls_and_errors_sit_on_top() -> None:
    hours = {direction: [HourCount()] * CHART_HOURS for direction in DIRECTIONS}
    hours[Direction.FROM_1C][5] = HourCount(ok=3, errors=1)
    hours[Direction.FROM_1C][30] = HourCount(ok=8, errors=0)
    chart = panel(Activity(START, hours), Direction.FROM_1C)
    assert chart.top == 10 and chart.peak == 8 and chart.total == HourCount(ok=11, errors=1)
    first, second = chart.bars
    assert first.start == START + timedelta(hours=5) and second.start == START + timedelta(hours=30)
    assert first.height == pytest.approx(PLOT_HEIGHT * 4 / 10) and second.height == pytest.approx(PLOT_HEIGHT * 0.8)
    assert first.y + first.height == pytest.approx(FRAME.baseline) and first.x < second.x
    assert first.x + first.width <= FRAME.right and second.x >= FRAME.left
    error_height = round(PLOT_HEIGHT * 1 / 10, 2)
    assert chart.errors_path == f"M{first.x} {first.y}h{first.width}v{error_height}h-{first.width}z"
    assert [mark.day for mark in chart.days] == [START + timedelta(days=day) for day in range(CHART_DAYS)]
    quiet = panel(Activity(START, hours), Direction.TO_1C)
    assert quiet.bars == [] and quiet.errors_path == "" and quiet.top == 1
