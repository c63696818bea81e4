"""Snapshot summaries -> Plotly figure dicts. Pure functions: dicts of exact decimal strings in, plain
dicts out, no ORM. The one place floats appear (Plotly draws floats); every label is formatted from the
exact value first, so what a hover says is what the tables say."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from portfolios.templatetags.lotwise import money, pp, qty, to_decimal

Figure = dict[str, Any]

SHORT_COLOUR = "#e07b00"
LONG_COLOUR = "#2554c7"
CURRENT_COLOUR = "#2554c7"
OUTSIDE_COLOUR = "#b3261e"
TARGET_COLOUR = "#9aa7bd"
BAND_FILL = "rgba(19, 122, 58, 0.13)"
BAND_LINE = "rgba(19, 122, 58, 0.55)"
VALUE_COLOUR = "#2554c7"
DEPOSITS_COLOUR = "#5b6577"
DEPOSIT_MARKER = "#137a3a"
WITHDRAWAL_MARKER = "#b3261e"
INCOME_PALETTE = ("#2554c7", "#e07b00", "#137a3a", "#8a3ffc", "#b3261e", "#5b6577")

LOT_HOVER = "%{customdata[0]}<br>acquired %{x} · %{customdata[1]}<br>unrealized %{customdata[2]}%{customdata[3]}<extra></extra>"

_FONT = {"family": 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', "size": 13, "color": "#1d2330"}


def _f(value: Any) -> float | None:
    """A money amount as a float for Plotly, to the cent (shorter JSON; the labels come from the exact value)."""
    number = to_decimal(value)
    return None if number is None else round(float(number), 2)


def _pct_points(value: Any) -> float | None:
    number = to_decimal(value)
    return None if number is None else float(number * 100)


def _layout(*, y_title: str, y_suffix: str = "", y_prefix: str = "", **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "font": _FONT,
        "height": 340,
        "margin": {"l": 60, "r": 16, "t": 16, "b": 48},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "hovermode": "closest",
        "yaxis": {
            "title": {"text": y_title},
            "ticksuffix": y_suffix,
            "tickprefix": y_prefix,
            "gridcolor": "#e6e9ef",
            "zerolinecolor": "#9aa7bd",
            "separatethousands": True,
            "automargin": True,
        },
        "xaxis": {"automargin": True},
    }
    layout.update(extra)
    return layout


def allocation_figure(assets: Sequence[Mapping[str, Any]]) -> Figure:
    """Current weight vs target per asset; the allowed band drawn behind each pair; drift called out
    above every asset that is outside its band."""
    symbols = [str(a["symbol"]) for a in assets]
    current = [_pct_points(a.get("weight")) for a in assets]
    target = [_pct_points(a.get("target_weight")) for a in assets]
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for i, a in enumerate(assets):
        low, high = _pct_points(a.get("band_low")), _pct_points(a.get("band_high"))
        if low is not None and high is not None:
            shapes.append(
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "y",
                    "x0": i - 0.45,
                    "x1": i + 0.45,
                    "y0": low,
                    "y1": high,
                    "fillcolor": BAND_FILL,
                    "line": {"color": BAND_LINE, "width": 1, "dash": "dot"},
                    "layer": "below",
                    "name": "Allowed band",
                    "legendgroup": "band",
                    "showlegend": not shapes,
                }
            )
        if a.get("outside_band"):
            top = max(v for v in (current[i], target[i], high, 0.0) if v is not None)
            annotations.append(
                {
                    "x": i,
                    "y": top,
                    "xref": "x",
                    "yref": "y",
                    # Bold by font weight, not <b>: plotly.js draws that tag with a style attribute, which
                    # the Content-Security-Policy refuses.
                    "text": pp(a.get("drift")),
                    "showarrow": False,
                    "yshift": 12,
                    "font": {"color": OUTSIDE_COLOUR, "size": 12, "weight": "bold"},
                }
            )
    hover_current = [
        f"{s}: {_pct_text(a.get('weight'))} now"
        + (f", outside its band ({pp(a.get('drift'))})" if a.get("outside_band") else "")
        for s, a in zip(symbols, assets, strict=True)
    ]
    hover_target = [
        f"{s}: target {_pct_text(a.get('target_weight'))}"
        + (
            f", band {_pct_text(a.get('band_low'))} to {_pct_text(a.get('band_high'))}"
            if a.get("band_low") is not None
            else ""
        )
        for s, a in zip(symbols, assets, strict=True)
    ]
    outside = [bool(a.get("outside_band")) for a in assets]
    # Outside-band bars are a trace of their own (same slot via offsetgroup), so the legend can say
    # what red means.
    data = [
        {
            "type": "bar",
            "name": "Current",
            "x": symbols,
            "y": [None if out else y for y, out in zip(current, outside, strict=True)],
            "offsetgroup": "current",
            "marker": {"color": CURRENT_COLOUR},
            "hovertext": hover_current,
            "hoverinfo": "text",
        },
        {
            "type": "bar",
            "name": "Current, outside band",
            "x": symbols,
            "y": [y if out else None for y, out in zip(current, outside, strict=True)],
            "offsetgroup": "current",
            "marker": {"color": OUTSIDE_COLOUR},
            "hovertext": hover_current,
            "hoverinfo": "text",
            "showlegend": any(outside),
        },
        {
            "type": "bar",
            "name": "Target",
            "x": symbols,
            "y": target,
            "offsetgroup": "target",
            "marker": {"color": TARGET_COLOUR},
            "hovertext": hover_target,
            "hoverinfo": "text",
        },
    ]
    layout = _layout(y_title="Weight", y_suffix="%", barmode="group", shapes=shapes, annotations=annotations)
    layout["yaxis"]["rangemode"] = "tozero"
    return {"data": data, "layout": layout}


def _pct_text(value: Any) -> str:
    number = to_decimal(value)
    return "—" if number is None else f"{number * 100:.1f}%"


def value_figure(points: Sequence[Mapping[str, Any]]) -> Figure:
    """Portfolio value over time with cumulative net deposits; a marker on every day money came in or
    went out (a change of `net_deposits`)."""
    dates = [str(p["date"]) for p in points]
    values = [_f(p["value"]) for p in points]
    deposits = [_f(p["net_deposits"]) for p in points]
    ins: dict[str, list[Any]] = {"x": [], "y": [], "text": []}
    outs: dict[str, list[Any]] = {"x": [], "y": [], "text": []}
    previous = Decimal(0)
    for p in points:
        now = to_decimal(p["net_deposits"]) or Decimal(0)
        change = now - previous
        previous = now
        if change == 0:
            continue
        marks = ins if change > 0 else outs
        marks["x"].append(str(p["date"]))
        marks["y"].append(round(float(now), 2))
        word = "Deposit" if change > 0 else "Withdrawal"
        marks["text"].append(f"{p['date']}: {word} {money(abs(change))} (net deposits {money(now)})")
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Value",
            "x": dates,
            "y": values,
            "line": {"color": VALUE_COLOUR, "width": 2},
            "hovertemplate": "%{x}: $%{y:,.2f}<extra>Value</extra>",
            "xhoverformat": "%Y-%m-%d",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Net deposits",
            "x": dates,
            "y": deposits,
            "line": {"color": DEPOSITS_COLOUR, "width": 1.5, "shape": "hv", "dash": "dot"},
            "hovertemplate": "%{x}: $%{y:,.2f}<extra>Net deposits</extra>",
            "xhoverformat": "%Y-%m-%d",
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": "Deposits",
            "x": ins["x"],
            "y": ins["y"],
            "hovertext": ins["text"],
            "hoverinfo": "text",
            "marker": {"color": DEPOSIT_MARKER, "symbol": "triangle-up", "size": 6},
        },
    ]
    if outs["x"]:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "Withdrawals",
                "x": outs["x"],
                "y": outs["y"],
                "hovertext": outs["text"],
                "hoverinfo": "text",
                "marker": {"color": WITHDRAWAL_MARKER, "symbol": "triangle-down", "size": 7},
            }
        )
    layout = _layout(y_title="USD", y_prefix="$")
    layout["xaxis"]["type"] = "date"
    return {"data": data, "layout": layout}


def lots_figure(lots: Iterable[Mapping[str, Any]]) -> Figure:
    """Unrealized gain of every open lot by acquisition date, short-term and long-term apart (colour and
    marker shape, so it reads without colour); a short-term lot's hover says when it turns long-term."""
    traces: dict[str, dict[str, list[Any]]] = {
        "short": {"x": [], "y": [], "customdata": []},
        "long": {"x": [], "y": [], "customdata": []},
    }
    for lot in lots:
        gain = to_decimal(lot.get("unrealized"))
        if gain is None:
            continue  # no price: no gain to draw (the table says so)
        term = "short" if lot.get("term") == "short" else "long"
        turns = ""
        if term == "short" and lot.get("long_term_from"):
            days = lot.get("days_to_long_term")
            turns = f"<br>long-term from {lot['long_term_from']}" + (
                f" (in {days} days)" if days is not None else ""
            )
        traces[term]["x"].append(str(lot["acquired"]))
        traces[term]["y"].append(round(float(gain), 2))
        # Per-lot text travels as customdata under one shared template: 2k lots stay a small payload.
        traces[term]["customdata"].append(
            [f"{lot['symbol']} · {lot.get('account', '')}", qty(lot.get("quantity")), money(gain), turns]
        )
    data = [
        {
            "type": "scatter",
            "mode": "markers",
            "name": name,
            "x": traces[term]["x"],
            "y": traces[term]["y"],
            "customdata": traces[term]["customdata"],
            "hovertemplate": LOT_HOVER,
            "xhoverformat": "%Y-%m-%d",
            "marker": {"color": colour, "symbol": symbol, "size": 7, "opacity": 0.8},
        }
        for term, name, colour, symbol in (
            ("short", "Short-term", SHORT_COLOUR, "diamond"),
            ("long", "Long-term", LONG_COLOUR, "circle"),
        )
    ]
    layout = _layout(y_title="Unrealized gain (USD)", y_prefix="$")
    layout["xaxis"].update({"type": "date", "title": {"text": "Acquired"}})
    layout["yaxis"]["zerolinewidth"] = 2
    return {"data": data, "layout": layout}


