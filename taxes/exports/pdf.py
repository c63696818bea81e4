"""The year summary as a printable PDF (fpdf2, US Letter, Helvetica 8-15 pt).

Pages, in order:
1. Cover: year, owner, scope, generated and computed times, Lotwise version; short- and long-term totals
   (proceeds, cost, adjustment, gain); Schedule D lines 7, 15, 16, 21 and the carryforward; the estimate,
   headed "Estimate - not tax advice", with the marginal rates; basis methods, price sources, notes.
2. Schedule D: each box's totals and its line, lines 6, 7, 14, 15, 16, 21, the carryforward and its source.
3. Form 8949, landscape, box by box, continued across pages with carried totals (see `pdf_8949`).
4. Ordinary income by kind and by month; donations and gifts; distributions and Roth conversions; the
   capital loss carryforward.

The metadata (version, times, basis methods, price sources) is on the cover and in every page's footer
(version, year, generated time). Money is rounded to cents per line and every total is the sum of the lines
printed above it, so the PDF adds up by hand. Text is latin-1 (core font): typographic quotes and dashes in
names and notes are spelled in ASCII.
"""

from __future__ import annotations

from decimal import Decimal

from portfolios.decimals import exact_text
from taxes.exports.common import (
    BOX_BRIEF,
    ESTIMATE_LABEL,
    PART_NAMES,
    basis_method_lines,
    part_of,
    percent,
    printed_sum,
    scope,
    timestamp,
    totals_by_box,
    totals_by_part,
    us_date,
)
from taxes.exports.pdf_8949 import form_8949_pages
from taxes.exports.pdf_layout import Column, Document, amount_text
from taxes.rules import schedule_d_line
from taxes.summary.types import Totals, YearSummary

CONTENT_TYPE = "application/pdf"
STATUS_NAMES = {
    "single": "Single",
    "mfj": "Married filing jointly",
    "mfs": "Married filing separately",
    "hoh": "Head of household",
}


def _loss_in(value: Decimal) -> str:
    """A carryover into the year, entered in parentheses on Schedule D lines 6 and 14."""
    return amount_text(-value)


def _cover(doc: Document, s: YearSummary, by_box: dict[str, Totals]) -> None:
    doc.add_page()
    doc.h1(f"Tax year {s.year} - year-end tax summary")
    doc.para(f"Owner: {s.owner}. Covers {scope(s)}.")
    doc.para(
        f"Generated {timestamp(s.generated_at)} by Lotwise {s.version}; ledger computed "
        f"{timestamp(s.computed_at)}. Taxable accounts only."
    )

    doc.h2("Capital gains and losses (Form 8949 totals, sums of the printed rows)")
    parts = totals_by_part(by_box)
    columns = [
        Column("", 52),
        Column("Rows", 16, "R"),
        Column("(d) Proceeds", 30, "R"),
        Column("(e) Cost or basis", 30, "R"),
        Column("(g) Adjustment", 28, "R"),
        Column("(h) Gain or (loss)", 30, "R"),
    ]
    rows = []
    for part, label in (("short", "Short-term (Part I)"), ("long", "Long-term (Part II)")):
        t = parts[part]
        rows.append(
            [
                label,
                str(t.rows),
                amount_text(t.proceeds),
                amount_text(t.cost),
                amount_text(t.adjustment),
                amount_text(t.gain),
            ]
        )
    short, long = parts["short"], parts["long"]
    total = [
        "Total",
        str(short.rows + long.rows),
        amount_text(short.proceeds + long.proceeds),
        amount_text(short.cost + long.cost),
        amount_text(short.adjustment + long.adjustment),
        amount_text(short.gain + long.gain),
    ]
    doc.grid(columns, rows, total=total)

    sched = s.schedule_d
    doc.h2("Schedule D")
    doc.pairs(
        [
            ("Line 6: short-term loss carried in", _loss_in(sched.carryover_in.short_term)),
            ("Line 7: net short-term gain or (loss)", amount_text(sched.line_7)),
            ("Line 14: long-term loss carried in", _loss_in(sched.carryover_in.long_term)),
            ("Line 15: net long-term gain or (loss)", amount_text(sched.line_15)),
            ("Line 16: lines 7 and 15 combined", amount_text(sched.line_16)),
            ("Line 21: loss allowed this year", amount_text(sched.line_21)),
            (f"Short-term loss carried forward to {s.year + 1}", amount_text(sched.carryover_out.short_term)),
            (f"Long-term loss carried forward to {s.year + 1}", amount_text(sched.carryover_out.long_term)),
        ],
        label_width=80,
    )
    _estimate(doc, s)
    _provenance(doc, s)


