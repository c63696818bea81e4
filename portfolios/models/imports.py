"""A CSV ledger import kept server-side between preview and confirmation, with its progress."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .ledger import BasisMethod


class ImportJob(models.Model):
    """One uploaded file. The file content is stored here so confirming never trusts a second upload.

    A job runs twice: first as a dry run (the preview), then, once confirmed, for real. `confirmed` tells
    which of the two `status`, `progress`, `errors` and `summary` describe.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    portfolio_name = models.CharField(max_length=100)
    basis_method = models.CharField(max_length=16, choices=BasisMethod.choices, default=BasisMethod.FIFO)
    filename = models.CharField(max_length=255, blank=True)
    content = models.TextField()
    row_count = models.PositiveIntegerField(default=0)
    run_in_background = models.BooleanField(default=False)
    confirmed = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    # [{"line": 3, "field": "quantity", "message": "..."}], at most ERRORS_KEPT of them.
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    # {"SYMBOL": "etf"}: the class the owner chose on the preview for a symbol the import creates.
    asset_classes = models.JSONField(default=dict, blank=True)
    # {"date": "Trade Date", "fees": ""}: a brokerage CSV's columns as the owner mapped them on the preview
    # ("" for a meaning the file lacks); empty while the detected columns are used.
    mapping = models.JSONField(default=dict, blank=True)
    portfolio = models.ForeignKey(
        "portfolios.Portfolio", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Runs of the current phase so far: a run whose worker stopped is run again once, then the job fails.
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the phase was queued or its run claimed; a running job's later heartbeats are in the cache
    # (config.heartbeat), since nothing it writes to the database is visible before it commits.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The process running the current phase ("host pid N").
    worker = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    ERRORS_KEPT = 500

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="importjob_owner_recent"),
            # What the beat task watching for stopped workers reads every few seconds.
            models.Index(
                fields=["status"], name="importjob_unfinished", condition=Q(status__in=["queued", "running"])
            ),
        ]

    def __str__(self) -> str:
        phase = "import" if self.confirmed else "preview"
        return f"{self.filename or 'upload'} ({phase}, {self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def can_confirm(self) -> bool:
        return not self.confirmed and self.status == self.Status.DONE and not self.error_count
