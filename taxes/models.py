"""Derived tax data: what the engine computed from the ledger. Replaced atomically on every recompute."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from portfolios.fields import ExactDecimalField
from portfolios.models import Account, Asset, Portfolio, Transaction


class Term(models.TextChoices):
    SHORT = "short", "Short-term"
    LONG = "long", "Long-term"


class TaxLot(models.Model):
    """An open lot (or the open part of one) in one account."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="lots")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="lots")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    lot_id = models.CharField(max_length=200)
    origin = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=16)
    quantity = ExactDecimalField()
    basis = ExactDecimalField()
    acquired = models.DateField(
        help_text="Start of the holding period (tacked for wash sales, donor's for gifts)."
    )
    received = models.DateField()
    long_term_from = models.DateField(null=True, blank=True)
    loss_basis = ExactDecimalField(null=True, blank=True)
    wash_adjustment = ExactDecimalField(default=Decimal(0))

    class Meta:
        ordering = ["account", "asset", "acquired", "lot_id"]
        indexes = [models.Index(fields=["portfolio", "asset"], name="taxlot_portfolio_asset")]

    def __str__(self) -> str:
        return f"lot {self.lot_id}"

    @property
    def unit_basis(self) -> Decimal:
        return self.basis / self.quantity if self.quantity else Decimal(0)


class _EventRecord(models.Model):
    """A record produced by one ledger event; (event_timestamp, transaction) orders replacement."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="+")
    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="+")
    event_timestamp = models.DateTimeField()

    class Meta:
        abstract = True


class Disposal(_EventRecord):
    kind = models.CharField(max_length=16)  # sell, trade, fee
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="disposals")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    lot_id = models.CharField(max_length=200)
    origin = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="+")
    quantity = ExactDecimalField()
    acquired = models.DateField()
    disposed = models.DateField(db_index=True)
    proceeds = ExactDecimalField()
    basis = ExactDecimalField()
    gain = ExactDecimalField()
    term = models.CharField(max_length=5, choices=Term.choices)
    taxable = models.BooleanField()
    wash_disallowed = ExactDecimalField(default=Decimal(0))

    class Meta:
        ordering = ["disposed", "event_timestamp", "transaction_id", "id"]
        indexes = [models.Index(fields=["portfolio", "disposed"], name="disposal_portfolio_date")]

    def __str__(self) -> str:
        return f"{self.disposed} lot {self.lot_id}"


class IncomeRecord(_EventRecord):
    kind = models.CharField(max_length=16)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(db_index=True)
    quantity = ExactDecimalField()
    value = ExactDecimalField()
    taxable = models.BooleanField()

    class Meta:
        ordering = ["date", "transaction_id", "id"]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"


class NonTaxableTransfer(_EventRecord):
    """A donation or a gift sent: lots leave the owner and no gain is realized."""

    kind = models.CharField(max_length=16)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    lot_id = models.CharField(max_length=200)
    quantity = ExactDecimalField()
    acquired = models.DateField()
    date = models.DateField()
    basis = ExactDecimalField()
    fair_value = ExactDecimalField()
    term = models.CharField(max_length=5, choices=Term.choices)
    deduction = ExactDecimalField()

    class Meta:
        ordering = ["date", "transaction_id", "id"]

    def __str__(self) -> str:
        return f"{self.date} {self.kind} lot {self.lot_id}"


class WashSaleRecord(_EventRecord):
    """`transaction` is the loss sale; the disallowed loss went to the replacement lot."""

    loss_lot_id = models.CharField(max_length=200)
    replacement = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="+")
    replacement_lot_id = models.CharField(max_length=200)
    quantity = ExactDecimalField()
    disallowed = ExactDecimalField()
    added_to_basis = models.BooleanField()

    class Meta:
        ordering = ["event_timestamp", "transaction_id", "id"]

    def __str__(self) -> str:
        return f"wash sale {self.loss_lot_id} -> {self.replacement_lot_id}"


class EngineCheckpoint(models.Model):
    """Engine state after a point in the ledger, so a change late in the ledger replays only the tail."""

    # Per taxpayer: one engine run covers all of an owner's portfolios.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    after_timestamp = models.DateTimeField()
    after_id = models.BigIntegerField()
    replace_from_timestamp = models.DateTimeField()
    replace_from_id = models.BigIntegerField()
    state = models.JSONField()

    class Meta:
        ordering = ["owner", "after_timestamp", "after_id"]
        indexes = [
            models.Index(fields=["owner", "after_timestamp", "after_id"], name="checkpoint_owner_order")
        ]

    def __str__(self) -> str:
        return f"checkpoint after {self.after_timestamp:%Y-%m-%d} #{self.after_id}"


class LedgerStatus(models.Model):
    """When the lots were last computed, and why they could not be, if they could not."""

    portfolio = models.OneToOneField(Portfolio, on_delete=models.CASCADE, related_name="ledger_status")
    computed_at = models.DateTimeField(null=True, blank=True)
    event_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    error_transaction = models.ForeignKey(
        Transaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"status of {self.portfolio_id}"


class FilingStatus(models.TextChoices):
    SINGLE = "single", "Single"
    MFJ = "mfj", "Married filing jointly"
    MFS = "mfs", "Married filing separately"
    HOH = "hoh", "Head of household"


class TaxProfile(models.Model):
    """The owner's tax situation for one year: what the estimate and the carryforward need beyond the
    ledger. Only the first year Lotwise knows takes a carryforward from here; later years carry forward
    from Lotwise's own figures."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tax_profiles")
    year = models.PositiveSmallIntegerField()
    filing_status = models.CharField(max_length=8, choices=FilingStatus.choices, default=FilingStatus.SINGLE)
    other_ordinary_income = ExactDecimalField(
        default=Decimal(0), help_text="Wages and other ordinary income outside Lotwise, in USD."
    )
    state = models.CharField(max_length=2, blank=True, help_text="Two-letter state code, for the label.")
    state_rate = ExactDecimalField(
        default=Decimal(0), help_text="Flat state income tax rate as a fraction (0.05 = 5%)."
    )
    carryforward_short = ExactDecimalField(
        default=Decimal(0), help_text="Short-term capital loss carried into this year (positive)."
    )
    carryforward_long = ExactDecimalField(
        default=Decimal(0), help_text="Long-term capital loss carried into this year (positive)."
    )

    class Meta:
        ordering = ["owner", "year"]
        constraints = [models.UniqueConstraint(fields=["owner", "year"], name="taxprofile_owner_year_unique")]

    def __str__(self) -> str:
        return f"tax profile {self.year}"


class ReportJob(models.Model):
    """A year-end file built by a worker, for a year too large to build while the browser waits. The file is
    kept here until fetched again or deleted with its owner."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_jobs")
    year = models.PositiveSmallIntegerField()
    # Empty for the whole return; else the portfolio view the file was asked for.
    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    format = models.CharField(max_length=16)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    content = models.BinaryField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    warning = models.TextField(blank=True)
    # Runs so far: a run whose worker stopped is run again once, then the job fails.
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the job was queued, claimed or reached a stage; between those its heartbeats are in the cache
    # (config.heartbeat).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The process running it ("host pid N").
    worker = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "year", "format"], name="reportjob_owner_year_format"),
            # What the beat task watching for stopped workers reads every few seconds.
            models.Index(
                fields=["status"], name="reportjob_unfinished", condition=Q(status__in=["queued", "running"])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.format} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
