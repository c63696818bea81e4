"""`render`: one entry point, a file per format, names and types, metadata in every file, safe CSV cells."""

from __future__ import annotations

import dataclasses
import io

import pytest
from exports_kit import read_csv, row, summary
from pypdf import PdfReader

from taxes.exports import FORMATS, Export, ExportError, render

EXPECTED = {
    "json": ("application/json", "lotwise-2025-tax-summary.json"),
    "csv": ("text/csv; charset=utf-8", "lotwise-2025-form-8949.csv"),
    "totals": ("text/csv; charset=utf-8", "lotwise-2025-totals.csv"),
    "turbotax": ("text/csv; charset=utf-8", "lotwise-2025-turbotax.csv"),
    "txf": ("application/x-txf", "lotwise-2025-form-8949.txf"),
    "pdf": ("application/pdf", "lotwise-2025-tax-summary.pdf"),
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_has_its_type_and_name(fmt: str) -> None:
    export = render(summary([row("A", "1 VTI", "10", "5")]), fmt)
    assert (export.content_type, export.filename) == EXPECTED[fmt]
    assert isinstance(export.content, bytes)
    assert export.content
    with pytest.raises(dataclasses.FrozenInstanceError):
        export.filename = "x"  # type: ignore[misc]


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ExportError, match="unknown format 'xlsx'"):
        render(summary([]), "xlsx")


def test_a_portfolio_view_is_named_in_the_file_name() -> None:
    export = render(summary([], portfolio="My \u201cCrypto\u201d Basket!"), "csv")
    assert export.filename == "lotwise-2025-my-crypto-basket-form-8949.csv"


def _text(export: Export) -> str:
    if export.content_type == "application/pdf":
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(export.content)).pages)
    return export.content.decode("utf-8")


@pytest.mark.parametrize("fmt", ["json", "totals", "txf", "pdf"])
def test_every_report_records_how_it_was_made(fmt: str) -> None:
    text = _text(render(summary([row("A", "1 VTI", "10", "5")]), fmt))
    for part in ("9.8.7", "2026-02-03T04:05:06Z", "2026-02-01T09:30:00Z", "FIFO", "HIFO", "coingecko"):
        assert part in text, part


HOSTILE = ['=HYPERLINK("http://x","y")', "+SUM(A1:A9)", "-2+3", "@cmd", "\tTAB", "\rCR"]


def test_formula_injection_is_neutralised_in_every_csv() -> None:
    rows = [row("A", f"1 {name}", "10", "5", account=name, portfolio=name, asset=name) for name in HOSTILE]
    s = summary(rows, owner="=owner()", basis_methods={name: "FIFO" for name in HOSTILE})
    s.notes.append("=note()")
    for fmt in ("csv", "totals", "turbotax"):
        cells = [cell for line in read_csv(render(s, fmt).content) for cell in line]
        for cell in cells:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                float(cell)  # only a number may start like a formula
        if fmt == "csv":
            assert '\'=HYPERLINK("http://x","y")' in cells
            assert "'+SUM(A1:A9)" in cells
            assert "'-2+3" in cells
            assert "'@cmd" in cells
            assert "'\tTAB" in cells
        if fmt == "totals":
            assert "'=owner()" in cells
            assert "'=note()" in cells
            assert '\'=HYPERLINK("http://x","y"): FIFO' in cells


def test_negative_amounts_stay_numbers_in_csv() -> None:
    cells = [
        c for line in read_csv(render(summary([row("A", "1 X", "5", "10")]), "csv").content) for c in line
    ]
    assert "-5.00" in cells


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_summary_gives_the_same_bytes(fmt: str) -> None:
    """A report is reproducible: nothing in a file depends on when or how often it was rendered."""
    s = summary([row("A", "1 VTI", "10", "5"), row("I", "1 BTC", "7", "3")])
    assert render(s, fmt).content == render(s, fmt).content
