"""Helpers for the importer tests: the synthetic sample files and a compact view of converted rows."""

from __future__ import annotations

from pathlib import Path

from portfolios.importers import Conversion, LedgerRow, convert

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def converted(name: str, **options: object) -> Conversion:
    result = convert(sample(name), **options)  # type: ignore[arg-type]
    assert result is not None, f"{name} was not recognised"
    return result


def brief(row: LedgerRow) -> tuple[str, ...]:
    """type, account, asset, quantity, unit price, fee, counter asset, counter quantity, destination."""
    v = row.values()
    keys = ("type", "account", "asset", "quantity", "unit_price", "fee", "counter_asset", "counter_quantity")
    return (*(v[k] for k in keys), v["to_account"])


def errors_at(conversion: Conversion) -> list[tuple[int, str]]:
    return [(e.line, e.field) for e in conversion.errors]
