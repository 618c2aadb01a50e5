"""Pure pieces of the console: the budget chart, and filling a simulator action's body."""

from __future__ import annotations

from gateway.console.pages.sandbox import _filled
from gateway.console.pages.vendors import CHART_HEIGHT, CHART_WIDTH, per_minute_chart


def test_the_busiest_minute_fills_the_chart_and_the_others_scale_to_it() -> None:
    chart = per_minute_chart([0, 2, 4, 1])

    heights = [bar.height for bar in chart.bars]
    assert chart.peak == 4
    assert heights[0] == 0 and heights[2] == CHART_HEIGHT - 2
    assert heights[1] == heights[2] / 2 and heights[3] == heights[2] / 4
    assert all(bar.y + bar.height == CHART_HEIGHT - 1 for bar in chart.bars)
    assert chart.bars[-1].x + chart.bars[-1].width <= CHART_WIDTH
    assert chart.description.endswith("0, 2, 4, 1")


def test_a_quiet_budget_draws_flat_bars() -> None:
    chart = per_minute_chart([0] * 10)

    assert chart.peak == 0
    assert [bar.height for bar in chart.bars] == [0.0] * 10


def test_placeholders_are_filled_in_nested_strings_only() -> None:
    body = {"url": "{gateway}/cb", "id": "{request_id}", "n": 3, "list": ["{request_id}"]}

    typed = {"request_id": "abc{gateway}", "gateway": "http://gw"}

    filled = _filled(body, typed)

    assert filled == {"url": "http://gw/cb", "id": "abc{gateway}", "n": 3, "list": ["abc{gateway}"]}
