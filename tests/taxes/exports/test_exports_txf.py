"""TXF v042: one detail record per Form 8949 row in boxes A-F, read back to the same totals."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date
from decimal import Decimal

from exports_kit import D, read_txf, row, summary

from taxes.exports import render
from taxes.exports.txf import DIGITAL_ASSET_NOTICE

# Spec v042 section IV and taxdataexchange.org: Part I boxes A/B/C, Part II boxes D/E/F.
CODE_OF_BOX = {"A": 321, "B": 711, "C": 712, "D": 323, "E": 713, "F": 714}
LONG_AGO = date(2022, 3, 4)


def every_box_summary():  # type: ignore[no-untyped-def]
    return summary(
        [
            row("A", "1 AAA", "100.005", "50.004"),
            row("A", "2 AAA", "80", "100.25", "20.25"),
            row("B", "1 BBB", "10", "12"),
            row("C", "0.123456789012345678 ETH", "333.333", "111.111"),
            row("D", "1 DDD", "1000", "10", acquired=LONG_AGO),
            row("E", "1 EEE", "20", "30", acquired=LONG_AGO),
            row("F", "1 FFF", "5", "1.005", acquired=LONG_AGO),
        ],
        year=2024,
    )


def test_header_is_version_program_and_date() -> None:
    content = render(every_box_summary(), "txf").content
    lines = content.decode("ascii").split("\r\n")
    assert lines[0] == "V042"
    assert lines[1].startswith("ALotwise 9.8.7 | ")
    assert lines[2] == "D02/03/2026"
    assert lines[3] == "^"
    program = lines[1]
    for part in (
        "tax year 2024",
        "generated 2026-02-03T04:05:06Z",
        "computed 2026-02-01T09:30:00Z",
        "basis Exchange: FIFO; Broker: HIFO",
        "prices ledger unit prices (fair values as recorded); coingecko",
    ):
        assert part in program


def test_records_map_boxes_to_reference_numbers() -> None:
    s = every_box_summary()
    txf = read_txf(render(s, "txf").content)
    assert [r.code for r in txf.records] == [321, 321, 711, 712, 323, 713, 714]
    assert {r.type for r in txf.records} == {"D"}
    eth = txf.records[3]
    assert (eth.description, eth.acquired, eth.sold) == (
        "0.123456789012345678 ETH",
        "01/10/2025",
        "06/20/2025",
    )
    # Record format 4: cost basis first, then the sales net (proceeds).
    assert eth.amounts == [D("111.11"), D("333.33")]


def test_txf_parses_back_to_the_summary_totals_per_code() -> None:
    s = every_box_summary()
    txf = read_txf(render(s, "txf").content)
    per_code: dict[int, list[Decimal]] = defaultdict(lambda: [D(0)] * 4)
    for r in txf.records:
        cost, proceeds, *wash = r.amounts
        disallowed = wash[0] if wash and wash[0] is not None else D(0)
        assert cost is not None
        assert proceeds is not None
        totals = per_code[r.code]
        totals[0] += proceeds
        totals[1] += cost
        totals[2] += disallowed
        totals[3] += proceeds - cost + disallowed
    expected = {
        CODE_OF_BOX[b.box]: [b.printed.proceeds, b.printed.cost, b.printed.adjustment, b.printed.gain]
        for b in s.boxes
    }
    assert dict(per_code) == expected


def test_a_wash_sale_uses_record_format_5_with_the_disallowed_loss() -> None:
    txf = read_txf(render(every_box_summary(), "txf").content)
    wash = txf.records[1]
    assert wash.description == "2 AAA"
    assert wash.amounts == [D("100.25"), D("80.00"), D("20.25")]  # cost, proceeds, disallowed (positive)
    assert all(len(r.amounts) == 2 for i, r in enumerate(txf.records) if i != 1)


def test_digital_asset_boxes_write_no_records_and_carry_the_warning() -> None:
    s = summary(
        [
            row("G", "1 BTC", "100", "50"),
            row("I", "2 BTC", "300", "250"),
            row("L", "3 ETH", "10", "20", acquired=LONG_AGO),
        ],
        year=2025,
    )
    export = render(s, "txf")
    txf = read_txf(export.content)
    assert txf.records == []
    assert DIGITAL_ASSET_NOTICE in export.warning
    assert "3 sales are not in this file" in export.warning
    assert f"NOTE: {DIGITAL_ASSET_NOTICE}" in txf.header["A"]
    assert txf.header["V"] == "042"


def test_a_mixed_year_writes_securities_and_warns_about_digital_assets() -> None:
    s = summary([row("A", "1 VTI", "100", "90"), row("I", "1 BTC", "100", "50")], year=2025)
    export = render(s, "txf")
    txf = read_txf(export.content)
    assert [r.code for r in txf.records] == [321]
    assert "1 sale is not in this file" in export.warning


def test_no_warning_when_every_row_fits() -> None:
    export = render(every_box_summary(), "txf")
    assert export.warning == ""
    assert "NOTE" not in read_txf(export.content).header["A"]
    assert render(every_box_summary(), "csv").warning == ""


def test_a_2024_crypto_sale_without_a_1099_is_712_or_714() -> None:
    """Before 1099-DA, a digital asset sold with no 1099 is in box C (short) or F (long)."""
    s = summary(
        [row("C", "0.5 BTC", "30000", "20000"), row("F", "1 BTC", "60000", "20000", acquired=LONG_AGO)],
        year=2024,
    )
    assert [r.code for r in read_txf(render(s, "txf").content).records] == [712, 714]


def test_an_adjustment_other_than_a_wash_sale_is_warned_about() -> None:
    other = row("A", "1 X", "10", "5", "2")
    other = dataclasses.replace(other, code="B")
    export = render(summary([other], year=2024), "txf")
    record = read_txf(export.content).records[0]
    assert record.amounts == [D("5.00"), D("10.00")]
    assert "other than a wash sale" in export.warning


def test_text_fields_are_one_ascii_line() -> None:
    s = summary(
        [row("A", "1 CAF\u00c9\nX", "1", "1", asset="CAFE")],
        year=2024,
        owner="z\u00f6e\r\nx",
        basis_methods={"Caf\u00e9 \u201cmain\u201d": "FIFO"},
    )
    content = render(s, "txf").content
    txf = read_txf(content)  # decodes as ASCII, one field per line
    assert txf.records[0].description == "1 CAF? X"
    assert 'basis Caf? "main": FIFO' in txf.header["A"]
    assert "owner z?e x |" in txf.header["A"]
