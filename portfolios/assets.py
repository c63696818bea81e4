"""Assets: which ones a user sees, finding one by symbol, creating one, and the prices an owner enters.

A symbol alone may name two assets (T is AT&T's stock and Threshold Network's token), so an asset is a
(symbol, class). An asset the bundled catalogue lists is shared and comes with its name and price feed;
any other is private to the user whose import or form created it, so one user's junk never reaches
another's lists. Every entry point (import, form, API, price file) resolves symbols here.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from portfolios import catalogue
from portfolios.catalogue import parse_asset_label
from portfolios.importers.assets import asset_class_guess, asset_note
from portfolios.models import Asset, Portfolio, Transaction, User
from portfolios.models.ledger import (
    FEED_FOR_CLASS,
    SECURITY_CLASSES,
    SYMBOL_HELP,
    SYMBOL_PATTERN,
    AssetClass,
)
from portfolios.services import ledger_changed
from taxes.services import RecomputeError, owner_recompute

logger = logging.getLogger("lotwise.prices")

_SYMBOL = re.compile(SYMBOL_PATTERN)
# "T (stock)": how pages show an ambiguous symbol, and how a client may name one.
# Cash is the ledger's own unit, never an asset a file or form creates.
CHOOSABLE_CLASSES: tuple[str, ...] = tuple(c for c in AssetClass.values if c != AssetClass.CASH)


class AssetError(ValueError):
    """A symbol that names no asset, or more than one. `kind` is "invalid", "ambiguous" (`choices` are
    the labels it could mean) or "unknown" (not in the catalogue: a class is needed); each entry point
    adds how its user says which."""

    def __init__(self, message: str, *, kind: str = "invalid", choices: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.choices = list(choices)


# --- symbols ---------------------------------------------------------------------------------------------


def canonical_symbol(symbol: str) -> str:
    """The spelling an asset is stored under: the catalogue's when it knows the symbol (a broker's BRK/B
    is BRK.B), else the symbol in upper case."""
    found = catalogue.lookup(symbol)
    return found[0].symbol if found else symbol.strip().upper()


def symbol_error(symbol: str) -> str | None:
    """Why `symbol` cannot be an asset's symbol, or None."""
    if _SYMBOL.fullmatch(symbol):
        return None
    shown = symbol if len(symbol) <= 40 else symbol[:40] + "…"
    return f"{shown!r} is not a symbol: a symbol is {SYMBOL_HELP}"


def ambiguous_symbols(assets: Iterable[Asset]) -> set[str]:
    """Symbols that more than one of these assets carry: where pages must show the class too."""
    classes: dict[str, set[str]] = defaultdict(set)
    for asset in assets:
        classes[asset.symbol].add(asset.asset_class)
    return {symbol for symbol, found in classes.items() if len(found) > 1}


# --- reads -----------------------------------------------------------------------------------------------


def visible_to(user: User | int | None) -> Q:
    """Catalogue (shared) assets, and the user's own (`user` may be the user's id)."""
    owner_id = user.pk if isinstance(user, User) else user
    if owner_id is None:
        return Q(owner__isnull=True)
    return Q(owner__isnull=True) | Q(owner_id=owner_id)


def assets_visible(*, user: User | int | None) -> QuerySet[Asset]:
    return Asset.objects.filter(visible_to(user))


def assets_of_owner(*, owner: User) -> QuerySet[Asset]:
    """The assets in the owner's ledgers, and the owner's own assets even before any transaction."""
    ledger = Transaction.objects.filter(portfolio__owner=owner)
    used = Q(pk__in=ledger.values("asset_id")) | Q(pk__in=ledger.values("counter_asset_id")) | Q(owner=owner)
    return assets_visible(user=owner).filter(used).order_by("symbol", "asset_class", "id")


def _prefer_own(assets: Iterable[Asset]) -> dict[str, Asset]:
    """Class -> asset; where a legacy shared asset and the user's own share a class, the user's wins."""
    by_class: dict[str, Asset] = {}
    for asset in assets:
        if asset.asset_class not in by_class or asset.owner_id is not None:
            by_class[asset.asset_class] = asset
    return by_class


