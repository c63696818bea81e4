"""Writing an account export into an empty account (`portfolios.backup.account_restore` is the entry point).

Portfolios, accounts, method changes, policies and entered prices go through their services; the ledger
is inserted in bulk in the file's `ref` order (so events at one moment replay in the original order) and
the owner's lots are computed once at the end. Any refusal is a RestoreError naming the JSON path, raised
inside the caller's transaction, so nothing of a refused file stays.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from portfolios import account_services
from portfolios.assets import asset_new, asset_save, symbol_error
from portfolios.backup_read import (
    FORMAT,
    POLICY_CHOICES,
    POLICY_DECIMALS,
    POLICY_FLAGS,
    PROFILE_DECIMALS,
    VERSION,
    Node,
    RestoreError,
    at,
)
from portfolios.db import bulk_insert
from portfolios.decimals import exact_text
from portfolios.models import Account, Asset, LotPick, OwnerPrice, Portfolio, Transaction, User
from portfolios.models.ledger import (
    AccountKind,
    AssetClass,
    BasisMethod,
    BrokerReporting,
    PriceFeed,
    TransactionType,
)
from portfolios.owner_prices import owner_price_set
from portfolios.services import ledger_changed
from portfolios.transaction_checks import TransactionData, transaction_errors
from rebalancing.models import BandMode, Calendar, Target, TargetModel, TargetVersion, TargetWeight, TradeTo
from rebalancing.target_services import policy_update, weights_errors
from taxes.models import FilingStatus, TaxProfile
from taxes.services import RecomputeError, owner_recompute

ZERO = Decimal(0)
CHOICES = {"band_mode": BandMode.values, "calendar": Calendar.values, "trade_to": TradeTo.values}


def account_is_empty(*, user: User) -> bool:
    return not (
        Portfolio.objects.filter(owner=user).exists()
        or TaxProfile.objects.filter(owner=user).exists()
        or OwnerPrice.objects.filter(owner=user).exists()
    )


@contextmanager
def _at(path: str) -> Iterator[None]:
    """A service's ValidationError as a RestoreError at `path` (and the field the service named)."""
    try:
        yield
    except RestoreError:
        raise
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            field, errors = next(iter(exc.message_dict.items()))
            raise RestoreError(at(path, field) if field != NON_FIELD_ERRORS else path, errors[0]) from exc
        raise RestoreError(path, exc.messages[0]) from exc


