from __future__ import annotations

import csv
import json
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portfolios.decimals import cents, csv_row, exact_sum, exact_text
from taxes.selectors import RealizedYear, realized_for_year, user_portfolios


def report_json(report: RealizedYear) -> dict[str, Any]:
    def totals(t: Any) -> dict[str, str]:
        return {
            "proceeds": exact_text(t.proceeds),
            "cost_basis": exact_text(t.cost_basis),
            "gain": exact_text(t.gain),
            "adjustments": exact_text(t.adjustments),
        }

    return {
        "year": report.year,
        "short_term": totals(report.short_term),
        "long_term": totals(report.long_term),
        "ordinary_income": {
            "total": exact_text(report.income_total),
            **{k: exact_text(v) for k, v in report.income_by_kind.items()},
        },
        "disposals": [
            {
                "account": d.account,
                "asset": d.asset,
                "acquired": d.acquired,
                "disposed": d.disposed,
                "quantity": exact_text(d.quantity),
                "proceeds": exact_text(d.proceeds),
                "cost_basis": exact_text(d.cost_basis),
                "adjustment": exact_text(d.adjustment),
                "gain": exact_text(d.gain),
                "term": d.term,
            }
            for d in report.disposals
        ],
        "tax_advantaged_accounts": [
            {
                "account": a.account,
                "tax_treatment": a.tax_treatment,
                "disposals": a.disposals,
                "proceeds": exact_text(a.proceeds),
            }
            for a in report.tax_advantaged
        ],
        "distributions": [
            {
                "kind": r.kind,
                "account": r.account,
                "tax_treatment": r.tax_treatment,
                "asset": r.asset,
                "date": r.date,
                "quantity": exact_text(r.quantity),
                "value": exact_text(r.value),
            }
            for r in report.distributions
        ],
        "problems": report.problems,
    }


class Command(BaseCommand):
    help = "Print a tax year's realized gains and ordinary income (taxable accounts) as JSON or CSV."
    # The system checks import every URLconf, view and API schema; CI runs them (tests/config runs
    # `manage.py check --deploy`), so this command starts without them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True)
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument(
            "--portfolio", help="one portfolio by name; default: all of the user's portfolios"
        )
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        portfolios = user_portfolios(user=user, name=options["portfolio"])
        if not portfolios:
            raise CommandError(
                f"No portfolio {options['portfolio']!r} for {user.username}."
                if options["portfolio"]
                else f"{user.username} has no portfolio."
            )
        report = realized_for_year(portfolios=portfolios, year=options["year"])
        for problem in report.problems:
            self.stderr.write(f"warning: {problem}")
        if options["format"] == "json":
            self.stdout.write(json.dumps(report_json(report), indent=2))
            return
        write_csv(report, self.stdout)


def write_csv(report: RealizedYear, out: Any) -> None:
    """One row per disposal rounded to cents, its gain the printed proceeds less the printed basis plus the
    adjustment (as Form 8949's column (h)); each total is the sum of the printed rows, never the rounded
    exact total, so the file adds up. The JSON keeps the exact figures."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "account",
            "asset",
            "acquired",
            "disposed",
            "quantity",
            "proceeds",
            "cost_basis",
            "adjustment",
            "gain",
            "term",
        ]
    )
    printed: dict[str, list[tuple[Decimal, Decimal, Decimal, Decimal]]] = {"short": [], "long": []}
    for d in report.disposals:
        proceeds, basis, adjustment = cents(d.proceeds), cents(d.cost_basis), cents(d.adjustment)
        row = (proceeds, basis, adjustment, proceeds - basis + adjustment)
        printed["long" if d.term == "long" else "short"].append(row)
        writer.writerow(
            csv_row(
                [d.account, d.asset, d.acquired, d.disposed, exact_text(d.quantity), *map(str, row), d.term]
            )
        )
    for label, term in (("short_term_total", "short"), ("long_term_total", "long")):
        rows = printed[term]
        sums = [exact_sum(r[i] for r in rows) for i in range(4)]
        writer.writerow([label, "", "", "", "", *(format(cents(v), "f") for v in sums), ""])
    income_rows = {kind: cents(value) for kind, value in report.income_by_kind.items()}
    for kind, value in income_rows.items():
        writer.writerow([f"income_{kind}", "", "", "", "", "", "", "", str(value), ""])
    writer.writerow(
        ["ordinary_income_total", "", "", "", "", "", "", "", str(cents(exact_sum(income_rows.values()))), ""]
    )
    for r in report.distributions:
        writer.writerow(
            csv_row(
                [
                    r.account,
                    r.asset,
                    "",
                    r.date,
                    exact_text(r.quantity),
                    str(cents(r.value)),
                    "",
                    "",
                    "",
                    r.kind,
                ]
            )
        )
