"""The ledger: who owns what, in which account, and every transaction as a recorded fact."""

from __future__ import annotations

import zoneinfo
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from portfolios.decimals import exact_text
from portfolios.fields import ExactDecimalField


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA time zone (e.g. America/New_York).")


class User(AbstractUser):
    # The owner's time zone decides the tax date of every event and so the holding period.
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Portfolio(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolios")
    name = models.CharField(max_length=100)
    # Proposed law would extend §1091 to digital assets; off by default (current law).
    wash_sale_crypto = models.BooleanField(
        default=False, help_text="Apply wash-sale rules to crypto too (models proposed law)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Set by `portfolios.sharing` when a grantee looks at the portfolio: pages then offer no change.
    read_only: bool = False
    shared_by: str = ""

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="portfolio_owner_name_unique")]

    def __str__(self) -> str:
        return self.name


class TaxTreatment(models.TextChoices):
    TAXABLE = "taxable", "Taxable"
    TAX_DEFERRED = "tax_deferred", "Tax-deferred"
    TAX_FREE = "tax_free", "Tax-free"


class BasisMethod(models.TextChoices):
    FIFO = "fifo", "FIFO"
    LIFO = "lifo", "LIFO"
    HIFO = "hifo", "HIFO"
    SPECIFIC_ID = "specific_id", "Specific identification"


class AccountKind(models.TextChoices):
    BROKERAGE = "brokerage", "Brokerage"
    EXCHANGE = "exchange", "Exchange"
    WALLET = "wallet", "Self-custody wallet"
    TRADITIONAL_IRA = "traditional_ira", "Traditional IRA"
    ROTH_IRA = "roth_ira", "Roth IRA"
    K401 = "401k", "401(k)"
    ROTH_401K = "roth_401k", "Roth 401(k)"
    HSA = "hsa", "HSA"


KIND_TREATMENT = {
    AccountKind.TRADITIONAL_IRA: TaxTreatment.TAX_DEFERRED,
    AccountKind.K401: TaxTreatment.TAX_DEFERRED,
    AccountKind.ROTH_IRA: TaxTreatment.TAX_FREE,
    AccountKind.ROTH_401K: TaxTreatment.TAX_FREE,
    AccountKind.HSA: TaxTreatment.TAX_FREE,
}


class BrokerReporting(models.TextChoices):
    """What the broker or exchange reports on a 1099-B (securities) or 1099-DA (digital assets, from 2025):
    it decides the Form 8949 box of each sale."""

    NO_FORM = "no_form", "No 1099-B / 1099-DA"
    BASIS_REPORTED = "basis_reported", "1099 with basis reported to the IRS"
    BASIS_NOT_REPORTED = "basis_not_reported", "1099 without basis reported"


class Account(models.Model):
    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="accounts")
    name = models.CharField(max_length=100)
    custodian = models.CharField(max_length=100, blank=True)
    tax_treatment = models.CharField(
        max_length=16, choices=TaxTreatment.choices, default=TaxTreatment.TAXABLE
    )
    kind = models.CharField(max_length=20, choices=AccountKind.choices, default=AccountKind.EXCHANGE)
    basis_method = models.CharField(max_length=16, choices=BasisMethod.choices, default=BasisMethod.FIFO)
    reporting = models.CharField(
        max_length=20,
        choices=BrokerReporting.choices,
        default=BrokerReporting.NO_FORM,
        help_text="What the broker reports on a 1099-B / 1099-DA; it decides the Form 8949 box.",
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "name"], name="account_portfolio_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        expected = KIND_TREATMENT.get(AccountKind(self.kind)) if self.kind in AccountKind.values else None
        if expected is not None and self.tax_treatment != expected:
            raise ValidationError(
                {"tax_treatment": f"A {self.get_kind_display()} account is {expected.label.lower()}."}
            )

    @property
    def is_taxable(self) -> bool:
        return self.tax_treatment == TaxTreatment.TAXABLE


