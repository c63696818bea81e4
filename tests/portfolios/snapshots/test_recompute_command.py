from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from portfolios.models import PortfolioSnapshot
from taxes.models import TaxLot
from tests.factories import AccountFactory, TransactionFactory

pytestmark = pytest.mark.django_db


def test_recompute_one_portfolio(hand_worked) -> None:  # type: ignore[no-untyped-def]
    TaxLot.objects.filter(portfolio=hand_worked.portfolio).delete()
    out = StringIO()
    call_command("recompute", "--portfolio", str(hand_worked.portfolio.pk), stdout=out)
    text = out.getvalue()
    assert (
        f"Portfolio #{hand_worked.portfolio.pk} “Hand-worked” (hw-owner): replayed 10 transactions into 7 open lots."
        in text
    )
    assert "cost basis 17,036.00" in text
    assert "no price for SOL" in text
    assert TaxLot.objects.filter(portfolio=hand_worked.portfolio).count() == 7
    assert PortfolioSnapshot.objects.filter(portfolio=hand_worked.portfolio).count() == 1


def test_recompute_all_and_report_a_broken_ledger(db) -> None:  # type: ignore[no-untyped-def]
    good = AccountFactory()
    TransactionFactory(account=good, quantity=Decimal(1))
    broken = AccountFactory()
    TransactionFactory(account=broken, type="sell", quantity=Decimal(1))
    out = StringIO()
    with pytest.raises(CommandError, match="1 portfolio"):
        call_command("recompute", stdout=out)
    text = out.getvalue()
    assert "replayed 1 transactions into 1 open lots" in text
    assert "the ledger does not add up" in text
    assert PortfolioSnapshot.objects.count() == 2


def test_unknown_portfolio(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="No portfolio with id 999"):
        call_command("recompute", "--portfolio", "999")
