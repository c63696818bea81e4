from .imports import ImportJob
from .ledger import (
    Account,
    Asset,
    AssetClass,
    BasisMethod,
    BasisMethodChange,
    LotPick,
    Portfolio,
    TaxTreatment,
    Transaction,
    TransactionType,
    User,
)
from .prices import OwnerPrice, PriceQuote
from .snapshots import PortfolioSnapshot, ValuePoint

__all__ = [
    "Account",
    "Asset",
    "AssetClass",
    "BasisMethod",
    "BasisMethodChange",
    "ImportJob",
    "LotPick",
    "OwnerPrice",
    "Portfolio",
    "PortfolioSnapshot",
    "PriceQuote",
    "TaxTreatment",
    "Transaction",
    "TransactionType",
    "User",
    "ValuePoint",
]