class BasisMethodChange(models.Model):
    """A standing order: sales from the account on or after `effective_from` (the owner's tax date) use
    `method`; earlier sales keep the method in force when they happened (Rev. Proc. 2024-28). The account's
    own `basis_method` is the order in force before its first change."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="method_changes")
    effective_from = models.DateField()
    method = models.CharField(max_length=16, choices=BasisMethod.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "effective_from"], name="methodchange_account_date_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.method} from {self.effective_from}"


class AssetClass(models.TextChoices):
    CRYPTO = "crypto", "Crypto"
    STABLECOIN = "stablecoin", "Stablecoin"
    ETF = "etf", "ETF"
    STOCK = "stock", "Stock"
    BOND = "bond", "Bond"
    CASH = "cash", "Cash"


SECURITY_CLASSES = frozenset({AssetClass.ETF, AssetClass.STOCK, AssetClass.BOND})
DIGITAL_CLASSES = frozenset({AssetClass.CRYPTO, AssetClass.STABLECOIN})


class PriceFeed(models.TextChoices):
    """The public price source that quotes an asset."""

    COINGECKO = "coingecko", "CoinGecko"
    YAHOO = "yahoo", "Yahoo Finance"


# An asset whose feed is not set is quoted by its class's usual source.
FEED_FOR_CLASS: dict[str, str] = {
    **{cls: PriceFeed.COINGECKO for cls in DIGITAL_CLASSES},
    **{cls: PriceFeed.YAHOO for cls in SECURITY_CLASSES},
}
SYMBOL_PATTERN = r"[A-Za-z0-9._-]{1,20}"
SYMBOL_HELP = "1 to 20 letters, digits, '.', '-' or '_'."
validate_symbol = RegexValidator(
    rf"\A{SYMBOL_PATTERN}\Z", f"A symbol is {SYMBOL_HELP}", code="invalid_symbol"
)


class Asset(models.Model):
    """A coin or a security. The symbol alone is not its identity (T is AT&T's stock and Threshold
    Network's token): a shared asset is one (symbol, class), and an asset outside the bundled catalogue
    belongs to the user whose file or form created it, so nobody else ever sees it."""

    symbol = models.CharField(max_length=20, validators=[validate_symbol])
    name = models.CharField(max_length=100, blank=True)
    asset_class = models.CharField(max_length=16, choices=AssetClass.choices, default=AssetClass.CRYPTO)
    price_source = models.CharField(
        max_length=16,
        choices=PriceFeed.choices,
        blank=True,
        help_text="The feed that quotes it; empty: the usual one for its class.",
    )
    price_source_id = models.CharField(
        max_length=100,
        blank=True,
        help_text="Identifier at the price source, e.g. CoinGecko's 'bitcoin' or the ticker 'VTI'.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="private_assets",
        help_text="Empty for a catalogue asset (shared); else the only user who sees it.",
    )

    class Meta:
        ordering = ["symbol", "asset_class", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["symbol", "asset_class"],
                condition=models.Q(owner__isnull=True),
                name="asset_shared_symbol_class_unique",
            ),
            models.UniqueConstraint(
                fields=["owner", "symbol", "asset_class"],
                condition=models.Q(owner__isnull=False),
                name="asset_private_symbol_class_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.symbol

    @property
    def label(self) -> str:
        """The symbol with its class, for wherever the bare symbol could name two assets."""
        return f"{self.symbol} ({self.asset_class})"

    @property
    def feed(self) -> str:
        return self.price_source or FEED_FOR_CLASS.get(self.asset_class, "")

    @property
    def is_digital(self) -> bool:
        return self.asset_class in DIGITAL_CLASSES

    def wash_sale_applies(self, *, crypto_too: bool) -> bool:
        if self.asset_class in SECURITY_CLASSES:
            return True
        return crypto_too and self.asset_class in DIGITAL_CLASSES


class TransactionType(models.TextChoices):
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"
    TRADE = "trade", "Trade (crypto to crypto)"
    TRANSFER = "transfer", "Transfer between own accounts"
    CONVERSION = "conversion", "Roth conversion"
    STAKING = "staking", "Staking reward"
    LENDING = "lending", "Lending interest"
    AIRDROP = "airdrop", "Airdrop"
    MINING = "mining", "Mining reward"
    INTEREST = "interest", "Interest"
    DONATION = "donation", "Donation to charity"
    GIFT_SENT = "gift_sent", "Gift sent"
    GIFT_RECEIVED = "gift_received", "Gift received"
    INHERITANCE = "inheritance", "Inheritance"
    DEPOSIT = "deposit", "Cash deposit"
    WITHDRAWAL = "withdrawal", "Cash withdrawal"
    FEE = "fee", "Fee paid in an asset"


INCOME_TYPES = frozenset(
    {
        TransactionType.STAKING,
        TransactionType.LENDING,
        TransactionType.AIRDROP,
        TransactionType.MINING,
        TransactionType.INTEREST,
    }
)

# The inputs whose presence depends on the type; account, timestamp and notes are always there.
TYPED_INPUTS = (
    "asset",
    "quantity",
    "unit_price",
    "fee",
    "counter_asset",
    "counter_quantity",
    "to_account",
    "acquired_at",
    "cost_basis",
)
# A transaction's inputs in order: the CSV format's columns and the API's fields.
LEDGER_FIELDS = ("timestamp", "account", "type", *TYPED_INPUTS, "external_id", "notes", "lot_picks")
# Which inputs each type uses: the forms, the importer and the API read this one table.
TYPE_FIELDS: dict[str, frozenset[str]] = {
    TransactionType.BUY: frozenset({"asset", "quantity", "unit_price", "fee"}),
    TransactionType.SELL: frozenset({"asset", "quantity", "unit_price", "fee"}),
    TransactionType.TRADE: frozenset(
        {"asset", "quantity", "unit_price", "fee", "counter_asset", "counter_quantity"}
    ),
    TransactionType.TRANSFER: frozenset({"asset", "quantity", "fee", "to_account"}),
    TransactionType.CONVERSION: frozenset({"asset", "quantity", "unit_price", "to_account"}),
    TransactionType.DONATION: frozenset({"asset", "quantity", "unit_price"}),
    TransactionType.GIFT_SENT: frozenset({"asset", "quantity", "unit_price"}),
    TransactionType.GIFT_RECEIVED: frozenset(
        {"asset", "quantity", "unit_price", "acquired_at", "cost_basis"}
    ),
    TransactionType.INHERITANCE: frozenset({"asset", "quantity", "unit_price"}),
    TransactionType.DEPOSIT: frozenset({"quantity"}),
    TransactionType.WITHDRAWAL: frozenset({"quantity"}),
    TransactionType.FEE: frozenset({"asset", "quantity", "unit_price"}),
    **{t: frozenset({"asset", "quantity", "unit_price"}) for t in INCOME_TYPES},
}
REQUIRED_FIELDS: dict[str, frozenset[str]] = {t: fields - {"fee"} for t, fields in TYPE_FIELDS.items()}


class Transaction(models.Model):
    """One fact in the ledger. Derived data (lots, gains) lives in the taxes app and is recomputed."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="transactions")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="transactions")
    type = models.CharField(max_length=16, choices=TransactionType.choices)
    timestamp = models.DateTimeField(db_index=True)
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    quantity = ExactDecimalField()
    unit_price = ExactDecimalField(null=True, blank=True, help_text="USD per unit at the time (fair value).")
    fee = ExactDecimalField(default=Decimal(0), help_text="USD.")
    counter_asset = models.ForeignKey(
        Asset, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    counter_quantity = ExactDecimalField(null=True, blank=True)
    to_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers_in"
    )
    acquired_at = models.DateField(
        null=True, blank=True, help_text="Gifts received: the donor's acquisition date."
    )
    cost_basis = ExactDecimalField(
        null=True, blank=True, help_text="Gifts received: the donor's basis (USD)."
    )
    external_id = models.CharField(max_length=200, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["timestamp", "id"]
        indexes = [models.Index(fields=["portfolio", "timestamp", "id"], name="tx_portfolio_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "external_id"],
                condition=~models.Q(external_id=""),
                name="tx_portfolio_external_id_unique",
            ),
            models.UniqueConstraint(
                fields=["portfolio", "content_hash"],
                condition=~models.Q(content_hash=""),
                name="tx_portfolio_content_hash_unique",
            ),
        ]

    def __str__(self) -> str:
        what = (
            f"{exact_text(self.quantity)} {self.asset}"
            if self.asset_id
            else f"{exact_text(self.quantity)} USD"
        )
        return f"{self.timestamp:%Y-%m-%d} {self.type} {what}"

    def tax_date(self, tz: zoneinfo.ZoneInfo) -> date:
        return self.timestamp.astimezone(tz).date()


class LotPick(models.Model):
    """Specific identification: this sale takes `quantity` from the lot bought by `origin`."""

    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="lot_picks")
    origin = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="picked_by")
    quantity = ExactDecimalField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity:f} from #{self.origin_id} for #{self.transaction_id}"
