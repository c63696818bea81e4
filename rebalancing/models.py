"""Target allocations (versioned), band policies, and the proposals the owner reviews."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from portfolios.fields import ExactDecimalField
from portfolios.models import Account, Asset, Portfolio, Transaction


class TargetModel(models.TextChoices):
    CUSTOM = "custom", "My own weights"
    EQUAL = "equal", "Equal weight"
    MARKET_CAP = "market_cap", "Market-cap weight (capped)"


class Target(models.Model):
    """A portfolio's target weights with its tolerance bands (absolute points and/or relative share).

    `version` counts the changes of the weights; each change is kept as a TargetVersion so that a proposal
    can say which weights it was made against.
    """

    portfolio = models.OneToOneField(Portfolio, on_delete=models.CASCADE, related_name="target")
    name = models.CharField(max_length=100, default="Target allocation")
    band_absolute = ExactDecimalField(
        null=True,
        blank=True,
        default=Decimal("0.05"),
        help_text="±percentage points as a fraction (0.05 = ±5 pp).",
    )
    band_relative = ExactDecimalField(
        null=True,
        blank=True,
        default=Decimal("0.25"),
        help_text="± share of the target weight (0.25 = ±25%).",
    )
    version = models.PositiveIntegerField(default=0)
    model = models.CharField(max_length=16, choices=TargetModel.choices, default=TargetModel.CUSTOM)
    model_params = models.JSONField(default=dict, blank=True)
    set_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class TargetWeight(models.Model):
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="weights")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    weight = ExactDecimalField(help_text="Fraction of the portfolio (0.25 = 25%).")

    class Meta:
        ordering = ["-weight", "asset__symbol"]
        constraints = [models.UniqueConstraint(fields=["target", "asset"], name="targetweight_unique")]

    def __str__(self) -> str:
        return f"{self.asset_id}: {self.weight:f}"


class TargetVersion(models.Model):
    """The weights of one version of a target, as exact strings keyed by asset id."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    weights = models.JSONField(default=dict)
    model = models.CharField(max_length=16, choices=TargetModel.choices, default=TargetModel.CUSTOM)
    model_params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["target", "-number"]
        constraints = [models.UniqueConstraint(fields=["target", "number"], name="targetversion_unique")]

    def __str__(self) -> str:
        return f"{self.target_id} v{self.number}"


class BandMode(models.TextChoices):
    ABSOLUTE = "absolute", "Absolute (± percentage points)"
    RELATIVE = "relative", "Relative (± share of the target)"
    BOTH = "both", "Both (the narrower holds)"
    HYBRID = "hybrid", "Hybrid (relative, never narrower than a floor)"


class Calendar(models.TextChoices):
    NONE = "", "No calendar check"
    WEEKLY = "weekly", "Weekly (Mondays)"
    MONTHLY = "monthly", "Monthly (the 1st)"
    QUARTERLY = "quarterly", "Quarterly (Jan, Apr, Jul, Oct 1st)"
    YEARLY = "yearly", "Yearly (Jan 1st)"


class TradeTo(models.TextChoices):
    TARGET = "target", "Back to the target"
    BAND_EDGE = "band_edge", "Only to the band's edge"


class Policy(models.Model):
    """How and when a portfolio is rebalanced. The band widths live on the Target (the snapshot reads them
    there); `band_mode` says which of them the proposals use."""

    portfolio = models.OneToOneField(Portfolio, on_delete=models.CASCADE, related_name="rebalance_policy")
    band_mode = models.CharField(max_length=10, choices=BandMode.choices, default=BandMode.BOTH)
    band_floor = ExactDecimalField(
        null=True, blank=True, help_text="Hybrid bands: the narrowest half-width (0.02 = ±2 pp)."
    )
    threshold_check = models.BooleanField(default=True, help_text="Propose when a band is breached.")
    calendar = models.CharField(max_length=10, choices=Calendar.choices, blank=True, default="")
    trade_to = models.CharField(max_length=10, choices=TradeTo.choices, default=TradeTo.TARGET)
    min_trade = ExactDecimalField(default=Decimal(0), help_text="USD: smaller trades are skipped.")
    cash_reserve = ExactDecimalField(default=Decimal(0), help_text="USD that buys never spend.")
    fee_bps = ExactDecimalField(default=Decimal(0))
    fee_fixed = ExactDecimalField(default=Decimal(0), help_text="USD per trade.")
    slippage_bps = ExactDecimalField(default=Decimal(0))
    account_costs = models.JSONField(
        default=dict, blank=True, help_text='{"<account id>": {"fee_bps": "10", "fee_fixed": "0", ...}}'
    )
    buy_only = models.BooleanField(default=False, help_text="Cash-flow rebalancing only: never sell.")
    short_rate = ExactDecimalField(default=Decimal("0.24"), help_text="Used when no tax profile exists.")
    long_rate = ExactDecimalField(default=Decimal("0.15"), help_text="Used when no tax profile exists.")
    last_calendar_run = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return f"policy of {self.portfolio_id}"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DISMISSED = "dismissed", "Dismissed"
    SUPERSEDED = "superseded", "Superseded"


