from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portfolios.backup import account_export


class Command(BaseCommand):
    help = (
        "Write a user's whole account (portfolios, accounts, ledger, targets, policies, tax profiles, entered "
        "prices) as one JSON file that restore_account reads."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="username")
        parser.add_argument("--out", type=Path, help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        text = json.dumps(account_export(user=user), indent=1, ensure_ascii=False)
        out: Path | None = options["out"]
        if out is None:
            self.stdout.write(text)
            return
        try:
            out.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc}") from exc
        self.stdout.write(f"Exported the account of {user.username} to {out}.")
