"""Writes of the rebalancing app: proposals (create, check, dismiss, accept). Targets and policies are in
`rebalancing.target_services`.

A proposal is a suggestion: nothing here trades. Accepting records the trades the owner says were executed,
as ledger transactions, in one atomic step through `portfolios.services.transaction_record` (which
recomputes the lots), and a proposal is accepted at most once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portfolios.decimals import exact_text
from portfolios.models import Portfolio, TransactionType
from portfolios.services import TransactionData, transaction_record
from rebalancing import engine
from rebalancing.models import (
    Calendar,
    ProposalKind,
    ProposalStatus,
    ProposedTrade,
    RebalanceProposal,
    TargetVersion,
    Trigger,
)
from rebalancing.selectors import EngineInput, engine_input, policy_of

ZERO = Decimal(0)


class NothingToPropose(ValidationError):
    """The engine proposes no trade (every weight inside its band, or no trade keeps every rule)."""


def _text(value: Decimal | None) -> str | None:
    return None if value is None else exact_text(value)


def _owner_today(portfolio: Portfolio) -> date:
    return timezone.now().astimezone(portfolio.owner.tzinfo).date()


def _fingerprint(result: engine.Proposal) -> str:
    """Equal trades give equal fingerprints, so a worker does not propose the same thing twice."""
    parts = sorted(f"{t.account}:{t.asset}:{t.side}:{exact_text(t.quantity)}" for t in result.trades)
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _flag_json(flag: engine.Flag, inp: EngineInput) -> dict[str, str | None]:
    asset = inp.assets.get(flag.asset) if flag.asset is not None else None
    account = inp.accounts.get(flag.account) if flag.account is not None else None
    return {
        "code": str(flag.code),
        "message": flag.message,
        "asset": asset.symbol if asset else None,
        "account": account.name if account else None,
        "lot": inp.lot_ids.get(flag.lot_id, flag.lot_id) if flag.lot_id else None,
        "date": flag.date.isoformat() if flag.date else None,
        "amount": _text(flag.amount),
    }


def _lot_json(sale: engine.LotSale, inp: EngineInput) -> dict[str, str | int | None]:
    return {
        "lot": inp.lot_ids.get(sale.lot_id, sale.lot_id),
        "origin": inp.origins.get(sale.lot_id),
        "quantity": exact_text(sale.quantity),
        "basis": exact_text(sale.basis),
        "proceeds": exact_text(sale.proceeds),
        "gain": exact_text(sale.gain),
        "term": str(sale.term),
        "acquired": sale.acquired.isoformat(),
        "long_term_from": sale.long_term_from.isoformat() if sale.long_term_from else None,
        "estimated_tax": exact_text(sale.estimated_tax),
    }


def _store(
    *, portfolio: Portfolio, inp: EngineInput, result: engine.Proposal, trigger: str, cash_flow: Decimal
) -> RebalanceProposal:
    """Supersede the pending rebalance proposal and store this one with its trades."""
    # Locking the pending rows serialises two workers (or a worker and the owner) proposing at once. A
    # pending harvest is the owner's own choice of lots, so a band check does not replace it.
    pending = list(
        RebalanceProposal.objects.select_for_update().filter(
            portfolio=portfolio, status=ProposalStatus.PENDING, kind=ProposalKind.REBALANCE
        )
    )
    now = timezone.now()
    for old in pending:
        old.status = ProposalStatus.SUPERSEDED
        old.decided_at = now
        old.save(update_fields=["status", "decided_at"])
    version = inp.target_version or _version_of(inp)
    totals = result.totals
    reasons = list(result.reasons) + inp.notes
    if inp.tax_rates_from != "policy":
        reasons.append(f"Tax rates from your {inp.tax_rates_from}.")
    proposal = RebalanceProposal.objects.create(
        portfolio=portfolio,
        trigger=trigger,
        target_version=version,
        target_version_number=version.number,
        snapshot_id=inp.snapshot_id,
        as_of=result.as_of,
        contribution=cash_flow,
        reasons=reasons,
        flags=[_flag_json(f, inp) for f in result.flags],
        weights_before={str(k): exact_text(v) for k, v in result.weights_before.items()},
        weights_after={str(k): exact_text(v) for k, v in result.weights_after.items()},
        targets={str(k): exact_text(b.target) for k, b in result.bands.items()},
        bands={str(k): [exact_text(b.low), exact_text(b.high)] for k, b in result.bands.items()},
        prices={str(k): exact_text(v) for k, v in inp.request.prices.items()},
        totals={
            "turnover": exact_text(totals.turnover),
            "bought": exact_text(totals.bought),
            "sold": exact_text(totals.sold),
            "estimated_tax": exact_text(totals.estimated_tax),
            "fees": exact_text(totals.fees),
            "slippage": exact_text(totals.slippage),
            "tax_and_cost": exact_text(totals.tax_and_cost),
            "band_shortfall": exact_text(totals.band_shortfall),
            "target_gap": exact_text(totals.target_gap),
        },
        bands_met=result.bands_met,
        method=str(result.method),
        fingerprint=_fingerprint(result),
    )
    # Sells first: the order the owner places them in, so buys spend what the sells raised.
    ordered = sorted(result.trades, key=lambda t: (t.side != engine.Side.SELL,))
    ProposedTrade.objects.bulk_create(
        ProposedTrade(
            proposal=proposal,
            position=i,
            account_id=t.account,
            asset_id=t.asset,
            side=str(t.side),
            quantity=t.quantity,
            price=t.price,
            value=t.value,
            fee=t.fee,
            slippage=t.slippage,
            estimated_tax=t.estimated_tax,
            lots=[_lot_json(s, inp) for s in t.lots],
            notes=list(t.notes),
        )
        for i, t in enumerate(ordered)
    )
    return proposal


def _version_of(inp: EngineInput) -> TargetVersion:
    """A target written before versions existed (or by the demo) gets its first version when first used."""
    target = inp.target
    if not target.version:
        target.version = 1
        target.save(update_fields=["version"])
    version, _ = TargetVersion.objects.get_or_create(
        target=target,
        number=target.version,
        defaults={
            "weights": {str(k): exact_text(v) for k, v in inp.request.target.assets.items()},
            "model": target.model,
            "model_params": target.model_params,
        },
    )
    return version


def _run(inp: EngineInput) -> engine.Proposal:
    try:
        return engine.propose(inp.request)
    except engine.RebalanceError as exc:
        raise ValidationError(f"No proposal could be made: {exc}") from exc


def _nothing_message(result: engine.Proposal) -> str:
    return " ".join(f.message for f in result.flags) or "No trade is needed."


@transaction.atomic
def proposal_create(
    *,
    portfolio: Portfolio,
    contribution: Decimal = ZERO,
    trigger: str = Trigger.OWNER,
    as_of: date | None = None,
) -> RebalanceProposal:
    """A new pending proposal (superseding the pending one) for the owner's request, with an optional
    contribution (+) or withdrawal (-). NothingToPropose when no trade is needed or possible."""
    as_of = as_of or _owner_today(portfolio)
    inp = engine_input(portfolio=portfolio, as_of=as_of, cash_flow=contribution)
    result = _run(inp)
    if result.empty:
        raise NothingToPropose(_nothing_message(result))
    return _store(portfolio=portfolio, inp=inp, result=result, trigger=trigger, cash_flow=contribution)


def calendar_due(calendar: str, today: date, last_run: date | None) -> bool:
    """Whether the policy's calendar check falls on `today` (and has not run today)."""
    if not calendar or last_run == today:
        return False
    if calendar == Calendar.WEEKLY:
        return today.weekday() == 0
    if calendar == Calendar.MONTHLY:
        return today.day == 1
    if calendar == Calendar.QUARTERLY:
        return today.day == 1 and today.month in (1, 4, 7, 10)
    if calendar == Calendar.YEARLY:
        return today.day == 1 and today.month == 1
    return False


