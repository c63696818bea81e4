from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portfolios.backup import RestoreError, account_restore, read_export


class Command(BaseCommand):
    help = "Restore an export_account file into a user's empty account: all of it or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        try:
            summary = account_restore(user=user, data=read_export(path.read_bytes()))
        except RestoreError as exc:
            raise CommandError(f"{path}: nothing was restored: {exc}") from exc
        self.stdout.write(f"Restored {summary} for {user.username}.")