def income_figure(income: Mapping[str, Any] | None) -> Figure:
    """Income received by month, stacked by kind (staking, lending, ...)."""
    months = list((income or {}).get("by_month") or [])
    kinds = sorted({kind for m in months for kind in (m.get("by_kind") or {})})
    x = [str(m["month"]) for m in months]
    data = []
    for i, kind in enumerate(kinds):
        amounts = [(m.get("by_kind") or {}).get(kind) for m in months]
        data.append(
            {
                "type": "bar",
                "name": kind.capitalize(),
                "x": x,
                "y": [_f(a) if a is not None else 0.0 for a in amounts],
                "marker": {"color": INCOME_PALETTE[i % len(INCOME_PALETTE)]},
                "hovertext": [
                    f"{month} {kind}: {money(a or 0)}" for month, a in zip(x, amounts, strict=True)
                ],
                "hoverinfo": "text",
            }
        )
    for trace in data:
        trace["width"] = INCOME_BAR_WIDTH_MS
    layout = _layout(y_title="USD", y_prefix="$", barmode="stack")
    layout["xaxis"].update(_month_axis(x))
    return {"data": data, "layout": layout}


# Bars sit on the first of their month, about two-thirds of a month wide: set, because Plotly sizes a lone
# bar on a date axis to the whole plot.
INCOME_BAR_WIDTH_MS = 20 * 24 * 3600 * 1000
MIN_INCOME_MONTHS = 6
# (months shown, months between labels): a label per bar while they fit, then every 2nd, 3rd, ...
_MONTH_STEPS = ((12, 1), (24, 2), (48, 3), (96, 6))


def _month_shift(month: str, months: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + mon - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month_axis(months: Sequence[str]) -> dict[str, Any]:
    """A date axis of whole months: one label per labelled month (never the same month twice) and at
    least MIN_INCOME_MONTHS months wide, so one month of income is one bar, not the whole width."""
    axis: dict[str, Any] = {"type": "date", "tickformat": "%b %Y"}
    if not months:
        return axis
    first, last = months[0], months[-1]
    earliest = _month_shift(last, 1 - MIN_INCOME_MONTHS)
    start = min(first, earliest)
    span = (int(last[:4]) - int(start[:4])) * 12 + int(last[5:7]) - int(start[5:7]) + 1
    step = next((every for shown, every in _MONTH_STEPS if span <= shown), 12)
    axis.update(
        {
            "dtick": f"M{step}",
            # Labels fall on the months that have bars, counting from the last one.
            "tick0": f"{_month_shift(last, -step * (span // step))}-01",
            "range": [f"{_month_shift(start, -1)}-18", f"{last}-14"],
        }
    )
    return axis