# --- writes ----------------------------------------------------------------------------------------------


def asset_new(*, user: User, symbol: str, asset_class: str) -> Asset:
    """An unsaved asset for (symbol, class): shared with the catalogue's name and feed when the catalogue
    lists that pair, else the user's own, quoted by its class's usual feed where one can find it (a
    security by its ticker; a coin needs a CoinGecko id nobody has given yet)."""
    entry = catalogue.get(symbol, asset_class)
    if entry is not None:
        return Asset(
            symbol=entry.symbol,
            name=entry.name,
            asset_class=asset_class,
            price_source=entry.price_source,
            price_source_id=entry.price_source_id,
            owner=None,
        )
    security = asset_class in SECURITY_CLASSES
    return Asset(
        symbol=symbol,
        name=symbol,
        asset_class=asset_class,
        price_source=FEED_FOR_CLASS.get(asset_class, ""),
        # Yahoo writes a share class with a dash (BRK-B) where brokers write a dot.
        price_source_id=symbol.replace(".", "-") if security else "",
        owner=user,
    )


def asset_save(asset: Asset) -> Asset:
    """Store an asset from `asset_new`. Two imports may create the same catalogue asset at once: the
    second finds the first's row instead of failing on the unique constraint."""
    if asset.pk is not None:
        return asset
    saved, _ = Asset.objects.get_or_create(
        symbol=asset.symbol,
        asset_class=asset.asset_class,
        owner=asset.owner,
        defaults={
            "name": asset.name,
            "price_source": asset.price_source,
            "price_source_id": asset.price_source_id,
        },
    )
    return saved


def asset_lookup(*, user: User, symbol: str, asset_class: str | None = None) -> Asset:
    """The asset `symbol` (and `asset_class`, if given) names for this user, without guessing: an
    existing one the user sees, else an unsaved one from the catalogue (or, with a class, the user's
    own). AssetError when the symbol is invalid, names several assets, or is unknown and has no class."""
    sym = canonical_symbol(symbol)
    problem = symbol_error(sym)
    if problem:
        raise AssetError(problem)
    if asset_class is not None and asset_class not in CHOOSABLE_CLASSES:
        raise AssetError(f"{asset_class!r} is not an asset class; one of {', '.join(CHOOSABLE_CLASSES)}.")
    existing = _prefer_own(assets_visible(user=user).filter(symbol=sym))
    if asset_class is not None:
        return existing.get(asset_class) or asset_new(user=user, symbol=sym, asset_class=asset_class)
    if len(existing) == 1:
        return next(iter(existing.values()))
    if existing:
        labels = [existing[c].label for c in sorted(existing)]
        raise AssetError(
            f"{sym} is more than one asset: {', '.join(labels)}.", kind="ambiguous", choices=labels
        )
    found = catalogue.lookup(sym)
    if len(found) == 1:
        return asset_new(user=user, symbol=sym, asset_class=found[0].asset_class)
    if found:
        labels = [f"{e.symbol} ({e.asset_class})" for e in found]
        names = " and ".join(f"{e.name} ({e.asset_class})" for e in found)
        raise AssetError(f"{sym} is both {names}.", kind="ambiguous", choices=labels)
    raise AssetError(f"{sym} is not in the catalogue, so its class is needed.", kind="unknown")


def asset_for_symbol(*, user: User, symbol: str, asset_class: str | None = None) -> Asset:
    """As `asset_lookup`, creating the asset when it is new."""
    return asset_save(asset_lookup(user=user, symbol=symbol, asset_class=asset_class))


@dataclass(frozen=True)
class NewAsset:
    """An asset an import creates, as its preview lists it."""

    symbol: str
    asset_class: str
    name: str
    note: str  # why the owner should check the class; "" when the catalogue settles it
    private: bool
    chosen: bool  # the owner picked the class on the preview

    def as_json(self) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "asset_class": self.asset_class,
            "name": self.name,
            "note": self.note,
            "private": self.private,
            "chosen": self.chosen,
        }


