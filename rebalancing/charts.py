"""Rebalancing figures for Plotly: dicts of exact decimal strings in, plain dicts out, no ORM. Floats appear
only here, for drawing; every hover label is formatted from the exact value first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from portfolios.templatetags.lotwise import pct, to_decimal

Figure = dict[str, Any]
BEFORE_COLOUR = "#9aa7bd"
AFTER_COLOUR = "#2554c7"
TARGET_COLOUR = "#1d2330"
BAND_FILL = "rgba(19, 122, 58, 0.13)"
BAND_LINE = "rgba(19, 122, 58, 0.55)"
_FONT = {"family": 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', "size": 13, "color": "#1d2330"}


class Row(Protocol):
    @property
    def symbol(self) -> str: ...
    @property
    def before(self) -> str | None: ...
    @property
    def after(self) -> str | None: ...
    @property
    def target(self) -> str | None: ...
    @property
    def low(self) -> str | None: ...
    @property
    def high(self) -> str | None: ...


def _points(value: Any) -> float | None:
    number = to_decimal(value)
    return None if number is None else float(number * 100)


def _layout(y_title: str, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "font": _FONT,
        "height": 340,
        "margin": {"l": 60, "r": 16, "t": 16, "b": 48},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "yaxis": {"title": {"text": y_title}, "gridcolor": "#e6e9ef", "automargin": True},
        "xaxis": {"automargin": True},
    }
    layout.update(extra)
    return layout


def allocation_figure(rows: Sequence[Row], *, after_name: str = "After") -> Figure:
    """Weights before and after the trades per asset, the target as a marker, the band shaded behind."""
    symbols = [r.symbol for r in rows]
    shapes = []
    for i, r in enumerate(rows):
        low, high = _points(r.low), _points(r.high)
        if low is None or high is None:
            continue
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
            }
        )

    def bar(name: str, attr: str, colour: str) -> dict[str, Any]:
        values = [getattr(r, attr) for r in rows]
        return {
            "type": "bar",
            "name": name,
            "x": symbols,
            "y": [_points(v) for v in values],
            "marker": {"color": colour},
            "hovertext": [f"{s}: {pct(v, 1)} {name.lower()}" for s, v in zip(symbols, values, strict=True)],
            "hoverinfo": "text",
        }

    target = {
        "type": "scatter",
        "mode": "markers",
        "name": "Target",
        "x": symbols,
        "y": [_points(r.target) for r in rows],
        "marker": {"symbol": "line-ew-open", "size": 28, "color": TARGET_COLOUR, "line": {"width": 3}},
        "hovertext": [
            f"{r.symbol}: target {pct(r.target, 1)}, band {pct(r.low, 1)} to {pct(r.high, 1)}" for r in rows
        ],
        "hoverinfo": "text",
    }
    data = [bar("Before", "before", BEFORE_COLOUR), bar(after_name, "after", AFTER_COLOUR), target]
    return {"data": data, "layout": _layout("Weight", barmode="group", shapes=shapes, yaxis_ticksuffix="%")}


def series_figure(series: Sequence[tuple[str, Sequence[str], Sequence[Any]]], *, y_title: str) -> Figure:
    """Lines over dates: (name, dates, exact values) each; for the impact page."""
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": name,
            "x": list(dates),
            "y": [None if to_decimal(v) is None else round(float(to_decimal(v) or 0), 2) for v in values],
        }
        for name, dates, values in series
    ]
    return {"data": data, "layout": _layout(y_title, hovermode="x unified")}
