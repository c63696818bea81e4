"""The rebalancing pages: review and accept through the browser forms, target and policy edits, and
another user's ids are a 404 everywhere."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from portfolios.models import Transaction
from rebalancing.models import Policy, ProposalStatus, RebalanceProposal, Target
from rebalancing.services import proposal_create
from tests.rebalancing.kit import build_drifted

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def drifted():  # type: ignore[no-untyped-def]
    return build_drifted()


@pytest.fixture
def alice(client, drifted):  # type: ignore[no-untyped-def]
    client.force_login(drifted.user)
    return client


def test_dashboard_links_to_the_pending_proposal(alice, drifted) -> None:  # type: ignore[no-untyped-def]
    proposal = proposal_create(portfolio=drifted.portfolio)
    html = alice.get(reverse("portfolios:dashboard", args=[drifted.portfolio.pk])).content.decode()
    assert reverse("rebalancing:proposal_detail", args=[drifted.portfolio.pk, proposal.pk]) in html
    assert "A rebalancing proposal is waiting for your review" in html


def test_review_page_shows_lots_tax_chart_and_the_disclaimer(alice, drifted) -> None:  # type: ignore[no-untyped-def]
    proposal = proposal_create(portfolio=drifted.portfolio)
    response = alice.get(reverse("rebalancing:proposal_detail", args=[drifted.portfolio.pk, proposal.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "A suggestion, not advice; nothing trades by itself." in html
    assert f'data-lot="{drifted.buys["SOL"].pk}"' in html
    assert "2025-01-03" in html  # the date the lot turned long-term
    assert "$121.88" in html
    assert "$112.50" in html
    assert "$9.38" in html
    assert 'data-chart="fig-allocation"' in html
    assert 'id="fig-allocation"' in html
    assert 'name="p-' in html
    assert 'value="150"' in html


def test_accept_through_the_form_records_edited_prices_and_a_second_submit_is_refused(alice, drifted) -> None:  # type: ignore[no-untyped-def]
    proposal = proposal_create(portfolio=drifted.portfolio)
    data = {}
    for t in proposal.trades.all():
        data[f"q-{t.pk}"] = str(t.quantity)
        data[f"p-{t.pk}"] = "152" if t.asset.symbol == "SOL" else str(t.price)
        data[f"f-{t.pk}"] = "0"
    url = reverse("rebalancing:proposal_accept", args=[drifted.portfolio.pk, proposal.pk])
    response = alice.post(url, data)
    assert response.status_code == 302
    assert Transaction.objects.get(
        type="sell", asset__symbol="SOL", notes__startswith="Rebalance"
    ).unit_price == D(152)
    again = alice.post(url, data, follow=True)
    assert "already accepted" in again.content.decode()
    assert Transaction.objects.filter(notes__startswith="Rebalance").count() == 4
    assert RebalanceProposal.objects.get().status == ProposalStatus.ACCEPTED


def test_asking_for_a_proposal_with_a_contribution(alice, drifted) -> None:  # type: ignore[no-untyped-def]
    url = reverse("rebalancing:proposal_list", args=[drifted.portfolio.pk])
    response = alice.post(url, {"contribution": "500"})
    proposal = RebalanceProposal.objects.get()
    assert response.status_code == 302
    assert str(proposal.pk) in response["Location"]
    assert proposal.contribution == D(500)
    assert "Index" in alice.get(url).content.decode()


def test_dismiss_from_the_page(alice, drifted) -> None:  # type: ignore[no-untyped-def]
    proposal = proposal_create(portfolio=drifted.portfolio)
    alice.post(reverse("rebalancing:proposal_dismiss", args=[drifted.portfolio.pk, proposal.pk]))
    assert RebalanceProposal.objects.get().status == ProposalStatus.DISMISSED
    assert not Transaction.objects.filter(notes__startswith="Rebalance").exists()


def test_target_page_refuses_a_sum_other_than_100_and_saves_a_new_version(alice, drifted) -> None:  # type: ignore[no-untyped-def]
    url = reverse("rebalancing:target", args=[drifted.portfolio.pk])
    assert "weight-sum" in alice.get(url).content.decode()
    ids = [drifted.assets[s].pk for s in ("BTC", "ETH", "SOL", "ADA")]
    data = {"action": "save", "name": "Mine", "add": ids}
    data.update({f"w-{i}": "25" for i in ids})
    data[f"w-{ids[0]}"] = "24.5"
    bad = alice.post(url, data)
    assert bad.status_code == 400
    assert "The weights add up to 99.5%, not exactly 100% (0.5% short)." in bad.content.decode()
    data[f"w-{ids[0]}"] = "40"
    data[f"w-{ids[3]}"] = "10"
    assert alice.post(url, data).status_code == 302
    target = Target.objects.get(portfolio=drifted.portfolio)
    assert target.version == 2
    assert target.name == "Mine"
    assert target.versions.get(number=2).weights[str(ids[0])] == "0.4"


def test_target_page_fills_equal_weight_from_the_model(alice, drifted) -> None:  # type: ignore[no-untyped-def]
    url = reverse("rebalancing:target", args=[drifted.portfolio.pk])
    from tests.rebalancing.kit import asset

    dot = asset("DOT")  # held or targeted: the four coins; added on the page: DOT -> 20% each
    html = alice.post(url, {"action": "model", "model": "equal", "add": [dot.pk]}).content.decode()
    assert html.count('value="20"') == 5
    capped = alice.post(url, {"action": "model", "model": "market_cap", "cap": "30", "add": [dot.pk]})
    assert "No market cap is known" in capped.content.decode()


def test_policy_page_saves_bands_and_checks(alice, drifted) -> None:  # type: ignore[no-untyped-def]
    url = reverse("rebalancing:policy", args=[drifted.portfolio.pk])
    assert "short-term 24.00%" in alice.get(url).content.decode()
    data = {
        "band_mode": "absolute",
        "band_absolute": "3",
        "band_relative": "",
        "band_floor_pct": "",
        "threshold_check": "on",
        "calendar": "monthly",
        "trade_to": "band_edge",
        "min_trade": "10",
        "cash_reserve": "0",
        "fee_bps": "10",
        "fee_fixed": "0",
        "slippage_bps": "5",
        "short_pct": "32",
        "long_pct": "15",
    }
    assert alice.post(url, data).status_code == 302
    policy = Policy.objects.get(portfolio=drifted.portfolio)
    assert (policy.calendar, policy.trade_to, policy.fee_bps, policy.short_rate) == (
        "monthly",
        "band_edge",
        D(10),
        D("0.32"),
    )
    target = Target.objects.get(portfolio=drifted.portfolio)
    assert (target.band_absolute, target.band_relative) == (D("0.03"), None)


def test_impact_page_states_its_assumptions(alice, drifted) -> None:  # type: ignore[no-untyped-def]
    html = alice.get(reverse("rebalancing:impact", args=[drifted.portfolio.pk])).content.decode()
    assert "Buy and hold</strong> keeps the quantities held" in html


def test_bob_gets_404_on_every_page_of_alices(client, drifted) -> None:  # type: ignore[no-untyped-def]
    proposal = proposal_create(portfolio=drifted.portfolio)
    bob = build_drifted("bob").user
    client.force_login(bob)
    pid, qid = drifted.portfolio.pk, proposal.pk
    for name, args in [
        ("target", [pid]),
        ("policy", [pid]),
        ("proposal_list", [pid]),
        ("impact", [pid]),
        ("proposal_detail", [pid, qid]),
    ]:
        assert client.get(reverse(f"rebalancing:{name}", args=args)).status_code == 404, name
    for name in ("proposal_accept", "proposal_dismiss"):
        assert client.post(reverse(f"rebalancing:{name}", args=[pid, qid])).status_code == 404, name
    assert (
        client.post(reverse("rebalancing:proposal_list", args=[pid]), {"contribution": "1"}).status_code
        == 404
    )
    assert RebalanceProposal.objects.get(pk=qid).status == ProposalStatus.PENDING
