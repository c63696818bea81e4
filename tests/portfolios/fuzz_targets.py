"""Drives generated inputs (tests/portfolios/fuzz_inputs.py) through the four ways into the ledger: the
`import_ledger` command, the import page (upload, preview, confirm; inline and through the worker), the
transaction form and the JSON API. Counts what was accepted, rejected, and what crashed: an exception that
escaped, a 5xx, an error logged with a traceback, a rejection without a place named, or a rejected input
that changed a ledger or derived table.

Shared by tests/portfolios/test_import_fuzz.py and bench/fuzz_import.py.
"""

from __future__ import annotations

import io
import logging
import random
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management import CommandError, call_command
from django.db import connection, models
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from portfolios import import_tasks, services
from portfolios.account_services import account_create
from portfolios.assets import asset_lookup, asset_save
from portfolios.importers.brokerage import SYNONYMS as MAPPING_MEANINGS
from portfolios.ledger_hooks import LEDGER_CHANGED_HOOKS
from portfolios.models import (
    Account,
    Asset,
    BasisMethodChange,
    ImportJob,
    LotPick,
    Portfolio,
    PortfolioSnapshot,
    Transaction,
    User,
    ValuePoint,
)
from taxes.models import Disposal, IncomeRecord, NonTaxableTransfer, TaxLot, WashSaleRecord
from tests.portfolios.fuzz_inputs import ApiCase, Context, FileCase, FormCase

# Every table an input may write to, ledger and derived (ImportJob rows record uploads, accepted or not).
TABLES: tuple[type[models.Model], ...] = (
    Portfolio,
    Account,
    BasisMethodChange,
    Asset,
    Transaction,
    LotPick,
    TaxLot,
    Disposal,
    IncomeRecord,
    NonTaxableTransfer,
    WashSaleRecord,
    PortfolioSnapshot,
    ValuePoint,
)
FILENAMES = ["upload.csv", "x" * 300 + ".csv", "a\x00b.csv", "\U0001f600.csv", "../../etc/passwd", "a\nb.csv"]
ROTATE_AFTER = 25  # accepted writes before the next input gets a fresh owner (keeps recomputes small)
_LINE_ERROR = re.compile(r"line \d+, .+?: .", re.DOTALL)


@dataclass
class Tally:
    accepted: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    crashes: Counter[str] = field(default_factory=Counter)
    details: list[str] = field(default_factory=list)

    def crash(self, target: str, how: str, problem: str) -> None:
        self.crashes[target] += 1
        if len(self.details) < 50:
            self.details.append(f"{target} [{how}]: {problem}")

    def total(self, target: str) -> int:
        return self.accepted[target] + self.rejected[target] + self.crashes[target]


