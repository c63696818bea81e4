"""Importers for the files people have: exchange, tax-tool and brokerage exports turned into Lotwise ledger
rows, which the Lotwise CSV importer then checks and writes like any other."""

from .assets import asset_class_guess
from .common import Conversion, LedgerRow, LineError, Source
from .detect import FORMAT_KEYS, FORMATS, convert, detect, mapping_columns

__all__ = [
    "FORMATS",
    "FORMAT_KEYS",
    "Conversion",
    "LedgerRow",
    "LineError",
    "Source",
    "asset_class_guess",
    "convert",
    "detect",
    "mapping_columns",
]