class AssetResolver:
    """Symbols of one import file to assets, for one user.

    A symbol the user already has as one asset is that asset. Otherwise the class comes from the owner's
    choice on the preview (`classes`), else from `guess` (the catalogue, told the file's format), and the
    asset is created; `created` lists what was made, with a note where the owner should check the class.
    Within one file a symbol is always the same asset.
    """

    def __init__(
        self,
        *,
        user: User,
        source: str = "lotwise",
        classes: Mapping[str, str] | None = None,
        guess: Callable[..., str] = asset_class_guess,
    ) -> None:
        self.user = user
        self.source = source
        self.guess = guess
        self.classes = {
            canonical_symbol(symbol): cls
            for symbol, cls in (classes or {}).items()
            if cls in CHOOSABLE_CLASSES
        }
        grouped: dict[str, list[Asset]] = defaultdict(list)
        for asset in assets_visible(user=user):
            grouped[asset.symbol].append(asset)
        self._existing = {symbol: _prefer_own(found) for symbol, found in grouped.items()}
        self._resolved: dict[str, Asset] = {}
        self._used: set[int] | None = None
        self.created: list[NewAsset] = []

    def resolve(self, symbol: str) -> Asset:
        sym = canonical_symbol(symbol)
        if sym in self._resolved:
            return self._resolved[sym]
        problem = symbol_error(sym)
        if problem:
            raise AssetError(problem)
        existing = self._existing.setdefault(sym, {})
        chosen = self.classes.get(sym)
        settled = self.source != "lotwise" and len(catalogue.lookup(sym)) > 1
        if chosen:
            asset = existing.get(chosen) or self._create(sym, chosen, chosen=True)
        elif len(existing) == 1 and not settled:
            asset = next(iter(existing.values()))
        elif (mine := self._used_by_user(existing)) is not None and not settled:
            asset = mine
        else:
            # The file's kind decides an ambiguous catalogue symbol (a brokerage's T is AT&T, an
            # exchange's is the coin), even when the user has the other one already.
            guessed = self.guess(sym, source=self.source)
            asset = existing.get(guessed) or self._create(sym, guessed, chosen=False)
        self._resolved[sym] = asset
        return asset

    def _used_by_user(self, existing: Mapping[str, Asset]) -> Asset | None:
        """Of several assets with one symbol, the one the user's ledgers use, if exactly one is."""
        if len(existing) < 2:
            return None
        if self._used is None:
            ledger = Transaction.objects.filter(portfolio__owner=self.user)
            self._used = set(ledger.exclude(asset=None).values_list("asset_id", flat=True)) | set(
                ledger.exclude(counter_asset=None).values_list("counter_asset_id", flat=True)
            )
        used = [asset for asset in existing.values() if asset.pk in self._used]
        return used[0] if len(used) == 1 else None

    def _create(self, symbol: str, asset_class: str, *, chosen: bool) -> Asset:
        asset = asset_save(asset_new(user=self.user, symbol=symbol, asset_class=asset_class))
        self._existing[symbol][asset_class] = asset
        self.created.append(
            NewAsset(
                symbol=asset.symbol,
                asset_class=asset.asset_class,
                name=asset.name,
                note=asset_note(symbol, asset_class),
                private=asset.owner_id is not None,
                chosen=chosen,
            )
        )
        return asset


# --- an asset's class ------------------------------------------------------------------------------------


def asset_class_alternatives(*, asset: Asset) -> list[catalogue.CatalogueEntry]:
    """The catalogue's other entries for a shared asset's symbol: what its owner may use instead, since a
    shared asset's class is everyone's and not one owner's to change."""
    if asset.owner_id is not None:
        return []
    return [e for e in catalogue.lookup(asset.symbol) if e.asset_class != asset.asset_class]


