"""The CSV downloads: Form 8949 rows, totals per box and Schedule D line, and the TurboTax-style gains file."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from exports_kit import D, cents, read_csv, read_dicts, row, summary

from taxes.exports import render
from taxes.summary.types import YearSummary

# Rows whose rounding makes "sum of printed rows" differ from "rounded exact sum".
HAND_ROWS = [
    # (d) 100.005 -> 100.01, (e) 50.004 -> 50.00, (h) 100.01 - 50.00 = 50.01
    row("A", "0.5 BTC", "100.005", "50.004"),
    # (d) 200.125 -> 200.13, (e) 210.555 -> 210.56, (g) W 10.43, (h) 200.13 - 210.56 + 10.43 = 0.00
    row("A", "2 VTI", "200.125", "210.555", "10.43"),
    # (d) 1000.00, (e) 400.50, (h) 599.50
    row("D", "3 ETH", "1000", "400.5"),
]


def hand_summary() -> YearSummary:
    return summary(HAND_ROWS)


def test_totals_are_sums_of_printed_rows_worked_by_hand() -> None:
    """Box A: proceeds 100.01 + 200.13 = 300.14 although the exact 300.130 rounds to 300.13; cost 50.00 +
    210.56 = 260.56; adjustment 10.43; gain 50.01 + 0.00 = 50.01. Box D: one row. Part I = box A."""
    lines = read_dicts(render(hand_summary(), "totals").content)
    boxes = {line["box"]: line for line in lines if line["kind"] == "box"}
    assert set(boxes) == {"A", "D"}
    a = boxes["A"]
    assert (a["part"], a["schedule_d_line"], a["rows"]) == ("I", "1b", "2")
    assert (a["proceeds"], a["cost"], a["adjustment"], a["gain"]) == ("300.14", "260.56", "10.43", "50.01")
    d = boxes["D"]
    assert (d["part"], d["schedule_d_line"], d["rows"]) == ("II", "8b", "1")
    assert (d["proceeds"], d["cost"], d["adjustment"], d["gain"]) == ("1000.00", "400.50", "0.00", "599.50")
    parts = {line["part"]: line for line in lines if line["kind"] == "part_total"}
    assert parts["I"]["gain"] == "50.01"
    assert parts["II"]["gain"] == "599.50"
    sched = {line["schedule_d_line"]: line["value"] for line in lines if line["kind"] == "schedule_d"}
    assert sched == {"6": "0.00", "7": "50.01", "14": "0.00", "15": "599.50", "16": "649.51", "21": "0.00"}
    # The exact sum would print differently: the file must not use it.
    assert cents(D("100.005") + D("200.125")) == D("300.13")


def _sums(rows: list[dict[str, str]], box_key: str, columns: tuple[str, ...]) -> dict[str, list[Decimal]]:
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [D(0)] * len(columns))
    for r in rows:
        for i, column in enumerate(columns):
            sums[r[box_key]][i] += D(r[column])
    return dict(sums)


def _printed_boxes(s: YearSummary) -> dict[str, list[Decimal]]:
    return {
        b.box: [b.printed.proceeds, b.printed.cost, b.printed.adjustment, b.printed.gain] for b in s.boxes
    }


def test_form_8949_csv_parses_back_to_the_summary_box_totals() -> None:
    s = summary([*HAND_ROWS, row("I", "1 SOL", "10.555", "20.444"), row("L", "7 ADA", "3.333", "1.115")])
    rows = read_dicts(render(s, "csv").content)
    assert len(rows) == len(s.rows)
    columns = ("(d) proceeds", "(e) cost or other basis", "(g) adjustment", "(h) gain or (loss)")
    assert _sums(rows, "box", columns) == _printed_boxes(s)
    for r in rows:
        # Every amount is printed to cents and column (h) adds up on its own line.
        assert all(len(r[c].rpartition(".")[2]) == 2 for c in columns)
        assert D(r[columns[0]]) - D(r[columns[1]]) + D(r[columns[2]]) == D(r[columns[3]])
    wash = next(r for r in rows if r["(f) code"] == "W")
    assert (wash["box"], wash["part"], wash["(g) adjustment"], wash["(h) gain or (loss)"]) == (
        "A",
        "I",
        "10.43",
        "0.00",
    )
    first = rows[0]
    assert first["(b) date acquired"] == "2025-01-10"
    assert first["(c) date sold"] == "2025-06-20"
    assert (first["portfolio"], first["account"], first["asset"], first["quantity"]) == (
        "Main",
        "Exchange",
        "BTC",
        "0.5",
    )


def test_form_8949_csv_groups_rows_by_box_in_form_order() -> None:
    s = summary([row("D", "1 X", "1", "1"), row("I", "1 Y", "1", "1"), row("A", "1 Z", "1", "1")])
    boxes = [r["box"] for r in read_dicts(render(s, "csv").content)]
    assert boxes == ["A", "I", "D"]  # Part I (A, then the digital-asset I), then Part II


def test_totals_csv_parses_back_and_carries_schedule_d_and_metadata() -> None:
    from taxes import rules

    s = summary(
        [row("C", "1 BTC", "100", "5100.25"), row("F", "1 ETH", "10", "2010.5")],
        carryover=rules.Carryover(D(1000), D(500)),
    )
    lines = read_dicts(render(s, "totals").content)
    boxes = {line["box"]: line for line in lines if line["kind"] == "box"}
    assert {box: [D(boxes[box][c]) for c in ("proceeds", "cost", "adjustment", "gain")] for box in boxes} == (
        _printed_boxes(s)
    )
    sched = s.schedule_d
    values = {line["schedule_d_line"]: D(line["value"]) for line in lines if line["kind"] == "schedule_d"}
    assert values == {
        "6": D("-1000.00"),
        "7": cents(sched.line_7),
        "14": D("-500.00"),
        "15": cents(sched.line_15),
        "16": cents(sched.line_16),
        "21": D("-3000.00"),
    }
    # Line 7 = box C's printed gain - line 6 carryover; line 16 = 7 + 15.
    assert values["7"] == D("-5000.25") - D(1000)
    assert values["16"] == values["7"] + values["15"]
    carry = {line["part"]: D(line["value"]) for line in lines if line["kind"] == "carryforward"}
    assert carry == {"I": cents(sched.carryover_out.short_term), "II": cents(sched.carryover_out.long_term)}
    assert carry["I"] + carry["II"] == -values["16"] - D(3000)  # what the $3,000 limit leaves

    meta = [(line["label"], line["value"]) for line in lines if line["kind"] == "metadata"]
    assert ("lotwise_version", "9.8.7") in meta
    assert ("generated_at", "2026-02-03T04:05:06Z") in meta
    assert ("computed_at", "2026-02-01T09:30:00Z") in meta
    assert ("basis_method", "Exchange: FIFO") in meta
    assert ("basis_method", "Broker: HIFO") in meta
    assert ("price_source", "coingecko") in meta
    assert ("carryover_source", "tax profile 2025") in meta
    assert lines[-len(meta) :] == [line for line in lines if line["kind"] == "metadata"]  # trailing lines


def test_turbotax_csv_has_the_gains_columns_and_the_wash_sale_amount() -> None:
    s = hand_summary()
    table = read_csv(render(s, "turbotax").content)
    assert table[0] == [
        "Description",
        "Date Acquired",
        "Date Sold",
        "Proceeds",
        "Cost Basis",
        "Wash Sale Loss Disallowed",
    ]
    assert table[1] == ["0.5 BTC", "01/10/2025", "06/20/2025", "100.01", "50.00", ""]
    assert table[2] == ["2 VTI", "01/10/2025", "06/20/2025", "200.13", "210.56", "10.43"]
    body = table[1:]
    assert sum(D(r[3]) for r in body) == sum(b.printed.proceeds for b in s.boxes)
    assert sum(D(r[4]) for r in body) == sum(b.printed.cost for b in s.boxes)
    assert sum(D(r[5] or 0) for r in body) == sum(b.printed.adjustment for b in s.boxes)


def test_an_empty_year_writes_headers_and_zero_schedule_d() -> None:
    s = summary([])
    assert len(read_csv(render(s, "csv").content)) == 1
    assert len(read_csv(render(s, "turbotax").content)) == 1
    lines = read_dicts(render(s, "totals").content)
    assert not [line for line in lines if line["kind"] == "box"]
    assert {line["value"] for line in lines if line["kind"] == "schedule_d"} == {"0.00"}
