"""An owner's whole account as one JSON file, and that file restored into an empty account.

The file holds facts only: portfolios, accounts and their basis-method orders, the ledger, targets,
policies, tax profiles and entered prices. Lots, gains, snapshots and proposals are recomputed from them,
so a restored account reports what the original did. Every amount is an exact decimal string; accounts
are named, assets are (symbol, class) and a lot pick names its origin by the origin's `ref`, the
transaction's place in the owner's ledger order, which the restore keeps (ties in time replay alike).

Format "lotwise-export", version 1:
    {"format", "version", "exported_at", "user": {"timezone"},
     "portfolios": [{"name", "wash_sale_crypto",
                     "accounts": [{"name", "kind", "custodian", "basis_method", "reporting",
                                   "method_changes": [{"effective_from", "method"}]}],
                     "transactions": [{"ref", "timestamp", "account", "type", "asset", "quantity", ...,
                                       "lot_picks": [{"origin", "quantity"}]}],
                     "target": {"name", "version", "weights": [{"asset", "weight"}], "versions": [...]},
                     "policy": {...}}],
     "tax_profiles": [{"year", "filing_status", ...}],
     "owner_prices": [{"asset", "date", "price"}]}
An asset is {"symbol", "asset_class"}, with "private": true, "name", "price_source" and
"price_source_id" for one of the owner's own (not in the shared catalogue).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from portfolios.backup_read import (
    FORMAT,
    POLICY_CHOICES,
    POLICY_DECIMALS,
    POLICY_FLAGS,
    PROFILE_DECIMALS,
    VERSION,
    RestoreError,
)
from portfolios.backup_restore import account_is_empty, restore_into
from portfolios.decimals import exact_text
from portfolios.models import (
    Account,
    Asset,
    BasisMethodChange,
    LotPick,
    OwnerPrice,
    Portfolio,
    Transaction,
    User,
)
from rebalancing.models import Policy, Target, TargetVersion, TargetWeight
from taxes.models import TaxProfile


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else exact_text(value)


def asset_json(asset: Asset) -> dict[str, Any]:
    out: dict[str, Any] = {"symbol": asset.symbol, "asset_class": asset.asset_class}
    if asset.owner_id is not None:
        out.update(
            private=True,
            name=asset.name,
            price_source=asset.price_source,
            price_source_id=asset.price_source_id,
        )
    return out


def _account_json(account: Account) -> dict[str, Any]:
    return {
        "name": account.name,
        "kind": account.kind,
        "custodian": account.custodian,
        "basis_method": account.basis_method,
        "reporting": account.reporting,
        "method_changes": [
            {"effective_from": c.effective_from.isoformat(), "method": c.method}
            for c in BasisMethodChange.objects.filter(account=account).order_by("effective_from")
        ],
    }


def _transaction_json(tx: Transaction, refs: dict[int, int], picks: list[LotPick]) -> dict[str, Any]:
    return {
        "ref": refs[tx.pk],
        "timestamp": tx.timestamp.isoformat(),
        "account": tx.account.name,
        "type": tx.type,
        "asset": asset_json(tx.asset) if tx.asset else None,
        "quantity": exact_text(tx.quantity),
        "unit_price": _dec(tx.unit_price),
        "fee": exact_text(tx.fee),
        "counter_asset": asset_json(tx.counter_asset) if tx.counter_asset else None,
        "counter_quantity": _dec(tx.counter_quantity),
        "to_account": tx.to_account.name if tx.to_account else None,
        "acquired_at": tx.acquired_at.isoformat() if tx.acquired_at else None,
        "cost_basis": _dec(tx.cost_basis),
        "external_id": tx.external_id,
        "content_hash": tx.content_hash,
        "notes": tx.notes,
        "lot_picks": [{"origin": refs[p.origin_id], "quantity": exact_text(p.quantity)} for p in picks],
    }


def _weights_json(weights: dict[int, Decimal], assets: dict[int, Asset]) -> list[dict[str, Any]]:
    return [
        {"asset": asset_json(assets[aid]), "weight": exact_text(w)}
        for aid, w in sorted(weights.items(), key=lambda item: (assets[item[0]].symbol, item[0]))
        if aid in assets
    ]


def _target_json(portfolio: Portfolio) -> dict[str, Any] | None:
    target = Target.objects.filter(portfolio=portfolio).first()
    if target is None:
        return None
    current = {w.asset_id: w.weight for w in TargetWeight.objects.filter(target=target)}
    versions = list(TargetVersion.objects.filter(target=target).order_by("number"))
    ids = set(current) | {int(a) for v in versions for a in v.weights if str(a).isdigit()}
    assets = Asset.objects.in_bulk(ids)
    return {
        "name": target.name,
        "band_absolute": _dec(target.band_absolute),
        "band_relative": _dec(target.band_relative),
        "version": target.version,
        "model": target.model,
        "model_params": target.model_params,
        "set_at": target.set_at.isoformat() if target.set_at else None,
        "weights": _weights_json(current, assets),
        "versions": [
            {
                "number": v.number,
                "model": v.model,
                "model_params": v.model_params,
                "weights": _weights_json(
                    {int(a): Decimal(w) for a, w in v.weights.items() if str(a).isdigit()}, assets
                ),
            }
            for v in versions
        ],
    }


def _policy_json(portfolio: Portfolio, account_names: dict[int, str]) -> dict[str, Any] | None:
    policy = Policy.objects.filter(portfolio=portfolio).first()
    if policy is None:
        return None
    out: dict[str, Any] = {name: getattr(policy, name) for name in POLICY_CHOICES + POLICY_FLAGS}
    out.update({name: _dec(getattr(policy, name)) for name in POLICY_DECIMALS})
    # Account ids mean nothing in another account: the costs travel under the account's name.
    out["account_costs"] = {
        account_names[int(key)]: value
        for key, value in (policy.account_costs or {}).items()
        if str(key).isdigit() and int(key) in account_names
    }
    return out


def account_export(*, user: User) -> dict[str, Any]:
    """Everything `user` entered, as the JSON-ready document described above; only `user`'s own data."""
    ledger = list(
        Transaction.objects.filter(portfolio__owner=user)
        .select_related("account", "to_account", "asset", "counter_asset")
        .order_by("timestamp", "id")
    )
    refs = {tx.pk: index for index, tx in enumerate(ledger, start=1)}
    picks: dict[int, list[LotPick]] = {}
    for pick in LotPick.objects.filter(transaction__portfolio__owner=user).order_by("id"):
        picks.setdefault(pick.transaction_id, []).append(pick)
    portfolios = []
    for portfolio in Portfolio.objects.filter(owner=user).order_by("name", "id"):
        accounts = list(Account.objects.filter(portfolio=portfolio).order_by("name", "id"))
        portfolios.append(
            {
                "name": portfolio.name,
                "wash_sale_crypto": portfolio.wash_sale_crypto,
                "accounts": [_account_json(a) for a in accounts],
                "transactions": [
                    _transaction_json(tx, refs, picks.get(tx.pk, []))
                    for tx in ledger
                    if tx.portfolio_id == portfolio.pk
                ],
                "target": _target_json(portfolio),
                "policy": _policy_json(portfolio, {a.pk: a.name for a in accounts}),
            }
        )
    profiles = [
        {
            "year": p.year,
            "filing_status": p.filing_status,
            "state": p.state,
            **{name: exact_text(getattr(p, name)) for name in PROFILE_DECIMALS},
        }
        for p in TaxProfile.objects.filter(owner=user).order_by("year")
    ]
    prices = [
        {"asset": asset_json(p.asset), "date": p.date.isoformat(), "price": exact_text(p.price)}
        for p in OwnerPrice.objects.filter(owner=user)
        .select_related("asset")
        .order_by("asset__symbol", "asset__asset_class", "date")
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "user": {"timezone": user.timezone},
        "portfolios": portfolios,
        "tax_profiles": profiles,
        "owner_prices": prices,
    }


