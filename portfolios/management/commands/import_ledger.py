from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portfolios.assets import CHOOSABLE_CLASSES
from portfolios.importers import FORMAT_KEYS
from portfolios.importers.text import UnreadableFile, decoded
from portfolios.importing import LedgerImportError, ledger_import
from portfolios.models.ledger import BasisMethod


class Command(BaseCommand):
    help = (
        "Import a Lotwise CSV ledger, or a Coinbase, Kraken, Binance, Koinly, CoinTracker or brokerage export "
        "(detected from its header), for a user. All rows or none are saved; re-importing skips duplicates."
    )
    # The system checks import every URLconf, view and API schema; CI runs them (tests/config runs
    # `manage.py check --deploy`), so this command starts without them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="username")
        parser.add_argument(
            "--portfolio", help="portfolio name (created if new); default: the user's only one"
        )
        parser.add_argument(
            "--basis-method",
            default=BasisMethod.FIFO,
            choices=[m for m in BasisMethod.values if m != BasisMethod.SPECIFIC_ID]
            + [BasisMethod.SPECIFIC_ID],
            help="basis method of accounts the import creates (default fifo)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check everything, save nothing")
        parser.add_argument(
            "--format",
            choices=FORMAT_KEYS,
            help="read the file as this format (default: detect from its header)",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="MEANING=COLUMN",
            help="brokerage CSV: the file's column for date, action, symbol, quantity, price, fees, amount, "
            "account, description or id (repeat; unmapped meanings are found by their usual names)",
        )
        parser.add_argument(
            "--account", help="the account a single-account export goes to (default: the exchange's name)"
        )
        parser.add_argument(
            "--asset-class",
            action="append",
            default=[],
            metavar="SYMBOL=CLASS",
            help="the class of a symbol the import creates, e.g. T=stock (repeat; default: the catalogue's, "
            "or a guess the output flags)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        mapping: dict[str, str] = {}
        for item in options["map"]:
            meaning, sep, column = item.partition("=")
            if not sep or not meaning.strip() or not column.strip():
                raise CommandError(f"--map {item!r}: expected MEANING=COLUMN, e.g. date=Trade Date.")
            mapping[meaning.strip().lower()] = column.strip()
        classes: dict[str, str] = {}
        for item in options["asset_class"]:
            symbol, sep, asset_class = item.partition("=")
            if not sep or asset_class.strip().lower() not in CHOOSABLE_CLASSES or not symbol.strip():
                raise CommandError(
                    f"--asset-class {item!r}: expected SYMBOL=CLASS with CLASS one of {', '.join(CHOOSABLE_CLASSES)}."
                )
            classes[symbol.strip().upper()] = asset_class.strip().lower()
        try:
            summary = ledger_import(
                user=user,
                file=io.StringIO(decoded(path.read_bytes())),
                portfolio_name=options["portfolio"],
                basis_method=options["basis_method"],
                dry_run=options["dry_run"],
                source_format=options["format"],
                mapping=mapping or None,
                account=options["account"],
                asset_classes=classes or None,
            )
        except (LedgerImportError, UnreadableFile) as exc:
            for error in exc.errors:
                self.stderr.write(f"{path}: {error}")
            raise CommandError(f"Import rejected: {len(exc.errors)} problem(s); nothing was saved.") from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if summary.source_rows is not None:
            self.stdout.write(
                f"Read as {summary.source_label}: {summary.source_rows} row(s) made {summary.rows} ledger row(s)."
            )
            for line, reason in summary.skipped:
                self.stdout.write(f"{path}: line {line} left out: {reason}")
        verb = "Would import" if summary.dry_run else "Imported"
        self.stdout.write(
            f"{verb} {summary.created} transaction(s) into portfolio {summary.portfolio.name!r}; "
            f"{summary.duplicates} duplicate(s) skipped of {summary.rows} row(s)."
        )
        if summary.accounts_created:
            self.stdout.write(
                "Accounts created (taxable, "
                + options["basis_method"]
                + "): "
                + ", ".join(summary.accounts_created)
            )
        if summary.new_assets:
            self.stdout.write(
                "Assets created: "
                + ", ".join(f"{new.symbol} ({new.asset_class})" for new in summary.new_assets)
            )
            for new in summary.new_assets:
                if new.note:
                    self.stdout.write(f"  {new.symbol}: {new.asset_class}, {new.note}")
        if summary.recompute:
            self.stdout.write(f"Open lots: {summary.recompute.lots}.")
