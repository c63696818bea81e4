"""Proposals from the real ledger -> engine path, and accepting them into the ledger (hand-worked in kit)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from portfolios.models import LotPick, Transaction
from rebalancing.models import ProposalStatus, RebalanceProposal, Trigger
from rebalancing.selectors import engine_input, proposal_json
from rebalancing.services import (
    Execution,
    NothingToPropose,
    proposal_accept,
    proposal_check,
    proposal_create,
    proposal_dismiss,
)
from taxes.models import TaxLot
from tests.rebalancing.kit import build_drifted, snapshot

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def drifted():  # type: ignore[no-untyped-def]
    return build_drifted()


def _trades(proposal: RebalanceProposal) -> dict[tuple[str, str], tuple[str, str]]:
    return {
        (t.side, t.asset.symbol): (
            format(t.quantity.normalize(), "f"),
            format(t.estimated_tax.normalize(), "f"),
        )
        for t in proposal.trades.select_related("asset")
    }


def test_request_is_built_from_the_stored_rows(drifted) -> None:  # type: ignore[no-untyped-def]
    inp = engine_input(portfolio=drifted.portfolio, as_of=drifted.portfolio.created_at.date())
    req = inp.request
    assert {a.symbol for a in req.assets} == {"BTC", "ETH", "SOL", "ADA"}
    assert not any(a.security for a in req.assets)  # crypto, wash_sale_crypto off
    assert [acc.cash for acc in req.accounts] == [D(0)]  # no deposits: no cash accounting
    assert {lot.lot_id: lot.basis for lot in req.lots} == {str(t.pk): D(1000) for t in drifted.buys.values()}
    assert req.prices[drifted.assets["SOL"].pk] == D(150)
    assert set(req.target.assets.values()) == {D("0.25")}
    assert req.policy.tax_rates.short == D("0.24")
    assert req.policy.tax_rates.long == D("0.15")
    assert inp.origins == {str(t.pk): t.pk for t in drifted.buys.values()}


def test_owner_proposal_restores_the_target_with_the_hand_worked_trades(drifted) -> None:  # type: ignore[no-untyped-def]
    proposal = proposal_create(portfolio=drifted.portfolio)
    assert proposal.status == ProposalStatus.PENDING
    assert proposal.trigger == Trigger.OWNER
    assert proposal.target_version_number == 1
    assert proposal.target_version is not None
    assert _trades(proposal) == {
        ("buy", "BTC"): ("0.00625", "0"),
        ("sell", "ETH"): ("0.03125", "9.38"),
        ("sell", "SOL"): ("7.5", "112.5"),
        ("buy", "ADA"): ("1750", "0"),
    }
    assert D(proposal.totals["turnover"]) == D(2500)
    assert D(proposal.totals["estimated_tax"]) == D("121.88")
    sol = str(drifted.assets["SOL"].pk)
    assert D(proposal.weights_before[sol]) == D("0.4")
    assert {D(w) for w in proposal.weights_after.values()} == {D("0.25")}
    assert [D(x) for x in proposal.bands[sol]] == [D("0.2"), D("0.3")]
    sell_sol = proposal.trades.get(side="sell", asset=drifted.assets["SOL"])
    assert sell_sol.lots == [
        {
            "lot": str(drifted.buys["SOL"].pk),
            "origin": drifted.buys["SOL"].pk,
            "quantity": "7.5",
            "basis": "375",
            "proceeds": "1125",
            "gain": "750",
            "term": "long",
            "acquired": "2024-01-02",
            "long_term_from": "2025-01-03",
            "estimated_tax": "112.5",
        }
    ]
    # Sells are listed first: the order they are placed in.
    assert [t.side for t in proposal.trades.order_by("position")] == ["sell", "sell", "buy", "buy"]


def test_a_new_proposal_supersedes_the_pending_one(drifted) -> None:  # type: ignore[no-untyped-def]
    first = proposal_create(portfolio=drifted.portfolio)
    second = proposal_create(portfolio=drifted.portfolio, contribution=D(1000))
    first.refresh_from_db()
    assert first.status == ProposalStatus.SUPERSEDED
    assert second.status == ProposalStatus.PENDING
    assert second.contribution == D(1000)


def test_worker_check_creates_once_and_skips_an_equal_pending_one(drifted) -> None:  # type: ignore[no-untyped-def]
    made = proposal_check(portfolio=drifted.portfolio)
    assert made is not None
    assert made.trigger == Trigger.THRESHOLD
    assert proposal_check(portfolio=drifted.portfolio) is None
    assert RebalanceProposal.objects.filter(portfolio=drifted.portfolio).count() == 1


def test_accept_records_sells_with_picks_and_buys_then_refuses_a_second_submit(drifted) -> None:  # type: ignore[no-untyped-def]
    proposal = proposal_create(portfolio=drifted.portfolio)
    trades = {(t.side, t.asset.symbol): t for t in proposal.trades.select_related("asset")}
    executions = [
        Execution(t.pk, t.quantity, t.price + (D(1) if sym == "SOL" else D(0)), D("0.5"))
        for (_, sym), t in trades.items()
    ]
    proposal_accept(proposal=proposal, executions=executions)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    recorded = Transaction.objects.filter(
        portfolio=drifted.portfolio, notes=f"Rebalance proposal #{proposal.pk}"
    )
    assert sorted((t.type, t.asset.symbol, t.quantity) for t in recorded) == [
        ("buy", "ADA", D(1750)),
        ("buy", "BTC", D("0.00625")),
        ("sell", "ETH", D("0.03125")),
        ("sell", "SOL", D("7.5")),
    ]
    sol_sale = recorded.get(type="sell", asset__symbol="SOL")
    assert sol_sale.unit_price == D(151)
    assert sol_sale.fee == D("0.5")
    assert [(p.origin_id, p.quantity) for p in LotPick.objects.filter(transaction=sol_sale)] == [
        (drifted.buys["SOL"].pk, D("7.5"))
    ]
    # The lots were recomputed in the same step.
    sol_left = TaxLot.objects.get(portfolio=drifted.portfolio, asset=drifted.assets["SOL"])
    assert sol_left.quantity == D("12.5")
    with pytest.raises(ValidationError, match="already accepted"):
        proposal_accept(proposal=proposal, executions=executions)
    assert recorded.count() == 4
    # The new allocation is inside the bands: the worker proposes nothing more.
    snapshot(drifted.portfolio)
    assert proposal_check(portfolio=drifted.portfolio) is None


def test_accept_with_a_smaller_sell_picks_part_of_the_lot_and_refuses_more(drifted) -> None:  # type: ignore[no-untyped-def]
    proposal = proposal_create(portfolio=drifted.portfolio)
    sol = proposal.trades.get(side="sell", asset=drifted.assets["SOL"])
    with pytest.raises(ValidationError, match="only the lots it proposed"):
        proposal_accept(proposal=proposal, executions=[Execution(sol.pk, D(8), D(150))])
    assert not Transaction.objects.filter(notes__startswith="Rebalance").exists()
    proposal_accept(proposal=proposal, executions=[Execution(sol.pk, D(5), D(150))])
    sale = Transaction.objects.get(notes=f"Rebalance proposal #{proposal.pk}")
    assert sale.quantity == D(5)
    assert list(LotPick.objects.filter(transaction=sale).values_list("quantity", flat=True)) == [D(5)]


def test_dismiss_once(drifted) -> None:  # type: ignore[no-untyped-def]
    proposal = proposal_create(portfolio=drifted.portfolio)
    proposal_dismiss(proposal=proposal)
    assert RebalanceProposal.objects.get().status == ProposalStatus.DISMISSED
    with pytest.raises(ValidationError, match="already dismissed"):
        proposal_dismiss(proposal=proposal)


def test_inside_the_bands_nothing_is_proposed(db) -> None:  # type: ignore[no-untyped-def]
    built = build_drifted("carol", with_target=False)
    from rebalancing.target_services import target_set

    weights = {"BTC": "0.2", "ETH": "0.266667", "SOL": "0.4", "ADA": "0.133333"}
    target_set(portfolio=built.portfolio, weights={built.assets[s].pk: D(w) for s, w in weights.items()})
    snapshot(built.portfolio)
    with pytest.raises(NothingToPropose, match="inside its band"):
        proposal_create(portfolio=built.portfolio)
    assert proposal_check(portfolio=built.portfolio) is None


def test_without_a_target_the_owner_is_told_to_set_one(db) -> None:  # type: ignore[no-untyped-def]
    built = build_drifted("dave", with_target=False)
    with pytest.raises(ValidationError, match="Set a target allocation first"):
        proposal_create(portfolio=built.portfolio)


def test_json_shape_has_exact_strings(drifted) -> None:  # type: ignore[no-untyped-def]
    proposal = proposal_create(portfolio=drifted.portfolio)
    out = proposal_json(proposal)
    assert list(out) == [
        "id",
        "status",
        "kind",
        "created",
        "reasons",
        "trades",
        "weights_before",
        "weights_after",
        "bands",
        "totals",
    ]
    sell = next(t for t in out["trades"] if t["asset"] == "SOL")
    assert sell == {
        "account": "Exchange",
        "asset": "SOL",
        "side": "sell",
        "quantity": "7.5",
        "price": "150",
        "value": "1125",
        "fee": "0",
        "estimated_tax": "112.5",
        "lots": [
            {
                "lot": str(drifted.buys["SOL"].pk),
                "quantity": "7.5",
                "basis": "375",
                "gain": "750",
                "term": "long",
                "long_term_from": "2025-01-03",
            }
        ],
    }
    assert out["weights_before"]["SOL"] == "0.4"
    assert out["bands"]["SOL"] == ["0.2", "0.3"]
    assert out["totals"] == {"turnover": "2500", "estimated_tax": "121.88", "fees": "0"}
