"""The user's settings: the time zone decides tax dates, so changing it recomputes the user's lots."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portfolios.services import TransactionData, transaction_record
from taxes.models import Disposal
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/accounts/settings/"


def test_time_zone_change_moves_a_new_years_eve_sale_to_the_other_year(client) -> None:  # type: ignore[no-untyped-def]
    """Rule: the owner's time zone decides an event's tax date. A sale at 2025-01-01 04:30 UTC is a
    2025 disposal in UTC but a 2024-12-31 disposal in New York (UTC-5)."""
    user = UserFactory(username="alice", timezone="UTC")
    account = AccountFactory(portfolio=PortfolioFactory(owner=user))
    btc = AssetFactory(symbol="BTC")
    for typ, when, qty in (
        ("buy", datetime(2024, 6, 1, 12, tzinfo=UTC), "1"),
        ("sell", datetime(2025, 1, 1, 4, 30, tzinfo=UTC), "1"),
    ):
        transaction_record(
            portfolio=account.portfolio,
            data=TransactionData(
                account=account,
                type=typ,
                timestamp=when,
                quantity=Decimal(qty),
                asset=btc,
                unit_price=Decimal(100),
            ),
        )
    assert Disposal.objects.get().disposed == date(2025, 1, 1)
    client.force_login(user)
    response = client.post(URL, {"timezone": "America/New_York", "email": "a@example.com"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.timezone, user.email) == ("America/New_York", "a@example.com")
    assert Disposal.objects.get().disposed == date(2024, 12, 31)
    assert "recomputed" in client.get(URL).content.decode()


def test_unknown_time_zone_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(username="alice", timezone="UTC")
    client.force_login(user)
    response = client.post(URL, {"timezone": "Mars/Olympus_Mons", "email": ""})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    user.refresh_from_db()
    assert user.timezone == "UTC"


def test_settings_need_a_login(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get(URL).status_code == 302
