"""Portfolio snapshots: what the dashboard reads instead of the ledger (schema: portfolios/SNAPSHOT_SCHEMA.md).

A snapshot is computed from stored rows only: open TaxLots (the engine runs here only when LedgerStatus
says the lots were never computed), the latest prices, IncomeRecords and the Target. The daily ValuePoint
history is brought up to date in the same transaction, from the first day that can have changed: its last
stored day while the ledger is unchanged, the day a ledger change noted for it (history.py, changes.py), the
day past prices changed (`history_from`); from its first day only when nothing says more (`rebuild`).

Money is exact: each lot's value is quantity x price rounded half-even to the 18 places the database keeps,
and every total is a sum of those, so assets, accounts and lots add up to the total to the last digit.
Prices that are missing or older than PRICE_MAX_AGE_MINUTES are flagged and leave the value unknown
(null) - never zero - and out of the total.

    inputs.py     what a snapshot reads, for a batch of portfolios at once (rows.py: in one statement)
    prices.py     the latest prices, in one query
    summary.py    value, weights, drift and bands, unrealized gain per lot, income, price freshness
    entered.py    prices an owner entered, for that owner's portfolios only
    history.py    the daily value history (ValuePoint rows): from which day, and its points
    pieces.py     what the history is made of: lot pieces, deposits, holdings checkpoints
    changes.py    a ledger change notes from which day it can change the history
    compute.py    the services the tasks call: compute and store snapshots
    selectors.py  which portfolios a price change concerns
    money.py      rounding and the exact text the snapshot stores
"""

from .compute import KEEP_SNAPSHOTS, portfolio_snapshot_compute, portfolios_snapshot_compute
from .selectors import portfolios_holding

__all__ = [
    "KEEP_SNAPSHOTS",
    "portfolio_snapshot_compute",
    "portfolios_holding",
    "portfolios_snapshot_compute",
]
