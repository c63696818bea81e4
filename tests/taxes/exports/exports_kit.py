"""Year summaries built by hand for the export tests, and small readers for what the exports write."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from taxes import rules
from taxes.summary.types import (
    BoxTotals,
    Form8949Row,
    GivenAway,
    MovedOut,
    ProfileUsed,
    YearSummary,
)

D = Decimal
ZERO = D(0)
CENT = D("0.01")
SHORT = frozenset("ABCGHI")
OTHER_INCOME = D(60000)
GENERATED = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
COMPUTED = datetime(2026, 2, 1, 9, 30, 0, tzinfo=UTC)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def row(
    box: str,
    description: str,
    proceeds: str,
    cost: str,
    adjustment: str = "0",
    *,
    acquired: date = date(2025, 1, 10),
    sold: date = date(2025, 6, 20),
    account: str = "Exchange",
    portfolio: str = "Main",
    asset: str | None = None,
    quantity: str | None = None,
) -> Form8949Row:
    qty, _, symbol = description.partition(" ")
    p, c, a = D(proceeds), D(cost), D(adjustment)
    return Form8949Row(
        box=box,
        part="short" if box in SHORT else "long",
        description=description,
        acquired=acquired,
        sold=sold,
        proceeds=p,
        cost=c,
        code="W" if a else "",
        adjustment=a,
        gain=p - c + a,
        portfolio=portfolio,
        account=account,
        asset=asset or symbol,
        quantity=D(quantity or qty),
        is_digital_asset=box in "GHIJKL",
    )


def boxes_of(rows: Sequence[Form8949Row]) -> list[BoxTotals]:
    """Box totals as the builder makes them: printed sums of printed rows, exact sums of exact amounts."""
    boxes: dict[str, BoxTotals] = {}
    for r in rows:
        b = boxes.get(r.box)
        if b is None:
            b = boxes[r.box] = BoxTotals(r.box, r.part, rules.schedule_d_line(r.box))
        b.printed.add(r.printed_proceeds, r.printed_cost, r.printed_adjustment, r.printed_gain)
        b.exact.add(r.proceeds, r.cost, r.adjustment, r.gain)
    return sorted(boxes.values(), key=lambda b: b.box)


@dataclass
class Extras:
    given_away: list[GivenAway] = field(default_factory=list)
    moved_out: list[MovedOut] = field(default_factory=list)
    income_by_kind: dict[str, Decimal] = field(default_factory=dict)
    income_by_month: dict[str, Decimal] = field(default_factory=dict)


def summary(
    rows: Sequence[Form8949Row],
    *,
    year: int = 2025,
    owner: str = "alice",
    portfolio: str | None = None,
    carryover: rules.Carryover = rules.NO_CARRYOVER,
    extras: Extras | None = None,
    basis_methods: dict[str, str] | None = None,
    status: str = "single",
    other_income: Decimal = OTHER_INCOME,
) -> YearSummary:
    extras = extras or Extras()
    boxes = boxes_of(rows)
    short = sum((b.printed.gain for b in boxes if b.part == "short"), ZERO)
    long = sum((b.printed.gain for b in boxes if b.part == "long"), ZERO)
    income_total = sum(extras.income_by_kind.values(), ZERO)
    conversions = sum((m.value for m in extras.moved_out if m.kind == "conversion"), ZERO)
    estimate = rules.estimate(
        year,
        status,
        ordinary_income=other_income + income_total + conversions,
        short_term_net=short,
        long_term_net=long,
        carryover=carryover,
    )
    return YearSummary(
        owner=owner,
        year=year,
        portfolio=portfolio,
        rows=list(rows),
        boxes=boxes,
        schedule_d=estimate.schedule_d,
        carryover_source="tax profile 2025" if carryover.total else "none",
        income_by_kind=extras.income_by_kind,
        income_by_month=extras.income_by_month,
        income_total=income_total,
        investment_income=ZERO,
        given_away=extras.given_away,
        moved_out=extras.moved_out,
        conversions_total=conversions,
        estimate=estimate,
        state_estimate=cents(max(estimate.taxable_income, ZERO) * D("0.05")),
        profile=ProfileUsed(status, other_income, "CA", D("0.05"), assumed=False),
        basis_methods=basis_methods if basis_methods is not None else {"Exchange": "FIFO", "Broker": "HIFO"},
        price_sources=["ledger unit prices (fair values as recorded)", "coingecko"],
        computed_at=COMPUTED,
        generated_at=GENERATED,
        version="9.8.7",
        notes=["A note with \u201cquotes\u201d \u2212 and \u00d7 signs."],
    )


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))


def read_dicts(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))


@dataclass
class TxfRecord:
    type: str
    code: int
    description: str
    acquired: str
    sold: str
    amounts: list[Decimal | None]


@dataclass
class TxfFile:
    header: dict[str, str]
    records: list[TxfRecord]


def read_txf(content: bytes) -> TxfFile:
    """A small TXF reader: the header (V, A, D) and the records, each field by its leading letter."""
    text = content.decode("ascii")
    assert "\r\n" in text
    assert not text.replace("\r\n", "").count("\n")
    blocks: list[list[str]] = [[]]
    for line in text.split("\r\n")[:-1]:
        if line == "^":
            blocks.append([])
        else:
            blocks[-1].append(line)
    assert blocks[-1] == []  # the file ends with a record terminator
    header = {line[0]: line[1:] for line in blocks[0]}
    records = []
    for block in blocks[1:-1]:
        fields: dict[str, list[str]] = {}
        for line in block:
            fields.setdefault(line[0], []).append(line[1:])
        assert fields["C"] == ["1"]
        assert fields["L"] == ["1"]
        acquired, sold = fields["D"]
        records.append(
            TxfRecord(
                type=fields["T"][0],
                code=int(fields["N"][0]),
                description=fields["P"][0],
                acquired=acquired,
                sold=sold,
                amounts=[D(a) if a else None for a in fields["$"]],
            )
        )
    return TxfFile(header, records)


def pdf_money(value: Decimal) -> str:
    """An amount as the PDF prints it: thousands separators, a loss in parentheses."""
    rounded = cents(value)
    text = f"{abs(rounded):,.2f}"
    return f"({text})" if rounded < 0 else text
