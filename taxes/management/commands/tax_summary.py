"""manage.py tax_summary: the year-end tax summary as a file (the same files the Taxes page offers)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portfolios.models import Portfolio
from taxes import rules
from taxes.exports import FORMATS
from taxes.exports import render as render_export
from taxes.summary import year_summary


class Command(BaseCommand):
    help = (
        "Write a tax year's summary for all of a user's portfolios (one return): Form 8949 rows, Schedule D, "
        "income, gifts, distributions and an estimate, as JSON, CSV, PDF or TXF."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True)
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--portfolio", help="a view of one portfolio by name (the return covers all)")
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("--out", help="file to write; default: standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        portfolio = None
        if options["portfolio"]:
            portfolio = Portfolio.objects.filter(owner=user, name=options["portfolio"]).first()
            if portfolio is None:
                raise CommandError(f"No portfolio {options['portfolio']!r} for {user.username}.")
        try:
            summary = year_summary(owner=user, year=options["year"], portfolio=portfolio)
        except rules.TaxRulesError as exc:
            raise CommandError(str(exc)) from exc
        for problem in summary.problems:
            self.stderr.write(f"warning: {problem}")
        out = render_export(summary, options["format"])
        if getattr(out, "warning", ""):
            self.stderr.write(f"note: {out.warning}")
        if options["out"]:
            Path(options["out"]).write_bytes(out.content)
            self.stderr.write(f"Wrote {options['out']} ({len(out.content)} bytes).")
        elif out.content_type.startswith("application/pdf"):
            sys.stdout.buffer.write(out.content)
        else:
            self.stdout.write(out.content.decode("utf-8"), ending="")
