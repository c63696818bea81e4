"""What every tax page needs: the signed-in owner, their calendar, their portfolio by id."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils import timezone

from portfolios.models import Portfolio, User
from portfolios.sharing import readable_or_404


def user_of(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def today_of(request: HttpRequest) -> date:
    # Holding periods and tax years count in the owner's calendar, not the server's.
    return timezone.now().astimezone(user_of(request).tzinfo).date()


def get_portfolio_for_user(request: HttpRequest, portfolio_id: int) -> Portfolio:
    # Another user's id is a 404 unless it is shared with them (read-only); the ledger status comes along
    # since every page prints it.
    return readable_or_404(request, portfolio_id, Portfolio.objects.select_related("ledger_status", "owner"))
