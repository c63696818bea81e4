"""The PDF's page furniture: US Letter, Helvetica (a core font, so text is latin-1), a footer that names the
report on every page, headings, paragraphs and a simple table that repeats its header after a page break.

Amounts print as on the forms: cents, thousands separators, losses in parentheses: (1,234.56).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from fpdf import FPDF
from fpdf.fonts import CoreFont

from portfolios.decimals import cents
from taxes.exports.common import plain, timestamp
from taxes.summary.types import YearSummary

FONT = "Helvetica"
MARGIN = 14.0
FOOTER_SPACE = 16.0
LINE = 5.0
GREY = (230, 230, 230)
# The page count is filled in once the document is complete; a long placeholder keeps FPDF from warning
# that the count outgrew the room it reserved.
PAGES = "{pages-total}"
CONDENSED_LIMIT = 70


def amount_text(value: Decimal) -> str:
    """An amount as the PDF prints it: 1,234.56, a loss as (1,234.56)."""
    rounded = cents(value)
    text = f"{abs(rounded):,.2f}"
    return f"({text})" if rounded < 0 else text


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    align: str = "L"  # L or R


class Document(FPDF):
    """A Letter-size report whose footer names Lotwise's version, the year and the page."""

    def __init__(self, summary: YearSummary) -> None:
        super().__init__(orientation="P", unit="mm", format="Letter")
        self.summary = summary
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=FOOTER_SPACE)
        self.alias_nb_pages(PAGES)
        self.set_title(plain(f"Lotwise tax year {summary.year} summary"))
        self.set_author("Lotwise")
        self.set_creator(plain(f"Lotwise {summary.version}"))
        self.set_subject(plain(f"Form 8949, Schedule D, income and estimate for {summary.owner}"))
        # The file's own date is the report's, so the same summary gives the same PDF.
        self.set_creation_date(summary.generated_at)
        self._widths: dict[str, dict[str, int]] = {}

    def footer(self) -> None:
        s = self.summary
        self.set_y(-11)
        self.set_font(FONT, "", 8)
        self.set_text_color(90, 90, 90)
        left = f"Lotwise {s.version} - tax year {s.year} - {s.owner} - generated {timestamp(s.generated_at)}"
        self.cell(0, 4, plain(left), align="L")
        # Left-aligned at a fixed place: the page count is filled in later and is narrower than its
        # placeholder, so right-aligning would leave it short of the margin.
        self.set_x(self.w - self.r_margin - 30)
        self.cell(30, 4, f"Page {self.page_no()} of {PAGES}", align="L")
        self.set_text_color(0, 0, 0)

    # Text -------------------------------------------------------------------------------------------

    def _core_font(self) -> CoreFont:
        font = self.current_font
        if not isinstance(font, CoreFont):
            raise TypeError("the report is set in a core font (Helvetica)")
        return font

    def put(self, x: float, y: float, text: str) -> None:
        """Text with its baseline at `y`, already latin-1 (callers pass `plain` text)."""
        self.text(x, y, text)

    def put_line(self, items: Sequence[tuple[float, float, str, int]]) -> None:
        """Several texts (x, baseline y, latin-1 text, horizontal scale in percent) in the current font,
        written to the page at once.

        FPDF.text() costs tens of microseconds a call and a Form 8949 page has hundreds of them: a year of
        100k sales would take most of its time there. This writes the same operators `text()` writes for
        plain filled text, one content-stream write per table row. The caller keeps the fill colour equal
        to the text colour (as `text()` assumes when it adds no colour operator). A scale under 100
        condenses the text (PDF's Tz), saved and restored around it since Tz outlives its text object.
        """
        font = self._core_font()
        if not self.current_font_is_set_on_page:
            self._out(self._set_font_for_page(font, self.font_size_pt))
        k, top = self.k, self.h
        parts = []
        for x, y, text, scale in items:
            shown = f"BT {x * k:.2f} {(top - y) * k:.2f} Td {font.encode_text(text)} ET"
            parts.append(shown if scale == 100 else f"q {scale} Tz {shown} Q")
        self._out(" ".join(parts))

    def char_widths(self) -> dict[str, int]:
        """The current core font's character widths in thousandths of an em."""
        font = cast(CoreFont, self.current_font)
        table = self._widths.get(font.fontkey)
        if table is None:
            table = self._widths[font.fontkey] = dict(font.cw)
        return table

    def width_of(self, text: str) -> float:
        """The width of `text` in the current font. The core fonts' metrics are a table lookup, far cheaper
        than FPDF's general path, and a year can print a hundred thousand rows."""
        return sum(map(self.char_widths().__getitem__, text)) * self.font_size / 1000

    def fit(self, text: str, width: float) -> str:
        """`text` cut with "..." to fit `width` (latin-1 text: every character has a width)."""
        # No core font glyph is wider than 1.1 em, so a short text fits without measuring it.
        if len(text) * self.font_size * 1.1 <= width or self.width_of(text) <= width:
            return text
        while text and self.width_of(text + "...") > width:
            text = text[:-1]
        return text + "..."

    def condensed(self, text: str, width: float) -> tuple[str, int]:
        """`text` and the horizontal scale (percent) that fits it in `width`: condensed down to 70% before
        anything is cut, since a Form 8949 description must not lose its digits."""
        if len(text) * self.font_size * 1.1 <= width:
            return text, 100
        natural = self.width_of(text)
        if natural <= width:
            return text, 100
        scale = int(100 * width / natural)
        if scale >= CONDENSED_LIMIT:
            return text, scale
        return self.fit(text, width * 100 / CONDENSED_LIMIT), CONDENSED_LIMIT

    def h1(self, text: str) -> None:
        self.set_font(FONT, "B", 15)
        self.multi_cell(0, 8, plain(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def h2(self, text: str) -> None:
        if self.will_page_break(LINE * 4):
            self.add_page()
        self.ln(2)
        self.set_font(FONT, "B", 11)
        self.multi_cell(0, 6, plain(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(0.5)

    def para(self, text: str, *, style: str = "", size: float = 9) -> None:
        self.set_font(FONT, style, size)
        self.multi_cell(0, 4.4, plain(text), align="L", new_x="LMARGIN", new_y="NEXT")

    def pairs(self, items: Sequence[tuple[str, str]], *, label_width: float = 70) -> None:
        """Label / value lines, values right-aligned in a narrow column."""
        self.set_font(FONT, "", 9)
        for label, value in items:
            if self.will_page_break(LINE):
                self.add_page()
            self.cell(label_width, LINE, plain(label))
            self.cell(35, LINE, plain(value), align="R", new_x="LMARGIN", new_y="NEXT")

    def grid(
        self,
        columns: Sequence[Column],
        rows: Sequence[Sequence[str]],
        *,
        total: Sequence[str] | None = None,
        empty: str = "None.",
    ) -> None:
        """A table with a grey header, repeated at the top of a new page; an optional bold total line."""
        if not rows:
            self.para(empty, style="I")
            return

        def header() -> None:
            self.set_font(FONT, "B", 8)
            self.set_fill_color(*GREY)
            for col in columns:
                self.cell(col.width, LINE, plain(col.title), border=1, align=col.align, fill=True)
            self.ln(LINE)
            self.set_font(FONT, "", 8)

        if self.will_page_break(LINE * 3):
            self.add_page()
        header()
        for row in rows:
            if self.will_page_break(LINE * (2 if total else 1)):
                self.add_page()
                header()
            for col, value in zip(columns, row, strict=True):
                text = self.fit(plain(value), col.width - 2)
                self.cell(col.width, LINE, text, border="B", align=col.align)
            self.ln(LINE)
        if total is not None:
            self.set_font(FONT, "B", 8)
            for col, value in zip(columns, total, strict=True):
                self.cell(col.width, LINE, plain(value), border="T", align=col.align)
            self.ln(LINE)
            self.set_font(FONT, "", 8)
