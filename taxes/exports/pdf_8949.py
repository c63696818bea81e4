"""Form 8949 in the PDF: each box on its own landscape pages, as the form wants one box checked per page.

A page starts with the part (I short-term, II long-term) and "Box X checked", then columns (a)-(h). When a
box runs over a page, the page ends with "Carried forward" and the running totals of the rows printed so
far, and the next page is headed "(continued)" and starts with the same totals "Brought forward". The box
ends with its totals and the Schedule D line they go to. Totals are sums of the printed (rounded) rows.
"""

from __future__ import annotations

from decimal import Decimal

from fpdf.util import escape_parens

from taxes.exports.common import (
    BOX_TITLES,
    PART_TITLES,
    part_of,
    plain,
    printed_amounts,
    rows_by_box,
    us_date,
)
from taxes.exports.pdf_layout import FONT, FOOTER_SPACE, GREY, Document, amount_text
from taxes.rules import schedule_d_line
from taxes.summary.types import Form8949Row, Totals, YearSummary

ROW = 4.8
BASELINE = 3.4  # from a row's top to its text's baseline at 8 pt
PAD = 1.2
# Columns (a)-(h) across a landscape Letter page less margins: two-line title, width in mm, alignment
# (True right, False left, None centred).
COLUMNS = (
    (("(a) Description", "of property"), 86.0, False),
    (("(b) Date", "acquired"), 21.0, False),
    (("(c) Date sold", "or disposed of"), 22.0, False),
    (("(d) Proceeds", "(sales price)"), 28.0, True),
    (("(e) Cost or", "other basis"), 28.0, True),
    (("(f) Code", ""), 13.0, None),
    (("(g) Amount of", "adjustment"), 24.0, True),
    (("(h) Gain or", "(loss)"), 29.0, True),
)
_AMOUNT_COLUMNS = (3, 4, 6, 7)
_DESCRIPTION_WIDTH = COLUMNS[0][1] - 2 * PAD


class _RowLayout:
    """What every sale's line shares in one font: the x of the left-aligned columns, already in PDF
    units, and the character widths to place the right-aligned amounts. Positions are computed with the
    same operations as `_BoxPages._at`, so the file is the same to the byte."""

    def __init__(self, key: tuple[str, float, float], lefts: list[float], widths: dict[str, int]) -> None:
        self.key = key
        _, self.size, self.k = key
        self.widths = widths
        k = self.k
        self.description = f"BT {(lefts[0] + PAD) * k:.2f}"
        self.acquired = f"BT {(lefts[1] + PAD) * k:.2f}"
        self.sold = f"BT {(lefts[2] + PAD) * k:.2f}"
        self.lefts = lefts
        self.rights = [left + width - PAD for left, (_, width, _) in zip(lefts, COLUMNS, strict=False)]
        self.parens = widths["("] + widths[")"]
        self._centred: dict[str, str] = {}

    def centred(self, text: str) -> str:
        start = self._centred.get(text)
        if start is None:
            width = sum(map(self.widths.__getitem__, text)) * self.size / 1000
            start = self._centred[text] = f"BT {(self.lefts[5] + (COLUMNS[5][1] - width) / 2) * self.k:.2f}"
        return start

    def amount(self, index: int, value: Decimal, at: str) -> str:
        """`amount_text(value)` right-aligned in column `index`. A printed amount is already in cents, so
        formatting it rounds nothing and `amount_text`'s rounding is left out."""
        digits = f"{abs(value):,.2f}"
        width = sum(map(self.widths.__getitem__, digits))
        if value < 0:
            x = self.rights[index] - (width + self.parens) * self.size / 1000
            return f"BT {x * self.k:.2f}{at}\\({digits}\\)) Tj ET"
        x = self.rights[index] - width * self.size / 1000
        return f"BT {x * self.k:.2f}{at}{digits}) Tj ET"


