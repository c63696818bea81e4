"""The demo loader resolves its coins through the catalogue: shared assets, priced by CoinGecko ids."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from portfolios.models import Asset, Portfolio, Transaction
from rebalancing.models import TargetWeight

pytestmark = pytest.mark.django_db


def test_the_demo_uses_the_catalogues_shared_coins_and_is_idempotent() -> None:
    # A security with a demo coin's ticker must not be mistaken for the coin.
    Asset.objects.create(symbol="SOL", name="Not Solana", asset_class="stock", price_source_id="SOL")
    call_command("setup_demo", "--quiet")
    portfolio = Portfolio.objects.get(name="Crypto index")
    assert Transaction.objects.filter(portfolio=portfolio).count() > 100
    weights = TargetWeight.objects.filter(target__portfolio=portfolio)
    assert sorted(weights.values_list("asset__symbol", "asset__asset_class", "asset__price_source_id")) == [
        ("ADA", "crypto", "cardano"),
        ("BTC", "crypto", "bitcoin"),
        ("ETH", "crypto", "ethereum"),
        ("SOL", "crypto", "solana"),
    ]
    assert not Transaction.objects.filter(asset__asset_class="stock").exists()
    assert not Asset.objects.exclude(owner=None).exists()
    call_command("setup_demo", "--quiet")
    assert Portfolio.objects.filter(name="Crypto index").count() == 1