def _estimate(doc: Document, s: YearSummary) -> None:
    e = s.estimate
    doc.h2(ESTIMATE_LABEL)
    status = STATUS_NAMES.get(s.profile.filing_status, s.profile.filing_status)
    if s.profile.assumed:
        status += " (assumed: no tax profile for the year)"
    doc.para(
        f"A rough federal and state estimate from the {s.year} tables and your tax profile ({status}). It is not "
        "tax advice and not your return: use it to plan, and let your tax software or accountant decide.",
        style="I",
    )
    federal = [e.ordinary_tax, e.capital_gains_tax, e.niit]
    federal_total = printed_sum(federal)
    state = printed_sum([s.state_estimate])
    state_label = f"State estimate ({s.profile.state or 'no state'} at {percent(s.profile.state_rate)})"
    doc.pairs(
        [
            ("Taxable income (federal)", amount_text(e.taxable_income)),
            ("Ordinary income tax", amount_text(e.ordinary_tax)),
            ("Capital gains tax (0/15/20%)", amount_text(e.capital_gains_tax)),
            ("Net investment income tax", amount_text(e.niit)),
            ("Federal estimate", amount_text(federal_total)),
            (state_label, amount_text(state)),
            ("Total estimate", amount_text(federal_total + state)),
            ("Marginal rate, ordinary income", percent(e.marginal_ordinary_rate)),
            ("Marginal rate, long-term gains", percent(e.marginal_long_term_rate)),
            ("Marginal NIIT rate", percent(e.marginal_niit_rate)),
        ],
        label_width=80,
    )


def _provenance(doc: Document, s: YearSummary) -> None:
    doc.h2("How this report was made")
    methods = basis_method_lines(s) or ["no accounts"]
    doc.para("Basis methods: " + "; ".join(methods) + ".")
    doc.para("Price sources: " + "; ".join(s.price_sources or ["none"]) + ".")
    doc.para(f"Capital loss carryover into {s.year}: {s.carryover_source}.")
    for note in s.notes:
        doc.para(f"Note: {note}")
    for problem in s.problems:
        doc.para(f"Problem: {problem}", style="B")


def _schedule_d(doc: Document, s: YearSummary, by_box: dict[str, Totals]) -> None:
    doc.add_page()
    doc.h1(f"Schedule D (Form 1040), tax year {s.year}")
    if s.portfolio is not None:
        doc.para(
            "The box totals below are this portfolio view's rows; lines 6 to 21 and the carryforward are the "
            "whole return's.",
            style="I",
        )
    columns = [
        Column("Line", 11),
        Column("Form 8949 box", 65),
        Column("Rows", 13, "R"),
        Column("(d) Proceeds", 25, "R"),
        Column("(e) Cost", 25, "R"),
        Column("(g) Adjustment", 23, "R"),
        Column("(h) Gain or (loss)", 25, "R"),
    ]
    rows = [
        [
            schedule_d_line(box),
            f"{box} (Part {PART_NAMES[part_of(box)]}, {part_of(box)}-term): {BOX_BRIEF[box]}",
            str(t.rows),
            amount_text(t.proceeds),
            amount_text(t.cost),
            amount_text(t.adjustment),
            amount_text(t.gain),
        ]
        for box, t in by_box.items()
    ]
    doc.grid(columns, rows, empty="No sales in taxable accounts this year.")
    sched = s.schedule_d
    doc.h2("Net gain or loss")
    doc.pairs(
        [
            ("Line 6: short-term capital loss carryover", _loss_in(sched.carryover_in.short_term)),
            ("Line 7: net short-term capital gain or (loss)", amount_text(sched.line_7)),
            ("Line 14: long-term capital loss carryover", _loss_in(sched.carryover_in.long_term)),
            ("Line 15: net long-term capital gain or (loss)", amount_text(sched.line_15)),
            ("Line 16: lines 7 and 15 combined", amount_text(sched.line_16)),
            ("Line 21: capital loss allowed this year", amount_text(sched.line_21)),
        ],
        label_width=90,
    )
    doc.para(f"Carryover into {s.year} from: {s.carryover_source}.", size=8)


