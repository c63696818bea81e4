"""manage.py propose --user U --portfolio NAME [--contribution X] --format json"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portfolios.models import Portfolio, User
from rebalancing.selectors import proposal_json
from rebalancing.services import proposal_create


class Command(BaseCommand):
    help = "Make a rebalancing proposal for a portfolio (it supersedes the pending one) and print it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="username")
        parser.add_argument("--portfolio", required=True, help="portfolio name")
        parser.add_argument("--contribution", default="0", help="USD to invest (negative: to withdraw)")
        parser.add_argument("--format", choices=["json"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            amount = Decimal(options["contribution"])
        except InvalidOperation as exc:
            raise CommandError(f"--contribution is not a number: {options['contribution']!r}") from exc
        if not amount.is_finite():
            raise CommandError("--contribution must be a finite number")
        portfolio = (
            Portfolio.objects.filter(owner__username=options["user"], name=options["portfolio"])
            .select_related("owner")
            .first()
        )
        if portfolio is None:
            if not User.objects.filter(username=options["user"]).exists():
                raise CommandError(f"No user {options['user']!r}.")
            raise CommandError(f"{options['user']} has no portfolio named {options['portfolio']!r}.")
        try:
            proposal = proposal_create(portfolio=portfolio, contribution=amount)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(json.dumps(proposal_json(proposal), indent=2))
