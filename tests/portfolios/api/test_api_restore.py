"""/api/export/ and /api/restore/ by API: a restore refuses per-account costs that are not amounts (every
proposal reads them), naming where, and restores nothing; the same document with amounts restores."""

from __future__ import annotations

import copy

import pytest
from rest_framework.test import APIClient

from portfolios.models import Portfolio
from tests.factories import UserFactory
from tests.rebalancing.kit import build_drifted, snapshot

pytestmark = pytest.mark.django_db


def test_restore_checks_the_per_account_costs() -> None:
    alice = build_drifted()
    source = APIClient()
    source.force_authenticate(alice.user)
    assert (
        source.put(
            f"/api/portfolios/{alice.portfolio.pk}/policy/",
            {"account_costs": {str(alice.account.pk): {"fee_bps": "5"}}},
        ).status_code
        == 200
    )
    document = source.get("/api/export/").json()
    assert document["portfolios"][0]["policy"]["account_costs"] == {"Exchange": {"fee_bps": "5"}}

    bob = UserFactory(username="bob")
    target = APIClient()
    target.force_authenticate(bob)
    for costs, where in (
        ({"fee_bps": "lots"}, "fee_bps"),
        ({"fee_bps": "-1"}, "fee_bps"),
        ({"tip": "1"}, "tip"),
    ):
        bad = copy.deepcopy(document)
        bad["portfolios"][0]["policy"]["account_costs"] = {"Exchange": costs}
        refused = target.post("/api/restore/", bad)
        assert refused.status_code == 400, costs
        assert f"account_costs.Exchange.{where}" in str(refused.json()), refused.json()
        assert not Portfolio.objects.filter(owner=bob).exists()
    restored = target.post("/api/restore/", document)
    assert restored.status_code == 201, restored.json()
    assert restored.json()["transactions"] == 4
    restored_book = Portfolio.objects.get(owner=bob)
    snapshot(restored_book)
    proposal = target.post(f"/api/portfolios/{restored_book.pk}/proposals/", {})
    assert proposal.status_code == 201, proposal.json()
    sol = next(t for t in proposal.json()["trades"] if t["asset"] == "SOL")
    assert sol["fee"] == "0.56"  # 5 bps of 1,125, to the cent
