"""The class an import gives a symbol it has to create."""

from __future__ import annotations

from portfolios.models.ledger import AssetClass


def asset_class_guess(symbol: str, *, source: str = "lotwise") -> str:
    """Every importer asks here, and only here, so a catalogue of known symbols can replace this guess.

    Until it does, a new symbol is crypto, as a Lotwise CSV import has always made it; `source` (the file's
    format) lets a catalogue prefer a security for a brokerage file.
    """
    return str(AssetClass.CRYPTO)