def asset_class_change(*, owner: User, asset: Asset, asset_class: str) -> Asset:
    """Make `asset` count as `asset_class` in the owner's portfolios and recompute the owner's ledger, whose
    wash sales (and so gains and lot bases) depend on the class. Returns the asset the ledger now uses.

    The owner's own asset changes in place (taking the catalogue's name and feed when the catalogue lists
    the symbol in that class). A shared catalogue asset cannot change for one owner: the owner's
    transactions move to the catalogue's entry for the symbol in that class, if there is one. Refused
    whole, with a ValidationError saying why, when the ledger no longer adds up afterwards.
    """
    if asset_class not in CHOOSABLE_CLASSES:
        raise ValidationError({"asset_class": f"{asset_class!r} is not an asset class."})
    if asset.owner_id not in (None, owner.pk):
        raise ValidationError({"asset": "Choose one of your assets."})
    if asset.asset_class == asset_class:
        return asset
    label = AssetClass(asset_class).label
    with transaction.atomic():
        if asset.owner_id is None:
            used = _ledger_switch(owner=owner, asset=asset, asset_class=asset_class, label=label)
        else:
            used = _class_set(owner=owner, asset=asset, asset_class=asset_class, label=label)
        try:
            owner_recompute(owner=owner, changed_from=None)
        except RecomputeError as exc:
            raise ValidationError(
                f"{asset.symbol} cannot be {label}: with this change the ledger no longer adds up: {exc}"
            ) from exc
        first = Portfolio.objects.filter(owner=owner).order_by("pk").first()
        if first is not None:
            ledger_changed(portfolio=first)
    return used


def _class_set(*, owner: User, asset: Asset, asset_class: str, label: str) -> Asset:
    clash = Asset.objects.filter(owner=owner, symbol=asset.symbol, asset_class=asset_class)
    if clash.exclude(pk=asset.pk).exists():
        raise ValidationError(
            {"asset_class": f"You already have a {asset.symbol} that is {label}; use that one instead."}
        )
    entry = catalogue.get(asset.symbol, asset_class)
    if entry is not None:
        asset.name = entry.name
        asset.price_source, asset.price_source_id = entry.price_source, entry.price_source_id
    elif FEED_FOR_CLASS.get(asset_class, "") != asset.price_source:
        # The old feed's id means nothing to the new class's feed; a security is quoted by its ticker.
        fresh = asset_new(user=owner, symbol=asset.symbol, asset_class=asset_class)
        asset.price_source, asset.price_source_id = fresh.price_source, fresh.price_source_id
    asset.asset_class = asset_class
    asset.save(update_fields=["asset_class", "name", "price_source", "price_source_id"])
    return asset


def _ledger_switch(*, owner: User, asset: Asset, asset_class: str, label: str) -> Asset:
    entry = catalogue.get(asset.symbol, asset_class)
    if entry is None:
        others = asset_class_alternatives(asset=asset)
        offer = (
            "; choose " + " or ".join(f"{e.name} ({AssetClass(e.asset_class).label})" for e in others)
            if others
            else ""
        )
        raise ValidationError(
            {
                "asset_class": f"{asset.symbol} ({asset.name}) is a catalogue asset shared by every user, so "
                f"its class is not yours to change, and the catalogue has no {asset.symbol} that is "
                f"{label}{offer}."
            }
        )
    target = asset_save(asset_new(user=owner, symbol=asset.symbol, asset_class=asset_class))
    ledger = Transaction.objects.filter(portfolio__owner=owner)
    ledger.filter(asset=asset).update(asset=target)
    ledger.filter(counter_asset=asset).update(counter_asset=target)
    return target


__all__ = [
    "CHOOSABLE_CLASSES",
    "AssetError",
    "AssetResolver",
    "NewAsset",
    "ambiguous_symbols",
    "asset_class_alternatives",
    "asset_class_change",
    "asset_for_symbol",
    "asset_lookup",
    "asset_new",
    "asset_save",
    "assets_of_owner",
    "assets_visible",
    "canonical_symbol",
    "parse_asset_label",
    "symbol_error",
    "visible_to",
]
