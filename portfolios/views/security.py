"""Sign-in security in Settings: two-factor sign-in (the code step after the password, turning it on and
off, recovery codes) and API tokens for scripts.

The login view (portfolios/views/auth.py) calls `begin_pending` instead of logging a two-factor user in:
the session then holds only who passed the password, for a few minutes, and `two_factor_verify` logs them
in once a code is right. A session that was already signed in when two-factor sign-in was turned on enters
a code on the same page (portfolios.two_factor.TwoFactorMiddleware sends it there).
"""

from __future__ import annotations

import math
import time
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from portfolios import tokens, two_factor
from portfolios.models import User
from portfolios.views.common import user_of

PENDING_KEY = "lotwise_2fa_pending"
PENDING_SECONDS = 10 * 60


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class SetupCodeForm(CodeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = "The 6-digit code your authenticator app shows for Lotwise."


class ConfirmForm(forms.Form):
    """Turning two-factor sign-in off or making new recovery codes: the password or a current code again."""

    password = forms.CharField(
        label="Your password, or a code from your authenticator app",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, request: HttpRequest, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = user

    def clean_password(self) -> str:
        value = str(self.cleaned_data["password"])
        if two_factor.is_totp_code(value):
            check = two_factor.verify(user=self.user, code=value, recovery_allowed=False)
            if check.wait_until is not None:
                raise ValidationError(_wait_message(check.wait_until))
            if check.device is None:
                raise ValidationError(
                    "That code is not right (or was already used): enter the one the app shows now."
                )
            return value
        # Through the authentication backends, so django-axes counts a wrong password here too.
        if authenticate(self.request, username=self.user.get_username(), password=value) != self.user:
            raise ValidationError("That password is not right.")
        return value


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=tokens.NAME_MAX_LENGTH,
        help_text="What uses it, e.g. “nightly export script”.",
    )


def _wait_message(until: Any) -> str:
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    return f"Too many wrong codes: wait {seconds} second{'s' if seconds != 1 else ''} and try again."


def settings_context(user: User) -> dict[str, Any]:
    """What the Settings page shows about sign-in security."""
    enabled = two_factor.is_enabled(user)
    return {
        "two_factor_on": enabled,
        "recovery_codes_left": two_factor.recovery_codes_left(user=user) if enabled else 0,
        "api_tokens": list(tokens.tokens_active(user=user)),
        "token_form": TokenForm(),
    }


# --- the code step of signing in --------------------------------------------------------------------------


def begin_pending(request: HttpRequest, user: User) -> None:
    """The password was right: remember who, briefly, and ask for the code before logging them in."""
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
        "hash": user.get_session_auth_hash(),
        "at": int(time.time()),
    }


def _pending_user(request: HttpRequest) -> tuple[User, str] | None:
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    started = float(data.get("at", 0))  # float ok: a time in seconds, not money
    if time.time() - started > PENDING_SECONDS:
        return None
    backend = data.get("backend")
    user_id = data.get("user")
    if not isinstance(user_id, int):
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if (
        user is None
        or backend not in settings.AUTHENTICATION_BACKENDS
        or not constant_time_compare(user.get_session_auth_hash(), str(data.get("hash", "")))
    ):
        return None
    return user, backend


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _locked_out(request: HttpRequest, credentials: dict[str, str]) -> HttpResponse:
    request.session.pop(PENDING_KEY, None)
    if request.user.is_authenticated:
        logout(request)
    response: HttpResponse = get_lockout_response(request, None, credentials)
    return response


@login_not_required
@never_cache
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    backend: str | None = None
    if request.user.is_authenticated:
        if not two_factor.unverified(request.user):
            return redirect(next_url)
        user = user_of(request)
    else:
        pending = _pending_user(request)
        if pending is None:
            request.session.pop(PENDING_KEY, None)
            return redirect(f"{reverse('login')}?{urlencode({'next': next_url})}")
        user, backend = pending
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.get_username()}
        if settings.AXES_ENABLED and AxesProxyHandler.is_locked(request, credentials):
            return _locked_out(request, credentials)
        check = two_factor.verify(user=user, code=form.cleaned_data["code"])
        if check.device is not None:
            request.session.pop(PENDING_KEY, None)
            if backend is not None:
                auth_login(request, user, backend=backend)
            otp_login(request, check.device)
            if check.recovery:
                left = two_factor.recovery_codes_left(user=user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code, which now no longer works; {left} left. "
                    "Make new ones in Settings if you are running low.",
                )
            return redirect(next_url)
        if check.wait_until is not None:
            form.add_error("code", _wait_message(check.wait_until))
        else:
            form.add_error(
                "code", "That code is not right. Enter the code your app shows now, or a recovery code."
            )
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                return _locked_out(request, credentials)
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": next_url})


# --- turning it on and off ----------------------------------------------------------------------------------


def _show_codes(request: HttpRequest, codes: list[str], *, first: bool) -> HttpResponse:
    return render(request, "portfolios/security/recovery_codes.html", {"codes": codes, "first": first})


@require_POST
def two_factor_start(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if two_factor.is_enabled(user):
        messages.info(request, "Two-factor sign-in is already on.")
        return redirect("account_settings")
    two_factor.setup_start(user=user)
    return redirect("two_factor_setup")


@never_cache
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if two_factor.is_enabled(user):
        return redirect("account_settings")
    device = two_factor.setup_pending(user=user)
    if device is None:
        messages.info(request, "Start with “Turn on two-factor sign-in”.")
        return redirect("account_settings")
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = two_factor.setup_confirm(user=user, code=form.cleaned_data["code"])
        if done is not None:
            confirmed, codes = done
            otp_login(request, confirmed)
            messages.success(request, "Two-factor sign-in is on.")
            return _show_codes(request, codes, first=True)
        form.add_error(
            "code",
            "That code does not match. Check that your phone's clock is right and enter the code the app shows now.",
        )
    return render(
        request,
        "portfolios/security/two_factor_setup.html",
        {"form": form, "setup": two_factor.provisioning(device)},
    )


@never_cache
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not two_factor.is_enabled(user):
        return redirect("account_settings")
    form = ConfirmForm(request, user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _show_codes(request, two_factor.recovery_codes_new(user=user), first=False)
    return render(
        request,
        "portfolios/security/confirm.html",
        {
            "form": form,
            "title": "New recovery codes",
            "lead": "Your current recovery codes stop working and ten new ones are shown once.",
            "button": "Make new recovery codes",
        },
    )


def two_factor_disable(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not two_factor.is_enabled(user):
        return redirect("account_settings")
    form = ConfirmForm(request, user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        two_factor.disable(user=user)
        messages.success(request, "Two-factor sign-in is off; your recovery codes no longer work.")
        return redirect("account_settings")
    return render(
        request,
        "portfolios/security/confirm.html",
        {
            "form": form,
            "title": "Turn off two-factor sign-in",
            "lead": "Signing in will need only your password again; your recovery codes stop working.",
            "button": "Turn off two-factor sign-in",
        },
    )


# --- API tokens --------------------------------------------------------------------------------------------


@require_POST
@never_cache
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            made = tokens.token_create(user=user_of(request), name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return render(
                request, "portfolios/security/token_created.html", {"token": made.token, "key": made.key}
            )
    return render(request, "portfolios/security/token_form.html", {"token_form": form})


@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = user_of(request)
    token = get_object_or_404(tokens.tokens_active(user=user), pk=token_id)
    if not tokens.token_revoke(user=user, token_id=token.pk):
        raise Http404("No such token.")
    messages.success(request, f"Token “{token.name}” ({token.prefix}…) revoked: it no longer works.")
    return redirect("account_settings")
