"""Reading the ledger for the engine: each event's tax date is its date in the owner's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from taxes.ledger import ledger_context, ledger_events
from tests.factories import AccountFactory, TransactionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("zone", "expected"),
    [("America/New_York", date(2024, 12, 31)), ("UTC", date(2025, 1, 1)), ("Asia/Tokyo", date(2025, 1, 1))],
)
def test_tax_date_in_the_owner_time_zone(zone: str, expected: date) -> None:
    """Rule: tax date in the owner's time zone. 2025-01-01T04:30Z is 2024-12-31 23:30 in New York (UTC-5)."""
    account = AccountFactory(portfolio__owner=UserFactory(timezone=zone))
    TransactionFactory(account=account, timestamp=datetime(2025, 1, 1, 4, 30, tzinfo=UTC))
    (ev,) = ledger_events(ctx=ledger_context(owner=account.portfolio.owner))
    assert ev.date == expected
    assert ev.timestamp == datetime(2025, 1, 1, 4, 30, tzinfo=UTC)
