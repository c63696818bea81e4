"""Two-factor sign-in on django-otp: an authenticator app (TOTP) plus one-time recovery codes.

A user has two-factor sign-in when they have a confirmed TOTP device. Their recovery codes are the tokens of
one static device; django-otp deletes a token when it is used, so a code works once. Both devices throttle
wrong codes on their own (1, 2, 4, 8 … seconds between tries), and the sign-in step also counts each wrong
code as a failed login for django-axes.

`TwoFactorMiddleware` sends a signed-in user who has two-factor sign-in but whose session has not entered a
code to the code page, from every page except public ones and the code page and logout themselves. The API
is guarded by its authentication classes instead (portfolios/tokens.py), so a script's token still works.
"""

from __future__ import annotations

import hashlib
import re
from base64 import b32encode
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import segno
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
# Whether a user has two-factor sign-in is read on every page, so it is cached (no query per request);
# every change here deletes the entry, and a sign-in refreshes it.
_CACHE_SECONDS = 300
_TOTP_CODE = re.compile(r"\d{6}")

F = TypeVar("F", bound=Callable[..., Any])


def normalize(code: str) -> str:
    """What the user typed, without spaces or dashes, lower case: "ABCD-EFGH " is "abcdefgh"."""
    return re.sub(r"[\s-]", "", code or "").lower()


def is_totp_code(code: str) -> bool:
    return bool(_TOTP_CODE.fullmatch(normalize(code)))


def _cache_key(user: Any) -> str:
    # Keyed by the session hash too: a reused id (a deleted user's) or a new password never reads an old answer.
    digest = hashlib.sha256(f"{user.pk}:{user.get_session_auth_hash()}".encode()).hexdigest()[:32]
    return f"lotwise:2fa:{digest}"


def _forget(user: Any) -> None:
    cache.delete(_cache_key(user))


def is_enabled(user: Any) -> bool:
    """From the database (and remembered for the middleware)."""
    enabled = bool(TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists())
    cache.set(_cache_key(user), enabled, _CACHE_SECONDS)
    return enabled


def required(user: Any) -> bool:
    """Whether this user must enter a code to use a session (cached)."""
    if not getattr(user, "is_authenticated", False):
        return False
    cached = cache.get(_cache_key(user))
    return is_enabled(user) if cached is None else bool(cached)


def unverified(user: Any) -> bool:
    """A signed-in user with two-factor sign-in whose session has not entered a code yet."""
    is_verified = getattr(user, "is_verified", None)
    return required(user) and not (is_verified is not None and is_verified())


def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Connected to user_logged_in (portfolios.apps): the pages that follow read the answer from the cache."""
    is_enabled(user)


# --- setting up ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provisioning:
    uri: str  # otpauth://totp/…, what the QR code holds
    secret: str  # the same key in base32, for typing into the app
    qr_data_uri: str  # an SVG image of the QR code as a data: URI


def setup_start(*, user: Any) -> TOTPDevice:
    """A new secret, not in force until a code from it is entered (setup_confirm)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def setup_pending(*, user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("-id").first()


def provisioning(device: TOTPDevice) -> Provisioning:
    uri = device.config_url
    secret = b32encode(device.bin_key).decode().rstrip("=")
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    return Provisioning(
        uri=uri, secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)), qr_data_uri=qr
    )


def setup_confirm(*, user: Any, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Turn two-factor sign-in on if `code` comes from the pending secret: the device and new recovery codes."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user_id=user.pk, confirmed=False)
            .order_by("-id")
            .first()
        )
        if device is None or not device.verify_token(normalize(code)):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
        codes = _replace_recovery_codes(user)
    _forget(user)
    return device, codes


def recovery_codes_new(*, user: Any) -> list[str]:
    """A fresh set of recovery codes; the old ones stop working."""
    with transaction.atomic():
        return _replace_recovery_codes(user)


def _replace_recovery_codes(user: Any) -> list[str]:
    # The device itself is kept: a session verified by a recovery code stays verified.
    device = StaticDevice.objects.filter(user_id=user.pk).order_by("id").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    device.token_set.all().delete()
    device.throttle_reset()
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in sorted(codes))
    return [f"{code[:4]}-{code[4:]}" for code in sorted(codes)]


def recovery_codes_left(*, user: Any) -> int:
    return int(StaticToken.objects.filter(device__user_id=user.pk).count())


def disable(*, user: Any) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=user.pk).delete()
        StaticDevice.objects.filter(user_id=user.pk).delete()
    _forget(user)


# --- checking a code -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    device: Device | None  # the device that accepted the code, None when refused
    wait_until: datetime | None = None  # refused unchecked: too many wrong codes just now
    recovery: bool = False  # accepted as a recovery code (now used up)


def verify(*, user: Any, code: str, recovery_allowed: bool = True) -> Check:
    """Check a code from the app (six digits) or, if allowed, a recovery code (which it uses up)."""
    code = normalize(code)
    is_totp = is_totp_code(code)
    if not code or (not is_totp and not recovery_allowed):
        return Check(None)
    model: type[TOTPDevice] | type[StaticDevice] = TOTPDevice if is_totp else StaticDevice
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user_id=user.pk, confirmed=True).first()
        if device is None:
            return Check(None)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            return Check(None, wait_until=(info or {}).get("locked_until"))
        if device.verify_token(code):
            return Check(device, recovery=not is_totp)
    return Check(None)


# --- every page ------------------------------------------------------------------------------------------


def two_factor_exempt(view: F) -> F:
    """Marks a view a signed-in but unverified user may still reach (the code page, logout)."""
    view.two_factor_exempt = True  # type: ignore[attr-defined]
    return view


class TwoFactorMiddleware:
    """After django_otp's OTPMiddleware: an unverified session of a two-factor user reaches only public
    pages, the code page and logout; everything else redirects to the code page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view_func, "login_required", True) is False or getattr(
            view_func, "two_factor_exempt", False
        ):
            return None
        from rest_framework.views import APIView  # not at import: DRF's settings import this app's classes

        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None  # the API's authentication classes refuse an unverified session themselves
        if not unverified(request.user):
            return None
        return redirect_to_login(request.get_full_path(), reverse("two_factor_verify"))