class _BoxPages:
    def __init__(self, doc: Document, box: str) -> None:
        self.doc = doc
        self.box = box
        self.part = part_of(box)
        self.running = Totals()
        lefts = [doc.l_margin]
        for _, width, _ in COLUMNS:
            lefts.append(lefts[-1] + width)
        self.lefts = lefts
        self.bottom = doc.h - doc.b_margin
        self._layout: _RowLayout | None = None

    def _at(self, index: int, text: str) -> float:
        """The x where `text` starts in column `index`, by the column's alignment."""
        _, width, right = COLUMNS[index]
        if right is None:
            return self.lefts[index] + (width - self.doc.width_of(text)) / 2
        if right:
            return self.lefts[index] + width - PAD - self.doc.width_of(text)
        return self.lefts[index] + PAD

    def _line(
        self, y: float, cells: list[tuple[int, str]], description: tuple[str, int] | None = None
    ) -> None:
        baseline = y + BASELINE
        # Column (a) first, so text extraction reads the row from left to right.
        items = [] if description is None else [(self.lefts[0] + PAD, baseline, *description)]
        items += [(self._at(index, text), baseline, text, 100) for index, text in cells if text]
        self.doc.put_line(items)

    def heading(self, *, continued: bool) -> None:
        doc = self.doc
        doc.add_page(orientation="L")
        doc.set_font(FONT, "B", 12)
        doc.cell(0, 6, plain(f"Form 8949 (tax year {doc.summary.year}) - {PART_TITLES[self.part]}"))
        doc.ln(6.5)
        doc.set_font(FONT, "B", 9)
        suffix = " (continued)" if continued else ""
        doc.cell(0, 5, plain(f"Box {self.box} checked{suffix}: {BOX_TITLES[self.box]}"))
        doc.ln(6)
        doc.set_font(FONT, "B", 8)
        doc.set_fill_color(*GREY)
        top = doc.get_y()
        doc.rect(doc.l_margin, top, self.lefts[-1] - doc.l_margin, 2 * ROW - 0.4, style="F")
        doc.set_fill_color(0, 0, 0)  # text is painted with the fill colour: back to black
        for line in range(2):
            self._line(
                top + line * (ROW - 1), [(i, titles[line]) for i, (titles, _, _) in enumerate(COLUMNS)]
            )
        doc.set_y(top + 2 * ROW)
        doc.set_font(FONT, "", 8)

    def _totals_line(self, label: str, *, style: str, rule: bool) -> None:
        doc = self.doc
        y = doc.get_y()
        doc.set_font(FONT, style, 8)
        if rule:
            doc.line(doc.l_margin, y, self.lefts[-1], y)
        t = self.running
        amounts = (t.proceeds, t.cost, t.adjustment, t.gain)
        doc.put_line([(self.lefts[0] + PAD, y + BASELINE, plain(label), 100)])
        self._line(y, [(i, amount_text(v)) for i, v in zip(_AMOUNT_COLUMNS, amounts, strict=True)])
        doc.set_y(y + ROW)
        doc.set_font(FONT, "", 8)

    def _row_layout(self) -> _RowLayout:
        doc = self.doc
        font = doc._core_font()
        key = (font.fontkey, doc.font_size, doc.k)
        if self._layout is None or self._layout.key != key:
            self._layout = _RowLayout(key, self.lefts, doc.char_widths())
        return self._layout

    def row(self, row: Form8949Row) -> None:
        """One sale. The same content-stream operators `_line` writes, built as one string: this runs once
        per sale (100k in a large year), where `_line`'s general path took most of the file's time."""
        doc = self.doc
        y = doc.y
        proceeds, cost, adjustment, gain = printed_amounts(row)
        text, scale = doc.condensed(plain(row.description), _DESCRIPTION_WIDTH)
        if not doc.current_font_is_set_on_page:
            doc._out(doc._set_font_for_page(doc._core_font(), doc.font_size_pt))
        lay = self._row_layout()
        at = f" {(doc.h - (y + BASELINE)) * lay.k:.2f} Td ("
        shown = f"{lay.description}{at}{escape_parens(text)}) Tj ET"
        parts = [
            shown if scale == 100 else f"q {scale} Tz {shown} Q",
            f"{lay.acquired}{at}{us_date(row.acquired)}) Tj ET",
            f"{lay.sold}{at}{us_date(row.sold)}) Tj ET",
            lay.amount(3, proceeds, at),
            lay.amount(4, cost, at),
        ]
        code = row.code
        if code:
            parts.append(f"{lay.centred(code)}{at}{escape_parens(code)}) Tj ET")
        if adjustment:
            parts.append(lay.amount(6, adjustment, at))
        parts.append(lay.amount(7, gain, at))
        doc._out(" ".join(parts))
        doc.set_y(y + ROW)
        self.running.add(proceeds, cost, adjustment, gain)

    def draw(self, rows: list[Form8949Row]) -> None:
        self.heading(continued=False)
        for row in rows:
            # Keep room under every row for the line that must follow it: carried forward or the totals.
            if self.doc.get_y() + 2 * ROW > self.bottom:
                self._totals_line(f"Carried forward to next page (box {self.box})", style="I", rule=True)
                self.heading(continued=True)
                self._totals_line(
                    f"Brought forward from previous page (box {self.box})", style="I", rule=False
                )
            self.row(row)
        n = self.running.rows
        label = (
            f"Totals, box {self.box} ({n} row{'s' if n != 1 else ''}) - to Schedule D line "
            f"{schedule_d_line(self.box)}"
        )
        self._totals_line(label, style="B", rule=True)


def form_8949_pages(doc: Document, summary: YearSummary) -> None:
    """Every box's pages, Part I boxes first. Nothing when the year has no sales."""
    doc.set_auto_page_break(False, margin=FOOTER_SPACE)
    try:
        for box, rows in rows_by_box(summary.rows).items():
            _BoxPages(doc, box).draw(rows)
    finally:
        doc.set_auto_page_break(True, margin=FOOTER_SPACE)