class _Assets:
    """Assets as the file names them: a shared one is the catalogue's row (created on first use), a
    private one is recreated as this user's own."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.found: dict[tuple[str, str, bool], Asset] = {}

    def get(self, node: Node) -> Asset:
        symbol = node.text("symbol", max_length=20)
        problem = symbol_error(symbol)
        if problem:
            raise RestoreError(at(node.path, "symbol"), problem)
        asset_class = node.choice("asset_class", AssetClass.values)
        private = node.flag("private", default=False)
        key = (symbol, asset_class, private)
        if key in self.found:
            return self.found[key]
        if private:
            asset, _ = Asset.objects.get_or_create(
                owner=self.user,
                symbol=symbol,
                asset_class=asset_class,
                defaults={
                    "name": node.text("name", max_length=100, default=symbol),
                    "price_source": node.choice("price_source", ["", *PriceFeed.values], default=""),
                    "price_source_id": node.text("price_source_id", max_length=100, default=""),
                },
            )
        else:
            asset = Asset.objects.filter(
                owner=None, symbol=symbol, asset_class=asset_class
            ).first() or asset_save(asset_new(user=self.user, symbol=symbol, asset_class=asset_class))
        self.found[key] = asset
        return asset

    def optional(self, node: Node, key: str) -> Asset | None:
        child = node.optional(key)
        return None if child is None else self.get(child)


def _portfolio(node: Node, user: User) -> tuple[Portfolio, dict[str, Account]]:
    name = node.text("name", max_length=100)
    with _at(at(node.path, "name")):
        portfolio = account_services.portfolio_create(owner=user, name=name)
    if node.flag("wash_sale_crypto", default=False):
        account_services.portfolio_update(portfolio=portfolio, name=portfolio.name, wash_sale_crypto=True)
    accounts: dict[str, Account] = {}
    for item in node.items("accounts"):
        fields = {
            "name": item.text("name", max_length=100),
            "kind": item.choice("kind", AccountKind.values),
            "basis_method": item.choice("basis_method", BasisMethod.values, default=BasisMethod.FIFO),
            "reporting": item.choice("reporting", BrokerReporting.values, default=BrokerReporting.NO_FORM),
            "custodian": item.text("custodian", max_length=100, default=""),
        }
        with _at(item.path):
            account = account_services.account_create(portfolio=portfolio, **fields)
        accounts[account.name] = account
        for change in item.items("method_changes", default=[]):
            method = change.choice("method", BasisMethod.values)
            effective = change.day("effective_from")
            with _at(change.path):
                account_services.account_method_change(
                    account=account, method=method, effective_from=effective
                )
    return portfolio, accounts


def _account(node: Node, key: str, accounts: dict[str, Account], *, optional: bool = False) -> Any:
    name = node.text(key, default=None) if optional else node.text(key)
    if name is None:
        return None
    if name not in accounts:
        raise RestoreError(at(node.path, key), f"no account named {name!r} in this portfolio.")
    return accounts[name]


class _Ledger:
    """The transactions of every portfolio, checked, then written in `ref` order."""

    def __init__(self, assets: _Assets) -> None:
        self.assets = assets
        self.rows: dict[int, tuple[Transaction, Node]] = {}
        self.picks: list[tuple[int, Node]] = []

    def add(self, portfolio: Portfolio, node: Node, accounts: dict[str, Account]) -> None:
        ref = node.integer("ref", low=1)
        if ref in self.rows:
            raise RestoreError(at(node.path, "ref"), f"ref {ref} is used twice.")
        data = TransactionData(
            account=_account(node, "account", accounts),
            type=node.choice("type", TransactionType.values),
            timestamp=node.moment("timestamp"),
            quantity=node.decimal("quantity"),
            asset=self.assets.optional(node, "asset"),
            unit_price=node.decimal("unit_price", default=None),
            fee=node.decimal("fee", default=ZERO),
            counter_asset=self.assets.optional(node, "counter_asset"),
            counter_quantity=node.decimal("counter_quantity", default=None),
            to_account=_account(node, "to_account", accounts, optional=True),
            acquired_at=node.day("acquired_at", default=None),
            cost_basis=node.decimal("cost_basis", default=None),
            external_id=node.text("external_id", max_length=200, default=""),
            notes=node.text("notes", default=""),
        )
        errors = transaction_errors(portfolio=portfolio, data=data)
        if errors:
            field, message = next(iter(errors.items()))
            raise RestoreError(at(node.path, field), message)
        tx = Transaction(
            portfolio=portfolio,
            **{
                name: getattr(data, name)
                for name in TransactionData.__dataclass_fields__
                if name != "lot_picks"
            },
            content_hash=node.text("content_hash", max_length=64, default=""),
        )
        self.rows[ref] = (tx, node)
        self.picks.extend((ref, pick) for pick in node.items("lot_picks", default=[]))

    def _check_unique(self) -> None:
        seen: set[tuple[int, str, str]] = set()
        for tx, node in self.rows.values():
            for name in ("external_id", "content_hash"):
                value = getattr(tx, name)
                key = (tx.portfolio.pk, name, value)
                if value and key in seen:
                    raise RestoreError(at(node.path, name), f"{value!r} is used twice in this portfolio.")
                seen.add(key)

    def write(self, user: User) -> int:
        self._check_unique()
        ordered = sorted(self.rows)
        bulk_insert(Transaction, [self.rows[ref][0] for ref in ordered], need_ids=True)
        picks = []
        for ref, pick in self.picks:
            tx, _ = self.rows[ref]
            origin_ref = pick.integer("origin", low=1)
            origin = self.rows.get(origin_ref)
            if origin is None or origin[0].portfolio.pk != tx.portfolio.pk:
                raise RestoreError(
                    at(pick.path, "origin"), f"no transaction with ref {origin_ref} in this portfolio."
                )
            quantity = pick.decimal("quantity")
            if quantity <= 0:
                raise RestoreError(at(pick.path, "quantity"), "must be greater than zero.")
            picks.append(LotPick(transaction=tx, origin=origin[0], quantity=quantity))
        LotPick.objects.bulk_create(picks)
        try:
            result = owner_recompute(owner=user, changed_from=None)
        except RecomputeError as exc:
            where = {tx.pk: node.path for tx, node in self.rows.values()}.get(exc.transaction_id or 0, "")
            raise RestoreError(where, f"the ledger does not add up here: {exc.message}") from exc
        return result.lots


def _target(node: Node, portfolio: Portfolio, assets: _Assets) -> None:
    def weights(parent: Node) -> dict[int, Decimal]:
        found: dict[int, Decimal] = {}
        for item in parent.items("weights", default=[]):
            asset = assets.get(item.child("asset"))
            if asset.pk in found:
                raise RestoreError(item.path, f"{asset.symbol} is listed twice.")
            found[asset.pk] = item.decimal("weight")
        errors = weights_errors(found) if found else []
        if errors:
            raise RestoreError(at(parent.path, "weights"), errors[0])
        return found

    current = weights(node)
    target = Target.objects.create(
        portfolio=portfolio,
        name=node.text("name", max_length=100, default="Target allocation"),
        band_absolute=node.decimal("band_absolute", default=None),
        band_relative=node.decimal("band_relative", default=None),
        version=node.integer("version", default=0),
        model=node.choice("model", TargetModel.values, default=TargetModel.CUSTOM),
        model_params=node.mapping("model_params", default={}),
        set_at=node.moment("set_at", default=None),
    )
    TargetWeight.objects.bulk_create(
        TargetWeight(target=target, asset_id=a, weight=w) for a, w in current.items() if w > 0
    )
    numbers: set[int] = set()
    for item in node.items("versions", default=[]):
        number = item.integer("number", low=1)
        if number in numbers:
            raise RestoreError(at(item.path, "number"), f"version {number} is listed twice.")
        numbers.add(number)
        TargetVersion.objects.create(
            target=target,
            number=number,
            weights={str(a): exact_text(w) for a, w in weights(item).items()},
            model=item.choice("model", TargetModel.values, default=TargetModel.CUSTOM),
            model_params=item.mapping("model_params", default={}),
        )


def _policy(node: Node, portfolio: Portfolio, accounts: dict[str, Account]) -> None:
    changes: dict[str, Any] = {}
    for name in POLICY_CHOICES:
        if node.value.get(name) is not None:
            changes[name] = node.choice(name, CHOICES[name])
    for name in POLICY_FLAGS:
        if node.value.get(name) is not None:
            changes[name] = node.flag(name)
    for name in POLICY_DECIMALS:
        if name in node.value:
            changes[name] = node.decimal(name, default=None)
    costs = node.mapping("account_costs", default={})
    for name, value in costs.items():
        if name not in accounts or not isinstance(value, dict):
            raise RestoreError(
                at(at(node.path, "account_costs"), name), "an account of this portfolio, with an object."
            )
        # Every proposal reads these as amounts: each must be one, or no proposal could be made.
        entry = Node(value, at(at(node.path, "account_costs"), name))
        for key in value:
            if key not in ("fee_bps", "fee_fixed", "slippage_bps"):
                raise RestoreError(at(entry.path, key), "one of fee_bps, fee_fixed and slippage_bps.")
            if entry.decimal(key, default=None) is not None and entry.decimal(key) < 0:
                raise RestoreError(at(entry.path, key), "must not be negative.")
    changes["account_costs"] = {str(accounts[name].pk): value for name, value in costs.items()}
    with _at(node.path):
        policy_update(portfolio=portfolio, **changes)


def _tax_profile(node: Node, user: User, years: set[int]) -> None:
    year = node.integer("year", low=1900, high=2200)
    if year in years:
        raise RestoreError(at(node.path, "year"), f"{year} is listed twice.")
    years.add(year)
    profile = TaxProfile(
        owner=user,
        year=year,
        filing_status=node.choice("filing_status", FilingStatus.values, default=FilingStatus.SINGLE),
        state=node.text("state", max_length=2, default=""),
        **{name: node.decimal(name, default=ZERO) for name in PROFILE_DECIMALS},
    )
    with _at(node.path):
        profile.full_clean()
        profile.save()


def restore_into(*, user: User, data: Any) -> dict[str, int]:
    """The restore itself; the caller holds the transaction. Returns the counts of what was written."""
    root = Node(data, "")
    if root.text("format") != FORMAT:
        raise RestoreError("format", f"this is not a Lotwise account export (expected {FORMAT!r}).")
    version = root.integer("version")
    if version != VERSION:
        raise RestoreError("version", f"version {version} is not one this Lotwise reads (only {VERSION}).")
    if not account_is_empty(user=user):
        raise RestoreError(
            "",
            "Your account already has portfolios, tax profiles or entered prices: an export is restored only "
            "into an empty account.",
        )
    user_node = root.child("user")
    zone = user_node.text("timezone", max_length=64)
    with _at(at(user_node.path, "timezone")):
        account_services.user_timezone_update(user=user, timezone_name=zone)
    assets = _Assets(user)
    ledger = _Ledger(assets)
    counts = dict.fromkeys(("portfolios", "accounts", "transactions", "tax_profiles", "owner_prices"), 0)
    later: list[tuple[Node, Portfolio, dict[str, Account]]] = []
    for node in root.items("portfolios"):
        portfolio, accounts = _portfolio(node, user)
        counts["portfolios"] += 1
        counts["accounts"] += len(accounts)
        for item in node.items("transactions", default=[]):
            ledger.add(portfolio, item, accounts)
        later.append((node, portfolio, accounts))
    counts["transactions"] = len(ledger.rows)
    counts["lots"] = ledger.write(user)
    for node, portfolio, accounts in later:
        target = node.optional("target")
        if target is not None:
            _target(target, portfolio, assets)
        policy = node.optional("policy")
        if policy is not None:
            _policy(policy, portfolio, accounts)
    years: set[int] = set()
    for item in root.items("tax_profiles", default=[]):
        _tax_profile(item, user, years)
        counts["tax_profiles"] += 1
    for item in root.items("owner_prices", default=[]):
        asset = assets.get(item.child("asset"))
        day, price = item.day("date"), item.decimal("price")
        with _at(item.path):
            owner_price_set(owner=user, asset=asset, day=day, price=price)
        counts["owner_prices"] += 1
    if later:
        ledger_changed(portfolio=later[0][1])
    return counts