class Trigger(models.TextChoices):
    OWNER = "owner", "Asked for by the owner"
    THRESHOLD = "threshold", "A band was breached"
    CALENDAR = "calendar", "Calendar check"


class ProposalKind(models.TextChoices):
    REBALANCE = "rebalance", "Rebalance"
    HARVEST = "harvest", "Tax-loss harvest"


class RebalanceProposal(models.Model):
    """Suggested trades against one snapshot's prices and one target version (a harvest has no target:
    its trades are the sells of the lots the owner chose and an optional rebuy). Every amount in the JSON
    fields is an exact decimal string; weights and bands are keyed by asset id."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="proposals")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.OWNER)
    kind = models.CharField(max_length=10, choices=ProposalKind.choices, default=ProposalKind.REBALANCE)
    target_version = models.ForeignKey(
        TargetVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_version_number = models.PositiveIntegerField(default=0)
    # Old snapshots are pruned, so the id is kept as a number rather than a foreign key.
    snapshot_id = models.BigIntegerField(null=True, blank=True)
    as_of = models.DateField()
    contribution = ExactDecimalField(default=Decimal(0))
    reasons = models.JSONField(default=list)
    flags = models.JSONField(default=list)
    weights_before = models.JSONField(default=dict)
    weights_after = models.JSONField(default=dict)
    targets = models.JSONField(default=dict)
    bands = models.JSONField(default=dict)
    prices = models.JSONField(default=dict)
    totals = models.JSONField(default=dict)
    bands_met = models.BooleanField(default=True)
    method = models.CharField(max_length=10, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["portfolio", "status"], name="proposal_portfolio_status")]

    def __str__(self) -> str:
        return f"proposal {self.pk} of {self.portfolio_id} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == ProposalStatus.PENDING

    @property
    def is_harvest(self) -> bool:
        return self.kind == ProposalKind.HARVEST


class ProposedTrade(models.Model):
    """One order of a proposal; `lots` lists, for a sell, the lot pieces it takes (lot id, origin
    transaction id, quantity, basis, gain, term, long-term date, estimated tax) as exact strings."""

    proposal = models.ForeignKey(RebalanceProposal, on_delete=models.CASCADE, related_name="trades")
    position = models.PositiveIntegerField()
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=4)
    quantity = ExactDecimalField()
    price = ExactDecimalField()
    value = ExactDecimalField()
    fee = ExactDecimalField(default=Decimal(0))
    slippage = ExactDecimalField(default=Decimal(0))
    estimated_tax = ExactDecimalField(default=Decimal(0))
    lots = models.JSONField(default=list)
    notes = models.JSONField(default=list)
    executed = models.ForeignKey(
        Transaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["proposal", "position"]

    def __str__(self) -> str:
        return f"{self.side} {self.quantity:f} of {self.asset_id} in {self.account_id}"


class MarketCap(models.Model):
    """An asset's USD market cap as the price source's markets data gave it, for the model indices (top N
    by market cap, capped market-cap weight). Kept apart from PriceQuote: a cap is not a price."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    market_cap = ExactDecimalField()
    source = models.CharField(max_length=20, default="coingecko")

    class Meta:
        ordering = ["asset", "-at"]
        constraints = [models.UniqueConstraint(fields=["asset", "at"], name="marketcap_asset_at_unique")]

    def __str__(self) -> str:
        return f"{self.asset_id} at {self.at:%Y-%m-%d}: {self.market_cap:f}"
