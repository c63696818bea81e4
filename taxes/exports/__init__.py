"""The year-end tax summary's downloads: `render(summary, fmt)` turns a `YearSummary` into the bytes of a file.

No database access here: the input is the summary the caller built (`taxes.summary.year_summary`), so a
page, the API, a command and a worker all produce the same file from the same summary.

Formats (`FORMATS`), each described in its module:
- "json"     (`jsonfile`): every section, exact decimal strings, rows and box totals exact and printed.
- "csv"      (`csvfiles`): Form 8949, one line per row with its box and columns (a)-(h) to cents.
- "totals"   (`csvfiles`): one line per box and part, Schedule D lines, carryforward, then metadata.
- "turbotax" (`csvfiles`): description, dates, proceeds, cost basis and the wash-sale disallowed loss.
- "txf"      (`txf`): TXF v042 records for boxes A-F; boxes G-L cannot be carried and `warning` says so.
- "pdf"      (`pdf`): cover, Schedule D, Form 8949 by box with carried totals, income, gifts, carryforward.

Every file records the Lotwise version, when it was generated and when the ledger was computed, the basis
methods and the price sources: the JSON in "metadata", the PDF on its cover, the TXF in its header's
program line, and the totals CSV in its trailing "metadata" lines (the row-per-sale CSVs stay plain tables
that importers and spreadsheets read without help).
"""

from __future__ import annotations

from dataclasses import dataclass

from taxes.exports import csvfiles, jsonfile, txf
from taxes.exports.common import filename
from taxes.summary.types import YearSummary

FORMATS = ("json", "csv", "totals", "turbotax", "txf", "pdf")


class ExportError(ValueError):
    """An export the summary cannot be rendered as (an unknown format)."""


@dataclass(frozen=True)
class Export:
    content: bytes
    content_type: str
    filename: str
    warning: str = ""  # shown beside the download: what the file cannot carry


def render(summary: YearSummary, fmt: str) -> Export:
    """The file for `fmt` (one of `FORMATS`)."""
    if fmt == "json":
        return Export(
            jsonfile.render_json(summary), "application/json", filename(summary, "tax-summary", "json")
        )
    if fmt == "csv":
        return Export(
            csvfiles.render_form_8949(summary), csvfiles.CONTENT_TYPE, filename(summary, "form-8949", "csv")
        )
    if fmt == "totals":
        return Export(
            csvfiles.render_totals(summary), csvfiles.CONTENT_TYPE, filename(summary, "totals", "csv")
        )
    if fmt == "turbotax":
        return Export(
            csvfiles.render_turbotax(summary), csvfiles.CONTENT_TYPE, filename(summary, "turbotax", "csv")
        )
    if fmt == "txf":
        content, warning = txf.render_txf(summary)
        return Export(content, txf.CONTENT_TYPE, filename(summary, "form-8949", "txf"), warning)
    if fmt == "pdf":
        from taxes.exports import pdf  # fpdf2 loads with the first PDF, not with every process

        return Export(pdf.render_pdf(summary), pdf.CONTENT_TYPE, filename(summary, "tax-summary", "pdf"))
    raise ExportError(f"unknown format {fmt!r}; one of: {', '.join(FORMATS)}")


__all__ = ["FORMATS", "Export", "ExportError", "render"]
