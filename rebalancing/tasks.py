"""Celery tasks of the rebalancing app: thin, idempotent, take ids and call services.

`check_portfolio` runs after every snapshot (connected in RebalancingConfig.ready); `calendar_checks` runs
daily from beat and checks the portfolios whose policy's calendar day has come; `refresh_market_caps` runs
daily from beat after the price history.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

import config.celery  # noqa: F401  (the app these tasks are sent with and run by)
from portfolios.models import Portfolio
from rebalancing.market_caps import market_caps_refresh
from rebalancing.models import Policy
from rebalancing.services import calendar_due, proposal_check

logger = logging.getLogger("lotwise.tasks")

RELIABLE: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(name="rebalancing.tasks.check_portfolio", **RELIABLE)  # type: ignore[untyped-decorator]
def check_portfolio(portfolio_id: int, calendar: bool = False) -> dict[str, Any]:
    """A pending proposal when a band is breached (or on the calendar day); none when an equal one waits."""
    portfolio = Portfolio.objects.select_related("owner").filter(pk=portfolio_id).first()
    if portfolio is None:
        return {"portfolio_id": portfolio_id, "proposal_id": None}
    proposal = proposal_check(portfolio=portfolio, calendar=calendar)
    return {"portfolio_id": portfolio_id, "proposal_id": proposal.pk if proposal else None}


@shared_task(name="rebalancing.tasks.calendar_checks", **RELIABLE)  # type: ignore[untyped-decorator]
def calendar_checks() -> dict[str, Any]:
    """Daily: a check of each portfolio whose calendar day it is in its owner's time zone."""
    due = []
    now = timezone.now()
    policies = Policy.objects.exclude(calendar="").select_related("portfolio__owner")
    for policy in policies:
        today = now.astimezone(policy.portfolio.owner.tzinfo).date()
        if calendar_due(policy.calendar, today, policy.last_calendar_run):
            due.append(policy.portfolio_id)
            check_portfolio.delay(policy.portfolio_id, calendar=True)
    return {"checked": len(due)}


@shared_task(name="rebalancing.tasks.refresh_market_caps", **RELIABLE)  # type: ignore[untyped-decorator]
def refresh_market_caps() -> dict[str, Any]:
    """Daily: the market caps of every coin held or in a target, for the model indices."""
    result = market_caps_refresh()
    if result.offline:
        logger.warning("market caps not refreshed: %s", result.offline)
    return {"stored": result.stored, "missing": result.missing, "offline": result.offline}


def after_snapshot(portfolio_ids: list[int]) -> None:
    """Queue a drift check of each portfolio whose snapshot was just written."""
    for pid in portfolio_ids:
        try:
            check_portfolio.delay(pid)
        except Exception:
            # The snapshot is stored either way; the next snapshot checks again.
            logger.exception("could not enqueue the drift check of portfolio %s", pid)
