"""A ledger change notes, for each value history it touches, the first day it can change.

The recompute after a change at order key K (taxes.services.owner_recompute) replays the ledger from the
engine's last checkpoint before K: the rows of the events before K stay as they were, so a portfolio's value
history can change only from the day of K on, apart from basis added since to lots already held before it,
which the snapshot finds for itself (history.py). `portfolio_recompute_noted` is portfolio_recompute that
writes this on each of the owner's HistoryStates, in the same transaction and under the same owner lock.

The states chain: a change is noted only when its recompute started from the ledger the history (or the
change noted before it) stands at. A recompute that does not come through here (an import, a basis-method
or time-zone change) breaks the chain, and the next snapshot rebuilds the whole history.
"""

from __future__ import annotations

from datetime import datetime

from portfolios.models import Portfolio, User
from portfolios.models.snapshots import HistoryState
from taxes.services import RecomputeResult, portfolio_recompute


def portfolio_recompute_noted(*, portfolio: Portfolio, changed_from: tuple[datetime, int]) -> RecomputeResult:
    """portfolio_recompute(portfolio, changed_from), noting on the owner's value histories from which day
    the change can reach them. Raises what portfolio_recompute raises, having written nothing."""
    owner = portfolio.owner
    # The recompute's own lock, taken first: no other recompute can commit between the reads below and it.
    list(User.objects.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True))
    states = list(
        HistoryState.objects.filter(portfolio__owner_id=owner.pk).select_related("portfolio__ledger_status")
    )
    before = {state.portfolio_id: _computed_at(state.portfolio) for state in states}
    result = portfolio_recompute(portfolio=portfolio, changed_from=changed_from)
    first_day = changed_from[0].astimezone(owner.tzinfo).date()
    for state in states:
        stands_at = state.changed_to or state.ledger_at
        if stands_at is None or stands_at != before[state.portfolio_id]:
            state.changed_from = None  # a change not noted came in between: from which day is unknown
        elif state.changed_to is None:
            state.changed_from = first_day
        elif state.changed_from is not None:
            state.changed_from = min(state.changed_from, first_day)
        state.changed_to = result.computed_at
    if states:
        HistoryState.objects.bulk_update(states, ["changed_to", "changed_from"])
    return result


def _computed_at(portfolio: Portfolio) -> datetime | None:
    status = getattr(portfolio, "ledger_status", None)
    return None if status is None else status.computed_at
