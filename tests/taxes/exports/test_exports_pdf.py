"""The PDF: its extracted text shows the same totals as the summary, boxes run over pages with carried totals."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

from exports_kit import D, Extras, pdf_money, row, summary
from pypdf import PdfReader

from taxes import rules
from taxes.exports import render
from taxes.summary.types import GivenAway, MovedOut, YearSummary

AMOUNT = r"(\(?[\d,]+\.\d\d\)?)"


def pages_of(s: YearSummary) -> list[str]:
    reader = PdfReader(io.BytesIO(render(s, "pdf").content))
    return [page.extract_text() for page in reader.pages]


def amounts(text: str, label: str) -> list[str]:
    match = re.search(re.escape(label) + r"\s+" + r"\s+".join([AMOUNT] * 4), text)
    assert match, f"{label!r} not found"
    return list(match.groups())


def printed(t) -> list[str]:  # type: ignore[no-untyped-def]
    return [pdf_money(t.proceeds), pdf_money(t.cost), pdf_money(t.adjustment), pdf_money(t.gain)]


def rate(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def mixed_summary() -> YearSummary:
    return summary(
        [
            row("A", "0.5 BTC", "100.005", "50.004"),
            row("A", "2 VTI", "200.125", "210.555", "10.43"),
            row("C", "1 DOGE", "1234.565", "2500"),
            row("D", "3 ETH", "10000", "400.5", acquired=date(2020, 1, 1)),
            row("I", "4 SOL", "10", "20"),
        ],
        carryover=rules.Carryover(D(700), D(0)),
    )


def test_box_totals_in_the_pdf_equal_the_summary_printed_totals() -> None:
    s = mixed_summary()
    text = "\n".join(pages_of(s))
    for b in s.boxes:
        n = b.printed.rows
        label = (
            f"Totals, box {b.box} ({n} row{'s' if n != 1 else ''}) - to Schedule D line {b.schedule_d_line}"
        )
        assert amounts(text, label) == printed(b.printed)
    assert "(1,265.43)" in text  # box C's loss in parentheses, thousands separated


def test_cover_shows_part_totals_schedule_d_and_the_estimate() -> None:
    s = mixed_summary()
    cover = pages_of(s)[0]
    short = [b.printed for b in s.boxes if b.part == "short"]
    long = [b.printed for b in s.boxes if b.part == "long"]

    def part(ts) -> list[str]:  # type: ignore[no-untyped-def]
        fields = ("proceeds", "cost", "adjustment", "gain")
        return [pdf_money(sum((getattr(t, f) for t in ts), Decimal(0))) for f in fields]

    assert amounts(cover, "Short-term (Part I) 4") == part(short)
    assert amounts(cover, "Long-term (Part II) 1") == part(long)
    sched = s.schedule_d
    assert "Line 6: short-term loss carried in (700.00)" in cover
    assert f"Line 7: net short-term gain or (loss) {pdf_money(sched.line_7)}" in cover
    assert f"Line 15: net long-term gain or (loss) {pdf_money(sched.line_15)}" in cover
    assert f"Line 16: lines 7 and 15 combined {pdf_money(sched.line_16)}" in cover
    assert f"Line 21: loss allowed this year {pdf_money(sched.line_21)}" in cover
    assert "Estimate - not tax advice" in cover
    e = s.estimate
    assert f"Ordinary income tax {pdf_money(e.ordinary_tax)}" in cover
    assert f"Federal estimate {pdf_money(e.ordinary_tax + e.capital_gains_tax + e.niit)}" in cover
    assert f"Marginal rate, ordinary income {rate(e.marginal_ordinary_rate)}" in cover
    assert f"Marginal rate, long-term gains {rate(e.marginal_long_term_rate)}" in cover
    assert f"Marginal NIIT rate {rate(e.marginal_niit_rate)}" in cover
    for part_text in (
        "Lotwise 9.8.7",
        "Generated 2026-02-03T04:05:06Z",
        "ledger computed 2026-02-01T09:30:00Z",
        "Basis methods: Exchange: FIFO; Broker: HIFO.",
        "Price sources: ledger unit prices (fair values as recorded); coingecko.",
        'Note: A note with "quotes" - and x signs.',  # typographic marks spelled in latin-1
    ):
        assert part_text in cover


def test_schedule_d_page_lists_each_box_line() -> None:
    s = mixed_summary()
    page = pages_of(s)[1]
    assert page.startswith("Schedule D (Form 1040), tax year 2025")
    for b in s.boxes:
        assert f"{b.schedule_d_line} {b.box} (Part " in page
        assert " ".join([str(b.printed.rows), *printed(b.printed)]) in page
    assert "Line 6: short-term capital loss carryover (700.00)" in page


def test_a_box_over_several_pages_carries_its_totals() -> None:
    rows = [row("C", f"{i} TOK{i:03d}", f"{1000 + i * 7.13:.3f}", f"{900 + i * 3.3:.3f}") for i in range(120)]
    rows[7] = row("C", "7 TOK007", "950", "1000.005", "50.005")
    s = summary(rows)
    pages = [p for p in pages_of(s) if "Box C checked" in p]
    assert len(pages) >= 3
    seen: list = []
    carried: list[str] = []
    for number, page in enumerate(pages):
        on_page = [r for r in rows if re.search(rf"^{re.escape(r.description)} ", page, re.M)]
        assert on_page, "every page of the box prints rows"
        if number:
            assert "Box C checked (continued)" in page
            brought = amounts(page, "Brought forward from previous page (box C)")
            assert brought == carried
        seen += on_page
        t = _running(seen)
        if number < len(pages) - 1:
            carried = amounts(page, "Carried forward to next page (box C)")
            assert carried == t
        else:
            assert amounts(page, "Totals, box C (120 rows) - to Schedule D line 3") == t
            assert t == printed(s.boxes[0].printed)
    assert [r.description for r in seen] == [r.description for r in rows]


def _running(rows) -> list[str]:  # type: ignore[no-untyped-def]
    sums = [Decimal(0)] * 4
    for r in rows:
        for i, v in enumerate((r.printed_proceeds, r.printed_cost, r.printed_adjustment, r.printed_gain)):
            sums[i] += v
    return [pdf_money(v) for v in sums]


def test_income_gifts_distributions_and_carryforward_pages() -> None:
    extras = Extras(
        given_away=[
            GivenAway(
                "donation", date(2025, 3, 1), "Exchange", "BTC", D("0.1"), D(1000), D(5000), "long", D(5000)
            ),
            GivenAway(
                "gift_sent", date(2025, 4, 1), "Exchange", "ETH", D(1), D(1500), D(3000), "short", D(0)
            ),
        ],
        moved_out=[
            MovedOut("conversion", date(2025, 5, 1), "Trad IRA", "VTI", D(10), D("2500.555")),
            MovedOut("distribution", date(2025, 6, 1), "Roth IRA", "VTI", D(1), D(250)),
        ],
        income_by_kind={"staking": D("123.456"), "interest": D("10.004")},
        income_by_month={"2025-01": D("100.005"), "2025-02": D("33.455")},
    )
    s = summary([row("C", "1 X", "1", "5000")], extras=extras, carryover=rules.Carryover(D(100), D(200)))
    text = pages_of(s)[-1]
    assert "Staking 123.46" in text
    assert "Interest 10.00" in text
    assert "Total 133.46" in text  # 123.46 + 10.00, the printed lines
    assert "2025-01 100.01" in text
    assert "2025-02 33.46" in text
    assert "Total 133.47" in text
    assert "03/01/2025 Donation Exchange BTC 0.1 long 1,000.00 5,000.00 5,000.00" in text
    assert "Total deduction 5,000.00" in text
    assert "05/01/2025 Conversion Trad IRA VTI 10 2,500.56" in text
    assert "Conversions 2,500.56" in text
    out = s.schedule_d.carryover_out
    assert f"Carried forward to 2026, short-term {pdf_money(out.short_term)}" in text
    assert f"Carried forward to 2026, long-term {pdf_money(out.long_term)}" in text


def test_text_outside_latin_1_does_not_break_the_pdf() -> None:
    s = summary(
        [row("A", "1 \u4ee5\u592a\u574a", "1", "1")],
        owner="\u00e9milie \u2014 \u201cchief\u201d",
        basis_methods={"\u4ea4\u6613\u6240 \u00d7": "FIFO"},
    )
    text = "\n".join(pages_of(s))
    assert 'Owner: \u00e9milie - "chief".' in text
    assert "1 ??? " in text
    assert "Basis methods: ??? x: FIFO." in text


def test_an_assumed_profile_is_said_on_the_cover() -> None:
    from dataclasses import replace

    s = mixed_summary()
    s.profile = replace(s.profile, assumed=True)
    assert "(assumed: no tax profile for the year)" in pages_of(s)[0]


def test_a_long_description_is_condensed_not_cut() -> None:
    """An 18-decimal quantity of a long-named asset keeps every digit in column (a)."""
    description = "123456789012345678901.123456789012345678 ABCDEFGHIJKLMNOPQRST"
    s = summary([row("A", description, "1", "1", quantity="1")])
    page = next(p for p in pages_of(s) if "Box A checked" in p)
    assert re.search(rf"^{re.escape(description)}\s*01/10/2025 06/20/2025 1.00 1.00 0.00$", page, re.M)