def _income(doc: Document, s: YearSummary) -> None:
    doc.add_page()
    doc.h1(f"Income, gifts and distributions, tax year {s.year}")
    doc.h2("Ordinary income by kind (staking, lending, airdrops, mining, interest)")
    kinds = [[kind.replace("_", " ").capitalize(), amount_text(v)] for kind, v in s.income_by_kind.items()]
    kind_total = printed_sum(s.income_by_kind.values())
    doc.grid(
        [Column("Kind", 60), Column("Fair value", 35, "R")], kinds, total=["Total", amount_text(kind_total)]
    )
    doc.h2("Ordinary income by month")
    months = [[month, amount_text(v)] for month, v in s.income_by_month.items()]
    month_total = printed_sum(s.income_by_month.values())
    doc.grid(
        [Column("Month", 60), Column("Fair value", 35, "R")],
        months,
        total=["Total", amount_text(month_total)],
    )
    doc.para(
        f"Of which investment income (interest, lending) for NIIT: {amount_text(s.investment_income)}.",
        size=8,
    )

    doc.h2("Donations and gifts sent")
    columns = [
        Column("Date", 20),
        Column("Kind", 18),
        Column("Account", 34),
        Column("Asset", 16),
        Column("Quantity", 25, "R"),
        Column("Term", 11),
        Column("Basis", 21, "R"),
        Column("Fair value", 21, "R"),
        Column("Deduction", 21, "R"),
    ]
    given = [
        [
            us_date(g.date),
            "Donation" if g.kind == "donation" else "Gift sent",
            g.account,
            g.asset,
            exact_text(g.quantity),
            g.term,
            amount_text(g.basis),
            amount_text(g.fair_value),
            amount_text(g.deduction) if g.kind == "donation" else "",
        ]
        for g in s.given_away
    ]
    deduction = printed_sum(g.deduction for g in s.given_away if g.kind == "donation")
    doc.grid(columns, given, total=["Total deduction", "", "", "", "", "", "", "", amount_text(deduction)])
    doc.para(
        "A donation held long-term deducts its fair value, else the lesser of basis and fair value; a gift "
        "sent is not deductible and passes its basis to the recipient.",
        size=8,
    )

    doc.h2("Distributions and Roth conversions (tax-advantaged accounts)")
    columns = [
        Column("Date", 22),
        Column("Kind", 26),
        Column("Account", 50),
        Column("Asset", 20),
        Column("Quantity", 34, "R"),
        Column("Fair value", 30, "R"),
    ]
    moved = [
        [
            us_date(m.date),
            m.kind.replace("_", " ").capitalize(),
            m.account,
            m.asset,
            exact_text(m.quantity),
            amount_text(m.value),
        ]
        for m in s.moved_out
    ]
    conversions = printed_sum(m.value for m in s.moved_out if m.kind == "conversion")
    doc.grid(columns, moved, total=["Conversions", "", "", "", "", amount_text(conversions)])
    doc.para(
        "Roth conversions are ordinary income at the fair value converted (counted in the estimate); "
        "distributions into taxable accounts are listed for reconciliation with Form 1099-R.",
        size=8,
    )

    sched = s.schedule_d
    doc.h2(f"Capital loss carryforward to {s.year + 1}")
    doc.pairs(
        [
            (f"Carried into {s.year}, short-term", amount_text(sched.carryover_in.short_term)),
            (f"Carried into {s.year}, long-term", amount_text(sched.carryover_in.long_term)),
            (f"Carried forward to {s.year + 1}, short-term", amount_text(sched.carryover_out.short_term)),
            (f"Carried forward to {s.year + 1}, long-term", amount_text(sched.carryover_out.long_term)),
        ],
        label_width=80,
    )
    doc.para(f"Source of the carryover into {s.year}: {s.carryover_source}.", size=8)


def render_pdf(summary: YearSummary) -> bytes:
    doc = Document(summary)
    by_box = totals_by_box(summary.rows)
    _cover(doc, summary, by_box)
    _schedule_d(doc, summary, by_box)
    form_8949_pages(doc, summary)
    _income(doc, summary)
    return bytes(doc.output())
