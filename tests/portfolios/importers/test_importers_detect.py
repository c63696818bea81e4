"""Format detection from the header (after any preamble), shared parsing, and robustness on bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolios.importers import FORMATS, convert, detect
from portfolios.importers.common import LineError, Record, Source, decimal_in, divide, parse_when, table
from tests.portfolios.importers.importers_testkit import SAMPLES, sample

EXPECTED = {
    "coinbase_2024.csv": ("coinbase", 5),
    "coinbase_2023.csv": ("coinbase", 8),
    "coinbase_2021.csv": ("coinbase", 1),
    "coinbase_2018.csv": ("coinbase", 1),
    "kraken_ledgers.csv": ("kraken", 1),
    "kraken_2023.csv": ("kraken", 1),
    "kraken_usd.csv": ("kraken", 1),
    "binance_history.csv": ("binance", 1),
    "binance_errors.csv": ("binance", 1),
    "koinly_universal.csv": ("koinly", 1),
    "koinly_export.csv": ("koinly-export", 1),
    "cointracker_template.csv": ("cointracker", 1),
    "cointracker_export.csv": ("cointracker-export", 1),
    "brokerage_schwab_style.csv": ("brokerage", 1),
    "brokerage_fidelity_style.csv": ("brokerage", 3),
}


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_each_sample_is_detected_with_its_header_line(name: str, expected: tuple[str, int]) -> None:
    """Rule: the header decides the format, wherever it is after a preamble; lines keep their numbers."""
    found = detect(sample(name))
    assert found is not None
    fmt, index = found
    assert (fmt.key, table(sample(name), index).header_line) == expected
    conversion = convert(sample(name))
    assert conversion is not None
    assert conversion.format == expected[0]
    assert all(row.line > expected[1] for row in conversion.rows)


def test_every_sample_file_is_covered() -> None:
    assert {p.name for p in SAMPLES.glob("*.csv")} - set(EXPECTED) <= {
        "coinbase_errors.csv",
        "kraken_errors.csv",
        "cointracker_errors.csv",
        "brokerage_errors.csv",
        "brokerage_custom.csv",
    }


@pytest.mark.parametrize(
    "text",
    [
        "timestamp,account,type,asset,quantity,unit_price,fee\n2024-01-01T00:00:00Z,A,buy,BTC,1,1,0\n",
        "timestamp,account\n",  # a Lotwise CSV with a bad header: its own importer says what is missing
        "when,what\n2024-01-01,buy\n",
        "",
        "\n\n",
    ],
)
def test_lotwise_and_unknown_files_are_left_to_the_lotwise_importer(text: str) -> None:
    assert convert(text) is None


def test_a_custom_brokerage_file_needs_a_mapping() -> None:
    text = sample("brokerage_custom.csv")
    assert convert(text) is None
    mapping = {
        "date": "When",
        "action": "Kind",
        "symbol": "Ticker",
        "quantity": "Shares",
        "amount": "Net Cash",
    }
    conversion = convert(text, mapping=mapping)
    assert conversion is not None
    assert conversion.format == "brokerage"
    assert not conversion.errors


def test_forcing_a_format_the_file_is_not() -> None:
    conversion = convert(sample("kraken_ledgers.csv"), format="binance")
    assert conversion is not None
    assert [(e.line, e.field) for e in conversion.errors] == [(1, "header")]
    assert "Binance" in conversion.errors[0].message
    assert convert(sample("kraken_ledgers.csv"), format="lotwise") is None
    unknown = convert(sample("kraken_ledgers.csv"), format="mt940")
    assert unknown is not None
    assert [(e.line, e.field) for e in unknown.errors] == [(0, "format")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("$1,234.50", Decimal("1234.50")),
        ("-$597.49846", Decimal("-597.49846")),
        ("$-1.00", Decimal("-1.00")),
        ("€3.20", Decimal("3.20")),
        ("(12.00)", Decimal("-12.00")),
        ("1E-8", Decimal("1E-8")),
        (" 0.123456789012345678 ", Decimal("0.123456789012345678")),
        ("\u22125", Decimal(-5)),
    ],
)
def test_amounts_are_exact_decimals(raw: str, expected: Decimal) -> None:
    errors: list[LineError] = []
    value = decimal_in(raw, Source(3, "Amount"), errors)
    assert (value, errors) == (expected, [])
    assert isinstance(value, Decimal)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("lots", "not a number"),
        ("NaN", "finite"),
        ("1e999999", "10^15"),
        ("1e-30", "18 decimal"),
        ("1.2.3", "number"),
    ],
)
def test_bad_amounts_are_line_errors(raw: str, fragment: str) -> None:
    errors: list[LineError] = []
    assert decimal_in(raw, Source(7, "Change"), errors) is None
    assert [(e.line, e.field) for e in errors] == [(7, "Change")]
    assert fragment in errors[0].message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-01-17 16:57:02 UTC", datetime(2025, 1, 17, 16, 57, 2, tzinfo=UTC)),
        ("2023-04-20T04:05:40Z", datetime(2023, 4, 20, 4, 5, 40, tzinfo=UTC)),
        ("2021-03-01 12:34:56.1234", datetime(2021, 3, 1, 12, 34, 56, 123400, tzinfo=UTC)),
        ("2024-01-01T10:00:00-05:00", datetime(2024, 1, 1, 15, 0, tzinfo=UTC)),
        ("01/15/2024 10:00:00", datetime(2024, 1, 15, 10, 0, tzinfo=UTC)),
        ("21-06-30 23:59:59", datetime(2021, 6, 30, 23, 59, 59, tzinfo=UTC)),
        # A bare date is noon UTC: the same calendar day in every US time zone.
        ("03/05/2018", datetime(2018, 3, 5, 12, tzinfo=UTC)),
        ("2024-02-01", datetime(2024, 2, 1, 12, tzinfo=UTC)),
        ("07/15/2024 as of 07/12/2024", datetime(2024, 7, 12, 12, tzinfo=UTC)),
    ],
)
def test_export_dates(raw: str, expected: datetime) -> None:
    assert parse_when(raw) == expected


@pytest.mark.parametrize("raw", ["", "yesterday", "02/30/2024", "2024-13-01 00:00:00", "13/13/2024"])
def test_bad_dates(raw: str) -> None:
    assert parse_when(raw) is None


def test_unit_prices_from_totals_keep_18_places() -> None:
    assert divide(Decimal(1000), Decimal("0.024975")) == Decimal("40040.040040040040040040")
    assert divide(Decimal("123456789012.34"), Decimal(3)) == Decimal("41152263004.113333333333333333")


def test_record_cells_are_found_whatever_their_case() -> None:
    rec = Record(4, {"Sent Amount": " 2 "})
    assert rec.get("sent amount") == "2"
    assert rec.get(None) == ""
    assert rec.get("Missing") == ""


CELL = st.text(alphabet=st.sampled_from(list('0123456789.,-$€()eE/: aZ"')), max_size=12)


@pytest.mark.parametrize("name", sorted(EXPECTED))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_mangled_files_give_line_errors_never_exceptions(name: str, data: st.DataObject) -> None:
    """Bad input is reported, never raised: every cell of a data row may be replaced by junk."""
    lines = sample(name).splitlines()
    start = EXPECTED[name][1]
    index = data.draw(st.integers(min_value=start, max_value=max(start, len(lines) - 1)))
    if index < len(lines):
        cells = lines[index].split(",")
        position = data.draw(st.integers(min_value=0, max_value=len(cells) - 1))
        cells[position] = data.draw(CELL)
        lines[index] = ",".join(cells)
    conversion = convert("\n".join(lines) + "\n")
    assert conversion is not None
    for error in conversion.errors:
        assert error.line >= 1
        assert error.field
        assert error.message


def test_the_format_list_is_complete() -> None:
    assert [f.key for f in FORMATS] == [
        "coinbase",
        "kraken",
        "binance",
        "koinly-export",
        "koinly",
        "cointracker-export",
        "cointracker",
        "brokerage",
    ]
