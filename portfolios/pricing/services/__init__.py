"""Writes of PriceQuote rows: upsert with validation, refresh from the APIs (falling back to the bundled
offline history), load the offline history, import a CSV all-or-nothing.

    storing.py           validate quotes against the stored history and write them
    latest.py            refresh the latest price of every asset in use (coins: CoinGecko; securities: Yahoo)
    history.py           backfill the daily history of every asset in use
    offline_fallback.py  the bundled offline history in place of the API, and the demo's prices
    csv_import.py        daily prices from a CSV file, all or nothing
"""

from .csv_import import CSV_COLUMNS, PriceImportError, prices_load_csv
from .history import prices_refresh_history
from .latest import API_DOWN_KEY, API_DOWN_SECONDS, YAHOO_DOWN_KEY, prices_refresh_latest
from .offline_fallback import offline_prices_load
from .storing import WRITE_BATCH, UpsertResult, prices_upsert

__all__ = [
    "API_DOWN_KEY",
    "API_DOWN_SECONDS",
    "CSV_COLUMNS",
    "WRITE_BATCH",
    "YAHOO_DOWN_KEY",
    "PriceImportError",
    "UpsertResult",
    "offline_prices_load",
    "prices_load_csv",
    "prices_refresh_history",
    "prices_refresh_latest",
    "prices_upsert",
]
