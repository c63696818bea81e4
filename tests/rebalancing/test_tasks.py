"""The workers' checks: the calendar task on the policy's day in the owner's time zone, and the drift check
that follows every snapshot task (through the task_postrun hook, with tasks run in-process)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine

from config.celery import app
from portfolios.tasks import snapshot_portfolio, snapshot_portfolios
from rebalancing.models import Policy, ProposalStatus, RebalanceProposal, Trigger
from rebalancing.services import proposal_dismiss
from rebalancing.tasks import calendar_checks
from tests.rebalancing.kit import Drifted, build_drifted

pytestmark = pytest.mark.django_db

# A Saturday, the day before a monthly policy's day (the 1st).
BUILT = datetime(2025, 2, 28, 12, 0, tzinfo=UTC)


@pytest.fixture
def eager() -> Iterator[None]:
    """`delay` runs the task in this process and transaction, so the test sees what it wrote."""
    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


def _monthly(username: str, tz: str = "UTC") -> Drifted:
    with time_machine.travel(BUILT, tick=False):
        built = build_drifted(username)
    built.user.timezone = tz
    built.user.save(update_fields=["timezone"])
    Policy.objects.create(portfolio=built.portfolio, calendar="monthly", threshold_check=False)
    return built


def _proposals(built: Drifted) -> list[tuple[str, str]]:
    return list(
        RebalanceProposal.objects.filter(portfolio=built.portfolio)
        .order_by("id")
        .values_list("trigger", "status")
    )


def test_monthly_policy_proposes_on_its_day_and_not_the_day_after(eager) -> None:  # type: ignore[no-untyped-def]
    built = _monthly("mona")
    with time_machine.travel(datetime(2025, 3, 1, 9, 0, tzinfo=UTC), tick=False):
        assert calendar_checks() == {"checked": 1}
        assert _proposals(built) == [(Trigger.CALENDAR, ProposalStatus.PENDING)]
        policy = Policy.objects.get(portfolio=built.portfolio)
        assert policy.last_calendar_run == datetime(2025, 3, 1).date()
        # The day's check has run: a second beat the same day does nothing, even once the owner dismissed it.
        proposal_dismiss(proposal=RebalanceProposal.objects.get(portfolio=built.portfolio))
        assert calendar_checks() == {"checked": 0}
    with time_machine.travel(datetime(2025, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        assert calendar_checks() == {"checked": 0}
    assert _proposals(built) == [(Trigger.CALENDAR, ProposalStatus.DISMISSED)]


def test_the_day_is_the_owners_day(eager) -> None:  # type: ignore[no-untyped-def]
    west = _monthly("nina", "America/New_York")
    east = _monthly("omar", "Asia/Tokyo")
    # 2025-02-28 16:00 UTC: already March 1st (01:00) in Tokyo, still February 28th (11:00) in New York.
    with time_machine.travel(datetime(2025, 2, 28, 16, 0, tzinfo=UTC), tick=False):
        assert calendar_checks() == {"checked": 1}
    assert _proposals(east) == [(Trigger.CALENDAR, ProposalStatus.PENDING)]
    assert _proposals(west) == []
    # 2025-03-01 04:00 UTC: 23:00 on the 28th in New York; 05:00 UTC is midnight, March 1st.
    with time_machine.travel(datetime(2025, 3, 1, 4, 0, tzinfo=UTC), tick=False):
        assert calendar_checks() == {"checked": 0}
    with time_machine.travel(datetime(2025, 3, 1, 5, 0, tzinfo=UTC), tick=False):
        assert calendar_checks() == {"checked": 1}
    assert _proposals(west) == [(Trigger.CALENDAR, ProposalStatus.PENDING)]
    assert Policy.objects.get(portfolio=west.portfolio).last_calendar_run == datetime(2025, 3, 1).date()
    assert _proposals(east) == [(Trigger.CALENDAR, ProposalStatus.PENDING)]


def test_a_snapshot_task_on_a_drifted_portfolio_leaves_one_pending_proposal(eager) -> None:  # type: ignore[no-untyped-def]
    built = build_drifted("pia")
    assert _proposals(built) == []
    snapshot_portfolio.apply(args=[built.portfolio.pk])
    assert _proposals(built) == [(Trigger.THRESHOLD, ProposalStatus.PENDING)]
    first = RebalanceProposal.objects.get(portfolio=built.portfolio)
    # Nothing changed: the same trades are already waiting, so neither task adds or supersedes one.
    snapshot_portfolio.apply(args=[built.portfolio.pk])
    snapshot_portfolios.apply(args=[[built.portfolio.pk]])
    assert _proposals(built) == [(Trigger.THRESHOLD, ProposalStatus.PENDING)]
    assert RebalanceProposal.objects.get(portfolio=built.portfolio).pk == first.pk


def test_a_batch_snapshot_checks_each_portfolio(eager) -> None:  # type: ignore[no-untyped-def]
    one, two = build_drifted("quin"), build_drifted("rosa", with_target=False)
    snapshot_portfolios.apply(args=[[one.portfolio.pk, two.portfolio.pk]])
    assert _proposals(one) == [(Trigger.THRESHOLD, ProposalStatus.PENDING)]
    assert _proposals(two) == []  # no target: nothing to check against
