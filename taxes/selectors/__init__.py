"""Reads of the computed tax data: open lots valued at the snapshot's prices, and realized gains."""

from __future__ import annotations

from taxes.selectors.lots import (
    DEFAULT_LOT_SORT,
    LOT_COLUMNS,
    LOT_SORTS,
    LotRow,
    LotTable,
    LotTotals,
    lot_rows,
    lot_sort_normalize,
    lots_list,
    lots_sorted,
    lots_table_context,
    lots_totals,
)
from taxes.selectors.realized import (
    AdvantagedActivity,
    DisposalRow,
    DistributionRow,
    RealizedYear,
    TermTotals,
    last_disposal_year,
    realized_for_year,
    realized_years,
    user_portfolios,
)

__all__ = [
    "DEFAULT_LOT_SORT",
    "LOT_COLUMNS",
    "LOT_SORTS",
    "AdvantagedActivity",
    "DisposalRow",
    "DistributionRow",
    "LotRow",
    "LotTable",
    "LotTotals",
    "RealizedYear",
    "TermTotals",
    "last_disposal_year",
    "lot_rows",
    "lot_sort_normalize",
    "lots_list",
    "lots_sorted",
    "lots_table_context",
    "lots_totals",
    "realized_for_year",
    "realized_years",
    "user_portfolios",
]
