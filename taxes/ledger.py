"""Reading the ledger into engine events (the one place Transaction rows become `engine.Event`s)."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q

from portfolios.models import Account, Asset, BasisMethodChange, LotPick, Transaction
from portfolios.models.ledger import User
from taxes import engine

ZERO = Decimal(0)

_EVENT_FIELDS = (
    "id",
    "timestamp",
    "type",
    "account_id",
    "asset_id",
    "quantity",
    "unit_price",
    "fee",
    "counter_asset_id",
    "counter_quantity",
    "to_account_id",
    "acquired_at",
    "cost_basis",
)


@dataclass(frozen=True)
class LedgerContext:
    """One taxpayer's whole ledger: every portfolio and account of the owner, since one person is one
    taxpayer (a wash sale looks across all of them)."""

    owner: User
    tz: zoneinfo.ZoneInfo
    accounts: dict[int, engine.AccountInfo]
    assets: dict[int, engine.AssetInfo]
    account_portfolio: dict[int, int]  # account id -> portfolio id, to file each derived row


def ledger_context(*, owner: User) -> LedgerContext:
    tz = zoneinfo.ZoneInfo(owner.timezone)
    rows = list(
        Account.objects.filter(portfolio__owner=owner).values_list(
            "id", "portfolio_id", "tax_treatment", "basis_method", "portfolio__wash_sale_crypto"
        )
    )
    changes: dict[int, list[tuple[date, engine.BasisMethod]]] = {}
    for account_id, since, changed in (
        BasisMethodChange.objects.filter(account__portfolio__owner=owner)
        .order_by("account_id", "effective_from")
        .values_list("account_id", "effective_from", "method")
    ):
        changes.setdefault(account_id, []).append((since, engine.BasisMethod(changed)))
    accounts = {
        pk: engine.AccountInfo(
            id=pk,
            treatment=engine.TaxTreatment(treatment),
            basis_method=engine.BasisMethod(method),
            wash_sale_digital=crypto_switch,
            method_changes=tuple(changes.get(pk, ())),
        )
        for pk, _pid, treatment, method, crypto_switch in rows
    }
    # Digital assets are matched for wash sales when any portfolio models the proposed law; a loss is then
    # matched only where its own portfolio switched it on (AccountInfo.wash_sale_digital).
    any_crypto_switch = any(row[4] for row in rows)
    ledger = Transaction.objects.filter(portfolio__owner=owner)
    asset_ids = set(ledger.exclude(asset=None).values_list("asset_id", flat=True)) | set(
        ledger.exclude(counter_asset=None).values_list("counter_asset_id", flat=True)
    )
    assets = {
        a.id: engine.AssetInfo(
            id=a.id,
            symbol=a.symbol,
            asset_class=a.asset_class,
            wash_sale=a.wash_sale_applies(crypto_too=any_crypto_switch),
        )
        for a in Asset.objects.filter(id__in=asset_ids)
    }
    return LedgerContext(
        owner=owner,
        tz=tz,
        accounts=accounts,
        assets=assets,
        account_portfolio={pk: pid for pk, pid, *_ in rows},
    )


def after_key_q(
    key: tuple[datetime, int], *, inclusive: bool, ts_field: str = "timestamp", id_field: str = "id"
) -> Q:
    """Rows whose (timestamp, id) order key is after `key` (or at it, when inclusive)."""
    ts, pk = key
    same = Q(**{ts_field: ts, f"{id_field}__gte" if inclusive else f"{id_field}__gt": pk})
    return Q(**{f"{ts_field}__gt": ts}) | same


def ledger_events(
    *, ctx: LedgerContext, after: tuple[datetime, int] | None = None, ids: Iterable[int] | None = None
) -> list[engine.Event]:
    qs = Transaction.objects.filter(portfolio__owner=ctx.owner)
    if after is not None:
        qs = qs.filter(after_key_q(after, inclusive=False))
    if ids is not None:
        qs = qs.filter(id__in=list(ids))
    rows = qs.order_by("timestamp", "id").values_list(*_EVENT_FIELDS)

    picks: dict[int, list[engine.LotPick]] = defaultdict(list)
    pick_qs = LotPick.objects.filter(transaction__portfolio__owner=ctx.owner)
    if after is not None:
        pick_qs = pick_qs.filter(
            after_key_q(after, inclusive=False, ts_field="transaction__timestamp", id_field="transaction_id")
        )
    for tx_id, origin_id, qty in pick_qs.order_by("id").values_list(
        "transaction_id", "origin_id", "quantity"
    ):
        picks[tx_id].append(engine.LotPick(origin_event_id=origin_id, quantity=qty))

    tz = ctx.tz
    utc_day_cache: dict[datetime, date] = {}
    events = []
    event_cls = engine.Event
    event_type = engine.EventType
    for (
        pk,
        ts,
        typ,
        account_id,
        asset_id,
        quantity,
        unit_price,
        fee,
        counter_asset_id,
        counter_quantity,
        to_account_id,
        acquired_at,
        cost_basis,
    ) in rows:
        day = utc_day_cache.get(ts)
        if day is None:
            day = utc_day_cache[ts] = ts.astimezone(tz).date()
        events.append(
            event_cls(
                id=pk,
                timestamp=ts,
                date=day,
                type=event_type(typ),
                account=account_id,
                asset=asset_id,
                quantity=quantity,
                unit_price=unit_price,
                fee=fee if fee is not None else ZERO,
                counter_asset=counter_asset_id,
                counter_quantity=counter_quantity,
                to_account=to_account_id,
                acquired_date=acquired_at,
                cost_basis=cost_basis,
                lot_picks=tuple(picks.get(pk, ())),
            )
        )
    return events
