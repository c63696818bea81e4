from __future__ import annotations

import csv
import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from taxes.selectors import RealizedYear, realized_for_year, user_portfolios

CENT = Decimal("0.01")


def exact(value: Decimal) -> str:
    """Exact, unrounded decimal text without an exponent or trailing zeros."""
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text


def cents(value: Decimal) -> str:
    return format(value.quantize(CENT, rounding=ROUND_HALF_UP), "f")


def report_json(report: RealizedYear) -> dict[str, Any]:
    def totals(t: Any) -> dict[str, str]:
        return {
            "proceeds": exact(t.proceeds),
            "cost_basis": exact(t.cost_basis),
            "gain": exact(t.gain),
            "adjustments": exact(t.adjustments),
        }

    return {
        "year": report.year,
        "short_term": totals(report.short_term),
        "long_term": totals(report.long_term),
        "ordinary_income": {
            "total": exact(report.income_total),
            **{k: exact(v) for k, v in report.income_by_kind.items()},
        },
        "disposals": [
            {
                "account": d.account,
                "asset": d.asset,
                "acquired": d.acquired,
                "disposed": d.disposed,
                "quantity": exact(d.quantity),
                "proceeds": exact(d.proceeds),
                "cost_basis": exact(d.cost_basis),
                "adjustment": exact(d.adjustment),
                "gain": exact(d.gain),
                "term": d.term,
            }
            for d in report.disposals
        ],
        "tax_advantaged_accounts": [
            {
                "account": a.account,
                "tax_treatment": a.tax_treatment,
                "disposals": a.disposals,
                "proceeds": exact(a.proceeds),
            }
            for a in report.tax_advantaged
        ],
        "problems": report.problems,
    }


class Command(BaseCommand):
    help = "Print a tax year's realized gains and ordinary income (taxable accounts) as JSON or CSV."

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
        writer = csv.writer(self.stdout, lineterminator="\n")
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
        for d in report.disposals:
            writer.writerow(
                [
                    d.account,
                    d.asset,
                    d.acquired,
                    d.disposed,
                    exact(d.quantity),
                    cents(d.proceeds),
                    cents(d.cost_basis),
                    cents(d.adjustment),
                    cents(d.gain),
                    d.term,
                ]
            )
        for label, t in (("short_term_total", report.short_term), ("long_term_total", report.long_term)):
            writer.writerow(
                [
                    label,
                    "",
                    "",
                    "",
                    "",
                    cents(t.proceeds),
                    cents(t.cost_basis),
                    cents(t.adjustments),
                    cents(t.gain),
                    "",
                ]
            )
        writer.writerow(["ordinary_income_total", "", "", "", "", "", "", "", cents(report.income_total), ""])
