"""The class an import gives a symbol it has to create, from the bundled catalogue."""

from __future__ import annotations

from portfolios import catalogue
from portfolios.models.ledger import AssetClass

# Files of these formats hold securities: a ticker the catalogue lists both as a coin and as a security
# (T: AT&T and Threshold Network) is the security there, and an unknown one is most likely a stock.
SECURITY_FORMATS = frozenset({"brokerage"})
# Exchange and crypto-tax-tool exports: an ambiguous ticker is the coin.
DIGITAL_FORMATS = frozenset(
    {"coinbase", "kraken", "binance", "koinly", "koinly-export", "cointracker", "cointracker-export"}
)
UNKNOWN_NOTE = "not in the catalogue — check its class"


def asset_class_guess(symbol: str, *, source: str = "lotwise") -> str:
    """Every importer asks here, and only here, which class a new symbol gets.

    A symbol the catalogue lists under one class gets that class. One it lists under several gets the
    security in a brokerage file and the coin elsewhere (an exchange export, or a Lotwise CSV, whose
    rows are crypto more often than not; the preview flags it either way). An unknown symbol gets the
    likeliest class for the file's kind and is flagged for the owner to check: see `asset_note`.
    """
    found = catalogue.lookup(symbol)
    security = source in SECURITY_FORMATS
    if len(found) == 1:
        return found[0].asset_class
    if found:
        preferred = [e for e in found if e.is_digital != security]
        return (preferred or found)[0].asset_class
    return str(AssetClass.STOCK if security else AssetClass.CRYPTO)


def asset_note(symbol: str, asset_class: str) -> str:
    """Why the owner should check the class a new asset was given ("" when the catalogue settles it)."""
    found = catalogue.lookup(symbol)
    if not found:
        return UNKNOWN_NOTE
    others = sorted({e.asset_class for e in found if e.asset_class != asset_class})
    if len(others) == len(found):
        return f"the catalogue lists it as {' and '.join(others)} — check its class"
    if others:
        return f"also listed as {' and '.join(others)} — check its class"
    return ""
