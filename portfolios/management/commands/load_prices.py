from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from portfolios.pricing.services import PriceImportError, offline_prices_load, prices_load_csv


class Command(BaseCommand):
    help = (
        "Import daily USD prices from a CSV (header date,asset,price; all or nothing), or with --demo load "
        "the bundled synthetic offline history of the demo assets."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="CSV file with columns date,asset,price.")
        parser.add_argument(
            "--demo", action="store_true", help="Load the bundled synthetic demo history instead of a file."
        )
        parser.add_argument("--until", type=date.fromisoformat, help="With --demo: last day (default today).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = options["file"]
        if options["demo"] == (path is not None):
            raise CommandError("Give either a CSV file or --demo.")
        if path is None:
            until = options["until"] or timezone.now().date()
            result = offline_prices_load(until=until)
            self.stdout.write(self.style.WARNING(result.notice))
        else:
            try:
                with path.open(encoding="utf-8-sig", newline="") as handle:
                    result = prices_load_csv(file=handle)
            except OSError as exc:
                raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
            except UnicodeDecodeError as exc:
                raise CommandError(f"{path} is not UTF-8 text ({exc.reason}).") from exc
            except PriceImportError as exc:
                for line, field, message in exc.errors:
                    self.stderr.write(f"line {line}, {field}: {message}")
                raise CommandError(f"{path}: {exc}", returncode=1) from exc
        self.stdout.write(
            f"{result.created} created, {result.updated} updated, {len(result.refused)} refused."
        )
