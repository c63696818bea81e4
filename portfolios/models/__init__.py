from .imports import ImportJob
from .ledger import (
    Account,
    Asset,
    AssetClass,
    BasisMethod,
    LotPick,
    Portfolio,
    TaxTreatment,
    Transaction,
    TransactionType,
    User,
)
from .prices import PriceQuote
from .snapshots import PortfolioSnapshot, ValuePoint

__all__ = [
    "Account",
    "Asset",
    "AssetClass",
    "BasisMethod",
    "ImportJob",
    "LotPick",
    "Portfolio",
    "PortfolioSnapshot",
    "PriceQuote",
    "TaxTreatment",
    "Transaction",
    "TransactionType",
    "User",
    "ValuePoint",
]
