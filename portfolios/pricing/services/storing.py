"""Storing quotes: each number is validated (and checked against the asset's stored history for
implausible jumps) before it is written; a second run updates instead of duplicating."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from portfolios.models import Asset, PriceQuote
from portfolios.models.prices import PriceSource
from portfolios.pricing.selectors import source_rank
from portfolios.pricing.validation import DEFAULT_MAX_JUMP, InvalidPrice, clean_price, log_refused

WRITE_BATCH = 500


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    refused: list[str] = field(default_factory=list)
    used_offline: bool = False
    # Why the offline history was used, or problems that skipped an asset without stopping the run.
    notice: str = ""
    errors: list[str] = field(default_factory=list)

    def merge(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(
            created=self.created + other.created,
            updated=self.updated + other.updated,
            refused=self.refused + other.refused,
            used_offline=self.used_offline or other.used_offline,
            notice=other.notice or self.notice,
            errors=self.errors + other.errors,
        )

    def summary(self) -> str:
        return f"{self.created} created, {self.updated} updated, {len(self.refused)} refused"


@dataclass(frozen=True)
class QuoteCandidate:
    key: int  # caller's tag: an index or a line number
    asset: Asset
    at: datetime
    value: object


@dataclass
class QuotePlan:
    accepted: list[tuple[QuoteCandidate, Decimal]]
    refused: list[tuple[QuoteCandidate, str]]
    existing: set[tuple[int, datetime]]  # (asset_id, at) already stored for this source


def _stored_around(
    asset_ids: list[int], lo: datetime, hi: datetime
) -> dict[int, list[tuple[datetime, Decimal, str]]]:
    """Stored quotes (any source) of these assets between lo and hi, plus each one's last quote before lo.
    Two queries; prices are compared in Python."""
    before = dict(
        PriceQuote.objects.filter(asset_id__in=asset_ids, at__lt=lo)
        .order_by()
        .values("asset_id")
        .annotate(last=Max("at"))
        .values_list("asset_id", "last")
    )
    window = Q(at__gte=lo, at__lte=hi)
    if before:
        window |= Q(at__in=set(before.values()))
    stored: dict[int, list[tuple[datetime, Decimal, str]]] = defaultdict(list)
    rows = (
        PriceQuote.objects.filter(window, asset_id__in=asset_ids)
        .order_by("asset_id", "at")
        .values_list("asset_id", "at", "price", "source")
    )
    for asset_id, at, price, source in rows:
        if at < lo and at != before.get(asset_id):
            continue
        stored[asset_id].append((at, price, source))
    return stored


def quotes_validate(
    candidates: Sequence[QuoteCandidate], *, source: str, max_jump: Decimal = DEFAULT_MAX_JUMP
) -> QuotePlan:
    """Validate candidates in time order per asset; the jump check compares with the asset's previous
    price before that moment: stored (any source) or accepted earlier in this batch."""
    plan = QuotePlan(accepted=[], refused=[], existing=set())
    if not candidates:
        return plan
    lo = min(c.at for c in candidates)
    hi = max(c.at for c in candidates)
    by_asset: dict[int, list[QuoteCandidate]] = defaultdict(list)
    for candidate in candidates:
        assert candidate.asset.pk is not None
        by_asset[candidate.asset.pk].append(candidate)
    stored = _stored_around(list(by_asset), lo, hi)
    for asset_id, asset_candidates in by_asset.items():
        # Stored quotes (any source) by moment; same-source ones are the rows this batch updates.
        stored_at: dict[datetime, list[tuple[Decimal, str]]] = defaultdict(list)
        for at, price, quote_source in stored.get(asset_id, []):
            if quote_source == source:
                plan.existing.add((asset_id, at))
            stored_at[at].append((price, quote_source))
        incoming_at: dict[datetime, list[QuoteCandidate]] = defaultdict(list)
        for candidate in asset_candidates:
            incoming_at[candidate.at].append(candidate)
        previous: Decimal | None = None
        for moment in sorted(set(stored_at) | set(incoming_at)):
            accepted_here: Decimal | None = None
            for candidate in incoming_at.get(moment, []):
                try:
                    price = clean_price(candidate.value, previous=previous, max_jump=max_jump)
                except InvalidPrice as exc:
                    plan.refused.append((candidate, exc.reason))
                else:
                    plan.accepted.append((candidate, price))
                    accepted_here = price
            if accepted_here is not None:
                previous = accepted_here
                continue
            # Nothing new accepted at this moment: what is stored stays, the preferred source counts.
            here = stored_at.get(moment)
            if here:
                previous = min(here, key=lambda item: source_rank(item[1]))[0]
    return plan


def quotes_write(rows: Iterable[tuple[int, datetime, Decimal]], *, source: str) -> None:
    now = timezone.now()
    objects = [
        PriceQuote(asset_id=asset_id, at=at, price=price, source=source, fetched_at=now)
        for asset_id, at, price in rows
    ]
    PriceQuote.objects.bulk_create(
        objects,
        batch_size=WRITE_BATCH,
        update_conflicts=True,
        unique_fields=["asset", "at", "source"],
        update_fields=["price", "fetched_at"],
    )


def _as_utc(value: datetime) -> datetime:
    if timezone.is_naive(value):
        raise ValueError(f"price time {value!r} must be timezone-aware")
    return value.astimezone(UTC)


@transaction.atomic
def prices_upsert(*, quotes: Iterable[tuple[Asset, datetime, Decimal]], source: str) -> UpsertResult:
    """Validate and store quotes, keyed by (asset, at, source): a second run updates instead of duplicating.
    Refused numbers are logged and listed in the result, never stored. A repeated (asset, at) in the
    batch keeps its last value."""
    if source not in PriceSource.values:
        raise ValueError(f"unknown price source {source!r}")
    latest: dict[tuple[int, datetime], QuoteCandidate] = {}
    for index, (asset, at, price) in enumerate(quotes):
        moment = _as_utc(at)
        assert asset.pk is not None, "assets must be saved before their prices"
        latest[(asset.pk, moment)] = QuoteCandidate(key=index, asset=asset, at=moment, value=price)
    plan = quotes_validate(list(latest.values()), source=source)
    result = UpsertResult()
    for candidate, reason in sorted(plan.refused, key=lambda item: item[0].key):
        result.refused.append(
            log_refused(asset=candidate.asset.symbol, at=candidate.at, value=candidate.value, reason=reason)
        )
    for candidate, _ in plan.accepted:
        if (candidate.asset.pk, candidate.at) in plan.existing:
            result.updated += 1
        else:
            result.created += 1
    quotes_write(((c.asset.pk, c.at, price) for c, price in plan.accepted), source=source)
    return result