@transaction.atomic
def proposal_check(
    *, portfolio: Portfolio, calendar: bool = False, as_of: date | None = None
) -> RebalanceProposal | None:
    """The worker's check: a pending proposal when a band is breached (threshold checks) or the calendar
    day has come, unless an equal one is already pending. Never raises for "nothing to do"."""
    policy = policy_of(portfolio)
    if not calendar and not policy.threshold_check:
        return None
    as_of = as_of or _owner_today(portfolio)
    try:
        inp = engine_input(portfolio=portfolio, as_of=as_of, calendar=calendar)
        result = _run(inp)
    except ValidationError:
        return None  # no target, no snapshot or no price yet: the next snapshot checks again
    if calendar and policy.pk:
        policy.last_calendar_run = as_of
        policy.save(update_fields=["last_calendar_run"])
    if result.empty:
        return None
    fingerprint = _fingerprint(result)
    if RebalanceProposal.objects.filter(
        portfolio=portfolio,
        status=ProposalStatus.PENDING,
        kind=ProposalKind.REBALANCE,
        fingerprint=fingerprint,
    ).exists():
        return None
    trigger = Trigger.CALENDAR if calendar else Trigger.THRESHOLD
    return _store(portfolio=portfolio, inp=inp, result=result, trigger=trigger, cash_flow=ZERO)


