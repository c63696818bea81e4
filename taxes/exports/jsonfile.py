"""The year summary as JSON: every section, every amount an exact decimal string.

Amounts are strings, never JSON numbers, so no reader turns them into binary floats: "0.1" stays 0.1 and an
18-decimal quantity keeps its 18 decimals. Form 8949 rows and box totals carry both their exact figures and
the figures as printed (rounded to cents; box totals are sums of the printed rows). Metadata (version,
generated and computed times, basis methods, price sources) is the first key of the document.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from portfolios.decimals import exact_text
from taxes.exports.common import (
    ESTIMATE_LABEL,
    PART_NAMES,
    box_order,
    money,
    printed_sum,
    scope,
    sorted_rows,
    timestamp,
)
from taxes.rules import Carryover, ScheduleD, TaxEstimate
from taxes.summary.types import BoxTotals, Form8949Row, Totals, YearSummary

SCHEMA = "lotwise.year-summary/1"


def _exact(value: Decimal) -> str:
    return exact_text(value)


def _totals(t: Totals, *, exact: bool) -> dict[str, Any]:
    amount = _exact if exact else money
    return {
        "rows": t.rows,
        "proceeds": amount(t.proceeds),
        "cost": amount(t.cost),
        "adjustment": amount(t.adjustment),
        "gain": amount(t.gain),
    }


def _row(row: Form8949Row) -> dict[str, Any]:
    return {
        "box": row.box,
        "part": PART_NAMES[row.part],
        "term": row.part,
        "a_description": row.description,
        "b_acquired": row.acquired.isoformat(),
        "c_sold": row.sold.isoformat(),
        "d_proceeds": _exact(row.proceeds),
        "e_cost": _exact(row.cost),
        "f_code": row.code,
        "g_adjustment": _exact(row.adjustment),
        "h_gain": _exact(row.gain),
        "printed": {
            "d_proceeds": money(row.printed_proceeds),
            "e_cost": money(row.printed_cost),
            "g_adjustment": money(row.printed_adjustment),
            "h_gain": money(row.printed_gain),
        },
        "portfolio": row.portfolio,
        "account": row.account,
        "asset": row.asset,
        "quantity": _exact(row.quantity),
        "is_digital_asset": row.is_digital_asset,
    }


def _box(b: BoxTotals) -> dict[str, Any]:
    return {
        "box": b.box,
        "part": PART_NAMES[b.part],
        "term": b.part,
        "schedule_d_line": b.schedule_d_line,
        "printed": _totals(b.printed, exact=False),
        "exact": _totals(b.exact, exact=True),
    }


def _carry(c: Carryover) -> dict[str, str]:
    return {"short_term": _exact(c.short_term), "long_term": _exact(c.long_term), "total": _exact(c.total)}


def _schedule_d(s: ScheduleD, source: str) -> dict[str, Any]:
    return {
        "filing_status": s.status.value,
        "short_term_rows": _exact(s.short_term_rows),
        "long_term_rows": _exact(s.long_term_rows),
        "line_6": _exact(s.carryover_in.short_term),
        "line_7": _exact(s.line_7),
        "line_14": _exact(s.carryover_in.long_term),
        "line_15": _exact(s.line_15),
        "line_16": _exact(s.line_16),
        "line_21": _exact(s.line_21),
        "carryover_in": {**_carry(s.carryover_in), "source": source},
        "carryover_out": _carry(s.carryover_out),
    }


def _estimate(e: TaxEstimate, summary: YearSummary) -> dict[str, Any]:
    inputs = e.inputs
    return {
        "label": ESTIMATE_LABEL,
        "year": e.year,
        "filing_status": e.status.value,
        "inputs": {
            "ordinary_income": _exact(inputs.ordinary_income),
            "short_term_net": _exact(inputs.short_term_net),
            "long_term_net": _exact(inputs.long_term_net),
            "qualified_dividends": _exact(inputs.qualified_dividends),
            "ordinary_investment_income": _exact(inputs.ordinary_investment_income),
            "carryover": _carry(inputs.carryover),
            "deductions": None if inputs.deductions is None else _exact(inputs.deductions),
        },
        "agi": _exact(e.agi),
        "deduction": _exact(e.deduction),
        "taxable_income": _exact(e.taxable_income),
        "preferential_income": _exact(e.preferential_income),
        "ordinary_taxable_income": _exact(e.ordinary_taxable_income),
        "ordinary_tax": _exact(e.ordinary_tax),
        "capital_gains_tax": _exact(e.capital_gains_tax),
        "income_tax": _exact(e.income_tax),
        "magi": _exact(e.magi),
        "net_investment_income": _exact(e.net_investment_income),
        "niit": _exact(e.niit),
        "federal_total": _exact(e.total),
        "state": summary.profile.state,
        "state_rate": _exact(summary.profile.state_rate),
        "state_estimate": _exact(summary.state_estimate),
        "marginal_rates": {
            "ordinary": _exact(e.marginal_ordinary_rate),
            "long_term": _exact(e.marginal_long_term_rate),
            "niit": _exact(e.marginal_niit_rate),
            "short_term_gain": _exact(e.short_term_rate),
            "long_term_gain": _exact(e.long_term_rate),
        },
    }


def document(summary: YearSummary) -> dict[str, Any]:
    """The JSON document as plain Python data (strings, ints, bools, lists, dicts)."""
    boxes = sorted(summary.boxes, key=lambda b: box_order(b.box))
    donations = [g for g in summary.given_away if g.kind == "donation"]
    return {
        "schema": SCHEMA,
        "metadata": {
            "lotwise_version": summary.version,
            "generated_at": timestamp(summary.generated_at),
            "computed_at": None if summary.computed_at is None else timestamp(summary.computed_at),
            "basis_methods": dict(summary.basis_methods),
            "price_sources": list(summary.price_sources),
            "notes": list(summary.notes),
            "problems": list(summary.problems),
        },
        "owner": summary.owner,
        "year": summary.year,
        "portfolio": summary.portfolio,
        "scope": scope(summary),
        "profile": {
            "filing_status": summary.profile.filing_status,
            "other_ordinary_income": _exact(summary.profile.other_ordinary_income),
            "state": summary.profile.state,
            "state_rate": _exact(summary.profile.state_rate),
            "assumed": summary.profile.assumed,
        },
        "form_8949": {
            "rows": [_row(r) for r in sorted_rows(summary.rows)],
            "boxes": [_box(b) for b in boxes],
        },
        "schedule_d": _schedule_d(summary.schedule_d, summary.carryover_source),
        "income": {
            "by_kind": {k: _exact(v) for k, v in summary.income_by_kind.items()},
            "by_month": {k: _exact(v) for k, v in summary.income_by_month.items()},
            "total": _exact(summary.income_total),
            "investment_income": _exact(summary.investment_income),
        },
        "given_away": [
            {
                "kind": g.kind,
                "date": g.date.isoformat(),
                "account": g.account,
                "asset": g.asset,
                "quantity": _exact(g.quantity),
                "basis": _exact(g.basis),
                "fair_value": _exact(g.fair_value),
                "term": g.term,
                "deduction": _exact(g.deduction),
            }
            for g in summary.given_away
        ],
        "donation_deduction": {
            "exact": _exact(summary.donation_deduction),
            "printed": money(printed_sum(g.deduction for g in donations)),
        },
        "moved_out": [
            {
                "kind": m.kind,
                "date": m.date.isoformat(),
                "account": m.account,
                "asset": m.asset,
                "quantity": _exact(m.quantity),
                "value": _exact(m.value),
            }
            for m in summary.moved_out
        ],
        "conversions_total": _exact(summary.conversions_total),
        "estimate": _estimate(summary.estimate, summary),
    }


def render_json(summary: YearSummary) -> bytes:
    return (json.dumps(document(summary), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
