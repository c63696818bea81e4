"""What every portfolios page needs: the signed-in owner, their time zone and calendar, ids from a query."""

from __future__ import annotations

from datetime import UTC, date, tzinfo
from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone

from portfolios.models import User


def user_of(request: HttpRequest) -> User:
    # LoginRequiredMiddleware lets only authenticated users reach the views.
    return cast(User, request.user)


def tz_of(request: HttpRequest) -> tzinfo:
    try:
        return user_of(request).tzinfo
    except (KeyError, ValueError):
        return UTC


def today_of(request: HttpRequest) -> date:
    # Holding periods count in the owner's calendar, not the server's.
    return timezone.now().astimezone(tz_of(request)).date()


def int_or_none(value: Any) -> int | None:
    text = str(getattr(value, "pk", value) or "")
    return int(text) if text.isdigit() else None
