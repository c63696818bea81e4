"""API tokens for scripts, and the API's authentication classes.

A token's key is shown once, when it is made; only its SHA-256 is stored, with the first characters kept
visible so the owner can tell tokens apart. `Authorization: Token <key>` (or `Bearer <key>`) authenticates
a request as the token's owner until the token is revoked. A token is an explicit credential for scripts,
so it needs no second factor; a session does (VerifiedSessionAuthentication), and a password sent with
Basic auth is refused for a user with two-factor sign-in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.authentication import BasicScheme, SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import (
    BaseAuthentication,
    BasicAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from portfolios import two_factor
from portfolios.models import ApiToken, User

KEY_START = "lw_"
PREFIX_LENGTH = len(KEY_START) + 8
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length or 100
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    key: str  # the only time the key exists outside the script it is given to


def token_create(*, user: User, name: str) -> NewToken:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. the script that uses it."})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": f"A token's name has at most {NAME_MAX_LENGTH} characters."})
    key = KEY_START + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:PREFIX_LENGTH], key_hash=_hash(key))
    return NewToken(token=token, key=key)


def tokens_active(*, user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True)


def token_revoke(*, user: Any, token_id: int) -> bool:
    """Revoke one of the user's own active tokens; False if there is no such token (another user's)."""
    return bool(tokens_active(user=user).filter(pk=token_id).update(revoked_at=timezone.now()))


def token_authenticate(key: str) -> ApiToken | None:
    """The active token with this key, its owner loaded, or None."""
    if not key.startswith(KEY_START) or len(key) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- DRF ---------------------------------------------------------------------------------------------


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>` or `Authorization: Bearer <key>`, with a key made in Settings."""

    keywords = (b"token", b"bearer")

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(
                "Send the token as `Authorization: Token <key>`, with no spaces in the key."
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed("This token is not valid or has been revoked.") from exc
        token = token_authenticate(key)
        if token is None:
            raise AuthenticationFailed("This token is not valid or has been revoked.")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Token realm="api"'


class VerifiedSessionAuthentication(SessionAuthentication):
    """A browser session, once its two-factor code was entered (when the user has two-factor sign-in)."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        found = super().authenticate(request)
        if found is not None and two_factor.unverified(found[0]):
            return None
        return found


class PasswordAuthentication(BasicAuthentication):
    """HTTP Basic with the username and password, for users without two-factor sign-in only."""

    def authenticate_credentials(self, userid: str, password: str, request: Any = None) -> tuple[Any, None]:
        user, auth = super().authenticate_credentials(userid, password, request)
        if two_factor.required(user):
            raise AuthenticationFailed(
                "This account signs in with two factors: use an API token (Settings → API tokens) instead of the password."
            )
        return user, auth


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "portfolios.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token made in Settings: `Authorization: Bearer <key>` "
            "(or `Authorization: Token <key>`). Revoked tokens get 401.",
        }


class VerifiedSessionScheme(SessionScheme):  # type: ignore[no-untyped-call]
    target_class = "portfolios.tokens.VerifiedSessionAuthentication"


class PasswordScheme(BasicScheme):  # type: ignore[no-untyped-call]
    target_class = "portfolios.tokens.PasswordAuthentication"