class _Errors(logging.Handler):
    """Records logged at ERROR or above, or with a traceback, anywhere."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.records.append(record)


def counts() -> tuple[int, ...]:
    """The row count of every table in TABLES, in one query."""
    parts = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(m._meta.db_table)})" for m in TABLES)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parts}")
        return tuple(cursor.fetchone())


class Harness:
    """One owner at a time, with three accounts and a small ledger the inputs can refer to."""

    def __init__(self, *, seed: int = 0) -> None:
        self.rng = random.Random(seed ^ 0x5EED)
        self.tally = Tally()
        self.owners = 0
        self.writes = 0
        self.errors = _Errors()
        self._new_owner()

    def _new_owner(self) -> None:
        self.owners += 1
        self.writes = 0
        self.user = User.objects.create_user(f"fuzz{self.owners}-{self.rng.randrange(10**9)}", password="x")
        self.user.timezone = self.rng.choice(["UTC", "America/New_York", "Pacific/Kiritimati", "Asia/Tokyo"])
        self.user.save(update_fields=["timezone"])
        self.portfolio = Portfolio.objects.create(owner=self.user, name="Main")
        exchange = account_create(portfolio=self.portfolio, name="Exchange", kind="exchange")
        account_create(portfolio=self.portfolio, name="Wallet", kind="wallet")
        account_create(portfolio=self.portfolio, name="Roth IRA", kind="roth_ira")
        btc = asset_save(asset_lookup(user=self.user, symbol="BTC"))
        for n, day in enumerate((3, 10)):
            data = services.TransactionData(
                account=exchange,
                type="buy",
                timestamp=datetime(2021, 1, day, 12, tzinfo=UTC),
                quantity=Decimal(5),
                asset=btc,
                unit_price=Decimal(30000 + n),
                external_id=f"seed-{n}",
            )
            services.transaction_record(portfolio=self.portfolio, data=data)
        self.web = Client(raise_request_exception=True)
        self.web.force_login(self.user)
        self.api = APIClient(raise_request_exception=True)
        self.api.force_authenticate(self.user)

    def context(self) -> Context:
        accounts = list(Account.objects.filter(portfolio=self.portfolio).values_list("pk", "name"))
        txs = list(Transaction.objects.filter(portfolio=self.portfolio).values_list("pk", "external_id"))
        return Context(
            account_ids=[pk for pk, _ in accounts],
            account_names=[name for _, name in accounts],
            asset_ids=list(Asset.objects.filter(owner=None).values_list("pk", flat=True)[:8]),
            transaction_ids=[pk for pk, _ in txs],
            external_ids=[ext for _, ext in txs if ext],
        )

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """No snapshot tasks queued by accepted writes, no worker for import jobs (they run here), and every
        error logged anywhere collected."""
        hooks, delay = LEDGER_CHANGED_HOOKS[:], import_tasks.import_ledger_job.delay
        LEDGER_CHANGED_HOOKS.clear()
        import_tasks.import_ledger_job.delay = lambda job_id: None
        root = logging.getLogger()
        loggers = [root, *(logging.getLogger(n) for n in list(logging.root.manager.loggerDict))]
        for logger in loggers:
            logger.addHandler(self.errors)
        try:
            yield
        finally:
            for logger in loggers:
                logger.removeHandler(self.errors)
            LEDGER_CHANGED_HOOKS[:] = hooks
            import_tasks.import_ledger_job.delay = delay

    def run(self, target: str, case: FileCase | FormCase | ApiCase) -> str:
        """Send one input; returns accepted, rejected or crash (and counts it)."""
        logged = len(self.errors.records)
        before = counts()
        try:
            verdict, problem = getattr(self, f"_{target}")(case)
        except Exception as exc:  # anything escaping is what the fuzz looks for
            verdict, problem = "crash", f"{type(exc).__name__}: {str(exc)[:300]}"
        if verdict != "crash" and len(self.errors.records) > logged:
            record = self.errors.records[-1]
            verdict, problem = "crash", f"logged {record.name}: {record.getMessage()[:300]}"
        if verdict == "rejected" and counts() != before:
            verdict, problem = "crash", f"rejected but tables changed: {before} -> {counts()}"
        if verdict == "crash":
            self.tally.crash(target, case.how, problem)
        elif verdict == "accepted":
            self.tally.accepted[target] += 1
            self.writes += 1
        else:
            self.tally.rejected[target] += 1
        if self.writes >= ROTATE_AFTER:
            self._new_owner()
        return verdict

    def _command(self, case: FileCase) -> tuple[str, str]:
        with tempfile.TemporaryDirectory(prefix="lotwise-fuzz-") as folder:
            path = Path(folder) / "upload.csv"
            path.write_bytes(case.content)
            return self._import_file(path, case)

    def _import_file(self, path: Path, case: FileCase) -> tuple[str, str]:
        args = [str(path), "--user", self.user.username, "--portfolio", "Main"]
        if case.format:
            args += ["--format", case.format]
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("import_ledger", *args, stdout=out, stderr=err)
        except CommandError as exc:
            if "Traceback" in err.getvalue() or "Traceback" in str(exc):
                return "crash", f"traceback in the output: {str(exc)[:200]}"
            # One error per "<file>: " at the start of a line (a message may quote a cell with a newline).
            said = [e for e in re.split(rf"(?m)^{re.escape(str(path))}: ", err.getvalue()) if e]
            unnamed = [e for e in said if not _LINE_ERROR.match(e)]
            if unnamed:
                return "crash", f"an error without its line: {unnamed[0][:200]}"
            if not said and not str(exc):
                return "crash", "rejected without a message"
            return "rejected", ""
        return "accepted", ""

    def _page(self, case: FileCase) -> tuple[str, str]:
        import_tasks.LARGE_IMPORT_ROWS = self.rng.choice([0, 2000])  # 0: through the worker's task
        try:
            return self._upload(case)
        finally:
            import_tasks.LARGE_IMPORT_ROWS = 2000

    def _upload(self, case: FileCase) -> tuple[str, str]:
        fields: dict[str, Any] = {"basis_method": self.rng.choice(["fifo", "hifo", "specific_id"])}
        if self.rng.random() < 0.2:
            fields["new_portfolio"] = f"Imported {self.rng.randrange(10**6)}"
        else:
            fields["portfolio"] = self.portfolio.pk
        upload = io.BytesIO(case.content)
        upload.name = self.rng.choice(FILENAMES)
        response = self.web.post(reverse("portfolios:import_upload"), {"file": upload, **fields})
        if response.status_code >= 500:
            return "crash", f"upload answered {response.status_code}"
        if response.status_code != 302:
            form = response.context["form"] if response.context else None
            messages = [m for errors in (form.errors.values() if form else []) for m in errors]
            if not messages:
                return "crash", f"upload answered {response.status_code} without saying why"
            return "rejected", ""
        job = ImportJob.objects.filter(owner=self.user).latest("pk")
        job = self._settle(job)
        if self.rng.random() < 0.2:
            response = self.web.post(reverse("portfolios:import_preview", args=[job.pk]), self._step(job))
            if response.status_code >= 500:
                return "crash", f"the mapping or reclassify step answered {response.status_code}"
            job = self._settle(ImportJob.objects.get(pk=job.pk))
        if job.status == ImportJob.Status.FAILED:
            return self._judge_failed(job)
        if job.status != ImportJob.Status.DONE:
            return "crash", f"preview left in status {job.status}"
        classes = {f"class_{new['symbol']}": "crypto" for new in (job.summary or {}).get("new_assets") or []}
        response = self.web.post(reverse("portfolios:import_preview", args=[job.pk]), classes)
        if response.status_code >= 500:
            return "crash", f"confirm answered {response.status_code}"
        if response.status_code == 400:
            return "rejected", ""
        job = self._settle(ImportJob.objects.get(pk=job.pk))
        if job.status == ImportJob.Status.FAILED:
            return self._judge_failed(job)
        return "accepted", ""

    def _step(self, job: ImportJob) -> dict[str, str]:
        """The preview's other buttons: a brokerage CSV's column mapping, or new assets' classes."""
        if self.rng.random() < 0.5:
            found = import_tasks.import_job_columns(job)
            columns = [*(found[0] if found else []), "", "not a column", "x" * 300]
            return {"action": "mapping", **{f"map_{m}": self.rng.choice(columns) for m in MAPPING_MEANINGS}}
        new = [n["symbol"] for n in (job.summary or {}).get("new_assets") or []] or ["BTC"]
        classes = ["crypto", "stock", "etf", "cash", "", "bogus"]
        return {"action": "reclassify", **{f"class_{sym}": self.rng.choice(classes) for sym in new}}

    def _settle(self, job: ImportJob) -> ImportJob:
        """Run a queued job as the worker would, then read every page about it."""
        if job.status == ImportJob.Status.QUEUED:
            import_tasks.import_ledger_job(job.pk)
            job.refresh_from_db()
        for name in ("portfolios:import_preview", "portfolios:import_status"):
            response = self.web.get(reverse(name, args=[job.pk]))
            if response.status_code >= 500:
                raise AssertionError(f"{name} answered {response.status_code}")
        return job

    def _judge_failed(self, job: ImportJob) -> tuple[str, str]:
        for error in job.errors or []:
            if "Unexpected error" in error["message"]:
                return "crash", "the job failed with an unexpected error"
            if not error.get("field") or not error.get("message"):
                return "crash", f"an error without its field or message: {error}"
        return "rejected", ""

    def _form(self, case: FormCase) -> tuple[str, str]:
        ctx = self.context()
        if case.edit and ctx.transaction_ids:
            tx = self.rng.choice(ctx.transaction_ids)
            url = reverse("portfolios:transaction_edit", args=[self.portfolio.pk, tx])
        else:
            url = reverse("portfolios:transaction_add", args=[self.portfolio.pk])
        response = self.web.post(f"{url}?type={case.type}", case.data)
        if response.status_code >= 500:
            return "crash", f"the form answered {response.status_code}"
        if response.status_code == 302:
            return "accepted", ""
        form = response.context.get("form") if response.context else None
        if response.status_code == 200 and (form is None or not form.errors):
            return "crash", "the form was refused without an error"
        return "rejected", ""

    def _api(self, case: ApiCase) -> tuple[str, str]:
        base = f"/api/portfolios/{self.portfolio.pk}/transactions/"
        ids = self.context().transaction_ids
        if case.method != "post" and ids:
            send = getattr(self.api, case.method)
            response = send(f"{base}{self.rng.choice(ids)}/", case.body, content_type="application/json")
        else:
            response = self.api.post(base, case.body, content_type="application/json")
        if response.status_code >= 500:
            return "crash", f"the API answered {response.status_code}"
        if response.status_code in (200, 201):
            return "accepted", ""
        if response.status_code == 400 and not response.json():
            return "crash", "a 400 without a message"
        return "rejected", ""
