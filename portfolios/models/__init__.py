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
from .sharing import PortfolioGrant
from .snapshots import PortfolioSnapshot, ValuePoint
from .tokens import ApiToken

__all__ = [
    "Account",
    "ApiToken",
    "Asset",
    "AssetClass",
    "BasisMethod",
    "BasisMethodChange",
    "ImportJob",
    "LotPick",
    "OwnerPrice",
    "Portfolio",
    "PortfolioGrant",
    "PortfolioSnapshot",
    "PriceQuote",
    "TaxTreatment",
    "Transaction",
    "TransactionType",
    "User",
    "ValuePoint",
]
