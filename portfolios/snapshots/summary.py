"""The snapshot body of one portfolio: value, weights against the target with drift and bands, unrealized
gain per lot (short/long), per account and per asset, income, and how fresh the prices are."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from portfolios.models.prices import PriceSource
from portfolios.pricing.offline import OFFLINE_NOTICE
from portfolios.pricing.selectors import PricePoint
from rebalancing.bands import band_for, outside_band

from .inputs import OpenLot
from .money import ZERO, as_text, iso_utc, ratio

OK, STALE, MISSING = "ok", "stale", "missing"


def price_status(point: PricePoint | None, *, as_of: datetime, max_age: timedelta) -> str:
    if point is None:
        return MISSING
    if as_of - point.at > max_age:
        return STALE
    return OK


def summarise(
    *,
    lots: list[OpenLot],
    lot_values: list[Decimal | None],
    accounts: list[tuple[int, str, str, str]],
    assets: dict[int, tuple[int, str, str, str]],
    latest: dict[int, PricePoint],
    status: dict[int, str],
    target: tuple[int, str, Decimal | None, Decimal | None] | None,
    target_weights: dict[int, Decimal],
    income_rows: list[tuple[str, date, Decimal]],
    today: date,
    entered: set[int] | frozenset[int] = frozenset(),
    band_floor: Decimal | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The snapshot's `data` body (without as_of, day_change and ledger) and its headline totals.
    `entered`: the assets valued by a price the owner entered, which the body marks as such.
    `band_floor`: a hybrid band's floor (the target's widths are already those the policy's mode uses)."""
    account_names = {aid: name for aid, name, _, _ in accounts}
    qty: dict[int, Decimal] = defaultdict(Decimal)
    basis: dict[int, Decimal] = defaultdict(Decimal)
    value: dict[int, Decimal] = defaultdict(Decimal)
    holding_qty: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    holding_basis: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    holding_value: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    acct_basis: dict[int, Decimal] = defaultdict(Decimal)
    acct_value: dict[int, Decimal] = defaultdict(Decimal)
    acct_unrealized: dict[int, Decimal] = defaultdict(Decimal)
    unrealized = {"short": ZERO, "long": ZERO}
    lot_rows = []
    for lot, lot_value in zip(lots, lot_values, strict=True):
        key = (lot.account_id, lot.asset_id)
        qty[lot.asset_id] += lot.quantity
        basis[lot.asset_id] += lot.basis
        holding_qty[key] += lot.quantity
        holding_basis[key] += lot.basis
        acct_basis[lot.account_id] += lot.basis
        long_term = lot.long_term_from is None or today >= lot.long_term_from
        term = "long" if long_term else "short"
        gain = None
        if lot_value is not None:
            gain = lot_value - lot.basis
            value[lot.asset_id] += lot_value
            holding_value[key] += lot_value
            acct_value[lot.account_id] += lot_value
            acct_unrealized[lot.account_id] += gain
            unrealized[term] += gain
        symbol = assets[lot.asset_id][1]
        lot_rows.append(
            (
                (account_names.get(lot.account_id, ""), lot.account_id, symbol, lot.acquired, lot.lot_id),
                {
                    "lot_id": lot.lot_id,
                    "account_id": lot.account_id,
                    "account": account_names.get(lot.account_id, ""),
                    "asset_id": lot.asset_id,
                    "symbol": symbol,
                    "acquired": lot.acquired.isoformat(),
                    "quantity": as_text(lot.quantity),
                    "basis": as_text(lot.basis),
                    "value": as_text(lot_value),
                    "unrealized": as_text(gain),
                    "term": term,
                    "long_term_from": lot.long_term_from.isoformat() if lot.long_term_from else None,
                    "days_to_long_term": None
                    if long_term or lot.long_term_from is None
                    else (lot.long_term_from - today).days,
                },
            )
        )
    lot_rows.sort(key=lambda item: item[0])

    held = {aid for aid, q in qty.items() if q > 0}
    missing = sorted(assets[aid][1] for aid in held if status[aid] == MISSING)
    stale = sorted(assets[aid][1] for aid in held if status[aid] == STALE)
    total_value = sum((value[aid] for aid in held if status[aid] == OK), ZERO)
    total_basis = sum(basis.values(), ZERO)
    total_unrealized = unrealized["short"] + unrealized["long"]

    band_abs = target[2] if target else None
    band_rel = target[3] if target else None
    asset_rows: list[tuple[tuple[bool, Decimal, str], dict[str, Any]]] = []
    for aid in sorted(set(qty) | set(target_weights)):
        _, symbol, name, asset_class = assets[aid]
        point = latest.get(aid)
        quantity = qty.get(aid, ZERO)
        priced = status[aid] == OK
        # Nothing held is worth zero whatever the price; a holding without a usable price is unknown.
        asset_value = value[aid] if priced else (ZERO if not quantity else None)
        weight = ratio(asset_value, total_value) if asset_value is not None and total_value else None
        t_weight = target_weights.get(aid)
        band = None
        if t_weight is not None and target is not None:
            band = band_for(t_weight, absolute=band_abs, relative=band_rel, floor=band_floor)
        order = (asset_value is None, -asset_value if asset_value is not None else ZERO, symbol)
        asset_rows.append(
            (
                order,
                {
                    "asset_id": aid,
                    "symbol": symbol,
                    "name": name,
                    "asset_class": asset_class,
                    "quantity": as_text(quantity),
                    "price": as_text(point.price) if point else None,
                    "price_at": iso_utc(point.at) if point else None,
                    "price_source": point.source if point else None,
                    "price_status": status[aid],
                    "value": as_text(asset_value),
                    "cost_basis": as_text(basis.get(aid, ZERO)),
                    "unrealized": as_text(asset_value - basis.get(aid, ZERO))
                    if asset_value is not None
                    else None,
                    "weight": as_text(weight),
                    "target_weight": as_text(t_weight),
                    "drift": as_text(weight - t_weight)
                    if weight is not None and t_weight is not None
                    else None,
                    "band_low": as_text(band[0]) if band else None,
                    "band_high": as_text(band[1]) if band else None,
                    "outside_band": weight is not None and outside_band(weight, band),
                },
            )
        )
    asset_rows.sort(key=lambda item: item[0])
    for _, row in asset_rows:
        if row["asset_id"] in entered:
            row["price_entered"] = True

    holdings_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for (acct, asset_id), quantity in sorted(holding_qty.items(), key=lambda item: assets[item[0][1]][1]):
        priced = status[asset_id] == OK
        holdings_of[acct].append(
            {
                "asset_id": asset_id,
                "symbol": assets[asset_id][1],
                "quantity": as_text(quantity),
                "value": as_text(holding_value[(acct, asset_id)]) if priced else None,
                "cost_basis": as_text(holding_basis[(acct, asset_id)]),
            }
        )
    account_rows = []
    for aid, name, treatment, kind in accounts:
        holdings = holdings_of.get(aid, [])
        incomplete = any(h["value"] is None for h in holdings)
        account_rows.append(
            {
                "account_id": aid,
                "name": name,
                "tax_treatment": treatment,
                "kind": kind,
                "value": as_text(acct_value.get(aid, ZERO)),
                "cost_basis": as_text(acct_basis.get(aid, ZERO)),
                "unrealized": as_text(acct_unrealized.get(aid, ZERO)),
                "has_missing_prices": incomplete,
                "holdings": holdings,
            }
        )

    income_total = ZERO
    by_kind: dict[str, Decimal] = defaultdict(Decimal)
    by_month: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for kind, day, amount in income_rows:
        income_total += amount
        by_kind[kind] += amount
        by_month[f"{day:%Y-%m}"][kind] += amount
    income = {
        "total": as_text(income_total),
        "by_kind": {k: as_text(v) for k, v in sorted(by_kind.items())},
        "by_month": [
            {
                "month": month,
                "total": as_text(sum(kinds.values(), ZERO)),
                "by_kind": {k: as_text(v) for k, v in sorted(kinds.items())},
            }
            for month, kinds in sorted(by_month.items())
        ],
    }

    # An entered price is dated by the owner and never stale: "prices as of" speaks of the feeds.
    used = [latest[aid] for aid in held if aid in latest and aid not in entered]
    oldest = min((p.at for p in used), default=None)
    offline = any(p.source == PriceSource.OFFLINE for p in latest.values())
    shown = [aid for aid in held if aid in entered]
    # Only where the owner's own prices are in use, so every other snapshot keeps its shape.
    entered_prices: dict[str, list[str] | list[int]] = (
        {"entered": sorted(assets[aid][1] for aid in shown), "entered_ids": sorted(shown)} if shown else {}
    )
    body = {
        "total_value": as_text(total_value),
        "cost_basis": as_text(total_basis),
        "unrealized": {
            "short": as_text(unrealized["short"]),
            "long": as_text(unrealized["long"]),
            "total": as_text(total_unrealized),
        },
        "assets": [row for _, row in asset_rows],
        "accounts": account_rows,
        "lots": [row for _, row in lot_rows],
        "income": income,
        "prices": {
            "oldest_at": iso_utc(oldest),
            "missing": missing,
            "stale": stale,
            "offline": offline,
            "notice": OFFLINE_NOTICE if offline else "",
            **entered_prices,
        },
        "target": None
        if target is None
        else {
            "name": target[1],
            "band_absolute": as_text(band_abs),
            "band_relative": as_text(band_rel),
            "band_floor": as_text(band_floor),
        },
    }
    totals = {
        "value": total_value,
        "basis": total_basis,
        "unrealized": total_unrealized,
        "oldest_price_at": oldest,
    }
    return body, totals
