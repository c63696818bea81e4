"""Rebalancing engine: holdings, lots, prices, a target and a policy in; tax-aware trades out.

Pure Python (stdlib, scipy for the optimiser; no Django). Every amount is a Decimal; floats exist only while
the solver runs. Nothing here reads the clock: the caller passes `as_of`.

    proposal = propose(RebalanceRequest(as_of=..., accounts=..., assets=..., lots=..., prices=..., target=...))
"""

from __future__ import annotations

from .propose import propose
from .targets import (
    capped_fractions,
    equal_weight,
    market_cap_weight,
    top_by_market_cap,
    validate_exposures,
    validate_weights,
)
from .tax import proposal_tax, year_tax
from .types import (
    ZERO,
    Account,
    Asset,
    Band,
    Comparison,
    Costs,
    Flag,
    FlagCode,
    Lot,
    LotSale,
    Method,
    Policy,
    Proposal,
    RealizedGains,
    RebalanceError,
    RebalanceRequest,
    RecentTrade,
    Side,
    Target,
    TaxRates,
    TaxTreatment,
    Term,
    Totals,
    Trade,
    TradeTo,
)

__all__ = [
    "ZERO",
    "Account",
    "Asset",
    "Band",
    "Comparison",
    "Costs",
    "Flag",
    "FlagCode",
    "Lot",
    "LotSale",
    "Method",
    "Policy",
    "Proposal",
    "RealizedGains",
    "RebalanceError",
    "RebalanceRequest",
    "RecentTrade",
    "Side",
    "Target",
    "TaxRates",
    "TaxTreatment",
    "Term",
    "Totals",
    "Trade",
    "TradeTo",
    "capped_fractions",
    "equal_weight",
    "market_cap_weight",
    "proposal_tax",
    "propose",
    "top_by_market_cap",
    "validate_exposures",
    "validate_weights",
    "year_tax",
]