def _locked_pending(proposal: RebalanceProposal) -> RebalanceProposal:
    locked = RebalanceProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status != ProposalStatus.PENDING:
        raise ValidationError(
            f"This proposal was already {locked.get_status_display().lower()}; nothing was changed."
        )
    return locked


@transaction.atomic
def proposal_dismiss(*, proposal: RebalanceProposal) -> RebalanceProposal:
    locked = _locked_pending(proposal)
    locked.status = ProposalStatus.DISMISSED
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_at"])
    return locked


@dataclass(frozen=True)
class Execution:
    """What the owner says was executed for one proposed trade; quantity 0 means it was not placed."""

    trade_id: int
    quantity: Decimal
    price: Decimal
    fee: Decimal = ZERO


def _picks(trade: ProposedTrade, quantity: Decimal) -> tuple[tuple[int, Decimal], ...]:
    """The proposed lots, in the proposal's order, for `quantity` (which may be less than proposed)."""
    picks: dict[int, Decimal] = {}
    remaining = quantity
    for lot in trade.lots:
        if remaining <= 0:
            break
        take = min(remaining, Decimal(lot["quantity"]))
        origin = int(lot["origin"])
        picks[origin] = picks.get(origin, ZERO) + take
        remaining -= take
    if remaining > 0:
        covered = exact_text(quantity - remaining)
        raise ValidationError(
            f"The sell of {trade.asset.symbol} in {trade.account.name} can take only the lots it proposed "
            f"({covered} at most)."
        )
    return tuple(picks.items())


@transaction.atomic
def proposal_accept(
    *, proposal: RebalanceProposal, executions: Sequence[Execution], when: datetime | None = None
) -> RebalanceProposal:
    """Record the executed trades (sells with specific-ID picks of the proposed lots, buys as buys) and mark
    the proposal accepted; all or nothing. A second accept is refused (the row is locked first)."""
    locked = _locked_pending(proposal)
    trades = {t.pk: t for t in locked.trades.select_related("account", "asset").order_by("position")}
    given = {e.trade_id: e for e in executions}
    unknown = set(given) - set(trades)
    if unknown:
        raise ValidationError(f"Trade {min(unknown)} is not part of this proposal.")
    when = when or timezone.now()
    portfolio = locked.portfolio
    recorded = 0
    for trade in trades.values():
        done = given.get(trade.pk)
        if done is None or done.quantity == 0:
            continue
        if done.quantity < 0 or done.price <= 0 or done.fee < 0:
            raise ValidationError(
                f"{trade.side.capitalize()} {trade.asset.symbol}: the quantity and fee cannot be negative "
                "and the price must be above zero."
            )
        sell = trade.side == engine.Side.SELL
        data = TransactionData(
            account=trade.account,
            type=TransactionType.SELL if sell else TransactionType.BUY,
            timestamp=when,
            asset=trade.asset,
            quantity=done.quantity,
            unit_price=done.price,
            fee=done.fee,
            notes=f"{locked.get_kind_display()} proposal #{locked.pk}",
            lot_picks=_picks(trade, done.quantity) if sell else (),
        )
        try:
            tx = transaction_record(portfolio=portfolio, data=data)
        except ValidationError as exc:
            raise ValidationError(
                f"{trade.side.capitalize()} {trade.asset.symbol} in {trade.account.name}: "
                + "; ".join(exc.messages)
            ) from exc
        trade.executed = tx
        trade.save(update_fields=["executed"])
        recorded += 1
    if not recorded:
        raise ValidationError("No trade was executed: give a quantity for at least one, or dismiss it.")
    locked.status = ProposalStatus.ACCEPTED
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_at"])
    return locked
