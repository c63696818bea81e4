"""portfolios.charts: snapshot summaries in, Plotly figure dicts out (no ORM, floats only in the output)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from portfolios import charts

ASSETS = [
    {
        "symbol": "BTC",
        "weight": "0.62",
        "target_weight": "0.5",
        "drift": "0.12",
        "band_low": "0.45",
        "band_high": "0.55",
        "outside_band": True,
    },
    {
        "symbol": "ETH",
        "weight": "0.38",
        "target_weight": "0.4",
        "drift": "-0.02",
        "band_low": "0.35",
        "band_high": "0.45",
        "outside_band": False,
    },
    # a target asset not held yet: no weight, a band still drawn
    {
        "symbol": "SOL",
        "weight": None,
        "target_weight": "0.1",
        "drift": None,
        "band_low": "0.075",
        "band_high": "0.125",
        "outside_band": False,
    },
]


def test_allocation_bars_current_and_target_in_percent():
    fig = charts.allocation_figure(ASSETS)
    current, outside, target = fig["data"]
    assert [t["type"] for t in fig["data"]] == ["bar", "bar", "bar"]
    assert (current["name"], outside["name"], target["name"]) == (
        "Current",
        "Current, outside band",
        "Target",
    )
    assert current["x"] == ["BTC", "ETH", "SOL"]
    # BTC is outside its band: its bar is drawn (red) by the outside trace, in the same slot
    assert current["y"] == [None, 38.0, None]
    assert outside["y"] == [62.0, None, None]
    assert current["offsetgroup"] == outside["offsetgroup"] != target["offsetgroup"]
    assert current["marker"]["color"] == charts.CURRENT_COLOUR
    assert outside["marker"]["color"] == charts.OUTSIDE_COLOUR
    assert target["y"] == [50.0, 40.0, 10.0]
    assert fig["layout"]["barmode"] == "group"


def test_allocation_band_shapes_one_per_asset_at_the_band():
    shapes = charts.allocation_figure(ASSETS)["layout"]["shapes"]
    assert len(shapes) == 3
    assert [(s["type"], s["y0"], s["y1"]) for s in shapes] == [
        ("rect", 45.0, 55.0),
        ("rect", 35.0, 45.0),
        ("rect", 7.5, 12.5),
    ]
    assert [(s["x0"], s["x1"]) for s in shapes] == [(-0.45, 0.45), (0.55, 1.45), (1.55, 2.45)]
    assert [s["showlegend"] for s in shapes] == [True, False, False]  # one legend entry for the band


def test_allocation_drift_called_out_only_outside_band():
    annotations = charts.allocation_figure(ASSETS)["layout"]["annotations"]
    assert len(annotations) == 1
    assert annotations[0]["x"] == 0
    assert annotations[0]["text"] == "+12.0 pp"
    assert annotations[0]["font"]["weight"] == "bold"  # not <b>, which plotly.js draws as a style attribute
    assert annotations[0]["y"] == 62.0


def test_allocation_without_target_has_no_bands():
    fig = charts.allocation_figure(
        [{"symbol": "BTC", "weight": "1", "target_weight": None, "outside_band": False}]
    )
    assert fig["layout"]["shapes"] == []
    assert fig["layout"]["annotations"] == []
    assert fig["data"][2]["y"] == [None]
    assert fig["data"][1]["showlegend"] is False


POINTS = [
    {"date": "2024-01-01", "value": "1000", "net_deposits": "1000"},
    {"date": "2024-01-02", "value": "1010.5", "net_deposits": "1000"},
    {"date": "2024-01-03", "value": "1510.5", "net_deposits": "1500"},
    {"date": "2024-01-04", "value": "1400", "net_deposits": "1300"},
    {"date": "2024-01-05", "value": "1450", "net_deposits": "1300"},
]


def test_value_lines_and_deposit_markers():
    fig = charts.value_figure(POINTS)
    names = [t["name"] for t in fig["data"]]
    assert names == ["Value", "Net deposits", "Deposits", "Withdrawals"]
    value, deposits, ins, outs = fig["data"]
    assert value["y"] == [1000.0, 1010.5, 1510.5, 1400.0, 1450.0]
    assert deposits["line"]["shape"] == "hv"
    # the first day's money counts as a deposit (from nothing to 1,000)
    assert ins["x"] == ["2024-01-01", "2024-01-03"]
    assert ins["y"] == [1000.0, 1500.0]
    assert ins["hovertext"][1] == "2024-01-03: Deposit 500.00 (net deposits 1,500.00)"
    assert outs["x"] == ["2024-01-04"]
    assert outs["hovertext"] == ["2024-01-04: Withdrawal 200.00 (net deposits 1,300.00)"]
    assert ins["marker"]["symbol"] == "triangle-up"
    assert outs["marker"]["symbol"] == "triangle-down"


def test_value_without_withdrawals_has_no_withdrawal_trace():
    fig = charts.value_figure(POINTS[:3])
    assert [t["name"] for t in fig["data"]] == ["Value", "Net deposits", "Deposits"]


LOTS = [
    {"symbol": "BTC", "account": "Coinbase", "acquired": "2023-01-10", "quantity": "0.5", "unrealized": "15000",
     "term": "long", "long_term_from": "2024-01-11", "days_to_long_term": None},
    {"symbol": "ETH", "account": "Coinbase", "acquired": "2026-01-05", "quantity": "2", "unrealized": "-1000.25",
     "term": "short", "long_term_from": "2027-01-06", "days_to_long_term": 40},
    {"symbol": "ADA", "account": "Coinbase", "acquired": "2026-02-05", "quantity": "10", "unrealized": None,
     "term": "short", "long_term_from": "2027-02-06", "days_to_long_term": 71},
]  # fmt: skip


def test_lots_short_and_long_coloured_apart():
    short, long = charts.lots_figure(LOTS)["data"]
    assert (short["name"], long["name"]) == ("Short-term", "Long-term")
    assert short["marker"]["color"] == charts.SHORT_COLOUR == "#e07b00"
    assert long["marker"]["color"] == charts.LONG_COLOUR == "#2554c7"
    assert short["marker"]["symbol"] != long["marker"]["symbol"]  # not by colour alone
    assert short["x"] == ["2026-01-05"]
    assert short["y"] == [-1000.25]
    assert long["x"] == ["2023-01-10"]
    assert long["y"] == [15000.0]


def _hover(trace: dict, i: int) -> str:
    """What Plotly shows for point i: the template with x and customdata filled in."""
    text = trace["hovertemplate"].replace("%{x}", trace["x"][i]).replace("<extra></extra>", "")
    for k, part in enumerate(trace["customdata"][i]):
        text = text.replace(f"%{{customdata[{k}]}}", part)
    return text


def test_lots_hover_says_when_short_term_turns_long_term():
    short, long = charts.lots_figure(LOTS)["data"]
    assert _hover(short, 0) == (
        "ETH · Coinbase<br>acquired 2026-01-05 · 2<br>unrealized -1,000.25<br>long-term from 2027-01-06 (in 40 days)"
    )
    assert _hover(long, 0) == "BTC · Coinbase<br>acquired 2023-01-10 · 0.5<br>unrealized 15,000.00"


def test_income_stacked_by_kind():
    income = {
        "total": "18.34",
        "by_month": [
            {"month": "2024-01", "total": "12.34", "by_kind": {"staking": "12.34"}},
            {"month": "2024-02", "total": "6.00", "by_kind": {"staking": "5.00", "lending": "1.00"}},
        ],
    }
    fig = charts.income_figure(income)
    assert fig["layout"]["barmode"] == "stack"
    assert [t["name"] for t in fig["data"]] == ["Lending", "Staking"]
    lending, staking = fig["data"]
    assert lending["x"] == ["2024-01", "2024-02"]
    assert lending["y"] == [0.0, 1.0]
    assert staking["y"] == [12.34, 5.0]


def test_income_empty():
    assert charts.income_figure(None)["data"] == []


def test_figures_are_plain_json():
    for fig in (
        charts.allocation_figure(ASSETS),
        charts.value_figure(POINTS),
        charts.lots_figure(LOTS),
        charts.income_figure({"by_month": []}),
    ):
        assert json.loads(json.dumps(fig)) == fig


def test_income_of_one_month_is_one_bar_on_a_six_month_axis_with_each_month_once():
    income = {"total": "12.34", "by_month": [{"month": "2024-03", "by_kind": {"staking": "12.34"}}]}
    fig = charts.income_figure(income)
    (staking,) = fig["data"]
    assert staking["x"] == ["2024-03"]
    # A set width: Plotly would otherwise stretch a lone bar on a date axis across the plot.
    assert staking["width"] == 20 * 24 * 3600 * 1000
    xaxis = fig["layout"]["xaxis"]
    assert xaxis["type"] == "date"
    assert xaxis["tickformat"] == "%b %Y"
    # One label a month (never a month twice), on the first of the month, where the bars sit.
    assert xaxis["dtick"] == "M1"
    assert xaxis["tick0"].endswith("-01")
    # Six months shown, ending just after the bar: October 2023 to March 2024.
    assert xaxis["range"] == ["2023-09-18", "2024-03-14"]
    assert json.loads(json.dumps(fig)) == fig


def test_income_axis_labels_every_month_up_to_a_year_then_fewer():
    def axis(first: str, last: str) -> dict:
        months = [first, last]
        return charts.income_figure(
            {"by_month": [{"month": m, "by_kind": {"staking": "1"}} for m in months]}
        )["layout"]["xaxis"]

    two_years = axis("2022-04", "2024-03")
    assert two_years["dtick"] == "M2"
    assert two_years["range"] == ["2022-03-18", "2024-03-14"]
    # Labels land on the bars' months, counted back from the last one.
    assert two_years["tick0"] == "2022-03-01"
    assert axis("2024-01", "2024-12")["dtick"] == "M1"
    assert axis("2020-01", "2024-03")["dtick"] == "M6"
    assert axis("2010-01", "2024-03")["dtick"] == "M12"


def test_plotly_stylesheet_is_for_the_vendored_bundle():
    # static/css/plotly.css copies the bundle's own style rules (the CSP refuses the <style> it would
    # make); a new bundle needs the file regenerated.
    static = Path(__file__).resolve().parents[2] / "static"
    bundle = (static / "vendor" / "plotly-basic.min.js").read_text()[:300]
    version = re.search(r"plotly\.js \(basic - minified\) v(\S+)", bundle)
    assert version is not None
    assert f"plotly.js {version.group(1)}'s own style rules" in (static / "css" / "plotly.css").read_text()