def read_export(raw: bytes | str) -> Any:
    """A file's bytes as JSON (UTF-8, -16 or -32); RestoreError saying why not."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise RestoreError("", f"The file is not JSON: {str(exc)[:200]}") from None


def export_filename(*, user: User, at: datetime | None = None) -> str:
    when = (at or timezone.now()).astimezone(user.tzinfo)
    return f"lotwise-{user.username}-{when:%Y-%m-%d}.json"


@dataclass(frozen=True)
class RestoreSummary:
    portfolios: int
    accounts: int
    transactions: int
    lots: int
    tax_profiles: int
    owner_prices: int

    def __str__(self) -> str:
        return (
            f"{self.portfolios} portfolio(s), {self.accounts} account(s), {self.transactions} transaction(s) "
            f"({self.lots} open lot(s) recomputed), {self.tax_profiles} tax profile(s), "
            f"{self.owner_prices} entered price(s)"
        )


@transaction.atomic
def account_restore(*, user: User, data: Any) -> RestoreSummary:
    """Restore an `account_export` document into `user`'s account, which must be empty. All or nothing:
    RestoreError (a ValidationError) names the JSON path of the first problem and nothing is saved."""
    counts = restore_into(user=user, data=data)
    return RestoreSummary(**counts)


__all__ = [
    "FORMAT",
    "VERSION",
    "RestoreError",
    "RestoreSummary",
    "account_export",
    "account_is_empty",
    "account_restore",
    "export_filename",
    "read_export",
]
