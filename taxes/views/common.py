"""What every tax page needs: the signed-in owner, their calendar, their portfolio by id."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from portfolios.models import Portfolio, User


def user_of(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def today_of(request: HttpRequest) -> date:
    # Holding periods and tax years count in the owner's calendar, not the server's.
    return timezone.now().astimezone(user_of(request).tzinfo).date()


def get_portfolio_for_user(request: HttpRequest, portfolio_id: int) -> Portfolio:
    # Another user's id is a 404; the ledger status comes along since every page prints it.
    return get_object_or_404(
        Portfolio.objects.select_related("ledger_status"), pk=portfolio_id, owner=user_of(request)
    )
